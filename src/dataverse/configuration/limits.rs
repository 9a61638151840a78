//! Checking a Dataverse model against [`BuildLimits`] before compiling it.
//!
//! Every count is taken from the document alone, in one pass and without allocating in
//! proportion to a product, so a model that would pass a limit is refused before the build
//! allocates for it. The derived entries are an upper bound computed the same way: a team's
//! members times the roles assigned to it, and the column grants profiles spread to members.

use std::collections::HashMap;

use crate::limits::{BuildLimits, Exceeded};

use super::error::ModelError;
use super::model::{DataverseModel, PrincipalRef};

/// Checks every count of `m` against `limits`.
///
/// # Errors
/// [`ModelError::TooLarge`] or [`ModelError::TeamTooLarge`] for the first limit passed.
pub(crate) fn check(m: &DataverseModel, limits: &BuildLimits) -> Result<(), ModelError> {
    let l = limits;
    BuildLimits::check("business units", m.business_units.len(), l.business_units)?;
    BuildLimits::check("tables", m.tables.len(), l.tables)?;
    BuildLimits::check("roles", m.roles.len(), l.roles)?;
    BuildLimits::check("users", m.users.len(), l.users)?;
    BuildLimits::check("teams", m.teams.len(), l.teams)?;
    BuildLimits::check("records", m.records.len(), l.records)?;
    let shares = m.shares.len().saturating_add(m.field_shares.len());
    BuildLimits::check("shares", shares, l.shares)?;
    let secured: usize = m
        .tables
        .iter()
        .map(|t| t.secured_columns.len() + t.columns.as_ref().map_or(0, Vec::len))
        .fold(0, usize::saturating_add);
    BuildLimits::check("role_cells", role_cells(m), l.role_cells)?;
    BuildLimits::check("columns", secured, l.role_cells)?;
    let parents: usize = m
        .records
        .iter()
        .map(|r| r.parents.len())
        .fold(0, usize::saturating_add);
    BuildLimits::check("parent links", parents, l.shares)?;
    for t in &m.teams {
        if t.members.len() > l.members_per_team {
            return Err(ModelError::TeamTooLarge {
                team: t.id.clone(),
                count: t.members.len(),
                limit: l.members_per_team,
            });
        }
    }
    BuildLimits::check("memberships", memberships(m), l.memberships)?;
    BuildLimits::check("positions", m.positions.len(), l.users)?;
    BuildLimits::check("relationships", m.relationships.len(), l.tables)?;
    BuildLimits::check("derived_entries", derived(m), l.derived_entries)?;
    Ok(())
}

/// Cells set by all roles: one per (role, table, privilege) key bit.
fn role_cells(m: &DataverseModel) -> usize {
    m.roles
        .iter()
        .flat_map(|r| r.privileges.values())
        .flat_map(|levels| levels.keys())
        .map(|p| p.bits().count_ones() as usize)
        .fold(0, usize::saturating_add)
}

/// Memberships, role assignments and column profile members and permissions.
fn memberships(m: &DataverseModel) -> usize {
    let members = m.teams.iter().map(|t| t.members.len());
    let profiles = m
        .column_security_profiles
        .iter()
        .map(|p| p.members.len().saturating_add(p.permissions.len()));
    members
        .chain(profiles)
        .chain(std::iter::once(m.role_assignments.len()))
        .fold(0, usize::saturating_add)
}

/// An upper bound of the derived entries: grant sources and column grants of every user.
fn derived(m: &DataverseModel) -> usize {
    // Roles and profile permissions held by each team, by team id.
    let mut per_team: HashMap<&str, (usize, usize)> = HashMap::new();
    let mut direct_roles = 0usize;
    for a in &m.role_assignments {
        match &a.principal {
            PrincipalRef::Team(t) => {
                let e = per_team.entry(t.as_str()).or_default();
                e.0 = e.0.saturating_add(1);
            }
            PrincipalRef::User(_) => direct_roles = direct_roles.saturating_add(1),
        }
    }
    let mut direct_columns = 0usize;
    for p in &m.column_security_profiles {
        for member in &p.members {
            match member {
                PrincipalRef::Team(t) => {
                    let e = per_team.entry(t.as_str()).or_default();
                    e.1 = e.1.saturating_add(p.permissions.len());
                }
                PrincipalRef::User(_) => {
                    direct_columns = direct_columns.saturating_add(p.permissions.len());
                }
            }
        }
    }
    // A team role may be anchored twice per member (A4: team and member unit).
    let mut total = direct_roles
        .saturating_mul(2)
        .saturating_add(direct_columns.saturating_mul(2));
    for t in &m.teams {
        if let Some(&(roles, columns)) = per_team.get(t.id.as_str()) {
            let each = roles
                .saturating_mul(2)
                .saturating_add(columns.saturating_mul(2));
            total = total.saturating_add(t.members.len().saturating_mul(each));
        }
    }
    total
}

/// Checks the depth of a chain of parents.
pub(crate) fn check_depth(
    what: &'static str,
    depth: usize,
    limits: &BuildLimits,
) -> Result<(), Exceeded> {
    BuildLimits::check(what, depth, limits.depth)
}

/// The longest chain in a parent array with no cycle (`NONE` marks no parent): the number of
/// links from the deepest node up to its root.
pub(crate) fn longest_chain(parent: &[u32], none: u32) -> usize {
    // depth + 1 per node, 0 while unknown; iterative so a long chain cannot overflow the stack.
    let mut depth = vec![0u32; parent.len()];
    let mut stack = Vec::new();
    let mut longest = 0u32;
    for start in 0..parent.len() {
        let mut node = start as u32;
        while node != none && depth.get(node as usize) == Some(&0) && stack.len() <= parent.len() {
            stack.push(node);
            node = parent.get(node as usize).copied().unwrap_or(none);
        }
        let mut d = if node == none {
            0
        } else {
            depth.get(node as usize).copied().unwrap_or(0)
        };
        while let Some(n) = stack.pop() {
            d = d.saturating_add(1);
            if let Some(slot) = depth.get_mut(n as usize) {
                *slot = d;
            }
        }
        longest = longest.max(d);
    }
    longest.saturating_sub(1) as usize
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The longest chain counts links from the deepest node to its root.
    #[test]
    fn longest_chain_counts_links() {
        const N: u32 = u32::MAX;
        assert_eq!(longest_chain(&[], N), 0);
        assert_eq!(longest_chain(&[N], N), 0);
        assert_eq!(longest_chain(&[N, 0, 1, 0], N), 2);
        assert_eq!(longest_chain(&[1, 2, N], N), 2);
    }
}
