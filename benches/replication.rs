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
//! The group `replication_modes` measures the cost per write of each replication mode: one
//! simulated minute of Poisson 1,000 writes/s × Exp(10 kB), one loss query per simulated
//! second; one-copy modes over a 1,000 km link (7.5 ms, 20 MB/s), quorums over 1 GB/s links
//! within three zones (uniform 0.1–0.8 ms) or three regions (uniform 10–14 ms and 35–45 ms).
//! Criterion's throughput is in writes, so its time per element is the cost per write.
//!
//! `cargo bench --bench replication -- --warm-up-time 1 --measurement-time 3`
//! `cargo bench --bench replication -- replication_modes --warm-up-time 1 --measurement-time 3`

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use drsim::engine::{Distribution, DurationDistribution, SimDuration, SimTime, TrialStreams};
use drsim::model::{
    Arrivals, FluidAsync, LinkDownPolicy, LinkSpec, Quorum, QuorumMember, Replication, ReplicationSpec, SnapshotKind,
    SnapshotSpec, WorkloadSpec,
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
                vault: Default::default(),
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

fn one_minute(repl: &mut dyn Replication) -> u64 {
    let mut lost = 0;
    for s in 1..=60u64 {
        lost += repl.loss_at(SimTime::ZERO + SimDuration::from_secs(s)).expect("forward").bytes_lost;
    }
    lost + repl.stats().writes_written
}

fn quorum_minute(members: &[QuorumMember], k: usize, w: &WorkloadSpec, surviving: &[bool]) -> u64 {
    let mut q = Quorum::build(members, k, w, TrialStreams::new(1, 0), SimTime::ZERO).expect("valid");
    let mut lost = 0;
    for s in 1..=60u64 {
        let t = SimTime::ZERO + SimDuration::from_secs(s);
        lost += q.loss_at(t, surviving).expect("forward").map_or(0, |l| l.bytes_lost);
    }
    lost + q.stats().writes_written
}

fn modes(c: &mut Criterion) {
    let rate = 1_000.0;
    let w = workload(rate, false);
    let l = link(rate);
    let uniform = |lo_ms: f64, hi_ms: f64| {
        DurationDistribution::new(Distribution::uniform(lo_ms / 1e3, hi_ms / 1e3).expect("valid")).expect("valid")
    };
    // S3 RTC-like: exponential, 99.99 % within 15 min.
    let lag = DurationDistribution::new(Distribution::exponential(900.0 / 1e4f64.ln()).expect("valid")).expect("valid");
    let specs: [(&str, ReplicationSpec); 5] = [
        ("async", ReplicationSpec::Asynchronous),
        ("lag", ReplicationSpec::Lag { lag }),
        ("sync", ReplicationSpec::Synchronous { on_link_down: LinkDownPolicy::Block }),
        ("semi_sync_1s", ReplicationSpec::SemiSync { timeout: SimDuration::from_secs(1) }),
        ("semi_sync_10s", ReplicationSpec::SemiSync { timeout: SimDuration::from_secs(10) }),
    ];
    // Writes per iteration: the same seed every time, so the same count.
    let writes = {
        let mut m = ReplicationSpec::Asynchronous.build(&l, &w, TrialStreams::new(1, 0), SimTime::ZERO).expect("valid");
        m.advance_to(SimTime::ZERO + SimDuration::from_secs(60)).expect("forward");
        m.stats().writes_written
    };
    let mut g = c.benchmark_group("replication_modes");
    g.sample_size(10);
    g.throughput(Throughput::Elements(writes));
    for (name, spec) in &specs {
        g.bench_function(*name, |b| {
            b.iter(|| {
                let mut m = spec.build(&l, &w, TrialStreams::new(1, 0), SimTime::ZERO).expect("valid");
                one_minute(m.as_mut())
            })
        });
    }
    let remote =
        |to: &str, d: DurationDistribution| QuorumMember::Remote(LinkSpec::new("P", to, d, 1e9).expect("valid"));
    let zones_3 = [QuorumMember::Local, remote("Z2", uniform(0.2, 0.6)), remote("Z3", uniform(0.3, 0.8))];
    let zones_6 = [
        remote("Z1a", uniform(0.1, 0.3)),
        remote("Z1b", uniform(0.1, 0.3)),
        remote("Z2a", uniform(0.2, 0.6)),
        remote("Z2b", uniform(0.2, 0.6)),
        remote("Z3a", uniform(0.3, 0.8)),
        remote("Z3b", uniform(0.3, 0.8)),
    ];
    let regions_3 = [QuorumMember::Local, remote("R2", uniform(10.0, 14.0)), remote("R3", uniform(35.0, 45.0))];
    let regions_6 = [
        remote("R1a", uniform(0.1, 0.3)),
        remote("R1b", uniform(0.1, 0.3)),
        remote("R2a", uniform(10.0, 14.0)),
        remote("R2b", uniform(10.0, 14.0)),
        remote("R3a", uniform(35.0, 45.0)),
        remote("R3b", uniform(35.0, 45.0)),
    ];
    // The disaster takes the primary's site: its members are lost.
    let (lose_1_of_3, lose_2_of_6) = ([false, true, true], [false, false, true, true, true, true]);
    let quorums: [(&str, &[QuorumMember], usize, &[bool]); 4] = [
        ("quorum_2of3_zones", &zones_3, 2, &lose_1_of_3),
        ("quorum_4of6_zones", &zones_6, 4, &lose_2_of_6),
        ("quorum_2of3_regions", &regions_3, 2, &lose_1_of_3),
        ("quorum_4of6_regions", &regions_6, 4, &lose_2_of_6),
    ];
    for (name, members, k, surviving) in quorums {
        g.bench_function(name, |b| b.iter(|| quorum_minute(members, k, &w, surviving)));
    }
    g.finish();
}

criterion_group!(benches, models, modes);
criterion_main!(benches);
