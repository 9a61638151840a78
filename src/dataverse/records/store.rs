//! [`RecordStore`]: records and shares that change while decisions keep reading.

use std::sync::{Mutex, PoisonError, RwLock};

use crate::dataverse::configuration::policy::SharedWith;

use super::facts::{RecordFacts, RecordId, ShareFact};
use super::snapshot::Records;
use super::StoreError;

/// Records and shares of a live application, written while readers keep deciding.
///
/// # Structure, and why
///
/// The store publishes immutable [`Records`] versions. A version is a persistent 32-way trie of
/// record slots plus a persistent hash index from application ids to slots: a write copies the
/// path to the one slot it changes (a few hundred bytes) and shares everything else with the
/// version before it. A reader takes the current version ([`snapshot`](Self::snapshot): a
/// read lock held for a few reference-count increments) and decides on it as long as it likes;
/// it never waits for a write to finish and never sees half of one, because a write is built
/// off to the side and published by swapping one pointer. Writers are serialised by a mutex.
///
/// The alternatives were worse for this workload: a sharded `RwLock<HashMap>` makes readers wait
/// behind writers of their shard, and copying a whole map per write costs O(records).
///
/// Record facts name configuration ids ([`TableId`](crate::dataverse::TableId),
/// [`UserId`](crate::dataverse::UserId), …) of the configuration the records are decided with;
/// the store does not check them, a decision does (an unknown table or owner denies).
///
/// ```
/// use accessgate::dataverse::*;
/// use accessgate::{AccessLevel, Privilege};
///
/// let mut model = DataverseModel::default();
/// model.business_units.push(BusinessUnitDef::root("contoso"));
/// model.tables.push(TableDef::user_owned("account"));
/// model.roles.push(RoleDef::new("rep").grant("account", Privilege::READ, AccessLevel::User));
/// model.users.push(UserDef::new("alice", "contoso"));
/// model.users.push(UserDef::new("bob", "contoso"));
/// model.role_assignments.push(RoleAssignmentDef::user("alice", "rep"));
/// let policy = model.build()?;
/// let (alice, bob) = (policy.user_id("alice").ok_or("alice")?, policy.user_id("bob").ok_or("bob")?);
/// let account = policy.table_id("account").ok_or("account")?;
///
/// let store = RecordStore::new();
/// let a1 = store.insert("a1", &RecordFacts::owned_by(RecordId::new(0), account, RecordOwner::User(bob)))?;
/// let before = store.snapshot();
/// store.share(a1, ShareFact::new(SharedWith::User(alice), Privilege::READ))?;
/// let after = store.snapshot();
///
/// assert_eq!(policy.check_in(&before, alice, Privilege::READ, a1).code(), "outside_levels");
/// assert_eq!(policy.check_in(&after, alice, Privilege::READ, a1).code(), "shared");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Default)]
pub struct RecordStore {
    published: RwLock<Records>,
    /// The writer's copy: always equal to `published` between writes.
    writer: Mutex<Records>,
}

impl RecordStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// A store holding `records` (for example a policy's document records).
    pub fn from_records(records: Records) -> Self {
        RecordStore {
            published: RwLock::new(records.clone()),
            writer: Mutex::new(records),
        }
    }

    /// The current version, to decide on.
    pub fn snapshot(&self) -> Records {
        self.published
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Applies several writes as one: readers see all of them or none. The writes run in order
    /// on a working copy; on the first error nothing is published and the error is returned.
    ///
    /// # Errors
    /// The first write's [`StoreError`].
    pub fn transaction<T>(
        &self,
        writes: impl FnOnce(&mut Transaction<'_>) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let mut working = self.writer.lock().unwrap_or_else(PoisonError::into_inner);
        let mut draft = working.clone();
        let out = writes(&mut Transaction {
            records: &mut draft,
        })?;
        // The old working copy shares nodes with `published`; dropping it before publishing
        // lets the next write copy less.
        *working = draft.clone();
        *self
            .published
            .write()
            .unwrap_or_else(PoisonError::into_inner) = draft;
        Ok(out)
    }

    /// Inserts a record under application id `id` (the key in `facts` is ignored; the store
    /// hands out its own).
    ///
    /// # Errors
    /// [`StoreError::DuplicateRecord`], [`StoreError::EmptyId`], [`StoreError::Full`].
    pub fn insert(&self, id: &str, facts: &RecordFacts) -> Result<RecordId, StoreError> {
        self.transaction(|t| t.insert(id, facts))
    }

    /// Replaces a record's owner, owning unit, state and parents; its shares stay.
    ///
    /// # Errors
    /// [`StoreError::UnknownRecord`].
    pub fn update(&self, record: RecordId, facts: &RecordFacts) -> Result<(), StoreError> {
        self.transaction(|t| t.update(record, facts))
    }

    /// Deletes a record and its shares.
    ///
    /// # Errors
    /// [`StoreError::UnknownRecord`].
    pub fn delete(&self, record: RecordId) -> Result<(), StoreError> {
        self.transaction(|t| t.delete(record))
    }

    /// Shares a record; a second share to the same principal adds rights.
    ///
    /// # Errors
    /// [`StoreError::UnknownRecord`], [`StoreError::BadShareRights`].
    pub fn share(&self, record: RecordId, share: ShareFact) -> Result<(), StoreError> {
        self.transaction(|t| t.share(record, share))
    }

    /// Revokes the direct share of a record to `with`.
    ///
    /// # Errors
    /// [`StoreError::UnknownRecord`], [`StoreError::UnknownShare`].
    pub fn revoke(&self, record: RecordId, with: SharedWith) -> Result<(), StoreError> {
        self.transaction(|t| t.revoke(record, with))
    }
}

/// Writes of one [`RecordStore::transaction`].
#[derive(Debug)]
pub struct Transaction<'a> {
    records: &'a mut Records,
}

impl Transaction<'_> {
    /// See [`RecordStore::insert`].
    ///
    /// # Errors
    /// As there.
    pub fn insert(&mut self, id: &str, facts: &RecordFacts) -> Result<RecordId, StoreError> {
        self.records.insert(id, facts)
    }

    /// See [`RecordStore::update`].
    ///
    /// # Errors
    /// As there.
    pub fn update(&mut self, record: RecordId, facts: &RecordFacts) -> Result<(), StoreError> {
        self.records.update(record, facts)
    }

    /// See [`RecordStore::delete`].
    ///
    /// # Errors
    /// As there.
    pub fn delete(&mut self, record: RecordId) -> Result<(), StoreError> {
        self.records.delete(record)
    }

    /// See [`RecordStore::share`].
    ///
    /// # Errors
    /// As there.
    pub fn share(&mut self, record: RecordId, share: ShareFact) -> Result<(), StoreError> {
        self.records.add_share(record, share)
    }

    /// See [`RecordStore::revoke`].
    ///
    /// # Errors
    /// As there.
    pub fn revoke(&mut self, record: RecordId, with: SharedWith) -> Result<(), StoreError> {
        self.records.remove_share(record, with)
    }

    /// The records as written so far in this transaction.
    pub fn records(&self) -> &Records {
        self.records
    }
}
