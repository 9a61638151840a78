//! Validating a [`FolderModel`] and compiling it into a [`FolderPolicy`].

use std::collections::HashSet;

use crate::core::id::{InternError, Interner};
use crate::core::tree::{Tree, TreeShapeError};
use crate::limits::BuildLimits;

use super::error::{FolderEntity, FolderModelError};
use super::model::{DisabledGroups, FolderModel, UserKind, UserRole};
use super::policy::{Csr, FlowInfo, FolderPolicy, GroupInfo, Names, StoredGrant, UserInfo};
use super::reason::RoleSource;
use super::GroupId;

/// The most entities of one kind a snapshot holds: indices are `u32`, the virtual root takes one
/// and `u32::MAX` is the tree's sentinel.
const LIMIT: usize = (u32::MAX - 2) as usize;

impl FolderModel {
    /// Validates the model and compiles it into an immutable, `Send + Sync` snapshot.
    ///
    /// The folders form a forest: any number of top-level folders, sub-folders at any depth.
    ///
    /// # Errors
    /// A [`FolderModelError`] naming the first offending id: an empty or duplicate id; a folder
    /// whose parent does not exist, is itself, or lies on a cycle; a flow, membership or grant
    /// naming an id that does not exist; a personal role on an Entra user (FO-R2); a local user
    /// in a group (FO-R14); a grant naming neither or both of user and group, a grant to an Entra
    /// user (FO-R14) or to a System admin user or group (FO-R7), or the same principal assigned
    /// to one folder twice.
    ///
    /// ```
    /// use accessgate::folders::*;
    ///
    /// let mut model = FolderModel::default();
    /// model.folders.push(FolderDef::child("a", "b"));
    /// model.folders.push(FolderDef::child("b", "a"));
    /// assert!(matches!(model.build(), Err(FolderModelError::FolderCycle { .. })));
    /// ```
    pub fn build(&self) -> Result<FolderPolicy, FolderModelError> {
        self.build_with_limits(&BuildLimits::default())
    }

    /// [`build`](Self::build) with explicit [`BuildLimits`]: folders, flows, users, groups
    /// (`teams`), grants (`shares`), users' group lists (`memberships`) and the depth of the
    /// folder tree.
    ///
    /// # Errors
    /// As [`build`](Self::build), or [`FolderModelError::TooLarge`] for the first limit passed.
    pub fn build_with_limits(
        &self,
        limits: &BuildLimits,
    ) -> Result<FolderPolicy, FolderModelError> {
        BuildLimits::check("folders", self.folders.len(), limits.folders)?;
        BuildLimits::check("flows", self.flows.len(), limits.flows)?;
        BuildLimits::check("users", self.users.len(), limits.users)?;
        BuildLimits::check("teams", self.groups.len(), limits.teams)?;
        BuildLimits::check("shares", self.grants.len(), limits.shares)?;
        let lists = self
            .users
            .iter()
            .map(|u| u.groups.len())
            .fold(0, usize::saturating_add);
        BuildLimits::check("memberships", lists, limits.memberships)?;
        compile(self, limits)
    }
}

fn intern<'a>(
    kind: FolderEntity,
    ids: impl ExactSizeIterator<Item = &'a str>,
) -> Result<Interner, FolderModelError> {
    // One index fewer than other snapshots: the folder tree adds a virtual root.
    let too_many = |count| FolderModelError::TooMany {
        kind,
        count,
        limit: LIMIT,
    };
    if ids.len() > LIMIT {
        return Err(too_many(ids.len()));
    }
    Interner::from_ids(ids).map_err(|e| match e {
        InternError::Empty => FolderModelError::EmptyId { kind },
        InternError::Duplicate(id) => FolderModelError::DuplicateId {
            kind,
            id: id.into(),
        },
        InternError::TooMany(count) => too_many(count),
    })
}

fn lookup(
    names: &Interner,
    kind: FolderEntity,
    id: &str,
    referrer: impl FnOnce() -> String,
) -> Result<u32, FolderModelError> {
    names
        .get(id)
        .ok_or_else(|| FolderModelError::UnknownReference {
            kind,
            id: id.into(),
            referrer: referrer(),
        })
}

fn compile(m: &FolderModel, limits: &BuildLimits) -> Result<FolderPolicy, FolderModelError> {
    let names = Names {
        folders: intern(
            FolderEntity::Folder,
            m.folders.iter().map(|f| f.id.as_str()),
        )?,
        flows: intern(FolderEntity::Flow, m.flows.iter().map(|f| f.id.as_str()))?,
        users: intern(FolderEntity::User, m.users.iter().map(|u| u.id.as_str()))?,
        groups: intern(FolderEntity::Group, m.groups.iter().map(|g| g.id.as_str()))?,
    };

    // Folder hierarchy: a forest under a virtual root at index n.
    // INVARIANT: n <= LIMIT, so n and n + 1 fit in u32 below the tree's sentinel.
    let root = m.folders.len() as u32;
    let mut parents = Vec::with_capacity(m.folders.len() + 1);
    for (i, folder) in m.folders.iter().enumerate() {
        parents.push(Some(match &folder.parent {
            None => root,
            Some(p) => {
                let parent =
                    names
                        .folders
                        .get(p)
                        .ok_or_else(|| FolderModelError::UnknownParent {
                            folder: folder.id.clone(),
                            parent: p.clone(),
                        })?;
                if parent as usize == i {
                    return Err(FolderModelError::SelfParent {
                        folder: folder.id.clone(),
                    });
                }
                parent
            }
        }));
    }
    parents.push(None);
    let folder_name = |i: u32| names.folders.name(i).to_owned();
    let tree = Tree::build(&parents).map_err(|e| match e {
        TreeShapeError::Cycle { node } => FolderModelError::FolderCycle {
            folder: folder_name(node),
        },
        TreeShapeError::SelfParent { node } => FolderModelError::SelfParent {
            folder: folder_name(node),
        },
        // Unreachable: exactly one node, the virtual root, has no parent. Reported as a cycle
        // of the first folder rather than a panic.
        TreeShapeError::NoRoot | TreeShapeError::MultipleRoots { .. } => {
            FolderModelError::FolderCycle {
                folder: folder_name(0),
            }
        }
    })?;
    // Depth below the virtual root: a top-level folder is at depth 1.
    let deepest = (0..root).map(|f| tree.depth(f)).max().unwrap_or(1);
    BuildLimits::check(
        "levels of folders",
        deepest.saturating_sub(1) as usize,
        limits.depth,
    )?;

    // Flows.
    let mut flows = Vec::with_capacity(m.flows.len());
    for flow in &m.flows {
        let folder = lookup(&names.folders, FolderEntity::Folder, &flow.folder, || {
            format!("flow `{}`", flow.id)
        })?;
        flows.push(FlowInfo {
            folder,
            show_resubmit_resume: flow.show_resubmit_resume,
        });
    }

    // Groups.
    let groups: Vec<GroupInfo> = m
        .groups
        .iter()
        .map(|g| GroupInfo {
            enabled: g.enabled,
            role: g.role,
        })
        .collect();

    // Users, their groups, and their user role (FO-R2, FO-R4, FO-R12).
    let mut users = Vec::with_capacity(m.users.len());
    let mut membership = Vec::new();
    for (u, user) in m.users.iter().enumerate() {
        let mut seen = HashSet::new();
        let mut mine = Vec::new();
        for g in &user.groups {
            let group = lookup(&names.groups, FolderEntity::Group, g, || {
                format!("user `{}`", user.id)
            })?;
            if user.kind == UserKind::Local {
                return Err(FolderModelError::LocalUserInGroup {
                    user: user.id.clone(),
                    group: g.clone(),
                });
            }
            if seen.insert(group) {
                mine.push(group);
                membership.push((u as u32, group));
            }
        }
        let info = match user.kind {
            UserKind::Local => UserInfo {
                kind: UserKind::Local,
                role: Some((
                    user.role.unwrap_or(UserRole::NonAdmin),
                    RoleSource::Personal,
                )),
                sign_in_group: None,
            },
            UserKind::Entra => {
                if user.role.is_some() {
                    return Err(FolderModelError::RoleOnEntraUser {
                        user: user.id.clone(),
                    });
                }
                // A group counts for the user role and sign-in when enabled, or always under
                // `DisabledGroups::KeepUserRole`.
                let counts = |g: u32| {
                    groups.get(g as usize).is_some_and(|info| {
                        info.enabled || m.options.disabled_groups == DisabledGroups::KeepUserRole
                    })
                };
                let mut role: Option<(UserRole, RoleSource)> = None;
                for &g in &mine {
                    let group_role = m.groups.get(g as usize).and_then(|def| def.role);
                    if let (true, Some(r)) = (counts(g), group_role) {
                        if role.is_none_or(|(best, _)| r > best) {
                            role = Some((r, RoleSource::Group(GroupId(g))));
                        }
                    }
                }
                UserInfo {
                    kind: UserKind::Entra,
                    role,
                    sign_in_group: mine.iter().copied().find(|&g| counts(g)),
                }
            }
        };
        users.push(info);
    }

    // Grants (FO-R7, FO-R14).
    let mut user_grants = Vec::new();
    let mut group_grants = Vec::new();
    let mut assigned = HashSet::new();
    for grant in &m.grants {
        let principal = match (&grant.user, &grant.group) {
            (Some(user), None) => format!("user `{user}`"),
            (None, Some(group)) => format!("group `{group}`"),
            (None, None) | (Some(_), Some(_)) => {
                return Err(FolderModelError::GrantPrincipal {
                    folder: grant.folder.clone(),
                })
            }
        };
        let folder = lookup(&names.folders, FolderEntity::Folder, &grant.folder, || {
            format!("the grant to {principal}")
        })?;
        let stored = StoredGrant {
            folder,
            role: grant.role,
        };
        let referrer = || format!("a grant on folder `{}`", grant.folder);
        let system_admin = || FolderModelError::GrantToSystemAdmin {
            principal: principal.clone(),
            folder: grant.folder.clone(),
        };
        let duplicate = || FolderModelError::DuplicateGrant {
            principal: principal.clone(),
            folder: grant.folder.clone(),
        };
        match (&grant.user, &grant.group) {
            (Some(user), _) => {
                let u = lookup(&names.users, FolderEntity::User, user, referrer)?;
                let def = m.users.get(u as usize);
                if def.is_some_and(|d| d.kind == UserKind::Entra) {
                    return Err(FolderModelError::GrantToEntraUser {
                        user: user.clone(),
                        folder: grant.folder.clone(),
                    });
                }
                if def.is_some_and(|d| d.role == Some(UserRole::SystemAdmin)) {
                    return Err(system_admin());
                }
                if !assigned.insert((folder, false, u)) {
                    return Err(duplicate());
                }
                user_grants.push((u, stored));
            }
            (None, Some(group)) => {
                let g = lookup(&names.groups, FolderEntity::Group, group, referrer)?;
                if m.groups.get(g as usize).and_then(|d| d.role) == Some(UserRole::SystemAdmin) {
                    return Err(system_admin());
                }
                if !assigned.insert((folder, true, g)) {
                    return Err(duplicate());
                }
                group_grants.push((g, stored));
            }
            (None, None) => {
                return Err(FolderModelError::GrantPrincipal {
                    folder: grant.folder.clone(),
                })
            }
        }
    }

    Ok(FolderPolicy {
        options: m.options,
        tree,
        root,
        flows,
        user_groups: Csr::from_rows(users.len(), membership),
        user_grants: Csr::from_rows(users.len(), user_grants),
        group_grants: Csr::from_rows(groups.len(), group_grants),
        users,
        groups,
        names,
    })
}
