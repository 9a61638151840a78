//! A tower layer that puts `accessgate` in front of any handler.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use accessgate::{Decision, Request};
use axum::body::{Body, Bytes, HttpBody};
use axum::http::{self, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::{BoxError, Json};
use tower::{Layer, Service};

use crate::answer::Answer;
use crate::snapshot::SharedPolicy;

/// What [`AuthorizeLayer`] does with a request its function maps to no question (`None`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Unmapped {
    /// Answer 403, code `unmapped_request`: nothing reaches a handler unchecked. The default.
    #[default]
    Deny,
    /// Pass it to the handler unchecked, for routes that need no authorization (health checks).
    Pass,
}

/// Authorizes each request against the current snapshot before the wrapped service sees it.
///
/// A function of the incoming HTTP request says which question to ask (`Some(request)`), or
/// that it has none (`None`, see [`Unmapped`]). An allowed request passes through unchanged; a
/// denied one is answered `403 Forbidden` with the [`Answer`] as JSON, and the wrapped service is
/// not called. The snapshot is taken per request, so a `POST /model` swap applies to the next
/// request.
///
/// ```
/// use accessgate::{RecordPrivilege, Request};
/// use accessgate_service::{AuthorizeLayer, SharedPolicy};
/// use axum::{extract::Path, routing::get, Router};
///
/// let policy = accessgate_service::load_model("../fixtures/scenarios/dataverse_levels.json".as_ref())?;
/// let shared = SharedPolicy::new(policy);
///
/// // `GET /accounts/{id}` with header `x-user: alice` asks "may alice read record id?".
/// let gate = AuthorizeLayer::new(shared, |req: &axum::http::Request<axum::body::Body>| {
///     let user = req.headers().get("x-user")?.to_str().ok()?;
///     let record = req.uri().path().strip_prefix("/accounts/")?;
///     Some(Request::Dataverse(accessgate::dataverse::DataverseRequest::Record(accessgate::dataverse::RecordQuery::new(user, RecordPrivilege::Read, record))))
/// });
/// let app: Router = Router::new()
///     .route("/accounts/{id}", get(|Path(id): Path<String>| async move { format!("account {id}") }))
///     .layer(gate);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct AuthorizeLayer<F> {
    policy: SharedPolicy,
    to_request: Arc<F>,
    unmapped: Unmapped,
}

impl<F> AuthorizeLayer<F> {
    /// A layer asking the question `to_request` forms, against `policy`'s current snapshot.
    /// Unmapped requests are denied; see [`unmapped`](Self::unmapped).
    pub fn new(policy: SharedPolicy, to_request: F) -> Self {
        AuthorizeLayer {
            policy,
            to_request: Arc::new(to_request),
            unmapped: Unmapped::Deny,
        }
    }

    /// Sets what happens to requests `to_request` maps to `None`.
    #[must_use]
    pub fn unmapped(mut self, unmapped: Unmapped) -> Self {
        self.unmapped = unmapped;
        self
    }
}

impl<F> Clone for AuthorizeLayer<F> {
    fn clone(&self) -> Self {
        AuthorizeLayer {
            policy: self.policy.clone(),
            to_request: Arc::clone(&self.to_request),
            unmapped: self.unmapped,
        }
    }
}

impl<F> std::fmt::Debug for AuthorizeLayer<F> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuthorizeLayer")
            .field("unmapped", &self.unmapped)
            .finish_non_exhaustive()
    }
}

impl<S, F> Layer<S> for AuthorizeLayer<F> {
    type Service = Authorize<S, F>;

    fn layer(&self, inner: S) -> Self::Service {
        Authorize {
            inner,
            policy: self.policy.clone(),
            to_request: Arc::clone(&self.to_request),
            unmapped: self.unmapped,
        }
    }
}

/// The service [`AuthorizeLayer`] wraps around `S`.
pub struct Authorize<S, F> {
    inner: S,
    policy: SharedPolicy,
    to_request: Arc<F>,
    unmapped: Unmapped,
}

impl<S: Clone, F> Clone for Authorize<S, F> {
    fn clone(&self) -> Self {
        Authorize {
            inner: self.inner.clone(),
            policy: self.policy.clone(),
            to_request: Arc::clone(&self.to_request),
            unmapped: self.unmapped,
        }
    }
}

impl<S: std::fmt::Debug, F> std::fmt::Debug for Authorize<S, F> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Authorize")
            .field("inner", &self.inner)
            .field("unmapped", &self.unmapped)
            .finish_non_exhaustive()
    }
}

impl<S, F> Authorize<S, F> {
    /// The 403 answer for `req`, or `None` to let it through.
    fn refusal<B>(&self, req: &http::Request<B>) -> Option<Answer>
    where
        F: Fn(&http::Request<B>) -> Option<Request>,
    {
        let Some(question) = (self.to_request)(req) else {
            return match self.unmapped {
                Unmapped::Deny => Some(Answer {
                    decision: Decision::Deny,
                    code: "unmapped_request".to_owned(),
                    reason: format!(
                        "denied: `{} {}` maps to no authorization request",
                        req.method(),
                        req.uri().path()
                    ),
                }),
                Unmapped::Pass => None,
            };
        };
        let policy = self.policy.load();
        let response = accessgate::authorize(&policy, &question);
        crate::answer::trace_decision(&response);
        match response.decision() {
            Decision::Allow => None,
            Decision::Deny => Some(Answer::new(&response, &policy)),
        }
    }
}

impl<S, F, B, ResBody> Service<http::Request<B>> for Authorize<S, F>
where
    S: Service<http::Request<B>, Response = http::Response<ResBody>>,
    F: Fn(&http::Request<B>) -> Option<Request>,
    ResBody: HttpBody<Data = Bytes> + Send + 'static,
    ResBody::Error: Into<BoxError>,
{
    type Response = Response;
    type Error = S::Error;
    type Future = ResponseFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: http::Request<B>) -> Self::Future {
        let kind = match self.refusal(&req) {
            None => Kind::Inner {
                future: self.inner.call(req),
            },
            Some(answer) => Kind::Denied {
                response: Some((StatusCode::FORBIDDEN, Json(answer)).into_response()),
            },
        };
        ResponseFuture { kind }
    }
}

pin_project_lite::pin_project! {
    /// The response future of [`Authorize`]: the wrapped service's, or an immediate 403.
    pub struct ResponseFuture<Fut> {
        #[pin]
        kind: Kind<Fut>,
    }
}

pin_project_lite::pin_project! {
    #[project = KindProj]
    enum Kind<Fut> {
        Denied { response: Option<Response> },
        Inner { #[pin] future: Fut },
    }
}

impl<Fut, ResBody, E> Future for ResponseFuture<Fut>
where
    Fut: Future<Output = Result<http::Response<ResBody>, E>>,
    ResBody: HttpBody<Data = Bytes> + Send + 'static,
    ResBody::Error: Into<BoxError>,
{
    type Output = Result<Response, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match self.project().kind.project() {
            // Polled again after completion (a contract breach): still refuse.
            KindProj::Denied { response } => Poll::Ready(Ok(response
                .take()
                .unwrap_or_else(|| StatusCode::FORBIDDEN.into_response()))),
            KindProj::Inner { future } => future
                .poll(cx)
                .map(|result| result.map(|response| response.map(Body::new))),
        }
    }
}

impl<Fut> std::fmt::Debug for ResponseFuture<Fut> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ResponseFuture").finish_non_exhaustive()
    }
}
