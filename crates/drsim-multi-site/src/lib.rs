//! # drsim-multi-site
//!
//! The *multi-site active/active* disaster-recovery strategy for
//! [drsim](https://example.invalid/drsim), written only against `drsim-core`'s public strategy
//! API, as a third party would.
//!
//! ## The model
//!
//! Both sites — or more: the deployment's primary and standby, plus any [`sites`] — serve
//! production traffic all the time (by default in equal parts, [`weights`]), all hold usable
//! data, and all run capacity: `ceil(capacity_per_site_fraction × instances_needed)` instances
//! each. Each extra site holds its own copy of the data (a [`Strategy::replicas`] copy, over
//! the link from the primary in `replication`'s mode). With the default fraction of 1 either site alone can carry the whole load; a
//! smaller fraction is cheaper, but a survivor must then scale out. Data is replicated
//! synchronously by default (no write is acknowledged before both sites hold it: RPO 0), or
//! asynchronously as a parameter.
//!
//! When a site fails, the survivors keep serving their own shares at once; the routing change
//! then splits all traffic evenly among the surviving active sites, each scaling out to its
//! even part if it runs less. The health checks that
//! detect the failure (the trial's detection) take the failed site out of the routing, and
//! traffic moves to the survivor as clients' cached DNS entries expire (one TTL; zero for an
//! anycast router such as AWS Global Accelerator). If the survivor lacks capacity for the whole
//! load, it scales out once the traffic arrives.
//!
//! The AWS whitepaper *Disaster Recovery of Workloads on AWS: Recovery in the Cloud* (2021,
//! "Disaster recovery options in the cloud") puts multi-site active/active's RTO and RPO near
//! zero ("real-time"), at the highest cost.
//!
//! [`weights`]: MultiSiteParams::weights
//! [`sites`]: MultiSiteParams::sites
//!
//! ## Recovery runbook
//!
//! ```text
//!  detected ─► route all traffic to the survivor ─┬─► (TTL) ─► 100 %
//!                                                 └─► [launch k instances at the survivor]
//! ```
//!
//! `[launch]` appears only when one site cannot carry the whole load.
//!
//! ## Failback runbook
//!
//! ```text
//!  resync the repaired site ─► its data is ready ─► route traffic to both sites
//!      ─► clients move (one TTL), the survivor scales in
//! ```
//!
//! No write freeze: the repaired site catches up while the survivor goes on taking writes, then
//! rejoins the replication (synchronous replication resumes acknowledging at both sites), and
//! only then takes traffic. The route back splits traffic evenly between the sites with a
//! non-zero weight: the core's routing effect has no weights (see [`MultiSite::failback`]).
//!
//! ## Example
//!
//! ```
//! use drsim_core::engine::{Distribution, DurationDistribution, SimDuration};
//! use drsim_core::model::{FailureTarget, LinkSpec, SiteSpec, Topology, TopologySpec, WorkloadSpec, ZoneSpec};
//! use drsim_core::recovery::{Deployment, Detection};
//! use drsim_core::trial::{DisasterScenario, DisasterSpec, DisasterTrial, Objectives};
//! use drsim_multi_site::{MultiSite, MultiSiteParams};
//!
//! let site = |name: &str, zone: &str| SiteSpec {
//!     name: name.into(),
//!     zone: zone.into(),
//!     instances_running: 0,
//!     instances_needed: 8,
//! };
//! let latency = DurationDistribution::new(Distribution::uniform(0.030, 0.040)?)?;
//! let topology = Topology::new(TopologySpec {
//!     regions: vec!["A".into(), "B".into()],
//!     zones: vec![
//!         ZoneSpec { name: "a1".into(), region: "A".into() },
//!         ZoneSpec { name: "b1".into(), region: "B".into() },
//!     ],
//!     sites: vec![site("P", "a1"), site("S", "b1")],
//!     links: vec![LinkSpec::new("P", "S", latency, 125e6)?],
//! })?;
//! let scenario = DisasterScenario {
//!     deployment: Deployment {
//!         topology,
//!         primary: "P".into(),
//!         standby: "S".into(),
//!         workload: WorkloadSpec::poisson(20.0, Distribution::exponential(16_384.0)?)?,
//!         dataset_bytes: 100e9,
//!         stores: vec![],
//!         tiers: vec![],
//!     },
//!     event: DisasterSpec {
//!         target: FailureTarget::Region("A".into()),
//!         warm_up: SimDuration::from_secs(60),
//!         window: SimDuration::from_secs(60),
//!         repair: DurationDistribution::fixed(SimDuration::from_hours(6)),
//!         primary_data_survives: true,
//!     },
//!     mix: vec![],
//!     detection: Detection::default(), // Route 53 style: 30 s × 3
//!     service_level: 1.0,
//!     objectives: Objectives::default(),
//!     faults: vec![],
//!     horizon: SimDuration::from_days(2),
//! };
//!
//! let strategy = MultiSite::new(MultiSiteParams::default())?;
//! let outcome = DisasterTrial::new(&scenario, &strategy)?.run(42, 0)?;
//! let rto = outcome.rto.expect("recovered");
//! let rpo = outcome.rpo.expect("the standby survived");
//! println!("RTO {rto}, RPO {rpo}");
//! assert_eq!(outcome.first_partial_service, Some(SimDuration::ZERO)); // the survivor never stopped
//! assert!(rto <= SimDuration::from_mins(3)); // detection (60–90 s) + the 60 s TTL
//! assert_eq!(rpo, SimDuration::ZERO); // synchronous replication
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![warn(missing_docs)]

use drsim_core::engine::{Distribution, DurationDistribution, SimDuration};
use drsim_core::model::{LinkDownPolicy, ReplicationSpec};
use drsim_core::recovery::{
    Deployment, Effect, FailbackContext, RecoveryContext, Replica, Runbook, SteadyState, Step, Strategy, StrategyError,
    SurvivingCopy,
};
use serde::{Deserialize, Serialize};

/// The strategy's name in reports.
pub const NAME: &str = "multi-site";

/// Step names, so that reports and tests can find the steps.
pub mod steps {
    /// Route all traffic to the surviving site.
    pub const ROUTE: &str = "route traffic to survivor";
    /// Launch the instances the survivor lacks for the whole load.
    pub const SCALE_OUT: &str = "scale survivor out";
    /// Failback: the repaired site catches up with the survivor.
    pub const RESYNC: &str = "resync repaired site";
    /// Failback: the repaired site's data is ready to serve.
    pub const DATA_READY: &str = "repaired site data ready";
    /// Failback: traffic returns to both sites.
    pub const ROUTE_BACK: &str = "route traffic to both sites";
    /// Failback: clients move (one TTL), then the survivor drops what it added.
    pub const SCALE_IN: &str = "drain and scale survivor in";
}

/// Parameters of [`MultiSite`].
///
/// Every field has a default from published figures (the source is in each field's
/// documentation). In a scenario file every key is optional:
///
/// ```
/// # use drsim_multi_site::MultiSiteParams;
/// let p: MultiSiteParams = toml::from_str(r#"
///     replication = { mode = "asynchronous" }
///     weights = [0.6, 0.4]
///     capacity_per_site_fraction = 0.75
///     dns_ttl = "0s"   # an anycast router such as Global Accelerator
/// "#)?;
/// assert_eq!(p.weights, [0.6, 0.4]);
/// # Ok::<(), toml::de::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MultiSiteParams {
    /// How data reaches the other site. Default: synchronous, blocking writes while the link is
    /// down — the mode that gives active/active its RPO of zero. It pays one round trip per
    /// commit, so it suits sites close enough for that; far-apart regions usually replicate
    /// asynchronously (DynamoDB global tables and Aurora Global Database do by default): set
    /// `{ mode = "asynchronous" }` for that.
    pub replication: ReplicationSpec,
    /// Active sites besides the primary and the deployment's standby (three regions serving
    /// at once, say): each holds a copy of the data over the link from the primary in
    /// `replication`'s mode (a [`Strategy::replicas`] copy), runs the same capacity and takes
    /// its share of the traffic. Default: none (two sites).
    pub sites: Vec<String>,
    /// Traffic weights of the active sites in steady state — the primary, the standby, then
    /// `sites` in order — normalised to sum to 1. Default `[]`: equal weights, as Route 53
    /// weighted records of equal weight (Amazon Route 53 developer guide, "Weighted routing").
    /// Otherwise one weight per active site.
    pub weights: Vec<f64>,
    /// Capacity each site runs, as a share of the whole production load, in (0, 1] and at
    /// least the larger weight (each site must carry its own share). Default 1: each site can
    /// carry everything, as in the whitepaper's multi-site active/active, where any Region can
    /// take the whole load.
    pub capacity_per_site_fraction: f64,
    /// Time for every client to move once routing changes. Default 60 s: for records with a
    /// health check Route 53 recommends "a TTL of 60 seconds or less" (Amazon Route 53 developer
    /// guide, "Values specific for weighted records"). Use `"0s"` for an anycast router such as
    /// AWS Global Accelerator, which shifts traffic without waiting for DNS caches.
    pub dns_ttl: SimDuration,
    /// Time for one instance to launch and pass its health check, when the survivor must scale
    /// out. Default LogNormal(median 120 s, σ 0.3): EC2 instances typically reach `running`
    /// within a minute, and 1–3 minutes with the application bootstrapped is the usual figure
    /// in published measurements.
    pub launch: DurationDistribution,
}

impl Default for MultiSiteParams {
    fn default() -> Self {
        MultiSiteParams {
            replication: ReplicationSpec::Synchronous { on_link_down: LinkDownPolicy::Block },
            sites: vec![],
            weights: vec![],
            capacity_per_site_fraction: 1.0,
            dns_ttl: SimDuration::from_secs(60),
            launch: Distribution::lognormal(120.0, 0.3)
                .and_then(DurationDistribution::new)
                .expect("the default lognormal parameters are valid"),
        }
    }
}

fn bad(field: &'static str, value: String, allowed: &'static str) -> StrategyError {
    StrategyError::BadParameter { strategy: NAME.into(), field, value, allowed }
}

fn zero() -> DurationDistribution {
    DurationDistribution::fixed(SimDuration::ZERO)
}

impl MultiSiteParams {
    /// Checks every parameter; the error names the field, its value and what is allowed.
    pub fn validate(&self) -> Result<(), StrategyError> {
        let n = 2 + self.sites.len();
        if !self.weights.is_empty() && self.weights.len() != n {
            return Err(bad(
                "weights",
                format!("{:?}", self.weights),
                "one weight per active site (the primary, the standby, then `sites`), or none for equal weights",
            ));
        }
        // Scaled by the largest first, so that huge finite weights cannot overflow the sum.
        let largest = self.weights.iter().copied().fold(0.0, f64::max);
        let sum: f64 = self.weights.iter().map(|w| w / largest).sum();
        let valid = self.weights.iter().all(|w| w.is_finite() && *w >= 0.0) && largest > 0.0 && sum.is_finite();
        if !self.weights.is_empty() && !valid {
            return Err(bad("weights", format!("{:?}", self.weights), "finite weights >= 0, not all 0"));
        }
        for (i, site) in self.sites.iter().enumerate() {
            if site.is_empty() || self.sites[..i].contains(site) {
                return Err(bad("sites", format!("{:?}", self.sites), "distinct, non-empty site names"));
            }
        }
        let f = self.capacity_per_site_fraction;
        if !(f > 0.0 && f <= 1.0) {
            return Err(bad("capacity_per_site_fraction", f.to_string(), "in (0, 1]"));
        }
        let largest = self.shares().into_iter().fold(0.0, f64::max);
        if f + 1e-9 < largest {
            return Err(bad(
                "capacity_per_site_fraction",
                f.to_string(),
                ">= the larger normalised weight: each site must carry its steady share",
            ));
        }
        if let ReplicationSpec::Snapshot(_) = self.replication {
            return Err(bad(
                "replication",
                "snapshot".into(),
                "synchronous or asynchronous: both sites serve live data",
            ));
        }
        match self.launch.mean_secs() {
            Some(m) if m.is_finite() => Ok(()),
            _ => Err(bad("launch", format!("{:?}", self.launch.inner()), "a duration distribution with a finite mean")),
        }
    }

    /// The weights normalised to sum to 1: the steady traffic shares of the active sites (the
    /// primary, the standby, then `sites`).
    pub fn shares(&self) -> Vec<f64> {
        let n = 2 + self.sites.len();
        if self.weights.is_empty() {
            return vec![1.0 / n as f64; n];
        }
        let largest = self.weights.iter().copied().fold(0.0, f64::max);
        let sum: f64 = self.weights.iter().map(|w| w / largest).sum();
        self.weights.iter().map(|w| w / largest / sum).collect()
    }

    /// Instances each site runs when production needs `needed`: at least one, at most `needed`.
    pub fn instances_per_site(&self, needed: u32) -> u32 {
        // The small slack keeps 0.3 × 10 (= 3.0000000000000004 in floating point) at 3.
        let n = (self.capacity_per_site_fraction * f64::from(needed) - 1e-9).ceil();
        (n.max(1.0) as u32).min(needed.max(1))
    }
}

/// Multi-site active/active: both sites serve; the survivor takes everything.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct MultiSite {
    params: MultiSiteParams,
}

impl MultiSite {
    /// The strategy with these parameters, once they are checked.
    pub fn new(params: MultiSiteParams) -> Result<Self, StrategyError> {
        params.validate()?;
        Ok(MultiSite { params })
    }

    /// The parameters.
    pub fn params(&self) -> &MultiSiteParams {
        &self.params
    }

    /// The active sites: the primary, the standby, then `sites`.
    fn active<'d>(&'d self, d: &'d Deployment) -> Vec<&'d str> {
        [d.primary.as_str(), d.standby.as_str()]
            .into_iter()
            .chain(self.params.sites.iter().map(String::as_str))
            .collect()
    }

    /// The active sites that serve after the disaster: those among the surviving copies, and
    /// always `target` (the copy recovery uses), in the order of [`active`](Self::active).
    fn survivors<'c>(&self, d: &Deployment, target: &'c str, copies: &[SurvivingCopy<'c>]) -> Vec<String> {
        let mut out: Vec<String> = self
            .active(d)
            .into_iter()
            .filter(|s| *s == target || copies.iter().any(|c| c.site == *s))
            .map(str::to_string)
            .collect();
        if !out.iter().any(|s| s == target) {
            // A replica outside the active sites (a scenario's `replicas`) serves alone.
            out = vec![target.to_string()];
        }
        out
    }

    /// Instances `site` must add to carry its even part of the whole load among `n` serving
    /// sites: `ceil(needed / n)` less what it runs.
    fn shortfall(d: &Deployment, steady: &SteadyState, site: &str, n: usize) -> u32 {
        let needed = d.instances_needed();
        let each = needed.div_ceil(n.max(1) as u32);
        each.saturating_sub(steady.running_at(site))
    }
}

impl Strategy for MultiSite {
    fn name(&self) -> &str {
        NAME
    }

    fn steady_state(&self, d: &Deployment) -> Result<SteadyState, StrategyError> {
        let per_site = self.params.instances_per_site(d.instances_needed());
        let active = self.active(d);
        if let Some(s) = self.params.sites.iter().find(|s| **s == d.primary || **s == d.standby) {
            return Err(bad("sites", format!("{s:?}"), "sites other than the deployment's primary and standby"));
        }
        let shares = self.params.shares();
        Ok(SteadyState {
            replication: self.params.replication.clone(),
            capacity: active.iter().map(|s| (s.to_string(), per_site)).collect(),
            traffic: active.iter().zip(shares).map(|(s, w)| (s.to_string(), w)).collect(),
            data_ready: active.iter().map(|s| s.to_string()).collect(),
            // Every active site takes writes: a full database at each.
            database_size: active.iter().map(|s| (s.to_string(), 1.0)).collect(),
        })
    }

    /// A copy at each of `sites` besides the standby's, in `replication`'s mode.
    fn replicas(&self, _d: &Deployment) -> Vec<Replica> {
        self.params
            .sites
            .iter()
            .map(|s| Replica { site: s.clone(), replication: self.params.replication.clone(), strategy: None })
            .collect()
    }

    fn recovery(&self, ctx: &RecoveryContext<'_>) -> Result<Runbook, StrategyError> {
        let d = ctx.deployment;
        // Health checks already took the failed site out: the routing change is immediate,
        // clients follow within one TTL.
        // Every surviving active site serves; traffic splits evenly among them.
        let serving = self.survivors(d, ctx.target, ctx.copies);
        let mut steps = vec![
            Step::new(steps::ROUTE, zero())
                .effect(Effect::RouteTraffic { sites: serving.clone(), ttl: self.params.dns_ttl }),
        ];
        // Each carries its part: an active site has its share of the fleet, a replica elsewhere
        // what the steady state runs there. Auto scaling reacts to the load the rerouted
        // traffic brings.
        for site in &serving {
            let short = Self::shortfall(d, ctx.steady, site, serving.len());
            if short > 0 {
                let name = if site == ctx.target {
                    steps::SCALE_OUT.to_string()
                } else {
                    format!("{} at {site}", steps::SCALE_OUT)
                };
                steps.push(
                    Step::new(name, self.params.launch.clone())
                        .after([steps::ROUTE])
                        .parallel(short)
                        .effect(Effect::AddCapacity { site: site.clone(), instances: 1 }),
                );
            }
        }
        Ok(Runbook::new(steps))
    }

    /// Resync, then route back. The core's routing effect splits traffic evenly among the sites
    /// it names, so the route back names both sites when both weights are non-zero (exact for
    /// the default equal weights; with unequal weights the split after failback is even, not
    /// weighted) and only the one with a non-zero weight otherwise.
    fn failback(&self, ctx: &FailbackContext<'_>) -> Result<Runbook, StrategyError> {
        let d = ctx.deployment;
        let catch_up = ctx.catch_up_secs().ok_or_else(|| StrategyError::CannotCatchUp {
            strategy: NAME.into(),
            write_bytes_per_s: ctx.write_bytes_per_s,
            throughput_bytes_per_s: ctx.reverse_throughput_bytes_per_s,
        })?;
        // Traffic returns to the primary and to the sites that served, those with a weight.
        let serving = self.survivors(d, ctx.serving, ctx.copies);
        let shares = self.params.shares();
        let weight = |site: &str| self.active(d).iter().position(|s| *s == site).map_or(0.0, |i| shares[i]);
        let sites: Vec<String> =
            std::iter::once(d.primary.clone()).chain(serving.iter().cloned()).filter(|s| weight(s) > 0.0).collect();
        // Once the clients have moved, each serving site drops what it added.
        let drain_of = |site: &str| match Self::shortfall(d, ctx.steady, site, serving.len()) {
            0 => Effect::None,
            short => Effect::RemoveCapacity { site: site.to_string(), instances: short },
        };
        let drain = drain_of(ctx.serving);
        let mut others: Vec<Step> = serving
            .iter()
            .filter(|s| *s != ctx.serving)
            .map(|s| {
                Step::new(format!("{} at {s}", steps::SCALE_IN), DurationDistribution::fixed(self.params.dns_ttl))
                    .after([steps::ROUTE_BACK])
                    .effect(drain_of(s))
            })
            .collect();
        let mut all = vec![
            Step::new(steps::RESYNC, DurationDistribution::fixed(SimDuration::from_secs_f64(catch_up))),
            Step::new(steps::DATA_READY, zero())
                .after([steps::RESYNC])
                .effect(Effect::DataReady { site: d.primary.clone() }),
            Step::new(steps::ROUTE_BACK, zero())
                .after([steps::DATA_READY])
                .effect(Effect::RouteTraffic { sites, ttl: self.params.dns_ttl }),
            // Failback ends once the clients have moved, one TTL after the routing change; only
            // then can the survivor drop the instances it added.
            Step::new(steps::SCALE_IN, DurationDistribution::fixed(self.params.dns_ttl))
                .after([steps::ROUTE_BACK])
                .effect(drain),
        ];
        all.append(&mut others);
        Ok(Runbook::new(all))
    }
}
