//! What the failure processes did to the sites and links a trial depends on.
//!
//! A disaster trial (and each incident of a horizon run) follows one primary, one standby and
//! the links between them. The failure processes run over the whole trial, from their
//! stationary state ([`FailureStart::Stationary`]); [`FaultHistory`] keeps, for each of those
//! four things, the intervals during which it was down, so that replication, detection,
//! recovery and failback can each ask "is it up at t?" and "when is it next up?".
//!
//! ```text
//!   trial start                      t_d                               end
//!   │  link P→S   ██████      ███    │                                  │
//!   │  standby S          ████       │    █████                         │
//!   │  primary P (its own faults: only after the disaster's repair)     │
//! ```
//!
//! The rule for the primary (docs/model.md, "Fault processes"): a disaster trial is conditioned
//! on the primary being up until the disaster, so a fault process's effect on the primary is
//! ignored before `t_d` (its effect on everything else in the same zone or region is not).

use crate::engine::{SimDuration, SimTime, TrialStreams};
use crate::model::{FailureProcess, FailureStart, LinkId, Outages, SiteId, Target, Topology, process_events};

/// Closed-open intervals `[from, to)` of downtime, disjoint and in time order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Downtime {
    intervals: Vec<(SimTime, SimTime)>,
    since: Option<SimTime>,
}

impl Downtime {
    /// No downtime.
    pub fn none() -> Self {
        Downtime::default()
    }

    /// From intervals in time order (empty ones are dropped, touching or overlapping ones
    /// merged).
    pub fn from_intervals(intervals: impl IntoIterator<Item = (SimTime, SimTime)>) -> Self {
        let mut d = Downtime::default();
        for (a, b) in intervals {
            d.set(a, false);
            d.set(b, true);
        }
        d
    }

    /// Records the state from `t` on.
    fn set(&mut self, t: SimTime, up: bool) {
        match (self.since, up) {
            (None, false) => self.since = Some(t),
            (Some(s), true) => {
                self.since = None;
                if t > s {
                    // Adjacent outages are one outage: `up_from` then never lands on a down
                    // instant.
                    match self.intervals.last_mut() {
                        Some(last) if last.1 >= s => last.1 = last.1.max(t),
                        _ => self.intervals.push((s, t)),
                    }
                }
            }
            _ => {}
        }
    }

    /// Closes an open interval at `end`.
    fn finish(&mut self, end: SimTime) {
        if let Some(s) = self.since.take()
            && end > s
        {
            self.intervals.push((s, end));
        }
    }

    /// The intervals.
    pub fn intervals(&self) -> &[(SimTime, SimTime)] {
        &self.intervals
    }

    /// Whether it is down at `t`.
    pub fn is_down(&self, t: SimTime) -> bool {
        self.covering(t).is_some()
    }

    fn covering(&self, t: SimTime) -> Option<(SimTime, SimTime)> {
        let i = self.intervals.partition_point(|&(_, b)| b <= t);
        self.intervals.get(i).copied().filter(|&(a, _)| a <= t)
    }

    /// The first instant at or after `t` at which it is up.
    pub fn up_from(&self, t: SimTime) -> SimTime {
        self.covering(t).map_or(t, |(_, b)| b)
    }

    /// The start of the first outage beginning strictly after `t`.
    pub fn next_failure_after(&self, t: SimTime) -> Option<SimTime> {
        let i = self.intervals.partition_point(|&(a, _)| a <= t);
        self.intervals.get(i).map(|&(a, _)| a)
    }

    /// Total downtime within `[from, to)`.
    pub fn within(&self, from: SimTime, to: SimTime) -> SimDuration {
        let first = self.intervals.partition_point(|&(_, b)| b <= from);
        self.intervals[first..]
            .iter()
            .take_while(|&&(a, _)| a < to)
            .map(|&(a, b)| b.min(to) - a.max(from))
            .fold(SimDuration::ZERO, |x, y| x + y)
    }
}

/// The downtime of the four things a trial depends on.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FaultHistory {
    /// The standby site.
    pub standby: Downtime,
    /// The replication link primary → standby: its own failures and the standby's (the primary
    /// counts as up; see the module documentation).
    pub link: Downtime,
    /// The link standby → primary used by failback: its own failures and the standby's.
    pub reverse: Downtime,
    /// The primary's own faults (besides the disaster).
    pub primary: Downtime,
}

/// Which sites and links of a topology a [`FaultHistory`] follows.
#[derive(Clone, Copy, Debug)]
pub struct Watched {
    /// The primary.
    pub primary: SiteId,
    /// The standby.
    pub standby: SiteId,
    /// Primary → standby.
    pub link: LinkId,
    /// Standby → primary (the forward link if there is none).
    pub reverse: LinkId,
}

impl FaultHistory {
    /// No faults.
    pub fn none() -> Self {
        FaultHistory::default()
    }

    /// Runs `processes` (already resolved to `targets`) over `[from, until)` from their
    /// stationary state, on the streams `FAILURES.sub(i)` of `streams`.
    pub fn simulate(
        topology: &Topology,
        processes: &[FailureProcess],
        targets: &[Target],
        watched: Watched,
        from: SimTime,
        until: SimTime,
        streams: TrialStreams,
    ) -> FaultHistory {
        let mut h = FaultHistory::default();
        if processes.is_empty() {
            return h;
        }
        let mut outages = Outages::new(topology);
        let mut changes = Vec::new();
        let mut pending: Option<SimTime> = None;
        let observe = |h: &mut FaultHistory, o: &Outages, t: SimTime| {
            let s_up = o.site_up(watched.standby);
            h.standby.set(t, s_up);
            h.link.set(t, s_up && !o.link_failed_itself(watched.link));
            h.reverse.set(t, s_up && !o.link_failed_itself(watched.reverse));
            h.primary.set(t, o.site_up(watched.primary));
        };
        process_events(processes, from, until, FailureStart::Stationary, streams, |e| {
            // Changes at one instant are applied together before the state is read, so that a
            // zone failing and a site repairing at the same nanosecond leave no empty interval.
            if pending.is_some_and(|p| p != e.at) {
                observe(&mut h, &outages, pending.unwrap_or(e.at));
            }
            pending = Some(e.at);
            changes.clear();
            outages.apply(targets[e.process], e.down, &mut changes);
        });
        if let Some(p) = pending {
            observe(&mut h, &outages, p);
        }
        for d in [&mut h.standby, &mut h.link, &mut h.reverse, &mut h.primary] {
            d.finish(until);
        }
        h
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: u64) -> SimTime {
        SimTime::ZERO + SimDuration::from_secs(s)
    }

    /// Closed-open intervals by hand: down [10, 20) and [20, 30) (touching: one outage),
    /// [50, 60).
    #[test]
    fn intervals_by_hand() {
        let d = Downtime::from_intervals([(t(10), t(20)), (t(20), t(30)), (t(50), t(60))]);
        assert_eq!(d.intervals(), &[(t(10), t(30)), (t(50), t(60))]);
        assert!(!d.is_down(t(9)) && d.is_down(t(10)) && d.is_down(t(29)) && !d.is_down(t(30)));
        assert_eq!(d.up_from(t(15)), t(30));
        assert_eq!(d.up_from(t(30)), t(30));
        assert_eq!(d.next_failure_after(t(10)), Some(t(50)));
        assert_eq!(d.next_failure_after(t(9)), Some(t(10)));
        assert_eq!(d.next_failure_after(t(50)), None);
        assert_eq!(d.within(t(0), t(100)), SimDuration::from_secs(30));
        assert_eq!(d.within(t(25), t(55)), SimDuration::from_secs(10));
        assert_eq!(d.within(t(30), t(50)), SimDuration::ZERO);
    }
}
