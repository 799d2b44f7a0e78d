//! Starting a region (database first, each waited on until healthy) and stopping it (server first).

use std::time::Duration;

use tokio_util::sync::CancellationToken;

use super::list::get_in;
use super::{one, RegionInfo, Stores};
use crate::engine::ops::{EngineOps, OpErrorKind};
use crate::region::apply::wait_healthy;
use crate::region::error::RegionError;
use crate::region::gather::REQUEST_TIMEOUT;

/// The grace period of a container that names none.
const DEFAULT_GRACE_S: i64 = 10;

/// Stops the server, then the database.
pub async fn stop<E: EngineOps>(engine: &E, project: &str, name: &str) -> Result<RegionInfo, RegionError> {
    stop_in(engine, &Stores::default(), project, name).await
}

pub(crate) async fn stop_in<E: EngineOps>(
    engine: &E,
    stores: &Stores,
    project: &str,
    name: &str,
) -> Result<RegionInfo, RegionError> {
    let engine = &engine.with_timeout(REQUEST_TIMEOUT);
    let (found, _, _) = one(engine, stores, project, name).await?;
    for c in found.containers.iter().rev() {
        let grace = c.stop_timeout_s.unwrap_or(DEFAULT_GRACE_S);
        let grace = Duration::from_secs(u64::try_from(grace).unwrap_or(0));
        match engine.stop_container(&c.id, grace).await {
            Ok(()) => {}
            Err(e) if e.kind == OpErrorKind::NotModified => {}
            Err(e) => return Err(RegionError::engine(format!("stop {}", c.name), e)),
        }
    }
    get_in(engine, stores, project, name).await
}

/// Starts the database, waits until it is healthy, then the server (and waits for it too).
pub async fn start<E: EngineOps>(
    engine: &E,
    project: &str,
    name: &str,
    health_timeout: Duration,
) -> Result<RegionInfo, RegionError> {
    start_in(engine, &Stores::default(), project, name, health_timeout).await
}

pub(crate) async fn start_in<E: EngineOps>(
    engine: &E,
    stores: &Stores,
    project: &str,
    name: &str,
    health_timeout: Duration,
) -> Result<RegionInfo, RegionError> {
    let engine = &engine.with_timeout(REQUEST_TIMEOUT);
    let (found, _, _) = one(engine, stores, project, name).await?;
    let cancel = CancellationToken::new();
    for c in &found.containers {
        match engine.start_container(&c.id).await {
            Ok(()) => {}
            Err(e) if e.kind == OpErrorKind::NotModified => {}
            Err(e) => return Err(RegionError::engine(format!("start {}", c.name), e)),
        }
        wait_healthy(engine, &c.id, health_timeout, &cancel)
            .await
            .map_err(|(reason, _)| RegionError::Engine { action: format!("start {}", c.name), reason })?;
    }
    get_in(engine, stores, project, name).await
}
