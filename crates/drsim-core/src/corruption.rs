//! Logical disasters: corruption, ransomware, deletion. The infrastructure stays up; the data
//! goes bad, every live copy copies the damage, and only a clean recovery point taken before it
//! can bring it back.
//!
//! ```text
//!   backups  ●───────●───────●───────●───────●───────●───────●        (every interval I)
//!                            ▲ newest clean point s        │
//!   writes   ────────────────┼──────────╳══════════════════╪════════►
//!                                      t_c (damage)        │ t_c + D (detected)
//!   replicas ──────────────────────────╳══════════════════════►  (copied the damage after their lag)
//!            RPO = t_c − s;  retention decides whether s still exists at detection;
//!            ransomware deletes the backups it can reach, not those in a locked or isolated vault
//! ```
//!
//! A trial of a logical disaster does not simulate writes: nothing in it depends on their
//! order. It draws the damage instant `t_c` (as any disaster's), the dwell time `D` until
//! detection, each backup schedule's phase and job failures, and counts the writes lost
//! (docs/model.md, "Logical corruption"). [`newest_clean_point`] is the rule for one copy.

use rand::RngExt;
use serde::{Deserialize, Serialize};

use crate::engine::{Distribution, DurationDistribution, SimDuration, SimRng, SimTime};
#[cfg(doc)]
use crate::model::Vault;
use crate::model::{ReplicationSpec, SnapshotSpec, WorkloadSpec};

/// What kind of logical disaster.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum DataDisasterKind {
    /// A bad migration, a bug writing garbage.
    Corruption,
    /// An attacker encrypts the data and destroys the backups it can reach.
    Ransomware,
    /// An operator deletes data.
    Deletion,
}

impl std::fmt::Display for DataDisasterKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            DataDisasterKind::Corruption => "corruption",
            DataDisasterKind::Ransomware => "ransomware",
            DataDisasterKind::Deletion => "deletion",
        })
    }
}

/// A logical disaster of a disaster mix: `corruption = { ... }`, `ransomware = { ... }` or
/// `deletion = { ... }` in a `[[disasters]]` entry.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DataDisaster {
    /// The stores it damages: `database` (the deployment's own) and names of `[[stores]]`.
    pub stores: Vec<String>,
    /// Time from the damage to its detection. Default per kind ([`DataDisaster::default_dwell`]).
    #[serde(default)]
    pub dwell: Option<DurationDistribution>,
    /// Ransomware only: the probability that the attacker destroys every backup it can reach
    /// (those not in a locked or isolated vault). Default
    /// [`DEFAULT_DELETE_PROBABILITY`].
    #[serde(default)]
    pub delete_probability: Option<f64>,
    /// How fast the database is restored from a backup, bytes per second (a store uses its own
    /// `restore_throughput_bytes_per_s`, else this). Default [`DEFAULT_RESTORE_THROUGHPUT`].
    #[serde(default)]
    pub restore_throughput_bytes_per_s: Option<f64>,
    /// From the last restore done to traffic on the restored data (repoint, verify). Default
    /// a fixed 5 minutes (ESTIMATE).
    #[serde(default)]
    pub cutover: Option<DurationDistribution>,
    /// Whether the valid writes made between the damage and its detection are replayed onto
    /// the restored clean point (from the application's own log or queue). `true` (default):
    /// only the writes between the clean point and the damage are lost, RPO = `t_c` − clean
    /// point. `false`: everything after the clean point is lost, RPO = detection − clean point
    /// (the dwell included).
    #[serde(default = "yes")]
    pub replay_after_damage: bool,
}

fn yes() -> bool {
    true
}

/// A logical disaster striking over a horizon run, again and again: `[[horizon.logical]]`
/// with `time_between` and one of `corruption`, `ransomware`, `deletion` (as in a mix entry).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogicalProcess {
    /// Time between two occurrences (a renewal process, started in its stationary state).
    pub time_between: DurationDistribution,
    /// Data corrupted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub corruption: Option<DataDisaster>,
    /// Ransomware.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ransomware: Option<DataDisaster>,
    /// Data deleted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deletion: Option<DataDisaster>,
}

impl LogicalProcess {
    /// The disaster it repeats.
    pub fn data(&self) -> Option<(DataDisasterKind, &DataDisaster)> {
        given_kinds(&self.corruption, &self.ransomware, &self.deletion).next()
    }

    /// Checks that exactly one kind is given, its keys, and a finite positive mean time between
    /// occurrences; the message names the key.
    pub fn validate(&self) -> Result<(), String> {
        let given = given_kinds(&self.corruption, &self.ransomware, &self.deletion).count();
        if given != 1 {
            return Err(format!("gives {given} of corruption, ransomware and deletion: give exactly one"));
        }
        if !self.time_between.mean_secs().is_some_and(|m| m.is_finite() && m > 0.0) {
            return Err(format!(
                "time_between = {:?} is not allowed (a duration distribution with a finite mean > 0)",
                self.time_between.inner()
            ));
        }
        let (kind, d) = self.data().expect("exactly one is given");
        d.validate(kind).map_err(|m| format!("{kind}.{m}"))
    }
}

/// The logical disasters given, of the three keys `corruption`, `ransomware`, `deletion` that a
/// `[[disasters]]` entry and a `[[horizon.logical]]` process both have, with their kinds.
pub(crate) fn given_kinds<'a>(
    corruption: &'a Option<DataDisaster>,
    ransomware: &'a Option<DataDisaster>,
    deletion: &'a Option<DataDisaster>,
) -> impl Iterator<Item = (DataDisasterKind, &'a DataDisaster)> {
    use DataDisasterKind as K;
    [(K::Corruption, corruption), (K::Ransomware, ransomware), (K::Deletion, deletion)]
        .into_iter()
        .filter_map(|(k, d)| d.as_ref().map(|d| (k, d)))
}

/// The longest dwell time: its mean may not exceed it, and draws are capped at it (a century:
/// far beyond any retention, so the cap changes no outcome).
pub const MAX_DWELL: SimDuration = SimDuration::from_days(36_525);

/// The default share of attacks that destroy the backups they can reach: Veeam's *Ransomware
/// Trends Report 2023* found backup repositories targeted in 93 % of attacks and 75 % of
/// victims losing some of their backups.
pub const DEFAULT_DELETE_PROBABILITY: f64 = 0.75;

/// The default restore throughput, 200 MB/s: a few streams at Amazon S3's 85–90 MB/s per
/// request (S3 performance guidelines), as `examples/scenarios/backup-restore.toml` uses.
pub const DEFAULT_RESTORE_THROUGHPUT: f64 = 200e6;

impl DataDisaster {
    /// The dwell time by default, heavy-tailed (lognormal, σ = 1: a tenth of the incidents take
    /// 3.6 times the median or more):
    /// - corruption: median 10 days, Mandiant *M-Trends 2024*'s global median dwell time for
    ///   2023;
    /// - ransomware: median 5 days, M-Trends 2024's median for ransomware intrusions;
    /// - deletion: median 2 hours (ESTIMATE: an operator's mistake is usually noticed the same
    ///   day).
    pub fn default_dwell(kind: DataDisasterKind) -> DurationDistribution {
        let median = match kind {
            DataDisasterKind::Corruption => 10.0 * 86_400.0,
            DataDisasterKind::Ransomware => 5.0 * 86_400.0,
            DataDisasterKind::Deletion => 2.0 * 3_600.0,
        };
        Distribution::lognormal(median, 1.0)
            .and_then(DurationDistribution::new)
            .expect("the default lognormal parameters are valid")
    }

    /// Its label in reports by default: the kind and the stores, `ransomware database, media`.
    pub fn label(&self, kind: DataDisasterKind) -> String {
        format!("{kind} {}", self.stores.join(", "))
    }

    /// Checks what can be checked without the deployment; the message names the key.
    pub fn validate(&self, kind: DataDisasterKind) -> Result<(), String> {
        if self.stores.is_empty() {
            return Err("stores is empty: name the damaged stores (`database` and/or [[stores]] names)".into());
        }
        for (i, s) in self.stores.iter().enumerate() {
            if self.stores[..i].contains(s) {
                return Err(format!("stores[{i}] = {s:?} is named twice"));
            }
        }
        if let Some(d) = &self.dwell
            && !d.mean_secs().is_some_and(|m| m.is_finite() && m <= MAX_DWELL.as_secs_f64())
        {
            return Err(format!(
                "dwell = {:?} is not allowed (a duration distribution with a finite mean of at most {MAX_DWELL}; draws are capped there)",
                d.inner()
            ));
        }
        if let Some(c) = &self.cutover
            && !c.mean_secs().is_some_and(f64::is_finite)
        {
            return Err(format!(
                "cutover = {:?} is not allowed (a duration distribution with a finite mean)",
                c.inner()
            ));
        }
        if let Some(p) = self.delete_probability {
            if kind != DataDisasterKind::Ransomware {
                return Err(format!(
                    "delete_probability = {p} is for ransomware only (an attacker destroying backups)"
                ));
            }
            if !(0.0..=1.0).contains(&p) {
                return Err(format!("delete_probability = {p} is not allowed (must be in [0, 1])"));
            }
        }
        if let Some(t) = self.restore_throughput_bytes_per_s
            && !(t.is_finite() && t > 0.0)
        {
            return Err(format!("restore_throughput_bytes_per_s = {t} is not allowed (must be finite and > 0)"));
        }
        Ok(())
    }
}

/// A clean recovery point of one copy: how long before the damage it was taken, and whether
/// it is a live copy to promote rather than a backup to restore.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CleanPoint {
    /// `t_c` − the point's time, ≥ 0.
    pub age: SimDuration,
    /// A delayed replica that had not yet applied the damage: promoted as it is, no restore.
    pub live: bool,
}

/// The newest clean recovery point of one copy still there at detection, or `None` when there
/// is none.
///
/// - A live copy (synchronous, asynchronous, semi-synchronous, quorum) applies the damaging
///   writes after its lag, far shorter than any dwell: it never holds a clean point.
/// - A `lag` copy whose lag `L` exceeds the dwell `D` — a copy fed on a delay — has not
///   received the damage at detection: it is stopped and holds the writes up to `t_det − L`, a
///   clean point `L − D` before the damage, promoted without a restore. One lag is drawn per
///   trial for the writes around the damage (exact for a fixed delay). It is a live database:
///   ransomware that reached the backups (`attacked`) encrypts it too. (A delayed-*apply*
///   replica holding the log could be rolled forward further: for it this is an upper bound.)
/// - A snapshot schedule (jobs at `phase + k·interval`, each failing with its probability) holds
///   the newest successful snapshot taken at or before `t_c` if it still exists at `t_det`:
///   fewer than `keep_newest` successful snapshots were taken after it, it is at most `max_age`
///   old — unless younger than a vault lock's `min_retention` — and the attacker (`attacked`)
///   did not destroy it: it cannot when its vault protects it at `t_c`
///   ([`Vault::attacker_can_delete`]). Copy times are taken as done by detection (they are
///   minutes, dwell times hours to weeks).
///
/// `phase` is the schedule's offset in `[0, interval)`; `rng` draws the job failures (none
/// when the failure probability is 0) and a lag copy's lag.
pub fn newest_clean_point(
    replication: &ReplicationSpec,
    t_c: SimTime,
    t_det: SimTime,
    phase: SimDuration,
    attacked: bool,
    rng: &mut SimRng,
) -> Option<CleanPoint> {
    match replication {
        ReplicationSpec::Snapshot(spec) => {
            if attacked && spec.vault.attacker_can_delete(t_c) {
                return None;
            }
            clean_snapshot(spec, t_c, t_det, phase, rng).map(|age| CleanPoint { age, live: false })
        }
        ReplicationSpec::Lag { lag } => {
            let lag = lag.sample(rng);
            let dwell = t_det.saturating_since(t_c);
            (!attacked && lag > dwell).then(|| CleanPoint { age: lag.saturating_sub(dwell), live: true })
        }
        _ => None,
    }
}

fn clean_snapshot(
    spec: &SnapshotSpec,
    t_c: SimTime,
    t_det: SimTime,
    phase: SimDuration,
    rng: &mut SimRng,
) -> Option<SimDuration> {
    let interval = i128::from(spec.interval.as_nanos().max(1));
    let phase = i128::from(phase.as_nanos()) % interval;
    let (tc, td) = (i128::from(t_c.as_nanos()), i128::from(t_det.as_nanos()));
    // Jobs at phase + j·interval: the last at or before t_c, and those up to detection.
    let j_c = (tc - phase).div_euclid(interval);
    let j_d = (td - phase).div_euclid(interval);
    let after = u64::try_from(j_d - j_c).unwrap_or(0);
    let p = spec.failure_probability;
    let succeeded_after = if p > 0.0 && after > 0 {
        rand_distr::Binomial::new(after, 1.0 - p).map_or(after, |b| rand_distr::Distribution::sample(&b, rng))
    } else {
        after
    };
    // A lock's minimum retention keeps what is younger than it at detection, whatever the
    // count says; without one, the count decides before the walk back (no draw wasted).
    let min_retention = spec.vault.min_retention().map(|m| i128::from(m.as_nanos()));
    let dropped_by_count = spec.retention.keep_newest.is_some_and(|k| succeeded_after >= u64::from(k));
    if dropped_by_count && min_retention.is_none() {
        return None;
    }
    // Walk back to the newest successful job at or before t_c: geometric failures.
    let failed_before = if p > 0.0 {
        if p >= 1.0 {
            return None;
        }
        let u: f64 = rng.random::<f64>().max(f64::MIN_POSITIVE);
        (u.ln() / p.ln()).floor().min(1e12) as i128
    } else {
        0
    };
    let s = phase + (j_c - failed_before) * interval;
    let held_by_lock = min_retention.is_some_and(|m| td - s < m);
    if dropped_by_count && !held_by_lock {
        return None;
    }
    if let Some(age) = spec.retention.max_age
        && td - s > i128::from(age.as_nanos())
        && !held_by_lock
    {
        return None;
    }
    // The schedule ran before the trial's start too (it is stationary): the point may be
    // before the clock's zero; its age is what counts.
    Some(SimDuration::from_nanos(u64::try_from(tc - s).unwrap_or(u64::MAX)))
}

/// The writes and bytes made over `span`, counted rather than simulated: the count is Poisson
/// with the workload's mean rate (exact for Poisson arrivals; for on/off bursts the mean rate
/// stands in), the bytes a Gamma sum for exponential sizes (exact) and the count times the
/// mean size otherwise.
pub fn count_writes(workload: &WorkloadSpec, span: SimDuration, rng: &mut SimRng) -> (u64, u64) {
    let lambda = workload.mean_rate_per_s() * span.as_secs_f64();
    if lambda.is_nan() || lambda <= 0.0 {
        return (0, 0);
    }
    let n = rand_distr::Poisson::new(lambda).map_or(lambda, |p| rand_distr::Distribution::sample(&p, rng));
    if n <= 0.0 {
        return (0, 0);
    }
    let bytes = match workload.size_bytes {
        Distribution::Exponential { mean } => {
            rand_distr::Gamma::new(n, mean).map_or(n * mean, |g| rand_distr::Distribution::sample(&g, rng))
        }
        _ => n * workload.mean_size_bytes(),
    };
    (n as u64, crate::engine::time::round_to_u64(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::rng::{StreamId, stream_rng};
    use crate::model::{LockMode, Retention, SnapshotKind, Vault, VaultLock};

    fn daily(keep_newest: Option<u32>, failure_probability: f64) -> SnapshotSpec {
        SnapshotSpec {
            interval: SimDuration::from_hours(24),
            phase: None,
            size: SnapshotKind::Incremental,
            retention: Retention { keep_newest, max_age: None },
            failure_probability,
            vault: Vault::Reachable,
        }
    }

    /// By hand: daily jobs at 02:00 (phase 2 h); damage on day 10 at 14:00, detected on day 13
    /// at 09:00. The newest clean snapshot is day 10's, 12 h before the damage; days 11, 12 and
    /// 13 were taken after it: kept with keep_newest ≥ 4, gone with 3.
    #[test]
    fn newest_clean_snapshot_by_hand() {
        let h = |x: u64| SimTime::ZERO + SimDuration::from_hours(x);
        let (t_c, t_det) = (h(10 * 24 + 14), h(13 * 24 + 9));
        let mut rng = stream_rng(1, 0, StreamId(99));
        let phase = SimDuration::from_hours(2);
        let snap = |k| ReplicationSpec::Snapshot(daily(k, 0.0));
        assert_eq!(
            newest_clean_point(&snap(None), t_c, t_det, phase, false, &mut rng).map(|c| c.age),
            Some(SimDuration::from_hours(12))
        );
        assert_eq!(
            newest_clean_point(&snap(Some(4)), t_c, t_det, phase, false, &mut rng).map(|c| c.age),
            Some(SimDuration::from_hours(12))
        );
        assert_eq!(newest_clean_point(&snap(Some(3)), t_c, t_det, phase, false, &mut rng), None);
        // Attacked: gone unless vaulted.
        assert_eq!(newest_clean_point(&snap(None), t_c, t_det, phase, true, &mut rng), None);
        let mut locked = daily(None, 0.0);
        locked.vault = Vault::Locked;
        let locked = ReplicationSpec::Snapshot(locked);
        assert_eq!(
            newest_clean_point(&locked, t_c, t_det, phase, true, &mut rng).map(|c| c.age),
            Some(SimDuration::from_hours(12))
        );
        // A live copy never holds a clean point.
        assert_eq!(newest_clean_point(&ReplicationSpec::Asynchronous, t_c, t_det, phase, false, &mut rng), None);
        // max_age: the clean point is 3 d 7 h old at detection.
        let mut aged = daily(None, 0.0);
        aged.retention.max_age = Some(SimDuration::from_hours(3 * 24));
        assert_eq!(newest_clean_point(&ReplicationSpec::Snapshot(aged), t_c, t_det, phase, false, &mut rng), None);
    }

    /// With job failures p, the newest clean point is G intervals before the last job, G
    /// geometric: P(G = 0) = 1 − p. 20,000 draws, p = 0.3: the fraction with G = 0 within 4
    /// standard errors of 0.7 (fixed seed).
    #[test]
    fn failed_jobs_push_the_clean_point_back_geometrically() {
        let h = |x: u64| SimTime::ZERO + SimDuration::from_hours(x);
        let spec = ReplicationSpec::Snapshot(daily(None, 0.3));
        let mut rng = stream_rng(7, 0, StreamId(99));
        let n = 20_000;
        let zero = (0..n)
            .filter(|_| {
                newest_clean_point(&spec, h(100 * 24 + 14), h(103 * 24), SimDuration::from_hours(2), false, &mut rng)
                    .map(|c| c.age)
                    == Some(SimDuration::from_hours(12))
            })
            .count() as f64
            / n as f64;
        let se = (0.7f64 * 0.3 / n as f64).sqrt();
        assert!((zero - 0.7).abs() < 4.0 * se, "{zero}");
    }

    /// By hand, the same days as above (damage at 254 h, detection at 321 h, the clean point
    /// at 242 h, 79 h old at detection):
    /// - a compliance lock set at 200 h is still in its 72 h cooling-off at the attack (254 h <
    ///   272 h): the attacker removes it and the backups; set at 100 h it holds;
    /// - a governance lock never stops an attacker with an administrator's credentials;
    /// - a minimum retention of 4 d keeps the point that `keep_newest = 3` drops (79 h < 96 h),
    ///   3 d does not (79 h > 72 h).
    #[test]
    fn vault_locks_by_hand() {
        let h = |x: u64| SimTime::ZERO + SimDuration::from_hours(x);
        let (t_c, t_det) = (h(10 * 24 + 14), h(13 * 24 + 9));
        let phase = SimDuration::from_hours(2);
        let mut rng = stream_rng(1, 0, StreamId(99));
        let with = |keep: Option<u32>, lock: VaultLock| {
            let mut s = daily(keep, 0.0);
            s.vault = Vault::Lock(lock);
            ReplicationSpec::Snapshot(s)
        };
        let twelve = Some(SimDuration::from_hours(12));
        let set_at = |x: u64| VaultLock { locked_at: Some(SimDuration::from_hours(x)), ..VaultLock::default() };
        let mut clean = |spec: &ReplicationSpec, attacked| {
            newest_clean_point(spec, t_c, t_det, phase, attacked, &mut rng).map(|c| c.age)
        };
        assert_eq!(clean(&with(None, set_at(200)), true), None);
        assert_eq!(clean(&with(None, set_at(200)), false), twelve);
        assert_eq!(clean(&with(None, set_at(100)), true), twelve);
        assert_eq!(clean(&with(None, VaultLock::default()), true), twelve);
        let governance = VaultLock { mode: LockMode::Governance, ..VaultLock::default() };
        assert_eq!(clean(&with(None, governance), true), None);
        let min = |d: u64| VaultLock { min_retention: Some(SimDuration::from_days(d)), ..VaultLock::default() };
        assert_eq!(clean(&with(Some(3), VaultLock::default()), false), None);
        assert_eq!(clean(&with(Some(3), min(4)), false), twelve);
        assert_eq!(clean(&with(Some(3), min(3)), false), None);
        assert!(!Vault::Isolated.attacker_can_delete(t_c) && Vault::Reachable.attacker_can_delete(t_c));
    }

    /// A delayed replica (fixed lag 80 h) has not applied the damage 67 h after it: it holds
    /// the writes up to 13 h before the damage and is promoted (live). With a lag of 60 h it
    /// has copied the damage; under an attack that reached the backups it is encrypted too.
    #[test]
    fn a_delayed_replica_is_clean_while_its_delay_exceeds_the_dwell() {
        let h = |x: u64| SimTime::ZERO + SimDuration::from_hours(x);
        let (t_c, t_det) = (h(254), h(321));
        let mut rng = stream_rng(1, 0, StreamId(99));
        let lag = |x: u64| ReplicationSpec::Lag {
            lag: crate::engine::DurationDistribution::fixed(SimDuration::from_hours(x)),
        };
        let z = SimDuration::ZERO;
        assert_eq!(
            newest_clean_point(&lag(80), t_c, t_det, z, false, &mut rng),
            Some(CleanPoint { age: SimDuration::from_hours(13), live: true })
        );
        assert_eq!(newest_clean_point(&lag(60), t_c, t_det, z, false, &mut rng), None);
        assert_eq!(newest_clean_point(&lag(80), t_c, t_det, z, true, &mut rng), None);
    }

    /// AWS Backup fails jobs whose retention is below the lock's minimum: refused by key.
    #[test]
    fn max_age_below_the_locks_minimum_is_refused() {
        let mut s = daily(None, 0.0);
        s.retention.max_age = Some(SimDuration::from_days(3));
        s.vault = Vault::Lock(VaultLock { min_retention: Some(SimDuration::from_days(7)), ..VaultLock::default() });
        let e = s.validate().unwrap_err().to_string();
        assert!(e.contains("retention.max_age = 3d") && e.contains("min_retention"), "{e}");
        s.retention.max_age = Some(SimDuration::from_days(7));
        assert!(s.validate().is_ok());
    }
}
