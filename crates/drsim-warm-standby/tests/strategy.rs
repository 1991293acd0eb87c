//! Warm standby against hand-computed critical paths, the reference trial of the benchmark
//! specification and the practitioners' RTO/RPO bands.

use drsim_core::engine::{Distribution, DurationDistribution, SimDuration, SimTime};
use drsim_core::model::{ReplicationSpec, SnapshotKind, SnapshotSpec};
use drsim_core::recovery::{Detection, FailbackContext, Strategy, StrategyError};
use drsim_core::testing::{failback_ctx, fixed, median, quantile, recovery_runbook, run_one, secs};
use drsim_core::trial::{DisasterScenario, DisasterTrial, TrialOutcome, TwoRegions as Setup};
use drsim_warm_standby::{WarmStandby, WarmStandbyParams, steps};
use proptest::prelude::*;

/// This crate's test deployment: `TwoRegions`'s defaults but for the fields set here.
fn setup() -> Setup {
    Setup { horizon: SimDuration::from_days(2), ..Setup::default() }
}

/// Every duration fixed, so the RTO is the critical path.
fn fixed_params(launch: u64, promote: u64, ttl: u64) -> WarmStandbyParams {
    WarmStandbyParams {
        launch: fixed(launch),
        promote: fixed(promote),
        dns_ttl: secs(ttl),
        ..WarmStandbyParams::default()
    }
}

fn run(scenario: &DisasterScenario, params: WarmStandbyParams, seed: u64, trial: u64) -> TrialOutcome {
    run_one(scenario, &WarmStandby::new(params).unwrap(), seed, trial)
}

/// By hand, the reference shape: detection 90 s, then in parallel 6 launches of 120 s and a
/// 30 s promotion, then DNS with a 60 s TTL: 90 + max(120, 30) + 60 = 270 s.
#[test]
fn rto_is_the_critical_path_by_hand() {
    let o = run(&setup().scenario(), fixed_params(120, 30, 60), 1, 0);
    assert_eq!(o.detection_delay, secs(90));
    assert_eq!(o.rto, Some(SimDuration::from_nanos(270_000_000_000)));
    // Clients start reaching the promoted standby the instant DNS changes: 90 + 120 s, plus the
    // nanosecond the ramp needs to move any traffic.
    assert_eq!(o.first_partial_service, Some(secs(210) + SimDuration::from_nanos(1)));
}

/// A slow promotion is the critical path: 90 + max(120, 200) + 60 = 350 s.
#[test]
fn slow_promotion_is_the_critical_path() {
    let o = run(&setup().scenario(), fixed_params(120, 200, 60), 1, 0);
    assert_eq!(o.rto, Some(SimDuration::from_nanos(350_000_000_000)));
}

/// A human declaration comes first: 90 + 300 + max(120, 30) + 60 = 570 s; the runbook's own
/// critical path (without detection and the TTL) is 300 + 120 = 420 s.
#[test]
fn declaration_delays_everything() {
    let scenario = setup().scenario();
    let params = WarmStandbyParams { declare: fixed(300), ..fixed_params(120, 30, 60) };
    let strategy = WarmStandby::new(params.clone()).unwrap();
    assert_eq!(recovery_runbook(&scenario, &strategy, SimTime::ZERO + secs(100)).critical_path_secs(), Some(420.0));
    let o = run(&scenario, params, 1, 0);
    assert_eq!(o.rto, Some(SimDuration::from_nanos(570_000_000_000)));
}

/// A standby already at full size launches nothing: 90 + 30 + 60 = 180 s.
#[test]
fn full_size_standby_only_promotes() {
    let params = WarmStandbyParams { standby_fraction: 1.0, ..fixed_params(120, 30, 60) };
    let strategy = WarmStandby::new(params.clone()).unwrap();
    let scenario = setup().scenario();
    assert!(
        recovery_runbook(&scenario, &strategy, SimTime::ZERO + secs(100)).steps.iter().all(|s| s.name != steps::LAUNCH)
    );
    assert_eq!(run(&scenario, params, 1, 0).rto, Some(secs(180)));
}

#[test]
fn standby_runs_the_fraction_rounded_up() {
    let p = |f| WarmStandbyParams { standby_fraction: f, ..WarmStandbyParams::default() };
    assert_eq!(p(0.25).standby_instances(8), 2);
    assert_eq!(p(0.3).standby_instances(10), 3);
    assert_eq!(p(0.25).standby_instances(9), 3);
    assert_eq!(p(0.01).standby_instances(8), 1);
    assert_eq!(p(1.0).standby_instances(8), 8);
}

/// Failback by hand. The disaster destroys P; P is back 2 h later. The standby then holds the
/// 10 GB data set plus 2 h of writes at 5 × 64 KiB/s; the reverse link drains it at 50 MB/s
/// less the write rate. Then the freeze: final sync (one 80 ms round trip + 5 s) and the
/// primary's promotion (30 s) = 35.08 s of frozen writes; DNS moves back, and the standby scales
/// in one TTL (60 s) later.
#[test]
fn failback_loses_nothing_and_freezes_for_sync_and_promotion() {
    let scenario = setup().scenario();
    let o = run(&scenario, fixed_params(120, 30, 60), 3, 0);
    // The writes to resync are the trial's own, from the first served demand to the primary's
    // return: compound Poisson (5/s of Exp(64 KiB)), within 5 sd of its mean.
    let write_rate = 5.0 * 65_536.0;
    let restored = o.rto.unwrap();
    let fb_start = SimDuration::from_hours(2).max(restored);
    let serving = fb_start.as_secs_f64() - o.first_partial_service.unwrap().as_secs_f64();
    assert_eq!(o.write_freeze, Some(SimDuration::from_nanos(35_080_000_000)));
    let catch_up = o.failback.unwrap().as_secs_f64() - 35.08 - 60.0;
    let written = catch_up * (50e6 - write_rate) - 10e9;
    let (mean, sd) = (write_rate * serving, (5.0 * serving * 2.0 * 65_536.0f64.powi(2)).sqrt());
    assert!((written - mean).abs() < 5.0 * sd, "{written} vs {mean} ± {sd}");
    assert_eq!(o.failback_bytes_lost, 0);
    assert!(!o.flags.recovery_failed && !o.flags.outlasted_horizon);
}

/// Zero bytes lost by construction: every step that moves users or promotes the primary runs
/// inside the freeze, after the catch-up, and the freeze ends only once users point home.
#[test]
fn failback_order_keeps_every_write() {
    let scenario = setup().scenario();
    let strategy = WarmStandby::default();
    let steady = strategy.steady_state(&scenario.deployment).unwrap();
    let rb = strategy.failback(&failback_ctx(&scenario, &steady, 400)).unwrap();
    rb.validate().unwrap();
    for step in [steps::FINAL_SYNC, steps::PROMOTE_PRIMARY, steps::REPOINT, steps::UNFREEZE] {
        let a = rb.ancestors(step).expect("a step of the runbook");
        assert!(a.contains(steps::FREEZE) && a.contains(steps::CATCH_UP), "{step} runs before the freeze");
    }
    assert!(rb.ancestors(steps::UNFREEZE).expect("a step of the runbook").contains(steps::REPOINT));
    assert!(rb.ancestors(steps::REPOINT).expect("a step of the runbook").contains(steps::FINAL_SYNC));
}

#[test]
fn failback_refuses_when_writes_outpace_the_reverse_link() {
    let scenario = setup().scenario();
    let strategy = WarmStandby::default();
    let steady = strategy.steady_state(&scenario.deployment).unwrap();
    let ctx = FailbackContext { write_bytes_per_s: 60e6, ..failback_ctx(&scenario, &steady, 400) };
    assert!(matches!(strategy.failback(&ctx), Err(StrategyError::CannotCatchUp { .. })));
}

/// The reference trial of `docs/benchmarks.md` section 2, with the default parameters: 2 of 8
/// running, 6 launched in LogNormal(median 120 s, σ 0.3) beside a 30 s promotion, then DNS and
/// one 60 s TTL. So RTO − detection − 60 s is the slower of the promotion and the slowest of six
/// launches: never under 30 s, and its median is the median of the maximum of six lognormals,
/// 120 · exp(0.3 · Φ⁻¹(0.5^(1/6))) = 120 · exp(0.3 × 1.2311) ≈ 173.6 s.
#[test]
fn reproduces_the_reference_trial() {
    let scenario = Setup {
        writes_per_s: 50.0,
        mean_write_bytes: 655_360.0,
        latency: DurationDistribution::new(Distribution::uniform(0.040, 0.050).unwrap()).unwrap(),
        detection: Detection::HealthCheck { interval: secs(30), failures: 3 },
        ..setup()
    }
    .scenario();
    let strategy = WarmStandby::default();
    let trial = DisasterTrial::new(&scenario, &strategy).unwrap();
    assert_eq!(trial.steady_state().capacity[1], ("S".into(), 2));
    let mut scale_up = vec![];
    for i in 0..200 {
        let o = trial.run(2024, i).unwrap();
        assert!(o.detection_delay >= secs(60) && o.detection_delay < secs(90));
        let rest = o.rto.unwrap().saturating_sub(o.detection_delay + secs(60));
        assert!(rest >= secs(30), "trial {i}: {rest}");
        assert!(o.rpo.unwrap() < secs(10), "utilisation 0.66: a short queue, trial {i}: {}", o.rpo.unwrap());
        scale_up.push(rest);
    }
    let m = median(scale_up).as_secs_f64();
    assert!((m - 173.6).abs() < 12.0, "median of the slowest launch {m} s, expected about 173.6 s");
}

/// Practitioners' band (AWS whitepaper "Disaster Recovery of Workloads on AWS", figure of the
/// four strategies: warm standby recovers in minutes with an RPO of seconds). A realistic
/// deployment: 8 instances, Route 53 health checks (30 s × 3), a 1 Gbit/s inter-region link
/// with 30–40 ms latency, 50 writes/s of 8 KiB replicated asynchronously; 300 disasters.
#[test]
fn practitioner_band_minutes_and_seconds() {
    let scenario = Setup {
        writes_per_s: 50.0,
        mean_write_bytes: 8_192.0,
        latency: DurationDistribution::new(Distribution::uniform(0.030, 0.040).unwrap()).unwrap(),
        bandwidth_bytes_per_s: 125e6,
        detection: Detection::default(),
        // At 3 % utilisation the replication queue is stationary within seconds.
        warm_up: SimDuration::from_mins(2),
        window: SimDuration::from_mins(2),
        ..setup()
    }
    .scenario();
    let strategy = WarmStandby::default();
    let trial = DisasterTrial::new(&scenario, &strategy).unwrap();
    let (mut rto, mut rpo) = (vec![], vec![]);
    for i in 0..300 {
        let o = trial.run(11, i).unwrap();
        rto.push(o.rto.unwrap());
        rpo.push(o.rpo.unwrap());
    }
    let (rto_p50, rpo_p50, rpo_p99) = (median(rto), median(rpo.clone()), quantile(rpo, 0.99));
    println!("warm standby: median RTO {rto_p50}, median RPO {rpo_p50}, p99 RPO {rpo_p99}");
    assert!(rto_p50 >= SimDuration::from_mins(2) && rto_p50 <= SimDuration::from_mins(20), "{rto_p50}");
    assert!(rpo_p99 < SimDuration::from_mins(1), "{rpo_p99}");
    assert!(rpo_p50 < secs(1), "{rpo_p50}");
}

#[test]
fn bad_parameters_are_named() {
    let field_of = |p: WarmStandbyParams| match WarmStandby::new(p) {
        Err(StrategyError::BadParameter { field, .. }) => field,
        other => panic!("expected BadParameter, got {other:?}"),
    };
    for f in [0.0, -0.5, 1.5, f64::NAN] {
        assert_eq!(field_of(WarmStandbyParams { standby_fraction: f, ..Default::default() }), "standby_fraction");
    }
    let endless = DurationDistribution::new(Distribution::pareto(60.0, 0.9).unwrap()).unwrap();
    assert_eq!(field_of(WarmStandbyParams { launch: endless.clone(), ..Default::default() }), "launch");
    assert_eq!(field_of(WarmStandbyParams { promote: endless.clone(), ..Default::default() }), "promote");
    assert_eq!(field_of(WarmStandbyParams { declare: endless, ..Default::default() }), "declare");
    let snapshots = ReplicationSpec::Snapshot(SnapshotSpec {
        interval: SimDuration::from_hours(1),
        phase: None,
        size: SnapshotKind::Incremental,
        retention: Default::default(),
        failure_probability: 0.0,
        vault: Default::default(),
    });
    assert_eq!(field_of(WarmStandbyParams { replication: snapshots, ..Default::default() }), "replication");
    let e = WarmStandby::new(WarmStandbyParams { standby_fraction: 2.0, ..Default::default() }).unwrap_err();
    assert!(e.to_string().contains("standby_fraction = 2"), "{e}");
}

#[test]
fn params_read_from_toml() {
    let p: WarmStandbyParams = toml::from_str(
        r#"
        replication = { mode = "synchronous", on_link_down = "degrade_to_async" }
        standby_fraction = 0.5
        declare = "5m"
        launch = { kind = "lognormal", median = "2m", sigma = 0.3 }
        promote = "45s"
        dns_ttl = "30s"
        final_sync = "2s"
        "#,
    )
    .unwrap();
    assert_eq!(p.declare, fixed(300));
    assert_eq!(p.launch, WarmStandbyParams::default().launch);
    assert_eq!(p.dns_ttl, secs(30));
    let back: WarmStandbyParams = toml::from_str(&toml::to_string(&p).unwrap()).unwrap();
    assert_eq!(back, p);
    let empty: WarmStandbyParams = toml::from_str("").unwrap();
    assert_eq!(empty, WarmStandbyParams::default());
    assert!(toml::from_str::<WarmStandbyParams>("standby_fration = 0.5").is_err());
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]
    /// For any fixed times: RTO = detection + max(launch, promotion) + TTL, to the nanosecond.
    #[test]
    fn rto_is_exact_for_any_fixed_times(
        detect in 1u64..600, launch in 0u64..900, promote in 0u64..900, ttl in 0u64..300, trial in 0u64..1000,
    ) {
        let scenario = Setup { detection: Detection::Delay { delay: fixed(detect) }, ..setup() }.scenario();
        let o = run(&scenario, fixed_params(launch, promote, ttl), 5, trial);
        prop_assert_eq!(o.rto, Some(secs(detect + launch.max(promote) + ttl)));
    }
}
