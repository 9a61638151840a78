//! Role lint: findings on a model that are legal but likely mistakes.
//!
//! [`lint`] reads a [`DataverseModel`] document (not a compiled policy: it needs the role
//! definitions as written, the relationships and the assignments) and returns [`Lint`]
//! findings, each with a stable [`LintCode`], a [`Severity`] and a one-line message naming the
//! role, table and privilege. Every code is documented on its [`LintCode`] variant: what it
//! means and why it matters, with the rule ids of `dataverse.md`.
//!
//! # Errors and warnings
//!
//! An **error** is a finding that makes part of the model unusable as written: the model does
//! not build at all ([`LintCode::AG000`]), or an enabled user cannot sign in
//! ([`LintCode::AG006`]). Every other code is a **warning**: the model works, but a grant is
//! broader, narrower or more isolated than it probably should be. The `lint` example exits
//! non-zero when any error is found.
//!
//! A model that does not build is still linted as far as its names allow; references that do
//! not resolve are skipped.

use std::collections::BTreeSet;
use std::fmt;

use indexmap::IndexMap;
use serde::{Serialize, Serializer};

use crate::core::{AccessLevel, Privilege};

use crate::dataverse::actions::decide::DESKTOP_FLOW_REQUIREMENTS;
use crate::dataverse::configuration::model::{
    DataverseModel, PrincipalRef, RoleDef, TableDef, TableOwnership, TeamKind,
};

/// How serious a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Legal, but probably not what was meant.
    Warning,
    /// Part of the model cannot work as written.
    Error,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Severity::Warning => "warning",
            Severity::Error => "error",
        })
    }
}

/// The stable code of a finding, one per kind of finding. Serialized as the code (`"AG001"`).
///
/// Each variant's documentation says what the finding means, why it matters, and its severity
/// ([`LintCode::severity`]): errors are AG000 and AG006, the rest are warnings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum LintCode {
    /// **Error: the model does not build.** [`DataverseModel::build`] rejects it; the message
    /// is the build error, naming the offending id. Nothing can be evaluated until it is fixed.
    AG000,
    /// **Warning: a privilege above Read on the same table.** The role grants Write, Delete,
    /// Append, Append To, Assign or Share on a table at a higher level than its Read.
    ///
    /// Every record action also needs Read on the record: Assign needs Assign, Write and Read,
    /// Share needs Share and Read, Append and Append To need Read (R1.6, A8). So the higher
    /// level is usable only on the records Read reaches, and the role says more than it gives;
    /// or Read was meant to be higher and users cannot see records they are meant to manage.
    /// The CSK Maker role (seed 003) has Assign and Share at Organization level with Read at
    /// User level on several tables. The desktop flow minimum of seed 002 (Write, Append and
    /// Append To on `flowsession` and `workflowbinary`, without Read) is documented as it is and
    /// not reported.
    AG001,
    /// **Warning: Append without Append To on any related table.** The role grants Append on a
    /// table that is the child of one or more relationships in the model, but no Append To on
    /// any of their parent tables.
    ///
    /// Attaching a record to another needs Append on the child *and* Append To on the parent
    /// (R1.4); with neither in this role, holders can associate the child only if another role
    /// supplies Append To. Only relationships the model declares (`relationships`) are read.
    AG002,
    /// **Warning: a role assigned to no one.** No user or team holds the role. It grants
    /// nothing; it may be left over from a migration, or an assignment is missing.
    AG003,
    /// **Warning: a team with no members.** Roles and shares given to the team reach nobody
    /// (R4.2, R4.5). For a group team, the group's membership may not have been resolved.
    AG004,
    /// **Warning: an owner or group team that holds no role.** Its members get nothing from it
    /// but shares made to the team, and it cannot own records, which needs Read on the table
    /// through the team's roles (R1.7, R4.2). Access teams are not reported: they hold no
    /// roles by design.
    AG005,
    /// **Error: an enabled user with no security role.** The user holds no role directly or
    /// through a group team (or an owner team, when `owner_team_roles_admit` is on, A11), so
    /// every request is denied: they cannot sign in to the environment (R8.4 item 4, R10.5
    /// item 7). Disabled users are not reported: they cannot sign in anyway and may still own
    /// records (R8.5).
    AG006,
    /// **Warning: desktop flow privileges without the minimum set.** The role grants a
    /// privilege on a desktop flow table (`flowsession`, `workflowbinary`,
    /// `desktopflowbinary`) but lacks one of the minimum privileges to run a desktop flow
    /// (seed 002, [`DESKTOP_FLOW_REQUIREMENTS`], at User level or above); one finding per
    /// missing privilege. Holders cannot run a desktop flow unless another role completes the
    /// set.
    AG007,
    /// **Warning: Organization-level Delete or Assign on every table.** The role grants Delete
    /// (or Assign) at Organization level on every table of the model where the privilege
    /// applies: it can delete (or give away) every record of the environment (R2.6). That is a
    /// System Administrator in all but name; worth a second look. System Administrator roles
    /// are not reported.
    AG008,
    /// **Warning: look-alike ids.** Two ids of one kind (users, teams, roles, tables, business
    /// units, records, positions, column security profiles) differ only by case, surrounding
    /// whitespace or invisible characters (zero-width space and joiners, no-break space,
    /// byte-order mark, control characters). Ids match exactly, so they are two entities; a
    /// reader cannot tell them apart, and a role, share or membership given to one is easily
    /// meant for the other. One finding per later id, naming the first.
    AG009,
}

impl LintCode {
    /// Every code, in order.
    pub const ALL: [LintCode; 10] = [
        LintCode::AG000,
        LintCode::AG001,
        LintCode::AG002,
        LintCode::AG003,
        LintCode::AG004,
        LintCode::AG005,
        LintCode::AG006,
        LintCode::AG007,
        LintCode::AG008,
        LintCode::AG009,
    ];

    /// The code as text (`"AG001"`).
    pub fn as_str(self) -> &'static str {
        match self {
            LintCode::AG000 => "AG000",
            LintCode::AG001 => "AG001",
            LintCode::AG002 => "AG002",
            LintCode::AG003 => "AG003",
            LintCode::AG004 => "AG004",
            LintCode::AG005 => "AG005",
            LintCode::AG006 => "AG006",
            LintCode::AG007 => "AG007",
            LintCode::AG008 => "AG008",
            LintCode::AG009 => "AG009",
        }
    }

    /// The severity every finding of this code has.
    pub fn severity(self) -> Severity {
        match self {
            LintCode::AG000 | LintCode::AG006 => Severity::Error,
            LintCode::AG001
            | LintCode::AG002
            | LintCode::AG003
            | LintCode::AG004
            | LintCode::AG005
            | LintCode::AG007
            | LintCode::AG008
            | LintCode::AG009 => Severity::Warning,
        }
    }
}

impl fmt::Display for LintCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for LintCode {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// One finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Lint {
    /// The stable code.
    pub code: LintCode,
    /// Error or warning (always `code.severity()`).
    pub severity: Severity,
    /// The role concerned, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    /// The table concerned, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub table: Option<String>,
    /// The privilege concerned, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub privilege: Option<Privilege>,
    /// The user or team concerned, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub principal: Option<PrincipalRef>,
    /// One line naming the role, table and privilege (or user or team).
    pub message: String,
}

impl fmt::Display for Lint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}[{}]: {}", self.severity, self.code, self.message)
    }
}

struct Finding {
    role: Option<String>,
    table: Option<String>,
    privilege: Option<Privilege>,
    principal: Option<PrincipalRef>,
}

impl Finding {
    fn none() -> Finding {
        Finding {
            role: None,
            table: None,
            privilege: None,
            principal: None,
        }
    }
}

fn push(out: &mut Vec<Lint>, code: LintCode, at: Finding, message: String) {
    out.push(Lint {
        code,
        severity: code.severity(),
        role: at.role,
        table: at.table,
        privilege: at.privilege,
        principal: at.principal,
        message,
    });
}

/// The privileges that apply to a table (R1.1, R1.9).
fn applicable(table: &TableDef) -> Privilege {
    table.privileges.unwrap_or(match table.ownership {
        TableOwnership::UserOrTeam => Privilege::all(),
        TableOwnership::Organization => Privilege::all() - Privilege::ASSIGN - Privilege::SHARE,
    })
}

/// A role's levels per table, one per privilege bit, with later keys overriding earlier ones
/// as in the build.
fn levels(role: &RoleDef) -> IndexMap<&str, [Option<AccessLevel>; 8]> {
    let mut out: IndexMap<&str, [Option<AccessLevel>; 8]> = IndexMap::new();
    for (table, cells) in &role.privileges {
        let row = out.entry(table.as_str()).or_insert([None; 8]);
        for (privileges, level) in cells {
            for p in privileges.iter() {
                if let Some(bit) = p.index() {
                    row[bit] = Some(*level);
                }
            }
        }
    }
    out
}

fn level_of(
    levels: &IndexMap<&str, [Option<AccessLevel>; 8]>,
    table: &str,
    privilege: Privilege,
) -> AccessLevel {
    privilege
        .index()
        .and_then(|bit| levels.get(table).and_then(|row| row[bit]))
        .unwrap_or(AccessLevel::None)
}

/// The tables of desktop flows whose privileges mark a role as meant to run them (seed 002).
const DESKTOP_FLOW_TABLES: [&str; 3] = ["flowsession", "workflowbinary", "desktopflowbinary"];

/// Lints a model: every finding of every [`LintCode`], grouped by code, each group in model
/// order.
///
/// It reads the document, not a compiled policy, because it needs the role definitions as
/// written, the relationships and the assignments. So it also reports a model that does not
/// build ([`LintCode::AG000`]) and lints the rest of it as far as names resolve.
///
/// # Errors and warnings
///
/// An **error** is a finding that makes part of the model unusable as written: the model does
/// not build at all ([`LintCode::AG000`]), or an enabled user cannot sign in
/// ([`LintCode::AG006`]). Every other code is a **warning**: the model works, but a grant is
/// broader, narrower or more isolated than it probably should be. The `lint` example exits
/// non-zero when any error is found.
///
/// ```
/// use accessgate::dataverse::*;
/// use accessgate::{AccessLevel, Privilege};
///
/// let mut model = DataverseModel::default();
/// model.business_units.push(BusinessUnitDef::root("contoso"));
/// model.tables.push(TableDef::user_owned("account"));
/// model.roles.push(
///     RoleDef::new("rep")
///         .grant("account", Privilege::READ, AccessLevel::User)
///         .grant("account", Privilege::DELETE, AccessLevel::BusinessUnit),
/// );
/// model.users.push(UserDef::new("alice", "contoso"));
/// let findings = lint(&model);
/// let codes: Vec<_> = findings.iter().map(|l| l.code.as_str()).collect();
/// assert_eq!(codes, ["AG001", "AG003", "AG006"]);
/// assert_eq!(
///     findings[0].to_string(),
///     "warning[AG001]: role `rep` grants Delete at Business Unit level on table `account`, above its Read (User)"
/// );
/// assert_eq!(findings[2].severity, Severity::Error);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn lint(model: &DataverseModel) -> Vec<Lint> {
    let mut out = Vec::new();
    if let Err(e) = model.build() {
        push(
            &mut out,
            LintCode::AG000,
            Finding::none(),
            format!("the model does not build: {e}"),
        );
    }
    let role_levels: Vec<_> = model.roles.iter().map(levels).collect();
    let tables: IndexMap<&str, &TableDef> =
        model.tables.iter().map(|t| (t.id.as_str(), t)).collect();

    // AG001: a privilege above Read on the same table.
    for (role, levels) in model.roles.iter().zip(&role_levels) {
        if role.system_administrator {
            continue;
        }
        for table in levels.keys() {
            let read = level_of(levels, table, Privilege::READ);
            for p in [
                Privilege::WRITE,
                Privilege::DELETE,
                Privilege::APPEND,
                Privilege::APPEND_TO,
                Privilege::ASSIGN,
                Privilege::SHARE,
            ] {
                let level = level_of(levels, table, p);
                let documented_minimum = DESKTOP_FLOW_REQUIREMENTS.contains(&(*table, p));
                if level > read && !documented_minimum {
                    push(
                        &mut out,
                        LintCode::AG001,
                        Finding {
                            role: Some(role.id.clone()),
                            table: Some((*table).to_owned()),
                            privilege: Some(p),
                            principal: None,
                        },
                        format!(
                            "role `{}` grants {p} at {level} level on table `{table}`, above its Read ({read})",
                            role.id
                        ),
                    );
                }
            }
        }
    }

    // AG002: Append on a child table without Append To on any of its parents.
    for (role, levels) in model.roles.iter().zip(&role_levels) {
        if role.system_administrator {
            continue;
        }
        for table in levels.keys() {
            if level_of(levels, table, Privilege::APPEND) == AccessLevel::None {
                continue;
            }
            let parents: BTreeSet<&str> = model
                .relationships
                .iter()
                .filter(|r| r.child_table == *table)
                .map(|r| r.parent_table.as_str())
                .collect();
            if parents.is_empty()
                || parents
                    .iter()
                    .any(|p| level_of(levels, p, Privilege::APPEND_TO) > AccessLevel::None)
            {
                continue;
            }
            let names: Vec<String> = parents.iter().map(|p| format!("`{p}`")).collect();
            push(
                &mut out,
                LintCode::AG002,
                Finding {
                    role: Some(role.id.clone()),
                    table: Some((*table).to_owned()),
                    privilege: Some(Privilege::APPEND),
                    principal: None,
                },
                format!(
                    "role `{}` grants Append on table `{table}` but no Append To on any table it relates to ({})",
                    role.id,
                    names.join(", ")
                ),
            );
        }
    }

    // AG003: a role assigned to no one.
    for role in &model.roles {
        if !model.role_assignments.iter().any(|a| a.role == role.id) {
            push(
                &mut out,
                LintCode::AG003,
                Finding {
                    role: Some(role.id.clone()),
                    ..Finding::none()
                },
                format!("role `{}` is assigned to no user or team", role.id),
            );
        }
    }

    // AG004, AG005: teams with no members or no roles.
    for team in &model.teams {
        let principal = Some(PrincipalRef::Team(team.id.clone()));
        if team.members.is_empty() {
            push(
                &mut out,
                LintCode::AG004,
                Finding {
                    principal: principal.clone(),
                    ..Finding::none()
                },
                format!("team `{}` has no members", team.id),
            );
        }
    }
    for team in &model.teams {
        let holds_role = model
            .role_assignments
            .iter()
            .any(|a| a.principal == PrincipalRef::Team(team.id.clone()));
        if team.kind.holds_roles() && !holds_role {
            push(
                &mut out,
                LintCode::AG005,
                Finding {
                    principal: Some(PrincipalRef::Team(team.id.clone())),
                    ..Finding::none()
                },
                format!(
                    "team `{}` ({}) holds no security role",
                    team.id,
                    match team.kind {
                        TeamKind::Owner => "owner team",
                        TeamKind::Access => "access team",
                        TeamKind::EntraSecurityGroup => "Entra security group team",
                        TeamKind::EntraOfficeGroup => "Entra Office group team",
                    }
                ),
            );
        }
    }

    // AG006: an enabled user with no role, directly or through a group team (R8.4, A11).
    for user in model.users.iter().filter(|u| u.enabled) {
        let direct = model
            .role_assignments
            .iter()
            .any(|a| a.principal == PrincipalRef::User(user.id.clone()));
        let mut through_owner_team = false;
        let through_team = model
            .teams
            .iter()
            .filter(|t| t.members.contains(&user.id))
            .any(|t| {
                let has = model
                    .role_assignments
                    .iter()
                    .any(|a| a.principal == PrincipalRef::Team(t.id.clone()));
                let admits = t.kind.is_group() || model.options.owner_team_roles_admit;
                through_owner_team |= has && !admits;
                has && admits
            });
        if !direct && !through_team {
            let note = if through_owner_team {
                " (every role of the user comes through an owner team, and owner-team roles do not admit a user unless the option `owner_team_roles_admit` is on, A11)"
            } else {
                ""
            };
            push(
                &mut out,
                LintCode::AG006,
                Finding {
                    principal: Some(PrincipalRef::User(user.id.clone())),
                    ..Finding::none()
                },
                format!(
                    "user `{}` has no security role, directly or through a group team{note}: they cannot sign in",
                    user.id
                ),
            );
        }
    }

    // AG007: desktop flow privileges without the minimum set (seed 002).
    for (role, levels) in model.roles.iter().zip(&role_levels) {
        if role.system_administrator {
            continue;
        }
        let flow_role = DESKTOP_FLOW_TABLES.iter().any(|t| {
            Privilege::EACH
                .iter()
                .any(|p| level_of(levels, t, *p) > AccessLevel::None)
        });
        if !flow_role {
            continue;
        }
        for (table, privilege) in DESKTOP_FLOW_REQUIREMENTS {
            let held = level_of(levels, table, privilege);
            if held >= AccessLevel::User {
                continue;
            }
            let why = if tables.contains_key(table) {
                String::new()
            } else {
                " (the table is not in the model)".to_owned()
            };
            push(
                &mut out,
                LintCode::AG007,
                Finding {
                    role: Some(role.id.clone()),
                    table: Some(table.to_owned()),
                    privilege: Some(privilege),
                    principal: None,
                },
                format!(
                    "role `{}` grants desktop flow privileges but not {privilege} on table `{table}`{why}, needed to run a desktop flow",
                    role.id
                ),
            );
        }
    }

    // AG008: Organization-level Delete or Assign on every table where it applies.
    for (role, levels) in model.roles.iter().zip(&role_levels) {
        if role.system_administrator {
            continue;
        }
        for privilege in [Privilege::DELETE, Privilege::ASSIGN] {
            let applies: Vec<&str> = model
                .tables
                .iter()
                .filter(|t| applicable(t).contains(privilege))
                .map(|t| t.id.as_str())
                .collect();
            if !applies.is_empty()
                && applies
                    .iter()
                    .all(|t| level_of(levels, t, privilege) == AccessLevel::Organization)
            {
                push(
                    &mut out,
                    LintCode::AG008,
                    Finding {
                        role: Some(role.id.clone()),
                        privilege: Some(privilege),
                        ..Finding::none()
                    },
                    format!(
                        "role `{}` grants {privilege} at Organization level on every table ({} tables)",
                        role.id,
                        applies.len()
                    ),
                );
            }
        }
    }

    // AG009: look-alike ids.
    for pair in super::lookalike::find(model) {
        push(
            &mut out,
            LintCode::AG009,
            Finding::none(),
            format!(
                "{kind} `{}` looks like {kind} `{}`: the ids differ only by case, whitespace or invisible characters",
                pair.second.escape_debug(),
                pair.first.escape_debug(),
                kind = pair.kind
            ),
        );
    }
    out
}
