//! Instruction counts for one decision, one record-store write and one SQL filter build, read
//! under valgrind's callgrind (counts do not move with machine load, unlike times).
//!
//! Each `measure_*` function below runs the operation once and is never inlined, so callgrind
//! can collect it alone with `--toggle-collect`; the binary calls it [`CALLS`] times on
//! different inputs, so the per-operation count is the total divided by [`CALLS`]:
//!
//! ```text
//! cargo build --release --example instructions
//! for op in decision hot_decision facts_decision insert owner_update share_insert sql_filter; do
//!   valgrind --tool=callgrind --callgrind-out-file=/tmp/cg.$op \
//!     --toggle-collect='*measure_'$op'*' target/release/examples/instructions $op
//!   callgrind_annotate /tmp/cg.$op | grep 'PROGRAM TOTALS'
//! done
//! ```
//!
//! Setup (not counted): the 10,000-user organisation of the decision bench (100 units, 50
//! tables, 200 roles, 500 teams, 10,000 records); for `facts_decision`, the organisation of
//! the `record_decision/random_facts` bench at 10,000 users; a record store of 100,000 records
//! of table `t0` for the writes; the PostgreSQL mapping of the `sql_filter` bench for the
//! filter.

#![allow(
    clippy::expect_used,
    reason = "an example whose setup fails should stop with the message"
)]

#[path = "../benches/support/mod.rs"]
mod support;

use std::hint::black_box;

use accessgate::dataverse::*;
use accessgate::Privilege;

/// How many times each measured operation runs.
const CALLS: usize = 1_000;

#[inline(never)]
fn measure_decision(policy: &DataversePolicy, user: UserId, p: Privilege, r: RecordId) -> bool {
    policy.check(user, p, r).decision().is_allow()
}

/// The same as [`measure_decision`], under its own name so callgrind can collect it alone.
#[inline(never)]
fn measure_hot_decision(policy: &DataversePolicy, user: UserId, p: Privilege, r: RecordId) -> bool {
    policy.check(user, p, r).decision().is_allow()
}

#[inline(never)]
fn measure_facts_decision(
    policy: &DataversePolicy,
    user: UserId,
    p: Privilege,
    facts: &RecordFacts,
) -> bool {
    policy
        .check_facts(user, p, facts, &NoShares)
        .decision()
        .is_allow()
}

#[inline(never)]
fn measure_insert(store: &RecordStore, id: &str, facts: &RecordFacts) -> RecordId {
    store.insert(id, facts).expect("insert")
}

#[inline(never)]
fn measure_owner_update(store: &RecordStore, record: RecordId, facts: &RecordFacts) {
    store.update(record, facts).expect("update");
}

#[inline(never)]
fn measure_share_insert(store: &RecordStore, record: RecordId, share: ShareFact) {
    store.share(record, share).expect("share");
}

#[inline(never)]
fn measure_sql_filter(filters: &SqlFilters, user: UserId, table: TableId) -> SqlFilter {
    filters.filter(user, Privilege::READ, table)
}

/// The organisation of the `record_decision/random_facts` bench, at 10,000 users.
fn facts_organisation() -> DataversePolicy {
    support::organisation(support::records_shape(10_000), 11)
        .build()
        .expect("model builds")
}

fn main() {
    let op = std::env::args().nth(1).unwrap_or_default();
    let shape = support::Shape {
        units: 100,
        max_depth: 7,
        tables: 50,
        roles: 200,
        users: 10_000,
        teams: 500,
        team_size: 20,
        direct_roles: 3,
        team_roles: 2,
        records: 10_000,
        share_every: 0,
        matrix: true,
    };
    let policy = support::organisation(shape, 11)
        .build()
        .expect("model builds");
    let mut rng = support::Rng::new(17);
    let user = |rng: &mut support::Rng| {
        policy
            .user_id(&format!("u{}", rng.below(shape.users)))
            .expect("user")
    };
    let table = policy.table_id("t0").expect("t0");
    match op.as_str() {
        "decision" => {
            let mut allowed = 0;
            for _ in 0..CALLS {
                let p = Privilege::RECORD_RIGHTS[rng.below(7)];
                let r = policy
                    .record_id(&format!("rec{}", rng.below(shape.records)))
                    .expect("record");
                let u = user(&mut rng);
                allowed += usize::from(measure_decision(&policy, black_box(u), p, r));
            }
            println!("{CALLS} decisions, {allowed} allowed");
        }
        "insert" | "owner_update" | "share_insert" => {
            let store = RecordStore::new();
            let owner = |rng: &mut support::Rng| {
                RecordFacts::owned_by(RecordId::new(0), table, RecordOwner::User(user(rng)))
            };
            let ids = store
                .transaction(|tx| {
                    (0..100_000)
                        .map(|i| tx.insert(&format!("rec-{i:08}"), &owner(&mut rng)))
                        .collect::<Result<Vec<_>, _>>()
                })
                .expect("fill the store");
            for n in 0..CALLS {
                let facts = owner(&mut rng);
                match op.as_str() {
                    "insert" => {
                        black_box(measure_insert(&store, &format!("new-{n:09}"), &facts));
                    }
                    "owner_update" => {
                        measure_owner_update(&store, ids[rng.below(ids.len())], &facts);
                    }
                    _ => {
                        // A record's first share, as in the `store/share_insert` bench.
                        let share =
                            ShareFact::new(SharedWith::User(user(&mut rng)), Privilege::READ);
                        measure_share_insert(&store, ids[n.wrapping_mul(7_919) % ids.len()], share);
                    }
                }
            }
            println!("{CALLS} writes into a store of {} records", ids.len());
        }
        "facts_decision" => {
            // The `record_decision/random_facts` bench's model and requests at 10,000 users:
            // 1,000 units, 10 tables, 100 roles, owner teams of 20, two direct roles each.
            let facts_policy = facts_organisation();
            let mut allowed = 0;
            for i in 0..CALLS {
                let (u, p, facts) =
                    support::random_facts_request(&facts_policy, &mut rng, i as u64);
                allowed += usize::from(measure_facts_decision(
                    &facts_policy,
                    black_box(u),
                    p,
                    &facts,
                ));
            }
            println!("{CALLS} decisions from facts, {allowed} allowed");
        }
        "hot_decision" => {
            // The issue's single-decision model, one request repeated: what a decision costs
            // when everything it reads is in cache.
            let hot = support::decision_model().build().expect("model builds");
            let alice = hot.user_id("alice").expect("alice");
            let rec = hot.record_id("rec").expect("rec");
            let mut allowed = 0;
            for _ in 0..CALLS {
                allowed += usize::from(measure_hot_decision(
                    &hot,
                    black_box(alice),
                    Privilege::READ,
                    rec,
                ));
            }
            println!("{CALLS} decisions, {allowed} allowed");
        }
        "sql_filter" => {
            let mapping = support::records_mapping();
            let filters = SqlFilters::new(&policy, &mapping).expect("mapping compiles");
            for _ in 0..CALLS {
                black_box(measure_sql_filter(&filters, user(&mut rng), table));
            }
            println!("{CALLS} SQL filters built");
        }
        _ => {
            eprintln!(
                "usage: instructions decision|hot_decision|facts_decision|insert|owner_update|share_insert|sql_filter"
            );
            std::process::exit(2);
        }
    }
}
