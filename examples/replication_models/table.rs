//! Formatting of durations and sizes, the sweep tables and running a sweep.

use rayon::prelude::*;

use crate::model::*;

pub(crate) fn dur(ns: f64) -> String {
    let s = ns * 1e-9;
    if s == 0.0 {
        "0".into()
    } else if s < 1e-3 {
        format!("{:.0}µs", s * 1e6)
    } else if s < 1.0 {
        format!("{:.1}ms", s * 1e3)
    } else if s < 120.0 {
        format!("{s:.2}s")
    } else if s < 7200.0 {
        format!("{:.1}m", s / 60.0)
    } else {
        format!("{:.2}h", s / 3600.0)
    }
}

pub(crate) fn bytes(b: f64) -> String {
    if b < 1e3 {
        format!("{b:.0}B")
    } else if b < 1e6 {
        format!("{:.1}kB", b / 1e3)
    } else if b < 1e9 {
        format!("{:.1}MB", b / 1e6)
    } else {
        format!("{:.2}GB", b / 1e9)
    }
}

pub(crate) fn print_table(title: &str, points: &[Point], rows: &[Vec<Row>]) {
    println!("\n## {title}\n");
    println!(
        "| point | model | RPO mean | p50 | p99 | max | writes lost | bytes lost | copy age | commit mean | commit p50 | commit p99 | commit max | bw used | peak backlog | write avail | cost/h | wall/sim h | flag |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|");
    for (p, rs) in points.iter().zip(rows) {
        for r in rs {
            let s = r.rpo.summary(1.0);
            let mean = s.as_ref().map_or(0.0, |s| s.mean);
            let q = |x| r.rpo.quantile(x).unwrap_or(0) as f64;
            println!(
                "| {} | {} | {} | {} | {} | {} | {:.1} | {} | {} | {} | {} | {} | {} | {}/s | {} | {:.4} | {:.3e} {} | {:.2}ms | {} |",
                p.label,
                r.model,
                dur(mean),
                dur(q(0.5)),
                dur(q(0.99)),
                dur(q(1.0)),
                r.writes_lost / r.samples,
                bytes(r.bytes_lost / r.samples),
                dur(r.copy_age / r.samples * 1e9),
                dur(r.commit_mean_ns as f64),
                dur(r.commit_p50_ns as f64),
                dur(r.commit_p99_ns as f64),
                dur(r.commit_max_ns as f64),
                bytes(r.bandwidth_used),
                bytes(r.peak_backlog as f64),
                r.availability,
                r.cost_units as f64 / sim_hours(r),
                r.cost_kind,
                r.wall_per_hour_s * 1e3,
                if r.unstable { "UNSTABLE" } else { "" }
            );
        }
    }
}

pub(crate) fn sim_hours(r: &Row) -> f64 {
    let m = MODELS.iter().find(|m| m.name() == r.model).copied().unwrap_or(Model::Fluid);
    let (w, s) = m.window();
    (w + s) / 3600.0
}

pub(crate) fn run_sweep(points: &[Point], models: &[Model], seed: u64) -> Vec<Vec<Row>> {
    let jobs: Vec<(usize, Model)> = (0..points.len()).flat_map(|i| models.iter().map(move |&m| (i, m))).collect();
    let mut done: Vec<(usize, usize, Row)> = jobs
        .par_iter()
        .enumerate()
        .map(|(k, &(i, m))| (i, k, simulate(m, &points[i], seed.wrapping_add(i as u64))))
        .collect();
    done.sort_by_key(|(i, k, _)| (*i, *k));
    let mut out: Vec<Vec<Row>> = (0..points.len()).map(|_| vec![]).collect();
    for (i, _, r) in done {
        out[i].push(r);
    }
    out
}
