//! # drsim-engine
//!
//! A small generic discrete-event engine: integer-nanosecond simulated time, an event queue
//! ordered by (time, insertion order), portable random streams seeded from (seed, trial,
//! stream), and probability distributions as data. It is the bottom layer of
//! [drsim](https://example.invalid/drsim), and it knows nothing about what is simulated: a model
//! defines its own event type, owns the loop, and draws each of its concerns from a stream of
//! its own. It can be benchmarked on its own (PHOLD) and reused for any model.
//!
//! - [`time`]: [`SimTime`] (an instant) and [`SimDuration`] (a span), integer nanoseconds
//!   with checked or saturating arithmetic, parsed from and printed as `"250ms"`, `"1h30m"`.
//! - [`queue`]: [`EventQueue`], pending events popped in (time, scheduling order), with
//!   cancellation; the caller owns the loop.
//! - [`rng`]: [`stream_rng`] and [`TrialStreams`], one Xoshiro256++ generator per (seed,
//!   trial, [`StreamId`]), so that changing how often one concern draws never shifts the numbers
//!   another sees. The engine names no stream: the ids belong to the model built on it.
//! - [`dist`]: [`Distribution`] and [`DurationDistribution`], parameters as serde data,
//!   validated once, with closed-form moments.
//! - [`sampler`]: [`Sampler`] and [`DurationSampler`], distributions prepared for hot loops,
//!   drawing bit-identical values.
//!
//! ## Example: a single server
//!
//! Jobs arrive at one server (times between arrivals exponential with mean 1 s) and each takes
//! between 0.2 s and 0.8 s (uniform); jobs that find the server busy wait their turn. Over one
//! simulated hour the server is busy about half of the time (offered load 0.5). Arrivals and
//! service times draw from two streams of their own, so a change to one leaves the other's
//! numbers as they were.
//!
//! ```
//! use drsim_engine::{Distribution, DurationDistribution, EventQueue, SimDuration, SimTime, StreamId, TrialStreams};
//!
//! enum Event {
//!     Arrival,
//!     Departure,
//! }
//! // The model names its streams; the engine only keeps them apart.
//! const ARRIVALS: StreamId = StreamId(1);
//! const SERVICE: StreamId = StreamId(2);
//!
//! let between = DurationDistribution::new(Distribution::exponential(1.0)?)?;
//! let service = DurationDistribution::new(Distribution::uniform(0.2, 0.8)?)?;
//! let streams = TrialStreams::new(42, 0); // seed 42, trial 0
//! let (mut arrivals, mut services) = (streams.rng(ARRIVALS), streams.rng(SERVICE));
//!
//! let end = SimTime::ZERO + SimDuration::from_hours(1);
//! let mut queue = EventQueue::new();
//! queue.schedule(SimTime::ZERO + between.sample(&mut arrivals), Event::Arrival)?;
//! let (mut waiting, mut served) = (0u32, 0u32);
//! let (mut busy_since, mut busy) = (None, SimDuration::ZERO);
//! while let Some((now, event)) = queue.pop_until(end) {
//!     match event {
//!         Event::Arrival => {
//!             queue.schedule_in(between.sample(&mut arrivals), Event::Arrival)?;
//!             if busy_since.is_none() {
//!                 busy_since = Some(now);
//!                 queue.schedule_in(service.sample(&mut services), Event::Departure)?;
//!             } else {
//!                 waiting += 1;
//!             }
//!         }
//!         Event::Departure => {
//!             served += 1;
//!             if waiting > 0 {
//!                 waiting -= 1;
//!                 queue.schedule_in(service.sample(&mut services), Event::Departure)?;
//!             } else if let Some(since) = busy_since.take() {
//!                 busy = busy.saturating_add(now.saturating_since(since));
//!             }
//!         }
//!     }
//! }
//! let utilisation = busy.as_secs_f64() / 3600.0;
//! assert!((utilisation - 0.5).abs() < 0.1, "utilisation {utilisation}");
//! assert!(served > 3000);
//! // The same seed and trial give the same run, on any platform and thread.
//! assert_eq!(TrialStreams::new(42, 0).rng(ARRIVALS), streams.rng(ARRIVALS));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![warn(missing_docs)]

pub mod dist;
pub mod queue;
pub mod rng;
pub mod sampler;
pub mod time;

pub use dist::{DistError, Distribution, DurationDistribution};
pub use queue::{EventId, EventQueue, ScheduleError};
pub use rng::{SimRng, StreamId, TrialStreams, stream_rng};
pub use sampler::{DurationSampler, Sampler};
pub use time::{ParseDurationError, SimDuration, SimTime};
