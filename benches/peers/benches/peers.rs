//! accessgate against every peer encoding and the bare loop, on the same model and requests.
//!
//! `cargo bench -p accessgate-peers --bench peers` (add `-- --warm-up-time 1
//! --measurement-time 3` for a short run; `--bench peers` keeps the options from the library's
//! test harness, which refuses them). First checks that accessgate, the bare loop and every Cedar and casbin encoding
//! agree on every request (exit code 1 if not), then measures one decision of each with
//! criterion, then prints a table from a plain timing pass over all requests: time per request,
//! ratio to accessgate, accessgate's ratio to the bare loop, and the fastest encoding of each
//! peer.

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
use support::bare::BareLoop;

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

/// The bare loop's decision on a request.
fn bare(b: &BareLoop, r: &PeerRequest) -> bool {
    let bit = r.privilege.index().expect("one privilege");
    b.decide(r.user.index(), bit, r.record.index())
}

fn main() {
    let full = support::full_run();
    let model = support::organisation(shape(full), 5);
    let peers = Peers::encode(&model).expect("the model encodes");
    let bare_loop = BareLoop::new(&model, &peers.policy);
    let requests = peers
        .requests(if full { 1_000 } else { 100 }, 9)
        .expect("requests build");

    let mut allowed = 0;
    for r in &requests {
        let a = peers.accessgate(r);
        let mut answers = vec![("bare loop", bare(&bare_loop, r))];
        answers.extend(peers.cedar.iter().map(|e| (e.name, e.decide(r))));
        answers.extend(peers.casbin.iter().map(|e| (e.name, e.decide(r))));
        if let Some((name, other)) = answers.iter().find(|(_, d)| *d != a) {
            eprintln!(
                "disagreement on {:?}: accessgate {a}, {name} {other}",
                r.casbin
            );
            std::process::exit(1);
        }
        allowed += usize::from(a);
    }
    eprintln!(
        "peers: {} users, {} units, {} records, {} requests ({} allowed): accessgate, the bare \
         loop, {} Cedar and {} casbin encodings all agree",
        model.users.len(),
        model.business_units.len(),
        model.records.len(),
        requests.len(),
        allowed,
        peers.cedar.len(),
        peers.casbin.len(),
    );
    for e in &peers.cedar {
        eprintln!("  cedar {}: {} policies", e.name, e.policy_count);
    }
    for e in &peers.casbin {
        eprintln!(
            "  casbin {}: {} policy lines, {} grouping lines",
            e.name, e.policy_count, e.grouping_count
        );
    }

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
    group.bench_function("bare_loop", |b| {
        b.iter(|| {
            i = (i + 1) % n;
            bare(&bare_loop, black_box(&requests[i]))
        })
    });
    for e in &peers.cedar {
        let name = format!("cedar_{}", e.name.replace(' ', "_"));
        group.bench_function(name, |b| {
            b.iter(|| {
                i = (i + 1) % n;
                e.decide(black_box(&requests[i]))
            })
        });
    }
    group.sample_size(10);
    for e in &peers.casbin {
        let name = format!("casbin_{}", e.name.replace([' ', '@'], "_"));
        group.bench_function(name, |b| {
            b.iter(|| {
                i = (i + 1) % n;
                e.decide(black_box(&requests[i]))
            })
        });
    }
    group.finish();
    c.final_summary();

    let (many, few) = if full { (2_000, 3) } else { (2, 1) };
    let a = per_request(many, &requests, |r| peers.accessgate(r));
    let b = per_request(many, &requests, |r| bare(&bare_loop, r));
    let ratio = |t: Duration| t.as_secs_f64() / a.as_secs_f64();
    println!("| engine, encoding | policies | per request (mean over {n} requests, median of passes) | × accessgate |");
    println!("|---|---|---|---|");
    println!("| bare loop (no reasons) | | {b:.2?} | {:.2} |", ratio(b));
    println!("| accessgate `check` | | {a:.2?} | 1 |");
    let mut best: Vec<(&str, &str, Duration)> = Vec::new();
    let mut report = |peer: &'static str, name: &'static str, count: usize, t: Duration| {
        println!("| {peer} {name} | {count} | {t:.2?} | {:.0} |", ratio(t));
        match best.iter_mut().find(|(p, _, _)| *p == peer) {
            Some(b) if b.2 > t => *b = (peer, name, t),
            Some(_) => {}
            None => best.push((peer, name, t)),
        }
    };
    for e in &peers.cedar {
        report(
            "cedar-policy",
            e.name,
            e.policy_count,
            per_request(few, &requests, |r| e.decide(r)),
        );
    }
    for e in &peers.casbin {
        let passes = if e.policy_count > 5_000 { 1 } else { few };
        report(
            "casbin",
            e.name,
            e.policy_count,
            per_request(passes, &requests, |r| e.decide(r)),
        );
    }
    println!(
        "accessgate is {:.2}× the bare loop",
        a.as_secs_f64() / b.as_secs_f64()
    );
    for (peer, name, t) in best {
        println!(
            "fastest {peer} encoding: {name}, {t:.2?}, {:.0}× accessgate",
            ratio(t)
        );
    }
}
