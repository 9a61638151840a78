//! The compiled, immutable flow snapshot.

use crate::core::id::{dense_id, Interner};

use super::model::FlowOptions;
use super::reason::Explicit;
use super::system::{RoleMask, SystemRole};

dense_id!(
    /// A flow of a compiled [`FlowPolicy`].
    FlowId
);
dense_id!(
    /// An app user of a compiled [`FlowPolicy`].
    UserId
);
dense_id!(
    /// A role of a compiled [`FlowPolicy`]: the fourteen system roles are ids 0 to 13, in
    /// [`SystemRole`] order; custom roles follow in document order.
    RoleId
);
dense_id!(
    /// An API key of a compiled [`FlowPolicy`].
    KeyId
);

impl RoleId {
    /// The id of a system role, the same in every policy.
    pub fn system(role: SystemRole) -> RoleId {
        RoleId(role as u32)
    }
    /// The system role with this id, `None` for a custom role.
    pub fn as_system(self) -> Option<SystemRole> {
        SystemRole::from_index(self.0)
    }
}

/// The names behind every dense index.
#[derive(Debug, Clone)]
pub(crate) struct Names {
    pub(crate) flows: Interner,
    pub(crate) users: Interner,
    /// System role names first (ids 0 to 13), then custom roles.
    pub(crate) roles: Interner,
    pub(crate) keys: Interner,
}

/// Explicit role cells of one flow, or of the app-wide level.
#[derive(Debug, Clone, Default)]
pub(crate) struct RoleCells {
    /// Custom-role cells, sorted by role id, no inherited ones.
    pub(crate) custom: Vec<(u32, Explicit)>,
    /// System roles explicitly granted.
    pub(crate) system_grant: RoleMask,
    /// System roles explicitly denied.
    pub(crate) system_deny: RoleMask,
}

/// One compiled flow.
#[derive(Debug, Clone)]
pub(crate) struct FlowInfo {
    pub(crate) live: bool,
    /// User cells, sorted by user id, no inherited ones.
    pub(crate) users: Vec<(u32, Explicit)>,
    pub(crate) roles: RoleCells,
}

/// The roles a user holds on every request, or a key adds to it.
#[derive(Debug, Clone, Default)]
pub(crate) struct Holder {
    /// Custom role ids, sorted, deduplicated.
    pub(crate) custom: Vec<u32>,
    /// System roles: for a user, those of its login (FR-R6, FR-R11); for a key, its key roles.
    pub(crate) system: RoleMask,
}

/// A compiled flow model: immutable, `Send + Sync`, cheap to query.
///
/// Built by [`FlowModel::build`](super::FlowModel::build); asked by [`FlowPolicy::check`].
#[derive(Debug, Clone)]
pub struct FlowPolicy {
    pub(crate) options: FlowOptions,
    pub(crate) names: Names,
    pub(crate) flows: Vec<FlowInfo>,
    pub(crate) users: Vec<Holder>,
    pub(crate) keys: Vec<Holder>,
    pub(crate) app_wide: RoleCells,
    /// System and custom roles.
    pub(crate) role_count: usize,
}

macro_rules! lookups {
    ($($field:ident, $id:ident, $by_name:ident, $name_of:ident, $what:literal;)*) => {$(
        #[doc = concat!("The id of ", $what, " `name`, if the model defines it.")]
        #[inline]
        pub fn $by_name(&self, name: &str) -> Option<$id> {
            self.names.$field.get(name).map($id)
        }
        #[doc = concat!("The name of ", $what, " `id`; `\"?\"` for an id this policy did not hand out.")]
        pub fn $name_of(&self, id: $id) -> &str {
            self.names.$field.name(id.0)
        }
    )*};
}

impl FlowPolicy {
    lookups! {
        flows, FlowId, flow_id, flow_name, "flow";
        users, UserId, user_id, user_name, "user";
        keys, KeyId, key_id, key_name, "key";
    }

    /// The id of role `name`, custom or system; both spellings of the non-authenticated role
    /// name the same id (FR-R12).
    ///
    /// ```
    /// use accessgate::flows::*;
    ///
    /// let policy = FlowModel::default().build()?;
    /// let non = policy.role_id("NonAuthenticatedUser");
    /// assert_eq!(non, policy.role_id("NotAuthenticatedUser"));
    /// assert_eq!(non, Some(RoleId::system(SystemRole::NotAuthenticatedUser)));
    /// assert_eq!(policy.role_name(RoleId::system(SystemRole::JSUser)), "JSUser");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn role_id(&self, name: &str) -> Option<RoleId> {
        match SystemRole::from_name(name) {
            Some(role) => Some(RoleId::system(role)),
            None => self.names.roles.get(name).map(RoleId),
        }
    }

    /// The name of role `id`; `"?"` for an id this policy did not hand out.
    pub fn role_name(&self, id: RoleId) -> &str {
        self.names.roles.name(id.0)
    }

    /// The options the policy was built with.
    pub fn options(&self) -> &FlowOptions {
        &self.options
    }

    /// Number of flows.
    pub fn flow_count(&self) -> usize {
        self.flows.len()
    }

    /// Number of users.
    pub fn user_count(&self) -> usize {
        self.users.len()
    }

    /// Number of roles, the fourteen system roles included.
    pub fn role_count(&self) -> usize {
        self.role_count
    }

    /// Whether flow `flow` is LIVE; `None` for an unknown id.
    pub fn is_live(&self, flow: FlowId) -> Option<bool> {
        self.flows.get(flow.index()).map(|f| f.live)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The compiled policy can be shared across threads.
    #[test]
    fn policy_is_send_and_sync() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<FlowPolicy>();
    }
}
