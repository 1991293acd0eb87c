//! The study's loop, on drsim's ordered parallel loop
//! ([`run_in_chunks`](crate::montecarlo::run_in_chunks)): each trial of a chunk runs every
//! strategy (and prices it) in parallel; then the chunk is recorded, and streamed to the
//! observer, in trial order (so the result is the same for any number of threads).

use std::ops::ControlFlow;
use std::sync::atomic::Ordering;

use super::observer::{Flow, StudyObserver, StudyRun};
use super::result::{StrategyResult, StudyResult};
use super::state::StudyState;
use super::{Study, StudyError};
use crate::montecarlo::{Chunks, run_in_chunks};
use crate::trial::{TrialError, TrialOutcome};

/// The study's own pool when it sets its threads (`None`: rayon's global pool).
pub(super) fn pool(study: &Study) -> Result<Option<rayon::ThreadPool>, StudyError> {
    study
        .threads
        .map(|t| {
            rayon::ThreadPoolBuilder::new()
                .num_threads(t)
                .build()
                .map_err(|e| StudyError::Threads { threads: t, message: e.to_string() })
        })
        .transpose()
}

/// Why a trial inside a study stopped.
enum Stop {
    Trial(usize, TrialError),
    Cancelled,
    Observer(super::observer::ObserverError),
}

pub(super) fn drive(study: &Study, observer: &mut dyn StudyObserver) -> Result<StudyRun, StudyError> {
    if study.entries.is_empty() {
        return Err(StudyError::NoStrategy);
    }
    for (i, e) in study.entries.iter().enumerate() {
        if study.entries[..i].iter().any(|x| x.name == e.name) {
            return Err(StudyError::DuplicateName(e.name.clone()));
        }
    }
    if study.chunk == 0 {
        return Err(StudyError::Setting { field: "chunk_size", value: "0".into(), allowed: "at least 1" });
    }
    let (start, end) = study.bounds();
    if start > end {
        return Err(StudyError::Setting { field: "range", value: format!("{start}..{end}"), allowed: "start <= end" });
    }
    let names = study.names();
    let mut state = match &study.resume {
        Some(s) => {
            s.check(study.seed, (start, end), &names)?;
            s.clone()
        }
        None => StudyState::fresh(study.seed, (start, end), &names),
    };
    let trials = study.disaster_trials()?;
    let scenario = &study.scenario;
    let pricing = (study.pricing && (scenario.cost.is_some() || scenario.impact.is_some()))
        .then(|| (scenario.cost.clone().unwrap_or_default(), scenario.impact.clone().unwrap_or_default()));
    let pool = pool(study)?;
    // At most 2^22 reserved up front (about a GB of address space, touched only as
    // outcomes arrive); beyond that the vectors grow as needed. Reserved at once: growing a
    // vector of millions of outcomes by doubling copied each one about twice (a tenth of a
    // reference run).
    let kept = if study.keep_outcomes { usize::try_from((end - state.next).min(1 << 22)).unwrap_or(0) } else { 0 };
    let mut outcomes_kept: Vec<(Vec<TrialOutcome>, Vec<Option<f64>>)> =
        trials.iter().map(|_| (Vec::with_capacity(kept), Vec::with_capacity(kept))).collect();
    let control = &study.control;
    // Every strategy's trials of a chunk run in parallel, priced there, and come back trial
    // by trial (`run_in_chunks`' width: one item per strategy), with no allocation per trial
    // (a vector per trial made the allocator a twentieth of a reference run).
    let (k, next) = (trials.len() as u64, state.next);
    let run = |i: u64, si: u64| -> Result<(TrialOutcome, Option<f64>), Stop> {
        // Looked at before every trial: a cancel waits for the trials under way only.
        if control.is_cancelled() {
            return Err(Stop::Cancelled);
        }
        let si = si as usize;
        let trial = &trials[si];
        let o = trial.run(study.seed, i).map_err(|e| Stop::Trial(si, e))?;
        control.trials_done.fetch_add(1, Ordering::Relaxed);
        // The trial's cost: the business impact of its disaster plus its recovery cost.
        let cost = pricing.as_ref().map(|(cost, impact)| {
            crate::cost::trial_cost_usd(cost, impact, &scenario.disaster, trial.steady_state(), &o)
        });
        Ok((o, cost))
    };
    // After each whole chunk, in trial order: every strategy's outcomes recorded, handed to
    // the observer (strategy order, then trial order) and kept if asked; then the state to the
    // observer, which may stop the study.
    let done = |chunk: std::ops::Range<u64>, outcomes: Vec<(TrialOutcome, Option<f64>)>| {
        for (si, st) in state.strategies.iter_mut().enumerate() {
            for row in outcomes.chunks(trials.len()) {
                let (o, cost) = &row[si];
                st.summary.record(o);
                if let Some(c) = cost {
                    st.loss_micro_usd.record(crate::cost::to_micro_usd(*c));
                }
                // Paired against the first strategy, trial by trial (common random numbers).
                if si > 0 {
                    let first = &row[0].0;
                    st.paired_rto.record(first.rto.map(|d| d.as_nanos()), o.rto.map(|d| d.as_nanos()));
                    st.paired_rpo.record(first.rpo.map(|x| x.as_nanos()), o.rpo.map(|x| x.as_nanos()));
                }
                observer.outcome(&st.name, o, *cost).map_err(Stop::Observer)?;
            }
        }
        if study.keep_outcomes {
            for (j, (o, cost)) in outcomes.into_iter().enumerate() {
                let kept = &mut outcomes_kept[j % trials.len()];
                kept.0.push(o);
                kept.1.push(cost);
            }
        }
        state.next = chunk.end;
        let flow = observer.chunk_done(&state).map_err(Stop::Observer)?;
        Ok(if flow == Flow::Stop && state.next < end { ControlFlow::Break(()) } else { ControlFlow::Continue(()) })
    };
    let chunks = Chunks { range: next..end, size: study.chunk, width: k, pool: pool.as_ref() };
    match run_in_chunks(chunks, run, done) {
        Ok(ControlFlow::Continue(())) => {}
        Ok(ControlFlow::Break(())) | Err(Stop::Cancelled) => return Ok(StudyRun::Stopped(state)),
        Err(Stop::Trial(si, source)) => return Err(StudyError::Trial { name: study.entries[si].name.clone(), source }),
        Err(Stop::Observer(e)) => return Err(StudyError::Observer(e)),
    }
    let strategies = study
        .entries
        .iter()
        .zip(state.strategies)
        .zip(outcomes_kept)
        .map(|((e, s), (outcomes, costs))| StrategyResult {
            name: s.name,
            kind: e.kind.clone(),
            state: s.summary,
            paired_rto: s.paired_rto,
            paired_rpo: s.paired_rpo,
            loss_micro_usd: s.loss_micro_usd,
            outcomes,
            costs,
        })
        .collect();
    Ok(StudyRun::Complete(StudyResult { seed: study.seed, trials: end - start, strategies, range: (start, end) }))
}
