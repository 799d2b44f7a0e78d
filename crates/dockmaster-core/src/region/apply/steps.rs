//! The engine steps of an apply: the region's network, its volumes (a kept one reused as it is), then each
//! container — created (joining its other networks), started, waited on until healthy. Each created object
//! is tracked and journaled before the next step.

use super::body::container_spec;
use super::health::wait_healthy;
use super::{note, ApplyStep, Created, Failure, Run, StepStatus};
use crate::engine::ops::{EngineOps, LabelFilter, NetworkSpec, VolumeSpec};
use crate::labels;
use crate::region::journal::Journal;
use crate::region::plan::{NetworkAction, PlannedContainer, RegionRole, Values, VolumeAction};

/// Step 2: the region's own network(s).
pub(super) async fn network<E: EngineOps>(
    run: &Run<'_, E>,
    created: &mut Created,
    journal: &mut Journal,
) -> Result<(), Failure> {
    for net in run.plan.networks.iter().filter(|n| n.action == NetworkAction::Create) {
        let step = ApplyStep::CreateNetwork;
        run.check_cancel(step)?;
        run.emit(step, StepStatus::Started, &net.name, net.subnet.clone());
        let existing = run.call(step, run.engine.list_networks(&LabelFilter::all())).await?;
        if existing.iter().any(|n| n.name == net.name) {
            return Err(Failure::at(
                step,
                format!("a network named {} exists already (created since the plan was made)", net.name),
            ));
        }
        let spec = NetworkSpec {
            name: net.name.clone(),
            driver: "bridge".into(),
            subnet: net.subnet.clone(),
            labels: run.labels(&net.labels),
        };
        let id = run.call(step, run.engine.create_network(&spec)).await?;
        created.networks.push((net.name.clone(), id));
        note(journal, step, |r| r.networks.push(net.name.clone()))?;
        run.emit(step, StepStatus::Done, &net.name, None);
    }
    Ok(())
}

/// Step 3: its volumes; one kept from an earlier region of the same name is reused as it is.
pub(super) async fn volumes<E: EngineOps>(
    run: &Run<'_, E>,
    created: &mut Created,
    journal: &mut Journal,
) -> Result<(), Failure> {
    let plan = run.plan;
    for vol in &plan.volumes {
        let step = ApplyStep::CreateVolume;
        run.check_cancel(step)?;
        run.emit(step, StepStatus::Started, &vol.name, None);
        match run.engine.inspect_volume(&vol.name).await {
            Ok(found) => {
                let ours = found.labels.get(labels::REGION) == Some(&plan.region)
                    && found.labels.get(labels::PROJECT) == Some(&plan.project);
                if vol.action == VolumeAction::Reuse && ours {
                    run.emit(step, StepStatus::Done, &vol.name, Some("reused (kept from before)".into()));
                    continue;
                }
                return Err(Failure::at(
                    step,
                    format!("a volume named {} exists already and is not this region's", vol.name),
                ));
            }
            Err(e) if e.is_not_found() => {}
            Err(e) => return Err(Failure::at(step, e.message)),
        }
        let spec =
            VolumeSpec { name: vol.name.clone(), driver: "local".into(), labels: run.labels(&vol.labels) };
        run.call(step, run.engine.create_volume(&spec)).await?;
        created.volumes.push(vol.name.clone());
        note(journal, step, |r| r.volumes.push(vol.name.clone()))?;
        run.emit(step, StepStatus::Done, &vol.name, None);
    }
    Ok(())
}

/// Step 4 for one container (the database, then the server): create, join the other networks, start, wait
/// until healthy.
pub(super) async fn container<E: EngineOps>(
    run: &Run<'_, E>,
    c: &PlannedContainer,
    v: &Values,
    created: &mut Created,
    journal: &mut Journal,
) -> Result<(), Failure> {
    let engine = run.engine;
    let (create, start, wait) = match c.role {
        RegionRole::Db => (ApplyStep::CreateDb, ApplyStep::StartDb, ApplyStep::WaitDbHealthy),
        RegionRole::Server => (ApplyStep::CreateServer, ApplyStep::StartServer, ApplyStep::WaitServerHealthy),
    };
    run.check_cancel(create)?;
    run.emit(create, StepStatus::Started, &c.name, Some(c.image.clone()));
    let mut labels = run.labels(&c.labels);
    // Labels of the image are inherited: an image Compose built carries `com.docker.compose.project`, which
    // would make `docker compose down` (and the project's live view) take the region's containers for its
    // own. Blank them.
    if let Ok(image) = engine.inspect_image(&c.image).await {
        for key in image.labels.into_keys() {
            if key.starts_with("com.docker.compose.") {
                labels.insert(key, String::new());
            }
        }
    }
    let id = run.call(create, engine.create_container(&container_spec(c, v, labels))).await?;
    created.containers.push((c.name.clone(), id.clone()));
    note(journal, create, |r| r.containers.push(c.name.clone()))?;
    for n in c.networks.iter().skip(1) {
        run.call(create, engine.connect_network(&n.network, &id, &n.aliases)).await?;
    }
    run.emit(create, StepStatus::Done, &c.name, None);

    run.check_cancel(start)?;
    run.emit(start, StepStatus::Started, &c.name, None);
    run.call(start, engine.start_container(&id)).await?;
    run.emit(start, StepStatus::Done, &c.name, None);

    run.check_cancel(wait)?;
    run.emit(wait, StepStatus::Started, &c.name, None);
    let detail = wait_healthy(engine, &id, run.options.health_timeout, run.cancel)
        .await
        .map_err(|(cause, cancelled)| Failure { step: wait, cause, cancelled })?;
    run.emit(wait, StepStatus::Done, &c.name, Some(detail));
    Ok(())
}
