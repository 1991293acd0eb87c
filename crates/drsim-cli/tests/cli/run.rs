//! `drsim run`, `validate` and `horizon`: reports, CSV, plots, costs, bad input.

use super::*;

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
