//! Distributions prepared for drawing many times in a hot loop.
//!
//! A [`Distribution`] is data: a serde enum matched on every draw, with its parameters checked
//! and combined each time. A model that draws per message (a size and a latency for each of
//! millions) draws from the same few distributions, so it prepares them once: the common kinds
//! get a variant holding exactly what a draw needs (a uniform's span, a fixed duration already
//! in nanoseconds), and everything else falls back to the distribution itself.
//!
//! A prepared sampler draws **the same values, bit for bit, from the same random numbers** as
//! the distribution it came from (a test checks each kind), so preparing one changes speed and
//! nothing else.
//!
//! ```
//! use drsim_engine::{Distribution, DurationDistribution, SimDuration, StreamId, stream_rng};
//!
//! let size = Distribution::exponential(655_360.0).unwrap();
//! let (mut a, mut b) = (stream_rng(1, 0, StreamId(9)), stream_rng(1, 0, StreamId(9)));
//! let prepared = size.sampler();
//! for _ in 0..1000 {
//!     assert_eq!(prepared.sample_non_negative(&mut a).to_bits(), size.sample_non_negative(&mut b).to_bits());
//! }
//!
//! let latency = DurationDistribution::fixed(SimDuration::from_millis(40)).sampler();
//! assert_eq!(latency.sample_nanos(&mut a), 40_000_000);
//! ```

use rand::{Rng, RngExt};
use rand_distr::{Distribution as _, Exp1};

use super::dist::{Distribution, DurationDistribution};
use super::rng::SimRng;
use super::time::SimDuration;

/// A [`Distribution`] prepared for repeated draws of non-negative values (sizes, seconds).
///
/// Made by [`Distribution::sampler`]; draws what [`Distribution::sample_non_negative`] draws.
#[derive(Clone, Debug)]
pub struct Sampler(Kind);

#[derive(Clone, Debug)]
enum Kind {
    /// Already clamped at zero.
    Fixed(f64),
    /// `low + span * U`; only when the span is finite (otherwise the general path's convex
    /// combination is needed).
    Uniform {
        low: f64,
        span: f64,
    },
    Exponential {
        mean: f64,
    },
    /// Boxed so that the enum's tag is a small integer of its own, not a niche in the
    /// distribution's: the match in the hot loop is then a compare, not a jump table.
    Other(Box<Distribution>),
}

impl Sampler {
    /// Prepares `dist`.
    pub fn new(dist: &Distribution) -> Self {
        Sampler(match *dist {
            Distribution::Fixed { value } => Kind::Fixed(value.max(0.0)),
            Distribution::Uniform { low, high } if (high - low).is_finite() => Kind::Uniform { low, span: high - low },
            Distribution::Exponential { mean } => Kind::Exponential { mean },
            _ => Kind::Other(Box::new(dist.clone())),
        })
    }

    /// One draw of [`Distribution::sample_non_negative`].
    #[inline(always)]
    pub fn sample_non_negative(&self, rng: &mut SimRng) -> f64 {
        match self.0 {
            Kind::Fixed(value) => value,
            Kind::Uniform { low, span } => uniform(low, span, rng),
            Kind::Exponential { mean } => exponential(mean, rng),
            Kind::Other(ref dist) => general(dist, rng),
        }
    }

    /// The mean, when this is an exponential (see [`ExponentialSize`]).
    pub fn exponential(&self) -> Option<ExponentialSize> {
        match self.0 {
            Kind::Exponential { mean } => Some(ExponentialSize(mean)),
            _ => None,
        }
    }
}

/// `low + span * U`, clamped at zero: the one formula of a uniform draw.
#[inline(always)]
fn uniform(low: f64, span: f64, rng: &mut SimRng) -> f64 {
    let u: f64 = rng.random();
    (low + span * u).max(0.0)
}

/// `mean * Exp1`: the one formula of an exponential draw. A positive mean times a standard
/// exponential is never negative or NaN, so there is nothing to clamp.
#[inline(always)]
fn exponential(mean: f64, rng: &mut SimRng) -> f64 {
    let e: f64 = Exp1.sample(rng);
    mean * e
}

/// Kept out of line so that the common kinds above inline into the caller's loop.
#[inline(never)]
fn general(dist: &Distribution, rng: &mut SimRng) -> f64 {
    dist.sample_non_negative(rng)
}

/// A [`DurationDistribution`] prepared for repeated draws, in whole nanoseconds.
///
/// Made by [`DurationDistribution::sampler`]; draws what [`DurationDistribution::sample`]
/// draws.
#[derive(Clone, Debug)]
pub struct DurationSampler(DurationKind);

#[derive(Clone, Debug)]
enum DurationKind {
    /// A fixed duration draws no random number.
    Fixed(u64),
    Secs(Sampler),
}

impl DurationSampler {
    /// Prepares `dist`.
    pub fn new(dist: &DurationDistribution) -> Self {
        DurationSampler(match *dist.inner() {
            Distribution::Fixed { value } => DurationKind::Fixed(SimDuration::from_secs_f64(value).as_nanos()),
            ref other => DurationKind::Secs(Sampler::new(other)),
        })
    }

    /// One duration in nanoseconds, as [`DurationDistribution::sample`] would give it.
    #[inline(always)]
    pub fn sample_nanos(&self, rng: &mut SimRng) -> u64 {
        match self.0 {
            DurationKind::Fixed(ns) => ns,
            DurationKind::Secs(ref s) => SimDuration::from_secs_f64(s.sample_non_negative(rng)).as_nanos(),
        }
    }

    /// The largest duration a draw can give, in nanoseconds, for the kinds whose draws
    /// [`discard`](Self::discard) can skip (fixed and uniform); `None` for the others.
    ///
    /// A model that only needs to know that a duration is short enough (a message that has
    /// surely arrived) then skips computing it, while the stream moves on exactly as if it
    /// had drawn it, so nothing else changes.
    // Hidden: the fast path of drsim-core's batched FIFO, which must reach it across the
    // crate boundary; not part of the supported API (it may change with that fast path).
    #[doc(hidden)]
    pub fn skippable_max_nanos(&self) -> Option<u64> {
        match self.0 {
            DurationKind::Fixed(ns) => Some(ns),
            // `low + span * u` is monotone in `u < 1`, so `u = 1` bounds it.
            DurationKind::Secs(Sampler(Kind::Uniform { low, span })) => {
                Some(SimDuration::from_secs_f64((low + span).max(0.0)).as_nanos())
            }
            DurationKind::Secs(_) => None,
        }
    }

    /// Moves `rng` on exactly as one [`sample_nanos`](Self::sample_nanos) would, without
    /// computing the duration. Only for the kinds of
    /// [`skippable_max_nanos`](Self::skippable_max_nanos); for the others it draws.
    // Hidden, as `skippable_max_nanos` is.
    #[doc(hidden)]
    #[inline(always)]
    pub fn discard(&self, rng: &mut SimRng) {
        match self.0 {
            DurationKind::Fixed(_) => {}
            // A uniform f64 is one `u64` from the stream.
            DurationKind::Secs(Sampler(Kind::Uniform { .. })) => {
                rng.next_u64();
            }
            DurationKind::Secs(_) => {
                self.sample_nanos(rng);
            }
        }
    }
}

// A hot loop can be generic over how it draws, so that each common kind gets its own copy of
// the loop with its parameters in registers and no dispatch per draw (drsim-core's FIFO
// channel is one). Each way draws exactly what the sampler draws.

/// How a hot loop draws values from a [`Sampler`]: through it ([`AnySize`]), or as an
/// exponential with its mean in a register ([`ExponentialSize`], from
/// [`Sampler::exponential`]). A loop generic over it is compiled once per way; every way draws
/// exactly what [`Sampler::sample_non_negative`] draws.
pub trait SizeDraw {
    /// One value, as `sampler.sample_non_negative` would draw it.
    fn draw(&self, sampler: &Sampler, rng: &mut SimRng) -> f64;
}

/// Any distribution, through its sampler.
pub struct AnySize;

impl SizeDraw for AnySize {
    #[inline(always)]
    fn draw(&self, sampler: &Sampler, rng: &mut SimRng) -> f64 {
        sampler.sample_non_negative(rng)
    }
}

/// An exponential with this mean.
#[derive(Clone, Copy, Debug)]
pub struct ExponentialSize(f64);

impl SizeDraw for ExponentialSize {
    #[inline(always)]
    fn draw(&self, _: &Sampler, rng: &mut SimRng) -> f64 {
        exponential(self.0, rng)
    }
}

/// How a hot loop draws durations from a [`DurationSampler`]: through it ([`AnyDuration`]), or
/// as a uniform with its bounds in registers ([`UniformDuration`], from
/// [`DurationSampler::uniform`]). Every way draws exactly what
/// [`DurationSampler::sample_nanos`] draws.
pub trait DurationDraw {
    /// One duration, as `sampler.sample_nanos` would draw it.
    fn sample_nanos(&self, sampler: &DurationSampler, rng: &mut SimRng) -> u64;
    /// Moves `rng` on as `sampler.discard` would.
    fn discard(&self, sampler: &DurationSampler, rng: &mut SimRng);
}

/// Any duration distribution, through its sampler.
pub struct AnyDuration;

impl DurationDraw for AnyDuration {
    #[inline(always)]
    fn sample_nanos(&self, sampler: &DurationSampler, rng: &mut SimRng) -> u64 {
        sampler.sample_nanos(rng)
    }
    #[inline(always)]
    fn discard(&self, sampler: &DurationSampler, rng: &mut SimRng) {
        sampler.discard(rng);
    }
}

/// A uniform duration in seconds, `low + span * U`: the same draws as the sampler's.
#[derive(Clone, Copy, Debug)]
pub struct UniformDuration {
    low: f64,
    span: f64,
}

impl DurationDraw for UniformDuration {
    #[inline(always)]
    fn sample_nanos(&self, _: &DurationSampler, rng: &mut SimRng) -> u64 {
        SimDuration::from_secs_f64(uniform(self.low, self.span, rng)).as_nanos()
    }
    #[inline(always)]
    fn discard(&self, _: &DurationSampler, rng: &mut SimRng) {
        rng.next_u64();
    }
}

impl DurationSampler {
    /// The bounds, when this is a uniform duration (see [`UniformDuration`]).
    pub fn uniform(&self) -> Option<UniformDuration> {
        match self.0 {
            DurationKind::Secs(Sampler(Kind::Uniform { low, span })) => Some(UniformDuration { low, span }),
            _ => None,
        }
    }
}

impl Distribution {
    /// This distribution prepared for drawing many times (see [`Sampler`]).
    pub fn sampler(&self) -> Sampler {
        Sampler::new(self)
    }
}

impl DurationDistribution {
    /// This distribution prepared for drawing many times (see [`DurationSampler`]).
    pub fn sampler(&self) -> DurationSampler {
        DurationSampler::new(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{StreamId, stream_rng};

    fn kinds() -> Vec<Distribution> {
        vec![
            Distribution::fixed(2.5).unwrap(),
            Distribution::fixed(-1.0).unwrap(),
            Distribution::uniform(-0.5, 3.0).unwrap(),
            Distribution::uniform(-f64::MAX, f64::MAX).unwrap(),
            Distribution::uniform(0.04, 0.05).unwrap(),
            Distribution::uniform(0.0, 1e-9).unwrap(),
            Distribution::exponential(0.04).unwrap(),
            Distribution::normal(-1.0, 2.0).unwrap(),
            Distribution::lognormal(120.0, 0.3).unwrap(),
            Distribution::weibull(1.5, 3.0).unwrap(),
        ]
    }

    #[test]
    fn prepared_draws_are_the_distributions_draws_bit_for_bit() {
        for dist in kinds() {
            let s = dist.sampler();
            let (mut a, mut b) = (stream_rng(3, 1, StreamId(5)), stream_rng(3, 1, StreamId(5)));
            for _ in 0..2_000 {
                let (x, y) = (s.sample_non_negative(&mut a), dist.sample_non_negative(&mut b));
                assert_eq!(x.to_bits(), y.to_bits(), "{dist:?}");
            }
            let d = DurationDistribution::new(dist.clone());
            if let Ok(d) = d {
                let s = d.sampler();
                for _ in 0..2_000 {
                    assert_eq!(s.sample_nanos(&mut a), d.sample(&mut b).as_nanos(), "{dist:?}");
                }
                // The loop's own copy of a uniform draws the same, and discards the same.
                if let Some(u) = s.uniform() {
                    for _ in 0..2_000 {
                        assert_eq!(u.sample_nanos(&s, &mut a), s.sample_nanos(&mut b), "{dist:?}");
                        u.discard(&s, &mut a);
                        AnyDuration.discard(&s, &mut b);
                        assert_eq!(a, b, "{dist:?}");
                    }
                }
                // Discarding moves the stream as a draw does, and the bound holds.
                for _ in 0..2_000 {
                    let ns = s.sample_nanos(&mut a);
                    s.discard(&mut b);
                    assert_eq!(a, b, "{dist:?}");
                    if let Some(max) = s.skippable_max_nanos() {
                        assert!(ns <= max, "{dist:?}: {ns} > {max}");
                    }
                }
            }
        }
    }
}
