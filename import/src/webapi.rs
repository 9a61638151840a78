//! Web API import: a folder of OData JSON payloads as the Dataverse Web API returns them.
//!
//! Each file is one response body, `{"value": [...]}`, with GUID ids and lookups as
//! `_<name>_value` fields. Every file is optional (a missing file is an empty list). The fields
//! read, and nothing else:
//!
//! | file | fields |
//! |---|---|
//! | `businessunits.json` | `businessunitid`, `name`, `_parentbusinessunitid_value` (null at the root) |
//! | `systemusers.json` | `systemuserid`, `domainname`, `fullname`, `_businessunitid_value`, `isdisabled`, `islicensed` (absent: licensed), `_parentsystemuserid_value` (manager), `_positionid_value`, `applicationid` (non-null: an application user) |
//! | `positions.json` | `positionid`, `name`, `_parentpositionid_value` |
//! | `teams.json` | `teamid`, `name`, `teamtype` (0 owner, 1 access, 2 Entra security group, 3 Microsoft 365 group), `_businessunitid_value`, `_administratorid_value` |
//! | `teammembership.json` | `systemuserid`, `teamid` (rows of the N:N `teammembership_association`) |
//! | `roles.json` | `roleid`, `name`, `_businessunitid_value`, `_parentrootroleid_value`, `_roletemplateid_value` |
//! | `systemuserroles.json` | `systemuserid`, `roleid` |
//! | `teamroles.json` | `teamid`, `roleid` |
//! | `principalobjectaccess.json` | `objectid`, `_principalid_value` or `principalid`, `principaltypecode` (`systemuser` or `team`), `accessrightsmask`, `inheritedaccessrightsmask`, `objecttypecode` (the table's logical name) |
//! | `records/<table>.json` | `<table>id`, `_owninguser_value`, `_owningteam_value`, `_owningbusinessunit_value`, `statecode` (0 active) |
//!
//! Ids: business units, users and teams keep their GUID (lowercase, without braces) as model
//! id, because a GUID is stable and a name is not; names go to
//! [`ImportReport::display_names`]. A role is a per-business-unit copy of a root role
//! (`_parentrootroleid_value`); every copy maps to the root role's `name`, the id a solution
//! import gives the same role, so the privileges come from the solution given as `base`. The
//! role whose `_roletemplateid_value` is [`SYSTEM_ADMINISTRATOR_TEMPLATE`] is the System
//! Administrator. A role assigned through a copy in another business unit than the principal's
//! switches matrix mode on (noted in the report).
//!
//! Access rights (`accessrightsmask`): Read 1, Write 2, Append 4, AppendTo 16, Create 32,
//! Delete 65536, Share 262144, Assign 524288. Create is not a right on a record and other bits
//! are unknown: both are reported and left out.

use std::path::Path;

use accessgate::dataverse::{
    BusinessUnitDef, DataverseModel, DataversePolicy, PositionDef, PrincipalRef, RecordFacts,
    RecordId, RecordOwner, RecordStore, RoleAssignmentDef, RoleDef, ShareFact, SharedWith, TeamDef,
    TeamKind, UserDef,
};
use accessgate::Privilege;
use indexmap::{IndexMap, IndexSet};
use serde_json::Value;

use crate::error::{ImportError, Unmapped, UnmappedKind};

mod record_data;
use crate::report::{ImportOptions, ImportReport, Imported};
pub use record_data::{mask_of, rights_of};

/// The `roletemplateid` of Dataverse's System Administrator role.
pub const SYSTEM_ADMINISTRATOR_TEMPLATE: &str = "627090ff-40a3-4053-8790-584edc5be201";

/// The access-right bits of PrincipalObjectAccess and the privilege each stands for.
pub const ACCESS_RIGHTS: [(u64, Privilege); 7] = [
    (1, Privilege::READ),
    (2, Privilege::WRITE),
    (4, Privilege::APPEND),
    (16, Privilege::APPEND_TO),
    (65_536, Privilege::DELETE),
    (262_144, Privilege::SHARE),
    (524_288, Privilege::ASSIGN),
];

/// The Create bit of an access-rights mask: not a right on a record.
pub const CREATE_RIGHT: u64 = 32;

/// An imported Web API dump: the configuration model, its report, and the records and shares
/// to load into a [`RecordStore`] once the model is built.
#[derive(Debug, Clone)]
pub struct WebApiImport {
    /// The model and the report.
    pub imported: Imported,
    records: Vec<RecordRow>,
    shares: Vec<ShareRow>,
}

#[derive(Debug, Clone)]
struct RecordRow {
    file: String,
    table: String,
    id: String,
    owner: Option<PrincipalRef>,
    owning_business_unit: Option<String>,
    active: bool,
}

#[derive(Debug, Clone)]
struct ShareRow {
    file: String,
    row: usize,
    table: String,
    object: String,
    with: PrincipalRef,
    rights: Privilege,
}

/// A GUID as a model id: lowercase, without braces.
fn guid(s: &str) -> String {
    s.trim()
        .trim_start_matches('{')
        .trim_end_matches('}')
        .to_ascii_lowercase()
}

struct Payload {
    file: String,
    rows: Vec<Value>,
}

impl Payload {
    fn read(dir: &Path, name: &str) -> Result<Payload, ImportError> {
        let path = dir.join(name);
        if !path.is_file() {
            return Ok(Payload {
                file: name.to_owned(),
                rows: Vec::new(),
            });
        }
        let bytes = std::fs::read(&path).map_err(|source| ImportError::Io {
            path: path.display().to_string(),
            source,
        })?;
        Payload::parse(name, &bytes)
    }

    fn parse(name: &str, bytes: &[u8]) -> Result<Payload, ImportError> {
        let json = |message: String| ImportError::Json {
            file: name.to_owned(),
            message,
        };
        let bytes = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]).unwrap_or(bytes);
        let value: Value = serde_json::from_slice(bytes).map_err(|e| json(e.to_string()))?;
        let Some(Value::Array(rows)) = value.get("value") else {
            return Err(json("expected an object with a `value` array".into()));
        };
        Ok(Payload {
            file: name.to_owned(),
            rows: rows.clone(),
        })
    }

    fn field_error(&self, row: usize, field: &'static str, expected: &'static str) -> ImportError {
        ImportError::Field {
            file: self.file.clone(),
            row,
            field,
            expected,
        }
    }

    /// A required GUID field.
    fn id(&self, row: usize, field: &'static str) -> Result<String, ImportError> {
        self.opt_str(row, field)?
            .map(|s| guid(&s))
            .filter(|s| !s.is_empty())
            .ok_or_else(|| self.field_error(row, field, "a GUID string"))
    }

    /// An optional string field (absent or null: `None`).
    fn opt_str(&self, row: usize, field: &'static str) -> Result<Option<String>, ImportError> {
        match self.rows.get(row).and_then(|r| r.get(field)) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(_) => Err(self.field_error(row, field, "a string")),
        }
    }

    fn opt_bool(&self, row: usize, field: &'static str) -> Result<Option<bool>, ImportError> {
        match self.rows.get(row).and_then(|r| r.get(field)) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(_) => Err(self.field_error(row, field, "a boolean")),
        }
    }

    fn opt_u64(&self, row: usize, field: &'static str) -> Result<Option<u64>, ImportError> {
        match self.rows.get(row).and_then(|r| r.get(field)) {
            None | Some(Value::Null) => Ok(None),
            Some(v) => v
                .as_u64()
                .map(Some)
                .ok_or_else(|| self.field_error(row, field, "a non-negative integer")),
        }
    }

    fn len(&self) -> usize {
        self.rows.len()
    }
}

struct Ctx<'a> {
    report: &'a mut ImportReport,
}

impl Ctx<'_> {
    fn unknown(&mut self, p: &Payload, row: usize, kind: &'static str, id: &str) {
        self.report.push_unmapped(Unmapped {
            file: p.file.clone(),
            context: Some(format!("row {row}")),
            item: id.to_owned(),
            kind: UnmappedKind::UnknownReference {
                kind,
                id: id.to_owned(),
            },
        });
    }

    fn not_expressible(&mut self, p: &Payload, row: usize, item: &str, detail: String) {
        self.report.push_unmapped(Unmapped {
            file: p.file.clone(),
            context: Some(format!("row {row}")),
            item: item.to_owned(),
            kind: UnmappedKind::NotExpressible { detail },
        });
    }
}

/// Imports a folder of Web API payloads over `base`, a model holding the tables and roles
/// (usually a solution import's); business units, users, teams, positions and role
/// assignments replace any `base` has.
///
/// # Errors
/// A file that cannot be read or is not `{"value": [...]}` JSON; a row without a required id
/// field; with [`OnUnmapped::Fail`](crate::OnUnmapped::Fail), the first unmapped row.
pub fn import_webapi(
    dir: &Path,
    base: DataverseModel,
    options: &ImportOptions,
) -> Result<WebApiImport, ImportError> {
    let read = |name| Payload::read(dir, name);
    let mut report = ImportReport::default();
    let mut model = base;
    let mut ctx = Ctx {
        report: &mut report,
    };
    let units = business_units(&mut ctx, &read("businessunits.json")?)?;
    model.business_units = units;
    let unit_ids: IndexSet<String> = model.business_units.iter().map(|b| b.id.clone()).collect();
    model.positions = positions(&mut ctx, &read("positions.json")?)?;
    model.users = users(
        &mut ctx,
        &read("systemusers.json")?,
        &unit_ids,
        &mut model.positions,
    )?;
    let user_units: IndexMap<String, String> = model
        .users
        .iter()
        .map(|u| (u.id.clone(), u.business_unit.clone()))
        .collect();
    model.teams = teams(
        &mut ctx,
        &read("teams.json")?,
        &read("teammembership.json")?,
        &unit_ids,
        &user_units,
    )?;
    let team_info: IndexMap<String, (String, TeamKind)> = model
        .teams
        .iter()
        .map(|t| (t.id.clone(), (t.business_unit.clone(), t.kind)))
        .collect();
    let copies = roles(&mut ctx, &read("roles.json")?, &mut model.roles)?;
    let mut assignments = Vec::new();
    let mut matrix = false;
    for (file, principal_field, is_user) in [
        ("systemuserroles.json", "systemuserid", true),
        ("teamroles.json", "teamid", false),
    ] {
        let p = read(file)?;
        for row in 0..p.len() {
            let principal = p.id(row, principal_field)?;
            let role = p.id(row, "roleid")?;
            let Some((role_name, role_unit)) = copies.get(&role) else {
                ctx.unknown(&p, row, "role", &role);
                continue;
            };
            let (own_unit, principal_ref) = if is_user {
                let Some(unit) = user_units.get(&principal) else {
                    ctx.unknown(&p, row, "user", &principal);
                    continue;
                };
                (unit.clone(), PrincipalRef::User(principal))
            } else {
                let Some((unit, kind)) = team_info.get(&principal) else {
                    ctx.unknown(&p, row, "team", &principal);
                    continue;
                };
                if !kind.holds_roles() {
                    ctx.not_expressible(
                        &p,
                        row,
                        &principal,
                        format!(
                            "assigns role `{role_name}` to an access team, which holds no roles"
                        ),
                    );
                    continue;
                }
                (unit.clone(), PrincipalRef::Team(principal))
            };
            let mut a = RoleAssignmentDef::new(principal_ref, role_name);
            if role_unit.as_deref().is_some_and(|u| u != own_unit) {
                a.business_unit = role_unit.clone();
                matrix = true;
            }
            if !assignments.contains(&a) {
                assignments.push(a);
            }
        }
    }
    if matrix {
        model.options.matrix_mode = true;
        ctx.report.notes.push(
            "a role is assigned in another business unit than its holder's: matrix mode \
             (record ownership across business units) is switched on"
                .into(),
        );
    }
    model.role_assignments = assignments;
    let records = record_data::records(&mut ctx, dir)?;
    let shares = record_data::shares(&mut ctx, &read("principalobjectaccess.json")?)?;
    report.check(options)?;
    Ok(WebApiImport {
        imported: Imported { model, report },
        records,
        shares,
    })
}

fn business_units(ctx: &mut Ctx<'_>, p: &Payload) -> Result<Vec<BusinessUnitDef>, ImportError> {
    let mut out = Vec::with_capacity(p.len());
    for row in 0..p.len() {
        let id = p.id(row, "businessunitid")?;
        let parent = p
            .opt_str(row, "_parentbusinessunitid_value")?
            .map(|s| guid(&s));
        if let Some(name) = p.opt_str(row, "name")? {
            ctx.report.display_names.insert(id.clone(), name);
        }
        out.push(match parent {
            Some(parent) => BusinessUnitDef::child(&id, &parent),
            None => BusinessUnitDef::root(&id),
        });
    }
    Ok(out)
}

fn positions(ctx: &mut Ctx<'_>, p: &Payload) -> Result<Vec<PositionDef>, ImportError> {
    let mut out = Vec::with_capacity(p.len());
    for row in 0..p.len() {
        let id = p.id(row, "positionid")?;
        let parent = p.opt_str(row, "_parentpositionid_value")?.map(|s| guid(&s));
        if let Some(name) = p.opt_str(row, "name")? {
            ctx.report.display_names.insert(id.clone(), name);
        }
        out.push(match parent {
            Some(parent) => PositionDef::child(&id, &parent),
            None => PositionDef::top(&id),
        });
    }
    Ok(out)
}

fn users(
    ctx: &mut Ctx<'_>,
    p: &Payload,
    units: &IndexSet<String>,
    positions: &mut Vec<PositionDef>,
) -> Result<Vec<UserDef>, ImportError> {
    let mut out: Vec<UserDef> = Vec::with_capacity(p.len());
    let mut managers = Vec::new();
    for row in 0..p.len() {
        let id = p.id(row, "systemuserid")?;
        let unit = p.id(row, "_businessunitid_value")?;
        if !units.contains(&unit) {
            ctx.unknown(p, row, "business unit", &unit);
            continue;
        }
        let mut user = UserDef::new(&id, &unit);
        user.enabled = !p.opt_bool(row, "isdisabled")?.unwrap_or(false);
        user.licensed = p.opt_bool(row, "islicensed")?.unwrap_or(true);
        user.application_user = p
            .opt_str(row, "applicationid")?
            .is_some_and(|a| !a.trim().is_empty());
        if let Some(position) = p.opt_str(row, "_positionid_value")?.map(|s| guid(&s)) {
            if !positions.iter().any(|x| x.id == position) {
                positions.push(PositionDef::top(&position));
            }
            user.position = Some(position);
        }
        if let Some(m) = p.opt_str(row, "_parentsystemuserid_value")? {
            managers.push((out.len(), row, guid(&m)));
        }
        let name = match (p.opt_str(row, "fullname")?, p.opt_str(row, "domainname")?) {
            (Some(f), Some(d)) if !d.is_empty() => Some(format!("{f} <{d}>")),
            (Some(f), _) => Some(f),
            (None, d) => d,
        };
        if let Some(name) = name {
            ctx.report.display_names.insert(id.clone(), name);
        }
        out.push(user);
    }
    for (index, row, manager) in managers {
        if out.iter().any(|u| u.id == manager) {
            if let Some(u) = out.get_mut(index) {
                u.manager = Some(manager);
            }
        } else {
            ctx.unknown(p, row, "manager", &manager);
        }
    }
    Ok(out)
}

fn teams(
    ctx: &mut Ctx<'_>,
    p: &Payload,
    membership: &Payload,
    units: &IndexSet<String>,
    users: &IndexMap<String, String>,
) -> Result<Vec<TeamDef>, ImportError> {
    let mut out: Vec<TeamDef> = Vec::with_capacity(p.len());
    for row in 0..p.len() {
        let id = p.id(row, "teamid")?;
        let unit = p.id(row, "_businessunitid_value")?;
        if !units.contains(&unit) {
            ctx.unknown(p, row, "business unit", &unit);
            continue;
        }
        let kind = match p.opt_u64(row, "teamtype")?.unwrap_or(0) {
            0 => TeamKind::Owner,
            1 => TeamKind::Access,
            2 => TeamKind::EntraSecurityGroup,
            3 => TeamKind::EntraOfficeGroup,
            other => {
                ctx.not_expressible(
                    p,
                    row,
                    &id,
                    format!("has teamtype {other} (expected 0, 1, 2 or 3); the team is left out"),
                );
                continue;
            }
        };
        let administrator = match p.opt_str(row, "_administratorid_value")?.map(|s| guid(&s)) {
            Some(a) if users.contains_key(&a) => Some(a),
            Some(a) => {
                ctx.unknown(p, row, "administrator", &a);
                None
            }
            None => None,
        };
        if let Some(name) = p.opt_str(row, "name")? {
            ctx.report.display_names.insert(id.clone(), name);
        }
        let mut team = TeamDef::new(&id, &unit, kind);
        team.administrator = administrator;
        out.push(team);
    }
    for row in 0..membership.len() {
        let user = membership.id(row, "systemuserid")?;
        let team = membership.id(row, "teamid")?;
        if !users.contains_key(&user) {
            ctx.unknown(membership, row, "user", &user);
            continue;
        }
        match out.iter_mut().find(|t| t.id == team) {
            Some(t) if !t.members.contains(&user) => t.members.push(user),
            Some(_) => {}
            None => ctx.unknown(membership, row, "team", &team),
        }
    }
    Ok(out)
}

/// Maps every role copy to its root role's name and business unit; adds root roles the base
/// does not define (without privileges, reported).
fn roles(
    ctx: &mut Ctx<'_>,
    p: &Payload,
    defs: &mut Vec<RoleDef>,
) -> Result<IndexMap<String, (String, Option<String>)>, ImportError> {
    let mut rows = Vec::with_capacity(p.len());
    let mut names: IndexMap<String, String> = IndexMap::new();
    for row in 0..p.len() {
        let id = p.id(row, "roleid")?;
        let name = p
            .opt_str(row, "name")?
            .ok_or_else(|| p.field_error(row, "name", "a string"))?;
        let root = p.opt_str(row, "_parentrootroleid_value")?.map(|s| guid(&s));
        let unit = p.opt_str(row, "_businessunitid_value")?.map(|s| guid(&s));
        let template = p.opt_str(row, "_roletemplateid_value")?.map(|s| guid(&s));
        names.insert(id.clone(), name.clone());
        rows.push((row, id, name, root, unit, template));
    }
    let mut copies = IndexMap::new();
    for (row, id, name, root, unit, template) in rows {
        let root_name = match root {
            Some(r) => match names.get(&r) {
                Some(n) => n.clone(),
                None => {
                    ctx.unknown(p, row, "root role", &r);
                    continue;
                }
            },
            None => name,
        };
        if !defs.iter().any(|d| d.id == root_name) {
            defs.push(RoleDef::new(&root_name));
            ctx.not_expressible(
                p,
                row,
                &root_name,
                "is not defined by the solution given: imported without privileges".into(),
            );
        }
        if template.as_deref() == Some(SYSTEM_ADMINISTRATOR_TEMPLATE) {
            if let Some(d) = defs.iter_mut().find(|d| d.id == root_name) {
                d.system_administrator = true;
            }
        }
        copies.insert(id, (root_name, unit));
    }
    Ok(copies)
}
