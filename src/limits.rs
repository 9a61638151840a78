//! Build limits: how large a model a build accepts before it refuses with a precise error.
//!
//! A model document is data from outside: a service may build whatever a caller uploads. Most
//! of a compiled snapshot grows with what the document states (ids, cells, memberships), a few
//! bytes of memory per byte of JSON; a few parts grow with a *product* of what it states: a
//! team's members times the roles assigned to the team (each member holds each role), a column
//! security profile's members times its permissions. [`BuildLimits`] caps both: the counts of
//! each kind of entity, and the derived entries the products produce. A build that would pass
//! a limit stops before allocating for it and returns an error naming the limit, the count and
//! the bound ([`ModelError::TooLarge`](crate::dataverse::ModelError::TooLarge),
//! [`FlowModelError::TooLarge`](crate::flows::FlowModelError::TooLarge),
//! [`FolderModelError::TooLarge`](crate::folders::FolderModelError::TooLarge)).
//!
//! With the limits in force, a document of `N` bytes compiles into at most about `64 × N` bytes
//! plus `derived_entries × 16` bytes (the derived grants); `tests/bounded_builds.rs` checks it
//! for the shapes that used to amplify.

use crate::core::setters::setters;

/// Upper bounds a build enforces; see the module docs.
///
/// [`Default`] fits a large real organisation with room to spare (Dataverse environments have
/// thousands of tables and roles, hundreds of thousands of users): every field's rustdoc states
/// its default. Raise a field when a real model needs it; lower them for a service that builds
/// untrusted uploads.
///
/// Used by [`PolicyDocument::build_with_limits`](crate::PolicyDocument::build_with_limits) and
/// each system's `build_with_limits`; the plain `build` methods use the defaults.
///
/// ```
/// use accessgate::{BuildLimits, PolicyDocument};
///
/// let doc: PolicyDocument = serde_json::from_str(r#"{"dataverse": {
///     "business_units": [{"id": "contoso"}],
///     "tables": [{"id": "account"}, {"id": "contact"}]
/// }}"#)?;
/// let limits = BuildLimits::default().with_tables(1);
/// let error = doc.build_with_limits(&limits).err().ok_or("built")?;
/// assert_eq!(
///     error.to_string(),
///     "dataverse model: too large: 2 tables, the build limit is 1"
/// );
/// assert!(doc.build().is_ok());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct BuildLimits {
    /// Business units (Dataverse). Default 100,000.
    pub business_units: usize,
    /// Tables (Dataverse). Default 20,000.
    pub tables: usize,
    /// Roles: Dataverse security roles, custom flow roles. Default 20,000.
    pub roles: usize,
    /// Cells set by all roles together: one per (role, table, privilege) a Dataverse role
    /// gives a level for, one per entry of a flow's or the app-wide permission tabs. Default
    /// 10,000,000.
    pub role_cells: usize,
    /// Users of any system (flow API keys count as users). Default 1,000,000.
    pub users: usize,
    /// Teams (Dataverse) and groups (folders). Default 200,000.
    pub teams: usize,
    /// Members of one team. Default 200,000.
    pub members_per_team: usize,
    /// Memberships of all teams together, role assignments, role lists of flow users and keys,
    /// group lists of folder users, column profile members and permissions. Default
    /// 10,000,000.
    pub memberships: usize,
    /// Records (Dataverse). Default 10,000,000.
    pub records: usize,
    /// Record shares and column shares (Dataverse), folder grants. Default 10,000,000.
    pub shares: usize,
    /// The longest chain of parents, in links: the business-unit tree, managers, positions,
    /// folders. Default 10,000 (real hierarchies are a few dozen levels deep; the compiled
    /// trees handle any depth, this bounds what an upload may ask for).
    pub depth: usize,
    /// Entries derived from products of what the document states: each user's grant sources
    /// (a team's members × the team's roles) and column grants (a profile's members × its
    /// permissions, a team's members × its profiles' permissions). Default 20,000,000.
    pub derived_entries: usize,
    /// Flows: flow-permission flows and folder-dashboard flows. Default 200,000.
    pub flows: usize,
    /// Folders (folder roles). Default 200,000.
    pub folders: usize,
}

setters!(BuildLimits, "limits" {
    with_business_units => business_units: usize,
    with_tables => tables: usize,
    with_roles => roles: usize,
    with_role_cells => role_cells: usize,
    with_users => users: usize,
    with_teams => teams: usize,
    with_members_per_team => members_per_team: usize,
    with_memberships => memberships: usize,
    with_records => records: usize,
    with_shares => shares: usize,
    with_depth => depth: usize,
    with_derived_entries => derived_entries: usize,
    with_flows => flows: usize,
    with_folders => folders: usize,
});

impl Default for BuildLimits {
    fn default() -> Self {
        BuildLimits {
            business_units: 100_000,
            tables: 20_000,
            roles: 20_000,
            role_cells: 10_000_000,
            users: 1_000_000,
            teams: 200_000,
            members_per_team: 200_000,
            memberships: 10_000_000,
            records: 10_000_000,
            shares: 10_000_000,
            depth: 10_000,
            derived_entries: 20_000_000,
            flows: 200_000,
            folders: 200_000,
        }
    }
}

impl BuildLimits {
    /// No limits at all (every field `usize::MAX`): for trusted documents only.
    pub fn unlimited() -> Self {
        BuildLimits {
            business_units: usize::MAX,
            tables: usize::MAX,
            roles: usize::MAX,
            role_cells: usize::MAX,
            users: usize::MAX,
            teams: usize::MAX,
            members_per_team: usize::MAX,
            memberships: usize::MAX,
            records: usize::MAX,
            shares: usize::MAX,
            depth: usize::MAX,
            derived_entries: usize::MAX,
            flows: usize::MAX,
            folders: usize::MAX,
        }
    }

    /// An error when `count` passes `limit`.
    pub(crate) fn check(what: &'static str, count: usize, limit: usize) -> Result<(), Exceeded> {
        if count > limit {
            Err(Exceeded { what, count, limit })
        } else {
            Ok(())
        }
    }
}

/// A limit a model passes: what was counted, how many, and the limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Exceeded {
    pub(crate) what: &'static str,
    pub(crate) count: usize,
    pub(crate) limit: usize,
}
