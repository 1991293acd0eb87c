//! # drsim-core
//!
//! The core of [drsim](https://example.invalid/drsim): the model of a multi-site deployment —
//! sites in zones and regions, the links between them, the workload writing data, replication
//! of that data, and failures — on the generic discrete-event engine `drsim-engine`.
//!
//! - [`engine`]: the crate `drsim-engine`, re-exported: integer-nanosecond time, the event
//!   queue ordered by (time, insertion order), random streams seeded from (seed, trial, stream),
//!   and distributions as data. It knows nothing about disasters; the streams drsim draws from
//!   are named in one registry, [`trial::streams`].
//! - [`model`]: [`Topology`](model::Topology), [`LinkSpec`](model::LinkSpec),
//!   [`WorkloadSpec`](model::WorkloadSpec), replication models behind the
//!   [`Replication`](model::Replication) trait, failure processes and [`Outages`](model::Outages).
//!
//! - [`cost`]: running cost of a steady state, recovery cost and business impact of a
//!   disaster, expected and tail annual loss, the cheapest strategy meeting the objectives.
//!
//! Strategies (backup & restore, pilot light, ...) live in their own crates and use this one
//! exactly as a third party would.
//!
//! ## Example: what a disaster would cost an asynchronous replica
//!
//! The primary writes 50 times a second (sizes exponential, mean 640 KiB) to a standby over a
//! 50 MB/s link with 40 ms latency plus up to 10 ms of jitter. A region failure at 90 s
//! destroys the primary: what does the standby lack?
//!
//! ```
//! use drsim_core::engine::{Distribution, DurationDistribution, SimDuration, SimTime, TrialStreams};
//! use drsim_core::model::{AsyncFifo, LinkSpec, Replication, WorkloadSpec};
//!
//! let latency = DurationDistribution::new(Distribution::uniform(0.040, 0.050)?)?;
//! let link = LinkSpec::new("P", "S", latency, 50e6)?;
//! let workload = WorkloadSpec::poisson(50.0, Distribution::exponential(655_360.0)?)?;
//!
//! let mut replica = AsyncFifo::new(&link, &workload, TrialStreams::new(42, 0), SimTime::ZERO)?;
//! let disaster = SimTime::ZERO + SimDuration::from_secs(90);
//! let loss = replica.loss_at(disaster)?;
//! println!("lost {} writes ({} bytes), RPO {}", loss.writes_lost, loss.bytes_lost, loss.rpo);
//! assert!(loss.rpo < SimDuration::from_secs(5)); // utilisation 0.66: a short queue
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![warn(missing_docs)]

pub mod corruption;
pub mod cost;
/// The generic discrete-event engine: the [`drsim-engine`](drsim_engine) crate.
pub use drsim_engine as engine;
pub mod faults;
pub mod horizon;
pub mod limits;
pub mod model;
pub mod montecarlo;
pub mod recovery;
pub mod scenario;
pub mod stats;
#[cfg(feature = "testing")]
pub mod testing;
pub mod trial;
