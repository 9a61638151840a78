//! What an action's answer is made of: the action, every check it ran ([`Check`]) with its
//! outcome, and the answer in words.
//!
//! Each action is decided by running every check it needs and keeping each outcome, so a deny
//! lists exactly what was missing and an allow lists every path used. The deciding lives in
//! [`decide`](super::decide) and [`access_team`](super::access_team).

use std::fmt;

use crate::core::{AccessLevel, Decision, Privilege};

use crate::dataverse::configuration::policy::*;
use crate::dataverse::evaluation::reason::{RecordReason, RoleGrant};

/// What was asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Action {
    /// Set a lookup on `record` pointing at `target` (1:N association, R1.4), or clear it.
    Associate,
    /// Associate or disassociate two records in an N:N relationship (R1.5).
    AssociateManyToMany,
    /// Give a record a new owner (R1.7, R5.10).
    Assign,
    /// Share a record, or modify a share's rights (R1.8, R5.6).
    Share,
    /// Revoke a share (R5.6: needs Share access like ModifyAccess).
    Revoke,
    /// Run a desktop flow: the minimum privileges of seed 002.
    RunDesktopFlow,
    /// Create a record with lookups to existing records (R1.4, R2.9).
    CreateWithLookups,
    /// Add a user to a record's system-managed access team from a template (R4.9, R4.10).
    JoinAccessTeam,
}

/// One check an action ran, with its outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Check {
    /// A record privilege, decided like a plain record request.
    Record {
        /// The privilege.
        privilege: Privilege,
        /// The record.
        record: RecordId,
        /// The outcome.
        reason: RecordReason,
    },
    /// Create a record of a table (R2.9, R1.7), decided like a create request.
    Create {
        /// The table.
        table: TableId,
        /// The outcome.
        reason: RecordReason,
    },
    /// A privilege on the would-be record of a create (Append, for its lookups: R1.4).
    NewRecord {
        /// The privilege.
        privilege: Privilege,
        /// The table.
        table: TableId,
        /// The outcome.
        reason: RecordReason,
    },
    /// The rights a share grants must be non-empty and exclude Create, as in a model's shares
    /// (R5.1): a share request with other rights fails this check.
    ShareRights {
        /// The rights asked for.
        rights: Privilege,
    },
    /// A14 (when enabled): the owner may share without the Share privilege.
    OwnerShares {
        /// The record.
        record: RecordId,
    },
    /// The new owner must be able to own records of the table (R1.7).
    NewOwner {
        /// The would-be owner.
        owner: PrincipalId,
        /// The table.
        table: TableId,
        /// Whether it can.
        may_own: bool,
    },
    /// A privilege the user must hold on a table at a least level, whatever the record.
    TablePrivilege {
        /// The table's id as the requirement names it.
        table: &'static str,
        /// The privilege.
        privilege: Privilege,
        /// The least level required.
        minimum: AccessLevel,
        /// The highest level held, in user context (`None` when the table is not in the model).
        held: Option<AccessLevel>,
        /// The grant giving the highest level.
        grant: Option<RoleGrant>,
    },
    /// The template must be one of the record's table (R4.9).
    Template {
        /// The template.
        template: crate::dataverse::AccessTeamTemplateId,
        /// The record whose access team it is.
        record: RecordId,
        /// Whether the template's table is the record's.
        table_matches: bool,
    },
    /// The joining user must hold a privilege on the template's table at User (Basic) level or
    /// above, in any context (R4.10): Read always, and every right the template grants.
    JoinerPrivilege {
        /// The joining user.
        member: UserId,
        /// The table.
        table: TableId,
        /// The privilege.
        privilege: Privilege,
        /// The highest level held.
        held: AccessLevel,
        /// The grant giving it.
        grant: Option<RoleGrant>,
    },
}

impl Check {
    /// Whether the check passed.
    pub fn passed(&self) -> bool {
        match self {
            Check::Record { reason, .. }
            | Check::Create { reason, .. }
            | Check::NewRecord { reason, .. } => reason.decision().is_allow(),
            Check::OwnerShares { .. } => true,
            Check::ShareRights { rights } => {
                !rights.is_empty() && !rights.contains(Privilege::CREATE)
            }
            Check::NewOwner { may_own, .. } => *may_own,
            Check::TablePrivilege { minimum, held, .. } => held.is_some_and(|h| h >= *minimum),
            Check::Template { table_matches, .. } => *table_matches,
            Check::JoinerPrivilege { held, .. } => *held >= AccessLevel::User,
        }
    }
}

/// Why an action was allowed or denied: every check it ran.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ActionReason {
    /// The action.
    pub action: Action,
    /// Every check, in the order run.
    pub checks: Vec<Check>,
}

impl ActionReason {
    /// Allow when every check passed.
    pub fn decision(&self) -> Decision {
        if !self.checks.is_empty() && self.checks.iter().all(Check::passed) {
            Decision::Allow
        } else {
            Decision::Deny
        }
    }

    /// `checks_passed`, or the code of the first failing check (`missing_privileges` for a
    /// named privilege set, `owner_cannot_own` for a new owner).
    pub fn code(&self) -> &'static str {
        match self.checks.iter().find(|c| !c.passed()) {
            None if self.checks.is_empty() => "no_checks",
            None => "checks_passed",
            Some(
                Check::Record { reason, .. }
                | Check::Create { reason, .. }
                | Check::NewRecord { reason, .. },
            ) => reason.code(),
            Some(Check::NewOwner { .. }) => "owner_cannot_own",
            Some(Check::TablePrivilege { .. }) => "missing_privileges",
            Some(Check::OwnerShares { .. }) => "checks_passed",
            Some(Check::ShareRights { .. }) => "bad_share_rights",
            Some(Check::Template { .. }) => "template_of_another_table",
            Some(Check::JoinerPrivilege { .. }) => "joiner_lacks_privilege",
        }
    }

    /// The checks that failed.
    pub fn missing(&self) -> impl Iterator<Item = &Check> {
        self.checks.iter().filter(|c| !c.passed())
    }

    /// Every check in words, with names from `policy`.
    pub fn explain<'a>(&'a self, policy: &'a DataversePolicy) -> impl fmt::Display + 'a {
        Explained {
            reason: self,
            policy,
        }
    }
}

struct Explained<'a> {
    reason: &'a ActionReason,
    policy: &'a DataversePolicy,
}

impl fmt::Display for Explained<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let p = self.policy;
        let r = self.reason;
        let failed = r.checks.iter().filter(|c| !c.passed()).count();
        if failed == 0 {
            write!(
                f,
                "allowed: {:?}: all {} check(s) passed",
                r.action,
                r.checks.len()
            )?;
        } else {
            write!(
                f,
                "denied: {:?}: {failed} of {} check(s) missing",
                r.action,
                r.checks.len()
            )?;
        }
        // Missing checks first: they are what the reader needs.
        let ordered = r
            .checks
            .iter()
            .filter(|c| !c.passed())
            .chain(r.checks.iter().filter(|c| c.passed()));
        for c in ordered {
            f.write_str("; ")?;
            let mark = if c.passed() { "ok" } else { "MISSING" };
            match *c {
                Check::Record {
                    privilege,
                    record,
                    reason,
                } => write!(
                    f,
                    "[{mark}] {privilege} on `{}`: {}",
                    p.record_name(record),
                    reason.explain(p)
                )?,
                Check::Create { table, reason } => write!(
                    f,
                    "[{mark}] Create on `{}`: {}",
                    p.table_name(table),
                    reason.explain(p)
                )?,
                Check::NewRecord {
                    privilege,
                    table,
                    reason,
                } => write!(
                    f,
                    "[{mark}] {privilege} on the new `{}` record: {}",
                    p.table_name(table),
                    reason.explain(p)
                )?,
                Check::ShareRights { rights } => write!(
                    f,
                    "[{mark}] share rights `{rights}`: rights must be non-empty and exclude Create"
                )?,
                Check::OwnerShares { record } => write!(
                    f,
                    "[{mark}] owner of `{}` shares it without the Share privilege (A14)",
                    p.record_name(record)
                )?,
                Check::NewOwner {
                    owner,
                    table,
                    may_own,
                } => {
                    let who = match owner {
                        PrincipalId::User(u) => format!("user `{}`", p.user_name(u)),
                        PrincipalId::Team(t) => format!("team `{}`", p.team_name(t)),
                    };
                    let verb = if may_own { "can" } else { "cannot" };
                    write!(
                        f,
                        "[{mark}] new owner {who} {verb} own records of `{}` (R1.7)",
                        p.table_name(table)
                    )?
                }
                Check::TablePrivilege {
                    table,
                    privilege,
                    minimum,
                    held,
                    grant,
                } => {
                    write!(
                        f,
                        "[{mark}] {privilege} on `{table}` at {minimum} level or above"
                    )?;
                    match (held, grant) {
                        (None, _) => f.write_str(": the table is not in the model")?,
                        (Some(_), Some(g)) => write!(
                            f,
                            ": held at {} through role `{}`",
                            g.level,
                            p.role_name(g.role)
                        )?,
                        (Some(_), None) => f.write_str(": not held")?,
                    }
                }
                Check::Template {
                    template,
                    record,
                    table_matches,
                } => {
                    let t = p.access_team_template_name(template);
                    let record = p.record_name(record);
                    match table_matches {
                        true => write!(
                            f,
                            "[{mark}] the access team of template `{t}` on record `{record}` (R4.9)"
                        )?,
                        false => write!(
                            f,
                            "[{mark}] template `{t}` is not a template of the table of record `{record}` (R4.9)"
                        )?,
                    }
                }
                Check::JoinerPrivilege {
                    member,
                    table,
                    privilege,
                    held,
                    grant,
                } => {
                    write!(
                        f,
                        "[{mark}] the joining user `{}` holds {privilege} on `{}` at User level or above (R4.10)",
                        p.user_name(member),
                        p.table_name(table)
                    )?;
                    match grant {
                        Some(g) => write!(f, ": {held} through role `{}`", p.role_name(g.role))?,
                        None => f.write_str(": not held")?,
                    }
                }
            }
        }
        Ok(())
    }
}
