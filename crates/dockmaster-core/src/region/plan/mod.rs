//! The region plan: a typed, serialisable list of everything one region will create or join, computed purely
//! from the template, the request and what the engine and host look like now ([`PlanInputs`]).
//!
//! `types.rs` holds the plan's types, `build.rs` the pure planner ([`plan()`]) and the stack preflight,
//! `values.rs` the rendering of a container's environment and commands, `container.rs` a planned container
//! from its template service.

mod build;
mod container;
mod types;
mod values;

use std::collections::BTreeMap;

pub(crate) use build::preflight;
pub use build::{is_standalone, plan, url_host_port};
pub use types::*;
pub(crate) use values::{values, Values};

use crate::labels;

/// The variable the region's database password is stored under, in the region's keychain namespace.
pub const PASSWORD_VAR: &str = "REGION_DB_PASSWORD";
/// The region-manager's port scheme: `8100 + hash % 900`.
pub const DEFAULT_PORTS: (u16, u16) = (8100, 8999);
/// `172.22.x.0/24` first (the region-manager's scheme), then a second pool.
pub const DEFAULT_SUBNET_POOLS: &[&str] = &["172.22.0.0/16", "10.250.0.0/16"];
/// The server's port is published on loopback only.
pub const DEFAULT_HOST_IP: &str = "127.0.0.1";
/// The server's port when the template declares none (the game server's).
pub const DEFAULT_SERVER_PORT: u16 = 8080;
/// The database's share of the region's CPU and memory (the region-manager's template gives it 30 %).
const DB_SHARE_PERCENT: u32 = 30;

/// The labels every engine object of a region carries (region-manager's and Dockmaster's).
pub fn region_labels(project: &str, region: &str, owner: &str) -> BTreeMap<String, String> {
    BTreeMap::from([
        (labels::REGION.to_string(), region.to_string()),
        (labels::PROJECT.to_string(), project.to_string()),
        (labels::MANAGER_REGION.to_string(), region.to_string()),
        (labels::MANAGER_OWNER.to_string(), owner.to_string()),
    ])
}

/// `<project>-region-<name>`: the prefix of every engine name a region gets.
pub fn name_prefix(project: &str, region: &str) -> String {
    format!("{project}-region-{region}")
}

#[cfg(test)]
mod tests;
