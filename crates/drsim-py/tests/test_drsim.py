"""Tests of the Python bindings against the `drsim` command (same library, same numbers).

The CLI binary is $DRSIM_BIN (ci.sh builds it), else target/release/drsim of the repository.
"""

import _thread
import csv
import decimal
import json
import math
import os
import pathlib
import subprocess
import sys
import threading
import time

import pyarrow as pa
import pytest

import drsim

ROOT = pathlib.Path(__file__).resolve().parents[3]
SCENARIOS = ROOT / "examples" / "scenarios"
COMPARE = SCENARIOS / "compare.toml"
REFERENCE = SCENARIOS / "reference.toml"


def cli_bin():
    path = os.environ.get("DRSIM_BIN") or str(ROOT / "target" / "release" / "drsim")
    if not os.path.exists(path):
        pytest.skip(f"no drsim binary at {path} (set DRSIM_BIN or run crates/drsim-py/ci.sh)")
    return path


def cli(*args, check=True):
    return subprocess.run([cli_bin(), *map(str, args)], capture_output=True, text=True, check=check)


def cli_json(tmp_path, *args):
    out = tmp_path / "out.json"
    cli(*args, "--json", out)
    return json.loads(out.read_text())


@pytest.mark.parametrize("scenario,trials,seed", [(COMPARE, 400, 11), (REFERENCE, 300, 5)])
def test_summary_equals_cli_json(tmp_path, scenario, trials, seed):
    report = cli_json(tmp_path, "run", scenario, "--trials", trials, "--seed", seed)
    r = drsim.run(scenario, trials=trials, seed=seed)
    assert r.strategies == [s["name"] for s in report["strategies"]]
    for s in report["strategies"]:
        # Same fields, same values, to the bit (== on floats, None for null).
        assert r.summary[s["name"]] == s["summary"]
    for s in report["strategies"][1:]:
        p = r.paired[s["name"]]
        assert p["against"] == s["paired_vs_first"]["against"]
        assert p["rto_s"] == s["paired_vs_first"]["rto_s"]
        assert p["rpo_s"] == s["paired_vs_first"]["rpo_s"]


def test_horizon_equals_cli_json(tmp_path):
    report = cli_json(tmp_path, "horizon", COMPARE, "--trials", 25, "--seed", 3)
    h = drsim.horizon(COMPARE, trials=25, seed=3)
    assert list(h) == [s["name"] for s in report["strategies"]]
    for s in report["strategies"]:
        assert h[s["name"]] == s


def test_trials_have_the_csv_columns_types_and_values(tmp_path):
    out = tmp_path / "trials.csv"
    cli("run", COMPARE, "--trials", 120, "--seed", 9, "--csv", out)
    with open(out, newline="") as f:
        rows = list(csv.DictReader(f))
    header = out.read_text().splitlines()[0].split(",")
    r = drsim.run(COMPARE, trials=120, seed=9)
    t = r.trials()
    assert isinstance(t, pa.Table)
    assert t.column_names == header
    assert t.num_rows == len(rows) == 120 * len(r.strategies)
    types = dict(zip(t.column_names, t.schema.types))
    for name in header:
        if name in ("strategy", "disaster", "recovered_at"):
            assert types[name] == pa.string(), name
        elif name in ("trial", "writes_lost", "bytes_lost", "failback_bytes_lost"):
            assert types[name] == pa.int64(), name
        elif name.endswith("_s") or name == "cost_usd":
            assert types[name] == pa.float64(), name
        else:
            assert types[name] == pa.bool_(), name
    got = t.to_pylist()
    for want, row in zip(rows, got):
        for name in header:
            w, g = want[name], row[name]
            if w == "":
                assert g is None, name
            elif types[name] == pa.string():
                assert g == w, name
            elif types[name] == pa.int64():
                assert g == int(w), name
            elif types[name] == pa.bool_():
                assert g == (w == "true"), name
            elif name == "cost_usd":  # the CSV rounds to cents
                assert abs(g - float(w)) <= 0.005 + 1e-9, name
            else:
                assert g == pytest.approx(float(w), rel=1e-12, abs=1e-12), name


@pytest.mark.parametrize("scenario", ["compare.toml", "three-tier.toml"])
def test_parquet_from_the_cli_reads_back_equal_to_the_csv(tmp_path, scenario):
    """`drsim run --parquet` read by pyarrow: the CSV's columns and values with proper types
    (int64, exact decimal128(18, 9) seconds, float64 dollars, bool, string, nulls where the
    CSV is empty); read by `drsim.read_trials`, equal to `drsim.run(...).trials()` for the
    same inputs, types and values."""
    pq = pytest.importorskip("pyarrow.parquet")
    # A 20-minute horizon: some trials never recover (null RTO).
    text = (SCENARIOS / scenario).read_text().replace('horizon = "30d"', 'horizon = "20m"')
    path = tmp_path / scenario
    path.write_text(text)
    out_csv, out_pq = tmp_path / "trials.csv", tmp_path / "trials.parquet"
    cli("run", path, "--trials", 150, "--seed", 4, "--csv", out_csv, "--parquet", out_pq, "--chunk", 64)
    with open(out_csv, newline="") as f:
        rows = list(csv.DictReader(f))
    header = out_csv.read_text().splitlines()[0].split(",")
    t = pq.read_table(out_pq)
    assert t.column_names == header
    assert t.num_rows == len(rows)
    assert pq.ParquetFile(out_pq).metadata.num_row_groups == 1  # three chunks of 64 trials: one row group
    types = dict(zip(t.column_names, t.schema.types))
    for name in header:
        if name in ("strategy", "disaster", "recovered_at"):
            assert types[name] == pa.string(), name
        elif name in ("trial", "writes_lost", "bytes_lost", "failback_bytes_lost") or name.startswith("bytes_lost."):
            assert types[name] == pa.int64(), name
        elif name.endswith("_s") or name.startswith("rpo_s."):
            assert types[name] == pa.decimal128(18, 9), name
        elif name == "cost_usd":
            assert types[name] == pa.float64(), name
        else:
            assert types[name] == pa.bool_(), name
    nulls = 0
    for want, row in zip(rows, t.to_pylist()):
        for name in header:
            w, g = want[name], row[name]
            if w == "":
                assert g is None, name
                nulls += 1
            elif types[name] == pa.string():
                assert g == w, name
            elif types[name] == pa.int64():
                assert type(g) is int and g == int(w), name
            elif types[name] == pa.bool_():
                assert type(g) is bool and g == (w == "true"), name
            elif name == "cost_usd":  # the CSV rounds to cents; Parquet keeps the value
                assert abs(g - float(w)) <= 0.005 + 1e-9, name
            else:  # exactly the CSV's decimal text
                assert type(g) is decimal.Decimal and g == decimal.Decimal(w), name
    assert t.column("rto_s").null_count > 0 and nulls > 0
    # Seconds as float64, as Result.trials() gives them.
    t = drsim.read_trials(out_pq)
    # The Python package's table of the same study: the same types and values.
    mine = drsim.run(SCENARIOS / scenario, trials=150, seed=4, overrides={"trials.horizon": "20m"}).trials()
    assert mine.column_names == t.column_names
    # The CLI writes chunk by chunk (each strategy by strategy), the package strategy by
    # strategy over all trials: the same rows in another order.
    order = [("strategy", "ascending"), ("trial", "ascending")]
    t, mine = t.sort_by(order), mine.sort_by(order)
    for name in header:
        assert t.schema.field(name).type == mine.schema.field(name).type, name
        assert t.column(name).to_pylist() == mine.column(name).to_pylist(), name
        assert t.column(name).equals(mine.column(name)), name  # the same doubles, bit for bit


def test_censored_rto_is_null():
    # A 20-minute horizon: backup & restore (hours) never recovers within it.
    r = drsim.run(COMPARE, trials=60, seed=2, overrides={"trials.horizon": "20m"})
    t = r.trials()
    censored = sum(s["censored"] for s in r.summary.values())
    assert censored >= 60
    assert t.column("rto_s").null_count == censored
    df = r.to_pandas()
    assert df["rto_s"].isna().sum() == censored
    assert df.loc[df["strategy"] == "backup & restore", "rto_s"].isna().all()


def test_to_polars():
    pl = pytest.importorskip("polars")
    df = drsim.run(COMPARE, trials=30, seed=1).to_polars()
    assert isinstance(df, pl.DataFrame)
    assert df.height == 4 * 30
    assert df.schema["trial"] == pl.Int64


def test_overrides_equal_an_edited_file(tmp_path):
    text = COMPARE.read_text()
    assert "rate_per_s = 2 }" in text
    edited = tmp_path / "edited.toml"
    edited.write_text(text.replace("rate_per_s = 2 }", "rate_per_s = 8 }"))
    report = cli_json(tmp_path, "run", edited, "--trials", 200, "--seed", 4)
    base = drsim.run(COMPARE, trials=200, seed=4)
    r = drsim.run(COMPARE, trials=200, seed=4, overrides={"workload.arrivals.rate_per_s": 8})
    for s in report["strategies"]:
        assert r.summary[s["name"]] == s["summary"]
    # Four times the writes: about four times as many lost by backup & restore.
    ratio = (
        r.summary["backup & restore"]["writes_lost"]["mean"]
        / base.summary["backup & restore"]["writes_lost"]["mean"]
    )
    assert 3.0 < ratio < 5.0


def test_strategy_override_by_kind_and_name():
    base = drsim.run(COMPARE, trials=100, seed=4)
    by_kind = drsim.run(
        COMPARE, trials=100, seed=4, overrides={"strategies.warm_standby.params.dns_ttl": "10m"}
    )
    by_name = drsim.run(
        COMPARE, trials=100, seed=4, overrides={"strategies.warm standby.params.dns_ttl": "10m"}
    )
    by_index = drsim.run(COMPARE, trials=100, seed=4, overrides={"strategies.2.params.dns_ttl": "10m"})
    assert by_kind.summary == by_name.summary == by_index.summary
    assert by_kind.summary["warm standby"] != base.summary["warm standby"]
    # Exactly what they name: the other strategies are unchanged.
    for s in ("backup & restore", "pilot light", "multi-site"):
        assert by_kind.summary[s] == base.summary[s]


@pytest.mark.parametrize(
    "overrides,needle",
    [
        ({"workload.arrivals.rate_per_s": -3}, "rate_per_s"),
        ({"workload.arrivals.rate_per_sec": 3}, "rate_per_sec"),
        ({"strategies.nope.params.x": 1}, "strategies.nope"),
        ({"strategies.warm_standby.params.standby_fractio": 0.5}, "standby_fractio"),
        ({"strategies.warm_standby.params.standby_fraction": 7}, "standby_fraction"),
        ({"workload.arrivals.rate_per_s.x": 1}, "workload.arrivals.rate_per_s"),
        ({"trials.horizon": "soon"}, "horizon"),
    ],
)
def test_bad_override_raises_scenario_error_naming_the_key(overrides, needle):
    with pytest.raises(drsim.ScenarioError, match=needle.replace(".", r"\.")) as e:
        drsim.run(COMPARE, trials=5, overrides=overrides)
    assert isinstance(e.value, ValueError)


def test_errors_carry_the_cli_message(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text(COMPARE.read_text().replace("rate_per_s = 2 }", "rate_per_s = -2 }"))
    for sub in ("validate", "run"):
        p = cli(sub, bad, check=False)
        assert p.returncode == 2
        message = p.stderr.strip().removeprefix("error: ")
        with pytest.raises(drsim.ScenarioError) as e:
            (drsim.validate if sub == "validate" else drsim.run)(str(bad))
        assert str(e.value) == message
    p = cli("horizon", REFERENCE, check=False)
    with pytest.raises(drsim.ScenarioError) as e:
        drsim.horizon(REFERENCE)
    assert str(e.value) == p.stderr.strip().removeprefix("error: ")
    with pytest.raises(drsim.ScenarioError, match="cannot read"):
        drsim.run(tmp_path / "missing.toml")
    with pytest.raises(drsim.ScenarioError, match="trials = 0"):
        drsim.run(COMPARE, trials=0)
    with pytest.raises(drsim.ScenarioError, match="threads = 0"):
        drsim.run(COMPARE, trials=5, threads=0)


def test_dict_and_text_scenarios_equal_the_file():
    tomllib = pytest.importorskip("tomllib")
    text = COMPARE.read_text()
    as_dict = tomllib.loads(text)
    a = drsim.run(COMPARE, trials=80, seed=6)
    b = drsim.run(as_dict, trials=80, seed=6)
    c = drsim.run(text, trials=80, seed=6)
    assert a.summary == b.summary == c.summary
    assert a.trials().equals(b.trials())
    assert a.trials().equals(c.trials())
    # A dict with an override, and an invalid dict.
    d = drsim.run(as_dict, trials=80, seed=6, overrides={"workload.arrivals.rate_per_s": 8})
    assert d.summary != a.summary
    broken = dict(as_dict)
    del broken["deployment"]
    with pytest.raises(drsim.ScenarioError, match="(?s)<dict>.*deployment"):
        drsim.run(broken, trials=5)


def test_validate():
    v = drsim.validate(COMPARE)
    assert v["name"] == "compare"
    assert [s["kind"] for s in v["strategies"]] == ["backup_restore", "pilot_light", "warm_standby", "multi_site"]
    assert v["warnings"] == []
    assert v["has_horizon"] is True
    assert drsim.validate(REFERENCE)["strategies"][0]["name"] == "warm standby (reference)"
    with pytest.raises(drsim.ScenarioError, match="standby_fraction"):
        drsim.validate(COMPARE, overrides={"strategies.warm_standby.params.standby_fraction": 0})


def test_threads_do_not_change_results():
    one = drsim.run(COMPARE, trials=5000, seed=8, threads=1)
    two = drsim.run(COMPARE, trials=5000, seed=8, threads=2)
    assert one.summary == two.summary
    assert one.trials().equals(two.trials())
    assert drsim.horizon(COMPARE, trials=10, threads=1) == drsim.horizon(COMPARE, trials=10, threads=2)


def test_gil_is_released_while_trials_run():
    counted = 0
    stop = threading.Event()

    def count():
        nonlocal counted
        while not stop.is_set():
            counted += 1

    t = threading.Thread(target=count)
    t.start()
    try:
        before = counted
        start = time.perf_counter()
        drsim.run(COMPARE, trials=20000, seed=1, threads=1)
        elapsed = time.perf_counter() - start
        during = counted - before
    finally:
        stop.set()
        t.join()
    # Holding the GIL for the whole run would leave the counter at (almost) nothing.
    assert elapsed > 0.05
    assert during > 1000


def test_progress_callback():
    seen = []
    drsim.run(COMPARE, trials=10000, seed=1, progress=lambda done, total: seen.append((done, total)))
    assert seen and seen[-1] == (40000, 40000)
    assert all(d <= t for d, t in seen)


def test_ctrl_c_raises_keyboard_interrupt_quickly():
    timer = threading.Timer(0.5, _thread.interrupt_main)
    start = time.perf_counter()
    timer.start()
    with pytest.raises(KeyboardInterrupt):
        drsim.run(COMPARE, trials=10**8, seed=1, threads=2)
    assert time.perf_counter() - start < 5.0


def test_ctrl_c_stops_inside_a_chunk_and_progress_moves_within_one():
    # Trials run in chunks of 4,096; with a one-hour warm-up (180,000 writes) a reference
    # trial takes milliseconds, so one chunk on one thread takes about ten seconds. Ctrl-C
    # after 1 s must stop inside that chunk (the study is cancelled before each trial), and
    # progress is told while the chunk runs. The sizes are a gamma of shape 1 (the same
    # exponential law), so that the copy warms up write by write instead of being drawn from
    # its stationary state in microseconds.
    seen = []
    timer = threading.Timer(1.0, _thread.interrupt_main)
    start = time.perf_counter()
    timer.start()
    with pytest.raises(KeyboardInterrupt):
        drsim.run(
            REFERENCE,
            trials=10**6,
            seed=1,
            threads=1,
            overrides={
                "disaster.warm_up": "1h",
                "workload.size_bytes": {"kind": "gamma", "shape": 1, "scale": 655_360},
            },
            progress=lambda done, total: seen.append(done),
        )
    assert time.perf_counter() - start < 2.5
    assert any(0 < d < 4096 for d in seen), seen


def test_summary_fields_are_json_types():
    r = drsim.run(REFERENCE, trials=50, seed=1)
    s = r.summary["warm standby (reference)"]
    assert s["trials"] == 50
    assert isinstance(s["rto_s"]["mean"], float) and math.isfinite(s["rto_s"]["mean"])
    json.dumps(r.summary)  # plain dicts, lists, numbers, None
    assert "drsim.Result" in repr(r)


MULTI_AZ = SCENARIOS / "multi-az-cross-region.toml"


def test_by_disaster_is_the_cli_json_for_a_mix(tmp_path):
    out = tmp_path / "mix.json"
    cli("run", MULTI_AZ, "--trials", 200, "--seed", 5, "--json", out)
    report = json.loads(out.read_text())
    r = drsim.run(MULTI_AZ, trials=200, seed=5)
    for i, name in enumerate(r.strategies):
        assert r.by_disaster[name] == report["strategies"][i]["by_disaster"]
        assert set(r.by_disaster[name]) == {"zone use1-az1", "region us-east-1"}
    t = r.trials()
    assert set(t.column("recovered_at").to_pylist()) <= {"S", "R", "P"}


def test_keep_trials_false_keeps_summaries_and_refuses_trials():
    """keep_trials=False: the same summaries, to the bit, as a run that kept its trials;
    trials() and to_pandas() raise ValueError saying why."""
    kept = drsim.run(COMPARE, trials=300, seed=3)
    lean = drsim.run(COMPARE, trials=300, seed=3, keep_trials=False)
    assert kept.kept_trials and not lean.kept_trials
    assert json.dumps(lean.summary, sort_keys=True) == json.dumps(kept.summary, sort_keys=True)
    assert lean.paired == kept.paired
    for call in (lean.trials, lean.to_pandas):
        with pytest.raises(ValueError, match=r"keep_trials=False\) did not keep them"):
            call()
    with pytest.raises(ValueError, match="keep_trials=False"):
        lean._native.columns()  # the native method refuses too, not only the wrapper
    assert kept.trials().num_rows == 300 * len(kept.strategies)


_PEAK = """
import sys, drsim
# The peak RSS (VmHWM) is inherited from the parent (pytest, pyarrow loaded) across fork and
# exec: reset it to the current RSS (Linux >= 4.0), then read it after the run.
with open("/proc/self/clear_refs", "w") as f:
    f.write("5")
r = drsim.run(sys.argv[1], trials=int(sys.argv[2]), seed=1, threads=1, keep_trials=sys.argv[3] == "1")
assert r.summary
status = open("/proc/self/status").read().split("\\n")
print(next(int(l.split()[1]) for l in status if l.startswith("VmHWM:")))  # KiB
"""


def _peak_kib(trials, keep):
    out = subprocess.run(
        [sys.executable, "-c", _PEAK, str(REFERENCE), str(trials), "1" if keep else "0"],
        capture_output=True, text=True, check=True,
    )
    return int(out.stdout.split()[-1])


@pytest.mark.skipif(not os.path.exists("/proc/self/clear_refs"), reason="needs Linux's /proc/self/clear_refs")
def test_keep_trials_false_has_fixed_memory():
    """Peak RSS of a child interpreter during 5·10^4 and 2·10^5 trials of reference.toml: with
    keep_trials=False it grows by less than 8 MiB over the extra 1.5·10^5 trials (fixed memory:
    what grows is allocator noise); with the trials kept it grows by more than 24 MiB (each
    kept outcome is a few hundred bytes: 1.5·10^5 × 160 B), which shows the check can fail."""
    lean = _peak_kib(200_000, False) - _peak_kib(50_000, False)
    kept = _peak_kib(200_000, True) - _peak_kib(50_000, True)
    assert lean < 8 * 1024, f"keep_trials=False grew by {lean} KiB"
    assert kept > 24 * 1024, f"keep_trials=True grew by only {kept} KiB: the check cannot tell"
