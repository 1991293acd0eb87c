//! The study layer: every strategy over the same disasters in one call, with the same numbers
//! as the lower-level runners (`run_trials`, `paired_difference`), independent of the thread
//! count, with per-trial outcomes as data.

use std::sync::Arc;

use drsim::Study;
use drsim::montecarlo::{paired_difference, run_trials};
use drsim::scenario::Scenario;
use drsim::study::{Flow, ObserverError, ResumeError, StudyControl, StudyError, StudyObserver, StudyRun, StudyState};
use drsim::trial::{DisasterTrial, TrialOutcome};

fn compare() -> Scenario {
    Scenario::from_path(concat!(env!("CARGO_MANIFEST_DIR"), "/examples/scenarios/compare.toml")).unwrap()
}

/// Each strategy's state equals `run_trials` over the same trials and seed, to the bit, and the
/// paired RTO difference equals `paired_difference`'s.
#[test]
fn a_study_equals_the_lower_level_runners() {
    let scenario = compare();
    let result = Study::new(scenario.clone()).unwrap().trials(300).seed(11).run().unwrap();
    assert_eq!(result.strategies.len(), scenario.strategies.len());
    let built: Vec<_> = scenario.strategies.iter().map(|e| drsim::strategies::build(e).unwrap()).collect();
    let trials: Vec<_> = built.iter().map(|s| DisasterTrial::new(&scenario.disaster, s.as_ref()).unwrap()).collect();
    for (r, t) in result.strategies.iter().zip(&trials) {
        assert_eq!(r.state, run_trials(t, 11, 0..300).unwrap(), "{}", r.name);
    }
    let rto = |o: &TrialOutcome| o.rto.map(|d| d.as_nanos());
    let by_hand = paired_difference(&trials[0], &trials[2], 11, 0..300, rto).unwrap();
    assert_eq!(result.strategies[2].paired_rto.difference_secs(), by_hand);
    let s = result.summaries();
    assert_eq!(s[0].rto_vs_first_s, None, "the first strategy is not compared with itself");
    assert!(s[2].rto_vs_first_s.unwrap().mean < 0.0, "warm standby recovers faster than backup & restore");
    assert_eq!(s[0].trials, 300);
    assert_eq!(s[0].recovered + s[0].censored, 300);
}

/// One thread and two give the same state and the same outcomes; outcomes come in trial
/// order, one per trial and strategy, and reach the closure in chunk, strategy, trial order.
#[test]
fn a_study_does_not_depend_on_threads_and_streams_its_outcomes() {
    let one = Study::new(compare()).unwrap().trials(250).threads(1);
    let mut streamed = vec![];
    let a = one.run_with(|name, o| streamed.push((name.to_string(), o.trial))).unwrap();
    let b = Study::new(compare()).unwrap().trials(250).threads(2).run().unwrap();
    for (x, y) in a.strategies.iter().zip(&b.strategies) {
        assert_eq!(x.state, y.state);
        assert_eq!(x.outcomes(), y.outcomes());
        assert!(x.outcomes().iter().enumerate().all(|(i, o)| o.trial == i as u64));
    }
    let rows: Vec<_> = a.outcomes().collect();
    assert_eq!(rows.len(), 4 * 250);
    assert_eq!(streamed.len(), 4 * 250);
    assert_eq!((streamed[0].1, streamed[249].1), (0, 249));
    assert_eq!(streamed[250].0, a.strategies[1].name);
    // Several chunks: chunk by chunk, then strategy, then trial (40 trials a chunk).
    let mut order = vec![];
    Study::new(compare())
        .unwrap()
        .trials(100)
        .chunk_size(40)
        .threads(2)
        .keep_outcomes(false)
        .run_with(|name, o| order.push((name.to_string(), o.trial)))
        .unwrap();
    let names: Vec<String> = a.strategies.iter().map(|s| s.name.clone()).collect();
    let expected: Vec<(String, u64)> = [0..40u64, 40..80, 80..100]
        .into_iter()
        .flat_map(|chunk| names.iter().flat_map(move |n| chunk.clone().map(move |t| (n.clone(), t))))
        .collect();
    assert_eq!(order, expected);
    // Priced: compare.toml has [cost] and [impact].
    assert!(rows.iter().all(|r| r.cost_usd.is_some_and(|c| c > 0.0)));
    // Without kept outcomes: the same summaries, no rows.
    let c = Study::new(compare()).unwrap().trials(250).keep_outcomes(false).run().unwrap();
    assert_eq!(c.outcomes().count(), 0);
    assert_eq!(c.strategies[3].state, a.strategies[3].state);
}

/// A strategy of your own runs beside the built-in ones; names must differ.
#[test]
fn a_study_takes_your_own_strategy() {
    let mut scenario = compare();
    scenario.strategies.truncate(1);
    let mine = drsim::strategies::build(&compare().strategies[2]).unwrap();
    let r = Study::new(scenario.clone()).unwrap().with_strategy("mine", Arc::from(mine)).trials(50).run().unwrap();
    assert_eq!(r.strategies[1].name, "mine");
    assert_eq!(r.strategies[1].kind, "custom");
    let again = drsim::strategies::build(&compare().strategies[2]).unwrap();
    let e = Study::new(scenario).unwrap().with_strategy("backup & restore", Arc::from(again)).run().err().unwrap();
    assert!(e.to_string().contains("named \"backup & restore\""), "{e}");
}

/// Stops after `k` whole chunks, as a checkpointing program stopped by Ctrl-C does; records
/// every outcome it is shown, as (strategy, trial).
struct StopAfter {
    k: u64,
    chunks: u64,
    seen: Vec<(String, u64)>,
}

impl StudyObserver for StopAfter {
    fn outcome(&mut self, strategy: &str, o: &TrialOutcome, _: Option<f64>) -> Result<(), ObserverError> {
        self.seen.push((strategy.to_string(), o.trial));
        Ok(())
    }

    fn chunk_done(&mut self, _: &StudyState) -> Result<Flow, ObserverError> {
        self.chunks += 1;
        Ok(if self.chunks >= self.k { Flow::Stop } else { Flow::Continue })
    }
}

/// The exact state as text: its JSON is its whole state (integer sums and histograms), so
/// equal texts are equal states, to the bit; and it is what a checkpoint saves.
fn exact(state: &StudyState) -> String {
    serde_json::to_string(state).unwrap()
}

/// Issue 15: a study stopped after 2 chunks of 40 and resumed from a JSON round-trip of its
/// state gives the state of an uninterrupted run, to the bit (summaries, paired and loss
/// accumulators), at 1 and 2 threads; the two parts show exactly the uninterrupted outcome
/// stream, split at the stop.
#[test]
fn a_stopped_study_resumed_from_its_saved_state_equals_an_uninterrupted_one() {
    let study = |threads| Study::new(compare()).unwrap().trials(130).seed(5).chunk_size(40).threads(threads);
    let mut whole_seen = StopAfter { k: u64::MAX, chunks: 0, seen: vec![] };
    let StudyRun::Complete(whole) = study(1).run_observed(&mut whole_seen).unwrap() else { panic!("stopped") };
    assert_eq!(whole_seen.chunks, 4, "130 trials in chunks of 40: 40, 40, 40, 10");
    let whole = whole.state();
    for threads in [1, 2] {
        let mut first = StopAfter { k: 2, chunks: 0, seen: vec![] };
        let StudyRun::Stopped(state) = study(threads).run_observed(&mut first).unwrap() else { panic!("not stopped") };
        assert_eq!((state.start, state.next, state.end), (0, 80, 130));
        let saved: StudyState = serde_json::from_str(&serde_json::to_string(&state).unwrap()).unwrap();
        let mut rest = StopAfter { k: u64::MAX, chunks: 0, seen: vec![] };
        let StudyRun::Complete(resumed) = study(threads).resume(saved).unwrap().run_observed(&mut rest).unwrap() else {
            panic!("stopped")
        };
        assert_eq!(exact(&resumed.state()), exact(&whole), "threads = {threads}");
        // The summaries in seconds follow from the state: equal too (paired ones included).
        assert_eq!(resumed.summaries(), study(1).run().unwrap().summaries());
        first.seen.extend(rest.seen);
        assert_eq!(first.seen, whole_seen.seen, "threads = {threads}");
    }
}

/// A cancel through `StudyControl` drops the chunk under way and returns the state of the
/// whole chunks (`run_observed`), or `Cancelled` (`run`, unchanged).
#[test]
fn a_cancelled_study_returns_its_whole_chunks() {
    /// Cancels while the second chunk is being recorded: that chunk is whole, the third is
    /// not begun (every trial looks at the switch first).
    struct CancelIn2nd(Arc<StudyControl>, u64);
    impl StudyObserver for CancelIn2nd {
        fn chunk_done(&mut self, _: &StudyState) -> Result<Flow, ObserverError> {
            self.1 += 1;
            if self.1 == 2 {
                self.0.cancel();
            }
            Ok(Flow::Continue)
        }
    }
    let control = Arc::new(StudyControl::default());
    let study = Study::new(compare()).unwrap().trials(200).chunk_size(50).control(control.clone());
    let StudyRun::Stopped(state) = study.run_observed(&mut CancelIn2nd(control.clone(), 0)).unwrap() else {
        panic!("not stopped")
    };
    assert_eq!(state.next, 100);
    assert!(state.strategies.iter().all(|s| s.summary.trials == 100));
    assert!(matches!(study.run(), Err(StudyError::Cancelled { .. })));
}

/// A state of another study is refused, the typed error naming what differs; so is a state no
/// run could have produced.
#[test]
fn a_state_of_another_study_is_refused() {
    let study = || Study::new(compare()).unwrap().trials(100).seed(3).chunk_size(50);
    let StudyRun::Stopped(state) = study().run_observed(&mut StopAfter { k: 1, chunks: 0, seen: vec![] }).unwrap()
    else {
        panic!("not stopped")
    };
    let refused = |s: Study| match s.resume(state.clone()) {
        Err(StudyError::Resume(e)) => e,
        Err(e) => panic!("{e}"),
        Ok(_) => panic!("accepted"),
    };
    assert_eq!(refused(study().seed(4)), ResumeError::Seed { state: 3, study: 4 });
    assert_eq!(refused(study().trials(101)), ResumeError::Range { state: (0, 100), study: (0, 101) });
    assert_eq!(refused(study().range(10..100)), ResumeError::Range { state: (0, 100), study: (10, 100) });
    let mut fewer = compare();
    fewer.strategies.pop();
    let e = refused(Study::new(fewer).unwrap().trials(100).seed(3));
    assert!(matches!(&e, ResumeError::Strategies { state, study } if state.len() == 4 && study.len() == 3), "{e}");
    // Edited: one more trial in a summary than the state has run.
    let mut edited = state.clone();
    edited.strategies[1].summary.trials += 1;
    let e = study().resume(edited).err().unwrap();
    assert!(e.to_string().contains("strategies[1].summary.trials"), "{e}");
    let mut past = state.clone();
    past.next = 101;
    assert_eq!(
        study().resume(past).err().map(|e| e.to_string()),
        Some(StudyError::Resume(ResumeError::Next { next: 101, start: 0, end: 100 }).to_string())
    );
    assert!(study().resume(state).is_ok(), "its own study takes it");
}

/// Trial `i` is the same whatever range runs it: `0..70` merged with `70..150` is `0..150`, to
/// the bit (the exact merges of `TrialsSummary`, `PairedAccumulator` and `Accumulator`).
#[test]
fn ranges_merge_into_the_whole() {
    let run = |r: std::ops::Range<u64>| Study::new(compare()).unwrap().seed(9).range(r).run().unwrap();
    let (a, b, whole) = (run(0..70), run(70..150), run(0..150));
    assert_eq!((a.range(), a.trials, whole.trials), (0..70, 70, 150));
    assert_eq!(b.strategies[0].outcomes()[0].trial, 70);
    let mut merged = a.state();
    for (m, s) in merged.strategies.iter_mut().zip(&b.state().strategies) {
        m.summary.merge(&s.summary);
        m.paired_rto.merge(&s.paired_rto);
        m.paired_rpo.merge(&s.paired_rpo);
        m.loss_micro_usd.merge(&s.loss_micro_usd);
    }
    (merged.end, merged.next) = (150, 150);
    assert_eq!(exact(&merged), exact(&whole.state()));
}

/// Horizon runs through the study equal `run_horizons` on each strategy's trial (on rayon's
/// global pool), at 1 and 2 threads (integer, order-free accumulators).
#[test]
fn horizons_through_the_study_equal_run_horizons() {
    let scenario = compare();
    let spec = scenario.horizon.clone().expect("compare.toml has a [horizon]");
    let built: Vec<_> = scenario.strategies.iter().map(|e| drsim::strategies::build(e).unwrap()).collect();
    let trials: Vec<_> = built.iter().map(|s| DisasterTrial::new(&scenario.disaster, s.as_ref()).unwrap()).collect();
    for threads in [1, 2] {
        let h = Study::new(compare()).unwrap().trials(12).seed(3).threads(threads).run_horizons(&spec).unwrap();
        assert_eq!(h.len(), 4);
        for ((h, t), e) in h.iter().zip(&trials).zip(&scenario.strategies) {
            assert_eq!(h.name, e.label());
            let by_hand = drsim::horizon::run_horizons(t, &spec, 3, 0..12).unwrap();
            // `==`, not `assert_eq!`: a failure would print two whole histograms.
            assert!(h.summary == by_hand, "{} at {threads} threads", h.name);
        }
    }
}
