//! The flows strategies and plain reference evaluator, shared by
//! `tests/flows_properties.rs` and the trust tests.

#![allow(
    dead_code,
    clippy::unwrap_used,
    reason = "each test target uses a different part; the reference unwraps ids it generated"
)]

use accessgate::flows::*;
use accessgate::Decision;
use proptest::prelude::*;

pub const FLOWS: usize = 4;
pub const USERS: usize = 3;
pub const KEYS: usize = 3;
pub const CUSTOM: [&str; 3] = ["R0", "R1", "R2"];
pub const SYSTEM: [&str; 14] = [
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
pub fn role_name(i: usize, alias: bool) -> String {
    match i {
        0 if alias => "NonAuthenticatedUser".into(),
        i if i < SYSTEM.len() => SYSTEM[i].into(),
        i => CUSTOM[(i - SYSTEM.len()) % CUSTOM.len()].into(),
    }
}
pub const ROLE_POOL: usize = 14 + 3;

pub fn permission() -> impl Strategy<Value = Permission> {
    prop_oneof![
        Just(Permission::Inherit),
        Just(Permission::Grant),
        Just(Permission::Deny)
    ]
}

pub fn cells(n: usize, weight: f64) -> impl Strategy<Value = Vec<Option<Permission>>> {
    prop::collection::vec(prop::option::weighted(weight, permission()), n)
}

pub fn login() -> impl Strategy<Value = Login> {
    prop_oneof![
        3 => Just(Login::Password),
        1 => Just(Login::Facebook),
        1 => Just(Login::GooglePlus),
        1 => Just(Login::Twitter),
        1 => Just(Login::Social),
        1 => Just(Login::Guest),
    ]
}

pub fn options() -> impl Strategy<Value = FlowOptions> {
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
                FlowOptions::default()
                    .with_role_levels(role_levels)
                    .with_call_identity(call_identity)
                    .with_max_call_depth(max_call_depth)
                    .with_cycles(cycles)
                    .with_chain_check(chain_check)
                    .with_guest_is_authenticated(guest)
            },
        )
}

/// A valid random model: flows `f0..f3`, users `u0..u2`, keys `k0..k2`, custom roles `R0..R2`.
pub fn model() -> impl Strategy<Value = FlowModel> {
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
            let mut m = FlowModel::default().with_options(options);
            m.roles = CUSTOM.iter().map(|r| (*r).to_owned()).collect();
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
                let mut key = KeyDef::new(&format!("k{i}"), &[]);
                key.roles = roles.into_iter().map(|r| role_name(r, false)).collect();
                m.keys.push(key);
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
pub fn request() -> impl Strategy<Value = FlowRequest> {
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

pub fn canonical(name: &str) -> &str {
    if name == "NonAuthenticatedUser" {
        "NotAuthenticatedUser"
    } else {
        name
    }
}

pub fn is_system(name: &str) -> bool {
    SYSTEM.contains(&canonical(name))
}

/// The role names a caller holds, canonical spelling; `None` user for no user.
pub struct RefCaller {
    user: Option<String>,
    roles: Vec<String>,
}

pub fn server() -> RefCaller {
    RefCaller {
        user: None,
        roles: vec!["ServerCodeUser".into()],
    }
}

pub fn ref_caller(m: &FlowModel, r: &FlowRequest) -> RefCaller {
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
pub fn ref_level(
    cells: &Permissions,
    caller: &RefCaller,
    pick: impl Fn(&str) -> bool,
) -> Option<bool> {
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

pub fn ref_roles(m: &FlowModel, cells: &Permissions, caller: &RefCaller) -> Option<bool> {
    match m.options.role_levels {
        RoleLevels::Separate => ref_level(cells, caller, |n| !is_system(n))
            .or_else(|| ref_level(cells, caller, is_system)),
        RoleLevels::Combined => ref_level(cells, caller, |_| true),
    }
}

/// The decision of one link.
pub fn ref_link(m: &FlowModel, flow: &FlowDef, scheduled: bool, caller: &RefCaller) -> bool {
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

pub fn reference(m: &FlowModel, r: &FlowRequest) -> bool {
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

pub fn allows(p: &FlowPolicy, r: &FlowRequest) -> bool {
    p.check(r).decision() == Decision::Allow
}
