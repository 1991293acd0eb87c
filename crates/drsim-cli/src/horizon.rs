//! `drsim horizon`: years of operation per strategy, run by the study
//! ([`drsim::study::Study::run_horizons`]).

use std::path::{Path, PathBuf};

use clap::Args;
use drsim::report::HorizonEntry;
use drsim::stats::format_secs as fmt_s;
use drsim::strategies::Registry;
use drsim::study::{Study, StudyError};

use crate::CliError;
use crate::output::{self, write_atomic};
use crate::report::ScenarioInfo;
use crate::run::{load, lock_outputs};

/// Arguments of `drsim horizon`.
#[derive(Args)]
pub struct HorizonArgs {
    /// The scenario file (with a `[horizon]` section).
    scenario: PathBuf,
    /// Horizon runs per strategy.
    #[arg(long, default_value_t = 200)]
    trials: u64,
    /// Seed (default: the scenario's `trials.seed`).
    #[arg(long)]
    seed: Option<u64>,
    /// Worker threads (default: one per core; at most 8 per core). Results do not depend on it.
    #[arg(long)]
    threads: Option<usize>,
    /// Write the summaries as JSON (`-` for stdout).
    #[arg(long)]
    json: Option<PathBuf>,
}

/// The JSON report of `drsim horizon` (docs/report-format.md). Serialized directly, not
/// through `serde_json::Value`, so that the exact 128-bit sums of the state stay integers.
#[derive(serde::Serialize)]
struct HorizonReport<'a> {
    drsim_version: &'static str,
    scenario: ScenarioInfo,
    seed: u64,
    runs: u64,
    length_s: f64,
    strategies: &'a [HorizonEntry],
}

/// `drsim horizon`: years of operation with every failure process active.
pub fn horizon(args: HorizonArgs, registry: &Registry) -> Result<(), CliError> {
    let threads = output::check_threads(args.threads)?;
    let (scenario, sha256) = load(&args.scenario)?;
    let spec = scenario.horizon.clone().ok_or_else(|| {
        CliError::BadInput(format!("{}: no [horizon] section (length and failures) to run", args.scenario.display()))
    })?;
    if args.trials == 0 {
        return Err(CliError::BadInput("--trials 0 is not allowed (must be >= 1)".into()));
    }
    let seed = args.seed.unwrap_or(scenario.trials.seed);
    let outputs: Vec<(&str, &Path)> = args.json.iter().map(|p| ("--json", p.as_path())).collect();
    output::check_outputs(&outputs, &[("scenario file", &args.scenario)])?;
    let _locks = lock_outputs(&outputs)?;
    let origin = args.scenario.display();
    let name = scenario.name.clone();
    let mut study = Study::with_registry(scenario, registry)
        .map_err(|e| match e {
            StudyError::Strategy { source, .. } => CliError::BadInput(format!("{origin}: {source}")),
            e => CliError::Other(format!("{origin}: {e}")),
        })?
        .trials(args.trials)
        .seed(seed);
    if let Some(t) = threads {
        study = study.threads(t);
    }
    let mut entries = vec![];
    let to_stdout = args.json.as_ref().is_some_and(|p| p.as_os_str() == "-");
    // Rows as they come; if stdout is gone, the JSON is still written, then the exit code says so.
    if !to_stdout {
        println!("scenario {name:?}: {} runs of {} per strategy, seed {seed}", args.trials, spec.length);
        println!(
            "{:<24} {:>24} {:>7} {:>12} {:>12} {:>18} {:>14}",
            "strategy", "availability ± 95% CI", "nines", "incidents/y", "failovers/y", "downtime/y", "writes lost/y"
        );
    }
    let horizons = study.run_horizons(&spec).map_err(|e| match e {
        StudyError::Threads { message, .. } => CliError::Other(format!("cannot start worker threads: {message}")),
        e => CliError::BadInput(format!("{origin}: {e}")),
    })?;
    for h in horizons {
        let entry = HorizonEntry::of(&h.name, h.kind, args.trials, h.summary);
        if !to_stdout {
            println!(
                "{:<24} {:>24} {:>7} {:>12.2} {:>12.2} {:>18} {:>14.1}",
                entry.name,
                entry.availability.map_or("-".into(), |a| format!(
                    "{:.6} ± {:.6}",
                    a,
                    entry.availability_ci95.unwrap_or(0.0)
                )),
                entry.nines.map_or("inf".into(), |n| format!("{n:.2}")),
                entry.incidents_per_year.unwrap_or(0.0),
                entry.failovers_per_year.unwrap_or(0.0),
                entry.downtime_s_per_year.map_or("-".into(), |d| format!(
                    "{} ± {}",
                    fmt_s(d),
                    fmt_s(entry.downtime_s_per_year_ci95.unwrap_or(0.0))
                )),
                entry.writes_lost_per_year.unwrap_or(0.0)
            );
            if let Some(l) = entry.logical_incidents_per_year.filter(|&l| l > 0.0) {
                println!(
                    "{:<24} logical disasters {l:.3} per year, {:.3} per year without a clean recovery point (their loss of a whole store is not in writes lost/y)",
                    "",
                    entry.no_clean_copy_per_year.unwrap_or(0.0)
                );
            }
            if let Some(b) = entry.write_blocked_s_per_year.filter(|&b| b > 0.0) {
                println!(
                    "{:<24} writes blocked {} per year (synchronous replication, link down): write unavailability",
                    "",
                    fmt_s(b)
                );
            }
        }
        entries.push(entry);
    }
    if let Some(p) = &args.json {
        let report = HorizonReport {
            drsim_version: env!("CARGO_PKG_VERSION"),
            scenario: ScenarioInfo { name, path: args.scenario.clone(), sha256 },
            seed,
            runs: args.trials,
            length_s: spec.length.as_secs_f64(),
            strategies: &entries,
        };
        let text = serde_json::to_string_pretty(&report).map_err(|e| CliError::Other(e.to_string()))? + "\n";
        write_atomic(p, &text)?;
    }
    output::console_finish()
}
