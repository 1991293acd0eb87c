//! Python bindings of drsim: the native module `drsim._drsim`, wrapped by the Python package
//! `drsim` (python/drsim/__init__.py). Nothing is computed in Python: studies run in the
//! library's [`drsim::Study`], summaries come from [`drsim::report`], as in the CLI.

use std::path::PathBuf;

use drsim::report::{HorizonEntry, StrategySummary};
use drsim::scenario::Scenario;
use drsim::study::{Study, StudyControl, StudyError, StudyResult};
use drsim::trial::DisasterTrial;
use pyo3::create_exception;
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyList, PyString, PyTuple};

create_exception!(
    drsim,
    ScenarioError,
    PyValueError,
    "A scenario, an override or an argument is invalid; the message is the one `drsim` prints."
);

/// Threads allowed per available core (as the CLI's `--threads`).
const THREADS_PER_CORE: usize = 8;

fn bad(msg: impl Into<String>) -> PyErr {
    ScenarioError::new_err(msg.into())
}

/// Where a scenario came from, and its text when it must be edited.
enum Source {
    Path(PathBuf),
    Text(String, &'static str),
    Table(toml::Table),
}

impl Source {
    fn origin(&self) -> PathBuf {
        match self {
            Source::Path(p) => p.clone(),
            Source::Text(_, o) => PathBuf::from(o),
            Source::Table(_) => PathBuf::from("<dict>"),
        }
    }
}

/// A path (str or os.PathLike), TOML text (a str with a newline or an `=`, that is no file)
/// or a dict.
fn source(scenario: &Bound<'_, PyAny>) -> PyResult<Source> {
    if let Ok(d) = scenario.cast::<PyDict>() {
        let table: toml::Table =
            pythonize::depythonize(d.as_any()).map_err(|e| bad(format!("<dict>: not a scenario table: {e}")))?;
        return Ok(Source::Table(table));
    }
    if let Ok(s) = scenario.cast::<PyString>() {
        let s: String = s.extract()?;
        let s = s.as_str();
        let looks_like_toml = s.contains('\n') || s.contains('=');
        if looks_like_toml && !std::path::Path::new(s).is_file() {
            return Ok(Source::Text(s.to_string(), "<string>"));
        }
        return Ok(Source::Path(PathBuf::from(s)));
    }
    let os = scenario.py().import("os")?;
    match os.call_method1("fspath", (scenario,)) {
        Ok(p) => Ok(Source::Path(PathBuf::from(p.extract::<String>()?))),
        Err(_) => {
            Err(bad(format!("scenario: expected a path, TOML text or a dict, not {}", scenario.get_type().name()?)))
        }
    }
}

/// Applies `key = value` (dotted keys of the scenario format) to `table`. An array is indexed
/// by position or by its entries' `name` (then `kind`): `strategies.warm_standby.params.x`.
/// Missing tables are created: the scenario's own checks then reject unknown keys.
fn apply(table: &mut toml::Table, key: &str, value: toml::Value) -> Result<(), String> {
    let parts: Vec<&str> = key.split('.').collect();
    if parts.iter().any(|p| p.is_empty()) {
        return Err(format!("override {key:?}: empty part in the dotted key"));
    }
    let mut root = toml::Value::Table(std::mem::take(table));
    let r = set(&mut root, &parts, 0, key, value);
    if let toml::Value::Table(t) = root {
        *table = t;
    }
    r
}

fn set(cur: &mut toml::Value, parts: &[&str], i: usize, key: &str, value: toml::Value) -> Result<(), String> {
    let part = parts[i];
    let last = i + 1 == parts.len();
    let next = match cur {
        toml::Value::Table(t) => {
            if last {
                t.insert(part.to_string(), value);
                return Ok(());
            }
            t.entry(part.to_string()).or_insert_with(|| toml::Value::Table(toml::Table::new()))
        }
        toml::Value::Array(a) => {
            let by = |field: &str| {
                let hits: Vec<usize> = a
                    .iter()
                    .enumerate()
                    .filter(|(_, v)| v.get(field).and_then(|n| n.as_str()) == Some(part))
                    .map(|(j, _)| j)
                    .collect();
                (hits.len() == 1).then(|| hits[0])
            };
            let idx = match part.parse::<usize>() {
                Ok(n) => (n < a.len()).then_some(n),
                Err(_) => by("name").or_else(|| by("kind")),
            };
            let Some(idx) = idx else {
                return Err(format!(
                    "override {key:?}: {}: no such entry (an index below {}, or the name or kind of one entry)",
                    parts[..=i].join("."),
                    a.len()
                ));
            };
            if last {
                a[idx] = value;
                return Ok(());
            }
            &mut a[idx]
        }
        other => {
            return Err(format!("override {key:?}: {} is a {}, not a table", parts[..i].join("."), other.type_str()));
        }
    };
    set(next, parts, i + 1, key, value)
}

/// Reads, edits (overrides) and checks a scenario. Errors carry the CLI's messages.
fn load(scenario: &Bound<'_, PyAny>, overrides: Option<&Bound<'_, PyDict>>) -> PyResult<(Scenario, PathBuf)> {
    let src = source(scenario)?;
    let origin = src.origin();
    let overrides = overrides.filter(|o| !o.is_empty());
    let parsed = match (&src, overrides) {
        (Source::Path(p), None) => Scenario::from_path(p),
        (Source::Text(t, _), None) => Scenario::from_toml_str(t, &origin),
        (src, overrides) => {
            let mut table = match src {
                Source::Table(t) => t.clone(),
                Source::Path(_) | Source::Text(..) => {
                    let text = match src {
                        Source::Path(p) => std::fs::read_to_string(p).map_err(|_| match Scenario::from_path(p) {
                            Err(e) => bad(e.to_string()),
                            Ok(_) => bad(format!("{}: cannot read the scenario", p.display())),
                        })?,
                        Source::Text(t, _) => t.clone(),
                        Source::Table(_) => unreachable!(),
                    };
                    match text.parse::<toml::Table>() {
                        Ok(t) => t,
                        // Not TOML: the scenario parser says why, as it does for the CLI.
                        Err(_) => {
                            return Err(bad(Scenario::from_toml_str(&text, &origin)
                                .err()
                                .map_or_else(|| format!("{}: not TOML", origin.display()), |e| e.to_string())));
                        }
                    }
                }
            };
            let mut keys = vec![];
            if let Some(o) = overrides {
                for (k, v) in o.iter() {
                    let key: String = k
                        .extract()
                        .map_err(|_| bad(format!("overrides: keys are dotted strings, not {}", k.get_type())))?;
                    let value: toml::Value = pythonize::depythonize(&v)
                        .map_err(|e| bad(format!("{}: override {key:?}: not a TOML value: {e}", origin.display())))?;
                    apply(&mut table, &key, value).map_err(|m| bad(format!("{}: {m}", origin.display())))?;
                    keys.push(key);
                }
            }
            let text = toml::to_string(&table)
                .map_err(|e| bad(format!("{}: cannot write the scenario as TOML: {e}", origin.display())))?;
            Scenario::from_toml_str(&text, &origin).map_err(|e| {
                if keys.is_empty() {
                    e
                } else {
                    drsim::scenario::ScenarioError::Parse {
                        file: origin.clone(),
                        message: format!(
                            "{} (overrides applied: {})",
                            e.to_string().strip_prefix(&format!("{}: ", origin.display())).unwrap_or(&e.to_string()),
                            keys.join(", ")
                        ),
                    }
                }
            })
        }
    };
    let scenario = parsed.map_err(|e| bad(e.to_string()))?;
    Ok((scenario, origin))
}

fn check_threads(threads: Option<usize>) -> PyResult<Option<usize>> {
    let Some(t) = threads else { return Ok(None) };
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let max = THREADS_PER_CORE * cores;
    if t == 0 {
        return Err(bad("threads = 0 is not allowed (must be >= 1)"));
    }
    if t > max {
        return Err(bad(format!(
            "threads = {t} is not allowed (at most {max}: {THREADS_PER_CORE} per available core, {cores} cores)"
        )));
    }
    Ok(Some(t))
}

fn study_error(origin: &std::path::Path, e: StudyError) -> PyErr {
    let o = origin.display();
    bad(match e {
        StudyError::Scenario(e) => e.to_string(),
        StudyError::Strategy { source, .. } => format!("{o}: {source}"),
        StudyError::Trial { name, source } => format!("{o}: strategy {name:?}: {source}"),
        StudyError::NoStrategy => format!("{o}: no [[strategies]] to run"),
        other => format!("{o}: {other}"),
    })
}

/// Runs every strategy of a scenario over the same disasters (see `drsim.run`).
#[pyfunction]
#[pyo3(signature = (scenario, trials=None, seed=None, threads=None, overrides=None, progress=None))]
fn run(
    py: Python<'_>,
    scenario: &Bound<'_, PyAny>,
    trials: Option<u64>,
    seed: Option<u64>,
    threads: Option<usize>,
    overrides: Option<&Bound<'_, PyDict>>,
    progress: Option<Py<PyAny>>,
) -> PyResult<RunResult> {
    let threads = check_threads(threads)?;
    let (scenario, origin) = load(scenario, overrides)?;
    if trials == Some(0) {
        return Err(bad("trials = 0 is not allowed (must be >= 1)"));
    }
    let name = scenario.name.clone();
    let mut study = Study::new(scenario).map_err(|e| study_error(&origin, e))?;
    if let Some(n) = trials {
        study = study.trials(n);
    }
    if let Some(s) = seed {
        study = study.seed(s);
    }
    if let Some(t) = threads {
        study = study.threads(t);
    }
    let strategies = study.scenario().strategies.len() as u64;
    let total = trials.unwrap_or(study.scenario().trials.count).saturating_mul(strategies.max(1));
    // The study runs on a thread of its own, without the GIL; this (main) thread wakes every
    // 100 ms to let Python's signal handlers run — Ctrl-C cancels the study, which stops
    // within one trial — and to tell the progress callback.
    let control = std::sync::Arc::new(StudyControl::default());
    let study = study.control(control.clone());
    let result = std::thread::scope(|scope| -> PyResult<Result<StudyResult, StudyError>> {
        let (tx, rx) = std::sync::mpsc::channel();
        // Shared with the GIL-free closure below, which needs it `Sync`.
        let rx = std::sync::Mutex::new(rx);
        let study = &study;
        let worker = scope.spawn(move || {
            let r = study.run();
            let _ = tx.send(());
            r
        });
        let mut told = None;
        loop {
            let finished = py.detach(|| {
                rx.lock().map_or(true, |rx| {
                    !matches!(
                        rx.recv_timeout(std::time::Duration::from_millis(100)),
                        Err(std::sync::mpsc::RecvTimeoutError::Timeout)
                    )
                })
            });
            let done = control.trials_done();
            let checked = py.check_signals().and_then(|()| match &progress {
                Some(cb) if told != Some(done) => {
                    told = Some(done);
                    cb.call1(py, (done, total)).map(drop)
                }
                _ => Ok(()),
            });
            if let Err(e) = checked {
                control.cancel();
                // Wait for the workers to stop (one trial each) without the GIL.
                let _ = py.detach(|| worker.join());
                return Err(e);
            }
            if finished {
                break;
            }
        }
        match py.detach(|| worker.join()) {
            Ok(r) => Ok(r),
            Err(panic) => std::panic::resume_unwind(panic),
        }
    })?;
    let result = result.map_err(|e| study_error(&origin, e))?;
    // The loop told the last count it saw; tell the end once, if it did not.
    if let Some(cb) = &progress
        && control.trials_done() != total
    {
        cb.call1(py, (total, total))?;
    }
    Ok(RunResult { scenario_name: name, origin, result })
}

/// What `drsim.run` measured (wrapped by `drsim.Result`).
#[pyclass(frozen, module = "drsim._drsim")]
struct RunResult {
    scenario_name: String,
    origin: PathBuf,
    result: StudyResult,
}

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

#[pymethods]
impl RunResult {
    /// The scenario's name.
    #[getter]
    fn scenario(&self) -> &str {
        &self.scenario_name
    }

    /// Where the scenario came from (a path, `<string>` or `<dict>`).
    #[getter]
    fn origin(&self) -> String {
        self.origin.display().to_string()
    }

    /// The seed.
    #[getter]
    fn seed(&self) -> u64 {
        self.result.seed
    }

    /// Trials per strategy.
    #[getter]
    fn trials(&self) -> u64 {
        self.result.trials
    }

    /// Strategy names, in the scenario's order.
    #[getter]
    fn strategies(&self) -> Vec<String> {
        self.result.strategies.iter().map(|s| s.name.clone()).collect()
    }

    /// Strategy kinds, in the scenario's order.
    #[getter]
    fn kinds(&self) -> Vec<String> {
        self.result.strategies.iter().map(|s| s.kind.clone()).collect()
    }

    /// `{name: summary}`, each summary as in `drsim run --json`'s `strategies[i].summary`.
    fn summary<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        for s in &self.result.strategies {
            let v = pythonize::pythonize(py, &StrategySummary::of(&s.state))
                .map_err(|e| PyValueError::new_err(e.to_string()))?;
            d.set_item(&s.name, v)?;
        }
        Ok(d)
    }

    /// `{name: {disaster label: summary}}` for a disaster mix (empty dicts without one), as
    /// `strategies[i].by_disaster` in the CLI JSON.
    fn by_disaster<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        for s in &self.result.strategies {
            let v = pythonize::pythonize(py, &StrategySummary::by_disaster(&s.state))
                .map_err(|e| PyValueError::new_err(e.to_string()))?;
            d.set_item(&s.name, v)?;
        }
        Ok(d)
    }

    /// `{name: {"rto_s": ..., "rpo_s": ...}}`: paired differences against the first strategy
    /// over the same disasters (absent for the first), as `paired_vs_first` in the CLI JSON.
    fn paired<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        for s in self.result.strategies.iter().skip(1) {
            let e = PyDict::new(py);
            let conv = |x: &drsim::montecarlo::PairedDifference| {
                pythonize::pythonize(py, x).map_err(|e| PyValueError::new_err(e.to_string()))
            };
            e.set_item("against", &self.result.strategies[0].name)?;
            e.set_item("rto_s", conv(&s.paired_rto.difference(1e-9))?)?;
            e.set_item("rpo_s", conv(&s.paired_rpo.difference(1e-9))?)?;
            d.set_item(&s.name, e)?;
        }
        Ok(d)
    }

    /// The per-trial rows as columns (see `Column`); `drsim.Result.trials()` makes a
    /// `pyarrow.Table` of them.
    fn columns<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
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
        let result = &self.result;
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
}

/// Python objects as `json.loads` gives them for the CLI's JSON: pythonize makes tuples (the
/// histograms' `(bucket, count)` pairs) Python tuples; JSON has lists.
fn json_like<'py>(v: Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
    let py = v.py();
    if let Ok(t) = v.cast::<PyTuple>() {
        let items = t.iter().map(json_like).collect::<PyResult<Vec<_>>>()?;
        return Ok(PyList::new(py, items)?.into_any());
    }
    if let Ok(l) = v.cast::<PyList>() {
        let items = l.iter().map(json_like).collect::<PyResult<Vec<_>>>()?;
        return Ok(PyList::new(py, items)?.into_any());
    }
    if let Ok(d) = v.cast::<PyDict>() {
        let out = PyDict::new(py);
        for (k, x) in d.iter() {
            out.set_item(k, json_like(x)?)?;
        }
        return Ok(out.into_any());
    }
    Ok(v)
}

/// Years of operation with every failure process of `[horizon]` (see `drsim.horizon`).
#[pyfunction]
#[pyo3(signature = (scenario, trials=None, seed=None, threads=None, overrides=None))]
fn horizon<'py>(
    py: Python<'py>,
    scenario: &Bound<'py, PyAny>,
    trials: Option<u64>,
    seed: Option<u64>,
    threads: Option<usize>,
    overrides: Option<&Bound<'py, PyDict>>,
) -> PyResult<Bound<'py, PyDict>> {
    let threads = check_threads(threads)?;
    let (scenario, origin) = load(scenario, overrides)?;
    let o = origin.display().to_string();
    let spec = scenario
        .horizon
        .clone()
        .ok_or_else(|| bad(format!("{o}: no [horizon] section (length and failures) to run")))?;
    let runs = trials.unwrap_or(200);
    if runs == 0 {
        return Err(bad("trials = 0 is not allowed (must be >= 1)"));
    }
    let seed = seed.unwrap_or(scenario.trials.seed);
    let mut builder = rayon::ThreadPoolBuilder::new();
    if let Some(t) = threads {
        builder = builder.num_threads(t);
    }
    let pool = builder.build().map_err(|e| PyValueError::new_err(format!("cannot start worker threads: {e}")))?;
    let entries: Result<Vec<HorizonEntry>, String> = py.detach(|| {
        let mut entries = vec![];
        for e in &scenario.strategies {
            let strategy = drsim::strategies::build(e).map_err(|err| format!("{o}: {err}"))?;
            let trial = DisasterTrial::new(&scenario.disaster, strategy.as_ref())
                .map_err(|err| format!("{o}: strategy {:?}: {err}", e.label()))?;
            let s = pool
                .install(|| drsim::horizon::run_horizons(&trial, &spec, seed, 0..runs))
                .map_err(|err| format!("{o}: strategy {:?}: {err}", e.label()))?;
            entries.push(HorizonEntry::of(e.label(), e.kind.clone(), runs, s));
        }
        Ok(entries)
    });
    let d = PyDict::new(py);
    for e in entries.map_err(bad)? {
        let v = pythonize::pythonize(py, &e).map_err(|e| PyValueError::new_err(e.to_string()))?;
        d.set_item(&e.name, json_like(v)?)?;
    }
    Ok(d)
}

/// Checks a scenario as `drsim validate` does; returns what it describes.
#[pyfunction]
#[pyo3(signature = (scenario, overrides=None))]
fn validate<'py>(
    py: Python<'py>,
    scenario: &Bound<'py, PyAny>,
    overrides: Option<&Bound<'py, PyDict>>,
) -> PyResult<Bound<'py, PyDict>> {
    let (scenario, origin) = load(scenario, overrides)?;
    let o = origin.display().to_string();
    let mut strategies = vec![];
    let mut warnings = vec![];
    for e in &scenario.strategies {
        let s = drsim::strategies::build(e).map_err(|err| bad(format!("{o}: {err}")))?;
        let trial = DisasterTrial::new(&scenario.disaster, s.as_ref())
            .map_err(|err| bad(format!("{o}: strategy {:?}: {err}", e.label())))?;
        let label = e.label();
        for i in trial.inert_faults() {
            warnings.push(format!(
                "{o}: warning: faults[{i}] ({}) can never affect strategy {label:?}: it takes down neither the primary, the standby nor a link between them",
                scenario.disaster.faults[i].target
            ));
        }
        if let Some(h) = &scenario.horizon {
            for i in trial.inert_processes(&h.failures).map_err(|err| bad(format!("{o}: horizon: {err}")))? {
                warnings.push(format!(
                    "{o}: warning: horizon.failures[{i}] ({}) can never affect strategy {label:?}: it takes down neither the primary, the standby nor a link between them",
                    h.failures[i].target
                ));
            }
        }
        let entry = PyDict::new(py);
        entry.set_item("name", label)?;
        entry.set_item("kind", &e.kind)?;
        strategies.push(entry);
    }
    let d = PyDict::new(py);
    d.set_item("name", &scenario.name)?;
    d.set_item("description", scenario.description.as_deref())?;
    d.set_item("trials", scenario.trials.count)?;
    d.set_item("seed", scenario.trials.seed)?;
    d.set_item("has_horizon", scenario.horizon.is_some())?;
    d.set_item("strategies", strategies)?;
    d.set_item("warnings", warnings)?;
    Ok(d)
}

/// The native part of the `drsim` package.
#[pymodule]
fn _drsim(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("ScenarioError", m.py().get_type::<ScenarioError>())?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add_function(wrap_pyfunction!(run, m)?)?;
    m.add_function(wrap_pyfunction!(horizon, m)?)?;
    m.add_function(wrap_pyfunction!(validate, m)?)?;
    m.add_class::<RunResult>()?;
    Ok(())
}
