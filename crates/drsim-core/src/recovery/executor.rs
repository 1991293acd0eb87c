//! Runs a runbook on the event queue, applying each step's effect to the service.

use std::collections::HashMap;

use rand::RngExt;

use super::runbook::{Effect, Runbook, RunbookError};
use super::service::{ServiceState, ServiceWatch};
use crate::engine::{EventQueue, SimRng, SimTime};

/// How a runbook run ended.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum RunbookEnd {
    /// Every step completed; the instant the last one did.
    Completed(SimTime),
    /// A step ran out of retries at this instant.
    Failed {
        /// The step.
        step: String,
        /// When its last attempt failed.
        at: SimTime,
    },
    /// The run was cut off at this instant (a fault struck, or the horizon was reached).
    Interrupted(SimTime),
}

/// The record of one runbook run.
#[derive(Clone, Debug, PartialEq)]
pub struct RunbookRun {
    /// How it ended.
    pub end: RunbookEnd,
    /// Per step (in runbook order): when it completed, if it did.
    pub step_done: Vec<Option<SimTime>>,
    /// Attempts that failed and were retried (or exhausted), over all steps.
    pub failed_attempts: u32,
}

/// Runs `runbook` from `start`, drawing step times and failures from `rng`, applying effects to
/// `service` and reporting service levels to `watch`. The run stops early at `stop_at` (a fault
/// or the horizon). Site names in effects are resolved with `site_index`.
pub fn execute(
    runbook: &Runbook,
    start: SimTime,
    stop_at: SimTime,
    rng: &mut SimRng,
    service: &mut ServiceState,
    watch: &mut ServiceWatch,
    site_index: &dyn Fn(&str) -> Option<usize>,
) -> Result<RunbookRun, RunbookError> {
    runbook.validate()?;
    let steps = &runbook.steps;
    let index: HashMap<&str, usize> = steps.iter().enumerate().map(|(i, s)| (s.name.as_str(), i)).collect();
    // Resolve every site named by an effect before anything runs.
    let resolve = |step: &str, site: &str| {
        site_index(site).ok_or_else(|| RunbookError::UnknownSite { step: step.to_string(), site: site.to_string() })
    };
    let mut effect_sites: Vec<Vec<usize>> = Vec::with_capacity(steps.len());
    for s in steps {
        effect_sites.push(match &s.effect {
            Effect::AddCapacity { site, .. } | Effect::RemoveCapacity { site, .. } | Effect::DataReady { site } => {
                vec![resolve(&s.name, site)?]
            }
            Effect::AddTierCapacity { site, tier, .. } => {
                let t = service
                    .tier_index(tier)
                    .ok_or_else(|| RunbookError::UnknownTier { step: s.name.clone(), tier: tier.clone() })?;
                vec![resolve(&s.name, site)?, t]
            }
            Effect::RouteTraffic { sites, .. } => {
                sites.iter().map(|site| resolve(&s.name, site)).collect::<Result<Vec<_>, _>>()?
            }
            _ => vec![],
        });
    }
    let mut waiting: Vec<usize> = steps.iter().map(|s| s.after.len()).collect();
    let mut dependents = vec![Vec::new(); steps.len()];
    for (i, s) in steps.iter().enumerate() {
        for d in &s.after {
            dependents[index[d.as_str()]].push(i);
        }
    }
    let mut units_left: Vec<u32> = steps.iter().map(|s| s.parallel).collect();
    let mut attempts: Vec<u32> = vec![0; steps.len()];
    let mut step_done = vec![None; steps.len()];
    let mut failed_attempts = 0;
    let mut queue: EventQueue<usize> = EventQueue::new();
    // The queue starts at zero; `start` is never in its past.
    let launch = |queue: &mut EventQueue<usize>, rng: &mut SimRng, i: usize, at: SimTime| {
        let _ = queue.schedule(at + steps[i].sample_time(rng), i);
    };
    for i in 0..steps.len() {
        if waiting[i] == 0 {
            for _ in 0..steps[i].parallel {
                launch(&mut queue, rng, i, start);
            }
        }
    }
    let mut now = start;
    let mut done = 0;
    if steps.is_empty() {
        watch.observe(service, start, stop_at);
        return Ok(RunbookRun { end: RunbookEnd::Completed(start), step_done, failed_attempts });
    }
    watch.observe(service, now, stop_at);
    while let Some((t, i)) = queue.pop() {
        if t > stop_at {
            watch.observe(service, now, stop_at);
            return Ok(RunbookRun { end: RunbookEnd::Interrupted(stop_at), step_done, failed_attempts });
        }
        // Between events only the traffic ramp moves: look for a crossing before `t`.
        watch.observe(service, now, t);
        now = t;
        let step = &steps[i];
        if step.failure_probability > 0.0 && rng.random::<f64>() < step.failure_probability {
            failed_attempts += 1;
            attempts[i] += 1;
            if attempts[i] > step.max_retries.saturating_mul(step.parallel) {
                return Ok(RunbookRun {
                    end: RunbookEnd::Failed { step: step.name.clone(), at: t },
                    step_done,
                    failed_attempts,
                });
            }
            launch(&mut queue, rng, i, t);
            continue;
        }
        // A unit finished.
        match &step.effect {
            Effect::AddCapacity { instances, .. } => service.add_capacity(effect_sites[i][0], i64::from(*instances)),
            Effect::AddTierCapacity { instances, .. } => {
                service.add_tier_capacity(effect_sites[i][0], effect_sites[i][1], i64::from(*instances))
            }
            Effect::RemoveCapacity { instances, .. } => {
                service.add_capacity(effect_sites[i][0], -i64::from(*instances))
            }
            _ => {}
        }
        units_left[i] -= 1;
        if units_left[i] == 0 {
            step_done[i] = Some(t);
            done += 1;
            match &step.effect {
                Effect::DataReady { .. } => service.set_data_ready(effect_sites[i][0], true),
                Effect::RouteTraffic { ttl, .. } => service.route(t, &effect_sites[i], *ttl),
                Effect::FreezeWrites => service.freeze(t, true),
                Effect::UnfreezeWrites => service.freeze(t, false),
                _ => {}
            }
            for &j in &dependents[i] {
                waiting[j] -= 1;
                if waiting[j] == 0 {
                    for _ in 0..steps[j].parallel {
                        launch(&mut queue, rng, j, t);
                    }
                }
            }
        }
        watch.observe(service, t, t);
        if done == steps.len() {
            watch.observe(service, t, stop_at);
            return Ok(RunbookRun { end: RunbookEnd::Completed(t), step_done, failed_attempts });
        }
    }
    // Unreachable for a valid DAG: every step eventually launches.
    Ok(RunbookRun { end: RunbookEnd::Completed(now), step_done, failed_attempts })
}
