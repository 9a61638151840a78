//! Actions made of several checks: associate, assign, share, and the named privilege sets.
//!
//! Each action is decided by running every check it needs and keeping each outcome, so a deny
//! lists exactly what was missing and an allow lists every path used.

use std::fmt;

use crate::core::{AccessLevel, Decision, Privilege};

use crate::dataverse::configuration::model::RoleInheritance;
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

/// The minimum privileges to run a desktop flow (seed 002, "Basic" = User level).
pub const DESKTOP_FLOW_REQUIREMENTS: [(&str, Privilege); 10] = [
    ("flowsession", Privilege::APPEND),
    ("flowsession", Privilege::APPEND_TO),
    ("flowsession", Privilege::CREATE),
    ("flowsession", Privilege::WRITE),
    ("workflowbinary", Privilege::APPEND),
    ("workflowbinary", Privilege::APPEND_TO),
    ("workflowbinary", Privilege::CREATE),
    ("workflowbinary", Privilege::WRITE),
    ("workflow", Privilege::READ),
    ("desktopflowbinary", Privilege::READ),
];

impl DataversePolicy {
    fn record_check(&self, user: UserId, privilege: Privilege, record: RecordId) -> Check {
        Check::Record {
            privilege,
            record,
            reason: self.check(user, privilege, record),
        }
    }

    /// A 1:N association: Append on `record` (the one whose lookup changes), Append To on
    /// `target`, and with A8 (default) Write on `record` (R1.4, R1.6).
    pub fn check_associate(
        &self,
        user: UserId,
        record: RecordId,
        target: RecordId,
    ) -> ActionReason {
        let mut checks = vec![
            self.record_check(user, Privilege::APPEND, record),
            self.record_check(user, Privilege::APPEND_TO, target),
        ];
        if self.options.strict_dependencies {
            checks.push(self.record_check(user, Privilege::WRITE, record));
        }
        ActionReason {
            action: Action::Associate,
            checks,
        }
    }

    /// An N:N association or disassociation: Append on both records (R1.5); with A3, Append To
    /// on both too.
    pub fn check_associate_many(
        &self,
        user: UserId,
        first: RecordId,
        second: RecordId,
    ) -> ActionReason {
        let mut checks = vec![
            self.record_check(user, Privilege::APPEND, first),
            self.record_check(user, Privilege::APPEND, second),
        ];
        if self.options.many_to_many_requires_append_to {
            checks.push(self.record_check(user, Privilege::APPEND_TO, first));
            checks.push(self.record_check(user, Privilege::APPEND_TO, second));
        }
        ActionReason {
            action: Action::AssociateManyToMany,
            checks,
        }
    }

    /// Assign `record` to `new_owner`: Assign access (with A8, also Write and Read), and the new
    /// owner must be able to own records of the table (R1.7, R5.10).
    pub fn check_assign(
        &self,
        user: UserId,
        record: RecordId,
        new_owner: PrincipalId,
    ) -> ActionReason {
        let mut checks = vec![self.record_check(user, Privilege::ASSIGN, record)];
        if self.options.strict_dependencies {
            checks.push(self.record_check(user, Privilege::WRITE, record));
            checks.push(self.record_check(user, Privilege::READ, record));
        }
        if let Some(rec) = self.records.info(record) {
            let table = TableId(rec.table);
            let may_own = match new_owner {
                PrincipalId::User(u) => {
                    u.index() < self.users.len() && self.may_own(new_owner, rec.table)
                }
                PrincipalId::Team(t) => {
                    self.teams
                        .get(t.index())
                        .is_some_and(|team| team.kind.holds_roles())
                        && self.may_own(new_owner, rec.table)
                }
            };
            checks.push(Check::NewOwner {
                owner: new_owner,
                table,
                may_own,
            });
        }
        ActionReason {
            action: Action::Assign,
            checks,
        }
    }

    /// Share `record` granting `rights`, or revoke a share (`revoke`): Share access and Read
    /// (R1.8, R5.6); with A4, every granted right too. With A14, the owner needs no Share
    /// privilege.
    pub fn check_share(
        &self,
        user: UserId,
        record: RecordId,
        rights: Privilege,
        revoke: bool,
    ) -> ActionReason {
        let mut checks = Vec::with_capacity(5);
        if !revoke {
            checks.push(Check::ShareRights { rights });
        }
        let share = self.check(user, Privilege::SHARE, record);
        let owner_override = self.options.owner_shares_without_privilege
            && !share.decision().is_allow()
            && self.is_owner(user, record);
        if owner_override {
            checks.push(Check::OwnerShares { record });
        } else {
            checks.push(Check::Record {
                privilege: Privilege::SHARE,
                record,
                reason: share,
            });
        }
        checks.push(self.record_check(user, Privilege::READ, record));
        if self.options.sharer_must_hold_rights && !revoke {
            for right in rights.iter() {
                if right != Privilege::SHARE && right != Privilege::READ {
                    checks.push(self.record_check(user, right, record));
                }
            }
        }
        ActionReason {
            action: if revoke {
                Action::Revoke
            } else {
                Action::Share
            },
            checks,
        }
    }

    /// Create a record of `table` that points at `targets` through lookups: the create itself
    /// (R2.9, R1.7), Append reaching the new record, and Append To on each target (R1.4:
    /// "creating a child record with a required parent needs Append on the child table and Append
    /// To on the parent").
    pub fn check_create_with_lookups(
        &self,
        user: UserId,
        table: TableId,
        owner: PrincipalId,
        owning_unit: Option<BusinessUnitId>,
        targets: &[RecordId],
    ) -> ActionReason {
        let mut checks = Vec::with_capacity(2 + targets.len());
        checks.push(Check::Create {
            table,
            reason: self.check_create(user, table, owner, owning_unit),
        });
        let append = match self.new_record(table, owner, owning_unit) {
            Ok((phantom, _)) => self.new_record_privilege(user, Privilege::APPEND, &phantom),
            Err(reason) => reason,
        };
        checks.push(Check::NewRecord {
            privilege: Privilege::APPEND,
            table,
            reason: append,
        });
        for &target in targets {
            checks.push(self.record_check(user, Privilege::APPEND_TO, target));
        }
        ActionReason {
            action: Action::CreateWithLookups,
            checks,
        }
    }

    /// The minimum privileges to run a desktop flow (seed 002): each at User level or above,
    /// held directly or through a member-inheritance team role. Lists every missing privilege.
    pub fn check_desktop_flow_run(&self, user: UserId) -> ActionReason {
        let checks = DESKTOP_FLOW_REQUIREMENTS
            .iter()
            .map(|&(table, privilege)| {
                let (held, grant) = match self.names.tables.get(table) {
                    None => (None, None),
                    Some(t) => {
                        let best = self.best_user_context_grant(user, t, privilege);
                        (Some(best.map_or(AccessLevel::None, |g| g.level)), best)
                    }
                };
                Check::TablePrivilege {
                    table,
                    privilege,
                    minimum: AccessLevel::User,
                    held,
                    grant,
                }
            })
            .collect();
        ActionReason {
            action: Action::RunDesktopFlow,
            checks,
        }
    }

    /// The highest-level grant of a privilege on a table that acts for the user personally:
    /// direct roles, and member-inheritance team roles at User level (R4.6). A System
    /// Administrator holds everything at Organization level.
    fn best_user_context_grant(
        &self,
        user: UserId,
        table: u32,
        privilege: Privilege,
    ) -> Option<RoleGrant> {
        let bit = privilege.index()?;
        if let Some(all) = self.system_administrator_grant(user) {
            return Some(all);
        }
        let mut best: Option<RoleGrant> = None;
        for g in self.user_grants.get(user.0) {
            let Some(level) = self.cell(g.role, table, bit) else {
                continue;
            };
            let inheritance = self.roles.get(g.role as usize).map(|r| r.inheritance);
            let (level, via) = match (g.via, inheritance) {
                (Via::Direct | Via::TeamMemberInheritance(_), _) => (level, g.via),
                (Via::Team(t), Some(RoleInheritance::DirectUserBasicAndTeam))
                    if level > AccessLevel::None =>
                {
                    (AccessLevel::User, Via::TeamMemberInheritance(t))
                }
                (Via::Team(_), _) => continue,
            };
            if level > best.map_or(AccessLevel::None, |b| b.level) {
                best = Some(RoleGrant {
                    role: RoleId(g.role),
                    business_unit: BusinessUnitId(g.anchor),
                    level,
                    via,
                });
            }
        }
        best
    }

    /// For a System Administrator (R8.1), the role that makes them one, as a grant of every
    /// privilege at Organization level in their own unit.
    pub(crate) fn system_administrator_grant(&self, user: UserId) -> Option<RoleGrant> {
        let u = self.users.get(user.index())?;
        let (role, via) = u.system_administrator?;
        Some(RoleGrant {
            role: RoleId(role),
            business_unit: BusinessUnitId(u.business_unit),
            level: AccessLevel::Organization,
            via,
        })
    }

    /// Whether the user owns the record, directly or through a team they are a member of.
    fn is_owner(&self, user: UserId, record: RecordId) -> bool {
        match self.records.info(record).map(|r| r.owner) {
            Some(Owner::User(o)) => o == user.0,
            Some(Owner::Team(t)) => self.is_member(user.0, t),
            Some(Owner::Organization) | None => false,
        }
    }
}
