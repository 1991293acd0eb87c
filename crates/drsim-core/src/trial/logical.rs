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
    /// `primary` is the primary's downtime around it (a horizon run's history), which delays
    /// and restarts the restore; `None`: the scenario's fault processes from detection on.
    pub fn run_logical(
        &self,
        kind: DataDisasterKind,
        data: &DataDisaster,
        trial: u64,
        streams: TrialStreams,
        t_c: SimTime,
        primary: Option<&Downtime>,
    ) -> Result<TrialOutcome, TrialError> {
        let d = &self.scenario.deployment;
        let prepared = PreparedData::new(kind, data, d, "logical")?;
        let label = data.label(kind);
        // A horizon run follows every occurrence to its end (its own length bounds it).
        Ok(self.run_data(&label, &prepared, trial, streams, t_c, SimDuration::MAX, primary))
    }
    /// A logical disaster at `t_c` (docs/model.md, "Logical corruption"): detected a dwell time
    /// later; each damaged store restores its newest clean recovery point still there at
    /// detection ([`crate::corruption::newest_clean_point`] over its copies), all in parallel,
    /// then traffic is cut over. RTO is from `t_c` (the damage) like every RTO here; the
    /// detection delay is the dwell, so `rto − detection_delay` is the outage after detection.
    /// A damaged store without a clean point: its RPO, the service's and the RTO censored, flag
    /// `no_clean_copy`. The restores and the cutover run at the primary: while it is down they
    /// wait, and an outage during them restarts them (`recovery_delayed`). `primary` is its
    /// downtime; `None`: the scenario's fault processes, simulated from detection in their
    /// stationary state.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn run_data(
        &self,
        label: &str,
        data: &PreparedData,
        trial: u64,
        streams: TrialStreams,
        t_c: SimTime,
        limit: SimDuration,
        primary: Option<&Downtime>,
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
                let mut best: Option<(crate::corruption::CleanPoint, &str)> = None;
                for (k, (spec, site)) in specs.into_iter().enumerate() {
                    let mut rng = family.rng(CORRUPTION.sub(k as u64));
                    let phase = match spec {
                        ReplicationSpec::Snapshot(s) => s.phase.unwrap_or_else(|| {
                            SimDuration::from_nanos(rng.random_range(0..s.interval.as_nanos().max(1)))
                        }),
                        _ => SimDuration::ZERO,
                    };
                    if let Some(point) = newest_clean_point(spec, t_c, t_det, phase, attacked, &mut rng)
                        && best.is_none_or(|(b, _)| point.age < b.age)
                    {
                        best = Some((point, site));
                    }
                }
                match best {
                    Some((point, site)) => {
                        // Without replay the writes after the damage are lost too.
                        let lost = if data.replay { point.age } else { point.age.saturating_add(dwell) };
                        let mut count_rng = family.rng(CORRUPTION_COUNT);
                        let (w, b) = count_writes(workload, lost, &mut count_rng);
                        // A delayed replica is promoted as it is; a backup is restored.
                        let secs = if dataset > 0.0 && !point.live { dataset / data.restore[idx] } else { 0.0 };
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
        // Without a clean point of every damaged store there is nothing to bring the service
        // back with: the RTO is censored too (rebuilding from nothing is outside the model).
        let end = t_c.saturating_add(limit);
        let back = if flags.no_clean_copy {
            None
        } else {
            let work = restore.saturating_add(cutover);
            let (back, delayed) = match primary {
                Some(p) => restore_at(p, t_det, work, end),
                None if sc.faults.is_empty() => restore_at(&Downtime::none(), t_det, work, end),
                // Simulated from detection over a window doubled until the restore fits in it
                // (each process draws in time order, so a longer window extends the same
                // history: the result is the one over the whole trial, at a fraction of its
                // cost).
                None => {
                    // Never simulated past the scenario's horizon after the damage (a horizon
                    // run's occurrences, followed without limit, pass their history instead).
                    let end = end.min(t_c.saturating_add(sc.horizon));
                    let mut window = work.saturating_add(work).max(SimDuration::from_hours(1));
                    loop {
                        let until = t_det.saturating_add(window).min(end);
                        let down = self.primary_downtime(streams, t_det, until);
                        let (back, delayed) = restore_at(&down, t_det, work, until);
                        if back.is_some() || until >= end {
                            break (back, delayed);
                        }
                        window = window.saturating_add(window);
                    }
                }
            };
            flags.recovery_delayed = delayed;
            back
        };
        let rto = back.map(|b| b - t_c).filter(|&r| r <= limit);
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

/// When work of length `work` that must run uninterrupted at a site with downtime `down`,
/// begun at `from` and restarted from scratch after each outage that interrupts it, is done;
/// `None` when that is past `end`. The flag says whether an outage delayed it.
fn restore_at(down: &Downtime, from: SimTime, work: SimDuration, end: SimTime) -> (Option<SimTime>, bool) {
    let mut begin = down.up_from(from);
    let mut delayed = begin > from;
    loop {
        if begin >= end {
            return (None, delayed);
        }
        let done = begin.saturating_add(work);
        match down.next_failure_after(begin) {
            Some(f) if f < done => {
                delayed = true;
                begin = down.up_from(f);
            }
            _ => return ((done <= end).then_some(done), delayed),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// By hand: down [10, 20) and [25, 40); 8 units of work from 5: starts at 5, broken at 10,
    /// restarts at 20, broken at 25, restarts at 40, done at 48.
    #[test]
    fn restores_wait_for_the_site_and_restart_after_an_outage() {
        let t = |x: u64| SimTime::ZERO + SimDuration::from_secs(x);
        let down = Downtime::from_intervals([(t(10), t(20)), (t(25), t(40))]);
        let w = SimDuration::from_secs(8);
        assert_eq!(restore_at(&down, t(5), w, t(100)), (Some(t(48)), true));
        assert_eq!(restore_at(&down, t(40), w, t(100)), (Some(t(48)), false));
        assert_eq!(restore_at(&down, t(12), SimDuration::from_secs(5), t(100)), (Some(t(25)), true));
        assert_eq!(restore_at(&down, t(5), w, t(47)), (None, true));
        assert_eq!(restore_at(&Downtime::none(), t(5), w, t(100)), (Some(t(13)), false));
    }
}
