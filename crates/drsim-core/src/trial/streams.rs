//! The registry of random streams: every [`StreamId`] drsim's core draws from, in one place.
//!
//! Each concern of a trial draws from a stream of its own ([`TrialStreams::rng`]), so that a
//! change in how often one concern draws never shifts the numbers another sees: with the same
//! seed, every strategy faces the same disasters and the same writes (common random numbers).
//! That only holds while no two concerns share a stream by accident, so the ids are handed out
//! here and nowhere else; the engine itself names none.
//!
//! | id | value | concern |
//! |---|---|---|
//! | [`FAILURES`] | 1 | failure and repair processes; process `i` draws from `FAILURES.sub(i)` |
//! | [`WORKLOAD`] | 2 | write arrivals and sizes |
//! | [`NETWORK`] | 3 | link latency and bandwidth; quorum member `j` draws from `NETWORK.sub(j)` |
//! | [`STRATEGY`] | 4 | runbook step durations, failures and retries |
//! | [`DISASTER`] | 5 | the disaster of a disaster trial (its kind and time) |
//! | [`DETECTION`] | 6 | health-check phase and the like |
//! | [`BACKUP`] | 7 | backup and snapshot jobs |
//! | [`FAILBACK_WORKLOAD`] | 8 | writes at the standby after a failover |
//! | [`DISASTER_MIX`] | 9 | which disaster of a mix a trial draws |
//! | [`CORRUPTION`] | 10 | a logical disaster; copy `k` draws from `CORRUPTION.sub(k)`, the count of writes lost from [`CORRUPTION_COUNT`] |
//! | [`REPLICATION_STATE`] | 11 | the stationary state of an asynchronous copy at the disaster (its queue, departures, latencies and sizes), instead of a warm-up; copy `k` draws from `REPLICATION_STATE.sub(k)` |
//! | [`YEARS`] | `0xC057` | the simulated years of the annual-loss bootstrap (trial 0 of its seed) |
//!
//! The core's named streams are all below 64 (and [`YEARS`]). **A strategy or a user model
//! takes ids from 64 up** ([`FIRST_FREE`]); [`StreamId::sub`] derives one stream per element of
//! a concern (per link, per process), distinct for distinct `(id, index)` pairs.
//!
//! A data store other than the database draws the same concerns from a family of streams of
//! its own ([`TrialStreams::family`]): family 0 is the database's, store `j`'s is
//! [`store_family(j)`](store_family).
//!
//! ```
//! use drsim_core::engine::{StreamId, TrialStreams};
//! use drsim_core::trial::streams::{FIRST_FREE, WORKLOAD};
//!
//! let streams = TrialStreams::new(42, 7);
//! let writes = streams.rng(WORKLOAD); // what the core's write generator draws
//! const MY_MODEL: StreamId = StreamId(FIRST_FREE); // a user model's own stream
//! assert_ne!(streams.rng(MY_MODEL), writes);
//! ```

use crate::engine::StreamId;
#[cfg(doc)]
use crate::engine::TrialStreams;

/// Failure and repair processes of sites, zones, regions and links.
pub const FAILURES: StreamId = StreamId(1);
/// Write arrivals and sizes.
pub const WORKLOAD: StreamId = StreamId(2);
/// Link latency, jitter and bandwidth variability.
pub const NETWORK: StreamId = StreamId(3);
/// Runbook step durations, failures and retries.
pub const STRATEGY: StreamId = StreamId(4);
/// The disaster of a disaster trial (its kind and time).
pub const DISASTER: StreamId = StreamId(5);
/// Detection: health-check phase and the like.
pub const DETECTION: StreamId = StreamId(6);
/// Backup and snapshot jobs (job failures).
pub const BACKUP: StreamId = StreamId(7);
/// Writes made at the standby after a failover (what failback must resync).
pub const FAILBACK_WORKLOAD: StreamId = StreamId(8);
/// Which disaster of a mix a trial draws.
pub const DISASTER_MIX: StreamId = StreamId(9);
/// A logical disaster: its dwell time, the attacker, the backup schedules' phases and job
/// failures, the writes lost.
pub const CORRUPTION: StreamId = StreamId(10);
/// The number of writes a logical disaster destroys in one data store (in the store's
/// family): a sub-stream of [`CORRUPTION`] beyond any copy's index.
pub const CORRUPTION_COUNT: StreamId = CORRUPTION.sub(1 << 20);
/// The state at the disaster of an asynchronous copy whose stationary law is sampled exactly
/// (`model::replication::stationary`) instead of simulating a warm-up write by write: copy `k`
/// of a write log draws from `REPLICATION_STATE.sub(k)` (in its store's family).
pub const REPLICATION_STATE: StreamId = StreamId(11);
/// The simulated years of the annual-loss bootstrap (`cost::simulate_years`), drawn from
/// trial 0 of the seed it is given: above the core's trial streams.
pub const YEARS: StreamId = StreamId(0xC057);

/// The first id a strategy or a user model may take for a stream of its own: every id from
/// here up, other than [`YEARS`], is free.
pub const FIRST_FREE: u64 = 64;

/// The stream family ([`TrialStreams::family`]) of data store `store` (its index among the
/// deployment's stores); family 0 is the database's.
pub const fn store_family(store: usize) -> u64 {
    store as u64 + 1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_core_streams_are_distinct_and_below_the_free_range() {
        let named = [
            FAILURES,
            WORKLOAD,
            NETWORK,
            STRATEGY,
            DISASTER,
            DETECTION,
            BACKUP,
            FAILBACK_WORKLOAD,
            DISASTER_MIX,
            CORRUPTION,
            REPLICATION_STATE,
        ];
        let mut ids: Vec<u64> = named.iter().map(|s| s.0).collect();
        assert!(ids.iter().all(|&id| id < FIRST_FREE), "{ids:?}");
        ids.extend([YEARS.0, CORRUPTION_COUNT.0]);
        let n = ids.len();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), n, "two concerns share a stream");
        // The values are part of every saved result: changing one changes every output.
        assert_eq!((FAILURES.0, CORRUPTION.0, YEARS.0), (1, 10, 0xC057));
    }
}
