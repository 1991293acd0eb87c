//! Runbooks: recovery and failback work as a DAG of steps, as data.
//!
//! A step has a duration (a distribution, plus an optional transfer of `bytes` at a
//! throughput), dependencies, a number of parallel units ("launch 6 instances": done when all
//! six are, capacity rising as each finishes), an optional failure probability with retries,
//! and an effect on the service (capacity, data, traffic, write freeze). Strategies build
//! runbooks in code or load them from scenario files; the executor runs any of them.

use std::collections::{BTreeSet, HashMap};

use serde::{Deserialize, Serialize};

use crate::engine::{DistError, DurationDistribution, SimDuration, SimRng};

/// What a step changes when it completes.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
#[non_exhaustive]
pub enum Effect {
    /// Nothing visible to the service (a check, a declaration, a patch).
    #[default]
    None,
    /// Each completed unit adds `instances` running instances at `site`.
    AddCapacity {
        /// Where.
        site: String,
        /// Instances per unit.
        instances: u32,
    },
    /// Each completed unit adds `instances` running instances of one tier at `site` (see
    /// [`super::tiers`]; [`AddCapacity`](Self::AddCapacity) adds to every tier).
    AddTierCapacity {
        /// Where.
        site: String,
        /// The tier's name.
        tier: String,
        /// Instances per unit.
        instances: u32,
    },
    /// Each completed unit removes `instances` instances at `site` (scale-in after failback).
    RemoveCapacity {
        /// Where.
        site: String,
        /// Instances per unit.
        instances: u32,
    },
    /// The data at `site` is usable for service (database promoted, backup restored).
    DataReady {
        /// Where.
        site: String,
    },
    /// Traffic moves to `sites` (split evenly): clients move as their cached DNS entries expire,
    /// linearly over `ttl` (zero for an instant router).
    RouteTraffic {
        /// The sites that take the traffic.
        sites: Vec<String>,
        /// DNS time to live: the time for every client to move.
        ttl: SimDuration,
    },
    /// Writes are frozen from now on (failback).
    FreezeWrites,
    /// Writes resume.
    UnfreezeWrites,
}

/// A data transfer that adds `bytes / throughput` to a step's duration.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Transfer {
    /// Bytes to move.
    pub bytes: f64,
    /// At this many bytes per second.
    pub throughput_bytes_per_s: f64,
}

fn zero() -> DurationDistribution {
    DurationDistribution::fixed(SimDuration::ZERO)
}
fn one() -> u32 {
    1
}

/// One step of a runbook.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Step {
    /// Unique name within the runbook.
    pub name: String,
    /// Steps that must complete before this one starts.
    #[serde(default)]
    pub after: Vec<String>,
    /// Time per unit (per attempt), before any transfer.
    #[serde(default = "zero")]
    pub duration: DurationDistribution,
    /// A data transfer added to each unit's time.
    #[serde(default)]
    pub transfer: Option<Transfer>,
    /// Units run in parallel; the step is done when all are.
    #[serde(default = "one")]
    pub parallel: u32,
    /// Probability that an attempt of a unit fails (discovered at its end).
    #[serde(default)]
    pub failure_probability: f64,
    /// Retries allowed per unit (pooled over the step's units: a step of `parallel` units may
    /// retry `max_retries × parallel` times in all) before the step, and the runbook, fail.
    #[serde(default)]
    pub max_retries: u32,
    /// What the step changes.
    #[serde(default)]
    pub effect: Effect,
}

impl Step {
    /// A step with a duration, no dependencies, one unit, no failures and no effect.
    pub fn new(name: impl Into<String>, duration: DurationDistribution) -> Self {
        Step {
            name: name.into(),
            after: vec![],
            duration,
            transfer: None,
            parallel: 1,
            failure_probability: 0.0,
            max_retries: 0,
            effect: Effect::None,
        }
    }
    /// Adds dependencies.
    pub fn after<I: IntoIterator<Item = S>, S: Into<String>>(mut self, deps: I) -> Self {
        self.after.extend(deps.into_iter().map(Into::into));
        self
    }
    /// Sets the effect.
    pub fn effect(mut self, effect: Effect) -> Self {
        self.effect = effect;
        self
    }
    /// Sets the number of parallel units.
    pub fn parallel(mut self, units: u32) -> Self {
        self.parallel = units;
        self
    }
    /// Adds a transfer to each unit's time.
    pub fn transfer(mut self, bytes: f64, throughput_bytes_per_s: f64) -> Self {
        self.transfer = Some(Transfer { bytes, throughput_bytes_per_s });
        self
    }
    /// Sets the failure probability per attempt and the retries allowed.
    pub fn may_fail(mut self, probability: f64, max_retries: u32) -> Self {
        self.failure_probability = probability;
        self.max_retries = max_retries;
        self
    }

    /// One attempt of one unit.
    pub(crate) fn sample_time(&self, rng: &mut SimRng) -> SimDuration {
        let base = self.duration.sample(rng);
        match &self.transfer {
            Some(t) => base + SimDuration::from_secs_f64(t.bytes / t.throughput_bytes_per_s),
            None => base,
        }
    }
}

/// The most unit attempts a runbook may expect in one run (parallel units × the attempts each
/// needs, 1 / (1 − failure_probability), at most max_retries + 1): refused beyond, rather than
/// run for hours.
pub const MAX_RUNBOOK_ATTEMPTS: f64 = 1e7;

/// A DAG of steps.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Runbook {
    /// The steps, in any order.
    pub steps: Vec<Step>,
}

/// Why a runbook is invalid.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum RunbookError {
    /// Two steps share a name.
    #[error("runbook: duplicate step name {0:?}")]
    DuplicateStep(String),
    /// A dependency names no step.
    #[error("runbook: step {step:?} waits for unknown step {dependency:?}")]
    UnknownDependency {
        /// The step.
        step: String,
        /// The missing name.
        dependency: String,
    },
    /// The dependencies form a cycle.
    #[error("runbook: the dependencies of steps {0:?} form a cycle")]
    Cycle(Vec<String>),
    /// A parameter out of range.
    #[error("runbook: step {step:?}: {field} = {value} is not allowed ({allowed})")]
    BadValue {
        /// The step.
        step: String,
        /// The key.
        field: &'static str,
        /// The value, as written.
        value: String,
        /// What is allowed.
        allowed: &'static str,
    },
    /// An effect names a site the deployment does not have.
    #[error("runbook: step {step:?}: effect names unknown site {site:?}")]
    UnknownSite {
        /// The step.
        step: String,
        /// The unknown site.
        site: String,
    },
    /// An effect names a tier the deployment does not have.
    #[error("runbook: step {step:?}: effect names unknown tier {tier:?}")]
    UnknownTier {
        /// The step.
        step: String,
        /// The unknown tier.
        tier: String,
    },
    /// The runbook would make more unit attempts than a trial can afford.
    #[error(
        "runbook: its steps' parallel units and retries make about {attempts:.3e} unit attempts per run (step {step:?} the most: parallel = {parallel}, max_retries = {max_retries}, failure_probability = {failure_probability}); at most {max:e} are allowed: lower parallel or max_retries"
    )]
    TooManyAttempts {
        /// Expected attempts of the whole runbook.
        attempts: f64,
        /// The step with the most.
        step: String,
        /// Its units.
        parallel: u32,
        /// Its retries.
        max_retries: u32,
        /// Its failure probability.
        failure_probability: f64,
        /// The bound, [`MAX_RUNBOOK_ATTEMPTS`].
        max: f64,
    },
    /// A distribution is invalid.
    #[error("runbook: step {step:?}: duration: {source}")]
    Duration {
        /// The step.
        step: String,
        /// What is wrong.
        source: Box<DistError>,
    },
}

impl Runbook {
    /// A runbook of these steps (not yet validated; see [`Runbook::validate`]).
    pub fn new(steps: Vec<Step>) -> Self {
        Runbook { steps }
    }

    /// Adds a step restoring each data store whose copy is a snapshot, unless the runbook
    /// already has one of that name ([`StoreRecovery::restore_step_name`]): all start at once,
    /// from the runbook's start (they need nothing the runbook builds: the store's restore
    /// target is a managed service), and every step routing traffic waits for them, so the
    /// service is restored only with every store's data.
    ///
    /// [`StoreRecovery::restore_step_name`]: super::StoreRecovery::restore_step_name
    pub fn with_store_restores(mut self, stores: &[super::StoreRecovery<'_>]) -> Self {
        let mut added = vec![];
        for store in stores {
            let Some((bytes, throughput)) = store.restore else { continue };
            let name = store.restore_step_name();
            if !self.steps.iter().any(|s| s.name == name) {
                self.steps.push(Step::new(name.clone(), zero()).transfer(bytes, throughput));
                added.push(name);
            }
        }
        if !added.is_empty() {
            for step in &mut self.steps {
                if matches!(step.effect, Effect::RouteTraffic { .. }) {
                    step.after.extend(added.iter().cloned());
                }
            }
        }
        self
    }

    /// Checks names, dependencies, acyclicity and parameters; returns the steps in a
    /// topological order (indices into `steps`).
    pub fn validate(&self) -> Result<Vec<usize>, RunbookError> {
        let mut index = HashMap::new();
        for (i, s) in self.steps.iter().enumerate() {
            if index.insert(s.name.as_str(), i).is_some() {
                return Err(RunbookError::DuplicateStep(s.name.clone()));
            }
            let bad =
                |field, value: String, allowed| RunbookError::BadValue { step: s.name.clone(), field, value, allowed };
            if s.parallel == 0 {
                return Err(bad("parallel", "0".into(), "must be >= 1"));
            }
            if !(0.0..1.0).contains(&s.failure_probability) {
                return Err(bad("failure_probability", s.failure_probability.to_string(), "must be in [0, 1)"));
            }
            if let Some(t) = &s.transfer {
                if !(t.bytes.is_finite() && t.bytes >= 0.0) {
                    return Err(bad("transfer.bytes", t.bytes.to_string(), "must be finite and >= 0"));
                }
                if !(t.throughput_bytes_per_s.is_finite() && t.throughput_bytes_per_s > 0.0) {
                    return Err(bad(
                        "transfer.throughput_bytes_per_s",
                        t.throughput_bytes_per_s.to_string(),
                        "must be finite and > 0",
                    ));
                }
            }
            s.duration
                .inner()
                .validate()
                .map_err(|e| RunbookError::Duration { step: s.name.clone(), source: Box::new(e) })?;
        }
        // Refuse work that cannot finish: each unit is attempted until it succeeds (1 / (1 - p)
        // times on average) or the step's pooled retries run out.
        let expected = |s: &Step| {
            let units = f64::from(s.parallel);
            (units / (1.0 - s.failure_probability)).min(units * (f64::from(s.max_retries) + 1.0))
        };
        let attempts: f64 = self.steps.iter().map(expected).sum();
        if attempts > MAX_RUNBOOK_ATTEMPTS
            && let Some(s) = self.steps.iter().max_by(|a, b| expected(a).total_cmp(&expected(b)))
        {
            return Err(RunbookError::TooManyAttempts {
                attempts,
                step: s.name.clone(),
                parallel: s.parallel,
                max_retries: s.max_retries,
                failure_probability: s.failure_probability,
                max: MAX_RUNBOOK_ATTEMPTS,
            });
        }
        // Kahn's algorithm: a topological order, or the steps left on a cycle.
        let mut indegree = vec![0usize; self.steps.len()];
        let mut dependents = vec![Vec::new(); self.steps.len()];
        for (i, s) in self.steps.iter().enumerate() {
            for d in &s.after {
                let &j = index
                    .get(d.as_str())
                    .ok_or_else(|| RunbookError::UnknownDependency { step: s.name.clone(), dependency: d.clone() })?;
                indegree[i] += 1;
                dependents[j].push(i);
            }
        }
        let mut order: Vec<usize> = (0..self.steps.len()).filter(|&i| indegree[i] == 0).collect();
        let mut k = 0;
        while k < order.len() {
            for &j in &dependents[order[k]] {
                indegree[j] -= 1;
                if indegree[j] == 0 {
                    order.push(j);
                }
            }
            k += 1;
        }
        if order.len() < self.steps.len() {
            let stuck =
                (0..self.steps.len()).filter(|&i| indegree[i] > 0).map(|i| self.steps[i].name.clone()).collect();
            return Err(RunbookError::Cycle(stuck));
        }
        Ok(order)
    }

    /// Every step that `step` waits for, directly or through other steps; `None` if no step
    /// has that name.
    pub fn ancestors(&self, step: &str) -> Option<BTreeSet<String>> {
        let find = |name: &str| self.steps.iter().find(|s| s.name == name);
        find(step)?;
        let mut found = BTreeSet::new();
        let mut todo = vec![step.to_string()];
        while let Some(name) = todo.pop() {
            for d in find(&name).map_or(&[][..], |s| &s.after[..]) {
                if found.insert(d.clone()) {
                    todo.push(d.clone());
                }
            }
        }
        Some(found)
    }

    /// The longest path through the runbook when every unit takes its mean time once (no
    /// failures): the critical path, in seconds. `None` if a mean is infinite or the runbook is
    /// invalid.
    pub fn critical_path_secs(&self) -> Option<f64> {
        let order = self.validate().ok()?;
        let index: HashMap<&str, usize> = self.steps.iter().enumerate().map(|(i, s)| (s.name.as_str(), i)).collect();
        let mut finish = vec![0.0f64; self.steps.len()];
        for i in order {
            let s = &self.steps[i];
            let start = s.after.iter().map(|d| finish[index[d.as_str()]]).fold(0.0, f64::max);
            let transfer = s.transfer.as_ref().map_or(0.0, |t| t.bytes / t.throughput_bytes_per_s);
            finish[i] = start + s.duration.mean_secs()? + transfer;
        }
        Some(finish.into_iter().fold(0.0, f64::max))
    }
}
