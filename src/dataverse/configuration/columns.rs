//! Column security as configuration (R7): secured columns, column security profiles and column
//! shares, compiled into a [`ColumnIndex`] that a column decision reads.
//!
//! Column security only ever narrows: a column decision first needs the record decision (Read to
//! read a column, Write to update it, Create to create it), and a column permission never grants
//! the record (R7.4).

use crate::core::id::Interner;

use crate::dataverse::configuration::compile::{intern, lookup};
use crate::dataverse::configuration::error::{EntityKind, ModelError};
use crate::dataverse::configuration::model::{DataverseModel, PrincipalRef, TeamKind};
use crate::dataverse::configuration::policy::*;

crate::core::id::dense_id!(
    /// A secured column of a compiled [`DataversePolicy`].
    ColumnId
);
crate::core::id::dense_id!(
    /// A column security profile of a compiled [`DataversePolicy`].
    ColumnProfileId
);

/// What is done with a column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum ColumnAccess {
    /// Read the value (needs record Read).
    Read,
    /// Change the value (needs record Write).
    Update,
    /// Set the value on a new record (needs Create).
    Create,
}

impl ColumnAccess {
    pub(crate) fn bit(self) -> u8 {
        match self {
            ColumnAccess::Read => READ,
            ColumnAccess::Update => UPDATE,
            ColumnAccess::Create => CREATE,
        }
    }
}

pub(crate) const READ: u8 = 1;
pub(crate) const UNMASKED: u8 = 2;
pub(crate) const CREATE: u8 = 4;
pub(crate) const UPDATE: u8 = 8;

/// One profile permission as it reaches a user.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ColumnGrant {
    pub(crate) column: u32,
    pub(crate) bits: u8,
    pub(crate) profile: u32,
    pub(crate) via: Option<u32>,
}

/// One column share.
#[derive(Debug, Clone)]
pub(crate) struct FieldShare {
    pub(crate) column: u32,
    pub(crate) with: PrincipalId,
    pub(crate) bits: u8,
    /// The document record it was made on: a field share applies to a record of another
    /// [`Records`] version only if the key still names that record.
    pub(crate) record: std::sync::Arc<str>,
}

/// The compiled column security.
#[derive(Debug, Clone, Default)]
pub(crate) struct ColumnIndex {
    /// Secured columns, keyed by [`key`]: the table's index and the column name.
    pub(crate) columns: Interner,
    /// The columns of tables that declare them (secured or not), keyed by [`key`].
    pub(crate) declared: Interner,
    /// Whether each table declares its columns.
    pub(crate) declares: Vec<bool>,
    pub(crate) profiles: Interner,
    /// Each user's profile permissions, sorted by column: derived from `direct_grants`, the
    /// user's teams and `team_grants` ([`user_row`]).
    pub(crate) user_grants: Csr<ColumnGrant>,
    /// The permissions of profiles assigned to each user directly.
    pub(crate) direct_grants: Csr<ColumnGrant>,
    /// The permissions of profiles assigned to each team (empty for an access team unless
    /// `column_profiles_through_access_teams`), with `via` the team.
    pub(crate) team_grants: Csr<ColumnGrant>,
    /// Each record's column shares.
    pub(crate) record_shares: Csr<FieldShare>,
}

/// The key of a column: the table's index, `:`, the column name. The index has no `:`, so the
/// first `:` ends it and no two (table, column) pairs share a key, whatever the names hold.
pub(crate) fn key(table: u32, column: &str) -> String {
    format!("{table}:{column}")
}

/// The table index and column name of a [`key`].
pub(crate) fn split_key(key: &str) -> Option<(u32, &str)> {
    let (table, column) = key.split_once(':')?;
    Some((table.parse().ok()?, column))
}

pub(crate) fn compile(
    m: &DataverseModel,
    users: &Interner,
    teams: &Interner,
    records: &crate::dataverse::records::Records,
    user_teams: &Csr<u32>,
) -> Result<ColumnIndex, ModelError> {
    let mut columns = Interner::default();
    let mut declared = Interner::default();
    let mut declares = Vec::with_capacity(m.tables.len());
    for (ti, t) in m.tables.iter().enumerate() {
        for c in &t.secured_columns {
            if c.is_empty() {
                return Err(ModelError::EmptyId {
                    kind: EntityKind::Column,
                });
            }
            if columns.insert(&key(ti as u32, c)).is_none() {
                return Err(ModelError::DuplicateId {
                    kind: EntityKind::Column,
                    id: format!("{}.{c}", t.id),
                });
            }
        }
        declares.push(t.columns.is_some());
        for c in t.columns.iter().flatten() {
            if declared.insert(&key(ti as u32, c)).is_none() {
                return Err(ModelError::DuplicateId {
                    kind: EntityKind::Column,
                    id: format!("{}.{c}", t.id),
                });
            }
        }
    }
    let tables: std::collections::HashMap<&str, usize> = m
        .tables
        .iter()
        .enumerate()
        .map(|(i, t)| (t.id.as_str(), i))
        .collect();
    let table_index = |table: &str| tables.get(table).copied();
    let column = |table: &str, col: &str, referrer: String| {
        table_index(table)
            .and_then(|ti| columns.get(&key(ti as u32, col)))
            .ok_or(ModelError::ColumnNotSecured {
                referrer,
                table: table.to_owned(),
                column: col.to_owned(),
            })
    };
    let profiles = intern(
        EntityKind::ColumnProfile,
        m.column_security_profiles.iter().map(|p| p.id.as_str()),
    )?;
    let (mut direct, mut team) = (Vec::new(), Vec::new());
    for (pi, p) in m.column_security_profiles.iter().enumerate() {
        let referrer = || format!("column security profile `{}`", p.id);
        let mut perms = Vec::with_capacity(p.permissions.len());
        for perm in &p.permissions {
            let c = column(&perm.table, &perm.column, referrer())?;
            let mut bits = 0;
            if perm.read {
                bits |= READ;
            }
            if perm.read_unmasked.unwrap_or(perm.read) {
                bits |= UNMASKED;
            }
            if perm.create {
                bits |= CREATE;
            }
            if perm.update {
                bits |= UPDATE;
            }
            perms.push((c, bits));
        }
        for member in &p.members {
            match member {
                PrincipalRef::User(u) => {
                    let u = lookup(users, EntityKind::User, u, referrer)?;
                    direct.extend(perms.iter().map(|&(column, bits)| {
                        (
                            u,
                            ColumnGrant {
                                column,
                                bits,
                                profile: pi as u32,
                                via: None,
                            },
                        )
                    }));
                }
                PrincipalRef::Team(t) => {
                    let t_idx = lookup(teams, EntityKind::Team, t, referrer)?;
                    let access = m
                        .teams
                        .get(t_idx as usize)
                        .is_some_and(|t| t.kind == TeamKind::Access);
                    if access && !m.options.column_profiles_through_access_teams {
                        continue;
                    }
                    team.extend(perms.iter().map(|&(column, bits)| {
                        (
                            t_idx,
                            ColumnGrant {
                                column,
                                bits,
                                profile: pi as u32,
                                via: Some(t_idx),
                            },
                        )
                    }));
                }
            }
        }
    }
    let direct_grants = Csr::from_rows(m.users.len(), direct);
    let team_grants = Csr::from_rows(m.teams.len(), team);
    let mut user_grants = Csr::default();
    for u in 0..m.users.len() as u32 {
        user_grants.push_row(&user_row(
            &direct_grants,
            &team_grants,
            user_teams.get(u),
            u,
        ));
    }

    let mut shares: Vec<(u32, FieldShare)> = Vec::new();
    for f in &m.field_shares {
        let referrer = || format!("the column share of record `{}`", f.record);
        let rec = records
            .id(&f.record)
            .ok_or_else(|| ModelError::UnknownReference {
                kind: EntityKind::Record,
                id: f.record.clone(),
                referrer: referrer(),
            })?;
        // INVARIANT: document record `i` has key `i` (records::load).
        let Some(table) = m.records.get(rec.index()).map(|r| &r.table) else {
            continue;
        };
        let c = column(table, &f.column, referrer())?;
        let with = match &f.with {
            PrincipalRef::User(u) => {
                PrincipalId::User(UserId(lookup(users, EntityKind::User, u, referrer)?))
            }
            PrincipalRef::Team(t) => {
                PrincipalId::Team(TeamId(lookup(teams, EntityKind::Team, t, referrer)?))
            }
        };
        let bits = if f.read { READ | UNMASKED } else { 0 } | if f.update { UPDATE } else { 0 };
        shares.push((
            rec.index() as u32,
            FieldShare {
                column: c,
                with,
                bits,
                record: f.record.as_str().into(),
            },
        ));
    }
    let record_shares = Csr::from_rows(m.records.len(), shares);
    Ok(ColumnIndex {
        columns,
        declared,
        declares,
        profiles,
        user_grants,
        direct_grants,
        team_grants,
        record_shares,
    })
}

/// A user's column grants: their own profiles' and their teams' (in team order), sorted by
/// column and then profile, so the first grant of a column is from the first profile that
/// gives it.
fn user_row(
    direct: &Csr<ColumnGrant>,
    team: &Csr<ColumnGrant>,
    teams: &[u32],
    user: u32,
) -> Vec<ColumnGrant> {
    let mut row: Vec<ColumnGrant> = direct.get(user).to_vec();
    for &t in teams {
        row.extend_from_slice(team.get(t));
    }
    row.sort_by_key(|g| (g.column, g.profile));
    row
}

impl ColumnIndex {
    /// Bytes held on the heap (the shares' record ids counted per share).
    pub(crate) fn heap_bytes(&self) -> usize {
        let share_ids: usize = (0..self.record_shares.rows() as u32)
            .flat_map(|r| self.record_shares.get(r))
            .map(|s| s.record.len() + 2 * std::mem::size_of::<usize>())
            .sum();
        self.columns.heap_bytes()
            + self.declared.heap_bytes()
            + self.declares.capacity()
            + self.profiles.heap_bytes()
            + self.user_grants.heap_bytes()
            + self.direct_grants.heap_bytes()
            + self.team_grants.heap_bytes()
            + self.record_shares.heap_bytes()
            + share_ids
    }

    /// Re-derives a user's column grants after their teams changed.
    pub(crate) fn rederive_user(&mut self, user: u32, teams: &[u32]) {
        let row = user_row(&self.direct_grants, &self.team_grants, teams, user);
        self.user_grants.set_row(user, &row);
    }

    /// Room for one more user, with no profile of their own.
    pub(crate) fn push_user(&mut self) {
        self.direct_grants.push_row(&[]);
        self.user_grants.push_row(&[]);
    }
}
