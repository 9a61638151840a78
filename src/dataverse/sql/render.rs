//! Writing a plan as SQL text with numbered placeholders, in PostgreSQL or SQLite.
//!
//! Names come from the compiled mapping (checked plain identifiers, always double-quoted);
//! constants the library owns (privilege bits, depths, table numbers, the kind values, checked
//! plain) are written as literals; every id of the model travels as a parameter, a set as one
//! array (PostgreSQL) or one JSON text (SQLite). Placeholders are numbered (`$n`, `?n`) so a
//! set used twice (shares and cascaded shares) is bound once.
//!
//! Shares cascading from parents (R5.8) are found top-down by a recursive query: start from the
//! records of the parent tables that carry an activating direct share, follow each mapped parent
//! column down while the relationship's cascade lets the hop through (`all`; `active` when the
//! child is active; `user_owned` when the child is owned by the user who owns the shared record),
//! at most `cascade_depth` hops: the walk a decision does upwards, reversed. In PostgreSQL each hop
//! is a `LATERAL` union of one arm per parent column, `WHERE ch.<parent> = c.id`, so it costs
//! index lookups of the children of the records reached, never a scan of a child table; the
//! seeds are an array of shared ids looked up through the primary key. SQLite joins the arms
//! on their columns (it has no `LATERAL`).

use std::fmt::Write as _;

use crate::core::Privilege;

use super::access_rights;
use super::filter::{Ids, OwnerSql, SqlFilter, SqlFilters, SqlValue};
use super::mapping::{Dialect, IdType};
use super::plan::{Plan, Reach};
use crate::dataverse::configuration::policy::{TableId, UserId};

/// Placeholders and their values.
struct Params<'a> {
    f: &'a SqlFilters,
    values: Vec<SqlValue>,
}

impl Params<'_> {
    fn push(&mut self, value: SqlValue, pg_cast: &str) -> String {
        self.values.push(value);
        let n = self.values.len();
        match self.f.dialect {
            Dialect::Postgres => format!("${n}{pg_cast}"),
            Dialect::Sqlite => format!("?{n}"),
        }
    }

    /// One id of `ids`, cast to the id type.
    fn one(&mut self, ids: &Ids, index: u32) -> String {
        let (value, cast) = match (ids, self.f.id_type) {
            (Ids::Int(v), _) => (
                SqlValue::Int(v.get(index as usize).copied().unwrap_or(i64::MIN)),
                "::int8",
            ),
            (Ids::Text(v), IdType::Uuid) => (
                SqlValue::Uuid(v.get(index as usize).cloned().unwrap_or_default()),
                "::text::uuid",
            ),
            (Ids::Text(v), IdType::Text | IdType::BigInt) => (
                SqlValue::Text(v.get(index as usize).cloned().unwrap_or_default()),
                "::text",
            ),
        };
        self.push(value, cast)
    }

    /// A set of ids of `ids` as one array parameter; returns the membership test for `column`.
    fn set(&mut self, column: &str, ids: &Ids, indices: impl Iterator<Item = u32>) -> String {
        let ph = self.array(ids, indices);
        self.member(column, &ph)
    }

    fn member(&self, column: &str, ph: &str) -> String {
        match self.f.dialect {
            Dialect::Postgres => format!("{column} = ANY({ph})"),
            Dialect::Sqlite => format!("{column} IN (SELECT value FROM json_each({ph}))"),
        }
    }

    fn array(&mut self, ids: &Ids, indices: impl Iterator<Item = u32>) -> String {
        let (value, cast) = match (self.f.dialect, ids) {
            (Dialect::Postgres, Ids::Int(v)) => (
                SqlValue::IntArray(indices.filter_map(|i| v.get(i as usize).copied()).collect()),
                "::int8[]",
            ),
            (Dialect::Postgres, Ids::Text(v)) => (
                SqlValue::TextArray(indices.filter_map(|i| v.get(i as usize).cloned()).collect()),
                if self.f.id_type == IdType::Uuid {
                    "::text[]::uuid[]"
                } else {
                    "::text[]"
                },
            ),
            (Dialect::Sqlite, ids) => {
                let mut json = String::from("[");
                for (k, i) in indices.enumerate() {
                    if k > 0 {
                        json.push(',');
                    }
                    json_id(&mut json, ids, i);
                }
                json.push(']');
                (SqlValue::Json(json), "")
            }
        };
        self.push(value, cast)
    }
}

/// Appends one id as a JSON value.
fn json_id(out: &mut String, ids: &Ids, index: u32) {
    match ids {
        Ids::Int(v) => {
            let _ = write!(
                out,
                "{}",
                v.get(index as usize).copied().unwrap_or(i64::MIN)
            );
        }
        Ids::Text(v) => {
            out.push('"');
            for c in v.get(index as usize).map_or("", String::as_str).chars() {
                match c {
                    '"' => out.push_str("\\\""),
                    '\\' => out.push_str("\\\\"),
                    c if u32::from(c) < 0x20 => {
                        let _ = write!(out, "\\u{:04x}", u32::from(c));
                    }
                    c => out.push(c),
                }
            }
            out.push('"');
        }
    }
}

/// Who a share must be to: the principal test over alias `s`.
struct Principals {
    user: Option<String>,
    users: Option<String>,
    teams: Option<String>,
    organization: bool,
}

/// Renders `plan` for a record of `table`.
pub(crate) fn render(
    f: &SqlFilters,
    plan: &Plan,
    user: UserId,
    privilege: Privilege,
    table: TableId,
) -> SqlFilter {
    let Some(Some(t)) = f.tables.get(table.index()) else {
        return SqlFilter {
            table: String::new(),
            id: String::new(),
            sql: "1 = 0".to_owned(),
            params: Vec::new(),
        };
    };
    let mut p = Params {
        f,
        values: Vec::new(),
    };
    let mut arms: Vec<String> = Vec::new();
    match plan.reach {
        Reach::Nothing => {}
        Reach::Everything => arms.push("1 = 1".to_owned()),
        Reach::Parts => parts(f, plan, user, privilege, t, table.0, &mut p, &mut arms),
    }
    let sql = match (arms.is_empty(), &t.only_this) {
        (true, _) => "1 = 0".to_owned(),
        (false, None) => arms.join(" OR "),
        (false, Some(only)) if plan.reach == Reach::Everything => only.clone(),
        (false, Some(only)) => format!("{only} AND ({})", arms.join(" OR ")),
    };
    SqlFilter {
        table: t.table.clone(),
        id: t.id.clone(),
        sql,
        params: p.values,
    }
}

#[allow(
    clippy::too_many_arguments,
    reason = "one renderer's shared state, kept flat"
)]
fn parts(
    f: &SqlFilters,
    plan: &Plan,
    user: UserId,
    privilege: Privilege,
    t: &super::filter::TableSql,
    table: u32,
    p: &mut Params<'_>,
    arms: &mut Vec<String>,
) {
    // Levels (R2.4, R2.5): owning units, one array.
    if !plan.unit_ranges.is_empty() {
        let units = plan.unit_ranges.iter().flat_map(|r| r.clone());
        arms.push(p.set(&t.unit, &f.units_by_pre, units));
    }
    // Ownership (R2.3, R4.5), with A5's unit condition.
    let within = match &plan.ownership_units {
        None => Some(String::new()),
        Some(units) if units.is_empty() => None,
        Some(units) => {
            let by_pre = units
                .iter()
                .filter_map(|&u| f.policy.tree.interval(u).map(|(pre, _)| pre));
            Some(format!(" AND {}", p.set(&t.unit, &f.units_by_pre, by_pre)))
        }
    };
    let me = p.one(&f.users, user.0);
    if let Some(within) = &within {
        if plan.owner_user {
            arms.push(owner_is(f, t, &me, false) + within);
        }
        if !plan.owner_teams.is_empty() {
            let ph = p.array(&f.teams, plan.owner_teams.iter().copied());
            arms.push(owner_in(f, p, t, &ph, true) + within);
        }
    }
    if !plan.team_unit_pairs.is_empty() {
        arms.push(pairs(f, p, t, &plan.team_unit_pairs));
    }
    // Shares (R5), own and cascaded.
    if f.shares.is_some() {
        let teams = (!plan.share_teams.is_empty())
            .then(|| p.array(&f.teams, plan.share_teams.iter().copied()));
        let who = Principals {
            user: plan.share_user.then(|| me.clone()),
            users: None,
            teams,
            organization: true,
        };
        shares(f, t, table, privilege, &who, true, p, arms);
    }
    // Hierarchy security (R6): reports' records and shares.
    if let Some(r) = &plan.reports {
        let users = (!r.users.is_empty()).then(|| p.array(&f.users, r.users.iter().copied()));
        let teams = (!r.teams.is_empty()).then(|| p.array(&f.teams, r.teams.iter().copied()));
        if let Some(ph) = &users {
            arms.push(owner_in(f, p, t, ph, false));
        }
        if let Some(ph) = &teams {
            arms.push(owner_in(f, p, t, ph, true));
        }
        if users.is_some() || teams.is_some() {
            let who = Principals {
                user: None,
                users,
                teams,
                organization: false,
            };
            shares(f, t, table, privilege, &who, r.inherited, p, arms);
        }
    }
}

/// `owner = <placeholder>` for a user (`team` false) or a team.
///
/// With an owner kind column, the kind is compared only when some user and some team share an
/// id: otherwise the id alone says who owns a (valid) row, and a bare `owner = …` keeps the
/// branch a pure index condition, so PostgreSQL never re-evaluates the whole `OR` (with its
/// share arrays, compared element by element) as a filter on every fetched row.
fn owner_is(f: &SqlFilters, t: &super::filter::TableSql, ph: &str, team: bool) -> String {
    match &t.owner {
        OwnerSql::Kind { id, kind } if f.kinds_overlap => {
            format!("({id} = {ph} AND {kind} = {})", f.kinds[usize::from(team)])
        }
        OwnerSql::Kind { id, .. } => format!("{id} = {ph}"),
        OwnerSql::Split {
            user,
            team: team_col,
        } => format!("{} = {ph}", if team { team_col } else { user }),
    }
}

/// `owner IN <array placeholder>` for users or teams.
fn owner_in(
    f: &SqlFilters,
    p: &Params<'_>,
    t: &super::filter::TableSql,
    ph: &str,
    team: bool,
) -> String {
    match &t.owner {
        OwnerSql::Kind { id, kind } if f.kinds_overlap => format!(
            "({} AND {kind} = {})",
            p.member(id, ph),
            f.kinds[usize::from(team)]
        ),
        OwnerSql::Kind { id, .. } => p.member(id, ph),
        OwnerSql::Split {
            user,
            team: team_col,
        } => p.member(if team { team_col } else { user }, ph),
    }
}

/// A5's team-context ownership: the record's (owning team, owning unit) is one of `pairs`.
fn pairs(
    f: &SqlFilters,
    p: &mut Params<'_>,
    t: &super::filter::TableSql,
    pairs: &[(u32, u32)],
) -> String {
    let (owner, kind) = match &t.owner {
        OwnerSql::Kind { id, kind } => (id.as_str(), Some(kind)),
        OwnerSql::Split { team, .. } => (team.as_str(), None),
    };
    let pre = |u: u32| f.policy.tree.interval(u).map_or(u32::MAX, |(pre, _)| pre);
    let test = match f.dialect {
        Dialect::Postgres => {
            let teams = p.array(&f.teams, pairs.iter().map(|&(team, _)| team));
            let units = p.array(&f.units_by_pre, pairs.iter().map(|&(_, u)| pre(u)));
            format!(
                "({owner}, {}) IN (SELECT * FROM unnest({teams}, {units}))",
                t.unit
            )
        }
        Dialect::Sqlite => {
            let mut json = String::from("[");
            for (k, &(team, u)) in pairs.iter().enumerate() {
                json.push_str(if k > 0 { ",[" } else { "[" });
                json_id(&mut json, &f.teams, team);
                json.push(',');
                json_id(&mut json, &f.units_by_pre, pre(u));
                json.push(']');
            }
            json.push(']');
            let ph = p.push(SqlValue::Json(json), "");
            format!(
                "EXISTS (SELECT 1 FROM json_each({ph}) AS ag_p WHERE json_extract(ag_p.value, '$[0]') = {owner} AND json_extract(ag_p.value, '$[1]') = {})",
                t.unit
            )
        }
    };
    match kind {
        Some(kind) if f.kinds_overlap => format!("({test} AND {kind} = {})", f.kinds[1]),
        Some(_) | None => test,
    }
}

/// The share arms: the record's own share rows (with `inherited`, also rows the application
/// cascaded itself), and with `inherited` the shares cascading from parents.
#[allow(
    clippy::too_many_arguments,
    reason = "one renderer's shared state, kept flat"
)]
fn shares(
    f: &SqlFilters,
    t: &super::filter::TableSql,
    table: u32,
    privilege: Privilege,
    who: &Principals,
    inherited: bool,
    p: &Params<'_>,
    arms: &mut Vec<String>,
) {
    let Some(s) = &f.shares else { return };
    let mut tests: Vec<String> = Vec::new();
    if let Some(me) = &who.user {
        tests.push(format!(
            "s.{} = {} AND s.{} = {me}",
            s.kind, f.kinds[0], s.principal
        ));
    }
    if let Some(ph) = &who.users {
        tests.push(format!(
            "s.{} = {} AND {}",
            s.kind,
            f.kinds[0],
            p.member(&format!("s.{}", s.principal), ph)
        ));
    }
    if let Some(ph) = &who.teams {
        tests.push(format!(
            "s.{} = {} AND {}",
            s.kind,
            f.kinds[1],
            p.member(&format!("s.{}", s.principal), ph)
        ));
    }
    if who.organization {
        tests.push(format!("s.{} = {}", s.kind, f.kinds[2]));
    }
    let rows = |direct: bool| {
        let direct = match (&s.inherited_from, direct) {
            (Some(c), true) => format!(" AND s.{c} IS NULL"),
            (Some(_) | None, _) => String::new(),
        };
        format!(
            "SELECT s.{} FROM {} AS s WHERE (s.{} & {}) <> 0 AND ({}){direct}",
            s.object,
            s.table,
            s.rights,
            access_rights(privilege),
            tests.join(" OR ")
        )
    };
    let any = |sub: String| match f.dialect {
        Dialect::Postgres => format!("{} = ANY(ARRAY({sub}))", t.id),
        Dialect::Sqlite => format!("{} IN ({sub})", t.id),
    };
    arms.push(any(rows(!inherited)));
    if !inherited {
        return;
    }
    let Some(c) = &t.cascade else { return };
    let direct = rows(true);
    let seeds: Vec<String> = c
        .seeds
        .iter()
        .map(|seed| match f.dialect {
            Dialect::Postgres => format!("{seed}{direct}))"),
            Dialect::Sqlite => format!("{seed}{direct})"),
        })
        .collect();
    let join = match f.dialect {
        Dialect::Postgres => format!("CROSS JOIN LATERAL ({}) AS e", c.edges),
        Dialect::Sqlite => format!(
            "JOIN ({}) AS e ON e.parent = c.id AND e.ptb = c.tb",
            c.edges
        ),
    };
    let step = format!(
        "SELECT e.id, e.tb, c.uo, c.d + 1 FROM ag_c AS c {join} \
         WHERE c.d < {} AND (e.cas = 1 OR e.cas = 2 AND e.act OR e.cas = 3 AND e.uo = c.uo)",
        f.policy.options.cascade_depth
    );
    arms.push(any(format!(
        "WITH RECURSIVE ag_c(id, tb, uo, d) AS ({} UNION {step}) SELECT ag_c.id FROM ag_c WHERE ag_c.d > 0 AND ag_c.tb = {table}",
        seeds.join(" UNION ")
    )));
}
