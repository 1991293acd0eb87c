//! The reference DR trial (benchmarks.md section 2) written out by hand: the baseline the
//! performance issue measures drsim against, shared by the `trial` and `scaling` benches.

use rand::{RngExt, SeedableRng};
use rand_distr::{Distribution, Exp1, StandardNormal};
use rand_xoshiro::Xoshiro256PlusPlus;

/// The reference trial written out by hand, the way a researcher would write it for this one
/// model: the same distributions and the same exact per-write FIFO (the Lindley recursion, no
/// event per write), nothing general. With `skip_latencies` it also takes the shortcut this
/// one model allows: it knows t_d in advance, so it only draws the latencies of the writes
/// sent within 50 ms of it. Returns (RTO ns, RPO ns, writes lost).
pub fn hand_written(seed: u64, trial: u64, skip_latencies: bool) -> (u64, u64, u64) {
    const S: f64 = 1e9;
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed ^ trial.wrapping_mul(0x9E37_79B9_7F4A_7C15));
    let t_d = 60.0 * S + 60.0 * S * rng.random::<f64>();
    let (mut created, mut server_free, mut last_arrive) = (0.0f64, 0.0f64, 0.0f64);
    let (mut oldest_lost, mut lost) = (f64::NAN, 0u64);
    loop {
        let gap: f64 = Exp1.sample(&mut rng);
        created += gap * (S / 50.0);
        if created >= t_d {
            break;
        }
        let bytes: f64 = Exp1.sample(&mut rng);
        let depart = created.max(server_free) + bytes * 655_360.0 * (S / 50e6);
        server_free = depart;
        // Sent more than the longest latency (50 ms) before t_d: it has arrived, and its exact
        // arrival can only matter to later writes that arrive by t_d too. No draw needed.
        if skip_latencies && depart + 0.050 * S <= t_d {
            continue;
        }
        let arrive = (depart + 0.040 * S + 0.010 * S * rng.random::<f64>()).max(last_arrive);
        last_arrive = arrive;
        // Arrivals are in creation order, so the writes missing at t_d are a suffix.
        if arrive > t_d {
            if lost == 0 {
                oldest_lost = created;
            }
            lost += 1;
        }
    }
    let rpo = if lost == 0 { 0.0 } else { t_d - oldest_lost };
    // Health checks every 30 s from a random phase; the third failed check declares P dead.
    let phase = 30.0 * S * rng.random::<f64>();
    let first = phase + 30.0 * S * ((t_d - phase) / (30.0 * S)).ceil().max(0.0);
    let detected = first + 60.0 * S;
    let mut launch = 0.0f64;
    for _ in 0..6 {
        let z: f64 = StandardNormal.sample(&mut rng);
        launch = launch.max(120.0 * S * (0.3 * z).exp());
    }
    let back = detected + launch.max(30.0 * S) + 60.0 * S;
    ((back - t_d) as u64, rpo as u64, lost)
}
