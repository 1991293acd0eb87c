//! Summaries as the `drsim` command reports them: per strategy, in the unit each key names
//! (`rto_s` in seconds, `bytes_lost` in bytes), computed from the exact mergeable state.
//!
//! These are the `strategies[i].summary` entries of `drsim run --json` and the entries of
//! `drsim horizon --json` (schema: `docs/report-format.md`). The CLI, the Python bindings and
//! your own code all compute them here, so the same state gives the same numbers, to the bit.
//!
//! ```
//! use drsim::report::StrategySummary;
//! use drsim::study::Study;
//!
//! let path = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/scenarios/compare.toml");
//! let result = Study::from_path(path)?.trials(100).seed(7).run()?;
//! let s = StrategySummary::of(&result.strategies[0].state);
//! assert_eq!(s.trials, 100);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use serde::{Deserialize, Serialize};

use crate::horizon::HorizonSummary;
use crate::montecarlo::{Accumulator, Attainment, TrialsSummary};
use crate::stats::Summary;

/// A metric's summary, in the unit its key names: the library's [`Summary`] (the same fields,
/// in the same order, in the JSON).
pub type Metric = Summary;

fn metric(a: &Accumulator, scale: f64) -> Option<Metric> {
    a.summary(scale)
}

/// A proportion with its Wilson interval.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Prop {
    /// Trials meeting the objective.
    pub met: u64,
    /// Trials judged.
    pub judged: u64,
    /// met / judged.
    pub estimate: f64,
    /// Lower end of the 95 % Wilson interval.
    pub low: f64,
    /// Upper end.
    pub high: f64,
}

fn prop(a: &Attainment) -> Option<Prop> {
    let p = a.proportion()?;
    Some(Prop { met: a.met, judged: a.judged, estimate: p.estimate, low: p.low, high: p.high })
}

/// Flag counts.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Flags {
    /// Trials whose recovery failed.
    pub recovery_failed: u64,
    /// Trials whose recovery a fault interrupted.
    pub recovery_interrupted: u64,
    /// Trials that outlasted the horizon.
    pub outlasted_horizon: u64,
    /// Trials with unstable replication.
    pub unstable_replication: u64,
    /// Trials whose failback could never catch up (writes outpace the reverse link).
    #[serde(default)]
    pub failback_cannot_catch_up: u64,
    /// Trials whose recovery waited for a fault's repair (the DR site down at detection, or
    /// failing mid-recovery).
    #[serde(default)]
    pub recovery_delayed: u64,
    /// Trials whose disaster destroyed every copy of the data (RTO and RPO censored).
    #[serde(default)]
    pub no_surviving_copy: u64,
    /// Trials whose service came back only with the primary's repair (no other copy survived).
    #[serde(default)]
    pub waited_for_primary: u64,
    /// Trials of a logical disaster that left a damaged store without a clean recovery point
    /// (RPO censored).
    #[serde(default)]
    pub no_clean_copy: u64,
}

/// Quantiles over *all* trials, censored ones (never recovered within the horizon) counting
/// as +∞: `null` where the quantile falls among them.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct AllTrials {
    /// Median.
    pub p50: Option<f64>,
    /// 90th percentile.
    pub p90: Option<f64>,
    /// 95th percentile.
    pub p95: Option<f64>,
    /// 99th percentile.
    pub p99: Option<f64>,
    /// 99.9th percentile.
    pub p999: Option<f64>,
}

impl AllTrials {
    /// The quantiles from `q(p)`, in ns over all trials (`None` among the censored), in seconds.
    fn of(q: impl Fn(f64) -> Option<u64>) -> Self {
        let s = |p: f64| q(p).map(|ns| ns as f64 / 1e9);
        AllTrials { p50: s(0.5), p90: s(0.9), p95: s(0.95), p99: s(0.99), p999: s(0.999) }
    }
}

/// The human-readable summary of one strategy.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StrategySummary {
    /// Trials run.
    pub trials: u64,
    /// Trials whose service came back within the horizon.
    #[serde(default)]
    pub recovered: u64,
    /// Trials censored (never recovered within the horizon, or recovery failed): never
    /// dropped, they count as +∞ in `rto_all_trials_s`.
    #[serde(default)]
    pub censored: u64,
    /// RTO of recovered trials, in seconds (its mean is over the recovered trials only).
    pub rto_s: Option<Metric>,
    /// RTO quantiles over all trials, in seconds (`null`: beyond the horizon).
    #[serde(default)]
    pub rto_all_trials_s: AllTrials,
    /// RTO less the detection delay of the recovered trials, in seconds: the outage after
    /// detection (for a logical disaster, discovery to clean data in service).
    #[serde(default)]
    pub rto_after_detection_s: Option<Metric>,
    /// Trials with a surviving copy (the others have no RPO: censored).
    #[serde(default)]
    pub with_copy: u64,
    /// RPO of the trials with a surviving copy, in seconds (its mean is over those only).
    pub rpo_s: Option<Metric>,
    /// RPO quantiles over all trials, in seconds (`null`: among the trials without a copy).
    #[serde(default)]
    pub rpo_all_trials_s: AllTrials,
    /// Writes lost per trial (trials with a surviving copy).
    pub writes_lost: Option<Metric>,
    /// Bytes lost per trial (trials with a surviving copy).
    pub bytes_lost: Option<Metric>,
    /// Detection delay, in seconds.
    pub detection_s: Option<Metric>,
    /// Time to first partial service, in seconds.
    pub first_partial_service_s: Option<Metric>,
    /// Failback duration, in seconds.
    pub failback_s: Option<Metric>,
    /// Write freeze during failback, in seconds.
    pub write_freeze_s: Option<Metric>,
    /// Time writes were blocked before the disaster (synchronous `block`), in seconds.
    #[serde(default)]
    pub write_blocked_s: Option<Metric>,
    /// Bytes lost during failback per trial.
    #[serde(default)]
    pub failback_bytes_lost: Option<Metric>,
    /// P(RTO ≤ objective); unrecovered trials miss it.
    pub p_rto_met: Option<Prop>,
    /// P(RPO ≤ objective).
    pub p_rpo_met: Option<Prop>,
    /// Flags.
    pub flags: Flags,
    /// With `[[stores]]`: each store's own RPO and loss, by name (the database as
    /// `database`); the summary's `rpo_s` is the service's, the largest over the stores.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub by_store: std::collections::BTreeMap<String, StoreReport>,
}

/// One data store's figures in a [`StrategySummary`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StoreReport {
    /// Trials summarised.
    pub trials: u64,
    /// Trials with a copy of it (or that waited for the primary's): they have an RPO.
    pub with_copy: u64,
    /// Trials that left no copy of it: its RPO censored.
    pub no_copy: u64,
    /// Its RPO over the trials with a copy, in seconds.
    pub rpo_s: Option<Metric>,
    /// Its RPO quantiles over all trials, in seconds (`null`: among those without a copy).
    pub rpo_all_trials_s: AllTrials,
    /// Its bytes lost per trial (trials with a copy).
    pub bytes_lost: Option<Metric>,
}

impl StoreReport {
    /// Summarises the mergeable state.
    pub fn of(s: &crate::montecarlo::StoreSummary) -> Self {
        StoreReport {
            trials: s.trials,
            with_copy: s.rpo.count(),
            no_copy: s.no_copy,
            rpo_s: metric(&s.rpo, 1e-9),
            rpo_all_trials_s: AllTrials::of(|p| s.rpo_quantile_all(p)),
            bytes_lost: metric(&s.bytes_lost, 1.0),
        }
    }
}

impl StrategySummary {
    /// Summarises the mergeable state.
    pub fn of(s: &TrialsSummary) -> Self {
        const S: f64 = 1e-9;
        StrategySummary {
            trials: s.trials,
            recovered: s.recovered(),
            censored: s.censored(),
            rto_s: metric(&s.rto, S),
            rto_all_trials_s: AllTrials::of(|p| s.rto_quantile_all(p)),
            rto_after_detection_s: metric(&s.after_detection, S),
            with_copy: s.with_copy(),
            rpo_s: metric(&s.rpo, S),
            rpo_all_trials_s: AllTrials::of(|p| s.rpo_quantile_all(p)),
            writes_lost: metric(&s.writes_lost, 1.0),
            bytes_lost: metric(&s.bytes_lost, 1.0),
            detection_s: metric(&s.detection, S),
            first_partial_service_s: metric(&s.first_partial, S),
            failback_s: metric(&s.failback, S),
            write_freeze_s: metric(&s.write_freeze, S),
            write_blocked_s: metric(&s.write_blocked, S),
            failback_bytes_lost: metric(&s.failback_bytes_lost, 1.0),
            p_rto_met: prop(&s.rto_met),
            p_rpo_met: prop(&s.rpo_met),
            flags: Flags {
                recovery_failed: s.recovery_failed,
                recovery_interrupted: s.recovery_interrupted,
                outlasted_horizon: s.outlasted_horizon,
                unstable_replication: s.unstable_replication,
                failback_cannot_catch_up: s.failback_cannot_catch_up,
                recovery_delayed: s.recovery_delayed,
                no_surviving_copy: s.no_surviving_copy,
                waited_for_primary: s.waited_for_primary,
                no_clean_copy: s.no_clean_copy,
            },
            by_store: s.by_store.iter().map(|(name, st)| (name.clone(), StoreReport::of(st))).collect(),
        }
    }

    /// The summary of each disaster of a mix, by label (empty without a mix): the
    /// `strategies[i].by_disaster` of `drsim run --json`.
    pub fn by_disaster(s: &TrialsSummary) -> std::collections::BTreeMap<String, StrategySummary> {
        s.by_disaster.iter().map(|(label, d)| (label.clone(), StrategySummary::of(d))).collect()
    }
}

/// One strategy's entry in `drsim horizon --json`: figures per year of operation, and the
/// exact mergeable state behind them.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct HorizonEntry {
    /// Its label.
    pub name: String,
    /// Its kind.
    pub kind: String,
    /// Horizon runs.
    pub runs: u64,
    /// Years of operation per run.
    pub years_per_run: f64,
    /// Fraction of the time the service was up.
    pub availability: Option<f64>,
    /// Half-width of the availability's 95 % interval.
    pub availability_ci95: Option<f64>,
    /// −log10(1 − availability) (`None`: never down).
    pub nines: Option<f64>,
    /// Incidents per year.
    pub incidents_per_year: Option<f64>,
    /// Failovers per year.
    pub failovers_per_year: Option<f64>,
    /// Downtime per year, in seconds.
    pub downtime_s_per_year: Option<f64>,
    /// Half-width of its 95 % interval.
    pub downtime_s_per_year_ci95: Option<f64>,
    /// Writes lost per year.
    pub writes_lost_per_year: Option<f64>,
    /// Bytes lost per year.
    pub bytes_lost_per_year: Option<f64>,
    /// Seconds per year writes were blocked (synchronous `block`, link down).
    pub write_blocked_s_per_year: Option<f64>,
    /// Logical disasters (`[[horizon.logical]]`) per year.
    #[serde(default)]
    pub logical_incidents_per_year: Option<f64>,
    /// Of those, the ones per year that left no clean recovery point.
    #[serde(default)]
    pub no_clean_copy_per_year: Option<f64>,
    /// The exact mergeable state.
    pub state: HorizonSummary,
}

impl HorizonEntry {
    /// The figures of `runs` horizon runs of strategy `name` (of kind `kind`).
    pub fn of(name: impl Into<String>, kind: impl Into<String>, runs: u64, s: HorizonSummary) -> Self {
        let years = s.years();
        let per_year = |a: &Accumulator, scale: f64| a.summary(scale).map(|m| m.mean / years);
        let down = s.downtime.summary(1e-9);
        HorizonEntry {
            name: name.into(),
            kind: kind.into(),
            runs,
            years_per_run: years,
            availability: s.availability().map(|a| a.0),
            availability_ci95: s.availability().map(|a| a.1),
            nines: s.nines(),
            incidents_per_year: per_year(&s.incidents, 1.0),
            failovers_per_year: per_year(&s.failovers, 1.0),
            downtime_s_per_year: down.map(|d| d.mean / years),
            downtime_s_per_year_ci95: down.map(|d| d.ci95 / years),
            writes_lost_per_year: per_year(&s.writes_lost, 1.0),
            bytes_lost_per_year: per_year(&s.bytes_lost, 1.0),
            write_blocked_s_per_year: per_year(&s.write_blocked, 1e-9),
            logical_incidents_per_year: per_year(&s.logical_incidents, 1.0),
            no_clean_copy_per_year: per_year(&s.no_clean_copy, 1.0),
            state: s,
        }
    }
}
