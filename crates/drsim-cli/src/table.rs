//! The table `drsim run` prints: per strategy, overall and per disaster.

use drsim::stats::format_secs as fmt_s;

use crate::report::{Report, StrategySummary};

/// Bytes per second with a unit that fits.
pub(crate) fn fmt_rate(bytes_per_s: f64) -> String {
    match bytes_per_s {
        b if b >= 1e9 => format!("{:.2} GB/s", b / 1e9),
        b if b >= 1e6 => format!("{:.2} MB/s", b / 1e6),
        b if b >= 1e3 => format!("{:.2} kB/s", b / 1e3),
        b => format!("{b:.0} B/s"),
    }
}

pub(crate) fn signed(v: f64) -> String {
    if v < 0.0 { format!("-{}", fmt_s(-v)) } else { format!("+{}", fmt_s(v)) }
}

/// One row of the table: a strategy's RTO and RPO (the overall ones or one disaster's).
pub(crate) fn print_row(name: &str, sum: &StrategySummary, growth: Option<f64>) {
    // A quantile over all trials; censored ones count as +∞.
    let q = |x: Option<f64>| x.map_or_else(|| ">horizon".to_string(), fmt_s);
    let no_copy = |x: Option<f64>| x.map_or_else(|| "no copy".to_string(), fmt_s);
    let rto = match &sum.rto_s {
        Some(m) => format!(
            "{:>20} {:>9} {:>9} {:>9}",
            format!("{} ± {}", fmt_s(m.mean), fmt_s(m.ci95)),
            q(sum.rto_all_trials_s.p50),
            q(sum.rto_all_trials_s.p95),
            q(sum.rto_all_trials_s.p99)
        ),
        None => format!("{:>50}", "(no trial recovered)"),
    };
    let rpo = match (&sum.rpo_s, growth) {
        (_, Some(g)) => format!("{:>50}", format!("grows without bound (+{})", fmt_rate(g))),
        (Some(m), None) => format!(
            "{:>20} {:>9} {:>9} {:>9}",
            format!("{} ± {}", fmt_s(m.mean), fmt_s(m.ci95)),
            no_copy(sum.rpo_all_trials_s.p50),
            no_copy(sum.rpo_all_trials_s.p95),
            no_copy(sum.rpo_all_trials_s.p99)
        ),
        (None, None) => format!("{:>50}", if sum.trials > 0 { "(no copy survived)" } else { "-" }),
    };
    let p = |x: &Option<crate::report::Prop>| match x {
        Some(p) => format!("{:.1}% [{:.1}, {:.1}]", 100.0 * p.estimate, 100.0 * p.low, 100.0 * p.high),
        None => "-".into(),
    };
    println!(
        "{:<24} {:>13} {} {:>18}   {} {:>18}",
        name,
        format!("{}/{}", sum.recovered, sum.trials),
        rto,
        p(&sum.p_rto_met),
        rpo,
        p(&sum.p_rpo_met)
    );
    if sum.censored > 0 {
        let why = if sum.flags.no_clean_copy > 0 {
            "not recovered within the horizon, or no clean copy to recover from"
        } else {
            "not recovered within the horizon"
        };
        println!(
            "{:<24} {} of {} trials censored ({why}): the RTO mean is over the {} recovered, the quantiles over all",
            "", sum.censored, sum.trials, sum.recovered
        );
    }
    if sum.flags.no_surviving_copy > 0 {
        println!(
            "{:<24} {} of {} trials lost every copy of the data: the RPO mean is over the {} with a copy, the quantiles over all",
            "", sum.flags.no_surviving_copy, sum.trials, sum.with_copy
        );
    }
    if sum.flags.no_clean_copy > 0 {
        println!(
            "{:<24} {} of {} trials had no clean recovery point left at detection: the RPO mean is over the {} with one, the quantiles over all",
            "", sum.flags.no_clean_copy, sum.trials, sum.with_copy
        );
    }
    // Logical disasters are found days after they strike: the RTO above counts from the
    // damage; the outage users see counts from the detection.
    if let (Some(after), Some(det)) = (&sum.rto_after_detection_s, &sum.detection_s)
        && det.mean > 3600.0
    {
        println!(
            "{:<24} detected after {} on average; RTO after detection {} ± {}, p95 {}",
            "",
            fmt_s(det.mean),
            fmt_s(after.mean),
            fmt_s(after.ci95),
            fmt_s(after.p95)
        );
    }
    if sum.flags.waited_for_primary > 0 {
        println!(
            "{:<24} {} of {} trials left no copy but the primary's: the service came back with the primary, after its repair",
            "", sum.flags.waited_for_primary, sum.trials
        );
    }
    // With several stores, the service's RPO above is the largest of theirs: say whose.
    for (name, st) in &sum.by_store {
        let rpo = match &st.rpo_s {
            Some(m) => format!(
                "{} ± {}, p50 {}, p95 {}, p99 {}",
                fmt_s(m.mean),
                fmt_s(m.ci95),
                no_copy(st.rpo_all_trials_s.p50),
                no_copy(st.rpo_all_trials_s.p95),
                no_copy(st.rpo_all_trials_s.p99)
            ),
            None => "no copy survived".into(),
        };
        let censored = if st.no_copy > 0 {
            format!(" ({} of {} trials without a copy)", st.no_copy, st.trials)
        } else {
            String::new()
        };
        println!("{:<24} store {name:?}: RPO {rpo}{censored}", "");
    }
}

pub(crate) fn print_header(first: &str) {
    println!(
        "{:<24} {:>13} {:>20} {:>9} {:>9} {:>9} {:>18}   {:>20} {:>9} {:>9} {:>9} {:>18}",
        first,
        "recovered",
        "RTO mean ± 95% CI",
        "p50",
        "p95",
        "p99",
        "P(RTO<=objective)",
        "RPO mean ± 95% CI",
        "p50",
        "p95",
        "p99",
        "P(RPO<=objective)"
    );
}

pub(crate) fn print_table(report: &Report) {
    print_header("strategy");
    for s in &report.strategies {
        print_row(&s.name, &s.summary, s.backlog_growth_bytes_per_s);
        if let Some(p) = &s.paired_vs_first {
            println!(
                "{:<24} paired vs {:?} over the same disasters: ΔRTO {} ± {} ({} pairs), ΔRPO {} ± {}",
                "",
                p.against,
                signed(p.rto_s.mean),
                fmt_s(p.rto_s.ci95),
                p.rto_s.pairs,
                signed(p.rpo_s.mean),
                fmt_s(p.rpo_s.ci95)
            );
        }
        if let Some(c) = &s.cost {
            println!(
                "{:<24} cost: {:.0} USD/month running, expected annual loss {:.0} ± {:.0} USD ({:.3} disasters/year), total {:.0} USD/year",
                "",
                c.monthly_running_usd,
                c.expected_annual_loss_usd.mean,
                c.expected_annual_loss_usd.ci95,
                c.disasters_per_year,
                c.total_annual_usd
            );
            if let Some(t) = &c.annual_loss {
                println!(
                    "{:<24} annual loss over {} simulated years: p99 {:.0} USD, P(> {:.0} USD) = {:.4}",
                    "", t.years, t.p99_usd, t.threshold_usd, t.p_above_threshold
                );
            }
        }
        let f = &s.summary.flags;
        if f.recovery_failed + f.outlasted_horizon + f.unstable_replication + f.failback_cannot_catch_up > 0 {
            println!(
                "{:<24} flags: {} recoveries failed, {} outlasted the horizon, {} with UNSTABLE replication (backlog grows without bound), {} failbacks that cannot catch up",
                "", f.recovery_failed, f.outlasted_horizon, f.unstable_replication, f.failback_cannot_catch_up
            );
        }
    }
    // With a disaster mix, the same table for each disaster: the overall figures mix
    // outcomes as different as a zone's loss and a region's.
    let mut labels: Vec<&String> = report.strategies.iter().flat_map(|s| s.by_disaster.keys()).collect();
    labels.sort();
    labels.dedup();
    for label in labels {
        let n = report.strategies.iter().find_map(|s| s.by_disaster.get(label)).map_or(0, |d| d.trials);
        println!("");
        println!("disaster {label:?}: {n} of the trials");
        print_header("strategy");
        for s in &report.strategies {
            if let Some(sum) = s.by_disaster.get(label) {
                print_row(&s.name, sum, s.backlog_growth_bytes_per_s);
            }
        }
    }
}
