//! Which engine the session runs on, and what that means for the programs it starts: Compose (and `exec`) get
//! the chosen engine as `DOCKER_CONTEXT` (the caller's `DOCKER_HOST` and TLS settings removed, so they cannot
//! point it elsewhere); with no choice they get the caller's Docker settings unchanged.

use std::collections::HashMap;

use super::Session;
use crate::engine::endpoint::{EndpointEnv, DEFAULT_CONTEXT};
use crate::error::ErrorReport;

/// The Docker settings of `process` pointed at the engine `name`.
pub fn point_at(mut process: HashMap<String, String>, name: &str) -> HashMap<String, String> {
    process.remove("DOCKER_CONTEXT");
    if name != DEFAULT_CONTEXT {
        for var in ["DOCKER_HOST", "DOCKER_TLS_VERIFY", "DOCKER_CERT_PATH", "DOCKER_TLS"] {
            process.remove(var);
        }
        process.insert("DOCKER_CONTEXT".into(), name.to_string());
    }
    process
}

impl Session {
    /// The engine this session runs on, by name (the chosen one, else the Docker CLI's current context).
    pub fn engine_name(&self) -> String {
        self.inner
            .engine_name
            .clone()
            .unwrap_or_else(|| crate::engines::current_name(&EndpointEnv::from_process()))
    }

    /// Whether the engine was chosen (by `--engine` or the project's remembered choice) rather than taken from the
    /// Docker CLI's current context.
    pub fn engine_chosen(&self) -> bool {
        self.inner.engine_name.is_some()
    }

    /// The environment Compose and `exec` children start from: the process's, pointed at the chosen engine.
    pub fn engine_process_env(&self) -> Option<HashMap<String, String>> {
        let name = self.inner.engine_name.as_deref()?;
        Some(point_at(crate::env::Environment::process_vars(), name))
    }

    /// Remembers `engine` as this project's (`None`: back to the current context). Takes effect for sessions
    /// opened from now on.
    pub fn remember_engine(&self, engine: Option<&str>) -> Result<(), ErrorReport> {
        if let Some(name) = engine {
            crate::engine::Endpoint::named(&EndpointEnv::from_process(), name)?;
        }
        Ok(crate::engines::choice::remember(self.project().root(), engine)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn children_are_pointed_at_the_chosen_engine() {
        let process: HashMap<String, String> = [
            ("DOCKER_HOST", "tcp://elsewhere:2376"),
            ("DOCKER_TLS_VERIFY", "1"),
            ("DOCKER_CERT_PATH", "/certs"),
            ("DOCKER_CONTEXT", "other"),
            ("DOCKER_CONFIG", "/cfg"),
            ("PATH", "/bin"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        let far = point_at(process.clone(), "far");
        assert_eq!(far.get("DOCKER_CONTEXT").map(String::as_str), Some("far"));
        for gone in ["DOCKER_HOST", "DOCKER_TLS_VERIFY", "DOCKER_CERT_PATH"] {
            assert!(!far.contains_key(gone), "{gone}");
        }
        assert_eq!(far.get("DOCKER_CONFIG").map(String::as_str), Some("/cfg"));
        let local = point_at(process, "default");
        assert!(!local.contains_key("DOCKER_CONTEXT"));
        assert_eq!(local.get("DOCKER_HOST").map(String::as_str), Some("tcp://elsewhere:2376"));
    }
}
