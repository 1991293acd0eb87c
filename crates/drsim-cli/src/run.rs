//! `drsim run`: the study over the trials (or a shard's), its checkpoints, the CSV, Parquet and
//! JSON outputs. The loop itself is [`drsim::study::Study`]'s; this module wires files to it.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::{Arc, LazyLock};
use std::time::Instant;

use clap::Args;
use drsim::scenario::Scenario;
use drsim::strategies::Registry;
use drsim::study::{DEFAULT_CHUNK, Study, StudyControl, StudyError, StudyRun};
use indicatif::{ProgressBar, ProgressStyle};
use sha2::{Digest, Sha256};

use crate::CliError;
use crate::checkpoint::{Checkpoint, CsvSink, resume_csv};
use crate::csv::csv_header;
use crate::output::{self, OutputLock, write_atomic};
use crate::parquet::ParquetSink;
use crate::sinks::Sinks;
use crate::table::print_table;

use crate::report::{CostReport, PairedVsFirst, Report, ScenarioInfo, StrategyReport, StrategySummary, Timing};

/// Set by the first Ctrl-C or SIGTERM (a second one exits at once).
static INTERRUPTED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Cancelled by the first Ctrl-C or SIGTERM: the study starts no more trials and returns the
/// whole chunks, which are saved. One per process, as the signal handler is: never reset.
static CONTROL: LazyLock<Arc<StudyControl>> = LazyLock::new(Arc::default);

/// Arguments of `drsim run`.
#[derive(Args)]
pub struct RunArgs {
    /// The scenario file.
    scenario: PathBuf,
    /// Disaster trials per strategy (default: the scenario's `trials.count`).
    #[arg(long)]
    trials: Option<u64>,
    /// Seed (default: the scenario's `trials.seed`).
    #[arg(long)]
    seed: Option<u64>,
    /// Worker threads (default: one per core; at most 8 per core). Results do not depend on it.
    #[arg(long)]
    threads: Option<usize>,
    /// Write the full summary as JSON (`-` for stdout).
    #[arg(long)]
    json: Option<PathBuf>,
    /// Write one CSV row per trial (`-` for stdout).
    #[arg(long)]
    csv: Option<PathBuf>,
    /// Write the rows of `--csv` as Parquet (typed columns, nulls where the CSV is empty).
    #[arg(long)]
    parquet: Option<PathBuf>,
    /// Write an SVG of the RTO and RPO distributions (`-` for stdout).
    #[arg(long)]
    plot: Option<PathBuf>,
    /// Linear time axes in `--plot` and `--html` (default: logarithmic, which shows seconds
    /// and hours side by side).
    #[arg(long)]
    linear: bool,
    /// Write a self-contained HTML report (as `drsim report` makes from the JSON).
    #[arg(long)]
    html: Option<PathBuf>,
    /// Run only shard K of N (1-based), e.g. `--shard 2/8`; merge with `drsim merge`. `auto`
    /// reads K and N from a Slurm job array, a Kubernetes Indexed Job or GNU parallel
    /// (docs/scale-out.md). Output paths may contain `{shard}`, replaced by K.
    #[arg(long, value_parser = crate::shard::parse_shard_arg)]
    shard: Option<crate::shard::ShardArg>,
    /// The number of shards, for `--shard auto` under a Kubernetes Indexed Job or GNU parallel
    /// (whose environment gives only the index); checked against a Slurm array's size.
    #[arg(long)]
    shards: Option<u64>,
    /// Print timing (trials per second) after the table.
    #[arg(long)]
    bench: bool,
    /// Save completed work to this file after every chunk of trials (and on Ctrl-C or SIGTERM).
    #[arg(long)]
    checkpoint: Option<PathBuf>,
    /// Continue the run saved in `--checkpoint` (same scenario, seed and trials).
    #[arg(long, requires = "checkpoint")]
    resume: bool,
    /// Trials per chunk (for tests of checkpointing).
    #[arg(long, hide = true, default_value_t = DEFAULT_CHUNK, value_parser = clap::value_parser!(u64).range(1..))]
    chunk: u64,
    /// Stop as if interrupted after this many chunks (for tests of checkpointing).
    #[arg(long, hide = true)]
    stop_after_chunks: Option<u64>,
    /// Fail as if the JSON could not be written, after the CSV is complete (for tests of
    /// resuming a finished run).
    #[arg(long, hide = true)]
    fail_before_json: bool,
}

pub(crate) fn load(path: &Path) -> Result<(Scenario, String), CliError> {
    let bytes = output::read_capped(path, "the scenario")?;
    let sha: String = Sha256::digest(&bytes).iter().map(|b| format!("{b:02x}")).collect();
    let text = String::from_utf8(bytes)
        .map_err(|_| CliError::BadInput(format!("{}: not UTF-8 text: a scenario is a TOML file", path.display())))?;
    let scenario = Scenario::from_toml_str(&text, path).map_err(|e| CliError::BadInput(e.to_string()))?;
    Ok((scenario, sha))
}

/// Trials `start..end` of shard `k` of `n` over `total` trials, exact for any u64 values.
fn shard_range(total: u64, k: u64, n: u64) -> (u64, u64) {
    // total × j / n ≤ total for j ≤ n, so it fits in u64.
    let at = |j: u64| u64::try_from(u128::from(total) * u128::from(j) / u128::from(n)).unwrap_or(total);
    (at(k - 1), at(k))
}

/// Takes the advisory lock of every output file (not stdout).
pub(crate) fn lock_outputs(outputs: &[(&str, &Path)]) -> Result<Vec<OutputLock>, CliError> {
    outputs.iter().filter(|(_, p)| p.as_os_str() != "-").map(|(_, p)| OutputLock::take(p)).collect()
}

/// `drsim run`.
impl RunArgs {
    fn axis(&self) -> drsim::plot::Axis {
        if self.linear { drsim::plot::Axis::Linear } else { drsim::plot::Axis::Log }
    }
}

pub fn run(mut args: RunArgs, registry: &Registry) -> Result<(), CliError> {
    let threads = output::check_threads(args.threads)?;
    let shard = crate::shard::resolve(args.shard, args.shards, &|var| std::env::var(var).ok())?;
    for (flag, p) in [
        ("--json", &mut args.json),
        ("--csv", &mut args.csv),
        ("--parquet", &mut args.parquet),
        ("--plot", &mut args.plot),
        ("--html", &mut args.html),
        ("--checkpoint", &mut args.checkpoint),
    ] {
        crate::shard::fill_opt(flag, p, shard)?;
    }
    let (scenario, sha256) = load(&args.scenario)?;
    if scenario.strategies.is_empty() {
        return Err(CliError::BadInput(format!("{}: no [[strategies]] to run", args.scenario.display())));
    }
    let total = args.trials.unwrap_or(scenario.trials.count);
    if total == 0 {
        return Err(CliError::BadInput("--trials 0 is not allowed (must be >= 1)".into()));
    }
    let seed = args.seed.unwrap_or(scenario.trials.seed);
    let (start, end) = match shard {
        Some((k, n)) => shard_range(total, k, n),
        None => (0, total),
    };
    let mut outputs: Vec<(&str, &Path)> = vec![];
    for (flag, p) in [
        ("--json", &args.json),
        ("--csv", &args.csv),
        ("--parquet", &args.parquet),
        ("--plot", &args.plot),
        ("--html", &args.html),
        ("--checkpoint", &args.checkpoint),
    ] {
        if let Some(p) = p {
            outputs.push((flag, p.as_path()));
        }
    }
    if args.checkpoint.as_ref().is_some_and(|p| p.as_os_str() == "-") {
        return Err(CliError::BadInput("--checkpoint -: a checkpoint is a file, not stdout".into()));
    }
    if let Some(p) = &args.parquet {
        crate::parquet::check(p, end)?;
    }
    output::check_outputs(&outputs, &[("scenario file", &args.scenario)])?;
    let _locks = lock_outputs(&outputs)?;
    let origin = args.scenario.display().to_string();
    // The CLI's messages name the scenario file, then what the study says.
    let study_err = |e: StudyError| match e {
        StudyError::Strategy { source, .. } => CliError::BadInput(format!("{origin}: {source}")),
        StudyError::Observer(e) => match e.downcast::<CliError>() {
            Ok(e) => *e,
            Err(e) => CliError::Other(e.to_string()),
        },
        StudyError::Threads { message, .. } => CliError::Other(format!("cannot start worker threads: {message}")),
        e @ (StudyError::Trial { .. } | StudyError::Resume(_) | StudyError::Setting { .. }) => {
            CliError::BadInput(format!("{origin}: {e}"))
        }
        e => CliError::Other(format!("{origin}: {e}")),
    };
    // Cost figures when the scenario prices the deployment or the disasters
    // (docs/cost-model.md), and the disasters' yearly rate can be had.
    let per_year = if scenario.cost.is_some() || scenario.impact.is_some() {
        let impact = scenario.impact.clone().unwrap_or_default();
        match drsim::cost::disasters_per_year(&impact, &scenario.disaster, scenario.horizon.as_ref()) {
            Ok(rate) => Some(rate.per_year),
            Err(e) => {
                eprintln!("{origin}: no cost figures: {e}");
                None
            }
        }
    } else {
        None
    };
    let mut study = Study::with_registry(scenario, registry)
        .map_err(study_err)?
        .seed(seed)
        .range(start..end)
        .chunk_size(args.chunk)
        .pricing(per_year.is_some())
        .keep_outcomes(false)
        .control(CONTROL.clone());
    if let Some(t) = threads {
        study = study.threads(t);
    }
    // Every strategy must run on the scenario before any output is opened.
    study.disaster_trials().map_err(study_err)?;
    let k = study.names().len();
    let resumed: Option<Checkpoint> = match (&args.checkpoint, args.resume) {
        (Some(p), true) if p.exists() => {
            let c = Checkpoint::read(p, &sha256)?;
            study = study.resume(c.study.clone()).map_err(|e| match e {
                StudyError::Resume(e) => CliError::BadInput(format!(
                    "{}: the checkpoint is of another run, or was edited: {e}; run without --resume to start again",
                    p.display()
                )),
                e => study_err(e),
            })?;
            Some(c)
        }
        (Some(p), true) => {
            eprintln!("--resume: no checkpoint at {}: starting from trial {start}", p.display());
            None
        }
        _ => None,
    };
    let scenario = study.scenario();
    let mut csv: Option<CsvSink> = match (&args.csv, &resumed) {
        (Some(p), _) if p.as_os_str() == "-" => Some(CsvSink::Stdout),
        (Some(p), Some(c)) => Some(resume_csv(p, args.checkpoint.as_deref().unwrap_or(Path::new("")), c)?),
        (Some(p), None) => {
            let (tmp, file) = output::create_tmp(p)?;
            Some(CsvSink::File { tmp, w: std::io::BufWriter::new(file) })
        }
        (None, _) => None,
    };
    let stores = &scenario.disaster.deployment.stores;
    let parquet = match (&args.parquet, &resumed) {
        (Some(p), Some(c)) => Some(ParquetSink::resume(
            p,
            args.checkpoint.as_deref().unwrap_or(Path::new("")),
            stores,
            c.parquet_tmp.as_deref(),
            c.parquet_bytes,
            (c.study.next == end).then(|| (end - start).saturating_mul(k as u64)),
        )?),
        (Some(p), None) => Some(ParquetSink::create(p, stores)?),
        (None, _) => None,
    };
    let mut csv_bytes = resumed.as_ref().map_or(0, |c| c.csv_bytes);
    if resumed.is_none()
        && let Some(w) = csv.as_mut()
    {
        let header = csv_header(stores);
        w.write(&header)?;
        csv_bytes += header.len() as u64;
    }
    // Ctrl-C or SIGTERM once: the study starts no more trials, drops the chunk under way and
    // returns the whole chunks, which are saved. A second one exits at once without saving.
    let _ = ctrlc::set_handler(|| {
        if INTERRUPTED.swap(true, std::sync::atomic::Ordering::SeqCst) {
            use std::io::Write;
            let _ = writeln!(std::io::stderr(), "interrupted again: exiting without saving");
            std::process::exit(130);
        }
        CONTROL.cancel();
    });
    let n = end - start;
    let show_progress = std::io::stdout().is_terminal() && std::io::stderr().is_terminal();
    let bar = if show_progress { ProgressBar::new(n.saturating_mul(k as u64)) } else { ProgressBar::hidden() };
    bar.set_style(
        ProgressStyle::with_template("{bar:40} {pos}/{len} trials  {per_sec}  ETA {eta}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let from = resumed.as_ref().map_or(start, |c| c.study.next);
    bar.inc((from - start).saturating_mul(k as u64));
    let clock = Instant::now();
    let mut sinks = Sinks {
        csv,
        csv_bytes,
        parquet,
        checkpoint: args.checkpoint.clone(),
        scenario_sha256: sha256.clone(),
        stop_after_chunks: args.stop_after_chunks,
        chunks_done: 0,
        control: CONTROL.clone(),
        bar: &bar,
        strategies: k as u64,
        recorded: from,
    };
    let result = match study.run_observed(&mut sinks).map_err(study_err)? {
        StudyRun::Complete(result) => result,
        StudyRun::Stopped(state) => {
            // Whole chunks only (the CSV synced first), saved where --checkpoint says.
            let path = args.checkpoint.clone().unwrap_or_else(|| PathBuf::from("drsim.checkpoint.json"));
            sinks.save(&path, &state)?;
            bar.finish_and_clear();
            eprintln!(
                "interrupted: trials {start}..{} of {start}..{end} are complete and saved in {}; continue with --checkpoint {} --resume",
                state.next,
                path.display(),
                path.display()
            );
            return Err(CliError::Interrupted);
        }
    };
    bar.finish_and_clear();
    // Every trial is done: a final checkpoint lets `--resume` write the outputs without
    // running a trial again if one of them fails below.
    match &args.checkpoint {
        Some(cp) => sinks.save(cp, &result.state())?,
        None => sinks.sync()?,
    }
    let trials = study.disaster_trials().map_err(study_err)?;
    let first = result.strategies.first().map(|s| s.name.clone()).unwrap_or_default();
    let reports: Vec<StrategyReport> = result
        .strategies
        .into_iter()
        .zip(&trials)
        .enumerate()
        .map(|(si, (r, trial))| StrategyReport {
            summary: StrategySummary::of(&r.state),
            by_disaster: StrategySummary::by_disaster(&r.state),
            paired_vs_first: (si > 0).then(|| PairedVsFirst {
                against: first.clone(),
                rto_s: r.paired_rto.difference(1e-9),
                rpo_s: r.paired_rpo.difference(1e-9),
                state_rto: r.paired_rto,
                state_rpo: r.paired_rpo,
            }),
            backlog_growth_bytes_per_s: match trial.replication_stability() {
                drsim::model::Stability::Unstable { growth_bytes_per_s, .. } => Some(growth_bytes_per_s),
                _ => None,
            },
            cost: per_year.map(|per_year| {
                let monthly = drsim::cost::trial_monthly_cost(&scenario.cost.clone().unwrap_or_default(), trial);
                let threshold = scenario.impact.as_ref().map_or_else(
                    || drsim::cost::ImpactSpec::default().annual_loss_threshold_usd,
                    |i| i.annual_loss_threshold_usd,
                );
                let tail = (crate::report::AnnualTail::years_for(per_year), seed, threshold);
                CostReport::of(monthly.total_usd(), per_year, r.loss_micro_usd, Some(tail))
            }),
            name: r.name,
            kind: r.kind,
            state: r.state,
        })
        .collect();
    let seconds = clock.elapsed().as_secs_f64();
    let objectives = &scenario.disaster.objectives;
    let report = Report {
        drsim_version: env!("CARGO_PKG_VERSION").to_string(),
        scenario: ScenarioInfo { name: scenario.name.clone(), path: args.scenario.clone(), sha256 },
        seed,
        trial_start: start,
        trial_end: end,
        shard: shard.map(|(index, count)| crate::shard::ShardInfo { index, count, trials: total }),
        rto_objective_s: objectives.rto.map(|d| d.as_secs_f64()),
        rpo_objective_s: objectives.rpo.map(|d| d.as_secs_f64()),
        strategies: reports,
        timing: Some(Timing {
            seconds,
            trials_per_s: if seconds > 0.0 { n as f64 * k as f64 / seconds } else { 0.0 },
            threads: study.thread_count(),
        }),
    };
    let to_stdout = |p: &Option<PathBuf>| p.as_ref().is_some_and(|p| p.as_os_str() == "-");
    let quiet = to_stdout(&args.json) || to_stdout(&args.csv) || to_stdout(&args.plot);
    // The table first; if stdout is gone, the files are still written, then the exit code says so.
    if !quiet {
        println!(
            "scenario {:?} ({}), seed {seed}, trials {start}..{end} per strategy",
            scenario.name,
            args.scenario.display()
        );
        print_table(&report);
        if args.bench {
            println!(
                "timing: {:.3} s, {:.0} trials/s on {} threads",
                seconds,
                report.timing.as_ref().map_or(0.0, |t| t.trials_per_s),
                study.thread_count()
            );
        }
    }
    if args.fail_before_json {
        return Err(CliError::Other("failing before writing the JSON, as asked (--fail-before-json)".into()));
    }
    if let Some(p) = &args.json {
        let text = serde_json::to_string_pretty(&report).map_err(|e| CliError::Other(e.to_string()))? + "\n";
        write_atomic(p, &text)?;
    }
    if let Some(p) = &args.plot {
        write_atomic(p, &crate::html::cdf_svg(&report, args.axis()))?;
    }
    if let Some(p) = &args.html {
        let provenance = crate::html::Provenance::now();
        write_atomic(p, &crate::html::render(&report, None, Some((scenario, registry)), &provenance, args.axis()))?;
    }
    if let (Some(CsvSink::File { tmp, w }), Some(p)) = (sinks.csv.take(), &args.csv) {
        let file =
            w.into_inner().map_err(|e| CliError::Other(format!("{}: cannot write: {}", tmp.display(), e.error())))?;
        output::commit(&tmp, &file, p)?;
    }
    if let (Some(w), Some(p)) = (sinks.parquet.take(), &args.parquet) {
        let provenance = [
            ("drsim.version", env!("CARGO_PKG_VERSION").to_string()),
            ("drsim.scenario_sha256", report.scenario.sha256.clone()),
            ("drsim.seed", seed.to_string()),
            ("drsim.trial_start", start.to_string()),
            ("drsim.trial_end", end.to_string()),
        ];
        w.finish(p, &provenance)?;
    }
    // Complete: the checkpoint would only resume a finished run.
    if let Some(cp) = &args.checkpoint
        && let Err(e) = std::fs::remove_file(cp)
        && e.kind() != std::io::ErrorKind::NotFound
    {
        eprintln!("warning: {}: cannot remove the checkpoint of the finished run: {e}", cp.display());
    }
    output::console_finish()
}
