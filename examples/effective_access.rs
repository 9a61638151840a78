//! Prints the effective access of one user: tables as rows, privileges as columns, the level in
//! each cell, then the roles, the grants behind cells the level alone does not describe, the
//! shares and the hierarchy.
//!
//! ```text
//! cargo run --example effective_access -- MODEL USER [--json]
//! ```
//!
//! MODEL is a JSON file: a `PolicyDocument` with a `dataverse` key, a bare `DataverseModel`, or
//! a scenario file (its model is used). `--json` prints the `EffectiveAccess` as JSON.
//! Exits with status 2 on bad arguments or an unreadable model.

use std::process::ExitCode;

#[path = "support/model_file.rs"]
mod model_file;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let json = args.iter().any(|a| a == "--json");
    let rest: Vec<&String> = args.iter().filter(|a| *a != "--json").collect();
    let [model, user] = rest.as_slice() else {
        eprintln!("usage: effective_access MODEL USER [--json]");
        return ExitCode::from(2);
    };
    let policy = match model_file::read_policy(model) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    let Some(id) = policy.user_id(user) else {
        eprintln!("user `{user}` does not exist in `{model}`");
        return ExitCode::from(2);
    };
    let access = policy.effective_access(id);
    if json {
        match serde_json::to_string_pretty(&access) {
            Ok(text) => println!("{text}"),
            Err(e) => {
                eprintln!("cannot serialize: {e}");
                return ExitCode::FAILURE;
            }
        }
    } else {
        print!("{}", access.to_table());
    }
    ExitCode::SUCCESS
}
