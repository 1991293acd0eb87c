//! Replication known only by its published lag: managed services (object-store replication,
//! managed database replicas) that state how long a write takes to reach the copy, not how.
//!
//! Amazon S3 Replication Time Control is the example: it replicates 99.99 % of new objects
//! within 15 minutes, under a service-level agreement (Amazon S3 User Guide, "Meeting
//! compliance requirements with S3 Replication Time Control"). Such a figure is a quantile of
//! the lag, so the model takes the lag as a duration distribution.
//!
//! The rule, exactly: write `i`, made at `c_i`, draws a lag `L_i` (independently of every other
//! write) and reaches the copy at
//!
//! ```text
//! a_i = max(c_i + L_i, a_{i−1})        (a_0 = the start)
//! ```
//!
//! so that the copy stays a prefix of the log: a write that came early waits for the ones
//! before it. The copy at `t` holds exactly the writes `i` with `c_j + L_j ≤ t` for every
//! `j ≤ i`, so the oldest lost write is the oldest write individually late (`c_i < t < c_i +
//! L_i`); for Poisson writes at rate λ this gives the stationary law
//! `P(RPO ≤ x) = exp(−λ ∫_x^∞ P(L > s) ds)`, which the prefix rule does not change.
//!
//! Link outages: nothing reaches the copy while the link is down. A write whose arrival falls
//! within an outage `[d, u)` — whether made before the outage or during it — arrives at the
//! repair `u` instead (`a_i ← max(a_i, u)`); later arrivals are unchanged.
//!
//! The link's latency and bandwidth are not used: the published lag already includes them.
//! No queue is modelled, so the model is always [`Stability::Stable`]; whether the service
//! keeps its lag at a given write rate is the provider's promise.

use std::collections::VecDeque;

use super::{
    Backlog, BuildReplicationError, Loss, Replication, ReplicationError, ReplicationStats, Stability, check_forward,
};
use crate::engine::{DurationDistribution, DurationSampler, SimDuration, SimRng, SimTime, TrialStreams};
use crate::model::link::LinkSpec;
use crate::model::workload::{WorkloadSpec, WriteGenerator};
use crate::trial::streams::{NETWORK, WORKLOAD};

/// A write on its way: (created, bytes, arrival at the copy).
#[derive(Clone, Copy, Debug)]
struct InFlight {
    created: u64,
    bytes: u64,
    arrive: u64,
}

/// Replication with a given lag distribution; see the [module documentation](self).
///
/// ```
/// use drsim_core::engine::{Distribution, DurationDistribution, SimDuration, SimTime, TrialStreams};
/// use drsim_core::model::{LinkSpec, PublishedLag, Replication, WorkloadSpec};
///
/// let link = LinkSpec::new("P", "S", DurationDistribution::fixed(SimDuration::from_millis(40)), 1e9).unwrap();
/// let workload = WorkloadSpec::poisson(10.0, Distribution::fixed(1e5).unwrap()).unwrap();
/// let lag = DurationDistribution::fixed(SimDuration::from_secs(60));
/// let mut repl = PublishedLag::new(&link, &workload, &lag, TrialStreams::new(1, 0), SimTime::ZERO).unwrap();
/// let loss = repl.loss_at(SimTime::ZERO + SimDuration::from_secs(600)).unwrap();
/// // A fixed lag of one minute: the last minute's writes are lost, and nothing older.
/// assert!(loss.rpo <= SimDuration::from_secs(60) && loss.copy_age >= SimDuration::from_secs(60));
/// ```
#[derive(Clone, Debug)]
pub struct PublishedLag {
    generator: WriteGenerator,
    pipe: Pipe,
    now: SimTime,
}

/// Everything but the generator, so that the per-write loop can borrow both.
#[derive(Clone, Debug)]
struct Pipe {
    lag: DurationSampler,
    rng: SimRng,
    queue: VecDeque<InFlight>,
    last_arrive: u64,
    down_since: Option<u64>,
    last_delivered_created: u64,
    writes: u64,
    bytes: u64,
    bytes_delivered: u64,
    backlog_bytes: u64,
    peaks: bool,
    peak_backlog_bytes: u64,
    peak_backlog_items: u64,
}

impl PublishedLag {
    /// The model for one trial: `workload` reaching a copy after `lag`, over `link` (whose
    /// outages stop delivery; its latency and bandwidth are not used), from `start`. Lags are
    /// drawn from the trial's network stream.
    pub fn new(
        link: &LinkSpec,
        workload: &WorkloadSpec,
        lag: &DurationDistribution,
        streams: TrialStreams,
        start: SimTime,
    ) -> Result<Self, BuildReplicationError> {
        link.validate()?;
        if lag.mean_secs().is_none() {
            return Err(BuildReplicationError::BadValue {
                mode: "lag",
                field: "lag",
                value: lag.inner().kind().to_string(),
                allowed: "a duration distribution with a finite mean",
            });
        }
        let generator = WriteGenerator::new(workload.clone(), start, streams.rng(WORKLOAD))?;
        let pipe = Pipe {
            lag: lag.sampler(),
            rng: streams.rng(NETWORK),
            queue: VecDeque::new(),
            last_arrive: start.as_nanos(),
            down_since: None,
            last_delivered_created: start.as_nanos(),
            writes: 0,
            bytes: 0,
            bytes_delivered: 0,
            backlog_bytes: 0,
            peaks: true,
            peak_backlog_bytes: 0,
            peak_backlog_items: 0,
        };
        Ok(PublishedLag { generator, pipe, now: start })
    }

    fn advance(&mut self, t: SimTime) -> Result<(), ReplicationError> {
        check_forward(self.now, t)?;
        let p = &mut self.pipe;
        self.generator.writes_before(t, |w| p.push(w.created.as_nanos(), w.bytes));
        p.deliver_until(t.as_nanos());
        self.now = t;
        Ok(())
    }
}

impl Pipe {
    /// Removes the writes that have reached the copy by `t` (none while the link is down).
    fn deliver_until(&mut self, t: u64) {
        if self.down_since.is_some() {
            return;
        }
        while let Some(front) = self.queue.front() {
            if front.arrive > t {
                break;
            }
            self.bytes_delivered += front.bytes;
            self.backlog_bytes -= front.bytes;
            self.last_delivered_created = front.created;
            self.queue.pop_front();
        }
    }

    fn push(&mut self, c: u64, bytes: u64) {
        // Delivering first keeps the queue to the writes in flight, peaks or not.
        self.deliver_until(c);
        let arrive = c.saturating_add(self.lag.sample_nanos(&mut self.rng)).max(self.last_arrive);
        self.last_arrive = arrive;
        self.queue.push_back(InFlight { created: c, bytes, arrive });
        self.writes += 1;
        self.bytes += bytes;
        self.backlog_bytes += bytes;
        if self.peaks {
            self.peak_backlog_bytes = self.peak_backlog_bytes.max(self.backlog_bytes);
            self.peak_backlog_items = self.peak_backlog_items.max(self.queue.len() as u64);
        }
    }
}

impl Replication for PublishedLag {
    fn now(&self) -> SimTime {
        self.now
    }
    fn advance_to(&mut self, t: SimTime) -> Result<(), ReplicationError> {
        self.advance(t)
    }
    fn link_down(&mut self, t: SimTime) -> Result<(), ReplicationError> {
        self.advance(t)?;
        self.pipe.down_since.get_or_insert(t.as_nanos());
        Ok(())
    }
    fn link_up(&mut self, t: SimTime) -> Result<(), ReplicationError> {
        self.advance(t)?;
        if self.pipe.down_since.take().is_some() {
            let u = t.as_nanos();
            // Arrivals are in order: the ones due during the outage are a prefix.
            for item in self.pipe.queue.iter_mut() {
                if item.arrive >= u {
                    break;
                }
                item.arrive = u;
            }
            self.pipe.last_arrive = self.pipe.last_arrive.max(u);
            self.pipe.deliver_until(u);
        }
        Ok(())
    }
    fn loss_at(&mut self, t: SimTime) -> Result<Loss, ReplicationError> {
        self.advance(t)?;
        let tn = t.as_nanos();
        // Every write still here was made before `t` (writes at `t` are not generated yet).
        Ok(Loss {
            writes_lost: self.pipe.queue.len() as u64,
            bytes_lost: self.pipe.backlog_bytes,
            rpo: SimDuration::from_nanos(self.pipe.queue.front().map_or(0, |f| tn - f.created)),
            copy_age: SimDuration::from_nanos(tn.saturating_sub(self.pipe.last_delivered_created)),
        })
    }
    fn backlog_at(&mut self, t: SimTime) -> Result<Backlog, ReplicationError> {
        self.advance(t)?;
        // No sender queue: every write not at the copy is "in flight" through the service.
        Ok(Backlog {
            queued: 0,
            queued_bytes: 0,
            in_flight: self.pipe.queue.len() as u64,
            in_flight_bytes: self.pipe.backlog_bytes,
        })
    }
    fn stats(&self) -> ReplicationStats {
        ReplicationStats {
            writes_written: self.pipe.writes,
            bytes_written: self.pipe.bytes,
            bytes_delivered: self.pipe.bytes_delivered,
            bytes_sent_to_link: self.pipe.bytes,
            peak_backlog_bytes: self.pipe.peaks.then_some(self.pipe.peak_backlog_bytes),
            peak_backlog_items: self.pipe.peaks.then_some(self.pipe.peak_backlog_items),
            // Writes commit locally at once.
            commit_latency_mean: SimDuration::ZERO,
            commit_latency_max: SimDuration::ZERO,
            commit_latency_min: SimDuration::ZERO,
            write_blocked: SimDuration::ZERO,
        }
    }
    fn stability(&self) -> Stability {
        Stability::Stable { utilization: 0.0 }
    }
}

impl super::TrackPeaks for PublishedLag {
    fn untrack_peaks(&mut self) {
        self.pipe.peaks = false;
    }
}
