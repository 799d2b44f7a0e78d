//! What needs the user's attention while the window may be hidden: the tray's tint and menu, and which desktop
//! notifications to send — pure rules over the engine snapshot a session follows (`session/attention.rs` drives
//! them; the desktop shell only draws the result).
//!
//! - [`problem`]: when a service is in trouble (unhealthy, exited unexpectedly, dead, restarting) and when it
//!   merely stopped on purpose (exit 0, 143, or 137 without an OOM kill — the window's rule).
//! - [`tray`]: the tint and the menu model.
//! - [`notices`]: notification decisions from successive snapshots and finished operations: a settle time, a
//!   quiet period per service (one notification with a count for a crash loop), each kind can be turned off,
//!   nothing while the window is focused.
//! - [`operation`]: what a finished Start/Stop/…/region apply says.

pub mod notices;
pub mod operation;
pub mod problem;
pub mod tray;

pub use notices::{Notice, NoticeKind, Notifier, NotifyContext, NotifyPolicy, NotifyPrefs};
pub use operation::OperationEnd;
pub use problem::{problem_of, Problem};
pub use tray::{MenuAction, MenuEntry, Tint, TrayInput, TrayView};
