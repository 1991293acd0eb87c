//! drsim-core's integration tests, in one binary (one link step, shared helpers).
//!
//! Every expected number has a source outside the code under test: a closed form from queueing
//! or availability theory, a hand computation, or an invariant checked over random inputs.

mod cost;
mod failures;
mod faults;
mod recovery;
mod replication;
mod replication_modes;
mod scenario;
mod stats;
mod validation;
