//! What the supervisor publishes: each changed service or region put into the snapshot watch and sent as a
//! numbered [`StoreUpdate`].

use crate::engine::now_nano;
use crate::engine::store::Changed;
use crate::engine::view::{StoreUpdate, UpdateKind};

use super::Supervisor;

impl Supervisor {
    /// Puts a changed service or region into the snapshot and sends its update.
    pub(super) fn emit_change(
        &mut self,
        changed: Changed,
        cause: &str,
        container: Option<String>,
        time: Option<i64>,
    ) {
        match changed {
            Changed::Service(service) => {
                self.snapshot.send_modify(|s| {
                    let at = s.services.iter().position(|v| v.name == service.name);
                    match at {
                        // A service the files do not define is listed only while it has containers.
                        Some(i) if !service.defined && service.containers.is_empty() => {
                            s.services.remove(i);
                        }
                        Some(i) => s.services[i] = service.clone(),
                        None => s.services.push(service.clone()),
                    }
                });
                self.emit(UpdateKind::Service, cause.to_string(), container, time, |u| {
                    u.service = Some(service)
                });
            }
            Changed::Region(region) => {
                self.snapshot.send_modify(|s| {
                    match s.regions.binary_search_by(|r| r.name.cmp(&region.name)) {
                        // A region is listed only while it has containers.
                        Ok(i) if region.containers.is_empty() => {
                            s.regions.remove(i);
                        }
                        Ok(i) => s.regions[i] = region.clone(),
                        Err(i) if !region.containers.is_empty() => s.regions.insert(i, region.clone()),
                        Err(_) => {}
                    }
                });
                self.emit(UpdateKind::Region, cause.to_string(), container, time, |u| {
                    u.region = Some(region)
                });
            }
        }
    }

    pub(super) fn emit(
        &mut self,
        kind: UpdateKind,
        cause: String,
        container: Option<String>,
        engine_time_nano: Option<i64>,
        fill: impl FnOnce(&mut StoreUpdate),
    ) {
        self.seq = self.seq.wrapping_add(1);
        let mut update = StoreUpdate {
            seq: self.seq,
            kind,
            cause,
            container,
            engine_time_nano: engine_time_nano.map(|t| t.to_string()),
            emitted_at_nano: now_nano().to_string(),
            connection: None,
            service: None,
            region: None,
            snapshot: None,
        };
        fill(&mut update);
        // No receiver is fine (the snapshot watch still has the state).
        let _ = self.updates.send(update);
    }
}
