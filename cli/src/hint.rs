//! "Did you mean …?" hints, computed from the ids of the document and serde's lists of
//! expected names.
//!
//! The hints read error *messages*, not error variants, so a change in the library's error
//! types cannot break the command: at worst a hint disappears.

use serde_json::Value;

/// The largest edit distance a suggestion may have.
const MAX_DISTANCE: usize = 2;

/// The Levenshtein distance between two strings, counted in characters.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    let mut current = vec![0; b.len() + 1];
    for (i, ca) in a.chars().enumerate() {
        current[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous[j] + usize::from(ca != *cb);
            current[j + 1] = substitution.min(previous[j + 1] + 1).min(current[j] + 1);
        }
        std::mem::swap(&mut previous, &mut current);
    }
    previous[b.len()]
}

/// The closest of `candidates` to `word` within [`MAX_DISTANCE`], other than `word` itself;
/// the first in order among equally close ones.
pub fn closest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let mut best: Option<(usize, &str)> = None;
    for candidate in candidates {
        if candidate == word {
            continue;
        }
        let d = edit_distance(word, candidate);
        if d <= MAX_DISTANCE && best.is_none_or(|(b, _)| d < b) {
            best = Some((d, candidate));
        }
    }
    best.map(|(_, c)| c)
}

/// The words in backticks of `text`, in order.
fn backticked(text: &str) -> Vec<&str> {
    text.split('`').skip(1).step_by(2).collect()
}

/// A hint for serde's "unknown field `x`, expected one of `a`, `b`" and "unknown variant"
/// messages: the expected name closest to the unknown one.
pub fn for_serde_message(message: &str) -> Option<String> {
    let rest = message
        .strip_prefix("unknown field ")
        .or_else(|| message.strip_prefix("unknown variant "))?;
    let (unknown, expected) = rest.split_once(", expected")?;
    let unknown = backticked(unknown).into_iter().next()?;
    let best = closest(unknown, backticked(expected))?;
    Some(format!("did you mean `{best}`?"))
}

/// A hint for a build error naming an id that does not exist ("… names role `x`, which does
/// not exist"): the id of the same kind in `document` (a `PolicyDocument` as JSON) closest to
/// it, or, when the kind is not recognised, the closest id of any kind.
pub fn for_build_message(message: &str, document: &Value) -> Option<String> {
    let (before, _) = message.split_once(", which does not exist")?;
    let (names, id) = before.rsplit_once(" `")?;
    let id = id.strip_suffix('`')?;
    let kind = names.rsplit_once("names ").map_or("", |(_, k)| k);
    let system = if message.starts_with("flow model") {
        Some("flows")
    } else if message.starts_with("folder model") {
        Some("folders")
    } else if message.starts_with("dataverse model") {
        Some("dataverse")
    } else {
        None
    };
    let mut candidates = Vec::new();
    match system.and_then(|s| Some((s, collection(s, kind)?))) {
        Some((system, key)) => ids_of(&document[system][key], &mut candidates),
        None => all_ids(document, &mut candidates),
    }
    let best = closest(id, candidates.iter().map(String::as_str))?;
    Some(format!("did you mean `{best}`?"))
}

/// The document key that lists the entities of `kind` (as build errors name it) in `system`.
fn collection(system: &str, kind: &str) -> Option<&'static str> {
    Some(match (system, kind) {
        ("dataverse", "business unit") => "business_units",
        ("dataverse", "table") => "tables",
        ("dataverse", "role") => "roles",
        ("dataverse", "user") => "users",
        ("dataverse", "team") => "teams",
        ("dataverse", "record") => "records",
        ("dataverse", "relationship") => "relationships",
        ("dataverse", "position") => "positions",
        ("dataverse", "column security profile") => "column_security_profiles",
        ("flows", "flow") => "flows",
        ("flows", "user") => "users",
        ("flows", "role") => "roles",
        ("flows", "key") => "keys",
        ("folders", "folder" | "parent") => "folders",
        ("folders", "flow") => "flows",
        ("folders", "user") => "users",
        ("folders", "group") => "groups",
        _ => return None,
    })
}

/// The ids of a list: the `id` of each object, or each string (flow custom roles are bare
/// strings).
fn ids_of(list: &Value, out: &mut Vec<String>) {
    for item in list.as_array().into_iter().flatten() {
        match item {
            Value::String(s) => out.push(s.clone()),
            Value::Object(o) => {
                if let Some(Value::String(id)) = o.get("id") {
                    out.push(id.clone());
                }
            }
            _ => {}
        }
    }
}

/// Every id anywhere in `value`: the `id` of every object and every string of a `roles` list.
fn all_ids(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::Object(o) => {
            for (key, v) in o {
                match (key.as_str(), v) {
                    ("id", Value::String(s)) => out.push(s.clone()),
                    ("roles", Value::Array(_)) => {
                        ids_of(v, out);
                        all_ids(v, out);
                    }
                    _ => all_ids(v, out),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|v| all_ids(v, out)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The distance counts insertions, deletions and substitutions.
    #[test]
    fn edit_distance_counts_each_edit() {
        assert_eq!(edit_distance("", ""), 0);
        assert_eq!(edit_distance("role", "role"), 0);
        assert_eq!(edit_distance("salesperson", "salesperzon"), 1);
        assert_eq!(edit_distance("rep", "repo"), 1);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("über", "uber"), 1);
    }

    /// Only ids within distance 2 are suggested, the closest first.
    #[test]
    fn closest_stays_within_two_edits() {
        let ids = ["manager", "salesperson", "sales"];
        assert_eq!(closest("salesprson", ids), Some("salesperson"));
        assert_eq!(closest("sale", ids), Some("sales"));
        assert_eq!(closest("auditor", ids), None);
        assert_eq!(closest("sales", ids), None);
    }

    /// A misspelt field gets the expected field name closest to it.
    #[test]
    fn serde_unknown_field_gets_a_hint() {
        let m = "unknown field `busines_unit`, expected one of `id`, `business_unit`, `manager`";
        assert_eq!(
            for_serde_message(m).as_deref(),
            Some("did you mean `business_unit`?")
        );
        let m = "unknown variant `recrd`, expected one of `record`, `create`";
        assert_eq!(
            for_serde_message(m).as_deref(),
            Some("did you mean `record`?")
        );
        assert_eq!(for_serde_message("missing field `id`"), None);
    }

    /// An unknown role is matched against the roles of the document, not other kinds.
    #[test]
    fn build_error_hint_uses_ids_of_the_kind() {
        let doc = serde_json::json!({
            "dataverse": {
                "roles": [{"id": "salesperson"}],
                "users": [{"id": "salesperzon"}, {"id": "alice"}]
            },
            "flows": {"roles": ["Sales"], "flows": [{"id": "invoice"}]}
        });
        let m = "dataverse model: user `alice` names role `salespersn`, which does not exist";
        assert_eq!(
            for_build_message(m, &doc).as_deref(),
            Some("did you mean `salesperson`?")
        );
        let m = "flow model: flow `invoice` names role `Sale`, which does not exist";
        assert_eq!(
            for_build_message(m, &doc).as_deref(),
            Some("did you mean `Sales`?")
        );
        let m = "somewhere: x names widget `invoce`, which does not exist";
        assert_eq!(
            for_build_message(m, &doc).as_deref(),
            Some("did you mean `invoice`?")
        );
        assert_eq!(for_build_message("no root", &doc), None);
    }
}
