//! Loads a generated organisation into SQLite and checks every list filter's rows against
//! `check_facts()`: `cargo run --release -p accessgate-sql-example --example sqlite [rows] [users]`.

use std::process::ExitCode;

use accessgate::dataverse::Dialect;
use accessgate_sql_example::{compare, load_sqlite, Org};

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let rows = args
        .next()
        .and_then(|a| a.parse().ok())
        .unwrap_or(1_000_000);
    let users = args.next().and_then(|a| a.parse().ok()).unwrap_or(10);
    let run = || -> Result<_, Box<dyn std::error::Error>> {
        let org = Org::generate(rows, 2_000, false, 11)?;
        let mut db = rusqlite::Connection::open_in_memory()?;
        load_sqlite(&mut db, &org)?;
        compare(&mut db, &org, Dialect::Sqlite, users)
    };
    match run() {
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
        Ok(r) => {
            println!(
                "{} rows; {} queries returned {} rows: SQL {:.2?}, check_facts() on every row {:.2?}; {} mismatches",
                r.rows, r.queries, r.rows_returned, r.sql, r.check, r.mismatches.len()
            );
            if r.mismatches.is_empty() {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            }
        }
    }
}
