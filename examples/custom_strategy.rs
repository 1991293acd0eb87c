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
//! disaster come from `examples/scenarios/reference.toml`. Run:
//!
//! ```text
//! cargo run --release --example custom_strategy -- --trials 2000
//! ```

use clap::Parser;
use drsim::engine::SimDuration;
use drsim::model::{ReplicationSpec, SnapshotKind, SnapshotSpec};
use drsim::recovery::{Deployment, FailbackContext, RecoveryContext, Runbook, SteadyState, Strategy, StrategyError};
use drsim::scenario::Scenario;
use drsim::stats::{Proportion, Summary};
use drsim::trial::DisasterTrial;
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
            }),
            capacity: vec![(d.primary.clone(), d.instances_needed())],
            traffic: vec![(d.primary.clone(), 1.0)],
            data_ready: vec![d.primary.clone()],
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
    let mut scenario = Scenario::from_path(format!("{dir}/reference.toml"))?;
    // Nightly backups need the schedule at a random phase: warm up two days.
    scenario.disaster.disaster.warm_up = SimDuration::from_days(2);
    scenario.disaster.disaster.window = SimDuration::from_days(1);
    scenario.disaster.objectives.rto = Some(SimDuration::from_hours(4));
    scenario.disaster.objectives.rpo = Some(SimDuration::from_hours(24));
    // Cold standby writes little: 1 write/s keeps two days of warm-up cheap.
    scenario.disaster.deployment.workload.arrivals = drsim::model::Arrivals::Poisson { rate_per_s: 1.0 };
    let path = format!("{dir}/cold-standby-runbook.toml");
    let runbooks: Runbooks = toml::from_str(&std::fs::read_to_string(&path)?).map_err(|e| format!("{path}: {e}"))?;
    let strategy = ColdStandby { runbooks };
    let trial = DisasterTrial::new(&scenario.disaster, &strategy)?;

    let (mut rto_h, mut rpo_h) = (vec![], vec![]);
    let (mut rto_met, mut rpo_met, mut failed) = (0, 0, 0);
    for i in 0..args.trials {
        let o = trial.run(args.seed, i)?;
        match o.rto {
            Some(r) => rto_h.push(r.as_secs_f64() / 3600.0),
            None => failed += 1,
        }
        rpo_h.push(o.rpo.as_secs_f64() / 3600.0);
        rto_met += u64::from(o.rto_met == Some(true));
        rpo_met += u64::from(o.rpo_met == Some(true));
    }
    println!("cold standby, {} disasters, seed {}", args.trials, args.seed);
    for (name, values) in [("RTO (h)", &mut rto_h), ("RPO (h)", &mut rpo_h)] {
        if let Some(s) = Summary::of(values) {
            println!(
                "{name:<8} mean {:.2} ± {:.2}  p50 {:.2}  p95 {:.2}  p99 {:.2}  max {:.2}",
                s.mean, s.ci95, s.p50, s.p95, s.p99, s.max
            );
        }
    }
    let p = Proportion::wilson(rto_met, args.trials);
    println!("P(RTO <= 4 h)  = {:.3} [{:.3}, {:.3}]", p.estimate, p.low, p.high);
    let p = Proportion::wilson(rpo_met, args.trials);
    println!("P(RPO <= 24 h) = {:.3} [{:.3}, {:.3}]", p.estimate, p.low, p.high);
    println!("recoveries failed (a step out of retries): {failed}");
    Ok(())
}
