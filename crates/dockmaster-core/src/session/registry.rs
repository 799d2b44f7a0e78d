//! [`Sessions`]: what a desktop app holds — the session of the project on screen, found by the folder the
//! window names. Opening another project replaces it (its supervisor, follows and watches stop with it);
//! opening the same one again reads its files again. The app's attention follower (tray, notifications)
//! follows whichever project is open.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use super::{blocking, lock, AttentionFollower, AttentionUpdate, Session};
use crate::attention::TrayView;
use crate::error::ErrorReport;
use crate::project::OpenOptions;

#[derive(Default)]
pub struct Sessions {
    current: Mutex<Option<Session>>,
    follower: Mutex<Option<AttentionFollower>>,
}

/// The folder as the project knows it (canonical), or as given when it cannot be resolved.
fn canonical(dir: &str) -> PathBuf {
    std::fs::canonicalize(dir).unwrap_or_else(|_| PathBuf::from(dir))
}

impl Sessions {
    /// Opens the project in `dir` as the one on screen and watches its files; the same project keeps its
    /// session and reads its files again.
    pub async fn open(&self, dir: &str) -> Result<Session, ErrorReport> {
        if let Some(session) = self.find(&canonical(dir)) {
            session.reload().await;
            return Ok(session);
        }
        let options = OpenOptions::new(dir);
        let session = blocking(move || Session::open(options)).await?;
        session.watch_files()?;
        *lock(&self.current) = Some(session.clone());
        if let Some(follower) = lock(&self.follower).clone() {
            let follow = session.clone();
            // In the background: opening does not wait for the engine (a failure shows in the tray).
            tokio::spawn(async move { follow.follow_attention(follower).await });
        }
        Ok(session)
    }

    /// Tells `follower` what needs attention in the project on screen, now and whenever another one opens
    /// (with no project open, the tray's plain view). Needs a Tokio runtime.
    pub fn follow_attention(&self, follower: AttentionFollower) {
        *lock(&self.follower) = Some(follower.clone());
        match self.current() {
            Some(session) => {
                tokio::spawn(async move { session.follow_attention(follower).await });
            }
            None => (follower.sink)(AttentionUpdate::Tray(TrayView::no_project())),
        }
    }

    /// The session of the project in `dir`: the one on screen when it is that folder, else opened.
    pub async fn get(&self, dir: &str) -> Result<Session, ErrorReport> {
        match self.find(&canonical(dir)) {
            Some(session) => Ok(session),
            None => self.open(dir).await,
        }
    }

    /// Switches the project in `dir` to `engine` (`None`: the Docker CLI's current context) and remembers it
    /// (see [`Session::switch_engine`]); the tray follows the new engine at once, the window follows it again
    /// with `watch_engine`.
    pub async fn use_engine(
        &self,
        dir: &str,
        engine: Option<&str>,
    ) -> Result<super::ProjectEngine, ErrorReport> {
        let session = self.get(dir).await?;
        let switched = session.switch_engine(engine)?;
        if let Some(follower) = lock(&self.follower).clone() {
            tokio::spawn(async move { session.follow_attention(follower).await });
        }
        Ok(switched)
    }

    /// The project on screen, if one is open.
    pub fn current(&self) -> Option<Session> {
        lock(&self.current).clone()
    }

    /// Closes the project on screen.
    pub fn close(&self) {
        *lock(&self.current) = None;
        if let Some(follower) = lock(&self.follower).as_ref() {
            (follower.sink)(AttentionUpdate::Tray(TrayView::no_project()));
        }
    }

    fn find(&self, root: &Path) -> Option<Session> {
        lock(&self.current).as_ref().filter(|s| s.project().root() == root).cloned()
    }
}
