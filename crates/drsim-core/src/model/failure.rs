//! Failures: processes that take sites, zones, regions and links down and repair them.
//!
//! Each process alternates up and down times drawn from its distributions (an alternating
//! renewal process). A zone or region failure takes down every site inside it at the same
//! instant, and the links touching them: correlated failure. [`Outages`] keeps the resulting
//! state: a site is down while any cause (its own failure, its zone's, its region's) is active.
//!
//! This file holds the processes and the state they make; `failure/simulate.rs` runs them over
//! time (histories, events, timelines).

use rand::RngExt;
use serde::{Deserialize, Serialize};

use crate::engine::{DurationDistribution, SimDuration, SimRng};
use crate::model::topology::{LinkId, RegionId, SiteId, Topology, ZoneId};

mod simulate;

pub use simulate::{
    FailureHistory, FailureTimeline, ProcessEvent, expected_events, failure_timeline, failure_timeline_with,
    process_events, simulate_failures, simulate_failures_with,
};

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
