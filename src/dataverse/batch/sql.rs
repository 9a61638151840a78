//! Rendering an [`AccessFilter`] as a SQL `WHERE` clause with bound parameters.

use std::fmt::Write as _;

use super::{AccessFilter, DataversePolicy, Scope};

/// The table layout [`AccessFilter::to_sql`] is written against (SQLite syntax; the clause
/// itself is plain SQL with `?` placeholders).
///
/// * `id`: the record's dense id ([`RecordId::index`](crate::dataverse::RecordId::index));
/// * `table_name`: the name of the record's table;
/// * `owner_user`: the owning user's dense id ([`UserId::index`](crate::dataverse::UserId::index)),
///   `NULL` when a team owns the record or it is organization-owned;
/// * `owner_team`: the owning team's dense id, `NULL` otherwise;
/// * `owning_unit_pre`: the pre-order number of the record's owning business unit
///   ([`DataversePolicy::business_unit_pre_order`]), `NULL` for organization-owned records.
///
/// Dense ids and pre-order numbers belong to one compiled policy: they are stable while the
/// model lists its entities in the same order, and must be rewritten when the unit tree
/// changes. [`DataversePolicy::record_row`] gives the row of a record.
pub const RECORDS_SCHEMA: &str = "CREATE TABLE records (
    id INTEGER PRIMARY KEY,
    table_name TEXT NOT NULL,
    owner_user INTEGER,
    owner_team INTEGER,
    owning_unit_pre INTEGER
)";

/// A value bound to a `?` placeholder.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum SqlValue {
    /// An integer (an id or a pre-order number).
    Integer(i64),
    /// A text (a table name).
    Text(String),
}

/// A SQL boolean expression over [`RECORDS_SCHEMA`]'s columns and the values for its `?`
/// placeholders, in order. No value is ever written into the text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SqlWhere {
    sql: String,
    params: Vec<SqlValue>,
}

impl SqlWhere {
    /// The expression, to put after `WHERE`.
    pub fn sql(&self) -> &str {
        &self.sql
    }

    /// The values of the placeholders, in order of appearance.
    pub fn params(&self) -> &[SqlValue] {
        &self.params
    }
}

/// Appends `column IN (?, ?, …)` for `values`.
fn in_list(sql: &mut String, params: &mut Vec<SqlValue>, column: &str, values: &[i64]) {
    // Writing to a String cannot fail.
    let _ = write!(sql, "{column} IN (");
    for (i, v) in values.iter().enumerate() {
        sql.push_str(if i == 0 { "?" } else { ", ?" });
        params.push(SqlValue::Integer(*v));
    }
    sql.push(')');
}

impl AccessFilter {
    /// The filter as a SQL `WHERE` clause over [`RECORDS_SCHEMA`], with bound parameters.
    ///
    /// A row satisfies the clause exactly when [`matches_row`](Self::matches_row) says so, and
    /// that is [`DataversePolicy::check`]'s decision for the record. The shape is
    ///
    /// ```sql
    /// table_name = ? AND (owning_unit_pre >= ? AND owning_unit_pre < ?   -- one per unit range
    ///                     OR owner_user = ?
    ///                     OR owner_team IN (?, …)
    ///                     OR id IN (?, …))                               -- listed records
    /// ```
    ///
    /// `table_name = ?` alone for [`Scope::Everything`], and `1 = 0` for [`Scope::Nothing`].
    /// Many listed records make many placeholders (SQLite allows 32,766 by default); a caller
    /// expecting more can load [`listed_records`](Self::listed_records) into a temporary table
    /// instead.
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
    /// let alice = policy.user_id("alice").ok_or("no alice")?;
    /// let account = policy.table_id("account").ok_or("no account")?;
    /// let clause = policy.access_filter(alice, Privilege::READ, account).to_sql(&policy);
    /// assert_eq!(
    ///     clause.sql(),
    ///     "table_name = ? AND (owning_unit_pre >= ? AND owning_unit_pre < ? OR owner_user = ?)"
    /// );
    /// assert_eq!(clause.params(), [
    ///     SqlValue::Text("account".into()),
    ///     SqlValue::Integer(0),
    ///     SqlValue::Integer(2),
    ///     SqlValue::Integer(alice.index() as i64),
    /// ]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn to_sql(&self, policy: &DataversePolicy) -> SqlWhere {
        let mut sql = String::new();
        let mut params = Vec::new();
        match self.scope {
            Scope::Nothing => sql.push_str("1 = 0"),
            Scope::Everything => {
                sql.push_str("table_name = ?");
                params.push(SqlValue::Text(policy.table_name(self.table).to_owned()));
            }
            Scope::Parts => {
                sql.push_str("table_name = ? AND (");
                params.push(SqlValue::Text(policy.table_name(self.table).to_owned()));
                let mut first = true;
                let mut or = |sql: &mut String| {
                    if !first {
                        sql.push_str(" OR ");
                    }
                    first = false;
                };
                for r in &self.unit_ranges {
                    or(&mut sql);
                    if r.end == r.start + 1 {
                        sql.push_str("owning_unit_pre = ?");
                    } else {
                        sql.push_str("owning_unit_pre >= ? AND owning_unit_pre < ?");
                        params.push(SqlValue::Integer(i64::from(r.start)));
                        params.push(SqlValue::Integer(i64::from(r.end)));
                        continue;
                    }
                    params.push(SqlValue::Integer(i64::from(r.start)));
                }
                if let Some(u) = self.owner_user {
                    or(&mut sql);
                    sql.push_str("owner_user = ?");
                    params.push(SqlValue::Integer(i64::from(u.0)));
                }
                if !self.owner_teams.is_empty() {
                    or(&mut sql);
                    let teams: Vec<i64> = self.owner_teams.iter().map(|t| i64::from(t.0)).collect();
                    in_list(&mut sql, &mut params, "owner_team", &teams);
                }
                if !self.records.is_empty() {
                    or(&mut sql);
                    let ids: Vec<i64> = self
                        .records
                        .iter()
                        .map(|r| i64::try_from(r.0).unwrap_or(i64::MAX))
                        .collect();
                    in_list(&mut sql, &mut params, "id", &ids);
                }
                sql.push(')');
            }
        }
        SqlWhere { sql, params }
    }
}
