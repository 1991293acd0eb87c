//! `drsim validate`: check a scenario and print what it describes.

use std::path::Path;

use drsim::strategies::Registry;
use drsim::trial::DisasterTrial;

use crate::CliError;
use crate::output;
use crate::run::load;

/// A replication mode as a scenario file writes it, on one line.
pub(crate) fn describe_replication(r: &drsim::model::ReplicationSpec) -> String {
    match serde_json::to_value(r) {
        Ok(serde_json::Value::Object(t)) => t.iter().map(|(k, v)| format!("{k} = {v}")).collect::<Vec<_>>().join(", "),
        _ => format!("{r:?}"),
    }
}

/// `drsim validate`.
pub fn validate(path: &Path, registry: &Registry) -> Result<(), CliError> {
    let (scenario, sha) = load(path)?;
    // Every check before the first line of output: "is valid" is never followed by an error.
    let mut checked = vec![];
    for e in &scenario.strategies {
        let s = registry.build(e).map_err(|err| CliError::BadInput(format!("{}: {err}", path.display())))?;
        let trial = DisasterTrial::new(&scenario.disaster, s.as_ref())
            .map_err(|err| CliError::BadInput(format!("{}: strategy {:?}: {err}", path.display(), e.label())))?;
        let inert_horizon = match &scenario.horizon {
            Some(h) => trial
                .inert_processes(&h.failures)
                .map_err(|err| CliError::BadInput(format!("{}: horizon: {err}", path.display())))?,
            None => vec![],
        };
        let copies: Vec<String> = trial
            .copies()
            .iter()
            .enumerate()
            .map(|(k, c)| {
                let role = if k == 0 { "standby" } else { "replica" };
                let by = e.replicas.iter().find(|r| r.site == c.site).and_then(|r| r.strategy.as_ref());
                format!(
                    "{role} {} <- {} over {}->{}{}",
                    c.site,
                    describe_replication(c.replication),
                    scenario.disaster.deployment.primary,
                    c.site,
                    by.map_or(String::new(), |s| format!(", recovered by {}", s.label()))
                )
            })
            .collect();
        let disasters = trial.disasters();
        checked.push((e.label().to_string(), e.kind.clone(), trial.inert_faults(), inert_horizon, copies, disasters));
    }
    let d = &scenario.disaster.deployment;
    let t = &d.topology;
    println!("{}: scenario {:?} is valid (sha256 {})", path.display(), scenario.name, &sha[..16]);
    if let Some(desc) = &scenario.description {
        println!("  {desc}");
    }
    println!(
        "  topology: {} regions, {} zones, {} sites, {} links; primary {:?}, standby {:?}, data set {} bytes",
        t.region_count(),
        t.zone_count(),
        t.site_count(),
        t.link_count(),
        d.primary,
        d.standby,
        d.dataset_bytes
    );
    // The deployment as a tree: regions, zones, sites with their role and production capacity.
    let spec = t.spec();
    for region in &spec.regions {
        println!("    region {region}");
        for zone in spec.zones.iter().filter(|z| &z.region == region) {
            println!("      zone {}", zone.name);
            for site in spec.sites.iter().filter(|s| s.zone == zone.name) {
                let role = if site.name == d.primary {
                    " (primary)"
                } else if site.name == d.standby {
                    " (standby)"
                } else {
                    ""
                };
                println!("        site {}{role}: {} instances needed", site.name, site.instances_needed);
            }
        }
    }
    for l in &spec.links {
        println!("    link {}->{}: {:.0} bytes/s effective", l.from, l.to, l.mean_throughput_bytes_per_s());
    }
    println!(
        "  workload: {:.3} writes/s of {:.0} bytes on average ({:.0} bytes/s)",
        d.workload.mean_rate_per_s(),
        d.workload.mean_size_bytes(),
        d.workload.mean_bytes_per_s()
    );
    for tier in &d.tiers {
        println!(
            "  tier {:?}: every site's pool in this tier; ready mean {} after launch",
            tier.name,
            tier.ready.mean_secs().map_or_else(|| "unknown".into(), drsim::stats::format_secs)
        );
    }
    // The data stores besides the database, each with its copies.
    for st in &d.stores {
        println!(
            "  store {:?}: {:.3} writes/s of {:.0} bytes on average, {} bytes{}",
            st.name,
            st.workload.mean_rate_per_s(),
            st.workload.mean_size_bytes(),
            st.dataset_bytes,
            st.restore_throughput_bytes_per_s.map_or(String::new(), |r| format!(", restored at {r:.0} bytes/s"))
        );
        for c in &st.copies {
            println!("    copy {} <- {} over {}->{}", c.site, describe_replication(&c.replication), d.primary, c.site);
        }
    }
    if let Some(l) = t.link(&d.primary, &d.standby) {
        let link = t.link_spec(l);
        let thr = link.mean_throughput_bytes_per_s();
        println!(
            "  replication link {}->{}: {:.0} bytes/s effective, utilisation {:.3}{}",
            link.from,
            link.to,
            thr,
            d.workload.mean_bytes_per_s() / thr,
            if d.workload.mean_bytes_per_s() >= thr { " — UNSTABLE: writes outpace the link" } else { "" }
        );
    }
    let dis = &scenario.disaster.event;
    let what = if scenario.disaster.mix.is_empty() {
        dis.target.to_string()
    } else {
        format!("a mix of {}", scenario.disaster.mix.len())
    };
    println!(
        "  disaster: {} at {} + U(0, {}); detection mean {}; trials {} (seed {}), horizon {}",
        what,
        dis.warm_up,
        dis.window,
        scenario.disaster.detection.mean_delay_secs().map_or_else(|| "unknown".into(), |m| format!("{m:.1} s")),
        scenario.trials.count,
        scenario.trials.seed,
        scenario.trials.horizon
    );
    let process = |p: &drsim::model::FailureProcess| {
        format!(
            "{}: down {:.3} % of the time (mean up {}, mean repair {})",
            p.target,
            100.0 * p.unavailability(),
            p.time_between_failures.mean_secs().map_or_else(|| "infinite".into(), drsim::stats::format_secs),
            p.time_to_repair.mean_secs().map_or_else(|| "infinite".into(), drsim::stats::format_secs)
        )
    };
    for (i, f) in scenario.disaster.faults.iter().enumerate() {
        println!("  faults[{i}] {}", process(f));
    }
    if let Some(h) = &scenario.horizon {
        println!("  horizon: {} per run", h.length);
        for (i, f) in h.failures.iter().enumerate() {
            println!("  horizon.failures[{i}] {}", process(f));
        }
    }
    for (i, c) in scenario.disaster.mix.iter().enumerate() {
        println!(
            "  disasters[{i}] {:?}: {}, weight {} (probability {:.4})",
            c.label(),
            match (&c.target, c.data()) {
                (Some(t), _) => t.to_string(),
                (None, Some((kind, d))) => format!(
                    "{kind} of {} (dwell mean {})",
                    d.stores.join(", "),
                    d.dwell
                        .clone()
                        .unwrap_or_else(|| drsim::corruption::DataDisaster::default_dwell(kind))
                        .mean_secs()
                        .map_or_else(|| "unknown".into(), drsim::stats::format_secs)
                ),
                (None, None) => "nothing".into(),
            },
            c.weight,
            checked.first().and_then(|x| x.5.get(i)).map_or(0.0, |d| d.probability)
        );
    }
    for (label, kind, inert, inert_horizon, copies, disasters) in &checked {
        println!("  strategy {label:?} ({kind}): ok");
        for c in copies {
            println!("    {c}");
        }
        for dz in disasters {
            let left = if dz.survivors.is_empty() { "none".to_string() } else { dz.survivors.join(", ") };
            println!("    {:?}: copies left {left}", dz.label);
        }
        for &i in inert {
            eprintln!(
                "{}: warning: faults[{i}] ({}) can never affect strategy {label:?}: it takes down neither the primary, the standby nor a link between them",
                path.display(),
                scenario.disaster.faults[i].target
            );
        }
        for &i in inert_horizon {
            if let Some(h) = &scenario.horizon {
                eprintln!(
                    "{}: warning: horizon.failures[{i}] ({}) can never affect strategy {label:?}: it takes down neither the primary, the standby nor a link between them",
                    path.display(),
                    h.failures[i].target
                );
            }
        }
    }
    output::console_finish()
}
