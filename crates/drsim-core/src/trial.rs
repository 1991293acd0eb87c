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

use crate::engine::{DurationDistribution, SimDuration, SimTime, StreamId, TrialStreams};
use crate::faults::{FaultHistory, Watched};
use crate::model::{
    BuildReplicationError, FailureError, FailureProcess, FailureTarget, Loss, Outages, ReplicationError, StateChange,
    Target,
};
use crate::recovery::{
    Deployment, Detection, DetectionError, FailbackContext, RecoveryContext, RunbookEnd, RunbookError, ServiceState,
    ServiceWatch, SteadyState, Strategy, StrategyError, execute,
};

/// The disaster of a disaster trial.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DisasterSpec {
    /// What fails (must take down the primary).
    pub target: FailureTarget,
    /// Time before the earliest disaster, for replication to reach steady state.
    pub warm_up: SimDuration,
    /// The disaster strikes uniformly within this window after the warm-up.
    pub window: SimDuration,
    /// Time until the primary is back (and failback can start).
    pub repair: DurationDistribution,
    /// Whether the primary's data survives (a power or network outage) or must be resynced
    /// whole (a destroyed site).
    #[serde(default)]
    pub primary_data_survives: bool,
}

/// One disaster of a mix: what fails, how often relative to the others, and how the primary
/// comes back (`[[disasters]]` in a scenario file).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DisasterChoice {
    /// A label for reports (default: the target, e.g. `zone a1`).
    #[serde(default)]
    pub label: Option<String>,
    /// Relative weight: the probability of this disaster is its weight over the sum.
    pub weight: f64,
    /// What fails (must take down the primary). Exactly one of `target`, `corruption`,
    /// `ransomware` and `deletion` is given.
    #[serde(default)]
    pub target: Option<FailureTarget>,
    /// A logical disaster: data corrupted (a bad migration, a bug); see [`crate::corruption`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub corruption: Option<crate::corruption::DataDisaster>,
    /// A logical disaster: ransomware, which also destroys the backups it can reach.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ransomware: Option<crate::corruption::DataDisaster>,
    /// A logical disaster: data deleted by an operator.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deletion: Option<crate::corruption::DataDisaster>,
    /// Time until the primary is back (default: `[disaster]`'s).
    #[serde(default)]
    pub repair: Option<DurationDistribution>,
    /// Whether the primary's data survives (default: `[disaster]`'s).
    #[serde(default)]
    pub primary_data_survives: Option<bool>,
}

impl DisasterChoice {
    /// An entry of the mix whose `target` fails.
    pub fn infrastructure(target: FailureTarget, weight: f64) -> Self {
        DisasterChoice {
            label: None,
            weight,
            target: Some(target),
            corruption: None,
            ransomware: None,
            deletion: None,
            repair: None,
            primary_data_survives: None,
        }
    }

    /// The label reports use: the given one, else the target (`zone a1`) or the logical
    /// disaster and its stores (`ransomware database, media`).
    pub fn label(&self) -> String {
        if let Some(l) = &self.label {
            return l.clone();
        }
        match (&self.target, self.data()) {
            (Some(t), _) => t.to_string(),
            (None, Some((kind, d))) => format!("{kind} {}", d.stores.join(", ")),
            (None, None) => "(no target)".into(),
        }
    }

    /// The logical disaster of this entry, if it is one.
    pub fn data(&self) -> Option<(crate::corruption::DataDisasterKind, &crate::corruption::DataDisaster)> {
        use crate::corruption::DataDisasterKind as K;
        [(K::Corruption, &self.corruption), (K::Ransomware, &self.ransomware), (K::Deletion, &self.deletion)]
            .into_iter()
            .find_map(|(k, d)| d.as_ref().map(|d| (k, d)))
    }

    /// Checks that exactly one of `target`, `corruption`, `ransomware`, `deletion` is given, and
    /// the logical disaster's own keys; the message names the key.
    pub fn check_kind(&self) -> Result<(), String> {
        let given = usize::from(self.target.is_some())
            + usize::from(self.corruption.is_some())
            + usize::from(self.ransomware.is_some())
            + usize::from(self.deletion.is_some());
        if given != 1 {
            return Err(format!(
                "gives {given} of target, corruption, ransomware and deletion: give exactly one (what fails, or which logical disaster)"
            ));
        }
        match self.data() {
            Some((kind, d)) => d.validate(kind).map_err(|m| format!("{kind}.{m}")),
            None => Ok(()),
        }
    }
}

/// RTO and RPO objectives.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Objectives {
    /// Recovery time objective.
    #[serde(default)]
    pub rto: Option<SimDuration>,
    /// Recovery point objective.
    #[serde(default)]
    pub rpo: Option<SimDuration>,
}

/// Everything a disaster trial needs besides the strategy.
#[derive(Clone, Debug)]
pub struct DisasterScenario {
    /// The deployment.
    pub deployment: Deployment,
    /// The disaster (with a mix: its timing, and the defaults of the mix's entries).
    pub disaster: DisasterSpec,
    /// A disaster mix: each trial draws one of these (weights over targets) from its own random
    /// stream, so every strategy faces the same draws. Empty: every trial has `disaster`.
    pub mix: Vec<DisasterChoice>,
    /// How it is detected.
    pub detection: Detection,
    /// Fraction of production demand that counts as "service restored" (default 1).
    pub service_level: f64,
    /// Objectives.
    pub objectives: Objectives,
    /// Failure processes active over the whole trial, each from its stationary state: links
    /// failing before the disaster (replication queues, blocks or degrades), the DR site down
    /// when the disaster strikes or failing mid-recovery, the primary or the way back failing
    /// during failback (docs/model.md, "Fault processes").
    pub faults: Vec<FailureProcess>,
    /// How long after the disaster the trial follows recovery and failback.
    pub horizon: SimDuration,
}

/// Flags of a trial.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct TrialFlags {
    /// The replication backlog grows without bound: RPO depends on the warm-up.
    pub unstable_replication: bool,
    /// A runbook step ran out of retries, or the service level was never reached.
    pub recovery_failed: bool,
    /// A fault struck during recovery, which restarted.
    pub recovery_interrupted: bool,
    /// Recovery waited for a fault to be repaired: the DR site was down at detection, or a
    /// fault interrupted it.
    pub recovery_delayed: bool,
    /// Recovery or failback had not finished at the horizon.
    pub outlasted_horizon: bool,
    /// Failback can never catch up: writes outpace the link back to the primary (the service
    /// stays at the standby; `failback` is `None`).
    pub failback_cannot_catch_up: bool,
    /// The disaster destroyed every copy of the data, the primary's included: nothing to
    /// recover from. RTO and RPO are censored (`None`).
    pub no_surviving_copy: bool,
    /// The disaster took every copy but the primary's, whose data survived: the service came
    /// back only with the primary, after its repair (no failover, RPO 0).
    pub waited_for_primary: bool,
    /// A logical disaster left a damaged store without a clean recovery point at detection:
    /// its RPO, and the service's, is censored (`None`).
    pub no_clean_copy: bool,
}

/// The record of one disaster trial.
#[derive(Clone, Debug, PartialEq)]
pub struct TrialOutcome {
    /// The trial's index.
    pub trial: u64,
    /// What failed: the label of the disaster (of the mix's entry drawn).
    pub disaster: String,
    /// Whether the disaster was drawn from a mix (summaries then keep a breakdown by label).
    pub from_mix: bool,
    /// When.
    pub disaster_at: SimTime,
    /// Disaster to detection.
    pub detection_delay: SimDuration,
    /// Disaster to the first instant any demand was served again (None: never, within the
    /// horizon).
    pub first_partial_service: Option<SimDuration>,
    /// RTO achieved: disaster to the service back at its level (None: not recovered).
    pub rto: Option<SimDuration>,
    /// RPO achieved (None: no copy survived: censored).
    pub rpo: Option<SimDuration>,
    /// The site recovery used (the site of the chosen copy; the primary when the service waited
    /// for it; None when nothing survived).
    pub recovered_at: Option<String>,
    /// Writes lost (over the database and every data store).
    pub writes_lost: u64,
    /// Bytes lost (over the database and every data store).
    pub bytes_lost: u64,
    /// Age of the copy recovery used at the disaster (the oldest over the stores).
    pub copy_age: SimDuration,
    /// With `[[stores]]`: each store's own figures, the database first (named
    /// [`crate::model::store::DATABASE`]); `rpo` is then the largest of theirs (censored if any
    /// is), `writes_lost` and `bytes_lost` their sums. Empty without stores.
    pub stores: Vec<StoreOutcome>,
    /// Failback start to its end (None: did not complete within the horizon).
    pub failback: Option<SimDuration>,
    /// Time writes were frozen during failback.
    pub write_freeze: Option<SimDuration>,
    /// When failback completed: the primary serving again (None: not within the horizon, or
    /// no failback).
    pub failback_done_at: Option<SimTime>,
    /// Bytes lost during failback: the serving site failed before the primary had caught up,
    /// and the primary took over without them.
    pub failback_bytes_lost: u64,
    /// RPO of that failback loss (0 when nothing was lost).
    pub failback_rpo: SimDuration,
    /// Time before the disaster during which writes could not commit (synchronous replication
    /// in `block` mode with its link down): write unavailability.
    pub write_blocked: SimDuration,
    /// Time the site serving after the failover was down, from the restoration to the end of
    /// failback (or of the trial): the service was down again.
    pub serving_outage: SimDuration,
    /// Median commit latency of the writes before the disaster (synchronous replication only).
    pub commit_latency_p50: Option<SimDuration>,
    /// 99th percentile of that commit latency.
    pub commit_latency_p99: Option<SimDuration>,
    /// Whether RTO ≤ objective (None: no objective).
    pub rto_met: Option<bool>,
    /// Whether RPO ≤ objective (None: no objective).
    pub rpo_met: Option<bool>,
    /// Flags.
    pub flags: TrialFlags,
}

/// What one data store lost in a trial.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct StoreOutcome {
    /// The store's name.
    pub name: String,
    /// The site of the copy it recovered from (`None`: no copy survived).
    pub recovered_from: Option<String>,
    /// Its RPO (`None`: no copy survived and the primary's data did not: censored).
    pub rpo: Option<SimDuration>,
    /// Its writes lost.
    pub writes_lost: u64,
    /// Their bytes.
    pub bytes_lost: u64,
    /// The age of its copy at the disaster.
    pub copy_age: SimDuration,
}

/// One trial of one strategy as a row of data: the columns of the `drsim run --csv` file, with
/// proper types (seconds as `f64`, `None` for a value that does not exist, such as the RTO of a
/// censored trial). Serialize it to CSV, JSON, Arrow or a data frame.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct OutcomeRow {
    /// The strategy's label.
    pub strategy: String,
    /// The trial's index.
    pub trial: u64,
    /// What failed.
    pub disaster: String,
    /// When, in seconds since the start of the trial.
    pub disaster_at_s: f64,
    /// Disaster to detection.
    pub detection_s: f64,
    /// Disaster to the first demand served again (`None`: never within the horizon).
    pub first_partial_service_s: Option<f64>,
    /// RTO (`None`: not recovered within the horizon: censored).
    pub rto_s: Option<f64>,
    /// RPO (`None`: no copy survived: censored).
    pub rpo_s: Option<f64>,
    /// Writes lost.
    pub writes_lost: u64,
    /// Bytes lost.
    pub bytes_lost: u64,
    /// Age of the standby's copy at the disaster.
    pub copy_age_s: f64,
    /// Failback duration (`None`: did not complete).
    pub failback_s: Option<f64>,
    /// Write freeze during failback.
    pub write_freeze_s: Option<f64>,
    /// Bytes lost during failback.
    pub failback_bytes_lost: u64,
    /// RPO of the failback loss.
    pub failback_rpo_s: f64,
    /// Write-blocked time before the disaster.
    pub write_blocked_s: f64,
    /// The standby's outage while it served.
    pub serving_outage_s: f64,
    /// Median commit latency (synchronous replication only).
    pub commit_latency_p50_s: Option<f64>,
    /// 99th percentile commit latency (synchronous replication only).
    pub commit_latency_p99_s: Option<f64>,
    /// RTO ≤ objective (`None`: no objective).
    pub rto_met: Option<bool>,
    /// RPO ≤ objective (`None`: no objective).
    pub rpo_met: Option<bool>,
    /// Flag.
    pub recovery_failed: bool,
    /// Flag.
    pub recovery_interrupted: bool,
    /// Flag.
    pub recovery_delayed: bool,
    /// Flag.
    pub outlasted_horizon: bool,
    /// Flag.
    pub unstable_replication: bool,
    /// Flag.
    pub failback_cannot_catch_up: bool,
    /// The site recovery used (`None`: nothing survived).
    pub recovered_at: Option<String>,
    /// Flag.
    pub no_surviving_copy: bool,
    /// Flag.
    pub waited_for_primary: bool,
    /// Flag.
    pub no_clean_copy: bool,
    /// The trial's cost in USD (business impact plus recovery cost), when priced.
    pub cost_usd: Option<f64>,
    /// With `[[stores]]`: each store's RPO and bytes lost, the database first (the CSV's
    /// `rpo_s.<name>` and `bytes_lost.<name>` columns); empty without stores.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub stores: Vec<StoreRow>,
}

/// One store's figures in an [`OutcomeRow`].
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct StoreRow {
    /// The store's name.
    pub name: String,
    /// Its RPO in seconds (`None`: no copy of it survived, censored).
    pub rpo_s: Option<f64>,
    /// Its bytes lost (`None` with the RPO).
    pub bytes_lost: Option<u64>,
}

/// Nanoseconds to seconds, correctly rounded (exact decimal text for whole milliseconds).
fn secs(d: SimDuration) -> f64 {
    d.as_nanos() as f64 / 1e9
}

impl TrialOutcome {
    /// This outcome as a row of data for `strategy`, with its cost if priced.
    pub fn row(&self, strategy: &str, cost_usd: Option<f64>) -> OutcomeRow {
        OutcomeRow {
            strategy: strategy.to_string(),
            trial: self.trial,
            disaster: self.disaster.clone(),
            disaster_at_s: self.disaster_at.as_nanos() as f64 / 1e9,
            detection_s: secs(self.detection_delay),
            first_partial_service_s: self.first_partial_service.map(secs),
            rto_s: self.rto.map(secs),
            rpo_s: self.rpo.map(secs),
            recovered_at: self.recovered_at.clone(),
            writes_lost: self.writes_lost,
            bytes_lost: self.bytes_lost,
            copy_age_s: secs(self.copy_age),
            failback_s: self.failback.map(secs),
            write_freeze_s: self.write_freeze.map(secs),
            failback_bytes_lost: self.failback_bytes_lost,
            failback_rpo_s: secs(self.failback_rpo),
            write_blocked_s: secs(self.write_blocked),
            serving_outage_s: secs(self.serving_outage),
            commit_latency_p50_s: self.commit_latency_p50.map(secs),
            commit_latency_p99_s: self.commit_latency_p99.map(secs),
            rto_met: self.rto_met,
            rpo_met: self.rpo_met,
            recovery_failed: self.flags.recovery_failed,
            recovery_interrupted: self.flags.recovery_interrupted,
            recovery_delayed: self.flags.recovery_delayed,
            outlasted_horizon: self.flags.outlasted_horizon,
            unstable_replication: self.flags.unstable_replication,
            failback_cannot_catch_up: self.flags.failback_cannot_catch_up,
            no_surviving_copy: self.flags.no_surviving_copy,
            waited_for_primary: self.flags.waited_for_primary,
            no_clean_copy: self.flags.no_clean_copy,
            cost_usd,
            stores: self
                .stores
                .iter()
                .map(|s| StoreRow {
                    name: s.name.clone(),
                    rpo_s: s.rpo.map(secs),
                    bytes_lost: s.rpo.map(|_| s.bytes_lost),
                })
                .collect(),
        }
    }
}

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
    /// Checks the scenario against the strategy and prepares the steady state.
    pub fn new(scenario: &'a DisasterScenario, strategy: &'a dyn Strategy) -> Result<Self, TrialError> {
        let d = &scenario.deployment;
        let topo = &d.topology;
        scenario.detection.validate()?;
        if !(scenario.service_level > 0.0 && scenario.service_level <= 1.0) {
            return Err(TrialError::Scenario(format!(
                "service_level = {} is not allowed (must be in (0, 1])",
                scenario.service_level
            )));
        }
        let site = |name: &str, what: &str| {
            topo.site(name).ok_or_else(|| TrialError::Scenario(format!("{what} site {name:?} is not in the topology")))
        };
        let primary = site(&d.primary, "primary")?;
        let standby = site(&d.standby, "standby")?;
        if topo.site_spec(primary).instances_needed == 0 {
            return Err(TrialError::Scenario(format!(
                "site {:?} (the primary): instances_needed = 0 is not allowed (must be >= 1: production capacity)",
                d.primary
            )));
        }
        // Refuse work that would never finish rather than hang: per-write replication makes
        // every write before the disaster.
        let writes = d.workload.mean_rate_per_s()
            * (scenario.disaster.warm_up.as_secs_f64() + scenario.disaster.window.as_secs_f64());
        if writes > MAX_WRITES_PER_TRIAL {
            return Err(TrialError::Scenario(format!(
                "disaster.warm_up + disaster.window at {} writes/s make about {writes:.3e} writes per trial (at most {MAX_WRITES_PER_TRIAL:e}): shorten the warm-up or the window, or lower the rate",
                d.workload.mean_rate_per_s()
            )));
        }
        let faults =
            scenario.faults.iter().enumerate().map(|(i, f)| f.resolve(topo, i)).collect::<Result<Vec<_>, _>>()?;
        let span = scenario.disaster.warm_up + scenario.disaster.window + scenario.horizon;
        let events = crate::model::expected_events(&scenario.faults, span);
        if events > MAX_FAULT_EVENTS_PER_TRIAL {
            return Err(TrialError::Scenario(format!(
                "faults: about {events:.3e} failures and repairs per trial over warm_up + window + horizon = {span} (at most {MAX_FAULT_EVENTS_PER_TRIAL:e}): lengthen time_between_failures or shorten the trial"
            )));
        }
        let steady = strategy.steady_state(d)?;

        // The copies: the standby's, then each replica's, each over its own link.
        let mut plans = vec![(d.standby.clone(), standby, steady.replication.clone(), "standby".to_string())];
        for (i, r) in strategy.replicas(d).into_iter().enumerate() {
            let s = site(&r.site, &format!("replicas[{i}]"))?;
            if s == primary {
                return Err(TrialError::Scenario(format!(
                    "replicas[{i}].site = {:?} is the primary: a replica lives on another site",
                    r.site
                )));
            }
            if plans.iter().any(|p| p.1 == s) {
                return Err(TrialError::Scenario(format!(
                    "replicas[{i}].site = {:?} already holds a copy (the standby or another replica): one copy per site",
                    r.site
                )));
            }
            plans.push((r.site, s, r.replication, format!("replicas[{i}]")));
        }
        let proximity = |s| {
            if topo.zone_of(s) == topo.zone_of(primary) {
                crate::recovery::Proximity::SameZone
            } else if topo.region_of(s) == topo.region_of(primary) {
                crate::recovery::Proximity::SameRegion
            } else {
                crate::recovery::Proximity::OtherRegion
            }
        };
        let mut copies = Vec::with_capacity(plans.len());
        for (name, s, replication, what) in plans {
            let link_id = topo.link(&d.primary, &name).ok_or_else(|| {
                TrialError::Scenario(format!("no link from primary {:?} to {what} {name:?}", d.primary))
            })?;
            let forward = topo.link_spec(link_id).clone();
            // Snapshot schedules run a history before the trial's start, writes included.
            let history = match &replication {
                crate::model::ReplicationSpec::Snapshot(spec) => {
                    let history = crate::model::SnapshotShipping::history(spec, &forward, &d.workload);
                    let writes = writes + d.workload.mean_rate_per_s() * history.as_secs_f64();
                    if writes > MAX_WRITES_PER_TRIAL {
                        return Err(TrialError::Scenario(format!(
                            "the backup schedule (interval {}) needs {history} of history before each trial for a stationary start: with the warm-up and window that is about {writes:.3e} writes per trial (at most {MAX_WRITES_PER_TRIAL:e}): lower the rate or shorten the interval",
                            spec.interval
                        )));
                    }
                    history
                }
                _ => SimDuration::ZERO,
            };
            // Refuse other work that cannot finish, and values whose results cannot be
            // represented.
            crate::limits::check_trial(scenario, &replication, &forward, history).map_err(TrialError::Scenario)?;
            let stability = match &replication {
                // One member of a quorum: its link against the writes it must carry.
                crate::model::ReplicationSpec::Quorum { .. } => crate::model::Stability::from_rates(
                    d.workload.mean_bytes_per_s(),
                    forward.mean_throughput_bytes_per_s(),
                ),
                _ => replication.build(&forward, &d.workload, TrialStreams::new(0, 0), SimTime::ZERO)?.stability(),
            };
            let reverse_id = topo.link(&name, &d.primary).unwrap_or(link_id);
            let proximity = proximity(s);
            copies.push(CopyPlan {
                name,
                site: s.0 as usize,
                replication,
                link: forward,
                reverse: topo.link_spec(reverse_id).clone(),
                watched: Watched { primary, standby: s, link: link_id, reverse: reverse_id },
                proximity,
                stability,
            });
        }

        crate::recovery::tiers::validate(&d.tiers).map_err(|m| TrialError::Scenario(format!("deployment.{m}")))?;

        // The copies in quorum mode form one quorum with the primary's own copy.
        let quorum_members: Vec<usize> = (0..copies.len())
            .filter(|&k| matches!(copies[k].replication, crate::model::ReplicationSpec::Quorum { .. }))
            .collect();
        let quorum = match quorum_members.first() {
            None => None,
            Some(&first) => {
                let crate::model::ReplicationSpec::Quorum { k } = copies[first].replication else { unreachable!() };
                let n = 1 + quorum_members.len();
                if let Some(&other) = quorum_members.iter().find(
                    |&&m| !matches!(copies[m].replication, crate::model::ReplicationSpec::Quorum { k: x } if x == k),
                ) {
                    return Err(TrialError::Scenario(format!(
                        "the copies at {:?} and {:?} are in quorum mode with different k: one quorum has one k",
                        copies[first].name, copies[other].name
                    )));
                }
                if k == 0 || k > n {
                    return Err(TrialError::Scenario(format!(
                        "quorum k = {k} is not allowed: the quorum has n = {n} members (the primary's copy and {} in quorum mode); k must be in [1, {n}]",
                        quorum_members.len()
                    )));
                }
                Some((k, quorum_members))
            }
        };

        // The data stores' copies, each over the link from the primary to its site.
        let mut watches: Vec<Watched> = copies.iter().map(|c| c.watched).collect();
        let mut stores = Vec::with_capacity(d.stores.len());
        let mut store_writes = 0.0;
        for (i, store) in d.stores.iter().enumerate() {
            store.validate().map_err(|m| TrialError::Scenario(format!("stores[{i}]: {m}")))?;
            let mut plans = Vec::with_capacity(store.copies.len());
            for (k, c) in store.copies.iter().enumerate() {
                let what = format!("stores[{i}].copies[{k}]");
                let s = site(&c.site, &what)?;
                if s == primary {
                    return Err(TrialError::Scenario(format!(
                        "{what}.site = {:?} is the primary: a copy lives on another site",
                        c.site
                    )));
                }
                let link_id = topo.link(&d.primary, &c.site).ok_or_else(|| {
                    TrialError::Scenario(format!("{what}: no link from primary {:?} to {:?}", d.primary, c.site))
                })?;
                let forward = topo.link_spec(link_id).clone();
                let history = match &c.replication {
                    crate::model::ReplicationSpec::Snapshot(spec) => {
                        crate::model::SnapshotShipping::history(spec, &forward, &store.workload)
                    }
                    _ => SimDuration::ZERO,
                };
                // Every copy simulates the store's whole log.
                store_writes += store.workload.mean_rate_per_s()
                    * (history.as_secs_f64()
                        + scenario.disaster.warm_up.as_secs_f64()
                        + scenario.disaster.window.as_secs_f64());
                crate::limits::check_copy(
                    scenario,
                    &store.workload,
                    store.dataset_bytes,
                    &c.replication,
                    &forward,
                    history,
                )
                .map_err(|m| TrialError::Scenario(format!("{what}: {m}")))?;
                if let crate::model::ReplicationSpec::Quorum { .. } = c.replication {
                    return Err(TrialError::Scenario(format!(
                        "{what}: mode quorum is for the database's copies (a strategy's replication and replicas); give a store's copies in their own modes"
                    )));
                }
                let stability = c
                    .replication
                    .build(&forward, &store.workload, TrialStreams::new(0, 0), SimTime::ZERO)
                    .map_err(|e| TrialError::Scenario(format!("{what}: {e}")))?
                    .stability();
                plans.push(StoreCopyPlan {
                    site: s.0 as usize,
                    replication: c.replication.clone(),
                    link: forward,
                    watch: watches.len(),
                    proximity: proximity(s),
                    stability,
                });
                watches.push(Watched {
                    primary,
                    standby: s,
                    link: link_id,
                    reverse: topo.link(&c.site, &d.primary).unwrap_or(link_id),
                });
            }
            stores.push(plans);
        }
        // Every copy replays its log: the database's once per copy, each store's once per copy
        // (snapshot histories included).
        let total = writes * copies.len() as f64 + store_writes;
        if total > MAX_WRITES_PER_TRIAL {
            return Err(TrialError::Scenario(format!(
                "the database's {} copies and the [[stores]]' copies simulate about {total:.3e} writes per trial over disaster.warm_up + disaster.window (and each snapshot copy's history of about one interval) (at most {MAX_WRITES_PER_TRIAL:e}): shorten the warm-up or the window, lower the rates, or use fewer copies",
                copies.len()
            )));
        }

        // The disasters: the single one, or the mix.
        let single = [DisasterChoice::infrastructure(scenario.disaster.target.clone(), 1.0)];
        let choices: &[DisasterChoice] = if scenario.mix.is_empty() { &single } else { &scenario.mix };
        let total: f64 = choices.iter().map(|c| c.weight).sum();
        for (i, c) in choices.iter().enumerate() {
            if !(c.weight.is_finite() && c.weight > 0.0) {
                return Err(TrialError::Scenario(format!(
                    "disasters[{i}].weight = {} is not allowed (must be finite and > 0)",
                    c.weight
                )));
            }
        }
        if !total.is_finite() {
            return Err(TrialError::Scenario("disasters: the weights' sum is not finite".into()));
        }
        let mut disasters = Vec::with_capacity(choices.len());
        let mut cumulative = 0.0;
        for (i, c) in choices.iter().enumerate() {
            let what =
                if scenario.mix.is_empty() { "disaster.target".to_string() } else { format!("disasters[{i}].target") };
            c.check_kind().map_err(|m| TrialError::Scenario(format!("disasters[{i}] {m}")))?;
            cumulative += c.weight / total;
            let cumulative_here = if i + 1 == choices.len() { 1.0 } else { cumulative };
            if let Some((kind, data)) = c.data() {
                let mut damaged = Vec::with_capacity(data.stores.len());
                for (k, name) in data.stores.iter().enumerate() {
                    let idx = if name == crate::model::store::DATABASE {
                        0
                    } else {
                        1 + d.stores.iter().position(|s| &s.name == name).ok_or_else(|| {
                            TrialError::Scenario(format!(
                                "disasters[{i}].{kind}.stores[{k}] = {name:?} is neither \"database\" nor a store of [[stores]]"
                            ))
                        })?
                    };
                    damaged.push(idx);
                }
                let default_throughput =
                    data.restore_throughput_bytes_per_s.unwrap_or(crate::corruption::DEFAULT_RESTORE_THROUGHPUT);
                let restore = std::iter::once(default_throughput)
                    .chain(d.stores.iter().map(|s| s.restore_throughput_bytes_per_s.unwrap_or(default_throughput)))
                    .collect();
                disasters.push(PreparedDisaster {
                    label: c.label(),
                    cumulative: cumulative_here,
                    hit: vec![],
                    survivors: (0..copies.len()).collect(),
                    store_survivors: stores.iter().map(|p: &Vec<StoreCopyPlan>| (0..p.len()).collect()).collect(),
                    repair: c.repair.clone().unwrap_or_else(|| scenario.disaster.repair.clone()),
                    primary_data_survives: true,
                    data: Some(PreparedData {
                        kind,
                        stores: damaged,
                        dwell: data
                            .dwell
                            .clone()
                            .unwrap_or_else(|| crate::corruption::DataDisaster::default_dwell(kind)),
                        delete_probability: if kind == crate::corruption::DataDisasterKind::Ransomware {
                            data.delete_probability.unwrap_or(crate::corruption::DEFAULT_DELETE_PROBABILITY)
                        } else {
                            0.0
                        },
                        restore,
                        cutover: data
                            .cutover
                            .clone()
                            .unwrap_or_else(|| DurationDistribution::fixed(SimDuration::from_mins(5))),
                        replay: data.replay_after_damage,
                    }),
                });
                continue;
            }
            let Some(infra) = &c.target else { unreachable!("check_kind: exactly one is given") };
            let target = FailureProcess {
                target: infra.clone(),
                time_between_failures: DurationDistribution::fixed(SimDuration::from_secs(1)),
                time_to_repair: scenario.disaster.repair.clone(),
            }
            .resolve(topo, i)?;
            let mut outages = Outages::new(topo);
            let mut changes = vec![];
            outages.apply(target, true, &mut changes);
            let hit: Vec<usize> = changes
                .iter()
                .filter_map(|c| if let StateChange::SiteDown(s) = c { Some(s.0 as usize) } else { None })
                .collect();
            if !hit.contains(&(primary.0 as usize)) {
                return Err(TrialError::Scenario(format!(
                    "{what} ({infra}) does not take down the primary {:?} (a link or another site failing belongs in [[faults]])",
                    d.primary
                )));
            }
            let survivors = (0..copies.len()).filter(|&k| !hit.contains(&copies[k].site)).collect();
            let store_survivors = stores
                .iter()
                .map(|plans: &Vec<StoreCopyPlan>| {
                    (0..plans.len()).filter(|&k| !hit.contains(&plans[k].site)).collect::<Vec<usize>>()
                })
                .collect();
            disasters.push(PreparedDisaster {
                label: c.label(),
                cumulative: cumulative_here,
                hit,
                survivors,
                store_survivors,
                repair: c.repair.clone().unwrap_or_else(|| scenario.disaster.repair.clone()),
                primary_data_survives: c.primary_data_survives.unwrap_or(scenario.disaster.primary_data_survives),
                data: None,
            });
        }
        let n = topo.site_count();
        let mut capacity = vec![0; n];
        let mut shares = vec![0.0; n];
        let mut ready = vec![false; n];
        for (name, c) in &steady.capacity {
            capacity[site(name, "steady-state capacity")?.0 as usize] = *c;
        }
        for (name, s) in &steady.traffic {
            shares[site(name, "steady-state traffic")?.0 as usize] = *s;
        }
        for name in &steady.data_ready {
            ready[site(name, "steady-state data")?.0 as usize] = true;
        }
        for (name, x) in &steady.database_size {
            site(name, "steady-state database")?;
            if !(x.is_finite() && (0.0..=MAX_DATABASE_SIZE).contains(x)) {
                return Err(TrialError::Scenario(format!(
                    "steady-state database_size at site {name:?} = {x} is not allowed (must be finite, >= 0 and at most {MAX_DATABASE_SIZE:e} production databases)"
                )));
            }
        }
        Ok(DisasterTrial {
            scenario,
            strategy,
            steady,
            copies,
            stores,
            watches,
            tier_names: d.tiers.iter().map(|t| t.name.clone()).collect(),
            quorum,
            disasters,
            capacity,
            shares,
            ready,
            faults,
        })
    }

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

    /// Runs trial `trial` of the run seeded with `seed`.
    pub fn run(&self, seed: u64, trial: u64) -> Result<TrialOutcome, TrialError> {
        let sc = self.scenario;
        let streams = TrialStreams::new(seed, trial);
        // The mix's draw has a stream of its own: the disaster instants and repairs are the
        // same draws with or without a mix.
        let which = if self.disasters.len() > 1 {
            let u: f64 = streams.rng(StreamId::DISASTER_MIX).random();
            self.disasters.iter().position(|d| u < d.cumulative).unwrap_or(self.disasters.len() - 1)
        } else {
            0
        };
        let mut disaster_rng = streams.rng(StreamId::DISASTER);
        let window = sc.disaster.window.as_nanos();
        let offset = if window == 0 { 0 } else { disaster_rng.random_range(0..window) };
        let t_d = SimTime::ZERO + sc.disaster.warm_up + SimDuration::from_nanos(offset);
        let repair = self.disasters[which].repair.sample(&mut disaster_rng);
        if let Some(data) = &self.disasters[which].data {
            // The infrastructure stays up: no fault history to follow.
            return Ok(self.run_data(&self.disasters[which], data, trial, streams, t_d));
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
        let d = &sc.deployment;
        let end = t_d + sc.horizon;
        let dis = self.disasters.get(which).ok_or_else(|| {
            TrialError::Scenario(format!("disaster {which} is not in the mix ({} entries)", self.disasters.len()))
        })?;
        if let Some(data) = &dis.data {
            return Ok(self.run_data(dis, data, trial, streams, t_d));
        }
        if faults.len() != self.watches.len() {
            return Err(TrialError::Scenario(format!(
                "{} fault histories for {} copies: one per copy (see DisasterTrial::fault_history)",
                faults.len(),
                self.watches.len()
            )));
        }

        // Data: what each copy lacks at the disaster, with its link's outages before it acting
        // on replication (queueing, blocking or degrading). Copies the disaster destroys still
        // shaped the writes before it (a synchronous copy's commit latency, a blocked link).
        let start = start.min(t_d);
        let mut losses = vec![None; self.copies.len()];
        let mut write_blocked = SimDuration::ZERO;
        let (mut commit_latency_p50, mut commit_latency_p99) = (None, None);
        let mut flags = TrialFlags::default();
        if let Some((k, members)) = &self.quorum {
            self.quorum_losses(
                *k,
                members,
                dis,
                streams,
                start,
                t_d,
                faults,
                &mut losses,
                &mut flags,
                &mut commit_latency_p50,
                &mut commit_latency_p99,
                &mut write_blocked,
            )?;
        }
        for (k, copy) in self.copies.iter().enumerate() {
            if let crate::model::ReplicationSpec::Quorum { .. } = copy.replication {
                continue;
            }
            let mut repl = copy.replication.build(&copy.link, &d.workload, streams, start)?;
            // A trial reads losses and backlogs, never the peak backlog.
            repl.untrack_peaks();
            replay_link_outages(repl.as_mut(), &faults[k], start, t_d)?;
            let survives = dis.survivors.contains(&k);
            if survives {
                losses[k] = Some(repl.loss_at(t_d)?);
            } else {
                repl.advance_to(t_d)?;
            }
            write_blocked = write_blocked.max(repl.stats().write_blocked);
            if commit_latency_p50.is_none()
                && let Some(h) = repl.commit_latencies()
                // One pass over the histogram for both.
                && let Some([p50, p99]) = h.quantiles([0.5, 0.99])
            {
                commit_latency_p50 = Some(SimDuration::from_nanos(p50));
                commit_latency_p99 = Some(SimDuration::from_nanos(p99));
            }
            flags.unstable_replication |= repl.stability().is_unstable();
        }

        // The data stores: what each surviving copy lacks at the disaster, from the store's own
        // family of streams (its writes are not the database's), and the copy each recovers
        // from (the least loss, the closer site on ties).
        let mut store_ctx: Vec<crate::recovery::StoreRecovery<'_>> = Vec::with_capacity(self.stores.len());
        for (j, plans) in self.stores.iter().enumerate() {
            let store = &d.stores[j];
            let family = streams.family(j as u64 + 1);
            let mut found: Vec<(usize, Loss)> = Vec::with_capacity(dis.store_survivors[j].len());
            for &k in &dis.store_survivors[j] {
                let c = &plans[k];
                let mut repl = c.replication.build(&c.link, &store.workload, family, start)?;
                repl.untrack_peaks();
                replay_link_outages(repl.as_mut(), &faults[c.watch], start, t_d)?;
                found.push((k, repl.loss_at(t_d)?));
            }
            flags.unstable_replication |= plans.iter().any(|c| c.stability.is_unstable());
            let best = found.iter().min_by_key(|&&(k, l)| (l.writes_lost, plans[k].proximity, k)).copied();
            store_ctx.push(match best {
                Some((k, loss)) => crate::recovery::StoreRecovery {
                    name: &store.name,
                    site: Some(&store.copies[k].site),
                    loss,
                    restore: match &plans[k].replication {
                        crate::model::ReplicationSpec::Snapshot(_) if store.restore_secs() > 0.0 => {
                            store.restore_throughput_bytes_per_s.map(|t| (store.dataset_bytes, t))
                        }
                        _ => None,
                    },
                },
                None => crate::recovery::StoreRecovery {
                    name: &store.name,
                    site: None,
                    loss: Loss::default(),
                    restore: None,
                },
            });
        }

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
        let detected = sc.detection.detect(t_d, &mut streams.rng(StreamId::DETECTION));
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

        // Service: steady state, then the disaster takes the hit sites down (and a fault may
        // have the standby down too).
        let standby = copy.site;
        let mut service = self.fresh_service(&dis.hit);
        let mut watch = ServiceWatch::new(sc.service_level);

        // Recovery: never before detection, never while the standby is down. A standby outage
        // loses the work done on it (instances, restored data): recovery restarts from the
        // beginning once it is repaired (attempt + 1).
        let mut strategy_rng = streams.rng(StreamId::STRATEGY);
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
                copies: &copies,
                attempt,
                stores: &store_ctx,
            };
            let runbook = crate::recovery::tiers::split_launches(
                self.strategy.recovery(&ctx)?.with_store_restores(&store_ctx),
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

        let rto = watch.restored.map(|r| r - t_d);
        let first_served = earliest(first_served, watch.first_partial);
        let first_partial = first_served.map(|r| r - t_d);

        // Failback, once the primary is back (the disaster repaired and no fault of its own
        // under way) and the service restored; it waits for the standby and the way back.
        let (mut failback, mut write_freeze) = (None, None);
        let (mut failback_bytes_lost, mut failback_rpo) = (0u64, SimDuration::ZERO);
        let mut serving_until = end;
        if let Some(restored) = watch.restored {
            let back = faults.primary.up_from(t_d + repair);
            // Writes went to the standby from the moment it served any demand.
            let writes_from = first_served.unwrap_or(restored).min(restored);
            let mut fb_at = back.max(restored);
            let mut workload_rng = streams.rng(StreamId::FAILBACK_WORKLOAD);
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
                    copies: &copies,
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
                let run = execute(&runbook, fb_at, stop, &mut strategy_rng, &mut service, &mut fb_watch, &|name| {
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
        }
        let serving_outage = match watch.restored {
            Some(r) if serving_until > r => faults.standby.within(r, serving_until),
            _ => SimDuration::ZERO,
        };

        // The service's loss over its stores: the largest RPO (censored if any store has no
        // copy), the sums of writes and bytes, the oldest copy.
        let mut rto = rto;
        let (mut rpo, mut writes_lost, mut bytes_lost, mut copy_age) =
            (Some(loss.rpo), loss.writes_lost, loss.bytes_lost, loss.copy_age);
        let mut stores = Vec::with_capacity(store_ctx.len() + 1);
        if !store_ctx.is_empty() {
            stores.push(StoreOutcome {
                name: crate::model::store::DATABASE.to_string(),
                recovered_from: Some(copy.name.clone()),
                rpo: Some(loss.rpo),
                writes_lost: loss.writes_lost,
                bytes_lost: loss.bytes_lost,
                copy_age: loss.copy_age,
            });
        }
        for st in &store_ctx {
            let (store_rpo, from) = match st.site {
                Some(site) => (Some(st.loss.rpo), Some(site.to_string())),
                // No copy of this store survived but the primary's data did: the store (so the
                // whole service) is back only with the primary.
                None if dis.primary_data_survives => {
                    let back = faults.primary.up_from(t_d + repair);
                    if back >= end {
                        rto = None;
                        flags.outlasted_horizon = true;
                    } else {
                        rto = rto.map(|r| r.max(back - t_d));
                    }
                    (Some(SimDuration::ZERO), Some(d.primary.clone()))
                }
                None => {
                    flags.no_surviving_copy = true;
                    (None, None)
                }
            };
            rpo = rpo.zip(store_rpo).map(|(a, b)| a.max(b));
            writes_lost += st.loss.writes_lost;
            bytes_lost += st.loss.bytes_lost;
            copy_age = copy_age.max(st.loss.copy_age);
            stores.push(StoreOutcome {
                name: st.name.to_string(),
                recovered_from: from,
                rpo: store_rpo,
                writes_lost: st.loss.writes_lost,
                bytes_lost: st.loss.bytes_lost,
                copy_age: st.loss.copy_age,
            });
        }

        Ok(TrialOutcome {
            trial,
            disaster: dis.label.clone(),
            from_mix: self.disasters.len() > 1,
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
            rto_met: sc.objectives.rto.map(|o| rto.is_some_and(|r| r <= o)),
            rpo_met: sc.objectives.rpo.map(|o| rpo.is_some_and(|r| r <= o)),
            flags,
        })
    }
}

impl DisasterTrial<'_> {
    /// A logical disaster at `t_c` (docs/model.md, "Logical corruption"): detected a dwell time
    /// later; each damaged store restores its newest clean recovery point still there at
    /// detection ([`crate::corruption::newest_clean_point`] over its copies), all in parallel,
    /// then traffic is cut over. RTO is from `t_c` (the damage) like every RTO here; the
    /// detection delay is the dwell, so `rto − detection_delay` is the outage after detection.
    /// A damaged store without a clean point: its RPO, the service's and the RTO censored, flag
    /// `no_clean_copy`.
    fn run_data(
        &self,
        dis: &PreparedDisaster,
        data: &PreparedData,
        trial: u64,
        streams: TrialStreams,
        t_c: SimTime,
    ) -> TrialOutcome {
        use crate::corruption::{DataDisasterKind, count_writes, newest_clean_point};
        use crate::model::ReplicationSpec;
        let sc = self.scenario;
        let d = &sc.deployment;
        let mut rng = streams.rng(StreamId::CORRUPTION);
        let dwell = data.dwell.sample(&mut rng).min(crate::corruption::MAX_DWELL);
        let t_det = t_c.saturating_add(dwell);
        let attacked = data.kind == DataDisasterKind::Ransomware && rng.random::<f64>() < data.delete_probability;
        let mut flags = TrialFlags::default();
        let (mut rpo, mut writes_lost, mut bytes_lost, mut copy_age) =
            (Some(SimDuration::ZERO), 0, 0, SimDuration::ZERO);
        let mut restore = SimDuration::ZERO;
        let mut stores = vec![];
        for idx in 0..=d.stores.len() {
            let (name, workload, dataset) = match idx {
                0 => (crate::model::store::DATABASE, &d.workload, d.dataset_bytes),
                j => (d.stores[j - 1].name.as_str(), &d.stores[j - 1].workload, d.stores[j - 1].dataset_bytes),
            };
            let damaged = data.stores.contains(&idx);
            let (store_rpo, from, w, b) = if !damaged {
                (Some(SimDuration::ZERO), Some(d.primary.clone()), 0, 0)
            } else {
                let specs: Vec<(&ReplicationSpec, &str)> = match idx {
                    0 => self.copies.iter().map(|c| (&c.replication, c.name.as_str())).collect(),
                    j => d.stores[j - 1].copies.iter().map(|c| (&c.replication, c.site.as_str())).collect(),
                };
                // The youngest clean point over the copies: the smallest age before the damage.
                let mut best: Option<(SimDuration, &str)> = None;
                for (spec, site) in specs {
                    let phase = match spec {
                        ReplicationSpec::Snapshot(s) => s.phase.unwrap_or_else(|| {
                            SimDuration::from_nanos(rng.random_range(0..s.interval.as_nanos().max(1)))
                        }),
                        _ => SimDuration::ZERO,
                    };
                    if let Some(age) = newest_clean_point(spec, t_c, t_det, phase, attacked, &mut rng)
                        && best.is_none_or(|(b, _)| age < b)
                    {
                        best = Some((age, site));
                    }
                }
                match best {
                    Some((age, site)) => {
                        // Without replay the writes after the damage are lost too.
                        let lost = if data.replay { age } else { age.saturating_add(dwell) };
                        let (w, b) = count_writes(workload, lost, &mut rng);
                        let secs = if dataset > 0.0 { dataset / data.restore[idx] } else { 0.0 };
                        restore = restore.max(SimDuration::from_secs_f64(secs));
                        copy_age = copy_age.max(lost);
                        (Some(lost), Some(site.to_string()), w, b)
                    }
                    None => {
                        flags.no_clean_copy = true;
                        (None, None, 0, 0)
                    }
                }
            };
            rpo = rpo.zip(store_rpo).map(|(a, b)| a.max(b));
            writes_lost += w;
            bytes_lost += b;
            if !d.stores.is_empty() {
                stores.push(StoreOutcome {
                    name: name.to_string(),
                    recovered_from: from,
                    rpo: store_rpo,
                    writes_lost: w,
                    bytes_lost: b,
                    copy_age: store_rpo.unwrap_or(SimDuration::ZERO),
                });
            }
        }
        let cutover = data.cutover.sample(&mut rng);
        let back = t_det.saturating_add(restore).saturating_add(cutover);
        // Without a clean point of every damaged store there is nothing to bring the service
        // back with: the RTO is censored too (rebuilding from nothing is outside the model).
        let rto = (!flags.no_clean_copy && back - t_c <= sc.horizon).then(|| back - t_c);
        flags.outlasted_horizon = !flags.no_clean_copy && rto.is_none();
        TrialOutcome {
            trial,
            disaster: dis.label.clone(),
            from_mix: self.disasters.len() > 1,
            disaster_at: t_c,
            detection_delay: dwell,
            first_partial_service: rto,
            rto,
            rpo,
            recovered_at: Some(d.primary.clone()),
            writes_lost,
            bytes_lost,
            copy_age,
            stores,
            failback: None,
            write_freeze: None,
            failback_done_at: None,
            failback_bytes_lost: 0,
            failback_rpo: SimDuration::ZERO,
            write_blocked: SimDuration::ZERO,
            serving_outage: SimDuration::ZERO,
            commit_latency_p50: None,
            commit_latency_p99: None,
            rto_met: sc.objectives.rto.map(|o| rto.is_some_and(|r| r <= o)),
            rpo_met: sc.objectives.rpo.map(|o| rpo.is_some_and(|r| r <= o)),
            flags,
        }
    }

    /// The copies in quorum mode: one [`crate::model::Quorum`] over the primary's copy and
    /// theirs, each member's link with its outages before `t_d`; every surviving member's loss
    /// is the quorum's over the survivors (a recovery reads the longest surviving copy).
    #[allow(clippy::too_many_arguments)]
    fn quorum_losses(
        &self,
        k: usize,
        members: &[usize],
        dis: &PreparedDisaster,
        streams: TrialStreams,
        start: SimTime,
        t_d: SimTime,
        faults: &[FaultHistory],
        losses: &mut [Option<Loss>],
        flags: &mut TrialFlags,
        p50: &mut Option<SimDuration>,
        p99: &mut Option<SimDuration>,
        write_blocked: &mut SimDuration,
    ) -> Result<(), TrialError> {
        use crate::model::{Quorum, QuorumMember};
        let quorum_err = |e: crate::model::QuorumError| TrialError::Scenario(format!("quorum: {e}"));
        let d = &self.scenario.deployment;
        let spec: Vec<QuorumMember> = std::iter::once(QuorumMember::Local)
            .chain(members.iter().map(|&c| QuorumMember::Remote(self.copies[c].link.clone())))
            .collect();
        let mut q = Quorum::build(&spec, k, &d.workload, streams, start)?;
        // Each member's link outages, in time order across the members (the model only moves
        // forward).
        let mut events: Vec<(SimTime, bool, usize)> = vec![];
        for (j, &c) in members.iter().enumerate() {
            let outages = faults[c].link.intervals();
            let first = outages.partition_point(|&(_, b)| b <= start);
            for &(a, b) in &outages[first..] {
                if a >= t_d {
                    break;
                }
                events.push((a.max(start), true, j + 1));
                if b <= t_d {
                    events.push((b, false, j + 1));
                }
            }
        }
        // At one instant a repair before a failure (adjacent outages of one link).
        events.sort_by_key(|&(t, down, m)| (t, down, m));
        // Writes cannot commit while fewer than k members can hold them (the primary's own
        // copy always can): write unavailability, as synchronous `block` counts it.
        let mut remote_up = members.len();
        let mut blocked_since: Option<SimTime> = None;
        let mut blocked = SimDuration::ZERO;
        for &(t, down, m) in &events {
            if down { q.link_down(m, t) } else { q.link_up(m, t) }.map_err(quorum_err)?;
            remote_up = if down { remote_up.saturating_sub(1) } else { remote_up + 1 };
            match (1 + remote_up < k, blocked_since) {
                (true, None) => blocked_since = Some(t),
                (false, Some(since)) => {
                    blocked += t - since;
                    blocked_since = None;
                }
                _ => {}
            }
        }
        if let Some(since) = blocked_since {
            blocked += t_d.saturating_since(since);
        }
        *write_blocked = (*write_blocked).max(blocked);
        // The primary is down: the disaster took it.
        let surviving: Vec<bool> =
            std::iter::once(false).chain(members.iter().map(|c| dis.survivors.contains(c))).collect();
        let loss = q.loss_at(t_d, &surviving).map_err(quorum_err)?;
        for (j, &c) in members.iter().enumerate() {
            if surviving[j + 1] {
                losses[c] = loss;
            }
            flags.unstable_replication |= q.stability(j + 1).is_some_and(|s| s.is_unstable());
        }
        if p50.is_none()
            && let Some([a, b]) = q.commit_latencies().quantiles([0.5, 0.99])
        {
            *p50 = Some(SimDuration::from_nanos(a));
            *p99 = Some(SimDuration::from_nanos(b));
        }
        Ok(())
    }

    /// The outcome when the disaster left no copy but the primary's: if the primary's data
    /// survived, the service comes back with the primary (after its repair and any fault of its
    /// own), losing nothing; otherwise nothing is left to recover from and the trial is
    /// censored (RTO and RPO `None`, `no_surviving_copy`), never dropped.
    #[allow(clippy::too_many_arguments)]
    fn nothing_survived(
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
        // Every store waits with the database: back with the primary, or lost with it.
        let stores = if store_ctx.is_empty() {
            vec![]
        } else {
            std::iter::once(crate::model::store::DATABASE)
                .chain(store_ctx.iter().map(|s| s.name))
                .map(|name| StoreOutcome {
                    name: name.to_string(),
                    recovered_from: rpo.map(|_| sc.deployment.primary.clone()),
                    rpo,
                    writes_lost: 0,
                    bytes_lost: 0,
                    copy_age: SimDuration::ZERO,
                })
                .collect()
        };
        TrialOutcome {
            trial,
            disaster: dis.label.clone(),
            from_mix: self.disasters.len() > 1,
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
            rto_met: sc.objectives.rto.map(|o| rto.is_some_and(|r| r <= o)),
            rpo_met: sc.objectives.rpo.map(|o| rpo.is_some_and(|r| r <= o)),
            flags,
        }
    }
}

/// Replays a copy's link outages before `t_d` on its replication model (queueing, blocking or
/// degrading); outages over before the model starts leave no trace (a horizon's history is
/// global).
fn replay_link_outages(
    repl: &mut (dyn crate::model::Replication + Send),
    faults: &FaultHistory,
    start: SimTime,
    t_d: SimTime,
) -> Result<(), ReplicationError> {
    let link_outages = faults.link.intervals();
    let first = link_outages.partition_point(|&(_, b)| b <= start);
    for &(a, b) in &link_outages[first..] {
        if a >= t_d {
            break;
        }
        repl.link_down(a.max(start))?;
        if b <= t_d {
            repl.link_up(b)?;
        }
    }
    Ok(())
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

/// A ready-made two-region scenario for tests and quick studies: primary `P` in region `A`
/// (zone `a1`), standby `S` in region `B` (zone `b1`), one link `P → S`, Poisson writes with
/// exponential sizes, and a failure of region `A`.
///
/// ```
/// use drsim_core::trial::TwoRegions;
/// let scenario = TwoRegions { writes_per_s: 20.0, ..TwoRegions::default() }.scenario();
/// assert_eq!(scenario.deployment.primary, "P");
/// ```
#[derive(Clone, Debug)]
pub struct TwoRegions {
    /// Production instances (`instances_needed` of both sites).
    pub needed: u32,
    /// Poisson write rate.
    pub writes_per_s: f64,
    /// Mean of the exponential write sizes.
    pub mean_write_bytes: f64,
    /// One-way latency of the link.
    pub latency: DurationDistribution,
    /// Bandwidth of the link.
    pub bandwidth_bytes_per_s: f64,
    /// Size of the data set.
    pub dataset_bytes: f64,
    /// Detection.
    pub detection: Detection,
    /// Warm-up before the earliest disaster.
    pub warm_up: SimDuration,
    /// Window in which the disaster strikes.
    pub window: SimDuration,
    /// Time until the primary is back.
    pub repair: DurationDistribution,
    /// Whether the primary's data survives.
    pub primary_data_survives: bool,
    /// How long after the disaster the trial follows recovery and failback.
    pub horizon: SimDuration,
}

impl Default for TwoRegions {
    /// 8 instances; 5 writes/s of 64 KiB; 40 ms, 50 MB/s; a 10 GB data set; detection after a
    /// fixed 90 s; disaster at 60 s + U(0, 60 s); primary back after 2 h, data lost; 7 days.
    fn default() -> Self {
        TwoRegions {
            needed: 8,
            writes_per_s: 5.0,
            mean_write_bytes: 65_536.0,
            latency: DurationDistribution::fixed(SimDuration::from_millis(40)),
            bandwidth_bytes_per_s: 50e6,
            dataset_bytes: 10e9,
            detection: Detection::Delay { delay: DurationDistribution::fixed(SimDuration::from_secs(90)) },
            warm_up: SimDuration::from_secs(60),
            window: SimDuration::from_secs(60),
            repair: DurationDistribution::fixed(SimDuration::from_hours(2)),
            primary_data_survives: false,
            horizon: SimDuration::from_days(7),
        }
    }
}

impl TwoRegions {
    /// Builds the scenario.
    ///
    /// # Panics
    /// If a number is out of range (a negative rate or bandwidth): this is a test helper, and
    /// its fields are meant to be set by hand.
    pub fn scenario(self) -> DisasterScenario {
        use crate::engine::Distribution;
        use crate::model::{LinkSpec, SiteSpec, Topology, TopologySpec, WorkloadSpec, ZoneSpec};
        let site = |name: &str, zone: &str| SiteSpec {
            name: name.into(),
            zone: zone.into(),
            instances_running: 0,
            instances_needed: self.needed,
        };
        let topology = Topology::new(TopologySpec {
            regions: vec!["A".into(), "B".into()],
            zones: vec![
                ZoneSpec { name: "a1".into(), region: "A".into() },
                ZoneSpec { name: "b1".into(), region: "B".into() },
            ],
            sites: vec![site("P", "a1"), site("S", "b1")],
            links: vec![LinkSpec::new("P", "S", self.latency, self.bandwidth_bytes_per_s).expect("valid link")],
        })
        .expect("valid topology");
        let sizes = Distribution::exponential(self.mean_write_bytes).expect("valid write size");
        DisasterScenario {
            deployment: Deployment {
                topology,
                primary: "P".into(),
                standby: "S".into(),
                workload: WorkloadSpec::poisson(self.writes_per_s, sizes).expect("valid workload"),
                dataset_bytes: self.dataset_bytes,
                stores: vec![],
                tiers: vec![],
            },
            disaster: DisasterSpec {
                target: FailureTarget::Region("A".into()),
                warm_up: self.warm_up,
                window: self.window,
                repair: self.repair,
                primary_data_survives: self.primary_data_survives,
            },
            mix: vec![],
            detection: self.detection,
            service_level: 1.0,
            objectives: Objectives::default(),
            faults: vec![],
            horizon: self.horizon,
        }
    }
}
