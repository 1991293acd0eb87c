//! `drsim run --checkpoint`: the saved state of an interrupted run, and the CSV rows it counts.
//!
//! A checkpoint is the study's own resumable state ([`StudyState`]) plus what only the command
//! knows: which scenario file (its SHA-256), and how many bytes of the CSV and Parquet
//! temporary files belong to the completed trials, so that `--resume` cuts off any rows
//! written after it and appends.

use std::io::Write;
use std::path::{Path, PathBuf};

use drsim::study::StudyState;

use crate::CliError;
use crate::output::{self, stdout_err, write_atomic};

/// The checkpoint format this drsim writes and reads. Format 1 (before the study layer owned
/// the loop) had the accumulators at the top level; it is refused, naming both formats.
pub(crate) const FORMAT: u32 = 2;

/// Completed work of an interrupted `drsim run`, enough to finish it with `--resume` and get
/// exactly the report an uninterrupted run gives.
#[derive(serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Checkpoint {
    /// [`FORMAT`].
    pub checkpoint_format: u32,
    pub drsim_version: String,
    pub scenario_sha256: String,
    /// Seed, trial range, the first trial not yet run, every strategy's exact state.
    pub study: StudyState,
    /// Bytes of the CSV's temporary file that belong to completed trials.
    pub csv_bytes: u64,
    /// The CSV's temporary file (absent when the CSV goes to stdout, or there is none).
    pub csv_tmp: Option<PathBuf>,
    /// Bytes of the Parquet spool that belong to completed trials (crate::parquet).
    pub parquet_bytes: u64,
    /// The Parquet spool, when the run writes `--parquet`.
    pub parquet_tmp: Option<PathBuf>,
}

impl Checkpoint {
    /// Reads the checkpoint at `path`, refusing another format, another drsim version or
    /// another scenario file (the study checks the rest when it resumes).
    pub(crate) fn read(path: &Path, sha256: &str) -> Result<Checkpoint, CliError> {
        let bytes = output::read_capped(path, "the checkpoint")?;
        let not = |e: serde_json::Error| CliError::BadInput(format!("{}: not a drsim checkpoint: {e}", path.display()));
        // The format first, so that an older checkpoint is named as such rather than as a
        // file with unknown fields.
        #[derive(serde::Deserialize)]
        struct Probe {
            checkpoint_format: Option<u32>,
        }
        let probe: Probe = serde_json::from_slice(&bytes).map_err(not)?;
        let format = probe.checkpoint_format.unwrap_or(1);
        if format != FORMAT {
            return Err(CliError::BadInput(format!(
                "{}: a checkpoint of format {format}; this drsim ({}) reads format {FORMAT} only: run without --resume to start again",
                path.display(),
                env!("CARGO_PKG_VERSION")
            )));
        }
        let c: Checkpoint = serde_json::from_slice(&bytes).map_err(not)?;
        let other = |what: String| {
            CliError::BadInput(format!(
                "{}: the checkpoint is of another run ({what}); run without --resume to start again",
                path.display()
            ))
        };
        if c.drsim_version != env!("CARGO_PKG_VERSION") {
            return Err(other(format!("drsim {}, this is {}", c.drsim_version, env!("CARGO_PKG_VERSION"))));
        }
        if c.scenario_sha256 != sha256 {
            return Err(other(format!("scenario sha256 {}, this file's is {sha256}", c.scenario_sha256)));
        }
        Ok(c)
    }

    /// Saves the checkpoint atomically (a crash leaves the previous one).
    pub(crate) fn save(&self, path: &Path) -> Result<(), CliError> {
        let text = serde_json::to_string(self).map_err(|e| CliError::Other(e.to_string()))?;
        write_atomic(path, &text)
    }
}

/// Where the per-trial rows go while the run is under way.
pub(crate) enum CsvSink {
    /// Streamed to stdout.
    Stdout,
    /// A temporary sibling of the final path, renamed into place when the run is complete.
    File { tmp: PathBuf, w: std::io::BufWriter<std::fs::File> },
    /// Already complete under the final name (a resumed run whose CSV was renamed).
    Done,
}

impl CsvSink {
    pub(crate) fn write(&mut self, text: &str) -> Result<(), CliError> {
        match self {
            CsvSink::Stdout => std::io::stdout().lock().write_all(text.as_bytes()).map_err(stdout_err),
            CsvSink::File { tmp, w } => w
                .write_all(text.as_bytes())
                .map_err(|e| CliError::Other(format!("{}: cannot write: {e}", tmp.display()))),
            CsvSink::Done => Ok(()),
        }
    }

    /// Flushes the rows written so far to the file and the disk (before a checkpoint counts them).
    pub(crate) fn sync(&mut self) -> Result<(), CliError> {
        match self {
            CsvSink::Stdout => std::io::stdout().lock().flush().map_err(stdout_err),
            CsvSink::File { tmp, w } => w
                .flush()
                .and_then(|()| w.get_ref().sync_data())
                .map_err(|e| CliError::Other(format!("{}: cannot write: {e}", tmp.display()))),
            CsvSink::Done => Ok(()),
        }
    }

    pub(crate) fn tmp(&self) -> Option<PathBuf> {
        match self {
            CsvSink::File { tmp, .. } => Some(tmp.clone()),
            _ => None,
        }
    }
}

/// Opens the CSV of a resumed run: the checkpoint's temporary file, checked to hold at least the
/// rows the checkpoint counts and cut back to them.
pub(crate) fn resume_csv(p: &Path, cp_path: &Path, c: &Checkpoint) -> Result<CsvSink, CliError> {
    let refuse = |what: String| {
        CliError::BadInput(format!(
            "{what}; the checkpoint {} counts {} bytes of completed rows: run without --resume to start again",
            cp_path.display(),
            c.csv_bytes
        ))
    };
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
        None => return Err(refuse(format!("--csv {}: the checkpointed run wrote no CSV file", p.display()))),
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
            let done = c.study.next == c.study.end && std::fs::metadata(p).is_ok_and(|m| m.len() == c.csv_bytes);
            if done {
                Ok(CsvSink::Done)
            } else {
                Err(refuse(format!("{}: the CSV rows of the checkpointed run are missing", tmp.display())))
            }
        }
        Err(e) => Err(CliError::Other(format!("{}: cannot write: {e}", tmp.display()))),
    }
}
