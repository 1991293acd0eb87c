//! Line plots as SVG text.

use std::fmt::Write as _;

use crate::model::*;
use crate::table::*;

/// A line plot with a log y axis (and optionally log x), as SVG text.
pub(crate) fn line_plot(
    title: &str,
    x_label: &str,
    y_label: &str,
    log_x: bool,
    series: &[(String, Vec<(f64, f64)>)],
    marks: &[(f64, &str)],
) -> String {
    const COLOURS: [&str; 11] = [
        "#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#7f7f7f", "#bcbd22",
        "#000000",
    ];
    let (w, h, ml, mr, mt, mb) = (760.0, 440.0, 70.0, 190.0, 40.0, 50.0);
    let pts: Vec<(f64, f64)> = series.iter().flat_map(|s| s.1.iter().copied()).collect();
    let tx = |x: f64| if log_x { x.max(1e-12).log10() } else { x };
    let ty = |y: f64| y.max(1e-6).log10();
    let (mut x0, mut x1) = pts.iter().fold((f64::MAX, f64::MIN), |(a, b), p| (a.min(tx(p.0)), b.max(tx(p.0))));
    let (mut y0, mut y1) = pts.iter().fold((f64::MAX, f64::MIN), |(a, b), p| (a.min(ty(p.1)), b.max(ty(p.1))));
    if x1 <= x0 {
        x1 = x0 + 1.0;
    }
    y0 = y0.floor();
    y1 = y1.ceil().max(y0 + 1.0);
    let pad = (x1 - x0) * 0.03;
    x0 -= pad;
    x1 += pad;
    let px = |x: f64| ml + (tx(x) - x0) / (x1 - x0) * (w - ml - mr);
    let py = |y: f64| mt + (1.0 - (ty(y) - y0) / (y1 - y0)) * (h - mt - mb);
    let mut out = format!(
        r##"<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" font-family="sans-serif"><rect width="100%" height="100%" fill="white"/><text x="{}" y="24" font-size="15" text-anchor="middle">{title}</text><rect x="{ml}" y="{mt}" width="{}" height="{}" fill="none" stroke="#444"/>"##,
        (w - mr + ml) / 2.0,
        w - ml - mr,
        h - mt - mb
    );
    let mut e = y0;
    while e <= y1 + 1e-9 {
        let y = mt + (1.0 - (e - y0) / (y1 - y0)) * (h - mt - mb);
        let _ = write!(
            out,
            r##"<line x1="{ml}" y1="{y:.1}" x2="{}" y2="{y:.1}" stroke="#ddd"/><text x="{}" y="{:.1}" font-size="11" text-anchor="end">{}</text>"##,
            w - mr,
            ml - 6.0,
            y + 4.0,
            dur(10f64.powf(e) * 1e9)
        );
        e += 1.0;
    }
    let mut xs: Vec<f64> = pts.iter().map(|p| p.0).collect();
    xs.sort_by(f64::total_cmp);
    xs.dedup();
    for x in xs {
        let _ = write!(
            out,
            r#"<text x="{:.1}" y="{}" font-size="11" text-anchor="middle">{}</text>"#,
            px(x),
            h - mb + 16.0,
            format!("{x:.2}").trim_end_matches('0').trim_end_matches('.')
        );
    }
    for (x, label) in marks {
        let _ = write!(
            out,
            r##"<line x1="{0:.1}" y1="{mt}" x2="{0:.1}" y2="{1}" stroke="#000" stroke-dasharray="5,4"/><text x="{2:.1}" y="{3}" font-size="11">{label}</text>"##,
            px(*x),
            h - mb,
            px(*x) + 4.0,
            mt + 14.0
        );
    }
    let _ = write!(
        out,
        r#"<text x="{}" y="{}" font-size="12" text-anchor="middle">{x_label}</text><text x="16" y="{}" font-size="12" text-anchor="middle" transform="rotate(-90 16 {})">{y_label} (log scale)</text>"#,
        ml + (w - ml - mr) / 2.0,
        h - 12.0,
        mt + (h - mt - mb) / 2.0,
        mt + (h - mt - mb) / 2.0
    );
    for (k, (name, s)) in series.iter().enumerate() {
        let c = COLOURS[k % COLOURS.len()];
        let points: String = s.iter().map(|&(x, y)| format!("{:.1},{:.1} ", px(x), py(y))).collect();
        let _ = write!(out, r#"<polyline fill="none" stroke="{c}" stroke-width="2" points="{points}"/>"#);
        for &(x, y) in s {
            let _ = write!(out, r#"<circle cx="{:.1}" cy="{:.1}" r="3" fill="{c}"/>"#, px(x), py(y));
        }
        let ly = mt + 12.0 + 16.0 * k as f64;
        let _ = write!(
            out,
            r#"<line x1="{0}" y1="{ly}" x2="{1}" y2="{ly}" stroke="{c}" stroke-width="2"/><text x="{2}" y="{3}" font-size="11">{name}</text>"#,
            w - mr + 10.0,
            w - mr + 28.0,
            w - mr + 32.0,
            ly + 4.0
        );
    }
    out.push_str("</svg>\n");
    out
}

pub(crate) fn series(
    points: &[Point],
    rows: &[Vec<Row>],
    f: impl Fn(&Row) -> Option<f64>,
) -> Vec<(String, Vec<(f64, f64)>)> {
    let n = rows.first().map_or(0, Vec::len);
    (0..n)
        .map(|k| {
            let name = rows[0][k].model.clone();
            let pts = points.iter().zip(rows).filter_map(|(p, rs)| f(&rs[k]).map(|y| (p.x, y))).collect();
            (name, pts)
        })
        .filter(|(_, pts): &(String, Vec<(f64, f64)>)| !pts.is_empty())
        .collect()
}
