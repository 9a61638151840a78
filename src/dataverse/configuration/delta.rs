//! Configuration changes applied to a compiled snapshot without recompiling it.
//!
//! A service's configuration changes a little at a time: a user joins a team, a role is
//! assigned, a new hire arrives. [`DataversePolicy::apply`] takes such [`ConfigChange`]s and
//! returns a new policy that shares everything untouched with the old one (the old one keeps
//! serving until it is dropped). What a change touches is re-derived with the same functions
//! the full build uses ([`derive_grants`], [`admission`], the column grants), so a changed
//! snapshot and a rebuild of the changed document decide alike; `tests/config_changes.rs`
//! checks that on random models and changes.
//!
//! Cost: a membership or role-assignment change copies the chunks (1,024 users each) of the
//! users whose grants it changes: for one user, a few kilobytes. Adding a user or a business
//! unit also copies that kind's name table, O(users) or O(units).
//!
//! Dataverse never deletes a user; it disables them (R8.5: a disabled user may still own
//! records), and so does [`ConfigChange::SetUserEnabled`]. Removing an entity that other facts
//! name (a team, a role, a unit) needs a rebuild.

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::core::csr::Csr;
use crate::core::tree::Tree;

use crate::dataverse::configuration::compile::{intern_one, lookup};
use crate::dataverse::configuration::error::{EntityKind, ModelError};
use crate::dataverse::configuration::model::{
    BusinessUnitDef, DataverseModel, DataverseOptions, PrincipalRef, RoleAssignmentDef,
    TeamRoleAnchor, UserDef,
};
use crate::dataverse::configuration::policy::*;
use crate::limits::BuildLimits;

/// One change to a Dataverse configuration, by the ids of the model document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(tag = "change", rename_all = "snake_case", deny_unknown_fields)]
#[non_exhaustive]
pub enum ConfigChange {
    /// `user` joins `team` (nothing changes if they are a member already).
    AddTeamMember {
        /// The team.
        team: String,
        /// The user.
        user: String,
    },
    /// `user` leaves `team` (nothing changes if they are not a member).
    RemoveTeamMember {
        /// The team.
        team: String,
        /// The user.
        user: String,
    },
    /// A role assignment, validated as in a document (R3.7, R4.2).
    AssignRole(RoleAssignmentDef),
    /// Removes every assignment of the role to the principal anchored in the same business
    /// unit (the principal's own unit when none is named).
    RemoveRoleAssignment(RoleAssignmentDef),
    /// A new user.
    AddUser(UserDef),
    /// Enables or disables a user (R8.4, R8.5).
    SetUserEnabled {
        /// The user.
        user: String,
        /// Enabled.
        enabled: bool,
    },
    /// A new business unit under an existing one.
    AddBusinessUnit(BusinessUnitDef),
}

/// A user's grant sources, whether they admit the user (R8.4 item 4), and the first System
/// Administrator role among them: what the build derives from a user's own assignments, teams
/// and the teams' assignments.
pub(crate) struct Derived {
    pub(crate) grants: Vec<GrantSource>,
    pub(crate) admits: bool,
    /// Some role comes through an owner team that does not admit (A11).
    pub(crate) owner_team_roles: bool,
    pub(crate) system_administrator: Option<(u32, Via)>,
}

impl Derived {
    /// No grant at all: a user just added.
    pub(crate) fn none() -> Self {
        Derived {
            grants: Vec::new(),
            admits: false,
            owner_team_roles: false,
            system_administrator: None,
        }
    }
}

/// The indexes a user's grants are derived from.
pub(crate) struct GrantInputs<'a> {
    pub(crate) options: &'a DataverseOptions,
    pub(crate) roles: &'a [RoleInfo],
    pub(crate) teams: &'a Chunks<TeamInfo>,
    pub(crate) user_teams: &'a Csr<u32>,
    pub(crate) team_roles: &'a Csr<(u32, u32)>,
}

/// Direct assignments first, then each team's assignments (R4.5), with the member's own unit as
/// a second anchor when the option says so (A4).
pub(crate) fn derive_grants(
    inputs: &GrantInputs<'_>,
    user: u32,
    own_unit: u32,
    direct: &[(u32, u32)],
) -> Derived {
    let is_sysadmin = |role: u32| {
        inputs
            .roles
            .get(role as usize)
            .is_some_and(|r| r.system_administrator)
    };
    let mut out = Derived {
        grants: Vec::new(),
        admits: false,
        owner_team_roles: false,
        system_administrator: None,
    };
    for &(role, anchor) in direct {
        out.grants.push(GrantSource::direct(role, anchor));
        out.admits = true;
        if is_sysadmin(role) && out.system_administrator.is_none() {
            out.system_administrator = Some((role, Via::Direct));
        }
    }
    for &t in inputs.user_teams.get(user) {
        let Some(team) = inputs.teams.get(t as usize) else {
            continue;
        };
        let team_admits = team.kind.is_group() || inputs.options.owner_team_roles_admit;
        let via = Via::Team(TeamId(t));
        for &(role, anchor) in inputs.team_roles.get(t) {
            out.grants
                .push(GrantSource::through_team(role, anchor, TeamId(t)));
            if inputs.options.team_role_anchor == TeamRoleAnchor::TeamAndMemberBusinessUnit
                && anchor != own_unit
            {
                out.grants
                    .push(GrantSource::through_team(role, own_unit, TeamId(t)));
            }
            out.owner_team_roles |= !team_admits;
            if team_admits {
                out.admits = true;
                if is_sysadmin(role) && out.system_administrator.is_none() {
                    out.system_administrator = Some((role, via));
                }
            }
        }
    }
    out
}

/// The environment gate (R8.4): disabled, unlicensed, outside the security group, without a
/// security role (or with roles through owner teams only, A11), in that order.
pub(crate) fn admission(
    options: &DataverseOptions,
    enabled: bool,
    gate: UserGate,
    roles: &Derived,
) -> Admission {
    let admits = roles.admits;
    if !enabled {
        Admission::Disabled
    } else if !(gate.application_user() || gate.licensed() || options.per_app_plan_allocated) {
        Admission::Unlicensed
    } else if options.security_group_required
        && !(gate.in_security_group() || gate.application_user() || gate.power_platform_admin())
    {
        Admission::NotInSecurityGroup
    } else if !admits && roles.owner_team_roles {
        Admission::OnlyOwnerTeamRoles
    } else if !admits {
        Admission::NoSecurityRole
    } else {
        Admission::Admitted
    }
}

/// The gate facts of a user definition.
pub(crate) fn gate_of(def: &UserDef) -> UserGate {
    UserGate::new(
        def.licensed,
        def.application_user,
        def.in_security_group,
        def.power_platform_admin,
    )
}

impl Configuration {
    fn grant_inputs(&self) -> GrantInputs<'_> {
        GrantInputs {
            options: &self.options,
            roles: &self.roles,
            teams: &self.teams,
            user_teams: &self.user_teams,
            team_roles: &self.team_roles,
        }
    }

    /// A user's direct role assignments, (role, unit): the leading direct grants, which
    /// [`derive_grants`] puts first, so they need no index of their own.
    fn direct_assignments(&self, user: u32) -> Vec<(u32, u32)> {
        self.users
            .grants(user)
            .iter()
            .take_while(|g| g.team().is_none())
            .map(|g| (g.role, g.anchor))
            .collect()
    }

    /// Re-derives one user's grants, admission, System Administrator role and column grants.
    fn rederive(&mut self, user: u32) {
        let direct = self.direct_assignments(user);
        self.rederive_with(user, &direct);
    }

    /// [`rederive`](Self::rederive) with `direct` as the user's direct assignments.
    fn rederive_with(&mut self, user: u32, direct: &[(u32, u32)]) {
        let Some(info) = self.users.get(user as usize) else {
            return;
        };
        let derived = derive_grants(&self.grant_inputs(), user, info.business_unit, direct);
        let enabled = self
            .user_enabled
            .get(user as usize)
            .copied()
            .unwrap_or(false);
        let updated = info
            .with_admission(admission(&self.options, enabled, info.gate(), &derived))
            .with_system_administrator(derived.system_administrator);
        self.users.set(user, updated, &derived.grants);
        self.columns.rederive_user(user, self.user_teams.get(user));
    }

    fn user(&self, id: &str, referrer: &str) -> Result<u32, ModelError> {
        lookup(&self.names.users, EntityKind::User, id, || {
            referrer.to_owned()
        })
    }

    fn team(&self, id: &str, referrer: &str) -> Result<u32, ModelError> {
        lookup(&self.names.teams, EntityKind::Team, id, || {
            referrer.to_owned()
        })
    }

    fn set_membership(&mut self, team: &str, user: &str, member: bool) -> Result<(), ModelError> {
        let referrer = format!("the membership of `{user}` in `{team}`");
        let (t, u) = (self.team(team, &referrer)?, self.user(user, &referrer)?);
        let mut teams: Vec<u32> = self.user_teams.get(u).to_vec();
        let mut members: Vec<u32> = self.team_members.get(t).to_vec();
        if member
            && members.binary_search(&u).is_err()
            && members.len() >= self.limits.members_per_team
        {
            return Err(ModelError::TeamTooLarge {
                team: team.to_owned(),
                count: members.len() + 1,
                limit: self.limits.members_per_team,
            });
        }
        match (teams.binary_search(&t), member) {
            (Err(at), true) => {
                teams.insert(at, t);
                if let Err(at) = members.binary_search(&u) {
                    members.insert(at, u);
                }
            }
            (Ok(at), false) => {
                teams.remove(at);
                members.retain(|&m| m != u);
            }
            _ => return Ok(()),
        }
        self.user_teams.set_row(u, &teams);
        self.team_members.set_row(t, &members);
        self.rederive(u);
        Ok(())
    }

    /// The principal, its unit and the anchor an assignment resolves to, validated as the build
    /// validates a document's assignment.
    /// A removal checks only that the ids exist: an assignment outside the rules cannot be
    /// present, so removing one changes nothing.
    fn resolve_assignment(
        &self,
        a: &RoleAssignmentDef,
        adding: bool,
    ) -> Result<(PrincipalId, u32, u32), ModelError> {
        let referrer = format!("the assignment of role `{}`", a.role);
        let role = lookup(&self.names.roles, EntityKind::Role, &a.role, || {
            "a role assignment".to_owned()
        })?;
        let (principal, own, label) = match &a.principal {
            PrincipalRef::User(id) => {
                let u = self.user(id, &referrer)?;
                let own = self.users.get(u as usize).map_or(0, |i| i.business_unit);
                (PrincipalId::User(UserId(u)), own, format!("user `{id}`"))
            }
            PrincipalRef::Team(id) => {
                let t = self.team(id, &referrer)?;
                let info = self.teams.get(t as usize).copied();
                if adding && info.is_some_and(|i| !i.kind.holds_roles()) {
                    return Err(ModelError::RoleOnAccessTeam {
                        team: id.clone(),
                        role: a.role.clone(),
                    });
                }
                let own = info.map_or(0, |i| i.business_unit);
                (PrincipalId::Team(TeamId(t)), own, format!("team `{id}`"))
            }
        };
        let anchor = match &a.business_unit {
            None => own,
            Some(b) => {
                let unit = lookup(
                    &self.names.business_units,
                    EntityKind::BusinessUnit,
                    b,
                    || format!("the assignment of role `{}` to {label}", a.role),
                )?;
                if adding && !self.options.matrix_mode && unit != own {
                    return Err(ModelError::AssignmentOutsideOwnBusinessUnit {
                        principal: label,
                        role: a.role.clone(),
                        business_unit: b.clone(),
                        own: self.names.business_units.name(own).to_owned(),
                    });
                }
                unit
            }
        };
        Ok((principal, role, anchor))
    }

    fn change_assignment(&mut self, a: &RoleAssignmentDef, add: bool) -> Result<(), ModelError> {
        let (principal, role, anchor) = self.resolve_assignment(a, add)?;
        let edit = |row: &[(u32, u32)]| -> Vec<(u32, u32)> {
            let mut row = row.to_vec();
            if add {
                row.push((role, anchor));
            } else {
                row.retain(|&entry| entry != (role, anchor));
            }
            row
        };
        match principal {
            PrincipalId::User(UserId(u)) => {
                let row = edit(&self.direct_assignments(u));
                self.rederive_with(u, &row);
            }
            PrincipalId::Team(TeamId(t)) => {
                let row = edit(self.team_roles.get(t));
                self.team_roles.set_row(t, &row);
                for u in self.team_members.get(t).to_vec() {
                    self.rederive(u);
                }
            }
        }
        Ok(())
    }

    fn add_user(&mut self, def: &UserDef) -> Result<(), ModelError> {
        BuildLimits::check("users", self.users.len() + 1, self.limits.users)?;
        let unit = lookup(
            &self.names.business_units,
            EntityKind::BusinessUnit,
            &def.business_unit,
            || format!("user `{}`", def.id),
        )?;
        let manager = match &def.manager {
            None => None,
            Some(m) => Some(self.user(m, &format!("user `{}`", def.id))?),
        };
        // Validate everything before changing anything (the caller's clone is dropped on error,
        // but a half-added user would confuse the next change of the same batch).
        let mut hierarchy = Arc::clone(&self.hierarchy);
        Arc::make_mut(&mut hierarchy).push_user(&def.id, manager, def.position.as_deref())?;
        let index = intern_one(
            &mut Arc::make_mut(&mut self.names).users,
            EntityKind::User,
            &def.id,
        )?;
        self.hierarchy = hierarchy;
        let gate = gate_of(def);
        self.users.push(
            UserInfo::new(
                unit,
                admission(&self.options, def.enabled, gate, &Derived::none()),
                gate,
            ),
            &[],
        );
        self.user_enabled.push(def.enabled);
        self.user_teams.push_row(&[]);
        self.columns.push_user();
        debug_assert_eq!(index as usize + 1, self.users.len());
        Ok(())
    }

    fn add_business_unit(&mut self, def: &BusinessUnitDef) -> Result<(), ModelError> {
        let Some(parent) = &def.parent else {
            return Err(ModelError::MultipleRootBusinessUnits {
                first: self.names.business_units.name(0).to_owned(),
                second: def.id.clone(),
            });
        };
        let parent = lookup(
            &self.names.business_units,
            EntityKind::BusinessUnit,
            parent,
            || format!("business unit `{}`", def.id),
        )?;
        BuildLimits::check(
            "business units",
            self.tree.len() + 1,
            self.limits.business_units,
        )?;
        let depth = self.tree.depth(parent) as usize + 1;
        super::limits::check_depth("levels of business units", depth, &self.limits)?;
        let names = Arc::make_mut(&mut self.names);
        intern_one(&mut names.business_units, EntityKind::BusinessUnit, &def.id)?;
        let mut parents: Vec<Option<u32>> = (0..self.tree.len() as u32)
            .map(|u| self.tree.parent(u))
            .collect();
        parents.push(Some(parent));
        // A new leaf under an existing unit keeps the tree a tree: this cannot fail.
        let tree = Tree::build(&parents).map_err(|_| ModelError::BusinessUnitCycle {
            id: def.id.clone(),
            cycle: vec![def.id.clone()],
        })?;
        self.tree = Arc::new(tree);
        Ok(())
    }

    /// Applies one change in place (to a clone that shares untouched parts).
    fn apply_change(&mut self, change: &ConfigChange) -> Result<(), ModelError> {
        match change {
            ConfigChange::AddTeamMember { team, user } => self.set_membership(team, user, true),
            ConfigChange::RemoveTeamMember { team, user } => self.set_membership(team, user, false),
            ConfigChange::AssignRole(a) => self.change_assignment(a, true),
            ConfigChange::RemoveRoleAssignment(a) => self.change_assignment(a, false),
            ConfigChange::AddUser(def) => self.add_user(def),
            ConfigChange::SetUserEnabled { user, enabled } => {
                let u = self.user(user, "a change of enabled state")?;
                self.user_enabled.set(u as usize, *enabled);
                self.rederive(u);
                Ok(())
            }
            ConfigChange::AddBusinessUnit(def) => self.add_business_unit(def),
        }
    }
}

impl DataversePolicy {
    /// The policy after `changes`, applied in order, sharing every part they do not touch with
    /// this one (which is unchanged and may keep serving). The records are kept.
    ///
    /// # Errors
    /// The [`ModelError`] a build of the changed document would give for the first bad change
    /// (an unknown id, an assignment outside the principal's unit in classic mode, a role on an
    /// access team, a duplicate id); nothing is applied then. Changes keep to the
    /// [`BuildLimits`] the policy was built with: a user or business unit past the count or
    /// depth limits, or a member past `members_per_team`, is [`ModelError::TooLarge`] or
    /// [`ModelError::TeamTooLarge`].
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
    /// model.records.push(RecordDef::owned_by_user("a1", "account", "bob"));
    /// let before = model.build()?;
    ///
    /// let after = before.apply(&[ConfigChange::AssignRole(RoleAssignmentDef::user("alice", "rep"))])?;
    /// let (alice, a1) = (after.user_id("alice").ok_or("alice")?, after.record_id("a1").ok_or("a1")?);
    /// assert_eq!(before.check(alice, Privilege::READ, a1).code(), "not_admitted");
    /// assert_eq!(after.check(alice, Privilege::READ, a1).code(), "role_level");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn apply(&self, changes: &[ConfigChange]) -> Result<DataversePolicy, ModelError> {
        let mut config = Configuration::clone(&self.config);
        for change in changes {
            config.apply_change(change)?;
        }
        Ok(DataversePolicy {
            config: Arc::new(config),
            records: self.records.clone(),
        })
    }
}

impl DataverseModel {
    /// The document after `change`, as [`DataversePolicy::apply`] reads it: what a full
    /// rebuild of the changed configuration starts from. Changes naming unknown ids are kept
    /// as written (the build then reports them).
    pub fn apply(&mut self, change: &ConfigChange) {
        match change {
            ConfigChange::AddTeamMember { team, user } => {
                if let Some(t) = self.teams.iter_mut().find(|t| &t.id == team) {
                    if !t.members.contains(user) {
                        t.members.push(user.clone());
                    }
                }
            }
            ConfigChange::RemoveTeamMember { team, user } => {
                if let Some(t) = self.teams.iter_mut().find(|t| &t.id == team) {
                    t.members.retain(|m| m != user);
                }
            }
            ConfigChange::AssignRole(a) => self.role_assignments.push(a.clone()),
            ConfigChange::RemoveRoleAssignment(a) => {
                let own = self.own_unit(&a.principal);
                let anchor =
                    |x: &RoleAssignmentDef| x.business_unit.clone().or_else(|| own.clone());
                let target = anchor(a);
                self.role_assignments.retain(|x| {
                    !(x.principal == a.principal && x.role == a.role && anchor(x) == target)
                });
            }
            ConfigChange::AddUser(def) => self.users.push(def.clone()),
            ConfigChange::SetUserEnabled { user, enabled } => {
                if let Some(u) = self.users.iter_mut().find(|u| &u.id == user) {
                    u.enabled = *enabled;
                }
            }
            ConfigChange::AddBusinessUnit(def) => self.business_units.push(def.clone()),
        }
    }

    fn own_unit(&self, principal: &PrincipalRef) -> Option<String> {
        match principal {
            PrincipalRef::User(id) => self
                .users
                .iter()
                .find(|u| &u.id == id)
                .map(|u| u.business_unit.clone()),
            PrincipalRef::Team(id) => self
                .teams
                .iter()
                .find(|t| &t.id == id)
                .map(|t| t.business_unit.clone()),
        }
    }
}
