//! Database and cache clients: which client a stack descriptor (`[clients.NAME]`) opens for a service — by its
//! name or its image — and the client's environment, whose values come from the service's own environment as
//! Compose resolves it (keychain included). Credentials reach the client only through the exec's environment:
//! the command is the descriptor's literal words, never a value.

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::secrets::{keychain, Sensitive};

/// One client of a stack descriptor.
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct ClientSpec {
    pub description: Option<String>,
    /// The program and its arguments, as written (no interpolation: never a credential).
    pub command: Vec<String>,
    /// Services this client opens for, by name.
    #[serde(default)]
    pub services: Vec<String>,
    /// Services whose image is one of these repositories (`postgres`, `bitnami/postgresql`; registry and tag
    /// ignored).
    #[serde(default)]
    pub images: Vec<String>,
    /// The client's environment: its variable → the service's environment variable (else the project's
    /// variable) whose value it gets, e.g. `PGPASSWORD = "POSTGRES_PASSWORD"`.
    #[serde(default)]
    pub env: BTreeMap<String, String>,
    /// Extra arguments for one service (`redis-nexus = ["-p", "6380"]`).
    #[serde(default)]
    pub service_args: BTreeMap<String, Vec<String>>,
}

/// Why a descriptor's `[clients]` table cannot be used; `None` when it can.
pub fn problem(clients: &BTreeMap<String, ClientSpec>) -> Option<String> {
    for (name, client) in clients {
        if client.command.first().is_none_or(|p| p.trim().is_empty()) {
            return Some(format!(
                "client `{name}` has no `command`: name the program, e.g. command = [\"psql\"]"
            ));
        }
        if client.services.is_empty() && client.images.is_empty() {
            return Some(format!(
                "client `{name}` names no `services` and no `images`: say which services it opens for"
            ));
        }
        for (var, source) in &client.env {
            if !keychain::valid_name(var) || !keychain::valid_name(source) {
                return Some(format!(
                    "client `{name}`: `{var} = \"{source}\"` is not a pair of variable names (letters, digits, `_`)"
                ));
            }
            if keychain::reserved(var) {
                return Some(format!(
                    "client `{name}` sets `{var}`, a name Dockmaster never hands to a program (it could redirect \
                     it): remove it from `env`"
                ));
            }
        }
    }
    None
}

/// The repository of an image reference: `docker.io/library/postgres:16-alpine` → `postgres`,
/// `ghcr.io/acme/db@sha256:…` → `acme/db`, `localhost:5000/redis` → `redis`.
pub fn image_repository(image: &str) -> String {
    let no_digest = image.split('@').next().unwrap_or(image);
    // A tag follows the last `:` that comes after the last `/` (a registry port comes before it).
    let last_slash = no_digest.rfind('/').map_or(0, |i| i + 1);
    let no_tag = match no_digest[last_slash..].find(':') {
        Some(i) => &no_digest[..last_slash + i],
        None => no_digest,
    };
    let mut parts: Vec<&str> = no_tag.split('/').collect();
    if parts.len() > 1 && (parts[0].contains('.') || parts[0].contains(':') || parts[0] == "localhost") {
        parts.remove(0);
    }
    if parts.first() == Some(&"library") && parts.len() > 1 {
        parts.remove(0);
    }
    parts.join("/")
}

/// The client for `service` (running `image`): one that names the service, else one that names its image's
/// repository.
pub fn client_for<'a>(
    clients: &'a BTreeMap<String, ClientSpec>,
    service: &str,
    image: Option<&str>,
) -> Option<(&'a str, &'a ClientSpec)> {
    let by_name = clients.iter().find(|(_, c)| c.services.iter().any(|s| s == service));
    let by_image = || {
        let repo = image_repository(image?);
        clients.iter().find(|(_, c)| c.images.contains(&repo))
    };
    by_name.or_else(by_image).map(|(n, c)| (n.as_str(), c))
}

/// The command for `service`: the client's words and the service's extra arguments.
pub fn command(client: &ClientSpec, service: &str) -> Vec<String> {
    let mut cmd = client.command.clone();
    cmd.extend(client.service_args.get(service).cloned().unwrap_or_default());
    cmd
}

/// The client's environment: each variable from the service's environment (`service_env`), else the project's
/// variable of that name (`project_var`). Returns the variables set and, for each one left out, why.
pub fn environment(
    client: &ClientSpec,
    service: &str,
    service_env: &dyn Fn(&str) -> Option<Sensitive<String>>,
    project_var: &dyn Fn(&str) -> Option<Sensitive<String>>,
) -> (Vec<(String, Sensitive<String>)>, Vec<String>) {
    let mut set = Vec::new();
    let mut missing = Vec::new();
    for (var, source) in &client.env {
        match service_env(source).or_else(|| project_var(source)).filter(|v| !v.expose().is_empty()) {
            Some(value) => set.push((var.clone(), value)),
            None => missing.push(format!(
                "{var} was not set: `{service}` has no {source} in its environment and the project none either \
                 (set it in the Environment view or with `dockmaster secret set {source}`)"
            )),
        }
    }
    (set, missing)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn clients() -> BTreeMap<String, ClientSpec> {
        let text = r#"
            [psql]
            command = ["psql"]
            services = ["database"]
            images = ["postgres", "bitnami/postgresql"]
            env = { PGPASSWORD = "POSTGRES_PASSWORD", PGUSER = "POSTGRES_USER" }
            [redis-cli]
            command = ["redis-cli"]
            images = ["redis"]
            env = { REDISCLI_AUTH = "REDIS_PASSWORD" }
            service_args = { redis-nexus = ["-p", "6380"] }
        "#;
        toml::from_str(text).unwrap()
    }

    #[test]
    fn image_repositories_ignore_registry_library_tag_and_digest() {
        for (image, repo) in [
            ("postgres", "postgres"),
            ("postgres:16-alpine", "postgres"),
            ("docker.io/library/postgres:16", "postgres"),
            ("library/redis", "redis"),
            ("bitnami/postgresql:15", "bitnami/postgresql"),
            ("ghcr.io/acme/db@sha256:abcd", "acme/db"),
            ("localhost:5000/redis:7", "redis"),
            ("registry.example:443/team/redis", "team/redis"),
        ] {
            assert_eq!(image_repository(image), repo, "{image}");
        }
    }

    #[test]
    fn a_client_is_found_by_service_name_then_by_image() {
        let c = clients();
        assert_eq!(client_for(&c, "database", Some("dockmaster/demo-busybox:latest")).unwrap().0, "psql");
        assert_eq!(
            client_for(&c, "analytics-db", Some("docker.io/bitnami/postgresql:15")).unwrap().0,
            "psql"
        );
        assert_eq!(client_for(&c, "redis-nexus", Some("redis:7-alpine")).unwrap().0, "redis-cli");
        assert!(client_for(&c, "gameserver", Some("python:3.12")).is_none());
        assert!(client_for(&c, "gameserver", None).is_none());
        let (_, redis) = client_for(&c, "redis-nexus", Some("redis")).unwrap();
        assert_eq!(command(redis, "redis-nexus"), ["redis-cli", "-p", "6380"]);
        assert_eq!(command(redis, "redis-cache"), ["redis-cli"]);
    }

    #[test]
    fn credentials_come_from_the_service_environment_then_the_project_and_a_gap_is_named() {
        let c = clients();
        let service_env = |name: &str| {
            (name == "POSTGRES_PASSWORD").then(|| Sensitive::new("from-the-service".to_string()))
        };
        let project_var = |name: &str| match name {
            "POSTGRES_PASSWORD" => Some(Sensitive::new("from-the-project".to_string())),
            "POSTGRES_USER" => Some(Sensitive::new(String::new())),
            _ => None,
        };
        let (set, missing) = environment(&c["psql"], "database", &service_env, &project_var);
        assert_eq!(set.len(), 1);
        assert_eq!(set[0].0, "PGPASSWORD");
        assert_eq!(set[0].1.expose(), "from-the-service");
        assert_eq!(missing.len(), 1);
        assert!(missing[0].starts_with("PGUSER was not set"), "{missing:?}");
        assert!(missing[0].contains("dockmaster secret set POSTGRES_USER"), "{missing:?}");
    }

    #[test]
    fn unusable_client_tables_are_refused_with_the_fix() {
        let bad = |text: &str| problem(&toml::from_str(text).unwrap()).unwrap();
        assert!(bad("[x]\ncommand = []\nservices = [\"db\"]\n").contains("has no `command`"));
        assert!(bad("[x]\ncommand = [\"psql\"]\n").contains("names no `services` and no `images`"));
        assert!(bad("[x]\ncommand = [\"psql\"]\nservices = [\"db\"]\nenv = { LD_PRELOAD = \"X\" }\n")
            .contains("never hands to a program"));
        assert!(bad("[x]\ncommand = [\"psql\"]\nservices = [\"db\"]\nenv = { \"A B\" = \"X\" }\n")
            .contains("not a pair of variable names"));
        assert!(problem(&clients()).is_none());
    }
}
