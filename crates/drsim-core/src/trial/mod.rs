//! Disaster trials: steady state, one disaster, detection, recovery, failback; one record.
//!
//! ```text
//!  warm-up ──── t_d ── detect ── recovery runbook ── service restored ─ ... ─ primary back ── failback ── done
//!               │<─ detection ─>│                    │                                      │<─ failback ─>│
//!               │<──────────────── RTO ─────────────>│
//!   RPO: t_d − creation of the oldest write the standby lacks at t_d
//! ```

use rand::RngExt;
use serde::{Deserialize, Serialize};

use crate::engine::{DurationDistribution, SimDuration, SimTime, TrialStreams};
use crate::faults::{Downtime, FaultHistory, Watched};
use crate::model::{
    BuildReplicationError, FailureError, FailureProcess, FailureTarget, Loss, Outages, ReplicationError, StateChange,
    Target,
};
use crate::recovery::{
    Deployment, Detection, DetectionError, FailbackContext, RecoveryContext, RunbookEnd, RunbookError, ServiceState,
    ServiceWatch, SteadyState, Strategy, StrategyError, execute,
};

mod data;
mod disaster;
mod failback;
mod logical;
mod outcome;
mod prepare;
mod quorum;
mod recover;
pub mod streams;

use streams::{DETECTION, DISASTER, DISASTER_MIX, REPLICATION_STATE, STRATEGY, store_family};

use data::{AtDisaster, ServiceLoss};
use recover::Recovered;

pub use disaster::{DisasterChoice, DisasterScenario, DisasterSpec, Objectives, TwoRegions};
pub use outcome::{OutcomeRow, StoreOutcome, StoreRow, TrialFlags, TrialOutcome};

/// Why a trial could not run.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum TrialError {
    /// The strategy refused.
    #[error(transparent)]
    Strategy(#[from] StrategyError),
    /// A runbook is invalid.
    #[error(transparent)]
    Runbook(#[from] RunbookError),
    /// The replication model could not be built.
    #[error(transparent)]
    Replication(#[from] BuildReplicationError),
    /// The replication model was misused (a bug in the trial runner).
    #[error(transparent)]
    ReplicationQuery(#[from] ReplicationError),
    /// A failure process or the disaster names something unknown.
    #[error(transparent)]
    Failure(#[from] FailureError),
    /// Detection parameters are invalid.
    #[error(transparent)]
    Detection(#[from] DetectionError),
    /// The scenario does not describe a disaster the trial can run.
    #[error("scenario: {0}")]
    Scenario(String),
}

/// The most writes a trial may make before its disaster: about a minute of computing.
pub const MAX_WRITES_PER_TRIAL: f64 = 1e9;

/// The most failure-process transitions a trial may expect (refused beyond, rather than hang).
pub const MAX_FAULT_EVENTS_PER_TRIAL: f64 = 1e6;

/// One disaster of a trial's mix, as [`DisasterTrial::disasters`] describes it.
#[derive(Clone, Debug, PartialEq)]
pub struct DisasterInfo {
    /// Its label.
    pub label: String,
    /// The probability a trial draws it.
    pub probability: f64,
    /// The sites of the copies it leaves standing.
    pub survivors: Vec<String>,
}

/// One copy of the data, as [`DisasterTrial::copies`] describes it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CopyInfo<'a> {
    /// Its site.
    pub site: &'a str,
    /// How writes reach it (over the link from the primary to its site).
    pub replication: &'a crate::model::ReplicationSpec,
    /// How close it is to the primary.
    pub proximity: crate::recovery::Proximity,
}

/// A copy of the data a trial can recover from: the standby's, or a replica's.
struct CopyPlan {
    name: String,
    site: usize,
    replication: crate::model::ReplicationSpec,
    /// The primary → site link.
    link: crate::model::LinkSpec,
    /// The site → primary link for failback (the forward link if there is none).
    reverse: crate::model::LinkSpec,
    watched: Watched,
    proximity: crate::recovery::Proximity,
    stability: crate::model::Stability,
    /// Its state at the disaster drawn from its stationary law, when that is exact (an M/M/1
    /// asynchronous copy, the only copy of its log): no warm-up write by write.
    stationary: Option<crate::model::replication::StationaryFifo>,
}

/// A copy of a data store's write log.
struct StoreCopyPlan {
    site: usize,
    replication: crate::model::ReplicationSpec,
    link: crate::model::LinkSpec,
    /// Its fault history's index (after the database's copies).
    watch: usize,
    proximity: crate::recovery::Proximity,
    stability: crate::model::Stability,
    /// As [`CopyPlan::stationary`].
    stationary: Option<crate::model::replication::StationaryFifo>,
}

/// One disaster of the mix, resolved against the topology.
struct PreparedDisaster {
    label: String,
    /// Cumulative probability up to and including this one.
    cumulative: f64,
    hit: Vec<usize>,
    /// The copies it leaves standing, by index into `copies`.
    survivors: Vec<usize>,
    /// Per data store, the copies it leaves standing.
    store_survivors: Vec<Vec<usize>>,
    repair: DurationDistribution,
    primary_data_survives: bool,
    /// A logical disaster: the infrastructure stays up (`hit` is empty).
    data: Option<PreparedData>,
}

/// A logical disaster of the mix, resolved against the deployment.
struct PreparedData {
    kind: crate::corruption::DataDisasterKind,
    /// Damaged stores: 0 the database, j the deployment's store j − 1.
    stores: Vec<usize>,
    dwell: DurationDistribution,
    delete_probability: f64,
    /// Restore throughput per store (0 the database), bytes per second.
    restore: Vec<f64>,
    cutover: DurationDistribution,
    replay: bool,
}

/// The largest database tier a strategy may run at one site, in production databases
/// ([`SteadyState::database_size`]).
pub const MAX_DATABASE_SIZE: f64 = 1e6;

/// A scenario and a strategy, checked and prepared once for many trials.
pub struct DisasterTrial<'a> {
    scenario: &'a DisasterScenario,
    strategy: &'a dyn Strategy,
    steady: SteadyState,
    /// Copy 0 is the standby's; the replicas follow.
    copies: Vec<CopyPlan>,
    /// Per data store, its copies.
    stores: Vec<Vec<StoreCopyPlan>>,
    /// What each fault history watches: the database's copies', then the stores' copies'.
    watches: Vec<Watched>,
    /// The deployment's tiers' names (empty: one pool).
    tier_names: Vec<String>,
    /// The quorum's k and its members besides the primary (indices into `copies`), when copies
    /// are in quorum mode.
    quorum: Option<(usize, Vec<usize>)>,
    disasters: Vec<PreparedDisaster>,
    capacity: Vec<u32>,
    shares: Vec<f64>,
    ready: Vec<bool>,
    faults: Vec<Target>,
}

impl<'a> DisasterTrial<'a> {
    /// The disasters trials draw from: label, probability and the sites of the copies each
    /// leaves standing (one entry, probability 1, without a mix).
    pub fn disasters(&self) -> Vec<DisasterInfo> {
        let mut prev = 0.0;
        self.disasters
            .iter()
            .map(|d| {
                let p = d.cumulative - prev;
                prev = d.cumulative;
                DisasterInfo {
                    label: d.label.clone(),
                    probability: p,
                    survivors: d.survivors.iter().map(|&k| self.copies[k].name.clone()).collect(),
                }
            })
            .collect()
    }

    /// The copies of the data, the standby's first, then the replicas.
    pub fn copies(&self) -> Vec<CopyInfo<'_>> {
        self.copies
            .iter()
            .map(|c| CopyInfo { site: &c.name, replication: &c.replication, proximity: c.proximity })
            .collect()
    }

    /// Whether the replication backlog has a stationary law, and if not how fast it grows
    /// (the report says "grows without bound" rather than print an RPO): the first unstable
    /// copy's, else the standby's.
    pub fn replication_stability(&self) -> crate::model::Stability {
        self.copies.iter().map(|c| c.stability).find(|s| s.is_unstable()).unwrap_or(self.copies[0].stability)
    }

    /// The scenario.
    pub fn scenario(&self) -> &DisasterScenario {
        self.scenario
    }

    /// The strategy's steady state.
    pub fn steady_state(&self) -> &SteadyState {
        &self.steady
    }

    fn fresh_service(&self, hit: &[usize]) -> ServiceState {
        let mut s = ServiceState::new(self.capacity.len(), self.scenario.deployment.instances_needed())
            .with_tiers(&self.tier_names);
        for (i, &c) in self.capacity.iter().enumerate() {
            s.set_capacity(i, c);
            s.set_data_ready(i, self.ready[i]);
        }
        s.set_shares(&self.shares);
        for &h in hit {
            s.set_up(h, false);
        }
        s
    }

    /// The fault processes that can never affect this trial: they take down neither the
    /// primary, nor a site holding a copy, nor a link between them (worth a warning: a typo in
    /// a target, or a process on a site that the deployment does not use).
    pub fn inert_faults(&self) -> Vec<usize> {
        self.inert(&self.faults)
    }

    /// The same for other processes (a horizon's `failures`), by index.
    pub fn inert_processes(&self, processes: &[FailureProcess]) -> Result<Vec<usize>, FailureError> {
        let topo = &self.scenario.deployment.topology;
        let targets = processes.iter().enumerate().map(|(i, p)| p.resolve(topo, i)).collect::<Result<Vec<_>, _>>()?;
        Ok(self.inert(&targets))
    }

    fn inert(&self, targets: &[Target]) -> Vec<usize> {
        let topo = &self.scenario.deployment.topology;
        (0..targets.len())
            .filter(|&i| {
                let mut o = Outages::new(topo);
                let mut ch = vec![];
                o.apply(targets[i], true, &mut ch);
                self.copies.iter().all(|c| {
                    let w = c.watched;
                    o.site_up(w.standby)
                        && o.site_up(w.primary)
                        && !o.link_failed_itself(w.link)
                        && !o.link_failed_itself(w.reverse)
                })
            })
            .collect()
    }

    /// What the horizon's `processes` (resolved to `targets`) do over `[0, end)`, the primary's
    /// own outages included (they are the incidents of a horizon run): one history per copy
    /// (the standby's first), each watching that copy's site and links.
    pub fn horizon_history(
        &self,
        processes: &[FailureProcess],
        targets: &[Target],
        streams: TrialStreams,
        end: SimTime,
    ) -> Vec<FaultHistory> {
        self.watches
            .iter()
            .map(|&w| {
                FaultHistory::simulate(
                    &self.scenario.deployment.topology,
                    processes,
                    targets,
                    w,
                    SimTime::ZERO,
                    end,
                    streams,
                )
            })
            .collect()
    }

    /// What the fault processes do over trial `trial` from `start` to `until`, seen from each
    /// copy (the standby's first). The same draws for every copy: one history of the world,
    /// watched from several places.
    pub fn fault_history(&self, streams: TrialStreams, start: SimTime, until: SimTime) -> Vec<FaultHistory> {
        self.watches
            .iter()
            .map(|&w| {
                FaultHistory::simulate(
                    &self.scenario.deployment.topology,
                    &self.scenario.faults,
                    &self.faults,
                    w,
                    start,
                    until,
                    streams,
                )
            })
            .collect()
    }

    /// The primary's downtime from the fault processes over `[start, until)`, from their
    /// stationary state at `start`: the part of [`fault_history`](Self::fault_history) a
    /// logical disaster's restore depends on.
    pub(crate) fn primary_downtime(&self, streams: TrialStreams, start: SimTime, until: SimTime) -> Downtime {
        let d = &self.scenario.deployment;
        FaultHistory::simulate(&d.topology, &self.scenario.faults, &self.faults, self.watches[0], start, until, streams)
            .primary
    }

    /// Runs trial `trial` of the run seeded with `seed`.
    pub fn run(&self, seed: u64, trial: u64) -> Result<TrialOutcome, TrialError> {
        let sc = self.scenario;
        let streams = TrialStreams::new(seed, trial);
        // The mix's draw has a stream of its own: the disaster instants and repairs are the
        // same draws with or without a mix.
        let which = if self.disasters.len() > 1 {
            let u: f64 = streams.rng(DISASTER_MIX).random();
            self.disasters.iter().position(|d| u < d.cumulative).unwrap_or(self.disasters.len() - 1)
        } else {
            0
        };
        let mut disaster_rng = streams.rng(DISASTER);
        let window = sc.event.window.as_nanos();
        let offset = if window == 0 { 0 } else { disaster_rng.random_range(0..window) };
        let t_d = SimTime::ZERO + sc.event.warm_up + SimDuration::from_nanos(offset);
        let repair = self.disasters[which].repair.sample(&mut disaster_rng);
        if let Some(data) = &self.disasters[which].data {
            // The infrastructure stays up; the fault processes matter from detection on, when
            // the restore runs (simulated there, from their stationary state).
            return Ok(self.run_data(&self.disasters[which].label, data, trial, streams, t_d, sc.horizon, None));
        }
        let faults = self.fault_history(streams, SimTime::ZERO, t_d + sc.horizon);
        self.run_disaster(which, trial, streams, SimTime::ZERO, t_d, repair, &faults)
    }

    /// Runs one disaster at `t_d` whose primary is back `repair` later, with replication
    /// running from `start` (at least the warm-up before `t_d`, for a stationary backlog) and
    /// every draw from `streams`: the scenario's `[disaster]` (the mix's first infrastructure
    /// entry; a mix of logical disasters only has none, and is refused). A horizon run calls it
    /// for each outage of the primary. `faults` is what the failure processes did around it,
    /// seen from each copy (see [`fault_history`](Self::fault_history)).
    pub fn run_incident(
        &self,
        trial: u64,
        streams: TrialStreams,
        start: SimTime,
        t_d: SimTime,
        repair: SimDuration,
        faults: &[FaultHistory],
    ) -> Result<TrialOutcome, TrialError> {
        let Some(which) = self.disasters.iter().position(|d| d.data.is_none()) else {
            return Err(TrialError::Scenario(
                "the disaster mix has only logical disasters (corruption, ransomware, deletion), but a horizon run's incidents are outages of the primary: add a [[disasters]] entry with a target".into(),
            ));
        };
        self.run_disaster(which, trial, streams, start, t_d, repair, faults)
    }

    /// [`run_incident`](Self::run_incident) for the mix's entry `which`; [`run`](Self::run) is
    /// this with the entry, the disaster time and the repair drawn from the trial's streams.
    #[allow(clippy::too_many_arguments)]
    pub fn run_disaster(
        &self,
        which: usize,
        trial: u64,
        streams: TrialStreams,
        start: SimTime,
        t_d: SimTime,
        repair: SimDuration,
        faults: &[FaultHistory],
    ) -> Result<TrialOutcome, TrialError> {
        let sc = self.scenario;
        let end = t_d + sc.horizon;
        let dis = self.disasters.get(which).ok_or_else(|| {
            TrialError::Scenario(format!("disaster {which} is not in the mix ({} entries)", self.disasters.len()))
        })?;
        if let Some(data) = &dis.data {
            return Ok(self.run_data(
                &dis.label,
                data,
                trial,
                streams,
                t_d,
                sc.horizon,
                faults.first().map(|f| &f.primary),
            ));
        }
        if faults.len() != self.watches.len() {
            return Err(TrialError::Scenario(format!(
                "{} fault histories for {} copies: one per copy (see DisasterTrial::fault_history)",
                faults.len(),
                self.watches.len()
            )));
        }
        let start = start.min(t_d);
        let AtDisaster { losses, write_blocked, commit_latency_p50, commit_latency_p99, mut flags } =
            self.data_at_disaster(dis, streams, start, t_d, faults)?;
        let store_ctx = self.store_recoveries(dis, streams, start, t_d, faults, &mut flags)?;

        // Where to recover: among the surviving copies, those whose site is up at the disaster
        // (if any is; otherwise recovery waits for one), as the strategy chooses.
        let up: Vec<usize> = dis.survivors.iter().copied().filter(|&k| !faults[k].standby.is_down(t_d)).collect();
        let candidates = if up.is_empty() { &dis.survivors } else { &up };
        let copies: Vec<crate::recovery::SurvivingCopy<'_>> = candidates
            .iter()
            .map(|&k| crate::recovery::SurvivingCopy {
                site: &self.copies[k].name,
                loss: losses[k].unwrap_or_default(),
                proximity: self.copies[k].proximity,
                is_standby: k == 0,
            })
            .collect();
        let detected = sc.detection.detect(t_d, &mut streams.rng(DETECTION));
        if copies.is_empty() {
            return Ok(self.nothing_survived(
                trial,
                dis,
                t_d,
                detected,
                repair,
                faults,
                write_blocked,
                flags,
                &store_ctx,
            ));
        }
        let chosen = self.strategy.choose_copy(&copies);
        let Some(&ci) = candidates.get(chosen) else {
            return Err(TrialError::Strategy(StrategyError::Deployment {
                strategy: self.strategy.name().to_string(),
                problem: format!("choose_copy returned {chosen}, but there are {} surviving copies", copies.len()),
            }));
        };
        let copy = &self.copies[ci];
        let loss = losses[ci].unwrap_or_default();
        let faults = &faults[ci];

        let Recovered { mut service, watch, first_served, mut strategy_rng } =
            self.recover(dis, copy, &copies, &store_ctx, loss, faults, streams, t_d, detected, &mut flags)?;
        let rto = watch.restored.map(|r| r - t_d);
        let first_partial = first_served.map(|r| r - t_d);

        // Failback, once the primary is back (the disaster repaired and no fault of its own
        // under way) and the service restored; it waits for the standby and the way back.
        let (failback, write_freeze, failback_bytes_lost, failback_rpo, serving_until) = match watch.restored {
            Some(restored) => {
                let r = self.run_failback(
                    dis,
                    copy,
                    &copies,
                    faults,
                    streams,
                    t_d,
                    repair,
                    restored,
                    first_served,
                    &mut service,
                    &mut strategy_rng,
                    &mut flags,
                )?;
                (r.failback, r.write_freeze, r.bytes_lost, r.rpo, r.serving_until)
            }
            None => (None, None, 0, SimDuration::ZERO, end),
        };
        let serving_outage = match watch.restored {
            Some(r) if serving_until > r => faults.standby.within(r, serving_until),
            _ => SimDuration::ZERO,
        };
        let ServiceLoss { rto, rpo, writes_lost, bytes_lost, copy_age, stores } =
            self.service_loss(dis, copy, loss, &store_ctx, faults, t_d, repair, rto, &mut flags);
        let (rto_met, rpo_met) = sc.objectives.judge(rto, rpo);
        Ok(TrialOutcome {
            trial,
            disaster: dis.label.clone(),
            from_mix: self.disasters.len() > 1,
            logical: false,
            disaster_at: t_d,
            detection_delay: detected - t_d,
            first_partial_service: first_partial,
            rto,
            rpo,
            recovered_at: Some(copy.name.clone()),
            writes_lost,
            bytes_lost,
            copy_age,
            stores,
            failback,
            write_freeze,
            failback_done_at: failback.map(|_| serving_until),
            failback_bytes_lost,
            failback_rpo,
            write_blocked,
            serving_outage,
            commit_latency_p50,
            commit_latency_p99,
            rto_met,
            rpo_met,
            flags,
        })
    }
}
