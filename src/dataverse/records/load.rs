//! Loading a model document's `records` and `shares` into a [`Records`] version.

use crate::core::Privilege;
use crate::dataverse::configuration::compile::lookup;
use crate::dataverse::configuration::error::{EntityKind, ModelError};
use crate::dataverse::configuration::model::{DataverseModel, PrincipalRef, ShareTarget};
use crate::dataverse::configuration::policy::{
    BusinessUnitId, Configuration, RelationshipId, SharedWith, TableId, TeamId, UserId,
};

use super::facts::{ParentFact, RecordFacts, RecordId, RecordOwner, ShareFact};
use super::snapshot::Records;
use super::StoreError;

/// The document's records and shares, validated against the configuration.
///
/// INVARIANT: record `i` of the document gets key `i` (a fresh version, inserts in order, no
/// deletes); column shares rely on it.
pub(crate) fn load(m: &DataverseModel, config: &Configuration) -> Result<Records, ModelError> {
    let mut records = Records::default();
    for r in &m.records {
        let facts = record_facts(r, config)?;
        records
            .insert(&r.id, &facts)
            .map_err(|e| store_error(e, &r.id))?;
    }
    parents(m, config, &mut records)?;
    shares(m, config, &mut records)?;
    Ok(records)
}

fn store_error(e: StoreError, id: &str) -> ModelError {
    match e {
        StoreError::EmptyId => ModelError::EmptyId {
            kind: EntityKind::Record,
        },
        StoreError::Full { limit } => ModelError::TooMany {
            kind: EntityKind::Record,
            count: limit + 1,
            limit,
        },
        StoreError::IdTooLong { length, limit } => ModelError::TooLarge {
            what: "record_id_bytes",
            count: length,
            limit,
        },
        StoreError::TableOutOfRange { table } => ModelError::TooMany {
            kind: EntityKind::Table,
            count: table.index() + 1,
            limit: super::TABLE_KEY_LIMIT as usize,
        },
        StoreError::DuplicateRecord { .. }
        | StoreError::UnknownRecord { .. }
        | StoreError::UnknownShare
        | StoreError::BadShareRights { .. } => ModelError::DuplicateId {
            kind: EntityKind::Record,
            id: id.into(),
        },
    }
}

fn record_facts(
    r: &crate::dataverse::configuration::model::RecordDef,
    config: &Configuration,
) -> Result<RecordFacts, ModelError> {
    let names = &config.names;
    let referrer = || format!("record `{}`", r.id);
    let table = lookup(&names.tables, EntityKind::Table, &r.table, referrer)?;
    let organization_owned = config
        .tables
        .get(table as usize)
        .is_some_and(|t| t.organization_owned);
    let (owner, owner_unit) = match (&r.owner, organization_owned) {
        (None, true) if r.owning_business_unit.is_none() => (RecordOwner::Organization, None),
        (_, true) => {
            return Err(ModelError::OwnerOnOrganizationTable {
                record: r.id.clone(),
                table: r.table.clone(),
            })
        }
        (None, false) => {
            return Err(ModelError::MissingOwner {
                record: r.id.clone(),
                table: r.table.clone(),
            })
        }
        (Some(PrincipalRef::User(id)), false) => {
            let u = lookup(&names.users, EntityKind::User, id, referrer)?;
            let unit = config.users.get(u as usize).map(|u| u.business_unit);
            (RecordOwner::User(UserId(u)), unit)
        }
        (Some(PrincipalRef::Team(id)), false) => {
            let t = lookup(&names.teams, EntityKind::Team, id, referrer)?;
            let team = config.teams.get(t as usize);
            if !team.is_some_and(|t| t.kind.holds_roles()) {
                return Err(ModelError::OwnedByAccessTeam {
                    record: r.id.clone(),
                    team: id.clone(),
                });
            }
            (RecordOwner::Team(TeamId(t)), team.map(|t| t.business_unit))
        }
    };
    let owning_unit = match &r.owning_business_unit {
        None => owner_unit,
        Some(b) => {
            let unit = lookup(&names.business_units, EntityKind::BusinessUnit, b, referrer)?;
            if !config.options.matrix_mode && Some(unit) != owner_unit {
                return Err(ModelError::OwningBusinessUnitMismatch {
                    record: r.id.clone(),
                    owning: b.clone(),
                    owner_unit: owner_unit
                        .map(|u| names.business_units.name(u).to_owned())
                        .unwrap_or_default(),
                });
            }
            Some(unit)
        }
    };
    let mut facts = RecordFacts::owned_by(RecordId(0), TableId(table), owner);
    facts.owning_unit = owning_unit.map(BusinessUnitId);
    facts.active = r.active;
    Ok(facts)
}

/// Parent links: each names a relationship whose tables are the two records' (R5.8).
fn parents(
    m: &DataverseModel,
    config: &Configuration,
    records: &mut Records,
) -> Result<(), ModelError> {
    let names = &config.names;
    for (c, rec) in m.records.iter().enumerate() {
        if rec.parents.is_empty() {
            continue;
        }
        let child = RecordId(c as u64);
        let Some(mut facts) = records.facts(child) else {
            continue;
        };
        for link in &rec.parents {
            let referrer = || format!("record `{}`", rec.id);
            let rel = lookup(
                &names.relationships,
                EntityKind::Relationship,
                &link.relationship,
                referrer,
            )?;
            let parent = records
                .id(&link.record)
                .ok_or_else(|| ModelError::UnknownReference {
                    kind: EntityKind::Record,
                    id: link.record.clone(),
                    referrer: referrer(),
                })?;
            let ends = config.relationships.get(rel as usize);
            let parent_table = records.info(parent).map(|i| i.table);
            if ends.map(|e| (e.parent_table, e.child_table))
                != Some((parent_table.unwrap_or(u32::MAX), facts.table.0))
            {
                let def = &m.relationships[rel as usize];
                return Err(ModelError::RelationshipTableMismatch {
                    record: rec.id.clone(),
                    table: rec.table.clone(),
                    parent: link.record.clone(),
                    relationship: def.id.clone(),
                    links: format!("`{}` to `{}`", def.parent_table, def.child_table),
                });
            }
            facts.parents.push(ParentFact {
                relationship: RelationshipId(rel),
                record: parent,
            });
        }
        records
            .update(child, &facts)
            .map_err(|e| store_error(e, &rec.id))?;
    }
    Ok(())
}

fn shares(
    m: &DataverseModel,
    config: &Configuration,
    records: &mut Records,
) -> Result<(), ModelError> {
    let names = &config.names;
    for s in &m.shares {
        let record = records
            .id(&s.record)
            .ok_or_else(|| ModelError::UnknownReference {
                kind: EntityKind::Record,
                id: s.record.clone(),
                referrer: "a share".to_owned(),
            })?;
        let organization_owned = records
            .info(record)
            .and_then(|i| config.tables.get(i.table as usize))
            .is_some_and(|t| t.organization_owned);
        if organization_owned {
            return Err(ModelError::ShareOfOrganizationRecord {
                record: s.record.clone(),
            });
        }
        if s.rights.is_empty() || s.rights.contains(Privilege::CREATE) {
            return Err(ModelError::BadShareRights {
                record: s.record.clone(),
                rights: s.rights,
            });
        }
        let referrer = || format!("the share of record `{}`", s.record);
        let with = match &s.with {
            ShareTarget::User(id) => SharedWith::User(UserId(lookup(
                &names.users,
                EntityKind::User,
                id,
                referrer,
            )?)),
            ShareTarget::Team(id) => SharedWith::Team(TeamId(lookup(
                &names.teams,
                EntityKind::Team,
                id,
                referrer,
            )?)),
            ShareTarget::Organization => SharedWith::Organization,
        };
        let share = ShareFact {
            with,
            rights: s.rights,
            inherited_from: None,
        };
        records
            .add_share(record, share)
            .map_err(|e| store_error(e, &s.record))?;
    }
    Ok(())
}
