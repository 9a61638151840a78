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
        AccessLevel::from_number(u32::from(self.0))
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

/// A user's decision facts. The [`UserTable`](super::users::UserTable) keeps the business unit
/// apart and the rest as a 12-byte [`header`](Self::header) in front of the user's grants, so
/// one read brings both.
#[derive(Debug, Clone, Copy)]
pub(crate) struct UserInfo {
    pub(crate) business_unit: u32,
    /// The System Administrator role held ([`NO_ROLE`] when none), and the team it comes
    /// through when the holding byte of `flags` says so.
    sysadmin_role: u32,
    sysadmin_team: u32,
    /// One byte each, low to high: the [`Admission`], how the System Administrator role is
    /// held ([`ViaKind`]), and the [`UserGate`]. Kept as the header stores them and decoded by
    /// the accessors, so reading a user from the table decodes nothing: a record decision asks
    /// only whether the user is admitted and holds the System Administrator role.
    flags: u32,
}

/// No role, in [`UserInfo`].
const NO_ROLE: u32 = u32::MAX;

/// How a user holds a role, without the team ([`Via`] in one byte).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ViaKind {
    Direct,
    Team,
    TeamMemberInheritance,
}

/// The bits of a header's flags word that are [`UserInfo`]'s; the top byte is the user
/// table's ([`GrantSource::spare_byte`]).
const FLAG_BITS: u32 = 0x00ff_ffff;

/// The [`UserInfo::flags`] of an admission, a holding and a gate.
fn flags(admission: Admission, via: ViaKind, gate: UserGate) -> u32 {
    admission as u32 | (via as u32) << 8 | u32::from(gate.0) << 16
}

impl UserInfo {
    /// A user of `business_unit` holding no System Administrator role.
    pub(crate) fn new(business_unit: u32, admission: Admission, gate: UserGate) -> UserInfo {
        UserInfo {
            business_unit,
            sysadmin_role: NO_ROLE,
            sysadmin_team: 0,
            flags: flags(admission, ViaKind::Direct, gate),
        }
    }

    /// Whether the user may use the environment (R8.4). The flags are written by this crate
    /// only, so an unknown number cannot occur; it would read as the strictest value.
    #[inline]
    pub(crate) fn admission(&self) -> Admission {
        match self.flags & 0xff {
            0 => Admission::Admitted,
            1 => Admission::Disabled,
            2 => Admission::Unlicensed,
            3 => Admission::NotInSecurityGroup,
            4 => Admission::NoSecurityRole,
            _ => Admission::OnlyOwnerTeamRoles,
        }
    }

    /// What the environment gate reads besides roles (R8.4), kept so a change of roles or of
    /// the enabled state re-derives the [`admission`](Self::admission).
    pub(crate) fn gate(&self) -> UserGate {
        UserGate((self.flags >> 16) as u8)
    }

    /// The System Administrator role the user holds (R8.1), and how.
    #[inline]
    pub(crate) fn system_administrator(&self) -> Option<(u32, Via)> {
        if self.sysadmin_role == NO_ROLE {
            return None;
        }
        let team = TeamId(self.sysadmin_team);
        let via = match (self.flags >> 8) & 0xff {
            0 => Via::Direct,
            1 => Via::Team(team),
            2 => Via::TeamMemberInheritance(team),
            _ => return None,
        };
        Some((self.sysadmin_role, via))
    }

    /// Everything but the business unit as three words: the header entry the
    /// [`UserTable`](super::users::UserTable) stores in front of the user's grants, which are
    /// three words too, so header and grants lie in one row (see its module docs). The top byte
    /// of the flags word is left zero for the table's use ([`GrantSource::spare_byte`]).
    pub(crate) fn header(&self) -> GrantSource {
        GrantSource {
            role: self.sysadmin_role,
            anchor: self.sysadmin_team,
            team: self.flags,
        }
    }

    /// The facts [`header`](Self::header) encoded, in `business_unit`.
    #[inline]
    pub(crate) fn from_header(business_unit: u32, header: &GrantSource) -> UserInfo {
        UserInfo {
            business_unit,
            sysadmin_role: header.role,
            sysadmin_team: header.anchor,
            flags: header.team & FLAG_BITS,
        }
    }

    /// This user with `admission` as their admission.
    pub(crate) fn with_admission(self, admission: Admission) -> UserInfo {
        UserInfo {
            flags: (self.flags & !0xff) | admission as u32,
            ..self
        }
    }

    /// This user with `held` as their System Administrator role.
    pub(crate) fn with_system_administrator(self, held: Option<(u32, Via)>) -> UserInfo {
        let (role, team, via) = match held {
            None => (NO_ROLE, 0, ViaKind::Direct),
            Some((role, Via::Direct)) => (role, 0, ViaKind::Direct),
            Some((role, Via::Team(t))) => (role, t.0, ViaKind::Team),
            Some((role, Via::TeamMemberInheritance(t))) => {
                (role, t.0, ViaKind::TeamMemberInheritance)
            }
        };
        UserInfo {
            sysadmin_role: role,
            sysadmin_team: team,
            flags: (self.flags & !0xff00) | (via as u32) << 8,
            ..self
        }
    }
}

/// A user's licence and security-group facts (R8.4 items 2 and 3), one bit each.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct UserGate(u8);

impl UserGate {
    const LICENSED: u8 = 1;
    const APPLICATION_USER: u8 = 2;
    const IN_SECURITY_GROUP: u8 = 4;
    const POWER_PLATFORM_ADMIN: u8 = 8;

    /// The gate facts, in R8.4's order.
    pub(crate) fn new(
        licensed: bool,
        application_user: bool,
        in_security_group: bool,
        power_platform_admin: bool,
    ) -> UserGate {
        let bit = |set: bool, bit: u8| if set { bit } else { 0 };
        UserGate(
            bit(licensed, Self::LICENSED)
                | bit(application_user, Self::APPLICATION_USER)
                | bit(in_security_group, Self::IN_SECURITY_GROUP)
                | bit(power_platform_admin, Self::POWER_PLATFORM_ADMIN),
        )
    }

    /// Licensed, or holding a per-app plan (R8.4 item 2).
    pub(crate) fn licensed(self) -> bool {
        self.0 & Self::LICENSED != 0
    }

    /// An application user (exempt from the licence and group checks).
    pub(crate) fn application_user(self) -> bool {
        self.0 & Self::APPLICATION_USER != 0
    }

    /// A member of the environment's security group (R8.4 item 3).
    pub(crate) fn in_security_group(self) -> bool {
        self.0 & Self::IN_SECURITY_GROUP != 0
    }

    /// A Power Platform administrator (exempt from the group check).
    pub(crate) fn power_platform_admin(self) -> bool {
        self.0 & Self::POWER_PLATFORM_ADMIN != 0
    }
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

/// One role held by a user, with the unit its levels count from: 12 bytes, since a user holds
/// a role directly or through a team (the member-inheritance holding, R4.6, is a reading of a
/// team grant at decision time, never stored).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct GrantSource {
    pub(crate) role: u32,
    pub(crate) anchor: u32,
    /// The team the role comes through, or [`DIRECT`](Self::DIRECT).
    team: u32,
}

impl GrantSource {
    /// Marks a direct assignment in `team`.
    const DIRECT: u32 = u32::MAX;

    /// `role` assigned to the user directly, anchored in `anchor`.
    pub(crate) fn direct(role: u32, anchor: u32) -> GrantSource {
        GrantSource {
            role,
            anchor,
            team: Self::DIRECT,
        }
    }

    /// `role` held through team `team`, anchored in `anchor`.
    pub(crate) fn through_team(role: u32, anchor: u32, team: TeamId) -> GrantSource {
        GrantSource {
            role,
            anchor,
            team: team.0,
        }
    }

    /// How the role is held.
    #[inline]
    pub(crate) fn via(&self) -> Via {
        if self.team == Self::DIRECT {
            Via::Direct
        } else {
            Via::Team(TeamId(self.team))
        }
    }

    /// The team the role comes through; `None` when held directly.
    #[inline]
    pub(crate) fn team(&self) -> Option<u32> {
        (self.team != Self::DIRECT).then_some(self.team)
    }

    /// The spare byte of a user's [`header`](UserInfo::header) (the top byte of its flags
    /// word), where the user table keeps how many grants follow the header.
    #[inline]
    pub(crate) fn spare_byte(&self) -> u8 {
        (self.team >> FLAG_BITS.count_ones()) as u8
    }

    /// This header with `byte` as its [`spare_byte`](Self::spare_byte).
    pub(crate) fn with_spare_byte(self, byte: u8) -> GrantSource {
        GrantSource {
            team: (self.team & FLAG_BITS) | u32::from(byte) << FLAG_BITS.count_ones(),
            ..self
        }
    }
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
    /// Each user's decision facts and role grants, side by side.
    pub(crate) users: super::users::UserTable,
    pub(crate) teams: Chunks<TeamInfo>,
    pub(crate) team_members: Csr<u32>,
    /// Each user's teams, sorted.
    pub(crate) user_teams: Csr<u32>,
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
        self.users.get(user.index()).map(|u| u.admission())
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
