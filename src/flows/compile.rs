//! Validating a [`FlowModel`] and compiling it into a [`FlowPolicy`].

use std::collections::HashSet;

use crate::core::id::Interner;
use crate::limits::BuildLimits;

use super::error::{FlowEntity, FlowModelError};
use super::model::{FlowModel, Login, Permission, Permissions};
use super::policy::{FlowInfo, FlowPolicy, Holder, Names, RoleCells};
use super::reason::Explicit;
use super::system::{RoleMask, SystemRole};

/// The most entities of one kind a snapshot holds; indices are `u32`.
const LIMIT: usize = (u32::MAX - 1) as usize;

impl FlowModel {
    /// Validates the model and compiles it into an immutable, `Send + Sync` snapshot.
    ///
    /// # Errors
    /// A [`FlowModelError`] naming the first offending id: an empty or duplicate id, a custom role
    /// with a system role's name, a user listing a system role, a reference to a user, role or
    /// key that does not exist, or a permission tab or role list naming the same user or role
    /// twice (the two spellings of the non-authenticated role count as one, FR-R12).
    ///
    /// ```
    /// use accessgate::flows::*;
    ///
    /// let mut model = FlowModel::default();
    /// model.flows.push(FlowDef::new("invoice").user("mallory", Permission::Deny));
    /// assert_eq!(
    ///     model.build().err().map(|e| e.to_string()).as_deref(),
    ///     Some("flow `invoice` names user `mallory`, which does not exist")
    /// );
    /// ```
    pub fn build(&self) -> Result<FlowPolicy, FlowModelError> {
        self.build_with_limits(&BuildLimits::default())
    }

    /// [`build`](Self::build) with explicit [`BuildLimits`]: flows, users and keys (counted
    /// together as users), custom roles, permission cells (`role_cells`) and role-list entries
    /// (`memberships`).
    ///
    /// # Errors
    /// As [`build`](Self::build), or [`FlowModelError::TooLarge`] for the first limit passed.
    pub fn build_with_limits(&self, limits: &BuildLimits) -> Result<FlowPolicy, FlowModelError> {
        check_limits(self, limits)?;
        compile(self)
    }
}

/// Checks the counts of a flow model against `limits`, before any allocation.
fn check_limits(m: &FlowModel, limits: &BuildLimits) -> Result<(), FlowModelError> {
    BuildLimits::check("flows", m.flows.len(), limits.flows)?;
    let users = m.users.len().saturating_add(m.keys.len());
    BuildLimits::check("users", users, limits.users)?;
    BuildLimits::check("roles", m.roles.len(), limits.roles)?;
    let cells = m
        .flows
        .iter()
        .map(|f| f.users.0.len().saturating_add(f.roles.0.len()))
        .fold(m.app_wide_roles.0.len(), usize::saturating_add);
    BuildLimits::check("role_cells", cells, limits.role_cells)?;
    let lists = m
        .users
        .iter()
        .map(|u| u.roles.len())
        .chain(m.keys.iter().map(|k| k.roles.len()))
        .fold(0, usize::saturating_add);
    BuildLimits::check("memberships", lists, limits.memberships)?;
    Ok(())
}

fn check_count(kind: FlowEntity, count: usize) -> Result<(), FlowModelError> {
    if count > LIMIT {
        return Err(FlowModelError::TooMany {
            kind,
            count,
            limit: LIMIT,
        });
    }
    Ok(())
}

fn intern<'a>(
    kind: FlowEntity,
    names: &mut Interner,
    ids: impl ExactSizeIterator<Item = &'a str>,
) -> Result<(), FlowModelError> {
    check_count(kind, ids.len())?;
    for id in ids {
        if id.is_empty() {
            return Err(FlowModelError::EmptyId { kind });
        }
        if names.insert(id).is_none() {
            return Err(FlowModelError::DuplicateId {
                kind,
                id: id.into(),
            });
        }
    }
    Ok(())
}

/// Role lookup by name: system roles (either spelling) first, then custom roles.
fn role_index(roles: &Interner, name: &str) -> Option<u32> {
    match SystemRole::from_name(name) {
        Some(role) => Some(role as u32),
        None => roles.get(name),
    }
}

fn unknown(kind: FlowEntity, id: &str, referrer: impl FnOnce() -> String) -> FlowModelError {
    FlowModelError::UnknownReference {
        kind,
        id: id.into(),
        referrer: referrer(),
    }
}

/// Resolves a role list (a user's or a key's) into a [`Holder`], rejecting repeats.
fn holder(
    roles: &Interner,
    list: &[String],
    referrer: impl Fn() -> String,
    system_allowed: bool,
    owner: &str,
) -> Result<Holder, FlowModelError> {
    let mut h = Holder::default();
    let mut seen = HashSet::new();
    for name in list {
        let index =
            role_index(roles, name).ok_or_else(|| unknown(FlowEntity::Role, name, &referrer))?;
        let fresh = match SystemRole::from_index(index) {
            Some(_) if !system_allowed => {
                return Err(FlowModelError::SystemRoleOnUser {
                    user: owner.into(),
                    role: name.clone(),
                })
            }
            Some(system) => h.system.insert(system),
            None => {
                h.custom.push(index);
                seen.insert(index)
            }
        };
        if !fresh {
            return Err(FlowModelError::DuplicateReference {
                kind: FlowEntity::Role,
                id: name.clone(),
                referrer: referrer(),
            });
        }
    }
    h.custom.sort_unstable();
    Ok(h)
}

fn explicit(permission: Permission) -> Option<Explicit> {
    match permission {
        Permission::Inherit => None,
        Permission::Grant => Some(Explicit::Grant),
        Permission::Deny => Some(Explicit::Deny),
    }
}

/// Resolves a roles tab into [`RoleCells`], rejecting unknown and repeated roles.
fn role_cells(
    roles: &Interner,
    tab: &Permissions,
    referrer: impl Fn() -> String,
) -> Result<RoleCells, FlowModelError> {
    let mut cells = RoleCells::default();
    let mut seen_system = RoleMask::EMPTY;
    let mut seen_custom = HashSet::new();
    for (name, permission) in tab.iter() {
        let index =
            role_index(roles, name).ok_or_else(|| unknown(FlowEntity::Role, name, &referrer))?;
        let fresh = match SystemRole::from_index(index) {
            Some(system) => seen_system.insert(system),
            None => seen_custom.insert(index),
        };
        if !fresh {
            return Err(FlowModelError::DuplicateReference {
                kind: FlowEntity::Role,
                id: name.into(),
                referrer: referrer(),
            });
        }
        match (SystemRole::from_index(index), explicit(permission)) {
            (_, None) => {}
            (Some(system), Some(Explicit::Grant)) => {
                cells.system_grant.insert(system);
            }
            (Some(system), Some(Explicit::Deny)) => {
                cells.system_deny.insert(system);
            }
            (None, Some(e)) => cells.custom.push((index, e)),
        }
    }
    cells.custom.sort_unstable_by_key(|(r, _)| *r);
    Ok(cells)
}

fn compile(m: &FlowModel) -> Result<FlowPolicy, FlowModelError> {
    let options = m.options;

    let mut flows = Interner::default();
    intern(
        FlowEntity::Flow,
        &mut flows,
        m.flows.iter().map(|f| f.id.as_str()),
    )?;
    let mut users = Interner::default();
    intern(
        FlowEntity::User,
        &mut users,
        m.users.iter().map(|u| u.id.as_str()),
    )?;
    let mut keys = Interner::default();
    intern(
        FlowEntity::Key,
        &mut keys,
        m.keys.iter().map(|k| k.id.as_str()),
    )?;
    check_count(
        FlowEntity::Role,
        m.roles.len().saturating_add(SystemRole::ALL.len()),
    )?;
    let mut roles = Interner::default();
    for system in SystemRole::ALL {
        roles.insert(system.name());
    }
    for role in &m.roles {
        if SystemRole::from_name(role).is_some() {
            return Err(FlowModelError::ReservedRoleName { role: role.clone() });
        }
    }
    intern(
        FlowEntity::Role,
        &mut roles,
        m.roles.iter().map(String::as_str),
    )?;

    let user_holders = m
        .users
        .iter()
        .map(|u| {
            let mut h = holder(
                &roles,
                &u.roles,
                || format!("user `{}`", u.id),
                false,
                &u.id,
            )?;
            // FR-R6, FR-R11: the system roles of the user's login.
            let authenticated = !matches!(u.login, Login::Guest) || options.guest_is_authenticated;
            if authenticated {
                h.system.insert(SystemRole::AuthenticatedUser);
            }
            let social = match u.login {
                Login::Password | Login::Guest => None,
                Login::Facebook => Some(SystemRole::FacebookUser),
                Login::GooglePlus => Some(SystemRole::GooglePlusUser),
                Login::Twitter => Some(SystemRole::TwitterUser),
                Login::Social => Some(SystemRole::SocialUser),
            };
            if let Some(network) = social {
                h.system.insert(SystemRole::SocialUser);
                h.system.insert(network);
            }
            if matches!(u.login, Login::Guest) {
                h.system.insert(SystemRole::GuestUser);
            }
            Ok(h)
        })
        .collect::<Result<Vec<_>, FlowModelError>>()?;

    let key_holders = m
        .keys
        .iter()
        .map(|k| holder(&roles, &k.roles, || format!("key `{}`", k.id), true, &k.id))
        .collect::<Result<Vec<_>, _>>()?;

    let mut flow_infos = Vec::with_capacity(m.flows.len());
    for f in &m.flows {
        let referrer = || format!("flow `{}`", f.id);
        let mut user_cells: Vec<(u32, Explicit)> = Vec::new();
        let mut seen = HashSet::new();
        for (name, permission) in f.users.iter() {
            let u = users
                .get(name)
                .ok_or_else(|| unknown(FlowEntity::User, name, referrer))?;
            if !seen.insert(u) {
                return Err(FlowModelError::DuplicateReference {
                    kind: FlowEntity::User,
                    id: name.into(),
                    referrer: referrer(),
                });
            }
            if let Some(e) = explicit(permission) {
                user_cells.push((u, e));
            }
        }
        user_cells.sort_unstable_by_key(|(u, _)| *u);
        flow_infos.push(FlowInfo {
            live: f.live,
            users: user_cells,
            roles: role_cells(&roles, &f.roles, referrer)?,
        });
    }

    let app_wide = role_cells(&roles, &m.app_wide_roles, || {
        "the app-wide role permissions".to_owned()
    })?;

    let role_count = SystemRole::ALL.len() + m.roles.len();
    Ok(FlowPolicy {
        options,
        names: Names {
            flows,
            users,
            roles,
            keys,
        },
        flows: flow_infos,
        users: user_holders,
        keys: key_holders,
        app_wide,
        role_count,
    })
}
