//! Rows of items in one flat array (compressed sparse rows).

/// Rows of items in one flat array: row `r` is `items[offsets[r]..offsets[r + 1]]`.
///
/// Used for every one-to-many index of a compiled snapshot (a user's grants, a team's members, a
/// record's shares): one allocation per index, and a row is a slice.
#[derive(Debug, Clone)]
pub(crate) struct Csr<T> {
    pub(crate) offsets: Vec<u32>,
    pub(crate) items: Vec<T>,
}

impl<T> Default for Csr<T> {
    fn default() -> Self {
        Csr {
            offsets: vec![0],
            items: Vec::new(),
        }
    }
}

impl<T> Csr<T> {
    /// Groups `(row, item)` pairs by row, keeping each row's items in the order given. Pairs
    /// naming a row at or past `rows` are dropped.
    pub(crate) fn from_rows(rows: usize, mut pairs: Vec<(u32, T)>) -> Csr<T> {
        pairs.retain(|(r, _)| (*r as usize) < rows);
        pairs.sort_by_key(|(r, _)| *r);
        let mut offsets = vec![0u32; rows + 1];
        for (r, _) in &pairs {
            offsets[*r as usize + 1] += 1;
        }
        for i in 0..rows {
            offsets[i + 1] += offsets[i];
        }
        Csr {
            offsets,
            items: pairs.into_iter().map(|(_, t)| t).collect(),
        }
    }

    /// The items of `row`; empty for a row that does not exist.
    #[inline]
    pub(crate) fn get(&self, row: u32) -> &[T] {
        let r = row as usize;
        match (self.offsets.get(r), self.offsets.get(r + 1)) {
            (Some(&a), Some(&b)) => self.items.get(a as usize..b as usize).unwrap_or(&[]),
            _ => &[],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Rows keep their items in insertion order; out-of-range rows and pairs are empty.
    #[test]
    fn rows_keep_order() {
        let csr = Csr::from_rows(3, vec![(2, 'c'), (0, 'a'), (2, 'd'), (7, 'x'), (0, 'b')]);
        assert_eq!(csr.get(0), &['a', 'b']);
        assert_eq!(csr.get(1), &[] as &[char]);
        assert_eq!(csr.get(2), &['c', 'd']);
        assert_eq!(csr.get(3), &[] as &[char]);
    }
}
