//! [`TrialsSummary`]: the mergeable summary of one strategy's trials (RTO, RPO, losses, flags,
//! objectives met, per disaster and per data store), and its checks.

use serde::{Deserialize, Serialize};

use crate::stats::Proportion;
use crate::stats::{Accumulator, StateError, state_err};
use crate::trial::TrialOutcome;

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
    /// The proportion met, with its 95 % Wilson interval; `None` when no trial was judged
    /// (no objective, or no trial).
    pub fn proportion(&self) -> Option<Proportion> {
        (self.judged > 0).then(|| Proportion::wilson(self.met, self.judged))
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
    use super::*;

    /// Issue 14, item 8: summaries recording cannot produce are refused, naming the field;
    /// merges that would overflow are refused.
    #[test]
    fn edited_summaries_are_refused_by_field() {
        let mut a = Accumulator::default();
        for v in [5u64, 7, 9] {
            a.record(v);
        }
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
    }
}
