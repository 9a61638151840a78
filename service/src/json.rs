//! Strict JSON: no object may name a key twice, and a request may name no field its kind lacks.
//!
//! `serde_json` keeps the last of two equal keys in a map and in a `Value`, and a struct
//! without `deny_unknown_fields` ignores a field it does not know. Over HTTP either lets a body
//! say one thing to a reader of the text and another to the service, so every body the service
//! reads goes through [`object_keys`] first (which refuses duplicates at any depth), and
//! authorization requests through [`parse_request`].

use std::collections::HashSet;
use std::fmt;

use accessgate::Request;
use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};

/// Reads `bytes` as JSON, refusing any object that names a key twice (after unescaping, so
/// `"a"` and `"\u0061"` are the same key), and returns the top-level keys in order if the
/// document is an object, or `None`.
///
/// # Errors
/// A `serde_json` error with its line and column: not JSON, or a duplicate key.
pub(crate) fn object_keys(bytes: &[u8]) -> Result<Option<Vec<String>>, serde_json::Error> {
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    let keys = Unique { top: true }.deserialize(&mut deserializer)?;
    deserializer.end()?;
    Ok(keys)
}

/// A seed that walks a JSON value and fails on a duplicate key; at the top it keeps the keys.
#[derive(Clone, Copy)]
struct Unique {
    top: bool,
}

impl<'de> DeserializeSeed<'de> for Unique {
    type Value = Option<Vec<String>>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Unique {
    type Value = Option<Vec<String>>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_str<E: de::Error>(self, _: &str) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        while seq.next_element_seed(Unique { top: false })?.is_some() {}
        Ok(None)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut seen = HashSet::new();
        let mut keys = Vec::new();
        while let Some(key) = map.next_key::<String>()? {
            if !seen.insert(key.clone()) {
                return Err(de::Error::custom(format_args!("duplicate key `{key}`")));
            }
            map.next_value_seed(Unique { top: false })?;
            if self.top {
                keys.push(key);
            }
        }
        Ok(Some(keys))
    }
}

/// Why a body is not an authorization request.
#[derive(Debug)]
pub(crate) enum RequestProblem {
    /// Not JSON, a duplicate key, a field the request's kind lacks, or not the shape of a
    /// request.
    Json(serde_json::Error),
}

impl fmt::Display for RequestProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RequestProblem::Json(e) => e.fmt(f),
        }
    }
}

/// Parses an authorization request strictly: no duplicate key at any depth, and no field the
/// request's kind does not have.
///
/// Every request kind of `accessgate::Request` denies unknown fields itself, so a misspelt
/// `"recrod"` is named by serde; duplicates are the one thing serde would pass (it keeps the
/// last), which [`object_keys`] refuses first.
///
/// # Errors
/// [`RequestProblem`] saying what is wrong.
pub(crate) fn parse_request(bytes: &[u8]) -> Result<Request, RequestProblem> {
    object_keys(bytes).map_err(RequestProblem::Json)?;
    serde_json::from_slice(bytes).map_err(RequestProblem::Json)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A key named twice is refused at any depth, also when spelt with an escape.
    #[test]
    fn duplicate_keys_are_refused_at_any_depth() {
        for text in [
            r#"{"a": 1, "a": 2}"#,
            r#"{"x": [{"b": {"c": 1, "c": 1}}]}"#,
            r#"{"a": 1, "\u0061": 2}"#,
        ] {
            let err = object_keys(text.as_bytes()).unwrap_err().to_string();
            assert!(err.starts_with("duplicate key `"), "{text}: {err}");
        }
        assert_eq!(
            object_keys(br#"{"b": {"a": 1}, "a": [{"a": 2}]}"#).unwrap(),
            Some(vec!["b".to_owned(), "a".to_owned()])
        );
        assert_eq!(object_keys(b"[1, 2]").unwrap(), None);
        assert!(object_keys(b"{} x").is_err());
    }

    /// A field left at its default is known even though it is not written back; a field the
    /// kind lacks is named.
    #[test]
    fn unknown_request_fields_are_named_and_explicit_defaults_pass() {
        let explicit_defaults =
            r#"{"kind": "create", "user": "u", "table": "t", "owner": null, "lookups": []}"#;
        assert!(parse_request(explicit_defaults.as_bytes()).is_ok());
        let share = r#"{"kind": "share", "user": "u", "record": "r", "with": {"user": "v"}, "revoke": false}"#;
        assert!(parse_request(share.as_bytes()).is_ok());
        let misspelt =
            r#"{"kind": "record", "user": "u", "privilege": "Read", "record": "r", "recrod": "s"}"#;
        let err = parse_request(misspelt.as_bytes()).unwrap_err().to_string();
        assert!(err.starts_with("unknown field `recrod`"), "{err}");
        for kind in [
            r#"{"kind": "flow", "flow": "f", "user": "u", "usr": "v"}"#,
            r#"{"kind": "create", "user": "u", "table": "t", "tabel": "s"}"#,
        ] {
            let err = parse_request(kind.as_bytes()).unwrap_err().to_string();
            assert!(err.starts_with("unknown field `"), "{kind}: {err}");
        }
    }
}
