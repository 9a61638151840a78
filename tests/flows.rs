//! Public-API tests of flow execution permissions: build errors, every resolution rule of
//! `flows.md` both ways, the options on both sides, call chains, explanations and the
//! `authorize()` seam.

#![allow(clippy::panic, reason = "test helpers fail the test by panicking")]

use std::error::Error;
use std::path::Path;

use accessgate::flows::*;
use accessgate::scenario::Scenario;
use accessgate::{authorize, Decision, PolicyDocument, Request};

type TestResult = Result<(), Box<dyn Error>>;

/// Builds `model`, panicking with the error if it does not build.
fn build(model: &FlowModel) -> FlowPolicy {
    match model.build() {
        Ok(p) => p,
        Err(e) => panic!("the model should build: {e}"),
    }
}

/// The reason code of `request` against `model`.
fn code(model: &FlowModel, request: &FlowRequest) -> &'static str {
    build(model).check(request).code()
}

/// Custom roles `Sales` and `Finance`; `alice` (Sales), `bob` (Sales, Finance), `carol` (none);
/// the classic keys; flow `f` with every cell inherited.
fn base() -> FlowModel {
    let mut m = FlowModel::default();
    m.roles = vec!["Sales".into(), "Finance".into()];
    m.users.push(UserDef::new("alice").with_roles(&["Sales"]));
    m.users
        .push(UserDef::new("bob").with_roles(&["Sales", "Finance"]));
    m.users.push(UserDef::new("carol"));
    m.keys = KeyDef::classic();
    m.flows.push(FlowDef::new("f"));
    m
}

/// `base()` with flow `f` replaced by `flow`.
fn with_flow(flow: FlowDef) -> FlowModel {
    let mut m = base();
    m.flows = vec![flow];
    m
}

fn error_of(change: impl FnOnce(&mut FlowModel)) -> FlowModelError {
    let mut m = base();
    change(&mut m);
    match m.build() {
        Ok(_) => panic!("the model should not build"),
        Err(e) => e,
    }
}

// ---------------------------------------------------------------------------------------------
// Scenario files

/// Every case of every `flows_*.json` file passes, cites an FR rule id, pins its reason code and
/// explains itself starting with "allowed: " or "denied: " as its decision says.
#[test]
fn flow_scenario_files_pass() -> TestResult {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/scenarios");
    let mut files: Vec<_> = std::fs::read_dir(dir)?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("flows_") && n.ends_with(".json"))
        })
        .collect();
    files.sort();
    assert!(
        files.len() >= 3,
        "flow scenario files are missing: {files:?}"
    );
    let mut total = 0;
    let mut failures = Vec::new();
    for file in &files {
        let scenario: Scenario = serde_json::from_str(&std::fs::read_to_string(file)?)
            .map_err(|e| format!("{}: {e}", file.display()))?;
        let report = scenario
            .run()
            .map_err(|e| format!("{}: {e}", file.display()))?;
        for (case, o) in scenario.cases.iter().zip(&report.outcomes) {
            total += 1;
            assert!(
                matches!(case.request, Request::Flow(_)),
                "case `{}` is not a flow request",
                o.name
            );
            assert!(
                !o.rules.is_empty() && o.rules.iter().all(|r| r.starts_with("FR-R")),
                "case `{}` must cite FR rule ids",
                o.name
            );
            assert!(
                o.expected_reason.is_some(),
                "case `{}` must pin its reason",
                o.name
            );
            let prefix = match o.response.decision() {
                Decision::Allow => "allowed: ",
                Decision::Deny => "denied: ",
            };
            assert!(
                o.explanation.starts_with(prefix),
                "case `{}`: {}",
                o.name,
                o.explanation
            );
            if !o.passed() {
                failures.push(format!(
                    "{}: `{}` expected {}, got {} ({}): {}",
                    file.display(),
                    o.name,
                    o.expectation(),
                    o.response.decision(),
                    o.response.code(),
                    o.explanation
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(total >= 30, "only {total} flow scenario cases");
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Requests as JSON

/// A flow request is the `"kind": "flow"` variant of `Request`, flat, with defaults omitted.
#[test]
fn flow_request_round_trips_inside_request() -> TestResult {
    let json = r#"{"kind":"flow","flow":"c","user":"alice","key":"js","call_chain":["a","b"]}"#;
    let request: Request = serde_json::from_str(json)?;
    let expected = FlowRequest::user("c", "alice")
        .with_key("js")
        .called_from(&["a", "b"]);
    assert_eq!(request, Request::Flow(expected.clone()));
    assert_eq!(serde_json::to_string(&request)?, json);

    let minimal: Request = serde_json::from_str(r#"{"kind":"flow","flow":"x"}"#)?;
    assert_eq!(minimal, Request::Flow(FlowRequest::anonymous("x")));

    let scheduled: Request =
        serde_json::from_str(r#"{"kind":"flow","flow":"x","start":"schedule"}"#)?;
    assert_eq!(
        scheduled,
        Request::Flow(FlowRequest::started_by("x", Start::Schedule))
    );
    Ok(())
}

/// Misspelt fields and values are rejected rather than ignored.
#[test]
fn flow_request_rejects_unknown_fields() {
    for json in [
        r#"{"kind":"flow","flow":"x","caller":"alice"}"#,
        r#"{"kind":"flow","flow":"x","start":"cron"}"#,
        r#"{"kind":"flow"}"#,
    ] {
        assert!(
            serde_json::from_str::<Request>(json).is_err(),
            "{json} should not parse"
        );
    }
}

/// The model document reads the documented JSON shape, and rejects unknown fields and states.
#[test]
fn model_document_shape() -> TestResult {
    let model: FlowModel = serde_json::from_str(
        r#"{
          "options": {"role_levels": "combined", "max_call_depth": 2},
          "roles": ["Sales"],
          "users": [{"id": "alice", "roles": ["Sales"], "login": "twitter"}],
          "keys": [{"id": "js", "roles": ["JSUser"]}],
          "flows": [{"id": "f", "live": false, "users": {"alice": "grant"}, "roles": {"Sales": "deny"}}],
          "app_wide_roles": {"Sales": "grant"}
        }"#,
    )?;
    assert_eq!(model.options.role_levels, RoleLevels::Combined);
    assert_eq!(model.options.max_call_depth, 2);
    assert_eq!(model.options.call_identity, CallIdentity::PropagateCaller);
    assert_eq!(model.users[0].login, Login::Twitter);
    assert!(!model.flows[0].live);
    assert_eq!(
        model.flows[0].users.iter().collect::<Vec<_>>(),
        vec![("alice", Permission::Grant)]
    );
    let back: FlowModel = serde_json::from_str(&serde_json::to_string(&model)?)?;
    assert_eq!(back, model);

    for bad in [
        r#"{"flow": []}"#,
        r#"{"flows": [{"id": "f", "users": {"alice": "allow"}}]}"#,
        r#"{"options": {"role_levels": "merged"}}"#,
        r#"{"flows": [{"id": "f", "state": "live"}]}"#,
    ] {
        assert!(serde_json::from_str::<FlowModel>(bad).is_err(), "{bad}");
    }
    Ok(())
}

/// A key written twice in one JSON permission tab is kept, so the build can reject it.
#[test]
fn json_duplicate_permission_keys_are_rejected() -> TestResult {
    let model: FlowModel = serde_json::from_str(
        r#"{"users": [{"id": "alice"}],
            "flows": [{"id": "f", "users": {"alice": "deny", "alice": "grant"}}]}"#,
    )?;
    assert_eq!(
        model.build().err(),
        Some(FlowModelError::DuplicateReference {
            kind: FlowEntity::User,
            id: "alice".into(),
            referrer: "flow `f`".into()
        })
    );
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Build errors

/// The base model builds; each bad input fails with the precise error and message.
#[test]
fn bad_models_fail_with_precise_errors() {
    assert!(base().build().is_ok());
    let cases: Vec<(FlowModelError, &str)> = vec![
        (
            error_of(|m| m.flows.push(FlowDef::new(""))),
            "a flow has an empty id",
        ),
        (
            error_of(|m| m.users.push(UserDef::new(""))),
            "a user has an empty id",
        ),
        (
            error_of(|m| m.roles.push(String::new())),
            "a role has an empty id",
        ),
        (
            error_of(|m| m.keys.push(KeyDef::new("", &[]))),
            "a key has an empty id",
        ),
        (
            error_of(|m| m.flows.push(FlowDef::new("f"))),
            "flow `f` is defined twice",
        ),
        (
            error_of(|m| m.users.push(UserDef::new("alice"))),
            "user `alice` is defined twice",
        ),
        (
            error_of(|m| m.roles.push("Sales".into())),
            "role `Sales` is defined twice",
        ),
        (
            error_of(|m| m.keys.push(KeyDef::new("js", &["RestUser"]))),
            "key `js` is defined twice",
        ),
        (
            error_of(|m| m.roles.push("AuthenticatedUser".into())),
            "custom role `AuthenticatedUser` has the name of a system role; system roles exist without being listed",
        ),
        (
            error_of(|m| m.roles.push("NonAuthenticatedUser".into())),
            "custom role `NonAuthenticatedUser` has the name of a system role; system roles exist without being listed",
        ),
        (
            error_of(|m| m.flows.push(FlowDef::new("g").user("mallory", Permission::Grant))),
            "flow `g` names user `mallory`, which does not exist",
        ),
        (
            error_of(|m| m.flows.push(FlowDef::new("g").role("Admins", Permission::Deny))),
            "flow `g` names role `Admins`, which does not exist",
        ),
        (
            error_of(|m| m.users.push(UserDef::new("dan").with_roles(&["Admins"]))),
            "user `dan` names role `Admins`, which does not exist",
        ),
        (
            error_of(|m| m.keys.push(KeyDef::new("generic", &["Admins"]))),
            "key `generic` names role `Admins`, which does not exist",
        ),
        (
            error_of(|m| m.app_wide_roles.push("Admins", Permission::Deny)),
            "the app-wide role permissions names role `Admins`, which does not exist",
        ),
        (
            error_of(|m| m.users.push(UserDef::new("dan").with_roles(&["AuthenticatedUser"]))),
            "user `dan` lists system role `AuthenticatedUser`; system roles are assigned per request, list only custom roles",
        ),
        (
            error_of(|m| m.users.push(UserDef::new("dan").with_roles(&["Sales", "Sales"]))),
            "user `dan` names role `Sales` twice",
        ),
        (
            error_of(|m| m.keys.push(KeyDef::new("k", &["JSUser", "JSUser"]))),
            "key `k` names role `JSUser` twice",
        ),
        (
            error_of(|m| {
                m.flows.push(
                    FlowDef::new("g")
                        .user("alice", Permission::Grant)
                        .user("alice", Permission::Deny),
                )
            }),
            "flow `g` names user `alice` twice",
        ),
        (
            error_of(|m| {
                m.flows.push(
                    FlowDef::new("g")
                        .role("Sales", Permission::Grant)
                        .role("Sales", Permission::Inherit),
                )
            }),
            "flow `g` names role `Sales` twice",
        ),
        (
            error_of(|m| {
                m.flows.push(
                    FlowDef::new("g")
                        .role("NotAuthenticatedUser", Permission::Deny)
                        .role("NonAuthenticatedUser", Permission::Grant),
                )
            }),
            "flow `g` names role `NonAuthenticatedUser` twice",
        ),
        (
            error_of(|m| {
                m.app_wide_roles.push("JSUser", Permission::Deny);
                m.app_wide_roles.push("JSUser", Permission::Grant);
            }),
            "the app-wide role permissions names role `JSUser` twice",
        ),
    ];
    for (error, message) in cases {
        assert_eq!(error.to_string(), message);
    }
}

/// The structured fields of the errors name the offending ids.
#[test]
fn errors_carry_the_ids() {
    assert_eq!(
        error_of(|m| m.flows.push(FlowDef::new("f"))),
        FlowModelError::DuplicateId {
            kind: FlowEntity::Flow,
            id: "f".into()
        }
    );
    assert_eq!(
        error_of(|m| m
            .flows
            .push(FlowDef::new("g").user("mallory", Permission::Grant))),
        FlowModelError::UnknownReference {
            kind: FlowEntity::User,
            id: "mallory".into(),
            referrer: "flow `g`".into()
        }
    );
    assert_eq!(
        error_of(|m| m.users.push(UserDef::new("dan").with_roles(&["GuestUser"]))),
        FlowModelError::SystemRoleOnUser {
            user: "dan".into(),
            role: "GuestUser".into()
        }
    );
    assert_eq!(
        error_of(|m| m.flows.push(FlowDef::new(""))),
        FlowModelError::EmptyId {
            kind: FlowEntity::Flow
        }
    );
}

/// An empty model builds and every system role exists in it.
#[test]
fn empty_model_has_the_system_roles() {
    let policy = build(&FlowModel::default());
    assert_eq!(policy.role_count(), 14);
    assert_eq!(policy.flow_count(), 0);
    for role in SystemRole::ALL {
        assert_eq!(policy.role_id(role.name()), Some(RoleId::system(role)));
        assert_eq!(RoleId::system(role).as_system(), Some(role));
    }
    assert_eq!(
        policy.check(&FlowRequest::anonymous("x")).code(),
        "unknown_flow"
    );
    let m = base();
    let p = build(&m);
    assert_eq!(p.role_count(), 16);
    assert_eq!(p.user_count(), 3);
    let sales = p.role_id("Sales");
    assert_eq!(sales.map(|r| r.as_system()), Some(None));
    assert_eq!(sales.map(|r| p.role_name(r)), Some("Sales"));
    assert_eq!(p.flow_id("f").and_then(|f| p.is_live(f)), Some(true));
}

// ---------------------------------------------------------------------------------------------
// Resolution rules, each both ways

/// FR-R16: with nothing set, every kind of caller is granted, by the inherited cell.
#[test]
fn nothing_set_grants_every_caller() {
    let m = base();
    for request in [
        FlowRequest::anonymous("f"),
        FlowRequest::user("f", "alice"),
        FlowRequest::user("f", "bob").with_key("android"),
        FlowRequest::anonymous("f").with_key("coderunner"),
        FlowRequest::started_by("f", Start::Schedule),
        FlowRequest::anonymous("f").called_from(&["f2"]),
    ] {
        let mut m = m.clone();
        m.flows.push(FlowDef::new("f2"));
        let c = code(&m, &request);
        assert!(
            c == "inherited_grant" || c == "unchecked_start",
            "{request:?}: {c}"
        );
    }
}

/// FR-R19: an explicit user grant beats a role deny; an explicit user deny beats a role grant.
#[test]
fn user_level_beats_role_level_both_ways() {
    let grant = with_flow(
        FlowDef::new("f")
            .user("alice", Permission::Grant)
            .role("Sales", Permission::Deny)
            .role("AuthenticatedUser", Permission::Deny),
    );
    assert_eq!(code(&grant, &FlowRequest::user("f", "alice")), "user_grant");
    assert_eq!(
        code(&grant, &FlowRequest::user("f", "bob")),
        "custom_role_deny"
    );
    let deny = with_flow(
        FlowDef::new("f")
            .user("alice", Permission::Deny)
            .role("Sales", Permission::Grant)
            .role("AuthenticatedUser", Permission::Grant),
    );
    assert_eq!(code(&deny, &FlowRequest::user("f", "alice")), "user_deny");
    assert_eq!(
        code(&deny, &FlowRequest::user("f", "bob")),
        "custom_role_grant"
    );
}

/// FR-R21: an inherited user cell passes to the role level, which decides either way.
#[test]
fn inherited_user_cell_passes_to_roles() {
    for (role, expected) in [
        (Permission::Deny, "custom_role_deny"),
        (Permission::Grant, "custom_role_grant"),
        (Permission::Inherit, "inherited_grant"),
    ] {
        let m = with_flow(
            FlowDef::new("f")
                .user("alice", Permission::Inherit)
                .role("Sales", role),
        );
        assert_eq!(code(&m, &FlowRequest::user("f", "alice")), expected);
    }
}

/// FR-R20: deny wins among the roles of one level, for custom and for system roles; the
/// reported role is the denying one.
#[test]
fn deny_wins_within_a_level() {
    let m = with_flow(
        FlowDef::new("f")
            .role("Sales", Permission::Grant)
            .role("Finance", Permission::Deny),
    );
    let p = build(&m);
    let bob = p.check(&FlowRequest::user("f", "bob"));
    assert_eq!(bob.code(), "custom_role_deny");
    let FlowReason::Role { role, level, .. } = bob else {
        panic!("expected a role reason, got {bob:?}")
    };
    assert_eq!((p.role_name(role), level), ("Finance", RoleLevel::Custom));
    assert_eq!(
        p.check(&FlowRequest::user("f", "alice")).code(),
        "custom_role_grant"
    );

    // S9's example, both ways round.
    for (authenticated, android) in [
        (Permission::Grant, Permission::Deny),
        (Permission::Deny, Permission::Grant),
    ] {
        let m = with_flow(
            FlowDef::new("f")
                .role("AuthenticatedUser", authenticated)
                .role("AndroidUser", android),
        );
        assert_eq!(
            code(&m, &FlowRequest::user("f", "carol").with_key("android")),
            "system_role_deny"
        );
        let ios = code(&m, &FlowRequest::user("f", "carol").with_key("ios"));
        let expected = match authenticated {
            Permission::Grant => "system_role_grant",
            _ => "system_role_deny",
        };
        assert_eq!(ios, expected);
    }
}

/// FR-R22 / `RoleLevels`: custom roles before system roles by default; one level when combined.
#[test]
fn role_levels_option_both_sides() {
    let flow = FlowDef::new("f")
        .role("AuthenticatedUser", Permission::Deny)
        .role("Sales", Permission::Grant);
    let separate = with_flow(flow.clone());
    assert_eq!(separate.options.role_levels, RoleLevels::Separate);
    assert_eq!(
        code(&separate, &FlowRequest::user("f", "alice")),
        "custom_role_grant"
    );
    let mut combined = with_flow(flow);
    combined.options.role_levels = RoleLevels::Combined;
    assert_eq!(
        code(&combined, &FlowRequest::user("f", "alice")),
        "system_role_deny"
    );

    // The other way round: a custom deny and a system grant deny under both readings.
    let flow = FlowDef::new("f")
        .role("AuthenticatedUser", Permission::Grant)
        .role("Sales", Permission::Deny);
    for levels in [RoleLevels::Separate, RoleLevels::Combined] {
        let mut m = with_flow(flow.clone());
        m.options.role_levels = levels;
        assert_eq!(
            code(&m, &FlowRequest::user("f", "alice")),
            "custom_role_deny"
        );
        assert_eq!(
            code(&m, &FlowRequest::user("f", "carol")),
            "system_role_grant"
        );
    }
}

/// FR-R23: a grant does not make an allow-list; denying the broad roles does.
#[test]
fn grant_is_not_an_allow_list() {
    let open = with_flow(FlowDef::new("f").role("Finance", Permission::Grant));
    assert_eq!(
        code(&open, &FlowRequest::user("f", "carol")),
        "inherited_grant"
    );
    let closed = with_flow(
        FlowDef::new("f")
            .role("Finance", Permission::Grant)
            .role("AuthenticatedUser", Permission::Deny)
            .role("NotAuthenticatedUser", Permission::Deny),
    );
    assert_eq!(
        code(&closed, &FlowRequest::user("f", "carol")),
        "system_role_deny"
    );
    assert_eq!(
        code(&closed, &FlowRequest::anonymous("f")),
        "system_role_deny"
    );
    assert_eq!(
        code(&closed, &FlowRequest::user("f", "bob")),
        "custom_role_grant"
    );
}

/// FR-R6, FR-R9, FR-R12: the authentication roles, and both spellings of the anonymous role.
#[test]
fn authentication_roles() {
    for spelling in ["NonAuthenticatedUser", "NotAuthenticatedUser"] {
        let m = with_flow(FlowDef::new("f").role(spelling, Permission::Deny));
        assert_eq!(code(&m, &FlowRequest::anonymous("f")), "system_role_deny");
        assert_eq!(
            code(&m, &FlowRequest::anonymous("f").with_key("js")),
            "system_role_deny"
        );
        assert_eq!(
            code(&m, &FlowRequest::user("f", "carol")),
            "inherited_grant"
        );
    }
    let m = with_flow(FlowDef::new("f").role("AuthenticatedUser", Permission::Deny));
    assert_eq!(
        code(&m, &FlowRequest::user("f", "carol")),
        "system_role_deny"
    );
    assert_eq!(code(&m, &FlowRequest::anonymous("f")), "inherited_grant");
}

/// FR-R6: each login gets its social roles and no others.
#[test]
fn login_roles() {
    let logins = [
        (Login::Password, None),
        (Login::Facebook, Some("FacebookUser")),
        (Login::GooglePlus, Some("GooglePlusUser")),
        (Login::Twitter, Some("TwitterUser")),
        (Login::Social, None),
    ];
    for (login, network) in logins {
        for role in [
            "SocialUser",
            "FacebookUser",
            "GooglePlusUser",
            "TwitterUser",
        ] {
            let mut m = with_flow(FlowDef::new("f").role(role, Permission::Deny));
            m.users.push(UserDef::new("u").with_login(login));
            let social = login != Login::Password;
            let expected = if (role == "SocialUser" && social) || network == Some(role) {
                "system_role_deny"
            } else {
                "inherited_grant"
            };
            assert_eq!(
                code(&m, &FlowRequest::user("f", "u")),
                expected,
                "{login:?} {role}"
            );
        }
    }
}

/// FR-R11 / `guest_is_authenticated`: a guest holds GuestUser, and AuthenticatedUser only when
/// the option says so; never NotAuthenticatedUser.
#[test]
fn guest_option_both_sides() {
    for (authenticated, expected) in [(true, "system_role_deny"), (false, "inherited_grant")] {
        let mut m = with_flow(FlowDef::new("f").role("AuthenticatedUser", Permission::Deny));
        m.options.guest_is_authenticated = authenticated;
        m.users.push(UserDef::new("g").with_login(Login::Guest));
        assert_eq!(code(&m, &FlowRequest::user("f", "g")), expected);
        m.flows = vec![FlowDef::new("f")
            .role("GuestUser", Permission::Deny)
            .role("AuthenticatedUser", Permission::Grant)];
        assert_eq!(code(&m, &FlowRequest::user("f", "g")), "system_role_deny");
        m.flows = vec![FlowDef::new("f").role("NotAuthenticatedUser", Permission::Deny)];
        assert_eq!(code(&m, &FlowRequest::user("f", "g")), "inherited_grant");
    }
}

/// FR-R7, FR-R13: a key adds exactly its roles, system or custom; no key adds none.
#[test]
fn key_roles() {
    let mut m = with_flow(
        FlowDef::new("f")
            .role("RestUser", Permission::Deny)
            .role("Finance", Permission::Deny),
    );
    m.keys.push(KeyDef::new("generic", &["Finance"]));
    assert_eq!(
        code(&m, &FlowRequest::anonymous("f").with_key("rest")),
        "system_role_deny"
    );
    assert_eq!(
        code(&m, &FlowRequest::anonymous("f").with_key("js")),
        "inherited_grant"
    );
    assert_eq!(code(&m, &FlowRequest::anonymous("f")), "inherited_grant");
    assert_eq!(
        code(&m, &FlowRequest::user("f", "alice").with_key("generic")),
        "custom_role_deny"
    );
    assert_eq!(
        code(&m, &FlowRequest::user("f", "alice").with_key("nope")),
        "unknown_key"
    );
}

/// FR-R10, FR-R10a: server code without a user is ServerCodeUser and not NotAuthenticatedUser;
/// with a user it keeps the user's roles and adds ServerCodeUser.
#[test]
fn server_code_roles() {
    let m = with_flow(FlowDef::new("f").role("NotAuthenticatedUser", Permission::Deny));
    assert_eq!(
        code(&m, &FlowRequest::anonymous("f").with_key("coderunner")),
        "inherited_grant"
    );
    let m = with_flow(FlowDef::new("f").role("ServerCodeUser", Permission::Deny));
    assert_eq!(
        code(&m, &FlowRequest::anonymous("f").with_key("coderunner")),
        "system_role_deny"
    );
    assert_eq!(
        code(&m, &FlowRequest::user("f", "alice").with_key("coderunner")),
        "system_role_deny"
    );
    assert_eq!(code(&m, &FlowRequest::anonymous("f")), "inherited_grant");
    let m = with_flow(
        FlowDef::new("f")
            .role("ServerCodeUser", Permission::Deny)
            .role("Sales", Permission::Grant),
    );
    assert_eq!(
        code(&m, &FlowRequest::user("f", "alice").with_key("coderunner")),
        "custom_role_grant"
    );
}

/// FR-R15, FR-R17, FR-R18: app-wide role cells decide only where the flow leaves the caller
/// inherited; flow-specific cells win both ways.
#[test]
fn app_wide_level() {
    let mut m = base();
    m.flows = vec![
        FlowDef::new("f"),
        FlowDef::new("g").role("Sales", Permission::Grant),
        FlowDef::new("h").role("AuthenticatedUser", Permission::Deny),
    ];
    m.app_wide_roles.push("Sales", Permission::Deny);
    m.app_wide_roles
        .push("AuthenticatedUser", Permission::Grant);
    assert_eq!(
        code(&m, &FlowRequest::user("f", "alice")),
        "app_wide_custom_role_deny"
    );
    assert_eq!(
        code(&m, &FlowRequest::user("f", "carol")),
        "app_wide_system_role_grant"
    );
    assert_eq!(
        code(&m, &FlowRequest::user("g", "alice")),
        "custom_role_grant"
    );
    assert_eq!(
        code(&m, &FlowRequest::user("h", "carol")),
        "system_role_deny"
    );
    assert_eq!(code(&m, &FlowRequest::anonymous("f")), "inherited_grant");
    m.app_wide_roles = Permissions::new();
    m.app_wide_roles
        .push("NotAuthenticatedUser", Permission::Deny);
    assert_eq!(
        code(&m, &FlowRequest::anonymous("f")),
        "app_wide_system_role_deny"
    );
}

/// FR-R28: a flow that is not LIVE fails before any permission, for every caller; LIVE flows
/// go on to the permission check.
#[test]
fn live_is_checked_first() {
    let m = with_flow(FlowDef::new("f").stopped().user("alice", Permission::Grant));
    for request in [
        FlowRequest::user("f", "alice"),
        FlowRequest::anonymous("f").with_key("coderunner"),
        FlowRequest::started_by("f", Start::Trigger),
    ] {
        assert_eq!(code(&m, &request), "not_live");
    }
    let m = with_flow(FlowDef::new("f").user("alice", Permission::Grant));
    assert_eq!(code(&m, &FlowRequest::user("f", "alice")), "user_grant");
}

// ---------------------------------------------------------------------------------------------
// Call chains

/// A model with flows `a`, `b`, `c` (c denies `AuthenticatedUser`, grants Sales) and `d`
/// (denies `NotAuthenticatedUser`).
fn chain_model() -> FlowModel {
    let mut m = base();
    m.flows = vec![
        FlowDef::new("a"),
        FlowDef::new("b"),
        FlowDef::new("c")
            .role("AuthenticatedUser", Permission::Deny)
            .role("Sales", Permission::Grant),
        FlowDef::new("d").role("NotAuthenticatedUser", Permission::Deny),
    ];
    m
}

/// FR-R24 … FR-R26: every link is checked; the reason names the failing link and its caller.
#[test]
fn chain_is_checked_link_by_link() {
    let mut m = chain_model();
    m.flows[0] = FlowDef::new("a").user("carol", Permission::Deny);
    let p = build(&m);

    let alice = p.check(&FlowRequest::user("c", "alice").called_from(&["a", "b"]));
    assert_eq!(alice.code(), "custom_role_grant");
    let link = alice.link();
    assert_eq!(link.map(|l| l.index), Some(2));
    assert_eq!(link.map(|l| l.via), p.flow_id("b").map(Via::CallFlow));
    assert_eq!(
        link.map(|l| l.principal),
        p.user_id("alice").map(Principal::User)
    );

    // carol fails at link 0, on `a`, before `c` is ever considered.
    let carol = p.check(&FlowRequest::user("c", "carol").called_from(&["a", "b"]));
    assert_eq!(carol.code(), "user_deny");
    assert_eq!(carol.link().map(|l| (l.index, l.via)), Some((0, Via::Api)));

    // bob passes `a` and `b`, and is allowed `c` through Sales.
    let bob = p.check(&FlowRequest::user("c", "bob").called_from(&["a", "b"]));
    assert_eq!(bob.code(), "custom_role_grant");
    // dan without Sales passes `a` and `b` but fails at link 2.
    let mut m2 = m.clone();
    m2.users.push(UserDef::new("dan"));
    let p2 = build(&m2);
    let dan = p2.check(&FlowRequest::user("c", "dan").called_from(&["a", "b"]));
    assert_eq!(dan.code(), "system_role_deny");
    assert_eq!(dan.link().map(|l| l.index), Some(2));
    assert_eq!(
        dan.explain(&p2).to_string(),
        "denied: system role `AuthenticatedUser` is explicitly denied flow `c` (deny wins among roles of one level), on link 2 (the Call Flow step of `b`, as user `dan`)"
    );
}

/// FR-R25 / `CallIdentity`: hops propagate the caller by default, or run as server context.
#[test]
fn call_identity_option_both_sides() {
    let propagate = chain_model();
    assert_eq!(
        code(&propagate, &FlowRequest::anonymous("d").called_from(&["a"])),
        "system_role_deny"
    );
    assert_eq!(
        code(
            &propagate,
            &FlowRequest::user("c", "alice").called_from(&["a"])
        ),
        "custom_role_grant"
    );
    let mut server = chain_model();
    server.options.call_identity = CallIdentity::ServerContext;
    let p = build(&server);
    let anon = p.check(&FlowRequest::anonymous("d").called_from(&["a"]));
    assert_eq!(anon.code(), "inherited_grant");
    assert_eq!(
        anon.link().map(|l| l.principal),
        Some(Principal::ServerContext)
    );
    // The user's Sales grant does not travel; server context is not AuthenticatedUser either.
    assert_eq!(
        p.check(&FlowRequest::user("c", "alice").called_from(&["a"]))
            .code(),
        "inherited_grant"
    );
    // The API start is still checked as the caller.
    assert_eq!(
        p.check(&FlowRequest::anonymous("d")).code(),
        "system_role_deny"
    );
}

/// FR-R27 / `Cycles`: a repeated flow is denied naming it and where it first ran; with
/// `depth_limited` recursion is checked like any call.
#[test]
fn cycles_option_both_sides() {
    let p = build(&chain_model());
    let r = p.check(&FlowRequest::user("a", "alice").called_from(&["a", "b"]));
    assert_eq!(r.code(), "call_cycle");
    let FlowReason::CallCycle { link, first } = r else {
        panic!("expected a cycle, got {r:?}")
    };
    assert_eq!((link.index, first), (2, 0));
    assert_eq!(p.flow_name(link.flow), "a");
    assert_eq!(
        r.explain(&p).to_string(),
        "denied: call cycle: flow `a` already runs at link 0 of the call chain, on link 2 (the Call Flow step of `b`, as user `alice`)"
    );

    let mut m = chain_model();
    m.options.cycles = Cycles::DepthLimited;
    let p = build(&m);
    assert_eq!(
        p.check(&FlowRequest::user("a", "alice").called_from(&["a", "b"]))
            .code(),
        "inherited_grant"
    );
    // Recursion into a flow that denies the caller is still denied on that link.
    assert_eq!(
        p.check(&FlowRequest::anonymous("d").called_from(&["d"]))
            .code(),
        "system_role_deny"
    );
}

/// FR-R27: the depth limit counts Call Flow hops; at the limit is fine, one more is not, and 0
/// forbids Call Flow altogether.
#[test]
fn depth_limit_boundary() {
    let mut m = chain_model();
    m.options.max_call_depth = 2;
    m.options.cycles = Cycles::DepthLimited;
    let p = build(&m);
    assert_eq!(
        p.check(&FlowRequest::anonymous("a").called_from(&["a", "b"]))
            .code(),
        "inherited_grant"
    );
    let r = p.check(&FlowRequest::anonymous("a").called_from(&["a", "b", "a"]));
    assert_eq!(r, FlowReason::CallDepthExceeded { depth: 3, limit: 2 });
    assert_eq!(
        r.explain(&p).to_string(),
        "denied: the call chain has 3 Call Flow steps, more than the limit of 2"
    );
    m.options.max_call_depth = 0;
    let p = build(&m);
    assert_eq!(
        p.check(&FlowRequest::anonymous("a")).code(),
        "inherited_grant"
    );
    assert_eq!(
        p.check(&FlowRequest::anonymous("a").called_from(&["b"]))
            .code(),
        "call_depth_exceeded"
    );
}

/// FR-R29 / `ChainCheck`: every link by default; only the last with `last_link`, where cycles
/// and the callee's LIVE state still count.
#[test]
fn chain_check_option_both_sides() {
    let mut m = chain_model();
    m.flows[0] = FlowDef::new("a").user("carol", Permission::Deny);
    m.flows.push(FlowDef::new("off").stopped());
    assert_eq!(
        code(&m, &FlowRequest::user("b", "carol").called_from(&["a"])),
        "user_deny"
    );
    m.options.chain_check = ChainCheck::LastLink;
    let p = build(&m);
    let r = p.check(&FlowRequest::user("b", "carol").called_from(&["a"]));
    assert_eq!(r.code(), "inherited_grant");
    assert_eq!(r.link().map(|l| l.index), Some(1));
    assert_eq!(
        p.check(&FlowRequest::user("b", "carol").called_from(&["off"]))
            .code(),
        "inherited_grant"
    );
    assert_eq!(
        p.check(&FlowRequest::user("off", "carol").called_from(&["a"]))
            .code(),
        "not_live"
    );
    assert_eq!(
        p.check(&FlowRequest::user("a", "alice").called_from(&["a"]))
            .code(),
        "call_cycle"
    );
}

/// FR-R2, FR-R25: a scheduled or triggered start is not permission-checked, takes no caller,
/// and its hops run as server context.
#[test]
fn scheduled_and_triggered_starts() {
    let mut m = chain_model();
    m.flows
        .push(FlowDef::new("s").role("ServerCodeUser", Permission::Deny));
    let p = build(&m);
    for start in [Start::Schedule, Start::Trigger] {
        let r = p.check(&FlowRequest::started_by("d", start));
        assert_eq!(r.code(), "unchecked_start");
        assert_eq!(
            r.link().map(|l| l.principal),
            Some(Principal::ServerContext)
        );
        assert_eq!(
            p.check(&FlowRequest::started_by("d", start).called_from(&["a"]))
                .code(),
            "inherited_grant"
        );
        assert_eq!(
            p.check(&FlowRequest::started_by("s", start).called_from(&["a"]))
                .code(),
            "system_role_deny"
        );
        let mut with_user = FlowRequest::started_by("a", start);
        with_user.user = Some("alice".into());
        assert_eq!(p.check(&with_user), FlowReason::UnexpectedCaller { start });
        let with_key = FlowRequest::started_by("a", start).with_key("js");
        assert_eq!(p.check(&with_key).code(), "unexpected_caller");
    }
    assert_eq!(
        p.check(&FlowRequest::started_by("d", Start::Schedule))
            .explain(&p)
            .to_string(),
        "allowed: flow `d` is LIVE, and a start with no caller is not permission-checked, on the scheduled start"
    );
}

/// Unknown flows report their position on the chain; unknown users and keys are not
/// downgraded to anonymous.
#[test]
fn unknown_ids_deny() {
    let p = build(&chain_model());
    assert_eq!(
        p.check(&FlowRequest::anonymous("zzz").called_from(&["a", "b"])),
        FlowReason::UnknownFlow {
            position: 2,
            requested: true
        }
    );
    let r = p.check(&FlowRequest::anonymous("a").called_from(&["a", "zzz"]));
    assert_eq!(
        r,
        FlowReason::UnknownFlow {
            position: 1,
            requested: false
        }
    );
    assert_eq!(
        r.explain(&p).to_string(),
        "denied: call-chain entry 1 names a flow that does not exist in the model"
    );
    assert_eq!(p.check(&FlowRequest::user("a", "")).code(), "unknown_user");
    assert_eq!(
        p.check(&FlowRequest::anonymous("a").with_key("")).code(),
        "unknown_key"
    );
    assert_eq!(p.check(&FlowRequest::anonymous("")).code(), "unknown_flow");
}

/// A long chain of distinct flows, up to the largest limit, is checked without overflow, and a
/// repeat deep in it is found.
#[test]
fn long_chains_are_checked() {
    let n = usize::from(u16::MAX);
    let mut m = FlowModel::default();
    m.options.max_call_depth = u16::MAX;
    m.flows = (0..=n).map(|i| FlowDef::new(&format!("f{i}"))).collect();
    let p = build(&m);
    let names: Vec<String> = (0..n).map(|i| format!("f{i}")).collect();
    let mut request = FlowRequest::anonymous(&format!("f{n}"));
    request.call_chain = names.clone();
    let r = p.check(&request);
    assert_eq!(r.code(), "inherited_grant");
    assert_eq!(r.link().map(|l| l.index), Some(u16::MAX));

    let mut cyclic = names;
    cyclic[n - 1] = "f7".into();
    let mut cycle = FlowRequest::anonymous("f0");
    cycle.call_chain = cyclic.clone();
    let r = p.check(&cycle);
    assert!(
        matches!(r, FlowReason::CallCycle { first: 7, link } if link.index == u16::MAX - 1),
        "{r:?}"
    );
    cyclic.push("f1".into());
    cycle.call_chain = cyclic;
    assert_eq!(p.check(&cycle).code(), "call_depth_exceeded");
}

// ---------------------------------------------------------------------------------------------
// Explanations and the authorize() seam

/// Explanations name the deciding entry and start with the decision.
#[test]
fn explanations_name_the_entry() {
    let mut m = base();
    m.flows = vec![
        FlowDef::new("f")
            .user("alice", Permission::Grant)
            .role("Finance", Permission::Deny),
        FlowDef::new("off").stopped(),
    ];
    m.app_wide_roles.push("JSUser", Permission::Deny);
    let p = build(&m);
    let cases = [
        (
            FlowRequest::user("f", "alice"),
            "allowed: user `alice` is explicitly granted flow `f`, on the API call by user `alice`",
        ),
        (
            FlowRequest::user("f", "bob"),
            "denied: custom role `Finance` is explicitly denied flow `f` (deny wins among roles of one level), on the API call by user `bob`",
        ),
        (
            FlowRequest::anonymous("f"),
            "allowed: flow `f` sets no permission for an anonymous caller or its roles, so the inherited grant applies, on the API call by an anonymous caller",
        ),
        (
            FlowRequest::anonymous("f").with_key("js"),
            "denied: flow `f` sets no permission for an anonymous caller, and system role `JSUser` is denied app-wide, on the API call by an anonymous caller",
        ),
        (
            FlowRequest::anonymous("off").with_key("coderunner"),
            "denied: flow `off` is not LIVE, so no one can run it, on the API call by server context",
        ),
        (
            FlowRequest::user("f", "nobody"),
            "denied: the request's user does not exist in the model",
        ),
    ];
    for (request, text) in cases {
        assert_eq!(p.check(&request).explain(&p).to_string(), text);
    }
}

/// Flow requests go through `authorize()`; a policy without flows denies as not configured.
#[test]
fn authorize_routes_flow_requests() -> TestResult {
    let doc: PolicyDocument = serde_json::from_str(
        r#"{"flows": {
              "users": [{"id": "alice"}],
              "flows": [{"id": "f", "roles": {"NonAuthenticatedUser": "deny"}}]
           }}"#,
    )?;
    let policy = doc.build()?;
    let anonymous = Request::Flow(FlowRequest::anonymous("f"));
    let response = authorize(&policy, &anonymous);
    assert_eq!(response.decision(), Decision::Deny);
    assert_eq!(response.code(), "system_role_deny");
    assert!(response
        .explain(&policy)
        .to_string()
        .starts_with("denied: "));
    let alice = Request::Flow(FlowRequest::user("f", "alice"));
    assert_eq!(authorize(&policy, &alice).decision(), Decision::Allow);

    let none = PolicyDocument::default().build()?;
    assert_eq!(authorize(&none, &alice).code(), "not_configured");

    let bad: PolicyDocument =
        serde_json::from_str(r#"{"flows": {"flows": [{"id": "f"}, {"id": "f"}]}}"#)?;
    assert_eq!(
        bad.build().err().map(|e| e.to_string()).as_deref(),
        Some("flow model: flow `f` is defined twice")
    );
    Ok(())
}

/// The compiled policy and the reasons have the advertised auto traits.
#[test]
fn policy_is_send_sync_and_reasons_are_copy() {
    fn send_sync<T: Send + Sync + Clone>() {}
    fn copy<T: Copy>() {}
    send_sync::<FlowPolicy>();
    copy::<FlowReason>();
}
