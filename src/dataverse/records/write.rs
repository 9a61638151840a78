//! Writes to a [`Records`] version, and replaying them on the store's other version.
//!
//! Each write is checked first and applied second, so a refused write changes nothing. The
//! change it made is returned as an [`Op`]: the store keeps the ops of its last transaction and
//! applies them again to its other version, which is one transaction behind (see
//! [`RecordStore`](super::RecordStore)). An op carries everything its replay needs (the id's
//! hash, the facts), so a replay neither checks nor hashes again, and it takes the id text from
//! the newer version by pointer instead of writing it a second time.

use std::sync::Arc;

use smallvec::SmallVec;

use crate::core::Privilege;
use crate::dataverse::configuration::policy::SharedWith;

use super::by_table::TABLE_KEY_LIMIT;
use super::extras::Extra;
use super::facts::{RecordFacts, RecordId, ShareFact};
use super::snapshot::{Records, Stored, Version, EXTRA, RECORD_LIMIT};
use super::texts::ID_BYTES_LIMIT;
use super::StoreError;

/// One applied write, as replayed on the other version.
#[derive(Debug, Clone)]
pub(crate) enum Op {
    Insert {
        hash: u64,
        facts: RecordFacts,
    },
    Update {
        record: RecordId,
        facts: RecordFacts,
    },
    Delete {
        record: RecordId,
        hash: u64,
    },
    Share {
        record: RecordId,
        share: ShareFact,
    },
    Revoke {
        record: RecordId,
        with: SharedWith,
    },
}

/// A copy of `facts` for an op: `SmallVec`'s `Clone` goes element by element through an
/// iterator, a slice copy does not (most records have no parents to copy at all).
fn copy_facts(facts: &RecordFacts) -> RecordFacts {
    RecordFacts {
        id: facts.id,
        table: facts.table,
        owner: facts.owner,
        owning_unit: facts.owning_unit,
        active: facts.active,
        parents: SmallVec::from_slice(&facts.parents),
    }
}

impl Records {
    /// The slot of an existing record.
    fn existing(&self, record: RecordId) -> Result<Stored, StoreError> {
        match self.v.slots.get(record.index()) {
            Some(s) if s.is_live() => Ok(*s),
            _ => Err(StoreError::UnknownRecord { record }),
        }
    }

    pub(crate) fn insert(
        &mut self,
        id: &str,
        facts: &RecordFacts,
    ) -> Result<(RecordId, Op), StoreError> {
        if id.is_empty() {
            return Err(StoreError::EmptyId);
        }
        if id.len() > ID_BYTES_LIMIT {
            return Err(StoreError::IdTooLong {
                length: id.len(),
                limit: ID_BYTES_LIMIT,
            });
        }
        let hash = self.hash(id);
        if self.id_hashed(id, hash).is_some() {
            return Err(StoreError::DuplicateRecord { id: id.into() });
        }
        if self.v.live >= RECORD_LIMIT {
            return Err(StoreError::Full {
                limit: RECORD_LIMIT,
            });
        }
        if facts.table.0 >= TABLE_KEY_LIMIT {
            return Err(StoreError::TableOutOfRange { table: facts.table });
        }
        let op = Op::Insert {
            hash,
            facts: copy_facts(facts),
        };
        let slot = self.apply(&op, Some(id));
        Ok((RecordId(u64::from(slot)), op))
    }

    /// Replaces a record's owner, unit, state and parents; its shares stay.
    pub(crate) fn update(
        &mut self,
        record: RecordId,
        facts: &RecordFacts,
    ) -> Result<Op, StoreError> {
        if facts.table.0 >= TABLE_KEY_LIMIT {
            return Err(StoreError::TableOutOfRange { table: facts.table });
        }
        self.existing(record)?;
        let op = Op::Update {
            record,
            facts: copy_facts(facts),
        };
        self.apply(&op, None);
        Ok(op)
    }

    pub(crate) fn delete(&mut self, record: RecordId) -> Result<Op, StoreError> {
        self.existing(record)?;
        let id = self.v.texts.get(record.index()).unwrap_or_default();
        let op = Op::Delete {
            record,
            hash: self.hash(id),
        };
        self.apply(&op, Some(""));
        Ok(op)
    }

    pub(crate) fn add_share(
        &mut self,
        record: RecordId,
        share: ShareFact,
    ) -> Result<Op, StoreError> {
        if share.rights.is_empty() || share.rights.contains(Privilege::CREATE) {
            return Err(StoreError::BadShareRights {
                rights: share.rights,
            });
        }
        self.existing(record)?;
        let op = Op::Share { record, share };
        self.apply(&op, None);
        Ok(op)
    }

    pub(crate) fn remove_share(
        &mut self,
        record: RecordId,
        with: SharedWith,
    ) -> Result<Op, StoreError> {
        self.existing(record)?;
        if !self
            .shares_of(record)
            .iter()
            .any(|s| s.with == with && s.inherited_from.is_none())
        {
            return Err(StoreError::UnknownShare);
        }
        let op = Op::Revoke { record, with };
        self.apply(&op, None);
        Ok(op)
    }

    /// Applies `op`, which `newer` (this version plus the ops being replayed) has applied
    /// already: the same change, with the id text taken from `newer`.
    pub(crate) fn replay(&mut self, op: &Op, newer: &Records) {
        let v = Arc::make_mut(&mut self.v);
        let slot = v.apply(op, None);
        if matches!(op, Op::Insert { .. } | Op::Delete { .. }) {
            v.texts.catch_up(slot as usize, &newer.v.texts);
        }
    }

    /// A copy sharing no node with `self` but the id blocks (which no write changes in place).
    pub(crate) fn deep_clone(&self) -> Records {
        let v = &*self.v;
        Records {
            v: Arc::new(Version {
                slots: v.slots.deep_clone_with(&|s| *s),
                texts: v.texts.share_all(),
                extras: v.extras.deep_clone(),
                index: v.index.deep_clone(),
                by_table: v.by_table.deep_clone(),
                hasher: v.hasher.clone(),
                free: v.free.deep_clone_with(&|&k| k),
                live: v.live,
                generation: v.generation,
            }),
        }
    }

    /// [`Version::apply`] on this version, copying it first if a reader holds it.
    fn apply(&mut self, op: &Op, text: Option<&str>) -> u32 {
        Arc::make_mut(&mut self.v).apply(op, text)
    }
}

impl Version {
    /// Applies a checked op; `text` is the id to write for an insert (`""` to clear it for a
    /// delete), `None` to leave the ids alone. Returns the slot written.
    fn apply(&mut self, op: &Op, text: Option<&str>) -> u32 {
        self.generation += 1;
        match op {
            Op::Insert { hash, facts } => self.insert(*hash, facts, text),
            Op::Update { record, facts } => {
                self.update(*record, facts);
                record.0 as u32
            }
            Op::Delete { record, hash } => {
                self.delete(*record, *hash, text);
                record.0 as u32
            }
            Op::Share { record, share } => {
                let has =
                    self.extras.edit(record.index(), |e| {
                        // One row per (principal, origin), as in PrincipalObjectAccess: a second
                        // share adds rights to the first.
                        match e.shares.iter_mut().find(|s| {
                            s.with == share.with && s.inherited_from == share.inherited_from
                        }) {
                            Some(existing) => existing.rights |= share.rights,
                            None => e.shares.push(*share),
                        }
                    });
                self.set_extra_flag(*record, has);
                record.0 as u32
            }
            Op::Revoke { record, with } => {
                let has = self.extras.edit(record.index(), |e| {
                    e.shares
                        .retain(|s| !(s.with == *with && s.inherited_from.is_none()));
                });
                self.set_extra_flag(*record, has);
                record.0 as u32
            }
        }
    }

    fn insert(&mut self, hash: u64, facts: &RecordFacts, text: Option<&str>) -> u32 {
        let info = facts.raw_info();
        let key = self.free.pop().unwrap_or(self.slots.len() as u32);
        let position = self.by_table.add(info.table, key);
        let mut stored = Stored::new(info, position, facts.active);
        if !facts.parents.is_empty() {
            let parents = facts.parents.to_vec();
            let shares = SmallVec::new();
            if self
                .extras
                .edit(key as usize, |e| *e = Extra { shares, parents })
            {
                stored.flags |= EXTRA;
            }
        }
        if key as usize == self.slots.len() {
            self.slots.push(stored);
        } else {
            self.slots.set(key as usize, stored);
        }
        if let Some(id) = text {
            self.texts.set(key as usize, id);
        }
        self.index.insert(hash, key);
        self.live += 1;
        key
    }

    fn update(&mut self, record: RecordId, facts: &RecordFacts) {
        let (key, index) = (record.0 as u32, record.index());
        let Some(&old) = self.slots.get(index) else {
            return;
        };
        let Some(old_info) = old.info() else {
            return;
        };
        let info = facts.raw_info();
        let mut position = old.position;
        if old_info.table != info.table {
            if let Some(moved) = self.by_table.remove(old_info.table, position) {
                self.slots.update(moved as usize, |s| s.position = position);
            }
            position = self.by_table.add(info.table, key);
        }
        let mut stored = Stored::new(info, position, facts.active);
        let mut has_extra = old.flags & EXTRA != 0;
        if has_extra || !facts.parents.is_empty() {
            let parents = facts.parents.to_vec();
            has_extra = self.extras.edit(index, |e| e.parents = parents);
        }
        if has_extra {
            stored.flags |= EXTRA;
        }
        self.slots.set(index, stored);
    }

    fn delete(&mut self, record: RecordId, hash: u64, text: Option<&str>) {
        let (key, index) = (record.0 as u32, record.index());
        let Some(&old) = self.slots.get(index) else {
            return;
        };
        let Some(info) = old.info() else {
            return;
        };
        self.index.remove(hash, key);
        self.slots.set(index, Stored::FREE);
        let position = old.position;
        if let Some(moved) = self.by_table.remove(info.table, position) {
            self.slots.update(moved as usize, |s| s.position = position);
        }
        if old.flags & EXTRA != 0 {
            self.extras.edit(index, |e| *e = Extra::default());
        }
        if let Some(id) = text {
            self.texts.set(index, id);
        }
        self.free.push(key);
        self.live -= 1;
    }

    fn set_extra_flag(&mut self, record: RecordId, has: bool) {
        // Most shares go to a record that has one already: read before writing.
        if self
            .slots
            .get(record.index())
            .is_some_and(|s| (s.flags & EXTRA != 0) == has)
        {
            return;
        }
        self.slots.update(record.index(), |s| {
            s.flags = if has {
                s.flags | EXTRA
            } else {
                s.flags & !EXTRA
            };
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dataverse::configuration::policy::{TableId, UserId};
    use crate::dataverse::records::facts::RecordOwner;

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
            keys.push(records.insert(&format!("r{i}"), &facts(i % 3))?.0);
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
            records.insert("far", &facts(TABLE_KEY_LIMIT)).err(),
            Some(StoreError::TableOutOfRange {
                table: TableId(TABLE_KEY_LIMIT)
            })
        );
        Ok(())
    }
}
