//! Helpers shared by the integration tests.

use std::path::PathBuf;

use drsim::scenario::Scenario;
use drsim::trial::{DisasterTrial, TrialOutcome};
use rayon::prelude::*;

/// The folder of the shipped scenario files.
pub fn scenario_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("examples/scenarios")
}

/// Reads a shipped scenario by file name.
pub fn load(file: &str) -> Scenario {
    let path = scenario_dir().join(file);
    Scenario::from_path(&path).unwrap_or_else(|e| panic!("{e}"))
}

/// Runs trials `0..n` of `trial` with `seed` on the current rayon pool, in trial order.
pub fn run(trial: &DisasterTrial<'_>, seed: u64, n: u64) -> Vec<TrialOutcome> {
    (0..n).into_par_iter().map(|i| trial.run(seed, i)).collect::<Result<_, _>>().unwrap_or_else(|e| panic!("{e}"))
}

/// The sample mean of `v` and its standard error (sample standard deviation / √n).
pub fn mean_se(v: &[f64]) -> (f64, f64) {
    let n = v.len() as f64;
    let m = v.iter().sum::<f64>() / n;
    let var = v.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (n - 1.0);
    (m, (var / n).sqrt())
}
