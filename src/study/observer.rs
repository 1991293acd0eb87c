//! Watching a study as it runs: each outcome as its chunk is recorded (to stream rows to a
//! file), and the state after each whole chunk (to save a checkpoint, or to stop).

use super::result::StudyResult;
use super::state::StudyState;
use crate::trial::TrialOutcome;

/// An observer's error: any error, boxed (the caller may downcast it back to its own type).
pub type ObserverError = Box<dyn std::error::Error + Send + Sync>;

/// Whether the study goes on after a chunk.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Flow {
    /// Run the next chunk.
    Continue,
    /// Stop here: the run returns [`StudyRun::Stopped`] with this chunk's state (ignored after
    /// the last chunk: the run is complete).
    Stop,
}

/// Receives what a study records, in order: for each whole chunk, every outcome (chunk order,
/// then strategy, then trial), then [`chunk_done`](Self::chunk_done) with the state after it.
/// Both default to doing nothing.
pub trait StudyObserver {
    /// One trial's outcome for `strategy`, with its cost in USD when the study prices trials.
    fn outcome(&mut self, strategy: &str, outcome: &TrialOutcome, cost_usd: Option<f64>) -> Result<(), ObserverError> {
        let _ = (strategy, outcome, cost_usd);
        Ok(())
    }

    /// A chunk is recorded: `state` covers trials `state.start..state.next`.
    fn chunk_done(&mut self, state: &StudyState) -> Result<Flow, ObserverError> {
        let _ = state;
        Ok(Flow::Continue)
    }
}

/// How [`Study::run_observed`](super::Study::run_observed) ended.
#[allow(clippy::large_enum_variant)] // returned once per run: boxing would buy nothing
pub enum StudyRun {
    /// Every trial of the range ran.
    Complete(StudyResult),
    /// Stopped after a whole chunk (by the observer or a cancel): the state to save and resume.
    Stopped(StudyState),
}

/// [`Study::run_with`](super::Study::run_with)'s closure as an observer.
pub(super) struct Closure<'a, F: FnMut(&str, &TrialOutcome)>(pub(super) &'a mut F);

impl<F: FnMut(&str, &TrialOutcome)> StudyObserver for Closure<'_, F> {
    fn outcome(&mut self, strategy: &str, outcome: &TrialOutcome, _: Option<f64>) -> Result<(), ObserverError> {
        (self.0)(strategy, outcome);
        Ok(())
    }
}
