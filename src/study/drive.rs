//! The study's loop: every strategy over the same chunk of trials on the thread pool, then the
//! chunk recorded in trial order (so the result is the same for any number of threads).

use std::sync::atomic::Ordering;

use rayon::prelude::*;

use super::observer::{Flow, StudyObserver, StudyRun};
use super::result::{StrategyResult, StudyResult};
use super::state::StudyState;
use super::{Study, StudyError};
use crate::trial::{DisasterTrial, TrialError, TrialOutcome};

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
    Trial(TrialError),
    Cancelled,
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
    let run_chunk = |trial: &DisasterTrial<'_>, from: u64, upto: u64| {
        let control = &study.control;
        let run = || {
            (from..upto)
                .into_par_iter()
                .map(|i| {
                    // Looked at before every trial: a cancel waits for the trials under way only.
                    if control.is_cancelled() {
                        return Err(Stop::Cancelled);
                    }
                    let o = trial.run(study.seed, i).map_err(Stop::Trial)?;
                    control.trials_done.fetch_add(1, Ordering::Relaxed);
                    Ok(o)
                })
                .collect::<Result<Vec<_>, _>>()
        };
        match &pool {
            Some(p) => p.install(run),
            None => run(),
        }
    };
    while state.next < end {
        let (from, upto) = (state.next, state.next.saturating_add(study.chunk).min(end));
        // Every strategy's trials of the chunk run before any is recorded: a chunk stopped by a
        // cancel leaves no trace, and the state counts whole chunks only.
        let mut chunk: Vec<Vec<TrialOutcome>> = Vec::with_capacity(trials.len());
        for (si, trial) in trials.iter().enumerate() {
            match run_chunk(trial, from, upto) {
                Ok(o) => chunk.push(o),
                Err(Stop::Cancelled) => return Ok(StudyRun::Stopped(state)),
                Err(Stop::Trial(source)) => {
                    return Err(StudyError::Trial { name: study.entries[si].name.clone(), source });
                }
            }
        }
        for (si, (trial, outcomes)) in trials.iter().zip(&chunk).enumerate() {
            let s = &mut state.strategies[si];
            let kept = &mut outcomes_kept[si];
            for o in outcomes {
                s.summary.record(o);
                // The trial's cost: the business impact of its disaster plus its recovery cost.
                let cost = pricing.as_ref().map(|(cost, impact)| {
                    crate::cost::trial_cost_usd(cost, impact, &scenario.disaster, trial.steady_state(), o)
                });
                if let Some(c) = cost {
                    s.loss_micro_usd.record(crate::cost::to_micro_usd(c));
                }
                observer.outcome(&s.name, o, cost).map_err(StudyError::Observer)?;
                if study.keep_outcomes {
                    kept.1.push(cost);
                }
            }
            // Paired against the first strategy, trial by trial (common random numbers).
            if si > 0 {
                for (a, b) in chunk[0].iter().zip(outcomes) {
                    s.paired_rto.record(a.rto.map(|d| d.as_nanos()), b.rto.map(|d| d.as_nanos()));
                    s.paired_rpo.record(a.rpo.map(|x| x.as_nanos()), b.rpo.map(|x| x.as_nanos()));
                }
            }
        }
        if study.keep_outcomes {
            for (kept, outcomes) in outcomes_kept.iter_mut().zip(chunk) {
                kept.0.extend(outcomes);
            }
        }
        state.next = upto;
        let flow = observer.chunk_done(&state).map_err(StudyError::Observer)?;
        if flow == Flow::Stop && state.next < end {
            return Ok(StudyRun::Stopped(state));
        }
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
