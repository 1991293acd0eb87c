//! # drsim-warm-standby
//!
//! The *warm standby* disaster-recovery strategy for [drsim](https://example.invalid/drsim),
//! written only against `drsim-core`'s public strategy API, as a third party would.
//!
//! ## The model
//!
//! A scaled-down but fully working copy of production runs at the DR site all the time:
//! `ceil(standby_fraction × instances_needed)` instances, and a database replica fed by
//! continuous replication (asynchronous by default). The replica does not serve until it is
//! promoted. When a disaster is detected, the runbook promotes the database and, in parallel,
//! launches the missing instances; once both are done it switches DNS to the DR site, and the
//! service is back at full level when every client's cached DNS entry has expired (one TTL).
//!
//! This is the strategy of the reference trial in drsim's benchmark specification (2 of 8
//! instances running, 6 launched in LogNormal(median 120 s, σ 0.3), promotion 30 s, DNS TTL
//! 60 s): [`WarmStandbyParams::default`] reproduces it.
//!
//! The AWS whitepaper *Disaster Recovery of Workloads on AWS: Recovery in the Cloud* (2021,
//! "Disaster recovery options in the cloud") puts warm standby's RTO at minutes and its RPO at
//! seconds.
//!
//! ## Recovery runbook
//!
//! ```text
//!  detected ─► [declare] ─┬─► promote database ─────────────┬─► DNS cutover ─► (TTL) ─► 100 %
//!                         └─► launch the missing instances ─┘
//!                             (k units in parallel, +1 instance each)
//! ```
//!
//! `[declare]` appears only when [`WarmStandbyParams::declare`] is not zero (by default the
//! failover is automated: the health checks that detect the disaster start it).
//!
//! ## Failback runbook
//!
//! ```text
//!  reverse replication catches up ─► freeze writes ─► final sync ─► promote primary database
//!      ─► repoint DNS ─┬─► unfreeze writes
//!                      └─► clients drain (one TTL), the standby scales back in
//! ```
//!
//! The freeze covers the final sync, the promotion and the DNS change, so no write made at the
//! DR site is left behind.
//!
//! ## Example
//!
//! ```
//! use drsim_core::engine::{Distribution, DurationDistribution, SimDuration};
//! use drsim_core::model::{FailureTarget, LinkSpec, SiteSpec, Topology, TopologySpec, WorkloadSpec, ZoneSpec};
//! use drsim_core::recovery::{Deployment, Detection};
//! use drsim_core::trial::{DisasterScenario, DisasterSpec, DisasterTrial, Objectives};
//! use drsim_warm_standby::{WarmStandby, WarmStandbyParams};
//!
//! let site = |name: &str, zone: &str| SiteSpec {
//!     name: name.into(),
//!     zone: zone.into(),
//!     instances_running: 0,
//!     instances_needed: 8,
//! };
//! let latency = DurationDistribution::new(Distribution::uniform(0.040, 0.050)?)?;
//! let topology = Topology::new(TopologySpec {
//!     regions: vec!["A".into(), "B".into()],
//!     zones: vec![
//!         ZoneSpec { name: "a1".into(), region: "A".into() },
//!         ZoneSpec { name: "b1".into(), region: "B".into() },
//!     ],
//!     sites: vec![site("P", "a1"), site("S", "b1")],
//!     links: vec![LinkSpec::new("P", "S", latency, 50e6)?],
//! })?;
//! let scenario = DisasterScenario {
//!     deployment: Deployment {
//!         topology,
//!         primary: "P".into(),
//!         standby: "S".into(),
//!         workload: WorkloadSpec::poisson(5.0, Distribution::exponential(65_536.0)?)?,
//!         dataset_bytes: 100e9,
//!         stores: vec![],
//!         tiers: vec![],
//!     },
//!     event: DisasterSpec {
//!         target: FailureTarget::Region("A".into()),
//!         warm_up: SimDuration::from_secs(60),
//!         window: SimDuration::from_secs(60),
//!         repair: DurationDistribution::fixed(SimDuration::from_hours(4)),
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
//! let strategy = WarmStandby::new(WarmStandbyParams::default())?;
//! let outcome = DisasterTrial::new(&scenario, &strategy)?.run(42, 0)?;
//! let rto = outcome.rto.expect("recovered");
//! let rpo = outcome.rpo.expect("the standby survived");
//! println!("RTO {rto}, RPO {rpo}");
//! // Detection (60–90 s) + max(launches, promotion) + the 60 s TTL: minutes.
//! assert!(rto > SimDuration::from_secs(150) && rto < SimDuration::from_mins(20));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![warn(missing_docs)]

use drsim_core::engine::{Distribution, DurationDistribution, SimDuration};
use drsim_core::model::ReplicationSpec;
use drsim_core::recovery::failback::{ReplicationFailback, replication_failback};
use drsim_core::recovery::{
    Deployment, Effect, FailbackContext, RecoveryContext, Runbook, SteadyState, Step, Strategy, StrategyError,
};
use serde::{Deserialize, Serialize};

/// The strategy's name in reports.
pub const NAME: &str = "warm-standby";

/// Step names, so that reports and tests can find the steps.
pub mod steps {
    /// Human declaration of the disaster (only when the declaration takes time).
    pub const DECLARE: &str = "declare disaster";
    /// Promote the database replica at the DR site.
    pub const PROMOTE: &str = "promote database";
    /// Launch the instances the standby lacks.
    pub const LAUNCH: &str = "launch missing instances";
    /// Switch DNS to the DR site.
    pub const DNS: &str = "dns cutover";
    /// Failback: the reverse replication drains what the DR site wrote.
    pub const CATCH_UP: &str = drsim_core::recovery::failback::steps::CATCH_UP;
    /// Failback: writes stop at the DR site.
    pub const FREEZE: &str = drsim_core::recovery::failback::steps::FREEZE;
    /// Failback: the last writes reach the primary.
    pub const FINAL_SYNC: &str = drsim_core::recovery::failback::steps::FINAL_SYNC;
    /// Failback: the primary's database becomes the writer again.
    pub const PROMOTE_PRIMARY: &str = drsim_core::recovery::failback::steps::PROMOTE_PRIMARY;
    /// Failback: DNS points back to the primary.
    pub const REPOINT: &str = drsim_core::recovery::failback::steps::REPOINT;
    /// Failback: writes resume, at the primary.
    pub const UNFREEZE: &str = drsim_core::recovery::failback::steps::UNFREEZE;
    /// Failback: clients drain from the DR site (one TTL), which returns to its standby size.
    pub const SCALE_IN: &str = drsim_core::recovery::failback::steps::SCALE_IN;
}

/// Parameters of [`WarmStandby`].
///
/// Every field has a default taken from published figures (the source is in each field's
/// documentation). In a scenario file every key is optional; durations are human strings or
/// distribution tables:
///
/// ```
/// # use drsim_warm_standby::WarmStandbyParams;
/// let p: WarmStandbyParams = toml::from_str(r#"
///     standby_fraction = 0.5
///     launch = { kind = "lognormal", median = "3m", sigma = 0.4 }
///     dns_ttl = "5m"
/// "#)?;
/// assert_eq!(p.standby_fraction, 0.5);
/// assert_eq!(p.promote, WarmStandbyParams::default().promote);
/// # Ok::<(), toml::de::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct WarmStandbyParams {
    /// How data reaches the standby. Default: asynchronous, as cross-region database replicas
    /// are (Amazon RDS cross-region read replicas and Aurora Global Database both replicate
    /// asynchronously: AWS RDS and Aurora user guides).
    pub replication: ReplicationSpec,
    /// Share of production capacity running at the standby, in (0, 1]; the standby runs
    /// `ceil(standby_fraction × instances_needed)` instances. Default 0.25: the reference
    /// trial's 2 of 8; the AWS DR whitepaper describes warm standby as "a scaled down, but
    /// fully functional, copy of your production environment".
    pub standby_fraction: f64,
    /// Time for a human to declare the disaster once it is detected; `"0s"` (the default) when
    /// the failover is automated, as the whitepaper recommends for warm standby (health-check
    /// alarms trigger the runbook).
    pub declare: DurationDistribution,
    /// Time for one instance to launch and pass its health check. Default LogNormal(median
    /// 120 s, σ 0.3): EC2 instances typically reach `running` within a minute, and with the
    /// application bootstrapped and passing load-balancer health checks 1–3 minutes is the
    /// usual figure in published launch-time measurements; the reference trial uses these
    /// numbers.
    pub launch: DurationDistribution,
    /// Time to promote the database replica to a writer. Default 30 s: Aurora Global Database
    /// promotes a secondary region with an RTO "typically under a minute" (Amazon Aurora user
    /// guide, "Using Amazon Aurora Global Database"); the reference trial uses 30 s.
    pub promote: DurationDistribution,
    /// DNS time to live: the time for every client to move once DNS changes (zero for an
    /// instant router). Default 60 s: for records with a health check Route 53 recommends "a
    /// TTL of 60 seconds or less" (Amazon Route 53 developer guide, "Values specific for
    /// weighted records"); the reference trial's TTL.
    pub dns_ttl: SimDuration,
    /// Fixed part of failback's final sync, on top of one round trip between the sites: the
    /// time to confirm the replica has applied the last write. Default 5 s: Aurora Global
    /// Database reports its replication lag (`rpo_lag_in_msec` of `aurora_global_db_status`)
    /// in milliseconds to about a second; 5 s leaves room for the check itself.
    pub final_sync: SimDuration,
}

impl Default for WarmStandbyParams {
    fn default() -> Self {
        WarmStandbyParams {
            replication: ReplicationSpec::Asynchronous,
            standby_fraction: 0.25,
            declare: DurationDistribution::fixed(SimDuration::ZERO),
            launch: lognormal(120.0, 0.3),
            promote: DurationDistribution::fixed(SimDuration::from_secs(30)),
            dns_ttl: SimDuration::from_secs(60),
            final_sync: SimDuration::from_secs(5),
        }
    }
}

fn lognormal(median_secs: f64, sigma: f64) -> DurationDistribution {
    Distribution::lognormal(median_secs, sigma)
        .and_then(DurationDistribution::new)
        .expect("the default lognormal parameters are valid")
}

fn bad(field: &'static str, value: String, allowed: &'static str) -> StrategyError {
    StrategyError::BadParameter { strategy: NAME.into(), field, value, allowed }
}

fn check_duration(field: &'static str, d: &DurationDistribution) -> Result<(), StrategyError> {
    match d.mean_secs() {
        Some(m) if m.is_finite() => Ok(()),
        _ => Err(bad(field, format!("{:?}", d.inner()), "a duration distribution with a finite mean")),
    }
}

/// Whether a step of this duration can be left out: it always takes no time.
fn always_zero(d: &DurationDistribution) -> bool {
    d.inner().is_deterministic() && d.mean_secs() == Some(0.0)
}

impl WarmStandbyParams {
    /// Checks every parameter; the error names the field, its value and what is allowed.
    pub fn validate(&self) -> Result<(), StrategyError> {
        if !(self.standby_fraction > 0.0 && self.standby_fraction <= 1.0) {
            return Err(bad("standby_fraction", self.standby_fraction.to_string(), "in (0, 1]"));
        }
        check_duration("declare", &self.declare)?;
        check_duration("launch", &self.launch)?;
        check_duration("promote", &self.promote)?;
        if let ReplicationSpec::Snapshot(_) = self.replication {
            return Err(bad(
                "replication",
                "snapshot".into(),
                "asynchronous or synchronous: a warm standby's database is a live replica",
            ));
        }
        Ok(())
    }

    /// Instances running at the standby when production needs `needed`: at least one (a warm
    /// standby is fully working), at most `needed`.
    pub fn standby_instances(&self, needed: u32) -> u32 {
        // The small slack keeps 0.3 × 10 (= 3.0000000000000004 in floating point) at 3.
        let n = (self.standby_fraction * f64::from(needed) - 1e-9).ceil();
        (n.max(1.0) as u32).min(needed.max(1))
    }
}

/// Warm standby: a scaled-down copy always running, scaled up on disaster.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct WarmStandby {
    params: WarmStandbyParams,
}

impl WarmStandby {
    /// The strategy with these parameters, once they are checked.
    pub fn new(params: WarmStandbyParams) -> Result<Self, StrategyError> {
        params.validate()?;
        Ok(WarmStandby { params })
    }

    /// The parameters.
    pub fn params(&self) -> &WarmStandbyParams {
        &self.params
    }
}

impl Strategy for WarmStandby {
    fn name(&self) -> &str {
        NAME
    }

    fn steady_state(&self, d: &Deployment) -> Result<SteadyState, StrategyError> {
        let needed = d.instances_needed();
        Ok(SteadyState {
            replication: self.params.replication.clone(),
            capacity: vec![(d.primary.clone(), needed), (d.standby.clone(), self.params.standby_instances(needed))],
            traffic: vec![(d.primary.clone(), 1.0), (d.standby.clone(), 0.0)],
            // The replica is read-only until promoted.
            data_ready: vec![d.primary.clone()],
            // At production size: recovery promotes it without scaling it up.
            database_size: vec![(d.primary.clone(), 1.0), (d.standby.clone(), 1.0)],
        })
    }

    fn recovery(&self, ctx: &RecoveryContext<'_>) -> Result<Runbook, StrategyError> {
        let p = &self.params;
        let standby = ctx.target;
        let missing = ctx.deployment.instances_needed().saturating_sub(ctx.steady.running_at(standby));
        let mut steps = vec![];
        let mut start = vec![];
        if !always_zero(&p.declare) {
            steps.push(Step::new(steps::DECLARE, p.declare.clone()));
            start.push(steps::DECLARE);
        }
        let mut before_dns = vec![steps::PROMOTE];
        if missing > 0 {
            steps.push(
                Step::new(steps::LAUNCH, p.launch.clone())
                    .after(start.iter().copied())
                    .parallel(missing)
                    .effect(Effect::AddCapacity { site: standby.to_string(), instances: 1 }),
            );
            before_dns.push(steps::LAUNCH);
        }
        steps.push(
            Step::new(steps::PROMOTE, p.promote.clone())
                .after(start.iter().copied())
                .effect(Effect::DataReady { site: standby.to_string() }),
        );
        steps.push(
            Step::new(steps::DNS, DurationDistribution::fixed(SimDuration::ZERO))
                .after(before_dns)
                .effect(Effect::RouteTraffic { sites: vec![standby.to_string()], ttl: p.dns_ttl }),
        );
        Ok(Runbook::new(steps))
    }

    fn failback(&self, ctx: &FailbackContext<'_>) -> Result<Runbook, StrategyError> {
        let p = &self.params;
        replication_failback(
            ctx,
            &ReplicationFailback {
                strategy: NAME.into(),
                promote: p.promote.clone(),
                final_sync: p.final_sync,
                dns_ttl: p.dns_ttl,
            },
        )
    }
}
