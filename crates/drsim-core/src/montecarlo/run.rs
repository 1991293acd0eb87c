//! drsim's two parallel loops, and the runners on them: [`reduce_per_thread`] for runs that
//! only summarise ([`run_trials`], [`paired_difference`], priced trials, horizon runs) and
//! [`run_in_chunks`] for runs that stream every trial in order (the `drsim` facade's `Study`,
//! and so the `drsim` command and the Python bindings). Outside these two, only the validation
//! cases (`drsim::validation`, which keep every outcome to compare with a closed form) run
//! trials in parallel.

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
    /// Items per index (0 counts as 1): `run(i, s)` for `s` in `0..width` (a study: one item
    /// per strategy of trial `i`). The items come back index by index, then by `s`.
    pub width: u64,
    /// The pool the chunks run on (`None`: the current rayon pool). The callback runs on the
    /// calling thread, between chunks, so it need not be `Send`.
    pub pool: Option<&'p rayon::ThreadPool>,
}

/// drsim's parallel loop for runs that stream every item **in order** (a study writing each
/// trial to a file, saving checkpoints): for each chunk of `chunks.range`, in order, `run(i, s)`
/// for every index `i` of the chunk and every `s < chunks.width` in parallel, then
/// `done(chunk, items)` on the calling thread with the chunk's items in order (by `i`, then
/// `s`: `items[(i - chunk.start) * width + s]`). `done` records them (in order, so any recording is
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
    run: impl Fn(u64, u64) -> Result<T, E> + Sync,
    mut done: impl FnMut(Range<u64>, Vec<T>) -> Result<ControlFlow<()>, E>,
) -> Result<ControlFlow<()>, E> {
    let Range { start, end } = chunks.range;
    let size = if chunks.size == 0 { end.saturating_sub(start).max(1) } else { chunks.size };
    let width = chunks.width.max(1);
    let mut from = start;
    while from < end {
        let upto = from.saturating_add(size).min(end);
        // Collected in order (rayon keeps it); nothing is allocated per index.
        let par = || {
            (from..upto)
                .into_par_iter()
                .flat_map_iter(|i| (0..width).map(move |s| (i, s)))
                .map(|(i, s)| run(i, s))
                .collect::<Result<Vec<T>, E>>()
        };
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
/// of two independent means. The mean difference B − A and its interval are in **seconds**
/// (the metric's nanoseconds × 10⁻⁹); `None` when no trial had the metric for both. For a
/// metric that is not a time (bytes lost), record a
/// [`PairedAccumulator`] yourself and read it with
/// [`difference(1.0)`](PairedAccumulator::difference).
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The chunks `done` saw, each with its items.
    type Seen = Vec<(Range<u64>, Vec<(u64, u64)>)>;

    /// Every chunk `done` sees, with its items, until `stop_after` chunks (then `Break`).
    fn walk(chunks: Chunks<'_>, fail_at: Option<u64>, stop_after: usize) -> (Result<ControlFlow<()>, u64>, Seen) {
        let mut seen = vec![];
        let run = |i: u64, s: u64| if Some(i) == fail_at { Err(i) } else { Ok((i, s)) };
        let r = run_in_chunks(chunks, run, |chunk, items| {
            seen.push((chunk, items));
            Ok(if seen.len() == stop_after { ControlFlow::Break(()) } else { ControlFlow::Continue(()) })
        });
        (r, seen)
    }

    /// Items come chunk by chunk, each in index order then by `s` (`items[(i - start) * width
    /// + s]`), the same on one thread and on two.
    #[test]
    fn chunks_come_in_order_whatever_the_threads() {
        let pools = [1, 2].map(|t| rayon::ThreadPoolBuilder::new().num_threads(t).build().unwrap());
        for pool in &pools {
            let (r, seen) = walk(Chunks { range: 10..21, size: 4, width: 3, pool: Some(pool) }, None, 0);
            assert_eq!(r, Ok(ControlFlow::Continue(())));
            let ranges: Vec<_> = seen.iter().map(|(c, _)| c.clone()).collect();
            assert_eq!(ranges, [10..14, 14..18, 18..21]);
            for (chunk, items) in &seen {
                let expected: Vec<_> = chunk.clone().flat_map(|i| (0..3).map(move |s| (i, s))).collect();
                assert_eq!(items, &expected);
            }
        }
    }

    /// Size 0 is the whole range as one chunk; width 0 counts as 1; an empty range calls nothing.
    #[test]
    fn size_zero_is_one_chunk_and_an_empty_range_runs_nothing() {
        let (_, seen) = walk(Chunks { range: 0..7, size: 0, width: 0, pool: None }, None, 0);
        assert_eq!(seen.len(), 1);
        assert_eq!(seen[0].0, 0..7);
        assert_eq!(seen[0].1, (0..7).map(|i| (i, 0)).collect::<Vec<_>>());
        let (r, seen) = walk(Chunks { range: 5..5, size: 3, width: 2, pool: None }, None, 0);
        assert_eq!((r, seen.len()), (Ok(ControlFlow::Continue(())), 0));
    }

    /// `Break` stops after the chunk that asked; an error leaves its chunk unseen (the chunks
    /// before it stay recorded, as a resumable state needs).
    #[test]
    fn break_stops_and_an_error_leaves_its_chunk_unseen() {
        let (r, seen) = walk(Chunks { range: 0..100, size: 10, width: 1, pool: None }, None, 2);
        assert_eq!((r, seen.len()), (Ok(ControlFlow::Break(())), 2));
        let (r, seen) = walk(Chunks { range: 0..100, size: 10, width: 2, pool: None }, Some(25), 0);
        assert_eq!(r, Err(25));
        assert_eq!(seen.iter().map(|(c, _)| c.clone()).collect::<Vec<_>>(), [0..10, 10..20]);
    }

    /// A range ending at `u64::MAX` ends exactly there (no overflow at the last chunk).
    #[test]
    fn a_range_at_the_top_of_u64_ends_exactly() {
        let top = u64::MAX;
        let (_, seen) = walk(Chunks { range: top - 5..top, size: 4, width: 4, pool: None }, None, 0);
        assert_eq!(seen.iter().map(|(c, _)| c.clone()).collect::<Vec<_>>(), [top - 5..top - 1, top - 1..top]);
        assert_eq!(seen[1].1, (0..4).map(|s| (top - 1, s)).collect::<Vec<_>>());
        let (_, seen) = walk(Chunks { range: top - 3..top, size: u64::MAX, width: 1, pool: None }, None, 0);
        assert_eq!(seen.len(), 1);
    }
}
