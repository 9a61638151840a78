//! Hierarchy security decisions (R6): managers and higher positions reach their reports'
//! records.

use crate::core::Privilege;

use crate::dataverse::configuration::hierarchy::NONE;
use crate::dataverse::configuration::model::{HierarchyModel, ManagerUnitReach};
use crate::dataverse::configuration::policy::*;
use crate::dataverse::evaluation::reason::{RecordReason, RoleGrant};
use crate::dataverse::evaluation::walk::RecordView;
use crate::dataverse::records::ShareSource;
use std::ops::ControlFlow;

/// How a report's record reached the manager (R6.4, R6.6).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum HierarchyPath {
    /// The report owns the record.
    OwnedByReport,
    /// A team the report is a member of owns the record.
    OwnedByReportTeam(TeamId),
    /// The record is shared with the report.
    SharedWithReport,
    /// The record is shared with a team the report is a member of.
    SharedWithReportTeam(TeamId),
}

impl DataversePolicy {
    /// How many levels above `report` the user `manager` sits, within the configured depth.
    pub(crate) fn levels_above(&self, manager: u32, report: u32) -> Option<u8> {
        let h = &self.hierarchy;
        let depth = self.options.hierarchy.depth;
        let (mut node, target, up): (u32, u32, &[u32]) = match self.options.hierarchy.model {
            HierarchyModel::Off => return None,
            HierarchyModel::Manager => (*h.manager.get(report as usize)?, manager, &h.manager),
            HierarchyModel::Position => {
                let target = *h.position.get(manager as usize)?;
                let start = *h.position.get(report as usize)?;
                if target == NONE || start == NONE {
                    return None;
                }
                (
                    *h.position_parent.get(start as usize)?,
                    target,
                    &h.position_parent,
                )
            }
        };
        for level in 1..=depth {
            if node == NONE {
                return None;
            }
            if node == target {
                return Some(level);
            }
            node = *up.get(node as usize)?;
        }
        None
    }

    /// Whether `manager` may use `privilege` on `report`'s data at `level` (R6.3, R6.5, R6.10).
    pub(crate) fn report_counts(
        &self,
        manager: u32,
        report: u32,
        level: u8,
        privilege: Privilege,
    ) -> bool {
        let h = &self.options.hierarchy;
        if h.model == HierarchyModel::Manager && h.managers_must_be_in_same_or_parent_unit {
            let (Some(m), Some(r)) = (
                self.users.get(manager as usize),
                self.users.get(report as usize),
            ) else {
                return false;
            };
            let allowed = match h.manager_unit_reach {
                ManagerUnitReach::DirectParent => {
                    m.business_unit == r.business_unit
                        || self.tree.parent(r.business_unit) == Some(m.business_unit)
                }
                ManagerUnitReach::AnyAncestor => {
                    self.tree.contains(m.business_unit, r.business_unit)
                }
            };
            if !allowed {
                return false;
            }
        }
        if !h.include_disabled_reports
            && !self
                .user_enabled
                .get(report as usize)
                .copied()
                .unwrap_or(false)
        {
            return false;
        }
        let rights = if level <= h.write_levels {
            Privilege::READ | Privilege::WRITE | Privilege::APPEND | Privilege::APPEND_TO
        } else {
            Privilege::READ
        };
        rights.contains(privilege)
    }

    /// R6: the record reaches `user` through a report's ownership or shares.
    pub(crate) fn hierarchy_reach(
        &self,
        user: UserId,
        privilege: Privilege,
        record: &RecordView<'_>,
        rec: &RecordInfo,
        source: &dyn ShareSource,
        grant: Option<RoleGrant>,
    ) -> Option<RecordReason> {
        let h = &self.options.hierarchy;
        if h.model == HierarchyModel::Off
            || !self
                .tables
                .get(rec.table as usize)
                .is_some_and(|t| t.hierarchy_security)
            || !(Privilege::READ | Privilege::WRITE | Privilege::APPEND | Privilege::APPEND_TO)
                .contains(privilege)
        {
            return None;
        }
        // R6.7 / A6b: the manager must hold the privilege at the minimum level.
        let grant = grant.filter(|g| g.level >= h.manager_minimum_level)?;
        let try_report = |report: u32, path: HierarchyPath| {
            let level = self.levels_above(user.0, report)?;
            self.report_counts(user.0, report, level, privilege)
                .then_some(RecordReason::Hierarchy {
                    report: UserId(report),
                    level,
                    path,
                    grant,
                })
        };
        match rec.owner {
            Owner::User(v) => {
                if let Some(r) = try_report(v, HierarchyPath::OwnedByReport) {
                    return Some(r);
                }
            }
            Owner::Team(t) => {
                for &v in self.team_members.get(t) {
                    if let Some(r) = try_report(v, HierarchyPath::OwnedByReportTeam(TeamId(t))) {
                        return Some(r);
                    }
                }
            }
            Owner::Organization => return None,
        }
        let mut found = None;
        self.walk_shares(
            record,
            rec,
            source,
            h.include_inherited_shares,
            &mut |share| {
                if !share.rights.contains(privilege) {
                    return ControlFlow::Continue(());
                }
                let reached = match share.with {
                    SharedWith::User(v) => try_report(v.0, HierarchyPath::SharedWithReport),
                    SharedWith::Team(t) => self
                        .team_members
                        .get(t.0)
                        .iter()
                        .find_map(|&v| try_report(v, HierarchyPath::SharedWithReportTeam(t))),
                    SharedWith::Organization => None,
                };
                match reached {
                    Some(reason) => {
                        found = Some(reason);
                        ControlFlow::Break(())
                    }
                    None => ControlFlow::Continue(()),
                }
            },
        );
        if found.is_some() {
            return found;
        }
        None
    }

    /// The position of a user, by name, if any (R6.8).
    pub fn position_of(&self, user: UserId) -> Option<&str> {
        let p = *self.hierarchy.position.get(user.index())?;
        (p != NONE).then(|| self.hierarchy.positions.name(p))
    }

    /// The manager of a user, if any.
    pub fn manager_of(&self, user: UserId) -> Option<UserId> {
        self.hierarchy
            .manager
            .get(user.index())
            .filter(|&&m| m != NONE)
            .map(|&m| UserId(m))
    }
}
