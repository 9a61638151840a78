//! The compiled, immutable folder snapshot.

use crate::core::id::{dense_id, name_lookups, Interner};
use crate::core::tree::Tree;

use super::model::{FolderOptions, FolderRole, UserKind, UserRole};
use super::reason::RoleSource;

dense_id!(
    /// A folder of a compiled [`FolderPolicy`].
    FolderId
);
dense_id!(
    /// A flow of a compiled [`FolderPolicy`].
    FlowId
);
dense_id!(
    /// A user of a compiled [`FolderPolicy`].
    UserId
);
dense_id!(
    /// A group of a compiled [`FolderPolicy`].
    GroupId
);

/// The names behind every dense index.
#[derive(Debug, Clone)]
pub(crate) struct Names {
    pub(crate) folders: Interner,
    pub(crate) flows: Interner,
    pub(crate) users: Interner,
    pub(crate) groups: Interner,
}

pub(crate) use crate::core::csr::Csr;

#[derive(Debug, Clone, Copy)]
pub(crate) struct FlowInfo {
    pub(crate) folder: u32,
    pub(crate) show_resubmit_resume: bool,
}

#[derive(Debug, Clone, Copy)]
pub(crate) struct UserInfo {
    pub(crate) kind: UserKind,
    /// The user role and where it comes from (FO-R2, FO-R4, FO-R12), decided at build time.
    pub(crate) role: Option<(UserRole, RoleSource)>,
    /// For sign-in (FO-R3): the first group that counts, for an Entra user.
    pub(crate) sign_in_group: Option<u32>,
}

#[derive(Debug, Clone, Copy)]
pub(crate) struct GroupInfo {
    pub(crate) enabled: bool,
    /// The group's own user role, if one was assigned (FO-R7: a System admin group cannot be
    /// on a folder's permission list).
    pub(crate) role: Option<UserRole>,
}

/// A grant as stored: the folder and role.
#[derive(Debug, Clone, Copy)]
pub(crate) struct StoredGrant {
    pub(crate) folder: u32,
    pub(crate) role: FolderRole,
}

/// A compiled dashboard: immutable, `Send + Sync`, laid out for evaluation.
///
/// Built by [`FolderModel::build`](super::FolderModel::build). Entities are dense indices; the
/// folder hierarchy is a tree of pre-order intervals under a virtual root, so "is folder A at or
/// below folder B" is two comparisons. A decision hashes the request's names once, then reads
/// arrays and never allocates.
#[derive(Debug, Clone)]
pub struct FolderPolicy {
    pub(crate) options: FolderOptions,
    pub(crate) names: Names,
    /// Folders `0..n`, and the virtual root `n` holding the top-level folders.
    pub(crate) tree: Tree,
    /// The virtual root's index, which is also the number of folders.
    pub(crate) root: u32,
    pub(crate) flows: Vec<FlowInfo>,
    pub(crate) users: Vec<UserInfo>,
    pub(crate) groups: Vec<GroupInfo>,
    /// Each Entra user's groups, in model order, deduplicated.
    pub(crate) user_groups: Csr<u32>,
    /// Direct grants of each local user.
    pub(crate) user_grants: Csr<StoredGrant>,
    /// Grants of each group (kept for disabled groups too, FO-R12).
    pub(crate) group_grants: Csr<StoredGrant>,
}

impl FolderPolicy {
    name_lookups! {
        /// The id of the folder named `name`.
        folder_id, folder_name, folders, FolderId;
        /// The id of the flow named `name`.
        flow_id, flow_name, flows, FlowId;
        /// The id of the user named `name`.
        user_id, user_name, users, UserId;
        /// The id of the group named `name`.
        group_id, group_name, groups, GroupId;
    }

    /// The options the policy was built with.
    pub fn options(&self) -> &FolderOptions {
        &self.options
    }

    /// The index of the virtual root above the top-level folders.
    #[inline]
    pub(crate) fn virtual_root(&self) -> u32 {
        // INVARIANT: the compiler rejects more than u32::MAX - 2 folders.
        self.root
    }

    /// The folder holding a flow; `None` for an unknown id.
    pub fn flow_folder(&self, flow: FlowId) -> Option<FolderId> {
        self.flows.get(flow.index()).map(|f| FolderId(f.folder))
    }

    /// The parent of a folder; `None` for a top-level folder or an unknown id.
    pub fn folder_parent(&self, folder: FolderId) -> Option<FolderId> {
        self.tree
            .parent(folder.0)
            .filter(|&p| p != self.virtual_root())
            .map(FolderId)
    }

    /// Whether `folder` is `ancestor` or lies below it, in O(1). `false` for unknown ids.
    pub fn folder_within(&self, folder: FolderId, ancestor: FolderId) -> bool {
        ancestor.0 != self.virtual_root() && self.tree.contains(ancestor.0, folder.0)
    }

    /// The user role of a user (FO-R2, FO-R4, FO-R12), or `None` when the user has none (or the
    /// id is unknown).
    pub fn user_role(&self, user: UserId) -> Option<UserRole> {
        self.users
            .get(user.index())
            .and_then(|u| u.role)
            .map(|(r, _)| r)
    }

    /// Number of folders.
    pub fn folder_count(&self) -> usize {
        self.root as usize
    }

    /// Number of flows.
    pub fn flow_count(&self) -> usize {
        self.flows.len()
    }

    /// Number of users.
    pub fn user_count(&self) -> usize {
        self.users.len()
    }

    /// Distance of a folder from the virtual root (top-level folders are 1).
    #[inline]
    pub(crate) fn depth(&self, folder: u32) -> u32 {
        self.tree.depth(folder)
    }
}
