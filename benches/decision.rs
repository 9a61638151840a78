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

use accessgate::Privilege;
use criterion::{criterion_group, criterion_main, Criterion};

mod support;

fn record_decision_matrix_mode(c: &mut Criterion) {
    let policy = support::decision_model()
        .build()
        .expect("bench model builds");
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
