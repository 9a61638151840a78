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

/// Strings interned to dense indices, in insertion order.
#[derive(Debug, Clone, Default)]
pub(crate) struct Interner {
    names: IndexSet<Box<str>>,
}

impl Interner {
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
