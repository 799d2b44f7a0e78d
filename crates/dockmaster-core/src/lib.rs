//! Dockmaster's core: everything the desktop app and the CLI do, with no dependency on Tauri.
//!
//! The entry point is [`Project`]: open a Compose project folder, list its profiles, and build a
//! [`SelectionReport`] (services, ports, networks, volumes, warnings) for any profile selection.

pub mod attention;
pub mod compose;
pub mod demo;
pub mod descriptor;
pub mod desktop;
pub mod diagnostics;
pub mod doctor;
pub mod engine;
pub mod engines;
pub mod env;
pub mod error;
pub mod face;
pub mod fsutil;
pub mod labels;
pub mod lifecycle;
pub mod links;
pub mod ownlog;
pub mod project;
pub mod recent;
pub mod region;
pub mod report;
pub mod secrets;
pub mod session;
pub mod tools;
pub mod volumes;
pub mod warnings;

pub use error::{CoreError, ErrorCode, ErrorDetail, ErrorReport};
pub use project::{OpenOptions, Project};
pub use report::*;
