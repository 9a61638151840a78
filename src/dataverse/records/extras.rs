//! Shares and parent links, kept beside the slots because most records have none.
//!
//! Slots `64 b … 64 b + 63` keep theirs in block `b`: the slot offsets that have an extra, and
//! their extras in the same order (the order they came in: a new one is appended, a dropped
//! one replaced by the last, so nothing is ever shifted), or nothing. A record without shares or parents
//! therefore costs an eighth of a byte here (one empty block pointer per 64 slots) instead of a
//! pointer in its slot, and a slot's flag says whether to look at all. The offsets sit apart
//! from the extras, inline in the block for up to 24, so finding a record's extra scans one
//! cache line of offsets, not a search through kilobytes of extras.

use std::sync::Arc;

use smallvec::SmallVec;

use super::facts::{ParentFact, ShareFact};
use super::pvec::PVec;

const SHIFT: u32 = 6;
const MASK: usize = (1 << SHIFT) - 1;

/// The shares and parent links of one record (at least one of the two is non-empty).
///
/// A record's first share sits inline (64 bytes for the extra rather than 48, where a `Vec`
/// of shares took an allocation of 128 bytes): most shared records have one or two shares,
/// and each version of the store writes its own extras, so a record's first share used to
/// cost an allocation in each version, the larger part of the write.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Extra {
    pub(crate) shares: SmallVec<[ShareFact; 1]>,
    pub(crate) parents: Vec<ParentFact>,
}

const _: () = assert!(std::mem::size_of::<Extra>() == 64);

impl Extra {
    fn is_empty(&self) -> bool {
        self.shares.is_empty() && self.parents.is_empty()
    }
}

/// The extras of one block's slots; see the module docs.
#[derive(Debug, Clone, Default)]
struct Block {
    offsets: SmallVec<[u8; 24]>,
    extras: Vec<Extra>,
}

/// Extras by slot; see the module docs.
#[derive(Debug, Clone, Default)]
pub(crate) struct Extras {
    blocks: PVec<Option<Arc<Block>>>,
}

impl Extras {
    /// The extra of `slot`, if it has one.
    #[inline]
    pub(crate) fn get(&self, slot: usize) -> Option<&Extra> {
        let block = self.blocks.get(slot >> SHIFT)?.as_deref()?;
        let offset = (slot & MASK) as u8;
        let at = block.offsets.iter().position(|&o| o == offset)?;
        block.extras.get(at)
    }

    /// Edits the extra of `slot` (starting from an empty one) and drops it if the edit leaves
    /// it empty. Returns whether the slot has an extra afterwards.
    pub(crate) fn edit(&mut self, slot: usize, edit: impl FnOnce(&mut Extra)) -> bool {
        let b = slot >> SHIFT;
        while self.blocks.len() <= b {
            self.blocks.push(None);
        }
        let offset = (slot & MASK) as u8;
        let mut present = false;
        self.blocks.update(b, |block| {
            let list = Arc::make_mut(block.get_or_insert_with(Arc::default));
            let at = match list.offsets.iter().position(|&o| o == offset) {
                Some(at) => at,
                None => {
                    list.offsets.push(offset);
                    list.extras.push(Extra::default());
                    list.offsets.len() - 1
                }
            };
            if let Some(extra) = list.extras.get_mut(at) {
                edit(extra);
                present = !extra.is_empty();
            }
            if !present {
                list.offsets.swap_remove(at);
                list.extras.swap_remove(at);
            }
            if list.offsets.is_empty() {
                *block = None;
            }
        });
        present
    }

    /// A copy sharing nothing with `self`.
    pub(crate) fn deep_clone(&self) -> Extras {
        Extras {
            blocks: self
                .blocks
                .deep_clone_with(&|b| b.as_ref().map(|b| Arc::new(Block::clone(b)))),
        }
    }

    /// Heap bytes held (shared nodes counted as if owned).
    pub(crate) fn heap_bytes(&self) -> usize {
        self.blocks.heap_bytes()
            + self
                .blocks
                .iter()
                .flatten()
                .map(|b| {
                    2 * std::mem::size_of::<usize>()
                        + std::mem::size_of::<Block>()
                        + if b.offsets.spilled() {
                            b.offsets.capacity()
                        } else {
                            0
                        }
                        + b.extras.capacity() * std::mem::size_of::<Extra>()
                        + b.extras
                            .iter()
                            .map(|e| {
                                let spilled = if e.shares.spilled() {
                                    e.shares.capacity()
                                } else {
                                    0
                                };
                                spilled * std::mem::size_of::<ShareFact>()
                                    + e.parents.capacity() * std::mem::size_of::<ParentFact>()
                            })
                            .sum::<usize>()
                })
                .sum::<usize>()
    }
}
