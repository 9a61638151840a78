//! The model in casbin, two ways: subjects as `role@anchor` pairs (as first written), and
//! role-keyed policy lines with anchors in grouping rules (see the crate docs).

use std::collections::{BTreeMap, BTreeSet};
use std::error::Error;

use accessgate::dataverse::*;
use accessgate::AccessLevel;
use casbin::{CoreApi, DefaultModel, Enforcer, MemoryAdapter, MgmtApi};

use crate::{cell, level_name, privilege_name, Expanded, PeerRequest, PRIVILEGES};

/// Subjects are `role@anchor` pairs; the level and anchor are policy fields.
const PAIRS_MODEL: &str = r#"
[request_definition]
r = sub, tab, act, owner, unit

[policy_definition]
p = sub, tab, act, lvl, anchor

[role_definition]
g = _, _
g2 = _, _

[policy_effect]
e = some(where (p.eft == allow))

[matchers]
m = g(r.sub, p.sub) && r.tab == p.tab && r.act == p.act && (p.lvl == "Global" || r.owner == r.sub || g(r.sub, r.owner) || (p.lvl == "Local" && r.unit == p.anchor) || (p.lvl == "Deep" && g2(r.unit, p.anchor)))
"#;

/// Subjects are roles. casbin 2 keeps every grouping (`g`, `g2`, ...) in one role manager, so
/// the anchors go in `g2` under a domain per role and grouping: `role` holds each user's
/// Business Unit anchors of that role, `role/deep` every unit of the subtrees of the user's
/// Parent: Child anchors (expanded). Each policy line names the domain its level reads
/// (`scope`, `-` for none). The cheap string compares come first, so most lines are ruled out
/// before any role lookup.
const ROLE_KEYED_MODEL: &str = r#"
[request_definition]
r = sub, tab, act, owner, unit

[policy_definition]
p = sub, tab, act, lvl, scope

[role_definition]
g = _, _
g2 = _, _, _

[policy_effect]
e = some(where (p.eft == allow))

[matchers]
m = r.tab == p.tab && r.act == p.act && g(r.sub, p.sub) && (p.lvl == "Global" || r.owner == r.sub || g(r.sub, r.owner) || g2(r.sub, r.unit, p.scope))
"#;

/// One casbin encoding: an enforcer loaded with its lines.
pub struct CasbinEncoding {
    /// What the encoding is, in a few words.
    pub name: &'static str,
    /// Number of `p` lines.
    pub policy_count: usize,
    /// Number of grouping lines (`g`, `g2`).
    pub grouping_count: usize,
    enforcer: Enforcer,
}

impl CasbinEncoding {
    /// casbin's decision on `r`; an evaluation error counts as deny.
    pub fn decide(&self, r: &PeerRequest) -> bool {
        let [a, b, c, d, e] = &r.casbin;
        self.enforcer
            .enforce((a.as_str(), b.as_str(), c.as_str(), d.as_str(), e.as_str()))
            .unwrap_or(false)
    }
}

type Lines = BTreeSet<Vec<String>>;

fn line<const N: usize>(fields: [&str; N]) -> Vec<String> {
    fields.iter().map(|f| (*f).to_owned()).collect()
}

/// Loads an enforcer from a model text and its lines.
fn load(
    name: &'static str,
    model: &str,
    p: Lines,
    groupings: Vec<(&str, Lines)>,
) -> Result<CasbinEncoding, Box<dyn Error>> {
    let policy_count = p.len();
    let grouping_count = groupings.iter().map(|(_, l)| l.len()).sum();
    let runtime = tokio::runtime::Builder::new_current_thread().build()?;
    let enforcer = runtime.block_on(async {
        let m = DefaultModel::from_str(model).await?;
        let mut e = Enforcer::new(m, MemoryAdapter::default()).await?;
        e.add_policies(p.into_iter().collect()).await?;
        for (g, lines) in groupings {
            if !lines.is_empty() {
                e.add_named_grouping_policies(g, lines.into_iter().collect())
                    .await?;
            }
        }
        Ok::<_, casbin::Error>(e)
    })?;
    Ok(CasbinEncoding {
        name,
        policy_count,
        grouping_count,
        enforcer,
    })
}

/// As first written, role-keyed.
pub(crate) fn encodings(
    model: &DataverseModel,
    x: &Expanded<'_>,
) -> Result<Vec<CasbinEncoding>, Box<dyn Error>> {
    Ok(vec![pairs(model, x)?, role_keyed(model, x)?])
}

/// Memberships: users in teams.
fn memberships(x: &Expanded<'_>) -> Lines {
    let mut g = Lines::new();
    for (user, teams) in &x.user_teams {
        for t in teams {
            g.insert(line([user, t]));
        }
    }
    g
}

fn pairs(model: &DataverseModel, x: &Expanded<'_>) -> Result<CasbinEncoding, Box<dyn Error>> {
    let mut p = Lines::new();
    let mut g = memberships(x);
    let roles: BTreeMap<&str, &RoleDef> = model.roles.iter().map(|r| (r.id.as_str(), r)).collect();
    let mut held: BTreeSet<(&str, &str)> = BTreeSet::new();
    for (who, assigned) in x.user_roles.iter().chain(&x.team_roles) {
        for &(role, anchor) in assigned {
            g.insert(line([who, &format!("{role}@{anchor}")]));
            held.insert((role, anchor));
        }
    }
    for (role, anchor) in held {
        let Some(def) = roles.get(role) else {
            continue;
        };
        for table in &model.tables {
            for privilege in PRIVILEGES {
                match cell(def, &table.id, privilege) {
                    None | Some(AccessLevel::None) => {}
                    Some(level) => {
                        p.insert(line([
                            &format!("{role}@{anchor}"),
                            &table.id,
                            privilege_name(privilege),
                            level_name(level),
                            anchor,
                        ]));
                    }
                }
            }
        }
    }
    let g2: Lines = model
        .business_units
        .iter()
        .filter_map(|b| b.parent.as_ref().map(|parent| line([&b.id, parent])))
        .collect();
    load(
        "role@anchor subjects",
        PAIRS_MODEL,
        p,
        vec![("g", g), ("g2", g2)],
    )
}

fn role_keyed(model: &DataverseModel, x: &Expanded<'_>) -> Result<CasbinEncoding, Box<dyn Error>> {
    let mut p = Lines::new();
    let mut g = memberships(x);
    let mut g2 = Lines::new();
    for role in &model.roles {
        for table in &model.tables {
            for privilege in PRIVILEGES {
                let Some(level) = cell(role, &table.id, privilege) else {
                    continue;
                };
                let scope = match level {
                    AccessLevel::None => continue,
                    AccessLevel::User | AccessLevel::Organization => "-".to_owned(),
                    AccessLevel::BusinessUnit => role.id.clone(),
                    AccessLevel::ParentChild => format!("{}/deep", role.id),
                };
                p.insert(line([
                    &role.id,
                    &table.id,
                    privilege_name(privilege),
                    level_name(level),
                    &scope,
                ]));
            }
        }
    }
    for (who, assigned) in x.user_roles.iter().chain(&x.team_roles) {
        for &(role, _) in assigned {
            g.insert(line([who, role]));
        }
    }
    // Anchor rules only for roles that have a cell at that level somewhere.
    let has = |role: &str, level: AccessLevel| {
        model.roles.iter().any(|r| {
            r.id == role
                && model
                    .tables
                    .iter()
                    .any(|t| PRIVILEGES.iter().any(|&p| cell(r, &t.id, p) == Some(level)))
        })
    };
    let local: BTreeSet<&str> = model
        .roles
        .iter()
        .map(|r| r.id.as_str())
        .filter(|r| has(r, AccessLevel::BusinessUnit))
        .collect();
    let deep: BTreeSet<&str> = model
        .roles
        .iter()
        .map(|r| r.id.as_str())
        .filter(|r| has(r, AccessLevel::ParentChild))
        .collect();
    for u in &model.users {
        for (role, anchor) in x.grants_of(&u.id) {
            if local.contains(role) {
                g2.insert(line([&u.id, anchor, role]));
            }
            if deep.contains(role) {
                let deep = format!("{role}/deep");
                for unit in x.subtree.get(anchor).into_iter().flatten() {
                    g2.insert(line([&u.id, unit, &deep]));
                }
            }
        }
    }
    load(
        "role-keyed",
        ROLE_KEYED_MODEL,
        p,
        vec![("g", g), ("g2", g2)],
    )
}
