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
//! A node is a shared slice of exactly 128 elements or children, and a branch holds its
//! children's slice pointers inline. Reading an element therefore follows one pointer per level
//! straight to the next array: the branches of a million-element vector (a few hundred
//! kilobytes) stay in cache, and the leaf holding the element is the only miss. (A node behind
//! a pointer of its own, holding a pointer to its array, took two misses per leaf: the node,
//! then the array.) A leaf's slots at or past the vector's length hold `T::default()` and are
//! never read; a branch's children past it are [`Node::Empty`].
//!
//! Nodes are 128 wide rather than 32 because the elements are small (4 to 24 bytes): a node's
//! reference counts then cost well under a byte per element, and a million elements sit three
//! levels deep instead of four. Copying a wider node costs more, but that is the rare case.

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
    /// No element below: a child past the end, or the root of an empty vector.
    Empty,
}

/// A persistent vector of `T`; see the module docs.
#[derive(Debug, Clone)]
pub(crate) struct PVec<T> {
    root: Node<T>,
    len: usize,
    /// `BITS ×` the number of branch levels above the leaves.
    shift: u32,
}

impl<T> Default for PVec<T> {
    fn default() -> Self {
        PVec {
            root: Node::Empty,
            len: 0,
            shift: 0,
        }
    }
}

impl<T: Clone + Default> PVec<T> {
    /// Number of elements.
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// The element at `index`, in O(log128 len).
    #[inline]
    pub(crate) fn get(&self, index: usize) -> Option<&T> {
        if index >= self.len {
            return None;
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
        let capacity = 1usize << (self.shift + BITS);
        if self.len == capacity {
            // The tree is full: a new root with the old one as its first child.
            let old = std::mem::replace(&mut self.root, Node::Empty);
            let mut children = empty_children();
            if let Some(first) = children.first_mut() {
                *first = old;
            }
            if let Some(second) = children.get_mut(1) {
                *second = new_path(self.shift, self.len, value);
            }
            self.root = Node::Branch(children.into());
            self.shift += BITS;
        } else {
            push_in(&mut self.root, self.shift, self.len, value);
        }
        self.len += 1;
    }

    /// Changes the element at `index` in place (copying only the path to it when an older
    /// clone shares it); `false` (and no change) when out of range.
    pub(crate) fn update(&mut self, index: usize, edit: impl FnOnce(&mut T)) -> bool {
        if index >= self.len {
            return false;
        }
        match slot_mut(&mut self.root, self.shift, index) {
            Some(slot) => {
                edit(slot);
                true
            }
            None => false,
        }
    }

    /// Removes and returns the last element. Emptied nodes stay in place for the next push.
    pub(crate) fn pop(&mut self) -> Option<T> {
        let last = self.len.checked_sub(1)?;
        let value = std::mem::take(slot_mut(&mut self.root, self.shift, last)?);
        self.len = last;
        Some(value)
    }

    /// Iterates over the elements in order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = &T> + '_ {
        (0..self.len).filter_map(move |i| self.get(i))
    }

    /// Heap bytes held (counting shared nodes as if owned).
    pub(crate) fn heap_bytes(&self) -> usize {
        node_bytes(&self.root)
    }

    /// A copy sharing no node with `self`, each element copied by `copy` (which decides how
    /// deep an element's own pointers are copied).
    pub(crate) fn deep_clone_with(&self, copy: &impl Fn(&T) -> T) -> PVec<T> {
        PVec {
            root: deep_node(&self.root, copy),
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

/// The nodes from `level` down to a leaf holding `value` at `index`, the rest empty.
fn new_path<T: Default>(level: u32, index: usize, value: T) -> Node<T> {
    if level == 0 {
        let mut items: Vec<T> = (0..WIDTH).map(|_| T::default()).collect();
        if let Some(slot) = items.get_mut(index & MASK) {
            *slot = value;
        }
        Node::Leaf(items.into())
    } else {
        let mut children = empty_children();
        if let Some(slot) = children.get_mut((index >> level) & MASK) {
            *slot = new_path(level - BITS, index, value);
        }
        Node::Branch(children.into())
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

fn push_in<T: Clone + Default>(node: &mut Node<T>, level: u32, index: usize, value: T) {
    match node {
        Node::Empty => *node = new_path(level, index, value),
        Node::Leaf(items) => {
            if let Some(slot) = Arc::make_mut(items).get_mut(index & MASK) {
                *slot = value;
            }
        }
        Node::Branch(children) => {
            if let Some(child) = Arc::make_mut(children).get_mut((index >> level) & MASK) {
                push_in(child, level.saturating_sub(BITS), index, value);
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
}
