//! Miscellaneous privileges: privileges a role holds that are not about a table.
//!
//! A Dataverse role lists, besides its table privileges, privileges such as `prvExportToExcel`,
//! `prvFlow` or `prvWorkflowExecution`, each at a level. Holding one is a yes/no question about
//! the user, not about a record: the user must pass the environment gate (R8.4), and then holds
//! the privilege when a role held directly or through an owner or group team gives it at the
//! level asked for or above (None means not held). A System Administrator holds every
//! miscellaneous privilege the model names (R8.1). The reason names the role, its level and the
//! team it came through.
//!
//! Names are compared with their letters lowercased (`prvFlow` and `PRVFLOW` are one
//! privilege); a name no role of the model mentions is unknown, and a request for it denies.

use std::fmt;

use crate::core::{AccessLevel, Decision};
use crate::dataverse::configuration::misc::*;
use crate::dataverse::configuration::policy::{Admission, DataversePolicy, RoleId, UserId, Via};
use crate::dataverse::evaluation::reason::RoleGrant;

/// Why a user holds a miscellaneous privilege or not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum MiscReason {
    /// Allow: a role gives the privilege at the level asked for or above.
    Held {
        /// The privilege.
        privilege: MiscPrivilegeId,
        /// The role, its level, and how the user holds it (directly or through which team).
        grant: RoleGrant,
    },
    /// Allow: the user holds the System Administrator role (R8.1).
    SystemAdministrator {
        /// The privilege.
        privilege: MiscPrivilegeId,
        /// The System Administrator role.
        role: RoleId,
        /// How the user holds it.
        via: Via,
    },
    /// Deny: the user does not pass the environment gate (R8.4).
    NotAdmitted(Admission),
    /// Deny: no role the user holds gives the privilege at the level asked for; `highest` is the
    /// best grant below it, if any.
    NotHeld {
        /// The privilege.
        privilege: MiscPrivilegeId,
        /// The least level asked for.
        minimum: AccessLevel,
        /// The highest grant the user holds, below `minimum`.
        highest: Option<RoleGrant>,
    },
    /// Deny: the user id was not handed out by this policy.
    UnknownUser(UserId),
    /// Deny: the privilege id was not handed out by this policy.
    UnknownPrivilege(MiscPrivilegeId),
}

impl MiscReason {
    /// Allow or deny.
    pub fn decision(&self) -> Decision {
        match self {
            MiscReason::Held { .. } | MiscReason::SystemAdministrator { .. } => Decision::Allow,
            MiscReason::NotAdmitted(_)
            | MiscReason::NotHeld { .. }
            | MiscReason::UnknownUser(_)
            | MiscReason::UnknownPrivilege(_) => Decision::Deny,
        }
    }

    /// A stable snake_case code (`"misc_held"`, `"misc_not_held"`, …).
    pub fn code(&self) -> &'static str {
        match self {
            MiscReason::Held { .. } => "misc_held",
            MiscReason::SystemAdministrator { .. } => "system_administrator",
            MiscReason::NotAdmitted(_) => "not_admitted",
            MiscReason::NotHeld { .. } => "misc_not_held",
            MiscReason::UnknownUser(_) => "unknown_user",
            MiscReason::UnknownPrivilege(_) => "unknown_misc_privilege",
        }
    }

    /// The reason with names from `policy`, ready to print.
    pub fn explain<'a>(&'a self, policy: &'a DataversePolicy) -> impl fmt::Display + 'a {
        Explained {
            reason: self,
            policy,
        }
    }
}

struct Explained<'a> {
    reason: &'a MiscReason,
    policy: &'a DataversePolicy,
}

struct ViaText<'a>(Via, &'a DataversePolicy);

impl fmt::Display for ViaText<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Via::Direct => f.write_str("assigned directly"),
            Via::Team(t) => write!(f, "through team `{}`", self.1.team_name(t)),
            Via::TeamMemberInheritance(t) => write!(
                f,
                "through team `{}` with member's privilege inheritance",
                self.1.team_name(t)
            ),
        }
    }
}

impl fmt::Display for Explained<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let p = self.policy;
        match *self.reason {
            MiscReason::Held { privilege, grant } => write!(
                f,
                "allowed: role `{}` gives miscellaneous privilege `{}` at {} level ({})",
                p.role_name(grant.role),
                p.misc_privilege_name(privilege),
                grant.level,
                ViaText(grant.via, p)
            ),
            MiscReason::SystemAdministrator {
                privilege,
                role,
                via,
            } => write!(
                f,
                "allowed: System Administrator role `{}` ({}) holds miscellaneous privilege `{}`",
                p.role_name(role),
                ViaText(via, p),
                p.misc_privilege_name(privilege)
            ),
            MiscReason::NotAdmitted(a) => write!(
                f,
                "denied: not admitted to the environment: {}",
                match a {
                    Admission::Admitted => "admitted",
                    Admission::Disabled => "the user is disabled",
                    Admission::Unlicensed => "the user has no license",
                    Admission::NotInSecurityGroup =>
                        "the user is not in the environment's security group",
                    Admission::NoSecurityRole =>
                        "the user has no security role, directly or through a group team",
                    Admission::OnlyOwnerTeamRoles =>
                        "every role of the user comes through an owner team, and owner-team roles do not admit a user unless the option `owner_team_roles_admit` is on (A11)",
                }
            ),
            MiscReason::NotHeld {
                privilege,
                minimum,
                highest: None,
            } => write!(
                f,
                "denied: no role the user holds gives miscellaneous privilege `{}` at {minimum} level or above",
                p.misc_privilege_name(privilege)
            ),
            MiscReason::NotHeld {
                privilege,
                minimum,
                highest: Some(grant),
            } => write!(
                f,
                "denied: miscellaneous privilege `{}` is held up to {} level (role `{}`, {}), below the {minimum} level asked for",
                p.misc_privilege_name(privilege),
                grant.level,
                p.role_name(grant.role),
                ViaText(grant.via, p)
            ),
            MiscReason::UnknownUser(u) => write!(f, "denied: unknown user id {}", u.index()),
            MiscReason::UnknownPrivilege(m) => write!(
                f,
                "denied: unknown miscellaneous privilege id {}",
                m.index()
            ),
        }
    }
}

impl DataversePolicy {
    /// The id of the miscellaneous privilege named `name` (compared lowercased), if a role of
    /// the model names it.
    pub fn misc_privilege_id(&self, name: &str) -> Option<MiscPrivilegeId> {
        self.misc.names.get(&canonical(name)).map(MiscPrivilegeId)
    }

    /// The canonical (lowercased) name of a miscellaneous privilege; `"?"` for an id this
    /// policy did not hand out.
    pub fn misc_privilege_name(&self, privilege: MiscPrivilegeId) -> &str {
        self.misc.names.name(privilege.0)
    }

    /// Whether `user` holds miscellaneous privilege `privilege` at `minimum` level or above
    /// (a `minimum` of None counts as User: None is never held), with the reason.
    ///
    /// Same admission and team rules as [`check`](Self::check): the environment gate first
    /// (R8.4), then System Administrator (R8.1), then every role held directly or through an
    /// owner or group team; the first grant at the level or above allows. Never panics.
    ///
    /// ```
    /// use accessgate::dataverse::*;
    /// use accessgate::AccessLevel;
    ///
    /// let mut model = DataverseModel::default();
    /// model.business_units.push(BusinessUnitDef::root("contoso"));
    /// let mut maker = RoleDef::new("maker");
    /// maker.misc_privileges.insert("prvFlow".into(), AccessLevel::Organization);
    /// model.roles.push(maker);
    /// model.users.push(UserDef::new("alice", "contoso"));
    /// model.role_assignments.push(RoleAssignmentDef::user("alice", "maker"));
    /// let policy = model.build()?;
    ///
    /// let alice = policy.user_id("alice").ok_or("no alice")?;
    /// let flow = policy.misc_privilege_id("PRVFLOW").ok_or("no prvFlow")?;
    /// let reason = policy.check_misc(alice, flow, AccessLevel::User);
    /// assert!(reason.decision().is_allow());
    /// assert_eq!(reason.code(), "misc_held");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn check_misc(
        &self,
        user: UserId,
        privilege: MiscPrivilegeId,
        minimum: AccessLevel,
    ) -> MiscReason {
        let Some(u) = self.users.get(user.index()) else {
            return MiscReason::UnknownUser(user);
        };
        if privilege.index() >= self.misc.names.len() {
            return MiscReason::UnknownPrivilege(privilege);
        }
        if u.admission() != Admission::Admitted {
            return MiscReason::NotAdmitted(u.admission());
        }
        if let Some((role, via)) = u.system_administrator() {
            return MiscReason::SystemAdministrator {
                privilege,
                role: RoleId(role),
                via,
            };
        }
        let minimum = minimum.max(AccessLevel::User);
        let mut highest: Option<RoleGrant> = None;
        for grant in self.grants_with_level(user, |role| self.misc.level(role, privilege.0)) {
            let level = grant.level;
            if level >= minimum {
                return MiscReason::Held { privilege, grant };
            }
            if highest.is_none_or(|h| level > h.level) {
                highest = Some(grant);
            }
        }
        MiscReason::NotHeld {
            privilege,
            minimum,
            highest,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dataverse::{BusinessUnitDef, DataverseModel, ModelError, RoleDef};

    /// Two names equal but for case in one role are a duplicate.
    #[test]
    fn case_folded_duplicate_is_an_error() {
        let mut model = DataverseModel::default();
        model.business_units.push(BusinessUnitDef::root("root"));
        let mut role = RoleDef::new("r");
        role.misc_privileges
            .insert("prvFlow".into(), AccessLevel::Organization);
        role.misc_privileges
            .insert("PRVFLOW".into(), AccessLevel::User);
        model.roles.push(role);
        assert!(matches!(
            model.build(),
            Err(ModelError::DuplicateMiscPrivilege { .. })
        ));
    }

    /// Two roles naming one privilege share its id; lookups fold case.
    #[test]
    fn roles_share_ids() -> Result<(), ModelError> {
        let mut model = DataverseModel::default();
        model.business_units.push(BusinessUnitDef::root("root"));
        for id in ["a", "b"] {
            let mut role = RoleDef::new(id);
            role.misc_privileges
                .insert("prvExportToExcel".into(), AccessLevel::User);
            model.roles.push(role);
        }
        let index = compile(&model)?;
        assert_eq!(index.names.len(), 1);
        assert_eq!(index.level(1, 0), Some(AccessLevel::User));
        assert_eq!(index.level(2, 0), None);
        Ok(())
    }
}
