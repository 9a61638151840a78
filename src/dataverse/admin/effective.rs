//! Effective access: everything one user can do, and everyone who can act on one record.
//!
//! Dataverse's own "Check Access" answers for one record at a time (R10.1). An administrator
//! also needs the whole picture: for one user, every table × privilege with the path that gives
//! it ([`DataversePolicy::effective_access`]); for one record, every user that can act on it and
//! why ([`DataversePolicy::record_access`]).
//!
//! # Why a cell is a list of grants, not one level
//!
//! The union of a user's roles is over *(level, anchor business unit, context)* grants, not one
//! "highest level" per privilege (R9.4). Business Unit level anchored in `sales` and Business
//! Unit level anchored in `emea` is not Parent: Child level anywhere; a team-only role at
//! Organization level acts *as the team* and does not reach records the user owns or records
//! shared with the user (R4.5, A2). So each [`CellAccess`] carries every [`Grant`] that gives the
//! privilege, and its [`level`](CellAccess::level) is only a summary: the highest level among
//! them. Whether one record is reachable depends on the grants' anchors and contexts, the
//! record's owner and owning unit, its shares and the hierarchy; ask
//! [`DataversePolicy::check`] (or [`crate::authorize`]) for one record.
//!
//! All the types here implement [`serde::Serialize`] with names (table, role, unit, team and
//! user ids as written in the model), so a service can return them as JSON.

use std::fmt;

use serde::{Serialize, Serializer};

use crate::core::{AccessLevel, Privilege};

use crate::dataverse::configuration::model::{HierarchyModel, RoleInheritance};
use crate::dataverse::configuration::policy::*;
use crate::dataverse::evaluation::reason::RecordReason;

/// How a user holds a role, with names (the serializable form of [`Via`]).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum GrantVia {
    /// Assigned to the user directly.
    Direct,
    /// Assigned to a team the user is a member of (R4.5).
    Team {
        /// The team id.
        team: String,
    },
    /// The Basic (User) part of a "Direct User (Basic) access level and Team privileges" role of
    /// a team the user is a member of, acting as if assigned to the user (R4.6).
    TeamMemberInheritance {
        /// The team id.
        team: String,
    },
}

/// Whom a grant acts as (R4.5, R4.6): the context in which ownership and shares count.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ActsAs {
    /// As the user: records the user owns or a team of theirs owns, shares to the user.
    User,
    /// As the team: records the team owns, shares to the team (R4.5).
    Team {
        /// The team id.
        team: String,
    },
}

/// One role grant of one privilege on one table, as held by a user.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[non_exhaustive]
pub struct Grant {
    /// The level the grant reaches to (R2).
    pub level: AccessLevel,
    /// The business unit the level counts from: the unit the role was assigned in (R3.6), or
    /// the team's unit for a team role (R4.5).
    pub business_unit: String,
    /// Whom the grant acts as.
    pub acts_as: ActsAs,
    /// The role id.
    pub role: String,
    /// Directly, or through which team.
    pub via: GrantVia,
}

/// One privilege of one table for one user: every grant, and the highest level as a summary.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct CellAccess {
    /// The privilege.
    pub privilege: Privilege,
    /// Whether the privilege applies to the table at all (R1.1, R1.9).
    pub applicable: bool,
    /// Summary: the highest level among [`grants`](Self::grants); Organization for a System
    /// Administrator (R8.1); None when the privilege does not apply or the user is not admitted
    /// to the environment (R8.4). **Not** the answer for one record: see [`EffectiveAccess`].
    pub level: AccessLevel,
    /// Every grant of the privilege on the table, in the order the evaluator tries them
    /// (direct roles first, then each team's). Listed even when the user is not admitted, so
    /// an administrator sees what the roles would give once the gate passes.
    pub grants: Vec<Grant>,
}

impl CellAccess {
    /// Whether every grant acts as the user and counts from the user's own business unit, so
    /// the summary [`level`](Self::level) is the whole answer (R9.4: a single highest level is
    /// right only for direct roles in the user's own unit).
    pub fn is_plain(&self, own_business_unit: &str) -> bool {
        self.grants
            .iter()
            .all(|g| g.acts_as == ActsAs::User && g.business_unit == own_business_unit)
    }
}

/// One table for one user: a cell per privilege.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct TableAccess {
    /// The table id.
    pub table: String,
    /// Records are organization-owned: levels are None or Organization only (R2.8).
    pub organization_owned: bool,
    /// The eight privileges, in [`Privilege::EACH`] order (Create first).
    pub privileges: Vec<CellAccess>,
}

impl TableAccess {
    /// The cell of one privilege.
    pub fn cell(&self, privilege: Privilege) -> Option<&CellAccess> {
        self.privileges.iter().find(|c| c.privilege == privilege)
    }
}

/// Who a record is shared with, by name.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ShareWith {
    /// A user id.
    User(String),
    /// A team id.
    Team(String),
    /// Everyone in the organization.
    Organization,
}

/// A share that reaches a user: to the user, to a team of theirs, or to the organization.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct SharedRecord {
    /// The record id.
    pub record: String,
    /// The record's table.
    pub table: String,
    /// Who the share is to.
    pub with: ShareWith,
    /// The rights of the share (R5.1).
    pub rights: Privilege,
    /// The rights the user can actually use: those for which a grant of theirs activates the
    /// share (R5.4, R5.5, A2), all applicable rights for a System Administrator, none when not
    /// admitted.
    pub usable: Privilege,
    /// The parent record whose share cascaded here (R5.8); absent for a direct share.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub inherited_from: Option<String>,
}

/// A record reached through hierarchy security (R6) and by no role level or share.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct HierarchyRecord {
    /// The record id.
    pub record: String,
    /// The record's table.
    pub table: String,
    /// The report whose record it is.
    pub report: String,
    /// How many levels below the user the report sits (1 = direct report).
    pub levels_below: u8,
    /// The privileges the hierarchy gives on it (Read, Write, Append, Append To at most, R6.9).
    pub rights: Privilege,
}

/// A role held by a user: the path behind the grants of the matrix.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[non_exhaustive]
pub struct HeldRole {
    /// The role id.
    pub role: String,
    /// The business unit it was assigned in (its levels' anchor).
    pub business_unit: String,
    /// Directly, or through which team.
    pub via: GrantVia,
    /// The role's member's privilege inheritance (R4.4); matters only through a team.
    pub inheritance: RoleInheritance,
    /// The role is the System Administrator role (R8.1).
    pub system_administrator: bool,
}

/// Everything one user can do: the whole table × privilege matrix with the path of each cell,
/// the shares that reach them, and records reached through hierarchy security.
///
/// Built by [`DataversePolicy::effective_access`]; serializes to JSON with names.
///
/// # Why a cell is a list of grants, not one level
///
/// The union of a user's roles is over *(level, anchor business unit, context)* grants, not one
/// "highest level" per privilege (R9.4). Business Unit level anchored in `sales` and Business
/// Unit level anchored in `emea` is not Parent: Child level anywhere; a team-only role at
/// Organization level acts *as the team* and does not reach records the user owns or records
/// shared with the user (R4.5, A2). So each [`CellAccess`] carries every [`Grant`] that gives
/// the privilege, and its [`level`](CellAccess::level) is only a summary: the highest level
/// among them. Whether one record is reachable depends on the grants' anchors and contexts, the
/// record's owner and owning unit, its shares and the hierarchy; ask
/// [`DataversePolicy::check`] (or [`crate::authorize`]) for one record, or
/// [`DataversePolicy::record_access`] for everyone on one record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct EffectiveAccess {
    /// The user id (`"?"` for an id the policy did not hand out).
    pub user: String,
    /// The user's business unit.
    pub business_unit: String,
    /// Whether the user passes the environment gate (R8.4); `None` for an unknown user id.
    /// Serialized as `admitted`, `disabled`, `unlicensed`, `not_in_security_group`,
    /// `no_security_role` or `unknown_user`.
    #[serde(serialize_with = "ser_admission")]
    pub admission: Option<Admission>,
    /// The System Administrator role that gives the user everything (R8.1), if any.
    pub system_administrator: Option<HeldRole>,
    /// The teams the user is a member of.
    pub teams: Vec<String>,
    /// Every role the user holds, with its unit and path.
    pub roles: Vec<HeldRole>,
    /// Every table of the model, in model order.
    pub tables: Vec<TableAccess>,
    /// Shares to the user, their teams or the organization, per record.
    pub shares: Vec<SharedRecord>,
    /// Records reached only through hierarchy security (R6); empty when it is off.
    pub hierarchy: Vec<HierarchyRecord>,
}

impl EffectiveAccess {
    /// Whether the user passes the environment gate (R8.4).
    pub fn is_admitted(&self) -> bool {
        self.admission == Some(Admission::Admitted)
    }

    /// The row of one table.
    pub fn table(&self, table: &str) -> Option<&TableAccess> {
        self.tables.iter().find(|t| t.table == table)
    }

    /// The cell of one table and privilege.
    pub fn cell(&self, table: &str, privilege: Privilege) -> Option<&CellAccess> {
        self.table(table)?.cell(privilege)
    }

    /// The matrix as a readable table (tables as rows, privileges as columns, the summary level
    /// in each cell), followed by the roles, the cells whose grants the level alone does not
    /// describe, the shares and the hierarchy.
    pub fn to_table(&self) -> impl fmt::Display + '_ {
        MatrixTable(self)
    }
}

/// Who can act on one record and why: the reverse of [`EffectiveAccess`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct RecordAccess {
    /// The record id (`"?"` for an id the policy did not hand out).
    pub record: String,
    /// The record's table.
    pub table: String,
    /// The owner; absent for an organization-owned record.
    pub owner: Option<ShareWith>,
    /// The owning business unit; absent for an organization-owned record.
    pub owning_business_unit: Option<String>,
    /// The record's shares, direct and cascaded (R5.8).
    pub shares: Vec<RecordShare>,
    /// Every user that can use at least one privilege on the record, in model order.
    pub users: Vec<UserOnRecord>,
}

/// One share of a record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct RecordShare {
    /// Who it is shared with.
    pub with: ShareWith,
    /// The rights.
    pub rights: Privilege,
    /// The parent record whose share cascaded here (R5.8).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub inherited_from: Option<String>,
}

/// One user's privileges on a record, each with the reason [`DataversePolicy::check`] gives.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct UserOnRecord {
    /// The user id.
    pub user: String,
    /// Every privilege allowed.
    pub privileges: Privilege,
    /// Why each privilege is allowed, in [`Privilege::EACH`] order.
    pub reasons: Vec<PrivilegeReason>,
}

/// Why one privilege is allowed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct PrivilegeReason {
    /// The privilege.
    pub privilege: Privilege,
    /// The reason code: `role_level`, `shared`, `hierarchy` or `system_administrator`.
    pub code: &'static str,
    /// The reason in words.
    pub explanation: String,
    /// The reason as [`DataversePolicy::check`] returned it.
    #[serde(skip)]
    pub reason: RecordReason,
}

fn ser_admission<S: Serializer>(a: &Option<Admission>, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(admission_name(*a))
}

/// The snake_case name of an admission state; `unknown_user` for `None`.
pub(crate) fn admission_name(a: Option<Admission>) -> &'static str {
    match a {
        None => "unknown_user",
        Some(Admission::Admitted) => "admitted",
        Some(Admission::Disabled) => "disabled",
        Some(Admission::Unlicensed) => "unlicensed",
        Some(Admission::NotInSecurityGroup) => "not_in_security_group",
        Some(Admission::NoSecurityRole) => "no_security_role",
    }
}

impl DataversePolicy {
    fn grant_via(&self, via: Via) -> GrantVia {
        match via {
            Via::Direct => GrantVia::Direct,
            Via::Team(t) => GrantVia::Team {
                team: self.team_name(t).to_owned(),
            },
            Via::TeamMemberInheritance(t) => GrantVia::TeamMemberInheritance {
                team: self.team_name(t).to_owned(),
            },
        }
    }

    pub(crate) fn share_with(&self, with: SharedWith) -> ShareWith {
        match with {
            SharedWith::User(u) => ShareWith::User(self.user_name(u).to_owned()),
            SharedWith::Team(t) => ShareWith::Team(self.team_name(t).to_owned()),
            SharedWith::Organization => ShareWith::Organization,
        }
    }

    fn held_role(&self, g: &GrantSource) -> HeldRole {
        let info = self.roles.get(g.role as usize);
        HeldRole {
            role: self.role_name(RoleId(g.role)).to_owned(),
            business_unit: self.business_unit_name(BusinessUnitId(g.anchor)).to_owned(),
            via: self.grant_via(g.via),
            inheritance: info.map_or(RoleInheritance::DirectUserBasicAndTeam, |r| r.inheritance),
            system_administrator: info.is_some_and(|r| r.system_administrator),
        }
    }

    /// Every grant of one privilege (by bit) on one table, expanded by context as §13's
    /// `grants()` does: a team role acts as the team, and a member-inheritance team role also
    /// acts as the user at User level (R4.5, R4.6).
    fn cell_grants(&self, user: u32, table: u32, bit: usize) -> Vec<Grant> {
        let mut out: Vec<Grant> = Vec::new();
        for g in self.user_grants.get(user) {
            let Some(level) = self.cell(g.role, table, bit) else {
                continue;
            };
            if level == AccessLevel::None {
                continue;
            }
            let role = self.role_name(RoleId(g.role)).to_owned();
            let unit = self.business_unit_name(BusinessUnitId(g.anchor)).to_owned();
            let member_inheritance = self.roles.get(g.role as usize).map(|r| r.inheritance)
                == Some(RoleInheritance::DirectUserBasicAndTeam);
            let mut push = |level, acts_as, via| {
                let grant = Grant {
                    level,
                    business_unit: unit.clone(),
                    acts_as,
                    role: role.clone(),
                    via,
                };
                if !out.contains(&grant) {
                    out.push(grant);
                }
            };
            match g.via {
                Via::Direct => push(level, ActsAs::User, GrantVia::Direct),
                Via::TeamMemberInheritance(_) => push(level, ActsAs::User, self.grant_via(g.via)),
                Via::Team(t) => {
                    let team = self.team_name(t).to_owned();
                    push(
                        level,
                        ActsAs::Team { team: team.clone() },
                        GrantVia::Team { team: team.clone() },
                    );
                    if member_inheritance {
                        push(
                            AccessLevel::User,
                            ActsAs::User,
                            GrantVia::TeamMemberInheritance { team },
                        );
                    }
                }
            }
        }
        out
    }

    /// The rights of a share that a user's grants activate (R5.4, R5.5, A2, A15).
    fn usable_rights(
        &self,
        user: u32,
        with: SharedWith,
        rights: Privilege,
        rows: &[TableAccess],
        table: usize,
    ) -> Privilege {
        let mut usable = Privilege::empty();
        let Some(row) = rows.get(table) else {
            return usable;
        };
        for cell in &row.privileges {
            if !rights.contains(cell.privilege) || cell.level == AccessLevel::None {
                continue;
            }
            let activates = cell.grants.iter().any(|g| match (&with, &g.acts_as) {
                (SharedWith::User(x), ActsAs::User) => x.0 == user,
                (SharedWith::User(x), ActsAs::Team { .. }) => {
                    x.0 == user && self.options.team_only_roles_activate_user_shares
                }
                (SharedWith::Team(t), ActsAs::User) => self.is_member(user, t.0),
                (SharedWith::Team(t), ActsAs::Team { team }) => {
                    self.is_member(user, t.0) && self.team_name(*t) == team
                }
                (SharedWith::Organization, ActsAs::User | ActsAs::Team { .. }) => true,
            });
            let sysadmin = self
                .users
                .get(user as usize)
                .is_some_and(|u| u.system_administrator.is_some());
            if activates || sysadmin {
                usable |= cell.privilege;
            }
        }
        usable
    }

    /// The whole effective access of one user: every table × privilege with its grants and
    /// their paths, the shares that reach the user, and the records hierarchy security adds.
    ///
    /// Each cell lists every grant (level, anchor unit, context, role, via) because grants do
    /// not collapse to one level (R9.4); the cell's [`level`](CellAccess::level) is the highest
    /// of them, a summary. For any record of a table, [`check`](Self::check) allows a privilege
    /// exactly when the user is admitted, the privilege applies, and the user is a System
    /// Administrator, or a grant of the cell reaches the record (ownership in its context, or
    /// its level from its anchor, §13 `covers`), or a listed share of the record has the
    /// privilege among its [`usable`](SharedRecord::usable) rights, or a
    /// [`hierarchy`](EffectiveAccess::hierarchy) entry gives it. The test suite checks this
    /// against `check` on random models.
    ///
    /// Total: an unknown id gives an empty matrix with admission `None`.
    ///
    /// ```
    /// use accessgate::dataverse::*;
    /// use accessgate::{AccessLevel, Privilege};
    ///
    /// let mut model = DataverseModel::default();
    /// model.business_units.push(BusinessUnitDef::root("contoso"));
    /// model.business_units.push(BusinessUnitDef::child("sales", "contoso"));
    /// model.tables.push(TableDef::user_owned("account"));
    /// model.roles.push(RoleDef::new("rep").grant("account", Privilege::READ, AccessLevel::BusinessUnit));
    /// model.users.push(UserDef::new("alice", "sales"));
    /// model.teams.push(TeamDef::owner("hq", "contoso", &["alice"]));
    /// model.role_assignments.push(RoleAssignmentDef::user("alice", "rep"));
    /// model.role_assignments.push(RoleAssignmentDef::team("hq", "rep"));
    /// let policy = model.build()?;
    ///
    /// let access = policy.effective_access(policy.user_id("alice").ok_or("no alice")?);
    /// let read = access.cell("account", Privilege::READ).ok_or("no cell")?;
    /// assert_eq!(read.level, AccessLevel::BusinessUnit);
    /// // Business Unit level twice: as alice in `sales`, and as team `hq` in `contoso`,
    /// // plus the team role's User level acting as alice (member's privilege inheritance).
    /// let paths: Vec<_> = read.grants.iter().map(|g| (g.level, g.business_unit.as_str())).collect();
    /// assert_eq!(paths, [
    ///     (AccessLevel::BusinessUnit, "sales"),
    ///     (AccessLevel::BusinessUnit, "contoso"),
    ///     (AccessLevel::User, "contoso"),
    /// ]);
    /// assert!(!read.is_plain(&access.business_unit));
    /// let json = serde_json::to_value(&access)?;
    /// assert_eq!(json["tables"][0]["privileges"][1]["grants"][1]["acts_as"]["team"], "hq");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn effective_access(&self, user: UserId) -> EffectiveAccess {
        let info = self.users.get(user.index()).copied();
        let admission = info.map(|u| u.admission);
        let admitted = admission == Some(Admission::Admitted);
        let sysadmin = info.and_then(|u| u.system_administrator);
        let u = user.0;
        let known = info.is_some();

        let mut roles: Vec<HeldRole> = Vec::new();
        for g in self.user_grants.get(u) {
            let held = self.held_role(g);
            if !roles.contains(&held) {
                roles.push(held);
            }
        }
        let system_administrator = sysadmin.and_then(|(role, via)| {
            roles
                .iter()
                .find(|h| {
                    h.system_administrator
                        && h.role == self.role_name(RoleId(role))
                        && h.via == self.grant_via(via)
                })
                .cloned()
        });

        let mut tables = Vec::with_capacity(self.tables.len());
        for (t, table) in self.tables.iter().enumerate() {
            let privileges = Privilege::EACH
                .iter()
                .enumerate()
                .map(|(bit, &privilege)| {
                    let applicable = table.applicable.contains(privilege);
                    let grants = if known {
                        self.cell_grants(u, t as u32, bit)
                    } else {
                        Vec::new()
                    };
                    let level = match (applicable && admitted, sysadmin) {
                        (false, _) => AccessLevel::None,
                        (true, Some(_)) => AccessLevel::Organization,
                        (true, None) => grants
                            .iter()
                            .map(|g| g.level)
                            .max()
                            .unwrap_or(AccessLevel::None),
                    };
                    CellAccess {
                        privilege,
                        applicable,
                        level,
                        grants,
                    }
                })
                .collect();
            tables.push(TableAccess {
                table: self.table_name(TableId(t as u32)).to_owned(),
                organization_owned: table.organization_owned,
                privileges,
            });
        }

        let mut shares = Vec::new();
        let mut hierarchy: Vec<HierarchyRecord> = Vec::new();
        if known {
            for (key, slot) in self.records.slots() {
                let Ok(rec) = self.resolved(&slot.info) else {
                    continue;
                };
                // Only a record with shares or parent links can have a share reaching it.
                let shares_reaching = match slot.extra {
                    Some(_) => self.shares_reaching(key),
                    None => Vec::new(),
                };
                for share in shares_reaching {
                    let reaches = match share.with {
                        SharedWith::User(x) => x.0 == u,
                        SharedWith::Team(t) => self.is_member(u, t.0),
                        SharedWith::Organization => true,
                    };
                    if !reaches {
                        continue;
                    }
                    let usable = if admitted {
                        self.usable_rights(u, share.with, share.rights, &tables, rec.table as usize)
                    } else {
                        Privilege::empty()
                    };
                    shares.push(SharedRecord {
                        record: self.record_name(key).to_owned(),
                        table: self.table_name(TableId(rec.table)).to_owned(),
                        with: self.share_with(share.with),
                        rights: share.rights,
                        usable,
                        inherited_from: share
                            .inherited_from
                            .map(|from| self.record_name(from).to_owned()),
                    });
                }
                if self.options.hierarchy.model != HierarchyModel::Off && admitted {
                    for privilege in [
                        Privilege::READ,
                        Privilege::WRITE,
                        Privilege::APPEND,
                        Privilege::APPEND_TO,
                    ] {
                        if let RecordReason::Hierarchy { report, level, .. } =
                            self.check(user, privilege, key)
                        {
                            let record = self.record_name(key);
                            let report = self.user_name(report);
                            match hierarchy
                                .iter_mut()
                                .find(|h| h.record == record && h.report == report)
                            {
                                Some(h) => h.rights |= privilege,
                                None => hierarchy.push(HierarchyRecord {
                                    record: record.to_owned(),
                                    table: self.table_name(TableId(rec.table)).to_owned(),
                                    report: report.to_owned(),
                                    levels_below: level,
                                    rights: privilege,
                                }),
                            }
                        }
                    }
                }
            }
        }

        EffectiveAccess {
            user: self.user_name(user).to_owned(),
            business_unit: info
                .map_or("?", |i| {
                    self.business_unit_name(BusinessUnitId(i.business_unit))
                })
                .to_owned(),
            admission,
            system_administrator,
            teams: self
                .user_teams
                .get(u)
                .iter()
                .map(|&t| self.team_name(TeamId(t)).to_owned())
                .collect(),
            roles,
            tables,
            shares,
            hierarchy,
        }
    }

    /// Every user that can act on one record, with each allowed privilege and the reason.
    ///
    /// Decided with [`check`](Self::check) for every user × privilege, so it agrees with
    /// [`crate::authorize`] by construction; the cost is users × 7 checks. Total: an unknown
    /// id gives an empty answer.
    ///
    /// ```
    /// use accessgate::dataverse::*;
    /// use accessgate::{AccessLevel, Privilege};
    ///
    /// let mut model = DataverseModel::default();
    /// model.business_units.push(BusinessUnitDef::root("contoso"));
    /// model.tables.push(TableDef::user_owned("account"));
    /// model.roles.push(RoleDef::new("rep").grant("account", Privilege::READ | Privilege::WRITE, AccessLevel::User));
    /// model.users.push(UserDef::new("alice", "contoso"));
    /// model.users.push(UserDef::new("bob", "contoso"));
    /// model.role_assignments.push(RoleAssignmentDef::user("alice", "rep"));
    /// model.role_assignments.push(RoleAssignmentDef::user("bob", "rep"));
    /// model.records.push(RecordDef::owned_by_user("a1", "account", "alice"));
    /// model.shares.push(ShareDef { record: "a1".into(), with: ShareTarget::User("bob".into()), rights: Privilege::READ });
    /// let policy = model.build()?;
    ///
    /// let access = policy.record_access(policy.record_id("a1").ok_or("no a1")?);
    /// let who: Vec<_> = access.users.iter().map(|u| (u.user.as_str(), u.privileges)).collect();
    /// assert_eq!(who, [("alice", Privilege::READ | Privilege::WRITE), ("bob", Privilege::READ)]);
    /// assert_eq!(access.users[1].reasons[0].code, "shared");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn record_access(&self, record: RecordId) -> RecordAccess {
        let rec = self.records.info(record).copied();
        let table = rec.map_or("?", |r| self.table_name(TableId(r.table)));
        let owner = self.record_owner(record);
        let mut users = Vec::new();
        if rec.is_some() {
            for u in 0..self.users.len() as u32 {
                let mut privileges = Privilege::empty();
                let mut reasons = Vec::new();
                for privilege in Privilege::RECORD_RIGHTS {
                    let reason = self.check(UserId(u), privilege, record);
                    if reason.decision().is_allow() {
                        privileges |= privilege;
                        reasons.push(PrivilegeReason {
                            privilege,
                            code: reason.code(),
                            explanation: reason.explain(self).to_string(),
                            reason,
                        });
                    }
                }
                if !privileges.is_empty() {
                    users.push(UserOnRecord {
                        user: self.user_name(UserId(u)).to_owned(),
                        privileges,
                        reasons,
                    });
                }
            }
        }
        RecordAccess {
            record: self.record_name(record).to_owned(),
            table: table.to_owned(),
            owner: owner.map(|(o, _)| match o {
                PrincipalId::User(u) => ShareWith::User(self.user_name(u).to_owned()),
                PrincipalId::Team(t) => ShareWith::Team(self.team_name(t).to_owned()),
            }),
            owning_business_unit: owner.map(|(_, b)| self.business_unit_name(b).to_owned()),
            shares: self
                .shares_reaching(record)
                .iter()
                .map(|s| RecordShare {
                    with: self.share_with(s.with),
                    rights: s.rights,
                    inherited_from: s
                        .inherited_from
                        .map(|from| self.record_name(from).to_owned()),
                })
                .collect(),
            users,
        }
    }
}

/// The short form of a level in the matrix.
fn short(level: AccessLevel) -> &'static str {
    match level {
        AccessLevel::None => "-",
        AccessLevel::User => "User",
        AccessLevel::BusinessUnit => "BU",
        AccessLevel::ParentChild => "P:C",
        AccessLevel::Organization => "Org",
    }
}

impl fmt::Display for GrantVia {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GrantVia::Direct => f.write_str("assigned directly"),
            GrantVia::Team { team } => write!(f, "through team `{team}`"),
            GrantVia::TeamMemberInheritance { team } => {
                write!(f, "through team `{team}` (member's privilege inheritance)")
            }
        }
    }
}

impl fmt::Display for ShareWith {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ShareWith::User(u) => write!(f, "user `{u}`"),
            ShareWith::Team(t) => write!(f, "team `{t}`"),
            ShareWith::Organization => f.write_str("the organization"),
        }
    }
}

impl fmt::Display for Grant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} in `{}` ", self.level.ui_name(), self.business_unit)?;
        match &self.acts_as {
            ActsAs::User => f.write_str("as the user")?,
            ActsAs::Team { team } => write!(f, "as team `{team}`")?,
        }
        write!(f, ", role `{}` {}", self.role, self.via)
    }
}

struct MatrixTable<'a>(&'a EffectiveAccess);

impl fmt::Display for MatrixTable<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let a = self.0;
        writeln!(
            f,
            "Effective access of user `{}` (business unit `{}`): {}",
            a.user,
            a.business_unit,
            admission_name(a.admission)
        )?;
        if let Some(s) = &a.system_administrator {
            writeln!(
                f,
                "System Administrator through role `{}` {}: every applicable privilege at Organization level (R8.1)",
                s.role, s.via
            )?;
        }
        if !a.teams.is_empty() {
            writeln!(f, "Teams: {}", a.teams.join(", "))?;
        }
        writeln!(f, "Roles:")?;
        if a.roles.is_empty() {
            writeln!(f, "  (none)")?;
        }
        for r in &a.roles {
            writeln!(
                f,
                "  `{}` in business unit `{}`, {}",
                r.role, r.business_unit, r.via
            )?;
        }
        let width = a
            .tables
            .iter()
            .map(|t| t.table.chars().count())
            .max()
            .unwrap_or(5)
            .max(5);
        write!(f, "\n{:width$}", "table")?;
        let names: Vec<&str> = Privilege::EACH
            .iter()
            .map(|p| p.name().unwrap_or("?"))
            .collect();
        for n in &names {
            write!(f, " {n:>8}")?;
        }
        writeln!(f)?;
        let mut footnotes = Vec::new();
        for t in &a.tables {
            write!(f, "{:width$}", t.table)?;
            for c in &t.privileges {
                let mut text = if c.applicable {
                    short(c.level).to_owned()
                } else {
                    "n/a".to_owned()
                };
                if a.system_administrator.is_none() && !c.is_plain(&a.business_unit) {
                    text.push('*');
                    footnotes.push((t, c));
                }
                write!(f, " {text:>8}")?;
            }
            writeln!(f)?;
        }
        writeln!(
            f,
            "\nLevels: Org = Organization, P:C = Parent: Child Business Units, BU = Business Unit, \
             User, - = none, n/a = does not apply."
        )?;
        if !footnotes.is_empty() {
            writeln!(
                f,
                "\n* Grants that act as a team or count from another business unit: the level \
                 alone does not say which records (R9.4):"
            )?;
            for (t, c) in footnotes {
                writeln!(f, "  {} / {}:", t.table, c.privilege)?;
                for g in &c.grants {
                    writeln!(f, "    {g}")?;
                }
            }
        }
        if !a.shares.is_empty() {
            writeln!(f, "\nShares:")?;
            for s in &a.shares {
                write!(
                    f,
                    "  `{}` ({}) shared with {}: {}",
                    s.record, s.table, s.with, s.rights
                )?;
                if let Some(p) = &s.inherited_from {
                    write!(f, " (cascaded from `{p}`)")?;
                }
                if s.usable.is_empty() {
                    writeln!(f, "; usable: none (no grant activates it)")?;
                } else {
                    writeln!(f, "; usable: {}", s.usable)?;
                }
            }
        }
        if !a.hierarchy.is_empty() {
            writeln!(f, "\nThrough hierarchy security:")?;
            for h in &a.hierarchy {
                writeln!(
                    f,
                    "  `{}` ({}) of report `{}`, {} level(s) below: {}",
                    h.record, h.table, h.report, h.levels_below, h.rights
                )?;
            }
        }
        Ok(())
    }
}
