//! One policy holding the three systems, and building it from a document.

use serde::{Deserialize, Serialize};

use crate::dataverse::{DataverseModel, DataversePolicy, ModelError};
use crate::diagnostics::BuildDiagnostic;
use crate::flows::{FlowModel, FlowModelError, FlowPolicy};
use crate::folders::{FolderModel, FolderModelError, FolderPolicy};
use crate::limits::BuildLimits;

/// The model of every configured system, as a document (JSON in fixtures).
///
/// A system left out is not configured: requests to it deny with
/// [`Reason::NotConfigured`](crate::Reason::NotConfigured).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(default, deny_unknown_fields)]
#[non_exhaustive]
pub struct PolicyDocument {
    /// Dataverse record security.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dataverse: Option<DataverseModel>,
    /// Flow execution permissions.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub flows: Option<FlowModel>,
    /// Folder roles.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub folders: Option<FolderModel>,
}

impl PolicyDocument {
    /// The same document with the Dataverse model `model`.
    #[must_use]
    pub fn with_dataverse(mut self, model: DataverseModel) -> Self {
        self.dataverse = Some(model);
        self
    }
    /// The same document with the flow model `model`.
    #[must_use]
    pub fn with_flows(mut self, model: FlowModel) -> Self {
        self.flows = Some(model);
        self
    }
    /// The same document with the folder model `model`.
    #[must_use]
    pub fn with_folders(mut self, model: FolderModel) -> Self {
        self.folders = Some(model);
        self
    }
}

/// Why a [`PolicyDocument`] cannot be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BuildError {
    /// The Dataverse model is invalid.
    #[error("dataverse model: {0}")]
    Dataverse(#[from] ModelError),
    /// The flow model is invalid.
    #[error("flow model: {0}")]
    Flows(#[from] FlowModelError),
    /// The folder model is invalid.
    #[error("folder model: {0}")]
    Folders(#[from] FolderModelError),
}

/// A compiled, immutable snapshot of every configured system. `Send + Sync`: share it across
/// threads behind an `Arc` and swap it whole when the model changes.
#[derive(Debug, Clone, Default)]
pub struct Policy {
    pub(crate) dataverse: Option<DataversePolicy>,
    pub(crate) flows: Option<FlowPolicy>,
    pub(crate) folders: Option<FolderPolicy>,
}

impl PolicyDocument {
    /// Validates every system's model and compiles the snapshot.
    ///
    /// To see every error of a model at once, each with its JSON path, use
    /// [`check`](Self::check).
    ///
    /// # Errors
    /// The first [`BuildError`] found, naming the offending id.
    pub fn build(&self) -> Result<Policy, BuildError> {
        self.build_with_limits(&BuildLimits::default())
    }

    /// Every error of the document that a build would meet, each with the JSON path of the
    /// offending entry, up to [`MAX_DIAGNOSTICS`](crate::diagnostics::MAX_DIAGNOSTICS); empty
    /// exactly when [`build`](Self::build) succeeds.
    ///
    /// ```
    /// use accessgate::PolicyDocument;
    ///
    /// let doc: PolicyDocument = serde_json::from_str(r#"{"dataverse": {
    ///   "business_units": [{"id": "contoso"}, {"id": "sales", "parent": "support"},
    ///                      {"id": "support", "parent": "sales"}],
    ///   "users": [{"id": "bob", "business_unit": "contoso"},
    ///             {"id": "bob", "business_unit": "contoso"}]
    /// }}"#)?;
    /// let found: Vec<String> = doc.check().iter().map(|d| d.to_string()).collect();
    /// assert_eq!(found, [
    ///     "dataverse.users[1].id: dataverse model: user `bob` is defined twice \
    ///      (see also dataverse.users[0].id)",
    ///     "dataverse.business_units[1].parent: dataverse model: business unit `sales` is its \
    ///      own ancestor: parents form the cycle `sales` → `support` → `sales` \
    ///      (see also dataverse.business_units[2].parent)",
    /// ]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn check(&self) -> Vec<BuildDiagnostic> {
        self.check_with_limits(&BuildLimits::default())
    }

    /// [`check`](Self::check) with explicit [`BuildLimits`]: a model passing one is reported
    /// once, at its system's key, and not read further.
    pub fn check_with_limits(&self, limits: &BuildLimits) -> Vec<BuildDiagnostic> {
        crate::diagnostics::check(self, limits)
    }

    /// [`build`](Self::build) with explicit [`BuildLimits`], applied to each system's model.
    /// The plain `build` uses [`BuildLimits::default`]; a service building uploads should pass
    /// limits sized for what it expects.
    ///
    /// # Errors
    /// As [`build`](Self::build); a model passing a limit is a `TooLarge` error of its system.
    pub fn build_with_limits(&self, limits: &BuildLimits) -> Result<Policy, BuildError> {
        Ok(Policy {
            dataverse: self
                .dataverse
                .as_ref()
                .map(|m| m.build_with_limits(limits))
                .transpose()?,
            flows: self
                .flows
                .as_ref()
                .map(|m| m.build_with_limits(limits))
                .transpose()?,
            folders: self
                .folders
                .as_ref()
                .map(|m| m.build_with_limits(limits))
                .transpose()?,
        })
    }
}

impl Policy {
    /// The compiled Dataverse system, if configured.
    pub fn dataverse(&self) -> Option<&DataversePolicy> {
        self.dataverse.as_ref()
    }
    /// The compiled flow system, if configured.
    pub fn flows(&self) -> Option<&FlowPolicy> {
        self.flows.as_ref()
    }
    /// The compiled folder system, if configured.
    pub fn folders(&self) -> Option<&FolderPolicy> {
        self.folders.as_ref()
    }
}

impl From<DataversePolicy> for Policy {
    fn from(dataverse: DataversePolicy) -> Self {
        Policy {
            dataverse: Some(dataverse),
            ..Policy::default()
        }
    }
}

impl From<FlowPolicy> for Policy {
    fn from(flows: FlowPolicy) -> Self {
        Policy {
            flows: Some(flows),
            ..Policy::default()
        }
    }
}

impl From<FolderPolicy> for Policy {
    fn from(folders: FolderPolicy) -> Self {
        Policy {
            folders: Some(folders),
            ..Policy::default()
        }
    }
}
