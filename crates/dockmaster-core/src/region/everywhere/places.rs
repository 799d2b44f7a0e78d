//! Where a new region can go (the wizard's "Where" step): each known engine, whether it answers, and whether
//! the stack's networks the regional template joins exist there (a region joins them) or which are missing
//! (start the stack there first, or make it a standalone region: only a network of its own, joining none of
//! the stack's — `PlanOptions::standalone`).

use std::future::Future;
use std::time::Duration;

use serde::Serialize;

use super::Place;
use crate::engine::ops::{EngineOps, LabelFilter};
use crate::region::manage::Reach;
use crate::region::template::TemplateNetwork;

/// One engine as a place for a new region.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct RegionPlace {
    pub engine: String,
    /// Its endpoint (`unix://…`, `tcp://…`, `ssh://…`).
    pub host: String,
    /// The project's own engine.
    pub current: bool,
    pub reach: Reach,
    /// A region can be created there now: it answers and every network the template joins exists.
    pub ready: bool,
    /// The stack's networks the template joins that are missing there (engine names).
    pub missing_networks: Vec<String>,
    /// What applies there, in one sentence (why not, with what to do).
    pub note: String,
}

/// Each engine of `places` as a place for a new region of `project`, asked at the same time (each within
/// `bound`).
pub(crate) async fn places_in<E, F, Fut>(
    places: &[Place],
    connect: F,
    networks: &[TemplateNetwork],
    project: &str,
    bound: Duration,
) -> Vec<RegionPlace>
where
    E: EngineOps,
    F: Fn(&str) -> Fut,
    Fut: Future<Output = Result<E, String>>,
{
    let asked = places.iter().map(|place| {
        let connect = &connect;
        async move {
            let names = async {
                let engine = connect(&place.name).await?;
                let listed = engine.list_networks(&LabelFilter::all()).await.map_err(|e| e.to_string())?;
                Ok::<_, String>(listed.into_iter().map(|n| n.name).collect::<Vec<_>>())
            };
            let names = tokio::time::timeout(bound, names)
                .await
                .unwrap_or_else(|_| Err(format!("it did not answer within {} s", bound.as_secs())));
            place_of(place, names, networks, project)
        }
    });
    futures_util::future::join_all(asked).await
}

fn place_of(
    place: &Place,
    names: Result<Vec<String>, String>,
    networks: &[TemplateNetwork],
    project: &str,
) -> RegionPlace {
    let (reach, missing, note) = match names {
        Err(reason) => (Reach::Unknown, Vec::new(), format!("It cannot be reached now: {reason}")),
        Ok(names) => {
            let missing: Vec<String> = networks
                .iter()
                .filter(|n| !names.contains(&n.engine_name))
                .map(|n| n.engine_name.clone())
                .collect();
            let note = if missing.is_empty() {
                let joined: Vec<&str> = networks.iter().map(|n| n.engine_name.as_str()).collect();
                format!("The stack's networks are there ({}): the region joins them.", joined.join(", "))
            } else {
                let profile = networks
                    .iter()
                    .filter(|n| missing.contains(&n.engine_name))
                    .find_map(|n| n.created_by.first().cloned())
                    .unwrap_or_else(|| "multi-regional".into());
                format!(
                    "The stack's networks are not there (missing {}): start the stack on it first \
                     (`dockmaster --engine {} -p {project} up --profile {profile}`), or make it a standalone region \
                     there, with only a network of its own (`region create … --standalone`): the stack's services \
                     are not reachable from it.",
                    missing.join(", "),
                    place.name
                )
            };
            (Reach::Live, missing, note)
        }
    };
    RegionPlace {
        engine: place.name.clone(),
        host: place.host.clone(),
        current: place.home,
        reach,
        ready: reach == Reach::Live && missing.is_empty(),
        missing_networks: missing,
        note,
    }
}
