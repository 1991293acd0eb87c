//! Prices and business-impact rates (`[cost]` and `[impact]`), their defaults and their
//! validation, and the bound on what one disaster may cost.

use std::collections::BTreeMap;

use serde::Deserialize;

use super::{BYTES_PER_GB, MAX_MICRO_USD};
use crate::engine::SimDuration;
use crate::trial::{DisasterScenario, TrialError};

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

pub(super) fn check_rate(v: f64) -> Result<(), CostError> {
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
    let dis = &scenario.event;
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
