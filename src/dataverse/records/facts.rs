//! What a decision needs to know about a record, given by the application or read from a store.

use std::ops::ControlFlow;

use smallvec::SmallVec;

use crate::core::Privilege;
use crate::dataverse::configuration::policy::{
    BusinessUnitId, Owner, RecordInfo, SharedWith, TableId, TeamId, UserId, NO_UNIT,
};

/// A record's key.
///
/// Records are not part of the compiled configuration, so their keys are not dense indices of
/// a policy: a [`RecordStore`](super::RecordStore) (and the records of a model document, which
/// load into one) hands out a key per record it holds, valid while the record exists; an
/// application that decides from [`RecordFacts`] and its own [`ShareSource`] uses its own 64-bit
/// keys (a `bigint` primary key, a row number), and gets them back in reasons
/// ([`RecordReason::Shared`](crate::dataverse::RecordReason::Shared)'s `inherited_from`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RecordId(pub(crate) u64);

impl RecordId {
    /// A key chosen by the application.
    pub const fn new(key: u64) -> Self {
        RecordId(key)
    }

    /// The key.
    pub const fn get(self) -> u64 {
        self.0
    }

    /// The key as an index (a store's slot).
    #[inline]
    pub fn index(self) -> usize {
        usize::try_from(self.0).unwrap_or(usize::MAX)
    }
}

/// Who owns a record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RecordOwner {
    /// A user.
    User(UserId),
    /// An owner team (access teams cannot own records, R4.2).
    Team(TeamId),
    /// Nobody: the record belongs to an organization-owned table (R2.8).
    Organization,
}

/// A parent record through a relationship: shares of the parent may cascade to the record
/// (R5.8).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct ParentFact {
    /// The relationship, from [`DataversePolicy::relationship_id`](crate::dataverse::DataversePolicy::relationship_id).
    pub relationship: crate::dataverse::RelationshipId,
    /// The parent record.
    pub record: RecordId,
}

impl ParentFact {
    /// Parent `record` through `relationship`.
    pub fn new(relationship: crate::dataverse::RelationshipId, record: RecordId) -> Self {
        ParentFact {
            relationship,
            record,
        }
    }
}

/// The facts of one record that a decision reads: its table, owner, owning business unit,
/// state and parent links.
///
/// ```
/// use accessgate::dataverse::*;
///
/// let mut model = DataverseModel::default();
/// model.business_units.push(BusinessUnitDef::root("contoso"));
/// model.tables.push(TableDef::user_owned("account"));
/// model.users.push(UserDef::new("bob", "contoso"));
/// let policy = model.build()?;
///
/// let bob = policy.user_id("bob").ok_or("no bob")?;
/// let account = policy.table_id("account").ok_or("no account")?;
/// let facts = RecordFacts::owned_by(RecordId::new(42), account, RecordOwner::User(bob));
/// assert_eq!(facts.owning_unit, None); // the owner's unit
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct RecordFacts {
    /// The record's key.
    pub id: RecordId,
    /// Its table.
    pub table: TableId,
    /// Its owner.
    pub owner: RecordOwner,
    /// Its owning business unit; `None` means the owner's unit. Another unit is valid only in
    /// matrix mode (R2.7, R3.7).
    pub owning_unit: Option<BusinessUnitId>,
    /// Active (for "Cascade Active" relationships, R5.8).
    pub active: bool,
    /// Parent links, where cascaded shares matter.
    pub parents: SmallVec<[ParentFact; 2]>,
}

impl RecordFacts {
    /// An active record of `table` owned by `owner` in the owner's unit, with no parents.
    pub fn owned_by(id: RecordId, table: TableId, owner: RecordOwner) -> Self {
        RecordFacts {
            id,
            table,
            owner,
            owning_unit: None,
            active: true,
            parents: SmallVec::new(),
        }
    }

    /// The same facts in another owning business unit.
    pub fn in_business_unit(mut self, unit: BusinessUnitId) -> Self {
        self.owning_unit = Some(unit);
        self
    }

    /// The same facts, inactive.
    pub fn inactive(mut self) -> Self {
        self.active = false;
        self
    }

    /// Table, owner and owning unit in the layout a decision reads; the unit is `NO_UNIT`
    /// ("the owner's") until the configuration resolves it.
    pub(crate) fn raw_info(&self) -> RecordInfo {
        RecordInfo {
            table: self.table.0,
            owner: match self.owner {
                RecordOwner::User(u) => Owner::User(u.0),
                RecordOwner::Team(t) => Owner::Team(t.0),
                RecordOwner::Organization => Owner::Organization,
            },
            owning_unit: self.owning_unit.map_or(NO_UNIT, |b| b.0),
        }
    }

    /// The same facts with one more parent link.
    pub fn with_parent(mut self, parent: ParentFact) -> Self {
        self.parents.push(parent);
        self
    }
}

/// One share of a record (a row of Dataverse's PrincipalObjectAccess table).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct ShareFact {
    /// Who the record is shared with.
    pub with: SharedWith,
    /// The rights granted (never Create, never empty).
    pub rights: Privilege,
    /// For a share the application already cascaded from a parent (PrincipalObjectAccess's
    /// inherited rights), the record it came from; `None` for a direct share.
    pub inherited_from: Option<RecordId>,
}

impl ShareFact {
    /// A direct share with `with`, granting `rights`.
    pub fn new(with: SharedWith, rights: Privilege) -> Self {
        ShareFact {
            with,
            rights,
            inherited_from: None,
        }
    }

    /// The same share, cascaded by the application from parent record `parent` (`None`: a
    /// direct share).
    #[must_use]
    pub fn inherited_from(mut self, parent: Option<RecordId>) -> Self {
        self.inherited_from = parent;
        self
    }
}

/// Where the shares of a record, and the facts of its ancestors, come from.
///
/// An application implements it over its own share table (object, principal, rights, and the
/// record a share was inherited from) and record table; [`Records`](super::Records) implements it
/// over the in-memory store. A decision asks for the shares of the record itself and, to find
/// cascaded shares (R5.8), walks the record's parent links, asking for each parent's facts and
/// shares, up to [`DataverseOptions::cascade_depth`](crate::dataverse::DataverseOptions::cascade_depth)
/// levels.
pub trait ShareSource {
    /// Calls `visit` for each share of `record` until it breaks; returns whether it broke.
    fn shares(
        &self,
        record: RecordId,
        visit: &mut dyn FnMut(ShareFact) -> ControlFlow<()>,
    ) -> ControlFlow<()>;

    /// The facts of `record`, if the source knows it (needed only for records that are parents
    /// of others).
    fn record(&self, record: RecordId) -> Option<RecordFacts>;
}

/// A source with no shares and no records: decisions by ownership and levels only.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoShares;

impl ShareSource for NoShares {
    fn shares(
        &self,
        _record: RecordId,
        _visit: &mut dyn FnMut(ShareFact) -> ControlFlow<()>,
    ) -> ControlFlow<()> {
        ControlFlow::Continue(())
    }

    fn record(&self, _record: RecordId) -> Option<RecordFacts> {
        None
    }
}
