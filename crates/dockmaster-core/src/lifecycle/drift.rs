//! Needs-recreate: each running container's `com.docker.compose.config-hash` against the hash the same
//! Compose version computes for the current configuration (`config --hash=*`), with the same environment
//! (secrets included, since they are part of the configuration).

use std::collections::BTreeMap;
use std::time::Duration;

use super::compose::{self, Target};
use super::prepare::{child_env, find_compose, prepare, read_keychain};
use super::types::{ComposeInfo, DriftReport, Flavor, ServiceDrift};
use super::{LifecycleError, OpKind, Result, RunOptions};
use crate::engine::ops::{EngineOps, LabelFilter};
use crate::engine::EngineError;
use crate::project::Project;

use crate::labels::{
    COMPOSE_CONFIG_HASH as HASH_LABEL, COMPOSE_SERVICE as SERVICE_LABEL, COMPOSE_VERSION as VERSION_LABEL,
};

/// `service hash` lines → map.
pub fn parse_hashes(text: &str) -> BTreeMap<String, String> {
    text.lines()
        .filter_map(|l| {
            let mut parts = l.split_whitespace();
            Some((parts.next()?.to_string(), parts.next()?.to_string()))
        })
        .collect()
}

struct Running {
    service: String,
    name: String,
    hash: Option<String>,
    flavor: Option<Flavor>,
}

/// Per running service: does its container run the current configuration?
pub async fn drift(
    project: &Project,
    engine: &crate::engine::EngineHandle,
    profiles: &[String],
    options: &RunOptions,
) -> Result<DriftReport> {
    let prepared = prepare(project, OpKind::Up, profiles, &[])?;
    let process = options.process();
    let primary = find_compose(options, &process).await?;
    let base = super::env::curate(&process, &Default::default());
    let docker = engine.connected().await?;
    let read = read_keychain(project, &prepared.profiles, false).await;
    let (env, masker) = child_env(project, &prepared, &process, read.secrets, true, &mut |_| {})?;

    let filter = LabelFilter::all().is(crate::labels::COMPOSE_PROJECT, project.name());
    let containers =
        docker.with_timeout(Duration::from_secs(10)).list_containers(&filter, false).await.map_err(|e| {
            EngineError::Unavailable {
                endpoint: options.endpoint.to_string(),
                reason: format!("listing containers failed: {e}"),
            }
        })?;
    let running: Vec<Running> = containers
        .into_iter()
        .filter_map(|c| {
            Some(Running {
                service: c.labels.get(SERVICE_LABEL)?.clone(),
                name: Some(c.name).filter(|n| !n.is_empty())?,
                hash: c.labels.get(HASH_LABEL).cloned(),
                flavor: c.labels.get(VERSION_LABEL).and_then(|v| compose::flavor_of_version(v)),
            })
        })
        .collect();

    // The hash of each flavour the containers were created by (they differ between v1 and v2).
    let mut hashes: BTreeMap<Flavor, std::result::Result<BTreeMap<String, String>, String>> = BTreeMap::new();
    for flavor in running.iter().map(|r| r.flavor.unwrap_or(primary.flavor)) {
        if hashes.contains_key(&flavor) {
            continue;
        }
        let info: std::result::Result<ComposeInfo, String> = if flavor == primary.flavor {
            Ok(primary.clone())
        } else {
            compose::detect(Some((flavor, "the containers' labels".into())), &base)
                .await
                .map_err(|e| e.to_string())
        };
        let result = match info {
            Ok(info) => config_hashes(&info, project, &prepared, &env)
                .await
                .map_err(|e| masker.mask_str(&e).into_owned()),
            Err(e) => {
                Err(format!("the containers were created by Compose {flavor}, which is not available: {e}"))
            }
        };
        hashes.insert(flavor, result);
    }
    drop(env);

    let mut by_service: BTreeMap<String, Vec<&Running>> = BTreeMap::new();
    for r in &running {
        by_service.entry(r.service.clone()).or_default().push(r);
    }
    let order: Vec<String> = prepared
        .resolved
        .model
        .services
        .keys()
        .filter(|k| by_service.contains_key(*k))
        .cloned()
        .chain(by_service.keys().filter(|k| !prepared.resolved.model.services.contains_key(*k)).cloned())
        .collect();
    let services = order
        .into_iter()
        .map(|name| {
            let list = by_service.remove(&name).unwrap_or_default();
            let flavor = list.first().and_then(|r| r.flavor).unwrap_or(primary.flavor);
            let container_hashes: Vec<String> = list.iter().filter_map(|r| r.hash.clone()).collect();
            let containers: Vec<String> = list.iter().map(|r| r.name.clone()).collect();
            let (config_hash, note) = match hashes.get(&flavor) {
                Some(Ok(map)) => match map.get(&name) {
                    Some(h) => (Some(h.clone()), None),
                    None => {
                        (None, Some(format!("{name} is not part of the selected profiles' configuration")))
                    }
                },
                Some(Err(e)) => (None, Some(e.clone())),
                None => (None, Some("no hash computed".to_string())),
            };
            let drift = config_hash.as_ref().is_some_and(|h| {
                container_hashes.len() < list.len() || container_hashes.iter().any(|c| c != h)
            });
            ServiceDrift { name, drift, containers, config_hash, container_hashes, note }
        })
        .collect();
    Ok(DriftReport {
        project: project.name().to_string(),
        profiles: prepared.profiles,
        compose: primary,
        services,
    })
}

async fn config_hashes(
    info: &ComposeInfo,
    project: &Project,
    prepared: &super::Prepared,
    env: &super::env::ChildEnv,
) -> std::result::Result<BTreeMap<String, String>, String> {
    let target = Target {
        files: &prepared.resolved.files,
        project_dir: project.root(),
        project_name: project.name(),
        profiles: &prepared.profiles,
        context: env.context(),
    };
    let inv = compose::invocation(info, &target, compose::config_hash_subcommand());
    let mut cmd = tokio::process::Command::new(&inv.program);
    cmd.args(&inv.args).stdin(std::process::Stdio::null()).kill_on_drop(true);
    env.apply(&mut cmd);
    let out = match tokio::time::timeout(Duration::from_secs(60), cmd.output()).await {
        Err(_) => return Err(format!("`{}` did not finish within 60 s", inv.display())),
        Ok(Err(e)) => {
            return Err(LifecycleError::Spawn { command: inv.display(), detail: e.to_string() }.to_string())
        }
        Ok(Ok(out)) => out,
    };
    if !out.status.success() {
        let stderr = String::from_utf8_lossy(&out.stderr);
        let text: Vec<&str> = stderr.lines().filter(|l| !l.contains("variable is not set")).collect();
        return Err(format!("`{}` failed: {}", inv.display(), text.join(" ").trim()));
    }
    Ok(parse_hashes(&String::from_utf8_lossy(&out.stdout)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_lines() {
        let map = parse_hashes("a c23b4f\nb 362c1c\n\n");
        assert_eq!(map.get("a").map(String::as_str), Some("c23b4f"));
        assert_eq!(map.len(), 2);
    }
}
