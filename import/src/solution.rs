//! Solution import: an unpacked solution folder, a solution zip, or role and entity files.

use std::io::Read;
use std::path::Path;

use accessgate::dataverse::{RoleDef, RoleInheritance, TableDef};
use accessgate::{AccessLevel, Privilege};
use indexmap::IndexMap;

use crate::error::{ImportError, Unmapped, UnmappedKind};
use crate::names::{self, SystemOwnership};
use crate::report::{ImportOptions, ImportReport, Imported};
use crate::xml::{self, EntityXml, RoleXml};

/// The most bytes read from one member of a zip archive (a guard against zip bombs).
pub const ZIP_MEMBER_LIMIT: u64 = 512 * 1024 * 1024;

/// One file of a solution: its path as messages name it, and its bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SolutionFile {
    /// The path messages name (`Roles/Flow Session Exception Admin.xml`).
    pub path: String,
    /// The content.
    pub bytes: Vec<u8>,
}

impl SolutionFile {
    /// Reads `path`, naming it `name` in messages.
    ///
    /// # Errors
    /// [`ImportError::Io`].
    pub fn read(path: &Path, name: &str) -> Result<SolutionFile, ImportError> {
        let bytes = std::fs::read(path).map_err(|source| ImportError::Io {
            path: path.display().to_string(),
            source,
        })?;
        Ok(SolutionFile {
            path: name.to_owned(),
            bytes,
        })
    }
}

/// Imports a solution: a folder (see [`import_solution_dir`]) or a `.zip` file (see
/// [`import_solution_zip`]).
///
/// # Errors
/// As those functions.
pub fn import_solution(path: &Path, options: &ImportOptions) -> Result<Imported, ImportError> {
    if path.is_dir() {
        import_solution_dir(path, options)
    } else {
        let bytes = std::fs::read(path).map_err(|source| ImportError::Io {
            path: path.display().to_string(),
            source,
        })?;
        import_solution_zip(&path.display().to_string(), &bytes, options)
    }
}

fn sorted_entries(dir: &Path) -> Result<Vec<std::path::PathBuf>, ImportError> {
    let io = |source| ImportError::Io {
        path: dir.display().to_string(),
        source,
    };
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(io)? {
        out.push(entry.map_err(io)?.path());
    }
    out.sort();
    Ok(out)
}

/// Imports an unpacked solution folder: every `Roles/*.xml` and every `Entities/*/Entity.xml`.
///
/// # Errors
/// [`ImportError::NotASolution`] when the folder has neither `Roles` nor `Entities`;
/// [`ImportError::MissingEntityXml`] for an entity folder without `Entity.xml`; the errors of
/// [`import_solution_files`].
pub fn import_solution_dir(dir: &Path, options: &ImportOptions) -> Result<Imported, ImportError> {
    let (roles_dir, entities_dir) = (dir.join("Roles"), dir.join("Entities"));
    if !roles_dir.is_dir() && !entities_dir.is_dir() {
        return Err(ImportError::NotASolution {
            path: dir.display().to_string(),
        });
    }
    let mut roles = Vec::new();
    if roles_dir.is_dir() {
        for path in sorted_entries(&roles_dir)? {
            let is_xml = path
                .extension()
                .is_some_and(|e| e.eq_ignore_ascii_case("xml"));
            if path.is_file() && is_xml {
                let name = format!("Roles/{}", file_name(&path));
                roles.push(SolutionFile::read(&path, &name)?);
            }
        }
    }
    let mut entities = Vec::new();
    if entities_dir.is_dir() {
        for path in sorted_entries(&entities_dir)? {
            if !path.is_dir() {
                continue;
            }
            let file = path.join("Entity.xml");
            if !file.is_file() {
                return Err(ImportError::MissingEntityXml {
                    dir: format!("Entities/{}", file_name(&path)),
                });
            }
            let name = format!("Entities/{}/Entity.xml", file_name(&path));
            entities.push(SolutionFile::read(&file, &name)?);
        }
    }
    import_solution_files(&roles, &entities, options)
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// Imports a solution zip: the roles and entities of its `customizations.xml`.
///
/// # Errors
/// [`ImportError::Zip`] for an archive that cannot be read or has no `customizations.xml`;
/// the XML errors of [`import_solution_files`].
pub fn import_solution_zip(
    name: &str,
    bytes: &[u8],
    options: &ImportOptions,
) -> Result<Imported, ImportError> {
    let zip_error = |message: String| ImportError::Zip {
        file: name.to_owned(),
        message,
    };
    let mut archive =
        zip::ZipArchive::new(std::io::Cursor::new(bytes)).map_err(|e| zip_error(e.to_string()))?;
    let index = (0..archive.len())
        .find(|&i| {
            archive
                .name_for_index(i)
                .is_some_and(|n| n.eq_ignore_ascii_case("customizations.xml"))
        })
        .ok_or_else(|| zip_error("it has no `customizations.xml` at its root".into()))?;
    let mut member = archive
        .by_index(index)
        .map_err(|e| zip_error(e.to_string()))?;
    let mut content = Vec::new();
    member
        .by_ref()
        .take(ZIP_MEMBER_LIMIT + 1)
        .read_to_end(&mut content)
        .map_err(|e| zip_error(format!("`customizations.xml`: {e}")))?;
    if content.len() as u64 > ZIP_MEMBER_LIMIT {
        return Err(zip_error(format!(
            "`customizations.xml` is larger than {ZIP_MEMBER_LIMIT} bytes"
        )));
    }
    let file = format!("{name}!customizations.xml");
    let parsed = xml::parse(&file, &content)?;
    let roles = parsed
        .roles
        .into_iter()
        .map(|r| (file.clone(), r))
        .collect();
    let entities = parsed
        .entities
        .into_iter()
        .map(|e| (file.clone(), e))
        .collect();
    build(roles, entities, options)
}

/// Imports role files (each holding one `<Role>`) and entity files (each an `Entity.xml`).
///
/// ```
/// use accessgate_import::{import_solution_files, ImportOptions, SolutionFile};
///
/// let role = SolutionFile {
///     path: "Roles/Reader.xml".into(),
///     bytes: br#"<Role id="{1}" name="Reader"><RolePrivileges>
///         <RolePrivilege name="prvReadcontoso_Ticket" level="Global" />
///         <RolePrivilege name="prvExportToExcel" level="Global" />
///       </RolePrivileges></Role>"#.to_vec(),
/// };
/// let entity = SolutionFile {
///     path: "Entities/contoso_Ticket/Entity.xml".into(),
///     bytes: br#"<Entity><Name LocalizedName="Ticket">contoso_Ticket</Name><EntityInfo>
///         <entity Name="contoso_Ticket"><OwnershipTypeMask>UserOwned</OwnershipTypeMask></entity>
///       </EntityInfo></Entity>"#.to_vec(),
/// };
/// let imported = import_solution_files(&[role], &[entity], &ImportOptions::default())?;
/// assert_eq!(imported.model.tables[0].id, "contoso_ticket");
/// assert_eq!(imported.report.table_privileges, 1);
/// assert_eq!(imported.report.misc_privileges, 1);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
/// A file that is not UTF-8, not well-formed or truncated; a role file without `<Role>`; an
/// entity file without `<entity Name>`; a role or table defined twice; with
/// [`OnUnmapped::Fail`](crate::OnUnmapped::Fail), the first unmapped item.
pub fn import_solution_files(
    roles: &[SolutionFile],
    entities: &[SolutionFile],
    options: &ImportOptions,
) -> Result<Imported, ImportError> {
    let mut role_xml = Vec::new();
    for f in roles {
        let parsed = xml::parse(&f.path, &f.bytes)?;
        if parsed.roles.is_empty() {
            return Err(ImportError::NoRole {
                file: f.path.clone(),
            });
        }
        role_xml.extend(parsed.roles.into_iter().map(|r| (f.path.clone(), r)));
    }
    let mut entity_xml = Vec::new();
    for f in entities {
        let parsed = xml::parse(&f.path, &f.bytes)?;
        if parsed.entities.is_empty() {
            return Err(ImportError::Missing {
                file: f.path.clone(),
                element: "Entity".into(),
                attribute: "entity Name",
            });
        }
        entity_xml.extend(parsed.entities.into_iter().map(|e| (f.path.clone(), e)));
    }
    build(role_xml, entity_xml, options)
}

/// A table the roles can name: its index in the model's tables and its ownership.
#[derive(Clone, Copy)]
struct Known {
    index: usize,
    ownership: SystemOwnership,
}

struct Builder<'a> {
    options: &'a ImportOptions,
    tables: Vec<TableDef>,
    /// Lowercased schema or logical name → table.
    by_name: IndexMap<String, Known>,
    report: ImportReport,
}

fn build(
    roles: Vec<(String, RoleXml)>,
    entities: Vec<(String, EntityXml)>,
    options: &ImportOptions,
) -> Result<Imported, ImportError> {
    let mut b = Builder {
        options,
        tables: Vec::new(),
        by_name: IndexMap::new(),
        report: ImportReport::default(),
    };
    b.tables(entities)?;
    let roles = b.roles(roles)?;
    b.report.check(options)?;
    let mut model = accessgate::dataverse::DataverseModel::default();
    model.tables = b.tables;
    model.roles = roles;
    Ok(Imported {
        model,
        report: b.report,
    })
}

impl Builder<'_> {
    /// Each entity becomes a table named by its lowercased schema name.
    fn tables(&mut self, entities: Vec<(String, EntityXml)>) -> Result<(), ImportError> {
        let mut files: IndexMap<String, String> = IndexMap::new();
        for (file, e) in entities {
            let logical = e.schema_name.to_lowercase();
            if let Some(first) = files.get(&logical) {
                return Err(ImportError::DuplicateTable {
                    name: logical,
                    first: first.clone(),
                    second: file,
                });
            }
            files.insert(logical.clone(), file.clone());
            let value = e.ownership.clone().unwrap_or_default();
            let ownership = match value.as_str() {
                "UserOwned" | "TeamOwned" => SystemOwnership::User,
                "OrganizationOwned" => SystemOwnership::Organization,
                "BusinessOwned" => SystemOwnership::Business,
                _ => {
                    self.report.push_unmapped(Unmapped {
                        file,
                        context: None,
                        item: e.schema_name.clone(),
                        kind: UnmappedKind::UnknownOwnership { value },
                    });
                    continue;
                }
            };
            if let Some(display) = e.display_name {
                self.report.display_names.insert(logical.clone(), display);
            }
            self.add_table(&logical, ownership);
        }
        Ok(())
    }

    fn add_table(&mut self, logical: &str, ownership: SystemOwnership) -> Known {
        let mut table = match ownership {
            SystemOwnership::Organization => TableDef::organization_owned(logical),
            SystemOwnership::User | SystemOwnership::Business => TableDef::user_owned(logical),
        };
        if ownership == SystemOwnership::Business {
            table.privileges = Some(Privilege::all() - Privilege::ASSIGN - Privilege::SHARE);
        }
        let known = Known {
            index: self.tables.len(),
            ownership,
        };
        self.tables.push(table);
        self.by_name.insert(logical.to_lowercase(), known);
        known
    }

    /// The table a privilege's table part names: the solution's, then a system table.
    fn table(&mut self, part: &str) -> Option<Known> {
        if let Some(k) = self.by_name.get(&part.to_lowercase()) {
            return Some(*k);
        }
        if !self.options.system_tables {
            return None;
        }
        let system = names::system_table(part)?;
        if let Some(k) = self.by_name.get(system.logical_name) {
            return Some(*k);
        }
        self.report
            .system_tables_added
            .push(system.logical_name.to_owned());
        Some(self.add_table(system.logical_name, system.ownership))
    }

    fn roles(&mut self, roles: Vec<(String, RoleXml)>) -> Result<Vec<RoleDef>, ImportError> {
        let mut out: Vec<RoleDef> = Vec::new();
        let mut files: IndexMap<String, String> = IndexMap::new();
        for (file, r) in roles {
            if let Some(first) = files.get(&r.name) {
                return Err(ImportError::DuplicateRole {
                    name: r.name,
                    first: first.clone(),
                    second: file,
                });
            }
            files.insert(r.name.clone(), file.clone());
            let mut role = RoleDef::new(&r.name);
            role.inheritance = match r.inherited.as_deref() {
                Some("1") => RoleInheritance::DirectUserBasicAndTeam,
                Some("0") => RoleInheritance::TeamPrivilegesOnly,
                None => self.options.missing_isinherited,
                Some(other) => {
                    self.report.push_unmapped(Unmapped {
                        file: file.clone(),
                        context: Some(format!("role `{}`", r.name)),
                        item: format!("isinherited=\"{other}\""),
                        kind: UnmappedKind::NotExpressible {
                            detail: "is not 0 or 1; the default inheritance is used".into(),
                        },
                    });
                    self.options.missing_isinherited
                }
            };
            for (name, level) in &r.privileges {
                self.privilege(&file, &mut role, name, level);
            }
            out.push(role);
        }
        Ok(out)
    }

    /// Maps one `<RolePrivilege>` into `role`, or reports it.
    fn privilege(&mut self, file: &str, role: &mut RoleDef, name: &str, level_name: &str) {
        let context = Some(format!("role `{}`", role.id));
        let report = |me: &mut Self, kind| {
            me.report.push_unmapped(Unmapped {
                file: file.to_owned(),
                context: context.clone(),
                item: name.to_owned(),
                kind,
            });
        };
        let Some(rest) = names::strip_prefix_ci(name, "prv") else {
            return report(self, UnmappedKind::NotAPrivilegeName);
        };
        let Some(level) = names::level(level_name) else {
            return report(
                self,
                UnmappedKind::UnknownLevel {
                    level: level_name.to_owned(),
                },
            );
        };
        let readings: Vec<(Privilege, &str)> = names::readings(rest).collect();
        let is_misc_name = names::MISC_WITH_VERB
            .iter()
            .any(|m| m.eq_ignore_ascii_case(name));
        let found = if is_misc_name {
            None
        } else {
            readings
                .iter()
                .find_map(|&(p, part)| self.table(part).map(|k| (p, k)))
        };
        let Some((privilege, known)) = found else {
            if readings.is_empty() || is_misc_name {
                if role
                    .misc_privileges
                    .keys()
                    .any(|k| k.to_lowercase() == name.to_lowercase())
                {
                    return report(self, UnmappedKind::Duplicate);
                }
                role.misc_privileges.insert(name.to_owned(), level);
                self.report.misc_privileges += 1;
                return;
            }
            let table = readings
                .first()
                .map(|&(_, part)| part.to_owned())
                .unwrap_or_default();
            return report(self, UnmappedKind::UnknownTable { table });
        };
        let logical = self
            .tables
            .get(known.index)
            .map(|t| t.id.clone())
            .unwrap_or_default();
        let not_owned = matches!(
            known.ownership,
            SystemOwnership::Organization | SystemOwnership::Business
        );
        if not_owned && privilege.intersects(Privilege::ASSIGN | Privilege::SHARE) {
            return report(
                self,
                UnmappedKind::PrivilegeNotApplicable { table: logical },
            );
        }
        if known.ownership == SystemOwnership::Organization
            && !matches!(level, AccessLevel::None | AccessLevel::Organization)
        {
            return report(
                self,
                UnmappedKind::LevelNotApplicable {
                    table: logical,
                    level: level_name.to_owned(),
                },
            );
        }
        let cells = role.privileges.entry(logical).or_default();
        if cells.contains_key(&privilege) {
            return report(self, UnmappedKind::Duplicate);
        }
        cells.insert(privilege, level);
        self.report.table_privileges += 1;
    }
}
