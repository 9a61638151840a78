//! Errors of building a flow model.

use std::fmt;

/// The kinds of entity a flow model names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum FlowEntity {
    /// A flow.
    Flow,
    /// An app user.
    User,
    /// A custom or system role.
    Role,
    /// An API key.
    Key,
}

impl fmt::Display for FlowEntity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            FlowEntity::Flow => "flow",
            FlowEntity::User => "user",
            FlowEntity::Role => "role",
            FlowEntity::Key => "key",
        })
    }
}

/// Why a [`FlowModel`](super::FlowModel) cannot be built. Each variant names the offending ids.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum FlowModelError {
    /// An id is the empty string.
    #[error("a {kind} has an empty id")]
    EmptyId {
        /// What kind of entity.
        kind: FlowEntity,
    },
    /// Two entities of one kind share an id.
    #[error("{kind} `{id}` is defined twice")]
    DuplicateId {
        /// What kind of entity.
        kind: FlowEntity,
        /// The repeated id.
        id: String,
    },
    /// A custom role has the name of a system role (FR-R5; either spelling of FR-R12).
    #[error("custom role `{role}` has the name of a system role; system roles exist without being listed")]
    ReservedRoleName {
        /// The role id.
        role: String,
    },
    /// A reference to an id that is not defined.
    #[error("{referrer} names {kind} `{id}`, which does not exist")]
    UnknownReference {
        /// What the missing id should have been.
        kind: FlowEntity,
        /// The missing id.
        id: String,
        /// Who refers to it, for example ``flow `invoice` ``.
        referrer: String,
    },
    /// One list or permission tab names the same user or role twice. The two spellings of the
    /// non-authenticated role are the same role (FR-R12).
    #[error("{referrer} names {kind} `{id}` twice")]
    DuplicateReference {
        /// What kind of entity.
        kind: FlowEntity,
        /// The id as written the second time.
        id: String,
        /// Who lists it, for example ``flow `invoice` ``.
        referrer: String,
    },
    /// A user lists a system role, which the platform assigns per request (FR-R6 … FR-R10).
    #[error("user `{user}` lists system role `{role}`; system roles are assigned per request, list only custom roles")]
    SystemRoleOnUser {
        /// The user id.
        user: String,
        /// The system role as written.
        role: String,
    },
    /// More entities than a compiled snapshot can index.
    #[error("too many {kind} entries: {count}, the limit is {limit}")]
    TooMany {
        /// What kind of entity.
        kind: FlowEntity,
        /// How many were given.
        count: usize,
        /// The most a snapshot can hold.
        limit: usize,
    },
    /// The model passes one of the [`BuildLimits`](crate::BuildLimits).
    #[error("too large: {count} {what}, the build limit is {limit}")]
    TooLarge {
        /// What was counted: the name of the limit (`flows`, `users`, `role_cells`…).
        what: &'static str,
        /// How many the model has.
        count: usize,
        /// The limit in force.
        limit: usize,
    },
}

impl From<crate::limits::Exceeded> for FlowModelError {
    fn from(e: crate::limits::Exceeded) -> Self {
        FlowModelError::TooLarge {
            what: e.what,
            count: e.count,
            limit: e.limit,
        }
    }
}
