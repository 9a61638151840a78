//! Bounded builds (issue 14): a document of `N` bytes compiles into at most about `64 × N` bytes
//! plus a constant, or fails with a `TooLarge` error naming the limit. Each amplifying shape is
//! built from its JSON text (so `N` is the real document size) and measured with the library's
//! own [`MemoryUsage`](accessgate::dataverse::MemoryUsage), which counts every compiled array.
//!
//! The test crate inherits `forbid(unsafe_code)`, so a counting global allocator is not an
//! option here; `MemoryUsage` is the measure.

use std::error::Error;
use std::fmt::Write as _;

use accessgate::dataverse::ModelError;
use accessgate::{BuildError, BuildLimits, PolicyDocument};

type Result = std::result::Result<(), Box<dyn Error>>;

/// Limits for the test: the defaults with a derived-entry budget small enough that the constant
/// it adds (16 bytes per derived entry) is a rounding error beside the documents.
fn limits() -> BuildLimits {
    BuildLimits::default().with_derived_entries(100_000)
}

/// The constant part of the bound: fixed overhead plus the derived entries the limits allow.
fn constant(limits: &BuildLimits) -> usize {
    (1 << 20) + limits.derived_entries * 16
}

/// What a build of `json` came to.
#[derive(Debug)]
enum Outcome {
    /// Built, into this many bytes.
    Built(usize),
    /// Refused with a limit: what was counted.
    TooLarge(String),
}

/// Builds `json` under `limits` and checks the bound; returns what happened.
fn build_bounded(json: &str, limits: &BuildLimits) -> std::result::Result<Outcome, Box<dyn Error>> {
    let doc: PolicyDocument = serde_json::from_str(json)?;
    let n = json.len();
    match doc.build_with_limits(limits) {
        Ok(policy) => {
            let bytes = policy.dataverse().map_or(0, |p| p.memory_bytes());
            let bound = 64 * n + constant(limits);
            eprintln!("{n} document bytes -> {bytes} compiled bytes");
            assert!(
                bytes <= bound,
                "{bytes} bytes from a {n}-byte document (bound {bound})"
            );
            Ok(Outcome::Built(bytes))
        }
        Err(BuildError::Dataverse(ModelError::TooLarge { what, .. })) => {
            Ok(Outcome::TooLarge(what.to_owned()))
        }
        Err(BuildError::Dataverse(ModelError::TeamTooLarge { team, .. })) => {
            Ok(Outcome::TooLarge(format!("team {team}")))
        }
        Err(e) => Err(e.into()),
    }
}

/// A Dataverse document from its parts (each a JSON array body, comma-separated items).
struct Doc {
    business_units: String,
    tables: String,
    roles: String,
    users: String,
    teams: String,
    assignments: String,
    records: String,
    shares: String,
    relationships: String,
}

impl Doc {
    fn new() -> Doc {
        Doc {
            business_units: r#"{"id":"root"}"#.into(),
            tables: String::new(),
            roles: String::new(),
            users: String::new(),
            teams: String::new(),
            assignments: String::new(),
            records: String::new(),
            shares: String::new(),
            relationships: String::new(),
        }
    }

    fn json(&self) -> String {
        format!(
            r#"{{"dataverse":{{"business_units":[{}],"tables":[{}],"roles":[{}],"users":[{}],"teams":[{}],"role_assignments":[{}],"records":[{}],"shares":[{}],"relationships":[{}]}}}}"#,
            self.business_units,
            self.tables,
            self.roles,
            self.users,
            self.teams,
            self.assignments,
            self.records,
            self.shares,
            self.relationships
        )
    }
}

/// Appends `item` to a comma-separated list.
fn push(list: &mut String, item: &str) {
    if !list.is_empty() {
        list.push(',');
    }
    list.push_str(item);
}

/// `roles` roles and `tables` tables, no privileges at all: memory follows the document, not
/// the product (a dense layout held `roles × tables × 8` cells).
fn roles_by_tables(roles: usize, tables: usize) -> String {
    let mut d = Doc::new();
    for t in 0..tables {
        push(&mut d.tables, &format!(r#"{{"id":"t{t}"}}"#));
    }
    for r in 0..roles {
        push(&mut d.roles, &format!(r#"{{"id":"r{r}"}}"#));
    }
    d.json()
}

#[test]
fn many_roles_times_many_tables_without_privileges() -> Result {
    let l = limits();
    let json = roles_by_tables(3_000, 3_000);
    match build_bounded(&json, &l)? {
        // A dense layout held 3,000 × 3,000 × 8 cells (72 MB); sparse, not one per pair.
        Outcome::Built(bytes) => assert!(bytes < 3_000 * 3_000, "{bytes} bytes"),
        refused => panic!("expected a build, got {refused:?}"),
    }
    Ok(())
}

#[test]
fn hundred_thousand_roles_and_tables_are_refused_by_default() -> Result {
    // The 3.2 MB document of issue 14 that allocated 80 GB.
    let json = roles_by_tables(100_000, 100_000);
    let doc: PolicyDocument = serde_json::from_str(&json)?;
    let error = doc.build().err().ok_or("built")?;
    assert_eq!(
        error,
        BuildError::Dataverse(ModelError::TooLarge {
            what: "tables",
            count: 100_000,
            limit: BuildLimits::default().tables
        })
    );
    // With the limits raised it builds, and still within the bound.
    let raised = limits().with_tables(100_000).with_roles(100_000);
    assert!(matches!(build_bounded(&json, &raised)?, Outcome::Built(_)));
    Ok(())
}

#[test]
fn many_roles_each_with_many_cells() -> Result {
    let l = limits();
    let mut d = Doc::new();
    let (roles, tables) = (400, 400);
    for t in 0..tables {
        push(&mut d.tables, &format!(r#"{{"id":"t{t}"}}"#));
    }
    for r in 0..roles {
        let mut privileges = String::new();
        for t in 0..tables {
            push(
                &mut privileges,
                &format!(r#""t{t}":{{"Read":"User","Write":"Organization"}}"#),
            );
        }
        push(
            &mut d.roles,
            &format!(r#"{{"id":"r{r}","privileges":{{{privileges}}}}}"#),
        );
    }
    let json = d.json();
    assert!(matches!(build_bounded(&json, &l)?, Outcome::Built(_)));
    // Over the cell limit: refused, naming it.
    let tight = l.with_role_cells(roles * tables);
    match build_bounded(&json, &tight)? {
        Outcome::TooLarge(what) => assert_eq!(what, "role_cells"),
        built => panic!("expected role_cells, got {built:?}"),
    }
    Ok(())
}

/// One team of `members` users holding `roles` roles: each member holds each role.
fn team_members_times_roles(members: usize, roles: usize) -> String {
    let mut d = Doc::new();
    d.tables = r#"{"id":"account"}"#.into();
    let mut list = String::new();
    for u in 0..members {
        push(
            &mut d.users,
            &format!(r#"{{"id":"u{u}","business_unit":"root"}}"#),
        );
        push(&mut list, &format!(r#""u{u}""#));
    }
    d.teams = format!(r#"{{"id":"big","business_unit":"root","members":[{list}]}}"#);
    for r in 0..roles {
        push(
            &mut d.roles,
            &format!(r#"{{"id":"r{r}","privileges":{{"account":{{"Read":"User"}}}}}}"#),
        );
        push(
            &mut d.assignments,
            &format!(r#"{{"principal":{{"team":"big"}},"role":"r{r}"}}"#),
        );
    }
    d.json()
}

#[test]
fn huge_team_membership_times_many_roles() -> Result {
    let l = limits();
    // Small enough to build: 200 members × 200 roles = 40,000 grant sources.
    let small = team_members_times_roles(200, 200);
    assert!(matches!(build_bounded(&small, &l)?, Outcome::Built(_)));
    // 3,000 × 3,000 = 9,000,000 grant sources from a ~0.3 MB document: refused.
    let big = team_members_times_roles(3_000, 3_000);
    match build_bounded(&big, &l)? {
        Outcome::TooLarge(what) => assert_eq!(what, "derived_entries"),
        built => panic!("expected derived_entries, got {built:?}"),
    }
    // A team over the per-team member limit.
    let tight = l.with_members_per_team(100);
    match build_bounded(&small, &tight)? {
        Outcome::TooLarge(what) => assert_eq!(what, "team big"),
        built => panic!("expected the team limit, got {built:?}"),
    }
    Ok(())
}

#[test]
fn shares_on_a_parent_times_children() -> Result {
    let l = limits();
    let mut d = Doc::new();
    d.tables = r#"{"id":"account"},{"id":"contact"}"#.into();
    d.relationships =
        r#"{"id":"account_contact","parent_table":"account","child_table":"contact"}"#.into();
    d.users = r#"{"id":"owner","business_unit":"root"}"#.into();
    let (shares, children) = (2_000, 2_000);
    for u in 0..shares {
        push(
            &mut d.users,
            &format!(r#"{{"id":"u{u}","business_unit":"root"}}"#),
        );
        push(
            &mut d.shares,
            &format!(r#"{{"record":"p","with":{{"user":"u{u}"}},"rights":"Read"}}"#),
        );
    }
    d.records = r#"{"id":"p","table":"account","owner":{"user":"owner"}}"#.into();
    for c in 0..children {
        push(
            &mut d.records,
            &format!(
                r#"{{"id":"c{c}","table":"contact","owner":{{"user":"owner"}},"parents":[{{"relationship":"account_contact","record":"p"}}]}}"#
            ),
        );
    }
    let json = d.json();
    assert!(matches!(build_bounded(&json, &l)?, Outcome::Built(_)));
    Ok(())
}

/// A chain of `depth` business units and a chain of `depth` managers.
fn chains(depth: usize) -> String {
    let mut d = Doc::new();
    for b in 1..depth {
        let parent = if b == 1 {
            "root".to_owned()
        } else {
            format!("b{}", b - 1)
        };
        push(
            &mut d.business_units,
            &format!(r#"{{"id":"b{b}","parent":"{parent}"}}"#),
        );
    }
    for u in 0..depth {
        let mut user = format!(r#"{{"id":"u{u}","business_unit":"root""#);
        if u > 0 {
            let _ = write!(user, r#","manager":"u{}""#, u - 1);
        }
        user.push('}');
        push(&mut d.users, &user);
    }
    d.json()
}

#[test]
fn deep_chains() -> Result {
    let l = limits();
    assert!(matches!(
        build_bounded(&chains(5_000), &l)?,
        Outcome::Built(_)
    ));
    let deep = chains(l.depth + 2);
    match build_bounded(&deep, &l)? {
        Outcome::TooLarge(what) => assert_eq!(what, "levels of business units"),
        built => panic!("expected the depth limit, got {built:?}"),
    }
    // Managers alone past the limit.
    let mut d = Doc::new();
    for u in 0..l.depth + 2 {
        let manager = if u > 0 {
            format!(r#","manager":"u{}""#, u - 1)
        } else {
            String::new()
        };
        push(
            &mut d.users,
            &format!(r#"{{"id":"u{u}","business_unit":"root"{manager}}}"#),
        );
    }
    match build_bounded(&d.json(), &l)? {
        Outcome::TooLarge(what) => assert_eq!(what, "levels of managers"),
        built => panic!("expected the manager depth limit, got {built:?}"),
    }
    Ok(())
}

#[test]
fn configuration_changes_keep_to_the_limits() -> Result {
    use accessgate::dataverse::{BusinessUnitDef, ConfigChange, DataverseModel, TeamDef, UserDef};
    let mut m = DataverseModel::default();
    m.business_units.push(BusinessUnitDef::root("root"));
    m.users.push(UserDef::new("a", "root"));
    m.users.push(UserDef::new("b", "root"));
    m.teams.push(TeamDef::owner("t", "root", &["a"]));
    let limits = BuildLimits::default()
        .with_users(2)
        .with_members_per_team(1)
        .with_business_units(2)
        .with_depth(1);
    let p = m.build_with_limits(&limits)?;
    let join = ConfigChange::AddTeamMember {
        team: "t".into(),
        user: "b".into(),
    };
    assert_eq!(
        p.apply(&[join]).err(),
        Some(ModelError::TeamTooLarge {
            team: "t".into(),
            count: 2,
            limit: 1
        })
    );
    // Re-adding a member changes nothing and is not refused.
    let again = ConfigChange::AddTeamMember {
        team: "t".into(),
        user: "a".into(),
    };
    assert!(p.apply(&[again]).is_ok());
    assert_eq!(
        p.apply(&[ConfigChange::AddUser(UserDef::new("c", "root"))])
            .err(),
        Some(ModelError::TooLarge {
            what: "users",
            count: 3,
            limit: 2
        })
    );
    let child =
        |id: &str, parent: &str| ConfigChange::AddBusinessUnit(BusinessUnitDef::child(id, parent));
    let one = p.apply(&[child("x", "root")])?;
    assert_eq!(
        one.apply(&[child("y", "x")]).err(),
        Some(ModelError::TooLarge {
            what: "business units",
            count: 3,
            limit: 2
        })
    );
    let deeper = limits.with_business_units(10);
    let p = m.build_with_limits(&deeper)?.apply(&[child("x", "root")])?;
    assert_eq!(
        p.apply(&[child("y", "x")]).err(),
        Some(ModelError::TooLarge {
            what: "levels of business units",
            count: 2,
            limit: 1
        })
    );
    Ok(())
}
