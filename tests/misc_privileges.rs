//! Miscellaneous privileges (privileges not about a table, issue 16): held directly, through an
//! owner team, not held, at too low a level, unknown, by a user the environment gate refuses,
//! and the JSON form of the request both ways.

use std::error::Error;

use accessgate::dataverse::*;
use accessgate::{authorize, AccessLevel, Policy, PolicyDocument, Request};

type Result = std::result::Result<(), Box<dyn Error>>;

/// alice holds `prvExportToExcel` directly; bob through owner team `ops` (and a direct role
/// without it, so the gate admits him, R8.4); carol holds only an unrelated role; dave is
/// disabled but holds the privilege directly.
fn policy() -> std::result::Result<Policy, Box<dyn Error>> {
    let doc: PolicyDocument = serde_json::from_str(
        r#"{"dataverse": {
          "business_units": [{"id": "root"}],
          "tables": [{"id": "account"}],
          "roles": [
            {"id": "exporter", "misc_privileges": {"prvExportToExcel": "Organization", "prvFlow": "User"}},
            {"id": "plain", "privileges": {"account": {"Read": "User"}}}
          ],
          "users": [
            {"id": "alice", "business_unit": "root"},
            {"id": "bob", "business_unit": "root"},
            {"id": "carol", "business_unit": "root"},
            {"id": "dave", "business_unit": "root", "enabled": false}
          ],
          "teams": [{"id": "ops", "business_unit": "root", "members": ["bob"]}],
          "role_assignments": [
            {"principal": {"user": "alice"}, "role": "exporter"},
            {"principal": {"team": "ops"}, "role": "exporter"},
            {"principal": {"user": "bob"}, "role": "plain"},
            {"principal": {"user": "carol"}, "role": "plain"},
            {"principal": {"user": "dave"}, "role": "exporter"}
          ]
        }}"#,
    )?;
    Ok(doc.build()?)
}

fn misc(user: &str, privilege: &str, level: Option<AccessLevel>) -> Request {
    let mut query = MiscPrivilegeQuery::new(user, privilege);
    query.level = level;
    Request::Dataverse(DataverseRequest::MiscPrivilege(query))
}

/// A privilege held directly allows, naming the role, its level and "assigned directly"; the
/// name is compared lowercased.
#[test]
fn held_directly() -> Result {
    let policy = policy()?;
    let r = authorize(&policy, &misc("alice", "PRVEXPORTTOEXCEL", None));
    assert!(r.decision().is_allow());
    assert_eq!(r.code(), "misc_held");
    let text = r.explain(&policy).to_string();
    assert!(text.contains("role `exporter`"), "{text}");
    assert!(text.contains("Organization level"), "{text}");
    assert!(text.contains("assigned directly"), "{text}");
    Ok(())
}

/// A privilege held through an owner team allows and names the team.
#[test]
fn held_through_owner_team() -> Result {
    let policy = policy()?;
    let r = authorize(&policy, &misc("bob", "prvExportToExcel", None));
    assert!(r.decision().is_allow());
    let text = r.explain(&policy).to_string();
    assert!(text.contains("through team `ops`"), "{text}");
    Ok(())
}

/// A user whose roles do not name the privilege is denied.
#[test]
fn not_held() -> Result {
    let policy = policy()?;
    let r = authorize(&policy, &misc("carol", "prvExportToExcel", None));
    assert!(!r.decision().is_allow());
    assert_eq!(r.code(), "misc_not_held");
    Ok(())
}

/// A privilege held below the level asked for is denied, naming the level held.
#[test]
fn held_below_the_level_asked() -> Result {
    let policy = policy()?;
    let r = authorize(
        &policy,
        &misc("alice", "prvFlow", Some(AccessLevel::Organization)),
    );
    assert!(!r.decision().is_allow());
    let text = r.explain(&policy).to_string();
    assert!(text.contains("held up to User level"), "{text}");
    assert!(authorize(&policy, &misc("alice", "prvFlow", None))
        .decision()
        .is_allow());
    Ok(())
}

/// A name no role mentions denies with a reason naming it.
#[test]
fn unknown_privilege_name() -> Result {
    let policy = policy()?;
    let r = authorize(&policy, &misc("alice", "prvNoSuchThing", None));
    assert!(!r.decision().is_allow());
    assert_eq!(r.code(), "unknown_id");
    assert_eq!(
        r.explain(&policy).to_string(),
        "denied: miscellaneous privilege `prvNoSuchThing` does not exist in the model"
    );
    Ok(())
}

/// A disabled user is refused by the environment gate even with the privilege (R8.4).
#[test]
fn user_not_admitted() -> Result {
    let policy = policy()?;
    let r = authorize(&policy, &misc("dave", "prvExportToExcel", None));
    assert!(!r.decision().is_allow());
    assert_eq!(r.code(), "not_admitted");
    Ok(())
}

/// The JSON form reads and writes `kind: misc_privilege`, and refuses unknown fields.
#[test]
fn json_form_both_ways() -> Result {
    let request: Request = serde_json::from_str(
        r#"{"kind": "misc_privilege", "user": "alice", "privilege": "prvFlow", "level": "Global"}"#,
    )?;
    assert_eq!(
        request,
        misc("alice", "prvFlow", Some(AccessLevel::Organization))
    );
    let back: Request = serde_json::from_str(&serde_json::to_string(&request)?)?;
    assert_eq!(back, request);
    let policy = policy()?;
    assert!(!authorize(&policy, &request).decision().is_allow());
    let bad = serde_json::from_str::<Request>(
        r#"{"kind": "misc_privilege", "user": "alice", "privilege": "prvFlow", "table": "x"}"#,
    );
    assert!(bad.is_err());
    Ok(())
}

/// A model naming one privilege twice in a role, up to case, fails to build.
#[test]
fn duplicate_names_fail() -> Result {
    let mut model = DataverseModel::default();
    model.business_units.push(BusinessUnitDef::root("root"));
    let mut role = RoleDef::new("r");
    role.misc_privileges
        .insert("prvFlow".into(), AccessLevel::User);
    role.misc_privileges
        .insert("prvflow".into(), AccessLevel::User);
    model.roles.push(role);
    let err = model.build().err().ok_or("built")?;
    assert_eq!(
        err.to_string(),
        "role `r` names miscellaneous privilege `prvflow` twice (names are compared lowercased)"
    );
    Ok(())
}

/// In JSON, a name given twice (in any case) is refused while reading, naming the key; it never
/// silently keeps the last level.
#[test]
fn duplicate_json_keys_fail() -> Result {
    for (first, second) in [("prvFlow", "prvFlow"), ("prvFlow", "PRVFLOW")] {
        let text = format!(
            r#"{{"id": "r", "misc_privileges": {{"{first}": "Organization", "{second}": "User"}}}}"#
        );
        let err = serde_json::from_str::<RoleDef>(&text)
            .err()
            .ok_or("a repeated key was accepted")?;
        assert!(
            err.to_string()
                .contains(&format!("duplicate key `{second}` in `misc_privileges`")),
            "{err}"
        );
    }
    let one: RoleDef =
        serde_json::from_str(r#"{"id": "r", "misc_privileges": {"prvFlow": "User"}}"#)?;
    assert_eq!(one.misc_privileges.len(), 1);
    Ok(())
}
