//! Record decisions over a compiled [`DataversePolicy`]: the algorithm of `dataverse.md` §13.

use crate::core::{AccessLevel, Privilege};

use std::ops::ControlFlow;

use crate::dataverse::configuration::model::RoleInheritance;
use crate::dataverse::configuration::policy::*;
use crate::dataverse::evaluation::reason::{RecordReason, RoleGrant};
use crate::dataverse::evaluation::walk::{RecordView, Walk};
use crate::dataverse::records::{RecordFacts, Records, ShareSource};

/// Bit positions of the privileges a decision looks up by constant.
const READ_BIT: usize = Privilege::READ.bits().trailing_zeros() as usize;

/// The table whose Append To privilege lets a user pick a record's owning unit in matrix mode
/// (R3.7): Dataverse's `businessunit` table.
pub const BUSINESS_UNIT_TABLE: &str = "businessunit";

impl DataversePolicy {
    /// Decides whether `user` may use `privilege` on `record`, with the reason.
    ///
    /// The order is the reference's: environment gate (R8.4), applicability, System
    /// Administrator (R8.1), privilege check (R1.2), then the access paths: ownership and role
    /// levels (R2), shares (R5). Never panics; ids this policy did not hand out deny as unknown.
    ///
    /// ```
    /// use accessgate::dataverse::*;
    /// use accessgate::{AccessLevel, Privilege};
    ///
    /// let mut model = DataverseModel::default();
    /// model.business_units.push(BusinessUnitDef::root("contoso"));
    /// model.business_units.push(BusinessUnitDef::child("sales", "contoso"));
    /// model.tables.push(TableDef::user_owned("account"));
    /// model.roles.push(RoleDef::new("rep").grant("account", Privilege::READ, AccessLevel::User));
    /// model.users.push(UserDef::new("alice", "sales"));
    /// model.users.push(UserDef::new("bob", "sales"));
    /// model.role_assignments.push(RoleAssignmentDef::user("alice", "rep"));
    /// model.records.push(RecordDef::owned_by_user("a1", "account", "alice"));
    /// model.records.push(RecordDef::owned_by_user("b1", "account", "bob"));
    /// let policy = model.build()?;
    ///
    /// let alice = policy.user_id("alice").ok_or("no alice")?;
    /// let own = policy.check(alice, Privilege::READ, policy.record_id("a1").ok_or("no a1")?);
    /// assert!(own.decision().is_allow());
    /// let other = policy.check(alice, Privilege::READ, policy.record_id("b1").ok_or("no b1")?);
    /// assert_eq!(other.code(), "outside_levels");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn check(&self, user: UserId, privilege: Privilege, record: RecordId) -> RecordReason {
        self.check_in(&self.records, user, privilege, record)
    }

    /// Decides on a record of a [`Records`] version (a [`RecordStore`](crate::dataverse::RecordStore)
    /// snapshot), reading its facts and shares there. Like [`check`](Self::check), which is
    /// this on the policy's own records.
    pub fn check_in(
        &self,
        records: &Records,
        user: UserId,
        privilege: Privilege,
        record: RecordId,
    ) -> RecordReason {
        if user.index() >= self.users.len() {
            return RecordReason::UnknownUser(user);
        }
        let Some(slot) = records.slot(record.index()) else {
            return RecordReason::UnknownRecord(record);
        };
        let facts = RecordView {
            id: record,
            raw: slot.info,
            active: slot.active,
            parents: slot.extra.map_or(&[], |e| &e.parents),
            unshared: slot.extra.is_none(),
        };
        self.decide(user, privilege, &facts, records)
    }

    /// Decides on a record the application describes by its facts, with its shares (and its
    /// ancestors' facts, for cascaded shares) from `shares`.
    ///
    /// Invalid facts deny: an unknown table, owner or business unit, an access team as owner
    /// (R4.2), an owner on an organization-owned table or none on another, or in classic mode
    /// an owning unit other than the owner's (R2.7).
    ///
    /// ```
    /// use accessgate::dataverse::*;
    /// use accessgate::{AccessLevel, Privilege};
    ///
    /// let mut model = DataverseModel::default();
    /// model.business_units.push(BusinessUnitDef::root("contoso"));
    /// model.tables.push(TableDef::user_owned("account"));
    /// model.roles.push(RoleDef::new("rep").grant("account", Privilege::READ, AccessLevel::BusinessUnit));
    /// model.users.push(UserDef::new("alice", "contoso"));
    /// model.users.push(UserDef::new("bob", "contoso"));
    /// model.role_assignments.push(RoleAssignmentDef::user("alice", "rep"));
    /// let policy = model.build()?;
    ///
    /// let alice = policy.user_id("alice").ok_or("alice")?;
    /// let bob = policy.user_id("bob").ok_or("bob")?;
    /// let account = policy.table_id("account").ok_or("account")?;
    /// // Row 7 of the application's own account table, owned by bob.
    /// let row = RecordFacts::owned_by(RecordId::new(7), account, RecordOwner::User(bob));
    /// let reason = policy.check_facts(alice, Privilege::READ, &row, &NoShares);
    /// assert_eq!(reason.code(), "role_level");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn check_facts(
        &self,
        user: UserId,
        privilege: Privilege,
        facts: &RecordFacts,
        shares: &dyn ShareSource,
    ) -> RecordReason {
        let raw = facts.raw_info();
        let view = RecordView {
            id: facts.id,
            raw,
            active: facts.active,
            parents: &facts.parents,
            unshared: false,
        };
        self.decide(user, privilege, &view, shares)
    }

    /// The decision of [`check_in`](Self::check_in) and [`check_facts`](Self::check_facts).
    fn decide(
        &self,
        user: UserId,
        privilege: Privilege,
        facts: &RecordView<'_>,
        source: &dyn ShareSource,
    ) -> RecordReason {
        let record = facts.id;
        let Some((u, grants)) = self.users.row(user.0) else {
            return RecordReason::UnknownUser(user);
        };
        let bit = match privilege.index() {
            Some(bit) if privilege != Privilege::CREATE => bit,
            _ => return RecordReason::NotARecordPrivilege(privilege),
        };
        let rec = match self.resolved(&facts.raw) {
            Ok(rec) => rec,
            Err(reason) => return reason,
        };
        let rec = &rec;
        if u.admission() != Admission::Admitted {
            return RecordReason::NotAdmitted(u.admission());
        }
        let table_id = TableId(rec.table);
        let Some(table) = self.tables.get(rec.table as usize) else {
            return RecordReason::UnknownTable(table_id);
        };
        if !table.applicable.contains(privilege) {
            return RecordReason::PrivilegeDoesNotApply {
                table: table_id,
                privilege,
            };
        }
        if let Some((role, via)) = u.system_administrator() {
            return RecordReason::SystemAdministrator {
                role: RoleId(role),
                via,
            };
        }

        let best = match self.reach_with(user, grants, bit, rec) {
            Ok(reason) => return reason,
            Err(None) => {
                return RecordReason::NoPrivilege {
                    table: table_id,
                    privilege,
                }
            }
            Err(Some(best)) => best,
        };
        let highest = best.level;
        let mut shared = None;
        let walk = self.walk_shares(facts, rec, source, true, &mut |share| {
            if !share.rights.contains(privilege) {
                return ControlFlow::Continue(());
            }
            match self.activating_grant(user.0, share.with, rec.table, bit, grants) {
                Some(grant) => {
                    shared = Some(RecordReason::Shared {
                        with: share.with,
                        rights: share.rights,
                        inherited_from: share.inherited_from,
                        grant,
                    });
                    ControlFlow::Break(())
                }
                None => ControlFlow::Continue(()),
            }
        });
        if let Some(reason) = shared {
            return reason;
        }
        if let Some(reason) = self.hierarchy_reach(user, privilege, facts, rec, source, Some(best))
        {
            return reason;
        }
        if walk == Walk::Truncated {
            return RecordReason::CascadeLimit {
                record,
                depth: self.options.cascade_depth,
            };
        }
        RecordReason::OutsideLevels {
            record,
            table: table_id,
            privilege,
            highest,
        }
    }

    /// A record's facts as the configuration reads them: the owning unit filled in, and why
    /// not when the facts do not fit the configuration.
    pub(crate) fn resolved(&self, raw: &RecordInfo) -> Result<RecordInfo, RecordReason> {
        let table = TableId(raw.table);
        let Some(info) = self.tables.get(raw.table as usize) else {
            return Err(RecordReason::UnknownTable(table));
        };
        if info.organization_owned {
            return match (raw.owner, raw.owning_unit) {
                (Owner::Organization, NO_UNIT) => Ok(*raw),
                (Owner::User(u), _) => Err(RecordReason::OwnerCannotOwn {
                    owner: PrincipalId::User(UserId(u)),
                    table,
                }),
                (Owner::Team(t), _) => Err(RecordReason::OwnerCannotOwn {
                    owner: PrincipalId::Team(TeamId(t)),
                    table,
                }),
                (Owner::Organization, unit) => {
                    Err(RecordReason::UnknownBusinessUnit(BusinessUnitId(unit)))
                }
            };
        }
        let owner = match raw.owner {
            Owner::User(u) => PrincipalId::User(UserId(u)),
            Owner::Team(t) => PrincipalId::Team(TeamId(t)),
            Owner::Organization => return Err(RecordReason::MissingOwner { table }),
        };
        let unit = (raw.owning_unit != NO_UNIT).then_some(BusinessUnitId(raw.owning_unit));
        self.new_record(table, owner, unit).map(|(rec, _)| rec)
    }
    /// The first grant of the privilege whose context activates a share to `with` (R5.5, A2, A15).
    fn activating_grant(
        &self,
        user: u32,
        with: SharedWith,
        table: u32,
        bit: usize,
        grants: &[GrantSource],
    ) -> Option<RoleGrant> {
        for g in grants {
            let Some(level) = self.cell(g.role, table, bit) else {
                continue;
            };
            if level == AccessLevel::None {
                continue;
            }
            let member_inheritance = self.roles.get(g.role as usize).map(|r| r.inheritance)
                == Some(RoleInheritance::DirectUserBasicAndTeam);
            // The grant as it activates: a team's DirectUser role activates in user context at Basic.
            let (user_context, via, level) = match g.via() {
                Via::Direct | Via::TeamMemberInheritance(_) => (true, g.via(), level),
                Via::Team(t) if member_inheritance => {
                    (true, Via::TeamMemberInheritance(t), AccessLevel::User)
                }
                Via::Team(_) => (false, g.via(), level),
            };
            let team_context = match g.via() {
                Via::Team(t) => Some(t.0),
                Via::Direct | Via::TeamMemberInheritance(_) => None,
            };
            let activates = match with {
                SharedWith::User(x) => {
                    x.0 == user
                        && (user_context || self.options.team_only_roles_activate_user_shares)
                }
                SharedWith::Team(t) => {
                    self.is_member(user, t.0) && (user_context || team_context == Some(t.0))
                }
                SharedWith::Organization => true,
            };
            if activates {
                return Some(RoleGrant {
                    role: RoleId(g.role),
                    business_unit: BusinessUnitId(g.anchor),
                    level,
                    via,
                });
            }
        }
        None
    }
}

impl DataversePolicy {
    /// Every role grant of `user` (direct or through a team) whose role gives a level other
    /// than None, as `level_of(role)` reads it: a table cell, a miscellaneous privilege.
    pub(crate) fn grants_with_level<'a>(
        &'a self,
        user: UserId,
        level_of: impl Fn(u32) -> Option<AccessLevel> + 'a,
    ) -> impl Iterator<Item = RoleGrant> + 'a {
        self.users.grants(user.0).iter().filter_map(move |g| {
            let level = level_of(g.role).filter(|&l| l != AccessLevel::None)?;
            Some(RoleGrant {
                role: RoleId(g.role),
                business_unit: BusinessUnitId(g.anchor),
                level,
                via: g.via(),
            })
        })
    }

    /// R1.7 (S14): whether a principal can own records of a table.
    pub(crate) fn may_own(&self, owner: PrincipalId, table: u32) -> bool {
        let read = READ_BIT;
        match owner {
            PrincipalId::User(o) => {
                let grants = self.users.grants(o.0);
                let enabled = self.user_enabled.get(o.index()).copied().unwrap_or(false);
                if !enabled && grants.is_empty() {
                    return false;
                }
                if self
                    .users
                    .get(o.index())
                    .and_then(|u| u.system_administrator())
                    .is_some()
                {
                    return true;
                }
                grants.iter().any(|g| {
                    let level = self.cell(g.role, table, read).unwrap_or(AccessLevel::None);
                    let inheritance = self.roles.get(g.role as usize).map(|r| r.inheritance);
                    match (g.via(), inheritance) {
                        (Via::Direct | Via::TeamMemberInheritance(_), _)
                        | (Via::Team(_), Some(RoleInheritance::DirectUserBasicAndTeam)) => {
                            level >= AccessLevel::User
                        }
                        (Via::Team(_), Some(RoleInheritance::TeamPrivilegesOnly) | None) => {
                            level == AccessLevel::Organization
                        }
                    }
                })
            }
            PrincipalId::Team(t) => self.team_roles.get(t.0).iter().any(|&(role, _)| {
                self.roles
                    .get(role as usize)
                    .is_some_and(|r| r.system_administrator)
                    || self.cell(role, table, read).unwrap_or(AccessLevel::None)
                        >= AccessLevel::User
            }),
        }
    }
}
