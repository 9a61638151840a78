//! The JSON bodies the service sends.

use accessgate::{Decision, Policy, Response};
use axum::http::header::{self, HeaderName, HeaderValue};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::Json;
use serde::Serialize;

/// A decision as JSON: `{"decision": "allow"|"deny", "code": "...", "reason": "..."}`.
///
/// `code` is [`Response::code`], stable and meant for programs; `reason` is
/// [`Response::explain`], meant for people.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Answer {
    /// Allow or deny; `"allow"` or `"deny"` in JSON.
    pub decision: Decision,
    /// The stable snake_case reason code.
    pub code: String,
    /// The reason in words, with the model's names.
    pub reason: String,
}

/// One `debug` event per decision: the decision, the reason code and the system (the reason's
/// ids stay out: names would need the policy, and a log line should be cheap).
pub(crate) fn trace_decision(response: &Response) {
    tracing::debug!(
        decision = %response.decision(),
        code = response.code(),
        system = %response.reason().system(),
        "decision"
    );
}

impl Answer {
    /// The answer for `response`, explained with `policy`, the snapshot that produced it.
    pub fn new(response: &Response, policy: &Policy) -> Self {
        Answer {
            decision: response.decision(),
            code: response.code().to_owned(),
            reason: response.explain(policy).to_string(),
        }
    }
}

/// An error as JSON, `{"error": "...", "code": "..."}`, with its status and any headers it
/// needs (`Retry-After`, `WWW-Authenticate`, `Connection: close`).
///
/// `code` is stable and snake_case, meant for programs; `error` is meant for people.
#[derive(Debug, Clone)]
pub(crate) struct ErrorBody {
    pub(crate) status: StatusCode,
    pub(crate) code: &'static str,
    pub(crate) message: String,
    headers: Vec<(HeaderName, HeaderValue)>,
}

impl ErrorBody {
    pub(crate) fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        ErrorBody {
            status,
            code,
            message: message.into(),
            headers: Vec::new(),
        }
    }

    /// Adds a header to the answer.
    pub(crate) fn with_header(mut self, name: HeaderName, value: HeaderValue) -> Self {
        self.headers.push((name, value));
        self
    }

    /// Asks the client to close the connection (the request body was not read to its end).
    pub(crate) fn closing(self) -> Self {
        self.with_header(header::CONNECTION, HeaderValue::from_static("close"))
    }
}

impl IntoResponse for ErrorBody {
    fn into_response(self) -> axum::response::Response {
        #[derive(Serialize)]
        struct Body {
            error: String,
            code: &'static str,
        }
        let mut response = (
            self.status,
            Json(Body {
                error: self.message,
                code: self.code,
            }),
        )
            .into_response();
        response.headers_mut().extend(self.headers);
        response
    }
}
