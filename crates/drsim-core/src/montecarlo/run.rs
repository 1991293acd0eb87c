//! The runners: trials of one strategy summarised ([`run_trials`]), and two strategies compared
//! over the same trials ([`paired_difference`]), both on one parallel reducer
//! ([`reduce_per_thread`]), which horizon runs use too.

use std::ops::Range;
use std::sync::{Mutex, PoisonError};

use rayon::prelude::*;

use super::{PairedAccumulator, PairedDifference, TrialsSummary};
use crate::trial::{DisasterTrial, TrialError, TrialOutcome};

/// The one parallel reducer of drsim's runners: `run(i)` for every `i` of `range` on the
/// current rayon pool, each result handed to `record` into **one summary per worker thread**
/// (made when the thread first needs it), the summaries merged at the end with `merge`.
///
/// A summary per rayon split (dozens on two threads), each growing its histograms from empty
/// and merged up a tree, cost a tenth of the trials' own time and did not scale. The result
/// is the same for any number of threads as long as `merge` is exact and order-free, as every
/// drsim accumulator is (integer sums and histograms). Memory does not grow with the range.
/// `run` executes outside any lock, so a trial may itself use rayon (a user's strategy): a
/// thread that steals another iteration while it waits never finds its own slot locked.
pub fn reduce_per_thread<S: Send, T, E: Send>(
    range: Range<u64>,
    make: impl Fn() -> S + Sync,
    run: impl Fn(u64) -> Result<T, E> + Sync,
    record: impl Fn(&mut S, T) + Sync,
    merge: impl Fn(&mut S, &S),
) -> Result<S, E> {
    let slots: Vec<Mutex<Option<S>>> = (0..rayon::current_num_threads().max(1)).map(|_| Mutex::new(None)).collect();
    range.into_par_iter().try_for_each(|i| -> Result<(), E> {
        let item = run(i)?;
        let k = rayon::current_thread_index().unwrap_or(0) % slots.len();
        // Only this thread takes this lock, and only to record (uncontended); a poisoned one
        // still holds whole summaries, since the accumulators cannot panic halfway through.
        let mut slot = slots[k].lock().unwrap_or_else(PoisonError::into_inner);
        record(slot.get_or_insert_with(&make), item);
        Ok(())
    })?;
    let mut total = make();
    for slot in slots {
        if let Some(s) = slot.into_inner().unwrap_or_else(PoisonError::into_inner) {
            merge(&mut total, &s);
        }
    }
    Ok(total)
}

/// Runs trials `range` of `trial` with `seed` on the current rayon pool and summarises them.
///
/// Memory does not grow with the number of trials. The result is the same for any number of
/// threads (see the module documentation).
pub fn run_trials(trial: &DisasterTrial<'_>, seed: u64, range: Range<u64>) -> Result<TrialsSummary, TrialError> {
    reduce_per_thread(range, TrialsSummary::default, |i| trial.run(seed, i), |s, o| s.record(&o), TrialsSummary::merge)
}

/// Compares metric `metric` (in ns, `None` when absent) of strategies A and B on trials
/// `range`: common random numbers make the paired interval much narrower than the difference
/// of two independent means. The result is in ns.
pub fn paired_difference(
    a: &DisasterTrial<'_>,
    b: &DisasterTrial<'_>,
    seed: u64,
    range: Range<u64>,
    metric: impl Fn(&TrialOutcome) -> Option<u64> + Sync,
) -> Result<PairedDifference, TrialError> {
    let acc = reduce_per_thread(
        range,
        PairedAccumulator::default,
        |i| -> Result<_, TrialError> { Ok((metric(&a.run(seed, i)?), metric(&b.run(seed, i)?))) },
        |acc, (x, y)| acc.record(x, y),
        PairedAccumulator::merge,
    )?;
    Ok(acc.difference(1.0))
}
