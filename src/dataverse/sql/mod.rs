//! List filters as SQL on the application's own schema.
//!
//! "Which accounts may alice read?" is a question about millions of rows that live in the
//! application's database, not in this process. A [`SqlFilter`] answers it where the data is: a
//! boolean SQL expression over the application's record table, with typed parameters, that lets
//! a row through exactly when [`DataversePolicy::check_facts`](super::DataversePolicy::check_facts)
//! allows the record the row describes.
//!
//! # How to use it
//!
//! 1. Declare the schema once in a [`SqlMapping`]: the SQL table of each Dataverse table, its
//!    id, owner, owning-unit, state and parent columns, the share table
//!    (`PrincipalObjectAccess`-shaped, rights as [`access_rights`] bits), the id type and the
//!    dialect.
//! 2. Compile it against a policy with [`SqlFilters::new`]; every name is checked and every
//!    user, team and business unit name converted to an id of the mapping's type once.
//! 3. For each list request, [`SqlFilters::filter`] gives the clause and its parameters in a few
//!    microseconds; run `SELECT … FROM <table> WHERE <clause>` with them.
//!
//! The library writes text and [`SqlValue`]s and never talks to a database: an adapter turns
//! the values into its client's parameters (the `examples-sql` workspace member does it for the
//! `postgres` crate and for rusqlite).
//!
//! # The clause
//!
//! Everything a decision reads that does not depend on the record is worked out in Rust; what
//! does depend on it becomes a comparison with a set, passed as **one** parameter whatever its
//! size (`= ANY($n)` in PostgreSQL, `IN (SELECT value FROM json_each(?n))` in SQLite):
//!
//! ```sql
//! "account"."owningbusinessunit" = ANY($1::text[])           -- Business Unit, Parent: Child levels
//! OR "account"."ownerid" = $2::text                          -- owner
//! OR "account"."ownerid" = ANY($3::text[])                   -- owner teams
//! OR "account"."accountid" = ANY(ARRAY(SELECT s."objectid" FROM "poa" AS s
//!        WHERE (s."accessrightsmask" & 1) <> 0 AND (<the user's activated principals>)))
//! OR "account"."accountid" = ANY(ARRAY(WITH RECURSIVE …))    -- shares cascading from parents
//! OR "account"."ownerid" = ANY($5::text[]) …                 -- hierarchy security: reports
//! ```
//!
//! Each branch is a comparison of one indexed column with a parameter or with an array computed
//! once per query (an `InitPlan`), so PostgreSQL can answer the whole `OR` with a `BitmapOr` of
//! index scans and no filter over the fetched rows; see [`SqlFilters`] for the indexes to
//! create. An owner kind column is compared too (`AND "owneridtype" = 'user'`) only when some
//! user and some team of the model have the same id (never with GUIDs); then index the owner
//! id and kind together. Cascaded shares walk down the parent columns, in PostgreSQL one
//! `LATERAL` index lookup of the children per record reached, never a scan of a child table. A filter never lists record ids
//! and uses at most [`MAX_PLACEHOLDERS`] placeholders, whatever the size of the model or the
//! tables.
//!
//! # What the clause assumes of the rows
//!
//! The rows must be valid record facts for the configuration: an owner the model knows, of the
//! kind the kind column says, a known owning unit, and, outside matrix mode, the owner's own
//! unit as owning unit (Dataverse maintains all of this). A decision denies a record whose facts
//! break these rules; the clause does not look for such data errors. Cascaded shares are found
//! within [`cascade_depth`](super::DataverseOptions::cascade_depth) levels like a decision,
//! which additionally stops after [`VISIT_LIMIT`](super::VISIT_LIMIT) ancestors.

mod cascade;
mod filter;
mod mapping;
mod plan;
mod render;

pub use filter::{SqlFilter, SqlFilters, SqlValue, MAX_PLACEHOLDERS};
pub use mapping::{
    access_rights, Dialect, IdType, OwnerColumns, ParentColumn, PrincipalKinds, RecordTable,
    ShareTable, SqlMapping, SqlMappingError,
};
