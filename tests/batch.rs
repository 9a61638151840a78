//! Batch decisions, accessible records and list queries agree with `check()` on random models
//! (dataverse.md §13: the filter is the algorithm with the record-independent part done once).

#![allow(
    clippy::unwrap_used,
    reason = "test code: a failed unwrap is a test failure"
)]

mod common;

use accessgate::dataverse::*;
use accessgate::RecordPrivilege;
use accessgate::{authorize, authorize_many, Policy, Privilege, Request};
use proptest::prelude::*;

/// Every (user, privilege, table) of a model, with the records of that table.
fn cases(
    policy: &DataversePolicy,
    m: &DataverseModel,
) -> Vec<(UserId, Privilege, TableId, Vec<RecordId>)> {
    let mut out = Vec::new();
    for u in &m.users {
        let user = policy.user_id(&u.id).unwrap();
        for t in &m.tables {
            let table = policy.table_id(&t.id).unwrap();
            let records: Vec<RecordId> = m
                .records
                .iter()
                .filter(|r| r.table == t.id)
                .map(|r| policy.record_id(&r.id).unwrap())
                .collect();
            for p in Privilege::EACH {
                out.push((user, p, table, records.clone()));
            }
        }
    }
    out
}

/// Checks every batch and list-query answer of one model against `check()`.
fn agrees_with_check(m: &DataverseModel) -> Result<(), TestCaseError> {
    let policy = m.build().unwrap();
    let all: Vec<RecordId> = m
        .records
        .iter()
        .map(|r| policy.record_id(&r.id).unwrap())
        .collect();
    for (user, privilege, table, records) in cases(&policy, m) {
        let expected: Vec<RecordId> = records
            .iter()
            .copied()
            .filter(|&r| policy.check(user, privilege, r).decision().is_allow())
            .collect();
        prop_assert_eq!(
            &policy.accessible(user, privilege, table),
            &expected,
            "accessible({:?}, {}, {:?})",
            user,
            privilege,
            table
        );
        let filter = policy.access_filter(user, privilege, table);
        prop_assert_eq!(&policy.accessible_with(&filter), &expected);
        for &r in &all {
            let allowed =
                policy.check(user, privilege, r).decision().is_allow() && records.contains(&r);
            prop_assert_eq!(filter.allows(&policy, r), allowed, "allows {:?}", r);
        }
        // `filter` over every record of every table keeps exactly what `check` allows.
        let kept = policy.filter(user, privilege, &all);
        let want: Vec<RecordId> = all
            .iter()
            .copied()
            .filter(|&r| policy.check(user, privilege, r).decision().is_allow())
            .collect();
        prop_assert_eq!(kept, want);
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// `accessible`, `filter`, `AccessFilter::allows` and the SQL clause's meaning all equal
    /// `check()` on every user, privilege, table and record of a random model.
    #[test]
    fn list_query_matches_check(seed in common::seed()) {
        agrees_with_check(&common::model(&seed))?;
    }

    /// The same under options the filter answers by listing records (hierarchy security on,
    /// A5's ownership reading in matrix mode): still exact.
    #[test]
    fn listed_fallback_matches_check(seed in common::seed(), hierarchy in any::<bool>()) {
        let mut m = common::model(&seed);
        if hierarchy {
            m.options.hierarchy.model = HierarchyModel::Manager;
        } else {
            m.options.matrix_mode = true;
            m.options.ownership_needs_role_in_owning_unit = true;
        }
        if m.build().is_ok() {
            agrees_with_check(&m)?;
        }
    }

    /// `check_many` and `authorize_many` answer like one call per request, in order.
    #[test]
    fn batches_match_single_calls(seed in common::seed()) {
        let m = common::model(&seed);
        let policy = m.build().unwrap();
        let decisions = common::all_decisions(&policy, &m);
        let requests: Vec<RecordRequest> = decisions
            .iter()
            .map(|(u, p, r, _)| {
                RecordRequest::new(policy.user_id(u).unwrap(), *p, policy.record_id(r).unwrap())
            })
            .collect();
        let reasons = policy.check_many(&requests);
        for (got, (_, _, _, want)) in reasons.iter().zip(&decisions) {
            prop_assert_eq!(got, want);
        }
        let whole = Policy::from(policy);
        let named: Vec<Request> = decisions
            .iter()
            .map(|(u, p, r, _)| Request::Dataverse(accessgate::dataverse::DataverseRequest::Record(accessgate::dataverse::RecordQuery::new(u, RecordPrivilege::try_from(*p).unwrap(), r.clone()))))
            .collect();
        let responses = authorize_many(&whole, &named);
        prop_assert_eq!(responses.len(), named.len());
        for (response, request) in responses.iter().zip(&named) {
            prop_assert_eq!(response, &authorize(&whole, request));
        }
    }
}

/// Unknown ids, Create and multi-privilege sets give an empty filter, as `check` denies them.
#[test]
fn odd_requests_match_nothing() -> Result<(), Box<dyn std::error::Error>> {
    let mut m = DataverseModel::default();
    m.business_units.push(BusinessUnitDef::root("contoso"));
    m.tables.push(TableDef::user_owned("account"));
    m.roles.push(RoleDef::new("all").grant(
        "account",
        Privilege::all(),
        accessgate::AccessLevel::Organization,
    ));
    m.users.push(UserDef::new("alice", "contoso"));
    m.role_assignments
        .push(RoleAssignmentDef::user("alice", "all"));
    m.records
        .push(RecordDef::owned_by_user("a1", "account", "alice"));
    let policy = m.build()?;
    let alice = policy.user_id("alice").ok_or("alice")?;
    let account = policy.table_id("account").ok_or("account")?;
    let a1 = policy.record_id("a1").ok_or("a1")?;
    assert_eq!(
        policy
            .access_filter(alice, Privilege::READ, account)
            .scope(),
        Scope::Everything
    );
    for p in [
        Privilege::CREATE,
        Privilege::READ | Privilege::WRITE,
        Privilege::empty(),
    ] {
        let f = policy.access_filter(alice, p, account);
        assert_eq!(f.scope(), Scope::Nothing);
        assert!(policy.filter(alice, p, &[a1]).is_empty());
    }
    let mut bigger = m.clone();
    bigger
        .users
        .extend((0..3).map(|i| UserDef::new(&format!("u{i}"), "contoso")));
    let other = bigger.build()?;
    let stranger = other.user_id("u2").ok_or("u2")?;
    assert!(policy
        .accessible(stranger, Privilege::READ, account)
        .is_empty());
    assert!(policy.filter(alice, Privilege::READ, &[a1, a1]).len() == 2);
    assert!(policy.memory_bytes() > 0);
    Ok(())
}
