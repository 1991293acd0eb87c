//! `drsim`: run Monte Carlo studies of scenario files, validate them, merge shards; the
//! command is the library's [`drsim_cli::main_with`] with the built-in strategies.

fn main() -> std::process::ExitCode {
    drsim_cli::main_with(drsim::strategies::Registry::builtin())
}
