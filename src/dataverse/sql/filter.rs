//! Compiling a [`SqlMapping`] against a policy, and the filters it hands out.

use crate::core::Privilege;

use super::mapping::{self, Dialect, IdType, OwnerColumns, SqlMapping, SqlMappingError};
use super::plan::{self, Downwards};
use super::render;
use crate::dataverse::configuration::model::Cascade;
use crate::dataverse::configuration::policy::{DataversePolicy, TableId, UserId};

/// The most placeholders a [`SqlFilter`] uses, whatever the size of the model: one per set
/// (owning units, owner teams, ownership units under A5, team and unit pairs, share teams,
/// reports, report teams) plus the user.
pub const MAX_PLACEHOLDERS: usize = 10;

/// A value bound to a placeholder of a [`SqlFilter`].
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SqlValue {
    /// A text id (PostgreSQL `text`, SQLite `TEXT`).
    Text(String),
    /// A 64-bit integer id.
    Int(i64),
    /// A UUID in its textual form; the clause casts it (`$n::text::uuid`), so send it as text.
    Uuid(String),
    /// An array of text ids (PostgreSQL `text[]`; UUIDs too, cast in the clause).
    TextArray(Vec<String>),
    /// An array of integer ids (PostgreSQL `int8[]`).
    IntArray(Vec<i64>),
    /// A JSON array, as text, for SQLite's `json_each`.
    Json(String),
}

/// A compiled list filter: a boolean SQL expression over one record table and the values of its
/// placeholders.
///
/// The expression refers to the record table by its full quoted name; put it after
/// `FROM <`[`table`](Self::table)`> WHERE`, or use [`select_ids`](Self::select_ids).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SqlFilter {
    pub(crate) table: String,
    pub(crate) id: String,
    pub(crate) sql: String,
    pub(crate) params: Vec<SqlValue>,
}

impl SqlFilter {
    /// The expression, to put after `WHERE`.
    pub fn sql(&self) -> &str {
        &self.sql
    }

    /// The values of the placeholders `$1`, `$2`, … (`?1`, `?2`, … in SQLite), in order.
    pub fn params(&self) -> &[SqlValue] {
        &self.params
    }

    /// The record table, quoted, to put after `FROM`.
    pub fn table(&self) -> &str {
        &self.table
    }

    /// `SELECT <id column> FROM <table> WHERE <expression>`: the ids of the allowed records.
    pub fn select_ids(&self) -> String {
        format!("SELECT {} FROM {} WHERE {}", self.id, self.table, self.sql)
    }

    /// The expression and the values.
    pub fn into_parts(self) -> (String, Vec<SqlValue>) {
        (self.sql, self.params)
    }
}

/// Ids of one kind of entity in the mapping's type, by dense id (units: by pre-order number).
#[derive(Debug, Clone)]
pub(crate) enum Ids {
    Text(Vec<String>),
    Int(Vec<i64>),
}

/// The owner of a record table, as qualified column references.
#[derive(Debug, Clone)]
pub(crate) enum OwnerSql {
    Kind { id: String, kind: String },
    Split { user: String, team: String },
}

/// One mapped record table, its names checked and quoted.
#[derive(Debug, Clone)]
pub(crate) struct TableSql {
    pub(crate) table: String,
    /// `"t"."table_name" = 'account'` when tables share the SQL table.
    pub(crate) only_this: Option<String>,
    pub(crate) id: String,
    pub(crate) owner: OwnerSql,
    pub(crate) unit: String,
    /// The recursive part of the cascade walk (see `cascade`): seeds' prefixes and the edges.
    pub(crate) cascade: Option<super::cascade::Cascade>,
}

/// The share table, its names checked and quoted (columns for alias `s`).
#[derive(Debug, Clone)]
pub(crate) struct SharesSql {
    pub(crate) table: String,
    pub(crate) object: String,
    pub(crate) principal: String,
    pub(crate) kind: String,
    pub(crate) rights: String,
    pub(crate) inherited_from: Option<String>,
}

/// A [`SqlMapping`] compiled against one policy: hands out [`SqlFilter`]s.
///
/// A filter lets a row through exactly when [`DataversePolicy::check_facts`] allows the record
/// the row describes, provided the rows are valid facts (an owner the model knows, of the kind
/// the kind column says, a known owning unit which outside matrix mode is the owner's own unit),
/// and record ids are unique across mapped tables. Cascaded shares are followed
/// [`cascade_depth`](crate::dataverse::DataverseOptions::cascade_depth) levels, as a decision
/// does (a decision also stops after [`VISIT_LIMIT`](crate::dataverse::VISIT_LIMIT) ancestors).
///
/// # Indexes
///
/// The filter is written so that each branch of its `OR` can use one index; create them:
///
/// ```sql
/// CREATE INDEX ON account (owningbusinessunit);        -- levels
/// CREATE INDEX ON account (ownerid);                   -- owner, owner teams, reports
///                                                      -- (ownerid, owneridtype) if a user and
///                                                      -- a team may share an id
/// CREATE INDEX ON account (parentaccountid);           -- each parent column (cascaded shares)
/// CREATE INDEX ON poa (principalid, objectid);          -- the user's shares
/// CREATE INDEX ON poa (objectid);                      -- record id lookups from shares
/// ```
///
/// and the record id as primary key. With one SQL table for several Dataverse tables, lead each
/// index with the table-name column. Run `ANALYZE` after bulk loads so PostgreSQL knows the
/// sets are small.
///
/// ```
/// use accessgate::dataverse::*;
/// use accessgate::{AccessLevel, Privilege};
///
/// let mut model = DataverseModel::default();
/// model.business_units.push(BusinessUnitDef::root("contoso"));
/// model.business_units.push(BusinessUnitDef::child("sales", "contoso"));
/// model.tables.push(TableDef::user_owned("account"));
/// model.roles.push(RoleDef::new("rep").grant("account", Privilege::READ, AccessLevel::ParentChild));
/// model.users.push(UserDef::new("alice", "contoso"));
/// model.role_assignments.push(RoleAssignmentDef::user("alice", "rep"));
/// let policy = model.build()?;
///
/// let mapping = SqlMapping::new(Dialect::Postgres, IdType::Text).table("account", RecordTable::new(
///     "account", "accountid",
///     OwnerColumns::Kind { id: "ownerid".into(), kind: "owneridtype".into() },
///     "owningbusinessunit",
/// ));
/// let filters = SqlFilters::new(&policy, &mapping)?;
/// let alice = policy.user_id("alice").ok_or("no alice")?;
/// let account = policy.table_id("account").ok_or("no account")?;
/// let filter = filters.filter(alice, Privilege::READ, account);
/// assert_eq!(filter.sql(), "\"account\".\"owningbusinessunit\" = ANY($1::text[]) \
///     OR \"account\".\"ownerid\" = $2::text");
/// assert_eq!(filter.params(), [
///     SqlValue::TextArray(vec!["contoso".into(), "sales".into()]),
///     SqlValue::Text("alice".into()),
/// ]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct SqlFilters {
    pub(crate) policy: DataversePolicy,
    pub(crate) down: Downwards,
    pub(crate) dialect: Dialect,
    pub(crate) id_type: IdType,
    pub(crate) tables: Vec<Option<TableSql>>,
    pub(crate) shares: Option<SharesSql>,
    /// Quoted literals of the user, team and organization kinds.
    pub(crate) kinds: [String; 3],
    /// Some user and some team have the same id, so an owner id alone does not say whether a
    /// user or a team owns the record: owner tests also compare the owner kind column.
    pub(crate) kinds_overlap: bool,
    pub(crate) users: Ids,
    pub(crate) teams: Ids,
    pub(crate) units_by_pre: Ids,
}

/// A checked literal: plain characters only, so quoting cannot be escaped.
pub(crate) fn literal(value: &str) -> Result<String, SqlMappingError> {
    if !value.is_empty()
        && value.len() <= 63
        && value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    {
        Ok(format!("'{value}'"))
    } else {
        Err(SqlMappingError::BadIdentifier {
            name: value.to_owned(),
        })
    }
}

fn ids<'a>(
    kind: &'static str,
    id_type: IdType,
    names: impl Iterator<Item = &'a str>,
) -> Result<Ids, SqlMappingError> {
    let bad = |name: &str| SqlMappingError::BadId {
        kind,
        name: name.to_owned(),
        id_type,
    };
    match id_type {
        IdType::Text => Ok(Ids::Text(names.map(str::to_owned).collect())),
        IdType::Uuid => names
            .map(|n| {
                if mapping::is_uuid(n) {
                    Ok(n.to_owned())
                } else {
                    Err(bad(n))
                }
            })
            .collect::<Result<_, _>>()
            .map(Ids::Text),
        IdType::BigInt => names
            .map(|n| n.parse::<i64>().map_err(|_| bad(n)))
            .collect::<Result<_, _>>()
            .map(Ids::Int),
    }
}

impl SqlFilters {
    /// Compiles `mapping` against `policy`: checks every table and column name, the mapped
    /// tables and relationships, and converts every user, team and business unit name into an
    /// id of the mapping's type.
    ///
    /// Cost: linear in the number of users, teams and units; do it once per policy.
    ///
    /// # Errors
    ///
    /// [`SqlMappingError`] when a name is not a plain identifier, a mapped table or
    /// relationship is not in the model, or a model name is not an id of the mapping's type.
    pub fn new(
        policy: &DataversePolicy,
        mapping: &SqlMapping,
    ) -> Result<SqlFilters, SqlMappingError> {
        let kinds = [
            literal(&mapping.kinds.user)?,
            literal(&mapping.kinds.team)?,
            literal(&mapping.kinds.organization)?,
        ];
        let shares = mapping
            .shares
            .as_ref()
            .map(|s| {
                Ok::<_, SqlMappingError>(SharesSql {
                    table: mapping::table(&s.table)?,
                    object: mapping::column(&s.object)?,
                    principal: mapping::column(&s.principal)?,
                    kind: mapping::column(&s.principal_kind)?,
                    rights: mapping::column(&s.rights)?,
                    inherited_from: s
                        .inherited_from
                        .as_deref()
                        .map(mapping::column)
                        .transpose()?,
                })
            })
            .transpose()?;
        let id_type = mapping.id_type;
        let units = policy.tree.len();
        let mut by_pre = vec![0u32; units];
        for unit in 0..units as u32 {
            if let Some(slot) = policy
                .tree
                .interval(unit)
                .and_then(|(pre, _)| by_pre.get_mut(pre as usize))
            {
                *slot = unit;
            }
        }
        let names = &policy.names;
        let user_names: std::collections::HashSet<&str> = (0..policy.users.len() as u32)
            .map(|u| names.users.name(u))
            .collect();
        let kinds_overlap =
            (0..policy.teams.len() as u32).any(|t| user_names.contains(names.teams.name(t)));
        let mut filters = SqlFilters {
            policy: policy.clone(),
            down: Downwards::new(policy),
            dialect: mapping.dialect,
            id_type,
            tables: vec![None; policy.tables.len()],
            shares,
            kinds,
            kinds_overlap,
            users: ids(
                "user",
                id_type,
                (0..policy.users.len() as u32).map(|u| names.users.name(u)),
            )?,
            teams: ids(
                "team",
                id_type,
                (0..policy.teams.len() as u32).map(|t| names.teams.name(t)),
            )?,
            units_by_pre: ids(
                "business unit",
                id_type,
                by_pre.iter().map(|&u| names.business_units.name(u)),
            )?,
        };
        filters.tables(mapping)?;
        Ok(filters)
    }

    /// Checks and quotes the record tables, then prepares each one's cascade walk.
    fn tables(&mut self, mapping: &SqlMapping) -> Result<(), SqlMappingError> {
        for (name, t) in &mapping.tables {
            let Some(id) = self.policy.table_id(name) else {
                return Err(SqlMappingError::UnknownTable {
                    table: name.clone(),
                });
            };
            let quoted = mapping::table(&t.table)?;
            let col = |c: &str| mapping::column(c).map(|c| format!("{quoted}.{c}"));
            let only_this = match &t.table_name_column {
                Some(c) => Some(format!("{} = {}", col(c)?, literal(name)?)),
                None => None,
            };
            let owner = match &t.owner {
                OwnerColumns::Kind { id, kind } => OwnerSql::Kind {
                    id: col(id)?,
                    kind: col(kind)?,
                },
                OwnerColumns::Split { user, team } => OwnerSql::Split {
                    user: col(user)?,
                    team: col(team)?,
                },
            };
            for p in &t.parents {
                mapping::column(&p.column)?;
                let fits = self
                    .policy
                    .relationship_id(&p.relationship)
                    .and_then(|r| self.policy.relationships.get(r.index()))
                    .is_some_and(|r| r.child_table == id.0);
                if !fits {
                    return Err(SqlMappingError::BadRelationship {
                        table: name.clone(),
                        relationship: p.relationship.clone(),
                    });
                }
            }
            let slot =
                self.tables
                    .get_mut(id.index())
                    .ok_or_else(|| SqlMappingError::UnknownTable {
                        table: name.clone(),
                    })?;
            if slot.is_some() {
                return Err(SqlMappingError::DuplicateTable {
                    table: name.clone(),
                });
            }
            *slot = Some(TableSql {
                id: col(&t.id)?,
                unit: col(&t.owning_unit)?,
                table: quoted,
                only_this,
                owner,
                cascade: None,
            });
        }
        let edges = super::cascade::edges(self, mapping)?;
        for t in 0..self.tables.len() {
            let cascade = super::cascade::cascade_for(self, &edges, t as u32);
            if let Some(Some(table)) = self.tables.get_mut(t) {
                table.cascade = cascade;
            }
        }
        Ok(())
    }

    /// The filter for `user`, `privilege` and `table`: the rows of the table's record table
    /// that [`DataversePolicy::check_facts`] allows, under the assumptions stated on
    /// [`SqlFilters`].
    ///
    /// A table the mapping does not name, an unknown user, Create or several privileges at
    /// once give the expression `1 = 0`, as a decision denies them.
    pub fn filter(&self, user: UserId, privilege: Privilege, table: TableId) -> SqlFilter {
        let plan = plan::plan(&self.policy, &self.down, user, privilege, table);
        render::render(self, &plan, user, privilege, table)
    }

    /// The policy the filters are for.
    pub fn policy(&self) -> &DataversePolicy {
        &self.policy
    }

    /// How shares cascade along a relationship, as the cascade walk reads it.
    pub(crate) fn cascade_code(cascade: Cascade) -> Option<u8> {
        match cascade {
            Cascade::All => Some(1),
            Cascade::Active => Some(2),
            Cascade::UserOwned => Some(3),
            Cascade::None => None,
        }
    }
}

#[cfg(test)]
mod issue_13 {
    use crate::core::{AccessLevel, Privilege};
    use crate::dataverse::*;

    fn sql(team: &str) -> String {
        let mut model = DataverseModel::default();
        model.business_units.push(BusinessUnitDef::root("contoso"));
        model.tables.push(TableDef::user_owned("account"));
        model
            .roles
            .push(RoleDef::new("rep").grant("account", Privilege::READ, AccessLevel::User));
        model.users.push(UserDef::new("alice", "contoso"));
        model
            .teams
            .push(TeamDef::owner(team, "contoso", &["alice"]));
        model
            .role_assignments
            .push(RoleAssignmentDef::user("alice", "rep"));
        let Ok(policy) = model.build() else {
            return String::new();
        };
        let mapping = SqlMapping::new(Dialect::Postgres, IdType::Text).table(
            "account",
            RecordTable::new(
                "account",
                "id",
                OwnerColumns::Kind {
                    id: "owner".into(),
                    kind: "kind".into(),
                },
                "unit",
            ),
        );
        let (Ok(filters), Some(alice), Some(account)) = (
            SqlFilters::new(&policy, &mapping),
            policy.user_id("alice"),
            policy.table_id("account"),
        ) else {
            return String::new();
        };
        filters
            .filter(alice, Privilege::READ, account)
            .into_parts()
            .0
    }

    /// The owner kind column is compared only when a user and a team share an id; otherwise
    /// owner branches are bare index conditions (a filter over the whole `OR` cost PostgreSQL
    /// 6x at 10 M rows).
    #[test]
    fn owner_kind_compared_only_when_ids_overlap() {
        assert_eq!(
            sql("sales"),
            "\"account\".\"owner\" = $1::text OR \"account\".\"owner\" = ANY($2::text[])"
        );
        assert_eq!(
            sql("alice"),
            "(\"account\".\"owner\" = $1::text AND \"account\".\"kind\" = 'user') \
             OR (\"account\".\"owner\" = ANY($2::text[]) AND \"account\".\"kind\" = 'team')"
        );
    }
}
