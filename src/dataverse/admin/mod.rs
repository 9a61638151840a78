//! Administration tools: whole-model answers for the people who run the configuration.
//!
//! * [`effective`]: everything one user can do (the role editor's matrix with the granting
//!   path of each cell, shares and hierarchy reach), and everyone who can act on one record.
//! * [`diff`]: what a change of the configuration does to access, user by user, with causes.
//! * [`lint`]: findings on a model that builds but is likely wrong ([`lookalike`]: ids that
//!   differ only by case, whitespace or invisible characters).
//!
//! Each is computed with the same evaluation as a single decision, and tested against it.

pub(crate) mod diff;
pub(crate) mod effective;
pub(crate) mod lint;
pub(crate) mod lookalike;
