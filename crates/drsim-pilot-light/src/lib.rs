//! # drsim-pilot-light
//!
//! The *pilot light* disaster-recovery strategy for [drsim](https://example.invalid/drsim),
//! written only against `drsim-core`'s public strategy API, as a third party would.
//!
//! ## The model
//!
//! The data tier is live at the DR site: a small database replica fed by continuous replication
//! (asynchronous by default), which must be promoted before it takes writes. The compute tier
//! is kept as images (templates), not running ([`running_instances`], default 0). When a
//! disaster is detected, someone declares it; then, in parallel:
//!
//! - the web tier scales out: every production instance starts from its image; an image that
//!   has aged may need patching before it serves;
//! - the database replica is promoted, then scaled up (vertically) to production size, and, once
//!   it is promoted, DNS moves users to the DR site (in parallel with the scale-out).
//!
//! The service is back at full level when the instances are up (and patched), the database is
//! at production size and every client has followed DNS (one TTL after the change).
//!
//! **Patching.** Whether the images need patching is a property of the disaster, not of each
//! instance: with probability `min(1, image_age in days × patch_probability_per_day)` every
//! instance needs the patch run, which starts once all of them are up (a fleet-wide patch
//! baseline run). The core gives a strategy no random stream of its own when it builds a
//! runbook, so the draw is a hash of the disaster instant: deterministic for a trial, uniform
//! across trials, and the same for every strategy facing the same disaster (common random
//! numbers). See [`PilotLight::needs_patch`].
//!
//! The AWS whitepaper *Disaster Recovery of Workloads on AWS: Recovery in the Cloud* (2021,
//! "Disaster recovery options in the cloud") puts pilot light's RTO and RPO in tens of minutes
//! (RPO: seconds to minutes with continuous replication).
//!
//! [`running_instances`]: PilotLightParams::running_instances
//!
//! ## Recovery runbook
//!
//! ```text
//!  detected ─► [declare] ─┬─► start k instances from images ─► [patch k instances] ────────────────┐
//!                         │   (k units in parallel)             (+1 instance per unit)             │
//!                         └─► promote database ─┬─► scale database up (data ready) ────────────────┼─► 100 %
//!                                               └─► DNS cutover ─► (TTL) ──────────────────────────┘
//! ```
//!
//! `[declare]` appears only when [`PilotLightParams::declare`] is not zero; `[patch]` only when
//! this disaster's images need it (the instances then count once patched).
//!
//! ## Failback runbook
//!
//! ```text
//!  reverse replication catches up ─► freeze writes ─► final sync ─► promote primary database
//!      ─► repoint DNS ─┬─► unfreeze writes
//!                      └─► clients drain (one TTL), the DR site scales back in
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
//! use drsim_pilot_light::{PilotLight, PilotLightParams};
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
//!     detection: Detection::default(),
//!     service_level: 1.0,
//!     objectives: Objectives::default(),
//!     faults: vec![],
//!     horizon: SimDuration::from_days(2),
//! };
//!
//! let strategy = PilotLight::new(PilotLightParams::default())?;
//! let outcome = DisasterTrial::new(&scenario, &strategy)?.run(42, 0)?;
//! let rto = outcome.rto.expect("recovered");
//! let rpo = outcome.rpo.expect("the standby survived");
//! println!("RTO {rto}, RPO {rpo}");
//! // Declaration, promotion and a vertical scale-up of the database: tens of minutes.
//! assert!(rto > SimDuration::from_mins(5) && rto < SimDuration::from_hours(2));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![warn(missing_docs)]

use drsim_core::engine::{Distribution, DurationDistribution, SimDuration, SimTime};
use drsim_core::model::ReplicationSpec;
use drsim_core::recovery::failback::{ReplicationFailback, replication_failback};
use drsim_core::recovery::{
    Deployment, Effect, FailbackContext, RecoveryContext, Runbook, SteadyState, Step, Strategy, StrategyError,
};
use serde::{Deserialize, Serialize};

/// The strategy's name in reports.
pub const NAME: &str = "pilot-light";

/// Step names, so that reports and tests can find the steps.
pub mod steps {
    /// Human declaration of the disaster (only when the declaration takes time).
    pub const DECLARE: &str = "declare disaster";
    /// Start the web tier from its images.
    pub const LAUNCH: &str = "start instances from images";
    /// Patch the instances started from stale images (only when needed).
    pub const PATCH: &str = "patch instances";
    /// Promote the database replica at the DR site.
    pub const PROMOTE: &str = "promote database";
    /// Scale the promoted database up to production size.
    pub const SCALE_DB: &str = "scale database up";
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
    /// Failback: clients drain from the DR site (one TTL), whose instances then go.
    pub const SCALE_IN: &str = drsim_core::recovery::failback::steps::SCALE_IN;
}

/// Parameters of [`PilotLight`].
///
/// Every field has a default from published figures or, where none exists, a stated estimate
/// (the source is in each field's documentation). In a scenario file every key is optional:
///
/// ```
/// # use drsim_pilot_light::PilotLightParams;
/// let p: PilotLightParams = toml::from_str(r#"
///     image_age = "30d"
///     patch_probability_per_day = 0.02
///     db_scale_up = { kind = "lognormal", median = "15m", sigma = 0.5 }
/// "#)?;
/// assert!((p.patch_probability() - 0.6).abs() < 1e-12);
/// # Ok::<(), toml::de::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PilotLightParams {
    /// How data reaches the DR site. Default: asynchronous, as cross-region database replicas
    /// are (Amazon RDS cross-region read replicas and Aurora Global Database both replicate
    /// asynchronously: AWS RDS and Aurora user guides).
    pub replication: ReplicationSpec,
    /// Web-tier instances kept running at the DR site. Default 0: in a pilot light only the
    /// data tier runs ("the pilot light"); the compute is images.
    pub running_instances: u32,
    /// Size of the database replica kept running at the DR site, as a fraction of the
    /// production database (in (0, 1]; the runbook scales it up to production size). Default
    /// 0.25: an r5.large replica of an r5.2xlarge production database (Amazon EC2 On-Demand
    /// Pricing, us-east-1: 0.126 and 0.504 USD/h). The AWS whitepaper's pilot light keeps "the
    /// core pieces" — the data tier — running, and it runs on instances: "we set up Amazon EC2
    /// instances to replicate or mirror our data". It is priced by `[cost]
    /// database_running_usd_per_hour` × this size (`docs/cost-model.md`).
    pub database_replica_size: f64,
    /// Time to declare the disaster once it is detected. Default LogNormal(median 10 min,
    /// σ 0.5), an estimate rather than a published figure: paging the on-call engineer and
    /// confirming a regional outage before starting the runbook. `"0s"` leaves the step out.
    pub declare: DurationDistribution,
    /// Time for one instance to start from its image and pass its health check. Default
    /// LogNormal(median 120 s, σ 0.3): EC2 instances typically reach `running` within a minute,
    /// and 1–3 minutes with the application bootstrapped is the usual figure in published
    /// measurements.
    pub launch: DurationDistribution,
    /// Age of the images at the disaster. Default 7 days: a weekly image rebuild (EC2 Image
    /// Builder pipelines run on a schedule; weekly is a common choice).
    pub image_age: SimDuration,
    /// Probability, per day of image age, that the images need patching before they serve.
    /// Default 0.03 ≈ 1/30: vendors publish security updates at least monthly (Microsoft's
    /// monthly "Patch Tuesday"; Linux distributions more often), so an image a month old
    /// almost surely lacks one.
    pub patch_probability_per_day: f64,
    /// Time to patch the instances once they are up, when needed (all in parallel; one unit
    /// per instance). Default LogNormal(median 10 min, σ 0.5), an estimate: installing a
    /// month's security updates and restarting the service.
    pub patch: DurationDistribution,
    /// Time to promote the database replica to a writer. Default LogNormal(median 5 min,
    /// σ 0.5): "the promotion process can take several minutes or longer to complete,
    /// depending on the size of the read replica" (Amazon RDS user guide, "Promoting a read
    /// replica to be a standalone DB instance").
    pub promote: DurationDistribution,
    /// Time to scale the promoted database up to production size (a change of instance
    /// class). Default LogNormal(median 10 min, σ 0.5), an estimate: RDS applies a class change
    /// by replacing the instance, which takes minutes to tens of minutes.
    pub db_scale_up: DurationDistribution,
    /// DNS time to live: the time for every client to move once DNS changes. Default 60 s: for
    /// records with a health check Route 53 recommends "a TTL of 60 seconds or less" (Amazon
    /// Route 53 developer guide, "Values specific for weighted records").
    pub dns_ttl: SimDuration,
    /// Fixed part of failback's final sync, on top of one round trip between the sites: the
    /// time to confirm the replica has applied the last write. Default 5 s: replication lag of
    /// cross-region replicas is reported in milliseconds to seconds (RDS `ReplicaLag`, Aurora
    /// `rpo_lag_in_msec`); 5 s leaves room for the check itself.
    pub final_sync: SimDuration,
}

impl Default for PilotLightParams {
    fn default() -> Self {
        PilotLightParams {
            replication: ReplicationSpec::Asynchronous,
            running_instances: 0,
            database_replica_size: 0.25,
            declare: lognormal(600.0, 0.5),
            launch: lognormal(120.0, 0.3),
            image_age: SimDuration::from_days(7),
            patch_probability_per_day: 0.03,
            patch: lognormal(600.0, 0.5),
            promote: lognormal(300.0, 0.5),
            db_scale_up: lognormal(600.0, 0.5),
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

fn zero() -> DurationDistribution {
    DurationDistribution::fixed(SimDuration::ZERO)
}

impl PilotLightParams {
    /// Checks every parameter; the error names the field, its value and what is allowed.
    pub fn validate(&self) -> Result<(), StrategyError> {
        if let ReplicationSpec::Snapshot(_) = self.replication {
            return Err(bad(
                "replication",
                "snapshot".into(),
                "asynchronous or synchronous: a pilot light's database is a live replica",
            ));
        }
        if !(self.database_replica_size.is_finite()
            && self.database_replica_size > 0.0
            && self.database_replica_size <= 1.0)
        {
            return Err(bad(
                "database_replica_size",
                self.database_replica_size.to_string(),
                "in (0, 1]: a fraction of the production database (a pilot light's replica runs; it is scaled up on recovery)",
            ));
        }
        if !(self.patch_probability_per_day.is_finite() && self.patch_probability_per_day >= 0.0) {
            return Err(bad(
                "patch_probability_per_day",
                self.patch_probability_per_day.to_string(),
                "finite and >= 0",
            ));
        }
        check_duration("declare", &self.declare)?;
        check_duration("launch", &self.launch)?;
        check_duration("patch", &self.patch)?;
        check_duration("promote", &self.promote)?;
        check_duration("db_scale_up", &self.db_scale_up)?;
        Ok(())
    }

    /// Probability that a disaster finds the images needing a patch:
    /// `min(1, image_age in days × patch_probability_per_day)`.
    pub fn patch_probability(&self) -> f64 {
        (self.image_age.as_secs_f64() / 86_400.0 * self.patch_probability_per_day).min(1.0)
    }
}

/// Pilot light: live data replica, compute as images, started on disaster.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PilotLight {
    params: PilotLightParams,
}

/// SplitMix64's finalizer: a bijective mixer, so nearby instants give unrelated draws.
fn mix64(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

impl PilotLight {
    /// The strategy with these parameters, once they are checked.
    pub fn new(params: PilotLightParams) -> Result<Self, StrategyError> {
        params.validate()?;
        Ok(PilotLight { params })
    }

    /// The parameters.
    pub fn params(&self) -> &PilotLightParams {
        &self.params
    }

    /// Whether a disaster at `disaster_at` finds the images needing a patch: a Bernoulli draw
    /// of [`PilotLightParams::patch_probability`] from a hash of the instant (the core gives
    /// `recovery` no random stream). The same disaster always gets the same answer, so a
    /// restarted recovery patches again exactly when the first attempt did.
    pub fn needs_patch(&self, disaster_at: SimTime) -> bool {
        let p = self.params.patch_probability();
        if p <= 0.0 {
            return false;
        }
        // A fixed salt keeps this draw apart from any other use of the same instant.
        let u = (mix64(disaster_at.as_nanos() ^ 0x7069_6C6F_742D_6C74) >> 11) as f64 / (1u64 << 53) as f64;
        u < p
    }
}

impl Strategy for PilotLight {
    fn name(&self) -> &str {
        NAME
    }

    fn steady_state(&self, d: &Deployment) -> Result<SteadyState, StrategyError> {
        let needed = d.instances_needed();
        Ok(SteadyState {
            replication: self.params.replication.clone(),
            capacity: vec![(d.primary.clone(), needed), (d.standby.clone(), self.params.running_instances.min(needed))],
            traffic: vec![(d.primary.clone(), 1.0), (d.standby.clone(), 0.0)],
            // The replica is read-only (and small) until promoted and scaled up.
            data_ready: vec![d.primary.clone()],
            database_size: vec![(d.primary.clone(), 1.0), (d.standby.clone(), self.params.database_replica_size)],
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
        if missing > 0 {
            let add = Effect::AddCapacity { site: standby.to_string(), instances: 1 };
            let launch = Step::new(steps::LAUNCH, p.launch.clone()).after(start.iter().copied()).parallel(missing);
            if self.needs_patch(ctx.disaster_at) && !always_zero(&p.patch) {
                // An unpatched instance does not serve: capacity counts once the patch is in.
                steps.push(launch);
                steps.push(
                    Step::new(steps::PATCH, p.patch.clone()).after([steps::LAUNCH]).parallel(missing).effect(add),
                );
            } else {
                steps.push(launch.effect(add));
            }
        }
        steps.push(Step::new(steps::PROMOTE, p.promote.clone()).after(start.iter().copied()));
        // A promoted replica still on its pilot-light instance class would fall over under full
        // load: the data tier counts as ready at production size.
        steps.push(
            Step::new(steps::SCALE_DB, p.db_scale_up.clone())
                .after([steps::PROMOTE])
                .effect(Effect::DataReady { site: standby.to_string() }),
        );
        steps.push(
            Step::new(steps::DNS, zero())
                .after([steps::PROMOTE])
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
