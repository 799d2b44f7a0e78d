//! The operation running on the session's project (a lifecycle operation or a region apply): at most one at
//! a time in this process, with its cancel token, so any window (or the tray) can cancel it. Across processes
//! the operation lock (`lifecycle::lock`) still decides. Its start and end are told to the session's attention
//! follower (the tray's menu, the notifications).

use tokio_util::sync::CancellationToken;

use super::{lock, Session};
use crate::attention::OperationEnd;
use crate::error::{ErrorCode, ErrorReport};

#[derive(Default)]
pub(super) struct OperationSlot(std::sync::Mutex<Option<(String, CancellationToken)>>);

/// An operation of the session started, or ended and how.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum OperationNote {
    Started(String),
    Ended(String, OperationEnd),
}

/// The running operation's place, freed when dropped (however the operation ended).
pub(super) struct Running {
    session: Session,
    what: String,
    pub cancel: CancellationToken,
    /// How it ended (unset: it stopped without an outcome, which tells nothing).
    end: Option<OperationEnd>,
}

impl Running {
    /// Records how the operation ended (told when the place is freed).
    pub(super) fn ended(&mut self, end: OperationEnd) {
        self.end = Some(end);
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        *lock(&self.session.inner.operation.0) = None;
        let end = self.end.take().unwrap_or(OperationEnd::Cancelled);
        let project = self.session.project();
        let project = project.name();
        let what = self.what.as_str();
        // The titles and bodies are already masked (they are what notifications show); the log masks again.
        match &end {
            OperationEnd::Succeeded { title, .. } => {
                tracing::info!(project, operation = what, outcome = "succeeded", "operation ended: {title}")
            }
            OperationEnd::Failed { title, body } => {
                tracing::warn!(
                    project,
                    operation = what,
                    outcome = "failed",
                    "operation ended: {title}: {body}"
                )
            }
            OperationEnd::Cancelled => {
                tracing::info!(project, operation = what, outcome = "cancelled", "operation ended")
            }
        }
        let _ = self.session.inner.operations.send(OperationNote::Ended(std::mem::take(&mut self.what), end));
    }
}

impl Session {
    /// Takes the session's operation place for `what` (`up`, `region create eu`…), or says what holds it.
    pub(super) fn begin(&self, what: &str) -> Result<Running, ErrorReport> {
        let mut slot = lock(&self.inner.operation.0);
        if let Some((other, _)) = slot.as_ref() {
            return Err(ErrorReport::new(
                ErrorCode::OperationBusy,
                format!(
                    "`{other}` is already running on this project: wait for it to finish (or cancel it), then \
                     retry `{what}`"
                ),
            ));
        }
        let cancel = CancellationToken::new();
        *slot = Some((what.to_string(), cancel.clone()));
        drop(slot);
        tracing::info!(project = self.project().name(), operation = what, "operation started");
        let _ = self.inner.operations.send(OperationNote::Started(what.to_string()));
        Ok(Running { session: self.clone(), what: what.to_string(), cancel, end: None })
    }

    /// What runs on the project now (from this process), if anything.
    pub fn running(&self) -> Option<String> {
        lock(&self.inner.operation.0).as_ref().map(|(what, _)| what.clone())
    }

    /// Cancels the running operation: Compose gets SIGTERM (then SIGKILL after the grace period), a region
    /// apply rolls back what it created. False when none runs.
    pub fn cancel(&self) -> bool {
        match lock(&self.inner.operation.0).as_ref() {
            Some((_, cancel)) => {
                cancel.cancel();
                true
            }
            None => false,
        }
    }
}
