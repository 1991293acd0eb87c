//! The scenario section: the deployment in words, the topology diagram (regions ⊃ zones ⊃
//! sites, links), stores and replicas.

use std::fmt::Write as _;

use super::*;

pub(super) fn mode_of(spec: &drsim::model::ReplicationSpec) -> String {
    serde_json::to_value(spec)
        .ok()
        .and_then(|v| v.get("mode").and_then(|m| m.as_str()).map(str::to_string))
        .unwrap_or_else(|| "replication".into())
}

pub(super) fn bytes(b: f64) -> String {
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

pub(super) fn scenario_section(h: &mut String, r: &Report, scenario: Option<(&Scenario, &Registry)>) {
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
pub(super) fn topology_svg(h: &mut String, sc: &Scenario) {
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
