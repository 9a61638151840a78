//! Criterion bench for building a SQL list filter for one user and table, at 100,000 users and
//! 10,000 business units (no records: the cost does not depend on them).
//!
//! `cargo bench --bench sql_filter`.

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
use criterion::Criterion;

fn shape() -> support::Shape {
    support::Shape {
        units: 10_000,
        max_depth: 7,
        tables: 4,
        roles: 50,
        users: 100_000,
        teams: 5_000,
        team_size: 20,
        direct_roles: 3,
        team_roles: 1,
        records: 0,
        share_every: 0,
        matrix: true,
    }
}

fn sql_filter_build(c: &mut Criterion) {
    let policy = support::organisation(shape(), 42)
        .build()
        .expect("model builds");
    let mapping = support::records_mapping();
    let filters = SqlFilters::new(&policy, &mapping).expect("mapping compiles");
    let table = policy.table_id("t0").expect("t0");
    let user = policy.user_id("u12345").expect("u12345");
    c.bench_function("sql_filter_build_postgres", |b| {
        b.iter(|| {
            filters.filter(
                black_box(user),
                black_box(Privilege::READ),
                black_box(table),
            )
        })
    });
}

criterion::criterion_group!(benches, sql_filter_build);
criterion::criterion_main!(benches);
