//! Requests, responses and the one entry point.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::core::{Decision, Privilege};
use crate::dataverse::{DataversePolicy, PrincipalId, PrincipalRef, RecordReason};
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
        match (&self.response.reason, self.policy) {
            (
                Reason::Record(r),
                Policy {
                    dataverse: Some(p), ..
                },
            ) => write!(f, "{}", r.explain(p)),
            (Reason::Flow(r), Policy { flows: Some(p), .. }) => write!(f, "{}", r.explain(p)),
            (
                Reason::Folder(r),
                Policy {
                    folders: Some(p), ..
                },
            ) => write!(f, "{}", r.explain(p)),
            (Reason::UnknownId { kind, id }, _) => {
                write!(f, "denied: {kind} `{id}` does not exist in the model")
            }
            (Reason::NotConfigured(system), _) => {
                write!(f, "denied: the policy has no {system:?} model")
            }
            (Reason::Record(r), _) => write!(f, "{r:?}"),
            (Reason::Flow(r), _) => write!(f, "{r:?}"),
            (Reason::Folder(r), _) => write!(f, "{r:?}"),
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
        Request::Record {
            user,
            privilege,
            record,
        } => match &policy.dataverse {
            None => Reason::NotConfigured(System::Dataverse),
            Some(p) => match (p.user_id(user), p.record_id(record)) {
                (None, _) => Reason::UnknownId {
                    kind: "user",
                    id: user.clone(),
                },
                (_, None) => Reason::UnknownId {
                    kind: "record",
                    id: record.clone(),
                },
                (Some(u), Some(r)) => Reason::Record(p.check(u, *privilege, r)),
            },
        },
        Request::Create {
            user,
            table,
            owner,
            owning_business_unit,
        } => match &policy.dataverse {
            None => Reason::NotConfigured(System::Dataverse),
            Some(p) => resolve_create(
                p,
                user,
                table,
                owner.as_ref(),
                owning_business_unit.as_deref(),
            ),
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

fn resolve_create(
    p: &DataversePolicy,
    user: &str,
    table: &str,
    owner: Option<&PrincipalRef>,
    owning_business_unit: Option<&str>,
) -> Reason {
    let Some(user_id) = p.user_id(user) else {
        return unknown("user", user);
    };
    let Some(table_id) = p.table_id(table) else {
        return unknown("table", table);
    };
    let owner = match owner {
        None => PrincipalId::User(user_id),
        Some(PrincipalRef::User(u)) => match p.user_id(u) {
            Some(id) => PrincipalId::User(id),
            None => return unknown("user", u),
        },
        Some(PrincipalRef::Team(t)) => match p.team_id(t) {
            Some(id) => PrincipalId::Team(id),
            None => return unknown("team", t),
        },
    };
    let unit = match owning_business_unit {
        None => None,
        Some(b) => match p.business_unit_id(b) {
            Some(id) => Some(id),
            None => return unknown("business unit", b),
        },
    };
    Reason::Record(p.check_create(user_id, table_id, owner, unit))
}
