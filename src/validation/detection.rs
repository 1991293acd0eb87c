//! Detection by health checks and the DNS ramp of a failover.

use drsim_core::engine::{SimDuration, TrialStreams};
use drsim_core::recovery::{Detection, ServiceState};
use drsim_core::trial::streams::DETECTION;
use rayon::prelude::*;

use super::fixtures::at_s;
use super::{BoxError, Case, PLAIN6, SECS};

/// Detection delays and the service level while DNS caches expire.
pub(crate) fn detection(trials: u64, seed: u64) -> Result<Vec<Case>, BoxError> {
    let mut cases = Vec::new();
    // Health checks every I = 30 s, k = 3 failures to declare: the disaster falls at a uniform
    // phase of the check schedule, so the delay is uniform on [(k−1)·I, k·I), mean (k − ½)·I.
    let d = Detection::HealthCheck { interval: SimDuration::from_secs(30), failures: 3 };
    let n = trials * 10;
    let delays: Vec<f64> = (0..n)
        .into_par_iter()
        .map(|i| {
            let t = at_s(1000.0);
            (d.detect(t, &mut TrialStreams::new(seed ^ 20, i).rng(DETECTION)) - t).as_secs_f64()
        })
        .collect();
    let src = "uniform check phase";
    cases.push(Case::mean("detection mean (k − ½)·I, 30 s × 3", src, 75.0, &delays, 0.0, SECS));
    let (lo, hi) = delays.iter().fold((f64::MAX, 0.0f64), |(lo, hi), &x| (lo.min(x), hi.max(x)));
    cases.push(Case::bound(
        "detection delay in [(k−1)·I, k·I)",
        src,
        "[60 s, 90 s)".into(),
        format!("[{lo:.6} s, {hi:.6} s]"),
        lo >= 60.0 && hi < 90.0,
    ));

    // DNS: a failover from a dead primary to a full standby with a 300 s TTL. Each client keeps
    // its cached answer until the entry expires (RFC 1034 §3.6, RFC 1035 §3.2.1); with entries
    // cached at uniformly random instants the fraction moved is (t − t₀)/TTL, all by t₀ + TTL.
    let ttl = SimDuration::from_secs(300);
    let t0 = at_s(3600.0);
    let mut s = ServiceState::new(2, 4);
    s.set_capacity(1, 4);
    s.set_data_ready(0, true);
    s.set_data_ready(1, true);
    s.set_shares(&[1.0, 0.0]);
    s.set_up(0, false);
    s.route(t0, &[1], ttl);
    let dns = "TTL expiry, uniform cache age";
    let worst = (0..=100)
        .map(|k| {
            let x = f64::from(k) / 100.0;
            (s.level(t0 + SimDuration::from_secs_f64(x * 300.0)) - x).abs()
        })
        .fold(0.0, f64::max);
    cases.push(Case::exact("DNS: level − (t − t₀)/TTL, worst of 101", dns, 0.0, worst, 1e-12, PLAIN6));
    let done =
        s.first_at_least(1.0, t0, t0 + SimDuration::from_secs(3600)).map_or(f64::INFINITY, |t| (t - t0).as_secs_f64());
    cases.push(Case::exact("DNS: all clients moved after", dns, 300.0, done, 0.0, SECS));
    Ok(cases)
}
