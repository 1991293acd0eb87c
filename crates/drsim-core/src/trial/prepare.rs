//! Preparing a disaster trial once for many: the scenario checked against the strategy, the
//! steady state, every copy of the database and of the stores with its link and fault
//! history's view, the quorum, and the disasters of the mix resolved against the topology.

use super::*;

impl<'a> DisasterTrial<'a> {
    /// Checks the scenario against the strategy and prepares the steady state.
    pub fn new(scenario: &'a DisasterScenario, strategy: &'a dyn Strategy) -> Result<Self, TrialError> {
        let d = &scenario.deployment;
        let topo = &d.topology;
        scenario.detection.validate()?;
        if !(scenario.service_level > 0.0 && scenario.service_level <= 1.0) {
            return Err(TrialError::Scenario(format!(
                "service_level = {} is not allowed (must be in (0, 1])",
                scenario.service_level
            )));
        }
        let site = |name: &str, what: &str| {
            topo.site(name).ok_or_else(|| TrialError::Scenario(format!("{what} site {name:?} is not in the topology")))
        };
        let primary = site(&d.primary, "primary")?;
        let standby = site(&d.standby, "standby")?;
        if topo.site_spec(primary).instances_needed == 0 {
            return Err(TrialError::Scenario(format!(
                "site {:?} (the primary): instances_needed = 0 is not allowed (must be >= 1: production capacity)",
                d.primary
            )));
        }
        // Refuse work that would never finish rather than hang: per-write replication makes
        // every write before the disaster.
        let writes =
            d.workload.mean_rate_per_s() * (scenario.event.warm_up.as_secs_f64() + scenario.event.window.as_secs_f64());
        if writes > MAX_WRITES_PER_TRIAL {
            return Err(TrialError::Scenario(format!(
                "disaster.warm_up + disaster.window at {} writes/s make about {writes:.3e} writes per trial (at most {MAX_WRITES_PER_TRIAL:e}): shorten the warm-up or the window, or lower the rate",
                d.workload.mean_rate_per_s()
            )));
        }
        let faults =
            scenario.faults.iter().enumerate().map(|(i, f)| f.resolve(topo, i)).collect::<Result<Vec<_>, _>>()?;
        let span = scenario.event.warm_up + scenario.event.window + scenario.horizon;
        let events = crate::model::expected_events(&scenario.faults, span);
        if events > MAX_FAULT_EVENTS_PER_TRIAL {
            return Err(TrialError::Scenario(format!(
                "faults: about {events:.3e} failures and repairs per trial over warm_up + window + horizon = {span} (at most {MAX_FAULT_EVENTS_PER_TRIAL:e}): lengthen time_between_failures or shorten the trial"
            )));
        }
        let steady = strategy.steady_state(d)?;

        // The copies: the standby's, then each replica's, each over its own link.
        let mut plans = vec![(d.standby.clone(), standby, steady.replication.clone(), "standby".to_string())];
        for (i, r) in strategy.replicas(d).into_iter().enumerate() {
            let s = site(&r.site, &format!("replicas[{i}]"))?;
            if s == primary {
                return Err(TrialError::Scenario(format!(
                    "replicas[{i}].site = {:?} is the primary: a replica lives on another site",
                    r.site
                )));
            }
            if plans.iter().any(|p| p.1 == s) {
                return Err(TrialError::Scenario(format!(
                    "replicas[{i}].site = {:?} already holds a copy (the standby or another replica): one copy per site (backups kept in the same region go on a site of their own, e.g. a vault site in that region with a link from the primary)",
                    r.site
                )));
            }
            plans.push((r.site, s, r.replication, format!("replicas[{i}]")));
        }
        let proximity = |s| {
            if topo.zone_of(s) == topo.zone_of(primary) {
                crate::recovery::Proximity::SameZone
            } else if topo.region_of(s) == topo.region_of(primary) {
                crate::recovery::Proximity::SameRegion
            } else {
                crate::recovery::Proximity::OtherRegion
            }
        };
        let mut copies = Vec::with_capacity(plans.len());
        for (name, s, replication, what) in plans {
            let link_id = topo.link(&d.primary, &name).ok_or_else(|| {
                TrialError::Scenario(format!("no link from primary {:?} to {what} {name:?}", d.primary))
            })?;
            let forward = topo.link_spec(link_id).clone();
            // Snapshot schedules run a history before the trial's start, writes included.
            let history = match &replication {
                crate::model::ReplicationSpec::Snapshot(spec) => {
                    let history = crate::model::SnapshotShipping::history(spec, &forward, &d.workload);
                    let writes = writes + d.workload.mean_rate_per_s() * history.as_secs_f64();
                    if writes > MAX_WRITES_PER_TRIAL {
                        return Err(TrialError::Scenario(format!(
                            "the backup schedule (interval {}) needs {history} of history before each trial for a stationary start: with the warm-up and window that is about {writes:.3e} writes per trial (at most {MAX_WRITES_PER_TRIAL:e}): lower the rate or shorten the interval",
                            spec.interval
                        )));
                    }
                    history
                }
                _ => SimDuration::ZERO,
            };
            // Refuse other work that cannot finish, and values whose results cannot be
            // represented.
            crate::limits::check_trial(scenario, &replication, &forward, history).map_err(TrialError::Scenario)?;
            let stability = match &replication {
                // One member of a quorum: its link against the writes it must carry.
                crate::model::ReplicationSpec::Quorum { .. } => crate::model::Stability::from_rates(
                    d.workload.mean_bytes_per_s(),
                    forward.mean_throughput_bytes_per_s(),
                ),
                _ => replication
                    .build(&forward, &d.workload, TrialStreams::new(0, 0), SimTime::ZERO)
                    .map_err(|e| match what.as_str() {
                        // The standby's copy is the strategy's own: its error speaks for itself.
                        "standby" => TrialError::Replication(e),
                        _ => TrialError::Scenario(format!("{what}.replication: {e}")),
                    })?
                    .stability(),
            };
            let reverse_id = topo.link(&name, &d.primary).unwrap_or(link_id);
            let proximity = proximity(s);
            copies.push(CopyPlan {
                name,
                site: s.0 as usize,
                replication,
                link: forward,
                reverse: topo.link_spec(reverse_id).clone(),
                watched: Watched { primary, standby: s, link: link_id, reverse: reverse_id },
                proximity,
                stability,
                stationary: None,
            });
        }
        // One copy of the log alone may start in its stationary law (two copies see the same
        // writes: sampled one by one, their joint law would be wrong).
        if let [only] = copies.as_mut_slice() {
            only.stationary =
                crate::model::replication::StationaryFifo::new(&only.replication, &only.link, &d.workload);
        }

        crate::recovery::tiers::validate(&d.tiers).map_err(|m| TrialError::Scenario(format!("deployment.{m}")))?;

        // The copies in quorum mode form one quorum with the primary's own copy.
        let quorum_members: Vec<usize> = (0..copies.len())
            .filter(|&k| matches!(copies[k].replication, crate::model::ReplicationSpec::Quorum { .. }))
            .collect();
        let quorum = match quorum_members.first() {
            None => None,
            Some(&first) => {
                let crate::model::ReplicationSpec::Quorum { k } = copies[first].replication else { unreachable!() };
                let n = 1 + quorum_members.len();
                if let Some(&other) = quorum_members.iter().find(
                    |&&m| !matches!(copies[m].replication, crate::model::ReplicationSpec::Quorum { k: x } if x == k),
                ) {
                    return Err(TrialError::Scenario(format!(
                        "the copies at {:?} and {:?} are in quorum mode with different k: one quorum has one k",
                        copies[first].name, copies[other].name
                    )));
                }
                if k == 0 || k > n {
                    return Err(TrialError::Scenario(format!(
                        "quorum k = {k} is not allowed: the quorum has n = {n} members (the primary's copy and {} in quorum mode); k must be in [1, {n}]",
                        quorum_members.len()
                    )));
                }
                Some((k, quorum_members))
            }
        };

        // The data stores' copies, each over the link from the primary to its site.
        let mut watches: Vec<Watched> = copies.iter().map(|c| c.watched).collect();
        let mut stores = Vec::with_capacity(d.stores.len());
        let mut store_writes = 0.0;
        for (i, store) in d.stores.iter().enumerate() {
            store.validate().map_err(|m| TrialError::Scenario(format!("stores[{i}]: {m}")))?;
            let mut plans = Vec::with_capacity(store.copies.len());
            for (k, c) in store.copies.iter().enumerate() {
                let what = format!("stores[{i}].copies[{k}]");
                let s = site(&c.site, &what)?;
                if s == primary {
                    return Err(TrialError::Scenario(format!(
                        "{what}.site = {:?} is the primary: a copy lives on another site",
                        c.site
                    )));
                }
                let link_id = topo.link(&d.primary, &c.site).ok_or_else(|| {
                    TrialError::Scenario(format!("{what}: no link from primary {:?} to {:?}", d.primary, c.site))
                })?;
                let forward = topo.link_spec(link_id).clone();
                let history = match &c.replication {
                    crate::model::ReplicationSpec::Snapshot(spec) => {
                        crate::model::SnapshotShipping::history(spec, &forward, &store.workload)
                    }
                    _ => SimDuration::ZERO,
                };
                // Every copy simulates the store's whole log.
                store_writes += store.workload.mean_rate_per_s()
                    * (history.as_secs_f64()
                        + scenario.event.warm_up.as_secs_f64()
                        + scenario.event.window.as_secs_f64());
                crate::limits::check_copy(
                    scenario,
                    &store.workload,
                    store.dataset_bytes,
                    "dataset_bytes",
                    &c.replication,
                    &forward,
                    history,
                )
                .map_err(|m| TrialError::Scenario(format!("{what}: {m}")))?;
                if let crate::model::ReplicationSpec::Quorum { .. } = c.replication {
                    return Err(TrialError::Scenario(format!(
                        "{what}: mode quorum is for the database's copies (a strategy's replication and replicas); give a store's copies in their own modes"
                    )));
                }
                let stability = c
                    .replication
                    .build(&forward, &store.workload, TrialStreams::new(0, 0), SimTime::ZERO)
                    .map_err(|e| TrialError::Scenario(format!("{what}: {e}")))?
                    .stability();
                plans.push(StoreCopyPlan {
                    site: s.0 as usize,
                    replication: c.replication.clone(),
                    link: forward,
                    watch: watches.len(),
                    proximity: proximity(s),
                    stability,
                    stationary: None,
                });
                watches.push(Watched {
                    primary,
                    standby: s,
                    link: link_id,
                    reverse: topo.link(&c.site, &d.primary).unwrap_or(link_id),
                });
            }
            if let [only] = plans.as_mut_slice() {
                only.stationary =
                    crate::model::replication::StationaryFifo::new(&only.replication, &only.link, &store.workload);
            }
            stores.push(plans);
        }
        // Every copy replays its log: the database's once per copy, each store's once per copy
        // (snapshot histories included).
        let total = writes * copies.len() as f64 + store_writes;
        if total > MAX_WRITES_PER_TRIAL {
            return Err(TrialError::Scenario(format!(
                "the database's {} copies and the [[stores]]' copies simulate about {total:.3e} writes per trial over disaster.warm_up + disaster.window (and each snapshot copy's history of about one interval) (at most {MAX_WRITES_PER_TRIAL:e}): shorten the warm-up or the window, lower the rates, or use fewer copies",
                copies.len()
            )));
        }

        // The disasters: the single one, or the mix.
        let single = [DisasterChoice::infrastructure(scenario.event.target.clone(), 1.0)];
        let choices: &[DisasterChoice] = if scenario.mix.is_empty() { &single } else { &scenario.mix };
        let total: f64 = choices.iter().map(|c| c.weight).sum();
        for (i, c) in choices.iter().enumerate() {
            if !(c.weight.is_finite() && c.weight > 0.0) {
                return Err(TrialError::Scenario(format!(
                    "disasters[{i}].weight = {} is not allowed (must be finite and > 0)",
                    c.weight
                )));
            }
        }
        if !total.is_finite() {
            return Err(TrialError::Scenario("disasters: the weights' sum is not finite".into()));
        }
        let mut disasters = Vec::with_capacity(choices.len());
        let mut cumulative = 0.0;
        for (i, c) in choices.iter().enumerate() {
            let what =
                if scenario.mix.is_empty() { "disaster.target".to_string() } else { format!("disasters[{i}].target") };
            c.check_kind().map_err(|m| TrialError::Scenario(format!("disasters[{i}] {m}")))?;
            cumulative += c.weight / total;
            let cumulative_here = if i + 1 == choices.len() { 1.0 } else { cumulative };
            if let Some((kind, data)) = c.data() {
                disasters.push(PreparedDisaster {
                    label: c.label(),
                    cumulative: cumulative_here,
                    hit: vec![],
                    survivors: (0..copies.len()).collect(),
                    store_survivors: stores.iter().map(|p: &Vec<StoreCopyPlan>| (0..p.len()).collect()).collect(),
                    repair: c.repair.clone().unwrap_or_else(|| scenario.event.repair.clone()),
                    primary_data_survives: true,
                    data: Some(PreparedData::new(kind, data, d, &format!("disasters[{i}]"))?),
                });
                continue;
            }
            let Some(infra) = &c.target else { unreachable!("check_kind: exactly one is given") };
            let target = FailureProcess {
                target: infra.clone(),
                time_between_failures: DurationDistribution::fixed(SimDuration::from_secs(1)),
                time_to_repair: scenario.event.repair.clone(),
            }
            .resolve(topo, i)?;
            let mut outages = Outages::new(topo);
            let mut changes = vec![];
            outages.apply(target, true, &mut changes);
            let hit: Vec<usize> = changes
                .iter()
                .filter_map(|c| if let StateChange::SiteDown(s) = c { Some(s.0 as usize) } else { None })
                .collect();
            if !hit.contains(&(primary.0 as usize)) {
                return Err(TrialError::Scenario(format!(
                    "{what} ({infra}) does not take down the primary {:?} (a link or another site failing belongs in [[faults]])",
                    d.primary
                )));
            }
            let survivors = (0..copies.len()).filter(|&k| !hit.contains(&copies[k].site)).collect();
            let store_survivors = stores
                .iter()
                .map(|plans: &Vec<StoreCopyPlan>| {
                    (0..plans.len()).filter(|&k| !hit.contains(&plans[k].site)).collect::<Vec<usize>>()
                })
                .collect();
            disasters.push(PreparedDisaster {
                label: c.label(),
                cumulative: cumulative_here,
                hit,
                survivors,
                store_survivors,
                repair: c.repair.clone().unwrap_or_else(|| scenario.event.repair.clone()),
                primary_data_survives: c.primary_data_survives.unwrap_or(scenario.event.primary_data_survives),
                data: None,
            });
        }
        let n = topo.site_count();
        let mut capacity = vec![0; n];
        let mut shares = vec![0.0; n];
        let mut ready = vec![false; n];
        for (name, c) in &steady.capacity {
            capacity[site(name, "steady-state capacity")?.0 as usize] = *c;
        }
        for (name, s) in &steady.traffic {
            shares[site(name, "steady-state traffic")?.0 as usize] = *s;
        }
        for name in &steady.data_ready {
            ready[site(name, "steady-state data")?.0 as usize] = true;
        }
        for (name, x) in &steady.database_size {
            site(name, "steady-state database")?;
            if !(x.is_finite() && (0.0..=MAX_DATABASE_SIZE).contains(x)) {
                return Err(TrialError::Scenario(format!(
                    "steady-state database_size at site {name:?} = {x} is not allowed (must be finite, >= 0 and at most {MAX_DATABASE_SIZE:e} production databases)"
                )));
            }
        }
        Ok(DisasterTrial {
            scenario,
            strategy,
            steady,
            copies,
            stores,
            watches,
            tier_names: d.tiers.iter().map(|t| t.name.clone()).collect(),
            quorum,
            disasters,
            capacity,
            shares,
            ready,
            faults,
        })
    }
}
