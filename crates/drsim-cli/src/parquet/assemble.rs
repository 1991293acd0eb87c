//! The final Parquet file: the spool's segments read back in order and encoded again as
//! row groups of 64 segments (see the parent module's docs).

use std::fs::File;
use std::io::{BufReader, BufWriter, Read, Seek, SeekFrom};
use std::path::Path;

use parquet::column::writer::ColumnWriter;
use parquet::file::metadata::KeyValue;
use parquet::file::writer::SerializedFileWriter;

use super::Kind;
use super::schema::{kind_of, properties};
use super::spool::{MAGIC, io_err, pq_err};
use crate::CliError;

/// Largest segment accepted when reading a spool back (a chunk's rows are far smaller).
const MAX_SEGMENT: u64 = 1 << 32;

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
pub(super) fn assemble(spool: &Path, tmp: &Path, out: File, metadata: &[(&str, String)]) -> Result<File, CliError> {
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
            let cols: Vec<(String, Kind, bool)> =
                descr.columns().iter().map(|c| (c.name().to_string(), kind_of(c), c.max_def_level() > 0)).collect();
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
