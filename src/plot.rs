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

/// One curve of a panel: a strategy's values (ns) and the trials they come from. Trials
/// without a value (censored: never recovered, no copy) are +∞: the curve tops out at
/// `values.count() / trials`, not at 1.
#[derive(Clone, Copy, Debug)]
pub struct Curve<'a> {
    /// The legend's label.
    pub label: &'a str,
    /// The values, in nanoseconds.
    pub values: &'a Accumulator,
    /// Trials in all, censored ones included (at least `values.count()`).
    pub trials: u64,
}

/// The x axis of a CDF plot.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum Axis {
    /// Logarithmic (default): seconds and hours, milliseconds and days, side by side; ticks at
    /// 1, 2, 5 × 10^k in the unit that fits each decade; zeros drawn at the left edge.
    #[default]
    Log,
    /// Linear from zero.
    Linear,
}

/// One panel's series: (label, accumulator of nanoseconds).
pub type Series<'a> = Vec<Curve<'a>>;

/// The units a duration is written in, with their length in seconds and how far each goes
/// before the next takes over.
const UNITS: [(&str, f64, f64); 6] = [
    ("µs", 1e-6, 1000.0),
    ("ms", 1e-3, 1000.0),
    ("s", 1.0, 60.0),
    ("min", 60.0, 60.0),
    ("h", 3600.0, 24.0),
    ("d", 86_400.0, f64::INFINITY),
];

/// Ticks of a log axis over `[lo, hi]` seconds: 1, 2, 5 × 10^k in the unit that fits each
/// decade (500 ms, 1 s, 2 s, 5 s, 10 s, 20 s, 1 min, ...), thinned to the powers of ten when
/// there are too many, each with its label.
pub fn log_ticks(lo: f64, hi: f64) -> Vec<(f64, String)> {
    let mut all = vec![];
    for (name, len, limit) in UNITS {
        for k in 0..4 {
            for m in [1.0, 2.0, 5.0] {
                let v = m * 10f64.powi(k);
                // Not within a factor 1.5 of the next unit's 1 (50 s beside 1 min would crowd).
                if v * 1.5 > limit {
                    continue;
                }
                let secs = v * len;
                if secs >= lo * (1.0 - 1e-9) && secs <= hi * (1.0 + 1e-9) {
                    all.push((secs, m == 1.0, format!("{v} {name}")));
                }
            }
        }
    }
    all.sort_by(|a, b| a.0.total_cmp(&b.0));
    let many = all.len() > 10;
    all.into_iter().filter(|t| !many || t.1).map(|(s, _, l)| (s, l)).collect()
}

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

/// The values of a curve at 201 probabilities, as (seconds, fraction of all trials).
fn points(c: &Curve<'_>) -> Vec<(f64, f64)> {
    let n = c.values.count();
    let share = if c.trials == 0 { 0.0 } else { n as f64 / c.trials.max(n) as f64 };
    (0..=200)
        .filter_map(|i| {
            let p = f64::from(i) / 200.0;
            c.values.quantile(p).map(|ns| (ns as f64 * 1e-9, p * share))
        })
        .collect()
}

/// Seconds to pixels along the x axis.
type XMap = Box<dyn Fn(f64) -> f64>;

fn panel(out: &mut String, x0: f64, title: &str, series: &Series<'_>, objective_s: Option<f64>, axis: Axis) {
    let curves: Vec<Vec<(f64, f64)>> = series.iter().map(points).collect();
    let values = || curves.iter().flatten().map(|p| p.0).chain(objective_s);
    let max_s = values().fold(0.0, f64::max).max(1e-9);
    let plot_w = W - ML - MR;
    // x in seconds → pixels, and the ticks.
    let (px, ticks, axis_label): (XMap, Vec<(f64, String)>, String) = match axis {
        Axis::Linear => {
            let (scale, unit_name) = unit(max_s);
            let xmax = max_s / scale * 1.05;
            // Ticks at 1, 2 or 5 × 10^k, about five of them.
            let raw = xmax / 5.0;
            let mag = 10f64.powf(raw.log10().floor());
            let step = [1.0, 2.0, 5.0, 10.0].into_iter().map(|m| m * mag).find(|&s| s >= raw).unwrap_or(raw);
            let mut ticks = vec![];
            let mut v = 0.0;
            while v <= xmax * (1.0 + 1e-9) {
                ticks.push((v * scale, format!("{v:.6}").trim_end_matches('0').trim_end_matches('.').to_string()));
                v += step;
            }
            (Box::new(move |s: f64| x0 + ML + (s / scale / xmax) * plot_w), ticks, format!("{title} ({unit_name})"))
        }
        Axis::Log => {
            let min_pos = values().filter(|&v| v > 0.0).fold(f64::INFINITY, f64::min);
            let min_pos = if min_pos.is_finite() { min_pos } else { 1e-3 };
            let lo = 10f64.powf(min_pos.log10().floor());
            let hi = 10f64.powf(max_s.log10().ceil()).max(lo * 10.0);
            let (llo, lhi) = (lo.log10(), hi.log10());
            let ticks = log_ticks(lo, hi);
            let zeros = curves.iter().flatten().any(|p| p.0 <= 0.0);
            let label = if zeros {
                format!("{title} (log scale; zero at the left edge)")
            } else {
                format!("{title} (log scale)")
            };
            (Box::new(move |s: f64| x0 + ML + ((s.max(lo).log10() - llo) / (lhi - llo)) * plot_w), ticks, label)
        }
    };
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
    for (secs, label) in &ticks {
        let x = px(*secs);
        let _ = write!(
            out,
            r##"<line x1="{x:.1}" y1="{MT}" x2="{x:.1}" y2="{}" stroke="#ddd"/><text x="{x:.1}" y="{}" font-size="11" text-anchor="middle">{}</text>"##,
            H - MB,
            H - MB + 16.0,
            escape(label)
        );
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
        r#"<text x="{}" y="{}" font-size="12" text-anchor="middle">{}</text>"#,
        x0 + ML + (W - ML - MR) / 2.0,
        H - 12.0,
        escape(&axis_label)
    );
    if let Some(obj) = objective_s {
        let x = px(obj);
        let _ = write!(
            out,
            r##"<line x1="{x:.1}" y1="{MT}" x2="{x:.1}" y2="{}" stroke="#000" stroke-dasharray="5,4"/><text x="{:.1}" y="{}" font-size="11">objective</text>"##,
            H - MB,
            x + 4.0,
            MT + 14.0
        );
    }
    for (k, (c, pts)) in series.iter().zip(&curves).enumerate() {
        let colour = COLOURS[k % COLOURS.len()];
        let mut line = String::new();
        for &(secs, p) in pts {
            let _ = write!(line, "{:.1},{:.1} ", px(secs), py(p));
        }
        let _ = write!(out, r#"<polyline fill="none" stroke="{colour}" stroke-width="2" points="{line}"/>"#);
        let ly = MT + 14.0 + 16.0 * k as f64;
        let lx = x0 + W - MR - 150.0;
        let _ = write!(
            out,
            r#"<line x1="{lx}" y1="{ly}" x2="{}" y2="{ly}" stroke="{colour}" stroke-width="2"/><text x="{}" y="{}" font-size="11">{}</text>"#,
            lx + 18.0,
            lx + 22.0,
            ly + 4.0,
            escape(c.label)
        );
    }
}

/// The SVG document with the RTO panel and the RPO panel side by side: the empirical CDF of
/// each strategy over all its trials (censored ones at +∞), objectives dashed.
pub fn cdf_plot(
    rto: &Series<'_>,
    rto_objective_s: Option<f64>,
    rpo: &Series<'_>,
    rpo_objective_s: Option<f64>,
    axis: Axis,
) -> String {
    let mut out = format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{}" height="{H}" viewBox="0 0 {} {H}" font-family="sans-serif" role="img"><title>Cumulative distributions of RTO and RPO per strategy</title><rect width="100%" height="100%" fill="white"/>"#,
        2.0 * W,
        2.0 * W
    );
    panel(&mut out, 0.0, "RTO", rto, rto_objective_s, axis);
    panel(&mut out, W, "RPO", rpo, rpo_objective_s, axis);
    out.push_str("</svg>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Ticks by hand: from 100 ms to 1 h, more than ten 1-2-5 ticks, so the powers of ten of
    /// each unit: 100 ms, 1 s, 10 s, 1 min, 10 min, 1 h.
    #[test]
    fn log_ticks_fit_their_unit() {
        let t: Vec<String> = log_ticks(0.1, 3600.0).into_iter().map(|t| t.1).collect();
        assert_eq!(t, ["100 ms", "1 s", "10 s", "1 min", "10 min", "1 h"]);
        let t: Vec<String> = log_ticks(1.0, 100.0).into_iter().map(|t| t.1).collect();
        assert_eq!(t, ["1 s", "2 s", "5 s", "10 s", "20 s", "1 min"]);
    }

    /// A censored curve tops out at its share of recovered trials; zeros sit at the left edge.
    #[test]
    fn censored_trials_stay_off_the_curve() {
        let mut a = Accumulator::default();
        for ns in [0, 1_000_000_000, 2_000_000_000] {
            a.record(ns);
        }
        let pts = points(&Curve { label: "x", values: &a, trials: 6 });
        assert!((pts.last().unwrap().1 - 0.5).abs() < 1e-12);
        let svg = cdf_plot(&vec![Curve { label: "x", values: &a, trials: 6 }], Some(1.5), &vec![], None, Axis::Log);
        assert!(svg.contains("zero at the left edge") && svg.contains("1 s"));
    }
}
