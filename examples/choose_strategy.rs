//! Choosing a DR strategy by money, not only by minutes: the four built-in strategies on one
//! workload, priced. For each strategy: what it costs to run per month, what its disasters are
//! expected to cost per year (with the Monte Carlo's 95 % interval), the total, and the tail
//! (p99 annual loss); then the cheapest strategy that meets the objectives and the Pareto front
//! of running cost against RTO p95 and RPO p95, drawn as an SVG.
//!
//! ```text
//!  steady state ──► running cost / month ─────────────────────────────┐
//!   (capacity, database,     (instances, images, database,            │
//!    replication, backups)    storage, transfer, fixed)   × 12        ▼
//!                                                              total expected
//!  disaster trials ──► loss per disaster ──► × disasters/year ──► annual cost
//!   (RTO, RPO, bytes    (downtime, data lost,   (renewal-reward)      │
//!    lost, failback)     penalties, recovery)                         ▼
//!                               │            simulated years:  cheapest strategy
//!                               └──────────► N ~ Poisson(λ),   meeting P(RTO ≤ obj),
//!                                            losses resampled  P(RPO ≤ obj) ≥ level
//!                                            ──► p99 annual loss
//! ```
//!
//! Prices and business impact come from the `[cost]` and `[impact]` sections of the scenario
//! (`examples/scenarios/compare.toml`; documented in `docs/cost-model.md`). Every strategy
//! faces the same disasters (common random numbers).
//!
//! ```text
//! cargo run --release --example choose_strategy
//! cargo run --release --example choose_strategy -- --trials 2000 --years 20000 --plot pareto.svg
//! ```

use std::fmt::Write as _;

use clap::Parser;
use drsim::cost::{
    AnnualLoss, StrategyEconomics, cheapest_meeting, disasters_per_year, pareto_front, run_costed_trials,
    simulate_years, trial_monthly_cost,
};
use drsim::scenario::Scenario;
use drsim::stats::format_secs as fmt_secs;
use drsim::trial::DisasterTrial;

/// Price the built-in strategies on a scenario and recommend one.
#[derive(Parser)]
struct Args {
    /// Scenario file (default: the built-in comparison scenario).
    #[arg(long)]
    scenario: Option<std::path::PathBuf>,
    /// Disaster trials per strategy (default: the scenario's count).
    #[arg(long)]
    trials: Option<u64>,
    /// Seed (default: the scenario's seed).
    #[arg(long)]
    seed: Option<u64>,
    /// Years simulated for the tail of the annual loss.
    #[arg(long, default_value_t = 100_000)]
    years: u64,
    /// Where to write the SVG of the Pareto front.
    #[arg(long, default_value = "choose_strategy.svg")]
    plot: std::path::PathBuf,
}

fn usd(v: f64) -> String {
    let r = v.round() as i64;
    let s = r.abs().to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    if r < 0 { format!("-{out}") } else { out }
}

fn pct(p: Option<f64>) -> String {
    p.map_or("-".into(), |p| format!("{:.1}%", 100.0 * p))
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = Args::parse();
    let path =
        args.scenario.unwrap_or_else(|| concat!(env!("CARGO_MANIFEST_DIR"), "/examples/scenarios/compare.toml").into());
    let scenario = Scenario::from_path(&path)?;
    let trials = args.trials.unwrap_or(scenario.trials.count);
    let seed = args.seed.unwrap_or(scenario.trials.seed);
    if scenario.strategies.is_empty() {
        return Err(format!("{}: no [[strategies]] to compare", path.display()).into());
    }
    let cost = scenario.cost.clone().unwrap_or_default();
    let impact = scenario.impact.clone().unwrap_or_default();
    let rate = disasters_per_year(&impact, &scenario.disaster, scenario.horizon.as_ref())
        .map_err(|e| format!("{}: {e}", path.display()))?;
    let o = &scenario.disaster.objectives;
    let obj = |d: Option<drsim::engine::SimDuration>| d.map_or("none".to_string(), |d| d.to_string());
    println!(
        "scenario {:?}: {trials} disasters per strategy, seed {seed}; {:.3} disasters/year (from {}); {} simulated years",
        scenario.name, rate.per_year, rate.source, args.years
    );
    println!(
        "objectives: RTO {}, RPO {}, met when both hold with probability >= {}\n",
        obj(o.rto),
        obj(o.rpo),
        impact.objective_probability
    );
    let mut all: Vec<StrategyEconomics> = vec![];
    for entry in &scenario.strategies {
        let strategy = drsim::strategies::build(entry)?;
        let trial = DisasterTrial::new(&scenario.disaster, strategy.as_ref())?;
        let monthly = trial_monthly_cost(&cost, &trial);
        let costed = run_costed_trials(&trial, &cost, &impact, seed, 0..trials)?;
        let years: AnnualLoss = simulate_years(&costed.loss, rate.per_year, args.years, seed)?;
        all.push(StrategyEconomics::new(
            entry.label(),
            monthly,
            rate.per_year,
            &costed,
            &years,
            impact.annual_loss_threshold_usd,
        ));
    }
    let thr = usd(impact.annual_loss_threshold_usd);
    println!(
        "{:<18} {:>9} {:>8} {:>8} {:>8} {:>8} {:>10} {:>20} {:>10} {:>10} {:>9}",
        "strategy",
        "USD/month",
        "RTO p95",
        "RPO p95",
        "P(RTO)",
        "P(RPO)",
        "loss/dis.",
        "exp. annual loss",
        "total/yr",
        "p99 annual",
        format!("P(>{thr})")
    );
    for s in &all {
        println!(
            "{:<18} {:>9} {:>8} {:>8} {:>8} {:>8} {:>10} {:>20} {:>10} {:>10} {:>9}",
            s.name,
            usd(s.monthly.total_usd()),
            s.rto_p95_s.map_or(">horizon".into(), fmt_secs),
            s.rpo_p95_s.map_or("-".into(), fmt_secs),
            pct(s.p_rto_met),
            pct(s.p_rpo_met),
            usd(s.loss_per_disaster_usd),
            format!("{} ± {}", usd(s.expected_annual_loss_usd), usd(s.expected_annual_loss_ci95_usd)),
            usd(s.total_annual_usd),
            usd(s.p99_annual_loss_usd),
            format!("{:.2}%", 100.0 * s.prob_loss_above_threshold)
        );
    }
    println!("\nrunning cost per month, by item:");
    for s in &all {
        let m = &s.monthly;
        println!(
            "  {:<18} instances {:>7}  images {:>5}  database {:>5}  storage {:>5}  backups {:>5}  transfer {:>5}  fixed {:>3}",
            s.name,
            usd(m.running_instances_usd),
            usd(m.imaged_instances_usd),
            usd(m.database_usd),
            usd(m.storage_usd),
            usd(m.backup_storage_usd),
            usd(m.transfer_usd),
            usd(m.fixed_usd)
        );
    }
    let front = pareto_front(&all);
    println!(
        "\nPareto front (running cost vs RTO p95 vs RPO p95): {}",
        front.iter().map(|&i| all[i].name.as_str()).collect::<Vec<_>>().join(", ")
    );
    let level = impact.objective_probability;
    let pick = cheapest_meeting(&all, level);
    match pick {
        Some(i) => {
            let s = &all[i];
            let dearer: Vec<_> = all
                .iter()
                .filter(|x| x.name != s.name && x.meets(level))
                .map(|x| format!("{} ({} USD/yr)", x.name, usd(x.total_annual_usd)))
                .collect();
            let missing: Vec<_> = all.iter().filter(|x| !x.meets(level)).map(|x| x.name.as_str()).collect();
            println!(
                "\nRECOMMENDED: {}. It meets the objectives (P(RTO <= {}) = {}, P(RPO <= {}) = {}, both >= {level}) at the \
                 lowest total expected annual cost: {} USD/yr = 12 x {} running + {} ± {} expected loss (p99 annual \
                 loss {}).",
                s.name,
                obj(o.rto),
                pct(s.p_rto_met),
                obj(o.rpo),
                pct(s.p_rpo_met),
                usd(s.total_annual_usd),
                usd(s.monthly.total_usd()),
                usd(s.expected_annual_loss_usd),
                usd(s.expected_annual_loss_ci95_usd),
                usd(s.p99_annual_loss_usd)
            );
            if !dearer.is_empty() {
                println!("  also meeting the objectives, at a higher total: {}", dearer.join(", "));
            }
            if !missing.is_empty() {
                println!("  missing the objectives: {}", missing.join(", "));
            }
        }
        None => {
            let best = all.iter().min_by(|a, b| a.total_annual_usd.total_cmp(&b.total_annual_usd));
            if let Some(b) = best {
                println!(
                    "\nNo strategy meets the objectives at {level}; the lowest total expected annual cost is {} ({} USD/yr).",
                    b.name,
                    usd(b.total_annual_usd)
                );
            }
        }
    }
    let svg = pareto_svg(&all, &front, pick);
    std::fs::write(&args.plot, svg).map_err(|e| format!("{}: {e}", args.plot.display()))?;
    println!("\nPareto front: {}", args.plot.display());
    Ok(())
}

const W: f64 = 520.0;
const H: f64 = 360.0;
const ML: f64 = 70.0;
const MR: f64 = 20.0;
const MT: f64 = 40.0;
const MB: f64 = 50.0;
const COLOURS: [&str; 8] = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf"];
/// Seconds plotted at the bottom of the logarithmic axis (0 s, e.g. synchronous RPO, sits here).
const FLOOR_S: f64 = 1e-3;

fn escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// One panel: monthly running cost (x, linear) against a p95 in seconds (y, log10, floor 1 ms).
fn panel(
    out: &mut String,
    x0: f64,
    title: &str,
    all: &[StrategyEconomics],
    y: &[Option<f64>],
    front: &[usize],
    pick: Option<usize>,
) {
    let costs: Vec<f64> = all.iter().map(|s| s.monthly.total_usd()).collect();
    let (cmin, cmax) = costs.iter().fold((f64::INFINITY, 0.0f64), |(a, b), &c| (a.min(c), b.max(c)));
    let span = (cmax - cmin).max(1.0);
    let (xlo, xhi) = ((cmin - 0.1 * span).max(0.0), cmax + 0.1 * span);
    let ymax = y.iter().flatten().fold(FLOOR_S * 10.0, |a, &v| a.max(v));
    let (llo, lhi) = (FLOOR_S.log10(), ymax.log10().ceil());
    let px = |c: f64| x0 + ML + (c - xlo) / (xhi - xlo) * (W - ML - MR);
    let py = |s: f64| MT + (1.0 - (s.max(FLOOR_S).log10() - llo) / (lhi - llo)) * (H - MT - MB);
    let _ = write!(
        out,
        r##"<text x="{}" y="24" font-size="16" text-anchor="middle">{}</text><rect x="{}" y="{MT}" width="{}" height="{}" fill="none" stroke="#444"/>"##,
        x0 + W / 2.0,
        escape(title),
        x0 + ML,
        W - ML - MR,
        H - MT - MB
    );
    let mut e = llo.round() as i32;
    while f64::from(e) <= lhi + 1e-9 {
        let v = 10f64.powi(e);
        let label = if e == llo.round() as i32 { format!("≤{}", fmt_secs(v)) } else { fmt_secs(v) };
        let _ = write!(
            out,
            r##"<line x1="{}" y1="{:.1}" x2="{}" y2="{:.1}" stroke="#ddd"/><text x="{}" y="{:.1}" font-size="11" text-anchor="end">{}</text>"##,
            x0 + ML,
            py(v),
            x0 + W - MR,
            py(v),
            x0 + ML - 6.0,
            py(v) + 4.0,
            escape(&label)
        );
        e += 1;
    }
    for i in 0..=4 {
        let c = xlo + (xhi - xlo) * f64::from(i) / 4.0;
        let _ = write!(
            out,
            r#"<text x="{:.1}" y="{}" font-size="11" text-anchor="middle">{}</text>"#,
            px(c),
            H - MB + 16.0,
            usd(c)
        );
    }
    let _ = write!(
        out,
        r#"<text x="{}" y="{}" font-size="12" text-anchor="middle">running cost (USD per month)</text>"#,
        x0 + ML + (W - ML - MR) / 2.0,
        H - 12.0
    );
    // The front in this projection: a step line through its points, by cost.
    let mut pts: Vec<(f64, f64)> =
        front.iter().filter_map(|&i| y[i].map(|v| (px(costs[i]), py(v)))).collect::<Vec<_>>();
    pts.sort_by(|a, b| a.0.total_cmp(&b.0));
    if pts.len() > 1 {
        let mut line = String::new();
        for (k, &(x, yv)) in pts.iter().enumerate() {
            if k > 0 {
                let _ = write!(line, "{x:.1},{:.1} ", pts[k - 1].1);
            }
            let _ = write!(line, "{x:.1},{yv:.1} ");
        }
        let _ = write!(
            out,
            r##"<polyline fill="none" stroke="#888" stroke-width="1.5" stroke-dasharray="4,3" points="{line}"/>"##
        );
    }
    for (i, s) in all.iter().enumerate() {
        let Some(v) = y[i] else { continue };
        let colour = COLOURS[i % COLOURS.len()];
        let fill = if front.contains(&i) { colour } else { "white" };
        let (x, yv) = (px(costs[i]), py(v));
        if pick == Some(i) {
            let _ = write!(
                out,
                r#"<circle cx="{x:.1}" cy="{yv:.1}" r="11" fill="none" stroke="black" stroke-width="1.5"/>"#
            );
        }
        // Labels of points in the right half go to their left, to stay inside the panel.
        let (lx, anchor) = if x > x0 + W / 2.0 { (x - 9.0, "end") } else { (x + 9.0, "start") };
        let _ = write!(
            out,
            r#"<circle cx="{x:.1}" cy="{yv:.1}" r="6" fill="{fill}" stroke="{colour}" stroke-width="2"/><text x="{lx:.1}" y="{:.1}" font-size="11" text-anchor="{anchor}">{} ({})</text>"#,
            yv - 8.0,
            escape(&s.name),
            fmt_secs(v)
        );
    }
}

/// Two panels (RTO p95, RPO p95 against running cost): filled points are on the Pareto front,
/// hollow ones are dominated; the recommended strategy is ringed.
fn pareto_svg(all: &[StrategyEconomics], front: &[usize], pick: Option<usize>) -> String {
    let mut out = format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{}" height="{}" font-family="sans-serif"><rect width="100%" height="100%" fill="white"/>"#,
        2.0 * W,
        H + 30.0
    );
    let rto: Vec<_> = all.iter().map(|s| s.rto_p95_s).collect();
    let rpo: Vec<_> = all.iter().map(|s| s.rpo_p95_s).collect();
    panel(&mut out, 0.0, "RTO p95 vs running cost", all, &rto, front, pick);
    panel(&mut out, W, "RPO p95 vs running cost", all, &rpo, front, pick);
    let note = match pick {
        Some(i) => format!(
            "filled: Pareto front (cost, RTO p95, RPO p95); hollow: dominated; ringed: recommended, {} (lowest total expected annual cost meeting the objectives)",
            all[i].name
        ),
        None => {
            "filled: Pareto front (cost, RTO p95, RPO p95); hollow: dominated. No strategy meets the objectives.".into()
        }
    };
    let _ =
        write!(out, r#"<text x="{}" y="{}" font-size="12" text-anchor="middle">{}</text>"#, W, H + 18.0, escape(&note));
    out.push_str("</svg>\n");
    out
}
