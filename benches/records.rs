//! Criterion benches for records outside the policy: decisions from facts, the record store's
//! writes, and decisions while a writer is busy.
//!
//! `cargo bench --bench records`. Run as a test (`cargo test --benches`) every bench uses a small
//! model and a short write load, so CI checks that the benches still run.

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
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use accessgate::dataverse::*;
use accessgate::Privilege;
use criterion::{BatchSize, Criterion};

/// The single-decision model: `check` on the compiled record against `check_facts` on
/// the same record given as facts, and `check_in` on a store snapshot.
fn facts_against_check(c: &mut Criterion) {
    let policy = support::decision_model()
        .build()
        .expect("bench model builds");
    let user = policy.user_id("alice").expect("alice");
    let record = policy.record_id("rec").expect("rec");
    let facts = policy.records().facts(record).expect("rec facts");
    let store = RecordStore::from_records(policy.records().clone());
    let mut group = c.benchmark_group("record_decision");
    group.bench_function("check", |b| {
        b.iter(|| {
            policy.check(
                black_box(user),
                black_box(Privilege::READ),
                black_box(record),
            )
        })
    });
    group.bench_function("check_facts", |b| {
        b.iter(|| {
            policy.check_facts(
                black_box(user),
                black_box(Privilege::READ),
                black_box(&facts),
                &NoShares,
            )
        })
    });
    group.bench_function("snapshot_then_check_in", |b| {
        b.iter(|| {
            let records = store.snapshot();
            policy.check_in(
                &records,
                black_box(user),
                Privilege::READ,
                black_box(record),
            )
        })
    });
    group.finish();
}

/// A large organisation ([`support::records_shape`]).
fn organisation(users: usize) -> DataversePolicy {
    support::organisation(support::records_shape(users), 11)
        .build()
        .expect("bench model builds")
}

/// Random (user, privilege, record facts) requests over a 1,000,000-user configuration: the
/// user, table, owner and owning unit of every request drawn at random, so caches stay cold.
fn random_facts(c: &mut Criterion) {
    let users = if support::full_run() {
        1_000_000
    } else {
        2_000
    };
    let policy = organisation(users);
    let usage = policy.memory_usage();
    eprintln!(
        "random_facts: {users} users, configuration {} bytes ({} per user; user table {} bytes)",
        usage.total(),
        usage.total() / users,
        usage.users
    );
    let mut rng = support::Rng::new(5);
    let requests: Vec<(UserId, Privilege, RecordFacts)> = (0..65_536u64)
        .map(|i| support::random_facts_request(&policy, &mut rng, i))
        .collect();
    // The floor in the same run: one dependent random read in as many bytes as the decisions
    // read from, so the two figures meet the same load of the host.
    let floor_bytes = usage.users.div_ceil(1 << 20).max(1) << 20;
    let lines = support::floor::cycle(floor_bytes);
    let mut at = 0usize;
    c.bench_function(
        &format!("record_decision/floor_one_read_{}_mb", floor_bytes >> 20),
        |b| {
            b.iter(|| {
                at = lines[at].next;
                black_box(at)
            })
        },
    );
    drop(lines);
    let mut next = 0usize;
    c.bench_function("record_decision/random_facts", |b| {
        b.iter(|| {
            let (user, privilege, facts) = &requests[next & (requests.len() - 1)];
            next = next.wrapping_add(1);
            policy.check_facts(*user, *privilege, facts, &NoShares)
        })
    });
    // The same requests all from one user, whose row then stays in cache: the difference from
    // `random_facts` is what reading a random user's row costs at this size.
    let one_user = requests[0].0;
    c.bench_function("record_decision/random_facts_one_user", |b| {
        b.iter(|| {
            let (_, privilege, facts) = &requests[next & (requests.len() - 1)];
            next = next.wrapping_add(1);
            policy.check_facts(black_box(one_user), *privilege, facts, &NoShares)
        })
    });
}

/// A store already holding `count` records of table `t0`, owned round-robin by the first 1,000
/// users.
fn filled_store(policy: &DataversePolicy, count: usize) -> (RecordStore, Vec<RecordId>) {
    let table = policy.table_id("t0").expect("t0");
    let owners: Vec<UserId> = (0..1_000.min(policy.user_count()))
        .filter_map(|u| policy.user_id(&format!("u{u}")))
        .collect();
    let store = RecordStore::new();
    let ids = store
        .transaction(|tx| {
            (0..count)
                .map(|i| {
                    let owner = RecordOwner::User(owners[i % owners.len()]);
                    tx.insert(
                        &format!("rec-{i:08}"),
                        &RecordFacts::owned_by(RecordId::new(0), table, owner),
                    )
                })
                .collect::<Result<Vec<_>, _>>()
        })
        .expect("fill the store");
    (store, ids)
}

/// Single writes into a store of 1,000,000 records: insert, owner change, share.
fn store_writes(c: &mut Criterion) {
    let full = support::full_run();
    let policy = organisation(if full { 100_000 } else { 2_000 });
    let count = if full { 1_000_000 } else { 10_000 };
    let (store, ids) = filled_store(&policy, count);
    let (structure, text) = store.snapshot().memory();
    eprintln!(
        "store_writes: {count} records, {} structure bytes per record beyond {} id bytes per record",
        structure / count,
        text / count
    );
    // The store keeps a second version to write in place (see `RecordStore`): its whole
    // footprint, the id text counted once.
    let (structure, text) = store.memory();
    eprintln!(
        "store_writes: the store (both versions) holds {} structure bytes per record beyond {} id bytes per record",
        structure / count,
        text / count
    );
    let table = policy.table_id("t0").expect("t0");
    let owners: Vec<UserId> = (0..1_000)
        .filter_map(|u| policy.user_id(&format!("u{u}")))
        .collect();
    let mut group = c.benchmark_group("store");
    let mut n = 0usize;
    group.bench_function("insert", |b| {
        b.iter(|| {
            n += 1;
            let facts = RecordFacts::owned_by(
                RecordId::new(0),
                table,
                RecordOwner::User(owners[n % owners.len()]),
            );
            store
                .insert(&format!("new-{n:09}"), &facts)
                .expect("insert")
        })
    });
    let mut n = 0usize;
    group.bench_function("owner_change", |b| {
        b.iter(|| {
            n += 1;
            let record = ids[n.wrapping_mul(7_919) % ids.len()];
            let facts = RecordFacts::owned_by(
                RecordId::new(0),
                table,
                RecordOwner::User(owners[n % owners.len()]),
            );
            store.update(record, &facts).expect("update")
        })
    });
    let mut n = 0usize;
    group.bench_function("share_insert", |b| {
        b.iter(|| {
            n += 1;
            let record = ids[n.wrapping_mul(104_729) % ids.len()];
            let share = ShareFact::new(SharedWith::User(owners[n % owners.len()]), Privilege::READ);
            store.share(record, share).expect("share")
        })
    });
    group.finish();

    // 1,000,000 inserts into an empty store, in one transaction (the document load path).
    let mut group = c.benchmark_group("store_bulk");
    group.sample_size(10);
    group.bench_function(format!("insert_{count}"), |b| {
        b.iter_batched(
            || (),
            |()| filled_store(&policy, count).0,
            BatchSize::PerIteration,
        )
    });
    group.finish();
}

/// Decisions through the store on one thread, quiet and while another thread writes about
/// 100,000 owner changes per second (batches of 100 every millisecond).
fn decisions_under_writes(c: &mut Criterion) {
    let full = support::full_run();
    let policy = Arc::new(organisation(if full { 100_000 } else { 2_000 }));
    let count = if full { 1_000_000 } else { 10_000 };
    let (store, ids) = filled_store(&policy, count);
    let store = Arc::new(store);
    let table = policy.table_id("t0").expect("t0");
    let readers: Vec<UserId> = (0..policy.user_count().min(4_096))
        .filter_map(|u| policy.user_id(&format!("u{u}")))
        .collect();
    let decide = |n: usize| {
        let records = store.snapshot();
        let user = readers[n % readers.len()];
        let record = ids[n.wrapping_mul(7_919) % ids.len()];
        policy.check_in(&records, user, Privilege::READ, record)
    };
    let mut group = c.benchmark_group("decision_with_writer");
    let mut n = 0usize;
    group.bench_function("quiet", |b| {
        b.iter(|| {
            n += 1;
            decide(n)
        })
    });

    let stop = Arc::new(AtomicBool::new(false));
    let written = Arc::new(AtomicU64::new(0));
    let writer = {
        let (store, policy, ids) = (Arc::clone(&store), Arc::clone(&policy), ids.clone());
        let (stop, written) = (Arc::clone(&stop), Arc::clone(&written));
        std::thread::spawn(move || {
            let owners: Vec<UserId> = (0..1_000)
                .filter_map(|u| policy.user_id(&format!("u{u}")))
                .collect();
            let mut n = 0usize;
            let mut tick = Instant::now();
            while !stop.load(Ordering::Relaxed) {
                for _ in 0..100 {
                    n += 1;
                    let facts = RecordFacts::owned_by(
                        RecordId::new(0),
                        table,
                        RecordOwner::User(owners[n % owners.len()]),
                    );
                    let record = ids[n.wrapping_mul(104_729) % ids.len()];
                    if store.update(record, &facts).is_ok() {
                        written.fetch_add(1, Ordering::Relaxed);
                    }
                }
                tick += Duration::from_millis(1);
                if let Some(wait) = tick.checked_duration_since(Instant::now()) {
                    std::thread::sleep(wait);
                }
            }
        })
    };
    let started = Instant::now();
    let mut n = 0usize;
    group.bench_function("writer_100k_per_s", |b| {
        b.iter(|| {
            n += 1;
            decide(n)
        })
    });
    stop.store(true, Ordering::Relaxed);
    writer.join().expect("writer thread");
    group.finish();
    let seconds = started.elapsed().as_secs_f64();
    eprintln!(
        "decisions_under_writes: the writer applied {:.0} updates per second",
        written.load(Ordering::Relaxed) as f64 / seconds
    );
}

fn main() {
    let mut c = Criterion::default().configure_from_args();
    facts_against_check(&mut c);
    random_facts(&mut c);
    store_writes(&mut c);
    decisions_under_writes(&mut c);
    c.final_summary();
}
