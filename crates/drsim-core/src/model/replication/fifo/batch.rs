//! The batched fast path of a [`FifoChannel`]: every write of a generator up to an instant, with
//! the link up at a steady rate and local commits (asynchronous replication, the common case).
//!
//! Two straight loops, chosen when the batch starts: [`FifoChannel::batch_with_peaks`] queues
//! every write and keeps the peak backlog; [`FifoChannel::batch_without_peaks`] (once the
//! caller said it needs no peaks) only counts the writes that arrive by the end of the batch and
//! queues the few still in flight. Both give the state that [`FifoChannel::push`], write by
//! write, gives (the differential test below checks it).

use super::{Commit, FifoChannel, Item, transmit};
use crate::engine::SimTime;
use crate::engine::sampler::{AnyDuration, AnySize, DurationDraw, SizeDraw};
use crate::model::workload::WriteGenerator;

impl FifoChannel {
    /// Hands every write `generator` makes before `until` to replication, in order; returns
    /// (writes, bytes).
    ///
    /// This is the per-write hot loop of exact replication. While the link is up at a steady
    /// rate and writes commit locally (asynchronous replication, the common case), the
    /// channel's state is copied into locals for the duration of the loop, so that the compiler
    /// keeps it in registers instead of reloading it through `self` for every write; otherwise
    /// each write goes through [`push`](Self::push). Both give the same result to the bit (a
    /// test checks it).
    pub fn push_from(&mut self, generator: &mut WriteGenerator, until: SimTime) -> (u64, u64) {
        if !(self.up && self.rate.is_none() && self.commit == Commit::Local) {
            let (mut writes, mut bytes) = (0u64, 0u64);
            generator.writes_before(until, |w| {
                self.push(w.created.as_nanos(), w.bytes);
                writes += 1;
                bytes += w.bytes;
            });
            (writes, bytes)
        } else {
            // One copy of the loop per case, so that each has its own inlined body.
            // Exponential sizes (the usual case) draw with the mean in a register, and, without
            // peaks, uniform latencies (the usual case) with their bounds in registers.
            let (exp, uniform) = (generator.exponential_size(), self.latency.uniform());
            match (self.counters.peaks_untracked, exp, uniform) {
                (true, Some(exp), Some(lat)) => self.batch_without_peaks(generator, until, &exp, &lat),
                (true, Some(exp), None) => self.batch_without_peaks(generator, until, &exp, &AnyDuration),
                (true, None, _) => self.batch_without_peaks(generator, until, &AnySize, &AnyDuration),
                (false, Some(exp), _) => self.batch_with_peaks(generator, until, &exp, &AnyDuration),
                (false, None, _) => self.batch_with_peaks(generator, until, &AnySize, &AnyDuration),
            }
        }
    }

    /// [`push_from`](Self::push_from) with the link up, local commits and the peaks kept: every
    /// write first delivers what has arrived by its creation and is then queued, so that the
    /// backlog it sees can be compared with the peak.
    #[inline(always)]
    fn batch_with_peaks(
        &mut self,
        generator: &mut WriteGenerator,
        until: SimTime,
        size: &impl SizeDraw,
        draw_latency: &impl DurationDraw,
    ) -> (u64, u64) {
        let (ns_per_byte, latency, items) = (self.ns_per_byte, &self.latency, &mut self.items);
        let mut rng = self.rng.clone();
        let (mut server_free, mut last_arrive) = (self.server_free, self.last_arrive);
        let mut last_delivered_created = self.last_delivered_created;
        let mut c = self.counters;
        let delivered_before = c.items_delivered;
        let (mut writes, mut bytes) = (0u64, 0u64);
        generator.writes_before_with(until, size, |w| {
            let issued = w.created.as_nanos();
            while let Some(front) = items.first() {
                if front.arrive > issued {
                    break;
                }
                c.items_delivered += 1;
                c.bytes_delivered += front.bytes;
                c.backlog_bytes -= front.bytes;
                last_delivered_created = last_delivered_created.max(front.created);
                items.pop_front();
            }
            let (start, depart) = transmit(issued, w.bytes, server_free, ns_per_byte);
            let arrive = depart.saturating_add(draw_latency.sample_nanos(latency, &mut rng)).max(last_arrive);
            (server_free, last_arrive) = (depart, arrive);
            items.push_back(Item { issued, created: issued, bytes: w.bytes, start, depart, arrive });
            c.backlog_bytes += w.bytes;
            c.peak_backlog_bytes = c.peak_backlog_bytes.max(c.backlog_bytes);
            c.peak_backlog_items = c.peak_backlog_items.max(items.len() as u64);
            writes += 1;
            bytes += w.bytes;
        });
        c.items_in += writes;
        c.bytes_in += bytes;
        self.rng = rng;
        self.end_batch(c, delivered_before, (server_free, last_arrive, last_delivered_created));
        (writes, bytes)
    }

    /// [`push_from`](Self::push_from) with the link up, local commits and no peaks: no write
    /// needs to see the backlog, and `until` is known. Arrivals never reorder, so the writes
    /// arriving by `until` are a prefix of the batch and only need counting, and only the writes
    /// still in flight at `until` (the few last ones) are queued. The state at `until` is the
    /// one [`batch_with_peaks`](Self::batch_with_peaks) leaves, peaks aside.
    #[inline(always)]
    fn batch_without_peaks(
        &mut self,
        generator: &mut WriteGenerator,
        until: SimTime,
        size: &impl SizeDraw,
        draw_latency: &impl DurationDraw,
    ) -> (u64, u64) {
        let until_ns = until.as_nanos();
        // Every queued write precedes the batch, so it may be delivered first.
        self.deliver_until(until_ns);
        let (ns_per_byte, latency, items) = (self.ns_per_byte, &self.latency, &mut self.items);
        let mut rng = self.rng.clone();
        let (mut server_free, mut last_arrive) = (self.server_free, self.last_arrive);
        let mut last_delivered_created = self.last_delivered_created;
        let mut c = self.counters;
        let delivered_before = c.items_delivered;
        let (mut writes, mut bytes, mut arrived, mut arrived_bytes) = (0u64, 0u64, 0u64, 0u64);
        // A write sent early enough that even the longest latency brings it by `until` has
        // surely arrived: its latency is skipped (the stream moves on as if drawn). Its exact
        // arrival could only matter to a later write arriving by `until` too, which is counted,
        // not kept.
        let sure_by = latency.skippable_max_nanos().map_or(0, |max| until_ns.saturating_sub(max));
        generator.writes_before_with(until, size, |w| {
            let issued = w.created.as_nanos();
            let (start, depart) = transmit(issued, w.bytes, server_free, ns_per_byte);
            let arrive = if depart < sure_by {
                draw_latency.discard(latency, &mut rng);
                last_arrive
            } else {
                depart.saturating_add(draw_latency.sample_nanos(latency, &mut rng)).max(last_arrive)
            };
            (server_free, last_arrive) = (depart, arrive);
            if arrive > until_ns {
                items.push_back(Item { issued, created: issued, bytes: w.bytes, start, depart, arrive });
            } else {
                arrived += 1;
                arrived_bytes += w.bytes;
                last_delivered_created = issued;
            }
            writes += 1;
            bytes += w.bytes;
        });
        c.items_in += writes;
        c.bytes_in += bytes;
        c.items_delivered += arrived;
        c.bytes_delivered += arrived_bytes;
        c.backlog_bytes += bytes - arrived_bytes;
        self.rng = rng;
        self.end_batch(c, delivered_before, (server_free, last_arrive, last_delivered_created));
        (writes, bytes)
    }

    /// Stores a batch's counters and clocks (server free, last arrival, newest delivered
    /// creation) back into the channel. Local commits take no time: each delivered write adds a
    /// zero commit latency.
    #[inline(always)]
    fn end_batch(&mut self, mut c: super::Counters, delivered_before: u64, clocks: (u64, u64, u64)) {
        c.commit_count += c.items_delivered - delivered_before;
        if c.items_delivered > delivered_before {
            c.commit_min_ns = 0;
        }
        (self.server_free, self.last_arrive, self.last_delivered_created) = clocks;
        self.counters = c;
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::super::OnDown;
    use super::*;
    use crate::engine::{Distribution, DurationDistribution, SimDuration, TrialStreams};
    use crate::model::link::LinkSpec;
    use crate::model::workload::WorkloadSpec;
    use crate::trial::streams::{NETWORK, WORKLOAD};

    proptest! {
        /// The register-resident loops of `push_from` and the general `push` are codings of
        /// one recursion: fed the same writes, cut at the same instants, they must agree on
        /// every item and every counter.
        #[test]
        fn push_from_equals_push_write_by_write(
            rate in 0.1f64..200.0,
            mean_size in 1.0f64..2e6,
            bandwidth in 1e5f64..1e8,
            low_ms in 0u64..50,
            jitter_ms in 0u64..20,
            cuts in proptest::collection::vec((1u64..5_000, any::<bool>()), 1..8),
            seed in any::<u64>(),
            exponential_sizes in any::<bool>(),
            latency_kind in 0u8..3,
        ) {
            // Uniform latencies take their own copy of the loop; fixed and lognormal ones the
            // general one (a fixed latency also skips its draws, a lognormal one never does).
            let latency = DurationDistribution::new(match latency_kind {
                0 => Distribution::uniform(low_ms as f64 / 1e3, (low_ms + jitter_ms) as f64 / 1e3).unwrap(),
                1 => Distribution::fixed(low_ms as f64 / 1e3).unwrap(),
                _ => Distribution::lognormal((low_ms + 1) as f64 / 1e3, 0.5).unwrap(),
            }).unwrap();
            let link = LinkSpec::new("P", "S", latency, bandwidth).unwrap();
            // Exponential sizes take their own copy of the loop; uniform ones the general one.
            let size = if exponential_sizes {
                Distribution::exponential(mean_size).unwrap()
            } else {
                Distribution::uniform(0.0, 2.0 * mean_size).unwrap()
            };
            let workload = WorkloadSpec::poisson(rate, size).unwrap();
            let streams = TrialStreams::new(seed, 0);
            let generator = || WriteGenerator::new(workload.clone(), SimTime::ZERO, streams.rng(WORKLOAD)).unwrap();
            let channel = || FifoChannel::new(&link, 0, Commit::Local, streams.rng(NETWORK));
            let (mut g_fast, mut g_slow, mut g_lazy) = (generator(), generator(), generator());
            let (mut fast, mut slow, mut lazy) = (channel(), channel(), channel());
            lazy.untrack_peaks();
            let mut t = SimTime::ZERO;
            let mut up = true;
            for (cut, toggle_link) in cuts {
                t += SimDuration::from_millis(cut);
                let (n, b) = fast.push_from(&mut g_fast, t);
                let (mut n_slow, mut b_slow) = (0, 0);
                while let Some(w) = g_slow.next_write() {
                    if w.created >= t {
                        // Hold it back, as `writes_before` does.
                        g_slow.held = Some(w);
                        break;
                    }
                    slow.push(w.created.as_nanos(), w.bytes);
                    n_slow += 1;
                    b_slow += w.bytes;
                }
                prop_assert_eq!((n, b), (n_slow, b_slow));
                prop_assert_eq!(lazy.push_from(&mut g_lazy, t), (n, b));
                // As `PerWrite::advance_to` does after each batch.
                for ch in [&mut fast, &mut slow, &mut lazy] {
                    ch.deliver_until(t.as_nanos());
                }
                prop_assert_eq!(&fast.counters, &slow.counters);
                prop_assert_eq!(&*fast.items, &*slow.items);
                prop_assert_eq!(&*lazy.items, &*slow.items);
                // Without peaks, everything but the peaks.
                let mut untracked = slow.counters;
                (untracked.peak_backlog_bytes, untracked.peak_backlog_items, untracked.peaks_untracked) =
                    (lazy.counters.peak_backlog_bytes, lazy.counters.peak_backlog_items, true);
                prop_assert_eq!(&lazy.counters, &untracked);
                for ch in [&fast, &lazy] {
                    // An arrival by `t` is not kept exactly without peaks (it never matters).
                    let tn = t.as_nanos();
                    prop_assert_eq!(
                        (ch.server_free, ch.last_arrive.max(tn), ch.last_delivered_created),
                        (slow.server_free, slow.last_arrive.max(tn), slow.last_delivered_created)
                    );
                    prop_assert_eq!(&ch.rng, &slow.rng);
                }
                prop_assert_eq!(fast.last_arrive, slow.last_arrive);
                // Link outages in between: writes then queue through `push`, and the loop
                // takes over again once the link is back.
                if toggle_link {
                    up = !up;
                    for ch in [&mut fast, &mut slow, &mut lazy] {
                        if up {
                            ch.link_up(t.as_nanos());
                        } else {
                            ch.link_down(t.as_nanos(), OnDown::Wait);
                        }
                    }
                }
            }
        }
    }
}
