//! Fault processes as the contract defines them (design brief §2, "Fault processes"; issue 13):
//! every process runs over the whole trial from its stationary state, acts on replication
//! before the disaster, on recovery after it and on failback; horizon incidents know what
//! failed; censored trials are counted, never dropped.
//!
//! Statistical tests use a fixed seed and a tolerance of 4 standard errors (a mean over
//! independent trials, or the Wilson interval of a proportion); each says where its expected
//! value comes from.
//!
//! The closed forms of these processes are also validation cases of `drsim::validation`
//! (`src/validation/faults.rs` in the facade, asserted by its `tests/integration/validation.rs`);
//! the horizon with both sites in the failing region is only there. The tests here that share a
//! case's parameters check more than it does (per-trial rules, a third instant, another
//! warm-up, more trials) and keep their own copy of the parameters: this crate's tests cannot
//! depend on the facade, which depends on this crate.

use drsim_core::engine::{Distribution, DurationDistribution, SimDuration, SimTime, TrialStreams};
use drsim_core::horizon::{HorizonSpec, run_horizon};
use drsim_core::model::{
    FailureProcess, FailureTarget, LinkDownPolicy, ReplicationSpec, SiteSpec, SnapshotKind, SnapshotSpec, Topology,
    TopologySpec, ZoneSpec, failure_timeline,
};
use drsim_core::montecarlo::TrialsSummary;
use drsim_core::recovery::{
    Deployment, Detection, Effect, FailbackContext, RecoveryContext, Runbook, SteadyState, Step, Strategy,
    StrategyError,
};
use drsim_core::trial::{DisasterScenario, DisasterTrial, TrialOutcome, TwoRegions};
use proptest::prelude::*;

use crate::stats::assert_mean_near;

fn secs(s: u64) -> DurationDistribution {
    DurationDistribution::fixed(SimDuration::from_secs(s))
}

fn exp_secs(mean: f64) -> DurationDistribution {
    DurationDistribution::new(Distribution::exponential(mean).unwrap()).unwrap()
}

/// A strategy with fixed steps (launch 120 s, then DNS with a 60 s TTL: 180 s from its start)
/// and the replication the test chooses; failback: catch up, freeze, promote 30 s, DNS back.
struct Fixed {
    replication: ReplicationSpec,
}

impl Strategy for Fixed {
    fn name(&self) -> &str {
        "fixed"
    }
    fn steady_state(&self, _: &Deployment) -> Result<SteadyState, StrategyError> {
        Ok(SteadyState {
            replication: self.replication.clone(),
            capacity: vec![("P".into(), 8)],
            traffic: vec![("P".into(), 1.0)],
            data_ready: vec!["P".into()],
            database_size: vec![],
        })
    }
    fn recovery(&self, _: &RecoveryContext<'_>) -> Result<Runbook, StrategyError> {
        Ok(Runbook::new(vec![
            Step::new("launch", secs(120)).effect(Effect::AddCapacity { site: "S".into(), instances: 8 }),
            Step::new("promote", secs(0)).effect(Effect::DataReady { site: "S".into() }),
            Step::new("dns", secs(0))
                .after(["launch", "promote"])
                .effect(Effect::RouteTraffic { sites: vec!["S".into()], ttl: SimDuration::from_secs(60) }),
        ]))
    }
    fn failback(&self, ctx: &FailbackContext<'_>) -> Result<Runbook, StrategyError> {
        let catch_up = ctx.catch_up_secs().ok_or(StrategyError::CannotCatchUp {
            strategy: "fixed".into(),
            write_bytes_per_s: ctx.write_bytes_per_s,
            throughput_bytes_per_s: ctx.reverse_throughput_bytes_per_s,
        })?;
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

fn run_all(sc: &DisasterScenario, replication: ReplicationSpec, seed: u64, n: u64) -> Vec<TrialOutcome> {
    let strategy = Fixed { replication };
    let trial = DisasterTrial::new(sc, &strategy).unwrap();
    (0..n).map(|i| trial.run(seed, i).unwrap()).collect()
}

fn proportion_near(what: &str, hits: usize, n: usize, p: f64) {
    let se = (p * (1.0 - p) / n as f64).sqrt();
    let got = hits as f64 / n as f64;
    assert!((got - p).abs() <= 4.0 * se, "{what}: {hits}/{n} = {got}, expected {p} ± 4 × {se}");
}

/// A fast link (1 ms, 1 GB/s) down 1/3 of the time: up Exp(10 min), down Exp(5 min); one-hour
/// warm-up (12 mean repairs: a down period older than the warm-up has probability e^-12).
fn flapping_link() -> DisasterScenario {
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
        time_between_failures: exp_secs(600.0),
        time_to_repair: exp_secs(300.0),
    }];
    sc
}

/// Finding 1, synchronous `degrade_to_async`: the link is down at the disaster with
/// probability 1/3 (stationary), and then everything written since it failed is lost: the
/// age of the down period, Exp(5 min) by memorylessness. So P(RPO > 0) = 1/3 and
/// E[RPO] = 1/3 × 300 s = 100 s (less the mean gap to the first write after the failure,
/// 0.2 s at 5 writes/s, well inside the tolerance). The same closed forms are the validation
/// cases "sync degrade: P(RPO > 0) = 1/3" and "E[RPO] = 1/3 × 300 s" (2,000 trials at the
/// facade's test); here with 4,000 trials and the per-trial rule that RPO is 0 exactly when
/// no write is lost.
#[test]
fn a_flapping_link_degrades_synchronous_replication() {
    let sc = flapping_link();
    let o = run_all(&sc, ReplicationSpec::Synchronous { on_link_down: LinkDownPolicy::DegradeToAsync }, 1301, 4000);
    let lossy = o.iter().filter(|o| o.rpo.unwrap() > SimDuration::ZERO).count();
    proportion_near("P(RPO > 0)", lossy, o.len(), 1.0 / 3.0);
    let rpo: Vec<f64> = o.iter().map(|o| o.rpo.unwrap().as_secs_f64()).collect();
    assert_mean_near("E[RPO] (s)", &rpo, 100.0, 4.0);
    // Synchronous replication with the link up loses nothing.
    assert!(o.iter().all(|o| o.rpo.unwrap().is_zero() == (o.writes_lost == 0)));
}

/// Finding 1, synchronous `block`: no write is ever lost, and writes are blocked 1/3 of the
/// time before the disaster (the mean of write_blocked / t_d is the unavailability 1/3). The
/// fraction is the validation case "sync block: writes blocked 1/3 of the time"; here also no
/// write lost (the case checks the RPO) and a commit latency of at least one round trip.
#[test]
fn a_flapping_link_blocks_synchronous_writes() {
    let sc = flapping_link();
    let o = run_all(&sc, ReplicationSpec::Synchronous { on_link_down: LinkDownPolicy::Block }, 1302, 2000);
    assert!(o.iter().all(|o| o.rpo.unwrap().is_zero() && o.writes_lost == 0), "block never loses a write");
    let frac: Vec<f64> = o.iter().map(|o| o.write_blocked.as_secs_f64() / o.disaster_at.as_secs_f64()).collect();
    assert_mean_near("blocked fraction", &frac, 1.0 / 3.0, 4.0);
    // Commit latency is reported for synchronous replication: at least one round trip.
    assert!(o.iter().all(|o| o.commit_latency_p50.is_some_and(|p| p >= SimDuration::from_millis(2))));
}

/// Finding 1, asynchronous: the link's outages queue writes, so the RPO is that of the
/// degraded synchronous case (the queue drains at 1 GB/s when the link returns).
#[test]
fn a_flapping_link_makes_asynchronous_replication_lose_more() {
    let sc = flapping_link();
    let o = run_all(&sc, ReplicationSpec::Asynchronous, 1303, 4000);
    let rpo: Vec<f64> = o.iter().map(|o| o.rpo.unwrap().as_secs_f64()).collect();
    assert_mean_near("E[RPO] (s)", &rpo, 100.0, 4.0);
}

/// Finding 2: a standby down half the time (up Exp(1 h), down Exp(1 h)). Recovery waits when
/// the standby is down at detection (probability 1/2: stationary, detection being independent
/// of it), or fails within the recovery R = 180 s that starts then:
/// P(delayed) = 1/2 + 1/2 (1 − e^{−R/1 h}) = 0.524385, whatever the detection delay D. (The
/// issue's 1/2 + 1/2 (1 − e^{−(D+R)/MTTF}) counts as delayed an outage that ends before
/// detection, which postpones nothing.) With D = 30 min the two differ (0.5244 against
/// 0.7115) by 12 standard errors: the test tells them apart, and tells "starts up" (0.0244)
/// apart from both. Findings 3 and the rule "never before detection": RTO ≥ D + R. The
/// probability is the validation case "standby down ½: P(delayed)" (2,000 trials); here with
/// 4,000, and per trial the stronger rule RTO ≥ D + R, delayed exactly when RTO > D + R.
#[test]
fn a_standby_down_half_the_time_delays_half_the_recoveries() {
    let mut sc = TwoRegions { detection: Detection::Delay { delay: secs(1800) }, ..TwoRegions::default() }.scenario();
    sc.faults = vec![FailureProcess {
        target: FailureTarget::Site("S".into()),
        time_between_failures: exp_secs(3600.0),
        time_to_repair: exp_secs(3600.0),
    }];
    let o = run_all(&sc, ReplicationSpec::Asynchronous, 1304, 4000);
    let delayed = o.iter().filter(|o| o.flags.recovery_delayed).count();
    let expected = 0.5 + 0.5 * (1.0 - (-180.0f64 / 3600.0).exp());
    proportion_near("P(recovery delayed)", delayed, o.len(), expected);
    for t in &o {
        if let Some(rto) = t.rto {
            assert!(rto >= SimDuration::from_secs(1980), "RTO {rto} before detection + recovery");
            assert_eq!(t.flags.recovery_delayed, rto > SimDuration::from_secs(1980), "{t:?}");
        } else {
            assert!(t.flags.outlasted_horizon);
        }
    }
}

/// Finding 3 by hand: a standby that fails at the disaster and is back 20 s later, with a
/// 600 s detection delay: recovery starts at detection, not at the repair: RTO = 600 + 180 s.
#[test]
fn a_standby_fault_before_detection_does_not_start_recovery_early() {
    let mut sc = TwoRegions {
        detection: Detection::Delay { delay: secs(600) },
        warm_up: SimDuration::ZERO,
        window: SimDuration::ZERO,
        ..TwoRegions::default()
    }
    .scenario();
    // Down 1/3 of the time with a 20 s repair: many trials start with the standby down.
    sc.faults = vec![FailureProcess {
        target: FailureTarget::Site("S".into()),
        time_between_failures: secs(40),
        time_to_repair: secs(20),
    }];
    // A fixed 40 s up / 20 s down cycle: the standby can fail again within the recovery,
    // so only check the floor: never before detection + recovery.
    let o = run_all(&sc, ReplicationSpec::Asynchronous, 1305, 200);
    for t in &o {
        assert!(t.rto.is_none_or(|r| r >= SimDuration::from_secs(780)), "{t:?}");
    }
    assert!(o.iter().any(|t| t.flags.recovery_delayed));
}

/// Weibull up times (shape 2, scale 10 h: mean 10 Γ(1.5) = 8.862 h) and fixed 5 h repairs:
/// the equilibrium start puts the site down with probability 5 / (8.862 + 5) = 0.3607, and
/// the process is stationary: the same probability at 0, 3 h and 7 h (a wrong residual would
/// drift towards it instead). The validation cases "P(down at 0 h)" and "P(down at 3 h)"
/// check two instants with 1,000 trials; this test adds 7 h and has 20,000 trials per instant
/// (4 SE = 0.014), fine enough to see a residual law that drifts.
#[test]
fn weibull_processes_start_in_their_equilibrium() {
    let site = |n: &str| SiteSpec { name: n.into(), zone: "z".into(), instances_running: 1, instances_needed: 1 };
    let t = Topology::new(TopologySpec {
        regions: vec!["r".into()],
        zones: vec![ZoneSpec { name: "z".into(), region: "r".into() }],
        sites: vec![site("A")],
        links: vec![],
    })
    .unwrap();
    let a = t.site("A").unwrap();
    let p = FailureProcess {
        target: FailureTarget::Site("A".into()),
        time_between_failures: DurationDistribution::new(Distribution::weibull(2.0, 36_000.0).unwrap()).unwrap(),
        time_to_repair: DurationDistribution::fixed(SimDuration::from_hours(5)),
    };
    let mean_up = 36_000.0 * 0.886_226_925_452_758;
    let expected = 18_000.0 / (mean_up + 18_000.0);
    let n = 20_000;
    for h in [0u64, 3, 7] {
        let down = (0..n)
            .filter(|&i| {
                let tl = failure_timeline(
                    &t,
                    std::slice::from_ref(&p),
                    SimDuration::from_hours(8),
                    TrialStreams::new(1306, i),
                )
                .unwrap();
                !tl.site_up_at(a, SimTime::ZERO + SimDuration::from_hours(h))
            })
            .count();
        proportion_near(&format!("P(down at {h} h)"), down, n as usize, expected);
    }
}

/// Finding 6: full backups every I = 1 h, copied in c = 1 GB / 10 MB/s + 40 ms = 100.04 s.
/// In steady state the newest usable backup is from the last job at least c old: the RPO is
/// uniform on [c, I + c), mean I/2 + c = 1900.04 s — whatever the warm-up (1 min or 5 h).
/// The 1-minute warm-up is also the validation case "backups: E[RPO] = I/2 + c"; the 5-hour
/// one (five jobs already run) is only here.
#[test]
fn backups_start_in_their_steady_state() {
    for (warm_up, seed) in [(SimDuration::from_mins(1), 1307), (SimDuration::from_hours(5), 1308)] {
        let sc = TwoRegions {
            bandwidth_bytes_per_s: 10e6,
            warm_up,
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
        let o = run_all(&sc, ReplicationSpec::Snapshot(spec), seed, 2000);
        let rpo: Vec<f64> = o.iter().map(|o| o.rpo.unwrap().as_secs_f64()).collect();
        assert_mean_near(&format!("E[RPO] with warm-up {warm_up}"), &rpo, 1900.04, 4.0);
    }
}

/// Finding 5: the serving site failing during failback before the primary has caught up
/// loses the backlog not yet resynced (the primary's data survived the disaster, so it takes
/// over with what it has). With the standby failing every Exp(2 h) and a catch-up of hours,
/// some trials lose data in failback and report its RPO; catch-up comes from each trial's own
/// writes, so failbacks differ from trial to trial.
#[test]
fn failback_can_lose_data_and_varies_with_the_trials_writes() {
    let mut sc = TwoRegions { bandwidth_bytes_per_s: 400_000.0, primary_data_survives: true, ..TwoRegions::default() }
        .scenario();
    sc.faults = vec![FailureProcess {
        target: FailureTarget::Site("S".into()),
        time_between_failures: exp_secs(4.0 * 3600.0),
        time_to_repair: secs(600),
    }];
    let o = run_all(&sc, ReplicationSpec::Asynchronous, 1309, 300);
    let lost: Vec<&TrialOutcome> = o.iter().filter(|t| t.failback_bytes_lost > 0).collect();
    assert!(lost.len() > 10, "{} of 300 lost data in failback", lost.len());
    assert!(lost.iter().all(|t| t.failback_rpo > SimDuration::ZERO && t.serving_outage > SimDuration::ZERO));
    // Without faults: no loss, and the catch-up still differs between trials.
    sc.faults.clear();
    let o = run_all(&sc, ReplicationSpec::Asynchronous, 1309, 20);
    assert!(o.iter().all(|t| t.failback_bytes_lost == 0));
    let first = o[0].failback;
    assert!(o.iter().any(|t| t.failback != first), "failback the same in every trial");
}

/// Finding 4: a link down half the time loses writes in a horizon run (async replication,
/// slow link so that the queue matters), where a link that never fails loses far fewer.
#[test]
fn horizon_link_outages_lose_writes() {
    let sc = TwoRegions { warm_up: SimDuration::from_hours(1), ..TwoRegions::default() }.scenario();
    let strategy = Fixed { replication: ReplicationSpec::Asynchronous };
    let trial = DisasterTrial::new(&sc, &strategy).unwrap();
    let region = FailureProcess {
        target: FailureTarget::Region("A".into()),
        time_between_failures: exp_secs(30.0 * 86_400.0),
        time_to_repair: exp_secs(4.0 * 3600.0),
    };
    let link = FailureProcess {
        target: FailureTarget::Link { from: "P".into(), to: "S".into() },
        time_between_failures: exp_secs(600.0),
        time_to_repair: exp_secs(600.0),
    };
    let run = |failures: Vec<FailureProcess>| -> u64 {
        let spec = HorizonSpec { length: SimDuration::from_days(365), failures, logical: vec![] };
        (0..30).map(|i| run_horizon(&trial, &spec, 1311, i).unwrap().writes_lost).sum()
    };
    let without = run(vec![region.clone()]);
    let with = run(vec![region, link]);
    assert!(with > 10 * without.max(1), "link outages: {with} writes lost vs {without} without");
}

/// Finding 7: unrecovered trials are censored, never dropped: with a standby that is almost
/// always down and a short horizon, most trials never recover; the summary says how many, and
/// quantiles over all trials fall beyond the horizon (None) once they reach the censored ones.
#[test]
fn censored_trials_are_counted_not_dropped() {
    let mut sc = TwoRegions { horizon: SimDuration::from_mins(20), ..TwoRegions::default() }.scenario();
    sc.faults = vec![FailureProcess {
        target: FailureTarget::Site("S".into()),
        time_between_failures: exp_secs(600.0),
        time_to_repair: exp_secs(6.0 * 3600.0),
    }];
    let o = run_all(&sc, ReplicationSpec::Asynchronous, 1312, 400);
    let mut s = TrialsSummary::default();
    o.iter().for_each(|t| s.record(t));
    let recovered = o.iter().filter(|t| t.rto.is_some()).count() as u64;
    assert_eq!(s.trials, 400);
    assert_eq!(s.recovered(), recovered);
    assert_eq!(s.censored(), 400 - recovered);
    assert!(s.censored() > 200, "{} censored", s.censored());
    // More than half are censored: the median over all trials is beyond the horizon ...
    assert_eq!(s.rto_quantile_all(0.5), None);
    // ... while the lowest quantiles are recovered RTOs.
    let p = 0.5 * recovered as f64 / 400.0;
    assert!(s.rto_quantile_all(p).is_some());
    assert!(o.iter().filter(|t| t.rto.is_none()).all(|t| t.flags.outlasted_horizon || t.flags.recovery_failed));
}

/// Finding 8: unstable replication reports its growth rate (offered minus throughput).
#[test]
fn unstable_replication_reports_its_growth() {
    // 5 writes/s of 64 KiB = 327,680 B/s offered on a 200,000 B/s link.
    let sc = TwoRegions { bandwidth_bytes_per_s: 200_000.0, ..TwoRegions::default() }.scenario();
    let strategy = Fixed { replication: ReplicationSpec::Asynchronous };
    let trial = DisasterTrial::new(&sc, &strategy).unwrap();
    match trial.replication_stability() {
        drsim_core::model::Stability::Unstable { growth_bytes_per_s, .. } => {
            assert!((growth_bytes_per_s - 127_680.0).abs() < 1e-6, "{growth_bytes_per_s}")
        }
        s => panic!("{s:?}"),
    }
}

/// A process whose mean is infinite has no stationary state: refused, naming the key.
#[test]
fn infinite_means_are_refused() {
    let mut sc = TwoRegions::default().scenario();
    sc.faults = vec![FailureProcess {
        target: FailureTarget::Site("S".into()),
        time_between_failures: DurationDistribution::new(Distribution::pareto(60.0, 0.9).unwrap()).unwrap(),
        time_to_repair: secs(60),
    }];
    let strategy = Fixed { replication: ReplicationSpec::Asynchronous };
    let e = DisasterTrial::new(&sc, &strategy).err().unwrap().to_string();
    assert!(e.contains("time_between_failures") && e.contains("infinite"), "{e}");
}

/// Work that cannot finish is refused up front: a fault process failing every nanosecond.
#[test]
fn fault_processes_that_cannot_finish_are_refused() {
    let mut sc = TwoRegions::default().scenario();
    sc.faults = vec![FailureProcess {
        target: FailureTarget::Site("S".into()),
        time_between_failures: DurationDistribution::fixed(SimDuration::from_nanos(1)),
        time_to_repair: DurationDistribution::fixed(SimDuration::from_nanos(1)),
    }];
    let strategy = Fixed { replication: ReplicationSpec::Asynchronous };
    let e = DisasterTrial::new(&sc, &strategy).err().unwrap().to_string();
    assert!(e.contains("failures and repairs per trial"), "{e}");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]

    /// Recovery never starts before detection: RTO ≥ detection delay in every trial, whatever
    /// the fault processes on the standby, the link and the standby's region.
    #[test]
    fn rto_is_never_below_the_detection_delay(
        up_s in 60.0f64..20_000.0,
        down_s in 1.0f64..5_000.0,
        link_up_s in 60.0f64..5_000.0,
        detect_s in 0u64..2_000,
        seed in 0u64..1_000,
    ) {
        let mut sc = TwoRegions { detection: Detection::Delay { delay: secs(detect_s) }, ..TwoRegions::default() }.scenario();
        sc.faults = vec![
            FailureProcess { target: FailureTarget::Site("S".into()), time_between_failures: exp_secs(up_s), time_to_repair: exp_secs(down_s) },
            FailureProcess { target: FailureTarget::Link { from: "P".into(), to: "S".into() }, time_between_failures: exp_secs(link_up_s), time_to_repair: exp_secs(down_s) },
            FailureProcess { target: FailureTarget::Region("B".into()), time_between_failures: exp_secs(up_s * 3.0), time_to_repair: exp_secs(down_s) },
        ];
        for t in run_all(&sc, ReplicationSpec::Asynchronous, seed, 10) {
            if let Some(rto) = t.rto {
                prop_assert!(rto >= t.detection_delay, "{:?}", t);
                prop_assert!(rto >= SimDuration::from_secs(detect_s + 180));
            }
        }
    }
}

/// Finding 4: a standby region down 91 % of the time (up Exp(1 d), down Exp(10 d)) must
/// change a horizon run. Region A (the primary) fails every Exp(30 d) for Exp(4 h); with B
/// healthy almost every incident fails over (RTO 270 s < most outages), with B down 91 % of
/// the time about 91 % of incidents cannot, so the failovers drop by a factor near 11 and the
/// downtime grows (each of those incidents lasts its whole 4 h outage instead of 270 s).
#[test]
fn horizon_with_a_standby_region_mostly_down() {
    let sc = TwoRegions::default().scenario();
    let strategy = Fixed { replication: ReplicationSpec::Asynchronous };
    let trial = DisasterTrial::new(&sc, &strategy).unwrap();
    let region_a = FailureProcess {
        target: FailureTarget::Region("A".into()),
        time_between_failures: exp_secs(30.0 * 86_400.0),
        time_to_repair: exp_secs(4.0 * 3600.0),
    };
    let region_b = FailureProcess {
        target: FailureTarget::Region("B".into()),
        time_between_failures: exp_secs(86_400.0),
        time_to_repair: exp_secs(10.0 * 86_400.0),
    };
    let run = |failures: Vec<FailureProcess>| {
        let spec = HorizonSpec { length: SimDuration::from_days(3650), failures, logical: vec![] };
        (0..20).map(|i| run_horizon(&trial, &spec, 1313, i).unwrap()).fold((0u64, 0u64, 0.0), |acc, o| {
            (acc.0 + o.incidents, acc.1 + o.failovers, acc.2 + o.downtime.as_secs_f64())
        })
    };
    let (inc_ok, fo_ok, down_ok) = run(vec![region_a.clone()]);
    let (inc_bad, fo_bad, down_bad) = run(vec![region_a, region_b]);
    assert_eq!(inc_ok, inc_bad, "the same primary outages (process 0's stream)");
    // Failover fraction: about 0.94 with B up, 0.09 × that with B mostly down.
    let (p_ok, p_bad) = (fo_ok as f64 / inc_ok as f64, fo_bad as f64 / inc_bad as f64);
    assert!(p_ok > 0.85 && p_bad < 0.2, "failover fractions {p_ok} and {p_bad}");
    assert!(down_bad > 5.0 * down_ok, "downtime {down_bad} vs {down_ok}");
}

/// Issue 14, item 5: other work that cannot finish is refused when the trial is prepared (as
/// `drsim validate` does), naming the key and the documented bound.
#[test]
fn other_work_that_cannot_finish_is_refused_by_key() {
    use drsim_core::model::Arrivals;
    use drsim_core::scenario::Scenario;
    let reference =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/scenarios/reference.toml"))
            .unwrap();
    let strategy = Fixed { replication: ReplicationSpec::Asynchronous };
    let refused = |text: &str| {
        let s = Scenario::from_toml_str(text, "hostile.toml").unwrap();
        match DisasterTrial::new(&s.disaster, &strategy) {
            Err(e) => e.to_string(),
            Ok(_) => panic!("accepted:\n{text}"),
        }
    };
    // A bandwidth that changes every nanosecond: 1.2e11 segments in 120 s.
    let e = refused(&reference.replace(
        "bandwidth_bytes_per_s = 50_000_000",
        "bandwidth_bytes_per_s = 50_000_000\nvariability = { period = \"1ns\", factor = { kind = \"uniform\", low = 0.5, high = 1.5 } }",
    ));
    assert!(e.contains("variability.period") && e.contains("at most 1e7"), "{e}");
    // A period of a minute is fine.
    let ok = reference.replace(
        "bandwidth_bytes_per_s = 50_000_000",
        "bandwidth_bytes_per_s = 50_000_000\nvariability = { period = \"1m\", factor = { kind = \"uniform\", low = 0.5, high = 1.5 } }",
    );
    let s = Scenario::from_toml_str(&ok, "ok.toml").unwrap();
    assert!(DisasterTrial::new(&s.disaster, &strategy).is_ok());
    // On/off periods of a nanosecond, even with no writes at all.
    let e = refused(&reference.replace(
        "arrivals = { kind = \"poisson\", rate_per_s = 50 }",
        "arrivals = { kind = \"on_off\", on_rate_per_s = 0, off_rate_per_s = 0, on = \"1ns\", off = \"1ns\" }",
    ));
    assert!(e.contains("arrivals.on + arrivals.off") && e.contains("at most 1e7"), "{e}");
    // A timeline past the clock: a horizon of 500 years after a detection of 100 years.
    let e = refused(
        &reference
            .replace("horizon = \"30d\"", "horizon = \"182500d\"")
            .replace("interval = \"30s\"\nfailures = 3", "interval = \"36500d\"\nfailures = 1"),
    );
    assert!(e.contains("do not fit the clock") && e.contains("trials.horizon"), "{e}");
    // A data set beyond 2^62 bytes.
    let e = refused(&reference.replace("dataset_bytes = 0", "dataset_bytes = 1e19"));
    assert!(e.contains("deployment.dataset_bytes") && e.contains("2^62"), "{e}");
    // Snapshots every nanosecond.
    let mut sc = TwoRegions::default().scenario();
    sc.deployment.workload.arrivals = Arrivals::Poisson { rate_per_s: 0.0 };
    let spec = SnapshotSpec {
        interval: SimDuration::from_nanos(1),
        phase: None,
        size: SnapshotKind::Incremental,
        retention: Default::default(),
        failure_probability: 0.0,
        vault: Default::default(),
    };
    let snap = Fixed { replication: ReplicationSpec::Snapshot(spec) };
    let e = DisasterTrial::new(&sc, &snap).err().unwrap().to_string();
    assert!(e.contains("backup jobs per trial") && e.contains("at most 1e7"), "{e}");
}

/// A runbook whose units would retry for ever (failure probability near 1, huge retries, many
/// units) is refused with the step, its keys and the bound.
#[test]
fn runbooks_that_cannot_finish_are_refused() {
    let rb = Runbook::new(vec![Step::new("launch", secs(1)).parallel(1_000_000).may_fail(0.999_999, 4_000_000_000)]);
    let e = rb.validate().unwrap_err().to_string();
    assert!(e.contains("\"launch\"") && e.contains("parallel = 1000000") && e.contains("at most 1e7"), "{e}");
    // Many units that rarely fail are fine.
    let rb = Runbook::new(vec![Step::new("launch", secs(1)).parallel(1_000_000).may_fail(0.01, 4_000_000_000)]);
    assert!(rb.validate().is_ok());
}

/// A horizon whose primary fails every minute for ten years, each incident replaying a day of
/// writes, is refused before it runs.
#[test]
fn horizons_that_cannot_finish_are_refused() {
    let sc = TwoRegions { warm_up: SimDuration::from_days(1), ..TwoRegions::default() }.scenario();
    let strategy = Fixed { replication: ReplicationSpec::Asynchronous };
    let trial = DisasterTrial::new(&sc, &strategy).unwrap();
    let spec = HorizonSpec {
        length: SimDuration::from_days(3650),
        failures: vec![FailureProcess {
            target: FailureTarget::Region("A".into()),
            time_between_failures: secs(60),
            time_to_repair: secs(1),
        }],
        logical: vec![],
    };
    let e = run_horizon(&trial, &spec, 1, 0).unwrap_err().to_string();
    assert!(e.contains("outages of the primary") && e.contains("warm_up"), "{e}");
}
