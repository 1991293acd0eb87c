//! Quorum replication: a write commits once `k` of `n` members hold it.
//!
//! Examples: Amazon Aurora keeps six copies of its storage, two in each of three availability
//! zones, with a write quorum of 4 of the 6 votes (Verbitski et al., *Amazon Aurora: Design
//! Considerations for High Throughput Cloud-Native Relational Databases*, SIGMOD 2017, §2.1);
//! a Raft or Paxos
//! group over three regions commits on two of three, the leader's own log being one of them.
//!
//! Members:
//! - [`QuorumMember::Local`]: a copy on the primary's own storage. It holds every write the
//!   instant it is made and acknowledges at once. A leader's log counts as one (Raft); Aurora's
//!   six storage nodes are all remote, even the two in the writer's zone.
//! - [`QuorumMember::Remote`]: a copy over its own link, each a FIFO channel as in
//!   [`Synchronous`](super::Synchronous): a write reaches the member one transfer and one
//!   latency after the member's previous write, and its acknowledgement returns one more
//!   sampled latency later. Each link draws from its own network stream.
//!
//! A write commits at the `k`-th smallest of its members' acknowledgement instants (the local
//! member's being the write's own instant), and enters the primary's log then. Acknowledgements
//! come back in write order on each link, so commits are in write order too.
//!
//! Loss: every member's copy is a prefix of the log, so the union of the surviving members'
//! copies is the longest of them. [`Quorum::loss_at`] takes which members survive and answers
//! what a recovery reading that union loses: the committed writes beyond it. A committed write
//! is held by at least `k` members (an acknowledgement follows the arrival), so any `n − k + 1`
//! members include one of them: RPO is zero whenever at least `n − k + 1` members survive.

use std::collections::VecDeque;

use super::fifo::{Commit, FifoChannel, OnDown, PENDING};
use super::{BuildReplicationError, Loss, ReplicationError, Stability, check_forward};
use crate::engine::{SimDuration, SimTime, TrialStreams};
use crate::model::link::LinkSpec;
use crate::model::workload::{WorkloadSpec, WriteGenerator};
use crate::stats::Accumulator;
use crate::trial::streams::{NETWORK, WORKLOAD};

/// One member of a quorum.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum QuorumMember {
    /// A copy on the primary's own storage: it holds every write the instant it is made.
    Local,
    /// A copy at the far end of a link from the primary.
    Remote(LinkSpec),
}

/// A quorum query that cannot be answered.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum QuorumError {
    /// Models only move forward in time.
    #[error(transparent)]
    Time(#[from] ReplicationError),
    /// A member index out of range.
    #[error("quorum member {member} does not exist (members are 0 to {last})", last = members.saturating_sub(1))]
    NoSuchMember {
        /// The index given.
        member: usize,
        /// How many members there are.
        members: usize,
    },
    /// A link event for the local member.
    #[error("quorum member {member} is the primary's local copy: it has no link to fail or repair")]
    NoLink {
        /// The index given.
        member: usize,
    },
    /// `surviving` must have one flag per member.
    #[error("surviving has {got} flags for {members} quorum members: give one per member")]
    SurvivorCount {
        /// Flags given.
        got: usize,
        /// Members.
        members: usize,
    },
}

/// Counters of a quorum at its current instant.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct QuorumStats {
    /// Writes the workload made.
    pub writes_written: u64,
    /// Their bytes.
    pub bytes_written: u64,
    /// Writes committed (held by `k` members) before the current instant.
    pub committed: u64,
    /// Mean commit latency of the committed writes.
    pub commit_latency_mean: SimDuration,
    /// The smallest (zero when none has committed).
    pub commit_latency_min: SimDuration,
    /// The largest.
    pub commit_latency_max: SimDuration,
}

#[derive(Clone, Debug)]
enum Member {
    Local,
    Remote(Box<FifoChannel>),
}

/// A write not yet held by every member, or not yet committed.
#[derive(Clone, Copy, Debug)]
struct Record {
    issued: u64,
    /// The k-th smallest acknowledgement known (`PENDING` if fewer than k are known).
    commit: u64,
    /// Bytes of this write and every earlier one.
    cum_bytes: u64,
}

/// `k`-of-`n` quorum replication; see the [module documentation](self).
///
/// ```
/// use drsim_core::engine::{Distribution, DurationDistribution, SimDuration, SimTime, TrialStreams};
/// use drsim_core::model::{LinkSpec, Quorum, QuorumMember, WorkloadSpec};
///
/// let ms = |m| DurationDistribution::fixed(SimDuration::from_millis(m));
/// let region = |name: &str, m| QuorumMember::Remote(LinkSpec::new("P", name, ms(m), 1e9).unwrap());
/// // A leader in one region and two followers 10 ms and 40 ms away: 2 of 3.
/// let members = [QuorumMember::Local, region("B", 10), region("C", 40)];
/// let workload = WorkloadSpec::poisson(100.0, Distribution::fixed(1000.0).unwrap()).unwrap();
/// let mut q = Quorum::build(&members, 2, &workload, TrialStreams::new(1, 0), SimTime::ZERO).unwrap();
/// let t = SimTime::ZERO + SimDuration::from_secs(60);
/// // The leader's region is lost: B and C together still hold every committed write.
/// assert!(q.loss_at(t, &[false, true, true]).unwrap().unwrap().rpo.is_zero());
/// // Commits wait for B: one 20 ms round trip plus 1 µs of transfer.
/// assert_eq!(q.stats().commit_latency_max, SimDuration::from_nanos(20_001_000));
/// ```
#[derive(Clone, Debug)]
pub struct Quorum {
    generator: WriteGenerator,
    members: Vec<Member>,
    stability: Vec<Option<Stability>>,
    k: usize,
    start: u64,
    now: SimTime,
    log: VecDeque<Record>,
    /// `members.len()` acknowledgement instants per record, member by member.
    acks: VecDeque<u64>,
    /// Global index of `log[0]`.
    base: u64,
    /// Commit instant and cumulated bytes of write `base − 1` (the start and 0 before any).
    before_base: (u64, u64),
    /// Writes committed strictly before `now` (a prefix of the log).
    committed: u64,
    writes: u64,
    bytes: u64,
    latencies: Accumulator,
    latency_min: u64,
    latency_max: u64,
    scratch: Vec<u64>,
}

impl Quorum {
    /// A quorum over `members` committing on `k` of them, fed by `workload`, from `start`.
    ///
    /// Errors: no member, `k = 0`, `k` above the number of members, an invalid link or
    /// workload.
    pub fn build(
        members: &[QuorumMember],
        k: usize,
        workload: &WorkloadSpec,
        streams: TrialStreams,
        start: SimTime,
    ) -> Result<Quorum, BuildReplicationError> {
        let bad = |field, value: usize, allowed| BuildReplicationError::BadValue {
            mode: "quorum",
            field,
            value: value.to_string(),
            allowed,
        };
        if members.is_empty() {
            return Err(bad("members", 0, "at least one member"));
        }
        if k == 0 || k > members.len() {
            return Err(bad("k", k, "from 1 to the number of members"));
        }
        let generator = WriteGenerator::new(workload.clone(), start, streams.rng(WORKLOAD))?;
        let mut built = Vec::with_capacity(members.len());
        let mut stability = Vec::with_capacity(members.len());
        for (j, m) in members.iter().enumerate() {
            match m {
                QuorumMember::Local => {
                    built.push(Member::Local);
                    stability.push(None);
                }
                QuorumMember::Remote(link) => {
                    link.validate()?;
                    let rng = streams.rng(NETWORK.sub(j as u64));
                    built.push(Member::Remote(Box::new(FifoChannel::new(link, start.as_nanos(), Commit::Acked, rng))));
                    stability.push(Some(Stability::from_rates(
                        workload.mean_bytes_per_s(),
                        link.mean_throughput_bytes_per_s(),
                    )));
                }
            }
        }
        Ok(Quorum {
            generator,
            members: built,
            stability,
            k,
            start: start.as_nanos(),
            now: start,
            log: VecDeque::new(),
            acks: VecDeque::new(),
            base: 0,
            before_base: (start.as_nanos(), 0),
            committed: 0,
            writes: 0,
            bytes: 0,
            latencies: Accumulator::default(),
            latency_min: u64::MAX,
            latency_max: 0,
            scratch: Vec::with_capacity(members.len()),
        })
    }

    /// The number of members, `n`.
    pub fn members(&self) -> usize {
        self.members.len()
    }

    /// The number of members that must hold a write for it to commit, `k`.
    pub fn quorum(&self) -> usize {
        self.k
    }

    /// The model's current instant.
    pub fn now(&self) -> SimTime {
        self.now
    }

    /// Whether a remote member's link can carry the workload (`None` for the local member or
    /// an index out of range).
    pub fn stability(&self, member: usize) -> Option<Stability> {
        self.stability.get(member).copied().flatten()
    }

    /// How many writes member `member` holds at the current instant (`None` out of range).
    pub fn held_by(&self, member: usize) -> Option<u64> {
        self.members.get(member).map(|m| self.held(m))
    }

    fn held(&self, m: &Member) -> u64 {
        match m {
            Member::Local => self.writes,
            Member::Remote(ch) => ch.counters.items_delivered,
        }
    }

    /// Moves the model to `t`, generating the writes made before `t`.
    pub fn advance_to(&mut self, t: SimTime) -> Result<(), QuorumError> {
        check_forward(self.now, t)?;
        let Quorum { generator, members, log, acks, k, scratch, writes, bytes, before_base, .. } = self;
        generator.writes_before(t, |w| {
            let s = w.created.as_nanos();
            for m in members.iter_mut() {
                let ack = match m {
                    Member::Local => s,
                    Member::Remote(ch) => {
                        ch.push(s, w.bytes);
                        ch.items().last().map_or(PENDING, |i| i.created)
                    }
                };
                acks.push_back(ack);
            }
            let n = members.len();
            let from = acks.len() - n;
            let commit = kth_smallest(scratch, acks.range(from..).copied(), *k);
            let cum_bytes = log.back().map_or(before_base.1, |r| r.cum_bytes) + w.bytes;
            log.push_back(Record { issued: s, commit, cum_bytes });
            *writes += 1;
            *bytes += w.bytes;
        });
        let tn = t.as_nanos();
        for m in self.members.iter_mut() {
            if let Member::Remote(ch) = m {
                ch.deliver_until(tn);
            }
        }
        self.now = t;
        self.settle();
        Ok(())
    }

    /// Records the commits before the current instant and forgets the writes every member holds.
    fn settle(&mut self) {
        let tn = self.now.as_nanos();
        while let Some(r) = self.log.get((self.committed - self.base) as usize) {
            if r.commit >= tn {
                break;
            }
            let latency = r.commit - r.issued;
            self.latencies.record(latency);
            self.latency_min = self.latency_min.min(latency);
            self.latency_max = self.latency_max.max(latency);
            self.committed += 1;
        }
        let held_by_all = self.members.iter().map(|m| self.held(m)).min().unwrap_or(0);
        let n = self.members.len();
        while self.base < held_by_all.min(self.committed) {
            let Some(r) = self.log.pop_front() else { break };
            self.acks.drain(..n);
            self.before_base = (r.commit, r.cum_bytes);
            self.base += 1;
        }
    }

    /// Member `member`'s link fails at `t`: writes not yet sent to it wait, and so do their
    /// acknowledgements.
    pub fn link_down(&mut self, member: usize, t: SimTime) -> Result<(), QuorumError> {
        self.link_event(member, t, false)
    }

    /// Member `member`'s link is repaired at `t`.
    pub fn link_up(&mut self, member: usize, t: SimTime) -> Result<(), QuorumError> {
        self.link_event(member, t, true)
    }

    fn link_event(&mut self, member: usize, t: SimTime, up: bool) -> Result<(), QuorumError> {
        match self.members.get(member) {
            None => return Err(QuorumError::NoSuchMember { member, members: self.members.len() }),
            Some(Member::Local) => return Err(QuorumError::NoLink { member }),
            Some(Member::Remote(_)) => {}
        }
        self.advance_to(t)?;
        let n = self.members.len();
        let Member::Remote(ch) = &mut self.members[member] else { return Ok(()) };
        if up {
            ch.link_up(t.as_nanos());
        } else {
            ch.link_down(t.as_nanos(), OnDown::Wait);
        }
        // The acknowledgements of the writes still on their way to this member may have
        // changed (unknown while the link is down, drawn when it returns): copy them, and
        // recompute the commits not yet passed (those before `now` are final: no later event
        // can make an acknowledgement earlier than `now`).
        let first = ch.counters.items_delivered;
        for (p, item) in ch.items().iter().enumerate() {
            let g = first + p as u64;
            if g >= self.base {
                self.acks[(g - self.base) as usize * n + member] = item.created;
            }
        }
        let from = first.max(self.committed).max(self.base);
        for g in from..self.base + self.log.len() as u64 {
            let i = (g - self.base) as usize;
            let commit = kth_smallest(&mut self.scratch, self.acks.range(i * n..(i + 1) * n).copied(), self.k);
            self.log[i].commit = commit;
        }
        Ok(())
    }

    /// What a recovery reading the union of the surviving members' copies would lose if the
    /// primary vanished at `t`; `surviving[j]` says whether member `j` survives. `None` when no
    /// member survives.
    ///
    /// Lost: the writes committed before `t` beyond the longest surviving copy. RPO: `t` minus
    /// the commit of the oldest of them. Copy age: `t` minus the commit of the newest committed
    /// write the union holds.
    pub fn loss_at(&mut self, t: SimTime, surviving: &[bool]) -> Result<Option<Loss>, QuorumError> {
        if surviving.len() != self.members.len() {
            return Err(QuorumError::SurvivorCount { got: surviving.len(), members: self.members.len() });
        }
        self.advance_to(t)?;
        let Some(longest) = self.members.iter().zip(surviving).filter(|(_, s)| **s).map(|(m, _)| self.held(m)).max()
        else {
            return Ok(None);
        };
        let tn = t.as_nanos();
        let c = self.committed;
        let newest_held = longest.min(c);
        let copy_age = tn - if newest_held == 0 { self.start } else { self.commit_of(newest_held - 1) };
        let mut loss = Loss { copy_age: SimDuration::from_nanos(copy_age), ..Loss::default() };
        if longest < c {
            loss.writes_lost = c - longest;
            loss.bytes_lost = self.cum_bytes_of(c - 1) - if longest == 0 { 0 } else { self.cum_bytes_of(longest - 1) };
            loss.rpo = SimDuration::from_nanos(tn - self.commit_of(longest));
        }
        Ok(Some(loss))
    }

    /// Commit instant of write `g`, which must be `base − 1` or later.
    fn commit_of(&self, g: u64) -> u64 {
        if g + 1 == self.base { self.before_base.0 } else { self.log[(g - self.base) as usize].commit }
    }

    fn cum_bytes_of(&self, g: u64) -> u64 {
        if g + 1 == self.base { self.before_base.1 } else { self.log[(g - self.base) as usize].cum_bytes }
    }

    /// Counters at the current instant.
    pub fn stats(&self) -> QuorumStats {
        let l = &self.latencies;
        let mean = if l.count() > 0 { (l.sum() / u128::from(l.count())) as u64 } else { 0 };
        QuorumStats {
            writes_written: self.writes,
            bytes_written: self.bytes,
            committed: self.committed,
            commit_latency_mean: SimDuration::from_nanos(mean),
            commit_latency_min: SimDuration::from_nanos(if l.count() > 0 { self.latency_min } else { 0 }),
            commit_latency_max: SimDuration::from_nanos(self.latency_max),
        }
    }

    /// The distribution of commit latencies (ns) of the writes committed so far, zeros
    /// included (a write the local member and `k − 1` instant acknowledgements commit).
    pub fn commit_latencies(&self) -> &Accumulator {
        &self.latencies
    }
}

/// The `k`-th smallest (1-based) of `values`, with `PENDING` for unknown ones.
fn kth_smallest(scratch: &mut Vec<u64>, values: impl Iterator<Item = u64>, k: usize) -> u64 {
    scratch.clear();
    scratch.extend(values);
    *scratch.select_nth_unstable(k - 1).1
}
