//! A persistent hash index from record ids to slots: a hash array mapped trie.
//!
//! Each level consumes five bits of the id's 64-bit hash; a leaf holds up to [`LEAF`] entries
//! and splits into a branch when it overflows. An entry keeps only the hash and the slot; the id
//! text lives once, in the slot, and a lookup compares it there. Like [`PVec`](super::pvec::PVec),
//! a write copies the path to one leaf and shares the rest with older snapshots.

use std::sync::Arc;

const BITS: u32 = 5;
const WIDTH: usize = 1 << BITS;
/// Entries a leaf holds before it splits (unless the hash bits are used up).
const LEAF: usize = 8;
/// Levels after which every hash bit is consumed: leaves at this depth never split.
const MAX_DEPTH: u32 = 64 / BITS;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Entry {
    hash: u64,
    slot: u32,
}

#[derive(Debug, Clone)]
enum Node {
    Leaf(Vec<Entry>),
    Branch(Box<[Option<Arc<Node>>; WIDTH]>),
}

/// The index; see the module docs.
#[derive(Debug, Clone)]
pub(crate) struct HashIndex {
    root: Arc<Node>,
}

impl Default for HashIndex {
    fn default() -> Self {
        HashIndex {
            root: Arc::new(Node::Leaf(Vec::new())),
        }
    }
}

#[inline]
fn digit(hash: u64, depth: u32) -> usize {
    ((hash >> (depth * BITS)) as usize) & (WIDTH - 1)
}

impl HashIndex {
    /// The slot whose id hashes to `hash` and for which `is_id(slot)` holds.
    #[inline]
    pub(crate) fn get(&self, hash: u64, is_id: impl Fn(u32) -> bool) -> Option<u32> {
        let mut node = &*self.root;
        let mut depth = 0;
        loop {
            match node {
                Node::Leaf(entries) => {
                    return entries
                        .iter()
                        .find(|e| e.hash == hash && is_id(e.slot))
                        .map(|e| e.slot)
                }
                Node::Branch(children) => {
                    node = children.get(digit(hash, depth))?.as_deref()?;
                    depth += 1;
                }
            }
        }
    }

    /// Adds `slot` under `hash`. The caller has checked that the id is not present.
    pub(crate) fn insert(&mut self, hash: u64, slot: u32) {
        insert_in(&mut self.root, 0, Entry { hash, slot });
    }

    /// Removes the entry for `slot` under `hash`; `false` when there is none.
    pub(crate) fn remove(&mut self, hash: u64, slot: u32) -> bool {
        remove_in(&mut self.root, 0, Entry { hash, slot })
    }

    /// Heap bytes held (counting shared nodes as if owned).
    pub(crate) fn heap_bytes(&self) -> usize {
        node_bytes(&self.root)
    }
}

fn node_bytes(node: &Node) -> usize {
    std::mem::size_of::<Node>()
        + match node {
            Node::Leaf(entries) => entries.capacity() * std::mem::size_of::<Entry>(),
            Node::Branch(children) => {
                std::mem::size_of::<[Option<Arc<Node>>; WIDTH]>()
                    + children
                        .iter()
                        .flatten()
                        .map(|c| node_bytes(c))
                        .sum::<usize>()
            }
        }
}

fn insert_in(node: &mut Arc<Node>, depth: u32, entry: Entry) {
    let overflow = match Arc::make_mut(node) {
        Node::Leaf(entries) => {
            entries.push(entry);
            (entries.len() > LEAF && depth < MAX_DEPTH).then(|| std::mem::take(entries))
        }
        Node::Branch(children) => {
            if let Some(child) = children.get_mut(digit(entry.hash, depth)) {
                let child = child.get_or_insert_with(|| Arc::new(Node::Leaf(Vec::new())));
                insert_in(child, depth + 1, entry);
            }
            None
        }
    };
    if let Some(entries) = overflow {
        // The leaf splits: a branch at the same depth routes each entry one level down.
        let mut branch = Arc::new(Node::Branch(Box::new(std::array::from_fn(|_| None))));
        for e in entries {
            insert_in(&mut branch, depth, e);
        }
        *node = branch;
    }
}

fn remove_in(node: &mut Arc<Node>, depth: u32, entry: Entry) -> bool {
    match Arc::make_mut(node) {
        Node::Leaf(entries) => match entries.iter().position(|e| *e == entry) {
            Some(i) => {
                entries.swap_remove(i);
                true
            }
            None => false,
        },
        Node::Branch(children) => match children.get_mut(digit(entry.hash, depth)) {
            Some(Some(child)) => remove_in(child, depth + 1, entry),
            _ => false,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Inserting and removing many entries (with forced hash collisions) finds exactly the live
    /// ones, and an old clone is unchanged.
    #[test]
    fn finds_live_entries() {
        let mut index = HashIndex::default();
        // Hashes collide in their low bits for runs of 100 slots.
        let hash = |slot: u32| u64::from(slot / 100) | (u64::from(slot) << 40);
        for slot in 0..20_000u32 {
            index.insert(hash(slot), slot);
        }
        let before = index.clone();
        for slot in (0..20_000u32).step_by(3) {
            assert!(index.remove(hash(slot), slot));
        }
        assert!(!index.remove(hash(3), 3));
        for slot in 0..20_000u32 {
            let found = index.get(hash(slot), |s| s == slot);
            assert_eq!(found.is_some(), slot % 3 != 0, "slot {slot}");
            assert_eq!(before.get(hash(slot), |s| s == slot), Some(slot));
        }
    }
}
