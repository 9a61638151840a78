//! The CSK roles of seed 003 and a small environment around them, shared by the tests that
//! check them cell by cell.

use std::error::Error;
use std::path::Path;

use accessgate::dataverse::*;
use accessgate::{AccessLevel, Privilege};

/// One role's table as the seed shows it: (table, eight cells).
pub type SeedRole = Vec<(String, [Option<AccessLevel>; 8])>;

pub fn read(path: &str) -> Result<String, Box<dyn Error>> {
    Ok(std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join(path),
    )?)
}

/// Every `<td>` text between `open` and `close` tags, in order.
pub fn between<'a>(text: &'a str, open: &str, close: &str) -> Vec<&'a str> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find(open) {
        let after = &rest[start + open.len()..];
        let Some(body_start) = after.find('>') else {
            break;
        };
        let body = &after[body_start + 1..];
        let Some(end) = body.find(close) else { break };
        out.push(&body[..end]);
        rest = &body[end + close.len()..];
    }
    out
}

pub fn parse_seed() -> Result<Vec<SeedRole>, Box<dyn Error>> {
    let text = read("fixtures/seeds/003_csk_security_roles.md")?;
    let mut roles = Vec::new();
    for table in between(&text, "<table", "</table>") {
        let mut rows = Vec::new();
        for row in between(table, "<tr", "</tr>").into_iter().skip(1) {
            let cells: Vec<&str> = between(row, "<td", "</td>")
                .into_iter()
                .map(str::trim)
                .collect();
            let cells = &cells[cells.len() - 9..];
            let mut levels = [None; 8];
            for (i, mark) in cells[1..].iter().enumerate() {
                levels[i] = match *mark {
                    "🟢" => Some(AccessLevel::Organization),
                    "🔵" => Some(AccessLevel::User),
                    "🚫" => Some(AccessLevel::None),
                    "" => None,
                    other => return Err(format!("unknown mark `{other}`").into()),
                };
            }
            rows.push((cells[0].to_owned(), levels));
        }
        roles.push(rows);
    }
    Ok(roles)
}

/// The fixture's tables and roles, placed in a tree: contoso → div-a → team-a, contoso → div-b.
/// `admin` and `maker` sit in div-a; `stranger` in div-b owns the "other" records.
pub fn model(seed: &[SeedRole]) -> Result<DataverseModel, Box<dyn Error>> {
    let mut m: DataverseModel = serde_json::from_str(&read("fixtures/dataverse/csk_roles.json")?)?;
    m.business_units = vec![
        BusinessUnitDef::root("contoso"),
        BusinessUnitDef::child("div-a", "contoso"),
        BusinessUnitDef::child("team-a", "div-a"),
        BusinessUnitDef::child("div-b", "contoso"),
    ];
    m.users = vec![
        UserDef::new("admin", "div-a"),
        UserDef::new("maker", "div-a"),
        UserDef::new("stranger", "div-b"),
    ];
    // The stranger only needs to be able to own records (R1.7): Read at User level where Read applies.
    let mut owner_role = RoleDef::new("record owner");
    for t in &m.tables {
        if t.privileges.is_none_or(|p| p.contains(Privilege::READ)) {
            owner_role = owner_role.grant(&t.id, Privilege::READ, AccessLevel::User);
        }
    }
    m.roles.push(owner_role);
    m.role_assignments = vec![
        RoleAssignmentDef::user("admin", "CSK - Administrator"),
        RoleAssignmentDef::user("maker", "CSK - Maker"),
        RoleAssignmentDef::user("stranger", "record owner"),
    ];
    for (table, _) in &seed[0] {
        for owner in ["admin", "maker", "stranger"] {
            m.records.push(RecordDef::owned_by_user(
                &format!("{owner}:{table}"),
                table,
                owner,
            ));
        }
    }
    Ok(m)
}
