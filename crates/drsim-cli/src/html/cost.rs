//! The cost section (running cost, annual loss, the Pareto front, the recommendation) and the
//! horizon section (availability, incidents, downtime and loss per year).

use std::fmt::Write as _;

use super::*;

pub(super) fn usd(x: f64) -> String {
    if x.abs() >= 1e6 { format!("{:.2} M USD", x / 1e6) } else { format!("{x:.0} USD") }
}

pub(super) fn cost_section(h: &mut String, r: &Report) {
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

pub(super) fn pareto_svg(h: &mut String, points: &[(&str, (f64, f64))], front: &[bool]) {
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

pub(super) fn horizon_section(h: &mut String, entries: &[HorizonEntry]) {
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
