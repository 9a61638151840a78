//! Reading the roles and entities of solution XML: a role file, an `Entity.xml`, or a whole
//! `customizations.xml` (which holds the same elements under one root).
//!
//! Elements read, wherever they appear:
//! * `<Role id="{GUID}" name="…" isinherited="0|1">` with `<RolePrivilege name="…" level="…"/>`
//!   inside;
//! * `<Entity>` with its first `<Name LocalizedName="…">` child (the display name),
//!   `<entity Name="…">` (the schema name) and `<OwnershipTypeMask>`.

use quick_xml::events::{BytesStart, Event};
use quick_xml::Reader;

use crate::error::ImportError;

/// One `<Role>` element.
#[derive(Debug, Clone, Default)]
pub(crate) struct RoleXml {
    pub(crate) name: String,
    /// `isinherited`, if given.
    pub(crate) inherited: Option<String>,
    /// `(name, level)` of each `<RolePrivilege>`, in file order.
    pub(crate) privileges: Vec<(String, String)>,
}

/// One `<Entity>` element.
#[derive(Debug, Clone, Default)]
pub(crate) struct EntityXml {
    pub(crate) schema_name: String,
    pub(crate) display_name: Option<String>,
    pub(crate) ownership: Option<String>,
}

/// What one XML file holds.
#[derive(Debug, Default)]
pub(crate) struct Parsed {
    pub(crate) roles: Vec<RoleXml>,
    pub(crate) entities: Vec<EntityXml>,
}

/// The file's text without its UTF-8 byte-order mark.
///
/// # Errors
/// [`ImportError::NotUtf8`] for a UTF-16 byte-order mark or bytes that are not UTF-8.
pub(crate) fn text<'a>(file: &str, bytes: &'a [u8]) -> Result<&'a str, ImportError> {
    let not_utf8 = |detail| ImportError::NotUtf8 {
        file: file.to_owned(),
        detail,
    };
    if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
        return Err(not_utf8(
            "it starts with a UTF-16 byte-order mark; save it as UTF-8",
        ));
    }
    let bytes = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]).unwrap_or(bytes);
    std::str::from_utf8(bytes).map_err(|_| not_utf8("it holds bytes that are not UTF-8"))
}

fn attribute(file: &str, e: &BytesStart<'_>, key: &[u8]) -> Result<Option<String>, ImportError> {
    for a in e.attributes() {
        let a = a.map_err(|err| ImportError::Xml {
            file: file.to_owned(),
            position: 0,
            message: err.to_string(),
        })?;
        if a.key.as_ref() == key {
            let v = a.unescape_value().map_err(|err| ImportError::Xml {
                file: file.to_owned(),
                position: 0,
                message: err.to_string(),
            })?;
            return Ok(Some(v.into_owned()));
        }
    }
    Ok(None)
}

fn required(
    file: &str,
    e: &BytesStart<'_>,
    key: &'static str,
    element: &str,
) -> Result<String, ImportError> {
    attribute(file, e, key.as_bytes())?.ok_or_else(|| ImportError::Missing {
        file: file.to_owned(),
        element: element.to_owned(),
        attribute: key,
    })
}

/// Reads every role and entity of one XML file.
///
/// # Errors
/// Not UTF-8, not well-formed, truncated (ends inside an element), or a `<Role>`,
/// `<RolePrivilege>` or `<entity>` without the attributes named above.
pub(crate) fn parse(file: &str, bytes: &[u8]) -> Result<Parsed, ImportError> {
    let text = text(file, bytes)?;
    let mut reader = Reader::from_str(text);
    let mut out = Parsed::default();
    let mut stack: Vec<String> = Vec::new();
    let mut role: Option<RoleXml> = None;
    let mut entity: Option<EntityXml> = None;
    loop {
        let event = match reader.read_event() {
            Ok(event) => event,
            Err(err) => {
                let position = reader.error_position();
                // Every syntax error of the parser is input ending inside markup.
                if matches!(err, quick_xml::Error::Syntax(e) if e != quick_xml::errors::SyntaxError::InvalidBangMarkup)
                {
                    return Err(ImportError::Truncated {
                        file: file.to_owned(),
                        element: stack.last().cloned().unwrap_or_else(|| "?".to_owned()),
                    });
                }
                return Err(ImportError::Xml {
                    file: file.to_owned(),
                    position,
                    message: err.to_string(),
                });
            }
        };
        match event {
            Event::Start(e) => {
                let name = open(file, &e, stack.last(), &mut role, &mut entity)?;
                stack.push(name);
            }
            Event::Empty(e) => {
                let name = open(file, &e, stack.last(), &mut role, &mut entity)?;
                close(&name, &mut role, &mut entity, &mut out);
            }
            Event::End(e) => {
                let name = String::from_utf8_lossy(e.local_name().as_ref()).into_owned();
                stack.pop();
                close(&name, &mut role, &mut entity, &mut out);
            }
            Event::Text(t) if stack.last().map(String::as_str) == Some("OwnershipTypeMask") => {
                if let Some(en) = entity.as_mut() {
                    let value = t.unescape().map_err(|err| ImportError::Xml {
                        file: file.to_owned(),
                        position: reader.buffer_position(),
                        message: err.to_string(),
                    })?;
                    en.ownership = Some(value.trim().to_owned());
                }
            }
            Event::Eof => {
                if let Some(open) = stack.last() {
                    return Err(ImportError::Truncated {
                        file: file.to_owned(),
                        element: open.clone(),
                    });
                }
                break;
            }
            _ => {}
        }
    }
    Ok(out)
}

/// Reads an opening (or empty) element; returns its local name.
fn open(
    file: &str,
    e: &BytesStart<'_>,
    parent: Option<&String>,
    role: &mut Option<RoleXml>,
    entity: &mut Option<EntityXml>,
) -> Result<String, ImportError> {
    let name = String::from_utf8_lossy(e.local_name().as_ref()).into_owned();
    let parent = parent.map(String::as_str);
    match name.as_str() {
        "Role" => {
            *role = Some(RoleXml {
                name: required(file, e, "name", "Role")?,
                inherited: attribute(file, e, b"isinherited")?,
                privileges: Vec::new(),
            });
        }
        "RolePrivilege" => {
            if let Some(r) = role.as_mut() {
                let privilege = required(file, e, "name", "RolePrivilege")?;
                let level = required(file, e, "level", "RolePrivilege")?;
                r.privileges.push((privilege, level));
            }
        }
        "Entity" => *entity = Some(EntityXml::default()),
        "entity" if parent == Some("EntityInfo") => {
            if let Some(en) = entity.as_mut() {
                en.schema_name = required(file, e, "Name", "entity")?;
            }
        }
        "Name" if parent == Some("Entity") => {
            if let Some(en) = entity.as_mut() {
                if en.display_name.is_none() {
                    en.display_name = attribute(file, e, b"LocalizedName")?;
                }
            }
        }
        _ => {}
    }
    Ok(name)
}

fn close(name: &str, role: &mut Option<RoleXml>, entity: &mut Option<EntityXml>, out: &mut Parsed) {
    match name {
        "Role" => out.roles.extend(role.take()),
        "Entity" => out.entities.extend(entity.take()),
        _ => {}
    }
}
