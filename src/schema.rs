//! JSON Schemas (draft 2020-12) of the documents: the model, requests and responses.
//!
//! Generated from the Rust types, so they say what the library reads: unknown fields are
//! refused (`additionalProperties: false`), names of privileges and levels are listed. An
//! editor given [`policy_document`] checks a model as it is typed. The `accessgate schema`
//! command prints them; the repository keeps them under `schema/`.
//!
//! Only with the `schema` feature.
//!
//! ```
//! let schema = accessgate::schema::policy_document();
//! assert_eq!(
//!     schema.get("$schema").and_then(|s| s.as_str()),
//!     Some("https://json-schema.org/draft/2020-12/schema")
//! );
//! ```

use std::borrow::Cow;

use schemars::{json_schema, JsonSchema, Schema, SchemaGenerator};

use crate::core::{Privilege, RecordPrivilege};
use crate::flows::Permissions;
use crate::request::{Request, Response, WireRequest};

/// The schema of a [`PolicyDocument`](crate::PolicyDocument): a model file.
pub fn policy_document() -> Schema {
    with_aliases(schemars::schema_for!(crate::PolicyDocument))
}

/// The schema of a [`Request`]: one request object (`kind` tells which).
pub fn request() -> Schema {
    with_aliases(schemars::schema_for!(Request))
}

/// The other spellings serde accepts for some names (`#[serde(alias)]`), which the derived
/// schemas leave out: per definition, the name and its aliases.
const ALIASES: &[(&str, &str, &[&str])] = &[
    ("AccessLevel", "User", &["Basic"]),
    ("AccessLevel", "BusinessUnit", &["Local"]),
    (
        "AccessLevel",
        "ParentChild",
        &["Deep", "Parent: Child Business Units"],
    ),
    ("AccessLevel", "Organization", &["Global"]),
    ("FolderRole", "reader", &["Reader"]),
    ("FolderRole", "operator", &["Operator"]),
    ("FolderRole", "folder_admin", &["Folder admin"]),
    ("UserRole", "non_admin", &["Non-admin"]),
    ("UserRole", "system_admin", &["System admin"]),
    (
        "FolderAction",
        "resubmit_resume",
        &["resubmit", "resume", "ignore"],
    ),
];

fn with_aliases(mut schema: Schema) -> Schema {
    let defs = schema
        .as_object_mut()
        .and_then(|o| o.get_mut("$defs"))
        .and_then(serde_json::Value::as_object_mut);
    if let Some(defs) = defs {
        for (def, name, aliases) in ALIASES {
            if let Some(d) = defs.get_mut(*def) {
                add_aliases(d, name, aliases);
            }
        }
    }
    schema
}

/// Where `name` is a `const` or in an `enum`, accepts `aliases` too.
fn add_aliases(value: &mut serde_json::Value, name: &str, aliases: &[&str]) {
    use serde_json::Value;
    let Value::Object(o) = value else {
        if let Value::Array(items) = value {
            items.iter_mut().for_each(|v| add_aliases(v, name, aliases));
        }
        return;
    };
    if o.get("const").and_then(Value::as_str) == Some(name) {
        o.remove("const");
        let all = std::iter::once(name).chain(aliases.iter().copied());
        o.insert("enum".to_owned(), all.map(Value::from).collect());
        return;
    }
    if let Some(Value::Array(names)) = o.get_mut("enum") {
        if names.iter().any(|n| n.as_str() == Some(name)) {
            names.extend(aliases.iter().map(|a| Value::from(*a)));
            return;
        }
    }
    o.values_mut().for_each(|v| add_aliases(v, name, aliases));
}

/// The schema of a serialised [`Response`] (`decision`, `code`, `system`).
pub fn response() -> Schema {
    schemars::schema_for!(Response)
}

/// The schema of a [`DecisionRecord`](crate::DecisionRecord): a response with names.
pub fn decision_record() -> Schema {
    schemars::schema_for!(crate::DecisionRecord)
}

/// One privilege name: the display name, or its snake_case or lowercase spelling.
const PRIVILEGE_NAME: &str = "(Create|Read|Write|Delete|Append|AppendTo|Append To|Assign|Share|create|read|write|delete|append|append_to|appendto|append to|assign|share)";

/// A set: names joined by `|`, or nothing (the empty set).
fn privilege_pattern() -> String {
    format!("^\\s*({PRIVILEGE_NAME}(\\s*\\|\\s*{PRIVILEGE_NAME})*)?\\s*$")
}

impl JsonSchema for Privilege {
    fn schema_name() -> Cow<'static, str> {
        "Privilege".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "description": "A set of record privileges: names joined by `|`, for example `Read | Write`.",
            "type": "string",
            "pattern": privilege_pattern(),
        })
    }
}

impl JsonSchema for RecordPrivilege {
    fn schema_name() -> Cow<'static, str> {
        "RecordPrivilege".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "description": "Exactly one access right on an existing record.",
            "type": "string",
            "enum": ["Read", "Write", "Delete", "Append", "AppendTo", "Assign", "Share"],
        })
    }
}

impl JsonSchema for Permissions {
    fn schema_name() -> Cow<'static, str> {
        "Permissions".into()
    }

    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        let permission = generator.subschema_for::<crate::flows::Permission>();
        json_schema!({
            "description": "A permission per user or role name.",
            "type": "object",
            "additionalProperties": permission,
        })
    }
}

impl JsonSchema for Request {
    fn schema_name() -> Cow<'static, str> {
        "Request".into()
    }

    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        WireRequest::json_schema(generator)
    }
}

impl JsonSchema for Response {
    fn schema_name() -> Cow<'static, str> {
        "Response".into()
    }

    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        let decision = generator.subschema_for::<crate::Decision>();
        let system = generator.subschema_for::<crate::System>();
        json_schema!({
            "description": "A decision and its reason's code and system.",
            "type": "object",
            "properties": {
                "decision": decision,
                "code": {"type": "string", "description": "The reason's stable snake_case code."},
                "system": system,
            },
            "required": ["decision", "code", "system"],
            "additionalProperties": false,
        })
    }
}
