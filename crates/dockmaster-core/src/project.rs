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
use crate::report::*;
use crate::warnings;

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

    pub fn overview(&self) -> ProjectOverview {
        let d = self.descriptor.as_ref();
        let names = self.profile_names();
        let mut profiles: Vec<ProfileInfo> = Vec::new();
        for name in &names {
            if d.is_some_and(|d| d.canonical(name) != name && names.iter().any(|n| n == d.canonical(name))) {
                continue; // shown under the profile it is an alias of
            }
            let meta = d.and_then(|d| d.profile(name));
            let aliases: Vec<String> = names
                .iter()
                .filter(|other| *other != name && d.is_some_and(|d| d.canonical(other) == name))
                .cloned()
                .collect();
            let services = self
                .base_model
                .services
                .values()
                .filter(|s| s.profiles.iter().any(|p| p == name || aliases.contains(p)))
                .map(|s| s.name.clone())
                .collect();
            profiles.push(ProfileInfo {
                name: name.clone(),
                description: meta.and_then(|m| m.description.clone()),
                use_case: meta.and_then(|m| m.use_case.clone()),
                template: meta.is_some_and(|m| m.template),
                aliases,
                services,
                extra_files: meta.map(|m| m.extra_files.clone()).unwrap_or_default(),
            });
        }
        // Templates last: they are shown apart and never toggled.
        profiles.sort_by_key(|p| p.template);
        ProjectOverview {
            root: self.root.display().to_string(),
            name: self.name.clone(),
            compose_files: self.base_files.iter().map(|f| self.relative(f)).collect(),
            env_file: self.env.env_file().path.as_deref().map(|p| self.relative(p)),
            stack: d.map(|d| StackInfo {
                id: d.stack.id.clone(),
                name: d.stack.name.clone(),
                origin: d.origin.clone(),
            }),
            profiles,
            default_selection: self.default_selection(),
            always_on: self
                .base_model
                .services
                .values()
                .filter(|s| s.profiles.is_empty())
                .map(|s| s.name.clone())
                .collect(),
        }
    }

    /// `COMPOSE_PROFILES` when set, else the descriptor's default profiles that exist in the files.
    pub fn default_selection(&self) -> Vec<String> {
        if let Some(list) = self.env.lookup("COMPOSE_PROFILES").filter(|v| !v.trim().is_empty()) {
            return list.split(',').map(str::trim).filter(|p| !p.is_empty()).map(String::from).collect();
        }
        let names = self.profile_names();
        self.descriptor
            .as_ref()
            .map(|d| d.default_profiles.iter().filter(|p| names.contains(p)).cloned().collect())
            .unwrap_or_default()
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

    fn service_view(&self, s: &Service) -> ServiceView {
        let env_view = |vars: &[crate::compose::model::EnvVar]| -> Vec<EnvVarView> {
            vars.iter()
                .map(|v| {
                    let runtime = || self.env.lookup(&v.name).map(crate::compose::node::Scalar::plain);
                    match v.value.clone().or_else(runtime) {
                        Some(value) => {
                            let (shown, masked) = self.secrets.mask_entry(&v.name, &value);
                            EnvVarView { name: v.name.clone(), value: Some(shown), masked }
                        }
                        None => EnvVarView { name: v.name.clone(), value: None, masked: false },
                    }
                })
                .collect()
        };
        ServiceView {
            name: s.name.clone(),
            image: s.image.clone(),
            build: s.build.as_ref().map(|b| BuildView {
                context: b.context.clone(),
                dockerfile: b.dockerfile.clone(),
                target: b.target.clone(),
                args: env_view(&b.args),
            }),
            container_name: s.container_name.clone(),
            profiles: s.profiles.clone(),
            ports: s.ports.clone(),
            networks: s.effective_networks(),
            mounts: s.mounts.clone(),
            healthcheck: s.healthcheck.as_ref().map(|h| HealthcheckView {
                test: h.test.iter().map(|t| self.secrets.mask_scalar(t).0).collect(),
                interval: h.interval.clone(),
                timeout: h.timeout.clone(),
                retries: h.retries,
                start_period: h.start_period.clone(),
                disabled: h.disabled,
            }),
            depends_on: s
                .depends_on
                .iter()
                .map(|d| DependencyView {
                    service: d.service.clone(),
                    condition: d.condition.clone(),
                    required: d.required,
                })
                .collect(),
            environment: env_view(&s.environment),
            privileged: s.privilege_reasons(),
            restart: s.restart.clone(),
        }
    }
}

fn load_file(path: &Path, env: &Environment) -> Result<LoadedFile> {
    let text = fsutil::read_text(path, fsutil::COMPOSE_FILE).map_err(|e| CoreError::read(path, e))?;
    load(path, &text, &|name| env.lookup(name))
}

fn network_views(model: &ComposeModel, active: &[&Service], project: &str) -> Vec<NetworkView> {
    let mut keys: Vec<String> = Vec::new();
    for s in active {
        for n in s.effective_networks() {
            if !keys.contains(&n) {
                keys.push(n);
            }
        }
    }
    // Declared order first, then the implicit default network.
    keys.sort_by_key(|k| model.networks.get_index_of(k).unwrap_or(usize::MAX));
    keys.into_iter()
        .map(|key| {
            let decl = model.networks.get(&key).cloned().unwrap_or_default();
            NetworkView {
                engine_name: engine_name(project, &key, decl.name.as_deref(), decl.external),
                driver: decl.driver.unwrap_or_else(|| "bridge".into()),
                subnets: decl.subnets,
                external: decl.external,
                services: active
                    .iter()
                    .filter(|s| s.effective_networks().contains(&key))
                    .map(|s| s.name.clone())
                    .collect(),
                name: key,
            }
        })
        .collect()
}

fn volume_views(model: &ComposeModel, active: &[&Service], project: &str) -> Vec<VolumeView> {
    let mut views: Vec<VolumeView> = Vec::new();
    for s in active {
        for m in s.mounts.iter().filter(|m| m.kind == MountKind::Volume) {
            let Some(key) = &m.source else { continue };
            match views.iter_mut().find(|v| &v.name == key) {
                Some(v) => {
                    if !v.services.contains(&s.name) {
                        v.services.push(s.name.clone());
                    }
                }
                None => {
                    let decl = model.volumes.get(key).cloned().unwrap_or_default();
                    views.push(VolumeView {
                        name: key.clone(),
                        engine_name: engine_name(project, key, decl.name.as_deref(), decl.external),
                        driver: decl.driver.unwrap_or_else(|| "local".into()),
                        external: decl.external,
                        services: vec![s.name.clone()],
                    });
                }
            }
        }
    }
    views.sort_by_key(|v| model.volumes.get_index_of(&v.name).unwrap_or(usize::MAX));
    views
}

/// The engine's name of a declared network or volume: `name:` when given, the key itself when external,
/// else `<project>_<key>` (Compose's rule).
pub(crate) fn engine_name(project: &str, key: &str, explicit: Option<&str>, external: bool) -> String {
    match explicit {
        Some(name) => name.to_string(),
        None if external => key.to_string(),
        None => format!("{project}_{key}"),
    }
}
