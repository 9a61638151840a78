//! Computing effective access from a snapshot: the matrix of one user (each cell with every
//! grant that reaches it), and everyone who can act on one record.

use super::*;

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
            via: self.grant_via(g.via()),
            inheritance: info.map_or(RoleInheritance::DirectUserBasicAndTeam, |r| r.inheritance),
            system_administrator: info.is_some_and(|r| r.system_administrator),
        }
    }

    /// Every grant of one privilege (by bit) on one table, expanded by context as §13's
    /// `grants()` does: a team role acts as the team, and a member-inheritance team role also
    /// acts as the user at User level (R4.5, R4.6).
    fn cell_grants(&self, user: u32, table: u32, bit: usize) -> Vec<Grant> {
        let mut out: Vec<Grant> = Vec::new();
        for g in self.users.grants(user) {
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
            match g.via() {
                Via::Direct => push(level, ActsAs::User, GrantVia::Direct),
                Via::TeamMemberInheritance(_) => push(level, ActsAs::User, self.grant_via(g.via())),
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
                .is_some_and(|u| u.system_administrator().is_some());
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
        let info = self.users.get(user.index());
        let admission = info.map(|u| u.admission());
        let admitted = admission == Some(Admission::Admitted);
        let sysadmin = info.and_then(|u| u.system_administrator());
        let u = user.0;
        let known = info.is_some();

        let mut roles: Vec<HeldRole> = Vec::new();
        for g in self.users.grants(u) {
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
    /// model.shares.push(ShareDef::new("a1", ShareTarget::User("bob".into()), Privilege::READ));
    /// let policy = model.build()?;
    ///
    /// let access = policy.record_access(policy.record_id("a1").ok_or("no a1")?);
    /// let who: Vec<_> = access.users.iter().map(|u| (u.user.as_str(), u.privileges)).collect();
    /// assert_eq!(who, [("alice", Privilege::READ | Privilege::WRITE), ("bob", Privilege::READ)]);
    /// assert_eq!(access.users[1].reasons[0].code, "shared");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn record_access(&self, record: RecordId) -> RecordAccess {
        let rec = self.records.info(record);
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
