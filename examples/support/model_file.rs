//! Reading a Dataverse model from a JSON file for the administration examples.
//!
//! The file may be a bare `DataverseModel`, a `PolicyDocument` (its `dataverse` key is used), or
//! a scenario file (its `model`'s `dataverse` key is used).

use accessgate::dataverse::{DataverseModel, DataversePolicy};

/// Reads and parses `path` as a Dataverse model.
pub fn read_model(path: &str) -> Result<DataverseModel, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read `{path}`: {e}"))?;
    let mut value: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| format!("`{path}` is not JSON: {e}"))?;
    if let Some(model) = value.get_mut("model") {
        value = model.take();
    }
    if let Some(dataverse) = value.get_mut("dataverse") {
        value = dataverse.take();
    }
    serde_json::from_value(value).map_err(|e| format!("`{path}` is not a Dataverse model: {e}"))
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
