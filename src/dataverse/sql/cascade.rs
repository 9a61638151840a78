//! The parent links of a mapping as the edges of a recursive walk: where shares cascading from
//! parents (R5.8) can reach a table, and the SQL pieces of that walk.
//!
//! Shares cascading from parents are found top-down: start from the records of the parent tables
//! that carry an activating direct share, follow each mapped parent column down while the
//! relationship's cascade lets the hop through (`all`; `active` when the child is active;
//! `user_owned` when the child is owned by the user who owns the shared record), at most
//! `cascade_depth` hops: the walk a decision does upwards, reversed. This module builds, per
//! table, the seeds and the union of edges once, when the mapping is compiled; `render` writes
//! the walk into each filter.

use super::filter::SqlFilters;
use super::mapping::{self, Dialect, IdType, OwnerColumns, SqlMapping, SqlMappingError};

/// The recursive part of the cascaded-share walk for one table.
#[derive(Debug, Clone)]
pub(crate) struct Cascade {
    /// Per parent table: `SELECT p.id, <table>, <user owner>, 0 FROM … WHERE p.id IN (`.
    pub(super) seeds: Vec<String>,
    /// The union of the edges that lead to the table: `SELECT id, parent, tb, ptb, cas, uo, act`.
    pub(super) edges: String,
}

/// One parent column of a mapped table, as a union arm.
pub(crate) struct Edge {
    child: u32,
    parent: u32,
    /// `SELECT … FROM <table> AS ch WHERE `, to be completed by the dialect's join condition.
    select: String,
    /// The parent column of alias `ch`.
    parent_column: String,
    /// ` AND ch.<table-name column> = '<table>'` for a shared SQL table.
    only: String,
}

impl Edge {
    /// The arm as the dialect joins it to the walk's rows `c`: PostgreSQL looks the children of
    /// each row up through the parent column's index (a `LATERAL` arm per edge, so one hop costs
    /// the children found, not the child table); SQLite joins the whole arm on its columns.
    fn arm(&self, dialect: Dialect) -> String {
        match dialect {
            Dialect::Postgres => format!(
                "{}{} = c.id AND c.tb = {}{}",
                self.select, self.parent_column, self.parent, self.only
            ),
            Dialect::Sqlite => format!(
                "{}{} IS NOT NULL{}",
                self.select, self.parent_column, self.only
            ),
        }
    }
}

/// All edges, and the seed prefix of each mapped table.
pub(crate) struct Graph {
    edges: Vec<Edge>,
    seeds: Vec<Option<String>>,
}

/// The user owner of a row of alias `a` (NULL when a team owns it), typed.
fn user_owner(
    f: &SqlFilters,
    owner: &OwnerColumns,
    a: &str,
    org: bool,
) -> Result<String, SqlMappingError> {
    if org {
        return Ok(match (f.dialect, f.id_type) {
            (Dialect::Sqlite, _) => "NULL".to_owned(),
            (Dialect::Postgres, IdType::Text) => "CAST(NULL AS text)".to_owned(),
            (Dialect::Postgres, IdType::Uuid) => "CAST(NULL AS uuid)".to_owned(),
            (Dialect::Postgres, IdType::BigInt) => "CAST(NULL AS bigint)".to_owned(),
        });
    }
    Ok(match owner {
        OwnerColumns::Kind { id, kind } => format!(
            "CASE WHEN {a}.{} = {} THEN {a}.{} END",
            mapping::column(kind)?,
            f.kinds[0],
            mapping::column(id)?
        ),
        OwnerColumns::Split { user, .. } => format!("{a}.{}", mapping::column(user)?),
    })
}

/// The edges and seed prefixes of a mapping.
pub(crate) fn edges(f: &SqlFilters, m: &SqlMapping) -> Result<Graph, SqlMappingError> {
    let mut g = Graph {
        edges: Vec::new(),
        seeds: vec![None; f.tables.len()],
    };
    let org = |t: u32| {
        f.policy
            .tables
            .get(t as usize)
            .is_none_or(|i| i.organization_owned)
    };
    for (name, t) in &m.tables {
        let Some(id) = f.policy.table_id(name) else {
            continue;
        };
        let only = |a: &str| -> Result<String, SqlMappingError> {
            Ok(match &t.table_name_column {
                Some(c) => format!(
                    " AND {a}.{} = {}",
                    mapping::column(c)?,
                    super::filter::literal(name)?
                ),
                None => String::new(),
            })
        };
        let table = mapping::table(&t.table)?;
        let idc = mapping::column(&t.id)?;
        if let Some(seed) = g.seeds.get_mut(id.index()) {
            let only_p = match &t.table_name_column {
                Some(c) => format!(
                    "p.{} = {} AND ",
                    mapping::column(c)?,
                    super::filter::literal(name)?
                ),
                None => String::new(),
            };
            *seed = Some(format!(
                "SELECT p.{idc}, {}, {}, 0 FROM {table} AS p WHERE {only_p}p.{idc} {}(",
                id.0,
                user_owner(f, &t.owner, "p", org(id.0))?,
                // PostgreSQL: an array computed once, looked up through the primary key.
                match f.dialect {
                    Dialect::Postgres => "= ANY(ARRAY",
                    Dialect::Sqlite => "IN ",
                },
            ));
        }
        if org(id.0) {
            // A walk never climbs through an organization-owned record.
            continue;
        }
        for p in &t.parents {
            let Some(rel) = f
                .policy
                .relationship_id(&p.relationship)
                .and_then(|r| f.policy.relationships.get(r.index()))
            else {
                continue;
            };
            let Some(cas) = SqlFilters::cascade_code(rel.cascade) else {
                continue;
            };
            let pc = mapping::column(&p.column)?;
            let act = match &t.state {
                Some((c, active)) => format!("(ch.{} = {active})", mapping::column(c)?),
                None => "TRUE".to_owned(),
            };
            g.edges.push(Edge {
                child: id.0,
                parent: rel.parent_table,
                select: format!(
                    "SELECT ch.{idc} AS id, ch.{pc} AS parent, {} AS tb, {} AS ptb, {cas} AS cas, {} AS uo, {act} AS act FROM {table} AS ch WHERE ",
                    id.0,
                    rel.parent_table,
                    user_owner(f, &t.owner, "ch", false)?,
                ),
                parent_column: format!("ch.{pc}"),
                only: only("ch")?,
            });
        }
    }
    Ok(g)
}

/// The cascade walk for records of `table`: the edges on some path up from it, and the seeds of
/// their parent tables; `None` when no share can cascade to the table.
pub(crate) fn cascade_for(f: &SqlFilters, g: &Graph, table: u32) -> Option<Cascade> {
    if f.policy.options.cascade_depth == 0 || f.shares.is_none() {
        return None;
    }
    let mut up = vec![table];
    let mut i = 0;
    while let Some(&t) = up.get(i) {
        for e in g.edges.iter().filter(|e| e.child == t) {
            if !up.contains(&e.parent) {
                up.push(e.parent);
            }
        }
        i += 1;
    }
    let used: Vec<&Edge> = g.edges.iter().filter(|e| up.contains(&e.child)).collect();
    if used.is_empty() {
        return None;
    }
    let mut parents: Vec<u32> = used.iter().map(|e| e.parent).collect();
    parents.sort_unstable();
    parents.dedup();
    let seeds: Vec<String> = parents
        .iter()
        .filter_map(|&p| g.seeds.get(p as usize).cloned().flatten())
        .collect();
    if seeds.is_empty() {
        return None;
    }
    let edges = used
        .iter()
        .map(|e| e.arm(f.dialect))
        .collect::<Vec<_>>()
        .join(" UNION ALL ");
    Some(Cascade { seeds, edges })
}
