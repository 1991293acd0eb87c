//! What `drsim merge` does with its inputs, for the fuzz targets `merge` (libFuzzer) and
//! `merge_replay` (a plain binary): deserialise shard reports, check every invariant of their
//! exact state (as `report::check_state`), check they are shards of one run, merge them with
//! checked arithmetic and compute every figure the merged report prints. Any input must give a
//! merged report or an error, never a panic; a merged report must itself pass the checks.
//!
//! An input is one or more shard reports (JSON) separated by a 0xFF byte (never in UTF-8).

use drsim::montecarlo::{Accumulator, PairedAccumulator, TrialsSummary};
use serde::Deserialize;

/// The fields of a shard report that `drsim merge` reads (the others are recomputed).
#[derive(Clone, Debug, Deserialize)]
pub struct Shard {
    pub drsim_version: String,
    pub scenario: Info,
    pub seed: u64,
    pub trial_start: u64,
    pub trial_end: u64,
    pub strategies: Vec<Strategy>,
}

#[derive(Clone, Debug, Deserialize)]
pub struct Info {
    pub sha256: String,
}

#[derive(Clone, Debug, Deserialize)]
pub struct Strategy {
    pub name: String,
    pub state: TrialsSummary,
    pub paired_vs_first: Option<Paired>,
    #[serde(default)]
    pub cost: Option<Cost>,
}

#[derive(Clone, Debug, Deserialize)]
pub struct Paired {
    pub state_rto: PairedAccumulator,
    pub state_rpo: PairedAccumulator,
}

#[derive(Clone, Debug, Deserialize)]
pub struct Cost {
    pub monthly_running_usd: f64,
    pub disasters_per_year: f64,
    pub state_loss_micro_usd: Accumulator,
}

/// `report::check_state`: every invariant of the exact state.
fn check(r: &Shard) -> Result<(), String> {
    let trials = r.trial_end.checked_sub(r.trial_start).ok_or("trial_end before trial_start")?;
    for s in &r.strategies {
        s.state.validate(trials).map_err(|e| e.field)?;
        if let Some(p) = &s.paired_vs_first {
            p.state_rto.validate("state_rto", trials).map_err(|e| e.field)?;
            p.state_rpo.validate("state_rpo", trials).map_err(|e| e.field)?;
        }
        if let Some(c) = &s.cost {
            c.state_loss_micro_usd.validate("state_loss_micro_usd", trials).map_err(|e| e.field)?;
        }
    }
    Ok(())
}

/// Every figure the merged report prints (`StrategySummary::of`, paired differences, cost).
fn figures(r: &Shard) {
    const S: f64 = 1e-9;
    for s in &r.strategies {
        let st = &s.state;
        let _ = (st.recovered(), st.censored());
        for p in [0.5, 0.9, 0.95, 0.99, 0.999] {
            let _ = st.rto_quantile_all(p);
        }
        for (a, scale) in [
            (&st.rto, S),
            (&st.rpo, S),
            (&st.writes_lost, 1.0),
            (&st.bytes_lost, 1.0),
            (&st.detection, S),
            (&st.first_partial, S),
            (&st.failback, S),
            (&st.write_freeze, S),
            (&st.write_blocked, S),
            (&st.failback_bytes_lost, 1.0),
        ] {
            let _ = a.summary(scale);
            let _ = a.quantiles([0.5, 0.95, 0.99]);
        }
        let _ = (st.rto_met.proportion(), st.rpo_met.proportion());
        if let Some(p) = &s.paired_vs_first {
            let _ = (p.state_rto.difference(S), p.state_rpo.difference(S));
        }
        if let Some(c) = &s.cost {
            let _ = drsim::cost::expected_annual_loss(c.disasters_per_year, &c.state_loss_micro_usd);
            let _ = 12.0 * c.monthly_running_usd;
        }
    }
}

/// `drsim merge` over the shards in `data`: `Ok` with the merged report's trial count, or the
/// reason it was refused. Panics only on a bug (or when a merged report fails the checks).
pub fn merge(data: &[u8]) -> Result<u64, String> {
    let mut shards = vec![];
    for part in data.split(|&b| b == 0xFF).take(16) {
        let r: Shard = serde_json::from_slice(part).map_err(|e| e.to_string())?;
        check(&r)?;
        figures(&r);
        shards.push(r);
    }
    shards.sort_by_key(|r| (r.trial_start, r.trial_end));
    let mut merged = shards.first().ok_or("no shard")?.clone();
    for r in &shards[1..] {
        if r.drsim_version != merged.drsim_version
            || r.scenario.sha256 != merged.scenario.sha256
            || r.seed != merged.seed
        {
            return Err("not a shard of the same run".into());
        }
        let names = |r: &Shard| r.strategies.iter().map(|s| s.name.clone()).collect::<Vec<_>>();
        if names(r) != names(&merged) {
            return Err("strategies differ".into());
        }
        if r.trial_start != merged.trial_end {
            return Err("not contiguous".into());
        }
        merged.trial_end = r.trial_end;
        for (m, s) in merged.strategies.iter_mut().zip(&r.strategies) {
            m.state.checked_merge(&s.state).map_err(|e| e.field)?;
            if let (Some(mp), Some(sp)) = (m.paired_vs_first.as_mut(), s.paired_vs_first.as_ref()) {
                if !mp.state_rto.can_merge(&sp.state_rto) || !mp.state_rpo.can_merge(&sp.state_rpo) {
                    return Err("paired overflow".into());
                }
                mp.state_rto.merge(&sp.state_rto);
                mp.state_rpo.merge(&sp.state_rpo);
            }
            if let (Some(mc), Some(sc)) = (m.cost.as_mut(), s.cost.as_ref()) {
                if !mc.state_loss_micro_usd.can_merge(&sc.state_loss_micro_usd) {
                    return Err("cost overflow".into());
                }
                mc.state_loss_micro_usd.merge(&sc.state_loss_micro_usd);
            }
        }
    }
    figures(&merged);
    // Shards that pass the checks merge into a report that passes them too.
    if let Err(e) = check(&merged) {
        panic!("a merge of valid shards fails its own checks: {e}");
    }
    Ok(merged.trial_end - merged.trial_start)
}
