//! Replication models against queueing theory, hand computations and invariants.
//!
//! The closed forms a long simulated mean is compared with once (the M/M/1 backlog, overload
//! growth, snapshot RPO with and without failed jobs, synchronous commit latency) are
//! validation cases of `drsim::validation` (`src/validation/queueing.rs` and `snapshots.rs` in
//! the facade), asserted by its `tests/integration/validation.rs`; this crate's tests cannot
//! depend on the facade (it depends on them), so the tests here check what those cases do not.

use drsim_core::engine::{Distribution, DurationDistribution, SimDuration, SimTime, TrialStreams};
use drsim_core::model::{
    Arrivals, AsyncFifo, FluidAsync, LinkDownPolicy, LinkSpec, Replication, SnapshotKind, SnapshotShipping,
    SnapshotSpec, Synchronous, WorkloadSpec,
};
use proptest::prelude::*;

use crate::stats::{assert_mean_near, mean_se};

fn at_s(s: f64) -> SimTime {
    SimTime::ZERO + SimDuration::from_secs_f64(s)
}

fn fixed_latency_ms(ms: u64) -> DurationDistribution {
    DurationDistribution::fixed(SimDuration::from_millis(ms))
}

/// The reference workload of benchmarks.md section 2: Poisson 50 writes/s, Exp(655,360 B) sizes.
fn reference_workload() -> WorkloadSpec {
    WorkloadSpec::poisson(50.0, Distribution::exponential(655_360.0).unwrap()).unwrap()
}

/// The Lindley recursion recomputed by hand, independently of the model: fixed writes of
/// 1,000,000 B on a 1 MB/s link take exactly 1 s each to send, `depart = max(created, previous
/// depart) + 1 s`, `arrive = depart + 100 ms`; a disaster at t loses the writes created before t
/// that arrive after t, and RPO is t minus the creation of the oldest of them.
#[test]
fn loss_by_hand_with_fixed_sizes() {
    let link = LinkSpec::new("P", "S", fixed_latency_ms(100), 1e6).unwrap();
    let workload = WorkloadSpec::poisson(0.5, Distribution::fixed(1e6).unwrap()).unwrap();
    let streams = TrialStreams::new(11, 0);
    // The same writes, from the same stream, recomputed by hand.
    let mut generator = drsim_core::model::WriteGenerator::new(
        workload.clone(),
        SimTime::ZERO,
        streams.rng(drsim_core::trial::streams::WORKLOAD),
    )
    .unwrap();
    let writes: Vec<u64> = (0..50).map(|_| generator.next_write().unwrap().created.as_nanos()).collect();
    let mut depart = 0u64;
    let arrivals: Vec<u64> = writes
        .iter()
        .map(|&a| {
            depart = depart.max(a) + 1_000_000_000;
            depart + 100_000_000
        })
        .collect();
    let mut repl = AsyncFifo::new(&link, &workload, streams, SimTime::ZERO).unwrap();
    for k in 1..40 {
        let t = writes[k] + 500_000_000; // half a second after write k was made
        let lost: Vec<usize> = (0..writes.len()).filter(|&i| writes[i] < t && arrivals[i] > t).collect();
        let loss = repl.loss_at(SimTime::from_nanos(t)).unwrap();
        assert_eq!(loss.writes_lost, lost.len() as u64, "at write {k}");
        assert_eq!(loss.bytes_lost, 1_000_000 * lost.len() as u64);
        let rpo = lost.first().map_or(0, |&i| t - writes[i]);
        assert_eq!(loss.rpo.as_nanos(), rpo, "at write {k}");
    }
}

/// Synchronous replication: the commit latency is at least one round trip (2 × 5 ms) plus the
/// transfer (4096 B at 1 GB/s = 4.096 µs), and nothing is lost while the link is up. The
/// validation cases "sync commit ≥ RTT + size/bw" and "sync commit mean RTT + S + M/D/1 wait"
/// check the bound and the mean over 20 runs; this test checks the bound in integer
/// nanoseconds, that no write is lost, and the reported quantiles.
#[test]
fn sync_commit_latency_is_at_least_one_rtt() {
    let link = LinkSpec::new("P", "S", fixed_latency_ms(5), 1e9).unwrap();
    let workload = WorkloadSpec::poisson(100.0, Distribution::fixed(4096.0).unwrap()).unwrap();
    let mut s =
        Synchronous::new(&link, &workload, LinkDownPolicy::Block, TrialStreams::new(5, 0), SimTime::ZERO).unwrap();
    for k in 1..100 {
        assert_eq!(s.loss_at(at_s(k as f64 * 1.7)).unwrap().writes_lost, 0);
    }
    let st = s.stats();
    assert!(st.writes_written > 10_000);
    assert!(st.commit_latency_min.as_nanos() >= 10_004_096, "{:?}", st.commit_latency_min);
    // At 100 writes/s of 4 µs each the queue is almost always empty: the mean is within 1 µs.
    assert!(st.commit_latency_mean.as_nanos() < 10_005_096, "{:?}", st.commit_latency_mean);
    // Quantiles (3 significant digits) lie between the exact min and max.
    let h = s.commit_latencies().expect("synchronous commits wait");
    let (p50, p99) = (h.quantile(0.5).unwrap(), h.quantile(0.99).unwrap());
    assert!(p50 >= st.commit_latency_min.as_nanos() && p99 <= st.commit_latency_max.as_nanos() && p50 <= p99);
    assert!(p50 < 10_015_000, "median within 0.1 % of 10.004 ms: {p50}");
}

/// `degrade_to_async`: RPO grows from the moment the link failed (never beyond it), and once
/// the link is back and the backlog has drained nothing is lost again. `block`: nothing is ever
/// lost, and the outage is counted as blocked time.
#[test]
fn sync_link_down_policies() {
    let link = LinkSpec::new("P", "S", fixed_latency_ms(5), 1e8).unwrap();
    let workload = WorkloadSpec::poisson(100.0, Distribution::fixed(10_000.0).unwrap()).unwrap();
    let mut d =
        Synchronous::new(&link, &workload, LinkDownPolicy::DegradeToAsync, TrialStreams::new(9, 0), SimTime::ZERO)
            .unwrap();
    d.link_down(at_s(10.0)).unwrap();
    let loss = d.loss_at(at_s(70.0)).unwrap();
    assert!(loss.writes_lost > 5000, "a minute of writes at 100/s: {}", loss.writes_lost);
    assert!(loss.rpo <= SimDuration::from_secs(60) && loss.rpo > SimDuration::from_secs(59), "{:?}", loss.rpo);
    d.link_up(at_s(70.0)).unwrap();
    // 6,000 writes × 10 kB = 60 MB at 100 MB/s drain in 0.6 s.
    assert_eq!(d.loss_at(at_s(80.0)).unwrap().writes_lost, 0);

    let mut b =
        Synchronous::new(&link, &workload, LinkDownPolicy::Block, TrialStreams::new(9, 0), SimTime::ZERO).unwrap();
    b.link_down(at_s(10.0)).unwrap();
    assert_eq!(b.loss_at(at_s(70.0)).unwrap().writes_lost, 0);
    b.link_up(at_s(70.0)).unwrap();
    b.advance_to(at_s(80.0)).unwrap();
    assert_eq!(b.stats().write_blocked, SimDuration::from_secs(60));
    assert!(b.stats().commit_latency_max >= SimDuration::from_secs(59), "writes waited out the outage");
}

fn arb_workload() -> impl Strategy<Value = WorkloadSpec> {
    (0.0f64..400.0, 1.0f64..200_000.0, any::<bool>()).prop_map(|(rate, size, exp)| {
        let size = if exp { Distribution::exponential(size).unwrap() } else { Distribution::fixed(size).unwrap() };
        WorkloadSpec::poisson(rate, size).unwrap()
    })
}

fn arb_link() -> impl Strategy<Value = LinkSpec> {
    (0u64..80, 0u64..20, 1e5f64..1e8, 1u32..8, proptest::option::of(1e4f64..1e6)).prop_map(
        |(lat, jitter, bw, streams, window)| {
            let lat = if jitter == 0 {
                DurationDistribution::fixed(SimDuration::from_millis(lat))
            } else {
                DurationDistribution::new(Distribution::uniform(lat as f64 / 1e3, (lat + jitter) as f64 / 1e3).unwrap())
                    .unwrap()
            };
            let mut l = LinkSpec::new("P", "S", lat, bw).unwrap();
            l.streams = streams;
            l.window_bytes = window;
            l
        },
    )
}

/// A schedule of (query instant, link toggle) pairs, increasing in time.
fn arb_schedule() -> impl Strategy<Value = Vec<(f64, bool)>> {
    proptest::collection::vec((0.0f64..5.0, any::<bool>()), 1..25).prop_map(|steps| {
        let mut t = 0.0;
        steps
            .into_iter()
            .map(|(dt, toggle)| {
                t += dt;
                (t, toggle)
            })
            .collect()
    })
}

fn check_invariants(
    repl: &mut dyn Replication,
    schedule: &[(f64, bool)],
    sync_block: bool,
) -> Result<(), TestCaseError> {
    let mut up = true;
    for &(t, toggle) in schedule {
        let at = at_s(t);
        let loss = repl.loss_at(at).unwrap();
        let backlog = repl.backlog_at(at).unwrap();
        let st = repl.stats();
        // Conservation: every byte written is delivered, queued or on the wire.
        prop_assert_eq!(st.bytes_written, st.bytes_delivered + backlog.queued_bytes + backlog.in_flight_bytes);
        prop_assert!(loss.writes_lost <= st.writes_written);
        prop_assert!(loss.bytes_lost <= st.bytes_written);
        // The copy is a prefix: the oldest lost write is no older than the copy's newest write.
        prop_assert!(loss.rpo <= loss.copy_age, "rpo {:?} > copy age {:?}", loss.rpo, loss.copy_age);
        if loss.writes_lost == 0 {
            prop_assert_eq!(loss.rpo, SimDuration::ZERO);
        }
        if sync_block {
            prop_assert_eq!(loss.writes_lost, 0, "synchronous replication in block mode never loses a commit");
        }
        if toggle {
            if up {
                repl.link_down(at).unwrap()
            } else {
                repl.link_up(at).unwrap()
            }
            up = !up;
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// bytes written = delivered + queued + in flight; lost ≤ written; RPO ≤ copy age; RPO 0 when
    /// nothing is lost — at any instant, through link outages, for async FIFO.
    #[test]
    fn async_invariants(w in arb_workload(), l in arb_link(), sched in arb_schedule(), seed in any::<u64>()) {
        let mut r = AsyncFifo::new(&l, &w, TrialStreams::new(seed, 0), SimTime::ZERO).unwrap();
        check_invariants(&mut r, &sched, false)?;
    }

    /// The same for synchronous replication in block mode, which additionally never loses a
    /// committed write, whatever the outages.
    #[test]
    fn sync_block_invariants(w in arb_workload(), l in arb_link(), sched in arb_schedule(), seed in any::<u64>()) {
        let mut r = Synchronous::new(&l, &w, LinkDownPolicy::Block, TrialStreams::new(seed, 0), SimTime::ZERO).unwrap();
        check_invariants(&mut r, &sched, true)?;
    }

    /// Synchronous replication degrading to async loses nothing while its link has never failed.
    #[test]
    fn sync_degrade_loses_nothing_before_any_outage(w in arb_workload(), l in arb_link(), sched in arb_schedule(), seed in any::<u64>()) {
        let mut r = Synchronous::new(&l, &w, LinkDownPolicy::DegradeToAsync, TrialStreams::new(seed, 0), SimTime::ZERO).unwrap();
        let no_outage: Vec<(f64, bool)> = sched.iter().map(|&(t, _)| (t, false)).collect();
        check_invariants(&mut r, &no_outage, true)?;
        check_invariants(&mut r, &sched.iter().map(|&(t, x)| (t + 100.0, x)).collect::<Vec<_>>(), false)?;
    }

    /// Snapshot shipping keeps the same invariants.
    #[test]
    fn snapshot_invariants(w in arb_workload(), l in arb_link(), sched in arb_schedule(), seed in any::<u64>(), interval in 1u64..10, full in any::<bool>()) {
        let spec = SnapshotSpec {
            interval: SimDuration::from_secs(interval),
            phase: None,
            size: if full { SnapshotKind::Full { size_bytes: 1e5 } } else { SnapshotKind::Incremental },
            retention: Default::default(),
            failure_probability: 0.1,
            vault: Default::default(),
        };
        let mut r = SnapshotShipping::new(&spec, &l, &w, TrialStreams::new(seed, 0), SimTime::ZERO).unwrap();
        // Snapshot bytes are not write bytes: check the snapshot-specific subset.
        let mut up = true;
        for &(t, toggle) in &sched {
            let loss = r.loss_at(at_s(t)).unwrap();
            let st = r.stats();
            let b = r.backlog_at(at_s(t)).unwrap();
            prop_assert_eq!(st.bytes_sent_to_link, st.bytes_delivered + b.queued_bytes + b.in_flight_bytes);
            prop_assert!(loss.writes_lost <= st.writes_written);
            prop_assert!(loss.rpo <= loss.copy_age);
            if toggle {
                if up { r.link_down(at_s(t)).unwrap() } else { r.link_up(at_s(t)).unwrap() }
                up = !up;
            }
        }
    }

    /// Same seed, same results: two runs of the same model give identical losses and counters.
    #[test]
    fn same_seed_same_results(w in arb_workload(), l in arb_link(), sched in arb_schedule(), seed in any::<u64>()) {
        let run = || {
            let mut r = AsyncFifo::new(&l, &w, TrialStreams::new(seed, 3), SimTime::ZERO).unwrap();
            sched.iter().map(|&(t, _)| (r.loss_at(at_s(t)).unwrap(), r.stats())).collect::<Vec<_>>()
        };
        prop_assert_eq!(run(), run());
    }
}

#[test]
fn time_only_moves_forward() {
    let link = LinkSpec::new("P", "S", fixed_latency_ms(1), 1e6).unwrap();
    let mut r = AsyncFifo::new(&link, &reference_workload(), TrialStreams::new(1, 0), SimTime::ZERO).unwrap();
    r.advance_to(at_s(10.0)).unwrap();
    let e = r.loss_at(at_s(5.0)).unwrap_err();
    assert!(e.to_string().contains("time only moves forward"), "{e}");
}

// ---------------------------------------------------------------------------------------------
// The fluid (aggregate) asynchronous model against the per-write one.
// ---------------------------------------------------------------------------------------------

/// On/off bursts of Poisson writes at 2,000/s with Exp(10 kB) sizes (20 MB/s while on, nothing
/// while off) on a 10 MB/s link: ρ = 0.5 on average, but each burst runs at twice the throughput.
fn burst_workload(on: DurationDistribution, off: DurationDistribution) -> WorkloadSpec {
    let w = WorkloadSpec {
        arrivals: Arrivals::OnOff { on_rate_per_s: 2000.0, off_rate_per_s: 0.0, on, off },
        size_bytes: Distribution::exponential(10_000.0).unwrap(),
    };
    w.validate().unwrap();
    w
}

/// Batch means of the queued bytes of `repl`, sampled every `dt` seconds after `warm_up`.
fn queued_batches(repl: &mut dyn Replication, warm_up: f64, batches: usize, batch_s: f64, dt: f64) -> Vec<f64> {
    let mut t = warm_up;
    let per = (batch_s / dt).round() as usize;
    (0..batches)
        .map(|_| {
            let mut sum = 0.0;
            for _ in 0..per {
                t += dt;
                sum += repl.backlog_at(at_s(t)).unwrap().queued_bytes as f64;
            }
            sum / per as f64
        })
        .collect()
}

/// Where the fluid view is accurate: bursts far above the throughput. With fixed 5 s bursts
/// every 20 s the fluid backlog rises at 10 MB/s to 50 MB and drains at 10 MB/s: its time
/// average is (½ × 50 MB × 10 s) / 20 s = 12.5 MB, computed by hand. The per-write backlog
/// empties every cycle, so batch means of whole cycles (5 cycles of 20 s, 20 batches) are
/// independent; the per-write mean must lie within 4 of their standard errors of the fluid's,
/// and within 3 % of it (the per-write model adds the Poisson queue, a few 10 kB writes, and
/// the write in transmission counted whole: ≈ 0.2 %). Measured: see the assertion message.
#[test]
fn fluid_backlog_matches_per_write_on_fixed_bursts() {
    let fixed = |s| DurationDistribution::fixed(SimDuration::from_secs(s));
    let w = burst_workload(fixed(5), fixed(15));
    let link = LinkSpec::new("P", "S", fixed_latency_ms(20), 10e6).unwrap();
    let mut fluid = FluidAsync::new(&link, &w, TrialStreams::new(21, 0), SimTime::ZERO).unwrap();
    let fluid_mean = {
        let b = queued_batches(&mut fluid, 0.0, 20, 100.0, 0.05);
        b.iter().sum::<f64>() / b.len() as f64
    };
    assert!((fluid_mean - 12.5e6).abs() < 0.01 * 12.5e6, "fluid time average {fluid_mean} against 12.5 MB by hand");
    let mut fifo = AsyncFifo::new(&link, &w, TrialStreams::new(21, 0), SimTime::ZERO).unwrap();
    let batches = queued_batches(&mut fifo, 0.0, 20, 100.0, 0.05);
    let (mean, se) = mean_se(&batches);
    assert!(
        (mean - fluid_mean).abs() <= (4.0 * se).max(0.03 * fluid_mean),
        "per-write {mean} ± {se} against fluid {fluid_mean}"
    );
    assert!((mean - fluid_mean).abs() < 0.03 * fluid_mean, "per-write {mean} against fluid {fluid_mean}: > 3 %");
}

/// The same with random burst lengths, Exp(mean 5 s) on and Exp(mean 15 s) off: the two
/// models draw different bursts (the per-write generator interleaves gaps and period lengths on
/// one stream), so both means are random; their difference must be within 4 standard errors
/// of the difference (batch means over 40 batches of 250 s, independent streams for each model).
#[test]
fn fluid_backlog_matches_per_write_on_random_bursts() {
    let exp = |m| DurationDistribution::new(Distribution::exponential(m).unwrap()).unwrap();
    let w = burst_workload(exp(5.0), exp(15.0));
    let link = LinkSpec::new("P", "S", fixed_latency_ms(20), 10e6).unwrap();
    let mut fluid = FluidAsync::new(&link, &w, TrialStreams::new(22, 0), SimTime::ZERO).unwrap();
    let fb = queued_batches(&mut fluid, 100.0, 40, 250.0, 0.25);
    let mut fifo = AsyncFifo::new(&link, &w, TrialStreams::new(22, 1), SimTime::ZERO).unwrap();
    let pb = queued_batches(&mut fifo, 100.0, 40, 250.0, 0.25);
    let ((fm, fse), (pm, pse)) = (mean_se(&fb), mean_se(&pb));
    let se = (fse * fse + pse * pse).sqrt();
    assert!((fm - pm).abs() <= 4.0 * se, "fluid {fm} ± {fse} against per-write {pm} ± {pse}");
}

/// For Poisson writes at ρ < 1 the fluid backlog is 0 at every instant, whereas the per-write
/// FIFO (M/M/1 here: λ = 50/s, Exp(655,360 B), 50 MB/s, ρ = 0.65536) holds on average
/// ρ/(1−ρ) = 1.9016 writes, i.e. ρ/(1−ρ)·E[size] = 1.246 MB of unfinished work, and — counting
/// the write in transmission whole, as the loss does — ρ(2−ρ)/(1−ρ)·E[size] = 1.676 MB of
/// queued bytes (waiting writes ρ²/(1−ρ)·E[size] plus the size-biased one in service, 2ρ·E[size]).
/// That is the fluid's documented gap. The per-write mean must lie within 4 standard errors
/// (20 batches of 250 s, 50 ms sampling) of the closed form, and the corrected fluid's loss must
/// match the per-write mean loss (queued plus in flight) within 4 standard errors too.
#[test]
fn fluid_misses_the_poisson_queue_and_the_correction_restores_it() {
    let link = LinkSpec::new("P", "S", fixed_latency_ms(40), 50e6).unwrap();
    let w = reference_workload();
    let rho: f64 = 50.0 * 655_360.0 / 50e6;
    let queued_closed_form = rho * (2.0 - rho) / (1.0 - rho) * 655_360.0;
    let mut fluid = FluidAsync::new(&link, &w, TrialStreams::new(23, 0), SimTime::ZERO).unwrap();
    let mut corrected =
        FluidAsync::new(&link, &w, TrialStreams::new(23, 0), SimTime::ZERO).unwrap().with_queueing_correction(true);
    let mut fifo = AsyncFifo::new(&link, &w, TrialStreams::new(23, 0), SimTime::ZERO).unwrap();
    let (mut q_batches, mut loss_batches) = (vec![], vec![]);
    let mut t = 100.0;
    let mut corrected_loss = 0.0;
    for _ in 0..20 {
        let (mut q, mut l) = (0.0, 0.0);
        let n = 5000;
        for _ in 0..n {
            t += 0.05;
            let b = fifo.backlog_at(at_s(t)).unwrap();
            q += b.queued_bytes as f64;
            l += fifo.loss_at(at_s(t)).unwrap().bytes_lost as f64;
            assert_eq!(fluid.backlog_at(at_s(t)).unwrap().queued_bytes, 0, "the fluid never queues at ρ < 1");
            corrected_loss = corrected.loss_at(at_s(t)).unwrap().bytes_lost as f64;
        }
        q_batches.push(q / n as f64);
        loss_batches.push(l / n as f64);
    }
    assert_mean_near("per-write queued bytes against ρ(2−ρ)/(1−ρ)·E[size]", &q_batches, queued_closed_form, 4.0);
    // The corrected fluid's loss is deterministic here: in flight r·L plus the M/M/1 queue.
    let in_flight = 50.0 * 655_360.0 * 0.04;
    assert!((corrected_loss - (in_flight + queued_closed_form)).abs() < 2.0, "{corrected_loss}");
    assert_mean_near("per-write bytes lost against the corrected fluid", &loss_batches, corrected_loss, 4.0);
    // The uncorrected fluid loses only what is in flight: the gap is the whole queue.
    let plain = fluid.loss_at(at_s(t)).unwrap();
    assert!((plain.bytes_lost as f64 - in_flight).abs() < 2.0, "{plain:?}");
    assert_eq!(plain.rpo, SimDuration::from_millis(40), "fluid RPO at ρ < 1 is one latency");
}

/// Every asynchronous model flags an offered load above the throughput, with the same
/// utilisation (32.77 MB/s offered on 25 MB/s: 1.311) and growth rate (7.768 MB/s), and the
/// fluid backlog grows at exactly that rate (no randomness in it: within 1 byte per second); a
/// stable load (the same writes on 50 MB/s) is flagged by none. The per-write backlog's
/// measured growth is the validation case "overload: backlog growth λE[s] − C" (`drsim`'s
/// `src/validation/queueing.rs`, asserted by the facade's `tests/integration/validation.rs`).
#[test]
fn unstable_configurations_are_flagged_by_every_async_model() {
    let link = LinkSpec::new("P", "S", fixed_latency_ms(40), 25e6).unwrap();
    let w = reference_workload();
    let offered = 50.0 * 655_360.0;
    let streams = TrialStreams::new(24, 0);
    let incremental = SnapshotSpec {
        interval: SimDuration::from_mins(5),
        phase: None,
        size: SnapshotKind::Incremental,
        retention: Default::default(),
        failure_probability: 0.0,
        vault: Default::default(),
    };
    let mut models: Vec<(&str, Box<dyn Replication>)> = vec![
        ("async per write", Box::new(AsyncFifo::new(&link, &w, streams, SimTime::ZERO).unwrap())),
        ("async fluid", Box::new(FluidAsync::new(&link, &w, streams, SimTime::ZERO).unwrap())),
        (
            "async fluid + correction",
            Box::new(FluidAsync::new(&link, &w, streams, SimTime::ZERO).unwrap().with_queueing_correction(true)),
        ),
        (
            "sync degrade_to_async",
            Box::new(Synchronous::new(&link, &w, LinkDownPolicy::DegradeToAsync, streams, SimTime::ZERO).unwrap()),
        ),
        (
            "incremental snapshots",
            Box::new(SnapshotShipping::new(&incremental, &link, &w, streams, SimTime::ZERO).unwrap()),
        ),
    ];
    for (name, m) in &mut models {
        match m.stability() {
            drsim_core::model::Stability::Unstable { utilization, growth_bytes_per_s } => {
                assert!((utilization - offered / 25e6).abs() < 1e-9, "{name}: utilisation {utilization}");
                assert!((growth_bytes_per_s - (offered - 25e6)).abs() < 1e-3, "{name}")
            }
            s => panic!("{name}: expected unstable, got {s:?}"),
        }
    }
    let mut fluid = FluidAsync::new(&link, &w, streams, SimTime::ZERO).unwrap();
    let b1 = fluid.backlog_at(at_s(200.0)).unwrap().queued_bytes as f64;
    let b2 = fluid.backlog_at(at_s(1200.0)).unwrap().queued_bytes as f64;
    assert!(((b2 - b1) / 1000.0 - (offered - 25e6)).abs() < 1.0, "fluid growth {}", (b2 - b1) / 1000.0);
    // A stable load is flagged by neither asynchronous model.
    let fast = LinkSpec::new("P", "S", fixed_latency_ms(40), 50e6).unwrap();
    assert!(!AsyncFifo::new(&fast, &w, streams, SimTime::ZERO).unwrap().stability().is_unstable());
    assert!(!FluidAsync::new(&fast, &w, streams, SimTime::ZERO).unwrap().stability().is_unstable());
}

/// The fluid model's cost does not grow with the write count: an hour of Poisson writes at
/// 10/s and at 10^6/s takes the same handful of rate segments (none: one constant rate), and
/// an hour of 1 s on/off bursts about 3,600 of them whatever the rate.
#[test]
fn fluid_cost_is_independent_of_the_write_count() {
    let link = LinkSpec::new("P", "S", fixed_latency_ms(40), 1e12).unwrap();
    for rate in [10.0, 1e6] {
        let w = WorkloadSpec::poisson(rate, Distribution::fixed(1000.0).unwrap()).unwrap();
        let mut m = FluidAsync::new(&link, &w, TrialStreams::new(1, 0), SimTime::ZERO).unwrap();
        m.advance_to(at_s(3600.0)).unwrap();
        assert!(m.segments() <= 2, "rate {rate}: {} segments", m.segments());
        assert!((m.stats().writes_written as f64 - rate * 3600.0).abs() < 1.0);
    }
    let second = DurationDistribution::fixed(SimDuration::from_secs(1));
    let w = WorkloadSpec {
        arrivals: Arrivals::OnOff { on_rate_per_s: 1e6, off_rate_per_s: 0.0, on: second.clone(), off: second },
        size_bytes: Distribution::fixed(1000.0).unwrap(),
    };
    let mut m = FluidAsync::new(&link, &w, TrialStreams::new(1, 0), SimTime::ZERO).unwrap();
    m.advance_to(at_s(3600.0)).unwrap();
    assert!((3600..=3 * 3600 + 10).contains(&m.segments()), "{} segments", m.segments());
}

/// `mode = "async_fluid"` in a scenario builds the fluid model.
#[test]
fn async_fluid_spec_builds() {
    let spec: drsim_core::model::ReplicationSpec =
        serde_json::from_str(r#"{"mode": "async_fluid", "queueing_correction": true}"#).unwrap();
    let link = LinkSpec::new("P", "S", fixed_latency_ms(40), 50e6).unwrap();
    let mut m = spec.build(&link, &reference_workload(), TrialStreams::new(1, 0), SimTime::ZERO).unwrap();
    assert!(m.loss_at(at_s(10.0)).unwrap().bytes_lost > 0);
    let plain: drsim_core::model::ReplicationSpec = serde_json::from_str(r#"{"mode": "async_fluid"}"#).unwrap();
    assert_eq!(plain, drsim_core::model::ReplicationSpec::AsyncFluid { queueing_correction: false });
}

fn arb_any_workload() -> impl Strategy<Value = WorkloadSpec> {
    (arb_workload(), any::<bool>(), 0.01f64..5.0, 0.0f64..5.0, 0.0f64..4.0).prop_map(|(w, bursty, on, off, k)| {
        if !bursty {
            return w;
        }
        let rate = w.mean_rate_per_s();
        let exp = |m: f64| DurationDistribution::new(Distribution::exponential(m.max(1e-3)).unwrap()).unwrap();
        WorkloadSpec {
            arrivals: Arrivals::OnOff {
                on_rate_per_s: rate * (1.0 + k),
                off_rate_per_s: rate * 0.1,
                on: exp(on),
                off: exp(off),
            },
            size_bytes: w.size_bytes,
        }
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// The fluid model keeps the per-write invariants, in bytes: written = delivered + queued +
    /// in flight *exactly* in the integers it reports (each is the fluid's real-valued curve
    /// rounded to the nearest byte, so each is within 0.5 B of the fluid, and the three
    /// differences are taken between the rounded cumulative curves so that they add up);
    /// lost ≤ written; RPO ≤ copy age; RPO 0 when nothing is lost; through link outages, for
    /// Poisson and on/off workloads. The correction keeps all but conservation (it adds an
    /// expected queue to the loss only).
    #[test]
    fn fluid_invariants(w in arb_any_workload(), l in arb_link(), sched in arb_schedule(), seed in any::<u64>()) {
        let mut r = FluidAsync::new(&l, &w, TrialStreams::new(seed, 0), SimTime::ZERO).unwrap();
        check_invariants(&mut r, &sched, false)?;
        let mut c = FluidAsync::new(&l, &w, TrialStreams::new(seed, 0), SimTime::ZERO).unwrap().with_queueing_correction(true);
        let mut up = true;
        for &(t, toggle) in &sched {
            let loss = c.loss_at(at_s(t)).unwrap();
            let st = c.stats();
            prop_assert!(loss.bytes_lost <= st.bytes_written);
            prop_assert!(loss.rpo <= loss.copy_age);
            if toggle {
                if up { c.link_down(at_s(t)).unwrap() } else { c.link_up(at_s(t)).unwrap() }
                up = !up;
            }
        }
    }
}
