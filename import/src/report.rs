//! Import options and the report of what an import mapped and what it could not.

use accessgate::dataverse::{DataverseModel, RoleInheritance};
use indexmap::IndexMap;

use crate::error::{ImportError, Unmapped};

/// What an import does when it meets something it cannot map.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum OnUnmapped {
    /// Stop with [`ImportError::Unmapped`] naming the first item and the count.
    Fail,
    /// Leave the item out of the model and list it in [`ImportReport::unmapped`]. Default: a
    /// left-out privilege or share can only take access away, never give it.
    #[default]
    Report,
}

/// Choices an import makes where the source is silent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ImportOptions {
    /// Fail or report on unmapped items. Default [`OnUnmapped::Report`].
    pub on_unmapped: OnUnmapped,
    /// Add the standard system tables of [`SYSTEM_TABLES`](crate::SYSTEM_TABLES) that roles
    /// name but the solution does not define. Default `true`; with `false` their privileges are
    /// reported as naming no known table.
    pub system_tables: bool,
    /// The inheritance of a role without an `isinherited` attribute. Default
    /// `direct_user_basic_and_team`, the setting of roles created since May 2019 and the
    /// model's own default.
    pub missing_isinherited: RoleInheritance,
}

impl Default for ImportOptions {
    fn default() -> Self {
        ImportOptions {
            on_unmapped: OnUnmapped::Report,
            system_tables: true,
            missing_isinherited: RoleInheritance::DirectUserBasicAndTeam,
        }
    }
}

/// What an import mapped, and every item it could not.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportReport {
    /// Items left out, each with its file.
    pub unmapped: Vec<Unmapped>,
    /// Role privileges mapped to a table privilege.
    pub table_privileges: usize,
    /// Role privileges kept as miscellaneous privileges.
    pub misc_privileges: usize,
    /// System tables added from [`SYSTEM_TABLES`](crate::SYSTEM_TABLES), by logical name.
    pub system_tables_added: Vec<String>,
    /// Display names by model id: a table's localized name, a user's full name and domain
    /// name, a team's or business unit's name (the model keeps ids only).
    pub display_names: IndexMap<String, String>,
    /// Decisions the import took that change the model's meaning (matrix mode switched on, …).
    pub notes: Vec<String>,
}

impl ImportReport {
    /// Records an unmapped item.
    pub(crate) fn push_unmapped(&mut self, entry: Unmapped) {
        self.unmapped.push(entry);
    }

    /// With [`OnUnmapped::Fail`], the first unmapped item as an error.
    pub(crate) fn check(&mut self, options: &ImportOptions) -> Result<(), ImportError> {
        match (options.on_unmapped, self.unmapped.first()) {
            (OnUnmapped::Fail, Some(first)) => Err(ImportError::Unmapped {
                first: Box::new(first.clone()),
                count: self.unmapped.len(),
            }),
            (OnUnmapped::Fail, None) | (OnUnmapped::Report, _) => Ok(()),
        }
    }
}

/// A model document and the report of its import.
#[derive(Debug, Clone, PartialEq)]
pub struct Imported {
    /// The model: for a solution, its tables and roles (no business units or principals; add
    /// them or import a Web API dump over it); for a Web API dump, everything.
    pub model: DataverseModel,
    /// What was mapped and what was not.
    pub report: ImportReport,
}
