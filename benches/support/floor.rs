//! The machine's floor: one random read of memory whose address depends on the read before,
//! through `bytes` of cache lines linked into one random cycle. `benches/memory.rs` measures
//! it by size; `benches/records.rs` measures it beside the random decisions, in the same run,
//! so the two are compared under the same load of the host.

/// One cache line: the index of the next line to read, and padding.
#[derive(Clone, Copy)]
#[repr(align(64))]
pub struct Line {
    /// The line read after this one.
    pub next: usize,
}

/// `bytes` of lines linked into one random cycle (Sattolo's shuffle).
pub fn cycle(bytes: usize) -> Vec<Line> {
    let n = bytes / std::mem::size_of::<Line>();
    let mut order: Vec<usize> = (0..n).collect();
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    for i in (1..n).rev() {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        order.swap(i, (state % i as u64) as usize);
    }
    let mut lines = vec![Line { next: 0 }; n];
    for (i, &next) in order.iter().enumerate() {
        lines[i].next = next;
    }
    lines
}
