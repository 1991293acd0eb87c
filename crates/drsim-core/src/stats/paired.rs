//! Paired comparisons: [`PairedAccumulator`] of per-trial differences between two strategies
//! over the same disasters, and its checks.

use serde::{Deserialize, Serialize};

use super::Z95;
use super::accumulator::{StateError, add_square, add_wide, mul_wide, state_err};

/// A paired comparison of two strategies over the same disasters: the mean of the per-trial
/// differences (B − A) of a metric, with its 95 % confidence interval.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct PairedDifference {
    /// Pairs in which both values exist.
    pub pairs: u64,
    /// Mean of B − A.
    pub mean: f64,
    /// Half-width of the 95 % interval of the mean.
    pub ci95: f64,
}

/// Exact, mergeable accumulator of paired differences (integers, so that the result does not
/// depend on the order of merging).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PairedAccumulator {
    n: u64,
    sum: i128,
    sq_hi: u128,
    sq_lo: u128,
}

impl PairedAccumulator {
    /// Records one pair's values (A, B); pairs with a missing value are skipped.
    pub fn record(&mut self, a: Option<u64>, b: Option<u64>) {
        if let (Some(x), Some(y)) = (a, b) {
            let d = i128::from(y) - i128::from(x);
            self.n += 1;
            self.sum += d;
            add_square(&mut self.sq_hi, &mut self.sq_lo, d.unsigned_abs() * d.unsigned_abs());
        }
    }
    /// Adds another accumulator.
    pub fn merge(&mut self, o: &PairedAccumulator) {
        self.n += o.n;
        self.sum += o.sum;
        add_square(&mut self.sq_hi, &mut self.sq_lo, o.sq_lo);
        self.sq_hi += o.sq_hi;
    }
    /// The mean difference and its interval in seconds (the values recorded are in ns);
    /// `None` when no pair was recorded.
    pub fn difference_secs(&self) -> Option<PairedDifference> {
        (self.n > 0).then(|| self.difference(1e-9))
    }

    /// The mean difference and its interval, values multiplied by `scale` (all zero when no
    /// pair was recorded: see [`difference_secs`](Self::difference_secs)).
    pub fn difference(&self, scale: f64) -> PairedDifference {
        if self.n == 0 {
            return PairedDifference { pairs: 0, mean: 0.0, ci95: 0.0 };
        }
        let n = self.n as f64;
        let mean = self.sum as f64 / n;
        let sum_sq = self.sq_hi as f64 * 2f64.powi(128) + self.sq_lo as f64;
        let var = if self.n > 1 { ((sum_sq - n * mean * mean) / (n - 1.0)).max(0.0) } else { 0.0 };
        PairedDifference { pairs: self.n, mean: mean * scale, ci95: Z95 * (var / n).sqrt() * scale }
    }
}

impl PairedAccumulator {
    /// Checks a deserialized state: at most `max_pairs` pairs, |Σd| ≤ n × (2^64 − 1) and
    /// Σd² ≤ n × (2^64 − 1)² (each difference is one of two u64 values), nothing when empty.
    pub fn validate(&self, field: &str, max_pairs: u64) -> Result<(), StateError> {
        if self.n > max_pairs {
            return Err(state_err(&format!("{field}.n"), format!("{} is more than the {max_pairs} trials", self.n)));
        }
        let sq = (self.sq_hi, self.sq_lo);
        let m = u128::from(u64::MAX);
        if self.sum.unsigned_abs() > u128::from(self.n) * m {
            return Err(state_err(&format!("{field}.sum"), format!("{} is beyond n × (2^64 − 1)", self.sum)));
        }
        if sq > mul_wide(m * m, self.n) || (self.n == 0 && sq != (0, 0)) {
            return Err(state_err(&format!("{field}.sq_hi"), "the sum of squares is beyond n × (2^64 − 1)²".into()));
        }
        Ok(())
    }

    /// Whether merging `o` stays within the integers that hold the state.
    pub fn can_merge(&self, o: &PairedAccumulator) -> bool {
        self.n.checked_add(o.n).is_some()
            && self.sum.checked_add(o.sum).is_some()
            && add_wide((self.sq_hi, self.sq_lo), (o.sq_hi, o.sq_lo)).is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Issue 14, item 8: paired states recording cannot produce are refused, naming the field.
    #[test]
    fn edited_paired_states_are_refused_by_field() {
        let mut p = PairedAccumulator::default();
        p.record(Some(3), Some(10));
        p.validate("d", 1).unwrap();
        assert_eq!(p.validate("d", 0).unwrap_err().field, "d.n");
        let mut bad = p;
        bad.sum = i128::MAX;
        assert_eq!(bad.validate("d", 1).unwrap_err().field, "d.sum");
    }
}
