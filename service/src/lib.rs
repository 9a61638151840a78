//! `accessgate` as an HTTP service, and as a tower layer in front of your own handlers.
//!
//! The library answers authorization questions in process; this crate puts it on the network
//! without making the library depend on a web framework. It serves one [`Policy`] snapshot,
//! swaps it whole when a new model arrives, and explains every decision.
//!
//! ```no_run
//! use accessgate_service::{load_model, router, SharedPolicy};
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let policy = load_model("fixtures/scenarios/dataverse_levels.json".as_ref())?;
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:8080").await?;
//! axum::serve(listener, router(SharedPolicy::new(policy))).await?;
//! # Ok(())
//! # }
//! ```
//!
//! # Overview
//!
//! * **Endpoints** ([`router`]): `POST /authorize` takes a JSON [`accessgate::Request`] and
//!   answers an [`Answer`], `{"decision": "allow"|"deny", "code": "...", "reason": "..."}`;
//!   `GET /users/{id}/effective-access` shows what a Dataverse user can do on every table;
//!   `POST /model` replaces the model. Errors are JSON, `{"error": "..."}`.
//! * **Snapshots** ([`SharedPolicy`]): each request takes the current `Arc<Policy>` once and
//!   answers from it to the end, so a request that started before a swap finishes on the old
//!   model and the next one sees the new. A model that does not parse or build is refused with
//!   400 and the old one stays.
//! * **Middleware** ([`AuthorizeLayer`]): a tower layer that maps each HTTP request to an
//!   `accessgate` question with a function you give it, lets allowed requests through and
//!   answers denied ones 403 with the reason.
//! * **Binary**: `cargo run -p accessgate-service -- MODEL` serves a model file (a policy
//!   document or a scenario file) on `ACCESSGATE_ADDR`, by default `127.0.0.1:8080`.
//!
//! [`Policy`]: accessgate::Policy

#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod answer;
mod error;
mod layer;
mod routes;
mod snapshot;

pub use crate::answer::Answer;
pub use crate::error::LoadError;
pub use crate::layer::{Authorize, AuthorizeLayer, ResponseFuture, Unmapped};
pub use crate::routes::{router, MODEL_BODY_LIMIT};
pub use crate::snapshot::{load_model, parse_model, SharedPolicy};
