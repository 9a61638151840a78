//! Actions: questions made of several record checks.
//!
//! Creating a record ([`create`]) needs Create at a level that reaches the owner and unit the
//! new record will have, and, with lookups, Append on the new record and Append To on each
//! target. Associating, assigning and sharing ([`action`]) each need a set of privileges on one
//! or two records. Every action runs all of its checks and keeps each outcome, so a deny lists
//! everything that is missing, not only the first thing. [`access_team`] answers whether a user may
//! add another to a record's system-managed access team (R4.9, R4.10).

pub(crate) mod access_team;
pub(crate) mod action;
pub(crate) mod create;
pub(crate) mod decide;
