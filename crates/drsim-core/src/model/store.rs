//! Data stores besides the deployment's database: an object store, a file system, a queue,
//! each with its own writes and its own copies.
//!
//! ```text
//!                     ┌── async ──────────────► S   (the database: the strategy's copies)
//!   primary P ─ database
//!             ├ media ┬── lag (15 min p99.99) ► S   (copy 0)
//!             │       └── nightly snapshot ───► V   (copy 1)
//!             └ files ──── nightly snapshot ───► V
//! ```
//!
//! The deployment's `[workload]` and `dataset_bytes` describe its *database*, whose copies the
//! strategy keeps (the standby's and any replicas). Each [`DataStore`] adds one more write log
//! with its own copies, each a prefix of that log, fed over the topology's link from the
//! primary to its site in its own [`ReplicationSpec`]. After a disaster each store recovers
//! from its surviving copy that lacks the fewest writes (the closer site on ties); the
//! service's RPO is the largest over the database and the stores (docs/model.md, "Data
//! stores").

use serde::{Deserialize, Serialize};

use crate::model::{ReplicationSpec, WorkloadSpec};

/// One copy of a data store.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StoreCopy {
    /// The site holding it (fed over the topology's link from the primary to it). Several
    /// copies may share a site (a live replica and a nightly backup, say).
    pub site: String,
    /// How writes reach it.
    pub replication: ReplicationSpec,
}

/// A data store besides the database: its writes, its size and its copies.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DataStore {
    /// Its name in reports (`orders-db`, `media`, ...); distinct from the other stores' and
    /// from `database`, the deployment's own.
    pub name: String,
    /// The writes made to it at the primary.
    pub workload: WorkloadSpec,
    /// Its size in bytes: what restoring it from a snapshot or backup moves.
    #[serde(default)]
    pub dataset_bytes: f64,
    /// How fast a snapshot or backup of it is restored, in bytes per second (needed when a
    /// copy is a snapshot; a live replica is used in place).
    #[serde(default)]
    pub restore_throughput_bytes_per_s: Option<f64>,
    /// Its copies (at least one).
    pub copies: Vec<StoreCopy>,
}

/// The name reports give the deployment's own database (its `[workload]`) beside the
/// [`DataStore`]s.
pub const DATABASE: &str = "database";

/// The most data stores a deployment may have.
pub const MAX_STORES: usize = 64;

/// The most copies a data store may have.
pub const MAX_STORE_COPIES: usize = 64;

impl DataStore {
    /// Checks what can be checked without the topology: the name, the size, the restore
    /// throughput, the workload and the number of copies. The message names the key.
    pub fn validate(&self) -> Result<(), String> {
        if self.name.trim().is_empty() || self.name.trim() != self.name || self.name.chars().any(char::is_control) {
            return Err(format!(
                "name = {:?} is not allowed (a store needs a name for reports: not empty, no leading or trailing spaces, no control characters)",
                self.name
            ));
        }
        if self.name == DATABASE {
            return Err(format!(
                "name = {DATABASE:?} is not allowed (it names the deployment's own database, [workload])"
            ));
        }
        if !(self.dataset_bytes.is_finite() && self.dataset_bytes >= 0.0) {
            return Err(format!("dataset_bytes = {} is not allowed (must be finite and >= 0)", self.dataset_bytes));
        }
        if let Some(t) = self.restore_throughput_bytes_per_s
            && !(t.is_finite() && t > 0.0)
        {
            return Err(format!("restore_throughput_bytes_per_s = {t} is not allowed (must be finite and > 0)"));
        }
        self.workload.validate().map_err(|e| e.to_string())?;
        if self.copies.is_empty() {
            return Err("copies is empty: a store needs at least one copy besides the primary's".into());
        }
        if self.copies.len() > MAX_STORE_COPIES {
            return Err(format!("copies has {} entries (at most {MAX_STORE_COPIES})", self.copies.len()));
        }
        let snapshot = self.copies.iter().position(|c| matches!(c.replication, ReplicationSpec::Snapshot(_)));
        if let (Some(i), None) = (snapshot, self.restore_throughput_bytes_per_s)
            && self.dataset_bytes > 0.0
        {
            return Err(format!(
                "copies[{i}] is a snapshot, which must be restored: set restore_throughput_bytes_per_s (> 0)"
            ));
        }
        Ok(())
    }

    /// Seconds to restore it from a snapshot copy (0 when it is empty).
    pub fn restore_secs(&self) -> f64 {
        match self.restore_throughput_bytes_per_s {
            Some(t) if self.dataset_bytes > 0.0 => self.dataset_bytes / t,
            _ => 0.0,
        }
    }
}
