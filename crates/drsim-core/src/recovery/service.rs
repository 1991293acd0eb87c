//! The service as users see it: capacity, data and traffic per site, and the level they give.
//!
//! The level at an instant is the fraction of production demand being served:
//! `Σ over sites that are up with usable data of min(traffic share, capacity / needed)`.
//! Traffic shares move linearly over a DNS TTL after each routing change (clients move as their
//! cached entries expire), so the level is piecewise linear between events and the instant it
//! reaches the service level is found exactly, not at the next event.

use crate::engine::{SimDuration, SimTime};

/// Capacity, data and traffic per site.
#[derive(Clone, Debug)]
pub struct ServiceState {
    needed: f64,
    /// Per site: the instances of its smallest tier (of its only pool without tiers).
    capacity: Vec<u32>,
    /// With tiers: their names, and the instances of each per site (site-major).
    tier_names: Vec<String>,
    by_tier: Vec<u32>,
    up: Vec<bool>,
    data_ready: Vec<bool>,
    shares_from: Vec<f64>,
    shares_to: Vec<f64>,
    ramp_start: SimTime,
    ttl: SimDuration,
    frozen_since: Option<SimTime>,
    frozen_total: SimDuration,
}

impl ServiceState {
    /// `sites` sites, all up; `needed` instances make full production capacity (at least 1).
    pub fn new(sites: usize, needed: u32) -> Self {
        ServiceState {
            needed: f64::from(needed.max(1)),
            capacity: vec![0; sites],
            tier_names: vec![],
            by_tier: vec![],
            up: vec![true; sites],
            data_ready: vec![false; sites],
            shares_from: vec![0.0; sites],
            shares_to: vec![0.0; sites],
            ramp_start: SimTime::ZERO,
            ttl: SimDuration::ZERO,
            frozen_since: None,
            frozen_total: SimDuration::ZERO,
        }
    }

    /// The same service with these tiers (see [`super::tiers`]): every site runs its current
    /// capacity in each tier, and a site serves as much as its smallest tier allows.
    pub fn with_tiers(mut self, names: &[String]) -> Self {
        self.tier_names = names.to_vec();
        let k = names.len();
        self.by_tier = self.capacity.iter().flat_map(|&c| std::iter::repeat_n(c, k)).collect();
        self
    }
    /// The index of the tier named `name` (`None` without such a tier).
    pub fn tier_index(&self, name: &str) -> Option<usize> {
        self.tier_names.iter().position(|t| t == name)
    }
    /// Instances running at `site` (of its smallest tier, with tiers).
    pub fn capacity(&self, site: usize) -> u32 {
        self.capacity[site]
    }
    /// Sets the instances running at `site` (in every tier).
    pub fn set_capacity(&mut self, site: usize, instances: u32) {
        self.capacity[site] = instances;
        let k = self.tier_names.len();
        self.by_tier[site * k..(site + 1) * k].fill(instances);
    }
    /// Adds (or with a negative `delta`, removes) instances at `site` (in every tier).
    pub fn add_capacity(&mut self, site: usize, delta: i64) {
        let add = |c: u32| (i64::from(c) + delta).clamp(0, i64::from(u32::MAX)) as u32;
        let k = self.tier_names.len();
        if k == 0 {
            self.capacity[site] = add(self.capacity[site]);
            return;
        }
        for c in &mut self.by_tier[site * k..(site + 1) * k] {
            *c = add(*c);
        }
        self.capacity[site] = self.by_tier[site * k..(site + 1) * k].iter().copied().min().unwrap_or(0);
    }
    /// Adds (or removes) instances of tier `tier` at `site`.
    pub fn add_tier_capacity(&mut self, site: usize, tier: usize, delta: i64) {
        let k = self.tier_names.len();
        if k == 0 {
            return self.add_capacity(site, delta);
        }
        let c = &mut self.by_tier[site * k + tier];
        *c = (i64::from(*c) + delta).clamp(0, i64::from(u32::MAX)) as u32;
        self.capacity[site] = self.by_tier[site * k..(site + 1) * k].iter().copied().min().unwrap_or(0);
    }
    /// Marks a site up or down. A site that goes down loses its running instances.
    pub fn set_up(&mut self, site: usize, up: bool) {
        self.up[site] = up;
        if !up {
            self.set_capacity(site, 0);
        }
    }
    /// Whether a site is up.
    pub fn is_up(&self, site: usize) -> bool {
        self.up[site]
    }
    /// Marks the data at `site` usable (or not).
    pub fn set_data_ready(&mut self, site: usize, ready: bool) {
        self.data_ready[site] = ready;
    }
    /// Sets traffic shares at once (steady state).
    pub fn set_shares(&mut self, shares: &[f64]) {
        self.shares_from.copy_from_slice(shares);
        self.shares_to.copy_from_slice(shares);
        self.ttl = SimDuration::ZERO;
    }
    /// Routing change at `at`: traffic moves to `sites`, evenly, over `ttl`.
    pub fn route(&mut self, at: SimTime, sites: &[usize], ttl: SimDuration) {
        let now: Vec<f64> = (0..self.capacity.len()).map(|s| self.share(s, at)).collect();
        self.shares_from = now;
        self.shares_to.iter_mut().for_each(|x| *x = 0.0);
        for &s in sites {
            self.shares_to[s] += 1.0 / sites.len() as f64;
        }
        self.ramp_start = at;
        self.ttl = ttl;
    }
    /// Freezes or unfreezes writes at `at`.
    pub fn freeze(&mut self, at: SimTime, frozen: bool) {
        match (frozen, self.frozen_since) {
            (true, None) => self.frozen_since = Some(at),
            (false, Some(since)) => {
                self.frozen_total += at - since;
                self.frozen_since = None;
            }
            _ => {}
        }
    }
    /// Total time writes were frozen up to `at`.
    pub fn frozen_total(&self, at: SimTime) -> SimDuration {
        self.frozen_total + self.frozen_since.map_or(SimDuration::ZERO, |s| at - s)
    }

    fn ramp(&self, t: SimTime) -> f64 {
        if t >= self.ramp_start + self.ttl || self.ttl.is_zero() {
            1.0
        } else if t <= self.ramp_start {
            0.0
        } else {
            (t - self.ramp_start).as_nanos() as f64 / self.ttl.as_nanos() as f64
        }
    }

    /// The traffic share of `site` at `t`.
    pub fn share(&self, site: usize, t: SimTime) -> f64 {
        let f = self.ramp(t);
        (1.0 - f) * self.shares_from[site] + f * self.shares_to[site]
    }

    /// The fraction of demand served at `t` (0 to 1).
    pub fn level(&self, t: SimTime) -> f64 {
        let f = self.ramp(t);
        let mut level = 0.0;
        for s in 0..self.capacity.len() {
            if self.up[s] && self.data_ready[s] {
                let share = (1.0 - f) * self.shares_from[s] + f * self.shares_to[s];
                level += share.min(f64::from(self.capacity[s]) / self.needed);
            }
        }
        level.min(1.0)
    }

    /// The first instant in `[from, until]` at which the level reaches `target`, if any,
    /// assuming nothing but the traffic ramp changes in between.
    pub fn first_at_least(&self, target: f64, from: SimTime, until: SimTime) -> Option<SimTime> {
        // Floating sums of shares may fall a few ulps short of an exact target; a tolerance of
        // a few ulps keeps the crossing exact to the nanosecond even on day-long ramps.
        const EPS: f64 = 4.0 * f64::EPSILON;
        self.first_where(|level| level + EPS >= target, from, until)
    }

    /// The first instant in `[from, until]` at which any demand at all is served.
    pub fn first_positive(&self, from: SimTime, until: SimTime) -> Option<SimTime> {
        self.first_where(|level| level > 0.0, from, until)
    }

    fn first_where(&self, reached: impl Fn(f64) -> bool, from: SimTime, until: SimTime) -> Option<SimTime> {
        if reached(self.level(from)) {
            return Some(from);
        }
        // Past the ramp nothing changes: only [from, min(until, ramp end)] can cross.
        let end = until.min(self.ramp_start + self.ttl);
        if end <= from || !reached(self.level(end)) {
            return None;
        }
        // Each share is linear in time and the level is a sum of minima of shares and
        // constants, so along one ramp a threshold is crossed once; bisection to the
        // nanosecond finds it.
        let (mut lo, mut hi) = (from.as_nanos(), end.as_nanos());
        while hi - lo > 1 {
            let mid = lo + (hi - lo) / 2;
            if reached(self.level(SimTime::from_nanos(mid))) {
                hi = mid;
            } else {
                lo = mid;
            }
        }
        Some(SimTime::from_nanos(hi))
    }
}

/// Records when the service first reaches any level, and the target level.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ServiceWatch {
    /// The service level that ends the RTO (1.0 = full production).
    pub target: f64,
    /// When the level first became positive.
    pub first_partial: Option<SimTime>,
    /// When the level first reached the target.
    pub restored: Option<SimTime>,
}

impl ServiceWatch {
    /// Watches for `target` (clamped to (0, 1]).
    pub fn new(target: f64) -> Self {
        ServiceWatch { target: target.clamp(1e-9, 1.0), first_partial: None, restored: None }
    }

    /// Looks at the state over `[from, until]` (during which only the traffic ramp changes).
    pub fn observe(&mut self, state: &ServiceState, from: SimTime, until: SimTime) {
        if self.first_partial.is_none() {
            self.first_partial = state.first_positive(from, until);
        }
        if self.restored.is_none() {
            self.restored = state.first_at_least(self.target, from, until);
        }
    }

    /// Forgets both instants (the service was lost again).
    pub fn reset(&mut self) {
        self.first_partial = None;
        self.restored = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: u64) -> SimTime {
        SimTime::ZERO + SimDuration::from_secs(s)
    }

    /// By hand: a site with 2 of 8 instances and all traffic serves 25 %; DNS switch to it at
    /// t = 100 s with a 60 s TTL on a full site: level rises linearly 0 → 1, reaching 1/2 at 130 s
    /// and 1 at 160 s.
    #[test]
    fn level_and_crossings_by_hand() {
        let mut s = ServiceState::new(2, 8);
        s.set_capacity(1, 2);
        s.set_data_ready(1, true);
        s.set_shares(&[0.0, 1.0]);
        assert_eq!(s.level(t(0)), 0.25);
        s.set_capacity(1, 8);
        s.set_shares(&[1.0, 0.0]);
        s.set_up(0, false);
        assert_eq!(s.level(t(100)), 0.0);
        s.route(t(100), &[1], SimDuration::from_secs(60));
        assert!((s.level(t(130)) - 0.5).abs() < 1e-12);
        assert_eq!(s.first_at_least(0.5, t(100), t(1000)), Some(t(130)));
        assert_eq!(s.first_at_least(1.0, t(100), t(1000)), Some(t(160)));
        assert_eq!(s.first_at_least(1.0, t(100), t(150)), None);
        let mut w = ServiceWatch::new(1.0);
        w.observe(&s, t(100), t(1000));
        assert_eq!(w.restored, Some(t(160)));
        assert_eq!(w.first_partial, Some(t(100) + SimDuration::from_nanos(1)));
    }

    #[test]
    fn freeze_accumulates() {
        let mut s = ServiceState::new(1, 1);
        s.freeze(t(10), true);
        s.freeze(t(12), true);
        assert_eq!(s.frozen_total(t(15)), SimDuration::from_secs(5));
        s.freeze(t(20), false);
        assert_eq!(s.frozen_total(t(100)), SimDuration::from_secs(10));
    }
}
