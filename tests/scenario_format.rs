//! The scenario format: expected build errors, lists of acceptable reason codes, cases that are
//! only explained. Each feature is checked both ways: it passes what it should and fails what
//! it should.

#![allow(clippy::panic, reason = "test code: a panic is a test failure")]

use accessgate::scenario::{Scenario, Verdict};

fn scenario(extra: &str) -> Scenario {
    let text = format!(
        r#"{{
        "model": {{ "dataverse": {{
            "business_units": [{{ "id": "contoso" }}],
            "tables": [{{ "id": "account" }}],
            "roles": [{{ "id": "rep", "privileges": {{ "account": {{ "Read": "User" }} }} }}],
            "users": [{{ "id": "alice", "business_unit": "contoso" }},
                      {{ "id": "bob", "business_unit": "contoso" }}],
            "role_assignments": [{{ "principal": {{ "user": "alice" }}, "role": "rep" }}],
            "records": [{{ "id": "a1", "table": "account", "owner": {{ "user": "alice" }} }},
                        {{ "id": "b1", "table": "account", "owner": {{ "user": "bob" }} }}]
        }} }}
        {extra}
    }}"#
    );
    serde_json::from_str(&text)
        .unwrap_or_else(|e| unreachable!("scenario does not parse: {e}\n{text}"))
}

fn case(request_record: &str, expect: &str, reason: &str) -> String {
    format!(
        r#"{{ "name": "alice reads {request_record}",
             "request": {{ "kind": "record", "user": "alice", "privilege": "Read", "record": "{request_record}" }}
             {expect} {reason} }}"#
    )
}

#[test]
fn reason_lists_accept_any_listed_code_and_nothing_else() {
    let s = scenario(&format!(
        r#", "cases": [{}, {}]"#,
        case(
            "a1",
            r#", "expect": "allow""#,
            r#", "reason": ["shared", "role_level"]"#
        ),
        case(
            "b1",
            r#", "expect": "deny""#,
            r#", "reason": ["shared", "role_level"]"#
        ),
    ));
    let report = s.run().unwrap_or_else(|e| panic!("{e}"));
    let verdicts: Vec<Verdict> = report.outcomes.iter().map(|o| o.verdict()).collect();
    assert_eq!(verdicts, [Verdict::Pass, Verdict::Fail]);
    assert_eq!((report.passed(), report.failed()), (1, 1));
    assert!(
        report.outcomes[1]
            .expectation()
            .contains("one of shared, role_level"),
        "{}",
        report.outcomes[1].expectation()
    );
}

#[test]
fn a_case_without_expect_is_explained_not_judged() {
    let s = scenario(&format!(r#", "cases": [{}]"#, case("b1", "", "")));
    let report = s.run().unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(report.outcomes[0].verdict(), Verdict::Explained);
    assert_eq!(
        (report.passed(), report.failed(), report.explained()),
        (0, 0, 1)
    );
    assert!(report.outcomes[0].explanation.starts_with("denied: "));
}

#[test]
fn expect_error_passes_only_on_a_matching_build_error() {
    // The model builds: an expected error that does not come fails.
    let report = scenario(r#", "expect_error": "does not exist""#)
        .run()
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!((report.passed(), report.failed()), (0, 1));

    // A role assignment naming a missing role: the error comes and matches.
    let mut broken = scenario(r#", "expect_error": "salesman""#);
    let mut text = serde_json::to_value(&broken).unwrap_or_default();
    text["model"]["dataverse"]["role_assignments"][0]["role"] = "salesman".into();
    broken = serde_json::from_value(text.clone()).unwrap_or_else(|e| panic!("{e}"));
    let report = broken.run().unwrap_or_else(|e| panic!("{e}"));
    assert_eq!((report.passed(), report.failed()), (1, 0));

    // The same error, another expected text: fails.
    text["expect_error"] = "defined twice".into();
    let other: Scenario = serde_json::from_value(text.clone()).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(other.run().map(|r| r.failed()).ok(), Some(1));

    // Cases beside expect_error are never silently skipped: the scenario fails.
    text["expect_error"] = "salesman".into();
    text["cases"] =
        serde_json::from_str(&format!("[{}]", case("a1", r#", "expect": "allow""#, "")))
            .unwrap_or_default();
    let with_cases: Scenario = serde_json::from_value(text).unwrap_or_else(|e| panic!("{e}"));
    let report = with_cases.run().unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(report.build.as_ref().map(|b| b.ignored_cases), Some(1));
    assert_eq!(report.failed(), 1);
}
