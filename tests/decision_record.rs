//! Decisions as data: `Response` serialises what needs no names, `to_record` names the parts,
//! and both agree with the response they come from (issue 15).

use std::error::Error;

use accessgate::dataverse::{Path, RecordReason, Via};
use accessgate::scenario::Scenario;
use accessgate::{authorize, Reason};

/// For every case of every scenario fixture, the record's decision, code, system and
/// explanation are the response's, and a role-level reason's parts are the grant's names.
#[test]
fn records_agree_with_responses() -> Result<(), Box<dyn Error>> {
    let mut named = 0;
    for entry in std::fs::read_dir("fixtures/scenarios")? {
        let path = entry?.path();
        let Ok(scenario) = serde_json::from_str::<Scenario>(&std::fs::read_to_string(&path)?)
        else {
            continue;
        };
        let Ok(policy) = scenario.model.build() else {
            continue;
        };
        for case in &scenario.cases {
            let response = authorize(&policy, &case.request);
            let record = response.to_record(&policy);
            let json = serde_json::to_value(&record)?;
            assert_eq!(json["decision"], response.decision().to_string());
            assert_eq!(json["code"], response.code());
            assert_eq!(json["code"], response.reason().code());
            assert_eq!(json["explanation"], response.explain(&policy).to_string());
            let plain = serde_json::to_value(&response)?;
            assert_eq!(plain["system"], json["system"]);
            assert_eq!(plain["decision"], json["decision"]);
            assert_eq!(serde_json::to_value(response.reason())?, plain);
            if let (Reason::Record(RecordReason::RoleLevel { grant, path }), Some(p)) =
                (response.reason(), policy.dataverse())
            {
                assert_eq!(json["role"], p.role_name(grant.role));
                assert_eq!(
                    json["business_unit"],
                    p.business_unit_name(grant.business_unit)
                );
                match grant.via {
                    Via::Direct => assert!(json.get("team").is_none()),
                    Via::Team(t) | Via::TeamMemberInheritance(t) => {
                        assert_eq!(json["team"], p.team_name(t));
                    }
                }
                match path {
                    Path::OwningTeam(t) | Path::TeamAdministrator(t) => {
                        assert_eq!(json["owning_team"], p.team_name(*t));
                    }
                    _ => assert!(json.get("owning_team").is_none()),
                }
                named += 1;
            }
        }
    }
    assert!(named > 0, "no role-level decision in the fixtures");
    Ok(())
}

/// A user whose only role comes through an owner team is denied with a reason that says so and
/// names the option, and lint reports the user; with the option on, the user is admitted.
#[test]
fn owner_team_only_user_names_the_option() -> Result<(), Box<dyn Error>> {
    use accessgate::dataverse::{lint, Admission, LintCode};
    use accessgate::{PolicyDocument, RecordPrivilege, Request};

    let mut doc: PolicyDocument = serde_json::from_str(
        r#"{"dataverse": {
      "business_units": [{"id": "contoso"}],
      "tables": [{"id": "account"}],
      "roles": [{"id": "reader", "privileges": {"account": {"Read": "Organization"}}}],
      "users": [{"id": "alice", "business_unit": "contoso"}],
      "teams": [{"id": "sales", "business_unit": "contoso", "kind": "owner", "members": ["alice"]}],
      "role_assignments": [{"principal": {"team": "sales"}, "role": "reader"}],
      "records": [{"id": "a1", "table": "account", "owner": {"team": "sales"}}]
    }}"#,
    )?;
    let policy = doc.build()?;
    let response = authorize(
        &policy,
        &Request::record("alice", RecordPrivilege::Read, "a1"),
    );
    assert_eq!(
        response.reason(),
        &Reason::Record(RecordReason::NotAdmitted(Admission::OnlyOwnerTeamRoles))
    );
    assert_eq!(response.code(), "not_admitted");
    assert_eq!(
        response.explain(&policy).to_string(),
        "denied: not admitted to the environment: every role of the user comes through an owner \
         team, and owner-team roles do not admit a user unless the option \
         `owner_team_roles_admit` is on (A11)"
    );
    let model = doc.dataverse.as_mut().ok_or("no model")?;
    let findings = lint(model);
    let finding = findings
        .iter()
        .find(|l| l.code == LintCode::AG006)
        .ok_or("no AG006 finding")?;
    assert!(
        finding.message.contains("`owner_team_roles_admit`"),
        "{}",
        finding.message
    );

    model.options.owner_team_roles_admit = true;
    let policy = doc.build()?;
    let response = authorize(
        &policy,
        &Request::record("alice", RecordPrivilege::Read, "a1"),
    );
    assert!(response.decision().is_allow());
    Ok(())
}
