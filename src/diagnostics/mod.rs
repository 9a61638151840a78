//! Every mistake of a model at once, each with its place.
//!
//! [`PolicyDocument::build`](crate::PolicyDocument::build) stops at the first error, which is
//! what a service loading a model needs. A person editing a model needs more:
//! [`PolicyDocument::check`](crate::PolicyDocument::check) reports every error it finds (up to
//! [`MAX_DIAGNOSTICS`]), each a [`BuildDiagnostic`] with the JSON path of the offending entry
//! (`dataverse.role_assignments[3].role`), the other entries it involves (the first definition
//! of a duplicate id) and, where a name is close to one that exists, a suggestion.
//!
//! Paths name places in the document; [`JsonLocator`] maps them to lines and columns of the
//! text the document was read from, and back (for serde's own errors, which carry a position
//! but no path).
//!
//! ```
//! use accessgate::PolicyDocument;
//!
//! let doc: PolicyDocument = serde_json::from_str(r#"{"dataverse": {
//!   "business_units": [{"id": "contoso"}],
//!   "roles": [{"id": "salesperson"}],
//!   "users": [{"id": "alice", "business_unit": "contoso"}],
//!   "role_assignments": [{"principal": {"user": "alice"}, "role": "salesman"}]
//! }}"#)?;
//! let diagnostics = doc.check();
//! assert_eq!(diagnostics.len(), 1);
//! assert_eq!(diagnostics[0].path(), "dataverse.role_assignments[0].role");
//! assert_eq!(diagnostics[0].suggestion(), Some("salesperson"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod dataverse;
mod locate;
mod others;
mod suggest;

use std::fmt;

use crate::limits::BuildLimits;
use crate::policy::{BuildError, PolicyDocument};

pub use locate::{JsonLocator, Position};
pub use suggest::{closest, expected_name_suggestion};

/// The most diagnostics one [`check`](crate::PolicyDocument::check) reports.
pub const MAX_DIAGNOSTICS: usize = 50;

/// One error of a model, with its place in the document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuildDiagnostic {
    error: BuildError,
    path: String,
    related: Vec<String>,
    suggestion: Option<String>,
}

impl BuildDiagnostic {
    pub(crate) fn new(error: impl Into<BuildError>, path: String) -> Self {
        BuildDiagnostic {
            error: error.into(),
            path,
            related: Vec::new(),
            suggestion: None,
        }
    }

    pub(crate) fn related(mut self, path: String) -> Self {
        self.related.push(path);
        self
    }

    pub(crate) fn suggest(mut self, name: Option<&str>) -> Self {
        self.suggestion = name.map(str::to_owned);
        self
    }

    /// The error, as [`build`](crate::PolicyDocument::build) would report it.
    pub fn error(&self) -> &BuildError {
        &self.error
    }

    /// The JSON path of the offending entry or field, such as
    /// `dataverse.role_assignments[3].role`; the system's key (`dataverse`) when the error
    /// belongs to no one entry.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// The paths of other entries the error involves: the first definition of a duplicate id,
    /// the other units of a cycle.
    pub fn related_paths(&self) -> &[String] {
        &self.related
    }

    /// A name that exists and is close to the one written (a role for an unknown role, a unit
    /// for an unknown unit).
    pub fn suggestion(&self) -> Option<&str> {
        self.suggestion.as_deref()
    }
}

/// `path: error`, then the related paths and the suggestion.
///
/// ```
/// # use accessgate::PolicyDocument;
/// let doc: PolicyDocument = serde_json::from_str(r#"{"flows": {
///   "flows": [{"id": "invoice"}, {"id": "invoice"}]
/// }}"#)?;
/// assert_eq!(
///     doc.check()[0].to_string(),
///     "flows.flows[1].id: flow model: flow `invoice` is defined twice (see also flows.flows[0].id)"
/// );
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
impl fmt::Display for BuildDiagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.error)?;
        if !self.related.is_empty() {
            write!(f, " (see also {})", self.related.join(", "))?;
        }
        if let Some(name) = &self.suggestion {
            write!(f, "; did you mean `{name}`?")?;
        }
        Ok(())
    }
}

/// Collects diagnostics up to the cap.
pub(crate) struct Sink {
    items: Vec<BuildDiagnostic>,
}

impl Sink {
    pub(crate) fn push(&mut self, d: BuildDiagnostic) {
        if self.items.len() < MAX_DIAGNOSTICS && !self.items.iter().any(|i| i.error == d.error) {
            self.items.push(d);
        }
    }

    /// Whether `error` is already reported.
    pub(crate) fn has(&self, error: &BuildError) -> bool {
        self.items.iter().any(|i| &i.error == error)
    }
}

/// Checks each configured system, then builds it to catch what the checks do not cover.
pub(crate) fn check(doc: &PolicyDocument, limits: &BuildLimits) -> Vec<BuildDiagnostic> {
    let mut sink = Sink { items: Vec::new() };
    if let Some(m) = &doc.dataverse {
        dataverse::check(m, limits, &mut sink);
    }
    if let Some(m) = &doc.flows {
        others::check_flows(m, limits, &mut sink);
    }
    if let Some(m) = &doc.folders {
        others::check_folders(m, limits, &mut sink);
    }
    sink.items
}

/// Ids of a list, with duplicates and empty ids reported: the first index of each id.
pub(crate) fn ids<'a, E: Into<BuildError>>(
    list: &str,
    ids: impl Iterator<Item = &'a str>,
    empty: impl Fn() -> E,
    duplicate: impl Fn(&str) -> E,
    sink: &mut Sink,
) -> indexmap::IndexMap<&'a str, usize> {
    let mut first = indexmap::IndexMap::new();
    for (i, id) in ids.enumerate() {
        let path = locate::key(&locate::index(list, i), "id");
        if id.is_empty() {
            sink.push(BuildDiagnostic::new(empty(), path));
        } else if let Some(&j) = first.get(id) {
            let related = locate::key(&locate::index(list, j), "id");
            sink.push(BuildDiagnostic::new(duplicate(id), path).related(related));
        } else {
            first.insert(id, i);
        }
    }
    first
}
