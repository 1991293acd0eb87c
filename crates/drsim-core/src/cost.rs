//! Cost and business impact: choose a strategy by money, not only by minutes.
//!
//! Three figures per strategy, all in US dollars:
//!
//! - **Running cost per month** ([`monthly_running_cost`]): from the strategy's
//!   [`SteadyState`]: running instances and the database tier at every site, the rest of
//!   production capacity kept as images at the standby, storage (the primary's data set, the
//!   live replica or the retained backups), data transfer of the replication, and fixed items
//!   (DNS, health checks).
//! - **Loss per disaster** ([`business_impact`] + [`recovery_cost`]): downtime (the RTO, or the
//!   trial's horizon when the service never came back) priced per hour with an optional linear
//!   rise and step, data lost priced per hour of RPO and per GB, penalties for missed
//!   objectives, and the extra capacity run at the standby until failback plus the restore and
//!   resync transfer.
//! - **Annual loss**: disasters arrive at a rate λ per year ([`disasters_per_year`]: given, or
//!   from the `[horizon]` failure processes). By the renewal-reward theorem the expected annual
//!   loss is λ × E[loss per disaster]; its 95 % interval comes from the Monte Carlo (λ is taken
//!   as known). The tail (p99 annual loss, P(annual loss > threshold)) comes from simulated
//!   years ([`simulate_years`]): N ~ Poisson(λ) disasters per year, each loss drawn uniformly
//!   (with replacement) from the trials' losses — a compound-Poisson bootstrap.
//!
//! The core knows no strategy: everything here is read from the [`SteadyState`], the
//! [`Deployment`] and the [`TrialOutcome`]. The model, its defaults and their sources are in
//! `docs/cost-model.md`.
//!
//! Money accumulates per trial in integer micro-dollars in an [`Accumulator`], so summaries of
//! shards merge exactly like the RTO and RPO summaries.

use std::collections::BTreeMap;
use std::ops::Range;

use rand::RngExt;
use rand_distr::Distribution as _;
use rayon::prelude::*;
use serde::Deserialize;

use crate::engine::{SimDuration, stream_rng};
use crate::horizon::HorizonSpec;
use crate::model::{ReplicationSpec, SnapshotKind};
use crate::montecarlo::{Accumulator, TrialsSummary};
use crate::recovery::{Deployment, SteadyState};
use crate::stats::Z95;
use crate::trial::streams::YEARS;
use crate::trial::{DisasterScenario, DisasterTrial, TrialError, TrialOutcome};

/// Hours in a billing month: AWS prices monthly items at 730 hours (8760 h / 12).
pub const HOURS_PER_MONTH: f64 = 730.0;
/// Seconds in a billing month (730 h).
pub const SECONDS_PER_MONTH: f64 = HOURS_PER_MONTH * 3600.0;
/// Seconds in a year (365.25 days), for disaster rates.
pub const SECONDS_PER_YEAR: f64 = 365.25 * 86_400.0;
/// Bytes in a GB as priced here (decimal: 10^9 bytes).
pub const BYTES_PER_GB: f64 = 1e9;
/// Largest amount recorded, in micro-dollars (about 4.6 × 10^12 USD); larger values clamp.
const MAX_MICRO_USD: u64 = u64::MAX / 4;

fn d_running() -> f64 {
    0.192
}
fn d_imaged() -> f64 {
    0.0034
}
fn d_database() -> f64 {
    0.504
}
fn d_storage() -> f64 {
    0.08
}
fn d_backup() -> f64 {
    0.023
}
fn d_transfer() -> f64 {
    0.02
}
fn d_intra() -> f64 {
    0.01
}
fn d_fixed() -> f64 {
    2.0
}
fn d_retention() -> SimDuration {
    SimDuration::from_days(30)
}
fn d_downtime() -> f64 {
    10_000.0
}
fn d_data_loss() -> f64 {
    10_000.0
}
fn d_threshold() -> f64 {
    100_000.0
}
fn d_level() -> f64 {
    0.95
}

/// Prices of running a deployment: the `[cost]` section of a scenario.
///
/// Defaults are AWS on-demand list prices in us-east-1 as of 2025 (check current prices; they
/// change and differ by region): see `docs/cost-model.md` for each source.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CostSpec {
    /// Price of one running instance per hour (default 0.192: Amazon EC2 On-Demand Pricing,
    /// m5.xlarge, Linux, us-east-1).
    #[serde(default = "d_running")]
    pub instance_running_usd_per_hour: f64,
    /// Price per hour of one instance kept stopped or as an image, ready to start (default
    /// 0.0034: an AMI of a 50 GB root volume at the Amazon EBS Pricing snapshot rate of
    /// 0.05 USD/GB-month, 2.50 USD/month ÷ 730 h). At most the running price.
    #[serde(default = "d_imaged")]
    pub instance_imaged_usd_per_hour: f64,
    /// Price per hour of the production database's compute: one production-size copy of the
    /// database tier (default 0.504: Amazon EC2 On-Demand Pricing, r5.2xlarge, Linux,
    /// us-east-1 — a memory-optimised instance, as databases on EC2 use). A strategy's
    /// [`SteadyState::database_size`] at each site multiplies it: a pilot light's replica on an
    /// r5.large (0.126 USD/h) is 0.25 of it, since EC2 prices the sizes of one family in
    /// proportion to their vCPUs and memory.
    #[serde(default = "d_database")]
    pub database_running_usd_per_hour: f64,
    /// Block storage of live data per GB-month: the primary's data set and a continuously
    /// replicated copy (default 0.08: Amazon EBS Pricing, gp3).
    #[serde(default = "d_storage")]
    pub storage_usd_per_gb_month: f64,
    /// Storage of backups and snapshots per GB-month (default 0.023: Amazon S3 Pricing, S3
    /// Standard, first 50 TB).
    #[serde(default = "d_backup")]
    pub backup_storage_usd_per_gb_month: f64,
    /// Data transfer between regions per GB (default 0.02: Amazon EC2 On-Demand Pricing, "Data
    /// Transfer", inter-region from us-east-1).
    #[serde(default = "d_transfer")]
    pub transfer_usd_per_gb: f64,
    /// Data transfer between sites of one region per GB (default 0.01: Amazon EC2 On-Demand
    /// Pricing, transfer across Availability Zones, per direction).
    #[serde(default = "d_intra")]
    pub intra_region_transfer_usd_per_gb: f64,
    /// Reading a backup at the DR site during a restore, per GB (default 0: Amazon S3 Pricing,
    /// transfer from S3 to EC2 in the same region is free).
    #[serde(default)]
    pub restore_usd_per_gb: f64,
    /// Fixed items per month: DNS, health checks, licences (default 2.00: Amazon Route 53
    /// Pricing, one hosted zone 0.50 + two health checks of non-AWS endpoints 0.75 each).
    #[serde(default = "d_fixed")]
    pub fixed_usd_per_month: f64,
    /// Retention assumed for backups whose schedule keeps every backup (default 30 days):
    /// unbounded retention would grow the bill forever.
    #[serde(default = "d_retention")]
    pub retention_if_unset: SimDuration,
    /// Instance types by name, for sites whose instances are not priced at the default rates
    /// above (e.g. `m5xl = { running_usd_per_hour = 0.192, imaged_usd_per_hour = 0.0034 }`).
    #[serde(default)]
    pub instance_types: BTreeMap<String, InstanceType>,
    /// The instance type of each site, by site name (e.g. `{ S = "c5l" }`); sites not listed
    /// use the default rates.
    #[serde(default)]
    pub site_instance_types: BTreeMap<String, String>,
}

/// The prices of one instance type.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InstanceType {
    /// Price of one running instance per hour.
    pub running_usd_per_hour: f64,
    /// Price per hour of one instance kept stopped or as an image (default 0).
    #[serde(default)]
    pub imaged_usd_per_hour: f64,
}

impl CostSpec {
    /// (running, imaged) USD per instance-hour at `site`: its type's prices, or the defaults.
    pub fn instance_rates(&self, site: &str) -> (f64, f64) {
        match self.site_instance_types.get(site).and_then(|t| self.instance_types.get(t)) {
            Some(t) => (t.running_usd_per_hour, t.imaged_usd_per_hour),
            None => (self.instance_running_usd_per_hour, self.instance_imaged_usd_per_hour),
        }
    }
}

impl Default for CostSpec {
    fn default() -> Self {
        CostSpec {
            instance_running_usd_per_hour: d_running(),
            instance_imaged_usd_per_hour: d_imaged(),
            database_running_usd_per_hour: d_database(),
            storage_usd_per_gb_month: d_storage(),
            backup_storage_usd_per_gb_month: d_backup(),
            transfer_usd_per_gb: d_transfer(),
            intra_region_transfer_usd_per_gb: d_intra(),
            restore_usd_per_gb: 0.0,
            fixed_usd_per_month: d_fixed(),
            retention_if_unset: d_retention(),
            instance_types: BTreeMap::new(),
            site_instance_types: BTreeMap::new(),
        }
    }
}

/// What disasters cost the business: the `[impact]` section of a scenario.
///
/// The defaults are ILLUSTRATIVE ESTIMATES for a mid-size online service; every business must
/// set its own (see `docs/cost-model.md`).
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ImpactSpec {
    /// Cost of one hour of downtime at the start of an outage (default 10 000).
    #[serde(default = "d_downtime")]
    pub downtime_usd_per_hour: f64,
    /// Linear rise of the hourly downtime cost per hour of outage (default 0): an outage of
    /// T hours costs `downtime_usd_per_hour × T + downtime_rise_usd_per_hour_per_hour × T² / 2`.
    #[serde(default)]
    pub downtime_rise_usd_per_hour_per_hour: f64,
    /// Outage length after which the step rate applies as well (default: no step).
    #[serde(default)]
    pub downtime_step_after: Option<SimDuration>,
    /// Extra cost per hour of outage beyond `downtime_step_after` (default 0), e.g. customers
    /// leaving once an outage passes a day.
    #[serde(default)]
    pub downtime_step_usd_per_hour: f64,
    /// Cost per hour of data lost, i.e. per hour of RPO achieved (default 10 000: an hour of
    /// lost orders costs about an hour of revenue).
    #[serde(default = "d_data_loss")]
    pub data_loss_usd_per_hour_of_rpo: f64,
    /// Cost per GB of data lost (default 0).
    #[serde(default)]
    pub data_loss_usd_per_gb: f64,
    /// Penalty when the RTO objective is missed (default 0), e.g. an SLA credit.
    #[serde(default)]
    pub rto_missed_penalty_usd: f64,
    /// Penalty when the RPO objective is missed (default 0).
    #[serde(default)]
    pub rpo_missed_penalty_usd: f64,
    /// Disasters per year; absent: from the `[horizon]` failure processes whose target is the
    /// `[disaster]` target (1 / (mean time between failures + mean time to repair) each).
    #[serde(default)]
    pub disasters_per_year: Option<f64>,
    /// Threshold of the tail risk P(annual loss > threshold) (default 100 000).
    #[serde(default = "d_threshold")]
    pub annual_loss_threshold_usd: f64,
    /// A strategy "meets the objectives" when P(RTO ≤ objective) and P(RPO ≤ objective) are
    /// both at least this (default 0.95).
    #[serde(default = "d_level")]
    pub objective_probability: f64,
}

impl Default for ImpactSpec {
    fn default() -> Self {
        ImpactSpec {
            downtime_usd_per_hour: d_downtime(),
            downtime_rise_usd_per_hour_per_hour: 0.0,
            downtime_step_after: None,
            downtime_step_usd_per_hour: 0.0,
            data_loss_usd_per_hour_of_rpo: d_data_loss(),
            data_loss_usd_per_gb: 0.0,
            rto_missed_penalty_usd: 0.0,
            rpo_missed_penalty_usd: 0.0,
            disasters_per_year: None,
            annual_loss_threshold_usd: d_threshold(),
            objective_probability: d_level(),
        }
    }
}

/// Why a cost or impact value, or a cost computation, was refused.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum CostError {
    /// A value out of range.
    #[error("{section}.{field} = {value} is not allowed ({allowed})")]
    BadValue {
        /// `cost` or `impact`.
        section: &'static str,
        /// The key.
        field: &'static str,
        /// The value, as written.
        value: String,
        /// What is allowed.
        allowed: &'static str,
    },
    /// A disaster could cost more than a report can hold.
    #[error(
        "{key}: a disaster could cost up to {total_usd:.3e} USD ({biggest_usd:.3e} from {key}, over trials.horizon or the whole trial), more than the {max:.3e} USD a loss can be (2^62 micro-dollars): lower {key}",
        max = MAX_LOSS_PER_DISASTER_USD
    )]
    LossTooLarge {
        /// The key of the largest term.
        key: &'static str,
        /// That term, in USD.
        biggest_usd: f64,
        /// The whole bound, in USD.
        total_usd: f64,
    },
    /// No disaster rate: neither `impact.disasters_per_year` nor a matching horizon process.
    #[error("impact.disasters_per_year: {reason}")]
    NoDisasterRate {
        /// Why no rate could be derived.
        reason: String,
    },
    /// A trial failed.
    #[error(transparent)]
    Trial(#[from] TrialError),
}

/// The largest value of any price, amount or penalty key of `[cost]` and `[impact]`, in USD
/// (per unit): 10^12. Larger values would make totals that no report can hold.
pub const MAX_USD_AMOUNT: f64 = 1e12;
/// The most disasters per year (`impact.disasters_per_year`, or the rate derived from
/// `[horizon]`): 10^4, one an hour. The simulated years draw every disaster.
pub const MAX_DISASTERS_PER_YEAR: f64 = 1e4;
/// The largest loss one disaster may be able to cause, in USD (2^62 micro-dollars, about
/// 4.6 × 10^12 USD): losses are recorded as 64-bit integers of micro-dollars.
pub const MAX_LOSS_PER_DISASTER_USD: f64 = MAX_MICRO_USD as f64 / 1e6;

fn check_money(section: &'static str, field: &'static str, v: f64) -> Result<(), CostError> {
    if v.is_finite() && (0.0..=MAX_USD_AMOUNT).contains(&v) {
        Ok(())
    } else {
        Err(CostError::BadValue { section, field, value: show(v), allowed: "must be finite, >= 0 and at most 1e12" })
    }
}

/// A value as written, in exponent notation when it is huge (1e306, not 307 digits).
fn show(v: f64) -> String {
    if v.is_finite() && v.abs() >= 1e15 { format!("{v:e}") } else { v.to_string() }
}

fn check_rate(v: f64) -> Result<(), CostError> {
    if v.is_finite() && (0.0..=MAX_DISASTERS_PER_YEAR).contains(&v) {
        Ok(())
    } else {
        Err(CostError::BadValue {
            section: "impact",
            field: "disasters_per_year",
            value: show(v),
            allowed: "must be finite, >= 0 and at most 1e4 (one an hour)",
        })
    }
}

/// Checks that no disaster of `scenario` can cost more than [`MAX_LOSS_PER_DISASTER_USD`]
/// under `impact` (and `cost`, for the recovery cost): the downtime over the whole horizon (an
/// unrecovered trial), an RPO of the warm-up and window, every byte written over the trial
/// (its mean) and the data set lost, both penalties, and the standby at production size over
/// the horizon with the data set moved twice. `Err` names the key of the largest term.
pub fn check_loss_bound(
    cost: Option<&CostSpec>,
    impact: &ImpactSpec,
    scenario: &DisasterScenario,
) -> Result<(), CostError> {
    let h = scenario.horizon.as_secs_f64() / 3600.0;
    let dis = &scenario.disaster;
    let d = &scenario.deployment;
    let before_h = (dis.warm_up.as_secs_f64() + dis.window.as_secs_f64()) / 3600.0;
    let gb = (d.workload.mean_bytes_per_s() * (before_h + h) * 3600.0 + d.dataset_bytes) / BYTES_PER_GB;
    let mut terms = vec![
        ("impact.downtime_usd_per_hour", impact.downtime_usd_per_hour * h),
        ("impact.downtime_rise_usd_per_hour_per_hour", impact.downtime_rise_usd_per_hour_per_hour * h * h / 2.0),
        ("impact.downtime_step_usd_per_hour", impact.downtime_step_usd_per_hour * h),
        ("impact.data_loss_usd_per_hour_of_rpo", impact.data_loss_usd_per_hour_of_rpo * before_h),
        ("impact.data_loss_usd_per_gb", impact.data_loss_usd_per_gb * gb),
        ("impact.rto_missed_penalty_usd", impact.rto_missed_penalty_usd),
        ("impact.rpo_missed_penalty_usd", impact.rpo_missed_penalty_usd),
    ];
    if let Some(c) = cost {
        let rate =
            c.instance_types.values().map(|t| t.running_usd_per_hour).fold(c.instance_running_usd_per_hour, f64::max);
        terms.push(("cost.instance_running_usd_per_hour", f64::from(d.instances_needed()) * rate * h));
        terms.push(("cost.database_running_usd_per_hour", c.database_running_usd_per_hour * h));
        let per_gb = c.transfer_usd_per_gb.max(c.intra_region_transfer_usd_per_gb) + c.restore_usd_per_gb;
        terms.push(("cost.transfer_usd_per_gb", per_gb * (gb + d.dataset_bytes / BYTES_PER_GB)));
    }
    let total: f64 = terms.iter().map(|t| t.1).sum();
    if total.is_finite() && total <= MAX_LOSS_PER_DISASTER_USD {
        return Ok(());
    }
    let (key, biggest) = terms.iter().copied().max_by(|a, b| a.1.total_cmp(&b.1)).unwrap_or(("impact", total));
    Err(CostError::LossTooLarge { key, biggest_usd: biggest, total_usd: total })
}

impl CostSpec {
    /// Checks every value: finite, non-negative, an image no dearer than a running instance.
    pub fn validate(&self) -> Result<(), CostError> {
        for (field, v) in [
            ("instance_running_usd_per_hour", self.instance_running_usd_per_hour),
            ("instance_imaged_usd_per_hour", self.instance_imaged_usd_per_hour),
            ("database_running_usd_per_hour", self.database_running_usd_per_hour),
            ("storage_usd_per_gb_month", self.storage_usd_per_gb_month),
            ("backup_storage_usd_per_gb_month", self.backup_storage_usd_per_gb_month),
            ("transfer_usd_per_gb", self.transfer_usd_per_gb),
            ("intra_region_transfer_usd_per_gb", self.intra_region_transfer_usd_per_gb),
            ("restore_usd_per_gb", self.restore_usd_per_gb),
            ("fixed_usd_per_month", self.fixed_usd_per_month),
        ] {
            check_money("cost", field, v)?;
        }
        if self.instance_imaged_usd_per_hour > self.instance_running_usd_per_hour {
            return Err(CostError::BadValue {
                section: "cost",
                field: "instance_imaged_usd_per_hour",
                value: self.instance_imaged_usd_per_hour.to_string(),
                allowed: "must be <= instance_running_usd_per_hour: an image costs less than a running instance",
            });
        }
        if self.retention_if_unset.is_zero() {
            return Err(CostError::BadValue {
                section: "cost",
                field: "retention_if_unset",
                value: self.retention_if_unset.to_string(),
                allowed: "must be > 0",
            });
        }
        for t in self.instance_types.values() {
            check_money("cost", "instance_types.running_usd_per_hour", t.running_usd_per_hour)?;
            check_money("cost", "instance_types.imaged_usd_per_hour", t.imaged_usd_per_hour)?;
            if t.imaged_usd_per_hour > t.running_usd_per_hour {
                return Err(CostError::BadValue {
                    section: "cost",
                    field: "instance_types.imaged_usd_per_hour",
                    value: t.imaged_usd_per_hour.to_string(),
                    allowed: "must be <= running_usd_per_hour: an image costs less than a running instance",
                });
            }
        }
        for ty in self.site_instance_types.values() {
            if !self.instance_types.contains_key(ty) {
                return Err(CostError::BadValue {
                    section: "cost",
                    field: "site_instance_types",
                    value: ty.clone(),
                    allowed: "must name a type of cost.instance_types",
                });
            }
        }
        Ok(())
    }
}

impl ImpactSpec {
    /// Checks every value: finite, non-negative, the probability in (0, 1].
    pub fn validate(&self) -> Result<(), CostError> {
        for (field, v) in [
            ("downtime_usd_per_hour", self.downtime_usd_per_hour),
            ("downtime_rise_usd_per_hour_per_hour", self.downtime_rise_usd_per_hour_per_hour),
            ("downtime_step_usd_per_hour", self.downtime_step_usd_per_hour),
            ("data_loss_usd_per_hour_of_rpo", self.data_loss_usd_per_hour_of_rpo),
            ("data_loss_usd_per_gb", self.data_loss_usd_per_gb),
            ("rto_missed_penalty_usd", self.rto_missed_penalty_usd),
            ("rpo_missed_penalty_usd", self.rpo_missed_penalty_usd),
            ("annual_loss_threshold_usd", self.annual_loss_threshold_usd),
        ] {
            check_money("impact", field, v)?;
        }
        if let Some(r) = self.disasters_per_year {
            check_rate(r)?;
        }
        if !(self.objective_probability > 0.0 && self.objective_probability <= 1.0) {
            return Err(CostError::BadValue {
                section: "impact",
                field: "objective_probability",
                value: self.objective_probability.to_string(),
                allowed: "must be in (0, 1]",
            });
        }
        Ok(())
    }
}

/// The running cost of a steady state for one month (730 h), by item, in USD.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct MonthlyCost {
    /// Instances running at every site.
    pub running_instances_usd: f64,
    /// The rest of production capacity kept as images (or stopped) at the standby.
    pub imaged_instances_usd: f64,
    /// The database tier running at every site (the primary's database, a live replica).
    pub database_usd: f64,
    /// Live data: the primary's data set and a continuously replicated copy.
    pub storage_usd: f64,
    /// Backups or snapshots kept under the retention policy.
    pub backup_storage_usd: f64,
    /// Replication traffic from the primary to the standby.
    pub transfer_usd: f64,
    /// Fixed items.
    pub fixed_usd: f64,
}

impl MonthlyCost {
    /// The sum of the items.
    pub fn total_usd(&self) -> f64 {
        self.running_instances_usd
            + self.imaged_instances_usd
            + self.database_usd
            + self.storage_usd
            + self.backup_storage_usd
            + self.transfer_usd
            + self.fixed_usd
    }
}

/// Instances running at `site` in `steady` (0 when it is not listed).
pub fn running_at(steady: &SteadyState, site: &str) -> u32 {
    steady.capacity.iter().filter(|(s, _)| s == site).map(|(_, n)| *n).sum()
}

/// The database tier running at every site of `steady`, in production databases (negative and
/// non-finite sizes count as 0; `DisasterTrial::new` refuses them).
pub fn database_size(steady: &SteadyState) -> f64 {
    steady.database_size.iter().map(|(_, x)| if x.is_finite() { x.max(0.0) } else { 0.0 }).sum()
}

/// Price per GB moved between the primary and the standby: inter-region or within a region.
pub fn transfer_rate_usd_per_gb(cost: &CostSpec, deployment: &Deployment) -> f64 {
    let t = &deployment.topology;
    match (t.site(&deployment.primary), t.site(&deployment.standby)) {
        (Some(p), Some(s)) if t.region_of(p) == t.region_of(s) => cost.intra_region_transfer_usd_per_gb,
        _ => cost.transfer_usd_per_gb,
    }
}

/// Bytes of backups kept at the DR site under a snapshot schedule (an approximation):
/// - full backups: K × the full size, with K the number retained;
/// - incremental forever: one full base (the data set) + K incrementals of `write rate ×
///   interval` bytes each — an upper bound, since rewrites of the same blocks deduplicate.
///
/// K = min(keep_newest, ⌈max_age / interval⌉), with `retention_if_unset` as the age when the
/// schedule keeps everything; at least 1.
pub fn retained_backup_bytes(cost: &CostSpec, deployment: &Deployment, spec: &crate::model::SnapshotSpec) -> f64 {
    retained_bytes(cost, deployment.dataset_bytes, deployment.workload.mean_bytes_per_s(), spec)
}

/// [`retained_backup_bytes`] for any write log: its data set and its mean bytes per second.
fn retained_bytes(cost: &CostSpec, dataset_bytes: f64, bytes_per_s: f64, spec: &crate::model::SnapshotSpec) -> f64 {
    let interval = spec.interval.as_secs_f64().max(1e-9);
    let by_age = |age: SimDuration| (age.as_secs_f64() / interval).ceil();
    let k = match (spec.retention.keep_newest, spec.retention.max_age) {
        (Some(n), Some(a)) => f64::from(n).min(by_age(a)),
        (Some(n), None) => f64::from(n),
        (None, Some(a)) => by_age(a),
        (None, None) => by_age(cost.retention_if_unset),
    }
    .max(1.0);
    match spec.size {
        SnapshotKind::Full { size_bytes } => k * size_bytes,
        SnapshotKind::Incremental => dataset_bytes + k * bytes_per_s * interval,
    }
}

/// The monthly running cost of a strategy's steady state.
///
/// - Running instances (the application tier): every site's `capacity` × its running price ×
///   730 h.
/// - Database: every site's `database_size` (in production databases) ×
///   `database_running_usd_per_hour` × 730 h: the primary's database, a live replica at the
///   standby (a pilot light's small one, a warm standby's or an active site's full one).
/// - Imaged instances: production capacity (`instances_needed` of the primary) missing at the
///   standby × the image price × 730 h. Every built-in strategy starts those from images at
///   recovery (backup & restore and pilot light all of them, warm standby and multi-site the
///   scale-out).
/// - Storage: the primary's data set, plus the standby's copy for continuous (synchronous or
///   asynchronous) replication, at the block-storage price; for snapshot replication the
///   retained backups ([`retained_backup_bytes`]) at the backup price.
/// - Transfer: the bytes replicated per month (mean write rate × 2 628 000 s; for full
///   backups, one full size per interval) at the inter-region price, or the intra-region price
///   when both sites are in one region.
/// - Fixed items.
pub fn monthly_running_cost(cost: &CostSpec, deployment: &Deployment, steady: &SteadyState) -> MonthlyCost {
    // Each site's running instances at its own type's price.
    let running_usd_per_hour: f64 =
        steady.capacity.iter().map(|(site, n)| f64::from(*n) * cost.instance_rates(site).0).sum();
    let imaged = deployment.instances_needed().saturating_sub(running_at(steady, &deployment.standby));
    let gb = |bytes: f64| bytes.max(0.0) / BYTES_PER_GB;
    let (replica_bytes, backup_bytes, moved_bytes) = copy_bytes(cost, deployment, &steady.replication);
    let m = MonthlyCost {
        running_instances_usd: running_usd_per_hour * HOURS_PER_MONTH,
        imaged_instances_usd: f64::from(imaged) * cost.instance_rates(&deployment.standby).1 * HOURS_PER_MONTH,
        database_usd: database_size(steady) * cost.database_running_usd_per_hour * HOURS_PER_MONTH,
        storage_usd: gb(deployment.dataset_bytes + replica_bytes) * cost.storage_usd_per_gb_month,
        backup_storage_usd: gb(backup_bytes) * cost.backup_storage_usd_per_gb_month,
        transfer_usd: gb(moved_bytes) * transfer_rate_usd_per_gb(cost, deployment),
        fixed_usd: cost.fixed_usd_per_month,
    };
    finite_items(m)
}

/// What keeping one copy in `replication`'s mode stores and moves per month: (a live copy of
/// the data set, backups retained, bytes replicated).
fn copy_bytes(cost: &CostSpec, deployment: &Deployment, replication: &ReplicationSpec) -> (f64, f64, f64) {
    log_copy_bytes(cost, deployment.dataset_bytes, deployment.workload.mean_bytes_per_s(), replication)
}

/// [`copy_bytes`] for any write log: its data set and its mean bytes per second.
fn log_copy_bytes(
    cost: &CostSpec,
    dataset_bytes: f64,
    bytes_per_s: f64,
    replication: &ReplicationSpec,
) -> (f64, f64, f64) {
    let write_bytes_month = bytes_per_s * SECONDS_PER_MONTH;
    match replication {
        ReplicationSpec::Snapshot(s) => {
            let moved = match s.size {
                SnapshotKind::Full { size_bytes } => {
                    size_bytes * SECONDS_PER_MONTH / s.interval.as_secs_f64().max(1e-9)
                }
                SnapshotKind::Incremental => write_bytes_month,
            };
            (0.0, retained_bytes(cost, dataset_bytes, bytes_per_s, s), moved)
        }
        // Every live mode keeps a full copy and moves every write.
        _ => (dataset_bytes, 0.0, write_bytes_month),
    }
}

/// The monthly running cost of a trial's strategy: its steady state ([`monthly_running_cost`]),
/// the data stores (`[[stores]]`: each data set at the primary and each copy, priced the same
/// way), plus every copy of the database besides the standby's ([`DisasterTrial::copies`] after the first: replicas,
/// a multi-site strategy's extra sites, a daily backup into a vault), each priced as the
/// standby's copy is — a live copy's storage at the block-storage price, retained backups at
/// the backup price (so retention costs what it keeps), and the replication traffic at the
/// intra- or inter-region price. What runs at those sites is in the steady state already.
///
/// [`DisasterTrial::copies`]: crate::trial::DisasterTrial::copies
pub fn trial_monthly_cost(cost: &CostSpec, trial: &crate::trial::DisasterTrial<'_>) -> MonthlyCost {
    let d = &trial.scenario().deployment;
    let mut m = monthly_running_cost(cost, d, trial.steady_state());
    let gb = |bytes: f64| bytes.max(0.0) / BYTES_PER_GB;
    // One copy: (a live copy of the data set, backups retained, bytes moved per month), and
    // whether its site is in another region than the primary.
    let mut add = |(replica, backups, moved): (f64, f64, f64), other_region: bool| {
        let rate = if other_region { cost.transfer_usd_per_gb } else { cost.intra_region_transfer_usd_per_gb };
        m.storage_usd += gb(replica) * cost.storage_usd_per_gb_month;
        m.backup_storage_usd += gb(backups) * cost.backup_storage_usd_per_gb_month;
        m.transfer_usd += gb(moved) * rate;
    };
    for copy in trial.copies().iter().skip(1) {
        add(copy_bytes(cost, d, copy.replication), copy.proximity == crate::recovery::Proximity::OtherRegion);
    }
    // The data stores: each one's data set at the primary, and each of its copies.
    let t = &d.topology;
    for store in &d.stores {
        add((store.dataset_bytes, 0.0, 0.0), false);
        for copy in &store.copies {
            let same_region = matches!((t.site(&d.primary), t.site(&copy.site)), (Some(p), Some(s)) if t.region_of(p) == t.region_of(s));
            add(
                log_copy_bytes(cost, store.dataset_bytes, store.workload.mean_bytes_per_s(), &copy.replication),
                !same_region,
            );
        }
    }
    finite_items(m)
}

fn finite(v: f64) -> f64 {
    if v.is_finite() { v.max(0.0) } else { 0.0 }
}

fn finite_items(m: MonthlyCost) -> MonthlyCost {
    MonthlyCost {
        running_instances_usd: finite(m.running_instances_usd),
        imaged_instances_usd: finite(m.imaged_instances_usd),
        database_usd: finite(m.database_usd),
        storage_usd: finite(m.storage_usd),
        backup_storage_usd: finite(m.backup_storage_usd),
        transfer_usd: finite(m.transfer_usd),
        fixed_usd: finite(m.fixed_usd),
    }
}

/// What one disaster's recovery and failback cost, in USD.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct RecoveryCost {
    /// Extra instances run at the standby from the service's restoration to the end of
    /// failback.
    pub scaled_capacity_usd: f64,
    /// The standby's database scaled up to (or restored at) the primary's size over the same
    /// time: (primary's − standby's steady `database_size`)⁺ × `database_running_usd_per_hour`.
    pub scaled_database_usd: f64,
    /// Reading the backup at the DR site (snapshot replication) and resyncing the primary.
    pub transfer_usd: f64,
}

impl RecoveryCost {
    /// The sum.
    pub fn total_usd(&self) -> f64 {
        self.scaled_capacity_usd + self.scaled_database_usd + self.transfer_usd
    }
}

/// The recovery cost of one disaster trial.
///
/// The standby runs at production size from the service's restoration (the RTO) until failback
/// ends: failback starts when both the service is restored and the primary is back — the trial
/// record does not keep the primary's repair time, so the mean of `[disaster] repair` stands
/// in for it — and lasts the trial's failback duration (to the horizon when failback did not
/// complete). Extra instances = production capacity − the standby's steady capacity; the
/// standby's database runs at the primary's size, (primary's − standby's steady size)⁺ more
/// than in steady state.
/// Transfer: a backup restore reads the data set at `restore_usd_per_gb`; failback resyncs the
/// writes made at the standby meanwhile (mean write rate × time at the standby), plus the whole
/// data set when the primary's data did not survive, at the transfer price. An unrecovered trial
/// adds no recovery cost (its downtime is priced in [`business_impact`]).
pub fn recovery_cost(
    cost: &CostSpec,
    scenario: &DisasterScenario,
    steady: &SteadyState,
    outcome: &TrialOutcome,
) -> RecoveryCost {
    let Some(rto) = outcome.rto else { return RecoveryCost::default() };
    let d = &scenario.deployment;
    let rto_s = rto.as_secs_f64();
    let horizon_s = scenario.horizon.as_secs_f64();
    let repair_s = scenario.disaster.repair.mean_secs().filter(|v| v.is_finite()).unwrap_or(rto_s);
    let failback_start = rto_s.max(repair_s);
    let end = match outcome.failback {
        Some(f) => failback_start + f.as_secs_f64(),
        None => horizon_s.max(failback_start),
    };
    let at_standby_s = (end - rto_s).max(0.0);
    let extra = d.instances_needed().saturating_sub(running_at(steady, &d.standby));
    let scaled = f64::from(extra) * cost.instance_rates(&d.standby).0 * at_standby_s / 3600.0;
    let db_extra = (steady.database_at(&d.primary) - steady.database_at(&d.standby)).max(0.0);
    let scaled_db = db_extra * cost.database_running_usd_per_hour * at_standby_s / 3600.0;
    let restore_bytes = match steady.replication {
        ReplicationSpec::Snapshot(_) => d.dataset_bytes,
        _ => 0.0,
    };
    let resync_bytes = d.workload.mean_bytes_per_s() * at_standby_s
        + if scenario.disaster.primary_data_survives { 0.0 } else { d.dataset_bytes };
    let transfer = restore_bytes / BYTES_PER_GB * cost.restore_usd_per_gb
        + resync_bytes / BYTES_PER_GB * transfer_rate_usd_per_gb(cost, d);
    RecoveryCost {
        scaled_capacity_usd: finite(scaled),
        scaled_database_usd: finite(scaled_db),
        transfer_usd: finite(transfer),
    }
}

/// The business impact of one disaster, in USD.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Impact {
    /// Downtime.
    pub downtime_usd: f64,
    /// Data lost.
    pub data_loss_usd: f64,
    /// Penalties for missed objectives.
    pub penalties_usd: f64,
}

impl Impact {
    /// The sum.
    pub fn total_usd(&self) -> f64 {
        self.downtime_usd + self.data_loss_usd + self.penalties_usd
    }
}

/// The cost of an outage of `hours` under `impact`: base rate, linear rise and step.
pub fn downtime_cost_usd(impact: &ImpactSpec, hours: f64) -> f64 {
    let t = hours.max(0.0);
    let step = impact.downtime_step_after.map_or(0.0, |a| (t - a.as_secs_f64() / 3600.0).max(0.0));
    finite(
        impact.downtime_usd_per_hour * t
            + impact.downtime_rise_usd_per_hour_per_hour * t * t / 2.0
            + impact.downtime_step_usd_per_hour * step,
    )
}

/// The business impact of one disaster trial: downtime = the RTO (the trial's horizon when the
/// service was never restored), data lost = RPO hours and the bytes lost (in the disaster and
/// during failback), and a penalty for each objective missed. A trial that lost every copy
/// is charged the whole data set and, like an unrestored service, the horizon as its RPO.
///
/// A logical disaster (corruption, ransomware, deletion) leaves the service running until its
/// detection: its downtime is the RTO less the detection delay (the dwell); its damage is in
/// the data lost.
pub fn business_impact(impact: &ImpactSpec, scenario: &DisasterScenario, outcome: &TrialOutcome) -> Impact {
    // A logical disaster's outage starts at detection; a service never restored is charged
    // the whole horizon after it.
    let down = match outcome.rto {
        Some(r) if outcome.logical => r.saturating_sub(outcome.detection_delay),
        Some(r) => r,
        None => scenario.horizon,
    };
    let down_h = down.as_secs_f64() / 3600.0;
    let rpo_h = outcome.rpo.unwrap_or(scenario.horizon).as_secs_f64() / 3600.0;
    let bytes = if outcome.rpo.is_none() { scenario.deployment.dataset_bytes } else { outcome.bytes_lost as f64 };
    let lost_gb = (bytes + outcome.failback_bytes_lost as f64) / BYTES_PER_GB;
    let penalty = |met: Option<bool>, usd: f64| if met == Some(false) { usd } else { 0.0 };
    Impact {
        downtime_usd: downtime_cost_usd(impact, down_h),
        data_loss_usd: finite(rpo_h * impact.data_loss_usd_per_hour_of_rpo + lost_gb * impact.data_loss_usd_per_gb),
        penalties_usd: penalty(outcome.rto_met, impact.rto_missed_penalty_usd)
            + penalty(outcome.rpo_met, impact.rpo_missed_penalty_usd),
    }
}

/// What one trial cost: the business impact of its disaster plus its recovery cost, in USD.
pub fn trial_cost_usd(
    cost: &CostSpec,
    impact: &ImpactSpec,
    scenario: &DisasterScenario,
    steady: &SteadyState,
    outcome: &TrialOutcome,
) -> f64 {
    business_impact(impact, scenario, outcome).total_usd() + recovery_cost(cost, scenario, steady, outcome).total_usd()
}

/// Dollars to integer micro-dollars (rounded; negative and non-finite values to 0, huge values
/// clamped to about 4.6 × 10^12 USD).
pub fn to_micro_usd(usd: f64) -> u64 {
    let v = (usd * 1e6).round();
    if v.is_finite() && v > 0.0 { ((v.min(MAX_MICRO_USD as f64)) as u64).min(MAX_MICRO_USD) } else { 0 }
}

/// Where a disaster rate came from.
#[derive(Clone, Debug, PartialEq)]
pub struct DisasterRate {
    /// Disasters per year.
    pub per_year: f64,
    /// `impact.disasters_per_year`, or the horizon processes used.
    pub source: String,
}

/// The disaster rate: `impact.disasters_per_year` when given; otherwise the sum over the
/// `[horizon]` failure processes whose target is the `[disaster]` target of their renewal
/// rate, one failure per (mean time between failures + mean time to repair).
pub fn disasters_per_year(
    impact: &ImpactSpec,
    scenario: &DisasterScenario,
    horizon: Option<&HorizonSpec>,
) -> Result<DisasterRate, CostError> {
    if let Some(r) = impact.disasters_per_year {
        check_rate(r)?;
        return Ok(DisasterRate { per_year: r, source: "impact.disasters_per_year".into() });
    }
    let Some(h) = horizon else {
        return Err(CostError::NoDisasterRate {
            reason: "not given, and the scenario has no [horizon] failure processes to derive it from".into(),
        });
    };
    let target = &scenario.disaster.target;
    let mut rate = 0.0;
    let mut used = vec![];
    for (i, p) in h.failures.iter().enumerate().filter(|(_, p)| &p.target == target) {
        let cycle = p.time_between_failures.mean_secs().zip(p.time_to_repair.mean_secs()).map(|(a, b)| a + b);
        match cycle {
            Some(c) if c.is_finite() && c > 0.0 => {
                rate += SECONDS_PER_YEAR / c;
                used.push(format!("horizon.failures[{i}]"));
            }
            _ => {
                return Err(CostError::NoDisasterRate {
                    reason: format!("horizon.failures[{i}] has no finite mean cycle (time between failures + repair)"),
                });
            }
        }
    }
    if used.is_empty() {
        return Err(CostError::NoDisasterRate {
            reason: format!("not given, and no [horizon] failure process targets the disaster's {target}"),
        });
    }
    if rate > MAX_DISASTERS_PER_YEAR {
        return Err(CostError::NoDisasterRate {
            reason: format!(
                "{} make {rate:.3e} disasters a year (at most {MAX_DISASTERS_PER_YEAR:e}): set impact.disasters_per_year or lengthen their time_between_failures",
                used.join(" + ")
            ),
        });
    }
    Ok(DisasterRate { per_year: rate, source: used.join(" + ") })
}

/// Disaster trials with their losses.
#[derive(Clone, Debug, Default)]
pub struct CostedTrials {
    /// The usual RTO/RPO summary.
    pub summary: TrialsSummary,
    /// Business impact per disaster, in micro-dollars.
    pub impact: Accumulator,
    /// Recovery cost per disaster, in micro-dollars.
    pub recovery: Accumulator,
    /// Total loss (impact + recovery cost) per disaster, in micro-dollars.
    pub loss: Accumulator,
    /// The total loss of each trial, in trial order (for the simulated years: 8 bytes a trial).
    pub losses: Vec<u64>,
}

/// Runs trials `range` in parallel and prices each (deterministic for any thread count:
/// results are collected in trial order and the accumulators are integer).
pub fn run_costed_trials(
    trial: &DisasterTrial<'_>,
    cost: &CostSpec,
    impact: &ImpactSpec,
    seed: u64,
    range: Range<u64>,
) -> Result<CostedTrials, CostError> {
    let sc = trial.scenario();
    let steady = trial.steady_state();
    let rows = range
        .into_par_iter()
        .map(|i| {
            let o = trial.run(seed, i)?;
            let im = to_micro_usd(business_impact(impact, sc, &o).total_usd());
            let rc = to_micro_usd(recovery_cost(cost, sc, steady, &o).total_usd());
            Ok((o, im, rc))
        })
        .collect::<Result<Vec<_>, TrialError>>()?;
    let mut out = CostedTrials { losses: Vec::with_capacity(rows.len()), ..CostedTrials::default() };
    for (o, im, rc) in rows {
        out.summary.record(&o);
        out.impact.record(im);
        out.recovery.record(rc);
        let total = im.saturating_add(rc).min(MAX_MICRO_USD);
        out.loss.record(total);
        out.losses.push(total);
    }
    Ok(out)
}

/// Expected annual loss by renewal-reward: rate × mean loss per disaster, in USD, with the
/// half-width of its 95 % interval (the rate taken as known). `(0, 0)` with no trials.
pub fn expected_annual_loss(per_year: f64, loss_micro_usd: &Accumulator) -> (f64, f64) {
    match loss_micro_usd.summary(1e-6) {
        Some(s) => (finite(per_year * s.mean), finite(per_year * s.ci95)),
        None => (0.0, 0.0),
    }
}

/// The distribution of annual loss over simulated years.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct AnnualLoss {
    /// Each simulated year's loss in micro-dollars, sorted.
    sorted: Vec<u64>,
}

impl AnnualLoss {
    /// Years simulated.
    pub fn years(&self) -> usize {
        self.sorted.len()
    }
    /// Mean annual loss in USD.
    pub fn mean_usd(&self) -> f64 {
        if self.sorted.is_empty() {
            return 0.0;
        }
        self.sorted.iter().map(|&v| v as f64).sum::<f64>() / self.sorted.len() as f64 * 1e-6
    }
    /// Standard error of the mean annual loss in USD.
    pub fn std_error_usd(&self) -> f64 {
        let n = self.sorted.len() as f64;
        if n < 2.0 {
            return 0.0;
        }
        let m = self.mean_usd() * 1e6;
        let var = self.sorted.iter().map(|&v| (v as f64 - m).powi(2)).sum::<f64>() / (n - 1.0);
        finite((var / n).sqrt() * 1e-6)
    }
    /// Half-width of the 95 % interval of the mean, in USD.
    pub fn ci95_usd(&self) -> f64 {
        Z95 * self.std_error_usd()
    }
    /// The annual loss at quantile `p` in [0, 1] (nearest rank), in USD.
    pub fn quantile_usd(&self, p: f64) -> f64 {
        if self.sorted.is_empty() {
            return 0.0;
        }
        let n = self.sorted.len();
        let k = ((p.clamp(0.0, 1.0) * n as f64).ceil() as usize).clamp(1, n) - 1;
        self.sorted[k] as f64 * 1e-6
    }
    /// P(annual loss > `threshold_usd`).
    pub fn prob_above(&self, threshold_usd: f64) -> f64 {
        if self.sorted.is_empty() {
            return 0.0;
        }
        let t = to_micro_usd(threshold_usd);
        let at_most = self.sorted.partition_point(|&v| v <= t);
        (self.sorted.len() - at_most) as f64 / self.sorted.len() as f64
    }
}

/// Simulates `years` years: N ~ Poisson(`per_year`) disasters each, each loss drawn uniformly
/// with replacement from `losses_micro_usd` (a compound-Poisson bootstrap of the trials).
/// Deterministic: draws come from stream [`YEARS`] of (seed, 0).
pub fn simulate_years(losses_micro_usd: &[u64], per_year: f64, years: u64, seed: u64) -> Result<AnnualLoss, CostError> {
    check_rate(per_year)?;
    if losses_micro_usd.is_empty() || per_year == 0.0 {
        return Ok(AnnualLoss { sorted: vec![0; years as usize] });
    }
    let poisson = rand_distr::Poisson::new(per_year).map_err(|_| CostError::BadValue {
        section: "impact",
        field: "disasters_per_year",
        value: per_year.to_string(),
        allowed: "must be a valid Poisson rate (finite, > 0, below about 1.8e19)",
    })?;
    let mut rng = stream_rng(seed, 0, YEARS);
    let n = losses_micro_usd.len();
    let mut sorted: Vec<u64> = (0..years)
        .map(|_| {
            let k = poisson.sample(&mut rng) as u64;
            (0..k).fold(0u64, |acc, _| acc.saturating_add(losses_micro_usd[rng.random_range(0..n)]))
        })
        .collect();
    sorted.sort_unstable();
    Ok(AnnualLoss { sorted })
}

/// Everything the choice of a strategy needs, in USD and seconds.
#[derive(Clone, Debug, PartialEq)]
pub struct StrategyEconomics {
    /// The strategy's label.
    pub name: String,
    /// Running cost per month, by item.
    pub monthly: MonthlyCost,
    /// Disasters per year.
    pub disasters_per_year: f64,
    /// Mean loss per disaster (impact + recovery cost).
    pub loss_per_disaster_usd: f64,
    /// Expected annual loss (renewal-reward).
    pub expected_annual_loss_usd: f64,
    /// Half-width of its 95 % interval.
    pub expected_annual_loss_ci95_usd: f64,
    /// 12 × monthly running cost + expected annual loss.
    pub total_annual_usd: f64,
    /// 99th percentile of the annual loss (simulated years).
    pub p99_annual_loss_usd: f64,
    /// P(annual loss > threshold) (simulated years).
    pub prob_loss_above_threshold: f64,
    /// RTO p95 over all trials, censored ones (never recovered within the horizon) counting
    /// as +∞, in seconds (`None`: the p95 falls among the censored trials).
    pub rto_p95_s: Option<f64>,
    /// RPO p95, in seconds.
    pub rpo_p95_s: Option<f64>,
    /// P(RTO ≤ objective) (`None`: no objective).
    pub p_rto_met: Option<f64>,
    /// P(RPO ≤ objective) (`None`: no objective).
    pub p_rpo_met: Option<f64>,
}

impl StrategyEconomics {
    /// Combines a strategy's running cost, priced trials, disaster rate and simulated years.
    pub fn new(
        name: &str,
        monthly: MonthlyCost,
        per_year: f64,
        trials: &CostedTrials,
        years: &AnnualLoss,
        threshold_usd: f64,
    ) -> Self {
        let (eal, ci) = expected_annual_loss(per_year, &trials.loss);
        let s = &trials.summary;
        let p = |a: &crate::montecarlo::Attainment| (a.judged > 0).then(|| a.proportion().estimate);
        StrategyEconomics {
            name: name.to_string(),
            monthly,
            disasters_per_year: per_year,
            loss_per_disaster_usd: trials.loss.summary(1e-6).map_or(0.0, |x| finite(x.mean)),
            expected_annual_loss_usd: eal,
            expected_annual_loss_ci95_usd: ci,
            total_annual_usd: finite(12.0 * monthly.total_usd() + eal),
            p99_annual_loss_usd: years.quantile_usd(0.99),
            prob_loss_above_threshold: years.prob_above(threshold_usd),
            rto_p95_s: s.rto_quantile_all(0.95).map(|ns| ns as f64 * 1e-9),
            rpo_p95_s: s.rpo.summary(1e-9).map(|x| x.p95),
            p_rto_met: p(&s.rto_met),
            p_rpo_met: p(&s.rpo_met),
        }
    }

    /// Whether P(RTO ≤ objective) and P(RPO ≤ objective) are both at least `level` (an absent
    /// objective is met; an unrecovered trial misses the RTO objective).
    pub fn meets(&self, level: f64) -> bool {
        self.p_rto_met.is_none_or(|p| p >= level) && self.p_rpo_met.is_none_or(|p| p >= level)
    }
}

/// The strategy with the lowest total expected annual cost among those meeting the objectives
/// at `level` (`None`: none does).
pub fn cheapest_meeting(strategies: &[StrategyEconomics], level: f64) -> Option<usize> {
    strategies
        .iter()
        .enumerate()
        .filter(|(_, s)| s.meets(level))
        .min_by(|(_, a), (_, b)| a.total_annual_usd.total_cmp(&b.total_annual_usd))
        .map(|(i, _)| i)
}

/// The strategies on the Pareto front of (monthly running cost, RTO p95, RPO p95), all to be
/// minimised: those that no other strategy matches or beats on all three and strictly beats on
/// one. A strategy that never recovered counts as an infinite RTO.
pub fn pareto_front(strategies: &[StrategyEconomics]) -> Vec<usize> {
    let key = |s: &StrategyEconomics| {
        [s.monthly.total_usd(), s.rto_p95_s.unwrap_or(f64::INFINITY), s.rpo_p95_s.unwrap_or(f64::INFINITY)]
    };
    let dominates = |a: [f64; 3], b: [f64; 3]| a.iter().zip(&b).all(|(x, y)| x <= y) && a != b;
    (0..strategies.len())
        .filter(|&i| !(0..strategies.len()).any(|j| j != i && dominates(key(&strategies[j]), key(&strategies[i]))))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn micro_usd_rounds_and_refuses_nonsense() {
        assert_eq!(to_micro_usd(1.25), 1_250_000);
        assert_eq!(to_micro_usd(-3.0), 0);
        assert_eq!(to_micro_usd(f64::NAN), 0);
        assert_eq!(to_micro_usd(f64::INFINITY), 0);
        assert_eq!(to_micro_usd(1e30), MAX_MICRO_USD);
    }

    /// 2 h at 1000 USD/h, rising 100 USD/h per hour, +500 USD/h past 1 h:
    /// 1000 × 2 + 100 × 4 / 2 + 500 × 1 = 2700.
    #[test]
    fn downtime_cost_by_hand() {
        let im = ImpactSpec {
            downtime_usd_per_hour: 1000.0,
            downtime_rise_usd_per_hour_per_hour: 100.0,
            downtime_step_after: Some(SimDuration::from_secs(3600)),
            downtime_step_usd_per_hour: 500.0,
            ..ImpactSpec::default()
        };
        assert!((downtime_cost_usd(&im, 2.0) - 2700.0).abs() < 1e-9);
        assert_eq!(downtime_cost_usd(&im, 0.0), 0.0);
    }

    #[test]
    fn annual_loss_quantiles_and_tail() {
        let years = AnnualLoss { sorted: (1..=100).map(|v| v * 1_000_000).collect() };
        assert_eq!(years.quantile_usd(0.99), 99.0);
        assert_eq!(years.prob_above(90.0), 0.10);
        assert!((years.mean_usd() - 50.5).abs() < 1e-9);
        let none = simulate_years(&[], 1.0, 10, 1).unwrap();
        assert_eq!((none.years(), none.quantile_usd(0.99)), (10, 0.0));
    }
}
