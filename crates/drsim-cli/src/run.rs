//! `drsim run`: trials in chunks, checkpoints, the CSV and JSON outputs.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

use clap::Args;
use drsim::montecarlo::{PairedAccumulator, TrialsSummary};
use drsim::scenario::Scenario;
use drsim::strategies::Registry;
use drsim::trial::{DisasterTrial, TrialOutcome};
use indicatif::{ProgressBar, ProgressStyle};
use rayon::prelude::*;
use sha2::{Digest, Sha256};

use crate::CliError;
use crate::csv::{csv_header, csv_row};
use crate::output::{self, OutputLock, stdout_err, write_atomic};
use crate::parquet::ParquetSink;
use crate::table::print_table;

use crate::report::{CostReport, PairedVsFirst, Report, ScenarioInfo, StrategyReport, StrategySummary, Timing};

/// Trials run between two writes of per-trial rows (and two checkpoints): bounds memory
/// whatever N is.
const CHUNK: u64 = 4096;

/// Completed work of an interrupted `drsim run`, enough to finish it with `--resume` and get
/// exactly the report an uninterrupted run gives.
#[derive(serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Checkpoint {
    drsim_version: String,
    scenario_sha256: String,
    seed: u64,
    trial_start: u64,
    trial_end: u64,
    /// The first trial not yet run.
    next: u64,
    summaries: Vec<TrialsSummary>,
    paired: Vec<(PairedAccumulator, PairedAccumulator)>,
    losses: Vec<drsim::montecarlo::Accumulator>,
    /// Bytes of the CSV's temporary file that belong to completed trials.
    csv_bytes: u64,
    /// The CSV's temporary file (absent in checkpoints of earlier versions: `PATH.tmp`).
    #[serde(default)]
    csv_tmp: Option<PathBuf>,
    /// Bytes of the Parquet spool that belong to completed trials (crate::parquet).
    #[serde(default)]
    parquet_bytes: u64,
    /// The Parquet spool, when the run writes `--parquet`.
    #[serde(default)]
    parquet_tmp: Option<PathBuf>,
}

/// Set by Ctrl-C or SIGTERM: start no more trials, save the whole chunks, exit.
static INTERRUPTED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

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
    #[arg(long, hide = true, default_value_t = CHUNK, value_parser = clap::value_parser!(u64).range(1..))]
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

/// Where the per-trial rows go while the run is under way.
enum CsvSink {
    /// Streamed to stdout.
    Stdout,
    /// A temporary sibling of the final path, renamed into place when the run is complete.
    File { tmp: PathBuf, w: std::io::BufWriter<std::fs::File> },
    /// Already complete under the final name (a resumed run whose CSV was renamed).
    Done,
}

impl CsvSink {
    fn write(&mut self, text: &str) -> Result<(), CliError> {
        match self {
            CsvSink::Stdout => std::io::stdout().lock().write_all(text.as_bytes()).map_err(stdout_err),
            CsvSink::File { tmp, w } => w
                .write_all(text.as_bytes())
                .map_err(|e| CliError::Other(format!("{}: cannot write: {e}", tmp.display()))),
            CsvSink::Done => Ok(()),
        }
    }

    /// Flushes the rows written so far to the file and the disk (before a checkpoint counts them).
    fn sync(&mut self) -> Result<(), CliError> {
        match self {
            CsvSink::Stdout => std::io::stdout().lock().flush().map_err(stdout_err),
            CsvSink::File { tmp, w } => w
                .flush()
                .and_then(|()| w.get_ref().sync_data())
                .map_err(|e| CliError::Other(format!("{}: cannot write: {e}", tmp.display()))),
            CsvSink::Done => Ok(()),
        }
    }

    fn tmp(&self) -> Option<PathBuf> {
        match self {
            CsvSink::File { tmp, .. } => Some(tmp.clone()),
            _ => None,
        }
    }
}

/// Opens the CSV of a resumed run: the checkpoint's temporary file, checked to hold at least the
/// rows the checkpoint counts and cut back to them.
fn resume_csv(p: &Path, cp_path: &Path, c: &Checkpoint) -> Result<CsvSink, CliError> {
    let tmp = match &c.csv_tmp {
        Some(t) if output::is_tmp_of(t, p) => t.clone(),
        Some(t) => {
            return Err(CliError::BadInput(format!(
                "{}: csv_tmp = {} is not a temporary file of --csv {}: was the run started with another --csv?",
                cp_path.display(),
                t.display(),
                p.display()
            )));
        }
        // Checkpoints of earlier versions: the rows are in PATH.tmp.
        None => {
            let mut name = p.file_name().map(|n| n.to_os_string()).unwrap_or_default();
            name.push(".tmp");
            p.with_file_name(name)
        }
    };
    let refuse = |what: String| {
        CliError::BadInput(format!(
            "{what}; the checkpoint {} counts {} bytes of completed rows: run without --resume to start again",
            cp_path.display(),
            c.csv_bytes
        ))
    };
    match std::fs::OpenOptions::new().write(true).open(&tmp) {
        Ok(f) => {
            let len = f.metadata().map_err(|e| CliError::Other(format!("{}: {e}", tmp.display())))?.len();
            if len < c.csv_bytes {
                return Err(refuse(format!(
                    "{}: holds {len} bytes, fewer than it should (truncated or replaced?)",
                    tmp.display()
                )));
            }
            let cannot = |e: std::io::Error| CliError::Other(format!("{}: cannot write: {e}", tmp.display()));
            // Drop any rows written after the checkpoint, then append.
            f.set_len(c.csv_bytes).map_err(cannot)?;
            let mut f = f;
            std::io::Seek::seek(&mut f, std::io::SeekFrom::End(0)).map_err(cannot)?;
            Ok(CsvSink::File { tmp, w: std::io::BufWriter::new(f) })
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            // A finished run whose CSV was renamed into place before a later output failed.
            let done = c.next == c.trial_end && std::fs::metadata(p).is_ok_and(|m| m.len() == c.csv_bytes);
            if done {
                Ok(CsvSink::Done)
            } else {
                Err(refuse(format!("{}: the CSV rows of the checkpointed run are missing", tmp.display())))
            }
        }
        Err(e) => Err(CliError::Other(format!("{}: cannot write: {e}", tmp.display()))),
    }
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
    let mut builder = rayon::ThreadPoolBuilder::new();
    if let Some(t) = threads {
        builder = builder.num_threads(t);
    }
    let pool = builder.build().map_err(|e| CliError::Other(format!("cannot start worker threads: {e}")))?;
    let strategies = scenario
        .strategies
        .iter()
        .map(|e| registry.build(e).map_err(|err| CliError::BadInput(format!("{}: {err}", args.scenario.display()))))
        .collect::<Result<Vec<_>, _>>()?;
    let trials = scenario
        .strategies
        .iter()
        .zip(&strategies)
        .map(|(e, s)| {
            DisasterTrial::new(&scenario.disaster, s.as_ref()).map_err(|err| {
                CliError::BadInput(format!("{}: strategy {:?}: {err}", args.scenario.display(), e.label()))
            })
        })
        .collect::<Result<Vec<_>, _>>()?;

    let k = trials.len();
    let resumed: Option<Checkpoint> = match (&args.checkpoint, args.resume) {
        (Some(p), true) if p.exists() => {
            let bytes = output::read_capped(p, "the checkpoint")?;
            let c: Checkpoint = serde_json::from_slice(&bytes)
                .map_err(|e| CliError::BadInput(format!("{}: not a drsim checkpoint: {e}", p.display())))?;
            let same = c.drsim_version == env!("CARGO_PKG_VERSION")
                && c.scenario_sha256 == sha256
                && c.seed == seed
                && (c.trial_start, c.trial_end) == (start, end)
                && c.summaries.len() == k
                && c.paired.len() == k
                && c.losses.len() == k
                && (start..=end).contains(&c.next);
            if !same {
                return Err(CliError::BadInput(format!(
                    "{}: the checkpoint is of another run (drsim version, scenario, seed, trials or strategies differ); run without --resume to start again",
                    p.display()
                )));
            }
            // Its state must be one the completed trials could have produced.
            let done = c.next - start;
            for i in 0..k {
                let bad = |e: drsim::montecarlo::StateError, part: &str| {
                    CliError::BadInput(format!("{}: {part}[{i}].{}: {}", p.display(), e.field, e.message))
                };
                c.summaries[i].validate(done).map_err(|e| bad(e, "summaries"))?;
                c.paired[i].0.validate("rto", done).map_err(|e| bad(e, "paired"))?;
                c.paired[i].1.validate("rpo", done).map_err(|e| bad(e, "paired"))?;
                c.losses[i].validate("loss", done).map_err(|e| bad(e, "losses"))?;
            }
            Some(c)
        }
        (Some(p), true) => {
            eprintln!("--resume: no checkpoint at {}: starting from trial {start}", p.display());
            None
        }
        _ => None,
    };
    let mut csv_bytes = resumed.as_ref().map_or(0, |c| c.csv_bytes);
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
    let mut parquet = match (&args.parquet, &resumed) {
        (Some(p), Some(c)) => Some(ParquetSink::resume(
            p,
            args.checkpoint.as_deref().unwrap_or(Path::new("")),
            stores,
            c.parquet_tmp.as_deref(),
            c.parquet_bytes,
            (c.next == end).then(|| (end - start).saturating_mul(k as u64)),
        )?),
        (Some(p), None) => Some(ParquetSink::create(p, stores)?),
        (None, _) => None,
    };
    if resumed.is_none()
        && let Some(w) = csv.as_mut()
    {
        let header = csv_header(&scenario.disaster.deployment.stores);
        w.write(&header)?;
        csv_bytes += header.len() as u64;
    }
    // Ctrl-C or SIGTERM once: stop starting trials, drop the chunk under way, save the whole
    // chunks, exit. A second one exits at once without saving.
    let _ = ctrlc::set_handler(|| {
        if INTERRUPTED.swap(true, std::sync::atomic::Ordering::SeqCst) {
            use std::io::Write;
            let _ = writeln!(std::io::stderr(), "interrupted again: exiting without saving");
            std::process::exit(130);
        }
    });
    let n = end - start;
    let show_progress = std::io::stdout().is_terminal() && std::io::stderr().is_terminal();
    let bar = if show_progress { ProgressBar::new(n.saturating_mul(k as u64)) } else { ProgressBar::hidden() };
    bar.set_style(
        ProgressStyle::with_template("{bar:40} {pos}/{len} trials  {per_sec}  ETA {eta}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let clock = Instant::now();
    let mut summaries = vec![TrialsSummary::default(); k];
    // Paired differences against the first strategy, trial by trial (common random numbers).
    let mut paired = vec![(PairedAccumulator::default(), PairedAccumulator::default()); k];
    // Cost figures when the scenario prices the deployment or the disasters (docs/cost-model.md).
    let pricing = if scenario.cost.is_some() || scenario.impact.is_some() {
        let cost = scenario.cost.clone().unwrap_or_default();
        let impact = scenario.impact.clone().unwrap_or_default();
        match drsim::cost::disasters_per_year(&impact, &scenario.disaster, scenario.horizon.as_ref()) {
            Ok(rate) => Some((cost, impact, rate.per_year)),
            Err(e) => {
                eprintln!("{}: no cost figures: {e}", args.scenario.display());
                None
            }
        }
    } else {
        None
    };
    let mut losses = vec![drsim::montecarlo::Accumulator::default(); k];
    let mut chunk = start;
    if let Some(c) = resumed {
        summaries = c.summaries;
        paired = c.paired;
        losses = c.losses;
        chunk = c.next;
        bar.inc((chunk - start).saturating_mul(k as u64));
    }
    let save = |path: &Path,
                next: u64,
                (csv_bytes, csv_tmp): (u64, Option<PathBuf>),
                (parquet_bytes, parquet_tmp): (u64, Option<PathBuf>),
                summaries: &[TrialsSummary],
                paired: &[(PairedAccumulator, PairedAccumulator)],
                losses: &[drsim::montecarlo::Accumulator]|
     -> Result<(), CliError> {
        let c = Checkpoint {
            drsim_version: env!("CARGO_PKG_VERSION").to_string(),
            scenario_sha256: sha256.clone(),
            seed,
            trial_start: start,
            trial_end: end,
            next,
            summaries: summaries.to_vec(),
            paired: paired.to_vec(),
            losses: losses.to_vec(),
            csv_bytes,
            csv_tmp,
            parquet_bytes,
            parquet_tmp,
        };
        let text = serde_json::to_string(&c).map_err(|e| CliError::Other(e.to_string()))?;
        write_atomic(path, &text)
    };
    let mut chunks_done = 0u64;
    while chunk < end {
        let upto = chunk.saturating_add(args.chunk).min(end);
        // Every strategy's trials of the chunk run before any is recorded: a chunk stopped by
        // Ctrl-C leaves no trace, and the checkpoint counts whole chunks only. Each trial
        // checks the flag before it starts, so a stop waits for the trials under way only.
        let mut chunk_outcomes: Vec<Vec<TrialOutcome>> = Vec::with_capacity(k);
        let mut stopped = false;
        for (entry, trial) in scenario.strategies.iter().zip(&trials) {
            let outcomes = pool.install(|| {
                (chunk..upto)
                    .into_par_iter()
                    .map(|i| {
                        if INTERRUPTED.load(std::sync::atomic::Ordering::Relaxed) {
                            return Err(None);
                        }
                        trial.run(seed, i).map_err(Some)
                    })
                    .collect::<Result<Vec<TrialOutcome>, _>>()
            });
            match outcomes {
                Ok(o) => chunk_outcomes.push(o),
                Err(None) => {
                    stopped = true;
                    break;
                }
                Err(Some(e)) => {
                    return Err(CliError::BadInput(format!(
                        "{}: strategy {:?}: {e}",
                        args.scenario.display(),
                        entry.label()
                    )));
                }
            }
            bar.inc(upto - chunk);
        }
        // Saves whole chunks (the CSV synced first); `stop` ends the run as interrupted.
        macro_rules! checkpoint {
            ($stop:expr) => {{
                if let Some(w) = csv.as_mut() {
                    w.sync()?;
                }
                if let Some(w) = parquet.as_mut() {
                    w.sync()?;
                }
                let path = args.checkpoint.clone().unwrap_or_else(|| PathBuf::from("drsim.checkpoint.json"));
                save(
                    &path,
                    chunk,
                    (csv_bytes, csv.as_ref().and_then(CsvSink::tmp)),
                    parquet.as_ref().map_or((0, None), |w| (w.bytes(), w.spool())),
                    &summaries,
                    &paired,
                    &losses,
                )?;
                if $stop {
                    bar.finish_and_clear();
                    eprintln!(
                        "interrupted: trials {start}..{chunk} of {start}..{end} are complete and saved in {}; continue with --checkpoint {} --resume",
                        path.display(),
                        path.display()
                    );
                    return Err(CliError::Interrupted);
                }
            }};
        }
        if stopped {
            checkpoint!(true);
        }
        let mut first: Vec<TrialOutcome> = vec![];
        for (si, ((entry, trial), outcomes)) in scenario.strategies.iter().zip(&trials).zip(chunk_outcomes).enumerate()
        {
            for o in &outcomes {
                summaries[si].record(o);
                // The trial's cost: the business impact of its disaster plus its recovery cost.
                let loss = pricing.as_ref().map(|(cost, impact, _)| {
                    drsim::cost::trial_cost_usd(cost, impact, &scenario.disaster, trial.steady_state(), o)
                });
                if let Some(loss) = loss {
                    losses[si].record(drsim::cost::to_micro_usd(loss));
                }
                if let Some(w) = csv.as_mut() {
                    let row = csv_row(entry.label(), o, loss);
                    w.write(&row)?;
                    csv_bytes += row.len() as u64;
                }
                if let Some(w) = parquet.as_mut() {
                    w.push(entry.label(), o, loss)?;
                }
            }
            if si == 0 {
                first = outcomes;
            } else {
                for (a, b) in first.iter().zip(&outcomes) {
                    paired[si].0.record(a.rto.map(|d| d.as_nanos()), b.rto.map(|d| d.as_nanos()));
                    paired[si].1.record(a.rpo.map(|d| d.as_nanos()), b.rpo.map(|d| d.as_nanos()));
                }
            }
        }
        // The chunk's rows of every strategy: one Parquet row group.
        if let Some(w) = parquet.as_mut() {
            w.end_chunk()?;
        }
        chunk = upto;
        chunks_done += 1;
        let stop = INTERRUPTED.load(std::sync::atomic::Ordering::SeqCst)
            || args.stop_after_chunks.is_some_and(|n| chunks_done >= n);
        if (args.checkpoint.is_some() || stop) && chunk < end {
            checkpoint!(stop);
        }
    }
    bar.finish_and_clear();
    if let Some(w) = csv.as_mut() {
        w.sync()?;
    }
    if let Some(w) = parquet.as_mut() {
        w.sync()?;
    }
    // Every trial is done: a final checkpoint lets `--resume` write the outputs without
    // running a trial again if one of them fails below.
    if let Some(cp) = &args.checkpoint {
        save(
            cp,
            end,
            (csv_bytes, csv.as_ref().and_then(CsvSink::tmp)),
            parquet.as_ref().map_or((0, None), |w| (w.bytes(), w.spool())),
            &summaries,
            &paired,
            &losses,
        )?;
    }
    let reports: Vec<StrategyReport> = scenario
        .strategies
        .iter()
        .zip(summaries)
        .zip(&paired)
        .enumerate()
        .map(|(si, ((entry, summary), (rto, rpo)))| StrategyReport {
            name: entry.label().to_string(),
            kind: entry.kind.clone(),
            summary: StrategySummary::of(&summary),
            by_disaster: StrategySummary::by_disaster(&summary),
            state: summary,
            paired_vs_first: (si > 0).then(|| PairedVsFirst {
                against: scenario.strategies[0].label().to_string(),
                rto_s: rto.difference(1e-9),
                rpo_s: rpo.difference(1e-9),
                state_rto: *rto,
                state_rpo: *rpo,
            }),
            backlog_growth_bytes_per_s: match trials[si].replication_stability() {
                drsim::model::Stability::Unstable { growth_bytes_per_s, .. } => Some(growth_bytes_per_s),
                _ => None,
            },
            cost: pricing.as_ref().map(|(cost, _, per_year)| {
                let monthly = drsim::cost::trial_monthly_cost(cost, &trials[si]);
                CostReport::of(monthly.total_usd(), *per_year, losses[si].clone())
            }),
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
            trials_per_s: if seconds > 0.0 { n as f64 * trials.len() as f64 / seconds } else { 0.0 },
            threads: pool.current_num_threads(),
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
                pool.current_num_threads()
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
        write_atomic(p, &crate::html::render(&report, None, Some((&scenario, registry)), &provenance, args.axis()))?;
    }
    if let (Some(CsvSink::File { tmp, w }), Some(p)) = (csv.take(), &args.csv) {
        let file =
            w.into_inner().map_err(|e| CliError::Other(format!("{}: cannot write: {}", tmp.display(), e.error())))?;
        output::commit(&tmp, &file, p)?;
    }
    if let (Some(w), Some(p)) = (parquet.take(), &args.parquet) {
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
