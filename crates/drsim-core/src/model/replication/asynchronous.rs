//! Asynchronous replication, exact per write: the reference model.

use super::fifo::{Commit, FifoChannel, OnDown};
use super::{
    Backlog, BuildReplicationError, Loss, Replication, ReplicationError, ReplicationStats, Stability, check_forward,
    stats_from,
};
use crate::engine::{SimDuration, SimTime, TrialStreams};
use crate::model::link::LinkSpec;
use crate::model::workload::{WorkloadSpec, WriteGenerator};
use crate::trial::streams::{NETWORK, WORKLOAD};

/// The workload feeding a FIFO channel, write by write; shared by the per-write models.
#[derive(Clone, Debug)]
pub(crate) struct PerWrite {
    pub generator: WriteGenerator,
    pub channel: FifoChannel,
    pub now: SimTime,
    pub writes: u64,
    pub bytes: u64,
    pub stability: Stability,
}

impl PerWrite {
    pub fn new(
        link: &LinkSpec,
        workload: &WorkloadSpec,
        commit: Commit,
        streams: TrialStreams,
        start: SimTime,
    ) -> Result<Self, BuildReplicationError> {
        link.validate()?;
        let generator = WriteGenerator::new(workload.clone(), start, streams.rng(WORKLOAD))?;
        let channel = FifoChannel::new(link, start.as_nanos(), commit, streams.rng(NETWORK));
        let stability = Stability::from_rates(workload.mean_bytes_per_s(), link.mean_throughput_bytes_per_s());
        Ok(PerWrite { generator, channel, now: start, writes: 0, bytes: 0, stability })
    }

    /// Feeds every write created before `t` to the channel.
    #[inline]
    pub fn advance_to(&mut self, t: SimTime) -> Result<(), ReplicationError> {
        check_forward(self.now, t)?;
        let (writes, bytes) = self.channel.push_from(&mut self.generator, t);
        self.writes += writes;
        self.bytes += bytes;
        self.channel.deliver_until(t.as_nanos());
        self.now = t;
        Ok(())
    }

    pub fn loss_at(&mut self, t: SimTime) -> Result<Loss, ReplicationError> {
        self.advance_to(t)?;
        Ok(self.loss_now())
    }

    /// The loss at the current instant, which the caller has advanced to.
    pub fn loss_now(&mut self) -> Loss {
        let tn = self.now.as_nanos();
        let (writes_lost, bytes_lost, oldest) = self.channel.lost_at(tn);
        Loss {
            writes_lost,
            bytes_lost,
            rpo: SimDuration::from_nanos(oldest.map_or(0, |o| tn - o)),
            copy_age: SimDuration::from_nanos(tn.saturating_sub(self.channel.last_delivered_created)),
        }
    }

    pub fn backlog_at(&mut self, t: SimTime) -> Result<Backlog, ReplicationError> {
        self.advance_to(t)?;
        let ((queued, queued_bytes), (in_flight, in_flight_bytes)) = self.channel.backlog_at(t.as_nanos());
        Ok(Backlog { queued, queued_bytes, in_flight, in_flight_bytes })
    }

    pub fn link_down(&mut self, t: SimTime, on_down: OnDown) -> Result<(), ReplicationError> {
        self.advance_to(t)?;
        self.channel.link_down(t.as_nanos(), on_down);
        Ok(())
    }

    pub fn link_up(&mut self, t: SimTime) -> Result<(), ReplicationError> {
        self.advance_to(t)?;
        self.channel.link_up(t.as_nanos());
        Ok(())
    }
}

/// Asynchronous replication over a FIFO link, exact per write.
///
/// Writes commit locally at once and queue at the sender; each is sent at the link's effective
/// throughput after the one before it (`depart = max(created, previous depart) + bytes /
/// throughput`) and reaches the copy one sampled latency later, never overtaking its
/// predecessor. A write in transmission when the link fails resumes where it stopped when the
/// link returns.
///
/// ```
/// use drsim_core::engine::{Distribution, DurationDistribution, SimDuration, SimTime, TrialStreams};
/// use drsim_core::model::{AsyncFifo, LinkSpec, Replication, WorkloadSpec};
///
/// let link = LinkSpec::new("P", "S", DurationDistribution::fixed(SimDuration::from_millis(40)), 50e6).unwrap();
/// let workload = WorkloadSpec::poisson(50.0, Distribution::exponential(655_360.0).unwrap()).unwrap();
/// let mut repl = AsyncFifo::new(&link, &workload, TrialStreams::new(42, 0), SimTime::ZERO).unwrap();
/// let loss = repl.loss_at(SimTime::ZERO + SimDuration::from_secs(90)).unwrap();
/// assert!(loss.rpo <= loss.copy_age.max(loss.rpo)); // the oldest lost write is never younger than the copy
/// assert!(!repl.stability().is_unstable()); // 32.8 MB/s offered on a 50 MB/s link
/// ```
#[derive(Clone, Debug)]
pub struct AsyncFifo {
    inner: PerWrite,
}

impl AsyncFifo {
    /// The model for one trial over `link`, fed by `workload`, from `start`.
    pub fn new(
        link: &LinkSpec,
        workload: &WorkloadSpec,
        streams: TrialStreams,
        start: SimTime,
    ) -> Result<Self, BuildReplicationError> {
        Ok(AsyncFifo { inner: PerWrite::new(link, workload, Commit::Local, streams, start)? })
    }
}

impl Replication for AsyncFifo {
    fn now(&self) -> SimTime {
        self.inner.now
    }
    fn advance_to(&mut self, t: SimTime) -> Result<(), ReplicationError> {
        self.inner.advance_to(t)
    }
    fn link_down(&mut self, t: SimTime) -> Result<(), ReplicationError> {
        self.inner.link_down(t, OnDown::Wait)
    }
    fn link_up(&mut self, t: SimTime) -> Result<(), ReplicationError> {
        self.inner.link_up(t)
    }
    fn loss_at(&mut self, t: SimTime) -> Result<Loss, ReplicationError> {
        self.inner.loss_at(t)
    }
    fn backlog_at(&mut self, t: SimTime) -> Result<Backlog, ReplicationError> {
        self.inner.backlog_at(t)
    }
    fn stats(&self) -> ReplicationStats {
        stats_from(&self.inner.channel.counters, self.inner.writes, self.inner.bytes, SimDuration::ZERO)
    }
    fn stability(&self) -> Stability {
        self.inner.stability
    }
}

impl super::TrackPeaks for AsyncFifo {
    fn untrack_peaks(&mut self) {
        self.inner.channel.untrack_peaks();
    }
}
