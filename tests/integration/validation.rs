//! The validation cases of [`drsim::validation`] (defined there once, with their sources and
//! derivations; `examples/validation_report.rs` prints them with 200,000 trials), run here at
//! a fixed seed and the least trial count they accept, `MIN_TRIALS` = 1,000.
//!
//! The rule is the report's 4 SE rule: a case FAILs when its expected value is more than 4
//! standard errors from the simulated one (SE = the 95 % interval's half-width / 1.96; a Wilson
//! interval for proportions), or an exact case is off by more than its stated tolerance, or a
//! bound is broken. A correct model fails a statistical case for about one seed in 15,000; the
//! seed is fixed, so the test is deterministic. WARNs (outside the 95 % interval, within 4 SE)
//! are allowed: about one correct case in twenty lands there by chance.

use drsim::stats::Z95;
use drsim::validation::{self, Case, Check, Verdict};

const SEED: u64 = 2026;

/// An expected value that the case's own interval puts beyond 4 SE (twice the 4 SE distance
/// plus the tolerance), so that the case must FAIL; `None` for a bound, which has no value.
fn wrong(case: &Case) -> Option<Case> {
    let mut c = case.clone();
    match &mut c.check {
        Check::Mean { expected, mean, half_width, tolerance, .. } => {
            *expected = *mean + 2.0 * (4.0 / Z95 * *half_width + *tolerance) + 1e-6 * mean.abs().max(1e-3);
        }
        Check::Proportion { expected, successes, trials } => {
            let p = drsim::stats::Proportion::wilson(*successes, *trials);
            let (centre, half) = ((p.high + p.low) / 2.0, (p.high - p.low) / 2.0);
            // 3 half-widths = 5.9 SE, on whichever side stays a probability.
            *expected = if centre + 3.0 * half <= 1.0 { centre + 3.0 * half } else { centre - 3.0 * half };
        }
        Check::Exact { expected, value, tolerance, .. } => {
            *expected = *value + 2.0 * *tolerance + 1e-6 * value.abs().max(1e-3);
        }
        Check::Bound { .. } => return None,
        other => panic!("a new kind of check, {other:?}: teach this test a wrong value for it"),
    }
    Some(c)
}

/// Every case at 1,000 trials: none FAILs, and each would with a wrong expected value (so the
/// test can fail: the verdict is not vacuous at this trial count).
#[test]
fn no_validation_case_fails_and_a_wrong_expected_value_would() {
    let mut failed = Vec::new();
    let mut cases = 0;
    for group in validation::groups() {
        let started = std::time::Instant::now();
        let got = group.run(validation::MIN_TRIALS, SEED).unwrap_or_else(|e| panic!("{e}"));
        eprintln!("validation group {}: {} cases, {:.1} s", group.name(), got.len(), started.elapsed().as_secs_f64());
        for case in &got {
            if case.verdict() == Verdict::Fail {
                failed.push(format!(
                    "{} / {}: expected {}, simulated {}",
                    group.name(),
                    case.name,
                    case.expected_text(),
                    case.simulated_text()
                ));
            }
            if let Some(w) = wrong(case) {
                assert_eq!(w.verdict(), Verdict::Fail, "{}: expected {} is not refused", w.name, w.expected_text());
            }
        }
        cases += got.len();
    }
    assert!(failed.is_empty(), "FAIL at seed {SEED}:\n{}", failed.join("\n"));
    assert_eq!(cases, 50, "the report's 50 cases");
}

/// Fewer trials than the cases accept is refused with an error naming the value and the least.
#[test]
fn too_few_trials_are_refused() {
    let err = validation::run_all(999, SEED).expect_err("999 < 1000");
    assert!(matches!(err, validation::ValidationError::TooFewTrials { trials: 999, min: 1000 }), "{err:?}");
    assert_eq!(err.to_string(), "trials = 999: the validation cases need at least 1000 trials");
}

/// The same (trials, seed) give the same cases on 1 and 2 threads (a cheap group; every group
/// draws trial `i` from streams of (seed, i) only).
#[test]
fn validation_cases_do_not_depend_on_threads() {
    let group = validation::groups().iter().find(|g| g.name() == "snapshots").expect("the snapshot group");
    let on = |threads: usize| {
        let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().expect("a thread pool");
        pool.install(|| group.run(validation::MIN_TRIALS, SEED)).unwrap_or_else(|e| panic!("{e}"))
    };
    assert_eq!(on(1), on(2));
}
