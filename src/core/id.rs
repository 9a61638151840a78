//! Interned ids: dense indices handed out by a model's builder.

use indexmap::IndexSet;

/// Defines a dense-index id newtype.
macro_rules! dense_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        ///
        /// A dense index into one compiled policy, valid only for the policy that produced it.
        /// An id from another policy is either out of range (the request is denied as unknown)
        /// or names a different entity.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(pub(crate) u32);

        impl $name {
            /// The dense index.
            #[inline]
            pub fn index(self) -> usize {
                self.0 as usize
            }
        }
    };
}
pub(crate) use dense_id;

/// Defines, inside an `impl` block, a name→id and an id→name lookup per kind of entity, over a
/// `names` field whose members are [`Interner`]s.
macro_rules! name_lookups {
    ($($(#[$doc:meta])* $by_name:ident, $name_of:ident, $field:ident, $id:ident;)*) => {$(
        $(#[$doc])*
        pub fn $by_name(&self, name: &str) -> Option<$id> {
            self.names.$field.get(name).map($id)
        }

        /// The name of an id; `"?"` for an id this policy did not hand out.
        pub fn $name_of(&self, id: $id) -> &str {
            self.names.$field.name(id.0)
        }
    )*};
}
pub(crate) use name_lookups;

/// The most entities of one kind a snapshot holds: indices are `u32`, and `u32::MAX` is kept
/// free as a "none" sentinel.
pub(crate) const ID_LIMIT: usize = (u32::MAX - 1) as usize;

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

/// Strings interned to dense indices, in insertion order.
#[derive(Debug, Clone, Default)]
pub(crate) struct Interner {
    names: IndexSet<Box<str>>,
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
        for id in ids {
            if id.is_empty() {
                return Err(InternError::Empty);
            }
            if names.insert(id).is_none() {
                return Err(InternError::Duplicate(id));
            }
        }
        Ok(names)
    }

    /// Adds `name`; returns its index, or `None` when it was already present.
    pub(crate) fn insert(&mut self, name: &str) -> Option<u32> {
        let (index, fresh) = self.names.insert_full(name.into());
        // INVARIANT: builders reject models with more than u32::MAX entities before interning.
        fresh.then_some(index as u32)
    }

    /// The index of `name`, if interned.
    #[inline]
    pub(crate) fn get(&self, name: &str) -> Option<u32> {
        self.names.get_index_of(name).map(|i| i as u32)
    }

    /// Number of names.
    pub(crate) fn len(&self) -> usize {
        self.names.len()
    }

    /// An estimate of the bytes held on the heap: each slot's boxed name, hash and index-table
    /// entry, plus the names' text.
    pub(crate) fn heap_bytes(&self) -> usize {
        let per_slot = std::mem::size_of::<Box<str>>()
            + std::mem::size_of::<u64>()
            + std::mem::size_of::<usize>()
            + 1;
        self.names.capacity() * per_slot + self.names.iter().map(|n| n.len()).sum::<usize>()
    }

    /// The name at `index`; `"?"` for an index this interner never handed out.
    pub(crate) fn name(&self, index: u32) -> &str {
        self.names.get_index(index as usize).map_or("?", |s| s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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

    /// Bytes per name and `from_ids` time at 1,000,000 names like `u123456`; prints only, asserts
    /// nothing about time. Run alone, so that no other test moves the resident size:
    /// `cargo test -p accessgate --lib core::id::tests::million_names -- --ignored --nocapture`.
    #[test]
    #[ignore]
    fn million_names() {
        const N: usize = 1_000_000;
        let ids: Vec<String> = (0..N).map(|i| format!("u{i}")).collect();
        let text: usize = ids.iter().map(String::len).sum();
        for round in 0..3 {
            let before = resident_bytes();
            let start = std::time::Instant::now();
            let names = Interner::from_ids(ids.iter().map(String::as_str)).unwrap();
            let elapsed = start.elapsed();
            let after = resident_bytes();
            assert_eq!(names.len(), N);
            println!(
                "round {round}: from_ids {:.1} ms; heap_bytes {:.1} B/name; resident growth \
                 {:.1} B/name; text {:.1} B/name",
                elapsed.as_secs_f64() * 1e3,
                names.heap_bytes() as f64 / N as f64,
                after.saturating_sub(before) as f64 / N as f64,
                text as f64 / N as f64,
            );
            drop(names);
        }
    }
}
