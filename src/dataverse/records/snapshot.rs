//! [`Records`]: one immutable version of the record store, and how it is read.
//!
//! A version is one `Arc` (so a snapshot costs one reference count) around:
//!
//! * `slots`: a [`PVec`] of 16-byte [`Stored`] slots by key: table, owner and owning unit in
//!   the layout a decision reads, the record's place in its table's list, and two flags;
//! * `texts`: the application ids by slot, in blocks shared with the store's other version
//!   ([`Texts`]);
//! * `extras`: shares and parent links by slot, for the few records that have any
//!   ([`Extras`]);
//! * `index`: application id → slot ([`HashIndex`]); `by_table`: table → keys ([`ByTable`]);
//! * the free slots, for reuse by the next inserts.
//!
//! Writes live in `write.rs`; the store that publishes versions in `store.rs`.

use std::hash::{BuildHasher, RandomState};
use std::ops::ControlFlow;
use std::sync::Arc;

use crate::dataverse::configuration::policy::{Owner, RecordInfo, TableId, NO_UNIT};

use super::by_table::ByTable;
use super::extras::{Extra, Extras};
use super::facts::{ParentFact, RecordFacts, RecordId, RecordOwner, ShareFact, ShareSource};
use super::index::HashIndex;
use super::pvec::PVec;
use super::texts::Texts;

/// `Stored::flags`: the slot holds a record.
const LIVE: u16 = 1;
/// `Stored::flags`: the record is active.
pub(super) const ACTIVE: u16 = 2;
/// `Stored::flags`: the record has shares or parent links in `extras`.
pub(super) const EXTRA: u16 = 4;
/// `Stored::flags`: the owner is a user (`owner` is its key).
const BY_USER: u16 = 8;
/// `Stored::flags`: the owner is a team (`owner` is its key); neither: the organization.
const BY_TEAM: u16 = 16;

/// One slot, 16 bytes: a record's table, owner and owning unit packed (a [`RecordInfo`] is 16
/// bytes alone), its place in its table's list, and flags. All zero: a free slot.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Stored {
    owner: u32,
    /// The owning unit, `NO_UNIT` for the owner's.
    unit: u32,
    /// Where the record's key sits in its table's list ([`ByTable`]).
    pub(super) position: u32,
    /// Below [`TABLE_KEY_LIMIT`](super::TABLE_KEY_LIMIT), which the writes check.
    table: u16,
    pub(super) flags: u16,
}

const _: () = assert!(std::mem::size_of::<Stored>() == 16);

impl Stored {
    pub(super) const FREE: Stored = Stored {
        owner: 0,
        unit: 0,
        position: 0,
        table: 0,
        flags: 0,
    };

    /// A live slot. `info.table` must be below `TABLE_KEY_LIMIT`.
    pub(super) fn new(info: RecordInfo, position: u32, active: bool) -> Stored {
        let (owner, kind) = match info.owner {
            Owner::User(u) => (u, BY_USER),
            Owner::Team(t) => (t, BY_TEAM),
            Owner::Organization => (0, 0),
        };
        Stored {
            owner,
            unit: info.owning_unit,
            position,
            table: info.table as u16,
            flags: LIVE | kind | if active { ACTIVE } else { 0 },
        }
    }

    /// Table, owner and owning unit; `None` for a free slot.
    #[inline]
    pub(super) fn info(self) -> Option<RecordInfo> {
        if self.flags & LIVE == 0 {
            return None;
        }
        let owner = if self.flags & BY_USER != 0 {
            Owner::User(self.owner)
        } else if self.flags & BY_TEAM != 0 {
            Owner::Team(self.owner)
        } else {
            Owner::Organization
        };
        Some(RecordInfo {
            table: u32::from(self.table),
            owner,
            owning_unit: self.unit,
        })
    }

    pub(super) fn is_live(self) -> bool {
        self.flags & LIVE != 0
    }
}

/// A record as a decision reads it (a copy of its slot, and its extra if any).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Slot<'a> {
    pub(crate) info: RecordInfo,
    pub(crate) active: bool,
    pub(crate) extra: Option<&'a Extra>,
}

/// The contents of a version; see the module docs.
#[derive(Debug, Clone)]
pub(super) struct Version {
    pub(super) slots: PVec<Stored>,
    pub(super) texts: Texts,
    pub(super) extras: Extras,
    pub(super) index: HashIndex,
    pub(super) by_table: ByTable,
    /// The same in both of a store's versions, so an id hashes alike in each.
    pub(super) hasher: RandomState,
    /// Deleted slots, reused by the next inserts.
    pub(super) free: PVec<u32>,
    pub(super) live: usize,
    pub(super) generation: u64,
}

impl Default for Version {
    fn default() -> Self {
        Version {
            slots: PVec::default(),
            texts: Texts::default(),
            extras: Extras::default(),
            index: HashIndex::default(),
            by_table: ByTable::default(),
            hasher: RandomState::new(),
            free: PVec::default(),
            live: 0,
            generation: 0,
        }
    }
}

/// One version of a record store: every record (table, owner, owning unit, state, parents) and
/// every share, by record.
///
/// Cheap to clone (one reference count) and immutable: a [`RecordStore`](super::RecordStore)
/// publishes a new `Records` for each write and readers keep the one they took. Keys
/// ([`RecordId`]) are slots, reused after a delete.
#[derive(Debug, Clone, Default)]
pub struct Records {
    pub(super) v: Arc<Version>,
}

/// The most records one store holds: keys are slots below `u32::MAX`.
pub const RECORD_LIMIT: usize = (u32::MAX - 1) as usize;

impl Records {
    /// The key of the record with application id `id`.
    #[inline]
    pub fn id(&self, id: &str) -> Option<RecordId> {
        self.id_hashed(id, self.hash(id))
    }

    /// The hash of an application id in this store (the same in both of its versions).
    #[inline]
    pub(super) fn hash(&self, id: &str) -> u64 {
        self.v.hasher.hash_one(id)
    }

    /// [`id`](Self::id), for an id already hashed.
    #[inline]
    pub(super) fn id_hashed(&self, id: &str, hash: u64) -> Option<RecordId> {
        let v = &*self.v;
        v.index
            .get(hash, |slot| v.texts.get(slot as usize) == Some(id))
            .map(|slot| RecordId(u64::from(slot)))
    }

    /// The application id of a record; `None` for a key this store does not hold.
    pub fn name(&self, record: RecordId) -> Option<&str> {
        self.info(record)?;
        self.v.texts.get(record.index())
    }

    /// Number of records.
    pub fn len(&self) -> usize {
        self.v.live
    }

    /// Whether there are no records.
    pub fn is_empty(&self) -> bool {
        self.v.live == 0
    }

    /// How many writes made this version: 0 for an empty store, one more for each write.
    pub fn generation(&self) -> u64 {
        self.v.generation
    }

    /// The facts of a record.
    pub fn facts(&self, record: RecordId) -> Option<RecordFacts> {
        let s = self.slot(record.index())?;
        Some(slot_facts(record, &s))
    }

    /// The shares of a record, in the order they were added.
    pub fn shares_of(&self, record: RecordId) -> &[ShareFact] {
        self.extra(record.index()).map_or(&[], |e| &e.shares)
    }

    /// The parent links of a record.
    pub fn parents_of(&self, record: RecordId) -> &[ParentFact] {
        self.extra(record.index()).map_or(&[], |e| &e.parents)
    }

    /// The records of `table`, in no particular order: the cost follows the size of that
    /// table, not of the store.
    pub fn records_of(&self, table: TableId) -> impl Iterator<Item = RecordId> + '_ {
        self.v
            .by_table
            .keys(table.0)
            .map(|k| RecordId(u64::from(k)))
    }

    /// Number of records of `table`.
    pub fn count_of(&self, table: TableId) -> usize {
        self.v.by_table.len(table.0)
    }

    /// The slots of `table`'s records, in key order.
    pub(crate) fn table_slots(&self, table: u32) -> Vec<(RecordId, Slot<'_>)> {
        let mut keys: Vec<u32> = self.v.by_table.keys(table).collect();
        keys.sort_unstable();
        keys.into_iter()
            .filter_map(|k| Some((RecordId(u64::from(k)), self.slot(k as usize)?)))
            .collect()
    }

    /// Every record, in key order.
    pub fn iter(&self) -> impl Iterator<Item = (RecordId, &str)> + '_ {
        self.v
            .slots
            .iter()
            .enumerate()
            .filter(|(_, s)| s.is_live())
            .filter_map(|(i, _)| Some((RecordId(i as u64), self.v.texts.get(i)?)))
    }

    /// Every record's slot, in key order.
    pub(crate) fn slots(&self) -> impl Iterator<Item = (RecordId, Slot<'_>)> + '_ {
        (0..self.v.slots.len()).filter_map(|i| Some((RecordId(i as u64), self.slot(i)?)))
    }

    #[inline]
    pub(crate) fn slot(&self, index: usize) -> Option<Slot<'_>> {
        let stored = *self.v.slots.get(index)?;
        Some(Slot {
            info: stored.info()?,
            active: stored.flags & ACTIVE != 0,
            extra: if stored.flags & EXTRA != 0 {
                self.v.extras.get(index)
            } else {
                None
            },
        })
    }

    /// Table, owner and owning unit of a record.
    #[inline]
    pub(crate) fn info(&self, record: RecordId) -> Option<RecordInfo> {
        self.v.slots.get(record.index())?.info()
    }

    #[inline]
    fn extra(&self, index: usize) -> Option<&Extra> {
        let stored = self.v.slots.get(index)?;
        if stored.flags & EXTRA == 0 {
            return None;
        }
        self.v.extras.get(index)
    }

    /// Heap bytes held by this version: `(structure, id_text)`, where `structure` is the slots,
    /// the id index, shares and parent links (nodes shared with other versions counted as if
    /// owned) and `id_text` the bytes of the record ids themselves.
    ///
    /// A [`RecordStore`](super::RecordStore) holds two versions that share their id text;
    /// [`RecordStore::memory`](super::RecordStore::memory) counts both.
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
        self.heap_bytes_beside(None)
    }

    /// As [`heap_bytes`](Self::heap_bytes), not counting the id blocks `other` holds too.
    pub(super) fn heap_bytes_beside(&self, other: Option<&Records>) -> (usize, usize) {
        let v = &*self.v;
        let (text_structure, text) = v.texts.heap_bytes(other.map(|o| &o.v.texts));
        let own = 2 * std::mem::size_of::<usize>() + std::mem::size_of::<Version>();
        (
            own + v.slots.heap_bytes()
                + text_structure
                + v.extras.heap_bytes()
                + v.index.heap_bytes()
                + v.by_table.heap_bytes()
                + v.free.heap_bytes(),
            text,
        )
    }
}

pub(crate) fn slot_facts(record: RecordId, s: &Slot<'_>) -> RecordFacts {
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
