//! Whole disaster trials and horizon runs: the stationary start of an asynchronous copy and
//! fault processes around a trial (docs/model.md, "Fault processes").

use drsim_core::engine::{Distribution, DurationDistribution, SimDuration, TrialStreams};
use drsim_core::horizon::{HorizonSpec, run_horizon};
use drsim_core::model::{
    FailureProcess, FailureTarget, LinkDownPolicy, ReplicationSpec, SnapshotKind, SnapshotSpec, Topology, ZoneSpec,
    failure_timeline,
};
use drsim_core::recovery::{
    Deployment, Detection, Effect, FailbackContext, RecoveryContext, Runbook, SteadyState, Step, Strategy,
    StrategyError,
};
use drsim_core::trial::{DisasterScenario, DisasterTrial, TrialOutcome, TwoRegions};
use rayon::prelude::*;

use super::fixtures::{exp_secs, fixed_hours, fixed_ms, hours, site, two_sites};
use super::{BoxError, Case, PLAIN6, SECS};

/// A strategy with fixed steps: launch 120 s, then DNS with a 60 s TTL (180 s from its start),
/// so that the recovery R = 180 s is known exactly.
struct Fixed(ReplicationSpec);

impl Strategy for Fixed {
    fn name(&self) -> &str {
        "fixed"
    }
    fn steady_state(&self, _: &Deployment) -> Result<SteadyState, StrategyError> {
        Ok(SteadyState {
            replication: self.0.clone(),
            capacity: vec![("P".into(), 8)],
            traffic: vec![("P".into(), 1.0)],
            data_ready: vec!["P".into()],
            database_size: vec![],
        })
    }
    fn recovery(&self, _: &RecoveryContext<'_>) -> Result<Runbook, StrategyError> {
        let fixed = |s| DurationDistribution::fixed(SimDuration::from_secs(s));
        Ok(Runbook::new(vec![
            Step::new("launch", fixed(120)).effect(Effect::AddCapacity { site: "S".into(), instances: 8 }),
            Step::new("promote", fixed(0)).effect(Effect::DataReady { site: "S".into() }),
            Step::new("dns", fixed(0))
                .after(["launch", "promote"])
                .effect(Effect::RouteTraffic { sites: vec!["S".into()], ttl: SimDuration::from_secs(60) }),
        ]))
    }
    fn failback(&self, _: &FailbackContext<'_>) -> Result<Runbook, StrategyError> {
        Ok(Runbook::new(vec![]))
    }
}

/// `n` disaster trials of `sc` under the fixed strategy with replication `repl`.
fn trials_of(sc: &DisasterScenario, repl: ReplicationSpec, seed: u64, n: u64) -> Result<Vec<TrialOutcome>, BoxError> {
    let strategy = Fixed(repl);
    let trial = DisasterTrial::new(sc, &strategy)?;
    Ok((0..n).into_par_iter().map(|i| trial.run(seed, i)).collect::<Result<Vec<_>, _>>()?)
}

/// Disaster trials whose asynchronous copy starts in its stationary state (issue 21): the
/// reference's M/M/1 link (ρ = 0.65536) through `DisasterTrial`, against closed forms. Past
/// departures are Poisson(λ) and independent of the queue N (Burke), so nothing is lost with
/// probability (1 − ρ) e^(−λ E[L]); with a fixed latency L the writes lost are N plus the
/// departures of the last L: E = ρ/(1 − ρ) + λL.
pub(crate) fn stationary_start(trials: u64, seed: u64) -> Result<Vec<Case>, BoxError> {
    let reference = |latency: DurationDistribution| {
        TwoRegions {
            writes_per_s: 50.0,
            mean_write_bytes: 655_360.0,
            latency,
            bandwidth_bytes_per_s: 50e6,
            ..TwoRegions::default()
        }
        .scenario()
    };
    let (rho, lambda) = (0.65536, 50.0);
    let src = "M/M/1 reversed (Burke)";
    let mut cases = Vec::new();
    let uniform = DurationDistribution::new(Distribution::uniform(0.040, 0.050)?)?;
    let out = trials_of(&reference(uniform), ReplicationSpec::Asynchronous, seed ^ 60, trials)?;
    let none = out.iter().filter(|o| o.writes_lost == 0).count() as u64;
    cases.push(Case::proportion(
        "async trial, stationary start: P(nothing lost) = (1−ρ)e^(−λE[L])",
        src,
        (1.0 - rho) * (-lambda * 0.045f64).exp(),
        none,
        trials,
    ));
    let out = trials_of(&reference(fixed_ms(40)), ReplicationSpec::Asynchronous, seed ^ 61, trials)?;
    let lost: Vec<f64> = out.iter().map(|o| o.writes_lost as f64).collect();
    cases.push(Case::mean(
        "async trial, stationary start: writes lost ρ/(1−ρ) + λL, L 40 ms",
        src,
        rho / (1.0 - rho) + lambda * 0.040,
        &lost,
        0.0,
        PLAIN6,
    ));
    Ok(cases)
}

/// Fault processes started in equilibrium around a disaster trial: a stationary alternating
/// renewal process is down MTTR/(MTTF + MTTR) of the time at any instant.
pub(crate) fn faults(trials: u64, seed: u64) -> Result<Vec<Case>, BoxError> {
    let n = (trials / 20).max(2000);
    let src = "stationary alternating renewal";
    let mut cases = Vec::new();

    // Equilibrium start of a non-exponential process: Weibull(2, 10 h) up (mean 10·Γ(3/2) =
    // 8.862 h), 5 h fixed repair: down 5 / 13.862 = 0.360691 at 0 h and at 3 h alike.
    let topo = two_sites()?;
    let a = site(&topo, "A")?;
    let weibull = [FailureProcess {
        target: FailureTarget::Site("A".into()),
        time_between_failures: DurationDistribution::new(Distribution::weibull(2.0, 36_000.0)?)?,
        time_to_repair: fixed_hours(5),
    }];
    let mean_up = 10.0 * 0.886_226_925_452_758;
    for h in [0.0, 3.0] {
        let down = (0..trials)
            .into_par_iter()
            .map(|i| -> Result<bool, BoxError> {
                let tl =
                    failure_timeline(&topo, &weibull, SimDuration::from_hours(4), TrialStreams::new(seed ^ 30, i))?;
                Ok(!tl.site_up_at(a, hours(h)))
            })
            .collect::<Result<Vec<_>, _>>()?
            .into_iter()
            .filter(|&down| down)
            .count() as u64;
        cases.push(Case::proportion(
            format!("P(down at {h} h) = MTTR/(MTTF+MTTR), Weibull up"),
            src,
            5.0 / (mean_up + 5.0),
            down,
            trials,
        ));
    }

    // A link down 1/3 of the time (Exp(10 min) up, Exp(5 min) down), fast link, 1 h warm-up.
    let flapping = {
        let mut sc = TwoRegions {
            latency: DurationDistribution::fixed(SimDuration::from_millis(1)),
            bandwidth_bytes_per_s: 1e9,
            warm_up: SimDuration::from_hours(1),
            window: SimDuration::from_hours(1),
            ..TwoRegions::default()
        }
        .scenario();
        sc.faults = vec![FailureProcess {
            target: FailureTarget::Link { from: "P".into(), to: "S".into() },
            time_between_failures: exp_secs(600.0)?,
            time_to_repair: exp_secs(300.0)?,
        }];
        sc
    };
    // Degrading to asynchronous while the link is down: the copy lags (RPO > 0) when the
    // disaster finds the link down, 1/3, by the link's age, whose mean is 300 s (memoryless).
    let degrade = trials_of(
        &flapping,
        ReplicationSpec::Synchronous { on_link_down: LinkDownPolicy::DegradeToAsync },
        seed ^ 31,
        n,
    )?;
    let lossy = degrade.iter().filter(|o| !o.rpo.is_some_and(|r| r.is_zero())).count() as u64;
    cases.push(Case::proportion("sync degrade: P(RPO > 0) = 1/3", src, 1.0 / 3.0, lossy, n));
    let rpo: Vec<f64> = degrade.iter().map(|o| o.rpo.map_or(f64::INFINITY, |r| r.as_secs_f64())).collect();
    // The first write after the failure comes Exp(0.2 s) later: a bias of 1/3 × 0.2 s.
    cases.push(Case::mean("sync degrade: E[RPO] = 1/3 × 300 s", src, 100.0, &rpo, 0.1, SECS));
    // Blocking instead: writes wait while the link is down, 1/3 of the time, and none is lost.
    let block =
        trials_of(&flapping, ReplicationSpec::Synchronous { on_link_down: LinkDownPolicy::Block }, seed ^ 32, n)?;
    let frac: Vec<f64> = block.iter().map(|o| o.write_blocked.as_secs_f64() / o.disaster_at.as_secs_f64()).collect();
    cases.push(Case::mean("sync block: writes blocked 1/3 of the time", src, 1.0 / 3.0, &frac, 0.0, PLAIN6));
    let max_rpo = block.iter().map(|o| o.rpo.map_or(f64::INFINITY, |r| r.as_secs_f64())).fold(0.0, f64::max);
    cases.push(Case::exact("sync block: RPO in every trial", "no write commits unreplicated", 0.0, max_rpo, 0.0, SECS));

    // A standby down half the time: recovery waits when it is down at detection (1/2) or
    // fails within the recovery R: P(delayed) = 1/2 + 1/2 (1 − e^{−R/MTTF}), whatever D.
    let mut half = TwoRegions {
        detection: Detection::Delay { delay: DurationDistribution::fixed(SimDuration::from_secs(1800)) },
        ..TwoRegions::default()
    }
    .scenario();
    half.faults = vec![FailureProcess {
        target: FailureTarget::Site("S".into()),
        time_between_failures: exp_secs(3600.0)?,
        time_to_repair: exp_secs(3600.0)?,
    }];
    let o = trials_of(&half, ReplicationSpec::Asynchronous, seed ^ 33, n)?;
    let delayed = o.iter().filter(|o| o.flags.recovery_delayed).count() as u64;
    cases.push(Case::proportion(
        "standby down ½: P(delayed), D 30 min, R 180 s",
        src,
        0.5 + 0.5 * (1.0 - (-180.0f64 / 3600.0).exp()),
        delayed,
        n,
    ));
    let early = o.iter().filter(|o| o.rto.is_some_and(|r| r < o.detection_delay)).count();
    cases.push(Case::bound(
        "recovery never before detection",
        "rule",
        "0 trials with RTO < detection".into(),
        format!("{early} of {n}"),
        early == 0,
    ));

    // Hourly full backups of 1 GB over 10 MB/s (c = 100.04 s to ship), a 1-minute warm-up: the
    // disaster falls at a uniform phase, E[RPO] = I/2 + c = 1,900.04 s.
    let sc = TwoRegions {
        bandwidth_bytes_per_s: 10e6,
        warm_up: SimDuration::from_mins(1),
        window: SimDuration::from_mins(1),
        ..TwoRegions::default()
    }
    .scenario();
    let spec = SnapshotSpec {
        interval: SimDuration::from_hours(1),
        phase: None,
        size: SnapshotKind::Full { size_bytes: 1e9 },
        retention: Default::default(),
        failure_probability: 0.0,
        vault: Default::default(),
    };
    let o = trials_of(&sc, ReplicationSpec::Snapshot(spec), seed ^ 34, n)?;
    let rpo: Vec<f64> = o.iter().map(|o| o.rpo.map_or(f64::INFINITY, |r| r.as_secs_f64())).collect();
    cases.push(Case::mean("backups: E[RPO] = I/2 + c, 1 min warm-up", "uniform phase", 1900.04, &rpo, 0.0, SECS));

    cases.extend(horizon(trials, seed)?);
    Ok(cases)
}

/// Horizon: both sites in region A, which fails (Exp(30 d) up, Exp(1 d) down): the service is
/// up exactly when the region is, 30/31 of the time, and there is nowhere to fail over to.
fn horizon(trials: u64, seed: u64) -> Result<Vec<Case>, BoxError> {
    let mut sc = TwoRegions::default().scenario();
    let mut spec = sc.deployment.topology.spec().clone();
    spec.zones.push(ZoneSpec { name: "a2".into(), region: "A".into() });
    for site in &mut spec.sites {
        site.zone = if site.name == "P" { "a1".into() } else { "a2".into() };
    }
    sc.deployment.topology = Topology::new(spec)?;
    sc.event.target = FailureTarget::Site("P".into());
    let strategy = Fixed(ReplicationSpec::Asynchronous);
    let trial = DisasterTrial::new(&sc, &strategy)?;
    let horizon = HorizonSpec {
        length: SimDuration::from_days(3650),
        failures: vec![FailureProcess {
            target: FailureTarget::Region("A".into()),
            time_between_failures: exp_secs(30.0 * 86_400.0)?,
            time_to_repair: exp_secs(86_400.0)?,
        }],
        logical: vec![],
    };
    let runs = (trials / 500).max(200);
    let outcomes = (0..runs)
        .into_par_iter()
        .map(|i| run_horizon(&trial, &horizon, seed ^ 35, i))
        .collect::<Result<Vec<_>, _>>()?;
    let avail: Vec<f64> =
        outcomes.iter().map(|o| 1.0 - o.downtime.as_secs_f64() / horizon.length.as_secs_f64()).collect();
    let failovers: u64 = outcomes.iter().map(|o| o.failovers).sum();
    Ok(vec![
        Case::mean(
            "horizon, both sites in the failing region: A",
            "MTTF/(MTTF+MTTR)",
            30.0 / 31.0,
            &avail,
            0.0,
            PLAIN6,
        ),
        Case::exact("  ... failovers", "no site left to fail over to", 0.0, failovers as f64, 0.0, PLAIN6),
    ])
}
