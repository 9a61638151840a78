//! `accessgate` as an HTTP service, and as a tower layer in front of your own handlers.
//!
//! The library answers authorization questions in process; this crate puts it on the network
//! without making the library depend on a web framework. It serves one [`Policy`] snapshot,
//! swaps it whole when a new model arrives, and explains every decision.
//!
//! ```no_run
//! use accessgate_service::{load_model, router_with, serve, AdminToken, ModelUpdates, ServiceConfig, SharedPolicy};
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let policy = load_model("fixtures/scenarios/dataverse_levels.json".as_ref())?;
//! let config = ServiceConfig {
//!     model_updates: ModelUpdates::Token(AdminToken::from_file("admin-token".as_ref())?),
//!     ..ServiceConfig::default()
//! };
//! let limits = config.limits;
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:8080").await?;
//! serve(listener, router_with(SharedPolicy::new(policy), config), limits, async {
//!     let _ = tokio::signal::ctrl_c().await;
//! })
//! .await;
//! # Ok(())
//! # }
//! ```
//!
//! # Overview
//!
//! * **Endpoints** ([`router_with`]): `POST /authorize` takes a JSON [`accessgate::Request`] and
//!   answers an [`Answer`], `{"decision": "allow"|"deny", "code": "...", "reason": "..."}`;
//!   `GET /users/{id}/effective-access` shows what a Dataverse user can do on every table;
//!   `POST /model` replaces the model; `GET /health` says the service is up and which model
//!   generation it serves. Errors are JSON, `{"error": "...", "code": "..."}`.
//! * **Who may do what** ([`ServiceConfig`]): model updates need the admin bearer token
//!   ([`ModelUpdates::Token`]), or are refused ([`ModelUpdates::Disabled`], the default), or
//!   are open on an admin listener only trusted callers reach ([`ModelUpdates::Open`]). A flow
//!   request may not assert a server-side start unless the listener trusts its callers.
//! * **Strict bodies**: `application/json` only, no key named twice at any depth, no unknown
//!   field in a request or the scenario wrapper.
//! * **Limits** ([`Limits`], [`serve`]): body sizes, a header and a body read timeout, a bound
//!   on concurrent connections, one model build at a time, graceful shutdown.
//! * **Snapshots** ([`SharedPolicy`]): each request takes the current `Arc<Policy>` once and
//!   answers from it to the end, so a request that started before a swap finishes on the old
//!   model and the next one sees the new. A model that does not parse or build is refused with
//!   400 and the old one stays.
//! * **Middleware** ([`AuthorizeLayer`]): a tower layer that maps each HTTP request to an
//!   `accessgate` question with a function you give it, lets allowed requests through and
//!   answers denied ones 403 with the reason.
//! * **Binary**: `cargo run -p accessgate-service -- MODEL` serves a model file (a policy
//!   document or a scenario file); `--help` lists its flags and environment variables.
//!
//! [`Policy`]: accessgate::Policy

#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod answer;
mod config;
mod error;
mod json;
mod layer;
mod routes;
mod server;
mod snapshot;

pub use crate::answer::Answer;
pub use crate::config::{
    AdminToken, Limits, ModelUpdates, ServiceConfig, MIN_TOKEN_LEN, MODEL_BODY_LIMIT,
};
pub use crate::error::{ConfigError, LoadError};
pub use crate::layer::{Authorize, AuthorizeLayer, ResponseFuture, Unmapped};
pub use crate::routes::{router, router_with};
pub use crate::server::serve;
pub use crate::snapshot::{load_model, parse_model, SharedPolicy};
