//! Building the package's examples from a test or bench.
//!
//! Cargo gives integration tests the path of the package's *binaries*
//! (`CARGO_BIN_EXE_*`) but not of its examples, so a test that runs an example
//! builds it itself with the cargo that runs the tests (`$CARGO`), the same
//! features and profile as the test, and takes each executable's path from
//! cargo's JSON build messages (`--message-format=json`) rather than guessing
//! the layout of the target directory.

use std::path::PathBuf;
use std::process::Command;

/// Builds the examples `names` and returns their executables, in order.
pub fn build_examples(names: &[&str]) -> Vec<PathBuf> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let features: Vec<&str> = [
        (cfg!(feature = "aws-lc"), "aws-lc"),
        (cfg!(feature = "portable"), "portable"),
        (cfg!(feature = "gm"), "gm"),
        (cfg!(feature = "pkcs11"), "pkcs11"),
        (cfg!(feature = "postgres"), "postgres"),
    ]
    .into_iter()
    .filter_map(|(on, name)| on.then_some(name))
    .collect();
    let mut command = Command::new(cargo);
    command
        .args(["build", "--quiet", "--message-format=json"])
        .args(names.iter().flat_map(|name| ["--example", name]))
        .arg("--manifest-path")
        .arg(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("Cargo.toml"))
        .args(["--no-default-features", "--features", &features.join(",")]);
    // Same profile as this binary: target/<profile>/deps/<test>.
    let profile = std::env::current_exe()
        .ok()
        .and_then(|exe| Some(exe.parent()?.parent()?.file_name()?.to_owned()));
    if profile.as_deref() == Some("release".as_ref()) {
        command.arg("--release");
    }
    let output = command.output().expect("run cargo build");
    assert!(
        output.status.success(),
        "cargo build of the examples {names:?} failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    names
        .iter()
        .map(|name| {
            stdout
                .lines()
                .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
                .filter(|m| m["reason"] == "compiler-artifact" && m["target"]["name"] == *name)
                .find_map(|m| m["executable"].as_str().map(PathBuf::from))
                .unwrap_or_else(|| panic!("cargo reported no {name} executable"))
        })
        .collect()
}
