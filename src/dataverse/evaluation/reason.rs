//! Why a Dataverse decision came out the way it did.

use std::fmt;

use crate::core::{AccessLevel, Decision, Privilege};

use crate::dataverse::evaluation::hierarchy::HierarchyPath;

use crate::dataverse::configuration::policy::{
    Admission, BusinessUnitId, DataversePolicy, PrincipalId, RecordId, RoleId, SharedWith, TableId,
    TeamId, UserId, Via,
};

/// How a role level reached the record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Path {
    /// The user owns the record (any level suffices, R2.10).
    Owner,
    /// A team that owns the record: the user is a member, or the grant acts as that team (R2.3, R4.5).
    OwningTeam(TeamId),
    /// The user administers the team that owns the record (A9, when enabled).
    TeamAdministrator(TeamId),
    /// The record's owning unit is the grant's anchor unit (R2.4).
    BusinessUnit,
    /// The record's owning unit is the anchor unit or below it (R2.5).
    ParentChild,
    /// Organization level covers every record (R2.6, R2.8).
    Organization,
}

/// A role, as held by a user, that gave a privilege.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RoleGrant {
    /// The role.
    pub role: RoleId,
    /// The business unit its levels count from: the assignment's unit (R3.6) or the team's (R4.5).
    pub business_unit: BusinessUnitId,
    /// The level of the privilege in the role, as it applied.
    pub level: AccessLevel,
    /// Directly, or through which team.
    pub via: Via,
}

/// Why a record privilege was allowed or denied.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum RecordReason {
    /// Allow: the user holds the System Administrator role (R8.1).
    SystemAdministrator {
        /// The role.
        role: RoleId,
        /// How it is held.
        via: Via,
    },
    /// Allow: a role's level covers the record.
    RoleLevel {
        /// The role, level and anchor unit.
        grant: RoleGrant,
        /// How the level reached the record.
        path: Path,
    },
    /// Allow: the record is shared with the user, a team of theirs or the organization with this
    /// right, and a role gives the privilege in a context that activates the share (R5.4, R5.5).
    Shared {
        /// Who the share is to.
        with: SharedWith,
        /// The rights of the share.
        rights: Privilege,
        /// The parent record whose share cascaded to this one (R5.8), `None` for a direct share.
        inherited_from: Option<RecordId>,
        /// The role grant that activated it.
        grant: RoleGrant,
    },
    /// Allow: hierarchy security: a report of the user owns the record, or it is shared with
    /// the report, and the user holds the privilege at the minimum level (R6).
    Hierarchy {
        /// The report whose record it is.
        report: UserId,
        /// How many levels below the user the report sits (1 = direct report).
        level: u8,
        /// How the record is the report's.
        path: HierarchyPath,
        /// The user's own grant of the privilege (R6.7).
        grant: RoleGrant,
    },
    /// Deny: nothing reached the record within the bound of the cascaded-share walk
    /// ([`DataverseOptions::cascade_depth`](crate::dataverse::DataverseOptions::cascade_depth)); shares of
    /// more distant ancestors were not looked at.
    CascadeLimit {
        /// The record.
        record: RecordId,
        /// The depth bound.
        depth: u8,
    },
    /// Deny: the record's facts give no owner, on a table whose records must have one.
    MissingOwner {
        /// The table.
        table: TableId,
    },
    /// Deny: the user id is not in the policy.
    UnknownUser(UserId),
    /// Deny: the record id is not in the policy.
    UnknownRecord(RecordId),
    /// Deny: the table id is not in the policy.
    UnknownTable(TableId),
    /// Deny: the would-be owner is not in the policy.
    UnknownOwner(PrincipalId),
    /// Deny: the business unit id is not in the policy.
    UnknownBusinessUnit(BusinessUnitId),
    /// Deny: in classic mode a record is always owned in its owner's business unit (R2.7).
    OwningUnitFixed {
        /// The unit the request named.
        requested: BusinessUnitId,
        /// The owner's unit.
        owner_unit: BusinessUnitId,
    },
    /// Deny: the would-be owner cannot own records of the table: it holds no Read on it in a way
    /// that lets it own (R1.7, S14).
    OwnerCannotOwn {
        /// The would-be owner.
        owner: PrincipalId,
        /// The table.
        table: TableId,
    },
    /// Deny: the user holds the privilege on the table, but no level of it reaches the would-be
    /// record's owner and business unit (Append on a new record that gets lookups, R1.4).
    NewRecordOutsideLevels {
        /// The table.
        table: TableId,
        /// The privilege.
        privilege: Privilege,
        /// The highest level held.
        highest: AccessLevel,
    },
    /// Deny: A16 (when enabled): creating a record for someone else also needs Assign reaching it.
    CreateForOtherNeedsAssign {
        /// The table.
        table: TableId,
        /// The highest Assign level held.
        highest: AccessLevel,
    },
    /// Deny: in matrix mode, choosing a record's owning unit other than the owner's needs
    /// Append To at Business Unit level or above on the `businessunit` table (R3.7).
    OwningUnitNeedsAppendTo {
        /// The owning unit asked for.
        unit: BusinessUnitId,
    },
    /// Deny: the user holds Create on the table, but no Create level reaches the would-be record's
    /// owner and business unit (R2.9).
    CreateOutsideLevels {
        /// The table.
        table: TableId,
        /// The highest Create level held.
        highest: AccessLevel,
    },
    /// Deny: the request must name exactly one privilege other than Create (Create is decided
    /// against a would-be record, not an existing one).
    NotARecordPrivilege(Privilege),
    /// Deny: the user does not pass the environment gate (R8.4).
    NotAdmitted(Admission),
    /// Deny: the privilege does not apply to the table (R1.9, or the table's declaration).
    PrivilegeDoesNotApply {
        /// The table.
        table: TableId,
        /// The privilege.
        privilege: Privilege,
    },
    /// Deny: no role gives the privilege on the table at any level: the privilege check (R1.2).
    NoPrivilege {
        /// The table.
        table: TableId,
        /// The privilege.
        privilege: Privilege,
    },
    /// Deny: the user holds the privilege, but the record lies outside every granted level and no
    /// share reaches it (R1.2 access check).
    OutsideLevels {
        /// The record.
        record: RecordId,
        /// The table.
        table: TableId,
        /// The privilege.
        privilege: Privilege,
        /// The highest level held, in any context.
        highest: AccessLevel,
    },
}

impl RecordReason {
    /// The decision this reason stands for.
    #[inline]
    pub fn decision(&self) -> Decision {
        match self {
            RecordReason::SystemAdministrator { .. }
            | RecordReason::RoleLevel { .. }
            | RecordReason::Shared { .. }
            | RecordReason::Hierarchy { .. } => Decision::Allow,
            RecordReason::UnknownUser(_)
            | RecordReason::UnknownRecord(_)
            | RecordReason::UnknownTable(_)
            | RecordReason::UnknownOwner(_)
            | RecordReason::UnknownBusinessUnit(_)
            | RecordReason::OwningUnitFixed { .. }
            | RecordReason::OwnerCannotOwn { .. }
            | RecordReason::CreateOutsideLevels { .. }
            | RecordReason::CreateForOtherNeedsAssign { .. }
            | RecordReason::NewRecordOutsideLevels { .. }
            | RecordReason::OwningUnitNeedsAppendTo { .. }
            | RecordReason::NotARecordPrivilege(_)
            | RecordReason::NotAdmitted(_)
            | RecordReason::PrivilegeDoesNotApply { .. }
            | RecordReason::NoPrivilege { .. }
            | RecordReason::OutsideLevels { .. }
            | RecordReason::CascadeLimit { .. }
            | RecordReason::MissingOwner { .. } => Decision::Deny,
        }
    }

    /// A stable snake_case code for the kind of reason, used by scenario files.
    pub fn code(&self) -> &'static str {
        match self {
            RecordReason::SystemAdministrator { .. } => "system_administrator",
            RecordReason::RoleLevel { .. } => "role_level",
            RecordReason::Shared { .. } => "shared",
            RecordReason::Hierarchy { .. } => "hierarchy",
            RecordReason::UnknownUser(_) => "unknown_user",
            RecordReason::UnknownRecord(_) => "unknown_record",
            RecordReason::UnknownTable(_) => "unknown_table",
            RecordReason::UnknownOwner(_) => "unknown_owner",
            RecordReason::UnknownBusinessUnit(_) => "unknown_business_unit",
            RecordReason::OwningUnitFixed { .. } => "owning_unit_fixed",
            RecordReason::OwnerCannotOwn { .. } => "owner_cannot_own",
            RecordReason::CreateOutsideLevels { .. } => "create_outside_levels",
            RecordReason::CreateForOtherNeedsAssign { .. } => "create_for_other_needs_assign",
            RecordReason::NewRecordOutsideLevels { .. } => "new_record_outside_levels",
            RecordReason::OwningUnitNeedsAppendTo { .. } => "owning_unit_needs_append_to",
            RecordReason::NotARecordPrivilege(_) => "not_a_record_privilege",
            RecordReason::NotAdmitted(_) => "not_admitted",
            RecordReason::PrivilegeDoesNotApply { .. } => "privilege_does_not_apply",
            RecordReason::NoPrivilege { .. } => "no_privilege",
            RecordReason::OutsideLevels { .. } => "outside_levels",
            RecordReason::CascadeLimit { .. } => "cascade_limit",
            RecordReason::MissingOwner { .. } => "missing_owner",
        }
    }

    /// The reason with names from `policy`, ready to print.
    pub fn explain<'a>(&'a self, policy: &'a DataversePolicy) -> impl fmt::Display + 'a {
        Explained {
            reason: self,
            policy,
        }
    }
}

struct Explained<'a> {
    reason: &'a RecordReason,
    policy: &'a DataversePolicy,
}

struct ViaName<'a>(Via, &'a DataversePolicy);

impl fmt::Display for ViaName<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Via::Direct => f.write_str("assigned directly"),
            Via::Team(t) => write!(f, "through team `{}`", self.1.team_name(t)),
            Via::TeamMemberInheritance(t) => {
                write!(
                    f,
                    "through team `{}` with member's privilege inheritance",
                    self.1.team_name(t)
                )
            }
        }
    }
}

struct PrincipalName<'a>(PrincipalId, &'a DataversePolicy);

impl fmt::Display for PrincipalName<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            PrincipalId::User(u) => write!(f, "user `{}`", self.1.user_name(u)),
            PrincipalId::Team(t) => write!(f, "team `{}`", self.1.team_name(t)),
        }
    }
}

struct GrantName<'a>(RoleGrant, &'a DataversePolicy);

impl fmt::Display for GrantName<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let RoleGrant {
            role,
            business_unit,
            level,
            via,
        } = self.0;
        write!(
            f,
            "role `{}` at {} level ({}, business unit `{}`)",
            self.1.role_name(role),
            level,
            ViaName(via, self.1),
            self.1.business_unit_name(business_unit),
        )
    }
}

impl fmt::Display for Explained<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let p = self.policy;
        match *self.reason {
            RecordReason::SystemAdministrator { role, via } => {
                write!(f, "allowed: System Administrator role `{}`, {}", p.role_name(role), ViaName(via, p))
            }
            RecordReason::RoleLevel { grant, path } => {
                write!(f, "allowed: {} reaches the record ", GrantName(grant, p))?;
                match path {
                    Path::Owner => f.write_str("as its owner"),
                    Path::OwningTeam(t) => write!(f, "as owned by team `{}`", p.team_name(t)),
                    Path::TeamAdministrator(t) => write!(f, "as administrator of owning team `{}`", p.team_name(t)),
                    Path::BusinessUnit => f.write_str("in that business unit"),
                    Path::ParentChild => f.write_str("in that business unit's subtree"),
                    Path::Organization => f.write_str("at organization level"),
                }
            }
            RecordReason::Shared { with, rights, inherited_from, grant } => {
                f.write_str("allowed: record shared with ")?;
                match with {
                    SharedWith::User(u) => write!(f, "user `{}`", p.user_name(u))?,
                    SharedWith::Team(t) => write!(f, "team `{}`", p.team_name(t))?,
                    SharedWith::Organization => f.write_str("the organization")?,
                }
                write!(f, " with rights {rights}")?;
                if let Some(parent) = inherited_from {
                    // A record decided from facts is not in the policy's records: name it by
                    // the application's key, which the application can map back to its id.
                    match p.records().name(parent) {
                        Some(name) => write!(f, " (cascaded from parent record `{name}`)")?,
                        None => write!(f, " (cascaded from parent record key {})", parent.get())?,
                    }
                }
                write!(f, ", activated by {}", GrantName(grant, p))
            }
            RecordReason::Hierarchy { report, level, path, grant } => {
                write!(f, "allowed: hierarchy security: `{}` is {level} level(s) below, and ", p.user_name(report))?;
                match path {
                    HierarchyPath::OwnedByReport => f.write_str("owns the record")?,
                    HierarchyPath::OwnedByReportTeam(t) => write!(f, "is a member of owning team `{}`", p.team_name(t))?,
                    HierarchyPath::SharedWithReport => f.write_str("the record is shared with them")?,
                    HierarchyPath::SharedWithReportTeam(t) => {
                        write!(f, "the record is shared with their team `{}`", p.team_name(t))?
                    }
                }
                write!(f, "; the manager holds {}", GrantName(grant, p))
            }
            RecordReason::UnknownUser(u) => write!(f, "denied: unknown user id {}", u.index()),
            RecordReason::UnknownRecord(r) => write!(f, "denied: unknown record id {}", r.index()),
            RecordReason::UnknownTable(t) => write!(f, "denied: unknown table id {}", t.index()),
            RecordReason::UnknownOwner(o) => write!(f, "denied: unknown owner {o:?}"),
            RecordReason::UnknownBusinessUnit(b) => write!(f, "denied: unknown business unit id {}", b.index()),
            RecordReason::OwningUnitFixed { requested, owner_unit } => write!(
                f,
                "denied: the record would be owned in business unit `{}`, but without matrix mode it is always the owner's unit `{}`",
                p.business_unit_name(requested),
                p.business_unit_name(owner_unit)
            ),
            RecordReason::OwnerCannotOwn { owner, table } => write!(
                f,
                "denied: {} cannot own records of table `{}`: it needs Read on the table from a direct role, a member-inheritance team role, or a team-only role at Organization level",
                PrincipalName(owner, p),
                p.table_name(table)
            ),
            RecordReason::NewRecordOutsideLevels { table, privilege, highest } => write!(
                f,
                "denied: {privilege} on table `{}` is held up to {highest} level, which does not reach the would-be owner and business unit",
                p.table_name(table)
            ),
            RecordReason::CreateForOtherNeedsAssign { table, highest } => write!(
                f,
                "denied: creating a record of `{}` for someone else also needs Assign reaching it (A16); Assign is held up to {highest} level",
                p.table_name(table)
            ),
            RecordReason::OwningUnitNeedsAppendTo { unit } => write!(
                f,
                "denied: owning the record in business unit `{}` needs Append To at Business Unit level or above on table `businessunit` (R3.7)",
                p.business_unit_name(unit)
            ),
            RecordReason::CreateOutsideLevels { table, highest } => write!(
                f,
                "denied: Create on table `{}` is held up to {highest} level, which does not reach the would-be owner and business unit",
                p.table_name(table)
            ),
            RecordReason::NotARecordPrivilege(privilege) => write!(
                f,
                "denied: `{privilege}` is not one record privilege (Read, Write, Delete, Append, AppendTo, Assign or Share)"
            ),
            RecordReason::NotAdmitted(a) => write!(
                f,
                "denied: not admitted to the environment: {}",
                match a {
                    Admission::Admitted => "admitted",
                    Admission::Disabled => "the user is disabled",
                    Admission::Unlicensed => "the user has no license",
                    Admission::NotInSecurityGroup => "the user is not in the environment's security group",
                    Admission::NoSecurityRole => "the user has no security role, directly or through a group team",
                    Admission::OnlyOwnerTeamRoles => "every role of the user comes through an owner team, and owner-team roles do not admit a user unless the option `owner_team_roles_admit` is on (A11)",
                }
            ),
            RecordReason::PrivilegeDoesNotApply { table, privilege } => {
                write!(f, "denied: {privilege} does not apply to table `{}`", p.table_name(table))
            }
            RecordReason::NoPrivilege { table, privilege } => write!(
                f,
                "denied: no role gives {privilege} on table `{}` at any level",
                p.table_name(table)
            ),
            RecordReason::OutsideLevels { record, table, privilege, highest } => {
                write!(f, "denied: {privilege} on table `{}` is held up to {highest} level, but record {}", p.table_name(table), RecordName(record, p))?;
                if let Some((owner, unit)) = p.record_owner(record) {
                    write!(f, " (owned by {} in business unit `{}`)", PrincipalName(owner, p), p.business_unit_name(unit))?;
                }
                f.write_str(" is outside every granted level and not shared with a context that holds it")
            }
            RecordReason::CascadeLimit { record, depth } => write!(
                f,
                "denied: no role level or share reaches record {} within {depth} levels of parent links; shares of more distant ancestors were not looked at (R5.8)",
                RecordName(record, p)
            ),
            RecordReason::MissingOwner { table } => write!(
                f,
                "denied: the record's facts give no owner, and records of table `{}` must have one",
                p.table_name(table)
            ),
        }
    }
}

/// A record by its application id when the policy's records hold it, else by key.
struct RecordName<'a>(RecordId, &'a DataversePolicy);

impl fmt::Display for RecordName<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.1.records().name(self.0) {
            Some(name) => write!(f, "`{name}`"),
            None => write!(f, "with key {}", self.0.get()),
        }
    }
}
