//! Which engine the session runs on, and what that means for the programs it starts: Compose gets an SSH engine
//! (chosen or current) through a local relay socket as `DOCKER_HOST` (Dockmaster's own SSH transport), any other
//! chosen engine as `DOCKER_CONTEXT` (the caller's `DOCKER_HOST` and TLS settings removed, so they cannot point
//! it elsewhere); with no choice and no SSH they get the caller's Docker settings unchanged. The window switches a
//! session's engine in place (`switch_engine`): remembered, the old supervisor and its follows stopped, the next
//! follow on the new engine.

use std::collections::HashMap;

use serde::Serialize;

use super::{lock, Session};
use crate::engine::endpoint::{without_engine_vars, EndpointEnv, DEFAULT_CONTEXT};
use crate::engine::{Endpoint, EngineError};
use crate::error::{ErrorCode, ErrorReport};

/// The engine a session runs on: the chosen name (`None`: the Docker CLI's current context) and its endpoint,
/// or why that cannot be used.
pub(super) struct EngineTarget {
    pub(super) name: Option<String>,
    pub(super) endpoint: Result<Endpoint, EngineError>,
}

impl EngineTarget {
    /// Resolves `name` (a context or `default`), else the current context, from the process's Docker settings.
    pub(super) fn resolve(name: Option<String>) -> Self {
        let env = EndpointEnv::from_process();
        let endpoint = match &name {
            Some(name) => Endpoint::named(&env, name),
            None => Endpoint::resolve(&env),
        };
        EngineTarget { name, endpoint }
    }
}

/// The engine a project runs on, as its header shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ProjectEngine {
    /// The engine's name (a Docker context, or `default`).
    pub name: String,
    /// Chosen for this project (remembered); false: the Docker CLI's current context, followed as it changes.
    pub chosen: bool,
    /// The endpoint, e.g. `tcp://10.0.0.5:2376`, or why the engine cannot be used.
    pub endpoint: String,
}

/// What Compose children start from: their environment (`None`: the process's own) and, on an SSH engine, the
/// relay that environment points at (alive while this is).
pub struct ChildProcess {
    pub env: Option<HashMap<String, String>>,
    #[cfg(unix)]
    pub relay: Option<crate::engine::ssh::relay::Relay>,
    #[cfg(not(unix))]
    pub relay: Option<()>,
}

impl ChildProcess {
    /// What went wrong on the SSH side of the relay, if anything (to add to the operation's error).
    pub fn relay_failure(&self) -> Option<String> {
        #[cfg(unix)]
        return self.relay.as_ref().and_then(|r| r.failure());
        #[cfg(not(unix))]
        None
    }
}

/// The Docker settings of `process` pointed at the engine `name`.
pub fn point_at(mut process: HashMap<String, String>, name: &str) -> HashMap<String, String> {
    if name == DEFAULT_CONTEXT {
        // `default` is the caller's DOCKER_HOST (with its TLS settings), else the platform socket.
        process.remove("DOCKER_CONTEXT");
        return process;
    }
    let mut process = without_engine_vars(process);
    process.insert("DOCKER_CONTEXT".into(), name.to_string());
    process
}

impl Session {
    /// The engine this session runs on, by name (the chosen one, else the Docker CLI's current context).
    pub fn engine_name(&self) -> String {
        let chosen = lock_target(self).name.clone();
        chosen.unwrap_or_else(|| crate::engines::current_name(&EndpointEnv::from_process()))
    }

    /// Whether the engine was chosen (by `--engine` or the project's remembered choice) rather than taken from the
    /// Docker CLI's current context.
    pub fn engine_chosen(&self) -> bool {
        lock_target(self).name.is_some()
    }

    /// The endpoint the session uses now, or why it cannot be used (`ENGINE_ENDPOINT_INVALID`).
    pub fn endpoint(&self) -> Result<Endpoint, ErrorReport> {
        lock_target(self).endpoint.clone().map_err(ErrorReport::from)
    }

    /// The engine this project runs on, for the window's header.
    pub fn project_engine(&self) -> ProjectEngine {
        let endpoint = match self.endpoint() {
            Ok(e) => e.url(),
            Err(e) => e.message,
        };
        ProjectEngine { name: self.engine_name(), chosen: self.engine_chosen(), endpoint }
    }

    /// The environment Compose children start from, and the relay it points at: on an SSH engine (chosen or
    /// the current context) a local relay socket (`engine::ssh::relay`) that reaches it with Dockmaster's own
    /// transport (key file, strict host key), named by `DOCKER_HOST`; on any other chosen engine the process's
    /// settings pointed at it by name; with no choice, `None` (the process's own). Keep the relay for as long as
    /// the children run: dropping it closes it.
    pub fn child_process(&self) -> Result<ChildProcess, ErrorReport> {
        let (name, endpoint) = {
            let target = lock_target(self);
            (target.name.clone(), target.endpoint.clone())
        };
        #[cfg(unix)]
        if let Ok(Endpoint { transport: crate::engine::Transport::Ssh(ssh), .. }) = &endpoint {
            let process = crate::env::Environment::process_vars();
            let engine =
                name.clone().unwrap_or_else(|| crate::engines::current_name(&EndpointEnv::from_process()));
            let relay = crate::engine::ssh::relay::Relay::start(ssh, &engine, &process).map_err(|why| {
                ErrorReport::new(
                    ErrorCode::EngineUnavailable,
                    format!("cannot open the local relay to the SSH engine `{engine}`: {why}"),
                )
            })?;
            let env = crate::engine::ssh::relay::point_at_relay(process, relay.socket());
            return Ok(ChildProcess { env: Some(env), relay: Some(relay) });
        }
        let _ = endpoint;
        let env = name.map(|name| point_at(crate::env::Environment::process_vars(), &name));
        Ok(ChildProcess { env, relay: None })
    }

    /// Remembers `engine` as this project's (`None`: back to the current context). Takes effect for sessions
    /// opened from now on.
    pub fn remember_engine(&self, engine: Option<&str>) -> Result<(), ErrorReport> {
        if let Some(name) = engine {
            crate::engine::Endpoint::named(&EndpointEnv::from_process(), name)?;
        }
        Ok(crate::engines::choice::remember(self.project().root(), engine)?)
    }

    /// Moves this session to `engine` (`None`: the Docker CLI's current context) and remembers it for the
    /// project: refused while an operation runs (`OPERATION_BUSY`) or when the engine does not exist; then the
    /// supervisor on the old engine stops with its follows (the dashboard's, stats, logs, the attention follow)
    /// and the reviewed region plan is dropped. The next follow starts on the new engine.
    pub fn switch_engine(&self, engine: Option<&str>) -> Result<ProjectEngine, ErrorReport> {
        if let Some(what) = self.running() {
            return Err(ErrorReport::new(
                ErrorCode::OperationBusy,
                format!("`{what}` is running on this project: wait for it to finish (or cancel it), then switch the engine"),
            ));
        }
        let target = EngineTarget::resolve(engine.map(str::to_string));
        if let Err(e) = &target.endpoint {
            if engine.is_some() {
                return Err(e.into());
            }
        }
        self.remember_engine(engine)?;
        *self.inner.target.write().unwrap_or_else(|e| e.into_inner()) = target;
        self.stop_engine();
        self.stop_logs();
        self.stop_following_attention();
        *lock(&self.inner.reviewed_plan) = None;
        Ok(self.project_engine())
    }
}

fn lock_target(session: &Session) -> std::sync::RwLockReadGuard<'_, EngineTarget> {
    session.inner.target.read().unwrap_or_else(|e| e.into_inner())
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
