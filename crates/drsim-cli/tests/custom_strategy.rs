//! A user's own `drsim`: `drsim_cli::main_with_args` with a registry holding a strategy kind
//! that the built-in `drsim` does not know runs it in `run`, `validate` and `horizon`, and gives
//! the figures of the strategy it is made of.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use drsim::recovery::{
    Deployment, FailbackContext, RecoveryContext, Replica, Runbook, SteadyState, Strategy, StrategyError, SurvivingCopy,
};
use drsim::strategies::Registry;
use drsim::warm_standby::{WarmStandby, WarmStandbyParams};

/// A strategy written outside drsim: warm standby under its own name, every step delegated.
struct Renamed(WarmStandby);

impl Strategy for Renamed {
    fn name(&self) -> &str {
        "renamed warm standby"
    }
    fn steady_state(&self, d: &Deployment) -> Result<SteadyState, StrategyError> {
        self.0.steady_state(d)
    }
    fn recovery(&self, ctx: &RecoveryContext<'_>) -> Result<Runbook, StrategyError> {
        self.0.recovery(ctx)
    }
    fn failback(&self, ctx: &FailbackContext<'_>) -> Result<Runbook, StrategyError> {
        self.0.failback(ctx)
    }
    fn replicas(&self, d: &Deployment) -> Vec<Replica> {
        self.0.replicas(d)
    }
    fn choose_copy(&self, copies: &[SurvivingCopy<'_>]) -> usize {
        self.0.choose_copy(copies)
    }
}

fn registry() -> Registry {
    Registry::builtin().register("renamed_warm", |p: WarmStandbyParams| Ok(Renamed(WarmStandby::new(p)?)))
}

fn tmp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("drsim-cli-custom-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

/// The reference scenario with its strategy's kind replaced by `kind`, and a short horizon.
fn scenario(kind: &str, name: &str) -> PathBuf {
    let reference = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/scenarios/reference.toml");
    let text = std::fs::read_to_string(reference)
        .unwrap()
        .replace("kind = \"warm_standby\"", &format!("kind = {kind:?}"))
        + "\n[horizon]\nlength = \"365d\"\nfailures = [{ target = { region = \"A\" }, time_between_failures = { kind = \"exponential\", mean = \"200d\" }, time_to_repair = \"6h\" }]\n";
    let p = tmp(name);
    std::fs::write(&p, text).unwrap();
    p
}

fn main_with(args: &[&str]) -> ExitCode {
    drsim_cli::main_with_args(registry(), std::iter::once("drsim").chain(args.iter().copied()))
}

fn summary(path: &Path) -> serde_json::Value {
    let report: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    report["strategies"][0]["summary"].clone()
}

#[test]
fn a_user_kind_runs_through_main_with() {
    let user = scenario("renamed_warm", "user.toml");
    let user = user.to_str().unwrap();

    // The built-in command refuses the kind, naming it...
    let o = Command::new(env!("CARGO_BIN_EXE_drsim")).args(["validate", user]).output().unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("\"renamed_warm\" is not a known strategy"));

    // ...the user's command knows it, in every subcommand that builds strategies.
    assert_eq!(main_with(&["validate", user]), ExitCode::SUCCESS);
    let out = tmp("user.json");
    assert_eq!(
        main_with(&["run", user, "--trials", "60", "--seed", "3", "--json", out.to_str().unwrap()]),
        ExitCode::SUCCESS
    );
    let horizon = tmp("user-horizon.json");
    assert_eq!(main_with(&["horizon", user, "--trials", "2", "--json", horizon.to_str().unwrap()]), ExitCode::SUCCESS);
    let h: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&horizon).unwrap()).unwrap();
    assert_eq!(h["strategies"][0]["kind"], "renamed_warm");

    // Made of warm standby, it gives warm standby's figures over the same disasters.
    let builtin = scenario("warm_standby", "builtin.toml");
    let expected = tmp("builtin.json");
    let o = Command::new(env!("CARGO_BIN_EXE_drsim"))
        .args(["run", builtin.to_str().unwrap(), "--trials", "60", "--seed", "3", "--json"])
        .arg(&expected)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let (got, want) = (summary(&out), summary(&expected));
    assert_eq!(got["trials"], 60);
    assert_eq!(got["rto_s"], want["rto_s"]);
    assert_eq!(got["rpo_s"], want["rpo_s"]);

    // Argument errors return clap's exit code instead of exiting the process.
    assert_eq!(main_with(&["run", "--no-such-flag"]), ExitCode::from(2));
}
