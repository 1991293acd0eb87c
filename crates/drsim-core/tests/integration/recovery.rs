//! Runbooks, detection and disaster trials against hand computations and closed forms.

use drsim_core::engine::{Distribution, DurationDistribution, SimDuration, SimTime, TrialStreams};
use drsim_core::model::{
    FailureProcess, FailureTarget, LinkSpec, ReplicationSpec, SiteSpec, Topology, TopologySpec, WorkloadSpec, ZoneSpec,
};
use drsim_core::recovery::{
    Deployment, Detection, Effect, FailbackContext, RecoveryContext, Runbook, RunbookEnd, RunbookError, ServiceState,
    ServiceWatch, SteadyState, Step, Strategy, StrategyError, execute,
};
use drsim_core::trial::streams::{DETECTION, STRATEGY};
use drsim_core::trial::{DisasterScenario, DisasterSpec, DisasterTrial, Objectives};

use crate::stats::assert_mean_near;

fn secs(s: u64) -> DurationDistribution {
    DurationDistribution::fixed(SimDuration::from_secs(s))
}

fn at(s: u64) -> SimTime {
    SimTime::ZERO + SimDuration::from_secs(s)
}

/// Health checks every I with threshold k at a random phase: the delay is uniform on
/// [(k−1)·I, k·I), mean (k − ½)·I = 75 s for 30 s × 3. Tolerance 4 SE (SE = I/√12/√n). The
/// simulated delays are also the validation cases "detection mean (k − ½)·I" and "detection
/// delay in [(k−1)·I, k·I)"; this test also checks `Detection::mean_delay_secs`, the
/// closed form `drsim validate` prints.
#[test]
fn health_check_detection_mean_is_k_minus_half_intervals() {
    let d = Detection::HealthCheck { interval: SimDuration::from_secs(30), failures: 3 };
    let mut rng = TrialStreams::new(12, 0).rng(DETECTION);
    let delays: Vec<f64> = (0..20_000).map(|_| (d.detect(at(1000), &mut rng) - at(1000)).as_secs_f64()).collect();
    assert!(delays.iter().all(|&x| (60.0..90.0).contains(&x)), "within [(k-1)I, kI)");
    assert_mean_near("detection delay", &delays, 75.0, 4.0);
    assert!((d.mean_delay_secs().unwrap() - 75.0).abs() < 1e-9);
}

fn site_index(name: &str) -> Option<usize> {
    ["P", "S"].iter().position(|&n| n == name)
}

/// With fixed durations the runbook ends on its critical path, by hand:
/// A 10 s → (B 20 s, C 5 s × 3 in parallel) → D 7 s after both: 10 + 20 + 7 = 37 s.
#[test]
fn runbook_ends_on_its_critical_path() {
    let rb = Runbook::new(vec![
        Step::new("A", secs(10)),
        Step::new("B", secs(20)).after(["A"]),
        Step::new("C", secs(5)).after(["A"]).parallel(3),
        Step::new("D", secs(7)).after(["B", "C"]),
    ]);
    assert_eq!(rb.critical_path_secs(), Some(37.0));
    let mut service = ServiceState::new(2, 1);
    let mut watch = ServiceWatch::new(1.0);
    let mut rng = TrialStreams::new(1, 0).rng(STRATEGY);
    let run = execute(&rb, at(100), SimTime::MAX, &mut rng, &mut service, &mut watch, &site_index).unwrap();
    assert_eq!(run.end, RunbookEnd::Completed(at(137)));
    assert_eq!(run.step_done, vec![Some(at(110)), Some(at(130)), Some(at(115)), Some(at(137))]);
}

/// A step failing with probability p per attempt and retried until it succeeds takes a
/// geometric number of attempts: mean duration T/(1−p) = 20 s for T = 10 s, p = ½. SE from
/// the geometric's sd √p/(1−p) attempts; tolerance 4 SE.
#[test]
fn retries_take_a_geometric_number_of_attempts() {
    let rb = Runbook::new(vec![Step::new("flaky", secs(10)).may_fail(0.5, 1000)]);
    let mut rng = TrialStreams::new(2, 0).rng(STRATEGY);
    let durations: Vec<f64> = (0..4000)
        .map(|_| {
            let mut service = ServiceState::new(2, 1);
            let mut watch = ServiceWatch::new(1.0);
            match execute(&rb, at(0), SimTime::MAX, &mut rng, &mut service, &mut watch, &site_index).unwrap().end {
                RunbookEnd::Completed(t) => t.as_secs_f64(),
                other => panic!("{other:?}"),
            }
        })
        .collect();
    assert_mean_near("duration with retries", &durations, 20.0, 4.0);
}

#[test]
fn exhausted_retries_fail_the_runbook() {
    let rb = Runbook::new(vec![Step::new("doomed", secs(10)).may_fail(0.999_999, 2)]);
    let mut rng = TrialStreams::new(3, 0).rng(STRATEGY);
    let mut service = ServiceState::new(2, 1);
    let mut watch = ServiceWatch::new(1.0);
    let run = execute(&rb, at(0), SimTime::MAX, &mut rng, &mut service, &mut watch, &site_index).unwrap();
    // Three attempts of 10 s each, all failed.
    assert_eq!(run.end, RunbookEnd::Failed { step: "doomed".into(), at: at(30) });
}

#[test]
fn invalid_runbooks_are_refused_by_name() {
    let cyc = Runbook::new(vec![Step::new("a", secs(1)).after(["b"]), Step::new("b", secs(1)).after(["a"])]);
    assert!(matches!(cyc.validate(), Err(RunbookError::Cycle(_))));
    let unknown = Runbook::new(vec![Step::new("a", secs(1)).after(["ghost"])]);
    assert!(unknown.validate().unwrap_err().to_string().contains("\"ghost\""));
    let dup = Runbook::new(vec![Step::new("a", secs(1)), Step::new("a", secs(2))]);
    assert_eq!(dup.validate(), Err(RunbookError::DuplicateStep("a".into())));
    let bad = Runbook::new(vec![Step::new("a", secs(1)).may_fail(1.5, 0)]);
    assert!(bad.validate().unwrap_err().to_string().contains("failure_probability = 1.5"));
    let site = Runbook::new(vec![Step::new("a", secs(1)).effect(Effect::DataReady { site: "Mars".into() })]);
    let mut rng = TrialStreams::new(1, 0).rng(STRATEGY);
    let e = execute(
        &site,
        at(0),
        SimTime::MAX,
        &mut rng,
        &mut ServiceState::new(2, 1),
        &mut ServiceWatch::new(1.0),
        &site_index,
    )
    .unwrap_err();
    assert!(e.to_string().contains("\"Mars\""), "{e}");
}

/// A strategy written in the test, only against the public API: the reference recovery of
/// benchmarks.md section 2 (2 of 8 instances running; launch 6 and promote the database in
/// parallel; then DNS).
struct Reference {
    launch: DurationDistribution,
}

impl Strategy for Reference {
    fn name(&self) -> &str {
        "reference"
    }
    fn steady_state(&self, _: &Deployment) -> Result<SteadyState, StrategyError> {
        Ok(SteadyState {
            replication: ReplicationSpec::Asynchronous,
            capacity: vec![("P".into(), 8), ("S".into(), 2)],
            traffic: vec![("P".into(), 1.0)],
            data_ready: vec!["P".into()],
            database_size: vec![],
        })
    }
    fn recovery(&self, _: &RecoveryContext<'_>) -> Result<Runbook, StrategyError> {
        Ok(Runbook::new(vec![
            Step::new("launch", self.launch.clone())
                .parallel(6)
                .effect(Effect::AddCapacity { site: "S".into(), instances: 1 }),
            Step::new("promote", secs(30)).effect(Effect::DataReady { site: "S".into() }),
            Step::new("dns", secs(0))
                .after(["launch", "promote"])
                .effect(Effect::RouteTraffic { sites: vec!["S".into()], ttl: SimDuration::from_secs(60) }),
        ]))
    }
    fn failback(&self, ctx: &FailbackContext<'_>) -> Result<Runbook, StrategyError> {
        let catch_up = ctx.catch_up_secs().unwrap_or(0.0);
        Ok(Runbook::new(vec![
            Step::new("catch up", DurationDistribution::fixed(SimDuration::from_secs_f64(catch_up))),
            Step::new("freeze", secs(0)).after(["catch up"]).effect(Effect::FreezeWrites),
            Step::new("promote primary", secs(30)).after(["freeze"]).effect(Effect::DataReady { site: "P".into() }),
            Step::new("dns back", secs(0))
                .after(["promote primary"])
                .effect(Effect::RouteTraffic { sites: vec!["P".into()], ttl: SimDuration::from_secs(60) }),
            Step::new("unfreeze", secs(0)).after(["dns back"]).effect(Effect::UnfreezeWrites),
        ]))
    }
}

fn reference_scenario(detection: Detection) -> DisasterScenario {
    let latency = DurationDistribution::new(Distribution::uniform(0.040, 0.050).unwrap()).unwrap();
    let topology = Topology::new(TopologySpec {
        regions: vec!["A".into(), "B".into()],
        zones: vec![
            ZoneSpec { name: "a1".into(), region: "A".into() },
            ZoneSpec { name: "b1".into(), region: "B".into() },
        ],
        sites: vec![
            SiteSpec { name: "P".into(), zone: "a1".into(), instances_running: 8, instances_needed: 8 },
            SiteSpec { name: "S".into(), zone: "b1".into(), instances_running: 2, instances_needed: 8 },
        ],
        links: vec![LinkSpec::new("P", "S", latency, 50e6).unwrap()],
    })
    .unwrap();
    DisasterScenario {
        deployment: Deployment {
            topology,
            primary: "P".into(),
            standby: "S".into(),
            workload: WorkloadSpec::poisson(50.0, Distribution::exponential(655_360.0).unwrap()).unwrap(),
            dataset_bytes: 0.0,
            stores: vec![],
            tiers: vec![],
        },
        event: DisasterSpec {
            target: FailureTarget::Region("A".into()),
            warm_up: SimDuration::from_secs(60),
            window: SimDuration::from_secs(60),
            repair: DurationDistribution::fixed(SimDuration::from_hours(4)),
            primary_data_survives: true,
        },
        mix: vec![],
        detection,
        service_level: 1.0,
        objectives: Objectives { rto: Some(SimDuration::from_mins(5)), rpo: Some(SimDuration::from_secs(1)) },
        faults: vec![],
        horizon: SimDuration::from_days(7),
    }
}

/// Every duration fixed: RTO = detection 90 s + max(launch 120 s, promote 30 s) + TTL 60 s =
/// 270 s exactly; the first partial service comes 1 ns after the DNS switch at 210 s. Failback
/// after a 4 h repair: catch-up of the writes since 210 s (32.768 MB/s × 14,190 s ≈ 465 GB)
/// at 50 − 32.768 MB/s = 17.232 MB/s takes about 27,000 s, then promote 30 s and switch;
/// writes frozen for 30 s.
#[test]
fn fixed_durations_give_the_critical_path_exactly() {
    let sc = reference_scenario(Detection::Delay { delay: secs(90) });
    let strategy = Reference { launch: secs(120) };
    let trial = DisasterTrial::new(&sc, &strategy).unwrap();
    for i in 0..20 {
        let o = trial.run(9, i).unwrap();
        assert_eq!(o.detection_delay, SimDuration::from_secs(90));
        assert_eq!(o.rto, Some(SimDuration::from_secs(270)), "trial {i}");
        assert_eq!(o.first_partial_service, Some(SimDuration::from_secs(210) + SimDuration::from_nanos(1)));
        assert_eq!(o.rto_met, Some(true));
        assert_eq!(o.write_freeze, Some(SimDuration::from_secs(30)));
        // The bytes to catch up are the trial's own writes from the first partial service
        // (210 s) to the primary's return: compound Poisson, 50 writes/s of Exp(655,360 B),
        // mean 50 T m and sd sqrt(50 T · 2 m²); the failback is within 5 sd of its mean.
        let fb = o.failback.unwrap().as_secs_f64();
        let (rate, m, t): (f64, f64, f64) = (50.0, 655_360.0, 14_400.0 - 210.0);
        let net = 50e6 - 32.768e6;
        let expected = rate * t * m / net + 30.0;
        let sd = (rate * t * 2.0 * m * m).sqrt() / net;
        assert!((fb - expected).abs() < 5.0 * sd, "failback {fb} vs {expected} ± {sd}");
        assert_eq!(o.failback_bytes_lost, 0);
        assert!(!o.flags.recovery_failed && !o.flags.unstable_replication);
    }
}

/// The same strategies face the same disasters: the disaster time and the RPO of trial i do
/// not depend on the strategy (common random numbers), and rerunning gives identical records.
#[test]
fn common_random_numbers_and_reproducibility() {
    let sc = reference_scenario(Detection::default());
    let fast = Reference { launch: secs(60) };
    let slow = Reference { launch: DurationDistribution::new(Distribution::lognormal(120.0, 0.3).unwrap()).unwrap() };
    let a = DisasterTrial::new(&sc, &fast).unwrap();
    let b = DisasterTrial::new(&sc, &slow).unwrap();
    for i in 0..50 {
        let (x, y) = (a.run(5, i).unwrap(), b.run(5, i).unwrap());
        assert_eq!((x.disaster_at, x.rpo, x.writes_lost), (y.disaster_at, y.rpo, y.writes_lost));
        assert_eq!(x.detection_delay, y.detection_delay);
        assert_eq!(b.run(5, i).unwrap(), y);
        assert!(x.rto.unwrap() >= x.detection_delay, "RTO includes detection");
    }
}

/// A standby that keeps failing mid-recovery (mean time to failure 200 s, much shorter than
/// the recovery; repairs 600 s, so it is down 3/4 of the time, from its stationary start)
/// restarts its recovery; the trial says so and still reports an honest RTO (longer than
/// without faults) or none within the horizon, flagged.
#[test]
fn faults_during_recovery_restart_it() {
    let mut sc = reference_scenario(Detection::Delay { delay: secs(90) });
    sc.faults = vec![FailureProcess {
        target: FailureTarget::Site("S".into()),
        time_between_failures: DurationDistribution::new(Distribution::exponential(200.0).unwrap()).unwrap(),
        time_to_repair: secs(600),
    }];
    let strategy = Reference { launch: secs(120) };
    let trial = DisasterTrial::new(&sc, &strategy).unwrap();
    let outcomes: Vec<_> = (0..200).map(|i| trial.run(4, i).unwrap()).collect();
    let interrupted = outcomes.iter().filter(|o| o.flags.recovery_interrupted).count();
    // P(no failure within the 270 s recovery) = e^{-270/200} = 0.26 per attempt.
    assert!(interrupted > 100, "{interrupted} of 200 interrupted");
    for o in &outcomes {
        let Some(rto) = o.rto else {
            assert!(o.flags.outlasted_horizon, "unrecovered but not flagged: {o:?}");
            continue;
        };
        assert!(rto >= o.detection_delay);
        if o.flags.recovery_interrupted {
            // After the repair (600 s) recovery starts over: launch 120 s + TTL 60 s at least.
            assert!(rto >= SimDuration::from_secs(600 + 180), "a fault costs at least its repair");
        } else if o.flags.recovery_delayed {
            assert!(rto > SimDuration::from_secs(270));
        } else {
            assert_eq!(rto, SimDuration::from_secs(270));
        }
    }
}

#[test]
fn disasters_that_miss_the_primary_or_hit_the_standby_are_refused() {
    let mut sc = reference_scenario(Detection::default());
    sc.event.target = FailureTarget::Region("B".into());
    let strategy = Reference { launch: secs(1) };
    let e = DisasterTrial::new(&sc, &strategy).err().unwrap().to_string();
    assert!(e.contains("does not take down the primary"), "{e}");
    sc.event.target = FailureTarget::Region("Nowhere".into());
    assert!(DisasterTrial::new(&sc, &strategy).err().unwrap().to_string().contains("Nowhere"));
}

/// Summaries do not depend on the thread count, and shards merge exactly: 1 thread, 2 threads
/// and two shards merged all give the same summary, to the bit.
#[test]
fn monte_carlo_is_thread_and_shard_independent() {
    use drsim_core::montecarlo::{TrialsSummary, run_trials};
    let sc = reference_scenario(Detection::default());
    let strategy =
        Reference { launch: DurationDistribution::new(Distribution::lognormal(120.0, 0.3).unwrap()).unwrap() };
    let trial = DisasterTrial::new(&sc, &strategy).unwrap();
    let on = |threads: usize, range: std::ops::Range<u64>| {
        let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
        pool.install(|| run_trials(&trial, 11, range)).unwrap()
    };
    let one = on(1, 0..300);
    let two = on(2, 0..300);
    assert_eq!(one, two);
    let mut merged = TrialsSummary::default();
    merged.merge(&on(2, 150..300));
    merged.merge(&on(1, 0..150));
    assert_eq!(merged, one);
    assert_eq!(one.trials, 300);
    assert_eq!(one.rto.count(), 300);
    let rto = one.rto.summary(1e-9).unwrap();
    assert!(rto.p50 >= rto.min && rto.p99 <= rto.max && rto.ci95 > 0.0);
}

/// Paired comparison under common random numbers: a strategy against itself differs by
/// exactly zero in every trial; launches fixed at 60 s against LogNormal(120 s, 0.3) launches
/// (the slowest of six) differ by the expected max of six launches minus 60 s: positive.
#[test]
fn paired_difference_uses_common_random_numbers() {
    use drsim_core::montecarlo::paired_difference;
    let sc = reference_scenario(Detection::default());
    let fast = Reference { launch: secs(60) };
    let slow = Reference { launch: DurationDistribution::new(Distribution::lognormal(120.0, 0.3).unwrap()).unwrap() };
    let (a, b) = (DisasterTrial::new(&sc, &fast).unwrap(), DisasterTrial::new(&sc, &slow).unwrap());
    let rto = |o: &drsim_core::trial::TrialOutcome| o.rto.map(|r| r.as_nanos());
    let same = paired_difference(&a, &a, 3, 0..200, rto).unwrap().expect("every trial recovers");
    assert_eq!((same.pairs, same.mean, same.ci95), (200, 0.0, 0.0));
    let d = paired_difference(&a, &b, 3, 0..400, rto).unwrap().expect("every trial recovers");
    assert!(d.mean - d.ci95 > 60.0, "slow launches cost more than a minute (seconds): {d:?}");
    let never = |_: &drsim_core::trial::TrialOutcome| None;
    assert_eq!(paired_difference(&a, &b, 3, 0..10, never).unwrap(), None, "no pair: no difference");
}

/// Horizon run against the renewal-reward theorem. The primary's region fails after Exp(mean
/// 60 d) and is repaired after X ~ Exp(mean 600 s); the strategy restores service R = 270 s
/// after each failure (every duration fixed). Each incident costs min(R, X) of downtime, with
/// E[min(R, X)] = 600·(1 − e^{−270/600}) = 217.42 s, and a failover (with data loss) exactly
/// when X > R, probability e^{−0.45} = 0.6376; a failover also costs failback's 30 s write
/// freeze: 217.42 + 0.6376 × 30 = 236.55 s per incident. Over L = 3650 d the expected number
/// of incidents is L / (60 d + 600 s) = 60.826 (the renewal function's correction,
/// (λ/(λ+μ))² ≈ 10⁻⁸, is negligible), so the expected downtime per run is 14,388 s.
/// Tolerance: 4 standard errors over 40 independent runs.
#[test]
fn horizon_downtime_matches_renewal_reward() {
    use drsim_core::horizon::{HorizonSpec, run_horizons};
    let sc = reference_scenario(Detection::Delay { delay: secs(90) });
    let strategy = Reference { launch: secs(120) };
    let trial = DisasterTrial::new(&sc, &strategy).unwrap();
    let spec = HorizonSpec {
        length: SimDuration::from_days(3650),
        failures: vec![FailureProcess {
            target: FailureTarget::Region("A".into()),
            time_between_failures: DurationDistribution::new(Distribution::exponential(60.0 * 86_400.0).unwrap())
                .unwrap(),
            time_to_repair: DurationDistribution::new(Distribution::exponential(600.0).unwrap()).unwrap(),
        }],
        logical: vec![],
    };
    let summary = run_horizons(&trial, &spec, 21, 0..40).unwrap();
    let e_min = 600.0 * (1.0 - (-0.45f64).exp());
    let incidents = 3650.0 * 86_400.0 / (60.0 * 86_400.0 + 600.0);
    let d = summary.downtime.summary(1e-9).unwrap();
    // A failover (X > R, probability e^-0.45) also costs failback's 30 s write freeze.
    let expected = incidents * (e_min + (-0.45f64).exp() * 30.0);
    assert!((d.mean - expected).abs() <= 4.0 * d.ci95 / 1.96, "downtime {} ± {} vs {expected}", d.mean, d.ci95);
    let inc = summary.incidents.summary(1.0).unwrap();
    assert!((inc.mean - incidents).abs() <= 4.0 * inc.ci95 / 1.96, "incidents {} vs {incidents}", inc.mean);
    let fo = summary.failovers.summary(1.0).unwrap();
    let p = fo.mean / inc.mean;
    let se = (0.6376 * 0.3624 / (inc.mean * 40.0)).sqrt();
    assert!((p - (-0.45f64).exp()).abs() <= 4.0 * se, "failover fraction {p}");
    let (a, half) = summary.availability().unwrap();
    assert!((a - (1.0 - expected / (3650.0 * 86_400.0))).abs() <= 4.0 * half / 1.96, "availability {a} ± {half}");
    assert!(summary.nines().unwrap() > 4.0);
}
