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

__all__ = ["run", "horizon", "validate", "read_trials", "Result", "ScenarioError", "__version__"]

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
    keep_trials: bool = True,
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
        keep_trials: keep every trial's outcome for :meth:`Result.trials` (the default; memory
            grows with trials × strategies, a few hundred bytes each). ``False``: memory stays
            fixed, :attr:`Result.summary` and the other summaries are complete, and
            :meth:`Result.trials` raises ``ValueError`` saying why. For the rows of a large
            study, run ``drsim run ... --parquet t.parquet`` and :func:`read_trials` it.

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
        keep_trials=bool(keep_trials),
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


def read_trials(path: Union[str, "os.PathLike[str]"]):
    """Reads the per-trial rows that ``drsim run --parquet PATH`` wrote, as a ``pyarrow.Table``
    with the types of :meth:`Result.trials`: the file's seconds columns, exact nanoseconds
    stored as ``decimal128(18, 9)``, become float64 seconds computed exactly as the library
    computes them (nanoseconds / 1e9), so the table equals ``Result.trials()`` of the same
    study row for row (the CLI writes chunk by chunk, each strategy by strategy: sort by
    ``strategy`` and ``trial`` to compare). Every other column is read as it is. Needs pyarrow
    and numpy. To keep the exact decimals, read the file with ``pyarrow.parquet.read_table``.
    """
    try:
        import numpy as np
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError as e:  # pragma: no cover
        raise ImportError("drsim.read_trials() needs pyarrow and numpy: pip install pyarrow numpy") from e
    table = pq.read_table(os.fspath(path))
    seconds = pa.decimal128(18, 9)
    for i, field in enumerate(table.schema):
        if field.type == seconds:
            table = table.set_column(i, pa.field(field.name, pa.float64(), field.nullable),
                                     _decimal_seconds(np, pa, table.column(i)))
    return table


def _decimal_seconds(np, pa, column):
    """A ``decimal128(18, 9)`` column as float64 seconds: its unscaled integers (nanoseconds,
    at most 10^18 - 1, so the low 64 bits of each little-endian 128-bit value) / 1e9, the
    library's own conversion; Arrow's decimal-to-float cast scales differently and may differ
    in the last bit."""
    chunks = []
    for chunk in column.chunks:
        data = chunk.buffers()[1]
        raw = np.frombuffer(data, dtype="<i8", count=2 * (chunk.offset + len(chunk)))
        nanos = raw[2 * chunk.offset :: 2]
        values = nanos.astype(np.float64) / 1e9
        mask = chunk.is_null().to_numpy(zero_copy_only=False) if chunk.null_count else None
        chunks.append(pa.array(values, type=pa.float64(), mask=mask))
    return pa.chunked_array(chunks, type=pa.float64())


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
    def kept_trials(self) -> bool:
        """Whether :meth:`trials` has the per-trial rows (``drsim.run(keep_trials=...)``)."""
        return self._native.kept_trials

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
        censored trial's ``rto_s``, an objective not set).

        Raises:
            ValueError: the study ran with ``keep_trials=False`` (it kept no rows)."""
        if not self._native.kept_trials:
            raise ValueError(
                "this Result has no per-trial rows: drsim.run(..., keep_trials=False) did not keep "
                "them, so that memory stays fixed whatever the trials; its summaries are complete. "
                "Run again with keep_trials=True (the default), or with fewer trials"
            )
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
