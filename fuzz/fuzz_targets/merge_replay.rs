//! The `merge` fuzz target as a plain binary, for machines without libFuzzer: mutates the
//! seed corpus (`fuzz/corpus/merge`) for a given time and feeds every mutant to what
//! `drsim merge` does (`merge_common.rs`), catching panics. Deterministic for a seed.
//!
//! ```text
//! cargo build --release --bin merge_replay
//! target/release/merge_replay corpus/merge 600 [seed]   # 600 s
//! ```
//!
//! Mutations: flip, insert, delete and duplicate bytes; replace a number with an extreme one
//! (0, 1, u64::MAX, 2^64, u128::MAX, −1, 1e308, NaN-like text); splice two inputs; join or
//! split shards. Prints runs, accepted merges, refusals and crashes; exits 1 on a crash, and
//! writes each crashing input to `crash-<n>` in the working directory.

mod merge_common;

use std::time::{Duration, Instant};

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        // xorshift64*
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        if n == 0 { 0 } else { (self.next() % n as u64) as usize }
    }
}

const EXTREMES: &[&str] = &[
    "0",
    "1",
    "2",
    "-1",
    "18446744073709551615",
    "18446744073709551616",
    "340282366920938463463374607431768211455",
    "340282366920938463463374607431768211456",
    "9223372036854775807",
    "1e308",
    "-1e308",
    "0.5",
    "null",
    "[]",
    "{}",
    "\"x\"",
    "4294967295",
];

/// Spans of the JSON numbers in `s`.
fn numbers(s: &[u8]) -> Vec<(usize, usize)> {
    let mut out = vec![];
    let mut i = 0;
    while i < s.len() {
        if s[i].is_ascii_digit() || (s[i] == b'-' && s.get(i + 1).is_some_and(u8::is_ascii_digit)) {
            let a = i;
            i += 1;
            while i < s.len() && (s[i].is_ascii_digit() || matches!(s[i], b'.' | b'e' | b'E' | b'+' | b'-')) {
                i += 1;
            }
            out.push((a, i));
        } else {
            i += 1;
        }
    }
    out
}

fn mutate(rng: &mut Rng, corpus: &[Vec<u8>], input: &mut Vec<u8>) {
    for _ in 0..1 + rng.below(4) {
        match rng.below(9) {
            0 | 1 | 2 => {
                // An extreme or nearby number in place of one of the input's numbers.
                let ns = numbers(input);
                if ns.is_empty() {
                    continue;
                }
                let (a, b) = ns[rng.below(ns.len())];
                let new: Vec<u8> = if rng.below(3) == 0 {
                    let old: u128 = std::str::from_utf8(&input[a..b]).ok().and_then(|t| t.parse().ok()).unwrap_or(0);
                    let v = match rng.below(4) {
                        0 => old.wrapping_add(1),
                        1 => old.wrapping_sub(1),
                        2 => old.wrapping_mul(2),
                        _ => old / 2,
                    };
                    v.to_string().into_bytes()
                } else {
                    EXTREMES[rng.below(EXTREMES.len())].as_bytes().to_vec()
                };
                input.splice(a..b, new);
            }
            3 => {
                if !input.is_empty() {
                    let i = rng.below(input.len());
                    input[i] ^= 1 << rng.below(8);
                }
            }
            4 => {
                let i = rng.below(input.len() + 1);
                input.insert(i, rng.next() as u8);
            }
            5 => {
                if !input.is_empty() {
                    let a = rng.below(input.len());
                    let b = (a + 1 + rng.below(16)).min(input.len());
                    input.drain(a..b);
                }
            }
            6 => {
                if !input.is_empty() {
                    let a = rng.below(input.len());
                    let b = (a + 1 + rng.below(64)).min(input.len());
                    let chunk = input[a..b].to_vec();
                    let at = rng.below(input.len() + 1);
                    input.splice(at..at, chunk);
                }
            }
            7 => {
                // Splice with another input.
                let other = &corpus[rng.below(corpus.len())];
                let a = rng.below(input.len() + 1);
                let b = rng.below(other.len() + 1);
                input.truncate(a);
                input.extend_from_slice(&other[b..]);
            }
            _ => {
                // Join another input as one more shard.
                input.push(0xFF);
                input.extend_from_slice(&corpus[rng.below(corpus.len())]);
            }
        }
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let dir = args.get(1).map_or("corpus/merge", String::as_str);
    let secs: u64 = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(60);
    let seed: u64 = args.get(3).and_then(|s| s.parse().ok()).unwrap_or(0x5EED);
    let mut corpus: Vec<Vec<u8>> = std::fs::read_dir(dir)
        .expect("the corpus directory")
        .filter_map(|e| std::fs::read(e.ok()?.path()).ok())
        .collect();
    assert!(!corpus.is_empty(), "an empty corpus");
    for c in &corpus {
        merge_common::merge(c).expect("every seed merges");
    }
    std::panic::set_hook(Box::new(|_| {}));
    let mut rng = Rng(seed | 1);
    let (start, limit) = (Instant::now(), Duration::from_secs(secs));
    let (mut runs, mut accepted, mut crashes) = (0u64, 0u64, 0u64);
    while start.elapsed() < limit {
        for _ in 0..64 {
            let mut input = corpus[rng.below(corpus.len())].clone();
            mutate(&mut rng, &corpus, &mut input);
            runs += 1;
            match std::panic::catch_unwind(|| merge_common::merge(&input)) {
                Ok(Ok(_)) => {
                    accepted += 1;
                    // Keep accepted mutants (bounded): they reach deeper into the merge.
                    if corpus.len() < 4096 && input.len() < 1 << 20 {
                        corpus.push(input);
                    }
                }
                Ok(Err(_)) => {}
                Err(_) => {
                    crashes += 1;
                    let _ = std::fs::write(format!("crash-{crashes}"), &input);
                }
            }
        }
    }
    println!(
        "merge_replay: {runs} runs in {:.1} s, {accepted} accepted, {} refused, {crashes} crashes (seed {seed}, corpus {} at the end)",
        start.elapsed().as_secs_f64(),
        runs - accepted - crashes,
        corpus.len()
    );
    if crashes > 0 {
        std::process::exit(1);
    }
}
