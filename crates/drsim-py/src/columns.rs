//! The per-trial rows handed to Python as Arrow-layout columns (`drsim.Result.trials()`).

use drsim::study::StudyResult;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyList};

/// One column handed to Python: (name, type, values) — type is "str" (values: list of str), or
/// "int64" / "float64" / "bool" (values: (little-endian data bytes, validity bitmap bytes or
/// None), Arrow's layout: bools and validity as LSB-first bitmaps).
struct Column {
    name: String,
    kind: &'static str,
    strings: Vec<Option<String>>,
    data: Vec<u8>,
    validity: Vec<u8>,
    nulls: usize,
    len: usize,
}

impl Column {
    fn new(name: impl Into<String>, kind: &'static str) -> Self {
        Column { name: name.into(), kind, strings: vec![], data: vec![], validity: vec![], nulls: 0, len: 0 }
    }
    fn set_bit(v: &mut Vec<u8>, i: usize, on: bool) {
        if i / 8 >= v.len() {
            v.push(0);
        }
        if on {
            v[i / 8] |= 1 << (i % 8);
        }
    }
    fn valid(&mut self, ok: bool) {
        Self::set_bit(&mut self.validity, self.len, ok);
        if !ok {
            self.nulls += 1;
        }
    }
    fn str(&mut self, s: Option<&str>) {
        self.strings.push(s.map(str::to_string));
        if s.is_none() {
            self.nulls += 1;
        }
        self.len += 1;
    }
    fn f64(&mut self, x: Option<f64>) {
        self.valid(x.is_some());
        self.data.extend_from_slice(&x.unwrap_or(0.0).to_le_bytes());
        self.len += 1;
    }
    fn i64(&mut self, x: u64) {
        // Counts (trials, writes, bytes) fit easily; saturate rather than wrap if not.
        self.valid(true);
        self.data.extend_from_slice(&i64::try_from(x).unwrap_or(i64::MAX).to_le_bytes());
        self.len += 1;
    }
    fn null_i64(&mut self) {
        self.valid(false);
        self.data.extend_from_slice(&0i64.to_le_bytes());
        self.len += 1;
    }
    fn bool(&mut self, x: Option<bool>) {
        self.valid(x.is_some());
        Self::set_bit(&mut self.data, self.len, x.unwrap_or(false));
        self.len += 1;
    }
}

/// The per-trial rows as columns (see `Column`); `drsim.Result.trials()` makes a
/// `pyarrow.Table` of them.
pub(crate) fn columns<'py>(py: Python<'py>, result: &StudyResult) -> PyResult<Bound<'py, PyList>> {
    use Column as C;
    let mut cols = [
        C::new("strategy", "str"),
        C::new("trial", "int64"),
        C::new("disaster", "str"),
        C::new("disaster_at_s", "float64"),
        C::new("detection_s", "float64"),
        C::new("first_partial_service_s", "float64"),
        C::new("rto_s", "float64"),
        C::new("rpo_s", "float64"),
        C::new("writes_lost", "int64"),
        C::new("bytes_lost", "int64"),
        C::new("copy_age_s", "float64"),
        C::new("failback_s", "float64"),
        C::new("write_freeze_s", "float64"),
        C::new("failback_bytes_lost", "int64"),
        C::new("failback_rpo_s", "float64"),
        C::new("write_blocked_s", "float64"),
        C::new("serving_outage_s", "float64"),
        C::new("commit_latency_p50_s", "float64"),
        C::new("commit_latency_p99_s", "float64"),
        C::new("rto_met", "bool"),
        C::new("rpo_met", "bool"),
        C::new("recovery_failed", "bool"),
        C::new("recovery_interrupted", "bool"),
        C::new("recovery_delayed", "bool"),
        C::new("outlasted_horizon", "bool"),
        C::new("unstable_replication", "bool"),
        C::new("failback_cannot_catch_up", "bool"),
        C::new("recovered_at", "str"),
        C::new("no_surviving_copy", "bool"),
        C::new("waited_for_primary", "bool"),
        C::new("no_clean_copy", "bool"),
        C::new("cost_usd", "float64"),
    ];
    // With [[stores]]: two columns per store after the fixed ones, as in the CLI's CSV.
    let mut per_store: Vec<(Column, Column)> = vec![];
    py.detach(|| {
        for r in result.outcomes() {
            if per_store.is_empty() {
                per_store = r
                    .stores
                    .iter()
                    .map(|s| {
                        (
                            C::new(format!("rpo_s.{}", s.name), "float64"),
                            C::new(format!("bytes_lost.{}", s.name), "int64"),
                        )
                    })
                    .collect();
            }
            for ((rpo, bytes), s) in per_store.iter_mut().zip(&r.stores) {
                rpo.f64(s.rpo_s);
                match s.bytes_lost {
                    Some(b) => bytes.i64(b),
                    None => bytes.null_i64(),
                }
            }
            let [
                strategy,
                trial,
                disaster,
                disaster_at_s,
                detection_s,
                first_partial_service_s,
                rto_s,
                rpo_s,
                writes_lost,
                bytes_lost,
                copy_age_s,
                failback_s,
                write_freeze_s,
                failback_bytes_lost,
                failback_rpo_s,
                write_blocked_s,
                serving_outage_s,
                commit_latency_p50_s,
                commit_latency_p99_s,
                rto_met,
                rpo_met,
                recovery_failed,
                recovery_interrupted,
                recovery_delayed,
                outlasted_horizon,
                unstable_replication,
                failback_cannot_catch_up,
                recovered_at,
                no_surviving_copy,
                waited_for_primary,
                no_clean_copy,
                cost_usd,
            ] = &mut cols;
            strategy.str(Some(&r.strategy));
            trial.i64(r.trial);
            disaster.str(Some(&r.disaster));
            disaster_at_s.f64(Some(r.disaster_at_s));
            detection_s.f64(Some(r.detection_s));
            first_partial_service_s.f64(r.first_partial_service_s);
            rto_s.f64(r.rto_s);
            rpo_s.f64(r.rpo_s);
            writes_lost.i64(r.writes_lost);
            bytes_lost.i64(r.bytes_lost);
            copy_age_s.f64(Some(r.copy_age_s));
            failback_s.f64(r.failback_s);
            write_freeze_s.f64(r.write_freeze_s);
            failback_bytes_lost.i64(r.failback_bytes_lost);
            failback_rpo_s.f64(Some(r.failback_rpo_s));
            write_blocked_s.f64(Some(r.write_blocked_s));
            serving_outage_s.f64(Some(r.serving_outage_s));
            commit_latency_p50_s.f64(r.commit_latency_p50_s);
            commit_latency_p99_s.f64(r.commit_latency_p99_s);
            rto_met.bool(r.rto_met);
            rpo_met.bool(r.rpo_met);
            recovery_failed.bool(Some(r.recovery_failed));
            recovery_interrupted.bool(Some(r.recovery_interrupted));
            recovery_delayed.bool(Some(r.recovery_delayed));
            outlasted_horizon.bool(Some(r.outlasted_horizon));
            unstable_replication.bool(Some(r.unstable_replication));
            failback_cannot_catch_up.bool(Some(r.failback_cannot_catch_up));
            recovered_at.str(r.recovered_at.as_deref());
            no_surviving_copy.bool(Some(r.no_surviving_copy));
            waited_for_primary.bool(Some(r.waited_for_primary));
            no_clean_copy.bool(Some(r.no_clean_copy));
            cost_usd.f64(r.cost_usd);
        }
    });
    let out = PyList::empty(py);
    for c in cols.into_iter().chain(per_store.into_iter().flat_map(|(a, b)| [a, b])) {
        let values: Bound<'py, PyAny> = if c.kind == "str" {
            PyList::new(py, &c.strings)?.into_any()
        } else {
            let validity = (c.nulls > 0).then(|| PyBytes::new(py, &c.validity));
            (PyBytes::new(py, &c.data), validity).into_pyobject(py)?.into_any()
        };
        out.append((c.name, c.kind, c.len, c.nulls, values))?;
    }
    Ok(out)
}
