//! Property tests of the folder-roles model: monotonicity of roles, grants and groups, totality
//! on hostile input, and a differential test against a plain reference evaluator written
//! straight from the rules of `folders.md`.

#![allow(
    clippy::unwrap_used,
    reason = "strategies and the reference evaluator unwrap ids they generated themselves"
)]

use std::collections::BTreeSet;

use accessgate::folders::*;
use accessgate::{authorize, Decision, Policy, Request};
use proptest::prelude::*;
use proptest::sample::Index;

// ---------------------------------------------------------------------------------------------
// Valid random models.

/// Builds a valid model from raw choices: folders form a forest (a parent always comes
/// earlier), grants go only to local Non-admin users and non-System-admin groups, once per
/// folder and principal.
#[allow(clippy::type_complexity, reason = "a strategy's raw tuple")]
fn assemble(
    options: [bool; 4],
    parents: Vec<Option<Index>>,
    flows: Vec<(Index, bool)>,
    groups: Vec<(u8, bool)>,
    users: Vec<(u8, u8)>,
    grants: Vec<(Index, Index, u8)>,
) -> FolderModel {
    let mut m = FolderModel {
        options: FolderOptions {
            inheritance: if options[0] {
                Inheritance::Subtree
            } else {
                Inheritance::FolderOnly
            },
            combine: if options[1] {
                Combine::Highest
            } else {
                Combine::MostSpecific
            },
            disabled_groups: if options[2] {
                DisabledGroups::GrantNothing
            } else {
                DisabledGroups::KeepUserRole
            },
            create_folder: if options[3] {
                CreateFolder::SystemAdminOnly
            } else {
                CreateFolder::FolderAdminOnParent
            },
        },
        ..FolderModel::default()
    };
    for (i, parent) in parents.iter().enumerate() {
        m.folders.push(FolderDef {
            id: format!("f{i}"),
            parent: match (i, parent) {
                (0, _) | (_, None) => None,
                (_, Some(p)) => Some(format!("f{}", p.index(i))),
            },
        });
    }
    for (i, (folder, switch)) in flows.iter().enumerate() {
        m.flows.push(FlowDef {
            id: format!("w{i}"),
            folder: format!("f{}", folder.index(m.folders.len())),
            show_resubmit_resume: *switch,
        });
    }
    for (i, (role, enabled)) in groups.iter().enumerate() {
        m.groups.push(GroupDef {
            id: format!("g{i}"),
            role: match role {
                0 => None,
                4 => Some(UserRole::SystemAdmin),
                _ => Some(UserRole::NonAdmin),
            },
            enabled: *enabled,
        });
    }
    for (i, (kind, membership)) in users.iter().enumerate() {
        let id = format!("u{i}");
        m.users.push(match kind {
            0..=2 => UserDef::local(&id, UserRole::NonAdmin),
            3 => UserDef::local(&id, UserRole::SystemAdmin),
            _ => UserDef {
                id,
                kind: UserKind::Entra,
                role: None,
                groups: (0..m.groups.len())
                    .filter(|g| membership & (1 << g) != 0)
                    .map(|g| format!("g{g}"))
                    .collect(),
            },
        });
    }
    let principals = eligible_principals(&m);
    let mut seen = BTreeSet::new();
    for (folder, principal, role) in grants {
        if principals.is_empty() {
            break;
        }
        let folder = format!("f{}", folder.index(m.folders.len()));
        let principal = principals[principal.index(principals.len())].clone();
        if seen.insert((folder.clone(), principal.clone())) {
            m.grants.push(grant(
                &folder,
                &principal,
                FolderRole::ALL[role as usize % 3],
            ));
        }
    }
    m
}

/// `("user" | "group", id)` of everyone who may be assigned to a folder (FO-R7, FO-R14).
fn eligible_principals(m: &FolderModel) -> Vec<(String, String)> {
    let users = m
        .users
        .iter()
        .filter(|u| u.kind == UserKind::Local && u.role != Some(UserRole::SystemAdmin))
        .map(|u| ("user".to_owned(), u.id.clone()));
    let groups = m
        .groups
        .iter()
        .filter(|g| g.role != Some(UserRole::SystemAdmin))
        .map(|g| ("group".to_owned(), g.id.clone()));
    users.chain(groups).collect()
}

fn grant(folder: &str, principal: &(String, String), role: FolderRole) -> GrantDef {
    if principal.0 == "user" {
        GrantDef::user(folder, &principal.1, role)
    } else {
        GrantDef::group(folder, &principal.1, role)
    }
}

fn models() -> impl Strategy<Value = FolderModel> {
    (
        any::<[bool; 4]>(),
        prop::collection::vec(any::<Option<Index>>(), 1..7),
        prop::collection::vec((any::<Index>(), prop::bool::weighted(0.8)), 1..5),
        prop::collection::vec((0u8..5, prop::bool::weighted(0.7)), 0..4),
        prop::collection::vec((0u8..6, any::<u8>()), 1..5),
        prop::collection::vec((any::<Index>(), any::<Index>(), 0u8..3), 0..8),
    )
        .prop_map(|(o, p, f, g, u, gr)| assemble(o, p, f, g, u, gr))
}

/// Every well-formed request on the model: each user, each action, each flow, folder and move.
fn requests(m: &FolderModel) -> Vec<FolderRequest> {
    let mut out = Vec::new();
    for user in &m.users {
        let u = user.id.as_str();
        for action in FolderAction::ALL {
            match action.target() {
                Target::Flow => {
                    for flow in &m.flows {
                        out.push(FolderRequest::on_flow(u, action, &flow.id));
                        if action == FolderAction::EditFlow {
                            for to in &m.folders {
                                out.push(FolderRequest::move_flow(u, &flow.id, &to.id));
                            }
                        }
                    }
                }
                Target::Folder => {
                    for folder in &m.folders {
                        out.push(FolderRequest::on_folder(u, action, &folder.id));
                    }
                }
                Target::ParentFolder => {
                    out.push(FolderRequest::area(u, action));
                    for folder in &m.folders {
                        out.push(FolderRequest::on_folder(u, action, &folder.id));
                    }
                }
                Target::Area => out.push(FolderRequest::area(u, action)),
            }
        }
    }
    out
}

fn decisions(m: &FolderModel) -> Vec<bool> {
    let policy = m.build().unwrap();
    requests(m)
        .iter()
        .map(|r| policy.check(r).decision().is_allow())
        .collect()
}

/// Every request allowed under `before` is allowed under `after` (same request list).
fn no_access_lost(before: &FolderModel, after: &FolderModel) -> Result<(), TestCaseError> {
    let (b, a) = (decisions(before), decisions(after));
    let rs = requests(before);
    for ((was, now), r) in b.iter().zip(&a).zip(&rs) {
        prop_assert!(!*was || *now, "{r:?} was allowed and no longer is");
    }
    Ok(())
}

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
        (name(), opt_name()).prop_map(|(id, parent)| FolderDef { id, parent }),
        0..6,
    );
    let flows = prop::collection::vec(
        (name(), name(), any::<bool>()).prop_map(|(id, folder, s)| FlowDef {
            id,
            folder,
            show_resubmit_resume: s,
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
            .prop_map(|(id, local, role, groups)| UserDef {
                id,
                kind: if local {
                    UserKind::Local
                } else {
                    UserKind::Entra
                },
                role,
                groups,
            }),
        0..4,
    );
    let groups = prop::collection::vec(
        (name(), user_role(), any::<bool>()).prop_map(|(id, role, enabled)| GroupDef {
            id,
            role,
            enabled,
        }),
        0..4,
    );
    let grants = prop::collection::vec(
        (name(), opt_name(), opt_name(), folder_role()).prop_map(|(folder, user, group, role)| {
            GrantDef {
                folder,
                user,
                group,
                role,
            }
        }),
        0..5,
    );
    (any::<[bool; 4]>(), folders, flows, users, groups, grants).prop_map(
        |(o, folders, flows, users, groups, grants)| {
            let base = assemble(o, vec![None], vec![], vec![], vec![(0, 0)], vec![]);
            FolderModel {
                options: base.options,
                folders,
                flows,
                users,
                groups,
                grants,
            }
        },
    )
}

fn hostile_requests() -> impl Strategy<Value = FolderRequest> {
    (
        name(),
        prop::sample::select(FolderAction::ALL.to_vec()),
        opt_name(),
        opt_name(),
        opt_name(),
    )
        .prop_map(|(user, action, flow, folder, to_folder)| FolderRequest {
            user,
            action,
            flow,
            folder,
            to_folder,
        })
}

// ---------------------------------------------------------------------------------------------
// The reference evaluator: the rules, read off the model document with strings and parent
// walks, no compiled indices.

mod reference {
    use accessgate::folders::*;

    fn user<'a>(m: &'a FolderModel, id: &str) -> Option<&'a UserDef> {
        m.users.iter().find(|u| u.id == id)
    }

    fn group<'a>(m: &'a FolderModel, id: &str) -> Option<&'a GroupDef> {
        m.groups.iter().find(|g| g.id == id)
    }

    /// FO-R12: whether a group counts for the user role and sign-in.
    fn counts_for_user_role(m: &FolderModel, g: &GroupDef) -> bool {
        g.enabled || m.options.disabled_groups == DisabledGroups::KeepUserRole
    }

    /// FO-R2, FO-R4.
    fn user_role(m: &FolderModel, u: &UserDef) -> Option<UserRole> {
        match u.kind {
            UserKind::Local => Some(u.role.unwrap_or(UserRole::NonAdmin)),
            UserKind::Entra => u
                .groups
                .iter()
                .filter_map(|g| group(m, g))
                .filter(|g| counts_for_user_role(m, g))
                .filter_map(|g| g.role)
                .max(),
        }
    }

    /// The folder and its ancestors, nearest first.
    fn path<'a>(m: &'a FolderModel, folder: &'a str) -> Vec<&'a str> {
        let mut out = vec![folder];
        let mut at = folder;
        while let Some(parent) = m
            .folders
            .iter()
            .find(|f| f.id == at)
            .and_then(|f| f.parent.as_deref())
        {
            out.push(parent);
            at = parent;
        }
        out
    }

    /// FO-R14, FO-R12: the grants that count for the user: direct, and of enabled groups.
    fn grants<'a>(m: &'a FolderModel, u: &'a UserDef) -> impl Iterator<Item = &'a GrantDef> {
        m.grants.iter().filter(move |g| {
            g.user.as_deref() == Some(u.id.as_str())
                || g.group.as_deref().is_some_and(|name| {
                    u.groups.iter().any(|mine| mine == name)
                        && group(m, name).is_some_and(|g| g.enabled)
                })
        })
    }

    /// FO-R15, FO-R16: the user's folder role at `folder`.
    fn role_at(m: &FolderModel, u: &UserDef, folder: &str) -> Option<FolderRole> {
        let p = path(m, folder);
        // (distance from `folder`, role) of each grant that applies.
        let applying: Vec<(usize, FolderRole)> = grants(m, u)
            .filter_map(|g| {
                let distance = p.iter().position(|f| *f == g.folder)?;
                match m.options.inheritance {
                    Inheritance::Subtree => Some((distance, g.role)),
                    Inheritance::FolderOnly => (distance == 0).then_some((0, g.role)),
                }
            })
            .collect();
        match m.options.combine {
            Combine::Highest => applying.iter().map(|(_, r)| *r).max(),
            Combine::MostSpecific => {
                let nearest = applying.iter().map(|(d, _)| *d).min()?;
                applying
                    .iter()
                    .filter(|(d, _)| *d == nearest)
                    .map(|(_, r)| *r)
                    .max()
            }
        }
    }

    fn at_least(m: &FolderModel, u: &UserDef, folder: &str, needed: FolderRole) -> bool {
        role_at(m, u, folder).is_some_and(|r| r >= needed)
    }

    /// Only well-formed requests with known ids (what `requests()` generates).
    pub(super) fn decide(m: &FolderModel, r: &FolderRequest) -> bool {
        let Some(u) = user(m, &r.user) else {
            return false;
        };
        if r.action == FolderAction::AddEntraUser {
            // FO-R3.
            return u.kind == UserKind::Entra
                && u.groups
                    .iter()
                    .filter_map(|g| group(m, g))
                    .any(|g| counts_for_user_role(m, g));
        }
        let Some(role) = user_role(m, u) else {
            return false; // FO-R4
        };
        let flow = r
            .flow
            .as_deref()
            .and_then(|id| m.flows.iter().find(|f| f.id == id));
        if r.action == FolderAction::ResubmitResume && flow.is_some_and(|f| !f.show_resubmit_resume)
        {
            return false; // FO-R11
        }
        if role == UserRole::SystemAdmin {
            return true; // FO-R5, FO-R6, FO-R20
        }
        use FolderAction as A;
        match r.action {
            A::ViewSettings | A::ViewStatistics => true,
            A::ViewFlowStatuses | A::ViewFlowTraces => {
                at_least(m, u, &flow.unwrap().folder, FolderRole::Reader)
            }
            A::ResubmitResume => at_least(m, u, &flow.unwrap().folder, FolderRole::Operator),
            A::DeleteFlow => at_least(m, u, &flow.unwrap().folder, FolderRole::FolderAdmin),
            A::EditFlow => {
                let from = flow.unwrap().folder.as_str();
                let to = r.to_folder.as_deref().unwrap_or(from);
                at_least(m, u, from, FolderRole::FolderAdmin)
                    && at_least(m, u, to, FolderRole::FolderAdmin)
            }
            A::AddFlow => at_least(m, u, r.folder.as_deref().unwrap(), FolderRole::FolderAdmin),
            A::ViewFolder => {
                // FO-R18: a grant applies, or a grant lies strictly below.
                let folder = r.folder.as_deref().unwrap();
                role_at(m, u, folder).is_some()
                    || grants(m, u)
                        .any(|g| g.folder != folder && path(m, &g.folder).contains(&folder))
            }
            A::CreateFolder => match (m.options.create_folder, r.folder.as_deref()) {
                (CreateFolder::FolderAdminOnParent, Some(parent)) => {
                    at_least(m, u, parent, FolderRole::FolderAdmin)
                }
                _ => false,
            },
            _ => false,
        }
    }
}
