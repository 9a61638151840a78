//! The folder model as a document: folders, flows, users, groups and folder grants.
//!
//! Every entity is named by a string id that is unique within its kind. References use those
//! ids; [`FolderModel::build`] resolves and checks every one of them.
//!
//! The structs are `#[non_exhaustive]`: outside this crate they are made with their
//! constructors and chainable methods (`FolderDef::child("eu", "sales")`,
//! `FolderOptions::default().with_combine(Combine::MostSpecific)`) and their fields assigned,
//! never written as struct literals, so a new field breaks no caller.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::core::setters::setters;

/// A whole dashboard: its options, folder hierarchy, flows, users, groups and folder grants.
///
/// ```
/// use accessgate::folders::*;
///
/// let mut model = FolderModel::default();
/// model.folders.push(FolderDef::top("sales"));
/// model.folders.push(FolderDef::child("eu", "sales"));
/// model.flows.push(FlowDef::new("orders", "eu"));
/// model.users.push(UserDef::local("ann", UserRole::NonAdmin));
/// model.grants.push(GrantDef::user("sales", "ann", FolderRole::Operator));
/// let policy = model.build()?;
///
/// let reason = policy.check(&FolderRequest::on_flow("ann", FolderAction::ResubmitResume, "orders"));
/// assert_eq!(reason.code(), "folder_role");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(default, deny_unknown_fields)]
#[non_exhaustive]
pub struct FolderModel {
    /// The choices for the reference's open questions.
    pub options: FolderOptions,
    /// The folder hierarchy: a forest, each folder with at most one parent.
    pub folders: Vec<FolderDef>,
    /// Flows, each in one folder.
    pub flows: Vec<FlowDef>,
    /// Local and Entra ID users.
    pub users: Vec<UserDef>,
    /// Synced Entra ID groups.
    pub groups: Vec<GroupDef>,
    /// Folder roles given to local users and groups on folders (FO-R14).
    pub grants: Vec<GrantDef>,
}

/// The documented choices for the open questions of `folders.md`; the defaults are the
/// reference's \[I\] rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(default, deny_unknown_fields)]
#[non_exhaustive]
pub struct FolderOptions {
    /// FO-R15: whether a folder role reaches the sub-folders of its folder.
    pub inheritance: Inheritance,
    /// FO-R16: how several grants that apply to one folder combine.
    pub combine: Combine,
    /// FO-R12: what a disabled group still gives its members.
    pub disabled_groups: DisabledGroups,
    /// FO-R6: who may create a folder.
    pub create_folder: CreateFolder,
}

impl FolderModel {
    /// The same model with `options`.
    #[must_use]
    pub fn with_options(mut self, options: FolderOptions) -> Self {
        self.options = options;
        self
    }
}

setters!(FolderOptions, "options" {
    with_inheritance => inheritance: Inheritance,
    with_combine => combine: Combine,
    with_disabled_groups => disabled_groups: DisabledGroups,
    with_create_folder => create_folder: CreateFolder,
});

/// FO-R15: how far a folder role assigned on a folder reaches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Inheritance {
    /// The folder and every sub-folder below it, at any depth; never upwards. Default.
    #[default]
    Subtree,
    /// The folder itself only (the "safer alternative" of open question 1).
    FolderOnly,
}

/// FO-R16: how several grants that apply to the same folder combine.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Combine {
    /// The highest role among every grant that applies wins, inherited or not. Default.
    #[default]
    Highest,
    /// The grants on the nearest folder (the folder itself, else the closest ancestor with a
    /// grant for the user) decide, highest among them; a lower grant on a deeper folder
    /// *reduces* an inherited higher one (open question 2). Not monotone: adding or enabling a
    /// grant on a deeper folder can remove access.
    MostSpecific,
}

/// FO-R12: what a disabled group still gives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum DisabledGroups {
    /// Nothing: no folder roles, no user role (System admin included), no sign-in. Default.
    #[default]
    GrantNothing,
    /// Its folder roles stop, but its user role (and sign-in) still count: the literal reading
    /// of "authority from accessing flows" (open question 3).
    KeepUserRole,
}

/// FO-R6: who may create a folder or sub-folder.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum CreateFolder {
    /// System admins only, like Edit folder. Default.
    #[default]
    SystemAdminOnly,
    /// Also a Folder admin on the parent folder (U5's wording, open question 5). A top-level
    /// folder still needs a System admin.
    FolderAdminOnParent,
}

/// A folder role, held on a folder (FO-R8 … FO-R10). Ordered: each role has everything the
/// lower ones have.
///
/// ```
/// use accessgate::folders::FolderRole;
/// assert!(FolderRole::FolderAdmin > FolderRole::Operator);
/// assert!(FolderRole::Operator > FolderRole::Reader);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum FolderRole {
    /// View flow statuses, messages and traces, and folders (FO-R8).
    #[serde(alias = "Reader")]
    Reader,
    /// A Reader that may also resubmit, resume and ignore (FO-R9).
    #[serde(alias = "Operator")]
    Operator,
    /// An Operator that may also add, edit and delete flows (FO-R10).
    #[serde(alias = "Folder admin")]
    FolderAdmin,
}

impl FolderRole {
    /// The three roles, lowest first.
    pub const ALL: [FolderRole; 3] = [
        FolderRole::Reader,
        FolderRole::Operator,
        FolderRole::FolderAdmin,
    ];

    /// The name the dashboard shows.
    pub fn ui_name(self) -> &'static str {
        match self {
            FolderRole::Reader => "Reader",
            FolderRole::Operator => "Operator",
            FolderRole::FolderAdmin => "Folder admin",
        }
    }
}

impl fmt::Display for FolderRole {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.ui_name())
    }
}

/// A user role, which gates the app-wide pages (FO-R1, FO-R20). Ordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum UserRole {
    /// Sees flows through folder roles; may view settings and statistics.
    #[serde(alias = "Non-admin")]
    NonAdmin,
    /// Every page, and Folder admin on every flow (FO-R5).
    #[serde(alias = "System admin")]
    SystemAdmin,
}

impl UserRole {
    /// The name the dashboard shows.
    pub fn ui_name(self) -> &'static str {
        match self {
            UserRole::NonAdmin => "Non-admin",
            UserRole::SystemAdmin => "System admin",
        }
    }
}

impl fmt::Display for UserRole {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.ui_name())
    }
}

/// One folder.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct FolderDef {
    /// Unique id.
    pub id: String,
    /// The parent folder; absent for a top-level folder.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent: Option<String>,
}

impl FolderDef {
    /// A top-level folder.
    pub fn top(id: &str) -> Self {
        FolderDef {
            id: id.into(),
            parent: None,
        }
    }
    /// A sub-folder of `parent`.
    pub fn child(id: &str, parent: &str) -> Self {
        FolderDef {
            id: id.into(),
            parent: Some(parent.into()),
        }
    }
}

/// One flow.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct FlowDef {
    /// Unique id.
    pub id: String,
    /// The folder holding the flow.
    pub folder: String,
    /// The "Show Resubmit / Resume" switch (FO-R11). When off, nobody may resubmit, resume or
    /// ignore the flow, System admins included. The dashboard creates flows with it off; the
    /// document defaults it to on, so a model states the switch only where it is off.
    #[serde(default = "yes", skip_serializing_if = "is_true")]
    pub show_resubmit_resume: bool,
}

impl FlowDef {
    /// A flow in `folder`, with the resubmit/resume switch on.
    pub fn new(id: &str, folder: &str) -> Self {
        FlowDef {
            id: id.into(),
            folder: folder.into(),
            show_resubmit_resume: true,
        }
    }
    /// The same flow with the resubmit/resume switch off (FO-R11).
    pub fn without_resubmit(mut self) -> Self {
        self.show_resubmit_resume = false;
        self
    }
}

/// Where a user comes from (FO-R2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum UserKind {
    /// A local user with credentials and a personal user role; in no group.
    #[default]
    Local,
    /// A Microsoft Entra ID user: user role and folder roles come from groups only.
    Entra,
}

/// One user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct UserDef {
    /// Unique id.
    pub id: String,
    /// Local (default) or Entra ID.
    #[serde(default)]
    pub kind: UserKind,
    /// A local user's personal user role; Non-admin when absent. An Entra user has none (FO-R2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<UserRole>,
    /// An Entra user's groups. A local user belongs to no group (FO-R14).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub groups: Vec<String>,
}

impl UserDef {
    /// A local user with a personal role.
    pub fn local(id: &str, role: UserRole) -> Self {
        UserDef {
            id: id.into(),
            kind: UserKind::Local,
            role: Some(role),
            groups: Vec::new(),
        }
    }
    /// An Entra ID user, member of `groups`.
    pub fn entra(id: &str, groups: &[&str]) -> Self {
        UserDef {
            id: id.into(),
            kind: UserKind::Entra,
            role: None,
            groups: groups.iter().map(|g| (*g).into()).collect(),
        }
    }
}

/// One synced Entra ID group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct GroupDef {
    /// Unique id.
    pub id: String,
    /// The group's user role; absent when none was assigned (FO-R3: its members can sign in but
    /// get nothing from it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<UserRole>,
    /// Enabled (default) or disabled (FO-R12). A disabled group keeps its folder grants in the
    /// model; they count again when it is enabled.
    #[serde(default = "yes", skip_serializing_if = "is_true")]
    pub enabled: bool,
}

impl GroupDef {
    /// An enabled group with a user role.
    pub fn new(id: &str, role: UserRole) -> Self {
        GroupDef {
            id: id.into(),
            role: Some(role),
            enabled: true,
        }
    }
    /// An enabled group with no user role: its members can sign in but get nothing from it
    /// (FO-R3).
    pub fn without_role(id: &str) -> Self {
        GroupDef {
            id: id.into(),
            role: None,
            enabled: true,
        }
    }
    /// The same group, disabled.
    pub fn disabled(mut self) -> Self {
        self.enabled = false;
        self
    }
}

/// A folder role given to a local user or a group on a folder. Exactly one of `user` and
/// `group` is set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct GrantDef {
    /// The folder.
    pub folder: String,
    /// A local Non-admin user (FO-R7, FO-R14).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    /// A group that is not System admin (FO-R7).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    /// The role.
    pub role: FolderRole,
}

impl GrantDef {
    /// `role` on `folder` for the local user `user`.
    pub fn user(folder: &str, user: &str, role: FolderRole) -> Self {
        GrantDef {
            folder: folder.into(),
            user: Some(user.into()),
            group: None,
            role,
        }
    }
    /// `role` on `folder` for the group `group`.
    pub fn group(folder: &str, group: &str, role: FolderRole) -> Self {
        GrantDef {
            folder: folder.into(),
            user: None,
            group: Some(group.into()),
            role,
        }
    }
}

fn yes() -> bool {
    true
}

// serde's skip_serializing_if passes a reference.
fn is_true(b: &bool) -> bool {
    *b
}
