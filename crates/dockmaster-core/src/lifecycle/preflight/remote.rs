//! What a remote engine (SSH, TCP to another host) changes in the preflight: the project's files are on this
//! machine, the engine is not. Every bind-mount source of the started services must exist on the engine's host
//! (Dockmaster does not copy files there), and every image they need that Compose does not build must be on that
//! engine (Dockmaster never pulls; `dockmaster image copy` brings a local one over).
//!
//! Bind sources are checked through the engine API only: a container is created (never started) from an image
//! already on that engine, binding the source with the `Mounts` API, which refuses a missing source instead of
//! creating it; the container is removed at once. With no image on the engine the check is not possible, and a
//! warning says so rather than guessing.

use std::collections::BTreeMap;

use super::{issue, Input, ENGINE_TIMEOUT};
use crate::compose::mounts::absolute_source;
use crate::engine::ops::{ContainerSpec, EngineOps, HostMount, OpErrorKind};
use crate::engine::{Endpoint, EndpointSource};
use crate::face::Face;
use crate::labels;
use crate::lifecycle::types::{PreflightCode, PreflightIssue};
use crate::report::MountKind;
use crate::secrets::fix::Remedy;
use crate::secrets::Sensitive;

/// Where the probe container binds the source (never started, so never looked at).
const PROBE_TARGET: &str = "/dockmaster-bind-check";

/// What the started services need from the engine's host: images (not built by Compose) and bind sources
/// (absolute), each with the first service that needs it.
#[derive(Debug, Default, PartialEq, Eq)]
pub(super) struct Needs {
    pub images: BTreeMap<String, String>,
    pub binds: BTreeMap<String, String>,
}

/// The engine's name as the user knows it (its Docker context), else its address.
pub(super) fn engine_name(endpoint: &Endpoint) -> String {
    match &endpoint.source {
        EndpointSource::Context(name) => name.clone(),
        _ => endpoint.url(),
    }
}

pub(super) fn needs(input: &Input<'_>) -> Needs {
    let mut needs = Needs::default();
    let root = input.project.root();
    for name in input.involved {
        let Some(service) = input.resolved.model.services.get(name) else { continue };
        if let (Some(image), None) = (&service.image, &service.build) {
            needs.images.entry(image.clone()).or_insert_with(|| name.clone());
        }
        for m in service.mounts.iter().filter(|m| m.kind == MountKind::Bind) {
            if let Some(source) = &m.source {
                needs.binds.entry(absolute_source(root, source)).or_insert_with(|| name.clone());
            }
        }
    }
    needs
}

/// Both checks, on a remote engine only.
pub(super) async fn check(
    input: &Input<'_>,
    problems: &mut Vec<PreflightIssue>,
    warnings: &mut Vec<PreflightIssue>,
) {
    let Ok(engine) = &input.engine else { return };
    if input.endpoint.is_local() {
        return;
    }
    let engine = engine.with_timeout(ENGINE_TIMEOUT);
    check_on(&engine, &engine_name(input.endpoint), &needs(input), problems, warnings).await;
}

pub(super) async fn check_on<E: EngineOps>(
    engine: &E,
    name: &str,
    needs: &Needs,
    problems: &mut Vec<PreflightIssue>,
    warnings: &mut Vec<PreflightIssue>,
) {
    let mut present = None;
    for (image, service) in &needs.images {
        match engine.inspect_image(image).await {
            Ok(_) => present = present.or(Some(image.clone())),
            Err(e) if e.is_not_found() => problems.push(image_missing(image, service, name)),
            Err(e) => warnings.push(issue(
                PreflightCode::ImageMissing,
                format!(
                    "Could not check that image {image} (service {service}) is on the engine `{name}`: {e}"
                ),
                "Check the engine's connection, then check again.".into(),
            )),
        }
    }
    if needs.binds.is_empty() {
        return;
    }
    let probe = match present {
        Some(image) => Some(image),
        None => any_image(engine).await,
    };
    let Some(probe) = probe else {
        let list: Vec<&str> = needs.binds.keys().map(String::as_str).collect();
        let mut i = issue(
            PreflightCode::BindSourceUnchecked,
            format!(
                "The engine `{name}` has no image to check the bind-mount sources with, so whether {} exist on \
                 its host could not be checked.",
                list.join(", ")
            ),
            format!(
                "Make sure they exist on the engine's host (Dockmaster does not copy files), or copy an image there \
                 first (`dockmaster image copy IMAGE --to {name}`) so the check can run."
            ),
        );
        i.window_fix = "Make sure they exist on the engine's host (Dockmaster does not copy files).".into();
        warnings.push(i);
        return;
    };
    for (source, service) in &needs.binds {
        match source_exists(engine, &probe, source).await {
            Ok(true) => {}
            Ok(false) => problems.push(bind_missing(source, service, name)),
            Err(why) => {
                let mut i = issue(
                    PreflightCode::BindSourceUnchecked,
                    format!("Could not check that {source} (bound by {service}) exists on the host of `{name}`: {why}"),
                    "Make sure it exists on the engine's host (Dockmaster does not copy files).".into(),
                );
                i.service = Some(service.clone());
                warnings.push(i);
            }
        }
    }
}

/// Some image the engine has, to create the probe container from (never pulled).
async fn any_image<E: EngineOps>(engine: &E) -> Option<String> {
    let images = engine.list_images().await.ok()?;
    images.into_iter().next().map(|i| i.tags.into_iter().next().unwrap_or(i.id))
}

/// Whether `source` exists on the engine's host: a container binding it is created (never started) and removed.
/// `Err`: the engine answered something else (the message).
async fn source_exists<E: EngineOps>(engine: &E, image: &str, source: &str) -> Result<bool, String> {
    let name = format!("dockmaster-bind-check-{:08x}", fastrand::u32(..));
    let spec = ContainerSpec {
        name: name.clone(),
        image: image.to_string(),
        cmd: Some(Sensitive::new(vec!["true".to_string()])),
        labels: [(labels::PROBE.to_string(), "bind-source".to_string())].into(),
        host_mounts: vec![HostMount { source: source.into(), target: PROBE_TARGET.into(), read_only: true }],
        ..Default::default()
    };
    match engine.create_container(&spec).await {
        Ok(id) => match engine.remove_container(&id, true).await {
            Ok(()) => Ok(true),
            Err(e) => {
                Err(format!("the check container {name} could not be removed ({e}): remove it by hand"))
            }
        },
        Err(e) if e.message.contains("does not exist") && e.message.contains(source) => Ok(false),
        Err(e) => {
            if e.kind == OpErrorKind::TimedOut {
                // It may have been created all the same.
                let _ = engine.remove_container(&name, true).await;
            }
            Err(e.message)
        }
    }
}

fn image_missing(image: &str, service: &str, engine: &str) -> PreflightIssue {
    let fix = |face: Face| {
        match face {
        Face::Cli => format!(
            "Copy it from this machine's engine: `dockmaster image copy {image} --to {engine}`, or pull it there \
             yourself: `docker --context {engine} pull {image}`."
        ),
        Face::Window => format!(
            "Press Copy to engine to copy it from this machine's engine, or pull it there yourself: \
             `docker --context {engine} pull {image}`."
        ),
    }
    };
    let mut i = issue(
        PreflightCode::ImageMissing,
        format!(
            "Image {image}, which {service} runs, is not on the engine `{engine}`, and Compose does not build it \
             (Dockmaster never pulls)."
        ),
        fix(Face::Cli),
    );
    i.window_fix = fix(Face::Window);
    i.service = Some(service.into());
    i.remedy = Some(Remedy::CopyImage { image: image.into(), engine: engine.into() });
    i
}

fn bind_missing(source: &str, service: &str, engine: &str) -> PreflightIssue {
    let mut i = issue(
        PreflightCode::BindSourceMissing,
        format!(
            "{source}, which {service} bind-mounts, does not exist on the host of the engine `{engine}`: the start \
             would fail, or the engine would put an empty folder in its place."
        ),
        "Create it on that host with the project's files (e.g. `rsync -a` or `git clone` there, at the same path): \
         Dockmaster does not copy files to an engine's host. Or start on another engine."
            .into(),
    );
    i.service = Some(service.into());
    i
}

#[cfg(test)]
#[path = "remote_tests.rs"]
mod tests;
