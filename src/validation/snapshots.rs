//! Snapshot shipping: the RPO of periodic snapshots, with and without failed jobs.
//!
//! A disaster at a uniformly random phase of a schedule of interval T, whose snapshots take d
//! to ship, loses the writes since the newest snapshot that had arrived: its RPO is uniform on
//! [d, d + T), less the gap to the first write after that snapshot (memoryless writes at rate
//! λ: a mean of 1/λ).

use drsim_core::engine::{Distribution, SimDuration, SimTime, TrialStreams};
use drsim_core::model::{LinkSpec, Replication, SnapshotKind, SnapshotShipping, SnapshotSpec, WorkloadSpec};
use drsim_core::stats::Z95;
use rayon::prelude::*;

use super::case::mean_ci;
use super::fixtures::{at_s, fixed_ms};
use super::{BoxError, Case, Check, SECS};

/// Snapshots of 30 MB every 10 minutes over a 1 MB/s link (d = 30 s).
pub(crate) fn snapshots(trials: u64, seed: u64) -> Result<Vec<Case>, BoxError> {
    let mut cases = Vec::new();
    let snap_link = LinkSpec::new("P", "S", fixed_ms(0), 1e6)?;
    let spec = |p: f64| SnapshotSpec {
        interval: SimDuration::from_mins(10),
        phase: None,
        size: SnapshotKind::Full { size_bytes: 30e6 },
        retention: Default::default(),
        failure_probability: p,
        vault: Default::default(),
    };
    let n_snap = (trials / 5).max(1000);
    // Mean d + T/2 − 1/λ = 30 + 300 − 0.2 = 329.8 s with 5 writes/s.
    let dense = WorkloadSpec::poisson(5.0, Distribution::fixed(100.0)?)?;
    let rpo = (0..n_snap)
        .into_par_iter()
        .map(|i| -> Result<f64, BoxError> {
            let mut m =
                SnapshotShipping::new(&spec(0.0), &snap_link, &dense, TrialStreams::new(seed ^ 12, i), SimTime::ZERO)?;
            Ok(m.loss_at(at_s(1300.0))?.rpo.as_secs_f64())
        })
        .collect::<Result<Vec<_>, _>>()?;
    let uniform = "uniform phase + memoryless writes";
    cases.push(Case::mean("snapshot RPO mean d + T/2 − 1/λ (T 600 s, d 30 s)", uniform, 329.8, &rpo, 0.0, SECS));
    // The standard deviation of a uniform on 600 s: T/√12; its estimate has standard error
    // σ·√((κ − 1)/(4n)) with kurtosis κ = 9/5 (plus the Exp(1/λ) gap's 0.2 s: negligible).
    let (m, _) = mean_ci(&rpo);
    let sd = (rpo.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (rpo.len() as f64 - 1.0)).sqrt();
    let sd_half = Z95 * sd * (0.8 / (4.0 * rpo.len() as f64)).sqrt();
    let expected_sd = (600.0f64 * 600.0 / 12.0 + 0.2 * 0.2).sqrt();
    cases.push(Case {
        name: "snapshot RPO spread T/√12".into(),
        source: uniform,
        check: Check::Mean {
            expected: expected_sd,
            mean: sd,
            half_width: sd_half,
            n: rpo.len(),
            tolerance: 0.0,
            unit: SECS,
        },
    });
    let (lo, hi) = rpo.iter().fold((f64::MAX, 0.0f64), |(lo, hi), &x| (lo.min(x), hi.max(x)));
    cases.push(Case::bound(
        "snapshot RPO range [d, d + T)",
        uniform,
        "[30 s − gap, 630 s)".into(),
        format!("[{lo:.1} s, {hi:.1} s]"),
        lo >= 25.0 && hi < 630.0,
    ));
    // Each job fails with p = 0.2, independently: the number of failed jobs before the last
    // good one is geometric, adding T·p/(1−p) = 150 s; with 0.5 writes/s the gap is 2 s:
    // 30 + 300 + 150 − 2 = 478 s.
    let sparse = WorkloadSpec::poisson(0.5, Distribution::fixed(100.0)?)?;
    let rpo_failed = (0..n_snap)
        .into_par_iter()
        .map(|i| -> Result<f64, BoxError> {
            let mut m =
                SnapshotShipping::new(&spec(0.2), &snap_link, &sparse, TrialStreams::new(seed ^ 13, i), SimTime::ZERO)?;
            Ok(m.loss_at(at_s(4.0 * 3600.0))?.rpo.as_secs_f64())
        })
        .collect::<Result<Vec<_>, _>>()?;
    cases.push(Case::mean(
        "snapshot RPO, jobs fail p = 0.2: + T·p/(1−p)",
        "geometric retries",
        478.0,
        &rpo_failed,
        0.0,
        SECS,
    ));
    Ok(cases)
}
