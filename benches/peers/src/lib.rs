//! One Dataverse model in accessgate, cedar-policy and casbin, each peer in the encodings its
//! users would write.
//!
//! [`Peers::encode`] translates a [`DataverseModel`] into
//!
//! * **Cedar, per cell** ([`cedar`]): one `permit` per role, table, privilege and level over
//!   `User in Team in Role` and `Unit in Unit` entities, each user carrying per role the set of
//!   anchor units of that role's assignments. The direct translation of a role matrix.
//! * **Cedar, grouped**: one `permit` per role, table and level, the privileges of that level
//!   in `action in [...]`, the table in the scope (`resource in Table::"t"`), so fewer policies
//!   and a scope that rules most of them out before any condition runs.
//! * **Cedar, grants as entity data**: the role expansion computed ahead (as an application
//!   that syncs entities from its role store would): each user is in a `Perm::"table/privilege"`
//!   group for every privilege some grant gives at User level or more, and in
//!   `Perm::"table/privilege/Global"` for Organization level; Business Unit and Parent: Child
//!   anchors are unit sets on the user. One `permit` per table and privilege ORs the four reaches.
//! * **casbin, as first written** ([`casbin`]): subjects are `role@anchor` pairs, one policy line
//!   per pair, table and privilege.
//! * **casbin, role-keyed**: one policy line per role, table and privilege; `g` links users to
//!   teams and roles and teams to roles; anchors are `g2` grouping rules under a domain per role
//!   and level (`role` for Business Unit anchors, `role/deep` for every unit of a Parent: Child
//!   anchor's subtree, expanded: casbin 2 keeps all groupings in one role manager, so the two
//!   anchor groupings need distinct names).
//!
//! The encodings cover the part of the semantics both peers can express without custom code:
//! user- and team-owned tables, roles with the default "direct user (basic) and team"
//! inheritance, direct and owner-team assignments in any unit (matrix mode), ownership, the
//! four levels. [`Peers::encode`] refuses a model outside that part (shares, System
//! Administrator, organization-owned tables, team-only roles, other teams, non-default options).

use std::collections::{BTreeMap, BTreeSet};
use std::error::Error;

use accessgate::dataverse::*;
use accessgate::{AccessLevel, Privilege};
use cedar_policy::{Context, EntityUid};

pub mod casbin;
pub mod cedar;

pub use crate::casbin::CasbinEncoding;
pub use crate::cedar::CedarEncoding;

/// The record privileges compared (Create is a table privilege, not a record one).
pub const PRIVILEGES: [Privilege; 7] = Privilege::RECORD_RIGHTS;

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

/// accessgate and every peer encoding, loaded with the same model.
pub struct Peers {
    /// accessgate's compiled policy.
    pub policy: DataversePolicy,
    /// The Cedar encodings: per cell, grouped, grants as entity data.
    pub cedar: Vec<CedarEncoding>,
    /// The casbin encodings: as first written, role-keyed.
    pub casbin: Vec<CasbinEncoding>,
    model: DataverseModel,
}

/// The model's role assignments resolved to anchors, and its memberships, by name.
pub(crate) struct Expanded<'m> {
    pub(crate) user_unit: BTreeMap<&'m str, &'m str>,
    pub(crate) team_unit: BTreeMap<&'m str, &'m str>,
    /// (role, anchor) per user, direct assignments only.
    pub(crate) user_roles: BTreeMap<&'m str, BTreeSet<(&'m str, &'m str)>>,
    /// (role, anchor) per team.
    pub(crate) team_roles: BTreeMap<&'m str, BTreeSet<(&'m str, &'m str)>>,
    pub(crate) user_teams: BTreeMap<&'m str, Vec<&'m str>>,
    /// Each unit's subtree (itself included).
    pub(crate) subtree: BTreeMap<&'m str, Vec<&'m str>>,
}

impl<'m> Expanded<'m> {
    fn new(model: &'m DataverseModel) -> Result<Expanded<'m>, Box<dyn Error>> {
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
        let mut user_roles: BTreeMap<&str, BTreeSet<(&str, &str)>> = BTreeMap::new();
        let mut team_roles: BTreeMap<&str, BTreeSet<(&str, &str)>> = BTreeMap::new();
        for a in &model.role_assignments {
            let (map, who, home) = match &a.principal {
                PrincipalRef::User(u) => (&mut user_roles, u, user_unit.get(u.as_str())),
                PrincipalRef::Team(t) => (&mut team_roles, t, team_unit.get(t.as_str())),
            };
            let anchor = a
                .business_unit
                .as_deref()
                .or(home.copied())
                .ok_or("unknown principal")?;
            map.entry(who.as_str())
                .or_default()
                .insert((a.role.as_str(), anchor));
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
        let mut subtree: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
        for b in &model.business_units {
            // Every unit belongs to its own subtree and to each ancestor's.
            let mut at = Some(b.id.as_str());
            let mut steps = 0;
            while let Some(unit) = at {
                subtree.entry(unit).or_default().push(b.id.as_str());
                at = model
                    .business_units
                    .iter()
                    .find(|x| x.id == unit)
                    .and_then(|x| x.parent.as_deref());
                steps += 1;
                if steps > model.business_units.len() {
                    return Err("business unit cycle".into());
                }
            }
        }
        Ok(Expanded {
            user_unit,
            team_unit,
            user_roles,
            team_roles,
            user_teams,
            subtree,
        })
    }

    /// Every (role, anchor) a user holds, directly or through a team.
    pub(crate) fn grants_of(&self, user: &str) -> BTreeSet<(&'m str, &'m str)> {
        let mut out: BTreeSet<(&str, &str)> = self
            .user_roles
            .get(user)
            .into_iter()
            .flatten()
            .copied()
            .collect();
        for t in self.user_teams.get(user).into_iter().flatten() {
            out.extend(self.team_roles.get(t).into_iter().flatten().copied());
        }
        out
    }
}

/// Cedar and casbin spelling of a level.
pub(crate) fn level_name(level: AccessLevel) -> &'static str {
    match level {
        AccessLevel::None => "None",
        AccessLevel::User => "Basic",
        AccessLevel::BusinessUnit => "Local",
        AccessLevel::ParentChild => "Deep",
        AccessLevel::Organization => "Global",
    }
}

/// A privilege's name.
pub(crate) fn privilege_name(p: Privilege) -> &'static str {
    p.name().unwrap_or("?")
}

/// The level of `privilege` on `table` in `role`, if set.
pub(crate) fn cell(role: &RoleDef, table: &str, privilege: Privilege) -> Option<AccessLevel> {
    role.privileges
        .get(table)?
        .iter()
        .find(|(k, _)| k.contains(privilege))
        .map(|(_, l)| *l)
}

impl Peers {
    /// Loads `model` into accessgate and every peer encoding.
    ///
    /// # Errors
    /// When the model uses something outside the encoded part (see the crate docs), or an engine
    /// rejects the encoding.
    pub fn encode(model: &DataverseModel) -> Result<Peers, Box<dyn Error>> {
        let plain = DataverseOptions::default().with_matrix_mode(model.options.matrix_mode);
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
            || model.records.iter().any(|r| r.owner.is_none())
        {
            return Err("model outside the part both peers encode".into());
        }
        let policy = model.build()?;
        let x = Expanded::new(model)?;
        let cedar = cedar::encodings(model, &x)?;
        let casbin = casbin::encodings(model, &x)?;
        Ok(Peers {
            policy,
            cedar,
            casbin,
            model: model.clone(),
        })
    }

    /// The model the engines were loaded with.
    pub fn model(&self) -> &DataverseModel {
        &self.model
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
        let user_unit: BTreeMap<&str, &str> = m
            .users
            .iter()
            .map(|u| (u.id.as_str(), u.business_unit.as_str()))
            .chain(
                m.teams
                    .iter()
                    .map(|t| (t.id.as_str(), t.business_unit.as_str())),
            )
            .collect();
        let mut out = Vec::with_capacity(count);
        for _ in 0..count {
            let u = &m.users[next(m.users.len())];
            let r = &m.records[next(m.records.len())];
            let p = PRIVILEGES[next(PRIVILEGES.len())];
            let owner = match &r.owner {
                Some(PrincipalRef::User(o) | PrincipalRef::Team(o)) => o.clone(),
                None => return Err("record without owner".into()),
            };
            let unit = r
                .owning_business_unit
                .as_deref()
                .or(user_unit.get(owner.as_str()).copied())
                .ok_or("unknown owner")?
                .to_owned();
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
}
