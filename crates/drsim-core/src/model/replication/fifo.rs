//! The FIFO channel shared by every replication model: a single-server queue whose departures
//! follow the Lindley recursion `depart = max(issued, previous depart) + bytes / throughput`.
//!
//! Nothing here schedules an event per item. Each item's departure and arrival are computed the
//! moment it is queued; the channel only has to be told when the link goes down or comes back,
//! and it answers questions (what has arrived, what would be lost) at any later instant. That is
//! why exact per-write replication costs a few nanoseconds per write.
//!
//! This file is the channel and its events, one item at a time ([`FifoChannel::push`]); the
//! batched fast path of asynchronous replication ([`FifoChannel::push_from`]) is in `batch.rs`.

use std::ops::{Deref, DerefMut};

use crate::engine::time::{round_to_u64, u64_to_f64};
use crate::engine::{DurationSampler, SimRng};
use crate::model::link::{BandwidthVariability, LinkSpec};

mod batch;

/// Marks a departure, arrival or commit that cannot be known yet (the link is down).
pub(crate) const PENDING: u64 = u64::MAX;

#[derive(Clone, Copy, Debug, PartialEq)]
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

/// The items not yet at the replica, oldest first: a `Vec` read from `head`.
///
/// The per-write loop pushes and pops once per write; a `Vec` with a moving start does that
/// without a `VecDeque`'s wrap-around arithmetic. It is emptied whenever it drains (often: the
/// link is idle between writes) and compacted when the popped prefix is the larger half, so
/// memory stays proportional to the items in flight.
#[derive(Clone, Debug, Default)]
struct Queue {
    items: Vec<Item>,
    head: usize,
}

impl Queue {
    #[inline(always)]
    fn push_back(&mut self, item: Item) {
        self.items.push(item);
    }

    /// Drops the oldest item (there must be one).
    #[inline(always)]
    fn pop_front(&mut self) {
        self.head += 1;
        if self.head == self.items.len() {
            self.items.clear();
            self.head = 0;
        } else if self.head >= 1024 && 2 * self.head >= self.items.len() {
            self.items.drain(..self.head);
            self.head = 0;
        }
    }
}

impl Deref for Queue {
    type Target = [Item];
    #[inline(always)]
    fn deref(&self) -> &[Item] {
        &self.items[self.head..]
    }
}

impl DerefMut for Queue {
    #[inline(always)]
    fn deref_mut(&mut self) -> &mut [Item] {
        &mut self.items[self.head..]
    }
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
    ns_per_byte: Rate,
}

/// A link's speed as nanoseconds per byte, ready for computing transfer times.
///
/// When it is a whole number (50 MB/s is 20 ns per byte, 1 GB/s is 1), a transfer short
/// enough that `bytes * ns_per_byte < 2^53` takes an integer multiplication; the float product
/// would be exact there too, so the result is the same, without the two conversions.
#[derive(Clone, Copy, Debug)]
struct Rate {
    ns_per_byte: f64,
    /// `ns_per_byte` if it is a whole number from 1 to 2^32, else 0.
    whole: u64,
    /// Transfers below this many bytes use `whole`.
    whole_below: u64,
}

impl Rate {
    fn new(ns_per_byte: f64) -> Self {
        let w = ns_per_byte as u64;
        let whole = if (1..=1 << 32).contains(&w) && w as f64 == ns_per_byte { w } else { 0 };
        Rate { ns_per_byte, whole, whole_below: (1u64 << 53).checked_div(whole).unwrap_or(0) }
    }

    /// Nanoseconds to send `bytes`, rounded to the nearest.
    #[inline(always)]
    fn service(self, bytes: u64) -> u64 {
        if bytes < self.whole_below { bytes * self.whole } else { round_to_u64(u64_to_f64(bytes) * self.ns_per_byte) }
    }
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
    /// Set for good once the caller said it does not need the peaks: they are then no longer
    /// kept up to date (see [`FifoChannel::push_from`]).
    pub peaks_untracked: bool,
}

#[derive(Clone, Debug)]
pub(crate) struct FifoChannel {
    items: Queue,
    /// Number of items at the back whose departure is `PENDING`.
    pending: usize,
    nominal_bw: f64,
    window_limit: f64,
    ns_per_byte: Rate,
    rate: Option<RateSchedule>,
    latency: DurationSampler,
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
    /// Made at the first such write: a histogram is kilobytes to allocate and clear, and most
    /// channels (asynchronous ones) never need it.
    pub commit_hist: Option<Box<crate::stats::Accumulator>>,
}

impl FifoChannel {
    /// The commit latencies recorded so far (`None` before the first): what the models that
    /// wait for acknowledgements report.
    pub(crate) fn commit_latencies(&self) -> Option<&crate::stats::Accumulator> {
        self.commit_hist.as_deref()
    }

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
                ns_per_byte: Rate::new(1e9 / (link.bandwidth_bytes_per_s * factor).min(window_limit)),
            }
        });
        FifoChannel {
            items: Queue::default(),
            pending: 0,
            nominal_bw: link.bandwidth_bytes_per_s,
            window_limit,
            ns_per_byte: Rate::new(1e9 / link.bandwidth_bytes_per_s.min(window_limit)),
            rate,
            latency: link.latency.sampler(),
            rng,
            server_free: start,
            last_arrive: start,
            last_ack: start,
            up: true,
            resume_remaining: None,
            commit,
            last_delivered_created: start,
            counters: Counters { commit_min_ns: u64::MAX, ..Counters::default() },
            commit_hist: None,
        }
    }

    /// Nanoseconds per byte for a transfer starting at `start`.
    ///
    /// With variability, the rate in force when a transfer starts applies to all of it: an
    /// approximation that is exact when transfers are short against the period.
    #[inline]
    fn ns_per_byte_at(&mut self, start: u64) -> Rate {
        let Some(r) = &mut self.rate else { return self.ns_per_byte };
        while start >= r.segment_end {
            let factor = r.spec.factor.sample(&mut self.rng).max(1e-3);
            r.ns_per_byte = Rate::new(1e9 / (self.nominal_bw * factor).min(self.window_limit));
            // A zero-length period would never move the clock; at least one nanosecond.
            let len = r.spec.period.sample(&mut self.rng).as_nanos().max(1);
            r.segment_end = r.segment_end.saturating_add(len);
        }
        r.ns_per_byte
    }

    /// Computes the departure, arrival and (for acknowledged commits) the commit of `item`,
    /// which must be the next item to be sent.
    #[inline(always)]
    fn schedule(&mut self, item: &mut Item, resume: Option<u64>) {
        let (start, depart) = match resume {
            Some(remaining) => (self.server_free, self.server_free.saturating_add(remaining)),
            None => {
                let ns_per_byte = self.ns_per_byte_at(item.issued.max(self.server_free));
                transmit(item.issued, item.bytes, self.server_free, ns_per_byte)
            }
        };
        self.server_free = depart;
        let latency = self.latency.sample_nanos(&mut self.rng);
        // Jitter never reorders: a write cannot overtake the one before it.
        let arrive = depart.saturating_add(latency).max(self.last_arrive);
        self.last_arrive = arrive;
        item.start = start;
        item.depart = depart;
        item.arrive = arrive;
        if item.created == PENDING {
            let back = self.latency.sample_nanos(&mut self.rng);
            let ack = arrive.saturating_add(back).max(self.last_ack);
            self.last_ack = ack;
            item.created = ack;
        }
    }

    /// The items not yet at the replica, oldest first.
    pub fn items(&self) -> &[Item] {
        &self.items
    }

    /// The same, to change their commit instants (semi-synchronous timeouts).
    pub fn items_mut(&mut self) -> &mut [Item] {
        &mut self.items
    }

    /// The arrival of the newest item scheduled so far (the start before any).
    pub fn last_arrive(&self) -> u64 {
        self.last_arrive
    }

    /// Whether the link is up.
    pub fn is_up(&self) -> bool {
        self.up
    }

    /// Stops keeping the peak backlog up to date (for good).
    pub fn untrack_peaks(&mut self) {
        self.counters.peaks_untracked = true;
    }

    /// Hands an item to replication at `issued` (non-decreasing from call to call).
    #[inline(always)]
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
        while let Some(front) = self.items.first() {
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
            // Asynchronous writes commit at once: nothing to add, and this runs per write.
            if commit > 0 {
                c.commit_sum_ns += u128::from(commit);
                c.commit_min_ns = c.commit_min_ns.min(commit);
                c.commit_max_ns = c.commit_max_ns.max(commit);
                self.commit_hist.get_or_insert_default().record(commit);
            } else {
                c.commit_min_ns = 0;
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
        let Some(front) = self.items.first() else { return (0, 0, None) };
        if front.created >= t {
            return (0, 0, None);
        }
        let oldest = front.created;
        if self.items.last().is_some_and(|b| b.created < t) {
            return (self.items.len() as u64, self.counters.backlog_bytes, Some(oldest));
        }
        let (mut n, mut bytes) = (0, 0);
        for item in self.items.iter() {
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
        for item in self.items.iter() {
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

/// The Lindley recursion: a transfer of `bytes` handed over at `issued` starts when the sender
/// is free and takes `bytes * ns_per_byte` (rounded to the nanosecond). Returns (start, depart).
#[inline(always)]
fn transmit(issued: u64, bytes: u64, server_free: u64, ns_per_byte: Rate) -> (u64, u64) {
    let start = issued.max(server_free);
    (start, start.saturating_add(ns_per_byte.service(bytes)))
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    proptest! {
        /// The integer shortcut gives what the float product gives, rounded.
        #[test]
        fn whole_rates_transfer_as_the_float_product(
            ns in prop_oneof![1u64..64, Just(1u64 << 32)],
            bytes in prop_oneof![0u64..1 << 20, any::<u64>(), Just((1u64 << 53) / 20 - 1), Just((1u64 << 53) / 20)],
        ) {
            let rate = Rate::new(ns as f64);
            prop_assert_eq!(rate.whole, ns);
            prop_assert_eq!(rate.service(bytes), round_to_u64(u64_to_f64(bytes) * ns as f64));
            let fractional = Rate::new(ns as f64 + 0.5);
            prop_assert_eq!(fractional.whole, 0);
            prop_assert_eq!(fractional.service(bytes), round_to_u64(u64_to_f64(bytes) * (ns as f64 + 0.5)));
        }
    }
}
