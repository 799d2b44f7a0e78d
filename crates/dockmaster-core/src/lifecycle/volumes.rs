//! What `down --volumes` deletes, computed the way Compose v1 and v2 act on it, with why each volume is listed.
//!
//! The rules, found by experiment on the real engine (Engine 20.10, Compose 1.29.2 and 2.26.1) with a project
//! run the way Dockmaster runs it (`-f` every file, `--project-directory`, `-p`, every profile,
//! `down --remove-orphans -v`): a declared volume, an external one, one with an explicit `name:`, a declared one
//! no service mounts, an anonymous `- /data`, a hand-made unlabelled `P_keepme`, a hand-made volume carrying the
//! project's label but not declared, and another project's volume.
//!
//! - **Declared volumes are deleted by name, whoever made them.** The engine name is `name:` when given, else
//!   `<project>_<key>`. A `P_keepme` made by hand (no label), restored from a backup or labelled for another
//!   project is deleted with its data all the same: labels play no part.
//! - `external: true` volumes are never deleted.
//! - **v2 deletes only the declared volumes a service mounts** (`type: volume` with that key as its source;
//!   compose-go drops the others from the project before `down` sees it). **v1 deletes every declared,
//!   non-external volume**, mounted or not (and v1's `up` creates them all).
//! - A volume that only carries the project's label (`com.docker.compose.project`) without being declared is
//!   not deleted (v2 goes by label only when it runs without files, which Dockmaster never does); neither is
//!   another project's volume.
//! - **Anonymous volumes**: both remove the containers of the files' services (one-off `run` containers
//!   included) with `-v`, and the engine then deletes each volume such a container mounts without a source in
//!   its spec (`- /data`, an image's `VOLUME`). A recreated container mounts its predecessor's anonymous volume
//!   by name (v1 in `Binds`, v2 in `Mounts` with a `Source`), so that one survives. Orphan containers (a
//!   service the files no longer have) are removed without `-v`: their volumes stay.
//!
//! The list holds only what exists on the engine now; [`compute`] reads it, [`plan`] is the pure rule.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::time::Duration;

use super::error::Result;
use super::types::{Flavor, VolumeKind, VolumePlan, VolumeToDelete};
use crate::compose::model::ComposeModel;
use crate::engine::ops::{ContainerInfo, EngineOps, LabelFilter, OpError, TextMask};
use crate::engine::EngineError;
use crate::labels;
use crate::report::MountKind;

/// How long one engine request may take.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

/// A volume on the engine.
#[derive(Debug, Clone)]
pub(crate) struct EngineVolume {
    pub name: String,
    pub labels: HashMap<String, String>,
}

/// One of the project's containers, as far as its anonymous volumes go.
#[derive(Debug, Clone, Default)]
pub(crate) struct ContainerVolumes {
    pub name: String,
    /// Its `com.docker.compose.service` label.
    pub service: Option<String>,
    /// Every mount of type volume: (volume name, destination).
    pub mounts: Vec<(String, String)>,
    /// Destinations its spec gives a source (`Binds` `src:dst`, `Mounts` with a `Source`): the engine keeps
    /// those volumes when the container is removed with `-v`.
    pub sourced: BTreeSet<String>,
}

impl ContainerVolumes {
    pub(crate) fn from_inspect(c: &ContainerInfo) -> Self {
        let mounts = c
            .mounts
            .iter()
            .filter(|m| m.kind == "volume" && !m.destination.is_empty())
            .filter_map(|m| Some((m.name.clone()?, m.destination.clone())))
            .collect();
        let mut sourced = BTreeSet::new();
        for bind in &c.binds {
            let mut parts = bind.split(':');
            if let (Some(source), Some(target)) = (parts.next(), parts.next()) {
                if !source.is_empty() {
                    sourced.insert(target.to_string());
                }
            }
        }
        for m in &c.spec_mounts {
            let has_source = m.source.as_deref().is_some_and(|s| !s.is_empty());
            if m.kind == "volume" && has_source {
                if let Some(target) = &m.target {
                    sourced.insert(target.clone());
                }
            }
        }
        ContainerVolumes {
            name: c.name.clone(),
            service: c.labels.get(labels::COMPOSE_SERVICE).cloned(),
            mounts,
            sourced,
        }
    }
}

/// A declared volume's engine name, as Compose resolves it (the same rule as the project report's).
fn quoted(items: &[String]) -> String {
    items.iter().map(|i| format!("`{i}`")).collect::<Vec<_>>().join(", ")
}

/// The warning for a declared volume that was not created by this project's Compose.
fn not_ours(labelled: Option<&str>) -> String {
    let why = match labelled {
        Some(other) => format!("its label names Compose project `{other}`"),
        None => "it has no Compose project label".to_string(),
    };
    format!(
        "NOT created by this project's Compose ({why}): it may hold data from elsewhere (made by hand, \
         restored from a backup, left by another tool or project). Compose deletes it by name all the same; to \
         keep it, declare it `external: true` or move its data first."
    )
}

/// The list `down --volumes` deletes, from the merged model of every profile, the engine's volumes and the
/// project's containers (those carrying its Compose project label). Sorted by name.
pub(crate) fn plan(
    project: &str,
    flavor: Flavor,
    model: &ComposeModel,
    existing: &[EngineVolume],
    containers: &[ContainerVolumes],
) -> VolumePlan {
    let on_engine: HashMap<&str, &EngineVolume> = existing.iter().map(|v| (v.name.as_str(), v)).collect();
    let mut found: BTreeMap<String, VolumeToDelete> = BTreeMap::new();

    for (key, decl) in &model.volumes {
        if decl.external {
            continue;
        }
        let users: Vec<String> = model
            .services
            .values()
            .filter(|s| {
                s.mounts.iter().any(|m| m.kind == MountKind::Volume && m.source.as_deref() == Some(key))
            })
            .map(|s| s.name.clone())
            .collect();
        if flavor == Flavor::V2 && users.is_empty() {
            continue;
        }
        let name = crate::project::engine_name(project, key, decl.name.as_deref(), false);
        let Some(volume) = on_engine.get(name.as_str()) else { continue };
        if found.contains_key(&name) {
            continue;
        }
        let labelled = volume.labels.get(labels::COMPOSE_PROJECT).cloned();
        let ours = labelled.as_deref() == Some(project);
        let reason = if users.is_empty() {
            format!("declared as `{key}` (no service mounts it; Compose v1 deletes every declared volume)")
        } else {
            format!("declared as `{key}`, mounted by {}", quoted(&users))
        };
        found.insert(
            name.clone(),
            VolumeToDelete {
                name,
                kind: VolumeKind::Declared,
                declared_as: Some(key.clone()),
                containers: Vec::new(),
                created_by_compose: ours,
                warning: (!ours).then(|| not_ours(labelled.as_deref())),
                labelled_project: labelled,
                reason,
            },
        );
    }

    let mut anonymous: BTreeMap<String, Vec<(String, String, String)>> = BTreeMap::new();
    for c in containers {
        let Some(service) = c.service.as_deref().filter(|s| model.services.contains_key(*s)) else {
            continue;
        };
        for (volume, target) in &c.mounts {
            if c.sourced.contains(target)
                || !on_engine.contains_key(volume.as_str())
                || found.contains_key(volume)
            {
                continue;
            }
            anonymous.entry(volume.clone()).or_default().push((
                c.name.clone(),
                service.to_string(),
                target.clone(),
            ));
        }
    }
    for (name, users) in anonymous {
        let mut containers: Vec<String> = users.iter().map(|(c, _, _)| c.clone()).collect();
        containers.sort();
        containers.dedup();
        let (first, service, target) = &users[0];
        let reason = if containers.len() == 1 {
            format!("anonymous volume of container `{first}` (service `{service}`), mounted at `{target}`")
        } else {
            format!("anonymous volume of containers {}, mounted at `{target}`", quoted(&containers))
        };
        let labelled =
            on_engine.get(name.as_str()).and_then(|v| v.labels.get(labels::COMPOSE_PROJECT)).cloned();
        found.insert(
            name.clone(),
            VolumeToDelete {
                name,
                kind: VolumeKind::Anonymous,
                declared_as: None,
                containers,
                created_by_compose: true,
                labelled_project: labelled,
                reason,
                warning: None,
            },
        );
    }

    let details: Vec<VolumeToDelete> = found.into_values().collect();
    VolumePlan {
        project: project.to_string(),
        compose: flavor,
        volumes: details.iter().map(|d| d.name.clone()).collect(),
        details,
    }
}

fn unavailable(what: &str, e: OpError) -> EngineError {
    EngineError::Unavailable { endpoint: "the engine".into(), reason: format!("{what}: {e}") }
}

/// Every volume on the engine.
pub(crate) async fn engine_volumes<E: EngineOps>(engine: &E) -> Result<Vec<EngineVolume>> {
    let engine = engine.with_timeout(REQUEST_TIMEOUT);
    let list = engine
        .list_volumes(&LabelFilter::all())
        .await
        .map_err(|e| unavailable("listing volumes failed", e))?;
    Ok(list
        .into_iter()
        .map(|v| EngineVolume { name: v.name, labels: v.labels.into_iter().collect() })
        .collect())
}

/// The project's containers (by its Compose project label, stopped ones and one-offs included), inspected.
async fn project_containers<E: EngineOps>(engine: &E, project: &str) -> Result<Vec<ContainerVolumes>> {
    let engine = engine.with_timeout(REQUEST_TIMEOUT);
    let filter = LabelFilter::all().is(labels::COMPOSE_PROJECT, project);
    let list = engine
        .list_containers(&filter, true)
        .await
        .map_err(|e| unavailable("listing the project's containers failed", e))?;
    let mut out = Vec::new();
    for c in list {
        // Container text is not kept here: the masker only matters for the status, which is dropped.
        match engine.inspect_container(&c.id, TextMask::OwnEnvironment).await {
            Ok(info) => out.push(ContainerVolumes::from_inspect(&info)),
            // Removed meanwhile: it holds no volume any more.
            Err(e) if e.is_not_found() => {}
            Err(e) => return Err(unavailable(&format!("inspecting container {} failed", c.id), e).into()),
        }
    }
    Ok(out)
}

/// Reads the engine and computes what `down --volumes` by Compose `flavor` would delete now.
pub(crate) async fn compute<E: EngineOps>(
    engine: &E,
    project: &str,
    flavor: Flavor,
    model: &ComposeModel,
) -> Result<VolumePlan> {
    let existing = engine_volumes(engine).await?;
    let containers = project_containers(engine, project).await?;
    Ok(plan(project, flavor, model, &existing, &containers))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    const FILES: &str = "services:
  app:
    image: x
    volumes: [keepme:/keep, data:/data, ext:/ext, explicit:/explicit, /scratch]
  later:
    image: x
    profiles: [later]
    volumes:
      - {type: volume, source: late, target: /late}
volumes:
  keepme: {}
  data: {}
  ext: {external: true}
  explicit: {name: custom-name}
  late: {}
  spare: {}
";

    fn model() -> ComposeModel {
        crate::project::test_model(FILES)
    }

    fn volume(name: &str, labels: &[(&str, &str)]) -> EngineVolume {
        EngineVolume {
            name: name.into(),
            labels: labels.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
        }
    }

    const HEX_A: &str = "1c021ada9b9d9f80b8679b01162c0d41e3e25cfb639b445cdca97a2686ac4f69";
    const HEX_B: &str = "d7ae31d59ff20371806b9e97d913342a3e007504d467c46387f87d7cac996722";
    const HEX_C: &str = "6d9933a22c819bc15daab4fba64ea302fa1e97d6a89599c93965e5e5e2b640c8";

    fn engine() -> Vec<EngineVolume> {
        let ours = [(labels::COMPOSE_PROJECT, "vt2")];
        vec![
            volume("vt2_keepme", &[]),
            volume("vt2_data", &ours),
            volume("ext", &[]),
            volume("vt2_ext", &ours),
            volume("custom-name", &ours),
            volume("vt2_spare", &[(labels::COMPOSE_PROJECT, "other")]),
            volume("vt2_stray", &ours),
            volume("other_data", &[(labels::COMPOSE_PROJECT, "other")]),
            volume(HEX_A, &[]),
            volume(HEX_B, &[]),
            volume(HEX_C, &[]),
        ]
    }

    fn containers() -> Vec<ContainerVolumes> {
        let mounts = |extra: &str| {
            vec![
                ("vt2_keepme".to_string(), "/keep".to_string()),
                ("vt2_data".to_string(), "/data".to_string()),
                (extra.to_string(), "/scratch".to_string()),
            ]
        };
        let sourced = |dst: &[&str]| dst.iter().map(|d| d.to_string()).collect::<BTreeSet<String>>();
        vec![
            // Created fresh: /scratch has no source in its spec.
            ContainerVolumes {
                name: "vt2-app-1".into(),
                service: Some("app".into()),
                mounts: mounts(HEX_A),
                sourced: sourced(&["/keep", "/data", "/ext", "/explicit"]),
            },
            // Recreated: its predecessor's anonymous volume is mounted by name and survives `down -v`.
            ContainerVolumes {
                name: "vt2-app-2".into(),
                service: Some("app".into()),
                mounts: mounts(HEX_C),
                sourced: sourced(&["/keep", "/data", "/scratch"]),
            },
            // An orphan (its service is gone from the files) is removed without `-v`.
            ContainerVolumes {
                name: "vt2-old-1".into(),
                service: Some("old".into()),
                mounts: vec![(HEX_B.to_string(), "/cache".to_string())],
                sourced: BTreeSet::new(),
            },
        ]
    }

    #[test]
    fn v2_lists_mounted_declared_volumes_by_name_and_fresh_anonymous_ones() {
        let plan = plan("vt2", Flavor::V2, &model(), &engine(), &containers());
        assert_eq!(plan.compose, Flavor::V2);
        assert_eq!(plan.volumes, [HEX_A, "custom-name", "vt2_data", "vt2_keepme"]);
        let keepme = plan.details.iter().find(|d| d.name == "vt2_keepme").unwrap();
        assert_eq!(keepme.kind, VolumeKind::Declared);
        assert_eq!(keepme.declared_as.as_deref(), Some("keepme"));
        assert!(!keepme.created_by_compose);
        assert!(keepme.warning.as_deref().unwrap().contains("NOT created by this project's Compose"));
        assert!(keepme.reason.contains("declared as `keepme`, mounted by `app`"), "{}", keepme.reason);
        let data = plan.details.iter().find(|d| d.name == "vt2_data").unwrap();
        assert!(data.created_by_compose && data.warning.is_none());
        let explicit = plan.details.iter().find(|d| d.name == "custom-name").unwrap();
        assert_eq!(explicit.declared_as.as_deref(), Some("explicit"));
        let anon = plan.details.iter().find(|d| d.name == HEX_A).unwrap();
        assert_eq!(anon.kind, VolumeKind::Anonymous);
        assert_eq!(anon.containers, ["vt2-app-1"]);
        assert!(anon.created_by_compose);
        assert!(anon.reason.contains("container `vt2-app-1` (service `app`), mounted at `/scratch`"));
        assert_eq!(plan.volumes, plan.details.iter().map(|d| d.name.clone()).collect::<Vec<_>>());
    }

    #[test]
    fn v1_also_lists_declared_volumes_no_service_mounts() {
        let plan = plan("vt2", Flavor::V1, &model(), &engine(), &containers());
        assert_eq!(plan.volumes, [HEX_A, "custom-name", "vt2_data", "vt2_keepme", "vt2_spare"]);
        let spare = plan.details.iter().find(|d| d.name == "vt2_spare").unwrap();
        assert!(spare.reason.contains("no service mounts it"), "{}", spare.reason);
        assert!(!spare.created_by_compose);
        assert_eq!(spare.labelled_project.as_deref(), Some("other"));
        assert!(spare.warning.as_deref().unwrap().contains("Compose project `other`"));
    }

    #[test]
    fn a_declared_volume_created_later_joins_the_list() {
        let mut existing = engine();
        existing.push(volume("vt2_late", &[]));
        for flavor in [Flavor::V1, Flavor::V2] {
            let plan = plan("vt2", flavor, &model(), &existing, &[]);
            assert!(plan.volumes.contains(&"vt2_late".to_string()), "{flavor}: {:?}", plan.volumes);
            assert!(
                !plan.volumes.iter().any(|v| v.len() == 64),
                "{flavor}: no container, no anonymous volume"
            );
        }
    }

    #[test]
    fn nothing_on_the_engine_nothing_listed() {
        let plan = plan("vt2", Flavor::V1, &model(), &[], &containers());
        assert!(plan.volumes.is_empty() && plan.details.is_empty());
    }

    #[test]
    fn inspect_sources_from_binds_and_mounts() {
        use crate::engine::ops::{MountInfo, SpecMount};
        let mut c =
            crate::engine::ops::fake::container_info("vt2_app_1", &[(labels::COMPOSE_SERVICE, "app")]);
        c.binds = vec!["vt2_keepme:/keep:rw".into(), "/host/dir:/bind".into()];
        c.spec_mounts = vec![
            SpecMount {
                kind: "volume".into(),
                source: Some("vt2_data".into()),
                target: Some("/data".into()),
            },
            SpecMount { kind: "volume".into(), source: None, target: Some("/scratch".into()) },
        ];
        let volume = |name: &str, destination: &str| MountInfo {
            kind: "volume".into(),
            name: Some(name.into()),
            destination: destination.into(),
            ..Default::default()
        };
        c.mounts = vec![
            volume("vt2_keepme", "/keep"),
            volume("vt2_data", "/data"),
            volume(HEX_A, "/scratch"),
            MountInfo {
                kind: "bind".into(),
                source: Some("/host/dir".into()),
                destination: "/bind".into(),
                ..Default::default()
            },
        ];
        let v = ContainerVolumes::from_inspect(&c);
        assert_eq!(v.name, "vt2_app_1");
        assert_eq!(v.service.as_deref(), Some("app"));
        assert_eq!(v.mounts.len(), 3);
        assert_eq!(v.sourced, ["/bind", "/data", "/keep"].iter().map(|s| s.to_string()).collect());
    }
}
