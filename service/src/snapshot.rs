//! The served snapshot, and reading a model into one.

use std::path::Path;
use std::sync::Arc;

use accessgate::{Policy, PolicyDocument};
use arc_swap::ArcSwap;

use crate::error::LoadError;

/// The policy the service answers from, shared by every handler and [`AuthorizeLayer`].
///
/// A handle: clones share one slot. [`load`](Self::load) takes the current snapshot as an
/// `Arc<Policy>`, which a request keeps until it is done; [`replace`](Self::replace) swaps in a
/// new one for the requests that start after it. A request that started before a swap finishes
/// on the old snapshot, which is dropped when its last reader is.
///
/// The slot is an [`ArcSwap`] rather than a `RwLock<Arc<Policy>>`: taking the snapshot is an
/// atomic load and a reference-count increment, with no lock shared between readers and no way
/// for a writer to stall them, so `POST /model` never pauses `/authorize`.
///
/// [`AuthorizeLayer`]: crate::AuthorizeLayer
///
/// ```
/// use accessgate::PolicyDocument;
/// use accessgate_service::SharedPolicy;
///
/// let shared = SharedPolicy::new(PolicyDocument::default().build()?);
/// let before = shared.load();
/// shared.replace(PolicyDocument::default().build()?);
/// assert!(!std::sync::Arc::ptr_eq(&before, &shared.load()));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct SharedPolicy {
    slot: Arc<ArcSwap<Policy>>,
}

impl SharedPolicy {
    /// A handle serving `policy`.
    pub fn new(policy: Policy) -> Self {
        SharedPolicy {
            slot: Arc::new(ArcSwap::from_pointee(policy)),
        }
    }

    /// The current snapshot. Hold it for the whole request so every answer comes from one model.
    pub fn load(&self) -> Arc<Policy> {
        self.slot.load_full()
    }

    /// Serves `policy` from now on and returns the snapshot it replaces.
    pub fn replace(&self, policy: Policy) -> Arc<Policy> {
        self.slot.swap(Arc::new(policy))
    }
}

/// Parses and builds a model: a [`PolicyDocument`] in JSON, or a scenario file, whose `model`
/// is used.
///
/// # Errors
/// [`LoadError::Parse`] when the bytes are not such a document, [`LoadError::Build`] when it
/// does not build.
///
/// ```
/// let policy = accessgate_service::parse_model(br#"{"model": {"dataverse": null}}"#)?;
/// assert!(policy.dataverse().is_none());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn parse_model(bytes: &[u8]) -> Result<Policy, LoadError> {
    let value: serde_json::Value = serde_json::from_slice(bytes)?;
    // A `PolicyDocument` rejects unknown fields, so a top-level `model` marks a scenario file.
    let model = match value {
        serde_json::Value::Object(mut map) => map.remove("model"),
        _ => None,
    };
    let document: PolicyDocument = match model {
        Some(model) => serde_json::from_value(model)?,
        // Parse the bytes again, not the value, so a shape error keeps its line and column.
        None => serde_json::from_slice(bytes)?,
    };
    Ok(document.build()?)
}

/// Reads a model file with [`parse_model`].
///
/// # Errors
/// [`LoadError::Read`] when the file cannot be read, else as [`parse_model`].
pub fn load_model(path: &Path) -> Result<Policy, LoadError> {
    let bytes = std::fs::read(path).map_err(|source| LoadError::Read {
        path: path.to_owned(),
        source,
    })?;
    parse_model(&bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A scenario file's `model` is used, and a document without one is read whole.
    #[test]
    fn scenario_or_document() {
        let scenario = br#"{"description": "x", "model": {"dataverse": {"business_units": [{"id": "root"}]}}, "cases": []}"#;
        assert!(parse_model(scenario).unwrap().dataverse().is_some());
        let document = br#"{"dataverse": {"business_units": [{"id": "root"}]}}"#;
        assert!(parse_model(document).unwrap().dataverse().is_some());
    }

    /// A shape error in a document names the field and where it is.
    #[test]
    fn shape_error_keeps_position() {
        let err = parse_model(b"{\n \"dataverze\": {}}")
            .unwrap_err()
            .to_string();
        assert!(err.contains("unknown field `dataverze`"), "{err}");
        assert!(err.contains("line 2"), "{err}");
    }

    /// A document that does not build is a build error naming the id.
    #[test]
    fn build_error() {
        let doc = br#"{"dataverse": {"business_units": [{"id": "a", "parent": "nowhere"}]}}"#;
        let err = parse_model(doc).unwrap_err();
        assert!(matches!(err, LoadError::Build(_)), "{err}");
        assert!(err.to_string().contains("`nowhere`"), "{err}");
    }
}
