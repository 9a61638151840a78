//! Role lint: for each code, a model that triggers it and one that does not, and what
//! `authorize()` makes of the finding.

#![allow(clippy::unwrap_used, reason = "tests")]

mod common;

use std::error::Error;

use accessgate::dataverse::*;
use accessgate::RecordPrivilege;
use accessgate::{authorize, AccessLevel, PolicyDocument, Privilege, Request};
use proptest::prelude::*;

/// A clean model: no finding at all.
fn clean() -> DataverseModel {
    let mut m = DataverseModel::default();
    m.business_units.push(BusinessUnitDef::root("contoso"));
    m.business_units
        .push(BusinessUnitDef::child("sales", "contoso"));
    m.tables.push(TableDef::user_owned("account"));
    m.tables.push(TableDef::user_owned("contact"));
    m.relationships.push(RelationshipDef::new(
        "account_contacts",
        "account",
        "contact",
    ));
    let all = Privilege::all();
    m.roles.push(
        RoleDef::new("rep")
            .grant("account", all, AccessLevel::User)
            .grant("contact", all, AccessLevel::User),
    );
    m.users.push(UserDef::new("alice", "contoso"));
    m.users.push(UserDef::new("bob", "sales"));
    m.teams
        .push(TeamDef::owner("sales-team", "sales", &["bob"]));
    m.role_assignments
        .push(RoleAssignmentDef::user("alice", "rep"));
    m.role_assignments
        .push(RoleAssignmentDef::user("bob", "rep"));
    m.role_assignments
        .push(RoleAssignmentDef::team("sales-team", "rep"));
    m.records
        .push(RecordDef::owned_by_user("acc-a", "account", "alice"));
    m.records
        .push(RecordDef::owned_by_user("acc-b", "account", "bob"));
    m.records
        .push(RecordDef::owned_by_user("con-a", "contact", "alice"));
    m
}

fn codes(m: &DataverseModel) -> Vec<&'static str> {
    lint(m).iter().map(|l| l.code.as_str()).collect()
}

fn policy(m: &DataverseModel) -> Result<accessgate::Policy, Box<dyn Error>> {
    Ok(PolicyDocument::default()
        .with_dataverse(m.clone())
        .build()?)
}

fn record(user: &str, privilege: Privilege, record: &str) -> Request {
    Request::Dataverse(accessgate::dataverse::DataverseRequest::Record(
        accessgate::dataverse::RecordQuery::new(
            user,
            RecordPrivilege::try_from(privilege).unwrap(),
            record,
        ),
    ))
}

fn set_level(m: &mut DataverseModel, role: &str, table: &str, p: Privilege, l: AccessLevel) {
    let r = m.roles.iter_mut().find(|r| r.id == role).unwrap();
    let levels = r.privileges.entry(table.into()).or_default();
    let keys: Vec<Privilege> = levels.keys().copied().collect();
    for k in keys {
        if k.contains(p) {
            let level = levels.shift_remove(&k).unwrap();
            if k != p {
                levels.insert(k - p, level);
            }
        }
    }
    levels.insert(p, l);
}

#[test]
fn the_clean_model_has_no_finding() {
    assert_eq!(codes(&clean()), Vec::<&str>::new());
}

/// Every code has a code string, a severity, and errors are exactly AG000 and AG006.
#[test]
fn codes_are_stable() {
    let all: Vec<&str> = LintCode::ALL.iter().map(|c| c.as_str()).collect();
    assert_eq!(
        all,
        [
            "AG000", "AG001", "AG002", "AG003", "AG004", "AG005", "AG006", "AG007", "AG008",
            "AG009"
        ]
    );
    let errors: Vec<&str> = LintCode::ALL
        .iter()
        .filter(|c| c.severity() == Severity::Error)
        .map(|c| c.as_str())
        .collect();
    assert_eq!(errors, ["AG000", "AG006"]);
}

/// AG000: a model that does not build is an error; the clean one builds.
#[test]
fn ag000_model_does_not_build() {
    let mut m = clean();
    m.users.push(UserDef::new("carol", "nowhere"));
    m.role_assignments
        .push(RoleAssignmentDef::user("carol", "rep"));
    let findings = lint(&m);
    assert_eq!(codes(&m), ["AG000"]);
    assert!(findings[0].message.contains("`nowhere`"), "{}", findings[0]);
    assert!(m.build().is_err());
    assert!(clean().build().is_ok());
}

/// AG001: Delete at Business Unit level above Read at User level: `authorize()` lets alice
/// delete a record of her unit that she cannot read.
#[test]
fn ag001_privilege_above_read() -> Result<(), Box<dyn Error>> {
    let mut m = clean();
    m.users.push(UserDef::new("carol", "contoso"));
    m.role_assignments
        .push(RoleAssignmentDef::user("carol", "rep"));
    m.records
        .push(RecordDef::owned_by_user("acc-c", "account", "carol"));
    set_level(
        &mut m,
        "rep",
        "account",
        Privilege::DELETE,
        AccessLevel::BusinessUnit,
    );
    let findings = lint(&m);
    assert_eq!(codes(&m), ["AG001"]);
    assert_eq!(
        (
            findings[0].role.as_deref(),
            findings[0].table.as_deref(),
            findings[0].privilege
        ),
        (Some("rep"), Some("account"), Some(Privilege::DELETE))
    );
    let p = policy(&m)?;
    assert!(authorize(&p, &record("alice", Privilege::DELETE, "acc-c"))
        .decision()
        .is_allow());
    assert!(!authorize(&p, &record("alice", Privilege::READ, "acc-c"))
        .decision()
        .is_allow());
    // Equal levels are fine.
    let mut ok = clean();
    set_level(
        &mut ok,
        "rep",
        "account",
        Privilege::DELETE,
        AccessLevel::User,
    );
    assert_eq!(codes(&ok), Vec::<&str>::new());
    Ok(())
}

/// AG002: Append on `contact` without Append To on `account`: the association is denied (R1.4).
#[test]
fn ag002_append_without_append_to() -> Result<(), Box<dyn Error>> {
    let mut m = clean();
    set_level(
        &mut m,
        "rep",
        "account",
        Privilege::APPEND_TO,
        AccessLevel::None,
    );
    assert_eq!(codes(&m), ["AG002"]);
    let p = policy(&m)?;
    let associate = Request::Dataverse(accessgate::dataverse::DataverseRequest::Associate(
        accessgate::dataverse::AssociateQuery::new("alice", "con-a", "acc-a"),
    ));
    assert!(!authorize(&p, &associate).decision().is_allow());
    assert!(authorize(&policy(&clean())?, &associate)
        .decision()
        .is_allow());
    // Without a declared relationship there is nothing to relate to.
    let mut unrelated = m.clone();
    unrelated.relationships.clear();
    assert_eq!(codes(&unrelated), Vec::<&str>::new());
    Ok(())
}

/// AG003: a role nobody holds gives nobody anything.
#[test]
fn ag003_role_assigned_to_no_one() -> Result<(), Box<dyn Error>> {
    let mut m = clean();
    m.roles.push(RoleDef::new("auditor").grant(
        "account",
        Privilege::READ,
        AccessLevel::Organization,
    ));
    assert_eq!(codes(&m), ["AG003"]);
    let p = m.build()?;
    for u in &m.users {
        let access = p.effective_access(p.user_id(&u.id).unwrap());
        assert!(access.roles.iter().all(|r| r.role != "auditor"));
    }
    assert!(
        !authorize(&policy(&m)?, &record("bob", Privilege::READ, "acc-a"))
            .decision()
            .is_allow()
    );
    m.role_assignments
        .push(RoleAssignmentDef::user("bob", "auditor"));
    assert_eq!(codes(&m), Vec::<&str>::new());
    assert!(
        authorize(&policy(&m)?, &record("bob", Privilege::READ, "acc-a"))
            .decision()
            .is_allow()
    );
    Ok(())
}

/// AG004: a team with no members: its role reaches no one.
#[test]
fn ag004_team_without_members() -> Result<(), Box<dyn Error>> {
    let mut m = clean();
    m.teams.push(TeamDef::owner("empty", "contoso", &[]));
    m.roles
        .push(RoleDef::new("wide").grant("account", Privilege::READ, AccessLevel::Organization));
    m.role_assignments
        .push(RoleAssignmentDef::team("empty", "wide"));
    assert_eq!(codes(&m), ["AG004"]);
    let p = m.build()?;
    for u in &m.users {
        let access = p.effective_access(p.user_id(&u.id).unwrap());
        assert!(!access.teams.contains(&"empty".to_owned()));
    }
    assert!(
        !authorize(&policy(&m)?, &record("bob", Privilege::READ, "acc-a"))
            .decision()
            .is_allow()
    );
    m.teams.last_mut().unwrap().members.push("bob".into());
    assert_eq!(codes(&m), Vec::<&str>::new());
    Ok(())
}

/// AG005: an owner team without a role cannot own records (R1.7); an access team is not reported.
#[test]
fn ag005_team_without_roles() -> Result<(), Box<dyn Error>> {
    let mut m = clean();
    m.teams.push(TeamDef::owner("idle", "contoso", &["alice"]));
    assert_eq!(codes(&m), ["AG005"]);
    let assign = Request::Dataverse(accessgate::dataverse::DataverseRequest::Assign(
        accessgate::dataverse::AssignQuery::new(
            "alice",
            "acc-a",
            PrincipalRef::Team("idle".into()),
        ),
    ));
    let response = authorize(&policy(&m)?, &assign);
    assert!(!response.decision().is_allow());
    assert_eq!(response.code(), "owner_cannot_own");
    let mut access = clean();
    access
        .teams
        .push(TeamDef::access("deal-team", "contoso", &["alice"]));
    assert_eq!(codes(&access), Vec::<&str>::new());
    Ok(())
}

/// AG006: an enabled user with no role is denied everything (R8.4); a disabled one, or one with
/// a role through a group team, is not reported.
#[test]
fn ag006_user_without_role() -> Result<(), Box<dyn Error>> {
    let mut m = clean();
    m.users.push(UserDef::new("carol", "contoso"));
    m.records
        .push(RecordDef::owned_by_user("acc-c", "account", "carol"));
    let findings = lint(&m);
    assert_eq!(codes(&m), ["AG006"]);
    assert_eq!(findings[0].severity, Severity::Error);
    assert_eq!(
        findings[0].principal,
        Some(PrincipalRef::User("carol".into()))
    );
    let response = authorize(&policy(&m)?, &record("carol", Privilege::READ, "acc-c"));
    assert_eq!(response.code(), "not_admitted");
    // Through an owner team only: still an error by default (A11).
    let mut owner_team = m.clone();
    owner_team.teams[0].members.push("carol".into());
    assert_eq!(codes(&owner_team), ["AG006"]);
    assert!(lint(&owner_team)[0].message.contains("A11"));
    // Through a group team: admitted.
    let mut group = owner_team.clone();
    group.teams[0].kind = TeamKind::EntraSecurityGroup;
    assert_eq!(codes(&group), Vec::<&str>::new());
    assert!(
        authorize(&policy(&group)?, &record("carol", Privilege::READ, "acc-c"))
            .decision()
            .is_allow()
    );
    let mut disabled = m.clone();
    disabled.users.last_mut().unwrap().enabled = false;
    assert_eq!(codes(&disabled), Vec::<&str>::new());
    Ok(())
}

fn flow_model(full: bool) -> DataverseModel {
    let mut m = clean();
    for t in [
        "flowsession",
        "workflowbinary",
        "workflow",
        "desktopflowbinary",
    ] {
        m.tables.push(TableDef::user_owned(t));
    }
    let mut role = RoleDef::new("flow runner");
    for (i, (table, privilege)) in DESKTOP_FLOW_REQUIREMENTS.iter().enumerate() {
        if full || i < 4 {
            role = role.grant(table, *privilege, AccessLevel::User);
        }
    }
    m.roles.push(role);
    m.role_assignments
        .push(RoleAssignmentDef::user("alice", "flow runner"));
    m
}

/// AG007: a role with part of the desktop flow minimum (seed 002): one finding per missing
/// privilege, and its holder cannot run a desktop flow; the full set is clean and can.
#[test]
fn ag007_incomplete_desktop_flow_privileges() -> Result<(), Box<dyn Error>> {
    let partial = flow_model(false);
    let findings = lint(&partial);
    assert_eq!(codes(&partial), ["AG007"; 6]);
    let missing: Vec<(String, Privilege)> = findings
        .iter()
        .map(|l| (l.table.clone().unwrap(), l.privilege.unwrap()))
        .collect();
    let expected: Vec<(String, Privilege)> = DESKTOP_FLOW_REQUIREMENTS[4..]
        .iter()
        .map(|(t, p)| ((*t).to_owned(), *p))
        .collect();
    assert_eq!(missing, expected);
    let run = Request::Dataverse(accessgate::dataverse::DataverseRequest::RunDesktopFlow(
        accessgate::dataverse::DesktopFlowQuery::new("alice"),
    ));
    assert!(!authorize(&policy(&partial)?, &run).decision().is_allow());
    let full = flow_model(true);
    assert_eq!(codes(&full), Vec::<&str>::new());
    assert!(authorize(&policy(&full)?, &run).decision().is_allow());
    Ok(())
}

/// AG008: Organization-level Delete on every table: the holder deletes a record of any unit.
/// One table short of every table is not reported.
#[test]
fn ag008_organization_delete_everywhere() -> Result<(), Box<dyn Error>> {
    let mut m = clean();
    for t in ["account", "contact"] {
        set_level(
            &mut m,
            "rep",
            t,
            Privilege::DELETE,
            AccessLevel::Organization,
        );
        set_level(&mut m, "rep", t, Privilege::READ, AccessLevel::Organization);
        set_level(
            &mut m,
            "rep",
            t,
            Privilege::WRITE,
            AccessLevel::Organization,
        );
    }
    let findings = lint(&m);
    assert_eq!(codes(&m), ["AG008"]);
    assert_eq!(findings[0].privilege, Some(Privilege::DELETE));
    assert!(
        authorize(&policy(&m)?, &record("alice", Privilege::DELETE, "acc-b"))
            .decision()
            .is_allow()
    );
    let mut one_short = m.clone();
    set_level(
        &mut one_short,
        "rep",
        "contact",
        Privilege::DELETE,
        AccessLevel::ParentChild,
    );
    assert_eq!(codes(&one_short), Vec::<&str>::new());
    Ok(())
}

/// AG009: ids that differ only by case, surrounding whitespace or invisible characters are
/// distinct users, reported once per later id; `authorize()` treats the look-alike as another
/// user (it holds no role, so it is denied what `alice` is allowed). `alice2` is not reported.
#[test]
fn ag009_look_alike_ids() -> Result<(), Box<dyn Error>> {
    let mut m = clean();
    for id in ["Alice", "alice\u{200b}", " alice", "alice2"] {
        let mut u = UserDef::new(id, "contoso");
        u.enabled = false;
        m.users.push(u);
    }
    assert_eq!(codes(&m), ["AG009"; 3]);
    let findings = lint(&m);
    assert_eq!(
        findings[0].message,
        "user `Alice` looks like user `alice`: the ids differ only by case, whitespace or invisible characters"
    );
    assert!(findings[1].message.contains("user `alice\\u{200b}`"));
    let p = policy(&m)?;
    assert!(authorize(&p, &record("alice", Privilege::READ, "acc-a"))
        .decision()
        .is_allow());
    assert!(!authorize(&p, &record("Alice", Privilege::READ, "acc-a"))
        .decision()
        .is_allow());
    Ok(())
}

/// Findings serialize with their code and severity.
#[test]
fn findings_serialize() -> Result<(), Box<dyn Error>> {
    let mut m = clean();
    m.users.push(UserDef::new("carol", "contoso"));
    let json = serde_json::to_value(lint(&m))?;
    assert_eq!(json[0]["code"], "AG006");
    assert_eq!(json[0]["severity"], "error");
    assert_eq!(json[0]["principal"]["user"], "carol");
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// On random models, AG006 names exactly the enabled users the environment gate turns away
    /// for having no role (R8.4 item 4, with A11 as the model sets it).
    #[test]
    fn ag006_matches_the_environment_gate(seed in common::seed()) {
        let m = common::model(&seed);
        let p = m.build().unwrap();
        let flagged: Vec<String> = lint(&m)
            .into_iter()
            .filter(|l| l.code == LintCode::AG006)
            .filter_map(|l| match l.principal {
                Some(PrincipalRef::User(u)) => Some(u),
                _ => None,
            })
            .collect();
        let turned_away: Vec<String> = m
            .users
            .iter()
            .filter(|u| u.enabled)
            .filter(|u| {
                matches!(
                    p.admission(p.user_id(&u.id).unwrap()),
                    Some(Admission::NoSecurityRole | Admission::OnlyOwnerTeamRoles)
                )
            })
            .map(|u| u.id.clone())
            .collect();
        prop_assert_eq!(flagged, turned_away);
        prop_assert!(lint(&m).iter().all(|l| l.code != LintCode::AG000));
    }
}
