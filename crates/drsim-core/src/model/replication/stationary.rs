//! The exact stationary state of an asynchronous FIFO copy at one instant, sampled with a
//! handful of draws instead of a warm-up simulated write by write.
//!
//! # When
//!
//! [`StationaryFifo::new`] accepts exactly the copies whose per-write model ([`AsyncFifo`]) is
//! an M/M/1 queue followed by a non-reordering delay with a bounded latency:
//!
//! - replication [`ReplicationSpec::Asynchronous`];
//! - Poisson writes at a rate λ > 0 with exponential sizes of mean m bytes;
//! - a link without bandwidth variability: the channel is then one FIFO server at the constant
//!   rate `LinkSpec::throughput_bytes_per_s` = min(bandwidth, streams × window / RTT) (streams
//!   and windows set that rate; they never make several servers), so a write of `b` bytes takes
//!   `b / throughput`: service times are Exp(μ) with μ = throughput / m;
//! - a latency with a known upper bound `L_max` (fixed or uniform:
//!   [`DurationSampler::skippable_max_nanos`]);
//! - ρ = λ / μ < 1.
//!
//! The caller (the disaster trial) adds what only it knows: no link outage acts on the copy
//! before the instant, and the copy is the only one of its write log (two copies of one log see
//! the same writes; sampling each alone would get each copy's law right but not their joint
//! law, which decides which copy a recovery uses).
//!
//! # The law sampled, and why it is exact
//!
//! Let `t_d` be the instant, with the queue stationary. Write `N` for the writes at the sender
//! (queued or being sent), `c` for a write's creation, `d` for the instant its last byte leaves
//! (its departure), `a = max(d + L, previous a)` for its arrival at the copy.
//!
//! 1. **Queue at `t_d`.** The stationary M/M/1 queue length: `P(N = n) = (1 − ρ) ρⁿ`.
//! 2. **Time reversal.** The queue length of an M/M/1 queue is a birth–death chain, so it is
//!    reversible: `X̃(s) = X(t_d − s)` has the law of the stationary M/M/1 queue length again
//!    (up-jumps at rate λ, down-jumps at rate μ while non-empty). Its up-jumps are the forward
//!    departures, its down-jumps the forward creations. Which creation goes with which
//!    departure is a function of the path: forward FIFO pairs the k-th departure counted back
//!    from `t_d` with the (N + k)-th creation counted back (the N youngest writes have not left).
//!    FIFO *in reversed time* pairs them the same way: the reversed queue starts with the N
//!    writes present, serves them first (youngest creation first), then its arrivals in order,
//!    and its (N + k)-th departure is its k-th arrival's. So simulating a FIFO M/M/1 queue
//!    backwards — N customers at reversed time 0, Poisson(λ) arrivals at τ₁ < τ₂ < …,
//!    Exp(μ) services, reversed departures `D_i` by the Lindley recursion — and mapping
//!    `d_j = t_d − τ_j`, `c = t_d − D` gives the forward history before `t_d` with its exact
//!    law (Burke's theorem is the special case: past departures are Poisson and independent
//!    of `N`). For the N present writes `D_1 < … < D_N` are cumulative sums of Exp(μ) (the
//!    creation ages, youngest first); reversed arrival `j` departs at
//!    `D_{N+j} = max(τ_j, D_{N+j−1}) + S`.
//! 3. **In flight.** Departures are in creation order and arrivals never reorder, so the
//!    writes that departed but have not arrived by `t_d` are the youngest departures: the ones
//!    after the oldest departure `j*` with `d + L > t_d`, i.e. `L > τ` (here `j*` counts back
//!    from `t_d`, so it is the largest reversed index with `L_j > τ_j`). A departure with
//!    `τ ≥ L_max` has surely arrived, and cannot delay later ones past `t_d` either, so only
//!    `τ_j < L_max` (λ·L_max of them on average: 2.5 in the reference) need a latency draw.
//! 4. **Loss.** Writes lost = N + j*. RPO = the age of the oldest lost write: `D_{N+j*}` if
//!    `j* > 0`, else the write being sent, `D_N` (0 when N = 0). Copy age = the age of the
//!    newest write held, the departure just before `j*`: `D_{N+j*+1}`.
//!    Bytes: a departed write's bytes are its forward service time × throughput, where its
//!    service is `d_j − max(c_j, d_{j−1})` = `min(D_{N+j}, τ_{j+1}) − τ_j` (its predecessor
//!    departed at `t_d − τ_{j+1}`); the write being sent has been sent for
//!    `t_d − max(c, last departure)` = `min(D_N, τ_1)` and, given that, its remaining service
//!    is Exp(μ) (memoryless); the N − 1 waiting writes have not started, and nothing before
//!    `t_d` depended on their sizes: fresh Exp(mean m) sizes.
//!
//! The per-write model rounds gaps and transfer times to nanoseconds and sizes to bytes; this
//! law is the continuous one (differences of a nanosecond or a byte per write).
//! `tests::the_stationary_loss_is_the_long_run_loss_of_the_per_write_model` checks every
//! figure against the per-write model run long past its warm-up.
//!
//! [`AsyncFifo`]: super::AsyncFifo

use rand::RngExt;
use rand_distr::{Distribution as _, Exp1};

use super::{Loss, ReplicationSpec};
use crate::engine::time::round_to_u64;
use crate::engine::{Distribution, DurationSampler, SimDuration, SimRng};
use crate::model::link::LinkSpec;
use crate::model::workload::{Arrivals, WorkloadSpec};

/// An asynchronous copy whose state at an instant can be drawn from its stationary law (see
/// the module's documentation), prepared once for many draws.
#[derive(Clone, Debug)]
pub(crate) struct StationaryFifo {
    /// 1/λ in nanoseconds.
    mean_gap_ns: f64,
    /// 1/μ in nanoseconds: the mean transfer time of a write.
    mean_service_ns: f64,
    /// Bytes per nanosecond at the link's throughput.
    bytes_per_ns: f64,
    /// The mean write size m, bytes.
    mean_size: f64,
    /// ln ρ (< 0).
    ln_rho: f64,
    latency: DurationSampler,
    /// The largest latency a draw can give, ns.
    max_latency_ns: f64,
}

impl StationaryFifo {
    /// The sampler for a copy in `replication` mode over `link` fed by `workload`, or `None`
    /// when its stationary law is not an M/M/1 queue with a bounded latency (keep the warm-up).
    pub(crate) fn new(replication: &ReplicationSpec, link: &LinkSpec, workload: &WorkloadSpec) -> Option<Self> {
        if !matches!(replication, ReplicationSpec::Asynchronous) || link.variability.is_some() {
            return None;
        }
        let Arrivals::Poisson { rate_per_s } = workload.arrivals else { return None };
        let Distribution::Exponential { mean } = workload.size_bytes else { return None };
        let throughput = link.throughput_bytes_per_s();
        if link.validate().is_err() || !(rate_per_s > 0.0 && rate_per_s.is_finite() && mean > 0.0 && mean.is_finite()) {
            return None;
        }
        let rho = rate_per_s * mean / throughput;
        if !(rho > 0.0 && rho < 1.0) {
            return None;
        }
        let latency = link.latency.sampler();
        let max_latency_ns = latency.skippable_max_nanos()? as f64;
        Some(StationaryFifo {
            mean_gap_ns: 1e9 / rate_per_s,
            mean_service_ns: mean / throughput * 1e9,
            bytes_per_ns: throughput / 1e9,
            mean_size: mean,
            ln_rho: rho.ln(),
            latency,
            max_latency_ns,
        })
    }

    /// ρ, the link's utilisation.
    #[cfg(test)]
    fn rho(&self) -> f64 {
        self.ln_rho.exp()
    }

    /// Writes at the sender (queued or being sent) in the stationary queue:
    /// `P(N ≥ n) = ρⁿ`, by inversion (one draw).
    fn queue_length(&self, rng: &mut SimRng) -> u64 {
        // U in (0, 1]: ln U / ln ρ ≥ n  ⇔  U ≤ ρⁿ.
        let u = 1.0 - rng.random::<f64>();
        let n = (u.ln() / self.ln_rho).floor();
        if n >= u64::MAX as f64 { u64::MAX } else { n as u64 }
    }

    /// Exp(1).
    #[inline(always)]
    fn exp1(rng: &mut SimRng) -> f64 {
        Exp1.sample(rng)
    }

    /// What a recovery from the copy loses at an instant of the stationary regime.
    pub(crate) fn loss(&self, rng: &mut SimRng) -> Loss {
        let n = self.queue_length(rng);
        let mu_inv = self.mean_service_ns;
        // The writes present, youngest first: their reversed departures are their creation
        // ages; the last, D_N, is the oldest present write's, the one being sent.
        let mut d = 0.0f64;
        for _ in 0..n {
            d += mu_inv * Self::exp1(rng);
        }
        let oldest_present = d;
        // Reversed arrival 1: the newest forward departure.
        let mut tau = self.mean_gap_ns * Self::exp1(rng);
        let elapsed_in_service = oldest_present.min(tau);
        d = tau.max(d) + mu_inv * Self::exp1(rng); // D_{N+1}
        let (mut lost_departed, mut lost_departed_bytes) = (0u64, 0u64);
        let mut rpo = if n > 0 { oldest_present } else { 0.0 };
        let mut copy_age = d;
        let (mut j, mut bytes_so_far) = (0u64, 0u64);
        // Only departures younger than the longest latency can still be on the wire.
        while tau < self.max_latency_ns {
            j += 1;
            let late = self.latency.sample_nanos(rng) as f64 > tau;
            let tau_next = tau + self.mean_gap_ns * Self::exp1(rng);
            // Forward service of departure j: d_j − max(c_j, d_{j−1}).
            bytes_so_far += round_to_u64((d.min(tau_next) - tau) * self.bytes_per_ns);
            let d_next = tau_next.max(d) + mu_inv * Self::exp1(rng);
            if late {
                (lost_departed, lost_departed_bytes, rpo, copy_age) = (j, bytes_so_far, d, d_next);
            }
            (tau, d) = (tau_next, d_next);
        }
        let mut bytes_lost = lost_departed_bytes;
        if n > 0 {
            // The write being sent: sent so far, plus an Exp(μ) remainder (memoryless).
            bytes_lost += round_to_u64((elapsed_in_service + mu_inv * Self::exp1(rng)) * self.bytes_per_ns);
            // The waiting ones: sizes nothing has depended on yet.
            for _ in 1..n {
                bytes_lost += round_to_u64(self.mean_size * Self::exp1(rng));
            }
        }
        Loss {
            writes_lost: n.saturating_add(lost_departed),
            bytes_lost,
            rpo: SimDuration::from_nanos(round_to_u64(rpo)),
            copy_age: SimDuration::from_nanos(round_to_u64(copy_age)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{DurationDistribution, SimTime, StreamId, TrialStreams, stream_rng};
    use crate::model::replication::TrackPeaks;
    use crate::model::{AsyncFifo, Replication};

    fn reference_link() -> LinkSpec {
        let latency = DurationDistribution::new(Distribution::uniform(0.040, 0.050).unwrap()).unwrap();
        LinkSpec::new("P", "S", latency, 50e6).unwrap()
    }

    fn reference_workload() -> WorkloadSpec {
        WorkloadSpec::poisson(50.0, Distribution::exponential(655_360.0).unwrap()).unwrap()
    }

    /// Mean, standard error of the mean.
    fn mean_se(xs: &[f64]) -> (f64, f64) {
        let n = xs.len() as f64;
        let m = xs.iter().sum::<f64>() / n;
        let var = xs.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / (n - 1.0);
        (m, (var / n).sqrt())
    }

    /// The queue length is the stationary M/M/1 law, from closed forms: ρ = λm/C =
    /// 50 × 655,360 / 5e7 = 0.65536, P(N = 0) = 1 − ρ = 0.34464, E[N] = ρ/(1 − ρ) = 1.901578,
    /// P(N ≥ 3) = ρ³. 200,000 draws; tolerance 4 standard errors (binomial for the
    /// probabilities, √(Var N / n) with Var N = ρ/(1 − ρ)² for the mean).
    #[test]
    fn the_queue_length_is_geometric() {
        let s = StationaryFifo::new(&ReplicationSpec::Asynchronous, &reference_link(), &reference_workload()).unwrap();
        let rho = 0.65536;
        assert!((s.rho() - rho).abs() < 1e-12, "{}", s.rho());
        let n = 200_000;
        let mut rng = stream_rng(7, 0, StreamId(99));
        let draws: Vec<u64> = (0..n).map(|_| s.queue_length(&mut rng)).collect();
        let p0 = draws.iter().filter(|&&k| k == 0).count() as f64 / n as f64;
        let p3 = draws.iter().filter(|&&k| k >= 3).count() as f64 / n as f64;
        let mean = draws.iter().sum::<u64>() as f64 / n as f64;
        let se_p = |p: f64| (p * (1.0 - p) / n as f64).sqrt();
        assert!((p0 - 0.34464).abs() <= 4.0 * se_p(0.34464), "P(N = 0) = {p0}");
        assert!((p3 - rho.powi(3)).abs() <= 4.0 * se_p(rho.powi(3)), "P(N >= 3) = {p3}");
        let se_mean = (rho / (1.0 - rho).powi(2) / n as f64).sqrt();
        assert!((mean - 1.901578).abs() <= 4.0 * se_mean, "E[N] = {mean} ± {se_mean}");
    }

    /// Which copies take the stationary path.
    #[test]
    fn only_mm1_copies_with_a_bounded_latency_are_eligible() {
        let (link, w) = (reference_link(), reference_workload());
        let ok = |r: &ReplicationSpec, l: &LinkSpec, w: &WorkloadSpec| StationaryFifo::new(r, l, w).is_some();
        assert!(ok(&ReplicationSpec::Asynchronous, &link, &w));
        assert!(!ok(&ReplicationSpec::Synchronous { on_link_down: Default::default() }, &link, &w));
        assert!(!ok(&ReplicationSpec::AsyncFluid { queueing_correction: false }, &link, &w));
        // Sizes other than exponential; arrivals other than Poisson; no writes.
        let uniform = WorkloadSpec::poisson(50.0, Distribution::uniform(0.0, 1_310_720.0).unwrap()).unwrap();
        assert!(!ok(&ReplicationSpec::Asynchronous, &link, &uniform));
        let none = WorkloadSpec::poisson(0.0, Distribution::exponential(655_360.0).unwrap()).unwrap();
        assert!(!ok(&ReplicationSpec::Asynchronous, &link, &none));
        // ρ ≥ 1: no stationary state.
        let slow = LinkSpec::new("P", "S", link.latency.clone(), 30e6).unwrap();
        assert!(!ok(&ReplicationSpec::Asynchronous, &slow, &w));
        // Unbounded latency.
        let exp_latency = DurationDistribution::new(Distribution::exponential(0.045).unwrap()).unwrap();
        assert!(!ok(&ReplicationSpec::Asynchronous, &LinkSpec::new("P", "S", exp_latency, 50e6).unwrap(), &w));
        // Variable bandwidth.
        let mut varying = link.clone();
        varying.variability = Some(crate::model::BandwidthVariability {
            period: DurationDistribution::fixed(SimDuration::from_secs(10)),
            factor: Distribution::uniform(0.5, 1.5).unwrap(),
        });
        assert!(!ok(&ReplicationSpec::Asynchronous, &varying, &w));
        // A window limit is still one server, at the limited rate: 8 × 512 KiB / 90 ms RTT =
        // 46.6 MB/s, below the 50 MB/s bandwidth.
        let mut windowed = link.clone();
        (windowed.streams, windowed.window_bytes) = (8, Some(524_288.0));
        let s = StationaryFifo::new(&ReplicationSpec::Asynchronous, &windowed, &w).unwrap();
        let rate = 8.0 * 524_288.0 / 0.090;
        assert!((s.rho() - 50.0 * 655_360.0 / rate).abs() < 1e-9);
    }

    /// Means and their standard errors of the five figures compared, over `losses`.
    fn figures(losses: &[Loss]) -> [(f64, f64); 5] {
        let col = |f: &dyn Fn(&Loss) -> f64| mean_se(&losses.iter().map(f).collect::<Vec<_>>());
        [
            col(&|l| l.writes_lost as f64),
            col(&|l| l.rpo.as_secs_f64()),
            col(&|l| l.bytes_lost as f64),
            col(&|l| l.copy_age.as_secs_f64()),
            col(&|l| f64::from(u8::from(l.writes_lost == 0))),
        ]
    }

    /// The derivation's test: the sampled stationary loss against the per-write model
    /// (`AsyncFifo`, exact write by write) run far past its warm-up from an empty queue, trial
    /// by trial on independent streams. The M/M/1 queue forgets its start within its
    /// relaxation time 1/(μ(1 − √ρ)²) (0.36 s for the reference, 0.05 s for the second set);
    /// `warm_up` is more than 80 of them, so the per-write state is stationary to far below the
    /// statistical error. Means of writes lost, RPO, bytes lost, copy age and P(nothing lost)
    /// must agree within 4 standard errors of their difference (√(SE₁² + SE₂²)); a correct
    /// sampler fails one figure for about one seed in 3,000.
    fn compare_with_per_write(
        link: &LinkSpec,
        workload: &WorkloadSpec,
        warm_up: SimDuration,
        trials: u64,
    ) -> Vec<Loss> {
        let s = StationaryFifo::new(&ReplicationSpec::Asynchronous, link, workload).unwrap();
        let t = SimTime::ZERO + warm_up;
        let per_write: Vec<Loss> = (0..trials)
            .map(|i| {
                let mut m = AsyncFifo::new(link, workload, TrialStreams::new(seed(), i), SimTime::ZERO).unwrap();
                m.untrack_peaks();
                m.loss_at(t).unwrap()
            })
            .collect();
        let mut rng = stream_rng(seed(), 0, StreamId(0x57A7));
        let stationary: Vec<Loss> = (0..4 * trials).map(|_| s.loss(&mut rng)).collect();
        let names = ["writes lost", "RPO (s)", "bytes lost", "copy age (s)", "P(nothing lost)"];
        let (a, b) = (figures(&per_write), figures(&stationary));
        let mut report = String::new();
        let mut ok = true;
        for k in 0..5 {
            let ((ma, sa), (mb, sb)) = (a[k], b[k]);
            let se = (sa * sa + sb * sb).sqrt();
            let z = (mb - ma) / se;
            ok &= z.abs() <= 4.0;
            report +=
                &format!("{}: per write {ma:.6} ± {sa:.6}, stationary {mb:.6} ± {sb:.6}, z = {z:+.2}\n", names[k]);
        }
        // `cargo test -- --nocapture` prints the figures.
        println!("{report}");
        assert!(ok, "{report}");
        stationary
    }

    fn trials() -> u64 {
        std::env::var("STAT_TRIALS").ok().and_then(|v| v.parse().ok()).unwrap_or(20_000)
    }
    fn seed() -> u64 {
        std::env::var("STAT_SEED").ok().and_then(|v| v.parse().ok()).unwrap_or(2026)
    }

    /// The reference: λ = 50/s, m = 655,360 B, 50 MB/s, latency U(40, 50) ms (ρ = 0.65536).
    #[test]
    fn the_stationary_loss_is_the_long_run_loss_of_the_per_write_model() {
        let losses =
            compare_with_per_write(&reference_link(), &reference_workload(), SimDuration::from_secs(30), trials());
        // A closed form for any latency L: nothing is lost when the sender is empty (1 − ρ) and
        // no past departure is late; departures are Poisson(λ) backwards, independent of N
        // (Burke), and the one at age τ is late with probability P(L > τ), so none is with
        // probability exp(−λ ∫ P(L > τ) dτ) = exp(−λ E[L]): 0.34464 × e^(−2.25) = 0.036325.
        // Tolerance 4 standard errors.
        let (none, se) = figures(&losses)[4];
        let p_none = 0.34464 * (-50.0f64 * 0.045).exp();
        assert!((none - p_none).abs() <= 4.0 * se, "P(nothing lost) = {none} ± {se}, expected {p_none}");
    }

    /// A second set: λ = 20/s, m = 750,000 B, 50 MB/s (ρ = 0.3), a fixed 30 ms latency.
    #[test]
    fn the_stationary_loss_is_the_long_run_loss_at_low_load_and_fixed_latency() {
        let link = LinkSpec::new("P", "S", DurationDistribution::fixed(SimDuration::from_millis(30)), 50e6).unwrap();
        let workload = WorkloadSpec::poisson(20.0, Distribution::exponential(750_000.0).unwrap()).unwrap();
        let losses = compare_with_per_write(&link, &workload, SimDuration::from_secs(10), trials());
        // With a fixed latency L the closed forms are simple: the writes lost are the N at the
        // sender plus the departures of the last L (Poisson λL, independent of N by Burke's
        // theorem): E = ρ/(1 − ρ) + λL = 0.428571 + 0.6, P(none) = (1 − ρ) e^(−λL) = 0.384158.
        // Tolerance 4 standard errors.
        let [(lost, se_lost), _, _, _, (none, se_none)] = figures(&losses);
        assert!((lost - (0.3 / 0.7 + 0.6)).abs() <= 4.0 * se_lost, "E[writes lost] = {lost} ± {se_lost}");
        let p_none = 0.7 * (-0.6f64).exp();
        assert!((none - p_none).abs() <= 4.0 * se_none, "P(nothing lost) = {none} ± {se_none}, expected {p_none}");
    }
}
