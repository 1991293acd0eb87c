//! Failures: processes that take sites, zones, regions and links down and repair them.
//!
//! Each process alternates up and down times drawn from its distributions (an alternating
//! renewal process). A zone or region failure takes down every site inside it at the same
//! instant, and the links touching them: correlated failure. [`Outages`] keeps the resulting
//! state: a site is down while any cause (its own failure, its zone's, its region's) is active.

use serde::{Deserialize, Serialize};

use crate::engine::{DurationDistribution, EventQueue, SimDuration, SimTime, StreamId, TrialStreams};
use crate::model::topology::{LinkId, RegionId, SiteId, Topology, ZoneId};

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
}

impl FailureProcess {
    /// Resolves the target by name.
    pub fn resolve(&self, topology: &Topology, index: usize) -> Result<Target, FailureError> {
        let unknown = || FailureError::UnknownTarget { index, target: format!("{:?}", self.target) };
        let mean = self.time_between_failures.mean_secs().unwrap_or(f64::INFINITY);
        if mean <= 0.0 {
            return Err(FailureError::ZeroTimeBetweenFailures { index, mean_s: mean });
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

/// Runs every failure process over `[0, horizon)` and records downtime and outages.
///
/// Process `i` draws from the trial's stream `FAILURES.sub(i)`, so adding a process does not
/// change the failures of the others.
pub fn simulate_failures(
    topology: &Topology,
    processes: &[FailureProcess],
    horizon: SimDuration,
    streams: TrialStreams,
) -> Result<FailureHistory, FailureError> {
    let targets = processes.iter().enumerate().map(|(i, p)| p.resolve(topology, i)).collect::<Result<Vec<_>, _>>()?;
    let mut rngs: Vec<_> = (0..processes.len()).map(|i| streams.rng(StreamId::FAILURES.sub(i as u64))).collect();
    let end = SimTime::ZERO + horizon;
    let mut queue: EventQueue<(usize, Phase)> = EventQueue::new();
    for (i, p) in processes.iter().enumerate() {
        let at = SimTime::ZERO + p.time_between_failures.sample(&mut rngs[i]);
        // Never in the past: the queue is at zero.
        let _ = queue.schedule(at, (i, Phase::Fail));
    }
    let mut outages = Outages::new(topology);
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
    let mut changes = Vec::new();
    while let Some((t, (i, phase))) = queue.pop_until(end) {
        if t >= end {
            break;
        }
        changes.clear();
        let next = match phase {
            Phase::Fail => {
                h.process_failures[i] += 1;
                outages.apply(targets[i], true, &mut changes);
                (t + processes[i].time_to_repair.sample(&mut rngs[i]), Phase::Repair)
            }
            Phase::Repair => {
                outages.apply(targets[i], false, &mut changes);
                (t + processes[i].time_between_failures.sample(&mut rngs[i]), Phase::Fail)
            }
        };
        let _ = queue.schedule(next.0, (i, next.1));
        for c in &changes {
            match *c {
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
            }
        }
    }
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
