//! Monte Carlo: many disaster trials, in parallel, summarised in fixed memory.
//!
//! Trial `i` draws only from streams derived from (seed, i), so every strategy faces the same
//! disasters (common random numbers) and the outcome of a trial does not depend on which
//! thread runs it. Summaries accumulate in integers (nanoseconds, counts, 256-bit sums of
//! squares, integer histograms), so merging them is exact and order-free: a run split in
//! shards, or spread over any number of threads, gives bit-identical summaries.
//!
//! The module by job: `summary` (a strategy's [`TrialsSummary`], built of the exact
//! accumulators of [`stats`](crate::stats), re-exported here), `run` (the two parallel loops
//! and the runners).

mod run;
mod summary;

// The accumulators live in `stats` (the models use them too, and must not depend on the Monte
// Carlo layer); they are re-exported here, where a study's states are assembled.
pub use crate::stats::{Accumulator, PairedAccumulator, PairedDifference, StateError};
pub use run::{Chunks, paired_difference, reduce_per_thread, run_in_chunks, run_trials};
pub use summary::{Attainment, StoreSummary, TrialsSummary};

pub use crate::stats::Summary;
