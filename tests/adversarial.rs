//! Adversarial models and requests: each either works (with the exact decision asserted) or
//! fails with a clear error (the exact message asserted). Nothing panics, recurses without
//! bound or allocates beyond the input's size. The heaviest variants are `#[ignore]`:
//! `cargo test --release --test adversarial -- --ignored`.
//!
//! The "Adversarial inputs" table of `docs/trust.md` lists each case and its outcome.

#![allow(
    clippy::unwrap_used,
    clippy::panic,
    reason = "test code: a failed unwrap is a test failure"
)]

use std::error::Error;

use accessgate::dataverse::*;
use accessgate::flows::{
    Cycles, FlowDef as FlowsFlowDef, FlowModel, FlowRequest, Permission, UserDef as FlowsUserDef,
};
use accessgate::folders::{
    FlowDef as FoldersFlowDef, FolderAction, FolderDef, FolderModel, FolderRequest, FolderRole,
    GrantDef, UserDef as FoldersUserDef, UserRole,
};
use accessgate::RecordPrivilege;
use accessgate::{authorize, AccessLevel, Decision, Policy, PolicyDocument, Privilege, Request};

type Result = std::result::Result<(), Box<dyn Error>>;

fn record(user: &str, privilege: Privilege, record: &str) -> Request {
    Request::Dataverse(accessgate::dataverse::DataverseRequest::Record(
        accessgate::dataverse::RecordQuery::new(
            user,
            RecordPrivilege::try_from(privilege).unwrap(),
            record,
        ),
    ))
}

/// `(decision, code)` of a request.
fn decide(policy: &Policy, request: &Request) -> (Decision, &'static str) {
    let r = authorize(policy, request);
    (r.decision(), r.code())
}

/// The build error of a Dataverse model, as text.
fn dataverse_error(m: &DataverseModel) -> String {
    match m.build() {
        Ok(_) => "built".into(),
        Err(e) => e.to_string(),
    }
}

/// A minimal valid model: root unit `root`, table `account`, role `reader` (Read at
/// Organization level) held by `alice`, and record `a1` owned by her.
fn base() -> DataverseModel {
    let mut m = DataverseModel::default();
    m.business_units.push(BusinessUnitDef::root("root"));
    m.tables.push(TableDef::user_owned("account"));
    m.roles.push(RoleDef::new("reader").grant(
        "account",
        Privilege::READ,
        AccessLevel::Organization,
    ));
    m.users.push(UserDef::new("alice", "root"));
    m.role_assignments
        .push(RoleAssignmentDef::user("alice", "reader"));
    m.records
        .push(RecordDef::owned_by_user("a1", "account", "alice"));
    m
}

// ---------------------------------------------------------------------------------------------
// Deep business-unit chains.

/// A chain of `depth` units, `bu0` the root; a Parent: Child reader at the root reaches a record
/// owned at the bottom, a Business Unit reader at the bottom does not reach one at the root.
fn bu_chain(depth: usize) -> Result {
    let mut m = DataverseModel::default();
    m.business_units.push(BusinessUnitDef::root("bu0"));
    for i in 1..depth {
        m.business_units.push(BusinessUnitDef::child(
            &format!("bu{i}"),
            &format!("bu{}", i - 1),
        ));
    }
    let bottom = format!("bu{}", depth - 1);
    m.tables.push(TableDef::user_owned("account"));
    m.roles
        .push(RoleDef::new("deep").grant("account", Privilege::READ, AccessLevel::ParentChild));
    m.roles.push(RoleDef::new("local").grant(
        "account",
        Privilege::READ,
        AccessLevel::BusinessUnit,
    ));
    m.users.push(UserDef::new("top", "bu0"));
    m.users.push(UserDef::new("bottom", &bottom));
    m.role_assignments
        .push(RoleAssignmentDef::user("top", "deep"));
    m.role_assignments
        .push(RoleAssignmentDef::user("bottom", "local"));
    m.records
        .push(RecordDef::owned_by_user("low", "account", "bottom"));
    m.records
        .push(RecordDef::owned_by_user("high", "account", "top"));
    // Deeper than the default limit: refused with the limit named, built when it is raised.
    let default_depth = accessgate::BuildLimits::default().depth;
    if depth > default_depth {
        assert_eq!(
            m.build().err(),
            Some(ModelError::TooLarge {
                what: "levels of business units",
                count: depth - 1,
                limit: default_depth,
            })
        );
    }
    let limits = accessgate::BuildLimits::default().with_depth(depth);
    let dv = m.build_with_limits(&limits)?;
    // Bounded memory: a few dozen bytes per unit, not a matrix.
    let bytes = dv.memory_bytes();
    assert!(
        bytes < 400 * depth,
        "{bytes} bytes for a chain of {depth} units"
    );
    let policy = Policy::from(dv);
    let read = Privilege::READ;
    assert_eq!(
        decide(&policy, &record("top", read, "low")),
        (Decision::Allow, "role_level")
    );
    assert_eq!(
        decide(&policy, &record("bottom", read, "high")),
        (Decision::Deny, "outside_levels")
    );
    assert_eq!(
        decide(&policy, &record("bottom", read, "low")),
        (Decision::Allow, "role_level")
    );
    Ok(())
}

/// R2.5: a 100,000-deep chain builds and decides.
#[test]
fn business_unit_chain_100_000_deep() -> Result {
    bu_chain(100_000)
}

/// R2.5: a 1,000,000-deep chain builds in bounded memory and decides.
#[test]
#[ignore = "heavy: cargo test --release --test adversarial -- --ignored"]
fn business_unit_chain_1_000_000_deep() -> Result {
    bu_chain(1_000_000)
}

/// R3.1: a cycle of units is an error naming a unit on it, with or without a root elsewhere.
#[test]
fn business_unit_cycles_are_errors() {
    let mut m = base();
    m.business_units.push(BusinessUnitDef::child("a", "b"));
    m.business_units.push(BusinessUnitDef::child("b", "a"));
    assert_eq!(
        dataverse_error(&m),
        "business unit `a` is its own ancestor: parents form the cycle `a` → `b` → `a`"
    );
    let mut m = base();
    m.business_units[0].parent = Some("root".into());
    assert_eq!(
        dataverse_error(&m),
        "business unit `root` is its own ancestor: parents form the cycle `root` → `root`"
    );
    let mut m = base();
    m.business_units.push(BusinessUnitDef::root("second"));
    assert_eq!(
        dataverse_error(&m),
        "business units `root` and `second` both have no parent: exactly one root is allowed"
    );
}

// ---------------------------------------------------------------------------------------------
// Wide models.

/// A role with Read on each of 10,000 tables; a record of the last table is readable.
#[test]
fn role_with_10_000_tables() -> Result {
    let mut m = base();
    let mut role = RoleDef::new("everything");
    for t in 0..10_000 {
        let id = format!("t{t}");
        m.tables.push(TableDef::user_owned(&id));
        role = role.grant(&id, Privilege::READ | Privilege::WRITE, AccessLevel::User);
    }
    m.roles.push(role);
    m.users.push(UserDef::new("bob", "root"));
    m.role_assignments
        .push(RoleAssignmentDef::user("bob", "everything"));
    m.records
        .push(RecordDef::owned_by_user("last", "t9999", "bob"));
    m.records
        .push(RecordDef::owned_by_user("other", "t9999", "alice"));
    let policy = Policy::from(m.build()?);
    assert_eq!(
        decide(&policy, &record("bob", Privilege::WRITE, "last")),
        (Decision::Allow, "role_level")
    );
    assert_eq!(
        decide(&policy, &record("bob", Privilege::WRITE, "other")),
        (Decision::Deny, "outside_levels")
    );
    assert_eq!(
        decide(&policy, &record("bob", Privilege::DELETE, "last")),
        (Decision::Deny, "no_privilege")
    );
    Ok(())
}

/// R4.3: a user in 10,000 owner teams, each with a role; a record owned by the last team is
/// reached through that team, one owned by a team they are not in is not.
#[test]
fn user_in_10_000_teams() -> Result {
    let mut m = base();
    m.roles
        .push(RoleDef::new("team-basic").grant("account", Privilege::WRITE, AccessLevel::User));
    for t in 0..10_000 {
        let id = format!("team{t}");
        m.teams.push(TeamDef::owner(&id, "root", &["carol"]));
        m.role_assignments
            .push(RoleAssignmentDef::team(&id, "team-basic"));
    }
    m.teams.push(TeamDef::owner("outsiders", "root", &[]));
    m.role_assignments
        .push(RoleAssignmentDef::team("outsiders", "team-basic"));
    m.users.push(UserDef::new("carol", "root"));
    m.role_assignments
        .push(RoleAssignmentDef::user("carol", "reader"));
    m.records
        .push(RecordDef::owned_by_team("teamrec", "account", "team9999"));
    m.records
        .push(RecordDef::owned_by_team("notmine", "account", "outsiders"));
    let policy = Policy::from(m.build()?);
    assert_eq!(
        decide(&policy, &record("carol", Privilege::WRITE, "teamrec")),
        (Decision::Allow, "role_level")
    );
    assert_eq!(
        decide(&policy, &record("carol", Privilege::WRITE, "notmine")),
        (Decision::Deny, "outside_levels")
    );
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Duplicate, dangling and empty ids.

/// Duplicate ids of every kind are errors naming the id.
#[test]
fn duplicate_ids_are_errors() {
    let mut m = base();
    m.users.push(UserDef::new("alice", "root"));
    assert_eq!(dataverse_error(&m), "user `alice` is defined twice");
    let mut m = base();
    m.records
        .push(RecordDef::owned_by_user("a1", "account", "alice"));
    assert_eq!(dataverse_error(&m), "record `a1` is defined twice");
    let mut m = base();
    m.tables.push(TableDef::user_owned("account"));
    assert_eq!(dataverse_error(&m), "table `account` is defined twice");
    let mut m = base();
    m.business_units
        .push(BusinessUnitDef::child("root", "root"));
    assert_eq!(dataverse_error(&m), "business unit `root` is defined twice");
}

/// Duplicate entries that are not ids (the same member twice, the same assignment twice, the
/// same share twice) are harmless: the decision is the same as with one.
#[test]
fn duplicate_entries_are_harmless() -> Result {
    let mut m = base();
    m.users.push(UserDef::new("dave", "root"));
    m.teams
        .push(TeamDef::owner("twice", "root", &["dave", "dave"]));
    m.role_assignments
        .push(RoleAssignmentDef::user("dave", "reader"));
    m.role_assignments
        .push(RoleAssignmentDef::user("dave", "reader"));
    m.shares.push(ShareDef::new(
        "a1",
        ShareTarget::Team("twice".into()),
        Privilege::READ,
    ));
    m.shares.push(ShareDef::new(
        "a1",
        ShareTarget::Team("twice".into()),
        Privilege::READ,
    ));
    let policy = Policy::from(m.build()?);
    assert_eq!(
        decide(&policy, &record("dave", Privilege::READ, "a1")),
        (Decision::Allow, "role_level")
    );
    Ok(())
}

/// Dangling references are errors naming the referrer and the missing id.
#[test]
fn dangling_ids_are_errors() {
    let mut m = base();
    m.role_assignments
        .push(RoleAssignmentDef::user("alice", "ghost-role"));
    assert_eq!(
        dataverse_error(&m),
        "a role assignment names role `ghost-role`, which does not exist"
    );
    let mut m = base();
    m.users.push(UserDef::new("eve", "nowhere"));
    assert_eq!(
        dataverse_error(&m),
        "user `eve` names business unit `nowhere`, which does not exist"
    );
    let mut m = base();
    m.records
        .push(RecordDef::owned_by_user("r2", "account", "ghost"));
    assert_eq!(
        dataverse_error(&m),
        "record `r2` names user `ghost`, which does not exist"
    );
    let mut m = base();
    m.shares.push(ShareDef::new(
        "ghost",
        ShareTarget::Organization,
        Privilege::READ,
    ));
    assert_eq!(
        dataverse_error(&m),
        "a share names record `ghost`, which does not exist"
    );
    let mut m = base();
    m.users[0].manager = Some("ghost".into());
    assert_eq!(
        dataverse_error(&m),
        "user `alice` names user `ghost`, which does not exist"
    );
}

/// Empty ids are errors; empty ids in a request deny as unknown.
#[test]
fn empty_strings() -> Result {
    let mut m = base();
    m.users.push(UserDef::new("", "root"));
    assert_eq!(dataverse_error(&m), "a user has an empty id");
    let mut m = base();
    m.business_units.push(BusinessUnitDef::child("", "root"));
    assert_eq!(dataverse_error(&m), "a business unit has an empty id");
    let mut m = base();
    m.tables[0].secured_columns.push(String::new());
    assert_eq!(dataverse_error(&m), "a secured column has an empty id");
    let policy = Policy::from(base().build()?);
    assert_eq!(
        decide(&policy, &record("", Privilege::READ, "a1")),
        (Decision::Deny, "unknown_id")
    );
    assert_eq!(
        decide(&policy, &record("alice", Privilege::READ, "")),
        (Decision::Deny, "unknown_id")
    );
    // An empty set cannot make a record request: reading one is refused.
    let e = serde_json::from_str::<Request>(
        r#"{"kind": "record", "user": "alice", "privilege": "", "record": "a1"}"#,
    );
    assert!(e.is_err());
    Ok(())
}

/// Ids of 1 MB work as ids; a 1 MB unknown id in a request denies as unknown.
#[test]
fn huge_ids() -> Result {
    let huge_user = "u".repeat(1 << 20);
    let huge_record = "r".repeat(1 << 20);
    let mut m = base();
    m.users.push(UserDef::new(&huge_user, "root"));
    m.role_assignments
        .push(RoleAssignmentDef::user(&huge_user, "reader"));
    m.records.push(RecordDef::owned_by_user(
        &huge_record,
        "account",
        &huge_user,
    ));
    let policy = Policy::from(m.build()?);
    assert_eq!(
        decide(&policy, &record(&huge_user, Privilege::READ, &huge_record)),
        (Decision::Allow, "role_level")
    );
    let other = "x".repeat(1 << 20);
    assert_eq!(
        decide(&policy, &record(&other, Privilege::READ, "a1")),
        (Decision::Deny, "unknown_id")
    );
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Cycles in the other hierarchies.

/// R6: a manager cycle and a position cycle are errors.
#[test]
fn manager_and_position_cycles_are_errors() {
    let mut m = base();
    m.users.push(UserDef::new("bob", "root"));
    m.users[0].manager = Some("bob".into());
    m.users[1].manager = Some("alice".into());
    assert_eq!(
        dataverse_error(&m),
        "user `alice` is above itself: the hierarchy forms a cycle"
    );
    let mut m = base();
    m.users[0].manager = Some("alice".into());
    assert_eq!(
        dataverse_error(&m),
        "user `alice` is above itself: the hierarchy forms a cycle"
    );
    let mut m = base();
    m.positions.push(PositionDef::child("p1", "p2"));
    m.positions.push(PositionDef::child("p2", "p1"));
    assert_eq!(
        dataverse_error(&m),
        "position `p1` is above itself: the hierarchy forms a cycle"
    );
}

/// R5.8: a cycle of record parent links builds; a share cascades around it once and stops.
#[test]
fn record_parent_cycle_cascades_once() -> Result {
    let mut m = base();
    m.roles[0] = RoleDef::new("reader").grant("account", Privilege::READ, AccessLevel::User);
    m.relationships
        .push(RelationshipDef::new("loop", "account", "account"));
    m.users.push(UserDef::new("bob", "root"));
    m.role_assignments
        .push(RoleAssignmentDef::user("bob", "reader"));
    for (id, parent) in [("x", "z"), ("y", "x"), ("z", "y")] {
        let mut r = RecordDef::owned_by_user(id, "account", "alice");
        r.parents.push(ParentLink::new("loop", parent));
        m.records.push(r);
    }
    m.shares.push(ShareDef::new(
        "x",
        ShareTarget::User("bob".into()),
        Privilege::READ,
    ));
    let policy = Policy::from(m.build()?);
    for id in ["x", "y", "z"] {
        assert_eq!(
            decide(&policy, &record("bob", Privilege::READ, id)),
            (Decision::Allow, "shared"),
            "{id}"
        );
    }
    assert_eq!(
        decide(&policy, &record("bob", Privilege::READ, "a1")),
        (Decision::Deny, "outside_levels")
    );
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Hostile JSON.

/// A request nested 100,000 levels deep is a parse error (serde_json's recursion limit), not a
/// stack overflow; a document nested that deep is an error at its first unknown field.
#[test]
fn deep_json_nesting_in_a_request() {
    let depth = 100_000;
    let json = format!(
        r#"{{"kind": "record", "user": {}"alice"{}, "privilege": "Read", "record": "a1"}}"#,
        "[".repeat(depth),
        "]".repeat(depth)
    );
    let err = serde_json::from_str::<Request>(&json).unwrap_err();
    assert!(
        err.to_string().starts_with("recursion limit exceeded"),
        "{err}"
    );
    let doc = format!(
        r#"{{"dataverse": {}{}}}"#,
        "{\"a\":".repeat(depth),
        "}".repeat(depth)
    );
    let err = serde_json::from_str::<PolicyDocument>(&doc).unwrap_err();
    assert!(err.to_string().starts_with("unknown field `a`"), "{err}");
    let value = serde_json::from_str::<serde_json::Value>(&doc).unwrap_err();
    assert!(
        value.to_string().starts_with("recursion limit exceeded"),
        "{value}"
    );
}

/// Unknown fields and wrong types in a document are parse errors naming them.
#[test]
fn unknown_fields_are_parse_errors() {
    let err = serde_json::from_str::<PolicyDocument>(r#"{"dataverse": {"userz": []}}"#)
        .unwrap_err()
        .to_string();
    assert!(err.starts_with("unknown field `userz`"), "{err}");
    let err = serde_json::from_str::<Request>(
        r#"{"kind": "record", "user": "a", "privilege": "Reed", "record": "r"}"#,
    )
    .unwrap_err()
    .to_string();
    assert!(err.starts_with("`Reed` is not a privilege"), "{err}");
}

// ---------------------------------------------------------------------------------------------
// Flows: long call chains.

fn flows_chain(links: usize, max_call_depth: u16, cycles: Cycles) -> (Decision, &'static str) {
    let mut m = FlowModel::default();
    m.options.max_call_depth = max_call_depth;
    m.options.cycles = cycles;
    m.flows.push(FlowsFlowDef::new("loop"));
    m.flows
        .push(FlowsFlowDef::new("last").user("ann", Permission::Grant));
    m.users.push(FlowsUserDef::new("ann"));
    let policy = Policy::from(m.build().unwrap());
    let mut r = FlowRequest::user("last", "ann");
    r.call_chain = vec!["loop".to_owned(); links];
    decide(&policy, &Request::Flow(r))
}

/// FR-R27: a 100,000-link call chain is longer than any depth limit (at most 65,535) and denies
/// as too deep; 65,535 links within the limit are checked link by link and allowed, or denied
/// as a cycle when cycles are denied.
#[test]
fn flow_call_chain_of_100_000_links() {
    assert_eq!(
        flows_chain(100_000, u16::MAX, Cycles::DepthLimited),
        (Decision::Deny, "call_depth_exceeded")
    );
    assert_eq!(
        flows_chain(100_000, 16, Cycles::DepthLimited),
        (Decision::Deny, "call_depth_exceeded")
    );
    assert_eq!(
        flows_chain(65_535, u16::MAX, Cycles::DepthLimited),
        (Decision::Allow, "user_grant")
    );
    assert_eq!(
        flows_chain(65_535, u16::MAX, Cycles::Deny),
        (Decision::Deny, "call_cycle")
    );
}

// ---------------------------------------------------------------------------------------------
// Folders: deep chains and cycles.

fn folder_chain(depth: usize) -> Result {
    let mut m = FolderModel::default();
    m.folders.push(FolderDef::top("f0"));
    for i in 1..depth {
        m.folders
            .push(FolderDef::child(&format!("f{i}"), &format!("f{}", i - 1)));
    }
    let bottom = format!("f{}", depth - 1);
    m.flows.push(FoldersFlowDef::new("deep", &bottom));
    m.flows.push(FoldersFlowDef::new("high", "f0"));
    m.users
        .push(FoldersUserDef::local("ann", UserRole::NonAdmin));
    m.users
        .push(FoldersUserDef::local("bob", UserRole::NonAdmin));
    m.grants
        .push(GrantDef::user("f0", "ann", FolderRole::Operator));
    m.grants
        .push(GrantDef::user(&bottom, "bob", FolderRole::FolderAdmin));
    // Past the default depth limit (refused, naming it); built when the limit is raised.
    let default_depth = accessgate::BuildLimits::default().depth;
    if depth > default_depth + 1 {
        assert_eq!(
            m.build().err().map(|e| e.to_string()),
            Some(format!(
                "too large: {} levels of folders, the build limit is {default_depth}",
                depth - 1
            ))
        );
    }
    let limits = accessgate::BuildLimits::default().with_depth(depth);
    let policy = Policy::from(m.build_with_limits(&limits)?);
    let on = |user: &str, action, flow: &str| {
        decide(
            &policy,
            &Request::Folder(FolderRequest::on_flow(user, action, flow)),
        )
    };
    // FO-R15: a grant at the top reaches the bottom; never upwards.
    assert_eq!(
        on("ann", FolderAction::ResubmitResume, "deep"),
        (Decision::Allow, "folder_role")
    );
    assert_eq!(
        on("ann", FolderAction::DeleteFlow, "deep").0,
        Decision::Deny
    );
    assert_eq!(
        on("bob", FolderAction::DeleteFlow, "deep"),
        (Decision::Allow, "folder_role")
    );
    assert_eq!(
        on("bob", FolderAction::ViewFlowStatuses, "high").0,
        Decision::Deny
    );
    Ok(())
}

/// FO-R15: a 100,000-deep folder chain builds and decides.
#[test]
fn folder_chain_100_000_deep() -> Result {
    folder_chain(100_000)
}

/// FO-R15: a 1,000,000-deep folder chain builds and decides.
#[test]
#[ignore = "heavy: cargo test --release --test adversarial -- --ignored"]
fn folder_chain_1_000_000_deep() -> Result {
    folder_chain(1_000_000)
}

/// Folder cycles and self-parents are errors naming the folder.
#[test]
fn folder_cycles_are_errors() {
    let mut m = FolderModel::default();
    m.folders.push(FolderDef::child("a", "b"));
    m.folders.push(FolderDef::child("b", "a"));
    assert_eq!(
        m.build().unwrap_err().to_string(),
        "folder `a` is its own ancestor: parents form a cycle"
    );
    let mut m = FolderModel::default();
    m.folders.push(FolderDef::child("a", "a"));
    assert_eq!(
        m.build().unwrap_err().to_string(),
        "folder `a` names itself as parent"
    );
}
