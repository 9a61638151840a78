//! Records and shares: the data that changes all the time, kept apart from the configuration.
//!
//! A [`DataversePolicy`](super::DataversePolicy) is configuration: units, users, teams, roles,
//! tables, relationships. Records are not compiled into it. A decision about a record reads the
//! record's [`RecordFacts`] (table, owner, owning unit, state, parent links) and its shares from
//! a [`ShareSource`]:
//!
//! * an application that keeps records in its own database passes the facts of the row it is
//!   about to return and implements [`ShareSource`] over its share table
//!   ([`DataversePolicy::check_facts`](super::DataversePolicy::check_facts));
//! * an application that keeps records in the process writes them into a [`RecordStore`] and
//!   decides on a [`Records`] snapshot of it
//!   ([`DataversePolicy::check_in`](super::DataversePolicy::check_in)); the `records` and
//!   `shares` of a model document load into one.
//!
//! Shares cascaded from a parent (R5.8) are never materialised: a decision walks the record's
//! parent links upwards, at most
//! [`cascade_depth`](super::DataverseOptions::cascade_depth) levels, and reports which ancestor's
//! share allowed.

mod by_table;
mod extras;
mod facts;
mod index;
mod load;
mod pvec;
mod snapshot;
mod store;
mod texts;
mod write;

pub use by_table::TABLE_KEY_LIMIT;
pub use facts::{NoShares, ParentFact, RecordFacts, RecordId, RecordOwner, ShareFact, ShareSource};
pub use snapshot::{Records, RECORD_LIMIT};
pub use store::{RecordStore, Transaction};

pub(crate) use load::load;

use crate::core::Privilege;

/// Why a write to a [`RecordStore`] was refused. Nothing was changed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// A record id is the empty string.
    #[error("a record id is empty")]
    EmptyId,
    /// A record id is longer than the store keeps (tens of megabytes).
    #[error("a record id of {length} bytes is longer than the limit of {limit}")]
    IdTooLong {
        /// The id's length in bytes.
        length: usize,
        /// The limit.
        limit: usize,
    },
    /// The id is already in the store.
    #[error("record `{id}` is already in the store")]
    DuplicateRecord {
        /// The id.
        id: String,
    },
    /// The key names no record.
    #[error("record key {} is not in the store", record.get())]
    UnknownRecord {
        /// The key.
        record: RecordId,
    },
    /// A revoke found no direct share to that principal.
    #[error("the record has no direct share to that principal")]
    UnknownShare,
    /// Share rights are empty or include Create (R5.2).
    #[error(
        "share rights `{rights:?}` are empty or include Create, which is not a right on a record"
    )]
    BadShareRights {
        /// The rights given.
        rights: Privilege,
    },
    /// A record names a table key at or above [`TABLE_KEY_LIMIT`], which no configuration has.
    #[error("table key {} is beyond the store's table limit", table.index())]
    TableOutOfRange {
        /// The table key given.
        table: crate::dataverse::TableId,
    },
    /// The store holds as many records as keys allow.
    #[error("the store holds {limit} records, its limit")]
    Full {
        /// The limit.
        limit: usize,
    },
}

/// A reproducible stream of indices below `n` (xorshift64) for this module's randomised tests.
#[cfg(test)]
fn test_indices(mut seed: u64) -> impl FnMut(usize) -> usize {
    move |n: usize| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        (seed % n as u64) as usize
    }
}
