//! Criterion benches for batch filtering: the records one user may read among 1,000,000.
//!
//! `cargo bench --bench filter`. Each bench reports records per second.

#![allow(
    missing_docs,
    reason = "criterion's macros generate undocumented items"
)]
#![allow(
    clippy::expect_used,
    reason = "a bench model that fails to build should stop the bench"
)]

mod support;

use std::hint::black_box;

use accessgate::dataverse::*;
use accessgate::Privilege;
use criterion::{Criterion, Throughput};

/// 1,000,000 records of one table (100 when run as a test), 2,000 users in 100 units of depth
/// up to 7, 100 owner teams, 20 roles; 1 record in 100 shared. Matrix mode on.
fn shape(records: usize) -> support::Shape {
    support::Shape {
        units: 100,
        max_depth: 7,
        tables: 1,
        roles: 20,
        users: 2_000,
        teams: 100,
        team_size: 20,
        direct_roles: 3,
        team_roles: 1,
        records,
        share_every: 100,
        matrix: true,
    }
}

/// The first user whose Read filter is made of parts (not everything, not nothing) with at
/// least one unit range and one team: the general case.
fn pick_user(policy: &DataversePolicy, table: TableId) -> UserId {
    (0..policy.user_count())
        .filter_map(|i| policy.user_id(&format!("u{i}")))
        .find(|&u| {
            let f = policy.access_filter(u, Privilege::READ, table);
            f.scope() == Scope::Parts && !f.unit_ranges().is_empty() && !f.owner_teams().is_empty()
        })
        .expect("some user has a general filter")
}

fn main() {
    let records = if support::full_run() { 1_000_000 } else { 100 };
    let model = support::organisation(shape(records), 7);
    let policy = model.build().expect("bench model builds");
    let table = policy.table_id("t0").expect("t0");
    let user = pick_user(&policy, table);
    let ids: Vec<RecordId> = (0..records)
        .filter_map(|r| policy.record_id(&format!("rec{r}")))
        .collect();
    let allowed = policy.accessible(user, Privilege::READ, table).len();
    let f = policy.access_filter(user, Privilege::READ, table);
    eprintln!(
        "filter bench: {records} records, user {} may read {allowed}; filter: {} unit ranges, {} teams, {} listed records",
        policy.user_name(user),
        f.unit_ranges().len(),
        f.owner_teams().len(),
        f.listed_records().len()
    );

    let mut c = Criterion::default().configure_from_args();
    let mut group = c.benchmark_group("filter");
    group.throughput(Throughput::Elements(records as u64));
    group.bench_function("accessible_1m_records", |b| {
        b.iter(|| {
            policy.accessible(
                black_box(user),
                black_box(Privilege::READ),
                black_box(table),
            )
        })
    });
    group.bench_function("filter_1m_record_ids", |b| {
        b.iter(|| policy.filter(black_box(user), black_box(Privilege::READ), black_box(&ids)))
    });
    group.bench_function("check_each_of_1m_records", |b| {
        b.iter(|| {
            let (user, privilege) = (black_box(user), black_box(Privilege::READ));
            black_box(&ids)
                .iter()
                .filter(|&&r| policy.check(user, privilege, r).decision().is_allow())
                .count()
        })
    });
    group.finish();
    c.bench_function("access_filter_one_user", |b| {
        b.iter(|| {
            policy.access_filter(
                black_box(user),
                black_box(Privilege::READ),
                black_box(table),
            )
        })
    });
    c.final_summary();
}
