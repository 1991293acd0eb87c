//! Logical disasters (corruption, ransomware, deletion) against closed forms.
//!
//! ```text
//!   P ── async ──► S          (a live copy: copies the damage, never a clean point)
//!   P ── daily ──► V          (backups: clean if taken before t_c and still kept at t_c + D)
//! ```
//!
//! Expected values (statistical checks: fixed seeds, 4 standard errors):
//! - Daily backups kept 7 (keep_newest = 7), a fixed dwell D: with D = 3 d, 3 backups were taken
//!   after the clean one and it is kept: RPO = t_c − s ~ U(0, 24 h) with replay (mean 12 h), and
//!   D + U(0, 24 h) without (mean 3.5 d); with D = 8 d, 8 newer backups pushed it out: every
//!   trial `no_clean_copy`.
//! - Exponential dwell of mean m and backups every 5 minutes kept W = 2 d (max_age): the clean
//!   point exists iff D + U·5 min ≤ W, so P(no clean copy) = e^{−W/m}·E[e^{U·5min/m}] ≈ e^{−2}
//!   (the correction, 1.0017, is far inside the tolerance).
//! - Ransomware destroys the backups it reaches with probability p: with a dwell well inside the
//!   retention, P(no clean copy) = p for a reachable vault and 0 for a locked one, whatever p.
//! - Restore and cutover by hand: 100 GB at 200 MB/s = 500 s, then a fixed 5-minute cutover:
//!   RTO after detection = 800 s exactly.
//! - Vault Lock's cooling-off: the damage uniform in [1 d, 5 d), a compliance lock set at 0 with
//!   a 72 h cooling-off, an attacker destroying what it can (p = 1): P(no clean copy) =
//!   P(t_c < 3 d) = 1/2; a governance lock: 1; a lock set long before: 0.
//! - A lock's minimum retention of 7 d keeps the daily backup that `keep_newest = 1` drops
//!   (dwell 3 d): RPO ~ U(0, 24 h) again instead of no clean copy.
//! - A delayed replica (lag fixed at 1 h) against an exponential dwell of mean 30 min: clean
//!   iff D < 1 h, so P(no clean copy) = e^{−2}; its clean point is 1 h − D old, E[1 h − D | D <
//!   1 h] = 1 h − (30 min − 1 h·e^{−2}/(1 − e^{−2})) = 2,363.46 s; promoted, not restored:
//!   RTO after detection = the 300 s cutover.
//! - Faults during the restore: the primary fails every 1,000 s on average (exponential) for
//!   200 s (exponential); the 800 s of restore and cutover start over after each failure. From
//!   the stationary state at detection: E[outage] = P(down)·r + (1/λ + r)(e^{λT} − 1) = 200/6 +
//!   1,200·(e^{0.8} − 1) = 1,503.98 s, and P(delayed) = 1/6 + 5/6·(1 − e^{−0.8}) = 0.62556
//!   (the restart model of e.g. Kulkarni, *Modeling and Analysis of Stochastic Systems*, the
//!   completion time of a job that restarts after each failure).

use drsim::engine::SimDuration;
use drsim::scenario::Scenario;
use drsim::trial::{DisasterTrial, TrialOutcome};
use proptest::prelude::*;

use crate::common::{mean_se, run};

const BASE: &str = r#"
[trials]
seed = 11
horizon = "400d"

[topology]
regions = ["A", "B"]
zones = [{ name = "a1", region = "A" }, { name = "b1", region = "B" }, { name = "b2", region = "B" }]
sites = [
    { name = "P", zone = "a1", instances_running = 2, instances_needed = 2 },
    { name = "S", zone = "b1", instances_running = 1, instances_needed = 2 },
    { name = "V", zone = "b2", instances_running = 0, instances_needed = 2 },
]
links = [
    { from = "P", to = "S", latency = "30ms", bandwidth_bytes_per_s = 100e6 },
    { from = "S", to = "P", latency = "30ms", bandwidth_bytes_per_s = 100e6 },
    { from = "P", to = "V", latency = "30ms", bandwidth_bytes_per_s = 100e6 },
]

[deployment]
primary = "P"
standby = "S"
dataset_bytes = 100e9

[workload]
arrivals = { kind = "poisson", rate_per_s = 2 }
size_bytes = { kind = "exponential", mean = 4096 }

[disaster]
warm_up = "1h"
window = "1h"
repair = "1h"

[[disasters]]
weight = 1
DISASTER

[[strategies]]
kind = "warm_standby"
REPLICAS
"#;

fn scenario(disaster: &str, replicas: &str) -> Scenario {
    let text = BASE.replace("DISASTER", disaster).replace("REPLICAS", replicas);
    Scenario::from_toml_str(&text, "corruption test").unwrap_or_else(|e| panic!("{e}"))
}

fn outcomes(sc: &Scenario, n: u64) -> Vec<TrialOutcome> {
    let s = drsim::strategies::build(&sc.strategies[0]).unwrap();
    let trial = DisasterTrial::new(&sc.disaster, s.as_ref()).unwrap_or_else(|e| panic!("{e}"));
    run(&trial, sc.trials.seed, n)
}

fn daily(retention: &str, vault: &str) -> String {
    format!(
        r#"[[strategies.replicas]]
site = "V"
replication = {{ mode = "snapshot", interval = "24h", size = {{ kind = "incremental" }}, retention = {{ {retention} }}, vault = "{vault}" }}"#
    )
}

/// Daily backups kept 7, fixed dwell (module docs).
#[test]
fn retention_against_a_fixed_dwell() {
    let day = 86_400.0;
    let n = 2000;
    for (replay, low, mean) in [(true, 0.0, 0.5 * day), (false, 3.0 * day, 3.5 * day)] {
        let sc = scenario(
            &format!(r#"corruption = {{ stores = ["database"], dwell = "3d", replay_after_damage = {replay} }}"#),
            &daily("keep_newest = 7", "reachable"),
        );
        let o = outcomes(&sc, n);
        let rpo: Vec<f64> = o.iter().map(|o| o.rpo.expect("a clean backup").as_secs_f64()).collect();
        assert!(rpo.iter().all(|&r| r >= low && r <= low + day), "replay {replay}");
        let (m, se) = mean_se(&rpo);
        let se = se.max(day / 12f64.sqrt() / (n as f64).sqrt());
        assert!(
            (m - mean).abs() < 4.0 * se,
            "replay {replay}: mean RPO {m:.0} s, expected {mean:.0} ± {:.0}",
            4.0 * se
        );
        assert!(o.iter().all(|o| o.detection_delay == SimDuration::from_days(3) && !o.flags.no_clean_copy));
    }
    let sc =
        scenario(r#"corruption = { stores = ["database"], dwell = "8d" }"#, &daily("keep_newest = 7", "reachable"));
    for o in outcomes(&sc, 200) {
        assert!(o.flags.no_clean_copy && o.rpo.is_none(), "trial {}: {o:?}", o.trial);
        assert_eq!(o.rpo_met, None);
        assert!(o.rto.is_none(), "nothing clean to bring back: the RTO is censored too");
    }
}

/// Exponential dwell against a 2-day window of 5-minute backups: P(no clean copy) = e^{−2}.
#[test]
fn an_exponential_dwell_outlives_the_window_with_its_tail_probability() {
    let sc = scenario(
        r#"deletion = { stores = ["database"], dwell = { kind = "exponential", mean = "1d" } }"#,
        r#"[[strategies.replicas]]
site = "V"
replication = { mode = "snapshot", interval = "5m", size = { kind = "incremental" }, retention = { max_age = "2d" } }"#,
    );
    let n = 4000;
    let none = outcomes(&sc, n).iter().filter(|o| o.flags.no_clean_copy).count() as f64 / n as f64;
    let p = (-2.0f64).exp();
    let se = (p * (1.0 - p) / n as f64).sqrt();
    assert!((none - p).abs() < 4.0 * se, "P(no clean copy) {none:.4}, expected {p:.4} ± {:.4}", 4.0 * se);
}

/// Ransomware and vaults (module docs).
#[test]
fn a_locked_vault_outlives_the_attacker() {
    let n = 3000;
    for p in [0.3, 0.9] {
        let disaster = format!(r#"ransomware = {{ stores = ["database"], dwell = "2d", delete_probability = {p} }}"#);
        let reachable = outcomes(&scenario(&disaster, &daily("max_age = \"35d\"", "reachable")), n);
        let none = reachable.iter().filter(|o| o.flags.no_clean_copy).count() as f64 / n as f64;
        let se = (p * (1.0 - p) / n as f64).sqrt();
        assert!((none - p).abs() < 4.0 * se, "p = {p}: P(no clean copy) {none:.4}");
        for vault in ["locked", "isolated"] {
            let safe = outcomes(&scenario(&disaster, &daily("max_age = \"35d\"", vault)), 300);
            assert!(safe.iter().all(|o| !o.flags.no_clean_copy), "p = {p}, {vault}");
        }
    }
}

/// Restore and cutover by hand: RTO after detection = 500 s + 300 s.
#[test]
fn recovery_restores_the_clean_point_then_cuts_over() {
    let sc = scenario(r#"corruption = { stores = ["database"], dwell = "1d" }"#, &daily("", "reachable"));
    for o in outcomes(&sc, 50) {
        assert_eq!(o.rto.unwrap().saturating_sub(o.detection_delay), SimDuration::from_secs(800), "{o:?}");
        assert_eq!((o.recovered_at.as_deref(), o.failback), (Some("P"), None));
        assert_eq!(o.disaster, "corruption database");
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 12, ..ProptestConfig::default() })]
    /// Live copies — synchronous, asynchronous, semi-synchronous, lag shorter than the dwell —
    /// copy the damage: with nothing else, no trial has a clean point, whatever the lag and the
    /// dwell.
    #[test]
    fn live_copies_never_hold_a_clean_point(
        mode in prop::sample::select(vec![
            r#"{ mode = "synchronous" }"#,
            r#"{ mode = "asynchronous" }"#,
            r#"{ mode = "semi_sync", timeout = "1s" }"#,
            r#"{ mode = "lag", lag = { kind = "uniform", low = "1s", high = "59m" } }"#,
        ]),
        dwell_hours in 1u64..400,
        seed in 0u64..100,
    ) {
        let replicas = format!("[[strategies.replicas]]\nsite = \"V\"\nreplication = {mode}");
        let mut sc = scenario(&format!(r#"corruption = {{ stores = ["database"], dwell = "{dwell_hours}h" }}"#), &replicas);
        sc.trials.seed = seed;
        for o in outcomes(&sc, 20) {
            prop_assert!(o.flags.no_clean_copy && o.rpo.is_none());
        }
    }
}

/// A logical disaster beside a site disaster in one mix; bad entries are refused by key.
#[test]
fn logical_disasters_mix_with_site_disasters_and_bad_ones_are_named() {
    let text = BASE
        .replace("[[disasters]]\nweight = 1\nDISASTER", "[[disasters]]\nweight = 1\ntarget = { region = \"A\" }\n\n[[disasters]]\nweight = 1\nransomware = { stores = [\"database\"] }")
        .replace("REPLICAS", &daily("max_age = \"35d\"", "locked"));
    let sc = Scenario::from_toml_str(&text, "mix").unwrap_or_else(|e| panic!("{e}"));
    let o = outcomes(&sc, 200);
    let (data, site): (Vec<&TrialOutcome>, Vec<&TrialOutcome>) =
        o.iter().partition(|o| o.disaster == "ransomware database");
    assert!(!data.is_empty() && !site.is_empty());
    assert!(site.iter().all(|o| o.disaster == "region A" && o.recovered_at.as_deref() == Some("S")));
    // Default ransomware dwell: lognormal, median 5 days.
    let mut d: Vec<f64> = data.iter().map(|o| o.detection_delay.as_secs_f64()).collect();
    d.sort_by(f64::total_cmp);
    let median = d[d.len() / 2] / 86_400.0;
    assert!(median > 3.0 && median < 8.0, "median dwell {median} d");
    for (entry, key, says) in [
        ("target = { region = \"A\" }\nransomware = { stores = [\"database\"] }", "disasters[0]", "exactly one"),
        ("ransomware = { stores = [\"nope\"] }", "disasters[0].ransomware.stores[0]", "neither"),
        ("corruption = { stores = [\"database\"], delete_probability = 0.5 }", "disasters[0]", "ransomware only"),
        ("ransomware = { stores = [\"database\"], delete_probability = 1.5 }", "disasters[0]", "[0, 1]"),
        ("deletion = { stores = [] }", "disasters[0]", "stores is empty"),
        ("deletion = { stores = [\"database\"], restore_throughput_bytes_per_s = 0 }", "disasters[0]", "> 0"),
    ] {
        let text = BASE.replace("DISASTER", entry).replace("REPLICAS", "");
        let e = Scenario::from_toml_str(&text, "bad.toml").expect_err(entry).to_string();
        assert!(e.contains(key) && e.contains(says), "{entry}\n→ {e}");
    }
}

/// A horizon with a logical disaster every 180 days on average (exponential: the occurrences
/// in ten years are Poisson, mean 3650/180 = 20.278), each a deletion found after one day,
/// restored from daily backups: by the renewal-reward theorem the writes lost per run are the
/// occurrences times the mean loss per occurrence, λ·E[U·1 d] = 2/s × 43,200 s = 86,400, so
/// 1,752,000 per run (300 runs, fixed seed, 4 standard errors); the downtime is 800 s per
/// occurrence (500 s of restore and the 5-minute cutover), the last one possibly cut by the
/// end of the run.
#[test]
fn a_horizon_of_logical_disasters_loses_the_rate_times_the_mean_loss() {
    let text = BASE
        .replace("DISASTER", "target = { region = \"A\" }")
        .replace("REPLICAS", &daily("max_age = \"35d\"", "locked"))
        + "\n[horizon]\nlength = \"3650d\"\nlogical = [{ time_between = { kind = \"exponential\", mean = \"180d\" }, deletion = { stores = [\"database\"], dwell = \"1d\" } }]\n";
    let sc = Scenario::from_toml_str(&text, "horizon").unwrap_or_else(|e| panic!("{e}"));
    let spec = sc.horizon.clone().expect("[horizon]");
    let s = drsim::strategies::build(&sc.strategies[0]).unwrap();
    let trial = DisasterTrial::new(&sc.disaster, s.as_ref()).unwrap();
    let runs: Vec<_> = (0..300).map(|i| drsim::horizon::run_horizon(&trial, &spec, 5, i).unwrap()).collect();
    let (incidents, se_i) = mean_se(&runs.iter().map(|r| r.logical_incidents as f64).collect::<Vec<_>>());
    assert!((incidents - 3650.0 / 180.0).abs() < 4.0 * se_i, "{incidents} occurrences per run");
    let (lost, se) = mean_se(&runs.iter().map(|r| r.writes_lost as f64).collect::<Vec<_>>());
    let expected = 3650.0 / 180.0 * 86_400.0;
    assert!(
        (lost - expected).abs() < 4.0 * se,
        "writes lost per run {lost:.0}, expected {expected:.0} ± {:.0}",
        4.0 * se
    );
    for r in &runs {
        assert_eq!((r.incidents, r.no_clean_copy), (0, 0));
        let n = r.logical_incidents;
        assert!(r.downtime <= SimDuration::from_secs(800 * n), "{r:?}");
        assert!(r.downtime >= SimDuration::from_secs(800 * n.saturating_sub(1)), "{r:?}");
    }
}

/// Retention costs what it keeps (`cost::trial_monthly_cost`), by hand on
/// `examples/scenarios/ransomware.toml` (1 write/s of 16,384 B: 1.4156 GB a day, 43.057 GB a
/// month of 730 h; a 200 GB database; backups at 0.023 USD/GB-month, transfer 0.02 USD/GB
/// between regions, 0.01 within one). Each strategy's extra cost over the replica alone:
/// - daily, kept 7 days: (200 + 7 × 1.415578) GB × 0.023 + 43.057 GB × 0.02 = 5.68953 USD;
/// - daily, kept 35 days (and locked: a lock costs nothing here): (200 + 35 × 1.415578) ×
///   0.023 + 43.057 × 0.02 = 6.60115 USD;
/// - PITR every 5 minutes kept 35 days, in the same region: (200 + 10,080 × 0.0049152) ×
///   0.023 + 43.057 × 0.01 = 6.17008 USD.
#[test]
fn retention_costs_what_it_keeps() {
    let sc = crate::common::load("ransomware.toml");
    let cost = sc.cost.clone().expect("[cost]");
    let monthly = |label: &str| {
        let entry = sc.strategies.iter().find(|e| e.label() == label).unwrap();
        let s = drsim::strategies::build(entry).unwrap();
        let trial = DisasterTrial::new(&sc.disaster, s.as_ref()).unwrap();
        drsim::cost::trial_monthly_cost(&cost, &trial).total_usd()
    };
    let base = monthly("async replica only");
    let day_gb = 16_384.0 * 86_400.0 / 1e9;
    let month_gb = 16_384.0 * 730.0 * 3600.0 / 1e9;
    for (label, expected) in [
        ("daily, kept 7 days", (200.0 + 7.0 * day_gb) * 0.023 + month_gb * 0.02),
        ("daily, kept 35 days", (200.0 + 35.0 * day_gb) * 0.023 + month_gb * 0.02),
        ("daily, 35 days, locked", (200.0 + 35.0 * day_gb) * 0.023 + month_gb * 0.02),
        ("PITR 35 days, locked", (200.0 + 10_080.0 * 16_384.0 * 300.0 / 1e9) * 0.023 + month_gb * 0.01),
    ] {
        let extra = monthly(label) - base;
        assert!(
            (extra - expected).abs() < 1e-9 * expected.max(1.0) + 1e-9,
            "{label}: {extra} USD/month, expected {expected}"
        );
    }
}

/// Common random numbers across strategies whose copies differ: the dwell, the attack and the
/// cutover are drawn before anything that depends on the copies, so in trial i two strategies
/// see the same detection and, when both restore the same data set, the same outage after it.
#[test]
fn strategies_with_different_backups_face_the_same_logical_disasters() {
    let disaster =
        r#"corruption = { stores = ["database"], cutover = { kind = "uniform", low = "1m", high = "20m" } }"#;
    let weekly = scenario(disaster, &daily("keep_newest = 7", "reachable"));
    let monthly = scenario(disaster, &daily("max_age = \"35d\"", "locked"));
    let (a, b) = (outcomes(&weekly, 300), outcomes(&monthly, 300));
    let mut both = 0;
    for (x, y) in a.iter().zip(&b) {
        assert_eq!((x.disaster_at, x.detection_delay), (y.disaster_at, y.detection_delay), "trial {}", x.trial);
        if let (Some(rx), Some(ry)) = (x.rto, y.rto) {
            assert_eq!(rx, ry, "trial {}: the same restore and cutover", x.trial);
            both += 1;
        }
    }
    assert!(both > 50, "{both} trials where both recovered");
}

/// A snapshot replica at V in a vault given as a TOML value.
fn vaulted(retention: &str, vault: &str) -> String {
    format!(
        r#"[[strategies.replicas]]
site = "V"
replication = {{ mode = "snapshot", interval = "24h", size = {{ kind = "incremental" }}, retention = {{ {retention} }}, vault = {vault} }}"#
    )
}

/// Vault Lock's cooling-off and modes (module docs).
#[test]
fn a_vault_lock_protects_only_after_its_cooling_off_and_only_in_compliance_mode() {
    let n = 3000;
    let attack = r#"ransomware = { stores = ["database"], dwell = "2d", delete_probability = 1.0 }"#;
    let with = |vault: &str| {
        let text = BASE
            .replace("warm_up = \"1h\"\nwindow = \"1h\"", "warm_up = \"1d\"\nwindow = \"4d\"")
            .replace("DISASTER", attack)
            .replace("REPLICAS", &vaulted("max_age = \"35d\"", vault));
        assert!(text.contains("window = \"4d\""));
        let sc = Scenario::from_toml_str(&text, "lock").unwrap_or_else(|e| panic!("{e}"));
        let o = outcomes(&sc, n);
        o.iter().filter(|o| o.flags.no_clean_copy).count() as f64 / n as f64
    };
    let cooling = with(r#"{ lock = { locked_at = "0s" } }"#);
    let se = (0.25 / n as f64).sqrt();
    assert!((cooling - 0.5).abs() < 4.0 * se, "P(no clean copy) {cooling:.4}, expected 0.5 ± {:.4}", 4.0 * se);
    assert_eq!(with(r#"{ lock = { mode = "governance" } }"#), 1.0);
    assert_eq!(with(r#"{ lock = {} }"#), 0.0);
    assert_eq!(with(r#"{ lock = { locked_at = "0s", cooling_off = "1d" } }"#), 0.0);
}

/// A lock's minimum retention keeps what a count-based retention drops (module docs); a
/// retention below the minimum is refused by key.
#[test]
fn a_locks_minimum_retention_keeps_the_clean_point() {
    let dwell = r#"corruption = { stores = ["database"], dwell = "3d" }"#;
    let gone = outcomes(&scenario(dwell, &vaulted("keep_newest = 1", "\"locked\"")), 200);
    assert!(gone.iter().all(|o| o.flags.no_clean_copy));
    let n = 2000;
    let kept = outcomes(&scenario(dwell, &vaulted("keep_newest = 1", r#"{ lock = { min_retention = "7d" } }"#)), n);
    let rpo: Vec<f64> = kept.iter().map(|o| o.rpo.expect("kept by the lock").as_secs_f64()).collect();
    let (m, se) = mean_se(&rpo);
    assert!((m - 43_200.0).abs() < 4.0 * se, "mean RPO {m:.0} s, expected 43,200 ± {:.0}", 4.0 * se);
    let text = BASE
        .replace("DISASTER", dwell)
        .replace("REPLICAS", &vaulted("max_age = \"3d\"", r#"{ lock = { min_retention = "7d" } }"#));
    let sc = Scenario::from_toml_str(&text, "short.toml").unwrap_or_else(|e| panic!("{e}"));
    let s = drsim::strategies::build(&sc.strategies[0]).unwrap();
    let e = DisasterTrial::new(&sc.disaster, s.as_ref()).err().expect("below the minimum").to_string();
    assert!(
        e.contains("replicas[0].replication") && e.contains("retention.max_age = 3d") && e.contains("min_retention"),
        "{e}"
    );
}

/// A delayed replica (module docs).
#[test]
fn a_delayed_replica_is_a_clean_point_while_its_delay_exceeds_the_dwell() {
    let sc = scenario(
        r#"corruption = { stores = ["database"], dwell = { kind = "exponential", mean = "30m" } }"#,
        "[[strategies.replicas]]\nsite = \"V\"\nreplication = { mode = \"lag\", lag = \"1h\" }",
    );
    let n = 4000;
    let o = outcomes(&sc, n);
    let none = o.iter().filter(|o| o.flags.no_clean_copy).count() as f64 / n as f64;
    let p = (-2.0f64).exp();
    let se = (p * (1.0 - p) / n as f64).sqrt();
    assert!((none - p).abs() < 4.0 * se, "P(no clean copy) {none:.4}, expected {p:.4} ± {:.4}", 4.0 * se);
    let clean: Vec<&TrialOutcome> = o.iter().filter(|o| !o.flags.no_clean_copy).collect();
    let rpo: Vec<f64> = clean.iter().map(|o| o.rpo.unwrap().as_secs_f64()).collect();
    let (m, se) = mean_se(&rpo);
    let expected = 3600.0 - (1800.0 - 3600.0 * p / (1.0 - p));
    assert!((m - expected).abs() < 4.0 * se, "mean RPO {m:.1} s, expected {expected:.1} ± {:.1}", 4.0 * se);
    for o in clean {
        assert_eq!(
            o.rto.unwrap().saturating_sub(o.detection_delay),
            SimDuration::from_secs(300),
            "promoted: the cutover only"
        );
        assert!(o.rpo.unwrap() < SimDuration::from_hours(1));
    }
}

/// Faults during the restore (module docs).
#[test]
fn the_primarys_faults_delay_and_restart_the_restore() {
    let text = BASE
        .replace("DISASTER", r#"corruption = { stores = ["database"], dwell = "1d" }"#)
        .replace("REPLICAS", &daily("", "reachable"))
        + r#"
[[faults]]
target = { site = "P" }
time_between_failures = { kind = "exponential", mean = "1000s" }
time_to_repair = { kind = "exponential", mean = "200s" }
"#;
    let sc = Scenario::from_toml_str(&text, "faults").unwrap_or_else(|e| panic!("{e}"));
    let n = 4000;
    let o = outcomes(&sc, n);
    let outage: Vec<f64> = o.iter().map(|o| o.rto.unwrap().saturating_sub(o.detection_delay).as_secs_f64()).collect();
    assert!(outage.iter().all(|&x| x >= 800.0));
    let (m, se) = mean_se(&outage);
    let expected = 200.0 / 6.0 + 1200.0 * (0.8f64.exp() - 1.0);
    assert!((m - expected).abs() < 4.0 * se, "mean outage {m:.1} s, expected {expected:.1} ± {:.1}", 4.0 * se);
    let delayed = o.iter().filter(|o| o.flags.recovery_delayed).count() as f64 / n as f64;
    let p = 1.0 / 6.0 + 5.0 / 6.0 * (1.0 - (-0.8f64).exp());
    let se = (p * (1.0 - p) / n as f64).sqrt();
    assert!((delayed - p).abs() < 4.0 * se, "P(delayed) {delayed:.4}, expected {p:.4} ± {:.4}", 4.0 * se);
}

/// Horizon invariant: a logical restore that waits for the primary does not count the
/// primary's outage twice (it is downtime of its own incident already): with the primary down
/// 90 % of the time and a deletion found after an hour every day, no run's downtime exceeds
/// its length.
#[test]
fn logical_restores_do_not_count_the_primarys_outages_twice() {
    let text = BASE
        .replace("DISASTER", "target = { region = \"A\" }")
        .replace("REPLICAS", &daily("max_age = \"35d\"", "locked"))
        + r#"
[horizon]
length = "60d"
failures = [{ target = { site = "P" }, time_between_failures = { kind = "exponential", mean = "1d" }, time_to_repair = { kind = "exponential", mean = "9d" } }]
logical = [{ time_between = { kind = "exponential", mean = "1d" }, deletion = { stores = ["database"], dwell = "1h" } }]
"#;
    let sc = Scenario::from_toml_str(&text, "horizon").unwrap_or_else(|e| panic!("{e}"));
    let spec = sc.horizon.clone().expect("[horizon]");
    let s = drsim::strategies::build(&sc.strategies[0]).unwrap();
    let trial = DisasterTrial::new(&sc.disaster, s.as_ref()).unwrap();
    for i in 0..40 {
        let r = drsim::horizon::run_horizon(&trial, &spec, 9, i).unwrap();
        assert!(r.logical_incidents > 10, "{r:?}");
        assert!(r.downtime <= SimDuration::from_days(60), "run {i}: {} down in 60 d", r.downtime);
    }
}
