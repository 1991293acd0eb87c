//! Probability distributions as data: parsed from scenario files, validated once, sampled fast.
//!
//! A [`Distribution`] is a plain enum of parameters (serde-able, comparable, printable) rather
//! than a boxed sampler, so a scenario can be written, read back, diffed and reported on. Every
//! way of building one validates it (the constructors, [`Distribution::validate`] and
//! deserialization), and [`DistError`] names the distribution, the parameter, the value and what
//! is allowed. Sampling draws from a [`SimRng`] without allocating.
//!
//! Durations are the common use: [`Distribution::sample_duration`] reads a sample as seconds
//! (a normal is truncated at zero, other negative values clamp to zero), and
//! [`DurationDistribution`] is the scenario-file form in which every time-valued parameter may
//! also be a human string, and a bare string means a fixed duration:
//!
//! ```toml
//! detection = "45s"
//! repair = { kind = "lognormal", median = "2h", sigma = 0.5 }
//! restore = { kind = "exponential", mean = 1800 }
//! ```
//!
//! ```
//! use drsim_engine::{Distribution, stream_rng, StreamId};
//! let repair = Distribution::lognormal(3600.0, 0.5)?;
//! let mut rng = stream_rng(42, 0, StreamId(1));
//! let secs = repair.sample(&mut rng);
//! assert!(secs > 0.0);
//! // The mean of a lognormal lies above its median: median * exp(sigma^2 / 2).
//! assert_eq!(repair.mean(), Some(3600.0 * (0.125f64).exp()));
//! assert!(repair.sample_duration(&mut rng).as_secs_f64() > 0.0);
//! # Ok::<(), drsim_engine::DistError>(())
//! ```

use std::f64::consts::{FRAC_1_SQRT_2, FRAC_2_SQRT_PI};
use std::fmt;

use rand::RngExt;
use rand_distr::{Distribution as _, Exp1, StandardNormal};
use serde::de::{self, Deserializer};
use serde::{Deserialize, Serialize, Serializer};

use super::rng::SimRng;
use super::time::SimDuration;

/// A probability distribution over real numbers, as data.
///
/// Build one with the constructors ([`Distribution::exponential`] and so on), which validate;
/// the variants can also be written directly, in which case call [`Distribution::validate`]
/// before sampling: sampling never panics, but an invalid distribution may return NaN.
///
/// In files it is a table with a `kind`: `{ kind = "weibull", shape = 1.5, scale = 3600 }`.
/// Unknown fields are rejected, and so are invalid parameters.
#[non_exhaustive]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", try_from = "Params<f64>")]
pub enum Distribution {
    /// Always `value`.
    Fixed {
        /// The value (any finite number).
        value: f64,
    },
    /// Uniform on `[low, high)`.
    Uniform {
        /// The lower bound (finite).
        low: f64,
        /// The upper bound (finite, `>= low`).
        high: f64,
    },
    /// Exponential with the given mean (rate `1 / mean`): memoryless times between events.
    Exponential {
        /// The mean (finite, `> 0`).
        mean: f64,
    },
    /// Normal (Gaussian). As a duration it is truncated at zero, see
    /// [`Distribution::sample_duration`].
    Normal {
        /// The mean (finite).
        mean: f64,
        /// The standard deviation (finite, `>= 0`).
        std_dev: f64,
    },
    /// Lognormal given by its median `exp(mu)` and the standard deviation `sigma` of its log:
    /// the usual shape of repair and recovery times.
    #[serde(rename = "lognormal")]
    LogNormal {
        /// The median, `exp(mu)` (finite, `> 0`).
        median: f64,
        /// The standard deviation of `ln X` (finite, `>= 0`).
        sigma: f64,
    },
    /// Lognormal given by its own mean and standard deviation, for when those are what is
    /// known: `sigma^2 = ln(1 + std_dev^2 / mean^2)`, `mu = ln(mean) - sigma^2 / 2`.
    #[serde(rename = "lognormal_mean_std")]
    LogNormalMeanStd {
        /// The mean of the distribution (finite, `> 0`).
        mean: f64,
        /// The standard deviation of the distribution (finite, `>= 0`).
        std_dev: f64,
    },
    /// Weibull: `scale * (-ln U)^(1 / shape)`. Shape below 1 gives a decreasing hazard (infant
    /// mortality), above 1 an increasing one (wear-out).
    Weibull {
        /// The shape `k` (finite, `> 0`).
        shape: f64,
        /// The scale `lambda` (finite, `> 0`).
        scale: f64,
    },
    /// Gamma with shape `k` and scale `theta` (mean `k * theta`).
    Gamma {
        /// The shape `k` (finite, `> 0`).
        shape: f64,
        /// The scale `theta` (finite, `> 0`).
        scale: f64,
    },
    /// Pareto (type I): heavy-tailed, `P(X > x) = (scale / x)^shape` for `x >= scale`. The mean
    /// is infinite for `shape <= 1` and the variance for `shape <= 2`.
    Pareto {
        /// The minimum value `x_min` (finite, `> 0`).
        scale: f64,
        /// The tail index `alpha` (finite, `> 0`).
        shape: f64,
    },
    /// Triangular on `[min, max]` with its peak at `mode`: the classic three-point estimate.
    Triangular {
        /// The lower bound (finite).
        min: f64,
        /// The most likely value (finite, `min <= mode <= max`).
        mode: f64,
        /// The upper bound (finite, `> min`).
        max: f64,
    },
    /// Resamples observed values uniformly (each sample equally likely).
    Empirical {
        /// The observations (at least one, all finite).
        samples: Vec<f64>,
    },
}

/// Why a distribution's parameters were refused.
#[derive(thiserror::Error, Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum DistError {
    /// A parameter is not finite or out of its range.
    #[error("{distribution}: {parameter} = {} is not allowed (must be {allowed})", num(*.value))]
    InvalidParameter {
        /// The distribution's kind, as in files (`"exponential"`).
        distribution: &'static str,
        /// The parameter's name, as in files (`"mean"`).
        parameter: &'static str,
        /// The refused value.
        value: f64,
        /// What the parameter must be (`"finite and > 0"`).
        allowed: String,
    },
    /// An empirical distribution with no samples.
    #[error("empirical: samples is empty (must hold at least one value)")]
    NoSamples,
    /// One sample of an empirical distribution was refused.
    #[error("empirical: samples[{index}] = {} is not allowed (must be {allowed})", num(*.value))]
    InvalidSample {
        /// The position of the sample.
        index: usize,
        /// The refused value.
        value: f64,
        /// What every sample must be.
        allowed: String,
    },
}

/// Formats a number for an error message: plain for ordinary magnitudes, scientific beyond,
/// since Rust's `Display` writes `1e300` with 300 digits.
fn num(v: f64) -> String {
    let a = v.abs();
    if v == 0.0 || !v.is_finite() || (1e-4..1e15).contains(&a) { format!("{v}") } else { format!("{v:e}") }
}

fn invalid(distribution: &'static str, parameter: &'static str, value: f64, allowed: String) -> DistError {
    DistError::InvalidParameter { distribution, parameter, value, allowed }
}

fn check_finite(distribution: &'static str, parameter: &'static str, value: f64) -> Result<(), DistError> {
    if value.is_finite() { Ok(()) } else { Err(invalid(distribution, parameter, value, "finite".into())) }
}

fn check_positive(distribution: &'static str, parameter: &'static str, value: f64) -> Result<(), DistError> {
    if value.is_finite() && value > 0.0 {
        Ok(())
    } else {
        Err(invalid(distribution, parameter, value, "finite and > 0".into()))
    }
}

fn check_non_negative(distribution: &'static str, parameter: &'static str, value: f64) -> Result<(), DistError> {
    if value.is_finite() && value >= 0.0 {
        Ok(())
    } else {
        Err(invalid(distribution, parameter, value, "finite and >= 0".into()))
    }
}

/// The most tries of the rejection loops of a truncated normal before giving up with 0. Each
/// try succeeds with probability at least 0.5 (mean > 0) or about 0.76 (mean <= 0, exponential
/// proposal), so 64 straight failures happen with probability below 2^-64: never, in practice,
/// but the loop stays bounded.
const TRUNCATED_NORMAL_MAX_TRIES: usize = 64;

impl Distribution {
    /// Always `value` (any finite number).
    pub fn fixed(value: f64) -> Result<Self, DistError> {
        Self::checked(Distribution::Fixed { value })
    }
    /// Uniform on `[low, high)`; `low <= high`, both finite.
    pub fn uniform(low: f64, high: f64) -> Result<Self, DistError> {
        Self::checked(Distribution::Uniform { low, high })
    }
    /// Exponential with the given `mean > 0`.
    pub fn exponential(mean: f64) -> Result<Self, DistError> {
        Self::checked(Distribution::Exponential { mean })
    }
    /// Normal with finite `mean` and `std_dev >= 0`.
    pub fn normal(mean: f64, std_dev: f64) -> Result<Self, DistError> {
        Self::checked(Distribution::Normal { mean, std_dev })
    }
    /// Lognormal with `median > 0` and log-standard-deviation `sigma >= 0`.
    pub fn lognormal(median: f64, sigma: f64) -> Result<Self, DistError> {
        Self::checked(Distribution::LogNormal { median, sigma })
    }
    /// Lognormal with its own `mean > 0` and `std_dev >= 0`.
    pub fn lognormal_mean_std(mean: f64, std_dev: f64) -> Result<Self, DistError> {
        Self::checked(Distribution::LogNormalMeanStd { mean, std_dev })
    }
    /// Weibull with `shape > 0` and `scale > 0`.
    pub fn weibull(shape: f64, scale: f64) -> Result<Self, DistError> {
        Self::checked(Distribution::Weibull { shape, scale })
    }
    /// Gamma with `shape > 0` and `scale > 0`.
    pub fn gamma(shape: f64, scale: f64) -> Result<Self, DistError> {
        Self::checked(Distribution::Gamma { shape, scale })
    }
    /// Pareto with minimum `scale > 0` and tail index `shape > 0`.
    pub fn pareto(scale: f64, shape: f64) -> Result<Self, DistError> {
        Self::checked(Distribution::Pareto { scale, shape })
    }
    /// Triangular with `min <= mode <= max` and `min < max`.
    pub fn triangular(min: f64, mode: f64, max: f64) -> Result<Self, DistError> {
        Self::checked(Distribution::Triangular { min, mode, max })
    }
    /// Resampling of `samples` (non-empty, all finite).
    pub fn empirical(samples: Vec<f64>) -> Result<Self, DistError> {
        Self::checked(Distribution::Empirical { samples })
    }

    fn checked(self) -> Result<Self, DistError> {
        self.validate()?;
        Ok(self)
    }

    /// The distribution's `kind` as written in files: `"exponential"`, `"lognormal"`...
    pub fn kind(&self) -> &'static str {
        match self {
            Distribution::Fixed { .. } => "fixed",
            Distribution::Uniform { .. } => "uniform",
            Distribution::Exponential { .. } => "exponential",
            Distribution::Normal { .. } => "normal",
            Distribution::LogNormal { .. } => "lognormal",
            Distribution::LogNormalMeanStd { .. } => "lognormal_mean_std",
            Distribution::Weibull { .. } => "weibull",
            Distribution::Gamma { .. } => "gamma",
            Distribution::Pareto { .. } => "pareto",
            Distribution::Triangular { .. } => "triangular",
            Distribution::Empirical { .. } => "empirical",
        }
    }

    /// Checks every parameter: all finite, and each within its range (see the variants).
    pub fn validate(&self) -> Result<(), DistError> {
        let kind = self.kind();
        match *self {
            Distribution::Fixed { value } => check_finite(kind, "value", value),
            Distribution::Uniform { low, high } => {
                check_finite(kind, "low", low)?;
                if high.is_finite() && high >= low {
                    Ok(())
                } else {
                    Err(invalid(kind, "high", high, format!("finite and >= low = {}", num(low))))
                }
            }
            Distribution::Exponential { mean } => check_positive(kind, "mean", mean),
            Distribution::Normal { mean, std_dev } => {
                check_finite(kind, "mean", mean)?;
                check_non_negative(kind, "std_dev", std_dev)
            }
            Distribution::LogNormal { median, sigma } => {
                check_positive(kind, "median", median)?;
                check_non_negative(kind, "sigma", sigma)
            }
            Distribution::LogNormalMeanStd { mean, std_dev } => {
                check_positive(kind, "mean", mean)?;
                check_non_negative(kind, "std_dev", std_dev)
            }
            Distribution::Weibull { shape, scale } | Distribution::Gamma { shape, scale } => {
                check_positive(kind, "shape", shape)?;
                check_positive(kind, "scale", scale)
            }
            Distribution::Pareto { scale, shape } => {
                check_positive(kind, "scale", scale)?;
                check_positive(kind, "shape", shape)
            }
            Distribution::Triangular { min, mode, max } => {
                check_finite(kind, "min", min)?;
                if !(max.is_finite() && max > min) {
                    return Err(invalid(kind, "max", max, format!("finite and > min = {}", num(min))));
                }
                if mode.is_finite() && min <= mode && mode <= max {
                    Ok(())
                } else {
                    Err(invalid(
                        kind,
                        "mode",
                        mode,
                        format!("finite and between min = {} and max = {}", num(min), num(max)),
                    ))
                }
            }
            Distribution::Empirical { ref samples } => {
                if samples.is_empty() {
                    return Err(DistError::NoSamples);
                }
                match samples.iter().position(|v| !v.is_finite()) {
                    Some(index) => {
                        Err(DistError::InvalidSample { index, value: samples[index], allowed: "finite".into() })
                    }
                    None => Ok(()),
                }
            }
        }
    }

    /// One sample.
    ///
    /// Never NaN for a validated distribution; it may be infinite where the parameters are so
    /// extreme that the sample overflows `f64`.
    #[inline]
    pub fn sample(&self, rng: &mut SimRng) -> f64 {
        match *self {
            Distribution::Fixed { value } => value,
            Distribution::Uniform { low, high } => {
                let u: f64 = rng.random();
                let span = high - low;
                // Bounds of opposite signs near f64::MAX overflow the span; the convex
                // combination cannot.
                if span.is_finite() { low + span * u } else { low * (1.0 - u) + high * u }
            }
            Distribution::Exponential { mean } => mean * exp1(rng),
            Distribution::Normal { mean, std_dev } => mean + std_dev * std_normal(rng),
            Distribution::LogNormal { median, sigma } => median * (sigma * std_normal(rng)).exp(),
            Distribution::LogNormalMeanStd { mean, std_dev } => {
                // mean * exp(sigma Z - sigma^2 / 2) rather than exp(mu + sigma Z): it needs no
                // logarithm of the mean, and a finite exponent times a positive mean is never NaN.
                let s2 = lognormal_sigma2(mean, std_dev);
                mean * (s2.sqrt() * std_normal(rng) - 0.5 * s2).exp()
            }
            // -ln U for U uniform on (0, 1] is a standard exponential; the ziggurat Exp1 draws
            // it without a logarithm.
            Distribution::Weibull { shape, scale } => scale * exp1(rng).powf(shape.recip()),
            Distribution::Gamma { shape, scale } => match rand_distr::Gamma::new(shape, scale) {
                // Building the sampler is a few flops and no allocation.
                Ok(gamma) => gamma.sample(rng),
                Err(_) => f64::NAN,
            },
            // scale * U^(-1/shape) = scale * exp((-ln U) / shape), with -ln U ~ Exp1 as above.
            Distribution::Pareto { scale, shape } => scale * (exp1(rng) / shape).exp(),
            Distribution::Triangular { min, mode, max } => {
                // Inverse CDF, on halved values so that the span of bounds near f64::MAX stays
                // finite (halving is exact).
                let (a, c, b) = (0.5 * min, 0.5 * mode, 0.5 * max);
                let span = b - a;
                let left = (c - a) / span; // F(mode)
                let u: f64 = rng.random();
                let x =
                    if u < left { a + span * (u * left).sqrt() } else { b - span * ((1.0 - u) * (1.0 - left)).sqrt() };
                2.0 * x.max(a).min(b)
            }
            Distribution::Empirical { ref samples } => {
                if samples.is_empty() {
                    f64::NAN
                } else {
                    samples[rng.random_range(0..samples.len())]
                }
            }
        }
    }

    /// One sample read as a number of seconds and rounded to the nearest nanosecond.
    ///
    /// A duration cannot be negative. A [`Distribution::Normal`] is *truncated* at zero: drawn
    /// from its conditional law given `X >= 0` (by rejection when the mean is positive, by an
    /// exponential-proposal rejection sampler in the tail when it is not, both bounded to 64
    /// tries, after which the result is 0 -- a case of probability below 2^-64). Every other
    /// distribution is *clamped*: a negative sample becomes zero. An infinite sample saturates
    /// at [`SimDuration::MAX`]. [`Distribution::duration_mean_secs`] is the mean of this.
    #[inline]
    pub fn sample_duration(&self, rng: &mut SimRng) -> SimDuration {
        SimDuration::from_secs_f64(self.sample_non_negative(rng))
    }

    /// A sample of a quantity that cannot be negative (a duration in seconds, a size in bytes):
    /// a normal is truncated at zero (resampled), every other distribution clamped at zero.
    /// Its mean is [`Distribution::non_negative_mean`].
    #[inline]
    pub fn sample_non_negative(&self, rng: &mut SimRng) -> f64 {
        match *self {
            Distribution::Normal { mean, std_dev } => sample_truncated_normal(rng, mean, std_dev),
            _ => self.sample(rng).max(0.0),
        }
    }

    /// The mean of [`Distribution::sample_non_negative`] (the same as
    /// [`Distribution::duration_mean_secs`], for quantities other than durations).
    pub fn non_negative_mean(&self) -> Option<f64> {
        self.duration_mean_secs()
    }

    /// The mean, in closed form; `None` where it is infinite (Pareto with `shape <= 1`) or too
    /// large for an `f64`.
    pub fn mean(&self) -> Option<f64> {
        let mean = match *self {
            Distribution::Fixed { value } => value,
            Distribution::Uniform { low, high } => 0.5 * low + 0.5 * high,
            Distribution::Exponential { mean } | Distribution::LogNormalMeanStd { mean, .. } => mean,
            Distribution::Normal { mean, .. } => mean,
            Distribution::LogNormal { median, sigma } => median * (0.5 * sigma * sigma).exp(),
            // scale * Gamma(1 + 1/k), in logs so that a tiny scale and a huge Gamma value
            // (small shapes) do not overflow on the way.
            Distribution::Weibull { shape, scale } => (scale.ln() + ln_gamma(1.0 + shape.recip())).exp(),
            Distribution::Gamma { shape, scale } => shape * scale,
            Distribution::Pareto { scale, shape } => {
                if shape <= 1.0 {
                    return None;
                }
                scale * shape / (shape - 1.0)
            }
            Distribution::Triangular { min, mode, max } => (min + mode + max) / 3.0,
            Distribution::Empirical { ref samples } => samples.iter().sum::<f64>() / samples.len() as f64,
        };
        finite(mean)
    }

    /// The standard deviation, in closed form; `None` where it is infinite (Pareto with
    /// `shape <= 2`) or too large for an `f64`. An empirical distribution's is that of its
    /// samples taken as the whole population (divided by `n`), since that is what resampling
    /// draws from.
    pub fn std_dev(&self) -> Option<f64> {
        let sd = match *self {
            Distribution::Fixed { .. } => 0.0,
            Distribution::Uniform { low, high } => (high - low) / 12f64.sqrt(),
            Distribution::Exponential { mean } => mean,
            Distribution::Normal { std_dev, .. } | Distribution::LogNormalMeanStd { std_dev, .. } => std_dev,
            Distribution::LogNormal { median, sigma } => {
                let s2 = sigma * sigma;
                median * (0.5 * s2).exp() * s2.exp_m1().sqrt()
            }
            Distribution::Weibull { shape, .. } => {
                // sd = mean * sqrt(Gamma(1 + 2/k) / Gamma(1 + 1/k)^2 - 1): the ratio in logs
                // cannot overflow, and exp_m1 keeps the small differences of large shapes.
                let g1 = ln_gamma(1.0 + shape.recip());
                let g2 = ln_gamma(1.0 + 2.0 * shape.recip());
                self.mean()? * (g2 - 2.0 * g1).exp_m1().max(0.0).sqrt()
            }
            Distribution::Gamma { shape, scale } => shape.sqrt() * scale,
            Distribution::Pareto { scale, shape } => {
                if shape <= 2.0 {
                    return None;
                }
                scale / (shape - 1.0) * (shape / (shape - 2.0)).sqrt()
            }
            Distribution::Triangular { min: a, mode: c, max: b } => {
                ((a * a + b * b + c * c - a * b - a * c - b * c) / 18.0).max(0.0).sqrt()
            }
            Distribution::Empirical { ref samples } => {
                let mean = self.mean()?;
                let ss: f64 = samples.iter().map(|x| (x - mean) * (x - mean)).sum();
                (ss / samples.len() as f64).sqrt()
            }
        };
        finite(sd)
    }

    /// The mean of what [`Distribution::sample_duration`] returns, in seconds (to within its
    /// rounding to whole nanoseconds); `None` where it is infinite or too large for an `f64`.
    ///
    /// For a normal this is the mean of the normal truncated at zero,
    /// `mean + std_dev * phi(a) / (1 - Phi(a))` with `a = -mean / std_dev` (relative error
    /// below about 1e-6); for every other distribution it is the exact mean of `max(X, 0)`.
    pub fn duration_mean_secs(&self) -> Option<f64> {
        let mean = match *self {
            Distribution::Fixed { value } => value.max(0.0),
            Distribution::Normal { mean, std_dev } => truncated_normal_mean(mean, std_dev),
            Distribution::Uniform { low, high } => {
                if low >= 0.0 {
                    return self.mean();
                } else if high <= 0.0 {
                    0.0
                } else {
                    // Only (0, high) contributes, with density 1 / (high - low).
                    high * high / (2.0 * (high - low))
                }
            }
            Distribution::Triangular { min, mode, max } => triangular_positive_part_mean(min, mode, max),
            Distribution::Empirical { ref samples } => {
                samples.iter().map(|x| x.max(0.0)).sum::<f64>() / samples.len() as f64
            }
            // The rest have non-negative support.
            _ => return self.mean(),
        };
        finite(mean)
    }

    /// Whether every sample is the same number: a fixed value, or a spread of zero (a uniform
    /// with `low == high`, a normal or lognormal with no deviation, an empirical distribution
    /// of equal samples). Callers can then skip the draw or treat the value as a constant.
    pub fn is_deterministic(&self) -> bool {
        match *self {
            Distribution::Fixed { .. } => true,
            Distribution::Uniform { low, high } => low == high,
            Distribution::Normal { std_dev, .. } | Distribution::LogNormalMeanStd { std_dev, .. } => std_dev == 0.0,
            Distribution::LogNormal { sigma, .. } => sigma == 0.0,
            Distribution::Triangular { min, max, .. } => min == max,
            Distribution::Empirical { ref samples } => samples.windows(2).all(|w| w[0] == w[1]),
            Distribution::Exponential { .. }
            | Distribution::Weibull { .. }
            | Distribution::Gamma { .. }
            | Distribution::Pareto { .. } => false,
        }
    }
}

/// A distribution of durations, in seconds, for scenario files.
///
/// Every time-valued parameter may be a number of seconds or a human duration string; shapes
/// and `sigma` stay plain numbers; a bare string (or a bare number of seconds) is a fixed
/// duration:
///
/// ```
/// use drsim_engine::dist::DurationDistribution;
/// #[derive(serde::Deserialize)]
/// struct Step {
///     duration: DurationDistribution,
///     timeout: DurationDistribution,
/// }
/// let step: Step = toml::from_str(
///     r#"
///     duration = { kind = "lognormal", median = "2m", sigma = 0.3 }
///     timeout = "10m"
///     "#,
/// )
/// .unwrap();
/// assert_eq!(step.timeout.mean_secs(), Some(600.0));
/// ```
///
/// Unlike a plain [`Distribution`], it refuses parameters that would put negative values in
/// its support (a fixed value, uniform `low`, triangular `min` or empirical sample below 0); a
/// normal is allowed whatever its mean, since it is truncated at zero. It serializes as the
/// bare duration string for a fixed value of whole nanoseconds, and otherwise as the plain
/// [`Distribution`] table in seconds.
#[derive(Clone, Debug, PartialEq)]
pub struct DurationDistribution(Distribution);

impl DurationDistribution {
    /// Validates `dist` as a distribution of durations in seconds.
    pub fn new(dist: Distribution) -> Result<Self, DistError> {
        dist.validate()?;
        let negative =
            |parameter, value| invalid(dist.kind(), parameter, value, "finite and >= 0 for a duration".into());
        match dist {
            Distribution::Fixed { value } if value < 0.0 => return Err(negative("value", value)),
            Distribution::Uniform { low, .. } if low < 0.0 => return Err(negative("low", low)),
            Distribution::Triangular { min, .. } if min < 0.0 => return Err(negative("min", min)),
            Distribution::Empirical { ref samples } => {
                if let Some(index) = samples.iter().position(|&v| v < 0.0) {
                    return Err(DistError::InvalidSample {
                        index,
                        value: samples[index],
                        allowed: "finite and >= 0 for a duration".into(),
                    });
                }
            }
            _ => {}
        }
        Ok(DurationDistribution(dist))
    }

    /// Always `duration`.
    pub fn fixed(duration: SimDuration) -> Self {
        DurationDistribution(Distribution::Fixed { value: duration_secs(duration) })
    }

    /// The distribution of the number of seconds.
    pub fn inner(&self) -> &Distribution {
        &self.0
    }

    /// One duration; see [`Distribution::sample_duration`].
    #[inline]
    pub fn sample(&self, rng: &mut SimRng) -> SimDuration {
        self.0.sample_duration(rng)
    }

    /// The mean duration in seconds; see [`Distribution::duration_mean_secs`].
    pub fn mean_secs(&self) -> Option<f64> {
        self.0.duration_mean_secs()
    }

    /// A draw from the *length-biased* law of these durations, in seconds: density
    /// `x f(x) / E[X]`. In a renewal process that has always run, the period covering a given
    /// instant is length-biased (long periods cover more instants: the inspection paradox).
    ///
    /// Closed forms where they exist (Cox, *Renewal Theory*, 1962, §5.2): fixed `v` → `v`;
    /// uniform `[a, b)` → `sqrt(a² + U (b² − a²))`; exponential(m) → gamma(2, m);
    /// lognormal(median m, σ) → lognormal(m e^{σ²}, σ); Weibull(k, λ) → `λ G^{1/k}` with
    /// `G ~ gamma(1 + 1/k, 1)`; gamma(k, θ) → gamma(k + 1, θ); Pareto(x_m, α) → Pareto(x_m, α − 1);
    /// empirical → each sample with probability proportional to its value. A normal (truncated
    /// at zero) and a triangular are drawn by rejection from their own law, accepting `x` with
    /// probability `x / M` (triangular: `M = max`; normal: `M = mean⁺ + 12 sd`, whose excluded
    /// tail has probability below 10⁻³²), bounded to 100 000 tries.
    ///
    /// `None` when the mean is zero or infinite: the law does not exist.
    pub fn sample_length_biased_secs(&self, rng: &mut SimRng) -> Option<f64> {
        let mean = self.mean_secs()?;
        if mean <= 0.0 {
            return None;
        }
        let x = match self.0 {
            Distribution::Fixed { value } => value,
            Distribution::Uniform { low, high } => {
                let u: f64 = rng.random();
                (low * low + u * (high * high - low * low)).sqrt()
            }
            Distribution::Exponential { mean } => mean * (exp1(rng) + exp1(rng)),
            Distribution::LogNormal { median, sigma } => median * (sigma * sigma + sigma * std_normal(rng)).exp(),
            Distribution::LogNormalMeanStd { mean, std_dev } => {
                let s2 = lognormal_sigma2(mean, std_dev);
                mean * (s2.sqrt() * std_normal(rng) + 0.5 * s2).exp()
            }
            Distribution::Weibull { shape, scale } => {
                let g = rand_distr::Gamma::new(1.0 + shape.recip(), 1.0).ok()?.sample(rng);
                scale * g.powf(shape.recip())
            }
            Distribution::Gamma { shape, scale } => rand_distr::Gamma::new(shape + 1.0, scale).ok()?.sample(rng),
            Distribution::Pareto { scale, shape } => scale * (exp1(rng) / (shape - 1.0)).exp(),
            Distribution::Empirical { ref samples } => {
                let total: f64 = samples.iter().map(|x| x.max(0.0)).sum();
                let mut target = rng.random::<f64>() * total;
                let mut pick = samples.last().copied().unwrap_or(0.0);
                for &x in samples {
                    if target < x.max(0.0) {
                        pick = x;
                        break;
                    }
                    target -= x.max(0.0);
                }
                pick
            }
            Distribution::Triangular { max, .. } => rejection(rng, max, |r| self.0.sample_non_negative(r))?,
            Distribution::Normal { mean, std_dev } => {
                rejection(rng, mean.max(0.0) + 12.0 * std_dev, |r| self.0.sample_non_negative(r))?
            }
        };
        finite(x.max(0.0))
    }

    /// The time from an arbitrary instant to the end of the period covering it, in a renewal
    /// process of these durations that has always run (the *equilibrium residual*, density
    /// `P(X > x) / E[X]`): a uniform point within a length-biased period. For an exponential
    /// this is a fresh draw (memorylessness), and it is drawn so. `None` when the mean is zero
    /// or infinite.
    pub fn sample_residual(&self, rng: &mut SimRng) -> Option<SimDuration> {
        if let Distribution::Exponential { .. } = self.0 {
            return Some(self.sample(rng));
        }
        let period = self.sample_length_biased_secs(rng)?;
        let u: f64 = rng.random();
        Some(SimDuration::from_secs_f64(u * period))
    }
}

impl From<SimDuration> for DurationDistribution {
    fn from(duration: SimDuration) -> Self {
        DurationDistribution::fixed(duration)
    }
}

impl Serialize for DurationDistribution {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if let Distribution::Fixed { value } = self.0 {
            let duration = SimDuration::from_secs_f64(value);
            // Only when the string reads back as the very same number of seconds.
            if duration_secs(duration) == value {
                return s.collect_str(&duration);
            }
        }
        self.0.serialize(s)
    }
}

impl<'de> Deserialize<'de> for DurationDistribution {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl<'de> de::Visitor<'de> for Visitor {
            type Value = DurationDistribution;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(
                    "a duration such as \"30s\", a number of seconds, or a table with a kind such as \
                     { kind = \"exponential\", mean = \"30s\" }",
                )
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                let secs = parse_secs(v).map_err(E::custom)?;
                DurationDistribution::new(Distribution::Fixed { value: secs }).map_err(E::custom)
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
                DurationDistribution::new(Distribution::Fixed { value: v }).map_err(E::custom)
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
                self.visit_f64(v as f64)
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
                self.visit_f64(v as f64)
            }
            fn visit_map<A: de::MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                let params = Params::<Secs>::deserialize(de::value::MapAccessDeserializer::new(map))?;
                let dist = Distribution::try_from(params).map_err(de::Error::custom)?;
                DurationDistribution::new(dist).map_err(de::Error::custom)
            }
        }
        d.deserialize_any(Visitor)
    }
}

/// The file form of a distribution, before validation; `T` is the type of its time-valued (or
/// location) parameters: `f64` for [`Distribution`], [`Secs`] for [`DurationDistribution`].
#[derive(Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
enum Params<T> {
    Fixed {
        value: T,
    },
    Uniform {
        low: T,
        high: T,
    },
    Exponential {
        mean: T,
    },
    Normal {
        mean: T,
        std_dev: T,
    },
    #[serde(rename = "lognormal", alias = "log_normal")]
    LogNormal {
        median: T,
        sigma: f64,
    },
    #[serde(rename = "lognormal_mean_std", alias = "log_normal_mean_std")]
    LogNormalMeanStd {
        mean: T,
        std_dev: T,
    },
    Weibull {
        shape: f64,
        scale: T,
    },
    Gamma {
        shape: f64,
        scale: T,
    },
    Pareto {
        scale: T,
        shape: f64,
    },
    Triangular {
        min: T,
        mode: T,
        max: T,
    },
    Empirical {
        samples: Vec<T>,
    },
}

impl<T: Into<f64>> TryFrom<Params<T>> for Distribution {
    type Error = DistError;

    fn try_from(params: Params<T>) -> Result<Self, DistError> {
        let dist = match params {
            Params::Fixed { value } => Distribution::Fixed { value: value.into() },
            Params::Uniform { low, high } => Distribution::Uniform { low: low.into(), high: high.into() },
            Params::Exponential { mean } => Distribution::Exponential { mean: mean.into() },
            Params::Normal { mean, std_dev } => Distribution::Normal { mean: mean.into(), std_dev: std_dev.into() },
            Params::LogNormal { median, sigma } => Distribution::LogNormal { median: median.into(), sigma },
            Params::LogNormalMeanStd { mean, std_dev } => {
                Distribution::LogNormalMeanStd { mean: mean.into(), std_dev: std_dev.into() }
            }
            Params::Weibull { shape, scale } => Distribution::Weibull { shape, scale: scale.into() },
            Params::Gamma { shape, scale } => Distribution::Gamma { shape, scale: scale.into() },
            Params::Pareto { scale, shape } => Distribution::Pareto { scale: scale.into(), shape },
            Params::Triangular { min, mode, max } => {
                Distribution::Triangular { min: min.into(), mode: mode.into(), max: max.into() }
            }
            Params::Empirical { samples } => {
                Distribution::Empirical { samples: samples.into_iter().map(Into::into).collect() }
            }
        };
        dist.checked()
    }
}

/// A time-valued parameter in a file: a number of seconds, or a duration string.
struct Secs(f64);

impl From<Secs> for f64 {
    fn from(secs: Secs) -> f64 {
        secs.0
    }
}

impl<'de> Deserialize<'de> for Secs {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl de::Visitor<'_> for Visitor {
            type Value = Secs;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a number of seconds or a duration string such as \"30s\"")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Secs, E> {
                parse_secs(v).map(Secs).map_err(E::custom)
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Secs, E> {
                Ok(Secs(v))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Secs, E> {
                Ok(Secs(v as f64))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Secs, E> {
                Ok(Secs(v as f64))
            }
        }
        d.deserialize_any(Visitor)
    }
}

fn parse_secs(text: &str) -> Result<f64, super::time::ParseDurationError> {
    text.parse::<SimDuration>().map(duration_secs)
}

/// Seconds of a duration, by division so that whole numbers of seconds come out exact
/// (`x * 1e-9` would not: 1e-9 is not representable).
fn duration_secs(d: SimDuration) -> f64 {
    d.as_nanos() as f64 / 1e9
}

/// Length-biased draw by rejection: `x` from `draw`, accepted with probability `x / cap`.
fn rejection(rng: &mut SimRng, cap: f64, draw: impl Fn(&mut SimRng) -> f64) -> Option<f64> {
    if !(cap > 0.0 && cap.is_finite()) {
        return None;
    }
    for _ in 0..100_000 {
        let x = draw(rng);
        if rng.random::<f64>() * cap < x {
            return Some(x);
        }
    }
    None
}

fn finite(x: f64) -> Option<f64> {
    x.is_finite().then_some(x)
}

#[inline]
fn exp1(rng: &mut SimRng) -> f64 {
    Exp1.sample(rng)
}

#[inline]
fn std_normal(rng: &mut SimRng) -> f64 {
    StandardNormal.sample(rng)
}

/// `sigma^2 = ln(1 + (std_dev / mean)^2)` of a lognormal given by its mean and deviation.
#[inline]
fn lognormal_sigma2(mean: f64, std_dev: f64) -> f64 {
    let cv = std_dev / mean;
    if cv < 1e150 {
        (cv * cv).ln_1p()
    } else {
        // cv^2 would overflow (or cv itself did, for a subnormal mean); ln(1 + cv^2) = 2 ln cv
        // to far below f64 precision here.
        2.0 * (std_dev.ln() - mean.ln())
    }
}

/// A normal truncated to `[0, inf)`: `mean + std_dev * Z` given that it is `>= 0`.
fn sample_truncated_normal(rng: &mut SimRng, mean: f64, std_dev: f64) -> f64 {
    if std_dev.is_nan() || std_dev <= 0.0 {
        return mean; // the caller clamps a negative mean to 0
    }
    if mean > 0.0 {
        // At least half of all draws are accepted.
        for _ in 0..TRUNCATED_NORMAL_MAX_TRIES {
            let x = mean + std_dev * std_normal(rng);
            if x >= 0.0 {
                return x;
            }
        }
        return 0.0;
    }
    // The zero point is at or beyond the mean: plain rejection would almost never accept far
    // in the tail, so use Robert's (1995) sampler for a standard normal above `a`: propose
    // z = a + E / lambda with E ~ Exp1, accept with probability exp(-(z - lambda)^2 / 2), for
    // the optimal rate lambda = (a + sqrt(a^2 + 4)) / 2. Since lambda - a = 1 / lambda, the
    // sample z - a is E / lambda and z - lambda = (E - 1) / lambda, with no cancellation even
    // for large a. The acceptance rate is about 0.76 at a = 0 and grows with a.
    let a = -mean / std_dev;
    let lambda = 0.5 * (a + a.hypot(2.0));
    for _ in 0..TRUNCATED_NORMAL_MAX_TRIES {
        let e = exp1(rng);
        let d = (e - 1.0) / lambda;
        // U <= exp(-d^2 / 2)  <=>  -ln U >= d^2 / 2, with -ln U ~ Exp1.
        if exp1(rng) >= 0.5 * d * d {
            return std_dev * (e / lambda);
        }
    }
    0.0
}

/// The mean of a normal truncated to `[0, inf)`.
fn truncated_normal_mean(mean: f64, std_dev: f64) -> f64 {
    if std_dev.is_nan() || std_dev <= 0.0 {
        return mean.max(0.0);
    }
    // E[X | X >= 0] = mean + sd * h(a), with a = -mean / sd and h = phi / (1 - Phi) the
    // normal hazard; equivalently sd * (h(a) - a).
    let a = -mean / std_dev;
    if a <= 0.0 {
        // 1 - Phi(a) >= 1/2 and both terms are positive: no cancellation.
        let phi = FRAC_1_SQRT_2PI * (-0.5 * a * a).exp();
        mean + std_dev * phi / (0.5 * erfc(a * FRAC_1_SQRT_2))
    } else if a < 2.0 {
        // h(a) = sqrt(2/pi) / erfcx(a / sqrt 2); h(a) - a loses at most a factor 6.4 of the
        // erfc approximation's 1.2e-7 relative accuracy on this interval.
        let h = FRAC_2_SQRT_PI * FRAC_1_SQRT_2 / erfcx_non_negative(a * FRAC_1_SQRT_2);
        std_dev * (h - a)
    } else {
        // h(a) - a computed directly from Laplace's continued fraction
        // h(a) - a = 1 / (a + 2 / (a + 3 / (a + ...))), which avoids subtracting two nearly
        // equal numbers; 100 terms give full f64 precision for a >= 2.
        let mut tail = 0.0;
        for k in (2..=100).rev() {
            tail = f64::from(k) / (a + tail);
        }
        std_dev / (a + tail)
    }
}

/// `1 / sqrt(2 pi)`.
const FRAC_1_SQRT_2PI: f64 = 0.5 * FRAC_2_SQRT_PI * FRAC_1_SQRT_2;

/// The Chebyshev fit of Numerical Recipes (`erfcc`, 2nd ed. section 6.2): for `z >= 0`,
/// `erfc(z) = t * exp(-z^2 + poly(t))` with `t = 1 / (1 + z / 2)`, with relative error below
/// 1.2e-7 everywhere. Returns `(t, poly(t))`.
fn erfc_parts(z: f64) -> (f64, f64) {
    let t = 1.0 / (1.0 + 0.5 * z);
    let poly = -1.265_512_23
        + t * (1.000_023_68
            + t * (0.374_091_96
                + t * (0.096_784_18
                    + t * (-0.186_288_06
                        + t * (0.278_868_07
                            + t * (-1.135_203_98 + t * (1.488_515_87 + t * (-0.822_152_23 + t * 0.170_872_77))))))));
    (t, poly)
}

/// The complementary error function, with relative error below 1.2e-7.
fn erfc(x: f64) -> f64 {
    let (t, poly) = erfc_parts(x.abs());
    let e = t * (poly - x * x).exp();
    if x >= 0.0 { e } else { 2.0 - e }
}

/// The scaled complementary error function `exp(x^2) erfc(x)` for `x >= 0`, which does not
/// underflow where `erfc` does.
fn erfcx_non_negative(x: f64) -> f64 {
    let (t, poly) = erfc_parts(x);
    t * poly.exp()
}

/// `ln Gamma(x)` for `x >= 1/2`, by the Lanczos approximation with g = 7 and 9 terms (the
/// coefficients of Godfrey, as in CPython and Boost); relative error of `Gamma` about 1e-15.
fn ln_gamma(x: f64) -> f64 {
    const G: f64 = 7.0;
    const P: [f64; 9] = [
        0.999_999_999_999_809_9,
        676.520_368_121_885_1,
        -1_259.139_216_722_402_8,
        771.323_428_777_653_1,
        -176.615_029_162_140_6,
        12.507_343_278_686_905,
        -0.138_571_095_265_720_12,
        9.984_369_578_019_572e-6,
        1.505_632_735_149_311_6e-7,
    ];
    const HALF_LN_2PI: f64 = 0.918_938_533_204_672_7;
    let x = x - 1.0;
    let mut sum = P[0];
    for (i, p) in P.iter().enumerate().skip(1) {
        sum += p / (x + i as f64);
    }
    let t = x + G + 0.5;
    HALF_LN_2PI + (x + 0.5) * t.ln() - t + sum.ln()
}

/// `E[max(X, 0)]` for X triangular on `[a, b]` with mode `c`.
fn triangular_positive_part_mean(a: f64, c: f64, b: f64) -> f64 {
    if a >= 0.0 {
        return (a + b + c) / 3.0;
    }
    if b <= 0.0 {
        return 0.0;
    }
    // Integrating x f(x) over [0, b], with f rising as 2(x - a) / ((b - a)(c - a)) on [a, c]
    // and falling as 2(b - x) / ((b - a)(b - c)) on [c, b], and the polynomials factored so
    // that nothing cancels.
    let span = b - a;
    if c <= 0.0 {
        b * b * b / (3.0 * span * (b - c))
    } else {
        c * c * (2.0 * c - 3.0 * a) / (3.0 * span * (c - a)) + (b - c) * (b + 2.0 * c) / (3.0 * span)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::{StreamId, stream_rng};
    use proptest::prelude::*;

    /// The length-biased law has mean E[X²]/E[X], and the equilibrium residual E[X²]/(2 E[X])
    /// (Cox 1962, §5.2), for every kind: 200,000 draws each, 4 standard errors (estimated from
    /// the draws). E[X²] = sd² + mean² from the closed forms of `mean` and `std_dev`; the
    /// normal is far from zero so that its truncation does not matter.
    #[test]
    fn length_biased_and_residual_means_match_the_second_moment() {
        let kinds = [
            Distribution::uniform(10.0, 50.0).unwrap(),
            Distribution::exponential(30.0).unwrap(),
            Distribution::lognormal(20.0, 0.6).unwrap(),
            Distribution::lognormal_mean_std(20.0, 10.0).unwrap(),
            Distribution::weibull(1.7, 40.0).unwrap(),
            Distribution::weibull(0.7, 40.0).unwrap(),
            Distribution::gamma(2.5, 8.0).unwrap(),
            Distribution::pareto(10.0, 3.5).unwrap(),
            Distribution::triangular(5.0, 10.0, 40.0).unwrap(),
            Distribution::normal(100.0, 15.0).unwrap(),
            Distribution::empirical(vec![1.0, 2.0, 10.0, 50.0]).unwrap(),
        ];
        let n = 200_000;
        for (k, dist) in kinds.iter().enumerate() {
            let d = DurationDistribution::new(dist.clone()).unwrap();
            let (m, sd) = (dist.mean().unwrap(), dist.std_dev().unwrap());
            let lb_mean = (sd * sd + m * m) / m;
            let mut rng = stream_rng(7, k as u64, StreamId(1));
            let lb: Vec<f64> = (0..n).map(|_| d.sample_length_biased_secs(&mut rng).unwrap()).collect();
            let res: Vec<f64> = (0..n).map(|_| d.sample_residual(&mut rng).unwrap().as_secs_f64()).collect();
            for (what, xs, expected) in [("length-biased", &lb, lb_mean), ("residual", &res, lb_mean / 2.0)] {
                let mean = xs.iter().sum::<f64>() / n as f64;
                let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n as f64 - 1.0);
                let se = (var / n as f64).sqrt();
                assert!((mean - expected).abs() <= 4.0 * se, "{dist:?} {what}: {mean} vs {expected} ± 4 × {se}");
            }
        }
        // Fixed: the period itself; its residual is uniform on [0, v).
        let f = DurationDistribution::fixed(SimDuration::from_secs(10));
        let mut rng = stream_rng(7, 99, StreamId(1));
        assert_eq!(f.sample_length_biased_secs(&mut rng), Some(10.0));
        assert!(f.sample_residual(&mut rng).unwrap() < SimDuration::from_secs(10));
        // No law without a finite positive mean.
        let heavy = DurationDistribution::new(Distribution::pareto(1.0, 0.9).unwrap()).unwrap();
        assert_eq!(heavy.sample_residual(&mut rng), None);
    }

    const N: usize = 200_000;
    const SEED: u64 = 0x00D1_5A57_E125;

    fn mean_of(stream: u64, mut draw: impl FnMut(&mut SimRng) -> f64) -> f64 {
        let mut rng = stream_rng(SEED, 0, StreamId(stream));
        (0..N).map(|_| draw(&mut rng)).sum::<f64>() / N as f64
    }

    /// The sample mean is within 4 standard errors (sd / sqrt(n), with the closed-form sd) of
    /// the closed-form mean: a correct sampler fails that about once in 16,000 seeds.
    fn assert_close_to_mean(label: &str, sample_mean: f64, mean: f64, sd: f64) {
        let tolerance = 4.0 * sd / (N as f64).sqrt() + 1e-12 * mean.abs();
        assert!(
            (sample_mean - mean).abs() <= tolerance,
            "{label}: sample mean {sample_mean} vs {mean} (tolerance {tolerance})"
        );
    }

    fn assert_rel(label: &str, got: f64, want: f64, rel: f64) {
        assert!((got - want).abs() <= rel * want.abs(), "{label}: {got} vs {want}");
    }

    #[test]
    fn sample_means_match_the_textbook_means() {
        // (distribution, textbook mean, textbook standard deviation), every value worked out
        // here from the usual formulas rather than taken from `mean()`.
        let cases = [
            (Distribution::fixed(7.5).unwrap(), 7.5, 0.0),
            // (low + high) / 2 and (high - low) / sqrt(12).
            (Distribution::uniform(2.0, 10.0).unwrap(), 6.0, 8.0 / 12f64.sqrt()),
            (Distribution::exponential(5.0).unwrap(), 5.0, 5.0),
            (Distribution::normal(3.0, 2.0).unwrap(), 3.0, 2.0),
            // median * exp(s^2 / 2) and that times sqrt(exp(s^2) - 1), s = 0.5.
            (
                Distribution::lognormal(10.0, 0.5).unwrap(),
                10.0 * 0.125f64.exp(),
                10.0 * 0.125f64.exp() * (0.25f64.exp() - 1.0).sqrt(),
            ),
            (Distribution::lognormal_mean_std(100.0, 50.0).unwrap(), 100.0, 50.0),
            // Weibull k = 2, scale 10: mean = 10 Gamma(3/2) = 10 sqrt(pi) / 2 = 8.86226925452758
            // (Gamma(3/2) = Gamma(1/2) / 2 = sqrt(pi) / 2); sd = 10 sqrt(Gamma(2) - Gamma(3/2)^2)
            // = 10 sqrt(1 - pi/4) = 4.632513751761042.
            (Distribution::weibull(2.0, 10.0).unwrap(), 8.862_269_254_527_58, 4.632_513_751_761_042),
            // Weibull k = 1/2, scale 3: mean = 3 Gamma(3) = 3 * 2! = 6; sd = 3 sqrt(Gamma(5) -
            // Gamma(3)^2) = 3 sqrt(4! - 2!^2) = 3 sqrt(20) = 13.416407864998739.
            (Distribution::weibull(0.5, 3.0).unwrap(), 6.0, 13.416_407_864_998_739),
            // Gamma: k theta and sqrt(k) theta, on both of rand_distr's branches (k >= 1, k < 1).
            (Distribution::gamma(2.5, 4.0).unwrap(), 10.0, 2.5f64.sqrt() * 4.0),
            (Distribution::gamma(0.5, 2.0).unwrap(), 1.0, 0.5f64.sqrt() * 2.0),
            // Pareto x_m = 1, alpha = 5: alpha x_m / (alpha - 1) = 1.25; variance
            // x_m^2 alpha / ((alpha - 1)^2 (alpha - 2)) = 5 / 48.
            (Distribution::pareto(1.0, 5.0).unwrap(), 1.25, (5.0f64 / 48.0).sqrt()),
            // Triangular (1, 2, 6): (a + b + c) / 3 = 3; variance (a^2 + b^2 + c^2 - ab - ac - bc)
            // / 18 = (1 + 4 + 36 - 2 - 6 - 12) / 18 = 21 / 18.
            (Distribution::triangular(1.0, 2.0, 6.0).unwrap(), 3.0, (21.0f64 / 18.0).sqrt()),
            // A mode at a bound exercises one branch of the inverse CDF only: (0 + 0 + 3) / 3 = 1,
            // variance (9) / 18.
            (Distribution::triangular(0.0, 0.0, 3.0).unwrap(), 1.0, 0.5f64.sqrt()),
            // Empirical [1, 2, 2, 7]: mean 3, population variance (4 + 1 + 1 + 16) / 4 = 5.5.
            (Distribution::empirical(vec![1.0, 2.0, 2.0, 7.0]).unwrap(), 3.0, 5.5f64.sqrt()),
        ];
        for (i, (dist, mean, sd)) in cases.iter().enumerate() {
            let label = format!("{dist:?}");
            let sample_mean = mean_of(100 + i as u64, |rng| dist.sample(rng));
            assert_close_to_mean(&label, sample_mean, *mean, *sd);
            assert_rel(&format!("{label} mean()"), dist.mean().unwrap(), *mean, 1e-12);
            assert_rel(&format!("{label} std_dev()"), dist.std_dev().unwrap(), *sd, 1e-12);
            // All but the normal are non-negative, so their durations have the same mean.
            if !matches!(dist, Distribution::Normal { .. }) {
                assert_rel(&format!("{label} duration_mean_secs()"), dist.duration_mean_secs().unwrap(), *mean, 1e-12);
            }
        }
    }

    #[test]
    fn lognormal_parameters_are_those_of_the_log() {
        // ln X is normal(mu, sigma): its sample mean within 4 standard errors sigma / sqrt(n),
        // and its sample sd within 4 standard errors sigma / sqrt(2n) (that of a normal's
        // sample sd).
        let cv2: f64 = 0.25; // (50 / 100)^2
        let s2 = cv2.ln_1p();
        let cases = [
            (Distribution::lognormal(10.0, 0.5).unwrap(), 10f64.ln(), 0.5),
            (Distribution::lognormal_mean_std(100.0, 50.0).unwrap(), 100f64.ln() - s2 / 2.0, s2.sqrt()),
        ];
        for (i, (dist, mu, sigma)) in cases.iter().enumerate() {
            let mut rng = stream_rng(SEED, 0, StreamId(200 + i as u64));
            let logs: Vec<f64> = (0..N).map(|_| dist.sample(&mut rng).ln()).collect();
            let m = logs.iter().sum::<f64>() / N as f64;
            let sd = (logs.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / (N - 1) as f64).sqrt();
            assert_close_to_mean(&format!("{dist:?} ln mean"), m, *mu, *sigma);
            let tolerance = 4.0 * sigma / (2.0 * N as f64).sqrt();
            assert!((sd - sigma).abs() <= tolerance, "{dist:?}: ln sd {sd} vs {sigma}");
        }
    }

    #[test]
    fn heavy_and_special_means() {
        assert_eq!(Distribution::pareto(1.0, 1.0).unwrap().mean(), None);
        assert_eq!(Distribution::pareto(1.0, 0.5).unwrap().mean(), None);
        assert_eq!(Distribution::pareto(1.0, 2.0).unwrap().mean(), Some(2.0));
        assert_eq!(Distribution::pareto(1.0, 2.0).unwrap().std_dev(), None);
        // Weibull shape 1 is the exponential: mean = scale, sd = scale.
        let w = Distribution::weibull(1.0, 3.0).unwrap();
        assert_rel("weibull(1) mean", w.mean().unwrap(), 3.0, 1e-13);
        assert_rel("weibull(1) sd", w.std_dev().unwrap(), 3.0, 1e-12);
        // Gamma(n) = (n - 1)! through Weibull shape 1/n: mean = scale * n!.
        let w = Distribution::weibull(0.25, 1.0).unwrap();
        assert_rel("weibull(1/4) mean", w.mean().unwrap(), 24.0, 1e-13);
        // An overflowing mean is reported as unknown rather than infinite.
        assert_eq!(Distribution::lognormal(1.0, 40.0).unwrap().mean(), None);
    }

    #[test]
    fn ln_gamma_matches_known_values() {
        // Gamma(1) = Gamma(2) = 1, Gamma(5) = 4! = 24, Gamma(1/2) = sqrt(pi),
        // Gamma(11) = 10! = 3628800.
        let pi = std::f64::consts::PI;
        for (x, gamma) in [(1.0, 1.0), (2.0, 1.0), (5.0, 24.0), (0.5, pi.sqrt()), (11.0, 3_628_800.0)] {
            assert_rel(&format!("Gamma({x})"), ln_gamma(x).exp(), gamma, 1e-13);
        }
    }

    #[test]
    fn erfc_matches_known_values() {
        for (x, want) in [
            (0.0, 1.0),
            (0.5, 0.479_500_122_2),
            (1.0, 0.157_299_207_1),
            (2.0, 0.004_677_734_981),
            (-1.0, 2.0 - 0.157_299_207_1),
            // erfc(5) = 1.5374597944280351e-12: the relative accuracy holds far in the tail.
            (5.0, 1.537_459_794_428_035_1e-12),
        ] {
            assert_rel(&format!("erfc({x})"), erfc(x), want, 1.2e-7);
        }
        // erfcx(3) = exp(9) erfc(3) = 8103.08392757538 * 2.2090496998585438e-05.
        assert_rel("erfcx(3)", erfcx_non_negative(3.0), 0.179_001_151_181_389_93, 1.2e-7);
    }

    #[test]
    fn truncated_normal_durations_have_the_closed_form_mean() {
        // (mean, sd, E[X | X >= 0], its sd). With h = phi(a) / (1 - Phi(a)), a = -mean / sd:
        // E = mean + sd h and Var = sd^2 (1 + a h - h^2).
        // mean 1, sd 1: a = -1, h = phi(1) / Phi(1) = 0.24197072451914337 / 0.8413447460685429
        // = 0.2875999709391784, E = 1.2875999709391784, Var = 1 - h - h^2 = 0.6296862857766055.
        // mean -2, sd 1: a = 2, h = 0.05399096651318806 / 0.022750131948179195 = 2.37321553282284,
        // E = h - 2 = 0.37321553282284, Var = 1 + 2h - h^2 = 0.11427910041408307.
        let cases = [
            (1.0, 1.0, 1.287_599_970_939_178_4, 0.629_686_285_776_605_5f64.sqrt()),
            (-2.0, 1.0, 0.373_215_532_822_84, 0.114_279_100_414_083_07f64.sqrt()),
        ];
        for (i, &(mean, sd, want, want_sd)) in cases.iter().enumerate() {
            let dist = Distribution::normal(mean, sd).unwrap();
            assert_rel(&format!("normal({mean}, {sd})"), dist.duration_mean_secs().unwrap(), want, 1e-6);
            let sample_mean = mean_of(300 + i as u64, |rng| dist.sample_duration(rng).as_secs_f64());
            assert_close_to_mean(&format!("normal({mean}, {sd}) durations"), sample_mean, want, want_sd);
        }
        // Each branch of the closed form: h(1) - 1 = 0.5251352761609811 (erfc), h(10) - 10 =
        // 0.09809323396242320 (continued fraction), and the far tail, where E ~ sd^2 / |mean|.
        let tm = |mean, sd| Distribution::normal(mean, sd).unwrap().duration_mean_secs().unwrap();
        assert_rel("a = 1", tm(-1.0, 1.0), 0.525_135_276_160_981_1, 1e-6);
        assert_rel("a = 10", tm(-20.0, 2.0), 2.0 * 0.098_093_233_962_423_2, 1e-12);
        assert_rel("a = 1e6", tm(-1e6, 1.0), 1e-6, 1e-11);
        assert_eq!(tm(-1.0, 0.0), 0.0);
        assert_eq!(tm(4.0, 0.0), 4.0);
        // Far in the tail the samples still follow it (the sampler does not give up).
        let far = Distribution::normal(-30.0, 1.0).unwrap();
        let mut rng = stream_rng(SEED, 0, StreamId(310));
        let n = 20_000;
        let m = (0..n).map(|_| far.sample_duration(&mut rng).as_secs_f64()).sum::<f64>() / n as f64;
        // E = h(30) - 30, whose asymptotic series 1/a - 2/a^3 + 10/a^5 - 74/a^7 errs by about
        // 706/a^9 = 4e-11 here; the sd is about 1/a (nearly exponential).
        let want = far.duration_mean_secs().unwrap();
        let a: f64 = 30.0;
        assert_rel("a = 30 closed form", want, 1.0 / a - 2.0 / a.powi(3) + 10.0 / a.powi(5) - 74.0 / a.powi(7), 1e-8);
        assert!((m - want).abs() <= 4.0 / 30.0 / (n as f64).sqrt(), "a = 30: {m} vs {want}");
    }

    #[test]
    fn clamped_durations_have_the_mean_of_the_positive_part() {
        // E[max(X, 0)]: uniform(-2, 6): integral of x / 8 over (0, 6) = 36 / 16 = 2.25;
        // triangular(-2, 1, 4): 31 / 27 = 1.1481481481481481 (numerical integration agrees to
        // 1e-13); triangular(-3, -1, 2): 2^3 / (3 * 5 * 3) = 8 / 45; empirical [-1, 3]: 1.5.
        // max(., 0) is 1-Lipschitz, so the sd of X bounds that of max(X, 0): the tolerance
        // uses it.
        let cases = [
            (Distribution::uniform(-2.0, 6.0).unwrap(), 2.25),
            (Distribution::triangular(-2.0, 1.0, 4.0).unwrap(), 31.0 / 27.0),
            (Distribution::triangular(-3.0, -1.0, 2.0).unwrap(), 8.0 / 45.0),
            (Distribution::empirical(vec![-1.0, 3.0]).unwrap(), 1.5),
            (Distribution::uniform(-5.0, -1.0).unwrap(), 0.0),
            (Distribution::fixed(-3.0).unwrap(), 0.0),
        ];
        for (i, (dist, want)) in cases.iter().enumerate() {
            assert_rel(&format!("{dist:?}"), dist.duration_mean_secs().unwrap(), *want, 1e-12);
            let sample_mean = mean_of(400 + i as u64, |rng| dist.sample_duration(rng).as_secs_f64());
            assert_close_to_mean(&format!("{dist:?} durations"), sample_mean, *want, dist.std_dev().unwrap());
        }
    }

    #[test]
    fn deterministic_cases() {
        assert!(Distribution::fixed(3.0).unwrap().is_deterministic());
        assert!(Distribution::uniform(2.0, 2.0).unwrap().is_deterministic());
        assert!(Distribution::normal(2.0, 0.0).unwrap().is_deterministic());
        assert!(Distribution::lognormal(2.0, 0.0).unwrap().is_deterministic());
        assert!(Distribution::lognormal_mean_std(2.0, 0.0).unwrap().is_deterministic());
        assert!(Distribution::empirical(vec![4.0, 4.0]).unwrap().is_deterministic());
        assert!(!Distribution::empirical(vec![4.0, 5.0]).unwrap().is_deterministic());
        assert!(!Distribution::exponential(1.0).unwrap().is_deterministic());
        assert!(!Distribution::triangular(0.0, 1.0, 2.0).unwrap().is_deterministic());
        let mut rng = stream_rng(SEED, 0, StreamId(500));
        let d = Distribution::lognormal_mean_std(2.0, 0.0).unwrap();
        assert_eq!(d.sample(&mut rng), 2.0);
        assert_eq!(Distribution::fixed(1.5).unwrap().sample_duration(&mut rng), SimDuration::from_millis(1500));
    }

    #[test]
    fn every_invalid_parameter_is_named_with_its_value() {
        let nan = f64::NAN;
        let inf = f64::INFINITY;
        let cases: Vec<(Result<Distribution, DistError>, &str)> = vec![
            (Distribution::fixed(nan), "fixed: value = NaN is not allowed (must be finite)"),
            (Distribution::fixed(-inf), "fixed: value = -inf is not allowed (must be finite)"),
            (Distribution::uniform(nan, 1.0), "uniform: low = NaN is not allowed (must be finite)"),
            (Distribution::uniform(2.0, 1.0), "uniform: high = 1 is not allowed (must be finite and >= low = 2)"),
            (Distribution::uniform(0.0, inf), "uniform: high = inf is not allowed (must be finite and >= low = 0)"),
            (Distribution::exponential(-3.0), "exponential: mean = -3 is not allowed (must be finite and > 0)"),
            (Distribution::exponential(0.0), "exponential: mean = 0 is not allowed (must be finite and > 0)"),
            (Distribution::exponential(nan), "exponential: mean = NaN is not allowed (must be finite and > 0)"),
            (Distribution::exponential(inf), "exponential: mean = inf is not allowed (must be finite and > 0)"),
            (Distribution::exponential(-1e300), "exponential: mean = -1e300 is not allowed (must be finite and > 0)"),
            (Distribution::normal(nan, 1.0), "normal: mean = NaN is not allowed (must be finite)"),
            (Distribution::normal(0.0, -1.0), "normal: std_dev = -1 is not allowed (must be finite and >= 0)"),
            (Distribution::normal(0.0, inf), "normal: std_dev = inf is not allowed (must be finite and >= 0)"),
            (Distribution::lognormal(0.0, 1.0), "lognormal: median = 0 is not allowed (must be finite and > 0)"),
            (Distribution::lognormal(1.0, -0.5), "lognormal: sigma = -0.5 is not allowed (must be finite and >= 0)"),
            (Distribution::lognormal(1.0, nan), "lognormal: sigma = NaN is not allowed (must be finite and >= 0)"),
            (
                Distribution::lognormal_mean_std(-1.0, 1.0),
                "lognormal_mean_std: mean = -1 is not allowed (must be finite and > 0)",
            ),
            (
                Distribution::lognormal_mean_std(1.0, -2.0),
                "lognormal_mean_std: std_dev = -2 is not allowed (must be finite and >= 0)",
            ),
            (
                Distribution::lognormal_mean_std(1.0, inf),
                "lognormal_mean_std: std_dev = inf is not allowed (must be finite and >= 0)",
            ),
            (Distribution::weibull(0.0, 1.0), "weibull: shape = 0 is not allowed (must be finite and > 0)"),
            (Distribution::weibull(1.0, -1.0), "weibull: scale = -1 is not allowed (must be finite and > 0)"),
            (Distribution::weibull(inf, 1.0), "weibull: shape = inf is not allowed (must be finite and > 0)"),
            (Distribution::gamma(-1.0, 1.0), "gamma: shape = -1 is not allowed (must be finite and > 0)"),
            (Distribution::gamma(1.0, nan), "gamma: scale = NaN is not allowed (must be finite and > 0)"),
            (Distribution::pareto(0.0, 1.0), "pareto: scale = 0 is not allowed (must be finite and > 0)"),
            (Distribution::pareto(1.0, nan), "pareto: shape = NaN is not allowed (must be finite and > 0)"),
            (Distribution::pareto(1.0, -inf), "pareto: shape = -inf is not allowed (must be finite and > 0)"),
            (Distribution::triangular(nan, 0.0, 1.0), "triangular: min = NaN is not allowed (must be finite)"),
            (
                Distribution::triangular(1.0, 1.0, 1.0),
                "triangular: max = 1 is not allowed (must be finite and > min = 1)",
            ),
            (
                Distribution::triangular(0.0, 0.5, inf),
                "triangular: max = inf is not allowed (must be finite and > min = 0)",
            ),
            (
                Distribution::triangular(1.0, 0.0, 2.0),
                "triangular: mode = 0 is not allowed (must be finite and between min = 1 and max = 2)",
            ),
            (
                Distribution::triangular(1.0, 2.5, 2.0),
                "triangular: mode = 2.5 is not allowed (must be finite and between min = 1 and max = 2)",
            ),
            (
                Distribution::triangular(1.0, nan, 2.0),
                "triangular: mode = NaN is not allowed (must be finite and between min = 1 and max = 2)",
            ),
            (Distribution::empirical(vec![]), "empirical: samples is empty (must hold at least one value)"),
            (Distribution::empirical(vec![1.0, nan]), "empirical: samples[1] = NaN is not allowed (must be finite)"),
            (Distribution::empirical(vec![inf]), "empirical: samples[0] = inf is not allowed (must be finite)"),
        ];
        for (result, message) in cases {
            let err = result.expect_err(message);
            assert_eq!(err.to_string(), message);
        }
        // The error carries the parts, for callers that want them.
        assert_eq!(
            Distribution::exponential(-3.0).unwrap_err(),
            DistError::InvalidParameter {
                distribution: "exponential",
                parameter: "mean",
                value: -3.0,
                allowed: "finite and > 0".into()
            }
        );
        // Variants written directly are checked by validate().
        assert!(Distribution::Gamma { shape: 0.0, scale: 1.0 }.validate().is_err());
        assert!(Distribution::Gamma { shape: 2.0, scale: 1.0 }.validate().is_ok());
    }

    #[test]
    fn invalid_variants_written_directly_do_not_panic() {
        let mut rng = stream_rng(SEED, 0, StreamId(600));
        for dist in [
            Distribution::Gamma { shape: -1.0, scale: 1.0 },
            Distribution::Empirical { samples: vec![] },
            Distribution::Triangular { min: 2.0, mode: 0.0, max: 1.0 },
            Distribution::Normal { mean: f64::NAN, std_dev: f64::NAN },
            Distribution::Uniform { low: 1.0, high: -1.0 },
        ] {
            let _ = dist.sample(&mut rng);
            let _ = dist.sample_duration(&mut rng);
            let _ = (dist.mean(), dist.std_dev(), dist.duration_mean_secs(), dist.is_deterministic());
        }
    }

    fn every_kind() -> Vec<Distribution> {
        vec![
            Distribution::fixed(-2.5).unwrap(),
            Distribution::uniform(0.1, 0.7).unwrap(),
            Distribution::exponential(30.0).unwrap(),
            Distribution::normal(-1.0, 0.3).unwrap(),
            Distribution::lognormal(3600.0, 0.5).unwrap(),
            Distribution::lognormal_mean_std(100.0, 42.0).unwrap(),
            Distribution::weibull(1.5, 86_400.0).unwrap(),
            Distribution::gamma(2.0, 0.1).unwrap(),
            Distribution::pareto(1.0, 2.5).unwrap(),
            Distribution::triangular(1.0, 2.0, 3.5).unwrap(),
            Distribution::empirical(vec![1.0, 2.5, 1e-3]).unwrap(),
        ]
    }

    #[test]
    fn toml_round_trips_every_kind() {
        for dist in every_kind() {
            let text = toml::to_string(&dist).unwrap();
            assert!(text.contains(&format!("kind = \"{}\"", dist.kind())), "{text}");
            let back: Distribution = toml::from_str(&text).unwrap_or_else(|e| panic!("{text}: {e}"));
            assert_eq!(back, dist, "{text}");
            let json = serde_json::to_string(&dist).unwrap();
            assert_eq!(serde_json::from_str::<Distribution>(&json).unwrap(), dist, "{json}");
        }
    }

    #[derive(Debug, Serialize, Deserialize, PartialEq)]
    struct Cfg {
        d: Distribution,
    }

    #[test]
    fn toml_reads_the_documented_forms_and_refuses_the_rest() {
        let cfg: Cfg = toml::from_str(r#"d = { kind = "lognormal", median = 3600, sigma = 0.5 }"#).unwrap();
        assert_eq!(cfg.d, Distribution::lognormal(3600.0, 0.5).unwrap());
        let cfg: Cfg = toml::from_str(r#"d = { kind = "log_normal_mean_std", mean = 5, std_dev = 1 }"#).unwrap();
        assert_eq!(cfg.d, Distribution::lognormal_mean_std(5.0, 1.0).unwrap());

        let err = toml::from_str::<Cfg>(r#"d = { kind = "exponential", mean = -1 }"#).unwrap_err().to_string();
        assert!(err.contains("exponential: mean = -1 is not allowed (must be finite and > 0)"), "{err}");
        let err =
            toml::from_str::<Cfg>(r#"d = { kind = "exponential", mean = 1, std_dev = 2 }"#).unwrap_err().to_string();
        assert!(err.contains("unknown field `std_dev`"), "{err}");
        let err = toml::from_str::<Cfg>(r#"d = { kind = "exponential" }"#).unwrap_err().to_string();
        assert!(err.contains("missing field `mean`"), "{err}");
        let err = toml::from_str::<Cfg>(r#"d = { kind = "cauchy", scale = 1 }"#).unwrap_err().to_string();
        assert!(err.contains("unknown variant `cauchy`"), "{err}");
        let err = toml::from_str::<Cfg>(r#"d = { kind = "exponential", mean = "30s" }"#).unwrap_err().to_string();
        assert!(err.contains("invalid type"), "{err}");
        let err = toml::from_str::<Cfg>(r#"d = { kind = "triangular", min = 3, mode = 2, max = 4 }"#)
            .unwrap_err()
            .to_string();
        assert!(err.contains("triangular: mode = 2 is not allowed"), "{err}");
    }

    #[derive(Debug, Serialize, Deserialize, PartialEq)]
    struct Step {
        d: DurationDistribution,
    }

    fn step(text: &str) -> Result<DurationDistribution, String> {
        toml::from_str::<Step>(text).map(|s| s.d).map_err(|e| e.to_string())
    }

    #[test]
    fn duration_distributions_take_strings_and_numbers() {
        let inner = |text: &str| step(text).unwrap_or_else(|e| panic!("{text}: {e}")).inner().clone();
        assert_eq!(inner(r#"d = { kind = "exponential", mean = "30s" }"#), Distribution::exponential(30.0).unwrap());
        assert_eq!(inner(r#"d = { kind = "exponential", mean = 30 }"#), Distribution::exponential(30.0).unwrap());
        assert_eq!(
            inner(r#"d = { kind = "lognormal", median = "2m", sigma = 0.3 }"#),
            Distribution::lognormal(120.0, 0.3).unwrap()
        );
        assert_eq!(
            inner(r#"d = { kind = "uniform", low = "1m", high = 90.5 }"#),
            Distribution::uniform(60.0, 90.5).unwrap()
        );
        assert_eq!(
            inner(r#"d = { kind = "weibull", shape = 2, scale = "1h30m" }"#),
            Distribution::weibull(2.0, 5400.0).unwrap()
        );
        assert_eq!(
            inner(r#"d = { kind = "empirical", samples = ["1s", 2, "250ms"] }"#),
            Distribution::empirical(vec![1.0, 2.0, 0.25]).unwrap()
        );
        // A normal may have a negative mean: it is truncated.
        assert_eq!(
            inner(r#"d = { kind = "normal", mean = -5, std_dev = "10s" }"#),
            Distribution::normal(-5.0, 10.0).unwrap()
        );
        // The shorthands.
        assert_eq!(inner(r#"d = "45s""#), Distribution::fixed(45.0).unwrap());
        assert_eq!(inner(r#"d = "1h30m""#), Distribution::fixed(5400.0).unwrap());
        assert_eq!(inner("d = 45"), Distribution::fixed(45.0).unwrap());
        assert_eq!(inner("d = 0.5"), Distribution::fixed(0.5).unwrap());

        for (text, wanted) in [
            (
                r#"d = { kind = "fixed", value = -1 }"#,
                "fixed: value = -1 is not allowed (must be finite and >= 0 for a duration)",
            ),
            ("d = -1", "fixed: value = -1 is not allowed (must be finite and >= 0 for a duration)"),
            (r#"d = { kind = "exponential", mean = "0s" }"#, "exponential: mean = 0 is not allowed"),
            (r#"d = "3 years""#, "invalid duration"),
            (r#"d = "30""#, "invalid duration"),
            (r#"d = { kind = "exponential", mean = "30" }"#, "invalid duration"),
            (r#"d = { kind = "lognormal", median = "2m", sigma = "1s" }"#, "invalid type"),
            (r#"d = { kind = "exponential", mean = "30s", median = 1 }"#, "unknown field `median`"),
            (r#"d = true"#, "a duration such as"),
        ] {
            let err = step(text).expect_err(text);
            assert!(err.contains(wanted), "{text}: {err}");
        }
    }

    #[test]
    fn duration_distributions_refuse_negative_support() {
        let bad = [
            (Distribution::fixed(-1.0).unwrap(), "fixed: value = -1"),
            (Distribution::uniform(-1.0, 2.0).unwrap(), "uniform: low = -1"),
            (Distribution::triangular(-1.0, 0.0, 2.0).unwrap(), "triangular: min = -1"),
            (Distribution::empirical(vec![1.0, -2.0]).unwrap(), "empirical: samples[1] = -2"),
        ];
        for (dist, wanted) in bad {
            let err = DurationDistribution::new(dist).unwrap_err().to_string();
            assert!(err.starts_with(wanted) && err.ends_with("(must be finite and >= 0 for a duration)"), "{err}");
        }
        assert!(DurationDistribution::new(Distribution::normal(-1.0, 1.0).unwrap()).is_ok());
        assert!(DurationDistribution::new(Distribution::Exponential { mean: -1.0 }).is_err());

        let fixed = DurationDistribution::fixed(SimDuration::from_secs(90));
        assert_eq!(fixed, SimDuration::from_secs(90).into());
        assert_eq!(fixed.mean_secs(), Some(90.0));
        let mut rng = stream_rng(SEED, 0, StreamId(700));
        assert_eq!(fixed.sample(&mut rng), SimDuration::from_secs(90));
        let exp = DurationDistribution::new(Distribution::exponential(2.0).unwrap()).unwrap();
        assert_eq!(exp.mean_secs(), Some(2.0));
        assert!(exp.sample(&mut rng) > SimDuration::ZERO);
    }

    #[test]
    fn duration_distributions_round_trip() {
        let fixed = Step { d: DurationDistribution::fixed(SimDuration::from_secs(45)) };
        let text = toml::to_string(&fixed).unwrap();
        assert_eq!(text.trim(), r#"d = "45s""#);
        assert_eq!(toml::from_str::<Step>(&text).unwrap(), fixed);
        // A fixed value that is not a whole number of nanoseconds keeps the exact table form.
        let tiny = Step { d: DurationDistribution::new(Distribution::fixed(1e-10).unwrap()).unwrap() };
        let text = toml::to_string(&tiny).unwrap();
        assert!(text.contains("kind = \"fixed\""), "{text}");
        assert_eq!(toml::from_str::<Step>(&text).unwrap(), tiny);
        for dist in every_kind() {
            let Ok(d) = DurationDistribution::new(dist) else { continue };
            let step = Step { d };
            let text = toml::to_string(&step).unwrap();
            assert_eq!(toml::from_str::<Step>(&text).unwrap(), step, "{text}");
            let json = serde_json::to_string(&step).unwrap();
            assert_eq!(serde_json::from_str::<Step>(&json).unwrap(), step, "{json}");
        }
    }

    /// Location parameters: ordinary, and anywhere in the f64 range.
    fn location() -> impl Strategy<Value = f64> {
        prop_oneof![-1e6..1e6f64, -1e300..1e300f64]
    }

    /// Scales from 1e-300 to 1e300.
    fn scale() -> impl Strategy<Value = f64> {
        (-300.0..300.0f64).prop_map(|e| 10f64.powf(e))
    }

    /// Shapes from 1e-3 to 1e3.
    fn shape() -> impl Strategy<Value = f64> {
        (-3.0..3.0f64).prop_map(|e| 10f64.powf(e))
    }

    fn deviation() -> impl Strategy<Value = f64> {
        prop_oneof![Just(0.0), scale()]
    }

    fn any_distribution() -> impl Strategy<Value = Distribution> {
        prop_oneof![
            location().prop_map(|v| Distribution::fixed(v).unwrap()),
            (location(), location()).prop_map(|(a, b)| Distribution::uniform(a.min(b), a.max(b)).unwrap()),
            scale().prop_map(|m| Distribution::exponential(m).unwrap()),
            (location(), deviation()).prop_map(|(m, s)| Distribution::normal(m, s).unwrap()),
            (scale(), 0.0..30.0f64).prop_map(|(m, s)| Distribution::lognormal(m, s).unwrap()),
            (scale(), deviation()).prop_map(|(m, s)| Distribution::lognormal_mean_std(m, s).unwrap()),
            (shape(), scale()).prop_map(|(k, s)| Distribution::weibull(k, s).unwrap()),
            (shape(), scale()).prop_map(|(k, s)| Distribution::gamma(k, s).unwrap()),
            (scale(), shape()).prop_map(|(s, k)| Distribution::pareto(s, k).unwrap()),
            (location(), location(), location()).prop_filter("min < max", |(a, _, c)| a != c).prop_map(|(a, b, c)| {
                let mut v = [a, b, c];
                v.sort_by(f64::total_cmp);
                Distribution::triangular(v[0], v[1], v[2]).unwrap()
            }),
            prop::collection::vec(location(), 1..8).prop_map(|s| Distribution::empirical(s).unwrap()),
        ]
    }

    proptest! {
        #[test]
        fn valid_distributions_never_sample_nan(dist in any_distribution(), seed in any::<u64>()) {
            let mut rng = stream_rng(seed, 0, StreamId(800));
            for _ in 0..16 {
                let x = dist.sample(&mut rng);
                prop_assert!(!x.is_nan(), "{:?} sampled NaN", dist);
                let _ = dist.sample_duration(&mut rng);
            }
            for value in [dist.mean(), dist.std_dev(), dist.duration_mean_secs()].into_iter().flatten() {
                prop_assert!(value.is_finite());
            }
            if let Some(m) = dist.duration_mean_secs() {
                prop_assert!(m >= 0.0, "{:?}: duration mean {}", dist, m);
            }
        }
    }
}
