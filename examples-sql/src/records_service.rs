//! A service that keeps its records in its own SQLite tables and authorizes each request from
//! the row, with no record in the policy.
//!
//! The policy holds configuration only (units, users, teams, roles, relationships). The
//! service's `record` table holds its rows: application id, table, owner (user or team),
//! owning business unit, state and parent link; its `share` table is shaped like Dataverse's
//! PrincipalObjectAccess (object, principal kind and id, AccessRights mask). To decide "may
//! `user` do `privilege` on record `id`?", the service reads the row into [`RecordFacts`] and
//! hands [`DataversePolicy::check_facts`] a [`ShareSource`] that reads share rows (and parent
//! rows, for shares cascading from a parent) on demand.
//!
//! [`run`] also compiles the same organisation as one document with every record and share in
//! it, and checks that both give the same decision and reason code for every (user, privilege,
//! record): the facts path is exact, not an approximation.
//!
//! `cargo run -p accessgate-sql-example --example records_in_sqlite` prints the decisions.

use std::cell::RefCell;
use std::ops::ControlFlow;

use accessgate::dataverse::*;
use accessgate::{AccessLevel, Privilege};
use rusqlite::{params, Connection, OptionalExtension};

/// The service's own schema: no accessgate ids anywhere, only its names.
pub const SCHEMA: &str = "
CREATE TABLE record (
    key INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    tbl TEXT NOT NULL,
    owner_kind TEXT NOT NULL CHECK (owner_kind IN ('user', 'team', 'organization')),
    owner_id TEXT,
    owning_unit TEXT,
    active INTEGER NOT NULL DEFAULT 1,
    parent_key INTEGER REFERENCES record(key),
    parent_relationship TEXT
);
CREATE TABLE share (
    object_key INTEGER NOT NULL REFERENCES record(key),
    principal_kind TEXT NOT NULL CHECK (principal_kind IN ('user', 'team', 'organization')),
    principal_id TEXT,
    access_rights INTEGER NOT NULL
);
CREATE INDEX share_object ON share (object_key);
";

/// Dataverse's AccessRights mask bits and the privilege each stands for.
const ACCESS_RIGHTS: [(i64, Privilege); 8] = [
    (1, Privilege::READ),
    (2, Privilege::WRITE),
    (4, Privilege::APPEND),
    (16, Privilege::APPEND_TO),
    (32, Privilege::CREATE),
    (65_536, Privilege::DELETE),
    (262_144, Privilege::SHARE),
    (524_288, Privilege::ASSIGN),
];

/// The privileges of an AccessRights mask; `None` when it has a bit no right uses.
pub fn privileges_of(mask: i64) -> Option<Privilege> {
    let known: i64 = ACCESS_RIGHTS.iter().map(|(bit, _)| bit).sum();
    if mask & !known != 0 {
        return None;
    }
    Some(
        ACCESS_RIGHTS
            .iter()
            .filter(|(bit, _)| mask & bit != 0)
            .fold(Privilege::empty(), |all, (_, p)| all | *p),
    )
}

/// The AccessRights mask of a set of privileges.
pub fn mask_of(privileges: Privilege) -> i64 {
    ACCESS_RIGHTS
        .iter()
        .filter(|(_, p)| privileges.contains(*p))
        .map(|(bit, _)| bit)
        .sum()
}

/// Reads the service's rows as record facts and shares for one policy.
///
/// A row that names something the policy does not know (a table, owner, unit or relationship)
/// has no facts, so a decision on it denies; a share row to an unknown principal or with rights
/// no record has grants nothing. A database error is kept and turns the decision into a deny:
/// [`ShareSource`] cannot fail, so [`SqliteRecords::decide`] checks for one afterwards.
pub struct SqliteRecords<'a> {
    conn: &'a Connection,
    policy: &'a DataversePolicy,
    failure: RefCell<Option<rusqlite::Error>>,
}

impl<'a> SqliteRecords<'a> {
    /// Rows of `conn` decided with `policy`.
    pub fn new(conn: &'a Connection, policy: &'a DataversePolicy) -> Self {
        SqliteRecords {
            conn,
            policy,
            failure: RefCell::new(None),
        }
    }

    /// The facts of the row with primary key `key`.
    fn row(&self, key: i64) -> rusqlite::Result<Option<RecordFacts>> {
        type Row = (
            String,
            String,
            Option<String>,
            Option<String>,
            bool,
            Option<i64>,
            Option<String>,
        );
        let row: Option<Row> = self
            .conn
            .query_row(
                "SELECT tbl, owner_kind, owner_id, owning_unit, active, parent_key, \
                 parent_relationship FROM record WHERE key = ?1",
                params![key],
                |r| {
                    Ok((
                        r.get(0)?,
                        r.get(1)?,
                        r.get(2)?,
                        r.get(3)?,
                        r.get(4)?,
                        r.get(5)?,
                        r.get(6)?,
                    ))
                },
            )
            .optional()?;
        let Some((table, owner_kind, owner_id, unit, active, parent, relationship)) = row else {
            return Ok(None);
        };
        let p = self.policy;
        let facts = (|| {
            let table = p.table_id(&table)?;
            let owner = match (owner_kind.as_str(), owner_id.as_deref()) {
                ("user", Some(id)) => RecordOwner::User(p.user_id(id)?),
                ("team", Some(id)) => RecordOwner::Team(p.team_id(id)?),
                ("organization", None) => RecordOwner::Organization,
                _ => return None,
            };
            let mut facts = RecordFacts::owned_by(RecordId::new(key as u64), table, owner);
            if let Some(unit) = unit {
                facts = facts.in_business_unit(p.business_unit_id(&unit)?);
            }
            if !active {
                facts = facts.inactive();
            }
            if let (Some(parent), Some(relationship)) = (parent, relationship) {
                facts = facts.with_parent(ParentFact::new(
                    p.relationship_id(&relationship)?,
                    RecordId::new(parent as u64),
                ));
            }
            Some(facts)
        })();
        Ok(facts)
    }

    fn share_rows(&self, key: i64) -> rusqlite::Result<Vec<ShareFact>> {
        let mut statement = self.conn.prepare_cached(
            "SELECT principal_kind, principal_id, access_rights FROM share WHERE object_key = ?1",
        )?;
        let rows = statement.query_map(params![key], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, Option<String>>(1)?,
                r.get::<_, i64>(2)?,
            ))
        })?;
        let mut shares = Vec::new();
        for row in rows {
            let (kind, id, mask) = row?;
            let with = match (kind.as_str(), id.as_deref()) {
                ("user", Some(id)) => self.policy.user_id(id).map(SharedWith::User),
                ("team", Some(id)) => self.policy.team_id(id).map(SharedWith::Team),
                ("organization", None) => Some(SharedWith::Organization),
                _ => None,
            };
            let rights =
                privileges_of(mask).filter(|r| !r.is_empty() && !r.contains(Privilege::CREATE));
            if let (Some(with), Some(rights)) = (with, rights) {
                shares.push(ShareFact::new(with, rights));
            }
        }
        Ok(shares)
    }

    fn keep<T>(&self, result: rusqlite::Result<T>) -> Option<T> {
        match result {
            Ok(value) => Some(value),
            Err(e) => {
                self.failure.borrow_mut().get_or_insert(e);
                None
            }
        }
    }

    /// The application id of the row with key `record`.
    pub fn id_of(&self, record: RecordId) -> rusqlite::Result<String> {
        let key = i64::try_from(record.get()).unwrap_or(-1);
        self.conn
            .query_row("SELECT id FROM record WHERE key = ?1", params![key], |r| {
                r.get(0)
            })
    }

    /// Decides `privilege` on the record with application id `id`, straight from its row.
    pub fn decide(
        &self,
        user: &str,
        privilege: Privilege,
        id: &str,
    ) -> rusqlite::Result<Option<RecordReason>> {
        let Some(user) = self.policy.user_id(user) else {
            return Ok(None);
        };
        let key: Option<i64> = self
            .conn
            .query_row("SELECT key FROM record WHERE id = ?1", params![id], |r| {
                r.get(0)
            })
            .optional()?;
        let Some(facts) = key.map(|k| self.row(k)).transpose()?.flatten() else {
            return Ok(None);
        };
        let reason = self.policy.check_facts(user, privilege, &facts, self);
        match self.failure.borrow_mut().take() {
            Some(e) => Err(e),
            None => Ok(Some(reason)),
        }
    }
}

impl ShareSource for SqliteRecords<'_> {
    fn shares(
        &self,
        record: RecordId,
        visit: &mut dyn FnMut(ShareFact) -> ControlFlow<()>,
    ) -> ControlFlow<()> {
        let Ok(key) = i64::try_from(record.get()) else {
            return ControlFlow::Continue(());
        };
        for share in self.keep(self.share_rows(key)).unwrap_or_default() {
            visit(share)?;
        }
        ControlFlow::Continue(())
    }

    fn record(&self, record: RecordId) -> Option<RecordFacts> {
        let key = i64::try_from(record.get()).ok()?;
        self.keep(self.row(key)).flatten()
    }
}

/// The organisation's configuration: two units under the root, a sales team, a read-everything
/// auditor, and accounts whose shares cascade to their contacts.
pub fn configuration() -> DataverseModel {
    let mut m = DataverseModel::default();
    m.business_units.push(BusinessUnitDef::root("contoso"));
    m.business_units
        .push(BusinessUnitDef::child("sales", "contoso"));
    m.business_units
        .push(BusinessUnitDef::child("service", "contoso"));
    m.tables.push(TableDef::user_owned("account"));
    m.tables.push(TableDef::user_owned("contact"));
    m.relationships.push(RelationshipDef::new(
        "account_contacts",
        "account",
        "contact",
    ));
    let rw = Privilege::READ | Privilege::WRITE;
    m.roles.push(
        RoleDef::new("salesperson")
            .grant("account", rw | Privilege::CREATE, AccessLevel::User)
            .grant("contact", rw, AccessLevel::User)
            .grant("account", Privilege::SHARE, AccessLevel::User),
    );
    m.roles.push(
        RoleDef::new("sales manager")
            .grant("account", rw, AccessLevel::BusinessUnit)
            .grant("contact", rw, AccessLevel::BusinessUnit),
    );
    m.roles.push(
        RoleDef::new("auditor")
            .grant("account", Privilege::READ, AccessLevel::Organization)
            .grant("contact", Privilege::READ, AccessLevel::Organization),
    );
    for (user, unit, role) in [
        ("alice", "sales", "salesperson"),
        ("bob", "sales", "sales manager"),
        ("carol", "service", "salesperson"),
        ("dave", "contoso", "auditor"),
    ] {
        m.users.push(UserDef::new(user, unit));
        m.role_assignments.push(RoleAssignmentDef::user(user, role));
    }
    m.teams
        .push(TeamDef::owner("key accounts", "sales", &["alice", "carol"]));
    m.role_assignments
        .push(RoleAssignmentDef::team("key accounts", "salesperson"));
    m
}

/// A row of the service's `record` table.
struct Row {
    id: &'static str,
    table: &'static str,
    owner: PrincipalRef,
    active: bool,
    parent: Option<&'static str>,
}

fn rows() -> Vec<Row> {
    let user = |u: &str| PrincipalRef::User(u.into());
    let team = |t: &str| PrincipalRef::Team(t.into());
    let row = |id, table, owner, parent| Row {
        id,
        table,
        owner,
        active: true,
        parent,
    };
    let mut rows = vec![
        row("fabrikam", "account", user("alice"), None),
        row("northwind", "account", user("carol"), None),
        row("litware", "account", team("key accounts"), None),
        row("adventure works", "account", user("bob"), None),
        row("nancy", "contact", user("carol"), Some("northwind")),
        row("nestor", "contact", user("carol"), Some("northwind")),
        row("fiona", "contact", user("alice"), Some("fabrikam")),
    ];
    rows.push(Row {
        active: false,
        ..row("old lead", "contact", user("bob"), Some("adventure works"))
    });
    rows
}

/// Direct shares: (record, principal, rights).
fn shares() -> Vec<(&'static str, ShareTarget, Privilege)> {
    vec![
        (
            "northwind",
            ShareTarget::User("alice".into()),
            Privilege::READ | Privilege::WRITE,
        ),
        (
            "adventure works",
            ShareTarget::Team("key accounts".into()),
            Privilege::READ,
        ),
    ]
}

/// Creates the service's tables in `conn` and fills them.
pub fn load(conn: &Connection) -> rusqlite::Result<()> {
    conn.execute_batch(SCHEMA)?;
    for r in rows() {
        let (kind, owner) = match &r.owner {
            PrincipalRef::User(u) => ("user", u.as_str()),
            PrincipalRef::Team(t) => ("team", t.as_str()),
        };
        let parent: Option<i64> = match r.parent {
            Some(p) => Some(conn.query_row(
                "SELECT key FROM record WHERE id = ?1",
                params![p],
                |row| row.get(0),
            )?),
            None => None,
        };
        conn.execute(
            "INSERT INTO record (id, tbl, owner_kind, owner_id, active, parent_key, \
             parent_relationship) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![
                r.id,
                r.table,
                kind,
                owner,
                r.active,
                parent,
                parent.map(|_| "account_contacts")
            ],
        )?;
    }
    for (record, with, rights) in shares() {
        let (kind, id) = match &with {
            ShareTarget::User(u) => ("user", Some(u.as_str())),
            ShareTarget::Team(t) => ("team", Some(t.as_str())),
            ShareTarget::Organization => ("organization", None),
        };
        conn.execute(
            "INSERT INTO share (object_key, principal_kind, principal_id, access_rights) \
             SELECT key, ?2, ?3, ?4 FROM record WHERE id = ?1",
            params![record, kind, id, mask_of(rights)],
        )?;
    }
    Ok(())
}

/// The same organisation as one document, records and shares included.
pub fn whole_document() -> DataverseModel {
    let mut m = configuration();
    for r in rows() {
        let mut record = RecordDef::new(r.id, r.table, Some(r.owner.clone()));
        record.active = r.active;
        if let Some(parent) = r.parent {
            record = record.with_parent("account_contacts", parent);
        }
        m.records.push(record);
    }
    for (record, with, rights) in shares() {
        m.shares.push(ShareDef::new(record, with, rights));
    }
    m
}

/// One decision made from the service's rows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    /// Who asked.
    pub user: String,
    /// What for.
    pub privilege: Privilege,
    /// On which record.
    pub record: String,
    /// Allowed?
    pub allowed: bool,
    /// The reason code.
    pub code: &'static str,
    /// The full explanation.
    pub explanation: String,
    /// For a share cascaded from a parent, the parent row's id.
    pub inherited_from: Option<String>,
}

/// What [`run`] found.
#[derive(Debug, Clone, Default)]
pub struct Outcome {
    /// Every (user, privilege, record) decided from the rows.
    pub decisions: Vec<Decision>,
    /// Those whose decision or reason code differed from the whole-document policy.
    pub mismatches: Vec<(Decision, &'static str)>,
}

/// Why [`run`] failed.
#[derive(Debug)]
pub enum RunError {
    /// A model did not build.
    Model(ModelError),
    /// SQLite failed.
    Sql(rusqlite::Error),
    /// A row had no facts for the policy.
    Unreadable(String),
}

impl From<rusqlite::Error> for RunError {
    fn from(e: rusqlite::Error) -> Self {
        RunError::Sql(e)
    }
}

impl From<ModelError> for RunError {
    fn from(e: ModelError) -> Self {
        RunError::Model(e)
    }
}

/// Loads the rows into an in-memory SQLite database, decides every (user, record privilege,
/// record) from them, and compares each with the whole-document policy.
pub fn run() -> Result<Outcome, RunError> {
    let policy = configuration().build()?;
    let whole = whole_document().build()?;
    let conn = Connection::open_in_memory()?;
    load(&conn)?;
    let service = SqliteRecords::new(&conn, &policy);
    let mut outcome = Outcome::default();
    for user in ["alice", "bob", "carol", "dave"] {
        for privilege in Privilege::RECORD_RIGHTS {
            for row in rows() {
                let reason = service
                    .decide(user, privilege, row.id)?
                    .ok_or_else(|| RunError::Unreadable(row.id.into()))?;
                // A cascaded share names its parent by key; say which row that is.
                let inherited_from = match reason {
                    RecordReason::Shared {
                        inherited_from: Some(parent),
                        ..
                    } => Some(service.id_of(parent)?),
                    _ => None,
                };
                let decision = Decision {
                    inherited_from,
                    user: user.into(),
                    privilege,
                    record: row.id.into(),
                    allowed: reason.decision().is_allow(),
                    code: reason.code(),
                    explanation: reason.explain(&policy).to_string(),
                };
                let expected = match (whole.user_id(user), whole.record_id(row.id)) {
                    (Some(u), Some(r)) => whole.check(u, privilege, r),
                    _ => return Err(RunError::Unreadable(row.id.into())),
                };
                if expected.code() != decision.code
                    || expected.decision().is_allow() != decision.allowed
                {
                    outcome.mismatches.push((decision.clone(), expected.code()));
                }
                outcome.decisions.push(decision);
            }
        }
    }
    Ok(outcome)
}
