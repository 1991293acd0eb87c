//! Replication: how the primary's write log reaches a copy, behind one trait.
//!
//! Every model keeps the copy as a *prefix* of the write log (replication preserves order), so
//! the loss at any instant is exact: the writes created before that instant which the copy
//! lacks, their bytes, the RPO (age of the oldest of them) and the copy's age.
//!
//! | model | what the copy holds | source of RPO |
//! |---|---|---|
//! | [`AsyncFifo`] | writes that crossed a FIFO link | the send queue (Lindley recursion) |
//! | [`FluidAsync`] | the bytes that crossed the link, as a fluid | the fluid backlog (rate changes only) |
//! | [`Synchronous`] | every committed write while the link is up | link outages (`degrade_to_async`) |
//! | [`SemiSync`] | every committed write until an ack is later than the timeout | the fallback windows: from the timeout until the copy has caught up |
//! | [`PublishedLag`] | the writes whose (ordered) lag has elapsed | the lag distribution a managed service publishes |
//! | [`SnapshotShipping`] | the newest snapshot whose copy completed | the interval plus the copy time |
//! | [`Quorum`] (not a [`Replication`]) | each of n members a prefix; a write commits on k of them | surviving fewer than n − k + 1 members |
//!
//! Models are lazy: they generate writes and compute their fate only up to the instant they
//! are asked about, so a trial costs events only where something changes its course.
//!
//! The [`Replication`] trait describes *one* copy: one link, one prefix of the log, one
//! [`Loss`]. Semi-synchronous replication to one replica fits it (the commit rule changes, the
//! copy does not). A quorum does not: its commit depends on the joint state of n links and
//! which copy a recovery reads depends on which members survive, so [`Quorum`] is its own type,
//! with link events keyed by member and [`Quorum::loss_at`] taking the surviving members.
//! `docs/replication-models.md` compares them all.

mod asynchronous;
mod fifo;
mod fluid;
mod lag;
mod quorum;
mod semisync;
mod snapshot;
mod stationary;
mod synchronous;

pub use asynchronous::AsyncFifo;
pub use fluid::FluidAsync;
pub use lag::PublishedLag;
pub use quorum::{Quorum, QuorumError, QuorumMember, QuorumStats};
pub use semisync::{DEFAULT_SEMI_SYNC_TIMEOUT, SemiSync};
pub use snapshot::{
    LockMode, Retention, SnapshotKind, SnapshotShipping, SnapshotSpec, SnapshotStats, Vault, VaultLock,
};
pub(crate) use stationary::StationaryFifo;
pub use synchronous::{LinkDownPolicy, Synchronous};

use serde::{Deserialize, Serialize};

use crate::engine::{DurationDistribution, SimDuration, SimTime, TrialStreams};
use crate::model::link::{LinkError, LinkSpec};
use crate::model::workload::{WorkloadError, WorkloadSpec};

/// What a recovery from the copy loses if the primary vanishes at an instant.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Loss {
    /// Writes created before the instant that the copy lacks.
    pub writes_lost: u64,
    /// Their bytes.
    pub bytes_lost: u64,
    /// RPO achieved: the instant minus the creation time of the oldest lost write; zero when
    /// nothing is lost.
    pub rpo: SimDuration,
    /// The instant minus the creation time of the newest write the copy holds (what databases
    /// call replication lag). The copy starts in sync at the start of the run.
    pub copy_age: SimDuration,
}

/// Whether the replication backlog has a stationary distribution.
#[derive(Clone, Copy, Debug, PartialEq)]
#[non_exhaustive]
pub enum Stability {
    /// The mean write rate is below the throughput: the backlog stays bounded.
    Stable {
        /// Offered load over throughput (ρ), in [0, 1).
        utilization: f64,
    },
    /// The write rate reaches or exceeds the throughput: the backlog grows without bound and
    /// any RPO measured depends on how long the run lasted.
    Unstable {
        /// Offered load over throughput (ρ), ≥ 1.
        utilization: f64,
        /// Mean backlog growth in bytes per second (write rate minus throughput).
        growth_bytes_per_s: f64,
    },
}

impl Stability {
    /// Classifies offered bytes per second against throughput in bytes per second.
    pub fn from_rates(offered_bytes_per_s: f64, throughput_bytes_per_s: f64) -> Stability {
        let utilization = if throughput_bytes_per_s > 0.0 {
            offered_bytes_per_s / throughput_bytes_per_s
        } else if offered_bytes_per_s > 0.0 {
            f64::MAX
        } else {
            0.0
        };
        if utilization < 1.0 {
            Stability::Stable { utilization }
        } else {
            Stability::Unstable { utilization, growth_bytes_per_s: offered_bytes_per_s - throughput_bytes_per_s }
        }
    }

    /// Whether the backlog grows without bound.
    pub fn is_unstable(&self) -> bool {
        matches!(self, Stability::Unstable { .. })
    }
}

/// The replication backlog at an instant.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Backlog {
    /// Writes (or snapshots) not fully sent, the one being sent included.
    pub queued: u64,
    /// Their bytes.
    pub queued_bytes: u64,
    /// Sent but not yet at the copy.
    pub in_flight: u64,
    /// Their bytes.
    pub in_flight_bytes: u64,
}

/// Cumulative counters of a replication model at its current instant.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct ReplicationStats {
    /// Writes the workload made.
    pub writes_written: u64,
    /// Their bytes.
    pub bytes_written: u64,
    /// Bytes that have reached the copy (for snapshots: snapshot bytes shipped).
    pub bytes_delivered: u64,
    /// Bytes handed to the link (for per-write models equal to `bytes_written`).
    pub bytes_sent_to_link: u64,
    /// Largest backlog seen, in bytes; `None` for a model built without peak tracking (as a
    /// disaster trial builds its models).
    pub peak_backlog_bytes: Option<u64>,
    /// Largest backlog seen, in items; `None` as above.
    pub peak_backlog_items: Option<u64>,
    /// Commit latency seen by the application (zero for asynchronous replication), over the
    /// writes that reached the copy.
    pub commit_latency_mean: SimDuration,
    /// The largest commit latency seen.
    pub commit_latency_max: SimDuration,
    /// The smallest commit latency seen (zero when no write has committed).
    pub commit_latency_min: SimDuration,
    /// Time during which writes could not commit (synchronous replication in `block` mode
    /// with the link down).
    pub write_blocked: SimDuration,
}

/// A query about an instant earlier than one already passed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ReplicationError {
    /// Models only move forward in time.
    #[error(
        "replication model asked about {asked}, before the instant it has reached ({now}): time only moves forward"
    )]
    TimeWentBack {
        /// The instant asked about.
        asked: SimTime,
        /// The model's current instant.
        now: SimTime,
    },
}

/// A replication model: the primary's writes travelling to one copy.
///
/// Calls take non-decreasing instants; an earlier one is refused with
/// [`ReplicationError::TimeWentBack`].
pub trait Replication {
    /// The model's current instant.
    fn now(&self) -> SimTime;
    /// Moves the model to `t`, generating the writes created before `t`.
    fn advance_to(&mut self, t: SimTime) -> Result<(), ReplicationError>;
    /// The link fails at `t`.
    fn link_down(&mut self, t: SimTime) -> Result<(), ReplicationError>;
    /// The link is repaired at `t`.
    fn link_up(&mut self, t: SimTime) -> Result<(), ReplicationError>;
    /// What a recovery from the copy would lose if the primary vanished at `t`.
    fn loss_at(&mut self, t: SimTime) -> Result<Loss, ReplicationError>;
    /// The backlog at `t`.
    fn backlog_at(&mut self, t: SimTime) -> Result<Backlog, ReplicationError>;
    /// Counters at the current instant.
    fn stats(&self) -> ReplicationStats;
    /// Whether the backlog can reach a steady state.
    fn stability(&self) -> Stability;
    /// The distribution of commit latencies (ns) of the writes that waited for the copy, over
    /// the writes that reached it; `None` for models where writes commit at once, and before
    /// the first write that waited.
    fn commit_latencies(&self) -> Option<&crate::stats::Accumulator> {
        None
    }
}

/// The replication model of a scenario, as data.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "mode", rename_all = "snake_case", deny_unknown_fields)]
#[non_exhaustive]
pub enum ReplicationSpec {
    /// Every write is acknowledged once the copy holds it.
    Synchronous {
        /// What happens to writes while the link is down.
        #[serde(default)]
        on_link_down: LinkDownPolicy,
    },
    /// Writes queue FIFO at the sender, exact per write.
    Asynchronous,
    /// Asynchronous, aggregate: the backlog as a fluid driven by piecewise-constant rates
    /// ([`FluidAsync`]); cost independent of the write count, no queueing from randomness.
    AsyncFluid {
        /// Add the stationary M/G/1 queue the fluid misses to the loss (default `false`).
        #[serde(default)]
        queueing_correction: bool,
    },
    /// Snapshots or backups shipped periodically.
    Snapshot(SnapshotSpec),
    /// Semi-synchronous: synchronous until an acknowledgement is later than `timeout`, then
    /// asynchronous until the copy has caught up ([`SemiSync`]).
    SemiSync {
        /// How long a write waits for the copy's acknowledgement (default 10 s, MySQL's
        /// `rpl_semi_sync_source_timeout`); must be > 0.
        #[serde(default = "default_semi_sync_timeout")]
        timeout: SimDuration,
    },
    /// A managed service known by its published replication lag: each write reaches the copy
    /// after an independent draw of `lag`, in order ([`PublishedLag`]).
    Lag {
        /// The lag of one write, from its creation to its arrival at the copy.
        lag: DurationDistribution,
    },
    /// Quorum writes: every copy of a deployment's database in this mode, and the primary's
    /// own, form one [`Quorum`] of n = 1 + those copies; a write commits when `k` of them hold
    /// it, and a recovery reads the surviving members' longest copy. A disaster trial builds
    /// the quorum from all such copies ([`ReplicationSpec::build`], which builds one copy,
    /// refuses this mode).
    Quorum {
        /// Members that must hold a write before it commits (the primary's copy counts), in
        /// [1, n].
        k: usize,
    },
}

fn default_semi_sync_timeout() -> SimDuration {
    DEFAULT_SEMI_SYNC_TIMEOUT
}

/// Why a replication model could not be built.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum BuildReplicationError {
    /// The link is invalid.
    #[error(transparent)]
    Link(#[from] LinkError),
    /// The workload is invalid.
    #[error(transparent)]
    Workload(#[from] WorkloadError),
    /// A parameter of a replication mode outside its allowed range.
    #[error("replication mode {mode}: {field} = {value} is not allowed ({allowed})")]
    BadValue {
        /// The mode (`semi_sync`, `lag`, `quorum`).
        mode: &'static str,
        /// The key.
        field: &'static str,
        /// The value refused, as written.
        value: String,
        /// What is allowed.
        allowed: &'static str,
    },
    /// The snapshot schedule is invalid.
    #[error("snapshot: {field} = {value} is not allowed ({allowed})")]
    Snapshot {
        /// The key.
        field: &'static str,
        /// The value refused, as written.
        value: String,
        /// What is allowed.
        allowed: &'static str,
    },
}

/// Peak-backlog tracking, chosen when a model is built (crate-private: the hot path of a
/// disaster trial, not part of the [`Replication`] API).
///
/// Keeping the peak exact means looking at the backlog each write sees; a caller that never
/// reads it (a disaster trial) turns it off, and the exact per-write models then only queue
/// the writes still in flight at each instant they are asked about, about twice as fast.
/// Models whose peak costs nothing do not implement it and keep reporting it.
pub(crate) trait TrackPeaks {
    /// Stops tracking the peak backlog, for good: [`ReplicationStats::peak_backlog_bytes`]
    /// and `_items` are `None` from then on.
    fn untrack_peaks(&mut self);
}

/// Boxes `model`, its peak tracking off unless `peaks`.
fn boxed<M: Replication + TrackPeaks + Send + 'static>(mut model: M, peaks: bool) -> Box<dyn Replication + Send> {
    if !peaks {
        model.untrack_peaks();
    }
    Box::new(model)
}

impl ReplicationSpec {
    /// Builds the model for one trial, starting at `start`, drawing from the trial's streams.
    pub fn build(
        &self,
        link: &LinkSpec,
        workload: &WorkloadSpec,
        streams: TrialStreams,
        start: SimTime,
    ) -> Result<Box<dyn Replication + Send>, BuildReplicationError> {
        self.build_with_peaks(link, workload, streams, start, true)
    }

    /// As [`build`](Self::build), the peak backlog tracked only if `peaks` (a disaster trial,
    /// which reads losses and backlogs but never the peak, builds without).
    pub(crate) fn build_with_peaks(
        &self,
        link: &LinkSpec,
        workload: &WorkloadSpec,
        streams: TrialStreams,
        start: SimTime,
        peaks: bool,
    ) -> Result<Box<dyn Replication + Send>, BuildReplicationError> {
        Ok(match self {
            ReplicationSpec::Synchronous { on_link_down } => {
                boxed(Synchronous::new(link, workload, *on_link_down, streams, start)?, peaks)
            }
            ReplicationSpec::Asynchronous => boxed(AsyncFifo::new(link, workload, streams, start)?, peaks),
            ReplicationSpec::AsyncFluid { queueing_correction } => Box::new(
                FluidAsync::new(link, workload, streams, start)?.with_queueing_correction(*queueing_correction),
            ),
            ReplicationSpec::Snapshot(spec) => {
                boxed(SnapshotShipping::new(spec, link, workload, streams, start)?, peaks)
            }
            ReplicationSpec::SemiSync { timeout } => {
                boxed(SemiSync::new(link, workload, *timeout, streams, start)?, peaks)
            }
            ReplicationSpec::Lag { lag } => boxed(PublishedLag::new(link, workload, lag, streams, start)?, peaks),
            ReplicationSpec::Quorum { .. } => {
                return Err(BuildReplicationError::BadValue {
                    mode: "quorum",
                    field: "mode",
                    value: "quorum".into(),
                    allowed: "a quorum spans several copies and is built by the disaster trial over all of them (Quorum::build); one copy alone is synchronous, semi_sync or asynchronous",
                });
            }
        })
    }
}

pub(crate) fn check_forward(now: SimTime, asked: SimTime) -> Result<(), ReplicationError> {
    if asked < now { Err(ReplicationError::TimeWentBack { asked, now }) } else { Ok(()) }
}

pub(crate) fn stats_from(c: &fifo::Counters, writes: u64, bytes: u64, blocked: SimDuration) -> ReplicationStats {
    let mean = if c.commit_count > 0 { (c.commit_sum_ns / u128::from(c.commit_count)) as u64 } else { 0 };
    ReplicationStats {
        writes_written: writes,
        bytes_written: bytes,
        bytes_delivered: c.bytes_delivered,
        bytes_sent_to_link: c.bytes_in,
        peak_backlog_bytes: (!c.peaks_untracked).then_some(c.peak_backlog_bytes),
        peak_backlog_items: (!c.peaks_untracked).then_some(c.peak_backlog_items),
        commit_latency_mean: SimDuration::from_nanos(mean),
        commit_latency_max: SimDuration::from_nanos(c.commit_max_ns),
        commit_latency_min: SimDuration::from_nanos(if c.commit_count > 0 { c.commit_min_ns } else { 0 }),
        write_blocked: blocked,
    }
}
