//! Exact, explainable authorization for Power Platform-style security, embedded in your process.
//!
//! `accessgate` answers one question, fast and with its reasons: *may this principal do this
//! action on that thing?* It models three permission systems and puts them behind one
//! [`authorize`] call on an in-memory snapshot. No server, no I/O.
//!
//! ```
//! use accessgate::{authorize, PolicyDocument, RecordPrivilege, Request};
//!
//! let doc: PolicyDocument = serde_json::from_str(r#"{
//!   "dataverse": {
//!     "business_units": [{"id": "contoso"}, {"id": "sales", "parent": "contoso"}],
//!     "tables": [{"id": "account"}],
//!     "roles": [{"id": "salesperson", "privileges": {"account": {"Read": "BusinessUnit"}}}],
//!     "users": [{"id": "alice", "business_unit": "sales"}, {"id": "bob", "business_unit": "contoso"}],
//!     "role_assignments": [{"principal": {"user": "alice"}, "role": "salesperson"}],
//!     "records": [{"id": "fabrikam", "table": "account", "owner": {"user": "bob"}}]
//!   }
//! }"#)?;
//! let policy = doc.build()?;
//! let request = Request::record("alice", RecordPrivilege::Read, "fabrikam");
//! let response = authorize(&policy, &request);
//! assert!(!response.decision().is_allow());
//! assert_eq!(
//!     response.explain(&policy).to_string(),
//!     "denied: Read on table `account` is held up to Business Unit level, but record `fabrikam` \
//!      (owned by user `bob` in business unit `contoso`) is outside every granted level and not \
//!      shared with a context that holds it"
//! );
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Overview
//!
//! * **Build, then evaluate.** A [`PolicyDocument`] (plain data, JSON via serde) is validated and
//!   compiled by [`PolicyDocument::build`] into a [`Policy`]: immutable, `Send + Sync`, with
//!   dense indices and precomputed business-unit intervals. Every bad input is a precise
//!   [`BuildError`] naming the id. After that, [`authorize`] is total: it returns a
//!   [`Response`], never an error, and denies whatever it cannot decide safely.
//! * **Bounded, strict inputs.** A build refuses a model larger than its [`BuildLimits`] with a
//!   `TooLarge` error ([`PolicyDocument::build_with_limits`]); unknown fields and repeated keys
//!   in models and requests are errors; column names match exactly in their canonical form (the
//!   [names rule](dataverse#names)), so no second spelling reaches a secured column.
//! * **Every decision explains itself.** A [`Response`] carries a [`Reason`]: the role, level,
//!   anchor business unit, team or share that allowed, or exactly what was missing.
//! * **Three systems, one entry point.**
//!   * [`dataverse`]: privileges, access levels, business units, security roles, teams and shares
//!     (`dataverse.md`, rules R1–R10);
//!   * [`flows`]: flow execution permissions (`flows.md`, FR-R1…);
//!   * [`folders`]: folder roles on an integration dashboard (`folders.md`, FO-R1…).
//! * **Open questions are options.** Where the references leave a meaning open, the model has a
//!   documented option with the reference's default (for example
//!   [`DataverseOptions`](dataverse::DataverseOptions)).
//! * **Scenarios.** A [`Scenario`](scenario::Scenario) file holds a model and expected decisions;
//!   `cargo run --example scenario -- FILE...` checks it.
//! * **Batches and lists.** [`authorize_many`] answers a slice of requests;
//!   [`DataversePolicy::accessible`](dataverse::DataversePolicy::accessible) and
//!   [`access_filter`](dataverse::DataversePolicy::access_filter) list what a user may reach, the
//!   latter as a SQL `WHERE` clause with bound parameters.
//! * **Administration.** [`effective_access`](dataverse::DataversePolicy::effective_access) (one
//!   user's whole matrix, with the path of each cell),
//!   [`record_access`](dataverse::DataversePolicy::record_access) (who can act on one record),
//!   [`access_diff`](dataverse::access_diff) (what a change of roles, teams or units changes) and
//!   [`lint`](dataverse::lint) (role findings with stable codes).
//!
//! # Crate features
//!
//! * `schema` (off by default): the `schema` module, the JSON Schemas (draft 2020-12) of the model
//!   document, requests and responses, generated from the types with `schemars`.
//!
//! serde is always on, because models, requests and scenarios are documents. By default the
//! library does no I/O and depends on serde, thiserror, bitflags, indexmap and smallvec only; the
//! web service, the SQLite example and the peer benchmarks are separate workspace members.

#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod batch;
mod core;
pub mod dataverse;
pub mod diagnostics;
pub mod flows;
pub mod folders;
mod limits;
mod policy;
mod record;
mod request;
pub mod scenario;
#[cfg(feature = "schema")]
pub mod schema;

pub use crate::batch::authorize_many;
pub use crate::core::{
    AccessLevel, Decision, NotOneRecordPrivilege, Privilege, RecordPrivilege, UnknownPrivilege,
};
pub use crate::diagnostics::BuildDiagnostic;
pub use crate::limits::BuildLimits;
pub use crate::policy::{BuildError, Policy, PolicyDocument};
pub use crate::record::DecisionRecord;
pub use crate::request::{authorize, Reason, Request, Response, System};
