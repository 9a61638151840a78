//! Building a [`DataverseModel`] document in Rust: constructors and chainable methods.
//!
//! The document's structs are `#[non_exhaustive]`, so a new field (a new setting of Dataverse)
//! does not break code that builds them. Outside this crate they are made by the constructors
//! here, changed by the chainable methods (each returns the changed value), and read or assigned
//! field by field; a struct literal does not compile. Everything a JSON document can say, these
//! can say.
//!
//! ```
//! use accessgate::dataverse::*;
//! use accessgate::{AccessLevel, Privilege};
//!
//! let mut model = DataverseModel::default().with_options(DataverseOptions::default().with_matrix_mode(true));
//! model.business_units.push(BusinessUnitDef::root("contoso"));
//! model.business_units.push(BusinessUnitDef::child("sales", "contoso"));
//! model.tables.push(TableDef::user_owned("account").with_hierarchy_security(false));
//! model.roles.push(RoleDef::new("rep").grant("account", Privilege::READ, AccessLevel::User));
//! model.users.push(UserDef::new("alice", "sales"));
//! model.users.push(UserDef::new("bob", "sales").with_manager("alice").unlicensed());
//! model.teams.push(TeamDef::owner("deals", "sales", &[]).member("alice").with_administrator("alice"));
//! model.role_assignments.push(RoleAssignmentDef::team("deals", "rep").in_business_unit("contoso"));
//! model.records.push(RecordDef::owned_by_team("a1", "account", "deals"));
//! model.shares.push(ShareDef::new("a1", ShareTarget::User("bob".into()), Privilege::READ));
//! let policy = model.build()?;
//! assert_eq!(policy.user_count(), 2);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use indexmap::IndexMap;

use crate::core::setters::setters;
use crate::core::{AccessLevel, Privilege};

use super::model::{
    BusinessUnitDef, Cascade, ColumnPermissionDef, ColumnProfileDef, DataverseModel, FieldShareDef,
    ParentLink, PositionDef, PrincipalRef, RecordDef, RelationshipDef, RoleAssignmentDef, RoleDef,
    RoleInheritance, ShareDef, ShareTarget, TableDef, TableOwnership, TeamDef, TeamKind, UserDef,
};
use super::options::{
    DataverseOptions, HierarchyModel, HierarchyOptions, ManagerUnitReach, TeamRoleAnchor,
};

impl DataverseModel {
    /// The same model with `options`.
    #[must_use]
    pub fn with_options(mut self, options: DataverseOptions) -> Self {
        self.options = options;
        self
    }
}

setters!(DataverseOptions, "options" {
    with_matrix_mode => matrix_mode: bool,
    with_security_group_required => security_group_required: bool,
    with_per_app_plan_allocated => per_app_plan_allocated: bool,
    with_owner_team_roles_admit => owner_team_roles_admit: bool,
    with_team_role_anchor => team_role_anchor: TeamRoleAnchor,
    with_team_only_roles_activate_user_shares => team_only_roles_activate_user_shares: bool,
    with_team_administrator_owns => team_administrator_owns: bool,
    with_many_to_many_requires_append_to => many_to_many_requires_append_to: bool,
    with_sharer_must_hold_rights => sharer_must_hold_rights: bool,
    with_ownership_needs_role_in_owning_unit => ownership_needs_role_in_owning_unit: bool,
    with_strict_dependencies => strict_dependencies: bool,
    with_owner_shares_without_privilege => owner_shares_without_privilege: bool,
    with_create_for_other_requires_assign => create_for_other_requires_assign: bool,
    with_column_profiles_through_access_teams => column_profiles_through_access_teams: bool,
    with_hierarchy => hierarchy: HierarchyOptions,
    with_cascade_depth => cascade_depth: u8,
    with_access_team_templates_per_table => access_team_templates_per_table: u8,
});

setters!(HierarchyOptions, "hierarchy options" {
    with_model => model: HierarchyModel,
    with_depth => depth: u8,
    with_write_levels => write_levels: u8,
    with_managers_must_be_in_same_or_parent_unit => managers_must_be_in_same_or_parent_unit: bool,
    with_manager_unit_reach => manager_unit_reach: ManagerUnitReach,
    with_include_disabled_reports => include_disabled_reports: bool,
    with_manager_minimum_level => manager_minimum_level: AccessLevel,
    with_include_inherited_shares => include_inherited_shares: bool,
});

impl RelationshipDef {
    /// A relationship from `parent_table` (one) to `child_table` (many) whose shares cascade
    /// to every child ([`Cascade::All`]).
    pub fn new(id: &str, parent_table: &str, child_table: &str) -> Self {
        RelationshipDef {
            id: id.into(),
            parent_table: parent_table.into(),
            child_table: child_table.into(),
            cascade_share: Cascade::All,
        }
    }
    /// The same relationship with shares cascading as `cascade` says.
    #[must_use]
    pub fn with_cascade_share(mut self, cascade: Cascade) -> Self {
        self.cascade_share = cascade;
        self
    }
}

impl ParentLink {
    /// A link to parent record `record` through relationship `relationship`.
    pub fn new(relationship: &str, record: &str) -> Self {
        ParentLink {
            relationship: relationship.into(),
            record: record.into(),
        }
    }
}

impl PositionDef {
    /// A position at the top of the hierarchy.
    pub fn top(id: &str) -> Self {
        PositionDef {
            id: id.into(),
            parent: None,
        }
    }
    /// A position directly below `parent`.
    pub fn child(id: &str, parent: &str) -> Self {
        PositionDef {
            id: id.into(),
            parent: Some(parent.into()),
        }
    }
}

impl ColumnProfileDef {
    /// A profile with no members and no permissions.
    pub fn new(id: &str) -> Self {
        ColumnProfileDef {
            id: id.into(),
            members: Vec::new(),
            permissions: Vec::new(),
        }
    }
    /// The same profile assigned to one more user or team.
    #[must_use]
    pub fn member(mut self, member: PrincipalRef) -> Self {
        self.members.push(member);
        self
    }
    /// The same profile with one more column permission.
    #[must_use]
    pub fn permission(mut self, permission: ColumnPermissionDef) -> Self {
        self.permissions.push(permission);
        self
    }
}

impl ColumnPermissionDef {
    /// A permission on `column` of `table` that allows nothing yet.
    pub fn new(table: &str, column: &str) -> Self {
        ColumnPermissionDef {
            table: table.into(),
            column: column.into(),
            read: false,
            read_unmasked: None,
            create: false,
            update: false,
        }
    }
    /// The same permission, also allowing read (CanRead).
    #[must_use]
    pub fn allow_read(mut self) -> Self {
        self.read = true;
        self
    }
    /// The same permission with CanReadUnmasked set to `unmasked` (absent: like read).
    #[must_use]
    pub fn with_read_unmasked(mut self, unmasked: bool) -> Self {
        self.read_unmasked = Some(unmasked);
        self
    }
    /// The same permission, also allowing create (CanCreate).
    #[must_use]
    pub fn allow_create(mut self) -> Self {
        self.create = true;
        self
    }
    /// The same permission, also allowing update (CanUpdate).
    #[must_use]
    pub fn allow_update(mut self) -> Self {
        self.update = true;
        self
    }
}

impl FieldShareDef {
    /// A share of `column` of `record` with `with` that grants nothing yet.
    pub fn new(record: &str, column: &str, with: PrincipalRef) -> Self {
        FieldShareDef {
            record: record.into(),
            column: column.into(),
            with,
            read: false,
            update: false,
        }
    }
    /// The same share, also granting read (ReadAccess).
    #[must_use]
    pub fn allow_read(mut self) -> Self {
        self.read = true;
        self
    }
    /// The same share, also granting update (UpdateAccess).
    #[must_use]
    pub fn allow_update(mut self) -> Self {
        self.update = true;
        self
    }
}

impl BusinessUnitDef {
    /// The root unit.
    pub fn root(id: &str) -> Self {
        BusinessUnitDef {
            id: id.into(),
            parent: None,
        }
    }
    /// A unit below `parent`.
    pub fn child(id: &str, parent: &str) -> Self {
        BusinessUnitDef {
            id: id.into(),
            parent: Some(parent.into()),
        }
    }
}

impl TableDef {
    /// A user- or team-owned table with all eight privileges.
    pub fn user_owned(id: &str) -> Self {
        TableDef {
            id: id.into(),
            ownership: TableOwnership::UserOrTeam,
            privileges: None,
            hierarchy_security: true,
            secured_columns: Vec::new(),
            columns: None,
        }
    }
    /// An organization-owned table.
    pub fn organization_owned(id: &str) -> Self {
        TableDef {
            ownership: TableOwnership::Organization,
            ..TableDef::user_owned(id)
        }
    }
    /// The same table with only `privileges` applying to it (R1.9).
    #[must_use]
    pub fn with_privileges(mut self, privileges: Privilege) -> Self {
        self.privileges = Some(privileges);
        self
    }
    /// The same table with hierarchy security on or off (R6.2).
    #[must_use]
    pub fn with_hierarchy_security(mut self, on: bool) -> Self {
        self.hierarchy_security = on;
        self
    }
    /// The same table with `columns` secured by column-level security (R7.1).
    #[must_use]
    pub fn with_secured_columns(mut self, columns: &[&str]) -> Self {
        self.secured_columns
            .extend(columns.iter().map(|c| (*c).to_owned()));
        self
    }
    /// The same table declaring its other (unsecured) columns: a column request for a column
    /// in neither list then denies as `unknown_column`.
    #[must_use]
    pub fn with_columns(mut self, columns: &[&str]) -> Self {
        self.columns
            .get_or_insert_with(Vec::new)
            .extend(columns.iter().map(|c| (*c).to_owned()));
        self
    }
}

impl RoleDef {
    /// A role with no privileges and `direct_user_basic_and_team` inheritance.
    pub fn new(id: &str) -> Self {
        RoleDef {
            id: id.into(),
            inheritance: RoleInheritance::DirectUserBasicAndTeam,
            system_administrator: false,
            privileges: IndexMap::new(),
            misc_privileges: IndexMap::new(),
        }
    }
    /// Gives `privileges` on `table` at `level`.
    #[must_use]
    pub fn grant(mut self, table: &str, privileges: Privilege, level: AccessLevel) -> Self {
        self.privileges
            .entry(table.into())
            .or_default()
            .insert(privileges, level);
        self
    }
    /// Gives the miscellaneous privilege `name` (`prvExportToExcel`, …) at `level`.
    #[must_use]
    pub fn grant_misc(mut self, name: &str, level: AccessLevel) -> Self {
        self.misc_privileges.insert(name.into(), level);
        self
    }
    /// The same role with member's privilege inheritance `inheritance` (R4.4).
    #[must_use]
    pub fn with_inheritance(mut self, inheritance: RoleInheritance) -> Self {
        self.inheritance = inheritance;
        self
    }
    /// The same role as the System Administrator role (R8.1).
    #[must_use]
    pub fn as_system_administrator(mut self) -> Self {
        self.system_administrator = true;
        self
    }
}

impl UserDef {
    /// An enabled, licensed user in `business_unit`.
    pub fn new(id: &str, business_unit: &str) -> Self {
        UserDef {
            id: id.into(),
            business_unit: business_unit.into(),
            enabled: true,
            licensed: true,
            in_security_group: true,
            application_user: false,
            power_platform_admin: false,
            manager: None,
            position: None,
        }
    }
    /// The same user, disabled (R8.4 item 1).
    #[must_use]
    pub fn disabled(mut self) -> Self {
        self.enabled = false;
        self
    }
    /// The same user without a license (R8.4 item 2).
    #[must_use]
    pub fn unlicensed(mut self) -> Self {
        self.licensed = false;
        self
    }
    /// The same user outside the environment's security group (R8.4 item 3).
    #[must_use]
    pub fn outside_security_group(mut self) -> Self {
        self.in_security_group = false;
        self
    }
    /// The same user as an application user (R8.6).
    #[must_use]
    pub fn as_application_user(mut self) -> Self {
        self.application_user = true;
        self
    }
    /// The same user holding the Power Platform Administrator role (R8.4).
    #[must_use]
    pub fn as_power_platform_admin(mut self) -> Self {
        self.power_platform_admin = true;
        self
    }
    /// The same user managed by `manager` (R6.1).
    #[must_use]
    pub fn with_manager(mut self, manager: &str) -> Self {
        self.manager = Some(manager.into());
        self
    }
    /// The same user in position `position` (R6.8).
    #[must_use]
    pub fn with_position(mut self, position: &str) -> Self {
        self.position = Some(position.into());
        self
    }
}

impl TeamDef {
    /// A team of kind `kind` in `business_unit`, with no members yet.
    pub fn new(id: &str, business_unit: &str, kind: TeamKind) -> Self {
        TeamDef {
            id: id.into(),
            business_unit: business_unit.into(),
            kind,
            members: Vec::new(),
            administrator: None,
        }
    }
    /// An owner team in `business_unit` with `members`.
    pub fn owner(id: &str, business_unit: &str, members: &[&str]) -> Self {
        TeamDef::new(id, business_unit, TeamKind::Owner).with_members(members)
    }
    /// An access team in `business_unit` with `members` (R4.2).
    pub fn access(id: &str, business_unit: &str, members: &[&str]) -> Self {
        TeamDef::new(id, business_unit, TeamKind::Access).with_members(members)
    }
    /// The same team with one more member.
    #[must_use]
    pub fn member(mut self, user: &str) -> Self {
        self.members.push(user.into());
        self
    }
    /// The same team with more members.
    #[must_use]
    pub fn with_members(mut self, users: &[&str]) -> Self {
        self.members.extend(users.iter().map(|m| (*m).to_owned()));
        self
    }
    /// The same team administered by `user` (R4.11).
    #[must_use]
    pub fn with_administrator(mut self, user: &str) -> Self {
        self.administrator = Some(user.into());
        self
    }
}

impl RoleAssignmentDef {
    /// `role` assigned to `principal` in the principal's business unit.
    pub fn new(principal: PrincipalRef, role: &str) -> Self {
        RoleAssignmentDef {
            principal,
            role: role.into(),
            business_unit: None,
        }
    }
    /// `role` assigned to user `user` in the user's business unit.
    pub fn user(user: &str, role: &str) -> Self {
        RoleAssignmentDef::new(PrincipalRef::User(user.into()), role)
    }
    /// `role` assigned to team `team` in the team's business unit.
    pub fn team(team: &str, role: &str) -> Self {
        RoleAssignmentDef::new(PrincipalRef::Team(team.into()), role)
    }
    /// The same assignment made in `business_unit` (matrix mode).
    #[must_use]
    pub fn in_business_unit(mut self, business_unit: &str) -> Self {
        self.business_unit = Some(business_unit.into());
        self
    }
}

impl RecordDef {
    /// An active record of `table` owned by `owner` (`None` on an organization-owned table), in
    /// the owner's business unit, with no parents.
    pub fn new(id: &str, table: &str, owner: Option<PrincipalRef>) -> Self {
        RecordDef {
            id: id.into(),
            table: table.into(),
            owner,
            owning_business_unit: None,
            active: true,
            parents: Vec::new(),
        }
    }
    /// A record of `table` owned by user `owner`.
    pub fn owned_by_user(id: &str, table: &str, owner: &str) -> Self {
        RecordDef::new(id, table, Some(PrincipalRef::User(owner.into())))
    }
    /// A record of `table` owned by team `owner`.
    pub fn owned_by_team(id: &str, table: &str, owner: &str) -> Self {
        RecordDef::new(id, table, Some(PrincipalRef::Team(owner.into())))
    }
    /// A record of organization-owned `table`: no owner (R2.8).
    pub fn organization_owned(id: &str, table: &str) -> Self {
        RecordDef::new(id, table, None)
    }
    /// The same record owned in `business_unit` rather than the owner's (matrix mode, R3.7).
    #[must_use]
    pub fn in_business_unit(mut self, business_unit: &str) -> Self {
        self.owning_business_unit = Some(business_unit.into());
        self
    }
    /// The same record, inactive (R5.8).
    #[must_use]
    pub fn inactive(mut self) -> Self {
        self.active = false;
        self
    }
    /// The same record with parent `record` through `relationship` (R5.8).
    #[must_use]
    pub fn with_parent(mut self, relationship: &str, record: &str) -> Self {
        self.parents.push(ParentLink::new(relationship, record));
        self
    }
}

impl ShareDef {
    /// A share of `record` with `with`, granting `rights` (R5.1).
    pub fn new(record: &str, with: ShareTarget, rights: Privilege) -> Self {
        ShareDef {
            record: record.into(),
            with,
            rights,
        }
    }
}
