//! The records and shares of a Web API dump: `records/<table>.json` rows and
//! `principalobjectaccess.json`, read into rows, then written into a
//! [`RecordStore`](accessgate::dataverse::RecordStore) once the model is built
//! ([`WebApiImport::load_records`](super::WebApiImport)), because records and shares are data,
//! not configuration. The access-rights mask of a share maps to privileges by
//! [`ACCESS_RIGHTS`](super::ACCESS_RIGHTS).

use super::*;

pub(super) fn records(ctx: &mut Ctx<'_>, dir: &Path) -> Result<Vec<RecordRow>, ImportError> {
    let records_dir = dir.join("records");
    if !records_dir.is_dir() {
        return Ok(Vec::new());
    }
    let io = |source| ImportError::Io {
        path: records_dir.display().to_string(),
        source,
    };
    let mut files = Vec::new();
    for entry in std::fs::read_dir(&records_dir).map_err(io)? {
        files.push(entry.map_err(io)?.path());
    }
    files.sort();
    let mut out = Vec::new();
    for path in files {
        let Some(table) = path
            .file_stem()
            .filter(|_| path.extension().is_some_and(|e| e == "json"))
            .map(|s| s.to_string_lossy().to_lowercase())
        else {
            continue;
        };
        let name = format!("records/{table}.json");
        let bytes = std::fs::read(&path).map_err(|source| ImportError::Io {
            path: path.display().to_string(),
            source,
        })?;
        let p = Payload::parse(&name, &bytes)?;
        let key = format!("{table}id");
        for row in 0..p.len() {
            let id = match p.rows.get(row).and_then(|r| r.get(&key)) {
                Some(Value::String(s)) if !s.trim().is_empty() => guid(s),
                _ => return Err(p.field_error(row, "<table>id", "a GUID string")),
            };
            let user = p.opt_str(row, "_owninguser_value")?.map(|s| guid(&s));
            let team = p.opt_str(row, "_owningteam_value")?.map(|s| guid(&s));
            let owner = match (user, team) {
                (Some(u), _) => Some(PrincipalRef::User(u)),
                (None, Some(t)) => Some(PrincipalRef::Team(t)),
                (None, None) => None,
            };
            let active = p.opt_u64(row, "statecode")?.unwrap_or(0) == 0;
            out.push(RecordRow {
                file: name.clone(),
                table: table.clone(),
                id,
                owner,
                owning_business_unit: p
                    .opt_str(row, "_owningbusinessunit_value")?
                    .map(|s| guid(&s)),
                active,
            });
        }
        let _ = ctx;
    }
    Ok(out)
}

/// The privileges of an access-rights mask, and the bits that are not record rights.
pub fn rights_of(mask: u64) -> (Privilege, u64) {
    let mut rights = Privilege::empty();
    let mut rest = mask;
    for (bit, p) in ACCESS_RIGHTS {
        if mask & bit != 0 {
            rights |= p;
            rest &= !bit;
        }
    }
    (rights, rest)
}

/// The access-rights mask of record rights (the inverse of [`rights_of`]; Create is dropped).
pub fn mask_of(rights: Privilege) -> u64 {
    ACCESS_RIGHTS
        .iter()
        .filter(|(_, p)| rights.contains(*p))
        .map(|(bit, _)| bit)
        .sum()
}

pub(super) fn shares(ctx: &mut Ctx<'_>, p: &Payload) -> Result<Vec<ShareRow>, ImportError> {
    let mut out = Vec::new();
    for row in 0..p.len() {
        let object = p.id(row, "objectid")?;
        let principal = match p.opt_str(row, "_principalid_value")? {
            Some(s) => guid(&s),
            None => p.id(row, "principalid")?,
        };
        let table = p
            .opt_str(row, "objecttypecode")?
            .map(|s| s.to_lowercase())
            .ok_or_else(|| p.field_error(row, "objecttypecode", "a table logical name"))?;
        let with = match p.opt_str(row, "principaltypecode")?.as_deref() {
            Some("systemuser") => PrincipalRef::User(principal),
            Some("team") => PrincipalRef::Team(principal),
            other => {
                ctx.not_expressible(
                    p,
                    row,
                    &object,
                    format!(
                        "has principaltypecode {other:?} (expected `systemuser` or `team`); the share is left out"
                    ),
                );
                continue;
            }
        };
        let mask = p.opt_u64(row, "accessrightsmask")?.unwrap_or(0);
        let inherited = p.opt_u64(row, "inheritedaccessrightsmask")?.unwrap_or(0);
        if inherited != 0 {
            ctx.not_expressible(
                p,
                row,
                &object,
                format!(
                    "has inherited rights {inherited}: cascaded shares are recomputed from relationships, so they are not loaded"
                ),
            );
        }
        let (rights, rest) = rights_of(mask);
        if rest != 0 {
            ctx.not_expressible(
                p,
                row,
                &object,
                format!("has access-right bits {rest} that are not record rights (Create is 32); they are left out"),
            );
        }
        if rights.is_empty() {
            continue;
        }
        out.push(ShareRow {
            file: p.file.clone(),
            row,
            table,
            object,
            with,
            rights,
        });
    }
    Ok(out)
}

impl WebApiImport {
    /// Writes the records payload and the shares into `store`, for a policy built from
    /// [`imported.model`](Imported::model), and returns what could not be loaded: a record
    /// of a table, or with an owner, the policy does not know; a share of a record the store
    /// does not hold or to a principal the policy does not know.
    ///
    /// Records are stored under their GUID; decide on them with
    /// `policy.with_records(store.snapshot())`.
    ///
    /// # Errors
    /// [`ImportError::Store`] when the store refuses a write (a record already there, the
    /// store full).
    pub fn load_records(
        &self,
        policy: &DataversePolicy,
        store: &RecordStore,
    ) -> Result<Vec<Unmapped>, ImportError> {
        let mut left_out = Vec::new();
        let mut skip = |file: &str, context: String, item: &str, kind| {
            left_out.push(Unmapped {
                file: file.to_owned(),
                context: Some(context),
                item: item.to_owned(),
                kind,
            });
        };
        let unknown = |kind: &'static str, id: &str| UnmappedKind::UnknownReference {
            kind,
            id: id.to_owned(),
        };
        for r in &self.records {
            let context = format!("record `{}`", r.id);
            let Some(table) = policy.table_id(&r.table) else {
                skip(&r.file, context, &r.id, unknown("table", &r.table));
                continue;
            };
            let owner = match &r.owner {
                None => RecordOwner::Organization,
                Some(PrincipalRef::User(u)) => match policy.user_id(u) {
                    Some(u) => RecordOwner::User(u),
                    None => {
                        skip(&r.file, context, &r.id, unknown("user", u));
                        continue;
                    }
                },
                Some(PrincipalRef::Team(t)) => match policy.team_id(t) {
                    Some(t) => RecordOwner::Team(t),
                    None => {
                        skip(&r.file, context, &r.id, unknown("team", t));
                        continue;
                    }
                },
            };
            let mut facts = RecordFacts::owned_by(RecordId::new(0), table, owner);
            if !r.active {
                facts = facts.inactive();
            }
            if policy.options().matrix_mode {
                if let Some(unit) = &r.owning_business_unit {
                    match policy.business_unit_id(unit) {
                        Some(b) => facts = facts.in_business_unit(b),
                        None => {
                            skip(&r.file, context, &r.id, unknown("business unit", unit));
                            continue;
                        }
                    }
                }
            }
            store
                .insert(&r.id, &facts)
                .map_err(|source| ImportError::Store {
                    file: r.file.clone(),
                    record: r.id.clone(),
                    source,
                })?;
        }
        for s in &self.shares {
            let context = format!("row {}", s.row);
            let snapshot = store.snapshot();
            let Some(record) = snapshot.id(&s.object) else {
                skip(&s.file, context, &s.object, unknown("record", &s.object));
                continue;
            };
            if snapshot
                .facts(record)
                .is_some_and(|f| Some(f.table) != policy.table_id(&s.table))
            {
                skip(
                    &s.file,
                    context,
                    &s.object,
                    UnmappedKind::NotExpressible {
                        detail: format!(
                            "is shared as a record of `{}`, but the records payload holds it in another table",
                            s.table
                        ),
                    },
                );
                continue;
            }
            let with = match &s.with {
                PrincipalRef::User(u) => policy.user_id(u).map(SharedWith::User),
                PrincipalRef::Team(t) => policy.team_id(t).map(SharedWith::Team),
            };
            let Some(with) = with else {
                skip(
                    &s.file,
                    context,
                    &s.object,
                    unknown("principal", principal_name(&s.with)),
                );
                continue;
            };
            store
                .share(record, ShareFact::new(with, s.rights))
                .map_err(|source| ImportError::Store {
                    file: s.file.clone(),
                    record: s.object.clone(),
                    source,
                })?;
        }
        Ok(left_out)
    }

    /// Number of record rows read.
    pub fn record_count(&self) -> usize {
        self.records.len()
    }

    /// Number of share rows read (with at least one record right).
    pub fn share_count(&self) -> usize {
        self.shares.len()
    }
}

fn principal_name(p: &PrincipalRef) -> &str {
    match p {
        PrincipalRef::User(u) | PrincipalRef::Team(u) => u,
    }
}
