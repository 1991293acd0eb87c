//! The validation cases of drsim, defined once: each simulates with drsim and compares with an
//! expected value from **outside** drsim (a closed form of availability or queueing theory, a
//! published textbook example, a hand computation), with its derivation and citation in the
//! comment at its code and in `docs/validation.md`.
//!
//! ```text
//!   closed form / textbook ──> expected ─┐
//!                                        ├─> |simulated − expected| ≤ max(95 % CI, tolerance)?
//!   drsim, N trials ──> mean ± 95 % CI ──┘        PASS  within the CI (or the exact tolerance)
//!     (failure processes, series systems,          WARN  outside the 95 % CI but within 4 SE:
//!      FIFO links, snapshots, detection,                 expected for ~1 correct case in 20
//!      DNS ramp, faults in trials, corruption)     FAIL  beyond 4 SE, or an exact case off
//! ```
//!
//! Means carry a normal 95 % interval over independent trials (or runs), proportions a Wilson
//! interval. Exact cases (deterministic hand computations) state an absolute tolerance.
//! `examples/validation_report.rs` prints [`run_all`] as a table; the facade's integration
//! test runs every case with fewer trials and asserts that none FAILs.
//!
//! `trials` scales every case: the probability cases (transient availability, reliability,
//! disasters within t, faults at an instant, stationary starts) run `trials` independent
//! trials; long availability runs `trials / 250` (at least 20); queueing `trials / 1,000` (at
//! least 20); snapshots and corruption `trials / 5` (at least 1,000); faults in disaster trials
//! `trials / 20` (at least 2,000); horizons `trials / 500` (at least 200); detection draws
//! `trials × 10`. The same `(trials, seed)` gives the same report at any thread count.
//!
//! ```
//! use drsim::validation::{self, Verdict};
//!
//! // One group of cases, quickly; `validation::run_all(200_000, 2026)` runs them all.
//! let detection = validation::groups().iter().find(|g| g.name() == "detection").ok_or("no such group")?;
//! let cases = detection.run(1000, 7)?;
//! assert!(cases.iter().all(|c| c.verdict() != Verdict::Fail));
//! println!("{}", validation::Report { cases }.table());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod availability;
mod case;
mod corruption;
mod detection;
mod faults;
mod fixtures;
mod queueing;
mod snapshots;

pub use case::{Case, Check, PLAIN6, SECS, Unit, Verdict};

/// Any error of the simulations a case runs; they are boxed because a case only reports them.
type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// The fewest `trials` the cases accept: below it the scaled counts are all at their floors
/// and the probability cases have too few trials for a normal interval.
pub const MIN_TRIALS: u64 = 1000;

/// Why the validation cases could not be run.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ValidationError {
    /// `trials` below [`MIN_TRIALS`].
    #[error("trials = {trials}: the validation cases need at least {min} trials")]
    TooFewTrials {
        /// The value given.
        trials: u64,
        /// The least allowed, [`MIN_TRIALS`].
        min: u64,
    },
    /// A simulation of a group failed (a model refused its parameters or a run failed).
    #[error("validation group `{group}`: {source}")]
    Simulation {
        /// The group whose simulation failed.
        group: &'static str,
        /// What failed.
        source: BoxError,
    },
}

/// A group of cases that share one simulation (one topic, one set of runs).
pub struct Group {
    name: &'static str,
    run: fn(u64, u64) -> Result<Vec<Case>, BoxError>,
}

impl Group {
    /// The group's name (`availability`, `series`, `queueing`, `snapshots`, `links`,
    /// `detection`, `stationary`, `faults`, `corruption`).
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// Simulates the group's cases with `trials` (scaled per case, see the module's
    /// documentation) and `seed`.
    pub fn run(&self, trials: u64, seed: u64) -> Result<Vec<Case>, ValidationError> {
        if trials < MIN_TRIALS {
            return Err(ValidationError::TooFewTrials { trials, min: MIN_TRIALS });
        }
        (self.run)(trials, seed).map_err(|source| ValidationError::Simulation { group: self.name, source })
    }
}

static GROUPS: [Group; 9] = [
    Group { name: "availability", run: availability::availability },
    Group { name: "series", run: availability::series_systems },
    Group { name: "queueing", run: queueing::queueing },
    Group { name: "snapshots", run: snapshots::snapshots },
    Group { name: "links", run: queueing::links },
    Group { name: "detection", run: detection::detection },
    Group { name: "stationary", run: faults::stationary_start },
    Group { name: "faults", run: faults::faults },
    Group { name: "corruption", run: corruption::corruption },
];

/// Every group of cases, in the order of the report.
pub fn groups() -> &'static [Group] {
    &GROUPS
}

/// Every case, simulated with `trials` (scaled per case) and `seed`, in the report's order.
pub fn run_all(trials: u64, seed: u64) -> Result<Report, ValidationError> {
    let mut cases = Vec::new();
    for group in groups() {
        cases.extend(group.run(trials, seed)?);
    }
    Ok(Report { cases })
}

/// Simulated cases, printable as the Markdown table of `docs/validation.md`.
#[derive(Clone, Debug, PartialEq)]
pub struct Report {
    /// The cases, in order.
    pub cases: Vec<Case>,
}

impl Report {
    /// How many cases have verdict `v`.
    pub fn count(&self, v: Verdict) -> usize {
        self.cases.iter().filter(|c| c.verdict() == v).count()
    }

    /// The Markdown table: case, source, expected, simulated ± 95 % CI, verdict; one line per
    /// case, each ending in a newline.
    pub fn table(&self) -> String {
        let rows: Vec<[String; 4]> = self
            .cases
            .iter()
            .map(|c| [c.name.clone(), c.source.to_string(), c.expected_text(), c.simulated_text()])
            .collect();
        let width = |k: usize, min: usize| rows.iter().map(|r| r[k].chars().count()).max().unwrap_or(0).max(min);
        let widths = [width(0, 4), width(1, 6), width(2, 8), width(3, 23)];
        let pad = |s: &str, w: usize| format!("{s}{}", " ".repeat(w.saturating_sub(s.chars().count())));
        let mut out = format!(
            "| {} | {} | {} | {} | verdict |\n",
            pad("case", widths[0]),
            pad("source", widths[1]),
            pad("expected", widths[2]),
            pad("simulated ± 95 % CI", widths[3])
        );
        out += &format!(
            "|{}|{}|{}|{}|---------|\n",
            "-".repeat(widths[0] + 2),
            "-".repeat(widths[1] + 2),
            "-".repeat(widths[2] + 2),
            "-".repeat(widths[3] + 2)
        );
        for (r, c) in rows.iter().zip(&self.cases) {
            let v = c.verdict().to_string();
            out += &format!(
                "| {} | {} | {} | {} | {v:<7} |\n",
                pad(&r[0], widths[0]),
                pad(&r[1], widths[1]),
                pad(&r[2], widths[2]),
                pad(&r[3], widths[3])
            );
        }
        out
    }
}
