//! accessgate against cedar-policy and casbin on the same model and requests.
//!
//! `cargo bench --manifest-path benches/peers/Cargo.toml` (or `cargo bench -p accessgate-peers`).
//! First checks that the three engines agree on every request (exit code 1 if not), then
//! measures one decision of each with criterion, then prints the ratios from a plain timing
//! pass over all requests.

#![allow(
    missing_docs,
    reason = "criterion's macros generate undocumented items"
)]
#![allow(
    clippy::expect_used,
    reason = "a bench model that fails to load should stop the bench"
)]

#[path = "../../support/mod.rs"]
mod support;

use std::hint::black_box;
use std::time::{Duration, Instant};

use accessgate_peers::{PeerRequest, Peers};
use criterion::Criterion;

/// The Cedar measurement: 2,000 users, 85 units, 5,000 records (smaller as a test).
fn shape(full: bool) -> support::Shape {
    support::Shape {
        units: if full { 85 } else { 10 },
        max_depth: 7,
        tables: 3,
        roles: 20,
        users: if full { 2_000 } else { 50 },
        teams: if full { 100 } else { 5 },
        team_size: 20,
        direct_roles: 3,
        team_roles: 2,
        records: if full { 5_000 } else { 200 },
        share_every: 0,
        matrix: true,
    }
}

/// Median over `passes` of the mean time per request of one pass over `requests`.
fn per_request(
    passes: usize,
    requests: &[PeerRequest],
    decide: impl Fn(&PeerRequest) -> bool,
) -> Duration {
    let mut times: Vec<Duration> = (0..passes)
        .map(|_| {
            let start = Instant::now();
            for r in requests {
                black_box(decide(black_box(r)));
            }
            start.elapsed() / requests.len().max(1) as u32
        })
        .collect();
    times.sort();
    times[times.len() / 2]
}

fn main() {
    let full = support::full_run();
    let model = support::organisation(shape(full), 5);
    let peers = Peers::encode(&model).expect("the model encodes");
    let requests = peers
        .requests(if full { 1_000 } else { 100 }, 9)
        .expect("requests build");

    let mut allowed = 0;
    for r in &requests {
        let (a, c, k) = (peers.accessgate(r), peers.cedar(r), peers.casbin(r));
        if a != c || a != k {
            eprintln!(
                "disagreement on {:?}: accessgate {a}, cedar {c}, casbin {k}",
                r.casbin
            );
            std::process::exit(1);
        }
        allowed += usize::from(a);
    }
    eprintln!(
        "peers: {} users, {} units, {} records; {} Cedar policies, {} casbin policy lines; \
         all three agree on {} requests ({} allowed)",
        model.users.len(),
        model.business_units.len(),
        model.records.len(),
        peers.cedar_policy_count,
        peers.casbin_policy_count,
        requests.len(),
        allowed
    );

    let mut c = Criterion::default().configure_from_args();
    let n = requests.len();
    let mut group = c.benchmark_group("peers");
    let mut i = 0;
    group.bench_function("accessgate_check", |b| {
        b.iter(|| {
            i = (i + 1) % n;
            peers.accessgate(black_box(&requests[i]))
        })
    });
    group.bench_function("cedar_is_authorized", |b| {
        b.iter(|| {
            i = (i + 1) % n;
            peers.cedar(black_box(&requests[i]))
        })
    });
    group.sample_size(10);
    group.bench_function("casbin_enforce", |b| {
        b.iter(|| {
            i = (i + 1) % n;
            peers.casbin(black_box(&requests[i]))
        })
    });
    group.finish();
    c.final_summary();

    let (many, few) = if full { (2_000, 5) } else { (2, 1) };
    let a = per_request(many, &requests, |r| peers.accessgate(r));
    let ce = per_request(few, &requests, |r| peers.cedar(r));
    let k = per_request(1, &requests, |r| peers.casbin(r));
    println!("| engine | per request (mean over {n} requests, median of passes) | × accessgate |");
    println!("|---|---|---|");
    println!("| accessgate `check` | {a:.2?} | 1 |");
    println!(
        "| cedar-policy `is_authorized` | {ce:.2?} | {:.0} |",
        ce.as_secs_f64() / a.as_secs_f64()
    );
    println!(
        "| casbin `enforce` | {k:.2?} | {:.0} |",
        k.as_secs_f64() / a.as_secs_f64()
    );
}
