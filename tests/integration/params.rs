//! Bad strategy entries: `drsim::strategies::build` refuses them, naming the kind or the key.

use drsim::scenario::StrategyEntry;
use drsim::strategies::{BuildStrategyError, build};

fn entry(text: &str) -> StrategyEntry {
    toml::from_str(text).unwrap_or_else(|e| panic!("{e}"))
}

fn build_err(entry: &StrategyEntry) -> BuildStrategyError {
    match build(entry) {
        Ok(s) => panic!("{:?} was accepted as {}", entry, s.name()),
        Err(e) => e,
    }
}

/// An unknown kind is refused, and the message names it and lists the known kinds.
#[test]
fn unknown_kind_is_named() {
    let e = build_err(&entry(r#"kind = "cold_standby""#));
    assert!(matches!(&e, BuildStrategyError::UnknownKind { kind, .. } if kind == "cold_standby"), "{e:?}");
    let msg = e.to_string();
    assert!(msg.contains("\"cold_standby\""), "{msg}");
    for known in drsim::strategies::KINDS {
        assert!(msg.contains(known), "{msg} does not list {known}");
    }
}

/// An unknown parameter key is refused for every built-in kind, and the message names the kind
/// and the key.
#[test]
fn unknown_param_key_is_named() {
    for kind in drsim::strategies::KINDS {
        let e = build_err(&entry(&format!("kind = \"{kind}\"\n[params]\nbackup_intervall = \"1h\"\n")));
        assert!(matches!(&e, BuildStrategyError::Params { kind: k, .. } if k == kind), "{kind}: {e:?}");
        let msg = e.to_string();
        assert!(msg.contains(kind), "{msg} does not name the kind {kind}");
        assert!(msg.contains("backup_intervall"), "{msg} does not name the key");
    }
}

/// A known key with a value out of range is refused by the strategy's own validation, naming
/// the key.
#[test]
fn bad_param_value_is_named() {
    let e = build_err(&entry("kind = \"warm_standby\"\n[params]\nstandby_fraction = 1.5\n"));
    assert!(matches!(e, BuildStrategyError::Invalid(_)), "{e:?}");
    assert!(e.to_string().contains("standby_fraction"), "{e}");
}

/// Every built-in kind builds with no parameters at all (every key has a default).
#[test]
fn every_kind_builds_with_defaults() {
    for kind in drsim::strategies::KINDS {
        if let Err(e) = build(&entry(&format!("kind = \"{kind}\""))) {
            panic!("{kind}: {e}");
        }
    }
}
