//! `phold-hand`, the hand-written PHOLD baseline of issue 21, copied into the benches so that
//! `cargo bench --bench engine` shows drsim's ratio to it in the same process.
//!
//! Source: `baselines/hand/src/main.rs` of issue 21's benchmark material, which is not part of
//! this repository (modes `binheap` and `quadheap`): the event loops and the 4-ary heap copied
//! statement for statement (the loop state moved into a struct); only `main`'s argument parsing,
//! timing and printing are left out.
//! Each event is one `u128`: the f64 time's bits (positive f64s order like their bit patterns),
//! a 32-bit insertion sequence (FIFO tie-break), the 32-bit destination LP. Random numbers:
//! `SmallRng` seeded with 42, `Exp(1)`, the same order as the original, so each mode gives the
//! program's own `final_time` and checksum.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use rand::rngs::SmallRng;
use rand::{RngExt, SeedableRng};
use rand_distr::{Distribution, Exp};

const N: usize = 1024;
const INIT_PER_LP: usize = 16;
const SEED: u64 = 42;
const LOOKAHEAD: f64 = 0.1;
const MOD: u64 = 1 << 61;

#[inline(always)]
fn key(t: f64, seq: u64, lp: usize) -> u128 {
    debug_assert!(t >= 0.0);
    ((t.to_bits() as u128) << 64) | ((seq as u128) << 32) | (lp as u128)
}

#[inline(always)]
fn time_of(k: u128) -> f64 {
    f64::from_bits((k >> 64) as u64)
}

#[inline(always)]
fn lp_of(k: u128) -> usize {
    (k as u32) as usize
}

/// Minimal 4-ary min-heap over u128 keys ("hole" sifting, no swaps).
pub struct QuadHeap {
    v: Vec<u128>,
}

impl QuadHeap {
    fn with_capacity(n: usize) -> Self {
        Self { v: Vec::with_capacity(n) }
    }

    #[inline(always)]
    fn push(&mut self, k: u128) {
        let mut i = self.v.len();
        self.v.push(k);
        while i > 0 {
            let p = (i - 1) >> 2;
            let pk = self.v[p];
            if pk <= k {
                break;
            }
            self.v[i] = pk;
            i = p;
        }
        self.v[i] = k;
    }

    #[inline(always)]
    fn pop(&mut self) -> Option<u128> {
        let last = self.v.pop()?;
        let n = self.v.len();
        if n == 0 {
            return Some(last);
        }
        let v = &mut self.v[..];
        let top = v[0];
        let mut i = 0;
        loop {
            let c = 4 * i + 1;
            if c + 3 < n {
                let (a, b, cc, d) = (v[c], v[c + 1], v[c + 2], v[c + 3]);
                let (m1, k1) = if b < a { (c + 1, b) } else { (c, a) };
                let (m2, k2) = if d < cc { (c + 3, d) } else { (c + 2, cc) };
                let (m, mk) = if k2 < k1 { (m2, k2) } else { (m1, k1) };
                v[i] = mk;
                i = m;
            } else if c < n {
                let mut m = c;
                let mut mk = v[c];
                #[allow(clippy::needless_range_loop)] // as in the original
                for j in c + 1..n {
                    if v[j] < mk {
                        m = j;
                        mk = v[j];
                    }
                }
                v[i] = mk;
                i = m;
            } else {
                break;
            }
        }
        while i > 0 {
            let p = (i - 1) >> 2;
            let pk = v[p];
            if pk <= last {
                break;
            }
            v[i] = pk;
            i = p;
        }
        v[i] = last;
        Some(top)
    }
}

/// The model state after setup (not timed): the RNG, the counters, the initial keys.
pub struct HandPhold {
    rng: SmallRng,
    exp: Exp<f64>,
    counts: Vec<u64>,
    seq: u64,
    init: Vec<u128>,
}

/// (final_time, checksum) of a run.
pub type HandResult = (f64, u64);

impl HandPhold {
    /// The initial population: event k of LP i at Exp(1), drawn i-major, k-minor.
    pub fn new() -> Self {
        let mut rng = SmallRng::seed_from_u64(SEED);
        let exp = Exp::new(1.0).unwrap();
        let mut seq = 0;
        let mut init = Vec::with_capacity(N * INIT_PER_LP);
        for i in 0..N {
            for _ in 0..INIT_PER_LP {
                let t: f64 = exp.sample(&mut rng);
                init.push(key(t, seq, i));
                seq += 1;
            }
        }
        HandPhold { rng, exp, counts: vec![0; N], seq, init }
    }

    fn result(&self, final_time: f64) -> HandResult {
        let checksum =
            self.counts.iter().enumerate().fold(0u64, |acc, (i, &c)| (acc + (c % MOD) * (i as u64 + 1) % MOD) % MOD);
        (final_time, checksum)
    }

    /// Mode `binheap`: std `BinaryHeap`, pop then push (the reference row of issue 21).
    pub fn run_binheap(mut self, events: u64) -> HandResult {
        let mut heap: BinaryHeap<Reverse<u128>> = std::mem::take(&mut self.init).into_iter().map(Reverse).collect();
        let mut final_time = 0.0f64;
        for _ in 0..events {
            let Reverse(k) = heap.pop().expect("queue never empties in PHOLD");
            let t = time_of(k);
            self.counts[lp_of(k)] += 1;
            let j = self.rng.random_range(0..N);
            let d: f64 = self.exp.sample(&mut self.rng);
            heap.push(Reverse(key(t + LOOKAHEAD + d, self.seq, j)));
            self.seq += 1;
            final_time = t;
        }
        self.result(final_time)
    }

    /// Mode `quadheap`: the hand-written 4-ary heap, pop then push.
    pub fn run_quadheap(mut self, events: u64) -> HandResult {
        let mut heap = QuadHeap::with_capacity(self.init.len() + 1);
        for k in std::mem::take(&mut self.init) {
            heap.push(k);
        }
        let mut final_time = 0.0f64;
        for _ in 0..events {
            let k = heap.pop().expect("queue never empties in PHOLD");
            let t = time_of(k);
            self.counts[lp_of(k)] += 1;
            let j = self.rng.random_range(0..N);
            let d: f64 = self.exp.sample(&mut self.rng);
            heap.push(key(t + LOOKAHEAD + d, self.seq, j));
            self.seq += 1;
            final_time = t;
        }
        self.result(final_time)
    }
}
