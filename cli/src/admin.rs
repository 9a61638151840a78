//! `accessgate who-can` and `accessgate diff`: the Dataverse administration tools.

use std::fmt::Write as _;

use accessgate::dataverse::access_diff;
use serde::Serialize;

use crate::input::{read_model, InputError};
use crate::matrix::{dataverse, unknown};
use crate::{Outcome, Status};

fn to_json<T: Serialize>(source: &str, value: &T) -> Result<String, InputError> {
    serde_json::to_string_pretty(value)
        .map(|text| text + "\n")
        .map_err(|e| InputError::new(source, format!("cannot serialize: {e}")))
}

/// Every user that can act on `record`, with each privilege and the reason.
///
/// # Errors
/// A model that cannot be read or built, has no Dataverse system, or no such record.
pub fn who_can(path: &str, record: &str, json: bool) -> Result<Outcome, InputError> {
    let model = read_model(path)?;
    let policy = model.build()?;
    let dataverse = dataverse(&model, &policy)?;
    let id = dataverse
        .record_id(record)
        .ok_or_else(|| unknown(&model, "records", "record", record))?;
    let access = dataverse.record_access(id);
    if json {
        return Ok(Outcome::new(to_json(path, &access)?, Status::Ok));
    }
    let mut out = format!("Record `{}` of table `{}`", access.record, access.table);
    match (&access.owner, &access.owning_business_unit) {
        (Some(owner), Some(unit)) => {
            let _ = write!(out, ", owned by {owner} in business unit `{unit}`");
        }
        (Some(owner), None) => {
            let _ = write!(out, ", owned by {owner}");
        }
        (None, _) => out.push_str(", organization-owned"),
    }
    out.push('\n');
    if !access.shares.is_empty() {
        out.push_str("Shares:\n");
        for s in &access.shares {
            let _ = write!(out, "  {}: {}", s.with, s.rights);
            if let Some(parent) = &s.inherited_from {
                let _ = write!(out, " (cascaded from `{parent}`)");
            }
            out.push('\n');
        }
    }
    out.push_str("Who can act on it:\n");
    if access.users.is_empty() {
        out.push_str("  nobody\n");
    }
    for user in &access.users {
        let _ = writeln!(out, "  {}: {}", user.user, user.privileges);
        for reason in &user.reasons {
            let _ = writeln!(
                out,
                "    {} ({}): {}",
                reason.privilege, reason.code, reason.explanation
            );
        }
    }
    Ok(Outcome::new(out, Status::Ok))
}

/// What changes in Dataverse access from the model at `old` to the one at `new`.
///
/// # Errors
/// A model that cannot be read or built, or has no Dataverse system.
pub fn diff(old: &str, new: &str, json: bool, exit_code: bool) -> Result<Outcome, InputError> {
    let before = read_model(old)?;
    let after = read_model(new)?;
    let (before_policy, after_policy) = (before.build()?, after.build()?);
    let diff = access_diff(
        dataverse(&before, &before_policy)?,
        dataverse(&after, &after_policy)?,
    );
    let out = if json {
        to_json(new, &diff)?
    } else {
        diff.to_string()
    };
    let status = if exit_code && !diff.is_empty() {
        Status::Fail
    } else {
        Status::Ok
    };
    Ok(Outcome::new(out, status))
}
