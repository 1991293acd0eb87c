//! Closed-form moments: the mean and standard deviation of a [`Distribution`], and the mean of
//! its non-negative part (what a duration or a size draws).

use std::f64::consts::{FRAC_1_SQRT_2, FRAC_2_SQRT_PI};

use super::Distribution;

impl Distribution {
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
}

pub(super) fn finite(x: f64) -> Option<f64> {
    x.is_finite().then_some(x)
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
    use crate::dist::testing::{SEED, assert_close_to_mean, assert_rel, mean_of};
    use crate::rng::{StreamId, stream_rng};

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
}
