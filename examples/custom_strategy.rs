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
//! The runbook lives in `examples/scenarios/cold-standby-runbook.toml`; the deployment and the
//! disaster come from `examples/scenarios/reference.toml`. The strategy is registered under the
//! kind `cold_standby`, so a scenario's `[[strategies]]` names it like a built-in one, with
//! typed parameters, and `Study` runs it. Run:
//!
//! ```text
//! cargo run --release --example custom_strategy -- --trials 2000
//! ```

use clap::Parser;
use drsim::Study;
use drsim::engine::SimDuration;
use drsim::model::{ReplicationSpec, SnapshotKind, SnapshotSpec};
use drsim::recovery::{Deployment, FailbackContext, RecoveryContext, Runbook, SteadyState, Strategy, StrategyError};
use drsim::scenario::Scenario;
use drsim::stats::format_secs;
use drsim::strategies::Registry;
use serde::Deserialize;

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

/// The runbooks, as read from TOML.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Runbooks {
    recovery: Runbook,
    failback: Runbook,
}

/// Cold standby: nightly backups shipped to the DR site, nothing running there.
struct ColdStandby {
    runbooks: Runbooks,
}

/// Its parameters in a scenario file: `[strategies.params] runbook = "..."`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ColdStandbyParams {
    /// The runbook file, relative to `examples/scenarios`.
    runbook: String,
}

impl ColdStandby {
    fn new(p: ColdStandbyParams) -> Result<Self, StrategyError> {
        let bad = |value: String| StrategyError::BadParameter {
            strategy: "cold_standby".into(),
            field: "runbook",
            value,
            allowed: "a readable TOML file with [recovery] and [failback] runbooks",
        };
        let path = format!("{}/examples/scenarios/{}", env!("CARGO_MANIFEST_DIR"), p.runbook);
        let text = std::fs::read_to_string(&path).map_err(|e| bad(format!("{path}: {e}")))?;
        let runbooks = toml::from_str(&text).map_err(|e| bad(format!("{path}: {e}")))?;
        Ok(ColdStandby { runbooks })
    }
}

impl Strategy for ColdStandby {
    fn name(&self) -> &str {
        "cold standby"
    }

    fn steady_state(&self, d: &Deployment) -> Result<SteadyState, StrategyError> {
        Ok(SteadyState {
            replication: ReplicationSpec::Snapshot(SnapshotSpec {
                interval: SimDuration::from_hours(24),
                phase: None,
                size: SnapshotKind::Incremental,
                retention: Default::default(),
                failure_probability: 0.02,
                vault: Default::default(),
            }),
            capacity: vec![(d.primary.clone(), d.instances_needed())],
            traffic: vec![(d.primary.clone(), 1.0)],
            data_ready: vec![d.primary.clone()],
            // The production database runs at the primary; nothing runs at the cold site.
            database_size: vec![(d.primary.clone(), 1.0)],
        })
    }

    fn recovery(&self, _: &RecoveryContext<'_>) -> Result<Runbook, StrategyError> {
        Ok(self.runbooks.recovery.clone())
    }

    fn failback(&self, _: &FailbackContext<'_>) -> Result<Runbook, StrategyError> {
        Ok(self.runbooks.failback.clone())
    }
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
    scenario.disaster.disaster.warm_up = SimDuration::from_days(2);
    scenario.disaster.disaster.window = SimDuration::from_days(1);
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
