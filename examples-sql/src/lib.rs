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

pub use org::{model, privileges, Names, Org, Rng, Row, Shape, ShareRow, PROBE_LEVELS, TABLES};
pub use server::PgServer;

use std::time::{Duration, Instant};

use accessgate::dataverse::*;
use accessgate::Privilege;

pub mod records_service;

/// How the generated organisation is laid out in SQL: the id type, the owner columns, and
/// whether the three Dataverse tables have a SQL table each or share one (`record`, told apart
/// by a `tbl` column). [`Layout::TEXT`] is the layout of the filter section of `docs/performance.md`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Layout {
    /// The SQL type of every id column (records, owners, units, share principals).
    pub ids: IdType,
    /// Separate `owner_user` and `owner_team` columns instead of `owner_id` and `owner_kind`.
    pub split_owner: bool,
    /// One SQL table `record` for all Dataverse tables, with a table-name column `tbl`.
    pub one_table: bool,
}

impl Layout {
    /// Text ids, `owner_id` + `owner_kind`, one SQL table per Dataverse table.
    pub const TEXT: Layout = Layout {
        ids: IdType::Text,
        split_owner: false,
        one_table: false,
    };

    fn id_type(&self, dialect: Dialect) -> &'static str {
        match (self.ids, dialect) {
            (IdType::Uuid, Dialect::Postgres) => "uuid",
            (IdType::BigInt, Dialect::Postgres) => "bigint",
            (IdType::BigInt, _) => "integer",
            _ => "text",
        }
    }

    /// The SQL tables, in the order rows are loaded.
    pub fn sql_tables(&self) -> Vec<&'static str> {
        if self.one_table {
            vec!["record"]
        } else {
            TABLES.to_vec()
        }
    }

    /// The column list of a record table, in COPY / INSERT order.
    fn columns(&self) -> &'static str {
        match (self.one_table, self.split_owner) {
            (false, false) => "id, owner_id, owner_kind, unit_id, state, parent_id",
            (false, true) => "id, owner_user, owner_team, unit_id, state, parent_id",
            (true, false) => "id, tbl, owner_id, owner_kind, unit_id, state, parent_id",
            (true, true) => "id, tbl, owner_user, owner_team, unit_id, state, parent_id",
        }
    }

    /// `CREATE TABLE` statements of the record tables and the share table `poa`.
    pub fn schema(&self, dialect: Dialect) -> String {
        let ty = self.id_type(dialect);
        let owner = if self.split_owner {
            format!("owner_user {ty}, owner_team {ty}")
        } else {
            format!("owner_id {ty} NOT NULL, owner_kind text NOT NULL")
        };
        let tbl = if self.one_table {
            "tbl text NOT NULL, "
        } else {
            ""
        };
        let mut sql = String::new();
        for t in self.sql_tables() {
            sql.push_str(&format!(
                "CREATE TABLE {t} (id {ty} PRIMARY KEY, {tbl}{owner}, unit_id {ty} NOT NULL, \
                 state integer NOT NULL, parent_id {ty});\n"
            ));
        }
        sql.push_str(&format!(
            "CREATE TABLE poa (object_id {ty} NOT NULL, principal_id {ty}, \
             principal_kind text NOT NULL, rights integer NOT NULL, inherited_from {ty});\n"
        ));
        sql
    }

    /// The indexes `docs/performance.md` recommends: owning unit and owner of every record table (led by
    /// the table-name column when tables share one), parent column, and the share table by
    /// principal and by object.
    pub fn indexes(&self) -> String {
        let lead = if self.one_table { "tbl, " } else { "" };
        let mut sql = String::new();
        for t in self.sql_tables() {
            sql.push_str(&format!("CREATE INDEX {t}_unit ON {t} ({lead}unit_id);\n"));
            if self.split_owner {
                sql.push_str(&format!(
                    "CREATE INDEX {t}_owner_user ON {t} ({lead}owner_user);\n\
                     CREATE INDEX {t}_owner_team ON {t} ({lead}owner_team);\n"
                ));
            } else {
                sql.push_str(&format!(
                    "CREATE INDEX {t}_owner ON {t} ({lead}owner_id);\n"
                ));
            }
            sql.push_str(&format!("CREATE INDEX {t}_parent ON {t} (parent_id);\n"));
        }
        sql.push_str(
            "CREATE INDEX poa_principal ON poa (principal_kind, principal_id);\n\
             CREATE INDEX poa_object ON poa (object_id);\n",
        );
        sql
    }

    /// The mapping of this layout.
    pub fn mapping(&self, dialect: Dialect) -> SqlMapping {
        let owner = || {
            if self.split_owner {
                OwnerColumns::Split {
                    user: "owner_user".into(),
                    team: "owner_team".into(),
                }
            } else {
                OwnerColumns::Kind {
                    id: "owner_id".into(),
                    kind: "owner_kind".into(),
                }
            }
        };
        let table = |name: &str| {
            let t = if self.one_table {
                RecordTable::new("record", "id", owner(), "unit_id").with_table_name_column("tbl")
            } else {
                RecordTable::new(name, "id", owner(), "unit_id")
            };
            t.with_state("state", 0)
        };
        SqlMapping::new(dialect, self.ids)
            .table("account", table("account"))
            .table(
                "contact",
                table("contact").with_parent("account_contact", "parent_id"),
            )
            .table(
                "task",
                table("task").with_parent("contact_task", "parent_id"),
            )
            .shares(
                ShareTable::new(
                    "poa",
                    "object_id",
                    "principal_id",
                    "principal_kind",
                    "rights",
                )
                .with_inherited_from("inherited_from"),
            )
    }

    /// The values of one record row, in [`columns`](Self::columns) order (`None` for NULL).
    fn row<'a>(&self, r: &'a Row) -> Vec<Option<&'a str>> {
        let mut v = vec![Some(r.id.as_str())];
        if self.one_table {
            v.push(Some(TABLES[r.table]));
        }
        if self.split_owner {
            let user = r.owner_kind == "user";
            v.push(user.then_some(r.owner.as_str()));
            v.push((!user).then_some(r.owner.as_str()));
        } else {
            v.push(Some(r.owner.as_str()));
            v.push(Some(r.owner_kind));
        }
        v.push(Some(r.unit.as_str()));
        v.push(Some(if r.state == 0 { "0" } else { "1" }));
        v.push(r.parent.as_deref());
        v
    }
}

/// The mapping of the layout `docs/performance.md` shows, [`Layout::TEXT`].
pub fn mapping(dialect: Dialect) -> SqlMapping {
    Layout::TEXT.mapping(dialect)
}

/// The values of one share row (`None` for NULL; the organization has no principal id).
fn share_row(s: &ShareRow) -> [Option<String>; 5] {
    [
        Some(s.object.clone()),
        (!s.principal.is_empty()).then(|| s.principal.clone()),
        Some(s.kind.to_owned()),
        Some(s.rights.to_string()),
        s.inherited_from.clone(),
    ]
}

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
        // Ids of any type (text, uuid, bigint) as text, as the generator spelled them.
        let sql = format!("SELECT q.x::text FROM ({}) AS q(x)", filter.select_ids());
        let rows = self.query(&sql, &refs)?;
        let mut ids: Vec<String> = rows.iter().map(|r| r.get(0)).collect();
        ids.sort_unstable();
        Ok(ids)
    }
}

impl Database for rusqlite::Connection {
    fn ids(&mut self, filter: &SqlFilter) -> Result<Vec<String>, Box<dyn std::error::Error>> {
        use rusqlite::types::Value;
        let mut stmt = self.prepare_cached(&filter.select_ids())?;
        let params = sqlite_params(filter.params());
        let mut ids = stmt
            .query_map(rusqlite::params_from_iter(params), |r| {
                Ok(match r.get::<_, Value>(0)? {
                    Value::Integer(i) => i.to_string(),
                    Value::Text(s) => s,
                    other => format!("{other:?}"),
                })
            })?
            .collect::<Result<Vec<String>, _>>()?;
        ids.sort_unstable();
        Ok(ids)
    }
}

/// One COPY text-format line.
fn copy_line(buf: &mut String, values: impl IntoIterator<Item = Option<impl AsRef<str>>>) {
    for (i, v) in values.into_iter().enumerate() {
        if i > 0 {
            buf.push('\t');
        }
        match v {
            Some(v) => buf.push_str(v.as_ref()),
            None => buf.push_str("\\N"),
        }
    }
    buf.push('\n');
}

/// Loads the organisation into PostgreSQL in the layout of `docs/performance.md` ([`Layout::TEXT`]).
///
/// # Errors
///
/// The client's error.
pub fn load_pg(db: &mut postgres::Client, org: &Org) -> Result<(), Box<dyn std::error::Error>> {
    load_pg_as(db, org, Layout::TEXT)
}

/// Loads the organisation into PostgreSQL in `layout` with COPY, creates the indexes and
/// analyzes.
///
/// # Errors
///
/// The client's error.
pub fn load_pg_as(
    db: &mut postgres::Client,
    org: &Org,
    layout: Layout,
) -> Result<(), Box<dyn std::error::Error>> {
    use std::io::Write as _;
    db.batch_execute(&layout.schema(Dialect::Postgres))?;
    for (k, name) in layout.sql_tables().into_iter().enumerate() {
        let mut w = db.copy_in(&format!("COPY {name} ({}) FROM STDIN", layout.columns()))?;
        let mut buf = String::new();
        for r in org.rows.iter().filter(|r| layout.one_table || r.table == k) {
            copy_line(&mut buf, layout.row(r));
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
        copy_line(&mut buf, share_row(s));
    }
    w.write_all(buf.as_bytes())?;
    w.finish()?;
    db.batch_execute(&layout.indexes())?;
    db.batch_execute("ANALYZE")?;
    Ok(())
}

/// Loads the organisation into SQLite in the layout of `docs/performance.md` ([`Layout::TEXT`]).
///
/// # Errors
///
/// SQLite's error.
pub fn load_sqlite(db: &mut rusqlite::Connection, org: &Org) -> Result<(), rusqlite::Error> {
    load_sqlite_as(db, org, Layout::TEXT)
}

/// Loads the organisation into SQLite in `layout` in one transaction, with the indexes
/// (`bigint` ids as integers, UUIDs as text).
///
/// # Errors
///
/// SQLite's error.
pub fn load_sqlite_as(
    db: &mut rusqlite::Connection,
    org: &Org,
    layout: Layout,
) -> Result<(), rusqlite::Error> {
    use rusqlite::types::Value;
    let value = |v: Option<&str>, id: bool| match (v, layout.ids, id) {
        (None, _, _) => Value::Null,
        (Some(v), IdType::BigInt, true) => v
            .parse::<i64>()
            .map(Value::Integer)
            .unwrap_or_else(|_| Value::Text(v.to_owned())),
        (Some(v), _, _) => Value::Text(v.to_owned()),
    };
    db.execute_batch(&layout.schema(Dialect::Sqlite))?;
    let tx = db.transaction()?;
    let columns: Vec<&str> = layout.columns().split(", ").collect();
    for (k, name) in layout.sql_tables().into_iter().enumerate() {
        let marks: Vec<String> = (1..=columns.len()).map(|i| format!("?{i}")).collect();
        let mut stmt = tx.prepare(&format!(
            "INSERT INTO {name} ({}) VALUES ({})",
            layout.columns(),
            marks.join(", ")
        ))?;
        for r in org.rows.iter().filter(|r| layout.one_table || r.table == k) {
            let values: Vec<Value> = layout
                .row(r)
                .into_iter()
                .zip(&columns)
                .map(|(v, c)| match *c {
                    "state" => Value::Integer(i64::from(v != Some("0"))),
                    "tbl" | "owner_kind" => value(v, false),
                    _ => value(v, true),
                })
                .collect();
            stmt.execute(rusqlite::params_from_iter(values))?;
        }
    }
    {
        let mut stmt = tx.prepare("INSERT INTO poa VALUES (?1, ?2, ?3, ?4, ?5)")?;
        for s in &org.shares {
            let [o, p, kind, _, from] = share_row(s);
            stmt.execute(rusqlite::params_from_iter([
                value(o.as_deref(), true),
                value(p.as_deref(), true),
                value(kind.as_deref(), false),
                Value::Integer(s.rights),
                value(from.as_deref(), true),
            ]))?;
        }
    }
    tx.commit()?;
    db.execute_batch(&layout.indexes())?;
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
    compare_as(db, org, Layout::TEXT, dialect, users)
}

/// [`compare`] for an organisation loaded in `layout`.
///
/// # Errors
///
/// A mapping or database error.
pub fn compare_as(
    db: &mut dyn Database,
    org: &Org,
    layout: Layout,
    dialect: Dialect,
    users: usize,
) -> Result<Report, Box<dyn std::error::Error>> {
    let filters = SqlFilters::new(&org.policy, &layout.mapping(dialect))?;
    let mut report = Report {
        rows: org.rows.len(),
        ..Report::default()
    };
    let count = org.policy.user_count();
    for k in 0..users {
        let name = org.names.user(k * count / users.max(1));
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
