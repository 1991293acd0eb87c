//! One disaster trial of each shipped scenario's strategies, end to end through the public API
//! (scenario file, strategy, replication, detection, runbooks, failback).
//!
//! `cargo bench --bench trial`

use criterion::{Criterion, criterion_group, criterion_main};
use drsim::scenario::Scenario;
use drsim::trial::DisasterTrial;

fn trials(c: &mut Criterion) {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/scenarios");
    let mut g = c.benchmark_group("trial");
    g.sample_size(20);
    for file in ["reference", "backup-restore", "pilot-light", "warm-standby", "multi-site"] {
        let scenario = Scenario::from_path(format!("{dir}/{file}.toml")).expect("shipped scenario");
        for entry in &scenario.strategies {
            let strategy = drsim::strategies::build(entry).expect("shipped strategy");
            let trial = DisasterTrial::new(&scenario.disaster, strategy.as_ref()).expect("valid trial");
            let mut i = 0u64;
            g.bench_function(format!("{file}/{}", entry.label()), |b| {
                b.iter(|| {
                    i += 1;
                    trial.run(42, i).expect("trial runs")
                })
            });
        }
    }
    g.finish();
}

criterion_group!(benches, trials);
criterion_main!(benches);
