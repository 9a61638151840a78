//! [`UserTable`]: every user's decision facts and role grants, side by side.
//!
//! A record decision starts from the user: admitted? System Administrator? which grants? and
//! then reads the record owner's business unit. At a million users the table is larger than the
//! processor's caches, and each random read of it that misses costs as much as the rest of the
//! decision, so the layout is chosen for how few misses a decision takes:
//!
//! - Each user has a row of fixed width in their chunk, at a place computed from the user's
//!   number alone: their facts (a 12-byte header: admission, environment gate, System
//!   Administrator role; its spare byte says how many grants follow), then slots for `width`
//!   grants of 12 bytes. Reading a user is one miss, with nothing read before it that its
//!   address depends on.
//! - A chunk chooses its width when it is built: enough slots for 95% of its users (at least
//!   one, at most [`MAX_WIDTH`], and no more than twice the mean count and two besides, so a few
//!   users holding many roles do not widen every row). A user holding more keeps all their
//!   grants, contiguous, in the chunk's overflow array, and the first slot says where: a second,
//!   dependent, miss for those users only. In the random-facts bench's organisation (two
//!   direct roles each, team roles besides) rows hold 4 grants; in the decision bench's (three
//!   direct roles, two per team) 9.
//! - The layout before this one put each user's header and grants in one run of a packed array
//!   with a separate two-byte array of where each run starts: 40 bytes for two grants rather
//!   than 62, but the start was a read the run's address depended on. At a million users that
//!   array did not stay in the last-level cache under the runs' traffic, so a decision took two
//!   dependent misses where it now takes one: random decisions from facts 209–212 ns instead
//!   of 268–285, and from compiled records 347 ns instead of 411, alternating runs on one
//!   machine (docs/performance.md).
//! - The business units are a separate array, two bytes per user when the unit numbers fit
//!   (under 65,536: every organisation but the very largest), four otherwise. A record owner's
//!   unit, which every record decision checks, is read there: 2 MB at a million users, a line
//!   of which is touched again before other traffic pushes it out of the cache, where reading
//!   it from the owner's row would be a second random read of the whole table.
//!
//! A user costs `12 × (1 + width) + 2` bytes, and `12 × g` more when their `g` grants overflow.
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

    /// Whether `value` fits this array's width.
    fn fits(&self, value: u32) -> bool {
        match self {
            Numbers::Narrow(_) => u16::try_from(value).is_ok(),
            Numbers::Wide(_) => true,
        }
    }

    /// A copy that shares nothing.
    fn copied(&self) -> Numbers {
        match self {
            Numbers::Narrow(values) => Numbers::Narrow(Arc::from(&**values)),
            Numbers::Wide(values) => Numbers::Wide(Arc::from(&**values)),
        }
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

/// The most grants a row holds (a row is then 252 bytes, four cache lines).
const MAX_WIDTH: usize = 20;

/// The [`spare_byte`](GrantSource::spare_byte) of a header whose grants are in the overflow:
/// the first slot of the row then holds where they start (`role`) and how many (`anchor`).
const IN_OVERFLOW: u8 = u8::MAX;

/// How many grants a row holds in a chunk of users holding `counts` grants: enough for 95% of
/// them, at least one (the overflow slot) and at most [`MAX_WIDTH`], nor more than twice the
/// mean and two besides, so a few users holding many grants do not widen every row.
fn width_for(counts: impl Iterator<Item = usize> + Clone) -> usize {
    let (users, total) = counts.clone().fold((0usize, 0usize), |(n, sum), c| {
        (n + 1, sum.saturating_add(c))
    });
    let mut histogram = [0usize; MAX_WIDTH + 1];
    for c in counts {
        histogram[c.min(MAX_WIDTH)] += 1;
    }
    let cap = (2 * total / users.max(1) + 2).clamp(1, MAX_WIDTH);
    let mut covered = 0;
    for (width, n) in histogram.iter().enumerate() {
        covered += n;
        // 95% covered: covered / users >= 19 / 20.
        if width >= cap || 20 * covered >= 19 * users {
            return width.clamp(1, cap);
        }
    }
    cap
}

/// Where the overflow holds the grants of a row whose `header` says they are there:
/// `(start, count)`, read from the row's first slot.
#[inline]
fn overflow_place(header: &GrantSource, slots: &[GrantSource]) -> Option<(usize, usize)> {
    let place = slots
        .first()
        .filter(|_| header.spare_byte() == IN_OVERFLOW)?;
    Some((place.role as usize, place.anchor as usize))
}

/// Users `CHUNK × k ..`: each one's row, business unit, and the grants of those holding more
/// than a row holds. The three are shared slices, so a clone of the table (an older snapshot)
/// shares them.
#[derive(Debug, Clone)]
struct UserChunk {
    /// How many grants a row holds: user `at`'s row is `rows[at × (1 + width)..]`, the header
    /// (its spare byte the number of grants, or [`IN_OVERFLOW`]), then the grant slots.
    width: usize,
    rows: Arc<[GrantSource]>,
    units: Numbers,
    overflow: Arc<[GrantSource]>,
}

/// A chunk being filled, user by user: headers, units and grants, laid out in rows by
/// [`finish`](Self::finish), which needs every count to choose the rows' width.
#[derive(Debug, Default)]
struct ChunkParts {
    headers: Vec<GrantSource>,
    units: Vec<u32>,
    /// Each user's grants, one after another; `None` for a row that could not be read.
    runs: Vec<Option<(usize, usize)>>,
    grants: Vec<GrantSource>,
}

impl ChunkParts {
    fn push(&mut self, info: &UserInfo, grants: &[GrantSource]) {
        self.headers.push(info.header());
        self.units.push(info.business_unit);
        self.runs.push(Some((self.grants.len(), grants.len())));
        self.grants.extend_from_slice(grants);
    }

    fn len(&self) -> usize {
        self.units.len()
    }

    fn finish(self) -> UserChunk {
        let width = width_for(self.runs.iter().map(|r| r.map_or(0, |(_, len)| len)));
        let empty = GrantSource::direct(0, 0);
        let mut rows = Vec::with_capacity(self.len() * (1 + width));
        let mut overflow = Vec::new();
        for (header, run) in self.headers.iter().zip(&self.runs) {
            let grants = run.and_then(|(start, len)| self.grants.get(start..start + len));
            let at = rows.len();
            rows.resize(at + 1 + width, empty);
            let Some(row) = rows.get_mut(at..) else {
                continue;
            };
            let (head, slots) = row.split_at_mut(1);
            match grants {
                Some(grants) if grants.len() <= width => {
                    head[0] = header.with_spare_byte(grants.len() as u8);
                    slots[..grants.len()].copy_from_slice(grants);
                }
                // The overflow never grows past `u32::MAX` entries (some 48 GB in one chunk), so
                // every place is a number; a run that would pass it gets the place
                // `u32::MAX..2 × u32::MAX`, past the overflow's end, and the user reads as
                // unknown: decisions deny.
                _ => {
                    head[0] = header.with_spare_byte(IN_OVERFLOW);
                    slots[0] = GrantSource::direct(u32::MAX, u32::MAX);
                    if let Some(grants) = grants {
                        let start = overflow.len();
                        if let (Ok(place), Ok(count), Ok(_end)) = (
                            u32::try_from(start),
                            u32::try_from(grants.len()),
                            u32::try_from(start + grants.len()),
                        ) {
                            slots[0] = GrantSource::direct(place, count);
                            overflow.extend_from_slice(grants);
                        }
                    }
                }
            }
        }
        UserChunk {
            width,
            rows: rows.into(),
            units: Numbers::new(self.units),
            overflow: overflow.into(),
        }
    }
}

impl UserChunk {
    fn len(&self) -> usize {
        self.units.len()
    }

    /// User `at`'s row: the header, then the grant slots.
    #[inline]
    fn slots(&self, at: usize) -> Option<(&GrantSource, &[GrantSource])> {
        let stride = 1 + self.width;
        self.rows
            .get(at * stride..at * stride + stride)?
            .split_first()
    }

    /// User `at`'s header and grants.
    #[inline]
    fn run(&self, at: usize) -> Option<(&GrantSource, &[GrantSource])> {
        // `slots` written out: through the helper the decision compiles to 3 instructions more.
        let stride = 1 + self.width;
        let (header, slots) = self
            .rows
            .get(at * stride..at * stride + stride)?
            .split_first()?;
        let count = header.spare_byte();
        let grants = if count == IN_OVERFLOW {
            let place = slots.first()?;
            let start = place.role as usize;
            self.overflow
                .get(start..start.checked_add(place.anchor as usize)?)?
        } else {
            slots.get(..usize::from(count))?
        };
        Some((header, grants))
    }

    #[inline]
    fn row(&self, at: usize) -> Option<(UserInfo, &[GrantSource])> {
        let unit = self.units.get(at)?;
        let (header, grants) = self.run(at)?;
        Some((UserInfo::from_header(unit, header), grants))
    }

    /// Where `grants` would go without a new layout: `Some(None)` into user `at`'s row,
    /// `Some(Some(place))` over as many grants in the overflow, `None` nowhere.
    fn place_for(&self, at: usize, grants: &[GrantSource]) -> Option<Option<(usize, usize)>> {
        if grants.len() <= self.width {
            return Some(None);
        }
        let (header, slots) = self.slots(at)?;
        overflow_place(header, slots)
            .filter(|&(_, count)| count == grants.len())
            .map(Some)
    }

    /// Whether user `at` can take `info` and `grants` without a new layout: the grants fit the
    /// row or replace as many in the overflow, and the unit fits the units' width.
    fn fits(&self, at: usize, info: &UserInfo, grants: &[GrantSource]) -> bool {
        self.place_for(at, grants).is_some() && self.units.fits(info.business_unit)
    }

    /// A copy of this chunk that shares nothing, in the same layout.
    fn copied(&self) -> UserChunk {
        UserChunk {
            width: self.width,
            rows: Arc::from(&*self.rows),
            units: self.units.copied(),
            overflow: Arc::from(&*self.overflow),
        }
    }

    /// Writes user `at` in place when no clone shares this chunk and the new grants fit the
    /// row, or replace as many grants in the overflow; `false` (nothing written) otherwise.
    fn write_in_place(&mut self, at: usize, info: &UserInfo, grants: &[GrantSource]) -> bool {
        let Some(place) = self.place_for(at, grants) else {
            return false;
        };
        // Every refusal comes before the first write: the unit's is the last check, since
        // `set_in_place` writes when it accepts.
        if Arc::get_mut(&mut self.rows).is_none()
            || place.is_some_and(|(start, count)| {
                Arc::get_mut(&mut self.overflow).is_none_or(|o| o.len() < start + count)
            })
            || !self.units.set_in_place(at, info.business_unit)
        {
            return false;
        }
        if let Some(run) = place.and_then(|(start, count)| {
            Arc::get_mut(&mut self.overflow).and_then(|o| o.get_mut(start..start + count))
        }) {
            run.copy_from_slice(grants);
        }
        let stride = 1 + self.width;
        if let Some((head, slots)) = Arc::get_mut(&mut self.rows)
            .and_then(|rows| rows.get_mut(at * stride..at * stride + stride))
            .and_then(<[GrantSource]>::split_first_mut)
        {
            if place.is_some() {
                *head = info.header().with_spare_byte(IN_OVERFLOW);
            } else {
                *head = info.header().with_spare_byte(grants.len() as u8);
                slots[..grants.len()].copy_from_slice(grants);
            }
        }
        true
    }

    /// This chunk's users again, with user `replace` (if any) replaced and `append` (if any)
    /// added, in rows of the width their counts now call for.
    fn rebuilt(
        &self,
        replace: Option<(usize, &UserInfo, &[GrantSource])>,
        append: Option<(&UserInfo, &[GrantSource])>,
    ) -> UserChunk {
        let mut parts = ChunkParts {
            headers: Vec::with_capacity(self.len() + 1),
            units: Vec::with_capacity(self.len() + 1),
            runs: Vec::with_capacity(self.len() + 1),
            grants: Vec::with_capacity(self.rows.len() + self.overflow.len()),
        };
        for at in 0..self.len() {
            match (replace, self.row(at)) {
                (Some((r, info, grants)), _) if r == at => parts.push(info, grants),
                (_, Some((info, grants))) => parts.push(&info, grants),
                // An unreadable row stays unreadable.
                (_, None) => {
                    let header = self.slots(at).map(|(header, _)| *header);
                    parts
                        .headers
                        .push(header.unwrap_or(GrantSource::direct(0, 0)));
                    parts.units.push(self.units.get(at).unwrap_or(0));
                    parts.runs.push(None);
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
        // Shared with an older snapshot: a plain copy of the chunk, then the write in place,
        // costs a memory copy where re-encoding every user of the chunk costs a pass over each.
        if chunk.fits(within, &info, grants) {
            *chunk = chunk.copied();
            if chunk.write_in_place(within, &info, grants) {
                return true;
            }
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
                        + c.rows.len() * std::mem::size_of::<GrantSource>()
                        + c.units.heap_bytes()
                        + c.overflow.len() * std::mem::size_of::<GrantSource>()
                })
                .sum::<usize>()
    }
}

#[cfg(test)]
mod tests;
