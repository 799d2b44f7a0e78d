//! Both faces name a failure alike: for each failure a user meets, the code `dockmaster --json` prints is the
//! code (and the message) the window's command returns, and it is in the TypeScript union the UI is generated
//! with. The window side calls the real Tauri commands on a mock app holding the same `Sessions` the app
//! manages; the CLI side runs the real `dockmaster` binary. A real engine and keychain where the failure needs
//! one (run under tests/keychain/run.sh, as scripts/test.sh does).
#![allow(clippy::unwrap_used)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;

use dockmaster_core::lifecycle::lock::{self, OperationLock};
use dockmaster_core::lifecycle::OpKind;
use dockmaster_core::session::{OperationRequest, Sessions};
use dockmaster_core::tools::ExecRequest;
use dockmaster_core::ErrorCode;
use serde_json::Value;
use tauri::ipc::Channel;
use tauri::Manager;

use crate::error::AppError;
use crate::{commands, engines_commands, env_commands, lifecycle_commands, terminal_commands};

const COMPOSE: &str = "services:\n  app:\n    image: dockmaster/demo-busybox:latest\n    command: [\"sleep\", \"600\"]\n    \
environment:\n      JWT_SECRET: ${JWT_SECRET:-}\n      ADMIN_USERNAME: ${ADMIN_USERNAME:-admin}\n    volumes:\n      \
- data:/data\n    labels:\n      dockmaster.test: parity\nvolumes:\n  data:\n    labels:\n      dockmaster.test: parity\n";
const DESCRIPTOR: &str =
    "[stack]\nid = 'parity'\nname = 'Parity'\n[variables.JWT_SECRET]\nsecret = true\nmin_length = 32\n";
const ENV: &str = "# parity test\nADMIN_USERNAME=someone\n";

/// The `dockmaster` binary of this workspace, built once (by the Cargo running this test) if needed.
fn cli_binary() -> &'static Path {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let out = Command::new(cargo)
            .args(["build", "--locked", "--quiet", "-p", "dockmaster-cli", "--bin", "dockmaster"])
            .args(["--message-format", "json"])
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .stderr(Stdio::inherit())
            .output()
            .expect("cargo builds the CLI");
        assert!(out.status.success(), "building the CLI failed");
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter_map(|l| serde_json::from_str::<Value>(l).ok())
            .filter(|m| m["reason"] == "compiler-artifact" && m["target"]["name"] == "dockmaster")
            .find_map(|m| m["executable"].as_str().map(PathBuf::from))
            .expect("cargo names the CLI's executable")
    })
}

/// The CLI's `--json` error for `args` on `dir`: (exit status, `error` object).
fn cli(dir: &Path, args: &[&str], stdin: &str, env: &[(&str, &str)]) -> (Option<i32>, Value) {
    let mut cmd = Command::new(cli_binary());
    cmd.arg("--project").arg(dir).arg("--json").args(args);
    cmd.envs(env.iter().copied()).stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("the CLI runs");
    child.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    let error = text
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .chain(serde_json::from_str::<Value>(&String::from_utf8_lossy(&out.stdout)).ok())
        .find_map(|v| v.get("error").cloned())
        .unwrap_or_else(|| panic!("{args:?}: no JSON error in the CLI's output: {text}"));
    (out.status.code(), error)
}

/// What the window's command returned, as the UI receives it.
fn window<T: std::fmt::Debug>(result: Result<T, AppError>) -> Value {
    serde_json::to_value(result.expect_err("the window's command fails")).unwrap()
}

fn no_events<T: tauri::ipc::IpcResponse>() -> Channel<T> {
    Channel::new(|_| Ok(()))
}

/// A project folder of the test's own, and a mock app managing a fresh `Sessions`.
struct Case {
    dir: tempfile::TempDir,
    app: tauri::App<tauri::test::MockRuntime>,
}

impl Case {
    fn new(compose: Option<&str>) -> Self {
        let dir = tempfile::Builder::new().prefix("dmparity").tempdir().unwrap();
        if let Some(compose) = compose {
            std::fs::write(dir.path().join("compose.yaml"), compose).unwrap();
            std::fs::write(dir.path().join(".dockmaster.toml"), DESCRIPTOR).unwrap();
            std::fs::write(dir.path().join(".env"), ENV).unwrap();
        }
        let app = tauri::test::mock_app();
        app.manage(Sessions::default());
        Case { dir, app }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    fn dir(&self) -> String {
        self.dir.path().display().to_string()
    }

    fn sessions(&self) -> tauri::State<'_, Sessions> {
        self.app.state::<Sessions>()
    }
}

/// Every code of the generated union in `ui/src/lib/bindings.ts`.
fn generated_codes() -> Vec<String> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../ui/src/lib/bindings.ts");
    let text = std::fs::read_to_string(&path).unwrap();
    let line = text
        .lines()
        .find(|l| l.starts_with("export const ERROR_CODES"))
        .expect("ERROR_CODES in the bindings");
    line.split('"').skip(1).step_by(2).map(str::to_string).collect()
}

/// One failure seen from both faces.
struct Seen {
    what: &'static str,
    want: ErrorCode,
    window: Value,
    cli: (Option<i32>, Value),
}

fn check(seen: &[Seen]) {
    let union = generated_codes();
    let mut problems = Vec::new();
    for s in seen {
        let want = serde_json::to_value(s.want).unwrap();
        let (status, cli) = &s.cli;
        if s.window["code"] != want || cli["code"] != want {
            problems.push(format!("{}: want {want}, window {}, CLI {}", s.what, s.window, cli));
        }
        if s.window["message"] != cli["message"] {
            problems.push(format!("{}: messages differ: window {}, CLI {}", s.what, s.window, cli));
        }
        if !union.iter().any(|c| Some(c.as_str()) == want.as_str()) {
            problems.push(format!("{}: {want} is not in the generated ERROR_CODES", s.what));
        }
        if *status == Some(0) || status.is_none() {
            problems.push(format!("{}: the CLI exited with {status:?}", s.what));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// Removes the test's volume (by its unique name) on drop.
struct Volume(String);

impl Drop for Volume {
    fn drop(&mut self) {
        let _ = Command::new("docker").args(["volume", "rm", &self.0]).output();
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_cli_and_the_window_report_each_failure_with_the_same_code() {
    let mut seen = Vec::new();

    let case = Case::new(Some(COMPOSE));
    let window_err =
        window(commands::selection_report(case.sessions(), case.dir(), vec!["nope".into()]).await);
    seen.push(Seen {
        what: "unknown profile",
        want: ErrorCode::UnknownProfile,
        window: window_err,
        cli: cli(case.path(), &["config", "--profile", "nope"], "", &[]),
    });

    let case = Case::new(None);
    seen.push(Seen {
        what: "no Compose file in the folder",
        want: ErrorCode::ProjectNotFound,
        window: window(commands::project_overview(case.sessions(), case.dir()).await),
        cli: cli(case.path(), &["profiles"], "", &[]),
    });

    let case = Case::new(Some("services:\n  app: [unclosed\n"));
    seen.push(Seen {
        what: "a Compose file that is not YAML",
        want: ErrorCode::ComposeInvalid,
        window: window(commands::project_overview(case.sessions(), case.dir()).await),
        cli: cli(case.path(), &["profiles"], "", &[]),
    });

    // The engine the environment names is not there. The window's session resolves it from the process
    // environment, as the app does: set only while this test's own sessions open.
    let case = Case::new(Some(COMPOSE));
    let missing = format!("unix://{}/no-engine.sock", case.dir());
    let saved = std::env::var_os("DOCKER_HOST");
    std::env::set_var("DOCKER_HOST", &missing);
    let window_err = window(lifecycle_commands::lifecycle_drift(case.sessions(), case.dir(), vec![]).await);
    match saved {
        Some(v) => std::env::set_var("DOCKER_HOST", v),
        None => std::env::remove_var("DOCKER_HOST"),
    }
    seen.push(Seen {
        what: "engine missing",
        want: ErrorCode::EngineUnavailable,
        window: window_err,
        cli: cli(case.path(), &["drift"], "", &[("DOCKER_HOST", &missing)]),
    });

    // Another operation holds the project's lock (as a teammate's `dockmaster up` would).
    let case = Case::new(Some(COMPOSE));
    let session = case.sessions().get(&case.dir()).await.unwrap();
    let project = session.project();
    let vars = std::env::vars().collect();
    let held =
        OperationLock::acquire(&lock::default_dir(&vars).unwrap(), project.root(), project.name(), "up")
            .unwrap();
    let request = OperationRequest::new(OpKind::Stop);
    let window_err =
        window(lifecycle_commands::lifecycle_run(case.sessions(), case.dir(), request, no_events()).await);
    seen.push(Seen {
        what: "another operation runs",
        want: ErrorCode::OperationBusy,
        window: window_err,
        cli: cli(case.path(), &["stop"], "", &[]),
    });
    drop(held);

    // `down --volumes` with a volume of the project on the engine, not confirmed.
    let case = Case::new(Some(COMPOSE));
    let session = case.sessions().get(&case.dir()).await.unwrap();
    let name = session.project().name().to_string();
    let volume = Volume(format!("{name}_data"));
    let created = Command::new("docker")
        .args(["volume", "create", "--label", &format!("com.docker.compose.project={name}")])
        .args(["--label", "com.docker.compose.volume=data", "--label", "dockmaster.test=parity", &volume.0])
        .output()
        .expect("this test needs the Docker engine (scripts/engine.sh start)");
    assert!(created.status.success(), "{}", String::from_utf8_lossy(&created.stderr));
    let mut request = OperationRequest::new(OpKind::Down);
    request.volumes = true;
    let window_err =
        window(lifecycle_commands::lifecycle_run(case.sessions(), case.dir(), request, no_events()).await);
    seen.push(Seen {
        what: "down --volumes unconfirmed",
        want: ErrorCode::VolumesUnconfirmed,
        window: window_err,
        cli: cli(case.path(), &["down", "--volumes"], "", &[]),
    });
    let listed = Command::new("docker").args(["volume", "inspect", &volume.0]).output().unwrap();
    assert!(listed.status.success(), "an unconfirmed down --volumes deleted the volume");

    // A secret its rule refuses (32 characters at least), given to each face.
    let case = Case::new(Some(COMPOSE));
    let short = "too-short-for-its-rule";
    let window_err = window(
        env_commands::set_secret(case.sessions(), case.dir(), "JWT_SECRET".into(), short.into()).await,
    );
    seen.push(Seen {
        what: "an invalid secret",
        want: ErrorCode::ValueInvalid,
        window: window_err,
        cli: cli(case.path(), &["secret", "set", "JWT_SECRET"], short, &[]),
    });

    // A `.env` edit made against a revision the file is no longer at.
    let case = Case::new(Some(COMPOSE));
    let stale = "sha256:00000000000000000000000000000000";
    let window_err = window(
        env_commands::set_variable(
            case.sessions(),
            case.dir(),
            "ADMIN_USERNAME".into(),
            "x".into(),
            stale.into(),
        )
        .await,
    );
    seen.push(Seen {
        what: ".env changed since it was read",
        want: ErrorCode::EnvFileConflict,
        window: window_err,
        cli: cli(case.path(), &["env", "set", "ADMIN_USERNAME", "x", "--revision", stale], "", &[]),
    });
    assert_eq!(
        std::fs::read_to_string(case.path().join(".env")).unwrap(),
        ENV,
        "a refused edit changed .env"
    );

    // Engines: the local one cannot be removed; a project cannot be moved to an engine that does not exist.
    let case = Case::new(Some(COMPOSE));
    seen.push(Seen {
        what: "removing the local engine",
        want: ErrorCode::EngineNameInvalid,
        window: window(engines_commands::engine_remove("default".into(), true)),
        cli: cli(case.path(), &["engine", "rm", "default", "--yes"], "", &[]),
    });
    let nowhere = format!("dmparity-no-engine-{}", std::process::id());
    seen.push(Seen {
        what: "an engine that does not exist",
        want: ErrorCode::EngineNotFound,
        window: window(
            engines_commands::use_engine(case.sessions(), case.dir(), Some(nowhere.clone())).await,
        ),
        cli: cli(case.path(), &["engine", "use", &nowhere], "", &[]),
    });

    // Terminals: a service the project does not define, and one that is not running (nothing was started).
    let case = Case::new(Some(COMPOSE));
    let request = |service: &str| ExecRequest { service: service.into(), ..ExecRequest::default() };
    let window_err = window(
        terminal_commands::open_terminal(case.sessions(), case.dir(), request("nope"), no_events()).await,
    );
    seen.push(Seen {
        what: "a terminal into an unknown service",
        want: ErrorCode::UnknownService,
        window: window_err,
        cli: cli(case.path(), &["shell", "nope", "--", "true"], "", &[]),
    });
    let window_err = window(
        terminal_commands::open_terminal(case.sessions(), case.dir(), request("app"), no_events()).await,
    );
    seen.push(Seen {
        what: "a terminal into a service that is not running",
        want: ErrorCode::ServiceNotRunning,
        window: window_err,
        cli: cli(case.path(), &["shell", "app", "--", "true"], "", &[]),
    });

    check(&seen);
}
