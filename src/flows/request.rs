//! A request to run a flow: which flow, who asks, and through which chain of Call Flow steps.

use serde::{Deserialize, Serialize};

/// How the outermost execution of a request started (FR-R2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Start {
    /// The Call Flow API, by the request's user and key. Default.
    #[default]
    Api,
    /// The flow's schedule: no caller, so no permission check on this start; Call Flow hops
    /// from it run as server context (FR-R25).
    Schedule,
    /// The flow's first trigger: like [`Start::Schedule`].
    Trigger,
}

/// May a caller run a flow, directly or through a chain of Call Flow steps?
///
/// * `flow` is the flow to run.
/// * `user` and `key` say who makes the API call: a user id from the `user-token` (absent:
///   anonymous, FR-R9) and the API key used (absent: no key roles).
/// * `start` says how the outermost execution started: an API call (default), a schedule or a
///   trigger. A scheduled or triggered start has no caller, so `user` and `key` must be absent.
/// * `call_chain` lists the flows already on the call stack, **outermost first**: the first was
///   started by `start`, each called the next by a Call Flow step, and the last one's Call Flow
///   step calls `flow`. Empty (the default) means `flow` itself is started by `start`.
///
/// In JSON (inside [`Request`](crate::Request), with `"kind": "flow"`):
///
/// ```json
/// {"kind": "flow", "flow": "send-invoice", "user": "alice", "key": "js",
///  "call_chain": ["month-end", "billing"]}
/// ```
///
/// reads "alice, through the JS key, started `month-end`, which called `billing`, whose Call Flow
/// step now calls `send-invoice`".
///
/// # Assertions the embedding application must verify
///
/// The library decides on the facts a request states; it cannot check how they were learnt.
/// Three fields are *assertions* the caller makes and the application must establish itself
/// before building the request:
///
/// * `start`: `schedule` and `trigger` say the run was started server-side, with no caller, so
///   no permission check applies to the start (allowed as `unchecked_start`). Set them only for
///   starts the application itself makes; never copy them from a client's request (the HTTP
///   service refuses them from untrusted callers).
/// * `user` and `key`: the authenticated identity of the `user-token` and the API key the call
///   presented, verified by the application, not ids a client names.
/// * `call_chain`: the flows actually on the call stack, as the runtime knows them.
///
/// Everything else (which flow, the model) the library checks against the compiled policy.
///
/// ```
/// use accessgate::flows::*;
///
/// let request = FlowRequest::user("send-invoice", "alice")
///     .with_key("js")
///     .called_from(&["month-end", "billing"]);
/// assert_eq!(request.call_chain.len(), 2);
/// let json = serde_json::to_string(&request)?;
/// assert_eq!(
///     json,
///     r#"{"flow":"send-invoice","user":"alice","key":"js","call_chain":["month-end","billing"]}"#
/// );
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct FlowRequest {
    /// The flow to run.
    pub flow: String,
    /// The user id of the API call's `user-token`; absent for an anonymous call.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    /// The id of the API key the call used; absent for none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    /// How the outermost execution started.
    #[serde(default, skip_serializing_if = "is_api")]
    pub start: Start,
    /// The flows already running, outermost first, each having called the next; the last calls
    /// `flow`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub call_chain: Vec<String>,
}

fn is_api(start: &Start) -> bool {
    *start == Start::Api
}

impl FlowRequest {
    /// An anonymous API call of `flow` with no key.
    pub fn anonymous(flow: &str) -> Self {
        FlowRequest {
            flow: flow.into(),
            user: None,
            key: None,
            start: Start::Api,
            call_chain: Vec::new(),
        }
    }
    /// An API call of `flow` by logged-in user `user`.
    pub fn user(flow: &str, user: &str) -> Self {
        FlowRequest {
            user: Some(user.into()),
            ..FlowRequest::anonymous(flow)
        }
    }
    /// `flow` started by its schedule (or, with [`Start::Trigger`], its trigger).
    pub fn started_by(flow: &str, start: Start) -> Self {
        FlowRequest {
            start,
            ..FlowRequest::anonymous(flow)
        }
    }
    /// The same call made with API key `key`.
    pub fn with_key(mut self, key: &str) -> Self {
        self.key = Some(key.into());
        self
    }
    /// The same request made by the Call Flow step of the last of `chain`, outermost first.
    pub fn called_from(mut self, chain: &[&str]) -> Self {
        self.call_chain = chain.iter().map(|f| (*f).to_owned()).collect();
        self
    }
}
