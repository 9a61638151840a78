//! A persistent vector: a 128-way trie of shared chunks.
//!
//! Cloning is one reference count; a write copies only the path from the root to the changed
//! leaf (at most `log128(len)` nodes of 128 slots) and shares everything else with the clone it
//! came from. A writer that owns every node on the path (no reader holds an older clone) writes
//! in place: no allocation, no copy.
//!
//! The record store relies on the second case: it keeps two physically separate versions and
//! writes the one no reader is using, so path copies happen only while a reader still holds an
//! old snapshot (see [`RecordStore`](super::RecordStore)). Copying is the fallback that keeps
//! that case correct, not the common path: copying a branch touches the reference count of each
//! of its children, each in its own cache line, which is what made a write cost microseconds.
//!
//! Nodes are 128 wide rather than 32 because the elements are small (4 to 16 bytes): a node's
//! own header then costs well under a byte per element, and a million elements sit three levels
//! deep instead of four. Copying a wider node costs more, but that is the rare case.
//!
//! **Leaves are one allocation.** A leaf is an `Arc<[T; 128]>`: its reference counts and its
//! elements in one block, always full. A leaf that was an `Arc` of a `Vec` took two dependent
//! reads to reach an element, the `Arc`'s block (for the `Vec`'s pointer) and then the
//! element's line; in a large store both are cache misses, and reading or writing a random
//! record's slot paid both, in each version. Now the element's address follows from the leaf's
//! pointer alone.
//!
//! **The tail.** The last leaf, full or not, is kept out of the trie, as a plain `Vec` in the
//! `PVec` itself (as in Clojure's vectors), and joins the trie once full and another element
//! comes. Appending, and changing an element near the end, then reaches no shared node: no
//! `Arc::make_mut` on the path, each of which is an atomic read-modify-write (a full memory
//! barrier on x86, some twenty cycles, and no cache miss after it can start before it ends). A
//! store insert appends to several vectors in each version (slots, table list, id blocks), so
//! this is most of the atomics an insert did. A pop that finds the tail empty takes the trie's
//! last leaf back as the tail. The price: cloning a `PVec` copies its tail (at most [`WIDTH`]
//! elements), which happens only when a write meets a version a reader still holds.
//!
//! Invariant: the trie holds elements `0 .. len - tail.len()`, a multiple of [`WIDTH`], in full
//! leaves; the root is a branch, `shift` bits of index above its leaves.

use std::sync::Arc;

const BITS: u32 = 7;
const WIDTH: usize = 1 << BITS;
const MASK: usize = WIDTH - 1;

/// A child of a branch: a full leaf or another branch.
#[derive(Debug, Clone)]
enum Child<T> {
    Leaf(Arc<[T; WIDTH]>),
    Branch(Arc<Vec<Child<T>>>),
}

/// A persistent vector of `T`; see the module docs.
#[derive(Debug, Clone)]
pub(crate) struct PVec<T> {
    /// The trie's root branch.
    root: Arc<Vec<Child<T>>>,
    /// The last elements, `len - tail.len() .. len`, outside the trie (see the module docs).
    tail: Vec<T>,
    len: usize,
    /// `BITS ×` the number of branch levels above the leaves, at least one.
    shift: u32,
}

impl<T: Clone> Default for PVec<T> {
    fn default() -> Self {
        PVec {
            root: Arc::new(Vec::new()),
            tail: Vec::new(),
            len: 0,
            shift: BITS,
        }
    }
}

impl<T: Clone> PVec<T> {
    /// Number of elements.
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// Where the tail starts: the number of elements in the trie.
    #[inline]
    fn tail_start(&self) -> usize {
        self.len - self.tail.len()
    }

    /// The element at `index`, in O(log128 len).
    #[inline]
    pub(crate) fn get(&self, index: usize) -> Option<&T> {
        let start = self.tail_start();
        if index >= start {
            return self.tail.get(index - start);
        }
        let mut children = &*self.root;
        let mut level = self.shift;
        loop {
            match children.get((index >> level) & MASK)? {
                Child::Leaf(items) => return items.get(index & MASK),
                Child::Branch(branch) => {
                    children = branch;
                    level = level.saturating_sub(BITS);
                }
            }
        }
    }

    /// Replaces the element at `index`; `false` (and no change) when out of range.
    pub(crate) fn set(&mut self, index: usize, value: T) -> bool {
        self.update(index, |slot| *slot = value)
    }

    /// Appends an element.
    pub(crate) fn push(&mut self, value: T) {
        if self.tail.len() == WIDTH {
            let full = std::mem::replace(&mut self.tail, Vec::with_capacity(WIDTH));
            self.push_leaf(full);
        } else if self.tail.capacity() == 0 {
            self.tail.reserve_exact(WIDTH);
        }
        self.tail.push(value);
        self.len += 1;
    }

    /// Moves a full tail into the trie as its next leaf.
    fn push_leaf(&mut self, full: Vec<T>) {
        let Ok(items) = <[T; WIDTH]>::try_from(full) else {
            return; // not reached: the caller passes exactly WIDTH elements
        };
        let leaf = Child::Leaf(Arc::new(items));
        // The tail still counts in `len`: the trie holds the elements before it.
        let start = self.len - WIDTH;
        if start == 1usize << (self.shift + BITS) {
            // The trie is full: a new root with the old one as its first child.
            let old = std::mem::take(&mut self.root);
            self.root = Arc::new(vec![Child::Branch(old), wrap(self.shift, leaf)]);
            self.shift += BITS;
        } else {
            push_in(&mut self.root, self.shift, start, leaf);
        }
    }

    /// Changes the element at `index` in place (copying only the path to it when an older
    /// clone shares it); `false` (and no change) when out of range.
    pub(crate) fn update(&mut self, index: usize, edit: impl FnOnce(&mut T)) -> bool {
        if index >= self.len {
            return false;
        }
        let start = self.tail_start();
        if index >= start {
            return match self.tail.get_mut(index - start) {
                Some(slot) => {
                    edit(slot);
                    true
                }
                None => false,
            };
        }
        update_in(&mut self.root, self.shift, index, edit)
    }

    /// Removes and returns the last element.
    pub(crate) fn pop(&mut self) -> Option<T> {
        let last = self.len.checked_sub(1)?;
        if self.tail.is_empty() {
            let leaf = pop_in(&mut self.root, self.shift, last)?;
            self.tail = match Arc::try_unwrap(leaf) {
                Ok(items) => Vec::from(items),
                Err(shared) => shared.to_vec(),
            };
        }
        let value = self.tail.pop()?;
        self.len = last;
        Some(value)
    }

    /// Iterates over the elements in order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = &T> + '_ {
        (0..self.len).filter_map(move |i| self.get(i))
    }

    /// Heap bytes held (counting shared nodes as if owned).
    pub(crate) fn heap_bytes(&self) -> usize {
        branch_bytes(&self.root) + self.tail.capacity() * std::mem::size_of::<T>()
    }

    /// A copy sharing no node with `self`, each element copied by `copy` (which decides how
    /// deep an element's own pointers are copied).
    pub(crate) fn deep_clone_with(&self, copy: &impl Fn(&T) -> T) -> PVec<T> {
        let mut tail = Vec::with_capacity(if self.tail.is_empty() { 0 } else { WIDTH });
        tail.extend(self.tail.iter().map(copy));
        PVec {
            root: deep_branch(&self.root, copy),
            tail,
            len: self.len,
            shift: self.shift,
        }
    }
}

/// Reference counts of an `Arc`'s block.
const COUNTS: usize = 2 * std::mem::size_of::<usize>();

fn branch_bytes<T>(children: &Arc<Vec<Child<T>>>) -> usize {
    COUNTS
        + std::mem::size_of::<Vec<Child<T>>>()
        + children.capacity() * std::mem::size_of::<Child<T>>()
        + children
            .iter()
            .map(|c| match c {
                Child::Leaf(_) => COUNTS + std::mem::size_of::<[T; WIDTH]>(),
                Child::Branch(branch) => branch_bytes(branch),
            })
            .sum::<usize>()
}

fn deep_branch<T>(children: &[Child<T>], copy: &impl Fn(&T) -> T) -> Arc<Vec<Child<T>>> {
    Arc::new(
        children
            .iter()
            .map(|c| match c {
                Child::Leaf(items) => Child::Leaf(Arc::new(items.each_ref().map(copy))),
                Child::Branch(branch) => Child::Branch(deep_branch(branch, copy)),
            })
            .collect(),
    )
}

/// `leaf` under the branches a subtree `level` bits above its leaves needs.
fn wrap<T>(level: u32, leaf: Child<T>) -> Child<T> {
    let branch = if level <= BITS {
        vec![leaf]
    } else {
        vec![wrap(level - BITS, leaf)]
    };
    Child::Branch(Arc::new(branch))
}

fn update_in<T: Clone>(
    children: &mut Arc<Vec<Child<T>>>,
    level: u32,
    index: usize,
    edit: impl FnOnce(&mut T),
) -> bool {
    match Arc::make_mut(children).get_mut((index >> level) & MASK) {
        Some(Child::Leaf(items)) => match Arc::make_mut(items).get_mut(index & MASK) {
            Some(slot) => {
                edit(slot);
                true
            }
            None => false,
        },
        Some(Child::Branch(branch)) => update_in(branch, level.saturating_sub(BITS), index, edit),
        None => false,
    }
}

/// Adds `leaf` as the leaf for elements `start ..`, below a branch with room for it.
fn push_in<T: Clone>(children: &mut Arc<Vec<Child<T>>>, level: u32, start: usize, leaf: Child<T>) {
    let children = Arc::make_mut(children);
    if level <= BITS {
        children.push(leaf);
        return;
    }
    match children.get_mut((start >> level) & MASK) {
        Some(Child::Branch(branch)) => push_in(branch, level - BITS, start, leaf),
        _ => children.push(wrap(level - BITS, leaf)),
    }
}

/// Removes the last leaf, that of element `last`; branches it leaves empty go too.
fn pop_in<T: Clone>(
    children: &mut Arc<Vec<Child<T>>>,
    level: u32,
    last: usize,
) -> Option<Arc<[T; WIDTH]>> {
    let children = Arc::make_mut(children);
    if level <= BITS {
        return match children.pop()? {
            Child::Leaf(items) => Some(items),
            Child::Branch(_) => None,
        };
    }
    let slot = (last >> level) & MASK;
    let (leaf, emptied) = match children.get_mut(slot)? {
        Child::Branch(branch) => {
            let leaf = pop_in(branch, level - BITS, last);
            (leaf, branch.is_empty())
        }
        Child::Leaf(_) => (None, false),
    };
    if emptied {
        children.pop();
    }
    leaf
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Pushes and sets across several levels agree with a plain `Vec`, and an old clone keeps
    /// its values after the new one changes.
    #[test]
    fn matches_vec_and_shares_structure() {
        let mut p = PVec::default();
        let mut v = Vec::new();
        for i in 0..40_000u32 {
            p.push(i);
            v.push(i);
        }
        let before = p.clone();
        for i in (0..40_000usize).step_by(7) {
            assert!(p.set(i, 1));
            v[i] = 1;
        }
        assert!(!p.set(40_000, 9));
        assert_eq!(p.len(), v.len());
        assert!(p.iter().copied().eq(v.iter().copied()));
        assert_eq!(before.get(7), Some(&7));
        assert_eq!(p.get(7), Some(&1));
        assert_eq!(p.get(40_000), None);
    }

    /// Pops across leaf and branch boundaries, then pushes again, agree with a plain `Vec`;
    /// an older clone is untouched by pops, pushes and updates of the newer one.
    #[test]
    fn pop_push_and_update_match_vec() {
        let mut p = PVec::default();
        let mut v = Vec::new();
        for i in 0..5_000u32 {
            p.push(i);
            v.push(i);
        }
        let before = p.clone();
        for _ in 0..3_000 {
            assert_eq!(p.pop(), v.pop());
        }
        for i in 0..1_500u32 {
            p.push(i * 3);
            v.push(i * 3);
        }
        for i in (0..v.len()).step_by(5) {
            assert!(p.update(i, |x| *x += 1));
            v[i] += 1;
        }
        assert!(!p.update(v.len(), |x| *x += 1));
        assert!(p.iter().copied().eq(v.iter().copied()));
        assert_eq!(before.len(), 5_000);
        assert!(before.iter().copied().eq(0..5_000u32));
        let mut empty: PVec<u32> = PVec::default();
        assert_eq!(empty.pop(), None);
    }

    /// Random runs of pushes, pops (down to empty, across the tail and several levels),
    /// updates and clones agree with a plain `Vec`; every clone keeps its elements.
    #[test]
    fn random_pushes_and_pops_around_the_tail() {
        let mut p = PVec::default();
        let mut v: Vec<u32> = Vec::new();
        let mut clones: Vec<(PVec<u32>, Vec<u32>)> = Vec::new();
        let mut seed = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = move |n: usize| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed % n as u64) as usize
        };
        for round in 0..300 {
            let run = next(3_000);
            match next(4) {
                0 | 1 => {
                    for _ in 0..run {
                        let x = next(1 << 20) as u32;
                        p.push(x);
                        v.push(x);
                    }
                }
                2 => {
                    // Every fifth pop run empties the vector.
                    let run = if round % 5 == 0 { v.len() + 1 } else { run };
                    for _ in 0..run {
                        assert_eq!(p.pop(), v.pop());
                    }
                }
                _ => {
                    for _ in 0..run.min(v.len()) {
                        let i = next(v.len());
                        assert!(p.update(i, |x| *x ^= 1));
                        v[i] ^= 1;
                    }
                }
            }
            assert_eq!(p.len(), v.len());
            for _ in 0..20 {
                let i = next(v.len() + 2);
                assert_eq!(p.get(i), v.get(i), "round {round}, index {i}");
            }
            if round % 7 == 0 {
                clones.push((p.clone(), v.clone()));
            }
            if round % 11 == 0 {
                let deep = p.deep_clone_with(&|&x| x);
                assert!(deep.iter().copied().eq(v.iter().copied()));
                p = deep;
            }
        }
        assert!(p.iter().copied().eq(v.iter().copied()));
        for (c, w) in &clones {
            assert!(c.iter().copied().eq(w.iter().copied()));
        }
    }
}
