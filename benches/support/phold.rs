//! PHOLD as docs/benchmarks.md section 1 defines it, in two implementations that must give
//! bit-identical results: one through drsim's public engine API, one on a bare `BinaryHeap`.
//!
//! Shared by `examples/phold.rs` and `benches/engine.rs`.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use drsim::engine::{EventQueue, SimDuration, SimRng, SimTime, StreamId, stream_rng};
use rand::RngExt;
use rand_distr::{Distribution, Exp1};

/// One benchmark time unit is one second of simulated time.
const NS_PER_UNIT: f64 = 1e9;

/// The outcome of a PHOLD run.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PholdResult {
    /// Events processed.
    pub events: u64,
    /// Simulated time of the last processed event, in benchmark units.
    pub final_time: f64,
    /// Sum over LPs of counter × (i + 1), modulo 2^61.
    pub checksum: u64,
}

fn rng(seed: u64) -> SimRng {
    stream_rng(seed, 0, StreamId(0))
}

// Durations in benchmark units (seconds) become nanoseconds through drsim's public
// `SimDuration::from_secs_f64`, which rounds to the nearest nanosecond exactly as
// `(x * 1e9).round()` does, without `f64::round`'s library call on baseline x86-64.
#[inline]
fn exp_ns(rng: &mut SimRng) -> u64 {
    let x: f64 = Exp1.sample(rng);
    SimDuration::from_secs_f64(x).as_nanos()
}

#[inline]
fn hold_ns(rng: &mut SimRng) -> u64 {
    let x: f64 = Exp1.sample(rng);
    SimDuration::from_secs_f64(0.1 + x).as_nanos()
}

fn checksum(counters: &[u64]) -> u64 {
    const M: u64 = (1 << 61) - 1;
    counters
        .iter()
        .enumerate()
        .fold(0u64, |acc, (i, &c)| ((u128::from(acc) + u128::from(c) * (i as u128 + 1)) % u128::from(M + 1)) as u64)
}

/// PHOLD through drsim's engine: the model state, ready to run.
pub struct DrsimPhold {
    queue: EventQueue<u32>,
    counters: Vec<u64>,
    rng: SimRng,
    lps: u32,
}

impl DrsimPhold {
    /// Builds the initial population (setup, not timed).
    pub fn new(lps: u32, per_lp: u32, seed: u64) -> Self {
        let mut rng = rng(seed);
        let mut queue = EventQueue::with_capacity((lps * per_lp) as usize);
        for lp in 0..lps {
            for _ in 0..per_lp {
                let at = SimTime::from_nanos(exp_ns(&mut rng));
                queue.schedule(at, lp).expect("initial events are never in the past");
            }
        }
        DrsimPhold { queue, counters: vec![0; lps as usize], rng, lps }
    }

    /// Processes `events` events (the timed part).
    pub fn run(&mut self, events: u64) -> PholdResult {
        let mut last = SimTime::ZERO;
        let mut done = 0;
        while done < events {
            let Some((t, lp)) = self.queue.pop() else { break };
            self.counters[lp as usize] += 1;
            let dest = self.rng.random_range(0..self.lps);
            let at = SimTime::from_nanos(t.as_nanos() + hold_ns(&mut self.rng));
            self.queue.schedule(at, dest).expect("PHOLD only schedules forward");
            last = t;
            done += 1;
        }
        PholdResult {
            events: done,
            final_time: last.as_nanos() as f64 / NS_PER_UNIT,
            checksum: checksum(&self.counters),
        }
    }
}

/// PHOLD on a bare `BinaryHeap` of (time, seq, lp): the floor any engine is measured against.
pub struct BarePhold {
    heap: BinaryHeap<Reverse<(u64, u64, u32)>>,
    seq: u64,
    counters: Vec<u64>,
    rng: SimRng,
    lps: u32,
}

impl BarePhold {
    /// Builds the initial population (setup, not timed).
    pub fn new(lps: u32, per_lp: u32, seed: u64) -> Self {
        let mut rng = rng(seed);
        let mut heap = BinaryHeap::with_capacity((lps * per_lp) as usize);
        let mut seq = 0;
        for lp in 0..lps {
            for _ in 0..per_lp {
                heap.push(Reverse((exp_ns(&mut rng), seq, lp)));
                seq += 1;
            }
        }
        BarePhold { heap, seq, counters: vec![0; lps as usize], rng, lps }
    }

    /// Processes `events` events (the timed part).
    pub fn run(&mut self, events: u64) -> PholdResult {
        let mut last = 0;
        let mut done = 0;
        while done < events {
            let Some(Reverse((t, _, lp))) = self.heap.pop() else { break };
            self.counters[lp as usize] += 1;
            let dest = self.rng.random_range(0..self.lps);
            self.heap.push(Reverse((t + hold_ns(&mut self.rng), self.seq, dest)));
            self.seq += 1;
            last = t;
            done += 1;
        }
        PholdResult { events: done, final_time: last as f64 / NS_PER_UNIT, checksum: checksum(&self.counters) }
    }
}
