//! Pilot light against hand-computed critical paths and the practitioners' RTO/RPO bands.

use drsim_core::engine::{Distribution, DurationDistribution, SimDuration, SimTime};
use drsim_core::model::{ReplicationSpec, SnapshotKind, SnapshotSpec};
use drsim_core::recovery::{Detection, FailbackContext, Strategy, StrategyError};
use drsim_core::testing::{failback_ctx, fixed, median, quantile, recovery_runbook, run_one, secs};
use drsim_core::trial::{DisasterScenario, DisasterTrial, TrialOutcome, TwoRegions as Setup};
use drsim_pilot_light::{PilotLight, PilotLightParams, steps};
use proptest::prelude::*;

/// This crate's test deployment: `TwoRegions`'s defaults but for the fields set here.
fn setup() -> Setup {
    Setup { horizon: SimDuration::from_days(2), ..Setup::default() }
}

/// Every duration fixed, so the RTO is the critical path; `patch` forces the images stale
/// (40 days × 0.03/day ≥ 1) or fresh (probability 0).
fn fixed_params(patch: bool) -> PilotLightParams {
    PilotLightParams {
        declare: fixed(600),
        launch: fixed(120),
        image_age: SimDuration::from_days(40),
        patch_probability_per_day: if patch { 0.03 } else { 0.0 },
        patch: fixed(300),
        promote: fixed(180),
        db_scale_up: fixed(600),
        dns_ttl: secs(60),
        ..PilotLightParams::default()
    }
}

fn run(scenario: &DisasterScenario, params: PilotLightParams, seed: u64, trial: u64) -> TrialOutcome {
    run_one(scenario, &PilotLight::new(params).unwrap(), seed, trial)
}

/// By hand, stale images: detection 90 s, declaration 600 s, then in parallel
/// - the web tier: start (120 s) then patch (300 s) = 420 s,
/// - the data tier: promote (180 s) then max(scale the database up 600 s, DNS + TTL 60 s) = 780 s;
///
/// so 90 + 600 + max(420, 780) = 1470 s. The runbook's own critical path (no detection, no
/// TTL) is 600 + 180 + 600 = 1380 s.
#[test]
fn rto_is_the_critical_path_by_hand() {
    let scenario = setup().scenario();
    let strategy = PilotLight::new(fixed_params(true)).unwrap();
    let rb = recovery_runbook(&scenario, &strategy, SimTime::ZERO + secs(100));
    assert!(rb.steps.iter().any(|s| s.name == steps::PATCH));
    assert_eq!(rb.critical_path_secs(), Some(1380.0));
    let o = run(&scenario, fixed_params(true), 1, 0);
    assert_eq!(o.detection_delay, secs(90));
    assert_eq!(o.rto, Some(SimDuration::from_nanos(1_470_000_000_000)));
}

/// A fast database makes the web tier the critical path: with stale images
/// 90 + 600 + max(120 + 300, 30 + max(60, 60)) = 1110 s; with fresh ones
/// 90 + 600 + max(120, 90) = 810 s.
#[test]
fn patching_is_on_the_critical_path_when_the_database_is_fast() {
    let scenario = setup().scenario();
    let fast_db = |patch| PilotLightParams { promote: fixed(30), db_scale_up: fixed(60), ..fixed_params(patch) };
    assert_eq!(run(&scenario, fast_db(true), 1, 0).rto, Some(SimDuration::from_nanos(1_110_000_000_000)));
    assert_eq!(run(&scenario, fast_db(false), 1, 0).rto, Some(SimDuration::from_nanos(810_000_000_000)));
}

/// DNS moves with the promotion, not after the scale-out: with the database fully ready at
/// 600 + 180 + 0 and slow launches (1000 s), clients have long followed DNS when the last
/// instance comes up: 90 + 600 + 1000 = 1690 s, not 1750 s.
#[test]
fn dns_runs_in_parallel_with_the_scale_out() {
    let scenario = setup().scenario();
    let params = PilotLightParams { launch: fixed(1000), db_scale_up: fixed(0), ..fixed_params(false) };
    assert_eq!(run(&scenario, params, 1, 0).rto, Some(SimDuration::from_nanos(1_690_000_000_000)));
}

/// Instances kept running at the DR site are not launched again.
#[test]
fn running_instances_are_not_launched() {
    let scenario = setup().scenario();
    let strategy = PilotLight::new(PilotLightParams { running_instances: 3, ..fixed_params(false) }).unwrap();
    let rb = recovery_runbook(&scenario, &strategy, SimTime::ZERO + secs(100));
    assert_eq!(rb.steps.iter().find(|s| s.name == steps::LAUNCH).unwrap().parallel, 5);
    let all = PilotLight::new(PilotLightParams { running_instances: 8, ..fixed_params(false) }).unwrap();
    let rb = recovery_runbook(&scenario, &all, SimTime::ZERO + secs(100));
    assert!(rb.steps.iter().all(|s| s.name != steps::LAUNCH));
}

/// The database replica runs at the DR site (a quarter of production by default), beside the
/// production database at the primary: what the running cost prices.
#[test]
fn database_replica_runs_at_the_dr_site() {
    let scenario = setup().scenario();
    let d = &scenario.deployment;
    let steady = PilotLight::new(PilotLightParams::default()).unwrap().steady_state(d).unwrap();
    assert_eq!((steady.database_at(&d.primary), steady.database_at(&d.standby)), (1.0, 0.25));
    let half = PilotLight::new(PilotLightParams { database_replica_size: 0.5, ..fixed_params(false) }).unwrap();
    assert_eq!(half.steady_state(d).unwrap().database_at(&d.standby), 0.5);
}

/// The patch is needed with probability min(1, age × rate): 7 days × 0.03 = 0.21 by default.
#[test]
fn patch_need_follows_the_image_age() {
    let default = PilotLight::default();
    assert!((default.params().patch_probability() - 0.21).abs() < 1e-12);
    let n = 4000;
    let stale =
        (0..n).filter(|i| default.needs_patch(SimTime::ZERO + SimDuration::from_millis(60_000 + 7919 * i))).count();
    let share = stale as f64 / n as f64;
    assert!((share - 0.21).abs() < 0.025, "{share}");
    let never = PilotLight::new(PilotLightParams { image_age: SimDuration::ZERO, ..Default::default() }).unwrap();
    let always = PilotLight::new(fixed_params(true)).unwrap();
    for i in 0..100 {
        let t = SimTime::ZERO + SimDuration::from_secs(13 * i);
        assert!(!never.needs_patch(t) && always.needs_patch(t));
    }
}

/// Failback by hand. The disaster destroys P; P is back 2 h later. The DR site then holds the
/// 10 GB data set plus 2 h of writes at 5 × 64 KiB/s; the reverse link drains it at 50 MB/s
/// less the write rate. Then the freeze: final sync (one 80 ms round trip + 5 s) and the
/// primary's promotion (180 s) = 185.08 s of frozen writes; DNS moves back, and the DR site
/// scales in one TTL (60 s) later.
#[test]
fn failback_loses_nothing_and_freezes_for_sync_and_promotion() {
    let scenario = setup().scenario();
    let o = run(&scenario, fixed_params(true), 3, 0);
    // The writes to resync are the trial's own, from the first served demand to the primary's
    // return: compound Poisson (5/s of Exp(64 KiB)), within 5 sd of its mean.
    let write_rate = 5.0 * 65_536.0;
    let fb_start = SimDuration::from_hours(2).max(o.rto.unwrap());
    let serving = fb_start.as_secs_f64() - o.first_partial_service.unwrap().as_secs_f64();
    let freeze = SimDuration::from_nanos(185_080_000_000);
    assert_eq!(o.write_freeze, Some(freeze));
    let catch_up = o.failback.unwrap().as_secs_f64() - freeze.as_secs_f64() - 60.0;
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
    let strategy = PilotLight::default();
    let steady = strategy.steady_state(&scenario.deployment).unwrap();
    let rb = strategy.failback(&failback_ctx(&scenario, &steady, 2000)).unwrap();
    rb.validate().unwrap();
    for step in [steps::FINAL_SYNC, steps::PROMOTE_PRIMARY, steps::REPOINT, steps::UNFREEZE] {
        let a = rb.ancestors(step).expect("a step of the runbook");
        assert!(a.contains(steps::FREEZE) && a.contains(steps::CATCH_UP), "{step} runs before the freeze");
    }
    assert!(rb.ancestors(steps::UNFREEZE).expect("a step of the runbook").contains(steps::REPOINT));
    let ctx = FailbackContext { write_bytes_per_s: 60e6, ..failback_ctx(&scenario, &steady, 2000) };
    assert!(matches!(strategy.failback(&ctx), Err(StrategyError::CannotCatchUp { .. })));
}

/// Practitioners' band (AWS whitepaper "Disaster Recovery of Workloads on AWS", figure of the
/// four strategies: pilot light recovers in tens of minutes; continuous asynchronous
/// replication keeps the RPO to seconds). A realistic deployment: 8 instances, Route 53 health
/// checks (30 s × 3), a 1 Gbit/s inter-region link with 30–40 ms latency, 50 writes/s of 8 KiB;
/// 300 disasters.
#[test]
fn practitioner_band_tens_of_minutes() {
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
    let strategy = PilotLight::default();
    let trial = DisasterTrial::new(&scenario, &strategy).unwrap();
    let (mut rto, mut rpo) = (vec![], vec![]);
    let mut patched = 0;
    for i in 0..300 {
        let o = trial.run(11, i).unwrap();
        patched += usize::from(strategy.needs_patch(o.disaster_at));
        rto.push(o.rto.unwrap());
        rpo.push(o.rpo.unwrap());
    }
    let (rto_p50, rpo_p50, rpo_p99) = (median(rto), median(rpo.clone()), quantile(rpo, 0.99));
    println!("pilot light: median RTO {rto_p50}, median RPO {rpo_p50}, p99 RPO {rpo_p99}, {patched}/300 patched");
    assert!(rto_p50 >= SimDuration::from_mins(10) && rto_p50 <= SimDuration::from_mins(60), "{rto_p50}");
    assert!(rpo_p99 < SimDuration::from_mins(1), "{rpo_p99}");
    assert!(rpo_p50 < secs(1), "{rpo_p50}");
    assert!((30..100).contains(&patched), "{patched} of 300 patched, expected about 63");
}

#[test]
fn bad_parameters_are_named() {
    let field_of = |p: PilotLightParams| match PilotLight::new(p) {
        Err(StrategyError::BadParameter { field, .. }) => field,
        other => panic!("expected BadParameter, got {other:?}"),
    };
    let d = PilotLightParams::default;
    for v in [-0.1, f64::NAN, f64::INFINITY] {
        assert_eq!(field_of(PilotLightParams { patch_probability_per_day: v, ..d() }), "patch_probability_per_day");
    }
    let endless = DurationDistribution::new(Distribution::pareto(60.0, 0.9).unwrap()).unwrap();
    assert_eq!(field_of(PilotLightParams { declare: endless.clone(), ..d() }), "declare");
    assert_eq!(field_of(PilotLightParams { launch: endless.clone(), ..d() }), "launch");
    assert_eq!(field_of(PilotLightParams { patch: endless.clone(), ..d() }), "patch");
    assert_eq!(field_of(PilotLightParams { promote: endless.clone(), ..d() }), "promote");
    assert_eq!(field_of(PilotLightParams { db_scale_up: endless, ..d() }), "db_scale_up");
    let snapshots = ReplicationSpec::Snapshot(SnapshotSpec {
        interval: SimDuration::from_hours(1),
        phase: None,
        size: SnapshotKind::Incremental,
        retention: Default::default(),
        failure_probability: 0.0,
        vault: Default::default(),
    });
    assert_eq!(field_of(PilotLightParams { replication: snapshots, ..d() }), "replication");
    for v in [0.0, -0.25, 1.5, f64::NAN, f64::INFINITY] {
        assert_eq!(field_of(PilotLightParams { database_replica_size: v, ..d() }), "database_replica_size");
    }
    let e = PilotLight::new(PilotLightParams { patch_probability_per_day: -2.0, ..d() }).unwrap_err();
    assert!(e.to_string().contains("patch_probability_per_day = -2"), "{e}");
}

#[test]
fn params_read_from_toml() {
    let p: PilotLightParams = toml::from_str(
        r#"
        replication = { mode = "asynchronous" }
        running_instances = 1
        database_replica_size = 0.5
        declare = "15m"
        launch = { kind = "lognormal", median = "2m", sigma = 0.3 }
        image_age = "14d"
        patch_probability_per_day = 0.05
        patch = { kind = "lognormal", median = "10m", sigma = 0.5 }
        promote = "5m"
        db_scale_up = { kind = "triangular", min = "5m", mode = "10m", max = "30m" }
        dns_ttl = "60s"
        final_sync = "5s"
        "#,
    )
    .unwrap();
    assert_eq!(p.running_instances, 1);
    assert_eq!(p.database_replica_size, 0.5);
    assert!((p.patch_probability() - 0.7).abs() < 1e-12);
    assert_eq!(p.launch, PilotLightParams::default().launch);
    p.validate().unwrap();
    let back: PilotLightParams = toml::from_str(&toml::to_string(&p).unwrap()).unwrap();
    assert_eq!(back, p);
    let empty: PilotLightParams = toml::from_str("").unwrap();
    assert_eq!(empty, PilotLightParams::default());
    assert!(toml::from_str::<PilotLightParams>("image_age_days = 3").is_err());
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]
    /// For any fixed times, RTO = detection + declaration
    /// + max(launch + patch, promote + max(scale-up, TTL)), to the nanosecond.
    #[test]
    fn rto_is_exact_for_any_fixed_times(
        detect in 1u64..600, declare in 0u64..900, launch in 0u64..900, patch in 0u64..900,
        promote in 0u64..900, scale in 0u64..900, ttl in 0u64..300, stale: bool, trial in 0u64..1000,
    ) {
        let scenario = Setup { detection: Detection::Delay { delay: fixed(detect) }, ..setup() }.scenario();
        let params = PilotLightParams {
            declare: fixed(declare),
            launch: fixed(launch),
            patch: fixed(patch),
            promote: fixed(promote),
            db_scale_up: fixed(scale),
            dns_ttl: secs(ttl),
            ..fixed_params(stale)
        };
        let web = launch + if stale { patch } else { 0 };
        let o = run(&scenario, params, 5, trial);
        prop_assert_eq!(o.rto, Some(secs(detect + declare + web.max(promote + scale.max(ttl)))));
    }
}
