//! Effective access: everything one user can do, and everyone who can act on one record.
//!
//! Dataverse's own "Check Access" answers for one record at a time (R10.1). An administrator
//! also needs the whole picture: for one user, every table × privilege with the path that gives
//! it ([`DataversePolicy::effective_access`]); for one record, every user that can act on it and
//! why ([`DataversePolicy::record_access`]).
//!
//! # Why a cell is a list of grants, not one level
//!
//! The union of a user's roles is over *(level, anchor business unit, context)* grants, not one
//! "highest level" per privilege (R9.4). Business Unit level anchored in `sales` and Business
//! Unit level anchored in `emea` is not Parent: Child level anywhere; a team-only role at
//! Organization level acts *as the team* and does not reach records the user owns or records
//! shared with the user (R4.5, A2). So each [`CellAccess`] carries every [`Grant`] that gives the
//! privilege, and its [`level`](CellAccess::level) is only a summary: the highest level among
//! them. Whether one record is reachable depends on the grants' anchors and contexts, the
//! record's owner and owning unit, its shares and the hierarchy; ask
//! [`DataversePolicy::check`] (or [`crate::authorize`]) for one record.
//!
//! All the types here implement [`serde::Serialize`] with names (table, role, unit, team and
//! user ids as written in the model), so a service can return them as JSON.

mod compute;

use std::fmt;

use serde::{Serialize, Serializer};

use crate::core::{AccessLevel, Privilege};

use crate::dataverse::configuration::model::{HierarchyModel, RoleInheritance};
use crate::dataverse::configuration::policy::*;
use crate::dataverse::evaluation::reason::RecordReason;

/// How a user holds a role, with names (the serializable form of [`Via`]).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum GrantVia {
    /// Assigned to the user directly.
    Direct,
    /// Assigned to a team the user is a member of (R4.5).
    Team {
        /// The team id.
        team: String,
    },
    /// The Basic (User) part of a "Direct User (Basic) access level and Team privileges" role of
    /// a team the user is a member of, acting as if assigned to the user (R4.6).
    TeamMemberInheritance {
        /// The team id.
        team: String,
    },
}

/// Whom a grant acts as (R4.5, R4.6): the context in which ownership and shares count.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ActsAs {
    /// As the user: records the user owns or a team of theirs owns, shares to the user.
    User,
    /// As the team: records the team owns, shares to the team (R4.5).
    Team {
        /// The team id.
        team: String,
    },
}

/// One role grant of one privilege on one table, as held by a user.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[non_exhaustive]
pub struct Grant {
    /// The level the grant reaches to (R2).
    pub level: AccessLevel,
    /// The business unit the level counts from: the unit the role was assigned in (R3.6), or
    /// the team's unit for a team role (R4.5).
    pub business_unit: String,
    /// Whom the grant acts as.
    pub acts_as: ActsAs,
    /// The role id.
    pub role: String,
    /// Directly, or through which team.
    pub via: GrantVia,
}

/// One privilege of one table for one user: every grant, and the highest level as a summary.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct CellAccess {
    /// The privilege.
    pub privilege: Privilege,
    /// Whether the privilege applies to the table at all (R1.1, R1.9).
    pub applicable: bool,
    /// Summary: the highest level among [`grants`](Self::grants); Organization for a System
    /// Administrator (R8.1); None when the privilege does not apply or the user is not admitted
    /// to the environment (R8.4). **Not** the answer for one record: see [`EffectiveAccess`].
    pub level: AccessLevel,
    /// Every grant of the privilege on the table, in the order the evaluator tries them
    /// (direct roles first, then each team's). Listed even when the user is not admitted, so
    /// an administrator sees what the roles would give once the gate passes.
    pub grants: Vec<Grant>,
}

impl CellAccess {
    /// Whether every grant acts as the user and counts from the user's own business unit, so
    /// the summary [`level`](Self::level) is the whole answer (R9.4: a single highest level is
    /// right only for direct roles in the user's own unit).
    pub fn is_plain(&self, own_business_unit: &str) -> bool {
        self.grants
            .iter()
            .all(|g| g.acts_as == ActsAs::User && g.business_unit == own_business_unit)
    }
}

/// One table for one user: a cell per privilege.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct TableAccess {
    /// The table id.
    pub table: String,
    /// Records are organization-owned: levels are None or Organization only (R2.8).
    pub organization_owned: bool,
    /// The eight privileges, in [`Privilege::EACH`] order (Create first).
    pub privileges: Vec<CellAccess>,
}

impl TableAccess {
    /// The cell of one privilege.
    pub fn cell(&self, privilege: Privilege) -> Option<&CellAccess> {
        self.privileges.iter().find(|c| c.privilege == privilege)
    }
}

/// Who a record is shared with, by name.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ShareWith {
    /// A user id.
    User(String),
    /// A team id.
    Team(String),
    /// Everyone in the organization.
    Organization,
}

/// A share that reaches a user: to the user, to a team of theirs, or to the organization.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct SharedRecord {
    /// The record id.
    pub record: String,
    /// The record's table.
    pub table: String,
    /// Who the share is to.
    pub with: ShareWith,
    /// The rights of the share (R5.1).
    pub rights: Privilege,
    /// The rights the user can actually use: those for which a grant of theirs activates the
    /// share (R5.4, R5.5, A2), all applicable rights for a System Administrator, none when not
    /// admitted.
    pub usable: Privilege,
    /// The parent record whose share cascaded here (R5.8); absent for a direct share.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub inherited_from: Option<String>,
}

/// A record reached through hierarchy security (R6) and by no role level or share.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct HierarchyRecord {
    /// The record id.
    pub record: String,
    /// The record's table.
    pub table: String,
    /// The report whose record it is.
    pub report: String,
    /// How many levels below the user the report sits (1 = direct report).
    pub levels_below: u8,
    /// The privileges the hierarchy gives on it (Read, Write, Append, Append To at most, R6.9).
    pub rights: Privilege,
}

/// A role held by a user: the path behind the grants of the matrix.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[non_exhaustive]
pub struct HeldRole {
    /// The role id.
    pub role: String,
    /// The business unit it was assigned in (its levels' anchor).
    pub business_unit: String,
    /// Directly, or through which team.
    pub via: GrantVia,
    /// The role's member's privilege inheritance (R4.4); matters only through a team.
    pub inheritance: RoleInheritance,
    /// The role is the System Administrator role (R8.1).
    pub system_administrator: bool,
}

/// Everything one user can do: the whole table × privilege matrix with the path of each cell,
/// the shares that reach them, and records reached through hierarchy security.
///
/// Built by [`DataversePolicy::effective_access`]; serializes to JSON with names.
///
/// # Why a cell is a list of grants, not one level
///
/// The union of a user's roles is over *(level, anchor business unit, context)* grants, not one
/// "highest level" per privilege (R9.4). Business Unit level anchored in `sales` and Business
/// Unit level anchored in `emea` is not Parent: Child level anywhere; a team-only role at
/// Organization level acts *as the team* and does not reach records the user owns or records
/// shared with the user (R4.5, A2). So each [`CellAccess`] carries every [`Grant`] that gives
/// the privilege, and its [`level`](CellAccess::level) is only a summary: the highest level
/// among them. Whether one record is reachable depends on the grants' anchors and contexts, the
/// record's owner and owning unit, its shares and the hierarchy; ask
/// [`DataversePolicy::check`] (or [`crate::authorize`]) for one record, or
/// [`DataversePolicy::record_access`] for everyone on one record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct EffectiveAccess {
    /// The user id (`"?"` for an id the policy did not hand out).
    pub user: String,
    /// The user's business unit.
    pub business_unit: String,
    /// Whether the user passes the environment gate (R8.4); `None` for an unknown user id.
    /// Serialized as `admitted`, `disabled`, `unlicensed`, `not_in_security_group`,
    /// `no_security_role` or `unknown_user`.
    #[serde(serialize_with = "ser_admission")]
    pub admission: Option<Admission>,
    /// The System Administrator role that gives the user everything (R8.1), if any.
    pub system_administrator: Option<HeldRole>,
    /// The teams the user is a member of.
    pub teams: Vec<String>,
    /// Every role the user holds, with its unit and path.
    pub roles: Vec<HeldRole>,
    /// Every table of the model, in model order.
    pub tables: Vec<TableAccess>,
    /// Shares to the user, their teams or the organization, per record.
    pub shares: Vec<SharedRecord>,
    /// Records reached only through hierarchy security (R6); empty when it is off.
    pub hierarchy: Vec<HierarchyRecord>,
}

impl EffectiveAccess {
    /// Whether the user passes the environment gate (R8.4).
    pub fn is_admitted(&self) -> bool {
        self.admission == Some(Admission::Admitted)
    }

    /// The row of one table.
    pub fn table(&self, table: &str) -> Option<&TableAccess> {
        self.tables.iter().find(|t| t.table == table)
    }

    /// The cell of one table and privilege.
    pub fn cell(&self, table: &str, privilege: Privilege) -> Option<&CellAccess> {
        self.table(table)?.cell(privilege)
    }

    /// The matrix as a readable table (tables as rows, privileges as columns, the summary level
    /// in each cell), followed by the roles, the cells whose grants the level alone does not
    /// describe, the shares and the hierarchy.
    pub fn to_table(&self) -> impl fmt::Display + '_ {
        MatrixTable(self)
    }
}

/// Who can act on one record and why: the reverse of [`EffectiveAccess`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct RecordAccess {
    /// The record id (`"?"` for an id the policy did not hand out).
    pub record: String,
    /// The record's table.
    pub table: String,
    /// The owner; absent for an organization-owned record.
    pub owner: Option<ShareWith>,
    /// The owning business unit; absent for an organization-owned record.
    pub owning_business_unit: Option<String>,
    /// The record's shares, direct and cascaded (R5.8).
    pub shares: Vec<RecordShare>,
    /// Every user that can use at least one privilege on the record, in model order.
    pub users: Vec<UserOnRecord>,
}

/// One share of a record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct RecordShare {
    /// Who it is shared with.
    pub with: ShareWith,
    /// The rights.
    pub rights: Privilege,
    /// The parent record whose share cascaded here (R5.8).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub inherited_from: Option<String>,
}

/// One user's privileges on a record, each with the reason [`DataversePolicy::check`] gives.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct UserOnRecord {
    /// The user id.
    pub user: String,
    /// Every privilege allowed.
    pub privileges: Privilege,
    /// Why each privilege is allowed, in [`Privilege::EACH`] order.
    pub reasons: Vec<PrivilegeReason>,
}

/// Why one privilege is allowed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct PrivilegeReason {
    /// The privilege.
    pub privilege: Privilege,
    /// The reason code: `role_level`, `shared`, `hierarchy` or `system_administrator`.
    pub code: &'static str,
    /// The reason in words.
    pub explanation: String,
    /// The reason as [`DataversePolicy::check`] returned it.
    #[serde(skip)]
    pub reason: RecordReason,
}

fn ser_admission<S: Serializer>(a: &Option<Admission>, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(admission_name(*a))
}

/// The snake_case name of an admission state; `unknown_user` for `None`.
pub(crate) fn admission_name(a: Option<Admission>) -> &'static str {
    match a {
        None => "unknown_user",
        Some(Admission::Admitted) => "admitted",
        Some(Admission::Disabled) => "disabled",
        Some(Admission::Unlicensed) => "unlicensed",
        Some(Admission::NotInSecurityGroup) => "not_in_security_group",
        Some(Admission::NoSecurityRole) => "no_security_role",
        Some(Admission::OnlyOwnerTeamRoles) => "only_owner_team_roles",
    }
}

/// The short form of a level in the matrix.
fn short(level: AccessLevel) -> &'static str {
    match level {
        AccessLevel::None => "-",
        AccessLevel::User => "User",
        AccessLevel::BusinessUnit => "BU",
        AccessLevel::ParentChild => "P:C",
        AccessLevel::Organization => "Org",
    }
}

impl fmt::Display for GrantVia {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GrantVia::Direct => f.write_str("assigned directly"),
            GrantVia::Team { team } => write!(f, "through team `{team}`"),
            GrantVia::TeamMemberInheritance { team } => {
                write!(f, "through team `{team}` (member's privilege inheritance)")
            }
        }
    }
}

impl fmt::Display for ShareWith {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ShareWith::User(u) => write!(f, "user `{u}`"),
            ShareWith::Team(t) => write!(f, "team `{t}`"),
            ShareWith::Organization => f.write_str("the organization"),
        }
    }
}

impl fmt::Display for Grant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} in `{}` ", self.level.ui_name(), self.business_unit)?;
        match &self.acts_as {
            ActsAs::User => f.write_str("as the user")?,
            ActsAs::Team { team } => write!(f, "as team `{team}`")?,
        }
        write!(f, ", role `{}` {}", self.role, self.via)
    }
}

struct MatrixTable<'a>(&'a EffectiveAccess);

impl fmt::Display for MatrixTable<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let a = self.0;
        writeln!(
            f,
            "Effective access of user `{}` (business unit `{}`): {}",
            a.user,
            a.business_unit,
            admission_name(a.admission)
        )?;
        if let Some(s) = &a.system_administrator {
            writeln!(
                f,
                "System Administrator through role `{}` {}: every applicable privilege at Organization level (R8.1)",
                s.role, s.via
            )?;
        }
        if !a.teams.is_empty() {
            writeln!(f, "Teams: {}", a.teams.join(", "))?;
        }
        writeln!(f, "Roles:")?;
        if a.roles.is_empty() {
            writeln!(f, "  (none)")?;
        }
        for r in &a.roles {
            writeln!(
                f,
                "  `{}` in business unit `{}`, {}",
                r.role, r.business_unit, r.via
            )?;
        }
        let width = a
            .tables
            .iter()
            .map(|t| t.table.chars().count())
            .max()
            .unwrap_or(5)
            .max(5);
        write!(f, "\n{:width$}", "table")?;
        let names: Vec<&str> = Privilege::EACH
            .iter()
            .map(|p| p.name().unwrap_or("?"))
            .collect();
        for n in &names {
            write!(f, " {n:>8}")?;
        }
        writeln!(f)?;
        let mut footnotes = Vec::new();
        for t in &a.tables {
            write!(f, "{:width$}", t.table)?;
            for c in &t.privileges {
                let mut text = if c.applicable {
                    short(c.level).to_owned()
                } else {
                    "n/a".to_owned()
                };
                if a.system_administrator.is_none() && !c.is_plain(&a.business_unit) {
                    text.push('*');
                    footnotes.push((t, c));
                }
                write!(f, " {text:>8}")?;
            }
            writeln!(f)?;
        }
        writeln!(
            f,
            "\nLevels: Org = Organization, P:C = Parent: Child Business Units, BU = Business Unit, \
             User, - = none, n/a = does not apply."
        )?;
        if !footnotes.is_empty() {
            writeln!(
                f,
                "\n* Grants that act as a team or count from another business unit: the level \
                 alone does not say which records (R9.4):"
            )?;
            for (t, c) in footnotes {
                writeln!(f, "  {} / {}:", t.table, c.privilege)?;
                for g in &c.grants {
                    writeln!(f, "    {g}")?;
                }
            }
        }
        if !a.shares.is_empty() {
            writeln!(f, "\nShares:")?;
            for s in &a.shares {
                write!(
                    f,
                    "  `{}` ({}) shared with {}: {}",
                    s.record, s.table, s.with, s.rights
                )?;
                if let Some(p) = &s.inherited_from {
                    write!(f, " (cascaded from `{p}`)")?;
                }
                if s.usable.is_empty() {
                    writeln!(f, "; usable: none (no grant activates it)")?;
                } else {
                    writeln!(f, "; usable: {}", s.usable)?;
                }
            }
        }
        if !a.hierarchy.is_empty() {
            writeln!(f, "\nThrough hierarchy security:")?;
            for h in &a.hierarchy {
                writeln!(
                    f,
                    "  `{}` ({}) of report `{}`, {} level(s) below: {}",
                    h.record, h.table, h.report, h.levels_below, h.rights
                )?;
            }
        }
        Ok(())
    }
}
