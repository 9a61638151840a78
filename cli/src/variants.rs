//! Scenario files with variants: one base model, several JSON merge patches over it.
//!
//! ```json
//! {
//!   "description": "reps across the unit tree",
//!   "model": { "dataverse": { ... } },
//!   "cases": [ ... ],
//!   "variants": [
//!     { "name": "matrix mode",
//!       "patch": { "dataverse": { "options": { "matrix_mode": true } } },
//!       "cases": [ ... ] },
//!     { "name": "an unknown role",
//!       "patch": { "dataverse": { "role_assignments": [ { "principal": { "user": "ann" }, "role": "salesman" } ] } },
//!       "expect_error": "salesman" }
//!   ]
//! }
//! ```
//!
//! Each variant's model is the base model with the variant's `patch` applied as an RFC 7396
//! JSON merge patch: objects merge key by key, `null` removes a key, anything else (arrays
//! included) replaces. The base's own cases run against the base model; a variant's cases run
//! against its model only. The file is read with duplicate keys rejected, as the library does.

use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use serde_json::{Map, Value};

use accessgate::scenario::Scenario;

use crate::input::{parse, InputError};

/// One runnable scenario of a file: the base or a variant.
pub struct Run {
    /// `file` for the base, `file#variant name` for a variant.
    pub label: String,
    /// The scenario.
    pub scenario: Scenario,
}

/// The scenarios a file holds: the base (unless it has no cases and the file has variants),
/// then each variant.
pub fn expand(file: &str, text: &str) -> Result<Vec<Run>, InputError> {
    let StrictValue(mut value) = parse(file, text)?;
    let Some(variants) = value.as_object_mut().and_then(|o| o.remove("variants")) else {
        let scenario: Scenario = parse(file, text)?;
        return Ok(vec![Run {
            label: file.to_owned(),
            scenario,
        }]);
    };
    let Value::Array(variants) = variants else {
        return Err(InputError::new(file, "`variants` must be a list"));
    };
    let base: Scenario = serde_json::from_value(value.clone())
        .map_err(|e| InputError::new(file, format!("base scenario: {e}")))?;
    let mut runs = Vec::new();
    if !base.cases.is_empty() || base.expect_error.is_some() {
        runs.push(Run {
            label: file.to_owned(),
            scenario: base.clone(),
        });
    }
    for (i, variant) in variants.into_iter().enumerate() {
        let at = |message: String| InputError::new(file, format!("variants[{i}]: {message}"));
        let Value::Object(mut variant) = variant else {
            return Err(at("a variant is an object".into()));
        };
        if let Some(key) = variant.keys().find(|k| {
            !["name", "description", "patch", "cases", "expect_error"].contains(&k.as_str())
        }) {
            return Err(at(format!(
                "unknown field `{key}`, expected one of `name`, `description`, `patch`, `cases`, `expect_error`"
            )));
        }
        let name = match variant.remove("name") {
            Some(Value::String(name)) if !name.is_empty() => name,
            _ => return Err(at("a variant needs a non-empty `name`".into())),
        };
        let mut model = value.get("model").cloned().unwrap_or(Value::Null);
        merge_patch(&mut model, &variant.remove("patch").unwrap_or(Value::Null));
        let mut scenario = Map::new();
        scenario.insert("model".into(), model);
        let description = match variant.remove("description") {
            Some(Value::String(d)) => d,
            _ => format!("{} ({name})", base.description),
        };
        scenario.insert("description".into(), Value::String(description));
        for key in ["cases", "expect_error"] {
            if let Some(v) = variant.remove(key) {
                scenario.insert(key.into(), v);
            }
        }
        let scenario: Scenario = serde_json::from_value(Value::Object(scenario))
            .map_err(|e| at(format!("`{name}`: {e}")))?;
        runs.push(Run {
            label: format!("{file}#{name}"),
            scenario,
        });
    }
    Ok(runs)
}

/// Applies `patch` to `target` as an RFC 7396 JSON merge patch.
pub fn merge_patch(target: &mut Value, patch: &Value) {
    let Value::Object(patch) = patch else {
        *target = patch.clone();
        return;
    };
    if !target.is_object() {
        *target = Value::Object(Map::new());
    }
    if let Value::Object(target) = target {
        for (key, value) in patch {
            if value.is_null() {
                target.remove(key);
            } else {
                merge_patch(target.entry(key.clone()).or_insert(Value::Null), value);
            }
        }
    }
}

/// A JSON value read with duplicate object keys rejected (serde_json's `Value` keeps the last).
struct StrictValue(Value);

impl<'de> Deserialize<'de> for StrictValue {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(StrictVisitor).map(StrictValue)
    }
}

struct StrictVisitor;

impl<'de> Visitor<'de> for StrictVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(v.into())
    }
    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(v.into())
    }
    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(serde_json::Number::from_f64(v).map_or(Value::Null, Value::Number))
    }
    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }
    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        while let Some(StrictValue(item)) = seq.next_element()? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut object = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            let StrictValue(value) = map.next_value()?;
            if object.contains_key(&key) {
                return Err(de::Error::custom(format_args!("duplicate key `{key}`")));
            }
            object.insert(key, value);
        }
        Ok(Value::Object(object))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The examples of RFC 7396, appendix A.
    #[test]
    fn rfc_7396_examples() {
        let cases = [
            (r#"{"a":"b"}"#, r#"{"a":"c"}"#, r#"{"a":"c"}"#),
            (r#"{"a":"b"}"#, r#"{"b":"c"}"#, r#"{"a":"b","b":"c"}"#),
            (r#"{"a":"b"}"#, r#"{"a":null}"#, r#"{}"#),
            (r#"{"a":"b","b":"c"}"#, r#"{"a":null}"#, r#"{"b":"c"}"#),
            (r#"{"a":["b"]}"#, r#"{"a":"c"}"#, r#"{"a":"c"}"#),
            (r#"{"a":"c"}"#, r#"{"a":["b"]}"#, r#"{"a":["b"]}"#),
            (
                r#"{"a":{"b":"c"}}"#,
                r#"{"a":{"b":"d","c":null}}"#,
                r#"{"a":{"b":"d"}}"#,
            ),
            (r#"{"a":[{"b":"c"}]}"#, r#"{"a":[1]}"#, r#"{"a":[1]}"#),
            (r#"["a","b"]"#, r#"["c","d"]"#, r#"["c","d"]"#),
            (r#"{"a":"b"}"#, r#"["c"]"#, r#"["c"]"#),
            (r#"{"a":"foo"}"#, "null", "null"),
            (r#"{"a":"foo"}"#, r#""bar""#, r#""bar""#),
            (r#"{"e":null}"#, r#"{"a":1}"#, r#"{"e":null,"a":1}"#),
            (r#"[1,2]"#, r#"{"a":"b","c":null}"#, r#"{"a":"b"}"#),
            (
                r#"{}"#,
                r#"{"a":{"bb":{"ccc":null}}}"#,
                r#"{"a":{"bb":{}}}"#,
            ),
        ];
        for (target, patch, result) in cases {
            let mut t: Value = serde_json::from_str(target).unwrap_or_default();
            let p: Value = serde_json::from_str(patch).unwrap_or_default();
            let r: Value = serde_json::from_str(result).unwrap_or_default();
            merge_patch(&mut t, &p);
            assert_eq!(t, r, "{target} + {patch}");
        }
    }

    #[test]
    fn duplicate_keys_are_refused_at_any_depth() {
        assert!(serde_json::from_str::<StrictValue>(r#"{"a": {"b": 1, "c": [{"d": 1}]}}"#).is_ok());
        let err = serde_json::from_str::<StrictValue>(r#"{"a": [{"b": 1, "b": 2}]}"#)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(err.contains("duplicate key `b`"), "{err}");
    }
}
