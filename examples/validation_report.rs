//! The validation report: every validation case of drsim, re-run with many trials, against an
//! expected value from outside drsim (a closed form of availability or queueing theory, a
//! published textbook example, a hand computation), printed as one table.
//!
//! ```text
//!   closed form / textbook ──> expected ─┐
//!                                        ├─> |simulated − expected| ≤ max(95 % CI, tolerance)?
//!   drsim, N trials ──> mean ± 95 % CI ──┘        PASS  within the CI (or the exact tolerance)
//!     (failure processes, series systems,          WARN  outside the 95 % CI but within 4 SE:
//!      FIFO links, snapshots, detection,                 expected for ~1 correct case in 20
//!      DNS ramp, faults in trials)                 FAIL  beyond 4 SE, or an exact case off
//! ```
//!
//! Means carry a normal 95 % interval over independent trials (or batches), proportions a Wilson
//! interval. Exact cases (deterministic hand computations) state an absolute tolerance (rounding
//! to the nanosecond). The table is Markdown; `docs/validation.md` holds a copy with each
//! case's derivation. The process exits with status 1 if any case FAILs.
//!
//! ```text
//! cargo run --release --example validation_report   # --trials 200000 --seed 2026: ~15 s, 2 threads
//! cargo run --release --example validation_report -- --trials 1000000 --seed 7
//! ```

use std::time::Instant;

use clap::Parser;
use drsim::engine::{Distribution, DurationDistribution, SimDuration, SimTime, StreamId, TrialStreams};
use drsim::model::{
    Arrivals, AsyncFifo, BandwidthVariability, Component, FailureProcess, FailureStart, FailureTarget, FailureTimeline,
    LinkDownPolicy, LinkSpec, Replication, ReplicationSpec, SiteId, SiteSpec, SnapshotKind, SnapshotShipping,
    SnapshotSpec, Stability, StateChange, Synchronous, Topology, TopologySpec, WorkloadSpec, ZoneSpec,
    failure_timeline, failure_timeline_with, simulate_failures_with, simulate_series,
};
use drsim::recovery::{
    Deployment, Detection, Effect, FailbackContext, RecoveryContext, Runbook, ServiceState, SteadyState, Step,
    Strategy, StrategyError,
};
use drsim::stats::{Proportion, Z95};
use drsim::trial::streams::DETECTION;
use drsim::trial::{DisasterScenario, DisasterTrial, TrialOutcome, TwoRegions};
use rand::RngExt;
use rayon::prelude::*;

/// Runs every validation case and prints case, source, expected, simulated ± 95 % CI, verdict.
#[derive(Parser)]
struct Args {
    /// Independent trials for the probability cases (transient availability, reliability,
    /// disasters within t). The other cases scale from it: long availability runs trials / 250
    /// (at least 20), queueing runs trials / 1,000 (at least 20), snapshot disasters trials / 5
    /// (at least 1,000), detection draws trials × 10.
    #[arg(long, default_value_t = 200_000)]
    trials: u64,
    /// Seed of every random stream.
    #[arg(long, default_value_t = 2026)]
    seed: u64,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Verdict {
    Pass,
    Warn,
    Fail,
}

/// One line of the table.
struct Row {
    case: String,
    source: &'static str,
    expected: String,
    simulated: String,
    verdict: Verdict,
}

/// How numbers of a row are printed: a scale (the value is divided by it), a unit and decimals.
#[derive(Clone, Copy)]
struct Fmt {
    scale: f64,
    unit: &'static str,
    decimals: usize,
}

const PLAIN6: Fmt = Fmt { scale: 1.0, unit: "", decimals: 6 };
const SECS: Fmt = Fmt { scale: 1.0, unit: " s", decimals: 3 };

impl Fmt {
    fn show(self, v: f64) -> String {
        format!("{:.*}{}", self.decimals, v / self.scale, self.unit)
    }

    fn tolerance(self, tol: f64) -> String {
        if tol == 0.0 {
            "0".into()
        } else if tol / self.scale < 1e-3 {
            format!("{:e}{}", tol / self.scale, self.unit)
        } else {
            self.show(tol)
        }
    }
}

/// Sample mean and the half-width of its normal 95 % interval.
fn mean_ci(xs: &[f64]) -> (f64, f64) {
    let n = xs.len() as f64;
    let mean = xs.iter().sum::<f64>() / n;
    let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0);
    (mean, Z95 * (var / n).sqrt())
}

fn judge(diff: f64, half: f64, tol: f64) -> Verdict {
    if diff <= half.max(tol) {
        Verdict::Pass
    } else if diff <= (4.0 / Z95 * half).max(tol) {
        Verdict::Warn
    } else {
        Verdict::Fail
    }
}

impl Row {
    /// A mean over independent samples against a closed form; `tol` is an absolute tolerance
    /// for a known bias (rounding, a neglected term), 0 if none.
    fn mean(case: impl Into<String>, source: &'static str, expected: f64, xs: &[f64], tol: f64, f: Fmt) -> Row {
        let (m, half) = mean_ci(xs);
        Row {
            case: case.into(),
            source,
            expected: f.show(expected),
            simulated: format!("{} ± {} (n = {})", f.show(m), f.show(half), xs.len()),
            verdict: judge((m - expected).abs(), half, tol),
        }
    }

    /// A proportion with its Wilson interval.
    fn proportion(case: impl Into<String>, source: &'static str, expected: f64, successes: u64, n: u64) -> Row {
        let p = Proportion::wilson(successes, n);
        let half = (p.high - p.low) / 2.0;
        let centre = (p.high + p.low) / 2.0;
        // Judge the distance from the interval, not from the raw estimate: the Wilson
        // interval is not centred on it.
        let diff = (expected - centre).abs();
        Row {
            case: case.into(),
            source,
            expected: format!("{expected:.6}"),
            simulated: format!("{:.6} ± {half:.6} (n = {n})", p.estimate),
            verdict: judge(diff, half, 0.0),
        }
    }

    /// A deterministic value, equal to `expected` within `tol`.
    fn exact(case: impl Into<String>, source: &'static str, expected: f64, value: f64, tol: f64, f: Fmt) -> Row {
        Row {
            case: case.into(),
            source,
            expected: f.show(expected),
            simulated: format!("{} (exact, tol {})", f.show(value), f.tolerance(tol)),
            verdict: if (value - expected).abs() <= tol { Verdict::Pass } else { Verdict::Fail },
        }
    }

    /// An inequality or set membership.
    fn bound(case: impl Into<String>, source: &'static str, expected: String, simulated: String, ok: bool) -> Row {
        Row { case: case.into(), source, expected, simulated, verdict: if ok { Verdict::Pass } else { Verdict::Fail } }
    }
}

// ---------------------------------------------------------------------------------------------
// Failure processes and availability

const LAMBDA: f64 = 3e-3;
const MU: f64 = 25e-3;
const LAMBDA2: f64 = 1e-2;
const MU2: f64 = 5e-2;

fn two_sites() -> Topology {
    let site =
        |n: &str, z: &str| SiteSpec { name: n.into(), zone: z.into(), instances_running: 1, instances_needed: 1 };
    Topology::new(TopologySpec {
        regions: vec!["RA".into(), "RB".into()],
        zones: vec![
            ZoneSpec { name: "za".into(), region: "RA".into() },
            ZoneSpec { name: "zb".into(), region: "RB".into() },
        ],
        sites: vec![site("A", "za"), site("B", "zb")],
        links: vec![],
    })
    .expect("valid topology")
}

fn exp_hours(mean_h: f64) -> DurationDistribution {
    DurationDistribution::new(Distribution::exponential(mean_h * 3600.0).expect("mean > 0")).expect("valid")
}

fn fixed_hours(h: u64) -> DurationDistribution {
    DurationDistribution::fixed(SimDuration::from_hours(h))
}

fn hours(h: f64) -> SimTime {
    SimTime::ZERO + SimDuration::from_secs_f64(h * 3600.0)
}

fn markov(site: &str, lambda: f64, mu: f64) -> FailureProcess {
    FailureProcess {
        target: FailureTarget::Site(site.into()),
        time_between_failures: exp_hours(1.0 / lambda),
        time_to_repair: exp_hours(1.0 / mu),
    }
}

/// The fraction of `[from, to)` during which at least `k` of `sites` were down, integrated here
/// from the raw state changes (independently of `FailureTimeline::time_at_least_down`).
fn down_fraction(tl: &FailureTimeline, sites: &[SiteId], k: usize, from: SimTime, to: SimTime) -> f64 {
    let overlap = |a: SimTime, b: SimTime| (b.min(to)).saturating_since(a.max(from)).as_secs_f64();
    let mut down = vec![false; sites.len()];
    let (mut prev, mut total) = (SimTime::ZERO, 0.0);
    for &(t, c) in &tl.changes {
        let (s, is_down) = match c {
            StateChange::SiteDown(s) => (s, true),
            StateChange::SiteUp(s) => (s, false),
            _ => continue,
        };
        let Some(i) = sites.iter().position(|&x| x == s) else { continue };
        if down.iter().filter(|&&d| d).count() >= k {
            total += overlap(prev, t);
        }
        down[i] = is_down;
        prev = t;
    }
    if down.iter().filter(|&&d| d).count() >= k {
        total += overlap(prev, to);
    }
    total / (to - from).as_secs_f64()
}

fn availability_cases(args: &Args, rows: &mut Vec<Row>) {
    let topo = two_sites();
    let (a, b) = (topo.site("A").expect("A"), topo.site("B").expect("B"));
    let long_runs = (args.trials / 250).max(20);
    let s = LAMBDA + MU;
    let markov_src = "2-state Markov chain";

    // Long-run availability, measured after a warm-up of 2,000 h (transient e^{-56}: none).
    let p1 = [markov("A", LAMBDA, MU)];
    let (warm, end) = (hours(2000.0), hours(50_000.0));
    let up: Vec<f64> = (0..long_runs)
        .into_par_iter()
        .map(|i| {
            let tl = failure_timeline(&topo, &p1, end - SimTime::ZERO, TrialStreams::new(args.seed, i)).expect("ok");
            1.0 - down_fraction(&tl, &[a], 1, warm, end)
        })
        .collect();
    rows.push(Row::mean("A = μ/(λ+μ), λ=3e-3/h, μ=25e-3/h", markov_src, MU / s, &up, 0.0, PLAIN6));

    // Any shapes: an alternating renewal process is up MTTF / (MTTF + MTTR) in the long run.
    let renewal = [FailureProcess {
        target: FailureTarget::Site("A".into()),
        time_between_failures: DurationDistribution::new(Distribution::weibull(1.5, 400.0 * 3600.0).expect("ok"))
            .expect("ok"),
        time_to_repair: DurationDistribution::new(Distribution::lognormal(24.0 * 3600.0, 0.8).expect("ok"))
            .expect("ok"),
    }];
    let up_renewal: Vec<f64> = (0..long_runs)
        .into_par_iter()
        .map(|i| {
            let tl = failure_timeline(&topo, &renewal, end - SimTime::ZERO, TrialStreams::new(args.seed ^ 7, i))
                .expect("ok");
            1.0 - down_fraction(&tl, &[a], 1, warm, end)
        })
        .collect();
    let (mttf, mttr) = (400.0 * 0.902_745_292_950_933_6, 24.0 * 0.32f64.exp());
    rows.push(Row::mean(
        "A = MTTF/(MTTF+MTTR), Weibull 1.5 / lognormal",
        "alternating renewal",
        mttf / (mttf + mttr),
        &up_renewal,
        0.0,
        PLAIN6,
    ));

    // Transient A(t).
    let instants = [10.0, 50.0, 100.0];
    let ups: Vec<[bool; 3]> = (0..args.trials)
        .into_par_iter()
        .map(|i| {
            // Switched on, all up, at zero: the transient.
            let tl = failure_timeline_with(
                &topo,
                &p1,
                SimDuration::from_hours(101),
                TrialStreams::new(args.seed ^ 1, i),
                FailureStart::AllUp,
            )
            .expect("ok");
            instants.map(|h| tl.site_up_at(a, hours(h)))
        })
        .collect();
    for (k, &h) in instants.iter().enumerate() {
        let n_up = ups.iter().filter(|u| u[k]).count() as u64;
        let expected = MU / s + LAMBDA / s * (-s * h).exp();
        rows.push(Row::proportion(
            format!("A({h} h) = A + λ/(λ+μ)·e^(−(λ+μ)t)"),
            markov_src,
            expected,
            n_up,
            args.trials,
        ));
    }

    // Reliability over 1,000 h.
    let survived = (0..args.trials)
        .into_par_iter()
        .filter(|&i| {
            let h = simulate_failures_with(
                &topo,
                &p1,
                SimDuration::from_hours(1000),
                TrialStreams::new(args.seed ^ 2, i),
                FailureStart::AllUp,
            )
            .expect("ok");
            h.site_outages[a.0 as usize] == 0
        })
        .count() as u64;
    rows.push(Row::proportion("R(1000 h) = e^(−3)", "exponential law", (-3.0f64).exp(), survived, args.trials));

    // Series and parallel of two independent sites, after the warm-up.
    let p2 = [markov("A", LAMBDA, MU), markov("B", LAMBDA2, MU2)];
    let (ser, par): (Vec<f64>, Vec<f64>) = (0..long_runs)
        .into_par_iter()
        .map(|i| {
            let tl =
                failure_timeline(&topo, &p2, end - SimTime::ZERO, TrialStreams::new(args.seed ^ 3, i)).expect("ok");
            (1.0 - down_fraction(&tl, &[a, b], 1, warm, end), 1.0 - down_fraction(&tl, &[a, b], 2, warm, end))
        })
        .unzip();
    let (a1, a2) = (MU / (LAMBDA + MU), MU2 / (LAMBDA2 + MU2));
    rows.push(Row::mean("series ∏Aᵢ (A₂ = 0.833333)", "independent blocks", a1 * a2, &ser, 0.0, PLAIN6));
    rows.push(Row::mean(
        "parallel 1 − ∏(1 − Aᵢ)",
        "independent blocks",
        1.0 - (1.0 - a1) * (1.0 - a2),
        &par,
        0.0,
        PLAIN6,
    ));

    // P(at least one disaster within t).
    let mtbd_h = 10.0 * 8760.0;
    let disaster = [FailureProcess {
        target: FailureTarget::Region("RA".into()),
        time_between_failures: exp_hours(mtbd_h),
        time_to_repair: fixed_hours(72),
    }];
    for years in [1u64, 5] {
        let hit = (0..args.trials)
            .into_par_iter()
            .filter(|&i| {
                let h = simulate_failures_with(
                    &topo,
                    &disaster,
                    SimDuration::from_hours(years * 8760),
                    TrialStreams::new(args.seed ^ 4, i),
                    FailureStart::AllUp,
                )
                .expect("ok");
                h.process_failures[0] > 0
            })
            .count() as u64;
        let expected = 1.0 - (-(years as f64) * 8760.0 / mtbd_h).exp();
        rows.push(Row::proportion(
            format!("P(disaster ≤ {years} y), MTBD 10 y"),
            "Poisson process",
            expected,
            hit,
            args.trials,
        ));
    }
}

fn series_system_cases(args: &Args, rows: &mut Vec<Row>) {
    let reliasoft = "ReliaSoft, RSA through simulation";
    let parts = [
        Component { name: "A".into(), time_to_failure: fixed_hours(100), time_to_repair: fixed_hours(10) },
        Component { name: "B".into(), time_to_failure: fixed_hours(120), time_to_repair: fixed_hours(10) },
    ];
    let h = simulate_series(&parts, SimDuration::from_hours(300), false, TrialStreams::new(args.seed, 0)).expect("ok");
    let n = Fmt { scale: 1.0, unit: "", decimals: 0 };
    let hrs = Fmt { scale: 3600.0, unit: " h", decimals: 1 };
    rows.push(Row::exact("textbook series: outages in 300 h", reliasoft, 4.0, h.outages() as f64, 0.0, n));
    rows.push(Row::exact("textbook series: downtime", reliasoft, 40.0 * 3600.0, h.downtime().as_secs_f64(), 0.0, hrs));
    rows.push(Row::exact("textbook series: availability", reliasoft, 0.86667, h.availability(), 5e-6, PLAIN6));

    // Suspended animation with exponential components, and the same parts ageing while down.
    let parts = [
        Component { name: "A".into(), time_to_failure: exp_hours(1.0 / LAMBDA), time_to_repair: exp_hours(1.0 / MU) },
        Component { name: "B".into(), time_to_failure: exp_hours(1.0 / LAMBDA2), time_to_repair: exp_hours(1.0 / MU2) },
    ];
    let (warm, end) = (hours(2000.0), hours(50_000.0));
    let runs = (args.trials / 250).max(20);
    let up_after_warm_up = |age: bool, salt: u64| -> Vec<f64> {
        (0..runs)
            .into_par_iter()
            .map(|i| {
                let h = simulate_series(&parts, end - SimTime::ZERO, age, TrialStreams::new(args.seed ^ salt, i))
                    .expect("ok");
                let down: f64 =
                    h.down.iter().map(|&(s, e)| e.min(end).saturating_since(s.max(warm)).as_secs_f64()).sum();
                1.0 - down / (end - warm).as_secs_f64()
            })
            .collect()
    };
    let expected = 1.0 / (1.0 + LAMBDA / MU + LAMBDA2 / MU2);
    rows.push(Row::mean(
        "series, no ageing while down: 1/(1+Σλᵢ/μᵢ)",
        "Barlow & Proschan (1975)",
        expected,
        &up_after_warm_up(false, 5),
        0.0,
        PLAIN6,
    ));
    let product = MU / (LAMBDA + MU) * MU2 / (LAMBDA2 + MU2);
    rows.push(Row::mean(
        "series, ageing while down: ∏Aᵢ",
        "independent blocks",
        product,
        &up_after_warm_up(true, 6),
        0.0,
        PLAIN6,
    ));
}

// ---------------------------------------------------------------------------------------------
// Replication

fn fixed_ms(ms: u64) -> DurationDistribution {
    DurationDistribution::fixed(SimDuration::from_millis(ms))
}

fn at_s(s: f64) -> SimTime {
    SimTime::ZERO + SimDuration::from_secs_f64(s)
}

fn reference_workload() -> WorkloadSpec {
    WorkloadSpec::poisson(50.0, Distribution::exponential(655_360.0).expect("ok")).expect("ok")
}

fn replication_cases(args: &Args, rows: &mut Vec<Row>) {
    let mm1 = "M/M/1 queue";
    // M/M/1: the time-average number of writes not fully sent, over independent runs (each
    // 100 s warm-up, then a sample every 50 ms for 500 s).
    let link = LinkSpec::new("P", "S", fixed_ms(40), 50e6).expect("ok");
    let runs = (args.trials / 1000).max(20);
    let l: Vec<f64> = (0..runs)
        .into_par_iter()
        .map(|i| {
            let mut r =
                AsyncFifo::new(&link, &reference_workload(), TrialStreams::new(args.seed ^ 10, i), SimTime::ZERO)
                    .expect("ok");
            let n = 10_000;
            (1..=n).map(|k| r.backlog_at(at_s(100.0 + 0.05 * k as f64)).expect("forward").queued as f64).sum::<f64>()
                / n as f64
        })
        .collect();
    let rho: f64 = 50.0 * 655_360.0 / 50e6;
    rows.push(Row::mean("async FIFO: writes queued ρ/(1−ρ), ρ = 0.65536", mm1, rho / (1.0 - rho), &l, 0.0, PLAIN6));

    // Zero latency: the copy lacks nothing exactly when the queue is empty, 1 − ρ of the time.
    let instant = LinkSpec::new("P", "S", fixed_ms(0), 50e6).expect("ok");
    let empty: Vec<f64> = (0..runs)
        .into_par_iter()
        .map(|i| {
            let mut r =
                AsyncFifo::new(&instant, &reference_workload(), TrialStreams::new(args.seed ^ 16, i), SimTime::ZERO)
                    .expect("ok");
            let n = 5_000;
            (1..=n).filter(|&k| r.loss_at(at_s(20.0 + 0.5 * k as f64)).expect("forward").writes_lost == 0).count()
                as f64
                / n as f64
        })
        .collect();
    rows.push(Row::mean("async, zero latency: P(nothing lost) = 1 − ρ", mm1, 1.0 - rho, &empty, 0.0, PLAIN6));

    // Synchronous commit under load: RTT + the M/M/1 sojourn 1/(μ − λ).
    let sync_loaded = LinkSpec::new("P", "S", fixed_ms(5), 50e6).expect("ok");
    let sojourn: Vec<f64> = (0..runs)
        .into_par_iter()
        .map(|i| {
            let mut s = Synchronous::new(
                &sync_loaded,
                &reference_workload(),
                LinkDownPolicy::Block,
                TrialStreams::new(args.seed ^ 17, i),
                SimTime::ZERO,
            )
            .expect("ok");
            s.advance_to(at_s(2000.0)).expect("ok");
            s.stats().commit_latency_mean.as_secs_f64()
        })
        .collect();
    let mu = 50e6 / 655_360.0;
    let ms = Fmt { scale: 1e-3, unit: " ms", decimals: 4 };
    rows.push(Row::mean(
        "sync commit mean RTT + 1/(μ − λ), ρ = 0.65536",
        mm1,
        0.010 + 1.0 / (mu - 50.0),
        &sojourn,
        0.0,
        ms,
    ));

    // Overload: flagged, and the backlog grows at λ·E[size] − throughput.
    let slow = LinkSpec::new("P", "S", fixed_ms(40), 25e6).expect("ok");
    let growth: Vec<(f64, bool)> = (0..runs)
        .into_par_iter()
        .map(|i| {
            let mut r =
                AsyncFifo::new(&slow, &reference_workload(), TrialStreams::new(args.seed ^ 11, i), SimTime::ZERO)
                    .expect("ok");
            let flagged = matches!(r.stability(), Stability::Unstable { .. });
            let b1 = r.backlog_at(at_s(200.0)).expect("ok").queued_bytes as f64;
            let b2 = r.backlog_at(at_s(1200.0)).expect("ok").queued_bytes as f64;
            ((b2 - b1) / 1000.0, flagged)
        })
        .collect();
    let rates: Vec<f64> = growth.iter().map(|g| g.0).collect();
    let mbs = Fmt { scale: 1e6, unit: " MB/s", decimals: 4 };
    rows.push(Row::mean("overload: backlog growth λE[s] − C", mm1, 50.0 * 655_360.0 - 25e6, &rates, 0.0, mbs));
    let flagged = growth.iter().filter(|g| g.1).count();
    rows.push(Row::bound(
        "overload: run flagged unstable",
        "ρ ≥ 1 has no steady state",
        "all runs".into(),
        format!("{flagged} of {runs}"),
        flagged as u64 == runs,
    ));

    // Snapshots: RPO uniform on [d, d + T) (less the mean gap 1/λ to the first lost write).
    let snap_link = LinkSpec::new("P", "S", fixed_ms(0), 1e6).expect("ok");
    let spec = |p: f64| SnapshotSpec {
        interval: SimDuration::from_mins(10),
        phase: None,
        size: SnapshotKind::Full { size_bytes: 30e6 },
        retention: Default::default(),
        failure_probability: p,
        vault: Default::default(),
    };
    let n_snap = (args.trials / 5).max(1000);
    let dense = WorkloadSpec::poisson(5.0, Distribution::fixed(100.0).expect("ok")).expect("ok");
    let rpo: Vec<f64> = (0..n_snap)
        .into_par_iter()
        .map(|i| {
            let mut m = SnapshotShipping::new(
                &spec(0.0),
                &snap_link,
                &dense,
                TrialStreams::new(args.seed ^ 12, i),
                SimTime::ZERO,
            )
            .expect("ok");
            m.loss_at(at_s(1300.0)).expect("ok").rpo.as_secs_f64()
        })
        .collect();
    let uniform = "uniform phase + memoryless writes";
    rows.push(Row::mean("snapshot RPO mean d + T/2 − 1/λ (T 600 s, d 30 s)", uniform, 329.8, &rpo, 0.0, SECS));
    // The standard deviation of a uniform on 600 s: T/√12; its estimate has standard error
    // σ·√((κ − 1)/(4n)) with kurtosis κ = 9/5 (plus the Exp(1/λ) gap's 0.2 s: negligible).
    let (m, _) = mean_ci(&rpo);
    let sd = (rpo.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (rpo.len() as f64 - 1.0)).sqrt();
    let sd_half = Z95 * sd * (0.8 / (4.0 * rpo.len() as f64)).sqrt();
    let expected_sd = (600.0f64 * 600.0 / 12.0 + 0.2 * 0.2).sqrt();
    rows.push(Row {
        case: "snapshot RPO spread T/√12".into(),
        source: uniform,
        expected: SECS.show(expected_sd),
        simulated: format!("{} ± {} (n = {})", SECS.show(sd), SECS.show(sd_half), rpo.len()),
        verdict: judge((sd - expected_sd).abs(), sd_half, 0.0),
    });
    let (lo, hi) = rpo.iter().fold((f64::MAX, 0.0f64), |(lo, hi), &x| (lo.min(x), hi.max(x)));
    rows.push(Row::bound(
        "snapshot RPO range [d, d + T)",
        uniform,
        "[30 s − gap, 630 s)".into(),
        format!("[{lo:.1} s, {hi:.1} s]"),
        lo >= 25.0 && hi < 630.0,
    ));
    let sparse = WorkloadSpec::poisson(0.5, Distribution::fixed(100.0).expect("ok")).expect("ok");
    let rpo_failed: Vec<f64> = (0..n_snap)
        .into_par_iter()
        .map(|i| {
            let mut m = SnapshotShipping::new(
                &spec(0.2),
                &snap_link,
                &sparse,
                TrialStreams::new(args.seed ^ 13, i),
                SimTime::ZERO,
            )
            .expect("ok");
            m.loss_at(at_s(4.0 * 3600.0)).expect("ok").rpo.as_secs_f64()
        })
        .collect();
    rows.push(Row::mean(
        "snapshot RPO, jobs fail p = 0.2: + T·p/(1−p)",
        "geometric retries",
        478.0,
        &rpo_failed,
        0.0,
        SECS,
    ));

    // Window-limited throughput, measured on a saturated link.
    let mut wl = LinkSpec::new("P", "S", fixed_ms(50), 100e6).expect("ok");
    wl.streams = 8;
    wl.window_bytes = Some(65_536.0);
    let heavy = WorkloadSpec::poisson(100.0, Distribution::fixed(102_400.0).expect("ok")).expect("ok");
    let mut r = AsyncFifo::new(&wl, &heavy, TrialStreams::new(args.seed ^ 14, 0), SimTime::ZERO).expect("ok");
    r.advance_to(at_s(10.0)).expect("ok");
    let before = r.stats().bytes_delivered;
    r.advance_to(at_s(1010.0)).expect("ok");
    let rate = (r.stats().bytes_delivered - before) as f64 / 1000.0;
    // One write (102,400 B) over 1,000 s at either end of the window, and nanosecond rounding.
    let tol = 2.0 * 102_400.0 / 1000.0 + 1e-4 * 5_242_880.0;
    rows.push(Row::exact(
        "window-limited throughput min(bw, n·w/RTT)",
        "window/RTT bound",
        8.0 * 65_536.0 / 0.1,
        rate,
        tol,
        Fmt { scale: 1.0, unit: " B/s", decimals: 0 },
    ));

    // Variable bandwidth, saturated: the time average bw × E[factor] (bias of applying the rate at
    // a transfer's start to all of it: < 0.1 %, the stated tolerance).
    let mut var_link = LinkSpec::new("P", "S", fixed_ms(5), 10e6).expect("ok");
    var_link.variability = Some(BandwidthVariability {
        period: DurationDistribution::new(Distribution::exponential(10.0).expect("ok")).expect("ok"),
        factor: Distribution::uniform(0.2, 1.8).expect("ok"),
    });
    let twice = WorkloadSpec::poisson(200.0, Distribution::fixed(100_000.0).expect("ok")).expect("ok");
    let delivered: Vec<f64> = (0..runs)
        .into_par_iter()
        .map(|i| {
            let mut r =
                AsyncFifo::new(&var_link, &twice, TrialStreams::new(args.seed ^ 18, i), SimTime::ZERO).expect("ok");
            r.advance_to(at_s(10.0)).expect("ok");
            let before = r.stats().bytes_delivered;
            r.advance_to(at_s(2010.0)).expect("ok");
            (r.stats().bytes_delivered - before) as f64 / 2000.0
        })
        .collect();
    rows.push(Row::mean(
        "variable bandwidth, saturated: bw × E[factor]",
        "renewal–reward",
        10e6,
        &delivered,
        10e3,
        mbs,
    ));

    // On/off writes: the renewal–reward rate, after a warm-up (the generator starts in a burst).
    let onoff = WorkloadSpec {
        arrivals: Arrivals::OnOff {
            on_rate_per_s: 100.0,
            off_rate_per_s: 10.0,
            on: DurationDistribution::new(Distribution::exponential(5.0).expect("ok")).expect("ok"),
            off: DurationDistribution::new(Distribution::exponential(15.0).expect("ok")).expect("ok"),
        },
        size_bytes: Distribution::fixed(1000.0).expect("ok"),
    };
    let fast = LinkSpec::new("P", "S", fixed_ms(5), 1e9).expect("ok");
    let write_rates: Vec<f64> = (0..runs)
        .into_par_iter()
        .map(|i| {
            let mut r = AsyncFifo::new(&fast, &onoff, TrialStreams::new(args.seed ^ 19, i), SimTime::ZERO).expect("ok");
            r.advance_to(at_s(1000.0)).expect("ok");
            let before = r.stats().writes_written;
            r.advance_to(at_s(21_000.0)).expect("ok");
            (r.stats().writes_written - before) as f64 / 20_000.0
        })
        .collect();
    let per_s = Fmt { scale: 1.0, unit: "/s", decimals: 4 };
    rows.push(Row::mean(
        "on/off writes: (r₁E[on] + r₀E[off]) / E[cycle]",
        "renewal–reward",
        32.5,
        &write_rates,
        0.0,
        per_s,
    ));

    // Synchronous replication over 1,000 km of fibre: RTT = 2 × 10⁶ m / (2×10⁸ m/s) = 10 ms.
    let one_way = SimDuration::from_secs_f64(1e6 / 2e8);
    let sync_link = LinkSpec::new("P", "S", DurationDistribution::fixed(one_way), 1e9).expect("ok");
    let small = WorkloadSpec::poisson(100.0, Distribution::fixed(4096.0).expect("ok")).expect("ok");
    let sync_runs = (args.trials / 1000).max(20);
    let lat: Vec<(f64, f64)> = (0..sync_runs)
        .into_par_iter()
        .map(|i| {
            let mut s = Synchronous::new(
                &sync_link,
                &small,
                LinkDownPolicy::Block,
                TrialStreams::new(args.seed ^ 15, i),
                SimTime::ZERO,
            )
            .expect("ok");
            s.advance_to(at_s(600.0)).expect("ok");
            let st = s.stats();
            (st.commit_latency_min.as_secs_f64(), st.commit_latency_mean.as_secs_f64())
        })
        .collect();
    let min = lat.iter().map(|l| l.0).fold(f64::MAX, f64::min);
    let rtt = 2.0 * 1e6 / 2e8;
    let service = 4096.0 / 1e9;
    let us = Fmt { scale: 1e-6, unit: " µs", decimals: 4 };
    rows.push(Row::bound(
        "sync commit ≥ RTT + size/bw (1,000 km)",
        "speed of light in fibre",
        format!("≥ {}", us.show(rtt + service)),
        format!("min {}", us.show(min)),
        min >= rtt + service - 1e-9,
    ));
    // Mean: RTT + service + the M/D/1 wait λS²/(2(1−ρ)) (Pollaczek–Khinchine); the reported
    // mean is truncated to the nanosecond (≤ 1 ns).
    let rho = 100.0 * service;
    let wait = 100.0 * service * service / (2.0 * (1.0 - rho));
    let means: Vec<f64> = lat.iter().map(|l| l.1).collect();
    rows.push(Row::mean(
        "sync commit mean RTT + S + M/D/1 wait",
        "Pollaczek–Khinchine",
        rtt + service + wait,
        &means,
        1e-9,
        us,
    ));
}

// ---------------------------------------------------------------------------------------------
// Detection and DNS

fn recovery_cases(args: &Args, rows: &mut Vec<Row>) {
    let d = Detection::HealthCheck { interval: SimDuration::from_secs(30), failures: 3 };
    let n = args.trials * 10;
    let delays: Vec<f64> = (0..n)
        .into_par_iter()
        .map(|i| {
            let t = at_s(1000.0);
            (d.detect(t, &mut TrialStreams::new(args.seed ^ 20, i).rng(DETECTION)) - t).as_secs_f64()
        })
        .collect();
    let src = "uniform check phase";
    rows.push(Row::mean("detection mean (k − ½)·I, 30 s × 3", src, 75.0, &delays, 0.0, SECS));
    let (lo, hi) = delays.iter().fold((f64::MAX, 0.0f64), |(lo, hi), &x| (lo.min(x), hi.max(x)));
    rows.push(Row::bound(
        "detection delay in [(k−1)·I, k·I)",
        src,
        "[60 s, 90 s)".into(),
        format!("[{lo:.6} s, {hi:.6} s]"),
        lo >= 60.0 && hi < 90.0,
    ));

    // DNS: a failover from a dead primary to a full standby with a 300 s TTL.
    let ttl = SimDuration::from_secs(300);
    let t0 = at_s(3600.0);
    let mut s = ServiceState::new(2, 4);
    s.set_capacity(1, 4);
    s.set_data_ready(0, true);
    s.set_data_ready(1, true);
    s.set_shares(&[1.0, 0.0]);
    s.set_up(0, false);
    s.route(t0, &[1], ttl);
    let dns = "TTL expiry, uniform cache age";
    let worst = (0..=100)
        .map(|k| {
            let x = f64::from(k) / 100.0;
            (s.level(t0 + SimDuration::from_secs_f64(x * 300.0)) - x).abs()
        })
        .fold(0.0, f64::max);
    rows.push(Row::exact("DNS: level − (t − t₀)/TTL, worst of 101", dns, 0.0, worst, 1e-12, PLAIN6));
    let done =
        s.first_at_least(1.0, t0, t0 + SimDuration::from_secs(3600)).map_or(f64::INFINITY, |t| (t - t0).as_secs_f64());
    rows.push(Row::exact("DNS: all clients moved after", dns, 300.0, done, 0.0, SECS));
}

// ---------------------------------------------------------------------------------------------
// Faults in disaster trials and horizon runs (docs/model.md, "Fault processes")

/// A strategy with fixed steps: launch 120 s, then DNS with a 60 s TTL (180 s from its start).
struct Fixed(ReplicationSpec);

impl Strategy for Fixed {
    fn name(&self) -> &str {
        "fixed"
    }
    fn steady_state(&self, _: &Deployment) -> Result<SteadyState, StrategyError> {
        Ok(SteadyState {
            replication: self.0.clone(),
            capacity: vec![("P".into(), 8)],
            traffic: vec![("P".into(), 1.0)],
            data_ready: vec!["P".into()],
            database_size: vec![],
        })
    }
    fn recovery(&self, _: &RecoveryContext<'_>) -> Result<Runbook, StrategyError> {
        let fixed = |s| DurationDistribution::fixed(SimDuration::from_secs(s));
        Ok(Runbook::new(vec![
            Step::new("launch", fixed(120)).effect(Effect::AddCapacity { site: "S".into(), instances: 8 }),
            Step::new("promote", fixed(0)).effect(Effect::DataReady { site: "S".into() }),
            Step::new("dns", fixed(0))
                .after(["launch", "promote"])
                .effect(Effect::RouteTraffic { sites: vec!["S".into()], ttl: SimDuration::from_secs(60) }),
        ]))
    }
    fn failback(&self, _: &FailbackContext<'_>) -> Result<Runbook, StrategyError> {
        Ok(Runbook::new(vec![]))
    }
}

fn exp_secs(mean: f64) -> DurationDistribution {
    DurationDistribution::new(Distribution::exponential(mean).expect("ok")).expect("ok")
}

fn trials(sc: &DisasterScenario, repl: ReplicationSpec, seed: u64, n: u64) -> Vec<TrialOutcome> {
    let strategy = Fixed(repl);
    let trial = DisasterTrial::new(sc, &strategy).expect("valid");
    (0..n).into_par_iter().map(|i| trial.run(seed, i).expect("runs")).collect()
}

/// Disaster trials whose asynchronous copy starts in its stationary state (issue 21): the
/// reference's M/M/1 link (ρ = 0.65536) through `DisasterTrial`, against closed forms. Past
/// departures are Poisson(λ) and independent of the queue N (Burke), so nothing is lost with
/// probability (1 − ρ) e^(−λ E[L]); with a fixed latency L the writes lost are N plus the
/// departures of the last L: E = ρ/(1 − ρ) + λL.
fn stationary_start_cases(args: &Args, rows: &mut Vec<Row>) {
    let reference = |latency: DurationDistribution| {
        TwoRegions {
            writes_per_s: 50.0,
            mean_write_bytes: 655_360.0,
            latency,
            bandwidth_bytes_per_s: 50e6,
            ..TwoRegions::default()
        }
        .scenario()
    };
    let (rho, lambda) = (0.65536, 50.0);
    let src = "M/M/1 reversed (Burke)";
    let uniform = DurationDistribution::new(Distribution::uniform(0.040, 0.050).expect("ok")).expect("ok");
    let out = trials(&reference(uniform), ReplicationSpec::Asynchronous, args.seed ^ 60, args.trials);
    let none = out.iter().filter(|o| o.writes_lost == 0).count() as u64;
    rows.push(Row::proportion(
        "async trial, stationary start: P(nothing lost) = (1−ρ)e^(−λE[L])",
        src,
        (1.0 - rho) * (-lambda * 0.045f64).exp(),
        none,
        args.trials,
    ));
    let out = trials(&reference(fixed_ms(40)), ReplicationSpec::Asynchronous, args.seed ^ 61, args.trials);
    let lost: Vec<f64> = out.iter().map(|o| o.writes_lost as f64).collect();
    rows.push(Row::mean(
        "async trial, stationary start: writes lost ρ/(1−ρ) + λL, L 40 ms",
        src,
        rho / (1.0 - rho) + lambda * 0.040,
        &lost,
        0.0,
        PLAIN6,
    ));
}

fn fault_cases(args: &Args, rows: &mut Vec<Row>) {
    let n = (args.trials / 20).max(2000);
    let src = "stationary alternating renewal";

    // Equilibrium start of a non-exponential process: Weibull(2, 10 h) up, 5 h fixed repair.
    let topo = two_sites();
    let a = topo.site("A").expect("A");
    let weibull = [FailureProcess {
        target: FailureTarget::Site("A".into()),
        time_between_failures: DurationDistribution::new(Distribution::weibull(2.0, 36_000.0).expect("ok"))
            .expect("ok"),
        time_to_repair: fixed_hours(5),
    }];
    let mean_up = 10.0 * 0.886_226_925_452_758;
    for h in [0.0, 3.0] {
        let down = (0..args.trials)
            .into_par_iter()
            .filter(|&i| {
                let tl =
                    failure_timeline(&topo, &weibull, SimDuration::from_hours(4), TrialStreams::new(args.seed ^ 30, i))
                        .expect("ok");
                !tl.site_up_at(a, hours(h))
            })
            .count() as u64;
        rows.push(Row::proportion(
            format!("P(down at {h} h) = MTTR/(MTTF+MTTR), Weibull up"),
            src,
            5.0 / (mean_up + 5.0),
            down,
            args.trials,
        ));
    }

    // A link down 1/3 of the time (Exp(10 min) up, Exp(5 min) down), fast link, 1 h warm-up.
    let flapping = {
        let mut sc = TwoRegions {
            latency: DurationDistribution::fixed(SimDuration::from_millis(1)),
            bandwidth_bytes_per_s: 1e9,
            warm_up: SimDuration::from_hours(1),
            window: SimDuration::from_hours(1),
            ..TwoRegions::default()
        }
        .scenario();
        sc.faults = vec![FailureProcess {
            target: FailureTarget::Link { from: "P".into(), to: "S".into() },
            time_between_failures: exp_secs(600.0),
            time_to_repair: exp_secs(300.0),
        }];
        sc
    };
    let degrade = trials(
        &flapping,
        ReplicationSpec::Synchronous { on_link_down: LinkDownPolicy::DegradeToAsync },
        args.seed ^ 31,
        n,
    );
    let lossy = degrade.iter().filter(|o| !o.rpo.is_some_and(|r| r.is_zero())).count() as u64;
    rows.push(Row::proportion("sync degrade: P(RPO > 0) = 1/3", src, 1.0 / 3.0, lossy, n));
    let rpo: Vec<f64> = degrade.iter().map(|o| o.rpo.map_or(f64::INFINITY, |r| r.as_secs_f64())).collect();
    // The first write after the failure comes Exp(0.2 s) later: a bias of 1/3 × 0.2 s.
    rows.push(Row::mean("sync degrade: E[RPO] = 1/3 × 300 s", src, 100.0, &rpo, 0.1, SECS));
    let block =
        trials(&flapping, ReplicationSpec::Synchronous { on_link_down: LinkDownPolicy::Block }, args.seed ^ 32, n);
    let frac: Vec<f64> = block.iter().map(|o| o.write_blocked.as_secs_f64() / o.disaster_at.as_secs_f64()).collect();
    rows.push(Row::mean("sync block: writes blocked 1/3 of the time", src, 1.0 / 3.0, &frac, 0.0, PLAIN6));
    let max_rpo = block.iter().map(|o| o.rpo.map_or(f64::INFINITY, |r| r.as_secs_f64())).fold(0.0, f64::max);
    rows.push(Row::exact("sync block: RPO in every trial", "no write commits unreplicated", 0.0, max_rpo, 0.0, SECS));

    // A standby down half the time: recovery waits when it is down at detection (1/2) or
    // fails within the recovery R: P(delayed) = 1/2 + 1/2 (1 − e^{−R/MTTF}), whatever D.
    let mut half = TwoRegions {
        detection: Detection::Delay { delay: DurationDistribution::fixed(SimDuration::from_secs(1800)) },
        ..TwoRegions::default()
    }
    .scenario();
    half.faults = vec![FailureProcess {
        target: FailureTarget::Site("S".into()),
        time_between_failures: exp_secs(3600.0),
        time_to_repair: exp_secs(3600.0),
    }];
    let o = trials(&half, ReplicationSpec::Asynchronous, args.seed ^ 33, n);
    let delayed = o.iter().filter(|o| o.flags.recovery_delayed).count() as u64;
    rows.push(Row::proportion(
        "standby down ½: P(delayed), D 30 min, R 180 s",
        src,
        0.5 + 0.5 * (1.0 - (-180.0f64 / 3600.0).exp()),
        delayed,
        n,
    ));
    let early = o.iter().filter(|o| o.rto.is_some_and(|r| r < o.detection_delay)).count();
    rows.push(Row::bound(
        "recovery never before detection",
        "rule",
        "0 trials with RTO < detection".into(),
        format!("{early} of {n}"),
        early == 0,
    ));

    // Hourly full backups of 1 GB over 10 MB/s (c = 100.04 s), a 1-minute warm-up.
    let sc = TwoRegions {
        bandwidth_bytes_per_s: 10e6,
        warm_up: SimDuration::from_mins(1),
        window: SimDuration::from_mins(1),
        ..TwoRegions::default()
    }
    .scenario();
    let spec = SnapshotSpec {
        interval: SimDuration::from_hours(1),
        phase: None,
        size: SnapshotKind::Full { size_bytes: 1e9 },
        retention: Default::default(),
        failure_probability: 0.0,
        vault: Default::default(),
    };
    let o = trials(&sc, ReplicationSpec::Snapshot(spec), args.seed ^ 34, n);
    let rpo: Vec<f64> = o.iter().map(|o| o.rpo.map_or(f64::INFINITY, |r| r.as_secs_f64())).collect();
    rows.push(Row::mean("backups: E[RPO] = I/2 + c, 1 min warm-up", "uniform phase", 1900.04, &rpo, 0.0, SECS));

    // Horizon: both sites in region A, which fails (Exp(30 d) up, Exp(1 d) down).
    let mut sc = TwoRegions::default().scenario();
    let mut spec = sc.deployment.topology.spec().clone();
    spec.zones.push(ZoneSpec { name: "a2".into(), region: "A".into() });
    for site in &mut spec.sites {
        site.zone = if site.name == "P" { "a1".into() } else { "a2".into() };
    }
    sc.deployment.topology = Topology::new(spec).expect("valid");
    sc.disaster.target = FailureTarget::Site("P".into());
    let strategy = Fixed(ReplicationSpec::Asynchronous);
    let trial = DisasterTrial::new(&sc, &strategy).expect("valid");
    let horizon = drsim::horizon::HorizonSpec {
        length: SimDuration::from_days(3650),
        failures: vec![FailureProcess {
            target: FailureTarget::Region("A".into()),
            time_between_failures: exp_secs(30.0 * 86_400.0),
            time_to_repair: exp_secs(86_400.0),
        }],
        logical: vec![],
    };
    let runs = (args.trials / 500).max(200);
    let outcomes: Vec<_> = (0..runs)
        .into_par_iter()
        .map(|i| drsim::horizon::run_horizon(&trial, &horizon, args.seed ^ 35, i).expect("runs"))
        .collect();
    let avail: Vec<f64> =
        outcomes.iter().map(|o| 1.0 - o.downtime.as_secs_f64() / horizon.length.as_secs_f64()).collect();
    rows.push(Row::mean(
        "horizon, both sites in the failing region: A",
        "MTTF/(MTTF+MTTR)",
        30.0 / 31.0,
        &avail,
        0.0,
        PLAIN6,
    ));
    let failovers: u64 = outcomes.iter().map(|o| o.failovers).sum();
    rows.push(Row::exact("  ... failovers", "no site left to fail over to", 0.0, failovers as f64, 0.0, PLAIN6));
}

// ---------------------------------------------------------------------------------------------
// Logical corruption: clean recovery points under retention, dwell and attack

fn corruption_cases(args: &Args, rows: &mut Vec<Row>) {
    use drsim::corruption::newest_clean_point;
    use drsim::model::Retention;
    let n = (args.trials / 5).max(1000);
    let day = SimDuration::from_days(1);
    let snap = |interval: SimDuration, retention: Retention| {
        ReplicationSpec::Snapshot(SnapshotSpec {
            interval,
            phase: None,
            size: SnapshotKind::Incremental,
            retention,
            failure_probability: 0.0,
            vault: Default::default(),
        })
    };
    let keep7 = snap(day, Retention { keep_newest: Some(7), max_age: None });
    // The damage at a uniform phase of the daily schedule: t_c − s ~ U(0, 1 d).
    let draws =
        |spec: &ReplicationSpec, dwell: &(dyn Fn(&mut drsim::engine::SimRng) -> SimDuration + Sync), salt: u64| {
            (0..n)
                .into_par_iter()
                .map(|i| {
                    let mut rng = TrialStreams::new(args.seed ^ salt, i).rng(StreamId(77));
                    let t_c = SimTime::ZERO + SimDuration::from_days(100);
                    let t_det = t_c.saturating_add(dwell(&mut rng));
                    let phase = SimDuration::from_nanos(rng.random_range(0..spec_interval(spec).as_nanos()));
                    newest_clean_point(spec, t_c, t_det, phase, false, &mut rng).map(|c| c.age)
                })
                .collect::<Vec<_>>()
        };
    let three = draws(&keep7, &|_| SimDuration::from_days(3), 1);
    let ages: Vec<f64> = three.iter().map(|a| a.map_or(f64::NAN, |a| a.as_secs_f64())).collect();
    rows.push(Row::mean(
        "daily backups kept 7, dwell 3 d: RPO = t_c − clean point (mean)",
        "U(0, I): I / 2 = 12 h",
        43_200.0,
        &ages,
        0.0,
        SECS,
    ));
    let eight = draws(&keep7, &|_| SimDuration::from_days(8), 2);
    let none = eight.iter().filter(|a| a.is_none()).count();
    rows.push(Row::bound(
        "daily backups kept 7, dwell 8 d: trials without a clean point",
        "8 newer backups > 7 kept",
        format!("{n} of {n}"),
        format!("{none} of {n}"),
        none as u64 == n,
    ));
    // Exponential dwell of mean 1 d against 5-minute backups kept 2 d: the point exists iff
    // D + U·5 min ≤ 2 d: P(none) = e^{−2} E[e^{U·5min/1d}] = e^{−2} (e^{c} − 1)/c, c = 5/1440.
    let pitr =
        snap(SimDuration::from_mins(5), Retention { keep_newest: None, max_age: Some(SimDuration::from_days(2)) });
    let exp = Distribution::exponential(86_400.0).and_then(DurationDistribution::new).expect("valid");
    let tail = draws(&pitr, &|rng| exp.sample(rng), 3);
    let none = tail.iter().filter(|a| a.is_none()).count() as u64;
    let c: f64 = 5.0 / 1440.0;
    rows.push(Row::proportion(
        "exponential dwell (mean 1 d), 5-min backups kept 2 d: P(no clean point)",
        "e^{-W/m} (e^c - 1)/c",
        (-2.0f64).exp() * (c.exp() - 1.0) / c,
        none,
        n,
    ));
    let live = draws(&ReplicationSpec::Asynchronous, &|_| SimDuration::from_secs(1), 4);
    rows.push(Row::bound(
        "a live (asynchronous) copy under corruption: clean points",
        "copies the damage",
        "0".into(),
        live.iter().filter(|a| a.is_some()).count().to_string(),
        live.iter().all(Option::is_none),
    ));
}

fn spec_interval(spec: &ReplicationSpec) -> SimDuration {
    match spec {
        ReplicationSpec::Snapshot(s) => s.interval,
        _ => SimDuration::from_secs(1),
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = Args::parse();
    if args.trials < 1000 {
        return Err("--trials must be at least 1000".into());
    }
    let started = Instant::now();
    let mut rows = Vec::new();
    availability_cases(&args, &mut rows);
    series_system_cases(&args, &mut rows);
    replication_cases(&args, &mut rows);
    recovery_cases(&args, &mut rows);
    stationary_start_cases(&args, &mut rows);
    fault_cases(&args, &mut rows);
    corruption_cases(&args, &mut rows);

    let widths = [
        rows.iter().map(|r| r.case.chars().count()).max().unwrap_or(0).max(4),
        rows.iter().map(|r| r.source.chars().count()).max().unwrap_or(0).max(6),
        rows.iter().map(|r| r.expected.chars().count()).max().unwrap_or(0).max(8),
        rows.iter().map(|r| r.simulated.chars().count()).max().unwrap_or(0).max(23),
    ];
    let pad = |s: &str, w: usize| format!("{s}{}", " ".repeat(w.saturating_sub(s.chars().count())));
    println!(
        "| {} | {} | {} | {} | verdict |",
        pad("case", widths[0]),
        pad("source", widths[1]),
        pad("expected", widths[2]),
        pad("simulated ± 95 % CI", widths[3])
    );
    println!(
        "|{}|{}|{}|{}|---------|",
        "-".repeat(widths[0] + 2),
        "-".repeat(widths[1] + 2),
        "-".repeat(widths[2] + 2),
        "-".repeat(widths[3] + 2)
    );
    for r in &rows {
        let v = match r.verdict {
            Verdict::Pass => "PASS",
            Verdict::Warn => "WARN",
            Verdict::Fail => "FAIL",
        };
        println!(
            "| {} | {} | {} | {} | {v:<7} |",
            pad(&r.case, widths[0]),
            pad(r.source, widths[1]),
            pad(&r.expected, widths[2]),
            pad(&r.simulated, widths[3])
        );
    }
    let count = |v| rows.iter().filter(|r| r.verdict == v).count();
    let (pass, warn, fail) = (count(Verdict::Pass), count(Verdict::Warn), count(Verdict::Fail));
    println!(
        "\n{} cases: {pass} PASS, {warn} WARN (outside the 95 % CI, within 4 SE), {fail} FAIL; seed {}, --trials {}, {:.1} s on {} threads",
        rows.len(),
        args.seed,
        args.trials,
        started.elapsed().as_secs_f64(),
        rayon::current_num_threads()
    );
    if fail > 0 {
        std::process::exit(1);
    }
    Ok(())
}
