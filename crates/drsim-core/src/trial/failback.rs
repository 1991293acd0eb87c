//! Failback: once the primary is back and the service restored, the strategy's failback
//! runbook moves service home, waiting for what it needs and restarting after faults; the
//! serving site failing before the primary caught up loses the backlog.

use super::*;
use crate::engine::SimRng;
use crate::recovery::SurvivingCopy;
use crate::trial::streams::FAILBACK_WORKLOAD;

/// What failback did.
pub(super) struct FailbackRun {
    /// Its duration, from its first start (`None`: not done within the horizon).
    pub(super) failback: Option<SimDuration>,
    /// Writes frozen during it.
    pub(super) write_freeze: Option<SimDuration>,
    /// Bytes lost when the serving site failed before the primary caught up.
    pub(super) bytes_lost: u64,
    /// Their RPO.
    pub(super) rpo: SimDuration,
    /// Until when the failover site served.
    pub(super) serving_until: SimTime,
}

impl DisasterTrial<'_> {
    /// Failback after the service was restored at `copy`'s site at `restored`, the primary
    /// back after `repair` (and any fault of its own); faults of the primary, the serving site
    /// and the way back as `faults` says.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn run_failback(
        &self,
        dis: &PreparedDisaster,
        copy: &CopyPlan,
        copies: &[SurvivingCopy<'_>],
        faults: &FaultHistory,
        streams: TrialStreams,
        t_d: SimTime,
        repair: SimDuration,
        restored: SimTime,
        first_served: Option<SimTime>,
        service: &mut ServiceState,
        strategy_rng: &mut SimRng,
        flags: &mut TrialFlags,
    ) -> Result<FailbackRun, TrialError> {
        let sc = self.scenario;
        let d = &sc.deployment;
        let end = t_d + sc.horizon;
        let standby = copy.site;
        let (mut failback, mut write_freeze) = (None, None);
        let (mut failback_bytes_lost, mut failback_rpo) = (0u64, SimDuration::ZERO);
        let mut serving_until = end;
        let back = faults.primary.up_from(t_d + repair);
        // Writes went to the standby from the moment it served any demand.
        let writes_from = first_served.unwrap_or(restored).min(restored);
        let mut fb_at = back.max(restored);
        let mut workload_rng = streams.rng(FAILBACK_WORKLOAD);
        let mut written = 0.0;
        let mut written_to = writes_from;
        // Failback is measured from its first start, across restarts.
        let mut first_start: Option<(SimTime, SimDuration)> = None;
        // Once the serving standby failed before the primary caught up (the primary's data
        // having survived), the primary takes over with what it has: nothing is left to
        // resync, and failback no longer needs the standby or the way back.
        let mut takeover = false;
        loop {
            // Everything failback needs must be up at once.
            let mut t = fb_at;
            loop {
                let u = if takeover {
                    faults.primary.up_from(t)
                } else {
                    faults.reverse.up_from(faults.standby.up_from(faults.primary.up_from(t)))
                };
                if u == t {
                    break;
                }
                t = u;
            }
            fb_at = t;
            if fb_at >= end {
                flags.outlasted_horizon = true;
                break;
            }
            if !takeover {
                written += d.workload.sample_bytes_written(fb_at - written_to, &mut workload_rng);
                written_to = fb_at;
            }
            let ctx = FailbackContext {
                deployment: d,
                steady: &self.steady,
                disaster_at: t_d,
                restored_at: restored,
                serving: &copy.name,
                copies,
                primary_back_at: back,
                bytes_to_resync: if takeover {
                    0.0
                } else {
                    written + if dis.primary_data_survives { 0.0 } else { d.dataset_bytes }
                },
                write_bytes_per_s: d.workload.mean_bytes_per_s(),
                reverse_throughput_bytes_per_s: copy.reverse.mean_throughput_bytes_per_s(),
                latency: SimDuration::from_secs_f64(copy.reverse.mean_rtt_secs() / 2.0),
            };
            let runbook = match self.strategy.failback(&ctx) {
                Ok(r) => crate::recovery::tiers::split_launches(r, &d.tiers),
                // An unstable reverse link is a finding about the scenario, not a failure
                // of the run: record it and leave the service at the standby.
                Err(StrategyError::CannotCatchUp { .. }) => {
                    flags.failback_cannot_catch_up = true;
                    break;
                }
                Err(e) => return Err(e.into()),
            };
            // The primary restarts empty of traffic, with its steady capacity, its data stale.
            for &s in &dis.hit {
                service.set_up(s, true);
                service.set_capacity(s, self.capacity[s]);
                service.set_data_ready(s, false);
            }
            let (fb_first, frozen_before) = *first_start.get_or_insert((fb_at, service.frozen_total(fb_at)));
            // A fault of the primary or of the way back (its own, not the standby's) stops
            // failback; it restarts after the repair.
            let mut stop = faults.primary.next_failure_after(fb_at).unwrap_or(end).min(end);
            if !takeover {
                let mut r = fb_at;
                while let Some(x) = faults.reverse.next_failure_after(r) {
                    if x >= stop {
                        break;
                    }
                    if !faults.standby.is_down(x) {
                        stop = x;
                        break;
                    }
                    r = x;
                }
            }
            // The serving standby failing before the primary has caught up.
            let caught_up_at = ctx.catch_up_secs().map(|s| fb_at + SimDuration::from_secs_f64(s));
            let standby_fails = (!takeover)
                .then(|| faults.standby.next_failure_after(fb_at))
                .flatten()
                .filter(|&x| x < stop && caught_up_at.is_none_or(|c| x < c));
            if let Some(x) = standby_fails {
                stop = x;
            }
            let mut fb_watch = ServiceWatch::new(sc.service_level);
            let topo = &d.topology;
            let run = execute(&runbook, fb_at, stop, strategy_rng, service, &mut fb_watch, &|name| {
                topo.site(name).map(|s| s.0 as usize)
            })?;
            match run.end {
                RunbookEnd::Completed(done) => {
                    failback = Some(done - fb_first);
                    write_freeze = Some(service.frozen_total(done).saturating_sub(frozen_before));
                    serving_until = done;
                    break;
                }
                RunbookEnd::Failed { .. } => {
                    flags.recovery_failed = true;
                    break;
                }
                RunbookEnd::Interrupted(at) => {
                    if at >= end {
                        flags.outlasted_horizon = true;
                        break;
                    }
                    // Writes resume at the standby (if it is up) while failback waits.
                    service.freeze(at, false);
                    for &s in &dis.hit {
                        service.set_up(s, false);
                    }
                    if standby_fails == Some(at) {
                        service.set_up(standby, false);
                        if dis.primary_data_survives {
                            // The primary takes over with what it has: the backlog not yet
                            // resynced is lost (fluid: the resync drains at the way back's
                            // mean throughput while writes arrive at their mean rate).
                            let elapsed = (at - fb_at).as_secs_f64();
                            let backlog = (ctx.bytes_to_resync
                                + (ctx.write_bytes_per_s - ctx.reverse_throughput_bytes_per_s) * elapsed)
                                .max(0.0);
                            failback_bytes_lost = crate::engine::time::round_to_u64(backlog);
                            if ctx.write_bytes_per_s > 0.0 {
                                failback_rpo = SimDuration::from_secs_f64(backlog / ctx.write_bytes_per_s);
                            }
                            takeover = true;
                        }
                        // Otherwise the primary holds a partial copy of the data set and
                        // cannot take over: failback waits for the standby, then restarts.
                    }
                    fb_at = at;
                }
            }
        }
        Ok(FailbackRun { failback, write_freeze, bytes_lost: failback_bytes_lost, rpo: failback_rpo, serving_until })
    }
}
