//! "Fix and start" over an in-memory keychain: which preflight problems get an automatic remedy, what
//! applying them writes (and keeps), and a keychain that fails half-way.

use std::path::Path;

use keyring_core::{mock, Entry, Error as KError};

use super::*;
use crate::engine::{Endpoint, EndpointEnv};
use crate::lifecycle::preflight::{self, Input};
use crate::lifecycle::PreflightCode;
use crate::project::OpenOptions;
use crate::secrets::catalog;
use crate::session::automatic_fixes;

const COMPOSE: &str = r#"
services:
  api:
    image: busybox
    environment:
      JWT_SECRET: ${JWT_SECRET}
      SECRET_KEY: ${SECRET_KEY}
      ADMIN_USERNAME: ${ADMIN_USERNAME}
      ADMIN_PASSWORD: ${ADMIN_PASSWORD}
      DATABASE_URL: ${DATABASE_URL}
      API_TOKEN: ${API_TOKEN}
"#;

const DESCRIPTOR: &str = r#"
[stack]
id = "t"
name = "T"
[[variable_groups]]
name = "Required"
variables = ["JWT_SECRET", "SECRET_KEY", "ADMIN_USERNAME", "ADMIN_PASSWORD", "DATABASE_URL", "API_TOKEN"]
[variables.JWT_SECRET]
secret = true
required = true
min_length = 32
generate = "random:48"
[variables.SECRET_KEY]
secret = true
required = true
generate = "random:48"
[variables.ADMIN_USERNAME]
secret = false
required = true
suggested = "admin"
[variables.ADMIN_PASSWORD]
secret = true
required = true
generate = "random:24"
[variables.DATABASE_URL]
secret = true
required = true
format = "postgres-url"
[variables.API_TOKEN]
secret = true
required = true
"#;

/// A `.env` a person wrote: comments, CRLF, quoting, a short JWT_SECRET (someone's choice: never replaced).
const ENV: &str =
    "# Settings\r\n\r\nexport DATABASE_URL='postgresql://u:pw@db:5432/x' # db\r\nOTHER=\"kept as is\"\r\n";

fn project(dir: &Path, env: Option<&str>) -> Project {
    std::fs::write(dir.join("compose.yaml"), COMPOSE).expect("compose");
    std::fs::write(dir.join(".dockmaster.toml"), DESCRIPTOR).expect("descriptor");
    if let Some(env) = env {
        std::fs::write(dir.join(".env"), env).expect(".env");
    }
    Project::open(OpenOptions { process_env: Some(Default::default()), ..OpenOptions::new(dir) })
        .expect("open")
}

/// The preflight `up` runs, with the catalog read through `keychain` (no engine, no Compose: those are
/// problems of their own, with no remedy).
fn preflight_report(p: &Project, keychain: &Keychain) -> crate::lifecycle::PreflightReport {
    let catalog = catalog::build(p, &[], Ok(keychain)).expect("catalog");
    let resolved = p.resolve(&[]).expect("resolve");
    let involved = vec!["api".to_string()];
    let endpoint = Endpoint::resolve(&EndpointEnv::default()).expect("endpoint");
    let input = Input {
        project: p,
        profiles: &[],
        resolved: &resolved,
        involved: &involved,
        explicit: false,
        compose: Err("not looked for in this test".into()),
        engine: Err("not looked for in this test".into()),
        endpoint: &endpoint,
        catalog: Some(&catalog),
    };
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
        .block_on(preflight::check(input))
}

fn store_and_keychain(p: &Project) -> (std::sync::Arc<keyring_core::CredentialStore>, Keychain) {
    let store: std::sync::Arc<keyring_core::CredentialStore> = mock::Store::new().expect("mock");
    let keychain = Keychain::with_store(store.clone(), super::super::keychain::service_for(p.root()));
    (store, keychain)
}

fn names(fixes: &[(String, Remedy)]) -> Vec<(&str, &Remedy)> {
    fixes.iter().map(|(n, r)| (n.as_str(), r)).collect()
}

#[test]
fn only_missing_variables_with_a_generator_or_a_suggestion_get_an_automatic_remedy() {
    let dir = tempfile::tempdir().expect("tmp");
    let p = project(dir.path(), Some(&format!("{ENV}JWT_SECRET=someone-chose-this\r\n")));
    let (_, k) = store_and_keychain(&p);
    let report = preflight_report(&p, &k);
    let fixes = automatic_fixes(&report);
    let generate = |g: &str| Remedy::Generate { generator: g.into() };
    assert_eq!(
        names(&fixes),
        [
            ("SECRET_KEY", &generate("random:48")),
            ("ADMIN_USERNAME", &Remedy::Suggest { value: "admin".into() }),
            ("ADMIN_PASSWORD", &generate("random:24")),
            // A secret the descriptor gives no `generate`: the default generator, as Generate in the window.
            ("API_TOKEN", &generate("random:48")),
        ]
    );
    // Too short is someone's value: never replaced, still a problem with its fix.
    let jwt = report.problems.iter().find(|i| i.variable.as_deref() == Some("JWT_SECRET")).expect("jwt");
    assert!(jwt.remedy.is_none() && jwt.fix.contains("dockmaster secret set JWT_SECRET"), "{jwt:?}");
    assert!(
        jwt.window_fix.contains("press Set JWT_SECRET") && !jwt.window_fix.contains("dockmaster"),
        "{jwt:?}"
    );
    // Engine and Compose stay blockers without a remedy.
    for code in [PreflightCode::EngineUnavailable, PreflightCode::ComposeMissing] {
        assert!(report.problems.iter().any(|i| i.code == code && i.remedy.is_none()), "{code:?}");
    }
    let admin =
        report.problems.iter().find(|i| i.variable.as_deref() == Some("ADMIN_USERNAME")).expect("admin");
    assert!(
        admin.window_fix.ends_with("Fix and start writes ADMIN_USERNAME=admin to .env for you."),
        "{admin:?}"
    );
    assert!(
        admin.fix.ends_with("`dockmaster up --fix` writes ADMIN_USERNAME=admin to .env for you."),
        "{admin:?}"
    );
}

#[test]
fn applying_generates_the_secrets_and_appends_the_suggestion_keeping_every_other_byte() {
    let dir = tempfile::tempdir().expect("tmp");
    let p = project(dir.path(), Some(ENV));
    let (_, k) = store_and_keychain(&p);
    let fixes = automatic_fixes(&preflight_report(&p, &k));
    let report = apply(&p, Some(&k), &fixes).expect("applied");
    assert_eq!(report.generated, ["JWT_SECRET", "SECRET_KEY", "ADMIN_PASSWORD", "API_TOKEN"]);
    assert_eq!(report.written, ["ADMIN_USERNAME"]);
    let env_path = dir.path().join(".env");
    assert_eq!(report.env_file.as_deref(), Some(env_path.display().to_string().as_str()));
    let text = std::fs::read_to_string(&env_path).expect("read");
    assert_eq!(text, format!("{ENV}ADMIN_USERNAME=admin\r\n"), "only one line was added");
    for name in &report.generated {
        let value = k.get(name).expect("get").unwrap_or_else(|| panic!("{name} stored"));
        assert!(value.expose().len() >= 24, "{name}");
        assert!(!text.contains(value.expose().as_str()), "{name}'s value is not in .env");
    }
    assert_eq!(k.get("JWT_SECRET").expect("get").expect("set").expose().len(), 48);
    assert_eq!(
        report.summary(),
        format!(
            "generated JWT_SECRET, SECRET_KEY, ADMIN_PASSWORD and API_TOKEN into the keychain; wrote ADMIN_USERNAME \
             to {}",
            env_path.display()
        )
    );

    // Read again, nothing is left to fix but what has no remedy.
    let again = project(dir.path(), None);
    let fixes = automatic_fixes(&preflight_report(&again, &k));
    assert!(fixes.is_empty(), "{fixes:?}");
}

#[test]
fn a_missing_env_file_is_created_with_the_suggestion_alone() {
    let dir = tempfile::tempdir().expect("tmp");
    let p = project(dir.path(), None);
    let fixes = vec![("ADMIN_USERNAME".to_string(), Remedy::Suggest { value: "admin".into() })];
    let report = apply(&p, None, &fixes).expect("applied without a keychain");
    assert_eq!(report.written, ["ADMIN_USERNAME"]);
    assert_eq!(std::fs::read_to_string(dir.path().join(".env")).expect("read"), "ADMIN_USERNAME=admin\n");
}

#[test]
fn a_keychain_failing_on_the_third_secret_reports_the_two_done_and_leaves_env_alone() {
    let dir = tempfile::tempdir().expect("tmp");
    let p = project(dir.path(), Some(ENV));
    let (store, k) = store_and_keychain(&p);
    let fixes = automatic_fixes(&preflight_report(&p, &k));
    let entry = Entry::new_in_store(&store, k.service(), "ADMIN_PASSWORD").expect("entry");
    let cred: &mock::Cred = entry.as_any().downcast_ref().expect("a mock credential");
    cred.set_error(KError::PlatformFailure("the keychain daemon crashed".into()));

    let failure = apply(&p, Some(&k), &fixes).expect_err("the third secret fails");
    assert_eq!(failure.done.generated, ["JWT_SECRET", "SECRET_KEY"]);
    assert!(failure.done.written.is_empty() && failure.done.env_file.is_none());
    assert_eq!(std::fs::read_to_string(dir.path().join(".env")).expect("read"), ENV, ".env is untouched");
    assert!(k.get("JWT_SECRET").expect("get").is_some() && k.get("SECRET_KEY").expect("get").is_some());
    assert!(k.get("ADMIN_PASSWORD").expect("get").is_none() && k.get("API_TOKEN").expect("get").is_none());

    let report = crate::error::ErrorReport::from(failure);
    assert_eq!(report.code, crate::ErrorCode::KeychainUnavailable);
    assert!(
        report.message.starts_with(
            "`dockmaster up --fix` stopped: generated JWT_SECRET and SECRET_KEY into the keychain before this failed"
        ) && report.message.contains(".env was not changed"),
        "{}",
        report.message
    );
    let window = report.window.as_deref().expect("the window's words");
    assert!(window.starts_with("Fix and start stopped: generated JWT_SECRET and SECRET_KEY"), "{window}");
    assert!(!window.contains("dockmaster"), "{window}");
    match report.detail.as_deref() {
        Some(crate::ErrorDetail::Fixed { fixed }) => {
            assert_eq!(fixed.generated, ["JWT_SECRET", "SECRET_KEY"])
        }
        other => panic!("the detail says what was done: {other:?}"),
    }
}

#[test]
fn a_changed_env_file_is_not_written_over_and_the_generated_secrets_are_reported() {
    let dir = tempfile::tempdir().expect("tmp");
    let p = project(dir.path(), Some(ENV));
    let (_, k) = store_and_keychain(&p);
    let fixes = automatic_fixes(&preflight_report(&p, &k));
    let edited = format!("{ENV}# edited in another window\r\n");
    std::fs::write(dir.path().join(".env"), &edited).expect("edit");
    let failure = apply(&p, Some(&k), &fixes).expect_err("conflict");
    assert_eq!(failure.error.code(), crate::ErrorCode::EnvFileConflict);
    assert_eq!(failure.done.generated.len(), 4);
    assert_eq!(std::fs::read_to_string(dir.path().join(".env")).expect("read"), edited);
}

#[test]
fn a_secret_is_never_written_to_env_even_when_asked() {
    let dir = tempfile::tempdir().expect("tmp");
    let p = project(dir.path(), Some(ENV));
    let fixes = vec![("ADMIN_PASSWORD".to_string(), Remedy::Suggest { value: "hunter2hunter2".into() })];
    let failure = apply(&p, None, &fixes).expect_err("refused");
    assert_eq!(failure.error.code(), crate::ErrorCode::ValueInvalid);
    assert_eq!(std::fs::read_to_string(dir.path().join(".env")).expect("read"), ENV);
}
