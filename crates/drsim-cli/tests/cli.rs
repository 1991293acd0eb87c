//! The `drsim` command end to end: thread-count independence, exact shard merges, exit codes.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

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
    // A gap is refused, naming the missing shard.
    let o = drsim(&["merge", shards[0].to_str().unwrap(), shards[2].to_str().unwrap(), "--json", "-"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("shard 2 of 3 is missing"));
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
    // A checkpoint of another run is refused.
    let o = drsim(&["run", r, "--trials", "300", "--checkpoint", cp.to_str().unwrap(), "--resume"]);
    assert_eq!(o.status.code(), Some(2));

    let o = args(&["--resume"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let (mut a, mut b) = (json_of(&whole_json), json_of(&json));
    a["timing"] = serde_json::Value::Null;
    b["timing"] = serde_json::Value::Null;
    assert_eq!(a, b);
    assert_eq!(std::fs::read_to_string(&whole_csv).unwrap(), std::fs::read_to_string(&csv).unwrap());
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

/// Runs drsim with its stdout closed before it writes (as `drsim ... | true` does).
fn drsim_closed_stdout(args: &[&str]) -> Output {
    // The reading end is closed before drsim starts: its first write fails, whatever the timing.
    let (reader, writer) = std::io::pipe().expect("a pipe");
    drop(reader);
    Command::new(DRSIM).args(args).stdout(writer).output().expect("drsim runs")
}

fn no_panic(o: &Output) -> String {
    let err = String::from_utf8_lossy(&o.stderr).into_owned();
    assert!(!err.contains("panicked"), "{err}");
    err
}

/// Files in `dir` whose names start with `prefix`.
fn siblings(dir: &Path, prefix: &str) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(prefix))
        .collect();
    v.sort();
    v
}

/// Issue 14, item 1: horizon JSON of a realistic horizon (ten years; its 128-bit sums pass
/// u64) is written, to a file and to stdout, and parses.
#[test]
fn horizon_json_holds_long_horizons() {
    let compare = scenario("compare.toml");
    let out = tmp("horizon.json");
    let o = drsim(&["horizon", compare.to_str().unwrap(), "--trials", "2", "--json", out.to_str().unwrap()]);
    assert!(o.status.success(), "{}", no_panic(&o));
    let h = json(&out);
    assert_eq!(h["runs"], 2);
    assert!(h["length_s"].as_f64().unwrap() > 3e8, "ten years");
    assert_eq!(h["strategies"].as_array().unwrap().len(), 4);
    assert!(h["strategies"][0]["availability"].as_f64().unwrap() > 0.99);
    assert!(String::from_utf8_lossy(&o.stdout).contains("availability"), "the table is printed");
    assert!(siblings(out.parent().unwrap(), "horizon.json.").is_empty(), "no temporary or lock file left");
    let o = drsim(&["horizon", compare.to_str().unwrap(), "--trials", "2", "--json", "-"]);
    assert!(o.status.success(), "{}", no_panic(&o));
    let h: serde_json::Value = serde_json::from_slice(&o.stdout).expect("stdout is the JSON alone");
    assert_eq!(h["strategies"].as_array().unwrap().len(), 4);
}

/// Issue 14, item 4: a scenario over 64 MiB is refused after reading at most that much.
#[test]
fn scenario_files_over_64_mib_are_refused() {
    let big = tmp("big.toml");
    std::fs::File::create(&big).unwrap().set_len(65 << 20).unwrap();
    for cmd in ["run", "validate", "horizon"] {
        let o = drsim(&[cmd, big.to_str().unwrap()]);
        assert_eq!(o.status.code(), Some(2), "{cmd}");
        let err = no_panic(&o);
        assert!(err.contains("big.toml") && err.contains("64 MiB"), "{err}");
    }
    if Path::new("/dev/zero").exists() {
        let o = drsim(&["run", "/dev/zero"]);
        assert_eq!(o.status.code(), Some(2));
        assert!(no_panic(&o).contains("64 MiB"));
    }
    std::fs::remove_file(big).unwrap();
}

/// Issue 14, item 6: a closed stdout is a quiet exit with code 141 (files asked for are still
/// written); other stdout errors (a full disk) are an error, exit 1; never a panic.
#[test]
fn a_closed_or_full_stdout_never_panics() {
    let reference = scenario("reference.toml");
    let r = reference.to_str().unwrap();
    let compare = scenario("compare.toml");
    let out = tmp("closed.json");
    for args in [
        vec!["validate", r],
        vec!["run", r, "--trials", "20"],
        vec!["run", r, "--trials", "20", "--json", "-"],
        vec!["run", r, "--trials", "20", "--csv", "-"],
        vec!["horizon", compare.to_str().unwrap(), "--trials", "2"],
        vec!["run", r, "--trials", "20", "--json", out.to_str().unwrap()],
    ] {
        let o = drsim_closed_stdout(&args);
        let err = no_panic(&o);
        assert_eq!(o.status.code(), Some(141), "{args:?}: {err}");
        assert!(err.is_empty(), "{args:?}: quiet, but said {err}");
    }
    assert_eq!(json(&out)["trial_end"], 20, "the JSON is written although stdout was closed");
    if Path::new("/dev/full").exists() {
        for args in [vec!["validate", r], vec!["run", r, "--trials", "20", "--json", "-"]] {
            let full = std::fs::OpenOptions::new().write(true).open("/dev/full").unwrap();
            let o = Command::new(DRSIM).args(&args).stdout(full).output().unwrap();
            let err = no_panic(&o);
            assert_eq!(o.status.code(), Some(1), "{args:?}: {err}");
            assert!(err.contains("stdout") && err.contains("No space"), "{err}");
        }
    }
}

/// Issue 14, item 3: a second run writing the same output while the first is under way is
/// refused (an advisory lock on the path); the first finishes with a whole file, and no
/// temporary or lock file is left behind.
#[test]
fn two_runs_on_one_output_do_not_corrupt_it() {
    let reference = scenario("reference.toml");
    let r = reference.to_str().unwrap();
    let dir = tmp("same-output");
    std::fs::create_dir_all(&dir).unwrap();
    let (out, csv) = (dir.join("same.json"), dir.join("same.csv"));
    let args = ["run", r, "--trials", "8000", "--json", out.to_str().unwrap(), "--csv", csv.to_str().unwrap()];
    let first = Command::new(DRSIM).args(args).stdout(Stdio::null()).stderr(Stdio::piped()).spawn().unwrap();
    // Wait until the first run holds its locks.
    let t0 = std::time::Instant::now();
    while !dir.join("same.json.lock").exists() || !dir.join("same.csv.lock").exists() {
        assert!(t0.elapsed().as_secs() < 60, "the first run never started writing");
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    let o = drsim(&["run", r, "--trials", "10", "--json", out.to_str().unwrap()]);
    let err = no_panic(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("another drsim process"), "{err}");
    let o = first.wait_with_output().unwrap();
    assert!(o.status.success(), "{}", no_panic(&o));
    assert_eq!(json(&out)["trial_end"], 8000);
    assert_eq!(std::fs::read_to_string(&csv).unwrap().lines().count(), 8001);
    assert_eq!(siblings(&dir, ""), ["same.csv", "same.json"], "no temporary or lock file left");
}

/// Issue 14, item 2: a temporary CSV shorter than the checkpoint says is refused on resume,
/// not padded with NUL bytes.
#[test]
fn resume_refuses_a_truncated_csv() {
    let reference = scenario("reference.toml");
    let r = reference.to_str().unwrap();
    let dir = tmp("short-csv");
    std::fs::create_dir_all(&dir).unwrap();
    let (csv, cp) = (dir.join("rows.csv"), dir.join("cp.json"));
    let args = |extra: &[&str]| {
        let mut a = vec![
            "run",
            r,
            "--trials",
            "200",
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
    assert_eq!(o.status.code(), Some(130), "{}", no_panic(&o));
    let tmps: Vec<_> = siblings(&dir, "rows.csv.").into_iter().filter(|n| n.ends_with(".tmp")).collect();
    assert_eq!(tmps.len(), 1, "{tmps:?}");
    let tmp_csv = dir.join(&tmps[0]);
    let len = std::fs::metadata(&tmp_csv).unwrap().len();
    std::fs::OpenOptions::new().write(true).open(&tmp_csv).unwrap().set_len(len / 2).unwrap();
    let o = args(&["--resume"]);
    let err = no_panic(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains(tmps[0].as_str()) && err.contains("fewer"), "{err}");
    assert!(!csv.exists());
}

/// Issue 14, item 7: a finished run whose JSON could not be written resumes without running a
/// trial again and writes exactly the outputs of an uninterrupted run; a finished run leaves no
/// checkpoint behind, and `--resume` without one says so.
#[test]
fn a_finished_run_resumes_its_outputs_and_leaves_no_checkpoint() {
    let reference = scenario("reference.toml");
    let r = reference.to_str().unwrap();
    let dir = tmp("finish");
    std::fs::create_dir_all(&dir).unwrap();
    let (whole_json, whole_csv) = (dir.join("whole.json"), dir.join("whole.csv"));
    let o = drsim(&[
        "run",
        r,
        "--trials",
        "120",
        "--json",
        whole_json.to_str().unwrap(),
        "--csv",
        whole_csv.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", no_panic(&o));
    let (j, c, cp) = (dir.join("r.json"), dir.join("r.csv"), dir.join("r.checkpoint"));
    let args = |extra: &[&str]| {
        let mut a = vec![
            "run",
            r,
            "--trials",
            "120",
            "--json",
            j.to_str().unwrap(),
            "--csv",
            c.to_str().unwrap(),
            "--checkpoint",
            cp.to_str().unwrap(),
            "--chunk",
            "50",
        ];
        a.extend_from_slice(extra);
        drsim(&a)
    };
    let o = args(&["--fail-before-json"]);
    assert_eq!(o.status.code(), Some(1), "{}", no_panic(&o));
    assert!(!j.exists() && cp.exists());
    let o = args(&["--resume"]);
    assert!(o.status.success(), "{}", no_panic(&o));
    let (mut a, mut b) = (json(&whole_json), json(&j));
    a["timing"] = serde_json::Value::Null;
    b["timing"] = serde_json::Value::Null;
    assert_eq!(a, b);
    assert_eq!(std::fs::read_to_string(&whole_csv).unwrap(), std::fs::read_to_string(&c).unwrap());
    assert!(!cp.exists(), "a finished run leaves no checkpoint");
    // Again, with no checkpoint left: said on stderr, then a run from the start.
    let o = args(&["--resume"]);
    assert!(o.status.success());
    assert!(no_panic(&o).contains("no checkpoint at"));
    assert!(!cp.exists());
    assert_eq!(std::fs::read_to_string(&whole_csv).unwrap(), std::fs::read_to_string(&c).unwrap());
    assert_eq!(siblings(&dir, "r."), ["r.csv", "r.json"], "no temporary or lock file left");
}

/// Issue 14, item 11: shard ranges are exact at the top of u64.
#[test]
fn shard_ranges_are_exact_at_u64_max() {
    let reference = scenario("reference.toml");
    let r = reference.to_str().unwrap();
    let cp = tmp("max.checkpoint");
    let max = u64::MAX.to_string();
    let o = drsim(&[
        "run",
        r,
        "--trials",
        &max,
        "--shard",
        "2/3",
        "--chunk",
        "1",
        "--stop-after-chunks",
        "1",
        "--checkpoint",
        cp.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(130));
    let err = no_panic(&o);
    let (a, b) = (u64::MAX / 3, u64::MAX / 3 * 2);
    assert!(err.contains(&format!("trials {a}..{} of {a}..{b} are complete", a + 1)), "{err}");
    let out = tmp("max.json");
    let o = drsim(&["run", r, "--trials", &max, "--shard", &format!("{max}/{max}"), "--json", out.to_str().unwrap()]);
    assert!(o.status.success(), "{}", no_panic(&o));
    let j = json(&out);
    assert_eq!((j["trial_start"].as_u64(), j["trial_end"].as_u64()), (Some(u64::MAX - 1), Some(u64::MAX)));
    assert_eq!(j["strategies"][0]["summary"]["trials"], 1);
}

/// Issue 14, item 12: outputs that clash with each other, with the scenario or on stdout, or
/// that cannot be written, are refused before any trial runs.
#[test]
fn output_clashes_are_refused_before_simulating() {
    let reference = scenario("reference.toml");
    let r = reference.to_str().unwrap();
    let x = tmp("clash.out");
    let x = x.to_str().unwrap();
    let copy = tmp("clash-scenario.toml");
    std::fs::copy(&reference, &copy).unwrap();
    let c = copy.to_str().unwrap();
    let hcopy = tmp("clash-horizon.toml");
    std::fs::copy(scenario("compare.toml"), &hcopy).unwrap();
    let h = hcopy.to_str().unwrap();
    let dotted = format!("{}/./clash.out", tmp("").display());
    for (args, says) in [
        (vec!["run", r, "--json", x, "--csv", x], "both write"),
        (vec!["run", r, "--json", x, "--plot", &dotted], "both write"),
        (vec!["run", r, "--csv", x, "--checkpoint", x], "both write"),
        (vec!["run", c, "--json", c], "scenario file"),
        (vec!["horizon", h, "--json", h], "scenario file"),
        (vec!["run", r, "--json", "-", "--csv", "-", "--plot", "-"], "stdout"),
        (vec!["run", r, "--json", "/no/such/dir/out.json"], "does not exist"),
        (vec!["run", r, "--csv", tmp("").to_str().unwrap()], "is a directory"),
    ] {
        let o = drsim(&args);
        let err = no_panic(&o);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains(says), "{args:?}: {err}");
    }
    assert_eq!(std::fs::read(&copy).unwrap(), std::fs::read(&reference).unwrap(), "the scenario is intact");
    assert!(!Path::new(x).exists());
    // merge: the output may not be one of the shards.
    let shard = tmp("clash-shard.json");
    run_json(&[], &shard);
    let before = std::fs::read(&shard).unwrap();
    let o = drsim(&["merge", shard.to_str().unwrap(), "--json", shard.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2), "{}", no_panic(&o));
    assert_eq!(std::fs::read(&shard).unwrap(), before);
}

/// Issue 14, item 13: two strategies with the same name (two unnamed entries of one kind) are
/// refused, naming the file and the key.
#[test]
fn duplicate_strategy_names_are_refused() {
    let text = std::fs::read_to_string(scenario("reference.toml")).unwrap();
    let strategies = text.find("[[strategies]]").unwrap();
    let twice = format!(
        "{}[[strategies]]\nkind = \"warm_standby\"\n\n[[strategies]]\nkind = \"warm_standby\"\n",
        &text[..strategies]
    );
    let path = tmp("twice.toml");
    std::fs::write(&path, twice).unwrap();
    for cmd in ["validate", "run"] {
        let o = drsim(&[cmd, path.to_str().unwrap()]);
        let err = no_panic(&o);
        assert_eq!(o.status.code(), Some(2), "{cmd}: {err}");
        assert!(
            err.contains("twice.toml") && err.contains("strategies[1].name") && err.contains("warm_standby"),
            "{err}"
        );
    }
}

/// Issue 14, item 15: `--threads` 0 and above the documented cap are refused by `run` and
/// `horizon`; SIGTERM saves a checkpoint as Ctrl-C does.
#[test]
fn thread_limits_and_sigterm() {
    let reference = scenario("reference.toml");
    let r = reference.to_str().unwrap();
    let compare = scenario("compare.toml");
    let c = compare.to_str().unwrap();
    for args in [
        vec!["horizon", c, "--threads", "0"],
        vec!["horizon", c, "--threads", "100000"],
        vec!["run", r, "--threads", "0"],
        vec!["run", r, "--threads", "100000"],
    ] {
        let o = drsim(&args);
        let err = no_panic(&o);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains("--threads"), "{err}");
    }
    let cp = tmp("term.checkpoint");
    let child = Command::new(DRSIM)
        .args(["run", r, "--trials", "1000000", "--chunk", "50", "--checkpoint", cp.to_str().unwrap()])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let t0 = std::time::Instant::now();
    while !cp.exists() {
        assert!(t0.elapsed().as_secs() < 60, "no checkpoint written");
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    let killed = Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap();
    assert!(killed.success());
    let o = child.wait_with_output().unwrap();
    let err = no_panic(&o);
    assert_eq!(o.status.code(), Some(130), "{err}");
    assert!(err.contains("interrupted: trials 0.."), "{err}");
}

/// `text` with the value of the field reached by `path` (each key searched after the previous
/// one) replaced by `value`. Text, not `serde_json::Value`, which would turn the 128-bit sums
/// into floats.
fn set_field(text: &str, path: &[&str], value: &str) -> String {
    let mut at = 0;
    for key in path {
        let pat = format!("\"{key}\":");
        at += text[at..].find(&pat).unwrap_or_else(|| panic!("no {key}")) + pat.len();
    }
    let start = at + (text[at..].len() - text[at..].trim_start().len());
    let end = start + text[start..].find([',', '\n', '}']).unwrap();
    format!("{}{value}{}", &text[..start], &text[end..])
}

/// Issue 14, item 8: `drsim merge` refuses a shard whose exact state was edited into one no run
/// could produce, naming the file and the field, with exit code 2.
#[test]
fn merge_refuses_edited_state() {
    let shard = tmp("edit-shard.json");
    run_json(&["--shard", "1/2"], &shard);
    let good = std::fs::read_to_string(&shard).unwrap();
    let other = tmp("edit-shard2.json");
    run_json(&["--shard", "2/2"], &other);
    let huge = u128::MAX.to_string();
    for (field, path, value) in [
        ("state.rto.sum", &["state", "rto", "sum"][..], huge.as_str()),
        ("state.rto_met.met", &["state", "rto_met", "met"], "1000000"),
        ("state.rto.min", &["state", "rto", "min"], "18446744073709551615"),
        ("state.trials", &["state", "trials"], "7"),
        ("state.recovery_failed", &["state", "recovery_failed"], "121"),
        ("trial_end", &["trial_start"], "200"),
    ] {
        std::fs::write(&shard, set_field(&good, path, value)).unwrap();
        let o = drsim(&["merge", shard.to_str().unwrap(), other.to_str().unwrap(), "--json", "-"]);
        let err = no_panic(&o);
        assert_eq!(o.status.code(), Some(2), "{field}: {err}");
        assert!(err.contains("edit-shard.json") && err.contains(field), "{field}: {err}");
    }
    std::fs::write(&shard, &good).unwrap();
    let o = drsim(&["merge", shard.to_str().unwrap(), other.to_str().unwrap(), "--json", "-"]);
    assert!(o.status.success(), "{}", no_panic(&o));
}

/// Issue 13 through the command: a scenario whose standby is down most of the time and whose
/// horizon is short. The table says how many trials recovered and prints `>horizon` for
/// quantiles among the censored ones; the JSON gives `null` there and counts them; the CSV has
/// the new columns, exact seconds, and an empty `rto_s` for a censored trial; `validate` warns
/// about a fault process that can affect nothing and lists the processes in words.
#[test]
fn censored_trials_and_fault_columns_through_the_command() {
    let base = std::fs::read_to_string(scenario("reference.toml")).unwrap();
    let text = format!(
        "{base}\n[[faults]]\ntarget = {{ site = \"S\" }}\ntime_between_failures = {{ kind = \"exponential\", mean = \"10m\" }}\ntime_to_repair = {{ kind = \"exponential\", mean = \"6h\" }}\n\n[[faults]]\ntarget = {{ link = {{ from = \"P\", to = \"S\" }} }}\ntime_between_failures = \"1h\"\ntime_to_repair = \"1m\"\n"
    )
    .replace("horizon = \"30d\"", "horizon = \"20m\"");
    let path = tmp("censored.toml");
    std::fs::write(&path, text).unwrap();
    let (json_out, csv_out) = (tmp("censored.json"), tmp("censored.csv"));
    let o = drsim(&[
        "run",
        path.to_str().unwrap(),
        "--trials",
        "200",
        "--json",
        json_out.to_str().unwrap(),
        "--csv",
        csv_out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let table = String::from_utf8_lossy(&o.stdout);
    let j = json(&json_out);
    let summary = &j["strategies"][0]["summary"];
    let (recovered, censored) = (summary["recovered"].as_u64().unwrap(), summary["censored"].as_u64().unwrap());
    assert_eq!(recovered + censored, 200);
    assert!(censored > 100, "{censored} censored");
    assert!(table.contains(&format!("{recovered}/200")), "{table}");
    assert!(table.contains(">horizon") && table.contains("censored"), "{table}");
    assert!(summary["rto_all_trials_s"]["p99"].is_null());
    let csv = std::fs::read_to_string(&csv_out).unwrap();
    let header: Vec<&str> = csv.lines().next().unwrap().split(',').collect();
    for col in ["write_blocked_s", "failback_rpo_s", "serving_outage_s", "commit_latency_p99_s", "recovery_delayed"] {
        assert!(header.contains(&col), "{col} missing from {header:?}");
    }
    let rto = header.iter().position(|c| *c == "rto_s").unwrap();
    let rows: Vec<Vec<&str>> = csv.lines().skip(1).map(|l| l.split(',').collect()).collect();
    assert_eq!(rows.iter().filter(|r| r[rto].is_empty()).count() as u64, censored);
    // Exact decimal seconds: no binary-rounding tails like 60.00000000000001.
    assert!(!csv.contains("0000000001,") && !csv.contains("9999999999,"), "inexact seconds in the CSV");

    let v = drsim(&["validate", path.to_str().unwrap()]);
    assert!(v.status.success());
    let out = String::from_utf8_lossy(&v.stdout);
    assert!(out.contains("faults[0] site S: down"), "{out}");
    assert!(!out.contains("Site(") && !out.contains("Region("), "Rust debug text: {out}");
}

/// `validate` checks every strategy before it prints anything: a scenario that loads but whose
/// disaster cannot run (it also takes the standby down) never prints "is valid" and exits 2.
#[test]
fn validate_never_says_valid_before_an_error() {
    let base = std::fs::read_to_string(scenario("reference.toml")).unwrap();
    let target = base.lines().find(|l| l.starts_with("target =")).expect("a disaster target").to_string();
    let bad = base.replace(&target, "target = { site = \"S\" }");
    let path = tmp("standby-disaster.toml");
    std::fs::write(&path, bad).unwrap();
    let v = drsim(&["validate", path.to_str().unwrap()]);
    assert_eq!(v.status.code(), Some(2), "{}", String::from_utf8_lossy(&v.stderr));
    assert!(!String::from_utf8_lossy(&v.stdout).contains("is valid"));
}

/// `validate` warns (stderr, exit 0) about a fault or horizon process that can never affect
/// the trial: here a third site in a zone of its own; and an unstable replication link prints
/// "grows without bound" with its growth rate instead of an RPO, in the table and the JSON.
#[test]
fn inert_faults_warn_and_unstable_replication_says_so() {
    let base = std::fs::read_to_string(scenario("reference.toml")).unwrap();
    let text = base
        .replace("    { name = \"b1\", region = \"B\" },\n]", "    { name = \"b1\", region = \"B\" },\n    { name = \"b2\", region = \"B\" },\n]")
        .replace(
            "    { name = \"S\", zone = \"b1\", instances_running = 2, instances_needed = 8 },\n]",
            "    { name = \"S\", zone = \"b1\", instances_running = 2, instances_needed = 8 },\n    { name = \"X\", zone = \"b2\", instances_running = 1, instances_needed = 1 },\n]",
        )
        + "\n[[faults]]\ntarget = { zone = \"b2\" }\ntime_between_failures = \"30d\"\ntime_to_repair = \"1h\"\n\n[horizon]\nlength = \"365d\"\nfailures = [ { target = { site = \"X\" }, time_between_failures = \"30d\", time_to_repair = \"1h\" } ]\n";
    let path = tmp("inert.toml");
    std::fs::write(&path, &text).unwrap();
    let v = drsim(&["validate", path.to_str().unwrap()]);
    let err = String::from_utf8_lossy(&v.stderr);
    assert!(v.status.success(), "{err}");
    assert!(err.contains("warning: faults[0] (zone b2) can never affect"), "{err}");
    assert!(err.contains("warning: horizon.failures[0] (site X) can never affect"), "{err}");

    // 32.8 MB/s of writes on a 20 MB/s link: unstable, growing at 12.768 MB/s.
    let unstable = base.replace("bandwidth_bytes_per_s = 50_000_000", "bandwidth_bytes_per_s = 20_000_000");
    let path = tmp("unstable.toml");
    std::fs::write(&path, unstable).unwrap();
    let out = tmp("unstable.json");
    let o = drsim(&["run", path.to_str().unwrap(), "--trials", "20", "--json", out.to_str().unwrap()]);
    let table = String::from_utf8_lossy(&o.stdout);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(table.contains("grows without bound (+12.77 MB/s)"), "{table}");
    let g = json(&out)["strategies"][0]["backlog_growth_bytes_per_s"].as_f64().unwrap();
    assert!((g - 12_768_000.0).abs() < 1.0, "{g}");
}

/// The reference scenario with `rate` writes per second of `size` bytes (the same bytes per
/// second): slow trials, for tests of interruption. The sizes are a gamma of shape 1 (the same
/// exponential law) so that the copy is simulated write by write through its warm-up, not
/// drawn from its stationary state.
fn slow_scenario(rate: u32, size: u32) -> PathBuf {
    let text = std::fs::read_to_string(scenario("reference.toml"))
        .unwrap()
        .replace("rate_per_s = 50 }", &format!("rate_per_s = {rate} }}"))
        .replace(
            "size_bytes = { kind = \"exponential\", mean = 655_360 }",
            &format!("size_bytes = {{ kind = \"gamma\", shape = 1, scale = {size} }}"),
        );
    assert!(text.contains("kind = \"gamma\""), "the reference scenario's sizes moved");
    let p = tmp(&format!("slow-{rate}.toml"));
    std::fs::write(&p, text).unwrap();
    p
}

fn interrupt(child: &std::process::Child) {
    let ok = Command::new("kill").args(["-INT", &child.id().to_string()]).status().unwrap();
    assert!(ok.success());
}

/// Issue 14, item 5b: Ctrl-C stops a run within about a second even in the middle of a chunk
/// of slow trials (it used to finish the chunk: 35 s seen), saves only whole chunks, and the
/// resumed run equals an uninterrupted one; a second Ctrl-C exits at once without saving.
#[test]
fn ctrl_c_stops_within_a_second_and_a_second_one_at_once() {
    // About 0.35 s a trial (debug build): a chunk of 4,096 would take about 12 minutes.
    let slow = slow_scenario(30_000, 1024);
    let s = slow.to_str().unwrap();
    let cp = tmp("ctrl-c.checkpoint");
    let child = Command::new(DRSIM)
        .args(["run", s, "--trials", "100000", "--threads", "2", "--checkpoint", cp.to_str().unwrap()])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(1500));
    interrupt(&child);
    let t0 = std::time::Instant::now();
    let o = child.wait_with_output().unwrap();
    let took = t0.elapsed();
    let err = no_panic(&o);
    assert_eq!(o.status.code(), Some(130), "{err}");
    assert!(took.as_secs_f64() < 2.5, "Ctrl-C took {took:?}");
    assert!(err.contains("interrupted: trials 0..0 of 0..100000 are complete"), "{err}");
    assert!(cp.exists(), "the checkpoint (of no whole chunk) is saved");

    // Interrupted in the middle of a chunk: only whole chunks count, and the resumed run
    // equals an uninterrupted one, byte for byte.
    let (whole_json, whole_csv) = (tmp("slow-whole.json"), tmp("slow-whole.csv"));
    let o = drsim(&[
        "run",
        s,
        "--trials",
        "40",
        "--json",
        whole_json.to_str().unwrap(),
        "--csv",
        whole_csv.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", no_panic(&o));
    let (json, csv, cp2) = (tmp("slow-part.json"), tmp("slow-part.csv"), tmp("slow-part.checkpoint"));
    let args = [
        "run",
        s,
        "--trials",
        "40",
        "--threads",
        "2",
        "--json",
        json.to_str().unwrap(),
        "--csv",
        csv.to_str().unwrap(),
        "--checkpoint",
        cp2.to_str().unwrap(),
        "--chunk",
        "8",
    ];
    let child = Command::new(DRSIM).args(args).stdout(Stdio::null()).stderr(Stdio::piped()).spawn().unwrap();
    // 40 trials take about 4 s in chunks of 8: 1 s is within the first or second chunk.
    std::thread::sleep(std::time::Duration::from_millis(1000));
    interrupt(&child);
    let o = child.wait_with_output().unwrap();
    let err = no_panic(&o);
    assert_eq!(o.status.code(), Some(130), "{err}");
    assert!(err.contains("interrupted: trials 0.."), "{err}");
    let mut resume = args.to_vec();
    resume.push("--resume");
    let o = drsim(&resume);
    assert!(o.status.success(), "{}", no_panic(&o));
    let (mut a, mut b) = (json_of(&whole_json), json_of(&json));
    a["timing"] = serde_json::Value::Null;
    b["timing"] = serde_json::Value::Null;
    assert_eq!(a, b);
    assert_eq!(std::fs::read_to_string(&whole_csv).unwrap(), std::fs::read_to_string(&csv).unwrap());

    // A second Ctrl-C while the first waits for trials of about 2.5 s: exit 130 at once, no
    // checkpoint saved.
    let slower = slow_scenario(300_000, 100);
    let cp3 = tmp("ctrl-c-twice.checkpoint");
    let child = Command::new(DRSIM)
        .args(["run", slower.to_str().unwrap(), "--trials", "1000", "--checkpoint", cp3.to_str().unwrap()])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(700));
    interrupt(&child);
    std::thread::sleep(std::time::Duration::from_millis(100));
    interrupt(&child);
    let t0 = std::time::Instant::now();
    let o = child.wait_with_output().unwrap();
    let took = t0.elapsed();
    let err = no_panic(&o);
    assert_eq!(o.status.code(), Some(130), "{err}");
    assert!(took.as_secs_f64() < 1.0, "the second Ctrl-C took {took:?}");
    assert!(err.contains("exiting without saving"), "{err}");
    assert!(!cp3.exists(), "nothing saved");
}

/// One set of per-trial columns: the CSV header of `drsim run --csv` names exactly the fields of
/// the library's `OutcomeRow` (what `Study::outcomes` and the Python bindings hand out), in the
/// same order.
#[test]
fn the_csv_columns_are_the_outcome_row_fields() {
    let out = tmp("columns.csv");
    let o =
        drsim(&["run", scenario("reference.toml").to_str().unwrap(), "--trials", "3", "--csv", out.to_str().unwrap()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let csv = std::fs::read_to_string(&out).unwrap();
    let header: Vec<&str> = csv.lines().next().unwrap().split(',').collect();
    let study = drsim::Study::from_path(scenario("reference.toml")).unwrap().trials(1).run().unwrap();
    // Serialized in field order: each header name's key appears, in the header's order.
    let text = serde_json::to_string(&study.outcomes().next().unwrap()).unwrap();
    let positions: Vec<usize> =
        header.iter().map(|h| text.find(&format!("\"{h}\":")).unwrap_or_else(|| panic!("{h} not in {text}"))).collect();
    assert!(positions.windows(2).all(|w| w[0] < w[1]), "{header:?} vs {text}");
    let fields = serde_json::to_value(study.outcomes().next().unwrap()).unwrap();
    assert_eq!(fields.as_object().unwrap().len(), header.len());
}

/// The variables `--shard auto` reads: removed from every test run so that a test run inside
/// a Slurm array, a Kubernetes Job or GNU parallel is not affected.
const SHARD_VARS: [&str; 7] = [
    "SLURM_ARRAY_TASK_ID",
    "SLURM_ARRAY_TASK_MIN",
    "SLURM_ARRAY_TASK_MAX",
    "SLURM_ARRAY_TASK_COUNT",
    "SLURM_ARRAY_TASK_STEP",
    "JOB_COMPLETION_INDEX",
    "PARALLEL_SEQ",
];

/// Environment variables of one `--shard auto` case.
type Vars<'a> = &'a [(&'a str, &'a str)];

/// Runs drsim with exactly `vars` of [`SHARD_VARS`] set.
fn drsim_env(args: &[&str], vars: &[(&str, &str)]) -> Output {
    let mut c = Command::new(DRSIM);
    for v in SHARD_VARS {
        c.env_remove(v);
    }
    c.envs(vars.iter().copied()).args(args).output().expect("drsim runs")
}

/// A fresh directory for one test.
fn tmp_dir(name: &str) -> PathBuf {
    let d = tmp(name);
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// Issue 17: `--shard auto` takes K and N from Slurm (MIN/MAX or MIN/COUNT), Kubernetes
/// (JOB_COMPLETION_INDEX with --shards) or GNU parallel (PARALLEL_SEQ with --shards), and
/// `{shard}` in the output paths becomes K.
#[test]
fn shard_auto_reads_the_schedulers_environment() {
    let reference = scenario("reference.toml");
    let r = reference.to_str().unwrap();
    let dir = tmp_dir("auto");
    let pattern = dir.join("s-{shard}.json");
    let p = pattern.to_str().unwrap();
    let run = |extra: &[&str], vars: &[(&str, &str)]| {
        let mut a = vec!["run", r, "--trials", "40", "--shard", "auto", "--json", p];
        a.extend_from_slice(extra);
        drsim_env(&a, vars)
    };
    let range = |k: u64| {
        let v = json(&dir.join(format!("s-{k}.json")));
        (v["trial_start"].as_u64().unwrap(), v["trial_end"].as_u64().unwrap(), v["shard"].clone())
    };
    let cases: [(&[&str], Vars, u64, u64); 5] = [
        // sbatch --array=0-3, task 2: shard 3 of 4.
        (&[], &[("SLURM_ARRAY_TASK_ID", "2"), ("SLURM_ARRAY_TASK_MIN", "0"), ("SLURM_ARRAY_TASK_MAX", "3")], 3, 4),
        // The count variant (no MAX): --array=1-4, task 1 is shard 1.
        (&[], &[("SLURM_ARRAY_TASK_ID", "1"), ("SLURM_ARRAY_TASK_MIN", "1"), ("SLURM_ARRAY_TASK_COUNT", "4")], 1, 4),
        // All four, as Slurm sets them, with a step: --array=0-6:2, task 6 is shard 4.
        (
            &["--shards", "4"],
            &[
                ("SLURM_ARRAY_TASK_ID", "6"),
                ("SLURM_ARRAY_TASK_MIN", "0"),
                ("SLURM_ARRAY_TASK_MAX", "6"),
                ("SLURM_ARRAY_TASK_COUNT", "4"),
                ("SLURM_ARRAY_TASK_STEP", "2"),
            ],
            4,
            4,
        ),
        // Kubernetes: the 0-based completion index.
        (&["--shards", "4"], &[("JOB_COMPLETION_INDEX", "1")], 2, 4),
        // GNU parallel: its 1-based sequence number {#}.
        (&["--shards", "5"], &[("PARALLEL_SEQ", "5")], 5, 5),
    ];
    for (extra, vars, k, n) in cases {
        let o = run(extra, vars);
        assert!(o.status.success(), "{vars:?}: {}", String::from_utf8_lossy(&o.stderr));
        let (start, end, shard) = range(k);
        assert_eq!((start, end), (40 * (k - 1) / n, 40 * k / n), "{vars:?}");
        assert_eq!(shard, serde_json::json!({"index": k, "count": n, "trials": 40}), "{vars:?}");
    }
    assert!(!dir.join("s-{shard}.json").exists());

    // Nothing set, or not enough: exit 2 with a message saying what is looked for.
    let refused: [(&[&str], Vars, &str); 6] = [
        (&[], &[], "none of SLURM_ARRAY_TASK_ID"),
        (&[], &[("JOB_COMPLETION_INDEX", "0")], "add --shards N"),
        (&["--shards", "4"], &[("JOB_COMPLETION_INDEX", "4")], "not below --shards 4"),
        (&[], &[("SLURM_ARRAY_TASK_ID", "0")], "SLURM_ARRAY_TASK_MIN is not"),
        (
            &["--shards", "3"],
            &[("SLURM_ARRAY_TASK_ID", "0"), ("SLURM_ARRAY_TASK_MIN", "0"), ("SLURM_ARRAY_TASK_MAX", "3")],
            "--shards 3 disagrees",
        ),
        (&["--shards", "2"], &[("PARALLEL_SEQ", "1"), ("SLURM_ARRAY_TASK_ID", "0")], "ambiguous"),
    ];
    for (extra, vars, msg) in refused {
        let o = run(extra, vars);
        assert_eq!(o.status.code(), Some(2), "{vars:?}");
        let err = no_panic(&o);
        assert!(err.contains(msg), "{vars:?}: {err}");
    }
    // `{shard}` outside a shard run, and --shards without auto, are refused.
    let o = drsim_env(&["run", r, "--trials", "40", "--json", p], &[]);
    assert_eq!(o.status.code(), Some(2));
    assert!(no_panic(&o).contains("this run is not a shard"));
    let o = drsim_env(&["run", r, "--trials", "40", "--shard", "1/2", "--shards", "2"], &[]);
    assert_eq!(o.status.code(), Some(2));
}

/// Issue 17: `{shard}` in --csv and --checkpoint too; an interrupted shard resumes from its
/// own checkpoint.
#[test]
fn shard_marker_in_csv_and_checkpoint_paths() {
    let reference = scenario("reference.toml");
    let r = reference.to_str().unwrap();
    let dir = tmp_dir("marker");
    let (j, c, cp) = (dir.join("s-{shard}.json"), dir.join("s-{shard}.csv"), dir.join("s-{shard}.ckpt"));
    let vars = [("SLURM_ARRAY_TASK_ID", "2"), ("SLURM_ARRAY_TASK_MIN", "1"), ("SLURM_ARRAY_TASK_MAX", "2")];
    let run = |extra: &[&str]| {
        let mut a = vec![
            "run",
            r,
            "--trials",
            "60",
            "--shard",
            "auto",
            "--json",
            j.to_str().unwrap(),
            "--csv",
            c.to_str().unwrap(),
            "--checkpoint",
            cp.to_str().unwrap(),
            "--chunk",
            "10",
        ];
        a.extend_from_slice(extra);
        drsim_env(&a, &vars)
    };
    let o = run(&["--stop-after-chunks", "1"]);
    assert_eq!(o.status.code(), Some(130), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(dir.join("s-2.ckpt").exists());
    let o = run(&["--resume"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(!dir.join("s-2.ckpt").exists(), "the finished shard removes its checkpoint");
    let rows = std::fs::read_to_string(dir.join("s-2.csv")).unwrap();
    assert_eq!(rows.lines().count(), 31, "a header and trials 30..60");
    let v = json(&dir.join("s-2.json"));
    assert_eq!((v["trial_start"].as_u64(), v["trial_end"].as_u64()), (Some(30), Some(60)));
}

/// Issue 17: `merge` takes a directory or a quoted glob pattern, leaves its own output out of
/// them, and names the missing shards (exit 2).
#[test]
fn merge_reads_directories_and_patterns_and_names_missing_shards() {
    let reference = scenario("reference.toml");
    let r = reference.to_str().unwrap();
    let dir = tmp_dir("merge-dir");
    let whole = run_json(&[], &tmp("merge-whole.json"));
    let pattern = dir.join("shard-{shard}.json");
    for k in 1..=4 {
        let o = drsim_env(
            &["run", r, "--trials", "240", "--shard", &format!("{k}/4"), "--json", pattern.to_str().unwrap()],
            &[],
        );
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    }
    // The output inside the directory: left out of it, so merging twice works.
    let out = dir.join("all.json");
    for _ in 0..2 {
        let o = drsim(&["merge", dir.to_str().unwrap(), "--json", out.to_str().unwrap()]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let m = json(&out);
        assert_eq!(m["strategies"], whole["strategies"]);
        assert_eq!((m["trial_start"].as_u64(), m["trial_end"].as_u64()), (Some(0), Some(240)));
        assert!(m.get("shard").is_none(), "a merged report is not a shard");
    }
    let glob = dir.join("shard-*.json");
    let out2 = tmp("merge-glob.json");
    let o = drsim(&["merge", glob.to_str().unwrap(), "--json", out2.to_str().unwrap()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(json(&out2)["strategies"], whole["strategies"]);

    // Missing shards, by index.
    std::fs::remove_file(dir.join("shard-3.json")).unwrap();
    let o = drsim(&["merge", glob.to_str().unwrap(), "--json", "-"]);
    assert_eq!(o.status.code(), Some(2));
    let err = no_panic(&o);
    assert!(err.contains("shard 3 of 4 is missing"), "{err}");
    std::fs::remove_file(dir.join("shard-2.json")).unwrap();
    let o = drsim(&["merge", dir.to_str().unwrap(), "--json", "-"]);
    assert_eq!(o.status.code(), Some(2));
    let err = no_panic(&o);
    assert!(err.contains("shards 2, 3 of 4 are missing"), "{err}");
    // A shard given twice, a pattern matching nothing, an empty directory.
    let one = dir.join("shard-1.json");
    let o = drsim(&["merge", one.to_str().unwrap(), dir.to_str().unwrap(), "--json", "-"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(no_panic(&o).contains("shard 1 of 4 is given twice"));
    let o = drsim(&["merge", dir.join("nothing-*.json").to_str().unwrap(), "--json", "-"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(no_panic(&o).contains("no file matches"));
    let empty = tmp_dir("merge-empty");
    let o = drsim(&["merge", empty.to_str().unwrap(), "--json", "-"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(no_panic(&o).contains("no *.json shard report"));
}

/// Issue 17: the job scripts and commands of docs/scale-out.md are the ones that
/// scripts/slurm-e2e.sh and scripts/parallel-e2e.sh run, word for word.
#[test]
fn scale_out_recipes_are_the_tested_ones() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let read = |p: &str| std::fs::read_to_string(root.join(p)).unwrap();
    let (doc, slurm, parallel) =
        (read("docs/scale-out.md"), read("scripts/slurm-e2e.sh"), read("scripts/parallel-e2e.sh"));
    // The bodies of the two job scripts (here-documents in the test script).
    for name in ["shards.sbatch", "merge.sbatch"] {
        let start = slurm.find(&format!("cat >{name} <<'EOF'\n")).unwrap_or_else(|| panic!("{name} in slurm-e2e.sh"));
        let body = &slurm[start..].split_once('\n').unwrap().1;
        let body = &body[..body.find("\nEOF\n").unwrap() + 1];
        assert!(doc.contains(&format!("```sh\n{body}```")), "docs/scale-out.md lacks {name} as tested:\n{body}");
    }
    // Single commands and pipelines, joined over their continuation lines.
    let commands = |script: &str, starts: &[&str]| -> Vec<String> {
        let mut found = vec![];
        let lines: Vec<&str> = script.lines().collect();
        for (i, l) in lines.iter().enumerate() {
            if starts.iter().any(|s| l.trim_start().starts_with(s)) {
                let mut cmd = vec![*l];
                let mut j = i;
                while lines[j].ends_with('\\') {
                    j += 1;
                    cmd.push(lines[j]);
                }
                found.push(cmd.join("\n"));
            }
        }
        found
    };
    let tested = commands(&parallel, &["seq 4 | parallel", "parallel --will-cite"]);
    assert_eq!(tested.len(), 2, "the two GNU parallel forms in parallel-e2e.sh");
    for cmd in tested {
        // The script redirects output and fails on error; the docs show the bare command.
        let bare = cmd.split(" >logs/").next().unwrap();
        assert!(doc.contains(bare), "docs/scale-out.md lacks the tested command:\n{bare}");
    }
    let rerun = commands(&slurm, &["rerun=$(submit"]).pop().expect("the rerun in slurm-e2e.sh");
    let rerun = rerun.replace("rerun=$(submit ", "rerun=$(sbatch --parsable ");
    assert!(doc.contains(&rerun), "docs/scale-out.md lacks the tested rerun:\n{rerun}");
}

/// The running cost follows the tiers on `compare.toml`'s defaults: every site's application
/// instances and database tier are priced from their instances, so the four strategies come in
/// the order the AWS whitepaper gives — backup & restore < pilot light < warm standby <
/// multi-site — each at its hand-computed cost.
///
/// Prices (`[cost]` of compare.toml, the documented defaults): m5.xlarge 0.192 USD/h, its image
/// 0.0034 USD/h, the production database 0.504 USD/h (r5.2xlarge), gp3 0.08 USD/GB-month, S3
/// 0.023 USD/GB-month, inter-region transfer 0.02 USD/GB, fixed 2 USD; a month is 730 h.
/// Production: 8 instances, a 200 GB data set, 2 writes/s × 262 144 B = 524 288 B/s written.
///
/// Items shared by all four:
/// - primary instances 8 × 0.192 × 730 = 1121.28
/// - primary database 1 × 0.504 × 730 = 367.92
/// - transfer 524 288 B/s × 2 628 000 s = 1377.828864 GB × 0.02 = 27.55657728 (incremental
///   backups ship every write once too; synchronous and asynchronous replicas likewise)
/// - fixed 2
///
/// Backup & restore (hourly incremental backups, kept 35 days; nothing runs at S):
///   images 8 × 0.0034 × 730 = 19.856; storage 200 GB × 0.08 = 16;
///   backups K = ⌈35 d / 1 h⌉ = 840 increments of 524 288 × 3600 = 1.8874368 GB, plus the
///   200 GB base: 200 + 840 × 1.8874368 = 1785.446912 GB × 0.023 = 41.065278976;
///   total 1121.28 + 19.856 + 367.92 + 16 + 41.065278976 + 27.55657728 + 2 = 1595.677856256.
/// Pilot light (no instances at S, a database replica of size 0.25 — an r5.large):
///   images 19.856; database (1 + 0.25) × 367.92 = 459.9; storage (200 + 200) × 0.08 = 32;
///   total 1121.28 + 19.856 + 459.9 + 32 + 27.55657728 + 2 = 1662.59257728.
/// Warm standby (2 of 8 instances at S, the replica at production size):
///   instances 10 × 0.192 × 730 = 1401.6; images 6 × 0.0034 × 730 = 14.892;
///   database 2 × 367.92 = 735.84; storage 32;
///   total 1401.6 + 14.892 + 735.84 + 32 + 27.55657728 + 2 = 2213.88857728.
/// Multi-site (8 + 8 instances, a full database at each site):
///   instances 16 × 0.192 × 730 = 2242.56; images 0; database 735.84; storage 32;
///   total 2242.56 + 735.84 + 32 + 27.55657728 + 2 = 3039.95657728.
#[test]
fn running_cost_follows_the_tiers_on_compare() {
    let out = tmp("compare-cost.json");
    let compare = scenario("compare.toml");
    let o = drsim(&["run", compare.to_str().unwrap(), "--trials", "4", "--json", out.to_str().unwrap()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let report = json(&out);
    let expected = [
        ("backup & restore", 1595.677856256),
        ("pilot light", 1662.59257728),
        ("warm standby", 2213.88857728),
        ("multi-site", 3039.95657728),
    ];
    let strategies = report["strategies"].as_array().unwrap();
    assert_eq!(strategies.len(), expected.len());
    let mut monthly = vec![];
    for (s, (name, usd)) in strategies.iter().zip(expected) {
        assert_eq!(s["name"], name);
        let m = s["cost"]["monthly_running_usd"].as_f64().unwrap();
        assert!((m - usd).abs() < 1e-6, "{name}: {m} USD/month, by hand {usd}");
        monthly.push(m);
    }
    assert!(monthly.windows(2).all(|w| w[0] < w[1]), "not in the whitepaper's order: {monthly:?}");
}
