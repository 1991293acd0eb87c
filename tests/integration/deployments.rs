//! Deployments with several copies of the data and a disaster mix
//! (`examples/scenarios/multi-az-cross-region.toml`), against closed forms and exact identities.
//!
//! ```text
//!   use1-az1           use1-az2                 usw2-az1
//!   P ──── sync ────► S            P ── async ──► R   (second strategy only)
//!   mix: zone use1-az1 (weight 0.8): S and R survive;  region us-east-1 (0.2): only R
//! ```
//!
//! **The asynchronous replica's RPO** (region loss, recovery at R). Writes arrive as a Poisson
//! process of rate λ with exponential sizes of mean m; the sender sends them FIFO at throughput B
//! (an M/M/1 queue, service rate μ = B/m, ρ = λ/μ) and each arrives a fixed latency L after its
//! last byte left. At the disaster t_d, a write is lost iff it left the queue after τ = t_d − L.
//! - If the queue is busy at τ (probability ρ), the oldest lost write is the one in service at
//!   τ; its age at τ, a, satisfies P(a > x) = P(S > U + x) for the last arrival before τ − x,
//!   whose sojourn S ~ Exp(μ − λ) (M/M/1 FIFO, PASTA) is independent of the gap U ~ Exp(λ) to
//!   τ − x (FIFO: a sojourn does not depend on later arrivals): P(a > x) = ρ e^{−(μ−λ)x}. So
//!   given busy, a ~ Exp(μ − λ) and RPO = L + a.
//! - If the queue is empty at τ, the oldest lost write is the first arrival after τ, T₁ ~ Exp(λ)
//!   later (independent of the queue at τ), if it comes before t_d: RPO = (L − T₁)⁺.
//!
//! ```text
//! E[RPO]   = ρ (L + 1/(μ − λ)) + (1 − ρ) (L − (1 − e^{−λL}) / λ)
//! P(RPO=0) = (1 − ρ) e^{−λL}
//! ```
//!
//! With λ = 2/s, m = 262,144 B, B = 1 MB/s, L = 35 ms: μ = 3.8147/s, ρ = 0.52429,
//! E[RPO] = 0.52429 × (0.035 + 0.55104) + 0.47571 × (0.035 − 0.033807) = 0.30783 s and
//! P(RPO = 0) = 0.47571 × e^{−0.07} = 0.44355. Statistical checks use a fixed seed and 4
//! standard errors (a false alarm has probability 6e-5 each).

use drsim::engine::SimDuration;
use drsim::montecarlo::TrialsSummary;
use drsim::scenario::Scenario;
use drsim::trial::{DisasterTrial, TrialOutcome};

use crate::common::{mean_se, run, scenario_dir};

const TRIALS: u64 = 4000;

/// The shipped scenario, with the cross-region links made exact for the closed form: a fixed
/// 35 ms latency and 1 MB/s (ρ ≈ 0.52, so the queue matters).
fn scenario(primary_data_survives: bool) -> Scenario {
    let text = std::fs::read_to_string(scenario_dir().join("multi-az-cross-region.toml")).unwrap();
    let text = text
        .replace("latency = { kind = \"uniform\", low = \"30ms\", high = \"40ms\" }", "latency = \"35ms\"")
        .replace("bandwidth_bytes_per_s = 100e6", "bandwidth_bytes_per_s = 1e6")
        .replace("primary_data_survives = true", &format!("primary_data_survives = {primary_data_survives}"));
    Scenario::from_toml_str(&text, "multi-az-cross-region.toml (exact links)").unwrap_or_else(|e| panic!("{e}"))
}

fn outcomes(sc: &Scenario, strategy: usize) -> Vec<TrialOutcome> {
    let s = drsim::strategies::build(&sc.strategies[strategy]).unwrap();
    let trial = DisasterTrial::new(&sc.disaster, s.as_ref()).unwrap();
    run(&trial, sc.trials.seed, TRIALS)
}

/// A zone loss leaves the synchronous standby: RPO 0 in every trial, recovery in the same
/// region. A region loss leaves the asynchronous replica: its RPO matches the M/M/1 + latency
/// closed form (module docs).
#[test]
fn zone_loss_loses_nothing_and_region_loss_loses_the_async_backlog() {
    let sc = scenario(true);
    let o = outcomes(&sc, 1);
    let (zone, region): (Vec<&TrialOutcome>, Vec<&TrialOutcome>) =
        o.iter().partition(|o| o.disaster == "zone use1-az1");
    assert!(region.iter().all(|o| o.disaster == "region us-east-1"));
    for o in &zone {
        assert_eq!(o.rpo, Some(SimDuration::ZERO), "zone loss, trial {}: {o:?}", o.trial);
        assert_eq!((o.writes_lost, o.recovered_at.as_deref()), (0, Some("S")), "trial {}", o.trial);
    }
    assert!(region.iter().all(|o| o.recovered_at.as_deref() == Some("R")));
    let (lambda, m, b, l) = (2.0f64, 262_144.0f64, 1e6f64, 0.035f64);
    let mu = b / m;
    let rho = lambda / mu;
    let expected = rho * (l + 1.0 / (mu - lambda)) + (1.0 - rho) * (l - (1.0 - (-lambda * l).exp()) / lambda);
    assert!((expected - 0.30783).abs() < 1e-4, "{expected}");
    let rpo: Vec<f64> = region.iter().map(|o| o.rpo.unwrap().as_secs_f64()).collect();
    let (mean, se) = mean_se(&rpo);
    assert!((mean - expected).abs() < 4.0 * se, "E[RPO] {mean} ± {se} (n = {}) vs {expected}", rpo.len());
    let p0 = (1.0 - rho) * (-lambda * l).exp();
    let n = rpo.len() as f64;
    let zero = rpo.iter().filter(|&&x| x == 0.0).count() as f64 / n;
    assert!((zero - p0).abs() < 4.0 * (p0 * (1.0 - p0) / n).sqrt(), "P(RPO = 0) {zero} vs {p0} (n = {n})");
}

/// Without the replica a region loss leaves no copy but the primary's: with its data intact
/// the service waits for it (RTO = the repair, RPO 0); with its data gone the trial is censored
/// (RTO and RPO `None`), never dropped.
#[test]
fn nothing_left_waits_for_the_primary_or_is_censored() {
    let sc = scenario(true);
    for o in outcomes(&sc, 0).iter().filter(|o| o.disaster == "region us-east-1") {
        assert!(o.flags.waited_for_primary && !o.flags.no_surviving_copy, "{o:?}");
        assert_eq!((o.rpo, o.recovered_at.as_deref()), (Some(SimDuration::ZERO), Some("P")));
        // The primary comes back after its repair, LogNormal(median 6 h): never before detection.
        assert!(o.rto.is_some_and(|r| r > o.detection_delay), "{o:?}");
    }
    let sc = scenario(false);
    let s = drsim::strategies::build(&sc.strategies[0]).unwrap();
    let trial = DisasterTrial::new(&sc.disaster, s.as_ref()).unwrap();
    let summary = drsim::montecarlo::run_trials(&trial, sc.trials.seed, 0..TRIALS).unwrap();
    let lost = summary.by_disaster["region us-east-1"].trials;
    assert!(lost > 0);
    assert_eq!(summary.no_surviving_copy, lost);
    assert_eq!((summary.trials, summary.with_copy(), summary.recovered()), (TRIALS, TRIALS - lost, TRIALS - lost));
    // The worst quantiles fall among the censored trials: `None` (the table prints `no copy`).
    assert_eq!(summary.rpo_quantile_all(1.0), None);
    assert_eq!(summary.rpo_quantile_all(0.5), Some(0));
    let region = &summary.by_disaster["region us-east-1"];
    assert_eq!((region.rpo.count(), region.rto.count(), region.rpo_met.met), (0, 0, 0));
    assert_eq!(region.rpo_met.judged, lost, "a trial without a copy misses the RPO objective");
}

/// The mix: each trial's disaster is drawn with the weights (the fraction of region losses
/// within 4 binomial standard errors of 0.2), from its own stream, so every strategy faces the
/// same disasters at the same instants (common random numbers); the overall figures are
/// exactly the merge of the per-disaster ones.
#[test]
fn the_mix_draws_with_its_weights_the_same_for_every_strategy() {
    let sc = scenario(true);
    let a = outcomes(&sc, 0);
    let b = outcomes(&sc, 1);
    for (x, y) in a.iter().zip(&b) {
        assert_eq!((&x.disaster, x.disaster_at), (&y.disaster, y.disaster_at), "trial {}", x.trial);
    }
    let n = TRIALS as f64;
    let region = a.iter().filter(|o| o.disaster == "region us-east-1").count() as f64 / n;
    assert!((region - 0.2).abs() < 4.0 * (0.2f64 * 0.8 / n).sqrt(), "P(region) {region}");

    let mut s = TrialsSummary::default();
    b.iter().for_each(|o| s.record(o));
    assert_eq!(s.by_disaster.len(), 2);
    let parts: Vec<&TrialsSummary> = s.by_disaster.values().collect();
    assert_eq!(parts.iter().map(|p| p.trials).sum::<u64>(), s.trials);
    // Exact: the sums and counts of the parts add up to the whole, so the overall mean is the
    // trial-weighted mean of the per-disaster means.
    let add = |get: fn(&TrialsSummary) -> &drsim::montecarlo::Accumulator| {
        parts.iter().map(|p| get(p)).fold((0u128, 0u64), |(s, c), a| (s + a.sum(), c + a.count()))
    };
    assert_eq!((s.rpo.sum(), s.rpo.count()), add(|p| &p.rpo));
    assert_eq!((s.rto.sum(), s.rto.count()), add(|p| &p.rto));
    // And the state survives a round trip and validates (the shard files' format).
    let json = serde_json::to_string(&s).unwrap();
    let back: TrialsSummary = serde_json::from_str(&json).unwrap();
    assert_eq!(back, s);
    back.validate(TRIALS).unwrap();
}

/// A mix needs its targets in `[[disasters]]` only, positive weights, distinct labels, and
/// targets that take the primary down; each error names the key.
#[test]
fn bad_mixes_are_refused_naming_the_key() {
    let text = std::fs::read_to_string(scenario_dir().join("multi-az-cross-region.toml")).unwrap();
    let bad = |from: &str, to: &str| {
        assert!(text.contains(from), "{from}");
        Scenario::from_toml_str(&text.replacen(from, to, 1), "mix.toml").map(|_| ()).unwrap_err().to_string()
    };
    let e = bad("[disaster]\n", "[disaster]\ntarget = { site = \"P\" }\n");
    assert!(e.contains("disaster.target") && e.contains("[[disasters]]"), "{e}");
    let e = bad("weight = 0.8", "weight = 0");
    assert!(e.contains("disasters[0].weight") && e.contains("> 0"), "{e}");
    let e = bad("label = \"zone use1-az1\"", "label = \"region us-east-1\"");
    assert!(e.contains("disasters[1].label"), "{e}");
    let e = bad("target = { zone = \"use1-az1\" }", "target = { zone = \"nowhere\" }");
    assert!(e.contains("disasters[0].target"), "{e}");
    // A disaster that leaves the primary up is not a disaster of this trial.
    let sc = Scenario::from_toml_str(
        &text.replacen("target = { zone = \"use1-az1\" }", "target = { site = \"R\" }", 1),
        "m",
    )
    .unwrap();
    let s = drsim::strategies::build(&sc.strategies[0]).unwrap();
    let e = DisasterTrial::new(&sc.disaster, s.as_ref()).map(|_| ()).unwrap_err().to_string();
    assert!(e.contains("disasters[0].target") && e.contains("does not take down the primary"), "{e}");
}

/// Active/active over three regions (`multi_site` with `sites = ["T"]`), by hand. Detection:
/// health checks every 10 s, 3 failures. A region-A loss leaves S and T serving; the routing
/// change takes one 60 s TTL to reach every client, traffic ramping from the survivors' shares
/// (1/3 each, 2/3 served) to 1/2 each.
/// - Each site runs the whole fleet (fraction 1): level 1 once the ramp ends: RTO = detection
///   plus 60 s exactly, RPO 0 (synchronous copies at both survivors), recovery at S (the
///   standby, first on ties).
/// - Each runs a third (⌈8/3⌉ = 3 of 8): each survivor must carry 4 and launches one instance
///   (fixed 200 s, longer than the TTL): RTO = detection + 200 s.
#[test]
fn active_active_over_three_regions_serves_from_the_survivors() {
    let text = |fraction: &str| {
        format!(
            r#"
[trials]
seed = 3
[topology]
regions = ["A", "B", "C"]
zones = [{{ name = "a1", region = "A" }}, {{ name = "b1", region = "B" }}, {{ name = "c1", region = "C" }}]
sites = [
    {{ name = "P", zone = "a1", instances_running = 8, instances_needed = 8 }},
    {{ name = "S", zone = "b1", instances_running = 8, instances_needed = 8 }},
    {{ name = "T", zone = "c1", instances_running = 8, instances_needed = 8 }},
]
links = [
    {{ from = "P", to = "S", latency = "10ms", bandwidth_bytes_per_s = 100e6 }},
    {{ from = "S", to = "P", latency = "10ms", bandwidth_bytes_per_s = 100e6 }},
    {{ from = "P", to = "T", latency = "20ms", bandwidth_bytes_per_s = 100e6 }},
]
[deployment]
primary = "P"
standby = "S"
dataset_bytes = 1e9
[workload]
arrivals = {{ kind = "poisson", rate_per_s = 5 }}
size_bytes = {{ kind = "exponential", mean = 4096 }}
[disaster]
target = {{ region = "A" }}
warm_up = "10m"
window = "10m"
repair = {{ kind = "fixed", value = "2h" }}
primary_data_survives = true
[detection]
kind = "health_check"
interval = "10s"
failures = 3
[[strategies]]
kind = "multi_site"
[strategies.params]
sites = ["T"]
capacity_per_site_fraction = {fraction}
dns_ttl = "60s"
launch = "200s"
"#
        )
    };
    // With tiers, each survivor's launch (200 s) is followed by each tier's ready time; the
    // service is back when the slowest tier has its capacity: detection + 200 + 400 s with an
    // app tier ready in 400 s, detection + 200 + 100 s when both take 100 s. With full fleets
    // nothing launches and the tiers change nothing.
    let tiers = |web: u64, app: u64| {
        format!("tiers = [{{ name = \"web\", ready = \"{web}s\" }}, {{ name = \"app\", ready = \"{app}s\" }}]\n")
    };
    for (fraction, tiers, after_detection) in [
        ("1.0", String::new(), 60),
        ("0.3334", String::new(), 200),
        ("0.3334", tiers(100, 400), 600),
        ("0.3334", tiers(100, 100), 300),
        ("1.0", tiers(100, 400), 60),
    ] {
        let text = text(fraction).replace("dataset_bytes = 1e9\n", &format!("dataset_bytes = 1e9\n{tiers}"));
        let sc = Scenario::from_toml_str(&text, "three regions").unwrap_or_else(|e| panic!("{e}"));
        let s = drsim::strategies::build(&sc.strategies[0]).unwrap();
        let trial = DisasterTrial::new(&sc.disaster, s.as_ref()).unwrap();
        assert_eq!(trial.copies().iter().map(|c| c.site).collect::<Vec<_>>(), ["S", "T"]);
        for o in run(&trial, sc.trials.seed, 50) {
            let rto = o.rto.expect("recovered");
            assert_eq!(
                rto.saturating_sub(o.detection_delay),
                SimDuration::from_secs(after_detection),
                "fraction {fraction}, {tiers} trial {}: {o:?}",
                o.trial
            );
            assert_eq!((o.rpo, o.recovered_at.as_deref()), (Some(SimDuration::ZERO), Some("S")));
            assert!(o.failback.is_some() && !o.flags.recovery_failed, "{o:?}");
        }
    }
}

/// `examples/scenarios/three-region-active.toml`: with 2-of-3 quorum writes a region loss loses
/// nothing, in every trial, although each link from the primary fails now and then (every
/// committed write is on at least n − k + 1 = 2 members, and the disaster takes only one);
/// commits wait for the nearer remote member, so the commit latency is at least one round trip
/// to the nearer region (60 ms at the least, both one-way latencies drawn in [30, 45] ms) and is
/// recorded. With k = 1 (the primary alone commits) the survivors may lack the newest writes:
/// some trial loses some.
#[test]
fn a_quorum_of_three_regions_survives_a_region() {
    let sc = crate::common::load("three-region-active.toml");
    let quorum = outcomes_of(&sc, 0, 150);
    for o in &quorum {
        assert_eq!((o.rpo, o.writes_lost), (Some(SimDuration::ZERO), 0), "trial {}: {o:?}", o.trial);
        let p50 = o.commit_latency_p50.expect("quorum commits wait for a member");
        assert!(p50 >= SimDuration::from_millis(60), "trial {}: commit p50 {p50}", o.trial);
    }
    let asynchronous = outcomes_of(&sc, 1, 150);
    assert!(asynchronous.iter().any(|o| o.writes_lost > 0), "asynchronous copies lose their backlog sometimes");
    let text = std::fs::read_to_string(crate::common::scenario_dir().join("three-region-active.toml")).unwrap();
    let one = Scenario::from_toml_str(&text.replace("mode = \"quorum\", k = 2", "mode = \"quorum\", k = 1"), "k = 1")
        .unwrap_or_else(|e| panic!("{e}"));
    let lossy = outcomes_of(&one, 0, 150);
    assert!(lossy.iter().any(|o| o.writes_lost > 0), "with k = 1 the survivors may lack writes");
    assert!(lossy.iter().all(|o| o.commit_latency_p50 == Some(SimDuration::ZERO)));
    // Both links from the primary down (almost) all the time: nothing can commit on 2 of 3,
    // and that is write unavailability, as synchronous `block` counts it; with k = 1 nothing
    // waits.
    let down = text.replace("mean = \"30d\" }", "mean = \"1m\" }").replace(
        "time_to_repair = { kind = \"exponential\", mean = \"1h\" }",
        "time_to_repair = { kind = \"exponential\", mean = \"100d\" }",
    );
    let stuck = Scenario::from_toml_str(&down, "links down").unwrap_or_else(|e| panic!("{e}"));
    let o = outcomes_of(&stuck, 0, 60);
    let mostly = o.iter().filter(|o| o.write_blocked.as_secs_f64() >= 0.99 * o.disaster_at.as_secs_f64()).count();
    assert!(mostly >= 57, "{mostly} of 60 trials blocked nearly throughout");
    let free = Scenario::from_toml_str(&down.replace("mode = \"quorum\", k = 2", "mode = \"quorum\", k = 1"), "k = 1")
        .unwrap();
    assert!(outcomes_of(&free, 0, 20).iter().all(|o| o.write_blocked.is_zero()));
    // k beyond the members is refused, naming both.
    let bad = Scenario::from_toml_str(&text.replace("mode = \"quorum\", k = 2", "mode = \"quorum\", k = 4"), "k = 4")
        .unwrap();
    let s = drsim::strategies::build(&bad.strategies[0]).unwrap();
    let e = DisasterTrial::new(&bad.disaster, s.as_ref()).err().expect("k = 4 of 3 refused").to_string();
    assert!(e.contains("k = 4") && e.contains("n = 3"), "{e}");
}

fn outcomes_of(sc: &Scenario, strategy: usize, n: u64) -> Vec<TrialOutcome> {
    let s = drsim::strategies::build(&sc.strategies[strategy]).unwrap();
    let trial = DisasterTrial::new(&sc.disaster, s.as_ref()).unwrap_or_else(|e| panic!("{e}"));
    run(&trial, sc.trials.seed, n)
}
