//! Access-team templates as configuration (R4.9, R4.10).
//!
//! A team template names a table and access rights. Dataverse creates a *system-managed access
//! team* per (template, record) when the first member is added through the template's list on
//! the record's form; the team holds one share of its record with the template's rights, taken
//! when the team is created (changing the template later affects only teams created after).
//! Records and their teams are data, not configuration: an application represents a record's
//! access team as an access team of the model (or of a configuration change) holding a share of
//! the record in the record store, with the rights the template had when the team was made.
//! What the configuration holds is the templates, so that the question "may this user add that
//! user to the record's access team?" can be answered
//! ([`DataversePolicy::check_join_access_team`](crate::dataverse::DataversePolicy::check_join_access_team)).
//!
//! Dataverse allows two templates per table by default (`MaxAutoCreatedAccessTeamsPerEntity`);
//! [`DataverseOptions::access_team_templates_per_table`](crate::dataverse::DataverseOptions::access_team_templates_per_table)
//! sets the bound.

use serde::{Deserialize, Serialize};

use crate::core::id::{dense_id, Interner};
use crate::core::Privilege;
use crate::dataverse::configuration::compile::{intern, lookup};
use crate::dataverse::configuration::error::{EntityKind, ModelError};
use crate::dataverse::configuration::model::DataverseModel;
use crate::dataverse::configuration::policy::TableInfo;

dense_id!(
    /// An access-team template of a compiled
    /// [`DataversePolicy`](crate::dataverse::DataversePolicy).
    AccessTeamTemplateId
);

/// One team template (TeamTemplate): the table and the rights its access teams hold (R4.9).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct AccessTeamTemplateDef {
    /// Unique id (the template's name).
    pub id: String,
    /// The table whose records get an access team from this template.
    pub table: String,
    /// The access rights the team's members get on the record; never empty, never Create, and
    /// only rights the table has (R5.1).
    pub rights: Privilege,
}

impl AccessTeamTemplateDef {
    /// A template for `table` granting `rights`.
    pub fn new(id: &str, table: &str, rights: Privilege) -> Self {
        AccessTeamTemplateDef {
            id: id.into(),
            table: table.into(),
            rights,
        }
    }
}

/// A compiled template.
#[derive(Debug, Clone, Copy)]
pub(crate) struct TemplateInfo {
    pub(crate) table: u32,
    pub(crate) rights: Privilege,
}

/// The compiled templates.
#[derive(Debug, Clone, Default)]
pub(crate) struct AccessTeamTemplates {
    pub(crate) names: Interner,
    pub(crate) templates: Vec<TemplateInfo>,
}

impl AccessTeamTemplates {
    /// Bytes held on the heap.
    pub(crate) fn heap_bytes(&self) -> usize {
        self.names.heap_bytes() + self.templates.capacity() * std::mem::size_of::<TemplateInfo>()
    }
}

/// Validates and interns the model's templates against its tables.
///
/// # Errors
/// A duplicate or empty id, an unknown table, an organization-owned table (its records cannot
/// be shared, R5.1), rights that are empty, include Create or do not apply to the table, or more
/// templates on one table than the option allows.
pub(crate) fn compile(
    m: &DataverseModel,
    tables: &Interner,
    table_info: &[TableInfo],
) -> Result<AccessTeamTemplates, ModelError> {
    let names = intern(
        EntityKind::AccessTeamTemplate,
        m.access_team_templates.iter().map(|t| t.id.as_str()),
    )?;
    let mut per_table = vec![0usize; table_info.len()];
    let mut templates = Vec::with_capacity(m.access_team_templates.len());
    for t in &m.access_team_templates {
        let table = lookup(tables, EntityKind::Table, &t.table, || {
            format!("access team template `{}`", t.id)
        })?;
        let info = table_info
            .get(table as usize)
            .copied()
            .unwrap_or(TableInfo {
                organization_owned: true,
                applicable: Privilege::empty(),
                hierarchy_security: false,
            });
        let bad_rights = t.rights.is_empty()
            || t.rights.contains(Privilege::CREATE)
            || !info.applicable.contains(t.rights);
        if info.organization_owned || bad_rights {
            return Err(ModelError::BadTemplate {
                template: t.id.clone(),
                table: t.table.clone(),
                rights: t.rights,
            });
        }
        let count = per_table.get_mut(table as usize).map(|c| {
            *c += 1;
            *c
        });
        let limit = usize::from(m.options.access_team_templates_per_table);
        if count.is_some_and(|c| c > limit) {
            return Err(ModelError::TooManyTemplates {
                table: t.table.clone(),
                limit,
            });
        }
        templates.push(TemplateInfo {
            table,
            rights: t.rights,
        });
    }
    Ok(AccessTeamTemplates { names, templates })
}
