//! How the backup interval sets the recovery point: backup & restore on the built-in
//! comparison scenario, sweeping the interval from 15 minutes to a day.
//!
//! ```text
//!   primary ──(a backup every T, copied to the DR region)──> DR site
//!   disaster at a random phase of the schedule:  RPO ≈ copy time + U(0, T)
//!
//!   T:   15m ─── 1h ─── 4h ─── 12h ─── 24h
//!   RPO: mean ≈ T/2 + copy time; RTO barely moves (restore time is the data set's size)
//! ```
//!
//! For each interval it prints the measured RPO (mean ± 95 % CI, p95, max), the closed form
//! T/2 + copy time beside it, the chance of meeting the scenario's RPO objective, the RTO, and
//! the bytes a full backup would ship per day (the driver of transfer and storage cost, which
//! `drsim::cost` prices: see `choose_strategy` and docs/cost-model.md).
//!
//! ```text
//! cargo run --release --example backup_interval_sweep -- --trials 2000
//! ```

use clap::Parser;
use drsim::engine::SimDuration;
use drsim::model::Arrivals;
use drsim::montecarlo::run_trials;
use drsim::scenario::Scenario;
use drsim::trial::DisasterTrial;

/// Sweep the backup interval of backup & restore.
#[derive(Parser)]
struct Args {
    /// Disaster trials per interval.
    #[arg(long, default_value_t = 2000)]
    trials: u64,
    /// Seed.
    #[arg(long, default_value_t = 42)]
    seed: u64,
}

fn fmt(s: f64) -> String {
    if s >= 3600.0 { format!("{:.2}h", s / 3600.0) } else { format!("{:.1}m", s / 60.0) }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = Args::parse();
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/scenarios/compare.toml");
    let mut scenario = Scenario::from_path(path)?;
    // The same bytes per second in fewer, larger writes: RPO counts from the first write after
    // a backup, on average 1/λ = 5 s later, negligible against the intervals swept, and the
    // day-long warm-ups stay cheap.
    let d = &mut scenario.disaster.deployment;
    d.workload.arrivals = Arrivals::Poisson { rate_per_s: 0.2 };
    d.workload.size_bytes = drsim::engine::Distribution::exponential(2_621_440.0)?;
    let entry = scenario.strategies.iter().find(|e| e.kind == "backup_restore").ok_or("no backup_restore entry")?;
    let objective = scenario.disaster.objectives.rpo;
    let link_bps = {
        let t = &scenario.disaster.deployment.topology;
        t.link_spec(t.link("P", "S").ok_or("no link P->S")?).mean_throughput_bytes_per_s()
    };
    println!(
        "backup & restore on {:?}, {} disasters per interval, seed {} (RPO objective {})",
        scenario.name,
        args.trials,
        args.seed,
        objective.map_or("none".into(), |o| o.to_string())
    );
    println!(
        "{:>9} {:>20} {:>9} {:>9} {:>14} {:>20} {:>10} {:>18}",
        "interval", "RPO mean ± 95% CI", "p95", "max", "T/2 + copy", "P(RPO<=objective)", "RTO mean", "full backup/day"
    );
    for hours in [0.25, 1.0, 4.0, 12.0, 24.0] {
        let interval = SimDuration::from_secs_f64(hours * 3600.0);
        let mut e = entry.clone();
        e.params.insert("backup_interval".into(), toml::Value::String(interval.to_string()));
        // Warm up one interval plus an hour, then strike at a random phase of the schedule.
        scenario.disaster.event.warm_up = interval + SimDuration::from_hours(1);
        scenario.disaster.event.window = interval;
        let strategy = drsim::strategies::build(&e)?;
        let trial = DisasterTrial::new(&scenario.disaster, strategy.as_ref())?;
        let s = run_trials(&trial, args.seed, 0..args.trials)?;
        let rpo = s.rpo.summary(1e-9).ok_or("no trials")?;
        let rto = s.rto.summary(1e-9);
        // Incremental backups ship the bytes written in one interval.
        let copy = scenario.disaster.deployment.workload.mean_bytes_per_s() * hours * 3600.0 / link_bps;
        let met = s.rpo_met.proportion().map_or("-".into(), |p| {
            format!("{:.1}% [{:.1}, {:.1}]", 100.0 * p.estimate, 100.0 * p.low, 100.0 * p.high)
        });
        println!(
            "{:>9} {:>20} {:>9} {:>9} {:>14} {:>20} {:>10} {:>15.0} GB",
            interval.to_string(),
            format!("{} ± {:.1}s", fmt(rpo.mean), rpo.ci95),
            fmt(rpo.p95),
            fmt(rpo.max),
            fmt(hours * 1800.0 + copy),
            met,
            rto.map_or("-".into(), |r| fmt(r.mean)),
            scenario.disaster.deployment.dataset_bytes * 24.0 / hours / 1e9
        );
    }
    Ok(())
}
