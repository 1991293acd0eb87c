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

use std::path::PathBuf;
use std::time::Instant;

use clap::Parser;
use drsim::engine::{Distribution, DurationDistribution};
use drsim::model::{Arrivals, WorkloadSpec};

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

mod model;
mod modes;
mod plot;
mod table;

use model::*;
use modes::*;
use plot::*;
use table::*;

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
