//! `dockmaster volume ls` on the real engine: a volume of the demo's project holding a known amount of data
//! (3 000 000 bytes written by a container) is listed under the descriptor's purpose with exactly that size from
//! the engine's `system df` (API 1.41 included, where bollard's own `df` model drops the volume list); a volume not
//! created yet is "no" with its size unknown and why. The volume and the writer carry the `dockmaster.test` label
//! and are removed at the end, also when an assertion fails.
#![cfg(target_os = "linux")]

mod engine_support;

use std::process::Command;

use engine_support::*;
use serde_json::Value;

const BYTES: u64 = 3_000_000;

/// Removes the test's volume when dropped (after the writer container, which `--rm` removed already).
struct Cleanup(String);

impl Drop for Cleanup {
    fn drop(&mut self) {
        let _ = Command::new("docker").args(["volume", "rm", "-f", &self.0]).output();
    }
}

fn listed<'a>(list: &'a Value, key: &str) -> &'a Value {
    list.as_array()
        .and_then(|a| a.iter().find(|v| v["declaredAs"] == key))
        .unwrap_or_else(|| panic!("{key} not listed: {list}"))
}

#[test]
fn volume_ls_shows_the_purpose_and_the_engines_size_of_a_volume_with_known_data() {
    require_engine();
    let project = format!("dmvolsize{}x{}", std::process::id(), fastrand::u32(0..1_000_000));
    let volume = format!("{project}_postgres_data");
    let _cleanup = Cleanup(volume.clone());
    let label = format!("dockmaster.test={project}");
    run_ok(Command::new("docker").args(["volume", "create", "--label", &label, &volume]));
    run_ok(Command::new("docker").args([
        "run",
        "--rm",
        "--network",
        "none",
        "--label",
        &label,
        "-v",
        &format!("{volume}:/v"),
        IMAGE,
        "sh",
        "-c",
        &format!("head -c {BYTES} /dev/zero > /v/blob && sync"),
    ]));

    let out = dockmaster(&project, &["--json", "volume", "ls"], &[]);
    assert!(out.status.success(), "volume ls failed: {}", String::from_utf8_lossy(&out.stderr));
    let list = json(&out);
    let data = listed(&list, "postgres_data");
    assert_eq!(data["name"], volume.as_str());
    assert_eq!(data["purpose"], "dev persistence", "{data}");
    assert_eq!(data["exists"], true, "{data}");
    assert_eq!(data["sizeBytes"].as_u64(), Some(BYTES), "the engine's measure of the written bytes: {data}");
    assert_eq!(data["sizeUnknown"], Value::Null, "{data}");
    assert_eq!(data["services"], serde_json::json!(["database"]));

    let grafana = listed(&list, "grafana_data");
    assert_eq!(grafana["purpose"], "monitoring");
    assert_eq!(grafana["exists"], false, "{grafana}");
    assert_eq!(grafana["sizeBytes"], Value::Null);
    assert!(
        grafana["sizeUnknown"].as_str().is_some_and(|w| w.contains("not on the engine yet")),
        "{grafana}"
    );
    assert_eq!(listed(&list, "central_nexus_data")["purpose"], "multi-regional");

    // The table: the purpose and the size in words.
    let out = dockmaster(&project, &["volume", "ls"], &[]);
    let table = String::from_utf8_lossy(&out.stdout);
    let row = table
        .lines()
        .find(|l| l.contains(&volume))
        .unwrap_or_else(|| panic!("no row for {volume}:\n{table}"));
    assert!(row.starts_with("dev persistence") && row.contains("2.9 MiB"), "{row}");
}
