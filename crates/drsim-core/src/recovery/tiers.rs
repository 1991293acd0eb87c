//! Service tiers: web, app, worker fleets that each need their capacity before the service is
//! back.
//!
//! ```text
//!   strategy's step "launch" ×4 (AddCapacity S)     becomes
//!                                       ┌─► "launch [web]" ×4, web's ready time ─┐
//!   "launch [instances]" ×4 (no effect) ┤                                         ├─► "launch" (join) ─► ...
//!                                       └─► "launch [app]" ×4, app's ready time ─┘
//! ```
//!
//! Strategies count capacity in one pool per site: instances out of the primary's
//! `instances_needed`. With tiers, every site runs that pool *in each tier* (each tier scaled
//! to production the same way), so a strategy's counts apply to each tier alike; what differs
//! is how long a tier's instances take, once launched, to be ready (an application server
//! with a warm-up is slower than a stateless web server). The service at a site counts the tier with the least
//! capacity, so the service level is reached only when every tier has its capacity with
//! traffic routed to it. [`split_launches`] rewrites a strategy's runbook so; the trial applies
//! it to every recovery and failback runbook.

use serde::{Deserialize, Serialize};

use super::runbook::{Effect, Runbook, Step};
use crate::engine::{DurationDistribution, SimDuration};

/// One tier of the service.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Tier {
    /// Its name (`web`, `app`, ...), distinct among the tiers.
    pub name: String,
    /// Time for one of its instances, once the strategy has launched it, to be ready for
    /// traffic: the application's start, warm-up and health check. It comes after the
    /// strategy's own launch (or patch) step.
    pub ready: DurationDistribution,
}

/// The most tiers a deployment may have.
pub const MAX_TIERS: usize = 16;

/// Checks a deployment's tiers: names non-empty and distinct, ready times with a finite mean,
/// at most [`MAX_TIERS`]. The message names the key.
pub fn validate(tiers: &[Tier]) -> Result<(), String> {
    if tiers.len() > MAX_TIERS {
        return Err(format!("{} tiers (at most {MAX_TIERS})", tiers.len()));
    }
    for (i, t) in tiers.iter().enumerate() {
        if t.name.trim().is_empty() {
            return Err(format!("tiers[{i}].name = \"\" is not allowed (a tier needs a name)"));
        }
        if let Some(j) = tiers[..i].iter().position(|o| o.name == t.name) {
            return Err(format!("tiers[{i}].name = {:?} is already the name of tiers[{j}]", t.name));
        }
        if !t.ready.mean_secs().is_some_and(f64::is_finite) {
            return Err(format!(
                "tiers[{i}].ready = {:?} is not allowed (a duration distribution with a finite mean)",
                t.ready.inner()
            ));
        }
    }
    Ok(())
}

/// `runbook` with every step that adds capacity split by tier: step `X` (effect
/// `AddCapacity { site, instances }`, `parallel` units, its own duration: a launch, a patch)
/// becomes `X [instances]` — the same step without its effect — then one step `X [tier]` per
/// tier after it, `parallel` units each taking the tier's `ready` time and adding `instances`
/// of that tier (`AddTierCapacity`), and `X` itself a zero-length join after them, so that
/// whatever waited for `X` now waits for every tier. The strategy's own time (and its
/// failures, retries and transfer) is kept once; each tier adds its own readiness. Without
/// tiers the runbook is returned unchanged.
pub fn split_launches(runbook: Runbook, tiers: &[Tier]) -> Runbook {
    if tiers.is_empty() || !runbook.steps.iter().any(|s| matches!(s.effect, Effect::AddCapacity { .. })) {
        return runbook;
    }
    let mut steps = Vec::with_capacity(runbook.steps.len() * (tiers.len() + 2));
    for step in runbook.steps {
        let Effect::AddCapacity { site, instances } = step.effect.clone() else {
            steps.push(step);
            continue;
        };
        let base = format!("{} [instances]", step.name);
        let names: Vec<String> = tiers.iter().map(|t| format!("{} [{}]", step.name, t.name)).collect();
        for (t, name) in tiers.iter().zip(&names) {
            steps.push(
                Step::new(name.clone(), t.ready.clone())
                    .after([base.clone()])
                    .parallel(step.parallel)
                    .effect(Effect::AddTierCapacity { site: site.clone(), tier: t.name.clone(), instances }),
            );
        }
        let join = Step::new(step.name.clone(), DurationDistribution::fixed(SimDuration::ZERO)).after(names);
        let mut base_step = step;
        base_step.name = base;
        base_step.effect = Effect::None;
        steps.push(base_step);
        steps.push(join);
    }
    Runbook::new(steps)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::SimTime;
    use crate::recovery::ServiceState;

    fn fixed(s: u64) -> DurationDistribution {
        DurationDistribution::fixed(SimDuration::from_secs(s))
    }

    #[test]
    fn launches_split_by_tier_and_join() {
        let tiers = [Tier { name: "web".into(), ready: fixed(30) }, Tier { name: "app".into(), ready: fixed(180) }];
        let rb = Runbook::new(vec![
            Step::new("promote", fixed(60)),
            Step::new("launch", fixed(120))
                .after(["promote"])
                .parallel(4)
                .effect(Effect::AddCapacity { site: "S".into(), instances: 1 }),
            Step::new("dns", fixed(0)).after(["launch"]),
        ]);
        let split = split_launches(rb, &tiers);
        split.validate().unwrap();
        let names: Vec<&str> = split.steps.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["promote", "launch [web]", "launch [app]", "launch [instances]", "launch", "dns"]);
        let base = &split.steps[3];
        assert_eq!(
            (base.parallel, &base.after, &base.duration, &base.effect),
            (4, &vec!["promote".to_string()], &fixed(120), &Effect::None)
        );
        let web = &split.steps[1];
        assert_eq!((web.parallel, &web.after, &web.duration), (4, &vec!["launch [instances]".to_string()], &fixed(30)));
        assert_eq!(web.effect, Effect::AddTierCapacity { site: "S".into(), tier: "web".into(), instances: 1 });
        assert_eq!(split.steps[4].after, vec!["launch [web]".to_string(), "launch [app]".to_string()]);
        assert_eq!((split.steps[4].parallel, &split.steps[4].effect), (1, &Effect::None));
        // No tiers: unchanged.
        let rb = Runbook::new(vec![Step::new("a", fixed(1))]);
        assert_eq!(split_launches(rb.clone(), &[]), rb);
    }

    /// A site serves as much as its smallest tier: 8 needed, web at 8, app at 2 → 2/8.
    #[test]
    fn the_smallest_tier_sets_the_level() {
        let mut s = ServiceState::new(1, 8).with_tiers(&["web".into(), "app".into()]);
        s.set_data_ready(0, true);
        s.set_shares(&[1.0]);
        s.add_tier_capacity(0, 0, 8);
        s.add_tier_capacity(0, 1, 2);
        assert_eq!((s.capacity(0), s.level(SimTime::ZERO)), (2, 0.25));
        s.add_capacity(0, 6);
        assert_eq!((s.capacity(0), s.level(SimTime::ZERO)), (8, 1.0));
        s.set_up(0, false);
        assert_eq!(s.capacity(0), 0);
    }

    #[test]
    fn bad_tiers_are_named() {
        let t = |name: &str| Tier { name: name.into(), ready: fixed(1) };
        assert!(validate(&[t("web"), t("web")]).unwrap_err().contains("tiers[1].name"));
        assert!(validate(&[t(" ")]).unwrap_err().contains("tiers[0].name"));
        let endless = DurationDistribution::new(crate::engine::Distribution::pareto(60.0, 0.9).unwrap()).unwrap();
        assert!(validate(&[Tier { name: "app".into(), ready: endless }]).unwrap_err().contains("tiers[0].ready"));
        assert!(validate(&vec![t("x"); 17]).unwrap_err().contains("at most 16"));
    }
}
