//! The cost of simulating one hour of each replication model, per-write against fluid side by
//! side, at several write rates (docs/replication-models.md).
//!
//! Each iteration builds a model, queries its loss once per simulated second for an hour
//! (3,600 queries, as a trial or a sweep would) and reads its counters. Poisson writes of
//! Exp(10 kB) on a link at twice the offered load, 1,000 km away; the on/off workload bursts at
//! 5× its mean rate (Exp(2 s) on, Exp(8 s) off). The per-write models are run at 10 and 1,000
//! writes/s (100,000 writes/s is 3.6 × 10^8 writes an hour: seconds per iteration); the fluid
//! also at 100,000 and 10,000,000 writes/s, where its cost does not move.
//!
//! `cargo bench --bench replication -- --warm-up-time 1 --measurement-time 3`

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use drsim::engine::{Distribution, DurationDistribution, SimDuration, SimTime, TrialStreams};
use drsim::model::{
    Arrivals, FluidAsync, LinkDownPolicy, LinkSpec, Replication, ReplicationSpec, SnapshotKind, SnapshotSpec,
    WorkloadSpec,
};

const SIZE: f64 = 10_000.0;

fn workload(rate: f64, bursty: bool) -> WorkloadSpec {
    let size = Distribution::exponential(SIZE).expect("positive mean");
    if !bursty {
        return WorkloadSpec::poisson(rate, size).expect("valid");
    }
    let exp = |m: f64| DurationDistribution::new(Distribution::exponential(m).expect("positive")).expect("valid");
    WorkloadSpec {
        arrivals: Arrivals::OnOff { on_rate_per_s: 5.0 * rate, off_rate_per_s: 0.0, on: exp(2.0), off: exp(8.0) },
        size_bytes: size,
    }
}

fn link(rate: f64) -> LinkSpec {
    let latency = DurationDistribution::fixed(SimDuration::from_secs_f64(0.0075));
    LinkSpec::new("P", "S", latency, 2.0 * rate * SIZE).expect("valid")
}

fn one_hour(repl: &mut dyn Replication) -> u64 {
    let mut lost = 0;
    for s in 1..=3600u64 {
        lost += repl.loss_at(SimTime::ZERO + SimDuration::from_secs(s)).expect("forward").bytes_lost;
    }
    lost + repl.stats().writes_written
}

fn models(c: &mut Criterion) {
    let mut g = c.benchmark_group("replication_one_hour");
    g.sample_size(10);
    let specs: [(&str, ReplicationSpec); 4] = [
        ("sync", ReplicationSpec::Synchronous { on_link_down: LinkDownPolicy::Block }),
        ("async_per_write", ReplicationSpec::Asynchronous),
        ("async_fluid", ReplicationSpec::AsyncFluid { queueing_correction: false }),
        (
            "snapshot_5m_incr",
            ReplicationSpec::Snapshot(SnapshotSpec {
                interval: SimDuration::from_mins(5),
                phase: None,
                size: SnapshotKind::Incremental,
                retention: Default::default(),
                failure_probability: 0.0,
            }),
        ),
    ];
    for bursty in [false, true] {
        for rate in [10.0, 1_000.0, 100_000.0, 10_000_000.0] {
            let w = workload(rate, bursty);
            let l = link(rate);
            for (name, spec) in &specs {
                let per_write = *name != "async_fluid";
                if per_write && rate > 1_000.0 {
                    continue;
                }
                let id = format!("{name}/{}", if bursty { "onoff" } else { "poisson" });
                g.bench_with_input(BenchmarkId::new(id, rate), &rate, |b, _| {
                    b.iter(|| {
                        let mut m = spec.build(&l, &w, TrialStreams::new(1, 0), SimTime::ZERO).expect("valid");
                        one_hour(m.as_mut())
                    })
                });
            }
        }
    }
    g.finish();
    // The fluid's own cost counter, printed once for the record.
    for rate in [10.0, 1_000.0, 100_000.0, 10_000_000.0] {
        let mut m =
            FluidAsync::new(&link(rate), &workload(rate, true), TrialStreams::new(1, 0), SimTime::ZERO).expect("valid");
        one_hour(&mut m);
        eprintln!("fluid on/off at {rate} writes/s: {} rate segments in one hour", m.segments());
    }
}

criterion_group!(benches, models);
criterion_main!(benches);
