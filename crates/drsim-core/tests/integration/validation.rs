//! Validation tests that check more than the validation cases of `drsim::validation` (the
//! facade's `src/validation/`, asserted by its integration test and printed by
//! `examples/validation_report.rs`): the DNS ramp at every instant and against a client-level
//! model, the textbook series system outage by outage, the window-limited link's stability flag,
//! the stability of truncated sizes, and the closed forms the model's own summaries compute.
//! The cases that only compared a simulated mean with a closed form live there, once.
//!
//! Every statistical test has a fixed seed and a tolerance of 4 standard errors, the standard
//! error being the 95 % confidence interval's half-width divided by z = 1.96 (Wilson interval of
//! a proportion). A correct model fails such a test for about one seed in 15,000.

use drsim_core::engine::{Distribution, DurationDistribution, SimDuration, SimTime, TrialStreams};
use drsim_core::model::{AsyncFifo, Component, LinkSpec, Replication, WorkloadSpec, simulate_series};
use drsim_core::recovery::ServiceState;
use drsim_core::stats::{Proportion, Z95};

fn fixed_hours(h: u64) -> DurationDistribution {
    DurationDistribution::fixed(SimDuration::from_hours(h))
}

fn hours(h: f64) -> SimTime {
    SimTime::ZERO + SimDuration::from_secs_f64(h * 3600.0)
}

/// Asserts that a proportion of `successes` in `trials` is within `k` standard errors of
/// `expected`, the standard error taken from the Wilson 95 % interval: (high − low) / (2·1.96).
fn assert_proportion_near(what: &str, successes: u64, trials: u64, expected: f64, k: f64) {
    let p = Proportion::wilson(successes, trials);
    let se = (p.high - p.low) / (2.0 * Z95);
    assert!(
        (p.estimate - expected).abs() <= k * se,
        "{what}: {successes}/{trials} = {} (95 % CI [{}, {}]) is more than {k} SE ({se}) from {expected}",
        p.estimate,
        p.low,
        p.high
    );
}

/// DNS with a TTL: after a record changes at t₀, each client keeps its cached answer until the
/// cache entry expires. With entries cached at uniformly random instants, expiries after t₀ are
/// uniform on [0, TTL), so the fraction of clients that have moved is the uniform CDF
/// (t − t₀)/TTL, and all have moved by t₀ + TTL (RFC 1034 §3.6 and RFC 1035 §3.2.1 for the TTL
/// semantics; the uniform phase is this test's assumption about client arrivals).
///
/// Checked two ways: exactly, the service level after a failover from a dead primary to a
/// full standby is (t − t₀)/TTL (to 1e-12) and first reaches 1 at exactly t₀ + TTL; and
/// against an independent client-level model, 20,000 clients with uniform expiries, whose
/// fraction moved at five instants must lie within 4 SE (binomial) of the level.
#[test]
fn dns_ttl_moves_clients_linearly_within_one_ttl() {
    let (t0, ttl) = (hours(1.0), SimDuration::from_secs(300));
    let mut s = ServiceState::new(2, 4);
    s.set_capacity(1, 4);
    s.set_data_ready(0, true);
    s.set_data_ready(1, true);
    s.set_shares(&[1.0, 0.0]);
    s.set_up(0, false);
    s.route(t0, &[1], ttl);
    let at = |x: f64| t0 + SimDuration::from_secs_f64(x * ttl.as_secs_f64());
    for k in 0..=10 {
        let x = f64::from(k) / 10.0;
        assert!((s.level(at(x)) - x).abs() < 1e-12, "level at {x} TTL: {}", s.level(at(x)));
        assert!((s.share(1, at(x)) - x).abs() < 1e-12);
    }
    assert_eq!(s.level(at(2.0)), 1.0, "nothing moves after one TTL");
    assert_eq!(s.first_at_least(1.0, t0, at(10.0)), Some(t0 + ttl), "all clients within exactly one TTL");
    assert_eq!(s.first_at_least(0.5, t0, at(10.0)), Some(at(0.5)));

    // The client-level model, independent of drsim's ramp.
    use rand::RngExt;
    let mut rng = TrialStreams::new(605, 0).rng(drsim_core::engine::StreamId(1000));
    let n = 20_000;
    let expiry: Vec<f64> = (0..n).map(|_| rng.random::<f64>()).collect();
    for x in [0.1, 0.25, 0.5, 0.75, 0.9] {
        let moved = expiry.iter().filter(|&&e| e <= x).count() as u64;
        assert_proportion_near(&format!("clients moved at {x} TTL"), moved, n, s.level(at(x)), 4.0);
    }
    assert!(expiry.iter().all(|&e| e < 1.0), "every client has moved within one TTL");
}

/// ReliaSoft's textbook series system (*System Analysis Reference: Reliability, Availability &
/// Optimization*, chapter "Repairable Systems Analysis Through Simulation", section
/// "Deterministic View, Simple Series"): A fails every 100 h, B every 120 h (of their own
/// operating time), each repair takes 10 h, and the surviving component does not age while the
/// system is down. Over 300 h: 4 outages, 40 h down, availability 260/300 = 0.86667.
///
/// By hand (age = operating time since the component's last repair):
/// - 0–100 h both run. A reaches 100 at 100 h and fails: down 100–110. B is paused at age 100.
/// - A is repaired at 110 (age 0); B resumes at 100 and needs 20 h more: it fails at 130, down
///   130–140. A is paused at age 20 (it ran 110–130).
/// - B is repaired at 140 (age 0); A resumes at 20 and needs 80 h more: it fails at 220 (A's
///   100 h = 110–130 plus 140–220, its 10 h pause during B's repair excluded), down 220–230.
///   B is paused at age 80 (it ran 140–220).
/// - A is repaired at 230; B needs 40 h more: it fails at 270, down 270–280. A is paused at
///   age 40 (it ran 230–270).
/// - B is repaired at 280; A needs 60 h more: 340 h, past the horizon. Nothing else fails.
///
/// Outages at 100, 130, 220 and 270 h, each 10 h: 4 outages, 40 h, 260/300 = 0.866667 — as
/// published. Deterministic: exact equality (availability to 1e-12).
#[test]
fn reliasoft_series_system_without_ageing_while_down() {
    let parts = [
        Component { name: "A".into(), time_to_failure: fixed_hours(100), time_to_repair: fixed_hours(10) },
        Component { name: "B".into(), time_to_failure: fixed_hours(120), time_to_repair: fixed_hours(10) },
    ];
    let h = simulate_series(&parts, SimDuration::from_hours(300), false, TrialStreams::new(606, 0)).unwrap();
    let iv = |a: f64, b: f64| (hours(a), hours(b));
    assert_eq!(h.down, vec![iv(100.0, 110.0), iv(130.0, 140.0), iv(220.0, 230.0), iv(270.0, 280.0)]);
    assert_eq!(h.outages(), 4);
    assert_eq!(h.downtime(), SimDuration::from_hours(40));
    assert_eq!(h.component_failures, vec![2, 2], "two downing events each");
    assert!((h.availability() - 260.0 / 300.0).abs() < 1e-12);
    assert!((h.availability() - 0.86667).abs() < 5e-6, "the published figure, to its 5 decimals");
}

/// Window-limited throughput, measured on the FIFO link rather than read from the formula: a
/// link of 100 MB/s with 8 streams of 64 KiB windows and a 100 ms RTT carries at most
/// min(10⁸, 8 × 65,536 / 0.1) = 5,242,880 B/s (the window/RTT bound of TCP throughput;
/// Mathis et al. 1997 note it as the limit when the window binds). Offered 10.24 MB/s
/// (Poisson 100 writes/s of 100 KiB) the queue never empties after the first second, so the
/// bytes delivered between 10 s and 110 s are the link's throughput × 100 s.
///
/// Tolerance: one write (102,400 B) over the 100 s window, plus rounding each write's transfer
/// time to the nanosecond (≤ 0.5 ns per write, 10,000 writes): 1,024 B/s + 0.03 %.
#[test]
fn saturated_window_limited_link_delivers_streams_times_window_over_rtt() {
    let mut link = LinkSpec::new("P", "S", DurationDistribution::fixed(SimDuration::from_millis(50)), 100e6).unwrap();
    link.streams = 8;
    link.window_bytes = Some(65_536.0);
    let workload = WorkloadSpec::poisson(100.0, Distribution::fixed(102_400.0).unwrap()).unwrap();
    let mut repl = AsyncFifo::new(&link, &workload, TrialStreams::new(608, 0), SimTime::ZERO).unwrap();
    repl.advance_to(hours(10.0 / 3600.0)).unwrap();
    let before = repl.stats().bytes_delivered;
    assert!(repl.backlog_at(hours(10.0 / 3600.0)).unwrap().queued_bytes > 10_000_000, "saturated");
    repl.advance_to(hours(110.0 / 3600.0)).unwrap();
    let rate = (repl.stats().bytes_delivered - before) as f64 / 100.0;
    let expected: f64 = 8.0 * 65_536.0 / 0.1;
    assert!((expected - 5_242_880.0).abs() < 1e-6);
    assert!((rate - expected).abs() <= 1024.0 + 3e-4 * expected, "delivered {rate} B/s against {expected}");
    assert!(repl.stability().is_unstable(), "offered 10.24 MB/s > 5.24 MB/s is flagged");
}

/// Found by this suite and fixed: stability must use the mean of the sizes actually written.
/// Sizes Normal(0, 1 MB) are truncated at zero (as durations are), so the writes average
/// σ·φ(0)/(1 − Φ(0)) = σ·√(2/π) = 797,885 B: 39.9 MB/s at 50 writes/s on a 10 MB/s link, which
/// must be flagged unstable (it was reported `Stable` with utilisation 0 when the mean of the
/// untruncated normal, 0, was used). Tolerance: 5 % of the bytes written in 1,000 s (about
/// 50,000 writes; the relative standard error is under 0.5 %).
#[test]
fn stability_uses_the_mean_of_the_sizes_actually_written() {
    let link = LinkSpec::new("P", "S", DurationDistribution::fixed(SimDuration::from_millis(5)), 10e6).unwrap();
    let workload = WorkloadSpec::poisson(50.0, Distribution::normal(0.0, 1e6).unwrap()).unwrap();
    let mut r = AsyncFifo::new(&link, &workload, TrialStreams::new(613, 0), SimTime::ZERO).unwrap();
    let written = {
        r.advance_to(hours(1000.0 / 3600.0)).unwrap();
        r.stats().bytes_written as f64 / 1000.0
    };
    assert!((written - 50.0 * 1e6 * (2.0 / std::f64::consts::PI).sqrt()).abs() < 0.05 * written, "{written}");
    assert!(r.stability().is_unstable(), "{:?} while {written} B/s are written on a 10 MB/s link", r.stability());
}
/// The closed forms the model computes for its own summaries: a link whose bandwidth varies by
/// a factor U(0.2, 1.8) has mean throughput bandwidth × E[factor] = 10 MB/s (renewal–reward,
/// factors independent of period lengths), and on/off writes of 100/s for Exp(5 s) and 10/s
/// for Exp(15 s) arrive at (100·5 + 10·15) / 20 = 32.5/s (Ross, *Stochastic Processes*, §3.6).
/// The simulated rates are validation cases of `drsim::validation`.
#[test]
fn mean_throughput_and_write_rate_are_the_renewal_reward_means() {
    let mut link = LinkSpec::new("P", "S", DurationDistribution::fixed(SimDuration::from_millis(5)), 10e6).unwrap();
    link.variability = Some(drsim_core::model::BandwidthVariability {
        period: DurationDistribution::new(Distribution::exponential(10.0).unwrap()).unwrap(),
        factor: Distribution::uniform(0.2, 1.8).unwrap(),
    });
    assert_eq!(link.mean_throughput_bytes_per_s(), 10e6);
    let workload = WorkloadSpec {
        arrivals: drsim_core::model::Arrivals::OnOff {
            on_rate_per_s: 100.0,
            off_rate_per_s: 10.0,
            on: DurationDistribution::new(Distribution::exponential(5.0).unwrap()).unwrap(),
            off: DurationDistribution::new(Distribution::exponential(15.0).unwrap()).unwrap(),
        },
        size_bytes: Distribution::fixed(1000.0).unwrap(),
    };
    assert!((workload.mean_rate_per_s() - 32.5).abs() < 1e-12);
}
