//! Multi-site active/active against hand-computed critical paths and the practitioners'
//! RTO/RPO bands.

use drsim_core::engine::{Distribution, DurationDistribution, SimDuration, SimTime};
use drsim_core::model::{Loss, ReplicationSpec, SnapshotKind, SnapshotSpec};
use drsim_core::recovery::{Detection, Effect, FailbackContext, RecoveryContext, Strategy, StrategyError};
use drsim_core::testing::{fixed, median, quantile, run_one, secs};
use drsim_core::trial::{DisasterScenario, DisasterTrial, TrialOutcome, TwoRegions as Setup};
use drsim_multi_site::{MultiSite, MultiSiteParams, steps};
use proptest::prelude::*;

/// This crate's test deployment: `TwoRegions`'s defaults but for the fields set here.
fn setup() -> Setup {
    Setup { horizon: SimDuration::from_days(2), ..Setup::default() }
}

fn params(fraction: f64, launch: u64, ttl: u64) -> MultiSiteParams {
    MultiSiteParams {
        capacity_per_site_fraction: fraction,
        launch: fixed(launch),
        dns_ttl: secs(ttl),
        ..Default::default()
    }
}

fn run(scenario: &DisasterScenario, params: MultiSiteParams, seed: u64, trial: u64) -> TrialOutcome {
    run_one(scenario, &MultiSite::new(params).unwrap(), seed, trial)
}

/// By hand: the survivor serves its half throughout; detection (90 s) reroutes everything to
/// it, and clients follow within the 60 s TTL: 90 + 60 = 150 s. With an anycast router (TTL 0)
/// the RTO is the detection alone: 90 s.
#[test]
fn rto_is_detection_plus_ttl_by_hand() {
    let scenario = setup().scenario();
    let o = run(&scenario, params(1.0, 120, 60), 1, 0);
    assert_eq!(o.detection_delay, secs(90));
    assert_eq!(o.first_partial_service, Some(SimDuration::ZERO));
    assert_eq!(o.rto, Some(SimDuration::from_nanos(150_000_000_000)));
    assert_eq!(run(&scenario, params(1.0, 120, 0), 1, 0).rto, Some(SimDuration::from_nanos(90_000_000_000)));
}

/// Half capacity per site: the survivor (4 of 8) scales out once traffic is rerouted, 4 launches
/// of 120 s in parallel: 90 + max(TTL 60, 120) = 210 s. A long TTL is then the critical path:
/// 90 + max(300, 120) = 390 s.
#[test]
fn a_short_survivor_scales_out_after_rerouting() {
    let scenario = setup().scenario();
    assert_eq!(run(&scenario, params(0.5, 120, 60), 1, 0).rto, Some(SimDuration::from_nanos(210_000_000_000)));
    assert_eq!(run(&scenario, params(0.5, 120, 300), 1, 0).rto, Some(SimDuration::from_nanos(390_000_000_000)));
}

#[test]
fn steady_state_serves_from_both_sites() {
    let d = setup().scenario().deployment;
    let s = MultiSite::default().steady_state(&d).unwrap();
    assert_eq!(s.capacity, vec![("P".into(), 8), ("S".into(), 8)]);
    assert_eq!(s.traffic, vec![("P".into(), 0.5), ("S".into(), 0.5)]);
    assert_eq!(s.data_ready, vec!["P".to_string(), "S".to_string()]);
    let uneven = MultiSite::new(MultiSiteParams {
        weights: vec![3.0, 1.0],
        capacity_per_site_fraction: 0.75,
        ..Default::default()
    })
    .unwrap();
    let s = uneven.steady_state(&d).unwrap();
    assert_eq!(s.capacity, vec![("P".into(), 6), ("S".into(), 6)]);
    assert_eq!(s.traffic, vec![("P".into(), 0.75), ("S".into(), 0.25)]);
}

/// Failback by hand. The disaster destroys P; it is back 2 h later and must take the 10 GB data
/// set plus 2 h of writes at 5 × 64 KiB/s over the 50 MB/s link, less the write rate, while S
/// goes on serving. No write freeze; failback ends one TTL (60 s) after traffic is split again,
/// when S drops the 4 instances it added.
#[test]
fn failback_loses_nothing_without_freezing_writes() {
    let scenario = setup().scenario();
    let o = run(&scenario, params(0.5, 120, 60), 3, 0);
    // The writes to resync are the trial's own, from the first served demand to the primary's
    // return: compound Poisson (5/s of Exp(64 KiB)), within 5 sd of its mean.
    let write_rate = 5.0 * 65_536.0;
    let fb_start = SimDuration::from_hours(2).max(o.rto.unwrap());
    let serving = fb_start.as_secs_f64() - o.first_partial_service.unwrap().as_secs_f64();
    let catch_up = o.failback.unwrap().as_secs_f64() - 60.0;
    let written = catch_up * (50e6 - write_rate) - 10e9;
    let (mean, sd) = (write_rate * serving, (5.0 * serving * 2.0 * 65_536.0f64.powi(2)).sqrt());
    assert!((written - mean).abs() < 5.0 * sd, "{written} vs {mean} ± {sd}");
    assert_eq!(o.write_freeze, Some(SimDuration::ZERO));
    assert_eq!(o.failback_bytes_lost, 0);
    assert_eq!((o.rpo.unwrap(), o.writes_lost), (SimDuration::ZERO, 0));
    assert!(!o.flags.recovery_failed && !o.flags.outlasted_horizon);
}

/// Nothing is lost by construction: the repaired site takes traffic only once it has caught up.
#[test]
fn failback_routes_back_only_after_the_resync() {
    let scenario = setup().scenario();
    let strategy = MultiSite::new(params(0.5, 120, 60)).unwrap();
    let steady = strategy.steady_state(&scenario.deployment).unwrap();
    let t = |s| SimTime::ZERO + secs(s);
    let ctx = FailbackContext {
        deployment: &scenario.deployment,
        steady: &steady,
        disaster_at: t(100),
        restored_at: t(250),
        serving: &scenario.deployment.standby,
        copies: &[],
        primary_back_at: t(7300),
        bytes_to_resync: 10e9,
        write_bytes_per_s: 327_680.0,
        reverse_throughput_bytes_per_s: 50e6,
        latency: SimDuration::from_millis(40),
    };
    let rb = strategy.failback(&ctx).unwrap();
    rb.validate().unwrap();
    let step = |name| rb.steps.iter().find(|s| s.name == name).unwrap();
    assert_eq!(step(steps::DATA_READY).after, vec![steps::RESYNC.to_string()]);
    assert_eq!(step(steps::ROUTE_BACK).after, vec![steps::DATA_READY.to_string()]);
    assert!(rb.steps.iter().all(|s| !matches!(s.effect, Effect::FreezeWrites)));
    assert_eq!(step(steps::SCALE_IN).effect, Effect::RemoveCapacity { site: "S".into(), instances: 4 });
    let ctx = FailbackContext { write_bytes_per_s: 60e6, ..ctx };
    assert!(matches!(strategy.failback(&ctx), Err(StrategyError::CannotCatchUp { .. })));
    // The recovery runbook names only the survivor.
    let loss = Loss::default();
    let rctx = RecoveryContext {
        deployment: &scenario.deployment,
        steady: &steady,
        disaster_at: t(100),
        detected_at: t(190),
        loss,
        target: &scenario.deployment.standby,
        copies: &[],
        attempt: 0,
        stores: &[],
    };
    let rb = strategy.recovery(&rctx).unwrap();
    assert_eq!(rb.steps[0].effect, Effect::RouteTraffic { sites: vec!["S".into()], ttl: secs(60) });
}

/// The realistic deployment of the band tests: 8 instances, Route 53 health checks
/// (30 s × 3), a 1 Gbit/s link with 30–40 ms latency, 50 writes/s of 8 KiB.
fn realistic() -> DisasterScenario {
    Setup {
        writes_per_s: 50.0,
        mean_write_bytes: 8_192.0,
        latency: DurationDistribution::new(Distribution::uniform(0.030, 0.040).unwrap()).unwrap(),
        bandwidth_bytes_per_s: 125e6,
        detection: Detection::default(),
        warm_up: SimDuration::from_mins(2),
        window: SimDuration::from_mins(2),
        ..setup()
    }
    .scenario()
}

/// Practitioners' band (AWS whitepaper "Disaster Recovery of Workloads on AWS", figure of the
/// four strategies: multi-site active/active recovers in real time — seconds to a few minutes
/// once health checks and DNS are counted — with an RPO of zero under synchronous replication);
/// 300 disasters.
#[test]
fn practitioner_band_seconds_to_minutes() {
    let scenario = realistic();
    let strategy = MultiSite::default();
    let trial = DisasterTrial::new(&scenario, &strategy).unwrap();
    let mut rto = vec![];
    for i in 0..300 {
        let o = trial.run(11, i).unwrap();
        assert_eq!(
            (o.rpo.unwrap(), o.writes_lost),
            (SimDuration::ZERO, 0),
            "trial {i}: synchronous replication loses nothing"
        );
        rto.push(o.rto.unwrap());
    }
    let rto_p50 = median(rto);
    println!("multi-site (sync): median RTO {rto_p50}, RPO 0 in every trial");
    assert!(rto_p50 <= SimDuration::from_mins(5), "{rto_p50}");
}

/// With asynchronous replication the RPO is the replication queue: well under a second here.
#[test]
fn asynchronous_variant_loses_seconds_at_most() {
    let scenario = realistic();
    let strategy =
        MultiSite::new(MultiSiteParams { replication: ReplicationSpec::Asynchronous, ..Default::default() }).unwrap();
    let trial = DisasterTrial::new(&scenario, &strategy).unwrap();
    let rpo: Vec<_> = (0..100).map(|i| trial.run(11, i).unwrap().rpo.unwrap()).collect();
    let (rpo_p50, rpo_p99) = (median(rpo.clone()), quantile(rpo, 0.99));
    println!("multi-site (async): median RPO {rpo_p50}, p99 RPO {rpo_p99}");
    assert!(rpo_p99 < secs(1), "{rpo_p99}");
}

#[test]
fn bad_parameters_are_named() {
    let field_of = |p: MultiSiteParams| match MultiSite::new(p) {
        Err(StrategyError::BadParameter { field, .. }) => field,
        other => panic!("expected BadParameter, got {other:?}"),
    };
    let d = MultiSiteParams::default;
    for w in [&[f64::NAN, 1.0][..], &[-1.0, 1.0], &[0.0, 0.0], &[f64::INFINITY, 1.0], &[1.0], &[1.0, 1.0, 1.0]] {
        assert_eq!(field_of(MultiSiteParams { weights: w.to_vec(), ..d() }), "weights");
    }
    // One weight per active site: the primary, the standby, then `sites`.
    MultiSite::new(MultiSiteParams { sites: vec!["T".into()], weights: vec![1.0, 1.0, 2.0], ..d() }).unwrap();
    for sites in [vec!["T".to_string(), "T".into()], vec![String::new()]] {
        assert_eq!(field_of(MultiSiteParams { sites, ..d() }), "sites");
    }
    for f in [0.0, -0.5, 1.5, f64::NAN, 0.4] {
        assert_eq!(field_of(MultiSiteParams { capacity_per_site_fraction: f, ..d() }), "capacity_per_site_fraction");
    }
    let endless = DurationDistribution::new(Distribution::pareto(60.0, 0.9).unwrap()).unwrap();
    assert_eq!(field_of(MultiSiteParams { launch: endless, ..d() }), "launch");
    let snapshots = ReplicationSpec::Snapshot(SnapshotSpec {
        interval: SimDuration::from_hours(1),
        phase: None,
        size: SnapshotKind::Incremental,
        retention: Default::default(),
        failure_probability: 0.0,
        vault: Default::default(),
    });
    assert_eq!(field_of(MultiSiteParams { replication: snapshots, ..d() }), "replication");
    let e = MultiSite::new(MultiSiteParams { capacity_per_site_fraction: 0.3, ..d() }).unwrap_err();
    assert!(e.to_string().contains("capacity_per_site_fraction = 0.3"), "{e}");
}

#[test]
fn params_read_from_toml() {
    let p: MultiSiteParams = toml::from_str(
        r#"
        replication = { mode = "synchronous", on_link_down = "degrade_to_async" }
        weights = [2, 1]
        capacity_per_site_fraction = 0.7
        dns_ttl = "0s"
        launch = { kind = "lognormal", median = "2m", sigma = 0.3 }
        "#,
    )
    .unwrap();
    assert_eq!(p.weights, [2.0, 1.0]);
    assert_eq!(p.launch, MultiSiteParams::default().launch);
    p.validate().unwrap();
    let back: MultiSiteParams = toml::from_str(&toml::to_string(&p).unwrap()).unwrap();
    assert_eq!(back, p);
    let empty: MultiSiteParams = toml::from_str("").unwrap();
    assert_eq!(empty, MultiSiteParams::default());
    assert!(toml::from_str::<MultiSiteParams>("weight = [1, 1]").is_err());
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]
    /// For any fixed times: RTO = detection + max(TTL, launch when the survivor is short).
    #[test]
    fn rto_is_exact_for_any_fixed_times(
        detect in 1u64..600, launch in 0u64..900, ttl in 0u64..300, half: bool, trial in 0u64..1000,
    ) {
        let scenario = Setup { detection: Detection::Delay { delay: fixed(detect) }, ..setup() }.scenario();
        let fraction = if half { 0.5 } else { 1.0 };
        let o = run(&scenario, params(fraction, launch, ttl), 5, trial);
        let scale_out = if half { launch } else { 0 };
        prop_assert_eq!(o.rto, Some(secs(detect + ttl.max(scale_out))));
    }
}
