//! A trial of a logical disaster (corruption, ransomware, deletion): no infrastructure fails;
//! each damaged store restores its newest clean recovery point (docs/model.md, "Logical
//! corruption").

use super::*;
use crate::corruption::{DataDisaster, DataDisasterKind};
use crate::trial::streams::{CORRUPTION, CORRUPTION_COUNT, store_family};

impl PreparedData {
    /// Resolves a logical disaster against the deployment: its stores' indices, its defaults.
    /// `key` names it in errors (`disasters[2]`, `horizon.logical[0]`).
    pub(super) fn new(
        kind: DataDisasterKind,
        data: &DataDisaster,
        d: &Deployment,
        key: &str,
    ) -> Result<PreparedData, TrialError> {
        data.validate(kind).map_err(|m| TrialError::Scenario(format!("{key}.{kind}.{m}")))?;
        let mut damaged = Vec::with_capacity(data.stores.len());
        for (k, name) in data.stores.iter().enumerate() {
            let idx = if name == crate::model::store::DATABASE {
                0
            } else {
                1 + d.stores.iter().position(|s| &s.name == name).ok_or_else(|| {
                    TrialError::Scenario(format!(
                        "{key}.{kind}.stores[{k}] = {name:?} is neither \"database\" nor a store of [[stores]]"
                    ))
                })?
            };
            damaged.push(idx);
        }
        let default_throughput =
            data.restore_throughput_bytes_per_s.unwrap_or(crate::corruption::DEFAULT_RESTORE_THROUGHPUT);
        Ok(PreparedData {
            kind,
            stores: damaged,
            dwell: data.dwell.clone().unwrap_or_else(|| DataDisaster::default_dwell(kind)),
            delete_probability: if kind == DataDisasterKind::Ransomware {
                data.delete_probability.unwrap_or(crate::corruption::DEFAULT_DELETE_PROBABILITY)
            } else {
                0.0
            },
            restore: std::iter::once(default_throughput)
                .chain(d.stores.iter().map(|s| s.restore_throughput_bytes_per_s.unwrap_or(default_throughput)))
                .collect(),
            cutover: data.cutover.clone().unwrap_or_else(|| DurationDistribution::fixed(SimDuration::from_mins(5))),
            replay: data.replay_after_damage,
        })
    }
}

impl DisasterTrial<'_> {
    /// One logical disaster at `t_c`, outside the mix (a horizon run's `[[horizon.logical]]`
    /// occurrences): as a mix entry of that kind would run, with every draw from `streams`.
    pub fn run_logical(
        &self,
        kind: DataDisasterKind,
        data: &DataDisaster,
        trial: u64,
        streams: TrialStreams,
        t_c: SimTime,
    ) -> Result<TrialOutcome, TrialError> {
        let d = &self.scenario.deployment;
        let prepared = PreparedData::new(kind, data, d, "logical")?;
        let label = data.label(kind);
        // A horizon run follows every occurrence to its end (its own length bounds it).
        Ok(self.run_data(&label, &prepared, trial, streams, t_c, SimDuration::MAX))
    }
    /// A logical disaster at `t_c` (docs/model.md, "Logical corruption"): detected a dwell time
    /// later; each damaged store restores its newest clean recovery point still there at
    /// detection ([`crate::corruption::newest_clean_point`] over its copies), all in parallel,
    /// then traffic is cut over. RTO is from `t_c` (the damage) like every RTO here; the
    /// detection delay is the dwell, so `rto − detection_delay` is the outage after detection.
    /// A damaged store without a clean point: its RPO, the service's and the RTO censored, flag
    /// `no_clean_copy`.
    pub(super) fn run_data(
        &self,
        label: &str,
        data: &PreparedData,
        trial: u64,
        streams: TrialStreams,
        t_c: SimTime,
        limit: SimDuration,
    ) -> TrialOutcome {
        use crate::corruption::{DataDisasterKind, count_writes, newest_clean_point};
        use crate::model::ReplicationSpec;
        let sc = self.scenario;
        let d = &sc.deployment;
        // The draws every strategy shares come first, from the trial's stream; each copy's
        // schedule and each store's count have sub-streams of their own, so that strategies
        // with different copies still face the same dwell, attack, cutover and writes (common
        // random numbers).
        let mut rng = streams.rng(CORRUPTION);
        let dwell = data.dwell.sample(&mut rng).min(crate::corruption::MAX_DWELL);
        let t_det = t_c.saturating_add(dwell);
        let attacked = data.kind == DataDisasterKind::Ransomware && rng.random::<f64>() < data.delete_probability;
        let cutover = data.cutover.sample(&mut rng);
        let mut flags = TrialFlags::default();
        let (mut rpo, mut writes_lost, mut bytes_lost, mut copy_age) =
            (Some(SimDuration::ZERO), 0u64, 0u64, SimDuration::ZERO);
        let mut restore = SimDuration::ZERO;
        let mut stores = vec![];
        for idx in 0..=d.stores.len() {
            // The data's own family of streams: the database's, or store idx - 1's.
            let family = if idx == 0 { streams } else { streams.family(store_family(idx - 1)) };
            let (name, workload, dataset) = match idx {
                0 => (crate::model::store::DATABASE, &d.workload, d.dataset_bytes),
                j => (d.stores[j - 1].name.as_str(), &d.stores[j - 1].workload, d.stores[j - 1].dataset_bytes),
            };
            let damaged = data.stores.contains(&idx);
            let (store_rpo, from, w, b) = if !damaged {
                (Some(SimDuration::ZERO), Some(d.primary.clone()), 0, 0)
            } else {
                let specs: Vec<(&ReplicationSpec, &str)> = match idx {
                    0 => self.copies.iter().map(|c| (&c.replication, c.name.as_str())).collect(),
                    j => d.stores[j - 1].copies.iter().map(|c| (&c.replication, c.site.as_str())).collect(),
                };
                // The youngest clean point over the copies: the smallest age before the damage.
                let mut best: Option<(SimDuration, &str)> = None;
                for (k, (spec, site)) in specs.into_iter().enumerate() {
                    let mut rng = family.rng(CORRUPTION.sub(k as u64));
                    let phase = match spec {
                        ReplicationSpec::Snapshot(s) => s.phase.unwrap_or_else(|| {
                            SimDuration::from_nanos(rng.random_range(0..s.interval.as_nanos().max(1)))
                        }),
                        _ => SimDuration::ZERO,
                    };
                    if let Some(age) = newest_clean_point(spec, t_c, t_det, phase, attacked, &mut rng)
                        && best.is_none_or(|(b, _)| age < b)
                    {
                        best = Some((age, site));
                    }
                }
                match best {
                    Some((age, site)) => {
                        // Without replay the writes after the damage are lost too.
                        let lost = if data.replay { age } else { age.saturating_add(dwell) };
                        let mut count_rng = family.rng(CORRUPTION_COUNT);
                        let (w, b) = count_writes(workload, lost, &mut count_rng);
                        let secs = if dataset > 0.0 { dataset / data.restore[idx] } else { 0.0 };
                        restore = restore.max(SimDuration::from_secs_f64(secs));
                        copy_age = copy_age.max(lost);
                        (Some(lost), Some(site.to_string()), w, b)
                    }
                    None => {
                        flags.no_clean_copy = true;
                        (None, None, 0, 0)
                    }
                }
            };
            rpo = rpo.zip(store_rpo).map(|(a, b)| a.max(b));
            writes_lost = writes_lost.saturating_add(w);
            bytes_lost = bytes_lost.saturating_add(b);
            if !d.stores.is_empty() {
                stores.push(StoreOutcome {
                    name: name.to_string(),
                    recovered_from: from,
                    rpo: store_rpo,
                    writes_lost: w,
                    bytes_lost: b,
                    copy_age: store_rpo.unwrap_or(SimDuration::ZERO),
                });
            }
        }
        let back = t_det.saturating_add(restore).saturating_add(cutover);
        // Without a clean point of every damaged store there is nothing to bring the service
        // back with: the RTO is censored too (rebuilding from nothing is outside the model).
        let rto = (!flags.no_clean_copy && back - t_c <= limit).then(|| back - t_c);
        flags.outlasted_horizon = !flags.no_clean_copy && rto.is_none();
        let (rto_met, rpo_met) = sc.objectives.judge(rto, rpo);
        TrialOutcome {
            trial,
            disaster: label.to_string(),
            from_mix: self.disasters.len() > 1,
            logical: true,
            disaster_at: t_c,
            detection_delay: dwell,
            first_partial_service: rto,
            rto,
            rpo,
            recovered_at: Some(d.primary.clone()),
            writes_lost,
            bytes_lost,
            copy_age,
            stores,
            failback: None,
            write_freeze: None,
            failback_done_at: None,
            failback_bytes_lost: 0,
            failback_rpo: SimDuration::ZERO,
            write_blocked: SimDuration::ZERO,
            serving_outage: SimDuration::ZERO,
            commit_latency_p50: None,
            commit_latency_p99: None,
            rto_met,
            rpo_met,
            flags,
        }
    }
}
