//! Scenario files: a deployment, a disaster and the strategies to compare, in TOML.
//!
//! The format is documented key by key in `docs/scenario-format.md`; every key is checked,
//! unknown keys are refused, and every error names the file and the key (and the line where
//! the parser knows it). Strategy parameters are kept as TOML tables here, because the core
//! knows no strategy: whoever builds the strategies (the `drsim` facade, a user's program)
//! reads each table into that strategy's own parameter type.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::cost::{CostSpec, ImpactSpec};
use crate::engine::DurationDistribution;
use crate::engine::SimDuration;
use crate::horizon::HorizonSpec;
use crate::model::FailureTarget;
use crate::model::{FailureProcess, Topology, TopologySpec, WorkloadSpec};
use crate::recovery::Replica;
use crate::recovery::{Deployment, Detection};
use crate::trial::{DisasterChoice, DisasterScenario, DisasterSpec, Objectives};

fn default_count() -> u64 {
    1000
}
fn default_seed() -> u64 {
    42
}
fn default_horizon() -> SimDuration {
    SimDuration::from_days(30)
}
fn default_level() -> f64 {
    1.0
}

/// Monte Carlo settings of a scenario.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrialSettings {
    /// Disaster trials per strategy (default 1000).
    #[serde(default = "default_count")]
    pub count: u64,
    /// Seed of every random stream (default 42).
    #[serde(default = "default_seed")]
    pub seed: u64,
    /// How long after the disaster a trial follows recovery and failback (default 30 days).
    #[serde(default = "default_horizon")]
    pub horizon: SimDuration,
}

impl Default for TrialSettings {
    fn default() -> Self {
        TrialSettings { count: default_count(), seed: default_seed(), horizon: default_horizon() }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DeploymentFile {
    primary: String,
    standby: String,
    #[serde(default)]
    dataset_bytes: f64,
    #[serde(default)]
    tiers: Vec<crate::recovery::Tier>,
}

/// One strategy to run, with its parameters.
#[derive(Clone, Debug, PartialEq, serde::Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StrategyEntry {
    /// Which strategy: `backup_restore`, `pilot_light`, `warm_standby`, `multi_site`, or a name
    /// a user's program knows.
    pub kind: String,
    /// A label for reports (default: the kind).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The strategy's parameters; absent keys take the strategy's documented defaults.
    #[serde(default)]
    pub params: toml::Table,
    /// Copies kept besides the standby's, each on its own site in its own replication mode
    /// (whoever builds the strategy wraps it in [`crate::recovery::WithReplicas`]).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub replicas: Vec<Replica>,
}

impl StrategyEntry {
    /// An entry of `kind` with typed parameters (for instance `WarmStandbyParams`), as a
    /// scenario file would hold them: no `toml::Table` in user code.
    ///
    /// ```
    /// # use drsim_core::scenario::StrategyEntry;
    /// #[derive(serde::Serialize)]
    /// struct Params { standby_fraction: f64 }
    /// let e = StrategyEntry::typed("warm_standby", &Params { standby_fraction: 0.5 })?.named("half");
    /// assert_eq!((e.kind.as_str(), e.label()), ("warm_standby", "half"));
    /// assert_eq!(e.params["standby_fraction"].as_float(), Some(0.5));
    /// # Ok::<(), toml::ser::Error>(())
    /// ```
    pub fn typed<P: serde::Serialize>(kind: &str, params: &P) -> Result<Self, toml::ser::Error> {
        Ok(StrategyEntry {
            kind: kind.to_string(),
            name: None,
            params: toml::Table::try_from(params)?,
            replicas: vec![],
        })
    }

    /// The same entry with a label for reports.
    pub fn named(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// The label for reports.
    pub fn label(&self) -> &str {
        self.name.as_deref().unwrap_or(&self.kind)
    }
}

/// `[disaster]` as written: with a `[[disasters]]` mix its target is the mix's.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DisasterFile {
    #[serde(default)]
    target: Option<FailureTarget>,
    warm_up: SimDuration,
    window: SimDuration,
    repair: DurationDistribution,
    #[serde(default)]
    primary_data_survives: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ScenarioFile {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    trials: TrialSettings,
    topology: TopologySpec,
    deployment: DeploymentFile,
    workload: WorkloadSpec,
    disaster: DisasterFile,
    #[serde(default)]
    disasters: Vec<DisasterChoice>,
    #[serde(default)]
    stores: Vec<crate::model::DataStore>,
    #[serde(default)]
    detection: Detection,
    #[serde(default = "default_level")]
    service_level: f64,
    #[serde(default)]
    objectives: Objectives,
    #[serde(default)]
    faults: Vec<FailureProcess>,
    #[serde(default)]
    strategies: Vec<StrategyEntry>,
    #[serde(default)]
    horizon: Option<HorizonSpec>,
    #[serde(default)]
    cost: Option<CostSpec>,
    #[serde(default)]
    impact: Option<ImpactSpec>,
}

/// A scenario read from a file and checked.
#[derive(Clone, Debug)]
pub struct Scenario {
    /// Where it came from (a path, or a label such as `<built-in>`).
    pub origin: PathBuf,
    /// Its name (default: the file name).
    pub name: String,
    /// What it describes.
    pub description: Option<String>,
    /// Monte Carlo settings.
    pub trials: TrialSettings,
    /// Everything a disaster trial needs besides the strategy.
    pub disaster: DisasterScenario,
    /// The strategies to compare, in file order.
    pub strategies: Vec<StrategyEntry>,
    /// The horizon runs, if the file has a `[horizon]` section.
    pub horizon: Option<HorizonSpec>,
    /// Prices of running the deployment, if the file has a `[cost]` section (absent keys take
    /// the documented defaults of [`CostSpec`]).
    pub cost: Option<CostSpec>,
    /// What disasters cost the business, if the file has an `[impact]` section.
    pub impact: Option<ImpactSpec>,
}

/// Why a scenario was refused. The message names the file and the key.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum ScenarioError {
    /// The file could not be read.
    #[error("{file}: cannot read the scenario: {reason}")]
    Read {
        /// The file.
        file: PathBuf,
        /// The operating system's reason.
        reason: String,
    },
    /// Not valid TOML, or a key is unknown, missing or of the wrong type.
    #[error("{file}: {message}")]
    Parse {
        /// The file.
        file: PathBuf,
        /// The parser's message, with the line and the key.
        message: String,
    },
    /// A value that parses but is not allowed.
    #[error("{file}: [{key}] {message}")]
    Invalid {
        /// The file.
        file: PathBuf,
        /// The key or section.
        key: String,
        /// What is wrong and what is allowed.
        message: String,
    },
}

/// Largest scenario file read: 64 MiB. A larger file (or an endless one such as `/dev/zero`)
/// is refused after reading at most this much.
pub const MAX_SCENARIO_BYTES: u64 = 64 << 20;

/// Reads at most [`MAX_SCENARIO_BYTES`] of `path`, refusing a larger file; the error is the
/// operating system's reason or the limit.
pub fn read_capped(path: &Path) -> Result<Vec<u8>, String> {
    use std::io::Read;
    let file = std::fs::File::open(path).map_err(|e| e.to_string())?;
    let mut bytes = Vec::new();
    file.take(MAX_SCENARIO_BYTES + 1).read_to_end(&mut bytes).map_err(|e| e.to_string())?;
    if bytes.len() as u64 > MAX_SCENARIO_BYTES {
        return Err(format!("the file is larger than {} MiB (the limit)", MAX_SCENARIO_BYTES >> 20));
    }
    Ok(bytes)
}

impl Scenario {
    /// Reads and checks a scenario file (at most [`MAX_SCENARIO_BYTES`]).
    pub fn from_path(path: impl AsRef<Path>) -> Result<Self, ScenarioError> {
        let path = path.as_ref();
        let bytes = read_capped(path).map_err(|reason| ScenarioError::Read { file: path.to_path_buf(), reason })?;
        let text = String::from_utf8(bytes).map_err(|_| ScenarioError::Parse {
            file: path.to_path_buf(),
            message: "not UTF-8 text: a scenario is a TOML file".into(),
        })?;
        Self::from_toml_str(&text, path)
    }

    /// Parses and checks scenario text; `origin` names it in errors.
    pub fn from_toml_str(text: &str, origin: impl AsRef<Path>) -> Result<Self, ScenarioError> {
        let file = origin.as_ref().to_path_buf();
        if text.trim().is_empty() {
            return Err(ScenarioError::Parse {
                file,
                message:
                    "the file is empty: a scenario needs at least [topology], [deployment], [workload] and [disaster]"
                        .into(),
            });
        }
        let raw: ScenarioFile = toml::from_str(text)
            .map_err(|e| ScenarioError::Parse { file: file.clone(), message: e.to_string().trim_end().to_string() })?;
        let invalid =
            |key: &str, message: String| ScenarioError::Invalid { file: file.clone(), key: key.into(), message };
        let topology = Topology::new(raw.topology).map_err(|e| invalid("topology", e.to_string()))?;
        raw.workload.validate().map_err(|e| invalid("workload", e.to_string()))?;
        raw.detection.validate().map_err(|e| invalid("detection", e.to_string()))?;
        if !(raw.deployment.dataset_bytes.is_finite() && raw.deployment.dataset_bytes >= 0.0) {
            return Err(invalid(
                "deployment",
                format!("dataset_bytes = {} is not allowed (must be finite and >= 0)", raw.deployment.dataset_bytes),
            ));
        }
        crate::recovery::tiers::validate(&raw.deployment.tiers).map_err(|m| invalid("deployment.tiers", m))?;
        for (key, name) in
            [("deployment.primary", &raw.deployment.primary), ("deployment.standby", &raw.deployment.standby)]
        {
            if topology.site(name).is_none() {
                return Err(invalid(key, format!("{name:?} is not a site of [topology]")));
            }
        }
        if raw.stores.len() > crate::model::store::MAX_STORES {
            return Err(invalid(
                "stores",
                format!("{} stores (at most {})", raw.stores.len(), crate::model::store::MAX_STORES),
            ));
        }
        for (i, store) in raw.stores.iter().enumerate() {
            store.validate().map_err(|m| invalid(&format!("stores[{i}]"), m))?;
            if let Some(j) = raw.stores[..i].iter().position(|o| o.name == store.name) {
                return Err(invalid(
                    &format!("stores[{i}].name"),
                    format!("{:?} is already the name of stores[{j}]: reports tell stores apart by name", store.name),
                ));
            }
            for (k, copy) in store.copies.iter().enumerate() {
                let key = format!("stores[{i}].copies[{k}].site");
                if topology.site(&copy.site).is_none() {
                    return Err(invalid(&key, format!("{:?} is not a site of [topology]", copy.site)));
                }
                if copy.site == raw.deployment.primary {
                    return Err(invalid(&key, format!("{:?} is the primary: a copy lives on another site", copy.site)));
                }
                if topology.link(&raw.deployment.primary, &copy.site).is_none() {
                    return Err(invalid(
                        &key,
                        format!(
                            "no link from the primary {:?} to {:?} in [[topology.links]]: the copy is fed over it",
                            raw.deployment.primary, copy.site
                        ),
                    ));
                }
            }
        }
        let target = match (&raw.disaster.target, raw.disasters.first()) {
            (Some(_), Some(_)) => {
                return Err(invalid(
                    "disaster.target",
                    "is set and so is [[disasters]]: give the targets in [[disasters]] only ([disaster] keeps the timing and the defaults of repair and primary_data_survives)".into(),
                ));
            }
            (Some(t), None) => t.clone(),
            // `[disaster]`'s target stands for the mix where one target is needed (a horizon
            // run's incidents): the first infrastructure target; with logical disasters only,
            // the primary's site.
            (None, Some(_)) => raw
                .disasters
                .iter()
                .find_map(|c| c.target.clone())
                .unwrap_or_else(|| FailureTarget::Site(raw.deployment.primary.clone())),
            (None, None) => {
                return Err(invalid(
                    "disaster.target",
                    "is missing: say what fails (e.g. target = { region = \"A\" }), or give a mix in [[disasters]]"
                        .into(),
                ));
            }
        };
        let mut total = 0.0;
        for (i, c) in raw.disasters.iter().enumerate() {
            if !(c.weight.is_finite() && c.weight > 0.0) {
                return Err(invalid(
                    &format!("disasters[{i}].weight"),
                    format!("{} is not allowed (must be finite and > 0)", c.weight),
                ));
            }
            total += c.weight;
            c.check_kind().map_err(|m| invalid(&format!("disasters[{i}]"), m))?;
            if let Some(t) = &c.target {
                let probe = FailureProcess {
                    target: t.clone(),
                    time_between_failures: DurationDistribution::fixed(SimDuration::from_secs(1)),
                    time_to_repair: raw.disaster.repair.clone(),
                };
                probe.resolve(&topology, i).map_err(|e| invalid(&format!("disasters[{i}].target"), e.to_string()))?;
            }
            if let Some((kind, data)) = c.data() {
                for (k, name) in data.stores.iter().enumerate() {
                    if name != crate::model::store::DATABASE && !raw.stores.iter().any(|s| &s.name == name) {
                        return Err(invalid(
                            &format!("disasters[{i}].{kind}.stores[{k}]"),
                            format!("{name:?} is neither \"database\" nor a store of [[stores]]"),
                        ));
                    }
                }
            }
            if raw.disasters[..i].iter().any(|o| o.label() == c.label()) {
                return Err(invalid(
                    &format!("disasters[{i}].label"),
                    format!(
                        "{:?} is already the label of another disaster: labels tell them apart in reports",
                        c.label()
                    ),
                ));
            }
        }
        if !total.is_finite() {
            return Err(invalid("disasters", "the weights' sum is not finite".into()));
        }
        if raw.trials.count == 0 {
            return Err(invalid("trials", "count = 0 is not allowed (must be >= 1)".into()));
        }
        if raw.trials.horizon.is_zero() {
            return Err(invalid("trials", "horizon = 0s is not allowed (must be > 0)".into()));
        }
        if !(raw.service_level > 0.0 && raw.service_level <= 1.0) {
            return Err(invalid("service_level", format!("{} is not allowed (must be in (0, 1])", raw.service_level)));
        }
        for (i, f) in raw.faults.iter().enumerate() {
            f.resolve(&topology, i).map_err(|e| invalid(&format!("faults[{i}]"), e.to_string()))?;
        }
        if let Some(h) = &raw.horizon {
            if h.length.is_zero() {
                return Err(invalid("horizon", "length = 0s is not allowed (must be > 0)".into()));
            }
            if h.failures.is_empty() && h.logical.is_empty() {
                return Err(invalid(
                    "horizon",
                    "failures and logical are empty: a horizon run needs at least one failure process or logical disaster".into(),
                ));
            }
            for (i, f) in h.failures.iter().enumerate() {
                f.resolve(&topology, i).map_err(|e| invalid(&format!("horizon.failures[{i}]"), e.to_string()))?;
            }
            for (i, p) in h.logical.iter().enumerate() {
                p.validate().map_err(|m| invalid(&format!("horizon.logical[{i}]"), m))?;
                let (kind, data) = p.data().expect("validated: exactly one kind");
                for (k, name) in data.stores.iter().enumerate() {
                    if name != crate::model::store::DATABASE && !raw.stores.iter().any(|s| &s.name == name) {
                        return Err(invalid(
                            &format!("horizon.logical[{i}].{kind}.stores[{k}]"),
                            format!("{name:?} is neither \"database\" nor a store of [[stores]]"),
                        ));
                    }
                }
            }
        }
        if let Some(c) = &raw.cost {
            c.validate().map_err(|e| invalid("cost", e.to_string()))?;
            for site in c.site_instance_types.keys() {
                if topology.site(site).is_none() {
                    return Err(invalid("cost.site_instance_types", format!("{site:?} is not a site of [topology]")));
                }
            }
        }
        if let Some(i) = &raw.impact {
            i.validate().map_err(|e| invalid("impact", e.to_string()))?;
        }
        // Reports, pairing and merges tell strategies apart by their labels.
        let mut seen = std::collections::HashMap::new();
        for (i, e) in raw.strategies.iter().enumerate() {
            if let Some(j) = seen.insert(e.label(), i) {
                return Err(invalid(
                    &format!("strategies[{i}].name"),
                    format!(
                        "{:?} is already the name of strategies[{j}]: two strategies need different names (set `name`)",
                        e.label()
                    ),
                ));
            }
        }
        let name = raw.name.unwrap_or_else(|| {
            file.file_stem().map_or_else(|| "scenario".into(), |s| s.to_string_lossy().into_owned())
        });
        let scenario = Scenario {
            origin: file.clone(),
            name,
            description: raw.description,
            trials: raw.trials.clone(),
            disaster: DisasterScenario {
                deployment: Deployment {
                    topology,
                    primary: raw.deployment.primary,
                    standby: raw.deployment.standby,
                    workload: raw.workload,
                    dataset_bytes: raw.deployment.dataset_bytes,
                    stores: raw.stores,
                    tiers: raw.deployment.tiers,
                },
                event: DisasterSpec {
                    target,
                    warm_up: raw.disaster.warm_up,
                    window: raw.disaster.window,
                    repair: raw.disaster.repair,
                    primary_data_survives: raw.disaster.primary_data_survives,
                },
                mix: raw.disasters,
                detection: raw.detection,
                service_level: raw.service_level,
                objectives: raw.objectives,
                faults: raw.faults,
                horizon: raw.trials.horizon,
            },
            strategies: raw.strategies,
            horizon: raw.horizon,
            cost: raw.cost,
            impact: raw.impact,
        };
        // A disaster's loss must be representable (issue 14, item 10).
        if scenario.cost.is_some() || scenario.impact.is_some() {
            let impact = scenario.impact.clone().unwrap_or_default();
            crate::cost::check_loss_bound(scenario.cost.as_ref(), &impact, &scenario.disaster).map_err(|e| {
                let key = match &e {
                    crate::cost::CostError::LossTooLarge { key, .. } if key.starts_with("cost") => "cost",
                    _ => "impact",
                };
                ScenarioError::Invalid { file: file.clone(), key: key.into(), message: e.to_string() }
            })?;
        }
        Ok(scenario)
    }
}
