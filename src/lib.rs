//! # drsim
//!
//! Discrete-event simulation of disasters and disaster recovery. drsim measures the recovery
//! time (RTO) and recovery point (RPO) that a disaster-recovery strategy actually achieves,
//! disaster by disaster, over thousands to millions of Monte Carlo trials.
//!
//! This crate is a facade: it re-exports the focused crates so that one dependency is enough.
//!
//! Its main job: every strategy of a scenario over the same disasters, summarised in seconds,
//! each trial's outcome as data.
//!
//! ```
//! use drsim::Study;
//!
//! let path = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/scenarios/compare.toml");
//! let result = Study::from_path(path)?.trials(200).seed(42).run()?;
//! for s in result.summaries() {
//!     let rto = s.rto_s.map_or(f64::NAN, |m| m.mean);
//!     println!("{:<18} RTO mean {rto:>6.0} s ({}/{} recovered)", s.name, s.recovered, s.trials);
//! }
//! // The same disasters for every strategy (common random numbers): a narrow paired difference.
//! let warm = &result.summaries()[2];
//! assert!(warm.rto_vs_first_s.expect("both recover").mean < 0.0, "warm standby beats backup & restore");
//! // One row per trial and strategy (`Serialize`: the `drsim run --csv` columns).
//! assert_eq!(result.outcomes().count(), 4 * 200);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! The modules, each re-exported from the crate that owns it:
//!
//! - [`engine`]: time, the event queue, random streams, distributions (from `drsim-engine`,
//!   through `drsim-core`).
//! - [`model`]: topology, links, workload, replication, failures (from `drsim-core`).
//! - [`recovery`]: the strategy API, runbooks, detection, the service level (from `drsim-core`).
//! - [`trial`]: disaster trials and their records (from `drsim-core`).
//! - [`scenario`]: scenario files (from `drsim-core`).
//! - [`stats`]: summaries with confidence intervals, and the exact mergeable accumulators
//!   they are computed from (from `drsim-core`).
//! - [`horizon`]: years of operation: availability, incidents, downtime and data lost per
//!   year (from `drsim-core`).
//! - [`montecarlo`]: parallel trials, exact mergeable summaries, paired comparisons (from
//!   `drsim-core`).
//! - [`cost`]: running cost, loss per disaster, expected and tail annual loss, the cheapest
//!   strategy meeting the objectives, the Pareto front (from `drsim-core`).
//! - [`backup_restore`]: the backup & restore strategy (from `drsim-backup-restore`).
//! - [`pilot_light`]: the pilot light strategy (from `drsim-pilot-light`).
//! - [`warm_standby`]: the warm standby strategy (from `drsim-warm-standby`).
//! - [`multi_site`]: the multi-site active/active strategy (from `drsim-multi-site`).
//! - [`report`]: summaries as the `drsim` command reports them (its JSON's `summary`).
//! - [`study`]: every strategy of a scenario over the same disasters in one call
//!   ([`Study`]): summaries in seconds, per-trial outcomes as data, paired comparisons.
//! - [`validation`]: the validation cases, each against a closed form or published figure
//!   from outside drsim (`examples/validation_report.rs` prints them).
//!
//! One level down, a replication model on its own:
//!
//! ```
//! use drsim::engine::{Distribution, DurationDistribution, SimDuration, SimTime, TrialStreams};
//! use drsim::model::{LinkSpec, Replication, Synchronous, LinkDownPolicy, WorkloadSpec};
//!
//! let link = LinkSpec::new("P", "S", DurationDistribution::fixed(SimDuration::from_millis(5)), 1e9)?;
//! let workload = WorkloadSpec::poisson(200.0, Distribution::fixed(4096.0)?)?;
//! let mut sync = Synchronous::new(&link, &workload, LinkDownPolicy::Block, TrialStreams::new(1, 0), SimTime::ZERO)?;
//! let loss = sync.loss_at(SimTime::ZERO + SimDuration::from_secs(60))?;
//! assert_eq!(loss.writes_lost, 0); // synchronous replication loses nothing while its link is up
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![warn(missing_docs)]

pub use drsim_core::{corruption, cost, engine, faults, horizon, model, montecarlo, recovery, scenario, stats, trial};

/// Backup & restore: backups shipped to the DR site, everything rebuilt on disaster.
pub use drsim_backup_restore as backup_restore;
/// Multi-site active/active: both sites serve; the survivor takes everything.
pub use drsim_multi_site as multi_site;
/// Pilot light: a live data replica, compute kept as images and started on disaster.
pub use drsim_pilot_light as pilot_light;
/// Warm standby: a scaled-down copy always running, scaled up on disaster.
pub use drsim_warm_standby as warm_standby;

pub mod plot;
pub mod report;
pub mod strategies;
pub mod study;
pub mod validation;

pub use study::{Study, StudyError, StudyResult};

/// The README's Rust examples, compiled by `cargo test` so that they cannot rot.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeExamples;
