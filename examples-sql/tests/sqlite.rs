//! The SQL rendering of list queries, run by SQLite, equals `check()` row by row (small database).

#[test]
fn sql_answers_equal_check() -> Result<(), Box<dyn std::error::Error>> {
    let report = accessgate_sql_example::run(20_000, 25, None)?;
    assert_eq!(report.queries, 25 * 2 * 4);
    assert!(report.rows_returned > 0);
    assert!(report.mismatches.is_empty(), "{:?}", report.mismatches);
    Ok(())
}
