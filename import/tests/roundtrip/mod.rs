//! The round trip: a random model exported to solution XML and Web API JSON by the helpers
//! below, imported back, gives the same decisions as the original on every request
//! (`import_round_trip_keeps_decisions`).

use std::fmt::Write as _;
use std::path::Path;

use accessgate::dataverse::*;
use accessgate::{authorize, AccessLevel, Policy, Privilege, RecordPrivilege, Request};
use accessgate_import::webapi::mask_of;
use accessgate_import::{import_solution_dir, import_webapi, level_name, verb_name, ImportOptions};
use proptest::prelude::*;
use serde_json::json;

fn gid(kind: u8, i: usize) -> String {
    format!("{kind:02x}000000-0000-0000-0000-{i:012}")
}

const TABLES: [&str; 3] = ["contoso_ticket", "contoso_note", "contoso_setting"];
const MISC: [&str; 2] = ["prvExportToExcel", "prvFlow"];

/// A random model whose ids already have the shape the import gives them.
fn model() -> impl Strategy<Value = DataverseModel> {
    let level = prop::sample::select(AccessLevel::ALL.to_vec());
    let cells = prop::collection::vec((0..3usize, 0..8usize, level.clone()), 0..12);
    let misc = prop::collection::vec((0..2usize, level), 0..3);
    let role = (cells, misc, any::<bool>());
    (
        prop::collection::vec(role, 1..4),
        prop::collection::vec((0..3usize, any::<bool>()), 2..5),
        prop::collection::vec((0..5usize, 0..4usize, any::<bool>()), 0..8),
        prop::collection::vec((0..3usize, 0..5usize, 0..5usize, 0..3usize), 0..6),
        prop::collection::vec((0..6usize, 0..5usize, any::<bool>(), 1u8..=255), 0..6),
    )
        .prop_map(|(roles, users, assigns, records, shares)| {
            let mut m = DataverseModel::default();
            m.business_units.push(BusinessUnitDef::root(&gid(0xaa, 0)));
            m.business_units
                .push(BusinessUnitDef::child(&gid(0xaa, 1), &gid(0xaa, 0)));
            m.business_units
                .push(BusinessUnitDef::child(&gid(0xaa, 2), &gid(0xaa, 0)));
            m.tables.push(TableDef::user_owned(TABLES[0]));
            m.tables.push(TableDef::user_owned(TABLES[1]));
            m.tables.push(TableDef::organization_owned(TABLES[2]));
            for (r, (cells, misc, inherit)) in roles.iter().enumerate() {
                let mut role = RoleDef::new(&format!("Role {r}"));
                if !inherit {
                    role.inheritance = RoleInheritance::TeamPrivilegesOnly;
                }
                for &(t, p, level) in cells {
                    let privilege = Privilege::EACH[p];
                    let level = if t == 2 {
                        if privilege.intersects(Privilege::ASSIGN | Privilege::SHARE) {
                            continue;
                        }
                        if level == AccessLevel::None {
                            level
                        } else {
                            AccessLevel::Organization
                        }
                    } else {
                        level
                    };
                    if level != AccessLevel::None {
                        role.privileges
                            .entry(TABLES[t].into())
                            .or_default()
                            .insert(privilege, level);
                    }
                }
                for &(i, level) in misc {
                    if level != AccessLevel::None {
                        role.misc_privileges.insert(MISC[i].into(), level);
                    }
                }
                m.roles.push(role);
            }
            for (i, &(bu, enabled)) in users.iter().enumerate() {
                let mut u = UserDef::new(&gid(0x11, i), &gid(0xaa, bu));
                u.enabled = enabled;
                m.users.push(u);
            }
            let members: Vec<String> = m.users.iter().step_by(2).map(|u| u.id.clone()).collect();
            let mut owner = TeamDef::new(&gid(0x22, 0), &gid(0xaa, 1), TeamKind::Owner);
            owner.members = members.clone();
            m.teams.push(owner);
            let mut access = TeamDef::new(&gid(0x22, 1), &gid(0xaa, 0), TeamKind::Access);
            access.members = members;
            m.teams.push(access);
            for &(who, role, team) in &assigns {
                let role = m.roles[role % m.roles.len()].id.clone();
                let a = if team {
                    RoleAssignmentDef::team(&gid(0x22, 0), &role)
                } else {
                    RoleAssignmentDef::user(&m.users[who % m.users.len()].id, &role)
                };
                if !m.role_assignments.contains(&a) {
                    m.role_assignments.push(a);
                }
            }
            for (i, &(t, owner, _, _)) in records.iter().enumerate() {
                let owner = if t == 2 {
                    None
                } else if owner == 4 {
                    Some(PrincipalRef::Team(gid(0x22, 0)))
                } else {
                    Some(PrincipalRef::User(
                        m.users[owner % m.users.len()].id.clone(),
                    ))
                };
                m.records
                    .push(RecordDef::new(&gid(0x33, i), TABLES[t], owner));
            }
            for &(rec, who, team, bits) in &shares {
                if m.records.is_empty() {
                    break;
                }
                let target = &m.records[rec % m.records.len()];
                if target.owner.is_none() {
                    continue; // organization-owned records cannot be shared
                }
                let record = target.id.clone();
                let with = if team {
                    ShareTarget::Team(gid(0x22, who % 2))
                } else {
                    ShareTarget::User(m.users[who % m.users.len()].id.clone())
                };
                let rights = Privilege::from_bits_truncate(bits) - Privilege::CREATE;
                if rights.is_empty()
                    || m.shares
                        .iter()
                        .any(|s| s.record == record && s.with == with)
                {
                    continue;
                }
                m.shares.push(ShareDef::new(&record, with, rights));
            }
            m
        })
}

/// Writes `m` as an unpacked solution (`solution/`) and a Web API dump (the folder itself).
fn export(m: &DataverseModel, dir: &Path) -> std::io::Result<()> {
    let solution = dir.join("solution");
    std::fs::create_dir_all(solution.join("Roles"))?;
    for t in &m.tables {
        let d = solution.join("Entities").join(&t.id);
        std::fs::create_dir_all(&d)?;
        let ownership = match t.ownership {
            TableOwnership::UserOrTeam => "UserOwned",
            TableOwnership::Organization => "OrganizationOwned",
        };
        std::fs::write(
            d.join("Entity.xml"),
            format!("\u{feff}<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<Entity><Name LocalizedName=\"{0}\">{0}</Name><EntityInfo><entity Name=\"{0}\"><OwnershipTypeMask>{ownership}</OwnershipTypeMask></entity></EntityInfo></Entity>", t.id),
        )?;
    }
    for (i, r) in m.roles.iter().enumerate() {
        let inherited = match r.inheritance {
            RoleInheritance::DirectUserBasicAndTeam => 1,
            RoleInheritance::TeamPrivilegesOnly => 0,
        };
        let mut xml = format!(
            "\u{feff}<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<Role id=\"{{{}}}\" name=\"{}\" isinherited=\"{inherited}\"><RolePrivileges>\n",
            gid(0x44, i),
            r.id
        );
        for (table, cells) in &r.privileges {
            for (p, level) in cells {
                for single in p.iter() {
                    let verb = verb_name(single).unwrap_or("?");
                    let _ = writeln!(
                        xml,
                        "<RolePrivilege name=\"prv{verb}{table}\" level=\"{}\" />",
                        level_name(*level)
                    );
                }
            }
        }
        for (name, level) in &r.misc_privileges {
            let _ = writeln!(
                xml,
                "<RolePrivilege name=\"{name}\" level=\"{}\" />",
                level_name(*level)
            );
        }
        xml.push_str("</RolePrivileges></Role>");
        std::fs::write(solution.join("Roles").join(format!("{}.xml", r.id)), xml)?;
    }
    let write = |name: &str, rows: Vec<serde_json::Value>| {
        std::fs::write(
            dir.join(name),
            serde_json::to_vec(&json!({ "value": rows }))?,
        )
    };
    write(
        "businessunits.json",
        m.business_units
            .iter()
            .map(|b| json!({"businessunitid": b.id, "name": b.id, "_parentbusinessunitid_value": b.parent}))
            .collect(),
    )?;
    write(
        "systemusers.json",
        m.users
            .iter()
            .map(|u| json!({"systemuserid": u.id, "_businessunitid_value": u.business_unit, "isdisabled": !u.enabled, "applicationid": null}))
            .collect(),
    )?;
    write(
        "teams.json",
        m.teams
            .iter()
            .map(|t| json!({"teamid": t.id, "name": t.id, "_businessunitid_value": t.business_unit, "teamtype": match t.kind { TeamKind::Owner => 0, TeamKind::Access => 1, TeamKind::EntraSecurityGroup => 2, TeamKind::EntraOfficeGroup => 3 }}))
            .collect(),
    )?;
    write(
        "teammembership.json",
        m.teams
            .iter()
            .flat_map(|t| {
                t.members
                    .iter()
                    .map(move |u| json!({"systemuserid": u, "teamid": t.id}))
            })
            .collect(),
    )?;
    // One copy of each role per business unit; the root copy is the first.
    let copy = |r: usize, b: usize| gid(0x44, r * 10 + b);
    let mut roles = Vec::new();
    for (r, role) in m.roles.iter().enumerate() {
        for (b, bu) in m.business_units.iter().enumerate() {
            roles.push(json!({"roleid": copy(r, b), "name": role.id, "_businessunitid_value": bu.id, "_parentrootroleid_value": copy(r, 0)}));
        }
    }
    write("roles.json", roles)?;
    let unit_of = |p: &PrincipalRef| match p {
        PrincipalRef::User(u) => m
            .users
            .iter()
            .find(|x| &x.id == u)
            .map(|x| x.business_unit.clone()),
        PrincipalRef::Team(t) => m
            .teams
            .iter()
            .find(|x| &x.id == t)
            .map(|x| x.business_unit.clone()),
    };
    let mut user_roles = Vec::new();
    let mut team_roles = Vec::new();
    for a in &m.role_assignments {
        let r = m.roles.iter().position(|x| x.id == a.role).unwrap_or(0);
        let unit = unit_of(&a.principal).unwrap_or_default();
        let b = m
            .business_units
            .iter()
            .position(|x| x.id == unit)
            .unwrap_or(0);
        match &a.principal {
            PrincipalRef::User(u) => {
                user_roles.push(json!({"systemuserid": u, "roleid": copy(r, b)}))
            }
            PrincipalRef::Team(t) => team_roles.push(json!({"teamid": t, "roleid": copy(r, b)})),
        }
    }
    write("systemuserroles.json", user_roles)?;
    write("teamroles.json", team_roles)?;
    std::fs::create_dir_all(dir.join("records"))?;
    for t in &m.tables {
        let rows: Vec<serde_json::Value> = m
            .records
            .iter()
            .filter(|r| r.table == t.id)
            .map(|r| {
                let (user, team) = match &r.owner {
                    Some(PrincipalRef::User(u)) => (Some(u.clone()), None),
                    Some(PrincipalRef::Team(t)) => (None, Some(t.clone())),
                    None => (None, None),
                };
                json!({format!("{}id", t.id): r.id, "_owninguser_value": user, "_owningteam_value": team, "statecode": 0})
            })
            .collect();
        std::fs::write(
            dir.join("records").join(format!("{}.json", t.id)),
            serde_json::to_vec(&json!({ "value": rows }))?,
        )?;
    }
    write(
        "principalobjectaccess.json",
        m.shares
            .iter()
            .map(|s| {
                let table = m.records.iter().find(|r| r.id == s.record).map(|r| r.table.clone());
                let (principal, code) = match &s.with {
                    ShareTarget::User(u) => (u.clone(), "systemuser"),
                    ShareTarget::Team(t) => (t.clone(), "team"),
                    ShareTarget::Organization => (String::new(), "organization"),
                };
                json!({"objectid": s.record, "_principalid_value": principal, "principaltypecode": code, "accessrightsmask": mask_of(s.rights), "inheritedaccessrightsmask": 0, "objecttypecode": table})
            })
            .collect(),
    )?;
    Ok(())
}

/// Every record request, create request and misc-privilege request over the model's names.
fn requests(m: &DataverseModel) -> Vec<Request> {
    let mut out = Vec::new();
    for u in &m.users {
        for r in &m.records {
            for p in RecordPrivilege::ALL {
                out.push(Request::record(&u.id, p, &r.id));
            }
        }
        for t in &m.tables {
            out.push(Request::Dataverse(DataverseRequest::Create(
                CreateQuery::new(&u.id, &t.id),
            )));
        }
        for name in MISC {
            out.push(Request::Dataverse(DataverseRequest::MiscPrivilege(
                MiscPrivilegeQuery::new(&u.id, name),
            )));
        }
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    /// Export, import, and every decision is the same.
    #[test]
    fn import_round_trip_keeps_decisions(m in model()) {
        let original = Policy::from(m.build().map_err(|e| TestCaseError::fail(e.to_string()))?);
        let dir = tempfile::tempdir().map_err(|e| TestCaseError::fail(e.to_string()))?;
        export(&m, dir.path()).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let options = ImportOptions::default();
        let base = import_solution_dir(&dir.path().join("solution"), &options)
            .map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert!(base.report.unmapped.is_empty(), "{:?}", base.report.unmapped);
        let web = import_webapi(dir.path(), base.model, &options)
            .map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert!(web.imported.report.unmapped.is_empty(), "{:?}", web.imported.report.unmapped);
        let dv = web.imported.model.build().map_err(|e| TestCaseError::fail(e.to_string()))?;
        let store = RecordStore::new();
        let left_out = web.load_records(&dv, &store).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert!(left_out.is_empty(), "{:?}", left_out);
        let imported = Policy::from(dv.with_records(store.snapshot()));
        for request in requests(&m) {
            let a = authorize(&original, &request);
            let b = authorize(&imported, &request);
            prop_assert_eq!(a.decision(), b.decision(), "{:?}: {} / {}", request, a.explain(&original), b.explain(&imported));
        }
    }
}
