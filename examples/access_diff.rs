//! Prints what a change does to access: every (user, table, privilege) whose effective access
//! changed, and every privilege a user gains or loses on a record present in both snapshots,
//! grouped by user, with the causes.
//!
//! ```text
//! cargo run --example access_diff -- BEFORE AFTER [--json]
//! ```
//!
//! BEFORE and AFTER are model JSON files (a `PolicyDocument` with a `dataverse` key, a bare
//! `DataverseModel`, or a scenario file). `--json` prints the `AccessDiff` as JSON.
//! Exits with status 2 on bad arguments or an unreadable model.

use std::process::ExitCode;

use accessgate::dataverse::access_diff;

#[path = "support/model_file.rs"]
mod model_file;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let json = args.iter().any(|a| a == "--json");
    let rest: Vec<&String> = args.iter().filter(|a| *a != "--json").collect();
    let [before, after] = rest.as_slice() else {
        eprintln!("usage: access_diff BEFORE AFTER [--json]");
        return ExitCode::from(2);
    };
    let (before, after) = match (
        model_file::read_policy(before),
        model_file::read_policy(after),
    ) {
        (Ok(b), Ok(a)) => (b, a),
        (Err(e), _) | (_, Err(e)) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    let diff = access_diff(&before, &after);
    if json {
        match serde_json::to_string_pretty(&diff) {
            Ok(text) => println!("{text}"),
            Err(e) => {
                eprintln!("cannot serialize: {e}");
                return ExitCode::FAILURE;
            }
        }
    } else {
        print!("{diff}");
    }
    ExitCode::SUCCESS
}
