//! Runs every scenario file under `fixtures/scenarios/` through `authorize()`.

use std::error::Error;
use std::path::Path;

use accessgate::scenario::Scenario;

fn scenario_files() -> Result<Vec<std::path::PathBuf>, Box<dyn Error>> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/scenarios");
    let mut files: Vec<_> = std::fs::read_dir(dir)?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    Ok(files)
}

/// Every case of every scenario file gets its expected decision (and reason code, when pinned),
/// and cites at least one rule id of the semantics references.
#[test]
fn every_scenario_case_passes() -> Result<(), Box<dyn Error>> {
    let mut failures = Vec::new();
    let mut total = 0;
    for file in scenario_files()? {
        let text = std::fs::read_to_string(&file)?;
        let scenario: Scenario =
            serde_json::from_str(&text).map_err(|e| format!("{}: {e}", file.display()))?;
        let report = scenario
            .run()
            .map_err(|e| format!("{}: {e}", file.display()))?;
        for o in &report.outcomes {
            total += 1;
            if o.rules.is_empty() {
                failures.push(format!(
                    "{}: case `{}` cites no rule id",
                    file.display(),
                    o.name
                ));
            }
            if o.expected.is_none() {
                failures.push(format!(
                    "{}: case `{}` states no expected decision",
                    file.display(),
                    o.name
                ));
            }
            if !o.passed() {
                failures.push(format!(
                    "{}: case `{}` expected {}, got {} ({}): {}",
                    file.display(),
                    o.name,
                    o.expectation(),
                    o.response.decision(),
                    o.response.code(),
                    o.explanation
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {total} cases failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(total > 0, "no scenario cases found");
    Ok(())
}
