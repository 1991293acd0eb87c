//! Distributions of durations: [`DurationDistribution`], its file form (human duration
//! strings), and the length-biased and residual laws of a renewal process.

use std::fmt;

use rand::RngExt;
use rand_distr::Distribution as _;
use serde::de::{self, Deserializer};
use serde::{Deserialize, Serialize, Serializer};

use super::moments::finite;
use super::params::{Params, Secs, parse_secs};
use super::sample::{exp1, lognormal_sigma2, std_normal};
use super::{DistError, Distribution, invalid};
use crate::rng::SimRng;
use crate::time::SimDuration;

/// A distribution of durations, in seconds, for configuration files.
///
/// Every time-valued parameter may be a number of seconds or a human duration string; shapes
/// and `sigma` stay plain numbers; a bare string (or a bare number of seconds) is a fixed
/// duration:
///
/// ```
/// use drsim_engine::dist::DurationDistribution;
/// #[derive(serde::Deserialize)]
/// struct Step {
///     duration: DurationDistribution,
///     timeout: DurationDistribution,
/// }
/// let step: Step = toml::from_str(
///     r#"
///     duration = { kind = "lognormal", median = "2m", sigma = 0.3 }
///     timeout = "10m"
///     "#,
/// )
/// .unwrap();
/// assert_eq!(step.timeout.mean_secs(), Some(600.0));
/// ```
///
/// Unlike a plain [`Distribution`], it refuses parameters that would put negative values in
/// its support (a fixed value, uniform `low`, triangular `min` or empirical sample below 0); a
/// normal is allowed whatever its mean, since it is truncated at zero. It serializes as the
/// bare duration string for a fixed value of whole nanoseconds, and otherwise as the plain
/// [`Distribution`] table in seconds.
#[derive(Clone, Debug, PartialEq)]
pub struct DurationDistribution(Distribution);

impl DurationDistribution {
    /// Validates `dist` as a distribution of durations in seconds.
    pub fn new(dist: Distribution) -> Result<Self, DistError> {
        dist.validate()?;
        let negative =
            |parameter, value| invalid(dist.kind(), parameter, value, "finite and >= 0 for a duration".into());
        match dist {
            Distribution::Fixed { value } if value < 0.0 => return Err(negative("value", value)),
            Distribution::Uniform { low, .. } if low < 0.0 => return Err(negative("low", low)),
            Distribution::Triangular { min, .. } if min < 0.0 => return Err(negative("min", min)),
            Distribution::Empirical { ref samples } => {
                if let Some(index) = samples.iter().position(|&v| v < 0.0) {
                    return Err(DistError::InvalidSample {
                        index,
                        value: samples[index],
                        allowed: "finite and >= 0 for a duration".into(),
                    });
                }
            }
            _ => {}
        }
        Ok(DurationDistribution(dist))
    }

    /// Always `duration`.
    pub fn fixed(duration: SimDuration) -> Self {
        DurationDistribution(Distribution::Fixed { value: duration_secs(duration) })
    }

    /// The distribution of the number of seconds.
    pub fn inner(&self) -> &Distribution {
        &self.0
    }

    /// One duration; see [`Distribution::sample_duration`].
    #[inline]
    pub fn sample(&self, rng: &mut SimRng) -> SimDuration {
        self.0.sample_duration(rng)
    }

    /// The mean duration in seconds; see [`Distribution::duration_mean_secs`].
    pub fn mean_secs(&self) -> Option<f64> {
        self.0.duration_mean_secs()
    }

    /// A draw from the *length-biased* law of these durations, in seconds: density
    /// `x f(x) / E[X]`. In a renewal process that has always run, the period covering a given
    /// instant is length-biased (long periods cover more instants: the inspection paradox).
    ///
    /// Closed forms where they exist (Cox, *Renewal Theory*, 1962, §5.2): fixed `v` → `v`;
    /// uniform `[a, b)` → `sqrt(a² + U (b² − a²))`; exponential(m) → gamma(2, m);
    /// lognormal(median m, σ) → lognormal(m e^{σ²}, σ); Weibull(k, λ) → `λ G^{1/k}` with
    /// `G ~ gamma(1 + 1/k, 1)`; gamma(k, θ) → gamma(k + 1, θ); Pareto(x_m, α) → Pareto(x_m, α − 1);
    /// empirical → each sample with probability proportional to its value. A normal (truncated
    /// at zero) and a triangular are drawn by rejection from their own law, accepting `x` with
    /// probability `x / M` (triangular: `M = max`; normal: `M = mean⁺ + 12 sd`, whose excluded
    /// tail has probability below 10⁻³²), bounded to 100 000 tries.
    ///
    /// `None` when the mean is zero or infinite: the law does not exist.
    pub fn sample_length_biased_secs(&self, rng: &mut SimRng) -> Option<f64> {
        let mean = self.mean_secs()?;
        if mean <= 0.0 {
            return None;
        }
        let x = match self.0 {
            Distribution::Fixed { value } => value,
            Distribution::Uniform { low, high } => {
                let u: f64 = rng.random();
                (low * low + u * (high * high - low * low)).sqrt()
            }
            Distribution::Exponential { mean } => mean * (exp1(rng) + exp1(rng)),
            Distribution::LogNormal { median, sigma } => median * (sigma * sigma + sigma * std_normal(rng)).exp(),
            Distribution::LogNormalMeanStd { mean, std_dev } => {
                let s2 = lognormal_sigma2(mean, std_dev);
                mean * (s2.sqrt() * std_normal(rng) + 0.5 * s2).exp()
            }
            Distribution::Weibull { shape, scale } => {
                let g = rand_distr::Gamma::new(1.0 + shape.recip(), 1.0).ok()?.sample(rng);
                scale * g.powf(shape.recip())
            }
            Distribution::Gamma { shape, scale } => rand_distr::Gamma::new(shape + 1.0, scale).ok()?.sample(rng),
            Distribution::Pareto { scale, shape } => scale * (exp1(rng) / (shape - 1.0)).exp(),
            Distribution::Empirical { ref samples } => {
                let total: f64 = samples.iter().map(|x| x.max(0.0)).sum();
                let mut target = rng.random::<f64>() * total;
                let mut pick = samples.last().copied().unwrap_or(0.0);
                for &x in samples {
                    if target < x.max(0.0) {
                        pick = x;
                        break;
                    }
                    target -= x.max(0.0);
                }
                pick
            }
            Distribution::Triangular { max, .. } => rejection(rng, max, |r| self.0.sample_non_negative(r))?,
            Distribution::Normal { mean, std_dev } => {
                rejection(rng, mean.max(0.0) + 12.0 * std_dev, |r| self.0.sample_non_negative(r))?
            }
        };
        finite(x.max(0.0))
    }

    /// The time from an arbitrary instant to the end of the period covering it, in a renewal
    /// process of these durations that has always run (the *equilibrium residual*, density
    /// `P(X > x) / E[X]`): a uniform point within a length-biased period. For an exponential
    /// this is a fresh draw (memorylessness), and it is drawn so. `None` when the mean is zero
    /// or infinite.
    pub fn sample_residual(&self, rng: &mut SimRng) -> Option<SimDuration> {
        if let Distribution::Exponential { .. } = self.0 {
            return Some(self.sample(rng));
        }
        let period = self.sample_length_biased_secs(rng)?;
        let u: f64 = rng.random();
        Some(SimDuration::from_secs_f64(u * period))
    }
}

impl From<SimDuration> for DurationDistribution {
    fn from(duration: SimDuration) -> Self {
        DurationDistribution::fixed(duration)
    }
}

impl Serialize for DurationDistribution {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if let Distribution::Fixed { value } = self.0 {
            let duration = SimDuration::from_secs_f64(value);
            // Only when the string reads back as the very same number of seconds.
            if duration_secs(duration) == value {
                return s.collect_str(&duration);
            }
        }
        self.0.serialize(s)
    }
}

impl<'de> Deserialize<'de> for DurationDistribution {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl<'de> de::Visitor<'de> for Visitor {
            type Value = DurationDistribution;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(
                    "a duration such as \"30s\", a number of seconds, or a table with a kind such as \
                     { kind = \"exponential\", mean = \"30s\" }",
                )
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                let secs = parse_secs(v).map_err(E::custom)?;
                DurationDistribution::new(Distribution::Fixed { value: secs }).map_err(E::custom)
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
                DurationDistribution::new(Distribution::Fixed { value: v }).map_err(E::custom)
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
                self.visit_f64(v as f64)
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
                self.visit_f64(v as f64)
            }
            fn visit_map<A: de::MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                let params = Params::<Secs>::deserialize(de::value::MapAccessDeserializer::new(map))?;
                let dist = Distribution::try_from(params).map_err(de::Error::custom)?;
                DurationDistribution::new(dist).map_err(de::Error::custom)
            }
        }
        d.deserialize_any(Visitor)
    }
}

/// Seconds of a duration, by division so that whole numbers of seconds come out exact
/// (`x * 1e-9` would not: 1e-9 is not representable).
pub(super) fn duration_secs(d: SimDuration) -> f64 {
    d.as_nanos() as f64 / 1e9
}

/// Length-biased draw by rejection: `x` from `draw`, accepted with probability `x / cap`.
fn rejection(rng: &mut SimRng, cap: f64, draw: impl Fn(&mut SimRng) -> f64) -> Option<f64> {
    if !(cap > 0.0 && cap.is_finite()) {
        return None;
    }
    for _ in 0..100_000 {
        let x = draw(rng);
        if rng.random::<f64>() * cap < x {
            return Some(x);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dist::testing::{SEED, every_kind};
    use crate::rng::{StreamId, stream_rng};

    /// The length-biased law has mean E[X²]/E[X], and the equilibrium residual E[X²]/(2 E[X])
    /// (Cox 1962, §5.2), for every kind: 200,000 draws each, 4 standard errors (estimated from
    /// the draws). E[X²] = sd² + mean² from the closed forms of `mean` and `std_dev`; the
    /// normal is far from zero so that its truncation does not matter.
    #[test]
    fn length_biased_and_residual_means_match_the_second_moment() {
        let kinds = [
            Distribution::uniform(10.0, 50.0).unwrap(),
            Distribution::exponential(30.0).unwrap(),
            Distribution::lognormal(20.0, 0.6).unwrap(),
            Distribution::lognormal_mean_std(20.0, 10.0).unwrap(),
            Distribution::weibull(1.7, 40.0).unwrap(),
            Distribution::weibull(0.7, 40.0).unwrap(),
            Distribution::gamma(2.5, 8.0).unwrap(),
            Distribution::pareto(10.0, 3.5).unwrap(),
            Distribution::triangular(5.0, 10.0, 40.0).unwrap(),
            Distribution::normal(100.0, 15.0).unwrap(),
            Distribution::empirical(vec![1.0, 2.0, 10.0, 50.0]).unwrap(),
        ];
        let n = 200_000;
        for (k, dist) in kinds.iter().enumerate() {
            let d = DurationDistribution::new(dist.clone()).unwrap();
            let (m, sd) = (dist.mean().unwrap(), dist.std_dev().unwrap());
            let lb_mean = (sd * sd + m * m) / m;
            let mut rng = stream_rng(7, k as u64, StreamId(1));
            let lb: Vec<f64> = (0..n).map(|_| d.sample_length_biased_secs(&mut rng).unwrap()).collect();
            let res: Vec<f64> = (0..n).map(|_| d.sample_residual(&mut rng).unwrap().as_secs_f64()).collect();
            for (what, xs, expected) in [("length-biased", &lb, lb_mean), ("residual", &res, lb_mean / 2.0)] {
                let mean = xs.iter().sum::<f64>() / n as f64;
                let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n as f64 - 1.0);
                let se = (var / n as f64).sqrt();
                assert!((mean - expected).abs() <= 4.0 * se, "{dist:?} {what}: {mean} vs {expected} ± 4 × {se}");
            }
        }
        // Fixed: the period itself; its residual is uniform on [0, v).
        let f = DurationDistribution::fixed(SimDuration::from_secs(10));
        let mut rng = stream_rng(7, 99, StreamId(1));
        assert_eq!(f.sample_length_biased_secs(&mut rng), Some(10.0));
        assert!(f.sample_residual(&mut rng).unwrap() < SimDuration::from_secs(10));
        // No law without a finite positive mean.
        let heavy = DurationDistribution::new(Distribution::pareto(1.0, 0.9).unwrap()).unwrap();
        assert_eq!(heavy.sample_residual(&mut rng), None);
    }

    #[derive(Debug, Serialize, Deserialize, PartialEq)]
    struct Step {
        d: DurationDistribution,
    }

    fn step(text: &str) -> Result<DurationDistribution, String> {
        toml::from_str::<Step>(text).map(|s| s.d).map_err(|e| e.to_string())
    }

    #[test]
    fn duration_distributions_take_strings_and_numbers() {
        let inner = |text: &str| step(text).unwrap_or_else(|e| panic!("{text}: {e}")).inner().clone();
        assert_eq!(inner(r#"d = { kind = "exponential", mean = "30s" }"#), Distribution::exponential(30.0).unwrap());
        assert_eq!(inner(r#"d = { kind = "exponential", mean = 30 }"#), Distribution::exponential(30.0).unwrap());
        assert_eq!(
            inner(r#"d = { kind = "lognormal", median = "2m", sigma = 0.3 }"#),
            Distribution::lognormal(120.0, 0.3).unwrap()
        );
        assert_eq!(
            inner(r#"d = { kind = "uniform", low = "1m", high = 90.5 }"#),
            Distribution::uniform(60.0, 90.5).unwrap()
        );
        assert_eq!(
            inner(r#"d = { kind = "weibull", shape = 2, scale = "1h30m" }"#),
            Distribution::weibull(2.0, 5400.0).unwrap()
        );
        assert_eq!(
            inner(r#"d = { kind = "empirical", samples = ["1s", 2, "250ms"] }"#),
            Distribution::empirical(vec![1.0, 2.0, 0.25]).unwrap()
        );
        // A normal may have a negative mean: it is truncated.
        assert_eq!(
            inner(r#"d = { kind = "normal", mean = -5, std_dev = "10s" }"#),
            Distribution::normal(-5.0, 10.0).unwrap()
        );
        // The shorthands.
        assert_eq!(inner(r#"d = "45s""#), Distribution::fixed(45.0).unwrap());
        assert_eq!(inner(r#"d = "1h30m""#), Distribution::fixed(5400.0).unwrap());
        assert_eq!(inner("d = 45"), Distribution::fixed(45.0).unwrap());
        assert_eq!(inner("d = 0.5"), Distribution::fixed(0.5).unwrap());

        for (text, wanted) in [
            (
                r#"d = { kind = "fixed", value = -1 }"#,
                "fixed: value = -1 is not allowed (must be finite and >= 0 for a duration)",
            ),
            ("d = -1", "fixed: value = -1 is not allowed (must be finite and >= 0 for a duration)"),
            (r#"d = { kind = "exponential", mean = "0s" }"#, "exponential: mean = 0 is not allowed"),
            (r#"d = "3 years""#, "invalid duration"),
            (r#"d = "30""#, "invalid duration"),
            (r#"d = { kind = "exponential", mean = "30" }"#, "invalid duration"),
            (r#"d = { kind = "lognormal", median = "2m", sigma = "1s" }"#, "invalid type"),
            (r#"d = { kind = "exponential", mean = "30s", median = 1 }"#, "unknown field `median`"),
            (r#"d = true"#, "a duration such as"),
        ] {
            let err = step(text).expect_err(text);
            assert!(err.contains(wanted), "{text}: {err}");
        }
    }

    #[test]
    fn duration_distributions_refuse_negative_support() {
        let bad = [
            (Distribution::fixed(-1.0).unwrap(), "fixed: value = -1"),
            (Distribution::uniform(-1.0, 2.0).unwrap(), "uniform: low = -1"),
            (Distribution::triangular(-1.0, 0.0, 2.0).unwrap(), "triangular: min = -1"),
            (Distribution::empirical(vec![1.0, -2.0]).unwrap(), "empirical: samples[1] = -2"),
        ];
        for (dist, wanted) in bad {
            let err = DurationDistribution::new(dist).unwrap_err().to_string();
            assert!(err.starts_with(wanted) && err.ends_with("(must be finite and >= 0 for a duration)"), "{err}");
        }
        assert!(DurationDistribution::new(Distribution::normal(-1.0, 1.0).unwrap()).is_ok());
        assert!(DurationDistribution::new(Distribution::Exponential { mean: -1.0 }).is_err());

        let fixed = DurationDistribution::fixed(SimDuration::from_secs(90));
        assert_eq!(fixed, SimDuration::from_secs(90).into());
        assert_eq!(fixed.mean_secs(), Some(90.0));
        let mut rng = stream_rng(SEED, 0, StreamId(700));
        assert_eq!(fixed.sample(&mut rng), SimDuration::from_secs(90));
        let exp = DurationDistribution::new(Distribution::exponential(2.0).unwrap()).unwrap();
        assert_eq!(exp.mean_secs(), Some(2.0));
        assert!(exp.sample(&mut rng) > SimDuration::ZERO);
    }

    #[test]
    fn duration_distributions_round_trip() {
        let fixed = Step { d: DurationDistribution::fixed(SimDuration::from_secs(45)) };
        let text = toml::to_string(&fixed).unwrap();
        assert_eq!(text.trim(), r#"d = "45s""#);
        assert_eq!(toml::from_str::<Step>(&text).unwrap(), fixed);
        // A fixed value that is not a whole number of nanoseconds keeps the exact table form.
        let tiny = Step { d: DurationDistribution::new(Distribution::fixed(1e-10).unwrap()).unwrap() };
        let text = toml::to_string(&tiny).unwrap();
        assert!(text.contains("kind = \"fixed\""), "{text}");
        assert_eq!(toml::from_str::<Step>(&text).unwrap(), tiny);
        for dist in every_kind() {
            let Ok(d) = DurationDistribution::new(dist) else { continue };
            let step = Step { d };
            let text = toml::to_string(&step).unwrap();
            assert_eq!(toml::from_str::<Step>(&text).unwrap(), step, "{text}");
            let json = serde_json::to_string(&step).unwrap();
            assert_eq!(serde_json::from_str::<Step>(&json).unwrap(), step, "{json}");
        }
    }
}
