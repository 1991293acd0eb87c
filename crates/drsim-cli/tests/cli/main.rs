//! The `drsim` command end to end, in one binary (one link step, shared helpers): thread-count
//! independence, exact shard merges, exit codes.
//!
//! - `run`: `run`, `validate` and `horizon`: reports, CSV, plots, costs, bad input.
//! - `outputs`: output files and stdout: closed pipes, clashes, concurrent runs.
//! - `checkpoint`: checkpoints, `--resume`, Ctrl-C and SIGTERM.
//! - `shards`: `--shard`, `--shard auto` and `drsim merge`.
//! - `parquet`: `--parquet` read back against the CSV; resumes, shards, refusals.
//! - `html`: `drsim report` and `--html`: well formed, complete, escaped; `--plot` axes.

mod checkpoint;
mod html;
mod outputs;
#[cfg(feature = "parquet")]
mod parquet;
mod run;
mod shards;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

const DRSIM: &str = env!("CARGO_BIN_EXE_drsim");

fn scenario(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/scenarios").join(name)
}

fn drsim(args: &[&str]) -> Output {
    Command::new(DRSIM).args(args).output().expect("drsim runs")
}

fn tmp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("drsim-cli-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

fn json(path: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn run_json(extra: &[&str], out: &Path) -> serde_json::Value {
    let reference = scenario("reference.toml");
    let mut args = vec!["run", reference.to_str().unwrap(), "--trials", "240", "--json", out.to_str().unwrap()];
    args.extend_from_slice(extra);
    let o = drsim(&args);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    json(out)
}

/// Runs drsim with its stdout closed before it writes (as `drsim ... | true` does).
fn drsim_closed_stdout(args: &[&str]) -> Output {
    // The reading end is closed before drsim starts: its first write fails, whatever the timing.
    let (reader, writer) = std::io::pipe().expect("a pipe");
    drop(reader);
    Command::new(DRSIM).args(args).stdout(writer).output().expect("drsim runs")
}

fn no_panic(o: &Output) -> String {
    let err = String::from_utf8_lossy(&o.stderr).into_owned();
    assert!(!err.contains("panicked"), "{err}");
    err
}

/// Files in `dir` whose names start with `prefix`.
fn siblings(dir: &Path, prefix: &str) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(prefix))
        .collect();
    v.sort();
    v
}

fn json_of(path: &Path) -> serde_json::Value {
    json(path)
}
