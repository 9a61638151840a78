//! Flow and folder models: duplicate ids with both places, then the build's first error,
//! placed at the entry it names.

use super::locate::{index, key};
use super::suggest::suggest;
use super::{ids, BuildDiagnostic, Sink};
use crate::flows::{FlowEntity, FlowModel, FlowModelError};
use crate::folders::{FolderEntity, FolderModel, FolderModelError};
use crate::limits::BuildLimits;

/// The index of `id` in `ids`.
fn position<'a>(mut ids: impl Iterator<Item = &'a str>, id: &str) -> Option<usize> {
    ids.position(|x| x == id)
}

/// Splits a referrer written as ``kind `id` ``.
fn referrer_parts(referrer: &str) -> Option<(&str, &str)> {
    let (kind, id) = referrer.split_once(" `")?;
    Some((kind, id.strip_suffix('`')?))
}

pub(super) fn check_flows(m: &FlowModel, limits: &BuildLimits, sink: &mut Sink) {
    const ROOT: &str = "flows";
    let duplicate = |kind: FlowEntity| {
        move |id: &str| FlowModelError::DuplicateId {
            kind,
            id: id.to_owned(),
        }
    };
    let empty = |kind: FlowEntity| move || FlowModelError::EmptyId { kind };
    let flow_ids = m.flows.iter().map(|f| f.id.as_str());
    ids(
        &key(ROOT, "flows"),
        flow_ids,
        empty(FlowEntity::Flow),
        duplicate(FlowEntity::Flow),
        sink,
    );
    let user_ids = m.users.iter().map(|u| u.id.as_str());
    ids(
        &key(ROOT, "users"),
        user_ids,
        empty(FlowEntity::User),
        duplicate(FlowEntity::User),
        sink,
    );
    let key_ids = m.keys.iter().map(|k| k.id.as_str());
    ids(
        &key(ROOT, "keys"),
        key_ids,
        empty(FlowEntity::Key),
        duplicate(FlowEntity::Key),
        sink,
    );
    let roles = key(ROOT, "roles");
    for (i, role) in m.roles.iter().enumerate() {
        if let Some(j) = m.roles.iter().take(i).position(|r| r == role) {
            let error = duplicate(FlowEntity::Role)(role);
            sink.push(BuildDiagnostic::new(error, index(&roles, i)).related(index(&roles, j)));
        }
    }
    let Err(e) = m.build_with_limits(limits) else {
        return;
    };
    if sink.has(&e.clone().into()) {
        return;
    }
    let entry = |kind: &str, id: &str| -> Option<String> {
        let (list, at) = match kind {
            "flow" => (
                "flows",
                position(m.flows.iter().map(|f| f.id.as_str()), id)?,
            ),
            "user" => (
                "users",
                position(m.users.iter().map(|u| u.id.as_str()), id)?,
            ),
            "key" => ("keys", position(m.keys.iter().map(|k| k.id.as_str()), id)?),
            "role" | "custom role" => ("roles", position(m.roles.iter().map(String::as_str), id)?),
            _ => return None,
        };
        Some(index(&key(ROOT, list), at))
    };
    let (path, suggestion) = match &e {
        FlowModelError::UnknownReference { kind, id, referrer } => {
            let candidates: Vec<&str> = match kind {
                FlowEntity::Flow => m.flows.iter().map(|f| f.id.as_str()).collect(),
                FlowEntity::User => m.users.iter().map(|u| u.id.as_str()).collect(),
                FlowEntity::Key => m.keys.iter().map(|k| k.id.as_str()).collect(),
                _ => m.roles.iter().map(String::as_str).collect(),
            };
            let path = referrer_parts(referrer).and_then(|(k, i)| entry(k, i));
            (path, suggest(id, &candidates))
        }
        FlowModelError::DuplicateReference { referrer, .. } => (
            referrer_parts(referrer).and_then(|(k, i)| entry(k, i)),
            None,
        ),
        FlowModelError::ReservedRoleName { role } => (entry("role", role), None),
        FlowModelError::SystemRoleOnUser { user, .. } => {
            (entry("user", user).map(|u| key(&u, "roles")), None)
        }
        _ => (None, None),
    };
    let path = path.unwrap_or_else(|| ROOT.to_owned());
    sink.push(BuildDiagnostic::new(e, path).suggest(suggestion));
}

pub(super) fn check_folders(m: &FolderModel, limits: &BuildLimits, sink: &mut Sink) {
    const ROOT: &str = "folders";
    let duplicate = |kind: FolderEntity| {
        move |id: &str| FolderModelError::DuplicateId {
            kind,
            id: id.to_owned(),
        }
    };
    let empty = |kind: FolderEntity| move || FolderModelError::EmptyId { kind };
    let folder_ids = m.folders.iter().map(|f| f.id.as_str());
    let folders = ids(
        &key(ROOT, "folders"),
        folder_ids,
        empty(FolderEntity::Folder),
        duplicate(FolderEntity::Folder),
        sink,
    );
    let flow_ids = m.flows.iter().map(|f| f.id.as_str());
    ids(
        &key(ROOT, "flows"),
        flow_ids,
        empty(FolderEntity::Flow),
        duplicate(FolderEntity::Flow),
        sink,
    );
    let user_ids = m.users.iter().map(|u| u.id.as_str());
    ids(
        &key(ROOT, "users"),
        user_ids,
        empty(FolderEntity::User),
        duplicate(FolderEntity::User),
        sink,
    );
    let group_ids = m.groups.iter().map(|g| g.id.as_str());
    ids(
        &key(ROOT, "groups"),
        group_ids,
        empty(FolderEntity::Group),
        duplicate(FolderEntity::Group),
        sink,
    );
    let names: Vec<&str> = folders.keys().copied().collect();
    for (i, f) in m.folders.iter().enumerate() {
        if let Some(p) = f
            .parent
            .as_ref()
            .filter(|p| !folders.contains_key(p.as_str()))
        {
            let error = FolderModelError::UnknownParent {
                folder: f.id.clone(),
                parent: p.clone(),
            };
            let path = key(&index(&key(ROOT, "folders"), i), "parent");
            sink.push(BuildDiagnostic::new(error, path).suggest(suggest(p, &names)));
        }
    }
    let Err(e) = m.build_with_limits(limits) else {
        return;
    };
    if sink.has(&e.clone().into()) {
        return;
    }
    let folder_at = |id: &str| {
        position(m.folders.iter().map(|f| f.id.as_str()), id)
            .map(|i| index(&key(ROOT, "folders"), i))
    };
    let entry = |kind: &str, id: &str| -> Option<String> {
        let (list, at) = match kind {
            "folder" => return folder_at(id),
            "flow" => (
                "flows",
                position(m.flows.iter().map(|f| f.id.as_str()), id)?,
            ),
            "user" | "local user" | "entra user" => (
                "users",
                position(m.users.iter().map(|u| u.id.as_str()), id)?,
            ),
            "group" => (
                "groups",
                position(m.groups.iter().map(|g| g.id.as_str()), id)?,
            ),
            _ => return None,
        };
        Some(index(&key(ROOT, list), at))
    };
    let grant_at = |folder: &str| {
        m.grants
            .iter()
            .position(|g| g.folder == folder)
            .map(|i| index(&key(ROOT, "grants"), i))
    };
    let (path, suggestion) = match &e {
        FolderModelError::UnknownReference { kind, id, referrer } => {
            let candidates: Vec<&str> = match kind {
                FolderEntity::Folder => m.folders.iter().map(|f| f.id.as_str()).collect(),
                FolderEntity::Flow => m.flows.iter().map(|f| f.id.as_str()).collect(),
                FolderEntity::User => m.users.iter().map(|u| u.id.as_str()).collect(),
                _ => m.groups.iter().map(|g| g.id.as_str()).collect(),
            };
            let path = referrer_parts(referrer).and_then(|(k, i)| entry(k, i));
            (path, suggest(id, &candidates))
        }
        FolderModelError::SelfParent { folder } | FolderModelError::FolderCycle { folder } => {
            (folder_at(folder).map(|f| key(&f, "parent")), None)
        }
        FolderModelError::RoleOnEntraUser { user }
        | FolderModelError::LocalUserInGroup { user, .. } => (entry("user", user), None),
        FolderModelError::GrantPrincipal { folder }
        | FolderModelError::GrantToEntraUser { folder, .. }
        | FolderModelError::GrantToSystemAdmin { folder, .. }
        | FolderModelError::DuplicateGrant { folder, .. } => (grant_at(folder), None),
        _ => (None, None),
    };
    let path = path.unwrap_or_else(|| ROOT.to_owned());
    sink.push(BuildDiagnostic::new(e, path).suggest(suggestion));
}
