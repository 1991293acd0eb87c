//! Output files and stdout: a closed or full stdout, clashing outputs, two runs on one output.

use super::*;

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
