//! Requests, responses and the one entry point.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::core::{Decision, Privilege};
use crate::dataverse::{
    ActionReason, ColumnAccess, ColumnReason, DataversePolicy, PrincipalId, PrincipalRef,
    RecordReason, ShareTarget,
};
use crate::flows::{FlowReason, FlowRequest};
use crate::folders::{FolderReason, FolderRequest};
use crate::policy::Policy;

/// A question for [`authorize`]. Ids are the names used in the model document.
///
/// In JSON the variant is the `kind` field:
/// `{"kind": "record", "user": "alice", "privilege": "Read", "record": "account-1"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Request {
    /// May `user` use `privilege` on an existing `record`? (Dataverse)
    Record {
        /// The user id.
        user: String,
        /// Exactly one of Read, Write, Delete, Append, AppendTo, Assign, Share.
        privilege: Privilege,
        /// The record id.
        record: String,
    },
    /// May `user` create a record of `table`? (Dataverse, R2.9)
    Create {
        /// The user id.
        user: String,
        /// The table id.
        table: String,
        /// Who would own the new record; absent means the user.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        owner: Option<PrincipalRef>,
        /// The owning business unit of the new record; absent means the owner's unit.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        owning_business_unit: Option<String>,
        /// Existing records the new record will point at through lookups (R1.4): each needs
        /// Append To, and the new record Append. With lookups the answer lists every check.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        lookups: Vec<String>,
    },
    /// May `user` set a lookup on `record` pointing at `target` (1:N, R1.4), or clear it?
    Associate {
        /// The user id.
        user: String,
        /// The record whose lookup changes (needs Append).
        record: String,
        /// The record it points at (needs Append To).
        target: String,
    },
    /// May `user` associate or disassociate two records in an N:N relationship (R1.5)?
    AssociateMany {
        /// The user id.
        user: String,
        /// The two records.
        records: [String; 2],
    },
    /// May `user` assign `record` to `new_owner` (R1.7, R5.10)?
    Assign {
        /// The user id.
        user: String,
        /// The record id.
        record: String,
        /// The new owner.
        new_owner: PrincipalRef,
    },
    /// May `user` share `record` with `with`, granting `rights`, or revoke that share (R1.8, R5.6)?
    Share {
        /// The user id.
        user: String,
        /// The record id.
        record: String,
        /// Who it would be shared with.
        with: ShareTarget,
        /// The rights granted (ignored for a revoke).
        #[serde(default)]
        rights: Privilege,
        /// Revoke instead of grant.
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        revoke: bool,
    },
    /// May `user` read or update `column` of `record` (R7)? The record decision comes first.
    Column {
        /// The user id.
        user: String,
        /// The record id.
        record: String,
        /// The column's logical name.
        column: String,
        /// `read` or `update`.
        access: ColumnAccess,
    },
    /// May `user` set `column` when creating a record of `table` they would own (R7.6)?
    CreateColumn {
        /// The user id.
        user: String,
        /// The table id.
        table: String,
        /// The column's logical name.
        column: String,
    },
    /// Does `user` hold the minimum privileges to run a desktop flow (seed 002)?
    RunDesktopFlow {
        /// The user id.
        user: String,
    },
    /// May a caller run a flow? (flow execution permissions)
    Flow(FlowRequest),
    /// May a dashboard user do an action on a folder, flow or admin area? (folder roles)
    Folder(FolderRequest),
}

/// The three permission systems.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum System {
    /// Dataverse record security.
    Dataverse,
    /// Flow execution permissions.
    Flows,
    /// Folder roles.
    Folders,
}

/// Why a request was decided the way it was.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Reason {
    /// A Dataverse record decision.
    Record(RecordReason),
    /// A Dataverse action made of several checks (associate, assign, share, desktop flow run).
    Action(Box<ActionReason>),
    /// A Dataverse column decision.
    Column(ColumnReason),
    /// A flow execution decision.
    Flow(FlowReason),
    /// A folder-role decision.
    Folder(FolderReason),
    /// Deny: the request names an id the model does not define.
    UnknownId {
        /// What kind of id (`"user"`, `"record"`, …).
        kind: &'static str,
        /// The id as given.
        id: String,
    },
    /// Deny: the request is for a system the policy does not configure.
    NotConfigured(System),
}

/// The answer to a request: a [`Decision`] and the [`Reason`] for it.
///
/// The decision is derived from the reason, so the two cannot disagree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    reason: Reason,
}

impl Response {
    /// A response for `reason`.
    pub fn new(reason: Reason) -> Self {
        Response { reason }
    }

    /// Allow or deny.
    #[inline]
    pub fn decision(&self) -> Decision {
        match &self.reason {
            Reason::Record(r) => r.decision(),
            Reason::Action(r) => r.decision(),
            Reason::Column(r) => r.decision(),
            Reason::Flow(r) => r.decision(),
            Reason::Folder(r) => r.decision(),
            Reason::UnknownId { .. } | Reason::NotConfigured(_) => Decision::Deny,
        }
    }

    /// Why.
    pub fn reason(&self) -> &Reason {
        &self.reason
    }

    /// A stable snake_case code for the reason (`"role_level"`, `"no_privilege"`, …).
    pub fn code(&self) -> &'static str {
        match &self.reason {
            Reason::Record(r) => r.code(),
            Reason::Action(r) => r.code(),
            Reason::Column(r) => r.code(),
            Reason::Flow(r) => r.code(),
            Reason::Folder(r) => r.code(),
            Reason::UnknownId { .. } => "unknown_id",
            Reason::NotConfigured(_) => "not_configured",
        }
    }

    /// The reason in words, with the names of `policy`.
    pub fn explain<'a>(&'a self, policy: &'a Policy) -> impl fmt::Display + 'a {
        Explained {
            response: self,
            policy,
        }
    }
}

struct Explained<'a> {
    response: &'a Response,
    policy: &'a Policy,
}

impl fmt::Display for Explained<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Policy {
            dataverse,
            flows,
            folders,
        } = self.policy;
        match (&self.response.reason, dataverse, flows, folders) {
            (Reason::Record(r), Some(p), _, _) => write!(f, "{}", r.explain(p)),
            (Reason::Action(r), Some(p), _, _) => write!(f, "{}", r.explain(p)),
            (Reason::Column(r), Some(p), _, _) => write!(f, "{}", r.explain(p)),
            (Reason::Flow(r), _, Some(p), _) => write!(f, "{}", r.explain(p)),
            (Reason::Folder(r), _, _, Some(p)) => write!(f, "{}", r.explain(p)),
            (Reason::UnknownId { kind, id }, ..) => {
                write!(f, "denied: {kind} `{id}` does not exist in the model")
            }
            (Reason::NotConfigured(system), ..) => {
                write!(f, "denied: the policy has no {system:?} model")
            }
            // A response explained with a policy other than the one that produced it.
            (Reason::Record(r), ..) => write!(f, "{r:?}"),
            (Reason::Action(r), ..) => write!(f, "{r:?}"),
            (Reason::Column(r), ..) => write!(f, "{r:?}"),
            (Reason::Flow(r), ..) => write!(f, "{r:?}"),
            (Reason::Folder(r), ..) => write!(f, "{r:?}"),
        }
    }
}

/// Decides a request against a compiled policy: allow or deny, and why.
///
/// Total: never panics and never fails. An unknown id or an unconfigured system denies with a
/// reason naming it.
///
/// ```
/// use accessgate::{authorize, PolicyDocument, Request, Privilege};
///
/// let doc: PolicyDocument = serde_json::from_str(r#"{
///   "dataverse": {
///     "business_units": [{"id": "contoso"}],
///     "tables": [{"id": "account"}],
///     "roles": [{"id": "reader", "privileges": {"account": {"Read": "Organization"}}}],
///     "users": [{"id": "alice", "business_unit": "contoso"}],
///     "role_assignments": [{"principal": {"user": "alice"}, "role": "reader"}],
///     "records": [{"id": "a1", "table": "account", "owner": {"user": "alice"}}]
///   }
/// }"#)?;
/// let policy = doc.build()?;
/// let request = Request::Record { user: "alice".into(), privilege: Privilege::READ, record: "a1".into() };
/// let response = authorize(&policy, &request);
/// assert!(response.decision().is_allow());
/// println!("{}", response.explain(&policy));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn authorize(policy: &Policy, request: &Request) -> Response {
    let reason = match request {
        Request::Record { .. }
        | Request::Create { .. }
        | Request::Associate { .. }
        | Request::AssociateMany { .. }
        | Request::Assign { .. }
        | Request::Share { .. }
        | Request::Column { .. }
        | Request::CreateColumn { .. }
        | Request::RunDesktopFlow { .. } => match &policy.dataverse {
            None => Reason::NotConfigured(System::Dataverse),
            Some(p) => dataverse_reason(p, request),
        },
        Request::Flow(request) => match &policy.flows {
            None => Reason::NotConfigured(System::Flows),
            Some(p) => Reason::Flow(p.check(request)),
        },
        Request::Folder(request) => match &policy.folders {
            None => Reason::NotConfigured(System::Folders),
            Some(p) => Reason::Folder(p.check(request)),
        },
    };
    Response::new(reason)
}

fn unknown(kind: &'static str, id: &str) -> Reason {
    Reason::UnknownId {
        kind,
        id: id.to_owned(),
    }
}

/// Resolves the names of a Dataverse request and decides it.
fn dataverse_reason(p: &DataversePolicy, request: &Request) -> Reason {
    let user = |name: &str| p.user_id(name).ok_or_else(|| unknown("user", name));
    let record = |name: &str| p.record_id(name).ok_or_else(|| unknown("record", name));
    let principal = |r: &PrincipalRef| match r {
        PrincipalRef::User(u) => p
            .user_id(u)
            .map(PrincipalId::User)
            .ok_or_else(|| unknown("user", u)),
        PrincipalRef::Team(t) => p
            .team_id(t)
            .map(PrincipalId::Team)
            .ok_or_else(|| unknown("team", t)),
    };
    let action = |r: ActionReason| Reason::Action(Box::new(r));
    let decided: Result<Reason, Reason> = (|| {
        Ok(match request {
            Request::Record {
                user: u,
                privilege,
                record: r,
            } => Reason::Record(p.check(user(u)?, *privilege, record(r)?)),
            Request::Create {
                user: u,
                table,
                owner,
                owning_business_unit,
                lookups,
            } => {
                let user_id = user(u)?;
                let table_id = p.table_id(table).ok_or_else(|| unknown("table", table))?;
                let owner = match owner {
                    None => PrincipalId::User(user_id),
                    Some(o) => principal(o)?,
                };
                let unit = match owning_business_unit {
                    None => None,
                    Some(b) => Some(
                        p.business_unit_id(b)
                            .ok_or_else(|| unknown("business unit", b))?,
                    ),
                };
                if lookups.is_empty() {
                    Reason::Record(p.check_create(user_id, table_id, owner, unit))
                } else {
                    let targets = lookups
                        .iter()
                        .map(|r| record(r))
                        .collect::<Result<Vec<_>, _>>()?;
                    action(p.check_create_with_lookups(user_id, table_id, owner, unit, &targets))
                }
            }
            Request::Associate {
                user: u,
                record: r,
                target,
            } => action(p.check_associate(user(u)?, record(r)?, record(target)?)),
            Request::AssociateMany {
                user: u,
                records: [a, b],
            } => action(p.check_associate_many(user(u)?, record(a)?, record(b)?)),
            Request::Assign {
                user: u,
                record: r,
                new_owner,
            } => action(p.check_assign(user(u)?, record(r)?, principal(new_owner)?)),
            Request::Share {
                user: u,
                record: r,
                with,
                rights,
                revoke,
            } => {
                match with {
                    ShareTarget::User(name) => user(name).map(|_| ())?,
                    ShareTarget::Team(name) => p
                        .team_id(name)
                        .map(|_| ())
                        .ok_or_else(|| unknown("team", name))?,
                    ShareTarget::Organization => {}
                }
                action(p.check_share(user(u)?, record(r)?, *rights, *revoke))
            }
            Request::RunDesktopFlow { user: u } => action(p.check_desktop_flow_run(user(u)?)),
            Request::Column {
                user: u,
                record: r,
                column,
                access,
            } => {
                let (user_id, record_id) = (user(u)?, record(r)?);
                let table = p
                    .record_table(record_id)
                    .ok_or_else(|| unknown("record", r))?;
                Reason::Column(p.check_column(
                    user_id,
                    record_id,
                    p.column_id(table, column),
                    *access,
                ))
            }
            Request::CreateColumn {
                user: u,
                table,
                column,
            } => {
                let user_id = user(u)?;
                let table_id = p.table_id(table).ok_or_else(|| unknown("table", table))?;
                Reason::Column(p.check_create_column(
                    user_id,
                    table_id,
                    p.column_id(table_id, column),
                ))
            }
            Request::Flow(_) | Request::Folder(_) => Reason::NotConfigured(System::Dataverse),
        })
    })();
    decided.unwrap_or_else(|unknown| unknown)
}
