//! The HTTP endpoints.

use accessgate::dataverse::EffectiveAccess;
use accessgate::Request;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::{Method, StatusCode, Uri};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Serialize;

use crate::answer::{Answer, ErrorBody};
use crate::snapshot::{parse_model, SharedPolicy};

/// The largest model `POST /model` accepts, in bytes. Other bodies keep axum's 2 MiB limit.
pub const MODEL_BODY_LIMIT: usize = 64 * 1024 * 1024;

/// The service's routes, answering from `policy`:
///
/// * `POST /authorize`: a JSON [`accessgate::Request`] in, an [`Answer`] out;
/// * `GET /users/{id}/effective-access`: the effective access of a Dataverse user;
/// * `POST /model`: a new model (a policy document or a scenario file), swapped in atomically.
///
/// Every error is JSON, `{"error": "..."}`, with a 4xx status saying whose fault it is.
///
/// ```
/// use accessgate_service::{router, SharedPolicy};
///
/// let policy = accessgate_service::load_model("../fixtures/scenarios/dataverse_levels.json".as_ref())?;
/// let app: axum::Router = router(SharedPolicy::new(policy));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn router(policy: SharedPolicy) -> Router {
    Router::new()
        .route("/authorize", post(authorize))
        .route("/users/{id}/effective-access", get(effective_access))
        .route(
            "/model",
            post(replace_model).layer(DefaultBodyLimit::max(MODEL_BODY_LIMIT)),
        )
        .fallback(no_route)
        .with_state(policy)
}

/// `POST /authorize`: decides one request against the current snapshot.
async fn authorize(
    State(shared): State<SharedPolicy>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<Answer>, ErrorBody> {
    let body = body.map_err(body_error)?;
    let request: Request = serde_json::from_slice(&body).map_err(|e| {
        ErrorBody::new(
            StatusCode::BAD_REQUEST,
            format!("request body is not an authorization request: {e}"),
        )
    })?;
    // One snapshot for the decision and its explanation, even if a swap happens meanwhile.
    let policy = shared.load();
    let response = accessgate::authorize(&policy, &request);
    Ok(Json(Answer::new(&response, &policy)))
}

/// `GET /users/{id}/effective-access`: every table × privilege the Dataverse user `id` holds,
/// with the path of each grant, the shares that reach them and their hierarchy records.
async fn effective_access(
    State(shared): State<SharedPolicy>,
    Path(id): Path<String>,
) -> Result<Json<EffectiveAccess>, ErrorBody> {
    let policy = shared.load();
    let Some(dataverse) = policy.dataverse() else {
        return Err(ErrorBody::new(
            StatusCode::NOT_FOUND,
            format!("user `{id}` does not exist: the model has no dataverse system"),
        ));
    };
    let Some(user) = dataverse.user_id(&id) else {
        return Err(ErrorBody::new(
            StatusCode::NOT_FOUND,
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
    State(shared): State<SharedPolicy>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<Replaced>, ErrorBody> {
    let body = body.map_err(body_error)?;
    // Building a large model takes a while; keep it off the threads serving requests.
    let built = tokio::task::spawn_blocking(move || parse_model(&body))
        .await
        .map_err(|e| {
            ErrorBody::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                format!("building the model stopped: {e}"),
            )
        })?;
    let policy = built.map_err(|e| {
        ErrorBody::new(
            StatusCode::BAD_REQUEST,
            format!("{e}; the previous model is still served"),
        )
    })?;
    let systems = [
        ("dataverse", policy.dataverse().is_some()),
        ("flows", policy.flows().is_some()),
        ("folders", policy.folders().is_some()),
    ]
    .into_iter()
    .filter_map(|(name, present)| present.then_some(name))
    .collect();
    shared.replace(policy);
    Ok(Json(Replaced {
        status: "replaced",
        systems,
    }))
}

/// Any other method and path.
async fn no_route(method: Method, uri: Uri) -> ErrorBody {
    ErrorBody::new(
        StatusCode::NOT_FOUND,
        format!("no endpoint `{method} {}`", uri.path()),
    )
}

/// A body that could not be read (too large, cut off) as a JSON error with axum's status.
fn body_error(rejection: BytesRejection) -> ErrorBody {
    ErrorBody::new(
        rejection.status(),
        format!("cannot read request body: {}", rejection.body_text()),
    )
}
