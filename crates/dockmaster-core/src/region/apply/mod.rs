//! Applies a region plan through the engine operations, step by step with progress events, a health
//! timeout and a cancellation token; on any failure or cancel it removes exactly what this apply created
//! (tracked IDs, plus everything carrying this apply's label) and reports the cause. It holds the project's
//! operation lock (so it never runs beside a Compose operation or another apply) and keeps a journal of what
//! it created, so an apply killed outright is found again as interrupted (see [`super::journal`]).
//!
//! `mod.rs` drives it (lock, journal, steps, rollback); `secrets.rs` is the password step and the template
//! rendered again with the secrets, `steps.rs` the engine steps, `body.rs` a planned container as a
//! [`ContainerSpec`](crate::engine::ops::ContainerSpec), `health.rs` the wait for healthy, `rollback.rs`
//! the clean-up.

mod body;
mod health;
mod rollback;
mod secrets;
mod steps;
mod types;

use std::collections::BTreeMap;
use std::future::Future;
use std::time::Instant;

use tokio_util::sync::CancellationToken;

pub(crate) use health::wait_healthy;
pub use types::*;

use super::error::RegionError;
use super::journal::{self, Journal, Record};
use super::plan::RegionPlan;
use crate::engine::ops::{EngineOps, Labels, OpResult};
use crate::labels;
use crate::project::Project;

/// The operation name a region apply holds the project's lock under (a refused operation names it).
pub fn lock_operation(region: &str) -> String {
    format!("region create {region}")
}

/// What this apply created, in creation order.
#[derive(Default)]
struct Created {
    password: bool,
    /// (name, ID)
    networks: Vec<(String, String)>,
    volumes: Vec<String>,
    /// (name, ID)
    containers: Vec<(String, String)>,
}

struct Failure {
    step: ApplyStep,
    cause: String,
    cancelled: bool,
}

impl Failure {
    fn at(step: ApplyStep, cause: impl Into<String>) -> Self {
        Failure { step, cause: cause.into(), cancelled: false }
    }
}

struct Run<'a, E> {
    engine: &'a E,
    plan: &'a RegionPlan,
    options: &'a ApplyOptions,
    cancel: &'a CancellationToken,
    progress: &'a (dyn Fn(ApplyEvent) + Send + Sync),
    started: Instant,
    apply_id: String,
}

impl<E: EngineOps> Run<'_, E> {
    fn emit(&self, step: ApplyStep, status: StepStatus, target: &str, detail: Option<String>) {
        (self.progress)(ApplyEvent {
            step,
            status,
            target: target.to_string(),
            detail,
            elapsed_ms: u32::try_from(self.started.elapsed().as_millis()).unwrap_or(u32::MAX),
        });
    }

    fn check_cancel(&self, step: ApplyStep) -> Result<(), Failure> {
        if self.cancel.is_cancelled() {
            return Err(Failure { step, cause: "cancelled".into(), cancelled: true });
        }
        Ok(())
    }

    /// One engine operation (it times out by itself); a failure names the step.
    async fn call<T>(&self, step: ApplyStep, f: impl Future<Output = OpResult<T>>) -> Result<T, Failure> {
        f.await.map_err(|e| Failure::at(step, e.message))
    }

    /// `base` plus this apply's label.
    fn labels(&self, base: &BTreeMap<String, String>) -> Labels {
        let mut l = base.clone();
        l.insert(labels::REGION_APPLY.to_string(), self.apply_id.clone());
        l
    }
}

/// Applies `plan`: stores (or reuses) the region's password, creates its network and volumes, then creates,
/// starts and waits for the database and the server. On failure, timeout or `cancel`, everything this apply
/// created is removed again and the error says what failed and what was rolled back.
pub async fn apply<E: EngineOps>(
    engine: &E,
    project: &Project,
    plan: &RegionPlan,
    options: &ApplyOptions,
    cancel: &CancellationToken,
    progress: &(dyn Fn(ApplyEvent) + Send + Sync),
) -> Result<AppliedRegion, RegionError> {
    let engine = engine.with_timeout(options.request_timeout);
    let run = Run {
        engine: &engine,
        plan,
        options,
        cancel,
        progress,
        started: Instant::now(),
        apply_id: apply_id(),
    };
    // One operation per project: never beside `up`/`down` or another apply, in any process.
    let lock_dir = match &options.lock_dir {
        Some(dir) => dir.clone(),
        None => crate::lifecycle::lock::default_dir(&crate::env::Environment::process_vars())
            .map_err(RegionError::from_lock)?,
    };
    let _lock = crate::lifecycle::lock::OperationLock::acquire(
        &lock_dir,
        project.root(),
        project.name(),
        &lock_operation(&plan.region),
    )
    .map_err(RegionError::from_lock)?;
    let journal_dir = match &options.journal_dir {
        Some(dir) => dir.clone(),
        None => journal::default_dir()?,
    };
    // An interrupted apply of this region on this engine (or one that did not record its engine) must be
    // removed first: what it left is not this apply's to reuse.
    let engine = options.keychains.engine();
    for found in journal::find(&journal_dir, &plan.project)? {
        if let journal::Found::Interrupted(c) = found {
            let here = c.record.engine.as_deref().is_none_or(|e| e == engine);
            if c.record.region == plan.region && here {
                let on = if engine == crate::engine::endpoint::DEFAULT_CONTEXT {
                    String::new()
                } else {
                    format!("--engine {engine} ")
                };
                return Err(RegionError::Conflict {
                    message: format!(
                        "region {} has an interrupted creation (apply {}) that was never cleaned up: remove it \
                         first (`dockmaster {on}region rm {}`, or Remove on the Regions page), then create it again",
                        plan.region, c.record.apply_id, plan.region
                    ),
                });
            }
        }
    }
    // Written before anything is created, so an apply killed at any point is found again.
    let mut journal = Journal::begin(
        &journal_dir,
        Record {
            apply_id: run.apply_id.clone(),
            project: plan.project.clone(),
            root: project.root().to_path_buf(),
            region: plan.region.clone(),
            pid: std::process::id(),
            engine: Some(run.options.keychains.engine().to_string()),
            ..Default::default()
        },
    )?;
    let mut created = Created::default();
    match steps(&run, project, &mut created, &mut journal).await {
        Ok(()) => {
            // Done: nothing is left to clean up. A journal that cannot be deleted only shows the region as
            // interrupted later, where Remove cleans it up.
            let _ = journal.finish();
            Ok(AppliedRegion {
                region: plan.region.clone(),
                server_url: plan.server_url.clone(),
                containers: plan.containers.iter().map(|c| c.name.clone()).collect(),
                apply_id: run.apply_id.clone(),
                elapsed_ms: u32::try_from(run.started.elapsed().as_millis()).unwrap_or(u32::MAX),
            })
        }
        Err(failure) => {
            run.emit(failure.step, StepStatus::Failed, &plan.region, Some(failure.cause.clone()));
            let rollback = rollback::rollback(&run, project, &created).await;
            if rollback.left_behind.is_empty() {
                let _ = journal.finish();
            } // else the journal stays: the region shows as interrupted, and Remove finishes the clean-up.
            let step = failure.step.as_str().to_string();
            let region = plan.region.clone();
            if failure.cancelled {
                Err(RegionError::Cancelled { region, step, rollback })
            } else {
                Err(RegionError::ApplyFailed { region, step, cause: failure.cause, rollback })
            }
        }
    }
}

fn apply_id() -> String {
    let mut bytes = [0u8; 8];
    if getrandom::fill(&mut bytes).is_err() {
        bytes = fastrand::u64(..).to_le_bytes();
    }
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Records in the journal what was just created (or is about to be); a failure to write fails the step.
fn note(journal: &mut Journal, step: ApplyStep, change: impl FnOnce(&mut Record)) -> Result<(), Failure> {
    journal.update(change).map_err(|e| Failure::at(step, e.to_string()))
}

/// Every step in order: the password and the secrets, the network, the volumes, then each container.
async fn steps<E: EngineOps>(
    run: &Run<'_, E>,
    project: &Project,
    created: &mut Created,
    journal: &mut Journal,
) -> Result<(), Failure> {
    let rendered = secrets::password_and_values(run, project, created, journal).await?;
    steps::network(run, created, journal).await?;
    steps::volumes(run, created, journal).await?;
    for (c, v) in run.plan.containers.iter().zip(&rendered) {
        steps::container(run, c, v, created, journal).await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests;
