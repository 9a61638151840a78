//! Interned ids: dense indices handed out by a model's builder.

pub(crate) use super::interner::{InternError, Interner};

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
