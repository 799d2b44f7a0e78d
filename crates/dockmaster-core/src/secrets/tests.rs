//! Catalog, import and child-environment tests over an in-memory keychain (the real one: tests/keychain).

use std::path::Path;

use super::catalog::{VariableSource, VariableStatus};
use super::*;
use crate::project::OpenOptions;

const COMPOSE: &str = r#"
services:
  api:
    image: busybox
    environment:
      JWT_SECRET: ${JWT_SECRET}
      DATABASE_URL: ${DATABASE_URL:?set DATABASE_URL}
      DEBUG: ${DEBUG:-false}
      REDIS_PASSWORD: ${REDIS_PASSWORD:-dev_only_not_for_production}
    ports: ["${API_PORT:-8080}:80"]
  worker:
    image: busybox
    profiles: [production]
    environment: [ "TOKEN=${WORKER_TOKEN}" ]
"#;

const DESCRIPTOR: &str = r#"
[stack]
id = "t"
name = "T"
[[variable_groups]]
name = "Required"
variables = ["DATABASE_URL", "JWT_SECRET", "ADMIN_USERNAME"]
[variables.JWT_SECRET]
secret = true
required = true
min_length = 32
generate = "random:48"
[variables.DATABASE_URL]
secret = true
required = true
format = "postgres-url"
[variables.ADMIN_USERNAME]
required = true
[variables.REDIS_PASSWORD]
secret = true
insecure_default = "dev_only_not_for_production"
[variables.API_PORT]
format = "port"
"#;

const ENV: &str = "# Project settings\r\n\r\n# signing key\r\nJWT_SECRET=short-jwt\r\nexport DATABASE_URL=\"postgresql://u:pw@db/x\" # db\r\nAPI_PORT=70000\r\nDEBUG=true\r\n";

fn project(dir: &Path, env: &str) -> Project {
    std::fs::write(dir.join("compose.yaml"), COMPOSE).expect("compose");
    std::fs::write(dir.join(".dockmaster.toml"), DESCRIPTOR).expect("descriptor");
    std::fs::write(dir.join(".env"), env).expect(".env");
    Project::open(OpenOptions { process_env: Some(Default::default()), ..OpenOptions::new(dir) })
        .expect("open")
}

fn mock(project: &Project) -> Keychain {
    Keychain::mock_for(project.root())
}

#[test]
fn catalog_groups_sources_and_validation_without_secret_values() {
    let dir = tempfile::tempdir().expect("tmp");
    let p = project(dir.path(), ENV);
    let k = mock(&p);
    k.set("WORKER_TOKEN", &Sensitive::new("tok-from-keychain".into())).expect("set");
    let c = catalog::build(&p, &["production".to_string()], Ok(&k)).expect("catalog");
    let groups: Vec<&str> = c.groups.iter().map(|g| g.name.as_str()).collect();
    assert_eq!(groups, ["Required", "Other"]);
    let v = |n: &str| c.variable(n).unwrap_or_else(|| panic!("{n} catalogued"));
    assert_eq!(v("JWT_SECRET").source, VariableSource::EnvFile);
    assert_eq!(v("JWT_SECRET").status, VariableStatus::Error);
    assert_eq!(v("JWT_SECRET").used_by, ["api"]);
    assert_eq!(v("ADMIN_USERNAME").source, VariableSource::Unset);
    assert_eq!(v("ADMIN_USERNAME").findings[0].rule, rules::RuleKind::Required);
    assert_eq!(v("WORKER_TOKEN").source, VariableSource::Keychain);
    assert!(v("WORKER_TOKEN").secret && v("WORKER_TOKEN").used_by_selection);
    assert_eq!(v("REDIS_PASSWORD").source, VariableSource::ComposeDefault);
    assert_eq!(v("REDIS_PASSWORD").findings[0].rule, rules::RuleKind::InsecureDefault);
    assert_eq!(v("DEBUG").findings[0].rule, rules::RuleKind::DebugInProduction);
    assert_eq!(v("API_PORT").findings[0].rule, rules::RuleKind::Format);
    assert_eq!(v("API_PORT").value.as_deref(), Some("70000"));
    assert!(v("DATABASE_URL").required && v("DATABASE_URL").value.is_none());
    let json = serde_json::to_string(&c).expect("json");
    for secret in ["short-jwt", "pw@db", "tok-from-keychain", "dev_only_not_for_production\","] {
        assert!(!json.contains(secret), "catalog JSON leaks `{secret}`");
    }
}

#[test]
fn a_locked_keychain_is_unknown_not_unset() {
    let dir = tempfile::tempdir().expect("tmp");
    let p = project(dir.path(), "JWT_SECRET=\nADMIN_USERNAME=admin\n");
    let locked = SecretsError::Locked { collection: "Login".into() };
    let c = catalog::build(&p, &[], Err(&locked)).expect("catalog");
    assert!(!c.keychain.available);
    assert_eq!(c.keychain.code, Some(crate::ErrorCode::KeychainLocked));
    let jwt = c.variable("JWT_SECRET").expect("jwt");
    assert_eq!((jwt.source, jwt.status), (VariableSource::Unknown, VariableStatus::Unknown));
    assert!(jwt.findings.is_empty(), "a locked keychain is not `not set`");
}

#[test]
fn import_moves_secrets_blanks_them_and_keeps_everything_else() {
    let dir = tempfile::tempdir().expect("tmp");
    let p = project(dir.path(), ENV);
    let k = mock(&p);
    let report = import(&p, &k).expect("import");
    assert_eq!(report.moved, ["JWT_SECRET", "DATABASE_URL"]);
    assert_eq!(k.get("JWT_SECRET").expect("get").expect("some").expose(), "short-jwt");
    assert_eq!(k.get("DATABASE_URL").expect("get").expect("some").expose(), "postgresql://u:pw@db/x");
    let text = std::fs::read_to_string(dir.path().join(".env")).expect("read");
    assert!(!text.contains("short-jwt") && !text.contains("pw@db"), "{text}");
    let want = format!(
        "# Project settings\r\n\r\n# signing key\r\n# {}\r\nJWT_SECRET=\r\n# {}\r\nexport DATABASE_URL=\"\" # db\r\nAPI_PORT=70000\r\nDEBUG=true\r\n",
        keychain_note("JWT_SECRET"),
        keychain_note("DATABASE_URL")
    );
    assert_eq!(text, want);
    // The child environment gets them from the keychain.
    let env: Vec<(String, String)> =
        child_env_from(&k).expect("env").into_iter().map(|(n, v)| (n, v.expose().clone())).collect();
    assert!(env.contains(&("JWT_SECRET".to_string(), "short-jwt".to_string())));
}

#[test]
fn import_leaves_env_untouched_when_the_keychain_fails_or_the_file_changed() {
    let dir = tempfile::tempdir().expect("tmp");
    let p = project(dir.path(), ENV);
    let store = keyring_core::mock::Store::new().expect("mock");
    let k = Keychain::with_store(store.clone(), keychain::service_for(p.root()));
    // The second secret's write fails.
    let entry = keyring_core::Entry::new_in_store(
        &(store.clone() as std::sync::Arc<keyring_core::CredentialStore>),
        k.service(),
        "DATABASE_URL",
    )
    .expect("entry");
    let cred: &keyring_core::mock::Cred = entry.as_any().downcast_ref().expect("mock cred");
    cred.set_error(keyring_core::Error::PlatformFailure("disk on fire".into()));
    let err = import(&p, &k).expect_err("fails");
    assert!(err.to_string().contains("disk on fire"), "{err}");
    assert_eq!(std::fs::read_to_string(dir.path().join(".env")).expect("read"), ENV);
    // The file changes after the project read it: conflict, nothing written.
    std::fs::write(dir.path().join(".env"), format!("{ENV}NEW=1\r\n")).expect("write");
    let err = import(&p, &k).expect_err("conflict");
    assert_eq!(err.code(), crate::ErrorCode::EnvFileConflict);
    assert_eq!(std::fs::read_to_string(dir.path().join(".env")).expect("read"), format!("{ENV}NEW=1\r\n"));
}

#[test]
fn import_never_overwrites_a_different_keychain_value() {
    let dir = tempfile::tempdir().expect("tmp");
    let p = project(dir.path(), ENV);
    let k = mock(&p);
    k.set("JWT_SECRET", &Sensitive::new("the-keychain-one".into())).expect("set");
    let report = import(&p, &k).expect("import");
    assert_eq!(report.conflicts, ["JWT_SECRET"]);
    assert_eq!(k.get("JWT_SECRET").expect("get").expect("some").expose(), "the-keychain-one");
    assert!(std::fs::read_to_string(dir.path().join(".env")).expect("read").contains("JWT_SECRET=short-jwt"));
}

#[test]
fn store_validates_and_generate_follows_the_rule() {
    let dir = tempfile::tempdir().expect("tmp");
    let p = project(dir.path(), "");
    let k = mock(&p);
    let err = store(&p, &k, "JWT_SECRET", &Sensitive::new("too-short-value".into())).expect_err("short");
    assert!(
        matches!(err, SecretsError::Invalid { .. }) && !err.to_string().contains("too-short-value"),
        "{err}"
    );
    assert!(k.get("JWT_SECRET").expect("get").is_none());
    assert_eq!(generate_and_store(&p, &k, "JWT_SECRET").expect("generate"), 48);
    assert_eq!(k.get("JWT_SECRET").expect("get").expect("some").expose().len(), 48);
}

#[test]
fn variables_held_in_the_keychain_are_not_reported_unset() {
    let dir = tempfile::tempdir().expect("tmp");
    let p = project(dir.path(), "ADMIN_USERNAME=admin\n");
    let profiles = ["production".to_string()];
    let unset = |held: &[String]| {
        let report = p.report_with_keychain(&profiles, held).expect("report");
        let of = |code| -> Vec<String> {
            report.warnings.iter().filter(|w| w.code == code).flat_map(|w| w.variables.clone()).collect()
        };
        (of(crate::WarningCode::UnsetVariable), of(crate::WarningCode::RequiredVariableUnset))
    };
    let (plain, required) = unset(&[]);
    assert_eq!(plain, ["JWT_SECRET", "WORKER_TOKEN"]);
    assert_eq!(required, ["DATABASE_URL"]);

    let k = mock(&p);
    for name in ["JWT_SECRET", "DATABASE_URL"] {
        k.set(name, &Sensitive::new("from-keychain-0123456789-0123456789".into())).expect("set");
    }
    let held = held_names(Ok(k));
    assert_eq!(unset(&held), (vec!["WORKER_TOKEN".to_string()], vec![]));
    let mut all = held.clone();
    all.push("WORKER_TOKEN".into());
    let report = p.report_with_keychain(&profiles, &all).expect("report");
    assert!(
        !report.warnings.iter().any(|w| w.code == crate::WarningCode::UnsetVariable),
        "{:?}",
        report.warnings
    );

    // A keychain that cannot be read counts nothing as held: the warnings stay, and the report still works.
    let locked = held_names(Err(SecretsError::Locked { collection: "Login".into() }));
    assert!(locked.is_empty());
    assert_eq!(unset(&locked), (plain, required));
}

/// Issue 14, finding 4: a descriptor marking `DOCKER_HOST` secret plus `secret import` sent Compose (and every
/// secret in its create requests) to a listener of the attacker's choice. Reserved names are refused.
#[test]
fn reserved_names_are_never_stored_or_imported() {
    let dir = tempfile::tempdir().expect("tmp");
    let descriptor = format!(
        "{DESCRIPTOR}[variables.DOCKER_HOST]\nsecret = true\n[variables.LD_PRELOAD]\nsecret = true\n"
    );
    std::fs::write(dir.path().join("compose.yaml"), COMPOSE).expect("compose");
    std::fs::write(dir.path().join(".dockmaster.toml"), descriptor).expect("descriptor");
    let env = "DOCKER_HOST=tcp://evil.example:2375\nLD_PRELOAD=/tmp/evil.so\nJWT_SECRET=a-long-enough-jwt\n";
    std::fs::write(dir.path().join(".env"), env).expect(".env");
    let p =
        Project::open(OpenOptions { process_env: Some(Default::default()), ..OpenOptions::new(dir.path()) })
            .expect("open");
    let k = mock(&p);
    let report = import(&p, &k).expect("import");
    assert_eq!(report.moved, ["JWT_SECRET"]);
    assert_eq!(report.reserved, ["DOCKER_HOST", "LD_PRELOAD"]);
    assert_eq!(k.get("DOCKER_HOST").expect("get"), None);
    let text = std::fs::read_to_string(dir.path().join(".env")).expect("read");
    assert!(text.contains("DOCKER_HOST=tcp://evil.example:2375"), "a refused line stays as it was: {text}");
    for name in [
        "DOCKER_HOST",
        "docker_host",
        "COMPOSE_FILE",
        "PATH",
        "HOME",
        "LD_PRELOAD",
        "DYLD_INSERT_LIBRARIES",
        "XDG_RUNTIME_DIR",
    ] {
        let err = k.set(name, &Sensitive::new("tcp://evil.example:2375".into())).expect_err(name);
        assert_eq!(err.code(), crate::ErrorCode::ReservedName, "{name}");
    }
    for name in ["DOCKERFILE_TOKEN", "MY_DOCKER_HOST", "HOMEPAGE_KEY"] {
        k.set(name, &Sensitive::new("fine-value".into())).expect(name);
    }
}

/// Issue 14, finding 3: values under the masking minimum were skipped silently; now they are refused.
#[test]
fn values_too_short_to_mask_are_refused_and_left_in_env_by_import() {
    let dir = tempfile::tempdir().expect("tmp");
    let p = project(dir.path(), "JWT_SECRET=abc\n");
    let k = mock(&p);
    let err = k.set("OTHER_TOKEN", &Sensitive::new("abcde".into())).expect_err("too short");
    assert_eq!(err.code(), crate::ErrorCode::ValueInvalid);
    assert!(err.to_string().contains("at least 6 characters") && !err.to_string().contains("abcde"), "{err}");
    let report = import(&p, &k).expect("import");
    assert!(report.moved.is_empty());
    assert_eq!(report.too_short, ["JWT_SECRET"]);
    assert_eq!(std::fs::read_to_string(dir.path().join(".env")).expect("read"), "JWT_SECRET=abc\n");
}

/// Issue 14, finding 2: after `secret set STRIPE_SK`, `dockmaster env` printed its value; a checked-in
/// `.dockmaster.toml` with `secret = false` for `JWT_SECRET` made the catalog print the keychain value.
#[test]
fn keychain_values_never_reach_the_catalog_whatever_the_name_or_descriptor() {
    let dir = tempfile::tempdir().expect("tmp");
    let descriptor =
        DESCRIPTOR.replace("[variables.JWT_SECRET]\nsecret = true", "[variables.JWT_SECRET]\nsecret = false");
    std::fs::write(dir.path().join("compose.yaml"), COMPOSE).expect("compose");
    std::fs::write(dir.path().join(".dockmaster.toml"), descriptor).expect("descriptor");
    let p =
        Project::open(OpenOptions { process_env: Some(Default::default()), ..OpenOptions::new(dir.path()) })
            .expect("open");
    assert!(!p.secret_policy().is_secret("JWT_SECRET"), "the descriptor says so");
    let k = mock(&p);
    k.set("STRIPE_SK", &Sensitive::new("sk_live_marker_stripe".into())).expect("set");
    k.set("JWT_SECRET", &Sensitive::new("jwt_marker_from_keychain_0123456789".into())).expect("set");
    let c = catalog::build(&p, &[], Ok(&k)).expect("catalog");
    for name in ["STRIPE_SK", "JWT_SECRET"] {
        let v = c.variable(name).expect(name);
        assert!(v.secret && v.value.is_none() && v.has_value, "{name}: {v:?}");
    }
    let json = serde_json::to_string(&c).expect("json");
    assert!(!json.contains("sk_live_marker") && !json.contains("jwt_marker"), "{json}");
}
