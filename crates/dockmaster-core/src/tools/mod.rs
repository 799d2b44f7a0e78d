//! Service tools: a terminal in any service's container (its shell, a given command, or the database or cache
//! client its stack descriptor names, with the credentials in the command's environment only). The session
//! (`session/terminals.rs`) owns what is open; this module holds the pieces.

pub mod clients;
pub mod output;
pub mod terminal;

pub use output::{MaskedOutput, Utf8Pieces};
pub use terminal::{ExecControl, ExecInfo, ExecRequest, ServiceExec, TerminalEvent, TerminalInfo};
