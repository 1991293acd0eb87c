//! Every shipped scenario that names strategies runs, with consistent records, and each
//! strategy's median RTO falls inside the practitioner band of the AWS whitepaper *Disaster
//! Recovery of Workloads on AWS: Recovery in the Cloud* (2021, "Disaster recovery options in the
//! cloud"): backup & restore in hours, pilot light in tens of minutes, warm standby in minutes,
//! multi-site active/active near zero.

use drsim::engine::SimDuration;
use drsim::recovery::Detection;
use drsim::scenario::Scenario;
use drsim::stats::Summary;
use drsim::trial::{DisasterTrial, TrialOutcome};

use crate::common::{run, scenario_dir};

/// Trials per strategy: enough for a stable median, few enough for a debug build.
const TRIALS: u64 = 200;

/// The whitepaper's RTO band of a built-in strategy kind, as (low, high) inclusive, read as
/// practitioners do: backup & restore "hours" as 1 h–24 h, pilot light "tens of minutes" as
/// 10–60 min, warm standby "minutes" as 2–20 min, multi-site "near zero" as at most 5 min.
fn whitepaper_band(kind: &str) -> (SimDuration, SimDuration) {
    match kind {
        "backup_restore" => (SimDuration::from_hours(1), SimDuration::from_hours(24)),
        "pilot_light" => (SimDuration::from_mins(10), SimDuration::from_mins(60)),
        "warm_standby" => (SimDuration::from_mins(2), SimDuration::from_mins(20)),
        "multi_site" => (SimDuration::ZERO, SimDuration::from_mins(5)),
        other => panic!("no whitepaper band for strategy kind {other:?}"),
    }
}

/// The scenario files of `examples/scenarios` that have `[[strategies]]`, sorted by name.
fn scenario_files() -> Vec<std::path::PathBuf> {
    let mut files: Vec<_> = std::fs::read_dir(scenario_dir())
        .expect("examples/scenarios exists")
        .map(|e| e.expect("a directory entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .filter(|p| {
            let text = std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
            let table: toml::Table = toml::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
            table.contains_key("strategies")
        })
        .collect();
    files.sort();
    files
}

/// Whether the trial's disaster is a logical one (corruption, ransomware, deletion).
fn is_logical(scenario: &Scenario, o: &TrialOutcome) -> bool {
    scenario.disaster.mix.iter().any(|c| c.label() == o.disaster && c.data().is_some())
}

/// Checks a logical disaster's record (docs/model.md, "Logical corruption"): detected after its
/// dwell, recovered in place after it, no failback; the RPO is censored exactly when no clean
/// point was left.
fn check_logical(scenario: &Scenario, o: &TrialOutcome, what: &str) {
    let sc = &scenario.disaster;
    assert_eq!(o.rto.is_none(), o.flags.no_clean_copy, "{what}: recovered exactly when a clean point was left: {o:?}");
    if let Some(rto) = o.rto {
        assert!(rto > o.detection_delay, "{what}: RTO {rto} not after the detection {}", o.detection_delay);
        assert!(rto <= sc.horizon, "{what}: RTO {rto} beyond the horizon");
    }
    assert_eq!(o.recovered_at.as_deref(), Some(sc.deployment.primary.as_str()), "{what}: {o:?}");
    assert!(o.failback.is_none() && o.failback_bytes_lost == 0, "{what}: {o:?}");
    assert_eq!(o.rpo.is_none(), o.flags.no_clean_copy, "{what}: {o:?}");
    assert_eq!(o.rpo_met, sc.objectives.rpo.map(|obj| o.rpo.is_some_and(|r| r <= obj)), "{what}: {o:?}");
}

/// Checks one trial record against the scenario; `what` names it in failures.
fn check_record(scenario: &Scenario, o: &TrialOutcome, what: &str) {
    let sc = &scenario.disaster;
    let d = &sc.event;
    let since_start = o.disaster_at.as_secs_f64();
    let (lo, hi) = (d.warm_up.as_secs_f64(), (d.warm_up + d.window).as_secs_f64());
    assert!(since_start >= lo && since_start <= hi, "{what}: disaster at {since_start} s, not in [{lo}, {hi}]");
    if is_logical(scenario, o) {
        return check_logical(scenario, o, what);
    }
    if let Detection::HealthCheck { interval, failures } = &sc.detection {
        let (lo, hi) =
            (interval.saturating_mul(u64::from(*failures - 1)), interval.saturating_mul(u64::from(*failures)));
        assert!(
            o.detection_delay >= lo && o.detection_delay < hi,
            "{what}: detection after {}, not in [{lo}, {hi})",
            o.detection_delay
        );
    }
    let flags = o.flags;
    assert!(!flags.recovery_failed, "{what}: recovery failed: {o:?}");
    assert!(!flags.outlasted_horizon, "{what}: outlasted the horizon: {o:?}");
    assert!(!flags.unstable_replication, "{what}: unstable replication: {o:?}");
    let rto = o.rto.unwrap_or_else(|| panic!("{what}: not recovered: {o:?}"));
    // Every built-in strategy acts on detection (the failed primary carried traffic).
    assert!(rto >= o.detection_delay, "{what}: RTO {rto} before detection {}", o.detection_delay);
    assert!(rto <= sc.horizon, "{what}: RTO {rto} beyond the horizon");
    if let Some(partial) = o.first_partial_service {
        assert!(partial <= rto, "{what}: first partial service {partial} after full service {rto}");
    }
    let rpo = o.rpo.unwrap_or_else(|| panic!("{what}: no surviving copy: {o:?}"));
    assert!(rto.as_secs_f64().is_finite() && rpo.as_secs_f64().is_finite(), "{what}: {o:?}");
    // The copy is a prefix of the write log: the oldest write it lacks is younger than the
    // newest it holds.
    assert!(rpo <= o.copy_age, "{what}: RPO {} > copy age {}", rpo, o.copy_age);
    assert_eq!(o.writes_lost == 0, rpo.is_zero(), "{what}: writes lost vs RPO: {o:?}");
    if o.writes_lost == 0 {
        assert_eq!(o.bytes_lost, 0, "{what}: bytes lost without a write lost: {o:?}");
    }
    assert_eq!(o.rto_met, sc.objectives.rto.map(|obj| rto <= obj), "{what}: rto_met: {o:?}");
    assert_eq!(o.rpo_met, sc.objectives.rpo.map(|obj| rpo <= obj), "{what}: rpo_met: {o:?}");
    if flags.waited_for_primary {
        // No copy outlived the disaster but the primary's data did: service came back at the
        // repaired primary, so there is nothing to fail back (docs/model.md, "Censoring").
        assert_eq!(o.recovered_at.as_deref(), Some(scenario.disaster.deployment.primary.as_str()), "{what}: {o:?}");
        assert!(o.failback.is_none(), "{what}: failback after waiting for the primary: {o:?}");
        return;
    }
    let failback = o.failback.unwrap_or_else(|| panic!("{what}: no failback within the horizon: {o:?}"));
    if let Some(freeze) = o.write_freeze {
        assert!(freeze <= failback, "{what}: write freeze {freeze} longer than failback {failback}");
    }
    assert_eq!(o.failback_bytes_lost, 0, "{what}: no fault is injected during failback");
}

/// Every `examples/scenarios/*.toml` with `[[strategies]]`: each strategy builds through
/// `drsim::strategies::build`, runs [`TRIALS`] trials with consistent records and no failed
/// recovery, and has its median RTO inside its whitepaper band (see [`whitepaper_band`]).
#[test]
fn shipped_scenarios_run_within_whitepaper_bands() {
    let files = scenario_files();
    let names: Vec<_> = files.iter().filter_map(|p| p.file_name()).map(|n| n.to_string_lossy().into_owned()).collect();
    for expected in [
        "compare.toml",
        "reference.toml",
        "backup-restore.toml",
        "pilot-light.toml",
        "warm-standby.toml",
        "multi-site.toml",
    ] {
        assert!(names.iter().any(|n| n == expected), "{expected} not found among {names:?}");
    }
    for path in &files {
        let scenario = Scenario::from_path(path).unwrap_or_else(|e| panic!("{e}"));
        assert!(!scenario.strategies.is_empty(), "{}", path.display());
        for entry in &scenario.strategies {
            let what = format!("{} / {}", path.display(), entry.label());
            let strategy = drsim::strategies::build(entry).unwrap_or_else(|e| panic!("{what}: {e}"));
            let trial =
                DisasterTrial::new(&scenario.disaster, strategy.as_ref()).unwrap_or_else(|e| panic!("{what}: {e}"));
            let outcomes = run(&trial, scenario.trials.seed, TRIALS);
            assert_eq!(outcomes.len(), TRIALS as usize, "{what}");
            for (i, o) in outcomes.iter().enumerate() {
                assert_eq!(o.trial, i as u64, "{what}: records out of order");
                check_record(&scenario, o, &format!("{what} trial {i}"));
            }
            // The bands are for losing infrastructure: a logical disaster's RTO includes its
            // dwell of days (checked in check_logical).
            let rto: Vec<f64> = outcomes
                .iter()
                .filter(|o| !is_logical(&scenario, o))
                .filter_map(|o| o.rto)
                .map(SimDuration::as_secs_f64)
                .collect();
            let median = Summary::of(&rto).expect("recovered trials").p50;
            let (lo, hi) = whitepaper_band(&entry.kind);
            println!("{what}: median RTO {median:.0} s, whitepaper band [{lo}, {hi}]");
            assert!(
                median >= lo.as_secs_f64() && median <= hi.as_secs_f64(),
                "{what}: median RTO {median:.0} s outside the whitepaper band [{lo}, {hi}]"
            );
        }
    }
}
