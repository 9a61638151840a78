//! Errors of the service: reading a model, reading the configuration.

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

/// Why the service's configuration cannot be used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// The admin token file could not be read.
    #[error("cannot read admin token file `{path}`: {source}")]
    TokenFile {
        /// The path as given.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The admin token is too short to resist guessing.
    #[error("admin token has {len} bytes, expected at least {min}")]
    TokenTooShort {
        /// Its length, after trimming.
        len: usize,
        /// The minimum.
        min: usize,
    },
    /// The admin token contains whitespace or control characters.
    #[error("admin token contains whitespace or control characters")]
    TokenWhitespace,
}
