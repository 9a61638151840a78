//! A persistent hash index from record ids to slots: linear hashing over shared buckets.
//!
//! An entry is the high 32 bits of the id's hash (its *key*) and the slot: 8 bytes. The key's
//! low bits choose a bucket. Two ids may share a key: the id text lives once, by slot
//! ([`Texts`](super::texts)), and a lookup compares it there.
//!
//! **A bucket** holds a few hundred entries: a *run* sorted by key in an array of its own,
//! searched by interpolation (keys are uniform, so the first guess lands within a few entries
//! of the answer: one or two cache lines read), and the latest [`RECENT`] entries, kept sorted
//! in the bucket itself. An insert goes into the recent entries; when they are full, they are
//! merged into the run, all twelve at once.
//!
//! Why: in a large store the run's array is somewhere cold in memory (a cache miss, and in a
//! big heap a TLB miss too), while the buckets themselves are a small, warm array (a few
//! hundred kilobytes at a million records). A lookup must read the run at its key, but an
//! insert then only writes the bucket, and the store's replay of that insert on its other
//! version (which does not look up) reads no run at all, but for one merge in twelve. Inserting
//! into the run directly moved half of it, a dozen cold cache lines in each version; a short
//! unsorted tail at the end of the run array was better, but still a cold line or two for each
//! insert and each replay. A merge moves each run entry above the smallest merged one once, by
//! stretches (`copy_within`), in place while the array has room; when it has none it copies the
//! run into an array bigger by a sixteenth (and room for a merge), not doubling: buckets are
//! many and full, so doubling would leave a quarter of the index allocated but unused.
//!
//! The buckets sit in a [`PVec`]. The store writes a version no reader holds, so a write
//! changes its bucket in place; only when a reader still holds that version does it copy the
//! bucket and the path to it.
//!
//! The table grows by *linear hashing*: when the entries outnumber `LOAD ×` the buckets, the
//! next bucket in turn splits in two on one more hash bit. Growth therefore costs one bucket
//! per split, never a rehash of the whole table, so no write waits for O(records) work, and the
//! index costs about 8 bytes per record plus 128 bytes per bucket (about half a byte each).
//! Buckets do not merge after deletes: a table that shrank keeps its buckets.

use super::pvec::PVec;

/// Entries per bucket, on average, before the next bucket splits.
const LOAD: usize = 256;

/// How many of a bucket's latest entries it holds itself: as many as fill its two cache lines
/// beside the run's array.
const RECENT: usize = 12;

/// One entry: the high half of the id's hash and the slot holding the id.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord)]
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
/// Buckets sit in their [`PVec`] leaf directly, not behind pointers of their own, aligned to
/// cache lines so a bucket is read in two lines. Copying a leaf (only while a reader holds the
/// version written) copies its 128 buckets and their runs, a few hundred kilobytes.
#[derive(Debug, Clone, Default)]
#[repr(align(64))]
struct Bucket {
    /// Sorted.
    run: Vec<Entry>,
    /// `recent[..recent_len]`, sorted.
    recent: [Entry; RECENT],
    recent_len: u8,
}

const _: () = assert!(std::mem::size_of::<Bucket>() == 128);

/// Where an entry is in its bucket.
enum Place {
    Run(usize),
    Recent(usize),
}

impl Bucket {
    /// A bucket holding `run`, which is sorted.
    fn with_run(run: Vec<Entry>) -> Bucket {
        Bucket {
            run,
            ..Bucket::default()
        }
    }

    fn recent(&self) -> &[Entry] {
        self.recent
            .get(..usize::from(self.recent_len))
            .unwrap_or_default()
    }

    /// Adds `entry` to the recent entries, first merging them into the run if they are full.
    fn insert(&mut self, entry: Entry) {
        if usize::from(self.recent_len) == RECENT {
            self.merge_recent();
        }
        // One step of an insertion sort: a dozen entries at most, in lines already read,
        // where a call to `memmove` would cost more than the moves.
        let mut at = usize::from(self.recent_len);
        while at > 0 && self.recent[at - 1] > entry {
            self.recent[at] = self.recent[at - 1];
            at -= 1;
        }
        self.recent[at] = entry;
        self.recent_len += 1;
    }

    /// Moves the recent entries into the run, keeping it sorted.
    fn merge_recent(&mut self) {
        let recent = self.recent;
        let recent = recent
            .get(..usize::from(self.recent_len))
            .unwrap_or_default();
        self.recent_len = 0;
        let len = self.run.len();
        if self.run.capacity() - len >= recent.len() {
            // In place, from the top: each recent entry's place in the run is found first (by
            // interpolation over the whole run, which a prefix would defeat), then, largest
            // first, the stretch of the run above its place moves up once.
            let mut places = [0usize; RECENT];
            for (place, &e) in places.iter_mut().zip(recent) {
                *place = first_at_least(&self.run, e);
            }
            self.run.resize(len + recent.len(), Entry::default());
            let mut top = len;
            for (left, (&e, &at)) in recent.iter().zip(&places).enumerate().rev() {
                self.run.copy_within(at..top, at + left + 1);
                if let Some(place) = self.run.get_mut(at + left) {
                    *place = e;
                }
                top = at;
            }
        } else {
            self.run = merged(&self.run, recent, len / 16);
        }
    }

    /// The slot of the entry under `key` for which `is_id` holds.
    #[inline]
    fn find(&self, key: u32, is_id: impl Fn(u32) -> bool) -> Option<u32> {
        for e in self.recent() {
            if e.key == key && is_id(e.slot) {
                return Some(e.slot);
            }
        }
        let first = first_at_least(&self.run, Entry { key, slot: 0 });
        for e in self.run.get(first..).unwrap_or_default() {
            if e.key != key {
                break;
            }
            if is_id(e.slot) {
                return Some(e.slot);
            }
        }
        None
    }

    /// Where `entry` is, if present.
    fn position(&self, entry: Entry) -> Option<Place> {
        if let Some(at) = self.recent().iter().position(|e| *e == entry) {
            return Some(Place::Recent(at));
        }
        let at = first_at_least(&self.run, entry);
        (self.run.get(at) == Some(&entry)).then_some(Place::Run(at))
    }

    /// Removes the entry at `place` (from [`position`](Self::position)).
    fn remove(&mut self, place: Place) {
        match place {
            Place::Run(at) => {
                self.run.remove(at);
            }
            Place::Recent(at) => {
                let len = usize::from(self.recent_len);
                self.recent.copy_within(at + 1..len, at);
                self.recent_len -= 1;
            }
        }
    }
}

/// `run` and `recent` (both sorted) merged, in an array with room for `room` more.
fn merged(run: &[Entry], recent: &[Entry], room: usize) -> Vec<Entry> {
    let mut merged = Vec::with_capacity(run.len() + recent.len() + room);
    let mut from = 0;
    for &e in recent {
        // The run is copied in stretches between the recent entries' places.
        let at = first_at_least(run, e).max(from);
        merged.extend_from_slice(run.get(from..at).unwrap_or_default());
        merged.push(e);
        from = at;
    }
    merged.extend_from_slice(run.get(from..).unwrap_or_default());
    merged
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
    /// move to the new bucket `split + 2^level` (both with all entries in their runs). After the
    /// last bucket of the round has split, the next round splits on the next bit.
    fn split_next(&mut self) {
        if self.level >= u32::BITS {
            return; // every key bit is used: buckets only grow from here
        }
        let Some(bucket) = self.buckets.get(self.split) else {
            return;
        };
        let bit = 1u32 << self.level;
        let all = merged(&bucket.run, bucket.recent(), 0);
        let staying = all.iter().filter(|e| e.key & bit == 0).count();
        // Each half with the room a merge of its recent entries will want.
        let (mut stay, mut moved) = (
            Vec::with_capacity(staying + staying / 16 + RECENT),
            Vec::with_capacity(all.len() - staying + (all.len() - staying) / 16 + RECENT),
        );
        for e in all {
            if e.key & bit == 0 {
                stay.push(e);
            } else {
                moved.push(e);
            }
        }
        let (stay, moved) = (Bucket::with_run(stay), Bucket::with_run(moved));
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
        let Some(place) = self
            .buckets
            .get(b)
            .and_then(|bucket| bucket.position(entry))
        else {
            return false;
        };
        self.buckets.update(b, |bucket| bucket.remove(place));
        self.len -= 1;
        true
    }

    /// A copy sharing nothing with `self`. Each bucket keeps its spare room: the copy is the
    /// store's other version, which takes the same inserts, and a bucket copied full would be
    /// copied again by its first insert.
    pub(crate) fn deep_clone(&self) -> HashIndex {
        HashIndex {
            buckets: self.buckets.deep_clone_with(&|b| {
                let mut run = Vec::with_capacity(b.run.capacity());
                run.extend_from_slice(&b.run);
                Bucket { run, ..*b }
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
                .map(|b| b.run.capacity() * std::mem::size_of::<Entry>())
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
        // Inserts into buckets that deletes left with room: their recent entries merge in
        // place. Then deletes from runs and recent entries alike.
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
            assert!(bucket.run.windows(2).all(|w| w[0] < w[1]));
            assert!(bucket.recent().windows(2).all(|w| w[0] < w[1]));
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
