//! The CSK roles fixture, checked cell by cell through `authorize()` against the seed document.
//!
//! The expectation is read from the seed's HTML tables (`fixtures/seeds/003_csk_security_roles.md`),
//! not from the fixture, so a fixture that drifts from its source fails here.
//! Legend: 🟢 Organization, 🔵 User, 🚫 None, empty = the privilege does not apply (R1.1, R2.1).

use std::error::Error;

use accessgate::dataverse::*;
use accessgate::RecordPrivilege;
use accessgate::{authorize, AccessLevel, Decision, PolicyDocument, Privilege, Request};

const PRIVILEGES: [Privilege; 8] = Privilege::EACH;

mod common;

use common::csk::{model, parse_seed, read};

/// Every cell of both CSK roles: the user's own record is reachable at User and Organization
/// level, a record of another business unit only at Organization level (R2.3, R2.6); None fails
/// the privilege check (R1.2); an empty cell is a privilege that does not apply (R1.1).
#[test]
fn every_csk_cell_through_authorize() -> Result<(), Box<dyn Error>> {
    let seed = parse_seed()?;
    assert_eq!(seed.len(), 2, "two roles in the seed");
    let doc = PolicyDocument::default().with_dataverse(model(&seed)?);
    let policy = doc.build()?;
    let mut checked = 0;
    for (user, rows) in ["admin", "maker"].into_iter().zip(&seed) {
        assert_eq!(rows.len(), 32, "32 tables per role");
        for (table, cells) in rows {
            for (privilege, cell) in PRIVILEGES.into_iter().zip(cells) {
                for owner in [user, "stranger"] {
                    let request = if privilege == Privilege::CREATE {
                        Request::Dataverse(accessgate::dataverse::DataverseRequest::Create(
                            accessgate::dataverse::CreateQuery::new(user, table)
                                .owned_by(PrincipalRef::User(owner.into())),
                        ))
                    } else {
                        Request::Dataverse(accessgate::dataverse::DataverseRequest::Record(
                            accessgate::dataverse::RecordQuery::new(
                                user,
                                RecordPrivilege::try_from(privilege).unwrap(),
                                format!("{owner}:{table}"),
                            ),
                        ))
                    };
                    let response = authorize(&policy, &request);
                    let (decision, code) = match (cell, owner == user) {
                        (None, _) => (Decision::Deny, "privilege_does_not_apply"),
                        (Some(AccessLevel::None), _) => (Decision::Deny, "no_privilege"),
                        (Some(AccessLevel::Organization), _) | (Some(_), true) => {
                            (Decision::Allow, "role_level")
                        }
                        (Some(_), false) if privilege == Privilege::CREATE => {
                            (Decision::Deny, "create_outside_levels")
                        }
                        (Some(_), false) => (Decision::Deny, "outside_levels"),
                    };
                    assert_eq!(
                        (response.decision(), response.code()),
                        (decision, code),
                        "{user} {privilege} on {table} owned by {owner}: {}",
                        response.explain(&policy)
                    );
                    checked += 1;
                }
            }
        }
    }
    assert_eq!(checked, 2 * 32 * 8 * 2);
    Ok(())
}

/// The two Automation Kit admin roles give full CRUD at Organization level on their tables and
/// nothing else (seed 000).
#[test]
fn automation_kit_admin_roles() -> Result<(), Box<dyn Error>> {
    let mut m: DataverseModel =
        serde_json::from_str(&read("fixtures/dataverse/automation_kit_roles.json")?)?;
    m.business_units = vec![
        BusinessUnitDef::root("contoso"),
        BusinessUnitDef::child("ops", "contoso"),
    ];
    m.users = vec![
        UserDef::new("sessions-admin", "contoso"),
        UserDef::new("definitions-admin", "contoso"),
        UserDef::new("maker", "ops"),
    ];
    let mut owner_role = RoleDef::new("record owner");
    for t in &m.tables {
        owner_role = owner_role.grant(&t.id, Privilege::READ, AccessLevel::User);
    }
    m.roles.push(owner_role);
    m.role_assignments = vec![
        RoleAssignmentDef::user("sessions-admin", "Flow session exception admin"),
        RoleAssignmentDef::user("definitions-admin", "Desktop flow definition admin"),
        RoleAssignmentDef::user("maker", "record owner"),
    ];
    let tables: Vec<String> = m.tables.iter().map(|t| t.id.clone()).collect();
    for t in &tables {
        m.records.push(RecordDef::owned_by_user(t, t, "maker"));
    }
    let policy = PolicyDocument::default()
        .with_dataverse(m.clone())
        .build()?;
    for (user, role) in [
        ("sessions-admin", "Flow session exception admin"),
        ("definitions-admin", "Desktop flow definition admin"),
    ] {
        let role_def = m.roles.iter().find(|r| r.id == role).ok_or("role")?;
        for t in &tables {
            let in_role = role_def.privileges.contains_key(t);
            for privilege in [
                Privilege::READ,
                Privilege::WRITE,
                Privilege::DELETE,
                Privilege::APPEND,
            ] {
                let r = authorize(
                    &policy,
                    &Request::Dataverse(accessgate::dataverse::DataverseRequest::Record(
                        accessgate::dataverse::RecordQuery::new(
                            user,
                            RecordPrivilege::try_from(privilege).unwrap(),
                            t.clone(),
                        ),
                    )),
                );
                let crud = privilege != Privilege::APPEND;
                assert_eq!(
                    r.decision().is_allow(),
                    in_role && crud,
                    "{user} {privilege} {t}: {}",
                    r.explain(&policy)
                );
            }
            let create = authorize(
                &policy,
                &Request::Dataverse(accessgate::dataverse::DataverseRequest::Create(
                    accessgate::dataverse::CreateQuery::new(user, t)
                        .owned_by(PrincipalRef::User("maker".into())),
                )),
            );
            assert_eq!(create.decision().is_allow(), in_role, "{user} Create {t}");
        }
    }
    Ok(())
}
