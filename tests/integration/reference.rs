//! The reference DR trial (benchmarks.md section 2, `examples/scenarios/reference.toml`) against
//! an independent closed form.
//!
//! One trial: the disaster strikes at t_d; health checks every 30 s at a uniformly random phase
//! φ ∈ [0, 30 s) declare the primary dead at the third failed check, so detection takes
//! D = 60 s + φ, uniform on [60 s, 90 s), mean 75 s. Then, in parallel, 6 instances launch, each
//! in L_j ~ LogNormal(median 120 s, σ 0.3) independently, and the database is promoted in 30 s.
//! DNS switches when both are done and the service is back at its full level one TTL (60 s)
//! later (the standby's 2 running instances plus the 6 launched make the 8 needed). So
//!
//! ```text
//! RTO = D + max(L_(6), 30 s) + 60 s,        L_(6) = max(L_1, ..., L_6)
//! E[RTO] = 75 s + E[max(L_(6), 30 s)] + 60 s
//! ```
//!
//! For a non-negative variable, E[Y] = ∫_0^∞ P(Y > x) dx. With Y = max(L_(6), c), P(Y > x) = 1
//! for x < c and 1 − F(x)^6 for x ≥ c, F the lognormal CDF, F(x) = Φ(ln(x / 120 s) / 0.3). So
//!
//! ```text
//! E[max(L_(6), c)] = c + ∫_c^∞ (1 − F(x)^6) dx
//!                  = c + ∫_{z_c}^∞ (1 − Φ(z)^6) · 0.3 · 120 s · e^{0.3 z} dz,   z_c = ln(c / 120 s) / 0.3,
//! ```
//!
//! substituting x = 120 s · e^{0.3 z}. The test evaluates this integral by Simpson's rule, with
//! Φ(z) = erfc(−z/√2) / 2 and erfc from a Chebyshev fit with relative error below 1.2e-7
//! everywhere (Numerical Recipes, `erfcc`), itself checked against tabulated values. The
//! promotion hardly ever matters: F(30 s) = Φ(−4.62) ≈ 1.9e-6, so P(L_(6) < 30 s) = F(30 s)^6 is
//! about 5e-35 and E[max(L_(6), 30 s)] = E[L_(6)] ≈ 175 s; the test checks F(30 s) < 1e-5.
//!
//! The sample mean RTO of 5,000 trials (fixed seed) must then lie within 4 standard errors
//! (sample standard deviation / √n) of E[RTO] ≈ 310 s: a false alarm has probability 6e-5.

use drsim::engine::SimDuration;
use drsim::stats::Summary;
use drsim::trial::DisasterTrial;

use crate::common::{load, run};

const MEDIAN: f64 = 120.0;
const SIGMA: f64 = 0.3;
const LAUNCHES: i32 = 6;
const PROMOTE: f64 = 30.0;
const TTL: f64 = 60.0;
/// Mean of U[60 s, 90 s).
const DETECTION_MEAN: f64 = 75.0;
const TRIALS: u64 = 5000;

/// erfc(x), Numerical Recipes' `erfcc`: a Chebyshev fit with relative error below 1.2e-7 for
/// every x.
fn erfc(x: f64) -> f64 {
    let z = x.abs();
    let t = 1.0 / (1.0 + 0.5 * z);
    let poly = -1.265_512_23
        + t * (1.000_023_68
            + t * (0.374_091_96
                + t * (0.096_784_18
                    + t * (-0.186_288_06
                        + t * (0.278_868_07
                            + t * (-1.135_203_98 + t * (1.488_515_87 + t * (-0.822_152_23 + t * 0.170_872_77))))))));
    let r = t * (-z * z + poly).exp();
    if x >= 0.0 { r } else { 2.0 - r }
}

/// 1 − Φ(z), the standard normal upper tail.
fn upper_tail(z: f64) -> f64 {
    0.5 * erfc(z / std::f64::consts::SQRT_2)
}

/// E[max(L_(n), floor)] for n i.i.d. LogNormal(median, σ), as x₀ + ∫_x₀^∞ (1 − F(x)^n) dx with
/// x₀ = floor, integrated in z = ln(x / median) / σ by Simpson's rule up to z = 12 (beyond it
/// the integrand is below 1e-30). A floor of 0 starts at z = −12 instead, x₀ = median · e^{−12σ}
/// (below it 1 − F(x)^n = 1 to within F(x₀)^n < 1e-30).
fn expected_max(n: i32, median: f64, sigma: f64, floor: f64) -> f64 {
    let z0 = if floor > 0.0 { (floor / median).ln() / sigma } else { -12.0 };
    let z1 = 12.0;
    // 1 − Φ(z)^n = −expm1(n · ln(1 − q)), q the upper tail: accurate far into the tail.
    let f = |z: f64| -((n as f64) * (-upper_tail(z)).ln_1p()).exp_m1() * sigma * median * (sigma * z).exp();
    let steps = 20_000;
    let h = (z1 - z0) / steps as f64;
    let inner: f64 = (1..steps).map(|i| if i % 2 == 1 { 4.0 } else { 2.0 } * f(z0 + h * i as f64)).sum();
    median * (sigma * z0).exp() + h / 3.0 * (f(z0) + inner + f(z1))
}

/// The erfc fit and the integrator against known values: tabulated erfc, and the mean of one
/// lognormal, median · e^{σ²/2}.
#[test]
fn closed_form_tools_are_accurate() {
    for (x, exact) in [
        (0.0, 1.0),
        (0.5, 0.479_500_122_186_953_5),
        (1.0, 0.157_299_207_050_285_13),
        (2.0, 0.004_677_734_981_047_266),
        (3.0, 2.209_049_699_858_544e-5),
        (-1.0, 1.842_700_792_949_715),
    ] {
        assert!((erfc(x) - exact).abs() <= 1.2e-7 * exact, "erfc({x}) = {} not {exact}", erfc(x));
    }
    let one = expected_max(1, MEDIAN, SIGMA, 0.0);
    let exact = MEDIAN * (SIGMA * SIGMA / 2.0).exp();
    assert!((one - exact).abs() < 1e-6 * exact, "E[L] = {one}, not {exact}");
    // P(L < 30 s) is about 1.9e-6: the promotion is shorter than the launches.
    let below = upper_tail(-((PROMOTE / MEDIAN).ln() / SIGMA));
    assert!(below > 1e-7 && below < 1e-5, "F(30 s) = {below:e}");
    // So the floor changes E[max] by less than 30 s · F(30 s)^6.
    let with_floor = expected_max(LAUNCHES, MEDIAN, SIGMA, PROMOTE);
    let without = expected_max(LAUNCHES, MEDIAN, SIGMA, 0.0);
    assert!((with_floor - without).abs() < 1e-6, "{with_floor} vs {without}");
    assert!(with_floor > 170.0 && with_floor < 180.0, "E[max of 6] = {with_floor}");
}

/// The mean RTO of 5,000 reference trials lies within 4 standard errors of 75 s +
/// E[max(L_(6), 30 s)] + 60 s (derivation in the module documentation).
#[test]
fn reference_mean_rto_matches_closed_form() {
    let scenario = load("reference.toml");
    let [entry] = scenario.strategies.as_slice() else { panic!("reference.toml has one strategy") };
    assert_eq!(entry.kind, "warm_standby");
    let strategy = drsim::strategies::build(entry).unwrap_or_else(|e| panic!("{e}"));
    let trial = DisasterTrial::new(&scenario.disaster, strategy.as_ref()).unwrap_or_else(|e| panic!("{e}"));
    let outcomes = run(&trial, scenario.trials.seed, TRIALS);

    let fixed = SimDuration::from_secs(TTL as u64);
    let mut rto = vec![];
    let mut detection = vec![];
    let mut launches = vec![];
    for o in &outcomes {
        let r = o.rto.unwrap_or_else(|| panic!("trial {} not recovered: {o:?}", o.trial));
        // RTO − D − TTL is max(L_(6), 30 s) exactly.
        let critical = r.saturating_sub(o.detection_delay + fixed).as_secs_f64();
        assert!(critical >= PROMOTE, "trial {}: launches and promotion took {critical} s", o.trial);
        rto.push(r.as_secs_f64());
        detection.push(o.detection_delay.as_secs_f64());
        launches.push(critical);
    }
    let within = |values: &mut Vec<f64>, expected: f64, what: &str| {
        let s = Summary::of(values).expect("values");
        let se = s.std_dev / (s.count as f64).sqrt();
        println!("{what}: sample mean {:.3} s, expected {expected:.3} s, standard error {se:.3} s", s.mean);
        assert!(
            (s.mean - expected).abs() < 4.0 * se,
            "{what}: sample mean {:.3} s, expected {expected:.3} s, standard error {se:.3} s",
            s.mean
        );
    };
    let max_mean = expected_max(LAUNCHES, MEDIAN, SIGMA, PROMOTE);
    within(&mut detection, DETECTION_MEAN, "detection");
    within(&mut launches, max_mean, "max(launches, promotion)");
    within(&mut rto, DETECTION_MEAN + max_mean + TTL, "RTO");
}

/// The reference trial's data loss through the public API (scenario file, strategy, trial),
/// where the standby's asynchronous copy is drawn from its stationary state (issue 21), against
/// an independent closed form: nothing is lost when the sender's M/M/1 queue is empty
/// (probability 1 − ρ, ρ = 50/s × 655,360 B / 50 MB/s = 0.65536) and no departure before the
/// disaster is still on the wire. Past departures are Poisson(λ = 50/s), independent of the
/// queue (Burke's theorem), and the one τ before the disaster is late with probability
/// P(L > τ), so none is with probability exp(−λ ∫ P(L > τ) dτ) = exp(−λ E[L]), E[L] = 45 ms:
/// P(nothing lost) = 0.34464 × e^(−2.25) = 0.036325. 20,000 trials, tolerance 4 binomial
/// standard errors. Also: RPO ≤ copy age in every trial, and the RPO is zero exactly when
/// nothing is lost.
#[test]
fn reference_probability_of_losing_nothing_matches_closed_form() {
    const N: u64 = 20_000;
    let scenario = load("reference.toml");
    let [entry] = scenario.strategies.as_slice() else { panic!("reference.toml has one strategy") };
    let strategy = drsim::strategies::build(entry).unwrap_or_else(|e| panic!("{e}"));
    let trial = DisasterTrial::new(&scenario.disaster, strategy.as_ref()).unwrap_or_else(|e| panic!("{e}"));
    let outcomes = run(&trial, scenario.trials.seed, N);
    let mut none = 0u64;
    for o in &outcomes {
        let rpo = o.rpo.unwrap_or_else(|| panic!("trial {}: the standby's copy survives", o.trial));
        assert!(rpo <= o.copy_age, "trial {}: {o:?}", o.trial);
        assert_eq!(o.writes_lost == 0, rpo.is_zero(), "trial {}: {o:?}", o.trial);
        none += u64::from(o.writes_lost == 0);
    }
    let p = none as f64 / N as f64;
    let expected = 0.34464 * (-50.0f64 * 0.045).exp();
    let se = (expected * (1.0 - expected) / N as f64).sqrt();
    println!("P(nothing lost) = {p:.5}, expected {expected:.5} ± {se:.5}");
    assert!((p - expected).abs() <= 4.0 * se, "P(nothing lost) = {p}, expected {expected}, SE {se}");
}
