//! Filtered list queries against hand-written ones on a throwaway PostgreSQL (issue 13).
//!
//! Loads a generated organisation (default 10,000,000 rows: 3.5 M accounts, 3.5 M contacts,
//! 3 M tasks, 5,000 users, shares) with COPY, creates the recommended indexes, runs
//! `VACUUM ANALYZE`, then for each probe user (default 100 per level: User, Business Unit,
//! Parent: Child readers of `account`) times
//!
//! * the filtered list query `SELECT id FROM account WHERE <SqlFilters::filter(..)>`, and
//! * the same list written by hand as the minimal plain predicate that returns the same rows:
//!   `owner_id = $1` for User level, `unit_id = ANY($2) OR owner_id = $1` for Business Unit and
//!   Parent: Child levels (the unit, or its subtree, computed by hand from the unit tree; the
//!   owner branch because in matrix mode a fifth of a user's records sit in other units), plus
//!   the share branch `id = ANY(ARRAY(SELECT object_id FROM poa WHERE …))` only when the user has
//!   a share with Read (organization shares count for everyone),
//!
//! fetching every row, after one untimed warm-up run of each that asserts both return the same
//! ids (and, for the first two users per level, the ids `check_facts()` allows). Each query
//! runs `RUNS` times alternately; a user's time is the median of its runs; the report gives p50
//! and p99 over users of each query and of the per-user ratio filtered / hand.
//!
//! The throwaway server is tuned for loading: `fsync=off`, `synchronous_commit=off`,
//! `full_page_writes=off` (every `PgServer`), plus `shared_buffers=2GB`,
//! `maintenance_work_mem=1GB`, `max_wal_size=16GB`, `checkpoint_timeout=1h`, `autovacuum=off`
//! (via `pg_ctl -o`); JIT and everything else at PostgreSQL's defaults.
//!
//! `cargo run --release -p accessgate-sql-example --example pg_speed -- [rows] [probes per level]`

use std::error::Error;
use std::time::{Duration, Instant};

use accessgate::dataverse::{Dialect, SqlFilters};
use accessgate::{AccessLevel, Privilege};
use accessgate_sql_example::{
    pg_params, Layout, Names, Org, PgServer, Shape, PROBE_LEVELS, TABLES,
};
use postgres::types::ToSql;

const RUNS: usize = 3;

type Params = Vec<Box<dyn ToSql + Sync>>;

fn fetch(
    db: &mut postgres::Client,
    sql: &str,
    params: &Params,
) -> Result<Vec<String>, Box<dyn Error>> {
    let refs: Vec<&(dyn ToSql + Sync)> = params.iter().map(|b| b.as_ref()).collect();
    let rows = db.query(sql, &refs)?;
    Ok(rows.iter().map(|r| r.get(0)).collect())
}

/// The hand-written query for probe user `n`: the minimal predicate returning its rows.
fn hand(org: &Org, n: usize) -> (String, Params) {
    let name = org.names.user(n);
    let level = PROBE_LEVELS[n % 3];
    let mut arms = Vec::new();
    let mut params: Params = vec![Box::new(name.clone())];
    match level {
        AccessLevel::BusinessUnit | AccessLevel::ParentChild => {
            let unit = org.user_units.get(n).copied().unwrap_or(0);
            let units: Vec<String> = if level == AccessLevel::ParentChild {
                org.subtree(unit)
                    .into_iter()
                    .map(|u| org.names.unit(u))
                    .collect()
            } else {
                vec![org.names.unit(unit)]
            };
            params.push(Box::new(units));
            arms.push("unit_id = ANY($2)".to_owned());
            arms.push("owner_id = $1".to_owned());
        }
        _ => arms.push("owner_id = $1".to_owned()),
    }
    let read = |rights: i64| rights & 1 != 0;
    let has_shares = org
        .shares
        .iter()
        .any(|s| read(s.rights) && (s.kind == "organization" || s.principal == name));
    if has_shares {
        arms.push(
            "id = ANY(ARRAY(SELECT object_id FROM poa WHERE rights & 1 <> 0 \
             AND (principal_kind = 'user' AND principal_id = $1 \
             OR principal_kind = 'organization')))"
                .to_owned(),
        );
    }
    (
        format!("SELECT id FROM account WHERE {}", arms.join(" OR ")),
        params,
    )
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted.get(i).copied().unwrap_or(f64::NAN)
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn main() -> Result<(), Box<dyn Error>> {
    let mut args = std::env::args().skip(1);
    let rows: usize = args
        .next()
        .map(|a| a.parse())
        .transpose()?
        .unwrap_or(10_000_000);
    let probes: usize = args.next().map(|a| a.parse()).transpose()?.unwrap_or(100);
    let users = 5_000.max(6 * probes);

    let start = Instant::now();
    let org = Org::with_shape(Shape {
        probes,
        names: Names(accessgate::dataverse::IdType::Text),
        ..Shape::new(rows, users, false, 11)
    })?;
    println!(
        "generated {} rows ({} shares), {users} users, in {:.1} s",
        org.rows.len(),
        org.shares.len(),
        start.elapsed().as_secs_f64()
    );

    let server = PgServer::start_with(&[
        "shared_buffers=2GB",
        "maintenance_work_mem=1GB",
        "max_wal_size=16GB",
        "checkpoint_timeout=1h",
        "autovacuum=off",
    ])?;
    let mut db = postgres::Client::connect(&server.url(), postgres::NoTls)?;
    let start = Instant::now();
    accessgate_sql_example::load_pg(&mut db, &org)?;
    let loaded = start.elapsed();
    let start = Instant::now();
    db.batch_execute("VACUUM ANALYZE")?;
    println!(
        "loaded (COPY, indexes, ANALYZE) in {:.1} s, VACUUM ANALYZE {:.1} s",
        loaded.as_secs_f64(),
        start.elapsed().as_secs_f64()
    );

    let filters = SqlFilters::new(&org.policy, &Layout::TEXT.mapping(Dialect::Postgres))?;
    let account = org.policy.table_id(TABLES[0]).ok_or("no account")?;
    let start = Instant::now();
    for (l, level) in PROBE_LEVELS.iter().enumerate() {
        let (mut filtered, mut by_hand, mut ratios) = (Vec::new(), Vec::new(), Vec::new());
        let mut returned = Vec::new();
        for (k, n) in (l..3 * probes).step_by(3).enumerate() {
            let user = org.policy.user_id(&org.names.user(n)).ok_or("no probe")?;
            let filter = filters.filter(user, Privilege::READ, account);
            let (f_sql, f_params) = (filter.select_ids(), pg_params(filter.params()));
            let (h_sql, h_params) = hand(&org, n);
            let mut a = fetch(&mut db, &f_sql, &f_params)?;
            let mut b = fetch(&mut db, &h_sql, &h_params)?;
            a.sort_unstable();
            b.sort_unstable();
            if a != b {
                return Err(format!(
                    "user {n}: filter returns {} rows, hand query {}\n{f_sql}\n{h_sql}",
                    a.len(),
                    b.len()
                )
                .into());
            }
            if k < 2 && a != org.allowed(user, Privilege::READ, 0) {
                return Err(
                    format!("user {n}: the filter's rows differ from check_facts()").into(),
                );
            }
            returned.push(a.len());
            let (mut tf, mut th) = (Vec::new(), Vec::new());
            for _ in 0..RUNS {
                let t = Instant::now();
                let got = fetch(&mut db, &f_sql, &f_params)?;
                tf.push(ms(t.elapsed()));
                let t = Instant::now();
                let want = fetch(&mut db, &h_sql, &h_params)?;
                th.push(ms(t.elapsed()));
                if got.len() != want.len() {
                    return Err("row counts changed between runs".into());
                }
            }
            tf.sort_by(f64::total_cmp);
            th.sort_by(f64::total_cmp);
            let (mf, mh) = (tf[RUNS / 2], th[RUNS / 2]);
            filtered.push(mf);
            by_hand.push(mh);
            ratios.push(mf / mh);
        }
        for v in [&mut filtered, &mut by_hand, &mut ratios] {
            v.sort_by(f64::total_cmp);
        }
        returned.sort_unstable();
        println!(
            "{level:?} level, {} users, rows returned p50 {} max {}: filtered p50 {:.2} ms p99 {:.2} ms; \
             hand p50 {:.2} ms p99 {:.2} ms; ratio p50 {:.2} p99 {:.2} (p50/p50 {:.2}, p99/p99 {:.2})",
            filtered.len(),
            returned[returned.len() / 2],
            returned.last().copied().unwrap_or(0),
            percentile(&filtered, 0.5),
            percentile(&filtered, 0.99),
            percentile(&by_hand, 0.5),
            percentile(&by_hand, 0.99),
            percentile(&ratios, 0.5),
            percentile(&ratios, 0.99),
            percentile(&filtered, 0.5) / percentile(&by_hand, 0.5),
            percentile(&filtered, 0.99) / percentile(&by_hand, 0.99),
        );
    }
    println!("timed in {:.1} s", start.elapsed().as_secs_f64());
    Ok(())
}
