//! Replication links as queues: M/M/1 backlog and sojourn, overload, window-limited and
//! variable bandwidth, bursty writes, synchronous commit over distance.
//!
//! The FIFO link is an M/M/1 queue for Poisson writes of exponential sizes: the reference
//! workload (λ = 50 writes/s of Exp(655,360 B)) on 50 MB/s has μ = 76.294/s and
//! ρ = 0.65536 (Kleinrock, *Queueing Systems* vol. 1, §3.2).

use drsim_core::engine::{Distribution, DurationDistribution, SimDuration, SimTime, TrialStreams};
use drsim_core::model::{
    Arrivals, AsyncFifo, BandwidthVariability, LinkDownPolicy, LinkSpec, Replication, Stability, Synchronous,
    WorkloadSpec,
};
use rayon::prelude::*;

use super::fixtures::{at_s, fixed_ms, reference_workload};
use super::{BoxError, Case, PLAIN6, Unit};

/// Runs of the FIFO and synchronous links against queueing theory.
pub(crate) fn queueing(trials: u64, seed: u64) -> Result<Vec<Case>, BoxError> {
    let mm1 = "M/M/1 queue";
    let mut cases = Vec::new();
    let workload = reference_workload()?;
    // M/M/1: the time-average number of writes not fully sent is ρ/(1−ρ) = 1.901578, over
    // independent runs (each 100 s warm-up, then a sample every 50 ms for 500 s).
    let link = LinkSpec::new("P", "S", fixed_ms(40), 50e6)?;
    let runs = (trials / 1000).max(20);
    let l = (0..runs)
        .into_par_iter()
        .map(|i| -> Result<f64, BoxError> {
            let mut r = AsyncFifo::new(&link, &workload, TrialStreams::new(seed ^ 10, i), SimTime::ZERO)?;
            let n = 10_000;
            let mut sum = 0.0;
            for k in 1..=n {
                sum += r.backlog_at(at_s(100.0 + 0.05 * k as f64))?.queued as f64;
            }
            Ok(sum / n as f64)
        })
        .collect::<Result<Vec<_>, _>>()?;
    let rho: f64 = 50.0 * 655_360.0 / 50e6;
    cases.push(Case::mean("async FIFO: writes queued ρ/(1−ρ), ρ = 0.65536", mm1, rho / (1.0 - rho), &l, 0.0, PLAIN6));

    // Zero latency: the copy lacks nothing exactly when the queue is empty, 1 − ρ = 0.34464 of
    // the time (Kleinrock §3.2).
    let instant = LinkSpec::new("P", "S", fixed_ms(0), 50e6)?;
    let empty = (0..runs)
        .into_par_iter()
        .map(|i| -> Result<f64, BoxError> {
            let mut r = AsyncFifo::new(&instant, &workload, TrialStreams::new(seed ^ 16, i), SimTime::ZERO)?;
            let n = 5_000;
            let mut complete = 0usize;
            for k in 1..=n {
                complete += usize::from(r.loss_at(at_s(20.0 + 0.5 * k as f64))?.writes_lost == 0);
            }
            Ok(complete as f64 / n as f64)
        })
        .collect::<Result<Vec<_>, _>>()?;
    cases.push(Case::mean("async, zero latency: P(nothing lost) = 1 − ρ", mm1, 1.0 - rho, &empty, 0.0, PLAIN6));

    // Synchronous commit under load: a write's commit latency (queueing + transmission + one
    // round trip) has mean RTT + 1/(μ − λ), the M/M/1 sojourn: 10 ms + 38.031 ms.
    let sync_loaded = LinkSpec::new("P", "S", fixed_ms(5), 50e6)?;
    let sojourn = (0..runs)
        .into_par_iter()
        .map(|i| -> Result<f64, BoxError> {
            let mut s = Synchronous::new(
                &sync_loaded,
                &workload,
                LinkDownPolicy::Block,
                TrialStreams::new(seed ^ 17, i),
                SimTime::ZERO,
            )?;
            s.advance_to(at_s(2000.0))?;
            Ok(s.stats().commit_latency_mean.as_secs_f64())
        })
        .collect::<Result<Vec<_>, _>>()?;
    let mu = 50e6 / 655_360.0;
    let ms = Unit { scale: 1e-3, unit: " ms", decimals: 4 };
    cases.push(Case::mean(
        "sync commit mean RTT + 1/(μ − λ), ρ = 0.65536",
        mm1,
        0.010 + 1.0 / (mu - 50.0),
        &sojourn,
        0.0,
        ms,
    ));

    // Overload (ρ ≥ 1 has no steady state): flagged, and the backlog grows at λ·E[size] − C.
    let slow = LinkSpec::new("P", "S", fixed_ms(40), 25e6)?;
    let growth = (0..runs)
        .into_par_iter()
        .map(|i| -> Result<(f64, bool), BoxError> {
            let mut r = AsyncFifo::new(&slow, &workload, TrialStreams::new(seed ^ 11, i), SimTime::ZERO)?;
            let flagged = matches!(r.stability(), Stability::Unstable { .. });
            let b1 = r.backlog_at(at_s(200.0))?.queued_bytes as f64;
            let b2 = r.backlog_at(at_s(1200.0))?.queued_bytes as f64;
            Ok(((b2 - b1) / 1000.0, flagged))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let rates: Vec<f64> = growth.iter().map(|g| g.0).collect();
    let mbs = Unit { scale: 1e6, unit: " MB/s", decimals: 4 };
    cases.push(Case::mean("overload: backlog growth λE[s] − C", mm1, 50.0 * 655_360.0 - 25e6, &rates, 0.0, mbs));
    let flagged = growth.iter().filter(|g| g.1).count();
    cases.push(Case::bound(
        "overload: run flagged unstable",
        "ρ ≥ 1 has no steady state",
        "all runs".into(),
        format!("{flagged} of {runs}"),
        flagged as u64 == runs,
    ));
    Ok(cases)
}

/// Throughput limits, bursty writes and the speed of light: measured on the link, not read
/// from the formulas the model uses.
pub(crate) fn links(trials: u64, seed: u64) -> Result<Vec<Case>, BoxError> {
    let mut cases = Vec::new();
    let runs = (trials / 1000).max(20);
    let mbs = Unit { scale: 1e6, unit: " MB/s", decimals: 4 };
    // Window-limited throughput: 8 streams of 64 KiB windows over a 100 ms RTT carry at most
    // min(10⁸, 8 × 65,536 / 0.1) = 5,242,880 B/s (the window/RTT bound; Mathis et al. 1997).
    // Offered 10.24 MB/s the queue never empties after the first second.
    let mut wl = LinkSpec::new("P", "S", fixed_ms(50), 100e6)?;
    wl.streams = 8;
    wl.window_bytes = Some(65_536.0);
    let heavy = WorkloadSpec::poisson(100.0, Distribution::fixed(102_400.0)?)?;
    let mut r = AsyncFifo::new(&wl, &heavy, TrialStreams::new(seed ^ 14, 0), SimTime::ZERO)?;
    r.advance_to(at_s(10.0))?;
    let before = r.stats().bytes_delivered;
    r.advance_to(at_s(1010.0))?;
    let rate = (r.stats().bytes_delivered - before) as f64 / 1000.0;
    // One write (102,400 B) over 1,000 s at either end of the window, and nanosecond rounding.
    let tol = 2.0 * 102_400.0 / 1000.0 + 1e-4 * 5_242_880.0;
    cases.push(Case::exact(
        "window-limited throughput min(bw, n·w/RTT)",
        "window/RTT bound",
        8.0 * 65_536.0 / 0.1,
        rate,
        tol,
        Unit { scale: 1.0, unit: " B/s", decimals: 0 },
    ));

    // Variable bandwidth, saturated: the time average bw × E[factor] (renewal–reward, factors
    // independent of period lengths): 10 MB/s × U(0.2, 1.8) every Exp(10 s). The bias of
    // applying the rate at a transfer's start to all of it (transfers ≤ 50 ms against 10 s
    // periods) is below 0.1 %: the stated tolerance of 10 kB/s.
    let mut var_link = LinkSpec::new("P", "S", fixed_ms(5), 10e6)?;
    var_link.variability = Some(BandwidthVariability {
        period: DurationDistribution::new(Distribution::exponential(10.0)?)?,
        factor: Distribution::uniform(0.2, 1.8)?,
    });
    let twice = WorkloadSpec::poisson(200.0, Distribution::fixed(100_000.0)?)?;
    let delivered = (0..runs)
        .into_par_iter()
        .map(|i| -> Result<f64, BoxError> {
            let mut r = AsyncFifo::new(&var_link, &twice, TrialStreams::new(seed ^ 18, i), SimTime::ZERO)?;
            r.advance_to(at_s(10.0))?;
            let before = r.stats().bytes_delivered;
            r.advance_to(at_s(2010.0))?;
            Ok((r.stats().bytes_delivered - before) as f64 / 2000.0)
        })
        .collect::<Result<Vec<_>, _>>()?;
    cases.push(Case::mean(
        "variable bandwidth, saturated: bw × E[factor]",
        "renewal–reward",
        10e6,
        &delivered,
        10e3,
        mbs,
    ));

    // On/off writes arrive in the long run at (r_on·E[on] + r_off·E[off]) / (E[on] + E[off])
    // (renewal–reward theorem, Ross, *Stochastic Processes*, §3.6): 100/s for Exp(5 s) bursts
    // and 10/s for Exp(15 s) quiet times give 32.5/s; measured after a warm-up (the generator
    // starts in a burst).
    let onoff = WorkloadSpec {
        arrivals: Arrivals::OnOff {
            on_rate_per_s: 100.0,
            off_rate_per_s: 10.0,
            on: DurationDistribution::new(Distribution::exponential(5.0)?)?,
            off: DurationDistribution::new(Distribution::exponential(15.0)?)?,
        },
        size_bytes: Distribution::fixed(1000.0)?,
    };
    let fast = LinkSpec::new("P", "S", fixed_ms(5), 1e9)?;
    let write_rates = (0..runs)
        .into_par_iter()
        .map(|i| -> Result<f64, BoxError> {
            let mut r = AsyncFifo::new(&fast, &onoff, TrialStreams::new(seed ^ 19, i), SimTime::ZERO)?;
            r.advance_to(at_s(1000.0))?;
            let before = r.stats().writes_written;
            r.advance_to(at_s(21_000.0))?;
            Ok((r.stats().writes_written - before) as f64 / 20_000.0)
        })
        .collect::<Result<Vec<_>, _>>()?;
    let per_s = Unit { scale: 1.0, unit: "/s", decimals: 4 };
    cases.push(Case::mean(
        "on/off writes: (r₁E[on] + r₀E[off]) / E[cycle]",
        "renewal–reward",
        32.5,
        &write_rates,
        0.0,
        per_s,
    ));

    // Synchronous replication over 1,000 km of fibre: RTT = 2 × 10⁶ m / (2×10⁸ m/s) = 10 ms.
    let one_way = SimDuration::from_secs_f64(1e6 / 2e8);
    let sync_link = LinkSpec::new("P", "S", DurationDistribution::fixed(one_way), 1e9)?;
    let small = WorkloadSpec::poisson(100.0, Distribution::fixed(4096.0)?)?;
    let lat = (0..runs)
        .into_par_iter()
        .map(|i| -> Result<(f64, f64), BoxError> {
            let mut s = Synchronous::new(
                &sync_link,
                &small,
                LinkDownPolicy::Block,
                TrialStreams::new(seed ^ 15, i),
                SimTime::ZERO,
            )?;
            s.advance_to(at_s(600.0))?;
            let st = s.stats();
            Ok((st.commit_latency_min.as_secs_f64(), st.commit_latency_mean.as_secs_f64()))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let min = lat.iter().map(|l| l.0).fold(f64::MAX, f64::min);
    let rtt = 2.0 * 1e6 / 2e8;
    let service = 4096.0 / 1e9;
    let us = Unit { scale: 1e-6, unit: " µs", decimals: 4 };
    cases.push(Case::bound(
        "sync commit ≥ RTT + size/bw (1,000 km)",
        "speed of light in fibre",
        format!("≥ {}", us.show(rtt + service)),
        format!("min {}", us.show(min)),
        min >= rtt + service - 1e-9,
    ));
    // Mean: RTT + service + the M/D/1 wait λS²/(2(1−ρ)) (Pollaczek–Khinchine); the reported
    // mean is truncated to the nanosecond (≤ 1 ns).
    let rho = 100.0 * service;
    let wait = 100.0 * service * service / (2.0 * (1.0 - rho));
    let means: Vec<f64> = lat.iter().map(|l| l.1).collect();
    cases.push(Case::mean(
        "sync commit mean RTT + S + M/D/1 wait",
        "Pollaczek–Khinchine",
        rtt + service + wait,
        &means,
        1e-9,
        us,
    ));
    Ok(cases)
}
