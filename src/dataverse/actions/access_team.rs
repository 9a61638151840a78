//! Joining a record's system-managed access team (R4.9, R4.10).
//!
//! Adding a user to the access team that a template gives a record needs, per the reference:
//! the template must be one of the record's table; the adding user needs Share on the record
//! (adding a member shares the record with them through the team); and the joining user must
//! hold, on the table, Read and every right the template grants, each at User (Basic) level or
//! above ("You can't add the user to the access team because the user doesn't have sufficient
//! privileges on the entity"). Every check is run and kept, so a deny lists all that is missing.
//!
//! Where the reference is silent, our reading: the joiner's privileges are a privilege check,
//! not a record decision, so roles held through any team count (the reference speaks of "the
//! user's privileges on the entity", and Dataverse's privilege checks include team roles), the
//! level only has to be User or above (the record need not lie within it: the team's share is
//! what gives access to the record), and the table is the template's, as R4.10 says ("the
//! entity specified in the template"), even when a request names a record of another table.

use crate::core::{AccessLevel, Privilege};
use crate::dataverse::actions::action::{Action, ActionReason, Check};
use crate::dataverse::configuration::access_teams::AccessTeamTemplateId;
use crate::dataverse::configuration::policy::*;
use crate::dataverse::evaluation::reason::RoleGrant;

impl DataversePolicy {
    /// The id of the access-team template named `name`.
    pub fn access_team_template_id(&self, name: &str) -> Option<AccessTeamTemplateId> {
        self.templates.names.get(name).map(AccessTeamTemplateId)
    }

    /// The name of an access-team template; `"?"` for an id of another policy.
    pub fn access_team_template_name(&self, template: AccessTeamTemplateId) -> &str {
        if template.index() < self.templates.names.len() {
            self.templates.names.name(template.0)
        } else {
            "?"
        }
    }

    /// May `adder` add `member` to the access team that `template` gives `record`?
    ///
    /// ```
    /// use accessgate::dataverse::*;
    /// use accessgate::{AccessLevel, Privilege};
    ///
    /// let mut model = DataverseModel::default();
    /// model.business_units.push(BusinessUnitDef::root("contoso"));
    /// model.tables.push(TableDef::user_owned("account"));
    /// model.roles.push(RoleDef::new("rep").grant("account", Privilege::READ | Privilege::WRITE | Privilege::SHARE, AccessLevel::User));
    /// model.roles.push(RoleDef::new("viewer").grant("account", Privilege::READ, AccessLevel::User));
    /// for (user, role) in [("owner", "rep"), ("helper", "rep"), ("guest", "viewer")] {
    ///     model.users.push(UserDef::new(user, "contoso"));
    ///     model.role_assignments.push(RoleAssignmentDef::user(user, role));
    /// }
    /// model.records.push(RecordDef::owned_by_user("a1", "account", "owner"));
    /// model.access_team_templates.push(AccessTeamTemplateDef::new("deal team", "account", Privilege::READ | Privilege::WRITE));
    /// let policy = model.build()?;
    /// let id = |u| policy.user_id(u).ok_or(u);
    /// let (template, record) = (policy.access_team_template_id("deal team").ok_or("t")?, policy.record_id("a1").ok_or("a1")?);
    ///
    /// assert!(policy.check_join_access_team(id("owner")?, id("helper")?, template, record).decision().is_allow());
    /// // guest holds Read but not Write on accounts: the template's Write is missing.
    /// let refused = policy.check_join_access_team(id("owner")?, id("guest")?, template, record);
    /// assert_eq!(refused.code(), "joiner_lacks_privilege");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn check_join_access_team(
        &self,
        adder: UserId,
        member: UserId,
        template: AccessTeamTemplateId,
        record: RecordId,
    ) -> ActionReason {
        let mut checks = Vec::new();
        let info = self.templates.templates.get(template.index()).copied();
        let table = self.records.info(record).map(|r| r.table);
        checks.push(Check::Template {
            template,
            record,
            table_matches: info.is_some() && info.map(|i| i.table) == table,
        });
        checks.push(Check::Record {
            privilege: Privilege::SHARE,
            record,
            reason: self.check(adder, Privilege::SHARE, record),
        });
        // R4.10: the privileges count "on the entity specified in the template".
        if let Some(info) = info {
            for privilege in (info.rights | Privilege::READ).iter() {
                let grant = self.best_grant_in_any_context(member, info.table, privilege);
                checks.push(Check::JoinerPrivilege {
                    member,
                    table: TableId(info.table),
                    privilege,
                    held: grant.map_or(AccessLevel::None, |g| g.level),
                    grant,
                });
            }
        }
        ActionReason {
            action: Action::JoinAccessTeam,
            checks,
        }
    }

    /// The highest level of `privilege` on `table` that any role of the user gives, held
    /// directly or through any team (a privilege check, not a record decision). A System
    /// Administrator holds everything at Organization level.
    fn best_grant_in_any_context(
        &self,
        user: UserId,
        table: u32,
        privilege: Privilege,
    ) -> Option<RoleGrant> {
        let bit = privilege.index()?;
        if let Some(all) = self.system_administrator_grant(user) {
            return Some(all);
        }
        self.grants_with_level(user, |role| self.cell(role, table, bit))
            .fold(None, |best: Option<RoleGrant>, g| {
                if g.level > best.map_or(AccessLevel::None, |b| b.level) {
                    Some(g)
                } else {
                    best
                }
            })
    }
}
