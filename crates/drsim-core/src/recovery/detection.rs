//! Detection: how long after a disaster it is declared.

use rand::RngExt;
use serde::{Deserialize, Serialize};

use crate::engine::{DurationDistribution, SimDuration, SimRng, SimTime};

/// How a disaster is detected.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
#[non_exhaustive]
pub enum Detection {
    /// Health checks every `interval`, at a phase uniformly random relative to the disaster;
    /// the target is declared dead at the `failures`-th consecutive failed check, so detection
    /// happens at the `failures`-th check at or after the disaster. Route 53's defaults are
    /// 30 s × 3 (Amazon Route 53 Developer Guide, "Values that you specify when you create or
    /// update health checks").
    HealthCheck {
        /// Time between checks.
        interval: SimDuration,
        /// Consecutive failed checks that declare the target dead (≥ 1).
        failures: u32,
    },
    /// A delay drawn from a distribution (monitoring plus a human on call, say).
    Delay {
        /// The delay.
        delay: DurationDistribution,
    },
}

impl Default for Detection {
    fn default() -> Self {
        Detection::HealthCheck { interval: SimDuration::from_secs(30), failures: 3 }
    }
}

/// Why a detection model was refused.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum DetectionError {
    /// A parameter out of range.
    #[error("detection: {field} = {value} is not allowed ({allowed})")]
    BadValue {
        /// The key.
        field: &'static str,
        /// The value, as written.
        value: String,
        /// What is allowed.
        allowed: &'static str,
    },
}

impl Detection {
    /// Checks the parameters.
    pub fn validate(&self) -> Result<(), DetectionError> {
        match self {
            Detection::HealthCheck { interval, failures } => {
                if interval.is_zero() {
                    return Err(DetectionError::BadValue {
                        field: "interval",
                        value: interval.to_string(),
                        allowed: "must be > 0",
                    });
                }
                if *failures == 0 {
                    return Err(DetectionError::BadValue {
                        field: "failures",
                        value: "0".into(),
                        allowed: "must be >= 1",
                    });
                }
                // The detection delay is below failures × interval: it must fit the clock.
                if interval.as_nanos().checked_mul(u64::from(*failures)).is_none() {
                    return Err(DetectionError::BadValue {
                        field: "failures",
                        value: format!("{failures} (with interval = {interval})"),
                        allowed: "failures × interval must fit the clock: at most 2^64-1 ns, about 584 years",
                    });
                }
                Ok(())
            }
            Detection::Delay { delay } => match delay.mean_secs() {
                Some(_) => Ok(()),
                None => Err(DetectionError::BadValue {
                    field: "delay",
                    value: format!("{:?}", delay.inner()),
                    allowed: "must have a finite mean",
                }),
            },
        }
    }

    /// The instant a disaster at `at` is detected.
    pub fn detect(&self, at: SimTime, rng: &mut SimRng) -> SimTime {
        match self {
            Detection::HealthCheck { interval, failures } => {
                let i = interval.as_nanos();
                // The first check at or after the disaster is a uniform fraction of an interval
                // later (a random phase); then `failures - 1` more intervals.
                let first = rng.random_range(0..i);
                at + SimDuration::from_nanos(first) + interval.saturating_mul(u64::from(failures.saturating_sub(1)))
            }
            Detection::Delay { delay } => at + delay.sample(rng),
        }
    }

    /// Mean detection delay in seconds: (k − ½)·I for health checks.
    pub fn mean_delay_secs(&self) -> Option<f64> {
        match self {
            Detection::HealthCheck { interval, failures } => {
                Some((f64::from(*failures) - 0.5) * interval.as_secs_f64())
            }
            Detection::Delay { delay } => delay.mean_secs(),
        }
    }
}
