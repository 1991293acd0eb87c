//! The JSON report: summaries per strategy with units in the keys, plus the exact mergeable
//! state, so that shards merge to the bit. The schema is documented in `docs/report-format.md`.

use std::path::{Path, PathBuf};

use drsim::montecarlo::{Accumulator, PairedAccumulator, PairedDifference, TrialsSummary};
// The summaries live in the library, so that the CLI, the Python bindings and Rust users
// compute the same numbers from the same state.
pub use drsim::report::{Prop, StrategySummary};
use serde::{Deserialize, Serialize};

use crate::CliError;
use crate::output::write_atomic;

/// One strategy's entry.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StrategyReport {
    /// Its label.
    pub name: String,
    /// Its kind.
    pub kind: String,
    /// The summary.
    pub summary: StrategySummary,
    /// The summary of each disaster of a mix, by label, with the same fields as `summary`
    /// (absent without a mix).
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub by_disaster: std::collections::BTreeMap<String, StrategySummary>,
    /// The exact mergeable state behind the summary.
    pub state: TrialsSummary,
    /// Paired differences against the first strategy (absent for the first).
    pub paired_vs_first: Option<PairedVsFirst>,
    /// Cost figures, when the scenario has a `[cost]` or `[impact]` section.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cost: Option<CostReport>,
    /// When replication is unstable: how fast its backlog grows (bytes/s); the RPO then
    /// depends on how long the run lasted and is no steady-state figure.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub backlog_growth_bytes_per_s: Option<f64>,
}

/// A mean in USD with the half-width of its 95 % interval.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct UsdEstimate {
    /// The mean.
    pub mean: f64,
    /// Half-width of its 95 % interval.
    pub ci95: f64,
}

/// A strategy's cost figures (`docs/cost-model.md`), in USD.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CostReport {
    /// Running cost of the steady state per month (730 h).
    pub monthly_running_usd: f64,
    /// Disasters per year used for the annual figures.
    pub disasters_per_year: f64,
    /// Expected annual loss: disasters per year × mean loss per disaster (renewal-reward).
    pub expected_annual_loss_usd: UsdEstimate,
    /// 12 × monthly running cost + expected annual loss.
    pub total_annual_usd: f64,
    /// The tail of the annual loss over simulated years (absent in reports of drsim before
    /// 0.2, and when it cannot be computed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub annual_loss: Option<AnnualTail>,
    /// The exact mergeable state: loss per disaster in micro-dollars.
    pub state_loss_micro_usd: Accumulator,
}

/// The annual loss's tail: `years` simulated years of Poisson(`disasters_per_year`) disasters,
/// each loss drawn from the state's histogram (`drsim::cost::simulate_years`, stream of
/// (`seed`, 0)). Recomputed from the merged state by `drsim merge`, so shards give the same
/// figures as one run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AnnualTail {
    /// Years simulated.
    pub years: u64,
    /// The seed of their draws (the run's).
    pub seed: u64,
    /// The 99th percentile of the annual loss.
    pub p99_usd: f64,
    /// `impact.annual_loss_threshold_usd`.
    pub threshold_usd: f64,
    /// P(annual loss > threshold).
    pub p_above_threshold: f64,
}

impl AnnualTail {
    /// Simulated years: 100,000, fewer when disasters are so frequent that they would draw more
    /// than 10^7 losses (at least 1,000).
    pub fn years_for(per_year: f64) -> u64 {
        if per_year > 0.0 { ((1e7 / per_year) as u64).clamp(1_000, 100_000) } else { 100_000 }
    }

    /// The tail of `loss` at `per_year` disasters a year over `years` years drawn with `seed`.
    pub fn of(loss: &Accumulator, per_year: f64, years: u64, seed: u64, threshold_usd: f64) -> Option<Self> {
        let y = drsim::cost::simulate_years(loss, per_year, years, seed).ok()?;
        Some(AnnualTail {
            years,
            seed,
            p99_usd: y.quantile_usd(0.99),
            threshold_usd,
            p_above_threshold: y.prob_above(threshold_usd),
        })
    }
}

impl CostReport {
    /// The figures from the running cost, the rate and the losses per disaster; `tail` =
    /// (years, seed, threshold) of the simulated years, if wanted.
    pub fn of(
        monthly_running_usd: f64,
        disasters_per_year: f64,
        loss: Accumulator,
        tail: Option<(u64, u64, f64)>,
    ) -> Self {
        let (mean, ci95) = drsim::cost::expected_annual_loss(disasters_per_year, &loss);
        CostReport {
            monthly_running_usd,
            disasters_per_year,
            expected_annual_loss_usd: UsdEstimate { mean, ci95 },
            total_annual_usd: 12.0 * monthly_running_usd + mean,
            annual_loss: tail
                .and_then(|(years, seed, threshold)| AnnualTail::of(&loss, disasters_per_year, years, seed, threshold)),
            state_loss_micro_usd: loss,
        }
    }
}

/// Paired differences (this strategy − the first) over the same disasters.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PairedVsFirst {
    /// The first strategy's name.
    pub against: String,
    /// RTO difference in seconds (pairs where both recovered).
    pub rto_s: PairedDifference,
    /// RPO difference in seconds.
    pub rpo_s: PairedDifference,
    /// Exact mergeable state of the RTO differences (ns).
    pub state_rto: PairedAccumulator,
    /// Exact mergeable state of the RPO differences (ns).
    pub state_rpo: PairedAccumulator,
}

/// Where the scenario came from.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ScenarioInfo {
    /// Its name.
    pub name: String,
    /// Its path.
    pub path: PathBuf,
    /// SHA-256 of the file's bytes.
    pub sha256: String,
}

/// Wall-clock timing of the run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Timing {
    /// Seconds for all strategies.
    pub seconds: f64,
    /// Trials (over all strategies) per second.
    pub trials_per_s: f64,
    /// Worker threads.
    pub threads: usize,
}

/// A whole report.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// The drsim version that made it.
    pub drsim_version: String,
    /// The scenario.
    pub scenario: ScenarioInfo,
    /// The seed.
    pub seed: u64,
    /// First trial index covered.
    pub trial_start: u64,
    /// One past the last trial index covered.
    pub trial_end: u64,
    /// Which shard of which split this report is (`--shard`); absent otherwise, and in merged
    /// reports.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shard: Option<crate::shard::ShardInfo>,
    /// RTO objective in seconds.
    pub rto_objective_s: Option<f64>,
    /// RPO objective in seconds.
    pub rpo_objective_s: Option<f64>,
    /// One entry per strategy, in scenario order.
    pub strategies: Vec<StrategyReport>,
    /// Timing (absent in merged reports).
    pub timing: Option<Timing>,
}

/// `drsim report`: the HTML report of a run's JSON, with a horizon run's if given. The
/// scenario is read again from the path the report names when its SHA-256 still matches.
pub fn html_report(
    run: &Path,
    horizon: Option<&Path>,
    out: &Path,
    registry: &drsim::strategies::Registry,
    axis: drsim::plot::Axis,
) -> Result<(), CliError> {
    #[derive(Deserialize)]
    struct HorizonFile {
        scenario: ScenarioInfo,
        strategies: Vec<drsim::report::HorizonEntry>,
    }
    let mut outputs = vec![("--output", out)];
    outputs.retain(|(_, p)| p.as_os_str() != "-");
    let mut inputs = vec![("run report", run)];
    if let Some(hz) = horizon {
        inputs.push(("horizon report", hz));
    }
    crate::output::check_outputs(&outputs, &inputs)?;
    let mut report = read_report(run)?;
    // The figures shown are recomputed from the exact state the file carries (checked by
    // `read_report`), as `drsim merge` does: an edited summary cannot slip into the report.
    for s in &mut report.strategies {
        s.summary = StrategySummary::of(&s.state);
        s.by_disaster = StrategySummary::by_disaster(&s.state);
    }
    let entries = match horizon {
        Some(p) => {
            let bytes = crate::output::read_capped(p, "the horizon report")?;
            let f: HorizonFile = serde_json::from_slice(&bytes)
                .map_err(|e| CliError::BadInput(format!("{}: not a drsim horizon report: {e}", p.display())))?;
            if f.scenario.sha256 != report.scenario.sha256 {
                return Err(CliError::BadInput(format!(
                    "{}: a horizon run of another scenario ({}, SHA-256 {}) than {} ({}, SHA-256 {}): run both from the same file",
                    p.display(),
                    f.scenario.path.display(),
                    f.scenario.sha256,
                    run.display(),
                    report.scenario.path.display(),
                    report.scenario.sha256
                )));
            }
            Some(f.strategies)
        }
        None => None,
    };
    let scenario = crate::run::load(&report.scenario.path).ok().filter(|(_, sha)| *sha == report.scenario.sha256);
    let provenance = crate::html::Provenance::now();
    let html = crate::html::render(
        &report,
        entries.as_deref(),
        scenario.as_ref().map(|s| (&s.0, registry)),
        &provenance,
        axis,
    );
    write_atomic(out, &html)
}

fn read_report(path: &Path) -> Result<Report, CliError> {
    let bytes = crate::output::read_capped(path, "the shard report")?;
    let report: Report = serde_json::from_slice(&bytes)
        .map_err(|e| CliError::BadInput(format!("{}: not a drsim report: {e}", path.display())))?;
    check_state(path, &report)?;
    Ok(report)
}

/// Checks every invariant of a report's exact state (an edited file could break them): each
/// strategy ran every trial of the range, counts are within it, met ≤ judged, min ≤ max, sums
/// within count × [min, max]. Exit code 2, naming the file and the field.
fn check_state(path: &Path, r: &Report) -> Result<(), CliError> {
    let bad = |field: String, msg: String| CliError::BadInput(format!("{}: {field}: {msg}", path.display()));
    let trials = r
        .trial_end
        .checked_sub(r.trial_start)
        .ok_or_else(|| bad("trial_end".into(), format!("{} is before trial_start = {}", r.trial_end, r.trial_start)))?;
    for (i, s) in r.strategies.iter().enumerate() {
        let at = |e: drsim::montecarlo::StateError, part: &str| {
            bad(format!("strategies[{i}].{part}.{}", e.field), e.message)
        };
        s.state.validate(trials).map_err(|e| at(e, "state"))?;
        if let Some(p) = &s.paired_vs_first {
            p.state_rto.validate("state_rto", trials).map_err(|e| at(e, "paired_vs_first"))?;
            p.state_rpo.validate("state_rpo", trials).map_err(|e| at(e, "paired_vs_first"))?;
        }
        if let Some(c) = &s.cost {
            c.state_loss_micro_usd.validate("state_loss_micro_usd", trials).map_err(|e| at(e, "cost"))?;
        }
    }
    Ok(())
}

/// `drsim merge`: checks the shards belong to one run and merges them exactly.
pub fn merge(args: &[PathBuf], out: &Path) -> Result<(), CliError> {
    let shards = crate::shard::expand_inputs(args, out)?;
    let inputs: Vec<(&str, &Path)> = shards.iter().map(|p| ("shard report", p.as_path())).collect();
    crate::output::check_outputs(&[("--json", out)], &inputs)?;
    let _lock = (out.as_os_str() != "-").then(|| crate::output::OutputLock::take(out)).transpose()?;
    let mut reports = shards.iter().map(|p| read_report(p).map(|r| (p, r))).collect::<Result<Vec<_>, _>>()?;
    crate::shard::check_set(&reports.iter().map(|(p, r)| (p.as_path(), r.shard)).collect::<Vec<_>>())?;
    // Empty shards (more shards than trials) sort before the shard that starts where they do.
    reports.sort_by_key(|(_, r)| (r.trial_start, r.trial_end));
    let (first_path, first) = &reports[0];
    let mut merged = first.clone();
    merged.timing = None;
    merged.shard = None;
    for (path, r) in &reports[1..] {
        let differs = |what: &str| {
            CliError::BadInput(format!(
                "{}: {what} differs from {}'s: not a shard of the same run",
                path.display(),
                first_path.display()
            ))
        };
        if r.drsim_version != first.drsim_version {
            return Err(differs("drsim_version"));
        }
        if r.scenario.sha256 != first.scenario.sha256 {
            return Err(differs("scenario.sha256"));
        }
        if r.seed != first.seed {
            return Err(differs("seed"));
        }
        let names = |r: &Report| r.strategies.iter().map(|s| s.name.clone()).collect::<Vec<_>>();
        if names(r) != names(first) {
            return Err(differs("the list of strategies"));
        }
        if r.trial_start != merged.trial_end {
            return Err(CliError::BadInput(format!(
                "{}: covers trials {}..{}, but the shards so far end at {}: shards must be contiguous and not overlap",
                path.display(),
                r.trial_start,
                r.trial_end,
                merged.trial_end
            )));
        }
        merged.trial_end = r.trial_end;
        for (i, (m, s)) in merged.strategies.iter_mut().zip(&r.strategies).enumerate() {
            let overflow = |field: &str| {
                CliError::BadInput(format!(
                    "{}: strategies[{i}].{field}: merging it overflows the exact sums",
                    path.display()
                ))
            };
            m.state.checked_merge(&s.state).map_err(|e| overflow(&format!("state.{}", e.field)))?;
            if let (Some(mp), Some(sp)) = (m.paired_vs_first.as_mut(), s.paired_vs_first.as_ref()) {
                if !mp.state_rto.can_merge(&sp.state_rto) {
                    return Err(overflow("paired_vs_first.state_rto"));
                }
                if !mp.state_rpo.can_merge(&sp.state_rpo) {
                    return Err(overflow("paired_vs_first.state_rpo"));
                }
                mp.state_rto.merge(&sp.state_rto);
                mp.state_rpo.merge(&sp.state_rpo);
            }
            if let (Some(mc), Some(sc)) = (m.cost.as_mut(), s.cost.as_ref()) {
                if !mc.state_loss_micro_usd.can_merge(&sc.state_loss_micro_usd) {
                    return Err(overflow("cost.state_loss_micro_usd"));
                }
                mc.state_loss_micro_usd.merge(&sc.state_loss_micro_usd);
            }
        }
    }
    for s in &mut merged.strategies {
        s.summary = StrategySummary::of(&s.state);
        s.by_disaster = StrategySummary::by_disaster(&s.state);
        if let Some(p) = s.paired_vs_first.as_mut() {
            p.rto_s = p.state_rto.difference(1e-9);
            p.rpo_s = p.state_rpo.difference(1e-9);
        }
        if let Some(c) = s.cost.as_mut() {
            let tail = c.annual_loss.as_ref().map(|t| (t.years, t.seed, t.threshold_usd));
            *c = CostReport::of(c.monthly_running_usd, c.disasters_per_year, c.state_loss_micro_usd.clone(), tail);
        }
    }
    let text = serde_json::to_string_pretty(&merged).map_err(|e| CliError::Other(e.to_string()))? + "\n";
    write_atomic(out, &text)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every disaster costs exactly 1,000 µUSD (exact in the histogram, below 2,048), λ = 2 a
    /// year: the annual loss is 0.001 USD × N, N ~ Poisson(2). By hand from the Poisson law:
    /// P(loss > 0.0025 USD) = P(N ≥ 3) = 1 − e^{−2}(1 + 2 + 2) = 0.323324; the p99 is
    /// 0.001 × 6, since P(N ≤ 5) = 0.98344 < 0.99 ≤ P(N ≤ 6) = 0.99547. Proportion within
    /// 4 SE over 100,000 years (fixed seed 9).
    #[test]
    fn annual_tail_of_a_fixed_loss_is_poisson() {
        let mut loss = Accumulator::default();
        for _ in 0..50 {
            loss.record(1_000);
        }
        let t = AnnualTail::of(&loss, 2.0, 100_000, 9, 0.0025).expect("a valid rate");
        let p = 1.0 - 5.0 * (-2.0f64).exp();
        let se = (p * (1.0 - p) / 100_000.0).sqrt();
        assert!((t.p_above_threshold - p).abs() < 4.0 * se, "{} vs {p}", t.p_above_threshold);
        assert!((t.p99_usd - 0.006).abs() < 1e-12, "{}", t.p99_usd);
        // A merge recomputes the same figures from the same state, seed and years.
        let again = CostReport::of(10.0, 2.0, loss.clone(), Some((t.years, t.seed, t.threshold_usd)));
        assert_eq!(again.annual_loss, Some(t));
        // Frequent disasters simulate fewer years (at most 10^7 draws), never below 1,000.
        assert_eq!(AnnualTail::years_for(0.5), 100_000);
        assert_eq!(AnnualTail::years_for(1e3), 10_000);
        assert_eq!(AnnualTail::years_for(1e6), 1_000);
    }
}
