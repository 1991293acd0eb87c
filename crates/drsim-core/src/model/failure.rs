//! Failures: processes that take sites, zones, regions and links down and repair them.
//!
//! Each process alternates up and down times drawn from its distributions (an alternating
//! renewal process). A zone or region failure takes down every site inside it at the same
//! instant, and the links touching them: correlated failure. [`Outages`] keeps the resulting
//! state: a site is down while any cause (its own failure, its zone's, its region's) is active.

use rand::RngExt;
use serde::{Deserialize, Serialize};

use crate::engine::{DurationDistribution, EventQueue, SimDuration, SimRng, SimTime, TrialStreams};
use crate::model::topology::{LinkId, RegionId, SiteId, Topology, ZoneId};
use crate::trial::streams::FAILURES;

/// What a failure process strikes, by name.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
#[non_exhaustive]
pub enum FailureTarget {
    /// One site.
    Site(String),
    /// Every site in a zone.
    Zone(String),
    /// Every site in a region.
    Region(String),
    /// One link (its ends stay up).
    Link {
        /// Sending site.
        from: String,
        /// Receiving site.
        to: String,
    },
}

/// Prints `site P`, `zone a1`, `region A` or `link P->S`.
impl std::fmt::Display for FailureTarget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FailureTarget::Site(n) => write!(f, "site {n}"),
            FailureTarget::Zone(n) => write!(f, "zone {n}"),
            FailureTarget::Region(n) => write!(f, "region {n}"),
            FailureTarget::Link { from, to } => write!(f, "link {from}->{to}"),
        }
    }
}

/// What a failure process strikes, resolved against a [`Topology`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Target {
    /// One site.
    Site(SiteId),
    /// A zone.
    Zone(ZoneId),
    /// A region.
    Region(RegionId),
    /// A link.
    Link(LinkId),
}

/// A failure/repair process.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FailureProcess {
    /// What fails.
    pub target: FailureTarget,
    /// Time from a repair (or the start) to the next failure.
    pub time_between_failures: DurationDistribution,
    /// Time from a failure to its repair.
    pub time_to_repair: DurationDistribution,
}

/// Why a failure process was refused.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum FailureError {
    /// The target names nothing in the topology.
    #[error("failure process {index}: target {target} does not exist in the topology")]
    UnknownTarget {
        /// Position of the process in its list.
        index: usize,
        /// The target as written.
        target: String,
    },
    /// A time between failures whose mean is zero would fail forever in no time.
    #[error("failure process {index}: time_between_failures has mean {mean_s} s; it must be > 0")]
    ZeroTimeBetweenFailures {
        /// Position of the process in its list.
        index: usize,
        /// The mean found.
        mean_s: f64,
    },
    /// A period whose mean is infinite (a Pareto with shape ≤ 1) has no stationary state to
    /// start from.
    #[error(
        "failure process {index}: {field} has an infinite mean; it must be finite (a process starts in its stationary state, which needs finite means)"
    )]
    InfiniteMean {
        /// Position of the process in its list.
        index: usize,
        /// `time_between_failures` or `time_to_repair`.
        field: &'static str,
    },
}

/// How failure processes start at the beginning of a run.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum FailureStart {
    /// As in a system that has always run (the contract's rule): each target is down with
    /// probability `E[repair] / (E[up] + E[repair])`, and the current period has the
    /// equilibrium residual length ([`DurationDistribution::sample_residual`]).
    #[default]
    Stationary,
    /// Every target up, with a full time between failures ahead: a system switched on at
    /// time zero (and examples checked by hand).
    AllUp,
}

impl FailureProcess {
    /// Resolves the target by name.
    pub fn resolve(&self, topology: &Topology, index: usize) -> Result<Target, FailureError> {
        let unknown = || FailureError::UnknownTarget { index, target: self.target.to_string() };
        let mean = self.time_between_failures.mean_secs().unwrap_or(f64::INFINITY);
        if mean <= 0.0 {
            return Err(FailureError::ZeroTimeBetweenFailures { index, mean_s: mean });
        }
        if !mean.is_finite() {
            return Err(FailureError::InfiniteMean { index, field: "time_between_failures" });
        }
        if self.time_to_repair.mean_secs().is_none() {
            return Err(FailureError::InfiniteMean { index, field: "time_to_repair" });
        }
        match &self.target {
            FailureTarget::Site(n) => topology.site(n).map(Target::Site),
            FailureTarget::Zone(n) => topology.zone(n).map(Target::Zone),
            FailureTarget::Region(n) => topology.region(n).map(Target::Region),
            FailureTarget::Link { from, to } => topology.link(from, to).map(Target::Link),
        }
        .ok_or_else(unknown)
    }
}

impl FailureProcess {
    /// The fraction of time the target is down in the long run:
    /// `E[repair] / (E[up] + E[repair])` (0 when either mean is unknown).
    pub fn unavailability(&self) -> f64 {
        match (self.time_between_failures.mean_secs(), self.time_to_repair.mean_secs()) {
            (Some(u), Some(r)) if u + r > 0.0 => r / (u + r),
            _ => 0.0,
        }
    }

    /// The state at the start of a run: whether the target is down, and the time until its
    /// next change (a failure if up, a repair if down).
    ///
    /// [`FailureStart::Stationary`]: down with probability [`unavailability`](Self::unavailability),
    /// and the rest of the current period drawn from the equilibrium residual of its law, so
    /// that the process is stationary from the first instant (Ross, *Stochastic Processes*,
    /// 1996, §3.4: alternating renewal processes).
    pub fn initial_state(&self, start: FailureStart, rng: &mut SimRng) -> (bool, SimDuration) {
        match start {
            FailureStart::AllUp => (false, self.time_between_failures.sample(rng)),
            FailureStart::Stationary => {
                let down = rng.random::<f64>() < self.unavailability();
                let now = if down { &self.time_to_repair } else { &self.time_between_failures };
                // A residual exists whenever the mean is finite and positive (checked by
                // `resolve`); a zero-mean repair is never the current period.
                (down, now.sample_residual(rng).unwrap_or_else(|| now.sample(rng)))
            }
        }
    }
}

/// A change of state caused by a failure or a repair.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum StateChange {
    /// A site went down.
    SiteDown(SiteId),
    /// A site came back.
    SiteUp(SiteId),
    /// A link went down (its own failure, or one of its ends).
    LinkDown(LinkId),
    /// A link came back.
    LinkUp(LinkId),
}

/// Which sites and links are down, and why.
#[derive(Clone, Debug)]
pub struct Outages {
    site_causes: Vec<u32>,
    link_causes: Vec<u32>,
    zone_sites: Vec<Vec<SiteId>>,
    region_sites: Vec<Vec<SiteId>>,
    site_links: Vec<Vec<LinkId>>,
    link_ends: Vec<(SiteId, SiteId)>,
}

impl Outages {
    /// Everything up.
    pub fn new(topology: &Topology) -> Self {
        let mut zone_sites = vec![Vec::new(); topology.zone_count()];
        let mut region_sites = vec![Vec::new(); topology.region_count()];
        for s in topology.sites() {
            zone_sites[topology.zone_of(s).0 as usize].push(s);
            region_sites[topology.region_of(s).0 as usize].push(s);
        }
        let mut site_links = vec![Vec::new(); topology.site_count()];
        let link_ends: Vec<_> = topology.links().map(|l| topology.link_ends(l)).collect();
        for (i, &(a, b)) in link_ends.iter().enumerate() {
            site_links[a.0 as usize].push(LinkId(i as u32));
            site_links[b.0 as usize].push(LinkId(i as u32));
        }
        Outages {
            site_causes: vec![0; topology.site_count()],
            link_causes: vec![0; link_ends.len()],
            zone_sites,
            region_sites,
            site_links,
            link_ends,
        }
    }

    /// Whether a site is up.
    pub fn site_up(&self, s: SiteId) -> bool {
        self.site_causes[s.0 as usize] == 0
    }

    /// Whether a link has failed itself (whatever the state of its ends).
    pub fn link_failed_itself(&self, l: LinkId) -> bool {
        self.link_causes[l.0 as usize] > 0
    }

    /// Whether a link is up: not failed itself, and both ends up.
    pub fn link_up(&self, l: LinkId) -> bool {
        let (a, b) = self.link_ends[l.0 as usize];
        self.link_causes[l.0 as usize] == 0 && self.site_up(a) && self.site_up(b)
    }

    /// Applies a failure (`down = true`) or a repair of `target`, appending every site and link
    /// whose state changed to `changes`, sites first.
    pub fn apply(&mut self, target: Target, down: bool, changes: &mut Vec<StateChange>) {
        let sites: Vec<SiteId> = match target {
            Target::Site(s) => vec![s],
            Target::Zone(z) => self.zone_sites[z.0 as usize].clone(),
            Target::Region(r) => self.region_sites[r.0 as usize].clone(),
            Target::Link(l) => {
                let before = self.link_up(l);
                let c = &mut self.link_causes[l.0 as usize];
                *c = if down { *c + 1 } else { c.saturating_sub(1) };
                if before != self.link_up(l) {
                    changes.push(if down { StateChange::LinkDown(l) } else { StateChange::LinkUp(l) });
                }
                return;
            }
        };
        let mut links: Vec<(LinkId, bool)> = vec![];
        for &s in &sites {
            for &l in &self.site_links[s.0 as usize] {
                if !links.iter().any(|&(x, _)| x == l) {
                    links.push((l, self.link_up(l)));
                }
            }
        }
        for &s in &sites {
            let before = self.site_up(s);
            let c = &mut self.site_causes[s.0 as usize];
            *c = if down { *c + 1 } else { c.saturating_sub(1) };
            if before != self.site_up(s) {
                changes.push(if down { StateChange::SiteDown(s) } else { StateChange::SiteUp(s) });
            }
        }
        for (l, before) in links {
            if before != self.link_up(l) {
                changes.push(if down { StateChange::LinkDown(l) } else { StateChange::LinkUp(l) });
            }
        }
    }
}

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
    use super::*;
    use crate::engine::Distribution;
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
