//! Whether a user's role grants reach a record (R2, R4.5, R4.6, R2.8, R2.9): the inner loop of
//! every record decision, and of every Create, Assign and new-record question.
//!
//! A grant is a role held directly or through a team, anchored in a business unit. It reaches a
//! record when the role's level for the privilege on the record's table covers it:
//!
//! | level | reaches |
//! |---|---|
//! | any (even User) | a record the grant's context owns: the user, or the owning team (R2.3, R2.10, R4.5) |
//! | Business Unit | a record whose owning unit is the anchor (R2.4) |
//! | Parent: Child | a record whose owning unit is the anchor or below it (R2.5) |
//! | Organization | every record, and the only level that reaches organization-owned ones (R2.6, R2.8) |
//!
//! A team's role acts as the team (ownership means "the team owns it"); the Basic part of a
//! "Direct User (Basic) access level and Team privileges" role also acts as the member (R4.6).
//!
//! The record side of those tests (does the user own it, through which team, what pre-order
//! number its unit has in the business-unit tree) does not depend on the grant, so [`Target`]
//! works it out once per decision; per grant the loop reads one packed role cell and makes one or
//! two compares. A reason is built only for the grant that answers, and for the highest level
//! held when none does (the "outside levels" answer names it).

use crate::core::AccessLevel;
use crate::dataverse::configuration::model::RoleInheritance;
use crate::dataverse::configuration::policy::{
    BusinessUnitId, DataversePolicy, GrantSource, Owner, RecordInfo, RoleId, TeamId, UserId, Via,
};
use crate::dataverse::evaluation::reason::{Path, RecordReason, RoleGrant};

/// A record's side of the coverage tests, for one user; see the module docs.
struct Target {
    owner: Owner,
    unit: u32,
    /// The owning unit's pre-order number in the business-unit tree.
    unit_pre: u32,
    /// How the user owns the record acting as themselves (owner, owning team member, owning
    /// team's administrator under A9), before the matrix-mode anchor rule; `None`: not at all.
    user_owns: Option<Path>,
    /// A5's other reading (matrix mode): ownership counts only for a grant anchored in the
    /// record's owning unit.
    anchor_must_be_unit: bool,
}

impl DataversePolicy {
    /// The first grant of a privilege (by bit) whose level reaches the record, existing or
    /// would-be (R2, R4.5, R4.6, R2.9), or the highest level held when none does (`Err(None)`:
    /// no grant gives the privilege at all). Organization-owned records are reached by
    /// Organization level only (R2.8).
    pub(crate) fn reach(
        &self,
        user: UserId,
        bit: usize,
        record: &RecordInfo,
    ) -> Result<RecordReason, Option<RoleGrant>> {
        let grants = self.user_grants.get(user.0);
        if grants.is_empty() {
            return Err(None);
        }
        let target = self.target(user.0, record);
        let mut best: Option<(AccessLevel, &GrantSource)> = None;
        for g in grants {
            let level = match self.cells.packed(g.role, record.table).get(bit) {
                Some(AccessLevel::None) | None => continue,
                Some(level) => level,
            };
            if best.is_none_or(|(b, _)| level > b) {
                best = Some((level, g));
            }
            if let Some((path, level, via)) = self.grant_reaches(&target, g, level) {
                let grant = RoleGrant {
                    role: RoleId(g.role),
                    business_unit: BusinessUnitId(g.anchor),
                    level,
                    via,
                };
                return Ok(RecordReason::RoleLevel { grant, path });
            }
        }
        Err(best.map(|(level, g)| RoleGrant {
            role: RoleId(g.role),
            business_unit: BusinessUnitId(g.anchor),
            level,
            via: g.via,
        }))
    }

    /// The record side of the coverage tests for `user`.
    fn target(&self, user: u32, record: &RecordInfo) -> Target {
        let user_owns = match record.owner {
            Owner::User(o) => (o == user).then_some(Path::Owner),
            Owner::Team(t) => {
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
            Owner::Organization => None,
        };
        Target {
            owner: record.owner,
            unit: record.owning_unit,
            unit_pre: self.tree.pre_order(record.owning_unit).unwrap_or(u32::MAX),
            user_owns,
            anchor_must_be_unit: self.options.matrix_mode
                && self.options.ownership_needs_role_in_owning_unit,
        }
    }

    /// How one grant giving `level` reaches the target: the path, and the level and holding it
    /// applied as (a team's member-inheriting role applies to its members at Basic, R4.6).
    #[inline]
    fn grant_reaches(
        &self,
        target: &Target,
        grant: &GrantSource,
        level: AccessLevel,
    ) -> Option<(Path, AccessLevel, Via)> {
        if target.owner == Owner::Organization {
            return (level == AccessLevel::Organization).then_some((
                Path::Organization,
                level,
                grant.via,
            ));
        }
        let owned_counts = !target.anchor_must_be_unit || grant.anchor == target.unit;
        let owned = match grant.via {
            Via::Direct | Via::TeamMemberInheritance(_) => {
                target.user_owns.filter(|_| owned_counts)
            }
            Via::Team(t) => {
                (owned_counts && target.owner == Owner::Team(t.0)).then_some(Path::OwningTeam(t))
            }
        };
        let path = owned.or(match level {
            AccessLevel::None | AccessLevel::User => None,
            AccessLevel::BusinessUnit => {
                (grant.anchor == target.unit).then_some(Path::BusinessUnit)
            }
            AccessLevel::ParentChild => self
                .tree
                .span(grant.anchor)
                .is_some_and(|(first, end)| first <= target.unit_pre && target.unit_pre < end)
                .then_some(Path::ParentChild),
            AccessLevel::Organization => Some(Path::Organization),
        });
        if let Some(path) = path {
            return Some((path, level, grant.via));
        }
        // R4.6: the Basic part of a member-inheriting team role reaches what the member owns.
        match grant.via {
            Via::Team(t)
                if owned_counts
                    && self.roles.get(grant.role as usize).map(|r| r.inheritance)
                        == Some(RoleInheritance::DirectUserBasicAndTeam) =>
            {
                target
                    .user_owns
                    .map(|path| (path, AccessLevel::User, Via::TeamMemberInheritance(t)))
            }
            Via::Direct | Via::Team(_) | Via::TeamMemberInheritance(_) => None,
        }
    }
}
