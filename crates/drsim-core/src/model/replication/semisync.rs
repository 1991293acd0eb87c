//! Semi-synchronous replication: synchronous while the copy acknowledges in time, asynchronous
//! from the first acknowledgement that is later than the timeout until the copy has caught up.
//!
//! This is MySQL's semi-synchronous replication (`rpl_semi_sync_source_wait_point =
//! AFTER_SYNC`, one replica): when no replica acknowledges a transaction within the timeout,
//! the source reverts to asynchronous replication, and it returns to semi-synchronous
//! replication once a replica has caught up (MySQL 8.4 Reference Manual, §19.4.10
//! "Semisynchronous Replication"). The timeout, `rpl_semi_sync_source_timeout`, defaults to
//! 10,000 ms there, and to 10 s here.
//!
//! The rule, exactly:
//! - *Semi-sync mode.* A write is sent FIFO as a synchronous one is, and commits when the
//!   copy's acknowledgement returns (arrival plus one sampled one-way latency). A write whose
//!   acknowledgement has not returned strictly before `issued + timeout` *times out* at that
//!   instant `T`: it commits at `T`, so does every later write still waiting (the source stops
//!   waiting for all of them at once), and the source falls back.
//! - *Fallback.* Writes commit at once and queue, as asynchronous ones do. The fallback ends at
//!   the first instant at which the link is up and every write has reached the copy (the
//!   backlog has drained): from then on writes wait for acknowledgements again.
//!
//! The channel's dynamics (departures, arrivals, acknowledgements) do not depend on the mode;
//! the mode only decides when each write enters the primary's log. So RPO is zero outside the
//! fallback windows (a write waiting for its acknowledgement is not committed, and an
//! acknowledged one is at the copy), and every commit latency is at most the timeout.

use super::asynchronous::PerWrite;
use super::fifo::{Commit, FifoChannel, OnDown, PENDING};
use super::{
    Backlog, BuildReplicationError, Loss, Replication, ReplicationError, ReplicationStats, Stability, check_forward,
    stats_from,
};
use crate::engine::{SimDuration, SimTime, TrialStreams};
use crate::model::link::LinkSpec;
use crate::model::workload::WorkloadSpec;

/// MySQL's default `rpl_semi_sync_source_timeout`: 10,000 ms.
pub const DEFAULT_SEMI_SYNC_TIMEOUT: SimDuration = SimDuration::from_secs(10);

/// Semi-synchronous replication over a link; see the [module documentation](self) for the rule.
///
/// ```
/// use drsim_core::engine::{Distribution, DurationDistribution, SimDuration, SimTime, TrialStreams};
/// use drsim_core::model::{LinkSpec, Replication, SemiSync, WorkloadSpec};
///
/// let link = LinkSpec::new("P", "S", DurationDistribution::fixed(SimDuration::from_millis(5)), 1e9).unwrap();
/// let workload = WorkloadSpec::poisson(100.0, Distribution::fixed(4096.0).unwrap()).unwrap();
/// let timeout = SimDuration::from_secs(10);
/// let mut repl = SemiSync::new(&link, &workload, timeout, TrialStreams::new(1, 0), SimTime::ZERO).unwrap();
/// let t = |s| SimTime::ZERO + SimDuration::from_secs(s);
/// repl.link_down(t(100)).unwrap();
/// repl.link_up(t(160)).unwrap(); // a minute down: ten seconds of waiting, then asynchronous
/// assert!(repl.stats().commit_latency_max <= timeout);
/// assert!(repl.loss_at(t(300)).unwrap().rpo.is_zero()); // caught up long before
/// assert_eq!(repl.fallbacks(), 1);
/// ```
#[derive(Clone, Debug)]
pub struct SemiSync {
    inner: PerWrite,
    mode: Mode,
}

/// The semi-sync state machine, apart from the channel so that the per-write loop can borrow
/// both.
#[derive(Clone, Debug)]
struct Mode {
    timeout: u64,
    /// In semi-sync mode: the earliest timeout to come, as (instant, global index of the write
    /// that times out). A write's deadline is its issue plus the timeout, so deadlines come in
    /// write order and only the first write that will miss its own matters.
    candidate: Option<(u64, u64)>,
    /// Since when the source has been asynchronous.
    fallback_since: Option<u64>,
    fallback_ns: u64,
    fallbacks: u64,
    /// The last instant the link came back (the start before any).
    up_since: u64,
}

impl SemiSync {
    /// The model for one trial over `link`, fed by `workload`, from `start`; `timeout` must be
    /// positive (a zero timeout never waits: that is [`AsyncFifo`](super::AsyncFifo)).
    pub fn new(
        link: &LinkSpec,
        workload: &WorkloadSpec,
        timeout: SimDuration,
        streams: TrialStreams,
        start: SimTime,
    ) -> Result<Self, BuildReplicationError> {
        if timeout.is_zero() {
            return Err(BuildReplicationError::BadValue {
                mode: "semi_sync",
                field: "timeout",
                value: timeout.to_string(),
                allowed: "must be > 0 (a zero timeout never waits: use mode = \"asynchronous\")",
            });
        }
        Ok(SemiSync {
            inner: PerWrite::new(link, workload, Commit::Acked, streams, start)?,
            mode: Mode {
                timeout: timeout.as_nanos(),
                candidate: None,
                fallback_since: None,
                fallback_ns: 0,
                fallbacks: 0,
                up_since: start.as_nanos(),
            },
        })
    }

    /// The timeout.
    pub fn timeout(&self) -> SimDuration {
        SimDuration::from_nanos(self.mode.timeout)
    }

    /// How many times the source has fallen back to asynchronous replication.
    pub fn fallbacks(&self) -> u64 {
        self.mode.fallbacks
    }

    /// Whether the source is asynchronous at the current instant.
    pub fn in_fallback(&self) -> bool {
        self.mode.fallback_since.is_some()
    }

    /// Total time spent asynchronous from the start to the current instant: the windows in
    /// which RPO can be positive.
    pub fn time_in_fallback(&self) -> SimDuration {
        let open = self.mode.fallback_since.map_or(0, |since| self.inner.now.as_nanos().saturating_sub(since));
        SimDuration::from_nanos(self.mode.fallback_ns + open)
    }

    fn advance(&mut self, t: SimTime) -> Result<(), ReplicationError> {
        check_forward(self.inner.now, t)?;
        let PerWrite { generator, channel, writes, bytes, .. } = &mut self.inner;
        let mode = &mut self.mode;
        generator.writes_before(t, |w| {
            let s = w.created.as_nanos();
            mode.catch_up(channel, s);
            channel.push(s, w.bytes);
            mode.pushed(channel, s);
            *writes += 1;
            *bytes += w.bytes;
        });
        let tn = t.as_nanos();
        mode.catch_up(channel, tn);
        channel.deliver_until(tn);
        self.inner.now = t;
        Ok(())
    }
}

impl Mode {
    /// Applies a timeout due by `x`, and ends a fallback whose backlog has drained by `x`.
    fn catch_up(&mut self, ch: &mut FifoChannel, x: u64) {
        if let Some((at, index)) = self.candidate
            && at <= x
        {
            // The source stops waiting: every write still unacknowledged commits at `at`
            // (the ones whose acknowledgement is known were already capped).
            let from = index.saturating_sub(ch.counters.items_delivered) as usize;
            for item in ch.items_mut().iter_mut().skip(from) {
                item.created = item.created.min(at);
            }
            ch.commit = Commit::Local;
            self.candidate = None;
            self.fallback_since = Some(at);
            self.fallbacks += 1;
        }
        if let Some(since) = self.fallback_since
            && ch.is_up()
        {
            ch.deliver_until(x);
            if ch.items().is_empty() {
                // Caught up when the last write arrived, or when the link came back.
                let end = since.max(ch.last_arrive()).max(self.up_since).min(x);
                self.fallback_ns += end - since;
                self.fallback_since = None;
                ch.commit = Commit::Acked;
            }
        }
    }

    /// Looks at the write just pushed at `s`: whether it times out, or commits at a timeout
    /// already known.
    fn pushed(&mut self, ch: &mut FifoChannel, s: u64) {
        if ch.commit != Commit::Acked {
            return;
        }
        let index = ch.counters.items_in - 1;
        let deadline = s.saturating_add(self.timeout);
        let Some(item) = ch.items_mut().last_mut() else { return };
        match self.candidate {
            None if item.created >= deadline => {
                self.candidate = Some((deadline, index));
                if item.created != PENDING {
                    item.created = deadline;
                }
            }
            // Acknowledgements come back in order, so it is later than the timeout too.
            Some((at, _)) if item.created != PENDING => item.created = item.created.min(at),
            _ => {}
        }
    }

    /// Finds the first timeout again after the link failed or came back, which changed the
    /// acknowledgements of the writes not yet sent.
    fn rescan(&mut self, ch: &mut FifoChannel) {
        if ch.commit != Commit::Acked {
            return;
        }
        let delivered = ch.counters.items_delivered;
        // A write at the copy already has its acknowledgement fixed (it is on its way).
        if self.candidate.is_some_and(|(_, index)| index < delivered) {
            return;
        }
        let timeout = self.timeout;
        let found = ch.items().iter().position(|i| i.created >= i.issued.saturating_add(timeout));
        self.candidate = found.map(|p| (ch.items()[p].issued.saturating_add(timeout), delivered + p as u64));
        if let (Some(p), Some((at, _))) = (found, self.candidate) {
            for item in ch.items_mut().iter_mut().skip(p) {
                if item.created != PENDING {
                    item.created = item.created.min(at);
                }
            }
        }
    }
}

impl Replication for SemiSync {
    fn now(&self) -> SimTime {
        self.inner.now
    }
    fn advance_to(&mut self, t: SimTime) -> Result<(), ReplicationError> {
        self.advance(t)
    }
    fn link_down(&mut self, t: SimTime) -> Result<(), ReplicationError> {
        self.advance(t)?;
        // Writes keep waiting (until their timeout) for acknowledgements that cannot come.
        self.inner.channel.link_down(t.as_nanos(), OnDown::Wait);
        self.mode.rescan(&mut self.inner.channel);
        Ok(())
    }
    fn link_up(&mut self, t: SimTime) -> Result<(), ReplicationError> {
        self.advance(t)?;
        let tn = t.as_nanos();
        if !self.inner.channel.is_up() {
            self.inner.channel.link_up(tn);
            self.mode.up_since = tn;
        }
        self.mode.rescan(&mut self.inner.channel);
        self.mode.catch_up(&mut self.inner.channel, tn);
        Ok(())
    }
    fn loss_at(&mut self, t: SimTime) -> Result<Loss, ReplicationError> {
        self.advance(t)?;
        Ok(self.inner.loss_now())
    }
    fn backlog_at(&mut self, t: SimTime) -> Result<Backlog, ReplicationError> {
        self.advance(t)?;
        let ((queued, queued_bytes), (in_flight, in_flight_bytes)) = self.inner.channel.backlog_at(t.as_nanos());
        Ok(Backlog { queued, queued_bytes, in_flight, in_flight_bytes })
    }
    fn stats(&self) -> ReplicationStats {
        // Writers wait at most the timeout per outage; that wait is in the commit latencies,
        // not counted as unavailability.
        stats_from(&self.inner.channel.counters, self.inner.writes, self.inner.bytes, SimDuration::ZERO)
    }
    fn stability(&self) -> Stability {
        self.inner.stability
    }
    fn commit_latencies(&self) -> Option<&crate::stats::Accumulator> {
        self.inner.channel.commit_latencies()
    }
}

impl super::TrackPeaks for SemiSync {
    fn untrack_peaks(&mut self) {
        self.inner.channel.untrack_peaks();
    }
}
