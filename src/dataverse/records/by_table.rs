//! The records of each table, so a list over one table costs what that table holds.
//!
//! Per table a persistent list of record keys in no particular order. An insert appends; a
//! delete moves the table's last key into the hole (swap-remove), so both are O(log32 n) path
//! copies (in place when no reader holds the version) and nothing is ever shifted. The position
//! of each key in its list lives in the record's slot, which is how a delete finds its hole
//! without searching.

use super::pvec::PVec;

/// The largest table key a store indexes, exclusive: a Dataverse organisation has a few
/// thousand tables; a key above this can name no table of any configuration that builds, and
/// bounds the per-table directory at 65,536 entries.
pub const TABLE_KEY_LIMIT: u32 = 1 << 16;

/// Per table, the keys of its records; see the module docs.
#[derive(Debug, Clone, Default)]
pub(crate) struct ByTable {
    lists: PVec<PVec<u32>>,
}

impl ByTable {
    /// Appends `key` to `table`'s list and returns its position there. `table` must be below
    /// [`TABLE_KEY_LIMIT`] (the caller checks).
    pub(crate) fn add(&mut self, table: u32, key: u32) -> u32 {
        let table = table as usize;
        while self.lists.len() <= table {
            self.lists.push(PVec::default());
        }
        let mut position = 0;
        self.lists.update(table, |list| {
            position = list.len() as u32;
            list.push(key);
        });
        position
    }

    /// Removes the key at `position` of `table`'s list. Returns the key that moved into the
    /// hole (whose recorded position must become `position`), if any moved.
    pub(crate) fn remove(&mut self, table: u32, position: u32) -> Option<u32> {
        let mut moved = None;
        self.lists.update(table as usize, |list| {
            let Some(last) = list.pop() else {
                return;
            };
            if (position as usize) < list.len() {
                list.set(position as usize, last);
                moved = Some(last);
            }
        });
        moved
    }

    /// The keys of `table`'s records, in no particular order.
    pub(crate) fn keys(&self, table: u32) -> impl Iterator<Item = u32> + '_ {
        self.lists
            .get(table as usize)
            .into_iter()
            .flat_map(|list| list.iter().copied())
    }

    /// Number of records of `table`.
    pub(crate) fn len(&self, table: u32) -> usize {
        self.lists.get(table as usize).map_or(0, PVec::len)
    }

    /// A copy sharing nothing with `self`.
    pub(crate) fn deep_clone(&self) -> ByTable {
        ByTable {
            lists: self.lists.deep_clone_with(&|l| l.deep_clone_with(&|&k| k)),
        }
    }

    /// Heap bytes held (shared nodes counted as if owned).
    pub(crate) fn heap_bytes(&self) -> usize {
        self.lists.heap_bytes() + self.lists.iter().map(PVec::heap_bytes).sum::<usize>()
    }
}
