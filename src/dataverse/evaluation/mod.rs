//! Evaluation: one record question answered from a snapshot and a record's facts.
//!
//! [`evaluate`] holds the decision itself (`check`, `check_facts`, `check_in`): the user's
//! admission, then each grant's level against the record's owner and owning unit ([`reach`]),
//! then the shares that reach the record, then hierarchy security, stopping at the first thing that
//! allows. [`walk`] finds the shares that reach a record, its own and those cascading from its
//! ancestors, by walking parent links at decision time within a bound. [`reason`] is what a
//! decision says about itself: which role at which level through which team, which share from
//! which ancestor, or exactly what was missing.
//!
//! [`columns`] answers column questions after the record question (R7), [`hierarchy`] finds the
//! reports whose records a manager reaches (R6), [`misc`] answers whether a user holds a
//! privilege that is not about a table.
//!
//! Evaluation reads the configuration ([`configuration`](super::configuration)) and the record
//! facts ([`records`](super::records)); neither of those reads evaluation.

pub(crate) mod columns;
pub(crate) mod evaluate;
pub(crate) mod hierarchy;
pub(crate) mod misc;
pub(crate) mod reach;
pub(crate) mod reason;
pub(crate) mod walk;
