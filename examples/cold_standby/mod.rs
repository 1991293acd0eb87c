//! The cold-standby strategy of `custom_strategy.rs` and `custom_cli.rs`: written only against
//! drsim's public strategy API, its runbook loaded from data (`runbook = "..."` in the scenario's
//! `[strategies.params]`, a file of `examples/scenarios`).

use drsim::engine::SimDuration;
use drsim::model::{ReplicationSpec, SnapshotKind, SnapshotSpec};
use drsim::recovery::{Deployment, FailbackContext, RecoveryContext, Runbook, SteadyState, Strategy, StrategyError};
use serde::Deserialize;

/// The runbooks, as read from TOML.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Runbooks {
    recovery: Runbook,
    failback: Runbook,
}

/// Cold standby: nightly backups shipped to the DR site, nothing running there.
pub struct ColdStandby {
    runbooks: Runbooks,
}

/// Its parameters in a scenario file: `[strategies.params] runbook = "..."`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ColdStandbyParams {
    /// The runbook file, relative to `examples/scenarios`.
    runbook: String,
}

impl ColdStandby {
    /// Reads the runbooks the parameters name.
    pub fn new(p: ColdStandbyParams) -> Result<Self, StrategyError> {
        let bad = |value: String| StrategyError::BadParameter {
            strategy: "cold_standby".into(),
            field: "runbook",
            value,
            allowed: "a readable TOML file with [recovery] and [failback] runbooks",
        };
        let path = format!("{}/examples/scenarios/{}", env!("CARGO_MANIFEST_DIR"), p.runbook);
        let text = std::fs::read_to_string(&path).map_err(|e| bad(format!("{path}: {e}")))?;
        let runbooks = toml::from_str(&text).map_err(|e| bad(format!("{path}: {e}")))?;
        Ok(ColdStandby { runbooks })
    }
}

impl Strategy for ColdStandby {
    fn name(&self) -> &str {
        "cold standby"
    }

    fn steady_state(&self, d: &Deployment) -> Result<SteadyState, StrategyError> {
        Ok(SteadyState {
            replication: ReplicationSpec::Snapshot(SnapshotSpec {
                interval: SimDuration::from_hours(24),
                phase: None,
                size: SnapshotKind::Incremental,
                retention: Default::default(),
                failure_probability: 0.02,
                vault: Default::default(),
            }),
            capacity: vec![(d.primary.clone(), d.instances_needed())],
            traffic: vec![(d.primary.clone(), 1.0)],
            data_ready: vec![d.primary.clone()],
            // The production database runs at the primary; nothing runs at the cold site.
            database_size: vec![(d.primary.clone(), 1.0)],
        })
    }

    fn recovery(&self, _: &RecoveryContext<'_>) -> Result<Runbook, StrategyError> {
        Ok(self.runbooks.recovery.clone())
    }

    fn failback(&self, _: &FailbackContext<'_>) -> Result<Runbook, StrategyError> {
        Ok(self.runbooks.failback.clone())
    }
}
