//! Public-API tests of the import: the Automation Kit roles as their solutions store them, seed
//! 000's two roles checked through `authorize()`, bad files with messages naming the file, a
//! solution zip, a Web API dump with records and shares, and a round trip (property test).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test code: a failed unwrap is a test failure"
)]

mod roundtrip;

use std::error::Error;
use std::path::{Path, PathBuf};

use accessgate::dataverse::*;
use accessgate::{authorize, Policy, RecordPrivilege, Request};
use accessgate_import::*;

type Result = std::result::Result<(), Box<dyn Error>>;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}

/// The README table of the Automation Kit roles: `(role file, privilege count)`.
fn kit_roles() -> std::result::Result<Vec<(String, usize)>, Box<dyn Error>> {
    let readme = std::fs::read_to_string(fixtures().join("automation-kit-roles/README.md"))?;
    let mut out = Vec::new();
    for line in readme.lines() {
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        if cells.len() == 5 && cells[1].ends_with(".xml") && cells[1].contains("/Roles/") {
            out.push((cells[1].to_owned(), cells[3].parse()?));
        }
    }
    assert_eq!(out.len(), 9, "the README lists nine roles");
    Ok(out)
}

/// Every `Entity.xml` of the solution a role file belongs to.
fn kit_entities(role_file: &str) -> std::result::Result<Vec<SolutionFile>, Box<dyn Error>> {
    let solution = role_file.split('/').next().ok_or("no solution")?;
    let dir = fixtures()
        .join("automation-kit-roles")
        .join(solution)
        .join("SolutionPackage/src/Entities");
    let mut out = Vec::new();
    let mut dirs: Vec<_> = std::fs::read_dir(&dir)?.collect::<std::result::Result<_, _>>()?;
    dirs.sort_by_key(|d| d.path());
    for d in dirs {
        let name = d.file_name().to_string_lossy().into_owned();
        out.push(SolutionFile::read(
            &d.path().join("Entity.xml"),
            &format!("Entities/{name}/Entity.xml"),
        )?);
    }
    Ok(out)
}

fn kit_import(role_file: &str) -> std::result::Result<Imported, Box<dyn Error>> {
    let path = fixtures().join("automation-kit-roles").join(role_file);
    let role = SolutionFile::read(&path, role_file)?;
    Ok(import_solution_files(
        &[role],
        &kit_entities(role_file)?,
        &ImportOptions::default(),
    )?)
}

/// Every privilege of every Automation Kit role is accounted for: mapped to a table, kept as a
/// miscellaneous privilege, or reported with its name; the sum is the README's count, which is
/// also the number of `<RolePrivilege` elements in the file.
#[test]
fn automation_kit_every_privilege_accounted_for() -> Result {
    for (file, count) in kit_roles()? {
        let text = std::fs::read_to_string(fixtures().join("automation-kit-roles").join(&file))?;
        assert_eq!(text.matches("<RolePrivilege ").count(), count, "{file}");
        let imported = kit_import(&file)?;
        let r = &imported.report;
        let reported: Vec<_> = r.unmapped.iter().filter(|u| u.file == file).collect();
        assert_eq!(
            reported.len(),
            r.unmapped.len(),
            "{file}: only the role file is reported"
        );
        for u in &reported {
            assert!(
                text.contains(&format!("name=\"{}\"", u.item)),
                "{file}: {u}"
            );
        }
        assert_eq!(
            r.table_privileges + r.misc_privileges + reported.len(),
            count,
            "{file}"
        );
        let role = &imported.model.roles[0];
        let cells: usize = role.privileges.values().map(|m| m.len()).sum();
        assert_eq!(cells, r.table_privileges, "{file}");
        assert_eq!(role.misc_privileges.len(), r.misc_privileges, "{file}");
    }
    Ok(())
}

/// The bullet lists under each `### <role>` heading of seed 000.
/// A role heading and the tables listed under it.
type SeedRole = (String, Vec<String>);

fn seed_000() -> std::result::Result<Vec<SeedRole>, Box<dyn Error>> {
    let text = std::fs::read_to_string(fixtures().join("seeds/000_5f1c3321931d143d.txt"))?;
    let mut out: Vec<SeedRole> = Vec::new();
    for line in text.lines() {
        if let Some(h) = line.strip_prefix("### ") {
            out.push((h.trim().to_owned(), Vec::new()));
        } else if line.starts_with("## ") && !out.is_empty() {
            break;
        } else if let (Some(item), Some(last)) = (line.strip_prefix("- "), out.last_mut()) {
            last.1.push(item.trim().to_owned());
        }
    }
    assert_eq!(out.len(), 2);
    Ok(out)
}

/// Seed 000: the two admin roles give full Create, Read, Write and Delete on exactly the tables
/// the seed lists, checked through `authorize()` on a record owned by someone else in another
/// business unit.
#[test]
fn seed_000_roles_give_full_crud_on_exactly_the_listed_tables() -> Result {
    let files = [
        "AutomationCoESatellite/SolutionPackage/Roles/Flow Session Exception Admin.xml",
        "AutomationCoESatellite/SolutionPackage/Roles/Desktop Flow Definition Admin.xml",
    ];
    let roles = files.iter().map(|f| {
        let path = fixtures().join("automation-kit-roles").join(f);
        SolutionFile::read(&path, f)
    });
    let roles = roles.collect::<std::result::Result<Vec<_>, _>>()?;
    let imported =
        import_solution_files(&roles, &kit_entities(files[0])?, &ImportOptions::default())?;
    let mut model = imported.model.clone();
    model.business_units.push(BusinessUnitDef::root("root"));
    model
        .business_units
        .push(BusinessUnitDef::child("elsewhere", "root"));
    model.users.push(UserDef::new("owner", "elsewhere"));
    let mut expected = Vec::new();
    for (i, (role_heading, tables)) in seed_000()?.into_iter().enumerate() {
        let role = model
            .roles
            .iter()
            .find(|r| r.id.eq_ignore_ascii_case(&role_heading))
            .ok_or(format!("no role `{role_heading}`"))?
            .id
            .clone();
        let user = format!("user{i}");
        model.users.push(UserDef::new(&user, "root"));
        model
            .role_assignments
            .push(RoleAssignmentDef::user(&user, &role));
        let ids: Vec<String> = tables
            .iter()
            .map(|display| {
                imported
                    .report
                    .display_names
                    .iter()
                    .find(|(_, d)| d.eq_ignore_ascii_case(display))
                    .map(|(id, _)| id.clone())
                    .ok_or(format!("no table named `{display}`"))
            })
            .collect::<std::result::Result<_, _>>()?;
        expected.push((user, ids));
    }
    for t in &imported.model.tables {
        let owner = match t.ownership {
            TableOwnership::UserOrTeam => Some(PrincipalRef::User("owner".into())),
            TableOwnership::Organization => None,
        };
        model
            .records
            .push(RecordDef::new(&format!("rec-{}", t.id), &t.id, owner));
    }
    let policy = Policy::from(model.build()?);
    for (user, tables) in &expected {
        for t in &imported.model.tables {
            let mut full = true;
            for p in [
                RecordPrivilege::Read,
                RecordPrivilege::Write,
                RecordPrivilege::Delete,
            ] {
                let r = authorize(&policy, &Request::record(user, p, &format!("rec-{}", t.id)));
                full &= r.decision().is_allow();
            }
            let create =
                Request::Dataverse(DataverseRequest::Create(CreateQuery::new(user, &t.id)));
            full &= authorize(&policy, &create).decision().is_allow();
            assert_eq!(full, tables.contains(&t.id), "{user} on {}", t.id);
        }
        assert_eq!(tables.len(), if user == "user0" { 2 } else { 3 });
    }
    Ok(())
}

fn role_file(path: &str, body: &str) -> SolutionFile {
    SolutionFile {
        path: path.into(),
        bytes: body.as_bytes().to_vec(),
    }
}

const ENTITY: &str = r#"<Entity><Name LocalizedName="Ticket">contoso_Ticket</Name><EntityInfo><entity Name="contoso_Ticket"><OwnershipTypeMask>UserOwned</OwnershipTypeMask></entity></EntityInfo></Entity>"#;

fn entity() -> SolutionFile {
    role_file("Entities/contoso_Ticket/Entity.xml", ENTITY)
}

/// An unknown privilege name and an unknown level are reported with the file, the role and
/// the name; with `Fail` the import stops with the first of them.
#[test]
fn unknown_privilege_and_level_are_reported_with_the_file() -> Result {
    let role = role_file(
        "Roles/Agent.xml",
        r#"<Role id="{1}" name="Agent"><RolePrivileges>
            <RolePrivilege name="prvReadcontoso_Tiket" level="Global" />
            <RolePrivilege name="prvWritecontoso_Ticket" level="Everywhere" />
            <RolePrivilege name="notaprivilege" level="Global" />
          </RolePrivileges></Role>"#,
    );
    let imported = import_solution_files(
        std::slice::from_ref(&role),
        &[entity()],
        &ImportOptions::default(),
    )?;
    let messages: Vec<String> = imported
        .report
        .unmapped
        .iter()
        .map(|u| u.to_string())
        .collect();
    assert_eq!(
        messages,
        [
            "`Roles/Agent.xml`, role `Agent`: `prvReadcontoso_Tiket` names no known table (`contoso_Tiket` is neither in the solution nor a listed system table)",
            "`Roles/Agent.xml`, role `Agent`: `prvWritecontoso_Ticket` has unknown level `Everywhere` (expected Basic, Local, Deep, Global or None)",
            "`Roles/Agent.xml`, role `Agent`: `notaprivilege` is not a privilege name (expected `prv<Verb><table>`)",
        ]
    );
    let strict = ImportOptions {
        on_unmapped: OnUnmapped::Fail,
        ..ImportOptions::default()
    };
    let err = import_solution_files(&[role], &[entity()], &strict)
        .err()
        .ok_or("imported")?;
    assert!(
        err.to_string()
            .starts_with("`Roles/Agent.xml`, role `Agent`: `prvReadcontoso_Tiket`"),
        "{err}"
    );
    assert!(err.to_string().ends_with("(3 unmapped in all)"), "{err}");
    Ok(())
}

/// A level an organization-owned table cannot have, and Share on it, are reported.
#[test]
fn levels_the_table_cannot_have_are_reported() -> Result {
    let role = role_file(
        "Roles/R.xml",
        r#"<Role id="{1}" name="R"><RolePrivileges>
            <RolePrivilege name="prvReadOrganization" level="Local" />
            <RolePrivilege name="prvReadOrganization" level="Global" />
            <RolePrivilege name="prvShareTransactionCurrency" level="Global" />
          </RolePrivileges></Role>"#,
    );
    let imported = import_solution_files(&[role], &[], &ImportOptions::default())?;
    let kinds: Vec<_> = imported
        .report
        .unmapped
        .iter()
        .map(|u| u.kind.clone())
        .collect();
    assert_eq!(
        kinds,
        [
            UnmappedKind::LevelNotApplicable {
                table: "organization".into(),
                level: "Local".into()
            },
            UnmappedKind::PrivilegeNotApplicable {
                table: "transactioncurrency".into()
            },
        ]
    );
    assert_eq!(imported.report.table_privileges, 1);
    imported.model.roles[0]
        .privileges
        .get("organization")
        .ok_or("no cell")?;
    Ok(())
}

/// A missing `Entity.xml` names the entity folder.
#[test]
fn missing_entity_xml_names_the_folder() -> Result {
    let dir = tempfile::tempdir()?;
    std::fs::create_dir_all(dir.path().join("Entities/contoso_Ticket"))?;
    std::fs::create_dir_all(dir.path().join("Roles"))?;
    let err = import_solution_dir(dir.path(), &ImportOptions::default())
        .err()
        .ok_or("imported")?;
    assert_eq!(
        err.to_string(),
        "entity folder `Entities/contoso_Ticket` has no `Entity.xml`"
    );
    let empty = tempfile::tempdir()?;
    let err = import_solution(empty.path(), &ImportOptions::default())
        .err()
        .ok_or("imported")?;
    assert!(
        err.to_string()
            .ends_with("has neither a `Roles` nor an `Entities` folder: not an unpacked solution"),
        "{err}"
    );
    Ok(())
}

/// A truncated file names the file and the element it ends in.
#[test]
fn truncated_file_names_the_file() -> Result {
    let full = std::fs::read(fixtures().join(
        "automation-kit-roles/AutomationCoESatellite/SolutionPackage/Roles/Flow Session Exception Admin.xml",
    ))?;
    for cut in [full.len() / 2, full.len() - 10] {
        let role = SolutionFile {
            path: "Roles/Cut.xml".into(),
            bytes: full[..cut].to_vec(),
        };
        let err = import_solution_files(&[role], &[], &ImportOptions::default())
            .err()
            .ok_or("imported")?;
        let text = err.to_string();
        assert!(text.starts_with("`Roles/Cut.xml`"), "{text}");
        assert!(matches!(err, ImportError::Truncated { .. }), "{text}");
    }
    Ok(())
}

/// A UTF-8 byte-order mark is read (with or without it the result is the same); a UTF-16 one
/// is refused naming the file.
#[test]
fn byte_order_marks() -> Result {
    let body = r#"<Role id="{1}" name="R"><RolePrivileges><RolePrivilege name="prvFlow" level="Global" /></RolePrivileges></Role>"#;
    let with = role_file("Roles/R.xml", &format!("\u{feff}{body}"));
    let without = role_file("Roles/R.xml", body);
    let a = import_solution_files(&[with], &[], &ImportOptions::default())?;
    let b = import_solution_files(&[without], &[], &ImportOptions::default())?;
    assert_eq!(a, b);
    let mut utf16 = vec![0xFF, 0xFE];
    utf16.extend(body.encode_utf16().flat_map(u16::to_le_bytes));
    let err = import_solution_files(
        &[SolutionFile {
            path: "Roles/W.xml".into(),
            bytes: utf16,
        }],
        &[],
        &ImportOptions::default(),
    )
    .err()
    .ok_or("imported")?;
    assert_eq!(err.to_string(), "`Roles/W.xml` is not UTF-8 text: it starts with a UTF-16 byte-order mark; save it as UTF-8");
    Ok(())
}

/// A role name outside ASCII is kept as written and named in messages and reasons; Latin-1
/// bytes are refused naming the file.
#[test]
fn role_name_outside_ascii() -> Result {
    let body = "\u{feff}<Role id=\"{1}\" name=\"Agent de sécurité ✓\"><RolePrivileges>\
        <RolePrivilege name=\"prvReadcontoso_Ticket\" level=\"Global\" />\
        <RolePrivilege name=\"prvReadnothing\" level=\"Global\" /></RolePrivileges></Role>";
    let imported = import_solution_files(
        &[role_file("Roles/Sécurité.xml", body)],
        &[entity()],
        &ImportOptions::default(),
    )?;
    assert_eq!(imported.model.roles[0].id, "Agent de sécurité ✓");
    assert!(imported.report.unmapped[0]
        .to_string()
        .starts_with("`Roles/Sécurité.xml`, role `Agent de sécurité ✓`: `prvReadnothing`"));
    let mut model = imported.model;
    model.business_units.push(BusinessUnitDef::root("root"));
    model.users.push(UserDef::new("u", "root"));
    model
        .role_assignments
        .push(RoleAssignmentDef::user("u", "Agent de sécurité ✓"));
    model
        .records
        .push(RecordDef::owned_by_user("t1", "contoso_ticket", "u"));
    let policy = Policy::from(model.build()?);
    let r = authorize(&policy, &Request::record("u", RecordPrivilege::Read, "t1"));
    assert!(r.decision().is_allow());
    assert!(r
        .explain(&policy)
        .to_string()
        .contains("role `Agent de sécurité ✓`"));
    let latin1: Vec<u8> = body
        .chars()
        .skip(1)
        .map(|c| if (c as u32) < 256 { c as u8 } else { b'?' })
        .collect();
    let err = import_solution_files(
        &[SolutionFile {
            path: "Roles/L.xml".into(),
            bytes: latin1,
        }],
        &[],
        &ImportOptions::default(),
    )
    .err()
    .ok_or("imported")?;
    assert_eq!(
        err.to_string(),
        "`Roles/L.xml` is not UTF-8 text: it holds bytes that are not UTF-8"
    );
    Ok(())
}

/// A solution zip's `customizations.xml` imports like the folder; a zip without it is refused.
#[test]
fn solution_zip() -> Result {
    use std::io::Write;
    let customizations = format!(
        "\u{feff}<ImportExportXml><Entities>{ENTITY}</Entities><Roles>\
         <Role id=\"{{1}}\" name=\"Agent\" isinherited=\"0\"><RolePrivileges>\
         <RolePrivilege name=\"prvReadcontoso_Ticket\" level=\"Local\" /></RolePrivileges></Role>\
         </Roles></ImportExportXml>"
    );
    let mut bytes = Vec::new();
    {
        let mut w = zip::ZipWriter::new(std::io::Cursor::new(&mut bytes));
        let opts = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        w.start_file("solution.xml", opts)?;
        w.write_all(b"<ImportExportXml/>")?;
        w.start_file("customizations.xml", opts)?;
        w.write_all(customizations.as_bytes())?;
        w.finish()?;
    }
    let imported = import_solution_zip("sol.zip", &bytes, &ImportOptions::default())?;
    assert_eq!(imported.model.tables[0].id, "contoso_ticket");
    assert_eq!(
        imported.model.roles[0].inheritance,
        RoleInheritance::TeamPrivilegesOnly
    );
    assert_eq!(imported.report.table_privileges, 1);
    let err = import_solution_zip("bad.zip", b"not a zip", &ImportOptions::default())
        .err()
        .ok_or("imported")?;
    assert!(
        err.to_string()
            .starts_with("`bad.zip` is not a readable solution zip"),
        "{err}"
    );
    Ok(())
}

/// The Web API fixture: business units, users (one disabled, one application user), an owner
/// team, an access team, role copies per unit, assignments, records and shares, decided
/// through `authorize()`.
#[test]
fn webapi_fixture() -> Result {
    let base = import_solution_dir(
        &fixtures().join("webapi/contoso/solution"),
        &ImportOptions::default(),
    )?;
    let web = import_webapi(
        &fixtures().join("webapi/contoso"),
        base.model,
        &ImportOptions::default(),
    )?;
    let report = &web.imported.report;
    let model = &web.imported.model;
    assert_eq!(model.business_units.len(), 2);
    assert_eq!(model.users.len(), 4);
    assert_eq!(model.teams.len(), 2);
    // Four copies of two root roles map to the two roles of the solution, plus System Administrator.
    assert_eq!(model.roles.len(), 3);
    assert!(model.roles.iter().any(|r| r.system_administrator));
    let messages: Vec<String> = report.unmapped.iter().map(|u| u.to_string()).collect();
    assert_eq!(messages.len(), 3, "{messages:#?}");
    assert!(
        messages.iter().any(|m| m.contains("inherited rights")),
        "{messages:#?}"
    );
    assert!(
        messages.iter().any(|m| m.contains("not record rights")),
        "{messages:#?}"
    );
    assert!(
        messages.iter().any(|m| m.contains("System Administrator")),
        "{messages:#?}"
    );
    let dv = model.build()?;
    let store = RecordStore::new();
    let left_out = web.load_records(&dv, &store)?;
    assert!(left_out.is_empty(), "{left_out:?}");
    let policy = Policy::from(dv.with_records(store.snapshot()));
    let alice = "11111111-0000-0000-0000-000000000001";
    let bob = "11111111-0000-0000-0000-000000000002";
    let carol = "11111111-0000-0000-0000-000000000003";
    let ticket_bob = "33333333-0000-0000-0000-000000000002";
    let ticket_alice = "33333333-0000-0000-0000-000000000001";
    // alice (Agent, Local, root unit) reads her own ticket; bob's is in the child unit.
    assert!(authorize(
        &policy,
        &Request::record(alice, RecordPrivilege::Read, ticket_alice)
    )
    .decision()
    .is_allow());
    // but bob's ticket is shared with alice (Read | Write).
    assert!(authorize(
        &policy,
        &Request::record(alice, RecordPrivilege::Write, ticket_bob)
    )
    .decision()
    .is_allow());
    assert!(!authorize(
        &policy,
        &Request::record(alice, RecordPrivilege::Delete, ticket_bob)
    )
    .decision()
    .is_allow());
    // carol is disabled.
    let r = authorize(
        &policy,
        &Request::record(carol, RecordPrivilege::Read, ticket_alice),
    );
    assert_eq!(r.code(), "not_admitted");
    // bob holds Manager through owner team `Support` (Global Read) and the misc privilege.
    assert!(authorize(
        &policy,
        &Request::record(bob, RecordPrivilege::Read, ticket_alice)
    )
    .decision()
    .is_allow());
    let misc = Request::Dataverse(DataverseRequest::MiscPrivilege(MiscPrivilegeQuery::new(
        bob,
        "prvExportToExcel",
    )));
    let r = authorize(&policy, &misc);
    assert!(r.decision().is_allow());
    assert!(r
        .explain(&policy)
        .to_string()
        .contains("through team `22222222-0000-0000-0000-000000000001`"));
    assert_eq!(
        report.display_names.get(alice).map(String::as_str),
        Some("Alice Adams <alice@contoso.com>")
    );
    Ok(())
}
