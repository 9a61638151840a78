//! Building Dataverse requests in Rust: a constructor per question, chainable methods for the
//! optional parts.
//!
//! The request structs are `#[non_exhaustive]`, so a new optional part of a question does not
//! break code that asks it; outside this crate they are made here, not by struct literals.
//!
//! ```
//! use accessgate::dataverse::*;
//! use accessgate::{Privilege, RecordPrivilege, Request};
//!
//! let read = RecordQuery::new("alice", RecordPrivilege::Read, "account-1");
//! let create = CreateQuery::new("alice", "contact")
//!     .owned_by(PrincipalRef::Team("sales".into()))
//!     .with_lookup("account-1");
//! let share = ShareQuery::grant("alice", "account-1", ShareTarget::User("bob".into()), Privilege::READ);
//! let request = Request::Dataverse(DataverseRequest::Record(read));
//! assert_eq!(
//!     serde_json::to_string(&request)?,
//!     r#"{"kind":"record","user":"alice","privilege":"Read","record":"account-1"}"#
//! );
//! assert_eq!(create.lookups, ["account-1"]);
//! assert!(!share.revoke);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use crate::core::{AccessLevel, Privilege, RecordPrivilege};
use crate::dataverse::configuration::columns::ColumnAccess;
use crate::dataverse::configuration::model::{ParentLink, PrincipalRef, ShareTarget};

use super::request::{
    AssignQuery, AssociateManyQuery, AssociateQuery, ColumnQuery, CreateColumnQuery, CreateQuery,
    DesktopFlowQuery, JoinAccessTeamQuery, MiscPrivilegeQuery, RecordFactsDoc, RecordQuery,
    RecordRef, ShareQuery,
};

impl RecordFactsDoc {
    /// An active record of `table` with no id, no owner (the table must be
    /// organization-owned, or set one with [`owned_by`](Self::owned_by)) and no parents.
    pub fn new(table: &str) -> Self {
        RecordFactsDoc {
            id: None,
            table: table.into(),
            owner: None,
            owning_business_unit: None,
            active: true,
            parents: Vec::new(),
        }
    }
    /// The same facts with the application's record id `id`, so the shares the policy's
    /// records hold under it apply.
    #[must_use]
    pub fn with_id(mut self, id: &str) -> Self {
        self.id = Some(id.into());
        self
    }
    /// The same facts owned by `owner`.
    #[must_use]
    pub fn owned_by(mut self, owner: PrincipalRef) -> Self {
        self.owner = Some(owner);
        self
    }
    /// The same facts owned in `business_unit` rather than the owner's unit.
    #[must_use]
    pub fn in_business_unit(mut self, business_unit: &str) -> Self {
        self.owning_business_unit = Some(business_unit.into());
        self
    }
    /// The same facts, inactive.
    #[must_use]
    pub fn inactive(mut self) -> Self {
        self.active = false;
        self
    }
    /// The same facts with parent `record` (one the policy holds) through `relationship`.
    #[must_use]
    pub fn with_parent(mut self, relationship: &str, record: &str) -> Self {
        self.parents.push(ParentLink::new(relationship, record));
        self
    }
}

impl RecordQuery {
    /// May `user` use `privilege` on `record` (an id, or a [`RecordFactsDoc`] as
    /// [`RecordRef::Facts`])?
    pub fn new(user: &str, privilege: RecordPrivilege, record: impl Into<RecordRef>) -> Self {
        RecordQuery {
            user: user.into(),
            privilege,
            record: record.into(),
        }
    }
}

impl CreateQuery {
    /// May `user` create a record of `table` that `user` owns in their own unit?
    pub fn new(user: &str, table: &str) -> Self {
        CreateQuery {
            user: user.into(),
            table: table.into(),
            owner: None,
            owning_business_unit: None,
            lookups: Vec::new(),
        }
    }
    /// The same question for a new record owned by `owner`.
    #[must_use]
    pub fn owned_by(mut self, owner: PrincipalRef) -> Self {
        self.owner = Some(owner);
        self
    }
    /// The same question for a new record owned in `business_unit`.
    #[must_use]
    pub fn in_business_unit(mut self, business_unit: &str) -> Self {
        self.owning_business_unit = Some(business_unit.into());
        self
    }
    /// The same question for a new record that also points at `record` through a lookup.
    #[must_use]
    pub fn with_lookup(mut self, record: &str) -> Self {
        self.lookups.push(record.into());
        self
    }
}

impl AssociateQuery {
    /// May `user` set a lookup on `record` pointing at `target`?
    pub fn new(user: &str, record: &str, target: &str) -> Self {
        AssociateQuery {
            user: user.into(),
            record: record.into(),
            target: target.into(),
        }
    }
}

impl AssociateManyQuery {
    /// May `user` associate records `first` and `second` (N:N)?
    pub fn new(user: &str, first: &str, second: &str) -> Self {
        AssociateManyQuery {
            user: user.into(),
            records: [first.into(), second.into()],
        }
    }
}

impl AssignQuery {
    /// May `user` assign `record` to `new_owner`?
    pub fn new(user: &str, record: &str, new_owner: PrincipalRef) -> Self {
        AssignQuery {
            user: user.into(),
            record: record.into(),
            new_owner,
        }
    }
}

impl ShareQuery {
    /// May `user` share `record` with `with`, granting `rights`?
    pub fn grant(user: &str, record: &str, with: ShareTarget, rights: Privilege) -> Self {
        ShareQuery {
            user: user.into(),
            record: record.into(),
            with,
            rights,
            revoke: false,
        }
    }
    /// May `user` revoke the share of `record` with `with`?
    pub fn revoke(user: &str, record: &str, with: ShareTarget) -> Self {
        ShareQuery {
            revoke: true,
            ..ShareQuery::grant(user, record, with, Privilege::empty())
        }
    }
}

impl ColumnQuery {
    /// May `user` read or update (`access`) `column` of `record`?
    pub fn new(user: &str, record: &str, column: &str, access: ColumnAccess) -> Self {
        ColumnQuery {
            user: user.into(),
            record: record.into(),
            column: column.into(),
            access,
        }
    }
}

impl CreateColumnQuery {
    /// May `user` set `column` when creating a record of `table`?
    pub fn new(user: &str, table: &str, column: &str) -> Self {
        CreateColumnQuery {
            user: user.into(),
            table: table.into(),
            column: column.into(),
        }
    }
}

impl DesktopFlowQuery {
    /// Does `user` hold the privileges to run a desktop flow?
    pub fn new(user: &str) -> Self {
        DesktopFlowQuery { user: user.into() }
    }
}

impl MiscPrivilegeQuery {
    /// Does `user` hold miscellaneous privilege `privilege` at any level but None?
    pub fn new(user: &str, privilege: &str) -> Self {
        MiscPrivilegeQuery {
            user: user.into(),
            privilege: privilege.into(),
            level: None,
        }
    }
    /// The same question, asking for at least `level`.
    #[must_use]
    pub fn at_least(mut self, level: AccessLevel) -> Self {
        self.level = Some(level);
        self
    }
}

impl JoinAccessTeamQuery {
    /// May `user` add `member` to the access team `template` gives `record`?
    pub fn new(user: &str, member: &str, template: &str, record: &str) -> Self {
        JoinAccessTeamQuery {
            user: user.into(),
            member: member.into(),
            template: template.into(),
            record: record.into(),
        }
    }
}

impl From<RecordFactsDoc> for RecordRef {
    fn from(facts: RecordFactsDoc) -> Self {
        RecordRef::Facts(facts)
    }
}
