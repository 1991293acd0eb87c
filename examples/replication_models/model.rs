//! The models compared, the sweep points and one simulation of a model at a point.

use std::time::Instant;

use drsim::engine::{Distribution, DurationDistribution, SimDuration, SimTime, TrialStreams};
use drsim::model::{
    FluidAsync, LinkDownPolicy, LinkSpec, Replication, ReplicationSpec, SnapshotKind, SnapshotSpec, WorkloadSpec,
};
use drsim::montecarlo::Accumulator;

/// Mean writes per second and mean write size: 10 MB/s.
pub(crate) const WRITES_PER_S: f64 = 100.0;
pub(crate) const WRITE_BYTES: f64 = 100_000.0;
pub(crate) const FULL_SNAPSHOT_BYTES: f64 = 10e9;

#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Model {
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

pub(crate) const MODELS: [Model; 11] = [
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
    pub(crate) fn name(self) -> String {
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
    pub(crate) fn window(self) -> (f64, f64) {
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
pub(crate) struct Point {
    pub(crate) label: String,
    pub(crate) x: f64,
    pub(crate) link: LinkSpec,
    pub(crate) workload: WorkloadSpec,
    /// Outages as (start, length) in seconds from the start of the sampled span, repeated
    /// every hour.
    pub(crate) outage_s: Option<(f64, f64)>,
}

#[derive(Default)]
pub(crate) struct Row {
    pub(crate) model: String,
    pub(crate) rpo: Accumulator,
    pub(crate) writes_lost: f64,
    pub(crate) bytes_lost: f64,
    pub(crate) copy_age: f64,
    pub(crate) samples: f64,
    pub(crate) commit_mean_ns: u64,
    pub(crate) commit_p50_ns: u64,
    pub(crate) commit_p99_ns: u64,
    pub(crate) commit_max_ns: u64,
    pub(crate) bandwidth_used: f64,
    pub(crate) peak_backlog: u64,
    pub(crate) availability: f64,
    pub(crate) unstable: bool,
    pub(crate) cost_units: u64,
    pub(crate) cost_kind: &'static str,
    pub(crate) wall_per_hour_s: f64,
}

pub(crate) fn latency_for_km(km: f64) -> DurationDistribution {
    DurationDistribution::fixed(SimDuration::from_secs_f64(km * 1000.0 * 1.5 / 2e8))
}

pub(crate) fn poisson() -> WorkloadSpec {
    WorkloadSpec::poisson(WRITES_PER_S, Distribution::exponential(WRITE_BYTES).expect("positive mean"))
        .expect("valid workload")
}

pub(crate) fn link(km: f64, bandwidth: f64) -> LinkSpec {
    LinkSpec::new("P", "S", latency_for_km(km), bandwidth).expect("valid link")
}

pub(crate) fn build(model: Model, p: &Point, streams: TrialStreams) -> Box<dyn Replication + Send> {
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

pub(crate) fn at_s(s: f64) -> SimTime {
    SimTime::ZERO + SimDuration::from_secs_f64(s)
}

/// Samples the loss at `n` evenly spaced instants of the model's window, applying the outages.
pub(crate) fn simulate(model: Model, p: &Point, seed: u64) -> Row {
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
