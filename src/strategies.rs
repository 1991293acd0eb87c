//! The built-in strategies by name, for scenario files.

use drsim_core::recovery::{Strategy, StrategyError};
use drsim_core::scenario::StrategyEntry;
use serde::de::DeserializeOwned;

/// The kinds of strategy built in, as scenario files name them.
pub const KINDS: [&str; 4] = ["backup_restore", "pilot_light", "warm_standby", "multi_site"];

/// Why a strategy entry of a scenario could not be built.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum BuildStrategyError {
    /// The kind is not built in.
    #[error(
        "strategies: kind = {kind:?} is not a built-in strategy (known: backup_restore, pilot_light, warm_standby, multi_site)"
    )]
    UnknownKind {
        /// The kind asked for.
        kind: String,
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

/// Builds the built-in strategy a scenario entry names, with its parameters.
pub fn build(entry: &StrategyEntry) -> Result<Box<dyn Strategy>, BuildStrategyError> {
    Ok(match entry.kind.as_str() {
        "backup_restore" => Box::new(crate::backup_restore::BackupRestore::new(params(entry)?)?),
        "pilot_light" => Box::new(crate::pilot_light::PilotLight::new(params(entry)?)?),
        "warm_standby" => Box::new(crate::warm_standby::WarmStandby::new(params(entry)?)?),
        "multi_site" => Box::new(crate::multi_site::MultiSite::new(params(entry)?)?),
        other => return Err(BuildStrategyError::UnknownKind { kind: other.to_string() }),
    })
}
