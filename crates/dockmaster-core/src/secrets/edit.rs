//! Editing a project's variables from a screen that shows them: the catalog together with the rules and the
//! `.env` revision it was built from, non-secret `.env` edits refused when the file changed since, and
//! reading one secret back for an explicit reveal.

use std::collections::BTreeMap;

use serde::Serialize;
use sha2::{Digest, Sha256};

use super::catalog::{self, Catalog};
use super::error::{Result, SecretsError};
use super::keychain::{self, Keychain};
use super::sensitive::Sensitive;
use crate::env::{EnvEditError, EnvEditor};
use crate::project::Project;

/// The revision of a `.env` file that does not exist.
pub const ABSENT: &str = "absent";

/// What the stack descriptor requires of one variable, for checking a value while it is typed. The
/// backend checks again when the value is saved.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct VariableRuleView {
    pub required: bool,
    pub min_length: Option<u32>,
    /// A named format: `postgres-url`, `fernet-key`, `port`, `bool`, `url`.
    pub format: Option<String>,
    /// Set together with this other variable (both or neither).
    pub paired_with: Option<String>,
}

/// The catalog of a selection plus what an editor needs to change it safely.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct EnvironmentState {
    pub catalog: Catalog,
    /// The descriptor's rules by variable name (variables without a rule are absent).
    pub rules: BTreeMap<String, VariableRuleView>,
    /// The `.env` file non-secret edits are written to (created by the first edit when missing).
    pub env_file: String,
    pub env_file_exists: bool,
    /// Names the `.env` content the catalog was read from; an edit made against another revision is
    /// refused as a conflict.
    pub revision: String,
}

/// The revision of a `.env` text (`None`: the file does not exist). Equal texts, equal revisions.
pub fn revision(text: Option<&str>) -> String {
    match text {
        None => ABSENT.to_string(),
        Some(text) => {
            let digest = Sha256::digest(text.as_bytes());
            let hex: String = digest.iter().take(16).map(|b| format!("{b:02x}")).collect();
            format!("sha256:{hex}")
        }
    }
}

/// The revision of the project's `.env` as it was read when the project was opened.
pub fn env_revision(project: &Project) -> String {
    revision(env_as_read(project).1.as_deref())
}

/// The project's `.env` as it was read when the project was opened: its path and text (`None` if absent).
fn env_as_read(project: &Project) -> (std::path::PathBuf, Option<String>) {
    let file = project.environment().env_file();
    match &file.path {
        Some(path) => (path.clone(), Some(file.text.clone())),
        None => (project.root().join(".env"), None),
    }
}

/// The catalog for `profiles` with the descriptor's rules and the `.env` revision it was read at.
pub fn state(
    project: &Project,
    profiles: &[String],
    keychain: std::result::Result<&Keychain, &SecretsError>,
) -> crate::error::Result<EnvironmentState> {
    let catalog = catalog::build(project, profiles, keychain)?;
    let rules = project
        .descriptor()
        .map(|d| {
            d.variables
                .iter()
                .map(|(name, r)| {
                    let view = VariableRuleView {
                        required: r.required,
                        min_length: r.min_length,
                        format: r.format.clone(),
                        paired_with: r.paired_with.clone(),
                    };
                    (name.clone(), view)
                })
                .collect()
        })
        .unwrap_or_default();
    let (path, text) = env_as_read(project);
    Ok(EnvironmentState {
        catalog,
        rules,
        env_file: path.display().to_string(),
        env_file_exists: text.is_some(),
        revision: revision(text.as_deref()),
    })
}

/// Writes a non-secret `name=value` into the project's `.env` (losslessly, atomically), after checking the
/// value against its rule. Refused when `name` is a secret (secrets go to the keychain, never into `.env`)
/// and when the file on disk is not the `expected_revision` (a conflict: nothing is written). Returns the
/// new revision.
pub fn set_variable(project: &Project, name: &str, value: &str, expected_revision: &str) -> Result<String> {
    if !keychain::valid_name(name) {
        return Err(SecretsError::InvalidName { name: name.to_string() });
    }
    if project.secret_policy().is_secret(name) {
        return Err(SecretsError::Invalid {
            name: name.to_string(),
            reasons: format!(
                "{name} is a secret: it belongs in the OS keychain, not in plaintext in .env. Store it as a secret \
                 instead."
            ),
        });
    }
    super::validate(project, name, &Sensitive::new(value.to_string()))?;
    let (path, text) = env_as_read(project);
    super::refuse_symlink(&path)?;
    if revision(text.as_deref()) != expected_revision {
        return Err(EnvEditError::Conflict { path }.into());
    }
    let mut editor = EnvEditor::from_read(&path, text)?;
    editor.set(name, value)?;
    editor.save()?;
    Ok(revision(Some(editor.text())))
}

/// The value a child process would get for `name`: the keychain's, else the process environment's or
/// `.env`'s. `None` when it has none. For an explicit reveal only, and only of the project's own variables
/// (named by a Compose file, `.env`, the descriptor or the keychain): never an arbitrary variable of the
/// app's own environment.
pub fn reveal(project: &Project, keychain: &Keychain, name: &str) -> Result<Option<Sensitive<String>>> {
    if let Some(value) = keychain.get(name)? {
        return Ok(Some(value));
    }
    if !is_project_variable(project, name)? {
        return Err(SecretsError::NotProjectVariable { name: name.to_string() });
    }
    Ok(project.environment().lookup(name).filter(|v| !v.is_empty()).map(Sensitive::new))
}

/// Whether a Compose file (any profile), `.env` or the descriptor names `name`.
fn is_project_variable(project: &Project, name: &str) -> Result<bool> {
    if project.environment().env_file().entries.iter().any(|e| e.key == name)
        || project.descriptor().is_some_and(|d| {
            d.variables.contains_key(name)
                || d.variable_groups.iter().any(|g| g.variables.iter().any(|v| v == name))
        })
    {
        return Ok(true);
    }
    let resolved = project.resolve(&project.profile_names())?;
    Ok(crate::lifecycle::env::referenced(project, &resolved).contains(name))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::project::OpenOptions;

    const COMPOSE: &str = r#"
services:
  api:
    image: busybox
    environment:
      JWT_SECRET: ${JWT_SECRET}
      ADMIN_USERNAME: ${ADMIN_USERNAME}
    ports: ["${API_PORT:-8080}:80"]
"#;

    const DESCRIPTOR: &str = r#"
[stack]
id = "t"
name = "T"
[variables.JWT_SECRET]
secret = true
required = true
min_length = 32
[variables.ADMIN_USERNAME]
required = true
[variables.API_PORT]
format = "port"
"#;

    fn open(dir: &std::path::Path) -> Project {
        Project::open(OpenOptions { process_env: Some(Default::default()), ..OpenOptions::new(dir) })
            .expect("open")
    }

    fn setup(env: Option<&str>) -> tempfile::TempDir {
        let dir = tempfile::tempdir().expect("tmp");
        std::fs::write(dir.path().join("compose.yaml"), COMPOSE).expect("compose");
        std::fs::write(dir.path().join(".dockmaster.toml"), DESCRIPTOR).expect("descriptor");
        if let Some(env) = env {
            std::fs::write(dir.path().join(".env"), env).expect(".env");
        }
        dir
    }

    fn mock(project: &Project) -> Keychain {
        Keychain::mock_for(project.root())
    }

    #[test]
    fn state_carries_rules_and_the_revision_it_was_read_at() {
        let env = "# admin\nADMIN_USERNAME=ana\n";
        let dir = setup(Some(env));
        let p = open(dir.path());
        let k = mock(&p);
        let s = state(&p, &[], Ok(&k)).expect("state");
        assert_eq!(s.revision, revision(Some(env)));
        assert!(s.env_file_exists && s.env_file.ends_with(".env"));
        assert_eq!(s.rules["JWT_SECRET"].min_length, Some(32));
        assert_eq!(s.rules["API_PORT"].format.as_deref(), Some("port"));
        assert!(s.catalog.variable("ADMIN_USERNAME").is_some());
        assert_ne!(revision(Some(env)), revision(Some("# admin\nADMIN_USERNAME=bob\n")));
        assert_eq!(revision(None), ABSENT);
    }

    #[test]
    fn set_variable_edits_one_value_and_keeps_every_other_byte() {
        let env = "# admin\r\nexport ADMIN_USERNAME='ana' # who\r\n\r\nAPI_PORT=8080";
        let dir = setup(Some(env));
        let p = open(dir.path());
        let new_revision = set_variable(&p, "API_PORT", "9090", &revision(Some(env))).expect("set");
        let text = std::fs::read_to_string(dir.path().join(".env")).expect("read");
        assert_eq!(text, "# admin\r\nexport ADMIN_USERNAME='ana' # who\r\n\r\nAPI_PORT=9090");
        assert_eq!(new_revision, revision(Some(&text)));
    }

    #[test]
    fn set_variable_creates_a_missing_env_file() {
        let dir = setup(None);
        let p = open(dir.path());
        set_variable(&p, "ADMIN_USERNAME", "ana", ABSENT).expect("set");
        assert_eq!(std::fs::read_to_string(dir.path().join(".env")).expect("read"), "ADMIN_USERNAME=ana\n");
    }

    #[test]
    fn set_variable_refuses_a_changed_file_and_leaves_it_alone() {
        let env = "API_PORT=8080\n";
        let dir = setup(Some(env));
        let p = open(dir.path());
        let changed = "API_PORT=8081\n# edited elsewhere\n";
        std::fs::write(dir.path().join(".env"), changed).expect("edit");
        // The revision the screen read is stale.
        let e =
            set_variable(&open(dir.path()), "API_PORT", "9090", &revision(Some(env))).expect_err("conflict");
        assert_eq!(e.code(), crate::ErrorCode::EnvFileConflict);
        // The project opened before the change holds the old text: saving over the new one is refused too.
        let e = set_variable(&p, "API_PORT", "9090", &revision(Some(env))).expect_err("conflict");
        assert_eq!(e.code(), crate::ErrorCode::EnvFileConflict);
        assert_eq!(std::fs::read_to_string(dir.path().join(".env")).expect("read"), changed);
    }

    #[test]
    fn set_variable_checks_the_rule_and_refuses_secrets() {
        let dir = setup(Some("API_PORT=8080\n"));
        let p = open(dir.path());
        let rev = revision(Some("API_PORT=8080\n"));
        let e = set_variable(&p, "API_PORT", "70000", &rev).expect_err("invalid port");
        assert_eq!(e.code(), crate::ErrorCode::ValueInvalid);
        assert!(e.to_string().contains("1 to 65535"), "{e}");
        let secret = "a-secret-value-that-is-long-enough-0123";
        let e = set_variable(&p, "JWT_SECRET", secret, &rev).expect_err("secret");
        assert_eq!(e.code(), crate::ErrorCode::ValueInvalid);
        assert!(e.to_string().contains("keychain") && !e.to_string().contains(secret), "{e}");
        let e = set_variable(&p, "ADMIN_USERNAME", "", &rev).expect_err("required");
        assert!(e.to_string().contains("required"), "{e}");
        assert_eq!(std::fs::read_to_string(dir.path().join(".env")).expect("read"), "API_PORT=8080\n");
    }

    #[test]
    fn reveal_prefers_the_keychain_then_the_environment() {
        let dir = setup(Some("JWT_SECRET=from-env-file\n"));
        let p = open(dir.path());
        let k = mock(&p);
        assert_eq!(reveal(&p, &k, "JWT_SECRET").expect("reveal").expect("some").expose(), "from-env-file");
        k.set("JWT_SECRET", &Sensitive::new("from-keychain".into())).expect("set");
        assert_eq!(reveal(&p, &k, "JWT_SECRET").expect("reveal").expect("some").expose(), "from-keychain");
        assert!(reveal(&p, &k, "ADMIN_USERNAME").expect("reveal").is_none());
    }

    /// Issue 14, finding 12: `reveal_secret` fell back to the app's whole process environment (any name).
    #[test]
    fn reveal_shows_only_the_projects_own_variables() {
        let dir = setup(Some("JWT_SECRET=from-env-file\n"));
        let process = std::collections::HashMap::from([
            ("AWS_SECRET_ACCESS_KEY".to_string(), "aws-marker-value".to_string()),
            ("ADMIN_USERNAME".to_string(), "ana".to_string()),
        ]);
        let p = Project::open(OpenOptions { process_env: Some(process), ..OpenOptions::new(dir.path()) })
            .expect("open");
        let k = mock(&p);
        let e = reveal(&p, &k, "AWS_SECRET_ACCESS_KEY").expect_err("not the project's");
        assert_eq!(e.code(), crate::ErrorCode::UnknownVariable);
        assert!(!e.to_string().contains("aws-marker"), "{e}");
        assert_eq!(
            reveal(&p, &k, "ADMIN_USERNAME").expect("descriptor names it").expect("set").expose(),
            "ana"
        );
    }

    /// Issue 14, finding 15: `secret import` (and any `.env` edit) through a symlinked `.env` replaced the
    /// link and left the plaintext in its target.
    #[test]
    #[cfg(unix)]
    fn a_symlinked_env_file_is_never_edited() {
        let dir = setup(None);
        let elsewhere = tempfile::tempdir().expect("tmp");
        let target = elsewhere.path().join("shared.env");
        let text = "JWT_SECRET=a-secret-that-would-stay-here-0123456789\nAPI_PORT=8080\n";
        std::fs::write(&target, text).expect("target");
        std::os::unix::fs::symlink(&target, dir.path().join(".env")).expect("link");
        let p = open(dir.path());
        let k = mock(&p);
        let e = crate::secrets::import(&p, &k).expect_err("refused");
        assert_eq!(e.code(), crate::ErrorCode::EnvFileSymlink);
        let canonical = std::fs::canonicalize(&target).expect("canonical");
        assert!(e.to_string().contains(&canonical.display().to_string()), "names the target: {e}");
        assert_eq!(k.get("JWT_SECRET").expect("get"), None, "nothing was moved");
        let e = set_variable(&p, "API_PORT", "9090", &revision(Some(text))).expect_err("refused");
        assert_eq!(e.code(), crate::ErrorCode::EnvFileSymlink);
        assert!(std::fs::symlink_metadata(dir.path().join(".env")).expect("meta").file_type().is_symlink());
        assert_eq!(std::fs::read_to_string(&target).expect("read"), text);
    }
}
