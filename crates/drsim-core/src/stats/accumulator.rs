//! [`Accumulator`]: an exact, mergeable summary of integer observations, its serialized state
//! and the checks of a state read back ([`StateError`]).

use hdrhistogram::Histogram;
use serde::{Deserialize, Serialize};

use super::{Summary, Z95};

/// Largest value a histogram records; larger values are clamped (about 146 years in ns).
const HIST_MAX: u64 = u64::MAX / 4;

/// An exact, mergeable summary of non-negative integer observations (nanoseconds, bytes,
/// counts): count, sum, sum of squares, min, max and a histogram for quantiles.
///
/// It serializes to its exact state (the histogram as (value, count) pairs), so shards
/// written to disk merge exactly.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(into = "AccumulatorState", try_from = "AccumulatorState")]
pub struct Accumulator {
    // `pub(crate)` for the tests of edited states in `montecarlo::summary`.
    pub(crate) count: u64,
    pub(crate) sum: u128,
    // The sum of squares can pass 2^128 (10^6 values of 10^18 ns²·10^18); two words hold it.
    pub(crate) sq_hi: u128,
    pub(crate) sq_lo: u128,
    pub(crate) min: u64,
    pub(crate) max: u64,
    hist: Histogram<u64>,
}

impl Default for Accumulator {
    fn default() -> Self {
        Accumulator {
            count: 0,
            sum: 0,
            sq_hi: 0,
            sq_lo: 0,
            min: u64::MAX,
            max: 0,
            // Three significant digits: quantiles within 0.1 % of the true order statistic.
            hist: Histogram::new(3).expect("3 significant digits is a valid precision"),
        }
    }
}

/// The serialized form of an [`Accumulator`].
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct AccumulatorState {
    count: u64,
    sum: u128,
    sum_sq_hi: u128,
    sum_sq_lo: u128,
    min: u64,
    max: u64,
    /// (histogram bucket value, count) pairs.
    histogram: Vec<(u64, u64)>,
}

impl From<Accumulator> for AccumulatorState {
    fn from(a: Accumulator) -> Self {
        AccumulatorState {
            count: a.count,
            sum: a.sum,
            sum_sq_hi: a.sq_hi,
            sum_sq_lo: a.sq_lo,
            min: a.min,
            max: a.max,
            histogram: a.hist.iter_recorded().map(|v| (v.value_iterated_to(), v.count_at_value())).collect(),
        }
    }
}

impl TryFrom<AccumulatorState> for Accumulator {
    type Error = String;
    fn try_from(s: AccumulatorState) -> Result<Self, String> {
        let mut a = Accumulator {
            count: s.count,
            sum: s.sum,
            sq_hi: s.sum_sq_hi,
            sq_lo: s.sum_sq_lo,
            min: s.min,
            max: s.max,
            ..Accumulator::default()
        };
        let mut n = 0u64;
        for (v, c) in s.histogram {
            a.hist.record_n(v.min(HIST_MAX), c).map_err(|e| format!("histogram value {v}: {e}"))?;
            n += c;
        }
        if n != s.count {
            return Err(format!("histogram holds {n} values but count = {}", s.count));
        }
        Ok(a)
    }
}

impl PartialEq for Accumulator {
    fn eq(&self, o: &Self) -> bool {
        (self.count, self.sum, self.sq_hi, self.sq_lo, self.min, self.max)
            == (o.count, o.sum, o.sq_hi, o.sq_lo, o.min, o.max)
            && self.hist == o.hist
    }
}

impl Accumulator {
    /// Records one value.
    pub fn record(&mut self, v: u64) {
        self.count += 1;
        self.sum += u128::from(v);
        add_square(&mut self.sq_hi, &mut self.sq_lo, u128::from(v) * u128::from(v));
        self.min = self.min.min(v);
        self.max = self.max.max(v);
        // Cannot fail: auto-resizing histogram, value clamped to its range.
        let _ = self.hist.record(v.min(HIST_MAX));
    }

    /// Adds another accumulator's observations (exact, order-free).
    pub fn merge(&mut self, other: &Accumulator) {
        self.count += other.count;
        self.sum += other.sum;
        add_square(&mut self.sq_hi, &mut self.sq_lo, other.sq_lo);
        self.sq_hi += other.sq_hi;
        self.min = self.min.min(other.min);
        self.max = self.max.max(other.max);
        let _ = self.hist.add(&other.hist);
    }

    /// Number of values.
    pub fn count(&self) -> u64 {
        self.count
    }

    /// The exact sum of the values.
    pub fn sum(&self) -> u128 {
        self.sum
    }

    /// The value at quantile `p` over `total` observations of which these are the recorded
    /// ones, the other `total − count` censored (counting as +∞, docs/model.md "Censoring"):
    /// with `n` recorded, the quantile `p` over all is the quantile `p·total / n` of these when
    /// `p·total ≤ n`; `None` when it falls among the censored (or nothing was recorded).
    pub fn quantile_censored(&self, p: f64, total: u64) -> Option<u64> {
        let n = self.count;
        if n == 0 || total == 0 {
            return None;
        }
        let rank = p.clamp(0.0, 1.0) * total as f64;
        if rank > n as f64 {
            return None;
        }
        self.quantile(rank / n as f64)
    }

    /// The recorded values as `(value, count)` pairs in increasing order: the empirical
    /// distribution at the histogram's resolution, for resampling with fixed memory
    /// (`cost::simulate_years`). Each value is the middle of its bucket (within 0.05 % of every
    /// value in it; values below 2,048 are exact), kept within [min, max]; the counts sum to
    /// [`count`](Self::count). At most a few tens of thousands of pairs, however many values.
    pub fn distribution(&self) -> impl Iterator<Item = (u64, u64)> + '_ {
        self.hist.iter_recorded().map(|v| {
            (self.hist.median_equivalent(v.value_iterated_to()).min(self.max).max(self.min), v.count_at_value())
        })
    }

    /// The value at quantile `p` in [0, 1] (to 3 significant digits, within [min, max]).
    pub fn quantile(&self, p: f64) -> Option<u64> {
        (self.count > 0).then(|| self.hist.value_at_quantile(p.clamp(0.0, 1.0)).min(self.max).max(self.min))
    }

    /// The sample variance (divisor n − 1; 0 below two values), from the exact integer sums:
    /// `(n Σx² − (Σx)²) / (n (n − 1))`, the numerator in exact big-integer arithmetic (no
    /// cancellation: values of 10¹⁷ ns spread over 1 s keep their spread), only the final
    /// division rounded to a double.
    pub fn exact_variance(&self) -> f64 {
        use num_bigint::BigUint;
        use num_traits::ToPrimitive;
        if self.count < 2 {
            return 0.0;
        }
        let sum_sq = (BigUint::from(self.sq_hi) << 128u32) + BigUint::from(self.sq_lo);
        let n = BigUint::from(self.count);
        let sum = BigUint::from(self.sum);
        let lhs = &n * sum_sq;
        let rhs = &sum * &sum;
        // n Σx² ≥ (Σx)² (Cauchy–Schwarz) for a consistent state; an edited one is clamped.
        let numerator = if lhs > rhs { lhs - rhs } else { BigUint::ZERO };
        let denominator = &n * (n.clone() - 1u32);
        // Divide in integers first, keeping 64 extra bits of fraction, so that neither side
        // needs to fit a double.
        let scaled = (numerator << 64u32) / denominator;
        scaled.to_f64().unwrap_or(f64::MAX) / 2f64.powi(64)
    }

    /// The values at several quantiles, given in increasing order, in one pass over the
    /// histogram (each as [`quantile`](Self::quantile) gives it). `None` when empty.
    pub fn quantiles<const N: usize>(&self, ps: [f64; N]) -> Option<[u64; N]> {
        if self.count == 0 || ps.windows(2).any(|w| w[0] > w[1]) {
            return None;
        }
        let mut out = [0; N];
        for (o, v) in out.iter_mut().zip(self.hist.value_at_quantiles(ps.map(|p| p.clamp(0.0, 1.0)))) {
            *o = v.min(self.max).max(self.min);
        }
        Some(out)
    }

    /// The summary of nanosecond values, in seconds.
    pub fn summary_secs(&self) -> Option<Summary> {
        self.summary(1e-9)
    }

    /// The summary, with every value multiplied by `scale` (1e-9 to report seconds).
    /// `None` when empty.
    pub fn summary(&self, scale: f64) -> Option<Summary> {
        if self.count == 0 {
            return None;
        }
        let n = self.count as f64;
        let mean = self.sum as f64 / n;
        let var = self.exact_variance();
        let sd = var.sqrt();
        // A scale of 10^-k divides by 10^k (exact), rather than multiplying by the inexact
        // 10^-k: 60 s of nanoseconds reads 60, not 60.00000000000001.
        let divisor = if scale > 0.0 && scale < 1.0 { (1.0 / scale).round() } else { 0.0 };
        let scaled = |x: f64| {
            if divisor > 0.0 && (divisor * scale - 1.0).abs() < 1e-12 { x / divisor } else { x * scale }
        };
        let q = |p: f64| {
            let v = self.hist.value_at_quantile(p);
            // The histogram reports a bucket's highest equivalent value; never beyond the max.
            scaled(v.min(self.max).max(self.min) as f64)
        };
        Some(Summary {
            count: self.count,
            mean: scaled(mean),
            ci95: if self.count > 1 { scaled(Z95 * sd / n.sqrt()) } else { 0.0 },
            std_dev: scaled(sd),
            min: scaled(self.min as f64),
            p50: q(0.5),
            p90: q(0.9),
            p95: q(0.95),
            p99: q(0.99),
            p999: q(0.999),
            max: scaled(self.max as f64),
        })
    }
}

// Checks of deserialized state (issue 14, item 8). `drsim merge` and `--resume` read these
// summaries from files a user may have edited: every invariant that recording maintains is
// checked before the state is used, and merges are checked for overflow.

/// A summary state that recording could not have produced, or a merge that would overflow.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct StateError {
    /// The field, as a path in the serialized state (e.g. `rto.sum`, `rto_met.met`).
    pub field: String,
    /// What is wrong and what is allowed.
    pub message: String,
}

/// Adds `v` to a sum of squares kept in two words (`hi`·2^128 + `lo`): the one carry both
/// accumulators keep (10^6 values of 10^18 ns square to more than 2^128).
pub(super) fn add_square(hi: &mut u128, lo: &mut u128, v: u128) {
    let (sum, carry) = lo.overflowing_add(v);
    *lo = sum;
    *hi += u128::from(carry);
}

pub(crate) fn state_err(field: &str, message: String) -> StateError {
    StateError { field: field.to_string(), message }
}

/// `a × b` as a 256-bit number (hi, lo).
pub(super) fn mul_wide(a: u128, b: u64) -> (u128, u128) {
    const MASK: u128 = (1 << 64) - 1;
    let lo = (a & MASK) * u128::from(b);
    let hi = (a >> 64) * u128::from(b);
    let (low, carry) = lo.overflowing_add(hi << 64);
    ((hi >> 64) + u128::from(carry), low)
}

/// (hi, lo) + (hi, lo) as 256 bits, `None` on overflow.
pub(super) fn add_wide(a: (u128, u128), b: (u128, u128)) -> Option<(u128, u128)> {
    let (lo, carry) = a.1.overflowing_add(b.1);
    Some((a.0.checked_add(b.0)?.checked_add(u128::from(carry))?, lo))
}

impl Accumulator {
    /// Checks the invariants of a deserialized accumulator: count within `max_count`; an
    /// empty one holds nothing; otherwise min ≤ max, count × min ≤ sum ≤ count × max and
    /// count × min² ≤ Σx² ≤ count × max². (The histogram total equals the count by
    /// construction: deserializing refuses anything else.) `field` names it in errors.
    pub fn validate(&self, field: &str, max_count: u64) -> Result<(), StateError> {
        let f = |k: &str| format!("{field}.{k}");
        if self.count > max_count {
            return Err(state_err(&f("count"), format!("{} is more than the {max_count} trials", self.count)));
        }
        let sq = (self.sq_hi, self.sq_lo);
        if self.count == 0 {
            if self.sum != 0 || sq != (0, 0) || self.max != 0 || self.min != u64::MAX {
                return Err(state_err(
                    field,
                    "count = 0 but the sums, min or max are not those of an empty accumulator".into(),
                ));
            }
            return Ok(());
        }
        if self.min > self.max {
            return Err(state_err(&f("min"), format!("{} is above max = {}", self.min, self.max)));
        }
        let n = u128::from(self.count);
        let (lo, hi) = (n * u128::from(self.min), n * u128::from(self.max));
        if !(lo..=hi).contains(&self.sum) {
            return Err(state_err(&f("sum"), format!("{} is outside count × [min, max] = [{lo}, {hi}]", self.sum)));
        }
        let (min2, max2) = (u128::from(self.min) * u128::from(self.min), u128::from(self.max) * u128::from(self.max));
        if sq < mul_wide(min2, self.count) || sq > mul_wide(max2, self.count) {
            return Err(state_err(&f("sum_sq_hi"), "the sum of squares is outside count × [min², max²]".into()));
        }
        Ok(())
    }

    /// Whether merging `other` into this accumulator stays within the integers that hold it.
    pub fn can_merge(&self, other: &Accumulator) -> bool {
        self.count.checked_add(other.count).is_some()
            && self.sum.checked_add(other.sum).is_some()
            && add_wide((self.sq_hi, self.sq_lo), (other.sq_hi, other.sq_lo)).is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Issue 14 item 9: values near 1,000 days (8.64·10¹⁶ ns) spread uniformly over one second
    /// have a standard deviation of 1/√12 s = 0.288675 s; the old floating formula
    /// (Σx² − n·mean²) cancelled to 0. By hand: the values 8.64·10¹⁶ + k·10⁸ ns, k = 0..10,
    /// have sample variance 10¹⁶ · Var(0..10) = 10¹⁶ · 11 = 1.1·10¹⁷ ns², sd 3.3166·10⁸ ns.
    #[test]
    fn variance_is_exact_for_large_values_with_a_small_spread() {
        let mut a = Accumulator::default();
        for k in 0..=10u64 {
            a.record(86_400_000_000_000_000 + k * 100_000_000);
        }
        let s = a.summary(1e-9).unwrap();
        assert!((s.std_dev - (1.1e17f64).sqrt() * 1e-9).abs() < 1e-12, "{}", s.std_dev);
        // Uniform on [1000 d, 1000 d + 1 s), 10,000 evenly spaced points: sd → 1/√12 s.
        let mut u = Accumulator::default();
        for k in 0..10_000u64 {
            u.record(86_400_000_000_000_000 + k * 100_000);
        }
        let sd = u.summary(1e-9).unwrap().std_dev;
        assert!((sd - 0.288_675_134_6).abs() < 1e-4, "{sd}");
        // Constant values: exactly zero.
        let mut c = Accumulator::default();
        (0..5).for_each(|_| c.record(u64::MAX / 3));
        assert_eq!(c.summary(1.0).unwrap().std_dev, 0.0);
    }

    /// One pass for several quantiles gives what one query each gives.
    #[test]
    fn quantiles_in_one_pass_equal_single_queries() {
        let mut a = Accumulator::default();
        for v in [0u64, 1, 5, 900, 40_000_123, 40_000_999, 41_500_000, 7, 3_000_000_000] {
            a.record(v);
        }
        let ps = [0.0, 0.1, 0.5, 0.9, 0.99, 1.0];
        let one = a.quantiles(ps).unwrap();
        for (p, q) in ps.iter().zip(one) {
            assert_eq!(Some(q), a.quantile(*p), "p = {p}");
        }
        assert_eq!(Accumulator::default().quantiles([0.5]), None);
        assert_eq!(a.quantiles([0.9, 0.5]), None, "out of order");
    }

    /// By hand: 1..=10 → mean 5.5, sd 3.02765, min 1, max 10; merging two halves gives the
    /// same accumulator as recording all ten.
    #[test]
    fn accumulator_by_hand_and_exact_merge() {
        let mut all = Accumulator::default();
        let (mut a, mut b) = (Accumulator::default(), Accumulator::default());
        for v in 1..=10u64 {
            all.record(v);
            if v % 3 == 0 { a.record(v) } else { b.record(v) }
        }
        let mut m = b.clone();
        m.merge(&a);
        assert_eq!(m, all);
        let json = serde_json::to_string(&all).unwrap();
        let back: Accumulator = serde_json::from_str(&json).unwrap();
        assert_eq!(back, all, "the serialized state is exact");
        let s = all.summary(1.0).unwrap();
        assert_eq!((s.count, s.mean, s.min, s.max), (10, 5.5, 1.0, 10.0));
        assert!((s.std_dev - 3.027_650_354).abs() < 1e-8);
        assert_eq!(s.p50, 5.0);
        assert!(Accumulator::default().summary(1.0).is_none());
    }

    /// Sums of squares past 2^128 carry into the high word: 2^20 values of 2^62 have
    /// Σx² = 2^144, mean 2^62, variance 0.
    #[test]
    fn huge_sums_of_squares_carry() {
        let mut a = Accumulator::default();
        for _ in 0..(1 << 20) {
            a.record(1 << 62);
        }
        assert_eq!(a.sq_hi, 1 << 16);
        let s = a.summary(1.0).unwrap();
        assert_eq!(s.std_dev, 0.0);
        assert_eq!(s.mean, 2f64.powi(62));
    }

    /// Issue 14, item 8: states recording cannot produce are refused, naming the field;
    /// merges that would overflow are refused.
    #[test]
    fn edited_accumulators_are_refused_by_field() {
        let mut a = Accumulator::default();
        for v in [5u64, 7, 9] {
            a.record(v);
        }
        a.validate("rto", 3).unwrap();
        assert_eq!(a.validate("rto", 2).unwrap_err().field, "rto.count");
        let mut bad = a.clone();
        bad.sum = u128::MAX;
        assert_eq!(bad.validate("rto", 3).unwrap_err().field, "rto.sum");
        let mut bad = a.clone();
        (bad.min, bad.max) = (10, 9);
        assert_eq!(bad.validate("rto", 3).unwrap_err().field, "rto.min");
        let mut bad = a.clone();
        bad.sq_hi = 1;
        assert_eq!(bad.validate("rto", 3).unwrap_err().field, "rto.sum_sq_hi");
        let bad = Accumulator { sum: 1, ..Accumulator::default() };
        assert_eq!(bad.validate("rpo", 3).unwrap_err().field, "rpo");
        assert_eq!(mul_wide(u128::MAX, 2), (1, u128::MAX - 1));
        assert_eq!(mul_wide(u128::MAX, u64::MAX), (u128::from(u64::MAX) - 1, u128::MAX - u128::from(u64::MAX) + 1));
    }
}
