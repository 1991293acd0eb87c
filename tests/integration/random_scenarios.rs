//! Random valid scenarios: whatever the parameters, every trial of every built-in strategy
//! finishes with finite, consistent metrics, and overload is flagged rather than hidden.

use drsim::engine::{Distribution, DurationDistribution, SimDuration};
use drsim::recovery::Detection;
use drsim::scenario::StrategyEntry;
use drsim::trial::DisasterTrial;
use proptest::prelude::*;

use crate::common::load;

fn secs(s: f64) -> DurationDistribution {
    DurationDistribution::fixed(SimDuration::from_secs_f64(s))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    /// Random write rates (up to overload), bandwidths, latencies, detection and warm-ups on
    /// the comparison scenario's topology, with each built-in strategy at its defaults.
    #[test]
    fn every_trial_is_consistent(
        rate in 0.0f64..40.0,
        size in 1.0f64..2e6,
        bandwidth in 1e5f64..2e8,
        latency_ms in 0.0f64..150.0,
        interval_s in 1u64..120,
        failures in 1u32..5,
        warm_up_s in 0u64..600,
        kind in 0usize..4,
        seed in any::<u64>(),
    ) {
        let mut sc = load("compare.toml");
        let d = &mut sc.disaster.deployment;
        d.workload.arrivals = drsim::model::Arrivals::Poisson { rate_per_s: rate };
        d.workload.size_bytes = Distribution::exponential(size).unwrap();
        let mut spec = d.topology.spec().clone();
        for l in &mut spec.links {
            l.bandwidth_bytes_per_s = bandwidth;
            l.latency = secs(latency_ms / 1e3);
        }
        d.topology = drsim::model::Topology::new(spec).unwrap();
        sc.disaster.detection = Detection::HealthCheck { interval: SimDuration::from_secs(interval_s), failures };
        sc.disaster.event.warm_up = SimDuration::from_secs(warm_up_s);
        sc.disaster.event.window = SimDuration::from_secs(60);
        let entry = StrategyEntry { kind: drsim::strategies::KINDS[kind].into(), name: None, params: Default::default(), replicas: vec![] };
        let strategy = drsim::strategies::build(&entry).unwrap();
        let trial = DisasterTrial::new(&sc.disaster, strategy.as_ref()).unwrap();
        let offered = rate * size;
        for i in 0..4 {
            let o = trial.run(seed, i).unwrap();
            let rpo = o.rpo.expect("the standby survives a region failure of the primary");
            prop_assert!(rpo <= o.copy_age, "rpo {:?} copy age {:?}", rpo, o.copy_age);
            prop_assert_eq!(o.writes_lost == 0, rpo == SimDuration::ZERO);
            if let Some(rto) = o.rto {
                // Every built-in strategy acts on detection (multi-site re-routes then).
                prop_assert!(rto >= o.detection_delay, "rto {:?} < detection {:?}", rto, o.detection_delay);
                prop_assert!(o.first_partial_service.is_some_and(|p| p <= rto));
            }
            prop_assert!(o.rto.is_some() || o.flags.recovery_failed || o.flags.outlasted_horizon);
            for v in [rpo.as_secs_f64(), o.copy_age.as_secs_f64(), o.detection_delay.as_secs_f64()] {
                prop_assert!(v.is_finite());
            }
            // Overload is flagged, never silently reported as a stable number.
            if offered > bandwidth * 1.01 {
                prop_assert!(o.flags.unstable_replication, "offered {offered} B/s on {bandwidth} B/s not flagged");
            }
        }
    }
}
