//! Runs scenario files and prints each case with pass/fail and the reason.
//!
//! ```text
//! cargo run --example scenario -- fixtures/scenarios/*.json
//! ```
//!
//! Exits with status 1 when a case fails or a file cannot be read, parsed or built.

use std::process::ExitCode;

use accessgate::scenario::{Scenario, Verdict};

fn main() -> ExitCode {
    let files: Vec<String> = std::env::args().skip(1).collect();
    if files.is_empty() {
        eprintln!("usage: scenario FILE...");
        return ExitCode::from(2);
    }
    let (mut passed, mut failed, mut broken) = (0usize, 0usize, 0usize);
    for file in &files {
        println!("== {file}");
        let scenario: Scenario = match std::fs::read_to_string(file)
            .map_err(|e| e.to_string())
            .and_then(|text| serde_json::from_str(&text).map_err(|e| e.to_string()))
        {
            Ok(s) => s,
            Err(e) => {
                println!("   cannot read: {e}");
                broken += 1;
                continue;
            }
        };
        if !scenario.description.is_empty() {
            println!("   {}", scenario.description);
        }
        let report = match scenario.run() {
            Ok(r) => r,
            Err(e) => {
                println!("   model does not build: {e}");
                broken += 1;
                continue;
            }
        };
        for o in &report.outcomes {
            let verdict = match o.verdict() {
                Verdict::Pass => "pass",
                Verdict::Fail => "FAIL",
                Verdict::Explained => "why ",
            };
            let rules = if o.rules.is_empty() {
                String::new()
            } else {
                format!(" [{}]", o.rules.join(", "))
            };
            println!("{verdict} {}{rules}", o.name);
            println!(
                "     {} ({}): {}",
                o.response.decision(),
                o.response.code(),
                o.explanation
            );
            if o.verdict() == Verdict::Fail {
                println!("     expected {}", o.expectation());
            }
        }
        passed += report.passed();
        failed += report.failed();
    }
    println!("{passed} passed, {failed} failed");
    if broken > 0 {
        println!("{broken} file(s) could not be run");
    }
    if failed == 0 && broken == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
