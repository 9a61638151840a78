//! Runs accessgate's list queries as SQL against a real SQLite database and checks every answer
//! row by row against [`DataversePolicy::check`].
//!
//! The database holds one row per record in the layout of [`RECORDS_SCHEMA`]; for each chosen
//! user, privilege and table the [`AccessFilter`] is rendered with
//! [`AccessFilter::to_sql`], run with its bound parameters, and the ids SQLite returns are
//! compared with the records `check()` allows, computed for every row of the table.
//!
//! `cargo run --release -p accessgate-sql-example --example sqlite` runs it on 1,000,000 rows.

use std::path::Path;
use std::time::{Duration, Instant};

use accessgate::dataverse::*;
use accessgate::Privilege;
use rusqlite::types::Value;
use rusqlite::{params, Connection};

pub mod records_service;

#[path = "../../benches/support/mod.rs"]
mod support;

/// What a run did.
#[derive(Debug, Clone, Default)]
pub struct Report {
    /// Rows in the database.
    pub rows: usize,
    /// Queries run and compared.
    pub queries: usize,
    /// Rows returned by all queries together.
    pub rows_returned: usize,
    /// Time to build the model and compile the policy.
    pub build: Duration,
    /// Time to create and fill the database, with its indexes.
    pub load: Duration,
    /// Time spent computing filters and running the SQL.
    pub sql: Duration,
    /// Time spent deciding every row with `check()`.
    pub check: Duration,
    /// Queries whose answer differed from `check()`, as `(user, privilege, table)`.
    pub mismatches: Vec<(String, Privilege, String)>,
}

/// Why a run failed.
#[derive(Debug)]
pub enum RunError {
    /// The generated model did not build.
    Model(ModelError),
    /// SQLite failed.
    Sql(rusqlite::Error),
}

impl std::fmt::Display for RunError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RunError::Model(e) => write!(f, "model: {e}"),
            RunError::Sql(e) => write!(f, "sqlite: {e}"),
        }
    }
}

impl std::error::Error for RunError {}

impl From<rusqlite::Error> for RunError {
    fn from(e: rusqlite::Error) -> Self {
        RunError::Sql(e)
    }
}

/// The organisation the example loads: 4 tables, 2,000 users in 100 units, 100 owner teams,
/// 20 roles, matrix mode, 1 record in 100 shared.
fn shape(rows: usize) -> support::Shape {
    support::Shape {
        units: 100,
        max_depth: 7,
        tables: 4,
        roles: 20,
        users: 2_000,
        teams: 100,
        team_size: 20,
        direct_roles: 3,
        team_roles: 1,
        records: rows,
        share_every: 100,
        matrix: true,
    }
}

fn to_sql_value(v: &SqlValue) -> Value {
    match v {
        SqlValue::Integer(i) => Value::Integer(*i),
        SqlValue::Text(s) => Value::Text(s.clone()),
    }
}

/// Creates the database at `path` (in memory when `None`) with `rows` records, then for
/// `users` users (spread over the user list), privileges Read and Write and every table,
/// compares the SQL answer with `check()` on every row.
///
/// # Errors
/// A [`RunError`] when the model does not build or SQLite fails; disagreements are not errors,
/// they are listed in [`Report::mismatches`].
pub fn run(rows: usize, users: usize, path: Option<&Path>) -> Result<Report, RunError> {
    let mut report = Report {
        rows,
        ..Report::default()
    };
    let started = Instant::now();
    let model = support::organisation(shape(rows), 3);
    let policy = model.build().map_err(RunError::Model)?;
    report.build = started.elapsed();

    let started = Instant::now();
    let mut db = match path {
        Some(p) => {
            let _ = std::fs::remove_file(p);
            Connection::open(p)?
        }
        None => Connection::open_in_memory()?,
    };
    db.execute_batch("PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF;")?;
    db.execute_batch(RECORDS_SCHEMA)?;
    let ids: Vec<RecordId> = model
        .records
        .iter()
        .filter_map(|r| policy.record_id(&r.id))
        .collect();
    {
        let tx = db.transaction()?;
        {
            let mut insert = tx.prepare(
                "INSERT INTO records (id, table_name, owner_user, owner_team, owning_unit_pre) \
                 VALUES (?1, ?2, ?3, ?4, ?5)",
            )?;
            for &id in &ids {
                let Some(row) = policy.record_row(id) else {
                    continue;
                };
                insert.execute(params![
                    row.id.index() as i64,
                    row.table_name,
                    row.owner_user.map(|u| u.index() as i64),
                    row.owner_team.map(|t| t.index() as i64),
                    row.owning_unit_pre.map(i64::from),
                ])?;
            }
        }
        tx.commit()?;
    }
    db.execute_batch(
        "CREATE INDEX records_unit ON records (table_name, owning_unit_pre);
         CREATE INDEX records_user ON records (owner_user);
         CREATE INDEX records_team ON records (owner_team);
         ANALYZE;",
    )?;
    report.load = started.elapsed();

    let tables: Vec<TableId> = model
        .tables
        .iter()
        .filter_map(|t| policy.table_id(&t.id))
        .collect();
    let step = (policy.user_count() / users.max(1)).max(1);
    for i in (0..policy.user_count()).step_by(step).take(users) {
        let Some(user) = policy.user_id(&format!("u{i}")) else {
            continue;
        };
        for privilege in [Privilege::READ, Privilege::WRITE] {
            for &table in &tables {
                let started = Instant::now();
                let clause = policy.access_filter(user, privilege, table).to_sql(&policy);
                let mut query = db.prepare_cached(&format!(
                    "SELECT id FROM records WHERE {} ORDER BY id",
                    clause.sql()
                ))?;
                let values: Vec<Value> = clause.params().iter().map(to_sql_value).collect();
                let got: Vec<i64> = query
                    .query_map(rusqlite::params_from_iter(values), |r| r.get(0))?
                    .collect::<Result<_, _>>()?;
                report.sql += started.elapsed();

                let started = Instant::now();
                let want: Vec<i64> = ids
                    .iter()
                    .filter(|&&r| {
                        policy.record_row(r).map(|row| row.table_name)
                            == Some(policy.table_name(table))
                            && policy.check(user, privilege, r).decision().is_allow()
                    })
                    .map(|r| r.index() as i64)
                    .collect();
                report.check += started.elapsed();

                report.queries += 1;
                report.rows_returned += got.len();
                if got != want {
                    report.mismatches.push((
                        policy.user_name(user).to_owned(),
                        privilege,
                        policy.table_name(table).to_owned(),
                    ));
                }
            }
        }
    }
    Ok(report)
}
