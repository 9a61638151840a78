//! Many decisions at once: batches of requests, the records a user may act on, list queries.
//!
//! [`DataversePolicy::check`] answers one question. A screen that lists a table asks the same
//! question for every record, and most of the work of a decision (the user's grants, their
//! levels in the table, the units those levels reach, the teams whose records count as the
//! user's) depends only on the user, the table and the privilege. An [`AccessFilter`] does that
//! work once: it is the *list query* for one user, privilege and table, made of
//!
//! * business-unit ranges: pre-order intervals of the unit tree, so "the record's owning unit
//!   lies in the subtree of unit X" is `pre(X) <= pre(owning unit) < end(X)`
//!   ([`DataversePolicy::business_unit_pre_order`]);
//! * the owner user (the user themself, when some grant acts in the user's context);
//! * the owning teams whose records the user reaches as a member or through a team grant;
//! * the listed record ids: records shared (R5) with the user, a team of theirs or the
//!   organization, in a context that activates the share.
//!
//! A record of the table is allowed exactly when it matches one of the parts, unless the filter
//! is [`Scope::Everything`] (System Administrator, or an Organization-level grant) or
//! [`Scope::Nothing`]. [`DataversePolicy::accessible`] and [`DataversePolicy::filter`] scan
//! records against a filter. For the same question asked of the application's own database, see
//! [`SqlFilters`](super::SqlFilters), which writes it as SQL on the application's schema. Every
//! answer equals [`DataversePolicy::check`]'s decision; the property
//! tests in `tests/batch.rs` hold them to it on random models.
//!
//! Options whose effect does not fit the parts (hierarchy security, R6; A5's
//! `ownership_needs_role_in_owning_unit` in matrix mode) make the filter list every allowed
//! record explicitly, computed with [`DataversePolicy::check`]: still exact, no longer cheap.

use std::ops::{ControlFlow, Range};

use crate::core::{AccessLevel, Privilege};

use crate::dataverse::configuration::model::{HierarchyModel, RoleInheritance};
use crate::dataverse::configuration::policy::*;
use crate::dataverse::evaluation::reason::RecordReason;
use crate::dataverse::evaluation::walk::RecordView;

/// One record question with dense ids, for [`DataversePolicy::check_many`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct RecordRequest {
    /// Who asks.
    pub user: UserId,
    /// Exactly one record privilege (not Create).
    pub privilege: Privilege,
    /// The record.
    pub record: RecordId,
}

impl RecordRequest {
    /// May `user` use `privilege` on `record`?
    pub fn new(user: UserId, privilege: Privilege, record: RecordId) -> Self {
        RecordRequest {
            user,
            privilege,
            record,
        }
    }

    /// The same question about `privilege`.
    #[must_use]
    pub fn with_privilege(mut self, privilege: Privilege) -> Self {
        self.privilege = privilege;
        self
    }
}

/// Which records of the table an [`AccessFilter`] lets through, before looking at its parts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scope {
    /// No record: the user is unknown or not admitted (R8.4), the privilege is not one record
    /// privilege or does not apply to the table, no role gives it (R1.2), or no part matches
    /// anything.
    Nothing,
    /// Every record of the table: System Administrator (R8.1) or an Organization-level grant
    /// (R2.6, R2.8).
    Everything,
    /// The records that match the filter's parts.
    Parts,
}

/// What one user may reach with one privilege in one table: the list query.
///
/// Built by [`DataversePolicy::access_filter`]; valid for the policy that built it.
///
/// ```
/// use accessgate::dataverse::*;
/// use accessgate::{AccessLevel, Privilege};
///
/// let mut model = DataverseModel::default();
/// model.business_units.push(BusinessUnitDef::root("contoso"));
/// model.business_units.push(BusinessUnitDef::child("sales", "contoso"));
/// model.tables.push(TableDef::user_owned("account"));
/// model.roles.push(RoleDef::new("rep").grant("account", Privilege::READ, AccessLevel::BusinessUnit));
/// model.users.push(UserDef::new("alice", "sales"));
/// model.users.push(UserDef::new("bob", "contoso"));
/// model.role_assignments.push(RoleAssignmentDef::user("alice", "rep"));
/// model.records.push(RecordDef::owned_by_user("a1", "account", "alice"));
/// model.records.push(RecordDef::owned_by_user("b1", "account", "bob"));
/// let policy = model.build()?;
///
/// let alice = policy.user_id("alice").ok_or("no alice")?;
/// let account = policy.table_id("account").ok_or("no account")?;
/// let filter = policy.access_filter(alice, Privilege::READ, account);
/// assert_eq!(filter.scope(), Scope::Parts);
/// assert_eq!(filter.owner_user(), Some(alice));
/// assert_eq!(filter.unit_ranges().len(), 1); // the unit `sales`
/// let names: Vec<&str> = policy.accessible(alice, Privilege::READ, account)
///     .into_iter().map(|r| policy.record_name(r)).collect();
/// assert_eq!(names, ["a1"]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessFilter {
    user: UserId,
    privilege: Privilege,
    table: TableId,
    scope: Scope,
    owner_user: Option<UserId>,
    /// Sorted, without duplicates.
    owner_teams: Vec<TeamId>,
    /// Sorted, disjoint, non-adjacent.
    unit_ranges: Vec<Range<u32>>,
    /// Sorted, without duplicates; records of `table` only.
    records: Vec<RecordId>,
    /// By business-unit id: whether the unit's pre-order number lies in `unit_ranges`.
    unit_hit: Vec<bool>,
    /// By team id: whether the team is in `owner_teams`.
    team_hit: Vec<bool>,
}

impl AccessFilter {
    fn nothing(user: UserId, privilege: Privilege, table: TableId) -> AccessFilter {
        AccessFilter {
            user,
            privilege,
            table,
            scope: Scope::Nothing,
            owner_user: None,
            owner_teams: Vec::new(),
            unit_ranges: Vec::new(),
            records: Vec::new(),
            unit_hit: Vec::new(),
            team_hit: Vec::new(),
        }
    }

    /// The user the filter is for.
    pub fn user(&self) -> UserId {
        self.user
    }

    /// The privilege the filter is for.
    pub fn privilege(&self) -> Privilege {
        self.privilege
    }

    /// The table the filter is for; records of other tables never match.
    pub fn table(&self) -> TableId {
        self.table
    }

    /// Nothing, everything, or the records matching the parts.
    pub fn scope(&self) -> Scope {
        self.scope
    }

    /// Records owned by this user match (R2.3, R2.10). `None` when no grant acts in the user's
    /// context.
    pub fn owner_user(&self) -> Option<UserId> {
        self.owner_user
    }

    /// Records owned by one of these teams match (R2.3, R4.5), sorted.
    pub fn owner_teams(&self) -> &[TeamId] {
        &self.owner_teams
    }

    /// Records whose owning unit's pre-order number lies in one of these half-open ranges match
    /// (R2.4, R2.5). Sorted and disjoint.
    pub fn unit_ranges(&self) -> &[Range<u32>] {
        &self.unit_ranges
    }

    /// Records listed by id: shared with a context that activates the share (R5), and not
    /// already matched by the other parts. Sorted.
    pub fn listed_records(&self) -> &[RecordId] {
        &self.records
    }

    /// Whether the filter lets `record` through: the same decision as
    /// [`DataversePolicy::check`] for the filter's user and privilege, for a record of the
    /// filter's table. Other tables and unknown records do not match.
    pub fn allows(&self, policy: &DataversePolicy, record: RecordId) -> bool {
        match policy
            .records
            .info(record)
            .and_then(|raw| policy.resolved(&raw).ok())
        {
            Some(rec) => {
                let rec = &rec;
                rec.table == self.table.0
                    && match self.scope {
                        Scope::Nothing => false,
                        Scope::Everything => true,
                        Scope::Parts => {
                            self.matches_parts(rec) || self.records.binary_search(&record).is_ok()
                        }
                    }
            }
            None => false,
        }
    }

    /// Owner, team and unit parts, for a record already known to be of the filter's table.
    #[inline]
    fn matches_parts(&self, rec: &RecordInfo) -> bool {
        let owned = match rec.owner {
            Owner::User(o) => self.owner_user.is_some_and(|u| u.0 == o),
            Owner::Team(t) => self.team_hit.get(t as usize).copied().unwrap_or(false),
            Owner::Organization => false,
        };
        owned
            || self
                .unit_hit
                .get(rec.owning_unit as usize)
                .copied()
                .unwrap_or(false)
    }
}

impl DataversePolicy {
    /// Decides many record questions; the answers are [`check`](Self::check)'s, in order.
    ///
    /// ```
    /// use accessgate::dataverse::*;
    /// use accessgate::{AccessLevel, Privilege};
    ///
    /// let mut model = DataverseModel::default();
    /// model.business_units.push(BusinessUnitDef::root("contoso"));
    /// model.tables.push(TableDef::user_owned("account"));
    /// model.roles.push(RoleDef::new("rep").grant("account", Privilege::READ, AccessLevel::User));
    /// model.users.push(UserDef::new("alice", "contoso"));
    /// model.role_assignments.push(RoleAssignmentDef::user("alice", "rep"));
    /// model.records.push(RecordDef::owned_by_user("a1", "account", "alice"));
    /// let policy = model.build()?;
    /// let request = RecordRequest::new(
    ///     policy.user_id("alice").ok_or("no alice")?,
    ///     Privilege::READ,
    ///     policy.record_id("a1").ok_or("no a1")?,
    /// );
    /// let reasons = policy.check_many(&[request, request.with_privilege(Privilege::WRITE)]);
    /// assert_eq!(reasons[0].code(), "role_level");
    /// assert_eq!(reasons[1].code(), "no_privilege");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn check_many(&self, requests: &[RecordRequest]) -> Vec<RecordReason> {
        requests
            .iter()
            .map(|r| self.check(r.user, r.privilege, r.record))
            .collect()
    }

    /// The pre-order number of a business unit in the unit tree: unit `X` is `Y` or lies below
    /// it exactly when `pre(Y) <= pre(X) < pre(Y) + size of Y's subtree`. `None` for an unknown
    /// id. [`AccessFilter::unit_ranges`] are ranges of these numbers.
    pub fn business_unit_pre_order(&self, unit: BusinessUnitId) -> Option<u32> {
        self.tree.interval(unit.0).map(|(pre, _)| pre)
    }

    /// Whether [`access_filter`](Self::access_filter) can describe access by its parts under this
    /// policy's options; when not, it lists every allowed record.
    fn filter_has_parts(&self) -> bool {
        let hierarchy_off = self.options.hierarchy.model == HierarchyModel::Off;
        let a5 = self.options.matrix_mode && self.options.ownership_needs_role_in_owning_unit;
        hierarchy_off && !a5
    }

    /// Computes the list query for `user`, `privilege` and `table`: everything a decision on a
    /// record of the table reads that does not depend on the record.
    ///
    /// Cost: the user's grants, one pass over the business units and teams, and one pass over
    /// the records' share lists. Unknown ids, Create and multi-privilege sets give
    /// [`Scope::Nothing`], as [`check`](Self::check) denies them.
    pub fn access_filter(
        &self,
        user: UserId,
        privilege: Privilege,
        table: TableId,
    ) -> AccessFilter {
        let mut f = AccessFilter::nothing(user, privilege, table);
        let (Some(u), Some(info)) = (self.users.get(user.index()), self.tables.get(table.index()))
        else {
            return f;
        };
        let bit = match privilege.index() {
            Some(bit) if privilege != Privilege::CREATE => bit,
            _ => return f,
        };
        if !self.filter_has_parts() {
            return self.listed_filter(f);
        }
        if u.admission() != Admission::Admitted || !info.applicable.contains(privilege) {
            return f;
        }
        if u.system_administrator().is_some() {
            f.scope = Scope::Everything;
            return f;
        }

        let mut any_grant = false;
        let mut user_context = false;
        let mut team_context: Vec<u32> = Vec::new();
        let mut ranges: Vec<Range<u32>> = Vec::new();
        for g in self.users.grants(user.0) {
            let Some(level) = self.cell(g.role, table.0, bit) else {
                continue;
            };
            if level == AccessLevel::None {
                continue;
            }
            any_grant = true;
            if info.organization_owned {
                // R2.8: Organization or nothing.
                if level == AccessLevel::Organization {
                    f.scope = Scope::Everything;
                    return f;
                }
                continue;
            }
            match g.via() {
                Via::Direct | Via::TeamMemberInheritance(_) => user_context = true,
                Via::Team(t) => {
                    team_context.push(t.0);
                    // R4.6: the Basic part of a DirectUser team role acts as the member.
                    if self.roles.get(g.role as usize).map(|r| r.inheritance)
                        == Some(RoleInheritance::DirectUserBasicAndTeam)
                    {
                        user_context = true;
                    }
                }
            }
            let Some((pre, end)) = self.tree.interval(g.anchor) else {
                continue;
            };
            match level {
                AccessLevel::None | AccessLevel::User => {}
                AccessLevel::BusinessUnit => ranges.push(pre..pre + 1),
                AccessLevel::ParentChild => ranges.push(pre..end),
                AccessLevel::Organization => {
                    f.scope = Scope::Everything;
                    return f;
                }
            }
        }
        // R1.2: no grant, no access, whatever the shares say. Organization-owned tables have no
        // owners, units or shares.
        if !any_grant || info.organization_owned {
            return f;
        }

        // Ownership (R2.3, R4.5, A9).
        team_context.sort_unstable();
        team_context.dedup();
        let mut teams: Vec<u32> = team_context.clone();
        if user_context {
            f.owner_user = Some(user);
            teams.extend_from_slice(self.user_teams.get(user.0));
            if self.options.team_administrator_owns {
                teams.extend(
                    self.teams
                        .iter()
                        .enumerate()
                        .filter(|(_, t)| t.administrator == Some(user.0))
                        .map(|(i, _)| i as u32),
                );
            }
        }
        teams.sort_unstable();
        teams.dedup();
        f.team_hit = vec![false; self.teams.len()];
        for &t in &teams {
            if let Some(hit) = f.team_hit.get_mut(t as usize) {
                *hit = true;
            }
        }
        f.owner_teams = teams.into_iter().map(TeamId).collect();

        // Business-unit levels (R2.4, R2.5), merged.
        ranges.sort_unstable_by_key(|r| (r.start, r.end));
        let mut merged: Vec<Range<u32>> = Vec::with_capacity(ranges.len());
        for r in ranges {
            match merged.last_mut() {
                Some(last) if r.start <= last.end => last.end = last.end.max(r.end),
                _ => merged.push(r),
            }
        }
        f.unit_hit = (0..self.tree.len() as u32)
            .map(|unit| {
                self.tree
                    .interval(unit)
                    .is_some_and(|(pre, _)| merged.iter().any(|r| r.contains(&pre)))
            })
            .collect();
        f.unit_ranges = merged;

        // Shares (R5.4, R5.5, A2): which share targets a held grant activates.
        let user_shares = user_context || self.options.team_only_roles_activate_user_shares;
        let share_activates = |with: SharedWith| match with {
            SharedWith::User(x) => x == user && user_shares,
            SharedWith::Team(t) => {
                self.is_member(user.0, t.0)
                    && (user_context || team_context.binary_search(&t.0).is_ok())
            }
            SharedWith::Organization => true,
        };
        f.scope = Scope::Parts;
        // Only records with shares or parents can be reached by a share: walk those.
        for (r, slot) in self.records.table_slots(table.0) {
            if slot.extra.is_none() {
                continue;
            }
            let Ok(rec) = self.resolved(&slot.info) else {
                continue;
            };
            if f.matches_parts(&rec) {
                continue;
            }
            let view = RecordView {
                id: r,
                raw: slot.info,
                active: slot.active,
                parents: slot.extra.map_or(&[], |e| &e.parents),
                unshared: false,
            };
            let mut reached = false;
            self.walk_shares(&view, &rec, &self.records, true, &mut |s| {
                if s.rights.contains(privilege) && share_activates(s.with) {
                    reached = true;
                    return ControlFlow::Break(());
                }
                ControlFlow::Continue(())
            });
            if reached {
                f.records.push(r);
            }
        }
        if f.owner_user.is_none()
            && f.owner_teams.is_empty()
            && f.unit_ranges.is_empty()
            && f.records.is_empty()
        {
            return AccessFilter::nothing(user, privilege, table);
        }
        f
    }

    /// The filter as an explicit list of the records [`check`](Self::check) allows.
    fn listed_filter(&self, mut f: AccessFilter) -> AccessFilter {
        f.records = self
            .records
            .table_slots(f.table.0)
            .into_iter()
            .map(|(r, _)| r)
            .filter(|&r| self.check(f.user, f.privilege, r).decision().is_allow())
            .collect();
        f.scope = if f.records.is_empty() {
            Scope::Nothing
        } else {
            Scope::Parts
        };
        f
    }

    /// The records of `table` that `user` may act on with `privilege`, in id order.
    ///
    /// The same set as asking [`check`](Self::check) for every record of the table, computed
    /// by building one [`AccessFilter`] and scanning the records once.
    pub fn accessible(&self, user: UserId, privilege: Privilege, table: TableId) -> Vec<RecordId> {
        let f = self.access_filter(user, privilege, table);
        self.scan(&f)
    }

    /// The records of a filter's table that it lets through, in id order.
    pub fn accessible_with(&self, filter: &AccessFilter) -> Vec<RecordId> {
        self.scan(filter)
    }

    fn scan(&self, f: &AccessFilter) -> Vec<RecordId> {
        let table = f.table.0;
        let mut out = Vec::new();
        match f.scope {
            Scope::Nothing => {}
            Scope::Everything => {
                out.extend(self.records.table_slots(table).into_iter().map(|(r, _)| r));
            }
            Scope::Parts => {
                // Listed records are sorted: merge them in as the scan passes their ids.
                let mut listed = f.records.iter().map(|r| r.0).peekable();
                for (key, slot) in self.records.table_slots(table) {
                    let r = key.0;
                    let mut hit = self
                        .resolved(&slot.info)
                        .is_ok_and(|rec| f.matches_parts(&rec));
                    while let Some(&next) = listed.peek() {
                        if next > r {
                            break;
                        }
                        hit |= next == r;
                        listed.next();
                    }
                    if hit {
                        out.push(key);
                    }
                }
            }
        }
        out
    }

    /// The records of `records` that `user` may act on with `privilege`, in the order given.
    ///
    /// Records may be of any table; one [`AccessFilter`] is built per table met. The same
    /// answer as [`check`](Self::check) on each; unknown ids are dropped.
    pub fn filter(
        &self,
        user: UserId,
        privilege: Privilege,
        records: &[RecordId],
    ) -> Vec<RecordId> {
        let mut filters: Vec<Option<AccessFilter>> = Vec::new();
        filters.resize_with(self.tables.len(), || None);
        let mut out = Vec::new();
        for &r in records {
            let Some(rec) = self.records.info(r) else {
                continue;
            };
            let Some(slot) = filters.get_mut(rec.table as usize) else {
                continue;
            };
            let f =
                slot.get_or_insert_with(|| self.access_filter(user, privilege, TableId(rec.table)));
            if f.allows(self, r) {
                out.push(r);
            }
        }
        out
    }
}
