//! Finds a project's Compose files and name the way `docker compose` does.

use std::path::{Path, PathBuf};

use crate::env::Environment;
use crate::error::{CoreError, Result};

/// Base file names, in the order Compose v2 prefers them.
pub const BASE_FILES: [&str; 4] =
    ["compose.yaml", "compose.yml", "docker-compose.yml", "docker-compose.yaml"];
/// Override file names, merged over the base when present.
pub const OVERRIDE_FILES: [&str; 4] = [
    "compose.override.yaml",
    "compose.override.yml",
    "docker-compose.override.yml",
    "docker-compose.override.yaml",
];

/// The project's base Compose files: `COMPOSE_FILE` if set, else the first base file found plus the first
/// override file found.
pub fn compose_files(dir: &Path, env: &Environment) -> Result<Vec<PathBuf>> {
    if let Some(list) = env.lookup("COMPOSE_FILE").filter(|v| !v.trim().is_empty()) {
        let separator =
            env.lookup("COMPOSE_PATH_SEPARATOR").unwrap_or_else(|| default_separator().to_string());
        let files: Vec<PathBuf> =
            list.split(separator.as_str()).filter(|f| !f.is_empty()).map(|f| dir.join(f)).collect();
        // Only absence is "not found": whatever is there is read (or refused with why) when it is loaded.
        if let Some(missing) = files.iter().find(|f| !f.exists()) {
            return Err(CoreError::FileUnreadable {
                path: missing.clone(),
                source: std::io::Error::new(
                    std::io::ErrorKind::NotFound,
                    "listed in COMPOSE_FILE but not found; fix COMPOSE_FILE in your environment or .env",
                ),
            });
        }
        return Ok(files);
    }
    let base = BASE_FILES
        .iter()
        .map(|name| dir.join(name))
        .find(|p| p.exists())
        .ok_or_else(|| CoreError::ProjectNotFound { dir: dir.to_path_buf() })?;
    let mut files = vec![base];
    files.extend(OVERRIDE_FILES.iter().map(|name| dir.join(name)).find(|p| p.exists()));
    Ok(files)
}

fn default_separator() -> &'static str {
    if cfg!(windows) {
        ";"
    } else {
        ":"
    }
}

/// Normalises a project name as Compose does: lower case, only `a-z 0-9 _ -`, starting with a letter or digit.
pub fn normalize_project_name(raw: &str) -> String {
    let lowered: String = raw
        .to_lowercase()
        .chars()
        .filter(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '_' || *c == '-')
        .collect();
    lowered.trim_start_matches(['_', '-']).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::env::EnvFile;

    fn env(vars: &[(&str, &str)]) -> Environment {
        Environment::new(
            vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
            EnvFile::default(),
        )
    }

    #[test]
    fn finds_base_and_override() {
        let dir = tempfile::tempdir().expect("tmp");
        std::fs::write(dir.path().join("docker-compose.yml"), "services: {}").expect("write");
        std::fs::write(dir.path().join("docker-compose.override.yml"), "services: {}").expect("write");
        let files = compose_files(dir.path(), &env(&[])).expect("found");
        let names: Vec<_> = files.iter().map(|f| f.file_name().expect("name").to_owned()).collect();
        assert_eq!(names, ["docker-compose.yml", "docker-compose.override.yml"]);
    }

    #[test]
    fn compose_yaml_is_preferred() {
        let dir = tempfile::tempdir().expect("tmp");
        std::fs::write(dir.path().join("docker-compose.yml"), "services: {}").expect("write");
        std::fs::write(dir.path().join("compose.yaml"), "services: {}").expect("write");
        let files = compose_files(dir.path(), &env(&[])).expect("found");
        assert!(files[0].ends_with("compose.yaml"));
    }

    #[test]
    fn compose_file_variable_replaces_discovery() {
        let dir = tempfile::tempdir().expect("tmp");
        std::fs::write(dir.path().join("a.yml"), "services: {}").expect("write");
        std::fs::write(dir.path().join("b.yml"), "services: {}").expect("write");
        std::fs::write(dir.path().join("docker-compose.override.yml"), "services: {}").expect("write");
        let files = compose_files(dir.path(), &env(&[("COMPOSE_FILE", "a.yml:b.yml")])).expect("found");
        assert_eq!(files, [dir.path().join("a.yml"), dir.path().join("b.yml")]);
        let err =
            compose_files(dir.path(), &env(&[("COMPOSE_FILE", "a.yml:nope.yml")])).expect_err("missing");
        assert!(err.to_string().contains("nope.yml"), "{err}");
    }

    #[test]
    fn missing_project_explains_what_was_looked_for() {
        let dir = tempfile::tempdir().expect("tmp");
        let err = compose_files(dir.path(), &env(&[])).expect_err("none");
        assert!(err.to_string().contains("docker-compose.yml"), "{err}");
    }

    #[test]
    fn project_names() {
        assert_eq!(normalize_project_name("Sectorwars2102"), "sectorwars2102");
        assert_eq!(normalize_project_name("My Project.v2"), "myprojectv2");
        assert_eq!(normalize_project_name("_x-Y_"), "x-y_");
    }
}
