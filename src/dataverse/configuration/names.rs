//! The names rule: which spellings of table and column names a model and a request accept.
//!
//! Column security must not be reachable under a second spelling of a secured column: if table
//! `account` secures `ssn`, a request for `SSN`, `ssn ` or `account.ssn` is not "a column that
//! is not secured". The rule, applied at build and at decision alike:
//!
//! - **Column names** are Dataverse logical names and must be *canonical*: lowercase, no
//!   whitespace, no control or invisible character (zero-width, no-break space, byte-order
//!   mark), no `.`. A model with any other column name does not build
//!   ([`ModelError::NonCanonicalName`](crate::dataverse::ModelError::NonCanonicalName)); a request naming
//!   one is denied as `unknown_column`, never allowed as `column_not_secured`. Nothing is
//!   normalised: a name either is canonical and matches exactly, or it is refused.
//! - **Table ids** may be display names (`"Desktop flow definition"`), so case and inner spaces
//!   are kept, but surrounding whitespace and control or invisible characters are refused in a
//!   model. Requests match table ids exactly; another spelling is an unknown table (denied).
//!   Ids that differ only by case or invisible characters are a lint finding
//!   ([`LintCode::LookAlikeIds`](crate::dataverse::LintCode::LookAlikeIds)).
//! - **Privilege names** are a closed set of eight; the accepted spellings (`Read`, `read`,
//!   `AppendTo`, `Append To`, `append_to`) all parse to the same privilege, so no spelling
//!   reaches anything but that privilege. Within one role's table entry two keys naming the
//!   same privilege are an error, whatever their spelling.
//! - Keys built from several names use the table's index and the column name, never a joined
//!   string, so no two (table, column) pairs share a key.

use super::error::{EntityKind, ModelError};
use super::model::DataverseModel;

/// Characters that render as nothing or as a space: zero-width space, non-joiner and joiner,
/// word joiner, byte-order mark, soft hyphen, no-break spaces.
pub(crate) fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{200b}'..='\u{200f}'
            | '\u{2060}'..='\u{2064}'
            | '\u{feff}'
            | '\u{00ad}'
            | '\u{00a0}'
            | '\u{202f}'
            | '\u{2007}'
            | '\u{180e}'
    )
}

/// What keeps `name` from being a canonical column name, or `None` when it is one.
pub(crate) fn column_problem(name: &str) -> Option<&'static str> {
    if name.is_empty() {
        Some("it is empty")
    } else if name.chars().any(|c| c.is_control() || is_invisible(c)) {
        Some("it contains a control or invisible character")
    } else if name.chars().any(char::is_whitespace) {
        Some("it contains whitespace")
    } else if name.contains('.') {
        Some("it contains `.`")
    } else if name.chars().any(char::is_uppercase) {
        Some("it is not lowercase")
    } else {
        None
    }
}

/// What keeps `id` from being an acceptable table id, or `None` when it is one.
pub(crate) fn table_problem(id: &str) -> Option<&'static str> {
    if id.chars().any(|c| c.is_control() || is_invisible(c)) {
        Some("it contains a control or invisible character")
    } else if id.trim() != id {
        Some("it has surrounding whitespace")
    } else {
        None
    }
}

/// Whether `name` is a canonical column name.
pub(crate) fn is_canonical_column(name: &str) -> bool {
    column_problem(name).is_none()
}

/// Checks every table id and column name of a model.
///
/// # Errors
/// [`ModelError::NonCanonicalName`] for the first name breaking the rule.
pub(crate) fn check(m: &DataverseModel) -> Result<(), ModelError> {
    for t in &m.tables {
        if let Some(problem) = table_problem(&t.id) {
            return Err(ModelError::NonCanonicalName {
                kind: EntityKind::Table,
                name: t.id.clone(),
                problem,
            });
        }
        let declared = t.columns.iter().flatten();
        for c in t.secured_columns.iter().chain(declared) {
            if c.is_empty() {
                return Err(ModelError::EmptyId {
                    kind: EntityKind::Column,
                });
            }
            if let Some(problem) = column_problem(c) {
                return Err(ModelError::NonCanonicalName {
                    kind: EntityKind::Column,
                    name: format!("{}.{c}", t.id),
                    problem,
                });
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Only lowercase names without whitespace, dots or invisible characters are canonical.
    #[test]
    fn canonical_columns() {
        assert!(is_canonical_column("ssn"));
        assert!(is_canonical_column("new_credit_limit2"));
        for bad in [
            "",
            "SSN",
            "Ssn",
            "ssn ",
            " ssn",
            "account.ssn",
            "s\u{1f}sn",
            "ss\u{200b}n",
            "s sn",
            "ssn\u{a0}",
        ] {
            assert!(!is_canonical_column(bad), "{bad:?}");
        }
        assert_eq!(table_problem("Desktop flow definition"), None);
        assert!(table_problem("account ").is_some());
        assert!(table_problem("acc\u{1f}ount").is_some());
    }
}
