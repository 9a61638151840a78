//! Invariants across the three systems, as property tests on random models: default deny,
//! determinism, monotonicity, levels nest, and one `Send + Sync` snapshot shared by threads.

#![allow(
    clippy::unwrap_used,
    clippy::panic,
    reason = "test code: a failed unwrap is a test failure"
)]

mod common;
mod reference;

use accessgate::dataverse::{
    ColumnAccess, DataverseModel, RoleAssignmentDef, ShareDef, ShareTarget, TableOwnership,
};
use accessgate::flows::{FlowModel, FlowRequest, Permission};
use accessgate::folders::{FolderModel, FolderRole};
use accessgate::RecordPrivilege;
use accessgate::{authorize, AccessLevel, Decision, Policy, PolicyDocument, Privilege, Request};
use proptest::prelude::*;
use reference::{extra, flows, folders};

// ---------------------------------------------------------------------------------------------
// Helpers.

/// A random Dataverse model, every option random.
fn dataverse() -> impl Strategy<Value = DataverseModel> {
    (common::seed(), extra::extra()).prop_map(|(seed, more)| {
        let mut m = common::model(&seed);
        extra::apply(&mut m, &more);
        m
    })
}

/// Every Dataverse request of a model worth asking: each user on each record with each record
/// privilege, each create, and each column read and update.
fn dataverse_requests(m: &DataverseModel) -> Vec<Request> {
    let mut out = Vec::new();
    for u in &m.users {
        for r in &m.records {
            for p in Privilege::EACH.into_iter().skip(1) {
                out.push(Request::Dataverse(
                    accessgate::dataverse::DataverseRequest::Record(
                        accessgate::dataverse::RecordQuery::new(
                            &u.id,
                            RecordPrivilege::try_from(p).unwrap(),
                            r.id.clone(),
                        ),
                    ),
                ));
            }
            for column in ["c0", "c1"] {
                for access in [ColumnAccess::Read, ColumnAccess::Update] {
                    out.push(Request::Dataverse(
                        accessgate::dataverse::DataverseRequest::Column(
                            accessgate::dataverse::ColumnQuery::new(&u.id, &r.id, column, access),
                        ),
                    ));
                }
            }
        }
        for t in &m.tables {
            out.push(Request::Dataverse(
                accessgate::dataverse::DataverseRequest::Create(
                    accessgate::dataverse::CreateQuery::new(&u.id, &t.id),
                ),
            ));
        }
    }
    out
}

fn dataverse_policy(m: &DataverseModel) -> Policy {
    Policy::from(m.build().unwrap())
}

/// Every request allowed by `before` is allowed by `after`.
fn no_access_lost(
    before: &Policy,
    after: &Policy,
    requests: &[Request],
) -> Result<(), TestCaseError> {
    for r in requests {
        let (b, a) = (authorize(before, r), authorize(after, r));
        prop_assert!(
            !b.decision().is_allow() || a.decision().is_allow(),
            "{:?} lost access: {:?} -> {:?}",
            r,
            b.reason(),
            a.reason()
        );
    }
    Ok(())
}

fn flow_requests(m: &FlowModel, extra: Vec<FlowRequest>) -> Vec<Request> {
    let mut out: Vec<Request> = extra.into_iter().map(Request::Flow).collect();
    for f in &m.flows {
        out.push(Request::Flow(FlowRequest::anonymous(&f.id)));
        for u in &m.users {
            out.push(Request::Flow(FlowRequest::user(&f.id, &u.id)));
        }
    }
    out
}

fn folder_requests(m: &FolderModel) -> Vec<Request> {
    folders::requests(m)
        .into_iter()
        .map(Request::Folder)
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Default deny.

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// A policy with no system configured denies every request, of every system.
    #[test]
    fn empty_policy_denies_everything(d in dataverse(), f in flows::model(), g in folders::models()) {
        let empty = PolicyDocument::default().build().unwrap();
        let mut requests = dataverse_requests(&d);
        requests.extend(flow_requests(&f, Vec::new()));
        requests.extend(folder_requests(&g));
        for r in &requests {
            let response = authorize(&empty, r);
            prop_assert_eq!(response.decision(), Decision::Deny);
            prop_assert_eq!(response.code(), "not_configured");
        }
    }

    /// Empty models (Dataverse: a root unit only) deny every request: every id is unknown.
    #[test]
    fn empty_models_deny_everything(d in dataverse(), f in flows::model(), g in folders::models()) {
        let mut doc = PolicyDocument::default().with_dataverse(DataverseModel::default()).with_flows(FlowModel::default()).with_folders(FolderModel::default());
        if let Some(m) = doc.dataverse.as_mut() {
            m.business_units.push(accessgate::dataverse::BusinessUnitDef::root("root"));
        }
        let policy = doc.build().unwrap();
        let mut requests = dataverse_requests(&d);
        requests.extend(flow_requests(&f, Vec::new()));
        requests.extend(folder_requests(&g));
        for r in &requests {
            prop_assert_eq!(authorize(&policy, r).decision(), Decision::Deny, "{:?}", r);
        }
    }

    /// Dataverse with no role assignments denies everything (R8.4 item 4): every record, create
    /// and column request, whatever the options, shares and hierarchy.
    #[test]
    fn dataverse_without_roles_denies_everything(mut d in dataverse()) {
        d.role_assignments.clear();
        let policy = dataverse_policy(&d);
        for r in &dataverse_requests(&d) {
            let response = authorize(&policy, r);
            prop_assert_eq!(response.decision(), Decision::Deny, "{:?}: {:?}", r, response.reason());
        }
    }

    /// Unknown ids deny, in every system.
    #[test]
    fn unknown_ids_deny(d in dataverse(), f in flows::model(), g in folders::models(), flow in flows::request()) {
        let policy = PolicyDocument::default().with_dataverse(d.clone()).with_flows(f.clone()).with_folders(g.clone()).build().unwrap();
        let ghost = |r: &Request| -> Vec<Request> {
            let mut out = Vec::new();
            match r.clone() {
                Request::Dataverse(accessgate::dataverse::DataverseRequest::Record(accessgate::dataverse::RecordQuery { privilege, record, user, .. })) => {
                    out.push(Request::Dataverse(accessgate::dataverse::DataverseRequest::Record(accessgate::dataverse::RecordQuery::new("ghost", privilege, record))));
                    out.push(Request::Dataverse(accessgate::dataverse::DataverseRequest::Record(accessgate::dataverse::RecordQuery::new(&user, privilege, "ghost"))));
                }
                Request::Dataverse(accessgate::dataverse::DataverseRequest::Create(accessgate::dataverse::CreateQuery { user, owner, owning_business_unit, .. })) => {
                    let mut create = accessgate::dataverse::CreateQuery::new(&user, "ghost");
                    create.owner = owner;
                    create.owning_business_unit = owning_business_unit;
                    out.push(Request::Dataverse(accessgate::dataverse::DataverseRequest::Create(create)));
                }
                Request::Dataverse(accessgate::dataverse::DataverseRequest::Column(accessgate::dataverse::ColumnQuery { user, column, access, .. })) => {
                    out.push(Request::Dataverse(accessgate::dataverse::DataverseRequest::Column(accessgate::dataverse::ColumnQuery::new(&user, "ghost", &column, access))));
                }
                _ => {}
            }
            out
        };
        for r in dataverse_requests(&d).iter().flat_map(ghost) {
            prop_assert_eq!(authorize(&policy, &r).code(), "unknown_id", "{:?}", r);
        }
        let mut unknown_flow = flow.clone();
        unknown_flow.flow = "no-such-flow".into();
        prop_assert_eq!(authorize(&policy, &Request::Flow(unknown_flow)).decision(), Decision::Deny);
        for mut r in folders::requests(&g) {
            r.user = "no-such-user".into();
            prop_assert_eq!(authorize(&policy, &Request::Folder(r)).decision(), Decision::Deny);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Determinism.

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// The same request twice gets the same response, and rebuilding the same document gives a
    /// snapshot with identical responses (decision and reason), in every system.
    #[test]
    fn determinism(d in dataverse(), f in flows::model(), g in folders::models(), fr in prop::collection::vec(flows::request(), 8)) {
        let doc = PolicyDocument::default().with_dataverse(d.clone()).with_flows(f.clone()).with_folders(g.clone());
        let (one, two) = (doc.build().unwrap(), doc.clone().build().unwrap());
        let mut requests = dataverse_requests(&d);
        requests.extend(flow_requests(&f, fr));
        requests.extend(folder_requests(&g));
        for r in &requests {
            let first = authorize(&one, r);
            prop_assert_eq!(&first, &authorize(&one, r), "{:?}", r);
            prop_assert_eq!(&first, &authorize(&two, r), "{:?}", r);
            prop_assert_eq!(first.explain(&one).to_string(), authorize(&two, r).explain(&two).to_string());
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Monotonicity.

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// R9.1, R9.2: adding a role assignment (to a user or a team) never removes access.
    #[test]
    fn dataverse_adding_a_role_never_removes_access(d in dataverse(), who in any::<usize>(), role in any::<usize>(), to_team in any::<bool>()) {
        let mut more = d.clone();
        let role = d.roles[role % d.roles.len()].id.clone();
        let holders: Vec<&accessgate::dataverse::TeamDef> = d.teams.iter().filter(|t| t.kind.holds_roles()).collect();
        more.role_assignments.push(if to_team && !holders.is_empty() {
            RoleAssignmentDef::team(&holders[who % holders.len()].id, &role)
        } else {
            RoleAssignmentDef::user(&d.users[who % d.users.len()].id, &role)
        });
        no_access_lost(&dataverse_policy(&d), &dataverse_policy(&more), &dataverse_requests(&d))?;
    }

    /// R5: adding a share never removes access.
    #[test]
    fn dataverse_adding_a_share_never_removes_access(d in dataverse(), rec in any::<usize>(), who in any::<usize>(), target in 0u8..3, rights in 1u8..=255) {
        let record = &d.records[rec % d.records.len()];
        let org = d.tables.iter().any(|t| t.id == record.table && t.ownership == TableOwnership::Organization);
        let rights = Privilege::from_bits_truncate(rights) - Privilege::CREATE;
        prop_assume!(!org && !rights.is_empty());
        let with = match target {
            0 => ShareTarget::User(d.users[who % d.users.len()].id.clone()),
            1 if !d.teams.is_empty() => ShareTarget::Team(d.teams[who % d.teams.len()].id.clone()),
            _ => ShareTarget::Organization,
        };
        let mut more = d.clone();
        more.shares.push(ShareDef::new(&record.id, with, rights));
        no_access_lost(&dataverse_policy(&d), &dataverse_policy(&more), &dataverse_requests(&d))?;
    }

    /// R4.3, R4.6: adding a member to a team never removes access.
    #[test]
    fn dataverse_adding_a_team_member_never_removes_access(d in dataverse(), team in any::<usize>(), who in any::<usize>()) {
        prop_assume!(!d.teams.is_empty());
        let mut more = d.clone();
        let t = team % d.teams.len();
        let user = d.users[who % d.users.len()].id.clone();
        prop_assume!(!d.teams[t].members.contains(&user));
        more.teams[t].members.push(user);
        no_access_lost(&dataverse_policy(&d), &dataverse_policy(&more), &dataverse_requests(&d))?;
    }

    /// FR-R21: setting any one flow cell to Deny never adds access.
    #[test]
    fn flows_adding_a_deny_never_adds_access(m in flows::model(), flow in 0..flows::FLOWS, who in 0..flows::USERS + flows::ROLE_POOL, rs in prop::collection::vec(flows::request(), 16)) {
        let mut after = m.clone();
        set_flow_cell(&mut after, flow, who, Permission::Deny);
        let requests = flow_requests(&m, rs);
        // Adding a deny never adds access = removing it never removes access.
        no_access_lost(&Policy::from(after.build().unwrap()), &Policy::from(m.build().unwrap()), &requests)?;
    }

    /// FR-R19: setting any one flow cell to Grant never removes access.
    #[test]
    fn flows_adding_a_grant_never_removes_access(m in flows::model(), flow in 0..flows::FLOWS, who in 0..flows::USERS + flows::ROLE_POOL, rs in prop::collection::vec(flows::request(), 16)) {
        let mut after = m.clone();
        set_flow_cell(&mut after, flow, who, Permission::Grant);
        let requests = flow_requests(&m, rs);
        no_access_lost(&Policy::from(m.build().unwrap()), &Policy::from(after.build().unwrap()), &requests)?;
    }

    /// FO-R16 (default `Combine::Highest`): adding a folder grant never removes access.
    #[test]
    fn folders_adding_a_grant_never_removes_access(mut m in folders::models(), folder in any::<prop::sample::Index>(), principal in any::<prop::sample::Index>(), role in 0usize..3) {
        m.options.combine = accessgate::folders::Combine::Highest;
        let principals = folders::eligible_principals(&m);
        prop_assume!(!principals.is_empty());
        let folder = m.folders[folder.index(m.folders.len())].id.clone();
        let principal = &principals[principal.index(principals.len())];
        let taken = m.grants.iter().any(|g| g.folder == folder
            && ((principal.0 == "user" && g.user.as_deref() == Some(principal.1.as_str()))
                || (principal.0 == "group" && g.group.as_deref() == Some(principal.1.as_str()))));
        prop_assume!(!taken);
        let mut more = m.clone();
        more.grants.push(folders::grant(&folder, principal, FolderRole::ALL[role]));
        no_access_lost(&Policy::from(m.build().unwrap()), &Policy::from(more.build().unwrap()), &folder_requests(&m))?;
    }
}

/// Sets the cell of `who` (a user index below `USERS`, else a role pool index) on one flow.
fn set_flow_cell(m: &mut FlowModel, flow: usize, who: usize, p: Permission) {
    let f = &mut m.flows[flow % flows::FLOWS];
    if who < flows::USERS {
        let id = format!("u{who}");
        f.users.0.retain(|(u, _)| *u != id);
        f.users.push(&id, p);
    } else {
        let name = flows::role_name((who - flows::USERS) % flows::ROLE_POOL, false);
        f.roles.0.retain(|(r, _)| flows::canonical(r) != name);
        f.roles.push(&name, p);
    }
}

// ---------------------------------------------------------------------------------------------
// Levels nest.

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// R2.2: raising one role cell (any table, any privilege, any options) never removes access,
    /// for record, create and column requests alike.
    #[test]
    fn dataverse_levels_nest(d in dataverse(), role in any::<usize>(), table in any::<usize>(), privilege in 0usize..8, up in 1usize..5) {
        let mut raised = d.clone();
        let table = &d.tables[table % d.tables.len()];
        let p = Privilege::EACH[privilege];
        let org = table.ownership == TableOwnership::Organization;
        let applies = table.privileges.unwrap_or(if org {
            Privilege::all() - Privilege::ASSIGN - Privilege::SHARE
        } else {
            Privilege::all()
        });
        prop_assume!(applies.contains(p));
        let r = &mut raised.roles[role % d.roles.len()];
        let cells = r.privileges.entry(table.id.clone()).or_default();
        let current = cells.iter().filter(|(k, _)| k.contains(p)).map(|(_, l)| *l).next_back().unwrap_or(AccessLevel::None);
        let level = if org { AccessLevel::Organization } else { AccessLevel::ALL[(current as usize + up).min(4)] };
        let keys: Vec<Privilege> = cells.keys().copied().filter(|k| k.contains(p)).collect();
        for k in keys {
            let l = cells.shift_remove(&k).unwrap();
            if k != p {
                cells.insert(k - p, l);
            }
        }
        cells.insert(p, level);
        no_access_lost(&dataverse_policy(&d), &dataverse_policy(&raised), &dataverse_requests(&d))?;
    }

    /// FO-R8–FO-R10: Reader ⊂ Operator ⊂ Folder admin: raising one grant never removes access.
    #[test]
    fn folders_levels_nest(m in folders::models(), pick in any::<prop::sample::Index>()) {
        prop_assume!(!m.grants.is_empty());
        let i = pick.index(m.grants.len());
        let mut higher = m.clone();
        higher.grants[i].role = match m.grants[i].role {
            FolderRole::Reader => FolderRole::Operator,
            FolderRole::Operator | FolderRole::FolderAdmin => FolderRole::FolderAdmin,
        };
        no_access_lost(&Policy::from(m.build().unwrap()), &Policy::from(higher.build().unwrap()), &folder_requests(&m))?;
    }
}

// ---------------------------------------------------------------------------------------------
// One snapshot, many threads.

/// The compiled snapshot is `Send + Sync`.
#[test]
fn policy_is_send_and_sync() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Policy>();
    assert_send_sync::<accessgate::dataverse::DataversePolicy>();
    assert_send_sync::<accessgate::flows::FlowPolicy>();
    assert_send_sync::<accessgate::folders::FolderPolicy>();
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// One snapshot shared by 4 threads (`std::thread::scope`) answers every request exactly as
    /// the single thread does.
    #[test]
    fn shared_snapshot_matches_single_thread(d in dataverse(), f in flows::model(), g in folders::models(), fr in prop::collection::vec(flows::request(), 16)) {
        let policy = PolicyDocument::default().with_dataverse(d.clone()).with_flows(f.clone()).with_folders(g.clone()).build().unwrap();
        let mut requests = dataverse_requests(&d);
        requests.extend(flow_requests(&f, fr));
        requests.extend(folder_requests(&g));
        let single: Vec<_> = requests.iter().map(|r| authorize(&policy, r)).collect();
        let (policy, requests) = (&policy, &requests);
        let answers: Vec<Vec<_>> = std::thread::scope(|s| {
            let handles: Vec<_> = (0..4)
                .map(|t| s.spawn(move || {
                    // Each thread walks the requests from a different starting point.
                    let n = requests.len();
                    let mut out = vec![None; n];
                    for k in 0..n {
                        let i = (k + t * n / 4) % n;
                        out[i] = Some(authorize(policy, &requests[i]));
                    }
                    out.into_iter().map(Option::unwrap).collect()
                }))
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        for (t, a) in answers.iter().enumerate() {
            prop_assert_eq!(a, &single, "thread {} differs", t);
        }
    }
}
