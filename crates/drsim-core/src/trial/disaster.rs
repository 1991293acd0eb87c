//! What a disaster trial is given: the deployment, the disaster or the mix, detection,
//! objectives, faults; and a ready-made two-region scenario.

use super::*;

/// The disaster of a disaster trial.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DisasterSpec {
    /// What fails (must take down the primary).
    pub target: FailureTarget,
    /// Time before the earliest disaster, for replication to reach steady state.
    pub warm_up: SimDuration,
    /// The disaster strikes uniformly within this window after the warm-up.
    pub window: SimDuration,
    /// Time until the primary is back (and failback can start).
    pub repair: DurationDistribution,
    /// Whether the primary's data survives (a power or network outage) or must be resynced
    /// whole (a destroyed site).
    #[serde(default)]
    pub primary_data_survives: bool,
}

/// One disaster of a mix: what fails, how often relative to the others, and how the primary
/// comes back (`[[disasters]]` in a scenario file).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DisasterChoice {
    /// A label for reports (default: the target, e.g. `zone a1`).
    #[serde(default)]
    pub label: Option<String>,
    /// Relative weight: the probability of this disaster is its weight over the sum.
    pub weight: f64,
    /// What fails (must take down the primary). Exactly one of `target`, `corruption`,
    /// `ransomware` and `deletion` is given.
    #[serde(default)]
    pub target: Option<FailureTarget>,
    /// A logical disaster: data corrupted (a bad migration, a bug); see [`crate::corruption`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub corruption: Option<crate::corruption::DataDisaster>,
    /// A logical disaster: ransomware, which also destroys the backups it can reach.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ransomware: Option<crate::corruption::DataDisaster>,
    /// A logical disaster: data deleted by an operator.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deletion: Option<crate::corruption::DataDisaster>,
    /// Time until the primary is back (default: `[disaster]`'s).
    #[serde(default)]
    pub repair: Option<DurationDistribution>,
    /// Whether the primary's data survives (default: `[disaster]`'s).
    #[serde(default)]
    pub primary_data_survives: Option<bool>,
}

impl DisasterChoice {
    /// An entry of the mix whose `target` fails.
    pub fn infrastructure(target: FailureTarget, weight: f64) -> Self {
        DisasterChoice {
            label: None,
            weight,
            target: Some(target),
            corruption: None,
            ransomware: None,
            deletion: None,
            repair: None,
            primary_data_survives: None,
        }
    }

    /// The label reports use: the given one, else the target (`zone a1`) or the logical
    /// disaster and its stores (`ransomware database, media`).
    pub fn label(&self) -> String {
        if let Some(l) = &self.label {
            return l.clone();
        }
        match (&self.target, self.data()) {
            (Some(t), _) => t.to_string(),
            (None, Some((kind, d))) => d.label(kind),
            (None, None) => "(no target)".into(),
        }
    }

    /// The logical disaster of this entry, if it is one.
    pub fn data(&self) -> Option<(crate::corruption::DataDisasterKind, &crate::corruption::DataDisaster)> {
        crate::corruption::given_kinds(&self.corruption, &self.ransomware, &self.deletion).next()
    }

    /// Checks that exactly one of `target`, `corruption`, `ransomware`, `deletion` is given, and
    /// the logical disaster's own keys; the message names the key.
    pub fn check_kind(&self) -> Result<(), String> {
        let given = usize::from(self.target.is_some())
            + crate::corruption::given_kinds(&self.corruption, &self.ransomware, &self.deletion).count();
        if given != 1 {
            return Err(format!(
                "gives {given} of target, corruption, ransomware and deletion: give exactly one (what fails, or which logical disaster)"
            ));
        }
        match self.data() {
            Some((kind, d)) => d.validate(kind).map_err(|m| format!("{kind}.{m}")),
            None => Ok(()),
        }
    }
}

/// RTO and RPO objectives.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Objectives {
    /// Recovery time objective.
    #[serde(default)]
    pub rto: Option<SimDuration>,
    /// Recovery point objective.
    #[serde(default)]
    pub rpo: Option<SimDuration>,
}

impl Objectives {
    /// Whether an RTO and an RPO meet the objectives (`None`: no such objective); a censored
    /// value (`None`) misses its objective.
    pub fn judge(&self, rto: Option<SimDuration>, rpo: Option<SimDuration>) -> (Option<bool>, Option<bool>) {
        let met = |objective: Option<SimDuration>, v: Option<SimDuration>| objective.map(|o| v.is_some_and(|v| v <= o));
        (met(self.rto, rto), met(self.rpo, rpo))
    }
}

/// Everything a disaster trial needs besides the strategy.
#[derive(Clone, Debug)]
pub struct DisasterScenario {
    /// The deployment.
    pub deployment: Deployment,
    /// The disaster (with a mix: its timing, and the defaults of the mix's entries).
    pub event: DisasterSpec,
    /// A disaster mix: each trial draws one of these (weights over targets) from its own random
    /// stream, so every strategy faces the same draws. Empty: every trial has `disaster`.
    pub mix: Vec<DisasterChoice>,
    /// How it is detected.
    pub detection: Detection,
    /// Fraction of production demand that counts as "service restored" (default 1).
    pub service_level: f64,
    /// Objectives.
    pub objectives: Objectives,
    /// Failure processes active over the whole trial, each from its stationary state: links
    /// failing before the disaster (replication queues, blocks or degrades), the DR site down
    /// when the disaster strikes or failing mid-recovery, the primary or the way back failing
    /// during failback (docs/model.md, "Fault processes").
    pub faults: Vec<FailureProcess>,
    /// How long after the disaster the trial follows recovery and failback.
    pub horizon: SimDuration,
}

/// A ready-made two-region scenario for tests and quick studies: primary `P` in region `A`
/// (zone `a1`), standby `S` in region `B` (zone `b1`), one link `P → S`, Poisson writes with
/// exponential sizes, and a failure of region `A`.
///
/// ```
/// use drsim_core::trial::TwoRegions;
/// let scenario = TwoRegions { writes_per_s: 20.0, ..TwoRegions::default() }.scenario();
/// assert_eq!(scenario.deployment.primary, "P");
/// ```
#[derive(Clone, Debug)]
pub struct TwoRegions {
    /// Production instances (`instances_needed` of both sites).
    pub needed: u32,
    /// Poisson write rate.
    pub writes_per_s: f64,
    /// Mean of the exponential write sizes.
    pub mean_write_bytes: f64,
    /// One-way latency of the link.
    pub latency: DurationDistribution,
    /// Bandwidth of the link.
    pub bandwidth_bytes_per_s: f64,
    /// Size of the data set.
    pub dataset_bytes: f64,
    /// Detection.
    pub detection: Detection,
    /// Warm-up before the earliest disaster.
    pub warm_up: SimDuration,
    /// Window in which the disaster strikes.
    pub window: SimDuration,
    /// Time until the primary is back.
    pub repair: DurationDistribution,
    /// Whether the primary's data survives.
    pub primary_data_survives: bool,
    /// How long after the disaster the trial follows recovery and failback.
    pub horizon: SimDuration,
}

impl Default for TwoRegions {
    /// 8 instances; 5 writes/s of 64 KiB; 40 ms, 50 MB/s; a 10 GB data set; detection after a
    /// fixed 90 s; disaster at 60 s + U(0, 60 s); primary back after 2 h, data lost; 7 days.
    fn default() -> Self {
        TwoRegions {
            needed: 8,
            writes_per_s: 5.0,
            mean_write_bytes: 65_536.0,
            latency: DurationDistribution::fixed(SimDuration::from_millis(40)),
            bandwidth_bytes_per_s: 50e6,
            dataset_bytes: 10e9,
            detection: Detection::Delay { delay: DurationDistribution::fixed(SimDuration::from_secs(90)) },
            warm_up: SimDuration::from_secs(60),
            window: SimDuration::from_secs(60),
            repair: DurationDistribution::fixed(SimDuration::from_hours(2)),
            primary_data_survives: false,
            horizon: SimDuration::from_days(7),
        }
    }
}

impl TwoRegions {
    /// Builds the scenario.
    ///
    /// # Panics
    /// If a number is out of range (a negative rate or bandwidth): this is a test helper, and
    /// its fields are meant to be set by hand.
    pub fn scenario(self) -> DisasterScenario {
        use crate::engine::Distribution;
        use crate::model::{LinkSpec, SiteSpec, Topology, TopologySpec, WorkloadSpec, ZoneSpec};
        let site = |name: &str, zone: &str| SiteSpec {
            name: name.into(),
            zone: zone.into(),
            instances_running: 0,
            instances_needed: self.needed,
        };
        let topology = Topology::new(TopologySpec {
            regions: vec!["A".into(), "B".into()],
            zones: vec![
                ZoneSpec { name: "a1".into(), region: "A".into() },
                ZoneSpec { name: "b1".into(), region: "B".into() },
            ],
            sites: vec![site("P", "a1"), site("S", "b1")],
            links: vec![LinkSpec::new("P", "S", self.latency, self.bandwidth_bytes_per_s).expect("valid link")],
        })
        .expect("valid topology");
        let sizes = Distribution::exponential(self.mean_write_bytes).expect("valid write size");
        DisasterScenario {
            deployment: Deployment {
                topology,
                primary: "P".into(),
                standby: "S".into(),
                workload: WorkloadSpec::poisson(self.writes_per_s, sizes).expect("valid workload"),
                dataset_bytes: self.dataset_bytes,
                stores: vec![],
                tiers: vec![],
            },
            event: DisasterSpec {
                target: FailureTarget::Region("A".into()),
                warm_up: self.warm_up,
                window: self.window,
                repair: self.repair,
                primary_data_survives: self.primary_data_survives,
            },
            mix: vec![],
            detection: self.detection,
            service_level: 1.0,
            objectives: Objectives::default(),
            faults: vec![],
            horizon: self.horizon,
        }
    }
}
