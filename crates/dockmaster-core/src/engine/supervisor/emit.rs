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
                self.snapshot.send_modify(|s| s.put_service(&service));
                self.emit(UpdateKind::Service, cause.to_string(), container, time, |u| {
                    u.service = Some(service)
                });
            }
            Changed::Region(region) => {
                self.snapshot.send_modify(|s| s.put_region(&region));
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
