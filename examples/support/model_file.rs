//! Reading a Dataverse model from a JSON file for the administration examples.
//!
//! The file may be a bare `DataverseModel`, a `PolicyDocument` (its `dataverse` key is used), or
//! a scenario file (its `model`'s `dataverse` key is used).

use accessgate::dataverse::{DataverseModel, DataversePolicy};
use accessgate::scenario::Scenario;
use accessgate::PolicyDocument;

/// Reads and parses `path` as a Dataverse model.
///
/// The shape is told from the top-level keys, then the text is parsed straight into the right
/// type, so maps keep the file's order.
pub fn read_model(path: &str) -> Result<DataverseModel, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read `{path}`: {e}"))?;
    let value: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| format!("`{path}` is not JSON: {e}"))?;
    let bad = |e: serde_json::Error| format!("`{path}` is not a Dataverse model: {e}");
    let no_dataverse = || format!("`{path}` has no `dataverse` model");
    if value.get("model").is_some() {
        let scenario: Scenario = serde_json::from_str(&text).map_err(bad)?;
        scenario.model.dataverse.ok_or_else(no_dataverse)
    } else if value.get("dataverse").is_some() {
        let doc: PolicyDocument = serde_json::from_str(&text).map_err(bad)?;
        doc.dataverse.ok_or_else(no_dataverse)
    } else {
        serde_json::from_str(&text).map_err(bad)
    }
}

/// Reads, parses and builds `path`.
#[allow(
    dead_code,
    reason = "the lint example reads the model without building it"
)]
pub fn read_policy(path: &str) -> Result<DataversePolicy, String> {
    read_model(path)?
        .build()
        .map_err(|e| format!("`{path}` does not build: {e}"))
}
