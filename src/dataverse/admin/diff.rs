//! Access diff: what a change of roles, teams, assignments or business units does to access.
//!
//! [`access_diff`] compares two compiled snapshots, matching users, tables, records, roles,
//! teams and business units by name (ids are dense indices, valid for one snapshot only). It
//! reports two things, grouped by user:
//!
//! * every (user, table, privilege) whose effective access changed: the summary level before
//!   and after, the grants that disappeared or appeared, and the causes;
//! * for every record present in both snapshots, every privilege a user gains or loses on it,
//!   with [`check`](DataversePolicy::check)'s reason before and after and the causes.
//!
//! # What counts as a change of effective access
//!
//! A cell of [`EffectiveAccess`] is a list of grants (R9.4). Two cells are the same when their
//! summary level is the same and their grants reach the same records: the same set of
//! (level, anchor unit, context), where the anchor is ignored at User and Organization level
//! (it decides nothing there, R2.3, R2.6, R2.10, unless A5's "ownership needs a role in the
//! owning unit" is on) and the context is ignored at Organization level. A role swapped for
//! another with the same levels is not a change of access.

use std::collections::BTreeSet;
use std::fmt;

use serde::Serialize;

use crate::core::{AccessLevel, Privilege};

use crate::dataverse::admin::effective::{
    admission_name, ActsAs, CellAccess, EffectiveAccess, Grant, GrantVia, HeldRole, ShareWith,
};
use crate::dataverse::configuration::policy::*;
use crate::dataverse::evaluation::reason::RecordReason;

/// Why an access changed. Serialized with a `kind` tag in snake_case.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Cause {
    /// The user exists only in the second snapshot.
    UserAdded,
    /// The user exists only in the first snapshot.
    UserRemoved,
    /// The user moved to another business unit (R3.2, R3.9): roles assigned in their own unit
    /// now count from the new one, and records they own move with them.
    UserMovedBusinessUnit {
        /// The old unit.
        from: String,
        /// The new unit.
        to: String,
    },
    /// The user's environment gate changed (R8.4).
    AdmissionChanged {
        /// Before (`admitted`, `disabled`, …).
        from: &'static str,
        /// After.
        to: &'static str,
    },
    /// The System Administrator role the user holds changed (R8.1).
    SystemAdministratorChanged {
        /// Before.
        from: Option<String>,
        /// After.
        to: Option<String>,
    },
    /// A role was given to the user or to a team of theirs.
    RoleAssigned {
        /// The role.
        role: String,
        /// The unit it was assigned in.
        business_unit: String,
        /// Directly or through which team.
        via: GrantVia,
    },
    /// A role was taken from the user or from a team of theirs.
    RoleUnassigned {
        /// The role.
        role: String,
        /// The unit it was assigned in.
        business_unit: String,
        /// Directly or through which team.
        via: GrantVia,
    },
    /// The same role is now assigned in another business unit (matrix mode, R3.6).
    AssignmentUnitChanged {
        /// The role.
        role: String,
        /// Directly or through which team.
        via: GrantVia,
        /// The old unit.
        from: String,
        /// The new unit.
        to: String,
    },
    /// The user joined a team.
    TeamJoined {
        /// The team.
        team: String,
    },
    /// The user left a team (or the team was removed).
    TeamLeft {
        /// The team.
        team: String,
    },
    /// A team of the user's moved to another business unit: its roles count from there (R4.5).
    TeamMovedBusinessUnit {
        /// The team.
        team: String,
        /// The old unit.
        from: String,
        /// The new unit.
        to: String,
    },
    /// Who administers a team of the record changed (A9).
    TeamAdministratorChanged {
        /// The team.
        team: String,
    },
    /// A role's level for one privilege on one table changed (`None`: not in the role, or the
    /// role does not exist in that snapshot).
    RolePrivilegeChanged {
        /// The role.
        role: String,
        /// The table.
        table: String,
        /// The privilege.
        privilege: Privilege,
        /// The level before.
        from: Option<AccessLevel>,
        /// The level after.
        to: Option<AccessLevel>,
    },
    /// A role's member's privilege inheritance changed (R4.4).
    RoleInheritanceChanged {
        /// The role.
        role: String,
    },
    /// Whether a privilege applies to a table changed (R1.1, R1.9).
    PrivilegeApplicabilityChanged {
        /// The table.
        table: String,
        /// The privilege.
        privilege: Privilege,
    },
    /// The record has another owner (R1.7).
    RecordOwnerChanged {
        /// The owner before (absent: organization-owned).
        from: Option<ShareWith>,
        /// The owner after.
        to: Option<ShareWith>,
    },
    /// The record's owning business unit changed (R2.7, R3.9).
    RecordOwningUnitChanged {
        /// Before.
        from: Option<String>,
        /// After.
        to: Option<String>,
    },
    /// The record now belongs to another table.
    RecordTableChanged {
        /// Before.
        from: String,
        /// After.
        to: String,
    },
    /// The record's shares changed, direct or cascaded (R5).
    RecordSharesChanged,
    /// Hierarchy security gave the access on one side (R6): a manager, position, report or
    /// the hierarchy settings changed.
    Hierarchy,
    /// A business unit's parent changed, or units were added or removed (R3.1).
    BusinessUnitTreeChanged,
    /// The environment's options changed (§14).
    OptionsChanged,
}

/// Whether a privilege was gained or lost on a record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Change {
    /// Denied before, allowed after.
    Gained,
    /// Allowed before, denied after.
    Lost,
}

/// One (table, privilege) of one user whose effective access changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct CellChange {
    /// The table.
    pub table: String,
    /// The privilege.
    pub privilege: Privilege,
    /// The summary level before (see [`CellAccess::level`]).
    pub before: AccessLevel,
    /// The summary level after.
    pub after: AccessLevel,
    /// Grants held before and not after.
    pub removed: Vec<Grant>,
    /// Grants held after and not before.
    pub added: Vec<Grant>,
    /// Why, as far as the two snapshots tell.
    pub causes: Vec<Cause>,
}

/// One privilege one user gained or lost on one record present in both snapshots.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct RecordChange {
    /// The record.
    pub record: String,
    /// Its table (after the change).
    pub table: String,
    /// The privilege.
    pub privilege: Privilege,
    /// Gained or lost.
    pub change: Change,
    /// [`check`](DataversePolicy::check)'s reason code before.
    pub before_code: &'static str,
    /// The reason before, in words.
    pub before: String,
    /// The reason code after.
    pub after_code: &'static str,
    /// The reason after, in words.
    pub after: String,
    /// Why, as far as the two snapshots tell.
    pub causes: Vec<Cause>,
}

/// Everything that changed for one user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct UserDiff {
    /// The user id.
    pub user: String,
    /// Changes to the user themselves: added or removed, moved, admission, teams, roles.
    pub changes: Vec<Cause>,
    /// Cells of the effective access matrix that changed, in table and privilege order.
    pub cells: Vec<CellChange>,
    /// Privileges gained or lost on records present in both snapshots.
    pub records: Vec<RecordChange>,
}

/// The difference in access between two snapshots, grouped by user. Built by [`access_diff`];
/// serializes to JSON with names, causes tagged by `kind`.
///
/// # What counts as a change of effective access
///
/// A cell of [`EffectiveAccess`] is a list of grants (R9.4). Two cells are the same when their
/// summary level is the same and their grants reach the same records: the same set of
/// (level, anchor unit, context), where the anchor is ignored at User and Organization level
/// (it decides nothing there, R2.3, R2.6, R2.10, unless A5's "ownership needs a role in the
/// owning unit" is on) and the context is ignored at Organization level. A role swapped for
/// another with the same levels is not a change of access.
///
/// The causes of an entry are the changes between the snapshots that bear on it: for a cell,
/// how each grant that appeared or disappeared came or went; for a record, those of the
/// user's cell for the record's table and privilege, plus changes to the record (owner, owning
/// unit, shares), to the user's teams, and to the environment. They are what changed, not a
/// proof that each one alone would have changed the decision; `before` and `after` give
/// [`check`](DataversePolicy::check)'s reasons.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct AccessDiff {
    /// Users only in the second snapshot.
    pub users_added: Vec<String>,
    /// Users only in the first snapshot.
    pub users_removed: Vec<String>,
    /// Tables only in the second snapshot.
    pub tables_added: Vec<String>,
    /// Tables only in the first snapshot.
    pub tables_removed: Vec<String>,
    /// Records only in the second snapshot.
    pub records_added: Vec<String>,
    /// Records only in the first snapshot.
    pub records_removed: Vec<String>,
    /// Changes in the whole environment: options, business-unit tree.
    pub environment: Vec<Cause>,
    /// Per user, in first-snapshot order then the added users; only users with a change.
    pub users: Vec<UserDiff>,
}

impl AccessDiff {
    /// Whether nothing changed.
    pub fn is_empty(&self) -> bool {
        self.users_added.is_empty()
            && self.users_removed.is_empty()
            && self.tables_added.is_empty()
            && self.tables_removed.is_empty()
            && self.records_added.is_empty()
            && self.records_removed.is_empty()
            && self.environment.is_empty()
            && self.users.is_empty()
    }

    /// The changes of one user.
    pub fn user(&self, user: &str) -> Option<&UserDiff> {
        self.users.iter().find(|u| u.user == user)
    }
}

/// The reach-relevant part of a grant (see the module docs).
type GrantKey = (AccessLevel, Option<String>, Option<ActsAs>);

fn keys(cell: &CellAccess, anchor_matters_for_ownership: bool) -> BTreeSet<GrantKey> {
    cell.grants
        .iter()
        .map(|g| {
            let anchor = match g.level {
                AccessLevel::BusinessUnit | AccessLevel::ParentChild => true,
                AccessLevel::None | AccessLevel::User | AccessLevel::Organization => {
                    anchor_matters_for_ownership
                }
            };
            (
                g.level,
                anchor.then(|| g.business_unit.clone()),
                (g.level != AccessLevel::Organization).then(|| g.acts_as.clone()),
            )
        })
        .collect()
}

/// One side of the comparison.
struct Side<'a> {
    policy: &'a DataversePolicy,
}

impl Side<'_> {
    fn role_level(&self, role: &str, table: &str, privilege: Privilege) -> Option<AccessLevel> {
        let p = self.policy;
        let (r, t, bit) = (p.role_id(role)?, p.table_id(table)?, privilege.index()?);
        p.cell(r.0, t.0, bit)
    }

    fn inheritance(
        &self,
        role: &str,
    ) -> Option<crate::dataverse::configuration::model::RoleInheritance> {
        let p = self.policy;
        p.roles.get(p.role_id(role)?.index()).map(|r| r.inheritance)
    }

    fn team_unit(&self, team: &str) -> Option<&str> {
        let p = self.policy;
        let t = p.team_id(team)?;
        p.teams
            .get(t.index())
            .map(|i| p.business_unit_name(BusinessUnitId(i.business_unit)))
    }

    fn record_facts(&self, record: RecordId) -> (String, Option<ShareWith>, Option<String>) {
        let p = self.policy;
        let table = p
            .record_table(record)
            .map_or("?", |t| p.table_name(t))
            .to_owned();
        let owner = p.record_owner(record);
        (
            table,
            owner.map(|(o, _)| match o {
                PrincipalId::User(u) => ShareWith::User(p.user_name(u).to_owned()),
                PrincipalId::Team(t) => ShareWith::Team(p.team_name(t).to_owned()),
            }),
            owner.map(|(_, b)| p.business_unit_name(b).to_owned()),
        )
    }

    fn shares(&self, record: RecordId) -> BTreeSet<(ShareWith, Privilege, Option<String>)> {
        let p = self.policy;
        p.shares_reaching(record)
            .iter()
            .map(|s| {
                (
                    p.share_with(s.with),
                    s.rights,
                    s.inherited_from.map(|from| p.record_name(from).to_owned()),
                )
            })
            .collect()
    }

    fn administered(&self, user: &str) -> BTreeSet<String> {
        let p = self.policy;
        let Some(u) = p.user_id(user) else {
            return BTreeSet::new();
        };
        p.teams
            .iter()
            .enumerate()
            .filter(|(_, t)| t.administrator == Some(u.0))
            .map(|(i, _)| p.team_name(TeamId(i as u32)).to_owned())
            .collect()
    }

    fn tree(&self) -> BTreeSet<(String, Option<String>)> {
        let p = self.policy;
        (0..p.names.business_units_len() as u32)
            .map(|b| {
                let b = BusinessUnitId(b);
                (
                    p.business_unit_name(b).to_owned(),
                    p.business_unit_parent(b)
                        .map(|x| p.business_unit_name(x).to_owned()),
                )
            })
            .collect()
    }
}

/// A user id no snapshot hands out: effective access and checks of it are empty and denied.
const NO_USER: UserId = UserId(u32::MAX);

fn names(interner: &crate::core::id::Interner) -> Vec<String> {
    (0..interner.len() as u32)
        .map(|i| interner.name(i).to_owned())
        .collect()
}

fn only_in(a: &[String], b: &[String]) -> Vec<String> {
    let b: BTreeSet<&String> = b.iter().collect();
    a.iter().filter(|x| !b.contains(x)).cloned().collect()
}

fn push_unique(causes: &mut Vec<Cause>, cause: Cause) {
    if !causes.contains(&cause) {
        causes.push(cause);
    }
}

/// Compares two snapshots: every (user, table, privilege) whose effective access changed, and
/// every privilege a user gains or loses on a record present in both, each with its causes.
///
/// Users, tables, records, roles, teams and business units are matched by name. A user present
/// in only one snapshot is compared with no access at all. The record part is decided with
/// [`check`](DataversePolicy::check) on both snapshots, so it agrees with
/// [`crate::authorize`] by construction; its cost is records × users × 7 checks per snapshot.
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
/// model.users.push(UserDef::new("bob", "contoso"));
/// model.role_assignments.push(RoleAssignmentDef::user("alice", "rep"));
/// model.role_assignments.push(RoleAssignmentDef::user("bob", "rep"));
/// model.records.push(RecordDef::owned_by_user("a1", "account", "alice"));
/// let before = model.build()?;
/// assert!(access_diff(&before, &before).is_empty());
///
/// model.roles[0] = RoleDef::new("rep").grant("account", Privilege::READ, AccessLevel::Organization);
/// let after = model.build()?;
/// let diff = access_diff(&before, &after);
/// let bob = diff.user("bob").ok_or("bob")?;
/// assert_eq!((bob.cells[0].before, bob.cells[0].after), (AccessLevel::User, AccessLevel::Organization));
/// assert_eq!(bob.records[0].record, "a1");
/// assert_eq!(bob.records[0].change, Change::Gained);
/// println!("{diff}");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn access_diff(before: &DataversePolicy, after: &DataversePolicy) -> AccessDiff {
    let (b, a) = (Side { policy: before }, Side { policy: after });
    let users_before = names(&before.names.users);
    let users_after = names(&after.names.users);
    let tables_before = names(&before.names.tables);
    let tables_after = names(&after.names.tables);
    let records_before: Vec<String> = before.records.iter().map(|(_, n)| n.to_owned()).collect();
    let records_after: Vec<String> = after.records.iter().map(|(_, n)| n.to_owned()).collect();

    let mut environment = Vec::new();
    if before.options != after.options {
        environment.push(Cause::OptionsChanged);
    }
    if b.tree() != a.tree() {
        environment.push(Cause::BusinessUnitTreeChanged);
    }
    let anchor_matters = [before, after]
        .iter()
        .any(|p| p.options.matrix_mode && p.options.ownership_needs_role_in_owning_unit);
    let common_tables: Vec<&String> = tables_before
        .iter()
        .filter(|t| after.table_id(t).is_some())
        .collect();
    let common_records: Vec<(RecordId, RecordId)> = records_before
        .iter()
        .filter_map(|r| Some((before.record_id(r)?, after.record_id(r)?)))
        .collect();
    // Per record, what changed about the record itself.
    let record_causes: Vec<Vec<Cause>> = common_records
        .iter()
        .map(|&(rb, ra)| {
            let mut causes = Vec::new();
            let (tb, ob, ub) = b.record_facts(rb);
            let (ta, oa, ua) = a.record_facts(ra);
            if tb != ta {
                causes.push(Cause::RecordTableChanged { from: tb, to: ta });
            }
            if ob != oa {
                causes.push(Cause::RecordOwnerChanged { from: ob, to: oa });
            }
            if ub != ua {
                causes.push(Cause::RecordOwningUnitChanged { from: ub, to: ua });
            }
            if b.shares(rb) != a.shares(ra) {
                causes.push(Cause::RecordSharesChanged);
            }
            causes
        })
        .collect();

    let mut all_users = users_before.clone();
    all_users.extend(only_in(&users_after, &users_before));
    let mut users = Vec::new();
    for name in &all_users {
        let ub = before.user_id(name).unwrap_or(NO_USER);
        let ua = after.user_id(name).unwrap_or(NO_USER);
        let eb = before.effective_access(ub);
        let ea = after.effective_access(ua);

        // Changes to the user themselves.
        let mut changes = Vec::new();
        match (ub == NO_USER, ua == NO_USER) {
            (true, false) => changes.push(Cause::UserAdded),
            (false, true) => changes.push(Cause::UserRemoved),
            (true, true) | (false, false) => {}
        }
        let moved = (ub != NO_USER && ua != NO_USER && eb.business_unit != ea.business_unit)
            .then(|| (eb.business_unit.clone(), ea.business_unit.clone()));
        if let Some((from, to)) = &moved {
            changes.push(Cause::UserMovedBusinessUnit {
                from: from.clone(),
                to: to.clone(),
            });
        }
        if eb.admission != ea.admission {
            changes.push(Cause::AdmissionChanged {
                from: admission_name(eb.admission),
                to: admission_name(ea.admission),
            });
        }
        let sysadmin =
            |e: &EffectiveAccess| e.system_administrator.as_ref().map(|r| r.role.clone());
        if sysadmin(&eb) != sysadmin(&ea) {
            changes.push(Cause::SystemAdministratorChanged {
                from: sysadmin(&eb),
                to: sysadmin(&ea),
            });
        }
        for team in only_in(&ea.teams, &eb.teams) {
            changes.push(Cause::TeamJoined { team });
        }
        for team in only_in(&eb.teams, &ea.teams) {
            changes.push(Cause::TeamLeft { team });
        }
        for (this, other, added) in [(&ea, &eb, true), (&eb, &ea, false)] {
            for held in &this.roles {
                if matches!(held.via, GrantVia::TeamMemberInheritance { .. }) {
                    continue;
                }
                if other.roles.iter().any(|h| same_assignment(h, held)) {
                    continue;
                }
                let team_membership_changed = match &held.via {
                    GrantVia::Team { team } => !other.teams.contains(team),
                    GrantVia::Direct | GrantVia::TeamMemberInheritance { .. } => false,
                };
                if team_membership_changed {
                    continue; // reported as TeamJoined / TeamLeft
                }
                let cause = classify_source(held, this, other, &moved, &b, &a, added);
                push_unique(&mut changes, cause);
            }
        }

        // Cells.
        let mut cells = Vec::new();
        for table in &common_tables {
            let (Some(rb), Some(ra)) = (eb.table(table), ea.table(table)) else {
                continue;
            };
            for (cb, ca) in rb.privileges.iter().zip(&ra.privileges) {
                if cb.level == ca.level
                    && keys(cb, anchor_matters) == keys(ca, anchor_matters)
                    && cb.applicable == ca.applicable
                {
                    continue;
                }
                let removed: Vec<Grant> = cb
                    .grants
                    .iter()
                    .filter(|g| !ca.grants.contains(g))
                    .cloned()
                    .collect();
                let added: Vec<Grant> = ca
                    .grants
                    .iter()
                    .filter(|g| !cb.grants.contains(g))
                    .cloned()
                    .collect();
                let mut causes = Vec::new();
                for cause in &changes {
                    if matches!(
                        cause,
                        Cause::UserAdded
                            | Cause::UserRemoved
                            | Cause::AdmissionChanged { .. }
                            | Cause::SystemAdministratorChanged { .. }
                    ) {
                        push_unique(&mut causes, cause.clone());
                    }
                }
                if cb.applicable != ca.applicable {
                    push_unique(
                        &mut causes,
                        Cause::PrivilegeApplicabilityChanged {
                            table: (*table).clone(),
                            privilege: cb.privilege,
                        },
                    );
                }
                for (g, this, other, this_side, other_side, is_added) in removed
                    .iter()
                    .map(|g| (g, &eb, &ea, &b, &a, false))
                    .chain(added.iter().map(|g| (g, &ea, &eb, &a, &b, true)))
                {
                    for cause in classify_grant(
                        g,
                        table,
                        cb.privilege,
                        this,
                        other,
                        this_side,
                        other_side,
                        &moved,
                        is_added,
                    ) {
                        push_unique(&mut causes, cause);
                    }
                }
                if causes.is_empty() {
                    causes.extend(environment.iter().cloned());
                }
                cells.push(CellChange {
                    table: (*table).clone(),
                    privilege: cb.privilege,
                    before: cb.level,
                    after: ca.level,
                    removed,
                    added,
                    causes,
                });
            }
        }

        // Records present in both snapshots.
        let teams_changed: Vec<Cause> = changes
            .iter()
            .filter(|c| matches!(c, Cause::TeamJoined { .. } | Cause::TeamLeft { .. }))
            .cloned()
            .collect();
        let administered_changed = b.administered(name) != a.administered(name);
        let mut records = Vec::new();
        for (i, &(rb, ra)) in common_records.iter().enumerate() {
            for privilege in Privilege::RECORD_RIGHTS {
                let before_reason = before.check(ub, privilege, rb);
                let after_reason = after.check(ua, privilege, ra);
                let change = match (
                    before_reason.decision().is_allow(),
                    after_reason.decision().is_allow(),
                ) {
                    (false, true) => Change::Gained,
                    (true, false) => Change::Lost,
                    (true, true) | (false, false) => continue,
                };
                let mut causes = Vec::new();
                for cause in &changes {
                    if matches!(
                        cause,
                        Cause::UserAdded
                            | Cause::UserRemoved
                            | Cause::AdmissionChanged { .. }
                            | Cause::SystemAdministratorChanged { .. }
                    ) {
                        push_unique(&mut causes, cause.clone());
                    }
                }
                let table_before = before.record_table(rb).map(|t| before.table_name(t));
                let table_after = after.record_table(ra).map(|t| after.table_name(t));
                for cell in &cells {
                    if cell.privilege == privilege
                        && (Some(cell.table.as_str()) == table_before
                            || Some(cell.table.as_str()) == table_after)
                    {
                        for cause in &cell.causes {
                            push_unique(&mut causes, cause.clone());
                        }
                    }
                }
                for cause in record_causes.get(i).into_iter().flatten() {
                    push_unique(&mut causes, cause.clone());
                }
                for cause in &teams_changed {
                    push_unique(&mut causes, cause.clone());
                }
                if administered_changed {
                    for team in b
                        .administered(name)
                        .symmetric_difference(&a.administered(name))
                    {
                        push_unique(
                            &mut causes,
                            Cause::TeamAdministratorChanged { team: team.clone() },
                        );
                    }
                }
                if matches!(before_reason, RecordReason::Hierarchy { .. })
                    || matches!(after_reason, RecordReason::Hierarchy { .. })
                {
                    push_unique(&mut causes, Cause::Hierarchy);
                }
                for cause in &environment {
                    push_unique(&mut causes, cause.clone());
                }
                records.push(RecordChange {
                    record: after.record_name(ra).to_owned(),
                    table: table_after.unwrap_or("?").to_owned(),
                    privilege,
                    change,
                    before_code: before_reason.code(),
                    before: before_reason.explain(before).to_string(),
                    after_code: after_reason.code(),
                    after: after_reason.explain(after).to_string(),
                    causes,
                });
            }
        }

        if !changes.is_empty() || !cells.is_empty() || !records.is_empty() {
            users.push(UserDiff {
                user: name.clone(),
                changes,
                cells,
                records,
            });
        }
    }

    AccessDiff {
        users_added: only_in(&users_after, &users_before),
        users_removed: only_in(&users_before, &users_after),
        tables_added: only_in(&tables_after, &tables_before),
        tables_removed: only_in(&tables_before, &tables_after),
        records_added: only_in(&records_after, &records_before),
        records_removed: only_in(&records_before, &records_after),
        environment,
        users,
    }
}

fn same_assignment(a: &HeldRole, b: &HeldRole) -> bool {
    a.role == b.role && a.via == b.via && a.business_unit == b.business_unit
}

/// The team behind a grant path, if any.
fn via_team(via: &GrantVia) -> Option<&str> {
    match via {
        GrantVia::Direct => None,
        GrantVia::Team { team } | GrantVia::TeamMemberInheritance { team } => Some(team),
    }
}

/// Why a role assignment (role, via, unit) is held on one side and not the other.
fn classify_source(
    held: &HeldRole,
    this: &EffectiveAccess,
    other: &EffectiveAccess,
    moved: &Option<(String, String)>,
    b: &Side<'_>,
    a: &Side<'_>,
    added: bool,
) -> Cause {
    // The same role and path, held on the other side in a unit this side does not hold it in.
    let elsewhere = other.roles.iter().find(|h| {
        h.role == held.role
            && h.via == held.via
            && !this.roles.iter().any(|x| same_assignment(x, h))
    });
    if let Some(other_held) = elsewhere {
        let (from, to) = if added {
            (other_held.business_unit.clone(), held.business_unit.clone())
        } else {
            (held.business_unit.clone(), other_held.business_unit.clone())
        };
        match via_team(&held.via) {
            None => {
                if moved.as_ref() == Some(&(from.clone(), to.clone())) {
                    return Cause::UserMovedBusinessUnit { from, to };
                }
            }
            Some(team) => {
                if (b.team_unit(team), a.team_unit(team))
                    == (Some(from.as_str()), Some(to.as_str()))
                {
                    return Cause::TeamMovedBusinessUnit {
                        team: team.to_owned(),
                        from,
                        to,
                    };
                }
            }
        }
        return Cause::AssignmentUnitChanged {
            role: held.role.clone(),
            via: held.via.clone(),
            from,
            to,
        };
    }
    if added {
        Cause::RoleAssigned {
            role: held.role.clone(),
            business_unit: held.business_unit.clone(),
            via: held.via.clone(),
        }
    } else {
        Cause::RoleUnassigned {
            role: held.role.clone(),
            business_unit: held.business_unit.clone(),
            via: held.via.clone(),
        }
    }
}

/// Why one grant is held on one side (`this`) and not on the other: how its assignment
/// changed, and whether its role's level or inheritance changed too.
#[allow(
    clippy::too_many_arguments,
    reason = "a private helper over the two sides of one comparison"
)]
fn classify_grant(
    g: &Grant,
    table: &str,
    privilege: Privilege,
    this: &EffectiveAccess,
    other: &EffectiveAccess,
    this_side: &Side<'_>,
    other_side: &Side<'_>,
    moved: &Option<(String, String)>,
    added: bool,
) -> Vec<Cause> {
    let (b, a) = if added {
        (other_side, this_side)
    } else {
        (this_side, other_side)
    };
    let mut causes = Vec::new();
    // The assignment the grant comes from: for a member-inheritance grant, the team's role.
    let source_via = match &g.via {
        GrantVia::TeamMemberInheritance { team } => GrantVia::Team { team: team.clone() },
        GrantVia::Direct | GrantVia::Team { .. } => g.via.clone(),
    };
    let held = HeldRole {
        role: g.role.clone(),
        business_unit: g.business_unit.clone(),
        via: source_via.clone(),
        inheritance: this_side.inheritance(&g.role).unwrap_or(
            crate::dataverse::configuration::model::RoleInheritance::DirectUserBasicAndTeam,
        ),
        system_administrator: false,
    };
    let same_assignment_held = other.roles.iter().any(|h| same_assignment(h, &held));
    if !same_assignment_held {
        let team_changed = via_team(&source_via).and_then(|team| {
            let in_team = |e: &EffectiveAccess| e.teams.iter().any(|t| t == team);
            (in_team(this) && !in_team(other)).then(|| team.to_owned())
        });
        causes.push(match team_changed {
            Some(team) if added => Cause::TeamJoined { team },
            Some(team) => Cause::TeamLeft { team },
            None => classify_source(&held, this, other, moved, b, a, added),
        });
    }
    let (from, to) = (
        b.role_level(&g.role, table, privilege),
        a.role_level(&g.role, table, privilege),
    );
    let role_in_both = b.policy.role_id(&g.role).is_some() && a.policy.role_id(&g.role).is_some();
    if role_in_both && from != to {
        causes.push(Cause::RolePrivilegeChanged {
            role: g.role.clone(),
            table: table.to_owned(),
            privilege,
            from,
            to,
        });
    }
    if role_in_both && b.inheritance(&g.role) != a.inheritance(&g.role) {
        causes.push(Cause::RoleInheritanceChanged {
            role: g.role.clone(),
        });
    }
    if causes.is_empty() {
        causes.push(Cause::OptionsChanged);
    }
    causes
}

impl fmt::Display for Cause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let level = |l: &Option<AccessLevel>| l.map_or("not in the role", |l| l.ui_name());
        match self {
            Cause::UserAdded => f.write_str("the user was added"),
            Cause::UserRemoved => f.write_str("the user was removed"),
            Cause::UserMovedBusinessUnit { from, to } => {
                write!(f, "the user moved from business unit `{from}` to `{to}`")
            }
            Cause::AdmissionChanged { from, to } => {
                write!(f, "the environment gate changed from {from} to {to}")
            }
            Cause::SystemAdministratorChanged { from, to } => write!(
                f,
                "System Administrator role changed from {} to {}",
                from.as_deref().unwrap_or("none"),
                to.as_deref().unwrap_or("none")
            ),
            Cause::RoleAssigned {
                role,
                business_unit,
                via,
            } => write!(
                f,
                "role `{role}` assigned in business unit `{business_unit}`, {via}"
            ),
            Cause::RoleUnassigned {
                role,
                business_unit,
                via,
            } => write!(
                f,
                "role `{role}` removed from business unit `{business_unit}`, {via}"
            ),
            Cause::AssignmentUnitChanged {
                role,
                via,
                from,
                to,
            } => write!(
                f,
                "role `{role}` ({via}) now assigned in business unit `{to}` instead of `{from}`"
            ),
            Cause::TeamJoined { team } => write!(f, "the user joined team `{team}`"),
            Cause::TeamLeft { team } => write!(f, "the user left team `{team}`"),
            Cause::TeamMovedBusinessUnit { team, from, to } => {
                write!(
                    f,
                    "team `{team}` moved from business unit `{from}` to `{to}`"
                )
            }
            Cause::TeamAdministratorChanged { team } => {
                write!(f, "the administrator of team `{team}` changed")
            }
            Cause::RolePrivilegeChanged {
                role,
                table,
                privilege,
                from,
                to,
            } => write!(
                f,
                "role `{role}` changed {privilege} on `{table}` from {} to {}",
                level(from),
                level(to)
            ),
            Cause::RoleInheritanceChanged { role } => {
                write!(
                    f,
                    "role `{role}` changed its member's privilege inheritance"
                )
            }
            Cause::PrivilegeApplicabilityChanged { table, privilege } => {
                write!(f, "whether {privilege} applies to table `{table}` changed")
            }
            Cause::RecordOwnerChanged { from, to } => {
                let name = |o: &Option<ShareWith>| {
                    o.as_ref()
                        .map_or("the organization".to_owned(), |o| o.to_string())
                };
                write!(f, "the owner changed from {} to {}", name(from), name(to))
            }
            Cause::RecordOwningUnitChanged { from, to } => write!(
                f,
                "the owning business unit changed from `{}` to `{}`",
                from.as_deref().unwrap_or("none"),
                to.as_deref().unwrap_or("none")
            ),
            Cause::RecordTableChanged { from, to } => {
                write!(f, "the record moved from table `{from}` to `{to}`")
            }
            Cause::RecordSharesChanged => f.write_str("the record's shares changed"),
            Cause::Hierarchy => f.write_str("hierarchy security (manager, position or settings)"),
            Cause::BusinessUnitTreeChanged => f.write_str("the business-unit tree changed"),
            Cause::OptionsChanged => f.write_str("the environment options changed"),
        }
    }
}

fn list(f: &mut fmt::Formatter<'_>, label: &str, items: &[String]) -> fmt::Result {
    if items.is_empty() {
        return Ok(());
    }
    let quoted: Vec<String> = items.iter().map(|i| format!("`{i}`")).collect();
    writeln!(f, "{label}: {}", quoted.join(", "))
}

/// The changes grouped by user, one line per cell or record privilege, causes indented.
impl fmt::Display for AccessDiff {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_empty() {
            return writeln!(f, "no change in access");
        }
        list(f, "users added", &self.users_added)?;
        list(f, "users removed", &self.users_removed)?;
        list(f, "tables added", &self.tables_added)?;
        list(f, "tables removed", &self.tables_removed)?;
        list(f, "records added", &self.records_added)?;
        list(f, "records removed", &self.records_removed)?;
        for cause in &self.environment {
            writeln!(f, "environment: {cause}")?;
        }
        for u in &self.users {
            writeln!(f, "\nuser `{}`", u.user)?;
            for c in &u.changes {
                writeln!(f, "  * {c}")?;
            }
            if !u.cells.is_empty() {
                writeln!(f, "  effective access:")?;
            }
            for c in &u.cells {
                writeln!(
                    f,
                    "    {} / {}: {} -> {}",
                    c.table,
                    c.privilege,
                    c.before.ui_name(),
                    c.after.ui_name()
                )?;
                for g in &c.removed {
                    writeln!(f, "      - {g}")?;
                }
                for g in &c.added {
                    writeln!(f, "      + {g}")?;
                }
                for cause in &c.causes {
                    writeln!(f, "      because {cause}")?;
                }
            }
            if !u.records.is_empty() {
                writeln!(f, "  records:")?;
            }
            for r in &u.records {
                let verb = match r.change {
                    Change::Gained => "gains",
                    Change::Lost => "loses",
                };
                writeln!(
                    f,
                    "    {verb} {} on `{}` ({}): {} -> {}",
                    r.privilege, r.record, r.table, r.before_code, r.after_code
                )?;
                let now = match r.change {
                    Change::Gained => &r.after,
                    Change::Lost => &r.before,
                };
                writeln!(
                    f,
                    "      {} {now}",
                    match r.change {
                        Change::Gained => "now",
                        Change::Lost => "was",
                    }
                )?;
                for cause in &r.causes {
                    writeln!(f, "      because {cause}")?;
                }
            }
        }
        Ok(())
    }
}
