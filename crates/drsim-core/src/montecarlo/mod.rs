//! Monte Carlo: many disaster trials, in parallel, summarised in fixed memory.
//!
//! Trial `i` draws only from streams derived from (seed, i), so every strategy faces the same
//! disasters (common random numbers) and the outcome of a trial does not depend on which
//! thread runs it. Summaries accumulate in integers (nanoseconds, counts, 256-bit sums of
//! squares, integer histograms), so merging them is exact and order-free: a run split in
//! shards, or spread over any number of threads, gives bit-identical summaries.
//!
//! The module by job: `accumulator` (one exact summary of integers, and [`StateError`]),
//! `summary` (a strategy's [`TrialsSummary`]), `paired` (paired differences), `run` (the
//! runners).

mod accumulator;
mod paired;
mod run;
mod summary;

pub use accumulator::{Accumulator, StateError};
pub use paired::{PairedAccumulator, PairedDifference};
pub use run::{Chunks, paired_difference, reduce_per_thread, run_in_chunks, run_trials};
pub use summary::{Attainment, StoreSummary, TrialsSummary};

pub use crate::stats::Summary;
