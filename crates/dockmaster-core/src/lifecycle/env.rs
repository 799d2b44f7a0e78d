//! The Compose child's environment: a curated base (what Compose and the Docker CLI need), the variables the
//! project references that are set in the process environment, then the keychain's secrets. Nothing else of
//! the caller's environment reaches the child (`env_clear`), and no secret is ever put anywhere but there.

use std::collections::{BTreeSet, HashMap};

use crate::compose::interpolate::referenced_names;
use crate::compose::node::Node;
use crate::env::Quote;
use crate::project::{Project, Resolved};
use crate::secrets::Sensitive;

/// Exact names always passed on when set.
const BASE: &[&str] = &[
    "PATH",
    "HOME",
    "USER",
    "LOGNAME",
    "LANG",
    "LANGUAGE",
    "TMPDIR",
    "XDG_RUNTIME_DIR",
    // The agent, for what runs ssh itself in a Compose child (a build's `ssh: default`); an SSH engine is reached
    // through Dockmaster's relay socket (`DOCKER_HOST`), which needs no agent.
    "SSH_AUTH_SOCK",
    // Pulls and builds behind a proxy.
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "NO_PROXY",
    "http_proxy",
    "https_proxy",
    "no_proxy",
    // What Windows programs need to run at all.
    #[cfg(windows)]
    "SYSTEMROOT",
    #[cfg(windows)]
    "WINDIR",
    #[cfg(windows)]
    "USERPROFILE",
    #[cfg(windows)]
    "APPDATA",
    #[cfg(windows)]
    "LOCALAPPDATA",
    #[cfg(windows)]
    "PROGRAMDATA",
    #[cfg(windows)]
    "PROGRAMFILES",
    #[cfg(windows)]
    "TEMP",
    #[cfg(windows)]
    "TMP",
];

/// Prefixes always passed on (the user's choices for the engine and for Compose).
const BASE_PREFIXES: &[&str] = &["LC_", "DOCKER_", "COMPOSE_"];

/// `COMPOSE_*` settings Dockmaster decides itself through arguments (files, name, profiles, output); the
/// caller's would contradict them.
const OWN_COMPOSE: &[&str] = &[
    "COMPOSE_FILE",
    "COMPOSE_PATH_SEPARATOR",
    "COMPOSE_PROJECT_NAME",
    "COMPOSE_PROFILES",
    "COMPOSE_PROJECT_DIRECTORY",
    "COMPOSE_ANSI",
    "COMPOSE_PROGRESS",
    "COMPOSE_STATUS_STDOUT",
    "COMPOSE_MENU",
];

fn is_base(name: &str) -> bool {
    if OWN_COMPOSE.contains(&name) {
        return false;
    }
    BASE.contains(&name) || BASE_PREFIXES.iter().any(|p| name.starts_with(p))
}

/// The environment for a Compose child, without secrets: the curated base plus every `referenced` variable
/// set in `process`. Sorted by name. A referenced variable set in the process environment wins over `.env`
/// when Compose interpolates (Compose's own precedence); one that is not set is left to `.env`.
pub fn curate(process: &HashMap<String, String>, referenced: &BTreeSet<String>) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = process
        .iter()
        .filter(|(k, _)| {
            is_base(k) || (referenced.contains(k.as_str()) && !OWN_COMPOSE.contains(&k.as_str()))
        })
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    out.sort();
    out
}

/// Every variable the selection's Compose files and the project's `.env` refer to: interpolations
/// (`${VAR…}` anywhere, defaults and alternatives included), `environment:` entries without a value (passed
/// from the environment at run time), `.env` keys, and variables `.env` values interpolate.
pub fn referenced(project: &Project, resolved: &Resolved) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    for file in &resolved.loaded {
        collect(&file.root, &mut names);
        // `environment: [NAME]` / `environment: {NAME: }`: the value comes from Compose's own environment.
        let services = file.root.get("services").and_then(Node::as_map);
        for service in services.into_iter().flat_map(|m| m.values()) {
            match service.get("environment") {
                Some(Node::Seq(items)) => {
                    for item in items {
                        if let Some(text) = item.as_str().filter(|t| !t.contains('=')) {
                            names.insert(text.trim().to_string());
                        }
                    }
                }
                Some(Node::Map(map)) => {
                    for (name, value) in map {
                        if matches!(value, Node::Null) {
                            names.insert(name.clone());
                        }
                    }
                }
                _ => {}
            }
        }
    }
    let env_file = project.environment().env_file();
    for entry in &env_file.entries {
        names.insert(entry.key.clone());
        if entry.quote != Quote::Single {
            let raw = env_file.text.get(entry.raw_range.clone()).unwrap_or_default();
            names.extend(referenced_names(raw).unwrap_or_default());
        }
    }
    names
}

fn collect(node: &Node, out: &mut BTreeSet<String>) {
    match node {
        Node::Str(s) => out.extend(s.uses.iter().map(|u| u.name.clone())),
        Node::Seq(items) => items.iter().for_each(|n| collect(n, out)),
        Node::Map(map) => map.values().for_each(|n| collect(n, out)),
        Node::Override(inner) => collect(inner, out),
        Node::Null | Node::Bool(_) | Node::Number(_) | Node::Reset => {}
    }
}

/// The child's whole environment: curated variables, then secrets (which win over everything).
pub struct ChildEnv {
    pub vars: Vec<(String, String)>,
    pub secrets: Vec<(String, Sensitive<String>)>,
}

impl ChildEnv {
    /// Clears the command's environment and sets exactly this one.
    pub fn apply(&self, cmd: &mut tokio::process::Command) {
        cmd.env_clear();
        cmd.envs(self.vars.iter().map(|(k, v)| (k, v)));
        for (name, value) in &self.secrets {
            cmd.env(name, value.expose());
        }
    }

    /// The Docker context the child is pointed at by name (`DOCKER_CONTEXT`, unless `DOCKER_HOST` overrides it or
    /// it is `default`): what Compose v1 must be told with `--context`, as it does not read the variable.
    pub fn context(&self) -> Option<&str> {
        let var = |name: &str| self.vars.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str());
        if var("DOCKER_HOST").is_some_and(|h| !h.is_empty()) {
            return None;
        }
        var("DOCKER_CONTEXT").filter(|c| !c.is_empty() && *c != crate::engine::endpoint::DEFAULT_CONTEXT)
    }

    /// Names only (for diagnostics): never the values.
    pub fn names(&self) -> Vec<String> {
        let mut names: Vec<String> = self.vars.iter().map(|(k, _)| k.clone()).collect();
        names.extend(self.secrets.iter().map(|(k, _)| k.clone()));
        names.sort();
        names.dedup();
        names
    }
}

impl std::fmt::Debug for ChildEnv {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChildEnv").field("names", &self.names()).finish()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::project::OpenOptions;

    fn process(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn the_context_compose_v1_must_be_told() {
        let child = |pairs: &[(&str, &str)]| ChildEnv {
            vars: pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
            secrets: Vec::new(),
        };
        assert_eq!(child(&[("DOCKER_CONTEXT", "far")]).context(), Some("far"));
        assert_eq!(child(&[("DOCKER_CONTEXT", "default")]).context(), None, "the default needs no option");
        assert_eq!(child(&[("DOCKER_CONTEXT", "")]).context(), None);
        assert_eq!(child(&[]).context(), None);
        let both = child(&[("DOCKER_CONTEXT", "far"), ("DOCKER_HOST", "tcp://10.0.0.5:2376")]);
        assert_eq!(both.context(), None, "DOCKER_HOST wins (and v1 refuses both)");
    }

    /// On an SSH engine the child is pointed at the relay socket: `DOCKER_HOST` passes, no context, so Compose
    /// v1 is given no `--context` (it would dial ssh itself through paramiko).
    #[cfg(unix)]
    #[test]
    fn the_ssh_relay_reaches_the_child_and_v1_gets_no_context() {
        use crate::lifecycle::compose::{invocation, Target};
        use crate::lifecycle::types::{ComposeInfo, Flavor};
        let process = process(&[("DOCKER_CONTEXT", "far"), ("DOCKER_TLS_VERIFY", "1"), ("PATH", "/bin")]);
        let socket = std::path::Path::new("/run/user/1/dockmaster/dm-relay-1-abc-00000001/docker.sock");
        let pointed = crate::engine::ssh::relay::point_at_relay(process, socket);
        let child = ChildEnv { vars: curate(&pointed, &BTreeSet::new()), secrets: Vec::new() };
        let names = child.names();
        assert_eq!(names, ["DOCKER_HOST", "PATH"]);
        assert_eq!(child.context(), None);
        let info = ComposeInfo {
            flavor: Flavor::V1,
            version: "1.29.2".into(),
            command: vec!["docker-compose".into()],
            chosen_by: "detected".into(),
        };
        let files = vec![std::path::PathBuf::from("/p/compose.yaml")];
        let target = Target {
            files: &files,
            project_dir: std::path::Path::new("/p"),
            project_name: "p",
            profiles: &[],
            context: child.context(),
        };
        let args = invocation(&info, &target, vec!["ps".into()]).display();
        assert_eq!(args, "docker-compose --ansi never -f /p/compose.yaml --project-directory /p -p p ps");
    }

    #[test]
    fn base_and_referenced_only() {
        let env = process(&[
            ("PATH", "/usr/bin"),
            ("HOME", "/root"),
            ("LC_ALL", "C"),
            ("DOCKER_HOST", "unix:///x.sock"),
            ("COMPOSE_PARALLEL_LIMIT", "4"),
            ("COMPOSE_PROFILES", "monitoring"),
            ("COMPOSE_PROJECT_NAME", "other"),
            ("COMPOSE_FILE", "x.yml"),
            ("FOO_STRAY", "leak"),
            ("AWS_SECRET_ACCESS_KEY", "nope"),
            ("GAMESERVER_PORT", "18080"),
            ("DEMO_CONTAINER_PREFIX", "t1"),
        ]);
        let referenced: BTreeSet<String> =
            ["GAMESERVER_PORT", "DEMO_CONTAINER_PREFIX", "UNSET_ONE"].iter().map(|s| s.to_string()).collect();
        let got = curate(&env, &referenced);
        let names: Vec<&str> = got.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(
            names,
            [
                "COMPOSE_PARALLEL_LIMIT",
                "DEMO_CONTAINER_PREFIX",
                "DOCKER_HOST",
                "GAMESERVER_PORT",
                "HOME",
                "LC_ALL",
                "PATH"
            ]
        );
    }

    /// A stray variable does not reach the child; a process variable overrides `.env`'s value (Compose reads
    /// `.env` itself, so only the process's one is passed, and Compose gives it precedence).
    #[test]
    fn referenced_includes_compose_uses_bare_environment_entries_and_env_file() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("compose.yaml"),
            "services:\n  web:\n    image: \"busybox:${TAG:-1}\"\n    environment:\n      - PASSTHROUGH\n      - FIXED=1\n      - FROM_ENV=${FROM_ENV_FILE}\n    ports:\n      - \"${WEB_PORT:-8080}:80\"\n",
        )
        .unwrap();
        std::fs::write(
            dir.path().join(".env"),
            "FROM_ENV_FILE=from-dotenv\nWEB_PORT=1000\nNESTED=\"${INNER}x\"\n",
        )
        .unwrap();
        let process_env =
            process(&[("PATH", "/bin"), ("FOO_STRAY", "x"), ("WEB_PORT", "2000"), ("INNER", "i")]);
        let project = Project::open(OpenOptions {
            process_env: Some(process_env.clone()),
            ..OpenOptions::new(dir.path())
        })
        .unwrap();
        let resolved = project.resolve(&[]).unwrap();
        let names = referenced(&project, &resolved);
        for n in ["TAG", "PASSTHROUGH", "FROM_ENV_FILE", "WEB_PORT", "NESTED", "INNER"] {
            assert!(names.contains(n), "{n} missing from {names:?}");
        }
        assert!(!names.contains("FIXED") && !names.contains("FOO_STRAY"));
        let vars = curate(&process_env, &names);
        assert_eq!(
            vars,
            vec![
                ("INNER".to_string(), "i".to_string()),
                ("PATH".to_string(), "/bin".to_string()),
                ("WEB_PORT".to_string(), "2000".to_string())
            ]
        );
    }

    #[test]
    fn debug_shows_names_never_values() {
        let env = ChildEnv {
            vars: vec![("PATH".into(), "/bin".into())],
            secrets: vec![("JWT_SECRET".into(), Sensitive::new("s3cr3t-value".to_string()))],
        };
        let shown = format!("{env:?}");
        assert!(shown.contains("JWT_SECRET") && !shown.contains("s3cr3t"), "{shown}");
    }
}
