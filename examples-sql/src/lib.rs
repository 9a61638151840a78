//! Runs accessgate's list filters as SQL on a real PostgreSQL server and a real SQLite database,
//! against an application-shaped schema, and checks every answer row by row against
//! [`DataversePolicy::check_facts`].
//!
//! This crate is also the adapter a service would write: [`pg_params`] and [`sqlite_params`]
//! turn a filter's [`SqlValue`]s into the parameters of the `postgres` crate (the synchronous
//! client over tokio-postgres: no runtime to set up in a test or a command-line tool; a service
//! on tokio would use `tokio-postgres` with the same `ToSql` values) and of rusqlite.
//!
//! [`PgServer`] starts a throwaway PostgreSQL cluster (initdb into a temporary directory,
//! pg_ctl on 127.0.0.1 and a free port) and stops it when dropped.

mod org;
mod server;

pub use org::{mapping, model, privileges, Org, Rng, Row, ShareRow, TABLES};
pub use server::PgServer;

use std::time::{Duration, Instant};

use accessgate::dataverse::*;
use accessgate::Privilege;

pub mod records_service;

/// The schema of the generated organisation, with the indexes the README recommends.
pub const SCHEMA: &str = "
CREATE TABLE account (id text PRIMARY KEY, owner_id text NOT NULL, owner_kind text NOT NULL, unit_id text NOT NULL, state integer NOT NULL);
CREATE TABLE contact (id text PRIMARY KEY, owner_id text NOT NULL, owner_kind text NOT NULL, unit_id text NOT NULL, state integer NOT NULL, parent_id text);
CREATE TABLE task (id text PRIMARY KEY, owner_id text NOT NULL, owner_kind text NOT NULL, unit_id text NOT NULL, state integer NOT NULL, parent_id text);
CREATE TABLE poa (object_id text NOT NULL, principal_id text NOT NULL, principal_kind text NOT NULL, rights integer NOT NULL, inherited_from text);
";

/// The recommended indexes: owning unit and owner of every record table, parent columns, and
/// the share table by principal and by object.
pub const INDEXES: &str = "
CREATE INDEX account_unit ON account (unit_id);
CREATE INDEX account_owner ON account (owner_id);
CREATE INDEX contact_unit ON contact (unit_id);
CREATE INDEX contact_owner ON contact (owner_id);
CREATE INDEX contact_parent ON contact (parent_id);
CREATE INDEX task_unit ON task (unit_id);
CREATE INDEX task_owner ON task (owner_id);
CREATE INDEX task_parent ON task (parent_id);
CREATE INDEX poa_principal ON poa (principal_kind, principal_id);
CREATE INDEX poa_object ON poa (object_id);
";

/// What a comparison run did.
#[derive(Debug, Clone, Default)]
pub struct Report {
    /// Rows in the record tables.
    pub rows: usize,
    /// Queries run and compared.
    pub queries: usize,
    /// Rows returned by all queries together.
    pub rows_returned: usize,
    /// Time spent running the SQL.
    pub sql: Duration,
    /// Time spent deciding every row with `check_facts()`.
    pub check: Duration,
    /// Queries whose answer differed, as `(user, privilege, table, missing, extra)`.
    pub mismatches: Vec<(String, Privilege, String, usize, usize)>,
}

/// A database a filter can run on.
pub trait Database {
    /// The ids `filter` selects, sorted.
    ///
    /// # Errors
    ///
    /// The client's error.
    fn ids(&mut self, filter: &SqlFilter) -> Result<Vec<String>, Box<dyn std::error::Error>>;
}

/// The filter's values as `postgres` parameters.
pub fn pg_params(values: &[SqlValue]) -> Vec<Box<dyn postgres::types::ToSql + Sync>> {
    values
        .iter()
        .map(|v| -> Box<dyn postgres::types::ToSql + Sync> {
            match v {
                SqlValue::Text(s) | SqlValue::Uuid(s) | SqlValue::Json(s) => Box::new(s.clone()),
                SqlValue::Int(i) => Box::new(*i),
                SqlValue::TextArray(a) => Box::new(a.clone()),
                SqlValue::IntArray(a) => Box::new(a.clone()),
                _ => Box::new(Option::<String>::None),
            }
        })
        .collect()
}

/// The filter's values as rusqlite parameters.
pub fn sqlite_params(values: &[SqlValue]) -> Vec<rusqlite::types::Value> {
    use rusqlite::types::Value;
    values
        .iter()
        .map(|v| match v {
            SqlValue::Text(s) | SqlValue::Uuid(s) | SqlValue::Json(s) => Value::Text(s.clone()),
            SqlValue::Int(i) => Value::Integer(*i),
            // Arrays belong to the PostgreSQL dialect; as JSON they still mean the same set.
            SqlValue::TextArray(a) => Value::Text(format!("{a:?}")),
            SqlValue::IntArray(a) => Value::Text(format!("{a:?}")),
            _ => Value::Null,
        })
        .collect()
}

impl Database for postgres::Client {
    fn ids(&mut self, filter: &SqlFilter) -> Result<Vec<String>, Box<dyn std::error::Error>> {
        let params = pg_params(filter.params());
        let refs: Vec<&(dyn postgres::types::ToSql + Sync)> =
            params.iter().map(|b| b.as_ref()).collect();
        let rows = self.query(&filter.select_ids(), &refs)?;
        let mut ids: Vec<String> = rows.iter().map(|r| r.get(0)).collect();
        ids.sort_unstable();
        Ok(ids)
    }
}

impl Database for rusqlite::Connection {
    fn ids(&mut self, filter: &SqlFilter) -> Result<Vec<String>, Box<dyn std::error::Error>> {
        let mut stmt = self.prepare_cached(&filter.select_ids())?;
        let params = sqlite_params(filter.params());
        let mut ids = stmt
            .query_map(rusqlite::params_from_iter(params), |r| {
                r.get::<_, String>(0)
            })?
            .collect::<Result<Vec<String>, _>>()?;
        ids.sort_unstable();
        Ok(ids)
    }
}

/// Loads the organisation into PostgreSQL with COPY, creates the indexes and analyzes.
///
/// # Errors
///
/// The client's error.
pub fn load_pg(db: &mut postgres::Client, org: &Org) -> Result<(), Box<dyn std::error::Error>> {
    use std::io::Write as _;
    db.batch_execute(SCHEMA)?;
    for (t, name) in TABLES.iter().enumerate() {
        let mut w = db.copy_in(&format!("COPY {name} FROM STDIN"))?;
        let mut buf = String::new();
        for r in org.rows.iter().filter(|r| r.table == t) {
            buf.push_str(&format!(
                "{}\t{}\t{}\t{}\t{}",
                r.id, r.owner, r.owner_kind, r.unit, r.state
            ));
            if t > 0 {
                buf.push('\t');
                buf.push_str(r.parent.as_deref().unwrap_or("\\N"));
            }
            buf.push('\n');
            if buf.len() > 1 << 20 {
                w.write_all(buf.as_bytes())?;
                buf.clear();
            }
        }
        w.write_all(buf.as_bytes())?;
        w.finish()?;
    }
    let mut w = db.copy_in("COPY poa FROM STDIN")?;
    let mut buf = String::new();
    for s in &org.shares {
        buf.push_str(&format!(
            "{}\t{}\t{}\t{}\t{}\n",
            s.object,
            s.principal,
            s.kind,
            s.rights,
            s.inherited_from.as_deref().unwrap_or("\\N")
        ));
    }
    w.write_all(buf.as_bytes())?;
    w.finish()?;
    db.batch_execute(INDEXES)?;
    db.batch_execute("ANALYZE")?;
    Ok(())
}

/// Loads the organisation into SQLite in one transaction, with the indexes.
///
/// # Errors
///
/// SQLite's error.
pub fn load_sqlite(db: &mut rusqlite::Connection, org: &Org) -> Result<(), rusqlite::Error> {
    db.execute_batch(SCHEMA)?;
    let tx = db.transaction()?;
    for (t, name) in TABLES.iter().enumerate() {
        let mut stmt = tx.prepare(&format!(
            "INSERT INTO {name} VALUES (?1, ?2, ?3, ?4, ?5{})",
            if t > 0 { ", ?6" } else { "" }
        ))?;
        for r in org.rows.iter().filter(|r| r.table == t) {
            if t > 0 {
                stmt.execute(rusqlite::params![
                    r.id,
                    r.owner,
                    r.owner_kind,
                    r.unit,
                    r.state,
                    r.parent
                ])?;
            } else {
                stmt.execute(rusqlite::params![
                    r.id,
                    r.owner,
                    r.owner_kind,
                    r.unit,
                    r.state
                ])?;
            }
        }
    }
    {
        let mut stmt = tx.prepare("INSERT INTO poa VALUES (?1, ?2, ?3, ?4, ?5)")?;
        for s in &org.shares {
            stmt.execute(rusqlite::params![
                s.object,
                s.principal,
                s.kind,
                s.rights,
                s.inherited_from
            ])?;
        }
    }
    tx.commit()?;
    db.execute_batch(INDEXES)?;
    db.execute_batch("ANALYZE")?;
    Ok(())
}

/// Runs `users` × (Read, Write) × every table filters on `db` and compares each answer with
/// the records `check_facts()` allows. Users are spread over the model, the probes first.
///
/// # Errors
///
/// A mapping or database error.
pub fn compare(
    db: &mut dyn Database,
    org: &Org,
    dialect: Dialect,
    users: usize,
) -> Result<Report, Box<dyn std::error::Error>> {
    let filters = SqlFilters::new(&org.policy, &mapping(dialect))?;
    let mut report = Report {
        rows: org.rows.len(),
        ..Report::default()
    };
    let count = org.policy.user_count();
    for k in 0..users {
        let name = format!("u{}", k * count / users.max(1));
        let user = org.policy.user_id(&name).ok_or("no such user")?;
        for privilege in [Privilege::READ, Privilege::WRITE] {
            for (t, table_name) in TABLES.iter().enumerate() {
                let table = org.policy.table_id(table_name).ok_or("no such table")?;
                let start = Instant::now();
                let filter = filters.filter(user, privilege, table);
                if filter.params().len() > MAX_PLACEHOLDERS {
                    return Err(format!("{} placeholders", filter.params().len()).into());
                }
                let got = db.ids(&filter)?;
                report.sql += start.elapsed();
                let start = Instant::now();
                let want = org.allowed(user, privilege, t);
                report.check += start.elapsed();
                report.queries += 1;
                report.rows_returned += got.len();
                if got != want {
                    let missing = want
                        .iter()
                        .filter(|w| got.binary_search(w).is_err())
                        .count();
                    let extra = got
                        .iter()
                        .filter(|g| want.binary_search(g).is_err())
                        .count();
                    report.mismatches.push((
                        name.clone(),
                        privilege,
                        (*table_name).to_owned(),
                        missing,
                        extra,
                    ));
                }
            }
        }
    }
    Ok(report)
}
