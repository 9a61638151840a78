//! `accessgate explain`: the decision on a request and its full reason.

use accessgate::authorize;
use serde_json::Value;

use crate::input::{parse_requests, read_model, read_text, InputError};
use crate::{Outcome, Status};

/// Decides the request (a file, or inline JSON) against the model at `model_path`.
///
/// # Errors
/// A model or request that cannot be read, parsed or built.
pub fn run(
    model_path: &str,
    request_file: Option<&str>,
    inline: Option<&str>,
    json: bool,
) -> Result<Outcome, InputError> {
    let (source, text) = match (inline, request_file) {
        (Some(text), _) => ("--request".to_owned(), text.to_owned()),
        (None, Some(path)) => (path.to_owned(), read_text(path)?),
        (None, None) => return Err(InputError::new("explain", "no request given")),
    };
    let model = read_model(model_path)?;
    let policy = model.build()?;
    let requests = parse_requests(&source, &text)?;
    let many = text.trim_start().starts_with('[');

    let mut objects = Vec::new();
    let mut out = String::new();
    let mut all_allowed = true;
    for (i, input) in requests.iter().enumerate() {
        let response = authorize(&policy, &input.request);
        crate::trace_decision(&response);
        let decision = response.decision();
        all_allowed &= decision.is_allow();
        let explanation = response.explain(&policy).to_string();
        let system = input.system();
        if json {
            // The library's decision record (decision, code, system, explanation and the
            // reason's parts by name), with the request as given.
            let mut object = serde_json::to_value(response.to_record(&policy))
                .unwrap_or_else(|_| serde_json::json!({}));
            if let Value::Object(fields) = &mut object {
                fields.insert("request".to_owned(), input.json.clone());
            }
            objects.push(object);
        } else {
            if many {
                out.push_str(&format!("[{i}] "));
            }
            out.push_str(&format!(
                "{decision} ({system}, {})\n  {explanation}\n",
                response.code()
            ));
        }
    }
    if json {
        let value = match (many, objects.pop()) {
            (false, Some(one)) => one,
            (_, last) => Value::Array(objects.into_iter().chain(last).collect()),
        };
        out = format!("{value:#}\n");
    }
    let status = if all_allowed {
        Status::Ok
    } else {
        Status::Fail
    };
    Ok(Outcome::new(out, status))
}
