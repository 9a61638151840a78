//! Strings interned to dense `u32` indices in insertion order, in three flat allocations.
//!
//! Every entity name of a compiled snapshot lives in an [`Interner`]: users, teams, roles,
//! business units, tables… of all three systems. At a million users the user names alone are a
//! million strings, so what one name costs beyond its text decides much of a snapshot's size.
//!
//! # Why this layout
//!
//! The former layout, a set of boxed strings (`IndexSet<Box<str>>`), paid per name:
//! - one heap allocation for the text: `u123456` is 7 bytes, but the allocator hands out a
//!   32-byte chunk for it;
//! - a 24-byte entry (pointer, length, cached hash);
//! - an 8-byte index and a control byte in the hash table, whose capacity is up to twice the count.
//!
//! That is 67.4 bytes per name by its own (low) estimate and 75 resident, at 1,000,000 names
//! like `u123456` (see the ignored test `million_names`).
//!
//! Here one allocation holds all names instead of one allocation per name:
//! - `text`: every name's bytes back to back in one `String`, and nothing else;
//! - `ends`: where each name ends in `text`, a `u32` per name: name `i` is
//!   `text[ends[i - 1]..ends[i]]` (from 0 for the first) — 4 bytes per name;
//! - `slots`: an open-addressing hash table of `u32`s, `0` for an empty slot, else the name's
//!   index + 1; its capacity is a power of two kept at most 7/8 full, so 4.6 to 9.1 bytes per
//!   name.
//!
//! At 1,000,000 names like `u123456` that is 19.3 bytes per name by [`Interner::heap_bytes`]
//! and 19.4 resident (6.9 of them text, 8.4 the table at 2^21 slots) instead of 67.4 and 75;
//! the configuration of the 1,000,000-user `random_facts` bench model went from 213 to 164
//! bytes per user. An index needs no table to reach its name: two `ends` reads and a slice.
//!
//! # The table
//!
//! A name's 64-bit hash picks its first slot (low bits) and, on a collision, the next slots by
//! triangular probing (steps 1, 2, 3… from there), which visits every slot of a power-of-two
//! table, so a lookup always ends at the name or at an empty slot. An index + 1 is below the
//! capacity (the table is never full), so with a capacity of `2^k` below `2^32` the top `32 - k`
//! bits of a slot are free; they hold the same bits of the name's hash (from bits `32 + k` up,
//! apart from the bits picking the slot), and a probe compares strings only when they match:
//! at a million names (2^21 slots), 11 bits, so one probe in 2,048 compares a wrong name.
//!
//! Hashing is `std`'s [`RandomState`]: SipHash-1-3 with secret random keys (seeded from the
//! operating system, different for each interner). Names
//! come from documents a caller need not trust; without the keys nobody can pick names that
//! collide and turn every lookup into a long walk comparing strings.
//!
//! No hash is kept per name (that would be 4 or 8 bytes more per name): when the table is 7/8
//! full it doubles and every name is hashed again from `text`, which amortizes to a constant per
//! insertion.
//!
//! # Names past 4 GiB
//!
//! `ends` keeps only the low 32 bits of each offset. The builders cap counts at [`ID_LIMIT`] and
//! documents are far below 4 GiB, but a model built in code with [`crate::BuildLimits`]
//! unlimited can in principle hold more than 4 GiB of names, and an offset must not wrap. So
//! the high bits live apart, in `carries`: the index of each name whose end passed a multiple of
//! 2^32, once per multiple. The high bits of name `i`'s end are the number of carries at or
//! below `i`. `carries` stays empty (no allocation, one length check per lookup) unless the text
//! passes 4 GiB; 64-bit ends would have cost 4 bytes more per name, always, and refusing a name
//! would have needed a new error in every builder for a case no document reaches.

use std::fmt;
use std::hash::{BuildHasher, RandomState};

use super::id::ID_LIMIT;

/// Why a list of ids cannot be interned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum InternError<'a> {
    /// An id is the empty string.
    Empty,
    /// An id appears twice.
    Duplicate(&'a str),
    /// More ids than [`ID_LIMIT`].
    TooMany(usize),
}

/// Strings interned to dense indices, in insertion order. See the [module docs](self).
#[derive(Clone, Default)]
pub(crate) struct Interner {
    /// Every name's text, back to back.
    text: String,
    /// Where each name ends in `text`.
    ends: Ends,
    /// The hash table: `0` for an empty slot, else hash bits above the index + 1. Empty (no
    /// allocation) or a power of two at most 7/8 full.
    slots: Vec<u32>,
    /// Keyed SipHash, so that hostile names cannot be chosen to collide.
    hasher: RandomState,
}

/// The smallest table: 7 names.
const MIN_SLOTS: usize = 8;

/// The most names a table of `slots` slots holds: 7/8 of it.
fn max_load(slots: usize) -> usize {
    slots - slots / 8
}

/// The table size for `count` names.
fn slots_for(count: usize) -> usize {
    let mut slots = MIN_SLOTS;
    while max_load(slots) < count {
        slots *= 2;
    }
    slots
}

impl Interner {
    /// Interns a list of ids that must be non-empty and unique, in order.
    pub(crate) fn from_ids<'a>(
        ids: impl ExactSizeIterator<Item = &'a str>,
    ) -> Result<Interner, InternError<'a>> {
        if ids.len() > ID_LIMIT {
            return Err(InternError::TooMany(ids.len()));
        }
        let mut names = Interner::default();
        names.ends.low.reserve_exact(ids.len());
        if ids.len() > 0 {
            names.slots = vec![0; slots_for(ids.len())];
        }
        for id in ids {
            if id.is_empty() {
                return Err(InternError::Empty);
            }
            if names.insert(id).is_none() {
                return Err(InternError::Duplicate(id));
            }
        }
        // The text grew by doubling; its length is known only now.
        names.text.shrink_to_fit();
        Ok(names)
    }

    /// Adds `name`; returns its index, or `None` when it was already present.
    pub(crate) fn insert(&mut self, name: &str) -> Option<u32> {
        let hash = self.hasher.hash_one(name);
        let mut slot = self.find(name, hash).err()?;
        if self.len() + 1 > max_load(self.slots.len()) {
            self.grow();
            slot = self.vacant(hash);
        }
        // Builders reject models with more than ID_LIMIT entities before interning; an index
        // past it would wrap the slot's index + 1, so stop rather than corrupt the table.
        assert!(self.len() < ID_LIMIT, "more than ID_LIMIT names interned");
        let index = self.len() as u32;
        self.slots[slot] = (hash_bits(hash) & !self.index_mask()) | (index + 1);
        self.text.push_str(name);
        self.ends.push(self.text.len());
        Some(index)
    }

    /// The index of `name`, if interned.
    #[inline]
    pub(crate) fn get(&self, name: &str) -> Option<u32> {
        self.find(name, self.hasher.hash_one(name)).ok()
    }

    /// Number of names.
    pub(crate) fn len(&self) -> usize {
        self.ends.len()
    }

    /// The bytes held on the heap, by capacity: the text, the ends and the table.
    pub(crate) fn heap_bytes(&self) -> usize {
        self.text.capacity() + self.ends.heap_bytes() + self.slots.capacity() * 4
    }

    /// The name at `index`; `"?"` for an index this interner never handed out.
    pub(crate) fn name(&self, index: u32) -> &str {
        let index = index as usize;
        if index >= self.len() {
            return "?";
        }
        &self.text[self.ends.range(index)]
    }

    /// The names, in index order.
    fn iter(&self) -> impl Iterator<Item = &str> {
        (0..self.len()).map(|i| &self.text[self.ends.range(i)])
    }

    /// The slot bits that hold an index + 1; the bits above hold hash bits.
    fn index_mask(&self) -> u32 {
        // An index + 1 is at most the count, below the table's size.
        u32::try_from(self.slots.len().wrapping_sub(1)).unwrap_or(u32::MAX)
    }

    /// The index of `name` (hashing to `hash`), or the empty slot where the probe for it ended
    /// (`0` for no table yet).
    fn find(&self, name: &str, hash: u64) -> Result<u32, usize> {
        if self.slots.is_empty() {
            return Err(0);
        }
        let index_mask = self.index_mask();
        let tag = hash_bits(hash) & !index_mask;
        let mask = self.slots.len() - 1;
        let mut at = hash as usize & mask;
        let mut step = 0;
        loop {
            let slot = self.slots[at];
            if slot == 0 {
                return Err(at);
            }
            if slot & !index_mask == tag {
                let index = (slot & index_mask) - 1;
                if self.text.as_bytes()[self.ends.range(index as usize)] == *name.as_bytes() {
                    return Ok(index);
                }
            }
            step += 1;
            at = (at + step) & mask;
        }
    }

    /// The first empty slot of the probe for `hash`.
    fn vacant(&self, hash: u64) -> usize {
        let mask = self.slots.len() - 1;
        let mut at = hash as usize & mask;
        let mut step = 0;
        while self.slots[at] != 0 {
            step += 1;
            at = (at + step) & mask;
        }
        at
    }

    /// Doubles the table (or makes the first one) and puts every name back from the text.
    fn grow(&mut self) {
        let size = (self.slots.len() * 2).max(MIN_SLOTS);
        self.slots = vec![0; size];
        let index_mask = self.index_mask();
        for index in 0..self.len() {
            let hash = self.hasher.hash_one(&self.text[self.ends.range(index)]);
            let at = self.vacant(hash);
            self.slots[at] = (hash_bits(hash) & !index_mask) | (index as u32 + 1);
        }
    }
}

/// The hash bits a slot keeps (where they are free): the top 32 bits, away from the low bits
/// that pick the slot.
fn hash_bits(hash: u64) -> u32 {
    (hash >> 32) as u32
}

impl fmt::Debug for Interner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.iter()).finish()
    }
}

/// Where each name ends in the text: the low `BITS` bits per name, and the rare carries past
/// them (see the module docs). `BITS` is 32 but for tests, which cannot allocate 4 GiB.
#[derive(Debug, Clone, Default)]
struct Ends<const BITS: u32 = 32> {
    /// Each name's end, modulo 2^BITS.
    low: Vec<u32>,
    /// The index of each name whose end passed a multiple of 2^BITS, once per multiple,
    /// ascending.
    carries: Vec<u32>,
}

impl<const BITS: u32> Ends<BITS> {
    fn len(&self) -> usize {
        self.low.len()
    }

    /// Records the next name's end.
    fn push(&mut self, end: usize) {
        let end = end as u64;
        let index = self.low.len() as u32;
        while (self.carries.len() as u64) < end >> BITS {
            self.carries.push(index);
        }
        self.low.push((end & ((1u64 << BITS) - 1)) as u32);
    }

    /// Where name `index` ends.
    #[inline]
    fn end(&self, index: usize) -> usize {
        let high = self.carries.partition_point(|&c| c as usize <= index) as u64;
        ((high << BITS) | u64::from(self.low[index])) as usize
    }

    /// Where name `index` lies in the text.
    #[inline]
    fn range(&self, index: usize) -> std::ops::Range<usize> {
        let start = if index == 0 { 0 } else { self.end(index - 1) };
        start..self.end(index)
    }

    fn heap_bytes(&self) -> usize {
        (self.low.capacity() + self.carries.capacity()) * 4
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::HashMap;

    /// Every name found at its index, and named by it.
    fn check_all(names: &Interner, expected: &[String]) {
        assert_eq!(names.len(), expected.len());
        for (i, name) in expected.iter().enumerate() {
            assert_eq!(names.get(name), Some(i as u32), "{name}");
            assert_eq!(names.name(i as u32), name);
        }
    }

    #[test]
    fn indices_follow_insertion_order() {
        let mut names = Interner::default();
        assert_eq!(names.insert("carol"), Some(0));
        assert_eq!(names.insert("alice"), Some(1));
        assert_eq!(names.insert("bob"), Some(2));
        assert_eq!(names.get("alice"), Some(1));
        assert_eq!(names.name(0), "carol");
        assert_eq!(names.name(2), "bob");
        assert_eq!(names.len(), 3);
        assert_eq!(format!("{names:?}"), r#"{"carol", "alice", "bob"}"#);
    }

    #[test]
    fn duplicates_are_refused_and_change_nothing() {
        let mut names = Interner::default();
        assert_eq!(names.insert("a"), Some(0));
        assert_eq!(names.insert("a"), None);
        assert_eq!(names.len(), 1);
        assert_eq!(names.name(1), "?");
        assert_eq!(
            Interner::from_ids(["x", "y", "x"].into_iter()).unwrap_err(),
            InternError::Duplicate("x")
        );
    }

    #[test]
    fn absent_names_and_unknown_indices() {
        let empty = Interner::default();
        assert_eq!(empty.get("a"), None);
        assert_eq!(empty.get(""), None);
        assert_eq!(empty.name(0), "?");
        assert_eq!(empty.heap_bytes(), 0);
        let names = Interner::from_ids(["a", "b"].into_iter()).unwrap();
        assert_eq!(names.get("c"), None);
        assert_eq!(names.get("A"), None);
        assert_eq!(names.name(2), "?");
        assert_eq!(names.name(u32::MAX), "?");
    }

    #[test]
    fn prefixes_are_distinct_names() {
        let ids = ["abc", "a", "ab", "b", "bc", "c"];
        let names = Interner::from_ids(ids.into_iter()).unwrap();
        let expected: Vec<String> = ids.iter().map(|s| s.to_string()).collect();
        check_all(&names, &expected);
        assert_eq!(names.get("abcd"), None);
        assert_eq!(names.get("ca"), None);
    }

    #[test]
    fn empty_string() {
        assert_eq!(
            Interner::from_ids(["a", ""].into_iter()).unwrap_err(),
            InternError::Empty
        );
        // `insert` itself takes it, as the former `IndexSet` did; the builders refuse it before.
        let mut names = Interner::default();
        assert_eq!(names.get(""), None);
        assert_eq!(names.insert("a"), Some(0));
        assert_eq!(names.insert(""), Some(1));
        assert_eq!(names.insert("b"), Some(2));
        assert_eq!(names.insert(""), None);
        assert_eq!(names.get(""), Some(1));
        assert_eq!(names.name(1), "");
        assert_eq!(names.name(2), "b");
    }

    #[test]
    fn unicode_names() {
        let ids = ["é", "e\u{301}", "日本", "🦀", "e"];
        let names = Interner::from_ids(ids.into_iter()).unwrap();
        check_all(&names, &ids.map(String::from));
    }

    #[test]
    fn growth_across_resizes_keeps_every_index() {
        const N: usize = 100_000;
        let ids: Vec<String> = (0..N).map(|i| format!("n{i}")).collect();
        let mut names = Interner::default();
        let mut sizes = vec![];
        for (i, id) in ids.iter().enumerate() {
            assert_eq!(names.insert(id), Some(i as u32));
            if sizes.last() != Some(&names.slots.len()) {
                sizes.push(names.slots.len());
            }
        }
        // 8, 16, … 131,072: fifteen tables, each at most 7/8 full.
        assert_eq!(sizes.len(), 15);
        assert!(names.len() <= max_load(names.slots.len()));
        check_all(&names, &ids);
        assert_eq!(names.get("n100000"), None);
        assert_eq!(names.insert("n99999"), None);
        // `from_ids` sizes its table once, as large as needed and no more.
        let built = Interner::from_ids(ids.iter().map(String::as_str)).unwrap();
        assert_eq!(built.slots.len(), 131_072);
        check_all(&built, &ids);
        assert_eq!(built.text.capacity(), built.text.len());
        assert_eq!(built.heap_bytes(), built.text.len() + N * 4 + 131_072 * 4);
    }

    #[test]
    fn clones_are_independent() {
        let mut a = Interner::from_ids(["x", "y"].into_iter()).unwrap();
        let b = a.clone();
        assert_eq!(a.insert("z"), Some(2));
        assert_eq!(b.get("z"), None);
        assert_eq!(b.get("y"), Some(1));
    }

    #[test]
    fn table_sizes() {
        assert_eq!(slots_for(0), 8);
        assert_eq!(slots_for(7), 8);
        assert_eq!(slots_for(8), 16);
        assert_eq!(slots_for(1_000_000), 1 << 21);
    }

    #[test]
    fn ends_carry_past_the_low_bits() {
        // With 4 low bits, carries happen every 16 bytes: the same code as at 2^32.
        let mut ends = Ends::<4>::default();
        let lengths = [3usize, 13, 0, 1, 40, 15, 16, 0, 17];
        let mut end = 0;
        let mut expected = vec![];
        for len in lengths {
            let start = end;
            end += len;
            ends.push(end);
            expected.push(start..end);
        }
        for (i, range) in expected.iter().enumerate() {
            assert_eq!(ends.range(i), *range, "name {i}");
        }
        assert_eq!(ends.carries.len(), end >> 4);
    }

    #[test]
    #[cfg(target_pointer_width = "64")]
    fn ends_carry_only_past_4_gib() {
        let mut ends = Ends::<32>::default();
        ends.push(u32::MAX as usize);
        ends.push(u32::MAX as usize + 1);
        ends.push(3 * (1usize << 32) + 5);
        assert_eq!(ends.carries, [1, 2, 2]);
        assert_eq!(ends.range(0), 0..u32::MAX as usize);
        assert_eq!(ends.range(1), u32::MAX as usize..1 << 32);
        assert_eq!(ends.range(2), 1 << 32..3 * (1usize << 32) + 5);
    }

    /// One step of the model check.
    #[derive(Debug, Clone)]
    enum Op {
        Insert(String),
        Get(String),
    }

    fn op() -> impl Strategy<Value = Op> {
        // Few letters, short names: many duplicates, prefixes and hits.
        let name = "[a-d]{0,4}";
        prop_oneof![name.prop_map(Op::Insert), name.prop_map(Op::Get),]
    }

    proptest! {
        #[test]
        fn behaves_like_a_hash_map(ops in prop::collection::vec(op(), 0..400)) {
            let mut names = Interner::default();
            let mut model: HashMap<String, u32> = HashMap::new();
            let mut order: Vec<String> = vec![];
            for op in ops {
                match op {
                    Op::Insert(s) => {
                        let expected = if model.contains_key(&s) {
                            None
                        } else {
                            let i = order.len() as u32;
                            model.insert(s.clone(), i);
                            order.push(s.clone());
                            Some(i)
                        };
                        prop_assert_eq!(names.insert(&s), expected);
                    }
                    Op::Get(s) => prop_assert_eq!(names.get(&s), model.get(&s).copied()),
                }
                prop_assert_eq!(names.len(), order.len());
            }
            for (i, s) in order.iter().enumerate() {
                prop_assert_eq!(names.name(i as u32), s.as_str());
                prop_assert_eq!(names.get(s), Some(i as u32));
            }
            prop_assert_eq!(names.name(order.len() as u32), "?");
        }
    }

    /// Resident memory of this process, in bytes (Linux only; 0 elsewhere).
    fn resident_bytes() -> usize {
        std::fs::read_to_string("/proc/self/status")
            .ok()
            .and_then(|s| {
                let line = s.lines().find(|l| l.starts_with("VmRSS:"))?;
                let kb: usize = line.split_whitespace().nth(1)?.parse().ok()?;
                Some(kb * 1024)
            })
            .unwrap_or(0)
    }

    /// Bytes per name, `from_ids` time and `get` time at 1,000,000 names like `u123456`;
    /// prints only, asserts nothing about time. Run alone, so that no other test moves the
    /// resident size (the first round's is the one to read: later rounds reuse freed memory):
    /// `cargo test -p accessgate --lib million_names -- --ignored --nocapture`.
    #[test]
    #[ignore]
    fn million_names() {
        const N: usize = 1_000_000;
        let ids: Vec<String> = (0..N).map(|i| format!("u{i}")).collect();
        let absent: Vec<String> = (0..N).map(|i| format!("x{i}")).collect();
        let text: usize = ids.iter().map(String::len).sum();
        for round in 0..3 {
            let before = resident_bytes();
            let start = std::time::Instant::now();
            let names = Interner::from_ids(ids.iter().map(String::as_str)).unwrap();
            let elapsed = start.elapsed();
            let after = resident_bytes();
            assert_eq!(names.len(), N);
            let start = std::time::Instant::now();
            let found = ids.iter().filter(|id| names.get(id).is_some()).count();
            let hits = start.elapsed();
            let start = std::time::Instant::now();
            let missed = absent.iter().filter(|id| names.get(id).is_none()).count();
            let misses = start.elapsed();
            assert_eq!((found, missed), (N, N));
            println!(
                "round {round}: from_ids {:.1} ms; get {:.0} ns/hit, {:.0} ns/miss; heap_bytes \
                 {:.1} B/name; resident growth {:.1} B/name; text {:.1} B/name",
                elapsed.as_secs_f64() * 1e3,
                hits.as_secs_f64() * 1e9 / N as f64,
                misses.as_secs_f64() * 1e9 / N as f64,
                names.heap_bytes() as f64 / N as f64,
                after.saturating_sub(before) as f64 / N as f64,
                text as f64 / N as f64,
            );
            drop(names);
        }
    }
}
