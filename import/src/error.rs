//! Errors that stop an import, and the report of what an import could not map.

use std::fmt;

use accessgate::dataverse::{ModelError, StoreError};

/// Why an import stopped. Nothing is returned; the message names the file and the id.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ImportError {
    /// A file or folder could not be read.
    #[error("cannot read `{path}`: {source}")]
    Io {
        /// The path.
        path: String,
        /// The cause.
        source: std::io::Error,
    },
    /// A file is not well-formed XML.
    #[error("`{file}` is not well-formed XML at byte {position}: {message}")]
    Xml {
        /// The file.
        file: String,
        /// Byte offset of the problem.
        position: u64,
        /// What the parser said.
        message: String,
    },
    /// A file ends inside an element.
    #[error("`{file}` ends inside element `<{element}>`: the file is truncated")]
    Truncated {
        /// The file.
        file: String,
        /// The innermost open element.
        element: String,
    },
    /// A file is not UTF-8 (a UTF-16 byte-order mark, or bytes that are not UTF-8).
    #[error("`{file}` is not UTF-8 text: {detail}")]
    NotUtf8 {
        /// The file.
        file: String,
        /// What was found.
        detail: &'static str,
    },
    /// A role file holds no `<Role>` element.
    #[error("`{file}` holds no `<Role>` element")]
    NoRole {
        /// The file.
        file: String,
    },
    /// An element lacks an attribute or child the import needs.
    #[error("`{file}`: element `<{element}>` has no `{attribute}`")]
    Missing {
        /// The file.
        file: String,
        /// The element.
        element: String,
        /// The attribute or child element.
        attribute: &'static str,
    },
    /// An entity folder has no `Entity.xml`.
    #[error("entity folder `{dir}` has no `Entity.xml`")]
    MissingEntityXml {
        /// The folder.
        dir: String,
    },
    /// Two files define the same role.
    #[error("role `{name}` is defined twice: in `{first}` and in `{second}`")]
    DuplicateRole {
        /// The role name.
        name: String,
        /// The first file.
        first: String,
        /// The second file.
        second: String,
    },
    /// Two files define the same table.
    #[error("table `{name}` is defined twice: in `{first}` and in `{second}`")]
    DuplicateTable {
        /// The logical name.
        name: String,
        /// The first file.
        first: String,
        /// The second file.
        second: String,
    },
    /// A folder is not an unpacked solution.
    #[error("`{path}` has neither a `Roles` nor an `Entities` folder: not an unpacked solution")]
    NotASolution {
        /// The folder.
        path: String,
    },
    /// A zip archive could not be read or holds no `customizations.xml`.
    #[error("`{file}` is not a readable solution zip: {message}")]
    Zip {
        /// The archive.
        file: String,
        /// What went wrong.
        message: String,
    },
    /// A JSON payload could not be read.
    #[error("`{file}` is not a Web API payload: {message}")]
    Json {
        /// The file.
        file: String,
        /// What went wrong.
        message: String,
    },
    /// A Web API row lacks a field the import needs, or has it with the wrong type.
    #[error("`{file}` row {row}: field `{field}` is missing or not {expected}")]
    Field {
        /// The file.
        file: String,
        /// The row's index in `value`.
        row: usize,
        /// The field.
        field: &'static str,
        /// The expected type.
        expected: &'static str,
    },
    /// With [`OnUnmapped::Fail`](crate::OnUnmapped::Fail): the first thing that could not be
    /// mapped, and how many there were.
    #[error("{first} ({count} unmapped in all)")]
    Unmapped {
        /// The first entry.
        first: Box<Unmapped>,
        /// How many entries the report would have had.
        count: usize,
    },
    /// The imported document does not build.
    #[error("the imported model does not build: {0}")]
    Model(#[from] ModelError),
    /// A record or share could not be written into the store.
    #[error("`{file}`: record `{record}` cannot be stored: {source}")]
    Store {
        /// The payload file.
        file: String,
        /// The record id.
        record: String,
        /// The store's refusal.
        source: StoreError,
    },
}

/// One thing an import read but could not map, with the file it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unmapped {
    /// The file (relative to the imported folder, or `archive.zip!customizations.xml`).
    pub file: String,
    /// The role, table or row it belongs to, if any (`role `X``, `row 3`).
    pub context: Option<String>,
    /// The item as written (a privilege name, a field value).
    pub item: String,
    /// What is wrong with it.
    pub kind: UnmappedKind,
}

impl fmt::Display for Unmapped {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "`{}`", self.file)?;
        if let Some(context) = &self.context {
            write!(f, ", {context}")?;
        }
        write!(f, ": `{}` {}", self.item, self.kind)
    }
}

/// What is wrong with an [`Unmapped`] item.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum UnmappedKind {
    /// The privilege name does not start with `prv`.
    #[error("is not a privilege name (expected `prv<Verb><table>`)")]
    NotAPrivilegeName,
    /// `prv<Verb><table>` where `<table>` is neither a table of the solution nor a system table
    /// of [`SYSTEM_TABLES`](crate::SYSTEM_TABLES).
    #[error(
        "names no known table (`{table}` is neither in the solution nor a listed system table)"
    )]
    UnknownTable {
        /// The table part as written.
        table: String,
    },
    /// The level is not Basic, Local, Deep, Global or None.
    #[error("has unknown level `{level}` (expected Basic, Local, Deep, Global or None)")]
    UnknownLevel {
        /// The level as written.
        level: String,
    },
    /// The level is not one the table can have (organization-owned tables: Global only).
    #[error("gives level `{level}` on organization-owned table `{table}`, which has Global only")]
    LevelNotApplicable {
        /// The table's logical name.
        table: String,
        /// The level as written.
        level: String,
    },
    /// The privilege does not apply to the table (Assign and Share on a table without owners).
    #[error("names a privilege that does not apply to table `{table}`")]
    PrivilegeNotApplicable {
        /// The table's logical name.
        table: String,
    },
    /// The role names the same privilege twice; the first level is kept.
    #[error("appears twice in the role; the first level is kept")]
    Duplicate,
    /// An entity's `OwnershipTypeMask` is missing or not one the model has.
    #[error("has ownership `{value}` (expected UserOwned, TeamOwned, OrganizationOwned or BusinessOwned); the table is left out")]
    UnknownOwnership {
        /// The value as written.
        value: String,
    },
    /// A Web API row names an id the payloads do not define; the row is left out.
    #[error("names {kind} `{id}`, which the payloads do not define; the row is left out")]
    UnknownReference {
        /// What kind of id.
        kind: &'static str,
        /// The id.
        id: String,
    },
    /// A Web API value the model cannot express; the row or part is left out.
    #[error("{detail}")]
    NotExpressible {
        /// What and why.
        detail: String,
    },
}
