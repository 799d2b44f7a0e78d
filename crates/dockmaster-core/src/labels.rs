//! Label names Dockmaster reads and writes on engine objects (containers, networks, volumes), in one place.
//!
//! Compose's own labels identify a project's containers for Compose v1 and v2 alike. Region containers are
//! created outside Compose (by the stack's region-manager or Dockmaster's region wizard): they carry the
//! region-manager's labels (`region`, `service`, `owner`) plus Dockmaster's `dev.dockmaster.*` labels, which tie
//! them to a Compose project so the engine can filter them server-side.

/// The Compose project a container belongs to (`docker compose -p`).
pub const COMPOSE_PROJECT: &str = "com.docker.compose.project";
/// The Compose service a container runs.
pub const COMPOSE_SERVICE: &str = "com.docker.compose.service";
/// `True` on `docker compose run` containers.
pub const COMPOSE_ONEOFF: &str = "com.docker.compose.oneoff";
/// The hash of the service configuration a container was created from (differs between Compose v1 and v2).
pub const COMPOSE_CONFIG_HASH: &str = "com.docker.compose.config-hash";
/// The Compose version that created a container (`1.29.2`, `2.26.1`).
pub const COMPOSE_VERSION: &str = "com.docker.compose.version";

/// Dockmaster's label: the region a container, network or volume belongs to (value: the region's name).
pub const REGION: &str = "dev.dockmaster.region";
/// Dockmaster's label: the Compose project a region belongs to (value: the project name).
pub const PROJECT: &str = "dev.dockmaster.project";

/// The region-manager's label: the region's name.
pub const MANAGER_REGION: &str = "region";
/// The region-manager's label: which of the region's services a container runs (e.g. `server`, `db`).
pub const MANAGER_SERVICE: &str = "service";
/// The region-manager's label: the region owner's ID.
pub const MANAGER_OWNER: &str = "owner";

/// Dockmaster's label on region containers: the template service a container was rendered from.
pub const REGION_TEMPLATE: &str = "dev.dockmaster.region.template";
/// Dockmaster's label on region containers: the region request (JSON, no secrets), to show the plan again.
pub const REGION_REQUEST: &str = "dev.dockmaster.region.request";
/// Dockmaster's label on everything one region apply creates (value: the apply's ID): rollback removes
/// exactly what carries it.
pub const REGION_APPLY: &str = "dev.dockmaster.region.apply";

/// On the demo image (`dockmaster/demo-busybox`): the hash of the recipe it was built from (busybox + layout), so
/// a current image is not rebuilt.
pub const DEMO_HASH: &str = "dockmaster.demo.hash";

/// On the short-lived container the preflight creates (never starts) to check that a bind source exists on a
/// remote engine's host; removed at once.
pub const PROBE: &str = "dockmaster.probe";

/// On Dockmaster's short-lived helper containers (volume backup and restore; value: the Compose project): removed
/// by whoever starts them, failed or not.
pub const HELPER: &str = "dockmaster.helper";

/// Marks what Dockmaster's own tests create (removed by the tests that create it).
pub const TEST: &str = "dockmaster.test";
/// Marks what Dockmaster's benchmarks create (removed by the benchmark that creates it).
pub const BENCH: &str = "dockmaster.bench";

/// `KEY=VALUE`, as engine label filters take it.
pub fn filter(key: &str, value: &str) -> String {
    format!("{key}={value}")
}
