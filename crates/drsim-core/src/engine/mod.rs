//! The generic discrete-event engine: time, the event queue, random streams, distributions.
//!
//! Nothing here knows about disasters; the engine can be benchmarked on its own (PHOLD) and
//! reused for any model.

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
