//! Requests, responses and the one entry point.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::core::{Decision, RecordPrivilege};
use crate::dataverse::{
    ActionReason, AssignQuery, AssociateManyQuery, AssociateQuery, ColumnQuery, ColumnReason,
    CreateColumnQuery, CreateQuery, DataverseRequest, DesktopFlowQuery, JoinAccessTeamQuery,
    MiscPrivilegeQuery, MiscReason, RecordQuery, RecordReason, RecordRef, ShareQuery,
};
use crate::flows::{FlowReason, FlowRequest};
use crate::folders::{FolderReason, FolderRequest};
use crate::policy::Policy;

/// A question for [`authorize`]. Ids are the names used in the model document.
///
/// Each system owns its request type; this one only says which system asks. In JSON the kind of
/// question is the `kind` field, one flat list over the three systems:
/// `{"kind": "record", "user": "alice", "privilege": "Read", "record": "account-1"}`,
/// `{"kind": "flow", "flow": "send-invoice", "user": "alice"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "WireRequest", into = "WireRequest")]
#[non_exhaustive]
pub enum Request {
    /// A Dataverse question (record, create, associate, assign, share, column, desktop flow).
    Dataverse(DataverseRequest),
    /// May a caller run a flow? (flow execution permissions)
    Flow(FlowRequest),
    /// May a dashboard user do an action on a folder, flow or admin area? (folder roles)
    Folder(FolderRequest),
}

impl Request {
    /// May `user` use `privilege` on the record with id `record`? (Dataverse)
    pub fn record(user: &str, privilege: RecordPrivilege, record: &str) -> Request {
        Request::Dataverse(DataverseRequest::Record(RecordQuery {
            user: user.into(),
            privilege,
            record: RecordRef::Id(record.into()),
        }))
    }
}

impl From<DataverseRequest> for Request {
    fn from(request: DataverseRequest) -> Self {
        Request::Dataverse(request)
    }
}

/// The JSON form: every kind of every system in one internally tagged list.
#[derive(Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub(crate) enum WireRequest {
    Record(RecordQuery),
    Create(CreateQuery),
    Associate(AssociateQuery),
    AssociateMany(AssociateManyQuery),
    Assign(AssignQuery),
    Share(ShareQuery),
    Column(ColumnQuery),
    CreateColumn(CreateColumnQuery),
    RunDesktopFlow(DesktopFlowQuery),
    MiscPrivilege(MiscPrivilegeQuery),
    JoinAccessTeam(JoinAccessTeamQuery),
    Flow(FlowRequest),
    Folder(FolderRequest),
}

impl From<WireRequest> for Request {
    fn from(wire: WireRequest) -> Self {
        use DataverseRequest as D;
        match wire {
            WireRequest::Record(q) => Request::Dataverse(D::Record(q)),
            WireRequest::Create(q) => Request::Dataverse(D::Create(q)),
            WireRequest::Associate(q) => Request::Dataverse(D::Associate(q)),
            WireRequest::AssociateMany(q) => Request::Dataverse(D::AssociateMany(q)),
            WireRequest::Assign(q) => Request::Dataverse(D::Assign(q)),
            WireRequest::Share(q) => Request::Dataverse(D::Share(q)),
            WireRequest::Column(q) => Request::Dataverse(D::Column(q)),
            WireRequest::CreateColumn(q) => Request::Dataverse(D::CreateColumn(q)),
            WireRequest::RunDesktopFlow(q) => Request::Dataverse(D::RunDesktopFlow(q)),
            WireRequest::MiscPrivilege(q) => Request::Dataverse(D::MiscPrivilege(q)),
            WireRequest::JoinAccessTeam(q) => Request::Dataverse(D::JoinAccessTeam(q)),
            WireRequest::Flow(q) => Request::Flow(q),
            WireRequest::Folder(q) => Request::Folder(q),
        }
    }
}

impl From<Request> for WireRequest {
    fn from(request: Request) -> Self {
        use DataverseRequest as D;
        match request {
            Request::Dataverse(D::Record(q)) => WireRequest::Record(q),
            Request::Dataverse(D::Create(q)) => WireRequest::Create(q),
            Request::Dataverse(D::Associate(q)) => WireRequest::Associate(q),
            Request::Dataverse(D::AssociateMany(q)) => WireRequest::AssociateMany(q),
            Request::Dataverse(D::Assign(q)) => WireRequest::Assign(q),
            Request::Dataverse(D::Share(q)) => WireRequest::Share(q),
            Request::Dataverse(D::Column(q)) => WireRequest::Column(q),
            Request::Dataverse(D::CreateColumn(q)) => WireRequest::CreateColumn(q),
            Request::Dataverse(D::RunDesktopFlow(q)) => WireRequest::RunDesktopFlow(q),
            Request::Dataverse(D::MiscPrivilege(q)) => WireRequest::MiscPrivilege(q),
            Request::Dataverse(D::JoinAccessTeam(q)) => WireRequest::JoinAccessTeam(q),
            Request::Flow(q) => WireRequest::Flow(q),
            Request::Folder(q) => WireRequest::Folder(q),
        }
    }
}

/// The three permission systems.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
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
    /// A Dataverse miscellaneous-privilege decision.
    Misc(MiscReason),
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
    /// Deny: a column request names a column the table does not have: a name that is not a
    /// canonical logical name (`SSN`, `ssn `, `account.ssn`), or, on a table that declares its
    /// columns, one it does not declare. Never read as an unsecured column.
    UnknownColumn {
        /// The table id.
        table: String,
        /// The column as given.
        column: String,
    },
    /// Deny: the request is for a system the policy does not configure.
    NotConfigured(System),
}

impl Reason {
    /// Allow or deny: what this reason stands for.
    #[inline]
    pub fn decision(&self) -> Decision {
        match self {
            Reason::Record(r) => r.decision(),
            Reason::Action(r) => r.decision(),
            Reason::Column(r) => r.decision(),
            Reason::Misc(r) => r.decision(),
            Reason::Flow(r) => r.decision(),
            Reason::Folder(r) => r.decision(),
            Reason::UnknownId { .. } | Reason::UnknownColumn { .. } | Reason::NotConfigured(_) => {
                Decision::Deny
            }
        }
    }

    /// A stable snake_case code for the reason (`"role_level"`, `"no_privilege"`, …).
    ///
    /// ```
    /// use accessgate::{Reason, System};
    ///
    /// let reason = Reason::NotConfigured(System::Flows);
    /// assert_eq!(reason.code(), "not_configured");
    /// assert_eq!(reason.to_string(), "deny (not_configured): the policy has no flows model");
    /// ```
    pub fn code(&self) -> &'static str {
        match self {
            Reason::Record(r) => r.code(),
            Reason::Action(r) => r.code(),
            Reason::Column(r) => r.code(),
            Reason::Misc(r) => r.code(),
            Reason::Flow(r) => r.code(),
            Reason::Folder(r) => r.code(),
            Reason::UnknownId { .. } => "unknown_id",
            Reason::UnknownColumn { .. } => "unknown_column",
            Reason::NotConfigured(_) => "not_configured",
        }
    }

    /// The system the reason comes from (an unknown id or column is a Dataverse request's).
    pub fn system(&self) -> System {
        match self {
            Reason::Record(_)
            | Reason::Action(_)
            | Reason::Column(_)
            | Reason::Misc(_)
            | Reason::UnknownId { .. }
            | Reason::UnknownColumn { .. } => System::Dataverse,
            Reason::Flow(_) => System::Flows,
            Reason::Folder(_) => System::Folders,
            Reason::NotConfigured(system) => *system,
        }
    }
}

/// The decision and the code, then what the reason says without a policy to name its ids:
/// `deny (not_admitted)`, `deny (unknown_id): user `bob` does not exist in the model`. Use
/// [`Response::explain`] for the reason in words with names.
impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.decision(), self.code())?;
        match self {
            Reason::UnknownId { kind, id } => {
                write!(f, ": {kind} `{id}` does not exist in the model")
            }
            Reason::UnknownColumn { table, column } => {
                write!(
                    f,
                    ": table `{table}` has no column `{}`",
                    column.escape_debug()
                )
            }
            Reason::NotConfigured(system) => write!(f, ": the policy has no {system} model"),
            _ => Ok(()),
        }
    }
}

/// `dataverse`, `flows`, `folders`: the names of the document's keys.
impl fmt::Display for System {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            System::Dataverse => "dataverse",
            System::Flows => "flows",
            System::Folders => "folders",
        })
    }
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
        self.reason.decision()
    }

    /// Why.
    pub fn reason(&self) -> &Reason {
        &self.reason
    }

    /// A stable snake_case code for the reason (`"role_level"`, `"no_privilege"`, …); the same
    /// as [`Reason::code`].
    pub fn code(&self) -> &'static str {
        self.reason.code()
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
            (Reason::Misc(r), Some(p), _, _) => write!(f, "{}", r.explain(p)),
            (Reason::Flow(r), _, Some(p), _) => write!(f, "{}", r.explain(p)),
            (Reason::Folder(r), _, _, Some(p)) => write!(f, "{}", r.explain(p)),
            (Reason::UnknownId { kind, id }, ..) => {
                write!(f, "denied: {kind} `{id}` does not exist in the model")
            }
            (Reason::UnknownColumn { table, column }, ..) => write!(
                f,
                "denied: table `{table}` has no column `{}` (column names are canonical lowercase logical names)",
                column.escape_debug()
            ),
            (Reason::NotConfigured(system), ..) => {
                write!(f, "denied: the policy has no {system:?} model")
            }
            // A response explained with a policy other than the one that produced it.
            (Reason::Record(r), ..) => write!(f, "{r:?}"),
            (Reason::Action(r), ..) => write!(f, "{r:?}"),
            (Reason::Column(r), ..) => write!(f, "{r:?}"),
            (Reason::Misc(r), ..) => write!(f, "{r:?}"),
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
/// use accessgate::{authorize, PolicyDocument, Request, RecordPrivilege};
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
/// let request = Request::record("alice", RecordPrivilege::Read, "a1");
/// let response = authorize(&policy, &request);
/// assert!(response.decision().is_allow());
/// println!("{}", response.explain(&policy));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn authorize(policy: &Policy, request: &Request) -> Response {
    let reason = match request {
        Request::Dataverse(request) => match &policy.dataverse {
            None => Reason::NotConfigured(System::Dataverse),
            Some(p) => p.decide_request(request),
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
