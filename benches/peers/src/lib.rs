//! One Dataverse model, three engines: accessgate, cedar-policy and casbin.
//!
//! [`Peers::encode`] translates a [`DataverseModel`] into
//!
//! * **Cedar**: one `permit` per role, table, privilege and level. Units, teams and roles are
//!   entities (`User in Team in Role`, `Unit in Unit`); each user carries, per role it holds,
//!   the set of anchor units of that role's assignments (`a_<role>`); each record carries its
//!   `table`, `owner` (a `User` or `Team`) and owning `unit`. User level is
//!   `principal in resource.owner`; Business Unit is `principal.a_<role>.contains(resource.unit)`;
//!   Parent: Child is `resource.unit in principal.a_<role>`; Organization is unconditional.
//! * **casbin**: an RBAC model whose subjects are `role@anchor` pairs (one policy line per
//!   pair, table and privilege, with the level and anchor), `g` links users to teams and to
//!   `role@anchor` subjects and teams to theirs, `g2` links each unit to its parent; the
//!   request carries the record's owner and owning unit.
//!
//! The encoding covers the part of the semantics both peers can express without custom code:
//! user- and team-owned tables, roles with the default "direct user (basic) and team"
//! inheritance, direct and owner-team assignments in any unit (matrix mode), ownership, the
//! four levels. [`Peers::encode`] refuses a model outside that part (shares, System
//! Administrator, organization-owned tables, team-only roles, other teams, non-default options).

use std::collections::{BTreeMap, BTreeSet};
use std::error::Error;

use accessgate::dataverse::*;
use accessgate::{AccessLevel, Privilege};
use casbin::{CoreApi, DefaultModel, Enforcer, MemoryAdapter, MgmtApi};
use cedar_policy::{Authorizer, Context, Entities, EntityUid, PolicySet};
use serde_json::{json, Value};

/// The record privileges compared (Create is a table privilege, not a record one).
pub const PRIVILEGES: [Privilege; 7] = Privilege::RECORD_RIGHTS;

const CASBIN_MODEL: &str = r#"
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

/// One request in each engine's own form, built once so that timing measures decisions only.
pub struct PeerRequest {
    /// accessgate: dense ids.
    pub user: UserId,
    /// The privilege.
    pub privilege: Privilege,
    /// accessgate: dense id.
    pub record: RecordId,
    /// Cedar: the request (principal, action, resource, empty context).
    pub cedar: cedar_policy::Request,
    /// casbin: user, table, privilege, owner, owning unit.
    pub casbin: [String; 5],
}

/// The three engines loaded with the same model.
pub struct Peers {
    /// accessgate's compiled policy.
    pub policy: DataversePolicy,
    cedar_policies: PolicySet,
    cedar_entities: Entities,
    authorizer: Authorizer,
    casbin: Enforcer,
    /// Number of Cedar policies.
    pub cedar_policy_count: usize,
    /// Number of casbin `p` lines.
    pub casbin_policy_count: usize,
    model: DataverseModel,
}

fn entity(kind: &str, id: &str) -> Value {
    json!({ "__entity": { "type": kind, "id": id } })
}

fn uid(kind: &str, id: &str) -> Value {
    json!({ "type": kind, "id": id })
}

fn level_name(level: AccessLevel) -> &'static str {
    match level {
        AccessLevel::None => "None",
        AccessLevel::User => "Basic",
        AccessLevel::BusinessUnit => "Local",
        AccessLevel::ParentChild => "Deep",
        AccessLevel::Organization => "Global",
    }
}

fn privilege_name(p: Privilege) -> &'static str {
    p.name().unwrap_or("?")
}

/// The level of `privilege` on `table` in `role`, if set.
fn cell(role: &RoleDef, table: &str, privilege: Privilege) -> Option<AccessLevel> {
    role.privileges
        .get(table)?
        .iter()
        .find(|(k, _)| k.contains(privilege))
        .map(|(_, l)| *l)
}

impl Peers {
    /// Loads `model` into the three engines.
    ///
    /// # Errors
    /// When the model uses something outside the encoded part (see the crate docs), or an engine
    /// rejects the encoding.
    pub fn encode(model: &DataverseModel) -> Result<Peers, Box<dyn Error>> {
        let plain = DataverseOptions {
            matrix_mode: model.options.matrix_mode,
            ..DataverseOptions::default()
        };
        if model.options != plain
            || !model.shares.is_empty()
            || model.roles.iter().any(|r| {
                r.system_administrator || r.inheritance != RoleInheritance::DirectUserBasicAndTeam
            })
            || model
                .tables
                .iter()
                .any(|t| t.ownership != TableOwnership::UserOrTeam)
            || model.teams.iter().any(|t| t.kind != TeamKind::Owner)
        {
            return Err("model outside the part both peers encode".into());
        }
        let policy = model.build()?;

        let user_unit: BTreeMap<&str, &str> = model
            .users
            .iter()
            .map(|u| (u.id.as_str(), u.business_unit.as_str()))
            .collect();
        let team_unit: BTreeMap<&str, &str> = model
            .teams
            .iter()
            .map(|t| (t.id.as_str(), t.business_unit.as_str()))
            .collect();
        // Role assignments as (principal, role, anchor).
        let mut user_roles: BTreeMap<&str, BTreeSet<(&str, &str)>> = BTreeMap::new();
        let mut team_roles: BTreeMap<&str, BTreeSet<(&str, &str)>> = BTreeMap::new();
        for a in &model.role_assignments {
            match &a.principal {
                PrincipalRef::User(u) => {
                    let anchor = a
                        .business_unit
                        .as_deref()
                        .or(user_unit.get(u.as_str()).copied())
                        .ok_or("unknown user")?;
                    user_roles
                        .entry(u.as_str())
                        .or_default()
                        .insert((a.role.as_str(), anchor));
                }
                PrincipalRef::Team(t) => {
                    let anchor = a
                        .business_unit
                        .as_deref()
                        .or(team_unit.get(t.as_str()).copied())
                        .ok_or("unknown team")?;
                    team_roles
                        .entry(t.as_str())
                        .or_default()
                        .insert((a.role.as_str(), anchor));
                }
            }
        }
        let mut user_teams: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
        for t in &model.teams {
            for m in &t.members {
                user_teams
                    .entry(m.as_str())
                    .or_default()
                    .push(t.id.as_str());
            }
        }

        // Cedar entities.
        let mut entities: Vec<Value> = Vec::new();
        for bu in &model.business_units {
            let parents: Vec<Value> = bu.parent.iter().map(|p| uid("Unit", p)).collect();
            entities.push(json!({ "uid": uid("Unit", &bu.id), "attrs": {}, "parents": parents }));
        }
        for r in &model.roles {
            entities.push(json!({ "uid": uid("Role", &r.id), "attrs": {}, "parents": [] }));
        }
        for t in &model.teams {
            let roles: BTreeSet<&str> = team_roles
                .get(t.id.as_str())
                .into_iter()
                .flatten()
                .map(|(r, _)| *r)
                .collect();
            let parents: Vec<Value> = roles.iter().map(|r| uid("Role", r)).collect();
            entities.push(json!({ "uid": uid("Team", &t.id), "attrs": {}, "parents": parents }));
        }
        for u in &model.users {
            let teams = user_teams.get(u.id.as_str()).cloned().unwrap_or_default();
            let mut anchors: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
            let mut direct: BTreeSet<&str> = BTreeSet::new();
            for &(role, anchor) in user_roles.get(u.id.as_str()).into_iter().flatten() {
                anchors.entry(role).or_default().insert(anchor);
                direct.insert(role);
            }
            for t in &teams {
                for &(role, anchor) in team_roles.get(t).into_iter().flatten() {
                    anchors.entry(role).or_default().insert(anchor);
                }
            }
            let attrs: serde_json::Map<String, Value> = anchors
                .iter()
                .map(|(role, units)| {
                    (
                        format!("a_{role}"),
                        Value::Array(units.iter().map(|b| entity("Unit", b)).collect()),
                    )
                })
                .collect();
            let parents: Vec<Value> = teams
                .iter()
                .map(|t| uid("Team", t))
                .chain(direct.iter().map(|r| uid("Role", r)))
                .collect();
            entities.push(json!({ "uid": uid("User", &u.id), "attrs": attrs, "parents": parents }));
        }
        for r in &model.records {
            let (owner, owner_unit) = match &r.owner {
                Some(PrincipalRef::User(u)) => (
                    entity("User", u),
                    user_unit.get(u.as_str()).copied().ok_or("unknown owner")?,
                ),
                Some(PrincipalRef::Team(t)) => (
                    entity("Team", t),
                    team_unit.get(t.as_str()).copied().ok_or("unknown owner")?,
                ),
                None => return Err("record without owner".into()),
            };
            let unit = r.owning_business_unit.as_deref().unwrap_or(owner_unit);
            entities.push(json!({
                "uid": uid("Record", &r.id),
                "attrs": { "table": r.table, "owner": owner, "unit": entity("Unit", unit) },
                "parents": []
            }));
        }
        let cedar_entities = Entities::from_json_value(Value::Array(entities), None)?;

        // Cedar policies: one per role, table, privilege and level.
        let mut text = String::new();
        let mut cedar_policy_count = 0;
        for role in &model.roles {
            for table in &model.tables {
                for p in PRIVILEGES {
                    let Some(level) = cell(role, &table.id, p) else {
                        continue;
                    };
                    let reach = match level {
                        AccessLevel::None => continue,
                        AccessLevel::User => "principal in resource.owner".to_owned(),
                        AccessLevel::BusinessUnit => format!(
                            "principal in resource.owner || (principal has a_{r} && principal.a_{r}.contains(resource.unit))",
                            r = role.id
                        ),
                        AccessLevel::ParentChild => format!(
                            "principal in resource.owner || (principal has a_{r} && resource.unit in principal.a_{r})",
                            r = role.id
                        ),
                        AccessLevel::Organization => "true".to_owned(),
                    };
                    text.push_str(&format!(
                        "permit(principal in Role::\"{}\", action == Action::\"{}\", resource is Record) \
                         when {{ resource.table == \"{}\" && ({reach}) }};\n",
                        role.id,
                        privilege_name(p),
                        table.id
                    ));
                    cedar_policy_count += 1;
                }
            }
        }
        let cedar_policies: PolicySet = text.parse()?;

        // casbin: subjects are role@anchor pairs.
        let mut p_lines: BTreeSet<Vec<String>> = BTreeSet::new();
        let mut g_lines: BTreeSet<Vec<String>> = BTreeSet::new();
        let roles: BTreeMap<&str, &RoleDef> =
            model.roles.iter().map(|r| (r.id.as_str(), r)).collect();
        let mut pairs: BTreeSet<(&str, &str)> = BTreeSet::new();
        for (user, held) in &user_roles {
            for &(role, anchor) in held {
                g_lines.insert(vec![user.to_string(), format!("{role}@{anchor}")]);
                pairs.insert((role, anchor));
            }
        }
        for (team, held) in &team_roles {
            for &(role, anchor) in held {
                g_lines.insert(vec![team.to_string(), format!("{role}@{anchor}")]);
                pairs.insert((role, anchor));
            }
        }
        for (user, teams) in &user_teams {
            for t in teams {
                g_lines.insert(vec![user.to_string(), t.to_string()]);
            }
        }
        for (role, anchor) in pairs {
            let Some(def) = roles.get(role) else {
                continue;
            };
            for table in &model.tables {
                for p in PRIVILEGES {
                    match cell(def, &table.id, p) {
                        None | Some(AccessLevel::None) => {}
                        Some(level) => {
                            p_lines.insert(vec![
                                format!("{role}@{anchor}"),
                                table.id.clone(),
                                privilege_name(p).to_owned(),
                                level_name(level).to_owned(),
                                anchor.to_owned(),
                            ]);
                        }
                    }
                }
            }
        }
        let g2_lines: Vec<Vec<String>> = model
            .business_units
            .iter()
            .filter_map(|b| b.parent.as_ref().map(|p| vec![b.id.clone(), p.clone()]))
            .collect();
        let casbin_policy_count = p_lines.len();
        let runtime = tokio::runtime::Builder::new_current_thread().build()?;
        let casbin = runtime.block_on(async {
            let m = DefaultModel::from_str(CASBIN_MODEL).await?;
            let mut e = Enforcer::new(m, MemoryAdapter::default()).await?;
            e.add_policies(p_lines.into_iter().collect()).await?;
            e.add_grouping_policies(g_lines.into_iter().collect())
                .await?;
            if !g2_lines.is_empty() {
                e.add_named_grouping_policies("g2", g2_lines).await?;
            }
            Ok::<_, casbin::Error>(e)
        })?;

        Ok(Peers {
            policy,
            cedar_policies,
            cedar_entities,
            authorizer: Authorizer::new(),
            casbin,
            cedar_policy_count,
            casbin_policy_count,
            model: model.clone(),
        })
    }

    /// `count` requests: users, privileges and records drawn with a fixed generator.
    ///
    /// # Errors
    /// When an id cannot be turned into a Cedar request.
    pub fn requests(&self, count: usize, seed: u64) -> Result<Vec<PeerRequest>, Box<dyn Error>> {
        let m = &self.model;
        let mut x = seed.max(1);
        let mut next = |n: usize| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x % n.max(1) as u64) as usize
        };
        let mut out = Vec::with_capacity(count);
        for _ in 0..count {
            let u = &m.users[next(m.users.len())];
            let r = &m.records[next(m.records.len())];
            let p = PRIVILEGES[next(PRIVILEGES.len())];
            let (owner, owner_unit) = match &r.owner {
                Some(PrincipalRef::User(o)) => (
                    o.clone(),
                    m.users
                        .iter()
                        .find(|x| &x.id == o)
                        .map(|x| x.business_unit.clone()),
                ),
                Some(PrincipalRef::Team(t)) => (
                    t.clone(),
                    m.teams
                        .iter()
                        .find(|x| &x.id == t)
                        .map(|x| x.business_unit.clone()),
                ),
                None => return Err("record without owner".into()),
            };
            let unit = r
                .owning_business_unit
                .clone()
                .or(owner_unit)
                .ok_or("unknown owner")?;
            let principal: EntityUid = format!("User::\"{}\"", u.id).parse()?;
            let action: EntityUid = format!("Action::\"{}\"", privilege_name(p)).parse()?;
            let resource: EntityUid = format!("Record::\"{}\"", r.id).parse()?;
            out.push(PeerRequest {
                user: self.policy.user_id(&u.id).ok_or("unknown user")?,
                privilege: p,
                record: self.policy.record_id(&r.id).ok_or("unknown record")?,
                cedar: cedar_policy::Request::new(
                    principal,
                    action,
                    resource,
                    Context::empty(),
                    None,
                )?,
                casbin: [
                    u.id.clone(),
                    r.table.clone(),
                    privilege_name(p).to_owned(),
                    owner,
                    unit,
                ],
            });
        }
        Ok(out)
    }

    /// accessgate's decision, with its reason computed (and dropped).
    #[inline]
    pub fn accessgate(&self, r: &PeerRequest) -> bool {
        self.policy
            .check(r.user, r.privilege, r.record)
            .decision()
            .is_allow()
    }

    /// Cedar's decision.
    pub fn cedar(&self, r: &PeerRequest) -> bool {
        self.authorizer
            .is_authorized(&r.cedar, &self.cedar_policies, &self.cedar_entities)
            .decision()
            == cedar_policy::Decision::Allow
    }

    /// casbin's decision; an evaluation error counts as deny.
    pub fn casbin(&self, r: &PeerRequest) -> bool {
        let [a, b, c, d, e] = &r.casbin;
        self.casbin
            .enforce((a.as_str(), b.as_str(), c.as_str(), d.as_str(), e.as_str()))
            .unwrap_or(false)
    }
}
