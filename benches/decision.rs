//! Criterion benches for single record decisions: one request repeated (hot), and random
//! requests over models of 10,000, 100,000 and 1,000,000 users beside the bare loop.
//!
//! `cargo bench --bench decision` (add `-- --warm-up-time 1 --measurement-time 3` for a short
//! run). Before timing a size, every request is checked to get the same decision from
//! accessgate and the bare loop (exit code 1 if not). After criterion, prints per size the p50
//! and p99 of single decisions, each timed alone with `Instant` (the clock's own cost, measured
//! the same way on an empty body, subtracted), for accessgate and the bare loop.

#![allow(
    missing_docs,
    reason = "criterion's macros generate undocumented items"
)]
#![allow(
    clippy::expect_used,
    reason = "a bench model that fails to build should stop the bench"
)]

use std::hint::black_box;
use std::time::{Duration, Instant};

use accessgate::dataverse::{DataversePolicy, RecordId, UserId};
use accessgate::Privilege;
use criterion::Criterion;

mod support;

use support::bare::BareLoop;

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

/// An organisation of `users` users: a unit per 100 users, 50 tables, 200 roles, a team per 20
/// users, as many records as users.
fn shape(users: usize) -> support::Shape {
    support::Shape {
        units: (users / 100).max(10),
        max_depth: 7,
        tables: 50,
        roles: 200,
        users,
        teams: users / 20,
        team_size: 20,
        direct_roles: 3,
        team_roles: 2,
        records: users,
        share_every: 0,
        matrix: true,
    }
}

/// One random request: user, privilege (as accessgate takes it and as a bit), record.
#[derive(Clone, Copy)]
struct Request {
    user: UserId,
    privilege: Privilege,
    bit: usize,
    record: RecordId,
}

fn requests(policy: &DataversePolicy, count: usize, seed: u64) -> Vec<Request> {
    let mut rng = support::Rng::new(seed);
    let users = policy.user_count();
    let records = policy.record_count();
    (0..count)
        .map(|_| {
            let privilege = Privilege::RECORD_RIGHTS[rng.below(Privilege::RECORD_RIGHTS.len())];
            Request {
                user: policy
                    .user_id(&format!("u{}", rng.below(users)))
                    .expect("user"),
                privilege,
                bit: privilege.index().expect("one privilege"),
                record: policy
                    .record_id(&format!("rec{}", rng.below(records)))
                    .expect("record"),
            }
        })
        .collect()
}

fn accessgate(policy: &DataversePolicy, r: &Request) -> bool {
    policy
        .check(r.user, r.privilege, r.record)
        .decision()
        .is_allow()
}

fn bare(b: &BareLoop, r: &Request) -> bool {
    b.decide(r.user.index(), r.bit, r.record.index())
}

/// p50 and p99 of single decisions, each timed alone, less the clock's median cost.
fn percentiles(requests: &[Request], decide: impl Fn(&Request) -> bool) -> (Duration, Duration) {
    let mut clock: Vec<Duration> = (0..10_000)
        .map(|_| {
            let t = Instant::now();
            black_box(());
            t.elapsed()
        })
        .collect();
    clock.sort();
    let overhead = clock[clock.len() / 2];
    let mut times: Vec<Duration> = requests
        .iter()
        .map(|r| {
            let t = Instant::now();
            black_box(decide(black_box(r)));
            t.elapsed().saturating_sub(overhead)
        })
        .collect();
    times.sort();
    (times[times.len() / 2], times[times.len() * 99 / 100])
}

/// The sizes measured: all three in a bench run, only the smallest (and smaller) as a test.
fn sizes(full: bool) -> Vec<(&'static str, usize)> {
    if full {
        vec![("10k", 10_000), ("100k", 100_000), ("1m", 1_000_000)]
    } else {
        vec![("1k", 1_000)]
    }
}

fn main() {
    let full = support::full_run();
    let mut c = Criterion::default().configure_from_args();
    record_decision_matrix_mode(&mut c);

    let mut table = Vec::new();
    for (label, users) in sizes(full) {
        let model = support::organisation(shape(users), 11);
        let policy = model.build().expect("bench model builds");
        let bare_loop = BareLoop::new(&model, &policy);
        drop(model);
        let reqs = requests(&policy, if full { 200_000 } else { 2_000 }, 17);
        let mut allowed = 0;
        for r in &reqs {
            let (a, b) = (accessgate(&policy, r), bare(&bare_loop, r));
            if a != b {
                eprintln!(
                    "disagreement at {label} users on {:?} {:?} {:?}: accessgate {a}, bare loop {b}",
                    r.user, r.privilege, r.record
                );
                std::process::exit(1);
            }
            allowed += usize::from(a);
        }
        eprintln!(
            "random_decision/{label}: {} requests ({allowed} allowed), accessgate and the bare loop agree",
            reqs.len()
        );

        let n = reqs.len();
        let mut group = c.benchmark_group("random_decision");
        let mut i = 0;
        group.bench_function(format!("accessgate_{label}_users"), |b| {
            b.iter(|| {
                i = (i + 1) % n;
                accessgate(&policy, black_box(&reqs[i]))
            })
        });
        group.bench_function(format!("bare_loop_{label}_users"), |b| {
            b.iter(|| {
                i = (i + 1) % n;
                bare(&bare_loop, black_box(&reqs[i]))
            })
        });
        group.finish();

        let (a50, a99) = percentiles(&reqs, |r| accessgate(&policy, r));
        let (b50, b99) = percentiles(&reqs, |r| bare(&bare_loop, r));
        table.push((label, a50, a99, b50, b99));
    }
    c.final_summary();

    println!("| users | accessgate p50 | p99 | bare loop p50 | p99 | p50 ratio |");
    println!("|---|---|---|---|---|---|");
    for (label, a50, a99, b50, b99) in table {
        println!(
            "| {label} | {} ns | {} ns | {} ns | {} ns | {:.2} |",
            a50.as_nanos(),
            a99.as_nanos(),
            b50.as_nanos(),
            b99.as_nanos(),
            a50.as_secs_f64() / b50.as_secs_f64().max(1e-12)
        );
    }
}
