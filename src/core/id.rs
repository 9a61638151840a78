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
