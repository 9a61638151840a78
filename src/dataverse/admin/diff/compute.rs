//! Computing an access diff: both snapshots' effective access, matched by name, compared cell
//! by cell and record by record.

use super::causes::{classify_grant, classify_source, same_assignment};
use super::*;

fn keys(cell: &CellAccess, anchor_matters_for_ownership: bool) -> BTreeSet<GrantKey> {
    cell.grants
        .iter()
        .map(|g| {
            let anchor = match g.level {
                AccessLevel::BusinessUnit | AccessLevel::ParentChild => true,
                AccessLevel::None | AccessLevel::User | AccessLevel::Organization => {
                    anchor_matters_for_ownership
                }
            };
            (
                g.level,
                anchor.then(|| g.business_unit.clone()),
                (g.level != AccessLevel::Organization).then(|| g.acts_as.clone()),
            )
        })
        .collect()
}

/// One side of the comparison.
pub(super) struct Side<'a> {
    pub(super) policy: &'a DataversePolicy,
}

impl Side<'_> {
    pub(super) fn role_level(
        &self,
        role: &str,
        table: &str,
        privilege: Privilege,
    ) -> Option<AccessLevel> {
        let p = self.policy;
        let (r, t, bit) = (p.role_id(role)?, p.table_id(table)?, privilege.index()?);
        p.cell(r.0, t.0, bit)
    }

    pub(super) fn inheritance(
        &self,
        role: &str,
    ) -> Option<crate::dataverse::configuration::model::RoleInheritance> {
        let p = self.policy;
        p.roles.get(p.role_id(role)?.index()).map(|r| r.inheritance)
    }

    pub(super) fn team_unit(&self, team: &str) -> Option<&str> {
        let p = self.policy;
        let t = p.team_id(team)?;
        p.teams
            .get(t.index())
            .map(|i| p.business_unit_name(BusinessUnitId(i.business_unit)))
    }

    pub(super) fn record_facts(
        &self,
        record: RecordId,
    ) -> (String, Option<ShareWith>, Option<String>) {
        let p = self.policy;
        let table = p
            .record_table(record)
            .map_or("?", |t| p.table_name(t))
            .to_owned();
        let owner = p.record_owner(record);
        (
            table,
            owner.map(|(o, _)| match o {
                PrincipalId::User(u) => ShareWith::User(p.user_name(u).to_owned()),
                PrincipalId::Team(t) => ShareWith::Team(p.team_name(t).to_owned()),
            }),
            owner.map(|(_, b)| p.business_unit_name(b).to_owned()),
        )
    }

    pub(super) fn shares(
        &self,
        record: RecordId,
    ) -> BTreeSet<(ShareWith, Privilege, Option<String>)> {
        let p = self.policy;
        p.shares_reaching(record)
            .iter()
            .map(|s| {
                (
                    p.share_with(s.with),
                    s.rights,
                    s.inherited_from.map(|from| p.record_name(from).to_owned()),
                )
            })
            .collect()
    }

    pub(super) fn administered(&self, user: &str) -> BTreeSet<String> {
        let p = self.policy;
        let Some(u) = p.user_id(user) else {
            return BTreeSet::new();
        };
        p.teams
            .iter()
            .enumerate()
            .filter(|(_, t)| t.administrator == Some(u.0))
            .map(|(i, _)| p.team_name(TeamId(i as u32)).to_owned())
            .collect()
    }

    pub(super) fn tree(&self) -> BTreeSet<(String, Option<String>)> {
        let p = self.policy;
        (0..p.names.business_units_len() as u32)
            .map(|b| {
                let b = BusinessUnitId(b);
                (
                    p.business_unit_name(b).to_owned(),
                    p.business_unit_parent(b)
                        .map(|x| p.business_unit_name(x).to_owned()),
                )
            })
            .collect()
    }
}

/// A user id no snapshot hands out: effective access and checks of it are empty and denied.
const NO_USER: UserId = UserId(u32::MAX);

fn names(interner: &crate::core::id::Interner) -> Vec<String> {
    (0..interner.len() as u32)
        .map(|i| interner.name(i).to_owned())
        .collect()
}

fn only_in(a: &[String], b: &[String]) -> Vec<String> {
    let b: BTreeSet<&String> = b.iter().collect();
    a.iter().filter(|x| !b.contains(x)).cloned().collect()
}

fn push_unique(causes: &mut Vec<Cause>, cause: Cause) {
    if !causes.contains(&cause) {
        causes.push(cause);
    }
}

/// Compares two snapshots: every (user, table, privilege) whose effective access changed, and
/// every privilege a user gains or loses on a record present in both, each with its causes.
///
/// Users, tables, records, roles, teams and business units are matched by name. A user present
/// in only one snapshot is compared with no access at all. The record part is decided with
/// [`check`](DataversePolicy::check) on both snapshots, so it agrees with
/// [`crate::authorize`] by construction; its cost is records × users × 7 checks per snapshot.
///
/// ```
/// use accessgate::dataverse::*;
/// use accessgate::{AccessLevel, Privilege};
///
/// let mut model = DataverseModel::default();
/// model.business_units.push(BusinessUnitDef::root("contoso"));
/// model.tables.push(TableDef::user_owned("account"));
/// model.roles.push(RoleDef::new("rep").grant("account", Privilege::READ, AccessLevel::User));
/// model.users.push(UserDef::new("alice", "contoso"));
/// model.users.push(UserDef::new("bob", "contoso"));
/// model.role_assignments.push(RoleAssignmentDef::user("alice", "rep"));
/// model.role_assignments.push(RoleAssignmentDef::user("bob", "rep"));
/// model.records.push(RecordDef::owned_by_user("a1", "account", "alice"));
/// let before = model.build()?;
/// assert!(access_diff(&before, &before).is_empty());
///
/// model.roles[0] = RoleDef::new("rep").grant("account", Privilege::READ, AccessLevel::Organization);
/// let after = model.build()?;
/// let diff = access_diff(&before, &after);
/// let bob = diff.user("bob").ok_or("bob")?;
/// assert_eq!((bob.cells[0].before, bob.cells[0].after), (AccessLevel::User, AccessLevel::Organization));
/// assert_eq!(bob.records[0].record, "a1");
/// assert_eq!(bob.records[0].change, Change::Gained);
/// println!("{diff}");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn access_diff(before: &DataversePolicy, after: &DataversePolicy) -> AccessDiff {
    let (b, a) = (Side { policy: before }, Side { policy: after });
    let users_before = names(&before.names.users);
    let users_after = names(&after.names.users);
    let tables_before = names(&before.names.tables);
    let tables_after = names(&after.names.tables);
    let records_before: Vec<String> = before.records.iter().map(|(_, n)| n.to_owned()).collect();
    let records_after: Vec<String> = after.records.iter().map(|(_, n)| n.to_owned()).collect();

    let mut environment = Vec::new();
    if before.options != after.options {
        environment.push(Cause::OptionsChanged);
    }
    if b.tree() != a.tree() {
        environment.push(Cause::BusinessUnitTreeChanged);
    }
    let anchor_matters = [before, after]
        .iter()
        .any(|p| p.options.matrix_mode && p.options.ownership_needs_role_in_owning_unit);
    let common_tables: Vec<&String> = tables_before
        .iter()
        .filter(|t| after.table_id(t).is_some())
        .collect();
    let common_records: Vec<(RecordId, RecordId)> = records_before
        .iter()
        .filter_map(|r| Some((before.record_id(r)?, after.record_id(r)?)))
        .collect();
    // Per record, what changed about the record itself.
    let record_causes: Vec<Vec<Cause>> = common_records
        .iter()
        .map(|&(rb, ra)| {
            let mut causes = Vec::new();
            let (tb, ob, ub) = b.record_facts(rb);
            let (ta, oa, ua) = a.record_facts(ra);
            if tb != ta {
                causes.push(Cause::RecordTableChanged { from: tb, to: ta });
            }
            if ob != oa {
                causes.push(Cause::RecordOwnerChanged { from: ob, to: oa });
            }
            if ub != ua {
                causes.push(Cause::RecordOwningUnitChanged { from: ub, to: ua });
            }
            if b.shares(rb) != a.shares(ra) {
                causes.push(Cause::RecordSharesChanged);
            }
            causes
        })
        .collect();

    let mut all_users = users_before.clone();
    all_users.extend(only_in(&users_after, &users_before));
    let mut users = Vec::new();
    for name in &all_users {
        let ub = before.user_id(name).unwrap_or(NO_USER);
        let ua = after.user_id(name).unwrap_or(NO_USER);
        let eb = before.effective_access(ub);
        let ea = after.effective_access(ua);

        // Changes to the user themselves.
        let mut changes = Vec::new();
        match (ub == NO_USER, ua == NO_USER) {
            (true, false) => changes.push(Cause::UserAdded),
            (false, true) => changes.push(Cause::UserRemoved),
            (true, true) | (false, false) => {}
        }
        let moved = (ub != NO_USER && ua != NO_USER && eb.business_unit != ea.business_unit)
            .then(|| (eb.business_unit.clone(), ea.business_unit.clone()));
        if let Some((from, to)) = &moved {
            changes.push(Cause::UserMovedBusinessUnit {
                from: from.clone(),
                to: to.clone(),
            });
        }
        if eb.admission != ea.admission {
            changes.push(Cause::AdmissionChanged {
                from: admission_name(eb.admission),
                to: admission_name(ea.admission),
            });
        }
        let sysadmin =
            |e: &EffectiveAccess| e.system_administrator.as_ref().map(|r| r.role.clone());
        if sysadmin(&eb) != sysadmin(&ea) {
            changes.push(Cause::SystemAdministratorChanged {
                from: sysadmin(&eb),
                to: sysadmin(&ea),
            });
        }
        for team in only_in(&ea.teams, &eb.teams) {
            changes.push(Cause::TeamJoined { team });
        }
        for team in only_in(&eb.teams, &ea.teams) {
            changes.push(Cause::TeamLeft { team });
        }
        for (this, other, added) in [(&ea, &eb, true), (&eb, &ea, false)] {
            for held in &this.roles {
                if matches!(held.via, GrantVia::TeamMemberInheritance { .. }) {
                    continue;
                }
                if other.roles.iter().any(|h| same_assignment(h, held)) {
                    continue;
                }
                let team_membership_changed = match &held.via {
                    GrantVia::Team { team } => !other.teams.contains(team),
                    GrantVia::Direct | GrantVia::TeamMemberInheritance { .. } => false,
                };
                if team_membership_changed {
                    continue; // reported as TeamJoined / TeamLeft
                }
                let cause = classify_source(held, this, other, &moved, &b, &a, added);
                push_unique(&mut changes, cause);
            }
        }

        // Cells.
        let mut cells = Vec::new();
        for table in &common_tables {
            let (Some(rb), Some(ra)) = (eb.table(table), ea.table(table)) else {
                continue;
            };
            for (cb, ca) in rb.privileges.iter().zip(&ra.privileges) {
                if cb.level == ca.level
                    && keys(cb, anchor_matters) == keys(ca, anchor_matters)
                    && cb.applicable == ca.applicable
                {
                    continue;
                }
                let removed: Vec<Grant> = cb
                    .grants
                    .iter()
                    .filter(|g| !ca.grants.contains(g))
                    .cloned()
                    .collect();
                let added: Vec<Grant> = ca
                    .grants
                    .iter()
                    .filter(|g| !cb.grants.contains(g))
                    .cloned()
                    .collect();
                let mut causes = user_wide_causes(&changes);
                if cb.applicable != ca.applicable {
                    push_unique(
                        &mut causes,
                        Cause::PrivilegeApplicabilityChanged {
                            table: (*table).clone(),
                            privilege: cb.privilege,
                        },
                    );
                }
                for (g, this, other, this_side, other_side, is_added) in removed
                    .iter()
                    .map(|g| (g, &eb, &ea, &b, &a, false))
                    .chain(added.iter().map(|g| (g, &ea, &eb, &a, &b, true)))
                {
                    for cause in classify_grant(
                        g,
                        table,
                        cb.privilege,
                        this,
                        other,
                        this_side,
                        other_side,
                        &moved,
                        is_added,
                    ) {
                        push_unique(&mut causes, cause);
                    }
                }
                if causes.is_empty() {
                    causes.extend(environment.iter().cloned());
                }
                cells.push(CellChange {
                    table: (*table).clone(),
                    privilege: cb.privilege,
                    before: cb.level,
                    after: ca.level,
                    removed,
                    added,
                    causes,
                });
            }
        }

        // Records present in both snapshots.
        let teams_changed: Vec<Cause> = changes
            .iter()
            .filter(|c| matches!(c, Cause::TeamJoined { .. } | Cause::TeamLeft { .. }))
            .cloned()
            .collect();
        let administered_changed = b.administered(name) != a.administered(name);
        let mut records = Vec::new();
        for (i, &(rb, ra)) in common_records.iter().enumerate() {
            for privilege in Privilege::RECORD_RIGHTS {
                let before_reason = before.check(ub, privilege, rb);
                let after_reason = after.check(ua, privilege, ra);
                let change = match (
                    before_reason.decision().is_allow(),
                    after_reason.decision().is_allow(),
                ) {
                    (false, true) => Change::Gained,
                    (true, false) => Change::Lost,
                    (true, true) | (false, false) => continue,
                };
                let mut causes = user_wide_causes(&changes);
                let table_before = before.record_table(rb).map(|t| before.table_name(t));
                let table_after = after.record_table(ra).map(|t| after.table_name(t));
                for cell in &cells {
                    if cell.privilege == privilege
                        && (Some(cell.table.as_str()) == table_before
                            || Some(cell.table.as_str()) == table_after)
                    {
                        for cause in &cell.causes {
                            push_unique(&mut causes, cause.clone());
                        }
                    }
                }
                for cause in record_causes.get(i).into_iter().flatten() {
                    push_unique(&mut causes, cause.clone());
                }
                for cause in &teams_changed {
                    push_unique(&mut causes, cause.clone());
                }
                if administered_changed {
                    for team in b
                        .administered(name)
                        .symmetric_difference(&a.administered(name))
                    {
                        push_unique(
                            &mut causes,
                            Cause::TeamAdministratorChanged { team: team.clone() },
                        );
                    }
                }
                if matches!(before_reason, RecordReason::Hierarchy { .. })
                    || matches!(after_reason, RecordReason::Hierarchy { .. })
                {
                    push_unique(&mut causes, Cause::Hierarchy);
                }
                for cause in &environment {
                    push_unique(&mut causes, cause.clone());
                }
                records.push(RecordChange {
                    record: after.record_name(ra).to_owned(),
                    table: table_after.unwrap_or("?").to_owned(),
                    privilege,
                    change,
                    before_code: before_reason.code(),
                    before: before_reason.explain(before).to_string(),
                    after_code: after_reason.code(),
                    after: after_reason.explain(after).to_string(),
                    causes,
                });
            }
        }

        if !changes.is_empty() || !cells.is_empty() || !records.is_empty() {
            users.push(UserDiff {
                user: name.clone(),
                changes,
                cells,
                records,
            });
        }
    }

    AccessDiff {
        users_added: only_in(&users_after, &users_before),
        users_removed: only_in(&users_before, &users_after),
        tables_added: only_in(&tables_after, &tables_before),
        tables_removed: only_in(&tables_before, &tables_after),
        records_added: only_in(&records_after, &records_before),
        records_removed: only_in(&records_before, &records_after),
        environment,
        users,
    }
}

/// The causes of a user's changes that concern every cell and record of the user: added or
/// removed, admission, System Administrator.
fn user_wide_causes(changes: &[Cause]) -> Vec<Cause> {
    let mut causes = Vec::new();
    for cause in changes {
        if matches!(
            cause,
            Cause::UserAdded
                | Cause::UserRemoved
                | Cause::AdmissionChanged { .. }
                | Cause::SystemAdministratorChanged { .. }
        ) {
            push_unique(&mut causes, cause.clone());
        }
    }
    causes
}
