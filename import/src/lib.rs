//! Import real Dataverse security into an [`accessgate`] model.
//!
//! Administrators already hold their security in two forms: the **solution** they export
//! (`Roles/<name>.xml` per security role, `Entities/<table>/Entity.xml` per table, or one
//! `customizations.xml` inside a solution zip) and the **Web API** (OData JSON of business
//! units, users, teams, role assignments and the PrincipalObjectAccess share table). This
//! crate reads both into a [`DataverseModel`](accessgate::dataverse::DataverseModel) plus an
//! [`ImportReport`] listing, with its file, everything it could not map. Nothing is dropped
//! silently: [`ImportOptions::on_unmapped`] decides whether an unmapped item fails the import
//! or is reported.
//!
//! ```
//! use accessgate_import::{import_solution_files, ImportOptions, SolutionFile};
//!
//! let role = SolutionFile {
//!     path: "Roles/Viewer.xml".into(),
//!     bytes: "\u{feff}<Role id=\"{1}\" name=\"Viewer\" isinherited=\"1\"><RolePrivileges>\
//!             <RolePrivilege name=\"prvReadUser\" level=\"Global\" />\
//!             <RolePrivilege name=\"prvReadnowhere\" level=\"Global\" />\
//!             </RolePrivileges></Role>".as_bytes().to_vec(),
//! };
//! let imported = import_solution_files(&[role], &[], &ImportOptions::default())?;
//! // `prvReadUser` is Read on the standard `systemuser` table (see SYSTEM_TABLES).
//! assert_eq!(imported.report.system_tables_added, ["systemuser"]);
//! // `prvReadnowhere` names no table: reported with its file, role and name.
//! assert_eq!(
//!     imported.report.unmapped[0].to_string(),
//!     "`Roles/Viewer.xml`, role `Viewer`: `prvReadnowhere` names no known table \
//!      (`nowhere` is neither in the solution nor a listed system table)"
//! );
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Overview
//!
//! * **Solution import** ([`import_solution`], [`import_solution_dir`],
//!   [`import_solution_zip`], [`import_solution_files`]). Each `<Role>` becomes a
//!   [`RoleDef`](accessgate::dataverse::RoleDef) named by its `name` attribute; each entity a
//!   [`TableDef`](accessgate::dataverse::TableDef) whose id is the lowercased schema name
//!   (the logical name), user-owned for `UserOwned`/`TeamOwned`, organization-owned for
//!   `OrganizationOwned`. Display names go to [`ImportReport::display_names`]. Privilege names
//!   `prv<Verb><table>` map by the table's schema or logical name, case-insensitively, then
//!   through [`SYSTEM_TABLES`]; levels Basic, Local, Deep, Global map to User, Business Unit,
//!   Parent: Child, Organization; `isinherited="1"` to `direct_user_basic_and_team`, `"0"` to
//!   `team_privileges_only`. A privilege with no verb after `prv` (`prvFlow`) or listed in
//!   [`MISC_WITH_VERB`] becomes a miscellaneous privilege of the role, kept verbatim. Files may
//!   start with a UTF-8 byte-order mark.
//! * **Web API import** ([`import_webapi`]): see [`webapi`] for the payload files and every
//!   field read. Users, teams and business units are identified by their GUIDs (stable across
//!   renames); their names are kept in [`ImportReport::display_names`]. Roles are identified by
//!   the name of their root role, so the roles of a solution import apply.
//! * **Records and shares** never become a giant document: [`WebApiImport::load_records`]
//!   writes the records payload and the PrincipalObjectAccess shares into a
//!   [`RecordStore`](accessgate::dataverse::RecordStore) for a built policy.
//!
//! # What is not imported
//!
//! Access-team templates, column security profiles, field security and hierarchy settings are
//! not read from either source. Inherited share rights (`inheritedaccessrightsmask`) are not
//! loaded: the model recomputes cascaded shares from relationships at decision time, so rows
//! with inherited rights only are reported.

#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod error;
mod names;
mod report;
mod solution;
pub mod webapi;
mod xml;

pub use error::{ImportError, Unmapped, UnmappedKind};
pub use names::{
    level_name, verb_name, SystemOwnership, SystemTable, MISC_WITH_VERB, SYSTEM_TABLES,
};
pub use report::{ImportOptions, ImportReport, Imported, OnUnmapped};
pub use solution::{
    import_solution, import_solution_dir, import_solution_files, import_solution_zip, SolutionFile,
    ZIP_MEMBER_LIMIT,
};
pub use webapi::{import_webapi, WebApiImport};
