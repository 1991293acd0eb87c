//! Links: the network between two sites.
//!
//! A link has a one-way latency (a distribution: its spread is the jitter, which never reorders
//! writes), a bandwidth, a number of parallel streams each limited by a window, and optionally a
//! bandwidth that varies over time. Its failure/repair process is a [`FailureProcess`] that
//! targets it.
//!
//! [`FailureProcess`]: crate::model::failure::FailureProcess

use serde::{Deserialize, Serialize};

use crate::engine::{DistError, Distribution, DurationDistribution};

/// Bandwidth that changes over time: piecewise constant, a new factor every period.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BandwidthVariability {
    /// How long each level lasts.
    pub period: DurationDistribution,
    /// The multiplier of the nominal bandwidth during a period (values below 0.001 count as 0.001).
    pub factor: Distribution,
}

/// A network link from one site to another.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LinkSpec {
    /// The sending site's name.
    pub from: String,
    /// The receiving site's name.
    pub to: String,
    /// One-way latency; its spread is the jitter.
    pub latency: DurationDistribution,
    /// Nominal bandwidth in bytes per second.
    pub bandwidth_bytes_per_s: f64,
    /// Parallel streams the replication technology opens (default 1).
    #[serde(default = "one")]
    pub streams: u32,
    /// Per-stream window in bytes (TCP window or in-flight limit); `None` for no limit.
    #[serde(default)]
    pub window_bytes: Option<f64>,
    /// Optional variability of the bandwidth.
    #[serde(default)]
    pub variability: Option<BandwidthVariability>,
}

fn one() -> u32 {
    1
}

/// Why a link was refused.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum LinkError {
    /// A number outside its allowed range.
    #[error("link {from}->{to}: {field} = {value} is not allowed ({allowed})")]
    BadValue {
        /// Sending site.
        from: String,
        /// Receiving site.
        to: String,
        /// The key.
        field: &'static str,
        /// The value refused.
        value: f64,
        /// What is allowed.
        allowed: &'static str,
    },
    /// A distribution is invalid.
    #[error("link {from}->{to}: {field}: {source}")]
    Distribution {
        /// Sending site.
        from: String,
        /// Receiving site.
        to: String,
        /// The key.
        field: &'static str,
        /// What is wrong (boxed: errors stay small on the happy path).
        source: Box<DistError>,
    },
    /// A link from a site to itself.
    #[error("link {from}->{to}: a link must join two different sites")]
    SelfLoop {
        /// Sending site.
        from: String,
        /// Receiving site.
        to: String,
    },
}

impl LinkSpec {
    /// A link with one stream, no window limit and constant bandwidth.
    pub fn new(
        from: impl Into<String>,
        to: impl Into<String>,
        latency: DurationDistribution,
        bandwidth_bytes_per_s: f64,
    ) -> Result<Self, LinkError> {
        let link = LinkSpec {
            from: from.into(),
            to: to.into(),
            latency,
            bandwidth_bytes_per_s,
            streams: 1,
            window_bytes: None,
            variability: None,
        };
        link.validate()?;
        Ok(link)
    }

    /// Checks every parameter.
    pub fn validate(&self) -> Result<(), LinkError> {
        let bad = |field, value, allowed| LinkError::BadValue {
            from: self.from.clone(),
            to: self.to.clone(),
            field,
            value,
            allowed,
        };
        if self.from == self.to {
            return Err(LinkError::SelfLoop { from: self.from.clone(), to: self.to.clone() });
        }
        if !(self.bandwidth_bytes_per_s.is_finite() && self.bandwidth_bytes_per_s > 0.0) {
            return Err(bad("bandwidth_bytes_per_s", self.bandwidth_bytes_per_s, "must be finite and > 0"));
        }
        if self.streams == 0 {
            return Err(bad("streams", 0.0, "must be >= 1"));
        }
        if let Some(w) = self.window_bytes
            && !(w.is_finite() && w > 0.0)
        {
            return Err(bad("window_bytes", w, "must be finite and > 0, or absent for no limit"));
        }
        if self.latency.mean_secs().is_none() {
            return Err(bad("latency", f64::INFINITY, "must have a finite mean"));
        }
        if let Some(v) = &self.variability {
            v.factor.validate().map_err(|source| LinkError::Distribution {
                from: self.from.clone(),
                to: self.to.clone(),
                field: "variability.factor",
                source: Box::new(source),
            })?;
            match v.factor.mean() {
                Some(m) if m > 0.0 => {}
                other => {
                    return Err(bad(
                        "variability.factor",
                        other.unwrap_or(f64::INFINITY),
                        "mean must be finite and > 0",
                    ));
                }
            }
            if v.period.mean_secs().is_none_or(|m| m <= 0.0) {
                return Err(bad("variability.period", 0.0, "mean must be finite and > 0"));
            }
        }
        Ok(())
    }

    /// Round-trip time from the mean one-way latency, in seconds.
    pub fn mean_rtt_secs(&self) -> f64 {
        2.0 * self.latency.mean_secs().unwrap_or(0.0)
    }

    /// Effective throughput in bytes per second at nominal bandwidth:
    /// `min(bandwidth, streams × window / RTT)`.
    ///
    /// A window limit with a zero RTT does not bind.
    pub fn throughput_bytes_per_s(&self) -> f64 {
        let rtt = self.mean_rtt_secs();
        match self.window_bytes {
            Some(w) if rtt > 0.0 => self.bandwidth_bytes_per_s.min(f64::from(self.streams) * w / rtt),
            _ => self.bandwidth_bytes_per_s,
        }
    }

    /// Long-run mean throughput in bytes per second, with variability's mean factor applied to
    /// the bandwidth (the window limit does not vary).
    pub fn mean_throughput_bytes_per_s(&self) -> f64 {
        let factor = self.variability.as_ref().and_then(|v| v.factor.mean()).unwrap_or(1.0);
        let rtt = self.mean_rtt_secs();
        let bw = self.bandwidth_bytes_per_s * factor.max(1e-3);
        match self.window_bytes {
            Some(w) if rtt > 0.0 => bw.min(f64::from(self.streams) * w / rtt),
            _ => bw,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::SimDuration;

    fn lat(ms: u64) -> DurationDistribution {
        DurationDistribution::fixed(SimDuration::from_millis(ms))
    }

    /// Window-limited throughput, computed by hand: 64 KiB window, 50 ms one way (100 ms RTT)
    /// → 655,360 B/s per stream; 8 streams → 5,242,880 B/s, below a 100 MB/s link.
    #[test]
    fn window_limits_throughput() {
        let mut l = LinkSpec::new("a", "b", lat(50), 100e6).unwrap();
        assert_eq!(l.throughput_bytes_per_s(), 100e6);
        l.window_bytes = Some(65_536.0);
        assert!((l.throughput_bytes_per_s() - 655_360.0).abs() < 1e-6);
        l.streams = 8;
        assert!((l.throughput_bytes_per_s() - 5_242_880.0).abs() < 1e-6);
        l.streams = 10_000;
        assert_eq!(l.throughput_bytes_per_s(), 100e6, "the bandwidth binds when enough streams");
    }

    #[test]
    fn bad_values_are_named() {
        let e = LinkSpec::new("a", "b", lat(1), -5.0).unwrap_err();
        assert!(e.to_string().contains("bandwidth_bytes_per_s = -5"), "{e}");
        let e = LinkSpec::new("a", "b", lat(1), f64::NAN).unwrap_err();
        assert!(e.to_string().contains("NaN"), "{e}");
        assert!(matches!(LinkSpec::new("a", "a", lat(1), 1.0), Err(LinkError::SelfLoop { .. })));
        let mut l = LinkSpec::new("a", "b", lat(1), 1.0).unwrap();
        l.streams = 0;
        assert!(l.validate().unwrap_err().to_string().contains("streams"));
        l.streams = 1;
        l.window_bytes = Some(0.0);
        assert!(l.validate().unwrap_err().to_string().contains("window_bytes"));
    }
}
