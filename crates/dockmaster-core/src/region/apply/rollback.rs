//! Removing what a failed or cancelled apply created: tracked containers (with their anonymous volumes),
//! then anything else carrying this apply's label (a request that timed out may still have created it),
//! then networks, volumes and the password it stored. Never touches anything else.

use super::{ApplyStep, Created, Run, StepStatus};
use crate::engine::ops::{EngineOps, LabelFilter, OpResult};
use crate::labels;
use crate::project::Project;
use crate::region::error::Rollback;
use crate::region::plan::PASSWORD_VAR;

pub(super) async fn rollback<E: EngineOps>(
    run: &Run<'_, E>,
    project: &Project,
    created: &Created,
) -> Rollback {
    let engine = run.engine;
    let mut result = Rollback::default();
    let mine = LabelFilter::all().is(labels::REGION_APPLY, &run.apply_id);

    let mut containers: Vec<(String, String)> = created.containers.clone();
    if let Ok(list) = engine.list_containers(&mine, true).await {
        for c in list {
            if !containers.iter().any(|(_, known)| *known == c.id) {
                containers.push((c.name, c.id));
            }
        }
    }
    for (name, id) in containers.iter().rev() {
        let outcome = engine.remove_container(id, true).await;
        record(run, &mut result, format!("container {name}"), outcome);
    }

    let mut networks: Vec<(String, String)> = created.networks.clone();
    if let Ok(list) = engine.list_networks(&mine).await {
        for n in list {
            if !networks.iter().any(|(_, known)| *known == n.id) {
                networks.push((n.name, n.id));
            }
        }
    }
    for (name, id) in networks.iter().rev() {
        let outcome = engine.remove_network(id).await;
        record(run, &mut result, format!("network {name}"), outcome);
    }

    let mut volumes: Vec<String> = created.volumes.clone();
    if let Ok(list) = engine.list_volumes(&mine).await {
        for v in list {
            if !volumes.contains(&v.name) {
                volumes.push(v.name);
            }
        }
    }
    for name in volumes.iter().rev() {
        let outcome = engine.remove_volume(name).await;
        record(run, &mut result, format!("volume {name}"), outcome);
    }

    if created.password {
        let step = ApplyStep::Rollback;
        let (root, project_name, region) =
            (project.root().to_path_buf(), run.plan.project.clone(), run.plan.region.clone());
        let keychains = run.options.keychains.clone();
        let target = format!("keychain {PASSWORD_VAR} ({})", run.plan.password.keychain_service);
        run.emit(step, StepStatus::Started, &target, None);
        match tokio::task::spawn_blocking(move || keychains.forget_password(&root, &project_name, &region))
            .await
        {
            Ok(Ok(_)) => {
                run.emit(step, StepStatus::Done, &target, None);
                result.removed.push(target);
            }
            Ok(Err(e)) => {
                run.emit(step, StepStatus::Failed, &target, Some(e.to_string()));
                result.left_behind.push(format!("{target}: {e}"));
            }
            Err(e) => result.left_behind.push(format!("{target}: {e}")),
        }
    }
    result
}

/// One removal's outcome: gone (or already gone), or left behind with why.
fn record<E: EngineOps>(run: &Run<'_, E>, result: &mut Rollback, target: String, outcome: OpResult<()>) {
    let step = ApplyStep::Rollback;
    match outcome {
        Ok(()) => {
            run.emit(step, StepStatus::Done, &target, Some("removed".into()));
            result.removed.push(target);
        }
        Err(e) if e.is_not_found() => {
            run.emit(step, StepStatus::Done, &target, Some("removed".into()));
            result.removed.push(target);
        }
        Err(e) => {
            run.emit(step, StepStatus::Failed, &target, Some(e.message.clone()));
            result.left_behind.push(format!("{target}: {}", e.message));
        }
    }
}
