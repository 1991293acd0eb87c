//! The model: topology, links, workload, replication and failures.
//!
//! Everything a strategy acts on lives here, and nothing here knows any particular strategy.

pub mod failure;
pub mod link;
pub mod reliability;
pub mod replication;
pub mod store;
pub mod topology;
pub mod workload;

pub use failure::{
    FailureError, FailureHistory, FailureProcess, FailureStart, FailureTarget, FailureTimeline, Outages, ProcessEvent,
    StateChange, Target, expected_events, failure_timeline, failure_timeline_with, process_events, simulate_failures,
    simulate_failures_with,
};
pub use link::{BandwidthVariability, LinkError, LinkSpec};
pub use reliability::{Component, ReliabilityError, SeriesHistory, simulate_series};
pub use replication::{
    AsyncFifo, Backlog, BuildReplicationError, DEFAULT_SEMI_SYNC_TIMEOUT, FluidAsync, LinkDownPolicy, LockMode, Loss,
    PublishedLag, Quorum, QuorumError, QuorumMember, QuorumStats, Replication, ReplicationError, ReplicationSpec,
    ReplicationStats, Retention, SemiSync, SnapshotKind, SnapshotShipping, SnapshotSpec, SnapshotStats, Stability,
    Synchronous, Vault, VaultLock,
};
pub use store::{DataStore, StoreCopy};
pub use topology::{
    LinkId, RegionId, SiteId, SiteSpec, SiteState, Topology, TopologyError, TopologySpec, ZoneId, ZoneSpec,
};
pub use workload::{Arrivals, WorkloadError, WorkloadSpec, Write, WriteGenerator};
