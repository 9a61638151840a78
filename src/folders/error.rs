//! Errors of building a folder model.

use std::fmt;

/// The kinds of entity a folder model names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum FolderEntity {
    /// A folder.
    Folder,
    /// A flow.
    Flow,
    /// A user.
    User,
    /// A group.
    Group,
}

impl fmt::Display for FolderEntity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            FolderEntity::Folder => "folder",
            FolderEntity::Flow => "flow",
            FolderEntity::User => "user",
            FolderEntity::Group => "group",
        })
    }
}

/// Why a folder model cannot be built. Each variant names the offending ids.
///
/// ```
/// use accessgate::folders::*;
///
/// let mut model = FolderModel::default();
/// model.folders.push(FolderDef::child("eu", "sales"));
/// assert_eq!(
///     model.build().unwrap_err().to_string(),
///     "folder `eu` names parent `sales`, which does not exist"
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum FolderModelError {
    /// An id is the empty string.
    #[error("a {kind} has an empty id")]
    EmptyId {
        /// What kind of entity.
        kind: FolderEntity,
    },
    /// Two entities of one kind share an id.
    #[error("{kind} `{id}` is defined twice")]
    DuplicateId {
        /// What kind of entity.
        kind: FolderEntity,
        /// The repeated id.
        id: String,
    },
    /// More entities than a compiled snapshot can index.
    #[error("too many {kind} entries: {count}, the limit is {limit}")]
    TooMany {
        /// What kind of entity.
        kind: FolderEntity,
        /// How many were given.
        count: usize,
        /// The most a snapshot can hold.
        limit: usize,
    },
    /// A folder names a parent that is not defined.
    #[error("folder `{folder}` names parent `{parent}`, which does not exist")]
    UnknownParent {
        /// The folder.
        folder: String,
        /// The missing parent.
        parent: String,
    },
    /// A folder names itself as its parent.
    #[error("folder `{folder}` names itself as parent")]
    SelfParent {
        /// The folder.
        folder: String,
    },
    /// Folders whose parents form a cycle, so they are not below any top-level folder.
    #[error("folder `{folder}` is its own ancestor: parents form a cycle")]
    FolderCycle {
        /// A folder on the cycle.
        folder: String,
    },
    /// A reference to an id that is not defined (other than a folder's parent).
    #[error("{referrer} names {kind} `{id}`, which does not exist")]
    UnknownReference {
        /// What the missing id should have been.
        kind: FolderEntity,
        /// The missing id.
        id: String,
        /// Who refers to it, for example ``flow `orders` ``.
        referrer: String,
    },
    /// An Entra ID user was given a personal user role (FO-R2).
    #[error(
        "entra user `{user}` has a personal role; entra users take their role from their groups"
    )]
    RoleOnEntraUser {
        /// The user id.
        user: String,
    },
    /// A local user was put in a group (FO-R14).
    #[error(
        "local user `{user}` is a member of group `{group}`; only entra users belong to groups"
    )]
    LocalUserInGroup {
        /// The user id.
        user: String,
        /// The group id.
        group: String,
    },
    /// A grant names neither a user nor a group, or both.
    #[error("a grant on folder `{folder}` must name exactly one of `user` and `group`")]
    GrantPrincipal {
        /// The folder id.
        folder: String,
    },
    /// An Entra user was assigned to a folder directly (FO-R14).
    #[error("entra user `{user}` is assigned to folder `{folder}` directly; entra users get folder roles through groups only")]
    GrantToEntraUser {
        /// The user id.
        user: String,
        /// The folder id.
        folder: String,
    },
    /// A System admin user or group was assigned to a folder (FO-R7).
    #[error("{principal} is System admin and is assigned to folder `{folder}`; only non-admin users and groups can be assigned to folders")]
    GrantToSystemAdmin {
        /// The principal, for example ``user `root` ``.
        principal: String,
        /// The folder id.
        folder: String,
    },
    /// The same user or group is assigned to one folder twice.
    #[error(
        "{principal} is assigned to folder `{folder}` twice; a principal holds one role per folder"
    )]
    DuplicateGrant {
        /// The principal, for example ``group `ops` ``.
        principal: String,
        /// The folder id.
        folder: String,
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

impl From<crate::limits::Exceeded> for FolderModelError {
    fn from(e: crate::limits::Exceeded) -> Self {
        FolderModelError::TooLarge {
            what: e.what,
            count: e.count,
            limit: e.limit,
        }
    }
}
