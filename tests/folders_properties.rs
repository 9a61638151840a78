//! Property tests of the folder-roles model: monotonicity of roles, grants and groups, totality
//! on hostile input, and a differential test against a plain reference evaluator written
//! straight from the rules of `folders.md`.

#![allow(
    clippy::unwrap_used,
    reason = "strategies and the reference evaluator unwrap ids they generated themselves"
)]

use accessgate::folders::*;
use accessgate::{authorize, Decision, Policy, Request};
use proptest::prelude::*;
use proptest::sample::Index;

// Valid random models and the reference evaluator are shared with the trust tests.
#[path = "reference/folders.rs"]
mod shared;

use shared::*;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// FO-R8 … FO-R10, FO-R16: raising one grant's role never allows less, under every option.
    #[test]
    fn higher_role_never_allows_less(m in models(), pick in any::<Index>()) {
        prop_assume!(!m.grants.is_empty());
        let i = pick.index(m.grants.len());
        let mut higher = m.clone();
        let role = higher.grants[i].role;
        higher.grants[i].role = match role {
            FolderRole::Reader => FolderRole::Operator,
            FolderRole::Operator | FolderRole::FolderAdmin => FolderRole::FolderAdmin,
        };
        no_access_lost(&m, &higher)?;
    }

    /// FO-R12: disabling a group never adds access (with the default FO-R16 combination; see
    /// `most_specific_is_not_monotone` for the other).
    #[test]
    fn disabling_a_group_never_adds_access(mut m in models(), pick in any::<Index>()) {
        m.options.combine = Combine::Highest;
        let enabled: Vec<usize> = (0..m.groups.len()).filter(|&g| m.groups[g].enabled).collect();
        prop_assume!(!enabled.is_empty());
        let mut disabled = m.clone();
        disabled.groups[enabled[pick.index(enabled.len())]].enabled = false;
        no_access_lost(&disabled, &m)?;
    }

    /// FO-R16: adding a grant never removes access (with the default combination).
    #[test]
    fn adding_a_grant_never_removes_access(
        mut m in models(),
        folder in any::<Index>(),
        principal in any::<Index>(),
        role in 0usize..3,
    ) {
        m.options.combine = Combine::Highest;
        let principals = eligible_principals(&m);
        prop_assume!(!principals.is_empty());
        let folder = m.folders[folder.index(m.folders.len())].id.clone();
        let principal = &principals[principal.index(principals.len())];
        let taken = m.grants.iter().any(|g| {
            g.folder == folder
                && (g.user.as_deref() == Some(&principal.1) && principal.0 == "user"
                    || g.group.as_deref() == Some(&principal.1) && principal.0 == "group")
        });
        prop_assume!(!taken);
        let mut more = m.clone();
        more.grants.push(grant(&folder, principal, FolderRole::ALL[role]));
        no_access_lost(&m, &more)?;
    }

    /// The compiled evaluator agrees with the reference evaluator on every request, under every
    /// option; allowed reasons say "allowed: ", denied ones "denied: ".
    #[test]
    fn evaluator_matches_reference(m in models()) {
        let policy = m.build().unwrap();
        for r in requests(&m) {
            let reason = policy.check(&r);
            let expected = reference::decide(&m, &r);
            prop_assert_eq!(reason.decision().is_allow(), expected, "{:?}: {:?}", r, reason);
            let text = reason.explain(&policy).to_string();
            let prefix = if expected { "allowed: " } else { "denied: " };
            prop_assert!(text.starts_with(prefix), "{}", text);
        }
    }

    /// Random, mostly invalid models either fail to build or answer every random request
    /// without panicking, through `authorize()` too.
    #[test]
    fn random_models_never_panic(m in hostile_models(), rs in prop::collection::vec(hostile_requests(), 0..20)) {
        if let Ok(policy) = m.build() {
            let whole = Policy::from(policy.clone());
            for r in rs {
                let reason = policy.check(&r);
                let _ = reason.explain(&policy).to_string();
                let response = authorize(&whole, &Request::Folder(r));
                prop_assert_eq!(response.decision(), reason.decision());
                let _ = response.explain(&whole).to_string();
            }
        }
    }
}

proptest! {
    /// Valid models answer hostile requests (unknown ids, missing and superfluous fields)
    /// without panicking, and a request with a missing or superfluous field always denies.
    #[test]
    fn hostile_requests_never_panic(m in models(), rs in prop::collection::vec(hostile_requests(), 0..40)) {
        let policy = m.build().unwrap();
        for r in rs {
            let reason = policy.check(&r);
            let text = reason.explain(&policy).to_string();
            prop_assert!(text.starts_with("allowed: ") || text.starts_with("denied: "), "{}", text);
            if reason.code() == "malformed_request" || reason.code().starts_with("unknown_") {
                prop_assert_eq!(reason.decision(), Decision::Deny);
            }
        }
    }
}

/// FO-R16 `Combine::MostSpecific` is not monotone: a Reader grant deeper down takes away the
/// Folder admin inherited from above, and disabling that grant's group gives it back. This is
/// why the monotonicity properties above fix `Combine::Highest`.
#[test]
fn most_specific_is_not_monotone() {
    let mut m = FolderModel::default();
    m.options.combine = Combine::MostSpecific;
    m.folders.push(FolderDef::top("top"));
    m.folders.push(FolderDef::child("sub", "top"));
    m.flows.push(FlowDef::new("flow", "sub"));
    m.groups.push(GroupDef::new("admins", UserRole::NonAdmin));
    m.groups.push(GroupDef::new("readers", UserRole::NonAdmin));
    m.users.push(UserDef::entra("eve", &["admins", "readers"]));
    m.grants
        .push(GrantDef::group("top", "admins", FolderRole::FolderAdmin));
    let delete = FolderRequest::on_flow("eve", FolderAction::DeleteFlow, "flow");
    let decide = |m: &FolderModel| m.build().unwrap().check(&delete).decision();

    assert_eq!(decide(&m), Decision::Allow);
    m.grants
        .push(GrantDef::group("sub", "readers", FolderRole::Reader));
    assert_eq!(decide(&m), Decision::Deny, "adding a grant removed access");
    m.groups[1].enabled = false;
    assert_eq!(
        decide(&m),
        Decision::Allow,
        "disabling a group added access"
    );
    m.options.combine = Combine::Highest;
    m.groups[1].enabled = true;
    assert_eq!(decide(&m), Decision::Allow);
}

// ---------------------------------------------------------------------------------------------
// Hostile input.

fn name() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        "[abc]",
        "f[0-3]",
        "u[0-2]",
        "g[0-2]",
        "w[0-2]",
    ]
}

fn opt_name() -> impl Strategy<Value = Option<String>> {
    prop::option::of(name())
}

fn user_role() -> impl Strategy<Value = Option<UserRole>> {
    prop::option::of(prop_oneof![
        Just(UserRole::NonAdmin),
        Just(UserRole::SystemAdmin)
    ])
}

fn folder_role() -> impl Strategy<Value = FolderRole> {
    prop::sample::select(FolderRole::ALL.to_vec())
}

fn hostile_models() -> impl Strategy<Value = FolderModel> {
    let folders = prop::collection::vec(
        (name(), opt_name()).prop_map(|(id, parent)| match parent {
            Some(parent) => FolderDef::child(&id, &parent),
            None => FolderDef::top(&id),
        }),
        0..6,
    );
    let flows = prop::collection::vec(
        (name(), name(), any::<bool>()).prop_map(|(id, folder, s)| {
            let mut flow = FlowDef::new(&id, &folder);
            flow.show_resubmit_resume = s;
            flow
        }),
        0..4,
    );
    let users = prop::collection::vec(
        (
            name(),
            any::<bool>(),
            user_role(),
            prop::collection::vec(name(), 0..3),
        )
            .prop_map(|(id, local, role, groups)| {
                let mut user = UserDef::entra(&id, &[]);
                user.kind = if local {
                    UserKind::Local
                } else {
                    UserKind::Entra
                };
                user.role = role;
                user.groups = groups;
                user
            }),
        0..4,
    );
    let groups = prop::collection::vec(
        (name(), user_role(), any::<bool>()).prop_map(|(id, role, enabled)| {
            let mut group = GroupDef::without_role(&id);
            group.role = role;
            group.enabled = enabled;
            group
        }),
        0..4,
    );
    let grants = prop::collection::vec(
        (name(), opt_name(), opt_name(), folder_role()).prop_map(|(folder, user, group, role)| {
            let mut grant = GrantDef::user(&folder, "", role);
            grant.user = user;
            grant.group = group;
            grant
        }),
        0..5,
    );
    (any::<[bool; 4]>(), folders, flows, users, groups, grants).prop_map(
        |(o, folders, flows, users, groups, grants)| {
            let base = assemble(o, vec![None], vec![], vec![], vec![(0, 0)], vec![]);
            let mut model = FolderModel::default().with_options(base.options);
            model.folders = folders;
            model.flows = flows;
            model.users = users;
            model.groups = groups;
            model.grants = grants;
            model
        },
    )
}

fn hostile_requests() -> impl Strategy<Value = FolderRequest> {
    let mut actions = FolderAction::ALL.to_vec();
    actions.push(FolderAction::RemoveFromFolder);
    (
        name(),
        prop::sample::select(actions),
        opt_name(),
        opt_name(),
        opt_name(),
        (opt_name(), any::<bool>()),
    )
        .prop_map(|(user, action, flow, folder, to_folder, (member, group))| {
            let mut request = FolderRequest::area(&user, action);
            request.flow = flow;
            request.folder = folder;
            request.to_folder = to_folder;
            request.member = member.map(|m| match group {
                true => FolderMember::Group(m),
                false => FolderMember::User(m),
            });
            request
        })
}
