//! Public-API tests of the folder-roles model: both permission tables cell by cell, build
//! errors, every option both ways, visibility, explanations and the request format.

#![allow(clippy::panic, reason = "test helpers fail the test by panicking")]
#![allow(
    clippy::unwrap_used,
    reason = "test helpers outside #[test] fns unwrap fixtures"
)]

use std::error::Error;
use std::path::Path;

use accessgate::folders::*;
use accessgate::scenario::Scenario;
use accessgate::{authorize, Decision, Policy, PolicyDocument, Request};

type TestResult = Result<(), Box<dyn Error>>;

fn fixture(path: &str) -> String {
    let full = Path::new(env!("CARGO_MANIFEST_DIR")).join(path);
    std::fs::read_to_string(&full).unwrap_or_else(|e| panic!("{}: {e}", full.display()))
}

// ---------------------------------------------------------------------------------------------
// The two tables of the source document, cell by cell.

/// One cell of a permission table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Cell {
    /// 🟢
    Allowed,
    /// 🔴
    Denied,
    /// 🟠: allowed when a condition holds (sign-in: a member of a synced group).
    Conditional,
}

/// A table as read from the fixture: the column names and, per row, the row name and cells.
#[derive(Debug)]
struct Table {
    columns: Vec<String>,
    rows: Vec<(String, Vec<Cell>)>,
}

fn cell(text: &str) -> Option<Cell> {
    match text {
        "🟢" => Some(Cell::Allowed),
        "🔴" => Some(Cell::Denied),
        "🟠" => Some(Cell::Conditional),
        _ => None,
    }
}

/// Reads the markdown tables of `fixtures/folders/permission_tables.md`. A header row is the
/// row that contains `Description`; its cells before it are the columns. In a body row, the row
/// name is the cell just before the first colour cell.
fn tables() -> Vec<Table> {
    let text = fixture("fixtures/folders/permission_tables.md");
    let mut tables: Vec<Table> = Vec::new();
    for line in text.lines().filter(|l| l.starts_with('|')) {
        let cells: Vec<&str> = line
            .split('|')
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .collect();
        if let Some(d) = cells.iter().position(|c| *c == "Description") {
            tables.push(Table {
                columns: cells[..d].iter().map(|c| (*c).to_owned()).collect(),
                rows: Vec::new(),
            });
            continue;
        }
        let Some(first) = cells.iter().position(|c| cell(c).is_some()) else {
            continue; // the |---| separator
        };
        let table = tables.last_mut().unwrap();
        let colours: Vec<Cell> = cells[first..].iter().map_while(|c| cell(c)).collect();
        assert_eq!(colours.len(), table.columns.len(), "row `{line}`");
        table.rows.push((cells[first - 1].to_owned(), colours));
    }
    tables
}

fn action_named(row: &str) -> FolderAction {
    FolderAction::ALL
        .into_iter()
        .find(|a| a.ui_name() == row)
        .unwrap_or_else(|| panic!("no action for table row `{row}`"))
}

/// The users of the table model: for each folder role a local user with a direct grant and an
/// Entra user with the role through a group; for each user role a local and an Entra user with
/// no folder grant; and an Entra user whose only group is disabled.
fn table_model() -> FolderModel {
    let mut m = FolderModel::default();
    m.folders.push(FolderDef::top("dept"));
    m.flows.push(FlowDef::new("flow", "dept"));
    for role in FolderRole::ALL {
        let name = slug(role.ui_name());
        m.users
            .push(UserDef::local(&format!("local_{name}"), UserRole::NonAdmin));
        m.grants
            .push(GrantDef::user("dept", &format!("local_{name}"), role));
        m.groups
            .push(GroupDef::new(&format!("group_{name}"), UserRole::NonAdmin));
        m.users.push(UserDef::entra(
            &format!("entra_{name}"),
            &[&format!("group_{name}")],
        ));
        m.grants
            .push(GrantDef::group("dept", &format!("group_{name}"), role));
    }
    for role in [UserRole::NonAdmin, UserRole::SystemAdmin] {
        let name = slug(role.ui_name());
        m.users.push(UserDef::local(&format!("local_{name}"), role));
        m.groups.push(GroupDef::new(&format!("group_{name}"), role));
        m.users.push(UserDef::entra(
            &format!("entra_{name}"),
            &[&format!("group_{name}")],
        ));
    }
    m.groups
        .push(GroupDef::new("paused", UserRole::SystemAdmin).disabled());
    m.users.push(UserDef::entra("entra_paused", &["paused"]));
    m
}

fn slug(name: &str) -> String {
    name.to_lowercase().replace([' ', '-'], "_")
}

fn policy_of(model: FolderModel) -> Policy {
    PolicyDocument::default()
        .with_folders(model)
        .build()
        .unwrap()
}

/// The request for `action` by `user` on the table model's flow or folder.
fn table_request(user: &str, action: FolderAction) -> Request {
    Request::Folder(match action.target() {
        Target::Flow => FolderRequest::on_flow(user, action, "flow"),
        Target::Folder => FolderRequest::on_folder(user, action, "dept"),
        Target::ParentFolder | Target::Area => FolderRequest::area(user, action),
        Target::FolderMember => {
            FolderRequest::remove_member(user, "dept", FolderMember::User(user.into()))
        }
    })
}

fn decide(policy: &Policy, user: &str, action: FolderAction) -> (Decision, String) {
    let response = authorize(policy, &table_request(user, action));
    (
        response.decision(),
        format!("{}: {}", response.code(), response.explain(policy)),
    )
}

/// FO-R8 … FO-R10, FO-R5, FO-R6, FO-R20: every cell of both tables of the source document,
/// read from the fixture, is what `authorize()` answers, for local users with direct grants and
/// for Entra users through groups alike.
#[test]
fn both_tables_cell_by_cell() -> TestResult {
    let tables = tables();
    assert_eq!(tables.len(), 2, "two tables in the fixture");
    let (folder_table, user_table) = (&tables[0], &tables[1]);
    assert_eq!(folder_table.columns, ["Reader", "Operator", "Folder admin"]);
    assert_eq!(user_table.columns, ["Non-admin", "System admin"]);
    assert_eq!(folder_table.rows.len(), 10);
    assert_eq!(user_table.rows.len(), 13);

    let policy = policy_of(table_model());
    let mut checked = 0;

    // Folder roles table.
    for (row, cells) in &folder_table.rows {
        let action = action_named(row);
        for (column, cell) in folder_table.columns.iter().zip(cells) {
            let role: FolderRole = serde_json::from_value(column.as_str().into())?;
            let expected = match cell {
                Cell::Allowed => Decision::Allow,
                Cell::Denied => Decision::Deny,
                Cell::Conditional => panic!("no conditional cell in the folder table"),
            };
            for kind in ["local", "entra"] {
                let user = format!("{kind}_{}", slug(role.ui_name()));
                let (got, why) = decide(&policy, &user, action);
                assert_eq!(got, expected, "{row} / {column} as {user}: {why}");
                checked += 1;
            }
        }
        // FO-R5: System admin acts as Folder admin on every flow; FO-R6: and alone may edit,
        // grant and delete folders. Either way a System admin is allowed every row.
        for user in ["local_system_admin", "entra_system_admin"] {
            let (got, why) = decide(&policy, user, action);
            assert_eq!(
                got,
                Decision::Allow,
                "{row} / System admin as {user}: {why}"
            );
            checked += 1;
        }
    }

    // User roles table.
    for (row, cells) in &user_table.rows {
        let action = action_named(row);
        for (column, cell) in user_table.columns.iter().zip(cells) {
            let role: UserRole = serde_json::from_value(column.as_str().into())?;
            let name = slug(role.ui_name());
            let (local, entra) = (format!("local_{name}"), format!("entra_{name}"));
            match cell {
                Cell::Allowed | Cell::Denied => {
                    let expected = if *cell == Cell::Allowed {
                        Decision::Allow
                    } else {
                        Decision::Deny
                    };
                    for user in [&local, &entra] {
                        let (got, why) = decide(&policy, user, action);
                        assert_eq!(got, expected, "{row} / {column} as {user}: {why}");
                        checked += 1;
                    }
                }
                Cell::Conditional => {
                    // FO-R3: allowed exactly when the user is an Entra user in a synced,
                    // enabled group (FO-R12); a local user does not sign in with Entra.
                    let (got, why) = decide(&policy, &entra, action);
                    assert_eq!(got, Decision::Allow, "{row} / {column} as {entra}: {why}");
                    let (got, why) = decide(&policy, &local, action);
                    assert_eq!(got, Decision::Deny, "{row} / {column} as {local}: {why}");
                    let (got, why) = decide(&policy, "entra_paused", action);
                    assert_eq!(
                        got,
                        Decision::Deny,
                        "{row} / {column} disabled group: {why}"
                    );
                    checked += 3;
                }
            }
        }
    }
    assert_eq!(checked, 10 * 3 * 2 + 10 * 2 + 12 * 2 * 2 + 2 * 3);
    Ok(())
}

/// FO-R26, FO-R23: a Folder admin does not see audits; FO-R21: statistics are open to Non-admin.
#[test]
fn audits_and_statistics() {
    let policy = policy_of(table_model());
    assert_eq!(
        decide(&policy, "local_folder_admin", FolderAction::ViewAudits).0,
        Decision::Deny
    );
    assert_eq!(
        decide(&policy, "local_reader", FolderAction::ViewStatistics).0,
        Decision::Allow
    );
    assert_eq!(
        decide(&policy, "entra_system_admin", FolderAction::ViewAudits).0,
        Decision::Allow
    );
}

// ---------------------------------------------------------------------------------------------
// Build errors.

fn base() -> FolderModel {
    let mut m = FolderModel::default();
    m.folders.push(FolderDef::top("sales"));
    m.folders.push(FolderDef::child("eu", "sales"));
    m.flows.push(FlowDef::new("orders", "eu"));
    m.users.push(UserDef::local("ann", UserRole::NonAdmin));
    m.users.push(UserDef::local("root", UserRole::SystemAdmin));
    m.groups.push(GroupDef::new("ops", UserRole::NonAdmin));
    m.groups
        .push(GroupDef::new("admins", UserRole::SystemAdmin));
    m.users.push(UserDef::entra("eve", &["ops"]));
    m.grants
        .push(GrantDef::user("sales", "ann", FolderRole::Reader));
    m.grants
        .push(GrantDef::group("eu", "ops", FolderRole::Operator));
    m
}

fn error_of(change: impl FnOnce(&mut FolderModel)) -> FolderModelError {
    let mut m = base();
    change(&mut m);
    match m.build() {
        Ok(_) => panic!("the model should not build"),
        Err(e) => e,
    }
}

/// The base model builds; each bad input fails with the precise error naming the id.
#[test]
fn bad_models_fail_with_precise_errors() {
    assert!(base().build().is_ok());
    let cases: Vec<(FolderModelError, &str)> = vec![
        (
            error_of(|m| m.folders.push(FolderDef::top("sales"))),
            "folder `sales` is defined twice",
        ),
        (
            error_of(|m| m.users.push(UserDef::local("", UserRole::NonAdmin))),
            "a user has an empty id",
        ),
        (
            error_of(|m| m.folders.push(FolderDef::child("us", "americas"))),
            "folder `us` names parent `americas`, which does not exist",
        ),
        (
            error_of(|m| m.folders.push(FolderDef::child("loop", "loop"))),
            "folder `loop` names itself as parent",
        ),
        (
            error_of(|m| {
                m.folders.push(FolderDef::child("a", "c"));
                m.folders.push(FolderDef::child("b", "a"));
                m.folders.push(FolderDef::child("c", "b"));
            }),
            "folder `a` is its own ancestor: parents form a cycle",
        ),
        (
            error_of(|m| m.flows.push(FlowDef::new("invoices", "finance"))),
            "flow `invoices` names folder `finance`, which does not exist",
        ),
        (
            error_of(|m| m.users.push(UserDef::entra("zed", &["nobody"]))),
            "user `zed` names group `nobody`, which does not exist",
        ),
        (
            error_of(|m| {
                let mut u = UserDef::entra("zed", &["ops"]);
                u.role = Some(UserRole::SystemAdmin);
                m.users.push(u);
            }),
            "entra user `zed` has a personal role; entra users take their role from their groups",
        ),
        (
            error_of(|m| {
                let mut u = UserDef::local("lou", UserRole::NonAdmin);
                u.groups.push("ops".into());
                m.users.push(u);
            }),
            "local user `lou` is a member of group `ops`; only entra users belong to groups",
        ),
        (
            error_of(|m| {
                let mut g = GrantDef::user("eu", "ann", FolderRole::Reader);
                g.group = Some("ops".into());
                m.grants.push(g);
            }),
            "a grant on folder `eu` must name exactly one of `user` and `group`",
        ),
        (
            error_of(|m| {
                let mut g = GrantDef::user("eu", "ann", FolderRole::Reader);
                g.user = None;
                m.grants.push(g);
            }),
            "a grant on folder `eu` must name exactly one of `user` and `group`",
        ),
        (
            error_of(|m| {
                m.grants
                    .push(GrantDef::user("apac", "ann", FolderRole::Reader))
            }),
            "the grant to user `ann` names folder `apac`, which does not exist",
        ),
        (
            error_of(|m| {
                m.grants
                    .push(GrantDef::user("eu", "bob", FolderRole::Reader))
            }),
            "a grant on folder `eu` names user `bob`, which does not exist",
        ),
        (
            error_of(|m| {
                m.grants
                    .push(GrantDef::group("eu", "sales-team", FolderRole::Reader))
            }),
            "a grant on folder `eu` names group `sales-team`, which does not exist",
        ),
        (
            error_of(|m| {
                m.grants
                    .push(GrantDef::user("eu", "eve", FolderRole::Reader))
            }),
            "entra user `eve` is assigned to folder `eu` directly; entra users get folder roles through groups only",
        ),
        (
            error_of(|m| {
                m.grants
                    .push(GrantDef::user("eu", "root", FolderRole::Reader))
            }),
            "user `root` is System admin and is assigned to folder `eu`; only non-admin users and groups can be assigned to folders",
        ),
        (
            error_of(|m| {
                m.grants
                    .push(GrantDef::group("eu", "admins", FolderRole::Reader))
            }),
            "group `admins` is System admin and is assigned to folder `eu`; only non-admin users and groups can be assigned to folders",
        ),
        (
            error_of(|m| {
                m.grants
                    .push(GrantDef::user("sales", "ann", FolderRole::FolderAdmin))
            }),
            "user `ann` is assigned to folder `sales` twice; a principal holds one role per folder",
        ),
        (
            error_of(|m| {
                m.grants
                    .push(GrantDef::group("eu", "ops", FolderRole::Reader))
            }),
            "group `ops` is assigned to folder `eu` twice; a principal holds one role per folder",
        ),
    ];
    for (error, message) in cases {
        assert_eq!(error.to_string(), message, "{error:?}");
    }
    // The structured variants carry the ids.
    assert_eq!(
        error_of(|m| m.folders.push(FolderDef::child("us", "americas"))),
        FolderModelError::UnknownParent {
            folder: "us".into(),
            parent: "americas".into()
        }
    );
}

/// A forest of top-level folders is a valid hierarchy; an empty model builds too.
#[test]
fn forest_and_empty_models_build() -> TestResult {
    let mut m = base();
    m.folders.push(FolderDef::top("hr"));
    m.folders.push(FolderDef::top("it"));
    let policy = m.build()?;
    assert_eq!(policy.folder_count(), 4);
    let (hr, sales) = (
        policy.folder_id("hr").ok_or("hr")?,
        policy.folder_id("sales").ok_or("sales")?,
    );
    assert_eq!(policy.folder_parent(hr), None);
    assert!(!policy.folder_within(hr, sales));
    assert!(policy.folder_within(policy.folder_id("eu").ok_or("eu")?, sales));
    let empty = FolderModel::default().build()?;
    assert_eq!(
        empty
            .check(&FolderRequest::area("ann", FolderAction::ViewSettings))
            .code(),
        "unknown_user"
    );
    Ok(())
}

/// A folder chain 100,000 deep (past the default depth limit, raised here) builds and decides
/// without recursion.
#[test]
fn deep_hierarchy() -> TestResult {
    let n = 100_000;
    let mut m = FolderModel::default();
    m.folders.push(FolderDef::top("f0"));
    for i in 1..n {
        m.folders
            .push(FolderDef::child(&format!("f{i}"), &format!("f{}", i - 1)));
    }
    m.flows.push(FlowDef::new("deep", &format!("f{}", n - 1)));
    m.users.push(UserDef::local("ann", UserRole::NonAdmin));
    m.grants
        .push(GrantDef::user("f0", "ann", FolderRole::Operator));
    let policy = m.build_with_limits(&accessgate::BuildLimits::default().with_depth(n))?;
    let reason = policy.check(&FolderRequest::on_flow(
        "ann",
        FolderAction::ResubmitResume,
        "deep",
    ));
    assert_eq!(reason.code(), "folder_role");
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Rules and options, both ways.

fn check(policy: &FolderPolicy, request: FolderRequest) -> FolderReason {
    policy.check(&request)
}

fn flow(policy: &FolderPolicy, user: &str, action: FolderAction, flow: &str) -> FolderReason {
    check(policy, FolderRequest::on_flow(user, action, flow))
}

fn folder(policy: &FolderPolicy, user: &str, action: FolderAction, folder: &str) -> FolderReason {
    check(policy, FolderRequest::on_folder(user, action, folder))
}

/// sales > eu > de with flows in each; hr beside sales.
fn hierarchy(options: FolderOptions) -> FolderModel {
    let mut m = FolderModel::default().with_options(options);
    m.folders.push(FolderDef::top("sales"));
    m.folders.push(FolderDef::child("eu", "sales"));
    m.folders.push(FolderDef::child("de", "eu"));
    m.folders.push(FolderDef::child("us", "sales"));
    m.folders.push(FolderDef::top("hr"));
    for (f, folder) in [
        ("sales-flow", "sales"),
        ("eu-flow", "eu"),
        ("de-flow", "de"),
        ("us-flow", "us"),
        ("hr-flow", "hr"),
    ] {
        m.flows.push(FlowDef::new(f, folder));
    }
    m.users.push(UserDef::local("ann", UserRole::NonAdmin));
    m
}

/// FO-R15: by default a role on a folder reaches every depth below it and never upwards; with
/// `Inheritance::FolderOnly` it stays on its folder.
#[test]
fn inheritance_both_ways() -> TestResult {
    let mut m = hierarchy(FolderOptions::default());
    m.grants
        .push(GrantDef::user("eu", "ann", FolderRole::Reader));
    let subtree = m.build()?;
    let view = FolderAction::ViewFlowStatuses;
    assert_eq!(flow(&subtree, "ann", view, "eu-flow").code(), "folder_role");
    let deep = flow(&subtree, "ann", view, "de-flow");
    assert_eq!(deep.code(), "folder_role");
    assert_eq!(
        deep.explain(&subtree).to_string(),
        "allowed: View flow statuses needs Reader; the user holds Reader on folder `eu` assigned directly, inherited by folder `de`"
    );
    assert_eq!(
        flow(&subtree, "ann", view, "sales-flow").code(),
        "no_folder_role"
    );
    assert_eq!(
        flow(&subtree, "ann", view, "us-flow").code(),
        "no_folder_role"
    );

    m.options.inheritance = Inheritance::FolderOnly;
    let only = m.build()?;
    assert_eq!(flow(&only, "ann", view, "eu-flow").code(), "folder_role");
    let deep = flow(&only, "ann", view, "de-flow");
    assert_eq!(deep.code(), "no_folder_role");
    assert_eq!(
        deep.explain(&only).to_string(),
        "denied: View flow statuses needs Reader on folder `de`, and no grant of the user applies there"
    );
    Ok(())
}

/// FO-R16: by default the highest grant wins, so a lower grant deeper down does not reduce an
/// inherited higher one; with `Combine::MostSpecific` the nearest folder's grant decides.
#[test]
fn combining_both_ways() -> TestResult {
    let mut m = hierarchy(FolderOptions::default());
    m.groups
        .push(GroupDef::new("admins-eu", UserRole::NonAdmin));
    m.groups
        .push(GroupDef::new("readers-de", UserRole::NonAdmin));
    m.users
        .push(UserDef::entra("eve", &["readers-de", "admins-eu"]));
    m.grants
        .push(GrantDef::group("eu", "admins-eu", FolderRole::FolderAdmin));
    m.grants
        .push(GrantDef::group("de", "readers-de", FolderRole::Reader));
    let delete = FolderAction::DeleteFlow;

    let highest = m.build()?;
    let r = flow(&highest, "eve", delete, "de-flow");
    assert_eq!(r.code(), "folder_role");
    let FolderReason::Granted { grant, .. } = r else {
        panic!("{r:?}")
    };
    assert_eq!(grant.role, FolderRole::FolderAdmin);
    assert_eq!(grant.folder, highest.folder_id("eu").ok_or("eu")?);
    assert_eq!(
        grant.via,
        Via::Group(highest.group_id("admins-eu").ok_or("group")?)
    );

    m.options.combine = Combine::MostSpecific;
    let specific = m.build()?;
    let r = flow(&specific, "eve", delete, "de-flow");
    assert_eq!(r.code(), "folder_role_too_low");
    assert_eq!(
        r.explain(&specific).to_string(),
        "denied: Delete flow needs Folder admin on folder `de`; the grant that applies is Reader on folder `de` through group `readers-de`"
    );
    // Above the deeper grant, the inherited one still decides.
    assert_eq!(
        flow(&specific, "eve", delete, "eu-flow").code(),
        "folder_role"
    );
    Ok(())
}

/// FO-R16: a direct grant and a group grant on the same folder: the higher wins, whichever way
/// it is held; on a tie the direct grant is named.
#[test]
fn direct_and_group_grants_combine() -> TestResult {
    // A local user cannot be in a group (FO-R14), so direct + group never meet in one user;
    // two groups of one Entra user do.
    let mut m = hierarchy(FolderOptions::default());
    m.groups.push(GroupDef::new("a", UserRole::NonAdmin));
    m.groups.push(GroupDef::new("b", UserRole::NonAdmin));
    m.users.push(UserDef::entra("eve", &["a", "b"]));
    m.grants
        .push(GrantDef::group("eu", "a", FolderRole::Reader));
    m.grants
        .push(GrantDef::group("eu", "b", FolderRole::Operator));
    let p = m.build()?;
    let r = flow(&p, "eve", FolderAction::ResubmitResume, "eu-flow");
    let FolderReason::Granted { grant, .. } = r else {
        panic!("{r:?}")
    };
    assert_eq!(grant.via, Via::Group(p.group_id("b").ok_or("b")?));
    Ok(())
}

/// FO-R12: a disabled group gives no folder role and no user role by default; with
/// `DisabledGroups::KeepUserRole` it keeps its user role but still no folder role.
#[test]
fn disabled_groups_both_ways() -> TestResult {
    let mut m = hierarchy(FolderOptions::default());
    m.groups
        .push(GroupDef::new("ops", UserRole::NonAdmin).disabled());
    m.groups
        .push(GroupDef::new("admins", UserRole::SystemAdmin).disabled());
    m.groups.push(GroupDef::new("readers", UserRole::NonAdmin));
    m.users.push(UserDef::entra("eve", &["ops", "readers"]));
    m.users.push(UserDef::entra("max", &["admins"]));
    m.grants
        .push(GrantDef::group("eu", "ops", FolderRole::Operator));
    m.grants
        .push(GrantDef::group("eu", "readers", FolderRole::Reader));
    let resubmit = FolderAction::ResubmitResume;

    let nothing = m.build()?;
    assert_eq!(
        flow(&nothing, "eve", resubmit, "eu-flow").code(),
        "folder_role_too_low"
    );
    assert_eq!(
        flow(&nothing, "eve", FolderAction::ViewFlowStatuses, "eu-flow").code(),
        "folder_role"
    );
    assert_eq!(
        flow(&nothing, "max", resubmit, "eu-flow").code(),
        "no_user_role"
    );
    assert_eq!(
        check(
            &nothing,
            FolderRequest::area("max", FolderAction::AddEntraUser)
        )
        .code(),
        "no_enabled_group"
    );

    m.options.disabled_groups = DisabledGroups::KeepUserRole;
    let keep = m.build()?;
    // Folder roles of the disabled group still do not count...
    assert_eq!(
        flow(&keep, "eve", resubmit, "eu-flow").code(),
        "folder_role_too_low"
    );
    // ...but its System admin user role does.
    assert_eq!(
        flow(&keep, "max", resubmit, "eu-flow").code(),
        "system_admin"
    );
    assert_eq!(
        check(&keep, FolderRequest::area("max", FolderAction::ViewAudits)).code(),
        "user_role"
    );

    // Re-enabling restores the stored grant.
    m.options.disabled_groups = DisabledGroups::GrantNothing;
    m.groups[0].enabled = true;
    let enabled = m.build()?;
    assert_eq!(
        flow(&enabled, "eve", resubmit, "eu-flow").code(),
        "folder_role"
    );
    Ok(())
}

/// FO-R6: creating a folder is System admin only by default; with
/// `CreateFolder::FolderAdminOnParent` a Folder admin on the parent may, but not at the top.
#[test]
fn create_folder_both_ways() -> TestResult {
    let mut m = hierarchy(FolderOptions::default());
    m.grants
        .push(GrantDef::user("eu", "ann", FolderRole::FolderAdmin));
    m.users.push(UserDef::local("root", UserRole::SystemAdmin));
    let create = FolderAction::CreateFolder;

    let default = m.build()?;
    assert_eq!(
        folder(&default, "ann", create, "eu").code(),
        "system_admin_only"
    );
    assert_eq!(
        folder(&default, "root", create, "eu").code(),
        "system_admin"
    );
    assert_eq!(
        check(&default, FolderRequest::area("root", create)).code(),
        "system_admin"
    );

    m.options.create_folder = CreateFolder::FolderAdminOnParent;
    let open = m.build()?;
    assert_eq!(folder(&open, "ann", create, "eu").code(), "folder_role");
    assert_eq!(folder(&open, "ann", create, "de").code(), "folder_role");
    assert_eq!(
        folder(&open, "ann", create, "sales").code(),
        "no_folder_role"
    );
    assert_eq!(
        check(&open, FolderRequest::area("ann", create)).code(),
        "system_admin_only"
    );
    Ok(())
}

/// FO-R18: the folder where a grant applies and everything below it are shown; its ancestors
/// for navigation only; siblings and unrelated folders are hidden. Under FolderOnly, the
/// sub-folders are hidden too.
#[test]
fn visibility() -> TestResult {
    let mut m = hierarchy(FolderOptions::default());
    m.grants
        .push(GrantDef::user("eu", "ann", FolderRole::Reader));
    let p = m.build()?;
    let view = FolderAction::ViewFolder;
    assert_eq!(folder(&p, "ann", view, "eu").code(), "folder_role");
    assert_eq!(folder(&p, "ann", view, "de").code(), "folder_role");
    let nav = folder(&p, "ann", view, "sales");
    assert_eq!(nav.code(), "navigation_only");
    assert_eq!(nav.decision(), Decision::Allow);
    assert_eq!(
        nav.explain(&p).to_string(),
        "allowed: folder `sales` is shown for navigation only, as an ancestor of a folder where the user holds Reader on folder `eu` assigned directly"
    );
    assert_eq!(folder(&p, "ann", view, "us").code(), "folder_hidden");
    assert_eq!(folder(&p, "ann", view, "hr").code(), "folder_hidden");
    // Navigation gives nothing else on the ancestor: its flows stay closed.
    assert_eq!(
        flow(&p, "ann", FolderAction::ViewFlowStatuses, "sales-flow").code(),
        "no_folder_role"
    );

    m.options.inheritance = Inheritance::FolderOnly;
    let only = m.build()?;
    assert_eq!(folder(&only, "ann", view, "de").code(), "folder_hidden");
    assert_eq!(
        folder(&only, "ann", view, "sales").code(),
        "navigation_only"
    );
    Ok(())
}

/// FO-R19: moving a flow needs Folder admin on both folders; a "move" to its own folder is a
/// plain edit; a System admin may always.
#[test]
fn moving_a_flow() -> TestResult {
    let mut m = hierarchy(FolderOptions::default());
    m.grants
        .push(GrantDef::user("eu", "ann", FolderRole::FolderAdmin));
    m.grants
        .push(GrantDef::user("us", "ann", FolderRole::Operator));
    m.users.push(UserDef::local("root", UserRole::SystemAdmin));
    let p = m.build()?;
    let r = check(&p, FolderRequest::move_flow("ann", "eu-flow", "de"));
    assert_eq!(r.code(), "folder_admin_on_both");
    let r = check(&p, FolderRequest::move_flow("ann", "eu-flow", "us"));
    assert_eq!(r.code(), "folder_role_too_low");
    assert_eq!(
        r.explain(&p).to_string(),
        "denied: Edit flow needs Folder admin on folder `us`; the grant that applies is Operator on folder `us` assigned directly"
    );
    let r = check(&p, FolderRequest::move_flow("ann", "eu-flow", "hr"));
    assert_eq!(r.code(), "no_folder_role");
    let r = check(&p, FolderRequest::move_flow("ann", "us-flow", "eu"));
    assert_eq!(
        r.code(),
        "folder_role_too_low",
        "source folder is checked too"
    );
    let r = check(&p, FolderRequest::move_flow("ann", "eu-flow", "eu"));
    assert_eq!(r.code(), "folder_role");
    let r = check(&p, FolderRequest::move_flow("root", "us-flow", "hr"));
    assert_eq!(r.code(), "system_admin");
    Ok(())
}

/// FO-R11: with the switch off nobody may resubmit, System admins included; other actions on
/// the flow are unaffected.
#[test]
fn resubmit_switch() -> TestResult {
    let mut m = hierarchy(FolderOptions::default());
    m.flows.push(FlowDef::new("quiet", "eu").without_resubmit());
    m.grants
        .push(GrantDef::user("eu", "ann", FolderRole::FolderAdmin));
    m.users.push(UserDef::local("root", UserRole::SystemAdmin));
    let p = m.build()?;
    for user in ["ann", "root"] {
        let r = flow(&p, user, FolderAction::ResubmitResume, "quiet");
        assert_eq!(r.code(), "resubmit_resume_hidden");
        assert_eq!(
            r.explain(&p).to_string(),
            "denied: flow `quiet` has Show Resubmit / Resume switched off, so nobody may resubmit, resume or ignore it"
        );
        assert_eq!(
            flow(&p, user, FolderAction::EditFlow, "quiet").decision(),
            Decision::Allow
        );
    }
    Ok(())
}

/// FO-R2, FO-R4: an Entra user's user role is the highest of their enabled groups' roles; with
/// no role, nothing but sign-in is allowed, even with folder grants through a role-less group.
#[test]
fn entra_user_role_from_groups() -> TestResult {
    let mut m = hierarchy(FolderOptions::default());
    m.groups.push(GroupDef::new("staff", UserRole::NonAdmin));
    m.groups
        .push(GroupDef::new("admins", UserRole::SystemAdmin));
    m.groups.push(GroupDef::without_role("bare"));
    m.users.push(UserDef::entra("eve", &["staff", "admins"]));
    m.users.push(UserDef::entra("nil", &["bare"]));
    m.grants
        .push(GrantDef::group("eu", "bare", FolderRole::FolderAdmin));
    let p = m.build()?;
    let r = check(&p, FolderRequest::area("eve", FolderAction::ViewUsers));
    assert_eq!(r.code(), "user_role");
    assert_eq!(
        r.explain(&p).to_string(),
        "allowed: View users is open to System admin; the user is System admin through group `admins`"
    );
    assert_eq!(
        p.user_role(p.user_id("eve").ok_or("eve")?),
        Some(UserRole::SystemAdmin)
    );
    assert_eq!(p.user_role(p.user_id("nil").ok_or("nil")?), None);
    assert_eq!(
        flow(&p, "nil", FolderAction::ViewFlowStatuses, "eu-flow").code(),
        "no_user_role"
    );
    assert_eq!(
        check(&p, FolderRequest::area("nil", FolderAction::AddEntraUser)).code(),
        "entra_sign_in"
    );
    Ok(())
}

/// Requests with unknown ids or the wrong fields deny with a reason naming the problem.
#[test]
fn unknown_ids_and_malformed_requests() -> TestResult {
    let mut m = hierarchy(FolderOptions::default());
    m.grants
        .push(GrantDef::user("eu", "ann", FolderRole::Reader));
    let p = m.build()?;
    let cases = [
        (
            FolderRequest::on_flow("nobody", FolderAction::ViewFlowStatuses, "eu-flow"),
            "unknown_user",
        ),
        (
            FolderRequest::on_flow("ann", FolderAction::ViewFlowStatuses, "ghost"),
            "unknown_flow",
        ),
        (
            FolderRequest::on_folder("ann", FolderAction::ViewFolder, "ghost"),
            "unknown_folder",
        ),
        (
            FolderRequest::move_flow("ann", "eu-flow", "ghost"),
            "unknown_folder",
        ),
        (
            FolderRequest::area("ann", FolderAction::ViewFlowStatuses),
            "malformed_request",
        ),
        (
            FolderRequest::on_folder("ann", FolderAction::ViewFlowStatuses, "eu"),
            "malformed_request",
        ),
        (
            FolderRequest::on_flow("ann", FolderAction::ViewSettings, "eu-flow"),
            "malformed_request",
        ),
        (
            FolderRequest::area("ann", FolderAction::AddFlow),
            "malformed_request",
        ),
    ];
    for (request, code) in cases {
        let r = p.check(&request);
        assert_eq!(r.code(), code, "{request:?}");
        assert_eq!(r.decision(), Decision::Deny);
        assert!(r.explain(&p).to_string().starts_with("denied: "));
    }
    let mut bad = FolderRequest::on_flow("ann", FolderAction::DeleteFlow, "eu-flow");
    bad.to_folder = Some("eu".into());
    assert_eq!(
        p.check(&bad).explain(&p).to_string(),
        "denied: Delete flow does not take the request field `to_folder`"
    );
    Ok(())
}

/// The request is an object inside the crate's `Request` with `"kind": "folder"`, round-trips,
/// accepts `resubmit` for the Resubmit/Resume row and rejects unknown fields.
#[test]
fn request_json() -> TestResult {
    let json = r#"{"kind": "folder", "user": "ann", "action": "resubmit", "flow": "orders"}"#;
    let request: Request = serde_json::from_str(json)?;
    assert_eq!(
        request,
        Request::Folder(FolderRequest::on_flow(
            "ann",
            FolderAction::ResubmitResume,
            "orders"
        ))
    );
    let back = serde_json::to_value(&request)?;
    assert_eq!(
        back,
        serde_json::json!({"kind": "folder", "user": "ann", "action": "resubmit_resume", "flow": "orders"})
    );
    assert!(serde_json::from_str::<Request>(
        r#"{"kind": "folder", "user": "ann", "action": "view_settings", "colour": "red"}"#
    )
    .is_err());
    Ok(())
}

/// A compiled policy can be shared across threads.
#[test]
fn policy_is_send_and_sync() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<FolderPolicy>();
    assert_send_sync::<Policy>();
}

/// The folder scenario files hold at least 30 cases, each citing an FO rule and pinning a
/// reason code, and all pass (the crate-wide `tests/scenarios.rs` runs them too).
#[test]
fn folder_scenarios_pass() -> TestResult {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/scenarios");
    let mut total = 0;
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if !(name.starts_with("folders_") && name.ends_with(".json")) {
            continue;
        }
        let scenario: Scenario = serde_json::from_str(&std::fs::read_to_string(&path)?)?;
        let report = scenario.run()?;
        for (case, outcome) in scenario.cases.iter().zip(&report.outcomes) {
            assert!(
                case.rules.iter().any(|r| r.starts_with("FO-R")),
                "{name}: `{}` cites no FO rule",
                case.name
            );
            assert!(
                case.reason.is_some(),
                "{name}: `{}` pins no reason",
                case.name
            );
            assert!(
                outcome.passed(),
                "{name}: `{}` expected {}, got {} ({}): {}",
                case.name,
                outcome.expectation(),
                outcome.response.decision(),
                outcome.response.code(),
                outcome.explanation
            );
            total += 1;
        }
    }
    assert!(total >= 30, "only {total} folder scenario cases");
    Ok(())
}
