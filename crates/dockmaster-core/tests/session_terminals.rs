//! The session's terminals against the real engine: one opened in a service's running container gets the size
//! asked for, follows a resize, runs what is typed, shows a printed secret masked, and ends by itself (a
//! `closed` event, then TERMINAL_NOT_FOUND) when its container stops; another one is closed on request.

use std::process::Command;
use std::time::{Duration, Instant};

use dockmaster_core::session::Session;
use dockmaster_core::tools::{ExecRequest, TerminalEvent};
use dockmaster_core::{ErrorCode, OpenOptions};
use tokio::sync::mpsc;

const IMAGE: &str = "dockmaster/demo-busybox:latest";
const SECRET: &str = "terminal-Secret-7f3a9c21";

fn docker(args: &[&str]) -> String {
    let out = Command::new("docker").args(args).output().expect("the docker CLI runs");
    assert!(out.status.success(), "docker {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// A project folder and one container labelled as its service `box`; removed on drop.
struct Fixture {
    dir: tempfile::TempDir,
    name: String,
}

impl Fixture {
    fn new() -> Self {
        let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
        let name = format!("dmterm-{}-{}", std::process::id(), nanos.subsec_nanos() % 1_000_000);
        let dir = tempfile::tempdir().expect("tmp");
        let compose = format!(
            "services:\n  box:\n    image: {IMAGE}\n    environment:\n      API_TOKEN: ${{API_TOKEN}}\n"
        );
        std::fs::write(dir.path().join("compose.yaml"), compose).expect("compose file");
        std::fs::write(dir.path().join(".env"), format!("API_TOKEN={SECRET}\n")).expect(".env");
        let fixture = Fixture { dir, name };
        let labels = [
            format!("com.docker.compose.project={}", fixture.name),
            "com.docker.compose.service=box".to_string(),
            "com.docker.compose.oneoff=False".to_string(),
            "dockmaster.test=1".to_string(),
        ];
        let container = format!("{}-box-1", fixture.name);
        // The container gets the value as Compose would give it (from the file: never on a command line).
        let env_file = fixture.dir.path().join(".env").display().to_string();
        let mut args =
            vec!["run", "-d", "--init", "--network", "none", "--env-file", &env_file, "--name", &container];
        for label in &labels {
            args.extend(["--label", label.as_str()]);
        }
        args.extend([IMAGE, "sh", "-c", "mkdir -p /www && exec httpd -f -p 8080 -h /www"]);
        docker(&args);
        fixture
    }

    fn session(&self) -> Session {
        Session::open(OpenOptions {
            project_name: Some(self.name.clone()),
            process_env: Some(Default::default()),
            ..OpenOptions::new(self.dir.path())
        })
        .expect("the project opens")
    }
}

impl Drop for Fixture {
    fn drop(&mut self) {
        let ids =
            docker(&["ps", "-aq", "--filter", &format!("label=com.docker.compose.project={}", self.name)]);
        for id in ids.split_whitespace() {
            let _ = Command::new("docker").args(["rm", "-f", id]).output();
        }
    }
}

/// Output until `want` shows (returns all of it), or a `closed` event (returned as `Err(reason)`).
async fn until(
    rx: &mut mpsc::UnboundedReceiver<TerminalEvent>,
    want: &str,
    seen: &mut String,
) -> Result<(), String> {
    let deadline = Instant::now() + Duration::from_secs(20);
    while !seen.contains(want) {
        let left = deadline.saturating_duration_since(Instant::now());
        match tokio::time::timeout(left, rx.recv()).await {
            Ok(Some(TerminalEvent::Output { data })) => seen.push_str(&data),
            Ok(Some(TerminalEvent::Closed { reason, exit_code })) => {
                return Err(format!("{reason} ({exit_code:?})"))
            }
            Ok(None) => return Err("the sink was dropped".into()),
            Err(_) => panic!("no `{want}` within 20 s; the terminal showed:\n{seen}"),
        }
    }
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_terminal_follows_its_size_masks_and_ends_when_its_container_stops() {
    let fixture = Fixture::new();
    let session = fixture.session();
    let (tx, mut rx) = mpsc::unbounded_channel();
    let request = ExecRequest { service: "box".into(), cols: 100, rows: 30, ..Default::default() };
    let opened = session.open_terminal(request, move |event| tx.send(event).is_ok()).await.expect("opened");
    assert_eq!(opened.info.service, "box");
    assert_eq!(opened.info.container, format!("{}-box-1", fixture.name));
    assert!(opened.info.program.ends_with("sh"), "{:?}", opened.info);
    let id = opened.id;

    let mut seen = String::new();
    session.terminal_input(id, b"echo size=$(stty size)\r".to_vec()).expect("typed");
    until(&mut rx, "size=30 100", &mut seen).await.expect("the size asked for");
    session.resize_terminal(id, 120, 40).await.expect("resized");
    session.terminal_input(id, b"echo size=$(stty size)\r".to_vec()).expect("typed");
    until(&mut rx, "size=40 120", &mut seen).await.expect("the new size");
    session.terminal_input(id, b"echo token=$API_TOKEN.\r".to_vec()).expect("typed");
    until(&mut rx, "token=[API_TOKEN hidden].", &mut seen).await.expect("masked");
    assert!(!seen.contains(SECRET), "the value was shown:\n{seen}");

    // A second terminal, closed on request: it is gone at once.
    let (tx2, _rx2) = mpsc::unbounded_channel();
    let request = ExecRequest { service: "box".into(), ..Default::default() };
    let second = session.open_terminal(request, move |event| tx2.send(event).is_ok()).await.expect("second");
    assert_ne!(second.id, id);
    assert!(session.close_terminal(second.id));
    assert!(!session.close_terminal(second.id));
    let err = session.terminal_input(second.id, b"x".to_vec()).expect_err("closed");
    assert_eq!(err.code, ErrorCode::TerminalNotFound);

    // The container stops: the terminal says so and leaves the session.
    docker(&["stop", "-t", "1", &format!("{}-box-1", fixture.name)]);
    let reason = until(&mut rx, "never printed", &mut seen).await.expect_err("closed by the stop");
    assert!(reason.contains("box stopped"), "{reason}");
    let err = session.terminal_input(id, b"x".to_vec()).expect_err("gone");
    assert_eq!(err.code, ErrorCode::TerminalNotFound);
    assert!(err.message.contains("open a new one"), "{}", err.message);

    // A stopped service cannot get one.
    let request = ExecRequest { service: "box".into(), ..Default::default() };
    let err = session.open_terminal(request, |_| true).await.expect_err("not running");
    assert_eq!(err.code, ErrorCode::ServiceNotRunning);
}
