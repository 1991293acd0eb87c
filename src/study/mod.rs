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

use std::ops::Range;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use crate::recovery::Strategy;
use crate::scenario::{Scenario, ScenarioError};
use crate::strategies::{BuildStrategyError, Registry};
use crate::trial::{DisasterTrial, TrialError, TrialOutcome};

mod drive;
mod horizon;
mod observer;
mod result;
mod state;

pub use horizon::StrategyHorizon;
pub use observer::{Flow, ObserverError, StudyObserver, StudyRun};
pub use result::{StrategyResult, StrategySummary, StudyResult};
pub use state::{ResumeError, StrategyState, StudyState};

/// Trials run between two recordings (and calls of the observer's `chunk_done`), unless
/// [`Study::chunk_size`] says otherwise: bounds the memory of a chunk's outcomes.
pub const DEFAULT_CHUNK: u64 = 4096;

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
    /// A strategy cannot run on this scenario, or a trial failed (when several trials of one
    /// chunk fail, any one of them: they run in parallel).
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
    /// A setting is out of its allowed values.
    #[error("{field} = {value} is not allowed ({allowed})")]
    Setting {
        /// The setting (`chunk_size`, `range`).
        field: &'static str,
        /// Its value.
        value: String,
        /// What is allowed.
        allowed: &'static str,
    },
    /// The state given to [`Study::resume`] does not continue this study.
    #[error("the state does not continue this study: {0}")]
    Resume(#[from] ResumeError),
    /// The observer of [`Study::run_observed`] failed (a sink could not write...).
    #[error("{0}")]
    Observer(ObserverError),
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
    range: Option<Range<u64>>,
    chunk: u64,
    pricing: bool,
    resume: Option<StudyState>,
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
            range: None,
            chunk: DEFAULT_CHUNK,
            pricing: true,
            resume: None,
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

    /// Runs only trials `range` (default `0..trials`), e.g. one shard of a study split over
    /// machines: trial `i` is the same whatever range runs it, so the states of `a..b` and
    /// `b..c` merge ([`TrialsSummary::merge`](crate::montecarlo::TrialsSummary::merge)) into
    /// that of `a..c`. Set, it overrides [`trials`](Self::trials).
    pub fn range(mut self, range: Range<u64>) -> Self {
        self.range = Some(range);
        self
    }

    /// Trials per chunk (default [`DEFAULT_CHUNK`]; at least 1): a chunk's trials run in
    /// parallel, then are recorded in trial order, and the observer's
    /// [`chunk_done`](StudyObserver::chunk_done) sees the state after each. The results do not
    /// depend on it; the order of the outcomes (chunk, strategy, trial) does.
    pub fn chunk_size(mut self, n: u64) -> Self {
        self.chunk = n;
        self
    }

    /// Whether trials are priced when the scenario has `[cost]` or `[impact]` (default `true`).
    /// Off, outcomes carry no cost and `loss_micro_usd` stays empty.
    pub fn pricing(mut self, on: bool) -> Self {
        self.pricing = on;
        self
    }

    /// Continues from `state` (saved from an interrupted run of this same study): trials
    /// `state.next..end` are run, recorded on top of it. Refused, with what differs, unless the
    /// state has this study's seed, range and strategy names and each of its accumulators is
    /// one `next - start` trials could have produced (checked again when the study runs, in
    /// case a setting changes after this call). The summaries cover every trial of the range;
    /// kept outcomes ([`keep_outcomes`](Self::keep_outcomes)) only those run after the resume.
    pub fn resume(mut self, state: StudyState) -> Result<Self, StudyError> {
        state.check(self.seed, self.bounds(), &self.names())?;
        self.resume = Some(state);
        Ok(self)
    }

    /// The trials to run, `(start, end)`.
    pub fn bounds(&self) -> (u64, u64) {
        self.range.as_ref().map_or((0, self.trials), |r| (r.start, r.end))
    }

    /// The strategies' names, in the study's order.
    pub fn names(&self) -> Vec<&str> {
        self.entries.iter().map(|e| e.name.as_str()).collect()
    }

    /// The threads a run uses: [`threads`](Self::threads) if set, else rayon's global pool's.
    pub fn thread_count(&self) -> usize {
        self.threads.unwrap_or_else(rayon::current_num_threads)
    }

    /// Each strategy's prepared trial, in the study's order: a check, before any output is
    /// opened, that every strategy can run on the scenario (what [`run`](Self::run) does
    /// first), and the steady state and replication stability behind each strategy's figures.
    pub fn disaster_trials(&self) -> Result<Vec<DisasterTrial<'_>>, StudyError> {
        self.entries
            .iter()
            .map(|e| {
                DisasterTrial::new(&self.scenario.disaster, e.strategy.as_ref())
                    .map_err(|source| StudyError::Trial { name: e.name.clone(), source })
            })
            .collect()
    }

    /// Runs the study.
    pub fn run(&self) -> Result<StudyResult, StudyError> {
        self.run_with(|_, _| {})
    }

    /// Runs the study, handing each outcome to `on_outcome(strategy, outcome)` as its chunk
    /// finishes: in chunk order, then strategy order, then trial order. Cancelled through its
    /// [`StudyControl`], it returns [`StudyError::Cancelled`] (use
    /// [`run_observed`](Self::run_observed) to get the state of the whole chunks instead).
    pub fn run_with(&self, mut on_outcome: impl FnMut(&str, &TrialOutcome)) -> Result<StudyResult, StudyError> {
        let mut closure = observer::Closure(&mut on_outcome);
        match self.run_observed(&mut closure)? {
            StudyRun::Complete(result) => Ok(result),
            StudyRun::Stopped(_) => Err(StudyError::Cancelled { trials_done: self.control.trials_done() }),
        }
    }

    /// Runs the study, streaming to `observer` each outcome (with its cost) and the state after
    /// each whole chunk; the observer may ask to stop there. Stopped (by the observer, or by a
    /// [`StudyControl`] cancel, which drops the chunk under way), the run returns
    /// [`StudyRun::Stopped`] with the state of the last whole chunk, ready to save and to
    /// [`resume`](Self::resume); the outcomes of the dropped chunk never reach the observer.
    /// An observer's error ends the run as [`StudyError::Observer`].
    pub fn run_observed(&self, observer: &mut dyn StudyObserver) -> Result<StudyRun, StudyError> {
        drive::drive(self, observer)
    }
}
