//! What a disaster trial records: the outcome, its flags, each store's loss, and the same as a
//! row of data.

use super::*;

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
    /// Whether it was a logical disaster (corruption, ransomware, deletion): the service ran
    /// until its detection, so the outage users saw is `rto − detection_delay`.
    pub logical: bool,
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
