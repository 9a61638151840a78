//! Privilege names, levels and the standard system tables.
//!
//! A role privilege is named `prv<Verb><table>`: `prvReadautocoe_FlowSessionException` is Read
//! on the table whose schema name is `autocoe_FlowSessionException`. The table part is matched
//! case-insensitively against the schema and logical names of the solution's tables, then
//! against [`SYSTEM_TABLES`], whose privileges use a name of their own (`prvReadUser` is the
//! `systemuser` table). A name with no verb after `prv` (`prvFlow`, `prvExportToExcel`,
//! `prvWorkflowExecution`) or listed in [`MISC_WITH_VERB`] is a miscellaneous privilege.

use accessgate::{AccessLevel, Privilege};

/// The eight verbs of `prv<Verb><table>`, `AppendTo` before `Append` so the longer one is
/// tried first.
pub(crate) const VERBS: [(&str, Privilege); 8] = [
    ("AppendTo", Privilege::APPEND_TO),
    ("Append", Privilege::APPEND),
    ("Assign", Privilege::ASSIGN),
    ("Create", Privilege::CREATE),
    ("Delete", Privilege::DELETE),
    ("Read", Privilege::READ),
    ("Share", Privilege::SHARE),
    ("Write", Privilege::WRITE),
];

/// Who owns the records of a standard system table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SystemOwnership {
    /// User- or team-owned (`UserOwned`): all eight privileges, every level.
    User,
    /// Business-owned (`BusinessOwned`: users, teams, business units, roles): records belong to
    /// a business unit and have no owner to assign or share; the model has no such ownership,
    /// so these import as user-owned tables without Assign and Share, every level allowed.
    Business,
    /// Organization-owned (`OrganizationOwned`): Global level only, no Assign or Share.
    Organization,
}

/// A standard Dataverse table that solutions reference without defining it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SystemTable {
    /// The table part of its privilege names (`User` in `prvReadUser`).
    pub privilege_name: &'static str,
    /// Its logical name, the id the import gives it (`systemuser`).
    pub logical_name: &'static str,
    /// Its ownership.
    pub ownership: SystemOwnership,
}

const fn t(
    privilege_name: &'static str,
    logical_name: &'static str,
    ownership: SystemOwnership,
) -> SystemTable {
    SystemTable {
        privilege_name,
        logical_name,
        ownership,
    }
}

use SystemOwnership::{Business as B, Organization as O, User as U};

/// The standard system tables the import adds when a role's privilege names one that the
/// solution does not define (with [`ImportOptions::system_tables`](crate::ImportOptions)
/// on, the default): the table part of the privilege name, the logical name the table gets,
/// and its ownership as Dataverse's table definitions give it.
///
/// The list is deliberately short: it holds the tables whose ownership we are sure of. A
/// privilege on any other table the solution does not define is reported as
/// [`UnknownTable`](crate::UnmappedKind::UnknownTable), never guessed.
pub const SYSTEM_TABLES: &[SystemTable] = &[
    t("User", "systemuser", B),
    t("BusinessUnit", "businessunit", B),
    t("Team", "team", B),
    t("Role", "role", B),
    t("Organization", "organization", O),
    t("TransactionCurrency", "transactioncurrency", O),
    t("Workflow", "workflow", U),
    t("AsyncOperation", "asyncoperation", U),
    t("UserQuery", "userquery", U),
    t("Report", "report", U),
    t("Queue", "queue", U),
    t("connectionreference", "connectionreference", U),
    t(
        "EnvironmentVariableDefinition",
        "environmentvariabledefinition",
        U,
    ),
    t("flowsession", "flowsession", U),
    t("flowmachine", "flowmachine", U),
    t("flowmachinegroup", "flowmachinegroup", U),
    t("workqueue", "workqueue", U),
    t("workqueueitem", "workqueueitem", U),
    t("UserEntityUISettings", "userentityuisettings", U),
    t("Query", "savedquery", O),
    t("SystemForm", "systemform", O),
    t("WebResource", "webresource", O),
    t("Solution", "solution", O),
    t("Publisher", "publisher", O),
    t("PluginAssembly", "pluginassembly", O),
    t("PluginType", "plugintype", O),
    t("PluginTraceLog", "plugintracelog", O),
    t("SdkMessage", "sdkmessage", O),
    t(
        "SdkMessageProcessingStepImage",
        "sdkmessageprocessingstepimage",
        O,
    ),
    t("ServiceEndpoint", "serviceendpoint", O),
    t("AppModule", "appmodule", O),
    t("Theme", "theme", O),
];

/// Miscellaneous privileges whose name starts like a table privilege (`prv` and a verb):
/// audit and history privileges of the Core Records tab. Compared case-insensitively.
pub const MISC_WITH_VERB: &[&str] = &[
    "prvReadRecordAuditHistory",
    "prvReadAuditSummary",
    "prvReadAuditPartitions",
    "prvDeleteAuditPartitions",
    "prvDeleteRecordChangeHistory",
];

/// A solution level name to an access level: Basic, Local, Deep, Global (and None), compared
/// case-insensitively.
pub(crate) fn level(name: &str) -> Option<AccessLevel> {
    const LEVELS: [(&str, AccessLevel); 5] = [
        ("None", AccessLevel::None),
        ("Basic", AccessLevel::User),
        ("Local", AccessLevel::BusinessUnit),
        ("Deep", AccessLevel::ParentChild),
        ("Global", AccessLevel::Organization),
    ];
    LEVELS
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|&(_, l)| l)
}

/// The solution name of a level (Basic, Local, Deep, Global, None).
pub fn level_name(level: AccessLevel) -> &'static str {
    match level {
        AccessLevel::None => "None",
        AccessLevel::User => "Basic",
        AccessLevel::BusinessUnit => "Local",
        AccessLevel::ParentChild => "Deep",
        AccessLevel::Organization => "Global",
    }
}

/// The verb of a single privilege (`AppendTo`, `Read`, …); `None` for a set of several.
pub fn verb_name(privilege: Privilege) -> Option<&'static str> {
    VERBS
        .iter()
        .find(|(_, p)| *p == privilege)
        .map(|&(name, _)| name)
}

/// `prefix` at the start of `s`, compared ASCII case-insensitively; the rest.
pub(crate) fn strip_prefix_ci<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    let head = s.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| s.get(prefix.len()..))
        .flatten()
}

/// The `(verb, table part)` readings of a privilege name after `prv`, longest verb first.
pub(crate) fn readings(rest: &str) -> impl Iterator<Item = (Privilege, &str)> + '_ {
    VERBS.iter().filter_map(move |&(verb, p)| {
        strip_prefix_ci(rest, verb)
            .filter(|table| !table.is_empty())
            .map(|table| (p, table))
    })
}

/// The system table whose privilege name part is `part`, case-insensitively.
pub(crate) fn system_table(part: &str) -> Option<&'static SystemTable> {
    SYSTEM_TABLES
        .iter()
        .find(|t| t.privilege_name.eq_ignore_ascii_case(part))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `prvAppendTo…` reads as AppendTo first, then as Append of a table starting with `To`.
    #[test]
    fn append_to_before_append() {
        let r: Vec<_> = readings("AppendToaccount").collect();
        assert_eq!(
            r,
            vec![
                (Privilege::APPEND_TO, "account"),
                (Privilege::APPEND, "Toaccount")
            ]
        );
    }

    /// Levels read case-insensitively and name back.
    #[test]
    fn levels_round_trip() {
        for l in AccessLevel::ALL {
            assert_eq!(level(level_name(l)), Some(l));
            assert_eq!(level(&level_name(l).to_uppercase()), Some(l));
        }
        assert_eq!(level("Everything"), None);
    }

    /// Non-ASCII input never panics on a char boundary.
    #[test]
    fn prefix_on_multibyte() {
        assert_eq!(strip_prefix_ci("Ré", "Re"), None);
        assert_eq!(readings("Réad").count(), 0);
    }
}
