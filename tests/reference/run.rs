//! Running a property many times, on several threads, for the long differential runs.

use std::time::Instant;

use proptest::strategy::Strategy;
use proptest::test_runner::{Config, TestCaseError, TestError, TestRunner};

/// Cases of the `#[ignore]` long runs: `ACCESSGATE_LONG_CASES`, default 1,000,000.
pub fn long_cases() -> u32 {
    std::env::var("ACCESSGATE_LONG_CASES")
        .ok()
        .and_then(|v| v.replace('_', "").parse().ok())
        .unwrap_or(1_000_000)
}

/// Threads of the long runs: `ACCESSGATE_LONG_THREADS`, default every available core.
pub fn long_threads() -> u32 {
    std::env::var("ACCESSGATE_LONG_THREADS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get() as u32))
        .max(1)
}

/// Runs `test` on `cases` random values of `strategy`, split over `threads` threads, each with
/// its own random seed; panics with the shrunk counterexample on the first failure.
pub fn run<S>(
    name: &str,
    cases: u32,
    threads: u32,
    strategy: S,
    test: impl Fn(S::Value) -> Result<(), TestCaseError> + Sync,
) where
    S: Strategy + Sync,
    S::Value: std::fmt::Debug,
{
    let start = Instant::now();
    let failures: Vec<String> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads)
            .map(|i| {
                let share = cases / threads + u32::from(i < cases % threads);
                let (strategy, test) = (&strategy, &test);
                scope.spawn(move || {
                    let config = Config {
                        cases: share,
                        failure_persistence: None,
                        max_shrink_iters: 4096,
                        ..Config::default()
                    };
                    let mut runner = TestRunner::new(config);
                    match runner.run(strategy, test) {
                        Ok(()) => None,
                        Err(TestError::Fail(why, value)) => {
                            Some(format!("{why}\nminimal failing input: {value:#?}"))
                        }
                        Err(TestError::Abort(why)) => Some(format!("aborted: {why}")),
                    }
                })
            })
            .collect();
        handles
            .into_iter()
            .filter_map(|h| {
                h.join()
                    .unwrap_or_else(|_| Some("a thread panicked".into()))
            })
            .collect()
    });
    let secs = start.elapsed().as_secs_f64();
    eprintln!(
        "{name}: {cases} cases on {threads} thread(s) in {secs:.1} s ({:.0} cases/s), {} failure(s)",
        f64::from(cases) / secs.max(1e-9),
        failures.len()
    );
    assert!(failures.is_empty(), "{name}: {}", failures.join("\n\n"));
}
