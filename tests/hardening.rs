//! Hardening (issue 14), the library half: strict inputs and fail-closed names. Each test names
//! the finding it covers; each failed on the code before the change.

#![allow(
    clippy::unwrap_used,
    clippy::panic,
    reason = "test code: a failed unwrap is a test failure"
)]

use std::error::Error;

use accessgate::dataverse::DataverseModel;
use accessgate::{authorize, BuildError, BuildLimits, Decision, PolicyDocument, Request};

type Result = std::result::Result<(), Box<dyn Error>>;

/// `account` secures `ssn`; `contact` declares its columns; `alice` may read every account
/// record at Organization level and holds no column profile; `a1` is an account, `c1` a contact.
const MODEL: &str = r#"{"dataverse": {
  "business_units": [{"id": "root"}],
  "tables": [
    {"id": "account", "secured_columns": ["ssn"]},
    {"id": "contact", "secured_columns": ["ssn"], "columns": ["name", "email"]}
  ],
  "roles": [{"id": "reader", "privileges": {
    "account": {"Read | Write | Create": "Organization"},
    "contact": {"Read | Write | Create": "Organization"}}}],
  "users": [{"id": "alice", "business_unit": "root"}],
  "role_assignments": [{"principal": {"user": "alice"}, "role": "reader"}],
  "records": [
    {"id": "a1", "table": "account", "owner": {"user": "alice"}},
    {"id": "c1", "table": "contact", "owner": {"user": "alice"}}
  ]
}}"#;

fn policy() -> std::result::Result<accessgate::Policy, Box<dyn Error>> {
    let doc: PolicyDocument = serde_json::from_str(MODEL)?;
    Ok(doc.build()?)
}

/// `(decision, code)` of a JSON request.
fn decide(
    policy: &accessgate::Policy,
    json: &str,
) -> std::result::Result<(Decision, &'static str), Box<dyn Error>> {
    let request: Request = serde_json::from_str(json)?;
    let r = authorize(policy, &request);
    Ok((r.decision(), r.code()))
}

/// The build error of a document, as text.
fn build_error(json: &str) -> String {
    match serde_json::from_str::<PolicyDocument>(json) {
        Err(e) => format!("json: {e}"),
        Ok(doc) => match doc.build() {
            Ok(_) => "built".into(),
            Err(e) => e.to_string(),
        },
    }
}

// --- Names: no second spelling reaches a secured column. ---

#[test]
fn secured_column_under_another_spelling_is_unknown() -> Result {
    let p = policy()?;
    let read = |column: &str| {
        format!(
            r#"{{"kind":"column","user":"alice","record":"a1","column":{},"access":"read"}}"#,
            serde_json::to_string(column).unwrap()
        )
    };
    // The exact name: secured, no profile: denied as such.
    assert_eq!(decide(&p, &read("ssn"))?, (Decision::Deny, "column_denied"));
    for spelling in [
        "SSN",
        "Ssn",
        "ssn ",
        " ssn",
        "account.ssn",
        "ss\u{200b}n",
        "ssn\u{a0}",
        "ssn\u{1f}",
    ] {
        assert_eq!(
            decide(&p, &read(spelling))?,
            (Decision::Deny, "unknown_column"),
            "{spelling:?}"
        );
    }
    // An unsecured canonical column of a table that does not declare its columns.
    assert_eq!(
        decide(&p, &read("name"))?,
        (Decision::Allow, "column_not_secured")
    );
    Ok(())
}

#[test]
fn undeclared_column_of_a_declaring_table_is_unknown() -> Result {
    let p = policy()?;
    let read = |column: &str| {
        format!(
            r#"{{"kind":"column","user":"alice","record":"c1","column":"{column}","access":"read"}}"#
        )
    };
    assert_eq!(
        decide(&p, &read("name"))?,
        (Decision::Allow, "column_not_secured")
    );
    assert_eq!(
        decide(&p, &read("phone"))?,
        (Decision::Deny, "unknown_column")
    );
    assert_eq!(decide(&p, &read("ssn"))?, (Decision::Deny, "column_denied"));
    let create = |column: &str| {
        format!(
            r#"{{"kind":"create_column","user":"alice","table":"contact","column":"{column}"}}"#
        )
    };
    assert_eq!(
        decide(&p, &create("email"))?,
        (Decision::Allow, "column_not_secured")
    );
    assert_eq!(
        decide(&p, &create("Email"))?,
        (Decision::Deny, "unknown_column")
    );
    assert_eq!(
        decide(&p, &create("fax"))?,
        (Decision::Deny, "unknown_column")
    );
    Ok(())
}

#[test]
fn table_under_another_spelling_is_unknown() -> Result {
    let p = policy()?;
    for table in ["Account", "account ", "ACCOUNT"] {
        let json = format!(
            r#"{{"kind":"create_column","user":"alice","table":"{table}","column":"name"}}"#
        );
        assert_eq!(
            decide(&p, &json)?,
            (Decision::Deny, "unknown_id"),
            "{table:?}"
        );
    }
    Ok(())
}

#[test]
fn non_canonical_names_in_a_model_are_errors() {
    let with_tables = |tables: &str| {
        format!(
            r#"{{"dataverse": {{"business_units": [{{"id": "root"}}], "tables": [{tables}]}}}}"#
        )
    };
    assert_eq!(
        build_error(&with_tables(r#"{"id": "account", "secured_columns": ["SSN"]}"#)),
        "dataverse model: secured column `account.SSN` is not a canonical logical name: it is not lowercase"
    );
    assert_eq!(
        build_error(&with_tables(r#"{"id": "account", "secured_columns": ["a.b"]}"#)),
        "dataverse model: secured column `account.a.b` is not a canonical logical name: it contains `.`"
    );
    assert_eq!(
        build_error(&with_tables(r#"{"id": "account", "columns": ["na me"]}"#)),
        "dataverse model: secured column `account.na me` is not a canonical logical name: it contains whitespace"
    );
    assert_eq!(
        build_error(&with_tables(r#"{"id": "account "}"#)),
        "dataverse model: table `account ` is not a canonical logical name: it has surrounding whitespace"
    );
    // The old `table \u{1f} column` key collided `a` + `b\u{1f}c` with `a\u{1f}b` + `c`.
    assert!(build_error(&with_tables(
        r#"{"id": "a", "secured_columns": ["b\u001fc"]}, {"id": "a\u001fb", "secured_columns": ["c"]}"#
    ))
    .contains("control or invisible character"));
    // Display-name table ids keep their case and inner spaces.
    assert_eq!(
        build_error(&with_tables(r#"{"id": "Desktop flow definition"}"#)),
        "built"
    );
}

// --- Duplicate JSON keys. ---

#[test]
fn duplicate_privilege_keys_are_errors() {
    let role = |privileges: &str| {
        format!(
            r#"{{"dataverse": {{"business_units": [{{"id": "root"}}], "tables": [{{"id": "account"}}],
                "roles": [{{"id": "r", "privileges": {privileges}}}]}}}}"#
        )
    };
    let same = build_error(&role(
        r#"{"account": {"Read": "User", "Read": "Organization"}}"#,
    ));
    assert!(
        same.contains("duplicate key `Read` in `privileges.account`"),
        "{same}"
    );
    let case = build_error(&role(
        r#"{"account": {"Read": "User", "read": "Organization"}}"#,
    ));
    assert!(
        case.contains("duplicate key `Read` in `privileges.account`"),
        "{case}"
    );
    let table = build_error(&role(
        r#"{"account": {"Read": "User"}, "account": {"Write": "User"}}"#,
    ));
    assert!(
        table.contains("duplicate key `account` in `privileges`"),
        "{table}"
    );
    // Two keys sharing a privilege are one privilege given twice.
    assert_eq!(
        build_error(&role(
            r#"{"account": {"Read": "User", "Read | Write": "Organization"}}"#
        )),
        "dataverse model: role `r` gives Read on table `account` twice"
    );
    assert_eq!(
        build_error(&role(
            r#"{"account": {"Read": "User", "Write": "Organization"}}"#
        )),
        "built"
    );
}

#[test]
fn duplicate_struct_fields_are_errors() {
    let e = build_error(
        r#"{"dataverse": {"business_units": [{"id": "root"}],
            "roles": [{"id": "r", "system_administrator": false, "system_administrator": true}]}}"#,
    );
    assert!(e.contains("duplicate field `system_administrator`"), "{e}");
    let e = serde_json::from_str::<Request>(
        r#"{"kind":"record","user":"alice","user":"bob","privilege":"Read","record":"a1"}"#,
    )
    .err()
    .map(|e| e.to_string())
    .unwrap_or_default();
    assert!(e.contains("duplicate field `user`"), "{e}");
}

// --- Unknown request fields: one per request kind. ---

/// Parsing `json` as a request fails naming `field`.
fn rejects(json: &str, field: &str) {
    match serde_json::from_str::<Request>(json) {
        Ok(r) => panic!("accepted {json}: {r:?}"),
        Err(e) => assert!(
            e.to_string().contains(&format!("unknown field `{field}`")),
            "{json}: {e}"
        ),
    }
}

#[test]
fn unknown_request_fields_are_errors() {
    rejects(
        r#"{"kind":"record","user":"a","privilege":"Read","record":"r","recrod":"x"}"#,
        "recrod",
    );
    rejects(
        r#"{"kind":"create","user":"a","table":"account","lookup":["r"]}"#,
        "lookup",
    );
    rejects(
        r#"{"kind":"associate","user":"a","record":"r","target":"t","tragets":[]}"#,
        "tragets",
    );
    rejects(
        r#"{"kind":"associate_many","user":"a","records":["r","s"],"relationship":"x"}"#,
        "relationship",
    );
    rejects(
        r#"{"kind":"assign","user":"a","record":"r","new_owner":{"user":"b"},"ownr":{"user":"c"}}"#,
        "ownr",
    );
    rejects(
        r#"{"kind":"share","user":"a","record":"r","with":"organization","rights":"Read","revok":true}"#,
        "revok",
    );
    rejects(
        r#"{"kind":"column","user":"a","record":"r","column":"c","access":"read","masked":false}"#,
        "masked",
    );
    rejects(
        r#"{"kind":"create_column","user":"a","table":"t","column":"c","owner":{"user":"b"}}"#,
        "owner",
    );
    rejects(
        r#"{"kind":"run_desktop_flow","user":"a","machine":"m"}"#,
        "machine",
    );
    rejects(
        r#"{"kind":"flow","flow":"f","user":"a","strat":"schedule"}"#,
        "strat",
    );
    rejects(
        r#"{"kind":"folder","user":"a","action":"view_folder","folder":"f","recursive":true}"#,
        "recursive",
    );
    // Record facts inside a record request: rejected (the untagged record form names no field).
    assert!(serde_json::from_str::<Request>(
        r#"{"kind":"record","user":"a","privilege":"Read","record":{"table":"account","ownr":{"user":"a"}}}"#
    )
    .is_err());
}

// --- Share requests validate their rights. ---

#[test]
fn share_requests_with_bad_rights_are_denied() -> Result {
    let doc: PolicyDocument = serde_json::from_str(MODEL)?;
    let mut doc = doc;
    let dv: &mut DataverseModel = doc.dataverse.as_mut().ok_or("no model")?;
    dv.roles[0].system_administrator = true;
    let p = doc.build()?;
    let share = |rights: &str| {
        format!(
            r#"{{"kind":"share","user":"alice","record":"a1","with":"organization","rights":"{rights}"}}"#
        )
    };
    assert_eq!(
        decide(&p, &share("Read"))?,
        (Decision::Allow, "checks_passed")
    );
    assert_eq!(
        decide(&p, &share("Create"))?,
        (Decision::Deny, "bad_share_rights")
    );
    assert_eq!(
        decide(&p, &share("Read | Create"))?,
        (Decision::Deny, "bad_share_rights")
    );
    assert_eq!(
        decide(&p, &share(""))?,
        (Decision::Deny, "bad_share_rights")
    );
    // Missing rights default to none: denied too.
    assert_eq!(
        decide(
            &p,
            r#"{"kind":"share","user":"alice","record":"a1","with":"organization"}"#
        )?,
        (Decision::Deny, "bad_share_rights")
    );
    // A revoke names no rights.
    assert_eq!(
        decide(
            &p,
            r#"{"kind":"share","user":"alice","record":"a1","with":"organization","revoke":true}"#
        )?,
        (Decision::Allow, "checks_passed")
    );
    Ok(())
}

// --- Limits of the flow and folder models. ---

#[test]
fn flow_and_folder_models_have_limits() -> Result {
    let doc: PolicyDocument = serde_json::from_str(
        r#"{"flows": {"flows": [{"id": "a"}, {"id": "b"}]}, "folders": {"folders": [{"id": "x"}, {"id": "y", "parent": "x"}]}}"#,
    )?;
    let flows = BuildLimits::default().with_flows(1);
    assert_eq!(
        doc.build_with_limits(&flows)
            .err()
            .map(|e| e.to_string())
            .as_deref(),
        Some("flow model: too large: 2 flows, the build limit is 1")
    );
    let depth = BuildLimits::default().with_depth(0);
    let folders_only: PolicyDocument = serde_json::from_str(
        r#"{"folders": {"folders": [{"id": "x"}, {"id": "y", "parent": "x"}]}}"#,
    )?;
    assert_eq!(
        folders_only
            .build_with_limits(&depth)
            .err()
            .map(|e| e.to_string())
            .as_deref(),
        Some("folder model: too large: 1 levels of folders, the build limit is 0")
    );
    assert!(doc.build().is_ok());
    assert!(matches!(
        folders_only.build_with_limits(&depth),
        Err(BuildError::Folders(_))
    ));
    Ok(())
}
