//! The session's attention follower: the open project's engine state and operations, followed in the core
//! (not through the window, so the tray and the notifications work while it is hidden), turned into the tray's
//! view and the notifications by the pure rules of [`crate::attention`]. The shell gives one
//! [`AttentionFollower`] to [`super::Sessions`], which follows whichever project is open.

use std::sync::{Arc, Weak};
use std::time::{Duration, Instant};

use tokio::sync::broadcast::{self, error::RecvError};

use super::operation::OperationNote;
use super::{lock, Inner, OperationRequest, Session};
use crate::attention::{Notice, Notifier, NotifyContext, NotifyPolicy, TrayInput, TrayView};
use crate::engine::{ConnectionView, EngineHandle, EngineSnapshot, StoreUpdate};
use crate::error::ErrorReport;
use crate::lifecycle::{OpKind, OperationResult};

/// What the follower tells.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AttentionUpdate {
    /// The tray should look like this now (sent when it changes).
    Tray(TrayView),
    /// Send this notification.
    Notify(Notice),
}

/// Who is told what needs attention (the desktop shell's tray and notifications), and what it says when a
/// notice is due (is the window focused, which kinds are on).
#[derive(Clone)]
pub struct AttentionFollower {
    pub context: Arc<dyn Fn() -> NotifyContext + Send + Sync>,
    pub sink: Arc<dyn Fn(AttentionUpdate) + Send + Sync>,
}

impl std::fmt::Debug for AttentionFollower {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AttentionFollower")
    }
}

impl Session {
    /// Follows the project's engine state and operations for `follower` until the session closes or
    /// another follow replaces this one; starts the supervisor if nothing has yet. An engine that cannot be
    /// used is not an error: the tray says so.
    pub async fn follow_attention(&self, follower: AttentionFollower) -> Result<(), ErrorReport> {
        self.follow_attention_with(follower, NotifyPolicy::default()).await
    }

    pub(super) async fn follow_attention_with(
        &self,
        follower: AttentionFollower,
        policy: NotifyPolicy,
    ) -> Result<(), ErrorReport> {
        let handle = match self.endpoint() {
            Ok(_) => self.engine().await,
            Err(e) => Err(e),
        };
        let handle = match handle {
            Ok(handle) => handle,
            Err(e) => {
                let snapshot = EngineSnapshot {
                    project: self.project().name().to_string(),
                    connection: ConnectionView::unavailable(
                        "the configured Docker endpoint",
                        e.message.clone(),
                    ),
                    synced: false,
                    services: Vec::new(),
                    regions: Vec::new(),
                };
                let profiles = self.desired_profiles();
                let view = TrayView::of(&TrayInput {
                    snapshot: &snapshot,
                    profiles: &profiles,
                    running: None,
                    recently_crashed: &[],
                });
                (follower.sink)(AttentionUpdate::Tray(view));
                return Err(e);
            }
        };
        // Subscribe before reading the snapshot: an update in between is applied twice, which is harmless.
        let updates = handle.subscribe();
        let operations = self.inner.operations.subscribe();
        let weak = Arc::downgrade(&self.inner);
        let task = tokio::spawn(follow(weak, handle, updates, operations, follower, policy));
        if let Some(old) = lock(&self.inner.attention).replace(task) {
            old.abort();
        }
        Ok(())
    }

    /// Stops the attention follow (the session stays open).
    pub fn stop_following_attention(&self) {
        if let Some(task) = lock(&self.inner.attention).take() {
            task.abort();
        }
    }

    /// Runs `operation` on the profiles on screen (the tray's Start and Stop): `up` waits until the services
    /// are healthy, after the preflight. Progress is not reported; the end is (notifications).
    pub async fn run_selection(&self, operation: OpKind) -> Result<OperationResult, ErrorReport> {
        let mut request = OperationRequest::new(operation);
        request.profiles = self.desired_profiles();
        request.wait = operation == OpKind::Up;
        self.run(request, |_| {}).await
    }
}

/// The follow: apply every update to a copy of the snapshot, judge it, tell what changed; wake for due notices.
async fn follow(
    weak: Weak<Inner>,
    handle: Arc<EngineHandle>,
    mut updates: broadcast::Receiver<StoreUpdate>,
    mut operations: broadcast::Receiver<OperationNote>,
    follower: AttentionFollower,
    policy: NotifyPolicy,
) {
    let mut snapshot = handle.snapshot();
    let mut notifier = Notifier::new(policy);
    let mut shown: Option<TrayView> = None;
    loop {
        let now = Instant::now();
        let (running, profiles) = match weak.upgrade() {
            Some(inner) => {
                let session = Session { inner };
                (session.running(), session.desired_profiles())
            }
            None => return,
        };
        notifier.observe(&snapshot, running.is_some(), now);
        let crashed = notifier.recently_crashed(now);
        let view = TrayView::of(&TrayInput {
            snapshot: &snapshot,
            profiles: &profiles,
            running: running.as_deref(),
            recently_crashed: &crashed,
        });
        if shown.as_ref() != Some(&view) {
            (follower.sink)(AttentionUpdate::Tray(view.clone()));
            shown = Some(view);
        }
        for notice in notifier.due(now, &(follower.context)()) {
            (follower.sink)(AttentionUpdate::Notify(notice));
        }
        let due = notifier.next_due();
        let wake = tokio::time::Instant::from_std(due.unwrap_or(now + Duration::from_secs(3600)));
        tokio::select! {
            update = updates.recv() => match update {
                Ok(update) => snapshot.apply(&update),
                Err(RecvError::Lagged(_)) => snapshot = handle.snapshot(),
                Err(RecvError::Closed) => return,
            },
            note = operations.recv() => match note {
                Ok(OperationNote::Ended(_, end)) => {
                    if let Some(notice) = notifier.operation_ended(&end, Instant::now(), &(follower.context)()) {
                        (follower.sink)(AttentionUpdate::Notify(notice));
                    }
                }
                Ok(OperationNote::Started(_)) | Err(RecvError::Lagged(_)) => {}
                Err(RecvError::Closed) => return,
            },
            () = tokio::time::sleep_until(wake), if due.is_some() => {}
        }
    }
}
