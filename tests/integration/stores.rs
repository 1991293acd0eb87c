//! Several data stores per deployment (`[[stores]]`): each store's loss, the service's RPO as
//! the largest over them, restores before traffic returns, censoring when a store has no copy.
//!
//! ```text
//!   region A                         region B
//!   a1: P ── database: async ──────► b1: S   (warm standby)
//!       ├─── media: per the test ──► b1: S / b2: V
//!   a2: Q ◄── media (same-region copy, for the censoring test)
//! ```
//!
//! Expected values: identities that hold trial by trial (the service RPO is the largest store
//! RPO; losses add up; adding a store leaves the database's figures bit-identical, since each
//! store draws from its own family of streams), and one closed form: a store whose only copy is
//! an hourly snapshot shipped at once loses, at a uniformly placed disaster, everything written
//! since the last snapshot began: RPO = U·T − G with U uniform on [0, 1), T = 1 h and G the gap
//! to the first write after the snapshot (Exp(λ), λ = 1/s), so E[RPO] = T/2 − 1/λ ≈ 1799 s
//! (snapshots of 3.6 MB over 100 MB/s take 36 ms to ship, negligible here), sd T/√12 = 1039 s.

use drsim::engine::SimDuration;
use drsim::montecarlo::TrialsSummary;
use drsim::scenario::Scenario;
use drsim::trial::{DisasterTrial, TrialOutcome};
use proptest::prelude::*;

use crate::common::run;

const BASE: &str = r#"
[trials]
seed = 7
horizon = "10d"

[topology]
regions = ["A", "B"]
zones = [
    { name = "a1", region = "A" },
    { name = "a2", region = "A" },
    { name = "b1", region = "B" },
    { name = "b2", region = "B" },
]
sites = [
    { name = "P", zone = "a1", instances_running = 4, instances_needed = 4 },
    { name = "Q", zone = "a2", instances_running = 0, instances_needed = 4 },
    { name = "S", zone = "b1", instances_running = 1, instances_needed = 4 },
    { name = "V", zone = "b2", instances_running = 0, instances_needed = 4 },
]
links = [
    { from = "P", to = "S", latency = "30ms", bandwidth_bytes_per_s = 100e6 },
    { from = "S", to = "P", latency = "30ms", bandwidth_bytes_per_s = 100e6 },
    { from = "P", to = "V", latency = "30ms", bandwidth_bytes_per_s = 100e6 },
    { from = "P", to = "Q", latency = "1ms", bandwidth_bytes_per_s = 1e9 },
]

[deployment]
primary = "P"
standby = "S"
dataset_bytes = 10e9

[workload]
arrivals = { kind = "poisson", rate_per_s = 2 }
size_bytes = { kind = "exponential", mean = 65_536 }

[disaster]
target = { region = "A" }
warm_up = "90m"
window = "1h"
repair = { kind = "fixed", value = "8h" }
primary_data_survives = PDS

[detection]
kind = "health_check"
interval = "10s"
failures = 3

[[strategies]]
kind = "warm_standby"
[strategies.params]
dns_ttl = "60s"
"#;

/// The base scenario with `stores` appended (TOML) and the primary's data surviving or not.
fn scenario(stores: &str, primary_data_survives: bool) -> Scenario {
    scenario_on(BASE, stores, primary_data_survives)
}

fn scenario_on(base: &str, stores: &str, primary_data_survives: bool) -> Scenario {
    let text = format!("{}\n{stores}", base.replace("PDS", &primary_data_survives.to_string()));
    Scenario::from_toml_str(&text, "stores test").unwrap_or_else(|e| panic!("{e}"))
}

fn outcomes(sc: &Scenario, n: u64) -> Vec<TrialOutcome> {
    let s = drsim::strategies::build(&sc.strategies[0]).unwrap();
    let trial = DisasterTrial::new(&sc.disaster, s.as_ref()).unwrap_or_else(|e| panic!("{e}"));
    run(&trial, sc.trials.seed, n)
}

fn media(copies: &str, extra: &str) -> String {
    format!(
        r#"
[[stores]]
name = "media"
workload = {{ arrivals = {{ kind = "poisson", rate_per_s = 1 }}, size_bytes = {{ kind = "fixed", value = 1000 }} }}
{extra}
copies = [{copies}]
"#
    )
}

/// Checks the identities between a trial's service figures and its stores' (module docs).
fn check_identities(o: &TrialOutcome, without: &TrialOutcome) {
    let db = &o.stores[0];
    assert_eq!(db.name, "database");
    // Adding a store changes nothing of the database: its own streams, its own copies.
    assert_eq!(
        (db.rpo, db.writes_lost, db.bytes_lost, db.copy_age, db.recovered_from.as_deref()),
        (without.rpo, without.writes_lost, without.bytes_lost, without.copy_age, without.recovered_at.as_deref()),
        "trial {}",
        o.trial
    );
    let max = o.stores.iter().try_fold(SimDuration::ZERO, |m, s| s.rpo.map(|r| m.max(r)));
    assert_eq!(o.rpo, max, "trial {}: service RPO is the largest store RPO: {o:?}", o.trial);
    assert_eq!(o.writes_lost, o.stores.iter().map(|s| s.writes_lost).sum::<u64>());
    assert_eq!(o.bytes_lost, o.stores.iter().map(|s| s.bytes_lost).sum::<u64>());
    assert_eq!(o.copy_age, o.stores.iter().map(|s| s.copy_age).max().unwrap());
    for s in &o.stores {
        if let Some(r) = s.rpo {
            assert!(
                r <= s.copy_age,
                "trial {}: store {} RPO {r} beyond its copy's age {}",
                o.trial,
                s.name,
                s.copy_age
            );
            assert_eq!(r.is_zero(), s.writes_lost == 0, "trial {}: store {}", o.trial, s.name);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 6, ..ProptestConfig::default() })]
    /// The service RPO is the largest over the stores, trial by trial; losses add up; the
    /// database's figures do not move when stores are added (random modes, rates and links).
    #[test]
    fn service_rpo_is_the_largest_over_the_stores(
        seed in 0u64..1000,
        bandwidth in prop::sample::select(vec!["20e3", "1e6", "100e6"]),
        snapshot in any::<bool>(),
        second in any::<bool>(),
    ) {
        let copy = if snapshot {
            r#"{ site = "S", replication = { mode = "snapshot", interval = "30m", size = { kind = "incremental" } } }"#
        } else {
            r#"{ site = "S", replication = { mode = "asynchronous" } }"#
        };
        let copies = if second { format!(r#"{copy}, {{ site = "V", replication = {{ mode = "asynchronous" }} }}"#) } else { copy.to_string() };
        let stores = media(&copies, "dataset_bytes = 1e9\nrestore_throughput_bytes_per_s = 1e8");
        // The link to V (the media's second copy) from a trickle to a fat pipe.
        let base = BASE.replace(
            r#"{ from = "P", to = "V", latency = "30ms", bandwidth_bytes_per_s = 100e6 }"#,
            &format!(r#"{{ from = "P", to = "V", latency = "30ms", bandwidth_bytes_per_s = {bandwidth} }}"#),
        );
        let mut sc = scenario_on(&base, &stores, false);
        sc.trials.seed = seed;
        let mut plain = scenario_on(&base, "", false);
        plain.trials.seed = seed;
        let (with, without) = (outcomes(&sc, 12), outcomes(&plain, 12));
        for (o, w) in with.iter().zip(&without) {
            prop_assert_eq!(o.stores.len(), 2);
            prop_assert!(w.stores.is_empty());
            check_identities(o, w);
        }
    }
}

/// A store whose only copy is an hourly snapshot: its RPO against the closed form (module
/// docs; 400 trials, fixed seed, 4 standard errors), the service's RPO is its RPO (the
/// database's async backlog is milliseconds), and restoring it (360 GB at 100 MB/s = 3600 s)
/// holds traffic back: RTO − detection ∈ [3600 s, 3600 s + the 60 s DNS TTL + 1 s].
#[test]
fn an_hourly_snapshot_store_loses_half_an_interval_and_its_restore_holds_traffic() {
    let stores = media(
        r#"{ site = "S", replication = { mode = "snapshot", interval = "1h", size = { kind = "incremental" } } }"#,
        "dataset_bytes = 360e9\nrestore_throughput_bytes_per_s = 100e6",
    );
    let sc = scenario(&stores, false);
    let plain = scenario("", false);
    let n = 400;
    let (with, without) = (outcomes(&sc, n), outcomes(&plain, n));
    let mut rpo = vec![];
    for (o, w) in with.iter().zip(&without) {
        check_identities(o, w);
        let media = &o.stores[1];
        assert_eq!(media.recovered_from.as_deref(), Some("S"));
        let r = media.rpo.expect("the snapshot survived");
        assert_eq!(o.rpo, Some(r.max(w.rpo.unwrap())));
        rpo.push(r.as_secs_f64());
        let rto = o.rto.expect("recovered").saturating_sub(o.detection_delay);
        assert!(
            rto >= SimDuration::from_secs(3600) && rto <= SimDuration::from_secs(3661),
            "trial {}: RTO after detection {rto}, expected the 3600 s restore then the 60 s TTL",
            o.trial
        );
        assert!(w.rto.unwrap() < o.rto.unwrap(), "trial {}: the restore did not delay the service", o.trial);
    }
    let m = rpo.iter().sum::<f64>() / n as f64;
    let se = 3600.0 / 12f64.sqrt() / (n as f64).sqrt();
    let expected = 1800.0 - 1.0;
    assert!((m - expected).abs() < 4.0 * se, "mean media RPO {m:.0} s, expected {expected} ± {:.0}", 4.0 * se);
}

/// A store whose only copy is in the primary's region: a region loss leaves none. Without the
/// primary's data the store's RPO (so the service's) is censored and flagged, never dropped,
/// while the service itself comes back; with it, the store comes back with the primary
/// (8 h repair): RPO 0 for it and an RTO of at least 8 h.
#[test]
fn a_store_without_a_surviving_copy_is_censored_or_waits_for_the_primary() {
    let stores = media(r#"{ site = "Q", replication = { mode = "asynchronous" } }"#, "");
    for pds in [false, true] {
        let sc = scenario(&stores, pds);
        for o in outcomes(&sc, 20) {
            let media = &o.stores[1];
            if pds {
                assert_eq!((media.rpo, media.recovered_from.as_deref()), (Some(SimDuration::ZERO), Some("P")));
                assert_eq!(o.rpo, o.stores[0].rpo, "trial {}", o.trial);
                assert!(o.rto.unwrap() >= SimDuration::from_hours(8), "trial {}: {o:?}", o.trial);
                assert!(!o.flags.no_surviving_copy);
            } else {
                assert_eq!((media.rpo, media.recovered_from.as_deref()), (None, None));
                assert_eq!(o.rpo, None, "trial {}", o.trial);
                assert!(o.flags.no_surviving_copy && o.rto.is_some(), "trial {}: {o:?}", o.trial);
                assert_eq!(o.rpo_met, None);
            }
        }
    }
}

/// Summaries keep each store's figures (`by_store`), merge exactly across shards, survive a JSON
/// round trip and validate; the censored count shows.
#[test]
fn summaries_by_store_merge_exactly() {
    let stores = media(
        r#"{ site = "Q", replication = { mode = "asynchronous" } }, { site = "S", replication = { mode = "asynchronous" } }"#,
        "",
    );
    let sc = scenario(&stores, false);
    let s = drsim::strategies::build(&sc.strategies[0]).unwrap();
    let trial = DisasterTrial::new(&sc.disaster, s.as_ref()).unwrap();
    let whole = drsim::montecarlo::run_trials(&trial, 3, 0..60).unwrap();
    let mut merged = drsim::montecarlo::run_trials(&trial, 3, 0..25).unwrap();
    merged.merge(&drsim::montecarlo::run_trials(&trial, 3, 25..60).unwrap());
    assert_eq!(merged, whole);
    assert_eq!(whole.by_store.len(), 2);
    assert_eq!(whole.by_store["media"].trials, 60);
    assert_eq!(whole.by_store["media"].no_copy, 0, "the copy at S survives a region A loss");
    let json = serde_json::to_string(&whole).unwrap();
    let back: TrialsSummary = serde_json::from_str(&json).unwrap();
    back.validate(60).unwrap();
    assert_eq!(back, whole);
    let mut bad = whole.clone();
    bad.by_store.get_mut("media").unwrap().no_copy = 5;
    assert!(bad.validate(60).unwrap_err().to_string().contains("by_store.media"));
    let report = drsim::report::StrategySummary::of(&whole);
    assert_eq!(report.by_store["media"].with_copy, 60);
}

/// Bad stores are refused, each error naming the key and what is allowed.
#[test]
fn bad_stores_are_refused_by_key() {
    let ok = r#"{ site = "S", replication = { mode = "asynchronous" } }"#;
    let cases = [
        (media(ok, "").replace("\"media\"", "\"database\""), "stores[0]", "database"),
        (format!("{}{}", media(ok, ""), media(ok, "")), "stores[1].name", "already"),
        (
            media(r#"{ site = "Z", replication = { mode = "asynchronous" } }"#, ""),
            "stores[0].copies[0].site",
            "not a site",
        ),
        (
            media(r#"{ site = "P", replication = { mode = "asynchronous" } }"#, ""),
            "stores[0].copies[0].site",
            "primary",
        ),
        (
            media(r#"{ site = "S", replication = { mode = "asynchronous" } }"#, "").replace(ok, ""),
            "stores[0]",
            "at least one copy",
        ),
        (
            media(
                r#"{ site = "S", replication = { mode = "snapshot", interval = "1h", size = { kind = "incremental" } } }"#,
                "dataset_bytes = 1e9",
            ),
            "stores[0]",
            "restore_throughput_bytes_per_s",
        ),
        (media(ok, "dataset_bytes = -1"), "stores[0]", "dataset_bytes = -1"),
        (media(ok, "restore_throughput_bytes_per_s = 0"), "stores[0]", "restore_throughput_bytes_per_s = 0"),
    ];
    for (stores, key, says) in cases {
        let text = format!("{}\n{stores}", BASE.replace("PDS", "false"));
        let e = Scenario::from_toml_str(&text, "bad.toml").expect_err(&stores).to_string();
        assert!(e.contains(key) && e.contains(says), "{stores}\n→ {e}");
        assert!(e.starts_with("bad.toml"), "{e}");
    }
    // A link the copy needs: S → V exists only one way; V's copy from the primary is fine,
    // but a copy at a site with no link from the primary is refused.
    let text = format!(
        "{}\n{}",
        BASE.replace("PDS", "false")
            .replace("    { from = \"P\", to = \"V\", latency = \"30ms\", bandwidth_bytes_per_s = 100e6 },\n", ""),
        media(r#"{ site = "V", replication = { mode = "asynchronous" } }"#, "")
    );
    let e = Scenario::from_toml_str(&text, "bad.toml").unwrap_err().to_string();
    assert!(e.contains("stores[0].copies[0].site") && e.contains("no link"), "{e}");
}
