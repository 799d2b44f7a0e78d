//! Which services a project defines and which the profile selection starts, for the store's `desired` flag.

use std::collections::BTreeSet;

use super::store::ServiceSelection;
use crate::error::Result;
use crate::project::Project;

impl ServiceSelection {
    /// Every service of the Compose files (all profiles active), and those `profiles` starts.
    pub fn for_project(project: &Project, profiles: &[String]) -> Result<ServiceSelection> {
        let all = project.report(&project.profile_names())?;
        let chosen = project.report(profiles)?;
        Ok(ServiceSelection {
            defined: all.services.into_iter().map(|s| s.name).collect(),
            desired: chosen.services.into_iter().map(|s| s.name).collect::<BTreeSet<_>>(),
        })
    }
}
