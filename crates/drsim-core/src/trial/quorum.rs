//! The copies in quorum mode, as one quorum over the primary's copy and theirs (docs/model.md,
//! "Quorum writes in trials").

use super::*;

impl DisasterTrial<'_> {
    /// The copies in quorum mode: one [`crate::model::Quorum`] over the primary's copy and
    /// theirs, each member's link with its outages before `t_d`; every surviving member's loss
    /// is the quorum's over the survivors (a recovery reads the longest surviving copy).
    #[allow(clippy::too_many_arguments)]
    pub(super) fn quorum_losses(
        &self,
        k: usize,
        members: &[usize],
        dis: &PreparedDisaster,
        streams: TrialStreams,
        start: SimTime,
        t_d: SimTime,
        faults: &[FaultHistory],
        losses: &mut [Option<Loss>],
        flags: &mut TrialFlags,
        p50: &mut Option<SimDuration>,
        p99: &mut Option<SimDuration>,
        write_blocked: &mut SimDuration,
    ) -> Result<(), TrialError> {
        use crate::model::{Quorum, QuorumMember};
        let quorum_err = |e: crate::model::QuorumError| TrialError::Scenario(format!("quorum: {e}"));
        let d = &self.scenario.deployment;
        let spec: Vec<QuorumMember> = std::iter::once(QuorumMember::Local)
            .chain(members.iter().map(|&c| QuorumMember::Remote(self.copies[c].link.clone())))
            .collect();
        let mut q = Quorum::build(&spec, k, &d.workload, streams, start)?;
        // Each member's link outages, in time order across the members (the model only moves
        // forward).
        let mut events: Vec<(SimTime, bool, usize)> = vec![];
        for (j, &c) in members.iter().enumerate() {
            let outages = faults[c].link.intervals();
            let first = outages.partition_point(|&(_, b)| b <= start);
            for &(a, b) in &outages[first..] {
                if a >= t_d {
                    break;
                }
                events.push((a.max(start), true, j + 1));
                if b <= t_d {
                    events.push((b, false, j + 1));
                }
            }
        }
        // At one instant a repair before a failure (adjacent outages of one link).
        events.sort_by_key(|&(t, down, m)| (t, down, m));
        // Writes cannot commit while fewer than k members can hold them (the primary's own
        // copy always can): write unavailability, as synchronous `block` counts it.
        let mut remote_up = members.len();
        let mut blocked_since: Option<SimTime> = None;
        let mut blocked = SimDuration::ZERO;
        for &(t, down, m) in &events {
            if down { q.link_down(m, t) } else { q.link_up(m, t) }.map_err(quorum_err)?;
            remote_up = if down { remote_up.saturating_sub(1) } else { remote_up + 1 };
            match (1 + remote_up < k, blocked_since) {
                (true, None) => blocked_since = Some(t),
                (false, Some(since)) => {
                    blocked += t - since;
                    blocked_since = None;
                }
                _ => {}
            }
        }
        if let Some(since) = blocked_since {
            blocked += t_d.saturating_since(since);
        }
        *write_blocked = (*write_blocked).max(blocked);
        // The primary is down: the disaster took it.
        let surviving: Vec<bool> =
            std::iter::once(false).chain(members.iter().map(|c| dis.survivors.contains(c))).collect();
        let loss = q.loss_at(t_d, &surviving).map_err(quorum_err)?;
        for (j, &c) in members.iter().enumerate() {
            if surviving[j + 1] {
                losses[c] = loss;
            }
            flags.unstable_replication |= q.stability(j + 1).is_some_and(|s| s.is_unstable());
        }
        if p50.is_none()
            && let Some([a, b]) = q.commit_latencies().quantiles([0.5, 0.99])
        {
            *p50 = Some(SimDuration::from_nanos(a));
            *p99 = Some(SimDuration::from_nanos(b));
        }
        Ok(())
    }
}
