//! Which services a project defines and which the profile selection starts, for the store's `desired` flag.

use std::collections::BTreeSet;

use super::store::ServiceSelection;
use crate::error::Result;
use crate::project::Project;

impl ServiceSelection {
    /// Every service of the Compose files (all profiles active), and those `profiles` starts. Reads only the
    /// merged model: no report views or warnings are built for this.
    pub fn for_project(project: &Project, profiles: &[String]) -> Result<ServiceSelection> {
        let defined = project.resolve(&project.profile_names())?.model.services.keys().cloned().collect();
        let desired = project
            .resolve(profiles)?
            .model
            .services
            .values()
            .filter(|s| s.is_active(profiles))
            .map(|s| s.name.clone())
            .collect::<BTreeSet<_>>();
        Ok(ServiceSelection { defined, desired })
    }
}
