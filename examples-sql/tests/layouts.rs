//! Every mapping path on a real PostgreSQL and on SQLite: `uuid`, `bigint` and `text` ids,
//! owner id + kind or separate user/team owner columns, a SQL table per Dataverse table or one
//! shared table with a table-name column. For each layout the rows the database returns equal,
//! row by row, the records `check_facts()` allows (small organisations: a few seconds).

use accessgate::dataverse::{Dialect, IdType};
use accessgate_sql_example::{
    compare_as, load_pg_as, load_sqlite_as, Layout, Names, Org, PgServer, Shape,
};

fn layouts() -> Vec<Layout> {
    let mut out = Vec::new();
    for ids in [IdType::Text, IdType::Uuid, IdType::BigInt] {
        for split_owner in [false, true] {
            for one_table in [false, true] {
                out.push(Layout {
                    ids,
                    split_owner,
                    one_table,
                });
            }
        }
    }
    out
}

/// The organisation for layout number `k`: names of the layout's id type, A5 on every other.
fn org(k: usize, layout: Layout) -> Result<Org, Box<dyn std::error::Error>> {
    Ok(Org::with_shape(Shape {
        names: Names(layout.ids),
        ..Shape::new(6_000, 300, k % 2 == 1, 100 + k as u64)
    })?)
}

#[test]
fn postgres_layouts_equal_check_facts() -> Result<(), Box<dyn std::error::Error>> {
    let server = PgServer::start()?;
    let mut db = postgres::Client::connect(&server.url(), postgres::NoTls)?;
    for (k, layout) in layouts().into_iter().enumerate() {
        let org = org(k, layout)?;
        db.batch_execute(&format!("CREATE SCHEMA l{k}; SET search_path = l{k}"))?;
        load_pg_as(&mut db, &org, layout)?;
        let report = compare_as(&mut db, &org, layout, Dialect::Postgres, 20)?;
        println!(
            "{layout:?}: {} queries, {} rows",
            report.queries, report.rows_returned
        );
        assert_eq!(report.queries, 20 * 2 * 3);
        assert!(report.rows_returned > 0, "{layout:?}");
        assert!(
            report.mismatches.is_empty(),
            "{layout:?}: {:?}",
            report.mismatches
        );
    }
    Ok(())
}

#[test]
fn sqlite_layouts_equal_check_facts() -> Result<(), Box<dyn std::error::Error>> {
    for (k, layout) in layouts().into_iter().enumerate() {
        let org = org(k, layout)?;
        let mut db = rusqlite::Connection::open_in_memory()?;
        load_sqlite_as(&mut db, &org, layout)?;
        let report = compare_as(&mut db, &org, layout, Dialect::Sqlite, 20)?;
        assert_eq!(report.queries, 20 * 2 * 3);
        assert!(report.rows_returned > 0, "{layout:?}");
        assert!(
            report.mismatches.is_empty(),
            "{layout:?}: {:?}",
            report.mismatches
        );
    }
    Ok(())
}
