//! Loads 1,000,000 records into a SQLite database file, runs accessgate's list queries as SQL
//! and checks every answer row by row against `check()`.
//!
//! `cargo run --release -p accessgate-sql-example --example sqlite [ROWS] [USERS]`

use std::process::ExitCode;

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let rows = args
        .next()
        .and_then(|a| a.parse().ok())
        .unwrap_or(1_000_000);
    let users = args.next().and_then(|a| a.parse().ok()).unwrap_or(10);
    let path = std::env::temp_dir().join("accessgate-records.sqlite");
    match accessgate_sql_example::run(rows, users, Some(&path)) {
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
        Ok(r) => {
            println!(
                "{} rows in {} (model {:.2?}, load {:.2?}); {} queries (users × Read, Write × 4 tables) \
                 returned {} rows: SQL {:.2?} in all, check() on every row {:.2?} in all",
                r.rows,
                path.display(),
                r.build,
                r.load,
                r.queries,
                r.rows_returned,
                r.sql,
                r.check
            );
            let _ = std::fs::remove_file(&path);
            if r.mismatches.is_empty() {
                println!(
                    "{} passed, 0 failed: every SQL answer equals check() row by row",
                    r.queries
                );
                ExitCode::SUCCESS
            } else {
                for (u, p, t) in &r.mismatches {
                    println!("mismatch: user `{u}`, {p}, table `{t}`");
                }
                println!(
                    "{} passed, {} failed",
                    r.queries - r.mismatches.len(),
                    r.mismatches.len()
                );
                ExitCode::FAILURE
            }
        }
    }
}
