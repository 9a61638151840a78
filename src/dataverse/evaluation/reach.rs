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
        self.reach_with(user, self.users.grants(user.0), bit, record)
    }

    /// [`reach`](Self::reach) over `grants`, the user's grants already read.
    #[inline]
    pub(crate) fn reach_with(
        &self,
        user: UserId,
        grants: &[GrantSource],
        bit: usize,
        record: &RecordInfo,
    ) -> Result<RecordReason, Option<RoleGrant>> {
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
            let reached = match self.grant_path(&target, g, level) {
                Some(path) => Some((path, level, g.via())),
                None if target.user_owns.is_some() && g.team().is_some() => {
                    self.member_inherited_path(&target, g)
                }
                None => None,
            };
            if let Some((path, level, via)) = reached {
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
            via: g.via(),
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

    /// How one grant giving `level` reaches the target, acting as it is held.
    #[inline]
    fn grant_path(&self, target: &Target, grant: &GrantSource, level: AccessLevel) -> Option<Path> {
        if target.owner == Owner::Organization {
            return (level == AccessLevel::Organization).then_some(Path::Organization);
        }
        if !target.anchor_must_be_unit || grant.anchor == target.unit {
            match grant.team() {
                None => {
                    if target.user_owns.is_some() {
                        return target.user_owns;
                    }
                }
                Some(team) => {
                    if target.owner == Owner::Team(team) {
                        return Some(Path::OwningTeam(TeamId(team)));
                    }
                }
            }
        }
        match level {
            AccessLevel::None | AccessLevel::User => None,
            AccessLevel::BusinessUnit => {
                (grant.anchor == target.unit).then_some(Path::BusinessUnit)
            }
            AccessLevel::ParentChild => {
                let (first, end) = self.tree.span(grant.anchor)?;
                (first <= target.unit_pre && target.unit_pre < end).then_some(Path::ParentChild)
            }
            AccessLevel::Organization => Some(Path::Organization),
        }
    }

    /// R4.6: the Basic part of a member-inheriting team role reaches what the member owns, as
    /// if assigned to them at User level.
    #[cold]
    fn member_inherited_path(
        &self,
        target: &Target,
        grant: &GrantSource,
    ) -> Option<(Path, AccessLevel, Via)> {
        let Via::Team(t) = grant.via() else {
            return None;
        };
        let path = target.user_owns?;
        if target.owner == Owner::Organization
            || (target.anchor_must_be_unit && grant.anchor != target.unit)
            || self.roles.get(grant.role as usize).map(|r| r.inheritance)
                != Some(RoleInheritance::DirectUserBasicAndTeam)
        {
            return None;
        }
        Some((path, AccessLevel::User, Via::TeamMemberInheritance(t)))
    }
}
