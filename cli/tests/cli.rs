//! The `accessgate` command end to end: every subcommand on the bundled fixtures, its output,
//! its exit status (0 allow/pass, 1 deny/fail, 2 bad input) and its error messages.

use std::error::Error;
use std::path::{Path, PathBuf};

use accessgate::dataverse::EffectiveAccess;
use accessgate::scenario::Scenario;
use accessgate::{AccessLevel, Policy, PolicyDocument, Privilege};
use assert_cmd::Command;
use predicates::prelude::*;
use serde_json::Value;

type TestResult = Result<(), Box<dyn Error>>;

/// The repository's `fixtures/` folder.
fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures")
}

/// A bundled fixture, as a path string.
fn fixture(relative: &str) -> String {
    fixtures().join(relative).display().to_string()
}

/// One of this crate's own test models under `cli/tests/fixtures/`.
fn own(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
        .display()
        .to_string()
}

/// Every bundled scenario file, sorted.
fn scenarios() -> Result<Vec<String>, Box<dyn Error>> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(fixtures().join("scenarios"))? {
        let path = entry?.path();
        if path.extension().is_some_and(|e| e == "json") {
            files.push(path.display().to_string());
        }
    }
    files.sort();
    Ok(files)
}

/// A file under the test's scratch folder with `text` in it.
fn scratch(name: &str, text: &str) -> Result<String, Box<dyn Error>> {
    let path = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    std::fs::write(&path, text)?;
    Ok(path.display().to_string())
}

fn accessgate() -> Result<Command, Box<dyn Error>> {
    Ok(Command::cargo_bin("accessgate")?)
}

/// The model of a fixture, built through the library.
fn policy_of(path: &str) -> Result<Policy, Box<dyn Error>> {
    let text = std::fs::read_to_string(path)?;
    let value: Value = serde_json::from_str(&text)?;
    let document: PolicyDocument = if value.get("cases").is_some() {
        serde_json::from_str::<Scenario>(&text)?.model
    } else {
        serde_json::from_str(&text)?
    };
    Ok(document.build()?)
}

fn stdout_json(output: &std::process::Output) -> Result<Value, Box<dyn Error>> {
    Ok(serde_json::from_slice(&output.stdout)?)
}

// ---------------------------------------------------------------------------------------------
// help

/// `--help` documents the exit codes, for the command and each subcommand.
#[test]
fn help_documents_exit_codes() -> TestResult {
    for args in [
        vec!["--help"],
        vec!["check", "--help"],
        vec!["explain", "--help"],
        vec!["test", "--help"],
    ] {
        accessgate()?.args(&args).assert().success().stdout(
            predicate::str::contains("Exit status:")
                .and(predicate::str::contains("0  allow, pass"))
                .and(predicate::str::contains("1  deny, fail"))
                .and(predicate::str::contains("2  bad input")),
        );
    }
    Ok(())
}

/// Bad arguments exit with status 2.
#[test]
fn bad_arguments_exit_2() -> TestResult {
    accessgate()?.arg("frobnicate").assert().code(2);
    accessgate()?.arg("matrix").arg("m.json").assert().code(2);
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// check

/// Every bundled scenario and diff model builds, for all three systems.
#[test]
fn check_accepts_bundled_models() -> TestResult {
    let mut files = scenarios()?;
    files.push(fixture("diff/before.json"));
    files.push(fixture("diff/after.json"));
    for file in files {
        accessgate()?
            .args(["check", &file])
            .assert()
            .success()
            .stdout(predicate::str::contains(": ok\n"));
    }
    accessgate()?
        .args(["check", &own("clean.json")])
        .assert()
        .success()
        .stdout(
            predicate::str::contains("  dataverse: ")
                .and(predicate::str::contains("  flows: "))
                .and(predicate::str::contains("  folders: ")),
        );
    Ok(())
}

/// An assignment of an unknown role names it and suggests the close existing role.
#[test]
fn check_unknown_role_suggests_the_close_one() -> TestResult {
    accessgate()?
        .args(["check", &own("unknown_role.json")])
        .assert()
        .code(2)
        .stdout("")
        .stderr(
            predicate::str::contains(
                "model does not build: dataverse model: a role assignment names role \
                 `salesperzon`, which does not exist",
            )
            .and(predicate::str::contains(
                "hint: did you mean `salesperson`?",
            )),
        );
    Ok(())
}

/// An unknown role in a flow's permissions gets the same kind of hint.
#[test]
fn check_unknown_flow_role_suggests_the_close_one() -> TestResult {
    accessgate()?
        .args(["check", &own("unknown_flow_role.json")])
        .assert()
        .code(2)
        .stderr(
            predicate::str::contains(
                "flow model: flow `invoice` names role `Sals`, which does not exist",
            )
            .and(predicate::str::contains("hint: did you mean `Sales`?")),
        );
    Ok(())
}

/// A misspelt field is reported at its line and column, with the line, a caret and a hint.
#[test]
fn check_misspelt_field_has_line_column_and_hint() -> TestResult {
    let path = own("misspelt_field.json");
    accessgate()?
        .args(["check", &path])
        .assert()
        .code(2)
        .stderr(
            predicate::str::contains(format!(
                "{path}:6:36: unknown field `busines_unit`, expected one of"
            ))
            .and(predicate::str::contains(
                "  |       {\"id\": \"alice\", \"busines_unit\": \"contoso\"}\n  |",
            ))
            .and(predicate::str::contains(
                "hint: did you mean `business_unit`?",
            )),
        );
    Ok(())
}

/// A cycle of business units names the whole cycle, at the first unit's parent.
#[test]
fn check_business_unit_cycle() -> TestResult {
    let path = own("unit_cycle.json");
    accessgate()?
        .args(["check", &path])
        .assert()
        .code(2)
        .stderr(
            predicate::str::contains(format!(
                "{path}:5:23: model does not build: dataverse model: business unit `sales` is its \
             own ancestor: parents form the cycle `sales` → `emea` → `sales`\n  \
             at dataverse.business_units[1].parent\n"
            ))
            .and(predicate::str::contains(format!(
                "  see also {path}:6:22 (dataverse.business_units[2].parent)"
            ))),
        );
    Ok(())
}

/// Every mistake at once, each at its line and column with its path, in the file's order.
#[test]
fn check_reports_every_mistake_with_its_place() -> TestResult {
    let text = "{\"dataverse\": {\n\
        \"business_units\": [{\"id\": \"contoso\"}],\n\
        \"roles\": [{\"id\": \"salesperson\"}],\n\
        \"users\": [{\"id\": \"bob\", \"business_unit\": \"contoso\"},\n\
                  {\"id\": \"bob\", \"business_unit\": \"contso\"}],\n\
        \"role_assignments\": [{\"principal\": {\"user\": \"bob\"}, \"role\": \"salesman\"}]\n\
        }}\n";
    let path = scratch("every_mistake.json", text)?;
    // The places, computed from the text rather than copied from the output.
    let place = |line: usize, needle: &str| -> Result<String, String> {
        let column = text
            .lines()
            .nth(line - 1)
            .and_then(|l| l.find(needle))
            .ok_or(format!("{needle} not on line {line}"))?;
        Ok(format!("{path}:{line}:{}:", column + 1))
    };
    let out = accessgate()?.args(["check", &path]).output()?;
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8(out.stderr)?;
    let errors: Vec<&str> = stderr.split("error: ").skip(1).collect();
    assert_eq!(errors.len(), 3, "{stderr}");
    assert!(errors[0].starts_with(&format!(
        "{} model does not build: dataverse model: user `bob` is defined twice\n  at dataverse.users[1].id",
        place(5, "\"id\"")?
    )), "{stderr}");
    assert!(errors[1].starts_with(&format!(
        "{} model does not build: dataverse model: user `bob` names business unit `contso`, which does not exist\n  at dataverse.users[1].business_unit",
        place(5, "\"business_unit\"")?
    )), "{stderr}");
    assert!(
        errors[1].contains("hint: did you mean `contoso`?"),
        "{stderr}"
    );
    assert!(errors[2].starts_with(&format!(
        "{} model does not build: dataverse model: a role assignment names role `salesman`, which does not exist\n  at dataverse.role_assignments[0].role",
        place(6, "\"role\"")?
    )), "{stderr}");
    assert!(
        errors[2].contains("hint: did you mean `salesperson`?"),
        "{stderr}"
    );
    assert!(stderr.ends_with("3 errors\n"), "{stderr}");
    Ok(())
}

/// A duplicate id names the id, and no hint points at the id itself.
#[test]
fn check_duplicate_id() -> TestResult {
    accessgate()?
        .args(["check", &own("duplicate_id.json")])
        .assert()
        .code(2)
        .stderr(
            predicate::str::contains("dataverse model: user `alice` is defined twice")
                .and(predicate::str::contains("hint").not()),
        );
    Ok(())
}

/// Text that is not JSON is reported at its position; a missing file is bad input.
#[test]
fn check_syntax_error_and_missing_file() -> TestResult {
    let path = scratch(
        "syntax.json",
        "{\n  \"dataverse\": {\n    \"tables\": [,]\n  }\n}\n",
    )?;
    accessgate()?
        .args(["check", &path])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(format!(
            "{path}:3:16: expected value"
        )));
    accessgate()?
        .args(["check", "no/such/model.json"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no/such/model.json: cannot read:"));
    Ok(())
}

/// `check --json` prints `ok` and the error as an object with its position and hint.
#[test]
fn check_json() -> TestResult {
    let ok = accessgate()?
        .args(["check", "--json", &own("clean.json")])
        .output()?;
    assert_eq!(ok.status.code(), Some(0));
    let ok = stdout_json(&ok)?;
    assert_eq!(ok["ok"], true);
    assert!(ok["systems"]["folders"].is_string());

    let bad = accessgate()?
        .args(["check", "--json", &own("misspelt_field.json")])
        .output()?;
    assert_eq!(bad.status.code(), Some(2));
    let bad = stdout_json(&bad)?;
    assert_eq!(bad["ok"], false);
    assert_eq!(bad["error"]["line"], 6);
    assert_eq!(bad["error"]["column"], 36);
    assert_eq!(bad["error"]["hint"], "did you mean `business_unit`?");
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// explain

/// An inline request that is allowed exits 0 and prints the decision and the reason.
#[test]
fn explain_allow_inline() -> TestResult {
    let request = r#"{"kind": "record", "user": "bob", "privilege": "Read", "record": "fabrikam"}"#;
    accessgate()?
        .args(["explain", &own("clean.json"), "--request", request])
        .assert()
        .code(0)
        .stdout(
            predicate::str::starts_with("allow (dataverse, ")
                .and(predicate::str::contains("\n  allowed: ")),
        );
    Ok(())
}

/// A denied request exits 1 and prints the library's explanation word for word.
#[test]
fn explain_deny_has_the_full_reason() -> TestResult {
    let request =
        r#"{"kind": "record", "user": "alice", "privilege": "Read", "record": "fabrikam"}"#;
    accessgate()?
        .args(["explain", &own("clean.json"), "--request", request])
        .assert()
        .code(1)
        .stdout(
            "deny (dataverse, outside_levels)\n  denied: Read on table `account` is held up to \
             Business Unit level, but record `fabrikam` (owned by user `bob` in business unit \
             `contoso`) is outside every granted level and not shared with a context that \
             holds it\n",
        );
    Ok(())
}

/// `--json` gives decision, code, explanation and system; a request file works like inline
/// JSON; an array of requests gives an array of answers and exits 1 when any is denied.
#[test]
fn explain_json_file_and_array() -> TestResult {
    let model = own("clean.json");
    let file = scratch(
        "flow_request.json",
        r#"{"kind": "flow", "flow": "invoice", "user": "alice"}"#,
    )?;
    let out = accessgate()?
        .args(["explain", &model, &file, "--json"])
        .output()?;
    assert_eq!(out.status.code(), Some(0));
    let answer = stdout_json(&out)?;
    assert_eq!(answer["decision"], "allow");
    assert_eq!(answer["system"], "flows");
    assert_eq!(answer["code"], "custom_role_grant");
    assert!(answer["explanation"]
        .as_str()
        .is_some_and(|e| e.starts_with("allowed")));

    let many = scratch(
        "requests.json",
        r#"[{"kind": "flow", "flow": "invoice"},
            {"kind": "folder", "user": "ann", "action": "add_flow", "folder": "sales"}]"#,
    )?;
    let out = accessgate()?
        .args(["explain", &model, &many, "--json"])
        .output()?;
    assert_eq!(out.status.code(), Some(1));
    let answers = stdout_json(&out)?;
    let systems: Vec<&Value> = answers
        .as_array()
        .into_iter()
        .flatten()
        .map(|a| &a["system"])
        .collect();
    assert_eq!(systems, ["flows", "folders"]);
    assert_eq!(answers[0]["decision"], "deny");
    assert_eq!(answers[1]["decision"], "allow");
    Ok(())
}

/// The cases of every bundled scenario (three systems) get through `explain` the decision,
/// code and exit status the scenario expects.
#[test]
fn explain_agrees_with_bundled_scenarios() -> TestResult {
    for file in scenarios()? {
        let scenario: Scenario = serde_json::from_str(&std::fs::read_to_string(&file)?)?;
        let system = Path::new(&file)
            .file_name()
            .and_then(|n| n.to_str())
            .and_then(|n| n.split('_').next())
            .unwrap_or("");
        for case in scenario.cases.iter().take(4) {
            let request = serde_json::to_string(&case.request)?;
            let out = accessgate()?
                .args(["explain", &file, "--json", "--request", &request])
                .output()?;
            let answer = stdout_json(&out)?;
            let expect = case
                .expect
                .map(|d| d.to_string())
                .ok_or_else(|| format!("{file}: `{}` states no decision", case.name))?;
            assert_eq!(answer["decision"], expect, "{file}: {}", case.name);
            assert_eq!(
                out.status.code(),
                Some(if expect == "allow" { 0 } else { 1 })
            );
            assert_eq!(answer["system"], system, "{file}: {}", case.name);
            if let Some(code) = &case.reason {
                let code_given = answer["code"].as_str().unwrap_or_default();
                assert!(code.accepts(code_given), "{file}: {}", case.name);
            }
        }
    }
    Ok(())
}

/// A request that is not a request is bad input, with position and hint.
#[test]
fn explain_bad_request() -> TestResult {
    let request = r#"{"kind": "recrd", "user": "bob"}"#;
    accessgate()?
        .args(["explain", &own("clean.json"), "--request", request])
        .assert()
        .code(2)
        .stderr(
            predicate::str::contains("--request:1:")
                .and(predicate::str::contains("unknown variant `recrd`"))
                .and(predicate::str::contains("hint: did you mean `record`?")),
        );
    accessgate()?
        .args(["explain", &own("clean.json")])
        .assert()
        .code(2);
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// matrix

/// The text matrix is the library's table.
#[test]
fn matrix_text() -> TestResult {
    let model = fixture("diff/before.json");
    let policy = policy_of(&model)?;
    let dataverse = policy.dataverse().ok_or("no dataverse")?;
    let access = dataverse.effective_access(dataverse.user_id("maker").ok_or("no maker")?);
    accessgate()?
        .args(["matrix", &model, "--user", "maker"])
        .assert()
        .success()
        .stdout(access.to_table().to_string());
    Ok(())
}

/// `--json` is the library's `EffectiveAccess` as JSON.
#[test]
fn matrix_json() -> TestResult {
    let model = fixture("scenarios/dataverse_matrix.json");
    let policy = policy_of(&model)?;
    let dataverse = policy.dataverse().ok_or("no dataverse")?;
    let doc: Value = serde_json::from_str(&std::fs::read_to_string(&model)?)?;
    let user = doc["model"]["dataverse"]["users"][0]["id"]
        .as_str()
        .ok_or("no user")?;
    let access = dataverse.effective_access(dataverse.user_id(user).ok_or("no user")?);
    let out = accessgate()?
        .args(["matrix", &model, "--user", user, "--json"])
        .output()?;
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(stdout_json(&out)?, serde_json::to_value(&access)?);
    Ok(())
}

/// An HTML cell: its attributes, unescaped.
#[derive(Debug)]
struct HtmlCell {
    table: String,
    privilege: String,
    level: String,
    title: String,
}

fn unescape(text: &str) -> String {
    text.replace("&#10;", "\n")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

fn attribute(tag: &str, name: &str) -> Option<String> {
    let start = tag.find(&format!(" {name}=\""))? + name.len() + 3;
    let end = start + tag[start..].find('"')?;
    Some(unescape(&tag[start..end]))
}

/// Every `<td class="cell …">` of the page, in document order.
fn html_cells(page: &str) -> Result<Vec<HtmlCell>, Box<dyn Error>> {
    let mut cells = Vec::new();
    for piece in page.split("<td class=\"cell").skip(1) {
        let tag = piece.split('>').next().ok_or("unclosed tag")?;
        let get = |name: &str| attribute(tag, name).ok_or(format!("no {name} in {tag}"));
        cells.push(HtmlCell {
            table: get("data-table")?,
            privilege: get("data-privilege")?,
            level: get("data-level")?,
            title: get("title")?,
        });
    }
    Ok(cells)
}

fn json_level(level: AccessLevel) -> Result<String, Box<dyn Error>> {
    Ok(serde_json::to_value(level)?
        .as_str()
        .ok_or("level is not a string")?
        .to_owned())
}

/// Checks a page against the library's effective access, cell by cell.
fn check_page(page: &str, access: &EffectiveAccess) -> TestResult {
    assert!(page.starts_with("<!DOCTYPE html>"));
    assert!(page.contains(&format!(
        "<h1>Effective access of user <code>{}",
        access.user
    )));
    let cells = html_cells(page)?;
    assert_eq!(cells.len(), access.tables.len() * Privilege::EACH.len());
    let mut cells = cells.iter();
    for table in &access.tables {
        for cell in &table.privileges {
            let html = cells.next().ok_or("too few cells")?;
            let name = cell.privilege.name().ok_or("no name")?;
            assert_eq!(html.table, table.table);
            assert_eq!(html.privilege, name);
            let lines: Vec<&str> = html.title.lines().collect();
            if !cell.applicable {
                assert_eq!(html.level, "n/a", "{} / {name}", table.table);
                continue;
            }
            assert_eq!(
                html.level,
                json_level(cell.level)?,
                "{} / {name}",
                table.table
            );
            let admin = usize::from(access.system_administrator.is_some());
            for grant in &cell.grants {
                assert!(
                    lines.contains(&grant.to_string().as_str()),
                    "{} / {name}: {grant} not in {lines:?}",
                    table.table
                );
            }
            if cell.grants.is_empty() && admin == 0 {
                assert_eq!(lines.len(), 1);
                assert!(lines[0].starts_with("no role grants"));
            } else {
                assert_eq!(lines.len(), cell.grants.len() + admin);
            }
        }
    }
    Ok(())
}

/// The HTML matrix shows, for every user of two bundled models, each cell's level and its
/// granting path exactly as `effective_access` computes them.
#[test]
fn matrix_html_matches_effective_access_cell_by_cell() -> TestResult {
    let mut checked = 0;
    for model in [
        fixture("diff/before.json"),
        fixture("scenarios/dataverse_matrix.json"),
        fixture("scenarios/dataverse_teams_shares.json"),
    ] {
        let policy = policy_of(&model)?;
        let dataverse = policy.dataverse().ok_or("no dataverse")?;
        let doc: Value = serde_json::from_str(&std::fs::read_to_string(&model)?)?;
        let doc = doc.get("model").unwrap_or(&doc);
        let users = doc["dataverse"]["users"].as_array().ok_or("no users")?;
        for user in users {
            let user = user["id"].as_str().ok_or("no id")?;
            let access = dataverse.effective_access(dataverse.user_id(user).ok_or("no user")?);
            let out = accessgate()?
                .args(["matrix", &model, "--user", user, "--html"])
                .output()?;
            assert_eq!(out.status.code(), Some(0));
            check_page(&String::from_utf8(out.stdout)?, &access)?;
            checked += 1;
        }
    }
    assert!(checked > 10, "only {checked} users checked");
    Ok(())
}

/// An unknown user is bad input with a hint; a model without Dataverse is bad input.
#[test]
fn matrix_unknown_user_and_no_dataverse() -> TestResult {
    accessgate()?
        .args(["matrix", &fixture("diff/before.json"), "--user", "makr"])
        .assert()
        .code(2)
        .stderr(
            predicate::str::contains("user `makr` does not exist in the dataverse model")
                .and(predicate::str::contains("hint: did you mean `maker`?")),
        );
    accessgate()?
        .args([
            "matrix",
            &fixture("scenarios/flows_resolution.json"),
            "--user",
            "alice",
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "the model has no `dataverse` system",
        ));
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// who-can

/// `who-can` lists the users of `record_access`, with reasons; `--json` is that value.
#[test]
fn who_can_lists_record_access() -> TestResult {
    let model = fixture("diff/before.json");
    let policy = policy_of(&model)?;
    let dataverse = policy.dataverse().ok_or("no dataverse")?;
    let access = dataverse.record_access(dataverse.record_id("test-1").ok_or("no record")?);
    assert!(!access.users.is_empty());

    let out = accessgate()?
        .args(["who-can", &model, "--record", "test-1"])
        .output()?;
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8(out.stdout)?;
    assert!(text.starts_with("Record `test-1` of table `Agent Test`"));
    for user in &access.users {
        assert!(text.contains(&format!("\n  {}: {}\n", user.user, user.privileges)));
        for reason in &user.reasons {
            assert!(text.contains(&reason.explanation));
        }
    }

    let out = accessgate()?
        .args(["who-can", &model, "--record", "test-1", "--json"])
        .output()?;
    assert_eq!(stdout_json(&out)?, serde_json::to_value(&access)?);

    accessgate()?
        .args(["who-can", &model, "--record", "test-2"])
        .assert()
        .code(2)
        .stderr(
            predicate::str::contains("record `test-2` does not exist")
                .and(predicate::str::contains("did you mean `test-1`?")),
        );
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// diff

/// `diff` prints the library's access diff; `--exit-code` exits 1 on a change and 0 without.
#[test]
fn diff_before_after() -> TestResult {
    let (before, after) = (fixture("diff/before.json"), fixture("diff/after.json"));
    let (old, new) = (policy_of(&before)?, policy_of(&after)?);
    let diff = accessgate::dataverse::access_diff(
        old.dataverse().ok_or("no dataverse")?,
        new.dataverse().ok_or("no dataverse")?,
    );
    accessgate()?
        .args(["diff", &before, &after])
        .assert()
        .code(0)
        .stdout(diff.to_string());
    accessgate()?
        .args(["diff", &before, &after, "--exit-code"])
        .assert()
        .code(1);
    let out = accessgate()?
        .args(["diff", &before, &after, "--json"])
        .output()?;
    assert_eq!(stdout_json(&out)?, serde_json::to_value(&diff)?);
    accessgate()?
        .args(["diff", &before, &before, "--exit-code"])
        .assert()
        .code(0)
        .stdout("no change in access\n");
    accessgate()?
        .args(["diff", &before, &own("unit_cycle.json")])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("is its own ancestor"));
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// lint

/// A clean model of three systems has no finding and exits 0.
#[test]
fn lint_clean_model() -> TestResult {
    accessgate()?
        .args(["lint", &own("clean.json")])
        .assert()
        .code(0)
        .stdout(predicate::str::ends_with("0 error(s), 0 warning(s)\n"));
    Ok(())
}

/// The role lint of a model that does not build is an error finding (AG000): exit 1.
#[test]
fn lint_dataverse_roles() -> TestResult {
    let model = fixture("dataverse/csk_roles.json");
    let out = accessgate()?.args(["lint", &model, "--json"]).output()?;
    assert_eq!(out.status.code(), Some(1));
    let findings = stdout_json(&out)?;
    let codes: Vec<&str> = findings
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|f| f["code"].as_str())
        .collect();
    assert!(codes.contains(&"AG000"), "{codes:?}");
    assert!(findings[0]["system"] == "dataverse");
    Ok(())
}

/// A flow that is not LIVE is a flow nobody can start (AG101); a LIVE flow every API caller is
/// denied can start only by schedule or trigger (AG102). Warnings: exit 0.
#[test]
fn lint_flow_nobody_can_start() -> TestResult {
    accessgate()?
        .args(["lint", &fixture("scenarios/flows_resolution.json")])
        .assert()
        .code(0)
        .stdout(
            predicate::str::contains(
                "warning[AG101]: flow `stopped` cannot be started by any caller of the model",
            )
            .and(predicate::str::contains("is not LIVE")),
        );
    let denied = scratch(
        "denied_flow.json",
        r#"{"flows": {"users": [{"id": "alice"}], "flows": [
              {"id": "open"},
              {"id": "closed", "roles": {"NotAuthenticatedUser": "deny", "AuthenticatedUser": "deny",
                                         "ServerCodeUser": "deny"}}]}}"#,
    )?;
    let out = accessgate()?.args(["lint", &denied, "--json"]).output()?;
    let findings = stdout_json(&out)?;
    let flows: Vec<(&Value, &Value)> = findings
        .as_array()
        .into_iter()
        .flatten()
        .map(|f| (&f["code"], &f["flow"]))
        .collect();
    assert_eq!(flows, [(&"AG102".into(), &"closed".into())]);
    assert!(findings[0]["message"]
        .as_str()
        .is_some_and(|m| m.ends_with("only a schedule or a trigger can start it")));
    Ok(())
}

/// Folders without any Folder admin are reported (AG201), and the message says whether a
/// System admin exists at all.
#[test]
fn lint_folder_nobody_administers() -> TestResult {
    accessgate()?
        .args(["lint", &fixture("scenarios/folders_roles.json")])
        .assert()
        .code(0)
        .stdout(predicate::str::contains(
            "warning[AG201]: folder `hr` has no Folder admin: only System admins can add, edit \
             or delete its flows (FO-R10)",
        ));
    let orphan = scratch(
        "orphan_folder.json",
        r#"{"folders": {"folders": [{"id": "sales"}, {"id": "eu", "parent": "sales"}, {"id": "hr"}],
            "users": [{"id": "ann"}],
            "grants": [{"folder": "sales", "user": "ann", "role": "folder_admin"}]}}"#,
    )?;
    let out = accessgate()?.args(["lint", &orphan, "--json"]).output()?;
    let findings = stdout_json(&out)?;
    let list = findings.as_array().ok_or("not an array")?;
    assert_eq!(list.len(), 1, "{findings:#}");
    assert_eq!(list[0]["code"], "AG201");
    assert_eq!(list[0]["folder"], "hr");
    assert!(list[0]["message"]
        .as_str()
        .is_some_and(|m| m.contains("the model has no System admin: nobody can")));
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// test

/// Every bundled scenario passes: exit 0 and the closing `N passed, 0 failed`.
#[test]
fn test_bundled_scenarios_pass() -> TestResult {
    let files = scenarios()?;
    let mut total = 0;
    for file in &files {
        let scenario: Scenario = serde_json::from_str(&std::fs::read_to_string(file)?)?;
        total += scenario.cases.len();
    }
    accessgate()?
        .arg("test")
        .args(&files)
        .assert()
        .code(0)
        .stdout(predicate::str::ends_with(format!(
            "{total} passed, 0 failed\n"
        )));
    Ok(())
}

const FAILING: &str = r#"{
  "description": "one right, one wrong",
  "model": {"flows": {"flows": [{"id": "open"}]}},
  "cases": [
    {"name": "open runs", "rules": ["FR-R16"], "request": {"kind": "flow", "flow": "open"}, "expect": "allow"},
    {"name": "wrongly expected <deny>", "request": {"kind": "flow", "flow": "open"}, "expect": "deny"}
  ]
}"#;

/// A failing case exits 1 and shows what was expected.
#[test]
fn test_failing_case_exits_1() -> TestResult {
    let file = scratch("failing.json", FAILING)?;
    accessgate()?.args(["test", &file]).assert().code(1).stdout(
        predicate::str::contains("pass open runs [FR-R16]")
            .and(predicate::str::contains("FAIL wrongly expected <deny>"))
            .and(predicate::str::contains("     expected deny"))
            .and(predicate::str::ends_with("1 passed, 1 failed\n")),
    );
    Ok(())
}

/// A scenario that cannot be read or built is bad input (exit 2) and names the problem.
#[test]
fn test_broken_file_exits_2() -> TestResult {
    let file = scratch(
        "broken.json",
        r#"{"model": {"dataverse": {"business_units": []}}, "cases": []}"#,
    )?;
    accessgate()?
        .args(["test", &file, &fixture("scenarios/flows_options.json")])
        .assert()
        .code(2)
        .stdout(
            predicate::str::contains("model does not build: dataverse model: no business unit")
                .and(predicate::str::contains("1 file(s) could not be run")),
        );
    Ok(())
}

/// `--format json` gives counts and every case with its decision and code.
#[test]
fn test_format_json() -> TestResult {
    let file = scratch("failing_json.json", FAILING)?;
    let out = accessgate()?
        .args(["test", "--format", "json", &file])
        .output()?;
    assert_eq!(out.status.code(), Some(1));
    let report = stdout_json(&out)?;
    assert_eq!(report["passed"], 1);
    assert_eq!(report["failed"], 1);
    let case = &report["files"][0]["cases"][1];
    assert_eq!(case["passed"], false);
    assert_eq!(case["expected"], "deny");
    assert_eq!(case["decision"], "allow");
    assert!(case["code"].is_string());
    Ok(())
}

/// `--format junit` is JUnit XML with one suite per file and a failure per failing case.
#[test]
fn test_format_junit() -> TestResult {
    let file = scratch("failing_junit.json", FAILING)?;
    let out = accessgate()?
        .args(["test", "--format", "junit", &file])
        .output()?;
    assert_eq!(out.status.code(), Some(1));
    let xml = String::from_utf8(out.stdout)?;
    assert!(xml.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"));
    assert!(
        xml.contains("<testsuites name=\"accessgate\" tests=\"2\" failures=\"1\" errors=\"0\">")
    );
    assert!(xml.contains("tests=\"2\" failures=\"1\" errors=\"0\">"));
    assert_eq!(xml.matches("<testcase ").count(), 2);
    assert_eq!(xml.matches("<failure ").count(), 1);
    assert!(xml.contains("name=\"wrongly expected &lt;deny&gt;\""));
    assert!(xml.contains("<failure message=\"expected deny, got allow ("));
    assert!(xml.trim_end().ends_with("</testsuites>"));
    Ok(())
}

const VARIANTS: &str = r#"{
  "description": "one flow, three variants",
  "model": {"flows": {"flows": [{"id": "open"}]}},
  "cases": [
    {"name": "open runs", "rules": ["FR-R16"], "request": {"kind": "flow", "flow": "open"}, "expect": "allow"}
  ],
  "variants": [
    {"name": "a second flow",
     "patch": {"flows": {"flows": [{"id": "open"}, {"id": "other"}]}},
     "cases": [
       {"name": "other runs", "request": {"kind": "flow", "flow": "other"}, "expect": "allow", "reason": ["nothing_set", "implicit_grant", "explicit_grant"]},
       {"name": "why does open run?", "request": {"kind": "flow", "flow": "open"}}
     ]},
    {"name": "a flow defined twice",
     "patch": {"flows": {"flows": [{"id": "open"}, {"id": "open"}]}},
     "expect_error": "open"}
  ]
}"#;

/// A file with variants runs the base and each variant against its merge-patched model; a
/// case without `expect` is explained, an expected build error passes when it comes.
#[test]
fn test_variants_patches_and_explained_cases() -> TestResult {
    let file = scratch("variants.json", VARIANTS)?;
    let out = accessgate()?
        .args(["test", "--format", "json", &file])
        .output()?;
    let report = stdout_json(&out)?;
    let files = report["files"].as_array().ok_or("no files")?;
    let labels: Vec<&str> = files.iter().filter_map(|f| f["file"].as_str()).collect();
    assert_eq!(
        labels,
        [
            file.clone(),
            format!("{file}#a second flow"),
            format!("{file}#a flow defined twice")
        ]
    );
    let verdicts: Vec<&str> = files[1]["cases"]
        .as_array()
        .ok_or("no cases")?
        .iter()
        .filter_map(|c| c["verdict"].as_str())
        .collect();
    assert_eq!(verdicts[1], "explained");
    assert_eq!(files[2]["build"]["passed"], true, "{:#}", files[2]);
    assert_eq!(files[1]["explained"], 1);
    // `other` exists only in the patched model; whatever its reason code, it must be one of
    // the listed ones for the run to pass.
    assert_eq!(report["broken"], 0, "{report:#}");
    assert_eq!(
        out.status.code(),
        Some(if report["failed"] == 0 { 0 } else { 1 })
    );
    assert_eq!(
        report["passed"],
        2 + verdicts.iter().filter(|v| **v == "pass").count()
    );
    Ok(())
}

/// A variant with a misspelt field, or a duplicate key anywhere in the file, is bad input.
#[test]
fn test_variants_are_strict() -> TestResult {
    let misspelt = VARIANTS.replace(
        "\"patch\": {\"flows\": {\"flows\": [{\"id\": \"open\"}, {\"id\": \"other\"}]}}",
        "\"pacth\": {}",
    );
    let file = scratch("variants_misspelt.json", &misspelt)?;
    accessgate()?
        .args(["test", &file])
        .assert()
        .code(2)
        .stdout(predicate::str::contains(
            "variants[0]: unknown field `pacth`",
        ));
    let duplicate = VARIANTS.replace(
        "\"name\": \"a second flow\",",
        "\"name\": \"a second flow\", \"name\": \"again\",",
    );
    let file = scratch("variants_duplicate.json", &duplicate)?;
    accessgate()?
        .args(["test", &file])
        .assert()
        .code(2)
        .stdout(predicate::str::contains("duplicate key `name`"));
    Ok(())
}

/// The import crate's fixtures.
fn import_fixture(relative: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../import/fixtures")
        .join(relative)
        .display()
        .to_string()
}

/// `import solution` writes a model document whose roles and tables count as the source
/// files do, and the report of unmapped privileges to standard error; exit 0.
#[test]
fn import_solution_writes_model_and_report() -> TestResult {
    let dir = tempfile::tempdir()?;
    let out = dir.path().join("model.json");
    let assert = Command::cargo_bin("accessgate")?
        .args(["import", "solution"])
        .arg(import_fixture("webapi/contoso/solution"))
        .arg("-o")
        .arg(&out)
        .assert()
        .code(0);
    let stderr = String::from_utf8(assert.get_output().stderr.clone())?;
    assert!(stderr.contains("0 unmapped"), "{stderr}");
    let doc: PolicyDocument = serde_json::from_str(&std::fs::read_to_string(&out)?)?;
    let model = doc.dataverse.ok_or("no dataverse model")?;
    let roles = std::fs::read_dir(import_fixture("webapi/contoso/solution/Roles"))?.count();
    assert_eq!(model.roles.len(), roles);
    assert_eq!(model.tables.len(), 1);
    Ok(())
}

/// `import webapi` over a solution writes a model that builds and answers through `explain`;
/// the report goes to `--report`.
#[test]
fn import_webapi_then_explain() -> TestResult {
    let dir = tempfile::tempdir()?;
    let out = dir.path().join("model.json");
    let report = dir.path().join("report.txt");
    Command::cargo_bin("accessgate")?
        .args(["import", "webapi"])
        .arg(import_fixture("webapi/contoso"))
        .arg("--solution")
        .arg(import_fixture("webapi/contoso/solution"))
        .arg("-o")
        .arg(&out)
        .arg("--report")
        .arg(&report)
        .assert()
        .code(0);
    let text = std::fs::read_to_string(&report)?;
    assert_eq!(
        text.lines().filter(|l| l.starts_with("unmapped: ")).count(),
        3,
        "{text}"
    );
    Command::cargo_bin("accessgate")?
        .arg("explain")
        .arg(&out)
        .arg("--request")
        .arg(r#"{"kind": "misc_privilege", "user": "11111111-0000-0000-0000-000000000002", "privilege": "prvExportToExcel"}"#)
        .assert()
        .code(0)
        .stdout(predicate::str::contains("through team"));
    Ok(())
}

/// Bad input exits 2 with a message naming the file; `--strict` fails on an unmapped item.
#[test]
fn import_bad_input_exits_2() -> TestResult {
    let dir = tempfile::tempdir()?;
    Command::cargo_bin("accessgate")?
        .args(["import", "solution"])
        .arg(dir.path())
        .assert()
        .code(2)
        .stderr(predicate::str::contains("not an unpacked solution"));
    std::fs::create_dir_all(dir.path().join("Roles"))?;
    std::fs::write(
        dir.path().join("Roles/R.xml"),
        r#"<Role id="{1}" name="R"><RolePrivileges><RolePrivilege name="prvReadnothing" level="Global" /></RolePrivileges></Role>"#,
    )?;
    Command::cargo_bin("accessgate")?
        .args(["import", "solution", "--strict"])
        .arg(dir.path())
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "`Roles/R.xml`, role `R`: `prvReadnothing`",
        ));
    Command::cargo_bin("accessgate")?
        .args(["import", "solution"])
        .arg(dir.path())
        .assert()
        .code(0)
        .stderr(predicate::str::contains("unmapped: `Roles/R.xml`"));
    Ok(())
}

/// The repository's root.
fn root() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The committed schema `name` as JSON.
fn committed_schema(name: &str) -> Result<serde_json::Value, Box<dyn Error>> {
    let text = std::fs::read_to_string(root().join("schema").join(format!("{name}.json")))?;
    Ok(serde_json::from_str(&text)?)
}

/// The committed schemas are the ones the types generate today: regenerate them with
/// `cargo run -p accessgate-cli -- schema --write schema` when this fails.
#[test]
fn committed_schemas_are_current() -> TestResult {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("schema-now");
    let dir = dir.display().to_string();
    accessgate()?
        .args(["schema", "--write", &dir])
        .assert()
        .code(0);
    for name in ["policy-document", "request", "response", "decision-record"] {
        let now = std::fs::read_to_string(Path::new(&dir).join(format!("{name}.json")))?;
        let committed =
            std::fs::read_to_string(root().join("schema").join(format!("{name}.json")))?;
        assert!(
            now == committed,
            "schema/{name}.json is stale: run `cargo run -p accessgate-cli -- schema --write schema`"
        );
    }
    // The library's schema is what the command prints.
    let printed = accessgate()?.args(["schema", "policy-document"]).output()?;
    assert_eq!(
        serde_json::from_slice::<serde_json::Value>(&printed.stdout)?,
        accessgate::schema::policy_document().to_value()
    );
    Ok(())
}

/// Every fixture model, scenario model and scenario request validates against the committed
/// schemas; a model with a misspelt field and a request for `Read | Write` do not.
#[test]
fn fixtures_validate_against_the_schemas() -> TestResult {
    let model = jsonschema::validator_for(&committed_schema("policy-document")?)?;
    let request = jsonschema::validator_for(&committed_schema("request")?)?;
    let explain = |v: &jsonschema::Validator, doc: &serde_json::Value| -> String {
        v.iter_errors(doc)
            .take(3)
            .map(|e| format!("{e} at {}", e.instance_path))
            .collect::<Vec<_>>()
            .join("; ")
    };
    let mut models = 0;
    for entry in std::fs::read_dir(root().join("fixtures/scenarios"))? {
        let path = entry?.path();
        let doc: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&path)?)?;
        let m = &doc["model"];
        assert!(
            model.is_valid(m),
            "{}: {}",
            path.display(),
            explain(&model, m)
        );
        models += 1;
        let cases = doc["cases"].as_array().into_iter().flatten();
        let variant_cases = doc["variants"]
            .as_array()
            .into_iter()
            .flatten()
            .flat_map(|v| v["cases"].as_array().into_iter().flatten());
        for case in cases.chain(variant_cases) {
            let r = &case["request"];
            assert!(
                request.is_valid(r),
                "{}: {}",
                path.display(),
                explain(&request, r)
            );
        }
    }
    for dir in ["fixtures/dataverse", "fixtures/diff"] {
        for entry in std::fs::read_dir(root().join(dir))? {
            let path = entry?.path();
            let doc: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&path)?)?;
            // A bare Dataverse model is the `dataverse` of a document.
            let doc = match doc.get("dataverse") {
                Some(_) => doc,
                None => serde_json::json!({ "dataverse": doc }),
            };
            assert!(
                model.is_valid(&doc),
                "{}: {}",
                path.display(),
                explain(&model, &doc)
            );
            models += 1;
        }
    }
    let clean: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(own("clean.json"))?)?;
    assert!(model.is_valid(&clean), "{}", explain(&model, &clean));
    assert!(models > 20);

    let misspelt: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(own("misspelt_field.json"))?)?;
    assert!(!model.is_valid(&misspelt));
    let two = serde_json::json!({"kind": "record", "user": "a", "privilege": "Read | Write", "record": "r"});
    assert!(!request.is_valid(&two));
    Ok(())
}

/// With `RUST_LOG=debug` each decision is one event on standard error with its reason code,
/// computed here by the library; without it, standard error stays empty.
#[test]
fn decisions_are_traced_on_request() -> TestResult {
    let model = root().join("fixtures/scenarios/dataverse_levels.json");
    let model = model.display().to_string();
    let request = r#"{"kind":"record","user":"ola","privilege":"Read","record":"acc-sales"}"#;
    let code = accessgate::authorize(&policy_of(&model)?, &serde_json::from_str(request)?)
        .code()
        .to_owned();
    let traced = accessgate()?
        .env("RUST_LOG", "debug")
        .args(["explain", &model, "--request", request])
        .output()?;
    let stderr = String::from_utf8(traced.stderr)?;
    let decisions: Vec<&str> = stderr
        .lines()
        .filter(|l| l.contains(" decision "))
        .collect();
    assert_eq!(decisions.len(), 1, "{stderr}");
    assert!(
        decisions[0].contains(&format!("code=\"{code}\"")),
        "{stderr}"
    );
    assert!(stderr.contains("model loaded"), "{stderr}");
    let quiet = accessgate()?
        .env_remove("RUST_LOG")
        .args(["explain", &model, "--request", request])
        .output()?;
    assert!(quiet.stderr.is_empty());
    Ok(())
}
