//! The variable catalog: every variable the Compose files reference, every `.env` key and the descriptor's
//! variables, grouped, with where each value comes from and its validation. Secret values never appear.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use super::keychain::Keychain;
use super::rules::{self, Finding, Level};
use super::sensitive::Sensitive;
use crate::compose::interpolate::VarForm;
use crate::compose::node::{Node, Scalar};
use crate::error::Result;
use crate::project::{Project, Resolved};

/// The group for variables no descriptor group lists.
pub const OTHER_GROUP: &str = "Other";

/// Where a variable's effective value comes from, highest precedence first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub enum VariableSource {
    Keychain,
    Process,
    EnvFile,
    ComposeDefault,
    Unset,
    /// Not found anywhere else, and the keychain could not be read (locked or unavailable).
    Unknown,
}

/// Overall state of one variable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub enum VariableStatus {
    Ok,
    Warning,
    Error,
    /// Its value is in a keychain that cannot be read right now.
    Unknown,
}

/// Whether the project's keychain could be read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct KeychainStatus {
    pub available: bool,
    /// The keychain service name the project's secrets are stored under.
    pub service: String,
    /// Error code and message when not available (`KEYCHAIN_LOCKED`, `KEYCHAIN_NO_SESSION_BUS`…).
    pub code: Option<crate::ErrorCode>,
    pub message: Option<String>,
    /// `message` as the window says it, when it differs (it names buttons where `message` names commands).
    pub window_message: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct VariableView {
    pub name: String,
    pub description: Option<String>,
    pub secret: bool,
    pub source: VariableSource,
    /// The effective value for non-secrets (URL passwords masked); always `None` for secrets.
    pub value: Option<String>,
    /// The value is set and not empty (the only thing said about a secret's value).
    pub has_value: bool,
    /// The Compose files' `${VAR:-default}` (masked for secrets).
    pub compose_default: Option<String>,
    /// The descriptor requires it, or a Compose file uses `${VAR:?…}`.
    pub required: bool,
    /// The `.env` file has a line for it.
    pub in_env_file: bool,
    /// Services whose definition uses it (all files of the selection).
    pub used_by: Vec<String>,
    /// Used by a service that the selection starts (or outside any service).
    pub used_by_selection: bool,
    /// How a value can be generated (`random:48`, `fernet-key`), if it can.
    pub generator: Option<String>,
    pub status: VariableStatus,
    pub findings: Vec<Finding>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct VariableGroupView {
    pub name: String,
    pub variables: Vec<VariableView>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Catalog {
    pub project: String,
    pub profiles: Vec<String>,
    pub keychain: KeychainStatus,
    pub groups: Vec<VariableGroupView>,
    pub errors: u32,
    pub warnings: u32,
}

/// What the Compose files say about one variable.
#[derive(Debug, Default, Clone)]
struct Usage {
    default: Option<String>,
    required: bool,
    services: BTreeSet<String>,
    outside_services: bool,
}

fn collect(node: &Node, service: Option<&str>, out: &mut BTreeMap<String, Usage>) {
    match node {
        Node::Str(Scalar { uses, .. }) => {
            for u in uses {
                let usage = out.entry(u.name.clone()).or_default();
                match &u.form {
                    VarForm::DefaultIfUnsetOrEmpty(d) | VarForm::DefaultIfUnset(d) => {
                        usage.default.get_or_insert_with(|| d.clone());
                    }
                    VarForm::RequiredNonEmpty(_) | VarForm::Required(_) => usage.required = true,
                    _ => {}
                }
                match service {
                    Some(s) => {
                        usage.services.insert(s.to_string());
                    }
                    None => usage.outside_services = true,
                }
            }
        }
        Node::Seq(items) => items.iter().for_each(|n| collect(n, service, out)),
        Node::Map(map) => map.values().for_each(|n| collect(n, service, out)),
        Node::Override(inner) => collect(inner, service, out),
        Node::Null | Node::Bool(_) | Node::Number(_) | Node::Reset => {}
    }
}

/// Every variable the selection's Compose files reference, with its default and the services using it.
fn compose_usages(resolved: &Resolved) -> BTreeMap<String, Usage> {
    let mut out = BTreeMap::new();
    for file in &resolved.loaded {
        let Some(root) = file.root.as_map() else { continue };
        for (key, node) in root {
            if key == "services" {
                for (name, service) in node.as_map().into_iter().flatten() {
                    collect(service, Some(name), &mut out);
                }
            } else {
                collect(node, None, &mut out);
            }
        }
    }
    out
}

/// Reads the project's secrets from the keychain for the catalog: `Err` holds the status to show.
pub fn keychain_values(
    keychain: std::result::Result<&Keychain, &super::SecretsError>,
) -> (BTreeMap<String, Sensitive<String>>, KeychainStatus) {
    let unavailable = |service: String, e: &super::SecretsError| KeychainStatus {
        available: false,
        service,
        code: Some(e.code()),
        message: Some(e.to_string()),
        window_message: e.window_text(),
    };
    match keychain {
        Ok(k) => match k.all() {
            Ok(values) => (
                values.into_iter().collect(),
                KeychainStatus {
                    available: true,
                    service: k.service().to_string(),
                    code: None,
                    message: None,
                    window_message: None,
                },
            ),
            Err(e) => (BTreeMap::new(), unavailable(k.service().to_string(), &e)),
        },
        Err(e) => (BTreeMap::new(), unavailable(String::new(), e)),
    }
}

/// Builds the catalog for a selection. `keychain` is the project's keychain, or why it cannot be opened.
pub fn build(
    project: &Project,
    profiles: &[String],
    keychain: std::result::Result<&Keychain, &super::SecretsError>,
) -> Result<Catalog> {
    let (stored, mut status) = keychain_values(keychain);
    if status.service.is_empty() {
        status.service = super::keychain::service_for(project.root());
    }
    let resolved = project.resolve(profiles)?;
    let usages = compose_usages(&resolved);
    let active: BTreeSet<&str> =
        resolved.model.services.values().filter(|s| s.is_active(profiles)).map(|s| s.name.as_str()).collect();
    let descriptor = project.descriptor();
    let env = project.environment();
    let env_file = env.env_file();
    let policy = project.secret_policy();
    let production =
        profiles.iter().any(|p| descriptor.map_or(p.as_str(), |d| d.canonical(p)) == "production");

    let mut names: BTreeSet<String> = usages.keys().cloned().collect();
    names.extend(env_file.entries.iter().map(|e| e.key.clone()));
    names.extend(stored.keys().cloned());
    if let Some(d) = descriptor {
        names.extend(d.variables.keys().cloned());
        names.extend(d.variable_groups.iter().flat_map(|g| g.variables.iter().cloned()));
    }

    // Effective values (in memory only) and their sources.
    let effective = |name: &str| -> (Option<String>, VariableSource) {
        if let Some(v) = stored.get(name) {
            return (Some(v.expose().clone()), VariableSource::Keychain);
        }
        let from_env =
            env.lookup(name).filter(|v| !v.is_empty() || !policy.is_secret(name) || status.available);
        match (from_env, env.source(name)) {
            (Some(v), crate::env::ValueSource::Process) => (Some(v), VariableSource::Process),
            (Some(v), crate::env::ValueSource::EnvFile) => (Some(v), VariableSource::EnvFile),
            _ => match usages.get(name).and_then(|u| u.default.clone()) {
                Some(d) => (Some(d), VariableSource::ComposeDefault),
                None if !status.available && policy.is_secret(name) => (None, VariableSource::Unknown),
                None => (None, VariableSource::Unset),
            },
        }
    };
    let lookup = |name: &str| effective(name).0;
    let cx = rules::Context { production, lookup: &lookup };

    let mut views: BTreeMap<String, VariableView> = BTreeMap::new();
    for name in &names {
        let rule = descriptor.and_then(|d| d.variables.get(name));
        let usage = usages.get(name).cloned().unwrap_or_default();
        // Anything held in the keychain is a secret, whatever its name or a descriptor says.
        let secret = policy.is_secret(name) || stored.contains_key(name);
        let (value, source) = effective(name);
        let findings = if source == VariableSource::Unknown {
            Vec::new()
        } else {
            rules::check(name, rule, value.as_deref(), &cx)
        };
        let status = if source == VariableSource::Unknown {
            VariableStatus::Unknown
        } else if findings.iter().any(|f| f.level == Level::Error) {
            VariableStatus::Error
        } else if findings.is_empty() {
            VariableStatus::Ok
        } else {
            VariableStatus::Warning
        };
        let shown = |v: &str| policy.mask_entry(name, &Scalar::plain(v)).0;
        let generator = rule.and_then(|r| r.generate.clone()).or_else(|| {
            let format = rule.and_then(|r| r.format.as_deref());
            match format {
                Some("fernet-key") => Some("fernet-key".to_string()),
                None if secret => Some(format!("random:{}", super::generate::DEFAULT_LENGTH)),
                _ => None,
            }
        });
        views.insert(
            name.clone(),
            VariableView {
                name: name.clone(),
                description: rule.and_then(|r| r.description.clone()),
                secret,
                source,
                has_value: value.as_deref().is_some_and(|v| !v.is_empty()),
                value: if secret { None } else { value.as_deref().map(shown) },
                compose_default: usage.default.as_deref().map(shown),
                required: rule.is_some_and(|r| r.required) || usage.required,
                in_env_file: env_file.entries.iter().any(|e| &e.key == name),
                used_by_selection: usage.outside_services
                    || usage.services.iter().any(|s| active.contains(s.as_str())),
                used_by: usage.services.into_iter().collect(),
                generator,
                status,
                findings,
            },
        );
    }

    let mut groups: Vec<VariableGroupView> = Vec::new();
    for g in descriptor.map(|d| d.variable_groups.as_slice()).unwrap_or_default() {
        let variables: Vec<VariableView> = g.variables.iter().filter_map(|n| views.remove(n)).collect();
        groups.push(VariableGroupView { name: g.name.clone(), variables });
    }
    if !views.is_empty() {
        groups.push(VariableGroupView {
            name: OTHER_GROUP.to_string(),
            variables: views.into_values().collect(),
        });
    }
    let all = groups.iter().flat_map(|g| &g.variables).flat_map(|v| &v.findings);
    let (mut errors, mut warnings) = (0u32, 0u32);
    for f in all {
        match f.level {
            Level::Error => errors += 1,
            Level::Warning => warnings += 1,
        }
    }
    Ok(Catalog {
        project: project.name().to_string(),
        profiles: profiles.to_vec(),
        keychain: status,
        groups,
        errors,
        warnings,
    })
}

impl Catalog {
    pub fn variable(&self, name: &str) -> Option<&VariableView> {
        self.groups.iter().flat_map(|g| &g.variables).find(|v| v.name == name)
    }
}
