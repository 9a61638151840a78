//! `accessgate lint`: the library's Dataverse role lint, and two checks of flows and folders
//! the command computes itself through `authorize()`.
//!
//! * `AG101` (warning): a flow no caller of the model can start. Every direct start is tried:
//!   each user and an anonymous call, each with every key of the model or none, and a schedule
//!   and a trigger start. A Call Flow step checks the inner flow against one of those same
//!   principals (FR-R25), so a flow none of them may start cannot run at all.
//! * `AG102` (warning): a LIVE flow no API caller of the model can start (every user and
//!   anonymous call, with each key or none, is denied): only a schedule or a trigger, which are
//!   not permission-checked, can start it.
//! * `AG201` (warning): a folder nobody administers: no user who is not a System admin may add
//!   a flow to it, that is, no one holds Folder admin on it (FO-R10), directly or inherited.
//!   A user counts as a System admin when they may edit the settings (FO-R20).
//! * `AG100` and `AG200` (errors): the flow or folder model does not build, so nothing else
//!   about it can be checked.

use accessgate::dataverse::{lint as dataverse_lint, Severity};
use accessgate::{authorize, Policy, PolicyDocument, Request};
use serde_json::{json, Value};

use crate::input::{read_model, InputError, Model};
use crate::{Outcome, Status};

/// One finding: its JSON form and whether it is an error.
struct Finding {
    json: Value,
    error: bool,
    text: String,
}

fn finding(
    code: &str,
    error: bool,
    system: &str,
    subject: Option<(&str, &str)>,
    message: String,
) -> Finding {
    let severity = if error { "error" } else { "warning" };
    let mut json =
        json!({"code": code, "severity": severity, "system": system, "message": message});
    if let (Some((key, id)), Some(object)) = (subject, json.as_object_mut()) {
        object.insert(key.to_owned(), Value::String(id.to_owned()));
    }
    Finding {
        text: format!("{severity}[{code}]: {message}"),
        json,
        error,
    }
}

/// Lints the model at `path`.
///
/// # Errors
/// A file that cannot be read or is not a model.
pub fn run(path: &str, json: bool) -> Result<Outcome, InputError> {
    let model = read_model(path)?;
    let mut findings = Vec::new();
    if let Some(dataverse) = &model.document.dataverse {
        for lint in dataverse_lint(dataverse) {
            let mut value = serde_json::to_value(&lint)
                .map_err(|e| InputError::new(path, format!("cannot serialize: {e}")))?;
            if let Some(object) = value.as_object_mut() {
                object.insert("system".into(), "dataverse".into());
            }
            findings.push(Finding {
                json: value,
                error: lint.severity == Severity::Error,
                text: lint.to_string(),
            });
        }
    }
    flows(&model, &mut findings)?;
    folders(&model, &mut findings)?;

    let errors = findings.iter().filter(|f| f.error).count();
    let out = if json {
        let list: Vec<Value> = findings.into_iter().map(|f| f.json).collect();
        format!("{:#}\n", Value::Array(list))
    } else {
        let mut out: String = findings.iter().map(|f| f.text.clone() + "\n").collect();
        out.push_str(&format!(
            "{path}: {errors} error(s), {} warning(s)\n",
            findings.len() - errors
        ));
        out
    };
    let status = if errors > 0 { Status::Fail } else { Status::Ok };
    Ok(Outcome::new(out, status))
}

/// Decides a request given as JSON.
fn decide(policy: &Policy, request: Value) -> Result<accessgate::Response, InputError> {
    let request: Request = serde_json::from_value(request)
        .map_err(|e| InputError::new("lint", format!("internal request does not parse: {e}")))?;
    Ok(authorize(policy, &request))
}

/// `None` when some request is allowed, else the explanation of the first denial.
fn first_deny(policy: &Policy, requests: Vec<Value>) -> Result<Option<String>, InputError> {
    let mut first = None;
    for request in requests {
        let response = decide(policy, request)?;
        if response.decision().is_allow() {
            return Ok(None);
        }
        first.get_or_insert_with(|| response.explain(policy).to_string());
    }
    Ok(first)
}

/// The string ids of a JSON list of objects.
fn ids(list: &Value) -> Vec<String> {
    list.as_array()
        .into_iter()
        .flatten()
        .filter_map(|v| v.get("id").and_then(Value::as_str).map(str::to_owned))
        .collect()
}

fn flows(model: &Model, findings: &mut Vec<Finding>) -> Result<(), InputError> {
    let Some(flows) = &model.document.flows else {
        return Ok(());
    };
    let document = PolicyDocument::default().with_flows(flows.clone());
    let policy = match document.build() {
        Ok(p) => p,
        Err(e) => {
            let message = format!("the flow model does not build: {e}");
            findings.push(finding("AG100", true, "flows", None, message));
            return Ok(());
        }
    };
    let doc = &model.json["flows"];
    let users: Vec<Option<String>> = ids(&doc["users"])
        .into_iter()
        .map(Some)
        .chain([None])
        .collect();
    let keys: Vec<Option<String>> = ids(&doc["keys"])
        .into_iter()
        .map(Some)
        .chain([None])
        .collect();
    for flow in ids(&doc["flows"]) {
        let mut api_calls = Vec::new();
        for user in &users {
            for key in &keys {
                let mut call = json!({"kind": "flow", "flow": flow, "user": user, "key": key});
                if let Some(object) = call.as_object_mut() {
                    object.retain(|_, v| !v.is_null());
                }
                api_calls.push(call);
            }
        }
        let starts = ["schedule", "trigger"]
            .map(|start| json!({"kind": "flow", "flow": flow, "start": start}));
        let Some(why) = first_deny(&policy, api_calls)? else {
            continue;
        };
        let message = match first_deny(&policy, starts.to_vec())? {
            Some(_) => (
                "AG101",
                format!(
                    "flow `{flow}` cannot be started by any caller of the model: every user and \
                     anonymous call, with each key or none, and every schedule and trigger \
                     start is denied (first: {why})"
                ),
            ),
            None => (
                "AG102",
                format!(
                    "flow `{flow}` cannot be started through the API by any caller of the \
                     model: every user and anonymous call, with each key or none, is denied \
                     (first: {why}); only a schedule or a trigger can start it"
                ),
            ),
        };
        findings.push(finding(
            message.0,
            false,
            "flows",
            Some(("flow", &flow)),
            message.1,
        ));
    }
    Ok(())
}

fn folders(model: &Model, findings: &mut Vec<Finding>) -> Result<(), InputError> {
    let Some(folders) = &model.document.folders else {
        return Ok(());
    };
    let document = PolicyDocument::default().with_folders(folders.clone());
    let policy = match document.build() {
        Ok(p) => p,
        Err(e) => {
            let message = format!("the folder model does not build: {e}");
            findings.push(finding("AG200", true, "folders", None, message));
            return Ok(());
        }
    };
    let doc = &model.json["folders"];
    let mut admins = 0usize;
    let mut others = Vec::new();
    for user in ids(&doc["users"]) {
        let request = json!({"kind": "folder", "user": user, "action": "edit_settings"});
        if decide(&policy, request)?.decision().is_allow() {
            admins += 1;
        } else {
            others.push(user);
        }
    }
    for folder in ids(&doc["folders"]) {
        let mut administered = false;
        for user in &others {
            let request =
                json!({"kind": "folder", "user": user, "action": "add_flow", "folder": folder});
            if decide(&policy, request)?.decision().is_allow() {
                administered = true;
                break;
            }
        }
        if !administered {
            let message = if admins == 0 {
                format!(
                    "folder `{folder}` has no Folder admin and the model has no System admin: \
                     nobody can add, edit or delete its flows (FO-R10)"
                )
            } else {
                format!(
                    "folder `{folder}` has no Folder admin: only System admins can add, edit or \
                     delete its flows (FO-R10)"
                )
            };
            findings.push(finding(
                "AG201",
                false,
                "folders",
                Some(("folder", &folder)),
                message,
            ));
        }
    }
    Ok(())
}
