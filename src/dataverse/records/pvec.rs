//! A persistent vector: a 128-way trie of shared chunks, and a tail.
//!
//! Cloning is a few reference counts and a copy of the tail; a write copies only the path from
//! the root to the changed leaf (at most `log128(len)` nodes of 128 slots) and shares everything
//! else with the clone it came from. A writer that owns every node on the path (no reader holds
//! an older clone) writes in place: no allocation, no copy.
//!
//! The record store relies on the second case: it keeps two physically separate versions and
//! writes the one no reader is using, so path copies happen only while a reader still holds an
//! old snapshot (see [`RecordStore`](super::RecordStore)). Copying is the fallback that keeps
//! that case correct, not the common path: copying a branch touches the reference count of each
//! of its children, each in its own cache line, which is what made a write cost microseconds.
//!
//! **Nodes.** A node is a shared slice of exactly 128 elements or children, and a branch holds
//! its children's slice pointers inline. Reading an element follows one pointer per level
//! straight to the next array: the branches of a million-element vector (a few hundred
//! kilobytes) stay in cache, and the leaf holding the element is the only miss. (A node behind
//! a pointer of its own, holding a pointer to its array, took two misses per leaf: the node,
//! then the array.) A branch's children past the end are [`Node::Empty`]. Nodes are 128 wide
//! rather than 32 because the elements are small (4 to 24 bytes): a node's reference counts
//! then cost well under a byte per element, and a million elements sit three levels deep
//! instead of four. Copying a wider node costs more, but that is the rare case.
//!
//! **The tail.** The last, partly filled leaf is kept out of the trie, as a plain `Vec` in the
//! `PVec` itself (as in Clojure's vectors), and joins the trie as a leaf once full, so every
//! leaf in the trie is full. Appending, and changing an element near the end, then reaches no
//! shared node: no `Arc::make_mut` on the path, each of which is an atomic read-modify-write (a
//! full memory barrier on x86, some twenty cycles, and no cache miss after it can start before
//! it ends). A store insert appends to several vectors in each version (slots, table list, id
//! blocks), so this is most of the atomics an insert did. The price: cloning a `PVec` copies
//! its tail (at most [`WIDTH`] elements), which happens only when a write meets a version a
//! reader still holds.
//!
//! Invariant: the trie holds elements `0 .. len - tail.len()`, a multiple of [`WIDTH`], in full
//! leaves. A pop that finds the tail empty first brings the trie's last leaf back as the tail.

use std::sync::Arc;

const BITS: u32 = 7;
const WIDTH: usize = 1 << BITS;
const MASK: usize = WIDTH - 1;

/// A node of the trie; see the module docs.
#[derive(Debug, Clone)]
enum Node<T> {
    /// `WIDTH` elements.
    Leaf(Arc<[T]>),
    /// `WIDTH` children.
    Branch(Arc<[Node<T>]>),
    /// No element below: a child past the end, or the root of an empty trie.
    Empty,
}

/// A persistent vector of `T`; see the module docs.
#[derive(Debug, Clone)]
pub(crate) struct PVec<T> {
    root: Node<T>,
    /// The last elements, `len - tail.len() .. len`, outside the trie (see the module docs).
    tail: Vec<T>,
    len: usize,
    /// `BITS ×` the number of branch levels above the leaves.
    shift: u32,
}

impl<T> Default for PVec<T> {
    fn default() -> Self {
        PVec {
            root: Node::Empty,
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
        let mut node = &self.root;
        let mut level = self.shift;
        loop {
            match node {
                Node::Leaf(items) => return items.get(index & MASK),
                Node::Branch(children) => {
                    node = children.get((index >> level) & MASK)?;
                    level = level.saturating_sub(BITS);
                }
                Node::Empty => return None,
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
            let start = self.tail_start();
            let leaf = std::mem::replace(&mut self.tail, Vec::with_capacity(WIDTH));
            self.push_leaf(start, leaf.into());
        } else if self.tail.capacity() == 0 {
            self.tail.reserve_exact(WIDTH);
        }
        self.tail.push(value);
        self.len += 1;
    }

    /// Moves a full tail, elements `start ..`, into the trie as its next leaf.
    fn push_leaf(&mut self, start: usize, leaf: Arc<[T]>) {
        if start == 0 {
            // Empty (or emptied by pops): the leaf is the whole trie.
            self.root = Node::Leaf(leaf);
            self.shift = 0;
            return;
        }
        let capacity = 1usize << (self.shift + BITS);
        if start == capacity {
            // The trie is full: a new root with the old one as its first child.
            let mut children = empty_children();
            if let Some(first) = children.first_mut() {
                *first = std::mem::replace(&mut self.root, Node::Empty);
            }
            if let Some(second) = children.get_mut(1) {
                *second = new_path(self.shift, start, leaf);
            }
            self.root = Node::Branch(children.into());
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
        let slot = if index >= start {
            self.tail.get_mut(index - start)
        } else {
            slot_mut(&mut self.root, self.shift, index)
        };
        match slot {
            Some(slot) => {
                edit(slot);
                true
            }
            None => false,
        }
    }

    /// Removes and returns the last element. Emptied branches stay in place for the next push.
    pub(crate) fn pop(&mut self) -> Option<T> {
        let last = self.len.checked_sub(1)?;
        if self.tail.is_empty() {
            let leaf = take_leaf(&mut self.root, self.shift, last & !MASK)?;
            let mut tail = Vec::with_capacity(WIDTH);
            tail.extend_from_slice(&leaf);
            self.tail = tail;
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
        node_bytes(&self.root) + self.tail.capacity() * std::mem::size_of::<T>()
    }

    /// A copy sharing no node with `self`, each element copied by `copy` (which decides how
    /// deep an element's own pointers are copied).
    pub(crate) fn deep_clone_with(&self, copy: &impl Fn(&T) -> T) -> PVec<T> {
        let mut tail = Vec::with_capacity(if self.tail.is_empty() { 0 } else { WIDTH });
        tail.extend(self.tail.iter().map(copy));
        PVec {
            root: deep_node(&self.root, copy),
            tail,
            len: self.len,
            shift: self.shift,
        }
    }
}

/// A branch's children, all [`Node::Empty`].
fn empty_children<T>() -> Vec<Node<T>> {
    (0..WIDTH).map(|_| Node::Empty).collect()
}

fn deep_node<T>(node: &Node<T>, copy: &impl Fn(&T) -> T) -> Node<T> {
    match node {
        Node::Leaf(items) => Node::Leaf(items.iter().map(copy).collect()),
        Node::Branch(children) => {
            Node::Branch(children.iter().map(|c| deep_node(c, copy)).collect())
        }
        Node::Empty => Node::Empty,
    }
}

fn node_bytes<T>(node: &Node<T>) -> usize {
    // An `Arc` allocation's two reference counts.
    let counts = 2 * std::mem::size_of::<usize>();
    match node {
        Node::Leaf(items) => counts + items.len() * std::mem::size_of::<T>(),
        Node::Branch(children) => {
            counts
                + children.len() * std::mem::size_of::<Node<T>>()
                + children.iter().map(node_bytes).sum::<usize>()
        }
        Node::Empty => 0,
    }
}

/// The nodes from `level` down to `leaf`, which holds elements `start ..`, the rest empty.
fn new_path<T>(level: u32, start: usize, leaf: Arc<[T]>) -> Node<T> {
    if level == 0 {
        return Node::Leaf(leaf);
    }
    let mut children = empty_children();
    if let Some(slot) = children.get_mut((start >> level) & MASK) {
        *slot = new_path(level - BITS, start, leaf);
    }
    Node::Branch(children.into())
}

/// Hangs `leaf`, elements `start ..`, below `node` (at `level`), copying the branches on the
/// way that an older clone shares.
fn push_leaf_in<T: Clone>(node: &mut Node<T>, level: u32, start: usize, leaf: Arc<[T]>) {
    match node {
        Node::Branch(children) if level > 0 => {
            if let Some(child) = Arc::make_mut(children).get_mut((start >> level) & MASK) {
                push_leaf_in(child, level - BITS, start, leaf);
            }
        }
        // A place no element has reached yet, or the leaf a pop brought back as the tail. A
        // leaf or a branch cannot be where the new leaf goes: every leaf of the trie holds
        // elements before `start`.
        Node::Empty | Node::Leaf(_) | Node::Branch(_) => *node = new_path(level, start, leaf),
    }
}

/// The slot of element `index`, copying the nodes on the way that an older clone shares.
fn slot_mut<T: Clone>(node: &mut Node<T>, level: u32, index: usize) -> Option<&mut T> {
    match node {
        Node::Leaf(items) => Arc::make_mut(items).get_mut(index & MASK),
        Node::Branch(children) => {
            let child = Arc::make_mut(children).get_mut((index >> level) & MASK)?;
            slot_mut(child, level.saturating_sub(BITS), index)
        }
        Node::Empty => None,
    }
}

/// Takes the leaf holding elements `start ..` out of the trie, leaving [`Node::Empty`].
fn take_leaf<T: Clone>(node: &mut Node<T>, level: u32, start: usize) -> Option<Arc<[T]>> {
    match node {
        Node::Leaf(_) => match std::mem::replace(node, Node::Empty) {
            Node::Leaf(items) => Some(items),
            _ => None,
        },
        Node::Branch(children) => {
            let child = Arc::make_mut(children).get_mut((start >> level) & MASK)?;
            take_leaf(child, level.saturating_sub(BITS), start)
        }
        Node::Empty => None,
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
        let mut next = crate::dataverse::records::test_indices(0x9e37_79b9_7f4a_7c15);
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
