//! The resumable state of a study: what its whole chunks measured, enough to finish it later
//! (another process, another day) and get, to the bit, the result of an uninterrupted run.
//!
//! The state holds exact accumulators only (integer sums and histograms), so a state saved as
//! JSON and read back continues exactly where it stopped.

use serde::{Deserialize, Serialize};

use crate::montecarlo::{Accumulator, PairedAccumulator, StateError, TrialsSummary};

/// Where a study stands: its seed, its trial range, the first trial not yet run, and every
/// strategy's exact state over trials `start..next`. Serialise it (serde) to save a checkpoint;
/// give it back to [`Study::resume`](super::Study::resume) to continue.
///
/// ```
/// use drsim::study::{Flow, Study, StudyObserver, StudyRun, StudyState};
///
/// /// Stops after the first chunk, as a checkpointing program stopped by Ctrl-C would.
/// struct StopAfterOne;
/// impl StudyObserver for StopAfterOne {
///     fn chunk_done(&mut self, _: &StudyState) -> Result<Flow, drsim::study::ObserverError> {
///         Ok(Flow::Stop)
///     }
/// }
///
/// let path = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/scenarios/compare.toml");
/// let study = || Study::from_path(path).map(|s| s.trials(300).seed(7).chunk_size(100));
/// let StudyRun::Stopped(state) = study()?.run_observed(&mut StopAfterOne)? else { unreachable!() };
/// assert_eq!(state.next, 100);
/// let saved = serde_json::to_string(&state)?;
/// // Later: the rest of the trials, from the saved state.
/// let state: StudyState = serde_json::from_str(&saved)?;
/// let resumed = study()?.resume(state)?.run()?;
/// let whole = study()?.run()?;
/// assert_eq!(resumed.strategies[1].state, whole.strategies[1].state);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StudyState {
    /// The seed of every random stream.
    pub seed: u64,
    /// The first trial of the study's range.
    pub start: u64,
    /// One past the last trial of the study's range.
    pub end: u64,
    /// The first trial not yet run: trials `start..next` are recorded.
    pub next: u64,
    /// Per strategy, in the study's order.
    pub strategies: Vec<StrategyState>,
}

/// One strategy's exact state in a [`StudyState`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StrategyState {
    /// Its label.
    pub name: String,
    /// Its trials' summary.
    pub summary: TrialsSummary,
    /// RTO differences against the first strategy, trial by trial (empty for the first).
    pub paired_rto: PairedAccumulator,
    /// RPO differences against the first strategy (empty for the first).
    pub paired_rpo: PairedAccumulator,
    /// Cost per trial in micro-dollars (empty when the study does not price trials).
    pub loss_micro_usd: Accumulator,
}

impl StrategyState {
    pub(super) fn new(name: &str) -> Self {
        StrategyState {
            name: name.to_string(),
            summary: TrialsSummary::default(),
            paired_rto: PairedAccumulator::default(),
            paired_rpo: PairedAccumulator::default(),
            loss_micro_usd: Accumulator::default(),
        }
    }
}

/// Why a [`StudyState`] cannot continue a study: it is of another study, or no run could
/// have produced it (edited, or corrupted). Each variant names what differs.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ResumeError {
    /// The seeds differ.
    #[error("seed: the state's is {state}, the study's {study}")]
    Seed {
        /// The state's seed.
        state: u64,
        /// The study's seed.
        study: u64,
    },
    /// The trial ranges differ.
    #[error("range: the state's is {}..{}, the study's {}..{}", state.0, state.1, study.0, study.1)]
    Range {
        /// The state's `(start, end)`.
        state: (u64, u64),
        /// The study's `(start, end)`.
        study: (u64, u64),
    },
    /// `next` is not within the range.
    #[error("next = {next} is outside the range {start}..={end}")]
    Next {
        /// The state's `next`.
        next: u64,
        /// The range's start.
        start: u64,
        /// The range's end.
        end: u64,
    },
    /// The strategies (names, in order) differ.
    #[error("strategies: the state's are {state:?}, the study's {study:?}")]
    Strategies {
        /// The state's strategy names.
        state: Vec<String>,
        /// The study's strategy names.
        study: Vec<String>,
    },
    /// An accumulator no run of `next - start` trials could have produced.
    #[error("strategies[{index}].{part}.{}: {}", source.field, source.message)]
    Invalid {
        /// The strategy's index.
        index: usize,
        /// `summary`, `paired_rto`, `paired_rpo` or `loss_micro_usd`.
        part: &'static str,
        /// Which field, and why.
        source: StateError,
    },
}

impl StudyState {
    /// A fresh state: nothing recorded yet.
    pub(super) fn fresh(seed: u64, (start, end): (u64, u64), names: &[&str]) -> Self {
        StudyState { seed, start, end, next: start, strategies: names.iter().map(|n| StrategyState::new(n)).collect() }
    }

    /// Checks that this state continues a study of `seed`, trials `start..end` and strategies
    /// `names`, and that each accumulator is one `next - start` trials could have produced.
    pub fn check(&self, seed: u64, (start, end): (u64, u64), names: &[&str]) -> Result<(), ResumeError> {
        if self.seed != seed {
            return Err(ResumeError::Seed { state: self.seed, study: seed });
        }
        if (self.start, self.end) != (start, end) {
            return Err(ResumeError::Range { state: (self.start, self.end), study: (start, end) });
        }
        if !(start..=end).contains(&self.next) {
            return Err(ResumeError::Next { next: self.next, start, end });
        }
        if self.strategies.iter().map(|s| s.name.as_str()).ne(names.iter().copied()) {
            return Err(ResumeError::Strategies {
                state: self.strategies.iter().map(|s| s.name.clone()).collect(),
                study: names.iter().map(|n| n.to_string()).collect(),
            });
        }
        let done = self.next - start;
        for (index, s) in self.strategies.iter().enumerate() {
            let bad = |part: &'static str| move |source: StateError| ResumeError::Invalid { index, part, source };
            s.summary.validate(done).map_err(bad("summary"))?;
            s.paired_rto.validate("rto", done).map_err(bad("paired_rto"))?;
            s.paired_rpo.validate("rpo", done).map_err(bad("paired_rpo"))?;
            s.loss_micro_usd.validate("loss", done).map_err(bad("loss_micro_usd"))?;
        }
        Ok(())
    }
}
