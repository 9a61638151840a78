//! Public-API tests of the Dataverse model: build errors, snapshot properties, deep trees.

#![allow(clippy::panic, reason = "test helpers fail the test by panicking")]

use std::error::Error;

use accessgate::dataverse::*;
use accessgate::RecordPrivilege;
use accessgate::{authorize, AccessLevel, Policy, PolicyDocument, Privilege, Request};

fn base() -> DataverseModel {
    let mut m = DataverseModel::default();
    m.business_units.push(BusinessUnitDef::root("root"));
    m.business_units
        .push(BusinessUnitDef::child("sales", "root"));
    m.tables.push(TableDef::user_owned("account"));
    m.tables.push(TableDef::organization_owned("currency"));
    m.roles
        .push(RoleDef::new("rep").grant("account", Privilege::READ, AccessLevel::BusinessUnit));
    m.users.push(UserDef::new("alice", "sales"));
    m.role_assignments
        .push(RoleAssignmentDef::user("alice", "rep"));
    m.records
        .push(RecordDef::owned_by_user("a1", "account", "alice"));
    m
}

fn error_of(change: impl FnOnce(&mut DataverseModel)) -> ModelError {
    let mut m = base();
    change(&mut m);
    match m.build() {
        Ok(_) => panic!("the model should not build"),
        Err(e) => e,
    }
}

/// The base model builds; each bad input fails with the precise error naming the id.
#[test]
fn bad_models_fail_with_precise_errors() {
    assert!(base().build().is_ok());
    let cases: Vec<(ModelError, &str)> = vec![
        (
            error_of(|m| m.users.push(UserDef::new("alice", "sales"))),
            "user `alice` is defined twice",
        ),
        (error_of(|m| m.users.push(UserDef::new("", "sales"))), "a user has an empty id"),
        (
            error_of(|m| m.users.push(UserDef::new("bob", "marketing"))),
            "user `bob` names business unit `marketing`, which does not exist",
        ),
        (
            error_of(|m| m.business_units.push(BusinessUnitDef::root("second"))),
            "business units `root` and `second` both have no parent: exactly one root is allowed",
        ),
        (
            error_of(|m| {
                m.business_units.push(BusinessUnitDef::child("x", "y"));
                m.business_units.push(BusinessUnitDef::child("y", "x"));
            }),
            "business unit `x` is its own ancestor: parents form the cycle `x` → `y` → `x`",
        ),
        (
            error_of(|m| m.business_units[0].parent = Some("sales".into())),
            "no business unit is the root: exactly one must have no parent",
        ),
        (
            error_of(|m| m.roles.push(RoleDef::new("bad").grant("currency", Privilege::READ, AccessLevel::User))),
            "role `bad` gives Read at User level on organization-owned table `currency`, which allows only None or Organization",
        ),
        (
            error_of(|m| m.roles.push(RoleDef::new("bad").grant("currency", Privilege::SHARE, AccessLevel::Organization))),
            "role `bad` gives Share on table `currency`, where that privilege does not apply",
        ),
        (
            error_of(|m| m.roles.push(RoleDef::new("bad").grant("contact", Privilege::READ, AccessLevel::User))),
            "role `bad` names table `contact`, which does not exist",
        ),
        (
            error_of(|m| m.role_assignments.push(RoleAssignmentDef::user("alice", "rep").in_business_unit("root"))),
            "role `rep` is assigned to user `alice` in business unit `root`, but user `alice` is in `sales`; assigning in another unit needs matrix mode",
        ),
        (
            error_of(|m| m.role_assignments.push(RoleAssignmentDef::user("alice", "manager"))),
            "a role assignment names role `manager`, which does not exist",
        ),
        (
            error_of(|m| {
                m.teams.push(TeamDef::access("deal", "sales", &[]));
                m.role_assignments.push(RoleAssignmentDef::team("deal", "rep"));
            }),
            "role `rep` is assigned to access team `deal`; access teams hold no roles",
        ),
        (
            error_of(|m| m.records.push(RecordDef::organization_owned("a2", "account"))),
            "record `a2` of table `account` has no owner; the table is user- or team-owned",
        ),
        (
            error_of(|m| m.records.push(RecordDef::owned_by_user("usd", "currency", "alice"))),
            "record `usd` of organization-owned table `currency` names an owner or owning business unit",
        ),
        (
            error_of(|m| {
                m.records.push(RecordDef::owned_by_user("a2", "account", "alice").in_business_unit("root"))
            }),
            "record `a2` names owning business unit `root`, but its owner is in `sales`; a different owning unit needs matrix mode",
        ),
        (
            error_of(|m| m.shares.push(ShareDef::new("a1", ShareTarget::Organization, Privilege::CREATE))),
            "share of record `a1` grants `Create`; rights must be non-empty and exclude Create",
        ),
        (
            error_of(|m| m.shares.push(ShareDef::new("a1", ShareTarget::User("zed".into()), Privilege::READ))),
            "the share of record `a1` names user `zed`, which does not exist",
        ),
        (
            error_of(|m| m.tables.push(TableDef::organization_owned("rate").with_privileges(Privilege::all()))),
            "organization-owned table `rate` lists Assign | Share; Assign and Share do not apply to organization-owned tables",
        ),
    ];
    for (error, message) in cases {
        assert_eq!(error.to_string(), message);
    }
}

/// A model read from JSON rejects unknown fields rather than ignoring a typo.
#[test]
fn unknown_fields_are_rejected() {
    let err = serde_json::from_str::<DataverseModel>(
        r#"{"users": [{"id": "a", "business_unit": "r", "enabeld": false}]}"#,
    );
    assert!(err.is_err());
}

/// The snapshot can be shared across threads, and answers the same everywhere.
#[test]
fn policy_is_send_and_sync() -> Result<(), Box<dyn Error>> {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Policy>();
    assert_send_sync::<DataversePolicy>();
    let policy = std::sync::Arc::new(PolicyDocument::default().with_dataverse(base()).build()?);
    let request = Request::Dataverse(accessgate::dataverse::DataverseRequest::Record(
        accessgate::dataverse::RecordQuery::new("alice", RecordPrivilege::Read, "a1"),
    ));
    let expected = authorize(&policy, &request);
    let handles: Vec<_> = (0..4)
        .map(|_| {
            let (policy, request) = (policy.clone(), request.clone());
            std::thread::spawn(move || authorize(&policy, &request))
        })
        .collect();
    for h in handles {
        assert_eq!(h.join().map_err(|_| "thread panicked")?, expected);
    }
    Ok(())
}

/// A 100,000-deep business-unit chain (past the default depth limit, raised here) builds
/// without recursion, and Parent: Child level from the
/// top reaches the bottom while Business Unit level does not (R2.4, R2.5).
#[test]
fn deep_business_unit_chain() -> Result<(), Box<dyn Error>> {
    let depth = 100_000;
    let mut m = DataverseModel::default();
    m.business_units.push(BusinessUnitDef::root("bu0"));
    for i in 1..depth {
        m.business_units.push(BusinessUnitDef::child(
            &format!("bu{i}"),
            &format!("bu{}", i - 1),
        ));
    }
    m.tables.push(TableDef::user_owned("account"));
    m.roles
        .push(RoleDef::new("deep").grant("account", Privilege::READ, AccessLevel::ParentChild));
    m.roles.push(RoleDef::new("local").grant(
        "account",
        Privilege::WRITE,
        AccessLevel::BusinessUnit,
    ));
    m.users.push(UserDef::new("top", "bu0"));
    m.users
        .push(UserDef::new("bottom", &format!("bu{}", depth - 1)));
    m.role_assignments
        .push(RoleAssignmentDef::user("top", "deep"));
    m.role_assignments
        .push(RoleAssignmentDef::user("top", "local"));
    m.role_assignments
        .push(RoleAssignmentDef::user("bottom", "deep"));
    m.records
        .push(RecordDef::owned_by_user("low", "account", "bottom"));
    m.records
        .push(RecordDef::owned_by_user("high", "account", "top"));
    let policy = m.build_with_limits(&accessgate::BuildLimits::default().with_depth(depth))?;
    let (top, bottom) = (
        policy.user_id("top").ok_or("top")?,
        policy.user_id("bottom").ok_or("bottom")?,
    );
    let (low, high) = (
        policy.record_id("low").ok_or("low")?,
        policy.record_id("high").ok_or("high")?,
    );
    assert!(policy
        .check(top, Privilege::READ, low)
        .decision()
        .is_allow());
    assert_eq!(
        policy.check(top, Privilege::WRITE, low).code(),
        "outside_levels"
    );
    assert_eq!(
        policy.check(bottom, Privilege::READ, high).code(),
        "outside_levels"
    );
    let bottom_unit = policy.user_business_unit(bottom).ok_or("unit")?;
    assert_eq!(policy.business_unit_depth(bottom_unit), depth as u32 - 1);
    Ok(())
}

/// Ids from another policy, or out of range, deny as unknown instead of panicking.
#[test]
fn foreign_ids_deny() -> Result<(), Box<dyn Error>> {
    let small = base().build()?;
    let mut bigger = base();
    for i in 0..10 {
        bigger.users.push(UserDef::new(&format!("u{i}"), "sales"));
        bigger.records.push(RecordDef::owned_by_user(
            &format!("r{i}"),
            "account",
            "alice",
        ));
    }
    let bigger = bigger.build()?;
    let foreign_user = bigger.user_id("u9").ok_or("u9")?;
    let foreign_record = bigger.record_id("r9").ok_or("r9")?;
    let alice = small.user_id("alice").ok_or("alice")?;
    let a1 = small.record_id("a1").ok_or("a1")?;
    assert_eq!(
        small.check(foreign_user, Privilege::READ, a1).code(),
        "unknown_user"
    );
    assert_eq!(
        small.check(alice, Privilege::READ, foreign_record).code(),
        "unknown_record"
    );
    assert_eq!(
        small
            .check(alice, Privilege::READ | Privilege::WRITE, a1)
            .code(),
        "not_a_record_privilege"
    );
    assert_eq!(
        small.check(alice, Privilege::empty(), a1).code(),
        "not_a_record_privilege"
    );
    Ok(())
}

/// Build errors of the relationship, hierarchy and column parts name the offending ids.
#[test]
fn relationship_hierarchy_and_column_errors() {
    let with_contact = |m: &mut DataverseModel| {
        m.tables.push(TableDef::user_owned("contact"));
        m.relationships.push(RelationshipDef::new(
            "account_contacts",
            "account",
            "contact",
        ));
    };
    let cases: Vec<(ModelError, &str)> = vec![
        (
            error_of(|m| {
                with_contact(m);
                let mut child = RecordDef::owned_by_user("a2", "account", "alice");
                child.parents.push(ParentLink::new("account_contacts", "a1"));
                m.records.push(child);
            }),
            "record `a2` of table `account` names parent `a1` through relationship `account_contacts`, which links `account` to `contact`",
        ),
        (
            error_of(|m| {
                with_contact(m);
                let mut child = RecordDef::owned_by_user("c1", "contact", "alice");
                child.parents.push(ParentLink::new("contact_notes", "a1"));
                m.records.push(child);
            }),
            "record `c1` names relationship `contact_notes`, which does not exist",
        ),
        (
            error_of(|m| {
                m.users.push(UserDef::new("bob", "sales").with_manager("carol"));
                m.users.push(UserDef::new("carol", "sales").with_manager("bob"));
            }),
            "user `bob` is above itself: the hierarchy forms a cycle",
        ),
        (
            error_of(|m| m.positions.push(PositionDef::child("p", "p"))),
            "position `p` is above itself: the hierarchy forms a cycle",
        ),
        (
            error_of(|m| {
                m.column_security_profiles.push(
                    ColumnProfileDef::new("hr")
                        .permission(ColumnPermissionDef::new("account", "revenue").allow_read()),
                )
            }),
            "column security profile `hr` names column `revenue` of table `account`, which is not a secured column",
        ),
        (
            error_of(|m| m.options.hierarchy.managers_must_be_in_same_or_parent_unit = false),
            "hierarchy security: managers outside the report's unit or its parent need matrix mode (R6.3)",
        ),
    ];
    for (error, message) in cases {
        assert_eq!(error.to_string(), message);
    }
}

/// Revoking a parent's share removes exactly the shares it cascaded; a child's own share stays
/// (R5.8: "a record can have two sets of sharing properties").
#[test]
fn revoking_a_parent_share_keeps_the_childs_own() -> Result<(), Box<dyn Error>> {
    let mut m = base();
    m.tables.push(TableDef::user_owned("contact"));
    m.relationships.push(RelationshipDef::new(
        "account_contacts",
        "account",
        "contact",
    ));
    m.roles.push(
        RoleDef::new("own")
            .grant(
                "account",
                Privilege::READ | Privilege::WRITE,
                AccessLevel::User,
            )
            .grant(
                "contact",
                Privilege::READ | Privilege::WRITE,
                AccessLevel::User,
            ),
    );
    m.users.push(UserDef::new("gus", "root"));
    m.role_assignments
        .push(RoleAssignmentDef::user("gus", "own"));
    for (id, table) in [("c-inherited", "contact"), ("c-own", "contact")] {
        let mut r = RecordDef::owned_by_user(id, table, "alice");
        r.parents.push(ParentLink::new("account_contacts", "a1"));
        m.records.push(r);
    }
    m.shares.push(ShareDef::new(
        "a1",
        ShareTarget::User("gus".into()),
        Privilege::READ,
    ));
    m.shares.push(ShareDef::new(
        "c-own",
        ShareTarget::User("gus".into()),
        Privilege::READ,
    ));
    let read = |policy: &DataversePolicy, record: &str| -> Result<RecordReason, Box<dyn Error>> {
        let gus = policy.user_id("gus").ok_or("gus")?;
        Ok(policy.check(
            gus,
            Privilege::READ,
            policy.record_id(record).ok_or("record")?,
        ))
    };
    let before = m.build()?;
    let a1 = before.record_id("a1").ok_or("a1")?;
    assert!(
        matches!(read(&before, "c-inherited")?, RecordReason::Shared { inherited_from: Some(r), .. } if r == a1)
    );
    assert!(matches!(
        read(&before, "c-own")?,
        RecordReason::Shared {
            inherited_from: None,
            ..
        }
    ));

    m.shares.retain(|s| s.record != "a1");
    let after = m.build()?;
    assert_eq!(read(&after, "a1")?.code(), "outside_levels");
    assert_eq!(read(&after, "c-inherited")?.code(), "outside_levels");
    assert!(matches!(
        read(&after, "c-own")?,
        RecordReason::Shared {
            inherited_from: None,
            ..
        }
    ));
    Ok(())
}

/// A record request holds exactly one record right: `Read | Write`, `Create` or nothing is
/// refused when read, with a message naming the seven rights and what was given (issue 15).
#[test]
fn record_request_holds_one_privilege() {
    for (given, shown) in [
        ("Read | Write", "Read | Write"),
        ("Create", "Create"),
        ("", ""),
    ] {
        let text = format!(
            r#"{{"kind": "record", "user": "alice", "privilege": "{given}", "record": "a1"}}"#
        );
        let e = serde_json::from_str::<Request>(&text)
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with(&format!(
                "a record request names exactly one of Read, Write, Delete, Append, AppendTo, \
                 Assign and Share, not `{shown}`"
            )),
            "{e}"
        );
    }
    let one: Request = serde_json::from_str(
        r#"{"kind": "record", "user": "alice", "privilege": "AppendTo", "record": "a1"}"#,
    )
    .unwrap();
    assert_eq!(
        one,
        Request::record("alice", RecordPrivilege::AppendTo, "a1")
    );
    assert_eq!(serde_json::to_value(&one).unwrap()["privilege"], "AppendTo");
}
