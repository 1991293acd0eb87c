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
//!   (with replacement) from the trials' losses — a compound-Poisson bootstrap, drawn from the
//!   loss accumulator's histogram so that memory does not grow with the trials.
//!
//! The core knows no strategy: everything here is read from the [`SteadyState`], the
//! [`Deployment`] and the [`TrialOutcome`]. The model, its defaults and their sources are in
//! `docs/cost-model.md`.
//!
//! Money accumulates per trial in integer micro-dollars in an [`Accumulator`], so summaries of
//! shards merge exactly like the RTO and RPO summaries.
//!
//! The module by job: `spec` (the prices and rates, their validation), `running` (the monthly
//! running cost), `loss` (what one disaster costs, the costed runner), `annual` (the disaster
//! rate, the expected and tail annual loss), `choice` (the cheapest strategy, the Pareto front).
//!
//! [`SteadyState`]: crate::recovery::SteadyState
//! [`Deployment`]: crate::recovery::Deployment
//! [`TrialOutcome`]: crate::trial::TrialOutcome
//! [`Accumulator`]: crate::montecarlo::Accumulator

mod annual;
mod choice;
mod loss;
mod running;
mod spec;

pub use annual::{AnnualLoss, DisasterRate, disasters_per_year, expected_annual_loss, simulate_years};
pub use choice::{StrategyEconomics, cheapest_meeting, pareto_front};
pub use loss::{
    CostedTrials, Impact, RecoveryCost, business_impact, downtime_cost_usd, recovery_cost, run_costed_trials,
    to_micro_usd, trial_cost_usd,
};
pub use running::{
    MonthlyCost, database_size, monthly_running_cost, retained_backup_bytes, running_at, transfer_rate_usd_per_gb,
    trial_monthly_cost,
};
pub use spec::{
    CostError, CostSpec, ImpactSpec, InstanceType, MAX_DISASTERS_PER_YEAR, MAX_LOSS_PER_DISASTER_USD, MAX_USD_AMOUNT,
    check_loss_bound,
};

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

/// `v` when finite and positive, else 0.
fn finite(v: f64) -> f64 {
    if v.is_finite() { v.max(0.0) } else { 0.0 }
}
