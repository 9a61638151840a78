//! The user table's rows, overflow, chunk sharing and header encoding.

use super::*;
use crate::dataverse::configuration::policy::{Admission, TeamId, UserGate, Via};

fn info(unit: u32) -> UserInfo {
    UserInfo::new(
        unit,
        Admission::Admitted,
        UserGate::new(true, false, false, false),
    )
}

fn grant(role: u32) -> GrantSource {
    GrantSource::direct(role, role + 100)
}

/// Users across several chunks keep their facts and grants; replacing one user changes only
/// that user, in the copy, and leaves a clone taken before untouched.
#[test]
fn rows_hold_facts_and_grants() {
    let users = 2 * CHUNK + 7;
    let grants_of =
        |u: u32| -> Vec<GrantSource> { (0..u % 4).map(|k| grant(u * 10 + k)).collect() };
    let mut builder = UserTableBuilder::default();
    let mut table = UserTable::default();
    for u in 0..users as u32 {
        builder.push(info(u), &grants_of(u));
        table.push(info(u), &grants_of(u));
    }
    let built = builder.finish();
    assert_eq!(built.len(), users);
    for u in 0..users as u32 {
        let (facts, grants) = built.row(u).expect("built row");
        assert_eq!(facts.business_unit, u);
        assert_eq!(grants.len() as u32, u % 4);
        assert_eq!(built.grants(u), table.grants(u));
    }
    assert_eq!(table.len(), users);
    let before = table.clone();
    let changed = CHUNK as u32 + 3;
    let admin = info(9).with_system_administrator(Some((5, Via::Team(TeamId(7)))));
    assert!(table.set(changed, admin, &[grant(1), grant(2), grant(3), grant(4)]));
    assert!(!table.set(users as u32, info(0), &[]));
    for u in 0..users as u32 {
        let (facts, grants) = table.row(u).expect("row");
        let (old_facts, old_grants) = before.row(u).expect("old row");
        assert_eq!(old_facts.business_unit, u);
        assert_eq!(old_grants.len() as u32, u % 4);
        if u == changed {
            assert_eq!(facts.business_unit, 9);
            assert_eq!(
                facts.system_administrator(),
                Some((5, Via::Team(TeamId(7))))
            );
            let roles: Vec<u32> = grants.iter().map(|g| g.role).collect();
            assert_eq!(roles, [1, 2, 3, 4]);
        } else {
            assert_eq!(facts.business_unit, u);
            assert_eq!(facts.system_administrator(), None);
            let roles: Vec<u32> = grants.iter().map(|g| g.role).collect();
            let expected: Vec<u32> = (0..u % 4).map(|k| u * 10 + k).collect();
            assert_eq!(roles, expected);
        }
    }
    assert!(table.row(users as u32).is_none());
    assert!(table.grants(users as u32).is_empty());
}

/// Once a change has copied a chunk, later writes to it go in place (as many grants as
/// before) or copy the chunk again, and either way leave the older snapshot untouched.
#[test]
fn writes_after_the_first_copy_go_in_place() {
    let mut builder = UserTableBuilder::default();
    for u in 0..8u32 {
        let grants: Vec<GrantSource> = (0..u % 4).map(|k| grant(u * 10 + k)).collect();
        builder.push(info(u), &grants);
    }
    let mut table = builder.finish();
    let before = table.clone();
    assert!(table.set(1, info(50), &[grant(7)]));
    assert!(table.set(3, info(51), &[grant(8), grant(9), grant(10)]));
    assert!(table.set(7, info(52), &[]));
    assert!(table.set(2, info(53), &[grant(11), grant(12), grant(13)]));
    let roles =
        |t: &UserTable, u: u32| -> Vec<u32> { t.grants(u).iter().map(|g| g.role).collect() };
    assert_eq!(roles(&table, 1), [7]);
    assert_eq!(roles(&table, 3), [8, 9, 10]);
    assert!(roles(&table, 7).is_empty());
    assert_eq!(roles(&table, 2), [11, 12, 13]);
    assert_eq!(table.get(3).map(|i| i.business_unit), Some(51));
    for u in 0..8u32 {
        let expected: Vec<u32> = (0..u % 4).map(|k| u * 10 + k).collect();
        assert_eq!(roles(&before, u), expected, "the older snapshot, user {u}");
        assert_eq!(before.get(u as usize).map(|i| i.business_unit), Some(u));
    }
    for u in [0u32, 4, 5, 6] {
        let expected: Vec<u32> = (0..u % 4).map(|k| u * 10 + k).collect();
        assert_eq!(roles(&table, u), expected, "untouched user {u}");
    }
}

/// A row is as wide as 95% of its chunk's users need, capped near twice the mean; a user
/// costs `12 × (1 + width) + 2` bytes, and 12 per grant more when their grants overflow.
#[test]
fn rows_are_as_wide_as_most_users_need() {
    assert_eq!(std::mem::size_of::<GrantSource>(), 12);
    let counts = |spec: &[(usize, usize)]| -> Vec<usize> {
        spec.iter()
            .flat_map(|&(users, grants)| std::iter::repeat_n(grants, users))
            .collect()
    };
    let width = |spec: &[(usize, usize)]| width_for(counts(spec).into_iter());
    assert_eq!(width(&[(1024, 2)]), 2);
    assert_eq!(
        width(&[(1024, 0)]),
        1,
        "one slot at least, for the overflow's place"
    );
    assert_eq!(width(&[]), 1);
    assert_eq!(width(&[(973, 2), (51, 10)]), 2, "95% hold two");
    assert_eq!(width(&[(972, 2), (52, 3)]), 3, "under 95% hold two");
    assert_eq!(width(&[(1000, 1), (24, 30)]), 1);
    assert_eq!(width(&[(500, 1), (524, 30)]), 20, "at most MAX_WIDTH");
    assert_eq!(
        width(&[(900, 1), (124, 9)]),
        5,
        "at most twice the mean and two"
    );

    let per_user = |grants: u32, big: u32| {
        let mut builder = UserTableBuilder::default();
        for u in 0..CHUNK as u32 {
            let n = if u % 64 == 0 { big } else { grants };
            let held: Vec<GrantSource> = (0..n).map(|k| grant(u + k)).collect();
            builder.push(info(u), &held);
        }
        let table = builder.finish();
        (table.chunks[0].width, table.heap_bytes() / CHUNK)
    };
    assert_eq!(per_user(2, 2), (2, 12 * 3 + 2));
    assert_eq!(per_user(0, 0), (1, 12 * 2 + 2));
    // One user in 64 holds 16 grants, in the overflow: 16 × 12 / 64 = 3 bytes per user.
    assert_eq!(per_user(4, 16), (4, 12 * 5 + 2 + 3));
}

/// Users holding more grants than a row keeps read them from the overflow, in order,
/// through builds, appends, in-place writes and copies, beside users whose grants are
/// inline; an older snapshot keeps what it had.
#[test]
fn grants_past_the_row_read_from_the_overflow() {
    let held =
        |u: u32, n: u32| -> Vec<GrantSource> { (0..n).map(|k| grant(u * 100 + k)).collect() };
    // One user in eight holds 6 to 10 grants, the rest 0 to 2: rows of width 5, and the
    // first ones' grants in the overflow.
    let count = |u: u32| if u % 8 == 1 { 6 + u % 5 } else { u % 3 };
    let mut builder = UserTableBuilder::default();
    for u in 0..40u32 {
        builder.push(info(u), &held(u, count(u)));
    }
    let mut table = builder.finish();
    let width = table.chunks[0].width as u32;
    assert_eq!(width, 5);
    let roles =
        |t: &UserTable, u: u32| -> Vec<u32> { t.grants(u).iter().map(|g| g.role).collect() };
    let expect = |u: u32, n: u32| -> Vec<u32> { (0..n).map(|k| u * 100 + k).collect() };
    for u in 0..40 {
        assert_eq!(roles(&table, u), expect(u, count(u)), "built, user {u}");
    }
    let before = table.clone();
    // Copies the chunk (shared with `before`), then writes in place: same overflow count,
    // inline to inline, overflow to inline; then overflow grown (copies again).
    let first_big = (0..40)
        .find(|&u| count(u) > width)
        .expect("an overflowing user");
    assert!(table.set(first_big, info(1), &held(500, count(first_big))));
    let other_big = (first_big + 1..40)
        .find(|&u| count(u) > width)
        .expect("a second overflowing user");
    assert!(table.set(other_big, info(2), &held(501, count(other_big))));
    assert!(table.set(0, info(3), &held(502, 3)));
    assert!(table.set(other_big, info(4), &held(503, 2)));
    assert!(table.set(5, info(5), &held(504, 9)));
    table.push(info(6), &held(505, 6));
    for u in 0..41u32 {
        let expected = match u {
            _ if u == first_big => expect(500, count(first_big)),
            _ if u == other_big => expect(503, 2),
            0 => expect(502, 3),
            5 => expect(504, 9),
            40 => expect(505, 6),
            _ => expect(u, count(u)),
        };
        assert_eq!(roles(&table, u), expected, "changed table, user {u}");
    }
    for u in 0..40 {
        assert_eq!(
            roles(&before, u),
            expect(u, count(u)),
            "older snapshot, user {u}"
        );
    }
    assert_eq!(table.unit(other_big as usize), Some(4));
}

/// Units past two bytes widen their chunk's array, a user holding 70,000 grants reads them
/// back whole, and a write that no longer fits a narrow array copies the chunk rather than
/// truncating the number.
#[test]
fn numbers_past_two_bytes_widen() {
    let wide_unit = u32::from(u16::MAX) + 9;
    let many: Vec<GrantSource> = (0..70_000).map(grant).collect();
    let mut builder = UserTableBuilder::default();
    builder.push(info(wide_unit), &[grant(1)]);
    builder.push(info(3), &many);
    builder.push(info(4), &[grant(2)]);
    let table = builder.finish();
    assert_eq!(table.get(0).map(|i| i.business_unit), Some(wide_unit));
    assert_eq!(table.grants(1).len(), 70_000);
    assert_eq!(table.grants(2).first().map(|g| g.role), Some(2));

    let mut builder = UserTableBuilder::default();
    builder.push(info(1), &[grant(1)]);
    builder.push(info(2), &[grant(2)]);
    let mut narrow = builder.finish();
    let before = narrow.clone();
    // Owned alone after the first write copies the chunk, then a unit too wide for it.
    assert!(narrow.set(0, info(5), &[grant(7)]));
    assert!(narrow.set(1, info(wide_unit), &[grant(8)]));
    assert_eq!(narrow.get(1).map(|i| i.business_unit), Some(wide_unit));
    assert_eq!(narrow.unit(0), Some(5));
    assert_eq!(narrow.grants(1).first().map(|g| g.role), Some(8));
    assert_eq!(before.unit(1), Some(2));
}

/// Every admission, System Administrator holding and gate survives the header encoding.
#[test]
fn headers_keep_every_fact() {
    let admissions = [
        Admission::Admitted,
        Admission::Disabled,
        Admission::Unlicensed,
        Admission::NotInSecurityGroup,
        Admission::NoSecurityRole,
        Admission::OnlyOwnerTeamRoles,
    ];
    let holdings = [
        None,
        Some((3, Via::Direct)),
        Some((4, Via::Team(TeamId(9)))),
        Some((5, Via::TeamMemberInheritance(TeamId(u32::MAX - 1)))),
    ];
    for admission in admissions {
        for held in holdings {
            for gate_bits in 0..16u8 {
                let gate = UserGate::new(
                    gate_bits & 1 != 0,
                    gate_bits & 2 != 0,
                    gate_bits & 4 != 0,
                    gate_bits & 8 != 0,
                );
                let facts = UserInfo::new(77, admission, gate).with_system_administrator(held);
                let back = UserInfo::from_header(77, &facts.header());
                assert_eq!(back.business_unit, 77);
                assert_eq!(back.admission(), admission);
                assert_eq!(back.gate(), gate);
                assert_eq!(back.system_administrator(), held);
            }
        }
    }
}

mod model {
    use super::*;
    use proptest::prelude::*;

    /// A user as the model keeps it: unit, System Administrator role or not, grant roles.
    type Expected = (u32, bool, Vec<u32>);

    #[derive(Debug, Clone)]
    enum Op {
        Set {
            user: usize,
            unit: u32,
            admin: bool,
            grants: u32,
        },
        Push {
            unit: u32,
            grants: u32,
        },
        /// Keeps a clone, as an older snapshot does, which later writes must not change.
        Keep,
    }

    /// Units mostly narrow, now and then past two bytes; counts mostly small, some past
    /// any row width.
    fn unit() -> impl Strategy<Value = u32> {
        prop_oneof![9 => 0..1_000u32, 1 => 65_000..70_000u32]
    }

    fn count() -> impl Strategy<Value = u32> {
        prop_oneof![8 => 0..5u32, 2 => 5..30u32]
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            6 => (0..3_000usize, unit(), any::<bool>(), count())
                .prop_map(|(user, unit, admin, grants)| Op::Set { user, unit, admin, grants }),
            2 => (unit(), count()).prop_map(|(unit, grants)| Op::Push { unit, grants }),
            1 => Just(Op::Keep),
        ]
    }

    fn facts(unit: u32, admin: bool) -> UserInfo {
        let held = admin.then_some((7, Via::Team(TeamId(3))));
        info(unit).with_system_administrator(held)
    }

    /// Grants `seed * 1000 + k`: each write's grants are told apart from every other's.
    fn grants(seed: u32, n: u32) -> Vec<GrantSource> {
        (0..n).map(|k| grant(seed * 1_000 + k)).collect()
    }

    fn check(table: &UserTable, expected: &[Expected]) {
        assert_eq!(table.len(), expected.len());
        for (u, (unit, admin, roles)) in expected.iter().enumerate() {
            let (facts, held) = table.row(u as u32).expect("every user reads back");
            assert_eq!(facts.business_unit, *unit, "user {u}");
            assert_eq!(table.unit(u), Some(*unit), "user {u}");
            assert_eq!(facts.system_administrator().is_some(), *admin, "user {u}");
            assert_eq!(facts.admission(), Admission::Admitted, "user {u}");
            let read: Vec<u32> = held.iter().map(|g| g.role).collect();
            assert_eq!(&read, roles, "user {u}");
        }
        assert!(table.row(expected.len() as u32).is_none());
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        /// Any sequence of builds, writes and appends reads back as a plain list of users
        /// would, and every clone kept along the way keeps what it had.
        #[test]
        fn behaves_like_a_list_of_users(
            initial in prop::collection::vec((unit(), count()), 0..2_500),
            ops in prop::collection::vec(op(), 0..300),
        ) {
            let mut builder = UserTableBuilder::default();
            let mut expected: Vec<Expected> = Vec::new();
            for (u, (unit, n)) in initial.iter().enumerate() {
                let held = grants(u as u32, *n);
                builder.push(facts(*unit, false), &held);
                expected.push((*unit, false, held.iter().map(|g| g.role).collect()));
            }
            let mut table = builder.finish();
            check(&table, &expected);
            let mut kept: Vec<(UserTable, Vec<Expected>)> = Vec::new();
            for (step, op) in ops.into_iter().enumerate() {
                let seed = 10_000 + step as u32;
                match op {
                    Op::Set { user, unit, admin, grants: n } => {
                        let held = grants(seed, n);
                        let known = user < expected.len();
                        prop_assert_eq!(table.set(user as u32, facts(unit, admin), &held), known);
                        if known {
                            expected[user] = (unit, admin, held.iter().map(|g| g.role).collect());
                        }
                    }
                    Op::Push { unit, grants: n } => {
                        let held = grants(seed, n);
                        table.push(facts(unit, false), &held);
                        expected.push((unit, false, held.iter().map(|g| g.role).collect()));
                    }
                    Op::Keep => kept.push((table.clone(), expected.clone())),
                }
            }
            check(&table, &expected);
            for (old, old_expected) in &kept {
                check(old, old_expected);
            }
        }
    }
}
