//! Why retention matters under ransomware: how long daily backups are kept, in a vault the
//! attacker can reach or in a locked one, against the chance of having no clean copy left.
//!
//! ```text
//!   daily backups ●──●──●──●──●──●──●──●──●──●   kept W days (max_age)
//!                          ▲ clean point   ╳ t_c ───── dwell D (lognormal, median 5 d) ───── detected
//!   no clean copy  ⇔  the clean point is older than W at detection, or the attacker reached the vault
//!   locked vault:  P(no clean) = P(D + U·1 d > W)         (U the damage's phase in the day)
//!   reachable:     P(no clean) = p + (1 − p)·P(D + U·1 d > W),  p = delete_probability = 0.75
//! ```
//!
//! It runs the ransomware entry of `examples/scenarios/ransomware.toml` alone, sweeping the
//! retention, prints the simulated P(no clean copy) beside the closed form above (computed by
//! numerical integration over U of the lognormal tail), the mean RPO when a clean copy exists,
//! and the backup bytes kept (the storage the retention costs: the first full copy plus one
//! day's writes per day kept), and writes `retention_sweep.svg`.
//!
//! ```text
//! cargo run --release --example retention_sweep -- --trials 4000
//! ```

use clap::Parser;
use drsim::montecarlo::run_trials;
use drsim::scenario::Scenario;
use drsim::trial::DisasterTrial;

/// Sweep the retention of daily backups under ransomware.
#[derive(Parser)]
struct Args {
    /// Ransomware trials per point.
    #[arg(long, default_value_t = 4000)]
    trials: u64,
    /// Seed.
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Where to write the figure.
    #[arg(long, default_value = "retention_sweep.svg")]
    svg: std::path::PathBuf,
}

/// P(D + U·day > w) for D lognormal (median m, σ), U uniform on [0, 1): the midpoint rule over
/// U with 2,000 points (the integrand is smooth; error far below the Monte Carlo's).
fn closed_form(w_days: f64, median_days: f64, sigma: f64) -> f64 {
    let n = 2000;
    (0..n)
        .map(|i| {
            let u = (i as f64 + 0.5) / n as f64;
            let x = w_days - u;
            if x <= 0.0 { 1.0 } else { 0.5 * erfc((x / median_days).ln() / (sigma * std::f64::consts::SQRT_2)) }
        })
        .sum::<f64>()
        / n as f64
}

/// The complementary error function (Abramowitz & Stegun 7.1.26, |error| < 1.5e-7).
fn erfc(x: f64) -> f64 {
    let z = x.abs();
    let t = 1.0 / (1.0 + 0.327_591_1 * z);
    let poly =
        t * (0.254_829_592 + t * (-0.284_496_736 + t * (1.421_413_741 + t * (-1.453_152_027 + t * 1.061_405_429))));
    let r = poly * (-z * z).exp();
    if x >= 0.0 { r } else { 2.0 - r }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = Args::parse();
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/scenarios/ransomware.toml");
    let text = std::fs::read_to_string(path)?;
    let days = [1u32, 3, 7, 14, 35, 90, 365];
    let p_delete = drsim::corruption::DEFAULT_DELETE_PROBABILITY;
    println!(
        "daily backups under ransomware (dwell lognormal, median 5 d, sigma 1), {} trials per point, seed {}",
        args.trials, args.seed
    );
    println!(
        "{:>10} {:>10} {:>22} {:>12} {:>16} {:>14}",
        "retention", "vault", "P(no clean) simulated", "closed form", "RPO mean (clean)", "bytes kept"
    );
    let mut series: Vec<(&str, Vec<(f64, f64)>)> = vec![("reachable", vec![]), ("locked", vec![])];
    for &w in &days {
        for (vault, points) in series.iter_mut() {
            // The ransomware entry alone, and one strategy: the warm standby with daily backups
            // kept w days in this vault.
            let mix_start = text.find("[[disasters]]").ok_or("no [[disasters]]")?;
            let strategies = text.find("[[strategies]]").ok_or("no [[strategies]]")?;
            let scenario_text = format!(
                "{}[[disasters]]\nlabel = \"ransomware\"\nweight = 1\nransomware = {{ stores = [\"database\"] }}\n\n{}\n[[strategies]]\nkind = \"warm_standby\"\n[[strategies.replicas]]\nsite = \"V\"\nreplication = {{ mode = \"snapshot\", interval = \"24h\", size = {{ kind = \"incremental\" }}, retention = {{ max_age = \"{w}d\" }}, vault = \"{vault}\" }}\n",
                &text[..mix_start],
                &text[text.find("[detection]").ok_or("no [detection]")?..strategies],
            );
            let scenario = Scenario::from_toml_str(&scenario_text, "retention sweep")?;
            let entry = &scenario.strategies[0];
            let strategy = drsim::strategies::build(entry)?;
            let trial = DisasterTrial::new(&scenario.disaster, strategy.as_ref())?;
            let s = run_trials(&trial, args.seed, 0..args.trials)?;
            let none = s.no_clean_copy as f64 / s.trials as f64;
            let tail = closed_form(f64::from(w), 5.0, 1.0);
            let expected = if *vault == "locked" { tail } else { p_delete + (1.0 - p_delete) * tail };
            let rpo = s.rpo.summary(1e-9).map_or("-".into(), |m| format!("{:.1}h", m.mean / 3600.0));
            let d = &scenario.disaster.deployment;
            let kept = d.dataset_bytes + f64::from(w) * d.workload.mean_bytes_per_s() * 86_400.0;
            println!("{:>9}d {:>10} {:>22.4} {:>12.4} {:>16} {:>11.1} GB", w, vault, none, expected, rpo, kept / 1e9);
            points.push((f64::from(w), none));
        }
    }
    std::fs::write(&args.svg, svg(&series))?;
    println!("wrote {}", args.svg.display());
    Ok(())
}

/// P(no clean copy) against retention, log-scaled days on x.
fn svg(series: &[(&str, Vec<(f64, f64)>)]) -> String {
    let (w, h, left, bottom) = (640.0, 400.0, 70.0, 50.0);
    let x = |d: f64| left + (d.log10() / 365f64.log10()) * (w - left - 20.0);
    let y = |p: f64| h - bottom - p * (h - bottom - 20.0);
    let mut out = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" font-family=\"sans-serif\" font-size=\"12\">\n<title>P(no clean copy) against backup retention under ransomware</title>\n"
    );
    out += &format!(
        "<line x1=\"{left}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"black\"/>\n<line x1=\"{left}\" y1=\"20\" x2=\"{left}\" y2=\"{}\" stroke=\"black\"/>\n",
        h - bottom,
        w - 20.0,
        h - bottom,
        h - bottom
    );
    for d in [1.0, 3.0, 7.0, 14.0, 35.0, 90.0, 365.0] {
        out += &format!("<text x=\"{:.1}\" y=\"{}\" text-anchor=\"middle\">{d}d</text>\n", x(d), h - bottom + 18.0);
    }
    for p in [0.0, 0.25, 0.5, 0.75, 1.0] {
        out += &format!("<text x=\"{}\" y=\"{:.1}\" text-anchor=\"end\">{p}</text>\n", left - 6.0, y(p) + 4.0);
    }
    out += &format!(
        "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">retention of daily backups (log scale)</text>\n",
        (left + w) / 2.0,
        h - 10.0
    );
    out += "<text x=\"16\" y=\"200\" transform=\"rotate(-90 16 200)\" text-anchor=\"middle\">P(no clean copy)</text>\n";
    for ((name, points), colour) in series.iter().zip(["#c0392b", "#2471a3"]) {
        let path: Vec<String> = points.iter().map(|&(d, p)| format!("{:.1},{:.1}", x(d), y(p))).collect();
        out += &format!(
            "<polyline fill=\"none\" stroke=\"{colour}\" stroke-width=\"2\" points=\"{}\"/>\n",
            path.join(" ")
        );
        if let Some(&(d, p)) = points.last() {
            out += &format!(
                "<text x=\"{:.1}\" y=\"{:.1}\" fill=\"{colour}\" text-anchor=\"end\">{name} vault</text>\n",
                x(d),
                y(p) - 8.0
            );
        }
    }
    out += "</svg>\n";
    out
}
