//! Record decisions over a compiled [`DataversePolicy`]: the algorithm of `dataverse.md` §13.

use crate::core::{AccessLevel, Privilege};

use super::model::RoleInheritance;
use super::policy::*;
use super::reason::{Path, RecordReason, RoleGrant};

/// Bit positions of the privileges a decision looks up by constant.
const CREATE_BIT: usize = Privilege::CREATE.bits().trailing_zeros() as usize;
const READ_BIT: usize = Privilege::READ.bits().trailing_zeros() as usize;

/// The context a grant acts in (R4.5, R4.6): as the user, or as one team.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Context {
    User,
    Team(u32),
}

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
        let Some(u) = self.users.get(user.index()) else {
            return RecordReason::UnknownUser(user);
        };
        let Some(rec) = self.records.get(record.index()) else {
            return RecordReason::UnknownRecord(record);
        };
        let bit = match privilege.index() {
            Some(bit) if privilege != Privilege::CREATE => bit,
            _ => return RecordReason::NotARecordPrivilege(privilege),
        };
        if u.admission != Admission::Admitted {
            return RecordReason::NotAdmitted(u.admission);
        }
        let table_id = TableId(rec.table);
        let Some(table) = self.tables.get(rec.table as usize) else {
            return RecordReason::UnknownRecord(record);
        };
        if !table.applicable.contains(privilege) {
            return RecordReason::PrivilegeDoesNotApply {
                table: table_id,
                privilege,
            };
        }
        if let Some((role, via)) = u.system_administrator {
            return RecordReason::SystemAdministrator {
                role: RoleId(role),
                via,
            };
        }

        let grants = self.user_grants.get(user.0);
        let mut highest = AccessLevel::None;
        for g in grants {
            let Some(level) = self.cell(g.role, rec.table, bit) else {
                continue;
            };
            if level == AccessLevel::None {
                continue;
            }
            highest = highest.max(level);
            let grant = RoleGrant {
                role: RoleId(g.role),
                business_unit: BusinessUnitId(g.anchor),
                level,
                via: g.via,
            };
            if table.organization_owned {
                // R2.8: Organization or nothing; build rejects every other level.
                if level == AccessLevel::Organization {
                    return RecordReason::RoleLevel {
                        grant,
                        path: Path::Organization,
                    };
                }
                continue;
            }
            let context = match g.via {
                Via::Team(t) => Context::Team(t.0),
                Via::Direct | Via::TeamMemberInheritance(_) => Context::User,
            };
            if let Some(path) = self.covers(context, level, g.anchor, user.0, rec) {
                return RecordReason::RoleLevel { grant, path };
            }
            // R4.6: the Basic part of a DirectUser team role acts as if assigned to the member.
            if let Via::Team(t) = g.via {
                if self.roles.get(g.role as usize).map(|r| r.inheritance)
                    == Some(RoleInheritance::DirectUserBasicAndTeam)
                {
                    if let Some(path) = self.owned_in_context(Context::User, user.0, rec) {
                        let grant = RoleGrant {
                            level: AccessLevel::User,
                            via: Via::TeamMemberInheritance(t),
                            ..grant
                        };
                        return RecordReason::RoleLevel { grant, path };
                    }
                }
            }
        }
        if highest == AccessLevel::None {
            return RecordReason::NoPrivilege {
                table: table_id,
                privilege,
            };
        }

        for share in self.record_shares.get(record.0) {
            if !share.rights.contains(privilege) {
                continue;
            }
            if let Some(grant) = self.activating_grant(user.0, share.with, rec.table, bit, grants) {
                return RecordReason::Shared {
                    with: share.with,
                    rights: share.rights,
                    grant,
                };
            }
        }
        RecordReason::OutsideLevels {
            record,
            table: table_id,
            privilege,
            highest,
        }
    }

    /// The ownership part every level includes (R2.3, R2.10, R4.5).
    #[inline]
    fn owned_in_context(&self, context: Context, user: u32, rec: &RecordInfo) -> Option<Path> {
        match (context, rec.owner) {
            (Context::User, Owner::User(o)) if o == user => Some(Path::Owner),
            (Context::User, Owner::Team(t)) => {
                if self.is_member(user, t) {
                    Some(Path::OwningTeam(TeamId(t)))
                } else if self.options.team_administrator_owns
                    && self
                        .teams
                        .get(t as usize)
                        .and_then(|team| team.administrator)
                        == Some(user)
                {
                    Some(Path::TeamAdministrator(TeamId(t)))
                } else {
                    None
                }
            }
            (Context::Team(t), Owner::Team(o)) if o == t => Some(Path::OwningTeam(TeamId(t))),
            (Context::User, Owner::User(_) | Owner::Organization)
            | (Context::Team(_), Owner::User(_) | Owner::Team(_) | Owner::Organization) => None,
        }
    }

    /// Whether a grant at `level` anchored in `anchor`, acting in `context`, reaches `rec`.
    #[inline]
    fn covers(
        &self,
        context: Context,
        level: AccessLevel,
        anchor: u32,
        user: u32,
        rec: &RecordInfo,
    ) -> Option<Path> {
        if let Some(path) = self.owned_in_context(context, user, rec) {
            return Some(path);
        }
        match level {
            AccessLevel::None | AccessLevel::User => None,
            AccessLevel::BusinessUnit => (rec.owning_unit == anchor).then_some(Path::BusinessUnit),
            AccessLevel::ParentChild => self
                .tree
                .contains(anchor, rec.owning_unit)
                .then_some(Path::ParentChild),
            AccessLevel::Organization => Some(Path::Organization),
        }
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
            let (user_context, via, level) = match g.via {
                Via::Direct | Via::TeamMemberInheritance(_) => (true, g.via, level),
                Via::Team(t) if member_inheritance => {
                    (true, Via::TeamMemberInheritance(t), AccessLevel::User)
                }
                Via::Team(_) => (false, g.via, level),
            };
            let team_context = match g.via {
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
    /// Decides whether `user` may create a record of `table` owned by `owner` in `owning_unit`
    /// (absent: the owner's unit), with the reason.
    ///
    /// R2.9: the would-be record must lie inside the reach of some Create grant, measured like an
    /// existing record's; R1.7: the owner must be able to own records of the table. On an
    /// organization-owned table the owner is ignored and Create is on or off (R2.8).
    pub fn check_create(
        &self,
        user: UserId,
        table: TableId,
        owner: PrincipalId,
        owning_unit: Option<BusinessUnitId>,
    ) -> RecordReason {
        let Some(u) = self.users.get(user.index()) else {
            return RecordReason::UnknownUser(user);
        };
        let Some(info) = self.tables.get(table.index()) else {
            return RecordReason::UnknownTable(table);
        };
        if u.admission != Admission::Admitted {
            return RecordReason::NotAdmitted(u.admission);
        }
        let privilege = Privilege::CREATE;
        if !info.applicable.contains(privilege) {
            return RecordReason::PrivilegeDoesNotApply { table, privilege };
        }
        let (phantom_owner, owner_unit) = match owner {
            PrincipalId::User(o) => match self.users.get(o.index()) {
                Some(ou) => (Owner::User(o.0), ou.business_unit),
                None => return RecordReason::UnknownOwner(owner),
            },
            PrincipalId::Team(t) => match self.teams.get(t.index()) {
                Some(team) if team.kind.holds_roles() => (Owner::Team(t.0), team.business_unit),
                Some(_) => return RecordReason::OwnerCannotOwn { owner, table },
                None => return RecordReason::UnknownOwner(owner),
            },
        };
        let unit = match owning_unit {
            None => owner_unit,
            Some(b) if b.index() >= self.names.business_units_len() => {
                return RecordReason::UnknownBusinessUnit(b)
            }
            Some(b) if !self.options.matrix_mode && b.0 != owner_unit => {
                return RecordReason::OwningUnitFixed {
                    requested: b,
                    owner_unit: BusinessUnitId(owner_unit),
                }
            }
            Some(b) => b.0,
        };
        let phantom = if info.organization_owned {
            RecordInfo {
                table: table.0,
                owner: Owner::Organization,
                owning_unit: NO_UNIT,
            }
        } else {
            RecordInfo {
                table: table.0,
                owner: phantom_owner,
                owning_unit: unit,
            }
        };

        let bit = CREATE_BIT;
        let decided = if let Some((role, via)) = u.system_administrator {
            RecordReason::SystemAdministrator {
                role: RoleId(role),
                via,
            }
        } else {
            let mut highest = AccessLevel::None;
            let mut found = None;
            for g in self.user_grants.get(user.0) {
                let Some(level) = self.cell(g.role, table.0, bit) else {
                    continue;
                };
                if level == AccessLevel::None {
                    continue;
                }
                highest = highest.max(level);
                let grant = RoleGrant {
                    role: RoleId(g.role),
                    business_unit: BusinessUnitId(g.anchor),
                    level,
                    via: g.via,
                };
                if info.organization_owned {
                    if level == AccessLevel::Organization {
                        found = Some(RecordReason::RoleLevel {
                            grant,
                            path: Path::Organization,
                        });
                        break;
                    }
                    continue;
                }
                let context = match g.via {
                    Via::Team(t) => Context::Team(t.0),
                    Via::Direct | Via::TeamMemberInheritance(_) => Context::User,
                };
                if let Some(path) = self.covers(context, level, g.anchor, user.0, &phantom) {
                    found = Some(RecordReason::RoleLevel { grant, path });
                    break;
                }
                if let Via::Team(t) = g.via {
                    if self.roles.get(g.role as usize).map(|r| r.inheritance)
                        == Some(RoleInheritance::DirectUserBasicAndTeam)
                    {
                        if let Some(path) = self.owned_in_context(Context::User, user.0, &phantom) {
                            let grant = RoleGrant {
                                level: AccessLevel::User,
                                via: Via::TeamMemberInheritance(t),
                                ..grant
                            };
                            found = Some(RecordReason::RoleLevel { grant, path });
                            break;
                        }
                    }
                }
            }
            match found {
                Some(reason) => reason,
                None if highest == AccessLevel::None => {
                    return RecordReason::NoPrivilege { table, privilege }
                }
                None => return RecordReason::CreateOutsideLevels { table, highest },
            }
        };
        if !info.organization_owned && !self.may_own(owner, table.0) {
            return RecordReason::OwnerCannotOwn { owner, table };
        }
        decided
    }

    /// R1.7 (S14): whether a principal can own records of a table.
    fn may_own(&self, owner: PrincipalId, table: u32) -> bool {
        let read = READ_BIT;
        match owner {
            PrincipalId::User(o) => {
                let grants = self.user_grants.get(o.0);
                let enabled = self.user_enabled.get(o.index()).copied().unwrap_or(false);
                if !enabled && grants.is_empty() {
                    return false;
                }
                if self
                    .users
                    .get(o.index())
                    .and_then(|u| u.system_administrator)
                    .is_some()
                {
                    return true;
                }
                grants.iter().any(|g| {
                    let level = self.cell(g.role, table, read).unwrap_or(AccessLevel::None);
                    let inheritance = self.roles.get(g.role as usize).map(|r| r.inheritance);
                    match (g.via, inheritance) {
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
