//! Differential test: `authorize()` on the compiled Dataverse snapshot against the plain
//! reference evaluator of `tests/reference` (dataverse.md §13, §14), on random models and
//! requests. Decision and reason code must agree on every request.
//!
//! Normal run: 10,000 cases (one random model, every option of §14 random, and 48 random
//! requests each). Long run (`#[ignore]`), 1,000,000 cases by default:
//! `ACCESSGATE_LONG_CASES=1000000 cargo test --release --test differential -- --ignored`.

#![allow(
    clippy::unwrap_used,
    clippy::panic,
    reason = "test code: a failed unwrap is a test failure"
)]

mod common;
mod reference;

use accessgate::dataverse::*;
use accessgate::RecordPrivilege;
use accessgate::{authorize, Policy, Privilege, Request};
use proptest::prelude::*;
use reference::{extra, run, Reference};

/// Raw picks of one request: kind, three indices, a small number, a flag, a ghost flag.
type RawRequest = (u8, usize, usize, usize, u8, bool, bool);

fn raw_requests() -> impl Strategy<Value = Vec<RawRequest>> {
    prop::collection::vec(
        (
            0u8..12,
            any::<usize>(),
            any::<usize>(),
            any::<usize>(),
            any::<u8>(),
            any::<bool>(),
            prop::bool::weighted(0.03),
        ),
        48,
    )
}

/// Turns raw picks into requests on the model's ids (a ghost flag names an unknown id).
fn resolve(m: &DataverseModel, raw: &[RawRequest]) -> Vec<Request> {
    let user = |i: usize| m.users[i % m.users.len()].id.clone();
    let record = |i: usize| m.records[i % m.records.len()].id.clone();
    let table = |i: usize| m.tables[i % m.tables.len()].id.clone();
    let team = |i: usize| {
        if m.teams.is_empty() {
            None
        } else {
            Some(m.teams[i % m.teams.len()].id.clone())
        }
    };
    let bu = |i: usize| m.business_units[i % m.business_units.len()].id.clone();
    let column = |i: usize| ["c0", "c1", "c2", "plain"][i % 4].to_owned();
    let principal = |i: usize| match (i % 2, team(i / 2)) {
        (1, Some(t)) => PrincipalRef::Team(t),
        _ => PrincipalRef::User(user(i / 2)),
    };
    raw.iter()
        .map(|&(kind, a, b, c, d, flag, ghost)| {
            let u = if ghost && d % 3 == 0 {
                "ghost".to_owned()
            } else {
                user(a)
            };
            let rec = |i: usize| {
                if ghost && d % 3 == 1 {
                    "ghost".to_owned()
                } else {
                    record(i)
                }
            };
            match kind {
                0..=4 => Request::Dataverse(accessgate::dataverse::DataverseRequest::Record(
                    accessgate::dataverse::RecordQuery::new(
                        &u,
                        RecordPrivilege::ALL[usize::from(d) % 7],
                        rec(b),
                    ),
                )),
                5 => Request::Dataverse(accessgate::dataverse::DataverseRequest::Create({
                    let table = if ghost && d % 3 == 2 {
                        "ghost".into()
                    } else {
                        table(b)
                    };
                    let mut create = accessgate::dataverse::CreateQuery::new(&u, &table);
                    create.owner = match c % 4 {
                        0 => None,
                        1 | 2 => Some(principal(c / 4)),
                        _ => Some(PrincipalRef::User(user(a))),
                    };
                    create.owning_business_unit = (d % 3 == 0).then(|| bu(usize::from(d) / 3 + c));
                    create
                })),
                6 => Request::Dataverse(accessgate::dataverse::DataverseRequest::Column(
                    accessgate::dataverse::ColumnQuery::new(
                        &u,
                        &rec(b),
                        &column(c),
                        if flag {
                            ColumnAccess::Read
                        } else {
                            ColumnAccess::Update
                        },
                    ),
                )),
                7 => Request::Dataverse(accessgate::dataverse::DataverseRequest::CreateColumn(
                    accessgate::dataverse::CreateColumnQuery::new(&u, &table(b), &column(c)),
                )),
                8 => Request::Dataverse(accessgate::dataverse::DataverseRequest::Associate(
                    accessgate::dataverse::AssociateQuery::new(&u, &rec(b), &record(c)),
                )),
                9 => Request::Dataverse(accessgate::dataverse::DataverseRequest::AssociateMany(
                    accessgate::dataverse::AssociateManyQuery::new(&u, &rec(b), &record(c)),
                )),
                10 => Request::Dataverse(accessgate::dataverse::DataverseRequest::Assign(
                    accessgate::dataverse::AssignQuery::new(&u, &rec(b), principal(c)),
                )),
                _ => Request::Dataverse(accessgate::dataverse::DataverseRequest::Share({
                    let with = match c % 3 {
                        0 => ShareTarget::User(user(c / 3)),
                        1 => team(c / 3).map_or(ShareTarget::Organization, ShareTarget::Team),
                        _ => ShareTarget::Organization,
                    };
                    let mut share = accessgate::dataverse::ShareQuery::grant(
                        &u,
                        &rec(b),
                        with,
                        Privilege::from_bits_retain(d),
                    );
                    share.revoke = flag;
                    share
                })),
            }
        })
        .collect()
}

/// One case: a random model with random options, every request decided by both evaluators.
fn case(
    (seed, more, raw): (common::Seed, extra::Extra, Vec<RawRequest>),
) -> Result<(), TestCaseError> {
    let mut m = common::model(&seed);
    extra::apply(&mut m, &more);
    let policy = match m.build() {
        Ok(p) => Policy::from(p),
        Err(e) => {
            return Err(TestCaseError::fail(format!(
                "the generated model does not build: {e}"
            )))
        }
    };
    let reference = Reference::new(&m);
    for request in resolve(&m, &raw) {
        let got = authorize(&policy, &request);
        let want = reference.decide(&request);
        if (got.decision().is_allow(), got.code()) != (want.allowed(), want.code()) {
            return Err(TestCaseError::fail(format!(
                "mismatch on {request:?}\n  library:   {:?} {} ({})\n  reference: {want:?}\n  model: {}",
                got.decision(),
                got.code(),
                got.explain(&policy),
                serde_json::to_string(&m).unwrap_or_default(),
            )));
        }
    }
    Ok(())
}

fn strategy() -> impl Strategy<Value = (common::Seed, extra::Extra, Vec<RawRequest>)> {
    (common::seed(), extra::extra(), raw_requests())
}

/// The compiled evaluator agrees with the reference evaluator, decision and reason code, on
/// 10,000 random models of 48 requests each.
#[test]
fn fast_path_matches_reference() {
    run::run(
        "dataverse fast_path_matches_reference",
        10_000,
        1,
        strategy(),
        case,
    );
}

/// The long run: `ACCESSGATE_LONG_CASES` cases (default 1,000,000) on every core.
#[test]
#[ignore = "long run: cargo test --release --test differential -- --ignored"]
fn fast_path_matches_reference_long() {
    run::run(
        "dataverse fast_path_matches_reference_long",
        run::long_cases(),
        run::long_threads(),
        strategy(),
        case,
    );
}
