//! A strategy that drsim does not ship — cold standby with a manual declaration and a runbook
//! loaded from data — written only against the public API: the proof that strategies plug in.
//!
//! ```text
//!   region A              region B (cold: nothing running)
//!  ┌─────────┐  nightly   ┌──────────────────────────────────────────────┐
//!  │ primary │ ─backups─> │ declare ─┬─> power on ×8 ─┐                   │
//!  └─────────┘            │          └─> restore ─────┴─> smoke test ─> DNS│
//!                         └──────────────────────────────────────────────┘
//! ```
//!
//! The strategy is in `cold_standby/mod.rs` (shared with `custom_cli.rs`, which runs it from
//! a `drsim` command of your own); its runbook lives in
//! `examples/scenarios/cold-standby-runbook.toml`; the deployment and the disaster come from
//! `examples/scenarios/reference.toml`. The strategy is registered under the
//! kind `cold_standby`, so a scenario's `[[strategies]]` names it like a built-in one, with
//! typed parameters, and `Study` runs it. Run:
//!
//! ```text
//! cargo run --release --example custom_strategy -- --trials 2000
//! ```

mod cold_standby;

use clap::Parser;
use cold_standby::ColdStandby;
use drsim::Study;
use drsim::engine::SimDuration;
use drsim::scenario::Scenario;
use drsim::stats::format_secs;
use drsim::strategies::Registry;

/// Cold standby with a data-driven runbook.
#[derive(Parser)]
struct Args {
    /// Disaster trials.
    #[arg(long, default_value_t = 2000)]
    trials: u64,
    /// Seed.
    #[arg(long, default_value_t = 42)]
    seed: u64,
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = Args::parse();
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/scenarios");
    // The reference deployment, with the cold-standby entry where its strategies were.
    let reference = std::fs::read_to_string(format!("{dir}/reference.toml"))?;
    let text = reference.split("[[strategies]]").next().unwrap_or_default().to_string()
        + "[[strategies]]\nkind = \"cold_standby\"\nname = \"cold standby\"\n[strategies.params]\nrunbook = \"cold-standby-runbook.toml\"\n";
    let mut scenario = Scenario::from_toml_str(&text, "reference.toml + cold_standby")?;
    // Nightly backups need the schedule at a random phase: warm up two days.
    scenario.disaster.event.warm_up = SimDuration::from_days(2);
    scenario.disaster.event.window = SimDuration::from_days(1);
    scenario.disaster.objectives.rto = Some(SimDuration::from_hours(4));
    scenario.disaster.objectives.rpo = Some(SimDuration::from_hours(24));
    // Cold standby writes little: 1 write/s keeps the backup history cheap.
    scenario.disaster.deployment.workload.arrivals = drsim::model::Arrivals::Poisson { rate_per_s: 1.0 };

    let registry = Registry::builtin().register("cold_standby", ColdStandby::new);
    let result = Study::with_registry(scenario, &registry)?.trials(args.trials).seed(args.seed).run()?;
    let s = &result.summaries()[0];
    println!("cold standby, {} disasters, seed {}, {}/{} recovered", s.trials, args.seed, s.recovered, s.trials);
    for (name, m) in [("RTO", s.rto_s), ("RPO", s.rpo_s)] {
        if let Some(m) = m {
            println!(
                "{name:<4} mean {} ± {}  p50 {}  p95 {}  p99 {}  max {}",
                format_secs(m.mean),
                format_secs(m.ci95),
                format_secs(m.p50),
                format_secs(m.p95),
                format_secs(m.p99),
                format_secs(m.max)
            );
        }
    }
    for (name, p) in [("P(RTO <= 4 h) ", s.p_rto_met), ("P(RPO <= 24 h)", s.p_rpo_met)] {
        if let Some(p) = p {
            println!("{name} = {:.3} [{:.3}, {:.3}]", p.estimate, p.low, p.high);
        }
    }
    println!("recoveries failed (a step out of retries): {}", result.strategies[0].state.recovery_failed);
    Ok(())
}
