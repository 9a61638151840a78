//! The application ids of records, by slot, in blocks shared between versions.
//!
//! Slots `64 b … 64 b + 63` keep their ids in block `b`: one string holding the ids one after
//! the other in slot order, and the end of each id in it. An empty id marks a free slot (a
//! record id is never empty). So an id costs its bytes plus 2 bytes, and a block's headers
//! (about 80 bytes) are spread over 64 records, where one `Arc<str>` per record cost 32 bytes
//! of pointer and counters each.
//!
//! Ids never change while a record lives, so the store's two versions share their blocks
//! ([`Texts::catch_up`]): a write copies the one block it changes (about a kilobyte), and the
//! other version takes the new block by pointer when it catches up. The id text is therefore
//! held once, not once per version, but for the last block while it fills: both versions
//! append to their own copy of it in place, so a run of inserts copies no block, and share it
//! once it is full.

use std::sync::Arc;

use super::pvec::PVec;

/// Slots per block, as a shift.
const SHIFT: u32 = 6;
const PER_BLOCK: usize = 1 << SHIFT;

/// Where each id of a block ends: 2 bytes each while the block's text fits in 64 KiB (ids of
/// up to a kilobyte on average), 4 bytes past that.
#[derive(Debug, Clone)]
enum Ends {
    Narrow(Vec<u16>),
    Wide(Vec<u32>),
}

impl Default for Ends {
    fn default() -> Self {
        Ends::Narrow(Vec::new())
    }
}

impl Ends {
    fn len(&self) -> usize {
        match self {
            Ends::Narrow(e) => e.len(),
            Ends::Wide(e) => e.len(),
        }
    }

    fn get(&self, i: usize) -> Option<usize> {
        match self {
            Ends::Narrow(e) => e.get(i).map(|&x| usize::from(x)),
            Ends::Wide(e) => e.get(i).map(|&x| x as usize),
        }
    }

    /// Extends to `n` ends, the new ids empty.
    fn extend_to(&mut self, n: usize) {
        match self {
            Ends::Narrow(e) => {
                let last = e.last().copied().unwrap_or(0);
                e.reserve_exact(PER_BLOCK.saturating_sub(e.len()));
                e.resize(n, last);
            }
            Ends::Wide(e) => {
                let last = e.last().copied().unwrap_or(0);
                e.reserve_exact(PER_BLOCK.saturating_sub(e.len()));
                e.resize(n, last);
            }
        }
    }

    /// Moves the ends from `i` on by `grown` bytes; `total` is the text's new length.
    fn shift(&mut self, i: usize, grown: i64, total: usize) {
        if let Ends::Narrow(e) = self {
            if total > usize::from(u16::MAX) {
                *self = Ends::Wide(e.iter().map(|&x| u32::from(x)).collect());
            }
        }
        match self {
            Ends::Narrow(e) => {
                for x in e.iter_mut().skip(i) {
                    *x = (i64::from(*x) + grown) as u16;
                }
            }
            Ends::Wide(e) => {
                for x in e.iter_mut().skip(i) {
                    *x = (i64::from(*x) + grown) as u32;
                }
            }
        }
    }

    fn heap_bytes(&self) -> usize {
        match self {
            Ends::Narrow(e) => e.capacity() * 2,
            Ends::Wide(e) => e.capacity() * 4,
        }
    }
}

/// The ids of 64 slots.
#[derive(Debug, Clone, Default)]
pub(crate) struct Block {
    /// `ends[i]`: where slot `i`'s id ends in `text` (it starts where slot `i - 1`'s ends).
    ends: Ends,
    text: String,
}

impl Block {
    fn range(&self, i: usize) -> Option<(usize, usize)> {
        let end = self.ends.get(i)?;
        let start = match i.checked_sub(1) {
            Some(before) => self.ends.get(before)?,
            None => 0,
        };
        Some((start, end))
    }

    fn get(&self, i: usize) -> Option<&str> {
        let (start, end) = self.range(i)?;
        self.text.get(start..end).filter(|t| !t.is_empty())
    }

    /// Makes slot `i`'s id `id` (empty: free). A block holds up to 4 GiB of ids; the store
    /// refuses longer ids before they get here.
    fn set(&mut self, i: usize, id: &str) {
        if i == self.ends.len() && self.append(id) {
            return;
        }
        if self.ends.len() <= i {
            self.ends.extend_to(i + 1);
        }
        let Some((start, end)) = self.range(i) else {
            return;
        };
        // A block filling up grows by doubling and is trimmed when full; a full block grows
        // exactly, as it is rewritten only on a delete or a reused slot.
        let grow = id.len().saturating_sub(end - start);
        if self.is_full() {
            self.text.reserve_exact(grow);
        } else {
            self.text.reserve(grow);
        }
        self.text.replace_range(start..end, id);
        let grown = id.len() as i64 - (end - start) as i64;
        self.ends.shift(i, grown, self.text.len());
        if self.is_full() && self.text.capacity() > self.text.len() {
            self.text.shrink_to_fit();
        }
    }

    /// Makes `id` the id of the next slot, when its end fits the narrow ends: the common
    /// case of a block filling up (`set` then does nothing), done without `set`'s general
    /// text splice and end shifting. `false` (nothing done) otherwise.
    fn append(&mut self, id: &str) -> bool {
        let total = self.text.len() + id.len();
        let Ends::Narrow(ends) = &mut self.ends else {
            return false;
        };
        let Ok(end) = u16::try_from(total) else {
            return false;
        };
        if ends.capacity() == 0 {
            ends.reserve_exact(PER_BLOCK);
        }
        ends.push(end);
        if self.text.capacity() == 0 {
            // A block's ids are usually alike in length: room for a block of ids like its first
            // (up to 16 KiB) is one allocation, where doubling from one id took seven.
            self.text.reserve_exact((id.len() * PER_BLOCK).min(1 << 14));
        }
        // Past that as in `set`: doubling while the block fills, trimmed once full.
        self.text.push_str(id);
        if self.is_full() && self.text.capacity() > self.text.len() {
            self.text.shrink_to_fit();
        }
        true
    }

    /// Whether every slot of the block has been written (some may be free again).
    fn is_full(&self) -> bool {
        self.ends.len() == PER_BLOCK
    }

    fn heap_bytes(&self) -> (usize, usize) {
        (
            2 * std::mem::size_of::<usize>()
                + std::mem::size_of::<Block>()
                + self.ends.heap_bytes()
                + self.text.capacity()
                - self.text.len(),
            self.text.len(),
        )
    }
}

/// The longest id a block accepts (ends are `u32`).
pub(crate) const ID_BYTES_LIMIT: usize = (u32::MAX / 2) as usize / PER_BLOCK;

/// Ids by slot; see the module docs.
#[derive(Debug, Clone, Default)]
pub(crate) struct Texts {
    blocks: PVec<Arc<Block>>,
}

impl Texts {
    /// The id of `slot`, if the slot holds a record.
    #[inline]
    pub(crate) fn get(&self, slot: usize) -> Option<&str> {
        self.blocks.get(slot >> SHIFT)?.get(slot & (PER_BLOCK - 1))
    }

    /// Sets the id of `slot` (empty: the slot is free), copying its block if another version
    /// shares it.
    pub(crate) fn set(&mut self, slot: usize, id: &str) {
        let b = slot >> SHIFT;
        while self.blocks.len() <= b {
            self.blocks.push(Arc::default());
        }
        self.blocks.update(b, |block| {
            Arc::make_mut(block).set(slot & (PER_BLOCK - 1), id);
        });
    }

    /// Makes the id of `slot` the one `newer` holds: how a version catching up with a newer one
    /// gets the ids the newer one wrote. The last block, while it fills, is copied into this
    /// version's own block (appending in place); any other block is taken by pointer.
    pub(crate) fn catch_up(&mut self, slot: usize, newer: &Texts) {
        let b = slot >> SHIFT;
        let Some(block) = newer.blocks.get(b) else {
            return;
        };
        if b + 1 == newer.blocks.len() && !block.is_full() {
            self.set(slot, newer.get(slot).unwrap_or_default());
            return;
        }
        if self.blocks.len() <= b {
            while self.blocks.len() < b {
                self.blocks.push(Arc::default());
            }
            self.blocks.push(Arc::clone(block));
        } else if !self
            .blocks
            .get(b)
            .is_some_and(|mine| Arc::ptr_eq(mine, block))
        {
            self.blocks.set(b, Arc::clone(block));
        }
    }

    /// A copy whose index nodes are its own, sharing the blocks.
    pub(crate) fn share_all(&self) -> Texts {
        Texts {
            blocks: self.blocks.deep_clone_with(&Arc::clone),
        }
    }

    /// `(structure, id bytes)` held; blocks that `shared_with` holds too count as structure
    /// nothing (they are counted with it).
    pub(crate) fn heap_bytes(&self, shared_with: Option<&Texts>) -> (usize, usize) {
        let mut structure = self.blocks.heap_bytes();
        let mut text = 0;
        for (b, block) in self.blocks.iter().enumerate() {
            let shared = shared_with
                .and_then(|o| o.blocks.get(b))
                .is_some_and(|o| Arc::ptr_eq(o, block));
            if !shared {
                let (s, t) = block.heap_bytes();
                structure += s;
                text += t;
            }
        }
        (structure, text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Setting, clearing and resetting ids across blocks agrees with a map; a clone that shares
    /// blocks keeps its ids when the other changes, and catches up with `catch_up`.
    #[test]
    fn ids_by_slot() {
        let mut t = Texts::default();
        for s in 0..300usize {
            t.set(s, &format!("id-{s}"));
        }
        let before = t.share_all();
        t.set(5, "");
        t.set(70, "a much longer id than before");
        t.set(299, "z");
        t.set(400, "far");
        assert_eq!(t.get(5), None);
        assert_eq!(t.get(4), Some("id-4"));
        assert_eq!(t.get(6), Some("id-6"));
        assert_eq!(t.get(70), Some("a much longer id than before"));
        assert_eq!(t.get(71), Some("id-71"));
        assert_eq!(t.get(299), Some("z"));
        assert_eq!(t.get(350), None);
        assert_eq!(t.get(400), Some("far"));
        assert_eq!(before.get(5), Some("id-5"));
        assert_eq!(before.get(70), Some("id-70"));
        let mut after = before.share_all();
        for s in [5, 70, 299, 400] {
            after.catch_up(s, &t);
        }
        for s in 0..450 {
            assert_eq!(after.get(s), t.get(s), "slot {s}");
        }
        // Ids past 64 KiB in one block switch it to 4-byte ends.
        let long = "x".repeat(3_000);
        for s in 0..64usize {
            after.set(640 + s, &format!("{s}{long}"));
        }
        after.set(650, "short");
        for s in 0..64usize {
            let expected = if s == 10 {
                "short".to_owned()
            } else {
                format!("{s}{long}")
            };
            assert_eq!(after.get(640 + s), Some(expected.as_str()));
        }
        for s in 640..704 {
            after.set(s, "");
        }
        let (_, text) = after.heap_bytes(Some(&t));
        assert_eq!(
            text,
            "far".len(),
            "all but the last block (still filling) are shared"
        );
    }
}
