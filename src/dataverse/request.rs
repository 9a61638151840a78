//! Dataverse requests as documents (names, not ids), and deciding them.
//!
//! [`Request::Dataverse`](crate::Request::Dataverse) holds a [`DataverseRequest`]; in JSON the
//! variant is the `kind` field, as for the other systems:
//!
//! ```json
//! {"kind": "record", "user": "alice", "privilege": "Read", "record": "account-1"}
//! {"kind": "record", "user": "alice", "privilege": "Read",
//!  "record": {"id": "account-9", "table": "account", "owner": {"user": "bob"}}}
//! ```
//!
//! The second form decides on a record the policy does not hold, from its facts: its shares are
//! those the policy's records hold under its id (none for an id they do not know), and its
//! parents, by id, must be records the policy holds.

use serde::{Deserialize, Serialize};
use smallvec::SmallVec;

use crate::core::{AccessLevel, Privilege, RecordPrivilege};
use crate::request::Reason;

use crate::dataverse::actions::action::ActionReason;
use crate::dataverse::configuration::columns::ColumnAccess;
use crate::dataverse::configuration::model::{ParentLink, PrincipalRef, ShareTarget};
use crate::dataverse::configuration::policy::{DataversePolicy, PrincipalId, RecordId, TableId};
use crate::dataverse::records::{ParentFact, RecordFacts, RecordOwner};

/// A record in a request: its id in the policy's records, or its facts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(untagged)]
pub enum RecordRef {
    /// A record the policy's records hold, by id.
    Id(String),
    /// A record described by its facts.
    Facts(RecordFactsDoc),
}

impl From<&str> for RecordRef {
    fn from(id: &str) -> Self {
        RecordRef::Id(id.to_owned())
    }
}

impl From<String> for RecordRef {
    fn from(id: String) -> Self {
        RecordRef::Id(id)
    }
}

/// The facts of a record, by name ([`RecordFacts`] with names instead of ids).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct RecordFactsDoc {
    /// The record's id in the application; shares the policy's records hold under it apply.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The table id.
    pub table: String,
    /// The owner; absent on organization-owned tables.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<PrincipalRef>,
    /// The owning business unit; absent means the owner's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owning_business_unit: Option<String>,
    /// Active; default `true`.
    #[serde(default = "crate::dataverse::configuration::model::yes")]
    pub active: bool,
    /// Parent records the policy holds, through relationships (R5.8).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub parents: Vec<ParentLink>,
}

/// May `user` use `privilege` on an existing `record`?
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct RecordQuery {
    /// The user id.
    pub user: String,
    /// Exactly one of Read, Write, Delete, Append, AppendTo, Assign, Share.
    pub privilege: RecordPrivilege,
    /// The record, by id or by facts.
    pub record: RecordRef,
}

/// May `user` create a record of `table` (R2.9)?
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct CreateQuery {
    /// The user id.
    pub user: String,
    /// The table id.
    pub table: String,
    /// Who would own the new record; absent means the user.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<PrincipalRef>,
    /// The owning business unit of the new record; absent means the owner's unit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owning_business_unit: Option<String>,
    /// Existing records the new record will point at through lookups (R1.4): each needs
    /// Append To, and the new record Append. With lookups the answer lists every check.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub lookups: Vec<String>,
}

/// May `user` set a lookup on `record` pointing at `target` (1:N, R1.4), or clear it?
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct AssociateQuery {
    /// The user id.
    pub user: String,
    /// The record whose lookup changes (needs Append).
    pub record: String,
    /// The record it points at (needs Append To).
    pub target: String,
}

/// May `user` associate or disassociate two records in an N:N relationship (R1.5)?
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct AssociateManyQuery {
    /// The user id.
    pub user: String,
    /// The two records.
    pub records: [String; 2],
}

/// May `user` assign `record` to `new_owner` (R1.7, R5.10)?
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct AssignQuery {
    /// The user id.
    pub user: String,
    /// The record id.
    pub record: String,
    /// The new owner.
    pub new_owner: PrincipalRef,
}

/// May `user` share `record` with `with`, granting `rights`, or revoke that share (R1.8, R5.6)?
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct ShareQuery {
    /// The user id.
    pub user: String,
    /// The record id.
    pub record: String,
    /// Who it would be shared with.
    pub with: ShareTarget,
    /// The rights granted (ignored for a revoke).
    #[serde(default)]
    pub rights: Privilege,
    /// Revoke instead of grant.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub revoke: bool,
}

/// May `user` read or update `column` of `record` (R7)? The record decision comes first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct ColumnQuery {
    /// The user id.
    pub user: String,
    /// The record id.
    pub record: String,
    /// The column's logical name.
    pub column: String,
    /// `read` or `update`.
    pub access: ColumnAccess,
}

/// May `user` set `column` when creating a record of `table` they would own (R7.6)?
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct CreateColumnQuery {
    /// The user id.
    pub user: String,
    /// The table id.
    pub table: String,
    /// The column's logical name.
    pub column: String,
}

/// Does `user` hold the minimum privileges to run a desktop flow?
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct DesktopFlowQuery {
    /// The user id.
    pub user: String,
}

/// Does `user` hold a miscellaneous privilege (one not about a table, such as
/// `prvExportToExcel`), directly or through a team?
///
/// ```json
/// {"kind": "misc_privilege", "user": "alice", "privilege": "prvExportToExcel"}
/// {"kind": "misc_privilege", "user": "alice", "privilege": "prvFlow", "level": "Organization"}
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct MiscPrivilegeQuery {
    /// The user id.
    pub user: String,
    /// The privilege name, compared with its letters lowercased; a name no role of the model
    /// mentions denies as unknown.
    pub privilege: String,
    /// The least level the privilege must be held at; absent means User (any level but None).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub level: Option<AccessLevel>,
}

/// May `user` add `member` to the access team that `template` gives `record` (R4.9, R4.10)?
///
/// ```json
/// {"kind": "join_access_team", "user": "owner", "member": "helper", "template": "deal team", "record": "a1"}
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct JoinAccessTeamQuery {
    /// The user adding the member.
    pub user: String,
    /// The user joining the team.
    pub member: String,
    /// The access-team template.
    pub template: String,
    /// The record whose access team it is.
    pub record: String,
}

/// A Dataverse question, by names. In JSON the variant is the `kind` field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum DataverseRequest {
    /// A record privilege.
    Record(RecordQuery),
    /// Creating a record.
    Create(CreateQuery),
    /// A 1:N association.
    Associate(AssociateQuery),
    /// An N:N association.
    AssociateMany(AssociateManyQuery),
    /// Assigning a record.
    Assign(AssignQuery),
    /// Sharing or revoking.
    Share(ShareQuery),
    /// A column of an existing record.
    Column(ColumnQuery),
    /// A column of a new record.
    CreateColumn(CreateColumnQuery),
    /// Running a desktop flow.
    RunDesktopFlow(DesktopFlowQuery),
    /// Holding a miscellaneous privilege.
    MiscPrivilege(MiscPrivilegeQuery),
    /// Adding a member to a record's access team.
    JoinAccessTeam(JoinAccessTeamQuery),
}

fn unknown(kind: &'static str, id: &str) -> Reason {
    Reason::UnknownId {
        kind,
        id: id.to_owned(),
    }
}

impl DataversePolicy {
    /// Resolves the names of a request and decides it.
    pub fn decide_request(&self, request: &DataverseRequest) -> Reason {
        self.resolve_and_decide(request)
            .unwrap_or_else(|unknown| unknown)
    }

    /// `Err(UnknownColumn)` for a column name the table does not have (the names rule).
    fn known_column(&self, table: TableId, column: &str) -> Result<(), Reason> {
        if self.is_known_column(table, column) {
            Ok(())
        } else {
            Err(Reason::UnknownColumn {
                table: self.table_name(table).to_owned(),
                column: column.to_owned(),
            })
        }
    }

    fn principal(&self, r: &PrincipalRef) -> Result<PrincipalId, Reason> {
        match r {
            PrincipalRef::User(u) => self
                .user_id(u)
                .map(PrincipalId::User)
                .ok_or_else(|| unknown("user", u)),
            PrincipalRef::Team(t) => self
                .team_id(t)
                .map(PrincipalId::Team)
                .ok_or_else(|| unknown("team", t)),
        }
    }

    /// The facts of a record given by name, with the key its shares are found under.
    fn facts_of(&self, doc: &RecordFactsDoc) -> Result<RecordFacts, Reason> {
        let table = self
            .table_id(&doc.table)
            .ok_or_else(|| unknown("table", &doc.table))?;
        let owner = match &doc.owner {
            None => RecordOwner::Organization,
            Some(o) => match self.principal(o)? {
                PrincipalId::User(u) => RecordOwner::User(u),
                PrincipalId::Team(t) => RecordOwner::Team(t),
            },
        };
        // A record the policy's records do not hold gets a key no version hands out.
        let id = doc
            .id
            .as_deref()
            .and_then(|id| self.records.id(id))
            .unwrap_or(RecordId(u64::MAX));
        let mut facts = RecordFacts::owned_by(id, table, owner);
        facts.active = doc.active;
        if let Some(b) = &doc.owning_business_unit {
            facts.owning_unit = Some(
                self.business_unit_id(b)
                    .ok_or_else(|| unknown("business unit", b))?,
            );
        }
        let mut parents = SmallVec::new();
        for link in &doc.parents {
            parents.push(ParentFact {
                relationship: self
                    .relationship_id(&link.relationship)
                    .ok_or_else(|| unknown("relationship", &link.relationship))?,
                record: self
                    .record_id(&link.record)
                    .ok_or_else(|| unknown("record", &link.record))?,
            });
        }
        facts.parents = parents;
        Ok(facts)
    }

    fn resolve_and_decide(&self, request: &DataverseRequest) -> Result<Reason, Reason> {
        let user = |name: &str| self.user_id(name).ok_or_else(|| unknown("user", name));
        let record = |name: &str| self.record_id(name).ok_or_else(|| unknown("record", name));
        let action = |r: ActionReason| Reason::Action(Box::new(r));
        Ok(match request {
            DataverseRequest::Record(q) => {
                let user_id = user(&q.user)?;
                match &q.record {
                    RecordRef::Id(r) => {
                        Reason::Record(self.check(user_id, q.privilege.into(), record(r)?))
                    }
                    RecordRef::Facts(doc) => {
                        let facts = self.facts_of(doc)?;
                        Reason::Record(self.check_facts(
                            user_id,
                            q.privilege.into(),
                            &facts,
                            &self.records,
                        ))
                    }
                }
            }
            DataverseRequest::Create(q) => {
                let user_id = user(&q.user)?;
                let table_id = self
                    .table_id(&q.table)
                    .ok_or_else(|| unknown("table", &q.table))?;
                let owner = match &q.owner {
                    None => PrincipalId::User(user_id),
                    Some(o) => self.principal(o)?,
                };
                let unit = match &q.owning_business_unit {
                    None => None,
                    Some(b) => Some(
                        self.business_unit_id(b)
                            .ok_or_else(|| unknown("business unit", b))?,
                    ),
                };
                if q.lookups.is_empty() {
                    Reason::Record(self.check_create(user_id, table_id, owner, unit))
                } else {
                    let targets = q
                        .lookups
                        .iter()
                        .map(|r| record(r))
                        .collect::<Result<Vec<_>, _>>()?;
                    action(self.check_create_with_lookups(user_id, table_id, owner, unit, &targets))
                }
            }
            DataverseRequest::Associate(q) => {
                action(self.check_associate(user(&q.user)?, record(&q.record)?, record(&q.target)?))
            }
            DataverseRequest::AssociateMany(q) => {
                let [a, b] = &q.records;
                action(self.check_associate_many(user(&q.user)?, record(a)?, record(b)?))
            }
            DataverseRequest::Assign(q) => action(self.check_assign(
                user(&q.user)?,
                record(&q.record)?,
                self.principal(&q.new_owner)?,
            )),
            DataverseRequest::Share(q) => {
                match &q.with {
                    ShareTarget::User(name) => user(name).map(|_| ())?,
                    ShareTarget::Team(name) => self
                        .team_id(name)
                        .map(|_| ())
                        .ok_or_else(|| unknown("team", name))?,
                    ShareTarget::Organization => {}
                }
                action(self.check_share(user(&q.user)?, record(&q.record)?, q.rights, q.revoke))
            }
            DataverseRequest::RunDesktopFlow(q) => {
                action(self.check_desktop_flow_run(user(&q.user)?))
            }
            DataverseRequest::JoinAccessTeam(q) => {
                let template = self
                    .access_team_template_id(&q.template)
                    .ok_or_else(|| unknown("access team template", &q.template))?;
                action(self.check_join_access_team(
                    user(&q.user)?,
                    user(&q.member)?,
                    template,
                    record(&q.record)?,
                ))
            }
            DataverseRequest::MiscPrivilege(q) => {
                let user_id = user(&q.user)?;
                let privilege = self
                    .misc_privilege_id(&q.privilege)
                    .ok_or_else(|| unknown("miscellaneous privilege", &q.privilege))?;
                Reason::Misc(self.check_misc(
                    user_id,
                    privilege,
                    q.level.unwrap_or(AccessLevel::User),
                ))
            }
            DataverseRequest::Column(q) => {
                let (user_id, record_id) = (user(&q.user)?, record(&q.record)?);
                let table = self
                    .record_table(record_id)
                    .ok_or_else(|| unknown("record", &q.record))?;
                self.known_column(table, &q.column)?;
                Reason::Column(self.check_column(
                    user_id,
                    record_id,
                    self.column_id(table, &q.column),
                    q.access,
                ))
            }
            DataverseRequest::CreateColumn(q) => {
                let user_id = user(&q.user)?;
                let table_id = self
                    .table_id(&q.table)
                    .ok_or_else(|| unknown("table", &q.table))?;
                self.known_column(table_id, &q.column)?;
                Reason::Column(self.check_create_column(
                    user_id,
                    table_id,
                    self.column_id(table_id, &q.column),
                ))
            }
        })
    }
}
