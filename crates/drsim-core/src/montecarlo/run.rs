//! The runners: trials of one strategy summarised ([`run_trials`]), and two strategies compared
//! over the same trials ([`paired_difference`]).

use std::ops::Range;
use std::sync::{Mutex, PoisonError};

use rayon::prelude::*;

use super::{PairedAccumulator, PairedDifference, TrialsSummary};
use crate::trial::{DisasterTrial, TrialError, TrialOutcome};

/// Runs trials `range` of `trial` with `seed` on the current rayon pool and summarises them.
///
/// Memory does not grow with the number of trials. The result is the same for any number of
/// threads (see the module documentation).
pub fn run_trials(trial: &DisasterTrial<'_>, seed: u64, range: Range<u64>) -> Result<TrialsSummary, TrialError> {
    // One summary per worker thread, made when the thread first needs it. A summary per rayon
    // split (dozens on two threads), each growing its histograms from empty and merged up a
    // tree, cost a tenth of the trials' own time and did not scale. The accumulators are exact
    // and order-free, so the result is the same however the trials fall on the threads.
    let slots: Vec<Mutex<Option<TrialsSummary>>> =
        (0..rayon::current_num_threads().max(1)).map(|_| Mutex::new(None)).collect();
    range.into_par_iter().try_for_each(|i| -> Result<(), TrialError> {
        let outcome = trial.run(seed, i)?;
        let k = rayon::current_thread_index().unwrap_or(0) % slots.len();
        // Only this thread takes this lock (uncontended); a poisoned one still holds whole
        // summaries, since `record` cannot panic halfway through a value.
        let mut slot = slots[k].lock().unwrap_or_else(PoisonError::into_inner);
        slot.get_or_insert_with(TrialsSummary::default).record(&outcome);
        Ok(())
    })?;
    let mut total = TrialsSummary::default();
    for slot in slots {
        if let Some(s) = slot.into_inner().unwrap_or_else(PoisonError::into_inner) {
            total.merge(&s);
        }
    }
    Ok(total)
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
    let acc = range
        .into_par_iter()
        .try_fold(PairedAccumulator::default, |mut acc, i| -> Result<_, TrialError> {
            acc.record(metric(&a.run(seed, i)?), metric(&b.run(seed, i)?));
            Ok(acc)
        })
        .try_reduce(PairedAccumulator::default, |mut x, y| -> Result<_, TrialError> {
            x.merge(&y);
            Ok(x)
        })?;
    Ok(acc.difference(1.0))
}
