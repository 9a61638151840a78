//! Scenario files: a model and a list of requests with the decision each should get.
//!
//! The format (JSON):
//!
//! ```json
//! {
//!   "description": "what the file shows",
//!   "model": { "dataverse": { ... }, "flows": { ... }, "folders": { ... } },
//!   "cases": [
//!     { "name": "rep reads an account in a child unit",
//!       "rules": ["R2.5"],
//!       "request": { "kind": "record", "user": "rep", "privilege": "Read", "record": "acc-child" },
//!       "expect": "allow",
//!       "reason": "role_level" }
//!   ]
//! }
//! ```
//!
//! `reason` is optional; when given, the response's [`code`](crate::Response::code) must equal it.
//! The library does no I/O: read and parse the file, then call [`Scenario::run`].

use serde::{Deserialize, Serialize};

use crate::core::Decision;
use crate::policy::{BuildError, PolicyDocument};
use crate::request::{authorize, Request, Response};

/// A model with requests and their expected decisions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    /// What the scenario shows.
    #[serde(default)]
    pub description: String,
    /// The model every case runs against.
    pub model: PolicyDocument,
    /// The cases.
    pub cases: Vec<ScenarioCase>,
}

/// One request and the decision it should get.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScenarioCase {
    /// A short name.
    pub name: String,
    /// The rule ids of the semantics references the case checks (`R2.5`, `FR-R22`, `FO-R15`).
    #[serde(default)]
    pub rules: Vec<String>,
    /// The request.
    pub request: Request,
    /// The expected decision.
    pub expect: Decision,
    /// The expected reason code, if the case pins it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// The result of one case.
#[derive(Debug, Clone)]
pub struct CaseOutcome {
    /// The case's name.
    pub name: String,
    /// The case's rule ids.
    pub rules: Vec<String>,
    /// The expected decision.
    pub expected: Decision,
    /// The expected reason code, if pinned.
    pub expected_reason: Option<String>,
    /// What [`authorize`] answered.
    pub response: Response,
    /// The response's reason in words.
    pub explanation: String,
}

impl CaseOutcome {
    /// Whether the decision, and the reason code when pinned, match.
    pub fn passed(&self) -> bool {
        self.response.decision() == self.expected
            && self
                .expected_reason
                .as_deref()
                .is_none_or(|code| code == self.response.code())
    }
}

/// The results of every case of a scenario.
#[derive(Debug, Clone)]
pub struct ScenarioReport {
    /// One outcome per case, in order.
    pub outcomes: Vec<CaseOutcome>,
}

impl ScenarioReport {
    /// Number of cases that passed.
    pub fn passed(&self) -> usize {
        self.outcomes.iter().filter(|o| o.passed()).count()
    }
    /// Number of cases that failed.
    pub fn failed(&self) -> usize {
        self.outcomes.len() - self.passed()
    }
}

impl Scenario {
    /// Builds the model and runs every case.
    ///
    /// # Errors
    /// The model's [`BuildError`], if it does not build.
    pub fn run(&self) -> Result<ScenarioReport, BuildError> {
        let policy = self.model.build()?;
        let outcomes = self
            .cases
            .iter()
            .map(|case| {
                let response = authorize(&policy, &case.request);
                let explanation = response.explain(&policy).to_string();
                CaseOutcome {
                    name: case.name.clone(),
                    rules: case.rules.clone(),
                    expected: case.expect,
                    expected_reason: case.reason.clone(),
                    response,
                    explanation,
                }
            })
            .collect();
        Ok(ScenarioReport { outcomes })
    }
}
