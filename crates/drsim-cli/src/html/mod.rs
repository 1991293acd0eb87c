//! The self-contained HTML report of `drsim report RUN.json` and `drsim run --html`: one file,
//! no network (inline CSS and SVG, no script), readable on screen and printable on A4.
//!
//! ```text
//!   header        scenario name, provenance (version, file hash, seed, trials, date, command)
//!   scenario      in words, and a diagram: regions ⊃ zones ⊃ sites, links; stores, replicas
//!   results       per strategy: RTO and RPO (mean ± CI, p50/p95/p99 over all trials,
//!                 share meeting the objectives, trials covered and censored), paired
//!                 differences against the first strategy; CDFs on log axes
//!   by disaster   the same table for each disaster kind of a mix (one page each in print)
//!   cost          running cost, expected annual loss, the Pareto front, the recommendation
//!   horizon       availability in nines, incidents, downtime and loss per year
//!   all figures   every number of the JSON summaries, as the JSON writes it
//! ```
//!
//! Every user string (scenario, strategy, site and disaster names) goes through [`esc`].

use std::fmt::Write as _;

use drsim::plot::{Axis, Curve};
use drsim::report::{HorizonEntry, StrategySummary};
use drsim::scenario::Scenario;
use drsim::stats::format_secs;
use drsim::strategies::Registry;

use crate::report::Report;

mod cost;
mod results;
mod scenario;

use cost::{cost_section, horizon_section};
use results::{disasters_section, results_section};
use scenario::scenario_section;

/// Who made the report, when and how.
pub struct Provenance {
    /// UTC, RFC 3339, to the second.
    pub generated: String,
    /// The command line that made the report.
    pub command_line: String,
}

impl Provenance {
    /// Now, and this process's command line.
    pub fn now() -> Self {
        Provenance {
            generated: humantime::format_rfc3339_seconds(std::time::SystemTime::now()).to_string(),
            // Lossy: an argument that is not UTF-8 (a file name) must not stop the report.
            command_line: std::env::args_os().map(|a| a.to_string_lossy().into_owned()).collect::<Vec<_>>().join(" "),
        }
    }
}

/// Escapes text for HTML element content and quoted attribute values.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            // Control characters other than whitespace are not allowed in HTML text.
            c if c.is_control() && !matches!(c, '\n' | '\t' | '\r') => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

/// The CDFs of RTO and RPO of every strategy of a report (`drsim run --plot`).
pub fn cdf_svg(report: &Report, axis: Axis) -> String {
    fn curve(s: &crate::report::StrategyReport, rto: bool) -> Curve<'_> {
        Curve { label: &s.name, values: if rto { &s.state.rto } else { &s.state.rpo }, trials: s.state.trials }
    }
    let rto: Vec<_> = report.strategies.iter().map(|s| curve(s, true)).collect();
    let rpo: Vec<_> = report.strategies.iter().map(|s| curve(s, false)).collect();
    drsim::plot::cdf_plot(&rto, report.rto_objective_s, &rpo, report.rpo_objective_s, axis)
}

const CSS: &str = r#"
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 2rem auto; max-width: 75rem; padding: 0 1rem; color: #222; line-height: 1.4; }
h1 { font-size: 1.6rem; margin-bottom: .2rem; } h2 { font-size: 1.25rem; border-bottom: 1px solid #ccc; padding-bottom: .2rem; margin-top: 2rem; }
h3 { font-size: 1.05rem; }
table { border-collapse: collapse; margin: .5rem 0 1rem; font-size: .85rem; }
caption { text-align: left; font-weight: 600; padding-bottom: .3rem; }
th, td { border: 1px solid #ccc; padding: .25rem .45rem; text-align: right; vertical-align: top; }
th[scope=row], td.text { text-align: left; }
thead th { background: #f2f2f2; }
dl.provenance { display: grid; grid-template-columns: max-content auto; gap: .1rem 1rem; font-size: .85rem; }
dl.provenance dt { font-weight: 600; } dl.provenance dd { margin: 0; overflow-wrap: anywhere; }
figure { margin: 1rem 0; } figure svg { max-width: 100%; height: auto; } figcaption { font-size: .85rem; color: #444; }
.note { font-size: .85rem; color: #444; }
.recommendation { border-left: 4px solid #2ca02c; padding: .4rem .8rem; background: #f4fbf4; }
@media print {
  @page { size: A4; margin: 14mm; }
  body { margin: 0; max-width: none; font-size: 10pt; }
  section.page { break-before: page; }
  table, figure { break-inside: avoid; }
  h2, h3 { break-after: avoid; }
  #all-figures { display: none; }
  th, td { padding: .15rem .3rem; }
  table { font-size: 8pt; }
}
"#;

/// The whole report. `horizon`: the entries of a `drsim horizon --json`; `scenario`: the
/// scenario the run was made from, for its description (absent when its file is gone), with
/// the registry that builds its strategies (to name each standby's replication).
pub fn render(
    report: &Report,
    horizon: Option<&[HorizonEntry]>,
    scenario: Option<(&Scenario, &Registry)>,
    provenance: &Provenance,
    axis: Axis,
) -> String {
    let mut h = String::new();
    let title = format!("drsim report: {}", report.scenario.name);
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>{}</title>\n<style>{CSS}</style>\n</head>\n<body>\n",
        esc(&title)
    );
    let _ = write!(h, "<header>\n<h1>{}</h1>\n", esc(&title));
    provenance_list(&mut h, report, provenance);
    h.push_str("</header>\n<main>\n");
    scenario_section(&mut h, report, scenario);
    results_section(&mut h, report, axis);
    disasters_section(&mut h, report);
    cost_section(&mut h, report);
    if let Some(entries) = horizon {
        horizon_section(&mut h, entries);
    }
    all_figures(&mut h, report);
    h.push_str("</main>\n</body>\n</html>\n");
    h
}

fn provenance_list(h: &mut String, r: &Report, p: &Provenance) {
    let trials = r.trial_end.saturating_sub(r.trial_start);
    let rows = [
        ("drsim version", r.drsim_version.clone()),
        ("Scenario file", r.scenario.path.display().to_string()),
        ("Scenario SHA-256", r.scenario.sha256.clone()),
        ("Seed", r.seed.to_string()),
        ("Trials per strategy", format!("{trials} (indices {}..{})", r.trial_start, r.trial_end)),
        ("Report made", p.generated.clone()),
        ("Command line", p.command_line.clone()),
    ];
    h.push_str("<dl class=\"provenance\">\n");
    for (k, v) in rows {
        let _ = writeln!(h, "<dt>{}</dt><dd>{}</dd>", esc(k), esc(&v));
    }
    h.push_str("</dl>\n");
}

/// Flattens a JSON value into (dotted key, value as the JSON writes it).
fn flatten(prefix: &str, v: &serde_json::Value, out: &mut Vec<(String, String)>) {
    match v {
        serde_json::Value::Object(m) => {
            for (k, x) in m {
                let key = if prefix.is_empty() { k.clone() } else { format!("{prefix}.{k}") };
                flatten(&key, x, out);
            }
        }
        serde_json::Value::Array(a) => {
            for (i, x) in a.iter().enumerate() {
                flatten(&format!("{prefix}[{i}]"), x, out);
            }
        }
        other => out.push((prefix.to_string(), other.to_string())),
    }
}

fn all_figures(h: &mut String, r: &Report) {
    h.push_str("<section id=\"all-figures\">\n<h2>All figures</h2>\n<p class=\"note\">Every number of each strategy's summary, as the JSON report writes it (seconds, bytes, counts; null: censored or not applicable). Not printed: the JSON report has them all.</p>\n");
    for s in &r.strategies {
        let mut rows = vec![];
        if let Ok(v) = serde_json::to_value(&s.summary) {
            flatten("summary", &v, &mut rows);
        }
        for (label, d) in &s.by_disaster {
            if let Ok(v) = serde_json::to_value(d) {
                flatten(&format!("by_disaster[{label}]"), &v, &mut rows);
            }
        }
        let _ = writeln!(
            h,
            "<table class=\"figures\">\n<caption>{}</caption>\n<thead><tr><th scope=\"col\">key</th><th scope=\"col\">value</th></tr></thead>\n<tbody>",
            esc(&s.name)
        );
        for (k, v) in rows {
            let _ = writeln!(h, "<tr><td class=\"text\">{}</td><td>{}</td></tr>", esc(&k), esc(&v));
        }
        h.push_str("</tbody>\n</table>\n");
    }
    h.push_str("</section>\n");
}
