//! Drift: which running services' containers no longer match the current configuration.

use serde::Serialize;

use super::ComposeInfo;

/// Whether a service's containers run the current configuration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ServiceDrift {
    pub name: String,
    /// A running container's `com.docker.compose.config-hash` differs from the current config's hash: the
    /// next `up` recreates it.
    pub drift: bool,
    /// Running containers compared.
    pub containers: Vec<String>,
    /// The hash of the current configuration (by the Compose version that created the containers).
    pub config_hash: Option<String>,
    /// The hashes the running containers carry.
    pub container_hashes: Vec<String>,
    /// Why the comparison could not be made, if it could not.
    pub note: Option<String>,
}

/// Needs-recreate per running service.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct DriftReport {
    pub project: String,
    pub profiles: Vec<String>,
    pub compose: ComposeInfo,
    pub services: Vec<ServiceDrift>,
}
