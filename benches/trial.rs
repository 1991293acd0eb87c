//! One disaster trial of each shipped scenario's strategies, end to end through the public API
//! (scenario file, strategy, replication, detection, runbooks, failback), and the reference
//! trial (benchmarks.md section 2) beside a hand-written minimal program of the same model, so that
//! the ratio the performance issue asks for is measured in one run.
//!
//! `cargo bench --bench trial`
//!
//! ```text
//!   reference/hand-written      one trial: Poisson writes -> Lindley FIFO -> loss at t_d,
//!                               detection, max(launch x6, promote) + TTL; no library code
//!   ..., latencies skipped      the same, drawing only the latencies within 50 ms of t_d
//!   reference/warm standby ...  the same trial through Scenario -> Strategy -> DisasterTrial
//!   monte-carlo/...             2,000 trials on one thread: run_trials (summaries included)
//!                               against the hand-written loop
//!   ransomware/...              one ransomware trial of examples/scenarios/ransomware.toml
//!                               (dwell of days: counted, not simulated; target ≤ 1 ms)
//! ```

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use drsim::scenario::Scenario;
use drsim::trial::DisasterTrial;

#[path = "hand_written/mod.rs"]
mod hand_written;
use hand_written::hand_written;

fn trials(c: &mut Criterion) {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/scenarios");
    let mut g = c.benchmark_group("trial");
    g.sample_size(20);
    for (name, skip) in [("reference/hand-written", false), ("reference/hand-written, latencies skipped", true)] {
        let mut i = 0u64;
        g.bench_function(name, |b| {
            b.iter(|| {
                i += 1;
                hand_written(black_box(42), i, skip)
            })
        });
    }
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
    // A logical disaster: the mix's second entry, whatever its dwell.
    let scenario = Scenario::from_path(format!("{dir}/ransomware.toml")).expect("shipped scenario");
    for entry in &scenario.strategies {
        let strategy = drsim::strategies::build(entry).expect("shipped strategy");
        let trial = DisasterTrial::new(&scenario.disaster, strategy.as_ref()).expect("valid trial");
        let t_c = drsim::engine::SimTime::ZERO + drsim::engine::SimDuration::from_hours(1);
        let mut i = 0u64;
        g.bench_function(format!("ransomware/{}", entry.label()), |b| {
            b.iter(|| {
                i += 1;
                let streams = drsim::engine::TrialStreams::new(42, i);
                trial
                    .run_disaster(
                        1,
                        i,
                        streams,
                        drsim::engine::SimTime::ZERO,
                        t_c,
                        drsim::engine::SimDuration::ZERO,
                        &[],
                    )
                    .expect("trial runs")
            })
        });
    }
    g.finish();
}

/// Many trials on one thread, summaries included: what `drsim run` does per core.
fn monte_carlo(c: &mut Criterion) {
    const N: u64 = 2_000;
    let scenario = Scenario::from_path(concat!(env!("CARGO_MANIFEST_DIR"), "/examples/scenarios/reference.toml"))
        .expect("shipped scenario");
    let strategy = drsim::strategies::build(&scenario.strategies[0]).expect("shipped strategy");
    let trial = DisasterTrial::new(&scenario.disaster, strategy.as_ref()).expect("valid trial");
    let pool = rayon::ThreadPoolBuilder::new().num_threads(1).build().expect("one thread");
    // Same model, so the same means within sampling error (independent streams): shown, so a
    // reader can see the baseline is not a different, cheaper model.
    let hand: Vec<_> = (0..N).map(|i| hand_written(42, i, false)).collect();
    let mean = |f: fn(&(u64, u64, u64)) -> u64| hand.iter().map(f).sum::<u64>() as f64 / N as f64 * 1e-9;
    let summary = pool.install(|| drsim::montecarlo::run_trials(&trial, 42, 0..N).expect("trials run"));
    let drsim_mean = |a: &drsim::montecarlo::Accumulator| a.summary(1e-9).map_or(f64::NAN, |s| s.mean);
    eprintln!(
        "{N} trials: hand-written mean RTO {:.1} s, RPO {:.4} s; drsim mean RTO {:.1} s, RPO {:.4} s",
        mean(|t| t.0),
        mean(|t| t.1),
        drsim_mean(&summary.rto),
        drsim_mean(&summary.rpo),
    );
    let mut g = c.benchmark_group("monte-carlo");
    g.sample_size(10);
    g.throughput(Throughput::Elements(N));
    for (name, skip) in [("reference/hand-written", false), ("reference/hand-written, latencies skipped", true)] {
        g.bench_function(name, |b| {
            b.iter(|| {
                let (mut rto, mut rpo, mut lost) = (0u64, 0u64, 0u64);
                for i in 0..N {
                    let (a, b, c) = hand_written(42, i, skip);
                    rto += a;
                    rpo += b;
                    lost += c;
                }
                (rto, rpo, lost)
            })
        });
    }
    g.bench_function("reference/drsim run_trials", |b| {
        b.iter(|| pool.install(|| drsim::montecarlo::run_trials(&trial, 42, 0..N).expect("trials run")))
    });
    g.finish();
}

criterion_group!(benches, trials, monte_carlo);
criterion_main!(benches);
