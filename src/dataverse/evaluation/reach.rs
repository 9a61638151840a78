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
//! Read the other way, each grant needs a minimum level to reach the record: User when its
//! context owns the record, Business Unit when its anchor is the owning unit, Parent: Child when
//! the anchor is above it, Organization otherwise; it reaches when the role's level is at least
//! that. The record side of those tests (does the user own it, through which team, what
//! pre-order number its unit has in the business-unit tree) does not depend on the grant, so
//! [`Target`] works it out once per decision; per grant the loop reads one packed role cell and
//! makes a few integer compares. A reason is built only for the grant that answers, and for the
//! highest level held when none does (the "outside levels" answer names it).

use crate::core::AccessLevel;
use crate::dataverse::configuration::model::RoleInheritance;
use crate::dataverse::configuration::policy::{
    BusinessUnitId, DataversePolicy, GrantSource, Owner, RecordInfo, RoleId, TeamId, UserId, Via,
};
use crate::dataverse::evaluation::reason::{Path, RecordReason, RoleGrant};

/// A record's side of the coverage tests, for one user; see the module docs.
struct Target {
    /// Organization-owned (R2.8): only Organization level reaches it, and nobody owns it.
    organization_owned: bool,
    unit: u32,
    /// The owning unit's pre-order number in the business-unit tree.
    unit_pre: u32,
    /// The owning team, or [`NO_TEAM`].
    owner_team: u32,
    /// How the user owns the record acting as themselves (owner, owning team member, owning
    /// team's administrator under A9), before the matrix-mode anchor rule; `None`: not at all.
    user_owns: Option<Path>,
    /// A5's other reading (matrix mode): ownership counts only for a grant anchored in the
    /// record's owning unit.
    anchor_must_be_unit: bool,
}

/// No owning team, in [`Target::owner_team`].
const NO_TEAM: u32 = u32::MAX;

/// The levels as the packed role cells number them ([`AccessLevel`] as `u32`).
const USER: u32 = AccessLevel::User as u32;
const BUSINESS_UNIT: u32 = AccessLevel::BusinessUnit as u32;
const PARENT_CHILD: u32 = AccessLevel::ParentChild as u32;
const ORGANIZATION: u32 = AccessLevel::Organization as u32;

/// The level a packed cell value names (`USER..=ORGANIZATION`).
fn level_of(value: u32) -> AccessLevel {
    AccessLevel::from_number(value).unwrap_or(AccessLevel::None)
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
    pub(crate) fn reach_with(
        &self,
        user: UserId,
        grants: &[GrantSource],
        bit: usize,
        record: &RecordInfo,
    ) -> Result<RecordReason, Option<RoleGrant>> {
        if grants.is_empty() || bit >= 8 {
            return Err(None);
        }
        let target = self.target(user.0, record);
        let (cells, tree) = (&*self.cells, &*self.tree);
        let shift = 3 * bit as u32;
        let user_owns = target.user_owns.is_some();
        let (mut best_level, mut best) = (0u32, None);
        for g in grants {
            let level = (cells.packed(g.role, record.table).bits() >> shift) & 0b111;
            // 0 is None and 7 "not applicable": neither gives the privilege.
            if !(USER..=ORGANIZATION).contains(&level) {
                continue;
            }
            if level > best_level {
                (best_level, best) = (level, Some(g));
            }
            // The lowest level that reaches the record through this grant (module docs).
            let needed = if target.organization_owned {
                ORGANIZATION
            } else if (!target.anchor_must_be_unit || g.anchor == target.unit)
                && match g.team() {
                    None => user_owns,
                    Some(team) => team == target.owner_team,
                }
            {
                USER
            } else if g.anchor == target.unit {
                BUSINESS_UNIT
            } else if level >= PARENT_CHILD
                && tree
                    .span(g.anchor)
                    .is_some_and(|(first, end)| first <= target.unit_pre && target.unit_pre < end)
            {
                PARENT_CHILD
            } else {
                ORGANIZATION
            };
            if level >= needed {
                return Ok(Self::role_level(&target, g, level, needed));
            }
            if user_owns && g.team().is_some() {
                if let Some(reason) = self.member_inherited(&target, g) {
                    return Ok(reason);
                }
            }
        }
        Err(best.map(|g| RoleGrant {
            role: RoleId(g.role),
            business_unit: BusinessUnitId(g.anchor),
            level: level_of(best_level),
            via: g.via(),
        }))
    }

    /// The answer when grant `g`, giving `level`, reaches the record needing `needed`: the
    /// ownership path when ownership was enough, otherwise the path the grant's level takes.
    fn role_level(target: &Target, g: &GrantSource, level: u32, needed: u32) -> RecordReason {
        let path = match (needed, g.team()) {
            (USER, Some(team)) => Path::OwningTeam(TeamId(team)),
            (USER, None) => target.user_owns.unwrap_or(Path::Owner),
            _ => match level {
                BUSINESS_UNIT => Path::BusinessUnit,
                PARENT_CHILD => Path::ParentChild,
                _ => Path::Organization,
            },
        };
        let grant = RoleGrant {
            role: RoleId(g.role),
            business_unit: BusinessUnitId(g.anchor),
            level: level_of(level),
            via: g.via(),
        };
        RecordReason::RoleLevel { grant, path }
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
            organization_owned: record.owner == Owner::Organization,
            unit: record.owning_unit,
            unit_pre: self.tree.pre_order(record.owning_unit).unwrap_or(u32::MAX),
            owner_team: match record.owner {
                Owner::Team(t) => t,
                Owner::User(_) | Owner::Organization => NO_TEAM,
            },
            user_owns,
            anchor_must_be_unit: self.options.matrix_mode
                && self.options.ownership_needs_role_in_owning_unit,
        }
    }

    /// R4.6: the Basic part of a member-inheriting team role reaches what the member owns, as
    /// if assigned to them at User level.
    #[cold]
    fn member_inherited(&self, target: &Target, grant: &GrantSource) -> Option<RecordReason> {
        let team = TeamId(grant.team()?);
        let path = target.user_owns?;
        if target.organization_owned
            || (target.anchor_must_be_unit && grant.anchor != target.unit)
            || self.roles.get(grant.role as usize).map(|r| r.inheritance)
                != Some(RoleInheritance::DirectUserBasicAndTeam)
        {
            return None;
        }
        let grant = RoleGrant {
            role: RoleId(grant.role),
            business_unit: BusinessUnitId(grant.anchor),
            level: AccessLevel::User,
            via: Via::TeamMemberInheritance(team),
        };
        Some(RecordReason::RoleLevel { grant, path })
    }
}
