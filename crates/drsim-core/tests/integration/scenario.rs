//! Scenario files: the reference scenario loads as benchmarks.md section 2 describes it, and bad
//! files are refused with the file, the key and what is allowed.

use drsim_core::engine::SimDuration;
use drsim_core::recovery::Detection;
use drsim_core::scenario::{Scenario, ScenarioError};

const REFERENCE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/scenarios/reference.toml");

fn reference_text() -> String {
    std::fs::read_to_string(REFERENCE).unwrap()
}

#[test]
fn reference_scenario_matches_the_bench_spec() {
    let s = Scenario::from_path(REFERENCE).unwrap();
    let d = &s.disaster.deployment;
    assert_eq!((d.primary.as_str(), d.standby.as_str()), ("P", "S"));
    let link = d.topology.link_spec(d.topology.link("P", "S").unwrap());
    assert_eq!(link.bandwidth_bytes_per_s, 50e6);
    assert!((link.latency.mean_secs().unwrap() - 0.045).abs() < 1e-12, "40 ms + U(0, 10 ms)");
    assert_eq!(d.workload.mean_rate_per_s(), 50.0);
    assert_eq!(d.workload.mean_size_bytes(), 655_360.0);
    assert_eq!(s.disaster.detection, Detection::HealthCheck { interval: SimDuration::from_secs(30), failures: 3 });
    assert_eq!(s.disaster.event.warm_up, SimDuration::from_secs(60));
    assert_eq!(s.disaster.event.window, SimDuration::from_secs(60));
    assert_eq!(d.instances_needed(), 8);
}

fn refused(text: &str) -> String {
    match Scenario::from_toml_str(text, "bad.toml") {
        Err(e) => e.to_string(),
        Ok(_) => panic!("accepted:\n{text}"),
    }
}

#[test]
fn unknown_keys_are_refused_with_file_line_and_key() {
    let text = reference_text().replace("[workload]\n", "[workload]\ncolour = \"blue\"\n");
    let e = refused(&text);
    assert!(e.starts_with("bad.toml:") && e.contains("colour") && e.contains("line"), "{e}");
}

#[test]
fn bad_values_name_the_key_and_what_is_allowed() {
    let e = refused(&reference_text().replace("bandwidth_bytes_per_s = 50_000_000", "bandwidth_bytes_per_s = -1"));
    assert!(e.contains("bad.toml") && e.contains("bandwidth_bytes_per_s = -1") && e.contains("> 0"), "{e}");
    let e = refused(&reference_text().replace("standby = \"S\"", "standby = \"Z\""));
    assert!(e.contains("deployment.standby") && e.contains("\"Z\""), "{e}");
    let e = refused(&reference_text().replace("rate_per_s = 50", "rate_per_s = nan"));
    assert!(e.contains("rate_per_s = NaN"), "{e}");
    let e = refused(&reference_text().replace("warm_up = \"60s\"", "warm_up = \"60 parsecs\""));
    assert!(e.contains("warm_up") || e.contains("60 parsecs"), "{e}");
    let e = refused(&reference_text().replace("failures = 3", "failures = 0"));
    assert!(e.contains("[detection]") && e.contains("failures = 0"), "{e}");
    let e = refused(&reference_text().replace("count = 1000", "count = 0"));
    assert!(e.contains("[trials]") && e.contains("count = 0"), "{e}");
    let e = refused(
        &reference_text()
            .replace("{ kind = \"exponential\", mean = 655_360 }", "{ kind = \"exponential\", mean = -5 }"),
    );
    assert!(e.contains("mean = -5"), "{e}");
    let e = refused("   \n");
    assert!(e.contains("empty"), "{e}");
}

#[test]
fn unreadable_and_binary_files_are_refused() {
    let dir = std::env::temp_dir().join(format!("drsim-scenario-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let bin = dir.join("binary.toml");
    std::fs::write(&bin, [0xff, 0xfe, 0x00, 0x80]).unwrap();
    let e = Scenario::from_path(&bin).unwrap_err();
    assert!(matches!(e, ScenarioError::Parse { .. }) && e.to_string().contains("UTF-8"), "{e}");
    let e = Scenario::from_path(dir.join("missing.toml")).unwrap_err();
    assert!(matches!(e, ScenarioError::Read { .. }) && e.to_string().contains("missing.toml"), "{e}");
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Issue 14, item 4: a file over 64 MiB is refused after reading at most that much.
#[test]
fn files_over_the_size_limit_are_refused() {
    let dir = std::env::temp_dir().join(format!("drsim-scenario-size-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let big = dir.join("big.toml");
    std::fs::File::create(&big).unwrap().set_len(drsim_core::scenario::MAX_SCENARIO_BYTES + 1).unwrap();
    let e = Scenario::from_path(&big).unwrap_err();
    assert!(matches!(e, ScenarioError::Read { .. }) && e.to_string().contains("64 MiB"), "{e}");
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Issue 14, item 13: two strategies with the same label are refused, naming the key.
#[test]
fn duplicate_strategy_names_are_refused() {
    let text = reference_text() + "\n[[strategies]]\nkind = \"warm_standby\"\nname = \"warm standby (reference)\"\n";
    let e = refused(&text);
    assert!(e.contains("[strategies[1].name]") && e.contains("warm standby (reference)"), "{e}");
    let text = reference_text() + "\n[[strategies]]\nkind = \"pilot_light\"\nname = \"another\"\n";
    assert!(Scenario::from_toml_str(&text, "ok.toml").is_ok());
}

/// Issue 14, item 10: values whose results cannot be represented are refused when the file is
/// read, naming the key and the allowed range, instead of saturating silently.
#[test]
fn unrepresentable_values_are_refused_by_key() {
    let r = reference_text();
    // A write of 1e25 bytes (bytes lost used to saturate at 1.8e19).
    let e = refused(&r.replace("{ kind = \"exponential\", mean = 655_360 }", "{ kind = \"fixed\", value = 1e25 }"));
    assert!(e.contains("[workload]") && e.contains("size_bytes") && e.contains("2^53"), "{e}");
    // 4e9 health-check failures of 30 s (detection used to saturate at 584 years).
    let e = refused(&r.replace("failures = 3", "failures = 4000000000"));
    assert!(e.contains("[detection]") && e.contains("failures = 4000000000") && e.contains("fit the clock"), "{e}");
    // Prices past 1e12 USD (a month used to be priced at 106 USD).
    let e = refused(&format!("{r}\n[cost]\ninstance_running_usd_per_hour = 1e306\n"));
    assert!(e.contains("instance_running_usd_per_hour = 1e306") && e.contains("at most 1e12"), "{e}");
    // 1e306 disasters a year (the expected loss used to be 0).
    let e = refused(&format!("{r}\n[impact]\ndisasters_per_year = 1e306\n"));
    assert!(e.contains("disasters_per_year = 1e306") && e.contains("at most 1e4"), "{e}");
    // A disaster that could cost more than 2^62 micro-dollars (used to clamp at 4.6e12 USD):
    // 1e11 USD an hour over a 30-day horizon is 7.2e13 USD.
    let e = refused(&format!("{r}\n[impact]\ndowntime_usd_per_hour = 1e11\n"));
    assert!(e.contains("[impact]") && e.contains("impact.downtime_usd_per_hour") && e.contains("2^62"), "{e}");
    let e = refused(&format!("{r}\n[cost]\ninstance_running_usd_per_hour = 1e9\n"));
    assert!(e.contains("[cost]") && e.contains("cost.instance_running_usd_per_hour"), "{e}");
    // Large but representable values pass.
    let ok = format!("{r}\n[impact]\ndowntime_usd_per_hour = 1e9\ndisasters_per_year = 1e4\n");
    assert!(Scenario::from_toml_str(&ok, "ok.toml").is_ok());
}
