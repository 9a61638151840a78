//! A generated organisation with records in the application's own layout, and the same records
//! as facts for `check_facts`.
//!
//! Three tables: `account` (hierarchy security on), `contact` (child of `account`, shares
//! cascade to every contact) and `task` (child of `contact`, shares cascade to active tasks
//! only). Records are owned by users (85 %) and owner teams across a unit tree, in matrix mode a
//! fifth of them in another unit than the owner's; 3 % carry a direct share (user, team, or the
//! organization), and some contacts carry a share the application already cascaded from their
//! account (an `inherited_from` row).

use std::collections::HashMap;
use std::ops::ControlFlow;

use accessgate::dataverse::*;
use accessgate::{AccessLevel, Privilege};

/// A deterministic generator (xorshift64*).
pub struct Rng(u64);

impl Rng {
    /// A generator from a seed.
    pub fn new(seed: u64) -> Rng {
        Rng(seed.max(1))
    }

    /// A number below `n` (`n > 0`).
    pub fn below(&mut self, n: usize) -> usize {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        (x.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 11) as usize % n.max(1)
    }
}

/// The tables, in the order of their relationships.
pub const TABLES: [&str; 3] = ["account", "contact", "task"];

/// One row of a record table.
#[derive(Debug, Clone)]
pub struct Row {
    /// Record id (unique across tables).
    pub id: String,
    /// Index into [`TABLES`].
    pub table: usize,
    /// Owner id (a user or team name of the model).
    pub owner: String,
    /// Owner kind: `user` or `team`.
    pub owner_kind: &'static str,
    /// Owning unit name.
    pub unit: String,
    /// 0 active, 1 inactive.
    pub state: i64,
    /// The parent record's id (`contact` → account, `task` → contact).
    pub parent: Option<String>,
}

/// One row of the share table.
#[derive(Debug, Clone)]
pub struct ShareRow {
    /// The shared record.
    pub object: String,
    /// The principal's name (empty for the organization).
    pub principal: String,
    /// `user`, `team` or `organization`.
    pub kind: &'static str,
    /// Dataverse access rights.
    pub rights: i64,
    /// The record a cascaded row came from.
    pub inherited_from: Option<String>,
}

/// The organisation: model, compiled policy, rows.
pub struct Org {
    /// The compiled configuration.
    pub policy: DataversePolicy,
    /// Record rows.
    pub rows: Vec<Row>,
    /// Share rows.
    pub shares: Vec<ShareRow>,
    by_id: HashMap<String, usize>,
    facts: Vec<RecordFacts>,
    share_facts: Vec<Vec<ShareFact>>,
}

/// The generated model: `users` users in 100 units, 100 owner teams, 20 roles, managers,
/// matrix-mode assignments, and (with `a5`) A5's ownership reading.
pub fn model(users: usize, a5: bool, rng: &mut Rng) -> DataverseModel {
    let mut m = DataverseModel::default();
    m.options.matrix_mode = true;
    m.options.ownership_needs_role_in_owning_unit = a5;
    m.options.hierarchy.model = HierarchyModel::Manager;
    m.options.hierarchy.depth = 2;
    let units = 100;
    m.business_units.push(BusinessUnitDef::root("bu0"));
    let mut parent = vec![0usize; units];
    for (i, slot) in parent.iter_mut().enumerate().skip(1) {
        *slot = rng.below(i);
        m.business_units.push(BusinessUnitDef::child(
            &format!("bu{i}"),
            &format!("bu{slot}"),
        ));
    }
    for (i, t) in TABLES.iter().enumerate() {
        let mut def = TableDef::user_owned(t);
        def.hierarchy_security = i == 0;
        m.tables.push(def);
    }
    m.relationships.push(RelationshipDef {
        id: "account_contact".into(),
        parent_table: "account".into(),
        child_table: "contact".into(),
        cascade_share: Cascade::All,
    });
    m.relationships.push(RelationshipDef {
        id: "contact_task".into(),
        parent_table: "contact".into(),
        child_table: "task".into(),
        cascade_share: Cascade::Active,
    });
    const LEVELS: [AccessLevel; 6] = [
        AccessLevel::None,
        AccessLevel::User,
        AccessLevel::User,
        AccessLevel::BusinessUnit,
        AccessLevel::ParentChild,
        AccessLevel::User,
    ];
    for r in 0..20 {
        let mut role = RoleDef::new(&format!("role{r}"));
        for t in TABLES {
            for p in [Privilege::READ, Privilege::WRITE] {
                role = role.grant(t, p, LEVELS[rng.below(LEVELS.len())]);
            }
        }
        m.roles.push(role);
    }
    // Probes for the EXPLAIN test: one User-level and one Business Unit-level reader.
    m.roles
        .push(RoleDef::new("probe_user").grant("account", Privilege::READ, AccessLevel::User));
    m.roles.push(RoleDef::new("probe_bu").grant(
        "account",
        Privilege::READ,
        AccessLevel::BusinessUnit,
    ));
    let mut by_unit: Vec<Vec<usize>> = vec![Vec::new(); units];
    for u in 0..users {
        let unit = rng.below(units);
        let mut def = UserDef::new(&format!("u{u}"), &format!("bu{unit}"));
        // A manager in the same unit or its parent (R6.3), when there is one.
        let pool = if rng.below(2) == 0 {
            unit
        } else {
            parent[unit]
        };
        if let Some(&m_) = by_unit[pool].get(rng.below(by_unit[pool].len().max(1))) {
            def.manager = Some(format!("u{m_}"));
        }
        by_unit[unit].push(u);
        m.users.push(def);
        let probe = match u {
            0 => Some("probe_user"),
            1 => Some("probe_bu"),
            _ => None,
        };
        if let Some(role) = probe {
            m.role_assignments
                .push(RoleAssignmentDef::user(&format!("u{u}"), role));
            continue;
        }
        for _ in 0..1 + rng.below(2) {
            let mut a =
                RoleAssignmentDef::user(&format!("u{u}"), &format!("role{}", rng.below(20)));
            if rng.below(3) == 0 {
                a = a.in_business_unit(&format!("bu{}", rng.below(units)));
            }
            m.role_assignments.push(a);
        }
    }
    for t in 0..100 {
        let members: Vec<String> = (0..15)
            .map(|_| format!("u{}", 2 + rng.below(users - 2)))
            .collect();
        let mut members: Vec<&str> = members.iter().map(String::as_str).collect();
        members.sort_unstable();
        members.dedup();
        m.teams.push(TeamDef::owner(
            &format!("team{t}"),
            &format!("bu{}", rng.below(units)),
            &members,
        ));
        m.role_assignments.push(RoleAssignmentDef::team(
            &format!("team{t}"),
            &format!("role{}", rng.below(20)),
        ));
    }
    m
}

impl Org {
    /// Generates `rows` records over the three tables for a model of `users` users.
    ///
    /// # Errors
    ///
    /// When the generated model does not build.
    pub fn generate(rows: usize, users: usize, a5: bool, seed: u64) -> Result<Org, ModelError> {
        let mut rng = Rng::new(seed);
        let m = model(users, a5, &mut rng);
        let policy = m.build()?;
        let unit_of_user: Vec<String> = m.users.iter().map(|u| u.business_unit.clone()).collect();
        let unit_of_team: Vec<String> = m.teams.iter().map(|t| t.business_unit.clone()).collect();
        let mut out = Vec::with_capacity(rows);
        let mut shares = Vec::new();
        let counts = [
            rows * 35 / 100,
            rows * 35 / 100,
            rows - 2 * (rows * 35 / 100),
        ];
        let mut firsts = [0usize; 3];
        for (table, &count) in counts.iter().enumerate() {
            firsts[table] = out.len();
            for _ in 0..count {
                let n = out.len();
                let (owner, owner_kind, own_unit) = if rng.below(100) < 85 {
                    let u = rng.below(users);
                    (format!("u{u}"), "user", unit_of_user[u].clone())
                } else {
                    let t = rng.below(unit_of_team.len());
                    (format!("team{t}"), "team", unit_of_team[t].clone())
                };
                let unit = if rng.below(5) == 0 {
                    format!("bu{}", rng.below(100))
                } else {
                    own_unit
                };
                let parent = (table > 0 && rng.below(10) != 0).then(|| {
                    let first = firsts[table - 1];
                    format!("r{}", first + rng.below(counts[table - 1]))
                });
                let id = format!("r{n}");
                if rng.below(100) < 3 {
                    let (principal, kind) = match rng.below(10) {
                        0 => (String::new(), "organization"),
                        1..=3 => (format!("team{}", rng.below(unit_of_team.len())), "team"),
                        _ => (format!("u{}", rng.below(users)), "user"),
                    };
                    let rights = [1, 3, 2][rng.below(3)];
                    if let (Some(p), true) = (&parent, rng.below(3) == 0) {
                        shares.push(ShareRow {
                            object: id.clone(),
                            principal: principal.clone(),
                            kind,
                            rights,
                            inherited_from: Some(p.clone()),
                        });
                    }
                    shares.push(ShareRow {
                        object: id.clone(),
                        principal,
                        kind,
                        rights,
                        inherited_from: None,
                    });
                }
                out.push(Row {
                    id,
                    table,
                    owner,
                    owner_kind,
                    unit,
                    state: i64::from(rng.below(10) == 0),
                    parent,
                });
            }
        }
        Org::new(policy, out, shares)
    }

    fn new(
        policy: DataversePolicy,
        rows: Vec<Row>,
        shares: Vec<ShareRow>,
    ) -> Result<Org, ModelError> {
        let by_id: HashMap<String, usize> = rows
            .iter()
            .enumerate()
            .map(|(i, r)| (r.id.clone(), i))
            .collect();
        let rels = [
            policy.relationship_id("account_contact"),
            policy.relationship_id("contact_task"),
        ];
        let facts = rows
            .iter()
            .enumerate()
            .map(|(i, r)| {
                let table = policy
                    .table_id(TABLES[r.table])
                    .unwrap_or_else(unreachable_table);
                let owner = match r.owner_kind {
                    "user" => policy.user_id(&r.owner).map(RecordOwner::User),
                    _ => policy.team_id(&r.owner).map(RecordOwner::Team),
                }
                .unwrap_or(RecordOwner::Organization);
                let mut f = RecordFacts::owned_by(RecordId::new(i as u64), table, owner);
                if let Some(unit) = policy.business_unit_id(&r.unit) {
                    f = f.in_business_unit(unit);
                }
                if r.state != 0 {
                    f = f.inactive();
                }
                if let (Some(p), Some(Some(rel))) = (&r.parent, rels.get(r.table.wrapping_sub(1))) {
                    if let Some(&pi) = by_id.get(p) {
                        f = f.with_parent(ParentFact {
                            relationship: *rel,
                            record: RecordId::new(pi as u64),
                        });
                    }
                }
                f
            })
            .collect();
        let mut share_facts = vec![Vec::new(); rows.len()];
        for s in &shares {
            let with = match s.kind {
                "user" => policy.user_id(&s.principal).map(SharedWith::User),
                "team" => policy.team_id(&s.principal).map(SharedWith::Team),
                _ => Some(SharedWith::Organization),
            };
            if let (Some(&o), Some(with)) = (by_id.get(&s.object), with) {
                share_facts[o].push(ShareFact {
                    with,
                    rights: privileges(s.rights),
                    inherited_from: s
                        .inherited_from
                        .as_ref()
                        .and_then(|p| by_id.get(p))
                        .map(|&p| RecordId::new(p as u64)),
                });
            }
        }
        Ok(Org {
            policy,
            rows,
            shares,
            by_id,
            facts,
            share_facts,
        })
    }

    /// The ids of the records of `table` that `check_facts` allows, sorted.
    pub fn allowed(&self, user: UserId, privilege: Privilege, table: usize) -> Vec<String> {
        let mut out: Vec<String> = self
            .rows
            .iter()
            .zip(&self.facts)
            .filter(|(r, f)| {
                r.table == table
                    && self
                        .policy
                        .check_facts(user, privilege, f, self)
                        .decision()
                        .is_allow()
            })
            .map(|(r, _)| r.id.clone())
            .collect();
        out.sort_unstable();
        out
    }

    /// The row index of a record id.
    pub fn index(&self, id: &str) -> Option<usize> {
        self.by_id.get(id).copied()
    }
}

fn unreachable_table() -> TableId {
    // The generated model has every table of TABLES; a missing one is a bug of the generator.
    std::process::abort()
}

/// The privileges of a Dataverse access-rights mask.
pub fn privileges(mask: i64) -> Privilege {
    [
        Privilege::READ,
        Privilege::WRITE,
        Privilege::APPEND,
        Privilege::APPEND_TO,
        Privilege::DELETE,
        Privilege::SHARE,
        Privilege::ASSIGN,
    ]
    .into_iter()
    .filter(|p| mask & access_rights(*p) != 0)
    .fold(Privilege::empty(), |a, p| a | p)
}

impl ShareSource for Org {
    fn shares(
        &self,
        record: RecordId,
        visit: &mut dyn FnMut(ShareFact) -> ControlFlow<()>,
    ) -> ControlFlow<()> {
        for s in self.share_facts.get(record.index()).into_iter().flatten() {
            visit(*s)?;
        }
        ControlFlow::Continue(())
    }

    fn record(&self, record: RecordId) -> Option<RecordFacts> {
        self.facts.get(record.index()).cloned()
    }
}

/// The mapping of the generated schema (see [`SCHEMA`](crate::SCHEMA)).
pub fn mapping(dialect: Dialect) -> SqlMapping {
    let owner = || OwnerColumns::Kind {
        id: "owner_id".into(),
        kind: "owner_kind".into(),
    };
    let table =
        |name: &str| RecordTable::new(name, "id", owner(), "unit_id").with_state("state", 0);
    SqlMapping::new(dialect, IdType::Text)
        .table("account", table("account"))
        .table(
            "contact",
            table("contact").with_parent("account_contact", "parent_id"),
        )
        .table(
            "task",
            table("task").with_parent("contact_task", "parent_id"),
        )
        .shares(
            ShareTable::new(
                "poa",
                "object_id",
                "principal_id",
                "principal_kind",
                "rights",
            )
            .with_inherited_from("inherited_from"),
        )
}
