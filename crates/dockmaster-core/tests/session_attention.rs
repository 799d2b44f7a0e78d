//! The session's attention follow against the real engine: a project of labelled containers (a Compose project
//! of its own, `dockmaster.test`-labelled, removed at the end) is followed for the tray and notifications
//! without any window. A healthy service turning unhealthy tints the tray and gives exactly one notice; a Stop
//! through Compose gives its own notice and no alarm; a crash-looping service gives one notice with a count;
//! nothing is sent while the window counts as focused.
#![allow(clippy::unwrap_used)]

use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use dockmaster_core::attention::{Notice, NoticeKind, NotifyContext, NotifyPrefs, Tint, TrayView};
use dockmaster_core::lifecycle::{OpKind, Outcome};
use dockmaster_core::session::{AttentionFollower, AttentionUpdate, Session};
use dockmaster_core::OpenOptions;

fn docker(args: &[&str]) -> String {
    let out = Command::new("docker").args(args).output().expect("the docker CLI runs");
    assert!(out.status.success(), "docker {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// A Compose project of its own (every container and network `dockmaster.test`-labelled), whose services
/// the test starts with Compose from outside; everything of it removed on drop.
struct Project {
    name: String,
    dir: tempfile::TempDir,
}

const COMPOSE: &str = r#"
services:
  web:
    image: dockmaster/demo-busybox:latest
    pull_policy: never
    command: ["sh", "-c", "touch /tmp/ok && exec sleep 100000"]
    stop_grace_period: 1s
    labels: [dockmaster.test=1]
    healthcheck:
      test: ["CMD-SHELL", "test -f /tmp/ok"]
      interval: 1s
      retries: 2
  looper:
    image: dockmaster/demo-busybox:latest
    pull_policy: never
    command: ["sh", "-c", "sleep 1; exit 3"]
    restart: always
    labels: [dockmaster.test=1]
networks:
  default:
    labels: [dockmaster.test=1]
"#;

impl Project {
    fn new() -> Self {
        let nanos =
            std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().subsec_nanos();
        let name = format!("dmattn-{}-{}", std::process::id(), nanos % 1_000_000);
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("compose.yaml"), format!("name: {name}\n{COMPOSE}")).unwrap();
        Project { name, dir }
    }

    fn session(&self) -> Session {
        Session::open(OpenOptions {
            process_env: Some(Default::default()),
            ..OpenOptions::new(self.dir.path())
        })
        .unwrap()
    }

    /// `docker compose up -d --wait SERVICE` (or without `--wait`), from outside Dockmaster.
    fn up(&self, service: &str, wait: bool) {
        let dir = self.dir.path().to_str().unwrap();
        let mut args = vec!["compose", "--project-directory", dir, "up", "-d"];
        if wait {
            args.push("--wait");
        }
        args.push(service);
        docker(&args);
    }

    fn container(&self, service: &str) -> String {
        format!("{}-{service}-1", self.name)
    }
}

impl Drop for Project {
    fn drop(&mut self) {
        let filter = format!("label=com.docker.compose.project={}", self.name);
        for id in docker(&["ps", "-aq", "--filter", &filter]).split_whitespace() {
            let _ = Command::new("docker").args(["rm", "-f", "-v", id]).output();
        }
        for id in docker(&["network", "ls", "-q", "--filter", &filter]).split_whitespace() {
            let _ = Command::new("docker").args(["network", "rm", id]).output();
        }
        let left = docker(&["ps", "-aq", "--filter", &filter])
            + &docker(&["network", "ls", "-q", "--filter", &filter]);
        assert!(left.is_empty() || std::thread::panicking(), "left behind: {left}");
    }
}

/// What the follower was told, and the focus it answers with.
#[derive(Default)]
struct Seen {
    trays: Mutex<Vec<TrayView>>,
    notices: Mutex<Vec<Notice>>,
    focused: AtomicBool,
}

impl Seen {
    fn follower(self: &Arc<Self>) -> AttentionFollower {
        let ctx = Arc::clone(self);
        let sink = Arc::clone(self);
        AttentionFollower {
            context: Arc::new(move || NotifyContext {
                focused: ctx.focused.load(Ordering::SeqCst),
                prefs: NotifyPrefs::default(),
            }),
            sink: Arc::new(move |update| match update {
                AttentionUpdate::Tray(view) => sink.trays.lock().unwrap().push(view),
                AttentionUpdate::Notify(notice) => sink.notices.lock().unwrap().push(notice),
            }),
        }
    }

    fn tint(&self) -> Option<Tint> {
        self.trays.lock().unwrap().last().map(|v| v.tint)
    }

    fn notices(&self) -> Vec<(NoticeKind, String, String)> {
        self.notices.lock().unwrap().iter().map(|n| (n.kind, n.title.clone(), n.body.clone())).collect()
    }

    async fn wait(&self, what: &str, secs: u64, done: impl Fn(&Seen) -> bool) {
        let deadline = Instant::now() + Duration::from_secs(secs);
        while !done(self) {
            assert!(
                Instant::now() < deadline,
                "no {what} within {secs} s; tray {:?}, notices {:?}",
                self.trays.lock().unwrap().last().map(|v| &v.status),
                self.notices()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn follows_the_engine_for_the_tray_and_notifications() {
    let version = Command::new("docker").args(["version", "--format", "{{.Server.APIVersion}}"]).output();
    assert!(
        matches!(&version, Ok(o) if o.status.success()),
        "this test needs a Docker engine: run `bash scripts/engine.sh start` (scripts/test.sh does)"
    );
    let project = Project::new();
    // A service whose healthcheck the test can break (probe every second, unhealthy after 2 failures).
    project.up("web", true);
    let web = project.container("web");
    let session = project.session();
    let seen = Arc::new(Seen::default());
    seen.focused.store(true, Ordering::SeqCst);
    session.follow_attention(seen.follower()).await.unwrap();

    // Only web is up (looper was never created): not everything of the selection runs, nothing is wrong.
    seen.wait("the tray following the project", 30, |s| s.tint() == Some(Tint::Stopped)).await;
    let status = seen.trays.lock().unwrap().last().unwrap().status.clone();
    assert!(status.starts_with(&format!("{}: ", project.name)), "{status}");

    // Focused: the flip tints the tray red but sends nothing.
    docker(&["exec", &web, "rm", "/tmp/ok"]);
    seen.wait("the problem tint", 30, |s| s.tint() == Some(Tint::Problem)).await;
    tokio::time::sleep(Duration::from_secs(7)).await;
    assert_eq!(seen.notices(), vec![], "nothing while the window is focused");

    // Healthy again, then unfocused: one notice, after the settle time, and only one.
    docker(&["exec", &web, "sh", "-c", ": >/tmp/ok"]);
    seen.wait("the tray no longer red", 30, |s| s.tint() != Some(Tint::Problem)).await;
    seen.focused.store(false, Ordering::SeqCst);
    docker(&["exec", &web, "rm", "/tmp/ok"]);
    seen.wait("the unhealthy notice", 30, |s| !s.notices().is_empty()).await;
    tokio::time::sleep(Duration::from_secs(7)).await;
    assert_eq!(
        seen.notices(),
        vec![(
            NoticeKind::Unhealthy,
            "web is unhealthy".to_string(),
            format!("{}: its healthcheck fails.", project.name)
        )]
    );
    let menu = format!("{:?}", seen.trays.lock().unwrap().last().unwrap().menu);
    assert!(menu.contains("ShowService(\"web\")"), "the menu offers the unhealthy service: {menu}");
    seen.notices.lock().unwrap().clear();

    // A Stop through Compose: the operation's notice, and no alarm for the containers it stopped.
    let result = session.run_selection(OpKind::Stop).await.unwrap();
    assert_eq!(result.outcome, Outcome::Succeeded, "{result:?}");
    seen.wait("the Stop notice", 10, |s| !s.notices().is_empty()).await;
    tokio::time::sleep(Duration::from_secs(7)).await;
    let notices = seen.notices();
    assert_eq!(notices.len(), 1, "{notices:?}");
    assert_eq!(
        (notices[0].0, notices[0].1.as_str()),
        (NoticeKind::OperationSucceeded, "Stopped the default services")
    );
    seen.wait("the stopped tint", 10, |s| s.tint() == Some(Tint::Stopped)).await;
    seen.notices.lock().unwrap().clear();

    // A crash loop: it exits with 3 after a second and its restart policy brings it back, again and again.
    project.up("looper", false);
    seen.wait("the crash-loop notice", 30, |s| !s.notices().is_empty()).await;
    tokio::time::sleep(Duration::from_secs(10)).await;
    let notices = seen.notices();
    assert_eq!(notices.len(), 1, "one notice for the loop, not one per restart: {notices:?}");
    assert_eq!(notices[0].0, NoticeKind::Exited);
    assert_eq!(notices[0].1, "looper is crash-looping", "{notices:?}");
    assert!(notices[0].2.contains(" crashes in "), "{notices:?}");
    assert_eq!(seen.tint(), Some(Tint::Problem));
}
