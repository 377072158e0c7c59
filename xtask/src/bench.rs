//! `cargo xtask bench`: repeated timed runs of a whole in-memory job, reported as min, median
//! and max. Figures the project keeps go to BENCHMARKS.md; no test asserts a timing.

use std::fmt;
use std::time::{Duration, Instant};

/// The timings of `runs` runs after one untimed warm-up.
#[derive(Debug, Clone, PartialEq)]
pub struct Figures {
    sorted: Vec<Duration>,
}

/// Runs `job` once to warm up, then `runs` times (at least once) under the clock.
pub fn measure<T>(
    runs: usize,
    mut job: impl FnMut() -> anyhow::Result<T>,
) -> anyhow::Result<Figures> {
    std::hint::black_box(job()?);
    let mut sorted = Vec::with_capacity(runs.max(1));
    for _ in 0..runs.max(1) {
        let started = Instant::now();
        std::hint::black_box(job()?);
        sorted.push(started.elapsed());
    }
    sorted.sort();
    Ok(Figures { sorted })
}

impl fmt::Display for Figures {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ms = |index: usize| {
            self.sorted
                .get(index)
                .map_or(0.0, |d| d.as_secs_f64() * 1000.0)
        };
        let last = self.sorted.len().saturating_sub(1);
        write!(
            f,
            "{} runs after 1 warm-up: min {:.1} ms, median {:.1} ms, max {:.1} ms ({} profile)",
            self.sorted.len(),
            ms(0),
            ms(self.sorted.len() / 2),
            ms(last),
            if cfg!(debug_assertions) {
                "debug"
            } else {
                "release"
            },
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_the_job_once_more_than_timed_and_reports_sorted_figures() {
        let mut calls = 0;
        let figures = measure(3, || {
            calls += 1;
            Ok(())
        })
        .unwrap();
        assert_eq!(calls, 4);
        assert_eq!(figures.sorted.len(), 3);
        assert!(figures.sorted.windows(2).all(|pair| pair[0] <= pair[1]));
        assert!(
            figures
                .to_string()
                .starts_with("3 runs after 1 warm-up: min ")
        );
    }
}
