//! The data: what each copy of the database and of every store lacks when the disaster
//! strikes (its link's outages before it acting on replication), and what the service lost
//! over its stores once it recovered.

use super::*;

/// What replication left at the disaster, over the database's copies.
pub(super) struct AtDisaster {
    /// Per copy, what it lacks (`None`: the disaster destroyed it).
    pub(super) losses: Vec<Option<Loss>>,
    /// The longest time writes were blocked (a synchronous copy's link down).
    pub(super) write_blocked: SimDuration,
    /// The first synchronous copy's commit latency, median and p99.
    pub(super) commit_latency_p50: Option<SimDuration>,
    /// See `commit_latency_p50`.
    pub(super) commit_latency_p99: Option<SimDuration>,
    /// The flags replication raised (unstable, quorum lost...).
    pub(super) flags: TrialFlags,
}

/// The service's loss over its stores, and its RTO once every store is back.
pub(super) struct ServiceLoss {
    pub(super) rto: Option<SimDuration>,
    pub(super) rpo: Option<SimDuration>,
    pub(super) writes_lost: u64,
    pub(super) bytes_lost: u64,
    pub(super) copy_age: SimDuration,
    pub(super) stores: Vec<StoreOutcome>,
}

impl DisasterTrial<'_> {
    /// Data: what each copy lacks at the disaster, with its link's outages before it acting
    /// on replication (queueing, blocking or degrading). Copies the disaster destroys still
    /// shaped the writes before it (a synchronous copy's commit latency, a blocked link).
    pub(super) fn data_at_disaster(
        &self,
        dis: &PreparedDisaster,
        streams: TrialStreams,
        start: SimTime,
        t_d: SimTime,
        faults: &[FaultHistory],
    ) -> Result<AtDisaster, TrialError> {
        let d = &self.scenario.deployment;
        let mut losses = vec![None; self.copies.len()];
        let mut write_blocked = SimDuration::ZERO;
        let (mut commit_latency_p50, mut commit_latency_p99) = (None, None);
        let mut flags = TrialFlags::default();
        if let Some((k, members)) = &self.quorum {
            self.quorum_losses(
                *k,
                members,
                dis,
                streams,
                start,
                t_d,
                faults,
                &mut losses,
                &mut flags,
                &mut commit_latency_p50,
                &mut commit_latency_p99,
                &mut write_blocked,
            )?;
        }
        for (k, copy) in self.copies.iter().enumerate() {
            if let crate::model::ReplicationSpec::Quorum { .. } = copy.replication {
                continue;
            }
            // A copy in its stationary law needs no warm-up, unless a link outage acts on it.
            if let Some(st) = &copy.stationary
                && no_link_outage(&faults[k], start, t_d)
            {
                if dis.survivors.contains(&k) {
                    losses[k] = Some(st.loss(&mut streams.rng(REPLICATION_STATE.sub(k as u64))));
                }
                // Asynchronous: nothing blocked, no commit latency; stable (ρ < 1).
                flags.unstable_replication |= copy.stability.is_unstable();
                continue;
            }
            // A trial reads losses and backlogs, never the peak backlog.
            let mut repl = copy.replication.build_with_peaks(&copy.link, &d.workload, streams, start, false)?;
            replay_link_outages(repl.as_mut(), &faults[k], start, t_d)?;
            let survives = dis.survivors.contains(&k);
            if survives {
                losses[k] = Some(repl.loss_at(t_d)?);
            } else {
                repl.advance_to(t_d)?;
            }
            write_blocked = write_blocked.max(repl.stats().write_blocked);
            if commit_latency_p50.is_none()
                && let Some(h) = repl.commit_latencies()
                // One pass over the histogram for both.
                && let Some([p50, p99]) = h.quantiles([0.5, 0.99])
            {
                commit_latency_p50 = Some(SimDuration::from_nanos(p50));
                commit_latency_p99 = Some(SimDuration::from_nanos(p99));
            }
            flags.unstable_replication |= repl.stability().is_unstable();
        }

        Ok(AtDisaster { losses, write_blocked, commit_latency_p50, commit_latency_p99, flags })
    }

    /// The data stores' recoveries: for each, the surviving copy it recovers from.
    pub(super) fn store_recoveries(
        &self,
        dis: &PreparedDisaster,
        streams: TrialStreams,
        start: SimTime,
        t_d: SimTime,
        faults: &[FaultHistory],
        flags: &mut TrialFlags,
    ) -> Result<Vec<crate::recovery::StoreRecovery<'_>>, TrialError> {
        let d = &self.scenario.deployment;
        // The data stores: what each surviving copy lacks at the disaster, from the store's own
        // family of streams (its writes are not the database's), and the copy each recovers
        // from (the least loss, the closer site on ties).
        let mut store_ctx: Vec<crate::recovery::StoreRecovery<'_>> = Vec::with_capacity(self.stores.len());
        for (j, plans) in self.stores.iter().enumerate() {
            let store = &d.stores[j];
            let family = streams.family(store_family(j));
            let mut found: Vec<(usize, Loss)> = Vec::with_capacity(dis.store_survivors[j].len());
            for &k in &dis.store_survivors[j] {
                let c = &plans[k];
                if let Some(st) = &c.stationary
                    && no_link_outage(&faults[c.watch], start, t_d)
                {
                    found.push((k, st.loss(&mut family.rng(REPLICATION_STATE.sub(k as u64)))));
                    continue;
                }
                let mut repl = c.replication.build_with_peaks(&c.link, &store.workload, family, start, false)?;
                replay_link_outages(repl.as_mut(), &faults[c.watch], start, t_d)?;
                found.push((k, repl.loss_at(t_d)?));
            }
            flags.unstable_replication |= plans.iter().any(|c| c.stability.is_unstable());
            let best = found.iter().min_by_key(|&&(k, l)| (l.writes_lost, plans[k].proximity, k)).copied();
            store_ctx.push(match best {
                Some((k, loss)) => crate::recovery::StoreRecovery {
                    name: &store.name,
                    site: Some(&store.copies[k].site),
                    loss,
                    restore: match &plans[k].replication {
                        crate::model::ReplicationSpec::Snapshot(_) if store.restore_secs() > 0.0 => {
                            store.restore_throughput_bytes_per_s.map(|t| (store.dataset_bytes, t))
                        }
                        _ => None,
                    },
                },
                None => crate::recovery::StoreRecovery {
                    name: &store.name,
                    site: None,
                    loss: Loss::default(),
                    restore: None,
                },
            });
        }
        Ok(store_ctx)
    }

    /// The service's loss over its stores once recovered on `copy` (which lost `loss`): the
    /// largest RPO (censored if any store has no copy), the sums of writes and bytes, the
    /// oldest copy; a store that waits for the primary holds the RTO back until it is up.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn service_loss(
        &self,
        dis: &PreparedDisaster,
        copy: &CopyPlan,
        loss: Loss,
        store_ctx: &[crate::recovery::StoreRecovery<'_>],
        faults: &FaultHistory,
        t_d: SimTime,
        repair: SimDuration,
        rto: Option<SimDuration>,
        flags: &mut TrialFlags,
    ) -> ServiceLoss {
        let d = &self.scenario.deployment;
        let end = t_d + self.scenario.horizon;
        // The service's loss over its stores: the largest RPO (censored if any store has no
        // copy), the sums of writes and bytes, the oldest copy.
        let mut rto = rto;
        let (mut rpo, mut writes_lost, mut bytes_lost, mut copy_age) =
            (Some(loss.rpo), loss.writes_lost, loss.bytes_lost, loss.copy_age);
        let mut stores = Vec::with_capacity(store_ctx.len() + 1);
        if !store_ctx.is_empty() {
            stores.push(StoreOutcome {
                name: crate::model::store::DATABASE.to_string(),
                recovered_from: Some(copy.name.clone()),
                rpo: Some(loss.rpo),
                writes_lost: loss.writes_lost,
                bytes_lost: loss.bytes_lost,
                copy_age: loss.copy_age,
            });
        }
        for st in store_ctx {
            let (store_rpo, from) = match st.site {
                Some(site) => (Some(st.loss.rpo), Some(site.to_string())),
                // No copy of this store survived but the primary's data did: the store (so the
                // whole service) is back only with the primary.
                None if dis.primary_data_survives => {
                    let back = faults.primary.up_from(t_d + repair);
                    if back >= end {
                        rto = None;
                        flags.outlasted_horizon = true;
                    } else {
                        rto = rto.map(|r| r.max(back - t_d));
                    }
                    (Some(SimDuration::ZERO), Some(d.primary.clone()))
                }
                None => {
                    flags.no_surviving_copy = true;
                    (None, None)
                }
            };
            rpo = rpo.zip(store_rpo).map(|(a, b)| a.max(b));
            writes_lost = writes_lost.saturating_add(st.loss.writes_lost);
            bytes_lost = bytes_lost.saturating_add(st.loss.bytes_lost);
            copy_age = copy_age.max(st.loss.copy_age);
            stores.push(StoreOutcome {
                name: st.name.to_string(),
                recovered_from: from,
                rpo: store_rpo,
                writes_lost: st.loss.writes_lost,
                bytes_lost: st.loss.bytes_lost,
                copy_age: st.loss.copy_age,
            });
        }

        ServiceLoss { rto, rpo, writes_lost, bytes_lost, copy_age, stores }
    }
}

/// Replays a copy's link outages before `t_d` on its replication model (queueing, blocking or
/// degrading); outages over before the model starts leave no trace (a horizon's history is
/// global).
fn replay_link_outages(
    repl: &mut (dyn crate::model::Replication + Send),
    faults: &FaultHistory,
    start: SimTime,
    t_d: SimTime,
) -> Result<(), ReplicationError> {
    let link_outages = faults.link.intervals();
    let first = link_outages.partition_point(|&(_, b)| b <= start);
    for &(a, b) in &link_outages[first..] {
        if a >= t_d {
            break;
        }
        repl.link_down(a.max(start))?;
        if b <= t_d {
            repl.link_up(b)?;
        }
    }
    Ok(())
}

/// Whether no link outage of a copy acts on its replication over `[start, t_d)` (what
/// [`replay_link_outages`] would replay).
fn no_link_outage(faults: &FaultHistory, start: SimTime, t_d: SimTime) -> bool {
    let link_outages = faults.link.intervals();
    let first = link_outages.partition_point(|&(_, b)| b <= start);
    link_outages.get(first).is_none_or(|&(a, _)| a >= t_d)
}
