//! Bounds on the work of one trial and on the values whose results must stay representable.
//!
//! A scenario may describe work that cannot finish (a bandwidth that changes every nanosecond
//! for days) or results that cannot be represented (a write of 10^25 bytes): both are refused
//! when the trial is prepared ([`DisasterTrial::new`](crate::trial::DisasterTrial::new)), with
//! a message naming the key and the bound, rather than hang or saturate silently. The bounds
//! are documented in docs/scenario-format.md and docs/reliability.md.

use crate::engine::SimDuration;
use crate::model::{Arrivals, LinkSpec, ReplicationSpec};
use crate::recovery::Detection;
use crate::trial::DisasterScenario;

/// The most bandwidth-variability segments (`variability.period`) a trial may expect on the
/// replication link before its disaster (each is a draw and a rate change).
pub const MAX_VARIABILITY_SEGMENTS_PER_TRIAL: f64 = 1e7;

/// The most on/off periods (`arrivals.on` + `arrivals.off`) a trial may expect over
/// warm-up + window + horizon.
pub const MAX_ON_OFF_PERIODS_PER_TRIAL: f64 = 1e7;

/// The most backup or snapshot jobs a trial may expect (its history, warm-up and window).
pub const MAX_SNAPSHOT_JOBS_PER_TRIAL: f64 = 1e7;

/// The most bytes a trial may expect to write over warm-up + window + horizon, plus the data
/// set (2^62, about 4.6 × 10^18): byte counts are 64-bit integers.
pub const MAX_BYTES_PER_TRIAL: f64 = 4_611_686_018_427_387_904.0;

/// The largest mean write size (2^53 bytes, about 9 × 10^15): above it, sizes are not exact
/// integers in the arithmetic of the models.
pub const MAX_MEAN_WRITE_BYTES: f64 = 9_007_199_254_740_992.0;

/// The worst-case detection delay: `failures × interval` for health checks (`None` when it
/// does not fit the clock), the mean for a delay distribution.
pub fn detection_bound(d: &Detection) -> Option<SimDuration> {
    match d {
        Detection::HealthCheck { interval, failures } => {
            interval.as_nanos().checked_mul(u64::from(*failures)).map(SimDuration::from_nanos)
        }
        Detection::Delay { delay } => Some(SimDuration::from_secs_f64(delay.mean_secs().unwrap_or(0.0))),
    }
}

/// Checks the work and the values of a trial of `scenario` whose replication (`replication`,
/// over `link`) starts `history` before the trial (snapshot schedules): `Err` says which key
/// is out of bounds, by how much, and what is allowed.
pub fn check_trial(
    scenario: &DisasterScenario,
    replication: &ReplicationSpec,
    link: &LinkSpec,
    history: SimDuration,
) -> Result<(), String> {
    let d = &scenario.deployment;
    check_copy(scenario, &d.workload, d.dataset_bytes, "deployment.dataset_bytes", replication, link, history)
}

/// [`check_trial`] for a copy of a write log other than the database's (a data store's):
/// `w` and `dataset_bytes` are that store's.
pub fn check_copy(
    scenario: &DisasterScenario,
    w: &crate::model::WorkloadSpec,
    dataset_bytes: f64,
    dataset_key: &str,
    replication: &ReplicationSpec,
    link: &LinkSpec,
    history: SimDuration,
) -> Result<(), String> {
    let dis = &scenario.event;
    // The timeline must fit the clock: warm-up, window, detection and horizon.
    let timeline = dis
        .warm_up
        .checked_add(dis.window)
        .zip(detection_bound(&scenario.detection))
        .and_then(|(a, b)| a.checked_add(b))
        .and_then(|a| a.checked_add(scenario.horizon));
    if timeline.is_none() {
        return Err(format!(
            "disaster.warm_up ({}) + disaster.window ({}) + the longest detection ({}) + trials.horizon ({}) do not fit the clock (at most 2^64-1 ns, about 584 years): shorten them{}",
            dis.warm_up,
            dis.window,
            detection_bound(&scenario.detection)
                .map_or_else(|| "detection.failures × detection.interval overflows".to_string(), |d| d.to_string()),
            scenario.horizon,
            if matches!(scenario.detection, Detection::HealthCheck { .. }) {
                " or lower detection.failures × detection.interval"
            } else {
                ""
            }
        ));
    }
    let before = dis.warm_up.as_secs_f64() + dis.window.as_secs_f64() + history.as_secs_f64();
    let span = before + scenario.horizon.as_secs_f64();
    if let Some(v) = &link.variability {
        let period = v.period.mean_secs().unwrap_or(0.0);
        let segments = if period > 0.0 { before / period } else { f64::INFINITY };
        if segments > MAX_VARIABILITY_SEGMENTS_PER_TRIAL {
            return Err(format!(
                "[topology] link {}->{}: variability.period (mean {}) makes about {segments:.3e} bandwidth segments per trial over the warm-up and window (at most {MAX_VARIABILITY_SEGMENTS_PER_TRIAL:e}): lengthen the period or shorten the warm-up",
                link.from,
                link.to,
                SimDuration::from_secs_f64(period)
            ));
        }
    }
    if let Arrivals::OnOff { on, off, .. } = &w.arrivals {
        let cycle = on.mean_secs().unwrap_or(0.0) + off.mean_secs().unwrap_or(0.0);
        let periods = if cycle > 0.0 { 2.0 * span / cycle } else { f64::INFINITY };
        if periods > MAX_ON_OFF_PERIODS_PER_TRIAL {
            return Err(format!(
                "workload: arrivals.on + arrivals.off (mean {}) make about {periods:.3e} on/off periods per trial over warm_up + window + horizon (at most {MAX_ON_OFF_PERIODS_PER_TRIAL:e}): lengthen the periods or shorten the trial",
                SimDuration::from_secs_f64(cycle)
            ));
        }
    }
    if let ReplicationSpec::Snapshot(s) = replication {
        let interval = s.interval.as_secs_f64();
        let jobs = if interval > 0.0 { before / interval } else { f64::INFINITY };
        if jobs > MAX_SNAPSHOT_JOBS_PER_TRIAL {
            return Err(format!(
                "the backup schedule's interval ({}) makes about {jobs:.3e} backup jobs per trial (at most {MAX_SNAPSHOT_JOBS_PER_TRIAL:e}): lengthen the interval",
                s.interval
            ));
        }
    }
    let bytes = w.mean_bytes_per_s() * span + dataset_bytes;
    if bytes.is_nan() || bytes > MAX_BYTES_PER_TRIAL {
        return Err(format!(
            "workload.size_bytes (mean {:.3e}) at {} writes/s over warm_up + window + horizon, plus {dataset_key} ({:.3e}), make about {bytes:.3e} bytes per trial (at most 2^62 = {MAX_BYTES_PER_TRIAL:.3e}, byte counts being 64-bit): lower the sizes, the rate or the data set",
            w.mean_size_bytes(),
            w.mean_rate_per_s(),
            dataset_bytes
        ));
    }
    Ok(())
}
