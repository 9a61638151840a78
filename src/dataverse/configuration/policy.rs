//! The compiled, immutable Dataverse snapshot.

use crate::core::id::{dense_id, name_lookups, Interner};
use crate::core::tree::Tree;
use crate::core::{AccessLevel, Privilege};

use crate::dataverse::configuration::model::{DataverseOptions, RoleInheritance, TeamKind};

dense_id!(
    /// A business unit of a compiled [`DataversePolicy`].
    BusinessUnitId
);
dense_id!(
    /// A table of a compiled [`DataversePolicy`].
    TableId
);
dense_id!(
    /// A security role of a compiled [`DataversePolicy`].
    RoleId
);
dense_id!(
    /// A user of a compiled [`DataversePolicy`].
    UserId
);
dense_id!(
    /// A team of a compiled [`DataversePolicy`].
    TeamId
);
dense_id!(
    /// A relationship between two tables of a compiled [`DataversePolicy`].
    RelationshipId
);

pub use crate::dataverse::records::RecordId;
use crate::dataverse::records::Records;

/// Marks "no business unit" (organization-owned records).
pub(crate) const NO_UNIT: u32 = u32::MAX;

/// The names behind every dense index.
#[derive(Debug, Clone)]
pub(crate) struct Names {
    pub(crate) business_units: Interner,
    pub(crate) tables: Interner,
    pub(crate) roles: Interner,
    pub(crate) users: Interner,
    pub(crate) teams: Interner,
    pub(crate) relationships: Interner,
}

impl Names {
    pub(crate) fn business_units_len(&self) -> usize {
        self.business_units.len()
    }
}

pub(crate) use crate::core::csr::{Chunks, Csr};
use std::sync::Arc;

/// A role's level for one privilege on one table, or "not applicable in this role".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Cell(u8);

impl Cell {
    pub(crate) const NOT_APPLICABLE: Cell = Cell(u8::MAX);

    pub(crate) fn level(level: AccessLevel) -> Cell {
        Cell(level as u8)
    }

    /// The level, `None` when the cell is not applicable.
    #[inline]
    pub(crate) fn get(self) -> Option<AccessLevel> {
        match self.0 {
            0 => Some(AccessLevel::None),
            1 => Some(AccessLevel::User),
            2 => Some(AccessLevel::BusinessUnit),
            3 => Some(AccessLevel::ParentChild),
            4 => Some(AccessLevel::Organization),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Copy)]
pub(crate) struct TableInfo {
    pub(crate) organization_owned: bool,
    pub(crate) applicable: Privilege,
    pub(crate) hierarchy_security: bool,
}

#[derive(Debug, Clone, Copy)]
pub(crate) struct RoleInfo {
    pub(crate) inheritance: RoleInheritance,
    pub(crate) system_administrator: bool,
}

/// Whether a user may use the environment at all (R8.4), decided once at build time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Admission {
    /// Every condition of R8.4 holds.
    Admitted,
    /// The user's status is Disabled (R8.4 item 1, R8.5).
    Disabled,
    /// No license, and no per-app plan allocated (R8.4 item 2).
    Unlicensed,
    /// The environment has a security group and the user is not in it (R8.4 item 3).
    NotInSecurityGroup,
    /// No security role, directly or through a group team (R8.4 item 4, A11).
    NoSecurityRole,
    /// Every role the user holds comes through owner teams, which do not admit a user while
    /// [`DataverseOptions::owner_team_roles_admit`](crate::dataverse::DataverseOptions::owner_team_roles_admit)
    /// is off (its default, A11; R8.4 item 4).
    OnlyOwnerTeamRoles,
}

#[derive(Debug, Clone, Copy)]
pub(crate) struct UserInfo {
    pub(crate) business_unit: u32,
    pub(crate) admission: Admission,
    /// What the environment gate reads besides roles (R8.4), kept so a change of roles or of
    /// the enabled state re-derives [`admission`](Self::admission).
    pub(crate) gate: UserGate,
    pub(crate) system_administrator: Option<(u32, Via)>,
}

/// A user's licence and security-group facts (R8.4 items 2 and 3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct UserGate {
    pub(crate) licensed: bool,
    pub(crate) application_user: bool,
    pub(crate) in_security_group: bool,
    pub(crate) power_platform_admin: bool,
}

#[derive(Debug, Clone, Copy)]
pub(crate) struct TeamInfo {
    pub(crate) business_unit: u32,
    pub(crate) kind: TeamKind,
    pub(crate) administrator: Option<u32>,
}

/// How a user holds a role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Via {
    /// Assigned to the user directly.
    Direct,
    /// Assigned to a team the user is a member of; the privilege acts as the team (R4.5).
    Team(TeamId),
    /// The Basic part of a "Direct User (Basic) access level and Team privileges" role of a team
    /// the user is a member of, acting as if assigned to the user (R4.6).
    TeamMemberInheritance(TeamId),
}

/// One role held by a user, with the unit its levels count from.
#[derive(Debug, Clone, Copy)]
pub(crate) struct GrantSource {
    pub(crate) role: u32,
    pub(crate) anchor: u32,
    pub(crate) via: Via,
}

/// Who owns a record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Owner {
    User(u32),
    Team(u32),
    Organization,
}

#[derive(Debug, Clone, Copy)]
pub(crate) struct RecordInfo {
    pub(crate) table: u32,
    pub(crate) owner: Owner,
    pub(crate) owning_unit: u32,
}

/// A user or team of a compiled policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PrincipalId {
    /// A user.
    User(UserId),
    /// A team.
    Team(TeamId),
}

/// Who a record was shared with, in a compiled policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SharedWith {
    /// A user.
    User(UserId),
    /// A team.
    Team(TeamId),
    /// The whole organization.
    Organization,
}

/// A relationship's two tables and how shares cascade along it (R5.8).
#[derive(Debug, Clone, Copy)]
pub(crate) struct RelationshipInfo {
    pub(crate) parent_table: u32,
    pub(crate) child_table: u32,
    pub(crate) cascade: crate::dataverse::configuration::model::Cascade,
}

/// A compiled Dataverse environment: the configuration (immutable, `Send + Sync`, laid out for
/// evaluation and shared behind an `Arc`) and a version of the records to decide on.
///
/// Built by [`DataverseModel::build`](crate::dataverse::DataverseModel::build), which loads the document's
/// records and shares into the record version. Entities are dense indices; a decision reads
/// arrays and never hashes or allocates. [`with_records`](Self::with_records) pairs the same
/// configuration with another version of the records (a [`RecordStore`](crate::dataverse::RecordStore)
/// snapshot) in O(1).
#[derive(Debug, Clone)]
pub struct DataversePolicy {
    pub(crate) config: std::sync::Arc<Configuration>,
    pub(crate) records: Records,
}

impl std::ops::Deref for DataversePolicy {
    type Target = Configuration;

    fn deref(&self) -> &Configuration {
        &self.config
    }
}

/// The configuration part of a [`DataversePolicy`]: everything but records.
///
/// Cloning is cheap and shares memory: the parts a configuration change never touches sit
/// behind `Arc`s, and the per-user and per-team indexes are kept in shared chunks of 1,024 rows,
/// so [`DataversePolicy::apply`] copies only the chunks of the users and teams it changes.
#[derive(Debug, Clone)]
pub struct Configuration {
    pub(crate) options: DataverseOptions,
    pub(crate) names: Arc<Names>,
    pub(crate) tree: Arc<Tree>,
    pub(crate) tables: Arc<Vec<TableInfo>>,
    pub(crate) roles: Arc<Vec<RoleInfo>>,
    /// Each role's cells, for the tables it mentions only.
    pub(crate) cells: Arc<super::role_cells::RoleCells>,
    pub(crate) users: Chunks<UserInfo>,
    pub(crate) teams: Chunks<TeamInfo>,
    pub(crate) team_members: Csr<u32>,
    /// Each user's teams, sorted.
    pub(crate) user_teams: Csr<u32>,
    /// Each user's own role assignments: (role, anchor unit), in document order.
    pub(crate) user_direct: Csr<(u32, u32)>,
    /// Each user's grant sources, derived from `user_direct`, `user_teams` and `team_roles`.
    pub(crate) user_grants: Csr<GrantSource>,
    /// Each team's own role assignments: (role, anchor unit).
    pub(crate) team_roles: Csr<(u32, u32)>,
    /// Whether each user is enabled (R8.5: a disabled user may still own records).
    pub(crate) user_enabled: Chunks<bool>,
    pub(crate) relationships: Arc<Vec<RelationshipInfo>>,
    pub(crate) hierarchy: Arc<crate::dataverse::configuration::hierarchy::HierarchyIndex>,
    pub(crate) columns: crate::dataverse::configuration::columns::ColumnIndex,
    /// Miscellaneous privileges per role.
    pub(crate) misc: Arc<crate::dataverse::configuration::misc::MiscIndex>,
    /// Access-team templates (R4.9).
    pub(crate) templates: Arc<crate::dataverse::configuration::access_teams::AccessTeamTemplates>,
    /// The limits the policy was built with; configuration changes keep to them too.
    pub(crate) limits: crate::BuildLimits,
}

impl DataversePolicy {
    name_lookups! {
        /// The id of the user named `name`.
        user_id, user_name, users, UserId;
        /// The id of the relationship named `name`.
        relationship_id, relationship_name, relationships, RelationshipId;
        /// The id of the role named `name`.
        role_id, role_name, roles, RoleId;
        /// The id of the team named `name`.
        team_id, team_name, teams, TeamId;
        /// The id of the table named `name`.
        table_id, table_name, tables, TableId;
        /// The id of the business unit named `name`.
        business_unit_id, business_unit_name, business_units, BusinessUnitId;
    }

    /// The options the policy was built with.
    pub fn options(&self) -> &DataverseOptions {
        &self.options
    }

    /// Number of users.
    pub fn user_count(&self) -> usize {
        self.users.len()
    }

    /// Number of records in the policy's record version.
    pub fn record_count(&self) -> usize {
        self.records.len()
    }

    /// The key of the record with application id `name`, in the policy's record version.
    pub fn record_id(&self, name: &str) -> Option<RecordId> {
        self.records.id(name)
    }

    /// The application id of a record; `"?"` for a key the policy's records do not hold.
    pub fn record_name(&self, record: RecordId) -> &str {
        self.records.name(record).unwrap_or("?")
    }

    /// The record version decisions by key read.
    pub fn records(&self) -> &Records {
        &self.records
    }

    /// The same configuration with another version of the records, in O(1) (the configuration
    /// is shared).
    pub fn with_records(&self, records: Records) -> DataversePolicy {
        DataversePolicy {
            config: std::sync::Arc::clone(&self.config),
            records,
        }
    }

    /// Whether `user` passes the environment gate (R8.4), and if not, why.
    pub fn admission(&self, user: UserId) -> Option<Admission> {
        self.users.get(user.index()).map(|u| u.admission)
    }

    /// The business unit a user belongs to.
    pub fn user_business_unit(&self, user: UserId) -> Option<BusinessUnitId> {
        self.users
            .get(user.index())
            .map(|u| BusinessUnitId(u.business_unit))
    }

    /// The parent of a business unit; `None` for the root or an unknown id.
    pub fn business_unit_parent(&self, unit: BusinessUnitId) -> Option<BusinessUnitId> {
        self.tree.parent(unit.0).map(BusinessUnitId)
    }

    /// The distance of a business unit from the root (the root is 0).
    pub fn business_unit_depth(&self, unit: BusinessUnitId) -> u32 {
        self.tree.depth(unit.0)
    }

    /// The members of a team, in id order; empty for an unknown id.
    pub fn team_members(&self, team: TeamId) -> impl Iterator<Item = UserId> + '_ {
        self.team_members.get(team.0).iter().map(|&u| UserId(u))
    }

    /// The table of a record.
    pub fn record_table(&self, record: RecordId) -> Option<TableId> {
        self.records.info(record).map(|r| TableId(r.table))
    }

    /// The owner and owning business unit of a record; `None` for an organization-owned record
    /// or an unknown id.
    pub fn record_owner(&self, record: RecordId) -> Option<(PrincipalId, BusinessUnitId)> {
        let rec = self.resolved(&self.records.info(record)?).ok()?;
        let owner = match rec.owner {
            Owner::User(u) => PrincipalId::User(UserId(u)),
            Owner::Team(t) => PrincipalId::Team(TeamId(t)),
            Owner::Organization => return None,
        };
        Some((owner, BusinessUnitId(rec.owning_unit)))
    }

    /// Whether `unit` is `ancestor` or lies below it, in O(1).
    pub fn business_unit_within(&self, unit: BusinessUnitId, ancestor: BusinessUnitId) -> bool {
        self.tree.contains(ancestor.0, unit.0)
    }

    #[inline]
    pub(crate) fn cell(&self, role: u32, table: u32, bit: usize) -> Option<AccessLevel> {
        self.cells.get(role, table, bit)
    }

    /// Whether `user` is a member of `team` (binary search over the user's sorted teams).
    #[inline]
    pub(crate) fn is_member(&self, user: u32, team: u32) -> bool {
        self.user_teams.get(user).binary_search(&team).is_ok()
    }
}
