//! Hierarchy security as configuration (R6): each user's manager and position, and the position
//! tree, checked for cycles and depth and compiled into a [`HierarchyIndex`].

use crate::core::id::Interner;

use crate::dataverse::configuration::compile::{intern, lookup};
use crate::dataverse::configuration::error::{EntityKind, ModelError};
use crate::dataverse::configuration::model::{DataverseModel, HierarchyModel};

/// Marks "no manager" / "no position".
pub(crate) const NONE: u32 = u32::MAX;

/// The compiled manager and position hierarchies.
#[derive(Debug, Clone, Default)]
pub(crate) struct HierarchyIndex {
    pub(crate) positions: Interner,
    pub(crate) manager: Vec<u32>,
    pub(crate) position: Vec<u32>,
    pub(crate) position_parent: Vec<u32>,
}

/// Checks that parent pointers form no cycle; returns a node on a cycle otherwise.
fn find_cycle(parent: &[u32]) -> Option<u32> {
    // 0 unvisited, 1..: the start node + 1 of the walk that visited it, u32::MAX done.
    let mut state = vec![0u32; parent.len()];
    for start in 0..parent.len() {
        let mut node = start as u32;
        let mark = start as u32 + 1;
        while node != NONE && state[node as usize] == 0 {
            state[node as usize] = mark;
            node = parent[node as usize];
        }
        if node != NONE && state[node as usize] == mark {
            return Some(node);
        }
        let mut node = start as u32;
        while node != NONE && state[node as usize] == mark {
            state[node as usize] = u32::MAX;
            node = parent[node as usize];
        }
    }
    None
}

pub(crate) fn compile(
    m: &DataverseModel,
    users: &Interner,
    limits: &crate::BuildLimits,
) -> Result<HierarchyIndex, ModelError> {
    let h = m.options.hierarchy;
    if !h.managers_must_be_in_same_or_parent_unit && !m.options.matrix_mode {
        return Err(ModelError::BadHierarchyOptions(
            "managers outside the report's unit or its parent need matrix mode (R6.3)",
        ));
    }
    if h.model != HierarchyModel::Off && h.depth == 0 {
        return Err(ModelError::BadHierarchyOptions(
            "depth must be at least 1 when a hierarchy is on",
        ));
    }
    let positions = intern(
        EntityKind::Position,
        m.positions.iter().map(|p| p.id.as_str()),
    )?;
    let mut position_parent = Vec::with_capacity(m.positions.len());
    for p in &m.positions {
        position_parent.push(match &p.parent {
            None => NONE,
            Some(parent) => lookup(&positions, EntityKind::Position, parent, || {
                format!("position `{}`", p.id)
            })?,
        });
    }
    if let Some(node) = find_cycle(&position_parent) {
        return Err(ModelError::HierarchyCycle {
            kind: EntityKind::Position,
            id: positions.name(node).to_owned(),
        });
    }
    let longest = crate::dataverse::configuration::limits::longest_chain(&position_parent, NONE);
    crate::dataverse::configuration::limits::check_depth("levels of positions", longest, limits)?;
    let mut manager = Vec::with_capacity(m.users.len());
    let mut position = Vec::with_capacity(m.users.len());
    for u in &m.users {
        manager.push(match &u.manager {
            None => NONE,
            Some(id) => lookup(users, EntityKind::User, id, || format!("user `{}`", u.id))?,
        });
        position.push(match &u.position {
            None => NONE,
            Some(id) => lookup(&positions, EntityKind::Position, id, || {
                format!("user `{}`", u.id)
            })?,
        });
    }
    if let Some(node) = find_cycle(&manager) {
        return Err(ModelError::HierarchyCycle {
            kind: EntityKind::User,
            id: users.name(node).to_owned(),
        });
    }
    let longest = crate::dataverse::configuration::limits::longest_chain(&manager, NONE);
    crate::dataverse::configuration::limits::check_depth("levels of managers", longest, limits)?;
    Ok(HierarchyIndex {
        positions,
        manager,
        position,
        position_parent,
    })
}

impl HierarchyIndex {
    /// Bytes held on the heap.
    pub(crate) fn heap_bytes(&self) -> usize {
        self.positions.heap_bytes()
            + (self.manager.capacity() + self.position.capacity() + self.position_parent.capacity())
                * std::mem::size_of::<u32>()
    }

    /// Adds a user with `manager` and `position` (a new user has no reports, so no cycle can
    /// form).
    pub(crate) fn push_user(
        &mut self,
        user: &str,
        manager: Option<u32>,
        position: Option<&str>,
    ) -> Result<(), ModelError> {
        let position = match position {
            None => NONE,
            Some(id) => lookup(&self.positions, EntityKind::Position, id, || {
                format!("user `{user}`")
            })?,
        };
        self.manager.push(manager.unwrap_or(NONE));
        self.position.push(position);
        Ok(())
    }
}
