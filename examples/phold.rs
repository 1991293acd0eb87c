//! PHOLD: the classic "hold model" benchmark of discrete-event engines, exactly as
//! `docs/benchmarks.md` section 1 defines it, run through drsim's public engine API.
//!
//! ```text
//!   LP 0 ──┐                    ┌──> LP j (uniform)
//!   LP 1 ──┤  pop earliest      │    at t + 0.1 + Exp(1)
//!   ...    ├──> (time, seq) ────┤
//!   LP N-1─┘   event queue      └──  16 events per LP, always 16,384 pending
//! ```
//!
//! Prints one JSON line: `{"impl": "drsim", "events": E, "seconds": S, "events_per_s": ...,
//! "final_time": T, "checksum": C}`, timing the event loop only.
//!
//! ```text
//! cargo run --release --example phold -- --events 10000000 --seed 42 --lps 1024 --per-lp 16
//! ```

#[path = "../benches/support/phold.rs"]
mod phold;

use std::time::Instant;

use clap::Parser;

/// PHOLD through drsim's engine.
#[derive(Parser)]
struct Args {
    /// Events to process.
    #[arg(long, default_value_t = 10_000_000)]
    events: u64,
    /// Seed of the random stream.
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Number of logical processes.
    #[arg(long, default_value_t = 1024, value_parser = clap::value_parser!(u32).range(1..))]
    lps: u32,
    /// Initial events per logical process.
    #[arg(long = "per-lp", default_value_t = 16, value_parser = clap::value_parser!(u32).range(1..))]
    per_lp: u32,
    /// Run the bare BinaryHeap baseline instead of drsim's engine.
    #[arg(long)]
    baseline: bool,
}

fn main() {
    let args = Args::parse();
    let (name, seconds, r) = if args.baseline {
        let mut model = phold::BarePhold::new(args.lps, args.per_lp, args.seed);
        let start = Instant::now();
        let r = model.run(args.events);
        ("bare-binaryheap", start.elapsed().as_secs_f64(), r)
    } else {
        let mut model = phold::DrsimPhold::new(args.lps, args.per_lp, args.seed);
        let start = Instant::now();
        let r = model.run(args.events);
        ("drsim", start.elapsed().as_secs_f64(), r)
    };
    let rate = if seconds > 0.0 { r.events as f64 / seconds } else { 0.0 };
    println!(
        "{{\"impl\": \"{name}\", \"events\": {}, \"seconds\": {seconds:.6}, \"events_per_s\": {rate:.1}, \"final_time\": {:.6}, \"checksum\": {}}}",
        r.events, r.final_time, r.checksum
    );
}
