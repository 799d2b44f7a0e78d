//! Which engine a region call works on: the session's own (through its supervisor) or another known engine
//! named by the caller (a connection of its own for that call), with what region code needs to know about it —
//! its keychain namespace, whether its ports are this machine's, the host its port links use; the regions of
//! every known engine listed at once, and every engine as a place for a new region.

use std::collections::{BTreeSet, HashMap};
use std::future::Future;
use std::pin::Pin;

use super::Session;
use crate::engine::endpoint::EndpointEnv;
use crate::engine::{DockerEngine, Endpoint, EngineError};
use crate::error::ErrorReport;
use crate::region::everywhere::{self, Place, RegionPlace};
use crate::region::manage::Stores;
use crate::region::secret::Keychains;
use crate::region::{RegionError, RegionTemplate, RegionsEverywhere};

/// A connection being opened to one engine of a listing across engines.
type Connecting<'a> = Pin<Box<dyn Future<Output = Result<DockerEngine, String>> + Send + 'a>>;

/// The engine a region call works on.
pub(super) struct RegionTarget {
    pub(super) docker: DockerEngine,
    /// Its name (a Docker context, or `default`).
    pub(super) name: String,
    /// Its ports are this machine's (then this machine's listeners count when picking one).
    pub(super) local: bool,
    /// The host name its published ports are reached at from here (`None`: this machine).
    pub(super) link_host: Option<String>,
}

impl RegionTarget {
    /// The keychain opening this engine's region namespaces.
    pub(super) fn keychains(&self) -> Keychains {
        Keychains::default().on_engine(&self.name)
    }

    /// Apply journals and the keychain of this engine's regions, port links at its host.
    pub(super) fn stores(&self) -> Stores {
        Stores { keychains: self.keychains(), link_host: self.link_host.clone(), ..Default::default() }
    }
}

impl Session {
    /// The engine `engine` names (`None`, or the session's own name: the session's engine, through its
    /// supervisor), connected, or why it cannot be used now.
    pub(super) async fn region_target(&self, engine: Option<&str>) -> Result<RegionTarget, ErrorReport> {
        let home = self.engine_name();
        let (docker, name, endpoint) = match engine.filter(|e| *e != home) {
            None => {
                let handle = self.engine().await?;
                let docker = handle.connected().await.map_err(RegionError::from)?;
                (docker, home, self.endpoint()?)
            }
            Some(other) => {
                let endpoint = Endpoint::named(&EndpointEnv::from_process(), other)?;
                let docker = DockerEngine::connect(&endpoint, crate::engines::probe_timeout(&endpoint))
                    .await
                    .map_err(|reason| EngineError::Unavailable { endpoint: endpoint.url(), reason })?;
                (docker, other.to_string(), endpoint)
            }
        };
        let link_host = everywhere::link_host(&endpoint);
        Ok(RegionTarget { docker, name, local: endpoint.is_local(), link_host })
    }

    /// Every known engine (the Docker contexts and `default`; the session's own first, two contexts of the same
    /// endpoint once) as places to list or create regions on, and how to reach each.
    fn known_places(&self) -> (Vec<Place>, HashMap<String, Result<Endpoint, String>>) {
        let env = EndpointEnv::from_process();
        let home = self.engine_name();
        let mut names = vec![home.clone()];
        names.extend(crate::engines::list(&env).into_iter().map(|e| e.name).filter(|n| *n != home));
        let mut places = Vec::new();
        let mut endpoints = HashMap::new();
        let mut urls = BTreeSet::new();
        for name in names {
            let endpoint = if name == home {
                self.endpoint().map_err(|e| e.message)
            } else {
                Endpoint::named(&env, &name).map_err(|e| e.to_string())
            };
            if let Ok(ep) = &endpoint {
                if !urls.insert(ep.url()) {
                    continue;
                }
            }
            let host = endpoint.as_ref().map(Endpoint::url).unwrap_or_default();
            let link_host = endpoint.as_ref().ok().and_then(everywhere::link_host);
            places.push(Place { name: name.clone(), host, link_host, home: name == home });
            endpoints.insert(name, endpoint);
        }
        (places, endpoints)
    }

    /// Opens the engine `name` of [`Session::known_places`]: the session's own through its supervisor, another
    /// over a connection of its own (closed when dropped).
    fn connect_place<'a>(
        &'a self,
        endpoints: &HashMap<String, Result<Endpoint, String>>,
        name: &str,
    ) -> Connecting<'a> {
        if name == self.engine_name() {
            return Box::pin(async {
                let handle = self.engine().await.map_err(|e| e.message)?;
                handle.connected().await.map_err(|e| ErrorReport::from(e).message)
            });
        }
        let endpoint = endpoints.get(name).cloned().unwrap_or_else(|| Err(format!("no engine `{name}`")));
        Box::pin(async move { DockerEngine::connect(&endpoint?, everywhere::BOUND).await })
    }

    /// The project's regions on every known engine, listed at the same time, each with its engine's name. An
    /// engine that cannot be reached and listed within [`everywhere::BOUND`] shows the regions last seen there,
    /// marked `unknown`, with the reason; the others stay live.
    pub async fn region_list_everywhere(&self) -> Result<RegionsEverywhere, ErrorReport> {
        let (places, endpoints) = self.known_places();
        let connect = |name: &str| self.connect_place(&endpoints, name);
        let project = self.project();
        let stores = Default::default();
        Ok(everywhere::list_across_in(&places, connect, &stores, project.name(), everywhere::BOUND).await)
    }

    /// Where a new region can go: every known engine, whether it answers and whether the stack's networks the
    /// regional template joins exist there (the wizard's "Where" step).
    pub async fn region_places(&self) -> Result<Vec<RegionPlace>, ErrorReport> {
        let project = self.project();
        let template = RegionTemplate::from_project(&project)?;
        let (places, endpoints) = self.known_places();
        let connect = |name: &str| self.connect_place(&endpoints, name);
        let networks = &template.networks;
        Ok(everywhere::places_in(&places, connect, networks, project.name(), everywhere::BOUND).await)
    }
}
