//! Deterministic organisation-shaped Dataverse models for the benches and the peer comparison.
//!
//! No randomness crate: a fixed xorshift generator, so every run builds the same model.

#![allow(
    dead_code,
    reason = "each bench target uses a different part of this module"
)]

pub mod bare;
pub mod floor;

use accessgate::dataverse::*;
use accessgate::{AccessLevel, Privilege};

/// A tiny deterministic generator (xorshift64*).
pub struct Rng(u64);

impl Rng {
    /// A generator from a seed.
    pub fn new(seed: u64) -> Rng {
        Rng(seed.max(1))
    }

    /// The next number.
    pub fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// A number below `n` (`n > 0`).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// The size of a generated organisation.
#[derive(Debug, Clone, Copy)]
pub struct Shape {
    /// Business units; unit 0 is the root.
    pub units: usize,
    /// Deepest unit's distance from the root, at most.
    pub max_depth: usize,
    /// Tables, all user- or team-owned.
    pub tables: usize,
    /// Security roles.
    pub roles: usize,
    /// Users.
    pub users: usize,
    /// Owner teams.
    pub teams: usize,
    /// Members per team.
    pub team_size: usize,
    /// Direct roles per user.
    pub direct_roles: usize,
    /// Roles per team.
    pub team_roles: usize,
    /// Records, spread over the tables.
    pub records: usize,
    /// One record in this many is shared with a random user.
    pub share_every: usize,
    /// Matrix mode (roles assigned in other units).
    pub matrix: bool,
}

/// The levels a generated role cell takes, User and Business Unit most often.
const LEVELS: [AccessLevel; 8] = [
    AccessLevel::None,
    AccessLevel::User,
    AccessLevel::User,
    AccessLevel::BusinessUnit,
    AccessLevel::BusinessUnit,
    AccessLevel::ParentChild,
    AccessLevel::User,
    AccessLevel::Organization,
];

/// The privilege groups a role sets per table: 4 keys covering the 8 privileges.
const GROUPS: [Privilege; 4] = [
    Privilege::CREATE,
    Privilege::READ.union(Privilege::WRITE),
    Privilege::DELETE
        .union(Privilege::APPEND)
        .union(Privilege::APPEND_TO),
    Privilege::ASSIGN.union(Privilege::SHARE),
];

/// The organisation of the records benches and of the `facts_decision` instruction count:
/// `users` users in 1,000 units, 100 roles over 10 tables, two direct roles each (anchored in
/// random units: matrix mode), owner teams of 20 with one role each, no records.
pub fn records_shape(users: usize) -> Shape {
    Shape {
        units: 1_000.min(users),
        max_depth: 8,
        tables: 10,
        roles: 100,
        users,
        teams: users / 50,
        team_size: 20,
        direct_roles: 2,
        team_roles: 1,
        records: 0,
        share_every: 0,
        matrix: true,
    }
}

/// One random request from record facts over an organisation of [`records_shape`]: user,
/// owning user, table and privilege (read, write, delete or append) drawn at random, and one
/// request in four naming an owning unit of its own. Record `id` is the request's number.
#[allow(
    clippy::expect_used,
    reason = "a model without the names `records_shape` gives should stop the bench"
)]
pub fn random_facts_request(
    policy: &DataversePolicy,
    rng: &mut Rng,
    id: u64,
) -> (UserId, Privilege, RecordFacts) {
    let users = policy.user_count();
    let user = policy
        .user_id(&format!("u{}", rng.below(users)))
        .expect("user");
    let owner = policy
        .user_id(&format!("u{}", rng.below(users)))
        .expect("owner");
    let table = policy
        .table_id(&format!("t{}", rng.below(10)))
        .expect("table");
    let mut facts = RecordFacts::owned_by(RecordId::new(id), table, RecordOwner::User(owner));
    if rng.below(4) == 0 {
        let unit = policy
            .business_unit_id(&format!("bu{}", rng.below(1_000.min(users))))
            .expect("unit");
        facts = facts.in_business_unit(unit);
    }
    let privileges = [
        Privilege::READ,
        Privilege::WRITE,
        Privilege::DELETE,
        Privilege::APPEND,
    ];
    (user, privileges[rng.below(privileges.len())], facts)
}

/// Builds a model of `shape`; the same shape and seed give the same model.
pub fn organisation(shape: Shape, seed: u64) -> DataverseModel {
    let mut rng = Rng::new(seed);
    let mut m = DataverseModel::default();
    m.options.matrix_mode = shape.matrix;

    // Business units: each picks a parent among earlier units not yet at the deepest level.
    let mut depth = vec![0usize; shape.units];
    let mut shallow: Vec<usize> = vec![0];
    m.business_units.push(BusinessUnitDef::root("bu0"));
    for i in 1..shape.units {
        let p = shallow[rng.below(shallow.len())];
        depth[i] = depth[p] + 1;
        if depth[i] < shape.max_depth {
            shallow.push(i);
        }
        m.business_units
            .push(BusinessUnitDef::child(&format!("bu{i}"), &format!("bu{p}")));
    }

    for t in 0..shape.tables {
        m.tables.push(TableDef::user_owned(&format!("t{t}")));
    }
    for r in 0..shape.roles {
        let mut role = RoleDef::new(&format!("role{r}"));
        for t in 0..shape.tables {
            let table = format!("t{t}");
            let cells = role.privileges.entry(table).or_default();
            for g in GROUPS {
                cells.insert(g, LEVELS[rng.below(LEVELS.len())]);
            }
        }
        m.roles.push(role);
    }
    for u in 0..shape.users {
        let bu = rng.below(shape.units);
        m.users
            .push(UserDef::new(&format!("u{u}"), &format!("bu{bu}")));
        for _ in 0..shape.direct_roles {
            let role = format!("role{}", rng.below(shape.roles));
            let mut a = RoleAssignmentDef::user(&format!("u{u}"), &role);
            if shape.matrix {
                a = a.in_business_unit(&format!("bu{}", rng.below(shape.units)));
            }
            m.role_assignments.push(a);
        }
    }
    for t in 0..shape.teams {
        let bu = rng.below(shape.units);
        let members: Vec<String> = (0..shape.team_size)
            .map(|_| format!("u{}", rng.below(shape.users)))
            .collect();
        let mut members: Vec<&str> = members.iter().map(String::as_str).collect();
        members.sort_unstable();
        members.dedup();
        m.teams.push(TeamDef::owner(
            &format!("team{t}"),
            &format!("bu{bu}"),
            &members,
        ));
        for _ in 0..shape.team_roles {
            let role = format!("role{}", rng.below(shape.roles));
            m.role_assignments
                .push(RoleAssignmentDef::team(&format!("team{t}"), &role));
        }
    }
    for r in 0..shape.records {
        let table = format!("t{}", r % shape.tables);
        let owned_by_team = shape.teams > 0 && rng.below(10) == 0;
        let mut rec = if owned_by_team {
            let mut rec = RecordDef::owned_by_user(&format!("rec{r}"), &table, "u0");
            rec.owner = Some(PrincipalRef::Team(format!(
                "team{}",
                rng.below(shape.teams)
            )));
            rec
        } else {
            RecordDef::owned_by_user(
                &format!("rec{r}"),
                &table,
                &format!("u{}", rng.below(shape.users)),
            )
        };
        if shape.matrix && rng.below(4) == 0 {
            rec.owning_business_unit = Some(format!("bu{}", rng.below(shape.units)));
        }
        m.records.push(rec);
        if shape.share_every > 0 && r % shape.share_every == 0 {
            m.shares.push(ShareDef::new(
                &format!("rec{r}"),
                ShareTarget::User(format!("u{}", rng.below(shape.users))),
                Privilege::READ | Privilege::WRITE,
            ));
        }
    }
    m
}

/// The single-decision model: a business-unit chain of depth 8 (`bu0` … `bu7`), matrix
/// mode on, user `alice` in `bu7` holding 3 roles directly (User level, anchored in `bu3` …
/// `bu5`) and 2 through owner team `team` of `bu2` (User, and Parent: Child). Record `rec` is
/// owned by `owner` in `bu7`: the first four grants miss, the fifth (Parent: Child from `bu2`)
/// reaches it.
pub fn decision_model() -> DataverseModel {
    let mut m = DataverseModel::default();
    m.options.matrix_mode = true;
    m.business_units.push(BusinessUnitDef::root("bu0"));
    for i in 1..8 {
        m.business_units.push(BusinessUnitDef::child(
            &format!("bu{i}"),
            &format!("bu{}", i - 1),
        ));
    }
    m.tables.push(TableDef::user_owned("account"));
    for r in 0..5 {
        let level = if r == 4 {
            AccessLevel::ParentChild
        } else {
            AccessLevel::User
        };
        m.roles
            .push(RoleDef::new(&format!("role{r}")).grant("account", Privilege::READ, level));
    }
    m.users.push(UserDef::new("alice", "bu7"));
    m.users.push(UserDef::new("owner", "bu7"));
    m.teams.push(TeamDef::owner("team", "bu2", &["alice"]));
    for r in 0..3 {
        m.role_assignments.push(
            RoleAssignmentDef::user("alice", &format!("role{r}"))
                .in_business_unit(&format!("bu{}", r + 3)),
        );
    }
    m.role_assignments
        .push(RoleAssignmentDef::team("team", "role3"));
    m.role_assignments
        .push(RoleAssignmentDef::team("team", "role4"));
    m.records
        .push(RecordDef::owned_by_user("rec", "account", "owner"));
    m
}

/// Whether the bench binary runs as a bench (`cargo bench`) rather than once as a test
/// (`cargo test --benches`): test runs use small models.
pub fn full_run() -> bool {
    std::env::args().any(|a| a == "--bench")
}

/// The SQL mapping of the benches' record layout: table `t0` with owner id and kind columns,
/// owning unit `unit_id`, and a PrincipalObjectAccess-style share table `poa`.
pub fn records_mapping() -> SqlMapping {
    SqlMapping::new(Dialect::Postgres, IdType::Text)
        .table(
            "t0",
            RecordTable::new(
                "t0",
                "id",
                OwnerColumns::Kind {
                    id: "owner_id".into(),
                    kind: "owner_kind".into(),
                },
                "unit_id",
            ),
        )
        .shares(ShareTable::new(
            "poa",
            "object_id",
            "principal_id",
            "principal_kind",
            "rights",
        ))
}
