//! The workload at the primary: when writes are made and how big they are.
//!
//! Writes are generated lazily, one at a time, from the workload's own random stream, so a
//! replication model asks for exactly the writes it needs and no write is ever stored unless a
//! model must remember it.

use serde::{Deserialize, Serialize};

use crate::engine::sampler::{AnySize, ExponentialSize, SizeDraw};
use crate::engine::time::round_to_u64;
use crate::engine::{DistError, Distribution, DurationDistribution, Sampler, SimDuration, SimRng, SimTime};

/// One write: the unit the write log is made of.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Write {
    /// When the application issued it.
    pub created: SimTime,
    /// Its size in bytes.
    pub bytes: u64,
}

/// When writes arrive.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
#[non_exhaustive]
pub enum Arrivals {
    /// A Poisson process: independent exponential gaps at `rate_per_s` writes per second.
    Poisson {
        /// Mean writes per second (≥ 0; 0 means no writes).
        rate_per_s: f64,
    },
    /// Bursts: alternating on and off periods, Poisson within each at its own rate.
    OnOff {
        /// Writes per second while a burst is on.
        on_rate_per_s: f64,
        /// Writes per second between bursts (often 0).
        off_rate_per_s: f64,
        /// Length of a burst.
        on: DurationDistribution,
        /// Length of the quiet time between bursts.
        off: DurationDistribution,
    },
}

/// The workload of a primary site: arrivals and sizes.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WorkloadSpec {
    /// When writes arrive.
    pub arrivals: Arrivals,
    /// Write size in bytes (rounded to whole bytes; a normal is truncated at zero, other
    /// distributions' negative samples count as 0).
    pub size_bytes: Distribution,
}

/// Why a workload was refused.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum WorkloadError {
    /// A rate that is negative, NaN or infinite.
    #[error("workload: {field} = {value} is not allowed (must be finite and >= 0 writes per second)")]
    BadRate {
        /// The key, e.g. `arrivals.rate_per_s`.
        field: &'static str,
        /// The value refused.
        value: f64,
    },
    /// An on/off workload whose on and off periods are both always zero.
    #[error("workload: arrivals.on and arrivals.off both have mean 0: the burst cycle never advances")]
    EmptyCycle,
    /// A distribution parameter is invalid.
    #[error("workload: {field}: {source}")]
    Distribution {
        /// The key of the distribution.
        field: &'static str,
        /// What is wrong with it.
        source: DistError,
    },
    /// The write size distribution has no finite mean.
    #[error("workload: size_bytes has no finite mean; choose a distribution with one")]
    InfiniteMeanSize,
    /// The write size distribution's mean is too large for byte counts to stay exact.
    #[error(
        "workload: size_bytes has mean {mean:.3e} bytes: not allowed (at most 2^53 = 9.007e15 bytes a write, so that byte counts stay exact)"
    )]
    HugeSize {
        /// The mean write size.
        mean: f64,
    },
}

impl WorkloadSpec {
    /// Poisson writes at `rate_per_s` with sizes from `size_bytes`.
    pub fn poisson(rate_per_s: f64, size_bytes: Distribution) -> Result<Self, WorkloadError> {
        let spec = WorkloadSpec { arrivals: Arrivals::Poisson { rate_per_s }, size_bytes };
        spec.validate()?;
        Ok(spec)
    }

    /// Checks every parameter.
    pub fn validate(&self) -> Result<(), WorkloadError> {
        let rate_ok = |field, value: f64| {
            if value.is_finite() && value >= 0.0 { Ok(()) } else { Err(WorkloadError::BadRate { field, value }) }
        };
        match &self.arrivals {
            Arrivals::Poisson { rate_per_s } => rate_ok("arrivals.rate_per_s", *rate_per_s)?,
            Arrivals::OnOff { on_rate_per_s, off_rate_per_s, on, off } => {
                rate_ok("arrivals.on_rate_per_s", *on_rate_per_s)?;
                rate_ok("arrivals.off_rate_per_s", *off_rate_per_s)?;
                let mean_on = on.mean_secs().unwrap_or(f64::INFINITY);
                let mean_off = off.mean_secs().unwrap_or(f64::INFINITY);
                if mean_on + mean_off <= 0.0 {
                    return Err(WorkloadError::EmptyCycle);
                }
            }
        }
        self.size_bytes.validate().map_err(|source| WorkloadError::Distribution { field: "size_bytes", source })?;
        match self.size_bytes.non_negative_mean() {
            None => return Err(WorkloadError::InfiniteMeanSize),
            Some(m) if m > crate::limits::MAX_MEAN_WRITE_BYTES => return Err(WorkloadError::HugeSize { mean: m }),
            Some(_) => {}
        }
        Ok(())
    }

    /// Long-run mean writes per second.
    pub fn mean_rate_per_s(&self) -> f64 {
        match &self.arrivals {
            Arrivals::Poisson { rate_per_s } => *rate_per_s,
            Arrivals::OnOff { on_rate_per_s, off_rate_per_s, on, off } => {
                let mon = on.mean_secs().unwrap_or(0.0);
                let moff = off.mean_secs().unwrap_or(0.0);
                (on_rate_per_s * mon + off_rate_per_s * moff) / (mon + moff)
            }
        }
    }

    /// Mean write size in bytes, of the sizes actually written (a normal truncated at zero,
    /// other distributions clamped at zero: see [`Distribution::sample_non_negative`]).
    pub fn mean_size_bytes(&self) -> f64 {
        self.size_bytes.non_negative_mean().unwrap_or(0.0)
    }

    /// Long-run mean bytes written per second.
    pub fn mean_bytes_per_s(&self) -> f64 {
        self.mean_rate_per_s() * self.mean_size_bytes()
    }
}

impl WorkloadSpec {
    /// The bytes this workload writes over `span`, drawn (not its mean): what a copy must
    /// catch up on after writes went elsewhere for that long.
    ///
    /// Poisson arrivals: the count `N ~ Poisson(λ span)` exactly; for exponential sizes the sum
    /// is then `Gamma(N, mean)` exactly (a sum of N exponentials); for other sizes the N sizes
    /// are drawn when `N <= 10 000` (up to 10⁶ when their variance is infinite), and past that
    /// the sum is normal with the exact mean `N μ` and standard deviation `sqrt(N) σ` (central
    /// limit theorem, good for light tails at such N); beyond 10⁶ infinite-variance sizes the
    /// sum is taken as its mean (an approximation that ignores their heavy tail). On/off arrivals: the writes are generated one by one when about
    /// 100 000 or fewer are expected, and past that the mean `span × mean bytes/s` is used.
    pub fn sample_bytes_written(&self, span: SimDuration, rng: &mut SimRng) -> f64 {
        const DRAW_EACH: f64 = 10_000.0;
        let secs = span.as_secs_f64();
        if secs <= 0.0 {
            return 0.0;
        }
        match self.arrivals {
            Arrivals::Poisson { rate_per_s } => {
                let lambda = rate_per_s * secs;
                if lambda.is_nan() || lambda <= 0.0 {
                    return 0.0;
                }
                let n = match rand_distr::Poisson::new(lambda) {
                    Ok(p) => rand_distr::Distribution::sample(&p, rng),
                    Err(_) => lambda,
                };
                if n <= 0.0 {
                    return 0.0;
                }
                if let Distribution::Exponential { mean } = self.size_bytes {
                    return rand_distr::Gamma::new(n, mean)
                        .map_or(n * mean, |g| rand_distr::Distribution::sample(&g, rng));
                }
                let sd = self.size_bytes.std_dev();
                let draw_each = if sd.is_some() { DRAW_EACH } else { 100.0 * DRAW_EACH };
                if n <= draw_each {
                    return (0..n as u64).map(|_| self.size_bytes.sample_non_negative(rng).round()).sum();
                }
                let mu = self.mean_size_bytes();
                let sd = sd.unwrap_or(0.0);
                let z: f64 = rand_distr::Distribution::sample(&rand_distr::StandardNormal, rng);
                (n * mu + n.sqrt() * sd * z).max(0.0)
            }
            Arrivals::OnOff { .. } => {
                if self.mean_rate_per_s() * secs > 10.0 * DRAW_EACH {
                    return self.mean_bytes_per_s() * secs;
                }
                let Ok(mut g) = WriteGenerator::new(self.clone(), SimTime::ZERO, rng.clone()) else {
                    return self.mean_bytes_per_s() * secs;
                };
                let mut bytes = 0u64;
                g.writes_before(SimTime::ZERO + span, |w| bytes += w.bytes);
                // Move the caller's stream on by as much as the generator used.
                *rng = g.rng.clone();
                bytes as f64
            }
        }
    }
}

/// Generates the writes of one workload, in creation order, from its own random stream.
#[derive(Clone, Debug)]
pub struct WriteGenerator {
    spec: WorkloadSpec,
    /// Sizes and, for Poisson arrivals, the mean gap in nanoseconds, prepared once: this runs
    /// once per simulated write.
    size: Sampler,
    poisson_mean_gap_ns: Option<f64>,
    /// The first write at or after the last `until` of [`WriteGenerator::writes_before`],
    /// already drawn: handed out next.
    pub(crate) held: Option<Write>,
    rng: SimRng,
    /// Time of the last write generated (or of the start).
    clock: u64,
    /// For on/off: whether a burst is on, and when the current period ends.
    on: bool,
    period_end: u64,
}

impl WriteGenerator {
    /// A generator starting at `start`, drawing from `rng` (give it the workload stream).
    pub fn new(spec: WorkloadSpec, start: SimTime, mut rng: SimRng) -> Result<Self, WorkloadError> {
        spec.validate()?;
        let (on, period_end) = match &spec.arrivals {
            Arrivals::Poisson { .. } => (true, u64::MAX),
            // Start in a burst for a fresh on-period; callers wanting a stationary start warm up.
            Arrivals::OnOff { on, .. } => (true, start.as_nanos().saturating_add(on.sample(&mut rng).as_nanos())),
        };
        let poisson_mean_gap_ns = match spec.arrivals {
            Arrivals::Poisson { rate_per_s } if rate_per_s > 0.0 => Some(1e9 / rate_per_s),
            _ => None,
        };
        let size = spec.size_bytes.sampler();
        Ok(WriteGenerator { spec, size, poisson_mean_gap_ns, held: None, rng, clock: start.as_nanos(), on, period_end })
    }

    /// The workload this generator follows.
    pub fn spec(&self) -> &WorkloadSpec {
        &self.spec
    }

    /// The next write, or `None` if no write will ever come (zero rates).
    #[inline]
    pub fn next_write(&mut self) -> Option<Write> {
        if let Some(w) = self.held.take() {
            return Some(w);
        }
        if let Some(mean_gap_ns) = self.poisson_mean_gap_ns {
            return Some(poisson_write(&mut self.rng, &mut self.clock, mean_gap_ns, |rng| {
                self.size.sample_non_negative(rng)
            }));
        }
        self.next_general()
    }

    /// Hands `sink` every write created before `until`, in order. The first write at or after
    /// `until` is drawn too, and held for the next call (or [`next_write`](Self::next_write)),
    /// so the writes are the same however the time is cut.
    ///
    /// This is how a per-write model should consume a workload. The loop works on a copy of
    /// the generator's state in locals, written back at the end, and calls `sink` from one
    /// place so that the compiler inlines it: for Poisson arrivals the whole loop then runs in
    /// registers, a few nanoseconds per write.
    #[inline]
    pub fn writes_before(&mut self, until: SimTime, sink: impl FnMut(Write)) {
        self.writes_before_with(until, &AnySize, sink);
    }

    /// The sizes' mean, when they are exponential (the usual case): a batch loop can then
    /// draw them with the mean in a register (see [`ExponentialSize`]).
    pub(crate) fn exponential_size(&self) -> Option<ExponentialSize> {
        self.size.exponential()
    }

    /// [`writes_before`](Self::writes_before), drawing sizes with `size` (which must draw
    /// what the workload's size distribution draws).
    #[inline(always)]
    pub(crate) fn writes_before_with(&mut self, until: SimTime, size: &impl SizeDraw, mut sink: impl FnMut(Write)) {
        let (mut rng, mut clock, mut held) = (self.rng.clone(), self.clock, self.held.take());
        loop {
            let w = match (held.take(), self.poisson_mean_gap_ns) {
                (Some(w), _) => w,
                (None, Some(mean_gap_ns)) => {
                    poisson_write(&mut rng, &mut clock, mean_gap_ns, |rng| size.draw(&self.size, rng))
                }
                (None, None) => {
                    (self.rng, self.clock) = (rng, clock);
                    let next = self.next_general();
                    (rng, clock) = (self.rng.clone(), self.clock);
                    match next {
                        Some(w) => w,
                        None => break,
                    }
                }
            };
            if w.created >= until {
                held = Some(w);
                break;
            }
            sink(w);
        }
        (self.rng, self.clock, self.held) = (rng, clock, held);
    }

    /// Any arrivals other than Poisson; out of line, the hot loops are Poisson.
    #[inline(never)]
    fn next_general(&mut self) -> Option<Write> {
        let created = self.next_time()?;
        let bytes = round_to_u64(self.size.sample_non_negative(&mut self.rng));
        Some(Write { created: SimTime::from_nanos(created), bytes })
    }

    #[inline]
    fn next_time(&mut self) -> Option<u64> {
        use rand_distr::Distribution as _;
        match &self.spec.arrivals {
            Arrivals::Poisson { .. } => None,
            Arrivals::OnOff { on_rate_per_s, off_rate_per_s, on, off } => {
                if *on_rate_per_s <= 0.0 && *off_rate_per_s <= 0.0 {
                    return None;
                }
                // Exponential gaps are memoryless, so when a gap crosses the end of a period we
                // may restart the draw at the boundary with the next period's rate.
                loop {
                    let rate = if self.on { *on_rate_per_s } else { *off_rate_per_s };
                    if rate > 0.0 {
                        let gap: f64 = rand_distr::Exp1.sample(&mut self.rng);
                        let at = self.clock.saturating_add(SimDuration::from_secs_f64(gap / rate).as_nanos());
                        if at < self.period_end {
                            self.clock = at;
                            return Some(at);
                        }
                    }
                    self.clock = self.period_end;
                    self.on = !self.on;
                    let len = if self.on { on.sample(&mut self.rng) } else { off.sample(&mut self.rng) };
                    self.period_end = self.clock.saturating_add(len.as_nanos());
                    if self.clock == u64::MAX {
                        return None;
                    }
                }
            }
        }
    }
}

/// The next Poisson write after `clock`: an exponential gap, then a size (in that order, from
/// one stream).
#[inline(always)]
fn poisson_write(rng: &mut SimRng, clock: &mut u64, mean_gap_ns: f64, size: impl FnOnce(&mut SimRng) -> f64) -> Write {
    use rand_distr::Distribution as _;
    let gap: f64 = rand_distr::Exp1.sample(rng);
    *clock = clock.saturating_add(round_to_u64(gap * mean_gap_ns));
    let bytes = round_to_u64(size(rng));
    Write { created: SimTime::from_nanos(*clock), bytes }
}
