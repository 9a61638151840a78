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
//! - The `starts` and the business units are separate arrays, two bytes per user when the
//!   numbers fit (a chunk's runs under 65,536 entries, unit numbers under 65,536: every
//!   organisation but the very largest), four bytes otherwise. At a million users they are then
//!   4 MB together: a request touches a line of each, so at that size their lines are touched
//!   again before the traffic to the runs pushes them out of the last-level cache, and
//!   reading where a user's run starts, or a record owner's unit (which every record decision
//!   checks), is a cache hit. With four bytes each (8 MB) half those reads missed.
//!
//! A user holding `g` grants costs `2 + 2 + 12 × (1 + g)` bytes: 40 for two grants.
//!
//! Users are grouped in shared chunks of [`CHUNK`], as in [`Csr`](crate::core::csr::Csr): a
//! configuration change copies the chunk of each user it re-derives and shares the rest with the
//! snapshot before it.

use std::sync::Arc;

use crate::core::csr::CHUNK;
use crate::dataverse::configuration::policy::{GrantSource, UserInfo};

/// A shared array of numbers, two bytes each when every one fits (see the module docs).
#[derive(Debug, Clone)]
enum Numbers {
    Narrow(Arc<[u16]>),
    Wide(Arc<[u32]>),
}

impl Numbers {
    fn new(values: Vec<u32>) -> Numbers {
        match values
            .iter()
            .map(|&v| u16::try_from(v))
            .collect::<Result<Arc<[u16]>, _>>()
        {
            Ok(narrow) => Numbers::Narrow(narrow),
            Err(_) => Numbers::Wide(values.into()),
        }
    }

    #[inline]
    fn get(&self, at: usize) -> Option<u32> {
        match self {
            Numbers::Narrow(values) => values.get(at).map(|&v| u32::from(v)),
            Numbers::Wide(values) => values.get(at).copied(),
        }
    }

    /// Writes `value` at `at` in place when nothing shares the array and `value` fits it;
    /// `false` (nothing written) otherwise.
    fn set_in_place(&mut self, at: usize, value: u32) -> bool {
        let slot = match self {
            Numbers::Narrow(values) => match (Arc::get_mut(values), u16::try_from(value)) {
                (Some(values), Ok(value)) => values.get_mut(at).map(|slot| *slot = value),
                _ => None,
            },
            Numbers::Wide(values) => {
                Arc::get_mut(values).and_then(|values| values.get_mut(at).map(|s| *s = value))
            }
        };
        slot.is_some()
    }

    fn len(&self) -> usize {
        match self {
            Numbers::Narrow(values) => values.len(),
            Numbers::Wide(values) => values.len(),
        }
    }

    fn heap_bytes(&self) -> usize {
        match self {
            Numbers::Narrow(values) => values.len() * 2,
            Numbers::Wide(values) => values.len() * 4,
        }
    }
}

/// Users `CHUNK × k ..`: each one's header and grants in `entries`, and business unit. The
/// three are shared slices, so a clone of the table (an older snapshot) shares them.
#[derive(Debug, Clone)]
struct UserChunk {
    /// `starts[i]..starts[i + 1]` is user `i`'s run in `entries`: the header, then the grants.
    starts: Numbers,
    units: Numbers,
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
            starts: Numbers::new(self.starts),
            units: Numbers::new(self.units),
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
        let (first, end) = (self.starts.get(at)?, self.starts.get(at + 1)?);
        self.entries
            .get(first as usize..end as usize)?
            .split_first()
    }

    #[inline]
    fn row(&self, at: usize) -> Option<(UserInfo, &[GrantSource])> {
        let unit = self.units.get(at)?;
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
        let first = self.starts.get(at).map_or(0, |f| f as usize);
        let end = first + 1 + grants.len();
        // The unit goes first: it is the write that can still refuse (shared, or too wide for
        // a narrow array), and nothing is written when it does.
        if Arc::get_mut(&mut self.entries).is_none_or(|entries| entries.len() < end)
            || !self.units.set_in_place(at, info.business_unit)
        {
            return false;
        }
        if let Some((header, rest)) = Arc::get_mut(&mut self.entries)
            .and_then(|entries| entries.get_mut(first..end))
            .and_then(|run| run.split_first_mut())
        {
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
        chunk.row(index % CHUNK).map(|(info, _)| info)
    }

    /// The business unit of user `index`, without reading the rest of the user (a record
    /// owner's unit; see the module docs).
    #[inline]
    pub(crate) fn unit(&self, index: usize) -> Option<u32> {
        let chunk = self.chunks.get(index / CHUNK)?;
        chunk.units.get(index % CHUNK)
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
                        + c.starts.heap_bytes()
                        + c.units.heap_bytes()
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
        assert_eq!(per_user, 2 + 2 + 12 * 3);
    }

    /// Units and starts past two bytes widen their chunk's arrays, and a write that no longer
    /// fits a narrow array copies the chunk rather than truncating the number.
    #[test]
    fn numbers_past_two_bytes_widen() {
        let wide_unit = u32::from(u16::MAX) + 9;
        let many: Vec<GrantSource> = (0..70_000).map(grant).collect();
        let mut builder = UserTableBuilder::default();
        builder.push(info(wide_unit), &[grant(1)]);
        builder.push(info(3), &many);
        builder.push(info(4), &[grant(2)]);
        let table = builder.finish();
        assert_eq!(table.get(0).map(|i| i.business_unit), Some(wide_unit));
        assert_eq!(table.grants(1).len(), 70_000);
        assert_eq!(table.grants(2).first().map(|g| g.role), Some(2));

        let mut builder = UserTableBuilder::default();
        builder.push(info(1), &[grant(1)]);
        builder.push(info(2), &[grant(2)]);
        let mut narrow = builder.finish();
        let before = narrow.clone();
        // Owned alone after the first write copies the chunk, then a unit too wide for it.
        assert!(narrow.set(0, info(5), &[grant(7)]));
        assert!(narrow.set(1, info(wide_unit), &[grant(8)]));
        assert_eq!(narrow.get(1).map(|i| i.business_unit), Some(wide_unit));
        assert_eq!(narrow.unit(0), Some(5));
        assert_eq!(narrow.grants(1).first().map(|g| g.role), Some(8));
        assert_eq!(before.unit(1), Some(2));
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
                    assert_eq!(back.admission(), admission);
                    assert_eq!(back.gate(), gate);
                    assert_eq!(back.system_administrator(), held);
                }
            }
        }
    }
}
