//! The Parquet columns of a run: their names, types and encodings, and one row's values.

use std::sync::Arc;

use drsim::engine::SimDuration;
use drsim::trial::TrialOutcome;
use parquet::basic::{Compression, DecimalType, Encoding, LogicalType, Repetition, Type as Physical};
use parquet::file::properties::{EnabledStatistics, WriterProperties};
use parquet::schema::types::{ColumnPath, Type};

use super::{FIXED, Kind, MAX_NANOS};
use crate::CliError;

/// Digits after the point of the seconds columns' DECIMAL: nanoseconds.
const SCALE: i32 = 9;
/// Digits of the seconds columns' DECIMAL: the most an INT64 DECIMAL may declare.
const PRECISION: i32 = 18;

/// One row's value of a column.
pub(super) enum Val {
    S(Option<String>),
    I(Option<u64>),
    /// Nanoseconds (a [`Kind::Secs`] column).
    N(Option<u64>),
    F(Option<f64>),
    B(Option<bool>),
}

/// The values of a row in the order of [`FIXED`] then two per store. Seconds are taken from
/// the outcome's integer nanoseconds (the CSV's exact text), not from its float seconds.
pub(super) fn values(strategy: &str, o: &TrialOutcome, cost_usd: Option<f64>) -> Vec<Val> {
    use Val::{B, F, I, N, S};
    let ns = |d: SimDuration| N(Some(d.as_nanos()));
    let opt = |d: Option<SimDuration>| N(d.map(SimDuration::as_nanos));
    let f = &o.flags;
    let mut v = vec![
        S(Some(strategy.to_string())),
        I(Some(o.trial)),
        S(Some(o.disaster.clone())),
        N(Some(o.disaster_at.as_nanos())),
        ns(o.detection_delay),
        opt(o.first_partial_service),
        opt(o.rto),
        opt(o.rpo),
        I(Some(o.writes_lost)),
        I(Some(o.bytes_lost)),
        ns(o.copy_age),
        opt(o.failback),
        opt(o.write_freeze),
        I(Some(o.failback_bytes_lost)),
        ns(o.failback_rpo),
        ns(o.write_blocked),
        ns(o.serving_outage),
        opt(o.commit_latency_p50),
        opt(o.commit_latency_p99),
        B(o.rto_met),
        B(o.rpo_met),
        B(Some(f.recovery_failed)),
        B(Some(f.recovery_interrupted)),
        B(Some(f.recovery_delayed)),
        B(Some(f.outlasted_horizon)),
        B(Some(f.unstable_replication)),
        B(Some(f.failback_cannot_catch_up)),
        S(o.recovered_at.clone()),
        B(Some(f.no_surviving_copy)),
        B(Some(f.waited_for_primary)),
        B(Some(f.no_clean_copy)),
        F(cost_usd),
    ];
    for s in &o.stores {
        v.push(opt(s.rpo));
        v.push(I(s.rpo.map(|_| s.bytes_lost)));
    }
    v
}

/// A seconds value as the INT64 of its DECIMAL(18, 9), or an error naming the column, the
/// value and the limit.
pub(super) fn nanos(name: &str, ns: u64) -> Result<i64, CliError> {
    if ns > MAX_NANOS {
        return Err(CliError::Other(format!(
            "--parquet: {name} = {ns} ns does not fit Parquet's DECIMAL(18, 9) seconds (at most {MAX_NANOS} ns, about 31.7 years); use --csv"
        )));
    }
    // MAX_NANOS < i64::MAX, so this cannot fail.
    i64::try_from(ns).map_err(|_| CliError::Other(format!("--parquet: {name} = {ns} ns does not fit INT64")))
}

/// The columns: [`FIXED`], then with `[[stores]]` `rpo_s.<name>` (seconds) and
/// `bytes_lost.<name>` (INT64) per store, the database first, as the CSV's header.
pub(super) fn columns(stores: &[drsim::model::DataStore]) -> Vec<(String, Kind, bool)> {
    let mut cols: Vec<(String, Kind, bool)> = FIXED.iter().map(|(n, k, o)| (n.to_string(), *k, *o)).collect();
    if !stores.is_empty() {
        for name in std::iter::once(drsim::model::store::DATABASE).chain(stores.iter().map(|s| s.name.as_str())) {
            cols.push((format!("rpo_s.{name}"), Kind::Secs, true));
            cols.push((format!("bytes_lost.{name}"), Kind::I64, true));
        }
    }
    cols
}

/// The schema of `cols`, a flat message `drsim_trials`.
pub(super) fn schema(cols: &[(String, Kind, bool)]) -> Result<Arc<Type>, CliError> {
    let bad = |e: parquet::errors::ParquetError| CliError::Other(format!("--parquet: schema: {e}"));
    let fields = cols
        .iter()
        .map(|(name, kind, nullable)| {
            let (physical, logical) = match kind {
                Kind::Str => (Physical::BYTE_ARRAY, Some(LogicalType::String)),
                Kind::I64 => (Physical::INT64, None),
                Kind::Secs => {
                    (Physical::INT64, Some(LogicalType::Decimal(DecimalType { scale: SCALE, precision: PRECISION })))
                }
                Kind::F64 => (Physical::DOUBLE, None),
                Kind::Bool => (Physical::BOOLEAN, None),
            };
            let rep = if *nullable { Repetition::OPTIONAL } else { Repetition::REQUIRED };
            let mut b = Type::primitive_type_builder(name, physical).with_repetition(rep).with_logical_type(logical);
            if *kind == Kind::Secs {
                b = b.with_precision(PRECISION).with_scale(SCALE);
            }
            b.build().map(Arc::new)
        })
        .collect::<Result<Vec<_>, _>>()
        .map_err(bad)?;
    Type::group_type_builder("drsim_trials").with_fields(fields).build().map(Arc::new).map_err(bad)
}

/// The kind of a column read back from a segment's schema (the inverse of [`schema`]).
pub(super) fn kind_of(c: &parquet::schema::types::ColumnDescriptor) -> Kind {
    match c.physical_type() {
        Physical::BYTE_ARRAY => Kind::Str,
        Physical::INT64 if matches!(c.logical_type_ref(), Some(LogicalType::Decimal { .. })) => Kind::Secs,
        Physical::INT64 => Kind::I64,
        Physical::DOUBLE => Kind::F64,
        _ => Kind::Bool,
    }
}

/// Snappy-compressed pages, statistics per column chunk, no page index. Encodings, chosen by
/// size on `reference.toml` and `compare.toml` (docs/report-format.md, "Size"): seconds are
/// nearly all distinct nanosecond counts spanning 30 to 40 bits, so they are
/// DELTA_BINARY_PACKED (bit-packed to the width their range needs; as DOUBLE, 7 bytes each);
/// so are `trial` and `bytes_lost`; dollars (DOUBLE) are BYTE_STREAM_SPLIT without a
/// dictionary; the other columns (strings, flags, small counts) use dictionaries.
pub(super) fn properties(cols: &[(String, Kind, bool)]) -> Arc<WriterProperties> {
    let mut b = WriterProperties::builder()
        .set_compression(Compression::SNAPPY)
        .set_statistics_enabled(EnabledStatistics::Chunk)
        .set_offset_index_disabled(true);
    for (name, kind, _) in cols {
        let path = ColumnPath::from(name.as_str());
        let encoding = match kind {
            Kind::F64 => Encoding::BYTE_STREAM_SPLIT,
            Kind::Secs => Encoding::DELTA_BINARY_PACKED,
            Kind::I64 if name == "trial" || name.starts_with("bytes_lost") => Encoding::DELTA_BINARY_PACKED,
            _ => continue,
        };
        b = b.set_column_dictionary_enabled(path.clone(), false).set_column_encoding(path, encoding);
    }
    Arc::new(b.build())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Seconds fit DECIMAL(18, 9) up to 10^18 - 1 ns (18 nines: the precision); one more is
    /// refused with the column's name, the value and the limit.
    #[test]
    fn seconds_past_eighteen_digits_are_refused_by_name() {
        assert_eq!(nanos("rto_s", 0).ok(), Some(0));
        assert_eq!(nanos("rto_s", 999_999_999_999_999_999).ok(), Some(999_999_999_999_999_999));
        let e = match nanos("rto_s", 1_000_000_000_000_000_000) {
            Err(CliError::Other(m)) => m,
            other => panic!("{other:?}"),
        };
        assert!(e.contains("rto_s = 1000000000000000000 ns") && e.contains("at most 999999999999999999"), "{e}");
    }
}
