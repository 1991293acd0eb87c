//! The [`ParquetSink`] while trials run: each chunk's rows encoded as a segment (a small
//! complete Parquet file) and appended to the spool; a resumed run's spool cut back to its
//! checkpoint (see the parent module's docs).

use std::fs::File;
use std::io::{BufWriter, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use drsim::trial::TrialOutcome;
use parquet::column::writer::ColumnWriter;
use parquet::data_type::ByteArray;
use parquet::file::metadata::ParquetMetaDataReader;
use parquet::file::properties::WriterProperties;
use parquet::file::writer::SerializedFileWriter;
use parquet::schema::types::Type;

use super::Kind;
use super::assemble::assemble;
use super::schema::{Val, columns, nanos, properties, schema, values};
use crate::CliError;
use crate::output;

/// The spool's first bytes: a file of segments, not a Parquet file. `2`: seconds are
/// DECIMAL(18, 9) (a spool of `1`, DOUBLE seconds, is refused on resume).
pub(super) const MAGIC: &[u8; 8] = b"DRSIMPQ2";

pub(super) fn pq_err(what: &Path) -> impl Fn(parquet::errors::ParquetError) -> CliError + '_ {
    move |e| CliError::Other(format!("{}: cannot write Parquet: {e}", what.display()))
}

pub(super) fn io_err(what: &Path) -> impl Fn(std::io::Error) -> CliError + '_ {
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
                Kind::I64 | Kind::Secs => Buf::I64(Col::new(*nullable)),
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
                if magic.starts_with(&MAGIC[..7]) && &magic != MAGIC {
                    // Another format of spool (`DRSIMPQ1`: DOUBLE seconds): its rows cannot be
                    // joined to this drsim's.
                    return Err(refuse(format!(
                        "{}: a spool of format {} (another drsim version); this drsim writes {}: run again without --resume",
                        spool.display(),
                        String::from_utf8_lossy(&magic),
                        String::from_utf8_lossy(MAGIC)
                    )));
                }
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
                    Err(refuse(format!("{}: the Parquet rows of the checkpointed run are missing", spool.display())))
                }
            }
            Err(e) => Err(io_err(spool)(e)),
        }
    }

    /// Adds a trial's row (as `--csv` writes it; `cost_usd` not rounded to cents).
    pub(crate) fn push(&mut self, strategy: &str, o: &TrialOutcome, cost_usd: Option<f64>) -> Result<(), CliError> {
        let Sink::Spool { cols, bufs, .. } = &mut self.0 else { return Ok(()) };
        let vals = values(strategy, o, cost_usd);
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
                (Buf::I64(c), Val::N(x)) => c.put(name, x.map(|x| nanos(name, x)).transpose()?)?,
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
            (Some(Buf::I64(c)), ColumnWriter::Int64ColumnWriter(t)) => t.write_batch(&c.values, c.levels(), None)?,
            (Some(Buf::F64(c)), ColumnWriter::DoubleColumnWriter(t)) => t.write_batch(&c.values, c.levels(), None)?,
            (Some(Buf::Bool(c)), ColumnWriter::BoolColumnWriter(t)) => t.write_batch(&c.values, c.levels(), None)?,
            _ => return Err(wrong()),
        };
        col.close()?;
        i += 1;
    }
    rg.close()?;
    w.into_inner()
}
