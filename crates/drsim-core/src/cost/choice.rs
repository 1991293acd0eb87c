//! Choosing a strategy by money: the cheapest meeting the objectives, the Pareto front.

use super::{AnnualLoss, CostedTrials, MonthlyCost, expected_annual_loss, finite};

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
        let p = |a: &crate::montecarlo::Attainment| a.proportion().map(|p| p.estimate);
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
