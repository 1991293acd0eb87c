"""drsim: discrete-event simulation of disasters and disaster recovery, from Python.

Measured RTO and RPO of disaster-recovery strategies over Monte Carlo trials. Every trial runs
in drsim's Rust library (the same code as the ``drsim`` command); this package hands its
results to Python as dicts and as a ``pyarrow.Table`` of per-trial rows.

    >>> import drsim
    >>> r = drsim.run("examples/scenarios/compare.toml", trials=1000, seed=7)
    >>> r.summary["warm standby"]["rto_s"]["mean"]          # as in `drsim run --json`
    >>> df = r.to_pandas()                                  # one row per trial and strategy
    >>> df.groupby("strategy")["rto_s"].quantile(0.99)

Scenarios are a path, TOML text or a dict; ``overrides`` maps dotted keys of the scenario
format to values (``{"workload.arrivals.rate_per_s": 30}``) and is checked as files are.
Invalid input raises :class:`ScenarioError` (a ``ValueError``) with the message the ``drsim``
command prints.
"""

from __future__ import annotations

import os
import sys
from typing import Any, Callable, Dict, List, Mapping, Optional, Union

from . import _drsim
from ._drsim import ScenarioError, __version__

__all__ = ["run", "horizon", "validate", "Result", "ScenarioError", "__version__"]

Scenario = Union[str, "os.PathLike[str]", Mapping[str, Any]]


def _progress_callback(progress: Union[bool, Callable[[int, int], None], None]):
    """A callable (done, total) for the native runner, or None."""
    if progress is None or progress is False:
        return None
    if callable(progress):
        return progress
    try:  # a bar in a notebook or a terminal, when tqdm is installed
        from tqdm.auto import tqdm  # type: ignore

        bar = None

        def update(done: int, total: int) -> None:
            nonlocal bar
            if bar is None:
                bar = tqdm(total=total, unit="trial", unit_scale=True)
            bar.update(done - bar.n)
            if done >= total:
                bar.close()

        return update
    except ImportError:
        pass

    def text(done: int, total: int) -> None:
        end = "\n" if done >= total else ""
        sys.stderr.write(f"\r{done}/{total} trials ({100.0 * done / max(total, 1):.0f} %){end}")
        sys.stderr.flush()

    return text


def run(
    scenario: Scenario,
    trials: Optional[int] = None,
    seed: Optional[int] = None,
    threads: Optional[int] = None,
    overrides: Optional[Mapping[str, Any]] = None,
    progress: Union[bool, Callable[[int, int], None], None] = None,
) -> "Result":
    """Runs every strategy of a scenario over the same disasters (``drsim run``).

    Args:
        scenario: a path (``str`` or ``os.PathLike``), TOML text (a ``str`` containing a newline
            or ``=`` that names no file), or a dict of the scenario format.
        trials: disaster trials per strategy (default: the scenario's ``trials.count``).
        seed: seed of every random stream (default: the scenario's ``trials.seed``).
        threads: worker threads (default: one per core). Results do not depend on it.
        overrides: dotted keys of the scenario format mapped to values, e.g.
            ``{"workload.arrivals.rate_per_s": 30,
            "strategies.warm_standby.params.standby_fraction": 0.5}``; an array entry is
            named by its index, its ``name`` or its ``kind``. Checked as files are.
        progress: ``True`` for a progress bar (tqdm when installed, else a line on stderr), or a
            callable ``(done, total)`` called about every 100 ms while trials run.

    Returns:
        a :class:`Result`.

    Raises:
        ScenarioError: the scenario, an override or an argument is invalid.
        KeyboardInterrupt: Ctrl-C while trials run (the GIL is released meanwhile; signals are
            looked at every 100 ms and the study stops within one trial).
    """
    native = _drsim.run(
        scenario,
        trials=trials,
        seed=seed,
        threads=threads,
        overrides=dict(overrides) if overrides else None,
        progress=_progress_callback(progress),
    )
    return Result(native)


def horizon(
    scenario: Scenario,
    trials: Optional[int] = None,
    seed: Optional[int] = None,
    threads: Optional[int] = None,
    overrides: Optional[Mapping[str, Any]] = None,
) -> Dict[str, Dict[str, Any]]:
    """Years of operation with every failure process of ``[horizon]`` (``drsim horizon``).

    Args: as :func:`run`; ``trials`` is the number of horizon runs per strategy (default 200,
    as the CLI).

    Returns:
        ``{strategy name: entry}``, each entry as in ``drsim horizon --json``'s ``strategies``
        (``availability``, ``nines``, ``downtime_s_per_year``, ..., and the exact ``state``).
    """
    return _drsim.horizon(
        scenario, trials=trials, seed=seed, threads=threads, overrides=dict(overrides) if overrides else None
    )


def validate(scenario: Scenario, overrides: Optional[Mapping[str, Any]] = None) -> Dict[str, Any]:
    """Checks a scenario as ``drsim validate`` does.

    Returns:
        ``{"name", "description", "trials", "seed", "has_horizon", "strategies": [{"name",
        "kind"}], "warnings": [str]}`` (warnings: the lines ``drsim validate`` prints on stderr).

    Raises:
        ScenarioError: with the message ``drsim validate`` prints.
    """
    return _drsim.validate(scenario, overrides=dict(overrides) if overrides else None)


# Arrow types of the per-trial columns handed out by the native module.
def _arrow_column(pa, kind: str, length: int, nulls: int, values):
    if kind == "str":
        return pa.array(values, type=pa.string())
    data, validity = values
    typ = {"int64": pa.int64(), "float64": pa.float64(), "bool": pa.bool_()}[kind]
    buffers = [pa.py_buffer(validity) if validity is not None else None, pa.py_buffer(data)]
    return pa.Array.from_buffers(typ, length, buffers, null_count=nulls)


class Result:
    """What :func:`run` measured: summaries per strategy, and every trial's outcome."""

    def __init__(self, native: "_drsim.RunResult") -> None:
        self._native = native
        self._summary: Optional[Dict[str, Dict[str, Any]]] = None

    @property
    def scenario(self) -> str:
        """The scenario's name."""
        return self._native.scenario

    @property
    def seed(self) -> int:
        """The seed."""
        return self._native.seed

    @property
    def n_trials(self) -> int:
        """Trials per strategy."""
        return self._native.trials

    @property
    def strategies(self) -> List[str]:
        """Strategy names, in the scenario's order."""
        return self._native.strategies

    @property
    def summary(self) -> Dict[str, Dict[str, Any]]:
        """``{strategy name: summary}``: the same fields and values, to the bit, as
        ``strategies[i].summary`` in ``drsim run --json`` for the same scenario, seed and trials
        (``rto_s``, ``rpo_s``, ... in seconds, each with count, mean, ci95, std_dev, min,
        quantiles and max; ``p_rto_met``; ``flags``; ``None`` where the CLI writes ``null``)."""
        if self._summary is None:
            self._summary = self._native.summary()
        return self._summary

    @property
    def by_disaster(self) -> Dict[str, Dict[str, Dict[str, Any]]]:
        """``{strategy name: {disaster label: summary}}`` for a scenario with a ``[[disasters]]``
        mix (an empty dict per strategy without one): ``strategies[i].by_disaster`` in
        ``drsim run --json``, the same fields as :attr:`summary`."""
        return self._native.by_disaster()

    @property
    def paired(self) -> Dict[str, Dict[str, Any]]:
        """Paired differences against the first strategy over the same disasters:
        ``{name: {"against", "rto_s": {"pairs", "mean", "ci95"}, "rpo_s": {...}}}``."""
        return self._native.paired()

    def trials(self):
        """The per-trial rows as a ``pyarrow.Table``: the columns of ``drsim run --csv``, one
        row per trial and strategy (strategy by strategy, each in trial order); times in
        seconds (float64), counts as int64, flags as bool, nulls where the CSV is empty (a
        censored trial's ``rto_s``, an objective not set)."""
        try:
            import pyarrow as pa
        except ImportError as e:  # pragma: no cover
            raise ImportError("Result.trials() needs pyarrow: pip install pyarrow") from e
        names, arrays = [], []
        for name, kind, length, nulls, values in self._native.columns():
            names.append(name)
            arrays.append(_arrow_column(pa, kind, length, nulls, values))
        return pa.table(arrays, names=names)

    def to_pandas(self):
        """The per-trial rows as a ``pandas.DataFrame`` (nullable columns: NaN for floats,
        ``None`` in object columns for booleans). Needs pyarrow and pandas."""
        return self.trials().to_pandas()

    def to_polars(self):
        """The per-trial rows as a ``polars.DataFrame``. Needs pyarrow and polars."""
        try:
            import polars as pl
        except ImportError as e:  # pragma: no cover
            raise ImportError("Result.to_polars() needs polars: pip install polars") from e
        return pl.from_arrow(self.trials())

    def __repr__(self) -> str:
        return (
            f"<drsim.Result scenario={self.scenario!r} seed={self.seed} trials={self.n_trials} "
            f"strategies={self.strategies!r}>"
        )
