//! The questions asked before or beside an operation, on their own (no lock, nothing started): what `up`
//! checks first and what `down --volumes` would delete now (both read the engine through the supervisor the
//! caller lends), and which Compose versions are installed.

use super::preflight::{check, Input};
use super::prepare::{find_compose, prepare, read_keychain};
use super::types::{ComposeInfo, Flavor, OpKind, PreflightReport, VolumePlan};
use super::{compose, volumes, Result, RunOptions};
use crate::engine::EngineHandle;
use crate::project::Project;

/// What `down --volumes` would delete now, exactly as the Compose that would run it acts (see `volumes.rs`):
/// the declared volumes of every profile's files by engine name, plus the anonymous volumes of the project's
/// containers, each with why it is listed.
pub async fn volume_plan(
    project: &Project,
    engine: &EngineHandle,
    options: &RunOptions,
) -> Result<VolumePlan> {
    let prepared = prepare(project, OpKind::Down, &[], &[])?;
    let info = find_compose(options, &options.process()).await?;
    let docker = engine.connected().await?;
    volumes::compute(&docker, project.name(), info.flavor, &prepared.resolved.model).await
}

/// The checks `up` runs first, on their own: an engine or a Compose that cannot be used is one of the
/// problems it reports, not an error.
pub async fn preflight(
    project: &Project,
    engine: &EngineHandle,
    profiles: &[String],
    services: &[String],
    options: &RunOptions,
) -> Result<PreflightReport> {
    let prepared = prepare(project, OpKind::Up, profiles, services)?;
    let compose = find_compose(options, &options.process()).await.map_err(|e| e.to_string());
    let docker = engine.connected().await.map_err(|e| e.to_string());
    let read = read_keychain(project, &prepared.profiles, true).await;
    Ok(check(Input {
        project,
        profiles: &prepared.profiles,
        resolved: &prepared.resolved,
        involved: &prepared.involved,
        explicit: !services.is_empty(),
        compose,
        engine: docker,
        endpoint: &options.endpoint,
        catalog: read.catalog.as_ref(),
    })
    .await)
}

/// The Compose versions installed (`docker compose`, `docker-compose`), each found on its own, and the one an
/// operation with `options` would run (or why none can).
#[derive(Debug, Clone)]
pub struct ComposeInstalled {
    pub v2: std::result::Result<ComposeInfo, String>,
    pub v1: std::result::Result<ComposeInfo, String>,
    pub chosen: std::result::Result<ComposeInfo, String>,
}

/// Looks for both Compose versions and the one `options` choose, at once.
pub async fn compose_installed(options: &RunOptions) -> ComposeInstalled {
    let process = options.process();
    let env = super::env::curate(&process, &std::collections::BTreeSet::new());
    let one = |flavor: Flavor| {
        let env = env.clone();
        async move { compose::detect(Some((flavor, "installed".into())), &env).await.map_err(|e| e.to_string()) }
    };
    let (v2, v1, chosen) = tokio::join!(one(Flavor::V2), one(Flavor::V1), find_compose(options, &process));
    ComposeInstalled { v2, v1, chosen: chosen.map_err(|e| e.to_string()) }
}
