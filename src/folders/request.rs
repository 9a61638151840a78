//! Folder requests: who wants to do which action on which flow or folder.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::model::FolderRole;

/// An action on the dashboard: one per row of the two permission tables of U1, plus View
/// statistics (FO-R21).
///
/// [`FolderAction::target`] says what a request for the action names: a flow, a folder, an
/// optional parent folder, or nothing (an app-wide page).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum FolderAction {
    // Flow table, "Flow" rows.
    /// View flow statuses (Reader, FO-R8). Names a flow.
    ViewFlowStatuses,
    /// Resubmit, resume or ignore runs of a flow (Operator, FO-R9, switch FO-R11). Names a flow.
    #[serde(alias = "resubmit", alias = "resume", alias = "ignore")]
    ResubmitResume,
    /// Add a flow to a folder (Folder admin, FO-R10). Names the folder.
    AddFlow,
    /// Edit a flow's mapping, properties and alerts (Folder admin, FO-R10). Names a flow, and
    /// `to_folder` to move it (Folder admin on both folders, FO-R19).
    EditFlow,
    /// Delete a flow (Folder admin, FO-R10). Names a flow.
    DeleteFlow,
    // Flow table, "Flow trace" row.
    /// Search a flow's traces and messages (Reader, FO-R8). Names a flow.
    ViewFlowTraces,
    // Flow table, "Folder" rows.
    /// See a folder in the hierarchy (Reader, or navigation only, FO-R18). Names the folder.
    ViewFolder,
    /// Rename or move a folder (System admin, FO-R6). Names the folder.
    EditFolder,
    /// Assign users and groups to a folder (System admin, FO-R6). Names the folder.
    GrantFlowPermissions,
    /// Delete a folder with its flows and sub-folders (System admin, FO-R6, FO-R25). Names the
    /// folder.
    DeleteFolder,
    /// Create a folder, below `folder` or at the top level (FO-R6 \[I\], option
    /// [`CreateFolder`](super::CreateFolder)).
    CreateFolder,
    // User table.
    /// The Users page (System admin, FO-R20).
    ViewUsers,
    /// Add a local user (System admin).
    AddLocalUser,
    /// "Sign in with..." creating the requesting Entra user: allowed to a member of an enabled
    /// synced group (FO-R3, FO-R20), whatever the user role.
    AddEntraUser,
    /// Change a local user's role (System admin).
    EditLocalUserRole,
    /// Delete a user (System admin).
    DeleteUser,
    /// The Groups page (System admin).
    ViewGroups,
    /// Sync all groups (System admin).
    SyncGroups,
    /// Disable a group (System admin).
    DisableGroup,
    /// Change a group's user role (System admin).
    EditGroupRole,
    /// Delete a group (System admin).
    DeleteGroup,
    /// The Settings page (Non-admin and System admin).
    ViewSettings,
    /// Change settings (System admin).
    EditSettings,
    /// The Audits page (System admin, FO-R23, FO-R26).
    ViewAudits,
    /// View statistics (Non-admin and System admin, FO-R21; pre-v6 table U10).
    ViewStatistics,
    /// Remove a user or group from a folder's permission list (FO-R6, FO-R7). Not a row of
    /// the two tables, so not in [`FolderAction::ALL`]; the request names `folder` and
    /// `member`.
    RemoveFromFolder,
}

/// What a request for an action must name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Target {
    /// `flow` (and, for [`FolderAction::EditFlow`], optionally `to_folder`).
    Flow,
    /// `folder`.
    Folder,
    /// `folder` as the parent, or nothing for a top-level folder.
    ParentFolder,
    /// Nothing: an app-wide page.
    Area,
    /// `folder` and `member`: an entry of the folder's permission list.
    FolderMember,
}

/// A field of a [`FolderRequest`] that names a target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RequestField {
    /// `flow`.
    Flow,
    /// `folder`.
    Folder,
    /// `to_folder`.
    ToFolder,
    /// `member`.
    Member,
}

impl fmt::Display for RequestField {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            RequestField::Flow => "flow",
            RequestField::Folder => "folder",
            RequestField::ToFolder => "to_folder",
            RequestField::Member => "member",
        })
    }
}

impl FolderAction {
    /// Every action, in table order.
    pub const ALL: [FolderAction; 25] = [
        FolderAction::ViewFlowStatuses,
        FolderAction::ResubmitResume,
        FolderAction::AddFlow,
        FolderAction::EditFlow,
        FolderAction::DeleteFlow,
        FolderAction::ViewFlowTraces,
        FolderAction::ViewFolder,
        FolderAction::EditFolder,
        FolderAction::GrantFlowPermissions,
        FolderAction::DeleteFolder,
        FolderAction::CreateFolder,
        FolderAction::ViewUsers,
        FolderAction::AddLocalUser,
        FolderAction::AddEntraUser,
        FolderAction::EditLocalUserRole,
        FolderAction::DeleteUser,
        FolderAction::ViewGroups,
        FolderAction::SyncGroups,
        FolderAction::DisableGroup,
        FolderAction::EditGroupRole,
        FolderAction::DeleteGroup,
        FolderAction::ViewSettings,
        FolderAction::EditSettings,
        FolderAction::ViewAudits,
        FolderAction::ViewStatistics,
    ];

    /// What a request for this action names.
    pub fn target(self) -> Target {
        match self {
            FolderAction::ViewFlowStatuses
            | FolderAction::ResubmitResume
            | FolderAction::EditFlow
            | FolderAction::DeleteFlow
            | FolderAction::ViewFlowTraces => Target::Flow,
            FolderAction::AddFlow
            | FolderAction::ViewFolder
            | FolderAction::EditFolder
            | FolderAction::GrantFlowPermissions
            | FolderAction::DeleteFolder => Target::Folder,
            FolderAction::CreateFolder => Target::ParentFolder,
            FolderAction::ViewUsers
            | FolderAction::AddLocalUser
            | FolderAction::AddEntraUser
            | FolderAction::EditLocalUserRole
            | FolderAction::DeleteUser
            | FolderAction::ViewGroups
            | FolderAction::SyncGroups
            | FolderAction::DisableGroup
            | FolderAction::EditGroupRole
            | FolderAction::DeleteGroup
            | FolderAction::ViewSettings
            | FolderAction::EditSettings
            | FolderAction::ViewAudits
            | FolderAction::ViewStatistics => Target::Area,
            FolderAction::RemoveFromFolder => Target::FolderMember,
        }
    }

    /// The folder role the action needs on the flow's or folder's folder, for the actions a
    /// folder role can give (FO-R8 … FO-R10). `None` for System admin-only and app-wide actions.
    pub fn required_role(self) -> Option<FolderRole> {
        match self {
            FolderAction::ViewFlowStatuses
            | FolderAction::ViewFlowTraces
            | FolderAction::ViewFolder => Some(FolderRole::Reader),
            FolderAction::ResubmitResume => Some(FolderRole::Operator),
            FolderAction::AddFlow | FolderAction::EditFlow | FolderAction::DeleteFlow => {
                Some(FolderRole::FolderAdmin)
            }
            FolderAction::EditFolder
            | FolderAction::GrantFlowPermissions
            | FolderAction::DeleteFolder
            | FolderAction::CreateFolder
            | FolderAction::ViewUsers
            | FolderAction::AddLocalUser
            | FolderAction::AddEntraUser
            | FolderAction::EditLocalUserRole
            | FolderAction::DeleteUser
            | FolderAction::ViewGroups
            | FolderAction::SyncGroups
            | FolderAction::DisableGroup
            | FolderAction::EditGroupRole
            | FolderAction::DeleteGroup
            | FolderAction::ViewSettings
            | FolderAction::EditSettings
            | FolderAction::ViewAudits
            | FolderAction::ViewStatistics
            | FolderAction::RemoveFromFolder => None,
        }
    }

    /// The row name in the dashboard's tables.
    pub fn ui_name(self) -> &'static str {
        match self {
            FolderAction::ViewFlowStatuses => "View flow statuses",
            FolderAction::ResubmitResume => "Resubmit/Resume flow",
            FolderAction::AddFlow => "Add flow",
            FolderAction::EditFlow => "Edit flow",
            FolderAction::DeleteFlow => "Delete flow",
            FolderAction::ViewFlowTraces => "View flow traces",
            FolderAction::ViewFolder => "View folders",
            FolderAction::EditFolder => "Edit folder",
            FolderAction::GrantFlowPermissions => "Grant flow permissions",
            FolderAction::DeleteFolder => "Delete folder",
            FolderAction::CreateFolder => "Create folder",
            FolderAction::ViewUsers => "View users",
            FolderAction::AddLocalUser => "Add local user",
            FolderAction::AddEntraUser => "Add Microsoft Entra ID user",
            FolderAction::EditLocalUserRole => "Edit local user role",
            FolderAction::DeleteUser => "Delete user",
            FolderAction::ViewGroups => "View groups",
            FolderAction::SyncGroups => "Sync groups",
            FolderAction::DisableGroup => "Disable group",
            FolderAction::EditGroupRole => "Edit group role",
            FolderAction::DeleteGroup => "Delete group",
            FolderAction::ViewSettings => "View settings",
            FolderAction::EditSettings => "Edit settings",
            FolderAction::ViewAudits => "View audits",
            FolderAction::ViewStatistics => "View statistics",
            FolderAction::RemoveFromFolder => "Remove from folder",
        }
    }
}

impl fmt::Display for FolderAction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.ui_name())
    }
}

/// A question to a [`FolderPolicy`](super::FolderPolicy): may `user` do `action` on `flow` or
/// `folder`?
///
/// Which of `flow`, `folder` and `to_folder` must be set depends on the action
/// ([`FolderAction::target`]); a missing or superfluous one denies as `malformed_request`.
/// In JSON, inside [`Request`](crate::Request):
/// `{"kind": "folder", "user": "ann", "action": "resubmit_resume", "flow": "orders"}`.
///
/// ```
/// use accessgate::folders::{FolderAction, FolderRequest};
///
/// let r: FolderRequest = serde_json::from_str(r#"{"user": "ann", "action": "resubmit", "flow": "orders"}"#)?;
/// assert_eq!(r, FolderRequest::on_flow("ann", FolderAction::ResubmitResume, "orders"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct FolderRequest {
    /// The user id.
    pub user: String,
    /// The action.
    pub action: FolderAction,
    /// The flow, for flow actions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub flow: Option<String>,
    /// The folder, for folder actions (the parent, for [`FolderAction::CreateFolder`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub folder: Option<String>,
    /// For [`FolderAction::EditFlow`]: the folder the flow moves to (FO-R19).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to_folder: Option<String>,
    /// For [`FolderAction::RemoveFromFolder`]: the entry of the permission list to remove.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub member: Option<FolderMember>,
}

/// An entry of a folder's permission list: a local user or a group (FO-R7, FO-R14). In JSON
/// `{"user": "bob"}` or `{"group": "ops"}`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum FolderMember {
    /// A user id.
    User(String),
    /// A group id.
    Group(String),
}

impl FolderRequest {
    /// `user` does `action` on `flow`.
    pub fn on_flow(user: &str, action: FolderAction, flow: &str) -> Self {
        FolderRequest {
            user: user.into(),
            action,
            flow: Some(flow.into()),
            folder: None,
            to_folder: None,
            member: None,
        }
    }
    /// `user` does `action` on `folder`.
    pub fn on_folder(user: &str, action: FolderAction, folder: &str) -> Self {
        FolderRequest {
            user: user.into(),
            action,
            flow: None,
            folder: Some(folder.into()),
            to_folder: None,
            member: None,
        }
    }
    /// `user` does an app-wide `action` (or creates a top-level folder).
    pub fn area(user: &str, action: FolderAction) -> Self {
        FolderRequest {
            user: user.into(),
            action,
            flow: None,
            folder: None,
            to_folder: None,
            member: None,
        }
    }
    /// `user` moves `flow` to `to_folder` (Edit flow, FO-R19).
    pub fn move_flow(user: &str, flow: &str, to_folder: &str) -> Self {
        FolderRequest {
            user: user.into(),
            action: FolderAction::EditFlow,
            flow: Some(flow.into()),
            folder: None,
            to_folder: Some(to_folder.into()),
            member: None,
        }
    }
    /// `user` removes `member` from `folder`'s permission list.
    pub fn remove_member(user: &str, folder: &str, member: FolderMember) -> Self {
        FolderRequest {
            user: user.into(),
            action: FolderAction::RemoveFromFolder,
            flow: None,
            folder: Some(folder.into()),
            to_folder: None,
            member: Some(member),
        }
    }
}
