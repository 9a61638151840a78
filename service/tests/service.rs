//! The service over real HTTP on a loopback port: decisions, errors, model swaps under load, and
//! the tower layer in front of a dummy handler.

#![allow(clippy::unwrap_used, reason = "tests fail loudly")]

use std::error::Error;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use accessgate::scenario::Scenario;
use accessgate::{Decision, Policy, Request};
use accessgate_service::{
    parse_model, router, router_with, serve, AdminToken, Answer, AuthorizeLayer, Limits,
    ModelUpdates, ServiceConfig, SharedPolicy, Unmapped,
};
use axum::body::{Body, Bytes};
use axum::extract::Path;
use axum::http::{header, Method, StatusCode};
use axum::routing::get;
use axum::Router;
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use serde_json::Value;

type TestResult<T = ()> = Result<T, Box<dyn Error + Send + Sync>>;

const LEVELS: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../fixtures/scenarios/dataverse_levels.json"
);

/// Alice reads bob's record through `reader-old` at Organization level: allow.
const OLD_MODEL: &str = r#"{"dataverse": {
  "business_units": [{"id": "root"}, {"id": "east", "parent": "root"}, {"id": "west", "parent": "root"}],
  "tables": [{"id": "account"}],
  "roles": [{"id": "reader-old", "privileges": {"account": {"Read": "Organization"}}}],
  "users": [{"id": "alice", "business_unit": "east"}, {"id": "bob", "business_unit": "west"}],
  "role_assignments": [{"principal": {"user": "alice"}, "role": "reader-old"}],
  "records": [{"id": "deal", "table": "account", "owner": {"user": "bob"}}]
}}"#;

/// The same, but alice's `reader-new` only reaches her own records: deny.
const NEW_MODEL: &str = r#"{"description": "a scenario file: its model is used", "cases": [], "model": {"dataverse": {
  "business_units": [{"id": "root"}, {"id": "east", "parent": "root"}, {"id": "west", "parent": "root"}],
  "tables": [{"id": "account"}],
  "roles": [{"id": "reader-new", "privileges": {"account": {"Read": "User"}}}],
  "users": [{"id": "alice", "business_unit": "east"}, {"id": "bob", "business_unit": "west"}],
  "role_assignments": [{"principal": {"user": "alice"}, "role": "reader-new"}],
  "records": [{"id": "deal", "table": "account", "owner": {"user": "bob"}}]
}}}"#;

const ALICE_READS_DEAL: &str =
    r#"{"kind": "record", "user": "alice", "privilege": "Read", "record": "deal"}"#;

/// The admin token of the tests' services.
const TOKEN: &str = "test-admin-token-0123456789";

/// Settings whose model updates need [`TOKEN`].
fn with_token() -> ServiceConfig {
    ServiceConfig {
        model_updates: ModelUpdates::Token(AdminToken::new(TOKEN).unwrap()),
        ..ServiceConfig::default()
    }
}

/// The routes over `policy` with model updates by [`TOKEN`].
fn app(policy: &str) -> TestResult<Router> {
    Ok(router_with(
        SharedPolicy::new(parse_model(policy.as_bytes())?),
        with_token(),
    ))
}

/// Serves `policy` with model updates by [`TOKEN`] and `limits` for both the router and the
/// accept loop.
async fn start_limited(policy: &str, limits: Limits) -> TestResult<Http> {
    let config = ServiceConfig {
        limits,
        ..with_token()
    };
    let app = router_with(SharedPolicy::new(parse_model(policy.as_bytes())?), config);
    start_with(app, limits).await
}

/// Serves `app` with the default limits; see [`start_with`].
async fn start(app: Router) -> TestResult<Http> {
    start_with(app, Limits::default()).await
}

/// Serves `app` with [`accessgate_service::serve`] on 127.0.0.1, on a port the OS picks, until
/// the test's runtime ends.
async fn start_with(app: Router, limits: Limits) -> TestResult<Http> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    tokio::spawn(serve(listener, app, limits, std::future::pending()));
    Ok(Http {
        client: Client::builder(TokioExecutor::new()).build_http(),
        base: format!("http://{addr}"),
        addr,
    })
}

/// A real HTTP/1.1 client (hyper) pointed at one server.
#[derive(Clone)]
struct Http {
    client: Client<HttpConnector, Full<Bytes>>,
    base: String,
    addr: std::net::SocketAddr,
}

impl Http {
    async fn send(
        &self,
        method: Method,
        path: &str,
        headers: &[(&str, &str)],
        body: &str,
    ) -> TestResult<(StatusCode, Bytes)> {
        let mut request = axum::http::Request::builder()
            .method(method)
            .uri(format!("{}{path}", self.base))
            .header(header::CONTENT_TYPE, "application/json");
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let response = self
            .client
            .request(request.body(Full::new(Bytes::from(body.to_owned())))?)
            .await?;
        let status = response.status();
        Ok((status, response.into_body().collect().await?.to_bytes()))
    }

    async fn json(
        &self,
        method: Method,
        path: &str,
        body: &str,
    ) -> TestResult<(StatusCode, Value)> {
        let (status, bytes) = self.send(method, path, &[], body).await?;
        Ok((status, serde_json::from_slice(&bytes)?))
    }

    /// `POST /model` with [`TOKEN`].
    async fn upload(&self, model: &str) -> TestResult<(StatusCode, Value)> {
        let bearer = format!("Bearer {TOKEN}");
        let (status, bytes) = self
            .send(Method::POST, "/model", &[("authorization", &bearer)], model)
            .await?;
        Ok((status, serde_json::from_slice(&bytes)?))
    }

    /// `POST /authorize`, expecting 200 and an [`Answer`].
    async fn authorize(&self, request: &str) -> TestResult<Answer> {
        let (status, bytes) = self.send(Method::POST, "/authorize", &[], request).await?;
        assert_eq!(
            status,
            StatusCode::OK,
            "{}",
            String::from_utf8_lossy(&bytes)
        );
        Ok(serde_json::from_slice(&bytes)?)
    }
}

/// What the library itself answers to `request` on `policy`.
fn expected(policy: &Policy, request: &str) -> TestResult<Answer> {
    let request: Request = serde_json::from_str(request)?;
    Ok(Answer::new(
        &accessgate::authorize(policy, &request),
        policy,
    ))
}

/// The `error` message of a JSON error body.
fn error_message(body: &Value) -> &str {
    body["error"].as_str().unwrap_or_default()
}

/// Every case of the access-levels scenario, over HTTP, gets the scenario's decision and the
/// library's code and explanation; both allows and denies are among them.
#[tokio::test]
async fn authorize_answers_allow_and_deny_with_reasons() -> TestResult {
    let text = std::fs::read_to_string(LEVELS)?;
    let scenario: Scenario = serde_json::from_str(&text)?;
    let policy = scenario.model.build()?;
    let http = start(app(&text)?).await?;

    let (mut allowed, mut denied) = (0, 0);
    for case in &scenario.cases {
        let body = serde_json::to_string(&case.request)?;
        let answer = http.authorize(&body).await?;
        assert_eq!(Some(answer.decision), case.expect, "{}", case.name);
        assert_eq!(answer, expected(&policy, &body)?, "{}", case.name);
        match answer.decision {
            Decision::Allow => allowed += 1,
            Decision::Deny => denied += 1,
        }
    }
    assert!(
        allowed > 0 && denied > 0,
        "{allowed} allowed, {denied} denied"
    );

    // The wire format, spelled out once.
    let (status, body) = http
        .json(
            Method::POST,
            "/authorize",
            r#"{"kind": "record", "user": "uma", "privilege": "Read", "record": "acc-sales"}"#,
        )
        .await?;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["decision"], "deny");
    assert_eq!(body["code"], "outside_levels");
    assert!(
        body["reason"]
            .as_str()
            .unwrap()
            .contains("record `acc-sales`"),
        "{body}"
    );
    Ok(())
}

/// A body that is not JSON, or not a request, is a 400 whose message says what is wrong.
#[tokio::test]
async fn malformed_body_is_400_with_a_clear_message() -> TestResult {
    let http = start(app(OLD_MODEL)?).await?;
    let cases = [
        (r#"{"kind": "record", "user": "#, "EOF while parsing"),
        (
            r#"{"kind": "recrod", "user": "alice"}"#,
            "unknown variant `recrod`",
        ),
        (
            r#"{"kind": "record", "user": "alice", "privilege": "Read"}"#,
            "missing field `record`",
        ),
        (
            r#"{"kind": "record", "user": "alice", "privilege": "Reed", "record": "deal"}"#,
            "Reed",
        ),
        ("", "EOF while parsing"),
    ];
    for (body, needle) in cases {
        let (status, reply) = http.json(Method::POST, "/authorize", body).await?;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}: {reply}");
        let message = error_message(&reply);
        assert!(
            message.starts_with("request body is not an authorization request: "),
            "{message}"
        );
        assert!(message.contains(needle), "{body}: {message}");
    }
    // Still serving.
    assert_eq!(
        http.authorize(ALICE_READS_DEAL).await?.decision,
        Decision::Allow
    );
    Ok(())
}

/// A model that does not parse or build is refused with 400 naming the error; the old model
/// keeps answering, and a good upload (here a scenario file) then replaces it.
#[tokio::test]
async fn bad_model_upload_is_rejected_and_the_old_model_still_answers() -> TestResult {
    let http = start(app(OLD_MODEL)?).await?;
    let before = http.authorize(ALICE_READS_DEAL).await?;
    assert_eq!(before.decision, Decision::Allow);

    let bad = [
        (
            "{\"dataverse\": ",
            "model is not a valid policy document: EOF while parsing",
        ),
        ("{\n  \"dataverze\": {}\n}", "unknown field `dataverze`"),
        (
            r#"{"dataverse": {"business_units": [{"id": "root"}, {"id": "east", "parent": "nowhere"}]}}"#,
            "model does not build: dataverse model:",
        ),
        (
            r#"{"model": {"dataverse": {"business_units": [{"id": "root"}], "users": [{"id": "zed", "business_unit": "mars"}]}}}"#,
            "`mars`",
        ),
    ];
    for (model, needle) in bad {
        let (status, reply) = http.upload(model).await?;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{model}: {reply}");
        let message = error_message(&reply);
        assert!(message.contains(needle), "{model}: {message}");
        assert!(
            message.ends_with("; the previous model is still served"),
            "{message}"
        );
        assert_eq!(http.authorize(ALICE_READS_DEAL).await?, before);
    }

    let (status, reply) = http.upload(NEW_MODEL).await?;
    assert_eq!(status, StatusCode::OK, "{reply}");
    assert_eq!(
        reply,
        serde_json::json!({"status": "replaced", "systems": ["dataverse"]})
    );
    let after = http.authorize(ALICE_READS_DEAL).await?;
    assert_eq!(
        after,
        expected(&parse_model(NEW_MODEL.as_bytes())?, ALICE_READS_DEAL)?
    );
    assert_eq!(after.decision, Decision::Deny);
    Ok(())
}

/// Clients hammering `/authorize` while `POST /model` swaps the model see no error, and every
/// answer is exactly the old model's or the new model's (never a mix of decision and reason);
/// each client sees old answers, then new ones, never old after new; every request after the
/// swap returns is answered by the new model.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_requests_during_a_swap_answer_from_the_old_or_the_new_model() -> TestResult {
    let old = expected(&parse_model(OLD_MODEL.as_bytes())?, ALICE_READS_DEAL)?;
    let new = expected(&parse_model(NEW_MODEL.as_bytes())?, ALICE_READS_DEAL)?;
    assert_ne!(old.decision, new.decision);
    assert!(old.reason.contains("reader-old") && !new.reason.contains("reader-old"));

    let http = start(app(OLD_MODEL)?).await?;
    let answered = Arc::new(AtomicUsize::new(0));
    let mut clients = Vec::new();
    for _ in 0..8 {
        let (http, answered, old, new) = (http.clone(), answered.clone(), old.clone(), new.clone());
        clients.push(tokio::spawn(async move {
            let mut seen = Vec::new();
            // Keep asking until the swap has been seen a few times, so requests straddle it.
            while seen.iter().filter(|a| **a == new).count() < 5 {
                let answer = http.authorize(ALICE_READS_DEAL).await?;
                assert!(answer == old || answer == new, "a mixed answer: {answer:?}");
                seen.push(answer);
                answered.fetch_add(1, Ordering::Relaxed);
                assert!(seen.len() < 20_000, "the new model never answered");
            }
            TestResult::Ok(seen)
        }));
    }
    while answered.load(Ordering::Relaxed) < 100 {
        tokio::task::yield_now().await;
    }
    let (status, reply) = http.upload(NEW_MODEL).await?;
    assert_eq!(status, StatusCode::OK, "{reply}");
    assert_eq!(http.authorize(ALICE_READS_DEAL).await?, new);

    let mut olds = 0;
    for client in clients {
        let seen = client.await??;
        let first_new = seen.iter().position(|a| *a == new).unwrap();
        assert!(seen[..first_new].iter().all(|a| *a == old));
        assert!(seen[first_new..].iter().all(|a| *a == new), "old after new");
        olds += first_new;
    }
    assert!(olds >= 100, "{olds} answers from the old model");
    Ok(())
}

/// A request holding a snapshot finishes on it after a swap; the next one gets the new model.
#[test]
fn a_held_snapshot_survives_a_swap() -> TestResult {
    let shared = SharedPolicy::new(parse_model(OLD_MODEL.as_bytes())?);
    let in_flight = shared.load();
    let replaced = shared.replace(parse_model(NEW_MODEL.as_bytes())?);
    assert!(Arc::ptr_eq(&in_flight, &replaced));
    assert_eq!(
        expected(&in_flight, ALICE_READS_DEAL)?.decision,
        Decision::Allow
    );
    assert_eq!(
        expected(&shared.load(), ALICE_READS_DEAL)?.decision,
        Decision::Deny
    );
    Ok(())
}

/// An unknown path is a JSON 404 naming it.
#[tokio::test]
async fn unknown_route_is_a_json_404() -> TestResult {
    let http = start(app(OLD_MODEL)?).await?;
    let (status, reply) = http.json(Method::GET, "/nowhere", "").await?;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(error_message(&reply), "no endpoint `GET /nowhere`");
    Ok(())
}

/// `GET /accounts/{id}` as header `x-user` asks "may that user read record `id`?".
fn read_account(req: &axum::http::Request<Body>) -> Option<Request> {
    let user = req.headers().get("x-user")?.to_str().ok()?;
    let record = req.uri().path().strip_prefix("/accounts/")?;
    Some(Request::Dataverse(
        accessgate::dataverse::DataverseRequest::Record(accessgate::dataverse::RecordQuery::new(
            user,
            accessgate::RecordPrivilege::Read,
            record,
        )),
    ))
}

/// A dummy app behind the layer, counting the calls that reach its handler.
fn gated_app(shared: SharedPolicy, unmapped: Unmapped, calls: Arc<AtomicUsize>) -> Router {
    let handler = move |Path(id): Path<String>| {
        calls.fetch_add(1, Ordering::Relaxed);
        async move { format!("account {id}") }
    };
    Router::new()
        .route("/accounts/{id}", get(handler.clone()))
        .route("/health", get(|| async { "ok" }))
        .layer(AuthorizeLayer::new(shared, read_account).unmapped(unmapped))
}

/// The layer answers a denied request 403 with the reason and never calls the handler; an
/// allowed one reaches the handler unchanged; a swapped-in model applies to the next request.
#[tokio::test]
async fn layer_denies_with_403_and_passes_allowed_requests_through() -> TestResult {
    let text = std::fs::read_to_string(LEVELS)?;
    let policy = parse_model(text.as_bytes())?;
    let shared = SharedPolicy::new(parse_model(text.as_bytes())?);
    let calls = Arc::new(AtomicUsize::new(0));
    let http = start(gated_app(shared.clone(), Unmapped::Deny, calls.clone())).await?;

    // ola holds Read at Organization level: passes through.
    let (status, body) = http
        .send(
            Method::GET,
            "/accounts/acc-service",
            &[("x-user", "ola")],
            "",
        )
        .await?;
    assert_eq!(
        (status, &body[..]),
        (StatusCode::OK, &b"account acc-service"[..])
    );
    assert_eq!(calls.load(Ordering::Relaxed), 1);

    // uma holds Read at User level only: 403 with the library's answer, handler untouched.
    let (status, body) = http
        .send(Method::GET, "/accounts/acc-sales", &[("x-user", "uma")], "")
        .await?;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let answer: Answer = serde_json::from_slice(&body)?;
    let question =
        r#"{"kind": "record", "user": "uma", "privilege": "Read", "record": "acc-sales"}"#;
    assert_eq!(answer, expected(&policy, question)?);
    assert_eq!(answer.code, "outside_levels");
    assert_eq!(calls.load(Ordering::Relaxed), 1);

    // No user: the request maps to no question and is denied by default.
    let (status, body) = http
        .send(Method::GET, "/accounts/acc-service", &[], "")
        .await?;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let answer: Answer = serde_json::from_slice(&body)?;
    assert_eq!(answer.code, "unmapped_request");
    assert_eq!(
        answer.reason,
        "denied: `GET /accounts/acc-service` maps to no authorization request"
    );
    let (status, _) = http.send(Method::GET, "/health", &[], "").await?;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(calls.load(Ordering::Relaxed), 1);

    // The layer reads the current snapshot: after a swap, ola is a stranger.
    shared.replace(parse_model(OLD_MODEL.as_bytes())?);
    let (status, body) = http
        .send(
            Method::GET,
            "/accounts/acc-service",
            &[("x-user", "ola")],
            "",
        )
        .await?;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(serde_json::from_slice::<Answer>(&body)?.code, "unknown_id");
    assert_eq!(calls.load(Ordering::Relaxed), 1);
    Ok(())
}

/// With [`Unmapped::Pass`], requests the function maps to nothing reach their handler unchecked;
/// mapped ones are still decided.
#[tokio::test]
async fn layer_can_pass_unmapped_requests() -> TestResult {
    let shared = SharedPolicy::new(parse_model(OLD_MODEL.as_bytes())?);
    let calls = Arc::new(AtomicUsize::new(0));
    let http = start(gated_app(shared, Unmapped::Pass, calls.clone())).await?;

    let (status, body) = http.send(Method::GET, "/health", &[], "").await?;
    assert_eq!((status, &body[..]), (StatusCode::OK, &b"ok"[..]));
    let (status, _) = http
        .send(Method::GET, "/accounts/deal", &[("x-user", "alice")], "")
        .await?;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = http
        .send(Method::GET, "/accounts/deal", &[("x-user", "bob")], "")
        .await?;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(calls.load(Ordering::Relaxed), 1);
    Ok(())
}

/// `GET /users/{id}/effective-access` is the library's effective access as JSON; an unknown
/// user, or a model without Dataverse, is a JSON 404 naming the id.
#[tokio::test]
async fn effective_access_of_a_user_and_404_for_an_unknown_one() -> TestResult {
    let text = std::fs::read_to_string(LEVELS)?;
    let policy = parse_model(text.as_bytes())?;
    let shared = SharedPolicy::new(parse_model(text.as_bytes())?);
    let http = start(router(shared.clone())).await?;

    let (status, body) = http
        .json(Method::GET, "/users/ola/effective-access", "")
        .await?;
    assert_eq!(status, StatusCode::OK, "{body}");
    let dataverse = policy.dataverse().unwrap();
    let ola = dataverse.effective_access(dataverse.user_id("ola").unwrap());
    assert_eq!(body, serde_json::to_value(&ola)?);
    assert_eq!(body["user"], "ola");
    let account = &body["tables"][0];
    assert_eq!(account["table"], "account");
    let read = account["privileges"]
        .as_array()
        .unwrap()
        .iter()
        .find(|cell| cell["privilege"] == "Read")
        .unwrap();
    assert_eq!(read["level"], "Organization");

    let (status, body) = http
        .json(Method::GET, "/users/mallory/effective-access", "")
        .await?;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(
        error_message(&body),
        "user `mallory` does not exist in the dataverse model"
    );

    shared.replace(parse_model(br#"{"flows": {}}"#)?);
    let (status, body) = http
        .json(Method::GET, "/users/ola/effective-access", "")
        .await?;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(
        error_message(&body),
        "user `ola` does not exist: the model has no dataverse system"
    );
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Hardening: credentials, limits, slow clients, strict bodies, caller assertions, JSON errors,
// health and shutdown, load.
// ---------------------------------------------------------------------------------------------

use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Reads from `stream` until the peer closes it (or resets it), at most `within`; the bytes,
/// and whether it closed in time.
async fn read_to_close(stream: &mut TcpStream, within: Duration) -> (Vec<u8>, bool) {
    let mut received = Vec::new();
    let deadline = tokio::time::Instant::now() + within;
    let mut buf = [0u8; 4096];
    loop {
        match tokio::time::timeout_at(deadline, stream.read(&mut buf)).await {
            Err(_elapsed) => return (received, false),
            Ok(Ok(0) | Err(_)) => return (received, true),
            Ok(Ok(n)) => received.extend_from_slice(&buf[..n]),
        }
    }
}

/// The status and JSON body of a raw HTTP/1.1 response.
fn parse_raw(response: &[u8]) -> (u16, Value) {
    let text = String::from_utf8_lossy(response);
    let status = text
        .get(9..12)
        .and_then(|code| code.parse().ok())
        .unwrap_or(0);
    let body = text
        .split_once("\r\n\r\n")
        .and_then(|(_, body)| serde_json::from_str(body).ok())
        .unwrap_or(Value::Null);
    (status, body)
}

/// A raw request's head, closing the connection after the answer.
fn head(method: &str, path: &str, extra: &str) -> String {
    format!("{method} {path} HTTP/1.1\r\nhost: test\r\nconnection: close\r\n{extra}\r\n")
}

/// `POST /model` needs the admin bearer token: none, another scheme or a wrong token is a JSON
/// 401 with `WWW-Authenticate: Bearer`, and the served model does not change; the token
/// replaces it.
#[tokio::test]
async fn model_update_needs_the_admin_token() -> TestResult {
    let shared = SharedPolicy::new(parse_model(OLD_MODEL.as_bytes())?);
    let http = start(router_with(shared.clone(), with_token())).await?;
    let wrong = format!("Bearer {TOKEN}x");
    for headers in [
        &[][..],
        &[("authorization", "Basic dXNlcjpwYXNz")][..],
        &[("authorization", wrong.as_str())][..],
        &[("authorization", "Bearer ")][..],
    ] {
        let (status, bytes) = http
            .send(Method::POST, "/model", headers, NEW_MODEL)
            .await?;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{headers:?}");
        let body: Value = serde_json::from_slice(&bytes)?;
        assert_eq!(body["code"], "unauthorized", "{body}");
        assert_eq!(
            http.authorize(ALICE_READS_DEAL).await?.decision,
            Decision::Allow
        );
    }
    let response = http
        .client
        .request(
            axum::http::Request::post(format!("{}/model", http.base))
                .header(header::CONTENT_TYPE, "application/json")
                .body(Full::new(Bytes::from_static(NEW_MODEL.as_bytes())))?,
        )
        .await?;
    assert_eq!(response.headers()[header::WWW_AUTHENTICATE], "Bearer");
    assert_eq!(shared.generation(), 0);

    let (status, reply) = http.upload(NEW_MODEL).await?;
    assert_eq!(status, StatusCode::OK, "{reply}");
    assert_eq!(shared.generation(), 1);
    assert_eq!(
        http.authorize(ALICE_READS_DEAL).await?.decision,
        Decision::Deny
    );
    Ok(())
}

/// Without a token the default settings refuse every model update, with or without a bearer
/// header; [`ModelUpdates::Open`] (an admin listener) takes them without one.
#[tokio::test]
async fn model_updates_are_disabled_without_a_token_and_open_only_when_configured() -> TestResult {
    let http = start(router(SharedPolicy::new(parse_model(
        OLD_MODEL.as_bytes(),
    )?)))
    .await?;
    for headers in [
        &[][..],
        &[("authorization", "Bearer anything-at-all-here")][..],
    ] {
        let (status, bytes) = http
            .send(Method::POST, "/model", headers, NEW_MODEL)
            .await?;
        assert_eq!(status, StatusCode::FORBIDDEN);
        let body: Value = serde_json::from_slice(&bytes)?;
        assert_eq!(body["code"], "model_updates_disabled", "{body}");
    }
    assert_eq!(
        http.authorize(ALICE_READS_DEAL).await?.decision,
        Decision::Allow
    );

    let open = ServiceConfig {
        model_updates: ModelUpdates::Open,
        ..ServiceConfig::default()
    };
    let admin = start(router_with(
        SharedPolicy::new(parse_model(OLD_MODEL.as_bytes())?),
        open,
    ))
    .await?;
    let (status, _) = admin.send(Method::POST, "/model", &[], NEW_MODEL).await?;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        admin.authorize(ALICE_READS_DEAL).await?.decision,
        Decision::Deny
    );
    Ok(())
}

/// A body declared larger than the default model limit is answered 413 at once, as JSON,
/// without waiting for it; so is one over the request limit, declared or chunked.
#[tokio::test]
async fn bodies_over_the_limit_are_413_json() -> TestResult {
    let http = start(app(OLD_MODEL)?).await?;
    let limits = Limits::default();
    let cases = [
        (
            "/model",
            format!(
                "authorization: Bearer {TOKEN}\r\ncontent-type: application/json\r\ncontent-length: {}\r\n",
                limits.max_model_bytes + 1
            ),
        ),
        (
            "/authorize",
            format!(
                "content-type: application/json\r\ncontent-length: {}\r\n",
                limits.max_request_bytes + 1
            ),
        ),
    ];
    for (path, headers) in cases {
        let mut stream = TcpStream::connect(http.addr).await?;
        stream
            .write_all(head("POST", path, &headers).as_bytes())
            .await?;
        let (response, closed) = read_to_close(&mut stream, Duration::from_secs(5)).await;
        assert!(closed, "{path}: still open");
        let (status, body) = parse_raw(&response);
        assert_eq!(
            status,
            413,
            "{path}: {}",
            String::from_utf8_lossy(&response)
        );
        assert_eq!(body["code"], "payload_too_large", "{body}");
    }

    // Chunked, so no length is declared: the limit applies while reading.
    let small = Limits {
        max_request_bytes: 1000,
        ..Limits::default()
    };
    let http = start_limited(OLD_MODEL, small).await?;
    let mut stream = TcpStream::connect(http.addr).await?;
    let chunk = " ".repeat(800);
    let request = format!(
        "{}320\r\n{chunk}\r\n320\r\n{chunk}\r\n0\r\n\r\n",
        head(
            "POST",
            "/authorize",
            "content-type: application/json\r\ntransfer-encoding: chunked\r\n"
        )
    );
    stream.write_all(request.as_bytes()).await?;
    let (response, _) = read_to_close(&mut stream, Duration::from_secs(5)).await;
    let (status, body) = parse_raw(&response);
    assert_eq!(status, 413, "{}", String::from_utf8_lossy(&response));
    assert_eq!(body["code"], "payload_too_large");
    Ok(())
}

/// A Dataverse model with `n` users, each owning a record, that takes a while to build.
fn large_model(n: usize) -> String {
    let users: Vec<Value> = (0..n)
        .map(|i| serde_json::json!({"id": format!("u{i}"), "business_unit": "root"}))
        .collect();
    let records: Vec<Value> = (0..n)
        .map(|i| serde_json::json!({"id": format!("r{i}"), "table": "account", "owner": {"user": format!("u{i}")}}))
        .collect();
    let assignments: Vec<Value> = (0..n)
        .map(|i| serde_json::json!({"principal": {"user": format!("u{i}")}, "role": "reader"}))
        .collect();
    serde_json::json!({"dataverse": {
        "business_units": [{"id": "root"}],
        "tables": [{"id": "account"}],
        "roles": [{"id": "reader", "privileges": {"account": {"Read": "User"}}}],
        "users": users,
        "role_assignments": assignments,
        "records": records,
    }})
    .to_string()
}

/// While one upload builds, another is answered 503 with `Retry-After` and code
/// `model_build_in_progress`, and `/authorize` keeps answering: the build runs on a blocking
/// thread, not on the (here single) runtime thread. The first build then completes.
#[tokio::test(flavor = "current_thread")]
async fn one_model_build_at_a_time_and_authorize_answers_meanwhile() -> TestResult {
    let shared = SharedPolicy::new(parse_model(OLD_MODEL.as_bytes())?);
    let http = start(router_with(shared.clone(), with_token())).await?;
    let big = large_model(30_000);
    assert!(big.len() < Limits::default().max_model_bytes);
    let started = Instant::now();
    // Raw, so that the test knows when the whole body is on its way; the other uploads start
    // only then, and cannot take the slot before the large one.
    let mut stream = TcpStream::connect(http.addr).await?;
    let headers = format!(
        "authorization: Bearer {TOKEN}\r\ncontent-type: application/json\r\ncontent-length: {}\r\n",
        big.len()
    );
    let (sent, body_sent) = tokio::sync::oneshot::channel();
    let first = tokio::spawn(async move {
        stream
            .write_all(format!("{}{big}", head("POST", "/model", &headers)).as_bytes())
            .await?;
        let _ = sent.send(());
        let (response, _) = read_to_close(&mut stream, Duration::from_secs(60)).await;
        TestResult::Ok(parse_raw(&response))
    });
    body_sent.await?;
    tokio::time::sleep(Duration::from_millis(200)).await;
    let (mut refused, mut answered_meanwhile) = (0, 0);
    while !first.is_finished() {
        let bearer = format!("Bearer {TOKEN}");
        let response = http
            .client
            .request(
                axum::http::Request::post(format!("{}/model", http.base))
                    .header(header::CONTENT_TYPE, "application/json")
                    .header(header::AUTHORIZATION, bearer)
                    .body(Full::new(Bytes::from_static(OLD_MODEL.as_bytes())))?,
            )
            .await?;
        let status = response.status();
        let retry_after = response.headers().get(header::RETRY_AFTER).cloned();
        let body: Value =
            serde_json::from_slice(&response.into_body().collect().await?.to_bytes())?;
        match status {
            StatusCode::SERVICE_UNAVAILABLE => {
                assert_eq!(body["code"], "model_build_in_progress", "{body}");
                assert_eq!(retry_after.unwrap(), "1");
                refused += 1;
                // The slot is busy: a decision still comes back before the build is done.
                http.authorize(ALICE_READS_DEAL).await?;
                if !first.is_finished() {
                    answered_meanwhile += 1;
                }
            }
            StatusCode::OK => {}
            other => panic!("{other}: {body}"),
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let (status, reply) = first.await??;
    eprintln!("large model sent and built in {:?}", started.elapsed());
    assert_eq!(status, 200, "{reply}");
    assert_eq!(reply["status"], "replaced");
    assert!(refused > 0, "no upload was refused during the build");
    assert!(answered_meanwhile > 0, "no decision during the build");
    Ok(())
}

/// A client that sends part of its headers and then nothing is disconnected once the header
/// read timeout is over, and a kept-alive connection that sends no next request is too.
#[tokio::test]
async fn partial_headers_are_disconnected_after_the_header_timeout() -> TestResult {
    let limits = Limits {
        header_read_timeout: Duration::from_millis(300),
        ..Limits::default()
    };
    let http = start_limited(OLD_MODEL, limits).await?;

    let mut partial = TcpStream::connect(http.addr).await?;
    partial
        .write_all(b"POST /authorize HTTP/1.1\r\nhost: test\r\ncontent-")
        .await?;
    let started = Instant::now();
    let (_, closed) = read_to_close(&mut partial, Duration::from_secs(5)).await;
    assert!(closed, "a client with partial headers is still connected");
    let waited = started.elapsed();
    assert!(
        waited >= Duration::from_millis(250) && waited < Duration::from_secs(3),
        "{waited:?}"
    );

    // One answered request, then silence: closed after the timeout as well.
    let mut idle = TcpStream::connect(http.addr).await?;
    let request = format!(
        "POST /authorize HTTP/1.1\r\nhost: test\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{ALICE_READS_DEAL}",
        ALICE_READS_DEAL.len()
    );
    idle.write_all(request.as_bytes()).await?;
    let (response, closed) = read_to_close(&mut idle, Duration::from_secs(5)).await;
    assert!(closed, "an idle kept-alive connection is still open");
    assert!(
        response.starts_with(b"HTTP/1.1 200"),
        "{}",
        String::from_utf8_lossy(&response)
    );
    Ok(())
}

/// A body trickled a byte at a time is answered 408 (JSON, code `request_timeout`) once the
/// body read timeout is over, and the connection is closed; it is not held until the client is
/// done.
#[tokio::test]
async fn a_trickling_body_gets_408_and_is_disconnected() -> TestResult {
    let limits = Limits {
        body_read_timeout: Duration::from_millis(500),
        ..Limits::default()
    };
    let http = start_limited(OLD_MODEL, limits).await?;
    let stream = TcpStream::connect(http.addr).await?;
    let (mut reader, mut writer) = stream.into_split();
    let body = ALICE_READS_DEAL.as_bytes().to_vec();
    let headers = format!(
        "POST /authorize HTTP/1.1\r\nhost: test\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n",
        body.len()
    );
    writer.write_all(headers.as_bytes()).await?;
    // A byte every 100 ms: the whole body would take about 8 s.
    let trickle = tokio::spawn(async move {
        for byte in body {
            if writer.write_all(&[byte]).await.is_err() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    });
    let started = Instant::now();
    let mut response = Vec::new();
    let read =
        tokio::time::timeout(Duration::from_secs(4), reader.read_to_end(&mut response)).await;
    assert!(
        read.is_ok(),
        "still connected after 4 s: {}",
        String::from_utf8_lossy(&response)
    );
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
    let (status, reply) = parse_raw(&response);
    assert_eq!(status, 408, "{}", String::from_utf8_lossy(&response));
    assert_eq!(reply["code"], "request_timeout", "{reply}");
    trickle.abort();
    Ok(())
}

/// With room for two connections, a third is not served while two idle clients hold theirs;
/// as soon as one of them leaves, it is.
#[tokio::test]
async fn connections_beyond_the_limit_wait_until_one_closes() -> TestResult {
    let limits = Limits {
        max_connections: 2,
        ..Limits::default()
    };
    let http = start_limited(OLD_MODEL, limits).await?;
    let first = TcpStream::connect(http.addr).await?;
    let _second = TcpStream::connect(http.addr).await?;
    // Let the server take both.
    tokio::time::sleep(Duration::from_millis(200)).await;

    let mut third = TcpStream::connect(http.addr).await?;
    let request = format!(
        "{}{ALICE_READS_DEAL}",
        head(
            "POST",
            "/authorize",
            &format!(
                "content-type: application/json\r\ncontent-length: {}\r\n",
                ALICE_READS_DEAL.len()
            )
        )
    );
    third.write_all(request.as_bytes()).await?;
    let (early, closed) = read_to_close(&mut third, Duration::from_millis(700)).await;
    assert!(
        early.is_empty() && !closed,
        "served beyond the limit: {}",
        String::from_utf8_lossy(&early)
    );

    drop(first);
    let (response, closed) = read_to_close(&mut third, Duration::from_secs(5)).await;
    assert!(closed);
    let (status, body) = parse_raw(&response);
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&response));
    assert_eq!(body["decision"], "allow");
    Ok(())
}

/// A key named twice is refused wherever it is: a second `"system_administrator": true` in a
/// role of an uploaded scenario file, a twice-named table in a role's privileges map, a field
/// of a request. Each is a 400 naming the key, and the served model does not change.
#[tokio::test]
async fn duplicate_keys_are_refused_in_models_and_requests() -> TestResult {
    let shared = SharedPolicy::new(parse_model(OLD_MODEL.as_bytes())?);
    let http = start(router_with(shared.clone(), with_token())).await?;
    let escalating = r#"{"description": "", "cases": [], "model": {"dataverse": {
      "business_units": [{"id": "root"}, {"id": "east", "parent": "root"}, {"id": "west", "parent": "root"}],
      "tables": [{"id": "account"}],
      "roles": [{"id": "reader-old", "system_administrator": false, "system_administrator": true}],
      "users": [{"id": "alice", "business_unit": "east"}, {"id": "bob", "business_unit": "west"}],
      "role_assignments": [{"principal": {"user": "alice"}, "role": "reader-old"}],
      "records": [{"id": "deal", "table": "account", "owner": {"user": "bob"}}]
    }}}"#;
    let twice_in_a_map = OLD_MODEL.replace(
        r#"{"account": {"Read": "Organization"}}"#,
        r#"{"account": {"Read": "User"}, "account": {"Read": "Organization"}}"#,
    );
    for (model, key) in [
        (escalating, "system_administrator"),
        (&twice_in_a_map, "account"),
    ] {
        let (status, reply) = http.upload(model).await?;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{reply}");
        assert_eq!(reply["code"], "invalid_model");
        let message = error_message(&reply);
        assert!(message.contains("duplicate"), "{message}");
        assert!(message.contains(&format!("`{key}`")), "{message}");
    }
    assert_eq!(shared.generation(), 0);
    assert!(http
        .authorize(ALICE_READS_DEAL)
        .await?
        .reason
        .contains("reader-old"));

    let (status, reply) = http
        .json(
            Method::POST,
            "/authorize",
            r#"{"kind": "record", "user": "bob", "user": "alice", "privilege": "Read", "record": "deal"}"#,
        )
        .await?;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{reply}");
    assert_eq!(reply["code"], "invalid_request");
    assert!(error_message(&reply).contains("duplicate"), "{reply}");
    Ok(())
}

/// Every envelope the service reads names an unknown field instead of ignoring it: a record
/// request, a flow request, a folder request, the scenario wrapper of a model upload and a
/// policy document.
#[tokio::test]
async fn unknown_fields_are_refused_in_every_envelope() -> TestResult {
    let http = start(app(OLD_MODEL)?).await?;
    let requests = [
        (
            r#"{"kind": "record", "user": "alice", "privilege": "Read", "record": "deal", "as_user": "root"}"#,
            "`as_user`",
        ),
        (
            r#"{"kind": "create", "user": "alice", "table": "account", "ownr": {"user": "bob"}}"#,
            "`ownr`",
        ),
        (
            r#"{"kind": "flow", "flow": "f", "trusted": true}"#,
            "`trusted`",
        ),
        (
            r#"{"kind": "folder", "user": "ann", "action": "add_flow", "folder": "f", "role": "admin"}"#,
            "`role`",
        ),
    ];
    for (request, field) in requests {
        let (status, reply) = http.json(Method::POST, "/authorize", request).await?;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{request}: {reply}");
        assert_eq!(reply["code"], "invalid_request");
        let message = error_message(&reply);
        assert!(message.contains("unknown field"), "{message}");
        assert!(message.contains(field), "{message}");
    }
    let wrapped = NEW_MODEL.replacen(r#""cases": [],"#, r#""cases": [], "expect": "allow","#, 1);
    let document = OLD_MODEL.replacen('{', r#"{"folder": {}, "#, 1);
    for (model, field) in [(&wrapped, "`expect`"), (&document, "`folder`")] {
        let (status, reply) = http.upload(model).await?;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{reply}");
        let message = error_message(&reply);
        assert!(
            message.contains(&format!("unknown field {field}")),
            "{message}"
        );
    }
    assert_eq!(
        http.authorize(ALICE_READS_DEAL).await?.decision,
        Decision::Allow
    );
    Ok(())
}

const FLOWS: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../fixtures/scenarios/flows_call_chain.json"
);

/// A flow request over HTTP cannot claim a scheduled or triggered start, which would skip the
/// flow's permissions: 403, code `untrusted_assertion`, also with a call chain. An API start is
/// decided as before. A listener configured to trust its callers answers as the library does.
#[tokio::test]
async fn server_side_starts_are_refused_unless_the_listener_trusts_callers() -> TestResult {
    let text = std::fs::read_to_string(FLOWS)?;
    let policy = parse_model(text.as_bytes())?;
    let http = start(app(&text)?).await?;
    // `worker` denies anonymous callers; a scheduled start would be allowed unchecked.
    let api = r#"{"kind": "flow", "flow": "worker"}"#;
    assert_eq!(http.authorize(api).await?.decision, Decision::Deny);
    let asserted = [
        r#"{"kind": "flow", "flow": "worker", "start": "schedule"}"#,
        r#"{"kind": "flow", "flow": "worker", "start": "trigger"}"#,
        r#"{"kind": "flow", "flow": "server-only", "start": "trigger", "call_chain": ["entry"]}"#,
    ];
    for request in asserted {
        assert_eq!(expected(&policy, request)?.decision, Decision::Allow);
        let (status, reply) = http.json(Method::POST, "/authorize", request).await?;
        assert_eq!(status, StatusCode::FORBIDDEN, "{request}: {reply}");
        assert_eq!(reply["code"], "untrusted_assertion", "{reply}");
    }
    let explicit_api = r#"{"kind": "flow", "flow": "worker", "start": "api"}"#;
    assert_eq!(http.authorize(explicit_api).await?.decision, Decision::Deny);

    let trusting = ServiceConfig {
        trust_server_starts: true,
        ..ServiceConfig::default()
    };
    let trusted = start(router_with(
        SharedPolicy::new(parse_model(text.as_bytes())?),
        trusting,
    ))
    .await?;
    for request in asserted {
        assert_eq!(
            trusted.authorize(request).await?,
            expected(&policy, request)?
        );
    }
    Ok(())
}

/// A body that is not declared JSON (`text/plain`, a form, none) is 415 on both endpoints that
/// read one; `application/json` with parameters and `+json` types are JSON.
#[tokio::test]
async fn non_json_bodies_are_415() -> TestResult {
    let http = start(app(OLD_MODEL)?).await?;
    let bearer = format!("Bearer {TOKEN}");
    for content_type in [
        Some("text/plain"),
        Some("application/x-www-form-urlencoded"),
        Some("application/jsonp"),
        None,
    ] {
        for (path, body) in [("/authorize", ALICE_READS_DEAL), ("/model", NEW_MODEL)] {
            let mut request = axum::http::Request::post(format!("{}{path}", http.base))
                .header(header::AUTHORIZATION, &bearer);
            if let Some(content_type) = content_type {
                request = request.header(header::CONTENT_TYPE, content_type);
            }
            let response = http
                .client
                .request(request.body(Full::new(Bytes::from(body.to_owned())))?)
                .await?;
            assert_eq!(
                response.status(),
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "{path} {content_type:?}"
            );
            let reply: Value =
                serde_json::from_slice(&response.into_body().collect().await?.to_bytes())?;
            assert_eq!(reply["code"], "unsupported_media_type", "{reply}");
        }
    }
    for content_type in ["application/json; charset=utf-8", "application/merge+json"] {
        let (status, bytes) = http
            .send(
                Method::POST,
                "/authorize",
                &[("content-type", content_type)],
                ALICE_READS_DEAL,
            )
            .await?;
        assert_eq!(
            status,
            StatusCode::OK,
            "{}",
            String::from_utf8_lossy(&bytes)
        );
    }
    Ok(())
}

/// Every error is JSON with a stable code: 404, 405 (keeping `Allow`), 414, and the 413 and
/// 415 of the tests above.
#[tokio::test]
async fn every_error_is_json_with_a_code() -> TestResult {
    let http = start(app(OLD_MODEL)?).await?;
    let long = format!("/users/{}/effective-access", "u".repeat(9000));
    let cases = [
        (Method::GET, "/nowhere", StatusCode::NOT_FOUND, "not_found"),
        (
            Method::GET,
            "/authorize",
            StatusCode::METHOD_NOT_ALLOWED,
            "method_not_allowed",
        ),
        (
            Method::DELETE,
            "/model",
            StatusCode::METHOD_NOT_ALLOWED,
            "method_not_allowed",
        ),
        (
            Method::POST,
            "/health",
            StatusCode::METHOD_NOT_ALLOWED,
            "method_not_allowed",
        ),
        (Method::GET, &long, StatusCode::URI_TOO_LONG, "uri_too_long"),
        (
            Method::GET,
            "/users/%FF/effective-access",
            StatusCode::BAD_REQUEST,
            "bad_request",
        ),
    ];
    for (method, path, status, code) in cases {
        let response = http
            .client
            .request(
                axum::http::Request::builder()
                    .method(method.clone())
                    .uri(format!("{}{path}", http.base))
                    .body(Full::new(Bytes::new()))?,
            )
            .await?;
        assert_eq!(
            response.status(),
            status,
            "{method} {}",
            &path[..path.len().min(40)]
        );
        assert_eq!(
            response.headers()[header::CONTENT_TYPE],
            "application/json",
            "{method} {path}"
        );
        if status == StatusCode::METHOD_NOT_ALLOWED {
            assert!(
                response.headers().contains_key(header::ALLOW),
                "{method} {path}"
            );
        }
        let reply: Value =
            serde_json::from_slice(&response.into_body().collect().await?.to_bytes())?;
        assert_eq!(reply["code"], code, "{reply}");
        assert!(!error_message(&reply).is_empty(), "{reply}");
    }
    Ok(())
}

/// `GET /health` is 200 JSON with the model generation, which counts accepted swaps only.
#[tokio::test]
async fn health_reports_the_model_generation() -> TestResult {
    let http = start(app(OLD_MODEL)?).await?;
    let (status, reply) = http.json(Method::GET, "/health", "").await?;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        reply,
        serde_json::json!({"status": "ok", "model_generation": 0, "systems": ["dataverse"]})
    );
    http.upload("{\"dataverse\": ").await?;
    http.upload(r#"{"flows": {}}"#).await?;
    let (_, reply) = http.json(Method::GET, "/health", "").await?;
    assert_eq!(reply["model_generation"], 1);
    assert_eq!(reply["systems"], serde_json::json!(["flows"]));
    Ok(())
}

/// The service binary, started as a real process on a free port and stopped with SIGTERM.
struct Process {
    child: std::process::Child,
    lines: std::sync::mpsc::Receiver<String>,
    public: Http,
    admin: Option<Http>,
}

/// A client for a server at `addr`.
fn client(addr: std::net::SocketAddr) -> Http {
    Http {
        client: Client::builder(TokioExecutor::new()).build_http(),
        base: format!("http://{addr}"),
        addr,
    }
}

/// Writes `contents` to a new file under the target's scratch directory.
fn scratch_file(name: &str, contents: &str) -> TestResult<std::path::PathBuf> {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let path = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!(
        "accessgate-service-{}-{n}-{name}",
        std::process::id()
    ));
    std::fs::write(&path, contents)?;
    Ok(path)
}

/// The address after `http://` in a line the binary printed, up to the `;`.
fn printed_addr(line: &str) -> TestResult<std::net::SocketAddr> {
    let rest = line.split_once("http://").ok_or("no address")?.1;
    Ok(rest.split(';').next().unwrap_or_default().parse()?)
}

impl Process {
    /// Starts the binary on `model` with `args`, the environment cleared of `ACCESSGATE_*`
    /// variables but for `env`, and waits until it listens.
    fn start(model: &str, args: &[&str], env: &[(&str, &str)]) -> TestResult<Process> {
        let path = scratch_file("model.json", model)?;
        let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_accessgate-service"));
        for (name, _) in std::env::vars() {
            if name.starts_with("ACCESSGATE_") {
                command.env_remove(name);
            }
        }
        command
            .arg(&path)
            .args(args)
            .env("ACCESSGATE_ADDR", "127.0.0.1:0")
            .envs(env.iter().copied())
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped());
        let mut child = command.spawn()?;
        let stderr = child.stderr.take().ok_or("no stderr")?;
        let (send, lines) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            use std::io::BufRead;
            for line in std::io::BufReader::new(stderr).lines() {
                let Ok(line) = line else { break };
                if send.send(line).is_err() {
                    break;
                }
            }
        });
        let wants_admin = env.iter().any(|(name, _)| *name == "ACCESSGATE_ADMIN_ADDR");
        let (mut public, mut admin) = (None, None);
        while public.is_none() || (wants_admin && admin.is_none()) {
            let line = lines.recv_timeout(Duration::from_secs(30))?;
            if line.contains(": serving `") {
                public = Some(client(printed_addr(&line)?));
            } else if line.contains(": admin listener on ") {
                admin = Some(client(printed_addr(&line)?));
            } else {
                return Err(format!("unexpected output: {line}").into());
            }
        }
        Ok(Process {
            child,
            lines,
            public: public.ok_or("no address")?,
            admin,
        })
    }

    /// Sends SIGTERM, as a service manager would.
    fn terminate(&self) -> TestResult {
        let status = std::process::Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()?;
        assert!(status.success());
        Ok(())
    }

    /// Waits at most `within` for the process to exit; its status.
    fn wait(&mut self, within: Duration) -> TestResult<std::process::ExitStatus> {
        let deadline = Instant::now() + within;
        loop {
            if let Some(status) = self.child.try_wait()? {
                return Ok(status);
            }
            if Instant::now() > deadline {
                return Err("the service did not exit".into());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// SIGTERM while a request is in flight: the listener closes (new connections are refused),
/// the request is still answered, and the process exits 0.
#[tokio::test]
async fn sigterm_finishes_the_request_in_flight_and_exits_0() -> TestResult {
    let mut process = Process::start(OLD_MODEL, &[], &[])?;
    let addr = process.public.addr;
    let mut stream = TcpStream::connect(addr).await?;
    let (first, rest) = ALICE_READS_DEAL.split_at(20);
    let headers = head(
        "POST",
        "/authorize",
        &format!(
            "content-type: application/json\r\ncontent-length: {}\r\n",
            ALICE_READS_DEAL.len()
        ),
    );
    stream
        .write_all(format!("{headers}{first}").as_bytes())
        .await?;
    tokio::time::sleep(Duration::from_millis(300)).await;

    process.terminate()?;
    let line = process.lines.recv_timeout(Duration::from_secs(10))?;
    assert!(line.contains("shutting down"), "{line}");
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(
        TcpStream::connect(addr).await.is_err(),
        "a new connection was accepted during shutdown"
    );
    assert!(
        process.child.try_wait()?.is_none(),
        "exited with a request in flight"
    );

    stream.write_all(rest.as_bytes()).await?;
    let (response, closed) = read_to_close(&mut stream, Duration::from_secs(10)).await;
    assert!(closed);
    let (status, body) = parse_raw(&response);
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&response));
    assert_eq!(body["decision"], "allow");

    let status = process.wait(Duration::from_secs(10))?;
    assert!(status.success(), "{status}");
    Ok(())
}

/// The binary's credentials: with a token file, `POST /model` needs the token; with an admin
/// listener and no token, only the admin listener takes updates; with neither, none are
/// taken. A token too short to resist guessing stops the start.
#[tokio::test]
async fn binary_takes_model_updates_by_token_or_on_the_admin_listener_only() -> TestResult {
    let token_file = scratch_file("token", &format!("{TOKEN}\n"))?;
    let token_file = token_file.to_str().ok_or("path")?;
    let process = Process::start(OLD_MODEL, &["--admin-token-file", token_file], &[])?;
    let http = &process.public;
    let (status, _) = http.send(Method::POST, "/model", &[], NEW_MODEL).await?;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, reply) = http.upload(NEW_MODEL).await?;
    assert_eq!(status, StatusCode::OK, "{reply}");
    process.terminate()?;
    drop(process);

    let process = Process::start(OLD_MODEL, &[], &[("ACCESSGATE_ADMIN_ADDR", "127.0.0.1:0")])?;
    let (status, bytes) = process
        .public
        .send(Method::POST, "/model", &[], NEW_MODEL)
        .await?;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(
        serde_json::from_slice::<Value>(&bytes)?["code"],
        "model_updates_disabled"
    );
    let admin = process.admin.as_ref().ok_or("no admin listener")?;
    let (status, _) = admin.send(Method::POST, "/model", &[], NEW_MODEL).await?;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        process.public.authorize(ALICE_READS_DEAL).await?.decision,
        Decision::Deny
    );
    drop(process);

    let process = Process::start(OLD_MODEL, &[], &[])?;
    let (status, _) = process.public.upload(NEW_MODEL).await?;
    assert_eq!(status, StatusCode::FORBIDDEN);
    drop(process);

    match Process::start(OLD_MODEL, &[], &[("ACCESSGATE_ADMIN_TOKEN", "short")]) {
        Ok(_) => panic!("started with a 5-byte token"),
        Err(e) => assert!(e.to_string().contains("admin token has 5 bytes"), "{e}"),
    }
    Ok(())
}

/// The value at `permille`/1000 of sorted `samples`.
fn percentile(samples: &[Duration], permille: usize) -> Duration {
    let index = samples.len().saturating_sub(1) * permille / 1000;
    samples.get(index).copied().unwrap_or_default()
}

/// Load on loopback: 20,000 `POST /authorize` (or `ACCESSGATE_LOAD_REQUESTS`) from 32
/// concurrent clients while 50 model updates arrive, spread over the run: good models with the
/// token (alternating the old and the new model), bad ones with the token, and updates without
/// the token or with a wrong one. No request fails, every answer is exactly the old model's or
/// the new model's, every unauthenticated update is refused and changes nothing, every bad one
/// is refused, and the model served at the end is the last accepted. Prints p50 and p99.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn load_authorize_during_fifty_model_updates() -> TestResult {
    const CLIENTS: usize = 32;
    const UPDATES: usize = 50;
    let total: usize = std::env::var("ACCESSGATE_LOAD_REQUESTS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(20_000);
    let old = expected(&parse_model(OLD_MODEL.as_bytes())?, ALICE_READS_DEAL)?;
    let new = expected(&parse_model(NEW_MODEL.as_bytes())?, ALICE_READS_DEAL)?;
    let shared = SharedPolicy::new(parse_model(OLD_MODEL.as_bytes())?);
    let http = start(router_with(shared.clone(), with_token())).await?;

    let claimed = Arc::new(AtomicUsize::new(0));
    let answered = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let mut clients = Vec::new();
    for _ in 0..CLIENTS {
        let (http, claimed, answered) = (http.clone(), claimed.clone(), answered.clone());
        let (old, new) = (old.clone(), new.clone());
        clients.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            while claimed.fetch_add(1, Ordering::Relaxed) < total {
                let sent = Instant::now();
                let answer = http.authorize(ALICE_READS_DEAL).await?;
                latencies.push(sent.elapsed());
                assert!(answer == old || answer == new, "a mixed answer: {answer:?}");
                answered.fetch_add(1, Ordering::Relaxed);
            }
            TestResult::Ok(latencies)
        }));
    }

    let bearer = format!("Bearer {TOKEN}");
    let wrong = format!("Bearer {TOKEN}-not");
    let mut serving_new = false;
    let (mut accepted, mut refused_bad, mut refused_unauthenticated) = (0, 0, 0);
    for i in 0..UPDATES {
        // Spread the updates over the run.
        while answered.load(Ordering::Relaxed) < (i + 1) * total / (UPDATES + 2) {
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        let good = if serving_new { OLD_MODEL } else { NEW_MODEL };
        let bad = [
            "{\"dataverse\": ",
            r#"{"dataverse": {"business_units": [{"id": "a", "parent": "b"}]}}"#,
        ][(i / 4) % 2];
        let generation = shared.generation();
        let (headers, model, want): (&[(&str, &str)], &str, StatusCode) = match i % 4 {
            0 => (&[("authorization", &bearer)], good, StatusCode::OK),
            1 => (&[("authorization", &bearer)], bad, StatusCode::BAD_REQUEST),
            2 => (&[], good, StatusCode::UNAUTHORIZED),
            _ => (&[("authorization", &wrong)], good, StatusCode::UNAUTHORIZED),
        };
        let (status, bytes) = http.send(Method::POST, "/model", headers, model).await?;
        assert_eq!(
            status,
            want,
            "update {i}: {}",
            String::from_utf8_lossy(&bytes)
        );
        match status {
            StatusCode::OK => {
                serving_new = !serving_new;
                accepted += 1;
                assert_eq!(shared.generation(), generation + 1);
            }
            StatusCode::BAD_REQUEST => {
                refused_bad += 1;
                assert_eq!(shared.generation(), generation);
            }
            _ => {
                refused_unauthenticated += 1;
                assert_eq!(
                    shared.generation(),
                    generation,
                    "an unauthenticated update applied"
                );
            }
        }
        let now = http.authorize(ALICE_READS_DEAL).await?;
        assert_eq!(
            now,
            if serving_new {
                new.clone()
            } else {
                old.clone()
            },
            "update {i}"
        );
    }

    let mut latencies = Vec::with_capacity(total);
    for client in clients {
        latencies.extend(client.await??);
    }
    let elapsed = started.elapsed();
    assert_eq!(latencies.len(), total);
    assert_eq!(
        (accepted, refused_bad, refused_unauthenticated),
        (13, 13, 24)
    );
    latencies.sort_unstable();
    eprintln!(
        "load: {total} requests, {CLIENTS} clients, {UPDATES} updates in {elapsed:?}: \
         p50 {:?}, p99 {:?}, max {:?}",
        percentile(&latencies, 500),
        percentile(&latencies, 990),
        latencies.last().copied().unwrap_or_default()
    );
    Ok(())
}
