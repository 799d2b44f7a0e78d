//! Which desktop notifications to send, from successive engine snapshots and finished operations.
//!
//! - **What**: a service became unhealthy ([`NoticeKind::Unhealthy`]); a service crashed — exited with a code a
//!   deliberate stop does not leave, died, or was restarted by its restart policy ([`NoticeKind::Exited`]); an
//!   operation of the session (Start, Stop, Restart, Remove…, a region apply) succeeded or failed
//!   ([`NoticeKind::OperationSucceeded`], [`NoticeKind::OperationFailed`]; a cancelled one says nothing).
//! - **Not**: while an operation of the session runs and for the settle time after it ends (the operation's own
//!   notice tells the outcome; its stops and recreations are not alarms), at the first snapshot (the state
//!   found is not news), or while the engine is not connected and synced (the last known state is compared
//!   with the next synced one).
//! - **Crash loops**: a service's first problem of a kind is announced after [`NotifyPolicy::settle`] (5 s),
//!   counting everything of that kind that happened to it meanwhile — a crash loop gives "crash-looping: 4
//!   crashes in 5 s", not four notifications. Then that service and kind stay quiet for
//!   [`NotifyPolicy::quiet`] (5 min); what happened during the quiet period comes as one summary with its count
//!   when it ends, and nothing if nothing happened.
//! - **Gate**: a notice is sent only when its kind is on in [`NotifyPrefs`] and the window is not focused. One
//!   that is not sent starts no quiet period (nothing reached the desktop to be repeated).

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use super::operation::OperationEnd;
use super::problem::{problem_of, Problem};
use crate::engine::{ConnectionStatus, EngineSnapshot, ServiceStatus};

/// Which notifications the user wants (all on by default).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct NotifyPrefs {
    /// A service became unhealthy.
    pub unhealthy: bool,
    /// A service exited unexpectedly, died or is crash-looping.
    pub exited: bool,
    /// A Start, Stop, … or region apply finished.
    pub operation_succeeded: bool,
    /// A Start, Stop, … or region apply failed.
    pub operation_failed: bool,
}

impl Default for NotifyPrefs {
    fn default() -> Self {
        NotifyPrefs { unhealthy: true, exited: true, operation_succeeded: true, operation_failed: true }
    }
}

impl NotifyPrefs {
    pub fn allows(&self, kind: NoticeKind) -> bool {
        match kind {
            NoticeKind::Unhealthy => self.unhealthy,
            NoticeKind::Exited => self.exited,
            NoticeKind::OperationSucceeded => self.operation_succeeded,
            NoticeKind::OperationFailed => self.operation_failed,
        }
    }
}

/// What a notification is about (each kind can be turned off).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum NoticeKind {
    Unhealthy,
    Exited,
    OperationSucceeded,
    OperationFailed,
}

/// What decides, at the moment a notice is due, whether it is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NotifyContext {
    /// The window is shown and has the keyboard focus (the user sees the change there).
    pub focused: bool,
    pub prefs: NotifyPrefs,
}

impl NotifyContext {
    pub fn allows(&self, kind: NoticeKind) -> bool {
        !self.focused && self.prefs.allows(kind)
    }
}

/// One notification to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub kind: NoticeKind,
    pub title: String,
    pub body: String,
    /// The service it is about (a click may open the window on it).
    pub service: Option<String>,
}

/// The timing of service notices.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NotifyPolicy {
    /// How long a service's first problem is held to count what follows (a crash loop's restarts).
    pub settle: Duration,
    /// After a notice, how long that service and kind stay quiet (what happens meanwhile is counted).
    pub quiet: Duration,
    /// How long a crash keeps a service that runs again in trouble for the tray (a crash loop is running
    /// between its crashes).
    pub recent: Duration,
}

impl Default for NotifyPolicy {
    fn default() -> Self {
        NotifyPolicy {
            settle: Duration::from_secs(5),
            quiet: Duration::from_secs(300),
            recent: Duration::from_secs(60),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Trouble {
    Unhealthy,
    Crash,
}

impl Trouble {
    fn kind(self) -> NoticeKind {
        match self {
            Trouble::Unhealthy => NoticeKind::Unhealthy,
            Trouble::Crash => NoticeKind::Exited,
        }
    }
}

#[derive(Debug, Clone, Copy)]
enum Phase {
    /// Counting until the first notice.
    Settling,
    /// A notice was sent; counting for the summary.
    Quiet,
}

#[derive(Debug, Clone)]
struct Incident {
    phase: Phase,
    /// When the phase ends.
    until: Instant,
    /// The first event counted in this phase.
    since: Instant,
    count: u32,
}

/// Decides the notifications of one project (see the module's rules). Pure: the caller gives it the time.
#[derive(Debug, Clone)]
pub struct Notifier {
    policy: NotifyPolicy,
    /// The last connected, synced state seen.
    baseline: Option<EngineSnapshot>,
    /// Changes before this are absorbed (an operation just ended).
    hold_until: Option<Instant>,
    incidents: BTreeMap<(String, Trouble), Incident>,
    /// When each service last crashed (kept for [`NotifyPolicy::recent`]).
    crashes: BTreeMap<String, Instant>,
}

/// "5 s", "40 s", "3 min" (to the nearest minute).
pub fn span_text(d: Duration) -> String {
    let s = d.as_secs().max(1);
    if s < 60 {
        format!("{s} s")
    } else {
        format!("{} min", (s + 30) / 60)
    }
}

impl Notifier {
    pub fn new(policy: NotifyPolicy) -> Notifier {
        Notifier {
            policy,
            baseline: None,
            hold_until: None,
            incidents: BTreeMap::new(),
            crashes: BTreeMap::new(),
        }
    }

    /// A new state of the project; `busy`: an operation of the session is running.
    pub fn observe(&mut self, snapshot: &EngineSnapshot, busy: bool, now: Instant) {
        if snapshot.connection.status != ConnectionStatus::Connected || !snapshot.synced {
            return;
        }
        let held = busy || self.hold_until.is_some_and(|t| now < t);
        if let (Some(base), false) = (self.baseline.take(), held) {
            for service in &snapshot.services {
                let before = base.services.iter().find(|p| p.name == service.name);
                for (trouble, count) in changes(before, service) {
                    if trouble == Trouble::Crash {
                        self.crashes.insert(service.name.clone(), now);
                    }
                    self.record(&service.name, trouble, count, now);
                }
            }
        }
        self.baseline = Some(snapshot.clone());
    }

    fn record(&mut self, service: &str, trouble: Trouble, count: u32, now: Instant) {
        let settle = self.policy.settle;
        let incident = self.incidents.entry((service.to_string(), trouble)).or_insert(Incident {
            phase: Phase::Settling,
            until: now + settle,
            since: now,
            count: 0,
        });
        if incident.count == 0 {
            incident.since = now;
        }
        incident.count += count;
    }

    /// When [`Notifier::due`] has something to decide next (or a recent crash stops counting).
    pub fn next_due(&self) -> Option<Instant> {
        let crashes = self.crashes.values().map(|at| *at + self.policy.recent);
        self.incidents.values().map(|i| i.until).chain(crashes).min()
    }

    /// The services that crashed within [`NotifyPolicy::recent`] of `now`.
    pub fn recently_crashed(&self, now: Instant) -> Vec<String> {
        let recent = self.policy.recent;
        self.crashes.iter().filter(|(_, at)| now < **at + recent).map(|(name, _)| name.clone()).collect()
    }

    /// The notices due at `now` that `ctx` lets through.
    pub fn due(&mut self, now: Instant, ctx: &NotifyContext) -> Vec<Notice> {
        let recent = self.policy.recent;
        self.crashes.retain(|_, at| now < *at + recent);
        let mut out = Vec::new();
        let ready: Vec<_> =
            self.incidents.iter().filter(|(_, i)| i.until <= now).map(|(k, _)| k.clone()).collect();
        for key in ready {
            let Some(incident) = self.incidents.get(&key) else { continue };
            if incident.count == 0 {
                self.incidents.remove(&key);
                continue;
            }
            let (service, trouble) = &key;
            let current = self.current(service);
            let notice = Notice {
                kind: trouble.kind(),
                service: Some(service.clone()),
                ..text(self.project(), service, *trouble, incident, current, now)
            };
            if ctx.allows(notice.kind) {
                out.push(notice);
                let quiet = self.policy.quiet;
                self.incidents
                    .insert(key, Incident { phase: Phase::Quiet, until: now + quiet, since: now, count: 0 });
            } else {
                self.incidents.remove(&key);
            }
        }
        out
    }

    /// An operation of the session ended: its notice, if `ctx` lets it through. Changes in the settle time
    /// after it are its own (absorbed).
    pub fn operation_ended(
        &mut self,
        end: &OperationEnd,
        now: Instant,
        ctx: &NotifyContext,
    ) -> Option<Notice> {
        self.hold_until = Some(now + self.policy.settle);
        let (kind, title, body) = match end {
            OperationEnd::Succeeded { title, body } => (NoticeKind::OperationSucceeded, title, body),
            OperationEnd::Failed { title, body } => (NoticeKind::OperationFailed, title, body),
            OperationEnd::Cancelled => return None,
        };
        ctx.allows(kind).then(|| Notice { kind, title: title.clone(), body: body.clone(), service: None })
    }

    fn project(&self) -> &str {
        self.baseline.as_ref().map_or("", |b| b.project.as_str())
    }

    fn current(&self, service: &str) -> Option<&ServiceStatus> {
        self.baseline.as_ref().and_then(|b| b.services.iter().find(|s| s.name == service))
    }
}

/// What happened to a service between two states: it became unhealthy (1), and how many times it crashed —
/// restarts by its restart policy, plus one for a stop that will not be followed by a restart.
fn changes(before: Option<&ServiceStatus>, now: &ServiceStatus) -> Vec<(Trouble, u32)> {
    let was = before.and_then(problem_of);
    let is = problem_of(now);
    let mut out = Vec::new();
    if is == Some(Problem::Unhealthy) && was != Some(Problem::Unhealthy) {
        out.push((Trouble::Unhealthy, 1));
    }
    // A recreated container starts counting again: no restarts to count then.
    let restarts = before.map_or(0, |b| now.restart_count.saturating_sub(b.restart_count));
    let stopped = |p: Option<Problem>| matches!(p, Some(Problem::Exited { .. } | Problem::Dead));
    let mut crashes = restarts + u32::from(stopped(is) && !stopped(was));
    if crashes == 0 && is == Some(Problem::Restarting) && was != Some(Problem::Restarting) {
        crashes = 1;
    }
    if crashes > 0 {
        out.push((Trouble::Crash, crashes));
    }
    out
}

/// The title and body of a service notice (kind and service filled in by the caller).
fn text(
    project: &str,
    service: &str,
    trouble: Trouble,
    incident: &Incident,
    current: Option<&ServiceStatus>,
    now: Instant,
) -> Notice {
    let span = span_text(now.saturating_duration_since(incident.since).max(Duration::from_secs(1)));
    let problem = current.and_then(problem_of);
    let state = match problem {
        Some(p) => p.label(),
        None if current.is_some_and(super::problem::is_up) => "running".to_string(),
        None => "stopped".to_string(),
    };
    let again = if matches!(incident.phase, Phase::Quiet) { " again" } else { "" };
    let n = incident.count;
    let (title, body) = match (trouble, n, problem) {
        (Trouble::Unhealthy, 1, Some(Problem::Unhealthy)) => {
            (format!("{service} is unhealthy{again}"), format!("{project}: its healthcheck fails."))
        }
        (Trouble::Unhealthy, 1, _) => {
            (format!("{service} was unhealthy{again}"), format!("{project}: {service} is {state} now."))
        }
        (Trouble::Unhealthy, n, _) => (
            format!("{service} keeps turning unhealthy"),
            format!("{project}: unhealthy {n} times in {span}; {state} now."),
        ),
        (Trouble::Crash, 1, Some(Problem::Exited { code: Some(code) })) => {
            (format!("{service} exited unexpectedly{again}"), format!("{project}: exit code {code}."))
        }
        (Trouble::Crash, 1, Some(Problem::Exited { code: None })) => {
            (format!("{service} exited unexpectedly{again}"), format!("{project}: {service} stopped."))
        }
        (Trouble::Crash, 1, Some(Problem::Dead)) => {
            (format!("{service} is dead"), format!("{project}: the engine could not stop or remove it."))
        }
        (Trouble::Crash, 1, _) => (
            format!("{service} crashed{again}"),
            format!("{project}: its restart policy restarts it; {state} now."),
        ),
        (Trouble::Crash, n, _) => {
            (format!("{service} is crash-looping"), format!("{project}: {n} crashes in {span}; {state} now."))
        }
    };
    Notice { kind: trouble.kind(), title, body, service: None }
}

#[cfg(test)]
#[path = "notices_tests.rs"]
mod tests;
