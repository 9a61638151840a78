//! Effective access, both directions, against `check()` and `authorize()`.
//!
//! The matrix is checked against a reference written straight from §13 of `dataverse.md`:
//! a record privilege is allowed exactly when the user is admitted, the privilege applies, and
//! the user is a System Administrator, or a grant of the cell `covers` the record, or a listed
//! share of the record has the privilege among its usable rights, or the hierarchy gives it.

#![allow(clippy::unwrap_used, reason = "tests")]

mod common;

use std::error::Error;

use accessgate::dataverse::*;
use accessgate::RecordPrivilege;
use accessgate::{authorize, AccessLevel, PolicyDocument, Privilege, Request};
use proptest::prelude::*;

/// §13 `covers`: ownership in the grant's context (R2.3, R2.10, R4.5; A5, A9 when enabled), or
/// the level from the anchor (R2.4–R2.6); organization-owned records by Organization only (R2.8).
fn covers(
    p: &DataversePolicy,
    m: &DataverseModel,
    user: &str,
    g: &Grant,
    record: RecordId,
) -> bool {
    let Some((owner, unit)) = p.record_owner(record) else {
        return g.level == AccessLevel::Organization;
    };
    let anchor = p.business_unit_id(&g.business_unit).unwrap();
    let uid = p.user_id(user).unwrap();
    let o = p.options();
    let ownership_counts =
        !(o.matrix_mode && o.ownership_needs_role_in_owning_unit && anchor != unit);
    let owned = ownership_counts
        && match (&g.acts_as, owner) {
            (ActsAs::User, PrincipalId::User(x)) => x == uid,
            (ActsAs::User, PrincipalId::Team(t)) => {
                p.team_members(t).any(|x| x == uid)
                    || (o.team_administrator_owns
                        && m.teams.iter().any(|team| {
                            team.id == p.team_name(t) && team.administrator.as_deref() == Some(user)
                        }))
            }
            (ActsAs::Team { team }, PrincipalId::Team(t)) => p.team_name(t) == team,
            (ActsAs::Team { .. }, PrincipalId::User(_)) => false,
        };
    owned
        || match g.level {
            AccessLevel::None | AccessLevel::User => false,
            AccessLevel::BusinessUnit => unit == anchor,
            AccessLevel::ParentChild => p.business_unit_within(unit, anchor),
            AccessLevel::Organization => true,
        }
}

/// What the matrix says about one record privilege.
fn matrix_allows(
    p: &DataversePolicy,
    m: &DataverseModel,
    access: &EffectiveAccess,
    privilege: Privilege,
    record: RecordId,
) -> bool {
    let table = p.table_name(p.record_table(record).unwrap());
    let cell = access.cell(table, privilege).unwrap();
    let name = p.record_name(record);
    access.is_admitted()
        && cell.applicable
        && (access.system_administrator.is_some()
            || cell
                .grants
                .iter()
                .any(|g| covers(p, m, &access.user, g, record))
            || access
                .shares
                .iter()
                .any(|s| s.record == name && s.usable.contains(privilege))
            || access
                .hierarchy
                .iter()
                .any(|h| h.record == name && h.rights.contains(privilege)))
}

/// Checks every user × record × privilege of a model against the matrix and the reverse.
fn assert_agrees(m: &DataverseModel) -> Result<usize, TestCaseError> {
    let p = m.build().map_err(|e| TestCaseError::fail(e.to_string()))?;
    let mut checked = 0;
    let mut by_record: Vec<Vec<(String, Privilege)>> = vec![Vec::new(); p.record_count()];
    for u in &m.users {
        let uid = p.user_id(&u.id).unwrap();
        let access = p.effective_access(uid);
        prop_assert_eq!(&access.user, &u.id);
        prop_assert_eq!(access.tables.len(), m.tables.len());
        for r in &m.records {
            let rid = p.record_id(&r.id).unwrap();
            for privilege in Privilege::RECORD_RIGHTS {
                let reason = p.check(uid, privilege, rid);
                let allowed = reason.decision().is_allow();
                prop_assert_eq!(
                    allowed,
                    matrix_allows(&p, m, &access, privilege, rid),
                    "{} {} {}: {}",
                    u.id,
                    privilege,
                    r.id,
                    reason.explain(&p)
                );
                let cell = access.cell(&r.table, privilege).unwrap();
                match reason {
                    // The privilege check (R1.2) fails exactly when the cell has no grant.
                    RecordReason::NoPrivilege { .. } => prop_assert!(cell.grants.is_empty()),
                    // The summary level is the highest level `check` reports.
                    RecordReason::OutsideLevels { highest, .. } => {
                        prop_assert_eq!(highest, cell.level)
                    }
                    RecordReason::NotAdmitted(_) => prop_assert!(!access.is_admitted()),
                    _ => {}
                }
                if access.is_admitted() && cell.applicable && access.system_administrator.is_none()
                {
                    prop_assert_eq!(
                        cell.grants.is_empty(),
                        matches!(reason, RecordReason::NoPrivilege { .. }),
                        "{} {} {}",
                        u.id,
                        privilege,
                        r.id
                    );
                }
                if allowed {
                    by_record[rid.index()].push((u.id.clone(), privilege));
                }
                checked += 1;
            }
        }
    }
    // The reverse direction: every user that can act on each record, and nobody else.
    for r in &m.records {
        let rid = p.record_id(&r.id).unwrap();
        let access = p.record_access(rid);
        let listed: Vec<(String, Privilege)> = access
            .users
            .iter()
            .flat_map(|u| {
                u.reasons
                    .iter()
                    .map(move |reason| (u.user.clone(), reason.privilege))
            })
            .collect();
        prop_assert_eq!(&listed, &by_record[rid.index()], "record {}", r.id);
        for u in &access.users {
            let union = u
                .reasons
                .iter()
                .fold(Privilege::empty(), |acc, r| acc | r.privilege);
            prop_assert_eq!(union, u.privileges);
        }
    }
    Ok(checked)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// For random models, every (user, record, privilege): allowed by `check` exactly when the
    /// matrix shows a covering grant, a usable share or a hierarchy entry; and `record_access`
    /// lists exactly the allowed (user, privilege) pairs.
    #[test]
    fn matrix_matches_check(seed in common::seed()) {
        assert_agrees(&common::model(&seed))?;
    }

    /// Every grant listed holds a level above None, its role is held by the user, and the
    /// summary level is the highest grant (or Organization for a System Administrator).
    #[test]
    fn summary_is_the_highest_grant(seed in common::seed()) {
        let m = common::model(&seed);
        let p = m.build().unwrap();
        for u in &m.users {
            let access = p.effective_access(p.user_id(&u.id).unwrap());
            for t in &access.tables {
                for c in &t.privileges {
                    prop_assert!(c.grants.iter().all(|g| g.level > AccessLevel::None));
                    prop_assert!(c.grants.iter().all(|g| access.roles.iter().any(|r| r.role == g.role)));
                    let expected = match (c.applicable && access.is_admitted(), &access.system_administrator) {
                        (false, _) => AccessLevel::None,
                        (true, Some(_)) => AccessLevel::Organization,
                        (true, None) => c.grants.iter().map(|g| g.level).max().unwrap_or(AccessLevel::None),
                    };
                    prop_assert_eq!(c.level, expected);
                }
            }
        }
    }
}

/// The CSK roles in the small tree of `tests/csk.rs`: `admin` and `maker` in div-a, `stranger`
/// in div-b owning the "other" records.
fn csk_model() -> Result<DataverseModel, Box<dyn Error>> {
    common::csk::model(&common::csk::parse_seed()?)
}

#[test]
fn csk_matrix_cell_by_cell_through_authorize() -> Result<(), Box<dyn Error>> {
    let m = csk_model()?;
    let policy = PolicyDocument::default()
        .with_dataverse(m.clone())
        .build()?;
    let p = policy.dataverse().ok_or("no dataverse")?;
    let mut cells = 0;
    for (user, role) in [("admin", "CSK - Administrator"), ("maker", "CSK - Maker")] {
        let access = p.effective_access(p.user_id(user).ok_or("user")?);
        let role_def = m.roles.iter().find(|r| r.id == role).ok_or("role")?;
        for table in &m.tables {
            let applicable = table.privileges.unwrap_or(Privilege::all());
            for privilege in Privilege::EACH {
                let cell = access.cell(&table.id, privilege).ok_or("cell")?;
                let in_role = role_def
                    .privileges
                    .get(&table.id)
                    .and_then(|levels| {
                        levels
                            .iter()
                            .find(|(k, _)| k.contains(privilege))
                            .map(|(_, l)| *l)
                    })
                    .unwrap_or(AccessLevel::None);
                assert_eq!(cell.applicable, applicable.contains(privilege));
                assert_eq!(cell.level, in_role, "{user} {privilege} {}", table.id);
                if in_role > AccessLevel::None {
                    assert_eq!(cell.grants.len(), 1);
                    let g = &cell.grants[0];
                    assert_eq!(
                        (
                            g.role.as_str(),
                            g.business_unit.as_str(),
                            &g.via,
                            &g.acts_as
                        ),
                        (role, "div-a", &GrantVia::Direct, &ActsAs::User)
                    );
                    assert!(cell.is_plain(&access.business_unit));
                } else {
                    assert!(cell.grants.is_empty());
                }
                cells += 1;
                if privilege == Privilege::CREATE {
                    continue;
                }
                for owner in [user, "stranger"] {
                    let response = authorize(
                        &policy,
                        &Request::Dataverse(accessgate::dataverse::DataverseRequest::Record(
                            accessgate::dataverse::RecordQuery::new(
                                user,
                                RecordPrivilege::try_from(privilege).unwrap(),
                                format!("{owner}:{}", table.id),
                            ),
                        )),
                    );
                    let expected = cell.applicable
                        && (cell.level == AccessLevel::Organization
                            || (cell.level >= AccessLevel::User && owner == user));
                    assert_eq!(
                        response.decision().is_allow(),
                        expected,
                        "{user} {privilege} {owner}:{}: {}",
                        table.id,
                        response.explain(&policy)
                    );
                }
            }
        }
    }
    assert_eq!(cells, 2 * 32 * 8);
    assert_agrees(&m).map_err(|e| e.to_string())?;
    Ok(())
}

/// The record direction on the CSK fixture: the stranger's Agent Test record is readable by
/// the administrator and the maker (Organization level) and by its owner; nobody else.
#[test]
fn csk_record_access() -> Result<(), Box<dyn Error>> {
    let p = csk_model()?.build()?;
    let access = p.record_access(p.record_id("stranger:Agent Test").ok_or("record")?);
    let who: Vec<(&str, Privilege)> = access
        .users
        .iter()
        .map(|u| (u.user.as_str(), u.privileges))
        .collect();
    let all = Privilege::all() - Privilege::CREATE;
    assert_eq!(
        who,
        [
            ("admin", all),
            ("maker", all),
            ("stranger", Privilege::READ)
        ]
    );
    assert_eq!(access.owner, Some(ShareWith::User("stranger".into())));
    assert_eq!(access.owning_business_unit.as_deref(), Some("div-b"));
    assert!(access.users[2].reasons[0]
        .explanation
        .contains("as its owner"));
    Ok(())
}

/// A team-only role acts as the team: listed with the team's anchor and context, and it does
/// not reach the user's own record (R4.5) even though the summary says Organization.
#[test]
fn team_only_grant_is_not_the_summary() -> Result<(), Box<dyn Error>> {
    let mut m = DataverseModel::default();
    m.business_units.push(BusinessUnitDef::root("contoso"));
    m.business_units
        .push(BusinessUnitDef::child("sales", "contoso"));
    m.tables.push(TableDef::user_owned("account"));
    let mut team_only =
        RoleDef::new("team reader").grant("account", Privilege::READ, AccessLevel::BusinessUnit);
    team_only.inheritance = RoleInheritance::TeamPrivilegesOnly;
    m.roles.push(team_only);
    m.roles
        .push(RoleDef::new("basic").grant("account", Privilege::WRITE, AccessLevel::User));
    m.users.push(UserDef::new("alice", "sales"));
    m.teams.push(TeamDef::owner("hq", "contoso", &["alice"]));
    m.role_assignments
        .push(RoleAssignmentDef::user("alice", "basic"));
    m.role_assignments
        .push(RoleAssignmentDef::team("hq", "team reader"));
    m.records
        .push(RecordDef::owned_by_user("mine", "account", "alice"));
    let p = m.build()?;
    let alice = p.user_id("alice").ok_or("alice")?;
    let access = p.effective_access(alice);
    let read = access.cell("account", Privilege::READ).ok_or("cell")?;
    assert_eq!(read.level, AccessLevel::BusinessUnit);
    assert_eq!(read.grants[0].acts_as, ActsAs::Team { team: "hq".into() });
    assert_eq!(read.grants[0].business_unit, "contoso");
    assert!(!read.is_plain("sales"));
    let mine = p.record_id("mine").ok_or("mine")?;
    assert!(!p.check(alice, Privilege::READ, mine).decision().is_allow());
    assert!(!matrix_allows(&p, &m, &access, Privilege::READ, mine));
    let text = access.to_table().to_string();
    assert!(text.contains("BU*"), "{text}");
    assert!(text.contains("as team `hq`"), "{text}");
    Ok(())
}

/// An unknown id gives an empty answer, never a panic; a user without a role is listed as not
/// admitted with no level anywhere (R8.4).
#[test]
fn unknown_and_unadmitted_users() -> Result<(), Box<dyn Error>> {
    let mut m = csk_model()?;
    m.users.push(UserDef::new("nobody", "div-a"));
    let p = m.build()?;
    let other = {
        let mut bigger = m.clone();
        for i in 0..10 {
            bigger
                .users
                .push(UserDef::new(&format!("extra{i}"), "div-a"));
        }
        bigger.build()?
    };
    let foreign = other.user_id("extra9").ok_or("extra9")?;
    let unknown = p.effective_access(foreign);
    assert_eq!(unknown.admission, None);
    assert!(unknown
        .tables
        .iter()
        .all(|t| t.privileges.iter().all(|c| c.grants.is_empty())));
    assert_eq!(serde_json::to_value(&unknown)?["admission"], "unknown_user");
    let nobody = p.effective_access(p.user_id("nobody").ok_or("nobody")?);
    assert_eq!(nobody.admission, Some(Admission::NoSecurityRole));
    assert!(nobody
        .tables
        .iter()
        .all(|t| t.privileges.iter().all(|c| c.level == AccessLevel::None)));
    let foreign_record = other.record_id("stranger:Rubric").ok_or("rec")?;
    assert_eq!(p.record_access(foreign_record).record, "stranger:Rubric");
    Ok(())
}

/// The JSON form names tables, roles, units and teams, and a System Administrator's cells are
/// Organization wherever the privilege applies (R8.1).
#[test]
fn json_uses_names() -> Result<(), Box<dyn Error>> {
    let mut m = csk_model()?;
    let mut sysadmin = RoleDef::new("System Administrator");
    sysadmin.system_administrator = true;
    m.roles.push(sysadmin);
    m.users.push(UserDef::new("root", "contoso"));
    m.role_assignments
        .push(RoleAssignmentDef::user("root", "System Administrator"));
    let p = m.build()?;
    let json = serde_json::to_value(p.effective_access(p.user_id("maker").ok_or("maker")?))?;
    assert_eq!(json["user"], "maker");
    assert_eq!(json["admission"], "admitted");
    assert_eq!(json["tables"][0]["table"], "Agent Test");
    assert_eq!(json["tables"][0]["privileges"][1]["privilege"], "Read");
    assert_eq!(json["tables"][0]["privileges"][1]["level"], "Organization");
    let grant = &json["tables"][0]["privileges"][1]["grants"][0];
    assert_eq!(grant["role"], "CSK - Maker");
    assert_eq!(grant["business_unit"], "div-a");
    assert_eq!(grant["via"]["kind"], "direct");
    assert_eq!(grant["acts_as"]["kind"], "user");
    let root = p.effective_access(p.user_id("root").ok_or("root")?);
    assert_eq!(
        root.system_administrator.as_ref().map(|r| r.role.as_str()),
        Some("System Administrator")
    );
    for t in &root.tables {
        for c in &t.privileges {
            let expected = if c.applicable {
                AccessLevel::Organization
            } else {
                AccessLevel::None
            };
            assert_eq!(c.level, expected);
        }
    }
    Ok(())
}
