//! The service over real HTTP on a loopback port: decisions, errors, model swaps under load, and
//! the tower layer in front of a dummy handler.

#![allow(clippy::unwrap_used, reason = "tests fail loudly")]

use std::error::Error;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use accessgate::scenario::Scenario;
use accessgate::{Decision, Policy, Privilege, Request};
use accessgate_service::{parse_model, router, Answer, AuthorizeLayer, SharedPolicy, Unmapped};
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

/// Serves `app` on 127.0.0.1, on a port the OS picks, until the test's runtime ends.
async fn serve(app: Router) -> TestResult<Http> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    tokio::spawn(async move { axum::serve(listener, app).await });
    Ok(Http {
        client: Client::builder(TokioExecutor::new()).build_http(),
        base: format!("http://{addr}"),
    })
}

/// A real HTTP/1.1 client (hyper) pointed at one server.
#[derive(Clone)]
struct Http {
    client: Client<HttpConnector, Full<Bytes>>,
    base: String,
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
    let http = serve(router(SharedPolicy::new(parse_model(text.as_bytes())?))).await?;

    let (mut allowed, mut denied) = (0, 0);
    for case in &scenario.cases {
        let body = serde_json::to_string(&case.request)?;
        let answer = http.authorize(&body).await?;
        assert_eq!(answer.decision, case.expect, "{}", case.name);
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
    let http = serve(router(SharedPolicy::new(parse_model(
        OLD_MODEL.as_bytes(),
    )?)))
    .await?;
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
    let http = serve(router(SharedPolicy::new(parse_model(
        OLD_MODEL.as_bytes(),
    )?)))
    .await?;
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
        let (status, reply) = http.json(Method::POST, "/model", model).await?;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{model}: {reply}");
        let message = error_message(&reply);
        assert!(message.contains(needle), "{model}: {message}");
        assert!(
            message.ends_with("; the previous model is still served"),
            "{message}"
        );
        assert_eq!(http.authorize(ALICE_READS_DEAL).await?, before);
    }

    let (status, reply) = http.json(Method::POST, "/model", NEW_MODEL).await?;
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

    let http = serve(router(SharedPolicy::new(parse_model(
        OLD_MODEL.as_bytes(),
    )?)))
    .await?;
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
    let (status, reply) = http.json(Method::POST, "/model", NEW_MODEL).await?;
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
    let http = serve(router(SharedPolicy::new(parse_model(
        OLD_MODEL.as_bytes(),
    )?)))
    .await?;
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
        accessgate::dataverse::DataverseRequest::Record(accessgate::dataverse::RecordQuery {
            user: user.to_owned(),
            privilege: Privilege::READ,
            record: record.into(),
        }),
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
    let http = serve(gated_app(shared.clone(), Unmapped::Deny, calls.clone())).await?;

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
    let http = serve(gated_app(shared, Unmapped::Pass, calls.clone())).await?;

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
    let http = serve(router(shared.clone())).await?;

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
