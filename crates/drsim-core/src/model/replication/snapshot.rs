//! Snapshot and backup shipping: periodic copies, usable once their transfer completes.

use std::collections::VecDeque;

use rand::RngExt;
use serde::{Deserialize, Serialize};

use super::fifo::{Commit, FifoChannel, OnDown};
use super::{
    Backlog, BuildReplicationError, Loss, Replication, ReplicationError, ReplicationStats, Stability, check_forward,
    stats_from,
};
use crate::engine::{SimDuration, SimRng, SimTime, TrialStreams};
use crate::model::link::LinkSpec;
use crate::model::workload::{WorkloadSpec, Write, WriteGenerator};
use crate::trial::streams::{BACKUP, NETWORK, WORKLOAD};

/// What each snapshot copies.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
#[non_exhaustive]
pub enum SnapshotKind {
    /// The whole data set every time.
    Full {
        /// Size of one full snapshot in bytes.
        size_bytes: f64,
    },
    /// Only the bytes written since the last successful snapshot ("incremental forever": a
    /// failed job's changes roll into the next one, so the chain never breaks).
    Incremental,
}

/// Which shipped snapshots are kept (for storage accounting).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Retention {
    /// Keep at most this many of the newest snapshots.
    #[serde(default)]
    pub keep_newest: Option<u32>,
    /// Keep only snapshots younger than this.
    #[serde(default)]
    pub max_age: Option<SimDuration>,
}

/// A backup schedule.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SnapshotSpec {
    /// Time between snapshot jobs.
    pub interval: SimDuration,
    /// When the first job runs after the start; absent: uniformly random in `[0, interval)`,
    /// so that disasters meet the schedule at a random phase.
    #[serde(default)]
    pub phase: Option<SimDuration>,
    /// What each snapshot copies.
    pub size: SnapshotKind,
    /// Which snapshots are kept.
    #[serde(default)]
    pub retention: Retention,
    /// Probability that a job fails and produces nothing, in [0, 1).
    #[serde(default)]
    pub failure_probability: f64,
    /// Where the snapshots are kept, as ransomware sees it (default: within its reach).
    #[serde(default)]
    pub vault: Vault,
}

/// Whether an attacker can destroy the snapshots (see [`crate::corruption`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Vault {
    /// Within an attacker's reach: ransomware that reaches the backups destroys them.
    #[default]
    Reachable,
    /// A vault with a compliance lock in force since long before the clock's zero (AWS Backup
    /// Vault Lock once its cooling-off is over: no one, the root user included, can delete a
    /// recovery point before its retention ends): out of the attacker's power, still under
    /// retention. The same as `lock = {}`.
    Locked,
    /// Another account or region the attacker cannot reach.
    Isolated,
    /// A vault lock described in full: its mode, its minimum retention, and when it was set
    /// and its cooling-off ([`VaultLock`]).
    Lock(VaultLock),
}

impl Vault {
    /// Whether an attacker striking at `t` can destroy recovery points in this vault: a
    /// reachable vault, a governance-mode lock, and a compliance lock still in its cooling-off
    /// (`locked_at ≤ t < locked_at + cooling_off`, or not yet set) can be; a compliance lock
    /// past its cooling-off and an isolated vault cannot.
    pub fn attacker_can_delete(&self, t: SimTime) -> bool {
        match self {
            Vault::Reachable => true,
            Vault::Locked | Vault::Isolated => false,
            Vault::Lock(l) => match l.mode {
                LockMode::Governance => true,
                LockMode::Compliance => {
                    l.locked_at.is_some_and(|at| t < SimTime::ZERO.saturating_add(at).saturating_add(l.cooling_off))
                }
            },
        }
    }

    /// The lock's minimum retention, if any: no recovery point younger than it is deleted,
    /// whatever the retention rule says.
    pub fn min_retention(&self) -> Option<SimDuration> {
        match self {
            Vault::Lock(l) => l.min_retention,
            _ => None,
        }
    }
}

/// A backup vault lock (AWS Backup Vault Lock; the same idea as S3 Object Lock and Azure's
/// immutable vaults): `vault = { lock = { mode = "compliance", min_retention = "7d",
/// locked_at = "0s" } }`.
///
/// - `compliance` mode: once the cooling-off after the lock was set is over, no one can delete
///   a recovery point or remove the lock; during the cooling-off (at least 72 h on AWS:
///   `ChangeableForDays` ≥ 3) the lock can still be removed, so an attacker can too.
/// - `governance` mode: principals with the right permissions can remove the lock, and an
///   attacker holding an administrator's credentials (what ransomware operators seek) is one:
///   it protects against accidents, not attackers.
/// - `min_retention`: AWS fails backup jobs whose retention is below it (so `retention.max_age`
///   below it is refused), and no recovery point younger than it is deleted by a count-based
///   `keep_newest` either.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VaultLock {
    /// `compliance` (default) or `governance`.
    #[serde(default)]
    pub mode: LockMode,
    /// The lock's minimum retention. Absent: none.
    #[serde(default)]
    pub min_retention: Option<SimDuration>,
    /// How long after `locked_at` the lock can still be removed. Default 72 h, AWS Backup's
    /// minimum.
    #[serde(default = "default_cooling_off")]
    pub cooling_off: SimDuration,
    /// When the lock was set, from the clock's zero (a disaster trial's start, a horizon run's
    /// start). Absent: long before, so the cooling-off is over.
    #[serde(default)]
    pub locked_at: Option<SimDuration>,
}

impl Default for VaultLock {
    fn default() -> Self {
        VaultLock {
            mode: LockMode::default(),
            min_retention: None,
            cooling_off: default_cooling_off(),
            locked_at: None,
        }
    }
}

fn default_cooling_off() -> SimDuration {
    SimDuration::from_hours(72)
}

/// The mode of a [`VaultLock`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum LockMode {
    /// Nobody can delete a recovery point or remove the lock once the cooling-off is over.
    #[default]
    Compliance,
    /// Principals with the right permissions can remove the lock: no protection against an
    /// attacker with an administrator's credentials.
    Governance,
}

impl SnapshotSpec {
    /// Checks every parameter.
    pub fn validate(&self) -> Result<(), BuildReplicationError> {
        let bad = |field, value: String, allowed| BuildReplicationError::Snapshot { field, value, allowed };
        if self.interval.is_zero() {
            return Err(bad("interval", self.interval.to_string(), "must be > 0"));
        }
        if !(0.0..1.0).contains(&self.failure_probability) {
            return Err(bad("failure_probability", self.failure_probability.to_string(), "must be in [0, 1)"));
        }
        if let SnapshotKind::Full { size_bytes } = self.size
            && !(size_bytes.is_finite() && size_bytes >= 0.0)
        {
            return Err(bad("size.size_bytes", size_bytes.to_string(), "must be finite and >= 0"));
        }
        if self.retention.keep_newest == Some(0) {
            return Err(bad("retention.keep_newest", "0".into(), "must be >= 1 (a copy must be kept to restore)"));
        }
        if let (Some(min), Some(age)) = (self.vault.min_retention(), self.retention.max_age)
            && age < min
        {
            return Err(bad(
                "retention.max_age",
                age.to_string(),
                "must be >= the vault lock's min_retention: AWS Backup fails jobs whose retention is below the lock's minimum",
            ));
        }
        Ok(())
    }
}

/// Counters of the backup jobs.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SnapshotStats {
    /// Jobs run.
    pub jobs: u64,
    /// Jobs that failed.
    pub jobs_failed: u64,
    /// Snapshots whose copy completed.
    pub delivered: u64,
    /// Snapshots kept under the retention policy.
    pub retained: u64,
    /// Their bytes.
    pub retained_bytes: u64,
}

#[derive(Clone, Copy, Debug)]
struct Record {
    time: u64,
    bytes: u64,
    writes_before: u64,
    bytes_before: u64,
    /// Creation time of the newest write the snapshot holds.
    last_before: u64,
    /// Creation time of the first write it lacks, once one has been made.
    first_after: Option<u64>,
}

/// Periodic snapshots shipped over a link: the copy is the newest snapshot whose transfer has
/// completed.
///
/// A snapshot taken at `S` holds every write created before `S`. Its transfer queues FIFO
/// behind earlier transfers on the link and completes `size / throughput` plus one latency
/// after it starts.
///
/// The schedule starts in its stationary state: the model runs its jobs (and the workload)
/// from [`SnapshotShipping::history`] before the start asked for, so that at the start the
/// newest completed snapshot is as old as in a system that had always run (a complete
/// baseline at the beginning of that history stands in only if every job within it failed:
/// probability below 10⁻⁹).
#[derive(Clone, Debug)]
pub struct SnapshotShipping {
    spec: SnapshotSpec,
    generator: WriteGenerator,
    next_write: Option<Write>,
    next_job: u64,
    channel: FifoChannel,
    job_rng: SimRng,
    now: SimTime,
    writes: u64,
    bytes: u64,
    last_write: u64,
    since_last_bytes: u64,
    in_transit: VecDeque<Record>,
    newest: Record,
    retained: VecDeque<(u64, u64)>,
    stats: SnapshotStats,
    stability: Stability,
    /// The model runs `shift` ns ahead of the caller's clock: its own history begins at the
    /// caller's start, which the caller sees as `start − history`.
    shift: u64,
}

impl SnapshotShipping {
    /// The model for one trial.
    pub fn new(
        spec: &SnapshotSpec,
        link: &LinkSpec,
        workload: &WorkloadSpec,
        streams: TrialStreams,
        start: SimTime,
    ) -> Result<Self, BuildReplicationError> {
        spec.validate()?;
        link.validate()?;
        let shift = Self::history(spec, link, workload).as_nanos();
        let mut generator = WriteGenerator::new(workload.clone(), start, streams.rng(WORKLOAD))?;
        let next_write = generator.next_write();
        let mut job_rng = streams.rng(BACKUP);
        let interval = spec.interval.as_nanos();
        // The first job is `phase` after the caller's start; earlier ones ran every interval
        // before it, back to the beginning of the history.
        let phase = match spec.phase {
            Some(p) => p.as_nanos(),
            None => job_rng.random_range(0..interval),
        };
        let phase = ((u128::from(shift) + u128::from(phase)) % u128::from(interval)) as u64;
        let s = start.as_nanos();
        let baseline =
            Record { time: s, bytes: 0, writes_before: 0, bytes_before: 0, last_before: s, first_after: None };
        // Offered load: a full snapshot per successful job; incremental ones ship every byte
        // written once, whatever fails (a failed job's changes roll into the next).
        let offered = match spec.size {
            SnapshotKind::Full { size_bytes } => {
                size_bytes * (1.0 - spec.failure_probability) / spec.interval.as_secs_f64()
            }
            SnapshotKind::Incremental => workload.mean_bytes_per_s(),
        };
        let stability = Stability::from_rates(offered, link.mean_throughput_bytes_per_s());
        Ok(SnapshotShipping {
            spec: spec.clone(),
            generator,
            next_write,
            next_job: s.saturating_add(phase),
            channel: FifoChannel::new(link, s, Commit::Local, streams.rng(NETWORK)),
            job_rng,
            now: start,
            writes: 0,
            bytes: 0,
            last_write: s,
            since_last_bytes: 0,
            in_transit: VecDeque::new(),
            newest: baseline,
            retained: VecDeque::new(),
            stats: SnapshotStats::default(),
            stability,
            shift,
        })
    }

    /// How long the model runs before the start it is asked for, so that its schedule is
    /// stationary at that start: the jobs needed for at least one to succeed except with
    /// probability 10⁻⁹ (`k` intervals with `p^k ≤ 10⁻⁹`, 1 when jobs never fail), one interval
    /// more for incremental snapshots (so that the first one that counts holds a whole
    /// interval's changes), four expected copy times (the size at the link's mean throughput,
    /// plus a round trip), and a second.
    pub fn history(spec: &SnapshotSpec, link: &LinkSpec, workload: &WorkloadSpec) -> SimDuration {
        let p = spec.failure_probability;
        let k = if p > 0.0 { ((1e-9f64).ln() / p.ln()).ceil().clamp(1.0, 1e6) } else { 1.0 };
        let size = match spec.size {
            SnapshotKind::Full { size_bytes } => size_bytes,
            SnapshotKind::Incremental => workload.mean_bytes_per_s() * spec.interval.as_secs_f64(),
        };
        let throughput = link.mean_throughput_bytes_per_s();
        let copy = if throughput > 0.0 { size / throughput } else { 0.0 } + link.mean_rtt_secs();
        let extra = if matches!(spec.size, SnapshotKind::Incremental) { 1.0 } else { 0.0 };
        let secs = (k + extra) * spec.interval.as_secs_f64() + 4.0 * copy + 1.0;
        SimDuration::from_secs_f64(secs.min(1e9 * 86_400.0))
    }

    fn inner(&self, t: SimTime) -> SimTime {
        SimTime::from_nanos(t.as_nanos().saturating_add(self.shift))
    }

    /// Counters of the backup jobs.
    pub fn snapshot_stats(&self) -> SnapshotStats {
        self.stats
    }

    fn take_snapshot(&mut self, at: u64) {
        self.stats.jobs += 1;
        if self.spec.failure_probability > 0.0 && self.job_rng.random::<f64>() < self.spec.failure_probability {
            self.stats.jobs_failed += 1;
            return;
        }
        let bytes = match self.spec.size {
            SnapshotKind::Full { size_bytes } => size_bytes.round() as u64,
            SnapshotKind::Incremental => self.since_last_bytes,
        };
        self.since_last_bytes = 0;
        self.in_transit.push_back(Record {
            time: at,
            bytes,
            writes_before: self.writes,
            bytes_before: self.bytes,
            last_before: self.last_write,
            first_after: None,
        });
        self.channel.push(at, bytes);
    }

    fn deliver(&mut self, t: u64) {
        self.channel.deliver_until(t);
        while self.stats.delivered < self.channel.counters.items_delivered {
            let Some(rec) = self.in_transit.pop_front() else { break };
            self.stats.delivered += 1;
            self.newest = rec;
            self.retained.push_back((rec.time, rec.bytes));
        }
        let r = &self.spec.retention;
        while let Some(&(time, _)) = self.retained.front() {
            let too_many = r.keep_newest.is_some_and(|k| self.retained.len() > k as usize);
            let too_old = r.max_age.is_some_and(|age| t.saturating_sub(time) > age.as_nanos());
            // The newest copy is always kept: it is what a recovery restores.
            if self.retained.len() > 1 && (too_many || too_old) {
                self.retained.pop_front();
            } else {
                break;
            }
        }
        self.stats.retained = self.retained.len() as u64;
        self.stats.retained_bytes = self.retained.iter().map(|r| r.1).sum();
    }
}

impl SnapshotShipping {
    fn advance_inner(&mut self, t: SimTime) -> Result<(), ReplicationError> {
        check_forward(self.now, t)?;
        let tn = t.as_nanos();
        loop {
            let w_at = self.next_write.map_or(u64::MAX, |w| w.created.as_nanos());
            // A job at the same instant as a write runs first: the snapshot holds writes created
            // strictly before it.
            if self.next_job < tn && self.next_job <= w_at {
                self.deliver(self.next_job);
                self.take_snapshot(self.next_job);
                self.next_job = self.next_job.saturating_add(self.spec.interval.as_nanos());
            } else if w_at < tn {
                let w = self.next_write.take().unwrap_or(Write { created: t, bytes: 0 });
                let at = w.created.as_nanos();
                self.writes += 1;
                self.bytes += w.bytes;
                self.since_last_bytes += w.bytes;
                self.last_write = at;
                if self.newest.first_after.is_none() {
                    self.newest.first_after = Some(at);
                }
                for rec in self.in_transit.iter_mut().rev() {
                    if rec.first_after.is_some() {
                        break;
                    }
                    rec.first_after = Some(at);
                }
                self.next_write = self.generator.next_write();
            } else {
                break;
            }
        }
        self.deliver(tn);
        self.now = t;
        Ok(())
    }
}

impl Replication for SnapshotShipping {
    fn now(&self) -> SimTime {
        SimTime::from_nanos(self.now.as_nanos().saturating_sub(self.shift))
    }

    fn advance_to(&mut self, t: SimTime) -> Result<(), ReplicationError> {
        let t = self.inner(t);
        self.advance_inner(t)
    }

    fn link_down(&mut self, t: SimTime) -> Result<(), ReplicationError> {
        let t = self.inner(t);
        self.advance_inner(t)?;
        self.channel.link_down(t.as_nanos(), OnDown::Wait);
        Ok(())
    }

    fn link_up(&mut self, t: SimTime) -> Result<(), ReplicationError> {
        let t = self.inner(t);
        self.advance_inner(t)?;
        self.channel.link_up(t.as_nanos());
        Ok(())
    }

    fn loss_at(&mut self, t: SimTime) -> Result<Loss, ReplicationError> {
        let t = self.inner(t);
        self.advance_inner(t)?;
        let tn = t.as_nanos();
        let rec = self.newest;
        let writes_lost = self.writes - rec.writes_before;
        let rpo = match (writes_lost, rec.first_after) {
            (0, _) | (_, None) => 0,
            (_, Some(first)) => tn - first,
        };
        Ok(Loss {
            writes_lost,
            bytes_lost: self.bytes - rec.bytes_before,
            rpo: SimDuration::from_nanos(rpo),
            copy_age: SimDuration::from_nanos(tn.saturating_sub(rec.last_before)),
        })
    }

    fn backlog_at(&mut self, t: SimTime) -> Result<Backlog, ReplicationError> {
        let t = self.inner(t);
        self.advance_inner(t)?;
        let ((queued, queued_bytes), (in_flight, in_flight_bytes)) = self.channel.backlog_at(t.as_nanos());
        Ok(Backlog { queued, queued_bytes, in_flight, in_flight_bytes })
    }

    fn stats(&self) -> ReplicationStats {
        // Snapshots commit nothing on the write path: zero commit latency.
        let mut s = stats_from(&self.channel.counters, self.writes, self.bytes, SimDuration::ZERO);
        s.commit_latency_mean = SimDuration::ZERO;
        s.commit_latency_max = SimDuration::ZERO;
        s.commit_latency_min = SimDuration::ZERO;
        s
    }

    fn stability(&self) -> Stability {
        self.stability
    }
}

impl super::TrackPeaks for SnapshotShipping {
    fn untrack_peaks(&mut self) {
        self.channel.untrack_peaks();
    }
}
