//! Role cells stored sparsely: for each role, only the tables it mentions.
//!
//! A role gives a level per (table, privilege). Most roles mention a few dozen tables out of
//! thousands, so a dense `roles × tables × 8` array is mostly "not applicable" and grows with
//! the product of two counts a document states in a few bytes each. Here each role has a row
//! (compressed sparse rows) of `(table, cells)` entries sorted by table; a lookup is a search
//! over the role's own tables (a scan for short rows, a binary search for long ones), with no
//! allocation. A role's eight cells on one table are packed into one `u32`, three bits each
//! ([`Packed`]), so memory follows what the document says: 8 bytes per (role, table) the
//! document names, plus 4 bytes per role.
//!
//! When roles mention a large share of the tables (at least one (role, table) pair in
//! [`DENSE_SHARE`]), a dense `roles × tables` array of packed cells is added beside the rows, so
//! a lookup is one array read and a shift instead of a search: on a decision with several grants
//! the search is what the time goes to (each step a dependent, often mispredicted, branch).

use std::mem::size_of;

use crate::core::AccessLevel;

use super::policy::Cell;

/// Each role's cells for the tables it mentions; see the module docs.
#[derive(Debug, Clone, Default)]
pub(crate) struct RoleCells {
    /// `offsets[r]..offsets[r + 1]` index `entries` for role `r`.
    offsets: Vec<u32>,
    /// Per role, the tables it mentions with their cells, sorted by table, each table once.
    entries: Vec<Entry>,
    /// When set, `dense[role * tables + table]` holds the cells of that pair ([`Packed::ABSENT`]
    /// for a table the role does not mention); see the module docs.
    dense: Option<Dense>,
}

/// The dense (role, table) → cells array.
#[derive(Debug, Clone)]
struct Dense {
    tables: usize,
    cells: Vec<Packed>,
}

/// A role's eight cells on one table, three bits each (bit `3 × privilege bit`): the
/// [`AccessLevel`] as its number, or [`Packed::NOT_APPLICABLE`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Packed(u32);

impl Packed {
    /// The three-bit value of a cell that is not applicable.
    const NOT_APPLICABLE: u32 = 0b111;
    /// Every cell not applicable: a table the role does not mention.
    pub(crate) const ABSENT: Packed = Packed(0x00FF_FFFF);

    fn pack(cells: [Cell; 8]) -> Packed {
        let mut packed = 0u32;
        for (bit, cell) in cells.iter().enumerate() {
            let value = cell.get().map_or(Self::NOT_APPLICABLE, |l| l as u32);
            packed |= value << (3 * bit);
        }
        Packed(packed)
    }

    /// The packed cells: three bits per privilege bit, from the lowest.
    #[inline]
    pub(crate) fn bits(self) -> u32 {
        self.0
    }

    /// The level of privilege `bit`; `None` when not applicable (or `bit` is not a privilege).
    #[inline]
    pub(crate) fn get(self, bit: usize) -> Option<AccessLevel> {
        if bit >= 8 {
            return None;
        }
        AccessLevel::from_number((self.0 >> (3 * bit)) & 0b111)
    }
}

/// The dense index is built when the stored pairs are at least one in this many of all
/// (role, table) pairs (and the index fits in `u32` positions).
const DENSE_SHARE: usize = 4;

/// One table a role mentions, and the role's eight cells on it (8 bytes).
#[derive(Debug, Clone, Copy)]
struct Entry {
    table: u32,
    cells: Packed,
}

/// Rows up to this long are scanned rather than binary-searched: fewer branches mispredicted.
const SCAN: usize = 8;

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
        // A table given twice: merge the later cells into the first entry, then pack.
        row.dedup_by(|later, kept| {
            if later.0 != kept.0 {
                return false;
            }
            for (p, n) in kept.1.iter_mut().zip(later.1) {
                if n != Cell::NOT_APPLICABLE {
                    *p = n;
                }
            }
            true
        });
        let c = &mut self.cells;
        let start = c.entries.len();
        c.entries
            .extend(row.into_iter().map(|(table, cells)| Entry {
                table,
                cells: Packed::pack(cells),
            }));
        match u32::try_from(c.entries.len()) {
            Ok(end) => {
                c.offsets.push(end);
                true
            }
            Err(_) => {
                c.entries.truncate(start);
                false
            }
        }
    }

    /// The finished cells.
    pub(crate) fn finish(mut self) -> RoleCells {
        let c = &mut self.cells;
        c.entries.shrink_to_fit();
        let roles = c.offsets.len().saturating_sub(1);
        let tables = c
            .entries
            .iter()
            .map(|e| e.table as usize + 1)
            .max()
            .unwrap_or(0);
        let pairs = roles.saturating_mul(tables);
        if pairs > 0
            && c.entries.len().saturating_mul(DENSE_SHARE) >= pairs
            && u32::try_from(c.entries.len()).is_ok()
        {
            let mut dense = vec![Packed::ABSENT; pairs];
            for (role, w) in c.offsets.windows(2).enumerate() {
                for e in c.entries.get(w[0] as usize..w[1] as usize).unwrap_or(&[]) {
                    if let Some(slot) = dense.get_mut(role * tables + e.table as usize) {
                        *slot = e.cells;
                    }
                }
            }
            c.dense = Some(Dense {
                tables,
                cells: dense,
            });
        }
        self.cells
    }
}

impl RoleCells {
    /// The level `role` gives privilege `bit` on `table`; `None` when not applicable.
    #[inline]
    pub(crate) fn get(&self, role: u32, table: u32, bit: usize) -> Option<AccessLevel> {
        self.packed(role, table).get(bit)
    }

    /// The eight cells `role` has on `table` ([`Packed::ABSENT`] when it does not mention it).
    #[inline]
    pub(crate) fn packed(&self, role: u32, table: u32) -> Packed {
        if let Some(d) = &self.dense {
            if (table as usize) >= d.tables {
                return Packed::ABSENT;
            }
            return d
                .cells
                .get(role as usize * d.tables + table as usize)
                .copied()
                .unwrap_or(Packed::ABSENT);
        }
        let r = role as usize;
        let (a, b) = match (self.offsets.get(r), self.offsets.get(r + 1)) {
            (Some(&a), Some(&b)) => (a as usize, b as usize),
            _ => return Packed::ABSENT,
        };
        let Some(row) = self.entries.get(a..b) else {
            return Packed::ABSENT;
        };
        let entry = if row.len() <= SCAN {
            row.iter().find(|e| e.table == table)
        } else {
            row.binary_search_by_key(&table, |e| e.table)
                .ok()
                .and_then(|i| row.get(i))
        };
        entry.map_or(Packed::ABSENT, |e| e.cells)
    }

    /// How many (role, table) entries are stored.
    #[cfg(test)]
    pub(crate) fn entries(&self) -> usize {
        self.entries.len()
    }

    /// Bytes held on the heap.
    pub(crate) fn heap_bytes(&self) -> usize {
        self.offsets.capacity() * size_of::<u32>()
            + self.entries.capacity() * size_of::<Entry>()
            + self
                .dense
                .as_ref()
                .map_or(0, |d| d.cells.capacity() * size_of::<Packed>())
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

    /// With every role mentioning most tables the dense index is built, and finds the same
    /// cells as the rows; a table past the last one mentioned finds nothing.
    #[test]
    fn dense_index_matches_rows() {
        let mut b = RoleCellsBuilder::with_roles(3);
        for r in 0..3u32 {
            let row = (0..10u32)
                .filter(|t| (t + r) % 3 != 0)
                .map(|t| (t, row(AccessLevel::User, ((t + r) % 8) as usize)))
                .collect();
            assert!(b.push_role(row));
        }
        let c = b.finish();
        assert!(c.dense.is_some());
        for r in 0..4u32 {
            for t in 0..12u32 {
                for bit in 0..9usize {
                    let expected =
                        (r < 3 && t < 10 && (t + r) % 3 != 0 && bit == ((t + r) % 8) as usize)
                            .then_some(AccessLevel::User);
                    assert_eq!(c.get(r, t, bit), expected, "role {r} table {t} bit {bit}");
                }
            }
        }
    }

    /// Rows longer than the scan bound are binary-searched and find the same cells.
    #[test]
    fn long_rows_are_searched() {
        let mut b = RoleCellsBuilder::with_roles(1);
        let row = (0..100u32)
            .rev()
            .map(|t| (t * 5, row(AccessLevel::User, (t % 8) as usize)))
            .collect();
        assert!(b.push_role(row));
        let c = b.finish();
        assert!(
            c.dense.is_none(),
            "one table in five: too sparse for the dense index"
        );
        for t in 0..500u32 {
            let expected = (t % 5 == 0).then_some(AccessLevel::User);
            assert_eq!(c.get(0, t, (t / 5 % 8) as usize), expected, "table {t}");
        }
    }
}
