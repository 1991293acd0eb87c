//! Strategies by name, for scenario files: the four built in, and your own in a [`Registry`].
//!
//! ```
//! use std::sync::Arc;
//! use drsim::strategies::Registry;
//! use drsim::warm_standby::{WarmStandby, WarmStandbyParams};
//!
//! // Your kind, with typed parameters read from the entry's `params` table.
//! let registry = Registry::builtin().register("my_warm", |p: WarmStandbyParams| WarmStandby::new(p));
//! assert!(registry.kinds().contains(&"my_warm"));
//! let scenario = drsim::scenario::Scenario::from_toml_str(
//!     &std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/examples/scenarios/reference.toml"))?
//!         .replace("kind = \"warm_standby\"", "kind = \"my_warm\""),
//!     "reference.toml",
//! )?;
//! let result = drsim::Study::with_registry(scenario, &registry)?.trials(20).run()?;
//! assert_eq!(result.strategies[0].kind, "my_warm");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::sync::Arc;

use drsim_core::recovery::{Strategy, StrategyError};
use drsim_core::scenario::StrategyEntry;
use serde::de::DeserializeOwned;

/// The kinds of strategy built in, as scenario files name them.
pub const KINDS: [&str; 4] = ["backup_restore", "pilot_light", "warm_standby", "multi_site"];

/// Why a strategy entry of a scenario could not be built.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum BuildStrategyError {
    /// No strategy of this kind is known.
    #[error("strategies: kind = {kind:?} is not a known strategy (known: {known})")]
    UnknownKind {
        /// The kind asked for.
        kind: String,
        /// The kinds known, comma-separated.
        known: String,
    },
    /// The parameters do not parse (unknown key, wrong type).
    #[error("strategies.{kind}.params: {message}")]
    Params {
        /// The strategy kind.
        kind: String,
        /// The parser's message, naming the key.
        message: String,
    },
    /// The parameters parse but are not allowed.
    #[error(transparent)]
    Invalid(#[from] StrategyError),
}

fn params<T: DeserializeOwned>(entry: &StrategyEntry) -> Result<T, BuildStrategyError> {
    toml::Value::Table(entry.params.clone()).try_into().map_err(|e: toml::de::Error| BuildStrategyError::Params {
        kind: entry.kind.clone(),
        message: e.to_string().trim_end().to_string(),
    })
}

/// Builds the built-in strategy a scenario entry names, with its parameters (and its
/// `replicas`, if any).
pub fn build(entry: &StrategyEntry) -> Result<Box<dyn Strategy>, BuildStrategyError> {
    with_replicas(entry, build_kind(entry)?, &build_kind)
}

/// Builds a strategy from an entry (the built-in registry, or a user's).
type Make<'a> = &'a dyn Fn(&StrategyEntry) -> Result<Box<dyn Strategy>, BuildStrategyError>;

/// The strategy with the entry's replicas added (itself when there are none), each replica
/// recovered by its own strategy if it names one (built by `make`, without replicas of its own).
fn with_replicas(
    entry: &StrategyEntry,
    s: Box<dyn Strategy>,
    make: Make<'_>,
) -> Result<Box<dyn Strategy>, BuildStrategyError> {
    if entry.replicas.is_empty() {
        return Ok(s);
    }
    let mut w = drsim_core::recovery::WithReplicas::new(s, entry.replicas.clone());
    for (i, r) in entry.replicas.iter().enumerate() {
        if let Some(e) = &r.strategy {
            if !e.replicas.is_empty() {
                return Err(BuildStrategyError::Params {
                    kind: entry.kind.clone(),
                    message: format!(
                        "replicas[{i}].strategy has replicas of its own: a replica's strategy recovers at that replica only"
                    ),
                });
            }
            w = w.recovered_by(r.site.clone(), make(e)?);
        }
    }
    Ok(Box::new(w))
}

fn build_kind(entry: &StrategyEntry) -> Result<Box<dyn Strategy>, BuildStrategyError> {
    Ok(match entry.kind.as_str() {
        "backup_restore" => Box::new(crate::backup_restore::BackupRestore::new(params(entry)?)?),
        "pilot_light" => Box::new(crate::pilot_light::PilotLight::new(params(entry)?)?),
        "warm_standby" => Box::new(crate::warm_standby::WarmStandby::new(params(entry)?)?),
        "multi_site" => Box::new(crate::multi_site::MultiSite::new(params(entry)?)?),
        other => return Err(BuildStrategyError::UnknownKind { kind: other.to_string(), known: KINDS.join(", ") }),
    })
}

type Builder = Arc<dyn Fn(&StrategyEntry) -> Result<Box<dyn Strategy>, BuildStrategyError> + Send + Sync>;

/// Strategy kinds by name: the built-in ones and those your program adds, so that a scenario
/// file can name your strategy and [`Study`](crate::Study) can run it.
#[derive(Clone)]
pub struct Registry {
    kinds: Vec<(String, Builder)>,
}

impl Registry {
    /// The four built-in kinds.
    pub fn builtin() -> Self {
        let builtin: Builder = Arc::new(build_kind);
        Registry { kinds: KINDS.iter().map(|k| (k.to_string(), builtin.clone())).collect() }
    }

    /// No kind at all.
    pub fn empty() -> Self {
        Registry { kinds: vec![] }
    }

    /// Adds (or replaces) `kind`: its entries' `params` table is read as a `P` (unknown keys and
    /// wrong types refused, naming the key, as for the built-in kinds) and handed to `make`.
    pub fn register<P, S>(
        mut self,
        kind: &str,
        make: impl Fn(P) -> Result<S, StrategyError> + Send + Sync + 'static,
    ) -> Self
    where
        P: DeserializeOwned,
        S: Strategy + 'static,
    {
        let builder: Builder = Arc::new(move |entry| Ok(Box::new(make(params(entry)?)?) as Box<dyn Strategy>));
        self.kinds.retain(|(k, _)| k != kind);
        self.kinds.push((kind.to_string(), builder));
        self
    }

    /// The kinds known, in the order they were added.
    pub fn kinds(&self) -> Vec<&str> {
        self.kinds.iter().map(|(k, _)| k.as_str()).collect()
    }

    /// Builds the strategy an entry names.
    pub fn build(&self, entry: &StrategyEntry) -> Result<Box<dyn Strategy>, BuildStrategyError> {
        match self.kinds.iter().find(|(k, _)| *k == entry.kind) {
            Some((_, b)) => with_replicas(entry, b(entry)?, &|e| self.build(e)),
            None => Err(BuildStrategyError::UnknownKind { kind: entry.kind.clone(), known: self.kinds().join(", ") }),
        }
    }
}

impl Default for Registry {
    fn default() -> Self {
        Registry::builtin()
    }
}
