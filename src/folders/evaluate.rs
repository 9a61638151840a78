//! Folder decisions over a compiled [`FolderPolicy`].

use super::model::{Combine, CreateFolder, FolderRole, Inheritance, UserKind, UserRole};
use super::policy::{FlowId, FolderId, FolderPolicy, GroupId, UserId, UserInfo};
use super::reason::{FolderReason, Grant, MemberId, RequestProblem, RoleSource, Via};
use super::request::{FolderAction, FolderMember, FolderRequest, RequestField, Target};

impl FolderPolicy {
    /// Decides whether the request's user may do its action on its flow, folder or page, with
    /// the reason.
    ///
    /// The order: the request's shape, the user, sign-in (FO-R3), the flow and folder ids, the
    /// user role (FO-R4), the flow's resubmit switch (FO-R11), System admin (FO-R5, FO-R17),
    /// then the action's own rule: the user-role table (FO-R20), System admin-only folder
    /// actions (FO-R6), folder roles (FO-R8 … FO-R10, FO-R15, FO-R16, FO-R19) or visibility
    /// (FO-R18). Total: never panics; anything unknown denies with a reason.
    ///
    /// ```
    /// use accessgate::folders::*;
    ///
    /// let mut model = FolderModel::default();
    /// model.folders.push(FolderDef::top("sales"));
    /// model.folders.push(FolderDef::child("eu", "sales"));
    /// model.folders.push(FolderDef::top("hr"));
    /// model.users.push(UserDef::local("ann", UserRole::NonAdmin));
    /// model.grants.push(GrantDef::user("eu", "ann", FolderRole::Reader));
    /// let policy = model.build()?;
    ///
    /// let view = |folder| policy.check(&FolderRequest::on_folder("ann", FolderAction::ViewFolder, folder)).code();
    /// assert_eq!(view("eu"), "folder_role");
    /// assert_eq!(view("sales"), "navigation_only");
    /// assert_eq!(view("hr"), "folder_hidden");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn check(&self, request: &FolderRequest) -> FolderReason {
        let action = request.action;
        if let Some(problem) = shape_problem(request) {
            return FolderReason::MalformedRequest { action, problem };
        }
        let Some(u) = self.names.users.get(&request.user) else {
            return FolderReason::UnknownUser;
        };
        let Some(user) = self.users.get(u as usize) else {
            return FolderReason::UnknownUser;
        };
        if action == FolderAction::AddEntraUser {
            return sign_in(user);
        }

        // Resolve the ids the action names.
        let mut flow = None;
        let mut folder = None;
        let mut to_folder = None;
        if let Some(name) = &request.flow {
            let Some(id) = self.names.flows.get(name) else {
                return FolderReason::UnknownFlow;
            };
            flow = Some(id);
        }
        if let Some(name) = &request.folder {
            let Some(id) = self.names.folders.get(name) else {
                return FolderReason::UnknownFolder {
                    field: RequestField::Folder,
                };
            };
            folder = Some(id);
        }
        if let Some(name) = &request.to_folder {
            let Some(id) = self.names.folders.get(name) else {
                return FolderReason::UnknownFolder {
                    field: RequestField::ToFolder,
                };
            };
            to_folder = Some(id);
        }

        let Some((role, source)) = user.role else {
            return FolderReason::NoUserRole { action };
        };
        let system_admin = match role {
            UserRole::SystemAdmin => Some(FolderReason::SystemAdmin { action, source }),
            UserRole::NonAdmin => None,
        };

        match (action.target(), flow, folder) {
            (Target::Flow, Some(flow), _) => {
                let Some(info) = self.flows.get(flow as usize) else {
                    return FolderReason::UnknownFlow;
                };
                if action == FolderAction::ResubmitResume && !info.show_resubmit_resume {
                    return FolderReason::ResubmitResumeHidden { flow: FlowId(flow) };
                }
                if let Some(allow) = system_admin {
                    return allow;
                }
                match to_folder {
                    Some(to) if action == FolderAction::EditFlow && to != info.folder => {
                        self.move_flow(u, info.folder, to)
                    }
                    _ => self.with_role(u, action, info.folder),
                }
            }
            (Target::Folder, _, Some(folder)) => match (action, system_admin) {
                (_, Some(allow)) => allow,
                (FolderAction::ViewFolder, None) => self.view_folder(u, folder),
                (FolderAction::AddFlow, None) => self.with_role(u, action, folder),
                (_, None) => FolderReason::SystemAdminOnly { action, role },
            },
            (Target::ParentFolder, _, parent) => {
                match (system_admin, self.options.create_folder, parent) {
                    (Some(allow), _, _) => allow,
                    (None, CreateFolder::FolderAdminOnParent, Some(parent)) => {
                        self.with_role(u, action, parent)
                    }
                    (None, CreateFolder::FolderAdminOnParent, None)
                    | (None, CreateFolder::SystemAdminOnly, _) => {
                        FolderReason::SystemAdminOnly { action, role }
                    }
                }
            }
            (Target::Area, _, _) => area(user, action, role, source),
            (Target::FolderMember, _, Some(folder)) => match (system_admin, &request.member) {
                (None, _) => FolderReason::SystemAdminOnly { action, role },
                (Some(_), Some(member)) => self.remove_member(folder, member, source),
                (Some(_), None) => FolderReason::MalformedRequest {
                    action,
                    problem: RequestProblem::Missing(RequestField::Member),
                },
            },
            // Unreachable after `shape_problem`; deny rather than guess.
            (Target::Flow, None, _) => FolderReason::MalformedRequest {
                action,
                problem: RequestProblem::Missing(RequestField::Flow),
            },
            (Target::Folder | Target::FolderMember, _, None) => FolderReason::MalformedRequest {
                action,
                problem: RequestProblem::Missing(RequestField::Folder),
            },
        }
    }

    /// Calls `visit` with every grant that counts for `user`, wherever it is: their direct
    /// grants, then the grants of each of their *enabled* groups, in model order (FO-R12,
    /// FO-R14). Disabled groups give no folder role under either [`DisabledGroups`] reading.
    ///
    /// [`DisabledGroups`]: super::DisabledGroups
    fn for_each_grant(&self, user: u32, mut visit: impl FnMut(Grant)) {
        for g in self.user_grants.get(user) {
            visit(Grant {
                folder: FolderId(g.folder),
                via: Via::Direct,
                role: g.role,
            });
        }
        for &group in self.user_groups.get(user) {
            if !self.groups.get(group as usize).is_some_and(|g| g.enabled) {
                continue;
            }
            for g in self.group_grants.get(group) {
                visit(Grant {
                    folder: FolderId(g.folder),
                    via: Via::Group(GroupId(group)),
                    role: g.role,
                });
            }
        }
    }

    /// Whether a grant on `grant_folder` applies at `folder` (FO-R15).
    #[inline]
    fn applies(&self, grant_folder: FolderId, folder: u32) -> bool {
        match self.options.inheritance {
            Inheritance::Subtree => self.tree.contains(grant_folder.0, folder),
            Inheritance::FolderOnly => grant_folder.0 == folder,
        }
    }

    /// The grant that decides the user's folder role at `folder` (FO-R16), if any applies.
    ///
    /// Highest: the highest role; ties go to the nearest folder, then a direct grant, then the
    /// first in model order. MostSpecific: the nearest folder with a grant; the highest role
    /// there, then a direct grant, then model order.
    pub(crate) fn deciding_grant(&self, user: u32, folder: u32) -> Option<Grant> {
        self.deciding_grant_except(user, folder, None)
    }

    /// [`deciding_grant`](Self::deciding_grant) as if `removed` were not there.
    fn deciding_grant_except(
        &self,
        user: u32,
        folder: u32,
        removed: Option<Grant>,
    ) -> Option<Grant> {
        let mut best: Option<((u32, u32, u8), Grant)> = None;
        self.for_each_grant(user, |grant| {
            if Some(grant) == removed || !self.applies(grant.folder, folder) {
                return;
            }
            let depth = self.depth(grant.folder.0);
            let role = grant.role as u32;
            let direct = match grant.via {
                Via::Direct => 1,
                Via::Group(_) => 0,
            };
            let key = match self.options.combine {
                Combine::Highest => (role, depth, direct),
                Combine::MostSpecific => (depth, role, direct),
            };
            if best.is_none_or(|(k, _)| key > k) {
                best = Some((key, grant));
            }
        });
        best.map(|(_, g)| g)
    }

    /// The grant that gives at least the role `action` needs at `folder`, or why there is none.
    fn require(&self, user: u32, action: FolderAction, folder: u32) -> Result<Grant, FolderReason> {
        let required = action.required_role().unwrap_or(FolderRole::FolderAdmin);
        match self.deciding_grant(user, folder) {
            Some(grant) if grant.role >= required => Ok(grant),
            Some(grant) => Err(FolderReason::FolderRoleTooLow {
                action,
                folder: FolderId(folder),
                grant,
                required,
            }),
            None => Err(FolderReason::NoFolderRole {
                action,
                folder: FolderId(folder),
                required,
            }),
        }
    }

    fn with_role(&self, user: u32, action: FolderAction, folder: u32) -> FolderReason {
        match self.require(user, action, folder) {
            Ok(grant) => FolderReason::Granted {
                action,
                at: FolderId(folder),
                grant,
            },
            Err(deny) => deny,
        }
    }

    /// FO-R19: Folder admin on both the source and the target folder.
    fn move_flow(&self, user: u32, from: u32, to: u32) -> FolderReason {
        let action = FolderAction::EditFlow;
        match (
            self.require(user, action, from),
            self.require(user, action, to),
        ) {
            (Ok(from_grant), Ok(to_grant)) => FolderReason::FolderAdminOnBoth {
                from: FolderId(from),
                from_grant,
                to: FolderId(to),
                to_grant,
            },
            (Err(deny), _) | (Ok(_), Err(deny)) => deny,
        }
    }

    /// FO-R18: a folder where a grant applies, else an ancestor of one (navigation only), else
    /// hidden.
    fn view_folder(&self, user: u32, folder: u32) -> FolderReason {
        if let Some(grant) = self.deciding_grant(user, folder) {
            return FolderReason::Granted {
                action: FolderAction::ViewFolder,
                at: FolderId(folder),
                grant,
            };
        }
        let mut below = None;
        self.for_each_grant(user, |grant| {
            if below.is_none()
                && grant.folder.0 != folder
                && self.tree.contains(folder, grant.folder.0)
            {
                below = Some(grant);
            }
        });
        match below {
            Some(below) => FolderReason::NavigationOnly {
                folder: FolderId(folder),
                below,
            },
            None => FolderReason::FolderHidden {
                folder: FolderId(folder),
            },
        }
    }
}

/// What is wrong with the fields a request names for its action, if anything.
fn shape_problem(request: &FolderRequest) -> Option<RequestProblem> {
    let has = |field| match field {
        RequestField::Flow => request.flow.is_some(),
        RequestField::Folder => request.folder.is_some(),
        RequestField::ToFolder => request.to_folder.is_some(),
        RequestField::Member => request.member.is_some(),
    };
    let (required, allowed): (&[RequestField], &[RequestField]) = match request.action.target() {
        Target::Flow if request.action == FolderAction::EditFlow => (
            &[RequestField::Flow],
            &[RequestField::Flow, RequestField::ToFolder],
        ),
        Target::Flow => (&[RequestField::Flow], &[RequestField::Flow]),
        Target::Folder => (&[RequestField::Folder], &[RequestField::Folder]),
        Target::ParentFolder => (&[], &[RequestField::Folder]),
        Target::Area => (&[], &[]),
        Target::FolderMember => (
            &[RequestField::Folder, RequestField::Member],
            &[RequestField::Folder, RequestField::Member],
        ),
    };
    if let Some(&missing) = required.iter().find(|&&f| !has(f)) {
        return Some(RequestProblem::Missing(missing));
    }
    [
        RequestField::Flow,
        RequestField::Folder,
        RequestField::ToFolder,
        RequestField::Member,
    ]
    .into_iter()
    .find(|f| has(*f) && !allowed.contains(f))
    .map(RequestProblem::Unexpected)
}

impl FolderPolicy {
    /// May a System admin remove `member` from `folder`'s permission list (FO-R5 … FO-R7)?
    /// Only an entry that exists there can be removed; a System admin has none.
    fn remove_member(
        &self,
        folder: u32,
        member: &FolderMember,
        source: RoleSource,
    ) -> FolderReason {
        match member {
            FolderMember::User(name) => {
                let Some(u) = self.names.users.get(name) else {
                    return FolderReason::UnknownMember;
                };
                let member = MemberId::User(UserId(u));
                let Some(info) = self.users.get(u as usize) else {
                    return FolderReason::UnknownMember;
                };
                if matches!(info.role, Some((UserRole::SystemAdmin, _))) {
                    return FolderReason::ImplicitAccess { member };
                }
                let Some(entry) = self.user_grants.get(u).iter().find(|g| g.folder == folder)
                else {
                    return FolderReason::NotOnPermissionList {
                        folder: FolderId(folder),
                        member,
                    };
                };
                let removed = Grant {
                    folder: FolderId(folder),
                    via: Via::Direct,
                    role: entry.role,
                };
                FolderReason::MemberRemovable {
                    folder: FolderId(folder),
                    member,
                    role: entry.role,
                    source,
                    keeps: self.deciding_grant_except(u, folder, Some(removed)),
                }
            }
            FolderMember::Group(name) => {
                let Some(g) = self.names.groups.get(name) else {
                    return FolderReason::UnknownMember;
                };
                let member = MemberId::Group(GroupId(g));
                if self
                    .groups
                    .get(g as usize)
                    .is_some_and(|info| info.role == Some(UserRole::SystemAdmin))
                {
                    return FolderReason::ImplicitAccess { member };
                }
                match self.group_grants.get(g).iter().find(|e| e.folder == folder) {
                    Some(entry) => FolderReason::MemberRemovable {
                        folder: FolderId(folder),
                        member,
                        role: entry.role,
                        source,
                        keeps: None,
                    },
                    None => FolderReason::NotOnPermissionList {
                        folder: FolderId(folder),
                        member,
                    },
                }
            }
        }
    }
}

/// FO-R3, FO-R20: "Sign in with..." creates an Entra user who is in a counting synced group.
fn sign_in(user: &UserInfo) -> FolderReason {
    match (user.kind, user.sign_in_group) {
        (UserKind::Local, _) => FolderReason::NotEntraUser,
        (UserKind::Entra, Some(group)) => FolderReason::EntraSignIn {
            group: GroupId(group),
        },
        (UserKind::Entra, None) => FolderReason::NoEnabledGroup,
    }
}

/// The user-role table (FO-R20, FO-R21, FO-R23).
fn area(user: &UserInfo, action: FolderAction, role: UserRole, source: RoleSource) -> FolderReason {
    let open_to_non_admin = match action {
        FolderAction::ViewSettings | FolderAction::ViewStatistics => true,
        FolderAction::AddEntraUser => return sign_in(user),
        FolderAction::ViewUsers
        | FolderAction::AddLocalUser
        | FolderAction::EditLocalUserRole
        | FolderAction::DeleteUser
        | FolderAction::ViewGroups
        | FolderAction::SyncGroups
        | FolderAction::DisableGroup
        | FolderAction::EditGroupRole
        | FolderAction::DeleteGroup
        | FolderAction::EditSettings
        | FolderAction::ViewAudits => false,
        // Not app-wide actions: `check` never routes them here.
        FolderAction::ViewFlowStatuses
        | FolderAction::ResubmitResume
        | FolderAction::AddFlow
        | FolderAction::EditFlow
        | FolderAction::DeleteFlow
        | FolderAction::ViewFlowTraces
        | FolderAction::ViewFolder
        | FolderAction::EditFolder
        | FolderAction::GrantFlowPermissions
        | FolderAction::DeleteFolder
        | FolderAction::CreateFolder
        | FolderAction::RemoveFromFolder => false,
    };
    match (role, open_to_non_admin) {
        (UserRole::SystemAdmin, _) | (UserRole::NonAdmin, true) => FolderReason::UserRole {
            action,
            role,
            source,
        },
        (UserRole::NonAdmin, false) => FolderReason::SystemAdminOnly { action, role },
    }
}
