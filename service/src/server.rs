//! The accept loop: bounded connections, a header read timeout, graceful shutdown.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio::sync::{watch, Semaphore};

use crate::config::Limits;

/// Serves `app` on `listener` until `shutdown` completes, then finishes in-flight requests.
///
/// * At most [`Limits::max_connections`] connections are served at once: the loop accepts the
///   next one only when a slot is free, so the others wait in the listen queue.
/// * A client has [`Limits::header_read_timeout`] to send each request's headers (also between
///   requests on a kept-alive connection); then its connection is closed. The body timeout and
///   the size limits are the router's ([`router_with`](crate::router_with)).
/// * When `shutdown` completes, the listener is closed, idle connections are closed, and
///   connections with a request in flight finish it and close; after
///   [`Limits::shutdown_grace`] the rest are dropped. Then `serve` returns.
///
/// HTTP/1.1 only.
///
/// ```no_run
/// use accessgate_service::{load_model, router_with, serve, ServiceConfig, SharedPolicy};
///
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// let policy = SharedPolicy::new(load_model("model.json".as_ref())?);
/// let config = ServiceConfig::default();
/// let limits = config.limits;
/// let listener = tokio::net::TcpListener::bind("127.0.0.1:8080").await?;
/// serve(listener, router_with(policy, config), limits, async {
///     let _ = tokio::signal::ctrl_c().await;
/// })
/// .await;
/// # Ok(())
/// # }
/// ```
pub async fn serve<F>(listener: TcpListener, app: Router, limits: Limits, shutdown: F)
where
    F: Future<Output = ()> + Send,
{
    // INVARIANT: every connection task holds one permit until it ends, so all permits back
    // means no connection left.
    let slots = u32::try_from(limits.max_connections.max(1)).unwrap_or(u32::MAX);
    let permits = Arc::new(Semaphore::new(slots as usize));
    let (stop, stopping) = watch::channel(false);
    let mut http = http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(limits.header_read_timeout);
    let http = Arc::new(http);
    tokio::pin!(shutdown);

    loop {
        let permit = tokio::select! {
            permit = Arc::clone(&permits).acquire_owned() => match permit {
                Ok(permit) => permit,
                Err(_closed) => break,
            },
            () = &mut shutdown => break,
        };
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _peer)) => stream,
                // Out of descriptors or a connection reset before it was accepted: wait a
                // little rather than spin, and go on serving the connections already open.
                Err(_) => {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        // Small answers should not wait for Nagle's algorithm.
        let _ = stream.set_nodelay(true);
        let service = TowerToHyperService::new(app.clone());
        let (http, mut stopping) = (Arc::clone(&http), stopping.clone());
        tokio::spawn(async move {
            let _slot = permit;
            let connection = http.serve_connection(TokioIo::new(stream), service);
            tokio::pin!(connection);
            tokio::select! {
                _ = connection.as_mut() => return,
                _ = stopping.wait_for(|stop| *stop) => {}
            }
            connection.as_mut().graceful_shutdown();
            let _ = connection.await;
        });
    }

    drop(listener);
    let _ = stop.send(true);
    // Returns when every connection has ended, or when the grace period is over; connection
    // tasks left then end with the runtime.
    let _ = tokio::time::timeout(limits.shutdown_grace, permits.acquire_many(slots)).await;
}
