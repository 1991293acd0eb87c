//! Checkpoints and `--resume`, Ctrl-C and SIGTERM, thread limits.

use super::*;

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

/// Issue 15: a checkpoint of format 1 (before the study layer owned the loop: accumulators at
/// the top level, no `checkpoint_format`) is refused with exit code 2, naming both formats.
#[test]
fn a_checkpoint_of_the_earlier_format_is_refused_naming_it() {
    let reference = scenario("reference.toml");
    let cp = tmp("format1.checkpoint");
    std::fs::write(
        &cp,
        r#"{"drsim_version":"0.1.0","scenario_sha256":"00","seed":1,"trial_start":0,"trial_end":10,"next":5}"#,
    )
    .unwrap();
    let o = drsim(&[
        "run",
        reference.to_str().unwrap(),
        "--trials",
        "10",
        "--checkpoint",
        cp.to_str().unwrap(),
        "--resume",
    ]);
    let err = no_panic(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("a checkpoint of format 1") && err.contains("reads format 2 only"), "{err}");
}
