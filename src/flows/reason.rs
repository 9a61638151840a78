//! Why a flow decision came out the way it did.

use std::fmt;

use crate::core::Decision;

use super::policy::{FlowId, FlowPolicy, RoleId, UserId};
use super::request::Start;

/// An explicit permission cell: a green check or a red X (FR-R14).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Explicit {
    /// Explicitly granted.
    Grant,
    /// Explicitly denied.
    Deny,
}

/// Whether a deciding role is a custom (developer-defined) or a system role (FR-R5, FR-R22).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RoleLevel {
    /// A developer-defined role.
    Custom,
    /// One of the fourteen system roles.
    System,
}

/// How the flow of a link is being started.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Via {
    /// The Call Flow API (FR-R2 a).
    Api,
    /// The flow's schedule (FR-R2 c).
    Schedule,
    /// The flow's trigger (FR-R2 d).
    Trigger,
    /// The Call Flow step of this flow (FR-R2 b, FR-R24).
    CallFlow(FlowId),
}

/// Who a link was checked as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Principal {
    /// A logged-in user, with their custom roles and the system roles of the request.
    User(UserId),
    /// No user and no server key: `NotAuthenticatedUser` and the key's roles (FR-R9).
    Anonymous,
    /// Business logic with no user: `ServerCodeUser` and the key's roles, never
    /// `NotAuthenticatedUser` (FR-R10a, FR-R25).
    ServerContext,
}

/// One start of a flow on a request's call chain.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Link {
    /// 0 for the outermost start; link `i` is the Call Flow step of the flow of link `i - 1`.
    pub index: u16,
    /// The flow being started.
    pub flow: FlowId,
    /// How it is started.
    pub via: Via,
    /// Who it is checked as.
    pub principal: Principal,
}

/// Why a flow request was allowed or denied.
///
/// For a call chain the reason is that of the first link that denies, or of the last link when
/// every link allows; [`Link`] says which.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum FlowReason {
    /// The flow's cell for the user is explicit and decides (FR-R19, FR-R22 step 2).
    User {
        /// The deciding link.
        link: Link,
        /// The user.
        user: UserId,
        /// The cell.
        permission: Explicit,
    },
    /// A flow's cell for one of the caller's roles decides: deny wins among the roles of one
    /// level (FR-R20, FR-R22 steps 3 and 4).
    Role {
        /// The deciding link.
        link: Link,
        /// The role: the first denying one, or the first granting one when none denies.
        role: RoleId,
        /// Custom or system.
        level: RoleLevel,
        /// The cell.
        permission: Explicit,
    },
    /// The flow leaves every cell of the caller inherited, and an app-wide role permission
    /// decides (FR-R15, FR-R17, FR-R18 levels 8 and 9).
    AppWideRole {
        /// The deciding link.
        link: Link,
        /// The role.
        role: RoleId,
        /// Custom or system.
        level: RoleLevel,
        /// The app-wide permission.
        permission: Explicit,
    },
    /// Allow: nothing explicit applies to the caller, so the inherited grant does (FR-R16,
    /// FR-R17, FR-R23).
    Inherited {
        /// The deciding link.
        link: Link,
    },
    /// Allow: a scheduled or triggered start has no caller to check (FR-R2, FR-R25).
    UncheckedStart {
        /// The start.
        link: Link,
    },
    /// Deny: the flow is not LIVE, whoever the caller (FR-R3, FR-R28).
    NotLive {
        /// The link whose flow is not LIVE.
        link: Link,
    },
    /// Deny: the flow is already running on the call chain (FR-R27).
    CallCycle {
        /// The link that would start the flow again.
        link: Link,
        /// The link where it first runs.
        first: u16,
    },
    /// Deny: the call chain is longer than [`FlowOptions::max_call_depth`](super::FlowOptions)
    /// (FR-R27).
    CallDepthExceeded {
        /// The Call Flow hops of the request, saturating at `u32::MAX`.
        depth: u32,
        /// The limit.
        limit: u16,
    },
    /// Deny: a flow of the request does not exist in the model.
    UnknownFlow {
        /// Its index in `call_chain`, or the chain's length for the requested flow.
        position: u16,
        /// Whether it is the requested flow rather than a `call_chain` entry.
        requested: bool,
    },
    /// Deny: the request's user does not exist in the model.
    UnknownUser,
    /// Deny: the request's key does not exist in the model.
    UnknownKey,
    /// Deny: a scheduled or triggered start has no caller, but the request names a user or key.
    UnexpectedCaller {
        /// The start.
        start: Start,
    },
}

impl FlowReason {
    /// The decision this reason stands for.
    #[inline]
    pub fn decision(&self) -> Decision {
        match self {
            FlowReason::User { permission, .. }
            | FlowReason::Role { permission, .. }
            | FlowReason::AppWideRole { permission, .. } => match permission {
                Explicit::Grant => Decision::Allow,
                Explicit::Deny => Decision::Deny,
            },
            FlowReason::Inherited { .. } | FlowReason::UncheckedStart { .. } => Decision::Allow,
            FlowReason::NotLive { .. }
            | FlowReason::CallCycle { .. }
            | FlowReason::CallDepthExceeded { .. }
            | FlowReason::UnknownFlow { .. }
            | FlowReason::UnknownUser
            | FlowReason::UnknownKey
            | FlowReason::UnexpectedCaller { .. } => Decision::Deny,
        }
    }

    /// A stable snake_case code for the kind of reason, used by scenario files.
    ///
    /// `user_grant`, `user_deny`, `custom_role_grant`, `custom_role_deny`, `system_role_grant`,
    /// `system_role_deny`, `app_wide_custom_role_grant`, `app_wide_custom_role_deny`,
    /// `app_wide_system_role_grant`, `app_wide_system_role_deny`, `inherited_grant`,
    /// `unchecked_start`, `not_live`, `call_cycle`, `call_depth_exceeded`, `unknown_flow`,
    /// `unknown_user`, `unknown_key`, `unexpected_caller`.
    pub fn code(&self) -> &'static str {
        match *self {
            FlowReason::User { permission, .. } => match permission {
                Explicit::Grant => "user_grant",
                Explicit::Deny => "user_deny",
            },
            FlowReason::Role {
                level, permission, ..
            } => match (level, permission) {
                (RoleLevel::Custom, Explicit::Grant) => "custom_role_grant",
                (RoleLevel::Custom, Explicit::Deny) => "custom_role_deny",
                (RoleLevel::System, Explicit::Grant) => "system_role_grant",
                (RoleLevel::System, Explicit::Deny) => "system_role_deny",
            },
            FlowReason::AppWideRole {
                level, permission, ..
            } => match (level, permission) {
                (RoleLevel::Custom, Explicit::Grant) => "app_wide_custom_role_grant",
                (RoleLevel::Custom, Explicit::Deny) => "app_wide_custom_role_deny",
                (RoleLevel::System, Explicit::Grant) => "app_wide_system_role_grant",
                (RoleLevel::System, Explicit::Deny) => "app_wide_system_role_deny",
            },
            FlowReason::Inherited { .. } => "inherited_grant",
            FlowReason::UncheckedStart { .. } => "unchecked_start",
            FlowReason::NotLive { .. } => "not_live",
            FlowReason::CallCycle { .. } => "call_cycle",
            FlowReason::CallDepthExceeded { .. } => "call_depth_exceeded",
            FlowReason::UnknownFlow { .. } => "unknown_flow",
            FlowReason::UnknownUser => "unknown_user",
            FlowReason::UnknownKey => "unknown_key",
            FlowReason::UnexpectedCaller { .. } => "unexpected_caller",
        }
    }

    /// The link that decided, if the request got as far as checking links.
    pub fn link(&self) -> Option<Link> {
        match *self {
            FlowReason::User { link, .. }
            | FlowReason::Role { link, .. }
            | FlowReason::AppWideRole { link, .. }
            | FlowReason::Inherited { link }
            | FlowReason::UncheckedStart { link }
            | FlowReason::NotLive { link }
            | FlowReason::CallCycle { link, .. } => Some(link),
            FlowReason::CallDepthExceeded { .. }
            | FlowReason::UnknownFlow { .. }
            | FlowReason::UnknownUser
            | FlowReason::UnknownKey
            | FlowReason::UnexpectedCaller { .. } => None,
        }
    }

    /// The reason with names from `policy`, ready to print. Starts with `allowed: ` or
    /// `denied: `.
    ///
    /// ```
    /// use accessgate::flows::*;
    ///
    /// let mut model = FlowModel::default();
    /// model.users.push(UserDef::new("alice"));
    /// model.flows.push(FlowDef::new("month-end"));
    /// model.flows.push(FlowDef::new("billing").user("alice", Permission::Deny));
    /// let policy = model.build()?;
    /// let reason = policy.check(&FlowRequest::user("billing", "alice").called_from(&["month-end"]));
    /// assert_eq!(
    ///     reason.explain(&policy).to_string(),
    ///     "denied: user `alice` is explicitly denied flow `billing`, on link 1 (the Call Flow step of `month-end`, as user `alice`)"
    /// );
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn explain<'a>(&'a self, policy: &'a FlowPolicy) -> impl fmt::Display + 'a {
        Explained {
            reason: self,
            policy,
        }
    }
}

struct Explained<'a> {
    reason: &'a FlowReason,
    policy: &'a FlowPolicy,
}

struct PrincipalName<'a>(Principal, &'a FlowPolicy);

impl fmt::Display for PrincipalName<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Principal::User(u) => write!(f, "user `{}`", self.1.user_name(u)),
            Principal::Anonymous => f.write_str("an anonymous caller"),
            Principal::ServerContext => f.write_str("server context"),
        }
    }
}

struct LinkName<'a>(Link, &'a FlowPolicy);

impl fmt::Display for LinkName<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Link {
            index,
            via,
            principal,
            ..
        } = self.0;
        let who = PrincipalName(principal, self.1);
        match via {
            Via::Api => write!(f, "on the API call by {who}"),
            Via::Schedule => f.write_str("on the scheduled start"),
            Via::Trigger => f.write_str("on the triggered start"),
            Via::CallFlow(caller) => write!(
                f,
                "on link {index} (the Call Flow step of `{}`, as {who})",
                self.1.flow_name(caller)
            ),
        }
    }
}

fn level_name(level: RoleLevel) -> &'static str {
    match level {
        RoleLevel::Custom => "custom role",
        RoleLevel::System => "system role",
    }
}

impl fmt::Display for Explained<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let p = self.policy;
        let flow = |link: Link| p.flow_name(link.flow);
        match *self.reason {
            FlowReason::User {
                link,
                user,
                permission,
            } => match permission {
                Explicit::Grant => write!(
                    f,
                    "allowed: user `{}` is explicitly granted flow `{}`, {}",
                    p.user_name(user),
                    flow(link),
                    LinkName(link, p)
                ),
                Explicit::Deny => write!(
                    f,
                    "denied: user `{}` is explicitly denied flow `{}`, {}",
                    p.user_name(user),
                    flow(link),
                    LinkName(link, p)
                ),
            },
            FlowReason::Role {
                link,
                role,
                level,
                permission,
            } => match permission {
                Explicit::Grant => write!(
                    f,
                    "allowed: {} `{}` is explicitly granted flow `{}` and no role of its level is denied, {}",
                    level_name(level),
                    p.role_name(role),
                    flow(link),
                    LinkName(link, p)
                ),
                Explicit::Deny => write!(
                    f,
                    "denied: {} `{}` is explicitly denied flow `{}` (deny wins among roles of one level), {}",
                    level_name(level),
                    p.role_name(role),
                    flow(link),
                    LinkName(link, p)
                ),
            },
            FlowReason::AppWideRole {
                link,
                role,
                level,
                permission,
            } => write!(
                f,
                "{}: flow `{}` sets no permission for {}, and {} `{}` is {} app-wide, {}",
                match permission {
                    Explicit::Grant => "allowed",
                    Explicit::Deny => "denied",
                },
                flow(link),
                PrincipalName(link.principal, p),
                level_name(level),
                p.role_name(role),
                match permission {
                    Explicit::Grant => "granted",
                    Explicit::Deny => "denied",
                },
                LinkName(link, p)
            ),
            FlowReason::Inherited { link } => write!(
                f,
                "allowed: flow `{}` sets no permission for {} or its roles, so the inherited grant applies, {}",
                flow(link),
                PrincipalName(link.principal, p),
                LinkName(link, p)
            ),
            FlowReason::UncheckedStart { link } => write!(
                f,
                "allowed: flow `{}` is LIVE, and a start with no caller is not permission-checked, {}",
                flow(link),
                LinkName(link, p)
            ),
            FlowReason::NotLive { link } => write!(
                f,
                "denied: flow `{}` is not LIVE, so no one can run it, {}",
                flow(link),
                LinkName(link, p)
            ),
            FlowReason::CallCycle { link, first } => write!(
                f,
                "denied: call cycle: flow `{}` already runs at link {first} of the call chain, {}",
                flow(link),
                LinkName(link, p)
            ),
            FlowReason::CallDepthExceeded { depth, limit } => write!(
                f,
                "denied: the call chain has {depth} Call Flow steps, more than the limit of {limit}"
            ),
            FlowReason::UnknownFlow {
                position,
                requested,
            } => {
                if requested {
                    f.write_str("denied: the requested flow does not exist in the model")
                } else {
                    write!(
                        f,
                        "denied: call-chain entry {position} names a flow that does not exist in the model"
                    )
                }
            }
            FlowReason::UnknownUser => {
                f.write_str("denied: the request's user does not exist in the model")
            }
            FlowReason::UnknownKey => {
                f.write_str("denied: the request's key does not exist in the model")
            }
            FlowReason::UnexpectedCaller { start } => write!(
                f,
                "denied: a {} start has no caller, but the request names a user or key",
                match start {
                    Start::Api => "API",
                    Start::Schedule => "scheduled",
                    Start::Trigger => "triggered",
                }
            ),
        }
    }
}
