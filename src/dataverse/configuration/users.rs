//! [`UserTable`]: every user's decision facts and role grants, side by side.
//!
//! A record decision starts from the user: admitted? System Administrator? which grants? and
//! then reads the record owner's business unit. At a million users each of those reads is a
//! cache miss, so they are laid out to take as few as possible: a user's [`UserInfo`] (16
//! bytes) and the position of their grants sit in one 24-byte row, and the grants of the rows
//! of a chunk lie contiguously beside them. Reading a user is one row (one cache line, usually)
//! and then their grants; reading a record owner's unit is one row.
//!
//! Rows are grouped in shared chunks of [`CHUNK`] users, as in [`Csr`](crate::core::csr::Csr): a
//! configuration change copies the chunk of each user it re-derives and shares the rest with the
//! snapshot before it.

use std::sync::Arc;

use crate::core::csr::CHUNK;
use crate::dataverse::configuration::policy::{GrantSource, UserInfo};

/// One user: facts, and where the grants are in the chunk.
#[derive(Debug, Clone, Copy)]
struct UserRow {
    info: UserInfo,
    first: u32,
    count: u32,
}

#[derive(Debug, Clone, Default)]
struct UserChunk {
    rows: Vec<UserRow>,
    grants: Vec<GrantSource>,
}

impl UserChunk {
    #[inline]
    fn grants_of(&self, row: &UserRow) -> &[GrantSource] {
        let first = row.first as usize;
        self.grants
            .get(first..first + row.count as usize)
            .unwrap_or(&[])
    }
}

/// Every user's [`UserInfo`] and grants; see the module docs.
#[derive(Debug, Clone, Default)]
pub(crate) struct UserTable {
    chunks: Vec<Arc<UserChunk>>,
    len: usize,
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

    /// Appends a user.
    pub(crate) fn push(&mut self, info: UserInfo, grants: &[GrantSource]) {
        if self.len % CHUNK == 0 {
            self.chunks.push(Arc::new(UserChunk::default()));
        }
        if let Some(chunk) = self.chunks.last_mut() {
            let chunk = Arc::make_mut(chunk);
            let first = u32::try_from(chunk.grants.len()).unwrap_or(u32::MAX);
            chunk.grants.extend_from_slice(grants);
            chunk.rows.push(UserRow {
                info,
                first,
                count: u32::try_from(grants.len()).unwrap_or(0),
            });
        }
        self.len += 1;
    }

    /// Replaces user `user`'s facts and grants, copying its chunk if a clone shares it (and
    /// compacting the chunk's grants while at it); `false` for an unknown user.
    pub(crate) fn set(&mut self, user: u32, info: UserInfo, grants: &[GrantSource]) -> bool {
        let index = user as usize;
        let Some(chunk) = self.chunks.get_mut(index / CHUNK) else {
            return false;
        };
        let within = index % CHUNK;
        if within >= chunk.rows.len() {
            return false;
        }
        let old: &UserChunk = chunk;
        let mut fresh = UserChunk {
            rows: Vec::with_capacity(old.rows.len()),
            grants: Vec::with_capacity(old.grants.len() + grants.len()),
        };
        for (r, row) in old.rows.iter().enumerate() {
            let (info, items) = if r == within {
                (info, grants)
            } else {
                (row.info, old.grants_of(row))
            };
            let first = u32::try_from(fresh.grants.len()).unwrap_or(u32::MAX);
            fresh.grants.extend_from_slice(items);
            fresh.rows.push(UserRow {
                info,
                first,
                count: u32::try_from(items.len()).unwrap_or(0),
            });
        }
        *chunk = Arc::new(fresh);
        true
    }

    /// Heap bytes held (chunks shared with clones counted as if owned).
    pub(crate) fn heap_bytes(&self) -> usize {
        self.chunks.capacity() * std::mem::size_of::<Arc<UserChunk>>()
            + self
                .chunks
                .iter()
                .map(|c| {
                    2 * std::mem::size_of::<usize>()
                        + std::mem::size_of::<UserChunk>()
                        + c.rows.capacity() * std::mem::size_of::<UserRow>()
                        + c.grants.capacity() * std::mem::size_of::<GrantSource>()
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
        let mut table = UserTable::default();
        let users = 2 * CHUNK + 7;
        for u in 0..users as u32 {
            let grants: Vec<GrantSource> = (0..u % 4).map(|k| grant(u * 10 + k)).collect();
            table.push(info(u), &grants);
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

    /// The facts row is as small as the module docs say.
    #[test]
    fn rows_are_compact() {
        assert_eq!(std::mem::size_of::<UserInfo>(), 16);
        assert_eq!(std::mem::size_of::<UserRow>(), 24);
    }
}
