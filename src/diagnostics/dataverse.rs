//! The Dataverse model's checks with paths: ids, references, the unit tree, role cells and
//! assignments. What they do not cover is caught by building the model afterwards.

use indexmap::IndexMap;

use super::locate::{index, key};
use super::suggest::suggest;
use super::{ids, BuildDiagnostic, Sink};
use crate::core::tree::Tree;
use crate::core::{AccessLevel, Privilege};
use crate::dataverse::{
    DataverseModel, EntityKind, ModelError, PrincipalRef, TableOwnership, TeamKind,
};
use crate::limits::BuildLimits;

const ROOT: &str = "dataverse";

/// The ids of one list, for lookups and suggestions.
struct Ids<'a> {
    kind: EntityKind,
    first: IndexMap<&'a str, usize>,
}

impl Ids<'_> {
    /// Reports `id` at `path` when it is not defined.
    fn refer(&self, id: &str, referrer: impl FnOnce() -> String, path: String, sink: &mut Sink) {
        if self.first.contains_key(id) {
            return;
        }
        let names: Vec<&str> = self.first.keys().copied().collect();
        let error = ModelError::UnknownReference {
            kind: self.kind,
            id: id.to_owned(),
            referrer: referrer(),
        };
        sink.push(BuildDiagnostic::new(error, path).suggest(suggest(id, &names)));
    }
}

fn list<'a>(
    name: &str,
    kind: EntityKind,
    items: impl Iterator<Item = &'a str>,
    sink: &mut Sink,
) -> Ids<'a> {
    let first = ids(
        &key(ROOT, name),
        items,
        || ModelError::EmptyId { kind },
        |id| ModelError::DuplicateId {
            kind,
            id: id.to_owned(),
        },
        sink,
    );
    Ids { kind, first }
}

pub(super) fn check(m: &DataverseModel, limits: &BuildLimits, sink: &mut Sink) {
    // A model over the limits is not read further; a name outside the names rule is reported
    // as the build reports it.
    if let Err(e) = crate::dataverse::configuration::limits::check(m, limits) {
        sink.push(BuildDiagnostic::new(e, ROOT.to_owned()));
        return;
    }
    if let Err(e) = crate::dataverse::configuration::names::check(m) {
        let path = locate_error(m, &e);
        sink.push(BuildDiagnostic::new(e, path));
    }
    let units = list(
        "business_units",
        EntityKind::BusinessUnit,
        m.business_units.iter().map(|b| b.id.as_str()),
        sink,
    );
    let tables = list(
        "tables",
        EntityKind::Table,
        m.tables.iter().map(|t| t.id.as_str()),
        sink,
    );
    let roles = list(
        "roles",
        EntityKind::Role,
        m.roles.iter().map(|r| r.id.as_str()),
        sink,
    );
    let users = list(
        "users",
        EntityKind::User,
        m.users.iter().map(|u| u.id.as_str()),
        sink,
    );
    let teams = list(
        "teams",
        EntityKind::Team,
        m.teams.iter().map(|t| t.id.as_str()),
        sink,
    );
    list(
        "relationships",
        EntityKind::Relationship,
        m.relationships.iter().map(|r| r.id.as_str()),
        sink,
    );
    business_units(m, &units, sink);
    role_cells(m, &tables, sink);
    principals(m, &units, &users, sink);
    assignments(m, &units, &roles, &users, &teams, sink);
    for (i, r) in m.relationships.iter().enumerate() {
        let at = index(&key(ROOT, "relationships"), i);
        let referrer = || format!("relationship `{}`", r.id);
        tables.refer(&r.parent_table, referrer, key(&at, "parent_table"), sink);
        tables.refer(&r.child_table, referrer, key(&at, "child_table"), sink);
    }

    // What the checks above do not cover (records, shares, columns, hierarchy, misc
    // privileges) the build finds: its first error, unless already reported.
    if let Err(e) = m.build_with_limits(limits) {
        if !sink.has(&e.clone().into()) {
            let path = locate_error(m, &e);
            sink.push(BuildDiagnostic::new(e, path));
        }
    }
}

/// Parents, the single root and cycles (R3.1).
fn business_units(m: &DataverseModel, units: &Ids<'_>, sink: &mut Sink) {
    let list = key(ROOT, "business_units");
    let mut parents: Vec<Option<u32>> = Vec::with_capacity(m.business_units.len());
    let mut roots: Vec<usize> = Vec::new();
    for (i, bu) in m.business_units.iter().enumerate() {
        match &bu.parent {
            None => {
                roots.push(i);
                parents.push(None);
            }
            Some(p) => {
                let at = key(&index(&list, i), "parent");
                let referrer = || format!("business unit `{}`", bu.id);
                units.refer(p, referrer, at, sink);
                // An unknown parent is reported above; the unit is then treated as a root's
                // child so that it makes no second error.
                let parent = units.first.get(p.as_str()).map(|&j| j as u32);
                parents.push(parent.or(Some(u32::MAX)));
            }
        }
    }
    let unit_count = m.business_units.len();
    match roots.as_slice() {
        [] if unit_count > 0 => sink.push(BuildDiagnostic::new(
            ModelError::NoRootBusinessUnit,
            list.clone(),
        )),
        [first, second, ..] => {
            let error = ModelError::MultipleRootBusinessUnits {
                first: m.business_units[*first].id.clone(),
                second: m.business_units[*second].id.clone(),
            };
            let d =
                BuildDiagnostic::new(error, index(&list, *second)).related(index(&list, *first));
            sink.push(d);
        }
        _ => {}
    }
    // Each cycle once: walk up from every unit not yet known to reach a root.
    let mut done = vec![false; unit_count];
    for start in 0..unit_count {
        if done[start] {
            continue;
        }
        let cycle = Tree::cycle_from(&parents, start as u32);
        let mut node = Some(start as u32);
        while let Some(n) = node.filter(|&n| (n as usize) < unit_count && !done[n as usize]) {
            done[n as usize] = true;
            node = parents.get(n as usize).copied().flatten();
        }
        let [first, ..] = cycle.as_slice() else {
            continue;
        };
        let name = |u: &u32| m.business_units[*u as usize].id.clone();
        let error = ModelError::BusinessUnitCycle {
            id: name(first),
            cycle: cycle.iter().map(name).collect(),
        };
        let parent_at = |u: &u32| key(&index(&list, *u as usize), "parent");
        let mut d = BuildDiagnostic::new(error, parent_at(first));
        for u in cycle.iter().skip(1) {
            d = d.related(parent_at(u));
        }
        sink.push(d);
    }
}

/// Each role's cells: known tables, applicable privileges, organization-owned levels.
fn role_cells(m: &DataverseModel, tables: &Ids<'_>, sink: &mut Sink) {
    for (r, role) in m.roles.iter().enumerate() {
        let role_at = key(&index(&key(ROOT, "roles"), r), "privileges");
        for (table_id, levels) in &role.privileges {
            let table_at = key(&role_at, table_id);
            let referrer = || format!("role `{}`", role.id);
            tables.refer(table_id, referrer, table_at.clone(), sink);
            let Some(table) = tables.first.get(table_id.as_str()).map(|&t| &m.tables[t]) else {
                continue;
            };
            let organization_owned = table.ownership == TableOwnership::Organization;
            let applicable = match (table.privileges, organization_owned) {
                (Some(p), _) => p,
                (None, true) => Privilege::all() - Privilege::ASSIGN - Privilege::SHARE,
                (None, false) => Privilege::all(),
            };
            let mut given = Privilege::empty();
            for (privileges, level) in levels {
                let at = key(&table_at, &privileges.to_string());
                if privileges.is_empty() {
                    let error = ModelError::EmptyPrivilegeKey {
                        role: role.id.clone(),
                        table: table_id.clone(),
                    };
                    sink.push(BuildDiagnostic::new(error, at.clone()));
                }
                for p in privileges.iter() {
                    let error = if !applicable.contains(p) {
                        ModelError::PrivilegeDoesNotApply {
                            role: role.id.clone(),
                            table: table_id.clone(),
                            privilege: p,
                        }
                    } else if organization_owned
                        && !matches!(level, AccessLevel::None | AccessLevel::Organization)
                    {
                        ModelError::OrganizationTableLevel {
                            role: role.id.clone(),
                            table: table_id.clone(),
                            privilege: p,
                            level: *level,
                        }
                    } else if given.contains(p) {
                        ModelError::PrivilegeGivenTwice {
                            role: role.id.clone(),
                            table: table_id.clone(),
                            privilege: p,
                        }
                    } else {
                        given |= p;
                        continue;
                    };
                    given |= p;
                    sink.push(BuildDiagnostic::new(error, at.clone()));
                }
            }
        }
    }
}

/// Users' and teams' units, team members and administrators.
fn principals(m: &DataverseModel, units: &Ids<'_>, users: &Ids<'_>, sink: &mut Sink) {
    for (i, u) in m.users.iter().enumerate() {
        let at = key(&index(&key(ROOT, "users"), i), "business_unit");
        units.refer(&u.business_unit, || format!("user `{}`", u.id), at, sink);
    }
    for (i, t) in m.teams.iter().enumerate() {
        let at = index(&key(ROOT, "teams"), i);
        let referrer = || format!("team `{}`", t.id);
        units.refer(&t.business_unit, referrer, key(&at, "business_unit"), sink);
        if let Some(a) = &t.administrator {
            users.refer(a, referrer, key(&at, "administrator"), sink);
        }
        for (j, member) in t.members.iter().enumerate() {
            users.refer(member, referrer, index(&key(&at, "members"), j), sink);
        }
    }
}

/// Role assignments: role, principal, unit, access teams and classic mode (R3.5, R4.2).
fn assignments(
    m: &DataverseModel,
    units: &Ids<'_>,
    roles: &Ids<'_>,
    users: &Ids<'_>,
    teams: &Ids<'_>,
    sink: &mut Sink,
) {
    for (i, a) in m.role_assignments.iter().enumerate() {
        let at = index(&key(ROOT, "role_assignments"), i);
        let referrer = || "a role assignment".to_owned();
        roles.refer(&a.role, referrer, key(&at, "role"), sink);
        let principal_at = key(&at, "principal");
        let to_role = || format!("the assignment of role `{}`", a.role);
        let (label, own) = match &a.principal {
            PrincipalRef::User(id) => {
                users.refer(id, to_role, key(&principal_at, "user"), sink);
                let own = users
                    .first
                    .get(id.as_str())
                    .map(|&u| m.users[u].business_unit.as_str());
                (format!("user `{id}`"), own)
            }
            PrincipalRef::Team(id) => {
                teams.refer(id, to_role, key(&principal_at, "team"), sink);
                let team = teams.first.get(id.as_str()).map(|&t| &m.teams[t]);
                if team.is_some_and(|t| !TeamKind::holds_roles(t.kind)) {
                    let error = ModelError::RoleOnAccessTeam {
                        team: id.clone(),
                        role: a.role.clone(),
                    };
                    sink.push(BuildDiagnostic::new(error, key(&principal_at, "team")));
                }
                (
                    format!("team `{id}`"),
                    team.map(|t| t.business_unit.as_str()),
                )
            }
        };
        let Some(b) = &a.business_unit else {
            continue;
        };
        let bu_at = key(&at, "business_unit");
        let referrer = || format!("the assignment of role `{}` to {label}", a.role);
        units.refer(b, referrer, bu_at.clone(), sink);
        match own {
            Some(own)
                if !m.options.matrix_mode && units.first.contains_key(b.as_str()) && b != own =>
            {
                let error = ModelError::AssignmentOutsideOwnBusinessUnit {
                    principal: label.clone(),
                    role: a.role.clone(),
                    business_unit: b.clone(),
                    own: own.to_owned(),
                };
                sink.push(BuildDiagnostic::new(error, bu_at));
            }
            _ => {}
        }
    }
}

/// The best path for an error the checks above did not place: the entry an id or referrer
/// names, else the model's root.
fn locate_error(m: &DataverseModel, e: &ModelError) -> String {
    let find = |list: &str, ids: &mut dyn Iterator<Item = &str>, id: &str| {
        let mut at = None;
        for (i, x) in ids.enumerate() {
            if x == id {
                at = Some(i);
                break;
            }
        }
        at.map(|i| index(&key(ROOT, list), i))
    };
    let entry = |kind: EntityKind, id: &str| -> Option<String> {
        match kind {
            EntityKind::BusinessUnit => find(
                "business_units",
                &mut m.business_units.iter().map(|x| x.id.as_str()),
                id,
            ),
            EntityKind::Table => find("tables", &mut m.tables.iter().map(|x| x.id.as_str()), id),
            EntityKind::Role => find("roles", &mut m.roles.iter().map(|x| x.id.as_str()), id),
            EntityKind::User => find("users", &mut m.users.iter().map(|x| x.id.as_str()), id),
            EntityKind::Team => find("teams", &mut m.teams.iter().map(|x| x.id.as_str()), id),
            EntityKind::Record => find("records", &mut m.records.iter().map(|x| x.id.as_str()), id),
            EntityKind::Position => find(
                "positions",
                &mut m.positions.iter().map(|x| x.id.as_str()),
                id,
            ),
            EntityKind::ColumnProfile => find(
                "column_security_profiles",
                &mut m.column_security_profiles.iter().map(|x| x.id.as_str()),
                id,
            ),
            _ => None,
        }
    };
    // A referrer is written as ``kind `id` ``.
    let referrer_entry = |referrer: &str| -> Option<String> {
        let (kind, id) = referrer.split_once(" `")?;
        let id = id.strip_suffix('`')?;
        let kind = match kind {
            "business unit" => EntityKind::BusinessUnit,
            "table" => EntityKind::Table,
            "role" => EntityKind::Role,
            "user" => EntityKind::User,
            "team" => EntityKind::Team,
            "record" => EntityKind::Record,
            "position" => EntityKind::Position,
            "column security profile" => EntityKind::ColumnProfile,
            _ => return None,
        };
        entry(kind, id)
    };
    let found = match e {
        ModelError::DuplicateId { kind, id } => entry(*kind, id),
        ModelError::UnknownReference { referrer, .. }
        | ModelError::ColumnNotSecured { referrer, .. } => referrer_entry(referrer),
        ModelError::MissingOwner { record, .. }
        | ModelError::OwnerOnOrganizationTable { record, .. }
        | ModelError::OwnedByAccessTeam { record, .. }
        | ModelError::OwningBusinessUnitMismatch { record, .. }
        | ModelError::RelationshipTableMismatch { record, .. } => entry(EntityKind::Record, record),
        ModelError::ShareOfOrganizationRecord { record }
        | ModelError::BadShareRights { record, .. } => m
            .shares
            .iter()
            .position(|s| &s.record == record)
            .map(|i| index(&key(ROOT, "shares"), i)),
        ModelError::EmptyMiscPrivilege { role }
        | ModelError::DuplicateMiscPrivilege { role, .. } => {
            entry(EntityKind::Role, role).map(|r| key(&r, "misc_privileges"))
        }
        ModelError::OrganizationTableAssignOrShare { table, .. } => {
            entry(EntityKind::Table, table).map(|t| key(&t, "privileges"))
        }
        ModelError::TeamTooLarge { team, .. } => {
            entry(EntityKind::Team, team).map(|t| key(&t, "members"))
        }
        ModelError::HierarchyCycle { kind, id } => entry(*kind, id),
        ModelError::NonCanonicalName {
            kind: EntityKind::Table,
            name,
            ..
        } => entry(EntityKind::Table, name).map(|t| key(&t, "id")),
        _ => None,
    };
    found.unwrap_or_else(|| ROOT.to_owned())
}
