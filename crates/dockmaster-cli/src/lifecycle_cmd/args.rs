//! The flags of the lifecycle subcommands: the selection, Compose version and grace shared by most, and
//! each subcommand's own.

use clap::Args;

#[derive(Args)]
pub struct Common {
    /// Profile to select; repeatable. Default: COMPOSE_PROFILES, else the stack's default profiles.
    #[arg(long = "profile", value_name = "PROFILE")]
    pub(super) profiles: Vec<String>,
    /// Compose version to use: v1 (`docker-compose`) or v2 (`docker compose`). Default: DOCKMASTER_COMPOSE,
    /// else v2 when installed, else v1.
    #[arg(long, value_name = "v1|v2")]
    pub(super) compose: Option<String>,
    /// On cancel (Ctrl-C, SIGTERM, SIGHUP): seconds Compose may take to stop after SIGTERM before it is killed.
    #[arg(long, value_name = "SECS", default_value_t = 10)]
    pub(super) grace: u32,
}

#[derive(Args)]
pub struct UpArgs {
    #[command(flatten)]
    pub(super) common: Common,
    /// Wait until every started service runs and is healthy (Compose v2 `--wait`; v1: the engine is watched).
    #[arg(long)]
    pub(super) wait: bool,
    /// With --wait: seconds the services may take to become healthy.
    #[arg(long, value_name = "SECS", default_value_t = 180)]
    pub(super) timeout: u32,
    /// Skip the preflight (ports, variables, memory, disk).
    #[arg(long)]
    pub(super) no_preflight: bool,
    /// Services to start (with their dependencies); default: the selection's.
    #[arg(value_name = "SERVICE")]
    pub(super) services: Vec<String>,
}

#[derive(Args)]
pub struct DownArgs {
    /// Also delete the project's volumes: the ones its files declare (by name, whoever made them) and the
    /// anonymous ones of its containers (their data is lost). Without --yes or --confirm it only lists them.
    #[arg(long, short = 'v')]
    pub(super) volumes: bool,
    /// Confirm deleting the volumes `down --volumes` lists now.
    #[arg(long)]
    pub(super) yes: bool,
    /// Confirm deleting exactly these volumes (repeatable; as `down --volumes` listed them): refused, with nothing
    /// done, when what would be deleted differs in any way.
    #[arg(long = "confirm", value_name = "VOLUME", requires = "volumes", conflicts_with = "yes")]
    pub(super) confirm: Vec<String>,
    /// Compose version to use: v1 or v2 (default: DOCKMASTER_COMPOSE, else v2 when installed, else v1).
    #[arg(long, value_name = "v1|v2")]
    pub(super) compose: Option<String>,
    /// On cancel (Ctrl-C, SIGTERM, SIGHUP): seconds Compose may take to stop after SIGTERM before it is killed.
    #[arg(long, value_name = "SECS", default_value_t = 10)]
    pub(super) grace: u32,
}

#[derive(Args)]
pub struct ServiceArgs {
    #[command(flatten)]
    pub(super) common: Common,
    /// Services to act on; default: the selection's.
    #[arg(value_name = "SERVICE")]
    pub(super) services: Vec<String>,
}

#[derive(Args)]
pub struct PreflightArgs {
    /// Profile to select; repeatable. Default: COMPOSE_PROFILES, else the stack's default profiles.
    #[arg(long = "profile", value_name = "PROFILE")]
    pub(super) profiles: Vec<String>,
    /// Compose version to check for: v1 or v2.
    #[arg(long, value_name = "v1|v2")]
    pub(super) compose: Option<String>,
    /// Services to check (with their dependencies); default: the selection's.
    #[arg(value_name = "SERVICE")]
    pub(super) services: Vec<String>,
}

#[derive(Args)]
pub struct DriftArgs {
    /// Profile to select; repeatable. Default: COMPOSE_PROFILES, else the stack's default profiles.
    #[arg(long = "profile", value_name = "PROFILE")]
    pub(super) profiles: Vec<String>,
    /// Compose version to hash with when the containers do not say: v1 or v2.
    #[arg(long, value_name = "v1|v2")]
    pub(super) compose: Option<String>,
}
