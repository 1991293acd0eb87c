//! Drawing: one sample of a [`Distribution`], as a number, a duration or a non-negative
//! quantity.

use rand::RngExt;
use rand_distr::{Distribution as _, Exp1, StandardNormal};

use super::Distribution;
use crate::rng::SimRng;
use crate::time::SimDuration;

/// The most tries of the rejection loops of a truncated normal before giving up with 0. Each
/// try succeeds with probability at least 0.5 (mean > 0) or about 0.76 (mean <= 0, exponential
/// proposal), so 64 straight failures happen with probability below 2^-64: never, in practice,
/// but the loop stays bounded.
const TRUNCATED_NORMAL_MAX_TRIES: usize = 64;

impl Distribution {
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
}

#[inline]
pub(super) fn exp1(rng: &mut SimRng) -> f64 {
    Exp1.sample(rng)
}

#[inline]
pub(super) fn std_normal(rng: &mut SimRng) -> f64 {
    StandardNormal.sample(rng)
}

/// `sigma^2 = ln(1 + (std_dev / mean)^2)` of a lognormal given by its mean and deviation.
#[inline]
pub(super) fn lognormal_sigma2(mean: f64, std_dev: f64) -> f64 {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dist::testing::{N, SEED, assert_close_to_mean};
    use crate::rng::{StreamId, stream_rng};
    use proptest::prelude::*;

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
