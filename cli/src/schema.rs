//! `accessgate schema`: the JSON Schemas of the documents, from the library's types.

use accessgate::schema;
use clap::ValueEnum;
use serde_json::Value;

use crate::input::InputError;
use crate::{Outcome, Status};

/// One of the schemas.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Which {
    /// A model file (`PolicyDocument`).
    PolicyDocument,
    /// One request.
    Request,
    /// A serialised response (`decision`, `code`, `system`).
    Response,
    /// A decision record (a response with names).
    DecisionRecord,
}

impl Which {
    const ALL: [Which; 4] = [
        Which::PolicyDocument,
        Which::Request,
        Which::Response,
        Which::DecisionRecord,
    ];

    /// The file name under `schema/`, without `.json`.
    pub fn name(self) -> &'static str {
        match self {
            Which::PolicyDocument => "policy-document",
            Which::Request => "request",
            Which::Response => "response",
            Which::DecisionRecord => "decision-record",
        }
    }

    /// The schema, as JSON.
    pub fn schema(self) -> Value {
        let schema = match self {
            Which::PolicyDocument => schema::policy_document(),
            Which::Request => schema::request(),
            Which::Response => schema::response(),
            Which::DecisionRecord => schema::decision_record(),
        };
        schema.to_value()
    }
}

/// The text of a schema file: pretty JSON with object keys sorted, and a final newline.
///
/// Sorted explicitly because serde_json's key order depends on its `preserve_order` feature,
/// which another crate of a workspace build may switch on: the file must not depend on what
/// else was built.
pub fn file_text(which: Which) -> String {
    format!("{:#}\n", sorted(which.schema()))
}

fn sorted(value: Value) -> Value {
    match value {
        Value::Object(map) => {
            let mut entries: Vec<(String, Value)> = map.into_iter().collect();
            entries.sort_by(|a, b| a.0.cmp(&b.0));
            Value::Object(entries.into_iter().map(|(k, v)| (k, sorted(v))).collect())
        }
        Value::Array(items) => Value::Array(items.into_iter().map(sorted).collect()),
        other => other,
    }
}

/// Prints one schema, all of them, or writes them to `dir`.
///
/// # Errors
/// A file that cannot be written.
pub fn run(which: Option<Which>, dir: Option<&str>) -> Result<Outcome, InputError> {
    let chosen: Vec<Which> = which.map_or(Which::ALL.to_vec(), |w| vec![w]);
    if let Some(dir) = dir {
        std::fs::create_dir_all(dir)
            .map_err(|e| InputError::new(dir, format!("cannot create: {e}")))?;
        let mut out = String::new();
        for w in chosen {
            let path = format!("{}/{}.json", dir.trim_end_matches('/'), w.name());
            std::fs::write(&path, file_text(w))
                .map_err(|e| InputError::new(&path, format!("cannot write: {e}")))?;
            out.push_str(&format!("wrote {path}\n"));
        }
        return Ok(Outcome::new(out, Status::Ok));
    }
    let text = match which {
        Some(w) => file_text(w),
        None => {
            let all: serde_json::Map<String, Value> = chosen
                .into_iter()
                .map(|w| (w.name().to_owned(), w.schema()))
                .collect();
            format!("{:#}\n", Value::Object(all))
        }
    };
    Ok(Outcome::new(text, Status::Ok))
}
