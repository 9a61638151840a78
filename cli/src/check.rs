//! `accessgate check`: does the model build?

use serde_json::Value;

use crate::input::{read_model, InputError};
use crate::{Outcome, Status};

/// Reads and builds `path`; prints `ok` with what the model holds, or the error.
pub fn run(path: &str, json: bool) -> Outcome {
    let built = read_model(path).and_then(|model| {
        model.build()?;
        Ok(model)
    });
    match (built, json) {
        (Ok(model), false) => {
            let mut out = format!("{path}: ok\n");
            for (system, counts) in summary(&model.json) {
                out.push_str(&format!("  {system}: {counts}\n"));
            }
            Outcome::new(out, Status::Ok)
        }
        (Ok(model), true) => {
            let systems: serde_json::Map<String, Value> = summary(&model.json)
                .into_iter()
                .map(|(s, c)| (s.to_owned(), Value::String(c)))
                .collect();
            let out = serde_json::json!({"ok": true, "model": path, "systems": systems});
            Outcome::new(format!("{out:#}\n"), Status::Ok)
        }
        (Err(e), false) => failure(&e),
        (Err(e), true) => {
            let out = serde_json::json!({"ok": false, "model": path, "error": e.to_json()});
            Outcome::new(format!("{out:#}\n"), Status::BadInput)
        }
    }
}

fn failure(e: &InputError) -> Outcome {
    let mut outcome = Outcome::new(String::new(), Status::BadInput);
    outcome.stderr = format!("error: {e}\n");
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
