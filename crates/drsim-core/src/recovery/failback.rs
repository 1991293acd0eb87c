//! The standard failback of replication strategies, as a runbook any strategy can reuse.
//!
//! ```text
//!  catch-up ──> freeze ──> final sync ──> promote primary ──> repoint DNS ──┬──> unfreeze
//!  (reverse replication drains        (one RTT +           (DataReady P)   └──> drain one TTL,
//!   what the DR site wrote)            a fixed time)                              scale DR in
//! ```
//!
//! The catch-up takes `bytes_to_resync / (reverse throughput − write rate)` (a fluid
//! approximation): writes go on at the DR site while the primary catches up. Writes are frozen
//! from the freeze to the repoint; clients still on the DR site's address until their DNS entry
//! expires reach a read-only copy, not a second writer.

use super::{Effect, FailbackContext, Runbook, Step, StrategyError};
use crate::engine::{DurationDistribution, SimDuration};

/// Step names of [`replication_failback`].
pub mod steps {
    /// The reverse replication drains what the DR site wrote.
    pub const CATCH_UP: &str = "reverse replication catch-up";
    /// Writes stop at the DR site.
    pub const FREEZE: &str = "freeze writes";
    /// The last writes reach the primary.
    pub const FINAL_SYNC: &str = "final sync";
    /// The primary's database becomes the writer again.
    pub const PROMOTE_PRIMARY: &str = "promote primary database";
    /// DNS points back to the primary.
    pub const REPOINT: &str = "repoint dns";
    /// Writes resume, at the primary.
    pub const UNFREEZE: &str = "unfreeze writes";
    /// Clients drain from the DR site (one TTL), which returns to its steady size.
    pub const SCALE_IN: &str = "drain and scale dr site in";
}

/// The times of a replication failback.
#[derive(Clone, Debug)]
pub struct ReplicationFailback {
    /// The strategy's name, for errors.
    pub strategy: String,
    /// Time to promote the primary's database.
    pub promote: DurationDistribution,
    /// Fixed time of the final sync, on top of one round trip.
    pub final_sync: SimDuration,
    /// DNS time to live (clients move home within it).
    pub dns_ttl: SimDuration,
}

/// The failback runbook; [`StrategyError::CannotCatchUp`] when writes outpace the way back.
pub fn replication_failback(ctx: &FailbackContext<'_>, f: &ReplicationFailback) -> Result<Runbook, StrategyError> {
    let d = ctx.deployment;
    let catch_up = ctx.catch_up_secs().ok_or_else(|| StrategyError::CannotCatchUp {
        strategy: f.strategy.clone(),
        write_bytes_per_s: ctx.write_bytes_per_s,
        throughput_bytes_per_s: ctx.reverse_throughput_bytes_per_s,
    })?;
    let secs = |s: f64| DurationDistribution::fixed(SimDuration::from_secs_f64(s));
    let zero = || DurationDistribution::fixed(SimDuration::ZERO);
    // One round trip ships the last writes and brings back the acknowledgement.
    let final_sync = 2.0 * ctx.latency.as_secs_f64() + f.final_sync.as_secs_f64();
    let scale_in = d.instances_needed().saturating_sub(ctx.steady.running_at(ctx.serving));
    // Failback ends once the clients have moved home, one TTL after the repoint; only then can
    // the instances that served them go.
    let drain = if scale_in > 0 {
        Effect::RemoveCapacity { site: ctx.serving.to_string(), instances: scale_in }
    } else {
        Effect::None
    };
    Ok(Runbook::new(vec![
        Step::new(steps::CATCH_UP, secs(catch_up)),
        Step::new(steps::FREEZE, zero()).after([steps::CATCH_UP]).effect(Effect::FreezeWrites),
        Step::new(steps::FINAL_SYNC, secs(final_sync)).after([steps::FREEZE]),
        Step::new(steps::PROMOTE_PRIMARY, f.promote.clone())
            .after([steps::FINAL_SYNC])
            .effect(Effect::DataReady { site: d.primary.clone() }),
        Step::new(steps::REPOINT, zero())
            .after([steps::PROMOTE_PRIMARY])
            .effect(Effect::RouteTraffic { sites: vec![d.primary.clone()], ttl: f.dns_ttl }),
        Step::new(steps::UNFREEZE, zero()).after([steps::REPOINT]).effect(Effect::UnfreezeWrites),
        Step::new(steps::SCALE_IN, DurationDistribution::fixed(f.dns_ttl)).after([steps::REPOINT]).effect(drain),
    ]))
}
