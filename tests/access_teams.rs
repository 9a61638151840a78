//! Access-team templates (R4.9, R4.10): the join question both ways, a template changed after
//! a record's team exists, and the build errors of bad templates.

use accessgate::dataverse::*;
use accessgate::{authorize, AccessLevel, Policy, PolicyDocument, Privilege, Request};

type Result = std::result::Result<(), Box<dyn std::error::Error>>;

/// The owner's account `a1`, its access team `deal team:a1` (made from the template when it
/// granted `team_rights`), and the template as it is now.
fn model(template_rights: Privilege, team_rights: Privilege) -> DataverseModel {
    let mut m = DataverseModel::default();
    m.business_units.push(BusinessUnitDef::root("contoso"));
    m.tables.push(TableDef::user_owned("account"));
    let rw = Privilege::READ | Privilege::WRITE;
    m.roles
        .push(RoleDef::new("rep").grant("account", rw | Privilege::SHARE, AccessLevel::User));
    m.roles
        .push(RoleDef::new("viewer").grant("account", Privilege::READ, AccessLevel::User));
    for (user, role) in [("owner", "rep"), ("helper", "rep"), ("guest", "viewer")] {
        m.users.push(UserDef::new(user, "contoso"));
        m.role_assignments.push(RoleAssignmentDef::user(user, role));
    }
    let mut team = TeamDef::owner("deal team:a1", "contoso", &["helper"]);
    team.kind = TeamKind::Access;
    m.teams.push(team);
    m.records
        .push(RecordDef::owned_by_user("a1", "account", "owner"));
    m.shares.push(ShareDef::new(
        "a1",
        ShareTarget::Team("deal team:a1".into()),
        team_rights,
    ));
    m.access_team_templates.push(AccessTeamTemplateDef::new(
        "deal team",
        "account",
        template_rights,
    ));
    m
}

fn join(
    p: &DataversePolicy,
    adder: &str,
    member: &str,
) -> std::result::Result<ActionReason, String> {
    let id = |u: &str| p.user_id(u).ok_or(format!("no user {u}"));
    Ok(p.check_join_access_team(
        id(adder)?,
        id(member)?,
        p.access_team_template_id("deal team")
            .ok_or("no template")?,
        p.record_id("a1").ok_or("no record")?,
    ))
}

/// R4.9: a template's rights apply to teams made after the change; the team made before keeps
/// the share it got. The join question follows the template as it is now.
#[test]
fn template_rights_changed_after_the_team_exists() -> Result {
    let rw = Privilege::READ | Privilege::WRITE;
    // The team was made when the template granted Read only; the template now grants Write too.
    let after = model(rw, Privilege::READ).build()?;
    let helper = after.user_id("helper").ok_or("helper")?;
    let a1 = after.record_id("a1").ok_or("a1")?;
    assert_eq!(after.check(helper, Privilege::READ, a1).code(), "shared");
    assert_eq!(
        after.check(helper, Privilege::WRITE, a1).code(),
        "outside_levels",
        "the existing team keeps its Read-only share"
    );
    // A viewer could join under the old template, not under the new one (it now needs Write).
    let before = model(Privilege::READ, Privilege::READ).build()?;
    assert!(join(&before, "owner", "guest")?.decision().is_allow());
    let refused = join(&after, "owner", "guest")?;
    assert_eq!(refused.code(), "joiner_lacks_privilege");
    let missing: Vec<Privilege> = refused
        .missing()
        .filter_map(|c| match c {
            Check::JoinerPrivilege { privilege, .. } => Some(*privilege),
            _ => None,
        })
        .collect();
    assert_eq!(missing, [Privilege::WRITE]);
    Ok(())
}

/// Through `authorize()` and JSON: allowed, refused for the adder, unknown template, unknown
/// fields refused.
#[test]
fn join_requests_in_json() -> Result {
    let policy = Policy::from(model(Privilege::READ, Privilege::READ).build()?);
    let ask = |json: &str| -> std::result::Result<String, Box<dyn std::error::Error>> {
        let request: Request = serde_json::from_str(json)?;
        Ok(authorize(&policy, &request).code().to_owned())
    };
    let base = r#""template": "deal team", "record": "a1""#;
    assert_eq!(
        ask(&format!(
            r#"{{"kind": "join_access_team", "user": "owner", "member": "guest", {base}}}"#
        ))?,
        "checks_passed"
    );
    assert_eq!(
        ask(&format!(
            r#"{{"kind": "join_access_team", "user": "guest", "member": "helper", {base}}}"#
        ))?,
        "no_privilege"
    );
    assert_eq!(
        ask(
            r#"{"kind": "join_access_team", "user": "owner", "member": "guest", "template": "nope", "record": "a1"}"#
        )?,
        "unknown_id"
    );
    let misspelt =
        format!(r#"{{"kind": "join_access_team", "user": "owner", "membr": "guest", {base}}}"#);
    assert!(serde_json::from_str::<Request>(&misspelt).is_err());
    Ok(())
}

/// Templates on an organization-owned table, with Create or empty rights, with rights the
/// table does not have, an unknown table, or more than the option allows per table: each a
/// build error naming the template or table.
#[test]
fn bad_templates_do_not_build() -> Result {
    type Breaks = fn(&mut DataverseModel);
    let cases: [(&str, Breaks); 5] = [
        (
            "access team template `deal team` gives rights `Create | Read`",
            |m| {
                m.access_team_templates[0].rights = Privilege::READ | Privilege::CREATE;
            },
        ),
        ("access team template `deal team` gives rights ``", |m| {
            m.access_team_templates[0].rights = Privilege::empty();
        }),
        ("on table `currency`", |m| {
            m.tables.push(TableDef::organization_owned("currency"));
            m.access_team_templates[0].table = "currency".into();
        }),
        (
            "access team template `deal team` names table `nope`, which does not exist",
            |m| {
                m.access_team_templates[0].table = "nope".into();
            },
        ),
        (
            "table `account` has more than 2 access team templates",
            |m| {
                for i in 0..2 {
                    m.access_team_templates.push(AccessTeamTemplateDef::new(
                        &format!("more {i}"),
                        "account",
                        Privilege::READ,
                    ));
                }
            },
        ),
    ];
    for (expected, break_it) in cases {
        let mut m = model(Privilege::READ, Privilege::READ);
        break_it(&mut m);
        let err = m
            .build()
            .err()
            .ok_or(format!("built despite: {expected}"))?;
        assert!(err.to_string().contains(expected), "{err} / {expected}");
    }
    // The option raises the bound.
    let mut m = model(Privilege::READ, Privilege::READ);
    m.options.access_team_templates_per_table = 3;
    for i in 0..2 {
        m.access_team_templates.push(AccessTeamTemplateDef::new(
            &format!("more {i}"),
            "account",
            Privilege::READ,
        ));
    }
    m.build()?;
    let doc: PolicyDocument = serde_json::from_str(
        r#"{"dataverse": {"business_units": [{"id": "c"}], "tables": [{"id": "t"}],
            "access_team_templates": [{"id": "x", "table": "t", "rights": "Read", "extra": 1}]}}"#,
    )
    .unwrap_or_default();
    assert!(
        doc.dataverse.is_none(),
        "an unknown template field must not parse"
    );
    Ok(())
}
