//! The `drsim` command as a library: [`main_with`] runs it with the strategies of a
//! [`Registry`], so that your own program is a `drsim` that knows your own strategy kinds.
//! The `drsim` binary is `main_with(Registry::builtin())`.
//!
//! ```no_run
//! use drsim::strategies::Registry;
//! use drsim::warm_standby::{WarmStandby, WarmStandbyParams};
//!
//! fn main() -> std::process::ExitCode {
//!     // A scenario's `[[strategies]]` may now say `kind = "my_warm"`, in `run`, `validate`,
//!     // `horizon` and every other subcommand.
//!     drsim_cli::main_with(Registry::builtin().register("my_warm", |p: WarmStandbyParams| WarmStandby::new(p)))
//! }
//! ```
//!
//! The commands:
//!
//! ```text
//! drsim run examples/scenarios/compare.toml --trials 10000 --json out.json --csv trials.csv --plot cdf.svg
//! drsim validate examples/scenarios/reference.toml
//! drsim horizon examples/scenarios/compare.toml --trials 200
//! drsim run scenario.toml --shard 1/4 --json shard1.json   # ... then:
//! drsim merge shard*.json --json all.json
//! drsim run scenario.toml --shard auto --json out/shard-{shard}.json   # in a Slurm array task
//! drsim merge out/ --json all.json
//! ```
//!
//! Exit codes: 0 success, 2 bad input (scenario, arguments), 1 any other failure, 130 stopped
//! by Ctrl-C or SIGTERM after saving a checkpoint (`--checkpoint PATH --resume` continues),
//! 141 stdout closed by its reader (quietly, after writing the files asked for).

// Every `println!` of this crate goes through `output::console_print` (it shadows the
// standard macro): a closed or failing stdout is remembered for the exit code instead of
// panicking, and the files asked for are still written (issue 14, item 6).
macro_rules! println {
    ($($arg:tt)*) => {
        $crate::output::console_print(&format!("{}\n", format_args!($($arg)*)))
    };
}
mod checkpoint;
mod csv;
mod horizon;
mod html;
mod output;
mod parquet;
mod report;
mod run;
mod shard;
mod sinks;
mod table;
mod validate;

use std::ffi::OsString;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use drsim::strategies::Registry;

/// Discrete-event simulation of disasters and disaster recovery: measured RTO and RPO.
#[derive(Parser)]
#[command(name = "drsim", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run every strategy of a scenario over N disaster trials and report.
    Run(run::RunArgs),
    /// Years of operation with every failure process of `[horizon]` active: availability,
    /// incidents, downtime and data lost per year.
    Horizon(horizon::HorizonArgs),
    /// Check a scenario file and print what it describes.
    Validate {
        /// The scenario file.
        scenario: PathBuf,
    },
    /// Make a self-contained HTML report from a run's JSON (and a horizon run's).
    Report {
        /// The JSON of `drsim run --json` (or of `drsim merge`).
        run: PathBuf,
        /// The JSON of `drsim horizon --json`, for the years-of-operation section.
        #[arg(long)]
        horizon: Option<PathBuf>,
        /// Where to write the HTML (`-` for stdout).
        #[arg(short = 'o', long = "output")]
        output: PathBuf,
        /// Linear time axes in the CDFs (default: logarithmic).
        #[arg(long)]
        linear: bool,
    },
    /// Merge shard reports (from `run --shard K/N --json`) into one.
    Merge {
        /// The shard reports: files, directories (their `*.json` files) or quoted glob
        /// patterns such as 'out/shard-*.json'. Missing shards are named.
        #[arg(required = true)]
        shards: Vec<PathBuf>,
        /// Where to write the merged report (`-` for stdout).
        #[arg(long)]
        json: PathBuf,
    },
}

/// A failure, classified for the exit code.
#[derive(Debug, thiserror::Error)]
pub(crate) enum CliError {
    /// The user's input is wrong: exit code 2.
    #[error("{0}")]
    BadInput(String),
    /// Anything else (I/O...): exit code 1.
    #[error("{0}")]
    Other(String),
    /// Stopped by Ctrl-C after saving what was complete: exit code 130.
    #[error("interrupted")]
    Interrupted,
    /// Stdout was closed by its reader (EPIPE): a quiet exit with code 141, as a shell reports
    /// a command killed by SIGPIPE.
    #[error("stdout closed")]
    BrokenPipe,
}

/// Prints an error on stderr; a closed stderr is not worth a panic (as `eprintln!` would).
fn say(msg: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr(), "error: {msg}");
}

/// Runs the `drsim` command on this process's arguments, building the scenario's strategies
/// with `registry`: the whole of a `main` that knows your strategy kinds (see the crate's
/// example). Returns the exit code (see the crate's documentation).
pub fn main_with(registry: Registry) -> ExitCode {
    main_with_args(registry, std::env::args_os())
}

/// [`main_with`] on the given arguments, the first being the program's name (as
/// `std::env::args_os()` gives them): for tests, and for programs that make up their
/// arguments. `--help`, `--version` and argument errors print what `drsim` prints and return
/// its exit code instead of exiting.
pub fn main_with_args<I, T>(registry: Registry, args: I) -> ExitCode
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) => {
            // Help and version go to stdout (exit 0), usage errors to stderr (exit 2).
            let _ = e.print();
            return ExitCode::from(u8::try_from(e.exit_code()).unwrap_or(2));
        }
    };
    let result = match cli.command {
        Command::Run(args) => run::run(args, &registry),
        Command::Horizon(args) => horizon::horizon(args, &registry),
        Command::Validate { scenario } => validate::validate(&scenario, &registry),
        Command::Merge { shards, json } => report::merge(&shards, &json),
        Command::Report { run, horizon, output, linear } => {
            let axis = if linear { drsim::plot::Axis::Linear } else { drsim::plot::Axis::Log };
            report::html_report(&run, horizon.as_deref(), &output, &registry, axis)
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(CliError::BadInput(msg)) => {
            say(&msg);
            ExitCode::from(2)
        }
        Err(CliError::Other(msg)) => {
            say(&msg);
            ExitCode::from(1)
        }
        // The message saying what was saved has been printed.
        Err(CliError::Interrupted) => ExitCode::from(130),
        // Nobody is reading: nothing to say, and no way to say it.
        Err(CliError::BrokenPipe) => ExitCode::from(141),
    }
}
