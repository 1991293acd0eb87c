//! Reliability block models: a series system of repairable components, with the choice of
//! whether the components that still work keep ageing while the system is down.
//!
//! [`simulate_failures`](crate::model::simulate_failures) runs independent failure processes:
//! a site keeps ageing (and can fail) whatever the others do. Many real systems are not like
//! that: when one component of a series system fails, the others stop working too — a storage
//! array whose controller failed does not wear its disks — and their time-to-failure clocks
//! pause until the system is back. Reliability texts call this *suspended animation* (Barlow &
//! Proschan) or "components do not age while the system is down" (ReliaSoft BlockSim, the
//! default there). [`simulate_series`] runs both:
//!
//! ```text
//!   age_while_down = false            A ──┐ fails   ┌── repaired
//!   (suspended animation)             up  │ down    │ up
//!                                     B ──┤ paused  ├── ageing again, from where it stopped
//!   system: up while every component is up; down from the first failure to the last repair
//! ```
//!
//! Each component is as good as new after its repair (a fresh time to failure is drawn), and
//! repairs run in parallel (one crew per component). With `age_while_down = true` the
//! components are independent alternating renewal processes, and component `i` draws from the
//! same stream (`FAILURES.sub(i)`) in the same order as process `i` of `simulate_failures`, so
//! both give the same component histories for the same seed.

use serde::{Deserialize, Serialize};

use crate::engine::{DurationDistribution, SimDuration, SimTime, TrialStreams};
use crate::trial::streams::FAILURES;

/// One repairable component of a series system.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Component {
    /// The component's name, for reports.
    pub name: String,
    /// Operating time from a repair (or the start) to the next failure: counted in system up
    /// time only when components do not age while the system is down.
    pub time_to_failure: DurationDistribution,
    /// Time from a failure to its repair.
    pub time_to_repair: DurationDistribution,
}

/// Why a series system was refused.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum ReliabilityError {
    /// A time to failure whose mean is zero would fail forever in no time.
    #[error("component {index} ({name:?}): time_to_failure has mean {mean_s} s; it must be finite and > 0")]
    ZeroTimeToFailure {
        /// Position of the component in its list.
        index: usize,
        /// Its name.
        name: String,
        /// The mean found (infinite when the distribution has no finite mean).
        mean_s: f64,
    },
}

/// What a horizon run of a series system measured.
#[derive(Clone, Debug, PartialEq)]
pub struct SeriesHistory {
    /// The length of the run.
    pub horizon: SimDuration,
    /// The system's outages within the horizon, `[start, end)`, in time order; an outage still
    /// running at the horizon ends there.
    pub down: Vec<(SimTime, SimTime)>,
    /// Per component: failures that began within the horizon.
    pub component_failures: Vec<u64>,
}

impl SeriesHistory {
    /// Number of system outages that began within the horizon.
    pub fn outages(&self) -> u64 {
        self.down.len() as u64
    }

    /// Total time the system was down within the horizon.
    pub fn downtime(&self) -> SimDuration {
        self.down.iter().fold(SimDuration::ZERO, |total, &(start, end)| total + (end - start))
    }

    /// The fraction of the horizon the system was up (1 for an empty horizon).
    pub fn availability(&self) -> f64 {
        if self.horizon.is_zero() {
            return 1.0;
        }
        1.0 - self.downtime().as_secs_f64() / self.horizon.as_secs_f64()
    }
}

#[derive(Clone, Copy, Debug)]
enum State {
    /// Working; fails at this instant unless paused first.
    Up { fails_at: SimTime },
    /// Working but stopped while the system is down, with this much life left.
    Paused { remaining: SimDuration },
    /// Failed; repaired at this instant.
    Down { repaired_at: SimTime },
}

/// Runs a series system of `components` over `[0, horizon)`, everything up and new at time
/// zero: the system is up while every component is up.
///
/// With `age_while_down = false`, the components that still work stop ageing while the system
/// is down (their remaining life is frozen, and they cannot fail), and a component repaired
/// while another is still down waits, also frozen, until the system is back. With
/// `age_while_down = true` every component runs its own failure/repair cycle regardless of the
/// others, so failures can overlap within one outage. Several events at one instant are taken
/// together (a repair and a failure at the same instant make one continuous outage).
///
/// Component `i` draws its times from the trial's stream `FAILURES.sub(i)`: a time to failure
/// at the start and after each repair, a time to repair at each failure.
///
/// The ReliaSoft textbook example (A fails every 100 h, B every 120 h, both repaired in 10 h,
/// no ageing while down): outages at 100, 130, 220 and 270 h, 40 h down over 300 h.
///
/// ```
/// use drsim_core::engine::{DurationDistribution, SimDuration, TrialStreams};
/// use drsim_core::model::{Component, simulate_series};
///
/// let fixed = |h| DurationDistribution::fixed(SimDuration::from_hours(h));
/// let parts = [
///     Component { name: "A".into(), time_to_failure: fixed(100), time_to_repair: fixed(10) },
///     Component { name: "B".into(), time_to_failure: fixed(120), time_to_repair: fixed(10) },
/// ];
/// let h = simulate_series(&parts, SimDuration::from_hours(300), false, TrialStreams::new(1, 0))?;
/// assert_eq!((h.outages(), h.downtime()), (4, SimDuration::from_hours(40)));
/// assert!((h.availability() - 260.0 / 300.0).abs() < 1e-12);
/// # Ok::<(), drsim_core::model::ReliabilityError>(())
/// ```
pub fn simulate_series(
    components: &[Component],
    horizon: SimDuration,
    age_while_down: bool,
    streams: TrialStreams,
) -> Result<SeriesHistory, ReliabilityError> {
    for (index, c) in components.iter().enumerate() {
        let mean = c.time_to_failure.mean_secs().unwrap_or(f64::INFINITY);
        if !(mean.is_finite() && mean > 0.0) {
            return Err(ReliabilityError::ZeroTimeToFailure { index, name: c.name.clone(), mean_s: mean });
        }
    }
    let mut rngs: Vec<_> = (0..components.len()).map(|i| streams.rng(FAILURES.sub(i as u64))).collect();
    let end = SimTime::ZERO + horizon;
    let mut states: Vec<State> = components
        .iter()
        .zip(&mut rngs)
        .map(|(c, rng)| State::Up { fails_at: SimTime::ZERO + c.time_to_failure.sample(rng) })
        .collect();
    let mut history = SeriesHistory { horizon, down: Vec::new(), component_failures: vec![0; components.len()] };
    let mut down_since: Option<SimTime> = None;
    loop {
        let next = states
            .iter()
            .filter_map(|s| match *s {
                State::Up { fails_at } => Some(fails_at),
                State::Down { repaired_at } => Some(repaired_at),
                State::Paused { .. } => None,
            })
            .min();
        let Some(t) = next.filter(|&t| t < end) else { break };
        for (i, s) in states.iter_mut().enumerate() {
            match *s {
                State::Down { repaired_at } if repaired_at == t => {
                    let life = components[i].time_to_failure.sample(&mut rngs[i]);
                    // Frozen until the system is back when nothing ages while it is down.
                    *s = if age_while_down {
                        State::Up { fails_at: t + life }
                    } else {
                        State::Paused { remaining: life }
                    };
                }
                State::Up { fails_at } if fails_at == t => {
                    history.component_failures[i] += 1;
                    *s = State::Down { repaired_at: t + components[i].time_to_repair.sample(&mut rngs[i]) };
                }
                _ => {}
            }
        }
        let any_down = states.iter().any(|s| matches!(s, State::Down { .. }));
        match (down_since, any_down) {
            (None, true) => {
                down_since = Some(t);
                if !age_while_down {
                    for s in &mut states {
                        if let State::Up { fails_at } = *s {
                            *s = State::Paused { remaining: fails_at - t };
                        }
                    }
                }
            }
            (Some(since), false) => {
                history.down.push((since, t));
                down_since = None;
                for s in &mut states {
                    if let State::Paused { remaining } = *s {
                        *s = State::Up { fails_at: t + remaining };
                    }
                }
            }
            _ => {}
        }
    }
    if let Some(since) = down_since {
        history.down.push((since, end));
    }
    Ok(history)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::Distribution;
    use crate::model::{
        FailureProcess, FailureStart, FailureTarget, SiteSpec, Topology, TopologySpec, ZoneSpec, failure_timeline_with,
    };

    fn h(hours: u64) -> SimTime {
        SimTime::ZERO + SimDuration::from_hours(hours)
    }

    fn fixed(hours: u64) -> DurationDistribution {
        DurationDistribution::fixed(SimDuration::from_hours(hours))
    }

    fn part(name: &str, ttf: DurationDistribution, ttr: DurationDistribution) -> Component {
        Component { name: name.into(), time_to_failure: ttf, time_to_repair: ttr }
    }

    /// ReliaSoft's deterministic series example, by hand (A every 100 h, B every 120 h, 10 h
    /// repairs, no ageing while down): A fails at 100 (B paused at age 100); B needs 20 h more
    /// from 110, fails at 130 (A paused at age 20); A needs 80 h more from 140, fails at 220
    /// (B at age 80); B needs 40 h more from 230, fails at 270 (A at age 40); A would need 60 h
    /// more from 280: 340, beyond the horizon.
    #[test]
    fn textbook_series_without_ageing_while_down() {
        let parts = [part("A", fixed(100), fixed(10)), part("B", fixed(120), fixed(10))];
        let s = simulate_series(&parts, SimDuration::from_hours(300), false, TrialStreams::new(1, 0)).unwrap();
        assert_eq!(s.down, vec![(h(100), h(110)), (h(130), h(140)), (h(220), h(230)), (h(270), h(280))]);
        assert_eq!(s.component_failures, vec![2, 2]);
    }

    /// The same parts ageing while the system is down, by hand: A fails at 100, 210; B at 120,
    /// 250 (each 10 h after its repair plus its life); over 300 h also 4 outages and 40 h, but at
    /// other instants. With B failing every 105 h its first failure (105) falls inside A's
    /// outage [100, 110): one outage [100, 115), the failures overlap.
    #[test]
    fn ageing_while_down_lets_failures_overlap() {
        let parts = [part("A", fixed(100), fixed(10)), part("B", fixed(120), fixed(10))];
        let s = simulate_series(&parts, SimDuration::from_hours(300), true, TrialStreams::new(1, 0)).unwrap();
        assert_eq!(s.down, vec![(h(100), h(110)), (h(120), h(130)), (h(210), h(220)), (h(250), h(260))]);
        let parts = [part("A", fixed(100), fixed(10)), part("B", fixed(105), fixed(10))];
        let s = simulate_series(&parts, SimDuration::from_hours(150), true, TrialStreams::new(1, 0)).unwrap();
        assert_eq!(s.down, vec![(h(100), h(115))]);
        assert_eq!(s.component_failures, vec![1, 1]);
        // Without ageing, B is paused at age 100 during A's outage and fails at 115 instead.
        let s = simulate_series(&parts, SimDuration::from_hours(150), false, TrialStreams::new(1, 0)).unwrap();
        assert_eq!(s.down, vec![(h(100), h(110)), (h(115), h(125))]);
    }

    /// A repair and a failure at the same instant make one continuous outage; an outage running
    /// at the horizon ends there; an empty system is always up.
    #[test]
    fn simultaneous_events_and_the_horizon() {
        let parts = [part("A", fixed(100), fixed(10)), part("B", fixed(110), fixed(10))];
        let s = simulate_series(&parts, SimDuration::from_hours(115), true, TrialStreams::new(1, 0)).unwrap();
        assert_eq!(s.down, vec![(h(100), h(115))]);
        assert_eq!(s.outages(), 1);
        assert_eq!(s.downtime(), SimDuration::from_hours(15));
        let empty = simulate_series(&[], SimDuration::from_hours(10), false, TrialStreams::new(1, 0)).unwrap();
        assert_eq!((empty.outages(), empty.availability()), (0, 1.0));
        let zero = part("Z", DurationDistribution::fixed(SimDuration::ZERO), fixed(1));
        let e = simulate_series(&[zero], SimDuration::from_hours(10), false, TrialStreams::new(1, 0)).unwrap_err();
        assert!(e.to_string().contains("\"Z\""), "{e}");
    }

    /// Ageing while down, the components are the independent processes of `simulate_failures`
    /// on the same streams: the series outages are exactly the times at least one of the sites
    /// is down in the failure timeline.
    #[test]
    fn ageing_while_down_matches_independent_failure_processes() {
        let exp = |mean_h: f64| DurationDistribution::new(Distribution::exponential(mean_h * 3600.0).unwrap()).unwrap();
        let site = |n: &str| SiteSpec { name: n.into(), zone: "z".into(), instances_running: 1, instances_needed: 1 };
        let topology = Topology::new(TopologySpec {
            regions: vec!["r".into()],
            zones: vec![ZoneSpec { name: "z".into(), region: "r".into() }],
            sites: vec![site("A"), site("B"), site("C")],
            links: vec![],
        })
        .unwrap();
        let specs = [("A", 300.0, 40.0), ("B", 100.0, 20.0), ("C", 500.0, 5.0)];
        let parts: Vec<Component> = specs.iter().map(|&(n, u, d)| part(n, exp(u), exp(d))).collect();
        let processes: Vec<FailureProcess> = specs
            .iter()
            .map(|&(n, u, d)| FailureProcess {
                target: FailureTarget::Site(n.into()),
                time_between_failures: exp(u),
                time_to_repair: exp(d),
            })
            .collect();
        let sites: Vec<_> = topology.sites().collect();
        let horizon = SimDuration::from_hours(20_000);
        for trial in 0..5 {
            let streams = TrialStreams::new(9, trial);
            let s = simulate_series(&parts, horizon, true, streams).unwrap();
            let tl = failure_timeline_with(&topology, &processes, horizon, streams, FailureStart::AllUp).unwrap();
            assert_eq!(s.downtime(), tl.time_at_least_down(&sites, 1));
            assert!(s.outages() > 50);
        }
    }
}
