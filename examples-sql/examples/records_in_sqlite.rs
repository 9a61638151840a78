//! A service that keeps its records in SQLite and authorizes each request from the row.
//!
//! `cargo run -p accessgate-sql-example --example records_in_sqlite`

use accessgate_sql_example::records_service::run;

fn main() {
    match run() {
        Ok(outcome) => {
            for d in outcome.decisions.iter().filter(|d| d.user == "alice") {
                println!(
                    "{} {:?} {}: {}",
                    d.user, d.privilege, d.record, d.explanation
                );
            }
            println!(
                "{} decisions from the rows, {} differing from the whole-document policy",
                outcome.decisions.len(),
                outcome.mismatches.len()
            );
            if !outcome.mismatches.is_empty() {
                std::process::exit(1);
            }
        }
        Err(e) => {
            eprintln!("records_in_sqlite: {e:?}");
            std::process::exit(2);
        }
    }
}
