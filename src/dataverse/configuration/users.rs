//! [`UserTable`]: every user's decision facts and role grants, side by side.
//!
//! A record decision starts from the user: admitted? System Administrator? which grants? and
//! then reads the record owner's business unit. At a million users each of those reads is a
//! cache miss, so they are laid out to take as few as possible: a user's [`UserInfo`] (16
//! bytes) and their grants sit in one 48-byte row when they hold at most [`INLINE`] grants (most
//! users: a role or two of their own), and the grants of larger holders lie contiguously in the
//! chunk beside the rows. Reading a user is then one row (one or two cache lines, next to each
//! other) instead of a row and then a second, dependent, read of the grants; reading a record
//! owner's unit is one row. The row costs what a 16-byte row plus a separate 8-byte position
//! plus two separate grants would.
//!
//! Rows are grouped in shared chunks of [`CHUNK`] users, as in [`Csr`](crate::core::csr::Csr): a
//! configuration change copies the chunk of each user it re-derives and shares the rest with the
//! snapshot before it.

use std::sync::Arc;

use crate::core::csr::CHUNK;
use crate::dataverse::configuration::policy::{GrantSource, UserInfo};

/// Grants held in the row itself; see the module docs.
const INLINE: usize = 2;

/// One user: facts, and the grants (in the row, or where they are in the chunk).
#[derive(Debug, Clone, Copy)]
struct UserRow {
    info: UserInfo,
    /// The grants when `count <= INLINE`, the rest unused.
    inline: [GrantSource; INLINE],
    /// Where the grants start in the chunk when `count > INLINE`.
    first: u32,
    count: u32,
}

impl UserRow {
    fn new(info: UserInfo, grants: &[GrantSource], chunk_grants: &mut Vec<GrantSource>) -> Self {
        let count = u32::try_from(grants.len()).unwrap_or(0);
        let mut inline = [GrantSource::direct(0, 0); INLINE];
        let mut first = 0;
        match inline.get_mut(..grants.len()) {
            Some(slots) => slots.copy_from_slice(grants),
            None => {
                first = u32::try_from(chunk_grants.len()).unwrap_or(u32::MAX);
                chunk_grants.extend_from_slice(grants);
            }
        }
        UserRow {
            info,
            inline,
            first,
            count,
        }
    }
}

/// Rows `CHUNK × k ..` and the grants of those that hold more than [`INLINE`]. Both are
/// shared slices: the table's chunk list points straight at the rows, so reading a user is
/// one pointer from the list (which stays in cache) and then the row.
#[derive(Debug, Clone)]
struct UserChunk {
    rows: Arc<[UserRow]>,
    grants: Arc<[GrantSource]>,
}

impl UserChunk {
    fn new(rows: Vec<UserRow>, grants: Vec<GrantSource>) -> UserChunk {
        UserChunk {
            rows: rows.into(),
            grants: grants.into(),
        }
    }

    #[inline]
    fn grants_of<'a>(&'a self, row: &'a UserRow) -> &'a [GrantSource] {
        let count = row.count as usize;
        if let Some(inline) = row.inline.get(..count) {
            return inline;
        }
        let first = row.first as usize;
        self.grants.get(first..first + count).unwrap_or(&[])
    }

    /// Writes row `at` in place when no clone shares this chunk and `grants` fit where the
    /// row's grants are; `false` (nothing written) otherwise.
    fn write_in_place(&mut self, at: usize, info: UserInfo, grants: &[GrantSource]) -> bool {
        let Some(old) = self.rows.get(at).copied() else {
            return false;
        };
        if grants.len() <= INLINE {
            let Some(rows) = Arc::get_mut(&mut self.rows) else {
                return false;
            };
            let Some(row) = rows.get_mut(at) else {
                return false;
            };
            // Overflow grants the row had stay unreferenced until the chunk is next copied.
            *row = UserRow::new(info, grants, &mut Vec::new());
            return true;
        }
        if old.count as usize != grants.len() || old.count as usize <= INLINE {
            return false;
        }
        let first = old.first as usize;
        let (Some(rows), Some(all)) =
            (Arc::get_mut(&mut self.rows), Arc::get_mut(&mut self.grants))
        else {
            return false;
        };
        let (Some(row), Some(slots)) = (rows.get_mut(at), all.get_mut(first..first + grants.len()))
        else {
            return false;
        };
        slots.copy_from_slice(grants);
        row.info = info;
        true
    }

    /// This chunk's rows as owned vectors, with row `replace` (if any) replaced and `append`
    /// (if any) added, the grants compacted.
    fn rebuilt(
        &self,
        replace: Option<(usize, UserInfo, &[GrantSource])>,
        append: Option<(UserInfo, &[GrantSource])>,
    ) -> UserChunk {
        let mut rows = Vec::with_capacity(self.rows.len() + 1);
        let mut grants = Vec::with_capacity(self.grants.len());
        for (r, row) in self.rows.iter().enumerate() {
            let (info, items) = match replace {
                Some((at, info, items)) if at == r => (info, items),
                _ => (row.info, self.grants_of(row)),
            };
            rows.push(UserRow::new(info, items, &mut grants));
        }
        if let Some((info, items)) = append {
            rows.push(UserRow::new(info, items, &mut grants));
        }
        UserChunk::new(rows, grants)
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
    rows: Vec<UserRow>,
    grants: Vec<GrantSource>,
}

impl UserTableBuilder {
    /// Appends the next user.
    pub(crate) fn push(&mut self, info: UserInfo, grants: &[GrantSource]) {
        self.rows.push(UserRow::new(info, grants, &mut self.grants));
        self.table.len += 1;
        if self.rows.len() == CHUNK {
            self.flush();
        }
    }

    fn flush(&mut self) {
        let rows = std::mem::take(&mut self.rows);
        let grants = std::mem::take(&mut self.grants);
        self.table.chunks.push(UserChunk::new(rows, grants));
    }

    /// The finished table.
    pub(crate) fn finish(mut self) -> UserTable {
        if !self.rows.is_empty() {
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
    pub(crate) fn get(&self, index: usize) -> Option<&UserInfo> {
        let chunk = self.chunks.get(index / CHUNK)?;
        chunk.rows.get(index % CHUNK).map(|r| &r.info)
    }

    /// The role grants of `user` (direct first, then through each team); empty for an unknown
    /// user.
    #[inline]
    pub(crate) fn grants(&self, user: u32) -> &[GrantSource] {
        self.row(user).map_or(&[], |(_, grants)| grants)
    }

    /// The facts and grants of `user`, in one read of its row.
    #[inline]
    pub(crate) fn row(&self, user: u32) -> Option<(&UserInfo, &[GrantSource])> {
        let index = user as usize;
        let chunk = self.chunks.get(index / CHUNK)?;
        let row = chunk.rows.get(index % CHUNK)?;
        Some((&row.info, chunk.grants_of(row)))
    }

    /// Appends a user, copying the last chunk (a configuration change adds users one at a time;
    /// a build uses [`UserTableBuilder`]).
    pub(crate) fn push(&mut self, info: UserInfo, grants: &[GrantSource]) {
        match self.chunks.last_mut() {
            Some(last) if last.rows.len() < CHUNK => {
                *last = last.rebuilt(None, Some((info, grants)));
            }
            _ => {
                let mut chunk_grants = Vec::new();
                let row = UserRow::new(info, grants, &mut chunk_grants);
                self.chunks.push(UserChunk::new(vec![row], chunk_grants));
            }
        }
        self.len += 1;
    }

    /// Replaces user `user`'s facts and grants; `false` for an unknown user.
    ///
    /// A chunk that a clone (an older snapshot) shares is copied, compacting its grants. A chunk
    /// this table already owns alone, as after the first user of a change copied it, is
    /// written in place when the new grants fit where the old ones were (in the row, or the
    /// same number of overflow grants), so a change that re-derives every member of a team
    /// copies each chunk once, not once per member.
    pub(crate) fn set(&mut self, user: u32, info: UserInfo, grants: &[GrantSource]) -> bool {
        let index = user as usize;
        let Some(chunk) = self.chunks.get_mut(index / CHUNK) else {
            return false;
        };
        let within = index % CHUNK;
        if within >= chunk.rows.len() {
            return false;
        }
        if chunk.write_in_place(within, info, grants) {
            return true;
        }
        *chunk = chunk.rebuilt(Some((within, info, grants)), None);
        true
    }

    /// Heap bytes held (chunks shared with clones counted as if owned).
    pub(crate) fn heap_bytes(&self) -> usize {
        self.chunks.capacity() * std::mem::size_of::<UserChunk>()
            + self
                .chunks
                .iter()
                .map(|c| {
                    4 * std::mem::size_of::<usize>()
                        + c.rows.len() * std::mem::size_of::<UserRow>()
                        + c.grants.len() * std::mem::size_of::<GrantSource>()
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

    /// Once a change has copied a chunk, later writes to it go in place (inline grants, or the
    /// same number of overflow grants) and still leave the older snapshot untouched.
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

    /// The facts row is as small as the module docs say.
    #[test]
    fn rows_are_compact() {
        assert_eq!(std::mem::size_of::<UserInfo>(), 16);
        assert_eq!(std::mem::size_of::<UserRow>(), 48);
    }
}
