//! Horizon runs: years of operation with every failure process active; availability,
//! incidents, downtime and data lost per year.
//!
//! Every failure process starts in its stationary state and runs over the whole horizon. Each
//! outage of the primary is an incident, and each incident knows what else failed: the
//! strategy recovers from it exactly as in a disaster trial (detection, runbook), onto the
//! standby only while the standby is up (a region failure that takes both down gives no
//! failover), with the replication link's outages before it acting on replication. The
//! service is down until the earlier of the strategy's recovery and the primary's return;
//! after a failover, also while the standby serving it is down and while failback freezes
//! writes. Data is lost when the strategy failed over (the copy's loss at the outage, link
//! outages included), or when the primary's data does not survive.
//!
//! Replication is not simulated write by write across years: each incident's replication
//! state is built from the warm-up before it. For stationary replication this has the same
//! distribution as the long run's state at that instant (the backlog forgets its past within
//! the warm-up), and it keeps a ten-year run at a few dozen incidents' cost.

use serde::{Deserialize, Serialize};

use crate::engine::{SimDuration, SimTime, TrialStreams};
use crate::model::FailureProcess;
use crate::montecarlo::Accumulator;
use crate::trial::{DisasterTrial, TrialError};

/// The most failures one process may cause in a horizon run.
pub const MAX_FAILURES_PER_PROCESS: f64 = 1e7;

/// The horizon of a scenario: how long, and which failure processes run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HorizonSpec {
    /// Length of each horizon run, e.g. `"3650d"` for ten years.
    pub length: SimDuration,
    /// Failure processes active throughout (sites, zones, regions, links).
    #[serde(default)]
    pub failures: Vec<FailureProcess>,
    /// Logical disasters (corruption, ransomware, deletion) striking throughout, each a
    /// renewal process; each occurrence runs as a logical disaster trial does
    /// ([`crate::corruption`]).
    #[serde(default)]
    pub logical: Vec<crate::corruption::LogicalProcess>,
}

/// The record of one horizon run.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct HorizonOutcome {
    /// Outages of the primary.
    pub incidents: u64,
    /// Incidents in which the strategy restored service before the primary came back.
    pub failovers: u64,
    /// Total time the service was below its level.
    pub downtime: SimDuration,
    /// Writes lost over the run.
    pub writes_lost: u64,
    /// Bytes lost over the run.
    pub bytes_lost: u64,
    /// Time writes were blocked over the run (synchronous `block` replication with its link
    /// down while the primary was up).
    pub write_blocked: SimDuration,
    /// Occurrences of logical disasters (not counted in `incidents`).
    pub logical_incidents: u64,
    /// Of those, the ones that left a damaged store without a clean recovery point: their
    /// loss (a whole store) and outage are not in `bytes_lost` and `downtime`.
    pub no_clean_copy: u64,
}

/// Runs horizon trial `index` of the run seeded with `seed`.
///
/// Failure process `k` draws from stream `FAILURES.sub(k)` of (seed, index); incident `j`'s
/// recovery draws from its own streams, derived from (seed, index, j).
pub fn run_horizon(
    trial: &DisasterTrial<'_>,
    spec: &HorizonSpec,
    seed: u64,
    index: u64,
) -> Result<HorizonOutcome, TrialError> {
    let sc = trial.scenario();
    let topo = &sc.deployment.topology;
    let targets = spec.failures.iter().enumerate().map(|(i, p)| p.resolve(topo, i)).collect::<Result<Vec<_>, _>>()?;
    // Refuse runs that would never finish rather than hang.
    for (i, p) in spec.failures.iter().enumerate() {
        let cycle = p.time_between_failures.mean_secs().unwrap_or(f64::INFINITY)
            + p.time_to_repair.mean_secs().unwrap_or(f64::INFINITY);
        let failures = spec.length.as_secs_f64() / cycle;
        if failures > MAX_FAILURES_PER_PROCESS {
            return Err(TrialError::Scenario(format!(
                "horizon.failures[{i}]: about {failures:.3e} failures per run (at most {MAX_FAILURES_PER_PROCESS:e}): lengthen time_between_failures or shorten horizon.length"
            )));
        }
    }
    for (i, p) in spec.logical.iter().enumerate() {
        p.validate().map_err(|m| TrialError::Scenario(format!("horizon.logical[{i}]: {m}")))?;
        let occurrences = spec.length.as_secs_f64() / p.time_between.mean_secs().unwrap_or(f64::INFINITY);
        if occurrences > MAX_FAILURES_PER_PROCESS {
            return Err(TrialError::Scenario(format!(
                "horizon.logical[{i}]: about {occurrences:.3e} occurrences per run (at most {MAX_FAILURES_PER_PROCESS:e}): lengthen time_between or shorten horizon.length"
            )));
        }
    }
    // Each outage of the primary replays the warm-up before it: incidents × that work must be
    // affordable too (a primary failing every minute for years, each with an hour of writes).
    let d = &sc.deployment;
    if let Some(primary) = topo.site(&d.primary) {
        let mut incidents = 0.0;
        for (p, &t) in spec.failures.iter().zip(&targets) {
            let mut outages = crate::model::Outages::new(topo);
            outages.apply(t, true, &mut vec![]);
            if !outages.site_up(primary) {
                let cycle = p.time_between_failures.mean_secs().unwrap_or(f64::INFINITY)
                    + p.time_to_repair.mean_secs().unwrap_or(f64::INFINITY);
                incidents += spec.length.as_secs_f64() / cycle;
            }
        }
        let warm_up = sc.event.warm_up.as_secs_f64();
        let segments = topo
            .link(&d.primary, &d.standby)
            .and_then(|l| topo.link_spec(l).variability.as_ref())
            .and_then(|v| v.period.mean_secs())
            .map_or(0.0, |p| if p > 0.0 { warm_up / p } else { f64::INFINITY });
        let work = incidents * (d.workload.mean_rate_per_s() * warm_up + segments);
        if work > crate::trial::MAX_WRITES_PER_TRIAL {
            return Err(TrialError::Scenario(format!(
                "horizon: about {incidents:.3e} outages of the primary per run, each replaying disaster.warm_up ({}) of writes and bandwidth segments, make about {work:.3e} simulated writes and segments per run (at most {:e}): shorten the warm-up or horizon.length, or lengthen the primary's time_between_failures",
                sc.event.warm_up,
                crate::trial::MAX_WRITES_PER_TRIAL
            )));
        }
    }
    let streams = TrialStreams::new(seed, index);
    let end = SimTime::ZERO + spec.length;
    // What every process did over the run, from its stationary state; the primary's own
    // outages are the incidents.
    let histories = trial.horizon_history(&spec.failures, &targets, streams, end);
    let faults = &histories[0];
    let mut out = HorizonOutcome::default();
    let blocking = matches!(
        trial.steady_state().replication,
        crate::model::ReplicationSpec::Synchronous { on_link_down: crate::model::LinkDownPolicy::Block }
    );
    if blocking {
        // Writes stall while the link is down and the primary up.
        for &(a, b) in faults.link.intervals() {
            out.write_blocked += (b - a).saturating_sub(faults.primary.within(a, b));
        }
    }
    // An outage of the primary while an earlier incident still has the service at the
    // standby (before its failback completed) is part of that incident: its run already made
    // failback wait for the primary. It counts as an incident, not as new downtime or loss.
    let mut busy_until = SimTime::ZERO;
    for (j, &(t_f, back)) in faults.primary.intervals().iter().enumerate() {
        let j = j as u64;
        out.incidents += 1;
        if t_f < busy_until {
            continue;
        }
        let outage = back - t_f;
        // Incident j's own streams: a distinct seed per (seed, j), the same trial index.
        let incident_seed = seed ^ (j.wrapping_add(1)).wrapping_mul(0x9E37_79B9_7F4A_7C15).rotate_left(17);
        let o = trial.run_incident(
            index,
            TrialStreams::new(incident_seed, index),
            t_f.saturating_sub(sc.event.warm_up),
            t_f,
            outage,
            &histories,
        )?;
        let failed_over = o.rto.is_some_and(|r| r < outage);
        let down = if failed_over {
            o.rto.unwrap_or(outage) + o.serving_outage + o.write_freeze.unwrap_or(SimDuration::ZERO)
        } else {
            outage
        };
        // Nothing counts beyond the end of the run.
        out.downtime += down.min(end - t_f);
        busy_until = if failed_over { o.failback_done_at.unwrap_or(t_f + sc.horizon) } else { back };
        out.failovers += u64::from(failed_over);
        if failed_over || !sc.event.primary_data_survives {
            out.writes_lost = out.writes_lost.saturating_add(o.writes_lost);
            out.bytes_lost = out.bytes_lost.saturating_add(o.bytes_lost).saturating_add(o.failback_bytes_lost);
        }
    }
    logical_incidents(trial, spec, seed, index, end, &faults.primary, &mut out)?;
    Ok(out)
}

/// The logical disasters of a horizon run: each process's occurrences (from its stationary
/// state, stream `CORRUPTION.sub(k)`), each run as a logical disaster trial with streams of its
/// own, its restore at the primary delayed by the primary's outages of this run. The service
/// is down from detection until clean data is back (`rto − detection_delay`,
/// within the run); the writes and bytes lost count; an occurrence with no clean point counts
/// in `no_clean_copy` only.
fn logical_incidents(
    trial: &DisasterTrial<'_>,
    spec: &HorizonSpec,
    seed: u64,
    index: u64,
    end: SimTime,
    primary: &crate::faults::Downtime,
    out: &mut HorizonOutcome,
) -> Result<(), TrialError> {
    use crate::trial::streams::CORRUPTION;
    for (k, p) in spec.logical.iter().enumerate() {
        let Some((kind, data)) = p.data() else { continue };
        let mut rng = TrialStreams::new(seed, index).rng(CORRUPTION.sub(k as u64));
        let Some(first) = p.time_between.sample_residual(&mut rng) else { continue };
        let mut t = SimTime::ZERO.saturating_add(first);
        let mut j = 0u64;
        while t < end {
            let incident_seed = seed
                ^ (k as u64 + 1).wrapping_mul(0xD1B5_4A32_D192_ED03).rotate_left(29)
                ^ (j + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15);
            let o = trial.run_logical(kind, data, index, TrialStreams::new(incident_seed, index), t, Some(primary))?;
            out.logical_incidents += 1;
            if o.flags.no_clean_copy {
                out.no_clean_copy += 1;
            } else {
                out.writes_lost = out.writes_lost.saturating_add(o.writes_lost);
                out.bytes_lost = out.bytes_lost.saturating_add(o.bytes_lost);
                if let Some(rto) = o.rto {
                    let (detected, back) =
                        (t.saturating_add(o.detection_delay).min(end), t.saturating_add(rto).min(end));
                    // The primary's own outages in this span are downtime already (its
                    // incidents): count the rest, not them twice.
                    out.downtime += back.saturating_since(detected).saturating_sub(primary.within(detected, back));
                }
            }
            // The next occurrence: a fresh draw (at least a nanosecond: time moves on).
            t = t.saturating_add(p.time_between.sample(&mut rng).max(SimDuration::from_nanos(1)));
            j += 1;
        }
    }
    Ok(())
}

/// Mergeable summary of horizon runs.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct HorizonSummary {
    /// Length of each run.
    pub length: SimDuration,
    /// Downtime per run, in ns.
    pub downtime: Accumulator,
    /// Incidents per run.
    pub incidents: Accumulator,
    /// Failovers per run.
    pub failovers: Accumulator,
    /// Writes lost per run.
    pub writes_lost: Accumulator,
    /// Bytes lost per run.
    pub bytes_lost: Accumulator,
    /// Write-blocked time per run, in ns.
    #[serde(default)]
    pub write_blocked: Accumulator,
    /// Logical disasters per run.
    #[serde(default)]
    pub logical_incidents: Accumulator,
    /// Logical disasters per run that left no clean recovery point.
    #[serde(default)]
    pub no_clean_copy: Accumulator,
}

impl HorizonSummary {
    /// An empty summary of runs of `length`.
    pub fn new(length: SimDuration) -> Self {
        HorizonSummary { length, ..HorizonSummary::default() }
    }
    /// Adds a run.
    pub fn record(&mut self, o: &HorizonOutcome) {
        self.downtime.record(o.downtime.as_nanos());
        self.incidents.record(o.incidents);
        self.failovers.record(o.failovers);
        self.writes_lost.record(o.writes_lost);
        self.bytes_lost.record(o.bytes_lost);
        self.write_blocked.record(o.write_blocked.as_nanos());
        self.logical_incidents.record(o.logical_incidents);
        self.no_clean_copy.record(o.no_clean_copy);
    }
    /// Adds another summary of runs of the same length.
    pub fn merge(&mut self, o: &HorizonSummary) {
        self.downtime.merge(&o.downtime);
        self.incidents.merge(&o.incidents);
        self.failovers.merge(&o.failovers);
        self.writes_lost.merge(&o.writes_lost);
        self.bytes_lost.merge(&o.bytes_lost);
        self.write_blocked.merge(&o.write_blocked);
        self.logical_incidents.merge(&o.logical_incidents);
        self.no_clean_copy.merge(&o.no_clean_copy);
    }
    /// Mean availability and the half-width of its 95 % interval.
    pub fn availability(&self) -> Option<(f64, f64)> {
        let s = self.downtime.summary(1.0)?;
        let len = self.length.as_nanos() as f64;
        (len > 0.0).then(|| (1.0 - s.mean / len, s.ci95 / len))
    }
    /// Availability in nines, −log10(1 − A); `None` when no downtime was observed (the
    /// number would be infinite).
    pub fn nines(&self) -> Option<f64> {
        let (a, _) = self.availability()?;
        (a < 1.0).then(|| -(1.0 - a).log10())
    }
    /// Years in one run (365.25 days).
    pub fn years(&self) -> f64 {
        self.length.as_secs_f64() / (365.25 * 86_400.0)
    }
}

/// Runs horizon trials `range` on the current rayon pool and summarises them (independent of
/// the thread count: integer, order-free accumulators).
pub fn run_horizons(
    trial: &DisasterTrial<'_>,
    spec: &HorizonSpec,
    seed: u64,
    range: std::ops::Range<u64>,
) -> Result<HorizonSummary, TrialError> {
    crate::montecarlo::reduce_per_thread(
        range,
        || HorizonSummary::new(spec.length),
        |i| run_horizon(trial, spec, seed, i),
        |acc, o| acc.record(o),
        HorizonSummary::merge,
    )
}
