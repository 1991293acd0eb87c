//! Simulated time: integer nanoseconds, never floating point.
//!
//! Two types keep instants and spans apart: [`SimTime`] is an instant since the start of a run,
//! [`SimDuration`] a span. Arithmetic is checked (returns `None` on overflow) or saturating
//! (clamps to [`SimTime::MAX`]); nothing wraps. Durations parse from and print as human strings
//! such as `"250ms"`, `"30s"`, `"4h"`, `"2d"` or `"1h30m"`.

use std::fmt;
use std::ops::{Add, AddAssign, Sub};
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Nanoseconds in one microsecond, millisecond, second, minute, hour, day and week.
const UNITS: [(&str, u64); 9] = [
    ("ns", 1),
    ("us", 1_000),
    ("µs", 1_000),
    ("ms", 1_000_000),
    ("s", 1_000_000_000),
    ("m", 60_000_000_000),
    ("h", 3_600_000_000_000),
    ("d", 86_400_000_000_000),
    ("w", 604_800_000_000_000),
];

/// An instant of simulated time, in nanoseconds since the start of the run.
///
/// `u64` nanoseconds reach 584 years, enough for any horizon run.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SimTime(u64);

/// A span of simulated time, in nanoseconds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SimDuration(u64);

impl SimTime {
    /// The start of every run.
    pub const ZERO: SimTime = SimTime(0);
    /// The last representable instant; also used as "never".
    pub const MAX: SimTime = SimTime(u64::MAX);

    /// The instant `nanos` nanoseconds after the start.
    #[inline]
    pub const fn from_nanos(nanos: u64) -> Self {
        SimTime(nanos)
    }
    /// Nanoseconds since the start.
    #[inline]
    pub const fn as_nanos(self) -> u64 {
        self.0
    }
    /// Seconds since the start, as a float (for reports only; the clock never uses floats).
    #[inline]
    pub fn as_secs_f64(self) -> f64 {
        self.0 as f64 * 1e-9
    }
    /// Seconds since time zero as exact decimal text (see [`SimDuration::secs_text`]).
    pub fn secs_text(self) -> String {
        secs_text(self.0)
    }
    /// The span from `earlier` to `self`, or `None` if `earlier` is later.
    #[inline]
    pub fn checked_since(self, earlier: SimTime) -> Option<SimDuration> {
        self.0.checked_sub(earlier.0).map(SimDuration)
    }
    /// The span from `earlier` to `self`, zero if `earlier` is later.
    #[inline]
    pub fn saturating_since(self, earlier: SimTime) -> SimDuration {
        SimDuration(self.0.saturating_sub(earlier.0))
    }
    /// `self + d`, or `None` past [`SimTime::MAX`].
    #[inline]
    pub fn checked_add(self, d: SimDuration) -> Option<SimTime> {
        self.0.checked_add(d.0).map(SimTime)
    }
    /// `self + d`, clamped to [`SimTime::MAX`].
    #[inline]
    pub fn saturating_add(self, d: SimDuration) -> SimTime {
        SimTime(self.0.saturating_add(d.0))
    }
    /// `self - d`, clamped to [`SimTime::ZERO`].
    #[inline]
    pub fn saturating_sub(self, d: SimDuration) -> SimTime {
        SimTime(self.0.saturating_sub(d.0))
    }
}

impl SimDuration {
    /// No time at all.
    pub const ZERO: SimDuration = SimDuration(0);
    /// The longest representable span.
    pub const MAX: SimDuration = SimDuration(u64::MAX);

    /// A span of `nanos` nanoseconds.
    #[inline]
    pub const fn from_nanos(nanos: u64) -> Self {
        SimDuration(nanos)
    }
    /// A span of `ms` milliseconds (saturating).
    #[inline]
    pub const fn from_millis(ms: u64) -> Self {
        SimDuration(ms.saturating_mul(1_000_000))
    }
    /// A span of `s` seconds (saturating).
    #[inline]
    pub const fn from_secs(s: u64) -> Self {
        SimDuration(s.saturating_mul(1_000_000_000))
    }
    /// A span of `m` minutes (saturating).
    #[inline]
    pub const fn from_mins(m: u64) -> Self {
        SimDuration(m.saturating_mul(60_000_000_000))
    }
    /// A span of `h` hours (saturating).
    #[inline]
    pub const fn from_hours(h: u64) -> Self {
        SimDuration(h.saturating_mul(3_600_000_000_000))
    }
    /// A span of `d` days (saturating).
    #[inline]
    pub const fn from_days(d: u64) -> Self {
        SimDuration(d.saturating_mul(86_400_000_000_000))
    }
    /// The span nearest to `secs` seconds; negative and NaN give zero, too large saturates.
    ///
    /// This is the one place where a float becomes a duration (a sampled distribution, a
    /// transfer time `bytes / throughput`): rounding to the nearest nanosecond.
    #[inline]
    pub fn from_secs_f64(secs: f64) -> Self {
        SimDuration(round_to_u64(secs * 1e9))
    }
    /// Nanoseconds in the span.
    #[inline]
    pub const fn as_nanos(self) -> u64 {
        self.0
    }
    /// The span in seconds, as a float (for reports and rates only).
    #[inline]
    pub fn as_secs_f64(self) -> f64 {
        self.0 as f64 * 1e-9
    }
    /// The span in seconds as exact decimal text from the integer nanoseconds: `60`, `0.25`,
    /// `1.000000001` (never `60.00000000000001`), for reports and CSV files.
    pub fn secs_text(self) -> String {
        secs_text(self.0)
    }
    /// Whether the span is zero.
    #[inline]
    pub const fn is_zero(self) -> bool {
        self.0 == 0
    }
    /// `self + other`, or `None` on overflow.
    #[inline]
    pub fn checked_add(self, other: SimDuration) -> Option<SimDuration> {
        self.0.checked_add(other.0).map(SimDuration)
    }
    /// `self + other`, clamped to [`SimDuration::MAX`].
    #[inline]
    pub fn saturating_add(self, other: SimDuration) -> SimDuration {
        SimDuration(self.0.saturating_add(other.0))
    }
    /// `self - other`, clamped to zero.
    #[inline]
    pub fn saturating_sub(self, other: SimDuration) -> SimDuration {
        SimDuration(self.0.saturating_sub(other.0))
    }
    /// `self × k`, clamped to [`SimDuration::MAX`].
    #[inline]
    pub fn saturating_mul(self, k: u64) -> SimDuration {
        SimDuration(self.0.saturating_mul(k))
    }
}

/// Saturating: an instant never wraps past [`SimTime::MAX`] ("never").
impl Add<SimDuration> for SimTime {
    type Output = SimTime;
    #[inline]
    fn add(self, d: SimDuration) -> SimTime {
        self.saturating_add(d)
    }
}
impl AddAssign<SimDuration> for SimTime {
    #[inline]
    fn add_assign(&mut self, d: SimDuration) {
        *self = self.saturating_add(d);
    }
}
/// Saturating at zero: the span between two instants in the wrong order is empty.
impl Sub<SimTime> for SimTime {
    type Output = SimDuration;
    #[inline]
    fn sub(self, earlier: SimTime) -> SimDuration {
        self.saturating_since(earlier)
    }
}
impl Add for SimDuration {
    type Output = SimDuration;
    #[inline]
    fn add(self, d: SimDuration) -> SimDuration {
        self.saturating_add(d)
    }
}
impl AddAssign for SimDuration {
    #[inline]
    fn add_assign(&mut self, d: SimDuration) {
        *self = self.saturating_add(d);
    }
}

/// Why a duration string was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ParseDurationError {
    /// Nothing to parse.
    #[error("empty duration: expected a number followed by a unit, such as \"30s\" or \"1h30m\"")]
    Empty,
    /// A part of the string is not `<digits>[.<digits>]<unit>`.
    #[error(
        "invalid duration {input:?}: expected numbers each followed by a unit (ns, us, ms, s, m, h, d, w), such as \"250ms\" or \"1h30m\""
    )]
    Invalid {
        /// The whole string that was refused.
        input: String,
    },
    /// A unit that is not one of ns, us, ms, s, m, h, d, w.
    #[error("invalid duration {input:?}: unknown unit {unit:?} (allowed: ns, us, ms, s, m, h, d, w)")]
    UnknownUnit {
        /// The whole string that was refused.
        input: String,
        /// The unit that is not known.
        unit: String,
    },
    /// The value does not fit in 584 years of nanoseconds.
    #[error("duration {input:?} overflows the clock (at most 2^64-1 ns, about 584 years)")]
    Overflow {
        /// The whole string that was refused.
        input: String,
    },
}

impl FromStr for SimDuration {
    type Err = ParseDurationError;

    /// Parses `"250ms"`, `"30s"`, `"1.5h"`, `"1h30m"`, `"2d"`; whitespace between parts is allowed.
    fn from_str(input: &str) -> Result<Self, Self::Err> {
        let s = input.trim();
        if s.is_empty() {
            return Err(ParseDurationError::Empty);
        }
        let invalid = || ParseDurationError::Invalid { input: input.to_string() };
        let overflow = || ParseDurationError::Overflow { input: input.to_string() };
        let mut rest = s;
        let mut total: u64 = 0;
        while !rest.is_empty() {
            rest = rest.trim_start();
            let num_len = rest.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(rest.len());
            let (num, after) = rest.split_at(num_len);
            let unit_len =
                after.find(|c: char| c.is_ascii_digit() || c == '.' || c.is_whitespace()).unwrap_or(after.len());
            let (unit, after) = after.split_at(unit_len);
            if num.is_empty() || unit.is_empty() {
                return Err(invalid());
            }
            let Some(&(_, scale)) = UNITS.iter().find(|(name, _)| *name == unit) else {
                return Err(ParseDurationError::UnknownUnit { input: input.to_string(), unit: unit.to_string() });
            };
            let (int_part, frac_part) = match num.split_once('.') {
                Some((i, f)) => (i, f),
                None => (num, ""),
            };
            if frac_part.contains('.') || (int_part.is_empty() && frac_part.is_empty()) {
                return Err(invalid());
            }
            let int: u64 = if int_part.is_empty() { 0 } else { int_part.parse().map_err(|_| overflow())? };
            let mut part = int.checked_mul(scale).ok_or_else(overflow)?;
            // The fraction in exact integer arithmetic: digits beyond the unit's nanosecond
            // resolution are dropped, so "1.5s" is exactly 1_500_000_000 ns.
            let mut place = scale;
            for digit in frac_part.bytes() {
                place /= 10;
                if place == 0 {
                    break;
                }
                part = part.checked_add(u64::from(digit - b'0') * place).ok_or_else(overflow)?;
            }
            total = total.checked_add(part).ok_or_else(overflow)?;
            rest = after;
        }
        Ok(SimDuration(total))
    }
}

/// Prints the largest units first with no zero parts: `"1h30m"`, `"250ms"`, `"0s"`.
impl fmt::Display for SimDuration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0 == 0 {
            return f.write_str("0s");
        }
        let mut rest = self.0;
        for &(name, scale) in UNITS.iter().rev() {
            if name == "w" || name == "µs" {
                continue; // print days rather than weeks; "us" rather than "µs"
            }
            if rest >= scale {
                write!(f, "{}{}", rest / scale, name)?;
                rest %= scale;
            }
        }
        Ok(())
    }
}

/// Prints the instant as the span since the start, prefixed with `t=`: `"t=1h30m"`.
impl fmt::Display for SimTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "t={}", SimDuration(self.0))
    }
}

/// Durations serialize as human strings so that configuration files stay readable.
impl Serialize for SimDuration {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}
impl<'de> Deserialize<'de> for SimDuration {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// `ns` nanoseconds as exact decimal seconds, trailing zeros trimmed.
fn secs_text(ns: u64) -> String {
    let (whole, frac) = (ns / 1_000_000_000, ns % 1_000_000_000);
    if frac == 0 {
        whole.to_string()
    } else {
        let f = format!("{frac:09}");
        format!("{whole}.{}", f.trim_end_matches('0'))
    }
}

/// `x` rounded to the nearest whole number (halves up) as a `u64`: 0 for NaN and for anything
/// below one half, `u64::MAX` from 2^64 up. Every float that becomes nanoseconds or bytes goes
/// through here. Same result as `x.round() as u64` (0 for NaN and negatives) for every input.
///
/// `f64::round` is a library call on baseline x86-64, and the unsigned conversion a dozen
/// instructions; this runs several times per simulated write. Below 2^52, `x + 0.5` is exact
/// from one half up, so truncating it rounds; from 2^52 every `f64` is already whole (and
/// adding one half would round to even, one too many for odd values); below 2^63 the signed
/// conversion is one instruction.
#[inline(always)]
pub fn round_to_u64(x: f64) -> u64 {
    const TWO_POW_52: f64 = 4_503_599_627_370_496.0;
    const TWO_POW_63: f64 = 9_223_372_036_854_775_808.0;
    if x < TWO_POW_52 {
        if x >= 0.5 {
            // SAFETY: 1 <= x + 0.5 <= 2^52, which truncated fits an i64; the checked `as`
            // would add a saturation test on every call.
            unsafe { (x + 0.5).to_int_unchecked::<i64>() as u64 }
        } else {
            0
        }
    } else if x < TWO_POW_63 {
        // SAFETY: 2^52 <= x < 2^63 fits an i64, and is whole.
        unsafe { x.to_int_unchecked::<i64>() as u64 }
    } else {
        // NaN gives 0 and 2^64 or more saturates, as `as` does; x is whole.
        x as u64
    }
}

/// `n` as the nearest `f64`, by the one-instruction signed conversion when it fits (see
/// [`round_to_u64`]).
#[inline(always)]
pub fn u64_to_f64(n: u64) -> f64 {
    if n <= i64::MAX as u64 { n as i64 as f64 } else { n as f64 }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fast_conversions_equal_the_plain_ones() {
        let two63 = 9_223_372_036_854_775_808.0f64;
        let cases = [
            f64::NAN,
            f64::NEG_INFINITY,
            -1e300,
            -2.0,
            -1.0,
            -0.5,
            -0.0,
            0.0,
            0.25,
            0.49999999999999994,
            0.5,
            1.5,
            2.5,
            1e9,
            655_360.7,
            two63 - 1024.0,
            two63,
            two63 * 1.5,
            18_446_744_073_709_551_615.0,
            f64::MAX,
            f64::INFINITY,
        ];
        for x in cases {
            let plain = if x.is_nan() || x <= 0.0 { 0 } else { x.round() as u64 };
            assert_eq!(round_to_u64(x), plain, "{x}");
        }
        // Where adding one half is not exact: just below one half, and odd values from 2^52.
        assert_eq!(round_to_u64(0.49999999999999994), 0);
        assert_eq!(round_to_u64(4_503_599_627_370_497.0), 4_503_599_627_370_497);
        for n in [0, 1, 1 << 53, (1 << 53) + 1, i64::MAX as u64, i64::MAX as u64 + 1, u64::MAX] {
            assert_eq!(u64_to_f64(n).to_bits(), (n as f64).to_bits(), "{n}");
        }
    }

    proptest::proptest! {
        #[test]
        fn fast_conversions_agree_on_any_bits(bits in proptest::prelude::any::<u64>()) {
            let x = f64::from_bits(bits);
            let plain = if x.is_nan() || x <= 0.0 { 0 } else { x.round() as u64 };
            proptest::prop_assert_eq!(round_to_u64(x), plain);
            proptest::prop_assert_eq!(u64_to_f64(bits).to_bits(), (bits as f64).to_bits());
        }
    }

    fn d(s: &str) -> SimDuration {
        s.parse().unwrap()
    }

    #[test]
    fn parses_the_briefs_examples() {
        assert_eq!(d("250ms").as_nanos(), 250_000_000);
        assert_eq!(d("30s").as_nanos(), 30_000_000_000);
        assert_eq!(d("4h").as_nanos(), 4 * 3_600_000_000_000);
        assert_eq!(d("2d").as_nanos(), 2 * 86_400_000_000_000);
        assert_eq!(d("1h30m").as_nanos(), 5_400_000_000_000);
        assert_eq!(d("1h 30m").as_nanos(), 5_400_000_000_000);
        assert_eq!(d("1.5s").as_nanos(), 1_500_000_000);
        assert_eq!(d("0.000000001s").as_nanos(), 1);
        assert_eq!(d("10us").as_nanos(), 10_000);
        assert_eq!(d("1w").as_nanos(), 7 * 86_400_000_000_000);
        assert_eq!(d("0s"), SimDuration::ZERO);
    }

    #[test]
    fn refuses_bad_strings_with_the_reason() {
        assert_eq!("".parse::<SimDuration>(), Err(ParseDurationError::Empty));
        for bad in ["30", "s", "1..5s", "-3s", "1h30", "abc", "3 s", "."] {
            assert!(bad.parse::<SimDuration>().is_err(), "{bad:?} should be refused");
        }
        let err = "3 years".parse::<SimDuration>().unwrap_err();
        assert!(matches!(err, ParseDurationError::Invalid { .. } | ParseDurationError::UnknownUnit { .. }));
        let err = "5y".parse::<SimDuration>().unwrap_err();
        assert_eq!(err, ParseDurationError::UnknownUnit { input: "5y".into(), unit: "y".into() });
        assert!(err.to_string().contains("allowed: ns, us, ms, s, m, h, d, w"));
        // 2^64 ns is about 213,503 days.
        assert!(matches!("300000d".parse::<SimDuration>(), Err(ParseDurationError::Overflow { .. })));
        assert!(matches!("99999999999999999999s".parse::<SimDuration>(), Err(ParseDurationError::Overflow { .. })));
    }

    #[test]
    fn prints_largest_units_first_and_round_trips() {
        assert_eq!(d("1h30m").to_string(), "1h30m");
        assert_eq!(d("90m").to_string(), "1h30m");
        assert_eq!(d("250ms").to_string(), "250ms");
        assert_eq!(d("1d1s").to_string(), "1d1s");
        assert_eq!(SimDuration::ZERO.to_string(), "0s");
        for ns in [1u64, 999, 1_000_001, 86_400_000_000_123, u64::MAX] {
            let x = SimDuration::from_nanos(ns);
            assert_eq!(x.to_string().parse::<SimDuration>().unwrap(), x);
        }
        assert_eq!(SimTime::from_nanos(1_500_000_000).to_string(), "t=1s500ms");
    }

    #[test]
    fn arithmetic_saturates_or_reports_overflow() {
        let t = SimTime::from_nanos(u64::MAX - 1);
        assert_eq!(t + SimDuration::from_nanos(5), SimTime::MAX);
        assert_eq!(t.checked_add(SimDuration::from_nanos(5)), None);
        assert_eq!(SimTime::ZERO - SimTime::from_nanos(5), SimDuration::ZERO);
        assert_eq!(SimTime::ZERO.checked_since(SimTime::from_nanos(5)), None);
        assert_eq!(SimDuration::from_secs_f64(f64::NAN), SimDuration::ZERO);
        assert_eq!(SimDuration::from_secs_f64(-1.0), SimDuration::ZERO);
        assert_eq!(SimDuration::from_secs_f64(1e300), SimDuration::MAX);
        assert_eq!(SimDuration::from_secs_f64(0.1).as_nanos(), 100_000_000);
    }

    #[test]
    fn serde_uses_human_strings() {
        #[derive(Serialize, Deserialize, PartialEq, Debug)]
        struct Cfg {
            ttl: SimDuration,
        }
        let cfg: Cfg = toml::from_str("ttl = \"1m30s\"").unwrap();
        assert_eq!(cfg.ttl, SimDuration::from_secs(90));
        assert_eq!(toml::to_string(&cfg).unwrap().trim(), "ttl = \"1m30s\"");
        let err = toml::from_str::<Cfg>("ttl = \"90\"").unwrap_err();
        assert!(err.to_string().contains("ttl"), "{err}");
    }
}
