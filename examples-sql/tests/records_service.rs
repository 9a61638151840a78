//! A service deciding from its own SQLite rows (no record in the policy) gives the decisions
//! and reasons of the whole-document policy, and the rows exercise every path the example
//! teaches: levels, team ownership, direct shares, shares cascading to contacts, denies.

use accessgate::Privilege;
use accessgate_sql_example::records_service::{mask_of, privileges_of, run};

#[test]
fn decisions_from_rows_equal_the_whole_document() -> Result<(), Box<dyn std::error::Error>> {
    let outcome = run().map_err(|e| format!("{e:?}"))?;
    assert!(outcome.mismatches.is_empty(), "{:#?}", outcome.mismatches);
    assert_eq!(outcome.decisions.len(), 4 * 7 * 8);
    let codes: std::collections::BTreeSet<&str> =
        outcome.decisions.iter().map(|d| d.code).collect();
    for code in ["role_level", "shared", "outside_levels"] {
        assert!(codes.contains(code), "no decision says {code}: {codes:?}");
    }
    // alice reads contact `nancy` only through the share of its parent account `northwind`.
    let nancy = outcome
        .decisions
        .iter()
        .find(|d| d.user == "alice" && d.record == "nancy" && d.privilege == Privilege::READ)
        .ok_or("no decision for alice on nancy")?;
    assert!(nancy.allowed);
    assert_eq!(nancy.code, "shared");
    assert_eq!(
        nancy.inherited_from.as_deref(),
        Some("northwind"),
        "{}",
        nancy.explanation
    );
    assert!(
        nancy
            .explanation
            .contains("cascaded from parent record key"),
        "{}",
        nancy.explanation
    );
    Ok(())
}

#[test]
fn access_rights_masks_round_trip() {
    for bits in 0..=u8::MAX {
        let privileges = Privilege::from_bits_truncate(bits);
        assert_eq!(privileges_of(mask_of(privileges)), Some(privileges));
    }
    assert_eq!(privileges_of(8), None, "bit 8 is no access right");
}
