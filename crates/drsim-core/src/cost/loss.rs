//! What one disaster costs: its business impact and its recovery cost, in micro-dollars per
//! trial, and the costed Monte Carlo runner.

use std::ops::Range;

use super::{
    BYTES_PER_GB, CostError, CostSpec, ImpactSpec, MAX_MICRO_USD, finite, running_at, transfer_rate_usd_per_gb,
};
use crate::model::ReplicationSpec;
use crate::montecarlo::{Accumulator, TrialsSummary};
use crate::recovery::SteadyState;
use crate::trial::{DisasterScenario, DisasterTrial, TrialError, TrialOutcome};

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
    let repair_s = scenario.event.repair.mean_secs().filter(|v| v.is_finite()).unwrap_or(rto_s);
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
        + if scenario.event.primary_data_survives { 0.0 } else { d.dataset_bytes };
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

/// Disaster trials with their losses: exact mergeable state, fixed memory whatever the trials.
#[derive(Clone, Debug, Default)]
pub struct CostedTrials {
    /// The usual RTO/RPO summary.
    pub summary: TrialsSummary,
    /// Business impact per disaster, in micro-dollars.
    pub impact: Accumulator,
    /// Recovery cost per disaster, in micro-dollars.
    pub recovery: Accumulator,
    /// Total loss (impact + recovery cost) per disaster, in micro-dollars: its histogram is
    /// what [`simulate_years`](super::simulate_years) resamples.
    pub loss: Accumulator,
}

impl CostedTrials {
    /// Adds `other`'s trials (exact: the result does not depend on the order of merges).
    pub fn merge(&mut self, other: &CostedTrials) {
        self.summary.merge(&other.summary);
        self.impact.merge(&other.impact);
        self.recovery.merge(&other.recovery);
        self.loss.merge(&other.loss);
    }
}

/// Runs trials `range` on the current rayon pool and prices each, on the one parallel reducer
/// ([`reduce_per_thread`](crate::montecarlo::reduce_per_thread)): memory does not grow with the
/// trials, and the result is the same for any thread count (integer accumulators).
pub fn run_costed_trials(
    trial: &DisasterTrial<'_>,
    cost: &CostSpec,
    impact: &ImpactSpec,
    seed: u64,
    range: Range<u64>,
) -> Result<CostedTrials, CostError> {
    let sc = trial.scenario();
    let steady = trial.steady_state();
    let priced = crate::montecarlo::reduce_per_thread(
        range,
        CostedTrials::default,
        |i| -> Result<_, TrialError> {
            let o = trial.run(seed, i)?;
            let im = to_micro_usd(business_impact(impact, sc, &o).total_usd());
            let rc = to_micro_usd(recovery_cost(cost, sc, steady, &o).total_usd());
            Ok((o, im, rc))
        },
        |out, (o, im, rc)| {
            let (im, rc) = (*im, *rc);
            out.summary.record(o);
            out.impact.record(im);
            out.recovery.record(rc);
            out.loss.record(im.saturating_add(rc).min(MAX_MICRO_USD));
        },
        CostedTrials::merge,
    )?;
    Ok(priced)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::SimDuration;

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
}
