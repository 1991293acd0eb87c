//! Shared parameters and builders of the validation cases.

use drsim_core::engine::{Distribution, DurationDistribution, SimDuration, SimTime};
use drsim_core::model::{
    FailureProcess, FailureTarget, FailureTimeline, SiteId, SiteSpec, StateChange, Topology, TopologySpec,
    WorkloadSpec, ZoneSpec,
};

use super::BoxError;

/// Site A fails at λ = 3×10⁻³/h (MTBF 333 h) and is repaired at μ = 25×10⁻³/h (MTTR 40 h):
/// the example site of the issue that introduced failure processes.
pub(crate) const LAMBDA: f64 = 3e-3;
/// Site A's repair rate per hour.
pub(crate) const MU: f64 = 25e-3;
/// Site B's failure rate per hour (A₂ = 0.833333).
pub(crate) const LAMBDA2: f64 = 1e-2;
/// Site B's repair rate per hour.
pub(crate) const MU2: f64 = 5e-2;

/// Two sites, A and B, each alone in its zone and region: independent unless a process says
/// otherwise.
pub(crate) fn two_sites() -> Result<Topology, BoxError> {
    let site =
        |n: &str, z: &str| SiteSpec { name: n.into(), zone: z.into(), instances_running: 1, instances_needed: 1 };
    Ok(Topology::new(TopologySpec {
        regions: vec!["RA".into(), "RB".into()],
        zones: vec![
            ZoneSpec { name: "za".into(), region: "RA".into() },
            ZoneSpec { name: "zb".into(), region: "RB".into() },
        ],
        sites: vec![site("A", "za"), site("B", "zb")],
        links: vec![],
    })?)
}

/// A site of a topology, by name.
pub(crate) fn site(topo: &Topology, name: &str) -> Result<SiteId, BoxError> {
    topo.site(name).ok_or_else(|| format!("no site {name}").into())
}

pub(crate) fn exp_hours(mean_h: f64) -> Result<DurationDistribution, BoxError> {
    exp_secs(mean_h * 3600.0)
}

pub(crate) fn exp_secs(mean: f64) -> Result<DurationDistribution, BoxError> {
    Ok(DurationDistribution::new(Distribution::exponential(mean)?)?)
}

pub(crate) fn fixed_hours(h: u64) -> DurationDistribution {
    DurationDistribution::fixed(SimDuration::from_hours(h))
}

pub(crate) fn fixed_ms(ms: u64) -> DurationDistribution {
    DurationDistribution::fixed(SimDuration::from_millis(ms))
}

/// The instant `h` hours after zero.
pub(crate) fn hours(h: f64) -> SimTime {
    SimTime::ZERO + SimDuration::from_secs_f64(h * 3600.0)
}

/// The instant `s` seconds after zero.
pub(crate) fn at_s(s: f64) -> SimTime {
    SimTime::ZERO + SimDuration::from_secs_f64(s)
}

/// An exponential failure/repair process of a site with rates λ and μ per hour.
pub(crate) fn markov(site: &str, lambda: f64, mu: f64) -> Result<FailureProcess, BoxError> {
    Ok(FailureProcess {
        target: FailureTarget::Site(site.into()),
        time_between_failures: exp_hours(1.0 / lambda)?,
        time_to_repair: exp_hours(1.0 / mu)?,
    })
}

/// The reference workload: Poisson 50 writes/s of Exp(655,360 B) sizes.
pub(crate) fn reference_workload() -> Result<WorkloadSpec, BoxError> {
    Ok(WorkloadSpec::poisson(50.0, Distribution::exponential(655_360.0)?)?)
}

/// The fraction of `[from, to)` during which at least `k` of `sites` were down, integrated here
/// from the raw state changes (independently of `FailureTimeline::time_at_least_down`, so that
/// the cases do not check drsim against itself).
pub(crate) fn down_fraction(tl: &FailureTimeline, sites: &[SiteId], k: usize, from: SimTime, to: SimTime) -> f64 {
    let overlap = |a: SimTime, b: SimTime| (b.min(to)).saturating_since(a.max(from)).as_secs_f64();
    let mut down = vec![false; sites.len()];
    let (mut prev, mut total) = (SimTime::ZERO, 0.0);
    for &(t, c) in &tl.changes {
        let (s, is_down) = match c {
            StateChange::SiteDown(s) => (s, true),
            StateChange::SiteUp(s) => (s, false),
            _ => continue,
        };
        let Some(i) = sites.iter().position(|&x| x == s) else { continue };
        if down.iter().filter(|&&d| d).count() >= k {
            total += overlap(prev, t);
        }
        down[i] = is_down;
        prev = t;
    }
    if down.iter().filter(|&&d| d).count() >= k {
        total += overlap(prev, to);
    }
    total / (to - from).as_secs_f64()
}
