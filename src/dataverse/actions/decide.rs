//! Deciding the actions: associate (1:N and N:N), assign, share and revoke, create with lookups,
//! and the named privilege set to run a desktop flow. Each runs every check the action needs
//! (see [`Check`]) and keeps each outcome.

use crate::core::{AccessLevel, Privilege};

use crate::dataverse::actions::action::{Action, ActionReason, Check};
use crate::dataverse::configuration::model::RoleInheritance;
use crate::dataverse::configuration::policy::*;
use crate::dataverse::evaluation::reason::RoleGrant;

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
        for g in self.users.grants(user.0) {
            let Some(level) = self.cell(g.role, table, bit) else {
                continue;
            };
            let inheritance = self.roles.get(g.role as usize).map(|r| r.inheritance);
            let (level, via) = match (g.via(), inheritance) {
                (Via::Direct | Via::TeamMemberInheritance(_), _) => (level, g.via()),
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
        let (role, via) = u.system_administrator()?;
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
