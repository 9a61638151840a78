//! Criterion benches for single record decisions.

#![allow(
    missing_docs,
    reason = "criterion's macros generate undocumented items"
)]
#![allow(
    clippy::expect_used,
    reason = "a bench model that fails to build should stop the bench"
)]

use std::hint::black_box;

use accessgate::dataverse::*;
use accessgate::{AccessLevel, Privilege};
use criterion::{criterion_group, criterion_main, Criterion};

/// A business-unit chain of depth 8 with one team; the user holds 3 direct roles and 2 team roles.
fn model() -> DataverseModel {
    let mut m = DataverseModel::default();
    m.options.matrix_mode = true;
    m.business_units.push(BusinessUnitDef::root("bu0"));
    for i in 1..8 {
        m.business_units.push(BusinessUnitDef::child(
            &format!("bu{i}"),
            &format!("bu{}", i - 1),
        ));
    }
    m.tables.push(TableDef::user_owned("account"));
    for r in 0..5 {
        let level = if r == 4 {
            AccessLevel::ParentChild
        } else {
            AccessLevel::User
        };
        m.roles
            .push(RoleDef::new(&format!("role{r}")).grant("account", Privilege::READ, level));
    }
    m.users.push(UserDef::new("alice", "bu7"));
    m.users.push(UserDef::new("owner", "bu7"));
    m.teams.push(TeamDef::owner("team", "bu2", &["alice"]));
    for r in 0..3 {
        m.role_assignments.push(
            RoleAssignmentDef::user("alice", &format!("role{r}"))
                .in_business_unit(&format!("bu{}", r + 3)),
        );
    }
    m.role_assignments
        .push(RoleAssignmentDef::team("team", "role3"));
    m.role_assignments
        .push(RoleAssignmentDef::team("team", "role4"));
    m.records
        .push(RecordDef::owned_by_user("rec", "account", "owner"));
    m
}

fn record_decision_matrix_mode(c: &mut Criterion) {
    let policy = model().build().expect("bench model builds");
    let user = policy.user_id("alice").expect("alice");
    let record = policy.record_id("rec").expect("rec");
    c.bench_function("record_decision_matrix_mode", |b| {
        b.iter(|| {
            policy.check(
                black_box(user),
                black_box(Privilege::READ),
                black_box(record),
            )
        })
    });
}

criterion_group!(benches, record_decision_matrix_mode);
criterion_main!(benches);
