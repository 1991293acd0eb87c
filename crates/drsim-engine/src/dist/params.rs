//! The file form of a distribution: a table with a `kind`, read into [`Distribution`] (numbers)
//! or, through [`Secs`], into a duration distribution (numbers of seconds or duration
//! strings).

use std::fmt;

use serde::Deserialize;
use serde::de::{self, Deserializer};

use super::duration::duration_secs;
use super::{DistError, Distribution};
use crate::time::{ParseDurationError, SimDuration};

/// The file form of a distribution, before validation; `T` is the type of its time-valued (or
/// location) parameters: `f64` for [`Distribution`], [`Secs`] for [`DurationDistribution`].
#[derive(Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub(super) enum Params<T> {
    Fixed {
        value: T,
    },
    Uniform {
        low: T,
        high: T,
    },
    Exponential {
        mean: T,
    },
    Normal {
        mean: T,
        std_dev: T,
    },
    #[serde(rename = "lognormal", alias = "log_normal")]
    LogNormal {
        median: T,
        sigma: f64,
    },
    #[serde(rename = "lognormal_mean_std", alias = "log_normal_mean_std")]
    LogNormalMeanStd {
        mean: T,
        std_dev: T,
    },
    Weibull {
        shape: f64,
        scale: T,
    },
    Gamma {
        shape: f64,
        scale: T,
    },
    Pareto {
        scale: T,
        shape: f64,
    },
    Triangular {
        min: T,
        mode: T,
        max: T,
    },
    Empirical {
        samples: Vec<T>,
    },
}

impl<T: Into<f64>> TryFrom<Params<T>> for Distribution {
    type Error = DistError;

    fn try_from(params: Params<T>) -> Result<Self, DistError> {
        let dist = match params {
            Params::Fixed { value } => Distribution::Fixed { value: value.into() },
            Params::Uniform { low, high } => Distribution::Uniform { low: low.into(), high: high.into() },
            Params::Exponential { mean } => Distribution::Exponential { mean: mean.into() },
            Params::Normal { mean, std_dev } => Distribution::Normal { mean: mean.into(), std_dev: std_dev.into() },
            Params::LogNormal { median, sigma } => Distribution::LogNormal { median: median.into(), sigma },
            Params::LogNormalMeanStd { mean, std_dev } => {
                Distribution::LogNormalMeanStd { mean: mean.into(), std_dev: std_dev.into() }
            }
            Params::Weibull { shape, scale } => Distribution::Weibull { shape, scale: scale.into() },
            Params::Gamma { shape, scale } => Distribution::Gamma { shape, scale: scale.into() },
            Params::Pareto { scale, shape } => Distribution::Pareto { scale: scale.into(), shape },
            Params::Triangular { min, mode, max } => {
                Distribution::Triangular { min: min.into(), mode: mode.into(), max: max.into() }
            }
            Params::Empirical { samples } => {
                Distribution::Empirical { samples: samples.into_iter().map(Into::into).collect() }
            }
        };
        dist.checked()
    }
}

/// A time-valued parameter in a file: a number of seconds, or a duration string.
pub(super) struct Secs(f64);

impl From<Secs> for f64 {
    fn from(secs: Secs) -> f64 {
        secs.0
    }
}

impl<'de> Deserialize<'de> for Secs {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl de::Visitor<'_> for Visitor {
            type Value = Secs;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a number of seconds or a duration string such as \"30s\"")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Secs, E> {
                parse_secs(v).map(Secs).map_err(E::custom)
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Secs, E> {
                Ok(Secs(v))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Secs, E> {
                Ok(Secs(v as f64))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Secs, E> {
                Ok(Secs(v as f64))
            }
        }
        d.deserialize_any(Visitor)
    }
}

pub(super) fn parse_secs(text: &str) -> Result<f64, ParseDurationError> {
    text.parse::<SimDuration>().map(duration_secs)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dist::testing::every_kind;
    use serde::Serialize;

    #[test]
    fn toml_round_trips_every_kind() {
        for dist in every_kind() {
            let text = toml::to_string(&dist).unwrap();
            assert!(text.contains(&format!("kind = \"{}\"", dist.kind())), "{text}");
            let back: Distribution = toml::from_str(&text).unwrap_or_else(|e| panic!("{text}: {e}"));
            assert_eq!(back, dist, "{text}");
            let json = serde_json::to_string(&dist).unwrap();
            assert_eq!(serde_json::from_str::<Distribution>(&json).unwrap(), dist, "{json}");
        }
    }

    #[derive(Debug, Serialize, Deserialize, PartialEq)]
    struct Cfg {
        d: Distribution,
    }

    #[test]
    fn toml_reads_the_documented_forms_and_refuses_the_rest() {
        let cfg: Cfg = toml::from_str(r#"d = { kind = "lognormal", median = 3600, sigma = 0.5 }"#).unwrap();
        assert_eq!(cfg.d, Distribution::lognormal(3600.0, 0.5).unwrap());
        let cfg: Cfg = toml::from_str(r#"d = { kind = "log_normal_mean_std", mean = 5, std_dev = 1 }"#).unwrap();
        assert_eq!(cfg.d, Distribution::lognormal_mean_std(5.0, 1.0).unwrap());

        let err = toml::from_str::<Cfg>(r#"d = { kind = "exponential", mean = -1 }"#).unwrap_err().to_string();
        assert!(err.contains("exponential: mean = -1 is not allowed (must be finite and > 0)"), "{err}");
        let err =
            toml::from_str::<Cfg>(r#"d = { kind = "exponential", mean = 1, std_dev = 2 }"#).unwrap_err().to_string();
        assert!(err.contains("unknown field `std_dev`"), "{err}");
        let err = toml::from_str::<Cfg>(r#"d = { kind = "exponential" }"#).unwrap_err().to_string();
        assert!(err.contains("missing field `mean`"), "{err}");
        let err = toml::from_str::<Cfg>(r#"d = { kind = "cauchy", scale = 1 }"#).unwrap_err().to_string();
        assert!(err.contains("unknown variant `cauchy`"), "{err}");
        let err = toml::from_str::<Cfg>(r#"d = { kind = "exponential", mean = "30s" }"#).unwrap_err().to_string();
        assert!(err.contains("invalid type"), "{err}");
        let err = toml::from_str::<Cfg>(r#"d = { kind = "triangular", min = 3, mode = 2, max = 4 }"#)
            .unwrap_err()
            .to_string();
        assert!(err.contains("triangular: mode = 2 is not allowed"), "{err}");
    }
}
