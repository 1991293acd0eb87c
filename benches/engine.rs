//! Engine benchmarks: PHOLD (../shared/bench-spec.md section 1) through drsim's event queue
//! beside a bare `BinaryHeap` loop of the same model, so the engine's overhead is a ratio
//! measured in one run; and raw queue hold operations at 10^3 to 10^6 pending events.
//!
//! `cargo bench --bench engine`

#[path = "support/phold.rs"]
mod phold;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use drsim::engine::{EventQueue, SimTime, StreamId, stream_rng};
use rand::RngExt;

const EVENTS: u64 = 1_000_000;

fn phold_vs_bare(c: &mut Criterion) {
    // The two implementations must agree to the bit, or the comparison means nothing.
    let a = phold::DrsimPhold::new(1024, 16, 42).run(100_000);
    let b = phold::BarePhold::new(1024, 16, 42).run(100_000);
    assert_eq!(a, b, "drsim and bare PHOLD disagree");

    let mut g = c.benchmark_group("phold");
    g.throughput(Throughput::Elements(EVENTS));
    g.sample_size(10);
    g.bench_function("drsim", |bench| {
        bench.iter_batched(
            || phold::DrsimPhold::new(1024, 16, 42),
            |mut m| m.run(EVENTS),
            criterion::BatchSize::LargeInput,
        )
    });
    g.bench_function("bare_binaryheap", |bench| {
        bench.iter_batched(
            || phold::BarePhold::new(1024, 16, 42),
            |mut m| m.run(EVENTS),
            criterion::BatchSize::LargeInput,
        )
    });
    g.finish();
}

/// The hold operation (pop the earliest, push one later) at a steady population.
fn queue_hold(c: &mut Criterion) {
    let mut g = c.benchmark_group("queue_hold");
    g.sample_size(10);
    for pending in [1_000usize, 10_000, 100_000, 1_000_000] {
        let mut rng = stream_rng(7, 0, StreamId(0));
        let mut q = EventQueue::with_capacity(pending);
        for i in 0..pending {
            q.schedule(SimTime::from_nanos(rng.random_range(0..1_000_000_000)), i as u32).unwrap();
        }
        g.throughput(Throughput::Elements(1));
        g.bench_with_input(BenchmarkId::from_parameter(pending), &pending, |bench, _| {
            bench.iter(|| {
                let (t, e) = q.pop().unwrap();
                let at = SimTime::from_nanos(t.as_nanos() + rng.random_range(0..1_000_000_000));
                q.schedule(at, e).unwrap();
            })
        });
    }
    g.finish();
}

criterion_group!(benches, phold_vs_bare, queue_hold);
criterion_main!(benches);
