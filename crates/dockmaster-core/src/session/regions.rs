//! Regions through the session: validate a request, plan it (the plan shown is kept, so applying the same
//! request creates exactly it), apply it as the project's one running operation (cancellable, rolled back by
//! the core), and list, start, stop, remove and show existing regions — every engine call through the
//! session's supervisor.

use std::collections::{BTreeSet, HashMap};
use std::future::Future;
use std::pin::Pin;

use serde::Serialize;

use super::operation::Running;
use super::{lock, Session};
use crate::attention::OperationEnd;
use crate::engine::endpoint::EndpointEnv;
use crate::engine::{DockerEngine, Endpoint};
use crate::error::ErrorReport;
use crate::region::everywhere::{self, Place};
use crate::region::manage::Stores;
use crate::region::secret::Keychains;
use crate::region::{
    self, AppliedRegion, ApplyEvent, ApplyOptions, FieldError, PlanOptions, RegionError, RegionInfo,
    RegionPlan, RegionRequest, RegionsEverywhere, RemoveReport,
};

/// A connection being opened to one engine of a listing across engines.
type Connecting<'a> = Pin<Box<dyn Future<Output = Result<DockerEngine, String>> + Send + 'a>>;

/// A request's field errors (empty when it is valid), for a form's inline validation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct RegionValidation {
    pub errors: Vec<FieldError>,
    /// The name was checked against the project's existing regions (false when the engine could not be asked;
    /// the plan checks again).
    pub regions_checked: bool,
}

impl Session {
    /// The keychain as region code uses it: the namespaces of the session's engine's regions.
    fn region_keychains(&self) -> Keychains {
        Keychains::default().on_engine(&self.engine_name())
    }

    /// Apply journals and the keychain of the session's engine's regions.
    fn region_stores(&self) -> Stores {
        Stores { keychains: self.region_keychains(), link_host: self.link_host(), ..Default::default() }
    }

    /// Whether the session's engine publishes ports on this machine (then this machine's listeners count).
    fn engine_is_local(&self) -> bool {
        self.endpoint().map(|e| e.is_local()).unwrap_or(true)
    }

    /// Plans `request` on the session's engine.
    async fn region_prepare(
        &self,
        docker: &DockerEngine,
        request: &RegionRequest,
        options: &PlanOptions,
    ) -> Result<RegionPlan, ErrorReport> {
        let keychains = self.region_keychains();
        let project = self.project();
        let mut plan =
            region::prepare_in(docker, &keychains, self.engine_is_local(), &project, request, options)
                .await?;
        everywhere::place_plan(&mut plan, &self.engine_name(), self.link_host().as_deref());
        Ok(plan)
    }

    /// The host name the session's engine's published ports are reached at (`None`: this machine).
    fn link_host(&self) -> Option<String> {
        self.endpoint().ok().as_ref().and_then(everywhere::link_host)
    }

    /// The engine as region code uses it, or why it cannot be used now.
    async fn region_engine(&self) -> Result<DockerEngine, ErrorReport> {
        let handle = self.engine().await?;
        Ok(handle.connected().await.map_err(RegionError::from)?)
    }

    /// Checks a request against the region-manager's rules and, when the engine answers, the existing region
    /// names. Creates nothing.
    pub async fn region_validate(&self, request: &RegionRequest) -> Result<RegionValidation, ErrorReport> {
        let project = self.project();
        let existing = match self.region_engine().await {
            Ok(docker) => region::gather::region_names(&docker, project.name()).await.ok(),
            Err(_) => None,
        };
        let errors =
            region::validate(request, existing.as_deref().unwrap_or_default()).err().unwrap_or_default();
        Ok(RegionValidation { errors, regions_checked: existing.is_some() })
    }

    /// Everything creating the region would create or join; nothing is created. The plan is kept: applying
    /// the same request creates exactly this plan.
    pub async fn region_plan(
        &self,
        request: &RegionRequest,
        options: &PlanOptions,
    ) -> Result<RegionPlan, ErrorReport> {
        let docker = self.region_engine().await?;
        let plan = self.region_prepare(&docker, request, options).await?;
        *lock(&self.inner.reviewed_plan) = Some(plan.clone());
        Ok(plan)
    }

    /// Creates the region — the plan last reviewed for this request, else a fresh one — as the project's
    /// running operation (cancel it with [`Session::cancel`]), every step's progress sent to `on_progress`. On
    /// failure or cancel everything this apply created is removed and the error says what failed.
    pub async fn region_apply(
        &self,
        request: &RegionRequest,
        plan_options: &PlanOptions,
        options: &ApplyOptions,
        on_progress: impl Fn(ApplyEvent) + Send + Sync,
    ) -> Result<AppliedRegion, ErrorReport> {
        let mut running = self.begin(&format!("region create {}", request.name))?;
        let result = self.region_apply_begun(request, plan_options, options, on_progress, &running).await;
        let project = self.project();
        running.ended(OperationEnd::of_region_apply(project.name(), &request.name, &result));
        result
    }

    /// [`Session::region_apply`] once the operation's place is taken.
    async fn region_apply_begun(
        &self,
        request: &RegionRequest,
        plan_options: &PlanOptions,
        options: &ApplyOptions,
        on_progress: impl Fn(ApplyEvent) + Send + Sync,
        running: &Running,
    ) -> Result<AppliedRegion, ErrorReport> {
        let docker = self.region_engine().await?;
        let project = self.project();
        let reviewed = lock(&self.inner.reviewed_plan)
            .take()
            .filter(|plan| plan.request == *request && plan.project == project.name());
        let plan = match reviewed {
            Some(plan) => plan,
            None => self.region_prepare(&docker, request, plan_options).await?,
        };
        if running.cancel.is_cancelled() {
            let rollback = Default::default();
            return Err(RegionError::Cancelled {
                region: plan.region.clone(),
                step: "plan".into(),
                rollback,
            }
            .into());
        }
        let options = ApplyOptions {
            keychains: options.keychains.clone().on_engine(&self.engine_name()),
            ..options.clone()
        };
        Ok(region::apply(&docker, &project, &plan, &options, &running.cancel, &on_progress).await?)
    }

    /// The project's regions on the session's engine (found by label), with state and health.
    pub async fn region_list(&self) -> Result<Vec<RegionInfo>, ErrorReport> {
        let docker = self.region_engine().await?;
        let regions = region::manage::list_in(&docker, &self.region_stores(), self.project().name()).await?;
        Ok(regions.into_iter().map(|r| self.on_this_engine(r)).collect())
    }

    /// The project's regions on every known engine (the Docker contexts and `default`), listed at the same
    /// time, each with its engine's name. An engine that cannot be reached and listed within
    /// [`everywhere::BOUND`] shows the regions last seen there, marked `unknown`, with the reason; the others
    /// stay live. The session's engine is read through its supervisor, the others over a connection of their
    /// own (closed after the listing); two contexts of the same endpoint are listed once.
    pub async fn region_list_everywhere(&self) -> Result<RegionsEverywhere, ErrorReport> {
        let env = EndpointEnv::from_process();
        let home = self.engine_name();
        let mut names = vec![home.clone()];
        names.extend(crate::engines::list(&env).into_iter().map(|e| e.name).filter(|n| *n != home));
        let mut places = Vec::new();
        let mut endpoints: HashMap<String, Result<Endpoint, String>> = HashMap::new();
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
        let connect = |name: &str| -> Connecting<'_> {
            if name == home {
                return Box::pin(async { self.region_engine().await.map_err(|e| e.message) });
            }
            let endpoint = endpoints.get(name).cloned().unwrap_or_else(|| Err(format!("no engine `{name}`")));
            Box::pin(async move { DockerEngine::connect(&endpoint?, everywhere::BOUND).await })
        };
        let project = self.project();
        let stores = Default::default();
        Ok(everywhere::list_across_in(&places, connect, &stores, project.name(), everywhere::BOUND).await)
    }

    /// `region` marked as on the session's engine.
    fn on_this_engine(&self, mut region: RegionInfo) -> RegionInfo {
        region.engine = self.engine_name();
        region
    }

    /// One region now.
    pub async fn region_get(&self, name: &str) -> Result<RegionInfo, ErrorReport> {
        let docker = self.region_engine().await?;
        let got = region::manage::get_in(&docker, &self.region_stores(), self.project().name(), name).await?;
        Ok(self.on_this_engine(got))
    }

    /// Starts a region's database, then its server, each waited on until healthy.
    pub async fn region_start(&self, name: &str, options: &ApplyOptions) -> Result<RegionInfo, ErrorReport> {
        let docker = self.region_engine().await?;
        let (stores, project) = (self.region_stores(), self.project());
        let started =
            region::manage::start_in(&docker, &stores, project.name(), name, options.health_timeout).await?;
        Ok(self.on_this_engine(started))
    }

    /// Stops a region's server, then its database.
    pub async fn region_stop(&self, name: &str) -> Result<RegionInfo, ErrorReport> {
        let docker = self.region_engine().await?;
        let stopped =
            region::manage::stop_in(&docker, &self.region_stores(), self.project().name(), name).await?;
        Ok(self.on_this_engine(stopped))
    }

    /// Removes a region's containers and network; with `confirmed_volumes` naming exactly its volumes, those
    /// too (their data) and its database password. Any other list is refused with `VOLUMES_UNCONFIRMED`.
    pub async fn region_remove(
        &self,
        name: &str,
        confirmed_volumes: Option<&[String]>,
    ) -> Result<RemoveReport, ErrorReport> {
        let docker = self.region_engine().await?;
        let project = self.project();
        let stores = self.region_stores();
        Ok(region::manage::remove_in(
            &docker,
            &stores,
            project.root(),
            project.name(),
            name,
            confirmed_volumes,
        )
        .await?)
    }

    /// Removes a region as the CLI's flags say: `volumes` and `yes` — every volume of the region, confirmed;
    /// `yes` alone — an interrupted region's own volumes (other volumes are kept); `volumes` alone — nothing,
    /// the refusal lists the volumes to confirm.
    pub async fn region_remove_confirming(
        &self,
        name: &str,
        volumes: bool,
        yes: bool,
    ) -> Result<RemoveReport, ErrorReport> {
        let confirmed = match (volumes, yes) {
            (false, false) => None,
            (true, false) => return Err(region::confirmation_needed(&self.region_get(name).await?).into()),
            (true, true) => Some(self.region_get(name).await?.volumes),
            (false, true) => self.region_get(name).await?.interrupted.map(|i| i.volumes),
        };
        self.region_remove(name, confirmed.as_deref()).await
    }

    /// An existing region's plan, rebuilt from its labels and `docker inspect` (environment masked).
    pub async fn region_show(&self, name: &str) -> Result<RegionPlan, ErrorReport> {
        let docker = self.region_engine().await?;
        let project = self.project();
        let (stores, policy) = (self.region_stores(), project.secret_policy());
        Ok(region::manage::describe_in(&docker, &stores, project.root(), project.name(), name, policy)
            .await?)
    }
}
