//! The flags of a region request (`plan`, `create`), mapped to the core's request and plan options.

use clap::Args;
use dockmaster_core::region::{PlanOptions, RegionError, RegionRequest};

#[derive(Args)]
pub struct RequestArgs {
    /// The region's name: 3–50 characters of letters, digits, `_` and `-`.
    name: String,
    /// The owner's user ID (a UUID).
    #[arg(long, value_name = "UUID")]
    owner: String,
    /// CPU cores for the region (1–8).
    #[arg(long, default_value_t = 2.0, value_name = "N")]
    cpus: f64,
    /// Memory for the region in GB (2–16).
    #[arg(long = "memory-gb", default_value_t = 4, value_name = "N")]
    memory_gb: u32,
    /// Maximum players (10–1000).
    #[arg(long = "max-players", default_value_t = 100, value_name = "N")]
    max_players: u32,
    /// autocracy, democracy or council.
    #[arg(long, default_value = "autocracy", value_name = "G")]
    governance: String,
    /// balanced, commerce, industrial, agricultural, technological or military.
    #[arg(long, default_value = "balanced", value_name = "E")]
    economy: String,
    /// Credits a new player starts with (at least 100).
    #[arg(long = "starting-credits", default_value_t = 1000, value_name = "N")]
    starting_credits: u32,
    /// The ship a new player starts with.
    #[arg(long = "starting-ship", default_value = "scout", value_name = "S")]
    starting_ship: String,
    /// The region's database user (default region_<name>_user).
    #[arg(long = "db-user", value_name = "USER")]
    db_user: Option<String>,
    /// Host ports the server's port is picked from.
    #[arg(long = "port-range", value_name = "FIRST-LAST")]
    port_range: Option<String>,
    /// IPv4 pool the region's /24 subnet is picked from; repeatable (default 172.22.0.0/16, 10.250.0.0/16).
    #[arg(long = "subnet-pool", value_name = "CIDR")]
    subnet_pools: Vec<String>,
    /// A standalone region, for an engine without the stack: it joins none of the stack's networks, only a network
    /// of its own (created, labelled and removed with it); the stack's services are not reachable from it.
    #[arg(long)]
    standalone: bool,
}

#[derive(Args)]
pub struct CreateArgs {
    #[command(flatten)]
    pub(super) request: RequestArgs,
    /// Create without asking.
    #[arg(long)]
    pub(super) yes: bool,
    /// Seconds each container may take to become healthy before the region is rolled back.
    #[arg(long = "health-timeout", default_value_t = 120, value_name = "SECONDS")]
    pub(super) health_timeout: u32,
}

impl RequestArgs {
    pub(super) fn request(&self) -> RegionRequest {
        RegionRequest {
            name: self.name.clone(),
            owner_id: self.owner.clone(),
            cpu_cores: self.cpus,
            memory_gb: self.memory_gb,
            max_players: self.max_players,
            governance: self.governance.clone(),
            economy: self.economy.clone(),
            starting_credits: self.starting_credits,
            starting_ship: self.starting_ship.clone(),
            db_user: self.db_user.clone(),
        }
    }

    pub(super) fn options(&self) -> Result<PlanOptions, RegionError> {
        let mut o = PlanOptions::default();
        if let Some(range) = &self.port_range {
            let parsed = range
                .split_once('-')
                .and_then(|(a, b)| Some((a.trim().parse::<u16>().ok()?, b.trim().parse::<u16>().ok()?)))
                .filter(|(a, b)| a <= b && *a > 0);
            let Some((first, last)) = parsed else {
                return Err(RegionError::Options {
                    message: format!("--port-range `{range}` is not FIRST-LAST (e.g. 8100-8999)"),
                });
            };
            (o.port_first, o.port_last) = (first, last);
        }
        if !self.subnet_pools.is_empty() {
            o.subnet_pools = self.subnet_pools.clone();
        }
        o.standalone = self.standalone;
        Ok(o)
    }
}
