//! The SQLite dialect of the list filters, run by SQLite on the application-shaped schema,
//! equals `check_facts()` row by row, in matrix mode with A5's ownership reading.

use accessgate::dataverse::Dialect;
use accessgate_sql_example::{compare, load_sqlite, Org};

#[test]
fn sqlite_answers_equal_check_facts() -> Result<(), Box<dyn std::error::Error>> {
    let org = Org::generate(30_000, 1_000, true, 7)?;
    let mut db = rusqlite::Connection::open_in_memory()?;
    load_sqlite(&mut db, &org)?;
    let report = compare(&mut db, &org, Dialect::Sqlite, 40)?;
    assert_eq!(report.queries, 40 * 2 * 3);
    assert!(report.rows_returned > 0);
    assert!(report.mismatches.is_empty(), "{:?}", report.mismatches);
    Ok(())
}
