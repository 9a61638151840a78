//! Dataverse-style record security: business units, security roles, teams and shares.
//!
//! The rules follow `dataverse.md` (rule ids R1–R10 in the docs below). A [`DataverseModel`] is
//! a plain document; [`DataverseModel::build`] validates it and compiles a [`DataversePolicy`];
//! [`DataversePolicy::check`] answers one record question with a [`RecordReason`].
//!
//! # What a decision reads
//!
//! * A user's *grants*: every role held directly or through an owner or group team, with the
//!   business unit its levels count from (R3.6, R4.5). They are kept as a list, not collapsed
//!   into one level per privilege, because a team grant acts as the team (R9.4).
//! * The record's owner and owning business unit, and the business-unit tree as pre-order
//!   intervals, so "is unit X below unit Y" is two comparisons.
//! * The record's shares (R5).

mod action;
mod batch;
mod columns;
mod compile;
mod create;
mod delta;
mod diff;
mod effective;
mod error;
mod evaluate;
mod hierarchy;
mod limits;
mod lint;
mod lookalike;
mod model;
mod names;
mod policy;
mod reason;
mod records;
mod request;
mod role_cells;
mod stats;
mod walk;

pub use action::{Action, ActionReason, Check, DESKTOP_FLOW_REQUIREMENTS};
pub use batch::{
    AccessFilter, RecordRequest, RecordRow, Scope, SqlValue, SqlWhere, RECORDS_SCHEMA,
};
pub use columns::{ColumnAccess, ColumnId, ColumnProfileId, ColumnReason};
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
pub use model::*;
pub use policy::{
    Admission, BusinessUnitId, Configuration, DataversePolicy, PrincipalId, RecordId,
    RelationshipId, RoleId, SharedWith, TableId, TeamId, UserId, Via,
};
pub use reason::{Path, RecordReason, RoleGrant};
pub use records::{
    NoShares, ParentFact, RecordFacts, RecordOwner, RecordStore, Records, ShareFact, ShareSource,
    StoreError, Transaction, RECORD_LIMIT,
};
pub use request::{
    AssignQuery, AssociateManyQuery, AssociateQuery, ColumnQuery, CreateColumnQuery, CreateQuery,
    DataverseRequest, DesktopFlowQuery, RecordFactsDoc, RecordQuery, RecordRef, ShareQuery,
};
pub use stats::MemoryUsage;
pub use walk::VISIT_LIMIT;
