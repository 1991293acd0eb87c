//! The results sections: RTO and RPO per strategy with the paired differences and CDFs, and
//! the same table for each disaster kind of a mix.

use std::fmt::Write as _;

use super::*;

/// A quantile over all trials; `None`: it falls among the censored trials (not recovered
/// within the horizon, or nothing clean to recover from).
pub(super) fn dur(v: Option<f64>) -> String {
    v.map_or_else(|| "censored".to_string(), format_secs)
}

pub(super) fn mean_ci(m: Option<&drsim::stats::Summary>, none: &str) -> String {
    m.map_or_else(|| none.to_string(), |m| format!("{} ± {}", format_secs(m.mean), format_secs(m.ci95)))
}

pub(super) fn prop(p: Option<&drsim::report::Prop>) -> String {
    p.map_or_else(
        || "—".to_string(),
        |p| format!("{:.1} % [{:.1}, {:.1}]", 100.0 * p.estimate, 100.0 * p.low, 100.0 * p.high),
    )
}

/// The table of RTO and RPO per strategy for one set of summaries.
pub(super) fn summary_table(h: &mut String, caption: &str, rows: &[(&str, &StrategySummary)]) {
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

pub(super) fn results_section(h: &mut String, r: &Report, axis: Axis) {
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

pub(super) fn disasters_section(h: &mut String, r: &Report) {
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
