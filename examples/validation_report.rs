//! The validation report: every case of [`drsim::validation`], re-run with many trials, against
//! an expected value from outside drsim (a closed form, a published textbook example, a hand
//! computation), printed as one Markdown table; `docs/validation.md` holds a copy with each
//! case's derivation. The cases themselves, their sources and derivations are in
//! `src/validation/`; this program only prints them. It exits with status 1 if any case FAILs.
//!
//! ```text
//! cargo run --release --example validation_report   # --trials 200000 --seed 2026: ~45 s, 2 threads
//! cargo run --release --example validation_report -- --trials 1000000 --seed 7
//! ```

use std::time::Instant;

use clap::Parser;
use drsim::validation::{self, Verdict};

/// Runs every validation case and prints case, source, expected, simulated ± 95 % CI, verdict.
#[derive(Parser)]
struct Args {
    /// Independent trials for the probability cases (transient availability, reliability,
    /// disasters within t). The other cases scale from it: long availability runs trials / 250
    /// (at least 20), queueing runs trials / 1,000 (at least 20), snapshot disasters trials / 5
    /// (at least 1,000), detection draws trials × 10.
    #[arg(long, default_value_t = 200_000)]
    trials: u64,
    /// Seed of every random stream.
    #[arg(long, default_value_t = 2026)]
    seed: u64,
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = Args::parse();
    let started = Instant::now();
    // Display, not Debug: the error names the flag and the least value allowed.
    let report = validation::run_all(args.trials, args.seed).map_err(|e| e.to_string())?;
    print!("{}", report.table());
    let (pass, warn, fail) = (report.count(Verdict::Pass), report.count(Verdict::Warn), report.count(Verdict::Fail));
    println!(
        "\n{} cases: {pass} PASS, {warn} WARN (outside the 95 % CI, within 4 SE), {fail} FAIL; seed {}, --trials {}, {:.1} s on {} threads",
        report.cases.len(),
        args.seed,
        args.trials,
        started.elapsed().as_secs_f64(),
        rayon::current_num_threads()
    );
    if fail > 0 {
        std::process::exit(1);
    }
    Ok(())
}
