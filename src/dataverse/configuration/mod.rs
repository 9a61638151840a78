//! Configuration: what changes rarely, compiled once into an immutable snapshot.
//!
//! An organisation's security configuration is its business units, users, teams and their
//! memberships, security roles and their assignments, tables and relationships, positions and
//! managers, column security profiles, and the [options](model::DataverseOptions) that settle
//! what the references leave open. It is written as a [`DataverseModel`](model::DataverseModel)
//! document ([`model`]), validated and compiled by [`compile`] into a
//! [`DataversePolicy`](policy::DataversePolicy) ([`policy`]): dense indices, business units as
//! pre-order intervals, each user's facts and grants side by side in one row ([`users`]).
//! Nothing on the decision path hashes or allocates.
//!
//! The snapshot is immutable and `Send + Sync`. A change to the configuration (a membership, a
//! role assignment, a role cell, a business unit) does not recompile it: [`delta`] derives a new
//! snapshot that re-derives only what the change touches and shares the rest. Records are not
//! configuration; they live in [`records`](super::records).
//!
//! Column security ([`columns`]), hierarchy security ([`hierarchy`]) and miscellaneous
//! privileges ([`misc`]) compile into indexes of their own that the snapshot holds.
//! [`names`] is the rule for table, column and privilege names (one spelling reaches one
//! thing); [`limits`] bounds what a document may make a build allocate; [`role_cells`] stores
//! only the cells a role sets, three bits per privilege. [`error`] holds the build errors, [`stats`] the memory a
//! snapshot holds.
//! [`builders`] makes the document's parts in Rust, without struct literals.

pub(crate) mod access_teams;
pub(crate) mod builders;
pub(crate) mod columns;
pub(crate) mod compile;
pub(crate) mod delta;
pub(crate) mod error;
pub(crate) mod hierarchy;
pub(crate) mod limits;
pub(crate) mod misc;
pub(crate) mod model;
pub(crate) mod names;
pub(crate) mod options;
pub(crate) mod policy;
pub(crate) mod role_cells;
pub(crate) mod stats;
pub(crate) mod users;
