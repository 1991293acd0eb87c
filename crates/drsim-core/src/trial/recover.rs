//! Recovery: the strategy's runbook from detection until the service is back, started over
//! after each outage of the standby; and the outcome when no copy survived.

use super::*;
use crate::engine::SimRng;
use crate::recovery::{StoreRecovery, SurvivingCopy};

/// What the recovery left: the service, its watch, the first demand served, and the
/// strategy's random stream (failback draws on from there).
pub(super) struct Recovered {
    pub(super) service: ServiceState,
    pub(super) watch: ServiceWatch,
    pub(super) first_served: Option<SimTime>,
    pub(super) strategy_rng: SimRng,
}

impl DisasterTrial<'_> {
    /// Recovers on `copy` (which lost `loss`) from detection on, as the fault history of the
    /// standby allows.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn recover(
        &self,
        dis: &PreparedDisaster,
        copy: &CopyPlan,
        copies: &[SurvivingCopy<'_>],
        store_ctx: &[StoreRecovery<'_>],
        loss: Loss,
        faults: &FaultHistory,
        streams: TrialStreams,
        t_d: SimTime,
        detected: SimTime,
        flags: &mut TrialFlags,
    ) -> Result<Recovered, TrialError> {
        let sc = self.scenario;
        let d = &sc.deployment;
        let end = t_d + sc.horizon;
        // Service: steady state, then the disaster takes the hit sites down (and a fault may
        // have the standby down too).
        let standby = copy.site;
        let mut service = self.fresh_service(&dis.hit);
        let mut watch = ServiceWatch::new(sc.service_level);

        // Recovery: never before detection, never while the standby is down. A standby outage
        // loses the work done on it (instances, restored data): recovery restarts from the
        // beginning once it is repaired (attempt + 1).
        let mut strategy_rng = streams.rng(STRATEGY);
        let mut at = detected;
        let mut observed_to = t_d;
        let mut attempt = 0;
        // The first demand served, whichever attempt served it (a restart forgets the service
        // level, not that writes already went to the standby).
        let mut first_served: Option<SimTime> = None;
        let earliest = |a: Option<SimTime>, b: Option<SimTime>| match (a, b) {
            (Some(x), Some(y)) => Some(x.min(y)),
            (x, y) => x.or(y),
        };
        loop {
            let begin = faults.standby.up_from(at);
            if begin > detected {
                flags.recovery_delayed = true;
            }
            // Until recovery begins the service runs on whatever survived, the standby only
            // while it is up.
            observe_gap(&mut service, &mut watch, faults, standby, observed_to, begin.min(end));
            if begin >= end {
                flags.outlasted_horizon = true;
                break;
            }
            let next_down = faults.standby.next_failure_after(begin);
            let stop = next_down.map_or(end, |f| f.min(end));
            let ctx = RecoveryContext {
                deployment: d,
                steady: &self.steady,
                disaster_at: t_d,
                detected_at: detected,
                loss,
                target: &copy.name,
                copies,
                attempt,
                stores: store_ctx,
            };
            let runbook = crate::recovery::tiers::split_launches(
                self.strategy.recovery(&ctx)?.with_store_restores(store_ctx),
                &d.tiers,
            );
            let topo = &d.topology;
            let run = execute(&runbook, begin, stop, &mut strategy_rng, &mut service, &mut watch, &|name| {
                topo.site(name).map(|s| s.0 as usize)
            })?;
            let interrupted_at = match run.end {
                RunbookEnd::Completed(_) if watch.restored.is_some() => break,
                // Done, the level still rising (a DNS ramp) when the fault struck...
                RunbookEnd::Completed(_) if eventually_restored(&service, &watch) && stop < end => stop,
                // ... or when the horizon came.
                RunbookEnd::Completed(_) if eventually_restored(&service, &watch) => {
                    flags.outlasted_horizon = true;
                    break;
                }
                // Done, and the level is never reached: more time cannot help.
                RunbookEnd::Completed(_) | RunbookEnd::Failed { .. } => {
                    flags.recovery_failed = true;
                    break;
                }
                RunbookEnd::Interrupted(at) => {
                    if at >= end || watch.restored.is_some() {
                        flags.outlasted_horizon = watch.restored.is_none();
                        break;
                    }
                    at
                }
            };
            // The standby failed mid-recovery: its work is lost; start again once it is repaired.
            flags.recovery_interrupted = true;
            flags.recovery_delayed = true;
            service = self.fresh_service(&dis.hit);
            first_served = earliest(first_served, watch.first_partial);
            watch.reset();
            at = interrupted_at.max(detected);
            observed_to = at;
            attempt += 1;
        }
        let first_served = earliest(first_served, watch.first_partial);
        Ok(Recovered { service, watch, first_served, strategy_rng })
    }

    /// The outcome when the disaster left no copy but the primary's: if the primary's data
    /// survived, the service comes back with the primary (after its repair and any fault of its
    /// own), losing nothing; otherwise nothing is left to recover from and the trial is
    /// censored (RTO and RPO `None`, `no_surviving_copy`), never dropped.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn nothing_survived(
        &self,
        trial: u64,
        dis: &PreparedDisaster,
        t_d: SimTime,
        detected: SimTime,
        repair: SimDuration,
        faults: &[FaultHistory],
        write_blocked: SimDuration,
        mut flags: TrialFlags,
        store_ctx: &[crate::recovery::StoreRecovery<'_>],
    ) -> TrialOutcome {
        let sc = self.scenario;
        let end = t_d + sc.horizon;
        let (rto, rpo, recovered_at) = if dis.primary_data_survives {
            flags.waited_for_primary = true;
            let back = faults[0].primary.up_from(t_d + repair);
            if back < end {
                (Some(back - t_d), Some(SimDuration::ZERO), Some(sc.deployment.primary.clone()))
            } else {
                flags.outlasted_horizon = true;
                (None, Some(SimDuration::ZERO), None)
            }
        } else {
            flags.no_surviving_copy = true;
            (None, None, None)
        };
        // The database waits for the primary or is lost with it; so does every store when the
        // service waits (the primary's data survived); otherwise a store whose own copy survived
        // reports that copy's loss (the service's RPO stays censored with the database's).
        let stores = if store_ctx.is_empty() {
            vec![]
        } else {
            let lost_with = |name: &str| StoreOutcome {
                name: name.to_string(),
                recovered_from: rpo.map(|_| sc.deployment.primary.clone()),
                rpo,
                writes_lost: 0,
                bytes_lost: 0,
                copy_age: SimDuration::ZERO,
            };
            std::iter::once(lost_with(crate::model::store::DATABASE))
                .chain(store_ctx.iter().map(|s| match s.site {
                    Some(site) if rpo.is_none() => StoreOutcome {
                        name: s.name.to_string(),
                        recovered_from: Some(site.to_string()),
                        rpo: Some(s.loss.rpo),
                        writes_lost: s.loss.writes_lost,
                        bytes_lost: s.loss.bytes_lost,
                        copy_age: s.loss.copy_age,
                    },
                    _ => lost_with(s.name),
                }))
                .collect()
        };
        let (rto_met, rpo_met) = sc.objectives.judge(rto, rpo);
        TrialOutcome {
            trial,
            disaster: dis.label.clone(),
            from_mix: self.disasters.len() > 1,
            logical: false,
            disaster_at: t_d,
            detection_delay: detected - t_d,
            first_partial_service: rto,
            rto,
            rpo,
            recovered_at,
            writes_lost: 0,
            bytes_lost: 0,
            copy_age: SimDuration::ZERO,
            stores,
            failback: None,
            write_freeze: None,
            failback_done_at: None,
            failback_bytes_lost: 0,
            failback_rpo: SimDuration::ZERO,
            write_blocked,
            serving_outage: SimDuration::ZERO,
            commit_latency_p50: None,
            commit_latency_p99: None,
            rto_met,
            rpo_met,
            flags,
        }
    }
}

/// Whether the service reaches the watched level once every traffic ramp under way has ended.
fn eventually_restored(service: &ServiceState, watch: &ServiceWatch) -> bool {
    // Far beyond any ramp; `first_at_least` applies the same rounding tolerance as the watch.
    let far = SimTime::from_nanos(u64::MAX / 2);
    service.first_at_least(watch.target, far, far).is_some()
}

/// Lets `watch` look at the service over `[from, to)` with the standby up or down as the
/// fault history says, and leaves it up.
fn observe_gap(
    service: &mut ServiceState,
    watch: &mut ServiceWatch,
    faults: &FaultHistory,
    standby: usize,
    from: SimTime,
    to: SimTime,
) {
    // A site that goes down loses its instances; they restart with it (a power or network
    // outage, not a destroyed site), so its capacity after the gap is what it was before.
    let capacity = service.capacity(standby);
    let mut t = from;
    while t < to {
        let down = faults.standby.is_down(t);
        let next = if down { faults.standby.up_from(t) } else { faults.standby.next_failure_after(t).unwrap_or(to) };
        let next = next.min(to).max(t + SimDuration::from_nanos(1)).min(to);
        service.set_up(standby, !down);
        watch.observe(service, t, next);
        t = next;
    }
    service.set_up(standby, true);
    service.set_capacity(standby, capacity);
}
