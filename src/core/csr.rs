//! Rows of items in shared chunks (compressed sparse rows), and a vector of the same shape.
//!
//! Every one-to-many index of a compiled snapshot (a user's grants, a team's members) is a
//! [`Csr`]: rows of items, where a row is a slice. Rows are grouped in chunks of [`CHUNK`] rows,
//! each chunk one flat `offsets` + `items` pair behind an `Arc`. Reading a row is two array
//! lookups and one pointer; replacing a row copies only its chunk, and a clone of the index
//! shares every chunk. That is what lets a configuration change (one membership, one role
//! assignment) give a new snapshot in microseconds while the old one keeps serving: the new
//! snapshot shares all but a few chunks with the old. [`Chunks`] is the same idea for one value
//! per row (a user's unit and admission).

use std::sync::Arc;

/// Rows per chunk: small enough that copying a chunk is cheap (a few kilobytes), large enough
/// that the chunk pointers are a rounding error beside the items.
pub(crate) const CHUNK: usize = 1024;

#[derive(Debug, Clone)]
struct RowChunk<T> {
    /// `offsets[r]..offsets[r + 1]` are row `r`'s items (`r` within the chunk).
    offsets: Vec<u32>,
    items: Vec<T>,
}

impl<T> RowChunk<T> {
    #[inline]
    fn get(&self, r: usize) -> &[T] {
        match (self.offsets.get(r), self.offsets.get(r + 1)) {
            (Some(&a), Some(&b)) => self.items.get(a as usize..b as usize).unwrap_or(&[]),
            _ => &[],
        }
    }

    fn heap_bytes(&self) -> usize {
        self.offsets.capacity() * std::mem::size_of::<u32>()
            + self.items.capacity() * std::mem::size_of::<T>()
    }
}

/// Rows of items; see the module docs.
#[derive(Debug, Clone)]
pub(crate) struct Csr<T> {
    chunks: Vec<Arc<RowChunk<T>>>,
    rows: usize,
}

impl<T> Default for Csr<T> {
    fn default() -> Self {
        Csr {
            chunks: Vec::new(),
            rows: 0,
        }
    }
}

impl<T: Clone> Csr<T> {
    /// Groups `(row, item)` pairs by row, keeping each row's items in the order given. Pairs
    /// naming a row at or past `rows` are dropped.
    pub(crate) fn from_rows(rows: usize, mut pairs: Vec<(u32, T)>) -> Csr<T> {
        pairs.retain(|(r, _)| (*r as usize) < rows);
        pairs.sort_by_key(|(r, _)| *r);
        let mut pairs = pairs.into_iter().peekable();
        let mut chunks = Vec::with_capacity(rows.div_ceil(CHUNK));
        for first in (0..rows).step_by(CHUNK) {
            let len = CHUNK.min(rows - first);
            let mut offsets = Vec::with_capacity(len + 1);
            let mut items = Vec::new();
            offsets.push(0);
            for r in first..first + len {
                while let Some((_, item)) = pairs.next_if(|(row, _)| *row as usize == r) {
                    items.push(item);
                }
                offsets.push(u32::try_from(items.len()).unwrap_or(u32::MAX));
            }
            items.shrink_to_fit();
            chunks.push(Arc::new(RowChunk { offsets, items }));
        }
        Csr { chunks, rows }
    }

    /// The items of `row`; empty for a row that does not exist.
    #[inline]
    pub(crate) fn get(&self, row: u32) -> &[T] {
        let r = row as usize;
        match self.chunks.get(r / CHUNK) {
            Some(chunk) => chunk.get(r % CHUNK),
            None => &[],
        }
    }

    /// Replaces the items of `row` (copying its chunk if a clone shares it); `false` and no
    /// change for a row that does not exist.
    pub(crate) fn set_row(&mut self, row: u32, items: &[T]) -> bool {
        let r = row as usize;
        let Some(chunk) = self.chunks.get_mut(r / CHUNK) else {
            return false;
        };
        let (old, within) = (chunk.as_ref(), r % CHUNK);
        if within + 1 >= old.offsets.len() {
            return false;
        }
        let (a, b) = (
            old.offsets[within] as usize,
            old.offsets[within + 1] as usize,
        );
        let mut new_items = Vec::with_capacity(old.items.len() - (b - a) + items.len());
        new_items.extend_from_slice(&old.items[..a]);
        new_items.extend_from_slice(items);
        new_items.extend_from_slice(&old.items[b..]);
        let shift = |o: u32| (o as usize + items.len()).saturating_sub(b - a);
        let offsets = old
            .offsets
            .iter()
            .enumerate()
            .map(|(i, &o)| {
                let o = if i > within { shift(o) } else { o as usize };
                u32::try_from(o).unwrap_or(u32::MAX)
            })
            .collect();
        *chunk = Arc::new(RowChunk {
            offsets,
            items: new_items,
        });
        true
    }

    /// Appends a row.
    pub(crate) fn push_row(&mut self, items: &[T]) {
        if self.rows % CHUNK == 0 {
            self.chunks.push(Arc::new(RowChunk {
                offsets: vec![0],
                items: Vec::new(),
            }));
        }
        if let Some(chunk) = self.chunks.last_mut() {
            let chunk = Arc::make_mut(chunk);
            chunk.items.extend_from_slice(items);
            chunk
                .offsets
                .push(u32::try_from(chunk.items.len()).unwrap_or(u32::MAX));
        }
        self.rows += 1;
    }

    /// Number of rows.
    pub(crate) fn rows(&self) -> usize {
        self.rows
    }

    /// Heap bytes held (chunks shared with clones counted as if owned).
    pub(crate) fn heap_bytes(&self) -> usize {
        self.chunks.capacity() * std::mem::size_of::<Arc<RowChunk<T>>>()
            + self
                .chunks
                .iter()
                .map(|c| 2 * std::mem::size_of::<usize>() + c.heap_bytes())
                .sum::<usize>()
    }
}

/// One value per row in shared chunks of [`CHUNK`]; see the module docs.
#[derive(Debug, Clone)]
pub(crate) struct Chunks<T> {
    chunks: Vec<Arc<Vec<T>>>,
    len: usize,
}

impl<T> Default for Chunks<T> {
    fn default() -> Self {
        Chunks {
            chunks: Vec::new(),
            len: 0,
        }
    }
}

impl<T: Clone> Chunks<T> {
    /// The values in order.
    pub(crate) fn from_vec(values: Vec<T>) -> Chunks<T> {
        let len = values.len();
        let chunks = values.chunks(CHUNK).map(|c| Arc::new(c.to_vec())).collect();
        Chunks { chunks, len }
    }

    /// Number of values.
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// The value at `index`.
    #[inline]
    pub(crate) fn get(&self, index: usize) -> Option<&T> {
        self.chunks.get(index / CHUNK)?.get(index % CHUNK)
    }

    /// Replaces the value at `index` (copying its chunk if a clone shares it); `false` when out
    /// of range.
    pub(crate) fn set(&mut self, index: usize, value: T) -> bool {
        match self.chunks.get_mut(index / CHUNK) {
            Some(chunk) => match Arc::make_mut(chunk).get_mut(index % CHUNK) {
                Some(slot) => {
                    *slot = value;
                    true
                }
                None => false,
            },
            None => false,
        }
    }

    /// Appends a value.
    pub(crate) fn push(&mut self, value: T) {
        if self.len % CHUNK == 0 {
            self.chunks.push(Arc::new(Vec::with_capacity(CHUNK)));
        }
        if let Some(chunk) = self.chunks.last_mut() {
            Arc::make_mut(chunk).push(value);
        }
        self.len += 1;
    }

    /// The values in order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = &T> + '_ {
        self.chunks.iter().flat_map(|c| c.iter())
    }

    /// Heap bytes held (chunks shared with clones counted as if owned).
    pub(crate) fn heap_bytes(&self) -> usize {
        self.chunks.capacity() * std::mem::size_of::<Arc<Vec<T>>>()
            + self
                .chunks
                .iter()
                .map(|c| 5 * std::mem::size_of::<usize>() + c.capacity() * std::mem::size_of::<T>())
                .sum::<usize>()
    }
}

impl<T: Clone> std::ops::Index<usize> for Chunks<T> {
    type Output = T;

    /// The value at `index`. Panics when out of range, like a slice: only for indices the
    /// compiler itself handed out.
    fn index(&self, index: usize) -> &T {
        &self.chunks[index / CHUNK][index % CHUNK]
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

    /// Replacing and appending rows across chunk boundaries matches a plain list of rows, and a
    /// clone taken before is unchanged.
    #[test]
    fn set_and_push_rows_match_a_list_of_rows() {
        let rows = 3 * CHUNK + 17;
        let mut model: Vec<Vec<u32>> = (0..rows).map(|r| (0..(r % 4) as u32).collect()).collect();
        let pairs = model
            .iter()
            .enumerate()
            .flat_map(|(r, items)| items.iter().map(move |&i| (r as u32, i)))
            .collect();
        let mut csr = Csr::from_rows(rows, pairs);
        let before = csr.clone();
        for r in (0..rows).step_by(97) {
            let items: Vec<u32> = (0..(r % 7) as u32).map(|i| i * 10).collect();
            assert!(csr.set_row(r as u32, &items));
            model[r] = items;
        }
        for extra in 0..CHUNK + 3 {
            let items = vec![extra as u32; extra % 3];
            csr.push_row(&items);
            model.push(items);
        }
        assert!(!csr.set_row(model.len() as u32, &[1]));
        assert_eq!(csr.rows, model.len());
        for (r, items) in model.iter().enumerate() {
            assert_eq!(csr.get(r as u32), items.as_slice(), "row {r}");
        }
        for r in 0..rows {
            assert_eq!(before.get(r as u32).len(), r % 4, "old clone, row {r}");
        }
    }

    /// Set and push on chunked values match a `Vec`.
    #[test]
    fn chunks_match_a_vec() {
        let mut model: Vec<usize> = (0..2 * CHUNK + 5).collect();
        let mut chunks = Chunks::from_vec(model.clone());
        let before = chunks.clone();
        for i in (0..model.len()).step_by(13) {
            assert!(chunks.set(i, i * 3));
            model[i] = i * 3;
        }
        chunks.push(7);
        model.push(7);
        assert!(!chunks.set(model.len(), 0));
        assert_eq!(chunks.iter().copied().collect::<Vec<_>>(), model);
        assert_eq!(before.get(13), Some(&13));
        assert_eq!(chunks.len(), model.len());
    }
}
