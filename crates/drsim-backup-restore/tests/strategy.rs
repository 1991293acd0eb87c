//! Backup & restore against hand-computed critical paths and the practitioners' RTO/RPO bands.

use drsim_backup_restore::{BackupKind, BackupRestore, BackupRestoreParams, steps};
use drsim_core::engine::{Distribution, DurationDistribution, SimDuration, SimTime};
use drsim_core::model::replication::Retention;
use drsim_core::model::{ReplicationSpec, SnapshotKind};
use drsim_core::recovery::{Detection, FailbackContext, Strategy, StrategyError};
use drsim_core::testing::{fixed, median, recovery_runbook, run_one, secs};
use drsim_core::trial::{DisasterScenario, DisasterTrial, TrialOutcome, TwoRegions as Setup};

/// This crate's test deployment: `TwoRegions`'s defaults but for the fields set here.
fn setup() -> Setup {
    Setup { dataset_bytes: 100e9, repair: DurationDistribution::fixed(SimDuration::from_days(1)), ..Setup::default() }
}

/// Every duration fixed, so the RTO is the critical path.
fn fixed_params() -> BackupRestoreParams {
    BackupRestoreParams {
        declare: fixed(1800),
        provision: fixed(600),
        restore_overhead: fixed(300),
        restore_throughput_bytes_per_s: 200e6,
        launch: fixed(120),
        dns_ttl: secs(60),
        ..BackupRestoreParams::default()
    }
}

fn run(scenario: &DisasterScenario, params: BackupRestoreParams, seed: u64, trial: u64) -> TrialOutcome {
    run_one(scenario, &BackupRestore::new(params).unwrap(), seed, trial)
}

/// By hand: detection 90 s, declaration 1800 s, provisioning 600 s, then in parallel the
/// restore (300 s + 100 GB / 200 MB/s = 800 s) and 8 launches of 120 s, then DNS with a 60 s
/// TTL: 90 + 1800 + 600 + max(800, 120) + 60 = 3350 s.
#[test]
fn rto_is_the_critical_path_by_hand() {
    let scenario = setup().scenario();
    let strategy = BackupRestore::new(fixed_params()).unwrap();
    // The runbook alone: 1800 + 600 + 800.
    assert_eq!(recovery_runbook(&scenario, &strategy, SimTime::ZERO + secs(100)).critical_path_secs(), Some(3200.0));
    let o = run(&scenario, fixed_params(), 1, 0);
    assert_eq!(o.detection_delay, secs(90));
    assert_eq!(o.rto, Some(SimDuration::from_nanos(3_350_000_000_000)));
    assert_eq!(o.first_partial_service, Some(secs(3290) + SimDuration::from_nanos(1)));
}

/// Without a declaration, and with launches slower than the restore:
/// 90 + 600 + max(800, 1000) + 60 = 1750 s.
#[test]
fn slow_launches_without_declaration() {
    let params = BackupRestoreParams { declare: fixed(0), launch: fixed(1000), ..fixed_params() };
    let scenario = setup().scenario();
    let strategy = BackupRestore::new(params.clone()).unwrap();
    assert!(
        recovery_runbook(&scenario, &strategy, SimTime::ZERO + secs(100))
            .steps
            .iter()
            .all(|s| s.name != steps::DECLARE)
    );
    assert_eq!(run(&scenario, params, 1, 0).rto, Some(SimDuration::from_nanos(1_750_000_000_000)));
}

/// Failback by hand. The disaster destroys P; it is back a day later. The DR site then holds the
/// 100 GB data set plus a day of writes at 5 × 64 KiB/s. Writes freeze; the DR site is backed up
/// at 200 MB/s; the backup is restored to P in 300 s plus the transfer at the slower of the
/// restore (200 MB/s) and the 50 MB/s link; users are repointed and writes resume. The freeze
/// is the backup plus the restore; failback ends one TTL (60 s) later, when clients have moved.
///
/// The day of writes is the trial's own (drawn from the workload, not its mean): the bytes
/// behind the freeze, `B = (freeze − 300 s) / (1/200 MB/s + 1/50 MB/s)`, must be the 100 GB
/// plus a compound-Poisson sum over the time the DR site took writes, within 5 standard
/// deviations of its mean `λ T m` (sd `sqrt(λ T · 2 m²)` for exponential sizes of mean m).
#[test]
fn failback_loses_nothing_and_freezes_for_backup_and_restore() {
    let scenario = setup().scenario();
    let o = run(&scenario, fixed_params(), 3, 0);
    let fb_start = SimDuration::from_days(1).max(o.rto.unwrap());
    let serving = fb_start.as_secs_f64() - o.first_partial_service.unwrap().as_secs_f64();
    let freeze = o.write_freeze.unwrap();
    let bytes = (freeze.as_secs_f64() - 300.0) / (1.0 / 200e6 + 1.0 / 50e6);
    let (mean, sd) = (5.0 * serving * 65_536.0, (5.0 * serving * 2.0 * 65_536.0f64.powi(2)).sqrt());
    assert!((bytes - 100e9 - mean).abs() < 5.0 * sd, "{bytes} vs {} ± {sd}", 100e9 + mean);
    assert_eq!(o.failback, Some(freeze + secs(60)));
    assert_eq!(o.failback_bytes_lost, 0);
    assert!(!o.flags.recovery_failed && !o.flags.outlasted_horizon);
}

/// Zero bytes lost by construction: the backup, the restore and the repoint all run inside the
/// freeze, which ends only once users point at the restored primary.
#[test]
fn failback_order_keeps_every_write() {
    let scenario = setup().scenario();
    let strategy = BackupRestore::default();
    let steady = strategy.steady_state(&scenario.deployment).unwrap();
    let t = |s| SimTime::ZERO + secs(s);
    let ctx = FailbackContext {
        deployment: &scenario.deployment,
        steady: &steady,
        disaster_at: t(100),
        restored_at: t(9000),
        serving: &scenario.deployment.standby,
        copies: &[],
        primary_back_at: t(90_000),
        bytes_to_resync: 100e9,
        write_bytes_per_s: 327_680.0,
        reverse_throughput_bytes_per_s: 50e6,
        latency: SimDuration::from_millis(40),
    };
    let rb = strategy.failback(&ctx).unwrap();
    rb.validate().unwrap();
    for step in [steps::BACKUP_DR, steps::RESTORE_PRIMARY, steps::REPOINT, steps::UNFREEZE] {
        assert!(
            rb.ancestors(step).expect("a step of the runbook").contains(steps::FREEZE),
            "{step} runs before the freeze"
        );
    }
    let before_unfreeze = rb.ancestors(steps::UNFREEZE).expect("a step of the runbook");
    assert!(before_unfreeze.contains(steps::REPOINT) && before_unfreeze.contains(steps::RESTORE_PRIMARY));
}

#[test]
fn steady_state_ships_backups_and_runs_nothing_at_the_dr_site() {
    let scenario = setup().scenario();
    let full = BackupRestore::new(BackupRestoreParams { backup_kind: BackupKind::Full, ..Default::default() }).unwrap();
    let steady = full.steady_state(&scenario.deployment).unwrap();
    assert_eq!(steady.capacity, vec![("P".into(), 8), ("S".into(), 0)]);
    assert_eq!(steady.data_ready, vec!["P".to_string()]);
    match steady.replication {
        ReplicationSpec::Snapshot(spec) => {
            assert_eq!(spec.size, SnapshotKind::Full { size_bytes: 100e9 });
            assert_eq!(spec.interval, SimDuration::from_hours(24));
            assert_eq!(spec.phase, None);
        }
        other => panic!("{other:?}"),
    }
    let mut bad = scenario.deployment.clone();
    bad.dataset_bytes = f64::NAN;
    assert!(matches!(full.steady_state(&bad), Err(StrategyError::Deployment { .. })));
}

/// Practitioners' band (AWS whitepaper "Disaster Recovery of Workloads on AWS", figure of the
/// four strategies: backup & restore recovers in hours, RPO in hours — up to the backup interval
/// plus the copy time). A realistic deployment: 8 instances, a 500 GB data set, daily
/// incremental backups copied over a 1 Gbit/s inter-region link, about 17 GB written a day
/// (0.1 writes/s of 2 MB: sparse writes keep the day of warm-up cheap), Route 53 health checks;
/// 300 disasters.
#[test]
fn practitioner_band_hours() {
    let scenario = Setup {
        writes_per_s: 0.1,
        mean_write_bytes: 2e6,
        latency: DurationDistribution::new(Distribution::uniform(0.030, 0.040).unwrap()).unwrap(),
        bandwidth_bytes_per_s: 125e6,
        dataset_bytes: 500e9,
        detection: Detection::default(),
        // Past the first daily copy; the schedule's phase is random in every trial.
        warm_up: SimDuration::from_hours(25),
        window: SimDuration::from_hours(1),
        ..setup()
    }
    .scenario();
    let strategy = BackupRestore::default();
    let trial = DisasterTrial::new(&scenario, &strategy).unwrap();
    let (mut rto, mut rpo) = (vec![], vec![]);
    for i in 0..300 {
        let o = trial.run(11, i).unwrap();
        rto.push(o.rto.unwrap());
        rpo.push(o.rpo.unwrap());
    }
    // A day's increment (about 17 GB) crosses the link in minutes: an hour bounds the copy.
    let interval_plus_copy = SimDuration::from_hours(25);
    assert!(rpo.iter().all(|&r| r > SimDuration::ZERO && r <= interval_plus_copy));
    let (rto_p50, rpo_p50) = (median(rto), median(rpo));
    println!("backup & restore: median RTO {rto_p50}, median RPO {rpo_p50}");
    assert!(rto_p50 >= SimDuration::from_hours(1) && rto_p50 <= SimDuration::from_hours(24), "{rto_p50}");
    assert!(rpo_p50 >= SimDuration::from_hours(6) && rpo_p50 <= SimDuration::from_hours(18), "{rpo_p50}");
}

#[test]
fn bad_parameters_are_named() {
    let field_of = |p: BackupRestoreParams| match BackupRestore::new(p) {
        Err(StrategyError::BadParameter { field, .. }) => field,
        other => panic!("expected BadParameter, got {other:?}"),
    };
    let d = BackupRestoreParams::default;
    assert_eq!(field_of(BackupRestoreParams { backup_interval: SimDuration::ZERO, ..d() }), "backup_interval");
    let keep_none = Retention { keep_newest: Some(0), max_age: None };
    assert_eq!(field_of(BackupRestoreParams { retention: keep_none, ..d() }), "retention.keep_newest");
    for p in [1.0, -0.1, f64::NAN] {
        let params = BackupRestoreParams { backup_failure_probability: p, ..d() };
        assert_eq!(field_of(params), "backup_failure_probability");
    }
    for t in [0.0, -1.0, f64::NAN, f64::INFINITY] {
        let params = BackupRestoreParams { restore_throughput_bytes_per_s: t, ..d() };
        assert_eq!(field_of(params), "restore_throughput_bytes_per_s");
        let params = BackupRestoreParams { backup_throughput_bytes_per_s: t, ..d() };
        assert_eq!(field_of(params), "backup_throughput_bytes_per_s");
    }
    let endless = DurationDistribution::new(Distribution::pareto(60.0, 0.9).unwrap()).unwrap();
    assert_eq!(field_of(BackupRestoreParams { declare: endless.clone(), ..d() }), "declare");
    assert_eq!(field_of(BackupRestoreParams { provision: endless.clone(), ..d() }), "provision");
    assert_eq!(field_of(BackupRestoreParams { restore_overhead: endless.clone(), ..d() }), "restore_overhead");
    assert_eq!(field_of(BackupRestoreParams { launch: endless, ..d() }), "launch");
    let e = BackupRestore::new(BackupRestoreParams { restore_throughput_bytes_per_s: -3.0, ..d() }).unwrap_err();
    assert!(e.to_string().contains("restore_throughput_bytes_per_s = -3"), "{e}");
}

#[test]
fn params_read_from_toml() {
    let p: BackupRestoreParams = toml::from_str(
        r#"
        backup_interval = "6h"
        backup_kind = "incremental"
        retention = { keep_newest = 28, max_age = "7d" }
        backup_failure_probability = 0.02
        declare = { kind = "lognormal", median = "30m", sigma = 0.5 }
        provision = "12m"
        restore_throughput_bytes_per_s = 400e6
        restore_overhead = "5m"
        launch = { kind = "lognormal", median = "2m", sigma = 0.3 }
        dns_ttl = "60s"
        backup_throughput_bytes_per_s = 300e6
        "#,
    )
    .unwrap();
    assert_eq!(p.backup_interval, SimDuration::from_hours(6));
    assert_eq!(p.retention.keep_newest, Some(28));
    assert_eq!(p.declare, BackupRestoreParams::default().declare);
    assert_eq!(p.provision, fixed(720));
    p.validate().unwrap();
    let back: BackupRestoreParams = toml::from_str(&toml::to_string(&p).unwrap()).unwrap();
    assert_eq!(back, p);
    let empty: BackupRestoreParams = toml::from_str("").unwrap();
    assert_eq!(empty, BackupRestoreParams::default());
    assert!(toml::from_str::<BackupRestoreParams>("backup_intervall = \"1h\"").is_err());
}
