//! Relationships between records, and shares cascading from parents to children (R5.8).
//!
//! Cascaded shares are materialised when the model is built, as the reference asks ("inherited
//! shares must be materialised at share time, create time and reparent time", §13 notes), and
//! kept apart from direct shares by `inherited_from`: removing the parent's share (and
//! rebuilding) removes exactly the inherited entries, while a child's own share stays (R5.8).

use crate::core::id::Interner;

use super::compile::{intern, lookup};
use super::error::{EntityKind, ModelError};
use super::model::{Cascade, DataverseModel};
use super::policy::{Csr, Owner, RecordInfo, ShareEntry, TableInfo, NO_RECORD};

/// Child records of each record, with the cascade of the linking relationship.
pub(crate) fn children(
    m: &DataverseModel,
    names_tables: &Interner,
    names_records: &Interner,
    records: &[RecordInfo],
) -> Result<Csr<(u32, Cascade)>, ModelError> {
    let relationships = intern(
        EntityKind::Relationship,
        m.relationships.iter().map(|r| r.id.as_str()),
    )?;
    let mut ends = Vec::with_capacity(m.relationships.len());
    for r in &m.relationships {
        let referrer = || format!("relationship `{}`", r.id);
        let parent = lookup(names_tables, EntityKind::Table, &r.parent_table, referrer)?;
        let child = lookup(names_tables, EntityKind::Table, &r.child_table, referrer)?;
        ends.push((parent, child, r.cascade_share));
    }
    let mut pairs = Vec::new();
    for (c, rec) in m.records.iter().enumerate() {
        for link in &rec.parents {
            let referrer = || format!("record `{}`", rec.id);
            let rel = lookup(
                &relationships,
                EntityKind::Relationship,
                &link.relationship,
                referrer,
            )?;
            let parent = lookup(names_records, EntityKind::Record, &link.record, referrer)?;
            let (parent_table, child_table, cascade) = ends[rel as usize];
            if records[c].table != child_table || records[parent as usize].table != parent_table {
                let def = &m.relationships[rel as usize];
                return Err(ModelError::RelationshipTableMismatch {
                    record: rec.id.clone(),
                    table: rec.table.clone(),
                    parent: link.record.clone(),
                    relationship: def.id.clone(),
                    links: format!("`{}` to `{}`", def.parent_table, def.child_table),
                });
            }
            pairs.push((parent, (c as u32, cascade)));
        }
    }
    Ok(Csr::from_rows(records.len(), pairs))
}

/// Adds, for every direct share, an inherited entry on each descendant the cascade reaches.
///
/// Iterative, with a visit stamp per share so a cycle of parent links cannot loop.
pub(crate) fn cascade_shares(
    direct: Vec<(u32, ShareEntry)>,
    children: &Csr<(u32, Cascade)>,
    records: &[RecordInfo],
    active: &[bool],
    tables: &[TableInfo],
) -> Vec<(u32, ShareEntry)> {
    let mut all = direct.clone();
    let mut stamp = vec![u32::MAX; records.len()];
    let mut stack = Vec::new();
    for (n, (root, entry)) in direct.into_iter().enumerate() {
        let n = n as u32;
        let root_owner = records.get(root as usize).map(|r| r.owner);
        stamp[root as usize] = n;
        stack.clear();
        stack.push(root);
        while let Some(parent) = stack.pop() {
            for &(child, cascade) in children.get(parent) {
                let c = child as usize;
                if stamp[c] == n {
                    continue;
                }
                let reaches = match cascade {
                    Cascade::All => true,
                    Cascade::Active => active.get(c).copied().unwrap_or(false),
                    Cascade::UserOwned => {
                        matches!(root_owner, Some(Owner::User(_)))
                            && Some(records[c].owner) == root_owner
                    }
                    Cascade::None => false,
                };
                let shareable = tables
                    .get(records[c].table as usize)
                    .is_some_and(|t| !t.organization_owned);
                if reaches && shareable {
                    stamp[c] = n;
                    all.push((
                        child,
                        ShareEntry {
                            inherited_from: root,
                            ..entry
                        },
                    ));
                    stack.push(child);
                }
            }
        }
    }
    debug_assert!(
        all.iter()
            .all(|(_, e)| e.inherited_from == NO_RECORD
                || (e.inherited_from as usize) < records.len())
    );
    all
}
