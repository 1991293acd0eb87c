//! Asynchronous replication, aggregate: the backlog as a fluid driven by piecewise-constant rates.
//!
//! # The model
//!
//! Writes are replaced by their mean byte rate, piecewise constant in time:
//!
//! - Poisson arrivals at λ writes/s with sizes of mean `E[size]`: one constant rate
//!   `r = λ·E[size]` bytes/s for the whole run.
//! - On/off bursts: `r` alternates between `on_rate·E[size]` and `off_rate·E[size]` at period
//!   boundaries whose lengths are drawn from the workload's own `on` and `off` distributions
//!   (from the workload stream), starting in an on period like the per-write generator.
//!
//! The link drains the backlog `b` at its effective throughput `μ(t)` (bandwidth × variability
//! factor, capped by `streams × window / RTT`; 0 while the link is down):
//!
//! ```text
//! db/dt = r(t) − μ(t)   while b > 0 (or r > μ),   b = 0 otherwise
//! A(t)  = ∫ r            cumulative bytes written
//! S(t)  = A(t) − b(t)    cumulative bytes sent
//! D(t)  = S(t − L)       cumulative bytes at the copy, L = the link's mean one-way latency
//! ```
//!
//! All three curves are piecewise linear with a knot only where a rate changes (a period
//! boundary, a bandwidth segment, a link failure or repair, the backlog draining to zero), so
//! the work per simulated hour is proportional to the number of rate changes and queries, never
//! to the number of writes.
//!
//! The loss at `t` is the bytes written but not at the copy, `A(t) − D(t)` (queued plus in
//! flight). The oldest lost byte was written at `s = sup{s : A(s) ≤ D(t)}` (solving
//! `A(s) = S(t − L)` on the piecewise-linear curves): RPO = `t − s`. The newest byte held was
//! written at `inf{s : A(s) ≥ D(t)}`: copy age = `t` minus that. Writes are `bytes / E[size]`.
//!
//! # What the approximation leaves out
//!
//! The fluid has no randomness of arrivals or sizes, so it has **no queueing delay from
//! them**. At ρ = λ·E[size]/μ < 1 with Poisson writes the fluid backlog is exactly 0, whereas
//! the per-write FIFO (an M/G/1 queue) holds on average
//! `Lq = ρ²(1 + c²)/(2(1 − ρ))` waiting writes plus the one in transmission (`c` the size's
//! coefficient of variation; for exponential sizes, M/M/1, ρ/(1 − ρ) writes in the system).
//! The fluid RPO therefore underestimates: with the link up and nothing queued it is one
//! latency `L` (the bytes in flight), whereas the per-write RPO adds the queueing delay (about
//! `1/(μ_w − λ)` for M/M/1, μ_w the writes/s the link can send) — and is 0 whenever no write
//! happens to be in flight, which the fluid never sees (its writes are continuous).
//!
//! When bursts run far above the throughput the queue is dominated by its linear growth during
//! the burst (`(r_on − μ)·duration`), which the fluid reproduces; the per-write randomness then
//! adds only a few writes to a backlog of thousands. That is where this model is accurate.
//! `docs/replication-models.md` gives the measured errors.
//!
//! Other simplifications: latency is its mean (jitter is ignored); bandwidth variability
//! applies from the instant a segment starts (the per-write model applies the rate at the start
//! of each transfer); no partly sent write is counted whole (the per-write loss counts the write
//! in transmission whole).
//!
//! # Queueing correction (optional)
//!
//! [`FluidAsync::with_queueing_correction`] adds to the *loss* the stationary M/G/1 queue the
//! fluid misses, at the local utilisation `ρ = r(t)/μ(t)` of the current segment (when the link
//! is up, ρ < 1 and the fluid backlog is below it): expected unsent bytes
//! `E[size]·ρ(1 + c²)(2 − ρ) / (2(1 − ρ))` (the waiting writes' bytes plus the one in
//! transmission counted whole, size-biased), and RPO is lengthened by the time the workload
//! takes to write those bytes. It is a mean-value patch: the loss of a given instant is the
//! expected one, not a sample, and it is not applied to [`Replication::backlog_at`], which keeps
//! the fluid's exact conservation of bytes.

use std::collections::VecDeque;

use super::{
    Backlog, BuildReplicationError, Loss, Replication, ReplicationError, ReplicationStats, Stability, check_forward,
};
use crate::engine::{DurationDistribution, SimDuration, SimRng, SimTime, TrialStreams};
use crate::model::link::{BandwidthVariability, LinkSpec};
use crate::model::workload::{Arrivals, WorkloadSpec};
use crate::trial::streams::{NETWORK, WORKLOAD};

/// Rates are kept in bytes per nanosecond.
const NS: f64 = 1e-9;

#[derive(Clone, Debug)]
enum Input {
    Constant,
    OnOff { on: bool, on_rate: f64, off_rate: f64, on_len: DurationDistribution, off_len: DurationDistribution },
}

#[derive(Clone, Debug)]
struct Variability {
    spec: BandwidthVariability,
    until: u64,
}

/// Asynchronous replication as a fluid: the backlog of bytes evolves with piecewise-constant
/// write and link rates, at a cost per simulated hour that does not depend on the write count.
///
/// See `docs/replication-models.md` for the equations and what they leave out.
///
/// ```
/// use drsim_core::engine::{Distribution, DurationDistribution, SimDuration, SimTime, TrialStreams};
/// use drsim_core::model::{FluidAsync, LinkSpec, Replication, WorkloadSpec};
///
/// let link = LinkSpec::new("P", "S", DurationDistribution::fixed(SimDuration::from_millis(40)), 25e6).unwrap();
/// // 32.8 MB/s offered on a 25 MB/s link: the backlog grows by 7.8 MB every second.
/// let workload = WorkloadSpec::poisson(50.0, Distribution::exponential(655_360.0).unwrap()).unwrap();
/// let mut repl = FluidAsync::new(&link, &workload, TrialStreams::new(42, 0), SimTime::ZERO).unwrap();
/// let loss = repl.loss_at(SimTime::ZERO + SimDuration::from_secs(100)).unwrap();
/// assert!(repl.stability().is_unstable());
/// // 100 s × 7.768 MB/s queued, plus 40 ms of sending in flight.
/// assert!((loss.bytes_lost as f64 - (100.0 * 7_768_000.0 + 0.04 * 25e6)).abs() < 10.0);
/// ```
#[derive(Clone, Debug)]
pub struct FluidAsync {
    now: SimTime,
    start: u64,
    /// The instant the fluid has been computed to (equal to `now` after every call).
    clock: u64,
    /// Cumulative bytes written at `clock`.
    a: f64,
    /// Unsent bytes at `clock`.
    b: f64,
    /// Input rate (bytes/ns) and when it next changes.
    r: f64,
    r_until: u64,
    input: Input,
    workload_rng: SimRng,
    /// Throughput while up (bytes/ns), the nominal bandwidth and the window limit.
    cap: f64,
    nominal: f64,
    window_limit: f64,
    variability: Option<Variability>,
    network_rng: SimRng,
    up: bool,
    latency: u64,
    /// Knots of A (time, bytes) back to the oldest byte not at the copy; after the last knot A
    /// has slope `r` up to `clock`.
    a_knots: VecDeque<(u64, f64)>,
    /// Knots of S back to `now − latency`; after the last knot S has slope `s_slope`.
    s_knots: VecDeque<(u64, f64)>,
    s_slope: f64,
    /// Instants one latency after a knot of S, where A − D may peak.
    checks: VecDeque<u64>,
    peak_bytes: f64,
    mean_size: f64,
    size_second_moment: f64,
    correction: bool,
    segments: u64,
    stability: Stability,
}

impl FluidAsync {
    /// The model for one trial over `link`, fed by `workload`, from `start`.
    ///
    /// Period lengths of an on/off workload are drawn from the workload stream, bandwidth
    /// variability from the network stream.
    pub fn new(
        link: &LinkSpec,
        workload: &WorkloadSpec,
        streams: TrialStreams,
        start: SimTime,
    ) -> Result<Self, BuildReplicationError> {
        link.validate()?;
        workload.validate()?;
        let s = start.as_nanos();
        let mean_size = workload.mean_size_bytes();
        let sd = workload.size_bytes.std_dev().unwrap_or(0.0);
        let mut workload_rng = streams.rng(WORKLOAD);
        let (input, r, r_until) = match &workload.arrivals {
            Arrivals::Poisson { rate_per_s } => (Input::Constant, rate_per_s * mean_size * NS, u64::MAX),
            Arrivals::OnOff { on_rate_per_s, off_rate_per_s, on, off } => {
                let len = on.sample(&mut workload_rng).as_nanos().max(1);
                let input = Input::OnOff {
                    on: true,
                    on_rate: on_rate_per_s * mean_size * NS,
                    off_rate: off_rate_per_s * mean_size * NS,
                    on_len: on.clone(),
                    off_len: off.clone(),
                };
                (input, on_rate_per_s * mean_size * NS, s.saturating_add(len))
            }
        };
        let rtt = link.mean_rtt_secs();
        let window_limit = match link.window_bytes {
            Some(w) if rtt > 0.0 => f64::from(link.streams) * w / rtt * NS,
            _ => f64::INFINITY,
        };
        let nominal = link.bandwidth_bytes_per_s * NS;
        let mut network_rng = streams.rng(NETWORK);
        let (cap, variability) = match &link.variability {
            None => (nominal.min(window_limit), None),
            Some(v) => {
                let factor = v.factor.sample(&mut network_rng).max(1e-3);
                let until = s.saturating_add(v.period.sample(&mut network_rng).as_nanos().max(1));
                ((nominal * factor).min(window_limit), Some(Variability { spec: v.clone(), until }))
            }
        };
        let latency = SimDuration::from_secs_f64(link.latency.mean_secs().unwrap_or(0.0)).as_nanos();
        let stability = Stability::from_rates(workload.mean_bytes_per_s(), link.mean_throughput_bytes_per_s());
        let s_slope = r.min(cap);
        Ok(FluidAsync {
            now: start,
            start: s,
            clock: s,
            a: 0.0,
            b: 0.0,
            r,
            r_until,
            input,
            workload_rng,
            cap,
            nominal,
            window_limit,
            variability,
            network_rng,
            up: true,
            latency,
            a_knots: VecDeque::from([(s, 0.0)]),
            s_knots: VecDeque::from([(s, 0.0)]),
            s_slope,
            checks: VecDeque::new(),
            peak_bytes: 0.0,
            mean_size,
            size_second_moment: sd * sd + mean_size * mean_size,
            correction: false,
            segments: 0,
            stability,
        })
    }

    /// Adds the stationary M/G/1 queue that the fluid misses to every [`loss_at`]
    /// (see `docs/replication-models.md`); off by default.
    ///
    /// [`loss_at`]: Replication::loss_at
    pub fn with_queueing_correction(mut self, on: bool) -> Self {
        self.correction = on;
        self
    }

    /// Rate segments processed so far (input changes, bandwidth changes, drains, link events):
    /// the model's own cost, the counterpart of the per-write model's write count.
    pub fn segments(&self) -> u64 {
        self.segments
    }

    fn mu(&self) -> f64 {
        if self.up { self.cap } else { 0.0 }
    }

    /// Moves the fluid from `clock` to `stop`, with no input or bandwidth change in between,
    /// stopping at every pending peak check on the way.
    fn flow_to(&mut self, stop: u64) {
        loop {
            while let Some(&c) = self.checks.front() {
                if c > self.clock {
                    break;
                }
                self.checks.pop_front();
                self.update_peak();
            }
            if self.clock >= stop {
                break;
            }
            let mu = self.mu();
            let (slope, mut end, mut drains) = if self.b > 0.0 {
                if self.r < mu {
                    let drain = self.clock.saturating_add(((self.b / (mu - self.r)).ceil() as u64).max(1));
                    if drain < stop { (mu, drain, true) } else { (mu, stop, false) }
                } else {
                    (mu, stop, false)
                }
            } else {
                (self.r.min(mu), stop, false)
            };
            if slope != self.s_slope {
                self.s_knots.push_back((self.clock, self.a - self.b));
                self.s_slope = slope;
                self.checks.push_back(self.clock.saturating_add(self.latency));
                self.segments += 1;
                if self.latency == 0 {
                    continue;
                }
            }
            if let Some(&c) = self.checks.front()
                && c < end
            {
                end = c;
                drains = false;
            }
            let dt = (end - self.clock) as f64;
            self.a += self.r * dt;
            self.b = if drains { 0.0 } else { (self.b + (self.r - slope) * dt).max(0.0) };
            self.clock = end;
        }
    }

    /// S at `tau ≤ clock`, without pruning.
    fn s_at(&self, tau: u64) -> f64 {
        // The last knot at or before tau; knots are few after pruning.
        let mut prev = self.s_knots[0];
        for &k in &self.s_knots {
            if k.0 > tau {
                let (t1, s1) = k;
                let (t0, s0) = prev;
                return s0 + (s1 - s0) * (tau.saturating_sub(t0)) as f64 / (t1 - t0).max(1) as f64;
            }
            prev = k;
        }
        prev.1 + self.s_slope * tau.saturating_sub(prev.0) as f64
    }

    /// Bytes at the copy at `t ≤ clock`.
    fn delivered_at(&self, t: u64) -> f64 {
        if t < self.start.saturating_add(self.latency) {
            return 0.0;
        }
        self.s_at(t - self.latency).min(self.a)
    }

    /// Drops knots no later query can need: S before `now − latency`, A before the oldest byte
    /// not at the copy.
    fn prune(&mut self) {
        let tau = self.clock.saturating_sub(self.latency);
        while self.s_knots.len() > 1 && self.s_knots[1].0 <= tau {
            self.s_knots.pop_front();
        }
        let d = self.delivered_at(self.clock);
        while self.a_knots.len() > 1 && self.a_knots[1].1 < d {
            self.a_knots.pop_front();
        }
    }

    /// The knots of A, with the current point as the last one.
    fn a_points(&self) -> impl Iterator<Item = (u64, f64)> + '_ {
        self.a_knots.iter().copied().chain(std::iter::once((self.clock, self.a)))
    }

    /// `inf{s : A(s) ≥ d}` (strict = false) or `sup{s : A(s) ≤ d}` (strict = true), or `None`
    /// when A never passes `d`.
    fn invert(&self, d: f64, strict: bool) -> Option<u64> {
        let mut prev: Option<(u64, f64)> = None;
        for (t, v) in self.a_points() {
            let hit = if strict { v > d } else { v >= d };
            if hit {
                return Some(match prev {
                    None => t,
                    Some((t0, v0)) => {
                        let frac = if v > v0 { ((d - v0) / (v - v0)).clamp(0.0, 1.0) } else { 1.0 };
                        t0 + ((t - t0) as f64 * frac) as u64
                    }
                });
            }
            prev = Some((t, v));
        }
        None
    }

    fn update_peak(&mut self) {
        let lost = self.a - self.delivered_at(self.clock);
        self.peak_bytes = self.peak_bytes.max(lost);
    }

    /// Computes the fluid up to `t`, processing every rate change before it.
    fn run_to(&mut self, t: u64) {
        loop {
            let next_bw = self.variability.as_ref().map_or(u64::MAX, |v| v.until);
            let stop = t.min(self.r_until).min(next_bw);
            self.flow_to(stop);
            if stop == self.r_until {
                self.change_input();
            }
            if stop == next_bw {
                self.change_bandwidth();
            }
            if stop == t {
                break;
            }
        }
        self.update_peak();
    }

    fn change_input(&mut self) {
        let Input::OnOff { on, on_rate, off_rate, on_len, off_len } = &mut self.input else {
            self.r_until = u64::MAX;
            return;
        };
        *on = !*on;
        let (rate, len) = if *on {
            (*on_rate, on_len.sample(&mut self.workload_rng))
        } else {
            (*off_rate, off_len.sample(&mut self.workload_rng))
        };
        self.r_until = self.clock.saturating_add(len.as_nanos().max(1));
        if rate != self.r {
            self.a_knots.push_back((self.clock, self.a));
            self.r = rate;
            self.segments += 1;
        }
    }

    fn change_bandwidth(&mut self) {
        let Some(v) = &mut self.variability else { return };
        let factor = v.spec.factor.sample(&mut self.network_rng).max(1e-3);
        v.until = v.until.saturating_add(v.spec.period.sample(&mut self.network_rng).as_nanos().max(1));
        self.cap = (self.nominal * factor).min(self.window_limit);
        self.segments += 1;
    }

    /// (written, sent, delivered) bytes at `clock`, as consistent integers.
    fn integer_bytes(&self) -> (u64, u64, u64) {
        let written = self.a.round() as u64;
        let sent = ((self.a - self.b).round() as u64).min(written);
        let delivered = (self.delivered_at(self.clock).round() as u64).min(sent);
        (written, sent, delivered)
    }

    fn writes(&self, bytes: u64) -> u64 {
        if bytes == 0 || self.mean_size <= 0.0 {
            return 0;
        }
        ((bytes as f64 / self.mean_size).round() as u64).max(1)
    }

    /// The expected unsent bytes of the M/G/1 queue at the current segment's utilisation, and
    /// the input rate (bytes/ns), when the correction applies.
    fn queueing_bytes(&self) -> Option<(f64, f64)> {
        let mu = self.mu();
        if !self.correction || mu <= 0.0 || self.r <= 0.0 || self.mean_size <= 0.0 {
            return None;
        }
        let rho = self.r / mu;
        if rho >= 1.0 {
            return None;
        }
        let c2 = self.size_second_moment / (self.mean_size * self.mean_size) - 1.0;
        let bytes = self.mean_size * rho * (1.0 + c2) * (2.0 - rho) / (2.0 * (1.0 - rho));
        (bytes > self.b).then_some((bytes - self.b, self.r))
    }
}

impl Replication for FluidAsync {
    fn now(&self) -> SimTime {
        self.now
    }

    fn advance_to(&mut self, t: SimTime) -> Result<(), ReplicationError> {
        check_forward(self.now, t)?;
        self.run_to(t.as_nanos());
        self.prune();
        self.now = t;
        Ok(())
    }

    fn link_down(&mut self, t: SimTime) -> Result<(), ReplicationError> {
        self.advance_to(t)?;
        if self.up {
            self.up = false;
            self.segments += 1;
        }
        Ok(())
    }

    fn link_up(&mut self, t: SimTime) -> Result<(), ReplicationError> {
        self.advance_to(t)?;
        if !self.up {
            self.up = true;
            self.segments += 1;
        }
        Ok(())
    }

    fn loss_at(&mut self, t: SimTime) -> Result<Loss, ReplicationError> {
        self.advance_to(t)?;
        let tn = t.as_nanos();
        let d = self.delivered_at(tn);
        let (written, _, delivered) = self.integer_bytes();
        let mut bytes_lost = written - delivered;
        let newest_held = self.invert(d, false).unwrap_or(tn);
        let mut copy_age = tn.saturating_sub(newest_held);
        let mut rpo = match self.invert(d, true) {
            Some(oldest_lost) if bytes_lost > 0 => tn.saturating_sub(oldest_lost),
            _ => 0,
        };
        if let Some((extra, rate)) = self.queueing_bytes() {
            // Never more than was written (the queue of a fresh start is not there yet).
            bytes_lost = (bytes_lost + extra.round() as u64).min(written);
            let extra_age = (extra / rate).round() as u64;
            rpo = rpo.max(self.latency).saturating_add(extra_age);
            copy_age = copy_age.max(rpo);
        }
        Ok(Loss {
            writes_lost: self.writes(bytes_lost),
            bytes_lost,
            rpo: SimDuration::from_nanos(rpo),
            copy_age: SimDuration::from_nanos(copy_age),
        })
    }

    fn backlog_at(&mut self, t: SimTime) -> Result<Backlog, ReplicationError> {
        self.advance_to(t)?;
        let (written, sent, delivered) = self.integer_bytes();
        let queued_bytes = written - sent;
        let in_flight_bytes = sent - delivered;
        Ok(Backlog {
            queued: self.writes(queued_bytes),
            queued_bytes,
            in_flight: self.writes(in_flight_bytes),
            in_flight_bytes,
        })
    }

    fn stats(&self) -> ReplicationStats {
        let (written, _, delivered) = self.integer_bytes();
        let peak = self.peak_bytes.round() as u64;
        ReplicationStats {
            writes_written: self.writes(written),
            bytes_written: written,
            bytes_delivered: delivered,
            bytes_sent_to_link: written,
            peak_backlog_bytes: Some(peak),
            peak_backlog_items: Some(self.writes(peak)),
            ..ReplicationStats::default()
        }
    }

    fn stability(&self) -> Stability {
        self.stability
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::Distribution;

    fn link(bw: f64, ms: u64) -> LinkSpec {
        LinkSpec::new("P", "S", DurationDistribution::fixed(SimDuration::from_millis(ms)), bw).unwrap()
    }

    fn at(s: f64) -> SimTime {
        SimTime::ZERO + SimDuration::from_secs_f64(s)
    }

    /// By hand: 10 MB/s written on a 5 MB/s link with 100 ms latency. At 10 s the backlog is
    /// 50 MB and 0.5 MB are in flight; the copy holds S(9.9 s) = 49.5 MB, written up to 4.95 s.
    #[test]
    fn overload_by_hand() {
        let w = WorkloadSpec::poisson(10.0, Distribution::fixed(1e6).unwrap()).unwrap();
        let mut m = FluidAsync::new(&link(5e6, 100), &w, TrialStreams::new(1, 0), SimTime::ZERO).unwrap();
        let b = m.backlog_at(at(10.0)).unwrap();
        assert_eq!(b.queued_bytes, 50_000_000);
        assert_eq!(b.in_flight_bytes, 500_000);
        let l = m.loss_at(at(10.0)).unwrap();
        assert_eq!(l.bytes_lost, 50_500_000);
        assert_eq!(l.writes_lost, 51);
        assert_eq!(l.rpo, SimDuration::from_millis(5050));
        assert_eq!(l.copy_age, SimDuration::from_millis(5050));
    }

    /// A 10 s outage on a link with room to spare: 10 MB/s × 10 s queue, drained at the spare
    /// 10 MB/s in 10 s after the repair; the peak includes the latency's worth in flight.
    #[test]
    fn outage_queues_then_drains() {
        let w = WorkloadSpec::poisson(10.0, Distribution::fixed(1e6).unwrap()).unwrap();
        let mut m = FluidAsync::new(&link(20e6, 10), &w, TrialStreams::new(1, 0), SimTime::ZERO).unwrap();
        m.link_down(at(5.0)).unwrap();
        let l = m.loss_at(at(15.0)).unwrap();
        // 100 MB queued since the cut; what was in flight at the cut arrived by 5.01 s.
        assert_eq!(l.bytes_lost, 100_000_000);
        assert_eq!(l.rpo, SimDuration::from_secs(10));
        m.link_up(at(15.0)).unwrap();
        let l = m.loss_at(at(40.0)).unwrap();
        assert_eq!(l.bytes_lost, 100_000, "only the 10 ms in flight");
        assert_eq!(l.rpo, SimDuration::from_millis(10));
        // A − D peaks one latency after the repair, when deliveries resume: 100 MB + 10 ms × 10 MB/s.
        assert_eq!(m.stats().peak_backlog_bytes, Some(100_100_000));
    }
}
