//! Synchronous replication: a write commits only once the copy holds it.

use serde::{Deserialize, Serialize};

use super::asynchronous::PerWrite;
use super::fifo::{Commit, OnDown};
use super::{
    Backlog, BuildReplicationError, Loss, Replication, ReplicationError, ReplicationStats, Stability, stats_from,
};
use crate::engine::{SimDuration, SimTime, TrialStreams};
use crate::model::link::LinkSpec;
use crate::model::workload::WorkloadSpec;

/// What synchronous replication does while its link is down.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum LinkDownPolicy {
    /// Writes stall until the link returns: no data is ever at risk, but the outage is
    /// unavailability for writers.
    #[default]
    Block,
    /// Writes commit locally and queue, as asynchronous replication would, until the backlog has
    /// drained after the link returns; RPO grows from the moment the link failed.
    DegradeToAsync,
}

/// Synchronous replication over a link.
///
/// Each write is sent FIFO like an asynchronous one, and commits when the copy's
/// acknowledgement returns: `commit = arrival at the copy + one sampled one-way latency`, so the
/// commit latency is at least one round trip plus the transfer time. A write enters the log at
/// its commit, so while the link is up the copy holds every committed write: RPO 0.
#[derive(Clone, Debug)]
pub struct Synchronous {
    inner: PerWrite,
    policy: LinkDownPolicy,
    down_since: Option<SimTime>,
    blocked: SimDuration,
}

impl Synchronous {
    /// The model for one trial over `link`, fed by `workload`, from `start`.
    pub fn new(
        link: &LinkSpec,
        workload: &WorkloadSpec,
        policy: LinkDownPolicy,
        streams: TrialStreams,
        start: SimTime,
    ) -> Result<Self, BuildReplicationError> {
        Ok(Synchronous {
            inner: PerWrite::new(link, workload, Commit::Acked, streams, start)?,
            policy,
            down_since: None,
            blocked: SimDuration::ZERO,
        })
    }

    /// The policy while the link is down.
    pub fn policy(&self) -> LinkDownPolicy {
        self.policy
    }
}

impl Replication for Synchronous {
    fn now(&self) -> SimTime {
        self.inner.now
    }
    fn advance_to(&mut self, t: SimTime) -> Result<(), ReplicationError> {
        self.inner.advance_to(t)
    }
    fn link_down(&mut self, t: SimTime) -> Result<(), ReplicationError> {
        if self.down_since.is_some() {
            return self.inner.advance_to(t);
        }
        match self.policy {
            LinkDownPolicy::Block => self.inner.link_down(t, OnDown::Wait)?,
            LinkDownPolicy::DegradeToAsync => {
                self.inner.link_down(t, OnDown::CommitNow)?;
                self.inner.channel.commit = Commit::Local;
            }
        }
        self.down_since = Some(t);
        Ok(())
    }
    fn link_up(&mut self, t: SimTime) -> Result<(), ReplicationError> {
        self.inner.link_up(t)?;
        if let Some(since) = self.down_since.take() {
            match self.policy {
                LinkDownPolicy::Block => self.blocked += t - since,
                LinkDownPolicy::DegradeToAsync => self.inner.channel.commit = Commit::AckedAfterDrain,
            }
        }
        Ok(())
    }
    fn loss_at(&mut self, t: SimTime) -> Result<Loss, ReplicationError> {
        self.inner.loss_at(t)
    }
    fn backlog_at(&mut self, t: SimTime) -> Result<Backlog, ReplicationError> {
        self.inner.backlog_at(t)
    }
    fn stats(&self) -> ReplicationStats {
        let mut blocked = self.blocked;
        if let (Some(since), LinkDownPolicy::Block) = (self.down_since, self.policy) {
            blocked += self.inner.now - since;
        }
        stats_from(&self.inner.channel.counters, self.inner.writes, self.inner.bytes, blocked)
    }
    fn stability(&self) -> Stability {
        self.inner.stability
    }
    fn commit_latencies(&self) -> Option<&crate::stats::Accumulator> {
        self.inner.channel.commit_latencies()
    }
}

impl super::TrackPeaks for Synchronous {
    fn untrack_peaks(&mut self) {
        self.inner.channel.untrack_peaks();
    }
}
