//! `drsim run --parquet PATH`: the per-trial rows of `--csv` as Parquet, with proper types
//! (integers as INT64, seconds as exact nanoseconds in DECIMAL(18, 9), dollars as DOUBLE, flags
//! as BOOLEAN, strings as UTF-8, nulls where the CSV has an empty field), streamed with fixed
//! memory, written atomically and resumable.
//!
//! Modules by job: `schema` (the columns, their Parquet types and encodings, a row's values),
//! `spool` (the [`ParquetSink`]: segments appended while trials run, resume), `assemble` (the
//! final file, encoded again from the spool).
//!
//! How (docs/reliability.md, "Parquet"): a Parquet file's footer lists every row group and
//! comes last, so a file cannot be appended to once closed, nor read before it is. While the
//! run goes on, each chunk of trials is encoded as a small complete Parquet file of one row
//! group (a *segment*) and appended to a spool, the temporary sibling `PATH.<pid>.<nonce>.tmp`:
//! the magic `DRSIMPQ2`, then per segment its length (u64, little-endian) and its bytes. A
//! checkpoint records how many bytes of the spool hold whole chunks (synced first), exactly as
//! it does for the CSV; `--resume` cuts the spool back to them and appends. When every trial
//! is done, the segments are read back 64 at a time, column by column, and encoded again as
//! the row groups of one Parquet file (a second temporary sibling, synced and renamed onto
//! `PATH`), and the spool is removed.
//! Memory holds one chunk's rows and one segment while trials run; then one page and the
//! metadata of 64 segments, plus the final footer (one row group per 2^18 trials). An
//! uninterrupted and a resumed run write the same bytes.
//!
//! Without the cargo feature `parquet` (on by default), `--parquet` is refused with a message.

use std::path::Path;

use crate::CliError;

/// The fixed columns, in the CSV's order, and their types. The per-store columns follow.
#[cfg_attr(not(feature = "parquet"), allow(dead_code))]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    /// UTF-8 string (BYTE_ARRAY, logical type STRING).
    Str,
    /// INT64.
    I64,
    /// DOUBLE (dollars).
    F64,
    /// Seconds: exact integer nanoseconds, INT64 with logical type DECIMAL(18, 9) (the value
    /// the CSV prints to 9 decimals, so nothing is rounded; see [`MAX_NANOS`]).
    Secs,
    /// BOOLEAN.
    Bool,
}

/// (name, kind, nullable) of the fixed columns, the CSV header's first columns in order.
#[cfg_attr(not(feature = "parquet"), allow(dead_code))]
pub(crate) const FIXED: [(&str, Kind, bool); 32] = [
    ("strategy", Kind::Str, false),
    ("trial", Kind::I64, false),
    ("disaster", Kind::Str, false),
    ("disaster_at_s", Kind::Secs, false),
    ("detection_s", Kind::Secs, false),
    ("first_partial_service_s", Kind::Secs, true),
    ("rto_s", Kind::Secs, true),
    ("rpo_s", Kind::Secs, true),
    ("writes_lost", Kind::I64, false),
    ("bytes_lost", Kind::I64, false),
    ("copy_age_s", Kind::Secs, false),
    ("failback_s", Kind::Secs, true),
    ("write_freeze_s", Kind::Secs, true),
    ("failback_bytes_lost", Kind::I64, false),
    ("failback_rpo_s", Kind::Secs, false),
    ("write_blocked_s", Kind::Secs, false),
    ("serving_outage_s", Kind::Secs, false),
    ("commit_latency_p50_s", Kind::Secs, true),
    ("commit_latency_p99_s", Kind::Secs, true),
    ("rto_met", Kind::Bool, true),
    ("rpo_met", Kind::Bool, true),
    ("recovery_failed", Kind::Bool, false),
    ("recovery_interrupted", Kind::Bool, false),
    ("recovery_delayed", Kind::Bool, false),
    ("outlasted_horizon", Kind::Bool, false),
    ("unstable_replication", Kind::Bool, false),
    ("failback_cannot_catch_up", Kind::Bool, false),
    ("recovered_at", Kind::Str, true),
    ("no_surviving_copy", Kind::Bool, false),
    ("waited_for_primary", Kind::Bool, false),
    ("no_clean_copy", Kind::Bool, false),
    ("cost_usd", Kind::F64, true),
];

/// Checks `--parquet PATH` before any work: not stdout, this build can write Parquet, and
/// every trial index of `..trial_end` fits INT64.
pub(crate) fn check(path: &Path, trial_end: u64) -> Result<(), CliError> {
    if path.as_os_str() == "-" {
        return Err(CliError::BadInput(
            "--parquet -: Parquet cannot go to stdout (its footer, written last, says where everything is): give a file path"
                .into(),
        ));
    }
    if !cfg!(feature = "parquet") {
        return Err(CliError::BadInput(format!(
            "--parquet {}: this drsim was built without Parquet support (the cargo feature `parquet` of drsim-cli, on by default); rebuild with it, or use --csv",
            path.display()
        )));
    }
    if trial_end > i64::MAX as u64 + 1 {
        return Err(CliError::BadInput(format!(
            "--parquet {}: trial indices up to {} do not fit Parquet's INT64 (at most 2^63 - 1); use --csv",
            path.display(),
            trial_end - 1
        )));
    }
    Ok(())
}

/// Largest duration a seconds column holds, in nanoseconds: DECIMAL(18, 9) has 18 digits,
/// 999,999,999.999999999 s (about 31.7 years); a longer one is refused by name.
#[cfg_attr(not(feature = "parquet"), allow(dead_code))]
pub(crate) const MAX_NANOS: u64 = 999_999_999_999_999_999;

#[cfg(feature = "parquet")]
mod assemble;
#[cfg(feature = "parquet")]
mod schema;
#[cfg(feature = "parquet")]
mod spool;

#[cfg(feature = "parquet")]
pub(crate) use spool::ParquetSink;

#[cfg(not(feature = "parquet"))]
pub(crate) use stub::ParquetSink;

/// Without the feature: [`check`] refuses `--parquet` first, so none of this runs.
#[cfg(not(feature = "parquet"))]
mod stub {
    use std::path::{Path, PathBuf};

    use crate::CliError;

    /// Never built: `check` refuses `--parquet` without the feature.
    pub(crate) enum ParquetSink {}

    fn missing() -> CliError {
        CliError::Other("Parquet support is not built in".into())
    }

    impl ParquetSink {
        pub(crate) fn create(_: &Path, _: &[drsim::model::DataStore]) -> Result<Self, CliError> {
            Err(missing())
        }
        pub(crate) fn resume(
            _: &Path,
            _: &Path,
            _: &[drsim::model::DataStore],
            _: Option<&Path>,
            _: u64,
            _: Option<u64>,
        ) -> Result<Self, CliError> {
            Err(missing())
        }
        pub(crate) fn push(&mut self, _: &str, _: &drsim::trial::TrialOutcome, _: Option<f64>) -> Result<(), CliError> {
            match *self {}
        }
        pub(crate) fn end_chunk(&mut self) -> Result<(), CliError> {
            match *self {}
        }
        pub(crate) fn sync(&mut self) -> Result<(), CliError> {
            match *self {}
        }
        pub(crate) fn bytes(&self) -> u64 {
            match *self {}
        }
        pub(crate) fn spool(&self) -> Option<PathBuf> {
            match *self {}
        }
        pub(crate) fn finish(self, _: &Path, _: &[(&str, String)]) -> Result<(), CliError> {
            match self {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The fixed columns are the CSV header's, in order.
    #[test]
    fn fixed_columns_are_the_csv_columns() {
        let header = crate::csv::csv_header(&[]);
        let names: Vec<&str> = header.trim_end().split(',').collect();
        let ours: Vec<&str> = FIXED.iter().map(|(n, _, _)| *n).collect();
        assert_eq!(names, ours);
    }

    /// `--parquet -` is refused; so is `--parquet` in a build without the feature, and trial
    /// indices past INT64.
    #[test]
    fn refusals_name_the_reason() {
        let msg = |r: Result<(), CliError>| match r {
            Err(CliError::BadInput(m)) => m,
            _ => String::new(),
        };
        assert!(msg(check(Path::new("-"), 10)).contains("cannot go to stdout"));
        let built = check(Path::new("t.parquet"), 10);
        if cfg!(feature = "parquet") {
            assert!(built.is_ok());
            assert!(msg(check(Path::new("t.parquet"), u64::MAX)).contains("do not fit Parquet's INT64"));
            assert!(check(Path::new("t.parquet"), 1 << 63).is_ok());
        } else {
            assert!(msg(built).contains("built without Parquet support"));
        }
    }
}
