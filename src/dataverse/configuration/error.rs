//! Errors of building a Dataverse model.

use std::fmt;

use crate::core::{AccessLevel, Privilege};

/// The kinds of entity a Dataverse model names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum EntityKind {
    /// A business unit.
    BusinessUnit,
    /// A table.
    Table,
    /// A security role.
    Role,
    /// A user.
    User,
    /// A team.
    Team,
    /// A record.
    Record,
    /// A relationship.
    Relationship,
    /// A position.
    Position,
    /// A column security profile.
    ColumnProfile,
    /// A secured column of a table.
    Column,
    /// An access-team template.
    AccessTeamTemplate,
}

impl fmt::Display for EntityKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            EntityKind::BusinessUnit => "business unit",
            EntityKind::Table => "table",
            EntityKind::Role => "role",
            EntityKind::User => "user",
            EntityKind::Team => "team",
            EntityKind::AccessTeamTemplate => "access team template",
            EntityKind::Record => "record",
            EntityKind::Relationship => "relationship",
            EntityKind::Position => "position",
            EntityKind::ColumnProfile => "column security profile",
            EntityKind::Column => "secured column",
        })
    }
}

/// Why a Dataverse model cannot be built. Each variant names the offending ids.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ModelError {
    /// An id is the empty string.
    #[error("a {kind} has an empty id")]
    EmptyId {
        /// What kind of entity.
        kind: EntityKind,
    },
    /// Two entities of one kind share an id.
    #[error("{kind} `{id}` is defined twice")]
    DuplicateId {
        /// What kind of entity.
        kind: EntityKind,
        /// The repeated id.
        id: String,
    },
    /// A role names a miscellaneous privilege with an empty name.
    #[error("role `{role}` names a miscellaneous privilege with an empty name")]
    EmptyMiscPrivilege {
        /// The role id.
        role: String,
    },
    /// A role names one miscellaneous privilege twice (names are compared lowercased).
    #[error("role `{role}` names miscellaneous privilege `{privilege}` twice (names are compared lowercased)")]
    DuplicateMiscPrivilege {
        /// The role id.
        role: String,
        /// The second name, as written.
        privilege: String,
    },
    /// An access-team template on a table whose records cannot be shared, or with rights that
    /// are empty, include Create or do not apply to the table (R4.9, R5.1).
    #[error("access team template `{template}` gives rights `{rights}` on table `{table}`: a template needs a user- or team-owned table and non-empty rights of that table, without Create")]
    BadTemplate {
        /// The template id.
        template: String,
        /// The table id.
        table: String,
        /// The rights given.
        rights: Privilege,
    },
    /// More access-team templates on one table than the option allows (R4.9).
    #[error("table `{table}` has more than {limit} access team templates (`access_team_templates_per_table`)")]
    TooManyTemplates {
        /// The table id.
        table: String,
        /// The bound.
        limit: usize,
    },
    /// A reference to an id that is not defined.
    #[error("{referrer} names {kind} `{id}`, which does not exist")]
    UnknownReference {
        /// What the missing id should have been.
        kind: EntityKind,
        /// The missing id.
        id: String,
        /// Who refers to it, for example ``user `alice` ``.
        referrer: String,
    },
    /// More entities than a compiled snapshot can index.
    #[error("too many {kind} entries: {count}, the limit is {limit}")]
    TooMany {
        /// What kind of entity.
        kind: EntityKind,
        /// How many were given.
        count: usize,
        /// The most a snapshot can hold.
        limit: usize,
    },
    /// No business unit is the root.
    #[error("no business unit is the root: exactly one must have no parent")]
    NoRootBusinessUnit,
    /// Two business units have no parent.
    #[error(
        "business units `{first}` and `{second}` both have no parent: exactly one root is allowed"
    )]
    MultipleRootBusinessUnits {
        /// The first root found.
        first: String,
        /// The second root found.
        second: String,
    },
    /// Business units whose parents form a cycle.
    #[error(
        "business unit `{id}` is its own ancestor: parents form the cycle {}",
        cycle_text(.cycle)
    )]
    BusinessUnitCycle {
        /// The unit the cycle is named from: the first of the cycle in document order.
        id: String,
        /// The units of the cycle, each the parent of the one before, starting with `id`; the
        /// last one's parent is `id` again.
        cycle: Vec<String>,
    },
    /// A role gives a User, Business Unit or Parent: Child level on an organization-owned table.
    #[error("role `{role}` gives {privilege} at {level} level on organization-owned table `{table}`, which allows only None or Organization")]
    OrganizationTableLevel {
        /// The role id.
        role: String,
        /// The table id.
        table: String,
        /// The privilege.
        privilege: Privilege,
        /// The level given.
        level: AccessLevel,
    },
    /// A role gives a level for a privilege the table does not have.
    #[error(
        "role `{role}` gives {privilege} on table `{table}`, where that privilege does not apply"
    )]
    PrivilegeDoesNotApply {
        /// The role id.
        role: String,
        /// The table id.
        table: String,
        /// The privilege.
        privilege: Privilege,
    },
    /// A role's privilege key names no privilege.
    #[error("role `{role}` has an empty privilege key on table `{table}`")]
    EmptyPrivilegeKey {
        /// The role id.
        role: String,
        /// The table id.
        table: String,
    },
    /// In classic mode a role was assigned in a business unit other than the principal's.
    #[error("role `{role}` is assigned to {principal} in business unit `{business_unit}`, but {principal} is in `{own}`; assigning in another unit needs matrix mode")]
    AssignmentOutsideOwnBusinessUnit {
        /// The principal, for example ``user `alice` ``.
        principal: String,
        /// The role id.
        role: String,
        /// The unit named by the assignment.
        business_unit: String,
        /// The principal's own unit.
        own: String,
    },
    /// A role was assigned to an access team, which cannot hold roles (R4.2).
    #[error("role `{role}` is assigned to access team `{team}`; access teams hold no roles")]
    RoleOnAccessTeam {
        /// The team id.
        team: String,
        /// The role id.
        role: String,
    },
    /// A record of a user- or team-owned table has no owner.
    #[error("record `{record}` of table `{table}` has no owner; the table is user- or team-owned")]
    MissingOwner {
        /// The record id.
        record: String,
        /// The table id.
        table: String,
    },
    /// A record of an organization-owned table names an owner or owning unit.
    #[error("record `{record}` of organization-owned table `{table}` names an owner or owning business unit")]
    OwnerOnOrganizationTable {
        /// The record id.
        record: String,
        /// The table id.
        table: String,
    },
    /// A record is owned by an access team (R4.2).
    #[error("record `{record}` is owned by access team `{team}`; access teams cannot own records")]
    OwnedByAccessTeam {
        /// The record id.
        record: String,
        /// The team id.
        team: String,
    },
    /// In classic mode a record's owning unit differs from its owner's unit (R2.7).
    #[error("record `{record}` names owning business unit `{owning}`, but its owner is in `{owner_unit}`; a different owning unit needs matrix mode")]
    OwningBusinessUnitMismatch {
        /// The record id.
        record: String,
        /// The owning unit given.
        owning: String,
        /// The owner's unit.
        owner_unit: String,
    },
    /// A share of a record of an organization-owned table (R1.9).
    #[error("record `{record}` is shared, but organization-owned records cannot be shared")]
    ShareOfOrganizationRecord {
        /// The record id.
        record: String,
    },
    /// A share grants no rights, or grants Create, which is not a right on a record.
    #[error(
        "share of record `{record}` grants `{rights}`; rights must be non-empty and exclude Create"
    )]
    BadShareRights {
        /// The record id.
        record: String,
        /// The rights given.
        rights: Privilege,
    },
    /// An organization-owned table lists Assign or Share as applicable (R1.9).
    #[error("organization-owned table `{table}` lists {privileges}; Assign and Share do not apply to organization-owned tables")]
    OrganizationTableAssignOrShare {
        /// The table id.
        table: String,
        /// The offending privileges.
        privileges: Privilege,
    },
    /// A record names a parent through a relationship whose tables do not match.
    #[error("record `{record}` of table `{table}` names parent `{parent}` through relationship `{relationship}`, which links {links}")]
    RelationshipTableMismatch {
        /// The child record id.
        record: String,
        /// The child record's table.
        table: String,
        /// The parent record id.
        parent: String,
        /// The relationship id.
        relationship: String,
        /// The tables the relationship links, parent to child.
        links: String,
    },
    /// Users' managers, or positions' parents, form a cycle.
    #[error("{kind} `{id}` is above itself: the hierarchy forms a cycle")]
    HierarchyCycle {
        /// User (manager hierarchy) or position.
        kind: EntityKind,
        /// One id on the cycle.
        id: String,
    },
    /// A column permission or column share names a column that is not secured on the table.
    #[error(
        "{referrer} names column `{column}` of table `{table}`, which is not a secured column"
    )]
    ColumnNotSecured {
        /// Who names it.
        referrer: String,
        /// The table id.
        table: String,
        /// The column.
        column: String,
    },
    /// Hierarchy security options that cannot hold together.
    #[error("hierarchy security: {0}")]
    BadHierarchyOptions(&'static str),
    /// The model passes one of the [`BuildLimits`](crate::BuildLimits).
    #[error("too large: {count} {what}, the build limit is {limit}")]
    TooLarge {
        /// What was counted: the name of the limit (`roles`, `role_cells`, `derived_entries`…).
        what: &'static str,
        /// How many the model has (or would derive).
        count: usize,
        /// The limit in force.
        limit: usize,
    },
    /// One team has more members than [`BuildLimits::members_per_team`](crate::BuildLimits).
    #[error("team `{team}` has {count} members, the build limit is {limit}")]
    TeamTooLarge {
        /// The team id.
        team: String,
        /// How many members it lists.
        count: usize,
        /// The limit in force.
        limit: usize,
    },
    /// A name that is not in canonical form: lowercase, no surrounding whitespace, no control
    /// character, no `.` (tables and columns are Dataverse logical names).
    #[error("{kind} `{name}` is not a canonical logical name: {problem}")]
    NonCanonicalName {
        /// A table or a secured column.
        kind: EntityKind,
        /// The name as given (a column as `table.column`).
        name: String,
        /// What is wrong with it.
        problem: &'static str,
    },
    /// One role gives a level twice for the same privilege on the same table (for example
    /// under the keys `"Read"` and `"Read | Write"`).
    #[error("role `{role}` gives {privilege} on table `{table}` twice")]
    PrivilegeGivenTwice {
        /// The role id.
        role: String,
        /// The table id.
        table: String,
        /// The privilege given twice.
        privilege: Privilege,
    },
}

/// A cycle as `` `a` → `b` → `a` ``.
fn cycle_text(cycle: &[String]) -> String {
    let mut out: Vec<String> = cycle.iter().map(|id| format!("`{id}`")).collect();
    if let Some(first) = out.first().cloned() {
        out.push(first);
    }
    out.join(" → ")
}

impl From<crate::limits::Exceeded> for ModelError {
    fn from(e: crate::limits::Exceeded) -> Self {
        ModelError::TooLarge {
            what: e.what,
            count: e.count,
            limit: e.limit,
        }
    }
}
