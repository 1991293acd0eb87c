//! Scenario loading: a path, TOML text or a dict, with dotted-key overrides applied to the
//! TOML before it is checked exactly as a file is (so errors carry the CLI's messages).

use std::path::PathBuf;

use drsim::scenario::Scenario;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyString};

use crate::bad;

/// Where a scenario came from, and its text when it must be edited.
enum Source {
    Path(PathBuf),
    Text(String, &'static str),
    Table(toml::Table),
}

impl Source {
    fn origin(&self) -> PathBuf {
        match self {
            Source::Path(p) => p.clone(),
            Source::Text(_, o) => PathBuf::from(o),
            Source::Table(_) => PathBuf::from("<dict>"),
        }
    }
}

/// A path (str or os.PathLike), TOML text (a str with a newline or an `=`, that is no file)
/// or a dict.
fn source(scenario: &Bound<'_, PyAny>) -> PyResult<Source> {
    if let Ok(d) = scenario.cast::<PyDict>() {
        let table: toml::Table =
            pythonize::depythonize(d.as_any()).map_err(|e| bad(format!("<dict>: not a scenario table: {e}")))?;
        return Ok(Source::Table(table));
    }
    if let Ok(s) = scenario.cast::<PyString>() {
        let s: String = s.extract()?;
        let s = s.as_str();
        let looks_like_toml = s.contains('\n') || s.contains('=');
        if looks_like_toml && !std::path::Path::new(s).is_file() {
            return Ok(Source::Text(s.to_string(), "<string>"));
        }
        return Ok(Source::Path(PathBuf::from(s)));
    }
    let os = scenario.py().import("os")?;
    match os.call_method1("fspath", (scenario,)) {
        Ok(p) => Ok(Source::Path(PathBuf::from(p.extract::<String>()?))),
        Err(_) => {
            Err(bad(format!("scenario: expected a path, TOML text or a dict, not {}", scenario.get_type().name()?)))
        }
    }
}

/// Applies `key = value` (dotted keys of the scenario format) to `table`. An array is indexed
/// by position or by its entries' `name` (then `kind`): `strategies.warm_standby.params.x`.
/// Missing tables are created: the scenario's own checks then reject unknown keys.
fn apply(table: &mut toml::Table, key: &str, value: toml::Value) -> Result<(), String> {
    let parts: Vec<&str> = key.split('.').collect();
    if parts.iter().any(|p| p.is_empty()) {
        return Err(format!("override {key:?}: empty part in the dotted key"));
    }
    let mut root = toml::Value::Table(std::mem::take(table));
    let r = set(&mut root, &parts, 0, key, value);
    if let toml::Value::Table(t) = root {
        *table = t;
    }
    r
}

fn set(cur: &mut toml::Value, parts: &[&str], i: usize, key: &str, value: toml::Value) -> Result<(), String> {
    let part = parts[i];
    let last = i + 1 == parts.len();
    let next = match cur {
        toml::Value::Table(t) => {
            if last {
                t.insert(part.to_string(), value);
                return Ok(());
            }
            t.entry(part.to_string()).or_insert_with(|| toml::Value::Table(toml::Table::new()))
        }
        toml::Value::Array(a) => {
            let by = |field: &str| {
                let hits: Vec<usize> = a
                    .iter()
                    .enumerate()
                    .filter(|(_, v)| v.get(field).and_then(|n| n.as_str()) == Some(part))
                    .map(|(j, _)| j)
                    .collect();
                (hits.len() == 1).then(|| hits[0])
            };
            let idx = match part.parse::<usize>() {
                Ok(n) => (n < a.len()).then_some(n),
                Err(_) => by("name").or_else(|| by("kind")),
            };
            let Some(idx) = idx else {
                return Err(format!(
                    "override {key:?}: {}: no such entry (an index below {}, or the name or kind of one entry)",
                    parts[..=i].join("."),
                    a.len()
                ));
            };
            if last {
                a[idx] = value;
                return Ok(());
            }
            &mut a[idx]
        }
        other => {
            return Err(format!("override {key:?}: {} is a {}, not a table", parts[..i].join("."), other.type_str()));
        }
    };
    set(next, parts, i + 1, key, value)
}

/// Reads, edits (overrides) and checks a scenario. Errors carry the CLI's messages.
pub(crate) fn load(
    scenario: &Bound<'_, PyAny>,
    overrides: Option<&Bound<'_, PyDict>>,
) -> PyResult<(Scenario, PathBuf)> {
    let src = source(scenario)?;
    let origin = src.origin();
    let overrides = overrides.filter(|o| !o.is_empty());
    let parsed = match (&src, overrides) {
        (Source::Path(p), None) => Scenario::from_path(p),
        (Source::Text(t, _), None) => Scenario::from_toml_str(t, &origin),
        (src, overrides) => {
            let mut table = match src {
                Source::Table(t) => t.clone(),
                Source::Path(_) | Source::Text(..) => {
                    let text = match src {
                        Source::Path(p) => std::fs::read_to_string(p).map_err(|_| match Scenario::from_path(p) {
                            Err(e) => bad(e.to_string()),
                            Ok(_) => bad(format!("{}: cannot read the scenario", p.display())),
                        })?,
                        Source::Text(t, _) => t.clone(),
                        Source::Table(_) => unreachable!(),
                    };
                    match text.parse::<toml::Table>() {
                        Ok(t) => t,
                        // Not TOML: the scenario parser says why, as it does for the CLI.
                        Err(_) => {
                            return Err(bad(Scenario::from_toml_str(&text, &origin)
                                .err()
                                .map_or_else(|| format!("{}: not TOML", origin.display()), |e| e.to_string())));
                        }
                    }
                }
            };
            let mut keys = vec![];
            if let Some(o) = overrides {
                for (k, v) in o.iter() {
                    let key: String = k
                        .extract()
                        .map_err(|_| bad(format!("overrides: keys are dotted strings, not {}", k.get_type())))?;
                    let value: toml::Value = pythonize::depythonize(&v)
                        .map_err(|e| bad(format!("{}: override {key:?}: not a TOML value: {e}", origin.display())))?;
                    apply(&mut table, &key, value).map_err(|m| bad(format!("{}: {m}", origin.display())))?;
                    keys.push(key);
                }
            }
            let text = toml::to_string(&table)
                .map_err(|e| bad(format!("{}: cannot write the scenario as TOML: {e}", origin.display())))?;
            Scenario::from_toml_str(&text, &origin).map_err(|e| {
                if keys.is_empty() {
                    e
                } else {
                    drsim::scenario::ScenarioError::Parse {
                        file: origin.clone(),
                        message: format!(
                            "{} (overrides applied: {})",
                            e.to_string().strip_prefix(&format!("{}: ", origin.display())).unwrap_or(&e.to_string()),
                            keys.join(", ")
                        ),
                    }
                }
            })
        }
    };
    let scenario = parsed.map_err(|e| bad(e.to_string()))?;
    Ok((scenario, origin))
}
