//! How much memory a compiled snapshot holds, by part.

use std::mem::size_of;

use crate::dataverse::configuration::policy::*;

/// Bytes held on the heap by a [`DataversePolicy`], by part.
///
/// Computed from the capacities of the compiled arrays; the name tables (id strings and their
/// hash index) are an estimate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct MemoryUsage {
    /// The role cells: 8 bytes per (role, table) a role mentions, 4 per role, and a
    /// dense array of 4 bytes per (role, table) when roles mention most tables.
    pub role_cells: usize,
    /// Per-user arrays: unit, admission, grants (direct and through teams), team lists.
    pub users: usize,
    /// Teams, their members and their role assignments.
    pub teams: usize,
    /// Records and their shares.
    pub records: usize,
    /// The business-unit tree, tables and roles.
    pub structure: usize,
    /// The id strings of every entity and their hash index (estimate).
    pub names: usize,
    /// Column security: secured and declared columns, profiles, column grants, column shares.
    pub columns: usize,
    /// Hierarchy security: managers, positions.
    pub hierarchy: usize,
}

impl MemoryUsage {
    /// The sum of every part.
    pub fn total(&self) -> usize {
        self.role_cells
            + self.users
            + self.teams
            + self.records
            + self.structure
            + self.names
            + self.columns
            + self.hierarchy
    }
}

fn vec_bytes<T>(v: &Vec<T>) -> usize {
    v.capacity() * size_of::<T>()
}

fn csr_bytes<T: Clone>(c: &Csr<T>) -> usize {
    c.heap_bytes()
}

impl DataversePolicy {
    /// The heap bytes of the snapshot, by part.
    ///
    /// ```
    /// use accessgate::dataverse::*;
    /// let mut model = DataverseModel::default();
    /// model.business_units.push(BusinessUnitDef::root("contoso"));
    /// model.users.push(UserDef::new("alice", "contoso"));
    /// let policy = model.build()?;
    /// let usage = policy.memory_usage();
    /// assert!(usage.users > 0);
    /// assert_eq!(usage.total(), policy.memory_bytes());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn memory_usage(&self) -> MemoryUsage {
        let n = &self.names;
        MemoryUsage {
            role_cells: self.cells.heap_bytes(),
            users: self.users.heap_bytes()
                + csr_bytes(&self.user_teams)
                + self.user_enabled.heap_bytes(),
            teams: self.teams.heap_bytes()
                + csr_bytes(&self.team_members)
                + csr_bytes(&self.team_roles),
            records: {
                let (structure, text) = self.records.heap_bytes();
                structure + text
            },
            structure: self.tree.heap_bytes()
                + vec_bytes(&self.tables)
                + vec_bytes(&self.roles)
                + self.relationships.capacity() * size_of::<RelationshipInfo>()
                + self.templates.heap_bytes(),
            names: n.business_units.heap_bytes()
                + n.tables.heap_bytes()
                + n.roles.heap_bytes()
                + n.users.heap_bytes()
                + n.teams.heap_bytes()
                + n.relationships.heap_bytes(),
            columns: self.columns.heap_bytes(),
            hierarchy: self.hierarchy.heap_bytes(),
        }
    }

    /// The heap bytes of the snapshot: [`memory_usage`](Self::memory_usage)'s total.
    pub fn memory_bytes(&self) -> usize {
        self.memory_usage().total()
    }
}
