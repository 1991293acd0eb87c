//! Random streams: one named, portable generator per (seed, trial, stream).
//!
//! Every concern of a trial (arrivals, service times, failures...) draws from its own stream,
//! so that changing how often one concern draws never shifts the numbers another sees. That is
//! what makes common random numbers work: with the same seed, every variant of a model being
//! compared faces the same random inputs. The generator is Xoshiro256++ (portable, fast, 2^256
//! period); its 256-bit state is derived from (seed, trial, stream) by SplitMix64 finalisers, so
//! any trial's streams can be built directly, in any order and on any thread.

use rand::SeedableRng;
use rand_xoshiro::Xoshiro256PlusPlus;

/// The generator of every stream.
pub type SimRng = Xoshiro256PlusPlus;

/// The identity of a random stream within a trial.
///
/// The engine names no stream: the ids belong to the model built on it, which keeps them in
/// one registry so that no two concerns share one by accident (drsim's is
/// `drsim_core::trial::streams`). Any `u64` is an id; [`StreamId::sub`] derives one per element
/// of a concern.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct StreamId(pub u64);

impl StreamId {
    /// A sub-stream of this stream, for a concern that has one stream per element (per
    /// server, per connection). Distinct `(self, index)` pairs give distinct stream ids.
    pub const fn sub(self, index: u64) -> StreamId {
        StreamId(self.0.wrapping_mul(0x9E37_79B9_7F4A_7C15).wrapping_add(index.wrapping_add(1) << 8))
    }
}

/// SplitMix64's output function: a bijective 64-bit mixer with full avalanche.
const fn mix64(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The generator of `stream` in trial `trial` of a run seeded with `seed`.
///
/// Deterministic and portable: the same triple gives the same sequence on every platform and
/// in every thread.
///
/// ```
/// use drsim_engine::rng::{stream_rng, StreamId};
/// use rand::RngExt;
/// let mut a = stream_rng(42, 7, StreamId(2));
/// let mut b = stream_rng(42, 7, StreamId(2));
/// assert_eq!(a.random::<u64>(), b.random::<u64>());
/// ```
pub fn stream_rng(seed: u64, trial: u64, stream: StreamId) -> SimRng {
    // Each input goes through its own bijective mix before combining, so that (seed, trial,
    // stream) triples that differ in any field land far apart; the four state words are then
    // SplitMix64 outputs from that combined key.
    let key = mix64(seed ^ 0x5851_F42D_4C95_7F2D)
        ^ mix64(trial.wrapping_add(0x1405_7B7E_F767_814F)).rotate_left(21)
        ^ mix64(stream.0.wrapping_add(0xD1B5_4A32_D192_ED03)).rotate_left(42);
    let mut state = key;
    let mut bytes = [0u8; 32];
    for chunk in bytes.chunks_exact_mut(8) {
        state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        chunk.copy_from_slice(&mix64(state).to_le_bytes());
    }
    // An all-zero state is the one Xoshiro cannot leave; SplitMix64 outputs make it unreachable
    // in practice, and `from_seed` guards it anyway.
    SimRng::from_seed(bytes)
}

/// The streams of one trial: a convenience that remembers (seed, trial).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TrialStreams {
    /// The run's seed.
    pub seed: u64,
    /// The trial's index.
    pub trial: u64,
}

impl TrialStreams {
    /// The streams of trial `trial` of the run seeded with `seed`.
    pub const fn new(seed: u64, trial: u64) -> Self {
        TrialStreams { seed, trial }
    }
    /// The generator for one concern of this trial.
    pub fn rng(&self, stream: StreamId) -> SimRng {
        stream_rng(self.seed, self.trial, stream)
    }

    /// Another family of streams of the same trial, for a second instance of a model's
    /// concerns: family `index` (≥ 1) gives, for the same [`StreamId`]s, streams independent of
    /// family 0's and of each other's. Family 0 is `self`.
    pub fn family(&self, index: u64) -> TrialStreams {
        if index == 0 {
            return *self;
        }
        TrialStreams { seed: mix64(self.seed ^ mix64(index.wrapping_add(0xA076_1D64_78BD_642F))), trial: self.trial }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::RngExt;

    fn first(seed: u64, trial: u64, stream: StreamId) -> Vec<u64> {
        let mut r = stream_rng(seed, trial, stream);
        (0..4).map(|_| r.random()).collect()
    }

    #[test]
    fn same_triple_same_sequence_and_any_change_gives_another() {
        assert_eq!(first(1, 2, StreamId(3)), first(1, 2, StreamId(3)));
        assert_ne!(first(1, 2, StreamId(3)), first(2, 2, StreamId(3)));
        assert_ne!(first(1, 2, StreamId(3)), first(1, 3, StreamId(3)));
        assert_ne!(first(1, 2, StreamId(3)), first(1, 2, StreamId(4)));
        // Swapping fields must not give the same stream.
        assert_ne!(first(1, 2, StreamId(3)), first(2, 1, StreamId(3)));
        assert_ne!(first(0, 0, StreamId(1)), first(0, 1, StreamId(0)));
    }

    /// Streams are independent: the sample correlation of uniforms from neighbouring streams
    /// and trials is within 4 standard errors (1/sqrt(n)) of zero, and each stream's mean is
    /// within 4 standard errors (sqrt(1/12n)) of 1/2.
    #[test]
    fn neighbouring_streams_are_uncorrelated() {
        let n = 20_000usize;
        let pairs = [
            ((7, 0, StreamId(1)), (7, 0, StreamId(2))),
            ((7, 0, StreamId(1)), (7, 1, StreamId(1))),
            ((7, 0, StreamId(1)), (8, 0, StreamId(1))),
            ((7, 0, StreamId(1).sub(0)), (7, 0, StreamId(1).sub(1))),
        ];
        for ((s1, t1, k1), (s2, t2, k2)) in pairs {
            let mut a = stream_rng(s1, t1, k1);
            let mut b = stream_rng(s2, t2, k2);
            let xs: Vec<f64> = (0..n).map(|_| a.random::<f64>() - 0.5).collect();
            let ys: Vec<f64> = (0..n).map(|_| b.random::<f64>() - 0.5).collect();
            let mean_x = xs.iter().sum::<f64>() / n as f64;
            assert!(mean_x.abs() < 4.0 * (1.0 / (12.0 * n as f64)).sqrt(), "mean {mean_x}");
            let cov: f64 = xs.iter().zip(&ys).map(|(x, y)| x * y).sum::<f64>() / n as f64;
            let corr = cov * 12.0; // var of U(-1/2, 1/2) is 1/12
            assert!(corr.abs() < 4.0 / (n as f64).sqrt(), "corr {corr}");
        }
    }

    #[test]
    fn sub_streams_are_distinct() {
        let mut seen = std::collections::HashSet::new();
        for base in 1..8 {
            for i in 0..1000 {
                assert!(seen.insert(StreamId(base).sub(i)), "collision at {base}/{i}");
            }
        }
    }
}
