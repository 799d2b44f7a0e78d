//! The region plan: a typed, serialisable list of everything one region will create or join, computed purely
//! from the template, the request and what the engine and host look like now ([`PlanInputs`]).

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::error::RegionError;
use super::net::{pick_port, pick_subnet, Ipv4Net};
use super::render::{duration_ms, render, shell_words, Rendered, Secrets, VarValue};
use super::request::{validate, RegionRequest};
use super::template::{CommandSpec, RegionTemplate, TemplateNetwork, TemplateService};
use crate::compose::mask::{SecretPolicy, MASK};
use crate::compose::node::Scalar;
use crate::labels;
use crate::report::MountKind;

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

/// Where ports and subnets are picked from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct PlanOptions {
    /// First host port the server may get.
    pub port_first: u16,
    /// Last host port the server may get.
    pub port_last: u16,
    /// IPv4 pools region subnets (`/24`) are taken from, in order.
    pub subnet_pools: Vec<String>,
    /// The host address the server's port is published on.
    pub host_ip: String,
}

impl Default for PlanOptions {
    fn default() -> Self {
        PlanOptions {
            port_first: DEFAULT_PORTS.0,
            port_last: DEFAULT_PORTS.1,
            subnet_pools: DEFAULT_SUBNET_POOLS.iter().map(|s| s.to_string()).collect(),
            host_ip: DEFAULT_HOST_IP.to_string(),
        }
    }
}

/// The engine and host as they are now: what the pure planner needs to know.
#[derive(Debug, Clone, Default)]
pub struct PlanInputs {
    /// Every network on the engine.
    pub networks: Vec<ExistingNetwork>,
    /// Every container name on the engine.
    pub container_names: BTreeSet<String>,
    /// Host ports any container publishes or will publish when started.
    pub container_ports: BTreeSet<u16>,
    /// Host ports in the planned range that something listens on now.
    pub busy_host_ports: BTreeSet<u16>,
    /// The project's existing regions.
    pub regions: Vec<String>,
    /// What the engine knows of the template's images.
    pub images: BTreeMap<String, ImageFacts>,
    /// Every volume on the engine, with its labels.
    pub volumes: BTreeMap<String, BTreeMap<String, String>>,
    /// The region's keychain namespace already holds a database password (kept from a removed region).
    pub password_stored: bool,
    /// Secret variables that will have a value when the region is applied (keychain or environment).
    pub secrets_known: BTreeSet<String>,
    /// Values of the non-secret variables a template passes through by name only (`- NAME`).
    pub env_values: BTreeMap<String, String>,
    /// The keychain service the region's password is kept under.
    pub keychain_service: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ExistingNetwork {
    pub name: String,
    pub subnets: Vec<String>,
    pub labels: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImageFacts {
    pub present: bool,
    /// The image's `VOLUME` paths.
    pub volumes: Vec<String>,
}

/// Which of the region's services a container runs (the `service` label).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub enum RegionRole {
    Db,
    Server,
}

impl RegionRole {
    pub fn label(self) -> &'static str {
        match self {
            RegionRole::Db => "db",
            RegionRole::Server => "server",
        }
    }

    pub fn from_label(text: &str) -> Option<RegionRole> {
        match text {
            "db" => Some(RegionRole::Db),
            "server" => Some(RegionRole::Server),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub enum NetworkAction {
    /// Created for the region (and removed with it).
    Create,
    /// Exists already (the stack's network); the region's containers join it.
    Join,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub enum VolumeAction {
    Create,
    /// Kept from an earlier region of the same name (removed without its volumes): its data is reused.
    Reuse,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub enum SecretAction {
    /// Generated and stored in the keychain when the region is applied.
    Generate,
    /// Already in the keychain (the database in a reused volume was created with it).
    Reuse,
}

/// Everything one region creates or joins. Holds no secret: secrets are masked in `shown` and referenced
/// by name in `template`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct RegionPlan {
    pub region: String,
    /// The Compose project the region belongs to.
    pub project: String,
    pub request: RegionRequest,
    /// The template profile it was rendered from.
    pub template_profile: String,
    pub db_user: String,
    /// Database first, then the server (the order they are created and started in).
    pub containers: Vec<PlannedContainer>,
    pub networks: Vec<PlannedNetwork>,
    pub volumes: Vec<PlannedVolume>,
    pub ports: Vec<PlannedPort>,
    pub password: PlannedSecret,
    /// Where the server answers once applied, e.g. `http://127.0.0.1:8217`.
    pub server_url: String,
    /// The host name the server reaches its database under (from its `DATABASE_URL`).
    pub db_host: String,
    pub db_port: u16,
    /// Things to know before applying (an image that is not on the engine…).
    pub warnings: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct PlannedContainer {
    pub name: String,
    pub role: RegionRole,
    /// The template service it is rendered from.
    pub template: String,
    pub image: String,
    /// The image is on the engine now.
    pub image_present: bool,
    pub command: Option<Vec<Rendered>>,
    pub entrypoint: Option<Vec<Rendered>>,
    pub env: Vec<PlannedEnv>,
    pub labels: BTreeMap<String, String>,
    pub networks: Vec<ContainerNetwork>,
    pub mounts: Vec<PlannedMount>,
    pub ports: Vec<PlannedPort>,
    pub limits: Limits,
    pub healthcheck: Option<PlannedHealthcheck>,
    pub restart: Option<String>,
    pub init: bool,
    pub stop_grace_seconds: Option<u32>,
    pub user: Option<String>,
    pub working_dir: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct PlannedEnv {
    pub name: String,
    pub value: Rendered,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ContainerNetwork {
    /// The network's engine name.
    pub network: String,
    /// Extra DNS names of the container on that network.
    pub aliases: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct PlannedMount {
    /// `volume` (a named volume), `bind` (a host path), `anonymous` or `tmpfs`.
    pub kind: String,
    /// The volume's engine name or the absolute host path.
    pub source: Option<String>,
    pub target: String,
    pub read_only: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct PlannedPort {
    pub container: String,
    pub host_ip: String,
    pub host_port: u16,
    pub container_port: u16,
    pub protocol: String,
}

/// Resource limits of one container.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Limits {
    pub cpus: f64,
    pub memory_mb: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct PlannedHealthcheck {
    pub test: Vec<Rendered>,
    pub interval_ms: Option<u32>,
    pub timeout_ms: Option<u32>,
    pub retries: Option<u32>,
    pub start_period_ms: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct PlannedNetwork {
    pub name: String,
    pub action: NetworkAction,
    /// The subnet of a network the region creates.
    pub subnet: Option<String>,
    pub labels: BTreeMap<String, String>,
    /// The region's containers on it.
    pub containers: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct PlannedVolume {
    pub name: String,
    pub action: VolumeAction,
    pub labels: BTreeMap<String, String>,
    pub mounted_by: Vec<String>,
}

/// The region's database password: never shown, only where it lives.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct PlannedSecret {
    /// `REGION_DB_PASSWORD`.
    pub variable: String,
    /// The keychain service (`secret-tool lookup service <this> username REGION_DB_PASSWORD`).
    pub keychain_service: String,
    pub action: SecretAction,
    /// Always the mask.
    pub shown: String,
}

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

/// Plans a region. Pure: the same inputs give the same plan.
pub fn plan(
    template: &RegionTemplate,
    request: &RegionRequest,
    inputs: &PlanInputs,
    options: &PlanOptions,
    policy: &SecretPolicy,
) -> Result<RegionPlan, RegionError> {
    validate(request, &inputs.regions).map_err(|errors| RegionError::Invalid { errors })?;
    preflight(template, inputs)?;
    let t = template;
    let region = request.name.clone();
    let prefix = name_prefix(&t.project, &region);
    let db_name = format!("{prefix}-db");
    let server_name = format!("{prefix}-server");
    let network_name = format!("{prefix}-network");
    if let Some(taken) = [&db_name, &server_name].into_iter().find(|n| inputs.container_names.contains(*n)) {
        return Err(RegionError::Conflict {
            message: format!(
                "a container named {taken} exists already but carries no region label of project {}: remove \
                 it (`docker rm -f {taken}`) or choose another region name",
                t.project
            ),
        });
    }
    if inputs.networks.iter().any(|n| n.name == network_name) {
        return Err(RegionError::Conflict {
            message: format!(
                "a network named {network_name} exists already (left from an earlier region?): remove it \
                 (`docker network rm {network_name}`) or choose another region name"
            ),
        });
    }

    let mut pools = Vec::new();
    for pool in &options.subnet_pools {
        pools.push(Ipv4Net::parse(pool).ok_or_else(|| RegionError::Options {
            message: format!("subnet pool `{pool}` is not an IPv4 network such as 172.22.0.0/16"),
        })?);
    }
    let taken: Vec<Ipv4Net> =
        inputs.networks.iter().flat_map(|n| n.subnets.iter().filter_map(|s| Ipv4Net::parse(s))).collect();
    let subnet = pick_subnet(&region, &pools, &taken)
        .ok_or_else(|| RegionError::NoFreeSubnet { pools: options.subnet_pools.clone() })?;
    let used: BTreeSet<u16> = inputs.container_ports.union(&inputs.busy_host_ports).copied().collect();
    let host_port = pick_port(&region, options.port_first, options.port_last, &used)
        .ok_or(RegionError::NoFreePort { first: options.port_first, last: options.port_last })?;

    let db_user = request.effective_db_user();
    let known = |n: &str| inputs.secrets_known.contains(n);
    let secrets = Secrets { known: &known, value: &|_| None };
    let cx = Cx { t, inputs, prefix: &prefix };
    let mut server = cx.container(&t.server, RegionRole::Server, &server_name)?;
    server.values(&values(t, RegionRole::Server, request, &inputs.env_values, &secrets, policy)?);
    // The host is no secret even where the whole URL is (rendered without the entry's name: only the
    // password is masked).
    let vars = BTreeMap::from([("REGION_NAME".to_string(), VarValue::Text(region.clone()))]);
    let (db_host, db_port) = t
        .server
        .environment
        .iter()
        .find(|e| e.name == "DATABASE_URL")
        .and_then(|e| e.value.as_ref())
        .and_then(|v| url_host_port(&render(None, v, &vars, &secrets, policy).0.shown))
        .unwrap_or_else(|| (format!("{region}-db"), 5432));
    let mut db = cx.container(&t.db, RegionRole::Db, &db_name)?;
    db.values(&values(t, RegionRole::Db, request, &inputs.env_values, &secrets, policy)?);

    // Networks: the region's own (with the database's host name), then the stack's.
    let region_net = ContainerNetwork { network: network_name.clone(), aliases: Vec::new() };
    db.networks.insert(0, ContainerNetwork { aliases: vec![db_host.clone()], ..region_net.clone() });
    db.networks.dedup_by(|a, b| a.network == b.network);
    let server_alias = format!("region-{region}-server");
    server.networks.insert(0, region_net);
    for n in &mut server.networks {
        n.aliases.push(server_alias.clone());
    }
    server.networks.dedup_by(|a, b| a.network == b.network);

    let container_port = t.server.container_port.unwrap_or(DEFAULT_SERVER_PORT);
    let port = PlannedPort {
        container: server_name.clone(),
        host_ip: options.host_ip.clone(),
        host_port,
        container_port,
        protocol: "tcp".into(),
    };
    server.ports = vec![port.clone()];

    let gb_mb = request.memory_gb.saturating_mul(1024);
    server.limits = Limits { cpus: request.cpu_cores, memory_mb: gb_mb };
    db.limits = Limits {
        cpus: (request.cpu_cores * f64::from(DB_SHARE_PERCENT)).round() / 100.0,
        memory_mb: gb_mb * DB_SHARE_PERCENT / 100,
    };

    let base_labels = region_labels(&t.project, &region, &request.owner_id);
    let request_json = serde_json::to_string(request).unwrap_or_default();
    for (c, template_key) in [(&mut db, &t.db.key), (&mut server, &t.server.key)] {
        c.labels = base_labels.clone();
        c.labels.insert(labels::MANAGER_SERVICE.into(), c.role.label().into());
        c.labels.insert(labels::REGION_TEMPLATE.into(), template_key.clone());
        c.labels.insert(labels::REGION_REQUEST.into(), request_json.clone());
    }

    let mut networks = vec![PlannedNetwork {
        name: network_name.clone(),
        action: NetworkAction::Create,
        subnet: Some(subnet.to_string()),
        labels: base_labels.clone(),
        containers: vec![db_name.clone(), server_name.clone()],
    }];
    for c in [&db, &server] {
        for n in c.networks.iter().filter(|n| n.network != network_name) {
            match networks.iter_mut().find(|p| p.name == n.network) {
                Some(p) => p.containers.push(c.name.clone()),
                None => networks.push(PlannedNetwork {
                    name: n.network.clone(),
                    action: NetworkAction::Join,
                    subnet: None,
                    labels: BTreeMap::new(),
                    containers: vec![c.name.clone()],
                }),
            }
        }
    }

    let mut volumes: Vec<PlannedVolume> = Vec::new();
    for c in [&db, &server] {
        for m in c.mounts.iter().filter(|m| m.kind == "volume") {
            let Some(name) = m.source.clone() else { continue };
            if !name.starts_with(&prefix) {
                continue; // an external volume of the stack: joined, not created
            }
            if let Some(v) = volumes.iter_mut().find(|v| v.name == name) {
                v.mounted_by.push(c.name.clone());
                continue;
            }
            let action = match inputs.volumes.get(&name) {
                None => VolumeAction::Create,
                Some(found)
                    if found.get(labels::REGION) == Some(&region)
                        && found.get(labels::PROJECT) == Some(&t.project) =>
                {
                    VolumeAction::Reuse
                }
                Some(_) => {
                    return Err(RegionError::Conflict {
                        message: format!(
                            "a volume named {name} exists already and is not a volume of region {region}: \
                             remove it (`docker volume rm {name}`) or choose another region name"
                        ),
                    })
                }
            };
            volumes.push(PlannedVolume {
                name,
                action,
                labels: base_labels.clone(),
                mounted_by: vec![c.name.clone()],
            });
        }
    }

    let mut warnings = Vec::new();
    for (c, s) in [(&db, &t.db), (&server, &t.server)] {
        if !c.image_present {
            let how = if s.has_build {
                format!("build it first (`docker compose --profile {} build {}`)", t.profile, s.key)
            } else {
                format!("pull it first (`docker pull {}`)", c.image)
            };
            warnings.push(format!("the image {} of {} is not on the engine: {how}", c.image, c.name));
        }
    }

    Ok(RegionPlan {
        region: region.clone(),
        project: t.project.clone(),
        request: request.clone(),
        template_profile: t.profile.clone(),
        db_user,
        server_url: format!("http://{}:{host_port}", url_host(&options.host_ip)),
        containers: vec![db, server],
        networks,
        volumes,
        ports: vec![port],
        password: PlannedSecret {
            variable: PASSWORD_VAR.to_string(),
            keychain_service: inputs.keychain_service.clone(),
            action: if inputs.password_stored { SecretAction::Reuse } else { SecretAction::Generate },
            shown: MASK.to_string(),
        },
        db_host,
        db_port,
        warnings,
    })
}

/// The networks the template joins must exist: otherwise say which profile to start first.
pub(crate) fn preflight(t: &RegionTemplate, inputs: &PlanInputs) -> Result<(), RegionError> {
    let missing: Vec<&TemplateNetwork> =
        t.networks.iter().filter(|n| !inputs.networks.iter().any(|e| e.name == n.engine_name)).collect();
    if missing.is_empty() {
        return Ok(());
    }
    let mut hints = Vec::new();
    let external: Vec<&str> = missing.iter().filter(|n| n.external).map(|n| n.engine_name.as_str()).collect();
    if !external.is_empty() {
        hints.push(format!(
            "Create the external network(s) first: {}",
            external.iter().map(|n| format!("`docker network create {n}`")).collect::<Vec<_>>().join(", ")
        ));
    }
    let managed: Vec<&&TemplateNetwork> = missing.iter().filter(|n| !n.external).collect();
    if let Some(first) = managed.first() {
        let common = first.created_by.iter().find(|p| managed.iter().all(|n| n.created_by.contains(p)));
        match common {
            Some(p) => hints.push(format!(
                "Start the stack first: `dockmaster up --profile {p}` (or `docker compose -p {} --profile {p} up \
                 -d`)",
                t.project
            )),
            None => hints.push(format!(
                "Start the stack first with a profile that creates them ({}), e.g. `dockmaster up --profile \
                 PROFILE`",
                managed
                    .iter()
                    .map(|n| format!("{}: {}", n.key, n.created_by.join(" or ")))
                    .collect::<Vec<_>>()
                    .join("; ")
            )),
        }
    }
    Err(RegionError::NetworksMissing {
        networks: missing.iter().map(|n| n.engine_name.clone()).collect(),
        hint: hints.join("; "),
    })
}

/// The region-manager's game settings, as the server's environment.
fn game_env(r: &RegionRequest) -> [(&'static str, String); 5] {
    [
        ("MAX_PLAYERS", r.max_players.to_string()),
        ("GOVERNANCE_TYPE", r.governance.clone()),
        ("ECONOMIC_SPECIALIZATION", r.economy.clone()),
        ("STARTING_CREDITS", r.starting_credits.to_string()),
        ("STARTING_SHIP", r.starting_ship.clone()),
    ]
}

/// Host and port of `scheme://user:pass@host:port/db` (default port 5432).
pub fn url_host_port(url: &str) -> Option<(String, u16)> {
    let rest = url.split_once("://")?.1;
    let authority = rest.split(['/', '?']).next()?;
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let (host, port) = match host_port.rsplit_once(':') {
        Some((h, p)) if !h.ends_with(']') || h.starts_with('[') => (h, p.parse().ok()?),
        _ => (host_port, 5432),
    };
    (!host.is_empty()).then(|| (host.to_string(), port))
}

fn url_host(ip: &str) -> String {
    match ip {
        "" | "0.0.0.0" => "127.0.0.1".into(),
        "::" => "[::1]".into(),
        ip if ip.contains(':') => format!("[{ip}]"),
        ip => ip.into(),
    }
}

/// The rendered values of one container: as shown (masked) and, when applying, the real ones.
#[derive(Debug, Clone, Default)]
pub(crate) struct Values {
    pub env: Vec<PlannedEnv>,
    pub env_real: Vec<(String, String)>,
    pub command: Option<Vec<Rendered>>,
    pub command_real: Option<Vec<String>>,
    pub entrypoint: Option<Vec<Rendered>>,
    pub entrypoint_real: Option<Vec<String>>,
    pub health: Option<Vec<Rendered>>,
    pub health_real: Option<Vec<String>>,
}

impl PlannedContainer {
    fn values(&mut self, v: &Values) {
        self.env = v.env.clone();
        self.command = v.command.clone();
        self.entrypoint = v.entrypoint.clone();
        if let (Some(h), Some(test)) = (&mut self.healthcheck, &v.health) {
            h.test = test.clone();
        }
    }

    /// The shown values match `v` (the template rendered again gives what the plan showed).
    pub(crate) fn shows(&self, v: &Values) -> bool {
        self.env == v.env
            && self.command == v.command
            && self.entrypoint == v.entrypoint
            && self.healthcheck.as_ref().map(|h| &h.test) == v.health.as_ref()
    }
}

/// A command as shown and as run.
type Words = (Option<Vec<Rendered>>, Option<Vec<String>>);

/// Renders the values of the template service for `role`: environment (plus the server's game settings),
/// command, entrypoint, healthcheck test. With planning [`Secrets`] the real values are meaningless; when
/// applying they hold the secrets.
pub(crate) fn values(
    t: &RegionTemplate,
    role: RegionRole,
    request: &RegionRequest,
    env_values: &BTreeMap<String, String>,
    secrets: &Secrets<'_>,
    policy: &SecretPolicy,
) -> Result<Values, RegionError> {
    let s = match role {
        RegionRole::Db => &t.db,
        RegionRole::Server => &t.server,
    };
    let vars = BTreeMap::from([
        ("REGION_NAME".to_string(), VarValue::Text(request.name.clone())),
        ("REGION_DB_USER".to_string(), VarValue::Text(request.effective_db_user())),
        ("REGION_OWNER_ID".to_string(), VarValue::Text(request.owner_id.clone())),
        (PASSWORD_VAR.to_string(), VarValue::Secret),
    ]);
    let one = |name: Option<&str>, v: &Scalar| render(name, v, &vars, secrets, policy);
    let words = |spec: &Option<CommandSpec>, what: &str| -> Result<Words, RegionError> {
        Ok(match spec {
            None => (None, None),
            Some(CommandSpec::Exec(items)) => {
                let (shown, real) = items.iter().map(|i| one(None, i)).unzip();
                (Some(shown), Some(real))
            }
            Some(CommandSpec::Shell(line)) => {
                let (shown, real) = one(None, line);
                let bad =
                    |e: String| RegionError::Template { message: format!("services.{}.{what}: {e}", s.key) };
                let shown = shell_words(&shown.shown)
                    .map_err(bad)?
                    .into_iter()
                    .map(|w| Rendered { masked: w.contains(MASK), shown: w })
                    .collect();
                (Some(shown), Some(shell_words(&real).map_err(bad)?))
            }
        })
    };
    let mut v = Values::default();
    (v.command, v.command_real) = words(&s.command, "command")?;
    (v.entrypoint, v.entrypoint_real) = words(&s.entrypoint, "entrypoint")?;
    if let Some(h) = s.healthcheck.as_ref().filter(|h| !h.disabled && !h.test.is_empty()) {
        let (shown, real) = h.test.iter().map(|t| one(None, t)).unzip();
        (v.health, v.health_real) = (Some(shown), Some(real));
    }
    let push = |v: &mut Values, name: &str, shown: Rendered, real: String| {
        v.env.retain(|e| e.name != name);
        v.env_real.retain(|(n, _)| n != name);
        v.env.push(PlannedEnv { name: name.to_string(), value: shown });
        v.env_real.push((name.to_string(), real));
    };
    for var in &s.environment {
        let (shown, real) = match &var.value {
            Some(value) => one(Some(&var.name), value),
            None if policy.is_secret(&var.name) && (secrets.known)(&var.name) => (
                Rendered { shown: MASK.into(), masked: true },
                (secrets.value)(&var.name).unwrap_or_default(),
            ),
            None => match env_values.get(&var.name) {
                Some(value) => one(Some(&var.name), &Scalar::plain(value.clone())),
                None => continue, // unset: Compose leaves it out
            },
        };
        push(&mut v, &var.name, shown, real);
    }
    if role == RegionRole::Server {
        for (name, value) in game_env(request) {
            push(&mut v, name, Rendered::plain(value.clone()), value);
        }
        for (name, value) in [("REGION_NAME", &request.name), ("REGION_OWNER_ID", &request.owner_id)] {
            if !v.env.iter().any(|e| e.name == name) {
                push(&mut v, name, Rendered::plain(value.clone()), value.clone());
            }
        }
    }
    Ok(v)
}

struct Cx<'a> {
    t: &'a RegionTemplate,
    inputs: &'a PlanInputs,
    prefix: &'a str,
}

impl Cx<'_> {
    fn container(
        &self,
        s: &TemplateService,
        role: RegionRole,
        name: &str,
    ) -> Result<PlannedContainer, RegionError> {
        let image = match &s.image {
            Some(scalar) => scalar.value.clone(),
            None if s.has_build => format!("{}-{}", self.t.project, s.key),
            None => {
                return Err(RegionError::Template {
                    message: format!("the template service {} has neither `image:` nor `build:`", s.key),
                })
            }
        };
        let facts = self.inputs.images.get(&image).cloned().unwrap_or_default();
        let mut mounts = Vec::new();
        for m in &s.mounts {
            let (kind, source) = match m.kind {
                MountKind::Bind => ("bind", m.source.as_deref().map(|src| absolute(&self.t.root, src))),
                MountKind::Volume => {
                    let key = m.source.clone().unwrap_or_default();
                    let decl = self.t.volumes.get(&key).cloned().unwrap_or_default();
                    let source = if decl.external {
                        decl.name.unwrap_or(key)
                    } else {
                        format!("{}-{}", self.prefix, volume_key(&key))
                    };
                    ("volume", Some(source))
                }
                MountKind::Anonymous => ("anonymous", None),
                MountKind::Tmpfs => ("tmpfs", None),
                MountKind::Npipe => ("bind", m.source.clone()),
            };
            mounts.push(PlannedMount {
                kind: kind.into(),
                source,
                target: m.target.clone(),
                read_only: m.read_only,
            });
        }
        // Data the image keeps in a VOLUME gets a named volume of the region, not an anonymous one.
        for (i, path) in facts.volumes.iter().enumerate() {
            if mounts.iter().any(|m| &m.target == path) {
                continue;
            }
            let suffix = if facts.volumes.len() == 1 { String::new() } else { format!("-{i}") };
            mounts.push(PlannedMount {
                kind: "volume".into(),
                source: Some(format!("{}-{}-data{suffix}", self.prefix, role.label())),
                target: path.clone(),
                read_only: false,
            });
        }
        let networks = s
            .networks
            .iter()
            .map(|key| ContainerNetwork {
                network: self
                    .t
                    .networks
                    .iter()
                    .find(|n| &n.key == key)
                    .map(|n| n.engine_name.clone())
                    .unwrap_or_else(|| format!("{}_{key}", self.t.project)),
                aliases: Vec::new(),
            })
            .collect();
        let healthcheck = match &s.healthcheck {
            Some(h) if !h.disabled && !h.test.is_empty() => Some(PlannedHealthcheck {
                test: Vec::new(),
                interval_ms: h.interval.as_deref().and_then(duration_ms),
                timeout_ms: h.timeout.as_deref().and_then(duration_ms),
                retries: h.retries,
                start_period_ms: h.start_period.as_deref().and_then(duration_ms),
            }),
            _ => None,
        };
        Ok(PlannedContainer {
            name: name.to_string(),
            role,
            template: s.key.clone(),
            image_present: facts.present,
            image,
            command: None,
            entrypoint: None,
            env: Vec::new(),
            labels: BTreeMap::new(),
            networks,
            mounts,
            ports: Vec::new(),
            limits: Limits { cpus: 0.0, memory_mb: 0 },
            healthcheck,
            restart: s.restart.clone(),
            init: s.init,
            stop_grace_seconds: s
                .stop_grace_period
                .as_deref()
                .and_then(duration_ms)
                .map(|ms| ms.div_ceil(1000)),
            user: s.user.clone(),
            working_dir: s.working_dir.clone(),
        })
    }
}

/// A volume key as part of an engine name (`regional_assets` stays, anything unusual becomes `_`).
fn volume_key(key: &str) -> String {
    key.chars()
        .map(|c| if c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '.' { c } else { '_' })
        .collect()
}

/// A bind source relative to the project folder (or `~`), made absolute as Compose does.
fn absolute(root: &Path, source: &str) -> String {
    if let Some(rest) = source.strip_prefix("~/") {
        if let Some(home) = std::env::var_os("HOME") {
            return Path::new(&home).join(rest).display().to_string();
        }
    }
    let path = Path::new(source);
    if path.is_absolute() {
        return source.to_string();
    }
    let mut out = root.to_path_buf();
    for part in path.components() {
        match part {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir => {
                out.pop();
            }
            other => out.push(other.as_os_str()),
        }
    }
    out.display().to_string()
}

#[cfg(test)]
mod tests;
