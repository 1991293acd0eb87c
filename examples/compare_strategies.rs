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
//! Every strategy faces exactly the same disasters and writes (common random numbers: trial i
//! draws from streams derived from (seed, i)). Trials run in parallel; results do not depend on
//! the number of threads.
//!
//! ```text
//! cargo run --release --example compare_strategies -- --trials 10000
//! ```

use std::time::Instant;

use clap::Parser;
use drsim::scenario::Scenario;
use drsim::stats::{Proportion, Summary};
use drsim::trial::{DisasterTrial, TrialOutcome};
use rayon::prelude::*;

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
}

fn fmt_secs(s: f64) -> String {
    if s >= 3600.0 {
        format!("{:.2}h", s / 3600.0)
    } else if s >= 60.0 {
        format!("{:.1}m", s / 60.0)
    } else if s >= 1.0 || s == 0.0 {
        format!("{s:.2}s")
    } else {
        format!("{:.1}ms", s * 1e3)
    }
}

fn describe(values: &mut Vec<f64>) -> String {
    match Summary::of(values) {
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

fn attainment(outcomes: &[TrialOutcome], met: impl Fn(&TrialOutcome) -> Option<bool>) -> String {
    let n = outcomes.iter().filter(|o| met(o).is_some()).count() as u64;
    if n == 0 {
        return "    -".into();
    }
    let k = outcomes.iter().filter(|o| met(o) == Some(true)).count() as u64;
    let p = Proportion::wilson(k, n);
    format!("{:>5.1}% [{:.1}, {:.1}]", 100.0 * p.estimate, 100.0 * p.low, 100.0 * p.high)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = Args::parse();
    let path =
        args.scenario.unwrap_or_else(|| concat!(env!("CARGO_MANIFEST_DIR"), "/examples/scenarios/compare.toml").into());
    let scenario = Scenario::from_path(&path)?;
    let trials = args.trials.unwrap_or(scenario.trials.count);
    let seed = args.seed.unwrap_or(scenario.trials.seed);
    if scenario.strategies.is_empty() {
        return Err(format!("{}: no [[strategies]] to compare", path.display()).into());
    }
    println!(
        "scenario {:?}: {} disasters per strategy, seed {seed}, {} threads",
        scenario.name,
        trials,
        rayon::current_num_threads()
    );
    let o = &scenario.disaster.objectives;
    println!(
        "objectives: RTO {}, RPO {}\n",
        o.rto.map_or("none".into(), |d| d.to_string()),
        o.rpo.map_or("none".into(), |d| d.to_string())
    );
    println!(
        "{:<18} {:>44}  {:<20} {:>44}  {:<20} {:>9} {:>9} {:>7}",
        "strategy",
        "RTO  mean ± 95% CI      p50      p95      p99",
        "P(RTO <= objective)",
        "RPO  mean ± 95% CI      p50      p95      p99",
        "P(RPO <= objective)",
        "failback",
        "freeze",
        "trials/s"
    );
    for entry in &scenario.strategies {
        let strategy = drsim::strategies::build(entry)?;
        let trial = DisasterTrial::new(&scenario.disaster, strategy.as_ref())?;
        let start = Instant::now();
        let outcomes: Vec<TrialOutcome> =
            (0..trials).into_par_iter().map(|i| trial.run(seed, i)).collect::<Result<_, _>>()?;
        let rate = trials as f64 / start.elapsed().as_secs_f64();
        let mut rto: Vec<f64> = outcomes.iter().filter_map(|o| o.rto.map(|d| d.as_secs_f64())).collect();
        let mut rpo: Vec<f64> = outcomes.iter().map(|o| o.rpo.as_secs_f64()).collect();
        let mut fb: Vec<f64> = outcomes.iter().filter_map(|o| o.failback.map(|d| d.as_secs_f64())).collect();
        let mut fz: Vec<f64> = outcomes.iter().filter_map(|o| o.write_freeze.map(|d| d.as_secs_f64())).collect();
        let mean = |v: &mut Vec<f64>| Summary::of(v).map_or("-".into(), |s| fmt_secs(s.mean));
        println!(
            "{:<18} {}  {:<20} {}  {:<20} {:>9} {:>9} {:>7.0}",
            entry.label(),
            describe(&mut rto),
            attainment(&outcomes, |o| o.rto_met),
            describe(&mut rpo),
            attainment(&outcomes, |o| o.rpo_met),
            mean(&mut fb),
            mean(&mut fz),
            rate
        );
        let failed = outcomes.iter().filter(|o| o.flags.recovery_failed).count();
        let unstable = outcomes.iter().any(|o| o.flags.unstable_replication);
        let late = outcomes.iter().filter(|o| o.flags.outlasted_horizon).count();
        if failed + late > 0 || unstable {
            println!(
                "{:<18} flags: {failed} recoveries failed, {late} outlasted the horizon{}",
                "",
                if unstable { ", replication UNSTABLE (backlog grows without bound)" } else { "" }
            );
        }
    }
    Ok(())
}
