//! What a study measured: per strategy, its exact state, its summary in seconds and (when
//! kept) its trials' outcomes.

use serde::Serialize;

use super::state::{StrategyState, StudyState};
use crate::montecarlo::{Attainment, PairedAccumulator, PairedDifference, TrialsSummary};
use crate::stats::{Proportion, Summary};
use crate::trial::{OutcomeRow, TrialOutcome};

/// What a study measured.
pub struct StudyResult {
    /// The seed.
    pub seed: u64,
    /// Trials per strategy: the length of the study's range.
    pub trials: u64,
    /// Per strategy, in the study's order.
    pub strategies: Vec<StrategyResult>,
    pub(super) range: (u64, u64),
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
    pub(super) outcomes: Vec<TrialOutcome>,
    pub(super) costs: Vec<Option<f64>>,
}

impl StrategyResult {
    /// Its trials' outcomes, in trial order (empty unless kept; of a resumed study, the trials
    /// run after it resumed).
    pub fn outcomes(&self) -> &[TrialOutcome] {
        &self.outcomes
    }

    /// Its summary in seconds.
    pub fn summary(&self) -> StrategySummary {
        let s = &self.state;
        let q = |p: f64| s.rto_quantile_all(p).map(|ns| ns as f64 / 1e9);
        let prop = Attainment::proportion;
        let paired = PairedAccumulator::difference_secs;
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
    /// The trials run, `start..end` (the study's range; `0..trials` unless set).
    pub fn range(&self) -> std::ops::Range<u64> {
        self.range.0..self.range.1
    }

    /// The finished study's state (`next == end`): what a checkpoint of the complete run holds,
    /// and what [`TrialsSummary::merge`] combines with the states of other ranges.
    pub fn state(&self) -> StudyState {
        StudyState {
            seed: self.seed,
            start: self.range.0,
            end: self.range.1,
            next: self.range.1,
            strategies: self
                .strategies
                .iter()
                .map(|s| StrategyState {
                    name: s.name.clone(),
                    summary: s.state.clone(),
                    paired_rto: s.paired_rto,
                    paired_rpo: s.paired_rpo,
                    loss_micro_usd: s.loss_micro_usd.clone(),
                })
                .collect(),
        }
    }

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
