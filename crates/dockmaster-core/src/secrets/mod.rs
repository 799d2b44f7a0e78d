//! Secrets and environment: the variable catalog and its rules, the OS keychain (per project), lossless
//! `.env` import, and the environment a child process (Compose) gets. No secret value is ever printed,
//! serialized, logged or written to a file by this module.

pub mod catalog;
pub mod collection;
pub mod edit;
pub mod error;
pub mod fix;
mod forms;
pub mod gather;
pub mod generate;
pub mod keychain;
pub mod mask;
pub mod rules;
pub mod sensitive;

use serde::Serialize;

pub use catalog::Catalog;
pub use error::{KeychainAction, SecretsError};
pub use gather::{gather, SecretSet};
pub use keychain::Keychain;
pub use mask::{Masker, StreamMasker, MIN_SECRET_LEN};
pub use sensitive::Sensitive;

use crate::env::EnvEditor;
use crate::project::Project;
use error::Result;

/// The comment import leaves above a blanked `.env` line.
pub fn keychain_note(name: &str) -> String {
    format!(
        "{name} is kept in the OS keychain (dockmaster secret set|rm {name}); `dockmaster exec` passes it on"
    )
}

/// Checks `value` against `name`'s rule; `Err` lists the broken rules (never the value).
pub fn validate(project: &Project, name: &str, value: &Sensitive<String>) -> Result<()> {
    let rule = project.descriptor().and_then(|d| d.variables.get(name));
    let none = |_: &str| None;
    let cx = rules::Context { production: false, lookup: &none };
    let errors: Vec<String> = rules::check(name, rule, Some(value.expose()), &cx)
        .into_iter()
        .filter(|f| f.level == rules::Level::Error && f.rule != rules::RuleKind::PairedWith)
        .map(|f| f.message)
        .collect();
    if errors.is_empty() {
        Ok(())
    } else {
        Err(SecretsError::Invalid { name: name.to_string(), reasons: errors.join(" ") })
    }
}

/// Validates, stores and reads back one secret.
pub fn store(project: &Project, keychain: &Keychain, name: &str, value: &Sensitive<String>) -> Result<()> {
    validate(project, name, value)?;
    keychain.set(name, value)?;
    match keychain.get(name)? {
        Some(back) if back == *value => Ok(()),
        _ => Err(SecretsError::VerifyFailed { name: name.to_string() }),
    }
}

/// Generates a value for `name` by its rule and stores it. Returns the generated value's length.
pub fn generate_and_store(project: &Project, keychain: &Keychain, name: &str) -> Result<u32> {
    let rule = project.descriptor().and_then(|d| d.variables.get(name));
    let value = generate::for_rule(name, rule)?;
    store(project, keychain, name, &value)?;
    Ok(u32::try_from(value.expose().chars().count()).unwrap_or(u32::MAX))
}

/// What `import` did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ImportReport {
    /// Now in the keychain, blanked in `.env`.
    pub moved: Vec<String>,
    /// Left in `.env`: the keychain already holds a different value for them (resolve by hand).
    pub conflicts: Vec<String>,
    /// Left in `.env`: a name Dockmaster reserves for Compose and the Docker CLI (`DOCKER_*`, `PATH`…).
    pub reserved: Vec<String>,
    /// Left in `.env`: too short to be masked in output (give them a longer value).
    pub too_short: Vec<String>,
    /// The `.env` file edited, if any.
    pub env_file: Option<String>,
}

/// Moves the secret values of the project's `.env` (as it was read when the project was opened) into the
/// keychain, verifies each by reading it back, then blanks them in `.env` with a comment saying where the
/// value lives. If any keychain step fails, `.env` is untouched; if `.env` cannot be written (e.g. it
/// changed since it was read), the keychain holds copies and `.env` still has the values.
pub fn import(project: &Project, keychain: &Keychain) -> Result<ImportReport> {
    let env_file = project.environment().env_file();
    let Some(path) = env_file.path.clone() else { return Ok(ImportReport::default()) };
    refuse_symlink(&path)?;
    let policy = project.secret_policy();
    let mut editor = EnvEditor::from_read(&path, Some(env_file.text.clone()))?;
    let mut report = ImportReport { env_file: Some(path.display().to_string()), ..Default::default() };
    let mut seen = std::collections::BTreeSet::new();
    for entry in &env_file.entries {
        if !seen.insert(entry.key.as_str())
            || !policy.is_secret(&entry.key)
            || !keychain::valid_name(&entry.key)
        {
            continue;
        }
        let Some(value) = env_file.get(&entry.key).filter(|v| !v.is_empty()) else { continue };
        if keychain::reserved(&entry.key) {
            report.reserved.push(entry.key.clone());
            continue;
        }
        if value.len() < MIN_SECRET_LEN {
            report.too_short.push(entry.key.clone());
            continue;
        }
        let value = Sensitive::new(value.to_string());
        match keychain.get(&entry.key)? {
            Some(existing) if existing != value => {
                report.conflicts.push(entry.key.clone());
                continue;
            }
            Some(_) => {}
            None => keychain.set(&entry.key, &value)?,
        }
        match keychain.get(&entry.key)? {
            Some(back) if back == value => report.moved.push(entry.key.clone()),
            _ => return Err(SecretsError::VerifyFailed { name: entry.key.clone() }),
        }
    }
    for name in &report.moved {
        editor.blank(name, Some(&keychain_note(name)))?;
    }
    editor.save()?;
    Ok(report)
}

/// Refuses to edit a `.env` that is a symbolic link: the edit would replace the link with a file and leave
/// the original text (secrets included) where the link pointed.
pub(crate) fn refuse_symlink(path: &std::path::Path) -> Result<()> {
    match std::fs::symlink_metadata(path) {
        Ok(m) if m.file_type().is_symlink() => Err(SecretsError::EnvIsSymlink {
            path: path.to_path_buf(),
            target: std::fs::canonicalize(path)
                .or_else(|_| std::fs::read_link(path))
                .unwrap_or_else(|_| path.to_path_buf()),
        }),
        _ => Ok(()),
    }
}

/// The names `keychain` holds, for [`Project::report_with_keychain`]: none when it cannot be opened or read
/// (the report then keeps its "not set" warnings; it never fails because of the keychain).
pub fn held_names(keychain: Result<Keychain>) -> Vec<String> {
    keychain.and_then(|k| k.names()).unwrap_or_default()
}

/// Splits keychain secrets into those a child may get and the names held under a reserved name
/// (`DOCKER_*`, `PATH`… — see [`keychain::reserved`]), which never reach a child: a value there could redirect
/// Compose or the programs it runs. The caller warns about the second list.
pub fn injectable(
    secrets: Vec<(String, Sensitive<String>)>,
) -> (Vec<(String, Sensitive<String>)>, Vec<String>) {
    let (ok, reserved): (Vec<_>, Vec<_>) =
        secrets.into_iter().partition(|(name, _)| !keychain::reserved(name));
    (ok, reserved.into_iter().map(|(name, _)| name).collect())
}

/// The warning for keychain items under reserved names that were not passed on.
pub fn reserved_warning(names: &[String]) -> Option<String> {
    let one = names.len() == 1;
    (!names.is_empty()).then(|| {
        format!(
            "The keychain holds {} under a name Dockmaster reserves for Compose and the Docker CLI; {} not passed \
             on. Remove {} (Environment → Delete, or `dockmaster secret rm NAME`).",
            names.join(", "),
            if one { "it is" } else { "they are" },
            if one { "it" } else { "them" },
        )
    })
}

/// The environment a Compose child gets from the keychain: every secret stored for the project.
pub fn child_env_from(keychain: &Keychain) -> Result<Vec<(String, Sensitive<String>)>> {
    keychain.all()
}

/// [`child_env_from`] the project's native keychain.
pub fn child_env(project: &Project) -> Result<Vec<(String, Sensitive<String>)>> {
    child_env_from(&Keychain::open(project.root())?)
}

#[cfg(test)]
mod tests;
