//! The bare loop: the minimal lookups for a record decision, without reasons, as a baseline.
//!
//! For the models `organisation` generates (user- and team-owned tables, owner teams, roles with
//! the default inheritance, no shares, no System Administrator, default options), a user may use
//! a privilege on a record when one of the user's grants (direct, or through a team) gives a
//! level of at least User on the record's table and that level reaches the record: the user
//! owns it or is a member of the owning team (every level), its owning unit is the grant's
//! anchor (Business Unit), lies in the anchor's subtree (Parent: Child, one interval compare
//! on pre-order numbers), or the level is Organization.
//!
//! [`BareLoop`] holds exactly that in flat arrays: each user's grants contiguous, the role cells
//! dense (`role × table × privilege`, one byte each), each record's table, owner and owning unit
//! resolved, each unit's pre-order interval. A decision is one offset pair, one record, then per
//! grant one cell byte and a compare. It knows nothing of reasons, shares, hierarchy security,
//! the environment gate or configuration changes; it is the physical limit the real decision is
//! measured against, and it is checked to agree with accessgate before it is timed.

#![allow(
    clippy::expect_used,
    clippy::panic,
    reason = "a bench model outside what the bare loop covers should stop the bench"
)]

use std::collections::HashMap;

use accessgate::dataverse::{DataverseModel, DataversePolicy, PrincipalRef};
use accessgate::AccessLevel;

/// Marks a team owner in [`Rec::owner`].
const TEAM: u32 = 1 << 31;

/// A record's decision facts.
#[derive(Clone, Copy, Default)]
struct Rec {
    table: u32,
    /// The owning user, or the owning team with [`TEAM`] set.
    owner: u32,
    /// The owning unit's pre-order number.
    unit: u32,
}

/// The flat arrays of the bare loop; see the module docs.
pub struct BareLoop {
    /// `grant_offsets[u]..grant_offsets[u + 1]` are user `u`'s grants.
    grant_offsets: Vec<u32>,
    /// (role, anchor's pre-order number, anchor's subtree end).
    grants: Vec<(u32, u32, u32)>,
    /// `team_offsets[u]..team_offsets[u + 1]` are user `u`'s teams, sorted.
    team_offsets: Vec<u32>,
    teams: Vec<u32>,
    /// `cells[(role * tables + table) * 8 + bit]`: the level as a byte (0 = none).
    cells: Vec<u8>,
    tables: usize,
    records: Vec<Rec>,
}

impl BareLoop {
    /// The bare loop's arrays for `model`, with users and records numbered as in `policy`.
    ///
    /// # Panics
    /// When a name of the model is not in the policy (a bench setup error).
    pub fn new(model: &DataverseModel, policy: &DataversePolicy) -> BareLoop {
        let unit_index: HashMap<&str, usize> = model
            .business_units
            .iter()
            .enumerate()
            .map(|(i, b)| (b.id.as_str(), i))
            .collect();
        // Pre-order numbers and subtree ends.
        let mut children: Vec<Vec<usize>> = vec![Vec::new(); model.business_units.len()];
        let mut roots = Vec::new();
        for (i, b) in model.business_units.iter().enumerate() {
            match b.parent.as_deref().and_then(|p| unit_index.get(p)) {
                Some(&p) => children[p].push(i),
                None => roots.push(i),
            }
        }
        let mut pre = vec![0u32; children.len()];
        let mut end = vec![0u32; children.len()];
        let mut next = 0u32;
        let mut stack: Vec<(usize, bool)> = roots.iter().rev().map(|&r| (r, false)).collect();
        while let Some((n, done)) = stack.pop() {
            if done {
                end[n] = next;
                continue;
            }
            pre[n] = next;
            next += 1;
            stack.push((n, true));
            stack.extend(children[n].iter().rev().map(|&c| (c, false)));
        }
        let unit = |name: &str| unit_index[name];

        let tables: HashMap<&str, usize> = model
            .tables
            .iter()
            .enumerate()
            .map(|(i, t)| (t.id.as_str(), i))
            .collect();
        let roles: HashMap<&str, usize> = model
            .roles
            .iter()
            .enumerate()
            .map(|(i, r)| (r.id.as_str(), i))
            .collect();
        let mut cells = vec![0u8; model.roles.len() * tables.len() * 8];
        for (r, role) in model.roles.iter().enumerate() {
            for (table, keys) in &role.privileges {
                let t = tables[table.as_str()];
                for (privileges, level) in keys {
                    for bit in 0..8 {
                        if privileges.bits() & (1 << bit) != 0 {
                            cells[(r * tables.len() + t) * 8 + bit] = *level as u8;
                        }
                    }
                }
            }
        }

        let users = policy.user_count();
        let user_of = |name: &str| policy.user_id(name).expect("user in policy").index();
        let team_of = |name: &str| policy.team_id(name).expect("team in policy").index() as u32;
        let mut user_unit = vec![0usize; users];
        for u in &model.users {
            user_unit[user_of(&u.id)] = unit(&u.business_unit);
        }
        let mut team_unit: HashMap<&str, usize> = HashMap::new();
        let mut user_teams: Vec<Vec<u32>> = vec![Vec::new(); users];
        let mut team_members: HashMap<&str, Vec<usize>> = HashMap::new();
        for t in &model.teams {
            team_unit.insert(t.id.as_str(), unit(&t.business_unit));
            for m in &t.members {
                let u = user_of(m);
                user_teams[u].push(team_of(&t.id));
                team_members.entry(t.id.as_str()).or_default().push(u);
            }
        }
        let mut user_grants: Vec<Vec<(u32, u32, u32)>> = vec![Vec::new(); users];
        for a in &model.role_assignments {
            let role = roles[a.role.as_str()] as u32;
            let (holders, home) = match &a.principal {
                PrincipalRef::User(u) => {
                    let u = user_of(u);
                    (vec![u], user_unit[u])
                }
                PrincipalRef::Team(t) => (
                    team_members.get(t.as_str()).cloned().unwrap_or_default(),
                    team_unit[t.as_str()],
                ),
            };
            let anchor = a.business_unit.as_deref().map_or(home, unit);
            for u in holders {
                user_grants[u].push((role, pre[anchor], end[anchor]));
            }
        }
        let (grant_offsets, grants) = flatten(user_grants);
        for t in &mut user_teams {
            t.sort_unstable();
        }
        let (team_offsets, teams) = flatten(user_teams);

        let mut records = vec![Rec::default(); policy.record_count()];
        for r in &model.records {
            let (owner, home) = match &r.owner {
                Some(PrincipalRef::User(u)) => {
                    let u = user_of(u);
                    (u as u32, user_unit[u])
                }
                Some(PrincipalRef::Team(t)) => (team_of(t) | TEAM, team_unit[t.as_str()]),
                None => panic!("the bare loop covers owned records only"),
            };
            let id = policy.record_id(&r.id).expect("record in policy").index();
            records[id] = Rec {
                table: tables[r.table.as_str()] as u32,
                owner,
                unit: pre[r.owning_business_unit.as_deref().map_or(home, unit)],
            };
        }
        BareLoop {
            grant_offsets,
            grants,
            team_offsets,
            teams,
            cells,
            tables: tables.len(),
            records,
        }
    }

    /// Whether `user` may use privilege `bit` on `record`; see the module docs.
    #[inline]
    pub fn decide(&self, user: usize, bit: usize, record: usize) -> bool {
        let (Some(&a), Some(&b), Some(rec)) = (
            self.grant_offsets.get(user),
            self.grant_offsets.get(user + 1),
            self.records.get(record),
        ) else {
            return false;
        };
        let owns = if rec.owner & TEAM == 0 {
            rec.owner as usize == user
        } else {
            let (s, e) = (self.team_offsets[user], self.team_offsets[user + 1]);
            self.teams[s as usize..e as usize]
                .binary_search(&(rec.owner & !TEAM))
                .is_ok()
        };
        let base = rec.table as usize * 8 + bit;
        self.grants[a as usize..b as usize]
            .iter()
            .any(|&(role, pre, end)| {
                let level = self.cells[role as usize * self.tables * 8 + base];
                (level >= AccessLevel::User as u8 && owns)
                    || (level == AccessLevel::BusinessUnit as u8 && rec.unit == pre)
                    || (level == AccessLevel::ParentChild as u8
                        && pre <= rec.unit
                        && rec.unit < end)
                    || level == AccessLevel::Organization as u8
            })
    }
}

/// Rows of items as offsets and one contiguous array.
fn flatten<T>(rows: Vec<Vec<T>>) -> (Vec<u32>, Vec<T>) {
    let mut offsets = Vec::with_capacity(rows.len() + 1);
    let mut items = Vec::new();
    offsets.push(0);
    for row in rows {
        items.extend(row);
        offsets.push(items.len() as u32);
    }
    (offsets, items)
}
