//! What a list filter must let through, worked out from the configuration alone: the same
//! steps as a record decision ([`DataversePolicy::check_facts`]), with every test that reads the
//! record turned into a set the record's columns are compared with.
//!
//! A decision allows a record when (after the user, privilege and table gates) some grant of
//! the privilege reaches it by *ownership* or *level* (R2), or a *share* reaches it in a context
//! a grant activates (R5), or *hierarchy security* reaches it through a report (R6). Each of
//! the three depends on the record only through its owner, owning unit and shares, so each
//! becomes a set:
//!
//! * levels: the owning units the grants reach (`unit_ranges`, pre-order intervals);
//! * ownership: the user themself and the teams whose records count as theirs; with A5 in
//!   matrix mode each only in the units of the grants that act in that context;
//! * shares: the principals whose shares a grant activates;
//! * hierarchy: the reports within the configured depth that count for the privilege, and
//!   their teams.

use std::ops::Range;

use crate::core::{AccessLevel, Privilege};

use crate::dataverse::configuration::hierarchy::NONE;
use crate::dataverse::configuration::model::{HierarchyModel, RoleInheritance};
use crate::dataverse::configuration::policy::{Admission, DataversePolicy, TableId, UserId, Via};

/// Which records a plan lets through before its parts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Reach {
    Nothing,
    Everything,
    Parts,
}

/// Hierarchy security's part: records owned by or shared with these reports or their teams.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Reports {
    pub(crate) users: Vec<u32>,
    pub(crate) teams: Vec<u32>,
    /// Shares inherited through parents count too (A18).
    pub(crate) inherited: bool,
}

/// The parts of one filter, in dense ids of the policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Plan {
    pub(crate) reach: Reach,
    /// Owning units reached by levels, as merged pre-order intervals.
    pub(crate) unit_ranges: Vec<Range<u32>>,
    /// Records owned by the user match.
    pub(crate) owner_user: bool,
    /// Records owned by these teams match (sorted).
    pub(crate) owner_teams: Vec<u32>,
    /// A5 in matrix mode: user and `owner_teams` ownership only in these units (sorted).
    pub(crate) ownership_units: Option<Vec<u32>>,
    /// A5 in matrix mode: records owned by the team, in the unit.
    pub(crate) team_unit_pairs: Vec<(u32, u32)>,
    /// Shares to the user activate.
    pub(crate) share_user: bool,
    /// Shares to these teams activate (sorted).
    pub(crate) share_teams: Vec<u32>,
    /// Hierarchy security's part, when it applies.
    pub(crate) reports: Option<Reports>,
}

impl Plan {
    fn nothing() -> Plan {
        Plan {
            reach: Reach::Nothing,
            unit_ranges: Vec::new(),
            owner_user: false,
            owner_teams: Vec::new(),
            ownership_units: None,
            team_unit_pairs: Vec::new(),
            share_user: false,
            share_teams: Vec::new(),
            reports: None,
        }
    }

    fn everything() -> Plan {
        Plan {
            reach: Reach::Everything,
            ..Plan::nothing()
        }
    }
}

/// Who reports to whom, downwards: the inverse of the hierarchy's parent pointers.
#[derive(Debug, Clone, Default)]
pub(crate) struct Downwards {
    /// By manager: their direct reports (manager model).
    reports: Vec<Vec<u32>>,
    /// By position: its child positions (position model).
    child_positions: Vec<Vec<u32>>,
    /// By position: the users holding it.
    holders: Vec<Vec<u32>>,
}

impl Downwards {
    pub(crate) fn new(policy: &DataversePolicy) -> Downwards {
        let h = &policy.hierarchy;
        let mut d = Downwards::default();
        match policy.options.hierarchy.model {
            HierarchyModel::Off => {}
            HierarchyModel::Manager => {
                d.reports = vec![Vec::new(); h.manager.len()];
                for (report, &m) in h.manager.iter().enumerate() {
                    if let Some(list) = d.reports.get_mut(m as usize) {
                        list.push(report as u32);
                    }
                }
            }
            HierarchyModel::Position => {
                d.child_positions = vec![Vec::new(); h.position_parent.len()];
                d.holders = vec![Vec::new(); h.position_parent.len()];
                for (p, &parent) in h.position_parent.iter().enumerate() {
                    if let Some(list) = d.child_positions.get_mut(parent as usize) {
                        list.push(p as u32);
                    }
                }
                for (u, &p) in h.position.iter().enumerate() {
                    if let Some(list) = d.holders.get_mut(p as usize) {
                        list.push(u as u32);
                    }
                }
            }
        }
        d
    }

    /// Users that may sit within `depth` levels below `manager`: a superset the caller checks
    /// with [`DataversePolicy::levels_above`].
    fn candidates(&self, policy: &DataversePolicy, manager: u32, depth: u8) -> Vec<u32> {
        let mut out = Vec::new();
        match policy.options.hierarchy.model {
            HierarchyModel::Off => {}
            HierarchyModel::Manager => {
                let mut level = vec![manager];
                for _ in 0..depth {
                    let next: Vec<u32> = level
                        .iter()
                        .filter_map(|&m| self.reports.get(m as usize))
                        .flatten()
                        .copied()
                        .collect();
                    out.extend_from_slice(&next);
                    level = next;
                }
            }
            HierarchyModel::Position => {
                let own = policy
                    .hierarchy
                    .position
                    .get(manager as usize)
                    .copied()
                    .unwrap_or(NONE);
                let mut level = vec![own];
                for _ in 0..depth {
                    let next: Vec<u32> = level
                        .iter()
                        .filter_map(|&p| self.child_positions.get(p as usize))
                        .flatten()
                        .copied()
                        .collect();
                    for &p in &next {
                        out.extend(self.holders.get(p as usize).into_iter().flatten());
                    }
                    level = next;
                }
            }
        }
        out
    }
}

/// The grants of one user for one table and privilege bit, as the plan reads them.
struct Contexts {
    any_grant: bool,
    organization: bool,
    best: AccessLevel,
    user_context: bool,
    /// Anchors of grants acting as the user (A5).
    user_anchors: Vec<u32>,
    /// `(team, anchor)` of grants acting as a team.
    team_grants: Vec<(u32, u32)>,
    unit_ranges: Vec<Range<u32>>,
}

fn contexts(policy: &DataversePolicy, user: UserId, table: u32, bit: usize) -> Contexts {
    let mut c = Contexts {
        any_grant: false,
        organization: false,
        best: AccessLevel::None,
        user_context: false,
        user_anchors: Vec::new(),
        team_grants: Vec::new(),
        unit_ranges: Vec::new(),
    };
    for g in policy.users.grants(user.0) {
        let Some(level) = policy.cell(g.role, table, bit) else {
            continue;
        };
        if level == AccessLevel::None {
            continue;
        }
        c.any_grant = true;
        c.best = c.best.max(level);
        match g.via() {
            Via::Direct | Via::TeamMemberInheritance(_) => {
                c.user_context = true;
                c.user_anchors.push(g.anchor);
            }
            Via::Team(t) => {
                c.team_grants.push((t.0, g.anchor));
                // R4.6: the Basic part of a DirectUser team role acts as the member.
                if policy.roles.get(g.role as usize).map(|r| r.inheritance)
                    == Some(RoleInheritance::DirectUserBasicAndTeam)
                {
                    c.user_context = true;
                    c.user_anchors.push(g.anchor);
                }
            }
        }
        if level == AccessLevel::Organization {
            c.organization = true;
        }
        let Some((pre, end)) = policy.tree.interval(g.anchor) else {
            continue;
        };
        match level {
            AccessLevel::None | AccessLevel::User | AccessLevel::Organization => {}
            AccessLevel::BusinessUnit => c.unit_ranges.push(pre..pre + 1),
            AccessLevel::ParentChild => c.unit_ranges.push(pre..end),
        }
    }
    c
}

/// Sorted, disjoint, non-adjacent intervals covering the same units.
fn merge(mut ranges: Vec<Range<u32>>) -> Vec<Range<u32>> {
    ranges.sort_unstable_by_key(|r| (r.start, r.end));
    let mut merged: Vec<Range<u32>> = Vec::with_capacity(ranges.len());
    for r in ranges {
        match merged.last_mut() {
            Some(last) if r.start <= last.end => last.end = last.end.max(r.end),
            _ => merged.push(r),
        }
    }
    merged
}

fn sorted(mut v: Vec<u32>) -> Vec<u32> {
    v.sort_unstable();
    v.dedup();
    v
}

/// The plan for `user`, `privilege` and `table`: [`Reach::Nothing`] wherever a decision denies
/// before looking at the record.
pub(crate) fn plan(
    policy: &DataversePolicy,
    down: &Downwards,
    user: UserId,
    privilege: Privilege,
    table: TableId,
) -> Plan {
    let (Some(u), Some(info)) = (
        policy.users.get(user.index()),
        policy.tables.get(table.index()),
    ) else {
        return Plan::nothing();
    };
    let bit = match privilege.index() {
        Some(bit) if privilege != Privilege::CREATE => bit,
        _ => return Plan::nothing(),
    };
    if u.admission() != Admission::Admitted || !info.applicable.contains(privilege) {
        return Plan::nothing();
    }
    if u.system_administrator().is_some() {
        return Plan::everything();
    }
    let c = contexts(policy, user, table.0, bit);
    if !c.any_grant {
        // R1.2: no grant, no access, whatever the shares say.
        return Plan::nothing();
    }
    if c.organization {
        return Plan::everything();
    }
    if info.organization_owned {
        // R2.8: Organization or nothing; such records have no owner, unit or share.
        return Plan::nothing();
    }
    let options = &policy.options;
    let a5 = options.matrix_mode && options.ownership_needs_role_in_owning_unit;

    // Ownership (R2.3, R4.5, A9), and with A5 only in the grant's unit.
    let mut user_teams: Vec<u32> = Vec::new();
    if c.user_context {
        user_teams.extend_from_slice(policy.user_teams.get(user.0));
        if options.team_administrator_owns {
            user_teams.extend(
                policy
                    .teams
                    .iter()
                    .enumerate()
                    .filter(|(_, t)| t.administrator == Some(user.0))
                    .map(|(i, _)| i as u32),
            );
        }
    }
    let context_teams = sorted(c.team_grants.iter().map(|&(t, _)| t).collect());
    let (owner_teams, ownership_units, team_unit_pairs) = if a5 {
        let mut pairs = c.team_grants.clone();
        pairs.sort_unstable();
        pairs.dedup();
        (sorted(user_teams), Some(sorted(c.user_anchors)), pairs)
    } else {
        user_teams.extend_from_slice(&context_teams);
        (sorted(user_teams), None, Vec::new())
    };

    // Shares (R5.4, R5.5, A2): which share targets a held grant activates.
    let share_user = c.user_context || options.team_only_roles_activate_user_shares;
    let share_teams = if c.user_context {
        policy.user_teams.get(user.0).to_vec()
    } else {
        context_teams
    };

    Plan {
        reach: Reach::Parts,
        unit_ranges: merge(c.unit_ranges),
        owner_user: c.user_context,
        owner_teams,
        ownership_units,
        team_unit_pairs,
        share_user,
        share_teams,
        reports: reports(policy, down, user, privilege, table, c.best),
    }
}

/// Hierarchy security's part (R6), when it applies to the table and privilege.
fn reports(
    policy: &DataversePolicy,
    down: &Downwards,
    user: UserId,
    privilege: Privilege,
    table: TableId,
    best: AccessLevel,
) -> Option<Reports> {
    let h = &policy.options.hierarchy;
    let applies = h.model != HierarchyModel::Off
        && policy
            .tables
            .get(table.index())
            .is_some_and(|t| t.hierarchy_security)
        && (Privilege::READ | Privilege::WRITE | Privilege::APPEND | Privilege::APPEND_TO)
            .contains(privilege)
        // R6.7 / A6b: the manager must hold the privilege at the minimum level.
        && best >= h.manager_minimum_level;
    if !applies {
        return None;
    }
    let users = sorted(
        down.candidates(policy, user.0, h.depth)
            .into_iter()
            .filter(|&v| {
                policy
                    .levels_above(user.0, v)
                    .is_some_and(|level| policy.report_counts(user.0, v, level, privilege))
            })
            .collect(),
    );
    let teams = sorted(
        users
            .iter()
            .flat_map(|&v| policy.user_teams.get(v).iter().copied())
            .collect(),
    );
    Some(Reports {
        users,
        teams,
        inherited: h.include_inherited_shares,
    })
}
