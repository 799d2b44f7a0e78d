//! The demo image built on the real engine, into a throwaway tag of its own (labelled `dockmaster.test` with this
//! run's value, removed at the end): built when missing with its progress in order, then found current and left
//! alone, runnable (`sh -c 'echo ok'`), kept when no busybox can be found to check it against; and a clear error,
//! with nothing tagged, when it is missing and there is no static busybox.
#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;
use std::sync::Mutex;
use std::time::Duration;

use dockmaster_core::demo::{
    ensure_image, DemoError, DemoImageEvent, ImageOutcome, ImageTarget, BUSYBOX_CANDIDATES, BUSYBOX_PACKAGE,
};
use dockmaster_core::engine::{DockerEngine, Endpoint, EndpointEnv};
use dockmaster_core::labels;

fn docker_cli(args: &[&str]) -> std::process::Output {
    Command::new("docker").args(args).output().expect("the docker CLI runs")
}

/// Removes the test's image (and only it: by its unique name, after checking its test label) on drop.
struct Throwaway {
    target: ImageTarget,
    marker: String,
}

impl Throwaway {
    fn new(what: &str) -> Self {
        let marker = format!("demo-image-{what}-{}-{}", std::process::id(), fastrand_suffix());
        let target = ImageTarget {
            repo: "dockmaster-test/demo-busybox".into(),
            tag: marker.clone(),
            labels: BTreeMap::from([(labels::TEST.to_string(), marker.clone())]),
        };
        Throwaway { target, marker }
    }

    fn label(&self, key: &str) -> Option<String> {
        let format = format!("{{{{ index .Config.Labels \"{key}\" }}}}");
        let out = docker_cli(&["image", "inspect", "-f", &format, &self.target.reference()]);
        out.status.success().then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
    }
}

impl Drop for Throwaway {
    fn drop(&mut self) {
        if self.label(labels::TEST).as_deref() == Some(self.marker.as_str()) {
            let _ = docker_cli(&["image", "rm", &self.target.reference()]);
        }
    }
}

fn fastrand_suffix() -> u32 {
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
    nanos.subsec_nanos() % 1_000_000
}

async fn engine() -> DockerEngine {
    let endpoint = Endpoint::resolve(&EndpointEnv::from_process()).unwrap();
    DockerEngine::connect(&endpoint, Duration::from_secs(10))
        .await
        .unwrap_or_else(|e| panic!("this test needs the Docker engine (scripts/engine.sh start): {e}"))
}

fn real_busybox() -> Vec<&'static Path> {
    BUSYBOX_CANDIDATES.iter().map(Path::new).collect()
}

#[tokio::test]
async fn the_image_is_built_when_missing_then_found_current_and_it_runs() {
    let engine = engine().await;
    let image = Throwaway::new("build");
    let events = Mutex::new(Vec::new());
    let record = |e: DemoImageEvent| events.lock().unwrap().push(e);

    let built = ensure_image(&engine, &image.target, &real_busybox(), &record).await.unwrap();
    assert_eq!(built.outcome, ImageOutcome::Built);
    assert_eq!(built.image, image.target.reference());
    assert!(built.id.starts_with("sha256:"), "{built:?}");

    let seen = std::mem::take(&mut *events.lock().unwrap());
    let kinds: Vec<&str> = seen
        .iter()
        .map(|e| match e {
            DemoImageEvent::Checking { .. } => "checking",
            DemoImageEvent::Building { .. } => "building",
            DemoImageEvent::Archived { .. } => "archived",
            DemoImageEvent::Importing { .. } => "importing",
            DemoImageEvent::Tagged { .. } => "tagged",
        })
        .collect();
    let mut squashed = kinds.clone();
    squashed.dedup();
    assert_eq!(squashed.first(), Some(&"checking"), "{kinds:?}");
    assert_eq!(squashed.last(), Some(&"tagged"), "{kinds:?}");
    assert_eq!(squashed, ["checking", "building", "archived", "importing", "tagged"], "{kinds:?}");
    let DemoImageEvent::Building { reason, busybox, .. } = &seen[1] else { panic!("{seen:?}") };
    assert_eq!(reason, "missing");
    assert!(busybox.ends_with("busybox"), "{busybox}");
    // The archive handed over in growing steps, up to all of it.
    let sent: Vec<(u32, u32)> = seen
        .iter()
        .filter_map(|e| match e {
            DemoImageEvent::Importing { sent, total } => Some((*sent, *total)),
            _ => None,
        })
        .collect();
    let DemoImageEvent::Archived { bytes } = seen[2] else { panic!("{seen:?}") };
    assert!(bytes > 1_000_000, "a real busybox archive is larger than {bytes} bytes");
    assert!(sent.len() > 1 && sent.windows(2).all(|w| w[0].0 < w[1].0), "{sent:?}");
    assert!(sent.iter().all(|&(_, total)| total == bytes), "{sent:?}");
    assert_eq!(sent.last().map(|s| s.0), Some(bytes));

    // Labelled like the script's image, with this run's test marker.
    assert_eq!(image.label(labels::TEST).as_deref(), Some(image.marker.as_str()));
    assert_eq!(image.label(labels::DEMO_HASH).map(|h| h.len()), Some(16));

    // It runs the demo's commands.
    let run = docker_cli(&[
        "run",
        "--rm",
        "--network",
        "none",
        "--label",
        &format!("{}={}", labels::TEST, image.marker),
        &image.target.reference(),
        "sh",
        "-c",
        "echo ok && test -x /bin/httpd && wget --help 2>&1 | head -n 1 >/dev/null",
    ]);
    assert!(run.status.success(), "{}", String::from_utf8_lossy(&run.stderr));
    assert_eq!(String::from_utf8_lossy(&run.stdout).trim(), "ok");

    // Current now: nothing is built again.
    let again = ensure_image(&engine, &image.target, &real_busybox(), &record).await.unwrap();
    assert_eq!(again.outcome, ImageOutcome::Present);
    assert_eq!(again.id, built.id);
    assert_eq!(*events.lock().unwrap(), [DemoImageEvent::Checking { image: image.target.reference() }]);

    // No busybox to check it against: the image there is kept, not refused.
    let none: Vec<&Path> = vec![Path::new("/nonexistent/busybox")];
    let kept = ensure_image(&engine, &image.target, &none, &|_| {}).await.unwrap();
    assert_eq!((kept.outcome, kept.id), (ImageOutcome::Present, built.id));
}

#[tokio::test]
async fn a_missing_image_without_a_static_busybox_is_a_clear_error_and_nothing_is_tagged() {
    let engine = engine().await;
    let image = Throwaway::new("nobusybox");
    let dir = tempfile::tempdir().unwrap();
    let dynamic = std::env::current_exe().unwrap(); // a real dynamically linked program
    let missing = dir.path().join("busybox");

    let err = ensure_image(&engine, &image.target, &[&missing], &|_| {}).await.err().unwrap();
    assert!(matches!(err, DemoError::BusyboxMissing { .. }), "{err}");
    assert!(err.to_string().contains(BUSYBOX_PACKAGE), "{err}");

    let err = ensure_image(&engine, &image.target, &[&missing, &dynamic], &|_| {}).await.err().unwrap();
    assert!(matches!(err, DemoError::BusyboxDynamic { .. }), "{err}");
    let text = err.to_string();
    assert!(text.contains(&dynamic.display().to_string()) && text.contains(BUSYBOX_PACKAGE), "{text}");

    assert_eq!(image.label(labels::TEST), None, "nothing may be tagged {}", image.target.reference());
}
