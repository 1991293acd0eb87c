//! Statistics of Monte Carlo results: a [`Summary`] (mean with a 95 % confidence interval,
//! spread, quantiles) and a [`Proportion`] (the probability of meeting an objective, with a
//! Wilson interval), and the exact, mergeable fixed-memory states they are computed from for
//! millions of trials: [`Accumulator`] (integer observations) and [`PairedAccumulator`]
//! (paired differences between two strategies).
//!
//! The module by job: this file (`Summary`, `Proportion`, formatting), `accumulator`
//! ([`Accumulator`], [`StateError`], the wide sum of squares both accumulators keep), `paired`
//! ([`PairedAccumulator`], [`PairedDifference`]).

mod accumulator;
mod paired;

pub(crate) use accumulator::state_err;
pub use accumulator::{Accumulator, StateError};
pub use paired::{PairedAccumulator, PairedDifference};

/// z for a two-sided 95 % interval.
pub const Z95: f64 = 1.959_963_984_540_054;

/// A span in seconds for people: `"1.25h"`, `"31.4m"`, `"2.50s"`, `"13.0ms"` (reports and
/// tables only; values keep full precision everywhere else).
pub fn format_secs(secs: f64) -> String {
    if secs >= 3600.0 {
        format!("{:.2}h", secs / 3600.0)
    } else if secs >= 60.0 {
        format!("{:.1}m", secs / 60.0)
    } else if secs >= 1.0 || secs == 0.0 {
        format!("{secs:.2}s")
    } else {
        format!("{:.1}ms", secs * 1e3)
    }
}

/// A summary of a sample of finite values.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Summary {
    /// Number of values.
    pub count: u64,
    /// Sample mean.
    pub mean: f64,
    /// Half-width of the 95 % confidence interval of the mean (normal approximation;
    /// 0 for fewer than two values).
    pub ci95: f64,
    /// Sample standard deviation (n − 1).
    pub std_dev: f64,
    /// Smallest value.
    pub min: f64,
    /// Median.
    pub p50: f64,
    /// 90th percentile.
    pub p90: f64,
    /// 95th percentile.
    pub p95: f64,
    /// 99th percentile.
    pub p99: f64,
    /// 99.9th percentile.
    pub p999: f64,
    /// Largest value.
    pub max: f64,
}

impl Summary {
    /// Summarises `values` (left as they are: a sorted copy is made). Non-finite values are
    /// left out: none should reach a report. `None` for an empty sample.
    pub fn of(values: &[f64]) -> Option<Summary> {
        let mut values: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
        if values.is_empty() {
            return None;
        }
        values.sort_by(f64::total_cmp);
        let n = values.len() as f64;
        let mean = values.iter().sum::<f64>() / n;
        let var =
            if values.len() > 1 { values.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0) } else { 0.0 };
        let std_dev = var.sqrt();
        // Nearest-rank quantiles: an observed value, never an interpolation.
        let q = |p: f64| values[((p * n).ceil() as usize).clamp(1, values.len()) - 1];
        Some(Summary {
            count: values.len() as u64,
            mean,
            ci95: if values.len() > 1 { Z95 * std_dev / n.sqrt() } else { 0.0 },
            std_dev,
            min: values[0],
            p50: q(0.5),
            p90: q(0.9),
            p95: q(0.95),
            p99: q(0.99),
            p999: q(0.999),
            max: values[values.len() - 1],
        })
    }
}

/// A proportion with its 95 % Wilson score interval.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize)]
pub struct Proportion {
    /// Successes.
    pub successes: u64,
    /// Trials.
    pub trials: u64,
    /// successes / trials (0 when there are no trials).
    pub estimate: f64,
    /// Lower end of the interval.
    pub low: f64,
    /// Upper end of the interval.
    pub high: f64,
}

impl Proportion {
    /// The Wilson score interval at 95 %: better than the normal interval near 0 and 1.
    pub fn wilson(successes: u64, trials: u64) -> Proportion {
        if trials == 0 {
            return Proportion { successes, trials, estimate: 0.0, low: 0.0, high: 1.0 };
        }
        let n = trials as f64;
        let p = successes as f64 / n;
        let z2 = Z95 * Z95;
        let centre = (p + z2 / (2.0 * n)) / (1.0 + z2 / n);
        let half = Z95 / (1.0 + z2 / n) * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt();
        // At 0 and n successes the interval touches 0 or 1 exactly; rounding would miss it.
        let low = if successes == 0 { 0.0 } else { (centre - half).max(0.0) };
        let high = if successes == trials { 1.0 } else { (centre + half).min(1.0) };
        Proportion { successes, trials, estimate: p, low, high }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// By hand: 1..=10 has mean 5.5, sd √(82.5/9) = 3.02765, median (nearest rank, 5th) 5,
    /// p90 the 9th value 9.
    #[test]
    fn summary_by_hand() {
        let v: Vec<f64> = (1..=10).rev().map(f64::from).chain([f64::NAN, f64::INFINITY]).collect();
        let s = Summary::of(&v).unwrap();
        assert_eq!(v[0], 10.0, "the caller's values are left as they were");
        assert_eq!(s.count, 10);
        assert_eq!(s.mean, 5.5);
        assert!((s.std_dev - 3.027_650_354).abs() < 1e-8);
        assert!((s.ci95 - Z95 * 3.027_650_354 / 10f64.sqrt()).abs() < 1e-8);
        assert_eq!((s.min, s.p50, s.p90, s.max), (1.0, 5.0, 9.0, 10.0));
        assert!(Summary::of(&[]).is_none());
    }

    #[test]
    fn format_secs_picks_the_unit() {
        assert_eq!(format_secs(4500.0), "1.25h");
        assert_eq!(format_secs(90.0), "1.5m");
        assert_eq!(format_secs(2.5), "2.50s");
        assert_eq!(format_secs(0.0), "0.00s");
        assert_eq!(format_secs(0.013), "13.0ms");
    }

    /// Wilson interval for 8 of 10, from the textbook formula: (0.4902, 0.9433).
    #[test]
    fn wilson_by_hand() {
        let p = Proportion::wilson(8, 10);
        assert!((p.low - 0.4902).abs() < 1e-4 && (p.high - 0.9433).abs() < 1e-4, "{p:?}");
        let all = Proportion::wilson(10, 10);
        // n successes of n: low = n / (n + z²) = 10 / 13.8415 = 0.72247.
        assert!(all.high == 1.0 && (all.low - 0.72247).abs() < 1e-5, "{all:?}");
    }
}
