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
//! own header (48 bytes) then costs under half a byte per element, and a million elements sit
//! three levels deep instead of four. Copying a wider node costs more, but that is the rare
//! case.
//!
//! **The tail.** The last, partly filled leaf is kept out of the trie, as a plain `Vec` in the
//! `PVec` itself (as in Clojure's vectors), and joins the trie as a leaf once full. Appending,
//! and changing an element near the end, then reaches no shared node: no `Arc::make_mut` on
//! the path, each of which is an atomic read-modify-write (a full memory barrier on x86, some
//! twenty cycles, and no cache miss after it can start before it ends). A store insert appends
//! to several vectors in each version (slots, table list, id blocks), so this is most of the
//! atomics an insert did. The price: cloning a `PVec` copies its tail (at most [`WIDTH`]
//! elements), which happens only when a write meets a version a reader still holds.
//!
//! Invariant: the trie holds elements `0 .. len - tail.len()`; a non-empty tail starts at a
//! multiple of [`WIDTH`]. Pops take from the tail while it has elements, then from the trie's
//! last leaf in place; the pushes after that refill that leaf through the trie until it is
//! full, and only then start a new tail, so the tail always starts on a leaf boundary.

use std::sync::Arc;

const BITS: u32 = 7;
const WIDTH: usize = 1 << BITS;
const MASK: usize = WIDTH - 1;

#[derive(Debug, Clone)]
enum Node<T> {
    Leaf(Vec<T>),
    Branch(Vec<Arc<Node<T>>>),
}

/// A persistent vector of `T`; see the module docs.
#[derive(Debug, Clone)]
pub(crate) struct PVec<T> {
    root: Arc<Node<T>>,
    /// The last elements, `len - tail.len() .. len`, outside the trie (see the module docs).
    tail: Vec<T>,
    len: usize,
    /// `BITS ×` the number of branch levels above the leaves.
    shift: u32,
}

impl<T: Clone> Default for PVec<T> {
    fn default() -> Self {
        PVec {
            root: Arc::new(Node::Leaf(Vec::new())),
            tail: Vec::new(),
            len: 0,
            shift: 0,
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
        let mut node = &*self.root;
        let mut level = self.shift;
        loop {
            match node {
                Node::Leaf(items) => return items.get(index & MASK),
                Node::Branch(children) => {
                    node = children.get((index >> level) & MASK)?;
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
        if self.tail.is_empty() && self.len & MASK != 0 {
            // Pops emptied the tail and left the trie's last leaf part full: refill it first,
            // so that a tail always starts on a leaf boundary.
            push_in(&mut self.root, self.shift, self.len, value);
        } else {
            if self.tail.len() == WIDTH {
                let start = self.tail_start();
                let leaf = std::mem::replace(&mut self.tail, Vec::with_capacity(WIDTH));
                self.push_leaf(start, leaf);
            } else if self.tail.capacity() == 0 {
                self.tail.reserve_exact(WIDTH);
            }
            self.tail.push(value);
        }
        self.len += 1;
    }

    /// Moves a full tail, elements `start ..`, into the trie as its next leaf.
    fn push_leaf(&mut self, start: usize, leaf: Vec<T>) {
        if start == 0 {
            // Empty (or emptied by pops): the leaf is the whole trie.
            self.root = Arc::new(Node::Leaf(leaf));
            self.shift = 0;
            return;
        }
        let capacity = 1usize << (self.shift + BITS);
        if start == capacity {
            // The trie is full: a new root with the old one as its first child.
            let old = std::mem::replace(&mut self.root, Arc::new(Node::Branch(Vec::new())));
            let path = new_path(self.shift, leaf);
            self.root = Arc::new(Node::Branch(vec![old, path]));
            self.shift += BITS;
        } else {
            push_leaf_in(&mut self.root, self.shift, start, leaf);
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

    /// Removes and returns the last element. Emptied nodes stay in place for the next push.
    pub(crate) fn pop(&mut self) -> Option<T> {
        let last = self.len.checked_sub(1)?;
        let value = match self.tail.pop() {
            Some(value) => value,
            None => pop_in(&mut self.root, self.shift, last)?,
        };
        self.len = last;
        Some(value)
    }

    /// Iterates over the elements in order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = &T> + '_ {
        (0..self.len).filter_map(move |i| self.get(i))
    }

    /// Heap bytes held (counting shared nodes as if owned).
    pub(crate) fn heap_bytes(&self) -> usize {
        node_bytes(&self.root) + self.tail.capacity() * std::mem::size_of::<T>()
    }

    /// A copy sharing no node with `self`, each element copied by `copy` (which decides how
    /// deep an element's own pointers are copied).
    pub(crate) fn deep_clone_with(&self, copy: &impl Fn(&T) -> T) -> PVec<T> {
        let mut tail = Vec::with_capacity(if self.tail.is_empty() { 0 } else { WIDTH });
        tail.extend(self.tail.iter().map(copy));
        PVec {
            root: Arc::new(deep_node(&self.root, copy)),
            tail,
            len: self.len,
            shift: self.shift,
        }
    }
}

fn deep_node<T>(node: &Node<T>, copy: &impl Fn(&T) -> T) -> Node<T> {
    match node {
        Node::Leaf(items) => {
            let mut out = Vec::with_capacity(WIDTH);
            out.extend(items.iter().map(copy));
            Node::Leaf(out)
        }
        Node::Branch(children) => Node::Branch(
            children
                .iter()
                .map(|c| Arc::new(deep_node(c, copy)))
                .collect(),
        ),
    }
}

fn node_bytes<T>(node: &Node<T>) -> usize {
    match node {
        Node::Leaf(items) => {
            std::mem::size_of::<Node<T>>() + items.capacity() * std::mem::size_of::<T>()
        }
        Node::Branch(children) => {
            std::mem::size_of::<Node<T>>()
                + children.capacity() * std::mem::size_of::<Arc<Node<T>>>()
                + children.iter().map(|c| node_bytes(c)).sum::<usize>()
        }
    }
}

/// A path of branches down to `leaf`, whose leaf sits `level` bits below its top.
fn new_path<T>(level: u32, leaf: Vec<T>) -> Arc<Node<T>> {
    if level == 0 {
        Arc::new(Node::Leaf(leaf))
    } else {
        Arc::new(Node::Branch(vec![new_path(level - BITS, leaf)]))
    }
}

/// A leaf of capacity [`WIDTH`] holding `value`.
fn leaf_of<T>(value: T) -> Vec<T> {
    let mut items = Vec::with_capacity(WIDTH);
    items.push(value);
    items
}

fn update_in<T: Clone>(
    node: &mut Arc<Node<T>>,
    level: u32,
    index: usize,
    edit: impl FnOnce(&mut T),
) -> bool {
    match Arc::make_mut(node) {
        Node::Leaf(items) => match items.get_mut(index & MASK) {
            Some(slot) => {
                edit(slot);
                true
            }
            None => false,
        },
        Node::Branch(children) => match children.get_mut((index >> level) & MASK) {
            Some(child) => update_in(child, level.saturating_sub(BITS), index, edit),
            None => false,
        },
    }
}

/// Removes element `index`, which must be the last one.
fn pop_in<T: Clone>(node: &mut Arc<Node<T>>, level: u32, index: usize) -> Option<T> {
    match Arc::make_mut(node) {
        Node::Leaf(items) => items.pop(),
        Node::Branch(children) => {
            let child = children.get_mut((index >> level) & MASK)?;
            pop_in(child, level.saturating_sub(BITS), index)
        }
    }
}

/// Appends element `index` to the trie, whose last leaf has room for it.
fn push_in<T: Clone>(node: &mut Arc<Node<T>>, level: u32, index: usize, value: T) {
    match Arc::make_mut(node) {
        Node::Leaf(items) => items.push(value),
        Node::Branch(children) => {
            let slot = (index >> level) & MASK;
            match children.get_mut(slot) {
                Some(child) => push_in(child, level.saturating_sub(BITS), index, value),
                None => children.push(new_path(level.saturating_sub(BITS), leaf_of(value))),
            }
        }
    }
}

/// Adds `leaf` as the trie's leaf for elements `start ..`, below a root with room for it.
fn push_leaf_in<T: Clone>(node: &mut Arc<Node<T>>, level: u32, start: usize, leaf: Vec<T>) {
    match Arc::make_mut(node) {
        // Not reached: the caller replaces an empty root leaf and grows a full one.
        Node::Leaf(items) => *items = leaf,
        Node::Branch(children) => {
            let slot = (start >> level) & MASK;
            let below = level.saturating_sub(BITS);
            match children.get_mut(slot) {
                // A branch left empty by pops, or one already holding the leaves before.
                Some(child) if level > BITS => push_leaf_in(child, below, start, leaf),
                // A leaf emptied by pops: take its place.
                Some(child) => *child = Arc::new(Node::Leaf(leaf)),
                None => children.push(new_path(below, leaf)),
            }
        }
    }
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
