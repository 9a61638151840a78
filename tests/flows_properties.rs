//! Invariants of flow decisions on random models (flows.md FR-R16, FR-R19 … FR-R29), and a
//! differential test of `FlowPolicy::check` against a plain reference evaluator written from
//! the rules over the model document.

#![allow(
    clippy::unwrap_used,
    reason = "test code: a failed unwrap is a test failure"
)]

use accessgate::flows::*;
use accessgate::Decision;
use proptest::prelude::*;

mod reference;

use reference::flows::*;

/// Sets the cell of `who` (a user index below `USERS`, else a role pool index) on flow `flow`.
fn set_cell(m: &mut FlowModel, flow: usize, who: usize, p: Permission) {
    let f = &mut m.flows[flow % FLOWS];
    if who < USERS {
        let id = format!("u{who}");
        f.users.0.retain(|(u, _)| *u != id);
        f.users.push(&id, p);
    } else {
        let name = role_name((who - USERS) % ROLE_POOL, false);
        f.roles.0.retain(|(r, _)| canonical(r) != name);
        f.roles.push(&name, p);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// The optimised evaluator agrees with the reference evaluator on every random request.
    #[test]
    fn fast_path_matches_reference(m in model(), requests in prop::collection::vec(request(), 16)) {
        let p = m.build().unwrap();
        for r in &requests {
            prop_assert_eq!(allows(&p, r), reference(&m, r), "{:?}: {:?}", r, p.check(r));
        }
    }

    /// FR-R19, FR-R21: an explicit user deny beats every role grant, on an API call and on the
    /// last link of a propagated chain.
    #[test]
    fn deny_wins_over_role_grant(mut m in model(), flow in 0..FLOWS, user in 0..USERS, chain in prop::collection::vec(0..FLOWS, 0..3)) {
        let f = &mut m.flows[flow];
        f.live = true;
        f.users.0.retain(|(u, _)| *u != format!("u{user}"));
        f.users.push(&format!("u{user}"), Permission::Deny);
        let roles: Vec<(String, Permission)> = (0..ROLE_POOL).map(|r| (role_name(r, false), Permission::Grant)).collect();
        f.roles = Permissions(roles);
        m.app_wide_roles = Permissions((0..ROLE_POOL).map(|r| (role_name(r, false), Permission::Grant)).collect());
        m.options.max_call_depth = 4;
        m.options.call_identity = CallIdentity::PropagateCaller;
        let p = m.build().unwrap();
        let direct = FlowRequest::user(&format!("f{flow}"), &format!("u{user}"));
        prop_assert_eq!(p.check(&direct).code(), "user_deny");
        let mut chained = direct;
        chained.call_chain = chain.iter().map(|c| format!("f{c}")).collect();
        prop_assert!(!allows(&p, &chained));
        for key in 0..KEYS {
            let with_key = chained.clone().with_key(&format!("k{key}"));
            prop_assert!(!allows(&p, &with_key), "{:?}", with_key);
        }
    }

    /// FR-R16: with no cell set anywhere, every caller may run every LIVE flow, directly or
    /// through a chain without repeats within the depth limit.
    #[test]
    fn nothing_set_grants_every_caller(mut m in model(), r in request()) {
        for f in &mut m.flows {
            f.users = Permissions::new();
            f.roles = Permissions::new();
            f.live = true;
        }
        m.app_wide_roles = Permissions::new();
        m.options.max_call_depth = 8;
        m.options.cycles = Cycles::DepthLimited;
        let p = m.build().unwrap();
        let known = !r.flow.starts_with("ghost")
            && r.call_chain.iter().all(|f| !f.starts_with("ghost"))
            && r.user.as_deref().is_none_or(|u| !u.starts_with("ghost"))
            && r.key.as_deref().is_none_or(|k| !k.starts_with("ghost"))
            && (r.start == Start::Api || (r.user.is_none() && r.key.is_none()));
        let reason = p.check(&r);
        prop_assert_eq!(reason.decision() == Decision::Allow, known, "{:?}: {:?}", r, reason);
        if known {
            prop_assert!(matches!(reason.code(), "inherited_grant" | "unchecked_start"), "{:?}", reason);
        }
    }

    /// Setting any one cell to deny never adds access.
    #[test]
    fn deny_never_adds_access(m in model(), flow in 0..FLOWS, who in 0..USERS + ROLE_POOL, requests in prop::collection::vec(request(), 16)) {
        let mut after = m.clone();
        set_cell(&mut after, flow, who, Permission::Deny);
        let (p, q) = (m.build().unwrap(), after.build().unwrap());
        for r in &requests {
            prop_assert!(!allows(&q, r) || allows(&p, r), "{:?}", r);
        }
    }

    /// Setting any one cell to grant never removes access.
    #[test]
    fn grant_never_removes_access(m in model(), flow in 0..FLOWS, who in 0..USERS + ROLE_POOL, requests in prop::collection::vec(request(), 16)) {
        let mut after = m.clone();
        set_cell(&mut after, flow, who, Permission::Grant);
        let (p, q) = (m.build().unwrap(), after.build().unwrap());
        for r in &requests {
            prop_assert!(!allows(&p, r) || allows(&q, r), "{:?}", r);
        }
    }

    /// FR-R22: combining custom and system roles into one level never allows more than keeping
    /// them separate.
    #[test]
    fn combined_levels_never_allow_more(mut m in model(), requests in prop::collection::vec(request(), 16)) {
        m.options.role_levels = RoleLevels::Separate;
        let separate = m.build().unwrap();
        m.options.role_levels = RoleLevels::Combined;
        let combined = m.build().unwrap();
        for r in &requests {
            prop_assert!(!allows(&combined, r) || allows(&separate, r), "{:?}", r);
        }
    }

    /// FR-R27, FR-R29: denying cycles and checking every link each only ever remove access.
    #[test]
    fn stricter_chain_options_never_allow_more(mut m in model(), requests in prop::collection::vec(request(), 16)) {
        m.options.cycles = Cycles::DepthLimited;
        m.options.chain_check = ChainCheck::LastLink;
        let loose = m.build().unwrap();
        m.options.cycles = Cycles::Deny;
        let no_cycles = m.build().unwrap();
        m.options.chain_check = ChainCheck::EveryLink;
        let strict = m.build().unwrap();
        for r in &requests {
            prop_assert!(!allows(&no_cycles, r) || allows(&loose, r), "{:?}", r);
            prop_assert!(!allows(&strict, r) || allows(&no_cycles, r), "{:?}", r);
        }
    }

    /// With the caller propagated and every link checked, prepending a caller to the chain only
    /// adds a link, so it never turns a denied request into an allowed one (FR-R25, FR-R26).
    /// (With server-context hops it can: the old first link is then checked as server context.)
    #[test]
    fn prepending_a_caller_never_adds_access(mut m in model(), r in request(), outer in 0..FLOWS) {
        m.options.chain_check = ChainCheck::EveryLink;
        m.options.call_identity = CallIdentity::PropagateCaller;
        m.options.max_call_depth = 8;
        let p = m.build().unwrap();
        if r.start != Start::Api {
            return Ok(());
        }
        let mut longer = r.clone();
        longer.call_chain.insert(0, format!("f{outer}"));
        prop_assert!(!allows(&p, &longer) || allows(&p, &r), "{:?}", longer);
    }

    /// Random documents, valid or not, and random requests never panic; every reason explains
    /// itself with the right prefix, and the decision follows the reason.
    #[test]
    fn random_models_never_panic(
        m in model(),
        corruption in prop::option::weighted(0.25, (0..7usize, any::<prop::sample::Index>())),
        requests in prop::collection::vec(
            (
                "f[0-5]|",
                prop::option::of("u[0-4]|"),
                prop::option::of("k[0-3]|"),
                prop_oneof![Just(Start::Api), Just(Start::Schedule), Just(Start::Trigger)],
                prop::collection::vec("f[0-5]", 0..7),
            ),
            1..12,
        ),
    ) {
        let mut m = m;
        if let Some((kind, at)) = corruption {
            let f = at.index(FLOWS);
            match kind {
                0 => m.flows[f].id = String::new(),
                1 => m.flows[f].id = format!("f{}", (f + 1) % FLOWS),
                2 => m.flows[f].users.push("nobody", Permission::Grant),
                3 => m.flows[f].roles.push("NoSuchRole", Permission::Deny),
                4 => m.users[at.index(USERS)].roles.push("AuthenticatedUser".into()),
                5 => m.roles.push("NonAuthenticatedUser".into()),
                _ => {
                    m.flows[f].roles.push("NotAuthenticatedUser", Permission::Grant);
                    m.flows[f].roles.push("NonAuthenticatedUser", Permission::Deny);
                }
            }
        }
        let built = m.build();
        prop_assert_eq!(built.is_ok(), corruption.is_none(), "{:?}", built.as_ref().err());
        if let Ok(p) = built {
            for (flow, user, key, start, chain) in requests {
                let mut r = FlowRequest::started_by(&flow, start);
                r.user = user;
                r.key = key;
                r.call_chain = chain;
                let reason = p.check(&r);
                let text = reason.explain(&p).to_string();
                let prefix = if reason.decision() == Decision::Allow { "allowed: " } else { "denied: " };
                prop_assert!(text.starts_with(prefix), "{}", text);
                prop_assert_eq!(reason.decision() == Decision::Allow, reference(&m, &r), "{:?}: {:?}", r, reason);
            }
        }
    }
}
