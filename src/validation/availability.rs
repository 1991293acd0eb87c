//! Failure processes: availability, reliability, disasters within a horizon, series systems.
//!
//! Site A fails at λ = 3×10⁻³/h and is repaired at μ = 25×10⁻³/h; site B at λ₂ = 10⁻²/h,
//! μ₂ = 5×10⁻²/h. Long runs are 50,000 h measured after a 2,000 h warm-up, so the transient
//! (e^{−0.028·2000} = e^{−56}) is gone and the expected values are the stationary ones.

use drsim_core::engine::{Distribution, DurationDistribution, SimDuration, SimTime, TrialStreams};
use drsim_core::model::{
    Component, FailureProcess, FailureStart, FailureTarget, failure_timeline, failure_timeline_with,
    simulate_failures_with, simulate_series,
};
use rayon::prelude::*;

use super::fixtures::{
    LAMBDA, LAMBDA2, MU, MU2, down_fraction, exp_hours, fixed_hours, hours, markov, site, two_sites,
};
use super::{BoxError, Case, PLAIN6, Unit};

/// Failure processes of one or two sites against the closed forms of availability theory.
pub(crate) fn availability(trials: u64, seed: u64) -> Result<Vec<Case>, BoxError> {
    let topo = two_sites()?;
    let (a, b) = (site(&topo, "A")?, site(&topo, "B")?);
    let long_runs = (trials / 250).max(20);
    let s = LAMBDA + MU;
    let markov_src = "2-state Markov chain";
    let mut cases = Vec::new();

    // Steady-state availability A = μ/(λ+μ) = 0.892857: the stationary probability of "up" of
    // the two-state continuous-time Markov chain (Trivedi, *Probability and Statistics with
    // Reliability, Queuing and Computer Science Applications*, 2nd ed., §8.2).
    let p1 = [markov("A", LAMBDA, MU)?];
    let (warm, end) = (hours(2000.0), hours(50_000.0));
    let up = (0..long_runs)
        .into_par_iter()
        .map(|i| -> Result<f64, BoxError> {
            let tl = failure_timeline(&topo, &p1, end - SimTime::ZERO, TrialStreams::new(seed, i))?;
            Ok(1.0 - down_fraction(&tl, &[a], 1, warm, end))
        })
        .collect::<Result<Vec<_>, _>>()?;
    cases.push(Case::mean("A = μ/(λ+μ), λ=3e-3/h, μ=25e-3/h", markov_src, MU / s, &up, 0.0, PLAIN6));

    // Any shapes: an alternating renewal process is up MTTF / (MTTF + MTTR) in the long run
    // (Ross, *Stochastic Processes*, 2nd ed., Thm 3.4.4). Weibull(1.5, 400 h) failures have mean
    // 400·Γ(5/3) = 361.098 h, lognormal repairs of median 24 h and σ = 0.8 have mean
    // 24·e^{0.32} = 33.051 h: A = 0.916146.
    let renewal = [FailureProcess {
        target: FailureTarget::Site("A".into()),
        time_between_failures: DurationDistribution::new(Distribution::weibull(1.5, 400.0 * 3600.0)?)?,
        time_to_repair: DurationDistribution::new(Distribution::lognormal(24.0 * 3600.0, 0.8)?)?,
    }];
    let up_renewal = (0..long_runs)
        .into_par_iter()
        .map(|i| -> Result<f64, BoxError> {
            let tl = failure_timeline(&topo, &renewal, end - SimTime::ZERO, TrialStreams::new(seed ^ 7, i))?;
            Ok(1.0 - down_fraction(&tl, &[a], 1, warm, end))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let (mttf, mttr) = (400.0 * 0.902_745_292_950_933_6, 24.0 * 0.32f64.exp());
    cases.push(Case::mean(
        "A = MTTF/(MTTF+MTTR), Weibull 1.5 / lognormal",
        "alternating renewal",
        mttf / (mttf + mttr),
        &up_renewal,
        0.0,
        PLAIN6,
    ));

    // Transient A(t) = μ/(λ+μ) + λ/(λ+μ)·e^{−(λ+μ)t}: the solution of the Kolmogorov equation
    // dA/dt = −λA + μ(1 − A), A(0) = 1 (Trivedi §8.2): 0.973834 at 10 h, 0.919278 at 50 h,
    // 0.899373 at 100 h. At 10 h the steady state is about 70 SE away at 20,000 trials: the
    // case tells the transient from the stationary value.
    let instants = [10.0, 50.0, 100.0];
    let ups = (0..trials)
        .into_par_iter()
        .map(|i| -> Result<[bool; 3], BoxError> {
            // Switched on, all up, at zero: the transient.
            let tl = failure_timeline_with(
                &topo,
                &p1,
                SimDuration::from_hours(101),
                TrialStreams::new(seed ^ 1, i),
                FailureStart::AllUp,
            )?;
            Ok(instants.map(|h| tl.site_up_at(a, hours(h))))
        })
        .collect::<Result<Vec<_>, _>>()?;
    for (k, &h) in instants.iter().enumerate() {
        let n_up = ups.iter().filter(|u| u[k]).count() as u64;
        let expected = MU / s + LAMBDA / s * (-s * h).exp();
        cases.push(Case::proportion(format!("A({h} h) = A + λ/(λ+μ)·e^(−(λ+μ)t)"), markov_src, expected, n_up, trials));
    }

    // Reliability over 1,000 h at a constant failure rate: R = e^{−λ·1000 h} = e^{−3} = 0.049787
    // (the exponential law; O'Connor & Kleyner, *Practical Reliability Engineering*, 5th ed.,
    // §2.6). Repairs do not matter: only the first failure counts.
    let survived = (0..trials)
        .into_par_iter()
        .map(|i| -> Result<bool, BoxError> {
            let h = simulate_failures_with(
                &topo,
                &p1,
                SimDuration::from_hours(1000),
                TrialStreams::new(seed ^ 2, i),
                FailureStart::AllUp,
            )?;
            Ok(h.site_outages[a.0 as usize] == 0)
        })
        .collect::<Result<Vec<_>, _>>()?
        .into_iter()
        .filter(|&up| up)
        .count() as u64;
    cases.push(Case::proportion("R(1000 h) = e^(−3)", "exponential law", (-3.0f64).exp(), survived, trials));

    // Series and parallel of two independent sites, after the warm-up: a system needing both is
    // up ∏Aᵢ = 0.744048 of the time, one needing either 1 − ∏(1 − Aᵢ) = 0.982143 (independent
    // blocks, Trivedi §8.3).
    let p2 = [markov("A", LAMBDA, MU)?, markov("B", LAMBDA2, MU2)?];
    let (ser, par): (Vec<f64>, Vec<f64>) = (0..long_runs)
        .into_par_iter()
        .map(|i| -> Result<(f64, f64), BoxError> {
            let tl = failure_timeline(&topo, &p2, end - SimTime::ZERO, TrialStreams::new(seed ^ 3, i))?;
            Ok((1.0 - down_fraction(&tl, &[a, b], 1, warm, end), 1.0 - down_fraction(&tl, &[a, b], 2, warm, end)))
        })
        .collect::<Result<Vec<_>, _>>()?
        .into_iter()
        .unzip();
    let (a1, a2) = (MU / (LAMBDA + MU), MU2 / (LAMBDA2 + MU2));
    cases.push(Case::mean("series ∏Aᵢ (A₂ = 0.833333)", "independent blocks", a1 * a2, &ser, 0.0, PLAIN6));
    cases.push(Case::mean(
        "parallel 1 − ∏(1 − Aᵢ)",
        "independent blocks",
        1.0 - (1.0 - a1) * (1.0 - a2),
        &par,
        0.0,
        PLAIN6,
    ));

    // Disasters as a Poisson process with mean time between disasters MTBD: the first comes
    // after an exponential time, so P(at least one within t) = 1 − e^{−t/MTBD}: 0.095163 within
    // 1 year and 0.393469 within 5 for MTBD = 10 years (1 year = 8,760 h).
    let mtbd_h = 10.0 * 8760.0;
    let disaster = [FailureProcess {
        target: FailureTarget::Region("RA".into()),
        time_between_failures: exp_hours(mtbd_h)?,
        time_to_repair: fixed_hours(72),
    }];
    for years in [1u64, 5] {
        let hit = (0..trials)
            .into_par_iter()
            .map(|i| -> Result<bool, BoxError> {
                let h = simulate_failures_with(
                    &topo,
                    &disaster,
                    SimDuration::from_hours(years * 8760),
                    TrialStreams::new(seed ^ 4, i),
                    FailureStart::AllUp,
                )?;
                Ok(h.process_failures[0] > 0)
            })
            .collect::<Result<Vec<_>, _>>()?
            .into_iter()
            .filter(|&hit| hit)
            .count() as u64;
        let expected = 1.0 - (-(years as f64) * 8760.0 / mtbd_h).exp();
        cases.push(Case::proportion(
            format!("P(disaster ≤ {years} y), MTBD 10 y"),
            "Poisson process",
            expected,
            hit,
            trials,
        ));
    }
    Ok(cases)
}

/// Series systems of components (`simulate_series`): a published textbook example and the
/// closed forms with and without ageing while the system is down.
pub(crate) fn series_systems(trials: u64, seed: u64) -> Result<Vec<Case>, BoxError> {
    let mut cases = Vec::new();
    // ReliaSoft's textbook series system (*System Analysis Reference: Reliability, Availability
    // & Optimization*, "Repairable Systems Analysis Through Simulation", "Deterministic View,
    // Simple Series"): A fails every 100 h, B every 120 h of their own operating time, each
    // repair takes 10 h, and the survivor does not age while the system is down. By hand: down
    // 100–110 (A), 130–140 (B), 220–230 (A), 270–280 (B); A's next failure at 340 h is past
    // the horizon: 4 outages, 40 h, 260/300 = 0.86667 as published (to its 5 decimals).
    let reliasoft = "ReliaSoft, RSA through simulation";
    let parts = [
        Component { name: "A".into(), time_to_failure: fixed_hours(100), time_to_repair: fixed_hours(10) },
        Component { name: "B".into(), time_to_failure: fixed_hours(120), time_to_repair: fixed_hours(10) },
    ];
    let h = simulate_series(&parts, SimDuration::from_hours(300), false, TrialStreams::new(seed, 0))?;
    let n = Unit { scale: 1.0, unit: "", decimals: 0 };
    let hrs = Unit { scale: 3600.0, unit: " h", decimals: 1 };
    cases.push(Case::exact("textbook series: outages in 300 h", reliasoft, 4.0, h.outages() as f64, 0.0, n));
    cases.push(Case::exact(
        "textbook series: downtime",
        reliasoft,
        40.0 * 3600.0,
        h.downtime().as_secs_f64(),
        0.0,
        hrs,
    ));
    cases.push(Case::exact("textbook series: availability", reliasoft, 0.86667, h.availability(), 5e-6, PLAIN6));

    // Suspended animation with exponential components: survivors do not age while the system
    // is down, and the series system is up 1/(1 + Σλᵢ/μᵢ) = 0.757576 of the time in the long
    // run (Barlow & Proschan, *Statistical Theory of Reliability and Life Testing*, 1975,
    // ch. 7); the same parts ageing while down are independent blocks, ∏Aᵢ = 0.744048.
    let parts = [
        Component { name: "A".into(), time_to_failure: exp_hours(1.0 / LAMBDA)?, time_to_repair: exp_hours(1.0 / MU)? },
        Component {
            name: "B".into(),
            time_to_failure: exp_hours(1.0 / LAMBDA2)?,
            time_to_repair: exp_hours(1.0 / MU2)?,
        },
    ];
    let (warm, end) = (hours(2000.0), hours(50_000.0));
    let runs = (trials / 250).max(20);
    let up_after_warm_up = |age: bool, salt: u64| -> Result<Vec<f64>, BoxError> {
        (0..runs)
            .into_par_iter()
            .map(|i| -> Result<f64, BoxError> {
                let h = simulate_series(&parts, end - SimTime::ZERO, age, TrialStreams::new(seed ^ salt, i))?;
                let down: f64 =
                    h.down.iter().map(|&(s, e)| e.min(end).saturating_since(s.max(warm)).as_secs_f64()).sum();
                Ok(1.0 - down / (end - warm).as_secs_f64())
            })
            .collect()
    };
    let expected = 1.0 / (1.0 + LAMBDA / MU + LAMBDA2 / MU2);
    cases.push(Case::mean(
        "series, no ageing while down: 1/(1+Σλᵢ/μᵢ)",
        "Barlow & Proschan (1975)",
        expected,
        &up_after_warm_up(false, 5)?,
        0.0,
        PLAIN6,
    ));
    let product = MU / (LAMBDA + MU) * MU2 / (LAMBDA2 + MU2);
    cases.push(Case::mean(
        "series, ageing while down: ∏Aᵢ",
        "independent blocks",
        product,
        &up_after_warm_up(true, 6)?,
        0.0,
        PLAIN6,
    ));
    Ok(cases)
}
