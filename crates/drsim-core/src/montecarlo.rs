//! Monte Carlo: many disaster trials, in parallel, summarised in fixed memory.
//!
//! Trial `i` draws only from streams derived from (seed, i), so every strategy faces the same
//! disasters (common random numbers) and the outcome of a trial does not depend on which
//! thread runs it. Summaries accumulate in integers (nanoseconds, counts, 256-bit sums of
//! squares, integer histograms), so merging them is exact and order-free: a run split in
//! shards, or spread over any number of threads, gives bit-identical summaries.

use std::ops::Range;
use std::sync::{Mutex, PoisonError};

use hdrhistogram::Histogram;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::stats::{Proportion, Z95};
use crate::trial::{DisasterTrial, TrialError, TrialOutcome};

/// Largest value a histogram records; larger values are clamped (about 146 years in ns).
const HIST_MAX: u64 = u64::MAX / 4;

/// An exact, mergeable summary of non-negative integer observations (nanoseconds, bytes,
/// counts): count, sum, sum of squares, min, max and a histogram for quantiles.
///
/// It serializes to its exact state (the histogram as (value, count) pairs), so shards
/// written to disk merge exactly.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(into = "AccumulatorState", try_from = "AccumulatorState")]
pub struct Accumulator {
    count: u64,
    sum: u128,
    // The sum of squares can pass 2^128 (10^6 values of 10^18 ns²·10^18); two words hold it.
    sq_hi: u128,
    sq_lo: u128,
    min: u64,
    max: u64,
    hist: Histogram<u64>,
}

impl Default for Accumulator {
    fn default() -> Self {
        Accumulator {
            count: 0,
            sum: 0,
            sq_hi: 0,
            sq_lo: 0,
            min: u64::MAX,
            max: 0,
            // Three significant digits: quantiles within 0.1 % of the true order statistic.
            hist: Histogram::new(3).expect("3 significant digits is a valid precision"),
        }
    }
}

/// The serialized form of an [`Accumulator`].
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct AccumulatorState {
    count: u64,
    sum: u128,
    sum_sq_hi: u128,
    sum_sq_lo: u128,
    min: u64,
    max: u64,
    /// (histogram bucket value, count) pairs.
    histogram: Vec<(u64, u64)>,
}

impl From<Accumulator> for AccumulatorState {
    fn from(a: Accumulator) -> Self {
        AccumulatorState {
            count: a.count,
            sum: a.sum,
            sum_sq_hi: a.sq_hi,
            sum_sq_lo: a.sq_lo,
            min: a.min,
            max: a.max,
            histogram: a.hist.iter_recorded().map(|v| (v.value_iterated_to(), v.count_at_value())).collect(),
        }
    }
}

impl TryFrom<AccumulatorState> for Accumulator {
    type Error = String;
    fn try_from(s: AccumulatorState) -> Result<Self, String> {
        let mut a = Accumulator {
            count: s.count,
            sum: s.sum,
            sq_hi: s.sum_sq_hi,
            sq_lo: s.sum_sq_lo,
            min: s.min,
            max: s.max,
            ..Accumulator::default()
        };
        let mut n = 0u64;
        for (v, c) in s.histogram {
            a.hist.record_n(v.min(HIST_MAX), c).map_err(|e| format!("histogram value {v}: {e}"))?;
            n += c;
        }
        if n != s.count {
            return Err(format!("histogram holds {n} values but count = {}", s.count));
        }
        Ok(a)
    }
}

impl PartialEq for Accumulator {
    fn eq(&self, o: &Self) -> bool {
        (self.count, self.sum, self.sq_hi, self.sq_lo, self.min, self.max)
            == (o.count, o.sum, o.sq_hi, o.sq_lo, o.min, o.max)
            && self.hist == o.hist
    }
}

impl Accumulator {
    /// Records one value.
    pub fn record(&mut self, v: u64) {
        self.count += 1;
        self.sum += u128::from(v);
        let sq = u128::from(v) * u128::from(v);
        let (lo, carry) = self.sq_lo.overflowing_add(sq);
        self.sq_lo = lo;
        self.sq_hi += u128::from(carry);
        self.min = self.min.min(v);
        self.max = self.max.max(v);
        // Cannot fail: auto-resizing histogram, value clamped to its range.
        let _ = self.hist.record(v.min(HIST_MAX));
    }

    /// Adds another accumulator's observations (exact, order-free).
    pub fn merge(&mut self, other: &Accumulator) {
        self.count += other.count;
        self.sum += other.sum;
        let (lo, carry) = self.sq_lo.overflowing_add(other.sq_lo);
        self.sq_lo = lo;
        self.sq_hi += other.sq_hi + u128::from(carry);
        self.min = self.min.min(other.min);
        self.max = self.max.max(other.max);
        let _ = self.hist.add(&other.hist);
    }

    /// Number of values.
    pub fn count(&self) -> u64 {
        self.count
    }

    /// The exact sum of the values.
    pub fn sum(&self) -> u128 {
        self.sum
    }

    /// The value at quantile `p` over `total` observations of which these are the recorded
    /// ones, the other `total − count` censored (counting as +∞, docs/model.md "Censoring"):
    /// with `n` recorded, the quantile `p` over all is the quantile `p·total / n` of these when
    /// `p·total ≤ n`; `None` when it falls among the censored (or nothing was recorded).
    pub fn quantile_censored(&self, p: f64, total: u64) -> Option<u64> {
        let n = self.count;
        if n == 0 || total == 0 {
            return None;
        }
        let rank = p.clamp(0.0, 1.0) * total as f64;
        if rank > n as f64 {
            return None;
        }
        self.quantile(rank / n as f64)
    }

    /// The value at quantile `p` in [0, 1] (to 3 significant digits, within [min, max]).
    pub fn quantile(&self, p: f64) -> Option<u64> {
        (self.count > 0).then(|| self.hist.value_at_quantile(p.clamp(0.0, 1.0)).min(self.max).max(self.min))
    }

    /// The sample variance (divisor n − 1; 0 below two values), from the exact integer sums:
    /// `(n Σx² − (Σx)²) / (n (n − 1))`, the numerator in exact big-integer arithmetic (no
    /// cancellation: values of 10¹⁷ ns spread over 1 s keep their spread), only the final
    /// division rounded to a double.
    pub fn exact_variance(&self) -> f64 {
        use num_bigint::BigUint;
        use num_traits::ToPrimitive;
        if self.count < 2 {
            return 0.0;
        }
        let sum_sq = (BigUint::from(self.sq_hi) << 128u32) + BigUint::from(self.sq_lo);
        let n = BigUint::from(self.count);
        let sum = BigUint::from(self.sum);
        let lhs = &n * sum_sq;
        let rhs = &sum * &sum;
        // n Σx² ≥ (Σx)² (Cauchy–Schwarz) for a consistent state; an edited one is clamped.
        let numerator = if lhs > rhs { lhs - rhs } else { BigUint::ZERO };
        let denominator = &n * (n.clone() - 1u32);
        // Divide in integers first, keeping 64 extra bits of fraction, so that neither side
        // needs to fit a double.
        let scaled = (numerator << 64u32) / denominator;
        scaled.to_f64().unwrap_or(f64::MAX) / 2f64.powi(64)
    }

    /// The values at several quantiles, given in increasing order, in one pass over the
    /// histogram (each as [`quantile`](Self::quantile) gives it). `None` when empty.
    pub fn quantiles<const N: usize>(&self, ps: [f64; N]) -> Option<[u64; N]> {
        if self.count == 0 || ps.windows(2).any(|w| w[0] > w[1]) {
            return None;
        }
        let mut out = [0; N];
        for (o, v) in out.iter_mut().zip(self.hist.value_at_quantiles(ps.map(|p| p.clamp(0.0, 1.0)))) {
            *o = v.min(self.max).max(self.min);
        }
        Some(out)
    }

    /// The summary of nanosecond values, in seconds.
    pub fn summary_secs(&self) -> Option<Summary> {
        self.summary(1e-9)
    }

    /// The summary, with every value multiplied by `scale` (1e-9 to report seconds).
    /// `None` when empty.
    pub fn summary(&self, scale: f64) -> Option<Summary> {
        if self.count == 0 {
            return None;
        }
        let n = self.count as f64;
        let mean = self.sum as f64 / n;
        let var = self.exact_variance();
        let sd = var.sqrt();
        // A scale of 10^-k divides by 10^k (exact), rather than multiplying by the inexact
        // 10^-k: 60 s of nanoseconds reads 60, not 60.00000000000001.
        let divisor = if scale > 0.0 && scale < 1.0 { (1.0 / scale).round() } else { 0.0 };
        let scaled = |x: f64| {
            if divisor > 0.0 && (divisor * scale - 1.0).abs() < 1e-12 { x / divisor } else { x * scale }
        };
        let q = |p: f64| {
            let v = self.hist.value_at_quantile(p);
            // The histogram reports a bucket's highest equivalent value; never beyond the max.
            scaled(v.min(self.max).max(self.min) as f64)
        };
        Some(Summary {
            count: self.count,
            mean: scaled(mean),
            ci95: if self.count > 1 { scaled(Z95 * sd / n.sqrt()) } else { 0.0 },
            std_dev: scaled(sd),
            min: scaled(self.min as f64),
            p50: q(0.5),
            p90: q(0.9),
            p95: q(0.95),
            p99: q(0.99),
            p999: q(0.999),
            max: scaled(self.max as f64),
        })
    }
}

pub use crate::stats::Summary;

/// Counts of trials meeting an objective.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attainment {
    /// Trials meeting it.
    pub met: u64,
    /// Trials judged (those with an objective).
    pub judged: u64,
}

impl Attainment {
    fn record(&mut self, met: Option<bool>) {
        if let Some(m) = met {
            self.judged += 1;
            self.met += u64::from(m);
        }
    }
    fn merge(&mut self, o: &Attainment) {
        self.met += o.met;
        self.judged += o.judged;
    }
    /// The proportion with its Wilson interval.
    pub fn proportion(&self) -> Proportion {
        Proportion::wilson(self.met, self.judged)
    }
}

/// The mergeable summary of a set of disaster trials of one strategy.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct TrialsSummary {
    /// Trials summarised.
    pub trials: u64,
    /// RTO of the trials that recovered, in ns.
    pub rto: Accumulator,
    /// RPO of the trials with a surviving copy, in ns.
    pub rpo: Accumulator,
    /// Writes lost (trials with a surviving copy).
    pub writes_lost: Accumulator,
    /// Bytes lost (trials with a surviving copy).
    pub bytes_lost: Accumulator,
    /// Detection delay, in ns.
    pub detection: Accumulator,
    /// Time to first partial service, in ns.
    pub first_partial: Accumulator,
    /// Failback duration, in ns.
    pub failback: Accumulator,
    /// Write freeze during failback, in ns.
    pub write_freeze: Accumulator,
    /// RTO objective attainment (an unrecovered trial misses it).
    pub rto_met: Attainment,
    /// RPO objective attainment.
    pub rpo_met: Attainment,
    /// Trials that did not recover (a step out of retries, or level never reached).
    pub recovery_failed: u64,
    /// Trials interrupted by a fault during recovery.
    pub recovery_interrupted: u64,
    /// Trials that outlasted the horizon.
    pub outlasted_horizon: u64,
    /// Trials whose replication was unstable.
    pub unstable_replication: u64,
    /// Trials whose failback could never catch up.
    #[serde(default)]
    pub failback_cannot_catch_up: u64,
    /// Trials whose recovery waited for a fault's repair.
    #[serde(default)]
    pub recovery_delayed: u64,
    /// Write-blocked time before the disaster, in ns (synchronous `block` replication).
    #[serde(default)]
    pub write_blocked: Accumulator,
    /// Bytes lost during failback.
    #[serde(default)]
    pub failback_bytes_lost: Accumulator,
    /// Trials whose disaster destroyed every copy: RTO and RPO censored.
    #[serde(default)]
    pub no_surviving_copy: u64,
    /// Trials whose service came back only with the primary (every other copy lost).
    #[serde(default)]
    pub waited_for_primary: u64,
    /// Trials of a logical disaster that left a damaged store without a clean recovery point:
    /// RPO censored.
    #[serde(default)]
    pub no_clean_copy: u64,
    /// RTO less the detection delay, in ns, of the trials that recovered: the outage after
    /// detection (for a logical disaster, the time from its discovery to clean data in service).
    #[serde(default)]
    pub after_detection: Accumulator,
    /// The same summary per disaster of a mix, by label (empty without a mix). Exact like the
    /// rest: the overall figures are the merge of these.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub by_disaster: std::collections::BTreeMap<String, TrialsSummary>,
    /// With `[[stores]]`: each store's own loss, by name (the database as `database`); empty
    /// without stores.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub by_store: std::collections::BTreeMap<String, StoreSummary>,
}

/// The mergeable summary of one data store's losses over trials.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct StoreSummary {
    /// Trials summarised.
    pub trials: u64,
    /// Its RPO, in ns, over the trials where it had a copy (or waited for the primary).
    pub rpo: Accumulator,
    /// Its bytes lost over the same trials.
    pub bytes_lost: Accumulator,
    /// Trials that left no copy of it: its RPO censored.
    pub no_copy: u64,
}

impl StoreSummary {
    fn record(&mut self, o: &crate::trial::StoreOutcome) {
        self.trials += 1;
        match o.rpo {
            Some(r) => {
                self.rpo.record(r.as_nanos());
                self.bytes_lost.record(o.bytes_lost);
            }
            None => self.no_copy += 1,
        }
    }

    /// Adds another summary (exact and order-free).
    pub fn merge(&mut self, o: &StoreSummary) {
        self.trials += o.trials;
        self.rpo.merge(&o.rpo);
        self.bytes_lost.merge(&o.bytes_lost);
        self.no_copy += o.no_copy;
    }

    /// The RPO at quantile `p` over all its trials, those without a copy counting as +∞.
    pub fn rpo_quantile_all(&self, p: f64) -> Option<u64> {
        self.rpo.quantile_censored(p, self.trials)
    }
}

impl TrialsSummary {
    /// Adds one trial (and, if its disaster came from a mix, to that disaster's summary).
    pub fn record(&mut self, o: &TrialOutcome) {
        self.record_one(o);
        if o.from_mix {
            match self.by_disaster.get_mut(o.disaster.as_str()) {
                Some(s) => s.record_one(o),
                None => {
                    let mut s = TrialsSummary::default();
                    s.record_one(o);
                    self.by_disaster.insert(o.disaster.clone(), s);
                }
            }
        }
    }

    fn record_one(&mut self, o: &TrialOutcome) {
        self.trials += 1;
        if let Some(r) = o.rto {
            self.rto.record(r.as_nanos());
            self.after_detection.record(r.saturating_sub(o.detection_delay).as_nanos());
        }
        if let Some(r) = o.rpo {
            self.rpo.record(r.as_nanos());
            self.writes_lost.record(o.writes_lost);
            self.bytes_lost.record(o.bytes_lost);
        }
        self.detection.record(o.detection_delay.as_nanos());
        if let Some(p) = o.first_partial_service {
            self.first_partial.record(p.as_nanos());
        }
        if let Some(f) = o.failback {
            self.failback.record(f.as_nanos());
        }
        if let Some(f) = o.write_freeze {
            self.write_freeze.record(f.as_nanos());
        }
        self.rto_met.record(o.rto_met);
        self.rpo_met.record(o.rpo_met);
        self.recovery_failed += u64::from(o.flags.recovery_failed);
        self.recovery_interrupted += u64::from(o.flags.recovery_interrupted);
        self.outlasted_horizon += u64::from(o.flags.outlasted_horizon);
        self.unstable_replication += u64::from(o.flags.unstable_replication);
        self.failback_cannot_catch_up += u64::from(o.flags.failback_cannot_catch_up);
        self.recovery_delayed += u64::from(o.flags.recovery_delayed);
        self.write_blocked.record(o.write_blocked.as_nanos());
        self.failback_bytes_lost.record(o.failback_bytes_lost);
        self.no_surviving_copy += u64::from(o.flags.no_surviving_copy);
        self.waited_for_primary += u64::from(o.flags.waited_for_primary);
        self.no_clean_copy += u64::from(o.flags.no_clean_copy);
        for st in &o.stores {
            match self.by_store.get_mut(st.name.as_str()) {
                Some(s) => s.record(st),
                None => {
                    let mut s = StoreSummary::default();
                    s.record(st);
                    self.by_store.insert(st.name.clone(), s);
                }
            }
        }
    }

    /// Trials whose service came back within the horizon (the RTO accumulator covers these).
    pub fn recovered(&self) -> u64 {
        self.rto.count()
    }

    /// Trials censored: never recovered within the horizon (or whose recovery failed). They
    /// are never dropped: quantiles over all trials count them as +∞.
    pub fn censored(&self) -> u64 {
        self.trials.saturating_sub(self.rto.count())
    }

    /// The RTO at quantile `p` over *all* trials, the censored ones counting as +∞ (docs/model.md,
    /// "Censoring"): `Some(ns)` when the quantile falls among the recovered trials, `None` when
    /// it falls among the censored ones (the table prints `>horizon`, the JSON `null`).
    ///
    /// With `n` recovered of `N` trials, the quantile `p` over all is the quantile `p N / n`
    /// of the recovered ones when `p N <= n`.
    pub fn rto_quantile_all(&self, p: f64) -> Option<u64> {
        self.rto.quantile_censored(p, self.trials)
    }

    /// Trials with an RPO: a copy survived (the RPO accumulator covers these).
    pub fn with_copy(&self) -> u64 {
        self.rpo.count()
    }

    /// The RPO at quantile `p` over all trials, those without a surviving copy counting as +∞
    /// (as [`rto_quantile_all`](Self::rto_quantile_all) does for the RTO).
    pub fn rpo_quantile_all(&self, p: f64) -> Option<u64> {
        self.rpo.quantile_censored(p, self.trials)
    }

    /// Adds another summary (exact and order-free: shards and threads merge to the same
    /// result as one sequential run).
    pub fn merge(&mut self, o: &TrialsSummary) {
        self.trials += o.trials;
        for (a, b) in [
            (&mut self.rto, &o.rto),
            (&mut self.rpo, &o.rpo),
            (&mut self.writes_lost, &o.writes_lost),
            (&mut self.bytes_lost, &o.bytes_lost),
            (&mut self.detection, &o.detection),
            (&mut self.first_partial, &o.first_partial),
            (&mut self.failback, &o.failback),
            (&mut self.write_freeze, &o.write_freeze),
            (&mut self.write_blocked, &o.write_blocked),
            (&mut self.failback_bytes_lost, &o.failback_bytes_lost),
            (&mut self.after_detection, &o.after_detection),
        ] {
            a.merge(b);
        }
        self.rto_met.merge(&o.rto_met);
        self.rpo_met.merge(&o.rpo_met);
        self.recovery_failed += o.recovery_failed;
        self.recovery_interrupted += o.recovery_interrupted;
        self.outlasted_horizon += o.outlasted_horizon;
        self.unstable_replication += o.unstable_replication;
        self.failback_cannot_catch_up += o.failback_cannot_catch_up;
        self.recovery_delayed += o.recovery_delayed;
        self.no_surviving_copy += o.no_surviving_copy;
        self.waited_for_primary += o.waited_for_primary;
        self.no_clean_copy += o.no_clean_copy;
        for (label, b) in &o.by_disaster {
            match self.by_disaster.get_mut(label) {
                Some(a) => a.merge(b),
                None => {
                    self.by_disaster.insert(label.clone(), b.clone());
                }
            }
        }
        for (name, b) in &o.by_store {
            match self.by_store.get_mut(name) {
                Some(a) => a.merge(b),
                None => {
                    self.by_store.insert(name.clone(), b.clone());
                }
            }
        }
    }
}

/// Runs trials `range` of `trial` with `seed` on the current rayon pool and summarises them.
///
/// Memory does not grow with the number of trials. The result is the same for any number of
/// threads (see the module documentation).
pub fn run_trials(trial: &DisasterTrial<'_>, seed: u64, range: Range<u64>) -> Result<TrialsSummary, TrialError> {
    // One summary per worker thread, made when the thread first needs it. A summary per rayon
    // split (dozens on two threads), each growing its histograms from empty and merged up a
    // tree, cost a tenth of the trials' own time and did not scale. The accumulators are exact
    // and order-free, so the result is the same however the trials fall on the threads.
    let slots: Vec<Mutex<Option<TrialsSummary>>> =
        (0..rayon::current_num_threads().max(1)).map(|_| Mutex::new(None)).collect();
    range.into_par_iter().try_for_each(|i| -> Result<(), TrialError> {
        let outcome = trial.run(seed, i)?;
        let k = rayon::current_thread_index().unwrap_or(0) % slots.len();
        // Only this thread takes this lock (uncontended); a poisoned one still holds whole
        // summaries, since `record` cannot panic halfway through a value.
        let mut slot = slots[k].lock().unwrap_or_else(PoisonError::into_inner);
        slot.get_or_insert_with(TrialsSummary::default).record(&outcome);
        Ok(())
    })?;
    let mut total = TrialsSummary::default();
    for slot in slots {
        if let Some(s) = slot.into_inner().unwrap_or_else(PoisonError::into_inner) {
            total.merge(&s);
        }
    }
    Ok(total)
}

/// A paired comparison of two strategies over the same disasters: the mean of the per-trial
/// differences (B − A) of a metric, with its 95 % confidence interval.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct PairedDifference {
    /// Pairs in which both values exist.
    pub pairs: u64,
    /// Mean of B − A.
    pub mean: f64,
    /// Half-width of the 95 % interval of the mean.
    pub ci95: f64,
}

/// Exact, mergeable accumulator of paired differences (integers, so that the result does not
/// depend on the order of merging).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PairedAccumulator {
    n: u64,
    sum: i128,
    sq_hi: u128,
    sq_lo: u128,
}

impl PairedAccumulator {
    /// Records one pair's values (A, B); pairs with a missing value are skipped.
    pub fn record(&mut self, a: Option<u64>, b: Option<u64>) {
        if let (Some(x), Some(y)) = (a, b) {
            let d = i128::from(y) - i128::from(x);
            let sq = d.unsigned_abs() * d.unsigned_abs();
            let (lo, carry) = self.sq_lo.overflowing_add(sq);
            self.n += 1;
            self.sum += d;
            self.sq_lo = lo;
            self.sq_hi += u128::from(carry);
        }
    }
    /// Adds another accumulator.
    pub fn merge(&mut self, o: &PairedAccumulator) {
        let (lo, carry) = self.sq_lo.overflowing_add(o.sq_lo);
        self.n += o.n;
        self.sum += o.sum;
        self.sq_lo = lo;
        self.sq_hi += o.sq_hi + u128::from(carry);
    }
    /// The mean difference and its interval, values multiplied by `scale`.
    pub fn difference(&self, scale: f64) -> PairedDifference {
        if self.n == 0 {
            return PairedDifference { pairs: 0, mean: 0.0, ci95: 0.0 };
        }
        let n = self.n as f64;
        let mean = self.sum as f64 / n;
        let sum_sq = self.sq_hi as f64 * 2f64.powi(128) + self.sq_lo as f64;
        let var = if self.n > 1 { ((sum_sq - n * mean * mean) / (n - 1.0)).max(0.0) } else { 0.0 };
        PairedDifference { pairs: self.n, mean: mean * scale, ci95: Z95 * (var / n).sqrt() * scale }
    }
}

/// Compares metric `metric` (in ns, `None` when absent) of strategies A and B on trials
/// `range`: common random numbers make the paired interval much narrower than the difference
/// of two independent means. The result is in ns.
pub fn paired_difference(
    a: &DisasterTrial<'_>,
    b: &DisasterTrial<'_>,
    seed: u64,
    range: Range<u64>,
    metric: impl Fn(&TrialOutcome) -> Option<u64> + Sync,
) -> Result<PairedDifference, TrialError> {
    let acc = range
        .into_par_iter()
        .try_fold(PairedAccumulator::default, |mut acc, i| -> Result<_, TrialError> {
            acc.record(metric(&a.run(seed, i)?), metric(&b.run(seed, i)?));
            Ok(acc)
        })
        .try_reduce(PairedAccumulator::default, |mut x, y| -> Result<_, TrialError> {
            x.merge(&y);
            Ok(x)
        })?;
    Ok(acc.difference(1.0))
}

// Checks of deserialized state (issue 14, item 8). `drsim merge` and `--resume` read these
// summaries from files a user may have edited: every invariant that recording maintains is
// checked before the state is used, and merges are checked for overflow.

/// A summary state that recording could not have produced, or a merge that would overflow.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct StateError {
    /// The field, as a path in the serialized state (e.g. `rto.sum`, `rto_met.met`).
    pub field: String,
    /// What is wrong and what is allowed.
    pub message: String,
}

fn state_err(field: &str, message: String) -> StateError {
    StateError { field: field.to_string(), message }
}

/// `a × b` as a 256-bit number (hi, lo).
fn mul_wide(a: u128, b: u64) -> (u128, u128) {
    const MASK: u128 = (1 << 64) - 1;
    let lo = (a & MASK) * u128::from(b);
    let hi = (a >> 64) * u128::from(b);
    let (low, carry) = lo.overflowing_add(hi << 64);
    ((hi >> 64) + u128::from(carry), low)
}

/// (hi, lo) + (hi, lo) as 256 bits, `None` on overflow.
fn add_wide(a: (u128, u128), b: (u128, u128)) -> Option<(u128, u128)> {
    let (lo, carry) = a.1.overflowing_add(b.1);
    Some((a.0.checked_add(b.0)?.checked_add(u128::from(carry))?, lo))
}

impl Accumulator {
    /// Checks the invariants of a deserialized accumulator: count within `max_count`; an
    /// empty one holds nothing; otherwise min ≤ max, count × min ≤ sum ≤ count × max and
    /// count × min² ≤ Σx² ≤ count × max². (The histogram total equals the count by
    /// construction: deserializing refuses anything else.) `field` names it in errors.
    pub fn validate(&self, field: &str, max_count: u64) -> Result<(), StateError> {
        let f = |k: &str| format!("{field}.{k}");
        if self.count > max_count {
            return Err(state_err(&f("count"), format!("{} is more than the {max_count} trials", self.count)));
        }
        let sq = (self.sq_hi, self.sq_lo);
        if self.count == 0 {
            if self.sum != 0 || sq != (0, 0) || self.max != 0 || self.min != u64::MAX {
                return Err(state_err(
                    field,
                    "count = 0 but the sums, min or max are not those of an empty accumulator".into(),
                ));
            }
            return Ok(());
        }
        if self.min > self.max {
            return Err(state_err(&f("min"), format!("{} is above max = {}", self.min, self.max)));
        }
        let n = u128::from(self.count);
        let (lo, hi) = (n * u128::from(self.min), n * u128::from(self.max));
        if !(lo..=hi).contains(&self.sum) {
            return Err(state_err(&f("sum"), format!("{} is outside count × [min, max] = [{lo}, {hi}]", self.sum)));
        }
        let (min2, max2) = (u128::from(self.min) * u128::from(self.min), u128::from(self.max) * u128::from(self.max));
        if sq < mul_wide(min2, self.count) || sq > mul_wide(max2, self.count) {
            return Err(state_err(&f("sum_sq_hi"), "the sum of squares is outside count × [min², max²]".into()));
        }
        Ok(())
    }

    /// Whether merging `other` into this accumulator stays within the integers that hold it.
    pub fn can_merge(&self, other: &Accumulator) -> bool {
        self.count.checked_add(other.count).is_some()
            && self.sum.checked_add(other.sum).is_some()
            && add_wide((self.sq_hi, self.sq_lo), (other.sq_hi, other.sq_lo)).is_some()
    }
}

impl Attainment {
    /// Checks met ≤ judged ≤ `trials`.
    pub fn validate(&self, field: &str, trials: u64) -> Result<(), StateError> {
        if self.judged > trials {
            return Err(state_err(
                &format!("{field}.judged"),
                format!("{} is more than the {trials} trials", self.judged),
            ));
        }
        if self.met > self.judged {
            return Err(state_err(
                &format!("{field}.met"),
                format!("{} is more than judged = {}", self.met, self.judged),
            ));
        }
        Ok(())
    }
}

impl PairedAccumulator {
    /// Checks a deserialized state: at most `max_pairs` pairs, |Σd| ≤ n × (2^64 − 1) and
    /// Σd² ≤ n × (2^64 − 1)² (each difference is one of two u64 values), nothing when empty.
    pub fn validate(&self, field: &str, max_pairs: u64) -> Result<(), StateError> {
        if self.n > max_pairs {
            return Err(state_err(&format!("{field}.n"), format!("{} is more than the {max_pairs} trials", self.n)));
        }
        let sq = (self.sq_hi, self.sq_lo);
        let m = u128::from(u64::MAX);
        if self.sum.unsigned_abs() > u128::from(self.n) * m {
            return Err(state_err(&format!("{field}.sum"), format!("{} is beyond n × (2^64 − 1)", self.sum)));
        }
        if sq > mul_wide(m * m, self.n) || (self.n == 0 && sq != (0, 0)) {
            return Err(state_err(&format!("{field}.sq_hi"), "the sum of squares is beyond n × (2^64 − 1)²".into()));
        }
        Ok(())
    }

    /// Whether merging `o` stays within the integers that hold the state.
    pub fn can_merge(&self, o: &PairedAccumulator) -> bool {
        self.n.checked_add(o.n).is_some()
            && self.sum.checked_add(o.sum).is_some()
            && add_wide((self.sq_hi, self.sq_lo), (o.sq_hi, o.sq_lo)).is_some()
    }
}

impl TrialsSummary {
    /// The accumulators by field name.
    fn accumulators(&self) -> [(&'static str, &Accumulator); 11] {
        [
            ("rto", &self.rto),
            ("rpo", &self.rpo),
            ("writes_lost", &self.writes_lost),
            ("bytes_lost", &self.bytes_lost),
            ("detection", &self.detection),
            ("first_partial", &self.first_partial),
            ("failback", &self.failback),
            ("write_freeze", &self.write_freeze),
            ("write_blocked", &self.write_blocked),
            ("failback_bytes_lost", &self.failback_bytes_lost),
            ("after_detection", &self.after_detection),
        ]
    }

    /// Checks the invariants of a deserialized summary of `trials` trials: `trials` matches,
    /// every count and flag count is at most `trials`, met ≤ judged, and each accumulator is
    /// consistent ([`Accumulator::validate`]). Errors name the field.
    pub fn validate(&self, trials: u64) -> Result<(), StateError> {
        if self.trials != trials {
            return Err(state_err("trials", format!("{} but the trial range holds {trials}", self.trials)));
        }
        for (name, a) in self.accumulators() {
            a.validate(name, trials)?;
        }
        self.rto_met.validate("rto_met", trials)?;
        self.rpo_met.validate("rpo_met", trials)?;
        for (name, v) in [
            ("recovery_failed", self.recovery_failed),
            ("recovery_interrupted", self.recovery_interrupted),
            ("outlasted_horizon", self.outlasted_horizon),
            ("unstable_replication", self.unstable_replication),
            ("failback_cannot_catch_up", self.failback_cannot_catch_up),
            ("recovery_delayed", self.recovery_delayed),
            ("no_surviving_copy", self.no_surviving_copy),
            ("waited_for_primary", self.waited_for_primary),
            ("no_clean_copy", self.no_clean_copy),
        ] {
            if v > trials {
                return Err(state_err(name, format!("{v} is more than the {trials} trials")));
            }
        }
        if !self.by_disaster.is_empty() {
            let mut sum = 0u64;
            for (label, s) in &self.by_disaster {
                s.validate(s.trials).map_err(|e| state_err(&format!("by_disaster.{label}.{}", e.field), e.message))?;
                if !s.by_disaster.is_empty() {
                    return Err(state_err(
                        &format!("by_disaster.{label}.by_disaster"),
                        "is not empty: one level only".into(),
                    ));
                }
                sum = sum.saturating_add(s.trials);
            }
            if sum != trials {
                return Err(state_err("by_disaster", format!("holds {sum} trials, not the {trials} of the summary")));
            }
        }
        // Every trial of a deployment with stores records every store.
        for (name, s) in &self.by_store {
            let field = |f: &str| format!("by_store.{name}.{f}");
            if s.trials != trials {
                return Err(state_err(&field("trials"), format!("{} but the summary holds {trials}", s.trials)));
            }
            s.rpo.validate(&field("rpo"), trials)?;
            s.bytes_lost.validate(&field("bytes_lost"), trials)?;
            if s.rpo.count().checked_add(s.no_copy) != Some(trials) || s.bytes_lost.count() != s.rpo.count() {
                return Err(state_err(
                    &field("no_copy"),
                    format!("{} plus {} RPOs is not the {trials} trials", s.no_copy, s.rpo.count()),
                ));
            }
        }
        Ok(())
    }

    /// [`TrialsSummary::merge`], refused (with nothing changed) if a count or sum would
    /// overflow.
    pub fn checked_merge(&mut self, o: &TrialsSummary) -> Result<(), StateError> {
        if self.trials.checked_add(o.trials).is_none() {
            return Err(state_err("trials", "the merged count overflows".into()));
        }
        for ((name, a), (_, b)) in self.accumulators().into_iter().zip(o.accumulators()) {
            if !a.can_merge(b) {
                return Err(state_err(name, "the merged count or sums overflow".into()));
            }
        }
        for (label, b) in &o.by_disaster {
            if let Some(a) = self.by_disaster.get(label) {
                for ((name, x), (_, y)) in a.accumulators().into_iter().zip(b.accumulators()) {
                    if !x.can_merge(y) {
                        return Err(state_err(
                            &format!("by_disaster.{label}.{name}"),
                            "the merged count or sums overflow".into(),
                        ));
                    }
                }
            }
        }
        for (name, b) in &o.by_store {
            if let Some(a) = self.by_store.get(name)
                && !(a.rpo.can_merge(&b.rpo) && a.bytes_lost.can_merge(&b.bytes_lost))
            {
                return Err(state_err(&format!("by_store.{name}"), "the merged count or sums overflow".into()));
            }
        }
        self.merge(o);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    /// Issue 14 item 9: values near 1,000 days (8.64·10¹⁶ ns) spread uniformly over one second
    /// have a standard deviation of 1/√12 s = 0.288675 s; the old floating formula
    /// (Σx² − n·mean²) cancelled to 0. By hand: the values 8.64·10¹⁶ + k·10⁸ ns, k = 0..10,
    /// have sample variance 10¹⁶ · Var(0..10) = 10¹⁶ · 11 = 1.1·10¹⁷ ns², sd 3.3166·10⁸ ns.
    #[test]
    fn variance_is_exact_for_large_values_with_a_small_spread() {
        let mut a = super::Accumulator::default();
        for k in 0..=10u64 {
            a.record(86_400_000_000_000_000 + k * 100_000_000);
        }
        let s = a.summary(1e-9).unwrap();
        assert!((s.std_dev - (1.1e17f64).sqrt() * 1e-9).abs() < 1e-12, "{}", s.std_dev);
        // Uniform on [1000 d, 1000 d + 1 s), 10,000 evenly spaced points: sd → 1/√12 s.
        let mut u = super::Accumulator::default();
        for k in 0..10_000u64 {
            u.record(86_400_000_000_000_000 + k * 100_000);
        }
        let sd = u.summary(1e-9).unwrap().std_dev;
        assert!((sd - 0.288_675_134_6).abs() < 1e-4, "{sd}");
        // Constant values: exactly zero.
        let mut c = super::Accumulator::default();
        (0..5).for_each(|_| c.record(u64::MAX / 3));
        assert_eq!(c.summary(1.0).unwrap().std_dev, 0.0);
    }

    /// One pass for several quantiles gives what one query each gives.
    #[test]
    fn quantiles_in_one_pass_equal_single_queries() {
        let mut a = super::Accumulator::default();
        for v in [0u64, 1, 5, 900, 40_000_123, 40_000_999, 41_500_000, 7, 3_000_000_000] {
            a.record(v);
        }
        let ps = [0.0, 0.1, 0.5, 0.9, 0.99, 1.0];
        let one = a.quantiles(ps).unwrap();
        for (p, q) in ps.iter().zip(one) {
            assert_eq!(Some(q), a.quantile(*p), "p = {p}");
        }
        assert_eq!(super::Accumulator::default().quantiles([0.5]), None);
        assert_eq!(a.quantiles([0.9, 0.5]), None, "out of order");
    }

    use super::*;

    /// By hand: 1..=10 → mean 5.5, sd 3.02765, min 1, max 10; merging two halves gives the
    /// same accumulator as recording all ten.
    #[test]
    fn accumulator_by_hand_and_exact_merge() {
        let mut all = Accumulator::default();
        let (mut a, mut b) = (Accumulator::default(), Accumulator::default());
        for v in 1..=10u64 {
            all.record(v);
            if v % 3 == 0 { a.record(v) } else { b.record(v) }
        }
        let mut m = b.clone();
        m.merge(&a);
        assert_eq!(m, all);
        let json = serde_json::to_string(&all).unwrap();
        let back: Accumulator = serde_json::from_str(&json).unwrap();
        assert_eq!(back, all, "the serialized state is exact");
        let s = all.summary(1.0).unwrap();
        assert_eq!((s.count, s.mean, s.min, s.max), (10, 5.5, 1.0, 10.0));
        assert!((s.std_dev - 3.027_650_354).abs() < 1e-8);
        assert_eq!(s.p50, 5.0);
        assert!(Accumulator::default().summary(1.0).is_none());
    }

    /// Sums of squares past 2^128 carry into the high word: 2^20 values of 2^62 have
    /// Σx² = 2^144, mean 2^62, variance 0.
    #[test]
    fn huge_sums_of_squares_carry() {
        let mut a = Accumulator::default();
        for _ in 0..(1 << 20) {
            a.record(1 << 62);
        }
        assert_eq!(a.sq_hi, 1 << 16);
        let s = a.summary(1.0).unwrap();
        assert_eq!(s.std_dev, 0.0);
        assert_eq!(s.mean, 2f64.powi(62));
    }

    /// Issue 14, item 8: states recording cannot produce are refused, naming the field;
    /// merges that would overflow are refused.
    #[test]
    fn edited_states_are_refused_by_field() {
        let mut a = Accumulator::default();
        for v in [5u64, 7, 9] {
            a.record(v);
        }
        a.validate("rto", 3).unwrap();
        assert_eq!(a.validate("rto", 2).unwrap_err().field, "rto.count");
        let mut bad = a.clone();
        bad.sum = u128::MAX;
        assert_eq!(bad.validate("rto", 3).unwrap_err().field, "rto.sum");
        let mut bad = a.clone();
        (bad.min, bad.max) = (10, 9);
        assert_eq!(bad.validate("rto", 3).unwrap_err().field, "rto.min");
        let mut bad = a.clone();
        bad.sq_hi = 1;
        assert_eq!(bad.validate("rto", 3).unwrap_err().field, "rto.sum_sq_hi");
        let bad = Accumulator { sum: 1, ..Accumulator::default() };
        assert_eq!(bad.validate("rpo", 3).unwrap_err().field, "rpo");
        assert_eq!(mul_wide(u128::MAX, 2), (1, u128::MAX - 1));
        assert_eq!(mul_wide(u128::MAX, u64::MAX), (u128::from(u64::MAX) - 1, u128::MAX - u128::from(u64::MAX) + 1));

        let mut s = TrialsSummary {
            trials: 3,
            rto: a.clone(),
            rto_met: Attainment { met: 2, judged: 3 },
            ..TrialsSummary::default()
        };
        s.validate(3).unwrap();
        assert_eq!(s.validate(4).unwrap_err().field, "trials");
        let mut bad = s.clone();
        bad.rto_met.met = 1_000_000;
        assert_eq!(bad.validate(3).unwrap_err().field, "rto_met.met");
        let mut bad = s.clone();
        bad.unstable_replication = 4;
        assert_eq!(bad.validate(3).unwrap_err().field, "unstable_replication");

        let mut big = s.clone();
        big.rto.sum = u128::MAX - 1;
        let before = s.clone();
        assert_eq!(s.checked_merge(&big).unwrap_err().field, "rto");
        assert_eq!(s, before, "nothing changed");
        s.checked_merge(&before).unwrap();
        assert_eq!(s.trials, 6);

        let mut p = PairedAccumulator::default();
        p.record(Some(3), Some(10));
        p.validate("d", 1).unwrap();
        assert_eq!(p.validate("d", 0).unwrap_err().field, "d.n");
        let mut bad = p;
        bad.sum = i128::MAX;
        assert_eq!(bad.validate("d", 1).unwrap_err().field, "d.sum");
    }
}
