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

mod compute;

pub use compute::access_diff;
mod causes;

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
