//! `sql_filter_matches_check_facts`: on random small models (the generators of the root
//! crate's `tests/common`: unit trees, matrix or classic mode, user and team roles, owner and
//! access teams, disabled users, organization-owned tables, System Administrator, parent links
//! on every pair of tables with every cascade, manager and position hierarchy, shares to users,
//! teams and the organization) plus random A5 and cascade depth, the records and shares loaded
//! into an in-memory SQLite: for every user, table and privilege, the rows the SQLite filter
//! selects are exactly the records `check_facts()` allows.
//!
//! Normal run: 256 models. Long run:
//! `ACCESSGATE_LONG_CASES=20000 cargo test --release -p accessgate-sql-example --test random_models -- --ignored`.

#![allow(
    clippy::unwrap_used,
    clippy::panic,
    reason = "test code: a failed unwrap is a test failure"
)]

#[path = "../../tests/common/mod.rs"]
mod common;

use std::cell::Cell;
use std::collections::BTreeMap;
use std::ops::ControlFlow;

use accessgate::dataverse::*;
use accessgate::Privilege;
use accessgate_sql_example::Database;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};

/// Record facts and shares by record index: the `ShareSource` a decision reads.
struct Facts {
    facts: Vec<RecordFacts>,
    shares: Vec<Vec<ShareFact>>,
}

impl ShareSource for Facts {
    fn shares(
        &self,
        record: RecordId,
        visit: &mut dyn FnMut(ShareFact) -> ControlFlow<()>,
    ) -> ControlFlow<()> {
        for s in self.shares.get(record.index()).into_iter().flatten() {
            visit(*s)?;
        }
        ControlFlow::Continue(())
    }

    fn record(&self, record: RecordId) -> Option<RecordFacts> {
        self.facts.get(record.index()).cloned()
    }
}

const TABLES: usize = common::TABLES;

fn schema() -> String {
    let mut sql = String::new();
    for t in 0..TABLES {
        sql.push_str(&format!(
            "CREATE TABLE t{t} (id TEXT PRIMARY KEY, owner_id TEXT, owner_kind TEXT, unit_id TEXT, \
             state INTEGER NOT NULL, parent0 TEXT, parent1 TEXT, parent2 TEXT);\n\
             CREATE INDEX t{t}_unit ON t{t} (unit_id);\n\
             CREATE INDEX t{t}_owner ON t{t} (owner_id);\n"
        ));
    }
    sql.push_str(
        "CREATE TABLE poa (object_id TEXT NOT NULL, principal_id TEXT, principal_kind TEXT NOT NULL, \
         rights INTEGER NOT NULL);\n\
         CREATE INDEX poa_principal ON poa (principal_kind, principal_id);\n",
    );
    sql
}

/// Table `t{b}` keeps a parent of table `t{a}` (relationship `rel{a}{b}`) in column `parent{a}`.
fn mapping() -> SqlMapping {
    let mut m = SqlMapping::new(Dialect::Sqlite, IdType::Text);
    for b in 0..TABLES {
        let mut t = RecordTable::new(
            &format!("t{b}"),
            "id",
            OwnerColumns::Kind {
                id: "owner_id".into(),
                kind: "owner_kind".into(),
            },
            "unit_id",
        )
        .with_state("state", 0);
        for a in 0..TABLES {
            t = t.with_parent(&format!("rel{a}{b}"), &format!("parent{a}"));
        }
        m = m.table(&format!("t{b}"), t);
    }
    m.shares(ShareTable::new(
        "poa",
        "object_id",
        "principal_id",
        "principal_kind",
        "rights",
    ))
}

/// Loads the model's records and shares into `db` and returns them as facts.
fn load(db: &rusqlite::Connection, m: &DataverseModel, p: &DataversePolicy) -> Facts {
    db.execute_batch(&schema()).unwrap();
    let index: BTreeMap<&str, usize> = m
        .records
        .iter()
        .enumerate()
        .map(|(i, r)| (r.id.as_str(), i))
        .collect();
    let mut facts = Vec::new();
    for (i, r) in m.records.iter().enumerate() {
        let table = p.table_id(&r.table).unwrap();
        let (owner, owner_id, owner_kind) = match &r.owner {
            None => (RecordOwner::Organization, None, None),
            Some(PrincipalRef::User(u)) => (
                RecordOwner::User(p.user_id(u).unwrap()),
                Some(u),
                Some("user"),
            ),
            Some(PrincipalRef::Team(t)) => (
                RecordOwner::Team(p.team_id(t).unwrap()),
                Some(t),
                Some("team"),
            ),
        };
        let mut f = RecordFacts::owned_by(RecordId::new(i as u64), table, owner);
        f.owning_unit = r
            .owning_business_unit
            .as_ref()
            .map(|b| p.business_unit_id(b).unwrap());
        f.active = r.active;
        let mut parents: [Option<&str>; TABLES] = [None; TABLES];
        for link in &r.parents {
            let parent = index[link.record.as_str()];
            f = f.with_parent(ParentFact::new(
                p.relationship_id(&link.relationship).unwrap(),
                RecordId::new(parent as u64),
            ));
            let a: usize = m.records[parent].table[1..].parse().unwrap();
            parents[a] = Some(link.record.as_str());
        }
        db.execute(
            &format!(
                "INSERT INTO {} VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                r.table
            ),
            rusqlite::params![
                r.id,
                owner_id,
                owner_kind,
                r.owning_business_unit,
                i64::from(!r.active),
                parents[0],
                parents[1],
                parents[2]
            ],
        )
        .unwrap();
        facts.push(f);
    }
    let mut shares = vec![Vec::new(); m.records.len()];
    for s in &m.shares {
        let (with, principal, kind) = match &s.with {
            ShareTarget::User(u) => (SharedWith::User(p.user_id(u).unwrap()), Some(u), "user"),
            ShareTarget::Team(t) => (SharedWith::Team(p.team_id(t).unwrap()), Some(t), "team"),
            ShareTarget::Organization => (SharedWith::Organization, None, "organization"),
        };
        shares[index[s.record.as_str()]].push(ShareFact::new(with, s.rights));
        db.execute(
            "INSERT INTO poa VALUES (?1, ?2, ?3, ?4)",
            rusqlite::params![s.record, principal, kind, access_rights(s.rights)],
        )
        .unwrap();
    }
    Facts { facts, shares }
}

/// Renames team `g{i}` to `u{i}`, so users and teams share ids and the filter must compare the
/// owner kind column too.
fn name_teams_like_users(m: &mut DataverseModel) {
    let rename = |t: &mut String| {
        if let Some(i) = t.strip_prefix('g') {
            *t = format!("u{i}");
        }
    };
    for t in &mut m.teams {
        rename(&mut t.id);
    }
    for a in &mut m.role_assignments {
        if let PrincipalRef::Team(t) = &mut a.principal {
            rename(t);
        }
    }
    for r in &mut m.records {
        if let Some(PrincipalRef::Team(t)) = &mut r.owner {
            rename(t);
        }
    }
    for s in &mut m.shares {
        if let ShareTarget::Team(t) = &mut s.with {
            rename(t);
        }
    }
    for p in &mut m.column_security_profiles {
        for member in &mut p.members {
            if let PrincipalRef::Team(t) = member {
                rename(t);
            }
        }
    }
}

fn sql_filter_matches_check_facts(cases: u32) {
    let mut runner = TestRunner::new(Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    });
    let strategy = (common::seed(), any::<bool>(), 0u8..4, any::<bool>());
    // Rows allowed and denied over all cases: both must occur, or the test proves nothing.
    let (allowed, denied) = (Cell::new(0usize), Cell::new(0usize));
    runner
        .run(&strategy, |(seed, a5, depth, overlap)| {
            let mut m = common::model(&seed);
            if overlap {
                name_teams_like_users(&mut m);
            }
            m.options.ownership_needs_role_in_owning_unit = a5;
            m.options.cascade_depth = depth;
            // The records live in the database, not in the configuration.
            let records = std::mem::take(&mut m.records);
            let shares = std::mem::take(&mut m.shares);
            let policy = m.build().unwrap();
            m.records = records;
            m.shares = shares;
            let mut db = rusqlite::Connection::open_in_memory().unwrap();
            let facts = load(&db, &m, &policy);
            let filters = SqlFilters::new(&policy, &mapping()).unwrap();
            for u in &m.users {
                let user = policy.user_id(&u.id).unwrap();
                for t in 0..TABLES {
                    let table = policy.table_id(&format!("t{t}")).unwrap();
                    for privilege in Privilege::EACH {
                        let filter = filters.filter(user, privilege, table);
                        prop_assert!(filter.params().len() <= MAX_PLACEHOLDERS);
                        let got = db.ids(&filter).unwrap();
                        let mut want: Vec<String> = m
                            .records
                            .iter()
                            .zip(&facts.facts)
                            .filter(|(r, f)| {
                                r.table == format!("t{t}")
                                    && policy
                                        .check_facts(user, privilege, f, &facts)
                                        .decision()
                                        .is_allow()
                            })
                            .map(|(r, _)| r.id.clone())
                            .collect();
                        want.sort_unstable();
                        allowed.set(allowed.get() + want.len());
                        denied.set(
                            denied.get()
                                + m.records
                                    .iter()
                                    .filter(|r| r.table == format!("t{t}"))
                                    .count()
                                - want.len(),
                        );
                        prop_assert_eq!(
                            &got,
                            &want,
                            "user {}, t{}, {:?}: {}",
                            &u.id,
                            t,
                            privilege,
                            filter.sql()
                        );
                    }
                }
            }
            Ok(())
        })
        .unwrap();
    assert!(
        allowed.get() > 0 && denied.get() > 0,
        "allowed {}, denied {}",
        allowed.get(),
        denied.get()
    );
    println!("{} rows allowed, {} denied", allowed.get(), denied.get());
}

/// 256 random models, every user × table × privilege.
#[test]
fn sql_filter_matches_check_facts_on_random_models() {
    sql_filter_matches_check_facts(256);
}

/// The long run: `ACCESSGATE_LONG_CASES` models (default 10,000).
#[test]
#[ignore = "long run"]
fn sql_filter_matches_check_facts_long() {
    let cases = std::env::var("ACCESSGATE_LONG_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000);
    sql_filter_matches_check_facts(cases);
}
