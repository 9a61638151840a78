//! Invariants of Dataverse decisions on random models (dataverse.md R2.2, R9.1, R5.4).

#![allow(
    clippy::unwrap_used,
    reason = "test code: a failed unwrap is a test failure"
)]

mod common;

use accessgate::dataverse::*;
use accessgate::RecordPrivilege;
use accessgate::{authorize, AccessLevel, Decision, Policy, Privilege, Request};
use proptest::prelude::*;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// R2.2: raising one role cell to a higher level never removes an allowed decision.
    #[test]
    fn levels_nest(seed in common::seed(), pick in any::<(usize, usize, usize)>(), up in 1u8..5) {
        let before = common::model(&seed);
        let policy = before.build().unwrap();
        let mut after = before.clone();
        let role = &mut after.roles[pick.0 % before.roles.len()];
        let table = format!("t{}", pick.1 % common::TABLES);
        let privilege = Privilege::EACH[pick.2 % 8];
        let org = before.tables.iter().any(|t| t.id == table && t.ownership == TableOwnership::Organization);
        let current = role.privileges.get(&table).and_then(|m| m.iter().find(|(k, _)| k.contains(privilege)).map(|(_, l)| *l)).unwrap_or(AccessLevel::None);
        let raised = if org { AccessLevel::Organization } else { AccessLevel::ALL[(current as usize + up as usize).min(4)] };
        if org && privilege.intersects(Privilege::ASSIGN | Privilege::SHARE) {
            return Ok(());
        }
        // Drop the key holding the privilege, then set the privilege alone at the raised level.
        if let Some(cells) = role.privileges.get_mut(&table) {
            let keys: Vec<Privilege> = cells.keys().copied().filter(|k| k.contains(privilege)).collect();
            for k in keys {
                let l = cells.shift_remove(&k).unwrap();
                if k != privilege { cells.insert(k - privilege, l); }
            }
        }
        role.privileges.entry(table).or_default().insert(privilege, raised);
        let raised_policy = after.build().unwrap();
        let old = common::all_decisions(&policy, &before);
        let new = common::all_decisions(&raised_policy, &after);
        for (a, b) in old.iter().zip(&new) {
            if a.3.decision() == Decision::Allow {
                prop_assert_eq!(b.3.decision(), Decision::Allow, "{:?} lost access: {:?} -> {:?}", (&a.0, a.1, &a.2), a.3, b.3);
            }
        }
    }

    /// R9.1: adding a role assignment never removes an allowed decision.
    #[test]
    fn adding_a_role_never_removes_access(seed in common::seed(), who in any::<usize>(), role in any::<usize>()) {
        let before = common::model(&seed);
        let policy = before.build().unwrap();
        let mut after = before.clone();
        let user = &before.users[who % before.users.len()];
        after.role_assignments.push(RoleAssignmentDef::user(
            &user.id,
            &before.roles[role % before.roles.len()].id,
        ));
        let more = after.build().unwrap();
        for (a, b) in common::all_decisions(&policy, &before).iter().zip(&common::all_decisions(&more, &after)) {
            if a.3.decision() == Decision::Allow {
                prop_assert_eq!(b.3.decision(), Decision::Allow, "{:?} lost access", (&a.0, a.1, &a.2));
            }
        }
    }

    /// R5.4: a share never grants a privilege the grantee lacks on the table: every decision
    /// allowed through a share is, without the share, a deny for lack of reach, not of privilege.
    /// And removing every share never adds access.
    #[test]
    fn shares_never_grant_a_missing_privilege(seed in common::seed()) {
        let m = common::model(&seed);
        let policy = m.build().unwrap();
        let mut unshared = m.clone();
        unshared.shares.clear();
        let bare = unshared.build().unwrap();
        for (a, b) in common::all_decisions(&policy, &m).iter().zip(&common::all_decisions(&bare, &unshared)) {
            if matches!(a.3, RecordReason::Shared { .. }) {
                // Without shares the privilege is still held: only the reach is missing (or a
                // manager reaches it through a report, R6).
                prop_assert!(
                    matches!(b.3, RecordReason::OutsideLevels { .. } | RecordReason::Hierarchy { .. }),
                    "{:?}: {:?} without shares", (&a.0, a.1, &a.2), b.3
                );
            }
            if a.3.decision() == Decision::Deny {
                prop_assert_eq!(b.3.decision(), Decision::Deny, "removing shares added access");
            }
        }
    }

    /// Default deny and totality: any model, valid or not, builds or fails with an error, and
    /// every request, including unknown ids and odd privilege sets, gets an answer.
    #[test]
    fn random_models_never_panic(seed in common::seed(), noise in prop::collection::vec((0u8..6, "[a-z0-9]{0,3}"), 0..6), bits in any::<u8>()) {
        let mut m = common::model(&seed);
        // Break the model at random: dangling references, duplicates, empty ids.
        for (what, text) in &noise {
            match what {
                0 => m.users.push(UserDef::new(text, "nowhere")),
                1 => m.business_units.push(BusinessUnitDef::child(text, text)),
                2 => m.records.push(RecordDef::owned_by_user(text, "t0", text)),
                3 => m.role_assignments.push(RoleAssignmentDef::user(text, text)),
                4 => m.teams.push(TeamDef::owner(text, "bu0", &[text.as_str()])),
                _ => m.shares.push(ShareDef::new(text, ShareTarget::Organization, Privilege::READ)),
            }
        }
        let Ok(dv) = m.build() else { return Ok(()) };
        let policy = Policy::from(dv);
        let mut users: Vec<String> = m.users.iter().map(|u| u.id.clone()).collect();
        users.push("ghost".into());
        let mut records: Vec<String> = m.records.iter().map(|r| r.id.clone()).collect();
        records.push("ghost".into());
        for u in &users {
            for r in &records {
                // A set that is not one record right cannot make a record request.
                let Ok(privilege) = RecordPrivilege::try_from(Privilege::from_bits_retain(bits)) else { continue };
                let response = authorize(&policy, &Request::Dataverse(accessgate::dataverse::DataverseRequest::Record(accessgate::dataverse::RecordQuery::new(u, privilege, r.clone()))));
                if u == "ghost" || r == "ghost" {
                    prop_assert_eq!(response.decision(), Decision::Deny);
                }
                let _ = response.explain(&policy).to_string();
            }
            for t in &m.tables {
                let response = authorize(&policy, &Request::Dataverse(accessgate::dataverse::DataverseRequest::Create(accessgate::dataverse::CreateQuery::new(u, &t.id))));
                let _ = response.explain(&policy).to_string();
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// R7.4: column security never widens record access: every allowed column read or update
    /// has the record's Read or Write allowed, with the same record reason.
    #[test]
    fn column_security_never_widens_record_access(seed in common::seed()) {
        let m = common::model(&seed);
        let policy = m.build().unwrap();
        for u in &m.users {
            let uid = policy.user_id(&u.id).unwrap();
            for r in &m.records {
                let rid = policy.record_id(&r.id).unwrap();
                let table = policy.record_table(rid).unwrap();
                for column in ["c0", "c1", "c2", "not_secured"] {
                    for (access, privilege) in [(ColumnAccess::Read, Privilege::READ), (ColumnAccess::Update, Privilege::WRITE)] {
                        let col = policy.check_column(uid, rid, policy.column_id(table, column), access);
                        let rec = policy.check(uid, privilege, rid);
                        if col.decision().is_allow() {
                            prop_assert!(rec.decision().is_allow(), "{:?} allowed without the record: {:?}", (&u.id, &r.id, column), rec);
                        }
                        if !rec.decision().is_allow() {
                            prop_assert_eq!(col, ColumnReason::RecordDenied(rec));
                        }
                        if column == "not_secured" && rec.decision().is_allow() {
                            prop_assert_eq!(col, ColumnReason::NotSecured(rec));
                        }
                    }
                }
            }
        }
    }

    /// R6.9: hierarchy security never grants Create, Delete, Assign or Share, and only ever
    /// adds access: with the hierarchy turned off, every non-hierarchy decision is unchanged.
    #[test]
    fn hierarchy_only_adds_read_write_append(seed in common::seed()) {
        let m = common::model(&seed);
        let policy = m.build().unwrap();
        let mut off = m.clone();
        off.options.hierarchy.model = HierarchyModel::Off;
        let flat = off.build().unwrap();
        for (a, b) in common::all_decisions(&policy, &m).iter().zip(&common::all_decisions(&flat, &off)) {
            if let RecordReason::Hierarchy { .. } = a.3 {
                prop_assert!((Privilege::READ | Privilege::WRITE | Privilege::APPEND | Privilege::APPEND_TO).contains(a.1));
                prop_assert_eq!(b.3.decision(), Decision::Deny);
            } else {
                prop_assert_eq!(a.3, b.3);
            }
        }
    }
}
