//! Replication models side by side: synchronous, asynchronous per write, asynchronous fluid
//! (with and without its queueing correction) and snapshot shipping at 5 min / 1 h / 24 h, full
//! and incremental, on the same workload, the same link and the same outages (common random
//! numbers: one seed per sweep point).
//!
//! ```text
//!   primary P ──── link: one-way latency = distance × 1.5 (route) / 2×10⁸ m/s ────> replica S
//!     writes ─┬─ sync:      commit waits for S's ack (≥ 1 RTT); link down → block | degrade
//!             ├─ async:     FIFO queue at P ─(throughput = min(bw, streams × window / RTT))─> S
//!             ├─ fluid:     the same queue as a fluid of bytes (rate changes only)
//!             └─ snapshots: every T, full (10 GB) or incremental, usable once copied
//!
//!   disaster at a random instant t (sampled densely over a stationary stretch):
//!     RPO = t − creation of the oldest write S lacks; copy age = t − newest write S holds
//! ```
//!
//! Sweeps (one table each): distance 10 / 100 / 1,000 / 5,000 km; bandwidth from well above to
//! just below the write rate; Poisson against on/off bursts at the same mean rate; 1 against 8
//! streams with a 1 MiB window per stream; link outages of growing length. Each row gives the
//! RPO distribution (mean / p50 / p99 / max over the sampled disaster instants), the mean writes
//! and bytes lost, the mean copy age, the commit latency (mean, p50, p99, max; synchronous only), the
//! bandwidth used, the peak backlog, the write availability (synchronous `block` stalls writers
//! while the link is down), and the simulation's own cost: writes generated (per-write models)
//! or rate segments (fluid), and wall time per simulated hour.
//!
//! A last pair of tables sets the replication modes side by side, with no outage and with a
//! 5 min outage every hour: asynchronous, published lag (exponential, 99.99 % within 15 min),
//! synchronous (`block`, `degrade_to_async`), semi-synchronous (1 s and 10 s timeouts) and
//! quorums (2 of 3 and 4 of 6, over three zones and over three regions, the disaster taking
//! the primary's site; the outage hits the first surviving member's link).
//!
//! Writes `replication_rpo_vs_distance.svg`, `replication_commit_vs_distance.svg` and
//! `replication_rpo_vs_bandwidth.svg` (SVG written as text, like `drsim::plot`).
//!
//! ```text
//! cargo run --release --example replication_models -- [--seed 42] [--out-dir .]
//! ```

use std::fmt::Write as _;
use std::path::PathBuf;
use std::time::Instant;

use clap::Parser;
use drsim::engine::{Distribution, DurationDistribution, SimDuration, SimTime, TrialStreams};
use drsim::model::{
    Arrivals, FluidAsync, LinkDownPolicy, LinkSpec, Quorum, QuorumMember, Replication, ReplicationSpec, SnapshotKind,
    SnapshotSpec, WorkloadSpec,
};
use drsim::montecarlo::Accumulator;
use rayon::prelude::*;

/// Compare replication models over sweeps of distance, bandwidth, burstiness, streams and outages.
#[derive(Parser)]
struct Args {
    /// Seed (the same for every model at a sweep point: common random numbers).
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Where to write the SVG plots.
    #[arg(long, default_value = ".")]
    out_dir: PathBuf,
}

/// Mean writes per second and mean write size: 10 MB/s.
const WRITES_PER_S: f64 = 100.0;
const WRITE_BYTES: f64 = 100_000.0;
const FULL_SNAPSHOT_BYTES: f64 = 10e9;

#[derive(Clone, Copy, Debug, PartialEq)]
enum Model {
    SyncBlock,
    SyncDegrade,
    AsyncPerWrite,
    Fluid,
    FluidCorrected,
    Snapshot {
        interval_s: u64,
        full: bool,
    },
    SemiSync {
        timeout_s: u64,
    },
    /// Exponential lag of mean 15 min / ln(10⁴) = 97.7 s: 99.99 % of writes within 15 min,
    /// the S3 Replication Time Control figure.
    Lag,
}

const MODELS: [Model; 11] = [
    Model::SyncBlock,
    Model::SyncDegrade,
    Model::AsyncPerWrite,
    Model::Fluid,
    Model::FluidCorrected,
    Model::Snapshot { interval_s: 300, full: true },
    Model::Snapshot { interval_s: 300, full: false },
    Model::Snapshot { interval_s: 3600, full: true },
    Model::Snapshot { interval_s: 3600, full: false },
    Model::Snapshot { interval_s: 86_400, full: true },
    Model::Snapshot { interval_s: 86_400, full: false },
];

impl Model {
    fn name(self) -> String {
        match self {
            Model::SyncBlock => "sync block".into(),
            Model::SyncDegrade => "sync degrade".into(),
            Model::AsyncPerWrite => "async per-write".into(),
            Model::Fluid => "async fluid".into(),
            Model::FluidCorrected => "fluid+M/G/1".into(),
            Model::Snapshot { interval_s, full } => {
                let t = match interval_s {
                    300 => "5m",
                    3600 => "1h",
                    _ => "24h",
                };
                format!("snap {t} {}", if full { "full" } else { "incr" })
            }
            Model::SemiSync { timeout_s } => format!("semi-sync {timeout_s}s"),
            Model::Lag => "lag (S3 RTC-like)".into(),
        }
    }

    /// Warm-up before the first sampled disaster, and the span sampled.
    fn window(self) -> (f64, f64) {
        match self {
            Model::Snapshot { interval_s, .. } => (interval_s as f64 + 3600.0, (2.0 * interval_s as f64).max(3600.0)),
            // Lags of up to tens of minutes: an hour's warm-up for a stationary copy.
            Model::Lag => (3600.0, 3600.0),
            _ => (300.0, 3600.0),
        }
    }
}

/// One sweep point: the link, the workload and the outages.
#[derive(Clone)]
struct Point {
    label: String,
    x: f64,
    link: LinkSpec,
    workload: WorkloadSpec,
    /// Outages as (start, length) in seconds from the start of the sampled span, repeated
    /// every hour.
    outage_s: Option<(f64, f64)>,
}

#[derive(Default)]
struct Row {
    model: String,
    rpo: Accumulator,
    writes_lost: f64,
    bytes_lost: f64,
    copy_age: f64,
    samples: f64,
    commit_mean_ns: u64,
    commit_p50_ns: u64,
    commit_p99_ns: u64,
    commit_max_ns: u64,
    bandwidth_used: f64,
    peak_backlog: u64,
    availability: f64,
    unstable: bool,
    cost_units: u64,
    cost_kind: &'static str,
    wall_per_hour_s: f64,
}

fn latency_for_km(km: f64) -> DurationDistribution {
    DurationDistribution::fixed(SimDuration::from_secs_f64(km * 1000.0 * 1.5 / 2e8))
}

fn poisson() -> WorkloadSpec {
    WorkloadSpec::poisson(WRITES_PER_S, Distribution::exponential(WRITE_BYTES).expect("positive mean"))
        .expect("valid workload")
}

fn link(km: f64, bandwidth: f64) -> LinkSpec {
    LinkSpec::new("P", "S", latency_for_km(km), bandwidth).expect("valid link")
}

fn build(model: Model, p: &Point, streams: TrialStreams) -> Box<dyn Replication + Send> {
    let spec = match model {
        Model::SyncBlock => ReplicationSpec::Synchronous { on_link_down: LinkDownPolicy::Block },
        Model::SyncDegrade => ReplicationSpec::Synchronous { on_link_down: LinkDownPolicy::DegradeToAsync },
        Model::AsyncPerWrite => ReplicationSpec::Asynchronous,
        Model::Fluid => ReplicationSpec::AsyncFluid { queueing_correction: false },
        Model::FluidCorrected => ReplicationSpec::AsyncFluid { queueing_correction: true },
        Model::Snapshot { interval_s, full } => ReplicationSpec::Snapshot(SnapshotSpec {
            interval: SimDuration::from_secs(interval_s),
            phase: None,
            size: if full { SnapshotKind::Full { size_bytes: FULL_SNAPSHOT_BYTES } } else { SnapshotKind::Incremental },
            retention: Default::default(),
            failure_probability: 0.0,
            vault: Default::default(),
        }),
        Model::SemiSync { timeout_s } => ReplicationSpec::SemiSync { timeout: SimDuration::from_secs(timeout_s) },
        Model::Lag => ReplicationSpec::Lag {
            lag: DurationDistribution::new(Distribution::exponential(900.0 / 1e4f64.ln()).expect("positive"))
                .expect("valid"),
        },
    };
    spec.build(&p.link, &p.workload, streams, SimTime::ZERO).expect("valid spec")
}

fn at_s(s: f64) -> SimTime {
    SimTime::ZERO + SimDuration::from_secs_f64(s)
}

/// Samples the loss at `n` evenly spaced instants of the model's window, applying the outages.
fn simulate(model: Model, p: &Point, seed: u64) -> Row {
    let streams = TrialStreams::new(seed, 0);
    let started = Instant::now();
    let (warm, span) = model.window();
    // The fluid's own cost counter (rate segments) needs the concrete type.
    let mut fluid = match model {
        Model::Fluid | Model::FluidCorrected => Some(
            FluidAsync::new(&p.link, &p.workload, streams, SimTime::ZERO)
                .expect("valid")
                .with_queueing_correction(model == Model::FluidCorrected),
        ),
        _ => None,
    };
    let mut boxed = None;
    let repl: &mut dyn Replication = match fluid.as_mut() {
        Some(f) => f,
        None => boxed.insert(build(model, p, streams)).as_mut(),
    };
    let n = 20_000usize;
    let mut row = Row { model: model.name(), ..Row::default() };
    // Outages: one per hour at the given offset, from the start of the run.
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
    for i in 0..n {
        let t = warm + span * (i as f64 + 0.5) / n as f64;
        while let Some(&(te, up)) = ev.peek()
            && te <= t
        {
            let r = if up { repl.link_up(at_s(te)) } else { repl.link_down(at_s(te)) };
            r.expect("time moves forward");
            ev.next();
        }
        let loss = repl.loss_at(at_s(t)).expect("time moves forward");
        row.rpo.record(loss.rpo.as_nanos());
        row.writes_lost += loss.writes_lost as f64;
        row.bytes_lost += loss.bytes_lost as f64;
        row.copy_age += loss.copy_age.as_secs_f64();
        row.samples += 1.0;
    }
    let end = warm + span;
    repl.advance_to(at_s(end)).expect("time moves forward");
    let st = repl.stats();
    let elapsed_h = end / 3600.0;
    row.wall_per_hour_s = started.elapsed().as_secs_f64() / elapsed_h;
    row.commit_mean_ns = st.commit_latency_mean.as_nanos();
    row.commit_max_ns = st.commit_latency_max.as_nanos();
    if let Some(h) = repl.commit_latencies() {
        row.commit_p50_ns = h.quantile(0.5).unwrap_or(0);
        row.commit_p99_ns = h.quantile(0.99).unwrap_or(0);
    }
    row.bandwidth_used = st.bytes_delivered as f64 / end;
    row.peak_backlog = st.peak_backlog_bytes.unwrap_or(0);
    row.availability = 1.0 - st.write_blocked.as_secs_f64() / end;
    row.unstable = repl.stability().is_unstable();
    if let Some(f) = &fluid {
        row.cost_units = f.segments();
        row.cost_kind = "segs";
    } else {
        row.cost_units = st.writes_written;
        row.cost_kind = "writes";
    }
    row
}

fn dur(ns: f64) -> String {
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

fn bytes(b: f64) -> String {
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

fn print_table(title: &str, points: &[Point], rows: &[Vec<Row>]) {
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

fn sim_hours(r: &Row) -> f64 {
    let m = MODELS.iter().find(|m| m.name() == r.model).copied().unwrap_or(Model::Fluid);
    let (w, s) = m.window();
    (w + s) / 3600.0
}

fn run_sweep(points: &[Point], models: &[Model], seed: u64) -> Vec<Vec<Row>> {
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

/// A line plot with a log y axis (and optionally log x), as SVG text.
fn line_plot(
    title: &str,
    x_label: &str,
    y_label: &str,
    log_x: bool,
    series: &[(String, Vec<(f64, f64)>)],
    marks: &[(f64, &str)],
) -> String {
    const COLOURS: [&str; 11] = [
        "#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#7f7f7f", "#bcbd22",
        "#000000",
    ];
    let (w, h, ml, mr, mt, mb) = (760.0, 440.0, 70.0, 190.0, 40.0, 50.0);
    let pts: Vec<(f64, f64)> = series.iter().flat_map(|s| s.1.iter().copied()).collect();
    let tx = |x: f64| if log_x { x.max(1e-12).log10() } else { x };
    let ty = |y: f64| y.max(1e-6).log10();
    let (mut x0, mut x1) = pts.iter().fold((f64::MAX, f64::MIN), |(a, b), p| (a.min(tx(p.0)), b.max(tx(p.0))));
    let (mut y0, mut y1) = pts.iter().fold((f64::MAX, f64::MIN), |(a, b), p| (a.min(ty(p.1)), b.max(ty(p.1))));
    if x1 <= x0 {
        x1 = x0 + 1.0;
    }
    y0 = y0.floor();
    y1 = y1.ceil().max(y0 + 1.0);
    let pad = (x1 - x0) * 0.03;
    x0 -= pad;
    x1 += pad;
    let px = |x: f64| ml + (tx(x) - x0) / (x1 - x0) * (w - ml - mr);
    let py = |y: f64| mt + (1.0 - (ty(y) - y0) / (y1 - y0)) * (h - mt - mb);
    let mut out = format!(
        r##"<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" font-family="sans-serif"><rect width="100%" height="100%" fill="white"/><text x="{}" y="24" font-size="15" text-anchor="middle">{title}</text><rect x="{ml}" y="{mt}" width="{}" height="{}" fill="none" stroke="#444"/>"##,
        (w - mr + ml) / 2.0,
        w - ml - mr,
        h - mt - mb
    );
    let mut e = y0;
    while e <= y1 + 1e-9 {
        let y = mt + (1.0 - (e - y0) / (y1 - y0)) * (h - mt - mb);
        let _ = write!(
            out,
            r##"<line x1="{ml}" y1="{y:.1}" x2="{}" y2="{y:.1}" stroke="#ddd"/><text x="{}" y="{:.1}" font-size="11" text-anchor="end">{}</text>"##,
            w - mr,
            ml - 6.0,
            y + 4.0,
            dur(10f64.powf(e) * 1e9)
        );
        e += 1.0;
    }
    let mut xs: Vec<f64> = pts.iter().map(|p| p.0).collect();
    xs.sort_by(f64::total_cmp);
    xs.dedup();
    for x in xs {
        let _ = write!(
            out,
            r#"<text x="{:.1}" y="{}" font-size="11" text-anchor="middle">{}</text>"#,
            px(x),
            h - mb + 16.0,
            format!("{x:.2}").trim_end_matches('0').trim_end_matches('.')
        );
    }
    for (x, label) in marks {
        let _ = write!(
            out,
            r##"<line x1="{0:.1}" y1="{mt}" x2="{0:.1}" y2="{1}" stroke="#000" stroke-dasharray="5,4"/><text x="{2:.1}" y="{3}" font-size="11">{label}</text>"##,
            px(*x),
            h - mb,
            px(*x) + 4.0,
            mt + 14.0
        );
    }
    let _ = write!(
        out,
        r#"<text x="{}" y="{}" font-size="12" text-anchor="middle">{x_label}</text><text x="16" y="{}" font-size="12" text-anchor="middle" transform="rotate(-90 16 {})">{y_label} (log scale)</text>"#,
        ml + (w - ml - mr) / 2.0,
        h - 12.0,
        mt + (h - mt - mb) / 2.0,
        mt + (h - mt - mb) / 2.0
    );
    for (k, (name, s)) in series.iter().enumerate() {
        let c = COLOURS[k % COLOURS.len()];
        let points: String = s.iter().map(|&(x, y)| format!("{:.1},{:.1} ", px(x), py(y))).collect();
        let _ = write!(out, r#"<polyline fill="none" stroke="{c}" stroke-width="2" points="{points}"/>"#);
        for &(x, y) in s {
            let _ = write!(out, r#"<circle cx="{:.1}" cy="{:.1}" r="3" fill="{c}"/>"#, px(x), py(y));
        }
        let ly = mt + 12.0 + 16.0 * k as f64;
        let _ = write!(
            out,
            r#"<line x1="{0}" y1="{ly}" x2="{1}" y2="{ly}" stroke="{c}" stroke-width="2"/><text x="{2}" y="{3}" font-size="11">{name}</text>"#,
            w - mr + 10.0,
            w - mr + 28.0,
            w - mr + 32.0,
            ly + 4.0
        );
    }
    out.push_str("</svg>\n");
    out
}

fn series(points: &[Point], rows: &[Vec<Row>], f: impl Fn(&Row) -> Option<f64>) -> Vec<(String, Vec<(f64, f64)>)> {
    let n = rows.first().map_or(0, Vec::len);
    (0..n)
        .map(|k| {
            let name = rows[0][k].model.clone();
            let pts = points.iter().zip(rows).filter_map(|(p, rs)| f(&rs[k]).map(|y| (p.x, y))).collect();
            (name, pts)
        })
        .filter(|(_, pts): &(String, Vec<(f64, f64)>)| !pts.is_empty())
        .collect()
}

/// A quorum's members as (member, whether the disaster at the primary's site takes it).
struct QuorumSetup {
    name: &'static str,
    k: usize,
    members: Vec<(QuorumMember, bool)>,
}

fn uniform_ms(lo: f64, hi: f64) -> DurationDistribution {
    DurationDistribution::new(Distribution::uniform(lo / 1e3, hi / 1e3).expect("valid")).expect("valid")
}

fn quorum_setups() -> Vec<QuorumSetup> {
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
fn simulate_quorum(q: &QuorumSetup, p: &Point, seed: u64) -> Row {
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
fn print_modes(points: &[Point], seed: u64) {
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

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = Args::parse();
    let started = Instant::now();
    let write_rate = WRITES_PER_S * WRITE_BYTES;
    println!(
        "# Replication models: Poisson {WRITES_PER_S} writes/s × Exp({}) = {}/s unless stated; full snapshots {}",
        bytes(WRITE_BYTES),
        bytes(write_rate),
        bytes(FULL_SNAPSHOT_BYTES)
    );
    println!(
        "RPO etc. over 20,000 disaster instants evenly spread over 1 h after a 5 min warm-up (snapshots: 2 intervals after 1 interval + 1 h)."
    );

    // 1. Distance.
    let dist_points: Vec<Point> = [10.0, 100.0, 1000.0, 5000.0]
        .into_iter()
        .map(|km| Point {
            label: format!("{km} km ({})", dur(km * 1000.0 * 1.5 / 2e8 * 1e9)),
            x: km,
            link: link(km, 2.0 * write_rate),
            workload: poisson(),
            outage_s: None,
        })
        .collect();
    let dist_rows = run_sweep(&dist_points, &MODELS, args.seed);
    print_table("Distance (link 20 MB/s, ρ = 0.5; one-way latency in brackets)", &dist_points, &dist_rows);

    // 2. Bandwidth.
    let bw_factors = [10.0, 2.0, 1.25, 1.1, 1.05, 1.01, 0.95];
    let bw_points: Vec<Point> = bw_factors
        .into_iter()
        .map(|f| Point {
            label: format!("{}/s (ρ {:.2})", bytes(f * write_rate), 1.0 / f),
            x: f * write_rate / 1e6,
            link: link(1000.0, f * write_rate),
            workload: poisson(),
            outage_s: None,
        })
        .collect();
    let bw_models = [Model::SyncBlock, Model::AsyncPerWrite, Model::Fluid, Model::FluidCorrected];
    let bw_rows = run_sweep(&bw_points, &bw_models, args.seed);
    print_table("Bandwidth (1,000 km)", &bw_points, &bw_rows);

    // 3. Burstiness at the same mean rate.
    let exp = |m: f64| DurationDistribution::new(Distribution::exponential(m).expect("positive")).expect("valid");
    let bursty = WorkloadSpec {
        arrivals: Arrivals::OnOff {
            on_rate_per_s: 5.0 * WRITES_PER_S,
            off_rate_per_s: 0.0,
            on: exp(2.0),
            off: exp(8.0),
        },
        size_bytes: Distribution::exponential(WRITE_BYTES)?,
    };
    let burst_points = vec![
        Point {
            label: "Poisson".into(),
            x: 0.0,
            link: link(1000.0, 2.0 * write_rate),
            workload: poisson(),
            outage_s: None,
        },
        Point {
            label: "on/off 5× (2 s on, 8 s off)".into(),
            x: 1.0,
            link: link(1000.0, 2.0 * write_rate),
            workload: bursty,
            outage_s: None,
        },
    ];
    let burst_models = [
        Model::SyncBlock,
        Model::AsyncPerWrite,
        Model::Fluid,
        Model::FluidCorrected,
        Model::Snapshot { interval_s: 300, full: false },
        Model::Snapshot { interval_s: 3600, full: false },
    ];
    let burst_rows = run_sweep(&burst_points, &burst_models, args.seed);
    print_table("Burstiness (same mean 10 MB/s; link 20 MB/s, 1,000 km)", &burst_points, &burst_rows);

    // 4. Streams with a window limit.
    let stream_points: Vec<Point> = [1u32, 8]
        .into_iter()
        .map(|n| {
            let mut l = link(5000.0, 100e6);
            l.streams = n;
            l.window_bytes = Some(1_048_576.0);
            Point {
                label: format!("{n} × 1 MiB window (→ {}/s)", bytes(l.throughput_bytes_per_s())),
                x: f64::from(n),
                link: l,
                workload: poisson(),
                outage_s: None,
            }
        })
        .collect();
    let stream_rows = run_sweep(&stream_points, &bw_models, args.seed);
    print_table("Parallel streams (5,000 km, 100 MB/s link, RTT 75 ms)", &stream_points, &stream_rows);

    // 5. Link outages, once an hour.
    let outage_points: Vec<Point> = [0.0, 30.0, 300.0, 1200.0]
        .into_iter()
        .map(|len| Point {
            label: if len == 0.0 { "none".into() } else { format!("{} every hour", dur(len * 1e9)) },
            x: len,
            link: link(1000.0, 2.0 * write_rate),
            workload: poisson(),
            outage_s: (len > 0.0).then_some((1200.0, len)),
        })
        .collect();
    let outage_models = [
        Model::SyncBlock,
        Model::SyncDegrade,
        Model::AsyncPerWrite,
        Model::Fluid,
        Model::FluidCorrected,
        Model::Snapshot { interval_s: 300, full: false },
        Model::Snapshot { interval_s: 3600, full: false },
    ];
    let outage_rows = run_sweep(&outage_points, &outage_models, args.seed);
    print_table("Link outages (1,000 km, 20 MB/s)", &outage_points, &outage_rows);

    // 6. Replication modes: commit latency against loss, with and without outages.
    print_modes(&[outage_points[0].clone(), outage_points[2].clone()], args.seed);

    // Plots.
    std::fs::create_dir_all(&args.out_dir)?;
    let p99 = |r: &Row| r.rpo.quantile(0.99).map(|v| v as f64 * 1e-9).filter(|&v| v > 0.0);
    let svg = line_plot(
        "RPO p99 against distance",
        "distance (km, log scale)",
        "RPO p99",
        true,
        &series(&dist_points, &dist_rows, p99),
        &[],
    );
    std::fs::write(args.out_dir.join("replication_rpo_vs_distance.svg"), svg)?;
    let commit = |r: &Row| (r.commit_mean_ns > 0).then_some(r.commit_mean_ns as f64 * 1e-9);
    let svg = line_plot(
        "Commit latency (mean) against distance: the price of synchronous replication",
        "distance (km, log scale)",
        "commit latency",
        true,
        &series(&dist_points, &dist_rows, commit),
        &[],
    );
    std::fs::write(args.out_dir.join("replication_commit_vs_distance.svg"), svg)?;
    let svg = line_plot(
        "RPO p99 against bandwidth (1,000 km): async is unstable left of the write rate",
        "bandwidth (MB/s)",
        "RPO p99",
        false,
        &series(&bw_points, &bw_rows, p99),
        &[(write_rate / 1e6, "write rate: unstable to the left")],
    );
    std::fs::write(args.out_dir.join("replication_rpo_vs_bandwidth.svg"), svg)?;
    println!(
        "\nWrote replication_rpo_vs_distance.svg, replication_commit_vs_distance.svg, replication_rpo_vs_bandwidth.svg in {}; total {:.1} s on {} threads.",
        args.out_dir.display(),
        started.elapsed().as_secs_f64(),
        rayon::current_num_threads()
    );
    Ok(())
}
