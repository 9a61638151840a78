//! A plain reference evaluator for Dataverse, written straight from `dataverse.md` §13 (the
//! algorithm) and §14 (the options), over the *document* model.
//!
//! No compiled indices and no optimisation: every lookup searches a list by string id, every
//! subtree test walks parent pointers, inherited (cascaded) shares are found by walking parent
//! links up from the record. It uses only the public model types of the library, never its
//! evaluation code, so the differential test compares two independent readings of the rules.
//!
//! Each answer is an [`Outcome`]: the decision and the reason code the library's `Response::code`
//! should give. Where §13 fixes an order (gate, privilege check, ownership and levels, shares,
//! hierarchy) the code follows it; where the order is the library's own (which request
//! validation fails first) the reference takes the library's documented order.

#![allow(
    dead_code,
    reason = "each test target uses a different part of this module"
)]

pub mod extra;
pub mod flows;
pub mod folders;
pub mod run;

use accessgate::dataverse::*;
use accessgate::{AccessLevel, Privilege, Request};

/// A decision and its reason code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Allowed, with the code of the path that allowed.
    Allow(&'static str),
    /// Denied, with the code of what was missing.
    Deny(&'static str),
}

impl Outcome {
    /// Whether it allows.
    pub fn allowed(self) -> bool {
        matches!(self, Outcome::Allow(_))
    }
    /// The reason code.
    pub fn code(self) -> &'static str {
        match self {
            Outcome::Allow(c) | Outcome::Deny(c) => c,
        }
    }
}

/// The context a grant acts in (R4.5, R4.6).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ctx<'a> {
    User,
    Team(&'a str),
}

/// One grant of §13: `{depth, anchor_bu, ctx}`.
#[derive(Debug, Clone, Copy)]
struct Grant<'a> {
    level: AccessLevel,
    anchor: &'a str,
    ctx: Ctx<'a>,
}

/// A record as the rules see it: existing, or the would-be record of a Create (R2.9).
#[derive(Debug, Clone)]
struct Rec<'a> {
    /// The record's id; `None` for a would-be record.
    id: Option<&'a str>,
    table: &'a str,
    /// `None` for an organization-owned record.
    owner: Option<PrincipalRef>,
    /// `None` for an organization-owned record.
    owning_bu: Option<String>,
}

const HIERARCHY_RIGHTS: Privilege = Privilege::READ
    .union(Privilege::WRITE)
    .union(Privilege::APPEND)
    .union(Privilege::APPEND_TO);

/// The reference evaluator over one model document.
pub struct Reference<'a> {
    m: &'a DataverseModel,
}

impl<'a> Reference<'a> {
    /// An evaluator over `m`, which must build (the reference does not re-validate it).
    pub fn new(m: &'a DataverseModel) -> Self {
        Reference { m }
    }

    fn o(&self) -> &DataverseOptions {
        &self.m.options
    }

    // -----------------------------------------------------------------------------------------
    // Lookups by searching lists.

    fn user(&self, id: &str) -> Option<&'a UserDef> {
        self.m.users.iter().find(|u| u.id == id)
    }
    fn team(&self, id: &str) -> Option<&'a TeamDef> {
        self.m.teams.iter().find(|t| t.id == id)
    }
    fn role(&self, id: &str) -> Option<&'a RoleDef> {
        self.m.roles.iter().find(|r| r.id == id)
    }
    fn table(&self, id: &str) -> Option<&'a TableDef> {
        self.m.tables.iter().find(|t| t.id == id)
    }
    fn record(&self, id: &str) -> Option<&'a RecordDef> {
        self.m.records.iter().find(|r| r.id == id)
    }
    fn bu_parent(&self, id: &str) -> Option<&'a str> {
        self.m
            .business_units
            .iter()
            .find(|b| b.id == id)
            .and_then(|b| b.parent.as_deref())
    }
    fn relationship(&self, id: &str) -> Option<&'a RelationshipDef> {
        self.m.relationships.iter().find(|r| r.id == id)
    }

    /// Whether `bu` is `anchor` or lies anywhere below it (R2.5: grandchildren included).
    fn in_subtree(&self, anchor: &str, bu: &str) -> bool {
        let mut at = Some(bu);
        let mut steps = 0;
        while let Some(b) = at {
            if b == anchor {
                return true;
            }
            steps += 1;
            if steps > self.m.business_units.len() {
                return false;
            }
            at = self.bu_parent(b);
        }
        false
    }

    fn is_member(&self, user: &str, team: &str) -> bool {
        self.team(team)
            .is_some_and(|t| t.members.iter().any(|m| m == user))
    }

    /// `teams_of(u)`: every team listing the user as a member.
    fn teams_of(&self, user: &'a str) -> impl Iterator<Item = &'a TeamDef> + 'a {
        self.m
            .teams
            .iter()
            .filter(move |t| t.members.iter().any(|m| m == user))
    }

    /// The business unit of a user or team.
    fn principal_bu(&self, p: &PrincipalRef) -> Option<&'a str> {
        match p {
            PrincipalRef::User(u) => self.user(u).map(|u| u.business_unit.as_str()),
            PrincipalRef::Team(t) => self.team(t).map(|t| t.business_unit.as_str()),
        }
    }

    /// The role assignments of a principal: `(role, anchor unit)`; the anchor is the
    /// assignment's unit, or the principal's own unit (R3.5, R3.6).
    fn assignments(&self, p: PrincipalRef) -> Vec<(&'a RoleDef, &'a str)> {
        let own = self.principal_bu(&p);
        self.m
            .role_assignments
            .iter()
            .filter(|a| a.principal == p)
            .filter_map(|a| {
                let role = self.role(&a.role)?;
                let anchor = a.business_unit.as_deref().or(own)?;
                Some((role, anchor))
            })
            .collect()
    }

    /// The level a role gives a privilege on a table; a cell the role does not mention is None.
    /// A key naming several privileges gives each of them its level; a later key wins.
    fn depth(role: &RoleDef, table: &str, p: Privilege) -> AccessLevel {
        role.privileges
            .get(table)
            .and_then(|cells| {
                cells
                    .iter()
                    .filter(|(k, _)| k.contains(p))
                    .map(|(_, l)| *l)
                    .next_back()
            })
            .unwrap_or(AccessLevel::None)
    }

    /// Teams whose roles count for the "at least one role" gate and for System Administrator:
    /// group teams, and owner teams with A11's other reading (R8.4 item 4).
    fn team_admits(&self, t: &TeamDef) -> bool {
        matches!(
            t.kind,
            TeamKind::EntraSecurityGroup | TeamKind::EntraOfficeGroup
        ) || (t.kind == TeamKind::Owner && self.o().owner_team_roles_admit)
    }

    /// R8.1: the System Administrator role, held directly or through an admitting team.
    fn is_sysadmin(&self, user: &str) -> bool {
        self.assignments(PrincipalRef::User(user.into()))
            .iter()
            .any(|(r, _)| r.system_administrator)
            || self.teams_of_owned(user).any(|t| {
                self.team_admits(t)
                    && self
                        .assignments(PrincipalRef::Team(t.id.clone()))
                        .iter()
                        .any(|(r, _)| r.system_administrator)
            })
    }

    fn teams_of_owned<'s>(&'s self, user: &'s str) -> impl Iterator<Item = &'a TeamDef> + 's {
        self.m
            .teams
            .iter()
            .filter(move |t| t.members.iter().any(|m| m == user))
    }

    /// R8.4 item 4 / A11: any role directly, or through an admitting team.
    fn has_any_role(&self, user: &str) -> bool {
        !self.assignments(PrincipalRef::User(user.into())).is_empty()
            || self.teams_of_owned(user).any(|t| {
                self.team_admits(t)
                    && !self
                        .assignments(PrincipalRef::Team(t.id.clone()))
                        .is_empty()
            })
    }

    /// `env_gate(u)` (R8.4).
    fn env_gate(&self, u: &UserDef) -> bool {
        let o = self.o();
        u.enabled
            && (u.application_user || u.licensed || o.per_app_plan_allocated)
            && (!o.security_group_required
                || u.in_security_group
                || u.application_user
                || u.power_platform_admin)
            && self.has_any_role(&u.id)
    }

    /// `grants(u, T, P)` of §13, with A1's other reading as an extra anchor.
    fn grants(&self, u: &'a UserDef, table: &str, p: Privilege) -> Vec<Grant<'a>> {
        let mut g = Vec::new();
        for (role, anchor) in self.assignments(PrincipalRef::User(u.id.clone())) {
            let d = Self::depth(role, table, p);
            if d > AccessLevel::None {
                g.push(Grant {
                    level: d,
                    anchor,
                    ctx: Ctx::User,
                });
            }
        }
        for t in self.teams_of(&u.id) {
            if t.kind == TeamKind::Access {
                continue; // access teams hold no roles (R4.2)
            }
            for (role, anchor) in self.assignments(PrincipalRef::Team(t.id.clone())) {
                let d = Self::depth(role, table, p);
                if d == AccessLevel::None {
                    continue;
                }
                let mut anchors = vec![anchor];
                if self.o().team_role_anchor == TeamRoleAnchor::TeamAndMemberBusinessUnit
                    && u.business_unit != anchor
                {
                    anchors.push(u.business_unit.as_str()); // A1, other reading
                }
                for a in anchors {
                    g.push(Grant {
                        level: d,
                        anchor: a,
                        ctx: Ctx::Team(&t.id),
                    });
                    if role.inheritance == RoleInheritance::DirectUserBasicAndTeam {
                        g.push(Grant {
                            level: AccessLevel::User,
                            anchor: a,
                            ctx: Ctx::User,
                        }); // R4.6
                    }
                }
            }
        }
        g
    }

    fn rec_of(&self, r: &'a RecordDef) -> Rec<'a> {
        let owning_bu = r.owner.as_ref().map(|o| {
            r.owning_business_unit
                .clone()
                .or_else(|| self.principal_bu(o).map(str::to_owned))
                .unwrap_or_default()
        });
        Rec {
            id: Some(&r.id),
            table: &r.table,
            owner: r.owner.clone(),
            owning_bu,
        }
    }

    /// `owned_in_ctx(g, u, rec)` (R2.3, R2.10, R4.5), with A5 and A9.
    fn owned_in_ctx(&self, g: &Grant, u: &str, rec: &Rec) -> bool {
        if self.o().matrix_mode
            && self.o().ownership_needs_role_in_owning_unit
            && rec.owning_bu.as_deref() != Some(g.anchor)
        {
            return false; // A5, preview-era reading
        }
        match (g.ctx, &rec.owner) {
            (Ctx::User, Some(PrincipalRef::User(o))) => o == u,
            (Ctx::User, Some(PrincipalRef::Team(t))) => {
                self.is_member(u, t)
                    || (self.o().team_administrator_owns
                        && self
                            .team(t)
                            .is_some_and(|t| t.administrator.as_deref() == Some(u)))
            }
            (Ctx::Team(t), Some(PrincipalRef::Team(o))) => t == o,
            (Ctx::Team(_), Some(PrincipalRef::User(_))) | (_, None) => false,
        }
    }

    /// `covers(g, u, rec)` (R2.2–R2.6).
    fn covers(&self, g: &Grant, u: &str, rec: &Rec) -> bool {
        if self.owned_in_ctx(g, u, rec) {
            return true;
        }
        let Some(bu) = rec.owning_bu.as_deref() else {
            return false;
        };
        match g.level {
            AccessLevel::BusinessUnit => bu == g.anchor,
            AccessLevel::ParentChild => self.in_subtree(g.anchor, bu),
            AccessLevel::Organization => true,
            AccessLevel::None | AccessLevel::User => false,
        }
    }

    /// Whether a share made on `root` cascades down to `rec` (R5.8): some chain of parent links
    /// leads from `rec` up to `root`, every link's relationship cascading to the record below
    /// it, and no record on the way organization-owned.
    fn cascades(&self, root: &RecordDef, rec: &RecordDef) -> bool {
        let root_user_owner = match &root.owner {
            Some(PrincipalRef::User(u)) => Some(u.as_str()),
            _ => None,
        };
        let mut stack = vec![rec];
        let mut seen: Vec<&str> = vec![&rec.id];
        while let Some(child) = stack.pop() {
            let shareable = self
                .table(&child.table)
                .is_some_and(|t| t.ownership == TableOwnership::UserOrTeam);
            if !shareable {
                continue;
            }
            for link in &child.parents {
                let Some(rel) = self.relationship(&link.relationship) else {
                    continue;
                };
                let reaches = match rel.cascade_share {
                    Cascade::All => true,
                    Cascade::Active => child.active,
                    Cascade::UserOwned => {
                        root_user_owner.is_some()
                            && matches!(&child.owner, Some(PrincipalRef::User(o)) if Some(o.as_str()) == root_user_owner)
                    }
                    Cascade::None => false,
                };
                if !reaches {
                    continue;
                }
                if link.record == root.id {
                    return true;
                }
                if !seen.contains(&link.record.as_str()) {
                    if let Some(parent) = self.record(&link.record) {
                        seen.push(&parent.id);
                        stack.push(parent);
                    }
                }
            }
        }
        false
    }

    /// `shares(rec) ∪ inherited_shares(rec)`, each with whether it is inherited.
    fn shares_of(&self, rec: &Rec) -> Vec<(&'a ShareDef, bool)> {
        let Some(id) = rec.id else {
            return Vec::new();
        };
        let Some(this) = self.record(id) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for s in &self.m.shares {
            if s.record == id {
                out.push((s, false));
            } else if let Some(root) = self.record(&s.record) {
                if self.cascades(root, this) {
                    out.push((s, true));
                }
            }
        }
        out
    }

    /// `share_activates(g, u, s)` (R5.5, A2, A15, A17).
    fn share_activates(&self, g: &Grant, u: &str, with: &ShareTarget) -> bool {
        match with {
            ShareTarget::User(x) => {
                x == u && (g.ctx == Ctx::User || self.o().team_only_roles_activate_user_shares)
            }
            ShareTarget::Team(t) => {
                self.is_member(u, t) && (g.ctx == Ctx::User || g.ctx == Ctx::Team(t))
            }
            ShareTarget::Organization => true,
        }
    }

    /// `can(u, P, rec)` of §13, by ids.
    pub fn can(&self, user: &str, p: Privilege, record: &str) -> Outcome {
        let Some(u) = self.user(user) else {
            return Outcome::Deny("unknown_id");
        };
        let Some(r) = self.record(record) else {
            return Outcome::Deny("unknown_id");
        };
        self.can_rec(u, p, r)
    }

    fn applies(&self, table: &TableDef, p: Privilege) -> bool {
        let default = match table.ownership {
            TableOwnership::UserOrTeam => Privilege::all(),
            TableOwnership::Organization => Privilege::all() - Privilege::ASSIGN - Privilege::SHARE,
        };
        table.privileges.unwrap_or(default).contains(p)
    }

    fn can_rec(&self, u: &'a UserDef, p: Privilege, r: &'a RecordDef) -> Outcome {
        if p.bits().count_ones() != 1 || p == Privilege::CREATE {
            return Outcome::Deny("not_a_record_privilege");
        }
        if !self.env_gate(u) {
            return Outcome::Deny("not_admitted");
        }
        let Some(table) = self.table(&r.table) else {
            return Outcome::Deny("unknown_id");
        };
        if !self.applies(table, p) {
            return Outcome::Deny("privilege_does_not_apply"); // R1.9 for Assign/Share
        }
        if self.is_sysadmin(&u.id) {
            return Outcome::Allow("system_administrator"); // R8.1
        }
        let g = self.grants(u, &table.id, p);
        if table.ownership == TableOwnership::Organization {
            // R2.8: Global or nothing.
            return if g.iter().any(|g| g.level == AccessLevel::Organization) {
                Outcome::Allow("role_level")
            } else if g.is_empty() {
                Outcome::Deny("no_privilege")
            } else {
                Outcome::Deny("outside_levels")
            };
        }
        if g.is_empty() {
            return Outcome::Deny("no_privilege"); // R1.2
        }
        let rec = self.rec_of(r);
        if g.iter().any(|g| self.covers(g, &u.id, &rec)) {
            return Outcome::Allow("role_level");
        }
        for (s, _) in self.shares_of(&rec) {
            if s.rights.contains(p) && g.iter().any(|g| self.share_activates(g, &u.id, &s.with)) {
                return Outcome::Allow("shared"); // R5
            }
        }
        if self.hierarchy_allows(u, p, &rec, &g) {
            return Outcome::Allow("hierarchy"); // R6
        }
        Outcome::Deny("outside_levels")
    }

    /// How many levels above `report` the user `manager` sits, within the depth (R6.5, R6.8).
    fn levels_above(&self, manager: &UserDef, report: &UserDef) -> Option<u8> {
        let h = &self.o().hierarchy;
        match h.model {
            HierarchyModel::Off => None,
            HierarchyModel::Manager => {
                let mut node = report.manager.as_deref();
                for level in 1..=h.depth {
                    let n = node?;
                    if n == manager.id {
                        return Some(level);
                    }
                    node = self.user(n).and_then(|u| u.manager.as_deref());
                }
                None
            }
            HierarchyModel::Position => {
                let target = manager.position.as_deref()?;
                let start = report.position.as_deref()?;
                let parent = |p: &str| {
                    self.m
                        .positions
                        .iter()
                        .find(|x| x.id == p)
                        .and_then(|x| x.parent.as_deref())
                };
                let mut node = parent(start);
                for level in 1..=h.depth {
                    let n = node?;
                    if n == target {
                        return Some(level);
                    }
                    node = parent(n);
                }
                None
            }
        }
    }

    /// Whether report `v` at `level` counts for `P` (R6.3, A13, R6.10, R6.5, A6).
    fn report_counts(&self, u: &UserDef, v: &UserDef, level: u8, p: Privilege) -> bool {
        let h = &self.o().hierarchy;
        if h.model == HierarchyModel::Manager && h.managers_must_be_in_same_or_parent_unit {
            let ok = match h.manager_unit_reach {
                ManagerUnitReach::DirectParent => {
                    u.business_unit == v.business_unit
                        || self.bu_parent(&v.business_unit) == Some(u.business_unit.as_str())
                }
                ManagerUnitReach::AnyAncestor => {
                    self.in_subtree(&u.business_unit, &v.business_unit)
                }
            };
            if !ok {
                return false;
            }
        }
        if !v.enabled && !h.include_disabled_reports {
            return false;
        }
        let allowed = if level <= h.write_levels {
            HIERARCHY_RIGHTS
        } else {
            Privilege::READ
        };
        allowed.contains(p)
    }

    /// `hierarchy_allows(u, P, rec, G)` (R6), with A6b's minimum level and A18.
    fn hierarchy_allows(&self, u: &UserDef, p: Privilege, rec: &Rec, g: &[Grant]) -> bool {
        let h = &self.o().hierarchy;
        if h.model == HierarchyModel::Off
            || !self.table(rec.table).is_some_and(|t| t.hierarchy_security)
            || !HIERARCHY_RIGHTS.contains(p)
        {
            return false;
        }
        if !g.iter().any(|g| g.level >= h.manager_minimum_level) {
            return false; // R6.7
        }
        let shares = self.shares_of(rec);
        for v in &self.m.users {
            let Some(level) = self.levels_above(u, v) else {
                continue;
            };
            if !self.report_counts(u, v, level, p) {
                continue;
            }
            let owned = match &rec.owner {
                Some(PrincipalRef::User(o)) => *o == v.id,
                Some(PrincipalRef::Team(t)) => self.is_member(&v.id, t),
                None => false,
            };
            if owned {
                return true; // R6.4
            }
            for (s, inherited) in &shares {
                if !s.rights.contains(p) || (*inherited && !h.include_inherited_shares) {
                    continue;
                }
                let to_v = match &s.with {
                    ShareTarget::User(x) => *x == v.id,
                    ShareTarget::Team(t) => self.is_member(&v.id, t),
                    ShareTarget::Organization => false,
                };
                if to_v {
                    return true; // R6.6
                }
            }
        }
        false
    }

    // -----------------------------------------------------------------------------------------
    // Create (R2.9, R1.7, R3.7, A16).

    /// `owner_may_own(o, T)` (R1.7, S14). A System Administrator holds every privilege (R8.1).
    fn may_own(&self, owner: &PrincipalRef, table: &str) -> bool {
        let read = Privilege::READ;
        match owner {
            PrincipalRef::User(o) => {
                let Some(ou) = self.user(o) else {
                    return false;
                };
                let mut roles: Vec<(&RoleDef, bool)> = self
                    .assignments(PrincipalRef::User(o.clone()))
                    .into_iter()
                    .map(|(r, _)| (r, true))
                    .collect();
                for t in self.teams_of(&ou.id) {
                    if t.kind == TeamKind::Access {
                        continue;
                    }
                    for (r, _) in self.assignments(PrincipalRef::Team(t.id.clone())) {
                        roles.push((r, false));
                    }
                }
                if !ou.enabled && roles.is_empty() {
                    return false;
                }
                if self.is_sysadmin(o) {
                    return true;
                }
                roles.iter().any(|&(r, direct)| {
                    let d = Self::depth(r, table, read);
                    if direct || r.inheritance == RoleInheritance::DirectUserBasicAndTeam {
                        d >= AccessLevel::User
                    } else {
                        d == AccessLevel::Organization
                    }
                })
            }
            PrincipalRef::Team(t) => {
                self.team(t).is_some_and(|t| t.kind != TeamKind::Access)
                    && self
                        .assignments(PrincipalRef::Team(t.clone()))
                        .iter()
                        .any(|(r, _)| {
                            r.system_administrator
                                || Self::depth(r, table, read) >= AccessLevel::User
                        })
            }
        }
    }

    /// `can_create(u, T, owner, owning_bu)` of §13 (R2.9); `owner` absent means the user,
    /// `owning_bu` absent means the owner's unit.
    pub fn can_create(
        &self,
        user: &str,
        table: &str,
        owner: Option<&PrincipalRef>,
        owning_bu: Option<&str>,
    ) -> Outcome {
        let Some(u) = self.user(user) else {
            return Outcome::Deny("unknown_id");
        };
        let Some(t) = self.table(table) else {
            return Outcome::Deny("unknown_id");
        };
        let owner = owner
            .cloned()
            .unwrap_or_else(|| PrincipalRef::User(user.to_owned()));
        let Some(owner_bu) = self.principal_bu(&owner) else {
            return Outcome::Deny("unknown_id");
        };
        if let Some(b) = owning_bu {
            if !self.m.business_units.iter().any(|x| x.id == b) {
                return Outcome::Deny("unknown_id");
            }
        }
        self.create_known(u, t, &owner, owner_bu, owning_bu)
    }

    fn create_known(
        &self,
        u: &'a UserDef,
        t: &'a TableDef,
        owner: &PrincipalRef,
        owner_bu: &str,
        owning_bu: Option<&str>,
    ) -> Outcome {
        if !self.env_gate(u) {
            return Outcome::Deny("not_admitted");
        }
        if !self.applies(t, Privilege::CREATE) {
            return Outcome::Deny("privilege_does_not_apply");
        }
        if let PrincipalRef::Team(id) = owner {
            if self.team(id).is_some_and(|t| t.kind == TeamKind::Access) {
                return Outcome::Deny("owner_cannot_own"); // R4.2
            }
        }
        let unit = match owning_bu {
            None => owner_bu,
            Some(b) if !self.o().matrix_mode && b != owner_bu => {
                return Outcome::Deny("owning_unit_fixed"); // R2.7
            }
            Some(b) => b,
        };
        let org = t.ownership == TableOwnership::Organization;
        let phantom = Rec {
            id: None,
            table: &t.id,
            owner: (!org).then(|| owner.clone()),
            owning_bu: (!org).then(|| unit.to_owned()),
        };
        let sysadmin = self.is_sysadmin(&u.id);
        let decided = if sysadmin {
            Outcome::Allow("system_administrator")
        } else {
            let g = self.grants(u, &t.id, Privilege::CREATE);
            let reached = if org {
                g.iter().any(|g| g.level == AccessLevel::Organization) // R2.8
            } else {
                g.iter().any(|g| self.covers(g, &u.id, &phantom))
            };
            if g.is_empty() {
                return Outcome::Deny("no_privilege");
            }
            if !reached {
                return Outcome::Deny("create_outside_levels");
            }
            Outcome::Allow("role_level")
        };
        let for_other = *owner != PrincipalRef::User(u.id.clone());
        if self.o().create_for_other_requires_assign && for_other && !org && !sysadmin {
            let g = self.grants(u, &t.id, Privilege::ASSIGN);
            if !g.iter().any(|g| self.covers(g, &u.id, &phantom)) {
                return Outcome::Deny("create_for_other_needs_assign"); // A16
            }
        }
        if self.o().matrix_mode && !org && unit != owner_bu && !sysadmin {
            // R3.7: Append To at Business Unit level or above on the business-unit table.
            let ok = self.table(BUSINESS_UNIT_TABLE).is_some()
                && self.all_roles(u).iter().any(|r| {
                    Self::depth(r, BUSINESS_UNIT_TABLE, Privilege::APPEND_TO)
                        >= AccessLevel::BusinessUnit
                });
            if !ok {
                return Outcome::Deny("owning_unit_needs_append_to");
            }
        }
        if !org && !self.may_own(owner, &t.id) {
            return Outcome::Deny("owner_cannot_own"); // R1.7
        }
        decided
    }

    /// Every role the user holds, directly or through a team that holds roles.
    fn all_roles(&self, u: &UserDef) -> Vec<&'a RoleDef> {
        let mut out: Vec<&RoleDef> = self
            .assignments(PrincipalRef::User(u.id.clone()))
            .into_iter()
            .map(|(r, _)| r)
            .collect();
        for t in self.teams_of(&u.id) {
            if t.kind != TeamKind::Access {
                out.extend(
                    self.assignments(PrincipalRef::Team(t.id.clone()))
                        .into_iter()
                        .map(|(r, _)| r),
                );
            }
        }
        out
    }

    // -----------------------------------------------------------------------------------------
    // Columns (R7).

    fn secured(&self, table: &str, column: &str) -> bool {
        self.table(table)
            .is_some_and(|t| t.secured_columns.iter().any(|c| c == column))
    }

    /// The profile permissions reaching the user for a column: `(bits allowed, unmasked)`.
    /// `want` picks read, update or create.
    fn profile_allows(
        &self,
        u: &str,
        table: &str,
        column: &str,
        want: ColumnAccess,
    ) -> (bool, bool) {
        let mut any = false;
        let mut unmasked = false;
        for p in &self.m.column_security_profiles {
            let member = p.members.iter().any(|m| match m {
                PrincipalRef::User(x) => x == u,
                PrincipalRef::Team(t) => {
                    self.is_member(u, t)
                        && (self.o().column_profiles_through_access_teams
                            || self.team(t).is_some_and(|t| t.kind != TeamKind::Access))
                }
            });
            if !member {
                continue;
            }
            for perm in p
                .permissions
                .iter()
                .filter(|x| x.table == table && x.column == column)
            {
                let ok = match want {
                    ColumnAccess::Read => perm.read,
                    ColumnAccess::Update => perm.update,
                    ColumnAccess::Create => perm.create,
                };
                if ok {
                    any = true;
                    if want != ColumnAccess::Read || perm.read_unmasked.unwrap_or(perm.read) {
                        unmasked = true;
                    }
                }
            }
        }
        (any, unmasked)
    }

    fn column_after(
        &self,
        u: &UserDef,
        record: Option<&str>,
        table: &str,
        column: &str,
        want: ColumnAccess,
        first: Outcome,
    ) -> Outcome {
        if !first.allowed() {
            return first; // R7.4: the record decision comes first
        }
        if !self.secured(table, column) {
            return Outcome::Allow("column_not_secured");
        }
        if self.is_sysadmin(&u.id) {
            return Outcome::Allow("column_system_administrator"); // R7.3
        }
        let (any, unmasked) = self.profile_allows(&u.id, table, column, want);
        if unmasked {
            return Outcome::Allow("column_profile"); // R7.2, R7.8
        }
        let shared = record.is_some_and(|rec| {
            self.m.field_shares.iter().any(|f| {
                f.record == rec
                    && f.column == column
                    && match want {
                        ColumnAccess::Read => f.read,
                        ColumnAccess::Update => f.update,
                        ColumnAccess::Create => false,
                    }
                    && match &f.with {
                        PrincipalRef::User(x) => *x == u.id,
                        PrincipalRef::Team(t) => self.is_member(&u.id, t),
                    }
            })
        });
        if shared {
            return Outcome::Allow("column_shared"); // R7.7
        }
        if any {
            return Outcome::Allow("column_profile_masked"); // R7.5
        }
        Outcome::Deny("column_denied")
    }

    /// `can_read_column` / `can_update_column` of §13.
    pub fn can_column(
        &self,
        user: &str,
        record: &str,
        column: &str,
        access: ColumnAccess,
    ) -> Outcome {
        let (Some(u), Some(r)) = (self.user(user), self.record(record)) else {
            return Outcome::Deny("unknown_id");
        };
        let p = match access {
            ColumnAccess::Read => Privilege::READ,
            ColumnAccess::Update => Privilege::WRITE,
            ColumnAccess::Create => return Outcome::Deny("not_a_record_privilege"),
        };
        let first = self.can_rec(u, p, r);
        self.column_after(u, Some(&r.id), &r.table, column, access, first)
    }

    /// R7.6: setting a column on a new record the user would own.
    pub fn can_create_column(&self, user: &str, table: &str, column: &str) -> Outcome {
        let (Some(u), Some(_)) = (self.user(user), self.table(table)) else {
            return Outcome::Deny("unknown_id");
        };
        let first = self.can_create(user, table, None, None);
        self.column_after(u, None, table, column, ColumnAccess::Create, first)
    }

    // -----------------------------------------------------------------------------------------
    // Actions (R1.4–R1.8, A3, A4, A8, A14): every check, the first failing one decides the code.

    fn all(checks: &[Outcome]) -> Outcome {
        match checks.iter().find(|c| !c.allowed()) {
            Some(c) => Outcome::Deny(c.code()),
            None => Outcome::Allow("checks_passed"),
        }
    }

    /// `can_associate_1N` (R1.4, A8).
    pub fn can_associate(&self, user: &str, record: &str, target: &str) -> Outcome {
        if self.user(user).is_none()
            || self.record(record).is_none()
            || self.record(target).is_none()
        {
            return Outcome::Deny("unknown_id");
        }
        let mut c = vec![
            self.can(user, Privilege::APPEND, record),
            self.can(user, Privilege::APPEND_TO, target),
        ];
        if self.o().strict_dependencies {
            c.push(self.can(user, Privilege::WRITE, record));
        }
        Self::all(&c)
    }

    /// `can_associate_NN` (R1.5, A3).
    pub fn can_associate_many(&self, user: &str, a: &str, b: &str) -> Outcome {
        if self.user(user).is_none() || self.record(a).is_none() || self.record(b).is_none() {
            return Outcome::Deny("unknown_id");
        }
        let mut c = vec![
            self.can(user, Privilege::APPEND, a),
            self.can(user, Privilege::APPEND, b),
        ];
        if self.o().many_to_many_requires_append_to {
            c.push(self.can(user, Privilege::APPEND_TO, a));
            c.push(self.can(user, Privilege::APPEND_TO, b));
        }
        Self::all(&c)
    }

    /// `can_assign` (R1.7, R5.10, A8).
    pub fn can_assign(&self, user: &str, record: &str, new_owner: &PrincipalRef) -> Outcome {
        let Some(r) = self.record(record) else {
            return Outcome::Deny("unknown_id");
        };
        if self.user(user).is_none() || self.principal_bu(new_owner).is_none() {
            return Outcome::Deny("unknown_id");
        }
        let mut c = vec![self.can(user, Privilege::ASSIGN, record)];
        if self.o().strict_dependencies {
            c.push(self.can(user, Privilege::WRITE, record));
            c.push(self.can(user, Privilege::READ, record));
        }
        if !self.may_own(new_owner, &r.table) {
            c.push(Outcome::Deny("owner_cannot_own"));
        }
        Self::all(&c)
    }

    /// `can_share` (R1.8, R5.6, A4, A14).
    pub fn can_share(
        &self,
        user: &str,
        record: &str,
        with: &ShareTarget,
        rights: Privilege,
        revoke: bool,
    ) -> Outcome {
        let known_target = match with {
            ShareTarget::User(x) => self.user(x).is_some(),
            ShareTarget::Team(t) => self.team(t).is_some(),
            ShareTarget::Organization => true,
        };
        let Some(r) = self.record(record) else {
            return Outcome::Deny("unknown_id");
        };
        if !known_target || self.user(user).is_none() {
            return Outcome::Deny("unknown_id");
        }
        let share = self.can(user, Privilege::SHARE, record);
        let is_owner = match &r.owner {
            Some(PrincipalRef::User(o)) => o == user,
            Some(PrincipalRef::Team(t)) => self.is_member(user, t),
            None => false,
        };
        let mut c = Vec::new();
        // R5.1: a share carries non-empty rights without Create, in a request as in a model.
        if !revoke {
            c.push(if rights.is_empty() || rights.contains(Privilege::CREATE) {
                Outcome::Deny("bad_share_rights")
            } else {
                Outcome::Allow("share_rights")
            });
        }
        c.push(
            if self.o().owner_shares_without_privilege && !share.allowed() && is_owner {
                Outcome::Allow("owner_shares")
            } else {
                share
            },
        );
        c.push(self.can(user, Privilege::READ, record));
        if self.o().sharer_must_hold_rights && !revoke {
            for p in Privilege::EACH {
                if rights.contains(p) && p != Privilege::SHARE && p != Privilege::READ {
                    c.push(self.can(user, p, record));
                }
            }
        }
        Self::all(&c)
    }

    /// The reference answer to any Dataverse request the differential test sends.
    pub fn decide(&self, r: &Request) -> Outcome {
        match r {
            Request::Dataverse(accessgate::dataverse::DataverseRequest::Record(
                accessgate::dataverse::RecordQuery {
                    user,
                    privilege,
                    record: accessgate::dataverse::RecordRef::Id(record),
                    ..
                },
            )) => self.can(user, (*privilege).into(), record),
            Request::Dataverse(accessgate::dataverse::DataverseRequest::Create(
                accessgate::dataverse::CreateQuery {
                    user,
                    table,
                    owner,
                    owning_business_unit,
                    lookups,
                    ..
                },
            )) => {
                // The random requests never carry lookups; scenario files test them.
                assert!(
                    lookups.is_empty(),
                    "the reference does not model create with lookups"
                );
                self.can_create(user, table, owner.as_ref(), owning_business_unit.as_deref())
            }
            Request::Dataverse(accessgate::dataverse::DataverseRequest::Column(
                accessgate::dataverse::ColumnQuery {
                    user,
                    record,
                    column,
                    access,
                    ..
                },
            )) => self.can_column(user, record, column, *access),
            Request::Dataverse(accessgate::dataverse::DataverseRequest::CreateColumn(
                accessgate::dataverse::CreateColumnQuery {
                    user,
                    table,
                    column,
                    ..
                },
            )) => self.can_create_column(user, table, column),
            Request::Dataverse(accessgate::dataverse::DataverseRequest::Associate(
                accessgate::dataverse::AssociateQuery {
                    user,
                    record,
                    target,
                    ..
                },
            )) => self.can_associate(user, record, target),
            Request::Dataverse(accessgate::dataverse::DataverseRequest::AssociateMany(
                accessgate::dataverse::AssociateManyQuery {
                    user,
                    records: [a, b],
                    ..
                },
            )) => self.can_associate_many(user, a, b),
            Request::Dataverse(accessgate::dataverse::DataverseRequest::Assign(
                accessgate::dataverse::AssignQuery {
                    user,
                    record,
                    new_owner,
                    ..
                },
            )) => self.can_assign(user, record, new_owner),
            Request::Dataverse(accessgate::dataverse::DataverseRequest::Share(
                accessgate::dataverse::ShareQuery {
                    user,
                    record,
                    with,
                    rights,
                    revoke,
                    ..
                },
            )) => self.can_share(user, record, with, *rights, *revoke),
            _ => Outcome::Deny("not_modelled"),
        }
    }
}
