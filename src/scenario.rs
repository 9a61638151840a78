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
//! * `expect` is optional: a case without it is *explained* (its decision and reason are
//!   reported) rather than passed or failed, for asking "why is alice denied?".
//! * `reason` is optional; when given, the response's [`code`](crate::Response::code) must
//!   equal it, or, when it is a list (`"reason": ["role_level", "shared"]`), one of them.
//! * `expect_error` says the model must *fail* to build, with an error whose message contains
//!   the given text (`""` accepts any error); such a scenario has no cases.
//!
//! The library does no I/O: read and parse the file, then call [`Scenario::run`]. The
//! `accessgate test` command also reads files that hold several variants of one model as JSON
//! merge patches over the base model, each with its own cases.

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
    /// When set, the model must fail to build with an error whose message contains this text
    /// (`""`: any error), and there are no cases.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expect_error: Option<String>,
    /// The cases.
    #[serde(default)]
    pub cases: Vec<ScenarioCase>,
}

/// The reason code a case pins: one code, or a list of acceptable codes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum ExpectedReason {
    /// Exactly this code.
    One(String),
    /// Any of these codes.
    AnyOf(Vec<String>),
}

impl ExpectedReason {
    /// Whether `code` is acceptable.
    pub fn accepts(&self, code: &str) -> bool {
        match self {
            ExpectedReason::One(one) => one == code,
            ExpectedReason::AnyOf(any) => any.iter().any(|c| c == code),
        }
    }
}

impl std::fmt::Display for ExpectedReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ExpectedReason::One(one) => f.write_str(one),
            ExpectedReason::AnyOf(any) => write!(f, "one of {}", any.join(", ")),
        }
    }
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
    /// The expected decision; `None`: the case is explained, not checked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expect: Option<Decision>,
    /// The expected reason code (or codes), if the case pins it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<ExpectedReason>,
}

/// How a case came out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Verdict {
    /// The decision (and the reason code, when pinned) matched.
    Pass,
    /// They did not.
    Fail,
    /// The case expects nothing: its decision and reason are only reported.
    Explained,
}

/// The result of one case.
#[derive(Debug, Clone)]
pub struct CaseOutcome {
    /// The case's name.
    pub name: String,
    /// The case's rule ids.
    pub rules: Vec<String>,
    /// The expected decision, if the case states one.
    pub expected: Option<Decision>,
    /// The expected reason code (or codes), if pinned.
    pub expected_reason: Option<ExpectedReason>,
    /// What [`authorize`] answered.
    pub response: Response,
    /// The response's reason in words.
    pub explanation: String,
}

impl CaseOutcome {
    /// Pass, fail, or explained (no expectation).
    pub fn verdict(&self) -> Verdict {
        let Some(expected) = self.expected else {
            return Verdict::Explained;
        };
        let reason_ok = self
            .expected_reason
            .as_ref()
            .is_none_or(|r| r.accepts(self.response.code()));
        if self.response.decision() == expected && reason_ok {
            Verdict::Pass
        } else {
            Verdict::Fail
        }
    }

    /// Whether the case passed. An explained case neither passes nor fails.
    pub fn passed(&self) -> bool {
        self.verdict() == Verdict::Pass
    }

    /// What was expected, in words: `allow`, `deny (role_level)`, or `nothing` for an
    /// explained case.
    pub fn expectation(&self) -> String {
        match (self.expected, &self.expected_reason) {
            (None, _) => "nothing".to_owned(),
            (Some(d), None) => d.to_string(),
            (Some(d), Some(r)) => format!("{d} ({r})"),
        }
    }
}

/// The outcome of a scenario whose model must fail to build.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuildCheck {
    /// The text the error message must contain.
    pub expected: String,
    /// The build error's message; `None` when the model built.
    pub error: Option<String>,
    /// Cases the scenario listed although it expects a build error: never run, so the
    /// scenario fails rather than pass with cases silently skipped.
    pub ignored_cases: usize,
}

impl BuildCheck {
    /// Whether the model failed with a matching message.
    pub fn passed(&self) -> bool {
        self.ignored_cases == 0
            && self
                .error
                .as_deref()
                .is_some_and(|e| e.contains(self.expected.as_str()))
    }
}

/// The results of every case of a scenario.
#[derive(Debug, Clone)]
pub struct ScenarioReport {
    /// One outcome per case, in order.
    pub outcomes: Vec<CaseOutcome>,
    /// For a scenario with `expect_error`: how the build came out (and no outcomes).
    pub build: Option<BuildCheck>,
}

impl ScenarioReport {
    fn count(&self, verdict: Verdict) -> usize {
        self.outcomes
            .iter()
            .filter(|o| o.verdict() == verdict)
            .count()
    }
    /// Number of cases that passed (and 1 for an expected build error that came).
    pub fn passed(&self) -> usize {
        self.count(Verdict::Pass) + self.build.as_ref().map_or(0, |b| usize::from(b.passed()))
    }
    /// Number of cases that failed (and 1 for an expected build error that did not come).
    pub fn failed(&self) -> usize {
        self.count(Verdict::Fail) + self.build.as_ref().map_or(0, |b| usize::from(!b.passed()))
    }
    /// Number of cases without an expectation, only explained.
    pub fn explained(&self) -> usize {
        self.count(Verdict::Explained)
    }
}

impl Scenario {
    /// Builds the model and runs every case.
    ///
    /// # Errors
    /// The model's [`BuildError`], if it does not build (unless the scenario expects one, in
    /// which case the report's [`build`](ScenarioReport::build) says whether it came).
    pub fn run(&self) -> Result<ScenarioReport, BuildError> {
        if let Some(expected) = &self.expect_error {
            let error = self.model.build().err().map(|e| e.to_string());
            return Ok(ScenarioReport {
                outcomes: Vec::new(),
                build: Some(BuildCheck {
                    expected: expected.clone(),
                    error,
                    ignored_cases: self.cases.len(),
                }),
            });
        }
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
        Ok(ScenarioReport {
            outcomes,
            build: None,
        })
    }
}
