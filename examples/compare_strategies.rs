//! The main job: the four built-in strategies against the same disasters, compared on RTO,
//! RPO and failback, over thousands of Monte Carlo trials.
//!
//! ```text
//!  region us-east                          region us-west
//! ┌───────────┐   replication link: 100 MB/s,  ┌──────────────────────────────────────┐
//! │ primary P │ ── 35 ms ± 5 ms ─────────────> │ standby S                            │
//! └───────────┘                                │  backup & restore: nightly... hourly │
//!  region failure at a random time             │  pilot light:  data only, no compute │
//!                                              │  warm standby: 25 % of production    │
//!                                              │  multi-site:   50 % of traffic, sync │
//!                                              └──────────────────────────────────────┘
//! ```
//!
//! One [`Study`](drsim::Study) runs them all: every strategy faces exactly the same disasters
//! and writes (common random numbers: trial i draws from streams derived from (seed, i)), so
//! the paired differences printed under the table are narrow. Trials run in parallel; results
//! do not depend on the number of threads.
//!
//! ```text
//! cargo run --release --example compare_strategies -- --trials 10000
//! ```

use std::time::Instant;

use clap::Parser;
use drsim::Study;
use drsim::model::Stability;
use drsim::montecarlo::{Accumulator, Attainment, TrialsSummary};
use drsim::scenario::Scenario;
use drsim::stats::format_secs as fmt_secs;

/// Compare the four built-in strategies on a scenario.
#[derive(Parser)]
struct Args {
    /// Scenario file (default: the built-in comparison scenario).
    #[arg(long)]
    scenario: Option<std::path::PathBuf>,
    /// Disaster trials per strategy (default: the scenario's count).
    #[arg(long)]
    trials: Option<u64>,
    /// Seed (default: the scenario's seed).
    #[arg(long)]
    seed: Option<u64>,
    /// Where to write the SVG of the RTO and RPO distributions.
    #[arg(long, default_value = "compare_strategies.svg")]
    plot: std::path::PathBuf,
    /// Linear time axes in the plot (default: logarithmic).
    #[arg(long)]
    linear: bool,
}

fn describe(acc: &Accumulator) -> String {
    match acc.summary_secs() {
        Some(s) => format!(
            "{:>8} ±{:>7} {:>8} {:>8} {:>8}",
            fmt_secs(s.mean),
            fmt_secs(s.ci95),
            fmt_secs(s.p50),
            fmt_secs(s.p95),
            fmt_secs(s.p99)
        ),
        None => format!("{:>44}", "none"),
    }
}

/// RTO: mean over the recovered trials; quantiles over all trials, censored ones (never
/// recovered within the horizon) counting as +∞.
fn describe_rto(s: &TrialsSummary) -> String {
    let q = |p| s.rto_quantile_all(p).map_or(">horizon".into(), |ns| fmt_secs(ns as f64 * 1e-9));
    match s.rto.summary_secs() {
        Some(m) => {
            format!("{:>8} ±{:>7} {:>8} {:>8} {:>8}", fmt_secs(m.mean), fmt_secs(m.ci95), q(0.5), q(0.95), q(0.99))
        }
        None => format!("{:>44}", "none recovered"),
    }
}

fn attainment(a: &Attainment) -> String {
    let Some(p) = a.proportion() else { return "    -".into() };
    format!("{:>5.1}% [{:.1}, {:.1}]", 100.0 * p.estimate, 100.0 * p.low, 100.0 * p.high)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = Args::parse();
    let path =
        args.scenario.unwrap_or_else(|| concat!(env!("CARGO_MANIFEST_DIR"), "/examples/scenarios/compare.toml").into());
    let scenario = Scenario::from_path(&path)?;
    if scenario.strategies.is_empty() {
        return Err(format!("{}: no [[strategies]] to compare", path.display()).into());
    }
    let trials = args.trials.unwrap_or(scenario.trials.count);
    let seed = args.seed.unwrap_or(scenario.trials.seed);
    // Summaries stream: memory does not grow with the number of trials.
    // No pricing: this table shows no cost (`choose_strategy` does), and the rate is of trials.
    let study = Study::new(scenario)?.trials(trials).seed(seed).keep_outcomes(false).pricing(false);
    let sc = study.scenario();
    println!(
        "scenario {:?}: {} disasters per strategy, seed {seed}, {} threads",
        sc.name,
        trials,
        study.thread_count()
    );
    let o = &sc.disaster.objectives;
    println!(
        "objectives: RTO {}, RPO {}\n",
        o.rto.map_or("none".into(), |d| d.to_string()),
        o.rpo.map_or("none".into(), |d| d.to_string())
    );
    // Whether each strategy's replication keeps up (its backlog has a steady state).
    let stability: Vec<Stability> = study.disaster_trials()?.iter().map(|t| t.replication_stability()).collect();
    let start = Instant::now();
    let result = study.run()?;
    let elapsed = start.elapsed().as_secs_f64();
    println!(
        "{:<18} {:>11} {:>44}  {:<20} {:>44}  {:<20} {:>9} {:>9}",
        "strategy",
        "recovered",
        "RTO  mean ± 95% CI      p50      p95      p99",
        "P(RTO <= objective)",
        "RPO  mean ± 95% CI      p50      p95      p99",
        "P(RPO <= objective)",
        "failback",
        "freeze",
    );
    for (r, stability) in result.strategies.iter().zip(&stability) {
        let s = &r.state;
        let mean = |a: &Accumulator| a.summary_secs().map_or("-".into(), |m| fmt_secs(m.mean));
        println!(
            "{:<18} {:>11} {}  {:<20} {}  {:<20} {:>9} {:>9}",
            r.name,
            format!("{}/{}", s.recovered(), s.trials),
            describe_rto(s),
            attainment(&s.rto_met),
            match stability {
                Stability::Unstable { growth_bytes_per_s, .. } => {
                    format!("{:>44}", format!("grows without bound (+{:.0} B/s)", growth_bytes_per_s))
                }
                _ => describe(&s.rpo),
            },
            attainment(&s.rpo_met),
            mean(&s.failback),
            mean(&s.write_freeze),
        );
        if s.recovery_failed + s.outlasted_horizon + s.unstable_replication > 0 {
            println!(
                "{:<18} flags: {} recoveries failed, {} outlasted the horizon, {} with UNSTABLE replication",
                "", s.recovery_failed, s.outlasted_horizon, s.unstable_replication
            );
        }
    }
    // Every strategy faced the same disasters, so trial-by-trial differences against the
    // first strategy have much narrower intervals than the difference of two means.
    let first = &result.strategies[0].name;
    if result.strategies.len() > 1 {
        println!("\npaired against {first}, over the same disasters (B - A, mean ± 95% CI):");
    }
    for r in &result.strategies[1..] {
        let d = |p: &drsim::montecarlo::PairedAccumulator| {
            p.difference_secs().map_or("-".into(), |d| format!("{:>+9.1}s ±{:>6.1}s", d.mean, d.ci95))
        };
        println!("  {:<18} RTO {}   RPO {}", r.name, d(&r.paired_rto), d(&r.paired_rpo));
    }
    let n = trials as f64 * result.strategies.len() as f64;
    println!("\n{n:.0} trials in {elapsed:.2} s ({:.0} trials/s)", n / elapsed);
    use drsim::plot::{Axis, Curve};
    let rs = &result.strategies;
    let rto: Vec<_> =
        rs.iter().map(|r| Curve { label: &r.name, values: &r.state.rto, trials: r.state.trials }).collect();
    let rpo: Vec<_> =
        rs.iter().map(|r| Curve { label: &r.name, values: &r.state.rpo, trials: r.state.trials }).collect();
    let axis = if args.linear { Axis::Linear } else { Axis::Log };
    let svg = drsim::plot::cdf_plot(&rto, o.rto.map(|d| d.as_secs_f64()), &rpo, o.rpo.map(|d| d.as_secs_f64()), axis);
    std::fs::write(&args.plot, svg).map_err(|e| format!("{}: {e}", args.plot.display()))?;
    println!("\nCDFs of RTO and RPO: {}", args.plot.display());
    Ok(())
}
