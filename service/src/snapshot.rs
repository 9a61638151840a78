//! The served snapshot, and reading a model into one.

use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use accessgate::{Policy, PolicyDocument};
use arc_swap::ArcSwap;
use serde::de::IgnoredAny;
use serde::Deserialize;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::error::LoadError;
use crate::json::object_keys;

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
///
/// Clones also share a count of replacements, [`generation`](Self::generation), and the one
/// slot for building a model, so that every listener over the same handle builds at most one
/// uploaded model at a time.
#[derive(Debug, Clone)]
pub struct SharedPolicy {
    slot: Arc<ArcSwap<Policy>>,
    generation: Arc<AtomicU64>,
    build: Arc<Semaphore>,
}

impl SharedPolicy {
    /// A handle serving `policy`, generation 0.
    pub fn new(policy: Policy) -> Self {
        SharedPolicy {
            slot: Arc::new(ArcSwap::from_pointee(policy)),
            generation: Arc::new(AtomicU64::new(0)),
            build: Arc::new(Semaphore::new(1)),
        }
    }

    /// How many times the snapshot was replaced since [`new`](Self::new).
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    /// The build slot, if no other model is being built; hold it until the build is done.
    pub(crate) fn try_begin_build(&self) -> Option<OwnedSemaphorePermit> {
        Arc::clone(&self.build).try_acquire_owned().ok()
    }

    /// The current snapshot. Hold it for the whole request so every answer comes from one model.
    pub fn load(&self) -> Arc<Policy> {
        self.slot.load_full()
    }

    /// Serves `policy` from now on and returns the snapshot it replaces.
    pub fn replace(&self, policy: Policy) -> Arc<Policy> {
        let systems = [
            policy.dataverse().map(|_| "dataverse"),
            policy.flows().map(|_| "flows"),
            policy.folders().map(|_| "folders"),
        ];
        let old = self.slot.swap(Arc::new(policy));
        let generation = self.generation.fetch_add(1, Ordering::AcqRel) + 1;
        tracing::info!(
            generation,
            systems = %systems.into_iter().flatten().collect::<Vec<_>>().join(","),
            "model swapped"
        );
        old
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
///
/// The bytes are read strictly: an object that names a key twice is refused at any depth (a
/// second `"system_administrator": true` does not silently win), and so is an unknown field of
/// the scenario wrapper (`description`, `model`, `cases`; the cases are not read further).
pub fn parse_model(bytes: &[u8]) -> Result<Policy, LoadError> {
    let keys = object_keys(bytes)?;
    // A `PolicyDocument` rejects unknown fields, so a top-level `model` marks a scenario file.
    let scenario = keys.is_some_and(|keys| keys.iter().any(|key| key == "model"));
    // Typed, straight from the bytes: serde's duplicate-field check applies and a shape error
    // keeps its line and column.
    let document = if scenario {
        serde_json::from_slice::<ScenarioFile>(bytes)?.model
    } else {
        serde_json::from_slice::<PolicyDocument>(bytes)?
    };
    Ok(document.build()?)
}

/// The envelope of a scenario file: its model, and fields the service does not use.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ScenarioFile {
    model: PolicyDocument,
    #[serde(default, rename = "description")]
    _description: IgnoredAny,
    #[serde(default, rename = "cases")]
    _cases: IgnoredAny,
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

    /// A writer into a shared buffer, to read what a subscriber printed.
    #[derive(Clone, Default)]
    struct Captured(Arc<std::sync::Mutex<Vec<u8>>>);

    impl std::io::Write for Captured {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            if let Ok(mut v) = self.0.lock() {
                v.extend_from_slice(buf);
            }
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    /// A swap is one `info` event with the new generation; a decision is one `debug` event
    /// with the reason code the library gives.
    #[test]
    fn swaps_and_decisions_are_traced() {
        let captured = Captured::default();
        let writer = captured.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::DEBUG)
            .with_ansi(false)
            .with_writer(move || writer.clone())
            .finish();
        let response = accessgate::authorize(
            &Policy::default(),
            &accessgate::Request::record("alice", accessgate::RecordPrivilege::Read, "a1"),
        );
        tracing::subscriber::with_default(subscriber, || {
            let shared = SharedPolicy::new(Policy::default());
            shared.replace(Policy::default());
            crate::answer::trace_decision(&response);
        });
        let text = String::from_utf8(captured.0.lock().map(|v| v.clone()).unwrap_or_default())
            .unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 2, "{text}");
        assert!(
            lines[0].contains("INFO") && lines[0].contains("model swapped generation=1"),
            "{text}"
        );
        assert!(lines[1].contains("DEBUG"), "{text}");
        assert!(
            lines[1].contains(&format!("code=\"{}\"", response.code())),
            "{text}"
        );
    }
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

    /// A key named twice in the scenario wrapper, in a struct of the model or in one of its
    /// maps is refused; before, the last one silently won.
    #[test]
    fn duplicate_keys_are_refused() {
        let twice_in_struct = br#"{"model": {"flows": {}, "flows": {}}}"#;
        let twice_in_wrapper = br#"{"model": {}, "model": {"flows": {}}}"#;
        let twice_in_map = br#"{"dataverse": {"business_units": [{"id": "root"}], "tables": [{"id": "t"}],
            "roles": [{"id": "r", "privileges": {"t": {"Read": "User"}, "t": {"Read": "Organization"}}}]}}"#;
        for bytes in [&twice_in_struct[..], twice_in_wrapper, twice_in_map] {
            let err = parse_model(bytes).unwrap_err().to_string();
            assert!(err.contains("duplicate key"), "{err}");
        }
    }

    /// The scenario wrapper names an unknown field.
    #[test]
    fn scenario_wrapper_rejects_unknown_fields() {
        let err = parse_model(br#"{"model": {}, "cases": [], "extra": 1}"#)
            .unwrap_err()
            .to_string();
        assert!(err.contains("unknown field `extra`"), "{err}");
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
