//! The `drsim` command end to end: thread-count independence, exact shard merges, exit codes.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const DRSIM: &str = env!("CARGO_BIN_EXE_drsim");

fn scenario(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/scenarios").join(name)
}

fn drsim(args: &[&str]) -> Output {
    Command::new(DRSIM).args(args).output().expect("drsim runs")
}

fn tmp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("drsim-cli-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

fn json(path: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn run_json(extra: &[&str], out: &Path) -> serde_json::Value {
    let reference = scenario("reference.toml");
    let mut args = vec!["run", reference.to_str().unwrap(), "--trials", "240", "--json", out.to_str().unwrap()];
    args.extend_from_slice(extra);
    let o = drsim(&args);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    json(out)
}

/// One thread and two threads give the same report, to the bit (timing aside).
#[test]
fn thread_count_does_not_change_the_report() {
    let mut a = run_json(&["--threads", "1"], &tmp("t1.json"));
    let mut b = run_json(&["--threads", "2"], &tmp("t2.json"));
    a["timing"] = serde_json::Value::Null;
    b["timing"] = serde_json::Value::Null;
    assert_eq!(a, b);
    assert_eq!(a["strategies"][0]["summary"]["trials"], 240);
    assert!(a["strategies"][0]["summary"]["rto_s"]["mean"].as_f64().unwrap() > 60.0);
}

/// Three shards merged equal the single run exactly: same summaries, same exact state.
#[test]
fn merged_shards_equal_one_run() {
    let whole = run_json(&[], &tmp("whole.json"));
    let mut shards = vec![];
    for k in 1..=3 {
        let p = tmp(&format!("shard{k}.json"));
        run_json(&["--shard", &format!("{k}/3")], &p);
        shards.push(p);
    }
    // Out of order on purpose: merge sorts by trial range.
    let merged = tmp("merged.json");
    let o = drsim(&[
        "merge",
        shards[2].to_str().unwrap(),
        shards[0].to_str().unwrap(),
        shards[1].to_str().unwrap(),
        "--json",
        merged.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let m = json(&merged);
    assert_eq!(m["strategies"], whole["strategies"]);
    assert_eq!((m["trial_start"].as_u64(), m["trial_end"].as_u64()), (Some(0), Some(240)));
    // A gap is refused.
    let o = drsim(&["merge", shards[0].to_str().unwrap(), shards[2].to_str().unwrap(), "--json", "-"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("contiguous"));
}

#[test]
fn csv_and_plot_are_written() {
    let csv = tmp("rows.csv");
    let svg = tmp("plot.svg");
    let reference = scenario("reference.toml");
    let o = drsim(&[
        "run",
        reference.to_str().unwrap(),
        "--trials",
        "50",
        "--csv",
        csv.to_str().unwrap(),
        "--plot",
        svg.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let text = std::fs::read_to_string(&csv).unwrap();
    assert_eq!(text.lines().count(), 51, "a header and one row per trial");
    assert!(text.lines().nth(1).unwrap().contains("region A"));
    let svg = std::fs::read_to_string(&svg).unwrap();
    assert!(svg.starts_with("<svg") && svg.contains("polyline") && svg.contains("objective"));
}

/// Bad input: exit code 2 and a message naming the file and the key, never a panic.
#[test]
fn bad_input_exits_2_with_a_named_error() {
    let o = drsim(&["run", "/no/such/scenario.toml"]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("/no/such/scenario.toml") && !err.contains("panicked"), "{err}");

    let bad = tmp("bad.toml");
    let text = std::fs::read_to_string(scenario("reference.toml"))
        .unwrap()
        .replace("failures = 3", "failures = 3\nfrequency = 2");
    std::fs::write(&bad, text).unwrap();
    let o = drsim(&["validate", bad.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("bad.toml") && err.contains("frequency"), "{err}");

    let reference = scenario("reference.toml");
    let o = drsim(&["run", reference.to_str().unwrap(), "--shard", "4/3"]);
    assert_eq!(o.status.code(), Some(2));
    let o = drsim(&["run", reference.to_str().unwrap(), "--trials", "0"]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn every_shipped_scenario_validates() {
    for entry in std::fs::read_dir(scenario("")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "toml") && !path.to_string_lossy().contains("runbook") {
            let o = drsim(&["validate", path.to_str().unwrap()]);
            assert!(o.status.success(), "{}: {}", path.display(), String::from_utf8_lossy(&o.stderr));
        }
    }
}

/// An interrupted run (stopped after two chunks, as Ctrl-C would stop it) resumed from its
/// checkpoint gives exactly the report and the CSV of an uninterrupted run.
#[test]
fn resumed_run_equals_an_uninterrupted_one() {
    let reference = scenario("reference.toml");
    let r = reference.to_str().unwrap();
    let (whole_json, whole_csv) = (tmp("whole-r.json"), tmp("whole-r.csv"));
    let o = drsim(&[
        "run",
        r,
        "--trials",
        "240",
        "--json",
        whole_json.to_str().unwrap(),
        "--csv",
        whole_csv.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));

    let (json, csv, cp) = (tmp("part.json"), tmp("part.csv"), tmp("run.checkpoint"));
    let args = |extra: &[&str]| {
        let mut a = vec![
            "run",
            r,
            "--trials",
            "240",
            "--json",
            json.to_str().unwrap(),
            "--csv",
            csv.to_str().unwrap(),
            "--checkpoint",
            cp.to_str().unwrap(),
            "--chunk",
            "50",
        ];
        a.extend_from_slice(extra);
        drsim(&a)
    };
    let o = args(&["--stop-after-chunks", "2"]);
    assert_eq!(o.status.code(), Some(130), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(String::from_utf8_lossy(&o.stderr).contains("trials 0..100 of 0..240 are complete"));
    assert!(!json.exists() && !csv.exists(), "nothing that looks complete is left behind");
    let o = args(&["--resume"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let (mut a, mut b) = (json_of(&whole_json), json_of(&json));
    a["timing"] = serde_json::Value::Null;
    b["timing"] = serde_json::Value::Null;
    assert_eq!(a, b);
    assert_eq!(std::fs::read_to_string(&whole_csv).unwrap(), std::fs::read_to_string(&csv).unwrap());

    // A checkpoint of another run is refused.
    let o = drsim(&["run", r, "--trials", "300", "--checkpoint", cp.to_str().unwrap(), "--resume"]);
    assert_eq!(o.status.code(), Some(2));
}

fn json_of(path: &Path) -> serde_json::Value {
    json(path)
}

/// A report carries what reproduces it: re-running with its seed and trial count gives the
/// same report, to the bit (timing aside).
#[test]
fn a_report_reproduces_itself() {
    let first = run_json(&["--seed", "77"], &tmp("repro1.json"));
    let seed = first["seed"].as_u64().unwrap().to_string();
    let trials = first["trial_end"].as_u64().unwrap().to_string();
    let path = first["scenario"]["path"].as_str().unwrap().to_string();
    let out = tmp("repro2.json");
    let o = drsim(&["run", &path, "--seed", &seed, "--trials", &trials, "--json", out.to_str().unwrap()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let mut second = json(&out);
    assert_eq!(second["scenario"]["sha256"], first["scenario"]["sha256"]);
    let mut first = first;
    first["timing"] = serde_json::Value::Null;
    second["timing"] = serde_json::Value::Null;
    assert_eq!(first, second);
}
