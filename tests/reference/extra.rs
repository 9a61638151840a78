//! Extra randomness on top of `common::model`: every option of `DataverseOptions`, the user
//! gate fields, table applicability and hierarchy flags, Append To on the `businessunit` table
//! (R3.7) and column shares (R7.7).
//!
//! It only *adds* to a model `common::model` made, so existing callers of `common` are
//! unchanged; the result is valid by construction.

use accessgate::dataverse::*;
use accessgate::{AccessLevel, Privilege};
use proptest::prelude::*;

/// The raw choices.
#[derive(Debug, Clone)]
pub struct Extra {
    /// Boolean options, in the order of `apply`.
    pub flags: [bool; 12],
    /// A6b: the manager's minimum level, 1 (User) or 2 (Business Unit).
    pub manager_minimum: u8,
    /// Per user: licensed, in the security group, application user, Power Platform admin.
    pub users: Vec<(bool, bool, bool, bool)>,
    /// Per table: hierarchy security, and a privilege to make not applicable (rarely).
    pub tables: Vec<(bool, Option<u8>)>,
    /// Per role: the level code (0..=4, 5 none) of Append To on `businessunit`.
    pub business_unit_cells: Vec<u8>,
    /// Column shares: (record pick, column, to a team, principal pick, read, update).
    pub field_shares: Vec<(usize, u8, bool, usize, bool, bool)>,
    /// Per user, a role pick to assign directly in the user's own unit (more admitted users).
    pub direct_roles: Vec<Option<usize>>,
}

/// A strategy for [`Extra`].
pub fn extra() -> impl Strategy<Value = Extra> {
    (
        any::<[bool; 12]>(),
        1u8..3,
        prop::collection::vec(
            (
                prop::bool::weighted(0.9),
                prop::bool::weighted(0.9),
                prop::bool::weighted(0.1),
                prop::bool::weighted(0.1),
            ),
            8,
        ),
        prop::collection::vec(
            (
                prop::bool::weighted(0.8),
                prop::option::weighted(0.15, 0u8..8),
            ),
            4,
        ),
        prop::collection::vec(0u8..6, 5),
        prop::collection::vec(
            (
                any::<usize>(),
                0u8..3,
                any::<bool>(),
                any::<usize>(),
                any::<bool>(),
                any::<bool>(),
            ),
            0..3,
        ),
        prop::collection::vec(prop::option::weighted(0.5, any::<usize>()), 8),
    )
        .prop_map(
            |(
                flags,
                manager_minimum,
                users,
                tables,
                business_unit_cells,
                field_shares,
                direct_roles,
            )| {
                Extra {
                    flags,
                    manager_minimum,
                    users,
                    tables,
                    business_unit_cells,
                    field_shares,
                    direct_roles,
                }
            },
        )
}

/// Applies the choices to a valid model, keeping it valid.
pub fn apply(m: &mut DataverseModel, e: &Extra) {
    let f = e.flags;
    let o = &mut m.options;
    o.security_group_required = f[0];
    o.per_app_plan_allocated = f[1] && f[2];
    o.many_to_many_requires_append_to = f[2];
    o.sharer_must_hold_rights = f[3];
    o.ownership_needs_role_in_owning_unit = f[4];
    o.strict_dependencies = !f[5];
    o.owner_shares_without_privilege = f[6];
    o.create_for_other_requires_assign = f[7];
    o.column_profiles_through_access_teams = !f[8];
    o.hierarchy.include_disabled_reports = !f[9];
    o.hierarchy.include_inherited_shares = !f[10];
    o.hierarchy.manager_unit_reach = if f[11] {
        ManagerUnitReach::AnyAncestor
    } else {
        ManagerUnitReach::DirectParent
    };
    // R6.3 may be lifted only in matrix mode.
    o.hierarchy.managers_must_be_in_same_or_parent_unit = !(o.matrix_mode && f[4] && f[11]);
    o.hierarchy.manager_minimum_level = AccessLevel::ALL[e.manager_minimum as usize];

    for (u, &(licensed, in_group, app, admin)) in m.users.iter_mut().zip(&e.users) {
        u.licensed = licensed;
        u.in_security_group = in_group;
        u.application_user = app;
        u.power_platform_admin = admin;
    }

    for (u, pick) in m.users.iter().zip(&e.direct_roles) {
        if let (Some(pick), false) = (pick, m.roles.is_empty()) {
            let role = m.roles[pick % m.roles.len()].id.clone();
            m.role_assignments
                .push(RoleAssignmentDef::user(&u.id, &role));
        }
    }

    // Table flags; a privilege made not applicable is dropped from every role too.
    for (t, &(hierarchy, dropped)) in m.tables.iter_mut().zip(&e.tables) {
        t.hierarchy_security = hierarchy;
        if let Some(bit) = dropped {
            let p = Privilege::EACH[bit as usize];
            let all = match t.ownership {
                TableOwnership::UserOrTeam => Privilege::all(),
                TableOwnership::Organization => {
                    Privilege::all() - Privilege::ASSIGN - Privilege::SHARE
                }
            };
            t.privileges = Some(all - p);
            for role in &mut m.roles {
                if let Some(cells) = role.privileges.get_mut(&t.id) {
                    let keys: Vec<Privilege> =
                        cells.keys().copied().filter(|k| k.contains(p)).collect();
                    for k in keys {
                        if let Some(l) = cells.shift_remove(&k) {
                            if k != p {
                                cells.insert(k - p, l);
                            }
                        }
                    }
                }
            }
            // Shares carrying a right that no longer applies stay valid (rights are not
            // checked against the table), so they are kept.
        }
    }

    // R3.7: the business-unit table, with Append To in some roles.
    m.tables.push(TableDef::user_owned(BUSINESS_UNIT_TABLE));
    for (role, &code) in m.roles.iter_mut().zip(&e.business_unit_cells) {
        if let Some(&level) = AccessLevel::ALL.get(code as usize) {
            *role = role
                .clone()
                .grant(BUSINESS_UNIT_TABLE, Privilege::APPEND_TO, level);
        }
    }

    // R7.7: column shares of secured columns.
    if !m.records.is_empty() {
        for &(rec, column, to_team, who, read, update) in &e.field_shares {
            let record = &m.records[rec % m.records.len()];
            let table = m.tables.iter().find(|t| t.id == record.table);
            let column = format!("c{column}");
            if !table.is_some_and(|t| t.secured_columns.contains(&column)) {
                continue;
            }
            let with = if to_team && !m.teams.is_empty() {
                PrincipalRef::Team(m.teams[who % m.teams.len()].id.clone())
            } else {
                PrincipalRef::User(m.users[who % m.users.len()].id.clone())
            };
            let mut share = FieldShareDef::new(&record.id, &column, with);
            share.read = read;
            share.update = update;
            m.field_shares.push(share);
        }
    }
}
