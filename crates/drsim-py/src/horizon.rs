//! `drsim.horizon` (years of operation) and `drsim.validate` (what `drsim validate` checks).

use drsim::report::HorizonEntry;
use drsim::trial::DisasterTrial;
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyTuple};

use crate::scenario::load;
use crate::{bad, check_threads};

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
pub(crate) fn horizon<'py>(
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
pub(crate) fn validate<'py>(
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
