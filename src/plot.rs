//! SVG plots: empirical CDFs of RTO and RPO per strategy, objectives marked (`drsim run
//! --plot`, `examples/compare_strategies.rs`).
//!
//! Written directly as SVG text: plotting crates lay out text through a font backend
//! (system fonts through font-kit), which a fresh machine or a CI runner may not have, while a
//! CDF is a few polylines.

use std::fmt::Write;

use drsim_core::montecarlo::Accumulator;

const W: f64 = 520.0;
const H: f64 = 360.0;
const ML: f64 = 60.0;
const MR: f64 = 20.0;
const MT: f64 = 40.0;
const MB: f64 = 50.0;
const COLOURS: [&str; 8] = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf"];

/// One panel's series: (label, accumulator of nanoseconds).
pub type Series<'a> = Vec<(&'a str, &'a Accumulator)>;

fn unit(max_s: f64) -> (f64, &'static str) {
    if max_s >= 7200.0 {
        (3600.0, "h")
    } else if max_s >= 120.0 {
        (60.0, "min")
    } else if max_s >= 2.0 {
        (1.0, "s")
    } else {
        (1e-3, "ms")
    }
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

fn panel(out: &mut String, x0: f64, title: &str, series: &Series<'_>, objective_s: Option<f64>) {
    let max_s = series
        .iter()
        .filter_map(|(_, a)| a.quantile(1.0))
        .map(|ns| ns as f64 * 1e-9)
        .chain(objective_s)
        .fold(0.0, f64::max)
        .max(1e-9);
    let (scale, unit_name) = unit(max_s);
    let xmax = max_s / scale * 1.05;
    let px = |v: f64| x0 + ML + (v / xmax) * (W - ML - MR);
    let py = |p: f64| MT + (1.0 - p) * (H - MT - MB);
    let _ = write!(
        out,
        r#"<text x="{}" y="24" font-size="16" text-anchor="middle">{}</text>"#,
        x0 + W / 2.0,
        escape(title)
    );
    let _ = write!(
        out,
        r##"<rect x="{}" y="{MT}" width="{}" height="{}" fill="none" stroke="#444"/>"##,
        x0 + ML,
        W - ML - MR,
        H - MT - MB
    );
    // Ticks at 1, 2 or 5 × 10^k, about five of them.
    let raw = xmax / 5.0;
    let mag = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 5.0, 10.0].into_iter().map(|m| m * mag).find(|&s| s >= raw).unwrap_or(raw);
    let mut v = 0.0;
    while v <= xmax * (1.0 + 1e-9) {
        let _ = write!(
            out,
            r#"<text x="{:.1}" y="{}" font-size="11" text-anchor="middle">{}</text>"#,
            px(v),
            H - MB + 16.0,
            format!("{v:.6}").trim_end_matches('0').trim_end_matches('.')
        );
        v += step;
    }
    for i in 0..=5 {
        let p = f64::from(i) / 5.0;
        let _ = write!(
            out,
            r#"<text x="{}" y="{:.1}" font-size="11" text-anchor="end">{:.1}</text>"#,
            x0 + ML - 6.0,
            py(p) + 4.0,
            p
        );
    }
    let _ = write!(
        out,
        r#"<text x="{}" y="{}" font-size="12" text-anchor="middle">{} ({unit_name})</text>"#,
        x0 + ML + (W - ML - MR) / 2.0,
        H - 12.0,
        escape(title)
    );
    if let Some(obj) = objective_s {
        let x = px(obj / scale);
        let _ = write!(
            out,
            r##"<line x1="{x:.1}" y1="{MT}" x2="{x:.1}" y2="{}" stroke="#000" stroke-dasharray="5,4"/><text x="{:.1}" y="{}" font-size="11">objective</text>"##,
            H - MB,
            x + 4.0,
            MT + 14.0
        );
    }
    for (k, (label, acc)) in series.iter().enumerate() {
        let colour = COLOURS[k % COLOURS.len()];
        let mut points = String::new();
        for i in 0..=200 {
            let p = f64::from(i) / 200.0;
            if let Some(ns) = acc.quantile(p) {
                let _ = write!(points, "{:.1},{:.1} ", px(ns as f64 * 1e-9 / scale), py(p));
            }
        }
        let _ = write!(out, r#"<polyline fill="none" stroke="{colour}" stroke-width="2" points="{points}"/>"#);
        let ly = MT + 14.0 + 16.0 * k as f64;
        let lx = x0 + W - MR - 150.0;
        let _ = write!(
            out,
            r#"<line x1="{lx}" y1="{ly}" x2="{}" y2="{ly}" stroke="{colour}" stroke-width="2"/><text x="{}" y="{}" font-size="11">{}</text>"#,
            lx + 18.0,
            lx + 22.0,
            ly + 4.0,
            escape(label)
        );
    }
}

/// The SVG document with the RTO panel and the RPO panel side by side.
pub fn cdf_plot(
    rto: &Series<'_>,
    rto_objective_s: Option<f64>,
    rpo: &Series<'_>,
    rpo_objective_s: Option<f64>,
) -> String {
    let mut out = format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{}" height="{H}" font-family="sans-serif"><rect width="100%" height="100%" fill="white"/>"#,
        2.0 * W
    );
    panel(&mut out, 0.0, "RTO", rto, rto_objective_s);
    panel(&mut out, W, "RPO", rpo, rpo_objective_s);
    out.push_str("</svg>\n");
    out
}
