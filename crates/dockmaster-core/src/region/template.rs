//! Reads the region template from the project's Compose files: the template profile's database and server
//! services (values kept with their variable spans), the networks they join and the volumes they mount.

use std::collections::BTreeSet;
use std::path::PathBuf;

use indexmap::IndexMap;

use super::error::RegionError;
use crate::compose::merge::merge_all;
use crate::compose::model::{EnvVar, Healthcheck, Service, VolumeDecl};
use crate::compose::node::{Node, Scalar};
use crate::project::Project;
use crate::report::MountView;

/// The profile name used when the stack descriptor marks no profile as a template.
pub const DEFAULT_TEMPLATE_PROFILE: &str = "regional-template";

/// A region template, ready to be planned for any region.
#[derive(Debug, Clone)]
pub struct RegionTemplate {
    /// The Compose project name (what `-p` gives, or the folder's name).
    pub project: String,
    pub root: PathBuf,
    /// The template profile (`regional-template`).
    pub profile: String,
    pub db: TemplateService,
    pub server: TemplateService,
    /// Every network either template service joins.
    pub networks: Vec<TemplateNetwork>,
    /// The project's volume declarations (for the template's named volumes).
    pub volumes: IndexMap<String, VolumeDecl>,
}

/// A network the template joins: it must exist before a region can be created.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateNetwork {
    /// The key in the Compose file (`nexus-network`).
    pub key: String,
    /// Its name on the engine (`<project>_nexus-network`, or its `name:`).
    pub engine_name: String,
    pub external: bool,
    /// The (non-template) profiles whose services join it, i.e. whose `up` creates it.
    pub created_by: Vec<String>,
}

/// `command:` / `entrypoint:` as written: a list, or a string Compose splits like a shell.
#[derive(Debug, Clone)]
pub enum CommandSpec {
    Exec(Vec<Scalar>),
    Shell(Scalar),
}

/// One template service, values as loaded (with their variable spans).
#[derive(Debug, Clone, Default)]
pub struct TemplateService {
    pub key: String,
    pub image: Option<Scalar>,
    /// It has a `build:` section (the hint for a missing image is then "build it").
    pub has_build: bool,
    pub command: Option<CommandSpec>,
    pub entrypoint: Option<CommandSpec>,
    pub environment: Vec<EnvVar>,
    pub mounts: Vec<MountView>,
    /// Network keys (the implicit `default` when none are listed).
    pub networks: Vec<String>,
    pub healthcheck: Option<Healthcheck>,
    pub init: bool,
    pub stop_grace_period: Option<String>,
    pub restart: Option<String>,
    pub user: Option<String>,
    pub working_dir: Option<String>,
    /// The port it serves on: its first `ports:` target, else its first `expose:`.
    pub container_port: Option<u16>,
}

impl RegionTemplate {
    /// Reads the template of an opened project. Fails when the project has no template profile, or the
    /// profile does not hold exactly one database and one server service.
    pub fn from_project(project: &Project) -> Result<RegionTemplate, RegionError> {
        let profiles = project.profile_names();
        let marked: Vec<String> = project
            .descriptor()
            .map(|d| profiles.iter().filter(|p| d.profile(p).is_some_and(|m| m.template)).cloned().collect())
            .unwrap_or_default();
        let profile = marked
            .first()
            .cloned()
            .or_else(|| profiles.iter().find(|p| *p == DEFAULT_TEMPLATE_PROFILE).cloned())
            .ok_or_else(|| RegionError::Template {
                message: format!(
                    "project {} has no region template: no profile is marked `template = true` in its stack \
                     descriptor and there is no `{DEFAULT_TEMPLATE_PROFILE}` profile. Add the template services \
                     (a database and a server) under such a profile",
                    project.name()
                ),
            })?;
        let resolved = project.resolve(std::slice::from_ref(&profile))?;
        let root_node = merge_all(resolved.loaded.iter().map(|f| f.root.clone()));
        let model = &resolved.model;
        let members: Vec<&Service> =
            model.services.values().filter(|s| s.profiles.contains(&profile)).collect();
        let is_server = |s: &Service| s.environment.iter().any(|e| e.name == "DATABASE_URL");
        let (servers, dbs): (Vec<&Service>, Vec<&Service>) = if members.len() == 2 {
            members.iter().partition(|s| is_server(s))
        } else {
            let servers = members.iter().copied().filter(|s| s.name.contains("server")).collect();
            let dbs = members
                .iter()
                .copied()
                .filter(|s| s.name.contains("db") || s.name.contains("database"))
                .collect();
            (servers, dbs)
        };
        let (Some(server), Some(db), 1, 1) = (servers.first(), dbs.first(), servers.len(), dbs.len()) else {
            return Err(RegionError::Template {
                message: format!(
                    "the template profile `{profile}` must define exactly one database service and one server \
                     service (the server's environment has DATABASE_URL); it has: {}",
                    members.iter().map(|s| s.name.as_str()).collect::<Vec<_>>().join(", ")
                ),
            });
        };
        let node_of =
            |key: &str| root_node.get("services").and_then(|s| s.get(key)).cloned().unwrap_or(Node::Null);
        let db = service(db, &node_of(&db.name));
        let server = service(server, &node_of(&server.name));
        let values: Vec<&str> = [&db, &server]
            .into_iter()
            .flat_map(|s| s.environment.iter().filter_map(|e| e.value.as_ref().map(|v| v.value.as_str())))
            .collect();
        let mentioned: Vec<String> =
            model.services.keys().filter(|name| values.iter().any(|v| mentions(v, name))).cloned().collect();
        let mut networks: Vec<TemplateNetwork> = Vec::new();
        for key in db.networks.iter().chain(&server.networks) {
            if networks.iter().any(|n| &n.key == key) {
                continue;
            }
            let decl = model.networks.get(key).cloned().unwrap_or_default();
            let engine_name = match (&decl.name, decl.external) {
                (Some(name), _) => name.clone(),
                (None, true) => key.clone(),
                (None, false) => format!("{}_{key}", project.name()),
            };
            let mut created_by: Vec<String> = profiles
                .iter()
                .filter(|p| **p != profile && !marked.contains(p))
                .filter(|p| {
                    model
                        .services
                        .values()
                        .any(|s| s.profiles.contains(p) && s.effective_networks().contains(key))
                })
                .cloned()
                .collect();
            // The profiles that run the services the template talks to (`@redis-nexus:`,
            // `http://central-nexus-server:8080`) first: that is the stack a region belongs to.
            let talks_to = |p: &String| {
                model
                    .services
                    .values()
                    .filter(|s| s.profiles.contains(p) && mentioned.contains(&s.name))
                    .count()
            };
            created_by.sort_by_key(|p| std::cmp::Reverse(talks_to(p)));
            networks.push(TemplateNetwork {
                key: key.clone(),
                engine_name,
                external: decl.external,
                created_by,
            });
        }
        Ok(RegionTemplate {
            project: project.name().to_string(),
            root: project.root().to_path_buf(),
            profile,
            db,
            server,
            networks,
            volumes: model.volumes.clone(),
        })
    }
}

impl RegionTemplate {
    /// Every value of both services that may hold a variable (image, command, entrypoint, environment,
    /// healthcheck).
    fn scalars(&self) -> Vec<&Scalar> {
        let mut out = Vec::new();
        for s in [&self.db, &self.server] {
            out.extend(s.image.iter());
            for spec in [&s.command, &s.entrypoint].into_iter().flatten() {
                match spec {
                    CommandSpec::Exec(items) => out.extend(items.iter()),
                    CommandSpec::Shell(one) => out.push(one),
                }
            }
            out.extend(s.environment.iter().filter_map(|e| e.value.as_ref()));
            out.extend(s.healthcheck.iter().flat_map(|h| h.test.iter()));
        }
        out
    }

    /// The secret variables the template uses (by reference, or passed through by name), except the
    /// region's own password.
    pub fn secret_variables(&self, policy: &crate::compose::mask::SecretPolicy) -> BTreeSet<String> {
        let mut names: BTreeSet<String> = self
            .scalars()
            .into_iter()
            .flat_map(|s| s.uses.iter().map(|u| u.name.clone()))
            .chain(self.passthrough_names())
            .filter(|n| policy.is_secret(n))
            .collect();
        names.remove(super::plan::PASSWORD_VAR);
        names
    }

    /// Variables the template passes through by name only (`- NAME`): their value comes from the environment.
    pub fn passthrough_names(&self) -> Vec<String> {
        [&self.db, &self.server]
            .into_iter()
            .flat_map(|s| s.environment.iter().filter(|e| e.value.is_none()).map(|e| e.name.clone()))
            .collect()
    }

    /// The images of the database and the server, as loaded (`<project>-<service>` for a build-only one).
    pub fn image_names(&self) -> Vec<String> {
        [&self.db, &self.server]
            .into_iter()
            .filter_map(|s| match &s.image {
                Some(i) => Some(i.value.clone()),
                None if s.has_build => Some(format!("{}-{}", self.project, s.key)),
                None => None,
            })
            .collect()
    }
}

/// `text` names `word` as a whole host name (not as part of a longer name).
fn mentions(text: &str, word: &str) -> bool {
    let is_name = |c: char| c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.';
    text.match_indices(word).any(|(i, _)| {
        let before = text[..i].chars().next_back();
        let after = text[i + word.len()..].chars().next();
        !before.is_some_and(is_name) && !after.is_some_and(is_name)
    })
}

fn text(node: Option<&Node>) -> Option<String> {
    node.and_then(Node::scalar_text)
}

fn command(node: Option<&Node>) -> Option<CommandSpec> {
    match node? {
        Node::Seq(items) => Some(CommandSpec::Exec(items.iter().filter_map(Node::as_scalar).collect())),
        Node::Null => None,
        other => other.as_scalar().map(CommandSpec::Shell),
    }
}

fn service(s: &Service, node: &Node) -> TemplateService {
    let expose = node
        .get("expose")
        .and_then(Node::as_seq)
        .and_then(|items| items.first())
        .and_then(Node::scalar_text)
        .and_then(|t| t.split('/').next().and_then(|p| p.split('-').next()).and_then(|p| p.parse().ok()));
    TemplateService {
        key: s.name.clone(),
        image: node.get("image").and_then(Node::as_scalar),
        has_build: s.build.is_some(),
        command: command(node.get("command")),
        entrypoint: command(node.get("entrypoint")),
        environment: s.environment.clone(),
        mounts: s.mounts.clone(),
        networks: s.effective_networks(),
        healthcheck: s.healthcheck.clone(),
        init: node.get("init").and_then(Node::as_bool).unwrap_or(false),
        stop_grace_period: text(node.get("stop_grace_period")),
        restart: s.restart.clone(),
        user: text(node.get("user")),
        working_dir: text(node.get("working_dir")),
        container_port: s.ports.first().map(|p| p.container_port).or(expose),
    }
}
