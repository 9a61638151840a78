//! Criterion bench for compiling a large snapshot: 100,000 users, 10,000 business units,
//! 1,000 roles and 10,000,000 role cells (1,250 tables × 8 privileges × 1,000 roles).
//!
//! `cargo bench --bench build`. Prints the snapshot's memory by part and per user.

#![allow(
    missing_docs,
    reason = "criterion's macros generate undocumented items"
)]
#![allow(
    clippy::expect_used,
    reason = "a bench model that fails to build should stop the bench"
)]

mod support;

use std::hint::black_box;
use std::time::Duration;

use accessgate::dataverse::{ConfigChange, DataverseModel, DataversePolicy, RoleAssignmentDef};
use criterion::Criterion;

fn shape(full: bool) -> support::Shape {
    let scale = if full { 1 } else { 100 };
    support::Shape {
        units: 10_000 / scale,
        max_depth: 7,
        tables: 1_250 / scale,
        roles: 1_000 / scale,
        users: 100_000 / scale,
        teams: 5_000 / scale,
        team_size: 20,
        direct_roles: 3,
        team_roles: 2,
        records: 0,
        share_every: 0,
        matrix: true,
    }
}

/// One change applied to the compiled snapshot (against the full build below): a membership
/// joined and left, a role assigned to a user and removed, a role assigned to a team (which
/// re-derives every member).
fn config_changes(c: &mut Criterion, policy: &DataversePolicy, model: &DataverseModel) {
    let mut rng = support::Rng::new(3);
    let users = model.users.len();
    let teams = model.teams.len();
    let mut group = c.benchmark_group("config_change");
    group.bench_function("team_membership", |b| {
        b.iter_with_large_drop(|| {
            let change = ConfigChange::AddTeamMember {
                team: format!("team{}", rng.below(teams)),
                user: format!("u{}", rng.below(users)),
            };
            policy.apply(&[change]).expect("membership change")
        })
    });
    group.bench_function("user_role_assignment", |b| {
        b.iter_with_large_drop(|| {
            let user = rng.below(users);
            let unit = model.users[user].business_unit.clone();
            let mut a = RoleAssignmentDef::user(
                &format!("u{user}"),
                &format!("role{}", rng.below(model.roles.len())),
            );
            a.business_unit = Some(unit);
            policy
                .apply(&[ConfigChange::AssignRole(a)])
                .expect("assignment")
        })
    });
    group.bench_function("team_role_assignment", |b| {
        b.iter_with_large_drop(|| {
            let a = RoleAssignmentDef::team(
                &format!("team{}", rng.below(teams)),
                &format!("role{}", rng.below(model.roles.len())),
            );
            policy
                .apply(&[ConfigChange::AssignRole(a)])
                .expect("assignment")
        })
    });
    group.finish();
}

fn main() {
    let full = support::full_run();
    let model = support::organisation(shape(full), 11);
    let policy = model.build().expect("bench model builds");
    let usage = policy.memory_usage();
    let users = policy.user_count().max(1);
    eprintln!(
        "build bench: {} users, {} role cells; memory {:.1} MiB total ({} bytes per user, of which \
         per-user arrays {} bytes); role cells {:.1} MiB, users {:.1} MiB, teams {:.1} MiB, \
         structure {:.1} MiB, names {:.1} MiB",
        users,
        model.roles.len() * model.tables.len() * 8,
        usage.total() as f64 / 1048576.0,
        usage.total() / users,
        usage.users / users,
        usage.role_cells as f64 / 1048576.0,
        usage.users as f64 / 1048576.0,
        usage.teams as f64 / 1048576.0,
        usage.structure as f64 / 1048576.0,
        usage.names as f64 / 1048576.0,
    );

    let mut c = Criterion::default().configure_from_args();
    config_changes(&mut c, &policy, &model);
    drop(policy);

    let mut c = c.sample_size(10).measurement_time(Duration::from_secs(30));
    c.bench_function("build_snapshot_100k_users_10m_cells", |b| {
        b.iter_with_large_drop(|| black_box(&model).build())
    });
    c.final_summary();
}
