//! Removing a region: its containers and network always; its volumes (and the database password their
//! data needs) only when confirmed by name; an interrupted apply's region completely, its journal last.

use std::collections::BTreeSet;
use std::path::Path;

use super::{confirmation_needed, one, RemoveReport, Stores};
use crate::engine::ops::EngineOps;
use crate::region::error::RegionError;
use crate::region::gather::REQUEST_TIMEOUT;

/// Removes the region's containers and network. Its volumes (and the database password in the keychain,
/// which their data needs) are removed only when `confirm_volumes` names exactly the region's volumes.
///
/// A region whose apply was interrupted is removed completely: also the volumes that apply created (they
/// must be confirmed: `confirm_volumes` names exactly them, or all the region's volumes) and the password it
/// generated, then its journal. Its other volumes (kept from an earlier region of the same name) follow the
/// usual rule. A region whose apply still runs is refused.
pub async fn remove<E: EngineOps>(
    engine: &E,
    root: &Path,
    project: &str,
    name: &str,
    confirm_volumes: Option<&[String]>,
) -> Result<RemoveReport, RegionError> {
    remove_in(engine, &Stores::default(), root, project, name, confirm_volumes).await
}

pub(crate) async fn remove_in<E: EngineOps>(
    engine: &E,
    stores: &Stores,
    root: &Path,
    project: &str,
    name: &str,
    confirm_volumes: Option<&[String]>,
) -> Result<RemoveReport, RegionError> {
    let engine = &engine.with_timeout(REQUEST_TIMEOUT);
    let (found, info, journals) = one(engine, stores, project, name).await?;
    let claimed = journals.interrupted;
    if let Some(running) = journals.running {
        let message = if crate::lifecycle::lock::process_alive(running.pid) {
            format!(
                "region {name} is being created (apply {}, PID {}): wait for it to finish, or cancel it, then retry",
                running.apply_id, running.pid
            )
        } else {
            format!(
                "another Dockmaster process is reading or cleaning up region {name}'s interrupted creation (apply \
                 {}) right now: retry in a moment",
                running.apply_id
            )
        };
        return Err(RegionError::Busy { message });
    }
    let volumes: BTreeSet<String> = info.volumes.iter().cloned().collect();
    let created: BTreeSet<String> =
        info.interrupted.as_ref().map(|i| i.volumes.iter().cloned().collect()).unwrap_or_default();
    let given: Option<BTreeSet<String>> = confirm_volumes.map(|g| g.iter().cloned().collect());
    // Which volumes go: all of them (confirmed), or only what the interrupted apply created (confirmed).
    let (with_volumes, removed_volumes) = match &given {
        Some(g) if *g == volumes => (true, volumes.clone()),
        Some(g) if !created.is_empty() && *g == created => (false, created.clone()),
        None if created.is_empty() => (false, BTreeSet::new()),
        None => {
            return Err(RegionError::ConfirmVolumes {
                region: name.into(),
                volumes: created.iter().cloned().collect(),
                interrupted_apply: info.interrupted.as_ref().map(|i| i.apply_id.clone()),
                created_by_apply: created.iter().cloned().collect(),
            })
        }
        Some(_) => return Err(confirmation_needed(&info)),
    };
    let mut report = RemoveReport { region: name.into(), ..Default::default() };
    for c in found.containers.iter().rev() {
        // An interrupted apply's containers and their anonymous volumes are all its own.
        let v = with_volumes || claimed.is_some();
        engine
            .remove_container(&c.id, v)
            .await
            .map_err(|e| RegionError::engine(format!("remove {}", c.name), e))?;
        report.containers.push(c.name.clone());
    }
    for n in &found.networks {
        engine
            .remove_network(&n.id)
            .await
            .map_err(|e| RegionError::engine(format!("remove network {}", n.name), e))?;
        report.networks.push(n.name.clone());
    }
    for v in &removed_volumes {
        engine.remove_volume(v).await.map_err(|e| RegionError::engine(format!("remove volume {v}"), e))?;
        report.volumes.push(v.clone());
    }
    report.kept_volumes = volumes.difference(&removed_volumes).cloned().collect();
    let owned_password = info.interrupted.as_ref().is_some_and(|i| i.password_generated);
    if with_volumes || owned_password {
        // The password of an interrupted apply lives in its project root's namespace.
        let root = claimed.as_ref().map_or_else(|| root.to_path_buf(), |c| c.record.root.clone());
        let (project, region, keychains) = (project.to_string(), name.to_string(), stores.keychains.clone());
        report.password_removed =
            tokio::task::spawn_blocking(move || keychains.forget_password(&root, &project, &region))
                .await
                .map_err(|e| RegionError::Engine {
                action: "remove the password".into(),
                reason: e.to_string(),
            })??;
    }
    if let Some(claimed) = claimed {
        claimed.finish()?;
    }
    Ok(report)
}
