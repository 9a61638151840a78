//! Decisions as data: a [`Response`] in a form an audit log can hold.

use serde::ser::SerializeStruct;
use serde::{Serialize, Serializer};

use crate::core::Decision;
use crate::dataverse::{DataversePolicy, Path, RecordReason, RoleGrant, SharedWith, Via};
use crate::policy::Policy;
use crate::request::{Reason, Response, System};

/// A decision with its reason's parts by name, ready to serialise (one JSON line of an audit
/// log). Made by [`Response::to_record`].
///
/// Field names are stable: `decision` (`allow` or `deny`), `code` (the reason's
/// [code](Reason::code)), `system` (`dataverse`, `flows`, `folders`), `explanation` (the
/// sentence of [`Response::explain`]) and, when the reason has them, `role`, `level`,
/// `business_unit`, `team` (the team a role came through), `owning_team`, `shared_with`,
/// `record`, `table` and `privilege`. Parts a reason does not have are left out.
///
/// ```
/// use accessgate::{authorize, PolicyDocument, RecordPrivilege, Request};
///
/// let doc: PolicyDocument = serde_json::from_str(r#"{"dataverse": {
///   "business_units": [{"id": "contoso"}],
///   "tables": [{"id": "account"}],
///   "roles": [{"id": "reader", "privileges": {"account": {"Read": "Organization"}}}],
///   "users": [{"id": "alice", "business_unit": "contoso"}],
///   "role_assignments": [{"principal": {"user": "alice"}, "role": "reader"}],
///   "records": [{"id": "a1", "table": "account", "owner": {"user": "alice"}}]
/// }}"#)?;
/// let policy = doc.build()?;
/// let response = authorize(&policy, &Request::record("alice", RecordPrivilege::Read, "a1"));
/// let record = response.to_record(&policy);
/// assert_eq!(record.role.as_deref(), Some("reader"));
/// assert_eq!(record.level.as_deref(), Some("Organization"));
/// assert_eq!(serde_json::to_value(&response)?, serde_json::json!(
///     {"decision": "allow", "code": "role_level", "system": "dataverse"}
/// ));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[non_exhaustive]
pub struct DecisionRecord {
    /// Allow or deny.
    pub decision: Decision,
    /// The reason's stable code.
    pub code: &'static str,
    /// The system that decided.
    pub system: System,
    /// The reason in words, with names.
    pub explanation: String,
    /// The role that allowed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    /// The access level the role gave.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub level: Option<String>,
    /// The business unit the role's levels count from.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub business_unit: Option<String>,
    /// The team a role came through.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub team: Option<String>,
    /// The team that owns the record, when the level reached it as that team's (a member's or
    /// its administrator's).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owning_team: Option<String>,
    /// Who a share that allowed is to: `user:ID`, `team:ID` or `organization`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shared_with: Option<String>,
    /// The record the reason is about.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub record: Option<String>,
    /// The table the reason is about.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub table: Option<String>,
    /// The privilege the reason is about.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub privilege: Option<String>,
}

impl Response {
    /// The decision with its reason's parts named from `policy` (the policy that decided).
    pub fn to_record(&self, policy: &Policy) -> DecisionRecord {
        let mut record = DecisionRecord {
            decision: self.decision(),
            code: self.code(),
            system: self.reason().system(),
            explanation: self.explain(policy).to_string(),
            role: None,
            level: None,
            business_unit: None,
            team: None,
            owning_team: None,
            shared_with: None,
            record: None,
            table: None,
            privilege: None,
        };
        if let (Reason::Record(r), Some(p)) = (self.reason(), policy.dataverse()) {
            record.name_record_reason(r, p);
        }
        record
    }
}

impl DecisionRecord {
    fn grant(&mut self, grant: &RoleGrant, p: &DataversePolicy) {
        self.role = Some(p.role_name(grant.role).to_owned());
        self.level = Some(format!("{:?}", grant.level));
        self.business_unit = Some(p.business_unit_name(grant.business_unit).to_owned());
        self.via(grant.via, p);
    }

    fn via(&mut self, via: Via, p: &DataversePolicy) {
        match via {
            Via::Direct => {}
            Via::Team(t) | Via::TeamMemberInheritance(t) => {
                self.team = Some(p.team_name(t).to_owned());
            }
        }
    }

    fn name_record_reason(&mut self, r: &RecordReason, p: &DataversePolicy) {
        match *r {
            RecordReason::SystemAdministrator { role, via } => {
                self.role = Some(p.role_name(role).to_owned());
                self.via(via, p);
            }
            RecordReason::RoleLevel { grant, path } => {
                self.grant(&grant, p);
                if let Path::OwningTeam(t) | Path::TeamAdministrator(t) = path {
                    self.owning_team = Some(p.team_name(t).to_owned());
                }
            }
            RecordReason::Shared {
                with,
                inherited_from,
                grant,
                ..
            } => {
                self.grant(&grant, p);
                self.shared_with = Some(match with {
                    SharedWith::User(u) => format!("user:{}", p.user_name(u)),
                    SharedWith::Team(t) => format!("team:{}", p.team_name(t)),
                    SharedWith::Organization => "organization".to_owned(),
                });
                if let Some(parent) = inherited_from {
                    self.record = Some(p.record_name(parent).to_owned());
                }
            }
            RecordReason::Hierarchy { grant, .. } => self.grant(&grant, p),
            RecordReason::OutsideLevels {
                record,
                table,
                privilege,
                highest,
            } => {
                self.record = Some(p.record_name(record).to_owned());
                self.table = Some(p.table_name(table).to_owned());
                self.privilege = Some(privilege.to_string());
                self.level = Some(format!("{highest:?}"));
            }
            RecordReason::NoPrivilege { table, privilege }
            | RecordReason::PrivilegeDoesNotApply { table, privilege } => {
                self.table = Some(p.table_name(table).to_owned());
                self.privilege = Some(privilege.to_string());
            }
            RecordReason::CascadeLimit { record, .. } | RecordReason::UnknownRecord(record) => {
                self.record = Some(p.record_name(record).to_owned());
            }
            RecordReason::MissingOwner { table }
            | RecordReason::UnknownTable(table)
            | RecordReason::CreateOutsideLevels { table, .. }
            | RecordReason::CreateForOtherNeedsAssign { table, .. }
            | RecordReason::OwnerCannotOwn { table, .. }
            | RecordReason::NewRecordOutsideLevels { table, .. } => {
                self.table = Some(p.table_name(table).to_owned());
            }
            RecordReason::NotARecordPrivilege(privilege) => {
                self.privilege = Some(privilege.to_string());
            }
            _ => {}
        }
    }
}

/// `decision`, `code` and `system`: what needs no names. [`Response::to_record`] adds them.
impl Serialize for Response {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut s = serializer.serialize_struct("Response", 3)?;
        s.serialize_field("decision", &self.decision())?;
        s.serialize_field("code", self.code())?;
        s.serialize_field("system", &self.reason().system())?;
        s.end()
    }
}

/// `decision`, `code` and `system`, as for [`Response`].
impl Serialize for Reason {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        Response::new(self.clone()).serialize(serializer)
    }
}
