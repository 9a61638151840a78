//! A persistent hash index from record ids to slots: linear hashing over shared buckets.
//!
//! An entry is the high 32 bits of the id's hash (its *key*) and the slot: 8 bytes. The key's
//! low bits choose a bucket; a bucket is an array of entries sorted by key, searched by
//! interpolation (keys are uniform). Two ids may share a key: the id text lives once, by slot
//! ([`Texts`](super::texts)), and a lookup compares it there.
//! The buckets sit in a [`PVec`]. The store writes a version no reader holds, so a write
//! inserts into its bucket in place (moving about [`LOAD`] / 3 entries); only when a reader
//! still holds that version does it copy the bucket and the path to it.
//!
//! The table grows by *linear hashing*: when the entries outnumber `LOAD ×` the buckets, the
//! next bucket in turn splits in two on one more hash bit. Growth therefore costs one bucket
//! per split, never a rehash of the whole table, so no write waits for O(records) work, and the
//! index costs about 8 bytes per record plus 24 bytes per bucket (an eighth of a byte each).
//! Buckets do not merge after deletes: a table that shrank keeps its buckets.

use super::pvec::PVec;

/// Entries per bucket, on average, before the next bucket splits.
const LOAD: usize = 256;

/// One entry: the high half of the id's hash and the slot holding the id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Entry {
    key: u32,
    slot: u32,
}

impl Entry {
    fn new(hash: u64, slot: u32) -> Entry {
        Entry {
            key: (hash >> 32) as u32,
            slot,
        }
    }
}

/// A bucket sits in its [`PVec`] leaf directly, not behind a pointer of its own: one cache
/// miss fewer per lookup, 24 bytes fewer per bucket. Copying a leaf (only while a reader holds
/// the version written) then copies its 128 buckets, a few hundred kilobytes.
type Bucket = Vec<Entry>;

/// The index; see the module docs.
#[derive(Debug, Clone)]
pub(crate) struct HashIndex {
    buckets: PVec<Bucket>,
    /// Buckets below `split` have been split at level `level + 1`.
    split: usize,
    /// `2^level` buckets existed when this round of splits began.
    level: u32,
    len: usize,
}

impl Default for HashIndex {
    fn default() -> Self {
        let mut buckets = PVec::default();
        buckets.push(Bucket::default());
        HashIndex {
            buckets,
            split: 0,
            level: 0,
            len: 0,
        }
    }
}

/// Inserts `entry` in order. Growth is by a sixteenth, not doubling: buckets are many and
/// full, so doubling would leave a quarter of the index allocated but unused.
fn insert_sorted(bucket: &mut Vec<Entry>, entry: Entry) {
    if bucket.len() == bucket.capacity() {
        bucket.reserve_exact(bucket.len() / 16 + 2);
    }
    let at = first_at_least(bucket, entry);
    bucket.insert(at, entry);
}

/// A bucket holding exactly `entries`.
fn exact(entries: impl Iterator<Item = Entry>) -> Bucket {
    let mut v: Vec<Entry> = entries.collect();
    v.shrink_to_fit();
    v
}

/// The position of the first entry not below `entry` (as `partition_point`), found by
/// interpolation: keys are uniform hash bits, so the first guess lands within a few entries of
/// the answer and the search reads one or two cache lines of the bucket, where a binary search
/// reads eight, one after the other, each a likely miss in a large store.
#[inline]
fn first_at_least(bucket: &[Entry], entry: Entry) -> usize {
    let guess = ((u64::from(entry.key) * bucket.len() as u64) >> 32) as usize;
    let mut at = guess.min(bucket.len());
    while at > 0 && bucket.get(at - 1).is_some_and(|e| *e >= entry) {
        at -= 1;
    }
    while bucket.get(at).is_some_and(|e| *e < entry) {
        at += 1;
    }
    at
}

impl HashIndex {
    /// The bucket of a key under the current round of splits.
    #[inline]
    fn bucket_of(&self, key: u32) -> usize {
        let low = key as usize;
        let small = low & ((1usize << self.level) - 1);
        if small < self.split {
            low & ((1usize << (self.level + 1)) - 1)
        } else {
            small
        }
    }

    /// The slot whose id hashes to `hash` and for which `is_id(slot)` holds.
    #[inline]
    pub(crate) fn get(&self, hash: u64, is_id: impl Fn(u32) -> bool) -> Option<u32> {
        let key = (hash >> 32) as u32;
        let bucket = self.buckets.get(self.bucket_of(key))?;
        let first = first_at_least(bucket, Entry { key, slot: 0 });
        bucket[first..]
            .iter()
            .take_while(|e| e.key == key)
            .find(|e| is_id(e.slot))
            .map(|e| e.slot)
    }

    /// Adds `slot` under `hash`. The caller has checked that the id is not present.
    pub(crate) fn insert(&mut self, hash: u64, slot: u32) {
        let entry = Entry::new(hash, slot);
        let b = self.bucket_of(entry.key);
        self.buckets
            .update(b, |bucket| insert_sorted(bucket, entry));
        self.len += 1;
        if self.len > LOAD * self.buckets.len() {
            self.split_next();
        }
    }

    /// Splits bucket `split` on key bit `level`: its entries with the bit clear stay, the others
    /// move to the new bucket `split + 2^level` (both stay sorted). After the last bucket of
    /// the round has split, the next round splits on the next bit.
    fn split_next(&mut self) {
        if self.level >= u32::BITS {
            return; // every key bit is used: buckets only grow from here
        }
        let Some(bucket) = self.buckets.get(self.split) else {
            return;
        };
        let bit = 1u32 << self.level;
        let stay = exact(bucket.iter().filter(|e| e.key & bit == 0).copied());
        let moved = exact(bucket.iter().filter(|e| e.key & bit != 0).copied());
        self.buckets.set(self.split, stay);
        self.buckets.push(moved);
        self.split += 1;
        if self.split == 1usize << self.level {
            self.split = 0;
            self.level += 1;
        }
    }

    /// Removes the entry for `slot` under `hash`; `false` when there is none.
    pub(crate) fn remove(&mut self, hash: u64, slot: u32) -> bool {
        let entry = Entry::new(hash, slot);
        let b = self.bucket_of(entry.key);
        let Some(bucket) = self.buckets.get(b) else {
            return false;
        };
        let at = first_at_least(bucket, entry);
        if bucket.get(at) != Some(&entry) {
            return false;
        }
        self.buckets.update(b, |bucket| {
            bucket.remove(at);
        });
        self.len -= 1;
        true
    }

    /// A copy sharing nothing with `self`.
    pub(crate) fn deep_clone(&self) -> HashIndex {
        HashIndex {
            buckets: self.buckets.deep_clone_with(&|b| exact(b.iter().copied())),
            split: self.split,
            level: self.level,
            len: self.len,
        }
    }

    /// Heap bytes held (counting shared nodes as if owned).
    pub(crate) fn heap_bytes(&self) -> usize {
        self.buckets.heap_bytes()
            + self
                .buckets
                .iter()
                .map(|b| b.capacity() * std::mem::size_of::<Entry>())
                .sum::<usize>()
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
        // Runs of 100 slots share their key (the hash's high half) and differ below it.
        let hash =
            |slot: u32| (u64::from((slot / 100).wrapping_mul(0x9e37_79b9)) << 32) | u64::from(slot);
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
        assert!(index.buckets.len() > 20_000 / LOAD / 2, "the table grew");
    }

    /// Ids whose whole hash collides are told apart by the caller's comparison, across splits.
    #[test]
    fn equal_hashes_are_told_apart() {
        let mut index = HashIndex::default();
        for slot in 0..5_000u32 {
            let hash = if slot % 2 == 0 {
                42 << 32
            } else {
                u64::from(slot) << 32
            };
            index.insert(hash, slot);
        }
        for slot in (0..5_000u32).step_by(2) {
            assert_eq!(index.get(42 << 32, |s| s == slot), Some(slot));
        }
        assert_eq!(index.get(42 << 32, |s| s == 1), None);
        assert!(index.remove(42 << 32, 10));
        assert_eq!(index.get(42 << 32, |s| s == 10), None);
        assert_eq!(index.get(42 << 32, |s| s == 12), Some(12));
    }
}
