//! What `drsim run` does with each recorded chunk of the study: its rows to the CSV and the
//! Parquet spool, then (with `--checkpoint`) the checkpoint that counts them.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use drsim::study::{Flow, ObserverError, StudyControl, StudyObserver, StudyState};
use drsim::trial::TrialOutcome;
use indicatif::ProgressBar;

use crate::CliError;
use crate::checkpoint::{Checkpoint, CsvSink, FORMAT};
use crate::csv::csv_row;
use crate::parquet::ParquetSink;

/// The study's observer in `drsim run`.
pub(crate) struct Sinks<'a> {
    pub csv: Option<CsvSink>,
    /// Bytes of the CSV written so far (the header included).
    pub csv_bytes: u64,
    pub parquet: Option<ParquetSink>,
    /// Saved after every chunk but the last, when set.
    pub checkpoint: Option<PathBuf>,
    pub scenario_sha256: String,
    /// Stop as if interrupted after this many chunks (tests of checkpointing).
    pub stop_after_chunks: Option<u64>,
    pub chunks_done: u64,
    /// Cancelled by Ctrl-C: a chunk that finished anyway is saved, then the run stops.
    pub control: Arc<StudyControl>,
    pub bar: &'a ProgressBar,
    pub strategies: u64,
    /// The first trial not yet shown on the progress bar.
    pub recorded: u64,
}

impl Sinks<'_> {
    /// Flushes the rows written so far to the disk (before a checkpoint counts them).
    pub(crate) fn sync(&mut self) -> Result<(), CliError> {
        if let Some(w) = self.csv.as_mut() {
            w.sync()?;
        }
        if let Some(w) = self.parquet.as_mut() {
            w.sync()?;
        }
        Ok(())
    }

    /// Saves `state` and the rows that belong to it at `path` (the rows synced first).
    pub(crate) fn save(&mut self, path: &Path, state: &StudyState) -> Result<(), CliError> {
        self.sync()?;
        Checkpoint {
            checkpoint_format: FORMAT,
            drsim_version: env!("CARGO_PKG_VERSION").to_string(),
            scenario_sha256: self.scenario_sha256.clone(),
            study: state.clone(),
            csv_bytes: self.csv_bytes,
            csv_tmp: self.csv.as_ref().and_then(CsvSink::tmp),
            parquet_bytes: self.parquet.as_ref().map_or(0, ParquetSink::bytes),
            parquet_tmp: self.parquet.as_ref().and_then(ParquetSink::spool),
        }
        .save(path)
    }
}

impl StudyObserver for Sinks<'_> {
    fn outcome(&mut self, strategy: &str, o: &TrialOutcome, cost_usd: Option<f64>) -> Result<(), ObserverError> {
        if let Some(w) = self.csv.as_mut() {
            let row = csv_row(strategy, o, cost_usd);
            w.write(&row)?;
            self.csv_bytes += row.len() as u64;
        }
        if let Some(w) = self.parquet.as_mut() {
            w.push(strategy, o, cost_usd)?;
        }
        Ok(())
    }

    fn chunk_done(&mut self, state: &StudyState) -> Result<Flow, ObserverError> {
        // The chunk's rows of every strategy: one Parquet row group.
        if let Some(w) = self.parquet.as_mut() {
            w.end_chunk()?;
        }
        self.bar.inc((state.next - self.recorded).saturating_mul(self.strategies));
        self.recorded = state.next;
        self.chunks_done += 1;
        let stop = self.control.is_cancelled() || self.stop_after_chunks.is_some_and(|n| self.chunks_done >= n);
        // A stopped run is saved by the caller, from the state the study returns; the last
        // chunk's checkpoint too, once every output is flushed.
        if !stop
            && state.next < state.end
            && let Some(path) = self.checkpoint.clone()
        {
            self.save(&path, state)?;
        }
        Ok(if stop { Flow::Stop } else { Flow::Continue })
    }
}
