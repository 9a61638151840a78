//! Flow decisions over a compiled [`FlowPolicy`]: the algorithm of `flows.md` FR-R22, applied
//! link by link along a call chain (FR-R24 … FR-R28).

use std::collections::HashMap;

use smallvec::SmallVec;

use super::model::{CallIdentity, ChainCheck, Cycles, RoleLevels};
use super::policy::{FlowId, FlowInfo, FlowPolicy, Holder, RoleCells, RoleId, UserId};
use super::reason::{Explicit, FlowReason, Link, Principal, RoleLevel, Via};
use super::request::{FlowRequest, Start};
use super::system::{RoleMask, SystemRole};

/// Who a link is checked as: the principal and every role it holds (FR-R8).
#[derive(Clone, Copy)]
struct Caller<'a> {
    principal: Principal,
    user: Option<u32>,
    /// The user's custom roles, sorted.
    user_roles: &'a [u32],
    /// The key's custom roles, sorted.
    key_roles: &'a [u32],
    system: RoleMask,
}

impl Caller<'_> {
    /// Server context: no user, roles {`ServerCodeUser`} (FR-R10a, FR-R25).
    fn server() -> Caller<'static> {
        Caller {
            principal: Principal::ServerContext,
            user: None,
            user_roles: &[],
            key_roles: &[],
            system: RoleMask::of(SystemRole::ServerCodeUser),
        }
    }

    #[inline]
    fn holds_custom(&self, role: u32) -> bool {
        self.user_roles.binary_search(&role).is_ok() || self.key_roles.binary_search(&role).is_ok()
    }
}

/// The first index `again` whose flow already appears at an earlier index `first`.
fn first_repeat(path: &[u32]) -> Option<(usize, usize)> {
    if path.len() <= 32 {
        for again in 1..path.len() {
            if let Some(first) = path[..again].iter().position(|f| *f == path[again]) {
                return Some((first, again));
            }
        }
        return None;
    }
    let mut seen: HashMap<u32, usize> = HashMap::with_capacity(path.len());
    for (again, flow) in path.iter().enumerate() {
        if let Some(&first) = seen.get(flow) {
            return Some((first, again));
        }
        seen.insert(*flow, again);
    }
    None
}

/// A position on a chain no longer than `u16::MAX + 1` entries.
#[inline]
fn pos(index: usize) -> u16 {
    // INVARIANT: `check` rejects chains longer than `max_call_depth: u16` before any position is
    // taken, so this never saturates.
    u16::try_from(index).unwrap_or(u16::MAX)
}

impl FlowPolicy {
    /// Decides whether the request's caller may run its flow, through every link of its call
    /// chain, with the reason.
    ///
    /// The order: the call depth (FR-R27); unknown flows, user and key; a caller named on a
    /// start that has none; a cycle (FR-R27); then each link, outermost first (only the last
    /// with [`ChainCheck::LastLink`](super::ChainCheck)): LIVE (FR-R28), then the permission
    /// walk of FR-R22. The first link that denies decides; when all allow, the last decides.
    ///
    /// Total: never panics; anything it cannot resolve denies with a reason.
    ///
    /// ```
    /// use accessgate::flows::*;
    ///
    /// let mut model = FlowModel::default();
    /// model.flows.push(FlowDef::new("a"));
    /// model.flows.push(FlowDef::new("b").role("NotAuthenticatedUser", Permission::Deny));
    /// let policy = model.build()?;
    ///
    /// // An anonymous caller starts `a`, whose Call Flow step calls `b`: the caller propagates.
    /// let reason = policy.check(&FlowRequest::anonymous("b").called_from(&["a"]));
    /// assert_eq!(reason.code(), "system_role_deny");
    /// assert_eq!(reason.link().map(|l| l.index), Some(1));
    ///
    /// // `a` calls `b`, which calls `a` again: a cycle, never looped.
    /// let reason = policy.check(&FlowRequest::anonymous("a").called_from(&["a", "b"]));
    /// assert_eq!(reason.code(), "call_cycle");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn check(&self, request: &FlowRequest) -> FlowReason {
        let limit = self.options.max_call_depth;
        let depth = request.call_chain.len();
        if depth > usize::from(limit) {
            return FlowReason::CallDepthExceeded {
                depth: u32::try_from(depth).unwrap_or(u32::MAX),
                limit,
            };
        }

        let mut path: SmallVec<[u32; 8]> = SmallVec::with_capacity(depth + 1);
        let names = request
            .call_chain
            .iter()
            .chain(std::iter::once(&request.flow));
        for (position, name) in names.enumerate() {
            match self.names.flows.get(name) {
                Some(flow) => path.push(flow),
                None => {
                    return FlowReason::UnknownFlow {
                        position: pos(position),
                        requested: position == depth,
                    }
                }
            }
        }

        let user = match &request.user {
            None => None,
            Some(name) => match self
                .names
                .users
                .get(name)
                .and_then(|u| self.users.get(u as usize).map(|h| (u, h)))
            {
                Some(found) => Some(found),
                None => return FlowReason::UnknownUser,
            },
        };
        let key = match &request.key {
            None => None,
            Some(name) => match self
                .names
                .keys
                .get(name)
                .and_then(|k| self.keys.get(k as usize))
            {
                Some(found) => Some(found),
                None => return FlowReason::UnknownKey,
            },
        };

        let origin = match request.start {
            Start::Api => self.api_caller(user, key),
            Start::Schedule | Start::Trigger => {
                if user.is_some() || key.is_some() {
                    return FlowReason::UnexpectedCaller {
                        start: request.start,
                    };
                }
                Caller::server()
            }
        };
        let hop = match self.options.call_identity {
            CallIdentity::PropagateCaller => origin,
            CallIdentity::ServerContext => Caller::server(),
        };
        let link_at = |index: usize, flow: u32| Link {
            index: pos(index),
            flow: FlowId(flow),
            via: match index.checked_sub(1).and_then(|i| path.get(i)) {
                Some(&caller) => Via::CallFlow(FlowId(caller)),
                None => match request.start {
                    Start::Api => Via::Api,
                    Start::Schedule => Via::Schedule,
                    Start::Trigger => Via::Trigger,
                },
            },
            principal: if index == 0 {
                origin.principal
            } else {
                hop.principal
            },
        };

        match self.options.cycles {
            Cycles::Deny => {
                if let Some((first, again)) = first_repeat(&path) {
                    let flow = path.get(again).copied().unwrap_or_default();
                    return FlowReason::CallCycle {
                        link: link_at(again, flow),
                        first: pos(first),
                    };
                }
            }
            Cycles::DepthLimited => {}
        }

        let from = match self.options.chain_check {
            ChainCheck::EveryLink => 0,
            ChainCheck::LastLink => depth,
        };
        // INVARIANT: `path` holds `depth + 1` flows and `from <= depth`, so the loop runs at
        // least once and overwrites this placeholder.
        let mut last = FlowReason::UnknownFlow {
            position: pos(depth),
            requested: true,
        };
        for (index, &flow) in path.iter().enumerate().skip(from) {
            let caller = if index == 0 { origin } else { hop };
            let link = link_at(index, flow);
            last = match self.flows.get(flow as usize) {
                Some(info) => self.check_link(link, info, caller),
                None => FlowReason::UnknownFlow {
                    position: pos(index),
                    requested: index == depth,
                },
            };
            if !last.decision().is_allow() {
                return last;
            }
        }
        last
    }

    /// The caller of an API call: the user's and the key's roles, plus `NotAuthenticatedUser`
    /// when there is no user and the key is not server code (FR-R6 … FR-R10a).
    fn api_caller<'a>(
        &self,
        user: Option<(u32, &'a Holder)>,
        key: Option<&'a Holder>,
    ) -> Caller<'a> {
        let key_roles: &[u32] = key.map_or(&[], |k| &k.custom);
        let key_system = key.map_or(RoleMask::EMPTY, |k| k.system);
        match user {
            Some((u, holder)) => Caller {
                principal: Principal::User(UserId(u)),
                user: Some(u),
                user_roles: &holder.custom,
                key_roles,
                system: key_system.union(holder.system),
            },
            None => {
                let server = key_system.contains(SystemRole::ServerCodeUser);
                Caller {
                    principal: if server {
                        Principal::ServerContext
                    } else {
                        Principal::Anonymous
                    },
                    user: None,
                    user_roles: &[],
                    key_roles,
                    system: if server {
                        key_system
                    } else {
                        key_system.union(RoleMask::of(SystemRole::NotAuthenticatedUser))
                    },
                }
            }
        }
    }

    /// One link: LIVE first (FR-R28), then the walk of FR-R22.
    fn check_link(&self, link: Link, info: &FlowInfo, caller: Caller<'_>) -> FlowReason {
        if !info.live {
            return FlowReason::NotLive { link };
        }
        match link.via {
            Via::Schedule | Via::Trigger => return FlowReason::UncheckedStart { link },
            Via::Api | Via::CallFlow(_) => {}
        }
        // Step 2, user level (FR-R19, FR-R21).
        if let Some(u) = caller.user {
            if let Ok(i) = info.users.binary_search_by_key(&u, |(user, _)| *user) {
                if let Some(&(_, permission)) = info.users.get(i) {
                    return FlowReason::User {
                        link,
                        user: UserId(u),
                        permission,
                    };
                }
            }
        }
        // Steps 3 and 4, the flow's role levels (FR-R20, FR-R22).
        if let Some((role, level, permission)) = self.roles_decide(&info.roles, &caller) {
            return FlowReason::Role {
                link,
                role,
                level,
                permission,
            };
        }
        // App-wide role levels (FR-R17, FR-R18 levels 8 and 9).
        if let Some((role, level, permission)) = self.roles_decide(&self.app_wide, &caller) {
            return FlowReason::AppWideRole {
                link,
                role,
                level,
                permission,
            };
        }
        // Step 5: inherited grant (FR-R16).
        FlowReason::Inherited { link }
    }

    /// The role levels of one set of cells: deny wins within a level (FR-R20), custom before
    /// system unless the levels are combined (FR-R22).
    fn roles_decide(
        &self,
        cells: &RoleCells,
        caller: &Caller<'_>,
    ) -> Option<(RoleId, RoleLevel, Explicit)> {
        let custom = |want: Explicit| {
            cells
                .custom
                .iter()
                .find(|(role, e)| *e == want && caller.holds_custom(*role))
                .map(|(role, _)| (RoleId(*role), RoleLevel::Custom, want))
        };
        let system = |want: Explicit| {
            let mask = match want {
                Explicit::Grant => cells.system_grant,
                Explicit::Deny => cells.system_deny,
            };
            mask.first_common(caller.system)
                .map(|role| (RoleId::system(role), RoleLevel::System, want))
        };
        match self.options.role_levels {
            RoleLevels::Separate => custom(Explicit::Deny)
                .or_else(|| custom(Explicit::Grant))
                .or_else(|| system(Explicit::Deny))
                .or_else(|| system(Explicit::Grant)),
            RoleLevels::Combined => custom(Explicit::Deny)
                .or_else(|| system(Explicit::Deny))
                .or_else(|| custom(Explicit::Grant))
                .or_else(|| system(Explicit::Grant)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `first_repeat` finds the earliest second occurrence, on both the short and the long path.
    #[test]
    fn first_repeat_finds_earliest_second_occurrence() {
        assert_eq!(first_repeat(&[]), None);
        assert_eq!(first_repeat(&[1, 2, 3]), None);
        assert_eq!(first_repeat(&[1, 2, 1, 2]), Some((0, 2)));
        assert_eq!(first_repeat(&[1, 2, 2, 1]), Some((1, 2)));
        let mut long: Vec<u32> = (0..40).collect();
        assert_eq!(first_repeat(&long), None);
        long.push(7);
        long.push(3);
        assert_eq!(first_repeat(&long), Some((7, 40)));
    }
}
