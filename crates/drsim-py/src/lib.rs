//! Python bindings of drsim: the native module `drsim._drsim`, wrapped by the Python package
//! `drsim` (python/drsim/__init__.py). Nothing is computed in Python: studies run in the
//! library's [`drsim::Study`], summaries come from [`drsim::report`], as in the CLI.
//!
//! Its main job, from Python (`docs/python.md`; tested by `crates/drsim-py/ci.sh`):
//!
//! ```python
//! import drsim
//!
//! r = drsim.run("examples/scenarios/compare.toml", trials=10_000, seed=42)
//! for name, s in r.summary.items():       # as `drsim run --json`'s summaries, to the bit
//!     print(name, s["rto_s"]["mean"], s["p_rto_met"]["estimate"])
//! df = r.to_pandas()                      # one row per trial and strategy
//! ```
//!
//! Modules by job: `scenario` (loading and overrides), `run` (`drsim.run` and its result),
//! `columns` (per-trial rows as Arrow columns), `horizon` (`drsim.horizon`, `drsim.validate`).

mod columns;
mod horizon;
mod run;
mod scenario;

use pyo3::create_exception;
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;

create_exception!(
    drsim,
    ScenarioError,
    PyValueError,
    "A scenario, an override or an argument is invalid; the message is the one `drsim` prints."
);

/// Threads allowed per available core (as the CLI's `--threads`).
const THREADS_PER_CORE: usize = 8;

pub(crate) fn bad(msg: impl Into<String>) -> PyErr {
    ScenarioError::new_err(msg.into())
}

pub(crate) fn check_threads(threads: Option<usize>) -> PyResult<Option<usize>> {
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

/// The native part of the `drsim` package.
#[pymodule]
fn _drsim(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("ScenarioError", m.py().get_type::<ScenarioError>())?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add_function(wrap_pyfunction!(run::run, m)?)?;
    m.add_function(wrap_pyfunction!(horizon::horizon, m)?)?;
    m.add_function(wrap_pyfunction!(horizon::validate, m)?)?;
    m.add_class::<run::RunResult>()?;
    Ok(())
}
