//! `accessgate-service MODEL`: serves a model file over HTTP.
//!
//! The model path is the first argument, else `ACCESSGATE_MODEL`. The listening address is
//! `ACCESSGATE_ADDR`, by default `127.0.0.1:8080`.

#![forbid(unsafe_code)]
#![deny(missing_docs)]

use std::path::PathBuf;
use std::process::ExitCode;

use accessgate_service::{load_model, router, SharedPolicy};

const USAGE: &str = "usage: accessgate-service MODEL (or set ACCESSGATE_MODEL); \
                     ACCESSGATE_ADDR sets the address, default 127.0.0.1:8080";

#[tokio::main]
async fn main() -> ExitCode {
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("accessgate-service: {message}");
            ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<(), String> {
    let path = std::env::args_os()
        .nth(1)
        .or_else(|| std::env::var_os("ACCESSGATE_MODEL"))
        .map(PathBuf::from)
        .ok_or_else(|| USAGE.to_owned())?;
    let addr = std::env::var("ACCESSGATE_ADDR").unwrap_or_else(|_| "127.0.0.1:8080".to_owned());
    let policy = load_model(&path).map_err(|e| e.to_string())?;
    let listener = tokio::net::TcpListener::bind(&addr)
        .await
        .map_err(|e| format!("cannot listen on `{addr}`: {e}"))?;
    let local = listener.local_addr().map_err(|e| e.to_string())?;
    eprintln!(
        "accessgate-service: serving `{}` on http://{local}",
        path.display()
    );
    axum::serve(listener, router(SharedPolicy::new(policy)))
        .await
        .map_err(|e| format!("server stopped: {e}"))
}
