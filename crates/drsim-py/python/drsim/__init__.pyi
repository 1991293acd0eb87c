"""Type stubs of the drsim package (docs: docs/python.md)."""

import os
from typing import Any, Callable, Dict, List, Mapping, Optional, Union

import pandas
import polars
import pyarrow

__version__: str

Scenario = Union[str, os.PathLike[str], Mapping[str, Any]]
Progress = Union[bool, Callable[[int, int], None], None]

class ScenarioError(ValueError):
    """A scenario, an override or an argument is invalid; the message is the one `drsim` prints."""

class Result:
    """What `run` measured: summaries per strategy, and every trial's outcome."""

    @property
    def scenario(self) -> str: ...
    @property
    def seed(self) -> int: ...
    @property
    def n_trials(self) -> int: ...
    @property
    def strategies(self) -> List[str]: ...
    @property
    def kept_trials(self) -> bool:
        """Whether `trials()` has the rows (`run(keep_trials=...)`)."""
    @property
    def summary(self) -> Dict[str, Dict[str, Any]]:
        """{strategy: summary}, as `strategies[i].summary` of `drsim run --json`, to the bit."""
    @property
    def paired(self) -> Dict[str, Dict[str, Any]]:
        """Paired RTO and RPO differences against the first strategy over the same disasters."""
    def trials(self) -> pyarrow.Table:
        """Per-trial rows with the columns of `drsim run --csv` and proper types.
        Raises ValueError after `run(keep_trials=False)`."""
    def to_pandas(self) -> pandas.DataFrame: ...
    def to_polars(self) -> polars.DataFrame: ...

def run(
    scenario: Scenario,
    trials: Optional[int] = None,
    seed: Optional[int] = None,
    threads: Optional[int] = None,
    overrides: Optional[Mapping[str, Any]] = None,
    progress: Progress = None,
    keep_trials: bool = True,
) -> Result:
    """Runs every strategy of a scenario over the same disasters (`drsim run`)."""

def horizon(
    scenario: Scenario,
    trials: Optional[int] = None,
    seed: Optional[int] = None,
    threads: Optional[int] = None,
    overrides: Optional[Mapping[str, Any]] = None,
) -> Dict[str, Dict[str, Any]]:
    """Years of operation (`drsim horizon`): {strategy: entry of `drsim horizon --json`}."""

def validate(scenario: Scenario, overrides: Optional[Mapping[str, Any]] = None) -> Dict[str, Any]:
    """Checks a scenario as `drsim validate` does; returns what it describes."""

def read_trials(path: Union[str, os.PathLike[str]]) -> pyarrow.Table:
    """Rows of `drsim run --parquet PATH` with the types of `Result.trials()` (float64 seconds)."""
