//! Static problems of a selection, found before anything runs: each says what is wrong and how to fix it.
//!
//! `analyse` runs every check: `references.rs` (profiles, `depends_on`, networks and volumes), `ports.rs`
//! (host port conflicts), `variables.rs` (required and unset variables, secrets in argv), `subnets.rs`
//! (invalid and overlapping subnets).

use std::path::{Path, PathBuf};

use crate::compose::mask::SecretPolicy;
use crate::compose::model::{ComposeModel, Service};
use crate::compose::node::RequiredProblem;
use crate::descriptor::Descriptor;
use crate::report::{Severity, Warning, WarningCode};

mod ports;
mod references;
mod subnets;
mod variables;

use ports::port_conflicts;
use references::{dependencies, profiles, references};
use subnets::subnet_overlaps;
pub use subnets::Cidr;
use variables::{secrets_in_commands, variables};

pub struct Input<'a> {
    pub model: &'a ComposeModel,
    pub active: &'a [&'a Service],
    pub selected: &'a [String],
    pub descriptor: Option<&'a Descriptor>,
    pub required_problems: &'a [RequiredProblem],
    pub missing_extra_files: &'a [(String, PathBuf)],
    pub root: &'a Path,
    /// Variables held in the project's keychain: they are set when the stack starts (the lifecycle passes
    /// them to Compose), so they are not reported as unset; they are secrets whatever their name.
    pub held: &'a [String],
    pub policy: &'a SecretPolicy,
}

pub(super) fn warning(code: WarningCode, severity: Severity, message: String) -> Warning {
    Warning { code, severity, message, hint: None, services: Vec::new(), variables: Vec::new() }
}

impl Warning {
    pub(super) fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }
    pub(super) fn services(mut self, services: impl IntoIterator<Item = String>) -> Self {
        self.services = services.into_iter().collect();
        self
    }
    pub(super) fn variables(mut self, variables: impl IntoIterator<Item = String>) -> Self {
        self.variables = variables.into_iter().collect();
        self
    }
}

/// All warnings for a selection, most severe first (stable within a severity).
pub fn analyse(input: &Input) -> Vec<Warning> {
    let mut out = Vec::new();
    profiles(input, &mut out);
    dependencies(input, &mut out);
    port_conflicts(input.active, &mut out);
    variables(input, &mut out);
    subnet_overlaps(input.model, &mut out);
    references(input, &mut out);
    secrets_in_commands(input, &mut out);
    for p in &input.model.problems {
        let Some(service) = &p.service else { continue };
        if input.active.iter().any(|s| &s.name == service) {
            out.push(
                warning(WarningCode::InvalidEntry, Severity::Error, format!("{}: {}", p.at, p.message))
                    .services([service.clone()])
                    .hint("Fix this entry in the Compose file; Compose will reject it."),
            );
        }
    }
    for s in input.active {
        for reason in s.privilege_reasons() {
            out.push(
                warning(WarningCode::PrivilegedMount, Severity::Info, format!("{} {reason}.", s.name))
                    .services([s.name.clone()])
                    .hint("Treat this service as part of your host's trusted surface."),
            );
        }
    }
    if input.active.is_empty() {
        out.push(
            warning(WarningCode::EmptySelection, Severity::Info, "This selection starts no services.".into())
                .hint("Select a profile."),
        );
    }
    out.sort_by_key(|w| w.severity);
    out
}
