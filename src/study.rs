//! Studies: every strategy of a scenario over the same disasters, in one call.
//!
//! ```text
//!   scenario file ──> Study ──(.trials .seed .threads)──> run ──> StudyResult
//!                      │                                          ├─ summaries(): per strategy, in seconds
//!                      └─ strategies (built-in, or your own)      ├─ outcomes(): one row per trial (Serialize)
//!                                                                 └─ exact mergeable state, paired comparisons
//! ```
//!
//! Trial `i` of every strategy faces the same disaster (common random numbers); trials run in
//! chunks on a thread pool and are recorded in trial order, so the result is the same, to the
//! bit, for any number of threads. Outcomes stream to a closure as each chunk finishes
//! ([`Study::run_with`]); keeping them in the result is optional ([`Study::keep_outcomes`]).
//!
//! ```
//! use drsim::study::Study;
//!
//! let path = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/scenarios/compare.toml");
//! let result = Study::from_path(path)?.trials(200).seed(7).run()?;
//! for s in result.summaries() {
//!     let rto = s.rto_s.map_or(f64::NAN, |m| m.mean);
//!     println!("{}: RTO {rto:.0} s over {}/{} recovered trials", s.name, s.recovered, s.trials);
//! }
//! assert_eq!(result.outcomes().count(), 4 * 200); // four strategies
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use rayon::prelude::*;
use serde::Serialize;

use crate::montecarlo::{Attainment, PairedAccumulator, PairedDifference, TrialsSummary};
use crate::recovery::Strategy;
use crate::scenario::{Scenario, ScenarioError};
use crate::stats::{Proportion, Summary};
use crate::strategies::{BuildStrategyError, Registry};
use crate::trial::{DisasterTrial, OutcomeRow, TrialError, TrialOutcome};

/// Trials run between two recordings (and calls of the outcome closure).
const CHUNK: u64 = 4096;

/// Why a study could not run.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StudyError {
    /// The scenario file is invalid.
    #[error(transparent)]
    Scenario(#[from] ScenarioError),
    /// A strategy entry could not be built.
    #[error("strategy {name:?}: {source}")]
    Strategy {
        /// The entry's label.
        name: String,
        /// Why.
        source: BuildStrategyError,
    },
    /// A strategy cannot run on this scenario, or a trial failed.
    #[error("strategy {name:?}: {source}")]
    Trial {
        /// The strategy's label.
        name: String,
        /// Why.
        source: TrialError,
    },
    /// No strategy to run.
    #[error("the study has no strategy to run")]
    NoStrategy,
    /// Two strategies share a name.
    #[error("two strategies are named {0:?}: names must differ")]
    DuplicateName(String),
    /// The study was cancelled through its [`StudyControl`].
    #[error("cancelled after {trials_done} trials")]
    Cancelled {
        /// Trials that had finished (over all strategies) when it stopped.
        trials_done: u64,
    },
    /// The thread pool could not be built.
    #[error("threads = {threads}: {message}")]
    Threads {
        /// Threads asked for.
        threads: usize,
        /// Why.
        message: String,
    },
}

/// Watches and stops a running study from another thread: how many trials are done, and a
/// cancel switch looked at before every trial, so a study stops within one trial's time of
/// [`cancel`](Self::cancel) (a Python binding's Ctrl-C, a GUI's stop button). One control per
/// run: it is never reset, so a cancelled control stops every later run that shares it, and
/// `trials_done` keeps counting across runs.
///
/// ```
/// use std::sync::Arc;
/// use drsim::study::{Study, StudyControl, StudyError};
///
/// let path = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/scenarios/compare.toml");
/// let control = Arc::new(StudyControl::default());
/// control.cancel(); // before it starts: it runs no trial
/// let study = Study::from_path(path)?.trials(1_000_000).control(control.clone());
/// assert!(matches!(study.run(), Err(StudyError::Cancelled { trials_done: 0 })));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Default)]
pub struct StudyControl {
    cancelled: AtomicBool,
    trials_done: AtomicU64,
}

impl StudyControl {
    /// Asks the study to stop: trials not yet begun are not run, and `run` returns
    /// [`StudyError::Cancelled`].
    pub fn cancel(&self) {
        self.cancelled.store(true, Ordering::Relaxed);
    }

    /// Whether [`cancel`](Self::cancel) was called.
    pub fn is_cancelled(&self) -> bool {
        self.cancelled.load(Ordering::Relaxed)
    }

    /// Trials finished so far, over all strategies (each strategy's trial counts once).
    pub fn trials_done(&self) -> u64 {
        self.trials_done.load(Ordering::Relaxed)
    }
}

/// Why a trial inside a study stopped.
enum Stop {
    Trial(TrialError),
    Cancelled,
}

struct Entry {
    name: String,
    kind: String,
    strategy: Arc<dyn Strategy>,
}

/// A scenario and its strategies, ready to run over many trials.
pub struct Study {
    scenario: Scenario,
    entries: Vec<Entry>,
    trials: u64,
    seed: u64,
    threads: Option<usize>,
    keep_outcomes: bool,
    control: Arc<StudyControl>,
}

impl Study {
    /// Reads a scenario file and builds its strategies.
    pub fn from_path(path: impl AsRef<std::path::Path>) -> Result<Self, StudyError> {
        Self::new(Scenario::from_path(path)?)
    }

    /// A study of `scenario` with its `[[strategies]]` (built-in kinds), its trial count and seed.
    pub fn new(scenario: Scenario) -> Result<Self, StudyError> {
        Self::with_registry(scenario, &Registry::builtin())
    }

    /// As [`new`](Self::new), the `[[strategies]]` kinds looked up in `registry` (yours
    /// included).
    pub fn with_registry(scenario: Scenario, registry: &Registry) -> Result<Self, StudyError> {
        let mut entries = vec![];
        for e in &scenario.strategies {
            let strategy =
                registry.build(e).map_err(|source| StudyError::Strategy { name: e.label().to_string(), source })?;
            entries.push(Entry { name: e.label().to_string(), kind: e.kind.clone(), strategy: Arc::from(strategy) });
        }
        Ok(Study {
            trials: scenario.trials.count,
            seed: scenario.trials.seed,
            scenario,
            entries,
            threads: None,
            keep_outcomes: true,
            control: Arc::default(),
        })
    }

    /// Adds a strategy of your own under `name` (its kind reads `"custom"`).
    pub fn with_strategy(mut self, name: impl Into<String>, strategy: Arc<dyn Strategy>) -> Self {
        self.entries.push(Entry { name: name.into(), kind: "custom".into(), strategy });
        self
    }

    /// Runs `n` trials per strategy (default: the scenario's `trials.count`).
    pub fn trials(mut self, n: u64) -> Self {
        self.trials = n;
        self
    }

    /// Seeds every random stream (default: the scenario's `trials.seed`).
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// Runs on `n` threads (default: rayon's pool, one per core). Results do not depend on it.
    pub fn threads(mut self, n: usize) -> Self {
        self.threads = Some(n);
        self
    }

    /// Whether the result keeps every trial's outcome (default `true`; about 300 bytes per
    /// trial and strategy). Off, memory does not grow with the trials; outcomes still reach
    /// [`run_with`](Self::run_with)'s closure.
    pub fn keep_outcomes(mut self, keep: bool) -> Self {
        self.keep_outcomes = keep;
        self
    }

    /// Shares `control` with whoever watches or stops the study ([`StudyControl`]).
    pub fn control(mut self, control: Arc<StudyControl>) -> Self {
        self.control = control;
        self
    }

    /// The scenario.
    pub fn scenario(&self) -> &Scenario {
        &self.scenario
    }

    /// Runs the study.
    pub fn run(&self) -> Result<StudyResult, StudyError> {
        self.run_with(|_, _| {})
    }

    /// Runs the study, handing each outcome to `on_outcome(strategy, outcome)` as its chunk
    /// finishes: in chunk order, then strategy order, then trial order.
    pub fn run_with(&self, mut on_outcome: impl FnMut(&str, &TrialOutcome)) -> Result<StudyResult, StudyError> {
        if self.entries.is_empty() {
            return Err(StudyError::NoStrategy);
        }
        for (i, e) in self.entries.iter().enumerate() {
            if self.entries[..i].iter().any(|x| x.name == e.name) {
                return Err(StudyError::DuplicateName(e.name.clone()));
            }
        }
        let trials = self
            .entries
            .iter()
            .map(|e| {
                DisasterTrial::new(&self.scenario.disaster, e.strategy.as_ref())
                    .map_err(|source| StudyError::Trial { name: e.name.clone(), source })
            })
            .collect::<Result<Vec<_>, _>>()?;
        let pricing = (self.scenario.cost.is_some() || self.scenario.impact.is_some()).then(|| {
            (self.scenario.cost.clone().unwrap_or_default(), self.scenario.impact.clone().unwrap_or_default())
        });
        let pool = match self.threads {
            Some(t) => Some(
                rayon::ThreadPoolBuilder::new()
                    .num_threads(t)
                    .build()
                    .map_err(|e| StudyError::Threads { threads: t, message: e.to_string() })?,
            ),
            None => None,
        };
        // At most 2^22 reserved up front (about a GB of address space, touched only as
        // outcomes arrive); beyond that the vectors grow as needed.
        let kept = if self.keep_outcomes { usize::try_from(self.trials.min(1 << 22)).unwrap_or(0) } else { 0 };
        let mut results: Vec<StrategyResult> = self
            .entries
            .iter()
            .map(|e| StrategyResult {
                name: e.name.clone(),
                kind: e.kind.clone(),
                state: TrialsSummary::default(),
                paired_rto: PairedAccumulator::default(),
                paired_rpo: PairedAccumulator::default(),
                loss_micro_usd: crate::montecarlo::Accumulator::default(),
                // Kept outcomes are reserved at once: growing a vector of millions of them
                // by doubling copied each one about twice (a tenth of a reference run).
                outcomes: Vec::with_capacity(kept),
                costs: Vec::with_capacity(kept),
            })
            .collect();
        let mut chunk = 0;
        while chunk < self.trials {
            let upto = chunk.saturating_add(CHUNK).min(self.trials);
            let mut first: Vec<TrialOutcome> = vec![];
            for (si, trial) in trials.iter().enumerate() {
                let control = &self.control;
                let run = || {
                    (chunk..upto)
                        .into_par_iter()
                        .map(|i| {
                            if control.is_cancelled() {
                                return Err(Stop::Cancelled);
                            }
                            let o = trial.run(self.seed, i).map_err(Stop::Trial)?;
                            control.trials_done.fetch_add(1, Ordering::Relaxed);
                            Ok(o)
                        })
                        .collect::<Result<Vec<_>, _>>()
                };
                let outcomes = match &pool {
                    Some(p) => p.install(run),
                    None => run(),
                }
                .map_err(|stop| match stop {
                    Stop::Trial(source) => StudyError::Trial { name: self.entries[si].name.clone(), source },
                    Stop::Cancelled => StudyError::Cancelled { trials_done: control.trials_done() },
                })?;
                let r = &mut results[si];
                for o in &outcomes {
                    r.state.record(o);
                    let cost = pricing.as_ref().map(|(cost, impact)| {
                        crate::cost::trial_cost_usd(cost, impact, &self.scenario.disaster, trial.steady_state(), o)
                    });
                    if let Some(c) = cost {
                        r.loss_micro_usd.record(crate::cost::to_micro_usd(c));
                    }
                    on_outcome(&r.name, o);
                    if self.keep_outcomes {
                        r.costs.push(cost);
                    }
                }
                if si == 0 {
                    first = outcomes.clone();
                } else {
                    for (a, b) in first.iter().zip(&outcomes) {
                        r.paired_rto.record(a.rto.map(|d| d.as_nanos()), b.rto.map(|d| d.as_nanos()));
                        r.paired_rpo.record(a.rpo.map(|x| x.as_nanos()), b.rpo.map(|x| x.as_nanos()));
                    }
                }
                if self.keep_outcomes {
                    r.outcomes.extend(outcomes);
                }
            }
            chunk = upto;
        }
        Ok(StudyResult { seed: self.seed, trials: self.trials, strategies: results })
    }
}

/// What a study measured.
pub struct StudyResult {
    /// The seed.
    pub seed: u64,
    /// Trials per strategy.
    pub trials: u64,
    /// Per strategy, in the study's order.
    pub strategies: Vec<StrategyResult>,
}

/// What a study measured for one strategy.
pub struct StrategyResult {
    /// Its label.
    pub name: String,
    /// Its kind (`"custom"` for a strategy added in code).
    pub kind: String,
    /// The exact mergeable state of its trials.
    pub state: TrialsSummary,
    /// RTO differences against the first strategy, trial by trial (empty for the first).
    pub paired_rto: PairedAccumulator,
    /// RPO differences against the first strategy, trial by trial (empty for the first).
    pub paired_rpo: PairedAccumulator,
    /// Cost per trial in micro-dollars, when the scenario prices trials (`[cost]`, `[impact]`).
    pub loss_micro_usd: crate::montecarlo::Accumulator,
    outcomes: Vec<TrialOutcome>,
    costs: Vec<Option<f64>>,
}

impl StrategyResult {
    /// Its trials' outcomes, in trial order (empty unless kept).
    pub fn outcomes(&self) -> &[TrialOutcome] {
        &self.outcomes
    }

    /// Its summary in seconds.
    pub fn summary(&self) -> StrategySummary {
        let s = &self.state;
        let q = |p: f64| s.rto_quantile_all(p).map(|ns| ns as f64 / 1e9);
        let prop = |a: &Attainment| (a.judged > 0).then(|| a.proportion());
        let paired = |p: &PairedAccumulator| Some(p.difference(1e-9)).filter(|d| d.pairs > 0);
        StrategySummary {
            name: self.name.clone(),
            kind: self.kind.clone(),
            trials: s.trials,
            recovered: s.recovered(),
            censored: s.censored(),
            rto_s: s.rto.summary(1e-9),
            rto_all_trials_s: [q(0.5), q(0.9), q(0.95), q(0.99), q(0.999)],
            rpo_s: s.rpo.summary(1e-9),
            bytes_lost: s.bytes_lost.summary(1.0),
            detection_s: s.detection.summary(1e-9),
            failback_s: s.failback.summary(1e-9),
            write_freeze_s: s.write_freeze.summary(1e-9),
            p_rto_met: prop(&s.rto_met),
            p_rpo_met: prop(&s.rpo_met),
            cost_per_trial_usd: self.loss_micro_usd.summary(1e-6),
            rto_vs_first_s: paired(&self.paired_rto),
            rpo_vs_first_s: paired(&self.paired_rpo),
        }
    }
}

/// One strategy's figures, in seconds (bytes for bytes). `None` where nothing was measured.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct StrategySummary {
    /// Its label.
    pub name: String,
    /// Its kind.
    pub kind: String,
    /// Trials run.
    pub trials: u64,
    /// Trials whose service came back within the horizon.
    pub recovered: u64,
    /// Trials censored (never recovered within the horizon): never dropped.
    pub censored: u64,
    /// RTO of the recovered trials (the mean is over them).
    pub rto_s: Option<Summary>,
    /// RTO p50, p90, p95, p99, p99.9 over all trials, censored ones as +∞ (`None`: the
    /// quantile falls among them).
    pub rto_all_trials_s: [Option<f64>; 5],
    /// RPO, every trial.
    pub rpo_s: Option<Summary>,
    /// Bytes lost, every trial.
    pub bytes_lost: Option<Summary>,
    /// Detection delay.
    pub detection_s: Option<Summary>,
    /// Failback duration, trials whose failback completed.
    pub failback_s: Option<Summary>,
    /// Write freeze during failback.
    pub write_freeze_s: Option<Summary>,
    /// P(RTO ≤ objective), a censored trial missing it.
    pub p_rto_met: Option<Proportion>,
    /// P(RPO ≤ objective).
    pub p_rpo_met: Option<Proportion>,
    /// Cost per trial in USD, when priced.
    pub cost_per_trial_usd: Option<Summary>,
    /// Paired RTO difference from the first strategy over the trials both recovered.
    pub rto_vs_first_s: Option<PairedDifference>,
    /// Paired RPO difference from the first strategy.
    pub rpo_vs_first_s: Option<PairedDifference>,
}

impl StudyResult {
    /// Every strategy's summary, in seconds.
    pub fn summaries(&self) -> Vec<StrategySummary> {
        self.strategies.iter().map(StrategyResult::summary).collect()
    }

    /// Every kept outcome as a row of data (the `drsim run --csv` columns), strategy by
    /// strategy, each in trial order.
    pub fn outcomes(&self) -> impl Iterator<Item = OutcomeRow> + '_ {
        self.strategies.iter().flat_map(|s| {
            s.outcomes
                .iter()
                .zip(s.costs.iter().copied().chain(std::iter::repeat(None)))
                .map(|(o, c)| o.row(&s.name, c))
        })
    }
}
