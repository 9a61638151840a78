//! `accessgate matrix`: one user's Dataverse effective access.

use accessgate::dataverse::DataversePolicy;
use accessgate::Policy;

use crate::input::{read_model, InputError, Model};
use crate::{html, Outcome, Status};

/// How to print the matrix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// The library's readable table.
    Text,
    /// The `EffectiveAccess` as JSON.
    Json,
    /// One self-contained HTML page.
    Html,
}

/// The Dataverse system of a built model, or an error saying the model has none.
pub fn dataverse<'a>(model: &Model, policy: &'a Policy) -> Result<&'a DataversePolicy, InputError> {
    policy
        .dataverse()
        .ok_or_else(|| InputError::new(&model.path, "the model has no `dataverse` system"))
}

/// An error for an id of `kind` (`users`, `records`) the Dataverse model does not define, with
/// a hint from the ids it does define.
pub fn unknown(model: &Model, kind: &str, what: &str, id: &str) -> InputError {
    let mut e = InputError::new(
        &model.path,
        format!("{what} `{id}` does not exist in the dataverse model"),
    );
    let ids: Vec<&str> = model.json["dataverse"][kind]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|v| v.get("id").and_then(|i| i.as_str()))
        .collect();
    e.hint =
        accessgate::diagnostics::closest(id, ids).map(|best| format!("did you mean `{best}`?"));
    e
}

/// Prints the effective access of `user` in the model at `path`.
///
/// # Errors
/// A model that cannot be read or built, has no Dataverse system, or no such user.
pub fn run(path: &str, user: &str, format: Format) -> Result<Outcome, InputError> {
    let model = read_model(path)?;
    let policy = model.build()?;
    let dataverse = dataverse(&model, &policy)?;
    let id = dataverse
        .user_id(user)
        .ok_or_else(|| unknown(&model, "users", "user", user))?;
    let access = dataverse.effective_access(id);
    let out = match format {
        Format::Text => access.to_table().to_string(),
        Format::Json => {
            let text = serde_json::to_string_pretty(&access)
                .map_err(|e| InputError::new(path, format!("cannot serialize: {e}")))?;
            text + "\n"
        }
        Format::Html => html::page(&access),
    };
    Ok(Outcome::new(out, Status::Ok))
}
