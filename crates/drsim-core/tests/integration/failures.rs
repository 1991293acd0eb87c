//! Failure processes against availability theory, and correlated failure by hand.

use drsim_core::engine::{Distribution, DurationDistribution, SimDuration, TrialStreams};
use drsim_core::model::{
    FailureProcess, FailureTarget, LinkSpec, Outages, SiteSpec, StateChange, Target, Topology, TopologySpec, ZoneSpec,
    simulate_failures,
};

use crate::stats::assert_mean_near;

fn site(name: &str, zone: &str) -> SiteSpec {
    SiteSpec { name: name.into(), zone: zone.into(), instances_running: 1, instances_needed: 1 }
}

fn topology() -> Topology {
    let lat = DurationDistribution::fixed(SimDuration::from_millis(10));
    Topology::new(TopologySpec {
        regions: vec!["A".into(), "B".into()],
        zones: vec![
            ZoneSpec { name: "a1".into(), region: "A".into() },
            ZoneSpec { name: "a2".into(), region: "A".into() },
            ZoneSpec { name: "b1".into(), region: "B".into() },
        ],
        sites: vec![site("P", "a1"), site("Q", "a2"), site("S", "b1")],
        links: vec![LinkSpec::new("P", "S", lat.clone(), 1e8).unwrap(), LinkSpec::new("Q", "S", lat, 1e8).unwrap()],
    })
    .unwrap()
}

fn exp_hours(mean_h: f64) -> DurationDistribution {
    DurationDistribution::new(Distribution::exponential(mean_h * 3600.0).unwrap()).unwrap()
}

/// A region failure takes down both of its sites and both links touching them, at one instant;
/// its repair brings them back; a site failure inside a failed region changes nothing visible.
#[test]
fn region_failure_is_correlated() {
    let t = topology();
    let mut o = Outages::new(&t);
    let mut ch = vec![];
    let (p, q, s) = (t.site("P").unwrap(), t.site("Q").unwrap(), t.site("S").unwrap());
    let (ps, qs) = (t.link("P", "S").unwrap(), t.link("Q", "S").unwrap());
    o.apply(Target::Region(t.region("A").unwrap()), true, &mut ch);
    assert_eq!(
        ch,
        vec![StateChange::SiteDown(p), StateChange::SiteDown(q), StateChange::LinkDown(ps), StateChange::LinkDown(qs)]
    );
    assert!(o.site_up(s));
    ch.clear();
    o.apply(Target::Site(p), true, &mut ch);
    assert!(ch.is_empty(), "already down through its region");
    o.apply(Target::Region(t.region("A").unwrap()), false, &mut ch);
    assert_eq!(ch, vec![StateChange::SiteUp(q), StateChange::LinkUp(qs)], "P still has its own failure");
    ch.clear();
    o.apply(Target::Link(qs), true, &mut ch);
    assert_eq!(ch, vec![StateChange::LinkDown(qs)]);
    assert!(o.site_up(q) && o.site_up(s), "a link failure leaves its ends up");
}

/// A repairable site with exponential failures (rate λ) and repairs (rate μ) is up, on average
/// over [0, T] from an up start, A + λ/(λ+μ)² · (1 − e^{−(λ+μ)T}) / T of the time, the time
/// average of A(t) = μ/(λ+μ) + λ/(λ+μ)·e^{−(λ+μ)t} (the two-state Markov chain). With
/// λ = 3×10⁻³/h and μ = 25×10⁻³/h, A = 0.892857. Fixed seed; tolerance 4 standard errors of the
/// mean over independent trials. The validation case "A = μ/(λ+μ)" measures the stationary
/// value after a warm-up; this test checks the transient time average from an up start, through
/// `simulate_failures` and `FailureHistory::site_availability`.
#[test]
fn exponential_site_availability_matches_markov_closed_form() {
    let t = topology();
    let (lambda, mu) = (3e-3, 25e-3);
    let process = FailureProcess {
        target: FailureTarget::Site("P".into()),
        time_between_failures: exp_hours(1.0 / lambda),
        time_to_repair: exp_hours(1.0 / mu),
    };
    let horizon_h = 20_000.0;
    let p = t.site("P").unwrap();
    let samples: Vec<f64> = (0..400)
        .map(|trial| {
            let h = simulate_failures(
                &t,
                std::slice::from_ref(&process),
                SimDuration::from_hours(horizon_h as u64),
                TrialStreams::new(2026, trial),
            )
            .unwrap();
            h.site_availability(p)
        })
        .collect();
    let a = mu / (lambda + mu);
    assert!((a - 0.892857).abs() < 1e-6);
    let s = lambda + mu;
    let expected = a + lambda / (s * s) * (1.0 - (-s * horizon_h).exp()) / horizon_h;
    assert_mean_near("site availability", &samples, expected, 4.0);
}

/// Deterministic check by hand: fail every 100 h, repair in 10 h, horizon 300 h. Failures at
/// 100, 210 → down [100,110) and [210,220): 20 h down, 2 outages, availability 280/300.
#[test]
fn deterministic_failures_by_hand() {
    let t = topology();
    let process = FailureProcess {
        target: FailureTarget::Zone("a1".into()),
        time_between_failures: DurationDistribution::fixed(SimDuration::from_hours(100)),
        time_to_repair: DurationDistribution::fixed(SimDuration::from_hours(10)),
    };
    let h = simulate_failures(&t, &[process], SimDuration::from_hours(300), TrialStreams::new(1, 0)).unwrap();
    let p = t.site("P").unwrap();
    assert_eq!(h.site_downtime[p.0 as usize], SimDuration::from_hours(20));
    assert_eq!(h.site_outages[p.0 as usize], 2);
    assert!((h.site_availability(p) - 280.0 / 300.0).abs() < 1e-12);
    let ps = t.link("P", "S").unwrap();
    assert_eq!(h.link_downtime[ps.0 as usize], SimDuration::from_hours(20), "the link goes down with its end");
    assert_eq!(h.site_downtime[t.site("Q").unwrap().0 as usize], SimDuration::ZERO, "another zone is untouched");
}

#[test]
fn unknown_target_is_refused_by_name() {
    let t = topology();
    let process = FailureProcess {
        target: FailureTarget::Region("Mars".into()),
        time_between_failures: exp_hours(100.0),
        time_to_repair: exp_hours(1.0),
    };
    let e = simulate_failures(&t, &[process], SimDuration::from_hours(1), TrialStreams::new(1, 0)).unwrap_err();
    assert!(e.to_string().contains("Mars"), "{e}");
}
