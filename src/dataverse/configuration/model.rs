//! The Dataverse model as a document: what a builder reads, validates and compiles.
//!
//! Every entity is named by a string id that is unique within its kind. References between
//! entities use those ids; [`DataverseModel::build`] resolves and checks every one of them.
//!
//! The structs are `#[non_exhaustive]`, so that a new field does not break code that builds
//! them: outside this crate they are made with their constructors and chainable methods
//! (`TableDef::user_owned("account").with_hierarchy_security(false)`), or from `default()`, and
//! their fields are read and assigned; struct literals do not compile.

use indexmap::IndexMap;
use serde::{Deserialize, Serialize};

use crate::core::{AccessLevel, Privilege};

pub use super::access_teams::AccessTeamTemplateDef;
pub use super::options::*;

/// A whole Dataverse environment: its options, business units, tables, roles, principals and records.
///
/// ```
/// use accessgate::dataverse::*;
/// use accessgate::{AccessLevel, Privilege};
///
/// let mut model = DataverseModel::default();
/// model.business_units.push(BusinessUnitDef::root("contoso"));
/// model.tables.push(TableDef::user_owned("account"));
/// model.roles.push(RoleDef::new("salesperson").grant("account", Privilege::READ, AccessLevel::BusinessUnit));
/// model.users.push(UserDef::new("alice", "contoso"));
/// model.role_assignments.push(RoleAssignmentDef::user("alice", "salesperson"));
/// let policy = model.build()?;
/// assert_eq!(policy.user_count(), 1);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(default, deny_unknown_fields)]
#[non_exhaustive]
pub struct DataverseModel {
    /// Environment settings and the choices for the reference's ambiguities.
    pub options: DataverseOptions,
    /// The business-unit tree: exactly one root (R3.1).
    pub business_units: Vec<BusinessUnitDef>,
    /// Tables and their ownership type.
    pub tables: Vec<TableDef>,
    /// Security roles with their privilege cells.
    pub roles: Vec<RoleDef>,
    /// Users, each in exactly one business unit (R3.2).
    pub users: Vec<UserDef>,
    /// Owner, access and Entra group teams.
    pub teams: Vec<TeamDef>,
    /// Roles given to users and teams, in a business unit.
    pub role_assignments: Vec<RoleAssignmentDef>,
    /// Records with their owner and owning business unit.
    pub records: Vec<RecordDef>,
    /// Record shares (PrincipalObjectAccess entries, R5.1). Shares cascade to child records
    /// along `relationships` when the model is built (R5.8).
    pub shares: Vec<ShareDef>,
    /// Parental (1:N) relationships along which shares cascade (R5.8).
    pub relationships: Vec<RelationshipDef>,
    /// Positions for the position hierarchy (R6.8).
    pub positions: Vec<PositionDef>,
    /// Column security profiles (R7.2).
    pub column_security_profiles: Vec<ColumnProfileDef>,
    /// Column shares of one column of one record (PrincipalObjectAttributeAccess, R7.7).
    pub field_shares: Vec<FieldShareDef>,
    /// Access-team templates (TeamTemplate, R4.9): per table, the rights a record's
    /// system-managed access team holds.
    pub access_team_templates: Vec<AccessTeamTemplateDef>,
}

/// How a share of a parent record reaches its children (R5.8).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Cascade {
    /// Every child record ("Cascade All"). Default for a parental relationship.
    #[default]
    All,
    /// Active child records only.
    Active,
    /// Child records owned by the same user as the shared record.
    UserOwned,
    /// No cascade.
    None,
}

/// A 1:N relationship: records of `child_table` point at a parent record of `parent_table`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct RelationshipDef {
    /// Unique id (the relationship's schema name).
    pub id: String,
    /// The referenced (parent, "one") table.
    pub parent_table: String,
    /// The referencing (child, "many") table.
    pub child_table: String,
    /// How shares cascade from a parent to its children.
    #[serde(default)]
    pub cascade_share: Cascade,
}

/// A child record's link to its parent through a relationship.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct ParentLink {
    /// The relationship id.
    pub relationship: String,
    /// The parent record id.
    pub record: String,
}

/// One position of the position hierarchy (R6.8).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct PositionDef {
    /// Unique id.
    pub id: String,
    /// The position above it; absent at the top.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent: Option<String>,
}

/// A column security profile (R7.2): members and their permissions per secured column.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct ColumnProfileDef {
    /// Unique id (the profile name).
    pub id: String,
    /// Users and teams the profile is assigned to.
    #[serde(default)]
    pub members: Vec<PrincipalRef>,
    /// Permissions per secured column.
    #[serde(default)]
    pub permissions: Vec<ColumnPermissionDef>,
}

/// What a profile allows on one secured column (FieldPermission, R7.2).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct ColumnPermissionDef {
    /// The table id.
    pub table: String,
    /// The column (logical name); must be secured on the table.
    pub column: String,
    /// CanRead.
    #[serde(default)]
    pub read: bool,
    /// CanReadUnmasked; absent means the same as `read` (no masking rule).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub read_unmasked: Option<bool>,
    /// CanCreate.
    #[serde(default)]
    pub create: bool,
    /// CanUpdate.
    #[serde(default)]
    pub update: bool,
}

/// A share of one secured column of one record (R7.7).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct FieldShareDef {
    /// The record id.
    pub record: String,
    /// The column; must be secured on the record's table.
    pub column: String,
    /// The user or team.
    pub with: PrincipalRef,
    /// ReadAccess.
    #[serde(default)]
    pub read: bool,
    /// UpdateAccess.
    #[serde(default)]
    pub update: bool,
}

/// One business unit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct BusinessUnitDef {
    /// Unique id.
    pub id: String,
    /// The parent unit; absent for the one root.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent: Option<String>,
}

/// Who owns a table's records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum TableOwnership {
    /// Records are owned by a user or team and carry an owning business unit.
    #[default]
    UserOrTeam,
    /// Records belong to the organization: levels are None or Organization only (R2.8).
    Organization,
}

/// One table.
///
/// Made with [`TableDef::user_owned`] or [`TableDef::organization_owned`] and changed with the
/// `with_*` methods or by assigning a field:
///
/// ```
/// use accessgate::dataverse::TableDef;
/// use accessgate::Privilege;
///
/// let mut table = TableDef::user_owned("account")
///     .with_hierarchy_security(false)
///     .with_secured_columns(&["revenue"]);
/// table.privileges = Some(Privilege::READ | Privilege::WRITE);
/// assert_eq!(table.secured_columns, ["revenue"]);
/// ```
///
/// The struct is `#[non_exhaustive]`: a struct literal does not compile outside this crate, not
/// even one that takes the other fields from a value with `..`, so adding a field to a table
/// breaks no caller.
///
/// ```compile_fail,E0639
/// use accessgate::dataverse::TableDef;
///
/// let table = TableDef {
///     hierarchy_security: false,
///     ..TableDef::user_owned("account")
/// };
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
// The examples above are for Rust users; the JSON Schema keeps the one-line summary.
#[cfg_attr(feature = "schema", schemars(description = "One table."))]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct TableDef {
    /// Unique id (the logical or display name).
    pub id: String,
    /// Ownership type.
    #[serde(default)]
    pub ownership: TableOwnership,
    /// The privileges that apply to this table. Absent: all eight for user- or team-owned
    /// tables, all but Assign and Share for organization-owned ones (R1.9). A role may not give
    /// a level for a privilege that does not apply.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub privileges: Option<Privilege>,
    /// Hierarchy security applies to the table (A10, R6.2). Default `true`.
    #[serde(default = "yes")]
    pub hierarchy_security: bool,
    /// Columns secured by column-level security (R7.1). Logical names: canonical (lowercase,
    /// no whitespace, control or invisible character, no `.`; see the
    /// [names rule](crate::dataverse#names)).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub secured_columns: Vec<String>,
    /// The table's other columns, when the model declares them. A table that declares its
    /// columns denies a column request for a column it does not list (in either list) as
    /// `unknown_column`; a table that does not treats every canonical name outside
    /// `secured_columns` as an unsecured column.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub columns: Option<Vec<String>>,
}

/// Member's privilege inheritance of a role (R4.4). Matters only for roles assigned to teams.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum RoleInheritance {
    /// "Team privileges only": members act as the team (R4.5).
    TeamPrivilegesOnly,
    /// "Direct User (Basic) access level and Team privileges" (R4.6).
    DirectUserBasicAndTeam,
}

/// One security role. A table or privilege the role does not mention is *not applicable* in the
/// role, which evaluates like None but is reported as such.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct RoleDef {
    /// Unique id (the role name).
    pub id: String,
    /// Member's privilege inheritance. Always explicit (A7). Defaults to
    /// `direct_user_basic_and_team`, the setting of roles created since May 2019 (R4.4).
    #[serde(default = "default_inheritance")]
    pub inheritance: RoleInheritance,
    /// The System Administrator role: every applicable privilege on every record (R8.1).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub system_administrator: bool,
    /// Per table, the access level of each privilege. A key may name several privileges
    /// (`"Read | Write"`) to give them one level. In JSON a key given twice in either map is an
    /// error (privilege keys compare after parsing, so `"Read"` and `"read"` are the same key).
    #[serde(
        default,
        deserialize_with = "crate::core::strict_map::deserialize_nested"
    )]
    pub privileges: IndexMap<String, IndexMap<Privilege, AccessLevel>>,
    /// Miscellaneous privileges: privileges not about a table (`prvExportToExcel`, `prvFlow`,
    /// `prvWorkflowExecution`), with their level. Names are kept as written and compared with
    /// their letters lowercased, so two names equal but for case are a duplicate; a level of
    /// None means not held. Asked through
    /// [`DataversePolicy::check_misc`](crate::dataverse::DataversePolicy::check_misc).
    #[serde(
        default,
        skip_serializing_if = "IndexMap::is_empty",
        deserialize_with = "crate::core::strict_map::deserialize_names"
    )]
    pub misc_privileges: IndexMap<String, AccessLevel>,
}

fn default_inheritance() -> RoleInheritance {
    RoleInheritance::DirectUserBasicAndTeam
}

/// One user (systemuser).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct UserDef {
    /// Unique id.
    pub id: String,
    /// The user's business unit.
    pub business_unit: String,
    /// Status Enabled (R8.4 item 1).
    #[serde(default = "yes")]
    pub enabled: bool,
    /// Holds a license (R8.4 item 2).
    #[serde(default = "yes")]
    pub licensed: bool,
    /// Member of the environment's security group (R8.4 item 3).
    #[serde(default = "yes")]
    pub in_security_group: bool,
    /// An application user (service principal): exempt from license and group checks (R8.6).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub application_user: bool,
    /// Holds the Power Platform Administrator role: exempt from the group check (R8.4).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub power_platform_admin: bool,
    /// The user's manager, for the manager hierarchy (R6.1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub manager: Option<String>,
    /// The user's position, for the position hierarchy (R6.8).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub position: Option<String>,
}

pub(crate) fn yes() -> bool {
    true
}

/// Kind of team (R4.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum TeamKind {
    /// Owner team: owns records, holds roles.
    #[default]
    Owner,
    /// Access team: no roles, no ownership; reaches records only through shares (R4.2).
    Access,
    /// Microsoft Entra ID security group team: like an owner team, members from the group.
    EntraSecurityGroup,
    /// Microsoft Entra ID Office (Microsoft 365) group team.
    EntraOfficeGroup,
}

impl TeamKind {
    /// Owner and group teams hold roles and own records; access teams do neither (R4.2).
    pub fn holds_roles(self) -> bool {
        !matches!(self, TeamKind::Access)
    }
    /// Group teams count for the "at least one role" gate (R8.4 item 4).
    pub fn is_group(self) -> bool {
        matches!(
            self,
            TeamKind::EntraSecurityGroup | TeamKind::EntraOfficeGroup
        )
    }
}

/// One team.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct TeamDef {
    /// Unique id.
    pub id: String,
    /// The team's business unit (R3.4).
    pub business_unit: String,
    /// Kind of team.
    #[serde(default)]
    pub kind: TeamKind,
    /// Member users (for group teams: the resolved group membership).
    #[serde(default)]
    pub members: Vec<String>,
    /// The team administrator (R4.11).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub administrator: Option<String>,
}

/// A user or team, by id.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum PrincipalRef {
    /// A user id.
    User(String),
    /// A team id.
    Team(String),
}

/// A role given to a principal in a business unit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct RoleAssignmentDef {
    /// Who holds the role.
    pub principal: PrincipalRef,
    /// The role id.
    pub role: String,
    /// The business unit the role is assigned in; absent means the principal's own unit.
    /// Another unit is allowed only in matrix mode (R3.5, R3.6).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub business_unit: Option<String>,
}

/// One record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct RecordDef {
    /// Unique id.
    pub id: String,
    /// The table id.
    pub table: String,
    /// The owner; required for user- or team-owned tables, absent for organization-owned ones.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<PrincipalRef>,
    /// The owning business unit; absent means the owner's unit. Another unit is allowed only in
    /// matrix mode (R2.7, R3.7).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owning_business_unit: Option<String>,
    /// Status: active (for "Cascade Active" shares, R5.8). Default `true`.
    #[serde(default = "yes")]
    pub active: bool,
    /// Parent records through relationships (R5.8).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub parents: Vec<ParentLink>,
}

/// Who a record is shared with (R5.1).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum ShareTarget {
    /// A user id.
    User(String),
    /// A team id (owner, group or access team).
    Team(String),
    /// Everyone in the organization.
    Organization,
}

/// One share of a record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct ShareDef {
    /// The shared record id.
    pub record: String,
    /// Who it is shared with.
    pub with: ShareTarget,
    /// Access rights granted; Create is not a right on a record.
    pub rights: Privilege,
}
