//! One validation case: what was expected, what was simulated, and the verdict.

use std::fmt;

use drsim_core::stats::{Proportion, Z95};

/// The verdict on one case.
///
/// A mean or a proportion PASSes when the expected value lies within the 95 % confidence
/// interval (or the case's stated absolute tolerance), WARNs when it lies outside the interval
/// but within 4 standard errors (SE = half-width / 1.96), which about one correct case in
/// twenty does by chance, and FAILs beyond that. Exact and bound cases PASS or FAIL.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Verdict {
    /// Within the 95 % interval, or the stated tolerance.
    Pass,
    /// Outside the 95 % interval but within 4 standard errors: re-run with another seed.
    Warn,
    /// Beyond 4 standard errors, an exact value off by more than its tolerance, or a bound broken.
    Fail,
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Verdict::Pass => "PASS",
            Verdict::Warn => "WARN",
            Verdict::Fail => "FAIL",
        })
    }
}

/// How the numbers of a case are printed: the value is divided by `scale` and shown with
/// `decimals` decimals followed by `unit`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Unit {
    /// The value is divided by this before printing (3,600 to print seconds as hours).
    pub scale: f64,
    /// Printed after the number, with its leading space if one is wanted (" s").
    pub unit: &'static str,
    /// Decimals printed.
    pub decimals: usize,
}

/// A plain number with six decimals (probabilities, availabilities, counts of writes).
pub const PLAIN6: Unit = Unit { scale: 1.0, unit: "", decimals: 6 };
/// Seconds with three decimals.
pub const SECS: Unit = Unit { scale: 1.0, unit: " s", decimals: 3 };

impl Unit {
    /// `value` as this unit prints it.
    pub fn show(self, value: f64) -> String {
        format!("{:.*}{}", self.decimals, value / self.scale, self.unit)
    }

    /// A tolerance: `0`, or scientific notation when it would print as zero.
    fn tolerance(self, tol: f64) -> String {
        if tol == 0.0 {
            "0".into()
        } else if tol / self.scale < 1e-3 {
            format!("{:e}{}", tol / self.scale, self.unit)
        } else {
            self.show(tol)
        }
    }
}

/// What was measured for a case, with what it is compared against.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum Check {
    /// A mean over `n` independent samples (trials or runs) against a closed form.
    Mean {
        /// The value from outside drsim.
        expected: f64,
        /// The sample mean (or another estimate with a normal interval, e.g. a standard deviation).
        mean: f64,
        /// Half-width of its normal 95 % confidence interval.
        half_width: f64,
        /// Samples.
        n: usize,
        /// Absolute tolerance for a known, stated bias (rounding, a neglected term); 0 if none.
        tolerance: f64,
        /// How the numbers are printed.
        unit: Unit,
    },
    /// A proportion of successes in independent trials, with its Wilson interval.
    Proportion {
        /// The probability from outside drsim.
        expected: f64,
        /// Trials in which the event happened.
        successes: u64,
        /// Trials.
        trials: u64,
    },
    /// A deterministic value, equal to `expected` within `tolerance`.
    Exact {
        /// The value from outside drsim (a hand computation, a published figure).
        expected: f64,
        /// drsim's value.
        value: f64,
        /// Absolute tolerance (rounding to the nanosecond, a published figure's decimals).
        tolerance: f64,
        /// How the numbers are printed.
        unit: Unit,
    },
    /// An inequality or a set membership that must hold in every trial.
    Bound {
        /// The bound, as printed ("≥ 10004.0960 µs").
        expected: String,
        /// What was seen, as printed ("min 10004.0960 µs").
        observed: String,
        /// Whether it held.
        holds: bool,
    },
}

/// One validation case, after simulation: a name, where the expected value comes from, and
/// the check.
#[derive(Clone, Debug, PartialEq)]
pub struct Case {
    /// What is checked, with the closed form ("A = μ/(λ+μ), λ=3e-3/h, μ=25e-3/h").
    pub name: String,
    /// Where the expected value comes from (a theorem, a textbook, a rule); the full citation
    /// and derivation are in the comment at the case's code and in `docs/validation.md`.
    pub source: &'static str,
    /// The measurement and its expected value.
    pub check: Check,
}

/// Sample mean and the half-width of its normal 95 % interval.
pub(crate) fn mean_ci(xs: &[f64]) -> (f64, f64) {
    let n = xs.len() as f64;
    let mean = xs.iter().sum::<f64>() / n;
    let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0);
    (mean, Z95 * (var / n).sqrt())
}

/// PASS within max(half-width, tolerance), WARN within max(4 SE, tolerance), FAIL beyond.
fn judge(diff: f64, half: f64, tol: f64) -> Verdict {
    if diff <= half.max(tol) {
        Verdict::Pass
    } else if diff <= (4.0 / Z95 * half).max(tol) {
        Verdict::Warn
    } else {
        Verdict::Fail
    }
}

impl Case {
    /// A mean over independent samples `xs` against `expected`; `tolerance` is an absolute
    /// tolerance for a known bias, 0 if none.
    pub fn mean(
        name: impl Into<String>,
        source: &'static str,
        expected: f64,
        xs: &[f64],
        tolerance: f64,
        unit: Unit,
    ) -> Case {
        let (mean, half_width) = mean_ci(xs);
        Case {
            name: name.into(),
            source,
            check: Check::Mean { expected, mean, half_width, n: xs.len(), tolerance, unit },
        }
    }

    /// A proportion of `successes` in `trials` against `expected`.
    pub fn proportion(
        name: impl Into<String>,
        source: &'static str,
        expected: f64,
        successes: u64,
        trials: u64,
    ) -> Case {
        Case { name: name.into(), source, check: Check::Proportion { expected, successes, trials } }
    }

    /// A deterministic `value`, equal to `expected` within `tolerance`.
    pub fn exact(
        name: impl Into<String>,
        source: &'static str,
        expected: f64,
        value: f64,
        tolerance: f64,
        unit: Unit,
    ) -> Case {
        Case { name: name.into(), source, check: Check::Exact { expected, value, tolerance, unit } }
    }

    /// An inequality or set membership that holds or not.
    pub fn bound(
        name: impl Into<String>,
        source: &'static str,
        expected: String,
        observed: String,
        holds: bool,
    ) -> Case {
        Case { name: name.into(), source, check: Check::Bound { expected, observed, holds } }
    }

    /// The verdict (see [`Verdict`]).
    pub fn verdict(&self) -> Verdict {
        match self.check {
            Check::Mean { expected, mean, half_width, tolerance, .. } => {
                judge((mean - expected).abs(), half_width, tolerance)
            }
            Check::Proportion { expected, successes, trials } => {
                let p = Proportion::wilson(successes, trials);
                let half = (p.high - p.low) / 2.0;
                let centre = (p.high + p.low) / 2.0;
                // Judge the distance from the interval, not from the raw estimate: the Wilson
                // interval is not centred on it.
                judge((expected - centre).abs(), half, 0.0)
            }
            Check::Exact { expected, value, tolerance, .. } => {
                if (value - expected).abs() <= tolerance {
                    Verdict::Pass
                } else {
                    Verdict::Fail
                }
            }
            Check::Bound { holds, .. } => {
                if holds {
                    Verdict::Pass
                } else {
                    Verdict::Fail
                }
            }
        }
    }

    /// The expected value as the table prints it.
    pub fn expected_text(&self) -> String {
        match &self.check {
            Check::Mean { expected, unit, .. } | Check::Exact { expected, unit, .. } => unit.show(*expected),
            Check::Proportion { expected, .. } => format!("{expected:.6}"),
            Check::Bound { expected, .. } => expected.clone(),
        }
    }

    /// The simulated value with its 95 % interval (or tolerance) as the table prints it.
    pub fn simulated_text(&self) -> String {
        match &self.check {
            Check::Mean { mean, half_width, n, unit, .. } => {
                format!("{} ± {} (n = {n})", unit.show(*mean), unit.show(*half_width))
            }
            Check::Proportion { successes, trials, .. } => {
                let p = Proportion::wilson(*successes, *trials);
                let half = (p.high - p.low) / 2.0;
                format!("{:.6} ± {half:.6} (n = {trials})", p.estimate)
            }
            Check::Exact { value, tolerance, unit, .. } => {
                format!("{} (exact, tol {})", unit.show(*value), unit.tolerance(*tolerance))
            }
            Check::Bound { observed, .. } => observed.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A mean with a 95 % half-width of 1.96 (SE = 1): PASS within 1.96, WARN up to 4 SE, FAIL
    /// beyond (the thresholds of the 4 SE rule, by hand).
    #[test]
    fn a_mean_passes_warns_and_fails_at_the_4_se_rule() {
        let at = |expected: f64, tolerance: f64| {
            Case {
                name: "m".into(),
                source: "hand",
                check: Check::Mean { expected, mean: 10.0, half_width: Z95, n: 100, tolerance, unit: PLAIN6 },
            }
            .verdict()
        };
        assert_eq!(at(10.0 + 1.9, 0.0), Verdict::Pass);
        assert_eq!(at(10.0 - 3.9, 0.0), Verdict::Warn);
        assert_eq!(at(10.0 + 4.1, 0.0), Verdict::Fail);
        assert_eq!(at(10.0 + 4.1, 5.0), Verdict::Pass, "within the stated tolerance");
    }

    /// An exact case fails as soon as it is off by more than its tolerance; a broken bound fails.
    #[test]
    fn exact_and_bound_cases_have_no_warn() {
        assert_eq!(Case::exact("e", "hand", 4.0, 4.0, 0.0, PLAIN6).verdict(), Verdict::Pass);
        assert_eq!(Case::exact("e", "hand", 4.0, 4.5, 0.4, PLAIN6).verdict(), Verdict::Fail);
        assert_eq!(Case::bound("b", "rule", "0".into(), "1".into(), false).verdict(), Verdict::Fail);
    }

    /// 500 of 1,000: the Wilson interval is 0.5 ± 0.0310 (SE 0.0158); 0.56 is 3.8 SE away (WARN),
    /// 0.57 is 4.4 SE away (FAIL).
    #[test]
    fn a_proportion_is_judged_by_its_wilson_interval() {
        assert_eq!(Case::proportion("p", "hand", 0.52, 500, 1000).verdict(), Verdict::Pass);
        assert_eq!(Case::proportion("p", "hand", 0.56, 500, 1000).verdict(), Verdict::Warn);
        assert_eq!(Case::proportion("p", "hand", 0.57, 500, 1000).verdict(), Verdict::Fail);
    }

    /// The table's texts, as the report has always printed them.
    #[test]
    fn texts_are_the_reports() {
        let c =
            Case::exact("e", "hand", 5_242_880.0, 5_242_880.0, 729.0, Unit { scale: 1.0, unit: " B/s", decimals: 0 });
        assert_eq!(c.simulated_text(), "5242880 B/s (exact, tol 729 B/s)");
        let c = Case::exact("e", "hand", 0.0, 0.0, 1e-12, PLAIN6);
        assert_eq!(c.simulated_text(), "0.000000 (exact, tol 1e-12)");
        assert_eq!(Case::proportion("p", "hand", 0.5, 500, 1000).expected_text(), "0.500000");
    }
}
