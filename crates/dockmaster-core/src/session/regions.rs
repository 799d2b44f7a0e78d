//! Regions through the session: validate a request, plan it (the plan shown is kept, so applying the same
//! request creates exactly it), apply it as the project's one running operation (cancellable, rolled back by
//! the core), and list, start, stop, remove and show existing regions. Each call works on the engine it is
//! given (`None`: the session's own, through its supervisor; see `region_target.rs`).

use serde::Serialize;

use super::operation::Running;
use super::region_target::RegionTarget;
use super::{lock, Session};
use crate::attention::OperationEnd;
use crate::error::ErrorReport;
use crate::region::everywhere;
use crate::region::{
    self, AppliedRegion, ApplyEvent, ApplyOptions, FieldError, PlanOptions, RegionError, RegionInfo,
    RegionNetwork, RegionPlan, RegionRequest, RemoveReport,
};

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
    /// Plans `request` on `target`.
    async fn region_prepare(
        &self,
        target: &RegionTarget,
        request: &RegionRequest,
        options: &PlanOptions,
    ) -> Result<RegionPlan, ErrorReport> {
        let (keychains, project) = (target.keychains(), self.project());
        let mut plan =
            region::prepare_in(&target.docker, &keychains, target.local, &project, request, options).await?;
        everywhere::place_plan(&mut plan, &target.name, target.link_host.as_deref());
        Ok(plan)
    }

    /// Checks a request against the region-manager's rules and, when `engine` answers, the region names there.
    /// Creates nothing.
    pub async fn region_validate(
        &self,
        engine: Option<&str>,
        request: &RegionRequest,
    ) -> Result<RegionValidation, ErrorReport> {
        let project = self.project();
        let existing = match self.region_target(engine).await {
            Ok(target) => region::gather::region_names(&target.docker, project.name()).await.ok(),
            Err(_) => None,
        };
        let errors =
            region::validate(request, existing.as_deref().unwrap_or_default()).err().unwrap_or_default();
        Ok(RegionValidation { errors, regions_checked: existing.is_some() })
    }

    /// Everything creating the region on `engine` would create or join; nothing is created. The plan is kept:
    /// applying the same request on the same engine creates exactly this plan.
    pub async fn region_plan(
        &self,
        engine: Option<&str>,
        request: &RegionRequest,
        options: &PlanOptions,
    ) -> Result<RegionPlan, ErrorReport> {
        let target = self.region_target(engine).await?;
        let plan = self.region_prepare(&target, request, options).await?;
        *lock(&self.inner.reviewed_plan) = Some(plan.clone());
        Ok(plan)
    }

    /// Creates the region on `engine` — the plan last reviewed for this request there, else a fresh one — as
    /// the project's running operation (cancel it with [`Session::cancel`]), every step's progress sent to
    /// `on_progress`. On failure or cancel everything this apply created is removed and the error says what
    /// failed.
    pub async fn region_apply(
        &self,
        engine: Option<&str>,
        request: &RegionRequest,
        plan_options: &PlanOptions,
        options: &ApplyOptions,
        on_progress: impl Fn(ApplyEvent) + Send + Sync,
    ) -> Result<AppliedRegion, ErrorReport> {
        let mut running = self.begin(&format!("region create {}", request.name))?;
        let result =
            self.region_apply_begun(engine, request, plan_options, options, on_progress, &running).await;
        let project = self.project();
        running.ended(OperationEnd::of_region_apply(project.name(), &request.name, &result));
        result
    }

    /// [`Session::region_apply`] once the operation's place is taken.
    async fn region_apply_begun(
        &self,
        engine: Option<&str>,
        request: &RegionRequest,
        plan_options: &PlanOptions,
        options: &ApplyOptions,
        on_progress: impl Fn(ApplyEvent) + Send + Sync,
        running: &Running,
    ) -> Result<AppliedRegion, ErrorReport> {
        let target = self.region_target(engine).await?;
        let project = self.project();
        // The plan reviewed on this engine (its password's keychain namespace is the engine's).
        let service = target.keychains().service(project.root(), project.name(), &request.name);
        let reviewed = lock(&self.inner.reviewed_plan).take().filter(|plan| {
            // Reviewed as standalone as asked now (a standalone plan says so in its warnings), or made again.
            plan.request == *request
                && plan.project == project.name()
                && plan.password.keychain_service == service
                && crate::region::plan::is_standalone(plan) == plan_options.standalone
        });
        let plan = match reviewed {
            Some(plan) => plan,
            None => self.region_prepare(&target, request, plan_options).await?,
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
        let options =
            ApplyOptions { keychains: options.keychains.clone().on_engine(&target.name), ..options.clone() };
        Ok(region::apply(&target.docker, &project, &plan, &options, &running.cancel, &on_progress).await?)
    }

    /// The project's regions on `engine` (found by label), with state and health.
    pub async fn region_list(&self, engine: Option<&str>) -> Result<Vec<RegionInfo>, ErrorReport> {
        let target = self.region_target(engine).await?;
        let regions =
            region::manage::list_in(&target.docker, &target.stores(), self.project().name()).await?;
        Ok(regions.into_iter().map(|r| placed(r, &target)).collect())
    }

    /// The networks the project's region containers on the session's engine are on, with the driver and
    /// subnets the engine gave each (the network picture's region bands).
    pub async fn region_networks(&self) -> Result<Vec<RegionNetwork>, ErrorReport> {
        let target = self.region_target(None).await?;
        Ok(region::manage::networks_in(&target.docker, self.project().name()).await?)
    }

    /// One region on `engine` now.
    pub async fn region_get(&self, engine: Option<&str>, name: &str) -> Result<RegionInfo, ErrorReport> {
        let target = self.region_target(engine).await?;
        let got =
            region::manage::get_in(&target.docker, &target.stores(), self.project().name(), name).await?;
        Ok(placed(got, &target))
    }

    /// Starts a region's database, then its server, each waited on until healthy.
    pub async fn region_start(
        &self,
        engine: Option<&str>,
        name: &str,
        options: &ApplyOptions,
    ) -> Result<RegionInfo, ErrorReport> {
        let target = self.region_target(engine).await?;
        let (stores, project) = (target.stores(), self.project());
        let started =
            region::manage::start_in(&target.docker, &stores, project.name(), name, options.health_timeout)
                .await?;
        Ok(placed(started, &target))
    }

    /// Stops a region's server, then its database.
    pub async fn region_stop(&self, engine: Option<&str>, name: &str) -> Result<RegionInfo, ErrorReport> {
        let target = self.region_target(engine).await?;
        let stopped =
            region::manage::stop_in(&target.docker, &target.stores(), self.project().name(), name).await?;
        Ok(placed(stopped, &target))
    }

    /// Removes a region's containers and network; with `confirmed_volumes` naming exactly its volumes, those
    /// too (their data) and its database password. Any other list is refused with `VOLUMES_UNCONFIRMED`.
    pub async fn region_remove(
        &self,
        engine: Option<&str>,
        name: &str,
        confirmed_volumes: Option<&[String]>,
    ) -> Result<RemoveReport, ErrorReport> {
        let target = self.region_target(engine).await?;
        let (stores, project) = (target.stores(), self.project());
        let (root, project_name) = (project.root(), project.name());
        Ok(region::manage::remove_in(&target.docker, &stores, root, project_name, name, confirmed_volumes)
            .await?)
    }

    /// Removes a region as the CLI's flags say: `volumes` and `yes` — every volume of the region, confirmed;
    /// `yes` alone — an interrupted region's own volumes (other volumes are kept); `volumes` alone — nothing,
    /// the refusal lists the volumes to confirm.
    pub async fn region_remove_confirming(
        &self,
        engine: Option<&str>,
        name: &str,
        volumes: bool,
        yes: bool,
    ) -> Result<RemoveReport, ErrorReport> {
        let confirmed = match (volumes, yes) {
            (false, false) => None,
            (true, false) => {
                return Err(region::confirmation_needed(&self.region_get(engine, name).await?).into())
            }
            (true, true) => Some(self.region_get(engine, name).await?.volumes),
            (false, true) => self.region_get(engine, name).await?.interrupted.map(|i| i.volumes),
        };
        self.region_remove(engine, name, confirmed.as_deref()).await
    }

    /// An existing region's plan, rebuilt from its labels and `docker inspect` (environment masked).
    pub async fn region_show(&self, engine: Option<&str>, name: &str) -> Result<RegionPlan, ErrorReport> {
        let target = self.region_target(engine).await?;
        let project = self.project();
        let (stores, policy) = (target.stores(), project.secret_policy());
        Ok(region::manage::describe_in(&target.docker, &stores, project.root(), project.name(), name, policy)
            .await?)
    }
}

/// `region` marked as on `target`'s engine.
fn placed(mut region: RegionInfo, target: &RegionTarget) -> RegionInfo {
    region.engine.clone_from(&target.name);
    region
}
