//! Column decisions (R7): a column question answered after the record question.
//!
//! Column security only ever narrows: a column decision first needs the record decision (Read to
//! read a column, Write to update it, Create to create it), and a column permission never grants
//! the record (R7.4).

use std::fmt;

use crate::core::{Decision, Privilege};
use crate::dataverse::configuration::columns::*;
use crate::dataverse::configuration::policy::*;
use crate::dataverse::evaluation::reason::RecordReason;

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
    /// declares its columns ([`TableDef::columns`](crate::dataverse::TableDef::columns)), or any canonical
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
            .is_some_and(|u| u.system_administrator().is_some())
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
