//! The fake's containers as an inspect returns them (probe output masked as asked).

use super::Container;
use crate::engine::ops::{ContainerInfo, MountInfo, TextMask};
use crate::engine::{ContainerStatus, Health, ProbeResult};
use crate::secrets::Masker;

pub(super) fn info(c: &Container, mask: TextMask<'_>) -> ContainerInfo {
    let own;
    let masker: &Masker = match mask {
        TextMask::With(m) => m,
        TextMask::OwnEnvironment => {
            let entries: Vec<String> =
                c.spec.env.iter().map(|(k, v)| format!("{k}={}", v.expose())).collect();
            own = Masker::from_set(&crate::secrets::gather::from_env_entries(
                entries.iter().map(String::as_str),
            ));
            &own
        }
    };
    let health_log = match c.health {
        Health::Unhealthy => vec![ProbeResult {
            start: String::new(),
            end: String::new(),
            exit_code: 1,
            output: masker.mask_container("fake probe failed").into_owned(),
        }],
        _ => Vec::new(),
    };
    let hash: std::collections::HashMap<String, String> = c.spec.labels.clone().into_iter().collect();
    let region = crate::engine::event::region_of(&hash);
    ContainerInfo {
        id: c.id.clone(),
        name: c.spec.name.clone(),
        image: c.spec.image.clone(),
        labels: c.spec.labels.clone(),
        env: c.spec.env.clone(),
        cmd: c.spec.cmd.clone(),
        entrypoint: c.spec.entrypoint.clone(),
        status: ContainerStatus {
            id: c.id.clone(),
            name: c.spec.name.clone(),
            service: crate::engine::event::service_of(&hash)
                .or_else(|| region.as_ref().map(|_| c.spec.name.clone()))
                .unwrap_or_default(),
            region,
            one_off: false,
            image: c.spec.image.clone(),
            state: c.state,
            health: c.health,
            failing_streak: u32::from(c.health == Health::Unhealthy),
            health_log,
            restart_count: 0,
            exit_code: c.exit_code,
            oom_killed: false,
            error: None,
            started_at: None,
            finished_at: None,
            ports: Vec::new(),
            networks: Vec::new(),
        },
        mounts: c
            .spec
            .binds
            .iter()
            .map(|b| {
                let mut parts = b.split(':');
                let source = parts.next().unwrap_or_default().to_string();
                let destination = parts.next().unwrap_or_default().to_string();
                let named = !source.starts_with('/');
                MountInfo {
                    kind: if named { "volume" } else { "bind" }.into(),
                    name: named.then(|| source.clone()),
                    source: Some(source),
                    destination,
                    read_only: parts.next() == Some("ro"),
                }
            })
            .chain(c.anonymous.iter().zip(&c.spec.anonymous_volumes).map(|(name, target)| MountInfo {
                kind: "volume".into(),
                name: Some(name.clone()),
                source: None,
                destination: target.clone(),
                read_only: false,
            }))
            .collect(),
        binds: c.spec.binds.clone(),
        spec_mounts: Vec::new(),
        ports: c.spec.ports.clone(),
        networks: c.networks.clone(),
        restart: c.spec.restart.clone(),
        limits: c.spec.limits,
        healthcheck: c.spec.healthcheck.clone(),
        user: c.spec.user.clone(),
        working_dir: c.spec.working_dir.clone(),
        init: c.spec.init,
        stop_timeout_s: c.spec.stop_timeout_s,
    }
}
