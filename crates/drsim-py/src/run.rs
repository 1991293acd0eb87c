//! `drsim.run`: a study on a thread of its own without the GIL, and its `RunResult`.

use std::path::PathBuf;

use drsim::report::StrategySummary;
use drsim::study::{Study, StudyControl, StudyError, StudyResult};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};

use crate::scenario::load;
use crate::{bad, check_threads};

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
// One parameter per keyword argument of `drsim.run`: that is its Python signature.
#[allow(clippy::too_many_arguments)]
#[pyfunction]
#[pyo3(signature = (scenario, trials=None, seed=None, threads=None, overrides=None, progress=None, keep_trials=true))]
pub(crate) fn run(
    py: Python<'_>,
    scenario: &Bound<'_, PyAny>,
    trials: Option<u64>,
    seed: Option<u64>,
    threads: Option<usize>,
    overrides: Option<&Bound<'_, PyDict>>,
    progress: Option<Py<PyAny>>,
    keep_trials: bool,
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
    // Without the trials, the summaries (exact mergeable accumulators) are all that grows.
    let study = study.control(control.clone()).keep_outcomes(keep_trials);
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
    Ok(RunResult { scenario_name: name, origin, result, kept_trials: keep_trials })
}

/// Why `trials()` has nothing to give after `keep_trials=False`.
const NOT_KEPT: &str = "this Result has no per-trial rows: drsim.run(..., keep_trials=False) did not keep them, so that memory stays fixed whatever the trials; its summaries are complete. Run again with keep_trials=True (the default), or with fewer trials";

/// What `drsim.run` measured (wrapped by `drsim.Result`).
#[pyclass(frozen, module = "drsim._drsim")]
pub(crate) struct RunResult {
    scenario_name: String,
    origin: PathBuf,
    result: StudyResult,
    /// Whether the per-trial outcomes were kept (`keep_trials`).
    kept_trials: bool,
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

    /// Whether the per-trial outcomes were kept (`keep_trials`, default true).
    #[getter]
    fn kept_trials(&self) -> bool {
        self.kept_trials
    }

    /// The per-trial rows as columns (see `crate::columns`); `drsim.Result.trials()` makes a
    /// `pyarrow.Table` of them. Refused when the run did not keep them: an empty table would
    /// pass for a study without trials.
    fn columns<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        if !self.kept_trials {
            return Err(PyValueError::new_err(NOT_KEPT));
        }
        crate::columns::columns(py, &self.result)
    }
}
