//! Folder roles (integration dashboard style). Placeholder seam; see issue 5.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::core::Decision;

/// The flow model document.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FolderModel {}

/// Why a folder model cannot be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum FolderModelError {}

/// A compiled folder policy.
#[derive(Debug, Clone)]
pub struct FolderPolicy {}

/// A request on the folder dashboard.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FolderRequest {}

/// Why a folder request was decided.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum FolderReason {
    /// Deny: folder roles are not implemented yet.
    NotImplemented,
}

impl FolderModel {
    /// Validates and compiles the model.
    ///
    /// # Errors
    /// None yet.
    pub fn build(&self) -> Result<FolderPolicy, FolderModelError> {
        Ok(FolderPolicy {})
    }
}

impl FolderPolicy {
    /// Decides a folder request.
    pub fn check(&self, _request: &FolderRequest) -> FolderReason {
        FolderReason::NotImplemented
    }
}

impl FolderReason {
    /// The decision this reason stands for.
    pub fn decision(&self) -> Decision {
        Decision::Deny
    }
    /// A stable snake_case code.
    pub fn code(&self) -> &'static str {
        "not_implemented"
    }
    /// The reason with names from `policy`.
    pub fn explain<'a>(&'a self, _policy: &'a FolderPolicy) -> impl fmt::Display + 'a {
        "denied: folder roles are not implemented"
    }
}
