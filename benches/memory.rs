//! The machine's floor: how long one random read of memory takes, by the size of what is read.
//!
//! `cargo bench --bench memory` (add `-- --warm-up-time 1 --measurement-time 3` for a short
//! run). Each iteration is one read whose address depends on the read before (a pointer chase
//! through a random cycle, one entry per 64-byte cache line), so reads cannot overlap and the
//! time per iteration is the latency of one read at that size: a cache hit while the array fits
//! the caches, a trip to memory (and, with 4 KiB pages, a page-table walk) once it does not.
//!
//! A record decision at a million users must read the requester's row, one random place in a
//! table of about 60 MB, so the 48 MB figure is about the least such a decision can cost on
//! this machine, whatever the layout. The benches of `decision.rs` and `records.rs` are read
//! against it; `records.rs` also measures the floor at the user table's size in its own run.

#![allow(
    missing_docs,
    reason = "criterion's macros generate undocumented items"
)]

use std::hint::black_box;

use criterion::Criterion;

#[path = "support/floor.rs"]
mod floor;
use floor::cycle;

fn main() {
    let sizes_mb: &[usize] = if std::env::args().any(|a| a == "--bench") {
        &[1, 4, 16, 48, 256]
    } else {
        &[1]
    };
    let mut c = Criterion::default().configure_from_args();
    let mut group = c.benchmark_group("memory_random_read");
    for &mb in sizes_mb {
        let lines = cycle(mb << 20);
        let mut at = 0usize;
        group.bench_function(format!("{mb}_mb"), |b| {
            b.iter(|| {
                at = lines[at].next;
                black_box(at)
            })
        });
    }
    group.finish();
    c.final_summary();
}
