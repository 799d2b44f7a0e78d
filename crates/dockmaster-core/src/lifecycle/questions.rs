//! The questions asked before or beside an operation, on their own (no lock, nothing started): what `up`
//! checks first, and what `down --volumes` would delete now. Both read the engine through the supervisor the
//! caller lends.

use super::preflight::{check, Input};
use super::prepare::{find_compose, prepare, read_keychain};
use super::types::{OpKind, PreflightReport, VolumePlan};
use super::{volumes, Result, RunOptions};
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
