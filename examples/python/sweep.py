"""Sweep: replication bandwidth x warm-standby size, into a pandas DataFrame.

    pip install ./crates/drsim-py pandas pyarrow
    python examples/python/sweep.py          # from the repository root; seconds
"""

import pathlib

import pandas as pd

import drsim

SCENARIO = pathlib.Path(__file__).resolve().parents[1] / "scenarios" / "compare.toml"

rows = []
for bandwidth in (10e6, 100e6, 1e9):
    for fraction in (0.25, 0.5, 1.0):
        r = drsim.run(SCENARIO, trials=500, seed=1, overrides={
            "topology.links.0.bandwidth_bytes_per_s": bandwidth,
            "strategies.warm_standby.params.standby_fraction": fraction,
        })
        s = r.summary["warm standby"]
        rows.append({
            "bandwidth_MB_s": bandwidth / 1e6,
            "standby_fraction": fraction,
            "rto_mean_s": s["rto_s"]["mean"],
            "rto_p99_s": s["rto_s"]["p99"],
            "rpo_p99_s": s["rpo_s"]["p99"],
            "p_rto_met": s["p_rto_met"]["estimate"],
        })

df = pd.DataFrame(rows)
print(df.to_string(index=False))
print()
print(df.pivot(index="bandwidth_MB_s", columns="standby_fraction", values="rto_mean_s").round(1))
