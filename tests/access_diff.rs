//! Access diff: empty on itself, exact on a known change, and in agreement with evaluating both
//! snapshots with `check()` (the engine behind `authorize()`).

#![allow(clippy::unwrap_used, reason = "tests")]

mod common;

use std::error::Error;
use std::path::Path;

use accessgate::dataverse::*;
use accessgate::RecordPrivilege;
use accessgate::{authorize, AccessLevel, PolicyDocument, Privilege, Request};
use proptest::prelude::*;

fn fixture(name: &str) -> Result<PolicyDocument, Box<dyn Error>> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("fixtures/diff/{name}.json"));
    Ok(serde_json::from_str(&std::fs::read_to_string(path)?)?)
}

/// Checks a diff against both snapshots: a record change exactly where `check` changed its
/// decision, each with at least one cause; a cell change exactly where the matrix cells differ
/// in level, and each with at least one cause.
fn assert_diff_agrees(b: &DataverseModel, a: &DataverseModel) -> Result<(), TestCaseError> {
    let (Ok(pb), Ok(pa)) = (b.build(), a.build()) else {
        return Ok(()); // a mutation that makes the model invalid says nothing about the diff
    };
    let diff = access_diff(&pb, &pa);
    for u in &diff.users {
        for c in &u.cells {
            prop_assert!(!c.causes.is_empty(), "{} {:?}", u.user, c);
        }
        for r in &u.records {
            prop_assert!(!r.causes.is_empty(), "{} {:?}", u.user, r);
        }
        prop_assert!(!(u.changes.is_empty() && u.cells.is_empty() && u.records.is_empty()));
    }
    let mut expected = Vec::new();
    let users: Vec<&String> = b
        .users
        .iter()
        .map(|u| &u.id)
        .chain(
            a.users
                .iter()
                .map(|u| &u.id)
                .filter(|id| pb.user_id(id).is_none()),
        )
        .collect();
    for user in &users {
        for r in &b.records {
            let (Some(rb), Some(ra)) = (pb.record_id(&r.id), pa.record_id(&r.id)) else {
                continue;
            };
            for privilege in Privilege::RECORD_RIGHTS {
                let before = pb
                    .user_id(user)
                    .is_some_and(|u| pb.check(u, privilege, rb).decision().is_allow());
                let after = pa
                    .user_id(user)
                    .is_some_and(|u| pa.check(u, privilege, ra).decision().is_allow());
                if before != after {
                    let change = if after { Change::Gained } else { Change::Lost };
                    expected.push(((*user).clone(), r.id.clone(), privilege, change));
                }
            }
        }
    }
    let mut listed: Vec<(String, String, Privilege, Change)> = diff
        .users
        .iter()
        .flat_map(|u| {
            u.records
                .iter()
                .map(move |r| (u.user.clone(), r.record.clone(), r.privilege, r.change))
        })
        .collect();
    let key = |x: &(String, String, Privilege, Change)| (x.0.clone(), x.1.clone(), x.2);
    expected.sort_by_key(key);
    listed.sort_by_key(key);
    prop_assert_eq!(listed, expected);
    // Cells: a listed level change matches the two matrices, and every level change is listed.
    for user in &users {
        let eb = pb.user_id(user).map(|u| pb.effective_access(u));
        let ea = pa.user_id(user).map(|u| pa.effective_access(u));
        for t in &b.tables {
            for privilege in Privilege::EACH {
                let level = |e: &Option<EffectiveAccess>| {
                    e.as_ref()
                        .and_then(|e| e.cell(&t.id, privilege))
                        .map_or(AccessLevel::None, |c| c.level)
                };
                let listed = diff.user(user).and_then(|u| {
                    u.cells
                        .iter()
                        .find(|c| c.table == t.id && c.privilege == privilege)
                });
                if pa.table_id(&t.id).is_none() {
                    prop_assert!(listed.is_none());
                    continue;
                }
                match listed {
                    Some(c) => prop_assert_eq!((c.before, c.after), (level(&eb), level(&ea))),
                    None => {
                        prop_assert_eq!(level(&eb), level(&ea), "{} {} {}", user, t.id, privilege)
                    }
                }
            }
        }
    }
    Ok(())
}

/// One small change of the kind an administrator makes.
fn mutate(m: &DataverseModel, kind: u8, pick: usize, level: u8) -> DataverseModel {
    let mut m = m.clone();
    let units = m.business_units.len();
    let level = AccessLevel::ALL[level as usize % 5];
    match kind % 7 {
        // Move a user to another business unit; in classic mode their assignments and records
        // follow them (R3.9).
        0 => {
            let u = pick % m.users.len();
            let id = m.users[u].id.clone();
            let to = format!("bu{}", (pick / 7) % units);
            m.users[u].business_unit = to.clone();
            if !m.options.matrix_mode {
                for a in &mut m.role_assignments {
                    if a.principal == PrincipalRef::User(id.clone()) {
                        a.business_unit = Some(to.clone());
                    }
                }
                for r in &mut m.records {
                    if r.owner == Some(PrincipalRef::User(id.clone())) {
                        r.owning_business_unit = Some(to.clone());
                    }
                }
            }
        }
        // Raise or lower one role cell.
        1 => {
            let r = pick % m.roles.len();
            let t = (pick / 5) % m.tables.len();
            let table = m.tables[t].clone();
            let level =
                if table.ownership == TableOwnership::Organization && level != AccessLevel::None {
                    AccessLevel::Organization
                } else {
                    level
                };
            let privilege = if table.ownership == TableOwnership::Organization {
                Privilege::READ
            } else {
                Privilege::EACH[(pick / 3) % 8]
            };
            let role = m.roles[r].clone();
            let mut levels = role.privileges.get(&table.id).cloned().unwrap_or_default();
            levels.retain(|k, _| !k.contains(privilege));
            levels.insert(privilege, level);
            m.roles[r].privileges.insert(table.id, levels);
        }
        // Assign a role to a user.
        2 => {
            let u = pick % m.users.len();
            let r = (pick / 3) % m.roles.len();
            m.role_assignments.push(RoleAssignmentDef::user(
                &m.users[u].id.clone(),
                &m.roles[r].id.clone(),
            ));
        }
        // Remove an assignment.
        3 => {
            if !m.role_assignments.is_empty() {
                let i = pick % m.role_assignments.len();
                m.role_assignments.remove(i);
            }
        }
        // A user joins or leaves a team.
        4 => {
            if !m.teams.is_empty() {
                let t = pick % m.teams.len();
                let user = m.users[(pick / 3) % m.users.len()].id.clone();
                let members = &mut m.teams[t].members;
                match members.iter().position(|x| *x == user) {
                    Some(i) => {
                        members.remove(i);
                    }
                    None => members.push(user),
                }
            }
        }
        // Flip a role's member's privilege inheritance.
        5 => {
            let r = pick % m.roles.len();
            m.roles[r].inheritance = match m.roles[r].inheritance {
                RoleInheritance::TeamPrivilegesOnly => RoleInheritance::DirectUserBasicAndTeam,
                RoleInheritance::DirectUserBasicAndTeam => RoleInheritance::TeamPrivilegesOnly,
            };
        }
        // Share a record with a user.
        _ => {
            let r = pick % m.records.len();
            let u = (pick / 3) % m.users.len();
            m.shares.push(ShareDef::new(
                &m.records[r].id,
                ShareTarget::User(m.users[u].id.clone()),
                Privilege::READ | Privilege::WRITE,
            ));
        }
    }
    m
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// A model diffed with itself is empty.
    #[test]
    fn diff_with_itself_is_empty(seed in common::seed()) {
        let p = common::model(&seed).build().unwrap();
        let diff = access_diff(&p, &p);
        prop_assert!(diff.is_empty(), "{}", diff);
    }

    /// After one administrator change, the diff lists exactly the (user, record, privilege)
    /// decisions that `check` changed, every level change of the matrix, and a cause for each.
    #[test]
    fn diff_matches_both_snapshots_after_one_change(
        seed in common::seed(), kind in 0u8..7, pick in any::<usize>(), level in 0u8..5
    ) {
        let before = common::model(&seed);
        let after = mutate(&before, kind, pick, level);
        assert_diff_agrees(&before, &after)?;
    }

    /// Between two unrelated random models (users, tables and records matched by name, some
    /// only on one side), the diff still agrees with evaluating both.
    #[test]
    fn diff_matches_both_snapshots_of_unrelated_models(a in common::seed(), b in common::seed()) {
        assert_diff_agrees(&common::model(&a), &common::model(&b))?;
    }
}

/// The bundled CSK pair: the Maker role's Read on `Agent Test Result` raised to Organization,
/// and `reviewer` moved from div-b to div-a. Exactly these entries, with these causes.
#[test]
fn csk_fixture_diff_is_exact() -> Result<(), Box<dyn Error>> {
    let before = fixture("before")?.build()?;
    let after = fixture("after")?.build()?;
    let (b, a) = (
        before.dataverse().ok_or("before")?,
        after.dataverse().ok_or("after")?,
    );
    assert!(access_diff(b, b).is_empty());
    let diff = access_diff(b, a);
    let raised = Cause::RolePrivilegeChanged {
        role: "CSK - Maker".into(),
        table: "Agent Test Result".into(),
        privilege: Privilege::READ,
        from: Some(AccessLevel::User),
        to: Some(AccessLevel::Organization),
    };
    let moved = Cause::UserMovedBusinessUnit {
        from: "div-b".into(),
        to: "div-a".into(),
    };
    let record_moved = Cause::RecordOwningUnitChanged {
        from: Some("div-b".into()),
        to: Some("div-a".into()),
    };
    let users: Vec<&str> = diff.users.iter().map(|u| u.user.as_str()).collect();
    assert_eq!(users, ["maker", "reviewer", "stranger"]);
    assert!(diff.users_added.is_empty() && diff.environment.is_empty());

    let cells = |user: &str| -> Vec<(String, Privilege, AccessLevel, AccessLevel, Vec<Cause>)> {
        diff.user(user)
            .map(|u| {
                u.cells
                    .iter()
                    .map(|c| {
                        (
                            c.table.clone(),
                            c.privilege,
                            c.before,
                            c.after,
                            c.causes.clone(),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default()
    };
    let records = |user: &str| -> Vec<(String, Privilege, Change, Vec<Cause>)> {
        diff.user(user)
            .map(|u| {
                u.records
                    .iter()
                    .map(|r| (r.record.clone(), r.privilege, r.change, r.causes.clone()))
                    .collect()
            })
            .unwrap_or_default()
    };
    use AccessLevel::*;
    let read = Privilege::READ;
    assert_eq!(
        cells("maker"),
        [(
            "Agent Test Result".into(),
            read,
            User,
            Organization,
            vec![raised.clone()]
        )]
    );
    assert_eq!(
        records("maker"),
        [(
            "result-reviewer".into(),
            read,
            Change::Gained,
            vec![raised.clone(), record_moved.clone()]
        )]
    );
    let reviewer = diff.user("reviewer").ok_or("reviewer")?;
    assert_eq!(reviewer.changes, std::slice::from_ref(&moved));
    assert_eq!(
        cells("reviewer"),
        [
            (
                "Agent Test Result".into(),
                read,
                BusinessUnit,
                Organization,
                vec![moved.clone(), raised.clone()]
            ),
            (
                "Agent Review".into(),
                read,
                ParentChild,
                ParentChild,
                vec![moved.clone()]
            ),
        ]
    );
    assert_eq!(
        records("reviewer"),
        [(
            "result-maker".into(),
            read,
            Change::Gained,
            vec![moved.clone(), raised.clone()]
        )]
    );
    assert_eq!(
        records("stranger"),
        [(
            "result-reviewer".into(),
            read,
            Change::Lost,
            vec![record_moved]
        )]
    );
    assert!(cells("stranger").is_empty());
    // The record part agrees with authorize() on both snapshots.
    for (user, record, gained) in [
        ("maker", "result-reviewer", true),
        ("reviewer", "result-maker", true),
        ("stranger", "result-reviewer", false),
    ] {
        let request = Request::Dataverse(accessgate::dataverse::DataverseRequest::Record(
            accessgate::dataverse::RecordQuery::new(user, RecordPrivilege::try_from(read)?, record),
        ));
        assert_eq!(authorize(&before, &request).decision().is_allow(), !gained);
        assert_eq!(authorize(&after, &request).decision().is_allow(), gained);
    }
    let json = serde_json::to_value(&diff)?;
    assert_eq!(
        json["users"][0]["cells"][0]["causes"][0]["kind"],
        "role_privilege_changed"
    );
    assert_eq!(
        json["users"][1]["changes"][0]["kind"],
        "user_moved_business_unit"
    );
    assert_eq!(json["users"][2]["records"][0]["change"], "lost");
    Ok(())
}

fn small() -> DataverseModel {
    let mut m = DataverseModel::default();
    m.business_units.push(BusinessUnitDef::root("contoso"));
    m.business_units
        .push(BusinessUnitDef::child("sales", "contoso"));
    m.tables.push(TableDef::user_owned("account"));
    m.roles.push(RoleDef::new("reader").grant(
        "account",
        Privilege::READ,
        AccessLevel::BusinessUnit,
    ));
    m.roles
        .push(RoleDef::new("basic").grant("account", Privilege::WRITE, AccessLevel::User));
    m.users.push(UserDef::new("alice", "contoso"));
    m.users.push(UserDef::new("bob", "sales"));
    m.teams.push(TeamDef::owner("sales-team", "sales", &[]));
    m.role_assignments
        .push(RoleAssignmentDef::user("alice", "basic"));
    m.role_assignments
        .push(RoleAssignmentDef::user("bob", "basic"));
    m.role_assignments
        .push(RoleAssignmentDef::team("sales-team", "reader"));
    m.records
        .push(RecordDef::owned_by_user("b1", "account", "bob"));
    m
}

/// Joining a team that holds a role: the team's grant appears, caused by the team membership
/// (R4.5), and the record in the team's unit becomes readable.
#[test]
fn team_join_is_the_cause() -> Result<(), Box<dyn Error>> {
    let before = small();
    let mut after = before.clone();
    after.teams[0].members.push("alice".into());
    let diff = access_diff(&before.build()?, &after.build()?);
    let alice = diff.user("alice").ok_or("alice")?;
    let joined = Cause::TeamJoined {
        team: "sales-team".into(),
    };
    assert_eq!(alice.changes, std::slice::from_ref(&joined));
    assert_eq!(alice.cells.len(), 1);
    assert_eq!(alice.cells[0].causes, std::slice::from_ref(&joined));
    assert_eq!(
        alice.cells[0].added[0].acts_as,
        ActsAs::Team {
            team: "sales-team".into()
        }
    );
    assert_eq!(alice.records.len(), 1);
    assert_eq!(
        (alice.records[0].privilege, alice.records[0].change),
        (Privilege::READ, Change::Gained)
    );
    assert!(alice.records[0].causes.contains(&joined));
    Ok(())
}

/// A role assignment removed, and (in matrix mode) one moved to another unit (R3.6).
#[test]
fn assignment_removed_and_moved() -> Result<(), Box<dyn Error>> {
    let mut before = small();
    before.options.matrix_mode = true;
    before
        .role_assignments
        .push(RoleAssignmentDef::user("alice", "reader").in_business_unit("contoso"));
    let mut removed = before.clone();
    removed.role_assignments.pop();
    let diff = access_diff(&before.build()?, &removed.build()?);
    let alice = diff.user("alice").ok_or("alice")?;
    assert_eq!(
        alice.changes,
        [Cause::RoleUnassigned {
            role: "reader".into(),
            business_unit: "contoso".into(),
            via: GrantVia::Direct
        }]
    );
    assert_eq!(
        (alice.cells[0].before, alice.cells[0].after),
        (AccessLevel::BusinessUnit, AccessLevel::None)
    );

    let mut moved = before.clone();
    moved.role_assignments.pop();
    moved
        .role_assignments
        .push(RoleAssignmentDef::user("alice", "reader").in_business_unit("sales"));
    let diff = access_diff(&before.build()?, &moved.build()?);
    let alice = diff.user("alice").ok_or("alice")?;
    let cause = Cause::AssignmentUnitChanged {
        role: "reader".into(),
        via: GrantVia::Direct,
        from: "contoso".into(),
        to: "sales".into(),
    };
    assert_eq!(alice.cells[0].causes, std::slice::from_ref(&cause));
    assert_eq!(
        (alice.cells[0].before, alice.cells[0].after),
        (AccessLevel::BusinessUnit, AccessLevel::BusinessUnit)
    );
    // bob's record is in `sales`: now reachable from the new anchor.
    assert_eq!(alice.records.len(), 1);
    assert_eq!(alice.records[0].record, "b1");
    assert_eq!(alice.records[0].causes, [cause]);
    Ok(())
}

/// A user added in the second snapshot gains from nothing; a removed one loses everything.
#[test]
fn users_added_and_removed() -> Result<(), Box<dyn Error>> {
    let before = small();
    let mut after = before.clone();
    after.users.push(UserDef::new("carol", "sales"));
    after
        .role_assignments
        .push(RoleAssignmentDef::user("carol", "basic"));
    let (b, a) = (before.build()?, after.build()?);
    let diff = access_diff(&b, &a);
    assert_eq!(diff.users_added, ["carol"]);
    let carol = diff.user("carol").ok_or("carol")?;
    assert_eq!(carol.changes[0], Cause::UserAdded);
    assert!(carol
        .cells
        .iter()
        .all(|c| c.causes.contains(&Cause::UserAdded)));
    let reverse = access_diff(&a, &b);
    assert_eq!(reverse.users_removed, ["carol"]);
    assert_eq!(
        reverse.user("carol").ok_or("carol")?.changes[0],
        Cause::UserRemoved
    );
    Ok(())
}
