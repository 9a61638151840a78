//! [`Records`]: one immutable version of the record store.

use std::hash::{BuildHasher, RandomState};
use std::ops::ControlFlow;
use std::sync::Arc;

use crate::core::Privilege;
use crate::dataverse::configuration::policy::{Owner, RecordInfo, SharedWith, TableId, NO_UNIT};

use super::by_table::{ByTable, TABLE_KEY_LIMIT};
use super::facts::{ParentFact, RecordFacts, RecordId, RecordOwner, ShareFact, ShareSource};
use super::index::HashIndex;
use super::pvec::PVec;
use super::StoreError;

/// The parts of a record that most records do not have, kept behind one pointer so a slot stays
/// small.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Extra {
    pub(crate) shares: Vec<ShareFact>,
    pub(crate) parents: Vec<ParentFact>,
}

/// One record: 48 bytes, plus its id text and, when it has shares or parents, an [`Extra`].
#[derive(Debug, Clone)]
pub(crate) struct Slot {
    pub(crate) info: RecordInfo,
    pub(crate) active: bool,
    /// Where the record's key sits in its table's list ([`ByTable`]).
    pub(crate) table_position: u32,
    pub(crate) id: Arc<str>,
    pub(crate) extra: Option<Arc<Extra>>,
}

/// One version of a record store: every record (table, owner, owning unit, state, parents) and
/// every share, by record.
///
/// Cheap to clone (a few reference counts) and immutable: a [`RecordStore`](super::RecordStore)
/// publishes a new `Records` for each write and readers keep the one they took. Keys
/// ([`RecordId`]) are slots, reused after a delete.
#[derive(Debug, Clone)]
pub struct Records {
    slots: PVec<Option<Slot>>,
    index: HashIndex,
    by_table: ByTable,
    hasher: RandomState,
    /// Deleted slots, reused by the next inserts (persistent, so a write after many deletes
    /// does not copy them all).
    free: PVec<u32>,
    live: usize,
    generation: u64,
}

impl Default for Records {
    fn default() -> Self {
        Records {
            slots: PVec::default(),
            index: HashIndex::default(),
            by_table: ByTable::default(),
            hasher: RandomState::new(),
            free: PVec::default(),
            live: 0,
            generation: 0,
        }
    }
}

/// The most records one store holds: keys are slots below `u32::MAX`.
pub const RECORD_LIMIT: usize = (u32::MAX - 1) as usize;

impl Records {
    /// The key of the record with application id `id`.
    #[inline]
    pub fn id(&self, id: &str) -> Option<RecordId> {
        let hash = self.hasher.hash_one(id);
        self.index
            .get(hash, |slot| {
                self.slot(slot as usize).is_some_and(|s| &*s.id == id)
            })
            .map(|slot| RecordId(u64::from(slot)))
    }

    /// The application id of a record; `None` for a key this store does not hold.
    pub fn name(&self, record: RecordId) -> Option<&str> {
        self.slot(record.index()).map(|s| &*s.id)
    }

    /// Number of records.
    pub fn len(&self) -> usize {
        self.live
    }

    /// Whether there are no records.
    pub fn is_empty(&self) -> bool {
        self.live == 0
    }

    /// How many writes made this version: 0 for an empty store, one more for each write.
    pub fn generation(&self) -> u64 {
        self.generation
    }

    /// The facts of a record.
    pub fn facts(&self, record: RecordId) -> Option<RecordFacts> {
        let s = self.slot(record.index())?;
        Some(slot_facts(record, s))
    }

    /// The shares of a record, in the order they were added.
    pub fn shares_of(&self, record: RecordId) -> &[ShareFact] {
        self.extra(record).map_or(&[], |e| &e.shares)
    }

    /// The parent links of a record.
    pub fn parents_of(&self, record: RecordId) -> &[ParentFact] {
        self.extra(record).map_or(&[], |e| &e.parents)
    }

    /// The records of `table`, in no particular order: the cost follows the size of that
    /// table, not of the store.
    pub fn records_of(&self, table: TableId) -> impl Iterator<Item = RecordId> + '_ {
        self.by_table.keys(table.0).map(|k| RecordId(u64::from(k)))
    }

    /// Number of records of `table`.
    pub fn count_of(&self, table: TableId) -> usize {
        self.by_table.len(table.0)
    }

    /// The slots of `table`'s records, in key order.
    pub(crate) fn table_slots(&self, table: u32) -> Vec<(RecordId, &Slot)> {
        let mut keys: Vec<u32> = self.by_table.keys(table).collect();
        keys.sort_unstable();
        keys.into_iter()
            .filter_map(|k| Some((RecordId(u64::from(k)), self.slot(k as usize)?)))
            .collect()
    }

    /// Every record, in key order.
    pub fn iter(&self) -> impl Iterator<Item = (RecordId, &str)> + '_ {
        self.slots
            .iter()
            .enumerate()
            .filter_map(|(i, s)| Some((RecordId(i as u64), &*s.as_ref()?.id)))
    }

    /// Every record's slot, in key order.
    pub(crate) fn slots(&self) -> impl Iterator<Item = (RecordId, &Slot)> + '_ {
        self.slots
            .iter()
            .enumerate()
            .filter_map(|(i, s)| Some((RecordId(i as u64), s.as_ref()?)))
    }

    #[inline]
    pub(crate) fn slot(&self, index: usize) -> Option<&Slot> {
        self.slots.get(index)?.as_ref()
    }

    #[inline]
    pub(crate) fn info(&self, record: RecordId) -> Option<&RecordInfo> {
        self.slot(record.index()).map(|s| &s.info)
    }

    #[inline]
    fn extra(&self, record: RecordId) -> Option<&Extra> {
        self.slot(record.index())?.extra.as_deref()
    }

    /// Heap bytes held by this version: `(structure, id_text)`, where `structure` is the slots,
    /// the id index, shares and parent links (nodes shared with other versions counted as if
    /// owned) and `id_text` the bytes of the record ids themselves.
    ///
    /// ```
    /// use accessgate::dataverse::*;
    /// let mut model = DataverseModel::default();
    /// model.business_units.push(BusinessUnitDef::root("contoso"));
    /// model.tables.push(TableDef::user_owned("account"));
    /// model.users.push(UserDef::new("bob", "contoso"));
    /// let policy = model.build()?;
    /// let (account, bob) = (policy.table_id("account").ok_or("account")?, policy.user_id("bob").ok_or("bob")?);
    ///
    /// let store = RecordStore::new();
    /// store.insert("account-1", &RecordFacts::owned_by(RecordId::new(0), account, RecordOwner::User(bob)))?;
    /// let (structure, id_text) = store.snapshot().memory();
    /// assert_eq!(id_text, "account-1".len());
    /// assert!(structure > 0);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn memory(&self) -> (usize, usize) {
        self.heap_bytes()
    }

    /// Heap bytes held (shared nodes counted as if owned), and the bytes of id text.
    pub(crate) fn heap_bytes(&self) -> (usize, usize) {
        let text: usize = self.slots.iter().flatten().map(|s| s.id.len()).sum();
        let extra: usize = self
            .slots
            .iter()
            .flatten()
            .filter_map(|s| s.extra.as_deref())
            .map(|e| {
                std::mem::size_of::<Extra>()
                    + e.shares.capacity() * std::mem::size_of::<ShareFact>()
                    + e.parents.capacity() * std::mem::size_of::<ParentFact>()
            })
            .sum();
        // Each `Arc<str>` allocation holds two counters beside the text.
        let arc_headers = self.live * 2 * std::mem::size_of::<usize>();
        (
            self.slots.heap_bytes()
                + self.index.heap_bytes()
                + self.by_table.heap_bytes()
                + self.free.heap_bytes()
                + extra
                + arc_headers,
            text,
        )
    }

    // ----- writes (applied by the store's writer to its working copy) -----

    pub(crate) fn insert(&mut self, id: &str, facts: &RecordFacts) -> Result<RecordId, StoreError> {
        if id.is_empty() {
            return Err(StoreError::EmptyId);
        }
        if self.id(id).is_some() {
            return Err(StoreError::DuplicateRecord { id: id.into() });
        }
        if self.live >= RECORD_LIMIT {
            return Err(StoreError::Full {
                limit: RECORD_LIMIT,
            });
        }
        let info = facts.raw_info();
        if info.table >= TABLE_KEY_LIMIT {
            return Err(StoreError::TableOutOfRange { table: facts.table });
        }
        let mut slot = Slot {
            info,
            active: facts.active,
            table_position: 0,
            id: id.into(),
            extra: extra_of(Vec::new(), facts.parents.to_vec()),
        };
        let index = self.free.pop().unwrap_or(self.slots.len() as u32);
        slot.table_position = self.by_table.add(info.table, index);
        if index as usize == self.slots.len() {
            self.slots.push(Some(slot));
        } else {
            self.slots.set(index as usize, Some(slot));
        }
        self.index.insert(self.hasher.hash_one(id), index);
        self.live += 1;
        self.generation += 1;
        Ok(RecordId(u64::from(index)))
    }

    /// Replaces a record's owner, unit, state and parents; its shares stay.
    pub(crate) fn update(
        &mut self,
        record: RecordId,
        facts: &RecordFacts,
    ) -> Result<(), StoreError> {
        let info = facts.raw_info();
        if info.table >= TABLE_KEY_LIMIT {
            return Err(StoreError::TableOutOfRange { table: facts.table });
        }
        let mut slot = self.existing(record)?.clone();
        if slot.info.table != info.table {
            let key = record.0 as u32;
            if let Some(moved) = self.by_table.remove(slot.info.table, slot.table_position) {
                slot_position(&mut self.slots, moved, slot.table_position);
            }
            slot.table_position = self.by_table.add(info.table, key);
        }
        slot.info = info;
        slot.active = facts.active;
        let shares = slot
            .extra
            .as_ref()
            .map(|e| e.shares.clone())
            .unwrap_or_default();
        slot.extra = extra_of(shares, facts.parents.to_vec());
        self.slots.set(record.index(), Some(slot));
        self.generation += 1;
        Ok(())
    }

    pub(crate) fn delete(&mut self, record: RecordId) -> Result<(), StoreError> {
        let existing = self.existing(record)?;
        let (id, table, position) = (
            existing.id.clone(),
            existing.info.table,
            existing.table_position,
        );
        self.index
            .remove(self.hasher.hash_one(&*id), record.0 as u32);
        self.slots.set(record.index(), None);
        if let Some(moved) = self.by_table.remove(table, position) {
            slot_position(&mut self.slots, moved, position);
        }
        self.free.push(record.0 as u32);
        self.live -= 1;
        self.generation += 1;
        Ok(())
    }

    pub(crate) fn add_share(
        &mut self,
        record: RecordId,
        share: ShareFact,
    ) -> Result<(), StoreError> {
        if share.rights.is_empty() || share.rights.contains(Privilege::CREATE) {
            return Err(StoreError::BadShareRights {
                rights: share.rights,
            });
        }
        self.edit_shares(record, |shares| {
            // One row per (principal, origin), as in PrincipalObjectAccess: a second share adds
            // rights to the first.
            match shares
                .iter_mut()
                .find(|s| s.with == share.with && s.inherited_from == share.inherited_from)
            {
                Some(existing) => existing.rights |= share.rights,
                None => shares.push(share),
            }
            true
        })
    }

    pub(crate) fn remove_share(
        &mut self,
        record: RecordId,
        with: SharedWith,
    ) -> Result<(), StoreError> {
        self.edit_shares(record, |shares| {
            let before = shares.len();
            shares.retain(|s| !(s.with == with && s.inherited_from.is_none()));
            shares.len() != before
        })
    }

    fn edit_shares(
        &mut self,
        record: RecordId,
        edit: impl FnOnce(&mut Vec<ShareFact>) -> bool,
    ) -> Result<(), StoreError> {
        let mut slot = self.existing(record)?.clone();
        let (mut shares, parents) = match slot.extra.take() {
            Some(e) => {
                let e = Arc::unwrap_or_clone(e);
                (e.shares, e.parents)
            }
            None => (Vec::new(), Vec::new()),
        };
        let changed = edit(&mut shares);
        slot.extra = extra_of(shares, parents);
        self.slots.set(record.index(), Some(slot));
        if !changed {
            return Err(StoreError::UnknownShare);
        }
        self.generation += 1;
        Ok(())
    }

    fn existing(&self, record: RecordId) -> Result<&Slot, StoreError> {
        self.slot(record.index())
            .ok_or(StoreError::UnknownRecord { record })
    }
}

/// Records where `key`'s record sits in its table's list.
fn slot_position(slots: &mut PVec<Option<Slot>>, key: u32, position: u32) {
    slots.update(key as usize, |slot| {
        if let Some(slot) = slot {
            slot.table_position = position;
        }
    });
}

fn extra_of(shares: Vec<ShareFact>, parents: Vec<ParentFact>) -> Option<Arc<Extra>> {
    (!shares.is_empty() || !parents.is_empty()).then(|| Arc::new(Extra { shares, parents }))
}

pub(crate) fn slot_facts(record: RecordId, s: &Slot) -> RecordFacts {
    use crate::dataverse::configuration::policy::{BusinessUnitId, TeamId, UserId};
    let owner = match s.info.owner {
        Owner::User(u) => RecordOwner::User(UserId(u)),
        Owner::Team(t) => RecordOwner::Team(TeamId(t)),
        Owner::Organization => RecordOwner::Organization,
    };
    let mut facts = RecordFacts::owned_by(record, TableId(s.info.table), owner);
    facts.owning_unit =
        (s.info.owning_unit != NO_UNIT).then_some(BusinessUnitId(s.info.owning_unit));
    facts.active = s.active;
    facts.parents = s
        .extra
        .as_ref()
        .map(|e| e.parents.iter().copied().collect())
        .unwrap_or_default();
    facts
}

impl ShareSource for Records {
    fn shares(
        &self,
        record: RecordId,
        visit: &mut dyn FnMut(ShareFact) -> ControlFlow<()>,
    ) -> ControlFlow<()> {
        for &share in self.shares_of(record) {
            visit(share)?;
        }
        ControlFlow::Continue(())
    }

    fn record(&self, record: RecordId) -> Option<RecordFacts> {
        self.facts(record)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dataverse::configuration::policy::UserId;

    fn facts(table: u32) -> RecordFacts {
        RecordFacts::owned_by(
            RecordId::new(0),
            TableId(table),
            RecordOwner::User(UserId(0)),
        )
    }

    fn listed(records: &Records, table: u32) -> Vec<String> {
        let mut names: Vec<String> = records
            .records_of(TableId(table))
            .filter_map(|r| records.name(r).map(str::to_owned))
            .collect();
        names.sort();
        names
    }

    /// Inserts, deletes (swap-removes from the middle), slot reuse and table moves keep each
    /// table's list exact; an older version keeps its lists.
    #[test]
    fn table_lists_follow_writes() -> Result<(), StoreError> {
        let mut records = Records::default();
        let mut keys = Vec::new();
        for i in 0..100u32 {
            keys.push(records.insert(&format!("r{i}"), &facts(i % 3))?);
        }
        let before = records.clone();
        for i in (0..100).step_by(4) {
            records.delete(keys[i])?;
        }
        records.insert("new", &facts(1))?;
        records.update(keys[1], &facts(2))?;
        for table in 0..3u32 {
            let mut expected: Vec<String> = (0..100u32)
                .filter(|i| i % 4 != 0)
                .filter(|&i| if i == 1 { table == 2 } else { i % 3 == table })
                .map(|i| format!("r{i}"))
                .collect();
            if table == 1 {
                expected.push("new".into());
            }
            expected.sort();
            assert_eq!(listed(&records, table), expected, "table {table}");
            assert_eq!(records.count_of(TableId(table)), expected.len());
        }
        assert_eq!(before.count_of(TableId(0)), 34);
        assert_eq!(
            records.insert("far", &facts(TABLE_KEY_LIMIT)),
            Err(StoreError::TableOutOfRange {
                table: TableId(TABLE_KEY_LIMIT)
            })
        );
        Ok(())
    }
}
