//! Scaling: the cost of a failure event as the number of sites grows (2, 16, 128, 1,024 sites,
//! a failure process per site and per zone over a year), the cost of a disaster trial as the
//! number of `[[faults]]` processes grows (1,000 to 10,000: O(n log n)), and trials per second
//! on 1 and 2 threads.
//!
//! `cargo bench --bench scaling`

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use drsim::engine::{Distribution, DurationDistribution, SimDuration, TrialStreams};
use drsim::model::{FailureProcess, FailureTarget, SiteSpec, Topology, TopologySpec, ZoneSpec, simulate_failures};
use drsim::montecarlo::run_trials;
use drsim::scenario::Scenario;
use drsim::trial::DisasterTrial;
use rayon::prelude::*;

#[path = "hand_written/mod.rs"]
mod hand_written;

fn exp_hours(h: f64) -> DurationDistribution {
    DurationDistribution::new(Distribution::exponential(h * 3600.0).expect("positive mean")).expect("valid")
}

/// `n` sites in `n / 8` zones (at least one) of one region; each site fails every 30 days on
/// average and each zone every 90 days, repairs in hours.
fn deployment(n: usize) -> (Topology, Vec<FailureProcess>) {
    let zones = (n / 8).max(1);
    let spec = TopologySpec {
        regions: vec!["R".into()],
        zones: (0..zones).map(|z| ZoneSpec { name: format!("z{z}"), region: "R".into() }).collect(),
        sites: (0..n)
            .map(|s| SiteSpec {
                name: format!("s{s}"),
                zone: format!("z{}", s % zones),
                instances_running: 1,
                instances_needed: 1,
            })
            .collect(),
        links: vec![],
    };
    let mut processes: Vec<FailureProcess> = (0..n)
        .map(|s| FailureProcess {
            target: FailureTarget::Site(format!("s{s}")),
            time_between_failures: exp_hours(720.0),
            time_to_repair: exp_hours(4.0),
        })
        .collect();
    processes.extend((0..zones).map(|z| FailureProcess {
        target: FailureTarget::Zone(format!("z{z}")),
        time_between_failures: exp_hours(2160.0),
        time_to_repair: exp_hours(2.0),
    }));
    (Topology::new(spec).expect("valid topology"), processes)
}

fn sites(c: &mut Criterion) {
    let mut g = c.benchmark_group("failure_events_by_sites");
    g.sample_size(10);
    for n in [2usize, 16, 128, 1024] {
        let (topology, processes) = deployment(n);
        let year = SimDuration::from_days(365);
        // Events per run: a failure and a repair per process outage, counted once up front.
        let h = simulate_failures(&topology, &processes, year, TrialStreams::new(1, 0)).expect("runs");
        let events: u64 = h.process_failures.iter().sum::<u64>() * 2;
        g.throughput(Throughput::Elements(events.max(1)));
        g.bench_with_input(BenchmarkId::from_parameter(n), &n, |b, _| {
            b.iter(|| simulate_failures(&topology, &processes, year, TrialStreams::new(1, 0)).expect("runs"))
        });
    }
    g.finish();
}

/// A disaster trial (the `TwoRegions` reference) with `n` fault processes on the standby,
/// each failing every 10 years on average for an hour: each trial draws every process's start
/// state and a few transitions, so its cost grows as n log n (one pending event per process on
/// the queue), not n² as when every fault re-scanned every process.
fn faults(c: &mut Criterion) {
    use drsim::model::ReplicationSpec;
    use drsim::recovery::{
        Deployment, Effect, FailbackContext, RecoveryContext, Runbook, SteadyState, Step, Strategy, StrategyError,
    };
    struct Plain;
    impl Strategy for Plain {
        fn name(&self) -> &str {
            "plain"
        }
        fn steady_state(&self, _: &Deployment) -> Result<SteadyState, StrategyError> {
            Ok(SteadyState {
                replication: ReplicationSpec::Asynchronous,
                capacity: vec![("P".into(), 8)],
                traffic: vec![("P".into(), 1.0)],
                data_ready: vec!["P".into()],
                database_size: vec![],
            })
        }
        fn recovery(&self, _: &RecoveryContext<'_>) -> Result<Runbook, StrategyError> {
            let s = |x| DurationDistribution::fixed(SimDuration::from_secs(x));
            Ok(Runbook::new(vec![
                Step::new("launch", s(120)).effect(Effect::AddCapacity { site: "S".into(), instances: 8 }),
                Step::new("promote", s(0)).effect(Effect::DataReady { site: "S".into() }),
                Step::new("dns", s(0))
                    .after(["launch", "promote"])
                    .effect(Effect::RouteTraffic { sites: vec!["S".into()], ttl: SimDuration::from_secs(60) }),
            ]))
        }
        fn failback(&self, _: &FailbackContext<'_>) -> Result<Runbook, StrategyError> {
            Ok(Runbook::new(vec![]))
        }
    }
    let mut g = c.benchmark_group("trial_by_fault_processes");
    g.sample_size(10);
    for n in [1_000usize, 4_000, 10_000] {
        let mut sc = drsim::trial::TwoRegions::default().scenario();
        sc.faults = (0..n)
            .map(|_| FailureProcess {
                target: FailureTarget::Site("S".into()),
                time_between_failures: exp_hours(87_600.0),
                time_to_repair: exp_hours(1.0),
            })
            .collect();
        let trial = DisasterTrial::new(&sc, &Plain).expect("valid trial");
        g.throughput(Throughput::Elements(n as u64));
        let mut i = 0;
        g.bench_with_input(BenchmarkId::from_parameter(n), &n, |b, _| {
            b.iter(|| {
                i += 1;
                trial.run(1, i).expect("runs")
            })
        });
    }
    g.finish();
}

fn threads(c: &mut Criterion) {
    let scenario = Scenario::from_path(concat!(env!("CARGO_MANIFEST_DIR"), "/examples/scenarios/reference.toml"))
        .expect("shipped scenario");
    let strategy = drsim::strategies::build(&scenario.strategies[0]).expect("shipped strategy");
    let trial = DisasterTrial::new(&scenario.disaster, strategy.as_ref()).expect("valid trial");
    let mut g = c.benchmark_group("trials_by_threads");
    g.sample_size(10);
    g.throughput(Throughput::Elements(2000));
    for t in [1usize, 2] {
        let pool = rayon::ThreadPoolBuilder::new().num_threads(t).build().expect("threads");
        g.bench_with_input(BenchmarkId::from_parameter(t), &t, |b, _| {
            b.iter(|| pool.install(|| run_trials(&trial, 42, 0..2000)).expect("trials run"))
        });
        // The machine's own ceiling: the hand-written trial, which shares nothing between
        // threads, on the same pool.
        g.bench_with_input(BenchmarkId::new("hand-written", t), &t, |b, _| {
            b.iter(|| {
                pool.install(|| {
                    // Every output used, so that no part of the model is optimised away.
                    (0..2000u64)
                        .into_par_iter()
                        .map(|i| {
                            let (rto, rpo, lost) = hand_written::hand_written(42, i, false);
                            rto.wrapping_add(rpo).wrapping_add(lost)
                        })
                        .reduce(|| 0, u64::wrapping_add)
                })
            })
        });
    }
    g.finish();
}

criterion_group!(benches, sites, faults, threads);
criterion_main!(benches);
