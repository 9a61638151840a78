//! `accessgate check`: does the model build?

use serde_json::Value;

use crate::input::{read_model, InputError};
use crate::{Outcome, Status};

/// Reads and checks `path`; prints `ok` with what the model holds, or every error with its
/// place.
pub fn run(path: &str, json: bool) -> Outcome {
    let model = match read_model(path) {
        Ok(model) => model,
        Err(e) => return failures(path, &[e], json),
    };
    let errors = model.diagnostics();
    if !errors.is_empty() {
        return failures(path, &errors, json);
    }
    if !json {
        let mut out = format!("{path}: ok\n");
        for (system, counts) in summary(&model.json) {
            out.push_str(&format!("  {system}: {counts}\n"));
        }
        return Outcome::new(out, Status::Ok);
    }
    let systems: serde_json::Map<String, Value> = summary(&model.json)
        .into_iter()
        .map(|(s, c)| (s.to_owned(), Value::String(c)))
        .collect();
    let out = serde_json::json!({"ok": true, "model": path, "systems": systems});
    Outcome::new(format!("{out:#}\n"), Status::Ok)
}

/// Every error, on standard error as text or on standard output as one JSON object (`error`
/// is the first, `errors` all of them).
fn failures(path: &str, errors: &[InputError], json: bool) -> Outcome {
    if json {
        let all: Vec<Value> = errors.iter().map(InputError::to_json).collect();
        let out = serde_json::json!({
            "ok": false,
            "model": path,
            "error": all.first(),
            "errors": all,
        });
        return Outcome::new(format!("{out:#}\n"), Status::BadInput);
    }
    let mut outcome = Outcome::new(String::new(), Status::BadInput);
    for e in errors {
        outcome.stderr.push_str(&format!("error: {e}\n"));
    }
    if errors.len() > 1 {
        outcome
            .stderr
            .push_str(&format!("{} errors\n", errors.len()));
    }
    outcome
}

/// Per configured system, how many entities of each kind the document lists.
fn summary(document: &Value) -> Vec<(&'static str, String)> {
    let mut out = Vec::new();
    for system in ["dataverse", "flows", "folders"] {
        let Some(model) = document.get(system).and_then(Value::as_object) else {
            continue;
        };
        let counts: Vec<String> = model
            .iter()
            .filter_map(|(key, v)| {
                let n = match v {
                    Value::Array(items) => items.len(),
                    Value::Object(o) if key != "options" => o.len(),
                    _ => return None,
                };
                (n > 0).then(|| format!("{}: {n}", key.replace('_', " ")))
            })
            .collect();
        let counts = if counts.is_empty() {
            "empty".to_owned()
        } else {
            counts.join(", ")
        };
        out.push((system, counts));
    }
    out
}
