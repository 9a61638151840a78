//! Flow execution permissions (FlowRunner style). Placeholder seam; see issue 4.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::core::Decision;

/// The flow model document.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FlowModel {}

/// Why a flow model cannot be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum FlowModelError {}

/// A compiled flow policy.
#[derive(Debug, Clone)]
pub struct FlowPolicy {}

/// A request to run a flow.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FlowRequest {}

/// Why a flow request was decided.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum FlowReason {
    /// Deny: flow permissions are not implemented yet.
    NotImplemented,
}

impl FlowModel {
    /// Validates and compiles the model.
    ///
    /// # Errors
    /// None yet.
    pub fn build(&self) -> Result<FlowPolicy, FlowModelError> {
        Ok(FlowPolicy {})
    }
}

impl FlowPolicy {
    /// Decides a flow request.
    pub fn check(&self, _request: &FlowRequest) -> FlowReason {
        FlowReason::NotImplemented
    }
}

impl FlowReason {
    /// The decision this reason stands for.
    pub fn decision(&self) -> Decision {
        Decision::Deny
    }
    /// A stable snake_case code.
    pub fn code(&self) -> &'static str {
        "not_implemented"
    }
    /// The reason with names from `policy`.
    pub fn explain<'a>(&'a self, _policy: &'a FlowPolicy) -> impl fmt::Display + 'a {
        "denied: flow permissions are not implemented"
    }
}
