//! Why a folder decision came out the way it did.

use std::fmt;

use crate::core::Decision;

use super::model::{FolderRole, UserRole};
use super::policy::{FolderId, FolderPolicy, GroupId};
use super::request::{FolderAction, RequestField};

/// Where a user's user role comes from (FO-R2, FO-R4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RoleSource {
    /// A local user's personal role.
    Personal,
    /// An Entra user's group: the first of their groups with the highest role.
    Group(GroupId),
}

/// How a folder grant is held (FO-R14, FO-R16).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Via {
    /// Assigned to the local user directly.
    Direct,
    /// Assigned to an enabled group the user is a member of.
    Group(GroupId),
}

/// An entry of a folder's permission list, in a compiled policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MemberId {
    /// A user.
    User(crate::folders::UserId),
    /// A group.
    Group(GroupId),
}

/// The folder grant that decided: a role, on a folder, held directly or through a group.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Grant {
    /// The folder the role is assigned on (the decision's folder or, through FO-R15, an
    /// ancestor of it).
    pub folder: FolderId,
    /// Directly or through which group.
    pub via: Via,
    /// The role.
    pub role: FolderRole,
}

/// What is wrong with the shape of a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RequestProblem {
    /// The action needs this field.
    Missing(RequestField),
    /// The action does not take this field.
    Unexpected(RequestField),
}

/// Why a folder request was allowed or denied: the grant, user role or group that decided, or
/// what was missing.
///
/// Cheap: ids and small enums, `Copy`. [`FolderReason::explain`] puts names on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum FolderReason {
    /// Allow: the user is System admin, which acts as Folder admin on every flow and folder and
    /// is the only role for folder structure and permissions (FO-R5, FO-R6, FO-R17).
    SystemAdmin {
        /// The action.
        action: FolderAction,
        /// Where the System admin role comes from.
        source: RoleSource,
    },
    /// Allow: a folder grant gives the role the action needs (FO-R8 … FO-R10, FO-R15, FO-R16).
    Granted {
        /// The action.
        action: FolderAction,
        /// The folder the action is on (a flow's folder, or the folder itself).
        at: FolderId,
        /// The grant that decided.
        grant: Grant,
    },
    /// Allow: moving a flow, with Folder admin on both the source and the target folder (FO-R19).
    FolderAdminOnBoth {
        /// The flow's current folder.
        from: FolderId,
        /// The grant that covers it.
        from_grant: Grant,
        /// The target folder.
        to: FolderId,
        /// The grant that covers it.
        to_grant: Grant,
    },
    /// Allow, for View folders only: the folder is shown for navigation only (name, no flows, no
    /// statistics, no actions), as an ancestor of a folder where a grant applies (FO-R18).
    NavigationOnly {
        /// The folder shown.
        folder: FolderId,
        /// A grant on a folder below it.
        below: Grant,
    },
    /// Allow: an app-wide action the user's user role permits (FO-R20, FO-R21).
    UserRole {
        /// The action.
        action: FolderAction,
        /// The user's role.
        role: UserRole,
        /// Where it comes from.
        source: RoleSource,
    },
    /// Allow: "Sign in with..." creates the Entra user, a member of an enabled synced group
    /// (FO-R3, FO-R20).
    EntraSignIn {
        /// A group of the user that counts.
        group: GroupId,
    },
    /// Deny: the request lacks a field the action needs, or names one it does not take.
    MalformedRequest {
        /// The action.
        action: FolderAction,
        /// What is wrong.
        problem: RequestProblem,
    },
    /// Deny: the request's user is not in the model.
    UnknownUser,
    /// Deny: the request's flow is not in the model.
    UnknownFlow,
    /// Deny: the request's folder (or target folder) is not in the model.
    UnknownFolder {
        /// Which field named it.
        field: RequestField,
    },
    /// Deny: the user has no user role: an Entra user none of whose counting groups has a role
    /// (FO-R4, FO-R12). Such a user can sign in but do nothing.
    NoUserRole {
        /// The action.
        action: FolderAction,
    },
    /// Deny: only a System admin may do this (FO-R6, FO-R20, FO-R23).
    SystemAdminOnly {
        /// The action.
        action: FolderAction,
        /// The user's role.
        role: UserRole,
    },
    /// Deny: no grant of the user applies to the folder (FO-R17).
    NoFolderRole {
        /// The action.
        action: FolderAction,
        /// The folder where a role is missing.
        folder: FolderId,
        /// The role the action needs there.
        required: FolderRole,
    },
    /// Deny: the grant that applies gives a lower role than the action needs.
    FolderRoleTooLow {
        /// The action.
        action: FolderAction,
        /// The folder where the role is too low.
        folder: FolderId,
        /// The grant that applies (the highest, or the nearest under
        /// [`Combine::MostSpecific`](super::Combine::MostSpecific)).
        grant: Grant,
        /// The role the action needs.
        required: FolderRole,
    },
    /// Deny: the flow's "Show Resubmit / Resume" switch is off, so nobody may resubmit, resume
    /// or ignore it, System admins included (FO-R11).
    ResubmitResumeHidden {
        /// The flow.
        flow: super::policy::FlowId,
    },
    /// Deny: the folder is hidden from the user: no grant applies to it or below it (FO-R18).
    FolderHidden {
        /// The folder.
        folder: FolderId,
    },
    /// Deny: only an Entra user signs in through a synced group; this is a local user (FO-R3).
    NotEntraUser,
    /// Deny: the Entra user is in no enabled synced group (FO-R3, FO-R12).
    NoEnabledGroup,
    /// Allow: a System admin may remove the member's entry from the folder's permission list
    /// (FO-R6); `keeps` is the grant that still decides the member's role at the folder
    /// afterwards (inherited from an ancestor or through a group), for a user member.
    MemberRemovable {
        /// The folder.
        folder: FolderId,
        /// The entry.
        member: MemberId,
        /// The role the entry gives.
        role: FolderRole,
        /// Where the acting user's System admin role comes from.
        source: RoleSource,
        /// What still reaches the member at the folder afterwards.
        keeps: Option<Grant>,
    },
    /// Deny: the member is System admin, whose access is implicit (FO-R5) and is never an
    /// entry of a permission list (FO-R7), so there is nothing to remove.
    ImplicitAccess {
        /// The member.
        member: MemberId,
    },
    /// Deny: the member has no entry on this folder's permission list (access inherited from
    /// an ancestor folder or held through a group is removed where it is assigned).
    NotOnPermissionList {
        /// The folder.
        folder: FolderId,
        /// The member.
        member: MemberId,
    },
    /// Deny: the request's member is not a user or group of the model.
    UnknownMember,
}

impl FolderReason {
    /// The decision this reason stands for.
    #[inline]
    pub fn decision(&self) -> Decision {
        match self {
            FolderReason::SystemAdmin { .. }
            | FolderReason::Granted { .. }
            | FolderReason::FolderAdminOnBoth { .. }
            | FolderReason::NavigationOnly { .. }
            | FolderReason::UserRole { .. }
            | FolderReason::EntraSignIn { .. }
            | FolderReason::MemberRemovable { .. } => Decision::Allow,
            FolderReason::MalformedRequest { .. }
            | FolderReason::UnknownUser
            | FolderReason::UnknownFlow
            | FolderReason::UnknownFolder { .. }
            | FolderReason::NoUserRole { .. }
            | FolderReason::SystemAdminOnly { .. }
            | FolderReason::NoFolderRole { .. }
            | FolderReason::FolderRoleTooLow { .. }
            | FolderReason::ResubmitResumeHidden { .. }
            | FolderReason::FolderHidden { .. }
            | FolderReason::NotEntraUser
            | FolderReason::NoEnabledGroup
            | FolderReason::ImplicitAccess { .. }
            | FolderReason::NotOnPermissionList { .. }
            | FolderReason::UnknownMember => Decision::Deny,
        }
    }

    /// A stable snake_case code for the kind of reason, used by scenario files.
    pub fn code(&self) -> &'static str {
        match self {
            FolderReason::SystemAdmin { .. } => "system_admin",
            FolderReason::Granted { .. } => "folder_role",
            FolderReason::FolderAdminOnBoth { .. } => "folder_admin_on_both",
            FolderReason::NavigationOnly { .. } => "navigation_only",
            FolderReason::UserRole { .. } => "user_role",
            FolderReason::EntraSignIn { .. } => "entra_sign_in",
            FolderReason::MalformedRequest { .. } => "malformed_request",
            FolderReason::UnknownUser => "unknown_user",
            FolderReason::UnknownFlow => "unknown_flow",
            FolderReason::UnknownFolder { .. } => "unknown_folder",
            FolderReason::NoUserRole { .. } => "no_user_role",
            FolderReason::SystemAdminOnly { .. } => "system_admin_only",
            FolderReason::NoFolderRole { .. } => "no_folder_role",
            FolderReason::FolderRoleTooLow { .. } => "folder_role_too_low",
            FolderReason::ResubmitResumeHidden { .. } => "resubmit_resume_hidden",
            FolderReason::FolderHidden { .. } => "folder_hidden",
            FolderReason::NotEntraUser => "not_entra_user",
            FolderReason::NoEnabledGroup => "no_enabled_group",
            FolderReason::MemberRemovable { .. } => "member_removable",
            FolderReason::ImplicitAccess { .. } => "implicit_access",
            FolderReason::NotOnPermissionList { .. } => "not_on_permission_list",
            FolderReason::UnknownMember => "unknown_member",
        }
    }

    /// The reason in words, with the names of `policy`. Starts with `allowed: ` or `denied: `.
    ///
    /// ```
    /// use accessgate::folders::*;
    ///
    /// let mut model = FolderModel::default();
    /// model.folders.push(FolderDef::top("sales"));
    /// model.folders.push(FolderDef::child("eu", "sales"));
    /// model.flows.push(FlowDef::new("orders", "eu"));
    /// model.groups.push(GroupDef::new("ops", UserRole::NonAdmin));
    /// model.users.push(UserDef::entra("eve", &["ops"]));
    /// model.grants.push(GrantDef::group("sales", "ops", FolderRole::Reader));
    /// let policy = model.build()?;
    ///
    /// let reason = policy.check(&FolderRequest::on_flow("eve", FolderAction::ResubmitResume, "orders"));
    /// assert_eq!(
    ///     reason.explain(&policy).to_string(),
    ///     "denied: Resubmit/Resume flow needs Operator on folder `eu`; the grant that applies is \
    ///      Reader on folder `sales` through group `ops`, inherited by folder `eu`"
    /// );
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn explain<'a>(&'a self, policy: &'a FolderPolicy) -> impl fmt::Display + 'a {
        Explained {
            reason: self,
            policy,
        }
    }
}

struct Explained<'a> {
    reason: &'a FolderReason,
    policy: &'a FolderPolicy,
}

struct SourceName<'a>(RoleSource, &'a FolderPolicy);

impl fmt::Display for SourceName<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            RoleSource::Personal => f.write_str("by personal role"),
            RoleSource::Group(g) => write!(f, "through group `{}`", self.1.group_name(g)),
        }
    }
}

struct MemberName<'a>(MemberId, &'a FolderPolicy);

impl fmt::Display for MemberName<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            MemberId::User(u) => write!(f, "user `{}`", self.1.user_name(u)),
            MemberId::Group(g) => write!(f, "group `{}`", self.1.group_name(g)),
        }
    }
}

/// A grant, and when it is inherited, the folder it reaches.
struct GrantName<'a>(Grant, Option<FolderId>, &'a FolderPolicy);

impl fmt::Display for GrantName<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let GrantName(grant, at, p) = self;
        write!(
            f,
            "{} on folder `{}` ",
            grant.role,
            p.folder_name(grant.folder)
        )?;
        match grant.via {
            Via::Direct => f.write_str("assigned directly")?,
            Via::Group(g) => write!(f, "through group `{}`", p.group_name(g))?,
        }
        match at {
            Some(at) if *at != grant.folder => {
                write!(f, ", inherited by folder `{}`", p.folder_name(*at))
            }
            _ => Ok(()),
        }
    }
}

impl fmt::Display for Explained<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let p = self.policy;
        match *self.reason {
            FolderReason::SystemAdmin { action, source } => write!(
                f,
                "allowed: {action}: the user is System admin {}, with every right on every folder and flow",
                SourceName(source, p)
            ),
            FolderReason::Granted { action, at, grant } => write!(
                f,
                "allowed: {action} needs {}; the user holds {}",
                action.required_role().unwrap_or(grant.role),
                GrantName(grant, Some(at), p)
            ),
            FolderReason::FolderAdminOnBoth {
                from,
                from_grant,
                to,
                to_grant,
            } => write!(
                f,
                "allowed: moving the flow needs Folder admin on both folders; the user holds {} and {}",
                GrantName(from_grant, Some(from), p),
                GrantName(to_grant, Some(to), p)
            ),
            FolderReason::NavigationOnly { folder, below } => write!(
                f,
                "allowed: folder `{}` is shown for navigation only, as an ancestor of a folder where the user holds {}",
                p.folder_name(folder),
                GrantName(below, None, p)
            ),
            FolderReason::UserRole {
                action,
                role,
                source,
            } => write!(
                f,
                "allowed: {action} is open to {role}; the user is {role} {}",
                SourceName(source, p)
            ),
            FolderReason::EntraSignIn { group } => write!(
                f,
                "allowed: signing in creates the entra user, a member of synced group `{}`",
                p.group_name(group)
            ),
            FolderReason::MalformedRequest { action, problem } => match problem {
                RequestProblem::Missing(field) => {
                    write!(f, "denied: {action} needs the request field `{field}`")
                }
                RequestProblem::Unexpected(field) => {
                    write!(f, "denied: {action} does not take the request field `{field}`")
                }
            },
            FolderReason::UnknownUser => {
                f.write_str("denied: the request names a user that is not in the model")
            }
            FolderReason::UnknownFlow => {
                f.write_str("denied: the request names a flow that is not in the model")
            }
            FolderReason::UnknownFolder { field } => write!(
                f,
                "denied: the request field `{field}` names a folder that is not in the model"
            ),
            FolderReason::NoUserRole { action } => write!(
                f,
                "denied: {action}: the user has no user role, as no counting group of theirs has one"
            ),
            FolderReason::SystemAdminOnly { action, role } => {
                write!(f, "denied: {action} is for System admins only; the user is {role}")
            }
            FolderReason::NoFolderRole {
                action,
                folder,
                required,
            } => write!(
                f,
                "denied: {action} needs {required} on folder `{}`, and no grant of the user applies there",
                p.folder_name(folder)
            ),
            FolderReason::FolderRoleTooLow {
                action,
                folder,
                grant,
                required,
            } => write!(
                f,
                "denied: {action} needs {required} on folder `{}`; the grant that applies is {}",
                p.folder_name(folder),
                GrantName(grant, Some(folder), p)
            ),
            FolderReason::ResubmitResumeHidden { flow } => write!(
                f,
                "denied: flow `{}` has Show Resubmit / Resume switched off, so nobody may resubmit, resume or ignore it",
                p.flow_name(flow)
            ),
            FolderReason::FolderHidden { folder } => write!(
                f,
                "denied: folder `{}` is hidden: no grant of the user applies to it or below it",
                p.folder_name(folder)
            ),
            FolderReason::NotEntraUser => f.write_str(
                "denied: only entra users sign in through a synced group; this is a local user",
            ),
            FolderReason::NoEnabledGroup => {
                f.write_str("denied: the entra user is in no enabled synced group")
            }
            FolderReason::MemberRemovable {
                folder,
                member,
                role,
                source,
                keeps,
            } => {
                write!(
                    f,
                    "allowed: the user is System admin {} and may remove {} ({role}) from folder `{}`",
                    SourceName(source, p),
                    MemberName(member, p),
                    p.folder_name(folder)
                )?;
                match keeps {
                    Some(g) => write!(f, "; afterwards {}", GrantName(g, Some(folder), p)),
                    None => Ok(()),
                }
            }
            FolderReason::ImplicitAccess { member } => write!(
                f,
                "denied: {} is System admin, whose access to every folder is implicit and cannot be removed",
                MemberName(member, p)
            ),
            FolderReason::NotOnPermissionList { folder, member } => write!(
                f,
                "denied: {} is not on the permission list of folder `{}`",
                MemberName(member, p),
                p.folder_name(folder)
            ),
            FolderReason::UnknownMember => {
                f.write_str("denied: the member to remove is not a user or group of the model")
            }
        }
    }
}
