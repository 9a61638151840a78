//! Random Dataverse models for property tests.
//!
//! Every generated model is valid by construction (a tree of units, references in range,
//! classic-mode assignments in the principal's unit), so property tests exercise evaluation.

#![allow(
    dead_code,
    reason = "each test target uses a different part of this module"
)]

pub mod csk;

use accessgate::dataverse::*;
use accessgate::{AccessLevel, Privilege};
use proptest::prelude::*;

/// The raw numbers a model is made from.
#[derive(Debug, Clone)]
pub struct Seed {
    pub matrix: bool,
    pub parents: Vec<usize>,
    pub org_owned: Vec<bool>,
    /// Per role, per table, per privilege: 0..=4 a level, 5 not applicable.
    pub cells: Vec<u8>,
    pub inheritance: Vec<bool>,
    pub sysadmin_role: Option<usize>,
    pub users: Vec<(usize, bool)>,
    pub teams: Vec<(usize, u8, u32)>,
    pub assignments: Vec<(bool, usize, usize, usize)>,
    pub records: Vec<(usize, bool, usize, usize)>,
    pub shares: Vec<(usize, u8, usize, u8)>,
    pub options: (bool, bool, bool, bool),
    /// Hierarchy model (0 off, 1 manager, 2 position), depth, write levels, and per-user manager
    /// picks (a user may be managed only by a lower-numbered user, so no cycles).
    pub hierarchy: (u8, u8, u8, Vec<usize>),
    /// Per record, a parent pick among lower-numbered records (parent links, cascading shares).
    pub record_parents: Vec<Option<usize>>,
    /// Column profile permissions: (profile, column, bits) and members (profile, user-or-team pick).
    pub columns: ColumnSeed,
}

/// Column profile permissions (profile, column, bits) and members (profile, to a team, pick).
pub type ColumnSeed = (Vec<(u8, u8, u8)>, Vec<(u8, bool, usize)>);

pub const TABLES: usize = 3;

fn level(code: u8) -> Option<AccessLevel> {
    AccessLevel::ALL.get(code as usize).copied()
}

pub fn seed() -> impl Strategy<Value = Seed> {
    (1usize..7, 1usize..5, 1usize..7, 0usize..4).prop_flat_map(|(units, roles, users, teams)| {
        (
            (
                any::<bool>(),
                (0..units).map(|i| 0..i.max(1)).collect::<Vec<_>>(),
                prop::collection::vec(prop::bool::weighted(0.25), TABLES),
                prop::collection::vec(0u8..6, roles * TABLES * 8),
                prop::collection::vec(any::<bool>(), roles),
                prop::option::weighted(0.1, 0..roles),
                prop::collection::vec((0..units, prop::bool::weighted(0.9)), users),
                prop::collection::vec((0..units, 0u8..4, any::<u32>()), teams),
                prop::collection::vec(
                    (any::<bool>(), 0..users.max(teams), 0..roles, 0..units),
                    0..10,
                ),
                prop::collection::vec(
                    (0..TABLES, any::<bool>(), 0..users.max(teams), 0..units),
                    1..8,
                ),
                prop::collection::vec((0usize..8, 0u8..3, 0..users.max(teams), 1u8..=255), 0..5),
                (any::<bool>(), any::<bool>(), any::<bool>(), any::<bool>()),
            ),
            (
                0u8..3,
                1u8..4,
                1u8..3,
                prop::collection::vec(any::<usize>(), users),
            ),
            prop::collection::vec(prop::option::weighted(0.5, any::<usize>()), 8),
            (
                prop::collection::vec((0u8..2, 0u8..3, 0u8..16), 0..4),
                prop::collection::vec((0u8..2, any::<bool>(), any::<usize>()), 0..4),
            ),
        )
            .prop_map(
                |(
                    (
                        matrix,
                        parents,
                        org_owned,
                        cells,
                        inheritance,
                        sysadmin_role,
                        users,
                        teams,
                        assignments,
                        records,
                        shares,
                        options,
                    ),
                    hierarchy,
                    record_parents,
                    columns,
                )| Seed {
                    matrix,
                    parents,
                    org_owned,
                    cells,
                    inheritance,
                    sysadmin_role,
                    users,
                    teams,
                    assignments,
                    records,
                    shares,
                    options,
                    hierarchy,
                    record_parents,
                    columns,
                },
            )
    })
}

pub fn model(s: &Seed) -> DataverseModel {
    let mut m = DataverseModel::default();
    m.options.matrix_mode = s.matrix;
    m.options.team_role_anchor = if s.options.0 {
        TeamRoleAnchor::TeamAndMemberBusinessUnit
    } else {
        TeamRoleAnchor::TeamBusinessUnit
    };
    m.options.team_only_roles_activate_user_shares = s.options.1;
    m.options.team_administrator_owns = s.options.2;
    m.options.owner_team_roles_admit = s.options.3;
    for (i, &p) in s.parents.iter().enumerate() {
        m.business_units.push(if i > 0 {
            BusinessUnitDef::child(&format!("bu{i}"), &format!("bu{p}"))
        } else {
            BusinessUnitDef::root(&format!("bu{i}"))
        });
    }
    for (t, &org) in s.org_owned.iter().enumerate() {
        m.tables.push(if org {
            TableDef::organization_owned(&format!("t{t}"))
        } else {
            TableDef::user_owned(&format!("t{t}"))
        });
    }
    let roles = s.inheritance.len();
    for r in 0..roles {
        let mut role = RoleDef::new(&format!("r{r}"));
        role.inheritance = if s.inheritance[r] {
            RoleInheritance::DirectUserBasicAndTeam
        } else {
            RoleInheritance::TeamPrivilegesOnly
        };
        role.system_administrator = s.sysadmin_role == Some(r);
        for t in 0..TABLES {
            for (b, p) in Privilege::EACH.iter().enumerate() {
                let Some(mut l) = level(s.cells[(r * TABLES + t) * 8 + b]) else {
                    continue;
                };
                if s.org_owned[t] {
                    if p.intersects(Privilege::ASSIGN | Privilege::SHARE) {
                        continue;
                    }
                    if l != AccessLevel::None {
                        l = AccessLevel::Organization;
                    }
                }
                role = role.grant(&format!("t{t}"), *p, l);
            }
        }
        m.roles.push(role);
    }
    for (i, &(bu, enabled)) in s.users.iter().enumerate() {
        let mut u = UserDef::new(&format!("u{i}"), &format!("bu{bu}"));
        u.enabled = enabled;
        m.users.push(u);
    }
    let users = s.users.len();
    for (i, &(bu, kind, members)) in s.teams.iter().enumerate() {
        let kind = [
            TeamKind::Owner,
            TeamKind::Access,
            TeamKind::EntraSecurityGroup,
            TeamKind::EntraOfficeGroup,
        ][kind as usize];
        let mut team = TeamDef::new(&format!("g{i}"), &format!("bu{bu}"), kind);
        team.members = (0..users)
            .filter(|u| members & (1 << u) != 0)
            .map(|u| format!("u{u}"))
            .collect();
        team.administrator = (members % 3 == 0).then(|| format!("u{}", members as usize % users));
        m.teams.push(team);
    }
    for &(to_team, who, role, bu) in &s.assignments {
        let (principal, own) = if to_team && !s.teams.is_empty() {
            let t = who % s.teams.len();
            if s.teams[t].1 == 1 {
                continue; // access teams hold no roles
            }
            (PrincipalRef::Team(format!("g{t}")), s.teams[t].0)
        } else {
            let u = who % users;
            (PrincipalRef::User(format!("u{u}")), s.users[u].0)
        };
        let unit = if s.matrix { bu } else { own };
        m.role_assignments.push(
            RoleAssignmentDef::new(principal, &format!("r{role}"))
                .in_business_unit(&format!("bu{unit}")),
        );
    }
    for (i, &(t, by_team, who, bu)) in s.records.iter().enumerate() {
        let owner_teams: Vec<usize> = (0..s.teams.len()).filter(|&t| s.teams[t].1 != 1).collect();
        let (owner, own_unit) = if by_team && !owner_teams.is_empty() {
            let t = owner_teams[who % owner_teams.len()];
            (PrincipalRef::Team(format!("g{t}")), s.teams[t].0)
        } else {
            let u = who % users;
            (PrincipalRef::User(format!("u{u}")), s.users[u].0)
        };
        let org = s.org_owned[t];
        let mut record = RecordDef::new(
            &format!("rec{i}"),
            &format!("t{t}"),
            (!org).then_some(owner),
        );
        record.owning_business_unit =
            (!org).then(|| format!("bu{}", if s.matrix { bu } else { own_unit }));
        record.active = who % 4 != 0;
        m.records.push(record);
    }
    // Parent links: record i may point at a lower-numbered record through the relationship
    // between their tables; every ordered pair of tables has one, cascading differently.
    let cascades = [
        Cascade::All,
        Cascade::Active,
        Cascade::UserOwned,
        Cascade::None,
    ];
    for a in 0..TABLES {
        for b in 0..TABLES {
            m.relationships.push(
                RelationshipDef::new(&format!("rel{a}{b}"), &format!("t{a}"), &format!("t{b}"))
                    .with_cascade_share(cascades[(a + b) % 4]),
            );
        }
    }
    for (i, pick) in s.record_parents.iter().enumerate().take(s.records.len()) {
        if let (Some(pick), true) = (pick, i > 0) {
            let parent = pick % i;
            m.records[i].parents.push(ParentLink::new(
                &format!("rel{}{}", s.records[parent].0, s.records[i].0),
                &format!("rec{parent}"),
            ));
        }
    }
    // Hierarchy: user i managed by a lower-numbered user; positions mirror it.
    let (model, depth, write_levels, picks) = &s.hierarchy;
    m.options.hierarchy.model = [
        HierarchyModel::Off,
        HierarchyModel::Manager,
        HierarchyModel::Position,
    ][*model as usize];
    m.options.hierarchy.depth = *depth;
    m.options.hierarchy.write_levels = *write_levels;
    for (i, pick) in picks.iter().enumerate().take(users) {
        m.positions.push(if i > 0 {
            PositionDef::child(&format!("p{i}"), &format!("p{}", pick % i))
        } else {
            PositionDef::top(&format!("p{i}"))
        });
        m.users[i].position = Some(format!("p{i}"));
        if i > 0 && pick % 3 != 0 {
            m.users[i].manager = Some(format!("u{}", pick % i));
        }
    }
    // Column security: two secured columns on every table, two profiles.
    for t in &mut m.tables {
        t.secured_columns = vec!["c0".into(), "c1".into(), "c2".into()];
    }
    let (permissions, members) = &s.columns;
    for p in 0..2u8 {
        let mut profile = ColumnProfileDef::new(&format!("fp{p}"));
        for &(pp, column, bits) in permissions.iter().filter(|x| x.0 == p) {
            let _ = pp;
            for t in 0..TABLES {
                let mut permission =
                    ColumnPermissionDef::new(&format!("t{t}"), &format!("c{column}"))
                        .with_read_unmasked(bits & 2 != 0);
                permission.read = bits & 1 != 0;
                permission.create = bits & 4 != 0;
                permission.update = bits & 8 != 0;
                profile.permissions.push(permission);
            }
        }
        for &(_, to_team, who) in members.iter().filter(|x| x.0 == p) {
            profile.members.push(if to_team && !s.teams.is_empty() {
                PrincipalRef::Team(format!("g{}", who % s.teams.len()))
            } else {
                PrincipalRef::User(format!("u{}", who % users))
            });
        }
        m.column_security_profiles.push(profile);
    }
    for &(rec, target, who, rights) in &s.shares {
        let rec = rec % s.records.len();
        if s.org_owned[s.records[rec].0] {
            continue;
        }
        let with = match target {
            0 => ShareTarget::User(format!("u{}", who % users)),
            1 if !s.teams.is_empty() => ShareTarget::Team(format!("g{}", who % s.teams.len())),
            _ => ShareTarget::Organization,
        };
        let rights = Privilege::from_bits_truncate(rights) - Privilege::CREATE;
        if rights.is_empty() {
            continue;
        }
        m.shares
            .push(ShareDef::new(&format!("rec{rec}"), with, rights));
    }
    m
}

/// Every (user, privilege, record) decision of a policy, in a fixed order.
pub fn all_decisions(
    policy: &DataversePolicy,
    m: &DataverseModel,
) -> Vec<(String, Privilege, String, RecordReason)> {
    let mut out = Vec::new();
    for u in &m.users {
        for r in &m.records {
            for p in Privilege::EACH.into_iter().skip(1) {
                let (Some(uid), Some(rid)) = (policy.user_id(&u.id), policy.record_id(&r.id))
                else {
                    continue;
                };
                out.push((u.id.clone(), p, r.id.clone(), policy.check(uid, p, rid)));
            }
        }
    }
    out
}
