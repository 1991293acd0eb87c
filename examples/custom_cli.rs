//! Your own `drsim` command, knowing your own strategy kinds: `drsim_cli::main_with` with a
//! registry that adds `cold_standby` (the strategy of `custom_strategy.rs`, in
//! `cold_standby/mod.rs`) to the built-in kinds. Every subcommand (`run`, `validate`, `horizon`,
//! shards and `merge`) then accepts scenario files naming it, with the built-in `drsim`'s flags,
//! outputs and exit codes. Run:
//!
//! ```text
//! cargo run --release --example custom_cli -- run examples/cold_standby/scenario.toml --trials 2000
//! cargo run --release --example custom_cli -- validate examples/cold_standby/scenario.toml
//! ```

mod cold_standby;

use drsim::strategies::Registry;

fn main() -> std::process::ExitCode {
    drsim_cli::main_with(Registry::builtin().register("cold_standby", cold_standby::ColdStandby::new))
}
