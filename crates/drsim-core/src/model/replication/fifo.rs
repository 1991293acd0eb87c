//! The FIFO channel shared by every replication model: a single-server queue whose departures
//! follow the Lindley recursion `depart = max(issued, previous depart) + bytes / throughput`.
//!
//! Nothing here schedules an event per item. Each item's departure and arrival are computed the
//! moment it is queued; the channel only has to be told when the link goes down or comes back,
//! and it answers questions (what has arrived, what would be lost) at any later instant. That is
//! why exact per-write replication costs a few nanoseconds per write.

use std::collections::VecDeque;

use crate::engine::{DurationDistribution, SimRng};
use crate::model::link::{BandwidthVariability, LinkSpec};

/// Marks a departure, arrival or commit that cannot be known yet (the link is down).
pub(crate) const PENDING: u64 = u64::MAX;

#[derive(Clone, Copy, Debug)]
pub(crate) struct Item {
    /// When the write (or snapshot) was handed to replication.
    pub issued: u64,
    /// When it entered the primary's log: `issued` for asynchronous replication, the
    /// acknowledgement for synchronous replication, `PENDING` while unacknowledged.
    pub created: u64,
    pub bytes: u64,
    pub start: u64,
    pub depart: u64,
    pub arrive: u64,
}

/// When an item enters the primary's log.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Commit {
    /// At once (asynchronous replication; snapshots).
    Local,
    /// When the replica's acknowledgement comes back (synchronous replication).
    Acked,
    /// At once until the backlog has drained, then at acknowledgement (resynchronising).
    AckedAfterDrain,
}

/// What to do with unacknowledged items when the link goes down.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum OnDown {
    /// Keep waiting for the acknowledgement.
    Wait,
    /// Commit them locally at the instant of the failure.
    CommitNow,
}

#[derive(Clone, Debug)]
struct RateSchedule {
    spec: BandwidthVariability,
    segment_end: u64,
    ns_per_byte: f64,
}

/// Counters of a channel; all cumulative since the start.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub(crate) struct Counters {
    pub items_in: u64,
    pub bytes_in: u64,
    pub items_delivered: u64,
    pub bytes_delivered: u64,
    pub backlog_bytes: u64,
    pub peak_backlog_bytes: u64,
    pub peak_backlog_items: u64,
    pub commit_count: u64,
    pub commit_sum_ns: u128,
    pub commit_min_ns: u64,
    pub commit_max_ns: u64,
}

#[derive(Clone, Debug)]
pub(crate) struct FifoChannel {
    items: VecDeque<Item>,
    /// Number of items at the back whose departure is `PENDING`.
    pending: usize,
    nominal_bw: f64,
    window_limit: f64,
    ns_per_byte: f64,
    rate: Option<RateSchedule>,
    latency: DurationDistribution,
    rng: SimRng,
    server_free: u64,
    last_arrive: u64,
    last_ack: u64,
    up: bool,
    resume_remaining: Option<u64>,
    pub commit: Commit,
    /// Creation time of the newest item the replica holds (the start: the replica begins as a
    /// full copy).
    pub last_delivered_created: u64,
    pub counters: Counters,
    /// Commit latencies (ns) of the writes that waited for an acknowledgement, for quantiles.
    pub commit_hist: crate::montecarlo::Accumulator,
}

impl FifoChannel {
    pub fn new(link: &LinkSpec, start: u64, commit: Commit, mut rng: SimRng) -> Self {
        let rtt = link.mean_rtt_secs();
        let window_limit = match link.window_bytes {
            Some(w) if rtt > 0.0 => f64::from(link.streams) * w / rtt,
            _ => f64::INFINITY,
        };
        let rate = link.variability.as_ref().map(|v| {
            let factor = v.factor.sample(&mut rng).max(1e-3);
            RateSchedule {
                spec: v.clone(),
                segment_end: start.saturating_add(v.period.sample(&mut rng).as_nanos()),
                ns_per_byte: 1e9 / (link.bandwidth_bytes_per_s * factor).min(window_limit),
            }
        });
        FifoChannel {
            items: VecDeque::new(),
            pending: 0,
            nominal_bw: link.bandwidth_bytes_per_s,
            window_limit,
            ns_per_byte: 1e9 / link.bandwidth_bytes_per_s.min(window_limit),
            rate,
            latency: link.latency.clone(),
            rng,
            server_free: start,
            last_arrive: start,
            last_ack: start,
            up: true,
            resume_remaining: None,
            commit,
            last_delivered_created: start,
            counters: Counters { commit_min_ns: u64::MAX, ..Counters::default() },
            commit_hist: crate::montecarlo::Accumulator::default(),
        }
    }

    /// Nanoseconds per byte for a transfer starting at `start`.
    ///
    /// With variability, the rate in force when a transfer starts applies to all of it: an
    /// approximation that is exact when transfers are short against the period.
    #[inline]
    fn ns_per_byte_at(&mut self, start: u64) -> f64 {
        let Some(r) = &mut self.rate else { return self.ns_per_byte };
        while start >= r.segment_end {
            let factor = r.spec.factor.sample(&mut self.rng).max(1e-3);
            r.ns_per_byte = 1e9 / (self.nominal_bw * factor).min(self.window_limit);
            // A zero-length period would never move the clock; at least one nanosecond.
            let len = r.spec.period.sample(&mut self.rng).as_nanos().max(1);
            r.segment_end = r.segment_end.saturating_add(len);
        }
        r.ns_per_byte
    }

    /// Computes the departure, arrival and (for acknowledged commits) the commit of `item`,
    /// which must be the next item to be sent.
    #[inline]
    fn schedule(&mut self, item: &mut Item, resume: Option<u64>) {
        let (start, depart) = match resume {
            Some(remaining) => (self.server_free, self.server_free.saturating_add(remaining)),
            None => {
                let start = item.issued.max(self.server_free);
                let ns_per_byte = self.ns_per_byte_at(start);
                // Nanoseconds directly, rounded half up; `as` saturates and sends NaN to 0.
                let service = (item.bytes as f64 * ns_per_byte + 0.5) as u64;
                (start, start.saturating_add(service))
            }
        };
        self.server_free = depart;
        let latency = self.latency.sample(&mut self.rng).as_nanos();
        // Jitter never reorders: a write cannot overtake the one before it.
        let arrive = depart.saturating_add(latency).max(self.last_arrive);
        self.last_arrive = arrive;
        item.start = start;
        item.depart = depart;
        item.arrive = arrive;
        if item.created == PENDING {
            let back = self.latency.sample(&mut self.rng).as_nanos();
            let ack = arrive.saturating_add(back).max(self.last_ack);
            self.last_ack = ack;
            item.created = ack;
        }
    }

    /// Hands an item to replication at `issued` (non-decreasing from call to call).
    #[inline]
    pub fn push(&mut self, issued: u64, bytes: u64) {
        self.deliver_until(issued);
        if self.commit == Commit::AckedAfterDrain && self.items.is_empty() {
            self.commit = Commit::Acked;
        }
        let created = if self.commit == Commit::Acked { PENDING } else { issued };
        let mut item = Item { issued, created, bytes, start: PENDING, depart: PENDING, arrive: PENDING };
        if self.up {
            self.schedule(&mut item, None);
        } else {
            self.pending += 1;
        }
        self.items.push_back(item);
        let c = &mut self.counters;
        c.items_in += 1;
        c.bytes_in += bytes;
        c.backlog_bytes += bytes;
        c.peak_backlog_bytes = c.peak_backlog_bytes.max(c.backlog_bytes);
        c.peak_backlog_items = c.peak_backlog_items.max(self.items.len() as u64);
    }

    /// Removes every item that has reached the replica at or before `t`.
    #[inline]
    pub fn deliver_until(&mut self, t: u64) {
        while let Some(front) = self.items.front() {
            if front.arrive > t {
                break;
            }
            let item = *front;
            self.items.pop_front();
            let c = &mut self.counters;
            c.items_delivered += 1;
            c.bytes_delivered += item.bytes;
            c.backlog_bytes -= item.bytes;
            let commit = item.created.saturating_sub(item.issued);
            c.commit_count += 1;
            c.commit_sum_ns += u128::from(commit);
            c.commit_min_ns = c.commit_min_ns.min(commit);
            c.commit_max_ns = c.commit_max_ns.max(commit);
            if commit > 0 {
                self.commit_hist.record(commit);
            }
            self.last_delivered_created = self.last_delivered_created.max(item.created);
        }
    }

    /// The link fails at `t`: nothing more is sent until [`link_up`](Self::link_up). Items whose
    /// last byte left before `t` still arrive (they are on the wire), and so do their acks.
    pub fn link_down(&mut self, t: u64, on_down: OnDown) {
        self.deliver_until(t);
        if !self.up {
            return;
        }
        self.up = false;
        let mut resume = None;
        let mut pending = 0;
        // Every item still here arrives after `t`. Walk back from the newest: the unsent ones
        // form a suffix.
        for item in self.items.iter_mut().rev() {
            let unacknowledged = item.created > t; // includes PENDING
            if on_down == OnDown::CommitNow && unacknowledged {
                item.created = t;
            }
            if item.depart <= t {
                break;
            }
            if item.start < t {
                resume = Some(item.depart - t);
            }
            item.depart = PENDING;
            item.arrive = PENDING;
            if on_down == OnDown::Wait && unacknowledged {
                item.created = PENDING;
            }
            pending += 1;
        }
        if on_down == OnDown::CommitNow {
            // Items that reached the copy but whose acknowledgement is still on its way, and
            // in-flight items, are committed at `t` too: the primary stops waiting for acks.
            self.last_delivered_created = self.last_delivered_created.min(t);
            for item in self.items.iter_mut() {
                if item.created > t {
                    item.created = t;
                }
            }
        }
        // The unsent items will arrive after the last item still on the wire.
        self.last_arrive = self.items.iter().rev().find(|i| i.arrive != PENDING).map_or(self.last_arrive, |i| i.arrive);
        self.pending = pending;
        self.resume_remaining = resume;
    }

    /// The link is back at `t`: the held items are sent, the interrupted one resuming where it
    /// stopped.
    pub fn link_up(&mut self, t: u64) {
        if self.up {
            return;
        }
        self.up = true;
        self.server_free = t;
        let first = self.items.len() - self.pending;
        let mut resume = self.resume_remaining.take();
        for i in first..self.items.len() {
            let mut item = self.items[i];
            self.schedule(&mut item, resume.take());
            self.items[i] = item;
        }
        self.pending = 0;
    }

    /// Items and bytes that the primary's log holds (created before `t`) but the replica does
    /// not at `t`, and the creation time of the oldest of them.
    pub fn lost_at(&mut self, t: u64) -> (u64, u64, Option<u64>) {
        self.deliver_until(t);
        let Some(front) = self.items.front() else { return (0, 0, None) };
        if front.created >= t {
            return (0, 0, None);
        }
        let oldest = front.created;
        if self.items.back().is_some_and(|b| b.created < t) {
            return (self.items.len() as u64, self.counters.backlog_bytes, Some(oldest));
        }
        let (mut n, mut bytes) = (0, 0);
        for item in &self.items {
            if item.created >= t {
                break;
            }
            n += 1;
            bytes += item.bytes;
        }
        (n, bytes, Some(oldest))
    }

    /// (items, bytes) not yet fully sent at `t` (queued, the one being sent included), and
    /// (items, bytes) sent but not yet arrived.
    pub fn backlog_at(&mut self, t: u64) -> ((u64, u64), (u64, u64)) {
        self.deliver_until(t);
        let (mut fn_, mut fb) = (0u64, 0u64);
        for item in &self.items {
            if item.depart > t {
                break;
            }
            fn_ += 1;
            fb += item.bytes;
        }
        let queued = (self.items.len() as u64 - fn_, self.counters.backlog_bytes - fb);
        (queued, (fn_, fb))
    }
}
