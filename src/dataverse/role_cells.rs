//! Role cells stored sparsely: for each role, only the tables it mentions.
//!
//! A role gives a level per (table, privilege). Most roles mention a few dozen tables out of
//! thousands, so a dense `roles × tables × 8` array is mostly "not applicable" and grows with
//! the product of two counts a document states in a few bytes each. Here each role has a row
//! (compressed sparse rows) of `(table, [Cell; 8])` entries sorted by table; a lookup is a
//! binary search over the role's own tables, with no allocation. Memory follows what the
//! document says: 12 bytes per (role, table) the document names, plus 4 bytes per role.

use std::mem::size_of;

use crate::core::AccessLevel;

use super::policy::Cell;

/// Each role's cells for the tables it mentions; see the module docs.
#[derive(Debug, Clone, Default)]
pub(crate) struct RoleCells {
    /// `offsets[r]..offsets[r + 1]` index `tables` and `cells` for role `r`.
    offsets: Vec<u32>,
    /// Per role, the tables it mentions, sorted and unique.
    tables: Vec<u32>,
    /// The eight cells of the table at the same position in `tables`.
    cells: Vec<[Cell; 8]>,
}

/// Builds [`RoleCells`] one role at a time, in role order.
#[derive(Debug, Default)]
pub(crate) struct RoleCellsBuilder {
    cells: RoleCells,
}

impl RoleCellsBuilder {
    /// A builder with room for `roles` roles.
    pub(crate) fn with_roles(roles: usize) -> Self {
        let mut offsets = Vec::with_capacity(roles + 1);
        offsets.push(0);
        RoleCellsBuilder {
            cells: RoleCells {
                offsets,
                ..RoleCells::default()
            },
        }
    }

    /// Appends the next role's row. `row` is sorted by table here; a table given twice keeps
    /// the cells of both, later ones winning per privilege.
    ///
    /// Returns `false` (and adds nothing) when the entries would not fit `u32` offsets.
    pub(crate) fn push_role(&mut self, mut row: Vec<(u32, [Cell; 8])>) -> bool {
        row.sort_by_key(|(t, _)| *t);
        let c = &mut self.cells;
        let start = c.tables.len();
        for (table, cells) in row {
            match c.tables.last() {
                Some(&last) if last == table && c.tables.len() > start => {
                    if let Some(prev) = c.cells.last_mut() {
                        for (p, n) in prev.iter_mut().zip(cells) {
                            if n != Cell::NOT_APPLICABLE {
                                *p = n;
                            }
                        }
                    }
                }
                _ => {
                    c.tables.push(table);
                    c.cells.push(cells);
                }
            }
        }
        match u32::try_from(c.tables.len()) {
            Ok(end) => {
                c.offsets.push(end);
                true
            }
            Err(_) => {
                c.tables.truncate(start);
                c.cells.truncate(start);
                false
            }
        }
    }

    /// The finished cells.
    pub(crate) fn finish(mut self) -> RoleCells {
        self.cells.tables.shrink_to_fit();
        self.cells.cells.shrink_to_fit();
        self.cells
    }
}

impl RoleCells {
    /// The level `role` gives privilege `bit` on `table`; `None` when not applicable.
    #[inline]
    pub(crate) fn get(&self, role: u32, table: u32, bit: usize) -> Option<AccessLevel> {
        let r = role as usize;
        let (a, b) = match (self.offsets.get(r), self.offsets.get(r + 1)) {
            (Some(&a), Some(&b)) => (a as usize, b as usize),
            _ => return None,
        };
        let tables = self.tables.get(a..b)?;
        let i = tables.binary_search(&table).ok()?;
        self.cells.get(a + i)?.get(bit)?.get()
    }

    /// How many (role, table) entries are stored.
    #[cfg(test)]
    pub(crate) fn entries(&self) -> usize {
        self.tables.len()
    }

    /// Bytes held on the heap.
    pub(crate) fn heap_bytes(&self) -> usize {
        self.offsets.capacity() * size_of::<u32>()
            + self.tables.capacity() * size_of::<u32>()
            + self.cells.capacity() * size_of::<[Cell; 8]>()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(level: AccessLevel, bit: usize) -> [Cell; 8] {
        let mut cells = [Cell::NOT_APPLICABLE; 8];
        cells[bit] = Cell::level(level);
        cells
    }

    /// A lookup finds exactly the cells a role set, and nothing for other roles or tables.
    #[test]
    fn lookup_matches_what_was_set() {
        let mut b = RoleCellsBuilder::with_roles(3);
        assert!(b.push_role(vec![
            (7, row(AccessLevel::User, 1)),
            (2, row(AccessLevel::Organization, 0))
        ]));
        assert!(b.push_role(Vec::new()));
        assert!(b.push_role(vec![
            (2, row(AccessLevel::BusinessUnit, 3)),
            (2, row(AccessLevel::User, 4))
        ]));
        let c = b.finish();
        assert_eq!(c.entries(), 3);
        assert_eq!(c.get(0, 7, 1), Some(AccessLevel::User));
        assert_eq!(c.get(0, 2, 0), Some(AccessLevel::Organization));
        assert_eq!(c.get(0, 2, 1), None);
        assert_eq!(c.get(0, 3, 1), None);
        assert_eq!(c.get(1, 2, 0), None);
        assert_eq!(c.get(2, 2, 3), Some(AccessLevel::BusinessUnit));
        assert_eq!(c.get(2, 2, 4), Some(AccessLevel::User));
        assert_eq!(c.get(3, 2, 3), None);
        assert_eq!(c.get(0, 7, 99), None);
    }
}
