//! The event queue: pending events ordered by (time, insertion sequence), with cancellation.
//!
//! Ties at the same instant run in the order they were scheduled, which is what makes runs
//! deterministic without any tie-breaking by payload. The queue is generic over the event type
//! and knows nothing of disasters; it is the whole engine, the caller owns the loop:
//!
//! ```
//! use drsim_core::engine::{EventQueue, SimDuration, SimTime};
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
//! The structure is a binary heap keyed by a single `u128` (time in the high half, sequence in
//! the low half), so one integer comparison orders two events. `docs/performance.md` records the
//! measurements behind that choice.

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
    key: u128,
    event: E,
}

impl<E> PartialEq for Entry<E> {
    fn eq(&self, other: &Self) -> bool {
        self.key == other.key
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
    fn cmp(&self, other: &Self) -> Ordering {
        other.key.cmp(&self.key)
    }
}

/// A priority queue of events of type `E`, ordered by (time, insertion sequence).
///
/// The queue also holds the current time: popping an event advances it to the event's time,
/// and scheduling before it is refused.
pub struct EventQueue<E> {
    heap: BinaryHeap<Entry<E>>,
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
            heap: BinaryHeap::with_capacity(capacity),
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
        self.heap.len() - self.cancelled.len()
    }

    /// Whether no event is pending.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The number of events scheduled on this queue since it was made.
    pub fn scheduled_count(&self) -> u64 {
        self.next_seq
    }

    #[inline]
    fn push(&mut self, at: SimTime, event: E) -> Result<EventId, ScheduleError> {
        if at < self.now {
            return Err(ScheduleError::InThePast { at, now: self.now });
        }
        let seq = self.next_seq;
        self.next_seq += 1;
        self.heap.push(Entry { key: (u128::from(at.as_nanos()) << 64) | u128::from(seq), event });
        Ok(EventId(seq))
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
        self.heap.peek().map(|e| SimTime::from_nanos((e.key >> 64) as u64))
    }

    fn skip_cancelled(&mut self) {
        while let Some(top) = self.heap.peek() {
            let seq = top.key as u64;
            if self.cancelled.remove(&seq) {
                self.heap.pop();
            } else {
                break;
            }
        }
    }

    /// Removes the next event, advances the current time to it, and returns it.
    #[inline]
    pub fn pop(&mut self) -> Option<(SimTime, E)> {
        loop {
            let Entry { key, event } = self.heap.pop()?;
            if !self.tracked.is_empty() || !self.cancelled.is_empty() {
                let seq = key as u64;
                if self.cancelled.remove(&seq) {
                    continue;
                }
                self.tracked.remove(&seq);
            }
            self.now = SimTime::from_nanos((key >> 64) as u64);
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
    }
}
