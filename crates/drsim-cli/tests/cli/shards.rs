//! Shards: `--shard K/N` and `--shard auto`, `drsim merge` (exact, checked), the scale-out
//! recipes.

use super::*;

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
    // Four strategies: the last trial of u64 runs for each (a study indexes trials, not
    // trials × strategies, so nothing overflows).
    let compare = scenario("compare.toml");
    let o = drsim(&[
        "run",
        compare.to_str().unwrap(),
        "--trials",
        &max,
        "--shard",
        &format!("{max}/{max}"),
        "--json",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", no_panic(&o));
    let j = json(&out);
    assert_eq!(j["strategies"].as_array().map(Vec::len), Some(4));
    for s in j["strategies"].as_array().unwrap() {
        assert_eq!(s["summary"]["trials"], 1);
    }
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
