//! Chainable setters for settings structs whose fields are all independent values.
//!
//! Settings structs (options, limits) are `#[non_exhaustive]`, so code outside the crate cannot
//! write them as struct literals, not even with `..Default::default()`. Each field gets a
//! `with_<field>(value)` method instead, so `DataverseOptions::default().with_matrix_mode(true)`
//! reads like the literal it replaces and keeps compiling when a setting is added.

/// Implements `with_<field>(self, value) -> Self` for each listed field of `$ty`.
///
/// `$what` names the struct in the setters' docs ("options", "limits"); each setter's doc links
/// to its field, whose doc says what the setting means and its default.
macro_rules! setters {
    ($ty:ident, $what:literal { $($setter:ident => $field:ident: $t:ty),* $(,)? }) => {
        impl $ty {
            $(
                #[doc = concat!(
                    "The same ", $what, " with [`", stringify!($field), "`](Self::",
                    stringify!($field), ") set to `value`."
                )]
                #[must_use]
                pub fn $setter(mut self, value: $t) -> Self {
                    self.$field = value;
                    self
                }
            )*
        }
    };
}

pub(crate) use setters;
