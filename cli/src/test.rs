//! `accessgate test`: the scenario runner, as text, JSON or JUnit XML.

use std::fmt::Write as _;

use accessgate::scenario::{ScenarioReport, Verdict};
use serde_json::{json, Value};

use crate::html::escape;
use crate::input::read_text;
use crate::variants::expand;
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

/// One scenario (a file, or one variant of it): its description and report, or why it could
/// not be run.
struct FileResult {
    file: String,
    description: String,
    result: Result<ScenarioReport, String>,
}

fn run_file(file: &str) -> Vec<FileResult> {
    let runs = match read_text(file).and_then(|text| expand(file, &text)) {
        Ok(runs) => runs,
        Err(e) => {
            return vec![FileResult {
                file: file.to_owned(),
                description: String::new(),
                result: Err(e.to_string()),
            }]
        }
    };
    runs.into_iter()
        .map(|run| FileResult {
            description: run.scenario.description.clone(),
            result: run
                .scenario
                .run()
                .map_err(|e| format!("{}: model does not build: {e}", run.label)),
            file: run.label,
        })
        .collect()
}

/// Runs every scenario file (and each variant in it) and prints the results in `format`.
/// Exits 2 when a file cannot be run, else 1 when a case fails, else 0. Cases without an
/// expected decision are explained and do not change the status.
pub fn run(files: &[String], format: Format) -> Outcome {
    let results: Vec<FileResult> = files.iter().flat_map(|f| run_file(f)).collect();
    let (mut passed, mut failed, mut broken) = (0usize, 0usize, 0usize);
    for r in &results {
        match &r.result {
            Ok(report) => {
                for o in &report.outcomes {
                    crate::trace_decision(&o.response);
                }
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
        if let Some(build) = &report.build {
            let verdict = if build.passed() { "pass" } else { "FAIL" };
            let _ = writeln!(
                out,
                "{verdict} the model fails to build with `{}`",
                build.expected
            );
            match &build.error {
                Some(e) => {
                    let _ = writeln!(out, "     error: {e}");
                }
                None => {
                    let _ = writeln!(out, "     but it builds");
                }
            }
            if build.ignored_cases > 0 {
                let _ = writeln!(
                    out,
                    "     {} case(s) beside `expect_error` were not run",
                    build.ignored_cases
                );
            }
        }
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
            let _ = writeln!(out, "{verdict} {}{rules}", o.name);
            let _ = writeln!(
                out,
                "     {} ({}): {}",
                o.response.decision(),
                o.response.code(),
                o.explanation
            );
            if o.verdict() == Verdict::Fail {
                let _ = writeln!(out, "     expected {}", o.expectation());
            }
        }
    }
    let explained: usize = results
        .iter()
        .filter_map(|r| r.result.as_ref().ok())
        .map(ScenarioReport::explained)
        .sum();
    if explained > 0 {
        let _ = writeln!(out, "{explained} explained (no expected decision)");
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
                            "verdict": verdict_name(o.verdict()),
                            "passed": o.passed(),
                            "expected": o.expected.map(|d| d.to_string()),
                            "expected_reason": o.expected_reason.as_ref().map(ToString::to_string),
                            "decision": o.response.decision().to_string(),
                            "code": o.response.code(),
                            "explanation": o.explanation,
                        })
                    })
                    .collect();
                let build = report.build.as_ref().map(|b| {
                    json!({
                        "expected_error": b.expected,
                        "error": b.error,
                        "ignored_cases": b.ignored_cases,
                        "passed": b.passed(),
                    })
                });
                json!({
                    "file": r.file,
                    "description": r.description,
                    "passed": report.passed(),
                    "failed": report.failed(),
                    "explained": report.explained(),
                    "build": build,
                    "cases": cases,
                })
            }
        })
        .collect();
    json!({"passed": passed, "failed": failed, "broken": broken, "files": files})
}

fn verdict_name(v: Verdict) -> &'static str {
    match v {
        Verdict::Pass => "pass",
        Verdict::Fail => "fail",
        Verdict::Explained => "explained",
    }
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
                    report.outcomes.len() + usize::from(report.build.is_some()),
                    report.failed()
                );
                if let Some(build) = &report.build {
                    let _ = write!(
                        out,
                        "    <testcase name=\"model fails to build\" classname=\"{file}\">"
                    );
                    if build.passed() {
                        out.push_str("</testcase>\n");
                    } else {
                        let message = match &build.error {
                            Some(e) => {
                                format!("expected an error with `{}`, got: {e}", build.expected)
                            }
                            None => format!(
                                "expected an error with `{}`, but the model builds",
                                build.expected
                            ),
                        };
                        let _ = writeln!(
                            out,
                            "\n      <failure message=\"{}\"/>\n    </testcase>",
                            escape(&message)
                        );
                    }
                }
                for o in &report.outcomes {
                    let _ = write!(
                        out,
                        "    <testcase name=\"{}\" classname=\"{file}\">",
                        escape(&o.name)
                    );
                    match o.verdict() {
                        Verdict::Pass => {
                            out.push_str("</testcase>\n");
                            continue;
                        }
                        Verdict::Explained => {
                            let _ = writeln!(
                                out,
                                "\n      <system-out>{}</system-out>\n    </testcase>",
                                escape(&o.explanation)
                            );
                            continue;
                        }
                        Verdict::Fail => {}
                    }
                    let message = format!(
                        "expected {}, got {} ({})",
                        o.expectation(),
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
