//! Dataverse-style record security: business units, security roles, teams and shares.
//!
//! The rules follow `dataverse.md` (rule ids R1–R10 in the docs below). A [`DataverseModel`] is
//! a plain document; [`DataverseModel::build`] validates it and compiles a [`DataversePolicy`];
//! [`DataversePolicy::check`] answers one record question with a [`RecordReason`].
//!
//! # Names
//!
//! Ids match exactly: nothing is normalised, so no second spelling can reach what the first
//! one secures.
//!
//! * **Column names** are Dataverse logical names and must be canonical: lowercase, no
//!   whitespace, no control or invisible character, no `.`. A model with another column name
//!   does not build ([`ModelError::NonCanonicalName`]); a column request naming one (`SSN`,
//!   `ssn `, `account.ssn`) is denied as `unknown_column`
//!   ([`Reason::UnknownColumn`](crate::Reason::UnknownColumn)), never allowed as
//!   `column_not_secured`. A table that lists its columns ([`TableDef::columns`]) also denies
//!   a column it does not list as `unknown_column`; see [`DataversePolicy::is_known_column`].
//! * **Table ids** may be display names, so case and inner spaces are kept, but surrounding
//!   whitespace and control or invisible characters are refused in a model. A request naming
//!   a table under another spelling names an unknown table and is denied.
//! * **Privilege names** are a closed set of eight; every accepted spelling (`Read`, `read`,
//!   `Append To`, `append_to`) parses to one privilege, and two keys of one role's table entry
//!   naming the same privilege are an error ([`ModelError::PrivilegeGivenTwice`]; a repeated
//!   JSON key, `"Read"` twice or `"Read"` and `"read"`, fails to parse).
//! * Ids of one kind that differ only by case or invisible characters are legal but reported
//!   by the lint ([`LintCode::AG009`]).
//!
//! # Build limits
//!
//! [`DataverseModel::build`] refuses a model larger than [`BuildLimits::default`](crate::BuildLimits)
//! with [`ModelError::TooLarge`]; [`DataverseModel::build_with_limits`] takes other limits.
//! Role cells are stored only for the tables each role mentions, so memory follows what the
//! document says.
//!
//! # What a decision reads
//!
//! * A user's *grants*: every role held directly or through an owner or group team, with the
//!   business unit its levels count from (R3.6, R4.5). They are kept as a list, not collapsed
//!   into one level per privilege, because a team grant acts as the team (R9.4).
//! * The record's owner and owning business unit, and the business-unit tree as pre-order
//!   intervals, so "is unit X below unit Y" is two comparisons.
//! * The record's shares (R5).
//!
//! # Layout
//!
//! | folder | what it holds |
//! |---|---|
//! | `configuration/` | the model document, its compile step (with the column, hierarchy and miscellaneous-privilege indexes), configuration changes, limits, the snapshot |
//! | `records/` | record facts, the share source, the persistent record store |
//! | `evaluation/` | the decision, the share walk, the reasons, miscellaneous privileges |
//! | `actions/` | create, associate, assign, share: questions made of several checks |
//! | `admin/` | effective access, access diff, lint |
//! | `sql/` | list filters as SQL on the application's own tables (PostgreSQL, SQLite) |
//! | `batch` | many decisions at once and in-memory list filters |
//! | `request` | the Dataverse request types behind [`authorize`](crate::authorize) |
//! | `queries` | constructors of those request types |
//!
//! Configuration and records never read evaluation; evaluation reads both.

// Each folder is one part of the design; see its module docs.
mod actions;
mod admin;
mod batch;
pub(crate) mod configuration;
mod evaluation;
mod queries;
mod records;
mod request;
mod sql;

use actions::action;
use admin::{diff, effective, lint};
use configuration::{delta, error, model, policy, stats};
use evaluation::{columns, evaluate, hierarchy, misc, reason, walk};

pub use action::{Action, ActionReason, Check};
pub use actions::decide::DESKTOP_FLOW_REQUIREMENTS;
pub use batch::{AccessFilter, RecordRequest, Scope};
pub use columns::ColumnReason;
pub use configuration::access_teams::{AccessTeamTemplateDef, AccessTeamTemplateId};
pub use configuration::columns::{ColumnAccess, ColumnId, ColumnProfileId};
pub use configuration::misc::MiscPrivilegeId;
pub use delta::ConfigChange;
pub use diff::{access_diff, AccessDiff, Cause, CellChange, Change, RecordChange, UserDiff};
pub use effective::{
    ActsAs, CellAccess, EffectiveAccess, Grant, GrantVia, HeldRole, HierarchyRecord,
    PrivilegeReason, RecordAccess, RecordShare, ShareWith, SharedRecord, TableAccess, UserOnRecord,
};
pub use error::{EntityKind, ModelError};
pub use evaluate::BUSINESS_UNIT_TABLE;
pub use hierarchy::HierarchyPath;
pub use lint::{lint, Lint, LintCode, Severity};
pub use misc::MiscReason;
pub use model::*;
pub use policy::{
    Admission, BusinessUnitId, Configuration, DataversePolicy, PrincipalId, RecordId,
    RelationshipId, RoleId, SharedWith, TableId, TeamId, UserId, Via,
};
pub use reason::{Path, RecordReason, RoleGrant};
pub use records::{
    NoShares, ParentFact, RecordFacts, RecordOwner, RecordStore, Records, ShareFact, ShareSource,
    StoreError, Transaction, RECORD_LIMIT, TABLE_KEY_LIMIT,
};
pub use request::{
    AssignQuery, AssociateManyQuery, AssociateQuery, ColumnQuery, CreateColumnQuery, CreateQuery,
    DataverseRequest, DesktopFlowQuery, JoinAccessTeamQuery, MiscPrivilegeQuery, RecordFactsDoc,
    RecordQuery, RecordRef, ShareQuery,
};
pub use sql::{
    access_rights, Dialect, IdType, OwnerColumns, ParentColumn, PrincipalKinds, RecordTable,
    ShareTable, SqlFilter, SqlFilters, SqlMapping, SqlMappingError, SqlValue, MAX_PLACEHOLDERS,
};
pub use stats::MemoryUsage;
pub use walk::VISIT_LIMIT;
