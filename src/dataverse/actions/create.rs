//! Decisions on records that do not exist yet: creating one (R2.9, R1.7, R3.7) and the
//! privileges a would-be record needs (Append on a new record with lookups, R1.4).

use crate::core::{AccessLevel, Privilege};

use crate::dataverse::configuration::policy::*;
use crate::dataverse::evaluation::evaluate::BUSINESS_UNIT_TABLE;
use crate::dataverse::evaluation::reason::RecordReason;

const CREATE_BIT: usize = Privilege::CREATE.bits().trailing_zeros() as usize;
const ASSIGN_BIT: usize = Privilege::ASSIGN.bits().trailing_zeros() as usize;

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
        if u.admission() != Admission::Admitted {
            return RecordReason::NotAdmitted(u.admission());
        }
        let privilege = Privilege::CREATE;
        if !info.applicable.contains(privilege) {
            return RecordReason::PrivilegeDoesNotApply { table, privilege };
        }
        let (phantom, owner_unit) = match self.new_record(table, owner, owning_unit) {
            Ok(made) => made,
            Err(reason) => return reason,
        };
        let unit = phantom.owning_unit;

        let decided = if let Some((role, via)) = u.system_administrator() {
            RecordReason::SystemAdministrator {
                role: RoleId(role),
                via,
            }
        } else {
            match self.reach(user, CREATE_BIT, &phantom) {
                Ok(reason) => reason,
                Err(None) => return RecordReason::NoPrivilege { table, privilege },
                Err(Some(best)) => {
                    return RecordReason::CreateOutsideLevels {
                        table,
                        highest: best.level,
                    }
                }
            }
        };
        let for_someone_else = owner != PrincipalId::User(user);
        if self.options.create_for_other_requires_assign
            && for_someone_else
            && !info.organization_owned
            && u.system_administrator().is_none()
        {
            if let Err(best) = self.reach(user, ASSIGN_BIT, &phantom) {
                let highest = best.map_or(AccessLevel::None, |b| b.level);
                return RecordReason::CreateForOtherNeedsAssign { table, highest };
            }
        }
        if self.options.matrix_mode
            && !info.organization_owned
            && unit != owner_unit
            && u.system_administrator().is_none()
        {
            let append_to = Privilege::APPEND_TO.bits().trailing_zeros() as usize;
            let allowed = self
                .names
                .tables
                .get(BUSINESS_UNIT_TABLE)
                .is_some_and(|bu_table| {
                    self.users.grants(user.0).iter().any(|g| {
                        self.cell(g.role, bu_table, append_to)
                            .is_some_and(|l| l >= AccessLevel::BusinessUnit)
                    })
                });
            if !allowed {
                return RecordReason::OwningUnitNeedsAppendTo {
                    unit: BusinessUnitId(unit),
                };
            }
        }
        if !info.organization_owned && !self.may_own(owner, table.0) {
            return RecordReason::OwnerCannotOwn { owner, table };
        }
        decided
    }

    /// The record a create would make (table, owner, owning unit) and the owner's unit, or why
    /// it cannot be made: an unknown owner or unit, an access team as owner (R4.2), or another
    /// owning unit without matrix mode (R2.7).
    pub(crate) fn new_record(
        &self,
        table: TableId,
        owner: PrincipalId,
        owning_unit: Option<BusinessUnitId>,
    ) -> Result<(RecordInfo, u32), RecordReason> {
        let Some(info) = self.tables.get(table.index()) else {
            return Err(RecordReason::UnknownTable(table));
        };
        let (phantom_owner, owner_unit) = match owner {
            // The unit alone: a cache hit where the owner's whole entry would be a miss.
            PrincipalId::User(o) => match self.users.unit(o.index()) {
                Some(unit) => (Owner::User(o.0), unit),
                None => return Err(RecordReason::UnknownOwner(owner)),
            },
            PrincipalId::Team(t) => match self.teams.get(t.index()) {
                Some(team) if team.kind.holds_roles() => (Owner::Team(t.0), team.business_unit),
                Some(_) => return Err(RecordReason::OwnerCannotOwn { owner, table }),
                None => return Err(RecordReason::UnknownOwner(owner)),
            },
        };
        let unit = match owning_unit {
            None => owner_unit,
            Some(b) if b.index() >= self.names.business_units_len() => {
                return Err(RecordReason::UnknownBusinessUnit(b));
            }
            Some(b) if !self.options.matrix_mode && b.0 != owner_unit => {
                return Err(RecordReason::OwningUnitFixed {
                    requested: b,
                    owner_unit: BusinessUnitId(owner_unit),
                });
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
        Ok((phantom, owner_unit))
    }

    /// Whether `user` holds `privilege` at a level reaching a would-be record (R2.9's coverage
    /// test, for a privilege other than Create).
    pub(crate) fn new_record_privilege(
        &self,
        user: UserId,
        privilege: Privilege,
        phantom: &RecordInfo,
    ) -> RecordReason {
        let table = TableId(phantom.table);
        let Some(u) = self.users.get(user.index()) else {
            return RecordReason::UnknownUser(user);
        };
        if u.admission() != Admission::Admitted {
            return RecordReason::NotAdmitted(u.admission());
        }
        let applies = self
            .tables
            .get(phantom.table as usize)
            .is_some_and(|t| t.applicable.contains(privilege));
        let Some(bit) = privilege.index().filter(|_| applies) else {
            return RecordReason::PrivilegeDoesNotApply { table, privilege };
        };
        if let Some((role, via)) = u.system_administrator() {
            return RecordReason::SystemAdministrator {
                role: RoleId(role),
                via,
            };
        }
        match self.reach(user, bit, phantom) {
            Ok(reason) => reason,
            Err(None) => RecordReason::NoPrivilege { table, privilege },
            Err(Some(best)) => RecordReason::NewRecordOutsideLevels {
                table,
                privilege,
                highest: best.level,
            },
        }
    }
}
