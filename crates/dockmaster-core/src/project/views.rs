//! The report's views of one selection: each service (secrets masked), the networks and volumes it uses.

use std::collections::HashSet;

use indexmap::IndexMap;

use super::Project;
use crate::compose::model::{ComposeModel, EnvVar, Service};
use crate::compose::node::Scalar;
use crate::report::{
    BuildView, DependencyView, EnvVarView, HealthcheckView, MountKind, NetworkView, ServiceView, VolumeView,
};
use crate::tools::clients;

impl Project {
    pub(super) fn service_view(&self, s: &Service) -> ServiceView {
        let env_view = |vars: &[EnvVar]| -> Vec<EnvVarView> {
            vars.iter()
                .map(|v| {
                    let runtime = || self.env.lookup(&v.name).map(Scalar::plain);
                    match v.value.clone().or_else(runtime) {
                        Some(value) => {
                            let (shown, masked) = self.secrets.mask_entry(&v.name, &value);
                            // `NAME` alone passes the variable of that name through.
                            let mut variables: Vec<String> =
                                if v.value.is_none() { vec![v.name.clone()] } else { Vec::new() };
                            for used in &value.uses {
                                if !variables.contains(&used.name) {
                                    variables.push(used.name.clone());
                                }
                            }
                            EnvVarView { name: v.name.clone(), value: Some(shown), masked, variables }
                        }
                        None => EnvVarView {
                            name: v.name.clone(),
                            value: None,
                            masked: false,
                            variables: vec![v.name.clone()],
                        },
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
            client: self.descriptor.as_ref().and_then(|d| {
                clients::client_for(&d.clients, &s.name, s.image.as_deref()).map(|(name, _)| name.to_string())
            }),
        }
    }
}

/// The networks the active services join (declared order, then the implicit ones), each with its services.
pub(super) fn network_views(model: &ComposeModel, active: &[&Service], project: &str) -> Vec<NetworkView> {
    // Network → the active services on it, in the order they are first used.
    let mut users: IndexMap<String, Vec<String>> = IndexMap::new();
    for s in active {
        let mut seen = HashSet::new();
        for n in s.effective_networks() {
            if seen.insert(n.clone()) {
                users.entry(n).or_default().push(s.name.clone());
            }
        }
    }
    let mut keys: Vec<(String, Vec<String>)> = users.into_iter().collect();
    // Declared order first, then the implicit default network.
    keys.sort_by_key(|(k, _)| model.networks.get_index_of(k).unwrap_or(usize::MAX));
    keys.into_iter()
        .map(|(key, services)| {
            let decl = model.networks.get(&key).cloned().unwrap_or_default();
            NetworkView {
                engine_name: engine_name(project, &key, decl.name.as_deref(), decl.external),
                driver: decl.driver.unwrap_or_else(|| "bridge".into()),
                subnets: decl.subnets,
                external: decl.external,
                services,
                name: key,
            }
        })
        .collect()
}

/// The named volumes the active services mount (declared order, then undeclared ones), each with its services.
pub(super) fn volume_views(model: &ComposeModel, active: &[&Service], project: &str) -> Vec<VolumeView> {
    let mut views: IndexMap<&str, VolumeView> = IndexMap::new();
    for s in active {
        let mut seen = HashSet::new();
        for m in s.mounts.iter().filter(|m| m.kind == MountKind::Volume) {
            let Some(key) = &m.source else { continue };
            if !seen.insert(key.as_str()) {
                continue;
            }
            let view = views.entry(key.as_str()).or_insert_with(|| {
                let decl = model.volumes.get(key).cloned().unwrap_or_default();
                VolumeView {
                    name: key.clone(),
                    engine_name: engine_name(project, key, decl.name.as_deref(), decl.external),
                    driver: decl.driver.unwrap_or_else(|| "local".into()),
                    external: decl.external,
                    services: Vec::new(),
                }
            });
            view.services.push(s.name.clone());
        }
    }
    let mut views: Vec<VolumeView> = views.into_values().collect();
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

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use crate::project::{OpenOptions, Project};

    #[test]
    fn a_service_names_the_client_its_descriptor_gives_it_by_name_or_image() {
        let dir = tempfile::tempdir().unwrap();
        let compose =
            "services:\n  db:\n    image: docker.io/library/postgres:16\n  cache:\n    image: busybox\n  \
                       app:\n    image: busybox\n";
        std::fs::write(dir.path().join("compose.yaml"), compose).unwrap();
        let descriptor = "[stack]\nid = 'views'\nname = 'Views'\n[clients.psql]\ncommand = ['psql']\n\
                          images = ['postgres']\n[clients.redis-cli]\ncommand = ['redis-cli']\nservices = ['cache']\n";
        std::fs::write(dir.path().join(".dockmaster.toml"), descriptor).unwrap();
        let options = OpenOptions { process_env: Some(Default::default()), ..OpenOptions::new(dir.path()) };
        let report = Project::open(options).unwrap().report(&[]).unwrap();
        let client = |name: &str| report.services.iter().find(|s| s.name == name).unwrap().client.clone();
        assert_eq!(client("db").as_deref(), Some("psql"));
        assert_eq!(client("cache").as_deref(), Some("redis-cli"));
        assert_eq!(client("app"), None);
    }
}
