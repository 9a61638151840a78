//! Lints a Dataverse model: prints every finding with its code and severity, then a summary.
//!
//! ```text
//! cargo run --example lint -- MODEL [--json]
//! ```
//!
//! MODEL is a JSON file: a `PolicyDocument` with a `dataverse` key, a bare `DataverseModel`, or
//! a scenario file (its model is used). Exits with status 1 when any error-level finding exists,
//! 2 on bad arguments or an unreadable file.

use std::process::ExitCode;

use accessgate::dataverse::{lint, Severity};

#[path = "support/model_file.rs"]
mod model_file;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let json = args.iter().any(|a| a == "--json");
    let rest: Vec<&String> = args.iter().filter(|a| *a != "--json").collect();
    let [path] = rest.as_slice() else {
        eprintln!("usage: lint MODEL [--json]");
        return ExitCode::from(2);
    };
    let model = match model_file::read_model(path) {
        Ok(m) => m,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    let findings = lint(&model);
    let errors = findings
        .iter()
        .filter(|l| l.severity == Severity::Error)
        .count();
    if json {
        match serde_json::to_string_pretty(&findings) {
            Ok(text) => println!("{text}"),
            Err(e) => {
                eprintln!("cannot serialize: {e}");
                return ExitCode::from(2);
            }
        }
    } else {
        for finding in &findings {
            println!("{finding}");
        }
        println!(
            "{path}: {errors} error(s), {} warning(s)",
            findings.len() - errors
        );
    }
    if errors > 0 {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}
