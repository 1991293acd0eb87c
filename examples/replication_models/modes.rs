//! The replication modes side by side, quorums included.

use std::time::Instant;

use drsim::engine::{Distribution, DurationDistribution, SimTime, TrialStreams};
use drsim::model::{LinkSpec, Quorum, QuorumMember};
use rayon::prelude::*;

use crate::model::*;
use crate::table::*;

/// A quorum's members as (member, whether the disaster at the primary's site takes it).
pub(crate) struct QuorumSetup {
    pub(crate) name: &'static str,
    pub(crate) k: usize,
    pub(crate) members: Vec<(QuorumMember, bool)>,
}

pub(crate) fn uniform_ms(lo: f64, hi: f64) -> DurationDistribution {
    DurationDistribution::new(Distribution::uniform(lo / 1e3, hi / 1e3).expect("valid")).expect("valid")
}

pub(crate) fn quorum_setups() -> Vec<QuorumSetup> {
    let remote =
        |to: &str, lo, hi| QuorumMember::Remote(LinkSpec::new("P", to, uniform_ms(lo, hi), 1e9).expect("valid"));
    vec![
        // Leader + two followers in other zones of the region (sub-ms).
        QuorumSetup {
            name: "quorum 2/3 zones",
            k: 2,
            members: vec![
                (QuorumMember::Local, true),
                (remote("Z2", 0.2, 0.6), false),
                (remote("Z3", 0.3, 0.8), false),
            ],
        },
        // Aurora: six storage nodes, two per zone, the writer in zone 1; 4 of 6.
        QuorumSetup {
            name: "quorum 4/6 zones",
            k: 4,
            members: vec![
                (remote("Z1a", 0.1, 0.3), true),
                (remote("Z1b", 0.1, 0.3), true),
                (remote("Z2a", 0.2, 0.6), false),
                (remote("Z2b", 0.2, 0.6), false),
                (remote("Z3a", 0.3, 0.8), false),
                (remote("Z3b", 0.3, 0.8), false),
            ],
        },
        // Leader + two followers in other regions, 10-14 ms and 35-45 ms away.
        QuorumSetup {
            name: "quorum 2/3 regions",
            k: 2,
            members: vec![
                (QuorumMember::Local, true),
                (remote("R2", 10.0, 14.0), false),
                (remote("R3", 35.0, 45.0), false),
            ],
        },
        // Two copies per region, 4 of 6.
        QuorumSetup {
            name: "quorum 4/6 regions",
            k: 4,
            members: vec![
                (remote("R1a", 0.1, 0.3), true),
                (remote("R1b", 0.1, 0.3), true),
                (remote("R2a", 10.0, 14.0), false),
                (remote("R2b", 10.0, 14.0), false),
                (remote("R3a", 35.0, 45.0), false),
                (remote("R3b", 35.0, 45.0), false),
            ],
        },
    ]
}

/// Like [`simulate`] for a quorum: the disaster takes the primary's site (the members marked so);
/// the outages hit the first member that survives it.
pub(crate) fn simulate_quorum(q: &QuorumSetup, p: &Point, seed: u64) -> Row {
    let started = Instant::now();
    let members: Vec<QuorumMember> = q.members.iter().map(|m| m.0.clone()).collect();
    let surviving: Vec<bool> = q.members.iter().map(|m| !m.1).collect();
    let hit = surviving.iter().position(|s| *s).expect("a member survives");
    let mut model =
        Quorum::build(&members, q.k, &p.workload, TrialStreams::new(seed, 0), SimTime::ZERO).expect("valid quorum");
    let (warm, span) = (300.0, 3600.0);
    let mut events: Vec<(f64, bool)> = vec![];
    if let Some((off, len)) = p.outage_s {
        let mut h = 0.0;
        while h < warm + span {
            events.push((h + off, false));
            events.push((h + off + len, true));
            h += 3600.0;
        }
    }
    let mut ev = events.into_iter().peekable();
    let n = 20_000usize;
    let mut row = Row { model: q.name.into(), ..Row::default() };
    for i in 0..n {
        let t = warm + span * (i as f64 + 0.5) / n as f64;
        while let Some(&(te, up)) = ev.peek()
            && te <= t
        {
            let r = if up { model.link_up(hit, at_s(te)) } else { model.link_down(hit, at_s(te)) };
            r.expect("time moves forward");
            ev.next();
        }
        let loss = model.loss_at(at_s(t), &surviving).expect("forward").expect("a member survives");
        row.rpo.record(loss.rpo.as_nanos());
        row.writes_lost += loss.writes_lost as f64;
        row.bytes_lost += loss.bytes_lost as f64;
        row.copy_age += loss.copy_age.as_secs_f64();
        row.samples += 1.0;
    }
    model.advance_to(at_s(warm + span)).expect("forward");
    let h = model.commit_latencies();
    row.commit_p50_ns = h.quantile(0.5).unwrap_or(0);
    row.commit_p99_ns = h.quantile(0.99).unwrap_or(0);
    row.commit_mean_ns = model.stats().commit_latency_mean.as_nanos();
    row.commit_max_ns = model.stats().commit_latency_max.as_nanos();
    row.wall_per_hour_s = started.elapsed().as_secs_f64() / ((warm + span) / 3600.0);
    row.cost_units = model.stats().writes_written;
    row.cost_kind = "writes";
    // Writers wait for the quorum, never stall: a lost member moves commits to the next one.
    row.availability = 1.0;
    row
}

/// The replication modes side by side: commit latency against what the primary's loss costs.
pub(crate) fn print_modes(points: &[Point], seed: u64) {
    let models = [
        Model::AsyncPerWrite,
        Model::Lag,
        Model::SyncBlock,
        Model::SyncDegrade,
        Model::SemiSync { timeout_s: 1 },
        Model::SemiSync { timeout_s: 10 },
    ];
    for p in points {
        println!("\n## Replication modes: {} (1,000 km, 20 MB/s; quorums as listed)\n", p.label);
        println!(
            "| model | commit p50 | commit p99 | commit max | RPO mean | RPO p99 | RPO max | bytes lost mean | write avail |"
        );
        println!("|---|---|---|---|---|---|---|---|---|");
        let mut rows: Vec<Row> = models.par_iter().map(|&m| simulate(m, p, seed)).collect();
        rows.extend(quorum_setups().par_iter().map(|q| simulate_quorum(q, p, seed)).collect::<Vec<_>>());
        for r in &rows {
            let q = |x: f64| r.rpo.quantile(x).map_or("-".into(), |v| dur(v as f64));
            println!(
                "| {} | {} | {} | {} | {} | {} | {} | {} | {:.4} |",
                r.model,
                dur(r.commit_p50_ns as f64),
                dur(r.commit_p99_ns as f64),
                dur(r.commit_max_ns as f64),
                dur(r.rpo.sum() as f64 / r.rpo.count().max(1) as f64),
                q(0.99),
                q(1.0),
                bytes(r.bytes_lost / r.samples.max(1.0)),
                r.availability,
            );
        }
    }
}
