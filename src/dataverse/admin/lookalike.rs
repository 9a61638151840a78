//! Look-alike ids: two ids of one kind that differ only by case, surrounding whitespace or
//! invisible characters (zero-width, no-break space, byte-order mark, control characters).
//!
//! Ids match exactly, so `alice` and `Alice` (or `alice\u{200b}`) are two users: legal, but an
//! administrator reading a list cannot tell them apart, and a share or assignment made to one
//! is easily taken for the other. The lint reports each such pair
//! ([`LintCode::AG009`](crate::dataverse::LintCode::AG009)).

use std::collections::HashMap;

use crate::dataverse::configuration::model::DataverseModel;
use crate::dataverse::configuration::names::is_invisible;

/// One pair of look-alike ids.
pub(crate) struct LookAlike {
    /// The kind of entity (`"user"`, `"table"`…).
    pub(crate) kind: &'static str,
    /// The id defined first.
    pub(crate) first: String,
    /// The id defined later that looks like it.
    pub(crate) second: String,
}

/// What an id looks like to a reader: trimmed, without invisible or control characters,
/// lowercase.
fn fold(id: &str) -> String {
    id.trim()
        .chars()
        .filter(|c| !c.is_control() && !is_invisible(*c))
        .flat_map(char::to_lowercase)
        .collect::<String>()
        .trim()
        .to_owned()
}

/// Every pair of look-alike ids, within each kind, each later id paired with the first id it
/// looks like.
pub(crate) fn find(m: &DataverseModel) -> Vec<LookAlike> {
    let mut out = Vec::new();
    let kinds: [(&'static str, Vec<&str>); 8] = [
        (
            "business unit",
            m.business_units.iter().map(|b| b.id.as_str()).collect(),
        ),
        ("table", m.tables.iter().map(|t| t.id.as_str()).collect()),
        ("role", m.roles.iter().map(|r| r.id.as_str()).collect()),
        ("user", m.users.iter().map(|u| u.id.as_str()).collect()),
        ("team", m.teams.iter().map(|t| t.id.as_str()).collect()),
        ("record", m.records.iter().map(|r| r.id.as_str()).collect()),
        (
            "position",
            m.positions.iter().map(|p| p.id.as_str()).collect(),
        ),
        (
            "column security profile",
            m.column_security_profiles
                .iter()
                .map(|p| p.id.as_str())
                .collect(),
        ),
    ];
    for (kind, ids) in kinds {
        let mut seen: HashMap<String, &str> = HashMap::with_capacity(ids.len());
        for id in ids {
            match seen.get(&fold(id)) {
                Some(first) if *first != id => out.push(LookAlike {
                    kind,
                    first: (*first).to_owned(),
                    second: id.to_owned(),
                }),
                Some(_) => {}
                None => {
                    seen.insert(fold(id), id);
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Case, surrounding whitespace and invisible characters fold away; other characters stay.
    #[test]
    fn fold_keeps_only_what_a_reader_sees() {
        assert_eq!(fold(" Alice\u{200b}\u{a0}"), "alice");
        assert_eq!(fold("al\u{feff}ice"), "alice");
        assert_ne!(fold("alice"), fold("alice2"));
        assert_ne!(fold("a lice"), fold("alice"));
    }
}
