//! [`RecordStore`]: records and shares that change while decisions keep reading.

use std::sync::{Mutex, MutexGuard, PoisonError, RwLock};

use crate::dataverse::configuration::policy::SharedWith;

use super::facts::{RecordFacts, RecordId, ShareFact};
use super::snapshot::Records;
use super::write::Op;
use super::StoreError;

/// Records and shares of a live application, written while readers keep deciding.
///
/// # Structure, and why
///
/// The store publishes immutable [`Records`] versions. A reader takes the current one
/// ([`snapshot`](Self::snapshot): a read lock held for one reference-count increment) and
/// decides on it as long as it likes; it never waits for a write to finish and never sees half
/// of one, because a write is made off to the side and published by swapping one pointer under
/// the write lock. Writers are serialised by a mutex.
///
/// **Two versions, written in place.** The store keeps two physically separate versions: the
/// published one, and a *spare* one transaction behind it, with that transaction's writes kept
/// as a short log. A transaction first replays the log on the spare (now equal to the published
/// version), then applies its own writes to the spare in place, publishes the spare, and keeps
/// the previously published version as the new spare, with the new log. Every write is thus
/// applied twice, each time in place: no node is copied, nothing is allocated but the id text,
/// and nothing freed. Readers are not slowed: they only ever read a published version, which
/// nobody writes.
///
/// Why not one persistent version with path copying, as before: a version is a trie of 128-way
/// nodes (a `PVec`), and copying a branch to change one child increments the
/// reference count of all its children, each in its own cache line; at a million records those
/// lines are cold and the locked increments cannot overlap, so one write cost 3 to 4 µs, most of
/// it waiting for memory (and as long again to free the old path when the old version dropped).
/// Written in place, a write costs what it touches: one slot, one index bucket, one table list.
///
/// The persistent trie stays, as the fallback that keeps this correct: if a reader still holds
/// the spare (it took a snapshot two transactions ago and is still deciding), the writer clones
/// that version and writes the clone, copying the changed paths exactly as before, and the
/// reader keeps its version. The clone copies what each vector keeps beside its trie (the last,
/// partly filled leaf, so appends touch no shared node; for the id index, buckets with their
/// recent entries): about 50,000 instructions at a million records, once per clone, against
/// about 6,000 before those tails existed. Brief readers rarely cause it (a decision holds a
/// snapshot for well under a microsecond); a reader that holds one for long makes the writes
/// after the clone copy paths until it lets go. A transaction bigger than a sixteenth of the
/// store (a document load, say) is not logged: the spare is rebuilt as a copy of the new version
/// instead, which is cheaper than replaying it.
///
/// **What it costs.** Memory: the store holds two versions, so each byte per record is paid
/// twice; the layout is packed to keep the pair under what one version used to cost (78 bytes
/// per record beyond the id; now about 62 for both, 1,000,000 records). Per version: a 16-byte
/// slot (owner id and kind, owning unit, table, the record's place in its table's list, flags),
/// 8 bytes of hash index and under a byte of its buckets (which hold their latest entries
/// themselves, so an insert writes no cold memory but its bucket; see `index.rs`), 4 of table
/// list, under a byte of node headers. The id text is held once: ids are kept by slot in blocks of
/// 64 that both versions share by pointer, with 2 bytes of offset per id, instead of one `Arc<str>`
/// (32 bytes of pointer and counters) per record per version. Shares and parent links live in a
/// side table by slot, present only for records that have some. Time: writers pay each write twice,
/// and a transaction after a large one pays a copy of the store. [`memory`](Self::memory) reports
/// both versions.
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
#[derive(Debug)]
pub struct RecordStore {
    published: RwLock<Records>,
    writer: Mutex<Writer>,
}

impl Default for RecordStore {
    fn default() -> Self {
        Self::from_records(Records::default())
    }
}

/// The writer's side: the spare version and how it differs from the published one.
#[derive(Debug)]
struct Writer {
    spare: Records,
    /// The ops that make `spare` the published version, when `in_step`.
    log: Vec<Op>,
    /// Whether `spare` plus `log` is the published version. When not (a new store, a large or
    /// failed transaction, a panic in one), the next write copies the published version.
    in_step: bool,
}

/// Ops logged per transaction at most, beyond which the spare is copied instead of replayed.
fn log_limit(live: usize) -> usize {
    1_024 + live / 16
}

impl RecordStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// A store holding `records` (for example a policy's document records). The second version
    /// is made by the first write, so a store that is only read costs one.
    pub fn from_records(records: Records) -> Self {
        RecordStore {
            published: RwLock::new(records.clone()),
            writer: Mutex::new(Writer {
                spare: records,
                log: Vec::new(),
                in_step: false,
            }),
        }
    }

    /// The current version, to decide on.
    pub fn snapshot(&self) -> Records {
        self.published
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Heap bytes of the whole store, `(structure, id_text)` as in [`Records::memory`]: both
    /// versions (see the structure notes above), their shared id text counted once.
    pub fn memory(&self) -> (usize, usize) {
        let writer = self.lock_writer();
        let published = self.snapshot();
        let (structure, text) = published.heap_bytes();
        if !writer.in_step {
            // The spare is the published version itself until the next write copies it.
            return (structure, text);
        }
        let (spare, spare_text) = writer.spare.heap_bytes_beside(Some(&published));
        (structure + spare + spare_text, text)
    }

    fn lock_writer(&self) -> MutexGuard<'_, Writer> {
        self.writer.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Applies several writes as one: readers see all of them or none. The writes run in order
    /// on the spare version; on the first error nothing is published and the error is returned.
    ///
    /// # Errors
    /// The first write's [`StoreError`].
    pub fn transaction<T>(
        &self,
        writes: impl FnOnce(&mut Transaction<'_>) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let mut guard = self.lock_writer();
        let w = &mut *guard;
        // Bring the spare up to the published version. Only a writer changes `published`, and
        // this one holds the writer lock: the version read here stays published until this
        // transaction publishes, so it is read under the read lock (readers still get in)
        // rather than cloned, which would cost two atomic counts more per write.
        let was_in_step = w.in_step;
        let live = {
            let current = self
                .published
                .read()
                .unwrap_or_else(PoisonError::into_inner);
            if was_in_step {
                for op in &w.log {
                    w.spare.replay(op, &current);
                }
            } else {
                w.spare = current.deep_clone();
            }
            current.len()
        };
        w.log.clear();
        // Until this transaction ends well, the spare is not known to be in step (a panic in
        // `writes` leaves it half written).
        w.in_step = false;
        let mut tx = Transaction {
            records: &mut w.spare,
            log: &mut w.log,
            limit: log_limit(live),
            applied: 0,
        };
        let out = writes(&mut tx);
        let (applied, logged) = (tx.applied, tx.log.len());
        match out {
            Ok(out) => {
                std::mem::swap(
                    &mut *self
                        .published
                        .write()
                        .unwrap_or_else(PoisonError::into_inner),
                    &mut w.spare,
                );
                // Copy the new version instead of replaying on the old one if the log
                // overflowed, or if the old one came from outside the store (`from_records`,
                // whose caller may keep it for good) or from before a failure: the next write
                // would otherwise copy its paths for as long as that other holder keeps it.
                w.in_step = logged == applied && was_in_step;
                if !w.in_step {
                    w.log.clear();
                    w.spare = self.snapshot().deep_clone();
                    w.in_step = true;
                }
                Ok(out)
            }
            Err(e) => {
                // Nothing published. The spare is still the published version if no write was
                // applied (a refused write changes nothing); otherwise copy it afresh.
                w.log.clear();
                if applied > 0 {
                    w.spare = self.snapshot().deep_clone();
                }
                w.in_step = true;
                Err(e)
            }
        }
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
    log: &'a mut Vec<Op>,
    /// Ops logged at most; past it the log is dropped (`log.len() < applied`).
    limit: usize,
    applied: usize,
}

impl Transaction<'_> {
    fn logged<T>(&mut self, done: Result<(T, Op), StoreError>) -> Result<T, StoreError> {
        let (out, op) = done?;
        self.applied += 1;
        if self.log.len() + 1 == self.applied && self.applied <= self.limit {
            self.log.push(op);
        } else if !self.log.is_empty() {
            // Too large to replay: the store will copy the new version instead.
            *self.log = Vec::new();
        }
        Ok(out)
    }

    /// See [`RecordStore::insert`].
    ///
    /// # Errors
    /// As there.
    pub fn insert(&mut self, id: &str, facts: &RecordFacts) -> Result<RecordId, StoreError> {
        let done = self.records.insert(id, facts);
        self.logged(done)
    }

    /// See [`RecordStore::update`].
    ///
    /// # Errors
    /// As there.
    pub fn update(&mut self, record: RecordId, facts: &RecordFacts) -> Result<(), StoreError> {
        let done = self.records.update(record, facts).map(|op| ((), op));
        self.logged(done)
    }

    /// See [`RecordStore::delete`].
    ///
    /// # Errors
    /// As there.
    pub fn delete(&mut self, record: RecordId) -> Result<(), StoreError> {
        let done = self.records.delete(record).map(|op| ((), op));
        self.logged(done)
    }

    /// See [`RecordStore::share`].
    ///
    /// # Errors
    /// As there.
    pub fn share(&mut self, record: RecordId, share: ShareFact) -> Result<(), StoreError> {
        let done = self.records.add_share(record, share).map(|op| ((), op));
        self.logged(done)
    }

    /// See [`RecordStore::revoke`].
    ///
    /// # Errors
    /// As there.
    pub fn revoke(&mut self, record: RecordId, with: SharedWith) -> Result<(), StoreError> {
        let done = self.records.remove_share(record, with).map(|op| ((), op));
        self.logged(done)
    }

    /// The records as written so far in this transaction.
    pub fn records(&self) -> &Records {
        self.records
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::core::Privilege;
    use crate::dataverse::configuration::policy::{TableId, UserId};
    use crate::dataverse::records::RecordOwner;

    /// What the store should hold: id → (table, owner, active, users shared with).
    type Model = BTreeMap<String, (u32, u32, bool, Vec<u32>)>;

    fn facts(table: u32, owner: u32, active: bool) -> RecordFacts {
        let f = RecordFacts::owned_by(
            RecordId::new(0),
            TableId(table),
            RecordOwner::User(UserId(owner)),
        );
        if active {
            f
        } else {
            f.inactive()
        }
    }

    fn check(records: &Records, model: &Model) {
        assert_eq!(records.len(), model.len());
        for (id, (table, owner, active, shared)) in model {
            let key = records
                .id(id)
                .unwrap_or_else(|| unreachable!("{id} missing"));
            assert_eq!(records.name(key), Some(id.as_str()));
            assert_eq!(records.facts(key), {
                let mut f = facts(*table, *owner, *active);
                f.id = key;
                Some(f)
            });
            let with: Vec<u32> = records
                .shares_of(key)
                .iter()
                .filter_map(|s| match s.with {
                    SharedWith::User(u) => Some(u.0),
                    _ => None,
                })
                .collect();
            assert_eq!(&with, shared, "{id}");
        }
        for table in 0..3 {
            let expected = model.values().filter(|r| r.0 == table).count();
            assert_eq!(records.count_of(TableId(table)), expected);
            assert_eq!(records.records_of(TableId(table)).count(), expected);
        }
    }

    /// A store made from a version its caller keeps writes around it: the caller's version
    /// never changes, the store's versions see every write.
    #[test]
    fn from_records_leaves_the_callers_version_alone() -> Result<(), StoreError> {
        let mut records = Records::default();
        let (a, _) = records.insert("a", &facts(0, 1, true))?;
        let store = RecordStore::from_records(records.clone());
        let mut model = Model::new();
        for i in 0..6u32 {
            store.insert(&format!("b{i}"), &facts(1, i, true))?;
            model.insert(format!("b{i}"), (1, i, true, Vec::new()));
            store.update(a, &facts(2, i, i % 2 == 0))?;
            model.insert("a".into(), (2, i, i % 2 == 0, Vec::new()));
            check(&store.snapshot(), &model);
        }
        check(
            &records,
            &Model::from([("a".into(), (0, 1, true, Vec::new()))]),
        );
        Ok(())
    }

    /// Random transactions (single writes, batches, batches past the log limit, failing
    /// batches, a panicking one) while old snapshots are held: every published version matches
    /// a model of the writes, and every held snapshot keeps what it saw. Each transaction
    /// publishes the version that replayed the one before, so a replay that went wrong shows.
    #[test]
    #[allow(
        clippy::panic,
        reason = "the panic inside a transaction is the case tested"
    )]
    fn versions_follow_the_writes() {
        let store = RecordStore::new();
        let mut model = Model::new();
        let mut held: Vec<(Records, Model)> = Vec::new();
        let mut next = crate::dataverse::records::test_indices(0x2545_f491_4f6c_dd1d);
        let mut fresh = 0;
        for round in 0..400 {
            let batch = match round % 50 {
                7 => 1_500, // past the log limit: the spare is copied
                _ => 1 + next(4),
            };
            let fail = round % 13 == 5;
            let mut draft = model.clone();
            let result = store.transaction(|tx| {
                for _ in 0..batch {
                    let ids: Vec<String> = draft.keys().cloned().collect();
                    let pick = |n: usize| ids.get(n).cloned();
                    match (next(5), pick(next(ids.len().max(1)))) {
                        (0, _) | (_, None) => {
                            fresh += 1;
                            let id = format!("r{fresh}");
                            let (t, o) = (next(3) as u32, next(50) as u32);
                            tx.insert(&id, &facts(t, o, true))?;
                            draft.insert(id, (t, o, true, Vec::new()));
                        }
                        (1, Some(id)) => {
                            let key = tx.records().id(&id).unwrap_or_else(|| unreachable!());
                            tx.delete(key)?;
                            draft.remove(&id);
                        }
                        (2, Some(id)) => {
                            let key = tx.records().id(&id).unwrap_or_else(|| unreachable!());
                            let (t, o, a) = (next(3) as u32, next(50) as u32, next(2) == 0);
                            tx.update(key, &facts(t, o, a))?;
                            if let Some(r) = draft.get_mut(&id) {
                                (r.0, r.1, r.2) = (t, o, a);
                            }
                        }
                        (3, Some(id)) => {
                            let key = tx.records().id(&id).unwrap_or_else(|| unreachable!());
                            let u = next(4) as u32;
                            let share = ShareFact {
                                with: SharedWith::User(UserId(u)),
                                rights: Privilege::READ,
                                inherited_from: None,
                            };
                            tx.share(key, share)?;
                            if let Some(r) = draft.get_mut(&id) {
                                if !r.3.contains(&u) {
                                    r.3.push(u);
                                }
                            }
                        }
                        (_, Some(id)) => {
                            let key = tx.records().id(&id).unwrap_or_else(|| unreachable!());
                            let u = next(4) as u32;
                            match tx.revoke(key, SharedWith::User(UserId(u))) {
                                Ok(()) => {
                                    if let Some(r) = draft.get_mut(&id) {
                                        r.3.retain(|&x| x != u);
                                    }
                                }
                                Err(StoreError::UnknownShare) => {}
                                Err(e) => return Err(e),
                            }
                        }
                    }
                }
                if fail {
                    return Err(StoreError::EmptyId);
                }
                Ok(())
            });
            assert_eq!(result.is_ok(), !fail);
            if !fail {
                model = draft;
            }
            if round == 300 {
                let panicked = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    let _: Result<(), _> = store.transaction(|tx| {
                        tx.insert("half", &facts(0, 0, true))?;
                        panic!("a writer panics half way");
                    });
                }));
                assert!(panicked.is_err());
            }
            let now = store.snapshot();
            check(&now, &model);
            if round % 3 == 0 {
                held.push((now, model.clone()));
            }
            if held.len() > 4 {
                let (old, seen) = held.remove(next(held.len()));
                check(&old, &seen);
            }
        }
        for (old, seen) in &held {
            check(old, seen);
        }
        let (structure, text) = store.memory();
        let (one, one_text) = store.snapshot().memory();
        assert_eq!(text, one_text, "the id text is held once");
        assert!(structure > one, "two versions");
    }
}
