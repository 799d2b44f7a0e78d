//! The one way to gather a project's secret values for masking, and the one rule for a keychain that cannot
//! be read.
//!
//! Sources: every value in the project's keychain namespace (whatever its name or a descriptor says: anything
//! held there is a secret), the values of variables that may be secrets (the descriptor's list or the name
//! heuristics) in `.env` and the environment, and the password inside any URL in `.env` or the environment.
//! A keychain that does not exist at all (no session bus, no Secret Service) holds nothing, so the set is
//! complete with a warning; one that is locked or failing leaves the set incomplete, and text from containers
//! is then withheld (see [`super::Masker::mask_container`]).

use std::collections::BTreeSet;

use super::mask::MIN_SECRET_LEN;
use super::{Keychain, SecretsError, Sensitive};
use crate::compose::mask::url_password;
use crate::project::Project;

/// A project's secret values, gathered for masking.
#[derive(Debug, Default)]
pub struct SecretSet {
    pub values: Vec<(String, Sensitive<String>)>,
    /// Secret variables whose value is shorter than [`MIN_SECRET_LEN`]: they cannot be masked.
    pub too_short: Vec<String>,
    /// Why the keychain could not be read (it is locked or failing): the set is incomplete.
    pub unreadable: Option<String>,
    /// There is no keychain at all (no session bus, no Secret Service): the set is complete, but say so.
    pub no_keychain: Option<String>,
}

impl SecretSet {
    /// What a person should know: no keychain reachable, values too short to mask.
    pub fn warnings(&self) -> Vec<String> {
        self.no_keychain.iter().cloned().chain(self.too_short_warning()).collect()
    }

    /// The loud warning about values too short to mask (names only), if any.
    pub fn too_short_warning(&self) -> Option<String> {
        let (n, names) = (self.too_short.len(), self.too_short.join(", "));
        (n > 0).then(|| {
            let (is, it) = if n == 1 { ("is", "it") } else { ("are", "them") };
            format!(
                "{names} {is} shorter than {MIN_SECRET_LEN} characters, so Dockmaster cannot mask {it} in \
                 output: give {it} a longer value (Environment → Generate)."
            )
        })
    }
}

/// Reads the project's keychain and gathers every secret value. Blocks (keychain calls).
pub fn gather(project: &Project) -> SecretSet {
    let keychain = Keychain::open(project.root()).and_then(|k| k.all());
    gather_with(project, keychain.as_deref())
}

/// [`gather`] with the keychain's values already read (or why they could not be).
pub fn gather_with(
    project: &Project,
    keychain: Result<&[(String, Sensitive<String>)], &SecretsError>,
) -> SecretSet {
    let mut set = SecretSet::default();
    match keychain {
        Ok(values) => set.values.extend(values.iter().cloned()),
        Err(e @ (SecretsError::NoSessionBus { .. } | SecretsError::NoProvider { .. })) => {
            set.no_keychain = Some(format!(
                "No OS keychain is reachable ({}), so only the secret values in .env and the environment are \
                 masked; nothing can be stored in a keychain that is not there.",
                e.code()
            ));
        }
        Err(e) => {
            set.unreadable = Some(format!(
                "the keychain cannot be read ({}), so its secrets could not be masked; {}",
                e.code(),
                "unlock it and try again"
            ));
        }
    }
    let policy = project.secret_policy();
    let env = project.environment();
    let mut names: BTreeSet<&str> = env.env_file().entries.iter().map(|e| e.key.as_str()).collect();
    names.extend(env.process().keys().map(String::as_str));
    for name in names {
        let Some(value) = env.lookup(name).filter(|v| !v.is_empty()) else { continue };
        if policy.may_be_secret(name) {
            set.values.push((name.to_string(), Sensitive::new(value)));
        } else if let Some(password) = url_password(&value) {
            set.values.push((name.to_string(), Sensitive::new(password.to_string())));
        }
    }
    for (name, value) in &set.values {
        if value.expose().len() < MIN_SECRET_LEN && !set.too_short.contains(name) {
            set.too_short.push(name.clone());
        }
    }
    set
}

/// The secrets in a container's own environment (`NAME=value` entries, as `docker inspect` lists them):
/// values of names that may be secrets, and URL passwords. What a container can echo into its probe output
/// or logs is, first of all, what it was given; this needs no keychain (a region's containers carry their
/// database password this way).
pub fn from_env_entries<'a>(entries: impl IntoIterator<Item = &'a str>) -> SecretSet {
    let policy = crate::compose::mask::SecretPolicy::default();
    let mut set = SecretSet::default();
    for (name, value) in entries.into_iter().filter_map(|e| e.split_once('=')) {
        if value.is_empty() {
            continue;
        }
        if policy.may_be_secret(name) {
            set.values.push((name.to_string(), Sensitive::new(value.to_string())));
        } else if let Some(password) = url_password(value) {
            set.values.push((name.to_string(), Sensitive::new(password.to_string())));
        }
    }
    set
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use std::collections::HashMap;

    use super::*;
    use crate::project::OpenOptions;

    fn project(
        env_file: &str,
        descriptor: Option<&str>,
        process: &[(&str, &str)],
    ) -> (tempfile::TempDir, Project) {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("compose.yaml"), "services:\n  web:\n    image: x\n").unwrap();
        std::fs::write(dir.path().join(".env"), env_file).unwrap();
        if let Some(d) = descriptor {
            std::fs::write(dir.path().join(".dockmaster.toml"), d).unwrap();
        }
        let process_env: HashMap<String, String> =
            process.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        let p = Project::open(OpenOptions { process_env: Some(process_env), ..OpenOptions::new(dir.path()) })
            .unwrap();
        (dir, p)
    }

    fn names(set: &SecretSet) -> Vec<&str> {
        let mut n: Vec<&str> = set.values.iter().map(|(n, _)| n.as_str()).collect();
        n.sort();
        n
    }

    #[test]
    fn keychain_values_whatever_their_name_env_secrets_and_url_passwords() {
        let (_d, p) = project(
            "ADMIN_USERNAME=ana\nJWT_SECRET=jwt-secret-value\nDATABASE_URL=postgres://u:db-pass-word@h/x\n",
            None,
            &[("GH_TOKEN", "ghp_process_token"), ("HOME", "/root")],
        );
        let stored = vec![("STRIPE_SK".to_string(), Sensitive::new("sk_live_marker".to_string()))];
        let set = gather_with(&p, Ok(&stored));
        assert_eq!(names(&set), ["DATABASE_URL", "GH_TOKEN", "JWT_SECRET", "STRIPE_SK"]);
        let url = set.values.iter().find(|(n, _)| n == "DATABASE_URL").unwrap();
        assert_eq!(url.1.expose(), "db-pass-word", "only the password of a URL is a secret");
        assert!(set.unreadable.is_none() && set.warnings().is_empty());
    }

    /// A checked-in descriptor saying `secret = false` does not stop a secret-looking value being masked.
    #[test]
    fn a_descriptor_cannot_unmask_a_secret_looking_name() {
        let descriptor = "[stack]\nid = \"t\"\nname = \"T\"\n[variables.JWT_SECRET]\nsecret = false\n";
        let (_d, p) = project("JWT_SECRET=jwt-secret-value\n", Some(descriptor), &[]);
        assert!(!p.secret_policy().is_secret("JWT_SECRET"), "the descriptor applies to display");
        assert_eq!(names(&gather_with(&p, Ok(&[]))), ["JWT_SECRET"]);
    }

    #[test]
    fn a_locked_keychain_leaves_the_set_incomplete_and_a_missing_one_warns() {
        let (_d, p) = project("JWT_SECRET=jwt-secret-value\n", None, &[]);
        let locked = SecretsError::Locked { collection: "login".into() };
        let set = gather_with(&p, Err(&locked));
        assert!(set.unreadable.as_deref().unwrap().contains("KEYCHAIN_LOCKED"));
        assert_eq!(names(&set), ["JWT_SECRET"], "what is known is still masked");
        let absent = SecretsError::NoSessionBus { detail: "no bus".into() };
        let set = gather_with(&p, Err(&absent));
        assert!(set.unreadable.is_none());
        assert!(set.warnings()[0].contains("No OS keychain"), "{:?}", set.warnings());
    }

    #[test]
    fn a_containers_own_environment() {
        let set = from_env_entries([
            "REGION_DB_PASSWORD=region-db-pass",
            "DATABASE_URL=postgresql://u:url-pass-123@db:5432/x",
            "REGION_NAME=eu",
            "EMPTY_TOKEN=",
        ]);
        let got: Vec<(&str, &str)> =
            set.values.iter().map(|(n, v)| (n.as_str(), v.expose().as_str())).collect();
        assert_eq!(got, [("REGION_DB_PASSWORD", "region-db-pass"), ("DATABASE_URL", "url-pass-123")]);
    }

    #[test]
    fn values_too_short_to_mask_are_named_loudly() {
        let (_d, p) = project("REDIS_PASSWORD=dev\n", None, &[]);
        let set = gather_with(&p, Ok(&[]));
        assert_eq!(set.too_short, ["REDIS_PASSWORD"]);
        let warning = set.too_short_warning().unwrap();
        assert!(warning.contains("REDIS_PASSWORD is shorter than 6 characters"), "{warning}");
        assert!(!warning.contains("=dev"));
    }
}
