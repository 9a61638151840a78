//! `accessgate test`: the scenario runner, as text, JSON or JUnit XML.

use std::fmt::Write as _;

use accessgate::scenario::{Scenario, ScenarioReport};
use serde_json::{json, Value};

use crate::html::escape;
use crate::input::{parse, read_text, InputError};
use crate::{Outcome, Status};

/// Output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// One line per case and a closing `N passed, N failed`.
    Text,
    /// One JSON object.
    Json,
    /// JUnit XML.
    Junit,
}

/// One scenario file: its description and report, or why it could not be run.
struct FileResult {
    file: String,
    description: String,
    result: Result<ScenarioReport, String>,
}

fn run_file(file: &str) -> FileResult {
    let scenario: Result<Scenario, InputError> =
        read_text(file).and_then(|text| parse(file, &text));
    match scenario {
        Err(e) => FileResult {
            file: file.to_owned(),
            description: String::new(),
            result: Err(e.to_string()),
        },
        Ok(scenario) => FileResult {
            file: file.to_owned(),
            description: scenario.description.clone(),
            result: scenario
                .run()
                .map_err(|e| format!("{file}: model does not build: {e}")),
        },
    }
}

/// Runs every scenario file and prints the results in `format`. Exits 2 when a file cannot
/// be run, else 1 when a case fails, else 0.
pub fn run(files: &[String], format: Format) -> Outcome {
    let results: Vec<FileResult> = files.iter().map(|f| run_file(f)).collect();
    let (mut passed, mut failed, mut broken) = (0usize, 0usize, 0usize);
    for r in &results {
        match &r.result {
            Ok(report) => {
                passed += report.passed();
                failed += report.failed();
            }
            Err(_) => broken += 1,
        }
    }
    let out = match format {
        Format::Text => text(&results, passed, failed, broken),
        Format::Json => format!("{:#}\n", to_json(&results, passed, failed, broken)),
        Format::Junit => junit(&results, passed + failed, failed, broken),
    };
    let status = match (broken, failed) {
        (0, 0) => Status::Ok,
        (0, _) => Status::Fail,
        _ => Status::BadInput,
    };
    Outcome::new(out, status)
}

fn text(results: &[FileResult], passed: usize, failed: usize, broken: usize) -> String {
    let mut out = String::new();
    for r in results {
        let _ = writeln!(out, "== {}", r.file);
        if !r.description.is_empty() {
            let _ = writeln!(out, "   {}", r.description);
        }
        let report = match &r.result {
            Ok(report) => report,
            Err(e) => {
                let _ = writeln!(out, "   cannot run: {e}");
                continue;
            }
        };
        for o in &report.outcomes {
            let verdict = if o.passed() { "pass" } else { "FAIL" };
            let rules = if o.rules.is_empty() {
                String::new()
            } else {
                format!(" [{}]", o.rules.join(", "))
            };
            let _ = writeln!(out, "{verdict} {}{rules}", o.name);
            let _ = writeln!(
                out,
                "     {} ({}): {}",
                o.response.decision(),
                o.response.code(),
                o.explanation
            );
            if !o.passed() {
                let pinned = o
                    .expected_reason
                    .as_deref()
                    .map(|c| format!(" ({c})"))
                    .unwrap_or_default();
                let _ = writeln!(out, "     expected {}{pinned}", o.expected);
            }
        }
    }
    let _ = writeln!(out, "{passed} passed, {failed} failed");
    if broken > 0 {
        let _ = writeln!(out, "{broken} file(s) could not be run");
    }
    out
}

fn to_json(results: &[FileResult], passed: usize, failed: usize, broken: usize) -> Value {
    let files: Vec<Value> = results
        .iter()
        .map(|r| match &r.result {
            Err(e) => json!({"file": r.file, "error": e}),
            Ok(report) => {
                let cases: Vec<Value> = report
                    .outcomes
                    .iter()
                    .map(|o| {
                        json!({
                            "name": o.name,
                            "rules": o.rules,
                            "passed": o.passed(),
                            "expected": o.expected.to_string(),
                            "expected_reason": o.expected_reason,
                            "decision": o.response.decision().to_string(),
                            "code": o.response.code(),
                            "explanation": o.explanation,
                        })
                    })
                    .collect();
                json!({
                    "file": r.file,
                    "description": r.description,
                    "passed": report.passed(),
                    "failed": report.failed(),
                    "cases": cases,
                })
            }
        })
        .collect();
    json!({"passed": passed, "failed": failed, "broken": broken, "files": files})
}

fn junit(results: &[FileResult], tests: usize, failures: usize, errors: usize) -> String {
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        out,
        "<testsuites name=\"accessgate\" tests=\"{}\" failures=\"{failures}\" errors=\"{errors}\">",
        tests + errors
    );
    for r in results {
        let file = escape(&r.file);
        match &r.result {
            Err(e) => {
                let _ = writeln!(
                    out,
                    "  <testsuite name=\"{file}\" tests=\"1\" failures=\"0\" errors=\"1\">\n    \
                     <testcase name=\"load\" classname=\"{file}\">\n      \
                     <error message=\"{}\"/>\n    </testcase>\n  </testsuite>",
                    escape(e)
                );
            }
            Ok(report) => {
                let _ = writeln!(
                    out,
                    "  <testsuite name=\"{file}\" tests=\"{}\" failures=\"{}\" errors=\"0\">",
                    report.outcomes.len(),
                    report.failed()
                );
                for o in &report.outcomes {
                    let _ = write!(
                        out,
                        "    <testcase name=\"{}\" classname=\"{file}\">",
                        escape(&o.name)
                    );
                    if o.passed() {
                        out.push_str("</testcase>\n");
                        continue;
                    }
                    let pinned = o
                        .expected_reason
                        .as_deref()
                        .map(|c| format!(" ({c})"))
                        .unwrap_or_default();
                    let message = format!(
                        "expected {}{pinned}, got {} ({})",
                        o.expected,
                        o.response.decision(),
                        o.response.code()
                    );
                    let _ = writeln!(
                        out,
                        "\n      <failure message=\"{}\">{}</failure>\n    </testcase>",
                        escape(&message),
                        escape(&o.explanation)
                    );
                }
                out.push_str("  </testsuite>\n");
            }
        }
    }
    out.push_str("</testsuites>\n");
    out
}
