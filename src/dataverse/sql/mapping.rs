//! The application's schema, declared once: which SQL table holds the records of each Dataverse
//! table, which columns hold their id, owner, owning business unit, state and parents, and where
//! the shares are.
//!
//! Nothing here is invented by the library: the names are the application's, and the values the
//! filter compares them with are the names of users, teams and business units *as the model
//! spells them*. A model that names its users by their `systemuserid` GUIDs and a mapping with
//! [`IdType::Uuid`] give a filter over the application's own `uuid` columns.
//!
//! Every table and column name must be a plain SQL identifier (a letter or `_`, then letters,
//! digits or `_`, at most 63 characters; a table may be `schema.table`). The filter always
//! writes them double-quoted, so reserved words are fine and the case is kept as written
//! (`"Account"` is not `account` in PostgreSQL). Anything else is refused when the mapping is
//! compiled ([`SqlMappingError::BadIdentifier`]): no SQL can be smuggled in through a name.

use crate::core::Privilege;

/// The SQL dialect a filter is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Dialect {
    /// PostgreSQL (and compatible databases): `$1` placeholders, sets as one array parameter
    /// compared with `= ANY($n)`.
    Postgres,
    /// SQLite: `?1` placeholders, sets as one JSON array parameter read with
    /// `IN (SELECT value FROM json_each(?n))`.
    Sqlite,
}

/// The SQL type of the id columns (record, owner, business unit, share object and principal).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum IdType {
    /// `text` (or `varchar`): ids are compared as strings.
    Text,
    /// `uuid`: the model's names must be UUIDs (`8-4-4-4-12` hex digits); they are sent as text
    /// and cast to `uuid` in PostgreSQL, stored as text in SQLite.
    Uuid,
    /// `bigint`: the model's names must be decimal 64-bit integers.
    BigInt,
}

/// Where a record table keeps its owner.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum OwnerColumns {
    /// One owner id column and one owner kind column whose values are
    /// [`SqlMapping::principal_kinds`] (Dataverse's `ownerid` and `owneridtype`).
    Kind {
        /// The owner id column.
        id: String,
        /// The owner kind column.
        kind: String,
    },
    /// Separate columns for a user owner and a team owner, one of them `NULL`
    /// (Dataverse's `owninguser` and `owningteam`).
    Split {
        /// The owning user column.
        user: String,
        /// The owning team column.
        team: String,
    },
}

/// A parent link stored in the record table: a column holding the parent record's id through
/// a relationship of the model (for shares cascading from parents, R5.8).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct ParentColumn {
    /// The relationship's id in the model; its child table is the table being mapped.
    pub relationship: String,
    /// The column holding the parent record's id (`NULL` for no parent).
    pub column: String,
}

/// The SQL table holding the records of one Dataverse table.
///
/// Record ids must be unique across all mapped tables (Dataverse's GUIDs are; with `bigint`
/// ids, one sequence for all tables), because the share table names a record by id alone.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct RecordTable {
    /// The SQL table (`name` or `schema.name`).
    pub table: String,
    /// When several Dataverse tables share one SQL table: the column holding the Dataverse
    /// table's name.
    pub table_name_column: Option<String>,
    /// The record id column.
    pub id: String,
    /// The owner columns (unused for an organization-owned table).
    pub owner: OwnerColumns,
    /// The owning business unit column (unused for an organization-owned table).
    pub owning_unit: String,
    /// The state column and the value that means active (Dataverse's `statecode`, 0); without
    /// one every record counts as active.
    pub state: Option<(String, i64)>,
    /// Parent links kept in this table.
    pub parents: Vec<ParentColumn>,
}

impl RecordTable {
    /// A record table with the owner in `owner` columns and the owning unit in `owning_unit`.
    pub fn new(table: &str, id: &str, owner: OwnerColumns, owning_unit: &str) -> Self {
        RecordTable {
            table: table.to_owned(),
            table_name_column: None,
            id: id.to_owned(),
            owner,
            owning_unit: owning_unit.to_owned(),
            state: None,
            parents: Vec::new(),
        }
    }

    /// The same table, shared by several Dataverse tables told apart by `column`.
    pub fn with_table_name_column(mut self, column: &str) -> Self {
        self.table_name_column = Some(column.to_owned());
        self
    }

    /// The same table with a state column whose value `active` means active.
    pub fn with_state(mut self, column: &str, active: i64) -> Self {
        self.state = Some((column.to_owned(), active));
        self
    }

    /// The same table with one more parent column, for relationship `relationship`.
    pub fn with_parent(mut self, relationship: &str, column: &str) -> Self {
        self.parents.push(ParentColumn {
            relationship: relationship.to_owned(),
            column: column.to_owned(),
        });
        self
    }
}

/// The share table, in the shape of Dataverse's `PrincipalObjectAccess`: one row per record and
/// principal, with an access-rights mask ([`access_rights`]).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct ShareTable {
    /// The SQL table.
    pub table: String,
    /// The shared record's id (`objectid`).
    pub object: String,
    /// The principal's id (`principalid`); ignored for organization shares.
    pub principal: String,
    /// The principal's kind (`principaltypecode`), one of [`SqlMapping::principal_kinds`].
    pub principal_kind: String,
    /// The rights mask (`accessrightsmask`), an integer.
    pub rights: String,
    /// For rows the application cascaded from a parent record, that record's id (`NULL` for a
    /// direct share). Without this column every row is a direct share.
    pub inherited_from: Option<String>,
}

impl ShareTable {
    /// A share table with these columns and no inherited-from column.
    pub fn new(table: &str, object: &str, principal: &str, kind: &str, rights: &str) -> Self {
        ShareTable {
            table: table.to_owned(),
            object: object.to_owned(),
            principal: principal.to_owned(),
            principal_kind: kind.to_owned(),
            rights: rights.to_owned(),
            inherited_from: None,
        }
    }

    /// The same table with an inherited-from column.
    pub fn with_inherited_from(mut self, column: &str) -> Self {
        self.inherited_from = Some(column.to_owned());
        self
    }
}

/// The values of owner-kind and principal-kind columns.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct PrincipalKinds {
    /// A user. Default `user`.
    pub user: String,
    /// A team. Default `team`.
    pub team: String,
    /// The whole organization (shares only). Default `organization`.
    pub organization: String,
}

impl PrincipalKinds {
    /// The values a kind column holds for a user, a team and the whole organization.
    pub fn new(user: &str, team: &str, organization: &str) -> Self {
        PrincipalKinds {
            user: user.to_owned(),
            team: team.to_owned(),
            organization: organization.to_owned(),
        }
    }
}

impl Default for PrincipalKinds {
    fn default() -> Self {
        PrincipalKinds {
            user: "user".to_owned(),
            team: "team".to_owned(),
            organization: "organization".to_owned(),
        }
    }
}

/// The application's schema for list filters: record tables, share table, id type, dialect.
///
/// Declared once, compiled against a policy with
/// [`SqlFilters::new`](super::SqlFilters::new), which checks every name.
///
/// ```
/// use accessgate::dataverse::*;
///
/// let mapping = SqlMapping::new(Dialect::Postgres, IdType::Uuid)
///     .table("account", RecordTable::new(
///         "crm.account",
///         "accountid",
///         OwnerColumns::Kind { id: "ownerid".into(), kind: "owneridtype".into() },
///         "owningbusinessunit",
///     ).with_state("statecode", 0))
///     .shares(ShareTable::new(
///         "crm.principalobjectaccess", "objectid", "principalid", "principaltypecode",
///         "accessrightsmask",
///     ).with_inherited_from("inheritedfrom"));
/// assert_eq!(mapping.dialect(), Dialect::Postgres);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SqlMapping {
    pub(crate) dialect: Dialect,
    pub(crate) id_type: IdType,
    pub(crate) tables: Vec<(String, RecordTable)>,
    pub(crate) shares: Option<ShareTable>,
    pub(crate) kinds: PrincipalKinds,
}

impl SqlMapping {
    /// An empty mapping in `dialect` with ids of `id_type`.
    pub fn new(dialect: Dialect, id_type: IdType) -> Self {
        SqlMapping {
            dialect,
            id_type,
            tables: Vec::new(),
            shares: None,
            kinds: PrincipalKinds::default(),
        }
    }

    /// Maps the Dataverse table `dataverse_table` (its id in the model) to `table`.
    pub fn table(mut self, dataverse_table: &str, table: RecordTable) -> Self {
        self.tables.push((dataverse_table.to_owned(), table));
        self
    }

    /// Declares the share table. Without one, filters ignore shares: correct only when the
    /// application has none.
    pub fn shares(mut self, shares: ShareTable) -> Self {
        self.shares = Some(shares);
        self
    }

    /// Sets the owner-kind and principal-kind values.
    pub fn principal_kinds(mut self, kinds: PrincipalKinds) -> Self {
        self.kinds = kinds;
        self
    }

    /// The dialect.
    pub fn dialect(&self) -> Dialect {
        self.dialect
    }

    /// The id type.
    pub fn id_type(&self) -> IdType {
        self.id_type
    }
}

/// Dataverse's `AccessRights` bits for a privilege set, as stored in
/// `PrincipalObjectAccess.accessrightsmask`: Read 1, Write 2, Append 4, Append To 16,
/// Create 32, Delete 65536, Share 262144, Assign 524288.
///
/// ```
/// use accessgate::dataverse::access_rights;
/// use accessgate::Privilege;
///
/// assert_eq!(access_rights(Privilege::READ | Privilege::WRITE), 3);
/// assert_eq!(access_rights(Privilege::ASSIGN), 524_288);
/// ```
pub fn access_rights(privileges: Privilege) -> i64 {
    const BITS: [(Privilege, i64); 8] = [
        (Privilege::READ, 1),
        (Privilege::WRITE, 2),
        (Privilege::APPEND, 4),
        (Privilege::APPEND_TO, 16),
        (Privilege::CREATE, 32),
        (Privilege::DELETE, 65_536),
        (Privilege::SHARE, 262_144),
        (Privilege::ASSIGN, 524_288),
    ];
    BITS.iter()
        .filter(|(p, _)| privileges.contains(*p))
        .fold(0, |mask, (_, bit)| mask | bit)
}

/// Why a mapping does not fit a policy. Nothing is compiled.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SqlMappingError {
    /// A table or column name is not a plain identifier.
    #[error("`{name}` is not a plain SQL identifier (letters, digits and `_`, not starting with a digit, at most 63 characters; `schema.table` for tables)")]
    BadIdentifier {
        /// The name.
        name: String,
    },
    /// The mapping names a Dataverse table the model does not have.
    #[error("the mapping names table `{table}`, which the model does not have")]
    UnknownTable {
        /// The table id.
        table: String,
    },
    /// The mapping names a Dataverse table twice.
    #[error("table `{table}` is mapped twice")]
    DuplicateTable {
        /// The table id.
        table: String,
    },
    /// A parent column names a relationship the model does not have, or one whose child table
    /// is not the mapped table.
    #[error("table `{table}` has a parent column for relationship `{relationship}`, which is not a relationship of the model with `{table}` as child")]
    BadRelationship {
        /// The table id.
        table: String,
        /// The relationship id.
        relationship: String,
    },
    /// A model name cannot be an id of the mapping's type.
    #[error("{kind} `{name}` is not a valid {id_type:?} id")]
    BadId {
        /// What the name is of.
        kind: &'static str,
        /// The name.
        name: String,
        /// The id type expected.
        id_type: IdType,
    },
}

/// Checks a column name: one plain identifier.
pub(crate) fn column(name: &str) -> Result<String, SqlMappingError> {
    if plain(name) {
        Ok(format!("\"{name}\""))
    } else {
        Err(SqlMappingError::BadIdentifier {
            name: name.to_owned(),
        })
    }
}

/// Checks a table name: a plain identifier, or two joined by a dot.
pub(crate) fn table(name: &str) -> Result<String, SqlMappingError> {
    let mut parts = name.split('.');
    match (parts.next(), parts.next(), parts.next()) {
        (Some(t), None, None) => column(t),
        (Some(s), Some(t), None) => Ok(format!("{}.{}", column(s)?, column(t)?)),
        _ => Err(SqlMappingError::BadIdentifier {
            name: name.to_owned(),
        }),
    }
}

fn plain(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        && name.len() <= 63
}

/// Whether `name` is a UUID in its textual form.
pub(crate) fn is_uuid(name: &str) -> bool {
    let b = name.as_bytes();
    b.len() == 36
        && b.iter().enumerate().all(|(i, &c)| match i {
            8 | 13 | 18 | 23 => c == b'-',
            _ => c.is_ascii_hexdigit(),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Names that could carry SQL are refused; plain ones are quoted.
    #[test]
    fn identifiers_are_plain_or_refused() {
        assert_eq!(column("ownerid"), Ok("\"ownerid\"".to_owned()));
        assert_eq!(table("crm.account"), Ok("\"crm\".\"account\"".to_owned()));
        for bad in [
            "",
            "1a",
            "a b",
            "a\"b",
            "a;drop table x",
            "a.b.c",
            "a--",
            "é",
        ] {
            assert!(table(bad).is_err(), "{bad}");
        }
        assert!(column(&"a".repeat(64)).is_err());
    }

    /// UUIDs are recognised by shape.
    #[test]
    fn uuid_shape() {
        assert!(is_uuid("0b8e3c1a-1d2e-4f00-8a9b-0123456789ab"));
        assert!(!is_uuid("0b8e3c1a-1d2e-4f00-8a9b-0123456789a"));
        assert!(!is_uuid("0b8e3c1a'1d2e-4f00-8a9b-0123456789ab"));
    }
}
