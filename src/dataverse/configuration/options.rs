//! The options of a Dataverse model: environment settings and the documented choice for each
//! open question of the reference (A1, A2, … of `docs/dataverse.md`), each with the
//! reference's default.

use serde::{Deserialize, Serialize};

use crate::core::AccessLevel;

/// Environment settings and the documented choices for open questions of the reference.
///
/// Each field names the ambiguity (A1, A2, …) of `dataverse.md` §14 it decides; the default is
/// the reference's default.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(default, deny_unknown_fields)]
#[non_exhaustive]
pub struct DataverseOptions {
    /// "Record ownership across business units" (matrix mode, R3.6). Off by default: a role is
    /// assigned in the principal's own business unit and records are owned in the owner's unit.
    pub matrix_mode: bool,
    /// The environment is restricted to a security group (R8.4 item 3); users must be members
    /// unless they are application users or Power Platform administrators.
    pub security_group_required: bool,
    /// A Power Apps per-app plan is allocated: every user counts as licensed (R8.4 item 2).
    pub per_app_plan_allocated: bool,
    /// A11: whether a role held only through an *owner* team satisfies the "at least one role"
    /// gate and makes a System Administrator. Default `false` (the literal reading of S9/S13:
    /// directly or through a group team).
    pub owner_team_roles_admit: bool,
    /// A1: where team roles at Business Unit or Parent: Child level are anchored.
    pub team_role_anchor: TeamRoleAnchor,
    /// A2 / A17: whether a share made to a *user* can be activated by a privilege the user holds
    /// only through a "team privileges only" team role. Default `false`.
    pub team_only_roles_activate_user_shares: bool,
    /// A9: a team's administrator counts as a member for records the team owns. Default `false`.
    pub team_administrator_owns: bool,
    /// A3: N:N association also needs Append To on both records (CRM 4.0 reading). Default
    /// `false`: Append on both (current docs, R1.5).
    pub many_to_many_requires_append_to: bool,
    /// A4: a sharer must hold every right they grant on the record. Default `false`: Share and
    /// Read suffice (R1.8).
    pub sharer_must_hold_rights: bool,
    /// A5: in matrix mode, ownership reaches a record only through a role assigned in the record's
    /// owning unit (the preview-era reading). Default `false`: any role with the privilege (S3).
    pub ownership_needs_role_in_owning_unit: bool,
    /// A8: the SDK's access-right dependencies: Assign also needs Write and Read, and a 1:N
    /// association also needs Write on the record being changed. Default `true`.
    pub strict_dependencies: bool,
    /// A14: a record's owner may share it without the Share privilege. Default `false`: the
    /// privilege check always applies (R1.2).
    pub owner_shares_without_privilege: bool,
    /// A16: creating a record owned by someone else also needs Assign. Default `false`.
    pub create_for_other_requires_assign: bool,
    /// A20: column security profiles reach members of access teams too. Default `true` (every
    /// team the user is in).
    pub column_profiles_through_access_teams: bool,
    /// Hierarchy security (R6).
    pub hierarchy: HierarchyOptions,
    /// How many parent links a decision follows upwards to find shares cascading to a record
    /// (R5.8). Dataverse sets no bound; we do, so one decision costs a bounded walk. Default 16
    /// levels (and at most 256 ancestors); a decision that found nothing within the bound but
    /// could not look further denies as `cascade_limit`, not `outside_levels`.
    pub cascade_depth: u8,
    /// How many access-team templates one table may have (R4.9). Dataverse's default for
    /// `MaxAutoCreatedAccessTeamsPerEntity` is 2; an organisation that raised it raises this.
    pub access_team_templates_per_table: u8,
}

/// Hierarchy security settings (R6).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(default, deny_unknown_fields)]
#[non_exhaustive]
pub struct HierarchyOptions {
    /// Which hierarchy, if any (R6.1). Default off.
    pub model: HierarchyModel,
    /// How many levels down a manager reaches (R6.5). Default 3.
    pub depth: u8,
    /// A6: how many levels down a manager may also Write, Append and Append To; deeper levels
    /// are read-only. Default 1 (direct reports only).
    pub write_levels: u8,
    /// R6.3: in the manager model, a manager must be in the report's unit or its parent unit.
    /// Default `true`; may be turned off only in matrix mode, as in Dataverse.
    pub managers_must_be_in_same_or_parent_unit: bool,
    /// A13: whether "parent unit" means only the direct parent (default) or any ancestor.
    pub manager_unit_reach: ManagerUnitReach,
    /// R6.10: managers see records of disabled reports. Default `true` (environments enabled
    /// after 31 January 2024).
    pub include_disabled_reports: bool,
    /// A6b: the least level of the privilege a manager must hold. Default User (S5); the other
    /// reading (S1) is Business Unit.
    pub manager_minimum_level: AccessLevel,
    /// A18: managers reach records their reports hold through cascaded (inherited) shares.
    /// Default `true`.
    pub include_inherited_shares: bool,
}

impl Default for HierarchyOptions {
    fn default() -> Self {
        HierarchyOptions {
            model: HierarchyModel::Off,
            depth: 3,
            write_levels: 1,
            managers_must_be_in_same_or_parent_unit: true,
            manager_unit_reach: ManagerUnitReach::DirectParent,
            include_disabled_reports: true,
            manager_minimum_level: AccessLevel::User,
            include_inherited_shares: true,
        }
    }
}

/// The hierarchy security model (R6.1): only one is active at a time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum HierarchyModel {
    /// No hierarchy security.
    #[default]
    Off,
    /// The users' Manager lookup.
    Manager,
    /// Positions, one per user (crosses business units, R6.8).
    Position,
}

/// A13: which unit a manager may sit in, relative to the report's unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum ManagerUnitReach {
    /// The report's unit or its direct parent. Default.
    #[default]
    DirectParent,
    /// The report's unit or any unit above it.
    AnyAncestor,
}

impl Default for DataverseOptions {
    fn default() -> Self {
        DataverseOptions {
            matrix_mode: false,
            security_group_required: false,
            per_app_plan_allocated: false,
            owner_team_roles_admit: false,
            team_role_anchor: TeamRoleAnchor::TeamBusinessUnit,
            team_only_roles_activate_user_shares: false,
            team_administrator_owns: false,
            many_to_many_requires_append_to: false,
            sharer_must_hold_rights: false,
            ownership_needs_role_in_owning_unit: false,
            strict_dependencies: true,
            owner_shares_without_privilege: false,
            create_for_other_requires_assign: false,
            column_profiles_through_access_teams: true,
            hierarchy: HierarchyOptions::default(),
            cascade_depth: 16,
            access_team_templates_per_table: 2,
        }
    }
}

/// A1: the business unit a team role's Business Unit and Parent: Child levels count from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum TeamRoleAnchor {
    /// The team's business unit (or the unit the role was assigned in, in matrix mode). Default.
    #[default]
    TeamBusinessUnit,
    /// Also the member's own business unit: the other reading of S1's table.
    TeamAndMemberBusinessUnit,
}
