//! Small statistics helpers for the tests: mean and standard error of independent samples.

/// Mean and standard error of the mean of independent observations.
pub fn mean_se(xs: &[f64]) -> (f64, f64) {
    let n = xs.len() as f64;
    let mean = xs.iter().sum::<f64>() / n;
    let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0);
    (mean, (var / n).sqrt())
}

/// Asserts that `expected` lies within `k` standard errors of the sample mean of `xs`.
///
/// With a fixed seed the outcome is deterministic; k = 4 makes a false alarm on a correct model
/// a 1-in-15,000 event for whichever seed was chosen.
pub fn assert_mean_near(what: &str, xs: &[f64], expected: f64, k: f64) {
    let (mean, se) = mean_se(xs);
    assert!(
        (mean - expected).abs() <= k * se,
        "{what}: sample mean {mean} ± {se} (n = {}) is more than {k} standard errors from the closed form {expected}",
        xs.len()
    );
}
