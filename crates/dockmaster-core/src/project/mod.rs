//! [`Project`]: an opened Compose project, and the report for any profile selection.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use crate::compose::discover::{compose_files, normalize_project_name};
use crate::compose::mask::SecretPolicy;
use crate::compose::merge::merge_all;
use crate::compose::model::{ComposeModel, Service};
use crate::compose::node::{load, LoadedFile, RequiredProblem};
use crate::descriptor::Descriptor;
use crate::env::{EnvFile, Environment};
use crate::error::{CoreError, Result};
use crate::fsutil;
use crate::report::SelectionReport;
use crate::warnings;

mod overview;
mod views;

pub(crate) use views::engine_name;
use views::{network_views, volume_views};

/// How to open a project. Only `dir` is required.
#[derive(Debug, Clone, Default)]
pub struct OpenOptions {
    pub dir: PathBuf,
    /// Explicit `-f` files (replace discovery and `COMPOSE_FILE`).
    pub files: Vec<PathBuf>,
    /// Explicit `-p` name.
    pub project_name: Option<String>,
    /// The process environment to interpolate with; `None` captures the current one.
    pub process_env: Option<HashMap<String, String>>,
}

impl OpenOptions {
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Self { dir: dir.into(), ..Default::default() }
    }
}

/// An opened Compose project: what its files said when it was opened. Reopen it when they change (a session
/// does, watching them); until then every selection is resolved once and kept (clones share what was kept).
#[derive(Debug, Clone)]
pub struct Project {
    root: PathBuf,
    base_files: Vec<PathBuf>,
    base: Vec<LoadedFile>,
    env: Environment,
    descriptor: Option<Descriptor>,
    base_model: ComposeModel,
    name: String,
    secrets: SecretPolicy,
    /// Selections resolved so far (the files do not change under an opened project).
    resolved: Arc<Mutex<HashMap<Vec<String>, Arc<Resolved>>>>,
}

/// The model for one selection, with everything needed to report on it.
#[derive(Debug)]
pub struct Resolved {
    pub files: Vec<PathBuf>,
    /// The interpolated files, in `files` order, before merging.
    pub loaded: Vec<LoadedFile>,
    pub model: ComposeModel,
    pub required_problems: Vec<RequiredProblem>,
    pub missing_extra_files: Vec<(String, PathBuf)>,
}

/// For tests: a project whose only file is a `compose.yaml` holding `compose`, in a temporary folder (kept as
/// long as the returned guard), read with an empty process environment.
#[cfg(test)]
#[allow(clippy::unwrap_used)]
pub(crate) fn test_project(compose: &str) -> (tempfile::TempDir, Project) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("compose.yaml"), compose).unwrap();
    let project =
        Project::open(OpenOptions { process_env: Some(Default::default()), ..OpenOptions::new(dir.path()) })
            .unwrap();
    (dir, project)
}

/// For tests: the Compose model of `compose` with every profile selected.
#[cfg(test)]
#[allow(clippy::unwrap_used)]
pub(crate) fn test_model(compose: &str) -> crate::compose::model::ComposeModel {
    let (_dir, project) = test_project(compose);
    project.resolve(&project.profile_names()).unwrap().model.clone()
}

impl Project {
    pub fn open(options: OpenOptions) -> Result<Self> {
        let root = std::fs::canonicalize(&options.dir)
            .map_err(|_| CoreError::ProjectNotFound { dir: options.dir.clone() })?;
        if !root.is_dir() {
            return Err(CoreError::ProjectNotFound { dir: options.dir });
        }
        let process = options.process_env.unwrap_or_else(Environment::process_vars);
        let env_path = root.join(".env");
        // Anything named `.env` is read or refused with why (a FIFO, a directory); only absence is "none".
        let env_file = if env_path.exists() {
            let outer = |name: &str| process.get(name).cloned();
            EnvFile::read(&env_path, &outer)?
        } else {
            EnvFile::default()
        };
        let env = Environment::new(process, env_file);
        let base_files = if options.files.is_empty() {
            compose_files(&root, &env)?
        } else {
            options.files.iter().map(|f| root.join(f)).collect()
        };
        let base = base_files.iter().map(|f| load_file(f, &env)).collect::<Result<Vec<_>>>()?;
        let base_model = ComposeModel::from_node(&merge_all(base.iter().map(|f| f.root.clone())));
        let service_names: Vec<String> = base_model.services.keys().cloned().collect();
        let descriptor = Descriptor::for_project(&root, &service_names)?;
        let secrets = match &descriptor {
            Some(d) => {
                let (secret, not_secret) = d.explicit_secrets();
                SecretPolicy::new(secret, not_secret)
            }
            None => SecretPolicy::default(),
        };
        let dir_name = root.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let name = options
            .project_name
            .or_else(|| env.lookup("COMPOSE_PROJECT_NAME").filter(|n| !n.is_empty()))
            .or_else(|| base_model.name.clone())
            .map(|n| normalize_project_name(&n))
            .unwrap_or_else(|| normalize_project_name(&dir_name));
        Ok(Project {
            root,
            base_files,
            base,
            env,
            descriptor,
            base_model,
            name,
            secrets,
            resolved: Arc::default(),
        })
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The Compose files every selection starts from (discovered as Compose does, or given with `-f`).
    pub fn compose_files(&self) -> Vec<PathBuf> {
        self.base_files.clone()
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn environment(&self) -> &Environment {
        &self.env
    }

    pub fn descriptor(&self) -> Option<&Descriptor> {
        self.descriptor.as_ref()
    }

    pub fn secret_policy(&self) -> &SecretPolicy {
        &self.secrets
    }

    /// Every profile the Compose files use.
    pub fn profile_names(&self) -> Vec<String> {
        self.base_model.profile_names()
    }

    fn relative(&self, path: &Path) -> String {
        path.strip_prefix(&self.root).unwrap_or(path).display().to_string()
    }

    /// The Compose files for a selection: the base files plus each selected profile's extra files.
    pub fn files_for(&self, profiles: &[String]) -> (Vec<PathBuf>, Vec<(String, PathBuf)>) {
        let mut files = self.base_files.clone();
        let mut missing = Vec::new();
        if let Some(d) = &self.descriptor {
            for profile in profiles {
                for extra in d.profile(profile).map(|m| m.extra_files.as_slice()).unwrap_or_default() {
                    let path = self.root.join(extra);
                    if files.contains(&path) {
                        continue;
                    }
                    if path.exists() {
                        files.push(path);
                    } else if !missing.iter().any(|(_, p)| *p == path) {
                        missing.push((profile.clone(), path));
                    }
                }
            }
        }
        (files, missing)
    }

    /// The files for a selection, loaded and merged: once per selection for this opened project.
    pub fn resolve(&self, profiles: &[String]) -> Result<Arc<Resolved>> {
        let mut cache = self.resolved.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(found) = cache.get(profiles) {
            return Ok(Arc::clone(found));
        }
        let resolved = Arc::new(self.resolve_now(profiles)?);
        cache.insert(profiles.to_vec(), Arc::clone(&resolved));
        Ok(resolved)
    }

    fn resolve_now(&self, profiles: &[String]) -> Result<Resolved> {
        let (files, missing_extra_files) = self.files_for(profiles);
        let mut loaded: Vec<LoadedFile> = self.base.clone();
        for extra in &files[self.base_files.len()..] {
            loaded.push(load_file(extra, &self.env)?);
        }
        let required_problems = loaded.iter().flat_map(|f| f.required_problems.clone()).collect();
        let model = ComposeModel::from_node(&merge_all(loaded.iter().map(|f| f.root.clone())));
        Ok(Resolved { files, loaded, model, required_problems, missing_extra_files })
    }

    /// The report for a selection: active services, their ports, networks, volumes, and warnings.
    pub fn report(&self, profiles: &[String]) -> Result<SelectionReport> {
        self.report_with_keychain(profiles, &[])
    }

    /// [`Project::report`], counting the variables held in the project's keychain (`held`, e.g.
    /// [`crate::secrets::Keychain::names`]) as set: they are not reported as unset.
    pub fn report_with_keychain(&self, profiles: &[String], held: &[String]) -> Result<SelectionReport> {
        let resolved = self.resolve(profiles)?;
        let model = &resolved.model;
        let active: Vec<&Service> = model.services.values().filter(|s| s.is_active(profiles)).collect();
        let services = active.iter().map(|s| self.service_view(s)).collect();
        let networks = network_views(model, &active, &self.name);
        let volumes = volume_views(model, &active, &self.name);
        let warnings = warnings::analyse(&warnings::Input {
            model,
            active: &active,
            selected: profiles,
            descriptor: self.descriptor.as_ref(),
            required_problems: &resolved.required_problems,
            missing_extra_files: &resolved.missing_extra_files,
            root: &self.root,
            held,
            policy: &self.secrets,
        });
        Ok(SelectionReport {
            project: self.name.clone(),
            profiles: profiles.to_vec(),
            compose_files: resolved.files.iter().map(|f| self.relative(f)).collect(),
            services,
            networks,
            volumes,
            warnings,
        })
    }
}

fn load_file(path: &Path, env: &Environment) -> Result<LoadedFile> {
    let text = fsutil::read_text(path, fsutil::COMPOSE_FILE).map_err(|e| CoreError::read(path, e))?;
    load(path, &text, &|name| env.lookup(name))
}
