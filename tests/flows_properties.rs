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

const FLOWS: usize = 4;
const USERS: usize = 3;
const KEYS: usize = 3;
const CUSTOM: [&str; 3] = ["R0", "R1", "R2"];
const SYSTEM: [&str; 14] = [
    "NotAuthenticatedUser",
    "AuthenticatedUser",
    "SocialUser",
    "FacebookUser",
    "GooglePlusUser",
    "TwitterUser",
    "ASUser",
    "AndroidUser",
    "DotNetUser",
    "IOSUser",
    "JSUser",
    "RestUser",
    "ServerCodeUser",
    "GuestUser",
];

/// Role names by pool index: the fourteen system roles, then the custom roles.
fn role_name(i: usize, alias: bool) -> String {
    match i {
        0 if alias => "NonAuthenticatedUser".into(),
        i if i < SYSTEM.len() => SYSTEM[i].into(),
        i => CUSTOM[(i - SYSTEM.len()) % CUSTOM.len()].into(),
    }
}
const ROLE_POOL: usize = 14 + 3;

fn permission() -> impl Strategy<Value = Permission> {
    prop_oneof![
        Just(Permission::Inherit),
        Just(Permission::Grant),
        Just(Permission::Deny)
    ]
}

fn cells(n: usize, weight: f64) -> impl Strategy<Value = Vec<Option<Permission>>> {
    prop::collection::vec(prop::option::weighted(weight, permission()), n)
}

fn login() -> impl Strategy<Value = Login> {
    prop_oneof![
        3 => Just(Login::Password),
        1 => Just(Login::Facebook),
        1 => Just(Login::GooglePlus),
        1 => Just(Login::Twitter),
        1 => Just(Login::Social),
        1 => Just(Login::Guest),
    ]
}

fn options() -> impl Strategy<Value = FlowOptions> {
    (
        prop_oneof![Just(RoleLevels::Separate), Just(RoleLevels::Combined)],
        prop_oneof![
            Just(CallIdentity::PropagateCaller),
            Just(CallIdentity::ServerContext)
        ],
        0u16..5,
        prop_oneof![Just(Cycles::Deny), Just(Cycles::DepthLimited)],
        prop_oneof![Just(ChainCheck::EveryLink), Just(ChainCheck::LastLink)],
        any::<bool>(),
    )
        .prop_map(
            |(role_levels, call_identity, max_call_depth, cycles, chain_check, guest)| {
                FlowOptions {
                    role_levels,
                    call_identity,
                    max_call_depth,
                    cycles,
                    chain_check,
                    guest_is_authenticated: guest,
                }
            },
        )
}

/// A valid random model: flows `f0..f3`, users `u0..u2`, keys `k0..k2`, custom roles `R0..R2`.
fn model() -> impl Strategy<Value = FlowModel> {
    let users = prop::collection::vec(
        (prop::collection::vec(any::<bool>(), CUSTOM.len()), login()),
        USERS,
    );
    let keys = prop::collection::vec(
        prop::sample::subsequence((0..ROLE_POOL).collect::<Vec<_>>(), 0..=2),
        KEYS,
    );
    let flows = prop::collection::vec(
        (
            prop::bool::weighted(0.85),
            cells(USERS, 0.3),
            cells(ROLE_POOL, 0.15),
            any::<bool>(),
        ),
        FLOWS,
    );
    (options(), users, keys, flows, cells(ROLE_POOL, 0.1)).prop_map(
        |(options, users, keys, flows, app_wide)| {
            let mut m = FlowModel {
                options,
                roles: CUSTOM.iter().map(|r| (*r).to_owned()).collect(),
                ..FlowModel::default()
            };
            for (i, (held, login)) in users.into_iter().enumerate() {
                let roles: Vec<&str> = CUSTOM
                    .iter()
                    .zip(held)
                    .filter(|(_, h)| *h)
                    .map(|(r, _)| *r)
                    .collect();
                m.users.push(
                    UserDef::new(&format!("u{i}"))
                        .with_roles(&roles)
                        .with_login(login),
                );
            }
            for (i, roles) in keys.into_iter().enumerate() {
                m.keys.push(KeyDef {
                    id: format!("k{i}"),
                    roles: roles.into_iter().map(|r| role_name(r, false)).collect(),
                });
            }
            for (i, (live, user_cells, role_cells, alias)) in flows.into_iter().enumerate() {
                let mut f = FlowDef::new(&format!("f{i}"));
                f.live = live;
                for (u, c) in user_cells.into_iter().enumerate() {
                    if let Some(p) = c {
                        f = f.user(&format!("u{u}"), p);
                    }
                }
                for (r, c) in role_cells.into_iter().enumerate() {
                    if let Some(p) = c {
                        f = f.role(&role_name(r, alias), p);
                    }
                }
                m.flows.push(f);
            }
            for (r, c) in app_wide.into_iter().enumerate() {
                if let Some(p) = c {
                    m.app_wide_roles.push(&role_name(r, false), p);
                }
            }
            m
        },
    )
}

/// A random request; index `FLOWS`, `USERS` or `KEYS` names an id that does not exist.
fn request() -> impl Strategy<Value = FlowRequest> {
    (
        0..=FLOWS,
        prop::option::of(0..=USERS),
        prop::option::weighted(0.5, 0..=KEYS),
        prop_oneof![
            6 => Just(Start::Api),
            1 => Just(Start::Schedule),
            1 => Just(Start::Trigger)
        ],
        prop::collection::vec(0..=FLOWS, 0..5),
    )
        .prop_map(|(flow, user, key, start, chain)| {
            let name = |i: usize, p: &str, n: usize| {
                if i == n {
                    format!("ghost-{p}")
                } else {
                    format!("{p}{i}")
                }
            };
            // Unknown ids are rare, so most requests reach the permission walk.
            let flow_name = |i: usize| name(i % (FLOWS + 1), "f", FLOWS);
            let mut r = FlowRequest::anonymous(&flow_name(flow));
            r.user = user.map(|u| name(u, "u", USERS));
            r.key = key.map(|k| name(k, "k", KEYS));
            r.start = start;
            if start != Start::Api && (flow + chain.len()) % 4 != 0 {
                r.user = None;
                r.key = None;
            }
            r.call_chain = chain.into_iter().map(flow_name).collect();
            r
        })
}

// ---------------------------------------------------------------------------------------------
// The reference evaluator: the rules of flows.md, written plainly over the document.

fn canonical(name: &str) -> &str {
    if name == "NonAuthenticatedUser" {
        "NotAuthenticatedUser"
    } else {
        name
    }
}

fn is_system(name: &str) -> bool {
    SYSTEM.contains(&canonical(name))
}

/// The role names a caller holds, canonical spelling; `None` user for no user.
struct RefCaller {
    user: Option<String>,
    roles: Vec<String>,
}

fn server() -> RefCaller {
    RefCaller {
        user: None,
        roles: vec!["ServerCodeUser".into()],
    }
}

fn ref_caller(m: &FlowModel, r: &FlowRequest) -> RefCaller {
    if r.start != Start::Api {
        return server();
    }
    let mut roles: Vec<String> = Vec::new();
    if let Some(k) = &r.key {
        let key = m.keys.iter().find(|d| &d.id == k).unwrap();
        roles.extend(key.roles.iter().map(|x| canonical(x).to_owned()));
    }
    match &r.user {
        Some(u) => {
            let user = m.users.iter().find(|d| &d.id == u).unwrap();
            roles.extend(user.roles.iter().cloned());
            let guest = user.login == Login::Guest;
            if !guest || m.options.guest_is_authenticated {
                roles.push("AuthenticatedUser".into());
            }
            match user.login {
                Login::Password => {}
                Login::Guest => roles.push("GuestUser".into()),
                Login::Facebook => roles.extend(["SocialUser".into(), "FacebookUser".into()]),
                Login::GooglePlus => roles.extend(["SocialUser".into(), "GooglePlusUser".into()]),
                Login::Twitter => roles.extend(["SocialUser".into(), "TwitterUser".into()]),
                Login::Social => roles.push("SocialUser".into()),
            }
            RefCaller {
                user: Some(u.clone()),
                roles,
            }
        }
        None => {
            if !roles.iter().any(|x| x == "ServerCodeUser") {
                roles.push("NotAuthenticatedUser".into());
            }
            RefCaller { user: None, roles }
        }
    }
}

/// Deny-wins over the cells of the roles held, restricted to `pick`; `Some(true)` grants.
fn ref_level(cells: &Permissions, caller: &RefCaller, pick: impl Fn(&str) -> bool) -> Option<bool> {
    let mut granted = false;
    for (name, p) in cells.iter() {
        if !pick(name) || !caller.roles.iter().any(|h| h == canonical(name)) {
            continue;
        }
        match p {
            Permission::Deny => return Some(false),
            Permission::Grant => granted = true,
            Permission::Inherit => {}
        }
    }
    granted.then_some(true)
}

fn ref_roles(m: &FlowModel, cells: &Permissions, caller: &RefCaller) -> Option<bool> {
    match m.options.role_levels {
        RoleLevels::Separate => ref_level(cells, caller, |n| !is_system(n))
            .or_else(|| ref_level(cells, caller, is_system)),
        RoleLevels::Combined => ref_level(cells, caller, |_| true),
    }
}

/// The decision of one link.
fn ref_link(m: &FlowModel, flow: &FlowDef, scheduled: bool, caller: &RefCaller) -> bool {
    if !flow.live {
        return false;
    }
    if scheduled {
        return true;
    }
    if let Some(u) = &caller.user {
        for (id, p) in flow.users.iter() {
            match (id == u, p) {
                (true, Permission::Grant) => return true,
                (true, Permission::Deny) => return false,
                _ => {}
            }
        }
    }
    ref_roles(m, &flow.roles, caller)
        .or_else(|| ref_roles(m, &m.app_wide_roles, caller))
        .unwrap_or(true)
}

fn reference(m: &FlowModel, r: &FlowRequest) -> bool {
    if r.call_chain.len() > usize::from(m.options.max_call_depth) {
        return false;
    }
    let mut path: Vec<&FlowDef> = Vec::new();
    for name in r.call_chain.iter().chain(std::iter::once(&r.flow)) {
        match m.flows.iter().find(|f| &f.id == name) {
            Some(f) => path.push(f),
            None => return false,
        }
    }
    if r.user
        .as_ref()
        .is_some_and(|u| !m.users.iter().any(|d| &d.id == u))
        || r.key
            .as_ref()
            .is_some_and(|k| !m.keys.iter().any(|d| &d.id == k))
    {
        return false;
    }
    if r.start != Start::Api && (r.user.is_some() || r.key.is_some()) {
        return false;
    }
    if m.options.cycles == Cycles::Deny {
        for (i, f) in path.iter().enumerate() {
            if path[..i].iter().any(|g| g.id == f.id) {
                return false;
            }
        }
    }
    let origin = ref_caller(m, r);
    let hop = match m.options.call_identity {
        CallIdentity::PropagateCaller => ref_caller(m, r),
        CallIdentity::ServerContext => server(),
    };
    let first = match m.options.chain_check {
        ChainCheck::EveryLink => 0,
        ChainCheck::LastLink => path.len() - 1,
    };
    path.iter().enumerate().skip(first).all(|(i, f)| {
        let caller = if i == 0 { &origin } else { &hop };
        ref_link(m, f, i == 0 && r.start != Start::Api, caller)
    })
}

fn allows(p: &FlowPolicy, r: &FlowRequest) -> bool {
    p.check(r).decision() == Decision::Allow
}

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
        let chained = FlowRequest { call_chain: chain.iter().map(|c| format!("f{c}")).collect(), ..direct };
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
                let r = FlowRequest { flow, user, key, start, call_chain: chain };
                let reason = p.check(&r);
                let text = reason.explain(&p).to_string();
                let prefix = if reason.decision() == Decision::Allow { "allowed: " } else { "denied: " };
                prop_assert!(text.starts_with(prefix), "{}", text);
                prop_assert_eq!(reason.decision() == Decision::Allow, reference(&m, &r), "{:?}: {:?}", r, reason);
            }
        }
    }
}
