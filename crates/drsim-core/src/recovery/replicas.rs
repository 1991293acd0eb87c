//! Copies besides the standby's, and which surviving copy recovery uses.
//!
//! ```text
//!             sync (zone a2)          async (region B)
//!   primary ────────────────► standby ───────────────► (nothing)
//!      │                                  replica R
//!      └──────────────────────────────────────────────►
//!   disaster = zone a1:   survivors {standby, R}  → the standby (RPO 0, same region)
//!   disaster = region A:  survivors {R}           → R (the async backlog is lost)
//! ```
//!
//! A strategy keeps one copy at the deployment's standby (its [`SteadyState::replication`]);
//! [`Strategy::replicas`] adds more, each on its own site over the topology's link from the
//! primary. Every copy is a prefix of the same write log, so their losses are ordered: the
//! default choice ([`least_loss_closest`]) takes the copy lacking the fewest writes, the closer
//! site on ties. [`WithReplicas`] adds replicas to any strategy (the `replicas` key of a scenario
//! file's strategy entry).
//!
//! [`SteadyState::replication`]: super::SteadyState::replication

use serde::{Deserialize, Serialize};

use super::{Deployment, FailbackContext, RecoveryContext, Runbook, SteadyState, Strategy, StrategyError};
use crate::model::{Loss, ReplicationSpec};

/// A copy of the data kept on a site besides the standby.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Replica {
    /// The site holding the copy (fed over the topology's link from the primary to it).
    pub site: String,
    /// How writes reach it.
    pub replication: ReplicationSpec,
    /// The strategy that recovers at this site and fails back from it, when it is not the
    /// entry's own (e.g. a pilot light in another region behind a Multi-AZ standby): its
    /// runbooks and what it runs at the site in steady state; its own `replication` is
    /// ignored (this replica's rules). Absent: the entry's strategy.
    #[serde(default)]
    pub strategy: Option<Box<crate::scenario::StrategyEntry>>,
}

/// How close a copy's site is to the primary (ordered: closer first).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Proximity {
    /// In the primary's zone.
    SameZone,
    /// In the primary's region, another zone.
    SameRegion,
    /// In another region.
    OtherRegion,
}

/// A copy that survived the disaster, as a strategy sees it when choosing where to recover.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SurvivingCopy<'a> {
    /// Its site.
    pub site: &'a str,
    /// What it lacks at the disaster.
    pub loss: Loss,
    /// How close its site is to the primary.
    pub proximity: Proximity,
    /// Whether it is the standby's copy (fed by the steady state's replication) rather than a
    /// replica.
    pub is_standby: bool,
}

/// The built-in choice: the copy lacking the fewest writes; on ties the closer site (same zone,
/// then same region), then the first in order (the standby before the replicas).
///
/// ```
/// use drsim_core::model::Loss;
/// use drsim_core::recovery::{Proximity, SurvivingCopy, least_loss_closest};
/// let copy = |site, writes_lost, proximity| SurvivingCopy {
///     site,
///     loss: Loss { writes_lost, ..Loss::default() },
///     proximity,
///     is_standby: false,
/// };
/// let copies = [copy("far", 0, Proximity::OtherRegion), copy("near", 0, Proximity::SameRegion), copy("stale", 9, Proximity::SameZone)];
/// assert_eq!(least_loss_closest(&copies), 1);
/// ```
pub fn least_loss_closest(copies: &[SurvivingCopy<'_>]) -> usize {
    (0..copies.len()).min_by_key(|&i| (copies[i].loss.writes_lost, copies[i].proximity, i)).unwrap_or(0)
}

/// A strategy with replicas added, each recovered by the inner strategy or by a strategy of
/// its own (which then also says what runs at the replica's site in steady state).
pub struct WithReplicas {
    inner: Box<dyn Strategy>,
    replicas: Vec<Replica>,
    by_site: Vec<(String, Box<dyn Strategy>)>,
}

impl WithReplicas {
    /// `inner`, keeping `replicas` besides its own copies, all recovered by `inner`.
    pub fn new(inner: Box<dyn Strategy>, replicas: Vec<Replica>) -> Self {
        WithReplicas { inner, replicas, by_site: vec![] }
    }

    /// The same, with `strategy` recovering at `site` (and failing back from it).
    pub fn recovered_by(mut self, site: impl Into<String>, strategy: Box<dyn Strategy>) -> Self {
        self.by_site.push((site.into(), strategy));
        self
    }

    fn at(&self, site: &str) -> &dyn Strategy {
        self.by_site.iter().find(|(s, _)| s == site).map_or(self.inner.as_ref(), |(_, s)| s.as_ref())
    }
}

impl Strategy for WithReplicas {
    fn name(&self) -> &str {
        self.inner.name()
    }
    /// The inner strategy's steady state, plus what runs at each replica's site: what the
    /// strategy recovering there (the replica's own, or the inner one) runs at a standby
    /// (capacity, traffic share and database).
    fn steady_state(&self, deployment: &Deployment) -> Result<SteadyState, StrategyError> {
        let mut steady = self.inner.steady_state(deployment)?;
        for r in &self.replicas {
            let site = &r.site;
            if r.strategy.is_none() && matches!(r.replication, ReplicationSpec::Snapshot(_)) {
                // A backup copy is storage: nothing runs at its site (give the replica a
                // strategy, e.g. backup_restore, to recover there with a restore).
                steady.capacity.retain(|(s, _)| s != site);
                steady.traffic.retain(|(s, _)| s != site);
                steady.database_size.retain(|(s, _)| s != site);
                continue;
            }
            let mut d = deployment.clone();
            d.standby = site.clone();
            let other = self.at(site).steady_state(&d)?;
            steady.capacity.retain(|(s, _)| s != site);
            steady.traffic.retain(|(s, _)| s != site);
            steady.database_size.retain(|(s, _)| s != site);
            steady.capacity.extend(other.capacity.into_iter().filter(|(s, _)| s == site));
            steady.traffic.extend(other.traffic.into_iter().filter(|(s, _)| s == site));
            steady.database_size.extend(other.database_size.into_iter().filter(|(s, _)| s == site));
        }
        Ok(steady)
    }
    fn recovery(&self, ctx: &RecoveryContext<'_>) -> Result<Runbook, StrategyError> {
        self.at(ctx.target).recovery(ctx)
    }
    fn failback(&self, ctx: &FailbackContext<'_>) -> Result<Runbook, StrategyError> {
        self.at(ctx.serving).failback(ctx)
    }
    fn replicas(&self, deployment: &Deployment) -> Vec<Replica> {
        let mut r = self.inner.replicas(deployment);
        r.extend(self.replicas.iter().cloned());
        r
    }
    fn choose_copy(&self, copies: &[SurvivingCopy<'_>]) -> usize {
        self.inner.choose_copy(copies)
    }
}
