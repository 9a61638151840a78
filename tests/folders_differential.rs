//! Differential test of `FolderPolicy::check` (through `authorize()`) against the plain folder
//! reference evaluator, at scale: 10,000 cases in the normal run and `ACCESSGATE_LONG_CASES`
//! (default 1,000,000) in the `#[ignore]` long run. Each case is one random model (every
//! option random) and every well-formed request on it.
//!
//! The strategies and the reference evaluator are copied verbatim from
//! `tests/folders_properties.rs` into `tests/reference/folders.rs` (its owner keeps that file;
//! this one only scales the run).
//! Long run: `cargo test --release --test folders_differential -- --ignored`.

#![allow(
    clippy::unwrap_used,
    clippy::panic,
    dead_code,
    reason = "test code, with helpers copied from folders_properties.rs"
)]

mod reference;

use accessgate::folders::*;
use accessgate::{authorize, Decision, Policy, Request};
use proptest::prelude::*;
use reference::folders::{models, requests};
use reference::run;

/// One case: every well-formed request decided by `authorize()` and by the reference.
fn case(m: FolderModel) -> Result<(), TestCaseError> {
    let p = m
        .build()
        .map_err(|e| TestCaseError::fail(format!("model does not build: {e}")))?;
    let policy = Policy::from(p);
    for r in requests(&m) {
        let got = authorize(&policy, &Request::Folder(r.clone()));
        let want = reference::folders::reference::decide(&m, &r);
        prop_assert_eq!(
            got.decision() == Decision::Allow,
            want,
            "{:?}: {:?}\nmodel: {:?}",
            r,
            got.reason(),
            m
        );
    }
    Ok(())
}

/// The compiled evaluator agrees with the reference on every request of 10,000 random models.
#[test]
fn fast_path_matches_reference() {
    run::run(
        "folders fast_path_matches_reference",
        10_000,
        1,
        models(),
        case,
    );
}

/// The long run: `ACCESSGATE_LONG_CASES` cases (default 1,000,000) on every core.
#[test]
#[ignore = "long run: cargo test --release --test folders_differential -- --ignored"]
fn fast_path_matches_reference_long() {
    run::run(
        "folders fast_path_matches_reference_long",
        run::long_cases(),
        run::long_threads(),
        models(),
        case,
    );
}
