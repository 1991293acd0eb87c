//! Scenario files: the reference scenario loads as bench-spec section 2 describes it, and bad
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
    assert_eq!(s.disaster.disaster.warm_up, SimDuration::from_secs(60));
    assert_eq!(s.disaster.disaster.window, SimDuration::from_secs(60));
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
