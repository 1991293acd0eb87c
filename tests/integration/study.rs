//! The study layer: every strategy over the same disasters in one call, with the same numbers
//! as the lower-level runners (`run_trials`, `paired_difference`), independent of the thread
//! count, with per-trial outcomes as data.

use std::sync::Arc;

use drsim::Study;
use drsim::montecarlo::{paired_difference, run_trials};
use drsim::scenario::Scenario;
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
    assert_eq!(result.strategies[2].paired_rto.difference(1.0), by_hand);
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
