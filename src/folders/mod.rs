//! Folder roles on an integration dashboard (Invictus for Azure style).
//!
//! The rules follow `folders.md` (rule ids FO-R1 … FO-R26 below). A [`FolderModel`] is a plain
//! document; [`FolderModel::build`] validates it and compiles a [`FolderPolicy`];
//! [`FolderPolicy::check`] answers one [`FolderRequest`] with a [`FolderReason`] that names the
//! grant, user role or group that decided, or what was missing.
//!
//! # The model
//!
//! * **Two layers** (FO-R1). Every user has a *user role*, [`UserRole::NonAdmin`] or
//!   [`UserRole::SystemAdmin`], which gates the app-wide pages (the second table of the
//!   reference, FO-R20). On folders, a Non-admin holds *folder roles*: [`FolderRole::Reader`] <
//!   [`FolderRole::Operator`] < [`FolderRole::FolderAdmin`] (FO-R8 … FO-R10), each with
//!   everything below it.
//! * **Users** (FO-R2, FO-R14). A *local* user has a personal user role and gets folder roles
//!   only from direct grants. An *Entra ID* user has no personal role and cannot be assigned
//!   directly: both the user role and folder roles come from groups. Breaking either is a build
//!   error.
//! * **Groups** (FO-R4, FO-R12). An Entra user's user role is the highest role among their
//!   enabled groups that have one; with none, the user can sign in but every other action denies
//!   (`no_user_role`). A *disabled* group keeps its grants in the model but gives nothing while
//!   disabled: no folder role, no user role, no sign-in (option
//!   [`DisabledGroups::KeepUserRole`] keeps its user role and sign-in, stopping folder roles only).
//! * **System admin** (FO-R5, FO-R6, FO-R17), personal or through an enabled group, acts as
//!   Folder admin on every flow and folder, assigned or not, and is the only role that may edit,
//!   delete or create folders and grant permissions. System admins and System admin groups cannot
//!   be assigned to folders (FO-R7, build error).
//! * **The folder hierarchy** is a forest: any number of top-level folders, sub-folders at any
//!   depth. An unknown parent, a self-parent and a cycle are build errors naming the folder. It
//!   is compiled into pre-order intervals (`core::tree`, under a virtual root), so "is this
//!   folder at or below that one" is two comparisons and nothing recurses.
//! * **Flows** live in one folder each and carry the "Show Resubmit / Resume" switch (FO-R11):
//!   when off, nobody may resubmit, resume or ignore the flow, System admins included.
//!
//! # Decisions on the open questions
//!
//! Each is an option of [`FolderOptions`] with the reference's \[I\] reading as default.
//!
//! | rule | default | option |
//! |---|---|---|
//! | FO-R15 does a role reach sub-folders? | [`Inheritance::Subtree`]: yes, at every depth, never upwards | [`Inheritance::FolderOnly`]: the folder itself only |
//! | FO-R16 several grants on one flow | [`Combine::Highest`]: the highest role across every grant that applies, direct or through any enabled group, on the folder or any ancestor; a lower grant deeper down never reduces it | [`Combine::MostSpecific`]: the nearest folder with a grant decides (highest among its grants), so a deeper lower grant reduces an inherited higher one |
//! | FO-R12 what a disabled group keeps | [`DisabledGroups::GrantNothing`] | [`DisabledGroups::KeepUserRole`] |
//! | FO-R6 who creates folders | [`CreateFolder::SystemAdminOnly`] | [`CreateFolder::FolderAdminOnParent`] |
//!
//! [`Combine::Highest`] is monotone: adding a grant, raising a role or enabling a group never
//! removes access (property-tested). [`Combine::MostSpecific`] is not: a Reader grant on a
//! sub-folder takes away the Folder admin the user inherited there.
//!
//! Moving a flow (Edit flow with `to_folder`) needs Folder admin on both the source and the
//! target folder (FO-R19).
//!
//! # Visibility (FO-R18)
//!
//! [`FolderAction::ViewFolder`] allows with code `folder_role` where a grant applies (the folder
//! and its flows are shown), with code `navigation_only` on an ancestor of such a folder (name
//! only, no flows, no statistics, no actions) and denies with `folder_hidden` elsewhere, siblings
//! included.
//!
//! # Not modelled
//!
//! Audit records (FO-R23 … FO-R26) and the effects of deleting a folder or group (FO-R13,
//! FO-R25) change the model, not a decision: rebuild the snapshot. Only the *View audits*
//! permission is decided here (System admin only, FO-R23, FO-R26).

mod compile;
mod error;
mod evaluate;
mod model;
mod policy;
mod reason;
mod request;

pub use error::{FolderEntity, FolderModelError};
pub use model::{
    Combine, CreateFolder, DisabledGroups, FlowDef, FolderDef, FolderModel, FolderOptions,
    FolderRole, GrantDef, GroupDef, Inheritance, UserDef, UserKind, UserRole,
};
pub use policy::{FlowId, FolderId, FolderPolicy, GroupId, UserId};
pub use reason::{FolderReason, Grant, MemberId, RequestProblem, RoleSource, Via};
pub use request::{FolderAction, FolderMember, FolderRequest, RequestField, Target};
