//! Flow execution permissions (FlowRunner style): who may start which flow.
//!
//! FlowRunner runs on the Backendless security model. Every flow has *execution permissions*
//! that say who may start it, through the Call Flow API or another flow's Call Flow step
//! (FR-R1, FR-R24). Each cell of the permission tabs is for one user or one role and has three
//! states: inherited (gray check, an implicit grant), explicitly granted (green check) and
//! explicitly denied (red X) (FR-R14). With nothing set, everyone may run everything (FR-R16).
//!
//! A [`FlowModel`] is a plain document of flows, users, custom roles, API keys and their
//! cells; [`FlowModel::build`] validates it into a [`FlowPolicy`]; [`FlowPolicy::check`]
//! answers a [`FlowRequest`] with a [`FlowReason`] that says which cell decided, on which link
//! of the call chain.
//!
//! ```
//! use accessgate::flows::*;
//!
//! let mut model = FlowModel::default();
//! model.roles.push("Finance".into());
//! model.users.push(UserDef::new("alice").with_roles(&["Finance"]));
//! model.users.push(UserDef::new("bob"));
//! model.flows.push(
//!     FlowDef::new("payroll")
//!         .role("NonAuthenticatedUser", Permission::Deny) // only logged-in users (FR-R4)
//!         .role("AuthenticatedUser", Permission::Deny)    // … and of those, only
//!         .role("Finance", Permission::Grant),            // Finance (FR-R23)
//! );
//! let policy = model.build()?;
//!
//! let alice = policy.check(&FlowRequest::user("payroll", "alice"));
//! assert_eq!(alice.code(), "custom_role_grant");
//! let bob = policy.check(&FlowRequest::user("payroll", "bob"));
//! assert_eq!(
//!     bob.explain(&policy).to_string(),
//!     "denied: system role `AuthenticatedUser` is explicitly denied flow `payroll` (deny wins among roles of one level), on the API call by user `bob`"
//! );
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Who the caller is
//!
//! A request's roles are the user's custom roles and the system roles of how the call is made
//! (FR-R8); see [`SystemRole`]:
//!
//! | caller | roles |
//! |---|---|
//! | logged-in user (`user`) | the user's custom roles, `AuthenticatedUser`, the login's social roles (FR-R6); a guest login gets `GuestUser` (and `AuthenticatedUser` by default, FR-R11) |
//! | no user | `NotAuthenticatedUser` (FR-R9), spelled `NonAuthenticatedUser` in FlowRunner: the same role (FR-R12) |
//! | API key (`key`) | the key's roles from the model's key map (FR-R7, FR-R13); [`KeyDef::classic`] gives the classic one-role-per-platform map |
//! | key carrying `ServerCodeUser`, no user | server context: `ServerCodeUser` and the key's roles, **not** `NotAuthenticatedUser` (FR-R10, FR-R10a) |
//! | key carrying `ServerCodeUser`, with a user | the user's roles and `ServerCodeUser` (FR-R10a) |
//! | scheduled or triggered start | no caller: the start itself is not permission-checked; its Call Flow hops run as server context (FR-R2, FR-R25) |
//!
//! # Resolution order
//!
//! For one link (one start of one flow), with \[D\] documented and \[I\] our interpretation:
//!
//! | step | rule | source |
//! |---|---|---|
//! | 0 | The flow must be LIVE, whoever calls: otherwise `not_live`. Checked before permissions. | FR-R2, FR-R3 \[D\]; FR-R28 \[I\] |
//! | 1 | **User level**: an explicit cell for the user decides (`user_grant` / `user_deny`); a user grant beats every role deny. | FR-R18, FR-R19 \[D\]; FR-R21, FR-R22 \[I\] |
//! | 2 | **Custom-role level**: if any of the caller's custom roles is denied → `custom_role_deny`; else if any is granted → `custom_role_grant`. | FR-R18 \[D\], FR-R20 \[D\] (deny wins within a level), FR-R22 \[I\] |
//! | 3 | **System-role level**: the same over the caller's system roles (`system_role_deny` / `system_role_grant`). | FR-R18, FR-R20 \[D\]; FR-R22 \[I\] |
//! | 4 | **App-wide roles** (optional, [`FlowModel::app_wide_roles`]): steps 2 and 3 over the app-wide cells; flow-specific cells come first. | FR-R15, FR-R18 levels 8–9 \[D\]; FR-R17 \[I\] |
//! | 5 | Otherwise the cell is inherited: `inherited_grant`. A grant to one principal does not make the flow an allow-list. | FR-R16 \[D\]; FR-R17, FR-R23 \[I\] |
//!
//! An explicit cell, grant or deny, stops the walk; an inherited cell passes to the next step
//! (FR-R21). Option [`RoleLevels::Combined`] merges steps 2 and 3 (and the two app-wide
//! levels) into one level where any role deny beats any role grant (the other reading of
//! FR-R22).
//!
//! # Call chains
//!
//! A [`FlowRequest`] may carry a `call_chain`: the flows already running, outermost first, each
//! having called the next by a Call Flow step, the last calling `flow`. The request is checked
//! in this order:
//!
//! 1. more than [`FlowOptions::max_call_depth`] hops → `call_depth_exceeded` (FR-R27 \[I\]);
//! 2. a flow, the user or the key is not in the model → `unknown_flow`, `unknown_user`,
//!    `unknown_key`; a user or key on a scheduled or triggered start → `unexpected_caller`;
//! 3. a flow that appears twice → `call_cycle`, naming it and where it first runs (FR-R27 \[I\];
//!    [`Cycles::DepthLimited`] checks recursion like any other call instead). The chain is a
//!    list, so evaluation never loops;
//! 4. each link, outermost first, by the steps above. Every hop is checked on its own; a
//!    permission on the caller never vouches for the callee, and the first failing link denies
//!    only that call (FR-R24 \[D\]; FR-R26 \[I\]). [`ChainCheck::LastLink`] checks only the last
//!    link, taking the running flows as already admitted (FR-R29 \[I\]).
//!
//! The principal of a Call Flow hop is the principal of the outermost start: the API caller,
//! or server context for a scheduled or triggered start (FR-R25 \[I\],
//! [`CallIdentity::PropagateCaller`]). [`CallIdentity::ServerContext`] checks every hop as
//! server context instead.
//!
//! Permission edits take effect for new requests as soon as a new policy is built; a policy is
//! an immutable snapshot (FR-R29).

mod compile;
mod error;
mod evaluate;
mod model;
mod policy;
mod reason;
mod request;
mod system;

pub use error::{FlowEntity, FlowModelError};
pub use model::{
    CallIdentity, ChainCheck, Cycles, FlowDef, FlowModel, FlowOptions, KeyDef, Login, Permission,
    Permissions, RoleLevels, UserDef,
};
pub use policy::{FlowId, FlowPolicy, KeyId, RoleId, UserId};
pub use reason::{Explicit, FlowReason, Link, Principal, RoleLevel, Via};
pub use request::{FlowRequest, Start};
pub use system::SystemRole;
