//! The flow model as a document: what [`FlowModel::build`] reads, validates and compiles.
//!
//! Every entity is named by a string id unique within its kind. Permission entries, users' roles
//! and keys' roles refer to those ids; the build resolves and checks every one of them.
//!
//! The structs are `#[non_exhaustive]`: outside this crate they are made with their
//! constructors and chainable methods (`FlowDef::new("invoice").role(..)`,
//! `FlowOptions::default().with_max_call_depth(4)`) and their fields assigned, never written as
//! struct literals, so a new field breaks no caller.

use std::fmt;

use serde::de::{MapAccess, Visitor};
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::core::setters::setters;

/// An app's flows, users, custom roles, API keys and flow execution permissions.
///
/// With nothing set, every caller may run every LIVE flow (FR-R16).
///
/// ```
/// use accessgate::flows::*;
///
/// let mut model = FlowModel::default();
/// model.roles.push("Sales".into());
/// model.users.push(UserDef::new("alice").with_roles(&["Sales"]));
/// model.flows.push(
///     FlowDef::new("invoice")
///         .role("NonAuthenticatedUser", Permission::Deny)
///         .role("Sales", Permission::Grant),
/// );
/// let policy = model.build()?;
///
/// let anonymous = policy.check(&FlowRequest::anonymous("invoice"));
/// assert_eq!(anonymous.code(), "system_role_deny");
/// let alice = policy.check(&FlowRequest::user("invoice", "alice"));
/// assert_eq!(alice.code(), "custom_role_grant");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(default, deny_unknown_fields)]
#[non_exhaustive]
pub struct FlowModel {
    /// The choices for the reference's open questions.
    pub options: FlowOptions,
    /// Custom (developer-defined) role ids. System roles (FR-R5) exist without being listed and
    /// may not be listed here.
    pub roles: Vec<String>,
    /// App users and the custom roles each holds (FR-R8).
    pub users: Vec<UserDef>,
    /// API keys and the roles each carries (FR-R7, FR-R13).
    pub keys: Vec<KeyDef>,
    /// Flows with their execution permissions (FR-R1).
    pub flows: Vec<FlowDef>,
    /// App-wide role permissions, the level below every flow's own (FR-R15, FR-R17, FR-R18
    /// levels 8 and 9). Empty by default: then nothing upstream turns an inherited cell into a
    /// deny (FR-R17).
    #[serde(skip_serializing_if = "Permissions::is_empty")]
    pub app_wide_roles: Permissions,
}

/// The model's choices where the reference leaves a meaning open; each default is the
/// reference's \[I\] default.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(default, deny_unknown_fields)]
#[non_exhaustive]
pub struct FlowOptions {
    /// FR-R22: whether custom roles and system roles are two levels or one.
    pub role_levels: RoleLevels,
    /// FR-R25: which principal a Call Flow step's inner flow is checked against.
    pub call_identity: CallIdentity,
    /// FR-R27: the most Call Flow hops above the requested flow (`call_chain` entries). A longer
    /// chain denies with `call_depth_exceeded`. Default 16; no limit is documented upstream.
    pub max_call_depth: u16,
    /// FR-R27: what a flow that appears twice on the call chain does.
    pub cycles: Cycles,
    /// FR-R29: whether every link of a call chain is checked or only the last one.
    pub chain_check: ChainCheck,
    /// FR-R11: whether a guest-login user also holds `AuthenticatedUser` (besides `GuestUser`).
    /// Default `true`.
    pub guest_is_authenticated: bool,
}

impl FlowModel {
    /// The same model with `options`.
    #[must_use]
    pub fn with_options(mut self, options: FlowOptions) -> Self {
        self.options = options;
        self
    }
}

setters!(FlowOptions, "options" {
    with_role_levels => role_levels: RoleLevels,
    with_call_identity => call_identity: CallIdentity,
    with_max_call_depth => max_call_depth: u16,
    with_cycles => cycles: Cycles,
    with_chain_check => chain_check: ChainCheck,
    with_guest_is_authenticated => guest_is_authenticated: bool,
});

impl Default for FlowOptions {
    fn default() -> Self {
        FlowOptions {
            role_levels: RoleLevels::default(),
            call_identity: CallIdentity::default(),
            max_call_depth: 16,
            cycles: Cycles::default(),
            chain_check: ChainCheck::default(),
            guest_is_authenticated: true,
        }
    }
}

/// FR-R22: how custom and system roles are ranked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum RoleLevels {
    /// Custom roles first, deny-wins among them; then system roles, deny-wins among them
    /// (S6/S7 order, S9). A custom-role grant beats a system-role deny. Default.
    #[default]
    Separate,
    /// One level: any role deny, custom or system, beats any role grant.
    Combined,
}

/// FR-R25: who the caller is when a flow's Call Flow step starts another flow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum CallIdentity {
    /// The inner flow is checked against the principal the outermost execution runs as: the
    /// user, key and roles of the API call, or server context for a scheduled or triggered
    /// start. Default.
    #[default]
    PropagateCaller,
    /// Every Call Flow hop runs as server context: no user, roles {`ServerCodeUser`}.
    ServerContext,
}

/// FR-R27: flows that repeat on a call chain.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Cycles {
    /// A flow that already runs on the chain denies with `call_cycle`, naming it. Default.
    #[default]
    Deny,
    /// Recursion is checked hop by hop like any call, bounded only by `max_call_depth`: the
    /// platform itself documents no cycle check.
    DepthLimited,
}

/// FR-R29: which links of a call chain a request checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum ChainCheck {
    /// Every link, outermost first; the first failing link decides (FR-R26: permission on a
    /// caller never vouches for its callee, and vice versa). Default.
    #[default]
    EveryLink,
    /// Only the last link: the flows on `call_chain` are taken as already running, and running
    /// executions are not re-checked (FR-R29). Depth and cycles are still checked.
    LastLink,
}

/// One of the three states of a permission cell (FR-R14, FR-R16).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Permission {
    /// Gray check: not set for this flow; inherited, which grants unless a lower level decides
    /// (FR-R17). The same as no entry.
    #[default]
    Inherit,
    /// Green check: explicitly granted.
    Grant,
    /// Red X: explicitly denied.
    Deny,
}

/// Permission cells keyed by user or role id, in document order.
///
/// In JSON an object, `{"alice": "grant", "NonAuthenticatedUser": "deny"}`. Unlike a map type it
/// keeps a key given twice, so the build can reject it instead of silently keeping the last.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Permissions(pub Vec<(String, Permission)>);

impl Permissions {
    /// No entries.
    pub fn new() -> Self {
        Permissions(Vec::new())
    }
    /// Whether there are no entries.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    /// Appends an entry for `id`.
    pub fn push(&mut self, id: &str, permission: Permission) {
        self.0.push((id.into(), permission));
    }
    /// The entries, in order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, Permission)> + '_ {
        self.0.iter().map(|(id, p)| (id.as_str(), *p))
    }
}

impl Serialize for Permissions {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (id, permission) in &self.0 {
            map.serialize_entry(id, permission)?;
        }
        map.end()
    }
}

impl<'de> Deserialize<'de> for Permissions {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct EntriesVisitor;
        impl<'de> Visitor<'de> for EntriesVisitor {
            type Value = Permissions;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a map from user or role id to \"inherit\", \"grant\" or \"deny\"")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<Permissions, A::Error> {
                let mut entries = Vec::with_capacity(access.size_hint().unwrap_or(0).min(1024));
                while let Some(entry) = access.next_entry::<String, Permission>()? {
                    entries.push(entry);
                }
                Ok(Permissions(entries))
            }
        }
        deserializer.deserialize_map(EntriesVisitor)
    }
}

/// One flow and its execution permissions, which apply to all of its versions (FR-R1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct FlowDef {
    /// Unique id.
    pub id: String,
    /// Whether the flow is started and LIVE, so it can run at all (FR-R2, FR-R3, FR-R28).
    /// Default `true`.
    #[serde(default = "yes")]
    pub live: bool,
    /// The USER PERMISSIONS tab: cells per user id.
    #[serde(default, skip_serializing_if = "Permissions::is_empty")]
    pub users: Permissions,
    /// The ROLES PERMISSIONS tab: cells per custom or system role id. Either spelling of the
    /// non-authenticated role is accepted (FR-R12).
    #[serde(default, skip_serializing_if = "Permissions::is_empty")]
    pub roles: Permissions,
}

fn yes() -> bool {
    true
}

impl FlowDef {
    /// A LIVE flow with every cell inherited.
    pub fn new(id: &str) -> Self {
        FlowDef {
            id: id.into(),
            live: true,
            users: Permissions::new(),
            roles: Permissions::new(),
        }
    }
    /// The same flow, not LIVE (stopped or never started).
    pub fn stopped(mut self) -> Self {
        self.live = false;
        self
    }
    /// Sets the cell of user `user`.
    pub fn user(mut self, user: &str, permission: Permission) -> Self {
        self.users.push(user, permission);
        self
    }
    /// Sets the cell of custom or system role `role`.
    pub fn role(mut self, role: &str, permission: Permission) -> Self {
        self.roles.push(role, permission);
        self
    }
}

/// How a user logs in, which decides the authentication system roles they get (FR-R6, FR-R11).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Login {
    /// User name and password: `AuthenticatedUser`. Default.
    #[default]
    Password,
    /// Facebook: `AuthenticatedUser`, `SocialUser`, `FacebookUser`.
    Facebook,
    /// Google+: `AuthenticatedUser`, `SocialUser`, `GooglePlusUser`.
    GooglePlus,
    /// Twitter: `AuthenticatedUser`, `SocialUser`, `TwitterUser`.
    Twitter,
    /// Another social network: `AuthenticatedUser`, `SocialUser`.
    Social,
    /// Guest login: `GuestUser`, and `AuthenticatedUser` when
    /// [`FlowOptions::guest_is_authenticated`] (FR-R11).
    Guest,
}

/// One app user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct UserDef {
    /// Unique id.
    pub id: String,
    /// The custom roles the user holds (FR-R8). System roles are not listed: the platform
    /// assigns them per request.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub roles: Vec<String>,
    /// How the user logs in.
    #[serde(default, skip_serializing_if = "is_default")]
    pub login: Login,
}

fn is_default<T: Default + PartialEq>(value: &T) -> bool {
    *value == T::default()
}

impl UserDef {
    /// A password user with no custom roles.
    pub fn new(id: &str) -> Self {
        UserDef {
            id: id.into(),
            roles: Vec::new(),
            login: Login::Password,
        }
    }
    /// The same user holding custom roles `roles`.
    pub fn with_roles(mut self, roles: &[&str]) -> Self {
        self.roles.extend(roles.iter().map(|r| (*r).to_owned()));
        self
    }
    /// The same user logging in with `login`.
    pub fn with_login(mut self, login: Login) -> Self {
        self.login = login;
        self
    }
}

/// One API key and the roles a request made with it carries (FR-R7, FR-R13).
///
/// A key carrying `ServerCodeUser` is business logic: without a user it is server context and
/// does not get `NotAuthenticatedUser` (FR-R10a).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct KeyDef {
    /// Unique id (a name for the key, not the secret).
    pub id: String,
    /// Roles the key carries: usually one system key role (`JSUser`, `RestUser`,
    /// `ServerCodeUser`, …); custom roles are accepted for generic keys (FR-R13).
    #[serde(default)]
    pub roles: Vec<String>,
}

impl KeyDef {
    /// A key carrying `roles`.
    pub fn new(id: &str, roles: &[&str]) -> Self {
        KeyDef {
            id: id.into(),
            roles: roles.iter().map(|r| (*r).to_owned()).collect(),
        }
    }

    /// The classic Backendless keys (FR-R7), one per platform: `actionscript` → `ASUser`,
    /// `android` → `AndroidUser`, `dotnet` → `DotNetUser`, `ios` → `IOSUser`, `js` → `JSUser`,
    /// `rest` → `RestUser`, `coderunner` → `ServerCodeUser`.
    ///
    /// ```
    /// use accessgate::flows::*;
    ///
    /// let mut model = FlowModel::default();
    /// model.keys = KeyDef::classic();
    /// model.flows.push(FlowDef::new("sync").role("JSUser", Permission::Deny));
    /// let policy = model.build()?;
    /// let from_browser = FlowRequest::anonymous("sync").with_key("js");
    /// assert_eq!(policy.check(&from_browser).code(), "system_role_deny");
    /// let from_rest = FlowRequest::anonymous("sync").with_key("rest");
    /// assert!(policy.check(&from_rest).decision().is_allow());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn classic() -> Vec<KeyDef> {
        [
            ("actionscript", "ASUser"),
            ("android", "AndroidUser"),
            ("dotnet", "DotNetUser"),
            ("ios", "IOSUser"),
            ("js", "JSUser"),
            ("rest", "RestUser"),
            ("coderunner", "ServerCodeUser"),
        ]
        .into_iter()
        .map(|(id, role)| KeyDef::new(id, &[role]))
        .collect()
    }
}
