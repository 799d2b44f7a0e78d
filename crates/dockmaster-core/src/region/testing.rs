//! A region test world: the in-memory engine with the demo stack's networks, someone else's objects and
//! another region, a private keychain, lock and journal folders, and the demo project's template.

#![allow(clippy::unwrap_used)]

use std::path::PathBuf;
use std::time::Duration;

use crate::engine::ops::fake::{labels_of, region_labels, FakeEngine};
use crate::engine::ops::ImageInfo;
use crate::project::{OpenOptions, Project};
use crate::region::apply::ApplyOptions;
use crate::region::manage::Stores;
use crate::region::plan::{PlanOptions, RegionPlan, PASSWORD_VAR};
use crate::region::request::RegionRequest;
use crate::region::secret::Keychains;

pub(crate) const OWNER: &str = "3f2b8c1e-9a4d-4e7b-8c21-5d6f7a8b9c0d";
pub(crate) const IMAGE: &str = "dockmaster/demo-busybox:latest";
pub(crate) const DB: &str = "demo-region-alpha-db";
pub(crate) const SERVER: &str = "demo-region-alpha-server";
pub(crate) const KEPT: &str = "demo-region-alpha-regional_assets";

/// A fake engine with the demo stack's networks, someone else's objects and another region, a private
/// keychain, lock and journal folders.
pub(crate) struct World {
    pub fake: FakeEngine,
    pub keychains: Keychains,
    pub project: Project,
    pub dir: tempfile::TempDir,
}

impl World {
    /// `kept`: region alpha was removed before with its volumes kept (volume and password stay).
    pub(crate) fn new(kept: bool) -> World {
        let project = Project::open(OpenOptions {
            dir: PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../demo"),
            project_name: Some("demo".into()),
            process_env: Some(Default::default()),
            ..Default::default()
        })
        .unwrap();
        let fake = FakeEngine::new();
        // The image keeps data in a VOLUME (planned as a named volume per container) and carries a Compose
        // label that must not reach the region's containers.
        fake.add_image(
            IMAGE,
            ImageInfo {
                id: "sha256:0123".into(),
                labels: labels_of(&[("com.docker.compose.project", "demo"), ("maintainer", "x")]),
                volumes: vec!["/var/lib/data".into()],
            },
        );
        fake.add_network("bridge", Some("172.17.0.0/16"), labels_of(&[]));
        fake.add_network(
            "demo_nexus-network",
            Some("172.20.0.0/16"),
            labels_of(&[("com.docker.compose.project", "demo")]),
        );
        fake.add_network("demo_regional-network", Some("172.21.0.0/16"), labels_of(&[]));
        fake.add_network("someone-else", Some("10.98.0.0/24"), labels_of(&[]));
        fake.add_volume("someone-else-data", labels_of(&[]));
        fake.add_container("someone-else-web", labels_of(&[("com.docker.compose.project", "other")]));
        fake.add_network("demo-region-beta-network", Some("10.99.1.0/24"), region_labels("demo", "beta"));
        fake.add_volume("demo-region-beta-regional_assets", region_labels("demo", "beta"));
        fake.add_container("demo-region-beta-server", region_labels("demo", "beta"));
        let keychains = Keychains::in_memory();
        if kept {
            let mut labels = region_labels("demo", "alpha");
            labels.insert(crate::labels::REGION_APPLY.into(), "0000earlier0000".into());
            fake.add_volume(KEPT, labels);
            keychains.ensure_password(project.root(), "demo", "alpha").unwrap();
        }
        World { fake, keychains, project, dir: tempfile::tempdir().unwrap() }
    }

    pub(crate) async fn plan(&self) -> RegionPlan {
        let request = RegionRequest::new("alpha", OWNER);
        crate::region::prepare_in(&self.fake, &self.keychains, true, &self.project, &request, &plan_options())
            .await
            .unwrap()
    }

    pub(crate) fn options(&self) -> ApplyOptions {
        ApplyOptions {
            health_timeout: Duration::from_secs(5),
            request_timeout: Duration::from_secs(5),
            lock_dir: Some(self.dir.path().join("locks")),
            journal_dir: Some(self.journal_dir()),
            keychains: self.keychains.clone(),
        }
    }

    pub(crate) fn journal_dir(&self) -> PathBuf {
        self.dir.path().join("journals")
    }

    pub(crate) fn journals(&self) -> usize {
        std::fs::read_dir(self.journal_dir()).map(|d| d.count()).unwrap_or(0)
    }

    pub(crate) fn password(&self) -> Option<String> {
        let keychain = self.keychains.open(self.project.root(), "demo", "alpha").unwrap();
        keychain.get(PASSWORD_VAR).unwrap().map(|p| p.expose().clone())
    }

    /// Where region state outside the engine lives in this world.
    pub(crate) fn stores(&self) -> Stores {
        Stores {
            journal_dir: Some(self.journal_dir()),
            keychains: self.keychains.clone(),
            no_journals: false,
            seen_dir: Some(self.dir.path().join("seen")),
            link_host: None,
        }
    }
}

/// The tests' plan options: host ports 39100–39199, subnets from 10.99.0.0/23.
pub(crate) fn plan_options() -> PlanOptions {
    PlanOptions {
        port_first: 39_100,
        port_last: 39_199,
        subnet_pools: vec!["10.99.0.0/23".into()],
        ..Default::default()
    }
}
