//! [`UserTable`]: every user's decision facts and role grants, side by side.
//!
//! A record decision starts from the user: admitted? System Administrator? which grants? and
//! then reads the record owner's business unit. At a million users the table is larger than the
//! processor's caches, and each random read of it that misses costs as much as the rest of the
//! decision, so the layout is chosen for how few misses a decision takes:
//!
//! - A user's facts (a 12-byte header: admission, environment gate, System Administrator role)
//!   and all their grants (12 bytes each) lie in one run, `entries[starts[u]..starts[u + 1]]`,
//!   so reading a user is one miss however many grants they hold: the lines after the first
//!   are adjacent and their addresses known at once, so they are fetched together. (Rows of a
//!   fixed size with the grants of larger holders elsewhere take a second, dependent, miss for
//!   every user above the fixed count.)
//! - The `starts` and the business units are separate arrays of 4 bytes per user, small
//!   enough to stay in the last-level cache at a million users. A record owner's unit, which
//!   every record decision checks, is then a cache hit rather than a read of the owner's run.
//!
//! A user holding `g` grants costs `4 + 4 + 12 × (1 + g)` bytes: 44 for two grants.
//!
//! Users are grouped in shared chunks of [`CHUNK`], as in [`Csr`](crate::core::csr::Csr): a
//! configuration change copies the chunk of each user it re-derives and shares the rest with the
//! snapshot before it.

use std::sync::Arc;

use crate::core::csr::CHUNK;
use crate::dataverse::configuration::policy::{GrantSource, UserInfo};

/// Users `CHUNK × k ..`: each one's header and grants in `entries`, and business unit. The
/// three are shared slices, so a clone of the table (an older snapshot) shares them.
#[derive(Debug, Clone)]
struct UserChunk {
    /// `starts[i]..starts[i + 1]` is user `i`'s run in `entries`: the header, then the grants.
    starts: Arc<[u32]>,
    units: Arc<[u32]>,
    entries: Arc<[GrantSource]>,
}

/// A chunk being filled, user by user.
#[derive(Debug, Default)]
struct ChunkParts {
    starts: Vec<u32>,
    units: Vec<u32>,
    entries: Vec<GrantSource>,
}

impl ChunkParts {
    fn push(&mut self, info: &UserInfo, grants: &[GrantSource]) {
        if self.starts.is_empty() {
            self.starts.push(0);
        }
        self.units.push(info.business_unit);
        self.entries.push(info.header());
        self.entries.extend_from_slice(grants);
        self.starts
            .push(u32::try_from(self.entries.len()).unwrap_or(u32::MAX));
    }

    fn len(&self) -> usize {
        self.units.len()
    }

    fn finish(self) -> UserChunk {
        UserChunk {
            starts: self.starts.into(),
            units: self.units.into(),
            entries: self.entries.into(),
        }
    }
}

impl UserChunk {
    fn len(&self) -> usize {
        self.units.len()
    }

    /// User `at`'s header and grants.
    #[inline]
    fn run(&self, at: usize) -> Option<(&GrantSource, &[GrantSource])> {
        let (&first, &end) = (self.starts.get(at)?, self.starts.get(at + 1)?);
        self.entries
            .get(first as usize..end as usize)?
            .split_first()
    }

    #[inline]
    fn row(&self, at: usize) -> Option<(UserInfo, &[GrantSource])> {
        let unit = *self.units.get(at)?;
        let (header, grants) = self.run(at)?;
        Some((UserInfo::from_header(unit, header), grants))
    }

    /// Writes user `at` in place when no clone shares this chunk and the user holds as many
    /// grants as before; `false` (nothing written) otherwise.
    fn write_in_place(&mut self, at: usize, info: &UserInfo, grants: &[GrantSource]) -> bool {
        let Some((_, old)) = self.run(at) else {
            return false;
        };
        if old.len() != grants.len() {
            return false;
        }
        let first = self.starts.get(at).map_or(0, |&f| f as usize);
        let (Some(units), Some(entries)) = (
            Arc::get_mut(&mut self.units),
            Arc::get_mut(&mut self.entries),
        ) else {
            return false;
        };
        let (Some(unit), Some(run)) = (
            units.get_mut(at),
            entries.get_mut(first..first + 1 + grants.len()),
        ) else {
            return false;
        };
        *unit = info.business_unit;
        if let Some((header, rest)) = run.split_first_mut() {
            *header = info.header();
            rest.copy_from_slice(grants);
        }
        true
    }

    /// This chunk's users again, with user `replace` (if any) replaced and `append` (if any)
    /// added.
    fn rebuilt(
        &self,
        replace: Option<(usize, &UserInfo, &[GrantSource])>,
        append: Option<(&UserInfo, &[GrantSource])>,
    ) -> UserChunk {
        let mut parts = ChunkParts {
            starts: Vec::with_capacity(self.starts.len() + 1),
            units: Vec::with_capacity(self.units.len() + 1),
            entries: Vec::with_capacity(self.entries.len() + 1),
        };
        for at in 0..self.len() {
            match replace {
                Some((r, info, grants)) if r == at => parts.push(info, grants),
                _ => {
                    if let Some((info, grants)) = self.row(at) {
                        parts.push(&info, grants);
                    }
                }
            }
        }
        if let Some((info, grants)) = append {
            parts.push(info, grants);
        }
        parts.finish()
    }
}

/// Every user's [`UserInfo`] and grants; see the module docs.
#[derive(Debug, Clone, Default)]
pub(crate) struct UserTable {
    chunks: Vec<UserChunk>,
    len: usize,
}

/// Builds a [`UserTable`] one user at a time, in user order.
#[derive(Debug, Default)]
pub(crate) struct UserTableBuilder {
    table: UserTable,
    chunk: ChunkParts,
}

impl UserTableBuilder {
    /// Appends the next user.
    pub(crate) fn push(&mut self, info: UserInfo, grants: &[GrantSource]) {
        self.chunk.push(&info, grants);
        self.table.len += 1;
        if self.chunk.len() == CHUNK {
            self.flush();
        }
    }

    fn flush(&mut self) {
        let chunk = std::mem::take(&mut self.chunk);
        self.table.chunks.push(chunk.finish());
    }

    /// The finished table.
    pub(crate) fn finish(mut self) -> UserTable {
        if self.chunk.len() > 0 {
            self.flush();
        }
        self.table
    }
}

impl UserTable {
    /// Number of users.
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// The facts of user `index`.
    #[inline]
    pub(crate) fn get(&self, index: usize) -> Option<UserInfo> {
        let chunk = self.chunks.get(index / CHUNK)?;
        let unit = *chunk.units.get(index % CHUNK)?;
        let (header, _) = chunk.run(index % CHUNK)?;
        Some(UserInfo::from_header(unit, header))
    }

    /// The business unit of user `index`, without reading the rest of the user (a record
    /// owner's unit; see the module docs).
    #[inline]
    pub(crate) fn unit(&self, index: usize) -> Option<u32> {
        let chunk = self.chunks.get(index / CHUNK)?;
        chunk.units.get(index % CHUNK).copied()
    }

    /// The role grants of `user` (direct first, then through each team); empty for an unknown
    /// user.
    #[inline]
    pub(crate) fn grants(&self, user: u32) -> &[GrantSource] {
        let index = user as usize;
        self.chunks
            .get(index / CHUNK)
            .and_then(|chunk| chunk.run(index % CHUNK))
            .map_or(&[], |(_, grants)| grants)
    }

    /// The facts and grants of `user`, in one read of its run.
    #[inline]
    pub(crate) fn row(&self, user: u32) -> Option<(UserInfo, &[GrantSource])> {
        let index = user as usize;
        self.chunks.get(index / CHUNK)?.row(index % CHUNK)
    }

    /// Appends a user, copying the last chunk (a configuration change adds users one at a time;
    /// a build uses [`UserTableBuilder`]).
    pub(crate) fn push(&mut self, info: UserInfo, grants: &[GrantSource]) {
        match self.chunks.last_mut() {
            Some(last) if last.len() < CHUNK => {
                *last = last.rebuilt(None, Some((&info, grants)));
            }
            _ => {
                let mut parts = ChunkParts::default();
                parts.push(&info, grants);
                self.chunks.push(parts.finish());
            }
        }
        self.len += 1;
    }

    /// Replaces user `user`'s facts and grants; `false` for an unknown user.
    ///
    /// A chunk that a clone (an older snapshot) shares is copied. A chunk this table already
    /// owns alone, as after the first user of a change copied it, is written in place when the
    /// user holds as many grants as before, so a change that re-derives every member of a team
    /// copies each chunk once, not once per member.
    pub(crate) fn set(&mut self, user: u32, info: UserInfo, grants: &[GrantSource]) -> bool {
        let index = user as usize;
        let Some(chunk) = self.chunks.get_mut(index / CHUNK) else {
            return false;
        };
        let within = index % CHUNK;
        if within >= chunk.len() {
            return false;
        }
        if chunk.write_in_place(within, &info, grants) {
            return true;
        }
        *chunk = chunk.rebuilt(Some((within, &info, grants)), None);
        true
    }

    /// Heap bytes held (chunks shared with clones counted as if owned).
    pub(crate) fn heap_bytes(&self) -> usize {
        self.chunks.capacity() * std::mem::size_of::<UserChunk>()
            + self
                .chunks
                .iter()
                .map(|c| {
                    // Each `Arc` allocation's two reference counts.
                    3 * 2 * std::mem::size_of::<usize>()
                        + (c.starts.len() + c.units.len()) * std::mem::size_of::<u32>()
                        + c.entries.len() * std::mem::size_of::<GrantSource>()
                })
                .sum::<usize>()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dataverse::configuration::policy::{Admission, TeamId, UserGate, Via};

    fn info(unit: u32) -> UserInfo {
        UserInfo::new(
            unit,
            Admission::Admitted,
            UserGate::new(true, false, false, false),
        )
    }

    fn grant(role: u32) -> GrantSource {
        GrantSource::direct(role, role + 100)
    }

    /// Users across several chunks keep their facts and grants; replacing one user changes only
    /// that user, in the copy, and leaves a clone taken before untouched.
    #[test]
    fn rows_hold_facts_and_grants() {
        let users = 2 * CHUNK + 7;
        let grants_of =
            |u: u32| -> Vec<GrantSource> { (0..u % 4).map(|k| grant(u * 10 + k)).collect() };
        let mut builder = UserTableBuilder::default();
        let mut table = UserTable::default();
        for u in 0..users as u32 {
            builder.push(info(u), &grants_of(u));
            table.push(info(u), &grants_of(u));
        }
        let built = builder.finish();
        assert_eq!(built.len(), users);
        for u in 0..users as u32 {
            let (facts, grants) = built.row(u).expect("built row");
            assert_eq!(facts.business_unit, u);
            assert_eq!(grants.len() as u32, u % 4);
            assert_eq!(built.grants(u), table.grants(u));
        }
        assert_eq!(table.len(), users);
        let before = table.clone();
        let changed = CHUNK as u32 + 3;
        let admin = info(9).with_system_administrator(Some((5, Via::Team(TeamId(7)))));
        assert!(table.set(changed, admin, &[grant(1), grant(2), grant(3), grant(4)]));
        assert!(!table.set(users as u32, info(0), &[]));
        for u in 0..users as u32 {
            let (facts, grants) = table.row(u).expect("row");
            let (old_facts, old_grants) = before.row(u).expect("old row");
            assert_eq!(old_facts.business_unit, u);
            assert_eq!(old_grants.len() as u32, u % 4);
            if u == changed {
                assert_eq!(facts.business_unit, 9);
                assert_eq!(
                    facts.system_administrator(),
                    Some((5, Via::Team(TeamId(7))))
                );
                let roles: Vec<u32> = grants.iter().map(|g| g.role).collect();
                assert_eq!(roles, [1, 2, 3, 4]);
            } else {
                assert_eq!(facts.business_unit, u);
                assert_eq!(facts.system_administrator(), None);
                let roles: Vec<u32> = grants.iter().map(|g| g.role).collect();
                let expected: Vec<u32> = (0..u % 4).map(|k| u * 10 + k).collect();
                assert_eq!(roles, expected);
            }
        }
        assert!(table.row(users as u32).is_none());
        assert!(table.grants(users as u32).is_empty());
    }

    /// Once a change has copied a chunk, later writes to it go in place (as many grants as
    /// before) or copy the chunk again, and either way leave the older snapshot untouched.
    #[test]
    fn writes_after_the_first_copy_go_in_place() {
        let mut builder = UserTableBuilder::default();
        for u in 0..8u32 {
            let grants: Vec<GrantSource> = (0..u % 4).map(|k| grant(u * 10 + k)).collect();
            builder.push(info(u), &grants);
        }
        let mut table = builder.finish();
        let before = table.clone();
        assert!(table.set(1, info(50), &[grant(7)]));
        assert!(table.set(3, info(51), &[grant(8), grant(9), grant(10)]));
        assert!(table.set(7, info(52), &[]));
        assert!(table.set(2, info(53), &[grant(11), grant(12), grant(13)]));
        let roles =
            |t: &UserTable, u: u32| -> Vec<u32> { t.grants(u).iter().map(|g| g.role).collect() };
        assert_eq!(roles(&table, 1), [7]);
        assert_eq!(roles(&table, 3), [8, 9, 10]);
        assert!(roles(&table, 7).is_empty());
        assert_eq!(roles(&table, 2), [11, 12, 13]);
        assert_eq!(table.get(3).map(|i| i.business_unit), Some(51));
        for u in 0..8u32 {
            let expected: Vec<u32> = (0..u % 4).map(|k| u * 10 + k).collect();
            assert_eq!(roles(&before, u), expected, "the older snapshot, user {u}");
            assert_eq!(before.get(u as usize).map(|i| i.business_unit), Some(u));
        }
        for u in [0u32, 4, 5, 6] {
            let expected: Vec<u32> = (0..u % 4).map(|k| u * 10 + k).collect();
            assert_eq!(roles(&table, u), expected, "untouched user {u}");
        }
    }

    /// A user's entry costs what the module docs say: a 12-byte header, 12 bytes per grant,
    /// and four bytes each of start and unit.
    #[test]
    fn entries_are_compact() {
        assert_eq!(std::mem::size_of::<GrantSource>(), 12);
        let mut builder = UserTableBuilder::default();
        for u in 0..CHUNK as u32 {
            builder.push(info(u), &[grant(u), grant(u + 1)]);
        }
        let table = builder.finish();
        let per_user = table.heap_bytes() / CHUNK;
        assert_eq!(per_user, 4 + 4 + 12 * 3);
    }

    /// Every admission, System Administrator holding and gate survives the header encoding.
    #[test]
    fn headers_keep_every_fact() {
        let admissions = [
            Admission::Admitted,
            Admission::Disabled,
            Admission::Unlicensed,
            Admission::NotInSecurityGroup,
            Admission::NoSecurityRole,
            Admission::OnlyOwnerTeamRoles,
        ];
        let holdings = [
            None,
            Some((3, Via::Direct)),
            Some((4, Via::Team(TeamId(9)))),
            Some((5, Via::TeamMemberInheritance(TeamId(u32::MAX - 1)))),
        ];
        for admission in admissions {
            for held in holdings {
                for gate_bits in 0..16u8 {
                    let gate = UserGate::new(
                        gate_bits & 1 != 0,
                        gate_bits & 2 != 0,
                        gate_bits & 4 != 0,
                        gate_bits & 8 != 0,
                    );
                    let facts = UserInfo::new(77, admission, gate).with_system_administrator(held);
                    let back = UserInfo::from_header(77, &facts.header());
                    assert_eq!(back.business_unit, 77);
                    assert_eq!(back.admission, admission);
                    assert_eq!(back.gate, gate);
                    assert_eq!(back.system_administrator(), held);
                }
            }
        }
    }
}
