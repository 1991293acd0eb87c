//! Failure processes run over time: the history of a trial's failures ([`simulate_failures`]),
//! the raw events ([`process_events`]) and the timeline of every site's state
//! ([`failure_timeline`]).

use super::{FailureError, FailureProcess, FailureStart, Outages, StateChange};
use crate::engine::{EventQueue, SimDuration, SimRng, SimTime, TrialStreams};
use crate::model::topology::{SiteId, Topology};
use crate::trial::streams::FAILURES;

/// What a horizon run of the failure processes measured.
#[derive(Clone, Debug, PartialEq)]
pub struct FailureHistory {
    /// The length of the run.
    pub horizon: SimDuration,
    /// Per site: total time down within the horizon.
    pub site_downtime: Vec<SimDuration>,
    /// Per site: number of times it went down.
    pub site_outages: Vec<u64>,
    /// Per link: total time down within the horizon.
    pub link_downtime: Vec<SimDuration>,
    /// Per link: number of times it went down.
    pub link_outages: Vec<u64>,
    /// Per process: failures that began within the horizon.
    pub process_failures: Vec<u64>,
}

impl FailureHistory {
    /// The fraction of the horizon a site was up.
    pub fn site_availability(&self, s: SiteId) -> f64 {
        if self.horizon.is_zero() {
            return 1.0;
        }
        1.0 - self.site_downtime[s.0 as usize].as_secs_f64() / self.horizon.as_secs_f64()
    }
}

#[derive(Clone, Copy, Debug)]
enum Phase {
    Fail,
    Repair,
}

/// Runs every failure process over `[0, horizon)`, each from its stationary state, and records
/// downtime and outages ([`simulate_failures_with`] with [`FailureStart::Stationary`]).
///
/// Process `i` draws from the trial's stream `FAILURES.sub(i)`, so adding a process does not
/// change the failures of the others.
pub fn simulate_failures(
    topology: &Topology,
    processes: &[FailureProcess],
    horizon: SimDuration,
    streams: TrialStreams,
) -> Result<FailureHistory, FailureError> {
    simulate_failures_with(topology, processes, horizon, streams, FailureStart::Stationary)
}

/// [`simulate_failures`] with the processes' start state chosen. Outages under way at time
/// zero count from zero (and in `site_outages`), failures in `process_failures` only if they
/// began within the horizon.
pub fn simulate_failures_with(
    topology: &Topology,
    processes: &[FailureProcess],
    horizon: SimDuration,
    streams: TrialStreams,
    start: FailureStart,
) -> Result<FailureHistory, FailureError> {
    let end = SimTime::ZERO + horizon;
    let mut site_down_since = vec![None; topology.site_count()];
    let mut link_down_since = vec![None; topology.link_count()];
    let mut h = FailureHistory {
        horizon,
        site_downtime: vec![SimDuration::ZERO; topology.site_count()],
        site_outages: vec![0; topology.site_count()],
        link_downtime: vec![SimDuration::ZERO; topology.link_count()],
        link_outages: vec![0; topology.link_count()],
        process_failures: vec![0; processes.len()],
    };
    let mut process_failures = vec![0; processes.len()];
    run_processes(topology, processes, end, start, streams, &mut process_failures, |t, c| match c {
        StateChange::SiteDown(s) => {
            site_down_since[s.0 as usize] = Some(t);
            h.site_outages[s.0 as usize] += 1;
        }
        StateChange::SiteUp(s) => {
            if let Some(since) = site_down_since[s.0 as usize].take() {
                h.site_downtime[s.0 as usize] += t - since;
            }
        }
        StateChange::LinkDown(l) => {
            link_down_since[l.0 as usize] = Some(t);
            h.link_outages[l.0 as usize] += 1;
        }
        StateChange::LinkUp(l) => {
            if let Some(since) = link_down_since[l.0 as usize].take() {
                h.link_downtime[l.0 as usize] += t - since;
            }
        }
    })?;
    h.process_failures = process_failures;
    for (s, since) in site_down_since.iter().enumerate() {
        if let Some(since) = since {
            h.site_downtime[s] += end - *since;
        }
    }
    for (l, since) in link_down_since.iter().enumerate() {
        if let Some(since) = since {
            h.link_downtime[l] += end - *since;
        }
    }
    Ok(h)
}

/// One transition of one failure process.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ProcessEvent {
    /// When.
    pub at: SimTime,
    /// The process (its index in the list).
    pub process: usize,
    /// `true`: its target fails; `false`: it is repaired.
    pub down: bool,
}

/// The transitions of independent alternating renewal processes over `[from, until)`, in time
/// order (ties in the order they were scheduled; targets down at `from` first, in process
/// order), each process drawing from `FAILURES.sub(i)` of `streams`.
/// A process down at `from` (by its start state) gives an event `down` at `from`.
///
/// Costs O(e log n) for e events of n processes (one pending event per process, on the
/// event queue).
pub fn process_events(
    processes: &[FailureProcess],
    from: SimTime,
    until: SimTime,
    start: FailureStart,
    streams: TrialStreams,
    mut on_event: impl FnMut(ProcessEvent),
) {
    let mut rngs: Vec<SimRng> = (0..processes.len()).map(|i| streams.rng(FAILURES.sub(i as u64))).collect();
    let mut queue: EventQueue<(usize, Phase)> = EventQueue::new();
    for (i, p) in processes.iter().enumerate() {
        let (down, left) = p.initial_state(start, &mut rngs[i]);
        if down {
            if from < until {
                on_event(ProcessEvent { at: from, process: i, down: true });
            }
            let _ = queue.schedule(from + left, (i, Phase::Repair));
        } else {
            let _ = queue.schedule(from + left, (i, Phase::Fail));
        }
    }
    while let Some((t, (i, phase))) = queue.pop_until(until) {
        if t >= until {
            break;
        }
        let next = match phase {
            Phase::Fail => (t + processes[i].time_to_repair.sample(&mut rngs[i]), Phase::Repair),
            Phase::Repair => (t + processes[i].time_between_failures.sample(&mut rngs[i]), Phase::Fail),
        };
        let _ = queue.schedule(next.0, (i, next.1));
        on_event(ProcessEvent { at: t, process: i, down: matches!(phase, Phase::Fail) });
    }
}

/// The expected number of transitions of `processes` over `span`: what a run of them costs.
pub fn expected_events(processes: &[FailureProcess], span: SimDuration) -> f64 {
    processes
        .iter()
        .map(|p| {
            let cycle = p.time_between_failures.mean_secs().unwrap_or(f64::INFINITY)
                + p.time_to_repair.mean_secs().unwrap_or(f64::INFINITY);
            if cycle > 0.0 { 2.0 * span.as_secs_f64() / cycle + 2.0 } else { f64::INFINITY }
        })
        .sum()
}

/// The alternating renewal processes behind [`simulate_failures`] and [`failure_timeline`]:
/// calls `on_change` for every site and link state change within `[0, horizon)`, in time order
/// (and, at one instant, in the order [`Outages::apply`] reports them), and counts each
/// process's failures in `process_failures`.
fn run_processes(
    topology: &Topology,
    processes: &[FailureProcess],
    end: SimTime,
    start: FailureStart,
    streams: TrialStreams,
    process_failures: &mut [u64],
    mut on_change: impl FnMut(SimTime, StateChange),
) -> Result<(), FailureError> {
    let targets = processes.iter().enumerate().map(|(i, p)| p.resolve(topology, i)).collect::<Result<Vec<_>, _>>()?;
    let mut outages = Outages::new(topology);
    let mut changes = Vec::new();
    process_events(processes, SimTime::ZERO, end, start, streams, |e| {
        changes.clear();
        // A failure under way at the start began before the run: not counted as one of it.
        if e.down && e.at > SimTime::ZERO {
            process_failures[e.process] += 1;
        }
        outages.apply(targets[e.process], e.down, &mut changes);
        for &c in &changes {
            on_change(e.at, c);
        }
    });
    Ok(())
}

/// Every state change of a horizon run, in time order: the history that [`FailureHistory`]
/// summarises, for questions a summary cannot answer (the state at an instant, the time during
/// which several sites were down together).
///
/// Targets down at the start (stationary start) appear as changes at time zero; `changes`
/// holds the instants within `[0, horizon)` at which
/// a site or a link went down or came back, in the order they happened.
#[derive(Clone, Debug, PartialEq)]
pub struct FailureTimeline {
    /// The length of the run.
    pub horizon: SimDuration,
    /// The state changes, in time order.
    pub changes: Vec<(SimTime, StateChange)>,
}

impl FailureTimeline {
    /// Whether site `s` is up at instant `t`: the state left by the changes at or before `t`
    /// (a site that fails at `t` is down at `t`). Beyond the horizon, the state at its end.
    pub fn site_up_at(&self, s: SiteId, t: SimTime) -> bool {
        let mut up = true;
        for &(_, c) in self.changes.iter().take_while(|&&(at, _)| at <= t) {
            match c {
                StateChange::SiteDown(x) if x == s => up = false,
                StateChange::SiteUp(x) if x == s => up = true,
                _ => {}
            }
        }
        up
    }

    /// Total time within the horizon during which at least `k` of `sites` were down at once.
    ///
    /// `k = 1` is the downtime of a series system of the sites (one down takes the service
    /// down), `k = sites.len()` that of a parallel system (all must be down), and anything
    /// between that of an (n − k + 1)-out-of-n system. `k = 0` gives the whole horizon.
    /// A site listed twice counts twice.
    pub fn time_at_least_down(&self, sites: &[SiteId], k: usize) -> SimDuration {
        let end = SimTime::ZERO + self.horizon;
        if k == 0 {
            return self.horizon;
        }
        let weight = |s: SiteId| sites.iter().filter(|&&x| x == s).count();
        let mut down = 0usize;
        let mut since = SimTime::ZERO;
        let mut total = SimDuration::ZERO;
        for &(at, c) in &self.changes {
            let before = down;
            match c {
                StateChange::SiteDown(s) => down += weight(s),
                StateChange::SiteUp(s) => down = down.saturating_sub(weight(s)),
                _ => continue,
            }
            if before < k && down >= k {
                since = at;
            } else if before >= k && down < k {
                total += at.min(end) - since;
            }
        }
        if down >= k {
            total += end - since;
        }
        total
    }
}

/// Runs every failure process over `[0, horizon)`, exactly as [`simulate_failures`] does (the
/// same streams, hence the same failures), and keeps every state change rather than totals.
///
/// ```
/// use drsim_core::engine::{DurationDistribution, SimDuration, SimTime, TrialStreams};
/// use drsim_core::model::{FailureProcess, FailureTarget, LinkSpec, SiteSpec, Topology, TopologySpec, ZoneSpec};
/// use drsim_core::model::{failure_timeline_with, FailureStart};
///
/// let site = |n: &str| SiteSpec { name: n.into(), zone: "z".into(), instances_running: 1, instances_needed: 1 };
/// let topology = Topology::new(TopologySpec {
///     regions: vec!["r".into()],
///     zones: vec![ZoneSpec { name: "z".into(), region: "r".into() }],
///     sites: vec![site("A"), site("B")],
///     links: vec![],
/// })?;
/// let fixed = |h| DurationDistribution::fixed(SimDuration::from_hours(h));
/// // Over 230 h — A: down [100 h, 110 h) and [210 h, 220 h); B: down [105 h, 125 h) (its next
/// // failure, at 125 + 105 = 230 h, is at the horizon and not within it).
/// let processes = [
///     FailureProcess { target: FailureTarget::Site("A".into()), time_between_failures: fixed(100), time_to_repair: fixed(10) },
///     FailureProcess { target: FailureTarget::Site("B".into()), time_between_failures: fixed(105), time_to_repair: fixed(20) },
/// ];
/// // Started all up, as a system switched on at time zero (the default is stationary).
/// let tl = failure_timeline_with(&topology, &processes, SimDuration::from_hours(230), TrialStreams::new(1, 0), FailureStart::AllUp)?;
/// let (a, b) = (topology.site("A").unwrap(), topology.site("B").unwrap());
/// assert!(!tl.site_up_at(a, SimTime::ZERO + SimDuration::from_hours(100)));
/// assert!(tl.site_up_at(a, SimTime::ZERO + SimDuration::from_hours(110)));
/// // Either down: [100, 125) and [210, 220) = 35 h; both down: [105, 110) = 5 h.
/// assert_eq!(tl.time_at_least_down(&[a, b], 1), SimDuration::from_hours(35));
/// assert_eq!(tl.time_at_least_down(&[a, b], 2), SimDuration::from_hours(5));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn failure_timeline(
    topology: &Topology,
    processes: &[FailureProcess],
    horizon: SimDuration,
    streams: TrialStreams,
) -> Result<FailureTimeline, FailureError> {
    failure_timeline_with(topology, processes, horizon, streams, FailureStart::Stationary)
}

/// [`failure_timeline`] with the processes' start state chosen; targets down at time zero
/// appear as changes at time zero.
pub fn failure_timeline_with(
    topology: &Topology,
    processes: &[FailureProcess],
    horizon: SimDuration,
    streams: TrialStreams,
    start: FailureStart,
) -> Result<FailureTimeline, FailureError> {
    let mut changes = Vec::new();
    let mut process_failures = vec![0; processes.len()];
    run_processes(topology, processes, SimTime::ZERO + horizon, start, streams, &mut process_failures, |t, c| {
        changes.push((t, c))
    })?;
    Ok(FailureTimeline { horizon, changes })
}

#[cfg(test)]
mod tests {
    use super::super::FailureTarget;
    use super::*;
    use crate::engine::{Distribution, DurationDistribution};
    use crate::model::topology::{SiteSpec, TopologySpec, ZoneSpec};

    fn topology() -> Topology {
        let site =
            |n: &str, z: &str| SiteSpec { name: n.into(), zone: z.into(), instances_running: 1, instances_needed: 1 };
        Topology::new(TopologySpec {
            regions: vec!["r".into()],
            zones: vec![
                ZoneSpec { name: "z1".into(), region: "r".into() },
                ZoneSpec { name: "z2".into(), region: "r".into() },
            ],
            sites: vec![site("A", "z1"), site("B", "z1"), site("C", "z2")],
            links: vec![],
        })
        .unwrap()
    }

    fn exp_h(mean_h: f64) -> DurationDistribution {
        DurationDistribution::new(Distribution::exponential(mean_h * 3600.0).unwrap()).unwrap()
    }

    fn process(target: FailureTarget, up_h: f64, down_h: f64) -> FailureProcess {
        FailureProcess { target, time_between_failures: exp_h(up_h), time_to_repair: exp_h(down_h) }
    }

    /// The timeline is the history before summing: each site's downtime and outage count, and
    /// its state at any instant, agree with [`simulate_failures`] on the same streams, with
    /// site and zone failures overlapping.
    #[test]
    fn timeline_agrees_with_the_history() {
        let t = topology();
        let procs = [
            process(FailureTarget::Site("A".into()), 50.0, 10.0),
            process(FailureTarget::Site("B".into()), 80.0, 20.0),
            process(FailureTarget::Zone("z1".into()), 200.0, 30.0),
            process(FailureTarget::Site("C".into()), 60.0, 5.0),
        ];
        let horizon = SimDuration::from_hours(5000);
        for trial in 0..5 {
            let streams = TrialStreams::new(3, trial);
            let h = simulate_failures(&t, &procs, horizon, streams).unwrap();
            let tl = failure_timeline(&t, &procs, horizon, streams).unwrap();
            for s in t.sites() {
                assert_eq!(tl.time_at_least_down(&[s], 1), h.site_downtime[s.0 as usize]);
                let downs = tl.changes.iter().filter(|(_, c)| *c == StateChange::SiteDown(s)).count();
                assert_eq!(downs as u64, h.site_outages[s.0 as usize]);
                // The state just before and at each change of this site.
                for &(at, c) in &tl.changes {
                    if c == StateChange::SiteDown(s) && at > SimTime::ZERO {
                        assert!(!tl.site_up_at(s, at));
                        assert!(tl.site_up_at(s, SimTime::from_nanos(at.as_nanos() - 1)));
                    }
                }
            }
            let all: Vec<SiteId> = t.sites().collect();
            assert_eq!(tl.time_at_least_down(&all, 0), horizon);
            assert!(tl.time_at_least_down(&all, 3) <= tl.time_at_least_down(&all, 2));
            assert!(tl.time_at_least_down(&all, 2) <= tl.time_at_least_down(&all, 1));
        }
    }

    /// By hand, two sites in one zone and a zone failure: A fails every 100 h for 10 h; the zone
    /// fails at 105 h for 20 h. A is down [100, 125) (its own repair at 110 h is hidden by the
    /// zone's outage), B [105, 125). Over 200 h: either down 25 h, both down 20 h; A is up at
    /// 99 h and 125 h and down at 100 h and 124 h.
    #[test]
    fn overlapping_causes_by_hand() {
        let t = topology();
        let fixed = |h| DurationDistribution::fixed(SimDuration::from_hours(h));
        let procs = [
            FailureProcess {
                target: FailureTarget::Site("A".into()),
                time_between_failures: fixed(100),
                time_to_repair: fixed(10),
            },
            FailureProcess {
                target: FailureTarget::Zone("z1".into()),
                time_between_failures: fixed(105),
                time_to_repair: fixed(20),
            },
        ];
        let tl = failure_timeline_with(
            &t,
            &procs,
            SimDuration::from_hours(200),
            TrialStreams::new(1, 0),
            FailureStart::AllUp,
        )
        .unwrap();
        let (a, b) = (t.site("A").unwrap(), t.site("B").unwrap());
        let at = |h| SimTime::ZERO + SimDuration::from_hours(h);
        assert!(tl.site_up_at(a, at(99)) && !tl.site_up_at(a, at(100)) && !tl.site_up_at(a, at(124)));
        assert!(tl.site_up_at(a, at(125)));
        assert_eq!(tl.time_at_least_down(&[a, b], 1), SimDuration::from_hours(25));
        assert_eq!(tl.time_at_least_down(&[a, b], 2), SimDuration::from_hours(20));
        assert_eq!(tl.time_at_least_down(&[a, b], 3), SimDuration::ZERO);
    }
}
