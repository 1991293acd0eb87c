//! # drsim-backup-restore
//!
//! The *backup & restore* disaster-recovery strategy for [drsim](https://example.invalid/drsim),
//! written only against `drsim-core`'s public strategy API, as a third party would.
//!
//! ## The model
//!
//! Nothing runs at the DR site. Backups are taken every [`backup_interval`] and copied over the
//! link from the primary to the DR site, where they are kept under a retention policy; a backup
//! becomes a recovery point only when its copy has completed, and a backup job may fail
//! ([`ReplicationSpec::Snapshot`]). The data lost in a disaster is therefore everything written
//! since the newest backup whose copy had completed: up to the interval plus the copy time.
//!
//! When a disaster is detected, someone declares it, the environment is provisioned from
//! templates (infrastructure as code), and then, in parallel, the newest usable backup is
//! restored (a fixed overhead plus `dataset_bytes / restore_throughput_bytes_per_s`) and the
//! production instances are launched. DNS then moves users to the DR site.
//!
//! The AWS whitepaper *Disaster Recovery of Workloads on AWS: Recovery in the Cloud* (2021,
//! "Disaster recovery options in the cloud") puts backup & restore's RTO and RPO in hours.
//!
//! [`backup_interval`]: BackupRestoreParams::backup_interval
//!
//! ## Recovery runbook
//!
//! ```text
//!  detected ─► [declare] ─► provision from templates ─┬─► restore newest backup ─┬─► DNS cutover ─► (TTL) ─► 100 %
//!                                                     └─► launch N instances ────┘
//!                                                         (N units in parallel, +1 instance each)
//! ```
//!
//! `[declare]` appears only when [`BackupRestoreParams::declare`] is not zero.
//!
//! ## Failback runbook
//!
//! ```text
//!  freeze writes ─► back up the DR site ─► restore it to the primary ─► repoint users ─┬─► unfreeze writes
//!                                                                                      └─► clients drain (one TTL),
//!                                                                                          the DR site scales in
//! ```
//!
//! Writes stay frozen from before the backup of the DR site until users point at the restored
//! primary, so nothing written at the DR site is left behind — at the price of a freeze as long
//! as a backup plus a restore of everything the primary lacks.
//!
//! ## Example
//!
//! ```
//! use drsim_core::engine::{Distribution, DurationDistribution, SimDuration};
//! use drsim_core::model::{FailureTarget, LinkSpec, SiteSpec, Topology, TopologySpec, WorkloadSpec, ZoneSpec};
//! use drsim_core::recovery::{Deployment, Detection};
//! use drsim_core::trial::{DisasterScenario, DisasterSpec, DisasterTrial, Objectives};
//! use drsim_backup_restore::{BackupRestore, BackupRestoreParams};
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
//!         workload: WorkloadSpec::poisson(1.0, Distribution::exponential(262_144.0)?)?,
//!         dataset_bytes: 200e9,
//!         stores: vec![],
//!         tiers: vec![],
//!     },
//!     event: DisasterSpec {
//!         target: FailureTarget::Region("A".into()),
//!         // Hourly backups: warm up past the first copy, so the schedule is at a random phase.
//!         warm_up: SimDuration::from_hours(2),
//!         window: SimDuration::from_hours(1),
//!         repair: DurationDistribution::fixed(SimDuration::from_days(1)),
//!         primary_data_survives: false,
//!     },
//!     mix: vec![],
//!     detection: Detection::default(),
//!     service_level: 1.0,
//!     objectives: Objectives::default(),
//!     faults: vec![],
//!     horizon: SimDuration::from_days(7),
//! };
//!
//! let params = BackupRestoreParams { backup_interval: SimDuration::from_hours(1), ..Default::default() };
//! let strategy = BackupRestore::new(params)?;
//! let outcome = DisasterTrial::new(&scenario, &strategy)?.run(42, 0)?;
//! let rto = outcome.rto.expect("recovered");
//! let rpo = outcome.rpo.expect("the standby survived");
//! println!("RTO {rto}, RPO {rpo}");
//! // Declaration, provisioning and a 200 GB restore: hours, not minutes.
//! assert!(rto > SimDuration::from_mins(30));
//! assert!(rpo <= SimDuration::from_mins(70)); // the interval plus the copy time
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![warn(missing_docs)]

use drsim_core::engine::{Distribution, DurationDistribution, SimDuration};
use drsim_core::model::replication::Retention;
use drsim_core::model::{ReplicationSpec, SnapshotKind, SnapshotSpec};
use drsim_core::recovery::{
    Deployment, Effect, FailbackContext, RecoveryContext, Runbook, SteadyState, Step, Strategy, StrategyError,
};
use serde::{Deserialize, Serialize};

/// The strategy's name in reports.
pub const NAME: &str = "backup-restore";

/// Step names, so that reports and tests can find the steps.
pub mod steps {
    /// Human declaration of the disaster (only when the declaration takes time).
    pub const DECLARE: &str = "declare disaster";
    /// Provision the DR environment from templates.
    pub const PROVISION: &str = "provision from templates";
    /// Restore the newest usable backup.
    pub const RESTORE: &str = "restore newest backup";
    /// Launch the production instances.
    pub const LAUNCH: &str = "launch instances";
    /// Switch DNS to the DR site.
    pub const DNS: &str = "dns cutover";
    /// Failback: writes stop at the DR site.
    pub const FREEZE: &str = "freeze writes";
    /// Failback: back up the DR site.
    pub const BACKUP_DR: &str = "back up dr site";
    /// Failback: restore that backup to the primary.
    pub const RESTORE_PRIMARY: &str = "restore to primary";
    /// Failback: users point at the primary again.
    pub const REPOINT: &str = "repoint users";
    /// Failback: writes resume, at the primary.
    pub const UNFREEZE: &str = "unfreeze writes";
    /// Failback: clients drain from the DR site (one TTL), whose instances then go.
    pub const SCALE_IN: &str = "drain and scale dr site in";
}

/// What each backup copies.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BackupKind {
    /// Only what changed since the last successful backup (EBS snapshots, AWS Backup and RDS
    /// snapshots after the first are incremental).
    #[default]
    Incremental,
    /// The whole data set (`dataset_bytes`) every time.
    Full,
}

/// Parameters of [`BackupRestore`].
///
/// Every field has a default from published figures or, where none exists, a stated estimate
/// (the source is in each field's documentation). In a scenario file every key is optional:
///
/// ```
/// # use drsim_backup_restore::{BackupKind, BackupRestoreParams};
/// let p: BackupRestoreParams = toml::from_str(r#"
///     backup_interval = "4h"
///     backup_kind = "full"
///     retention = { keep_newest = 30 }
///     restore_throughput_bytes_per_s = 400e6
/// "#)?;
/// assert_eq!(p.backup_kind, BackupKind::Full);
/// # Ok::<(), toml::de::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct BackupRestoreParams {
    /// Time between backup jobs. Default 24 h: the daily backup rule of AWS Backup's default
    /// plans ("Daily-35day-Retention"), and the whitepaper's "RPO in hours".
    pub backup_interval: SimDuration,
    /// Incremental (default, as EBS and RDS snapshots are) or full backups.
    pub backup_kind: BackupKind,
    /// Which copies are kept (storage only: recovery always restores the newest). Default 35
    /// days, the retention of AWS Backup's default daily plan and the most RDS automated backups
    /// keep.
    pub retention: Retention,
    /// Probability that a backup job fails and produces nothing, in [0, 1). Default 0: no
    /// published failure rate is reliable enough to default to; set it from your own job history
    /// (AWS Backup reports each job's state).
    pub backup_failure_probability: f64,
    /// Time to declare the disaster once it is detected. Default LogNormal(median 30 min, σ 0.5),
    /// an estimate rather than a published figure: paging the on-call engineer, confirming the
    /// outage and getting the go-ahead for a full restore typically takes tens of minutes.
    /// `"0s"` leaves the step out.
    pub declare: DurationDistribution,
    /// Time to provision the DR environment from templates (network, load balancer, auto
    /// scaling group, empty database instance). Default LogNormal(median 10 min, σ 0.4), an
    /// estimate: CloudFormation or Terraform stacks of this kind take 5–15 minutes in published
    /// walkthroughs, load balancers and database instances being the slow parts.
    pub provision: DurationDistribution,
    /// Restore throughput in bytes per second. Default 200 MB/s: Amazon S3's performance
    /// guidelines plan "one concurrent request for each 85–90 MB/s of desired network
    /// throughput" (Amazon S3 user guide, "Performance guidelines for Amazon S3"), and restore
    /// tools run a few streams.
    pub restore_throughput_bytes_per_s: f64,
    /// Fixed part of a restore, before and after the bytes move (creating the target instance,
    /// opening and checking the database). Default LogNormal(median 10 min, σ 0.5), an estimate:
    /// an RDS restore from a snapshot creates a new DB instance, which alone takes minutes.
    pub restore_overhead: DurationDistribution,
    /// Time for one instance to launch and pass its health check. Default LogNormal(median
    /// 120 s, σ 0.3): EC2 instances typically reach `running` within a minute, and 1–3 minutes
    /// with the application bootstrapped is the usual figure in published measurements.
    pub launch: DurationDistribution,
    /// DNS time to live: the time for every client to move once DNS changes. Default 60 s: for
    /// records with a health check Route 53 recommends "a TTL of 60 seconds or less" (Amazon
    /// Route 53 developer guide, "Values specific for weighted records").
    pub dns_ttl: SimDuration,
    /// Throughput of the backup of the DR site taken during failback, in bytes per second.
    /// Default 200 MB/s, as for restores.
    pub backup_throughput_bytes_per_s: f64,
}

impl Default for BackupRestoreParams {
    fn default() -> Self {
        BackupRestoreParams {
            backup_interval: SimDuration::from_hours(24),
            backup_kind: BackupKind::Incremental,
            retention: Retention { keep_newest: None, max_age: Some(SimDuration::from_days(35)) },
            backup_failure_probability: 0.0,
            declare: lognormal(1800.0, 0.5),
            provision: lognormal(600.0, 0.4),
            restore_throughput_bytes_per_s: 200e6,
            restore_overhead: lognormal(600.0, 0.5),
            launch: lognormal(120.0, 0.3),
            dns_ttl: SimDuration::from_secs(60),
            backup_throughput_bytes_per_s: 200e6,
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

fn check_throughput(field: &'static str, v: f64) -> Result<(), StrategyError> {
    if v.is_finite() && v > 0.0 { Ok(()) } else { Err(bad(field, v.to_string(), "finite and > 0 bytes per second")) }
}

/// Whether a step of this duration can be left out: it always takes no time.
fn always_zero(d: &DurationDistribution) -> bool {
    d.inner().is_deterministic() && d.mean_secs() == Some(0.0)
}

fn zero() -> DurationDistribution {
    DurationDistribution::fixed(SimDuration::ZERO)
}

impl BackupRestoreParams {
    /// Checks every parameter; the error names the field, its value and what is allowed.
    pub fn validate(&self) -> Result<(), StrategyError> {
        if self.backup_interval.is_zero() {
            return Err(bad("backup_interval", self.backup_interval.to_string(), "> 0"));
        }
        if self.retention.keep_newest == Some(0) {
            return Err(bad("retention.keep_newest", "0".into(), ">= 1: a copy must be kept to restore"));
        }
        if !(0.0..1.0).contains(&self.backup_failure_probability) {
            return Err(bad("backup_failure_probability", self.backup_failure_probability.to_string(), "in [0, 1)"));
        }
        check_duration("declare", &self.declare)?;
        check_duration("provision", &self.provision)?;
        check_duration("restore_overhead", &self.restore_overhead)?;
        check_duration("launch", &self.launch)?;
        check_throughput("restore_throughput_bytes_per_s", self.restore_throughput_bytes_per_s)?;
        check_throughput("backup_throughput_bytes_per_s", self.backup_throughput_bytes_per_s)?;
        Ok(())
    }
}

/// Backup & restore: backups shipped to the DR site, everything rebuilt on disaster.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct BackupRestore {
    params: BackupRestoreParams,
}

impl BackupRestore {
    /// The strategy with these parameters, once they are checked.
    pub fn new(params: BackupRestoreParams) -> Result<Self, StrategyError> {
        params.validate()?;
        Ok(BackupRestore { params })
    }

    /// The parameters.
    pub fn params(&self) -> &BackupRestoreParams {
        &self.params
    }
}

impl Strategy for BackupRestore {
    fn name(&self) -> &str {
        NAME
    }

    fn steady_state(&self, d: &Deployment) -> Result<SteadyState, StrategyError> {
        if !(d.dataset_bytes.is_finite() && d.dataset_bytes >= 0.0) {
            return Err(StrategyError::Deployment {
                strategy: NAME.into(),
                problem: format!(
                    "dataset_bytes = {} must be finite and >= 0 (it is what a restore moves)",
                    d.dataset_bytes
                ),
            });
        }
        let p = &self.params;
        let size = match p.backup_kind {
            BackupKind::Incremental => SnapshotKind::Incremental,
            BackupKind::Full => SnapshotKind::Full { size_bytes: d.dataset_bytes },
        };
        Ok(SteadyState {
            replication: ReplicationSpec::Snapshot(SnapshotSpec {
                interval: p.backup_interval,
                // A random phase: disasters meet the schedule anywhere in the interval.
                phase: None,
                size,
                retention: p.retention.clone(),
                failure_probability: p.backup_failure_probability,
                vault: Default::default(),
            }),
            capacity: vec![(d.primary.clone(), d.instances_needed()), (d.standby.clone(), 0)],
            traffic: vec![(d.primary.clone(), 1.0), (d.standby.clone(), 0.0)],
            data_ready: vec![d.primary.clone()],
            // Nothing runs at the DR site: it holds backups; recovery restores the database.
            database_size: vec![(d.primary.clone(), 1.0), (d.standby.clone(), 0.0)],
        })
    }

    fn recovery(&self, ctx: &RecoveryContext<'_>) -> Result<Runbook, StrategyError> {
        let p = &self.params;
        let d = ctx.deployment;
        let mut steps = vec![];
        let mut provision = Step::new(steps::PROVISION, p.provision.clone());
        if !always_zero(&p.declare) {
            steps.push(Step::new(steps::DECLARE, p.declare.clone()));
            provision = provision.after([steps::DECLARE]);
        }
        steps.push(provision);
        steps.push(
            Step::new(steps::RESTORE, p.restore_overhead.clone())
                .after([steps::PROVISION])
                .transfer(d.dataset_bytes, p.restore_throughput_bytes_per_s)
                .effect(Effect::DataReady { site: ctx.target.to_string() }),
        );
        steps.push(
            Step::new(steps::LAUNCH, p.launch.clone())
                .after([steps::PROVISION])
                .parallel(d.instances_needed())
                .effect(Effect::AddCapacity { site: ctx.target.to_string(), instances: 1 }),
        );
        steps.push(
            Step::new(steps::DNS, zero())
                .after([steps::RESTORE, steps::LAUNCH])
                .effect(Effect::RouteTraffic { sites: vec![ctx.target.to_string()], ttl: p.dns_ttl }),
        );
        Ok(Runbook::new(steps))
    }

    fn failback(&self, ctx: &FailbackContext<'_>) -> Result<Runbook, StrategyError> {
        let p = &self.params;
        let d = ctx.deployment;
        let bytes = ctx.bytes_to_resync;
        // The backup sits in the DR region: restoring it to the primary pulls it across the
        // link, so the slower of the restore and the link sets the pace.
        let restore_throughput = p.restore_throughput_bytes_per_s.min(ctx.reverse_throughput_bytes_per_s);
        let launched = d.instances_needed();
        Ok(Runbook::new(vec![
            Step::new(steps::FREEZE, zero()).effect(Effect::FreezeWrites),
            Step::new(steps::BACKUP_DR, zero()).after([steps::FREEZE]).transfer(bytes, p.backup_throughput_bytes_per_s),
            Step::new(steps::RESTORE_PRIMARY, p.restore_overhead.clone())
                .after([steps::BACKUP_DR])
                .transfer(bytes, restore_throughput)
                .effect(Effect::DataReady { site: d.primary.clone() }),
            Step::new(steps::REPOINT, zero())
                .after([steps::RESTORE_PRIMARY])
                .effect(Effect::RouteTraffic { sites: vec![d.primary.clone()], ttl: p.dns_ttl }),
            // The primary takes writes from here on; clients still on the DR site's address
            // until their entry expires reach a read-only copy, not a second writer.
            Step::new(steps::UNFREEZE, zero()).after([steps::REPOINT]).effect(Effect::UnfreezeWrites),
            // Failback ends once the clients have moved home, one TTL after the repoint; only
            // then can the instances that served them go.
            Step::new(steps::SCALE_IN, DurationDistribution::fixed(p.dns_ttl))
                .after([steps::REPOINT])
                .effect(Effect::RemoveCapacity { site: ctx.serving.to_string(), instances: launched }),
        ]))
    }
}
