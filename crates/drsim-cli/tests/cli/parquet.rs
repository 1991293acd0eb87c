//! `drsim run --parquet`: the CSV's rows as typed Parquet, read back with the parquet crate's
//! reader and compared value by value with the CSV of the same run; resumed runs, shards and
//! refusals.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::Output;

use parquet::basic::{LogicalType, Repetition, Type as Physical};
use parquet::data_type::Decimal;
use parquet::file::reader::{FileReader, SerializedFileReader};
use parquet::record::{Field, RowAccessor};

use crate::{drsim, scenario, tmp};

fn ok(o: &Output) {
    assert!(o.status.success(), "exit {:?}: {}", o.status.code(), String::from_utf8_lossy(&o.stderr));
}

/// A CSV line's fields (quoted fields as `csv_field` writes them).
fn fields(line: &str) -> Vec<String> {
    let (mut out, mut cur, mut quoted, mut chars) = (vec![], String::new(), false, line.chars().peekable());
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                cur.push('"');
                chars.next();
            }
            ('"', _) => quoted = !quoted,
            (',', false) => out.push(std::mem::take(&mut cur)),
            _ => cur.push(c),
        }
    }
    out.push(cur);
    out
}

/// Every row and column of `parquet` equals the CSV's: the same names in the same order, and
/// per value the type the column says (INT64, DECIMAL(18, 9), DOUBLE, BOOLEAN, UTF-8) or null where the CSV
/// field is empty. Returns the number of nulls seen per column name.
fn assert_parquet_equals_csv(parquet: &Path, csv: &Path) -> std::collections::BTreeMap<String, usize> {
    let text = std::fs::read_to_string(csv).unwrap();
    let mut lines = text.lines();
    let header = fields(lines.next().unwrap());
    let reader = SerializedFileReader::new(File::open(parquet).unwrap()).unwrap();
    let md = reader.metadata();
    let schema = md.file_metadata().schema_descr();
    let names: Vec<String> = schema.columns().iter().map(|c| c.name().to_string()).collect();
    assert_eq!(names, header, "the CSV's columns in its order");
    // Types: integers INT64, seconds exact nanoseconds (INT64 with logical type DECIMAL(18,
    // 9)), dollars DOUBLE, flags BOOLEAN, strings UTF-8; the columns the CSV can leave empty
    // are OPTIONAL.
    for c in schema.columns() {
        let n = c.name();
        let expect = match n {
            "strategy" | "disaster" | "recovered_at" => Physical::BYTE_ARRAY,
            "trial" | "writes_lost" | "bytes_lost" | "failback_bytes_lost" => Physical::INT64,
            _ if n.starts_with("bytes_lost.") => Physical::INT64,
            _ if n.ends_with("_s") || n.starts_with("rpo_s.") => Physical::INT64,
            "cost_usd" => Physical::DOUBLE,
            _ => Physical::BOOLEAN,
        };
        assert_eq!(c.physical_type(), expect, "{n}");
        let seconds = n.ends_with("_s") || n.starts_with("rpo_s.");
        let decimal = matches!(
            c.logical_type_ref(),
            Some(LogicalType::Decimal(d)) if d.scale == 9 && d.precision == 18
        );
        assert_eq!(decimal, seconds, "{n}: seconds are DECIMAL(18, 9), nothing else");
        if expect == Physical::BYTE_ARRAY {
            assert_eq!(c.logical_type_ref(), Some(&LogicalType::String), "{n}");
        }
        let nullable = c.self_type().get_basic_info().repetition() == Repetition::OPTIONAL;
        let may_be_empty = [
            "first_partial_service_s",
            "rto_s",
            "rpo_s",
            "failback_s",
            "write_freeze_s",
            "commit_latency_p50_s",
            "commit_latency_p99_s",
            "rto_met",
            "rpo_met",
            "recovered_at",
            "cost_usd",
        ]
        .contains(&n)
            || n.contains('.');
        assert_eq!(nullable, may_be_empty, "{n}");
    }
    let mut nulls = std::collections::BTreeMap::new();
    let mut rows = 0usize;
    for (row, line) in reader.get_row_iter(None).unwrap().zip(lines.by_ref()) {
        let row = row.unwrap();
        let csv = fields(line);
        let cols: Vec<(&String, &Field)> = row.get_column_iter().collect();
        assert_eq!(cols.len(), csv.len());
        for ((name, value), text) in cols.into_iter().zip(&csv) {
            let at = || format!("row {rows}, {name}: parquet {value:?}, csv {text:?}");
            match value {
                Field::Null => {
                    assert!(text.is_empty(), "{}", at());
                    *nulls.entry(name.clone()).or_insert(0) += 1;
                }
                Field::Long(x) => assert_eq!(x.to_string(), *text, "{}", at()),
                Field::Bool(b) => assert_eq!(b.to_string(), *text, "{}", at()),
                Field::Str(s) => assert_eq!(s, text, "{}", at()),
                Field::Double(x) if name == "cost_usd" => {
                    // The CSV rounds dollars to cents; Parquet keeps the value.
                    assert_eq!(format!("{x:.2}"), *text, "{}", at());
                }
                Field::Decimal(Decimal::Int64 { value, precision: 18, scale: 9 }) => {
                    // Exact nanoseconds in both: the CSV's decimal text, read as an integer.
                    assert_eq!(i64::from_be_bytes(*value), csv_nanos(text), "{}", at());
                }
                other => panic!("unexpected {other:?} ({})", at()),
            }
        }
        rows += 1;
    }
    assert_eq!(lines.next(), None, "the CSV has more rows than the Parquet file");
    assert_eq!(rows as i64, md.file_metadata().num_rows());
    nulls
}

/// The CSV's seconds text (`12`, `0.5`, `103.73642042`) as integer nanoseconds.
fn csv_nanos(text: &str) -> i64 {
    let (whole, frac) = text.split_once('.').unwrap_or((text, ""));
    assert!(frac.len() <= 9 && frac.bytes().all(|b| b.is_ascii_digit()), "{text}");
    let frac = format!("{frac:0<9}");
    whole.parse::<i64>().unwrap() * 1_000_000_000 + frac.parse::<i64>().unwrap()
}

fn run_both(scenario: &Path, name: &str, trials: &str, extra: &[&str]) -> (PathBuf, PathBuf) {
    let (csv, pq) = (tmp(&format!("{name}.csv")), tmp(&format!("{name}.parquet")));
    let mut args = vec![
        "run",
        scenario.to_str().unwrap(),
        "--trials",
        trials,
        "--csv",
        csv.to_str().unwrap(),
        "--parquet",
        pq.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    ok(&drsim(&args));
    (csv, pq)
}

/// Four strategies with costs, stores with their own columns, and censored trials (nulls).
#[test]
fn parquet_reads_back_equal_to_the_csv() {
    let (csv, pq) = run_both(&scenario("compare.toml"), "compare", "300", &["--chunk", "128"]);
    let nulls = assert_parquet_equals_csv(&pq, &csv);
    assert!(!nulls.contains_key("cost_usd"), "compare.toml prices every trial");
    let reader = SerializedFileReader::new(File::open(&pq).unwrap()).unwrap();
    // Three chunks of trials (128 + 128 + 44 of four strategies): one row group.
    let groups: Vec<i64> = reader.metadata().row_groups().iter().map(|g| g.num_rows()).collect();
    assert_eq!(groups, [1200]);
    let kv = reader.metadata().file_metadata().key_value_metadata().unwrap();
    let get = |k: &str| kv.iter().find(|e| e.key == k).and_then(|e| e.value.clone());
    assert_eq!(get("drsim.trial_end").as_deref(), Some("300"));
    assert_eq!(get("drsim.seed").as_deref(), Some("42"));

    // 130 chunks of one trial: row groups of 64 chunks.
    let (csv, pq) = run_both(&scenario("reference.toml"), "groups", "130", &["--chunk", "1"]);
    assert_parquet_equals_csv(&pq, &csv);
    let reader = SerializedFileReader::new(File::open(&pq).unwrap()).unwrap();
    let groups: Vec<i64> = reader.metadata().row_groups().iter().map(|g| g.num_rows()).collect();
    assert_eq!(groups, [64, 64, 2]);

    let (csv, pq) = run_both(&scenario("three-tier.toml"), "tier", "200", &[]);
    let nulls = assert_parquet_equals_csv(&pq, &csv);
    let rows = std::fs::read_to_string(&csv).unwrap().lines().count() - 1;
    assert_eq!(nulls.get("cost_usd"), Some(&rows), "no [cost]: null cost, as the empty CSV field");

    // Censored: a DR site down most of the time and a 20-minute horizon.
    let base = std::fs::read_to_string(scenario("reference.toml")).unwrap();
    let text = format!(
        "{base}\n[[faults]]\ntarget = {{ site = \"S\" }}\ntime_between_failures = {{ kind = \"exponential\", mean = \"10m\" }}\ntime_to_repair = {{ kind = \"exponential\", mean = \"6h\" }}\n"
    )
    .replace("horizon = \"30d\"", "horizon = \"20m\"");
    let path = tmp("censored.toml");
    std::fs::write(&path, text).unwrap();
    let (csv, pq) = run_both(&path, "censored", "150", &[]);
    let nulls = assert_parquet_equals_csv(&pq, &csv);
    assert!(nulls.get("rto_s").is_some_and(|&n| n > 50), "{nulls:?}");
}

fn spools(dir: &Path, name: &str) -> Vec<PathBuf> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.file_name().unwrap().to_str().unwrap().starts_with(&format!("{name}.")))
        .filter(|p| p.extension().is_some_and(|e| e == "tmp"))
        .collect()
}

/// Stopped after two chunks (as Ctrl-C stops), resumed: the same bytes as an uninterrupted run;
/// segments written after the checkpoint are cut off; a shortened spool, or one of the earlier
/// format, is refused.
#[test]
fn resumed_parquet_equals_an_uninterrupted_one() {
    let compare = scenario("compare.toml");
    let c = compare.to_str().unwrap();
    let whole = tmp("whole.parquet");
    ok(&drsim(&["run", c, "--trials", "240", "--chunk", "50", "--parquet", whole.to_str().unwrap()]));

    let dir = tmp("resume");
    std::fs::create_dir_all(&dir).unwrap();
    let (pq, csv, cp) = (dir.join("part.parquet"), dir.join("part.csv"), dir.join("run.checkpoint"));
    let args = |extra: &[&str]| {
        let mut a = vec![
            "run",
            c,
            "--trials",
            "240",
            "--chunk",
            "50",
            "--parquet",
            pq.to_str().unwrap(),
            "--csv",
            csv.to_str().unwrap(),
            "--checkpoint",
            cp.to_str().unwrap(),
        ];
        a.extend_from_slice(extra);
        drsim(&a)
    };
    let o = args(&["--stop-after-chunks", "2"]);
    assert_eq!(o.status.code(), Some(130), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(!pq.exists(), "nothing that looks complete under the final name");
    let spool = spools(&dir, "part.parquet");
    assert_eq!(spool.len(), 1, "{spool:?}");
    let checkpoint: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&cp).unwrap()).unwrap();
    let counted = checkpoint["parquet_bytes"].as_u64().unwrap();
    assert_eq!(std::fs::metadata(&spool[0]).unwrap().len(), counted);
    assert_eq!(checkpoint["parquet_tmp"].as_str(), spool[0].to_str());

    // A spool shorter than the checkpoint counts is refused, naming it.
    let saved = std::fs::read(&spool[0]).unwrap();
    std::fs::write(&spool[0], &saved[..saved.len() - 10]).unwrap();
    let o = args(&["--resume"]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("fewer than it should") && err.contains(spool[0].to_str().unwrap()), "{err}");
    // A spool of the earlier format (DRSIMPQ1: DOUBLE seconds) is refused, naming both formats.
    let mut old = saved.clone();
    old[..8].copy_from_slice(b"DRSIMPQ1");
    std::fs::write(&spool[0], &old).unwrap();
    let o = args(&["--resume"]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("DRSIMPQ1") && err.contains("DRSIMPQ2") && err.contains("without --resume"), "{err}");
    // A longer one (a segment half written when the run died) is cut back.
    let mut longer = saved.clone();
    longer.extend_from_slice(&[7u8; 1000]);
    std::fs::write(&spool[0], &longer).unwrap();

    ok(&args(&["--resume"]));
    assert_eq!(std::fs::read(&whole).unwrap(), std::fs::read(&pq).unwrap(), "the same bytes");
    assert!(spools(&dir, "part.parquet").is_empty(), "the spool is removed");
    assert!(!cp.exists());
    assert_parquet_equals_csv(&pq, &csv);

    // Resuming with --parquet a run started without it is refused.
    let cp2 = dir.join("csv-only.checkpoint");
    let o = drsim(&[
        "run",
        c,
        "--trials",
        "240",
        "--chunk",
        "50",
        "--checkpoint",
        cp2.to_str().unwrap(),
        "--stop-after-chunks",
        "1",
    ]);
    assert_eq!(o.status.code(), Some(130));
    let o = drsim(&[
        "run",
        c,
        "--trials",
        "240",
        "--chunk",
        "50",
        "--checkpoint",
        cp2.to_str().unwrap(),
        "--resume",
        "--parquet",
        dir.join("late.parquet").to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("started without --parquet"));
}

/// All trials run, then an output fails: `--resume` writes the Parquet file from the spool
/// without running a trial, equal to an uninterrupted run's.
#[test]
fn a_finished_run_resumes_its_parquet() {
    let r = scenario("reference.toml");
    let whole = tmp("fin-whole.parquet");
    ok(&drsim(&["run", r.to_str().unwrap(), "--trials", "90", "--chunk", "40", "--parquet", whole.to_str().unwrap()]));
    let (pq, json, cp) = (tmp("fin.parquet"), tmp("fin.json"), tmp("fin.checkpoint"));
    let args = |extra: &[&str]| {
        let mut a = vec![
            "run",
            r.to_str().unwrap(),
            "--trials",
            "90",
            "--chunk",
            "40",
            "--parquet",
            pq.to_str().unwrap(),
            "--json",
            json.to_str().unwrap(),
            "--checkpoint",
            cp.to_str().unwrap(),
        ];
        a.extend_from_slice(extra);
        drsim(&a)
    };
    let o = args(&["--fail-before-json"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(!pq.exists() && cp.exists());
    ok(&args(&["--resume"]));
    assert_eq!(std::fs::read(&whole).unwrap(), std::fs::read(&pq).unwrap());
    assert!(!cp.exists());
}

/// `{shard}` in the path, the shard's trials only; `--parquet -` and a clash with another
/// output are refused before any trial.
#[test]
fn shards_and_refusals() {
    let r = scenario("reference.toml");
    let dir = tmp("shards");
    std::fs::create_dir_all(&dir).unwrap();
    let pattern = dir.join("s-{shard}.parquet");
    let csv = dir.join("s-{shard}.csv");
    ok(&drsim(&[
        "run",
        r.to_str().unwrap(),
        "--trials",
        "60",
        "--shard",
        "2/3",
        "--parquet",
        pattern.to_str().unwrap(),
        "--csv",
        csv.to_str().unwrap(),
    ]));
    let pq = dir.join("s-2.parquet");
    assert_parquet_equals_csv(&pq, &dir.join("s-2.csv"));
    let reader = SerializedFileReader::new(File::open(&pq).unwrap()).unwrap();
    let trials: Vec<i64> = reader.get_row_iter(None).unwrap().map(|row| row.unwrap().get_long(1).unwrap()).collect();
    assert_eq!(trials, (20..40).collect::<Vec<i64>>());

    let o = drsim(&["run", r.to_str().unwrap(), "--trials", "10", "--parquet", "-"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("--parquet -: Parquet cannot go to stdout"));
    let same = dir.join("same.out");
    let o = drsim(&[
        "run",
        r.to_str().unwrap(),
        "--trials",
        "10",
        "--parquet",
        same.to_str().unwrap(),
        "--csv",
        same.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("both write"));
}
