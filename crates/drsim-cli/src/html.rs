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

fn mode_of(spec: &drsim::model::ReplicationSpec) -> String {
    serde_json::to_value(spec)
        .ok()
        .and_then(|v| v.get("mode").and_then(|m| m.as_str()).map(str::to_string))
        .unwrap_or_else(|| "replication".into())
}

fn bytes(b: f64) -> String {
    let (v, u) = if b >= 1e12 {
        (b / 1e12, "TB")
    } else if b >= 1e9 {
        (b / 1e9, "GB")
    } else if b >= 1e6 {
        (b / 1e6, "MB")
    } else if b >= 1e3 {
        (b / 1e3, "kB")
    } else {
        (b, "B")
    };
    format!("{v:.3} {u}")
}

fn scenario_section(h: &mut String, r: &Report, scenario: Option<(&Scenario, &Registry)>) {
    h.push_str("<section id=\"scenario\">\n<h2>The scenario</h2>\n");
    let Some((sc, registry)) = scenario else {
        let _ = writeln!(
            h,
            "<p class=\"note\">The scenario file {} could not be read (or no longer matches the SHA-256 above): only its results are shown.</p>\n</section>",
            esc(&r.scenario.path.display().to_string())
        );
        return;
    };
    let d = &sc.disaster.deployment;
    let topo = d.topology.spec();
    let mut words = format!(
        "{} region(s), {} zone(s), {} site(s) and {} link(s). The primary is <strong>{}</strong>, the standby <strong>{}</strong>. The workload writes {:.3} times per second, {} per second on average",
        topo.regions.len(),
        topo.zones.len(),
        topo.sites.len(),
        topo.links.len(),
        esc(&d.primary),
        esc(&d.standby),
        d.workload.mean_rate_per_s(),
        bytes(d.workload.mean_bytes_per_s()),
    );
    if d.dataset_bytes > 0.0 {
        let _ = write!(words, "; the database holds {}", bytes(d.dataset_bytes));
    }
    words.push('.');
    if !d.stores.is_empty() {
        let names: Vec<String> = d.stores.iter().map(|s| esc(&s.name)).collect();
        let _ = write!(words, " Data stores besides the database: {}.", names.join(", "));
    }
    let _ = writeln!(h, "<p>{words}</p>");
    let _ = writeln!(
        h,
        "<p>Objectives: RTO {}, RPO {}. Every strategy faces the same disasters (common random numbers).</p>",
        r.rto_objective_s.map_or("none".into(), format_secs),
        r.rpo_objective_s.map_or("none".into(), format_secs)
    );
    topology_svg(h, sc);
    // Links.
    h.push_str("<table>\n<caption>Links</caption>\n<thead><tr><th scope=\"col\">from</th><th scope=\"col\">to</th><th scope=\"col\">mean latency</th><th scope=\"col\">bandwidth</th><th scope=\"col\">mean throughput</th></tr></thead>\n<tbody>\n");
    for l in &topo.links {
        let _ = writeln!(
            h,
            "<tr><td class=\"text\">{}</td><td class=\"text\">{}</td><td>{}</td><td>{}/s</td><td>{}/s</td></tr>",
            esc(&l.from),
            esc(&l.to),
            l.latency.mean_secs().map_or("?".into(), format_secs),
            bytes(l.bandwidth_bytes_per_s),
            bytes(l.mean_throughput_bytes_per_s())
        );
    }
    h.push_str("</tbody>\n</table>\n");
    // Strategies: their copies.
    h.push_str("<table>\n<caption>Strategies and their copies</caption>\n<thead><tr><th scope=\"col\">strategy</th><th scope=\"col\">kind</th><th scope=\"col\">standby (site: mode)</th><th scope=\"col\">replicas (site: mode)</th></tr></thead>\n<tbody>\n");
    for e in &sc.strategies {
        let standby = registry
            .build(e)
            .ok()
            .and_then(|s| s.steady_state(d).ok())
            .map_or_else(|| "?".to_string(), |st| mode_of(&st.replication));
        let replicas: Vec<String> =
            e.replicas.iter().map(|r| format!("{}: {}", esc(&r.site), esc(&mode_of(&r.replication)))).collect();
        let _ = writeln!(
            h,
            "<tr><th scope=\"row\">{}</th><td class=\"text\">{}</td><td class=\"text\">{}: {}</td><td class=\"text\">{}</td></tr>",
            esc(e.label()),
            esc(&e.kind),
            esc(&d.standby),
            esc(&standby),
            if replicas.is_empty() { "none".to_string() } else { replicas.join("; ") }
        );
    }
    h.push_str("</tbody>\n</table>\n");
    if !d.stores.is_empty() {
        h.push_str("<table>\n<caption>Data stores</caption>\n<thead><tr><th scope=\"col\">store</th><th scope=\"col\">data set</th><th scope=\"col\">copies (site: mode)</th></tr></thead>\n<tbody>\n");
        for s in &d.stores {
            let copies: Vec<String> =
                s.copies.iter().map(|c| format!("{}: {}", esc(&c.site), esc(&mode_of(&c.replication)))).collect();
            let _ = writeln!(
                h,
                "<tr><th scope=\"row\">{}</th><td>{}</td><td class=\"text\">{}</td></tr>",
                esc(&s.name),
                bytes(s.dataset_bytes),
                copies.join("; ")
            );
        }
        h.push_str("</tbody>\n</table>\n");
    }
    h.push_str("</section>\n");
}

/// Regions side by side, their zones inside, the sites inside those; links as lines.
fn topology_svg(h: &mut String, sc: &Scenario) {
    let d = &sc.disaster.deployment;
    let topo = d.topology.spec();
    const SITE_W: f64 = 120.0;
    const SITE_H: f64 = 34.0;
    const PAD: f64 = 12.0;
    let mut x = PAD;
    let mut body = String::new();
    let mut centres: Vec<(String, f64, f64)> = vec![];
    let mut height: f64 = 0.0;
    for region in &topo.regions {
        let x_region = x;
        let mut xz = x + PAD;
        let mut zone_h: f64 = 0.0;
        let mut zones_svg = String::new();
        for zone in topo.zones.iter().filter(|z| &z.region == region) {
            let sites: Vec<_> = topo.sites.iter().filter(|s| s.zone == zone.name).collect();
            let zh = 30.0 + sites.len().max(1) as f64 * (SITE_H + 8.0);
            let zw = SITE_W + 2.0 * PAD;
            let _ = write!(
                zones_svg,
                r##"<rect x="{xz}" y="40" width="{zw}" height="{zh}" rx="6" fill="#eef4fb" stroke="#7aa6d6"/><text x="{}" y="56" font-size="12" text-anchor="middle">{}</text>"##,
                xz + zw / 2.0,
                esc(&zone.name)
            );
            for (k, s) in sites.iter().enumerate() {
                let sy = 64.0 + k as f64 * (SITE_H + 8.0);
                let role = if s.name == d.primary {
                    " (primary)"
                } else if s.name == d.standby {
                    " (standby)"
                } else {
                    ""
                };
                let fill = if s.name == d.primary { "#fde9d9" } else { "#ffffff" };
                let _ = write!(
                    zones_svg,
                    r##"<rect x="{}" y="{sy}" width="{SITE_W}" height="{SITE_H}" rx="4" fill="{fill}" stroke="#444"/><text x="{}" y="{}" font-size="12" text-anchor="middle">{}{}</text>"##,
                    xz + PAD,
                    xz + PAD + SITE_W / 2.0,
                    sy + SITE_H / 2.0 + 4.0,
                    esc(&s.name),
                    role
                );
                centres.push((s.name.clone(), xz + PAD + SITE_W / 2.0, sy + SITE_H / 2.0));
            }
            zone_h = zone_h.max(zh);
            xz += zw + PAD;
        }
        let rw = (xz - x).max(SITE_W + 4.0 * PAD);
        let rh = zone_h + 50.0;
        let _ = write!(
            body,
            r##"<rect x="{x_region}" y="16" width="{rw}" height="{rh}" rx="8" fill="none" stroke="#888" stroke-dasharray="6,3"/><text x="{}" y="32" font-size="13" font-weight="600" text-anchor="middle">region {}</text>{zones_svg}"##,
            x_region + rw / 2.0,
            esc(region)
        );
        height = height.max(rh + 30.0);
        x += rw + 2.0 * PAD;
    }
    let mut lines = String::new();
    for l in &topo.links {
        let at = |n: &str| centres.iter().find(|c| c.0 == n).map(|c| (c.1, c.2));
        if let (Some((x1, y1)), Some((x2, y2))) = (at(&l.from), at(&l.to)) {
            let _ = write!(
                lines,
                r##"<line x1="{x1:.1}" y1="{y1:.1}" x2="{x2:.1}" y2="{y2:.1}" stroke="#d62728" stroke-width="1.5" stroke-opacity="0.6"/>"##
            );
        }
    }
    let width = x.max(200.0);
    let _ = write!(
        h,
        r##"<figure>
<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" font-family="sans-serif" role="img" aria-labelledby="topo-title topo-desc"><title id="topo-title">Topology</title><desc id="topo-desc">{} regions containing {} zones and {} sites; red lines are the {} replication links listed below.</desc>{lines}{body}</svg>
<figcaption>Regions (dashed) contain zones (blue), which contain sites; red lines are links (the table below gives each one's latency and throughput).</figcaption>
</figure>
"##,
        topo.regions.len(),
        topo.zones.len(),
        topo.sites.len(),
        topo.links.len()
    );
}

/// A quantile over all trials; `None`: it falls among the censored trials (not recovered
/// within the horizon, or nothing clean to recover from).
fn dur(v: Option<f64>) -> String {
    v.map_or_else(|| "censored".to_string(), format_secs)
}

fn mean_ci(m: Option<&drsim::stats::Summary>, none: &str) -> String {
    m.map_or_else(|| none.to_string(), |m| format!("{} ± {}", format_secs(m.mean), format_secs(m.ci95)))
}

fn prop(p: Option<&drsim::report::Prop>) -> String {
    p.map_or_else(
        || "—".to_string(),
        |p| format!("{:.1} % [{:.1}, {:.1}]", 100.0 * p.estimate, 100.0 * p.low, 100.0 * p.high),
    )
}

/// The table of RTO and RPO per strategy for one set of summaries.
fn summary_table(h: &mut String, caption: &str, rows: &[(&str, &StrategySummary)]) {
    let _ = writeln!(h, "<table>\n<caption>{}</caption>", esc(caption));
    h.push_str("<thead><tr><th scope=\"col\">strategy</th><th scope=\"col\">trials</th><th scope=\"col\">recovered</th><th scope=\"col\">RTO mean ± 95 % CI</th><th scope=\"col\">RTO p50</th><th scope=\"col\">p95</th><th scope=\"col\">p99</th><th scope=\"col\">P(RTO ≤ objective)</th><th scope=\"col\">with a copy</th><th scope=\"col\">RPO mean ± 95 % CI</th><th scope=\"col\">RPO p50</th><th scope=\"col\">p95</th><th scope=\"col\">p99</th><th scope=\"col\">P(RPO ≤ objective)</th></tr></thead>\n<tbody>\n");
    for (name, s) in rows {
        let no_copy = |v: Option<f64>| v.map_or_else(|| "no copy".to_string(), format_secs);
        let _ = writeln!(
            h,
            "<tr><th scope=\"row\">{}</th><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(name),
            s.trials,
            s.recovered,
            mean_ci(s.rto_s.as_ref(), "none recovered"),
            dur(s.rto_all_trials_s.p50),
            dur(s.rto_all_trials_s.p95),
            dur(s.rto_all_trials_s.p99),
            prop(s.p_rto_met.as_ref()),
            s.with_copy,
            mean_ci(s.rpo_s.as_ref(), "no copy"),
            no_copy(s.rpo_all_trials_s.p50),
            no_copy(s.rpo_all_trials_s.p95),
            no_copy(s.rpo_all_trials_s.p99),
            prop(s.p_rpo_met.as_ref()),
        );
    }
    h.push_str("</tbody>\n</table>\n");
    let censored: Vec<String> = rows
        .iter()
        .filter(|(_, s)| s.censored > 0 || s.flags.no_clean_copy > 0)
        .map(|(n, s)| {
            let mut t = format!("{}: {} of {} trials censored", esc(n), s.censored, s.trials);
            if s.flags.no_clean_copy > 0 {
                let _ = write!(t, " ({} with no clean recovery point left)", s.flags.no_clean_copy);
            }
            t
        })
        .collect();
    let _ = writeln!(
        h,
        "<p class=\"note\">Means are over the trials that recovered (RTO) or kept a copy (RPO); quantiles are over all trials, a censored trial counting as +∞ (shown as censored, or no copy). {}</p>",
        if censored.is_empty() { "No trial was censored.".to_string() } else { censored.join("; ") + "." }
    );
}

fn results_section(h: &mut String, r: &Report, axis: Axis) {
    h.push_str("<section id=\"results\" class=\"page\">\n<h2>Recovery time and recovery point, per strategy</h2>\n");
    let rows: Vec<(&str, &StrategySummary)> = r.strategies.iter().map(|s| (s.name.as_str(), &s.summary)).collect();
    summary_table(h, "All disasters", &rows);
    if r.strategies.len() > 1 {
        let first = &r.strategies[0].name;
        let _ = writeln!(
            h,
            "<table>\n<caption>Paired differences against {} (this strategy − {}, same disasters)</caption>",
            esc(first),
            esc(first)
        );
        h.push_str("<thead><tr><th scope=\"col\">strategy</th><th scope=\"col\">RTO pairs</th><th scope=\"col\">RTO difference ± 95 % CI</th><th scope=\"col\">RPO pairs</th><th scope=\"col\">RPO difference ± 95 % CI</th></tr></thead>\n<tbody>\n");
        for s in &r.strategies[1..] {
            if let Some(p) = &s.paired_vs_first {
                let diff = |d: &drsim::montecarlo::PairedDifference| {
                    if d.pairs == 0 {
                        "—".to_string()
                    } else {
                        let sign = if d.mean < 0.0 { "−" } else { "+" };
                        format!("{sign}{} ± {}", format_secs(d.mean.abs()), format_secs(d.ci95))
                    }
                };
                let _ = writeln!(
                    h,
                    "<tr><th scope=\"row\">{}</th><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                    esc(&s.name),
                    p.rto_s.pairs,
                    diff(&p.rto_s),
                    p.rpo_s.pairs,
                    diff(&p.rpo_s)
                );
            }
        }
        h.push_str("</tbody>\n</table>\n");
    }
    let medians: Vec<String> = r
        .strategies
        .iter()
        .map(|s| {
            format!(
                "{}: median RTO {}, median RPO {}",
                s.name,
                dur(s.summary.rto_all_trials_s.p50),
                s.summary.rpo_all_trials_s.p50.map_or("no copy".into(), format_secs)
            )
        })
        .collect();
    let svg = cdf_svg(r, axis).replacen(
        "<title>Cumulative distributions of RTO and RPO per strategy</title>",
        &format!(
            "<title>Cumulative distributions of RTO and RPO per strategy</title><desc>{}</desc>",
            esc(&medians.join("; "))
        ),
        1,
    );
    let _ = writeln!(
        h,
        "<figure>\n{svg}<figcaption>Share of all trials recovered within a time (left) and losing at most a time of writes (right), on {} axes; the dashed lines are the objectives. A curve that stays below 1 has censored trials. {}.</figcaption>\n</figure>",
        if axis == Axis::Linear { "linear" } else { "logarithmic" },
        esc(&medians.join("; "))
    );
    h.push_str("</section>\n");
}

fn disasters_section(h: &mut String, r: &Report) {
    let mut labels: Vec<&String> = r.strategies.iter().flat_map(|s| s.by_disaster.keys()).collect();
    labels.sort();
    labels.dedup();
    for label in labels {
        let _ = writeln!(h, "<section class=\"page disaster\">\n<h2>Disaster: {}</h2>", esc(label));
        let rows: Vec<(&str, &StrategySummary)> =
            r.strategies.iter().filter_map(|s| s.by_disaster.get(label).map(|d| (s.name.as_str(), d))).collect();
        let detection = rows
            .iter()
            .find_map(|(_, s)| s.detection_s.as_ref())
            .map(|m| format!(" Detected {} after it on average.", format_secs(m.mean)))
            .unwrap_or_default();
        let _ = writeln!(
            h,
            "<p>{} of the trials drew this disaster.{detection}</p>",
            rows.first().map_or(0, |(_, s)| s.trials)
        );
        summary_table(h, &format!("Disaster {label}"), &rows);
        h.push_str("</section>\n");
    }
}

fn usd(x: f64) -> String {
    if x.abs() >= 1e6 { format!("{:.2} M USD", x / 1e6) } else { format!("{x:.0} USD") }
}

fn cost_section(h: &mut String, r: &Report) {
    let costed: Vec<(&str, &crate::report::CostReport, &StrategySummary)> =
        r.strategies.iter().filter_map(|s| s.cost.as_ref().map(|c| (s.name.as_str(), c, &s.summary))).collect();
    if costed.is_empty() {
        return;
    }
    h.push_str("<section id=\"cost\" class=\"page\">\n<h2>Cost</h2>\n<table>\n<caption>Running cost and expected annual loss (docs/cost-model.md)</caption>\n<thead><tr><th scope=\"col\">strategy</th><th scope=\"col\">running cost / month</th><th scope=\"col\">disasters / year</th><th scope=\"col\">expected annual loss ± 95 % CI</th><th scope=\"col\">total / year</th><th scope=\"col\">p99 annual loss</th><th scope=\"col\">P(annual loss &gt; threshold)</th></tr></thead>\n<tbody>\n");
    for (name, c, _) in &costed {
        let _ = writeln!(
            h,
            "<tr><th scope=\"row\">{}</th><td>{}</td><td>{:.4}</td><td>{} ± {}</td><td>{}</td>{}</tr>",
            esc(name),
            usd(c.monthly_running_usd),
            c.disasters_per_year,
            usd(c.expected_annual_loss_usd.mean),
            usd(c.expected_annual_loss_usd.ci95),
            usd(c.total_annual_usd),
            match &c.annual_loss {
                Some(t) => format!(
                    "<td>{}</td><td>{:.4} (&gt; {}, {} simulated years)</td>",
                    usd(t.p99_usd),
                    t.p_above_threshold,
                    usd(t.threshold_usd),
                    t.years
                ),
                None => "<td>–</td><td>–</td>".to_string(),
            }
        );
    }
    h.push_str("</tbody>\n</table>\n");
    // The Pareto front of (running cost per year, expected annual loss), both minimised.
    let key = |c: &crate::report::CostReport| (12.0 * c.monthly_running_usd, c.expected_annual_loss_usd.mean);
    let front: Vec<bool> = costed
        .iter()
        .map(|(_, a, _)| {
            let (ax, ay) = key(a);
            !costed.iter().any(|(_, b, _)| {
                let (bx, by) = key(b);
                bx <= ax && by <= ay && (bx < ax || by < ay)
            })
        })
        .collect();
    pareto_svg(h, &costed.iter().map(|(n, c, _)| (*n, key(c))).collect::<Vec<_>>(), &front);
    // The recommendation: judged on the lower end of each attainment's 95 % interval, so that
    // a handful of trials cannot qualify a strategy by luck.
    const LEVEL: f64 = 0.95;
    let objectives = r.rto_objective_s.is_some() || r.rpo_objective_s.is_some();
    let meets = |s: &StrategySummary| {
        [&s.p_rto_met, &s.p_rpo_met].iter().all(|p| p.as_ref().is_none_or(|p| p.judged > 0 && p.low >= LEVEL))
            && s.trials > 0
    };
    let cheapest = |it: &mut dyn Iterator<Item = &(&str, &crate::report::CostReport, &StrategySummary)>| {
        it.min_by(|a, b| a.1.total_annual_usd.total_cmp(&b.1.total_annual_usd))
            .map(|(n, c, _)| (n.to_string(), c.total_annual_usd))
    };
    let left_out = r.strategies.len() - costed.len();
    let scope =
        if left_out > 0 { format!(" ({left_out} strategies without a cost are not compared)") } else { String::new() };
    let text = if !objectives {
        match cheapest(&mut costed.iter()) {
            Some((n, usd_total)) => format!(
                "The scenario sets no objective: the cheapest in total (running cost plus expected loss) is <strong>{}</strong>, {} a year{scope}.",
                esc(&n),
                usd(usd_total)
            ),
            None => String::new(),
        }
    } else {
        match cheapest(&mut costed.iter().filter(|(_, _, s)| meets(s))) {
            Some((n, usd_total)) => format!(
                "Recommended: <strong>{}</strong>, the cheapest in total ({} a year: running cost plus expected loss) of the strategies that meet every objective in at least {:.0} % of the trials (the lower end of the 95 % interval){scope}.",
                esc(&n),
                usd(usd_total),
                100.0 * LEVEL
            ),
            None => format!(
                "No strategy meets every objective in at least {:.0} % of the trials (the lower end of the 95 % interval): relax an objective or consider a stronger strategy. The cheapest in total is {}{scope}.",
                100.0 * LEVEL,
                cheapest(&mut costed.iter()).map_or(String::new(), |(n, t)| format!("{} ({} a year)", esc(&n), usd(t)))
            ),
        }
    };
    let _ = writeln!(h, "<p class=\"recommendation\">{text}</p>\n</section>");
}

fn pareto_svg(h: &mut String, points: &[(&str, (f64, f64))], front: &[bool]) {
    const W: f64 = 640.0;
    const H: f64 = 360.0;
    const M: f64 = 60.0;
    let xmax = points.iter().map(|p| p.1.0).fold(0.0, f64::max).max(1.0) * 1.1;
    let ymax = points.iter().map(|p| p.1.1).fold(0.0, f64::max).max(1.0) * 1.1;
    let px = |x: f64| M + x / xmax * (W - 2.0 * M);
    let py = |y: f64| H - M - y / ymax * (H - 2.0 * M);
    let mut body = String::new();
    let mut on: Vec<(f64, f64)> =
        points.iter().zip(front).filter(|(_, f)| **f).map(|(p, _)| (px(p.1.0), py(p.1.1))).collect();
    on.sort_by(|a, b| a.0.total_cmp(&b.0));
    let line: Vec<String> = on.iter().map(|(x, y)| format!("{x:.1},{y:.1}")).collect();
    let _ = write!(body, r##"<polyline fill="none" stroke="#2ca02c" stroke-width="2" points="{}"/>"##, line.join(" "));
    let mut desc = vec![];
    for ((name, (x, y)), f) in points.iter().zip(front) {
        let colour = if *f { "#2ca02c" } else { "#888" };
        let _ = write!(
            body,
            r##"<circle cx="{:.1}" cy="{:.1}" r="5" fill="{colour}"/><text x="{:.1}" y="{:.1}" font-size="11">{}</text>"##,
            px(*x),
            py(*y),
            px(*x) + 7.0,
            py(*y) - 6.0,
            esc(name)
        );
        desc.push(format!(
            "{name}: {} running, {} expected loss a year{}",
            usd(*x),
            usd(*y),
            if *f { ", on the front" } else { "" }
        ));
    }
    let _ = write!(
        h,
        r##"<figure>
<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" viewBox="0 0 {W} {H}" font-family="sans-serif" role="img" aria-labelledby="pareto-title pareto-desc"><title id="pareto-title">Running cost against expected annual loss</title><desc id="pareto-desc">{}</desc><rect x="{M}" y="{M}" width="{}" height="{}" fill="none" stroke="#444"/><text x="{}" y="{}" font-size="12" text-anchor="middle">running cost per year (USD, 0 to {})</text><text x="16" y="{}" font-size="12" text-anchor="middle" transform="rotate(-90 16 {})">expected annual loss (USD, 0 to {})</text>{body}</svg>
<figcaption>Each strategy's running cost per year against its expected annual loss from disasters; green: the Pareto front (no other strategy is cheaper on both).</figcaption>
</figure>
"##,
        esc(&desc.join("; ")),
        W - 2.0 * M,
        H - 2.0 * M,
        W / 2.0,
        H - 20.0,
        usd(xmax),
        H / 2.0,
        H / 2.0,
        usd(ymax)
    );
}

fn horizon_section(h: &mut String, entries: &[HorizonEntry]) {
    h.push_str("<section id=\"horizon\" class=\"page\">\n<h2>Years of operation (horizon runs)</h2>\n<table>\n<caption>Availability, incidents, downtime and loss per year</caption>\n<thead><tr><th scope=\"col\">strategy</th><th scope=\"col\">runs × years</th><th scope=\"col\">availability</th><th scope=\"col\">nines</th><th scope=\"col\">incidents / year</th><th scope=\"col\">failovers / year</th><th scope=\"col\">downtime / year ± 95 % CI</th><th scope=\"col\">writes lost / year</th><th scope=\"col\">logical disasters / year</th><th scope=\"col\">without a clean copy / year</th></tr></thead>\n<tbody>\n");
    let num = |v: Option<f64>, d: usize| v.map_or_else(|| "—".to_string(), |v| format!("{v:.d$}"));
    for e in entries {
        let _ = writeln!(
            h,
            "<tr><th scope=\"row\">{}</th><td>{} × {:.2}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(&e.name),
            e.runs,
            e.years_per_run,
            e.availability.map_or_else(|| "—".into(), |a| format!("{:.6} %", 100.0 * a)),
            match (e.availability, e.nines) {
                (None, _) => "—".to_string(),
                (Some(_), None) => "never down".to_string(),
                (Some(_), Some(n)) => format!("{n:.2}"),
            },
            num(e.incidents_per_year, 3),
            num(e.failovers_per_year, 3),
            match (e.downtime_s_per_year, e.downtime_s_per_year_ci95) {
                (Some(d), Some(ci)) => format!("{} ± {}", format_secs(d), format_secs(ci)),
                _ => "—".into(),
            },
            num(e.writes_lost_per_year, 1),
            num(e.logical_incidents_per_year, 3),
            num(e.no_clean_copy_per_year, 3),
        );
    }
    h.push_str("</tbody>\n</table>\n</section>\n");
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
