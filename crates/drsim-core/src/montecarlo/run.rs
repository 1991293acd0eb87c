//! drsim's two parallel loops, and the runners on them: [`reduce_per_thread`] for runs that
//! only summarise ([`run_trials`], [`paired_difference`], priced trials, horizon runs) and
//! [`run_in_chunks`] for runs that stream every trial in order (the `drsim` facade's `Study`,
//! and so the `drsim` command and the Python bindings). Nothing else in drsim spawns
//! parallel work over trials.

use std::ops::{ControlFlow, Range};
use std::sync::{Mutex, PoisonError};

use rayon::prelude::*;

use super::{PairedAccumulator, PairedDifference, TrialsSummary};
use crate::trial::{DisasterTrial, TrialError, TrialOutcome};

/// The chunks [`run_in_chunks`] walks.
#[derive(Clone, Debug)]
pub struct Chunks<'p> {
    /// The indices to run.
    pub range: Range<u64>,
    /// Indices per chunk (0: the whole range as one chunk).
    pub size: u64,
    /// The pool the chunks run on (`None`: the current rayon pool). The callback runs on the
    /// calling thread, between chunks, so it need not be `Send`.
    pub pool: Option<&'p rayon::ThreadPool>,
}

/// drsim's parallel loop for runs that stream every item **in order** (a study writing each
/// trial to a file, saving checkpoints): for each chunk of `chunks.range`, in order, `run(i)`
/// for every index of the chunk in parallel, then `done(chunk, items)` on the calling thread
/// with the chunk's items in index order. `done` records them (in order, so any recording is
/// the same for any number of threads) and may stop the loop (`ControlFlow::Break`).
///
/// An error from `run` ends the loop before `done` sees any item of its chunk: a chunk cut
/// short (a cancel, a failed trial) leaves no trace, so what `done` recorded covers whole
/// chunks only, ready to save and resume. Memory holds one chunk of items.
///
/// Runs that only summarise use [`reduce_per_thread`] instead: each worker records into its
/// own summary, which keeps the calling thread out of the hot loop; here the order of the
/// items is worth the serial recording.
pub fn run_in_chunks<T: Send, E: Send>(
    chunks: Chunks<'_>,
    run: impl Fn(u64) -> Result<T, E> + Sync,
    mut done: impl FnMut(Range<u64>, Vec<T>) -> Result<ControlFlow<()>, E>,
) -> Result<ControlFlow<()>, E> {
    let Range { start, end } = chunks.range;
    let size = if chunks.size == 0 { end.saturating_sub(start).max(1) } else { chunks.size };
    let mut from = start;
    while from < end {
        let upto = from.saturating_add(size).min(end);
        let par = || (from..upto).into_par_iter().map(&run).collect::<Result<Vec<T>, E>>();
        let items = match chunks.pool {
            Some(p) => p.install(par),
            None => par(),
        }?;
        if done(from..upto, items)?.is_break() {
            return Ok(ControlFlow::Break(()));
        }
        from = upto;
    }
    Ok(ControlFlow::Continue(()))
}

/// The parallel reducer of runs that only summarise: `run(i)` for every `i` of `range` on the
/// current rayon pool, each result handed to `record` into **one summary per worker thread**
/// (made when the thread first needs it), the summaries merged at the end with `merge`.
///
/// A summary per rayon split (dozens on two threads), each growing its histograms from empty
/// and merged up a tree, cost a tenth of the trials' own time and did not scale. The result
/// is the same for any number of threads as long as `merge` is exact and order-free, as every
/// drsim accumulator is (integer sums and histograms). Memory does not grow with the range.
/// `run` executes outside any lock, so a trial may itself use rayon (a user's strategy): a
/// thread that steals another iteration while it waits never finds its own slot locked.
/// Runs that stream each item in order use [`run_in_chunks`].
pub fn reduce_per_thread<S: Send, T, E: Send>(
    range: Range<u64>,
    make: impl Fn() -> S + Sync,
    run: impl Fn(u64) -> Result<T, E> + Sync,
    record: impl Fn(&mut S, &T) + Sync,
    merge: impl Fn(&mut S, &S),
) -> Result<S, E> {
    let slots: Vec<Mutex<Option<S>>> = (0..rayon::current_num_threads().max(1)).map(|_| Mutex::new(None)).collect();
    range.into_par_iter().try_for_each(|i| -> Result<(), E> {
        let item = run(i)?;
        let k = rayon::current_thread_index().unwrap_or(0) % slots.len();
        // Only this thread takes this lock, and only to record (uncontended); a poisoned one
        // still holds whole summaries, since the accumulators cannot panic halfway through.
        let mut slot = slots[k].lock().unwrap_or_else(PoisonError::into_inner);
        record(slot.get_or_insert_with(&make), &item);
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
    reduce_per_thread(range, TrialsSummary::default, |i| trial.run(seed, i), |s, o| s.record(o), TrialsSummary::merge)
}

/// Compares metric `metric` (in ns, `None` when absent) of strategies A and B on trials
/// `range`: common random numbers make the paired interval much narrower than the difference
/// of two independent means. The mean difference B − A and its interval are in **seconds**;
/// `None` when no trial had the metric for both.
pub fn paired_difference(
    a: &DisasterTrial<'_>,
    b: &DisasterTrial<'_>,
    seed: u64,
    range: Range<u64>,
    metric: impl Fn(&TrialOutcome) -> Option<u64> + Sync,
) -> Result<Option<PairedDifference>, TrialError> {
    let acc = reduce_per_thread(
        range,
        PairedAccumulator::default,
        |i| -> Result<_, TrialError> { Ok((metric(&a.run(seed, i)?), metric(&b.run(seed, i)?))) },
        |acc, &(x, y)| acc.record(x, y),
        PairedAccumulator::merge,
    )?;
    Ok(acc.difference_secs())
}
