//! The HTTP endpoints.

use std::sync::Arc;
use std::time::Duration;

use accessgate::dataverse::EffectiveAccess;
use accessgate::flows::Start;
use accessgate::{Policy, Request};
use axum::body::{Body, Bytes};
use axum::extract::{Path, State};
use axum::http::header::{self, HeaderMap, HeaderValue};
use axum::http::{Method, StatusCode, Uri};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use http_body_util::{BodyExt, LengthLimitError, Limited};
use serde::Serialize;

use crate::answer::{Answer, ErrorBody};
use crate::config::{ModelUpdates, ServiceConfig};
use crate::json::parse_request;
use crate::snapshot::{parse_model, SharedPolicy};

/// What every handler reads: the served snapshot and the listener's settings.
#[derive(Clone)]
struct App {
    policy: SharedPolicy,
    config: Arc<ServiceConfig>,
}

/// The service's routes with the default [`ServiceConfig`]: model updates refused, server-side
/// flow starts refused, default limits. See [`router_with`].
///
/// ```
/// use accessgate_service::{router, SharedPolicy};
///
/// let policy = accessgate_service::load_model("../fixtures/scenarios/dataverse_levels.json".as_ref())?;
/// let app: axum::Router = router(SharedPolicy::new(policy));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn router(policy: SharedPolicy) -> Router {
    router_with(policy, ServiceConfig::default())
}

/// The service's routes, answering from `policy` with the settings of `config`:
///
/// * `POST /authorize`: a JSON [`accessgate::Request`] in, an [`Answer`] out. A flow request
///   asserting a server-side start (`schedule`, `trigger`) is refused 403, code
///   `untrusted_assertion`, unless [`ServiceConfig::trust_server_starts`];
/// * `GET /users/{id}/effective-access`: the effective access of a Dataverse user;
/// * `POST /model`: a new model (a policy document or a scenario file), swapped in atomically,
///   for the callers [`ServiceConfig::model_updates`] admits; one build at a time, the others
///   answered 503 with `Retry-After`;
/// * `GET /health`: `{"status": "ok", "model_generation": N, "systems": [...]}`.
///
/// Bodies must be `application/json` (else 415), within the size limits (else 413) and arrive
/// within [`Limits::body_read_timeout`](crate::Limits::body_read_timeout) (else 408). Every
/// error is JSON, `{"error": "...", "code": "..."}`, with a stable snake_case `code`, 404, 405
/// and 414 included.
///
/// ```
/// use accessgate_service::{router_with, AdminToken, ModelUpdates, ServiceConfig, SharedPolicy};
///
/// let policy = accessgate_service::load_model("../fixtures/scenarios/dataverse_levels.json".as_ref())?;
/// let config = ServiceConfig {
///     model_updates: ModelUpdates::Token(AdminToken::new("a-long-and-random-admin-token")?),
///     ..ServiceConfig::default()
/// };
/// let app: axum::Router = router_with(SharedPolicy::new(policy), config);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn router_with(policy: SharedPolicy, config: ServiceConfig) -> Router {
    let max_uri_bytes = config.limits.max_uri_bytes;
    let app = App {
        policy,
        config: Arc::new(config),
    };
    Router::new()
        .route("/authorize", post(authorize))
        .route("/users/{id}/effective-access", get(effective_access))
        .route("/model", post(replace_model))
        .route("/health", get(health))
        .fallback(no_route)
        .layer(middleware::from_fn(json_errors))
        .layer(middleware::from_fn_with_state(max_uri_bytes, uri_limit))
        .with_state(app)
}

/// `POST /authorize`: decides one request against the current snapshot.
async fn authorize(
    State(app): State<App>,
    headers: HeaderMap,
    body: Body,
) -> Result<Json<Answer>, ErrorBody> {
    let limits = &app.config.limits;
    let body = read_json(
        &headers,
        body,
        limits.max_request_bytes,
        limits.body_read_timeout,
    )
    .await?;
    let request = parse_request(&body).map_err(|e| {
        ErrorBody::new(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            format!("request body is not an authorization request: {e}"),
        )
    })?;
    refuse_untrusted_assertions(&request, app.config.trust_server_starts)?;
    // One snapshot for the decision and its explanation, even if a swap happens meanwhile.
    let policy = app.policy.load();
    let response = accessgate::authorize(&policy, &request);
    crate::answer::trace_decision(&response);
    Ok(Json(Answer::new(&response, &policy)))
}

/// Refuses what a caller asserts about the context but only the server may know: a flow started
/// by its schedule or trigger runs without a caller and unchecked (FR-R25), so over HTTP that
/// claim is taken only from callers the operator trusts.
fn refuse_untrusted_assertions(request: &Request, trusted: bool) -> Result<(), ErrorBody> {
    let Request::Flow(flow) = request else {
        return Ok(());
    };
    let start = match (flow.start, trusted) {
        (Start::Api, _) | (Start::Schedule | Start::Trigger, true) => return Ok(()),
        (Start::Schedule, false) => "schedule",
        (Start::Trigger, false) => "trigger",
    };
    Err(ErrorBody::new(
        StatusCode::FORBIDDEN,
        "untrusted_assertion",
        format!(
            "a request over HTTP cannot assert a `{start}` start: the service does not trust \
             callers to claim server-side starts"
        ),
    ))
}

/// `GET /users/{id}/effective-access`: every table × privilege the Dataverse user `id` holds,
/// with the path of each grant, the shares that reach them and their hierarchy records.
async fn effective_access(
    State(app): State<App>,
    Path(id): Path<String>,
) -> Result<Json<EffectiveAccess>, ErrorBody> {
    let policy = app.policy.load();
    let Some(dataverse) = policy.dataverse() else {
        return Err(ErrorBody::new(
            StatusCode::NOT_FOUND,
            "not_found",
            format!("user `{id}` does not exist: the model has no dataverse system"),
        ));
    };
    let Some(user) = dataverse.user_id(&id) else {
        return Err(ErrorBody::new(
            StatusCode::NOT_FOUND,
            "not_found",
            format!("user `{id}` does not exist in the dataverse model"),
        ));
    };
    Ok(Json(dataverse.effective_access(user)))
}

/// What `POST /model` answers when the new model is served.
#[derive(Debug, Serialize)]
struct Replaced {
    status: &'static str,
    systems: Vec<&'static str>,
}

/// `POST /model`: builds the uploaded model and, if it builds, serves it from now on.
async fn replace_model(
    State(app): State<App>,
    headers: HeaderMap,
    body: Body,
) -> Result<Json<Replaced>, ErrorBody> {
    // Before the body is read: an unauthorized upload costs nothing.
    admit_model_update(&app.config.model_updates, &headers)?;
    let limits = &app.config.limits;
    let body = read_json(
        &headers,
        body,
        limits.max_model_bytes,
        limits.body_read_timeout,
    )
    .await?;
    let Some(permit) = app.policy.try_begin_build() else {
        return Err(ErrorBody::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "model_build_in_progress",
            "another model is being built; try again shortly",
        )
        .with_header(header::RETRY_AFTER, HeaderValue::from_static("1")));
    };
    let shared = app.policy.clone();
    // Building a large model takes a while: on a blocking thread, not the ones serving requests.
    // The build and the swap finish even if the client goes away; the slot is held until then.
    let built = tokio::task::spawn_blocking(move || {
        let _slot = permit;
        let policy = parse_model(&body)?;
        let systems = systems(&policy);
        shared.replace(policy);
        Ok::<_, crate::LoadError>(systems)
    })
    .await
    .map_err(|e| {
        ErrorBody::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal_error",
            format!("building the model stopped: {e}"),
        )
    })?;
    let systems = built.map_err(|e| {
        ErrorBody::new(
            StatusCode::BAD_REQUEST,
            "invalid_model",
            format!("{e}; the previous model is still served"),
        )
    })?;
    Ok(Json(Replaced {
        status: "replaced",
        systems,
    }))
}

/// Whether the caller may replace the model on this listener.
fn admit_model_update(updates: &ModelUpdates, headers: &HeaderMap) -> Result<(), ErrorBody> {
    let token = match updates {
        ModelUpdates::Open => return Ok(()),
        ModelUpdates::Token(token) => token,
        ModelUpdates::Disabled => {
            return Err(ErrorBody::new(
                StatusCode::FORBIDDEN,
                "model_updates_disabled",
                "model updates are disabled on this listener: configure an admin token \
                 (ACCESSGATE_ADMIN_TOKEN_FILE or ACCESSGATE_ADMIN_TOKEN) or an admin listener \
                 (ACCESSGATE_ADMIN_ADDR)",
            ))
        }
    };
    let presented = headers
        .get(header::AUTHORIZATION)
        .and_then(|value| bearer(value.as_bytes()));
    let message = match presented {
        Some(presented) if token.matches(presented) => return Ok(()),
        Some(_) => "the bearer token is not the admin token",
        None => "model updates need `Authorization: Bearer <admin token>`",
    };
    Err(
        ErrorBody::new(StatusCode::UNAUTHORIZED, "unauthorized", message)
            .with_header(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer")),
    )
}

/// The credentials of an `Authorization: Bearer <token>` header value.
fn bearer(value: &[u8]) -> Option<&[u8]> {
    let (scheme, rest) = value.split_at_checked(7)?;
    scheme
        .eq_ignore_ascii_case(b"bearer ")
        .then(|| rest.trim_ascii())
}

/// The systems a model configures, by name.
fn systems(policy: &Policy) -> Vec<&'static str> {
    [
        ("dataverse", policy.dataverse().is_some()),
        ("flows", policy.flows().is_some()),
        ("folders", policy.folders().is_some()),
    ]
    .into_iter()
    .filter_map(|(name, present)| present.then_some(name))
    .collect()
}

/// What `GET /health` answers.
#[derive(Debug, Serialize)]
struct Health {
    status: &'static str,
    model_generation: u64,
    systems: Vec<&'static str>,
}

/// `GET /health`: the service answers, and which model it serves.
async fn health(State(app): State<App>) -> Json<Health> {
    // The generation first: a swap in between shows the older count with the newer systems,
    // never a count the systems do not reach.
    let model_generation = app.policy.generation();
    Json(Health {
        status: "ok",
        model_generation,
        systems: systems(&app.policy.load()),
    })
}

/// Any other method and path.
async fn no_route(method: Method, uri: Uri) -> ErrorBody {
    ErrorBody::new(
        StatusCode::NOT_FOUND,
        "not_found",
        format!("no endpoint `{method} {}`", uri.path()),
    )
}

/// Reads a JSON body of at most `limit` bytes that must arrive within `timeout`.
async fn read_json(
    headers: &HeaderMap,
    body: Body,
    limit: usize,
    timeout: Duration,
) -> Result<Bytes, ErrorBody> {
    require_json(headers)?;
    let too_large = || {
        ErrorBody::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            format!("request body is larger than {limit} bytes"),
        )
        .closing()
    };
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok()?.parse::<u64>().ok());
    if declared.is_some_and(|length| length > limit as u64) {
        return Err(too_large());
    }
    match tokio::time::timeout(timeout, Limited::new(body, limit).collect()).await {
        Ok(Ok(collected)) => Ok(collected.to_bytes()),
        Ok(Err(e)) if e.downcast_ref::<LengthLimitError>().is_some() => Err(too_large()),
        Ok(Err(e)) => Err(ErrorBody::new(
            StatusCode::BAD_REQUEST,
            "unreadable_body",
            format!("cannot read request body: {e}"),
        )
        .closing()),
        Err(_) => Err(ErrorBody::new(
            StatusCode::REQUEST_TIMEOUT,
            "request_timeout",
            format!(
                "request body did not arrive within {} ms",
                timeout.as_millis()
            ),
        )
        .closing()),
    }
}

/// 415 unless the body is declared JSON (`application/json` or a `+json` type, any parameters).
fn require_json(headers: &HeaderMap) -> Result<(), ErrorBody> {
    let declared = headers
        .get(header::CONTENT_TYPE)
        .map(|value| String::from_utf8_lossy(value.as_bytes()).into_owned());
    if let Some(declared) = &declared {
        let essence = declared
            .split(';')
            .next()
            .unwrap_or_default()
            .trim()
            .to_ascii_lowercase();
        if essence == "application/json"
            || (essence.starts_with("application/") && essence.ends_with("+json"))
        {
            return Ok(());
        }
    }
    Err(ErrorBody::new(
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "unsupported_media_type",
        format!(
            "request body must be `application/json`, got {}",
            declared.map_or_else(|| "no content type".to_owned(), |d| format!("`{d}`"))
        ),
    ))
}

/// 414 for a request target longer than the limit.
async fn uri_limit(
    State(max): State<usize>,
    request: axum::extract::Request,
    next: Next,
) -> Response {
    let length = request
        .uri()
        .path_and_query()
        .map_or(0, |target| target.as_str().len());
    if length > max {
        return ErrorBody::new(
            StatusCode::URI_TOO_LONG,
            "uri_too_long",
            format!("request target has {length} bytes, expected at most {max}"),
        )
        .into_response();
    }
    next.run(request).await
}

/// Makes every error answer JSON: one that is not (axum's empty 405, a text rejection) becomes
/// `{"error": ..., "code": ...}` with the same status and headers (`Allow` stays).
async fn json_errors(request: axum::extract::Request, next: Next) -> Response {
    let (method, path) = (request.method().clone(), request.uri().path().to_owned());
    let response = next.run(request).await;
    let status = response.status();
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|value| value.as_bytes().starts_with(b"application/json"));
    if !(status.is_client_error() || status.is_server_error()) || is_json {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let text = axum::body::to_bytes(body, 4096).await.unwrap_or_default();
    let text = String::from_utf8_lossy(&text);
    let message = match (status, text.trim()) {
        (StatusCode::METHOD_NOT_ALLOWED, _) => {
            format!("method `{method}` is not allowed on `{path}`")
        }
        (_, "") => status
            .canonical_reason()
            .unwrap_or("error")
            .to_ascii_lowercase(),
        (_, text) => text.to_owned(),
    };
    parts.headers.remove(header::CONTENT_LENGTH);
    parts.headers.remove(header::CONTENT_TYPE);
    let mut answer = ErrorBody::new(status, status_code(status), message).into_response();
    answer.headers_mut().extend(parts.headers);
    answer
}

/// The stable code of an error status, for answers no handler gave a code.
fn status_code(status: StatusCode) -> &'static str {
    match status {
        StatusCode::BAD_REQUEST => "bad_request",
        StatusCode::UNAUTHORIZED => "unauthorized",
        StatusCode::FORBIDDEN => "forbidden",
        StatusCode::NOT_FOUND => "not_found",
        StatusCode::METHOD_NOT_ALLOWED => "method_not_allowed",
        StatusCode::REQUEST_TIMEOUT => "request_timeout",
        StatusCode::PAYLOAD_TOO_LARGE => "payload_too_large",
        StatusCode::URI_TOO_LONG => "uri_too_long",
        StatusCode::UNSUPPORTED_MEDIA_TYPE => "unsupported_media_type",
        StatusCode::SERVICE_UNAVAILABLE => "unavailable",
        status if status.is_client_error() => "client_error",
        _ => "internal_error",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The scheme is case-insensitive, surrounding spaces are not part of the token, and other
    /// schemes carry no bearer token.
    #[test]
    fn bearer_credentials() {
        assert_eq!(bearer(b"Bearer abc"), Some(&b"abc"[..]));
        assert_eq!(bearer(b"bearer  abc "), Some(&b"abc"[..]));
        assert_eq!(bearer(b"Basic abc"), None);
        assert_eq!(bearer(b"Bear"), None);
    }
}
