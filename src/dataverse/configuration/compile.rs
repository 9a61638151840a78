//! Validating a [`DataverseModel`] and compiling it into a [`DataversePolicy`].

use crate::core::id::{InternError, Interner, ID_LIMIT};
use crate::core::tree::{Tree, TreeShapeError};
use crate::core::{AccessLevel, Privilege};
use crate::limits::BuildLimits;

use std::sync::Arc;

use crate::dataverse::configuration::columns;
use crate::dataverse::configuration::delta;
use crate::dataverse::configuration::error::{EntityKind, ModelError};
use crate::dataverse::configuration::hierarchy;
use crate::dataverse::configuration::model::*;
use crate::dataverse::configuration::policy::*;
use crate::dataverse::configuration::role_cells::{RoleCells, RoleCellsBuilder};
use crate::dataverse::configuration::users::UserTableBuilder;
use crate::dataverse::records;

impl DataverseModel {
    /// Validates the model and compiles it into an immutable, `Send + Sync` snapshot.
    ///
    /// # Errors
    /// A [`ModelError`] naming the first offending id: an empty or duplicate id, a reference to an
    /// id that does not exist, a business-unit tree with no root, two roots or a cycle, a level
    /// other than None or Organization on an organization-owned table, a privilege given on a
    /// table where it does not apply, a role assigned outside the principal's unit in classic
    /// mode, a role on an access team, a record without an owner, or a bad share; a table id or
    /// column name breaking the [names rule](crate::dataverse#names); or
    /// [`ModelError::TooLarge`] when the model passes the default [`BuildLimits`].
    pub fn build(&self) -> Result<DataversePolicy, ModelError> {
        self.build_with_limits(&BuildLimits::default())
    }

    /// [`build`](Self::build) with explicit [`BuildLimits`]: a model passing one of them is
    /// refused before the build allocates for it.
    ///
    /// ```
    /// use accessgate::dataverse::*;
    /// use accessgate::BuildLimits;
    ///
    /// let mut model = DataverseModel::default();
    /// model.business_units.push(BusinessUnitDef::root("contoso"));
    /// model.roles.push(RoleDef::new("a"));
    /// model.roles.push(RoleDef::new("b"));
    /// let limits = BuildLimits::default().with_roles(1);
    /// assert_eq!(
    ///     model.build_with_limits(&limits).err(),
    ///     Some(ModelError::TooLarge { what: "roles", count: 2, limit: 1 })
    /// );
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    /// As [`build`](Self::build), with `limits` in place of the defaults.
    pub fn build_with_limits(&self, limits: &BuildLimits) -> Result<DataversePolicy, ModelError> {
        super::limits::check(self, limits)?;
        super::names::check(self)?;
        Compiler {
            model: self,
            limits,
        }
        .compile()
    }
}

struct Compiler<'a> {
    model: &'a DataverseModel,
    limits: &'a BuildLimits,
}

pub(crate) fn intern<'a>(
    kind: EntityKind,
    ids: impl ExactSizeIterator<Item = &'a str>,
) -> Result<Interner, ModelError> {
    Interner::from_ids(ids).map_err(|e| match e {
        InternError::Empty => ModelError::EmptyId { kind },
        InternError::Duplicate(id) => ModelError::DuplicateId {
            kind,
            id: id.into(),
        },
        InternError::TooMany(count) => ModelError::TooMany {
            kind,
            count,
            limit: ID_LIMIT,
        },
    })
}

/// Adds one id to an interner, as [`intern`] would have for a list ending in it.
pub(crate) fn intern_one(
    names: &mut Interner,
    kind: EntityKind,
    id: &str,
) -> Result<u32, ModelError> {
    if id.is_empty() {
        return Err(ModelError::EmptyId { kind });
    }
    if names.len() >= ID_LIMIT {
        return Err(ModelError::TooMany {
            kind,
            count: names.len() + 1,
            limit: ID_LIMIT,
        });
    }
    names.insert(id).ok_or_else(|| ModelError::DuplicateId {
        kind,
        id: id.into(),
    })
}

pub(crate) fn lookup(
    names: &Interner,
    kind: EntityKind,
    id: &str,
    referrer: impl FnOnce() -> String,
) -> Result<u32, ModelError> {
    names.get(id).ok_or_else(|| ModelError::UnknownReference {
        kind,
        id: id.into(),
        referrer: referrer(),
    })
}

/// Groups `(row, item)` pairs by row, each row's items sorted and deduplicated.
fn csr_from_pairs<T: Copy + Ord>(rows: usize, mut pairs: Vec<(u32, T)>) -> Csr<T> {
    pairs.sort_unstable();
    pairs.dedup();
    Csr::from_rows(rows, pairs)
}

impl Compiler<'_> {
    fn compile(self) -> Result<DataversePolicy, ModelError> {
        let m = self.model;
        let options = m.options;
        let names = Names {
            business_units: intern(
                EntityKind::BusinessUnit,
                m.business_units.iter().map(|b| b.id.as_str()),
            )?,
            tables: intern(EntityKind::Table, m.tables.iter().map(|t| t.id.as_str()))?,
            roles: intern(EntityKind::Role, m.roles.iter().map(|r| r.id.as_str()))?,
            users: intern(EntityKind::User, m.users.iter().map(|u| u.id.as_str()))?,
            teams: intern(EntityKind::Team, m.teams.iter().map(|t| t.id.as_str()))?,
            relationships: intern(
                EntityKind::Relationship,
                m.relationships.iter().map(|r| r.id.as_str()),
            )?,
        };

        // Business-unit tree (R3.1).
        let mut parents = Vec::with_capacity(m.business_units.len());
        for bu in &m.business_units {
            parents.push(match &bu.parent {
                None => None,
                Some(p) => Some(lookup(
                    &names.business_units,
                    EntityKind::BusinessUnit,
                    p,
                    || format!("business unit `{}`", bu.id),
                )?),
            });
        }
        let bu_name = |i: u32| names.business_units.name(i).to_owned();
        let tree = Tree::build(&parents).map_err(|e| match e {
            TreeShapeError::NoRoot => ModelError::NoRootBusinessUnit,
            TreeShapeError::MultipleRoots { first, second } => {
                ModelError::MultipleRootBusinessUnits {
                    first: bu_name(first),
                    second: bu_name(second),
                }
            }
            TreeShapeError::Cycle { node } | TreeShapeError::SelfParent { node } => {
                let cycle: Vec<String> = Tree::cycle_from(&parents, node)
                    .into_iter()
                    .map(bu_name)
                    .collect();
                ModelError::BusinessUnitCycle {
                    id: cycle.first().cloned().unwrap_or_else(|| bu_name(node)),
                    cycle,
                }
            }
        })?;
        let deepest = (0..parents.len() as u32).map(|u| tree.depth(u)).max();
        super::limits::check_depth(
            "levels of business units",
            deepest.unwrap_or(0) as usize,
            self.limits,
        )?;

        // Tables.
        let mut tables = Vec::with_capacity(m.tables.len());
        for t in &m.tables {
            let organization_owned = t.ownership == TableOwnership::Organization;
            let applicable = match (t.privileges, organization_owned) {
                (Some(p), true) if p.intersects(Privilege::ASSIGN | Privilege::SHARE) => {
                    return Err(ModelError::OrganizationTableAssignOrShare {
                        table: t.id.clone(),
                        privileges: p & (Privilege::ASSIGN | Privilege::SHARE),
                    })
                }
                (Some(p), _) => p,
                (None, true) => Privilege::all() - Privilege::ASSIGN - Privilege::SHARE,
                (None, false) => Privilege::all(),
            };
            tables.push(TableInfo {
                organization_owned,
                applicable,
                hierarchy_security: t.hierarchy_security,
            });
        }

        // Roles: cells for the tables each role mentions.
        let (roles, cells) = roles(m, &names, &tables)?;

        // Users.
        let mut users = Vec::with_capacity(m.users.len());
        for u in &m.users {
            let bu = lookup(
                &names.business_units,
                EntityKind::BusinessUnit,
                &u.business_unit,
                || format!("user `{}`", u.id),
            )?;
            users.push(UserInfo::new(bu, Admission::Admitted, delta::gate_of(u)));
        }

        // Teams and memberships.
        let mut teams = Vec::with_capacity(m.teams.len());
        let mut membership: Vec<(u32, u32)> = Vec::new();
        for (ti, t) in m.teams.iter().enumerate() {
            let bu = lookup(
                &names.business_units,
                EntityKind::BusinessUnit,
                &t.business_unit,
                || format!("team `{}`", t.id),
            )?;
            let administrator = match &t.administrator {
                None => None,
                Some(a) => Some(lookup(&names.users, EntityKind::User, a, || {
                    format!("team `{}`", t.id)
                })?),
            };
            for member in &t.members {
                let u = lookup(&names.users, EntityKind::User, member, || {
                    format!("team `{}`", t.id)
                })?;
                membership.push((u, ti as u32));
            }
            teams.push(TeamInfo {
                business_unit: bu,
                kind: t.kind,
                administrator,
            });
        }
        let team_members = csr_from_pairs(
            teams.len(),
            membership.iter().map(|&(u, t)| (t, u)).collect(),
        );
        let user_teams = csr_from_pairs(users.len(), membership);

        // Role assignments, resolved to (principal, role, anchor unit).
        let mut user_direct: Vec<(u32, (u32, u32))> = Vec::new();
        let mut team_roles: Vec<(u32, (u32, u32))> = Vec::new();
        for a in &m.role_assignments {
            let role = lookup(&names.roles, EntityKind::Role, &a.role, || {
                "a role assignment".to_owned()
            })?;
            let (principal_label, own_bu) = match &a.principal {
                PrincipalRef::User(id) => {
                    let u = lookup(&names.users, EntityKind::User, id, || {
                        format!("the assignment of role `{}`", a.role)
                    })?;
                    (format!("user `{id}`"), users[u as usize].business_unit)
                }
                PrincipalRef::Team(id) => {
                    let t = lookup(&names.teams, EntityKind::Team, id, || {
                        format!("the assignment of role `{}`", a.role)
                    })?;
                    if !teams[t as usize].kind.holds_roles() {
                        return Err(ModelError::RoleOnAccessTeam {
                            team: id.clone(),
                            role: a.role.clone(),
                        });
                    }
                    (format!("team `{id}`"), teams[t as usize].business_unit)
                }
            };
            let anchor = match &a.business_unit {
                None => own_bu,
                Some(b) => {
                    let b_idx = lookup(&names.business_units, EntityKind::BusinessUnit, b, || {
                        format!("the assignment of role `{}` to {principal_label}", a.role)
                    })?;
                    if !options.matrix_mode && b_idx != own_bu {
                        return Err(ModelError::AssignmentOutsideOwnBusinessUnit {
                            principal: principal_label,
                            role: a.role.clone(),
                            business_unit: b.clone(),
                            own: bu_name(own_bu),
                        });
                    }
                    b_idx
                }
            };
            match &a.principal {
                PrincipalRef::User(id) => {
                    if let Some(u) = names.users.get(id) {
                        user_direct.push((u, (role, anchor)));
                    }
                }
                PrincipalRef::Team(id) => {
                    if let Some(t) = names.teams.get(id) {
                        team_roles.push((t, (role, anchor)));
                    }
                }
            }
        }
        let user_direct = Csr::from_rows(users.len(), user_direct);
        let team_roles = Csr::from_rows(teams.len(), team_roles);

        // Each user's grant sources: direct assignments first, then each team's assignments
        // (the same derivation a configuration change re-runs for the users it touches).
        let teams = Chunks::from_vec(teams);
        let mut user_table = UserTableBuilder::default();
        {
            let inputs = delta::GrantInputs {
                options: &options,
                roles: &roles,
                teams: &teams,
                user_teams: &user_teams,
                team_roles: &team_roles,
            };
            for (u, user) in users.iter().enumerate() {
                let derived = delta::derive_grants(
                    &inputs,
                    u as u32,
                    user.business_unit,
                    user_direct.get(u as u32),
                );
                let enabled = m.users.get(u).is_some_and(|d| d.enabled);
                let user = user
                    .with_admission(delta::admission(&options, enabled, user.gate(), &derived))
                    .with_system_administrator(derived.system_administrator);
                user_table.push(user, &derived.grants);
            }
        }

        let relationships = relationships(m, &names)?;
        let templates =
            crate::dataverse::configuration::access_teams::compile(m, &names.tables, &tables)?;

        let config = Configuration {
            options,
            names: Arc::new(names),
            tree: Arc::new(tree),
            tables: Arc::new(tables),
            roles: Arc::new(roles),
            cells: Arc::new(cells),
            users: user_table.finish(),
            teams,
            team_members,
            user_teams,
            team_roles,
            user_enabled: Chunks::from_vec(m.users.iter().map(|u| u.enabled).collect()),
            relationships: Arc::new(relationships),
            hierarchy: Arc::default(),
            columns: columns::ColumnIndex::default(),
            misc: Arc::new(crate::dataverse::configuration::misc::compile(m)?),
            templates: Arc::new(templates),
            limits: *self.limits,
        };
        let records = records::load(m, &config)?;
        let hierarchy = Arc::new(hierarchy::compile(m, &config.names.users, self.limits)?);
        let columns = columns::compile(
            m,
            &config.names.users,
            &config.names.teams,
            &records,
            &config.user_teams,
        )?;
        let config = Configuration {
            hierarchy,
            columns,
            ..config
        };
        Ok(DataversePolicy {
            config: std::sync::Arc::new(config),
            records,
        })
    }
}

/// The relationships between tables (R5.8).
fn relationships(m: &DataverseModel, names: &Names) -> Result<Vec<RelationshipInfo>, ModelError> {
    let mut out = Vec::with_capacity(m.relationships.len());
    for r in &m.relationships {
        let referrer = || format!("relationship `{}`", r.id);
        out.push(RelationshipInfo {
            parent_table: lookup(&names.tables, EntityKind::Table, &r.parent_table, referrer)?,
            child_table: lookup(&names.tables, EntityKind::Table, &r.child_table, referrer)?,
            cascade: r.cascade_share,
        });
    }
    Ok(out)
}

/// Each role's flags and its cells, for the tables it mentions only.
fn roles(
    m: &DataverseModel,
    names: &Names,
    tables: &[TableInfo],
) -> Result<(Vec<RoleInfo>, RoleCells), ModelError> {
    let mut roles = Vec::with_capacity(m.roles.len());
    let mut cells = RoleCellsBuilder::with_roles(m.roles.len());
    for role in &m.roles {
        roles.push(RoleInfo {
            inheritance: role.inheritance,
            system_administrator: role.system_administrator,
        });
        let mut row = Vec::with_capacity(role.privileges.len());
        for (table_id, levels) in &role.privileges {
            let t = lookup(&names.tables, EntityKind::Table, table_id, || {
                format!("role `{}`", role.id)
            })?;
            let Some(&table) = tables.get(t as usize) else {
                continue;
            };
            row.push((t, table_cells(role, table_id, table, levels)?));
        }
        if !cells.push_role(row) {
            return Err(ModelError::TooLarge {
                what: "role_cells",
                count: usize::MAX,
                limit: u32::MAX as usize,
            });
        }
    }
    Ok((roles, cells.finish()))
}

/// The eight cells one role gives on one table, each privilege at most once.
fn table_cells(
    role: &RoleDef,
    table_id: &str,
    table: TableInfo,
    levels: &indexmap::IndexMap<Privilege, AccessLevel>,
) -> Result<[Cell; 8], ModelError> {
    let mut cells = [Cell::NOT_APPLICABLE; 8];
    let mut given = Privilege::empty();
    for (privileges, level) in levels {
        if privileges.is_empty() {
            return Err(ModelError::EmptyPrivilegeKey {
                role: role.id.clone(),
                table: table_id.to_owned(),
            });
        }
        for p in privileges.iter() {
            if !table.applicable.contains(p) {
                return Err(ModelError::PrivilegeDoesNotApply {
                    role: role.id.clone(),
                    table: table_id.to_owned(),
                    privilege: p,
                });
            }
            if table.organization_owned
                && !matches!(level, AccessLevel::None | AccessLevel::Organization)
            {
                return Err(ModelError::OrganizationTableLevel {
                    role: role.id.clone(),
                    table: table_id.to_owned(),
                    privilege: p,
                    level: *level,
                });
            }
            if given.contains(p) {
                return Err(ModelError::PrivilegeGivenTwice {
                    role: role.id.clone(),
                    table: table_id.to_owned(),
                    privilege: p,
                });
            }
            given |= p;
            if let Some(cell) = p.index().and_then(|bit| cells.get_mut(bit)) {
                *cell = Cell::level(*level);
            }
        }
    }
    Ok(cells)
}
