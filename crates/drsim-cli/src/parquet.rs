//! `drsim run --parquet PATH`: the per-trial rows of `--csv` as Parquet, with proper types
//! (integers as INT64, seconds as DOUBLE, flags as BOOLEAN, strings as UTF-8, nulls where the
//! CSV has an empty field), streamed with fixed memory, written atomically and resumable.
//!
//! How (docs/reliability.md, "Parquet"): a Parquet file's footer lists every row group and
//! comes last, so a file cannot be appended to once closed, nor read before it is. While the
//! run goes on, each chunk of trials is encoded as a small complete Parquet file of one row
//! group (a *segment*) and appended to a spool, the temporary sibling `PATH.<pid>.<nonce>.tmp`:
//! the magic `DRSIMPQ1`, then per segment its length (u64, little-endian) and its bytes. A
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
    /// DOUBLE (seconds, dollars).
    F64,
    /// BOOLEAN.
    Bool,
}

/// (name, kind, nullable) of the fixed columns, the CSV header's first columns in order.
#[cfg_attr(not(feature = "parquet"), allow(dead_code))]
pub(crate) const FIXED: [(&str, Kind, bool); 32] = [
    ("strategy", Kind::Str, false),
    ("trial", Kind::I64, false),
    ("disaster", Kind::Str, false),
    ("disaster_at_s", Kind::F64, false),
    ("detection_s", Kind::F64, false),
    ("first_partial_service_s", Kind::F64, true),
    ("rto_s", Kind::F64, true),
    ("rpo_s", Kind::F64, true),
    ("writes_lost", Kind::I64, false),
    ("bytes_lost", Kind::I64, false),
    ("copy_age_s", Kind::F64, false),
    ("failback_s", Kind::F64, true),
    ("write_freeze_s", Kind::F64, true),
    ("failback_bytes_lost", Kind::I64, false),
    ("failback_rpo_s", Kind::F64, false),
    ("write_blocked_s", Kind::F64, false),
    ("serving_outage_s", Kind::F64, false),
    ("commit_latency_p50_s", Kind::F64, true),
    ("commit_latency_p99_s", Kind::F64, true),
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

#[cfg(feature = "parquet")]
pub(crate) use imp::ParquetSink;

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

#[cfg(feature = "parquet")]
mod imp {
    use std::fs::File;
    use std::io::{BufReader, BufWriter, Read, Seek, SeekFrom, Write};
    use std::path::{Path, PathBuf};
    use std::sync::Arc;

    use drsim::trial::{OutcomeRow, TrialOutcome};
    use parquet::basic::{Compression, Encoding, LogicalType, Repetition, Type as Physical};
    use parquet::column::writer::ColumnWriter;
    use parquet::data_type::ByteArray;
    use parquet::file::metadata::{KeyValue, ParquetMetaDataReader};
    use parquet::file::properties::{EnabledStatistics, WriterProperties};
    use parquet::file::writer::SerializedFileWriter;
    use parquet::schema::types::{ColumnPath, Type};

    use super::{FIXED, Kind};
    use crate::CliError;
    use crate::output;

    /// The spool's first bytes: a file of segments, not a Parquet file.
    const MAGIC: &[u8; 8] = b"DRSIMPQ1";

    /// Largest segment accepted when reading a spool back (a chunk's rows are far smaller).
    const MAX_SEGMENT: u64 = 1 << 32;

    fn pq_err(what: &Path) -> impl Fn(parquet::errors::ParquetError) -> CliError + '_ {
        move |e| CliError::Other(format!("{}: cannot write Parquet: {e}", what.display()))
    }

    fn io_err(what: &Path) -> impl Fn(std::io::Error) -> CliError + '_ {
        move |e| CliError::Other(format!("{}: cannot write: {e}", what.display()))
    }

    /// One column's values of the chunk under way: the values present and, for a nullable
    /// column, its definition levels (1 present, 0 null).
    struct Col<T> {
        values: Vec<T>,
        levels: Vec<i16>,
        nullable: bool,
    }

    impl<T> Col<T> {
        fn new(nullable: bool) -> Self {
            Col { values: vec![], levels: vec![], nullable }
        }
        fn put(&mut self, name: &str, v: Option<T>) -> Result<(), CliError> {
            match v {
                Some(v) => {
                    self.values.push(v);
                    if self.nullable {
                        self.levels.push(1);
                    }
                }
                None if self.nullable => self.levels.push(0),
                None => return Err(CliError::Other(format!("--parquet: column {name} has no value in a row"))),
            }
            Ok(())
        }
        fn levels(&self) -> Option<&[i16]> {
            self.nullable.then_some(&self.levels[..])
        }
        fn clear(&mut self) {
            self.values.clear();
            self.levels.clear();
        }
    }

    enum Buf {
        Str(Col<ByteArray>),
        I64(Col<i64>),
        F64(Col<f64>),
        Bool(Col<bool>),
    }

    /// One row's value of a column.
    enum Val {
        S(Option<String>),
        I(Option<u64>),
        F(Option<f64>),
        B(Option<bool>),
    }

    /// The values of a row in the order of [`FIXED`] then two per store.
    fn values(r: OutcomeRow) -> Vec<Val> {
        use Val::{B, F, I, S};
        let mut v = vec![
            S(Some(r.strategy)),
            I(Some(r.trial)),
            S(Some(r.disaster)),
            F(Some(r.disaster_at_s)),
            F(Some(r.detection_s)),
            F(r.first_partial_service_s),
            F(r.rto_s),
            F(r.rpo_s),
            I(Some(r.writes_lost)),
            I(Some(r.bytes_lost)),
            F(Some(r.copy_age_s)),
            F(r.failback_s),
            F(r.write_freeze_s),
            I(Some(r.failback_bytes_lost)),
            F(Some(r.failback_rpo_s)),
            F(Some(r.write_blocked_s)),
            F(Some(r.serving_outage_s)),
            F(r.commit_latency_p50_s),
            F(r.commit_latency_p99_s),
            B(r.rto_met),
            B(r.rpo_met),
            B(Some(r.recovery_failed)),
            B(Some(r.recovery_interrupted)),
            B(Some(r.recovery_delayed)),
            B(Some(r.outlasted_horizon)),
            B(Some(r.unstable_replication)),
            B(Some(r.failback_cannot_catch_up)),
            S(r.recovered_at),
            B(Some(r.no_surviving_copy)),
            B(Some(r.waited_for_primary)),
            B(Some(r.no_clean_copy)),
            F(r.cost_usd),
        ];
        for s in r.stores {
            v.push(F(s.rpo_s));
            v.push(I(s.bytes_lost));
        }
        v
    }

    /// The columns: [`FIXED`], then with `[[stores]]` `rpo_s.<name>` (DOUBLE) and
    /// `bytes_lost.<name>` (INT64) per store, the database first, as the CSV's header.
    pub(crate) fn columns(stores: &[drsim::model::DataStore]) -> Vec<(String, Kind, bool)> {
        let mut cols: Vec<(String, Kind, bool)> = FIXED.iter().map(|(n, k, o)| (n.to_string(), *k, *o)).collect();
        if !stores.is_empty() {
            for name in std::iter::once(drsim::model::store::DATABASE).chain(stores.iter().map(|s| s.name.as_str())) {
                cols.push((format!("rpo_s.{name}"), Kind::F64, true));
                cols.push((format!("bytes_lost.{name}"), Kind::I64, true));
            }
        }
        cols
    }

    fn schema(cols: &[(String, Kind, bool)]) -> Result<Arc<Type>, CliError> {
        let bad = |e: parquet::errors::ParquetError| CliError::Other(format!("--parquet: schema: {e}"));
        let fields = cols
            .iter()
            .map(|(name, kind, nullable)| {
                let (physical, logical) = match kind {
                    Kind::Str => (Physical::BYTE_ARRAY, Some(LogicalType::String)),
                    Kind::I64 => (Physical::INT64, None),
                    Kind::F64 => (Physical::DOUBLE, None),
                    Kind::Bool => (Physical::BOOLEAN, None),
                };
                let rep = if *nullable { Repetition::OPTIONAL } else { Repetition::REQUIRED };
                Type::primitive_type_builder(name, physical)
                    .with_repetition(rep)
                    .with_logical_type(logical)
                    .build()
                    .map(Arc::new)
            })
            .collect::<Result<Vec<_>, _>>()
            .map_err(bad)?;
        Type::group_type_builder("drsim_trials").with_fields(fields).build().map(Arc::new).map_err(bad)
    }

    /// Snappy-compressed pages, statistics per column chunk, no page index. Encodings, chosen by size on
    /// `reference.toml` (docs/report-format.md): seconds are nearly all distinct, with random
    /// low mantissa bits, so DOUBLE columns are BYTE_STREAM_SPLIT without a dictionary (the
    /// sign, exponent and high bytes then compress); `trial` and `bytes_lost` are
    /// DELTA_BINARY_PACKED; the other columns (strings, flags, small counts) use dictionaries.
    fn properties(cols: &[(String, Kind, bool)]) -> Arc<WriterProperties> {
        let mut b = WriterProperties::builder()
            .set_compression(Compression::SNAPPY)
            .set_statistics_enabled(EnabledStatistics::Chunk)
            .set_offset_index_disabled(true);
        for (name, kind, _) in cols {
            let path = ColumnPath::from(name.as_str());
            let encoding = match kind {
                Kind::F64 => Encoding::BYTE_STREAM_SPLIT,
                Kind::I64 if name == "trial" || name.starts_with("bytes_lost") => Encoding::DELTA_BINARY_PACKED,
                _ => continue,
            };
            b = b.set_column_dictionary_enabled(path.clone(), false).set_column_encoding(path, encoding);
        }
        Arc::new(b.build())
    }

    /// Where the Parquet rows go while the run is under way (see the module's docs).
    pub(crate) struct ParquetSink(Sink);

    enum Sink {
        /// Segments appended to the spool.
        Spool {
            path: PathBuf,
            w: BufWriter<File>,
            /// Bytes of the spool written (the magic and whole segments).
            bytes: u64,
            cols: Vec<(String, Kind)>,
            bufs: Vec<Buf>,
            schema: Arc<Type>,
            props: Arc<WriterProperties>,
        },
        /// Already complete under the final name (a resumed run whose Parquet was renamed).
        Done,
    }

    impl ParquetSink {
        fn open(path: PathBuf, file: File, bytes: u64, stores: &[drsim::model::DataStore]) -> Result<Self, CliError> {
            let cols = columns(stores);
            let schema = schema(&cols)?;
            let props = properties(&cols);
            let bufs = cols
                .iter()
                .map(|(_, kind, nullable)| match kind {
                    Kind::Str => Buf::Str(Col::new(*nullable)),
                    Kind::I64 => Buf::I64(Col::new(*nullable)),
                    Kind::F64 => Buf::F64(Col::new(*nullable)),
                    Kind::Bool => Buf::Bool(Col::new(*nullable)),
                })
                .collect();
            Ok(ParquetSink(Sink::Spool {
                path,
                w: BufWriter::new(file),
                bytes,
                cols: cols.into_iter().map(|(n, k, _)| (n, k)).collect(),
                bufs,
                schema,
                props,
            }))
        }

        /// A new spool for `--parquet path`.
        pub(crate) fn create(path: &Path, stores: &[drsim::model::DataStore]) -> Result<Self, CliError> {
            let (tmp, mut file) = output::create_tmp(path)?;
            file.write_all(MAGIC).map_err(io_err(&tmp))?;
            Self::open(tmp, file, MAGIC.len() as u64, stores)
        }

        /// The spool of a resumed run: the checkpoint's, checked to hold at least the `bytes`
        /// it counts, and cut back to them. A missing spool is accepted only for a finished run
        /// (`rows`: the rows every trial gives) whose Parquet file is in place with those rows.
        pub(crate) fn resume(
            path: &Path,
            cp_path: &Path,
            stores: &[drsim::model::DataStore],
            spool: Option<&Path>,
            bytes: u64,
            rows: Option<u64>,
        ) -> Result<Self, CliError> {
            let refuse = |what: String| {
                CliError::BadInput(format!(
                    "{what}; the checkpoint {} counts {bytes} bytes of completed Parquet segments: run without --resume to start again",
                    cp_path.display()
                ))
            };
            let spool = match spool {
                Some(t) if output::is_tmp_of(t, path) => t,
                Some(t) => {
                    return Err(refuse(format!(
                        "{}: parquet_tmp = {} is not a temporary file of --parquet {}: was the run started with another --parquet?",
                        cp_path.display(),
                        t.display(),
                        path.display()
                    )));
                }
                None => {
                    return Err(CliError::BadInput(format!(
                        "--parquet {}: the run saved in {} was started without --parquet, so its first trials have no Parquet rows: resume it without --parquet, or run without --resume to start again",
                        path.display(),
                        cp_path.display()
                    )));
                }
            };
            match std::fs::OpenOptions::new().read(true).write(true).open(spool) {
                Ok(mut f) => {
                    let len = f.metadata().map_err(io_err(spool))?.len();
                    if len < bytes || bytes < MAGIC.len() as u64 {
                        return Err(refuse(format!(
                            "{}: holds {len} bytes, fewer than it should (truncated or replaced?)",
                            spool.display()
                        )));
                    }
                    let mut magic = [0u8; 8];
                    f.read_exact(&mut magic).map_err(io_err(spool))?;
                    if &magic != MAGIC {
                        return Err(refuse(format!("{}: not a drsim Parquet spool", spool.display())));
                    }
                    // Drop any segment written after the checkpoint, then append.
                    f.set_len(bytes).map_err(io_err(spool))?;
                    f.seek(SeekFrom::End(0)).map_err(io_err(spool))?;
                    Self::open(spool.to_path_buf(), f, bytes, stores)
                }
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                    // A finished run whose Parquet was renamed into place before a later output failed.
                    let done = rows.is_some_and(|rows| {
                        File::open(path)
                            .ok()
                            .and_then(|f| ParquetMetaDataReader::new().parse_and_finish(&f).ok())
                            .is_some_and(|m| u64::try_from(m.file_metadata().num_rows()).ok() == Some(rows))
                    });
                    if done {
                        Ok(ParquetSink(Sink::Done))
                    } else {
                        Err(refuse(format!(
                            "{}: the Parquet rows of the checkpointed run are missing",
                            spool.display()
                        )))
                    }
                }
                Err(e) => Err(io_err(spool)(e)),
            }
        }

        /// Adds a trial's row (as `--csv` writes it; `cost_usd` not rounded to cents).
        pub(crate) fn push(&mut self, strategy: &str, o: &TrialOutcome, cost_usd: Option<f64>) -> Result<(), CliError> {
            let Sink::Spool { cols, bufs, .. } = &mut self.0 else { return Ok(()) };
            let vals = values(o.row(strategy, cost_usd));
            if vals.len() != bufs.len() {
                return Err(CliError::Other(format!(
                    "--parquet: a row has {} values for {} columns (stores differ?)",
                    vals.len(),
                    bufs.len()
                )));
            }
            for ((buf, (name, _)), v) in bufs.iter_mut().zip(cols.iter()).zip(vals) {
                match (buf, v) {
                    (Buf::Str(c), Val::S(s)) => c.put(name, s.map(|s| ByteArray::from(s.into_bytes())))?,
                    (Buf::I64(c), Val::I(x)) => {
                        let x = x
                            .map(|x| {
                                i64::try_from(x).map_err(|_| {
                                    CliError::Other(format!(
                                        "--parquet: {name} = {x} does not fit Parquet's INT64 (at most 2^63 - 1); use --csv"
                                    ))
                                })
                            })
                            .transpose()?;
                        c.put(name, x)?;
                    }
                    (Buf::F64(c), Val::F(x)) => c.put(name, x)?,
                    (Buf::Bool(c), Val::B(x)) => c.put(name, x)?,
                    _ => return Err(CliError::Other(format!("--parquet: column {name}: a value of another type"))),
                }
            }
            Ok(())
        }

        /// Encodes the rows pushed since the last call as one segment (a Parquet file of one
        /// row group) and appends it to the spool. Nothing is written for no rows.
        pub(crate) fn end_chunk(&mut self) -> Result<(), CliError> {
            let Sink::Spool { path, w, bytes, bufs, schema, props, .. } = &mut self.0 else { return Ok(()) };
            let rows = match bufs.first() {
                Some(Buf::Str(c)) => c.values.len(),
                _ => 0,
            };
            if rows == 0 {
                return Ok(());
            }
            let segment = encode(schema.clone(), props.clone(), bufs).map_err(pq_err(path))?;
            for b in bufs.iter_mut() {
                match b {
                    Buf::Str(c) => c.clear(),
                    Buf::I64(c) => c.clear(),
                    Buf::F64(c) => c.clear(),
                    Buf::Bool(c) => c.clear(),
                }
            }
            w.write_all(&(segment.len() as u64).to_le_bytes())
                .and_then(|()| w.write_all(&segment))
                .map_err(io_err(path))?;
            *bytes += 8 + segment.len() as u64;
            Ok(())
        }

        /// Flushes the segments written so far to the spool and the disk (before a checkpoint
        /// counts them).
        pub(crate) fn sync(&mut self) -> Result<(), CliError> {
            match &mut self.0 {
                Sink::Spool { path, w, .. } => w.flush().and_then(|()| w.get_ref().sync_data()).map_err(io_err(path)),
                Sink::Done => Ok(()),
            }
        }

        /// Bytes of the spool holding whole segments.
        pub(crate) fn bytes(&self) -> u64 {
            match &self.0 {
                Sink::Spool { bytes, .. } => *bytes,
                Sink::Done => 0,
            }
        }

        /// The spool's path (for the checkpoint).
        pub(crate) fn spool(&self) -> Option<PathBuf> {
            match &self.0 {
                Sink::Spool { path, .. } => Some(path.clone()),
                Sink::Done => None,
            }
        }

        /// Writes the Parquet file: the spool's rows, in order, encoded again into
        /// a temporary sibling of `path`, with `metadata` as key-value metadata, synced and
        /// renamed into place; then removes the spool.
        pub(crate) fn finish(self, path: &Path, metadata: &[(&str, String)]) -> Result<(), CliError> {
            let Sink::Spool { path: spool, mut w, .. } = self.0 else { return Ok(()) };
            w.flush().map_err(io_err(&spool))?;
            drop(w);
            let (tmp, file) = output::create_tmp(path)?;
            let result = assemble(&spool, &tmp, file, metadata).and_then(|file| output::commit(&tmp, &file, path));
            if result.is_err() {
                let _ = std::fs::remove_file(&tmp);
                return result;
            }
            if let Err(e) = std::fs::remove_file(&spool) {
                eprintln!("warning: {}: cannot remove the Parquet spool: {e}", spool.display());
            }
            Ok(())
        }
    }

    /// One row group of the buffered rows as a complete Parquet file.
    fn encode(schema: Arc<Type>, props: Arc<WriterProperties>, bufs: &[Buf]) -> parquet::errors::Result<Vec<u8>> {
        let mut w = SerializedFileWriter::new(Vec::new(), schema, props)?;
        let mut rg = w.next_row_group()?;
        let mut i = 0;
        while let Some(mut col) = rg.next_column()? {
            let wrong = || parquet::errors::ParquetError::General(format!("column {i}: unexpected writer type"));
            match (bufs.get(i), col.untyped()) {
                (Some(Buf::Str(c)), ColumnWriter::ByteArrayColumnWriter(t)) => {
                    t.write_batch(&c.values, c.levels(), None)?
                }
                (Some(Buf::I64(c)), ColumnWriter::Int64ColumnWriter(t)) => {
                    t.write_batch(&c.values, c.levels(), None)?
                }
                (Some(Buf::F64(c)), ColumnWriter::DoubleColumnWriter(t)) => {
                    t.write_batch(&c.values, c.levels(), None)?
                }
                (Some(Buf::Bool(c)), ColumnWriter::BoolColumnWriter(t)) => {
                    t.write_batch(&c.values, c.levels(), None)?
                }
                _ => return Err(wrong()),
            };
            col.close()?;
            i += 1;
        }
        rg.close()?;
        w.into_inner()
    }

    /// Segments per row group of the final file: 64 chunks of 4,096 trials (2^18 trials).
    const SEGMENTS_PER_ROW_GROUP: usize = 64;

    /// One segment of the spool, read as the Parquet file it is.
    struct Segment {
        file: File,
        start: u64,
        len: u64,
    }

    impl parquet::file::reader::Length for Segment {
        fn len(&self) -> u64 {
            self.len
        }
    }

    impl parquet::file::reader::ChunkReader for Segment {
        type T = std::io::Take<BufReader<File>>;

        fn get_read(&self, start: u64) -> parquet::errors::Result<Self::T> {
            let mut f = self.file.try_clone()?;
            f.seek(SeekFrom::Start(self.start + start))?;
            Ok(BufReader::new(f).take(self.len.saturating_sub(start)))
        }

        fn get_bytes(&self, start: u64, length: usize) -> parquet::errors::Result<bytes::Bytes> {
            let mut buf = vec![0u8; length];
            self.get_read(start)?.read_exact(&mut buf)?;
            Ok(buf.into())
        }
    }

    /// Copies the rows of every segment of `spool`, in order, into the Parquet file `out`
    /// (`tmp`): each run of [`SEGMENTS_PER_ROW_GROUP`] segments becomes one row group, read
    /// and encoded again column by column (memory: one page at a time, and the metadata of
    /// the run's segments and of the file's row groups).
    fn assemble(spool: &Path, tmp: &Path, out: File, metadata: &[(&str, String)]) -> Result<File, CliError> {
        use parquet::file::reader::{FileReader, SerializedFileReader};
        let cannot_read = |e: std::io::Error| CliError::Other(format!("{}: cannot read: {e}", spool.display()));
        let corrupt =
            |what: String| CliError::Other(format!("{}: not a complete drsim Parquet spool: {what}", spool.display()));
        let file = File::open(spool).map_err(cannot_read)?;
        let total = file.metadata().map_err(cannot_read)?.len();
        let mut r = BufReader::new(file.try_clone().map_err(cannot_read)?);
        let mut magic = [0u8; 8];
        r.read_exact(&mut magic).map_err(cannot_read)?;
        if &magic != MAGIC {
            return Err(corrupt("no magic".into()));
        }
        // Where the segments are (16 bytes each).
        let mut segments: Vec<(u64, u64)> = vec![];
        let mut at = MAGIC.len() as u64;
        while at < total {
            let mut len = [0u8; 8];
            r.read_exact(&mut len).map_err(|e| corrupt(format!("segment {}: {e}", segments.len())))?;
            let len = u64::from_le_bytes(len);
            if len > MAX_SEGMENT || at + 8 + len > total {
                return Err(corrupt(format!("segment {} claims {len} bytes", segments.len())));
            }
            segments.push((at + 8, len));
            r.seek_relative(len as i64).map_err(cannot_read)?;
            at += 8 + len;
        }
        drop(r);
        let mut writer: Option<SerializedFileWriter<BufWriter<File>>> = None;
        let mut out = Some(out);
        for (g, group) in segments.chunks(SEGMENTS_PER_ROW_GROUP).enumerate() {
            let bad = |e: parquet::errors::ParquetError| corrupt(format!("row group {g}: {e}"));
            let readers = group
                .iter()
                .map(|&(start, len)| {
                    let file = file.try_clone().map_err(cannot_read)?;
                    SerializedFileReader::new(Segment { file, start, len }).map_err(bad)
                })
                .collect::<Result<Vec<_>, _>>()?;
            if writer.is_none() {
                // The segments' own schema, so that their column descriptors match exactly.
                let descr = readers[0].metadata().file_metadata().schema_descr();
                let cols: Vec<(String, Kind, bool)> = descr
                    .columns()
                    .iter()
                    .map(|c| {
                        let kind = match c.physical_type() {
                            Physical::BYTE_ARRAY => Kind::Str,
                            Physical::INT64 => Kind::I64,
                            Physical::DOUBLE => Kind::F64,
                            _ => Kind::Bool,
                        };
                        (c.name().to_string(), kind, c.max_def_level() > 0)
                    })
                    .collect();
                let file = out.take().ok_or_else(|| corrupt("internal".into()))?;
                let mut w = SerializedFileWriter::new(BufWriter::new(file), descr.root_schema_ptr(), properties(&cols))
                    .map_err(pq_err(tmp))?;
                for (k, v) in metadata {
                    w.append_key_value_metadata(KeyValue::new(k.to_string(), v.clone()));
                }
                writer = Some(w);
            }
            let w = writer.as_mut().ok_or_else(|| corrupt("internal".into()))?;
            let mut out_rg = w.next_row_group().map_err(pq_err(tmp))?;
            let mut i = 0;
            while let Some(mut col) = out_rg.next_column().map_err(pq_err(tmp))? {
                for reader in &readers {
                    for rg in 0..reader.num_row_groups() {
                        let column = reader.get_row_group(rg).and_then(|g| g.get_column_reader(i)).map_err(bad)?;
                        copy_column(column, col.untyped()).map_err(bad)?;
                    }
                }
                col.close().map_err(pq_err(tmp))?;
                i += 1;
            }
            out_rg.close().map_err(pq_err(tmp))?;
        }
        let w = writer.ok_or_else(|| corrupt("no segment".into()))?;
        let buf = w.into_inner().map_err(pq_err(tmp))?;
        buf.into_inner().map_err(|e| io_err(tmp)(e.into_error()))
    }

    /// Reads a column chunk's values and definition levels, a batch at a time, into `out`.
    fn copy_column(from: parquet::column::reader::ColumnReader, out: &mut ColumnWriter) -> parquet::errors::Result<()> {
        use parquet::column::reader::{ColumnReader as R, ColumnReaderImpl};
        use parquet::data_type::DataType;
        fn copy<T: DataType>(
            mut r: ColumnReaderImpl<T>,
            w: &mut parquet::column::writer::ColumnWriterImpl<T>,
            nullable: bool,
        ) -> parquet::errors::Result<()> {
            let (mut values, mut levels) = (Vec::new(), Vec::new());
            loop {
                values.clear();
                levels.clear();
                let (records, _, _) = r.read_records(4096, nullable.then_some(&mut levels), None, &mut values)?;
                if records == 0 {
                    return Ok(());
                }
                w.write_batch(&values, nullable.then_some(&levels[..]), None)?;
            }
        }
        let wrong = || parquet::errors::ParquetError::General("a column of another type".into());
        match (from, out) {
            (R::ByteArrayColumnReader(r), ColumnWriter::ByteArrayColumnWriter(w)) => {
                let nullable = w.get_descriptor().max_def_level() > 0;
                copy(r, w, nullable)
            }
            (R::Int64ColumnReader(r), ColumnWriter::Int64ColumnWriter(w)) => {
                let nullable = w.get_descriptor().max_def_level() > 0;
                copy(r, w, nullable)
            }
            (R::DoubleColumnReader(r), ColumnWriter::DoubleColumnWriter(w)) => {
                let nullable = w.get_descriptor().max_def_level() > 0;
                copy(r, w, nullable)
            }
            (R::BoolColumnReader(r), ColumnWriter::BoolColumnWriter(w)) => {
                let nullable = w.get_descriptor().max_def_level() > 0;
                copy(r, w, nullable)
            }
            _ => Err(wrong()),
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
