//! Fixtures for tests of strategies and models, behind the feature `testing` (enabled by the
//! strategy crates' dev-dependencies): one source instead of a copy per crate.
//!
//! - [`TwoRegions`]: a two-region deployment with every knob a field;
//! - [`secs`], [`fixed`]: durations and fixed duration distributions in seconds;
//! - [`run_one`]: one trial of a strategy on a scenario;
//! - [`recovery_runbook`], [`failback_ctx`]: what a strategy plans at a disaster and at failback,
//!   without running it;
//! - [`median`], [`quantile`]: order statistics of durations.
//!
//! ```
//! use drsim_core::testing::{TwoRegions, secs};
//! let scenario = TwoRegions { horizon: secs(86_400), ..TwoRegions::default() }.scenario();
//! assert_eq!(scenario.deployment.standby, "S");
//! ```
//!
//! The helpers panic with the error's message on failure: they are for tests.

use crate::engine::{DurationDistribution, SimDuration, SimTime};
use crate::model::Loss;
use crate::recovery::{FailbackContext, RecoveryContext, Runbook, SteadyState, Strategy};
pub use crate::trial::TwoRegions;
use crate::trial::{DisasterScenario, DisasterTrial, TrialOutcome};

/// `s` seconds.
pub fn secs(s: u64) -> SimDuration {
    SimDuration::from_secs(s)
}

/// A duration distribution that is always `s` seconds.
pub fn fixed(s: u64) -> DurationDistribution {
    DurationDistribution::fixed(secs(s))
}

/// Trial `trial` of `strategy` on `scenario` with `seed`.
///
/// # Panics
/// If the strategy cannot run on the scenario or the trial fails.
pub fn run_one(scenario: &DisasterScenario, strategy: &dyn Strategy, seed: u64, trial: u64) -> TrialOutcome {
    let t = DisasterTrial::new(scenario, strategy).unwrap_or_else(|e| panic!("{e}"));
    t.run(seed, trial).unwrap_or_else(|e| panic!("{e}"))
}

/// The runbook `strategy` plans for a disaster at `disaster_at`, detected 90 s later, with
/// nothing lost, recovering at the standby.
///
/// # Panics
/// If the strategy refuses the deployment or the context.
pub fn recovery_runbook(scenario: &DisasterScenario, strategy: &dyn Strategy, disaster_at: SimTime) -> Runbook {
    let steady = strategy.steady_state(&scenario.deployment).unwrap_or_else(|e| panic!("{e}"));
    let ctx = RecoveryContext {
        deployment: &scenario.deployment,
        steady: &steady,
        disaster_at,
        detected_at: disaster_at + secs(90),
        loss: Loss::default(),
        target: &scenario.deployment.standby,
        copies: &[],
        attempt: 0,
        stores: &[],
    };
    strategy.recovery(&ctx).unwrap_or_else(|e| panic!("{e}"))
}

/// A failback after a disaster at 100 s, service restored at `restored_at_s`, the primary
/// back at 7,300 s: 10 GB to resync at 5 writes/s of 64 KiB (327,680 B/s) over a 50 MB/s
/// reverse link with 40 ms latency.
pub fn failback_ctx<'a>(
    scenario: &'a DisasterScenario,
    steady: &'a SteadyState,
    restored_at_s: u64,
) -> FailbackContext<'a> {
    let t = |s| SimTime::ZERO + secs(s);
    FailbackContext {
        deployment: &scenario.deployment,
        steady,
        disaster_at: t(100),
        restored_at: t(restored_at_s),
        serving: &scenario.deployment.standby,
        copies: &[],
        primary_back_at: t(7300),
        bytes_to_resync: 10e9,
        write_bytes_per_s: 327_680.0,
        reverse_throughput_bytes_per_s: 50e6,
        latency: SimDuration::from_millis(40),
    }
}

/// The median (the upper one of an even count).
///
/// # Panics
/// On an empty vector.
pub fn median(v: Vec<SimDuration>) -> SimDuration {
    quantile_at(v, |n| n / 2)
}

/// The order statistic at rank `round((n − 1)·q)`.
///
/// # Panics
/// On an empty vector.
pub fn quantile(v: Vec<SimDuration>, q: f64) -> SimDuration {
    quantile_at(v, |n| ((n - 1) as f64 * q).round() as usize)
}

fn quantile_at(mut v: Vec<SimDuration>, rank: impl Fn(usize) -> usize) -> SimDuration {
    assert!(!v.is_empty(), "no values");
    v.sort();
    let k = rank(v.len()).min(v.len() - 1);
    v[k]
}
