//! Miscellaneous privileges as configuration: each role's privileges that are not about a
//! table (`prvExportToExcel`, `prvFlow`, …), interned by canonical name into a [`MiscIndex`].
//!
//! Names are compared with their letters lowercased (`prvFlow` and `PRVFLOW` are one
//! privilege); a role naming one privilege twice does not build.

use crate::core::id::{dense_id, Interner};
use crate::core::AccessLevel;
use crate::dataverse::configuration::error::ModelError;
use crate::dataverse::configuration::model::DataverseModel;

dense_id!(
    /// A miscellaneous privilege (a role privilege not about a table) of a compiled
    /// [`DataversePolicy`](crate::dataverse::DataversePolicy).
    MiscPrivilegeId
);

/// The miscellaneous privileges of a compiled model: their canonical names and, per role, the
/// level of each privilege it names.
#[derive(Debug, Clone, Default)]
pub(crate) struct MiscIndex {
    /// Canonical (lowercased) names.
    pub(crate) names: Interner,
    /// Per role, `(privilege, level)` sorted by privilege.
    pub(crate) per_role: Vec<Vec<(u32, AccessLevel)>>,
}

/// The canonical form of a miscellaneous privilege name: its letters lowercased.
pub(crate) fn canonical(name: &str) -> String {
    name.to_lowercase()
}

/// Interns every role's miscellaneous privileges.
///
/// # Errors
/// An empty name, or a role naming one privilege twice (compared lowercased).
pub(crate) fn compile(model: &DataverseModel) -> Result<MiscIndex, ModelError> {
    let mut index = MiscIndex::default();
    for role in &model.roles {
        let mut row: Vec<(u32, AccessLevel)> = Vec::with_capacity(role.misc_privileges.len());
        for (name, level) in &role.misc_privileges {
            if name.is_empty() {
                return Err(ModelError::EmptyMiscPrivilege {
                    role: role.id.clone(),
                });
            }
            let key = canonical(name);
            let id =
                match index.names.get(&key) {
                    Some(id) => id,
                    None => index.names.insert(&key).ok_or_else(|| {
                        ModelError::DuplicateMiscPrivilege {
                            role: role.id.clone(),
                            privilege: name.clone(),
                        }
                    })?,
                };
            row.push((id, *level));
        }
        row.sort_unstable_by_key(|&(p, _)| p);
        // Sorted, a privilege named twice sits next to itself: one pass, not a search per name.
        if let Some(pair) = row.windows(2).find(|w| w[0].0 == w[1].0) {
            let privilege = index.names.name(pair[0].0).to_owned();
            return Err(ModelError::DuplicateMiscPrivilege {
                role: role.id.clone(),
                privilege,
            });
        }
        index.per_role.push(row);
    }
    Ok(index)
}

impl MiscIndex {
    /// The level `role` gives `privilege`, if it names it.
    pub(crate) fn level(&self, role: u32, privilege: u32) -> Option<AccessLevel> {
        let row = self.per_role.get(role as usize)?;
        row.binary_search_by_key(&privilege, |&(p, _)| p)
            .ok()
            .and_then(|i| row.get(i))
            .map(|&(_, level)| level)
    }
}
