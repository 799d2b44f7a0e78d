//! Stack descriptors: what a Compose file cannot say (profile descriptions, templates, per-profile
//! override files, variable groups and rules), as data. Built-in ones are picked by the services a
//! project defines; a project's own `.dockmaster.toml` wins over them.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;

use crate::error::{CoreError, Result};
use crate::fsutil;

/// The file name of a project's own descriptor, next to its compose file.
pub const PROJECT_DESCRIPTOR: &str = ".dockmaster.toml";

/// Built-in descriptors: (origin name, TOML text).
const BUILT_IN: &[(&str, &str)] = &[("sectorwars2102.toml", include_str!("../stacks/sectorwars2102.toml"))];

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Descriptor {
    pub stack: StackMeta,
    #[serde(default)]
    pub detect: Detect,
    /// Profiles selected when the user has not chosen (and `COMPOSE_PROFILES` is unset).
    #[serde(default)]
    pub default_profiles: Vec<String>,
    #[serde(default)]
    pub profiles: BTreeMap<String, ProfileMeta>,
    #[serde(default)]
    pub variable_groups: Vec<VariableGroup>,
    #[serde(default)]
    pub variables: BTreeMap<String, VariableRule>,
    /// The named volumes by purpose (dev persistence, multi-regional, monitoring), in the order shown: keys
    /// under the Compose files' `volumes:`. A volume no group names is shown under [`OTHER_VOLUMES`].
    #[serde(default)]
    pub volume_groups: Vec<VolumeGroup>,
    /// Database and cache clients per service kind, with where their credentials come from.
    #[serde(default)]
    pub clients: BTreeMap<String, crate::tools::clients::ClientSpec>,
    /// Origin of the descriptor (`built-in: …` or a path); filled in when loaded.
    #[serde(skip)]
    pub origin: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StackMeta {
    pub id: String,
    pub name: String,
}

/// A built-in descriptor applies when the project defines all of these services.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Detect {
    #[serde(default)]
    pub services: Vec<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProfileMeta {
    pub description: Option<String>,
    pub use_case: Option<String>,
    /// Cloned by the stack, never started directly.
    #[serde(default)]
    pub template: bool,
    /// This profile is another name for that one (same services); shown as an alias, not a chip.
    pub alias_of: Option<String>,
    /// Compose files merged over the base files when this profile is selected.
    #[serde(default)]
    pub extra_files: Vec<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VariableGroup {
    pub name: String,
    pub variables: Vec<String>,
}

/// Volumes that serve one purpose.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VolumeGroup {
    pub name: String,
    pub description: Option<String>,
    /// Keys under the Compose files' `volumes:`.
    pub volumes: Vec<String>,
}

/// The group of the volumes no descriptor group names (reserved: a descriptor cannot name a group so).
pub const OTHER_VOLUMES: &str = "other";

/// What the stack requires of one variable (validated by the environment page and preflight).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VariableRule {
    pub description: Option<String>,
    pub secret: Option<bool>,
    #[serde(default)]
    pub required: bool,
    pub min_length: Option<u32>,
    /// A named format: `postgres-url`, `fernet-key`, `port`, `bool`, `url`.
    pub format: Option<String>,
    /// Must be set together with this other variable (both or neither).
    pub paired_with: Option<String>,
    /// How to generate a value: `random:N` or `fernet-key`.
    pub generate: Option<String>,
    /// Warn when this literal value is in use under the `production` profile.
    pub insecure_default: Option<String>,
    /// A value that works out of the box for a required non-secret variable (`ADMIN_USERNAME = "admin"`):
    /// "Fix and start" writes it to `.env` when the variable is unset. Never on a secret (refused when parsed).
    pub suggested: Option<String>,
}

impl Descriptor {
    pub fn parse(text: &str, origin: &str) -> Result<Self> {
        let mut d: Descriptor = toml::from_str(text).map_err(|e| CoreError::DescriptorInvalid {
            origin: origin.to_string(),
            message: e.to_string(),
        })?;
        d.origin = origin.to_string();
        d.check_suggestions()?;
        d.check_volume_groups()?;
        if let Some(message) = crate::tools::clients::problem(&d.clients) {
            return Err(CoreError::DescriptorInvalid { origin: origin.to_string(), message });
        }
        for (name, p) in &d.profiles {
            if let Some(target) = &p.alias_of {
                if !d.profiles.contains_key(target) {
                    return Err(CoreError::DescriptorInvalid {
                        origin: origin.to_string(),
                        message: format!(
                            "profile `{name}` is an alias of `{target}`, which is not described"
                        ),
                    });
                }
            }
        }
        Ok(d)
    }

    /// Every group has a name other than `other`, names differ, and no volume is in two groups.
    fn check_volume_groups(&self) -> Result<()> {
        let invalid = |message: String| CoreError::DescriptorInvalid { origin: self.origin.clone(), message };
        let mut seen: BTreeMap<&str, &str> = BTreeMap::new();
        let mut names = std::collections::BTreeSet::new();
        for g in &self.volume_groups {
            let name = g.name.trim();
            if name.is_empty() || name.eq_ignore_ascii_case(OTHER_VOLUMES) {
                return Err(invalid(format!(
                    "a volume group is named `{}`: give it a name other than empty or `{OTHER_VOLUMES}` (the \
                     volumes no group names are shown under `{OTHER_VOLUMES}`)",
                    g.name
                )));
            }
            if !names.insert(name) {
                return Err(invalid(format!(
                    "two volume groups are named `{name}`: merge them or rename one"
                )));
            }
            for v in &g.volumes {
                if let Some(first) = seen.insert(v, name) {
                    return Err(invalid(format!(
                        "volume `{v}` is in the volume groups `{first}` and `{name}`: keep it in one"
                    )));
                }
            }
        }
        Ok(())
    }

    /// A suggested value is written to `.env` in plaintext: only a variable that cannot be a secret (not marked
    /// secret, no secret-looking name) may have one, and it must pass the variable's own rule.
    fn check_suggestions(&self) -> Result<()> {
        let heuristics = crate::compose::mask::SecretPolicy::default();
        for (name, rule) in &self.variables {
            let Some(value) = &rule.suggested else { continue };
            let why = if rule.secret == Some(true) || heuristics.may_be_secret(name) {
                Some("it is (or may be) a secret, and a suggested value is written to .env in plaintext: give it \
                      `generate` instead"
                    .to_string())
            } else if rule.generate.is_some() {
                Some("it also has `generate`: keep one of the two".to_string())
            } else {
                let none = |_: &str| None;
                let cx = crate::secrets::rules::Context { production: false, lookup: &none };
                crate::secrets::rules::check(name, Some(rule), Some(value), &cx)
                    .into_iter()
                    .find(|f| f.level == crate::secrets::rules::Level::Error)
                    .map(|f| format!("the suggested value breaks its own rule: {}", f.message))
            };
            if let Some(why) = why {
                return Err(CoreError::DescriptorInvalid {
                    origin: self.origin.clone(),
                    message: format!("variable `{name}` has `suggested`, but {why}"),
                });
            }
        }
        Ok(())
    }

    /// The descriptor for a project: its own `.dockmaster.toml` if present, else the first built-in one
    /// whose detected services all exist in the project.
    pub fn for_project(root: &Path, services: &[String]) -> Result<Option<Self>> {
        let own = root.join(PROJECT_DESCRIPTOR);
        // Anything there (a FIFO, a symlink to a huge file) is read, or refused with why; only absence is
        // "no descriptor".
        if own.exists() {
            let text = fsutil::read_text(&own, fsutil::DESCRIPTOR).map_err(|e| CoreError::read(&own, e))?;
            let d = Self::parse(&text, &own.display().to_string())?;
            d.check_extra_files_inside(root)?;
            return Ok(Some(d));
        }
        for (name, text) in BUILT_IN {
            let d = Self::parse(text, &format!("built-in {name}"))?;
            if !d.detect.services.is_empty() && d.detect.services.iter().all(|s| services.contains(s)) {
                return Ok(Some(d));
            }
        }
        Ok(None)
    }

    /// Every extra Compose file must lie inside the project (they are handed to Compose): a relative path
    /// without `..`, whose target — symlinks followed — is under the project's root.
    fn check_extra_files_inside(&self, root: &Path) -> Result<()> {
        let canonical_root = std::fs::canonicalize(root).unwrap_or_else(|_| root.to_path_buf());
        for (profile, meta) in &self.profiles {
            for file in &meta.extra_files {
                let path = Path::new(file);
                let lexical_escape = path.is_absolute()
                    || path.components().any(|c| {
                        matches!(c, std::path::Component::ParentDir | std::path::Component::Prefix(_))
                    });
                let resolved = std::fs::canonicalize(root.join(path)).ok();
                let escapes =
                    lexical_escape || resolved.as_ref().is_some_and(|r| !r.starts_with(&canonical_root));
                if escapes {
                    return Err(CoreError::DescriptorInvalid {
                        origin: self.origin.clone(),
                        message: format!(
                            "profile `{profile}` names the extra Compose file `{file}`, which is outside the \
                             project folder{}. Extra files must be paths inside the project (no `..`, no absolute \
                             path, no symlink out of it): fix the descriptor",
                            resolved.map(|r| format!(" (it resolves to {})", r.display())).unwrap_or_default()
                        ),
                    });
                }
            }
        }
        Ok(())
    }

    /// The canonical profile for a name (`default` → `development` when it is an alias).
    pub fn canonical<'a>(&'a self, profile: &'a str) -> &'a str {
        self.profiles.get(profile).and_then(|p| p.alias_of.as_deref()).unwrap_or(profile)
    }

    pub fn profile(&self, name: &str) -> Option<&ProfileMeta> {
        self.profiles.get(self.canonical(name))
    }

    pub fn explicit_secrets(&self) -> (Vec<String>, Vec<String>) {
        let mut secret = Vec::new();
        let mut not_secret = Vec::new();
        for (name, rule) in &self.variables {
            match rule.secret {
                Some(true) => secret.push(name.clone()),
                Some(false) => not_secret.push(name.clone()),
                None => {}
            }
        }
        (secret, not_secret)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Issue 14, finding 13: descriptor `extra_files` could point outside the project (`../../../etc/passwd`
    /// was passed to Compose).
    #[test]
    fn extra_files_outside_the_project_are_refused() {
        let dir = tempfile::tempdir().expect("tmp");
        let outside = tempfile::tempdir().expect("tmp");
        std::fs::write(outside.path().join("evil.yml"), "services: {}\n").expect("write");
        #[cfg(unix)]
        std::os::unix::fs::symlink(outside.path().join("evil.yml"), dir.path().join("link.yml"))
            .expect("link");
        std::fs::write(dir.path().join("inside.yml"), "services: {}\n").expect("write");
        let descriptor = |file: &str| {
            format!("[stack]\nid = \"t\"\nname = \"T\"\n[profiles.dev]\nextra_files = [\"{file}\"]\n")
        };
        let mut cases = vec!["../../../etc/passwd", "/etc/passwd", "sub/../../x.yml"];
        if cfg!(unix) {
            cases.push("link.yml");
        }
        for file in cases {
            std::fs::write(dir.path().join(PROJECT_DESCRIPTOR), descriptor(file)).expect("write");
            let err = Descriptor::for_project(dir.path(), &[]).expect_err(file);
            assert!(
                matches!(&err, CoreError::DescriptorInvalid { message, .. } if message.contains("outside the project")),
                "{file}: {err}"
            );
        }
        for file in ["inside.yml", "not-there-yet.yml", "sub/dir/x.yml"] {
            std::fs::write(dir.path().join(PROJECT_DESCRIPTOR), descriptor(file)).expect("write");
            assert!(Descriptor::for_project(dir.path(), &[]).expect(file).is_some(), "{file}");
        }
    }

    #[test]
    fn built_in_descriptors_parse() {
        for (name, text) in BUILT_IN {
            let d = Descriptor::parse(text, name).expect("valid");
            assert!(!d.detect.services.is_empty(), "{name} must say how it is detected");
        }
    }

    #[test]
    fn sectorwars_is_detected_by_its_services() {
        let services: Vec<String> =
            ["database", "gameserver", "region-manager", "regional-server-template", "regional-db-template"]
                .map(String::from)
                .to_vec();
        let d = Descriptor::for_project(Path::new("/nonexistent"), &services).expect("ok").expect("found");
        assert_eq!(d.stack.id, "sectorwars2102");
        assert_eq!(d.canonical("default"), "development");
        assert!(d.profile("regional-template").expect("described").template);
        assert_eq!(d.profile("default").expect("alias").extra_files, ["docker-compose.dev.yml"]);
        let psql =
            crate::tools::clients::client_for(&d.clients, "database", None).expect("a database client");
        assert_eq!(
            (psql.0, psql.1.env.get("PGPASSWORD").map(String::as_str)),
            ("psql", Some("POSTGRES_PASSWORD"))
        );
        let redis =
            crate::tools::clients::client_for(&d.clients, "redis-nexus", None).expect("a cache client");
        assert_eq!(redis.1.env.get("REDISCLI_AUTH").map(String::as_str), Some("REDIS_PASSWORD"));
        assert!(Descriptor::for_project(Path::new("/nonexistent"), &["web".into()]).expect("ok").is_none());
    }

    #[test]
    fn invalid_descriptors_are_rejected_with_origin() {
        let err =
            Descriptor::parse("[stack]\nid='x'\nname='x'\nbogus=1\n", "mine.toml").expect_err("unknown");
        assert!(err.to_string().starts_with("stack descriptor mine.toml:"), "{err}");
        let err = Descriptor::parse("[stack]\nid='x'\nname='x'\n[profiles.a]\nalias_of='b'\n", "m")
            .expect_err("alias");
        assert!(err.to_string().contains("alias of `b`"), "{err}");
    }

    #[test]
    fn volume_groups_are_checked() {
        let built_in = Descriptor::parse(BUILT_IN[0].1, "sw").expect("valid");
        let names: Vec<&str> = built_in.volume_groups.iter().map(|g| g.name.as_str()).collect();
        assert_eq!(names, ["dev persistence", "multi-regional", "monitoring"]);
        let head = "[stack]\nid='x'\nname='x'\n";
        let group =
            |name: &str, volumes: &str| format!("[[volume_groups]]\nname='{name}'\nvolumes=[{volumes}]\n");
        let err = Descriptor::parse(&format!("{head}{}{}", group("a", "'v'"), group("b", "'w','v'")), "m")
            .expect_err("twice");
        assert!(err.to_string().contains("volume `v` is in the volume groups `a` and `b`"), "{err}");
        let err = Descriptor::parse(&format!("{head}{}", group("Other", "'v'")), "m").expect_err("reserved");
        assert!(err.to_string().contains("a volume group is named `Other`"), "{err}");
        let err = Descriptor::parse(&format!("{head}{}{}", group("a", "'v'"), group("a", "'w'")), "m")
            .expect_err("same name");
        assert!(err.to_string().contains("two volume groups are named `a`"), "{err}");
    }

    #[test]
    fn suggested_values_are_only_for_plain_variables() {
        let built_in = Descriptor::parse(BUILT_IN[0].1, "sw").expect("valid");
        assert_eq!(built_in.variables["ADMIN_USERNAME"].suggested.as_deref(), Some("admin"));
        let head = "[stack]\nid='x'\nname='x'\n";
        Descriptor::parse(
            &format!("{head}[variables.ADMIN_USERNAME]\nrequired=true\nsuggested='admin'\n"),
            "m",
        )
        .expect("a plain variable may have one");
        for (rule, why) in [
            ("[variables.ADMIN_USERNAME]\nsecret=true\nsuggested='admin'\n", "secret"),
            ("[variables.DB_PASSWORD]\nsecret=false\nsuggested='hunter22'\n", "secret"),
            ("[variables.ADMIN_USERNAME]\ngenerate='random:16'\nsuggested='admin'\n", "keep one"),
            ("[variables.API_PORT]\nformat='port'\nsuggested='seventy'\n", "its own rule"),
        ] {
            let err = Descriptor::parse(&format!("{head}{rule}"), "m").expect_err(rule);
            assert!(
                err.to_string().contains("`suggested`") && err.to_string().contains(why),
                "{rule}: {err}"
            );
        }
    }
}
