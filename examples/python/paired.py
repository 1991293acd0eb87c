"""Paired: two strategies on the same disasters, the distribution of per-trial differences.

    pip install ./crates/drsim-py pandas pyarrow
    python examples/python/paired.py         # from the repository root; seconds
"""

import pathlib

import drsim

SCENARIO = pathlib.Path(__file__).resolve().parents[1] / "scenarios" / "compare.toml"

r = drsim.run(SCENARIO, trials=2000, seed=7)
df = r.to_pandas()
# Trial i of every strategy faces the same disaster: pair them by trial.
rto = df.pivot(index="trial", columns="strategy", values="rto_s")
diff = rto["warm standby"] - rto["pilot light"]
print("RTO(warm standby) - RTO(pilot light), per trial, seconds:")
print(diff.describe(percentiles=[0.01, 0.5, 0.99]).round(1).to_string())
print()
p = r.paired["warm standby"]  # the library's paired estimate, against the scenario's first strategy
print(f"RTO(warm standby) - RTO({p['against']}): {p['rto_s']['mean']:.1f} s +/- {p['rto_s']['ci95']:.1f} s"
      f" over {p['rto_s']['pairs']} pairs")
