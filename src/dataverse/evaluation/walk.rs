//! Finding the shares that reach a record: its own, and those cascading from its ancestors
//! (R5.8), walked at decision time instead of materialised per child.
//!
//! A share on record `P` reaches a descendant `T` when some path of parent links leads from `P`
//! down to `T` and every hop lets it through, judged on the hop's child `C`:
//!
//! | relationship cascade | the hop passes when |
//! |---|---|
//! | `all` | always |
//! | `active` | `C` is active |
//! | `user_owned` | `P` is owned by a user and `C` by the same user |
//! | `none` | never |
//!
//! and `C`'s table is not organization-owned. The walk starts at `T` and goes up, carrying the
//! owner that `user_owned` hops demand of `P`, at most `cascade_depth` hops and
//! [`VISIT_LIMIT`] ancestors; when it stops at a bound it says so, and a decision that found
//! nothing else denies as [`CascadeLimit`](crate::dataverse::RecordReason::CascadeLimit) rather than
//! claiming the record is out of reach.

use std::ops::ControlFlow;

use smallvec::SmallVec;

use crate::dataverse::configuration::model::Cascade;
use crate::dataverse::configuration::policy::{DataversePolicy, Owner, RecordInfo};
use crate::dataverse::records::{
    ParentFact, RecordFacts, RecordId, RecordOwner, ShareFact, ShareSource,
};

/// The most ancestors one decision visits.
pub const VISIT_LIMIT: usize = 256;

/// A record as the walk reads it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct RecordView<'a> {
    pub(crate) id: RecordId,
    /// Table, owner and owning unit as given (the unit maybe `NO_UNIT`: the owner's).
    pub(crate) raw: RecordInfo,
    pub(crate) active: bool,
    pub(crate) parents: &'a [ParentFact],
    /// Known to have no share and no parent link (a store record without extras), so there is
    /// nothing to walk: the source need not be asked.
    pub(crate) unshared: bool,
}

/// How a walk ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Walk {
    /// Every share that reaches the record was visited.
    Complete,
    /// The visitor stopped it.
    Stopped,
    /// A bound cut it short: shares of more distant ancestors were not visited.
    Truncated,
}

/// One ancestor waiting to be walked from.
struct Pending {
    facts: RecordFacts,
    /// The owner a `user_owned` hop below demands of the share's record.
    demanded: Option<u32>,
    depth: u8,
}

impl DataversePolicy {
    /// Visits the shares reaching `record`: its own (with `inherited`, also those the source
    /// already cascaded), then, with `inherited`, those of ancestors that cascade to it, each
    /// with `inherited_from` naming the ancestor.
    pub(crate) fn walk_shares(
        &self,
        record: &RecordView<'_>,
        resolved: &RecordInfo,
        source: &dyn ShareSource,
        inherited: bool,
        visit: &mut dyn FnMut(ShareFact) -> ControlFlow<()>,
    ) -> Walk {
        if record.unshared || !self.shareable(resolved.table) {
            return Walk::Complete;
        }
        let own = source.shares(record.id, &mut |share| {
            if !inherited && share.inherited_from.is_some() {
                return ControlFlow::Continue(());
            }
            visit(share)
        });
        if own.is_break() {
            return Walk::Stopped;
        }
        if !inherited || record.parents.is_empty() {
            return Walk::Complete;
        }
        let mut truncated = false;
        let mut visited: SmallVec<[(RecordId, Option<u32>); 8]> = SmallVec::new();
        let mut pending: SmallVec<[Pending; 4]> = SmallVec::new();
        let mut child = (
            *resolved,
            record.active,
            record
                .parents
                .iter()
                .copied()
                .collect::<SmallVec<[ParentFact; 2]>>(),
            None,
            0u8,
        );
        loop {
            let (info, active, parents, demanded, depth) = &child;
            for link in parents {
                let Some(rel) = self.relationships.get(link.relationship.index()) else {
                    continue;
                };
                if rel.child_table != info.table {
                    continue;
                }
                let demanded = match (rel.cascade, info.owner) {
                    (Cascade::All, _) => *demanded,
                    (Cascade::Active, _) if *active => *demanded,
                    (Cascade::UserOwned, Owner::User(u)) if demanded.is_none_or(|d| d == u) => {
                        Some(u)
                    }
                    (Cascade::Active | Cascade::UserOwned | Cascade::None, _) => continue,
                };
                if *depth >= self.options.cascade_depth || visited.len() >= VISIT_LIMIT {
                    truncated = true;
                    continue;
                }
                if visited.contains(&(link.record, demanded)) || link.record == record.id {
                    continue;
                }
                visited.push((link.record, demanded));
                let Some(parent) = source.record(link.record) else {
                    continue;
                };
                if parent.table.0 != rel.parent_table {
                    continue;
                }
                let owner_fits = match (demanded, parent.owner) {
                    (None, _) => true,
                    (Some(d), RecordOwner::User(u)) => u.0 == d,
                    (Some(_), RecordOwner::Team(_) | RecordOwner::Organization) => false,
                };
                if owner_fits {
                    let from = parent.id;
                    let theirs = source.shares(from, &mut |share| match share.inherited_from {
                        // Rows the source cascaded to the parent come from further up; the walk
                        // reaches their origin itself.
                        Some(_) => ControlFlow::Continue(()),
                        None => visit(ShareFact {
                            inherited_from: Some(from),
                            ..share
                        }),
                    });
                    if theirs.is_break() {
                        return Walk::Stopped;
                    }
                }
                pending.push(Pending {
                    facts: parent,
                    demanded,
                    depth: depth + 1,
                });
            }
            let next = loop {
                match pending.pop() {
                    Some(n) if self.shareable(n.facts.table.0) => break Some(n),
                    Some(_) => continue,
                    None => break None,
                }
            };
            let Some(next) = next else { break };
            // The walk reads only the table and owner; the unit stays unresolved.
            let info = next.facts.raw_info();
            child = (
                info,
                next.facts.active,
                next.facts.parents,
                next.demanded,
                next.depth,
            );
        }
        if truncated {
            Walk::Truncated
        } else {
            Walk::Complete
        }
    }

    /// Whether records of a table can be shared at all (not organization-owned, R2.8).
    fn shareable(&self, table: u32) -> bool {
        self.tables
            .get(table as usize)
            .is_some_and(|t| !t.organization_owned)
    }

    /// Every share reaching a record of the policy's records (direct first), for the
    /// administration tools.
    pub(crate) fn shares_reaching(&self, record: RecordId) -> Vec<ShareFact> {
        let mut out = Vec::new();
        let Some(slot) = self.records.slot(record.index()) else {
            return out;
        };
        let Ok(resolved) = self.resolved(&slot.info) else {
            return out;
        };
        let view = RecordView {
            id: record,
            raw: slot.info,
            active: slot.active,
            parents: slot.extra.map_or(&[], |e| &e.parents),
            unshared: slot.extra.is_none(),
        };
        self.walk_shares(&view, &resolved, &self.records, true, &mut |share| {
            out.push(share);
            ControlFlow::Continue(())
        });
        out
    }
}
