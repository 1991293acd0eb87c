//! Logical corruption: clean recovery points under retention, dwell and attack.
//!
//! Damage at t_c, detected a dwell D later at t_det: the newest recovery point taken before
//! t_c and still retained at t_det is the clean one, and the data lost is t_c − its time.

use drsim_core::corruption::newest_clean_point;
use drsim_core::engine::{Distribution, DurationDistribution, SimDuration, SimRng, SimTime, StreamId, TrialStreams};
use drsim_core::model::{ReplicationSpec, Retention, SnapshotKind, SnapshotSpec};
use rand::RngExt;
use rayon::prelude::*;

use super::{BoxError, Case, SECS};

/// A dwell time drawn per trial.
type Dwell<'a> = &'a (dyn Fn(&mut SimRng) -> SimDuration + Sync);

/// Clean recovery points against uniform-phase closed forms.
pub(crate) fn corruption(trials: u64, seed: u64) -> Result<Vec<Case>, BoxError> {
    let mut cases = Vec::new();
    let n = (trials / 5).max(1000);
    let day = SimDuration::from_days(1);
    let snap = |interval: SimDuration, retention: Retention| {
        ReplicationSpec::Snapshot(SnapshotSpec {
            interval,
            phase: None,
            size: SnapshotKind::Incremental,
            retention,
            failure_probability: 0.0,
            vault: Default::default(),
        })
    };
    let keep7 = snap(day, Retention { keep_newest: Some(7), max_age: None });
    // The damage at a uniform phase of the daily schedule: t_c − s ~ U(0, 1 d).
    let draws = |spec: &ReplicationSpec, dwell: Dwell<'_>, salt: u64| {
        (0..n)
            .into_par_iter()
            .map(|i| {
                let mut rng = TrialStreams::new(seed ^ salt, i).rng(StreamId(77));
                let t_c = SimTime::ZERO + SimDuration::from_days(100);
                let t_det = t_c.saturating_add(dwell(&mut rng));
                let phase = SimDuration::from_nanos(rng.random_range(0..spec_interval(spec).as_nanos()));
                newest_clean_point(spec, t_c, t_det, phase, false, &mut rng).map(|c| c.age)
            })
            .collect::<Vec<_>>()
    };
    // Dwell 3 d, 7 daily backups kept: the backup just before t_c is still there, and its age
    // at t_c is U(0, I): mean I/2 = 12 h.
    let three = draws(&keep7, &|_| SimDuration::from_days(3), 1);
    let ages: Vec<f64> = three.iter().map(|a| a.map_or(f64::NAN, |a| a.as_secs_f64())).collect();
    cases.push(Case::mean(
        "daily backups kept 7, dwell 3 d: RPO = t_c − clean point (mean)",
        "U(0, I): I / 2 = 12 h",
        43_200.0,
        &ages,
        0.0,
        SECS,
    ));
    // Dwell 8 d: 8 newer backups were taken since t_c, so the 7 kept are all damaged.
    let eight = draws(&keep7, &|_| SimDuration::from_days(8), 2);
    let none = eight.iter().filter(|a| a.is_none()).count();
    cases.push(Case::bound(
        "daily backups kept 7, dwell 8 d: trials without a clean point",
        "8 newer backups > 7 kept",
        format!("{n} of {n}"),
        format!("{none} of {n}"),
        none as u64 == n,
    ));
    // Exponential dwell of mean 1 d against 5-minute backups kept 2 d: the point exists iff
    // D + U·5 min ≤ 2 d: P(none) = e^{−2} E[e^{U·5min/1d}] = e^{−2} (e^{c} − 1)/c, c = 5/1440.
    let pitr =
        snap(SimDuration::from_mins(5), Retention { keep_newest: None, max_age: Some(SimDuration::from_days(2)) });
    let exp = DurationDistribution::new(Distribution::exponential(86_400.0)?)?;
    let tail = draws(&pitr, &|rng| exp.sample(rng), 3);
    let none = tail.iter().filter(|a| a.is_none()).count() as u64;
    let c: f64 = 5.0 / 1440.0;
    cases.push(Case::proportion(
        "exponential dwell (mean 1 d), 5-min backups kept 2 d: P(no clean point)",
        "e^{-W/m} (e^c - 1)/c",
        (-2.0f64).exp() * (c.exp() - 1.0) / c,
        none,
        n,
    ));
    // A live copy replicates the damage itself: it never holds a clean point.
    let live = draws(&ReplicationSpec::Asynchronous, &|_| SimDuration::from_secs(1), 4);
    cases.push(Case::bound(
        "a live (asynchronous) copy under corruption: clean points",
        "copies the damage",
        "0".into(),
        live.iter().filter(|a| a.is_some()).count().to_string(),
        live.iter().all(Option::is_none),
    ));
    Ok(cases)
}

/// The schedule interval of a snapshot copy (the phase is drawn on it); 1 s for a live copy,
/// whose phase does not matter.
fn spec_interval(spec: &ReplicationSpec) -> SimDuration {
    match spec {
        ReplicationSpec::Snapshot(s) => s.interval,
        _ => SimDuration::from_secs(1),
    }
}
