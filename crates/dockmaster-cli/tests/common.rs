//! Helpers shared by the CLI integration tests: run the real `dockmaster` binary and read its output.
#![allow(dead_code)]

use std::path::PathBuf;
use std::process::{Command, Output};

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().expect("repo root")
}

pub fn demo() -> PathBuf {
    repo().join("demo")
}

pub fn fixture(name: &str) -> PathBuf {
    repo().join("tests/fixtures").join(name)
}

/// Removes the developer's own `COMPOSE_*`, port and subnet variables from a child's environment, so they
/// cannot change what Compose or Dockmaster resolve.
pub fn isolated(cmd: &mut Command) -> &mut Command {
    for (key, _) in std::env::vars() {
        if key.starts_with("COMPOSE_") || key.ends_with("_PORT") || key.ends_with("_SUBNET") {
            cmd.env_remove(key);
        }
    }
    cmd
}

/// The `dockmaster` binary with `args`, in an [`isolated`] environment.
pub fn dockmaster_command(args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_dockmaster"));
    isolated(&mut cmd).args(args);
    cmd
}

/// Runs `dockmaster` in an [`isolated`] environment.
pub fn dockmaster(args: &[&str]) -> Output {
    dockmaster_command(args).output().expect("dockmaster runs")
}

pub fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

pub fn json(out: &Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("stdout is not JSON ({e}):\n{}\nstderr:\n{}", stdout(out), stderr(out)))
}

pub fn names(list: &serde_json::Value) -> Vec<String> {
    list.as_array().expect("array").iter().map(|v| v["name"].as_str().expect("name").to_string()).collect()
}
