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
    /// How users, teams, units and records are named.
    pub names: Names,
    /// Each business unit's parent (the root's is itself), by index.
    pub unit_parents: Vec<usize>,
    /// Each user's business unit, by index.
    pub user_units: Vec<usize>,
    by_id: HashMap<String, usize>,
    facts: Vec<RecordFacts>,
    share_facts: Vec<Vec<ShareFact>>,
}

/// How the generated organisation names users, teams, business units and records: as text
/// (`u7`, `team7`, `bu7`, `r7`), as UUIDs (`00000001-0000-4000-8000-000000000007`) or as
/// decimal integers (`1000000007`), for mappings with [`IdType::Text`], [`IdType::Uuid`] and
/// [`IdType::BigInt`] ids. Every name is unique across kinds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Names(pub IdType);

impl Names {
    fn name(&self, kind: u64, prefix: &str, n: usize) -> String {
        match self.0 {
            IdType::Uuid => format!("{kind:08x}-0000-4000-8000-{n:012x}"),
            IdType::BigInt => (kind * 1_000_000_000 + n as u64).to_string(),
            _ => format!("{prefix}{n}"),
        }
    }

    /// User `n`.
    pub fn user(&self, n: usize) -> String {
        self.name(1, "u", n)
    }

    /// Team `n`.
    pub fn team(&self, n: usize) -> String {
        self.name(2, "team", n)
    }

    /// Business unit `n` (0 is the root).
    pub fn unit(&self, n: usize) -> String {
        self.name(3, "bu", n)
    }

    /// Record `n` (numbered across tables).
    pub fn record(&self, n: usize) -> String {
        self.name(4, "r", n)
    }
}

/// What to generate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shape {
    /// Records over the three tables.
    pub rows: usize,
    /// Users.
    pub users: usize,
    /// A5's ownership reading (matrix mode is always on).
    pub a5: bool,
    /// The generator's seed.
    pub seed: u64,
    /// Probe users per level: users `0..3 * probes` read `account` with one role each, at User
    /// (`n % 3 == 0`), Business Unit (1) or Parent: Child (2) level, manage nobody and belong to
    /// no team, so a hand-written query can say what they see.
    pub probes: usize,
    /// How users, teams, units and records are named.
    pub names: Names,
}

impl Shape {
    /// `rows` records, `users` users, one probe per level, text names.
    pub fn new(rows: usize, users: usize, a5: bool, seed: u64) -> Shape {
        Shape {
            rows,
            users,
            a5,
            seed,
            probes: 1,
            names: Names(IdType::Text),
        }
    }
}

/// The levels of the probe users, by `n % 3`.
pub const PROBE_LEVELS: [AccessLevel; 3] = [
    AccessLevel::User,
    AccessLevel::BusinessUnit,
    AccessLevel::ParentChild,
];

/// The generated model: `users` users in 100 units, 100 owner teams, 20 roles, managers,
/// matrix-mode assignments, and (with `a5`) A5's ownership reading; the probes of `shape`.
pub fn model(shape: &Shape, rng: &mut Rng) -> DataverseModel {
    let (users, a5, names) = (shape.users, shape.a5, shape.names);
    let probes = (3 * shape.probes).min(users.saturating_sub(3));
    let mut m = DataverseModel::default();
    m.options.matrix_mode = true;
    m.options.ownership_needs_role_in_owning_unit = a5;
    m.options.hierarchy.model = HierarchyModel::Manager;
    m.options.hierarchy.depth = 2;
    let units = 100;
    m.business_units.push(BusinessUnitDef::root(&names.unit(0)));
    let mut parent = vec![0usize; units];
    for (i, slot) in parent.iter_mut().enumerate().skip(1) {
        *slot = rng.below(i);
        m.business_units
            .push(BusinessUnitDef::child(&names.unit(i), &names.unit(*slot)));
    }
    for (i, t) in TABLES.iter().enumerate() {
        let mut def = TableDef::user_owned(t);
        def.hierarchy_security = i == 0;
        m.tables.push(def);
    }
    m.relationships.push(RelationshipDef::new(
        "account_contact",
        "account",
        "contact",
    ));
    m.relationships.push(
        RelationshipDef::new("contact_task", "contact", "task").with_cascade_share(Cascade::Active),
    );
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
    // Probes for the EXPLAIN test and the speed comparison: one role per level.
    for level in PROBE_LEVELS {
        m.roles
            .push(RoleDef::new(&format!("probe_{level:?}")).grant(
                "account",
                Privilege::READ,
                level,
            ));
    }
    let mut by_unit: Vec<Vec<usize>> = vec![Vec::new(); units];
    for u in 0..users {
        // A Parent: Child probe sits in a unit with children (a parent of a random unit), so
        // its level reaches a subtree, not a single unit.
        let unit = if u < probes && PROBE_LEVELS[u % 3] == AccessLevel::ParentChild {
            parent[1 + rng.below(units - 1)]
        } else {
            rng.below(units)
        };
        let mut def = UserDef::new(&names.user(u), &names.unit(unit));
        // A manager in the same unit or its parent (R6.3), when there is one.
        let pool = if rng.below(2) == 0 {
            unit
        } else {
            parent[unit]
        };
        if let Some(&m_) = by_unit[pool].get(rng.below(by_unit[pool].len().max(1))) {
            def.manager = Some(names.user(m_));
        }
        m.users.push(def);
        if u < probes {
            let role = format!("probe_{:?}", PROBE_LEVELS[u % 3]);
            m.role_assignments
                .push(RoleAssignmentDef::user(&names.user(u), &role));
            continue;
        }
        by_unit[unit].push(u);
        for _ in 0..1 + rng.below(2) {
            let mut a = RoleAssignmentDef::user(&names.user(u), &format!("role{}", rng.below(20)));
            if rng.below(3) == 0 {
                a = a.in_business_unit(&names.unit(rng.below(units)));
            }
            m.role_assignments.push(a);
        }
    }
    for t in 0..100 {
        let members: Vec<String> = (0..15)
            .map(|_| names.user(probes + rng.below(users - probes)))
            .collect();
        let mut members: Vec<&str> = members.iter().map(String::as_str).collect();
        members.sort_unstable();
        members.dedup();
        m.teams.push(TeamDef::owner(
            &names.team(t),
            &names.unit(rng.below(units)),
            &members,
        ));
        m.role_assignments.push(RoleAssignmentDef::team(
            &names.team(t),
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
        Org::with_shape(Shape::new(rows, users, a5, seed))
    }

    /// Generates the organisation `shape` describes.
    ///
    /// # Errors
    ///
    /// When the generated model does not build.
    pub fn with_shape(shape: Shape) -> Result<Org, ModelError> {
        let (rows, users, names) = (shape.rows, shape.users, shape.names);
        let mut rng = Rng::new(shape.seed);
        let m = model(&shape, &mut rng);
        let policy = m.build()?;
        let unit_index: HashMap<&str, usize> = m
            .business_units
            .iter()
            .enumerate()
            .map(|(i, b)| (b.id.as_str(), i))
            .collect();
        let unit_parents: Vec<usize> = m
            .business_units
            .iter()
            .map(|b| {
                b.parent
                    .as_deref()
                    .and_then(|p| unit_index.get(p).copied())
                    .unwrap_or(0)
            })
            .collect();
        let user_units: Vec<usize> = m
            .users
            .iter()
            .map(|u| {
                unit_index
                    .get(u.business_unit.as_str())
                    .copied()
                    .unwrap_or(0)
            })
            .collect();
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
                    (names.user(u), "user", unit_of_user[u].clone())
                } else {
                    let t = rng.below(unit_of_team.len());
                    (names.team(t), "team", unit_of_team[t].clone())
                };
                let unit = if rng.below(5) == 0 {
                    names.unit(rng.below(100))
                } else {
                    own_unit
                };
                let parent = (table > 0 && rng.below(10) != 0).then(|| {
                    let first = firsts[table - 1];
                    names.record(first + rng.below(counts[table - 1]))
                });
                let id = names.record(n);
                if rng.below(100) < 3 {
                    let (principal, kind) = match rng.below(10) {
                        0 => (String::new(), "organization"),
                        1..=3 => (names.team(rng.below(unit_of_team.len())), "team"),
                        _ => (names.user(rng.below(users)), "user"),
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
        let mut org = Org::new(policy, out, shares);
        org.names = names;
        org.unit_parents = unit_parents;
        org.user_units = user_units;
        Ok(org)
    }

    fn new(policy: DataversePolicy, rows: Vec<Row>, shares: Vec<ShareRow>) -> Org {
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
                        f = f.with_parent(ParentFact::new(*rel, RecordId::new(pi as u64)));
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
                share_facts[o].push(
                    ShareFact::new(with, privileges(s.rights)).inherited_from(
                        s.inherited_from
                            .as_ref()
                            .and_then(|p| by_id.get(p))
                            .map(|&p| RecordId::new(p as u64)),
                    ),
                );
            }
        }
        Org {
            policy,
            rows,
            shares,
            names: Names(IdType::Text),
            unit_parents: Vec::new(),
            user_units: Vec::new(),
            by_id,
            facts,
            share_facts,
        }
    }

    /// The business units in the subtree of unit `unit` (itself included), by index.
    pub fn subtree(&self, unit: usize) -> Vec<usize> {
        let mut inside = vec![false; self.unit_parents.len()];
        // Parents come before their children (the generator picks a lower index).
        for (u, &p) in self.unit_parents.iter().enumerate() {
            inside[u] = u == unit || (u > 0 && inside.get(p).copied().unwrap_or(false));
        }
        (0..inside.len()).filter(|&u| inside[u]).collect()
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
