//! Cost and business impact: hand-computed running, recovery and impact costs, renewal-reward
//! against simulated years, monotonicity in standby capacity, and bad values refused by name.

use drsim_core::cost::{
    CostSpec, ImpactSpec, business_impact, cheapest_meeting, expected_annual_loss, monthly_running_cost, pareto_front,
    recovery_cost, run_costed_trials, simulate_years,
};
use drsim_core::engine::{Distribution, DurationDistribution, SimDuration, SimTime};
use drsim_core::model::{
    FailureTarget, LinkSpec, ReplicationSpec, Retention, SiteSpec, SnapshotKind, SnapshotSpec, Topology, TopologySpec,
    WorkloadSpec, ZoneSpec,
};
use drsim_core::recovery::{
    Deployment, Detection, Effect, FailbackContext, RecoveryContext, Runbook, SteadyState, Step, Strategy,
    StrategyError,
};
use drsim_core::scenario::Scenario;
use drsim_core::trial::{DisasterScenario, DisasterSpec, DisasterTrial, Objectives, TrialFlags, TrialOutcome};
use proptest::prelude::*;

/// P (8 instances, region A) and S (region B); 10 writes/s of 100 kB = 1 MB/s; 100 GB data.
fn deployment(standby_needed: u32) -> Deployment {
    let latency = DurationDistribution::fixed(SimDuration::from_millis(30));
    let topology = Topology::new(TopologySpec {
        regions: vec!["A".into(), "B".into()],
        zones: vec![
            ZoneSpec { name: "a1".into(), region: "A".into() },
            ZoneSpec { name: "b1".into(), region: "B".into() },
        ],
        sites: vec![
            SiteSpec { name: "P".into(), zone: "a1".into(), instances_running: 8, instances_needed: 8 },
            SiteSpec { name: "S".into(), zone: "b1".into(), instances_running: 0, instances_needed: standby_needed },
        ],
        links: vec![
            LinkSpec::new("P", "S", latency.clone(), 100e6).unwrap(),
            LinkSpec::new("S", "P", latency, 100e6).unwrap(),
        ],
    })
    .unwrap();
    Deployment {
        topology,
        primary: "P".into(),
        standby: "S".into(),
        workload: WorkloadSpec::poisson(10.0, Distribution::fixed(100e3).unwrap()).unwrap(),
        dataset_bytes: 100e9,
        stores: vec![],
        tiers: vec![],
    }
}

fn prices() -> CostSpec {
    CostSpec {
        instance_running_usd_per_hour: 0.2,
        instance_imaged_usd_per_hour: 0.01,
        storage_usd_per_gb_month: 0.1,
        backup_storage_usd_per_gb_month: 0.02,
        transfer_usd_per_gb: 0.02,
        intra_region_transfer_usd_per_gb: 0.01,
        restore_usd_per_gb: 0.0,
        fixed_usd_per_month: 5.0,
        retention_if_unset: SimDuration::from_days(30),
        ..CostSpec::default()
    }
}

fn steady(replication: ReplicationSpec, standby: u32) -> SteadyState {
    SteadyState {
        replication,
        capacity: vec![("P".into(), 8), ("S".into(), standby)],
        traffic: vec![("P".into(), 1.0), ("S".into(), 0.0)],
        data_ready: vec!["P".into()],
        // No database tier: the hand-computed cases below price the other items.
        database_size: vec![],
    }
}

/// Warm standby, asynchronous, 2 of 8 instances at S:
/// - running 10 × 0.2 USD/h × 730 h = 1460
/// - imaged (8 − 2) × 0.01 × 730 = 43.8
/// - storage (100 GB primary + 100 GB replica) × 0.1 = 20
/// - transfer 1 MB/s × 2 628 000 s = 2628 GB × 0.02 = 52.56
/// - fixed 5
/// - total 1581.36 USD/month.
#[test]
fn monthly_cost_of_a_small_deployment_by_hand() {
    let d = deployment(8);
    let m = monthly_running_cost(&prices(), &d, &steady(ReplicationSpec::Asynchronous, 2));
    let close = |a: f64, b: f64| assert!((a - b).abs() < 1e-6, "{a} != {b}");
    close(m.running_instances_usd, 1460.0);
    close(m.imaged_instances_usd, 43.8);
    close(m.storage_usd, 20.0);
    close(m.backup_storage_usd, 0.0);
    close(m.transfer_usd, 52.56);
    close(m.fixed_usd, 5.0);
    close(m.total_usd(), 1581.36);
}

/// Instance types per site, by hand: P runs 8 `big` (0.4 USD/h), S runs 2 `small` (0.1 USD/h)
/// and keeps 6 images at the `small` image price (0.005 USD/h):
/// - running (8 × 0.4 + 2 × 0.1) × 730 = 3.4 × 730 = 2482
/// - imaged 6 × 0.005 × 730 = 21.9
/// - storage, transfer and fixed as in the case above: 20 + 52.56 + 5
/// - total 2581.46 USD/month.
#[test]
fn instance_types_price_each_site() {
    use drsim_core::cost::InstanceType;
    let mut c = prices();
    c.instance_types.insert("big".into(), InstanceType { running_usd_per_hour: 0.4, imaged_usd_per_hour: 0.02 });
    c.instance_types.insert("small".into(), InstanceType { running_usd_per_hour: 0.1, imaged_usd_per_hour: 0.005 });
    c.site_instance_types.insert("P".into(), "big".into());
    c.site_instance_types.insert("S".into(), "small".into());
    c.validate().unwrap();
    let m = monthly_running_cost(&c, &deployment(8), &steady(ReplicationSpec::Asynchronous, 2));
    let close = |a: f64, b: f64| assert!((a - b).abs() < 1e-6, "{a} != {b}");
    close(m.running_instances_usd, 2482.0);
    close(m.imaged_instances_usd, 21.9);
    close(m.total_usd(), 2581.46);
    // A site naming a type that does not exist, or a site that does not exist, is refused.
    let e = load_with(
        "[cost]
site_instance_types = { P = \"huge\" }\n",
    )
    .unwrap_err();
    assert!(e.contains("site_instance_types") && e.contains("huge"), "{e}");
    let e = load_with(
        "[cost]\ninstance_types = { t = { running_usd_per_hour = 1.0 } }\nsite_instance_types = { Z = \"t\" }\n",
    )
    .unwrap_err();
    assert!(e.contains("\"Z\" is not a site"), "{e}");
}

/// The database tier priced at every site, by hand: the small deployment above (warm standby,
/// 2 of 8 instances at S) with a production database at P (size 1) and a pilot-light-sized
/// replica at S (size 0.25), the database at 0.5 USD/h:
/// - database (1 + 0.25) × 0.5 × 730 = 456.25
/// - every other item as above: 1581.36; total 2037.61 USD/month.
///
/// Recovery (RTO 2 h, failback ends at 5 h, as in `impact_and_recovery_cost_of_one_disaster_by_hand`):
/// the replica runs at the primary's size for 3 h, (1 − 0.25) × 0.5 × 3 = 1.125 USD. A strategy
/// that declares no database tier pays none (0).
#[test]
fn database_tier_priced_at_every_site_by_hand() {
    let c = CostSpec { database_running_usd_per_hour: 0.5, ..prices() };
    c.validate().unwrap();
    let mut st = steady(ReplicationSpec::Asynchronous, 2);
    st.database_size = vec![("P".into(), 1.0), ("S".into(), 0.25)];
    let m = monthly_running_cost(&c, &deployment(8), &st);
    let close = |a: f64, b: f64| assert!((a - b).abs() < 1e-6, "{a} != {b}");
    close(m.database_usd, 456.25);
    close(m.running_instances_usd, 1460.0);
    close(m.total_usd(), 2037.61);
    let o = outcome(Some(2), 30, 0, 1);
    close(recovery_cost(&c, &scenario(), &st, &o).scaled_database_usd, 1.125);
    close(recovery_cost(&c, &scenario(), &steady(ReplicationSpec::Asynchronous, 2), &o).scaled_database_usd, 0.0);
    // A negative or non-finite price is refused by name.
    let e = load_with("[cost]\ndatabase_running_usd_per_hour = -1\n").unwrap_err();
    assert!(e.contains("cost.database_running_usd_per_hour = -1"), "{e}");
}

/// Backup & restore, nothing running at S:
/// - incremental hourly, 24 kept: 100 GB + 24 × 1 MB/s × 3600 s = 186.4 GB × 0.02 = 3.728;
///   transfer 2628 GB × 0.02 = 52.56; running 8 × 0.2 × 730 = 1168; imaged 8 × 0.01 × 730 = 58.4;
///   storage 100 GB × 0.1 = 10 → total 1168 + 58.4 + 10 + 3.728 + 52.56 + 5 = 1297.688.
/// - full daily, kept 7 days: 7 × 100 GB × 0.02 = 14; transfer 100 GB × 2 628 000 / 86 400 =
///   3041.667 GB × 0.02 = 60.8333.
#[test]
fn backup_storage_and_transfer_by_hand() {
    let d = deployment(8);
    let inc = SnapshotSpec {
        interval: SimDuration::from_hours(1),
        phase: None,
        size: SnapshotKind::Incremental,
        retention: Retention { keep_newest: Some(24), max_age: None },
        failure_probability: 0.0,
        vault: Default::default(),
    };
    let m = monthly_running_cost(&prices(), &d, &steady(ReplicationSpec::Snapshot(inc), 0));
    assert!((m.backup_storage_usd - 3.728).abs() < 1e-9, "{m:?}");
    assert!((m.total_usd() - 1297.688).abs() < 1e-6, "{m:?}");
    let full = SnapshotSpec {
        interval: SimDuration::from_days(1),
        phase: None,
        size: SnapshotKind::Full { size_bytes: 100e9 },
        retention: Retention { keep_newest: None, max_age: Some(SimDuration::from_days(7)) },
        failure_probability: 0.0,
        vault: Default::default(),
    };
    let m = monthly_running_cost(&prices(), &d, &steady(ReplicationSpec::Snapshot(full), 0));
    assert!((m.backup_storage_usd - 14.0).abs() < 1e-9, "{m:?}");
    assert!((m.transfer_usd - 100.0 * 2_628_000.0 / 86_400.0 * 0.02).abs() < 1e-9, "{m:?}");
}

fn scenario() -> DisasterScenario {
    DisasterScenario {
        deployment: deployment(8),
        event: DisasterSpec {
            target: FailureTarget::Region("A".into()),
            warm_up: SimDuration::from_secs(60),
            window: SimDuration::from_secs(60),
            repair: DurationDistribution::fixed(SimDuration::from_hours(4)),
            primary_data_survives: true,
        },
        mix: vec![],
        detection: Detection::HealthCheck { interval: SimDuration::from_secs(30), failures: 3 },
        service_level: 1.0,
        objectives: Objectives { rto: Some(SimDuration::from_mins(15)), rpo: Some(SimDuration::from_secs(1)) },
        faults: vec![],
        horizon: SimDuration::from_days(7),
    }
}

fn outcome(rto_h: Option<u64>, rpo_min: u64, bytes_lost: u64, failback_h: u64) -> TrialOutcome {
    TrialOutcome {
        trial: 0,
        disaster: "region A".into(),
        from_mix: false,
        logical: false,
        disaster_at: SimTime::ZERO,
        detection_delay: SimDuration::from_secs(90),
        first_partial_service: rto_h.map(SimDuration::from_hours),
        rto: rto_h.map(SimDuration::from_hours),
        rpo: Some(SimDuration::from_mins(rpo_min)),
        recovered_at: Some("S".into()),
        writes_lost: 1,
        bytes_lost,
        copy_age: SimDuration::from_mins(rpo_min),
        stores: vec![],
        failback: Some(SimDuration::from_hours(failback_h)),
        write_freeze: Some(SimDuration::from_secs(30)),
        failback_done_at: None,
        failback_bytes_lost: 0,
        failback_rpo: SimDuration::ZERO,
        write_blocked: SimDuration::ZERO,
        serving_outage: SimDuration::ZERO,
        commit_latency_p50: None,
        commit_latency_p99: None,
        rto_met: Some(rto_h.is_some_and(|h| h == 0)),
        rpo_met: Some(rpo_min == 0),
        flags: TrialFlags::default(),
    }
}

/// RTO 2 h, RPO 30 min, 2 GB lost, RTO missed (+1000), RPO missed (+500):
/// downtime 10 000 × 2 = 20 000; data 0.5 h × 10 000 + 2 GB × 100 = 5200; penalties 1500.
/// Recovery: 6 extra instances at S from the RTO (2 h) to failback end (repair 4 h + 1 h = 5 h):
/// 6 × 0.2 × 3 h = 3.6 USD; resync 1 MB/s × 10 800 s = 10.8 GB × 0.02 = 0.216 USD.
/// Unrecovered: downtime = the 7-day horizon, 168 h × 10 000 = 1 680 000, no recovery cost.
#[test]
fn impact_and_recovery_cost_of_one_disaster_by_hand() {
    let sc = scenario();
    let im = ImpactSpec {
        downtime_usd_per_hour: 10_000.0,
        data_loss_usd_per_hour_of_rpo: 10_000.0,
        data_loss_usd_per_gb: 100.0,
        rto_missed_penalty_usd: 1000.0,
        rpo_missed_penalty_usd: 500.0,
        ..ImpactSpec::default()
    };
    let o = outcome(Some(2), 30, 2_000_000_000, 1);
    let i = business_impact(&im, &sc, &o);
    assert!((i.downtime_usd - 20_000.0).abs() < 1e-9, "{i:?}");
    assert!((i.data_loss_usd - 5200.0).abs() < 1e-9, "{i:?}");
    assert!((i.penalties_usd - 1500.0).abs() < 1e-9, "{i:?}");
    let r = recovery_cost(&prices(), &sc, &steady(ReplicationSpec::Asynchronous, 2), &o);
    assert!((r.scaled_capacity_usd - 3.6).abs() < 1e-9, "{r:?}");
    assert!((r.transfer_usd - 0.216).abs() < 1e-9, "{r:?}");
    let lost = outcome(None, 0, 0, 1);
    let i = business_impact(&ImpactSpec { data_loss_usd_per_hour_of_rpo: 0.0, ..im }, &sc, &lost);
    assert!((i.downtime_usd - 1_680_000.0).abs() < 1e-6, "{i:?}");
    assert_eq!(recovery_cost(&prices(), &sc, &steady(ReplicationSpec::Asynchronous, 2), &lost).total_usd(), 0.0);
}

/// 2 of 8 running at S; launch the other 6 (lognormal, median 10 min) and promote; then DNS.
struct Warm;

impl Strategy for Warm {
    fn name(&self) -> &str {
        "warm"
    }
    fn steady_state(&self, _: &Deployment) -> Result<SteadyState, StrategyError> {
        Ok(steady(ReplicationSpec::Asynchronous, 2))
    }
    fn recovery(&self, _: &RecoveryContext<'_>) -> Result<Runbook, StrategyError> {
        let launch = DurationDistribution::new(Distribution::lognormal(600.0, 0.8).unwrap()).unwrap();
        Ok(Runbook::new(vec![
            Step::new("launch", launch).parallel(6).effect(Effect::AddCapacity { site: "S".into(), instances: 1 }),
            Step::new("promote", DurationDistribution::fixed(SimDuration::from_secs(30)))
                .effect(Effect::DataReady { site: "S".into() }),
            Step::new("dns", DurationDistribution::fixed(SimDuration::ZERO))
                .after(["launch", "promote"])
                .effect(Effect::RouteTraffic { sites: vec!["S".into()], ttl: SimDuration::from_secs(60) }),
        ]))
    }
    fn failback(&self, ctx: &FailbackContext<'_>) -> Result<Runbook, StrategyError> {
        let catch_up = ctx.catch_up_secs().unwrap_or(0.0);
        Ok(Runbook::new(vec![
            Step::new("catch up", DurationDistribution::fixed(SimDuration::from_secs_f64(catch_up))),
            Step::new("dns back", DurationDistribution::fixed(SimDuration::ZERO))
                .after(["catch up"])
                .effect(Effect::RouteTraffic { sites: vec!["P".into()], ttl: SimDuration::from_secs(60) }),
        ]))
    }
}

/// `Warm` with a database tier of the given sizes: for the checks of `database_size`.
struct WarmDb(Vec<(String, f64)>);

impl Strategy for WarmDb {
    fn name(&self) -> &str {
        "warm-db"
    }
    fn steady_state(&self, d: &Deployment) -> Result<SteadyState, StrategyError> {
        Ok(SteadyState { database_size: self.0.clone(), ..Warm.steady_state(d)? })
    }
    fn recovery(&self, ctx: &RecoveryContext<'_>) -> Result<Runbook, StrategyError> {
        Warm.recovery(ctx)
    }
    fn failback(&self, ctx: &FailbackContext<'_>) -> Result<Runbook, StrategyError> {
        Warm.failback(ctx)
    }
}

/// A strategy's database tier must name sites of the topology and be finite and >= 0: the trial
/// refuses anything else by name instead of pricing it.
#[test]
fn bad_database_sizes_are_refused_by_name() {
    let sc = scenario();
    let ok = WarmDb(vec![("P".into(), 1.0), ("S".into(), 0.25)]);
    assert!(DisasterTrial::new(&sc, &ok).is_ok());
    for (site, x) in [("S", f64::NAN), ("S", -1.0), ("S", f64::INFINITY), ("S", 1e7), ("Z", 1.0)] {
        let e = DisasterTrial::new(&sc, &WarmDb(vec![(site.into(), x)])).err().expect("refused").to_string();
        assert!(e.contains("database") && e.contains(&format!("{site:?}")), "{site} {x}: {e}");
    }
}

/// Renewal-reward: the expected annual loss is λ × E[loss per disaster]. Simulated years
/// (Poisson(λ) disasters, losses drawn from the same trials) must agree within 4 standard
/// errors of the simulation.
#[test]
fn expected_annual_loss_is_rate_times_mean_loss() {
    let sc = scenario();
    let trial = DisasterTrial::new(&sc, &Warm).unwrap();
    let im = ImpactSpec { rto_missed_penalty_usd: 50_000.0, ..ImpactSpec::default() };
    let costed = run_costed_trials(&trial, &prices(), &im, 7, 0..2000).unwrap();
    assert_eq!(costed.loss.count(), 2000);
    assert!(costed.summary.rto_met.met > 0 && costed.summary.rto_met.met < 2000, "a mix of met and missed RTOs");
    let rate = 2.5;
    let (eal, ci) = expected_annual_loss(rate, &costed.loss);
    let mean_loss = costed.loss.sum() as f64 * 1e-6 / 2000.0;
    assert!((eal - rate * mean_loss).abs() < 1e-6 * eal, "{eal} vs {}", rate * mean_loss);
    assert!(ci > 0.0 && ci < eal);
    // The bootstrap draws from the losses' histogram (each within 0.05 % of a trial's loss):
    // its mean is λ × the histogram's mean, within 0.05 % of λ × the exact mean, far below
    // 4 SE of the simulated years.
    let years = simulate_years(&costed.loss, rate, 200_000, 11).unwrap();
    let se = years.std_error_usd();
    assert!(se > 0.0 && 0.0005 * eal < se, "the histogram's bias must stay below the test's resolution");
    assert!((years.mean_usd() - eal).abs() < 4.0 * se, "simulated {} vs λ × mean {eal} (SE {se})", years.mean_usd());
    // The tail is above the mean, and P(loss > 0) = 1 − e^{−λ} (every disaster costs > 0).
    assert!(years.quantile_usd(0.99) > eal);
    let p0 = 1.0 - (-rate).exp();
    let p = years.prob_above(0.0);
    assert!((p - p0).abs() < 4.0 * (p0 * (1.0 - p0) / 200_000.0).sqrt(), "{p} vs {p0}");
    // Deterministic and thread-independent: the same state on one thread and on four.
    let one = rayon::ThreadPoolBuilder::new().num_threads(1).build().unwrap();
    let again = one.install(|| run_costed_trials(&trial, &prices(), &im, 7, 0..2000)).unwrap();
    let four = rayon::ThreadPoolBuilder::new().num_threads(4).build().unwrap();
    let more = four.install(|| run_costed_trials(&trial, &prices(), &im, 7, 0..2000)).unwrap();
    assert_eq!(more.loss, again.loss);
    assert_eq!(simulate_years(&again.loss, rate, 1000, 3).unwrap(), simulate_years(&more.loss, rate, 1000, 3).unwrap());
    assert_eq!(again.loss, costed.loss);
}

proptest! {
    /// More standby capacity never lowers the running cost (an image never costs more than a
    /// running instance), whatever the replication, prices and sizes.
    #[test]
    fn more_standby_capacity_never_lowers_running_cost(
        needed in 1u32..64,
        a in 0u32..80,
        extra in 0u32..20,
        running in 0.0f64..5.0,
        image_share in 0.0f64..=1.0,
        snapshot in any::<bool>(),
        db in 0.0f64..=1.0,
        db_extra in 0.0f64..=1.0,
    ) {
        let d = deployment(needed);
        let cost = CostSpec {
            instance_running_usd_per_hour: running,
            instance_imaged_usd_per_hour: running * image_share,
            ..CostSpec::default()
        };
        prop_assert!(cost.validate().is_ok());
        let rep = if snapshot {
            ReplicationSpec::Snapshot(SnapshotSpec {
                interval: SimDuration::from_hours(1),
                phase: None,
                size: SnapshotKind::Incremental,
                retention: Retention::default(),
                failure_probability: 0.0,
                vault: Default::default(),
            })
        } else {
            ReplicationSpec::Asynchronous
        };
        // More application instances and a bigger database replica at the standby.
        let with_db = |n: u32, x: f64| SteadyState {
            database_size: vec![("P".into(), 1.0), ("S".into(), x)],
            ..steady(rep.clone(), n)
        };
        let small = monthly_running_cost(&cost, &d, &with_db(a, db)).total_usd();
        let big = monthly_running_cost(&cost, &d, &with_db(a + extra, db + db_extra)).total_usd();
        prop_assert!(big >= small - 1e-9 * small.abs(), "{a}+{extra} of {needed}: {big} < {small}");
        prop_assert!(small.is_finite() && big.is_finite());
    }
}

const REFERENCE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/scenarios/reference.toml");

fn load_with(extra: &str) -> Result<Scenario, String> {
    let text = std::fs::read_to_string(REFERENCE).unwrap() + "\n" + extra;
    Scenario::from_toml_str(&text, "costly.toml").map_err(|e| e.to_string())
}

#[test]
fn cost_and_impact_sections_load_with_defaults() {
    let s = load_with("[cost]\ninstance_running_usd_per_hour = 0.5\n\n[impact]\ndisasters_per_year = 0.5\n").unwrap();
    let c = s.cost.unwrap();
    assert_eq!(c.instance_running_usd_per_hour, 0.5);
    assert_eq!(c.transfer_usd_per_gb, CostSpec::default().transfer_usd_per_gb);
    let i = s.impact.unwrap();
    assert_eq!((i.disasters_per_year, i.objective_probability), (Some(0.5), 0.95));
    let none = load_with("").unwrap();
    assert!(none.cost.is_none() && none.impact.is_none());
}

#[test]
fn bad_cost_and_impact_values_are_refused_by_key() {
    for (extra, key) in [
        ("[cost]\ninstance_running_usd_per_hour = -1\n", "instance_running_usd_per_hour = -1"),
        ("[cost]\ntransfer_usd_per_gb = nan\n", "transfer_usd_per_gb = NaN"),
        ("[cost]\nfixed_usd_per_month = inf\n", "fixed_usd_per_month = inf"),
        ("[cost]\ninstance_imaged_usd_per_hour = 1.0\n", "instance_imaged_usd_per_hour = 1"),
        ("[cost]\nretention_if_unset = \"0s\"\n", "retention_if_unset"),
        ("[impact]\ndowntime_usd_per_hour = -5\n", "downtime_usd_per_hour = -5"),
        ("[impact]\ndata_loss_usd_per_gb = nan\n", "data_loss_usd_per_gb = NaN"),
        ("[impact]\ndisasters_per_year = -0.5\n", "disasters_per_year = -0.5"),
        ("[impact]\nobjective_probability = 1.5\n", "objective_probability = 1.5"),
    ] {
        let e = load_with(extra).unwrap_err();
        assert!(e.contains("costly.toml") && e.contains(key) && e.contains("allowed"), "{extra}: {e}");
    }
    let e = load_with("[cost]\nusd = 3\n").unwrap_err();
    assert!(e.contains("usd") && e.contains("unknown"), "{e}");
}

#[test]
fn cheapest_meeting_and_pareto_front() {
    use drsim_core::cost::{MonthlyCost, StrategyEconomics};
    let mk = |name: &str, monthly: f64, eal: f64, rto: f64, rpo: f64, p: f64| StrategyEconomics {
        name: name.into(),
        monthly: MonthlyCost { fixed_usd: monthly, ..MonthlyCost::default() },
        disasters_per_year: 1.0,
        loss_per_disaster_usd: eal,
        expected_annual_loss_usd: eal,
        expected_annual_loss_ci95_usd: 0.0,
        total_annual_usd: 12.0 * monthly + eal,
        p99_annual_loss_usd: eal,
        prob_loss_above_threshold: 0.0,
        rto_p95_s: Some(rto),
        rpo_p95_s: Some(rpo),
        p_rto_met: Some(p),
        p_rpo_met: Some(p),
    };
    let s = vec![
        mk("cheap slow", 100.0, 50_000.0, 3600.0, 3600.0, 0.0),
        mk("mid", 1000.0, 1000.0, 600.0, 1.0, 0.97),
        mk("dominated", 1500.0, 1000.0, 700.0, 2.0, 0.99),
        mk("dear fast", 5000.0, 10.0, 10.0, 0.0, 1.0),
    ];
    assert_eq!(cheapest_meeting(&s, 0.95), Some(1));
    assert_eq!(cheapest_meeting(&s, 0.98), Some(2), "dominated on the front, yet cheaper in total");
    assert_eq!(cheapest_meeting(&s, 0.995), Some(3));
    assert_eq!(pareto_front(&s), vec![0, 1, 3]);
}
