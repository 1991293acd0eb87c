//! Recovery: the strategy API, runbooks and their executor, detection and the service level.
//!
//! The core knows no particular strategy. A [`Strategy`] says what runs where in steady state
//! ([`SteadyState`]: capacity, traffic, replication, database tier) and answers two events with
//! work to do: a disaster detected ([`Strategy::recovery`]) and the primary repaired
//! ([`Strategy::failback`]).
//! The work is a [`Runbook`]: data, so that users vary it without code, and so that every
//! strategy's recovery is measured by the same executor.

pub mod detection;
pub mod executor;
pub mod failback;
pub mod runbook;
pub mod service;
pub mod tiers;

pub use detection::{Detection, DetectionError};
pub use executor::{RunbookEnd, RunbookRun, execute};
pub use runbook::{Effect, Runbook, RunbookError, Step, Transfer};
pub use service::{ServiceState, ServiceWatch};
pub use tiers::Tier;

use crate::engine::{SimDuration, SimTime};
use crate::model::{Loss, ReplicationSpec, Topology, WorkloadSpec};

mod replicas;
pub use replicas::{Proximity, Replica, SurvivingCopy, WithReplicas, least_loss_closest};

/// The deployment a strategy protects: the sites, the primary and the DR site, the workload.
#[derive(Clone, Debug)]
pub struct Deployment {
    /// Regions, zones, sites and links.
    pub topology: Topology,
    /// The site serving production in normal operation.
    pub primary: String,
    /// The site recovery moves to (for active/active: the other active site).
    pub standby: String,
    /// The writes made at the primary.
    pub workload: WorkloadSpec,
    /// Size of the whole data set in bytes (what a full restore or a full resync moves).
    pub dataset_bytes: f64,
    /// Data stores besides the database, each with its own writes and copies (empty: the
    /// database is the only store). See [`crate::model::store`].
    pub stores: Vec<crate::model::DataStore>,
    /// Service tiers (web, app, ...), each needing its capacity; empty: one pool of
    /// instances. See [`tiers`].
    pub tiers: Vec<Tier>,
}

impl Deployment {
    /// Instances needed for full production capacity: the primary site's `instances_needed`.
    pub fn instances_needed(&self) -> u32 {
        self.topology.site(&self.primary).map_or(1, |s| self.topology.site_spec(s).instances_needed.max(1))
    }
}

/// What runs where in normal operation.
#[derive(Clone, Debug, PartialEq)]
pub struct SteadyState {
    /// How data reaches the standby, over the topology's link from primary to standby.
    pub replication: ReplicationSpec,
    /// Instances running per site.
    pub capacity: Vec<(String, u32)>,
    /// Traffic shares per site (summing to 1).
    pub traffic: Vec<(String, f64)>,
    /// Sites whose data can serve at once (the primary; both sites for active/active).
    pub data_ready: Vec<String>,
    /// The database tier running per site, as a multiple of the production database: 1.0 is a
    /// copy on the production database's instances and class (the primary; each active site
    /// of an active/active pair; a standby replica ready to take the load), 0.25 a replica on a
    /// class a quarter that size (a pilot light's small replica), absent or 0 nothing running
    /// (backup & restore's DR site holds only backups). Priced per hour by `[cost]
    /// database_running_usd_per_hour` (see `docs/cost-model.md`); finite and >= 0. `capacity`
    /// is the application tier: together they say what runs where.
    pub database_size: Vec<(String, f64)>,
}

impl SteadyState {
    /// Instances running at `site` in steady state.
    pub fn running_at(&self, site: &str) -> u32 {
        self.capacity.iter().filter(|(s, _)| s == site).map(|(_, c)| *c).sum()
    }

    /// The database tier running at `site` in steady state, in production databases.
    pub fn database_at(&self, site: &str) -> f64 {
        self.database_size.iter().filter(|(s, _)| s == site).map(|(_, x)| *x).sum()
    }
}

/// What a strategy knows when a disaster has been detected.
#[derive(Clone, Debug)]
pub struct RecoveryContext<'a> {
    /// The deployment.
    pub deployment: &'a Deployment,
    /// The strategy's own steady state.
    pub steady: &'a SteadyState,
    /// When the disaster struck.
    pub disaster_at: SimTime,
    /// When it was detected (the runbook starts now).
    pub detected_at: SimTime,
    /// What the copy recovery uses lacks (the copy at [`target`](Self::target)).
    pub loss: Loss,
    /// The site recovery moves to: the site of the surviving copy the strategy chose
    /// ([`Strategy::choose_copy`]); the deployment's standby unless replicas are configured.
    pub target: &'a str,
    /// Every copy that survived the disaster, with its loss (the chosen one included).
    pub copies: &'a [SurvivingCopy<'a>],
    /// How many times recovery has been restarted after a fault (0 the first time).
    pub attempt: u32,
    /// The deployment's data stores besides the database, each with the copy it recovers
    /// from (empty without `[[stores]]`). A store whose copy is a snapshot must be restored
    /// before traffic returns: the trial adds a step per such store to the runbook unless the
    /// strategy placed it itself ([`Runbook::with_store_restores`]).
    pub stores: &'a [StoreRecovery<'a>],
}

/// A data store besides the database, as recovery sees it after a disaster.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct StoreRecovery<'a> {
    /// The store's name.
    pub name: &'a str,
    /// The site of the surviving copy it recovers from (the one lacking the fewest writes,
    /// the closer on ties); `None` when the disaster left no copy of it.
    pub site: Option<&'a str>,
    /// What that copy lacks at the disaster (nothing when `site` is `None`).
    pub loss: Loss,
    /// When the copy is a snapshot or backup, what restoring it moves before use: (bytes,
    /// throughput in bytes per second); `None` for a live replica, used in place.
    pub restore: Option<(f64, f64)>,
}

impl StoreRecovery<'_> {
    /// The name of the runbook step restoring this store: `restore store <name>`.
    pub fn restore_step_name(&self) -> String {
        format!("restore store {}", self.name)
    }
}

/// What a strategy knows when failback can start.
#[derive(Clone, Debug)]
pub struct FailbackContext<'a> {
    /// The deployment.
    pub deployment: &'a Deployment,
    /// The strategy's own steady state.
    pub steady: &'a SteadyState,
    /// When the disaster struck.
    pub disaster_at: SimTime,
    /// When the service was restored at [`serving`](Self::serving).
    pub restored_at: SimTime,
    /// The site serving since the failover (the deployment's standby unless a replica elsewhere
    /// was chosen): failback moves service from here back to the primary.
    pub serving: &'a str,
    /// Every copy that survived the disaster, as recovery saw them ([`RecoveryContext::copies`]):
    /// the sites that may have served besides `serving` (active/active over several sites).
    pub copies: &'a [SurvivingCopy<'a>],
    /// When the primary came back (failback starts at the later of this and `restored_at`).
    pub primary_back_at: SimTime,
    /// Bytes the primary lacks: everything written at the standby since the disaster, plus the
    /// whole data set if the disaster destroyed the primary's data.
    pub bytes_to_resync: f64,
    /// Mean write rate in bytes per second (writes go on while the primary catches up).
    pub write_bytes_per_s: f64,
    /// Throughput from the standby back to the primary, in bytes per second.
    pub reverse_throughput_bytes_per_s: f64,
    /// One-way latency between the sites (mean).
    pub latency: SimDuration,
}

impl FailbackContext<'_> {
    /// Time for the primary to catch up while writes continue: the backlog drains at the
    /// throughput less the write rate (fluid approximation), or `None` if writes outpace the
    /// link and it never catches up.
    pub fn catch_up_secs(&self) -> Option<f64> {
        let net = self.reverse_throughput_bytes_per_s - self.write_bytes_per_s;
        if net <= 0.0 { None } else { Some(self.bytes_to_resync / net) }
    }
}

/// Why a strategy could not act.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum StrategyError {
    /// A parameter out of range.
    #[error("strategy {strategy}: {field} = {value} is not allowed ({allowed})")]
    BadParameter {
        /// The strategy's name.
        strategy: String,
        /// The key.
        field: &'static str,
        /// The value, as written.
        value: String,
        /// What is allowed.
        allowed: &'static str,
    },
    /// The deployment lacks something the strategy needs.
    #[error("strategy {strategy}: {problem}")]
    Deployment {
        /// The strategy's name.
        strategy: String,
        /// What is missing.
        problem: String,
    },
    /// Failback can never catch up.
    #[error(
        "strategy {strategy}: failback cannot catch up: writes at {write_bytes_per_s} B/s outpace the reverse link at {throughput_bytes_per_s} B/s"
    )]
    CannotCatchUp {
        /// The strategy's name.
        strategy: String,
        /// Write rate.
        write_bytes_per_s: f64,
        /// Reverse throughput.
        throughput_bytes_per_s: f64,
    },
}

/// A disaster-recovery strategy.
///
/// Implementations live outside the core (the built-in ones each in their own crate) and use
/// only this API.
pub trait Strategy: Send + Sync {
    /// A short name for reports.
    fn name(&self) -> &str;
    /// What runs where in normal operation.
    fn steady_state(&self, deployment: &Deployment) -> Result<SteadyState, StrategyError>;
    /// The work that restores service after a detected disaster.
    fn recovery(&self, ctx: &RecoveryContext<'_>) -> Result<Runbook, StrategyError>;
    /// The work that returns service to the repaired primary without losing data.
    fn failback(&self, ctx: &FailbackContext<'_>) -> Result<Runbook, StrategyError>;
    /// Copies kept besides the standby's (fed by [`SteadyState::replication`]): each on its own
    /// site, over the topology's link from the primary, in its own mode. Default: none.
    fn replicas(&self, _deployment: &Deployment) -> Vec<Replica> {
        vec![]
    }
    /// Which of the surviving copies recovery uses (an index into `copies`, never empty).
    /// Default: [`least_loss_closest`], the copy that lacks the fewest writes, the closer site
    /// to the primary on ties (same zone, then same region), then the standby before replicas.
    fn choose_copy(&self, copies: &[SurvivingCopy<'_>]) -> usize {
        least_loss_closest(copies)
    }
}
