//! Results do not depend on the number of threads: trial `i` draws only from streams derived
//! from (seed, i), so running the same trials on 1 or 2 threads gives identical records.

use drsim::trial::DisasterTrial;
use rayon::ThreadPoolBuilder;

use crate::common::{load, run};

/// The compare scenario's warm standby, 500 trials, on a 1-thread and a 2-thread pool.
#[test]
fn warm_standby_same_on_one_and_two_threads() {
    let scenario = load("compare.toml");
    let entry = scenario.strategies.iter().find(|e| e.kind == "warm_standby").expect("compare.toml has a warm standby");
    let strategy = drsim::strategies::build(entry).unwrap_or_else(|e| panic!("{e}"));
    let trial = DisasterTrial::new(&scenario.disaster, strategy.as_ref()).unwrap_or_else(|e| panic!("{e}"));
    let seed = scenario.trials.seed;
    const N: u64 = 500;
    let on = |threads: usize| {
        let pool = ThreadPoolBuilder::new().num_threads(threads).build().expect("a thread pool");
        pool.install(|| run(&trial, seed, N))
    };
    let one = on(1);
    let two = on(2);
    assert_eq!(one.len(), N as usize);
    assert!(one.iter().enumerate().all(|(i, o)| o.trial == i as u64), "records out of trial order");
    assert_eq!(one, two);
}
