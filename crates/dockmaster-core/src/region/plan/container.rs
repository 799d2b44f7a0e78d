//! A planned container from its template service: image, mounts (the image's `VOLUME`s as named volumes of
//! the region), networks, healthcheck timings, restart, init, grace period, user and working dir.

use std::collections::BTreeMap;

use super::types::*;
use crate::region::error::RegionError;
use crate::region::render::duration_ms;
use crate::region::template::{RegionTemplate, TemplateService};
use crate::report::MountKind;

/// What planning a container needs: the template, the engine facts, the region's name prefix.
pub(super) struct Cx<'a> {
    pub t: &'a RegionTemplate,
    pub inputs: &'a PlanInputs,
    pub prefix: &'a str,
}

impl Cx<'_> {
    pub(super) fn container(
        &self,
        s: &TemplateService,
        role: RegionRole,
        name: &str,
    ) -> Result<PlannedContainer, RegionError> {
        let image = match &s.image {
            Some(scalar) => scalar.value.clone(),
            None if s.has_build => format!("{}-{}", self.t.project, s.key),
            None => {
                return Err(RegionError::Template {
                    message: format!("the template service {} has neither `image:` nor `build:`", s.key),
                })
            }
        };
        let facts = self.inputs.images.get(&image).cloned().unwrap_or_default();
        let mut mounts = Vec::new();
        for m in &s.mounts {
            let (kind, source) = match m.kind {
                MountKind::Bind => (
                    "bind",
                    m.source.as_deref().map(|src| crate::compose::mounts::absolute_source(&self.t.root, src)),
                ),
                MountKind::Volume => {
                    let key = m.source.clone().unwrap_or_default();
                    let decl = self.t.volumes.get(&key).cloned().unwrap_or_default();
                    let source = if decl.external {
                        decl.name.unwrap_or(key)
                    } else {
                        format!("{}-{}", self.prefix, volume_key(&key))
                    };
                    ("volume", Some(source))
                }
                MountKind::Anonymous => ("anonymous", None),
                MountKind::Tmpfs => ("tmpfs", None),
                MountKind::Npipe => ("bind", m.source.clone()),
            };
            mounts.push(PlannedMount {
                kind: kind.into(),
                source,
                target: m.target.clone(),
                read_only: m.read_only,
            });
        }
        // Data the image keeps in a VOLUME gets a named volume of the region, not an anonymous one.
        for (i, path) in facts.volumes.iter().enumerate() {
            if mounts.iter().any(|m| &m.target == path) {
                continue;
            }
            let suffix = if facts.volumes.len() == 1 { String::new() } else { format!("-{i}") };
            mounts.push(PlannedMount {
                kind: "volume".into(),
                source: Some(format!("{}-{}-data{suffix}", self.prefix, role.label())),
                target: path.clone(),
                read_only: false,
            });
        }
        let networks = s
            .networks
            .iter()
            .map(|key| ContainerNetwork {
                network: self
                    .t
                    .networks
                    .iter()
                    .find(|n| &n.key == key)
                    .map(|n| n.engine_name.clone())
                    .unwrap_or_else(|| format!("{}_{key}", self.t.project)),
                aliases: Vec::new(),
            })
            .collect();
        let healthcheck = match &s.healthcheck {
            Some(h) if !h.disabled && !h.test.is_empty() => Some(PlannedHealthcheck {
                test: Vec::new(),
                interval_ms: h.interval.as_deref().and_then(duration_ms),
                timeout_ms: h.timeout.as_deref().and_then(duration_ms),
                retries: h.retries,
                start_period_ms: h.start_period.as_deref().and_then(duration_ms),
            }),
            _ => None,
        };
        Ok(PlannedContainer {
            name: name.to_string(),
            role,
            template: s.key.clone(),
            image_present: facts.present,
            image,
            command: None,
            entrypoint: None,
            env: Vec::new(),
            labels: BTreeMap::new(),
            networks,
            mounts,
            ports: Vec::new(),
            limits: Limits { cpus: 0.0, memory_mb: 0 },
            healthcheck,
            restart: s.restart.clone(),
            init: s.init,
            stop_grace_seconds: s
                .stop_grace_period
                .as_deref()
                .and_then(duration_ms)
                .map(|ms| ms.div_ceil(1000)),
            user: s.user.clone(),
            working_dir: s.working_dir.clone(),
        })
    }
}

/// A volume key as part of an engine name (`regional_assets` stays, anything unusual becomes `_`).
fn volume_key(key: &str) -> String {
    key.chars()
        .map(|c| if c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '.' { c } else { '_' })
        .collect()
}
