//! Which shard a `drsim run` covers, and which reports `drsim merge` reads (issue 17).
//!
//! `--shard K/N` names the shard; `--shard auto` reads it from the batch scheduler's
//! environment: a Slurm job array, a Kubernetes Indexed Job or GNU parallel. Output paths may
//! contain `{shard}`, replaced by K. `merge` takes files, directories and glob patterns, and
//! names the shards missing from a set.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::CliError;

/// The value of `--shard`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ShardArg {
    /// `--shard K/N` (1 ≤ K ≤ N).
    Fixed(u64, u64),
    /// `--shard auto`: from the scheduler's environment.
    Auto,
}

/// Parses `--shard`: `K/N` with 1 ≤ K ≤ N, or `auto`.
pub fn parse_shard_arg(s: &str) -> Result<ShardArg, String> {
    if s.trim() == "auto" {
        return Ok(ShardArg::Auto);
    }
    let bad = || format!("{s:?} is not a shard: expected K/N with 1 <= K <= N (e.g. 2/8), or auto");
    let (k, n) = s.split_once('/').ok_or_else(bad)?;
    let (k, n): (u64, u64) = (k.trim().parse().map_err(|_| bad())?, n.trim().parse().map_err(|_| bad())?);
    if n == 0 || k == 0 || k > n {
        return Err(bad());
    }
    Ok(ShardArg::Fixed(k, n))
}

/// The environment variables `--shard auto` reads, and the scheduler that sets each.
const SOURCES: [(&str, &str); 3] = [
    ("SLURM_ARRAY_TASK_ID", "a Slurm job array"),
    ("JOB_COMPLETION_INDEX", "a Kubernetes Indexed Job"),
    ("PARALLEL_SEQ", "GNU parallel"),
];

/// Resolves `--shard` (and `--shards N`) to (K, N), 1 ≤ K ≤ N, reading the environment
/// through `env` for `--shard auto`. Errors are bad input (exit code 2).
pub fn resolve(
    arg: Option<ShardArg>,
    shards: Option<u64>,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Option<(u64, u64)>, CliError> {
    let bad = |m: String| Err(CliError::BadInput(m));
    match arg {
        None if shards.is_some() => bad("--shards N goes with --shard auto".into()),
        None => Ok(None),
        Some(ShardArg::Fixed(..)) if shards.is_some() => {
            bad("--shards N goes with --shard auto; --shard K/N already gives the number of shards".into())
        }
        Some(ShardArg::Fixed(k, n)) => Ok(Some((k, n))),
        Some(ShardArg::Auto) => auto(shards, env).map(Some),
    }
}

fn auto(shards: Option<u64>, env: &dyn Fn(&str) -> Option<String>) -> Result<(u64, u64), CliError> {
    let bad = |m: String| Err(CliError::BadInput(m));
    if shards == Some(0) {
        return bad("--shards 0 is not allowed (must be >= 1)".into());
    }
    let set: Vec<(&str, &str)> = SOURCES.iter().copied().filter(|(var, _)| env(var).is_some()).collect();
    let (var, _) = match set.as_slice() {
        [] => {
            return bad(
                "--shard auto: no shard index in the environment: none of SLURM_ARRAY_TASK_ID (a Slurm job array), \
                 JOB_COMPLETION_INDEX (a Kubernetes Indexed Job, with --shards N) or PARALLEL_SEQ (GNU parallel, with \
                 --shards N) is set; outside a scheduler use --shard K/N"
                    .into(),
            );
        }
        [one] => *one,
        many => {
            let names: Vec<String> = many.iter().map(|(v, who)| format!("{v} ({who})")).collect();
            return bad(format!(
                "--shard auto: {} are all set, so the shard is ambiguous; use --shard K/N",
                names.join(" and ")
            ));
        }
    };
    // An unsigned integer from the environment.
    let num = |name: &str| -> Result<Option<u64>, CliError> {
        env(name)
            .map(|v| {
                v.trim().parse::<u64>().map_err(|_| {
                    CliError::BadInput(format!("--shard auto: {name}={v:?} is not a non-negative integer"))
                })
            })
            .transpose()
    };
    let need_shards = |var: &str| {
        shards.ok_or_else(|| {
            CliError::BadInput(format!(
                "--shard auto: {var} gives this task's index but not the number of tasks: add --shards N"
            ))
        })
    };
    let (k, n) = match var {
        "SLURM_ARRAY_TASK_ID" => slurm(&num)?,
        "JOB_COMPLETION_INDEX" => {
            // 0-based, from 0 to the Job's `completions` − 1.
            let (i, n) = (num(var)?.unwrap_or(0), need_shards(var)?);
            if i >= n {
                return bad(format!("--shard auto: {var}={i} is not below --shards {n} (the index is 0-based)"));
            }
            (i + 1, n)
        }
        _ => {
            // PARALLEL_SEQ: GNU parallel's job sequence number `{#}`, 1-based.
            let (i, n) = (num(var)?.unwrap_or(0), need_shards(var)?);
            if i == 0 || i > n {
                return bad(format!("--shard auto: {var}={i} is not in 1..={n} (--shards {n})"));
            }
            (i, n)
        }
    };
    if let Some(s) = shards
        && s != n
    {
        return bad(format!("--shard auto: --shards {s} disagrees with the {n} tasks of the Slurm job array"));
    }
    Ok((k, n))
}

/// (K, N) of a Slurm array task: the array's ids are MIN, MIN + STEP, … (MAX, or COUNT of
/// them), task id MIN is shard 1.
fn slurm(num: &dyn Fn(&str) -> Result<Option<u64>, CliError>) -> Result<(u64, u64), CliError> {
    let bad = |m: String| Err(CliError::BadInput(format!("--shard auto: {m}")));
    let id = num("SLURM_ARRAY_TASK_ID")?.unwrap_or(0);
    let Some(min) = num("SLURM_ARRAY_TASK_MIN")? else {
        return bad("SLURM_ARRAY_TASK_ID is set but SLURM_ARRAY_TASK_MIN is not: not a Slurm array task?".into());
    };
    let step = num("SLURM_ARRAY_TASK_STEP")?.unwrap_or(1);
    if step == 0 {
        return bad("SLURM_ARRAY_TASK_STEP=0 is not a step".into());
    }
    let by_range = match num("SLURM_ARRAY_TASK_MAX")? {
        Some(max) if max < min => {
            return bad(format!("SLURM_ARRAY_TASK_MAX={max} is below SLURM_ARRAY_TASK_MIN={min}"));
        }
        Some(max) => Some((max - min) / step + 1),
        None => None,
    };
    let by_count = num("SLURM_ARRAY_TASK_COUNT")?;
    let n = match (by_range, by_count) {
        (Some(r), Some(c)) if r != c => {
            return bad(format!(
                "the Slurm array is not a regular range (ids from SLURM_ARRAY_TASK_MIN to _MAX by _STEP give {r} tasks, \
                 SLURM_ARRAY_TASK_COUNT says {c}): submit --array=A-B (or A-B:S), or use --shard K/N"
            ));
        }
        (Some(n), _) | (None, Some(n)) => n,
        (None, None) => {
            return bad("SLURM_ARRAY_TASK_ID is set but neither SLURM_ARRAY_TASK_MAX nor _COUNT is".into());
        }
    };
    if n == 0 {
        return bad("SLURM_ARRAY_TASK_COUNT=0: an empty array".into());
    }
    let off = id.checked_sub(min).filter(|off| off % step == 0 && off / step < n);
    let Some(off) = off else {
        return bad(format!("SLURM_ARRAY_TASK_ID={id} is not one of the array's {n} ids from {min} by {step}"));
    };
    Ok((off / step + 1, n))
}

/// The marker replaced by the shard index K in output paths.
pub const MARKER: &str = "{shard}";

/// `path` with every `{shard}` replaced by K; an error if it has one and the run is not a
/// shard. `flag` names the option in messages.
pub fn fill(flag: &str, path: &Path, shard: Option<(u64, u64)>) -> Result<PathBuf, CliError> {
    let Some(text) = path.to_str().filter(|t| t.contains(MARKER)) else { return Ok(path.to_path_buf()) };
    match shard {
        Some((k, _)) => Ok(PathBuf::from(text.replace(MARKER, &k.to_string()))),
        None => Err(CliError::BadInput(format!(
            "{flag} {text}: {MARKER} stands for the shard index, but this run is not a shard (add --shard K/N or --shard auto)"
        ))),
    }
}

/// Fills `{shard}` in an optional path (see [`fill`]).
pub fn fill_opt(flag: &str, path: &mut Option<PathBuf>, shard: Option<(u64, u64)>) -> Result<(), CliError> {
    if let Some(p) = path.as_mut() {
        *p = fill(flag, p, shard)?;
    }
    Ok(())
}

/// Whether `s` has a glob metacharacter.
fn is_pattern(s: &str) -> bool {
    s.contains(['*', '?', '['])
}

/// The same file, for leaving the output out of what a directory or a pattern expands to.
fn same_file(a: &Path, b: &Path) -> bool {
    match (std::fs::canonicalize(a), b.parent().map(|d| if d.as_os_str().is_empty() { Path::new(".") } else { d })) {
        (Ok(a), Some(dir)) => std::fs::canonicalize(dir).ok().zip(b.file_name()).is_some_and(|(d, n)| d.join(n) == a),
        _ => false,
    }
}

/// The shard reports `merge` reads: each argument is a file, a directory (its `*.json` files,
/// not recursively) or a glob pattern (quoted, so that drsim expands it, not the shell), in
/// that order of precedence. The output `out` is left out of directories and patterns, so a
/// merge can be run again in the directory of its shards.
pub fn expand_inputs(args: &[PathBuf], out: &Path) -> Result<Vec<PathBuf>, CliError> {
    let mut files = vec![];
    for arg in args {
        let text = arg.to_str();
        if arg.is_dir() {
            let read = std::fs::read_dir(arg)
                .map_err(|e| CliError::BadInput(format!("{}: cannot read the directory: {e}", arg.display())))?;
            let mut found = vec![];
            for entry in read {
                let p = entry
                    .map_err(|e| CliError::BadInput(format!("{}: cannot read the directory: {e}", arg.display())))?
                    .path();
                if p.extension().is_some_and(|x| x == "json") && p.is_file() && !same_file(&p, out) {
                    found.push(p);
                }
            }
            if found.is_empty() {
                return Err(CliError::BadInput(format!("{}: no *.json shard report in the directory", arg.display())));
            }
            found.sort();
            files.extend(found);
        } else if let Some(pattern) = text.filter(|t| is_pattern(t) && !arg.exists()) {
            let paths = glob::glob(pattern)
                .map_err(|e| CliError::BadInput(format!("{pattern:?}: not a valid pattern: {e}")))?;
            let mut found = vec![];
            for p in paths {
                let p = p.map_err(|e| CliError::BadInput(format!("{pattern:?}: {e}")))?;
                if p.is_file() && !same_file(&p, out) {
                    found.push(p);
                }
            }
            if found.is_empty() {
                return Err(CliError::BadInput(format!("{pattern:?}: no file matches the pattern")));
            }
            files.extend(found);
        } else {
            files.push(arg.clone());
        }
    }
    Ok(files)
}

/// Where a shard report sits in its run: `--shard K/N` over `trials` trials. Absent from
/// reports that are not shards (and from merged ones).
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ShardInfo {
    /// K, 1-based.
    pub index: u64,
    /// N.
    pub count: u64,
    /// The total trials that the N shards split (`--trials`, or the scenario's count).
    pub trials: u64,
}

/// "3, 5-7, 9": sorted indices, runs of three or more as ranges.
fn ranges(v: &[u64]) -> String {
    let mut parts: Vec<String> = vec![];
    let mut i = 0;
    while i < v.len() {
        let mut j = i;
        while j + 1 < v.len() && v[j + 1] == v[j] + 1 {
            j += 1;
        }
        match j - i {
            0 => parts.push(v[i].to_string()),
            1 => parts.extend([v[i].to_string(), v[j].to_string()]),
            _ => parts.push(format!("{}-{}", v[i], v[j])),
        }
        i = j + 1;
    }
    parts.join(", ")
}

/// Checks that the reports that carry a [`ShardInfo`] form a complete set of one run: the
/// same N and total, no shard twice, none missing. Reports without one (not shards, or written
/// by an earlier drsim) are left to the trial-range checks.
pub fn check_set(reports: &[(&Path, Option<ShardInfo>)]) -> Result<(), CliError> {
    let bad = |m: String| Err(CliError::BadInput(m));
    let mut first: Option<(&Path, ShardInfo)> = None;
    let mut seen: BTreeMap<u64, &Path> = BTreeMap::new();
    for &(path, info) in reports {
        let Some(s) = info else { continue };
        if let Some((fp, f)) = first {
            if (s.count, s.trials) != (f.count, f.trials) {
                return bad(format!(
                    "{} is shard {} of {} over {} trials, but {} is shard {} of {} over {} trials: not shards of the same run",
                    path.display(),
                    s.index,
                    s.count,
                    s.trials,
                    fp.display(),
                    f.index,
                    f.count,
                    f.trials
                ));
            }
        } else {
            first = Some((path, s));
        }
        if let Some(other) = seen.insert(s.index, path) {
            return bad(format!(
                "shard {} of {} is given twice: {} and {}",
                s.index,
                s.count,
                other.display(),
                path.display()
            ));
        }
    }
    let Some((_, f)) = first else { return Ok(()) };
    let missing: Vec<u64> = (1..=f.count).filter(|k| !seen.contains_key(k)).collect();
    match missing.len() {
        0 => Ok(()),
        1 => bad(format!(
            "shard {} of {} is missing ({} of {} given; shards are numbered 1..{} as in --shard K/N)",
            missing[0],
            f.count,
            seen.len(),
            f.count,
            f.count
        )),
        _ => bad(format!(
            "shards {} of {} are missing ({} of {} given; shards are numbered 1..{} as in --shard K/N)",
            ranges(&missing),
            f.count,
            seen.len(),
            f.count,
            f.count
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with(vars: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let vars: Vec<(String, String)> = vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        move |name| vars.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone())
    }

    fn auto_with(shards: Option<u64>, vars: &[(&str, &str)]) -> Result<Option<(u64, u64)>, String> {
        resolve(Some(ShardArg::Auto), shards, &with(vars)).map_err(|e| e.to_string())
    }

    #[test]
    fn slurm_arrays() {
        let a = |id: &str| {
            auto_with(
                None,
                &[
                    ("SLURM_ARRAY_TASK_ID", id),
                    ("SLURM_ARRAY_TASK_MIN", "0"),
                    ("SLURM_ARRAY_TASK_MAX", "3"),
                    ("SLURM_ARRAY_TASK_COUNT", "4"),
                    ("SLURM_ARRAY_TASK_STEP", "1"),
                ],
            )
        };
        assert_eq!(a("0"), Ok(Some((1, 4))));
        assert_eq!(a("3"), Ok(Some((4, 4))));
        assert!(a("4").unwrap_err().contains("not one of the array's 4 ids"));
        // A stepped array: 10, 15, 20.
        let s = |id: &str| {
            auto_with(
                None,
                &[
                    ("SLURM_ARRAY_TASK_ID", id),
                    ("SLURM_ARRAY_TASK_MIN", "10"),
                    ("SLURM_ARRAY_TASK_MAX", "20"),
                    ("SLURM_ARRAY_TASK_STEP", "5"),
                ],
            )
        };
        assert_eq!(s("15"), Ok(Some((2, 3))));
        assert!(s("12").is_err());
        // An irregular array (--array=1,3,8): the count disagrees with the range.
        let e = auto_with(
            None,
            &[
                ("SLURM_ARRAY_TASK_ID", "3"),
                ("SLURM_ARRAY_TASK_MIN", "1"),
                ("SLURM_ARRAY_TASK_MAX", "8"),
                ("SLURM_ARRAY_TASK_COUNT", "3"),
            ],
        )
        .unwrap_err();
        assert!(e.contains("not a regular range"), "{e}");
        // --shards must agree.
        let e = auto_with(
            Some(5),
            &[("SLURM_ARRAY_TASK_ID", "1"), ("SLURM_ARRAY_TASK_MIN", "1"), ("SLURM_ARRAY_TASK_COUNT", "4")],
        )
        .unwrap_err();
        assert!(e.contains("--shards 5 disagrees"), "{e}");
    }

    #[test]
    fn kubernetes_and_parallel_need_shards() {
        assert_eq!(auto_with(Some(4), &[("JOB_COMPLETION_INDEX", "0")]), Ok(Some((1, 4))));
        assert!(auto_with(Some(4), &[("JOB_COMPLETION_INDEX", "4")]).is_err());
        assert!(auto_with(None, &[("JOB_COMPLETION_INDEX", "0")]).unwrap_err().contains("add --shards N"));
        assert_eq!(auto_with(Some(4), &[("PARALLEL_SEQ", "4")]), Ok(Some((4, 4))));
        assert!(auto_with(Some(4), &[("PARALLEL_SEQ", "0")]).is_err());
        let e = auto_with(Some(4), &[("PARALLEL_SEQ", "1"), ("JOB_COMPLETION_INDEX", "0")]).unwrap_err();
        assert!(e.contains("ambiguous"), "{e}");
        assert!(auto_with(Some(4), &[("PARALLEL_SEQ", "x")]).unwrap_err().contains("PARALLEL_SEQ=\"x\""));
    }

    #[test]
    fn shards_flag_goes_with_auto_only() {
        assert!(resolve(Some(ShardArg::Fixed(1, 2)), Some(2), &with(&[])).is_err());
        assert!(resolve(None, Some(2), &with(&[])).is_err());
        assert_eq!(resolve(Some(ShardArg::Fixed(1, 2)), None, &with(&[])).unwrap(), Some((1, 2)));
    }

    #[test]
    fn missing_shards_are_named() {
        let p = Path::new("x.json");
        let info = |index| Some(ShardInfo { index, count: 8, trials: 100 });
        let set: Vec<_> = [1, 2, 4, 5, 6, 8].into_iter().map(|k| (p, info(k))).collect();
        let e = check_set(&set).unwrap_err().to_string();
        assert!(e.starts_with("shards 3, 7 of 8 are missing"), "{e}");
        let set: Vec<_> = [1, 4, 5, 6, 7, 8].into_iter().map(|k| (p, info(k))).collect();
        assert!(check_set(&set).unwrap_err().to_string().starts_with("shards 2, 3 of 8 are missing"));
        let set: Vec<_> = [1, 8].into_iter().map(|k| (p, info(k))).collect();
        assert!(check_set(&set).unwrap_err().to_string().starts_with("shards 2-7 of 8 are missing"));
        let set: Vec<_> = (1..=8).map(|k| (p, info(k))).collect();
        assert!(check_set(&set).is_ok());
    }
}
