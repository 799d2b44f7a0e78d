//! What the desktop shell tells its window besides a project's state (another launch asked for a project), kept
//! until the window listens; and what its About panel shows.

use std::sync::Mutex;

use serde::Serialize;

/// How many events wait for a window that does not listen yet (the oldest go first).
const MAX_QUEUED: usize = 8;

/// An event of the desktop shell for its window.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub enum DesktopEvent {
    /// Another launch of the app was given `--project DIR`: the running window opens it (it was brought to
    /// the front already).
    OpenProject { dir: String },
}

type Sink = Box<dyn Fn(DesktopEvent) -> bool + Send>;

#[derive(Default)]
struct Relay {
    sink: Option<Sink>,
    queued: Vec<DesktopEvent>,
}

/// Passes desktop events to the one window listening; keeps them while none listens (e.g. a second launch
/// while the first window still loads) and hands them over when one starts.
#[derive(Default)]
pub struct DesktopRelay {
    inner: Mutex<Relay>,
}

impl DesktopRelay {
    /// `sink` gets every event from now on, first those that waited; it replaces an earlier listener (the
    /// window reloaded). `sink` returns false once its receiver is gone.
    pub fn listen(&self, sink: impl Fn(DesktopEvent) -> bool + Send + 'static) {
        let mut relay = self.lock();
        let waiting = std::mem::take(&mut relay.queued);
        let mut rest = waiting.into_iter();
        for event in rest.by_ref() {
            if !sink(event.clone()) {
                relay.queued.push(event);
                relay.queued.extend(rest);
                relay.sink = None;
                return;
            }
        }
        relay.sink = Some(Box::new(sink));
    }

    /// Sends `event` to the window, or keeps it until one listens.
    pub fn send(&self, event: DesktopEvent) {
        let mut relay = self.lock();
        if let Some(sink) = &relay.sink {
            if sink(event.clone()) {
                return;
            }
            relay.sink = None;
        }
        relay.queued.push(event);
        let over = relay.queued.len().saturating_sub(MAX_QUEUED);
        relay.queued.drain(..over);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Relay> {
        self.inner.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// What the About panel shows. The version has one source, the workspace's `Cargo.toml` (the shell passes
/// the one Tauri read from it, which the packages carry too).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct AboutInfo {
    pub name: String,
    pub version: String,
    /// The app's identifier (its settings and data folders are named after it).
    pub identifier: String,
    pub tauri_version: String,
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use std::sync::{Arc, Mutex};

    use super::*;

    fn open(dir: &str) -> DesktopEvent {
        DesktopEvent::OpenProject { dir: dir.to_string() }
    }

    fn recorder() -> (Arc<Mutex<Vec<DesktopEvent>>>, impl Fn(DesktopEvent) -> bool + Send + 'static) {
        let got = Arc::new(Mutex::new(Vec::new()));
        let into = Arc::clone(&got);
        (got, move |e| {
            into.lock().unwrap().push(e);
            true
        })
    }

    #[test]
    fn events_wait_for_the_window_then_arrive_in_order() {
        let relay = DesktopRelay::default();
        relay.send(open("/a"));
        relay.send(open("/b"));
        let (got, sink) = recorder();
        relay.listen(sink);
        relay.send(open("/c"));
        assert_eq!(*got.lock().unwrap(), [open("/a"), open("/b"), open("/c")]);
    }

    #[test]
    fn a_new_listener_replaces_the_old_and_a_gone_one_makes_events_wait() {
        let relay = DesktopRelay::default();
        let (first, sink) = recorder();
        relay.listen(sink);
        relay.send(open("/a"));
        relay.listen(|_| false); // the window reloaded and its new channel is already gone
        relay.send(open("/b"));
        let (second, sink) = recorder();
        relay.listen(sink);
        assert_eq!(*first.lock().unwrap(), [open("/a")]);
        assert_eq!(*second.lock().unwrap(), [open("/b")], "kept while nobody received it");
    }

    #[test]
    fn only_the_newest_events_wait() {
        let relay = DesktopRelay::default();
        for i in 0..MAX_QUEUED + 3 {
            relay.send(open(&format!("/p{i}")));
        }
        let (got, sink) = recorder();
        relay.listen(sink);
        let got = got.lock().unwrap();
        assert_eq!(got.len(), MAX_QUEUED);
        assert_eq!(got[0], open("/p3"));
    }
}
