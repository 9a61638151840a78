//! Why a grant is on one side and not the other: the configuration change behind each
//! difference.

use super::compute::Side;
use super::*;

pub(super) fn same_assignment(a: &HeldRole, b: &HeldRole) -> bool {
    a.role == b.role && a.via == b.via && a.business_unit == b.business_unit
}

/// The team behind a grant path, if any.
fn via_team(via: &GrantVia) -> Option<&str> {
    match via {
        GrantVia::Direct => None,
        GrantVia::Team { team } | GrantVia::TeamMemberInheritance { team } => Some(team),
    }
}

/// Why a role assignment (role, via, unit) is held on one side and not the other.
pub(super) fn classify_source(
    held: &HeldRole,
    this: &EffectiveAccess,
    other: &EffectiveAccess,
    moved: &Option<(String, String)>,
    b: &Side<'_>,
    a: &Side<'_>,
    added: bool,
) -> Cause {
    // The same role and path, held on the other side in a unit this side does not hold it in.
    let elsewhere = other.roles.iter().find(|h| {
        h.role == held.role
            && h.via == held.via
            && !this.roles.iter().any(|x| same_assignment(x, h))
    });
    if let Some(other_held) = elsewhere {
        let (from, to) = if added {
            (other_held.business_unit.clone(), held.business_unit.clone())
        } else {
            (held.business_unit.clone(), other_held.business_unit.clone())
        };
        match via_team(&held.via) {
            None => {
                if moved.as_ref() == Some(&(from.clone(), to.clone())) {
                    return Cause::UserMovedBusinessUnit { from, to };
                }
            }
            Some(team) => {
                if (b.team_unit(team), a.team_unit(team))
                    == (Some(from.as_str()), Some(to.as_str()))
                {
                    return Cause::TeamMovedBusinessUnit {
                        team: team.to_owned(),
                        from,
                        to,
                    };
                }
            }
        }
        return Cause::AssignmentUnitChanged {
            role: held.role.clone(),
            via: held.via.clone(),
            from,
            to,
        };
    }
    if added {
        Cause::RoleAssigned {
            role: held.role.clone(),
            business_unit: held.business_unit.clone(),
            via: held.via.clone(),
        }
    } else {
        Cause::RoleUnassigned {
            role: held.role.clone(),
            business_unit: held.business_unit.clone(),
            via: held.via.clone(),
        }
    }
}

/// Why one grant is held on one side (`this`) and not on the other: how its assignment
/// changed, and whether its role's level or inheritance changed too.
#[allow(
    clippy::too_many_arguments,
    reason = "a private helper over the two sides of one comparison"
)]
pub(super) fn classify_grant(
    g: &Grant,
    table: &str,
    privilege: Privilege,
    this: &EffectiveAccess,
    other: &EffectiveAccess,
    this_side: &Side<'_>,
    other_side: &Side<'_>,
    moved: &Option<(String, String)>,
    added: bool,
) -> Vec<Cause> {
    let (b, a) = if added {
        (other_side, this_side)
    } else {
        (this_side, other_side)
    };
    let mut causes = Vec::new();
    // The assignment the grant comes from: for a member-inheritance grant, the team's role.
    let source_via = match &g.via {
        GrantVia::TeamMemberInheritance { team } => GrantVia::Team { team: team.clone() },
        GrantVia::Direct | GrantVia::Team { .. } => g.via.clone(),
    };
    let held = HeldRole {
        role: g.role.clone(),
        business_unit: g.business_unit.clone(),
        via: source_via.clone(),
        inheritance: this_side.inheritance(&g.role).unwrap_or(
            crate::dataverse::configuration::model::RoleInheritance::DirectUserBasicAndTeam,
        ),
        system_administrator: false,
    };
    let same_assignment_held = other.roles.iter().any(|h| same_assignment(h, &held));
    if !same_assignment_held {
        let team_changed = via_team(&source_via).and_then(|team| {
            let in_team = |e: &EffectiveAccess| e.teams.iter().any(|t| t == team);
            (in_team(this) && !in_team(other)).then(|| team.to_owned())
        });
        causes.push(match team_changed {
            Some(team) if added => Cause::TeamJoined { team },
            Some(team) => Cause::TeamLeft { team },
            None => classify_source(&held, this, other, moved, b, a, added),
        });
    }
    let (from, to) = (
        b.role_level(&g.role, table, privilege),
        a.role_level(&g.role, table, privilege),
    );
    let role_in_both = b.policy.role_id(&g.role).is_some() && a.policy.role_id(&g.role).is_some();
    if role_in_both && from != to {
        causes.push(Cause::RolePrivilegeChanged {
            role: g.role.clone(),
            table: table.to_owned(),
            privilege,
            from,
            to,
        });
    }
    if role_in_both && b.inheritance(&g.role) != a.inheritance(&g.role) {
        causes.push(Cause::RoleInheritanceChanged {
            role: g.role.clone(),
        });
    }
    if causes.is_empty() {
        causes.push(Cause::OptionsChanged);
    }
    causes
}
