//! The project's overview: its profiles (aliases folded, templates last), always-on services, default selection.

use std::collections::{HashMap, HashSet};

use super::Project;
use crate::descriptor::Descriptor;
use crate::report::{ProfileInfo, ProjectOverview, StackInfo};

impl Project {
    pub fn overview(&self) -> ProjectOverview {
        let d = self.descriptor.as_ref();
        let names = self.profile_names();
        let groups =
            ProfileGroups::new(d, &names, self.base_model.services.values().map(|s| (&s.name, &s.profiles)));
        let known: HashSet<&str> = names.iter().map(String::as_str).collect();
        let mut profiles: Vec<ProfileInfo> = Vec::new();
        for name in &names {
            if d.is_some_and(|d| d.canonical(name) != name && known.contains(d.canonical(name))) {
                continue; // shown under the profile it is an alias of
            }
            let meta = d.and_then(|d| d.profile(name));
            profiles.push(ProfileInfo {
                name: name.clone(),
                description: meta.and_then(|m| m.description.clone()),
                use_case: meta.and_then(|m| m.use_case.clone()),
                template: meta.is_some_and(|m| m.template),
                aliases: groups.aliases.get(name.as_str()).cloned().unwrap_or_default(),
                services: groups.services.get(name.as_str()).cloned().unwrap_or_default(),
                extra_files: meta.map(|m| m.extra_files.clone()).unwrap_or_default(),
            });
        }
        // Templates last: they are shown apart and never toggled.
        profiles.sort_by_key(|p| p.template);
        ProjectOverview {
            root: self.root.display().to_string(),
            name: self.name.clone(),
            compose_files: self.base_files.iter().map(|f| self.relative(f)).collect(),
            env_file: self.env.env_file().path.as_deref().map(|p| self.relative(p)),
            stack: d.map(|d| StackInfo {
                id: d.stack.id.clone(),
                name: d.stack.name.clone(),
                origin: d.origin.clone(),
            }),
            profiles,
            default_selection: self.default_selection(),
            always_on: self
                .base_model
                .services
                .values()
                .filter(|s| s.profiles.is_empty())
                .map(|s| s.name.clone())
                .collect(),
        }
    }

    /// `COMPOSE_PROFILES` when set, else the descriptor's default profiles that exist in the files.
    pub fn default_selection(&self) -> Vec<String> {
        if let Some(list) = self.env.lookup("COMPOSE_PROFILES").filter(|v| !v.trim().is_empty()) {
            return list.split(',').map(str::trim).filter(|p| !p.is_empty()).map(String::from).collect();
        }
        let names = self.profile_names();
        let known: HashSet<&str> = names.iter().map(String::as_str).collect();
        self.descriptor
            .as_ref()
            .map(|d| d.default_profiles.iter().filter(|p| known.contains(p.as_str())).cloned().collect())
            .unwrap_or_default()
    }
}

/// Each profile's aliases and services, built in one pass over the profiles and one over the services.
struct ProfileGroups<'a> {
    /// Canonical profile → the other profile names that are aliases of it, in profile order.
    aliases: HashMap<&'a str, Vec<String>>,
    /// Profile → the services that list it or one of its aliases, in service order, each once.
    services: HashMap<&'a str, Vec<String>>,
}

impl<'a> ProfileGroups<'a> {
    fn new(
        d: Option<&'a Descriptor>,
        names: &'a [String],
        services: impl Iterator<Item = (&'a String, &'a Vec<String>)>,
    ) -> Self {
        let canonical = |p: &'a str| -> &'a str { d.map_or(p, |d| d.canonical(p)) };
        let mut aliases: HashMap<&'a str, Vec<String>> = HashMap::new();
        for name in names {
            let c = canonical(name);
            if c != name {
                aliases.entry(c).or_default().push(name.clone());
            }
        }
        let mut by_profile: HashMap<&'a str, Vec<String>> = HashMap::new();
        for (service, profiles) in services {
            // A service counts for each profile it lists and for the profile that one is an alias of.
            let groups: HashSet<&'a str> = profiles.iter().flat_map(|p| [p.as_str(), canonical(p)]).collect();
            for group in groups {
                by_profile.entry(group).or_default().push(service.clone());
            }
        }
        ProfileGroups { aliases, services: by_profile }
    }
}
