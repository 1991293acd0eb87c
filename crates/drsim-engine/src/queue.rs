//! The event queue: pending events ordered by (time, insertion sequence), with cancellation.
//!
//! Ties at the same instant run in the order they were scheduled, which is what makes runs
//! deterministic without any tie-breaking by payload. The queue is generic over the event type
//! and knows nothing of the model; it is the whole engine, the caller owns the loop:
//!
//! ```
//! use drsim_engine::{EventQueue, SimDuration, SimTime};
//! let mut q = EventQueue::new();
//! q.schedule(SimTime::from_nanos(20), "b").unwrap();
//! q.schedule(SimTime::from_nanos(10), "a").unwrap();
//! let late = q.schedule_cancellable(SimTime::from_nanos(30), "never").unwrap();
//! assert!(q.cancel(late));
//! let mut seen = vec![];
//! while let Some((t, e)) = q.pop() {
//!     seen.push((t.as_nanos(), e));
//!     if e == "a" {
//!         q.schedule_in(SimDuration::from_nanos(10), "c").unwrap(); // same instant as "b", after it
//!     }
//! }
//! assert_eq!(seen, [(10, "a"), (20, "b"), (20, "c")]);
//! ```
//!
//! The structure is a calendar queue in front of a small binary heap, which works because
//! keys are monotone (nothing is ever scheduled before `now`): the `near` heap holds every
//! pending event up to a boundary; beyond it, a rung of buckets of one power-of-two width holds
//! unsorted events, and beyond the rung an unsorted `far` pile. When the heap runs dry the next
//! non-empty bucket becomes the heap (a vector swap and an O(n) heapify); when the rung runs
//! out, the far pile is spread over a new rung sized to it (about eight events per bucket). In
//! the steady state an event is pushed once onto a vector and popped from a heap of a few
//! entries, so a hold costs O(1) whatever the number pending; when events crowd one bucket
//! (all at one instant, or a few outliers stretching the rung) the heap takes them and the cost
//! is a binary heap's, O(log n). Entries are (time, seq, event): 24 bytes for a `u32` payload.
//! `docs/performance.md` records the measurements behind that choice.

use std::cmp::Ordering;
use std::collections::{BinaryHeap, HashSet};

use super::time::{SimDuration, SimTime};
/// The handle of a scheduled event: its insertion sequence number.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct EventId(u64);

impl EventId {
    /// The insertion sequence number (0 for the first event ever scheduled on the queue).
    pub const fn seq(self) -> u64 {
        self.0
    }
}

/// Why an event could not be scheduled.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ScheduleError {
    /// Events cannot be scheduled before the current time: causality would break.
    #[error("cannot schedule an event at {at}: it is before the current time {now}")]
    InThePast {
        /// The requested instant.
        at: SimTime,
        /// The queue's current time.
        now: SimTime,
    },
    /// `now + delay` does not fit in the clock.
    #[error("cannot schedule an event {delay} after {now}: past the end of the clock (about 584 years)")]
    Overflow {
        /// The queue's current time.
        now: SimTime,
        /// The requested delay.
        delay: SimDuration,
    },
}

struct Entry<E> {
    time: u64,
    seq: u64,
    event: E,
}

impl<E> Entry<E> {
    /// (time, seq) as one integer, so that ordering two entries is one comparison.
    #[inline(always)]
    fn key(&self) -> u128 {
        (u128::from(self.time) << 64) | u128::from(self.seq)
    }
}

impl<E> PartialEq for Entry<E> {
    fn eq(&self, other: &Self) -> bool {
        self.key() == other.key()
    }
}
impl<E> Eq for Entry<E> {}
impl<E> PartialOrd for Entry<E> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl<E> Ord for Entry<E> {
    // Reversed: `BinaryHeap` is a max-heap and we want the earliest (time, seq) first.
    #[inline(always)]
    fn cmp(&self, other: &Self) -> Ordering {
        other.key().cmp(&self.key())
    }
}

/// Target number of events per bucket when a rung is built from the far pile.
const EVENTS_PER_BUCKET: usize = 8;

/// A priority queue of events of type `E`, ordered by (time, insertion sequence).
///
/// The queue also holds the current time: popping an event advances it to the event's time,
/// and scheduling before it is refused.
pub struct EventQueue<E> {
    // Every stored entry is in exactly one of three places, by its time t:
    // - `near` (a heap) if t <= near_max;
    // - else `buckets[(t - start) >> shift]` if that index is below `rung_len` (and it is then
    //   at least `next`: the buckets before `next` have been moved to `near` and are empty);
    // - else `far`, unsorted, with its least and greatest times in `far_min`, `far_max`.
    near: BinaryHeap<Entry<E>>,
    near_max: u64,
    start: u64,
    shift: u32,
    buckets: Vec<Vec<Entry<E>>>,
    rung_len: usize,
    next: usize,
    far: Vec<Entry<E>>,
    far_min: u64,
    far_max: u64,
    // Entries stored, cancelled ones included until they are dropped at the front.
    stored: usize,
    next_seq: u64,
    now: SimTime,
    // Cancellation is by lazy deletion. Only events scheduled as cancellable are tracked, so
    // a model that never cancels (PHOLD, most of drsim's hot paths) pays one branch per pop.
    tracked: HashSet<u64>,
    cancelled: HashSet<u64>,
}

impl<E> Default for EventQueue<E> {
    fn default() -> Self {
        Self::new()
    }
}

impl<E> EventQueue<E> {
    /// An empty queue at time zero.
    pub fn new() -> Self {
        Self::with_capacity(0)
    }

    /// An empty queue at time zero with room for `capacity` pending events.
    pub fn with_capacity(capacity: usize) -> Self {
        EventQueue {
            near: BinaryHeap::new(),
            near_max: 0,
            start: 0,
            shift: 0,
            buckets: Vec::new(),
            rung_len: 0,
            next: 0,
            far: Vec::with_capacity(capacity),
            far_min: u64::MAX,
            far_max: 0,
            stored: 0,
            next_seq: 0,
            now: SimTime::ZERO,
            tracked: HashSet::new(),
            cancelled: HashSet::new(),
        }
    }

    /// The current time: the time of the last event popped (zero before the first).
    pub fn now(&self) -> SimTime {
        self.now
    }

    /// The number of pending (scheduled, not cancelled, not yet popped) events.
    pub fn len(&self) -> usize {
        self.stored - self.cancelled.len()
    }

    /// Whether no event is pending.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The number of events scheduled on this queue since it was made.
    pub fn scheduled_count(&self) -> u64 {
        self.next_seq
    }

    #[inline(always)]
    fn push(&mut self, at: SimTime, event: E) -> Result<EventId, ScheduleError> {
        if at < self.now {
            return Err(ScheduleError::InThePast { at, now: self.now });
        }
        let seq = self.next_seq;
        self.next_seq += 1;
        self.stored += 1;
        let time = at.as_nanos();
        let entry = Entry { time, seq, event };
        if time <= self.near_max {
            self.near.push(entry);
        } else {
            // time > near_max >= start - 1, so no underflow.
            let i = ((time - self.start) >> self.shift) as usize;
            if i < self.rung_len {
                self.buckets[i].push(entry);
            } else {
                self.far_min = self.far_min.min(time);
                self.far_max = self.far_max.max(time);
                self.far.push(entry);
            }
        }
        Ok(EventId(seq))
    }

    /// Refills the empty `near` heap with the next non-empty bucket, building a new rung from
    /// the far pile when this one is used up. Returns `false` if no entry is stored at all.
    #[cold]
    #[inline(never)]
    fn refill(&mut self) -> bool {
        debug_assert!(self.near.is_empty());
        loop {
            while self.next < self.rung_len && self.buckets[self.next].is_empty() {
                self.next += 1;
            }
            if self.next < self.rung_len {
                // Swap vectors: the bucket becomes the heap, the empty heap's storage the bucket.
                let spare = std::mem::take(&mut self.near).into_vec();
                let bucket = std::mem::replace(&mut self.buckets[self.next], spare);
                self.near = BinaryHeap::from(bucket);
                self.next += 1;
                // Last time of bucket next - 1; beyond the clock means the rest of it.
                let end = (u128::from(self.start) + ((self.next as u128) << self.shift)).min(1 << 64);
                self.near_max = (end - 1) as u64;
                return true;
            }
            if self.far.is_empty() {
                // Nothing stored. Forget the rung, so that a boundary stretched to the end of
                // the clock does not keep every later event in the heap.
                self.near_max = self.now.as_nanos();
                self.start = 0;
                self.shift = 0;
                self.rung_len = 0;
                self.next = 0;
                return false;
            }
            self.build_rung();
        }
    }

    /// Spreads the far pile over a new rung starting just after `near_max`.
    fn build_rung(&mut self) {
        debug_assert!(self.near.is_empty() && self.next >= self.rung_len);
        // Every far time is > near_max, so near_max < u64::MAX here.
        let start = self.near_max + 1;
        let range = self.far_max - start;
        let want = (self.far.len() / EVENTS_PER_BUCKET).max(1) as u64;
        let mut shift = 0;
        while shift < 63 && (range >> shift) >= want {
            shift += 1;
        }
        let len = ((range >> shift) + 1) as usize;
        if self.buckets.len() < len {
            self.buckets.resize_with(len, Vec::new);
        }
        self.start = start;
        self.shift = shift;
        self.rung_len = len;
        self.next = 0;
        let mut far = std::mem::take(&mut self.far);
        for entry in far.drain(..) {
            let i = ((entry.time - start) >> shift) as usize;
            self.buckets[i].push(entry);
        }
        self.far = far;
        self.far_min = u64::MAX;
        self.far_max = 0;
    }

    /// The earliest stored entry (cancelled or not), moving a bucket into the heap if needed.
    #[inline]
    fn front(&mut self) -> Option<&Entry<E>> {
        if self.near.is_empty() && !self.refill() {
            return None;
        }
        self.near.peek()
    }

    /// Removes the earliest stored entry (cancelled or not).
    #[inline(always)]
    fn take_front(&mut self) -> Option<Entry<E>> {
        loop {
            if let Some(entry) = self.near.pop() {
                self.stored -= 1;
                return Some(entry);
            }
            if !self.refill() {
                return None;
            }
        }
    }
    /// Schedules `event` at instant `at`; events at the same instant pop in scheduling order.
    #[inline]
    pub fn schedule(&mut self, at: SimTime, event: E) -> Result<EventId, ScheduleError> {
        self.push(at, event)
    }

    /// Schedules `event` after `delay` from now.
    #[inline]
    pub fn schedule_in(&mut self, delay: SimDuration, event: E) -> Result<EventId, ScheduleError> {
        let at = self.now.checked_add(delay).ok_or(ScheduleError::Overflow { now: self.now, delay })?;
        self.push(at, event)
    }

    /// Schedules `event` at `at` so that it can later be [cancelled](Self::cancel).
    pub fn schedule_cancellable(&mut self, at: SimTime, event: E) -> Result<EventId, ScheduleError> {
        let id = self.push(at, event)?;
        self.tracked.insert(id.0);
        Ok(id)
    }

    /// Cancels an event scheduled with [`schedule_cancellable`](Self::schedule_cancellable).
    ///
    /// Returns `true` if it was pending and will now never pop; `false` if it already popped,
    /// was already cancelled, or was not scheduled as cancellable.
    pub fn cancel(&mut self, id: EventId) -> bool {
        if self.tracked.remove(&id.0) {
            self.cancelled.insert(id.0);
            true
        } else {
            false
        }
    }

    /// The time of the next pending event, without removing it.
    pub fn peek_time(&mut self) -> Option<SimTime> {
        self.skip_cancelled();
        self.front().map(|e| SimTime::from_nanos(e.time))
    }

    fn skip_cancelled(&mut self) {
        if self.cancelled.is_empty() {
            return;
        }
        while let Some(seq) = self.front().map(|e| e.seq) {
            if self.cancelled.remove(&seq) {
                self.take_front();
            } else {
                break;
            }
        }
    }

    /// Removes the next event, advances the current time to it, and returns it.
    #[inline]
    pub fn pop(&mut self) -> Option<(SimTime, E)> {
        loop {
            let Entry { time, seq, event } = self.take_front()?;
            if !self.tracked.is_empty() || !self.cancelled.is_empty() {
                if self.cancelled.remove(&seq) {
                    continue;
                }
                self.tracked.remove(&seq);
            }
            self.now = SimTime::from_nanos(time);
            return Some((self.now, event));
        }
    }
    /// Pops the next event only if it is at or before `limit`; otherwise leaves it and returns
    /// `None` (the current time is then left unchanged).
    pub fn pop_until(&mut self, limit: SimTime) -> Option<(SimTime, E)> {
        match self.peek_time() {
            Some(t) if t <= limit => self.pop(),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn t(ns: u64) -> SimTime {
        SimTime::from_nanos(ns)
    }

    #[test]
    fn ties_pop_in_insertion_order() {
        let mut q = EventQueue::new();
        for i in 0..100 {
            q.schedule(t(5), i).unwrap();
        }
        q.schedule(t(1), -1).unwrap();
        assert_eq!(q.pop(), Some((t(1), -1)));
        for i in 0..100 {
            assert_eq!(q.pop(), Some((t(5), i)));
        }
        assert_eq!(q.pop(), None);
        assert_eq!(q.now(), t(5));
    }

    #[test]
    fn refuses_the_past_and_overflow() {
        let mut q = EventQueue::new();
        q.schedule(t(10), ()).unwrap();
        q.pop();
        assert_eq!(q.schedule(t(9), ()), Err(ScheduleError::InThePast { at: t(9), now: t(10) }));
        assert!(q.schedule(t(10), ()).is_ok(), "the current instant is allowed");
        assert!(matches!(q.schedule_in(SimDuration::MAX, ()), Err(ScheduleError::Overflow { .. })));
        let msg = q.schedule(t(1), ()).unwrap_err().to_string();
        assert!(msg.contains("before the current time"), "{msg}");
    }

    #[test]
    fn cancellation() {
        let mut q = EventQueue::new();
        let a = q.schedule_cancellable(t(1), 'a').unwrap();
        let b = q.schedule_cancellable(t(2), 'b').unwrap();
        let c = q.schedule(t(3), 'c').unwrap();
        assert_eq!(q.len(), 3);
        assert!(q.cancel(b));
        assert!(!q.cancel(b), "twice");
        assert!(!q.cancel(c), "not cancellable");
        assert_eq!(q.len(), 2);
        assert_eq!(q.pop(), Some((t(1), 'a')));
        assert!(!q.cancel(a), "already popped");
        assert_eq!(q.peek_time(), Some(t(3)));
        assert_eq!(q.pop(), Some((t(3), 'c')));
        assert!(q.is_empty());
        assert_eq!(q.pop(), None);
    }

    #[test]
    fn pop_until_leaves_later_events() {
        let mut q = EventQueue::new();
        q.schedule(t(5), 1).unwrap();
        q.schedule(t(15), 2).unwrap();
        assert_eq!(q.pop_until(t(10)), Some((t(5), 1)));
        assert_eq!(q.pop_until(t(10)), None);
        assert_eq!(q.now(), t(5));
        assert_eq!(q.len(), 1);
    }

    proptest! {
        /// For any interleaving of schedules (at or after now), cancellations and pops, events
        /// pop in (time, seq) order and exactly the non-cancelled ones pop.
        #[test]
        fn pops_in_time_then_seq_order(ops in proptest::collection::vec((0u8..4, 0u64..50, any::<bool>()), 1..400)) {
            let mut q = EventQueue::new();
            let mut model: Vec<(u64, u64, bool)> = vec![]; // (time, seq, cancelled)
            let mut ids = vec![];
            let mut popped = vec![];
            for (op, dt, flag) in ops {
                match op {
                    0 | 1 => {
                        let at = q.now().as_nanos() + dt;
                        let seq = q.scheduled_count();
                        let id = if flag { q.schedule_cancellable(t(at), seq).unwrap() } else { q.schedule(t(at), seq).unwrap() };
                        prop_assert_eq!(id.seq(), seq);
                        model.push((at, id.seq(), false));
                        if flag { ids.push(id); }
                    }
                    2 => {
                        if let Some(id) = ids.pop() {
                            let pending = model.iter().any(|m| m.1 == id.seq() && !m.2) && !popped.iter().any(|&(_, s)| s == id.seq());
                            prop_assert_eq!(q.cancel(id), pending);
                            if let Some(m) = model.iter_mut().find(|m| m.1 == id.seq()) { m.2 = true; }
                        }
                    }
                    _ => {
                        let expect = model.iter().filter(|m| !m.2 && !popped.iter().any(|&(_, s)| s == m.1)).map(|m| (m.0, m.1)).min();
                        let got = q.pop().map(|(tm, seq)| (tm.as_nanos(), seq));
                        prop_assert_eq!(got, expect);
                        if let Some(e) = expect { popped.push(e); }
                    }
                }
                let pending = model.iter().filter(|m| !m.2 && !popped.iter().any(|&(_, s)| s == m.1)).count();
                prop_assert_eq!(q.len(), pending);
            }
            // Drain: the rest comes out sorted by (time, seq).
            let mut rest: Vec<(u64, u64)> = model.iter().filter(|m| !m.2 && !popped.iter().any(|&(_, s)| s == m.1)).map(|m| (m.0, m.1)).collect();
            rest.sort();
            let mut prev = (0u64, 0u64);
            for want in rest {
                let (tm, seq) = q.pop().unwrap();
                prop_assert_eq!((tm.as_nanos(), seq), want);
                prop_assert!(want >= prev);
                prev = want;
            }
            prop_assert!(q.pop().is_none());
        }

        /// The queue against a reference model, a `BTreeMap` keyed by (time, seq), over random
        /// schedules (many at the current instant, some near, some far, some at the end of the
        /// clock), cancellations (of pending, popped and already cancelled events), pops,
        /// `pop_until` and `peek_time`: every answer the same.
        #[test]
        fn matches_a_btreemap_model(ops in proptest::collection::vec((0u8..8, 0u64..1_000_000, 0u32..64), 1..600)) {
            use std::collections::BTreeMap;
            let mut q = EventQueue::new();
            let mut model: BTreeMap<(u64, u64), u32> = BTreeMap::new();
            let mut cancellable: Vec<EventId> = vec![];
            let mut tag = 0u32;
            for (op, x, small) in ops {
                let now = q.now().as_nanos();
                match op {
                    0..=3 => {
                        // Ties are frequent: a quarter at now, and the delays are mostly small.
                        let at = match small % 8 {
                            0 | 1 => now,
                            2 => now.saturating_add(u64::from(small)),
                            3 => (u64::MAX - u64::from(small)).max(now),
                            4 => now.saturating_add(x << 20),
                            _ => now.saturating_add(x),
                        };
                        tag += 1;
                        let id = if small % 3 == 0 {
                            let id = q.schedule_cancellable(t(at), tag).unwrap();
                            cancellable.push(id);
                            id
                        } else {
                            q.schedule(t(at), tag).unwrap()
                        };
                        model.insert((at, id.seq()), tag);
                    }
                    4 => {
                        if !cancellable.is_empty() {
                            let id = cancellable[(x as usize) % cancellable.len()];
                            let pending = model.keys().any(|&(_, s)| s == id.seq());
                            prop_assert_eq!(q.cancel(id), pending);
                            model.retain(|&(_, s), _| s != id.seq());
                        }
                    }
                    5 => {
                        let want = model.keys().next().map(|&(tm, _)| tm);
                        prop_assert_eq!(q.peek_time().map(|tm| tm.as_nanos()), want);
                    }
                    6 => {
                        let limit = now.saturating_add(x);
                        let want = match model.first_key_value() {
                            Some((&(tm, s), &e)) if tm <= limit => Some((tm, s, e)),
                            _ => None,
                        };
                        let got = q.pop_until(t(limit));
                        prop_assert_eq!(got.map(|(tm, e)| (tm.as_nanos(), e)), want.map(|(tm, _, e)| (tm, e)));
                        if let Some((tm, s, _)) = want { model.remove(&(tm, s)); }
                    }
                    _ => {
                        let want = model.pop_first();
                        prop_assert_eq!(q.pop().map(|(tm, e)| (tm.as_nanos(), e)), want.map(|((tm, _), e)| (tm, e)));
                    }
                }
                prop_assert_eq!(q.len(), model.len());
                prop_assert_eq!(q.is_empty(), model.is_empty());
            }
            while let Some(((tm, _), e)) = model.pop_first() {
                prop_assert_eq!(q.pop(), Some((t(tm), e)));
            }
            prop_assert_eq!(q.pop(), None);
            prop_assert_eq!(q.peek_time(), None);
        }
    }
}
