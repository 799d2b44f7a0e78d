//! The pure planner: names, subnet, port, limits, labels, networks and volumes of one region, and the
//! preflight that the stack's networks exist.

use std::collections::{BTreeMap, BTreeSet};

use super::container::Cx;
use super::types::*;
use super::values::values;
use super::{name_prefix, region_labels, DB_SHARE_PERCENT, DEFAULT_SERVER_PORT, PASSWORD_VAR};
use crate::compose::mask::{SecretPolicy, MASK};
use crate::labels;
use crate::region::error::RegionError;
use crate::region::net::{pick_port, pick_subnet, Ipv4Net};
use crate::region::render::{render, Secrets, VarValue};
use crate::region::request::{validate, RegionRequest};
use crate::region::template::{RegionTemplate, TemplateNetwork};

/// Plans a region. Pure: the same inputs give the same plan.
pub fn plan(
    template: &RegionTemplate,
    request: &RegionRequest,
    inputs: &PlanInputs,
    options: &PlanOptions,
    policy: &SecretPolicy,
) -> Result<RegionPlan, RegionError> {
    validate(request, &inputs.regions).map_err(|errors| RegionError::Invalid { errors })?;
    if !options.standalone {
        preflight(template, inputs)?;
    }
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
    let mut warnings = Vec::new();
    if options.standalone {
        warnings.extend(standalone_warning(t, &server, &db_host));
        db.networks.retain(|n| n.network == network_name);
        server.networks.retain(|n| n.network == network_name);
    }

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

/// What a standalone region gives up: the stack's networks it does not join, and the hosts its server's
/// environment names that only those networks would resolve (every URL host but its own database's).
fn standalone_warning(t: &RegionTemplate, server: &PlannedContainer, db_host: &str) -> Option<String> {
    if t.networks.is_empty() {
        return None;
    }
    let joined: Vec<&str> = t.networks.iter().map(|n| n.engine_name.as_str()).collect();
    let mut hosts: Vec<String> = server
        .env
        .iter()
        .filter_map(|e| url_host_port(&e.value.shown).map(|(host, _)| (e.name.clone(), host)))
        .filter(|(_, host)| host != db_host && !matches!(host.as_str(), "localhost" | "127.0.0.1"))
        .map(|(name, host)| format!("{name} ({host})"))
        .collect();
    hosts.dedup();
    let named = if hosts.is_empty() {
        String::new()
    } else {
        format!(
            "; its server's environment names hosts only those networks resolve — {}: point them at addresses \
             this engine's host can reach",
            hosts.join(", ")
        )
    };
    Some(format!(
        "{STANDALONE}the region joins none of the stack's networks ({}), only its own{named}",
        joined.join(", ")
    ))
}

/// How a standalone plan's warning begins.
const STANDALONE: &str = "standalone: ";

/// Whether `plan` was made standalone (for a template that joins any stack network; else both plans are alike).
pub fn is_standalone(plan: &RegionPlan) -> bool {
    plan.warnings.iter().any(|w| w.starts_with(STANDALONE))
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
