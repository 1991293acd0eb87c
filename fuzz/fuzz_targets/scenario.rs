//! Fuzzes the scenario parser and validator, then the strategy builders and trial set-up, and
//! runs one trial when the scenario's work is small: any input must give a value or a clear
//! error, never a panic or a hang.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let Ok(scenario) = drsim::scenario::Scenario::from_toml_str(text, "fuzz.toml") else { return };
    let d = &scenario.disaster;
    // Bound the work of one trial: writes before the disaster, and runbook units.
    let secs = (d.event.warm_up.as_secs_f64() + d.event.window.as_secs_f64()).min(1e12);
    let writes = d.deployment.workload.mean_rate_per_s() * secs;
    let small = writes < 20_000.0 && d.deployment.instances_needed() < 1_000;
    for entry in &scenario.strategies {
        let Ok(strategy) = drsim::strategies::build(entry) else { continue };
        let Ok(trial) = drsim::trial::DisasterTrial::new(d, strategy.as_ref()) else { continue };
        if small {
            if let Ok(o) = trial.run(scenario.trials.seed, 0) {
                assert!(o.rpo <= o.copy_age, "RPO beyond the copy's age");
            }
        }
    }
});
