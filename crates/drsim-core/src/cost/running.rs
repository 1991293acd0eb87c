//! The monthly running cost of a deployment: a strategy's steady state, its data stores and
//! every copy of its data.

use super::{BYTES_PER_GB, CostSpec, HOURS_PER_MONTH, SECONDS_PER_MONTH, finite};
use crate::engine::SimDuration;
use crate::model::{ReplicationSpec, SnapshotKind};
use crate::recovery::{Deployment, SteadyState};

/// The running cost of a steady state for one month (730 h), by item, in USD.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct MonthlyCost {
    /// Instances running at every site.
    pub running_instances_usd: f64,
    /// The rest of production capacity kept as images (or stopped) at the standby.
    pub imaged_instances_usd: f64,
    /// The database tier running at every site (the primary's database, a live replica).
    pub database_usd: f64,
    /// Live data: the primary's data set and a continuously replicated copy.
    pub storage_usd: f64,
    /// Backups or snapshots kept under the retention policy.
    pub backup_storage_usd: f64,
    /// Replication traffic from the primary to the standby.
    pub transfer_usd: f64,
    /// Fixed items.
    pub fixed_usd: f64,
}

impl MonthlyCost {
    /// The sum of the items.
    pub fn total_usd(&self) -> f64 {
        self.running_instances_usd
            + self.imaged_instances_usd
            + self.database_usd
            + self.storage_usd
            + self.backup_storage_usd
            + self.transfer_usd
            + self.fixed_usd
    }
}

/// Instances running at `site` in `steady` (0 when it is not listed).
pub fn running_at(steady: &SteadyState, site: &str) -> u32 {
    steady.capacity.iter().filter(|(s, _)| s == site).map(|(_, n)| *n).sum()
}

/// The database tier running at every site of `steady`, in production databases (negative and
/// non-finite sizes count as 0; `DisasterTrial::new` refuses them).
pub fn database_size(steady: &SteadyState) -> f64 {
    steady.database_size.iter().map(|(_, x)| if x.is_finite() { x.max(0.0) } else { 0.0 }).sum()
}

/// Price per GB moved between the primary and the standby: inter-region or within a region.
pub fn transfer_rate_usd_per_gb(cost: &CostSpec, deployment: &Deployment) -> f64 {
    let t = &deployment.topology;
    match (t.site(&deployment.primary), t.site(&deployment.standby)) {
        (Some(p), Some(s)) if t.region_of(p) == t.region_of(s) => cost.intra_region_transfer_usd_per_gb,
        _ => cost.transfer_usd_per_gb,
    }
}

/// Bytes of backups kept at the DR site under a snapshot schedule (an approximation):
/// - full backups: K × the full size, with K the number retained;
/// - incremental forever: one full base (the data set) + K incrementals of `write rate ×
///   interval` bytes each — an upper bound, since rewrites of the same blocks deduplicate.
///
/// K = min(keep_newest, ⌈max_age / interval⌉), with `retention_if_unset` as the age when the
/// schedule keeps everything; at least 1, and at least ⌈min_retention / interval⌉ under a vault
/// lock's minimum retention.
pub fn retained_backup_bytes(cost: &CostSpec, deployment: &Deployment, spec: &crate::model::SnapshotSpec) -> f64 {
    retained_bytes(cost, deployment.dataset_bytes, deployment.workload.mean_bytes_per_s(), spec)
}

/// [`retained_backup_bytes`] for any write log: its data set and its mean bytes per second.
fn retained_bytes(cost: &CostSpec, dataset_bytes: f64, bytes_per_s: f64, spec: &crate::model::SnapshotSpec) -> f64 {
    let interval = spec.interval.as_secs_f64().max(1e-9);
    let by_age = |age: SimDuration| (age.as_secs_f64() / interval).ceil();
    let k = match (spec.retention.keep_newest, spec.retention.max_age) {
        (Some(n), Some(a)) => f64::from(n).min(by_age(a)),
        (Some(n), None) => f64::from(n),
        (None, Some(a)) => by_age(a),
        (None, None) => by_age(cost.retention_if_unset),
    }
    // A vault lock keeps every point younger than its minimum retention, whatever the count.
    .max(spec.vault.min_retention().map_or(1.0, by_age));
    match spec.size {
        SnapshotKind::Full { size_bytes } => k * size_bytes,
        SnapshotKind::Incremental => dataset_bytes + k * bytes_per_s * interval,
    }
}

/// The monthly running cost of a strategy's steady state.
///
/// - Running instances (the application tier): every site's `capacity` × its running price ×
///   730 h.
/// - Database: every site's `database_size` (in production databases) ×
///   `database_running_usd_per_hour` × 730 h: the primary's database, a live replica at the
///   standby (a pilot light's small one, a warm standby's or an active site's full one).
/// - Imaged instances: production capacity (`instances_needed` of the primary) missing at the
///   standby × the image price × 730 h. Every built-in strategy starts those from images at
///   recovery (backup & restore and pilot light all of them, warm standby and multi-site the
///   scale-out).
/// - Storage: the primary's data set, plus the standby's copy for continuous (synchronous or
///   asynchronous) replication, at the block-storage price; for snapshot replication the
///   retained backups ([`retained_backup_bytes`]) at the backup price.
/// - Transfer: the bytes replicated per month (mean write rate × 2 628 000 s; for full
///   backups, one full size per interval) at the inter-region price, or the intra-region price
///   when both sites are in one region.
/// - Fixed items.
pub fn monthly_running_cost(cost: &CostSpec, deployment: &Deployment, steady: &SteadyState) -> MonthlyCost {
    // Each site's running instances at its own type's price.
    let running_usd_per_hour: f64 =
        steady.capacity.iter().map(|(site, n)| f64::from(*n) * cost.instance_rates(site).0).sum();
    let imaged = deployment.instances_needed().saturating_sub(running_at(steady, &deployment.standby));
    let gb = |bytes: f64| bytes.max(0.0) / BYTES_PER_GB;
    let (replica_bytes, backup_bytes, moved_bytes) = copy_bytes(cost, deployment, &steady.replication);
    let m = MonthlyCost {
        running_instances_usd: running_usd_per_hour * HOURS_PER_MONTH,
        imaged_instances_usd: f64::from(imaged) * cost.instance_rates(&deployment.standby).1 * HOURS_PER_MONTH,
        database_usd: database_size(steady) * cost.database_running_usd_per_hour * HOURS_PER_MONTH,
        storage_usd: gb(deployment.dataset_bytes + replica_bytes) * cost.storage_usd_per_gb_month,
        backup_storage_usd: gb(backup_bytes) * cost.backup_storage_usd_per_gb_month,
        transfer_usd: gb(moved_bytes) * transfer_rate_usd_per_gb(cost, deployment),
        fixed_usd: cost.fixed_usd_per_month,
    };
    finite_items(m)
}

/// What keeping one copy in `replication`'s mode stores and moves per month: (a live copy of
/// the data set, backups retained, bytes replicated).
fn copy_bytes(cost: &CostSpec, deployment: &Deployment, replication: &ReplicationSpec) -> (f64, f64, f64) {
    log_copy_bytes(cost, deployment.dataset_bytes, deployment.workload.mean_bytes_per_s(), replication)
}

/// [`copy_bytes`] for any write log: its data set and its mean bytes per second.
fn log_copy_bytes(
    cost: &CostSpec,
    dataset_bytes: f64,
    bytes_per_s: f64,
    replication: &ReplicationSpec,
) -> (f64, f64, f64) {
    let write_bytes_month = bytes_per_s * SECONDS_PER_MONTH;
    match replication {
        ReplicationSpec::Snapshot(s) => {
            let moved = match s.size {
                SnapshotKind::Full { size_bytes } => {
                    size_bytes * SECONDS_PER_MONTH / s.interval.as_secs_f64().max(1e-9)
                }
                SnapshotKind::Incremental => write_bytes_month,
            };
            (0.0, retained_bytes(cost, dataset_bytes, bytes_per_s, s), moved)
        }
        // Every live mode keeps a full copy and moves every write.
        _ => (dataset_bytes, 0.0, write_bytes_month),
    }
}

/// The monthly running cost of a trial's strategy: its steady state ([`monthly_running_cost`]),
/// the data stores (`[[stores]]`: each data set at the primary and each copy, priced the same
/// way), plus every copy of the database besides the standby's ([`DisasterTrial::copies`] after the first: replicas,
/// a multi-site strategy's extra sites, a daily backup into a vault), each priced as the
/// standby's copy is — a live copy's storage at the block-storage price, retained backups at
/// the backup price (so retention costs what it keeps), and the replication traffic at the
/// intra- or inter-region price. What runs at those sites is in the steady state already.
///
/// [`DisasterTrial::copies`]: crate::trial::DisasterTrial::copies
pub fn trial_monthly_cost(cost: &CostSpec, trial: &crate::trial::DisasterTrial<'_>) -> MonthlyCost {
    let d = &trial.scenario().deployment;
    let mut m = monthly_running_cost(cost, d, trial.steady_state());
    let gb = |bytes: f64| bytes.max(0.0) / BYTES_PER_GB;
    // One copy: (a live copy of the data set, backups retained, bytes moved per month), and
    // whether its site is in another region than the primary.
    let mut add = |(replica, backups, moved): (f64, f64, f64), other_region: bool| {
        let rate = if other_region { cost.transfer_usd_per_gb } else { cost.intra_region_transfer_usd_per_gb };
        m.storage_usd += gb(replica) * cost.storage_usd_per_gb_month;
        m.backup_storage_usd += gb(backups) * cost.backup_storage_usd_per_gb_month;
        m.transfer_usd += gb(moved) * rate;
    };
    for copy in trial.copies().iter().skip(1) {
        add(copy_bytes(cost, d, copy.replication), copy.proximity == crate::recovery::Proximity::OtherRegion);
    }
    // The data stores: each one's data set at the primary, and each of its copies.
    let t = &d.topology;
    for store in &d.stores {
        add((store.dataset_bytes, 0.0, 0.0), false);
        for copy in &store.copies {
            let same_region = matches!((t.site(&d.primary), t.site(&copy.site)), (Some(p), Some(s)) if t.region_of(p) == t.region_of(s));
            add(
                log_copy_bytes(cost, store.dataset_bytes, store.workload.mean_bytes_per_s(), &copy.replication),
                !same_region,
            );
        }
    }
    finite_items(m)
}

fn finite_items(m: MonthlyCost) -> MonthlyCost {
    MonthlyCost {
        running_instances_usd: finite(m.running_instances_usd),
        imaged_instances_usd: finite(m.imaged_instances_usd),
        database_usd: finite(m.database_usd),
        storage_usd: finite(m.storage_usd),
        backup_storage_usd: finite(m.backup_storage_usd),
        transfer_usd: finite(m.transfer_usd),
        fixed_usd: finite(m.fixed_usd),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Retention, SnapshotSpec, Vault, VaultLock};

    /// By hand: daily full backups of 1 GB kept 1 (keep_newest) are 1 GB; under a lock whose
    /// minimum retention is 7 days, 7 of them are kept: 7 GB.
    #[test]
    fn a_locks_minimum_retention_is_priced() {
        let mut spec = SnapshotSpec {
            interval: SimDuration::from_hours(24),
            phase: None,
            size: SnapshotKind::Full { size_bytes: 1e9 },
            retention: Retention { keep_newest: Some(1), max_age: None },
            failure_probability: 0.0,
            vault: Vault::Reachable,
        };
        let cost = CostSpec::default();
        assert_eq!(retained_bytes(&cost, 0.0, 0.0, &spec), 1e9);
        spec.vault = Vault::Lock(VaultLock { min_retention: Some(SimDuration::from_days(7)), ..VaultLock::default() });
        assert_eq!(retained_bytes(&cost, 0.0, 0.0, &spec), 7e9);
    }
}
