//! Column-level security (R7): secured columns, column security profiles and column shares.
//!
//! Column security only ever narrows: a column decision first needs the record decision (Read to
//! read a column, Write to update it, Create to create it), and a column permission never grants
//! the record (R7.4).

use std::fmt;

use crate::core::id::Interner;
use crate::core::{Decision, Privilege};

use crate::dataverse::configuration::compile::{intern, lookup};
use crate::dataverse::configuration::error::{EntityKind, ModelError};
use crate::dataverse::configuration::model::{DataverseModel, PrincipalRef, TeamKind};
use crate::dataverse::configuration::policy::*;
use crate::dataverse::evaluation::reason::RecordReason;

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
    fn bit(self) -> u8 {
        match self {
            ColumnAccess::Read => READ,
            ColumnAccess::Update => UPDATE,
            ColumnAccess::Create => CREATE,
        }
    }
}

const READ: u8 = 1;
const UNMASKED: u8 = 2;
const CREATE: u8 = 4;
const UPDATE: u8 = 8;

/// One profile permission as it reaches a user.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ColumnGrant {
    column: u32,
    bits: u8,
    profile: u32,
    via: Option<u32>,
}

/// One column share.
#[derive(Debug, Clone)]
pub(crate) struct FieldShare {
    column: u32,
    with: PrincipalId,
    bits: u8,
    /// The document record it was made on: a field share applies to a record of another
    /// [`Records`] version only if the key still names that record.
    record: std::sync::Arc<str>,
}

/// The compiled column security.
#[derive(Debug, Clone, Default)]
pub(crate) struct ColumnIndex {
    /// Secured columns, keyed by [`key`]: the table's index and the column name.
    columns: Interner,
    /// The columns of tables that declare them (secured or not), keyed by [`key`].
    declared: Interner,
    /// Whether each table declares its columns.
    declares: Vec<bool>,
    profiles: Interner,
    /// Each user's profile permissions, sorted by column: derived from `direct_grants`, the
    /// user's teams and `team_grants` ([`user_row`]).
    user_grants: Csr<ColumnGrant>,
    /// The permissions of profiles assigned to each user directly.
    direct_grants: Csr<ColumnGrant>,
    /// The permissions of profiles assigned to each team (empty for an access team unless
    /// `column_profiles_through_access_teams`), with `via` the team.
    team_grants: Csr<ColumnGrant>,
    /// Each record's column shares.
    record_shares: Csr<FieldShare>,
}

/// The key of a column: the table's index, `:`, the column name. The index has no `:`, so the
/// first `:` ends it and no two (table, column) pairs share a key, whatever the names hold.
fn key(table: u32, column: &str) -> String {
    format!("{table}:{column}")
}

/// The table index and column name of a [`key`].
fn split_key(key: &str) -> Option<(u32, &str)> {
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

/// Why a column decision came out the way it did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ColumnReason {
    /// Deny: the record decision needed first was a deny (R7.4).
    RecordDenied(RecordReason),
    /// Allow: the column is not secured; the record decision applies.
    NotSecured(RecordReason),
    /// Allow: System Administrators see and change every secured column (R7.3).
    SystemAdministrator(RecordReason),
    /// Allow: a column security profile of the user, or of a team of theirs, allows it (R7.2, R7.8).
    Profile {
        /// The record decision.
        record: RecordReason,
        /// The profile.
        profile: ColumnProfileId,
        /// The team the profile is assigned to, `None` when assigned to the user.
        via: Option<TeamId>,
        /// Read without CanReadUnmasked: the value is masked (R7.5).
        masked: bool,
    },
    /// Allow: the column of this record is shared with the user or a team of theirs (R7.7).
    FieldShare {
        /// The record decision.
        record: RecordReason,
        /// Who it is shared with.
        with: PrincipalId,
    },
    /// Deny: the column is secured and no profile or column share allows this access (R7.3); a
    /// read returns null, a write fails (R7.5, R7.6).
    ColumnDenied {
        /// The column.
        column: ColumnId,
        /// The access asked.
        access: ColumnAccess,
    },
}

impl ColumnReason {
    /// The decision this reason stands for.
    pub fn decision(&self) -> Decision {
        match self {
            ColumnReason::NotSecured(_)
            | ColumnReason::SystemAdministrator(_)
            | ColumnReason::Profile { .. }
            | ColumnReason::FieldShare { .. } => Decision::Allow,
            ColumnReason::RecordDenied(_) | ColumnReason::ColumnDenied { .. } => Decision::Deny,
        }
    }

    /// A stable snake_case code; a record deny keeps the record's code.
    pub fn code(&self) -> &'static str {
        match self {
            ColumnReason::RecordDenied(r) => r.code(),
            ColumnReason::NotSecured(_) => "column_not_secured",
            ColumnReason::SystemAdministrator(_) => "column_system_administrator",
            ColumnReason::Profile { masked: false, .. } => "column_profile",
            ColumnReason::Profile { masked: true, .. } => "column_profile_masked",
            ColumnReason::FieldShare { .. } => "column_shared",
            ColumnReason::ColumnDenied { .. } => "column_denied",
        }
    }

    /// The reason in words, with names from `policy`.
    pub fn explain<'a>(&'a self, policy: &'a DataversePolicy) -> impl fmt::Display + 'a {
        Explained {
            reason: self,
            policy,
        }
    }
}

struct Explained<'a> {
    reason: &'a ColumnReason,
    policy: &'a DataversePolicy,
}

impl fmt::Display for Explained<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let p = self.policy;
        match *self.reason {
            ColumnReason::RecordDenied(r) => write!(f, "{} (column security never grants the record)", r.explain(p)),
            ColumnReason::NotSecured(r) => write!(f, "{}; the column is not secured", r.explain(p)),
            ColumnReason::SystemAdministrator(r) => {
                write!(f, "{}; System Administrators have every secured column", r.explain(p))
            }
            ColumnReason::Profile { record, profile, via, masked } => {
                write!(f, "{}; column security profile `{}`", record.explain(p), p.column_profile_name(profile))?;
                if let Some(t) = via {
                    write!(f, " through team `{}`", p.team_name(t))?;
                }
                if masked {
                    f.write_str(" allows it masked (no CanReadUnmasked)")?;
                } else {
                    f.write_str(" allows it")?;
                }
                Ok(())
            }
            ColumnReason::FieldShare { record, with } => {
                write!(f, "{}; the column of this record is shared with ", record.explain(p))?;
                match with {
                    PrincipalId::User(u) => write!(f, "user `{}`", p.user_name(u)),
                    PrincipalId::Team(t) => write!(f, "team `{}`", p.team_name(t)),
                }
            }
            ColumnReason::ColumnDenied { column, access } => write!(
                f,
                "denied: column `{}` is secured and no column security profile or column share gives {access:?}",
                p.column_name(column)
            ),
        }
    }
}

impl DataversePolicy {
    /// The id of secured column `column` of table `table`; `None` when it is not secured.
    ///
    /// `None` also for a name the table does not have: before deciding on an unsecured column
    /// by id, check [`is_known_column`](Self::is_known_column), as
    /// [`decide_request`](Self::decide_request) does, or a misspelt secured column (`SSN`)
    /// reads as an unsecured one.
    pub fn column_id(&self, table: TableId, column: &str) -> Option<ColumnId> {
        self.columns
            .columns
            .get(&key(table.0, column))
            .map(ColumnId)
    }

    /// Whether `column` may name a column of `table`: a canonical logical name (the
    /// [names rule](crate::dataverse#names)) that the table secures, or declares when it
    /// declares its columns ([`TableDef::columns`](super::TableDef::columns)), or any canonical
    /// name when it does not. A request for any other name is denied as `unknown_column`.
    ///
    /// ```
    /// use accessgate::dataverse::*;
    /// let mut model = DataverseModel::default();
    /// model.business_units.push(BusinessUnitDef::root("contoso"));
    /// let mut account = TableDef::user_owned("account");
    /// account.secured_columns.push("ssn".into());
    /// model.tables.push(account);
    /// let policy = model.build()?;
    /// let account = policy.table_id("account").ok_or("no table")?;
    /// assert!(policy.is_known_column(account, "ssn"));
    /// assert!(policy.is_known_column(account, "name"));
    /// assert!(!policy.is_known_column(account, "SSN"));
    /// assert!(!policy.is_known_column(account, "account.ssn"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn is_known_column(&self, table: TableId, column: &str) -> bool {
        if !crate::dataverse::configuration::names::is_canonical_column(column)
            || table.index() >= self.tables.len()
        {
            return false;
        }
        let k = key(table.0, column);
        self.columns.columns.get(&k).is_some()
            || !self
                .columns
                .declares
                .get(table.index())
                .copied()
                .unwrap_or(false)
            || self.columns.declared.get(&k).is_some()
    }

    /// The `table.column` name of a secured column.
    pub fn column_name(&self, column: ColumnId) -> String {
        match split_key(self.columns.columns.name(column.0)) {
            Some((table, name)) => format!("{}.{name}", self.table_name(TableId(table))),
            None => "?".to_owned(),
        }
    }

    /// The name of a column security profile.
    pub fn column_profile_name(&self, profile: ColumnProfileId) -> &str {
        self.columns.profiles.name(profile.0)
    }

    /// Decides a read or update of a column of an existing record: the record decision first
    /// (Read or Write), then column security (R7). `column` is `None` for a column that is not
    /// secured.
    pub fn check_column(
        &self,
        user: UserId,
        record: RecordId,
        column: Option<ColumnId>,
        access: ColumnAccess,
    ) -> ColumnReason {
        let privilege = match access {
            ColumnAccess::Read => Privilege::READ,
            ColumnAccess::Update => Privilege::WRITE,
            ColumnAccess::Create => Privilege::CREATE,
        };
        if access == ColumnAccess::Create {
            return ColumnReason::RecordDenied(RecordReason::NotARecordPrivilege(privilege));
        }
        let record_reason = self.check(user, privilege, record);
        self.column_after(user, Some(record), record_reason, column, access)
    }

    /// Decides setting a column on a new record of `table` owned by the user (R7.6).
    pub fn check_create_column(
        &self,
        user: UserId,
        table: TableId,
        column: Option<ColumnId>,
    ) -> ColumnReason {
        let record_reason = self.check_create(user, table, PrincipalId::User(user), None);
        self.column_after(user, None, record_reason, column, ColumnAccess::Create)
    }

    fn column_after(
        &self,
        user: UserId,
        record: Option<RecordId>,
        record_reason: RecordReason,
        column: Option<ColumnId>,
        access: ColumnAccess,
    ) -> ColumnReason {
        if !record_reason.decision().is_allow() {
            return ColumnReason::RecordDenied(record_reason);
        }
        let Some(column) = column else {
            return ColumnReason::NotSecured(record_reason);
        };
        if self
            .users
            .get(user.index())
            .is_some_and(|u| u.system_administrator.is_some())
        {
            return ColumnReason::SystemAdministrator(record_reason);
        }
        let bit = access.bit();
        let grants = self.columns.user_grants.get(user.0);
        let start = grants.partition_point(|g| g.column < column.0);
        let mut masked_read = None;
        for g in grants[start..].iter().take_while(|g| g.column == column.0) {
            if g.bits & bit == 0 {
                continue;
            }
            let allow = ColumnReason::Profile {
                record: record_reason,
                profile: ColumnProfileId(g.profile),
                via: g.via.map(TeamId),
                masked: access == ColumnAccess::Read && g.bits & UNMASKED == 0,
            };
            match allow {
                ColumnReason::Profile { masked: true, .. } => {
                    masked_read = masked_read.or(Some(allow))
                }
                _ => return allow,
            }
        }
        if let Some(record) = record {
            let name = self.records.name(record);
            let row = u32::try_from(record.get()).unwrap_or(u32::MAX);
            for s in self.columns.record_shares.get(row) {
                if name != Some(&*s.record) {
                    continue;
                }
                let reaches = match s.with {
                    PrincipalId::User(u) => u == user,
                    PrincipalId::Team(t) => self.is_member(user.0, t.0),
                };
                if s.column == column.0 && s.bits & bit != 0 && reaches {
                    return ColumnReason::FieldShare {
                        record: record_reason,
                        with: s.with,
                    };
                }
            }
        }
        masked_read.unwrap_or(ColumnReason::ColumnDenied { column, access })
    }
}
