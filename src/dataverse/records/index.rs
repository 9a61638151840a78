//! A persistent hash index from record ids to slots: linear hashing over shared buckets.
//!
//! An entry is the high 32 bits of the id's hash (its *key*) and the slot: 8 bytes. The key's
//! low bits choose a bucket. Two ids may share a key: the id text lives once, by slot
//! ([`Texts`](super::texts)), and a lookup compares it there.
//!
//! **A bucket** is a few hundred entries in one array: a long run sorted by key, searched by
//! interpolation (keys are uniform, so the first guess lands within a few entries of the
//! answer: one or two cache lines read), then a short sorted *tail* of at most [`TAIL`]
//! entries at the end of the array, scanned. An insert goes into the tail (moving a few of its
//! entries, in lines the lookup just read); when the array is full (or the tail long) the tail
//! is merged into the run while the array is copied into a larger one, a copy growth needs
//! anyway. Why not keep the whole bucket sorted: inserting in the middle
//! moved half the bucket, about a kilobyte, and in a large store that is a dozen cold cache
//! lines per insert, in each of the store's two versions. With the tail, an insert touches the
//! lines its lookup read and the tail's, and the merge's copy is shared by the [`TAIL`]
//! inserts before it.
//!
//! The buckets sit in a [`PVec`]. The store writes a version no reader holds, so a write
//! changes its bucket in place; only when a reader still holds that version does it copy the
//! bucket and the path to it.
//!
//! The table grows by *linear hashing*: when the entries outnumber `LOAD ×` the buckets, the
//! next bucket in turn splits in two on one more hash bit. Growth therefore costs one bucket
//! per split, never a rehash of the whole table, so no write waits for O(records) work, and the
//! index costs about 8 bytes per record plus 32 bytes per bucket (an eighth of a byte each).
//! Buckets do not merge after deletes: a table that shrank keeps its buckets.

use super::pvec::PVec;

/// Entries per bucket, on average, before the next bucket splits.
const LOAD: usize = 256;

/// The longest tail of a bucket: 128 bytes, two or three cache lines to scan.
const TAIL: usize = 16;

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

/// The entries of one bucket; see the module docs.
///
/// A bucket sits in its [`PVec`] leaf directly, not behind a pointer of its own: one cache
/// miss fewer per lookup. Copying a leaf (only while a reader holds the version written) then
/// copies its 128 buckets, a few hundred kilobytes.
#[derive(Debug, Clone, Default)]
struct Bucket {
    /// `entries[..sorted]` (the run) and the rest (the tail) each sorted.
    entries: Vec<Entry>,
    sorted: u32,
}

impl Bucket {
    /// A bucket holding exactly `entries`, which are sorted.
    fn exact(entries: impl Iterator<Item = Entry>) -> Bucket {
        let mut entries: Vec<Entry> = entries.collect();
        entries.shrink_to_fit();
        Bucket {
            sorted: entries.len() as u32,
            entries,
        }
    }

    fn run(&self) -> &[Entry] {
        self.entries.get(..self.sorted as usize).unwrap_or_default()
    }

    fn tail(&self) -> &[Entry] {
        self.entries.get(self.sorted as usize..).unwrap_or_default()
    }

    /// Adds `entry` to the tail, first merging the tail into the run when the array is full
    /// or the tail at its longest.
    fn insert(&mut self, entry: Entry) {
        let len = self.entries.len();
        let full = len == self.entries.capacity();
        if full || len - self.sorted as usize >= TAIL {
            // Growth by a sixteenth (at most a tail's worth), not doubling: buckets are many
            // and full, so doubling would leave a quarter of the index allocated but unused.
            let capacity = if full {
                len + (len / 16 + 2).min(TAIL)
            } else {
                self.entries.capacity()
            };
            self.merge_tail(capacity);
        }
        let at = self.tail().partition_point(|e| *e < entry);
        self.entries.insert(self.sorted as usize + at, entry);
    }

    /// Rewrites the bucket sorted, into an array of `capacity` entries.
    fn merge_tail(&mut self, capacity: usize) {
        let (run, tail) = (self.run(), self.tail());
        let mut merged = Vec::with_capacity(capacity.max(self.entries.len()));
        let mut from = 0;
        for &e in tail {
            // Each tail entry's place in the run: the run is copied in stretches between
            // them, not entry by entry.
            let at = first_at_least(run, e).max(from);
            merged.extend_from_slice(run.get(from..at).unwrap_or_default());
            merged.push(e);
            from = at;
        }
        merged.extend_from_slice(run.get(from..).unwrap_or_default());
        self.sorted = merged.len() as u32;
        self.entries = merged;
    }

    /// The slot of the entry under `key` for which `is_id` holds.
    #[inline]
    fn find(&self, key: u32, is_id: impl Fn(u32) -> bool) -> Option<u32> {
        let run = self.run();
        let first = first_at_least(run, Entry { key, slot: 0 });
        run.get(first..)
            .unwrap_or_default()
            .iter()
            .take_while(|e| e.key == key)
            .chain(self.tail().iter().filter(|e| e.key == key))
            .find(|e| is_id(e.slot))
            .map(|e| e.slot)
    }

    /// Where `entry` is, if present.
    fn position(&self, entry: Entry) -> Option<usize> {
        let at = first_at_least(self.run(), entry);
        if self.run().get(at) == Some(&entry) {
            return Some(at);
        }
        let tail = self.tail().iter().position(|e| *e == entry)?;
        Some(self.sorted as usize + tail)
    }

    /// Removes the entry at `at` (from [`position`](Self::position)).
    fn remove(&mut self, at: usize) {
        self.entries.remove(at);
        if at < self.sorted as usize {
            self.sorted -= 1;
        }
    }
}

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
        self.buckets.get(self.bucket_of(key))?.find(key, is_id)
    }

    /// Adds `slot` under `hash`. The caller has checked that the id is not present.
    pub(crate) fn insert(&mut self, hash: u64, slot: u32) {
        let entry = Entry::new(hash, slot);
        let b = self.bucket_of(entry.key);
        self.buckets.update(b, |bucket| bucket.insert(entry));
        self.len += 1;
        if self.len > LOAD * self.buckets.len() {
            self.split_next();
        }
    }

    /// Splits bucket `split` on key bit `level`: its entries with the bit clear stay, the others
    /// move to the new bucket `split + 2^level` (both sorted, without a tail). After the last
    /// bucket of the round has split, the next round splits on the next bit.
    fn split_next(&mut self) {
        if self.level >= u32::BITS {
            return; // every key bit is used: buckets only grow from here
        }
        let Some(bucket) = self.buckets.get(self.split) else {
            return;
        };
        let bit = 1u32 << self.level;
        let mut all = bucket.clone();
        all.merge_tail(0);
        let stay = Bucket::exact(all.entries.iter().filter(|e| e.key & bit == 0).copied());
        let moved = Bucket::exact(all.entries.iter().filter(|e| e.key & bit != 0).copied());
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
        let Some(at) = self
            .buckets
            .get(b)
            .and_then(|bucket| bucket.position(entry))
        else {
            return false;
        };
        self.buckets.update(b, |bucket| bucket.remove(at));
        self.len -= 1;
        true
    }

    /// A copy sharing nothing with `self`. Each bucket keeps its spare room: the copy is the
    /// store's other version, which takes the same inserts, and a bucket copied full would be
    /// copied again by its first insert.
    pub(crate) fn deep_clone(&self) -> HashIndex {
        HashIndex {
            buckets: self.buckets.deep_clone_with(&|b| {
                let mut entries = Vec::with_capacity(b.entries.capacity());
                entries.extend_from_slice(&b.entries);
                Bucket {
                    entries,
                    sorted: b.sorted,
                }
            }),
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
                .map(|b| b.entries.capacity() * std::mem::size_of::<Entry>())
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
        // Inserts into buckets that deletes left with room: their tails merge before the
        // arrays fill. Then deletes from runs and tails alike.
        let copy = index.deep_clone();
        for slot in 20_000..30_000u32 {
            index.insert(hash(slot), slot);
        }
        for slot in (20_000..30_000u32).step_by(5) {
            assert!(index.remove(hash(slot), slot));
        }
        for slot in 0..30_000u32 {
            let live = if slot < 20_000 {
                slot % 3 != 0
            } else {
                slot % 5 != 0
            };
            assert_eq!(
                index.get(hash(slot), |s| s == slot).is_some(),
                live,
                "slot {slot}"
            );
            let was = slot < 20_000 && slot % 3 != 0;
            assert_eq!(
                copy.get(hash(slot), |s| s == slot).is_some(),
                was,
                "slot {slot}"
            );
        }
        for bucket in index.buckets.iter() {
            assert!(bucket.tail().len() <= TAIL);
            assert!(bucket.run().windows(2).all(|w| w[0] < w[1]));
            assert!(bucket.tail().windows(2).all(|w| w[0] < w[1]));
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
