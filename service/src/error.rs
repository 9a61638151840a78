//! Errors of the service: reading a model.

use std::path::PathBuf;

/// Why a model file or upload cannot become the served snapshot.
///
/// A rejected model changes nothing: the snapshot already served stays.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LoadError {
    /// The model file could not be read.
    #[error("cannot read model file `{path}`: {source}")]
    Read {
        /// The path as given.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The bytes are not a model document (bad JSON, unknown field, wrong type).
    #[error("model is not a valid policy document: {0}")]
    Parse(#[from] serde_json::Error),
    /// The document parsed but does not build (unknown reference, duplicate id, …).
    #[error("model does not build: {0}")]
    Build(#[from] accessgate::BuildError),
}
