//! The per-trial CSV of `drsim run --csv`: its header and rows.

use drsim::trial::TrialOutcome;

pub(crate) fn secs(d: Option<drsim::engine::SimDuration>) -> String {
    d.map_or(String::new(), |d| d.secs_text())
}

pub(crate) fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n']) { format!("\"{}\"", s.replace('"', "\"\"")) } else { s.to_string() }
}

pub(crate) fn flag(b: Option<bool>) -> &'static str {
    match b {
        Some(true) => "true",
        Some(false) => "false",
        None => "",
    }
}

const CSV_HEADER: &str = "strategy,trial,disaster,disaster_at_s,detection_s,first_partial_service_s,rto_s,rpo_s,writes_lost,bytes_lost,copy_age_s,failback_s,write_freeze_s,failback_bytes_lost,failback_rpo_s,write_blocked_s,serving_outage_s,commit_latency_p50_s,commit_latency_p99_s,rto_met,rpo_met,recovery_failed,recovery_interrupted,recovery_delayed,outlasted_horizon,unstable_replication,failback_cannot_catch_up,recovered_at,no_surviving_copy,waited_for_primary,no_clean_copy,cost_usd\n";

/// The CSV header: the fixed columns, then with `[[stores]]` two per store (the database
/// first): `rpo_s.<name>` and `bytes_lost.<name>`.
pub(crate) fn csv_header(stores: &[drsim::model::DataStore]) -> String {
    let mut h = CSV_HEADER.trim_end().to_string();
    if !stores.is_empty() {
        for name in std::iter::once(drsim::model::store::DATABASE).chain(stores.iter().map(|s| s.name.as_str())) {
            h.push_str(&format!(
                ",{},{}",
                csv_field(&format!("rpo_s.{name}")),
                csv_field(&format!("bytes_lost.{name}"))
            ));
        }
    }
    h.push('\n');
    h
}

pub(crate) fn csv_row(strategy: &str, o: &TrialOutcome, cost_usd: Option<f64>) -> String {
    let mut row = csv_fixed(strategy, o, cost_usd);
    if !o.stores.is_empty() {
        row.pop();
        for st in &o.stores {
            row.push_str(&format!(",{},{}", secs(st.rpo), st.rpo.map_or(String::new(), |_| st.bytes_lost.to_string())));
        }
        row.push('\n');
    }
    row
}

pub(crate) fn csv_fixed(strategy: &str, o: &TrialOutcome, cost_usd: Option<f64>) -> String {
    format!(
        "{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{}\n",
        csv_field(strategy),
        o.trial,
        csv_field(&o.disaster),
        o.disaster_at.secs_text(),
        o.detection_delay.secs_text(),
        secs(o.first_partial_service),
        secs(o.rto),
        secs(o.rpo),
        o.writes_lost,
        o.bytes_lost,
        o.copy_age.secs_text(),
        secs(o.failback),
        secs(o.write_freeze),
        o.failback_bytes_lost,
        o.failback_rpo.secs_text(),
        o.write_blocked.secs_text(),
        o.serving_outage.secs_text(),
        secs(o.commit_latency_p50),
        secs(o.commit_latency_p99),
        flag(o.rto_met),
        flag(o.rpo_met),
        o.flags.recovery_failed,
        o.flags.recovery_interrupted,
        o.flags.recovery_delayed,
        o.flags.outlasted_horizon,
        o.flags.unstable_replication,
        o.flags.failback_cannot_catch_up,
        o.recovered_at.as_deref().map_or(String::new(), csv_field),
        o.flags.no_surviving_copy,
        o.flags.waited_for_primary,
        o.flags.no_clean_copy,
        cost_usd.map_or(String::new(), |c| format!("{c:.2}"))
    )
}
