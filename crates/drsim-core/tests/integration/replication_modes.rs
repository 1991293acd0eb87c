//! Semi-synchronous, published-lag and quorum replication against hand computations, closed
//! forms and invariants.

use drsim_core::engine::{Distribution, DurationDistribution, SimDuration, SimTime, TrialStreams};
use drsim_core::model::{
    BuildReplicationError, LinkDownPolicy, LinkSpec, PublishedLag, Quorum, QuorumError, QuorumMember, Replication,
    ReplicationSpec, SemiSync, Synchronous, WorkloadSpec, WriteGenerator,
};
use drsim_core::trial::streams::WORKLOAD;
use proptest::prelude::*;

fn at_s(s: f64) -> SimTime {
    SimTime::ZERO + SimDuration::from_secs_f64(s)
}

fn ms(m: u64) -> DurationDistribution {
    DurationDistribution::fixed(SimDuration::from_millis(m))
}

fn secs(s: f64) -> DurationDistribution {
    DurationDistribution::fixed(SimDuration::from_secs_f64(s))
}

fn fixed_writes(rate: f64, bytes: f64) -> WorkloadSpec {
    WorkloadSpec::poisson(rate, Distribution::fixed(bytes).unwrap()).unwrap()
}

/// The creation instants (ns) the model's own generator makes, regenerated from the same
/// stream, for hand computations.
fn creations(workload: &WorkloadSpec, streams: TrialStreams, until_s: f64) -> Vec<u64> {
    let mut g = WriteGenerator::new(workload.clone(), SimTime::ZERO, streams.rng(WORKLOAD)).unwrap();
    let mut out = vec![];
    g.writes_before(at_s(until_s), |w| out.push(w.created.as_nanos()));
    out
}

// ---------------------------------------------------------------------------------------------
// Semi-synchronous.

/// With a link that never fails and ample bandwidth no acknowledgement is ever late: semi-sync
/// is synchronous replication, write for write. Same streams, so the same writes and latency
/// draws: every counter equals `Synchronous`'s, and the shortest commit is one round trip
/// (2 × 5 ms) plus the transfer (4,096 B at 1 GB/s = 4.096 µs), computed by hand.
#[test]
fn semi_sync_without_outages_is_synchronous() {
    let link = LinkSpec::new("P", "S", ms(5), 1e9).unwrap();
    let workload = fixed_writes(100.0, 4096.0);
    let streams = TrialStreams::new(5, 0);
    let mut semi = SemiSync::new(&link, &workload, SimDuration::from_secs(10), streams, SimTime::ZERO).unwrap();
    let mut sync = Synchronous::new(&link, &workload, LinkDownPolicy::Block, streams, SimTime::ZERO).unwrap();
    for k in 1..400 {
        let t = at_s(k as f64 * 0.77);
        assert_eq!(semi.loss_at(t).unwrap(), sync.loss_at(t).unwrap());
        assert!(semi.loss_at(t).unwrap().rpo.is_zero());
    }
    assert_eq!(semi.stats(), sync.stats());
    assert_eq!(semi.stats().commit_latency_min, SimDuration::from_nanos(10_004_096));
    let (a, b) = (semi.commit_latencies().unwrap(), sync.commit_latencies().unwrap());
    assert_eq!((a.count(), a.quantile(0.5), a.quantile(0.99)), (b.count(), b.quantile(0.5), b.quantile(0.99)));
    assert_eq!(semi.fallbacks(), 0);
    assert!(semi.time_in_fallback().is_zero());
}

/// An outage shorter than the timeout: writers wait for the link, no write commits without
/// its acknowledgement, nothing is ever lost. The longest wait is the write made just after
/// the failure at 100 s: it is sent at the repair (105 s) and acknowledged one round trip
/// later, so it waits at most 5 s + 10.004 ms.
#[test]
fn semi_sync_short_outage_waits_and_loses_nothing() {
    let link = LinkSpec::new("P", "S", ms(5), 1e9).unwrap();
    let workload = fixed_writes(100.0, 4096.0);
    let mut m =
        SemiSync::new(&link, &workload, SimDuration::from_secs(10), TrialStreams::new(8, 0), SimTime::ZERO).unwrap();
    for i in 1..20_000u64 {
        let t = at_s(i as f64 * 0.01);
        if i == 10_000 {
            m.link_down(t).unwrap();
        }
        if i == 10_500 {
            m.link_up(t).unwrap();
        }
        assert!(m.loss_at(t).unwrap().rpo.is_zero(), "at {t}");
    }
    assert_eq!(m.fallbacks(), 0);
    let max = m.stats().commit_latency_max.as_secs_f64();
    assert!((4.99..=5.0 + 0.010_004_1).contains(&max), "longest wait {max} s");
}

/// An outage of 60 s (100 s to 160 s) against a 10 s timeout, by hand from the model's own
/// writes (regenerated from the same stream). The first write `s1` not sent by 100 s waits its
/// full 10 s and times out at `T = s1 + 10 s`; from then the source is asynchronous until the
/// link is back and the writes made in [s1, 160 s) (each 4,096 B, 4.096 µs at 1 GB/s) have
/// reached the copy: at 160 s + count × 4.096 µs + 5 ms (the few writes made during that
/// drain add microseconds). RPO is positive exactly while a committed write is missing from
/// the copy, inside that window: the fraction of probe instants (every 10 ms) with RPO > 0
/// matches the measured time in fallback to within the two probes at its edges. The largest
/// RPO is when the copy starts receiving again, 160.005 s − T (within one probe), and the
/// write that timed out committed after exactly the timeout: the longest commit latency.
#[test]
fn semi_sync_long_outage_falls_back_for_the_outage_minus_the_timeout() {
    let link = LinkSpec::new("P", "S", ms(5), 1e9).unwrap();
    let workload = fixed_writes(100.0, 4096.0);
    let timeout = SimDuration::from_secs(10);
    let streams = TrialStreams::new(9, 0);
    let writes = creations(&workload, streams, 300.0);
    let s1 = writes.iter().copied().find(|&c| c + 4096 > 100_000_000_000).unwrap() as f64 * 1e-9;
    let backlog = writes.iter().filter(|&&c| c as f64 * 1e-9 >= s1 && c < 160_000_000_000).count() as f64;
    let t_f = s1 + 10.0;
    let expected_fallback = 160.0 + backlog * 4.096e-6 + 0.005 - t_f;
    let mut m = SemiSync::new(&link, &workload, timeout, streams, SimTime::ZERO).unwrap();
    let (mut probes, mut positive, mut max_rpo) = (0u64, 0u64, SimDuration::ZERO);
    for i in 1..30_000u64 {
        let t = at_s(i as f64 * 0.01);
        if i == 10_000 {
            m.link_down(t).unwrap();
        }
        if i == 16_000 {
            m.link_up(t).unwrap();
        }
        let loss = m.loss_at(t).unwrap();
        probes += 1;
        if !loss.rpo.is_zero() {
            positive += 1;
            assert!(m.in_fallback(), "RPO {} at {t} outside a fallback", loss.rpo);
        }
        max_rpo = max_rpo.max(loss.rpo);
    }
    let fallback = m.time_in_fallback().as_secs_f64();
    assert_eq!(m.fallbacks(), 1);
    assert!((fallback - expected_fallback).abs() < 1e-4, "fallback {fallback} s, by hand {expected_fallback} s");
    let probed = positive as f64 * 0.01;
    assert!((probed - fallback).abs() <= 0.02, "RPO > 0 at {positive} of {probes} probes, fallback {fallback} s");
    let peak = 160.005 - t_f;
    let max = max_rpo.as_secs_f64();
    assert!(max <= peak + 1e-5 && max >= peak - 0.01, "largest RPO {max} s, by hand {peak} s");
    assert_eq!(m.stats().commit_latency_max, timeout);
}

/// A backlog the link cannot clear within the timeout makes acknowledgements late too, with
/// the link up: here a 1 MB/s link fed 2 MB/s. Every commit waits at most the timeout (1 s),
/// the source falls back and, the backlog growing at 1 MB/s, never catches up: after 60 s the
/// oldest lost write is tens of seconds old.
#[test]
fn semi_sync_overload_falls_back_and_caps_commits_at_the_timeout() {
    let link = LinkSpec::new("P", "S", ms(5), 1e6).unwrap();
    let workload = fixed_writes(200.0, 10_000.0);
    let timeout = SimDuration::from_secs(1);
    let mut m = SemiSync::new(&link, &workload, timeout, TrialStreams::new(10, 0), SimTime::ZERO).unwrap();
    assert!(m.stability().is_unstable());
    let loss = m.loss_at(at_s(60.0)).unwrap();
    assert!(loss.rpo > SimDuration::from_secs(10), "RPO {}", loss.rpo);
    assert!(m.stats().commit_latency_max <= timeout);
    assert!(m.in_fallback());
}

// ---------------------------------------------------------------------------------------------
// Published lag.

/// A fixed lag ℓ = 2 s, by hand: write c arrives at c + ℓ (already in order), so a disaster at
/// t loses exactly the writes made in (t − ℓ, t); RPO is t minus the oldest of them and the
/// copy age t minus the newest write made by t − ℓ.
#[test]
fn lag_fixed_loses_the_last_lag_of_writes() {
    let link = LinkSpec::new("P", "S", ms(1), 1e9).unwrap();
    let workload = fixed_writes(5.0, 1000.0);
    let streams = TrialStreams::new(21, 0);
    let lag_ns = 2_000_000_000u64;
    let writes = creations(&workload, streams, 200.0);
    let mut m = PublishedLag::new(&link, &workload, &secs(2.0), streams, SimTime::ZERO).unwrap();
    for k in 1..400 {
        let t = (k as f64 * 0.4567 * 1e9) as u64;
        let lost: Vec<u64> = writes.iter().copied().filter(|&c| c < t && c + lag_ns > t).collect();
        let held = writes.iter().copied().filter(|&c| c + lag_ns <= t).max().unwrap_or(0);
        let loss = m.loss_at(SimTime::from_nanos(t)).unwrap();
        assert_eq!(loss.writes_lost, lost.len() as u64, "at {t}");
        assert_eq!(loss.bytes_lost, 1000 * lost.len() as u64);
        assert_eq!(loss.rpo.as_nanos(), lost.first().map_or(0, |&c| t - c));
        assert_eq!(loss.copy_age.as_nanos(), t - held);
    }
}

/// The outage rule by hand: fixed lag 1 s, link down from 50 s to 80 s. Arrivals up to 50 s
/// happened; those that would fall in (50 s, 80 s) happen at 80 s; later ones are unchanged.
#[test]
fn lag_outage_holds_arrivals_until_the_repair() {
    let link = LinkSpec::new("P", "S", ms(1), 1e9).unwrap();
    let workload = fixed_writes(5.0, 1000.0);
    let streams = TrialStreams::new(22, 0);
    let writes = creations(&workload, streams, 200.0);
    let (down, up, lag) = (50_000_000_000u64, 80_000_000_000u64, 1_000_000_000u64);
    let arrival = |c: u64| if c + lag <= down { c + lag } else { (c + lag).max(up) };
    let mut m = PublishedLag::new(&link, &workload, &secs(1.0), streams, SimTime::ZERO).unwrap();
    let (mut went_down, mut came_up) = (false, false);
    for k in 1..300 {
        let t = (30e9 + k as f64 * 0.2713e9) as u64;
        if !went_down && t >= down {
            m.link_down(SimTime::from_nanos(down)).unwrap();
            went_down = true;
        }
        if !came_up && t >= up {
            m.link_up(SimTime::from_nanos(up)).unwrap();
            came_up = true;
        }
        let lost: Vec<u64> = writes.iter().copied().filter(|&c| c < t && arrival(c) > t).collect();
        let loss = m.loss_at(SimTime::from_nanos(t)).unwrap();
        assert_eq!(loss.writes_lost, lost.len() as u64, "at {t}");
        assert_eq!(loss.rpo.as_nanos(), lost.first().map_or(0, |&c| t - c), "at {t}");
    }
    assert!(went_down && came_up);
}

/// P(RPO ≤ x) against its closed form, with fixed seeds.
///
/// Derivation. Write i (made at c_i, lag L_i) reaches the copy at a_i = max_{j ≤ i}(c_j + L_j).
/// At t the copy lacks write i iff some j ≤ i is *individually late* (c_j < t < c_j + L_j), so
/// the oldest lost write is the oldest individually-late one and RPO > x iff some write older
/// than x is individually late. For Poisson writes at rate λ, the writes of age s that are
/// individually late form a Poisson process of intensity λ·P(L > s) (independent thinning), so
///
/// ```text
/// P(RPO ≤ x) = exp(−λ ∫_x^∞ P(L > s) ds)
/// ```
///
/// (the prefix rule leaves the law unchanged). Uniform L on [0, b]: ∫ = (b − x)²/(2b) for
/// x ≤ b. Exponential L of mean m: ∫ = m·e^(−x/m).
///
/// Probes spaced by the largest lag (uniform: b) see disjoint sets of writes and independent
/// lags: independent Bernoulli trials, so the tolerance is 4 binomial standard errors
/// (exponential: spaced 20 m, where the dependence is below e^(−20)).
fn rpo_cdf_matches(lag: DurationDistribution, rate: f64, spacing_s: f64, seed: u64, cdf: impl Fn(f64) -> f64) {
    let link = LinkSpec::new("P", "S", ms(1), 1e9).unwrap();
    let workload = fixed_writes(rate, 1000.0);
    let mut m = PublishedLag::new(&link, &workload, &lag, TrialStreams::new(seed, 0), SimTime::ZERO).unwrap();
    let n = 20_000;
    let rpos: Vec<f64> =
        (0..n).map(|i| m.loss_at(at_s(10.0 + spacing_s * i as f64)).unwrap().rpo.as_secs_f64()).collect();
    for x in [0.0, 0.25, 0.5, 1.0, 1.5] {
        let p = cdf(x);
        let measured = rpos.iter().filter(|&&r| r <= x).count() as f64 / n as f64;
        let se = (p * (1.0 - p) / n as f64).sqrt();
        assert!((measured - p).abs() <= 4.0 * se, "P(RPO ≤ {x}) = {measured}, closed form {p} ± {se}");
    }
}

#[test]
fn lag_uniform_rpo_law() {
    let (rate, b) = (2.0, 2.0);
    let lag = DurationDistribution::new(Distribution::uniform(0.0, b).unwrap()).unwrap();
    // By hand at x = 0: P(nothing lost) = e^(−λ E[L]) = e^(−2) = 0.1353.
    rpo_cdf_matches(lag, rate, b, 31, |x: f64| (-rate * (b - x).max(0.0).powi(2) / (2.0 * b)).exp());
}

#[test]
fn lag_exponential_rpo_law() {
    let (rate, m) = (4.0, 0.5);
    let lag = DurationDistribution::new(Distribution::exponential(m).unwrap()).unwrap();
    rpo_cdf_matches(lag, rate, 20.0 * m, 32, |x: f64| (-rate * m * (-x / m).exp()).exp());
}

// ---------------------------------------------------------------------------------------------
// Quorum.

fn remote(name: &str, latency: DurationDistribution) -> QuorumMember {
    QuorumMember::Remote(LinkSpec::new("P", name, latency, 1e9).unwrap())
}

/// Fixed latencies: each remote member acknowledges one round trip plus one transfer (1,000 B
/// at 1 GB/s = 1 µs) after the write, the local member at once. Acknowledgements
/// {0, 6.001, 20.001, 80.001, 160.001} ms, so a k-of-5 commit takes the k-th of them, for
/// every write (one write a second: no write ever queues behind another).
#[test]
fn quorum_commit_is_the_kth_round_trip() {
    let members =
        [QuorumMember::Local, remote("A", ms(3)), remote("B", ms(10)), remote("C", ms(40)), remote("D", ms(80))];
    let expected = [0u64, 6_001_000, 20_001_000, 80_001_000, 160_001_000];
    for k in 1..=5 {
        let workload = fixed_writes(1.0, 1000.0);
        let mut q = Quorum::build(&members, k, &workload, TrialStreams::new(41, 0), SimTime::ZERO).unwrap();
        q.advance_to(at_s(300.0)).unwrap();
        let s = q.stats();
        assert!(s.committed > 250, "{} commits", s.committed);
        let want = SimDuration::from_nanos(expected[k - 1]);
        assert_eq!((s.commit_latency_min, s.commit_latency_mean, s.commit_latency_max), (want, want, want), "k = {k}");
    }
}

/// Random latencies: n remote members with one-way latency U(0, a), a = 20 ms. A member's
/// acknowledgement comes a round trip after the write, the sum of two independent one-way
/// draws: triangular on [0, 2a], CDF F(x) = x²/(2a²) below a and 1 − (2a − x)²/(2a²) above.
/// The commit is the k-th order statistic of n such draws, whose mean is
///
/// ```text
/// E[X_(k)] = ∫_0^{2a} P(X_(k) > x) dx = ∫_0^{2a} Σ_{i<k} C(n, i) F(x)^i (1 − F(x))^(n−i) dx,
/// ```
///
/// integrated here by Simpson's rule (error far below the tolerance), plus the 1 µs transfer.
/// (For a *one-way* uniform the mean would be the familiar k/(n + 1)·a; the round trip makes
/// it triangular.) Writes 100 s apart on average, so jitter almost never makes one wait for the
/// one before (P < 4·10⁻⁴ per write): the commits are independent draws, tolerance 4 standard
/// errors of their mean, fixed seed.
#[test]
fn quorum_commit_mean_is_the_kth_order_statistic() {
    let a = 0.020;
    let f = |x: f64| if x <= a { x * x / (2.0 * a * a) } else { 1.0 - (2.0 * a - x).powi(2) / (2.0 * a * a) };
    let binom = |n: usize, i: usize| (0..i).fold(1.0, |acc, j| acc * (n - j) as f64 / (j + 1) as f64);
    for (n, k) in [(3usize, 2usize), (5, 3), (6, 4), (6, 1), (4, 4)] {
        let tail =
            |x: f64| (0..k).map(|i| binom(n, i) * f(x).powi(i as i32) * (1.0 - f(x)).powi((n - i) as i32)).sum::<f64>();
        let steps = 20_000;
        let h = 2.0 * a / steps as f64;
        let simpson: f64 = (0..=steps)
            .map(|i| {
                let w = if i == 0 || i == steps {
                    1.0
                } else if i % 2 == 1 {
                    4.0
                } else {
                    2.0
                };
                w * tail(i as f64 * h)
            })
            .sum::<f64>()
            * h
            / 3.0;
        let expected = simpson + 1e-6;
        let latency = DurationDistribution::new(Distribution::uniform(0.0, a).unwrap()).unwrap();
        let members: Vec<QuorumMember> = (0..n).map(|j| remote(&format!("R{j}"), latency.clone())).collect();
        let workload = fixed_writes(0.01, 1000.0);
        let mut q =
            Quorum::build(&members, k, &workload, TrialStreams::new(42 + n as u64, k as u64), SimTime::ZERO).unwrap();
        q.advance_to(at_s(3e6)).unwrap();
        let l = q.commit_latencies();
        let count = l.count() as f64;
        let mean = l.sum() as f64 / count * 1e-9;
        let se = (l.exact_variance() / count).sqrt() * 1e-9;
        assert!(count > 29_000.0);
        assert!((mean - expected).abs() <= 4.0 * se, "{k} of {n}: mean {mean} ± {se}, closed form {expected}");
    }
}

/// Fewer than n − k + 1 survivors can lose data. Leader (local) plus B (10 ms) and C (40 ms),
/// 2 of 3: a write commits at B's acknowledgement, 20.001 ms after it was made, and reaches C
/// at 40.001 ms. If only C survives, the writes lost at t are those made in
/// (t − 40.001 ms, t − 20.001 ms): a window of exactly 20 ms, so at 100 writes/s the count
/// lost is Poisson with mean 2, P(RPO > 0) = 1 − e^(−2), and RPO < 20 ms. Probes 100 ms apart
/// see disjoint windows: independent trials, tolerance 4 binomial standard errors. With B or
/// the leader surviving too (2 = n − k + 1 members), nothing is lost.
#[test]
fn quorum_with_too_few_survivors_loses_the_window_between_commit_and_arrival() {
    let members = [QuorumMember::Local, remote("B", ms(10)), remote("C", ms(40))];
    let workload = fixed_writes(100.0, 1000.0);
    let mut q = Quorum::build(&members, 2, &workload, TrialStreams::new(51, 0), SimTime::ZERO).unwrap();
    let n = 5000;
    let (mut positive, mut lost_sum) = (0u64, 0u64);
    for i in 1..=n {
        let t = at_s(0.1 * i as f64);
        let only_c = q.loss_at(t, &[false, false, true]).unwrap().unwrap();
        if !only_c.rpo.is_zero() {
            positive += 1;
            assert!(only_c.rpo < SimDuration::from_millis(20), "RPO {}", only_c.rpo);
        }
        lost_sum += only_c.writes_lost;
        for pair in [[true, false, true], [false, true, true], [true, true, false]] {
            assert_eq!(q.loss_at(t, &pair).unwrap().unwrap().writes_lost, 0);
        }
    }
    let p = 1.0 - (-2.0f64).exp();
    let measured = positive as f64 / n as f64;
    let se = (p * (1.0 - p) / n as f64).sqrt();
    assert!((measured - p).abs() <= 4.0 * se, "P(RPO > 0) = {measured}, closed form {p} ± {se}");
    // Mean writes lost: 2, Poisson, sd √2 per probe.
    let mean_lost = lost_sum as f64 / n as f64;
    assert!((mean_lost - 2.0).abs() <= 4.0 * (2.0 / n as f64).sqrt(), "mean writes lost {mean_lost}");
    assert_eq!(q.loss_at(at_s(600.0), &[false, false, false]).unwrap(), None);
}

/// A member's outage by hand: leader, B (10 ms), C (40 ms), 2 of 3, B down from 10 s to 20 s.
/// Meanwhile writes commit at C's acknowledgement: 80.001 ms, the longest commit; B's
/// backlog (10 s × 100 writes/s × 1,000 B = 1 MB, 1 ms at 1 GB/s) reaches it just after the
/// repair, so from 21 s on the leader's loss leaves nothing missing anywhere.
#[test]
fn quorum_member_outage_moves_commits_to_the_next_member() {
    let members = [QuorumMember::Local, remote("B", ms(10)), remote("C", ms(40))];
    let workload = fixed_writes(100.0, 1000.0);
    let mut q = Quorum::build(&members, 2, &workload, TrialStreams::new(52, 0), SimTime::ZERO).unwrap();
    q.link_down(1, at_s(10.0)).unwrap();
    // B survives alone during its outage: it lacks every committed write since 10 s.
    let during = q.loss_at(at_s(15.0), &[false, true, false]).unwrap().unwrap();
    assert!(during.rpo > SimDuration::from_millis(4_900) && during.rpo <= SimDuration::from_secs(5), "{}", during.rpo);
    q.link_up(1, at_s(20.0)).unwrap();
    assert_eq!(q.stats().commit_latency_max, SimDuration::from_nanos(80_001_000));
    assert_eq!(q.loss_at(at_s(21.0), &[false, true, false]).unwrap().unwrap().writes_lost, 0);
    assert_eq!(q.link_down(0, at_s(22.0)), Err(QuorumError::NoLink { member: 0 }));
    assert_eq!(q.link_down(3, at_s(22.0)), Err(QuorumError::NoSuchMember { member: 3, members: 3 }));
    assert_eq!(q.loss_at(at_s(22.0), &[true]), Err(QuorumError::SurvivorCount { got: 1, members: 3 }));
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    /// Whatever the latencies, bandwidths and outages: any n − k + 1 surviving members hold
    /// every committed write (each is held by k members), so RPO is 0; and more survivors never
    /// lose more.
    #[test]
    fn quorum_rpo_is_zero_with_n_minus_k_plus_1_survivors(
        n in 1usize..=6,
        k_pick in 0usize..6,
        local in any::<bool>(),
        lat in proptest::collection::vec((0u64..40, 0u64..30, prop_oneof![Just(1e9), Just(5e5)]), 6),
        outages in proptest::collection::vec((0usize..6, 0.0f64..50.0, 0.0f64..20.0), 0..6),
        seed in any::<u64>(),
    ) {
        let k = k_pick % n + 1;
        let members: Vec<QuorumMember> = (0..n)
            .map(|j| {
                if local && j == 0 {
                    return QuorumMember::Local;
                }
                let (low, jitter, bw) = lat[j];
                let d = DurationDistribution::new(
                    Distribution::uniform(low as f64 / 1e3, (low + jitter) as f64 / 1e3).unwrap(),
                ).unwrap();
                QuorumMember::Remote(LinkSpec::new("P", format!("R{j}"), d, bw).unwrap())
            })
            .collect();
        let workload = WorkloadSpec::poisson(40.0, Distribution::exponential(10_000.0).unwrap()).unwrap();
        let mut q = Quorum::build(&members, k, &workload, TrialStreams::new(seed, 0), SimTime::ZERO).unwrap();
        let mut events: Vec<(f64, usize, bool)> = vec![];
        for &(j, start, len) in &outages {
            let j = j % n;
            if !(local && j == 0) {
                events.push((start, j, false));
                events.push((start + len, j, true));
            }
        }
        events.sort_by(|a, b| a.0.total_cmp(&b.0));
        let mut ev = events.into_iter().peekable();
        for i in 1..=140 {
            let t = i as f64 * 0.5;
            while let Some(&(te, j, up)) = ev.peek() && te <= t {
                if up { q.link_up(j, at_s(te)).unwrap() } else { q.link_down(j, at_s(te)).unwrap() }
                ev.next();
            }
            let mut lost_by_mask = vec![0u64; 1 << n];
            for mask in 1usize..(1 << n) {
                let surviving: Vec<bool> = (0..n).map(|j| mask >> j & 1 == 1).collect();
                let loss = q.loss_at(at_s(t), &surviving).unwrap().unwrap();
                lost_by_mask[mask] = loss.writes_lost;
                // At least n − k + 1 survivors.
                if mask.count_ones() as usize > n - k {
                    prop_assert_eq!(loss.writes_lost, 0, "{} survivors of {}, k = {}, t = {}", mask.count_ones(), n, k, t);
                    prop_assert!(loss.rpo.is_zero());
                }
                // A superset of survivors loses no more.
                for j in 0..n {
                    if mask >> j & 1 == 1 && mask != 1 << j {
                        prop_assert!(loss.writes_lost <= lost_by_mask[mask & !(1 << j)]);
                    }
                }
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Errors and the scenario form.

#[test]
fn bad_parameters_are_refused_with_field_and_value() {
    let link = LinkSpec::new("P", "S", ms(5), 1e9).unwrap();
    let workload = fixed_writes(10.0, 1000.0);
    let streams = TrialStreams::new(1, 0);
    let err = SemiSync::new(&link, &workload, SimDuration::ZERO, streams, SimTime::ZERO).unwrap_err();
    assert!(matches!(err, BuildReplicationError::BadValue { mode: "semi_sync", field: "timeout", .. }), "{err}");
    assert!(err.to_string().contains("asynchronous"), "{err}");
    let heavy = DurationDistribution::new(Distribution::pareto(1.0, 0.5).unwrap()).unwrap();
    let err = PublishedLag::new(&link, &workload, &heavy, streams, SimTime::ZERO).unwrap_err();
    assert!(matches!(err, BuildReplicationError::BadValue { mode: "lag", field: "lag", .. }), "{err}");
    let two = [QuorumMember::Local, remote("B", ms(1))];
    for (members, k, field) in [(&two[..], 0, "k"), (&two[..], 3, "k"), (&[][..], 1, "members")] {
        let err = Quorum::build(members, k, &workload, streams, SimTime::ZERO).unwrap_err();
        assert!(matches!(err, BuildReplicationError::BadValue { mode: "quorum", field: f, .. } if f == field), "{err}");
    }
    let self_loop = QuorumMember::Remote(LinkSpec { to: "P".into(), ..link.clone() });
    assert!(matches!(
        Quorum::build(&[self_loop], 1, &workload, streams, SimTime::ZERO),
        Err(BuildReplicationError::Link(_))
    ));
}

/// `mode = "semi_sync"` (timeout default 10 s, MySQL's) and `mode = "lag"` in a scenario.
#[test]
fn semi_sync_and_lag_specs_parse_and_build() {
    let plain: ReplicationSpec = serde_json::from_str(r#"{"mode": "semi_sync"}"#).unwrap();
    assert_eq!(plain, ReplicationSpec::SemiSync { timeout: SimDuration::from_secs(10) });
    let short: ReplicationSpec = serde_json::from_str(r#"{"mode": "semi_sync", "timeout": "1s"}"#).unwrap();
    assert_eq!(short, ReplicationSpec::SemiSync { timeout: SimDuration::from_secs(1) });
    assert!(serde_json::from_str::<ReplicationSpec>(r#"{"mode": "semi_sync", "timeuot": "1s"}"#).is_err());
    let lag: ReplicationSpec =
        serde_json::from_str(r#"{"mode": "lag", "lag": {"kind": "exponential", "mean": "5m"}}"#).unwrap();
    assert!(serde_json::from_str::<ReplicationSpec>(r#"{"mode": "lag"}"#).is_err());
    let link = LinkSpec::new("P", "S", ms(5), 1e9).unwrap();
    let workload = fixed_writes(10.0, 1000.0);
    let mut m = lag.build(&link, &workload, TrialStreams::new(1, 0), SimTime::ZERO).unwrap();
    assert!(m.loss_at(at_s(3600.0)).unwrap().writes_lost > 0);
    let mut m = short.build(&link, &workload, TrialStreams::new(1, 0), SimTime::ZERO).unwrap();
    assert!(m.loss_at(at_s(60.0)).unwrap().rpo.is_zero());
    let zero: ReplicationSpec = serde_json::from_str(r#"{"mode": "semi_sync", "timeout": "0s"}"#).unwrap();
    assert!(zero.build(&link, &workload, TrialStreams::new(1, 0), SimTime::ZERO).is_err());
    // Round trip through JSON.
    let text = serde_json::to_string(&short).unwrap();
    assert_eq!(serde_json::from_str::<ReplicationSpec>(&text).unwrap(), short);
}
