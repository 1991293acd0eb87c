//! A parameter sweep in code: replication bandwidth × warm-standby fraction on the reference
//! scenario, 500 disasters per point, typed from end to end, written to `sweep.csv`.
//!
//! ```text
//!   reference.toml ─┬─ link P→S bandwidth ∈ {35, 50, 100} MB/s ─┐
//!                   └─ standby fraction   ∈ {0.25, 0.5, 1}     ─┴─> Study ─> RTO, RPO ─> sweep.csv
//! ```
//!
//! `cargo run --release --example sweep`

use drsim::Study;
use drsim::scenario::{Scenario, StrategyEntry};
use drsim::warm_standby::WarmStandbyParams;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let base = Scenario::from_path(concat!(env!("CARGO_MANIFEST_DIR"), "/examples/scenarios/reference.toml"))?;
    let mut csv = String::from("bandwidth_mb_s,standby_fraction,recovered,rto_mean_s,rto_p95_s,rpo_mean_s\n");
    for mb_s in [35.0, 50.0, 100.0] {
        for fraction in [0.25, 0.5, 1.0] {
            let mut sc = base.clone();
            let topology = &mut sc.disaster.deployment.topology;
            *topology = topology.with_link("P", "S", |l| l.bandwidth_bytes_per_s = mb_s * 1e6)?;
            let params = WarmStandbyParams { standby_fraction: fraction, ..WarmStandbyParams::default() };
            sc.strategies = vec![StrategyEntry::typed("warm_standby", &params)?];
            let s = &Study::new(sc)?.trials(500).seed(1).keep_outcomes(false).run()?.summaries()[0];
            let (rto, rpo) = (s.rto_s.map_or(f64::NAN, |m| m.mean), s.rpo_s.map_or(f64::NAN, |m| m.mean));
            let p95 = s.rto_all_trials_s[2].map_or("inf".into(), |x| format!("{x:.1}"));
            csv += &format!("{mb_s},{fraction},{},{rto:.1},{p95},{rpo:.4}\n", s.recovered);
        }
    }
    std::fs::write("sweep.csv", &csv)?;
    print!("{csv}");
    Ok(())
}
