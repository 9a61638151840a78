//! Differential test of `FlowPolicy::check` (through `authorize()`) against the plain flows
//! reference evaluator, at scale: 10,000 cases in the normal run and `ACCESSGATE_LONG_CASES`
//! (default 1,000,000) in the `#[ignore]` long run. Each case is one random model and 16
//! random requests, unknown ids included.
//!
//! The strategies and the reference evaluator are copied verbatim from
//! `tests/flows_properties.rs` into `tests/reference/flows.rs` (its owner keeps that file; this
//! one only scales the run).
//! Long run: `cargo test --release --test flows_differential -- --ignored`.

#![allow(
    clippy::unwrap_used,
    clippy::panic,
    dead_code,
    reason = "test code, with helpers copied from flows_properties.rs"
)]

mod reference;

use accessgate::flows::*;
use accessgate::Decision;
use proptest::prelude::*;
use reference::flows::*;
use reference::run;

/// One case: every request decided by `authorize()` and by the reference.
fn case((m, requests): (FlowModel, Vec<FlowRequest>)) -> Result<(), TestCaseError> {
    let p = m
        .build()
        .map_err(|e| TestCaseError::fail(format!("model does not build: {e}")))?;
    let policy = accessgate::Policy::from(p);
    for r in requests {
        let got = accessgate::authorize(&policy, &accessgate::Request::Flow(r.clone()));
        let want = reference(&m, &r);
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

fn strategy() -> impl Strategy<Value = (FlowModel, Vec<FlowRequest>)> {
    (model(), prop::collection::vec(request(), 16))
}

/// The compiled evaluator agrees with the reference on 10,000 random models of 16 requests.
#[test]
fn fast_path_matches_reference() {
    run::run(
        "flows fast_path_matches_reference",
        10_000,
        1,
        strategy(),
        case,
    );
}

/// The long run: `ACCESSGATE_LONG_CASES` cases (default 1,000,000) on every core.
#[test]
#[ignore = "long run: cargo test --release --test flows_differential -- --ignored"]
fn fast_path_matches_reference_long() {
    run::run(
        "flows fast_path_matches_reference_long",
        run::long_cases(),
        run::long_threads(),
        strategy(),
        case,
    );
}
