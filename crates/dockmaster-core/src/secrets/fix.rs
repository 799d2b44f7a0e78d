//! "Fix and start" (`dockmaster up --fix`): what can be fixed without asking — a missing secret that has a
//! generator is generated into the keychain, a missing non-secret the stack descriptor suggests a value for is
//! written to `.env` losslessly — and what was done, by name (never a value).
//!
//! Secrets come first, each stored and read back; `.env` is written last, in one atomic save. When a step
//! fails, what was done before it is reported exactly and nothing after it is touched: a keychain that fails
//! on the third secret leaves two generated secrets and an unchanged `.env`.

use serde::Serialize;

use super::error::SecretsError;
use super::keychain::Keychain;
use crate::env::EnvEditor;
use crate::error::{ErrorDetail, ErrorReport};
use crate::face::{capitalized, Face, Step};
use crate::project::Project;

/// What can be done about a preflight problem besides reading its text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase", tag = "kind")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub enum Remedy {
    /// "Fix and start" generates a strong value into the keychain (`random:48`, `fernet-key`…).
    Generate { generator: String },
    /// "Fix and start" writes the stack descriptor's suggested value to `.env` (never a secret).
    Suggest { value: String },
    /// A button of its own: ask the Secret Service to create a default keychain (the desktop asks for its
    /// password).
    CreateKeychain,
    /// A button of its own: ask the Secret Service to unlock the default keychain.
    UnlockKeychain,
    /// A button of its own: copy `image` from this machine's engine to the engine `engine`
    /// (`dockmaster image copy IMAGE --to ENGINE`).
    CopyImage { image: String, engine: String },
}

impl Remedy {
    /// "Fix and start" does it without asking anything.
    pub fn is_automatic(&self) -> bool {
        matches!(self, Remedy::Generate { .. } | Remedy::Suggest { .. })
    }
}

/// What "Fix and start" did: names only, never a value.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct FixReport {
    /// Secrets generated into the keychain (each read back).
    pub generated: Vec<String>,
    /// Variables written to `.env` with the stack's suggested value.
    pub written: Vec<String>,
    /// The `.env` file written, if one was.
    pub env_file: Option<String>,
}

impl FixReport {
    pub fn is_empty(&self) -> bool {
        self.generated.is_empty() && self.written.is_empty()
    }

    /// "generated JWT_SECRET and SECRET_KEY into the keychain; wrote ADMIN_USERNAME to /p/.env", or
    /// "nothing was changed".
    pub fn summary(&self) -> String {
        let mut parts = Vec::new();
        if !self.generated.is_empty() {
            parts.push(format!("generated {} into the keychain", and_list(&self.generated)));
        }
        if !self.written.is_empty() {
            let file = self.env_file.as_deref().unwrap_or(".env");
            parts.push(format!("wrote {} to {file}", and_list(&self.written)));
        }
        if parts.is_empty() {
            "nothing was changed".into()
        } else {
            parts.join("; ")
        }
    }
}

fn and_list(names: &[String]) -> String {
    match names {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

/// A fix that stopped half-way: what was done before the failing step, and the failure.
#[derive(Debug)]
pub struct FixFailure {
    pub done: FixReport,
    pub error: Box<SecretsError>,
}

impl FixFailure {
    fn said(&self, face: Face) -> String {
        let error = match face {
            Face::Cli => self.error.to_string(),
            Face::Window => self.error.window_text().unwrap_or_else(|| self.error.to_string()),
        };
        let env = if self.done.written.is_empty() { " .env was not changed." } else { "" };
        format!(
            "{} stopped: {} before this failed: {error}.{env} Fix that, then {} again.",
            Step::FixAndStart.named(face),
            self.done.summary(),
            Step::FixAndStart.run(face),
        )
    }
}

impl From<FixFailure> for ErrorReport {
    fn from(f: FixFailure) -> Self {
        let mut report = ErrorReport::new(f.error.code(), capitalized(&f.said(Face::Cli)));
        report.window = Some(capitalized(&f.said(Face::Window)));
        report.detail = Some(Box::new(ErrorDetail::Fixed { fixed: f.done }));
        report
    }
}

/// Whether applying `fixes` needs the keychain (a secret is generated).
pub fn needs_keychain(fixes: &[(String, Remedy)]) -> bool {
    fixes.iter().any(|(_, r)| matches!(r, Remedy::Generate { .. }))
}

/// Applies the automatic remedies of `fixes` (variable name, remedy): secrets first, then one `.env` save.
/// `keychain` is the project's (needed when [`needs_keychain`]).
pub fn apply(
    project: &Project,
    keychain: Option<&Keychain>,
    fixes: &[(String, Remedy)],
) -> Result<FixReport, FixFailure> {
    let mut done = FixReport::default();
    for (name, remedy) in fixes {
        if let Remedy::Generate { .. } = remedy {
            let stored = match keychain {
                Some(k) => super::generate_and_store(project, k, name),
                None => Err(SecretsError::Unavailable { detail: "no keychain was opened".into() }),
            };
            if let Err(error) = stored {
                return Err(FixFailure { done, error: Box::new(error) });
            }
            done.generated.push(name.clone());
        }
    }
    let suggested: Vec<(&String, &String)> = fixes
        .iter()
        .filter_map(|(name, r)| match r {
            Remedy::Suggest { value } => Some((name, value)),
            _ => None,
        })
        .collect();
    if suggested.is_empty() {
        return Ok(done);
    }
    match write_env(project, &suggested) {
        Ok(path) => {
            done.written = suggested.iter().map(|(n, _)| (*n).clone()).collect();
            done.env_file = Some(path);
            Ok(done)
        }
        Err(error) => Err(FixFailure { done, error: Box::new(error) }),
    }
}

/// Writes the suggested non-secret values into `.env` as it was read (a change since is a conflict), in one
/// atomic save that keeps every other byte. Returns the file's path.
fn write_env(project: &Project, values: &[(&String, &String)]) -> Result<String, SecretsError> {
    let policy = project.secret_policy();
    let (path, text) = super::edit::env_as_read(project);
    super::refuse_symlink(&path)?;
    let mut editor = EnvEditor::from_read(&path, text)?;
    for (name, value) in values {
        if policy.may_be_secret(name) {
            return Err(SecretsError::Invalid {
                name: (*name).clone(),
                reasons: "a secret is never written to .env".into(),
            });
        }
        super::validate(project, name, &super::Sensitive::new((*value).clone()))?;
        editor.set(name, value)?;
    }
    editor.save()?;
    Ok(path.display().to_string())
}

#[cfg(test)]
#[path = "fix_tests.rs"]
mod tests;
