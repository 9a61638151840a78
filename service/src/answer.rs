//! The JSON bodies the service sends.

use accessgate::{Decision, Policy, Response};
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

/// An error as JSON, `{"error": "..."}`, with its status.
#[derive(Debug, Clone)]
pub(crate) struct ErrorBody {
    pub(crate) status: StatusCode,
    pub(crate) message: String,
}

impl ErrorBody {
    pub(crate) fn new(status: StatusCode, message: impl Into<String>) -> Self {
        ErrorBody {
            status,
            message: message.into(),
        }
    }
}

impl IntoResponse for ErrorBody {
    fn into_response(self) -> axum::response::Response {
        #[derive(Serialize)]
        struct Body {
            error: String,
        }
        (
            self.status,
            Json(Body {
                error: self.message,
            }),
        )
            .into_response()
    }
}
