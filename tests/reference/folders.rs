//! The folder strategies and plain reference evaluator, shared by
//! `tests/folders_properties.rs` and the trust tests.

#![allow(
    dead_code,
    clippy::unwrap_used,
    reason = "each test target uses a different part; the reference unwraps ids it generated"
)]

use std::collections::BTreeSet;

use accessgate::folders::*;
use proptest::prelude::*;
use proptest::sample::Index;

// ---------------------------------------------------------------------------------------------
// Valid random models.

/// Builds a valid model from raw choices: folders form a forest (a parent always comes
/// earlier), grants go only to local Non-admin users and non-System-admin groups, once per
/// folder and principal.
#[allow(clippy::type_complexity, reason = "a strategy's raw tuple")]
pub fn assemble(
    options: [bool; 4],
    parents: Vec<Option<Index>>,
    flows: Vec<(Index, bool)>,
    groups: Vec<(u8, bool)>,
    users: Vec<(u8, u8)>,
    grants: Vec<(Index, Index, u8)>,
) -> FolderModel {
    let mut m = FolderModel::default().with_options(
        FolderOptions::default()
            .with_inheritance(if options[0] {
                Inheritance::Subtree
            } else {
                Inheritance::FolderOnly
            })
            .with_combine(if options[1] {
                Combine::Highest
            } else {
                Combine::MostSpecific
            })
            .with_disabled_groups(if options[2] {
                DisabledGroups::GrantNothing
            } else {
                DisabledGroups::KeepUserRole
            })
            .with_create_folder(if options[3] {
                CreateFolder::SystemAdminOnly
            } else {
                CreateFolder::FolderAdminOnParent
            }),
    );
    for (i, parent) in parents.iter().enumerate() {
        m.folders.push(match (i, parent) {
            (0, _) | (_, None) => FolderDef::top(&format!("f{i}")),
            (_, Some(p)) => FolderDef::child(&format!("f{i}"), &format!("f{}", p.index(i))),
        });
    }
    for (i, (folder, switch)) in flows.iter().enumerate() {
        let mut flow = FlowDef::new(
            &format!("w{i}"),
            &format!("f{}", folder.index(m.folders.len())),
        );
        flow.show_resubmit_resume = *switch;
        m.flows.push(flow);
    }
    for (i, (role, enabled)) in groups.iter().enumerate() {
        let id = format!("g{i}");
        let mut group = match role {
            0 => GroupDef::without_role(&id),
            4 => GroupDef::new(&id, UserRole::SystemAdmin),
            _ => GroupDef::new(&id, UserRole::NonAdmin),
        };
        group.enabled = *enabled;
        m.groups.push(group);
    }
    for (i, (kind, membership)) in users.iter().enumerate() {
        let id = format!("u{i}");
        m.users.push(match kind {
            0..=2 => UserDef::local(&id, UserRole::NonAdmin),
            3 => UserDef::local(&id, UserRole::SystemAdmin),
            _ => {
                let mut user = UserDef::entra(&id, &[]);
                user.groups = (0..m.groups.len())
                    .filter(|g| membership & (1 << g) != 0)
                    .map(|g| format!("g{g}"))
                    .collect();
                user
            }
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
pub fn eligible_principals(m: &FolderModel) -> Vec<(String, String)> {
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

pub fn grant(folder: &str, principal: &(String, String), role: FolderRole) -> GrantDef {
    if principal.0 == "user" {
        GrantDef::user(folder, &principal.1, role)
    } else {
        GrantDef::group(folder, &principal.1, role)
    }
}

pub fn models() -> impl Strategy<Value = FolderModel> {
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
pub fn requests(m: &FolderModel) -> Vec<FolderRequest> {
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
                // Not a row of the tables: generated below.
                Target::FolderMember => {}
            }
        }
        // Removing each user and group from each folder's permission list (FO-R5 … FO-R7).
        for folder in &m.folders {
            let members = m
                .users
                .iter()
                .map(|x| FolderMember::User(x.id.clone()))
                .chain(m.groups.iter().map(|g| FolderMember::Group(g.id.clone())));
            for member in members {
                out.push(FolderRequest::remove_member(u, &folder.id, member));
            }
        }
    }
    out
}

pub fn decisions(m: &FolderModel) -> Vec<bool> {
    let policy = m.build().unwrap();
    requests(m)
        .iter()
        .map(|r| policy.check(r).decision().is_allow())
        .collect()
}

/// Every request allowed under `before` is allowed under `after` (same request list).
pub fn no_access_lost(before: &FolderModel, after: &FolderModel) -> Result<(), TestCaseError> {
    let (b, a) = (decisions(before), decisions(after));
    let rs = requests(before);
    for ((was, now), r) in b.iter().zip(&a).zip(&rs) {
        prop_assert!(!*was || *now, "{r:?} was allowed and no longer is");
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// The reference evaluator: the rules, read off the model document with strings and parent
// walks, no compiled indices.

pub mod reference {
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
    pub fn decide(m: &FolderModel, r: &FolderRequest) -> bool {
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
        if r.action == FolderAction::RemoveFromFolder {
            // FO-R6: permission lists are System admin only; FO-R5, FO-R7: a System admin's
            // access is implicit, never an entry; only an existing entry can be removed.
            if role != UserRole::SystemAdmin {
                return false;
            }
            let folder = r.folder.as_deref().unwrap_or_default();
            return match &r.member {
                Some(FolderMember::User(id)) => {
                    user(m, id).is_some_and(|x| user_role(m, x) != Some(UserRole::SystemAdmin))
                        && m.grants
                            .iter()
                            .any(|g| g.folder == folder && g.user.as_deref() == Some(id.as_str()))
                }
                Some(FolderMember::Group(id)) => {
                    group(m, id).is_some_and(|g| g.role != Some(UserRole::SystemAdmin))
                        && m.grants
                            .iter()
                            .any(|g| g.folder == folder && g.group.as_deref() == Some(id.as_str()))
                }
                None => false,
            };
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
