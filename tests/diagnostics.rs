//! Errors that point at the place: every mistake of a model at once, with its JSON path, its
//! line and column in the text, and a suggestion (issue 15).

use std::error::Error;

use accessgate::diagnostics::{expected_name_suggestion, JsonLocator, Position};
use accessgate::{BuildDiagnostic, PolicyDocument};

type Result = std::result::Result<(), Box<dyn Error>>;

/// A model with the four build mistakes of issue 15, each in its own entry.
const MISTAKES: &str = r#"{
  "dataverse": {
    "business_units": [
      {"id": "contoso"},
      {"id": "sales", "parent": "support"},
      {"id": "support", "parent": "sales"}
    ],
    "tables": [{"id": "account"}, {"id": "currency", "ownership": "organization"}],
    "roles": [
      {"id": "salesperson", "privileges": {"account": {"Read": "User"}}},
      {"id": "reader", "privileges": {"currency": {"Read": "BusinessUnit"}}}
    ],
    "users": [
      {"id": "bob", "business_unit": "contoso"},
      {"id": "alice", "business_unit": "contoso"},
      {"id": "bob", "business_unit": "contoso"}
    ],
    "role_assignments": [
      {"principal": {"user": "alice"}, "role": "salesperson"},
      {"principal": {"user": "alice"}, "role": "reader"},
      {"principal": {"user": "bob"}, "role": "salesperson"},
      {"principal": {"user": "alice"}, "role": "salesman"}
    ]
  }
}"#;

fn check(text: &str) -> std::result::Result<Vec<BuildDiagnostic>, Box<dyn Error>> {
    let doc: PolicyDocument = serde_json::from_str(text)?;
    Ok(doc.check())
}

/// The diagnostic whose path is `path`.
fn at<'a>(
    found: &'a [BuildDiagnostic],
    path: &str,
) -> std::result::Result<&'a BuildDiagnostic, String> {
    found
        .iter()
        .find(|d| d.path() == path)
        .ok_or_else(|| format!("no diagnostic at {path}: {found:#?}"))
}

/// Every mistake is reported at once, and the build's own first error is one of them.
#[test]
fn all_mistakes_at_once() -> Result {
    let found = check(MISTAKES)?;
    assert_eq!(found.len(), 4, "{found:#?}");
    let doc: PolicyDocument = serde_json::from_str(MISTAKES)?;
    let first = doc.build().err().ok_or("the model builds")?;
    assert!(found.iter().any(|d| d.error() == &first));
    Ok(())
}

/// Unknown role: the message, the assignment's path, and the role it most likely means.
#[test]
fn unknown_role() -> Result {
    let found = check(MISTAKES)?;
    let d = at(&found, "dataverse.role_assignments[3].role")?;
    assert_eq!(
        d.error().to_string(),
        "dataverse model: a role assignment names role `salesman`, which does not exist"
    );
    assert_eq!(d.suggestion(), Some("salesperson"));
    let at = JsonLocator::new(MISTAKES).position(d.path());
    let line = MISTAKES
        .lines()
        .position(|l| l.contains("salesman"))
        .ok_or("no line")?
        + 1;
    let column = MISTAKES
        .lines()
        .nth(line - 1)
        .and_then(|l| l.find("\"role\": \"salesman"));
    assert_eq!(
        at,
        column.map(|c| Position {
            line,
            column: c + 1
        })
    );
    Ok(())
}

/// A unit cycle names the whole cycle, from the unit first in the document.
#[test]
fn business_unit_cycle() -> Result {
    let found = check(MISTAKES)?;
    let d = at(&found, "dataverse.business_units[1].parent")?;
    assert_eq!(
        d.error().to_string(),
        "dataverse model: business unit `sales` is its own ancestor: parents form the cycle \
         `sales` → `support` → `sales`"
    );
    assert_eq!(d.related_paths(), ["dataverse.business_units[2].parent"]);
    assert_eq!(d.suggestion(), None);
    Ok(())
}

/// A Business Unit level on an organization-owned table is placed at the role's cell.
#[test]
fn organization_table_level() -> Result {
    let found = check(MISTAKES)?;
    let d = at(&found, "dataverse.roles[1].privileges.currency.Read")?;
    assert_eq!(
        d.error().to_string(),
        "dataverse model: role `reader` gives Read at Business Unit level on organization-owned \
         table `currency`, which allows only None or Organization"
    );
    assert_eq!(d.suggestion(), None);
    Ok(())
}

/// A duplicate id names both entries.
#[test]
fn duplicate_id() -> Result {
    let found = check(MISTAKES)?;
    let d = at(&found, "dataverse.users[2].id")?;
    assert_eq!(
        d.error().to_string(),
        "dataverse model: user `bob` is defined twice"
    );
    assert_eq!(d.related_paths(), ["dataverse.users[0].id"]);
    Ok(())
}

/// A misspelt field: serde's message, the path at serde's position, the field it means.
#[test]
fn misspelt_field() -> Result {
    let text = "{\"dataverse\": {\n  \"business_units\": [{\"id\": \"contoso\"}],\n  \"users\": [\n    {\"id\": \"alice\", \"busines_unit\": \"contoso\"}\n  ]\n}}";
    let e = serde_json::from_str::<PolicyDocument>(text)
        .err()
        .ok_or("the misspelt model was read")?;
    let message = e.to_string();
    let (message, _) = message.split_once(" at line ").ok_or("no position")?;
    assert!(
        message.starts_with("unknown field `busines_unit`, expected one of `id`, `business_unit`")
    );
    let locator = JsonLocator::new(text);
    let path = locator.path_at(Position {
        line: e.line(),
        column: e.column(),
    });
    assert_eq!(path, Some("dataverse.users[0].busines_unit"));
    assert_eq!(expected_name_suggestion(message), Some("business_unit"));
    Ok(())
}

/// A valid model has no diagnostics, and a model that does not build always has one.
#[test]
fn check_is_empty_exactly_when_build_succeeds() -> Result {
    for entry in std::fs::read_dir("fixtures/dataverse")? {
        let path = entry?.path();
        let Ok(doc) = serde_json::from_str::<accessgate::dataverse::DataverseModel>(
            &std::fs::read_to_string(&path)?,
        ) else {
            continue;
        };
        let doc = PolicyDocument::default().with_dataverse(doc);
        assert_eq!(
            doc.check().is_empty(),
            doc.build().is_ok(),
            "{}",
            path.display()
        );
    }
    let flows = r#"{"flows": {"flows": [{"id": "a"}, {"id": "a"}], "users": [{"id": "u", "roles": ["Sale"]}], "roles": ["Sales"]}}"#;
    let found = check(flows)?;
    assert_eq!(found[0].path(), "flows.flows[1].id");
    assert_eq!(found[0].related_paths(), ["flows.flows[0].id"]);
    Ok(())
}
