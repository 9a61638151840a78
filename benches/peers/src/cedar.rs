//! The model in Cedar, three ways: per cell, grouped, and grants as entity data (see the crate
//! docs).

use std::collections::{BTreeMap, BTreeSet};
use std::error::Error;
use std::fmt::Write as _;

use accessgate::dataverse::*;
use accessgate::AccessLevel;
use cedar_policy::{Authorizer, Entities, PolicySet};
use serde_json::{json, Value};

use crate::{cell, privilege_name, Expanded, PeerRequest, PRIVILEGES};

/// One Cedar encoding: its policies and entities.
pub struct CedarEncoding {
    /// What the encoding is, in a few words.
    pub name: &'static str,
    /// Number of `permit` policies.
    pub policy_count: usize,
    policies: PolicySet,
    entities: Entities,
    authorizer: Authorizer,
}

impl CedarEncoding {
    /// Cedar's decision on `r`.
    pub fn decide(&self, r: &PeerRequest) -> bool {
        self.authorizer
            .is_authorized(&r.cedar, &self.policies, &self.entities)
            .decision()
            == cedar_policy::Decision::Allow
    }

    fn new(
        name: &'static str,
        text: &str,
        policy_count: usize,
        entities: Vec<Value>,
    ) -> Result<CedarEncoding, Box<dyn Error>> {
        Ok(CedarEncoding {
            name,
            policy_count,
            policies: text.parse()?,
            entities: Entities::from_json_value(Value::Array(entities), None)?,
            authorizer: Authorizer::new(),
        })
    }
}

fn entity(kind: &str, id: &str) -> Value {
    json!({ "__entity": { "type": kind, "id": id } })
}

fn uid(kind: &str, id: &str) -> Value {
    json!({ "type": kind, "id": id })
}

/// Per cell, grouped, grants as entity data.
pub(crate) fn encodings(
    model: &DataverseModel,
    x: &Expanded<'_>,
) -> Result<Vec<CedarEncoding>, Box<dyn Error>> {
    let shared = shared_entities(model, x)?;
    let role_entities = role_entities(model, x);
    let with_roles: Vec<Value> = shared.iter().chain(&role_entities).cloned().collect();

    let (text, count) = per_cell(model);
    let per_cell = CedarEncoding::new("per cell", &text, count, with_roles.clone())?;
    let (text, count) = grouped(model);
    let grouped = CedarEncoding::new("grouped", &text, count, with_roles)?;
    let (text, count, users) = grants_as_data(model, x);
    let as_data = CedarEncoding::new(
        "grants as entity data",
        &text,
        count,
        shared.into_iter().chain(users).collect(),
    )?;
    Ok(vec![per_cell, grouped, as_data])
}

/// Units, tables and records (each record in its table, with its owner and owning unit).
fn shared_entities(model: &DataverseModel, x: &Expanded<'_>) -> Result<Vec<Value>, Box<dyn Error>> {
    let mut out = Vec::new();
    for bu in &model.business_units {
        let parents: Vec<Value> = bu.parent.iter().map(|p| uid("Unit", p)).collect();
        out.push(json!({ "uid": uid("Unit", &bu.id), "attrs": {}, "parents": parents }));
    }
    for t in &model.tables {
        out.push(json!({ "uid": uid("Table", &t.id), "attrs": {}, "parents": [] }));
    }
    for r in &model.records {
        let (owner, owner_unit) = match &r.owner {
            Some(PrincipalRef::User(u)) => (entity("User", u), x.user_unit.get(u.as_str())),
            Some(PrincipalRef::Team(t)) => (entity("Team", t), x.team_unit.get(t.as_str())),
            None => return Err("record without owner".into()),
        };
        let unit = r
            .owning_business_unit
            .as_deref()
            .or(owner_unit.copied())
            .ok_or("unknown owner")?;
        out.push(json!({
            "uid": uid("Record", &r.id),
            "attrs": { "table": r.table, "owner": owner, "unit": entity("Unit", unit) },
            "parents": [uid("Table", &r.table)]
        }));
    }
    Ok(out)
}

/// Roles, teams in their roles, users in their teams and direct roles with an anchor set per
/// role held (`a_<role>`): what the per-cell and grouped encodings read.
fn role_entities(model: &DataverseModel, x: &Expanded<'_>) -> Vec<Value> {
    let mut out = Vec::new();
    for r in &model.roles {
        out.push(json!({ "uid": uid("Role", &r.id), "attrs": {}, "parents": [] }));
    }
    for t in &model.teams {
        let roles: BTreeSet<&str> = x
            .team_roles
            .get(t.id.as_str())
            .into_iter()
            .flatten()
            .map(|(r, _)| *r)
            .collect();
        let parents: Vec<Value> = roles.iter().map(|r| uid("Role", r)).collect();
        out.push(json!({ "uid": uid("Team", &t.id), "attrs": {}, "parents": parents }));
    }
    for u in &model.users {
        let mut anchors: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
        for (role, anchor) in x.grants_of(&u.id) {
            anchors.entry(role).or_default().insert(anchor);
        }
        let attrs: serde_json::Map<String, Value> = anchors
            .iter()
            .map(|(role, units)| {
                let set = units.iter().map(|b| entity("Unit", b)).collect();
                (format!("a_{role}"), Value::Array(set))
            })
            .collect();
        let teams = x.user_teams.get(u.id.as_str()).into_iter().flatten();
        let direct: BTreeSet<&str> = x
            .user_roles
            .get(u.id.as_str())
            .into_iter()
            .flatten()
            .map(|(r, _)| *r)
            .collect();
        let parents: Vec<Value> = teams
            .map(|t| uid("Team", t))
            .chain(direct.iter().map(|r| uid("Role", r)))
            .collect();
        out.push(json!({ "uid": uid("User", &u.id), "attrs": attrs, "parents": parents }));
    }
    out
}

/// The condition that a grant of `role` at `level` reaches the resource; `None` for no access.
fn reach(role: &str, level: AccessLevel) -> Option<String> {
    Some(match level {
        AccessLevel::None => return None,
        AccessLevel::User => "principal in resource.owner".to_owned(),
        AccessLevel::BusinessUnit => format!(
            "principal in resource.owner || (principal has a_{role} && principal.a_{role}.contains(resource.unit))"
        ),
        AccessLevel::ParentChild => format!(
            "principal in resource.owner || (principal has a_{role} && resource.unit in principal.a_{role})"
        ),
        AccessLevel::Organization => "true".to_owned(),
    })
}

/// One `permit` per role, table, privilege and level.
fn per_cell(model: &DataverseModel) -> (String, usize) {
    let (mut text, mut count) = (String::new(), 0);
    for role in &model.roles {
        for table in &model.tables {
            for p in PRIVILEGES {
                let Some(reach) = cell(role, &table.id, p).and_then(|l| reach(&role.id, l)) else {
                    continue;
                };
                let _ = writeln!(
                    text,
                    "permit(principal in Role::\"{}\", action == Action::\"{}\", resource is Record) \
                     when {{ resource.table == \"{}\" && ({reach}) }};",
                    role.id,
                    privilege_name(p),
                    table.id
                );
                count += 1;
            }
        }
    }
    (text, count)
}

/// One `permit` per role, table and level: the level's privileges in `action in [...]`, the
/// table in the scope.
fn grouped(model: &DataverseModel) -> (String, usize) {
    let (mut text, mut count) = (String::new(), 0);
    for role in &model.roles {
        for table in &model.tables {
            let mut by_level: BTreeMap<AccessLevel, Vec<String>> = BTreeMap::new();
            for p in PRIVILEGES {
                if let Some(level) = cell(role, &table.id, p) {
                    let action = format!("Action::\"{}\"", privilege_name(p));
                    by_level.entry(level).or_default().push(action);
                }
            }
            for (level, actions) in by_level {
                let Some(reach) = reach(&role.id, level) else {
                    continue;
                };
                let _ = writeln!(
                    text,
                    "permit(principal in Role::\"{}\", action in [{}], resource in Table::\"{}\") \
                     when {{ {reach} }};",
                    role.id,
                    actions.join(", "),
                    table.id
                );
                count += 1;
            }
        }
    }
    (text, count)
}

/// The attribute name for a table and privilege, valid as a Cedar identifier.
fn key(table: &str, privilege: &str) -> String {
    format!("{table}_{privilege}").replace(|c: char| !c.is_ascii_alphanumeric(), "_")
}

/// One `permit` per table and privilege, over users whose groups and unit sets hold the role
/// expansion.
fn grants_as_data(model: &DataverseModel, x: &Expanded<'_>) -> (String, usize, Vec<Value>) {
    let roles: BTreeMap<&str, &RoleDef> = model.roles.iter().map(|r| (r.id.as_str(), r)).collect();
    let mut users = Vec::new();
    let mut used: BTreeSet<(String, &'static str)> = BTreeSet::new();
    let mut all_groups: BTreeSet<String> = BTreeSet::new();
    for t in &model.teams {
        users.push(json!({ "uid": uid("Team", &t.id), "attrs": {}, "parents": [] }));
    }
    for u in &model.users {
        let mut groups: BTreeSet<String> = BTreeSet::new();
        let mut local: BTreeMap<String, BTreeSet<&str>> = BTreeMap::new();
        let mut deep: BTreeMap<String, BTreeSet<&str>> = BTreeMap::new();
        for (role, anchor) in x.grants_of(&u.id) {
            let Some(def) = roles.get(role) else {
                continue;
            };
            for table in &model.tables {
                for p in PRIVILEGES {
                    let name = privilege_name(p);
                    let group = format!("{}/{name}", table.id);
                    match cell(def, &table.id, p) {
                        None | Some(AccessLevel::None) => continue,
                        Some(AccessLevel::User) => {}
                        Some(AccessLevel::BusinessUnit) => {
                            local
                                .entry(key(&table.id, name))
                                .or_default()
                                .insert(anchor);
                        }
                        Some(AccessLevel::ParentChild) => {
                            deep.entry(key(&table.id, name)).or_default().insert(anchor);
                        }
                        Some(AccessLevel::Organization) => {
                            groups.insert(format!("{group}/Global"));
                        }
                    }
                    groups.insert(group);
                    used.insert((table.id.clone(), name));
                }
            }
        }
        let mut attrs = serde_json::Map::new();
        for (prefix, sets) in [("l_", local), ("d_", deep)] {
            for (k, units) in sets {
                let set = units.iter().map(|b| entity("Unit", b)).collect();
                attrs.insert(format!("{prefix}{k}"), Value::Array(set));
            }
        }
        let parents: Vec<Value> = x
            .user_teams
            .get(u.id.as_str())
            .into_iter()
            .flatten()
            .map(|t| uid("Team", t))
            .chain(groups.iter().map(|g| uid("Perm", g)))
            .collect();
        users.push(json!({ "uid": uid("User", &u.id), "attrs": attrs, "parents": parents }));
        all_groups.extend(groups);
    }
    for g in all_groups {
        users.push(json!({ "uid": uid("Perm", &g), "attrs": {}, "parents": [] }));
    }
    let (mut text, mut count) = (String::new(), 0);
    for (table, name) in used {
        let k = key(&table, name);
        let _ = writeln!(
            text,
            "permit(principal in Perm::\"{table}/{name}\", action == Action::\"{name}\", \
             resource in Table::\"{table}\") when {{ principal in Perm::\"{table}/{name}/Global\" \
             || principal in resource.owner \
             || (principal has l_{k} && principal.l_{k}.contains(resource.unit)) \
             || (principal has d_{k} && resource.unit in principal.d_{k}) }};"
        );
        count += 1;
    }
    (text, count, users)
}
