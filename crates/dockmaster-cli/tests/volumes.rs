//! `dockmaster volume ls|backup|restore` on the real engine with the demo stack (Compose v2, and a round trip
//! whose restore stops and starts the service through Compose v1 on a v1 stack): known files written
//! into a service's volume, backed up, wiped, restored and compared by SHA-256 (the service stopped and started
//! again around the restore); the refusals that change nothing — a container outside the project mounting the
//! volume, a truncated and a corrupted archive, a wrong confirmation; a backup interrupted with SIGINT (exit 130,
//! its helper removed, no archive left); a restore whose unpacking fails part-way, and one cancelled with SIGINT
//! while unpacking, leave the volume's files exactly as they were (no staging folder, the service started
//! again); and on a PRIVATE dockerd reached over TLS as a Docker context (`--engine far`), a volume of the demo's
//! service there backed up into an archive on this machine, wiped, restored and compared, the service stopped and
//! started there by Compose, the helpers created there (the engine's own events) and none on the shared engine.
//! Helper containers carry this run's
//! `dockmaster.test` label (`DOCKMASTER_TEST_LABEL`) and none is left; everything made is removed.
#![cfg(target_os = "linux")]

mod engine_support;

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

use engine_support::*;
use serde_json::Value;

struct Vols<'a> {
    stack: &'a DemoStack,
    tag: String,
}

impl Vols<'_> {
    fn new<'s>(stack: &'s DemoStack, tag: &str) -> Vols<'s> {
        Vols { stack, tag: tag.to_string() }
    }
}

impl Vols<'_> {
    fn dockmaster(&self, args: &[&str]) -> Output {
        run(&mut self.command(args))
    }

    /// `volume restore VOLUME --from ARCHIVE --confirm CONFIRM`.
    fn restore(&self, volume: &str, archive: &Path, confirm: &str) -> Output {
        self.dockmaster(&restore_args(volume, archive, confirm))
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_dockmaster"));
        cmd.arg("--project").arg(repo().join("demo")).args(["-p", &self.stack.project, "--json"]).args(args);
        for (key, _) in std::env::vars() {
            if key.starts_with("COMPOSE_") || key == "DOCKMASTER_COMPOSE" {
                cmd.env_remove(key);
            }
        }
        cmd.envs(self.stack.env.iter().map(|(k, v)| (k, v)));
        cmd.env("DOCKMASTER_TEST_LABEL", &self.tag);
        // The stack's own Compose stops and starts its services around a restore.
        cmd.env("DOCKMASTER_COMPOSE", if self.stack.compose == Compose::V1 { "v1" } else { "v2" });
        cmd
    }
}

fn restore_args<'a>(volume: &'a str, archive: &'a Path, confirm: &'a str) -> [&'a str; 7] {
    ["volume", "restore", volume, "--from", archive.to_str().expect("utf-8"), "--confirm", confirm]
}

fn text(o: &Output) -> String {
    format!(
        "status {:?}\n{}\n{}",
        o.status.code(),
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// The last JSON line of stdout.
fn last_json(o: &Output) -> Value {
    let out = String::from_utf8_lossy(&o.stdout);
    let line = out.lines().last().unwrap_or_else(|| panic!("no output:\n{}", text(o)));
    serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}\n{}", text(o)))
}

fn error_code(o: &Output) -> String {
    error(o)["code"].as_str().unwrap_or_default().to_string()
}

/// The error of a failed backup or restore (its last JSON line: `{"kind": "error", "error": …}`).
fn error(o: &Output) -> Value {
    let line = last_json(o);
    assert_eq!(line["kind"], "error", "{}", text(o));
    line["error"].clone()
}

fn docker(args: &[&str]) -> String {
    run_ok(Command::new("docker").args(args))
}

fn sha256(bytes: &[u8]) -> String {
    let mut child = Command::new("sha256sum")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("sha256sum runs");
    child.stdin.take().expect("stdin").write_all(bytes).expect("write");
    let out = child.wait_with_output().expect("sha256sum ends");
    String::from_utf8_lossy(&out.stdout).split_whitespace().next().unwrap_or_default().to_string()
}

/// What the volume holds, seen from the service's container: the listing (names, modes, owners, sizes, links;
/// not the times — `tar -x` gives a folder and a link the time of the restore) and the SHA-256 of each known
/// file.
fn manifest(container: &str) -> String {
    manifest_on(None, container)
}

/// `manifest` of a container on the engine `host` (`None`: the shared engine).
fn manifest_on(host: Option<&str>, container: &str) -> String {
    let docker_on = |args: &[&str]| {
        let mut cmd = Command::new("docker");
        if let Some(h) = host {
            cmd.args(["-H", h]);
        }
        run(cmd.args(args))
    };
    let listing = docker_on(&["exec", container, "ls", "-lnR", "/data"]);
    assert!(listing.status.success(), "ls in {container}: {}", text(&listing));
    let listing = String::from_utf8_lossy(&listing.stdout).into_owned();
    let mut out = String::new();
    for line in listing.lines() {
        let fields: Vec<&str> = line.split_whitespace().collect();
        // `-rw-r--r-- 1 0 0 15 Dec 6 07:50 a.txt`: without month, day and time.
        if fields.len() >= 9 && fields[0].len() == 10 {
            out.push_str(&format!("{} {}\n", fields[..5].join(" "), fields[8..].join(" ")));
        } else {
            out.push_str(&format!("{line}\n"));
        }
    }
    for file in ["/data/a.txt", "/data/sub/b.bin", "/data/.hidden"] {
        let bytes = docker_on(&["exec", container, "cat", file]).stdout;
        out.push_str(&format!("{file} {} {}\n", bytes.len(), sha256(&bytes)));
    }
    out
}

fn running(container: &str) -> bool {
    docker(&["inspect", "-f", "{{.State.Running}}", container]).trim() == "true"
}

fn leftover_helpers(tag: &str) -> String {
    docker(&[
        "ps",
        "-aq",
        "--filter",
        &format!("label=dockmaster.test={tag}"),
        "--filter",
        "label=dockmaster.helper",
    ])
}

#[test]
fn backup_wipe_restore_round_trip_and_refusals_that_change_nothing() {
    require_engine();
    let stack = DemoStack::new(Compose::V2);
    let tag = format!("vol-{}-{}", std::process::id(), fastrand::u32(0..1_000_000));
    stack.up(&["development"], &["redis-cache"]);
    let vols = Vols::new(&stack, &tag);
    let cache = stack.container("redis-cache");
    let volume = format!("{}_redis_cache_data", stack.project);
    let tmp = tempfile::tempdir().expect("tempdir");

    // ls: the volume, the service mounting it, on the engine.
    let o = vols.dockmaster(&["volume", "ls"]);
    assert!(o.status.success(), "{}", text(&o));
    let list: Value =
        serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {}", text(&o)));
    let entry = list.as_array().expect("a list").iter().find(|v| v["name"] == volume.as_str()).cloned();
    let entry = entry.unwrap_or_else(|| panic!("{volume} not listed: {list}"));
    assert_eq!(entry["declaredAs"], "redis_cache_data");
    assert_eq!(entry["services"], serde_json::json!(["redis-cache"]));
    assert_eq!(entry["exists"], true);

    // Known files: text, 300 kB of random bytes in a folder, a hidden file, a symlink.
    docker(&[
        "exec",
        &cache,
        "sh",
        "-c",
        "mkdir -p /data/sub && echo known contents >/data/a.txt && head -c 300000 /dev/urandom >/data/sub/b.bin \
         && echo hidden >/data/.hidden && ln -s a.txt /data/link && chmod 640 /data/a.txt",
    ]);
    let before = manifest(&cache);
    assert!(before.contains("link -> a.txt") && before.contains("/data/sub/b.bin 300000 "), "{before}");

    // Backup: progress events, then the result; the archive (mode 0600) and its checksum file.
    let archive = tmp.path().join("cache.tar.gz");
    let o = vols.dockmaster(&["volume", "backup", &volume, "--output", archive.to_str().expect("utf-8")]);
    assert!(o.status.success(), "{}", text(&o));
    let result = last_json(&o);
    assert_eq!(result["kind"], "result", "{result}");
    let sha = result["result"]["sha256"].as_str().expect("sha256").to_string();
    assert_eq!(sha, sha256(&std::fs::read(&archive).expect("archive")));
    let sum = std::fs::read_to_string(tmp.path().join("cache.tar.gz.sha256")).expect("checksum file");
    assert_eq!(sum, format!("{sha}  cache.tar.gz\n"));
    assert!(String::from_utf8_lossy(&o.stdout).contains("\"kind\":\"progress\""), "{}", text(&o));
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&archive).expect("archive").permissions().mode() & 0o777, 0o600);
    }
    // Never over an existing file.
    let o = vols.dockmaster(&["volume", "backup", &volume, "--output", archive.to_str().expect("utf-8")]);
    assert_eq!((o.status.code(), error_code(&o).as_str()), (Some(5), "BACKUP_FAILED"), "{}", text(&o));
    assert_eq!(sha256(&std::fs::read(&archive).expect("archive")), sha);

    // Wipe, and leave a stray file the restore must remove.
    docker(&["exec", &cache, "sh", "-c", "rm -rf /data/* /data/.hidden && echo stray >/data/stray.txt"]);
    assert_ne!(manifest(&cache), before);
    let wiped = manifest(&cache);

    // A wrong confirmation changes nothing.
    let o = vols.restore(&volume, &archive, "redis_cache_data");
    assert_eq!((o.status.code(), error_code(&o).as_str()), (Some(2), "RESTORE_UNCONFIRMED"), "{}", text(&o));
    assert_eq!(manifest(&cache), wiped);

    // A truncated and a corrupted archive (each with the good checksum file beside it) are refused before the
    // volume is touched: the service keeps running, its files stay.
    let good = std::fs::read(&archive).expect("archive");
    for (name, bytes) in [
        ("truncated.tar.gz", good[..good.len() / 2].to_vec()),
        ("corrupted.tar.gz", {
            let mut b = good.clone();
            let mid = b.len() / 2;
            b[mid] ^= 0x5a;
            b
        }),
    ] {
        let bad = tmp.path().join(name);
        std::fs::write(&bad, &bytes).expect("write");
        std::fs::write(tmp.path().join(format!("{name}.sha256")), format!("{sha}  {name}\n")).expect("write");
        let o = vols.restore(&volume, &bad, &volume);
        assert_eq!(
            (o.status.code(), error_code(&o).as_str()),
            (Some(5), "ARCHIVE_INVALID"),
            "{name}: {}",
            text(&o)
        );
        assert!(error(&o)["message"].as_str().unwrap_or_default().contains("nothing was restored"));
        assert!(running(&cache), "{name}: the service was not stopped");
        assert_eq!(manifest(&cache), wiped, "{name}: the volume was touched");
    }

    // A container outside the project mounting the volume: refused, named, nothing changed.
    let foreign = format!("{tag}-foreign");
    docker(&[
        "create",
        "--name",
        &foreign,
        "--label",
        &format!("dockmaster.test={tag}"),
        "-v",
        &format!("{volume}:/x"),
        IMAGE,
        "true",
    ]);
    let o = vols.restore(&volume, &archive, &volume);
    docker(&["rm", "-f", &foreign]);
    assert_eq!((o.status.code(), error_code(&o).as_str()), (Some(5), "VOLUME_IN_USE"), "{}", text(&o));
    assert!(error(&o)["message"].as_str().unwrap_or_default().contains(&foreign), "{}", text(&o));
    assert!(running(&cache));
    assert_eq!(manifest(&cache), wiped);

    // The restore: the service stopped first and started again; the files are what was backed up, the stray one
    // gone.
    let o = vols.restore(&volume, &archive, &volume);
    assert!(o.status.success(), "{}", text(&o));
    let result = last_json(&o);
    assert_eq!(result["result"]["stopped"], serde_json::json!(["redis-cache"]), "{result}");
    assert_eq!(result["result"]["restarted"], serde_json::json!(["redis-cache"]), "{result}");
    assert_eq!(result["result"]["sha256"], sha.as_str());
    assert!(running(&cache), "redis-cache was not started again");
    assert_eq!(manifest(&cache), before);

    // Interrupted (SIGINT, as Ctrl-C) while its helper streams the volume: exit 130 with VOLUME_JOB_CANCELLED,
    // the helper container removed, no archive and no temporary file left, the service running with its files.
    docker(&["exec", &cache, "sh", "-c", "head -c 100000000 /dev/urandom >/data/big.bin"]);
    let slow = tmp.path().join("interrupted.tar.gz");
    let child = vols
        .command(&["volume", "backup", &volume, "--output", slow.to_str().expect("utf-8")])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("dockmaster volume backup");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while leftover_helpers(&tag).trim().is_empty() {
        assert!(std::time::Instant::now() < deadline, "no helper container appeared within 60 s");
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    run_ok(Command::new("kill").args(["-INT", &child.id().to_string()]));
    let o = child.wait_with_output().expect("the interrupted backup's output");
    assert_eq!(
        (o.status.code(), error_code(&o).as_str()),
        (Some(130), "VOLUME_JOB_CANCELLED"),
        "{}",
        text(&o)
    );
    assert!(
        error(&o)["message"].as_str().unwrap_or_default().contains("no archive was written"),
        "{}",
        text(&o)
    );
    assert_eq!(leftover_helpers(&tag).trim(), "", "the interrupted backup left its helper container");
    let left: Vec<String> = std::fs::read_dir(tmp.path())
        .expect("the archive folder")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .filter(|name| name.contains("interrupted"))
        .collect();
    assert!(left.is_empty(), "the interrupted backup left files: {left:?}");
    assert!(running(&cache));
    docker(&["exec", &cache, "rm", "/data/big.bin"]);
    assert_eq!(manifest(&cache), before);

    // An unknown volume is named as such.
    let o = vols.dockmaster(&["volume", "backup", "no-such-volume"]);
    assert_eq!((o.status.code(), error_code(&o).as_str()), (Some(2), "VOLUME_NOT_FOUND"), "{}", text(&o));

    assert_eq!(leftover_helpers(&tag).trim(), "", "helper containers were left");
    remove_labelled(&[&format!("dockmaster.test={tag}")]);
}

/// The entries at the top of the service's `/data` (hidden ones included): no staging folder may be among them.
fn top_entries(container: &str) -> String {
    docker(&["exec", container, "ls", "-a", "/data"])
}

#[test]
fn a_restore_that_fails_or_is_cancelled_while_unpacking_leaves_the_volume_as_it_was() {
    require_engine();
    let stack = DemoStack::new(Compose::V2);
    let tag = format!("volx-{}-{}", std::process::id(), fastrand::u32(0..1_000_000));
    stack.up(&["development"], &["redis-cache"]);
    let vols = Vols::new(&stack, &tag);
    let cache = stack.container("redis-cache");
    let volume = format!("{}_redis_cache_data", stack.project);
    let tmp = tempfile::tempdir().expect("tempdir");
    docker(&[
        "exec",
        &cache,
        "sh",
        "-c",
        "mkdir -p /data/sub && echo known contents >/data/a.txt && head -c 300000 /dev/urandom >/data/sub/b.bin \
         && echo hidden >/data/.hidden && ln -s a.txt /data/link",
    ]);
    let before = manifest(&cache);
    let top = top_entries(&cache);

    // An archive that passes every check up front but whose unpacking fails part-way: 2 MB unpack, then `a`
    // is a file, then `a/b` cannot be created under it.
    let (d1, d2) = (tmp.path().join("d1"), tmp.path().join("d2"));
    std::fs::create_dir_all(d2.join("a")).expect("mkdir");
    std::fs::create_dir_all(&d1).expect("mkdir");
    std::fs::write(d1.join("first.bin"), vec![7u8; 2_000_000]).expect("write");
    std::fs::write(d1.join("a"), "a file\n").expect("write");
    std::fs::write(d2.join("a/b"), "under a file\n").expect("write");
    let tar = tmp.path().join("bad.tar");
    let tar_s = tar.to_str().expect("utf-8");
    run_ok(Command::new("tar").args(["-cf", tar_s, "-C", d1.to_str().expect("utf-8"), "./first.bin", "./a"]));
    run_ok(Command::new("tar").args(["-rf", tar_s, "-C", d2.to_str().expect("utf-8"), "./a/b"]));
    run_ok(Command::new("gzip").arg(tar_s));
    let bad = tmp.path().join("bad.tar.gz");
    let sha = sha256(&std::fs::read(&bad).expect("archive"));
    std::fs::write(tmp.path().join("bad.tar.gz.sha256"), format!("{sha}  bad.tar.gz\n")).expect("write");

    let o = vols.restore(&volume, &bad, &volume);
    assert_eq!((o.status.code(), error_code(&o).as_str()), (Some(5), "RESTORE_FAILED"), "{}", text(&o));
    let message = error(&o)["message"].as_str().unwrap_or_default().to_string();
    assert!(
        message.contains("nothing was replaced") && message.contains("its files are as they were"),
        "{message}"
    );
    assert!(message.contains("redis-cache started again"), "{message}");
    // It did get part-way: progress was reported before the failure.
    assert!(String::from_utf8_lossy(&o.stdout).contains("\"kind\":\"progress\""), "{}", text(&o));
    assert!(running(&cache), "redis-cache was not started again");
    assert_eq!(top_entries(&cache), top, "a staging folder was left");
    assert_eq!(manifest(&cache), before, "the failed restore changed the volume");
    assert_eq!(leftover_helpers(&tag).trim(), "", "the failed restore left a helper container");

    // SIGINT (as Ctrl-C) while a large archive is being unpacked: the same core cancel the window's Cancel
    // uses — exit 130, VOLUME_JOB_CANCELLED saying nothing was replaced, the staging folder removed, the
    // service started again, the files (changed since the backup) as they were.
    docker(&["exec", &cache, "sh", "-c", "head -c 150000000 /dev/urandom >/data/big.bin"]);
    let big = tmp.path().join("big.tar.gz");
    let o = vols.dockmaster(&["volume", "backup", &volume, "--output", big.to_str().expect("utf-8")]);
    assert!(o.status.success(), "{}", text(&o));
    docker(&["exec", &cache, "sh", "-c", "rm /data/big.bin && echo changed since >/data/a.txt"]);
    let changed = manifest(&cache);
    let top = top_entries(&cache);
    let mut child = vols
        .command(&restore_args(&volume, &big, &volume))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("dockmaster volume restore");
    let lines = read_lines(child.stdout.take().expect("stdout"));
    let mut seen = Vec::new();
    loop {
        let line = lines
            .recv_timeout(std::time::Duration::from_secs(90))
            .unwrap_or_else(|_| panic!("no progress of the unpacking within 90 s: {seen:?}"));
        let progress = line.contains("\"kind\":\"progress\"");
        seen.push(line);
        if progress {
            break;
        }
    }
    run_ok(Command::new("kill").args(["-INT", &child.id().to_string()]));
    let status = child.wait().expect("the interrupted restore ends");
    let mut stderr = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().expect("stderr"), &mut stderr).expect("stderr");
    seen.extend(lines.iter());
    let last = seen.last().cloned().unwrap_or_default();
    let line: Value =
        serde_json::from_str(&last).unwrap_or_else(|e| panic!("not JSON ({e}): {last}\n{stderr}"));
    assert_eq!(
        (status.code(), line["error"]["code"].as_str().unwrap_or_default()),
        (Some(130), "VOLUME_JOB_CANCELLED"),
        "{last}\n{stderr}"
    );
    let message = line["error"]["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("cancelled while unpacking, before anything was replaced")
            && message.contains("its files are as they were")
            && message.contains("redis-cache started again"),
        "{message}"
    );
    assert!(running(&cache), "redis-cache was not started again");
    assert_eq!(top_entries(&cache), top, "a staging folder was left");
    assert_eq!(manifest(&cache), changed, "the cancelled restore changed the volume");
    assert_eq!(leftover_helpers(&tag).trim(), "", "the cancelled restore left a helper container");

    // The same archive restored to its end: the swap puts the backed-up files in place.
    let o = vols.restore(&volume, &big, &volume);
    assert!(o.status.success(), "{}", text(&o));
    assert!(top_entries(&cache).contains("big.bin"));
    assert!(!top_entries(&cache).contains(".dockmaster-"), "{}", top_entries(&cache));
    docker(&["exec", &cache, "rm", "/data/big.bin"]);
    assert_eq!(manifest(&cache), before);

    assert_eq!(leftover_helpers(&tag).trim(), "", "helper containers were left");
    remove_labelled(&[&format!("dockmaster.test={tag}")]);
}

#[test]
fn with_compose_v1_a_restore_stops_and_starts_the_services_through_v1() {
    require_engine();
    let stack = DemoStack::new(Compose::V1);
    let tag = format!("volv1-{}-{}", std::process::id(), fastrand::u32(0..1_000_000));
    stack.up(&["development"], &["redis-cache"]);
    let vols = Vols::new(&stack, &tag);
    let cache = stack.container("redis-cache");
    let volume = format!("{}_redis_cache_data", stack.project);
    let tmp = tempfile::tempdir().expect("tempdir");
    // Made by Compose v1 (its own version label), so the restore's stop and start are v1's.
    let made_by =
        docker(&["inspect", "-f", "{{index .Config.Labels \"com.docker.compose.version\"}}", &cache]);
    assert!(made_by.trim().starts_with("1."), "not a Compose v1 container: {made_by}");
    docker(&[
        "exec",
        &cache,
        "sh",
        "-c",
        "mkdir -p /data/sub && echo known contents >/data/a.txt && head -c 300000 /dev/urandom >/data/sub/b.bin \
         && echo hidden >/data/.hidden && ln -s a.txt /data/link",
    ]);
    let before = manifest(&cache);
    let started = docker(&["inspect", "-f", "{{.State.StartedAt}}", &cache]);

    let archive = tmp.path().join("v1.tar.gz");
    let o = vols.dockmaster(&["volume", "backup", &volume, "--output", archive.to_str().expect("utf-8")]);
    assert!(o.status.success(), "{}", text(&o));
    docker(&["exec", &cache, "sh", "-c", "rm -rf /data/* /data/.hidden && echo stray >/data/stray.txt"]);
    assert_ne!(manifest(&cache), before);

    let o = vols.restore(&volume, &archive, &volume);
    assert!(o.status.success(), "{}", text(&o));
    let result = last_json(&o);
    assert_eq!(result["result"]["stopped"], serde_json::json!(["redis-cache"]), "{result}");
    assert_eq!(result["result"]["restarted"], serde_json::json!(["redis-cache"]), "{result}");
    assert!(running(&cache), "redis-cache was not started again");
    // Stopped and started again (the same container, a new start), not left running through the restore.
    assert_ne!(docker(&["inspect", "-f", "{{.State.StartedAt}}", &cache]), started);
    assert_eq!(
        docker(&["inspect", "-f", "{{index .Config.Labels \"com.docker.compose.version\"}}", &cache]),
        made_by,
        "the container was recreated by another Compose"
    );
    assert_eq!(manifest(&cache), before);
    assert!(!top_entries(&cache).contains(".dockmaster-"), "{}", top_entries(&cache));

    assert_eq!(leftover_helpers(&tag).trim(), "", "helper containers were left");
    remove_labelled(&[&format!("dockmaster.test={tag}")]);
}

/// The names of the helper containers of this run (`dockmaster.test=TAG`) created on the engine `host` (`None`:
/// the shared engine) between `since` and `until` (Unix seconds), from the engine's own event log.
fn helpers_created(host: Option<&str>, tag: &str, since: u64, until: u64) -> Vec<String> {
    let mut cmd = Command::new("docker");
    if let Some(h) = host {
        cmd.args(["-H", h]);
    }
    cmd.args(["events", "--since", &since.to_string(), "--until", &until.to_string()]);
    cmd.args([
        "--filter",
        "type=container",
        "--filter",
        "event=create",
        "--filter",
        "label=dockmaster.helper",
    ]);
    cmd.args(["--filter", &format!("label=dockmaster.test={tag}"), "--format", "{{.Actor.Attributes.name}}"]);
    run_ok(&mut cmd).lines().map(str::to_string).filter(|l| !l.is_empty()).collect()
}

fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default()
}

#[test]
fn on_a_private_tls_engine_backup_and_restore_run_there_and_the_archive_is_here() {
    use engine_support::tls::{ca, cert_path, dockerd_tls_args, leaf};
    require_engine();
    require_dockerd();
    const FAR: &str = "far";

    // A PRIVATE dockerd of this test, TLS-verifying on loopback, as the Docker context FAR in a throwaway config.
    let certs = tempfile::tempdir().expect("tempdir");
    ca(certs.path(), "ca");
    leaf(certs.path(), "server", "ca", "serverAuth");
    leaf(certs.path(), "client", "ca", "clientAuth");
    let client = cert_path(certs.path(), "client-certs", "ca", "client");
    let port = free_port();
    let mut engine = PrivateEngine::new();
    engine.start_with("sock", &dockerd_tls_args(certs.path(), port));
    engine.wait_answers("sock");
    engine.load_demo_image("sock");
    let private = engine.host("sock");
    let config = tempfile::tempdir().expect("config");
    let c = |n: &str| client.join(n).display().to_string();
    let docker_host =
        format!("host=tcp://127.0.0.1:{port},ca={},cert={},key={}", c("ca.pem"), c("cert.pem"), c("key.pem"));
    run_ok(Command::new("docker").arg("--config").arg(config.path()).args([
        "context",
        "create",
        FAR,
        "--docker",
        &docker_host,
    ]));
    // The restore's stop and start run `docker compose` with that config: it finds the installed plugin.
    link_compose_plugin(config.path());

    // The demo's redis-cache started there by Compose (nothing of the project on the shared engine).
    let stack = DemoStack::new(Compose::V2);
    let tag = format!("volfar-{}-{}", std::process::id(), fastrand::u32(0..1_000_000));
    let mut up = Command::new("docker");
    up.current_dir(repo().join("demo")).env("DOCKER_HOST", &private).env_remove("DOCKER_CONTEXT");
    for (key, _) in std::env::vars() {
        if key.starts_with("COMPOSE_") {
            up.env_remove(key);
        }
    }
    up.envs(stack.env.iter().map(|(k, v)| (k, v)));
    up.args([
        "compose",
        "-p",
        &stack.project,
        "--profile",
        "development",
        "up",
        "-d",
        "--wait",
        "redis-cache",
    ]);
    run_ok(&mut up);
    let cache = stack.container("redis-cache");
    let on_far = |args: &[&str]| run_ok(Command::new("docker").args(["-H", &private]).args(args));
    assert_eq!(on_far(&["inspect", "-f", "{{.State.Health.Status}}", &cache]).trim(), "healthy");
    assert!(
        run(Command::new("docker").args(["inspect", &cache])).status.code() != Some(0),
        "redis-cache is on the shared engine too"
    );
    let volume = format!("{}_redis_cache_data", stack.project);
    on_far(&[
        "exec",
        &cache,
        "sh",
        "-c",
        "mkdir -p /data/sub && echo known contents >/data/a.txt && head -c 300000 /dev/urandom >/data/sub/b.bin \
         && echo hidden >/data/.hidden && ln -s a.txt /data/link",
    ]);
    let before = manifest_on(Some(&private), &cache);
    assert!(before.contains("link -> a.txt") && before.contains("/data/sub/b.bin 300000 "), "{before}");

    // `dockmaster --engine far volume …`: the engine through the context only (no DOCKER_HOST, no DOCKER_CONTEXT).
    let vols = Vols::new(&stack, &tag);
    let far = |args: &[&str]| {
        let mut cmd = vols.command(&[&["--engine", FAR], args].concat());
        cmd.env("DOCKER_CONFIG", config.path());
        for key in ["DOCKER_HOST", "DOCKER_CONTEXT", "DOCKER_TLS_VERIFY", "DOCKER_CERT_PATH"] {
            cmd.env_remove(key);
        }
        run(&mut cmd)
    };
    let since = unix_now().saturating_sub(1);

    // Backup: the archive on this machine, its checksum what the command reported.
    let tmp = tempfile::tempdir().expect("tempdir");
    let archive = tmp.path().join("far.tar.gz");
    let o = far(&["volume", "backup", &volume, "--output", archive.to_str().expect("utf-8")]);
    assert!(o.status.success(), "{}", text(&o));
    let result = last_json(&o);
    assert_eq!(result["kind"], "result", "{result}");
    let sha = result["result"]["sha256"].as_str().expect("sha256").to_string();
    assert_eq!(sha, sha256(&std::fs::read(&archive).expect("the archive is on this machine")));

    // Wiped there, then restored (confirmed with the volume's name): the service stopped and started again on the
    // private engine, the files exactly what was backed up.
    on_far(&["exec", &cache, "sh", "-c", "rm -rf /data/* /data/.hidden && echo stray >/data/stray.txt"]);
    assert_ne!(manifest_on(Some(&private), &cache), before);
    let started = on_far(&["inspect", "-f", "{{.State.StartedAt}}", &cache]);
    let o = far(&restore_args(&volume, &archive, &volume));
    assert!(o.status.success(), "{}", text(&o));
    let result = last_json(&o);
    assert_eq!(result["result"]["stopped"], serde_json::json!(["redis-cache"]), "{result}");
    assert_eq!(result["result"]["restarted"], serde_json::json!(["redis-cache"]), "{result}");
    assert_eq!(on_far(&["inspect", "-f", "{{.State.Running}}", &cache]).trim(), "true");
    assert_ne!(
        on_far(&["inspect", "-f", "{{.State.StartedAt}}", &cache]),
        started,
        "not stopped and started"
    );
    assert_eq!(
        manifest_on(Some(&private), &cache),
        before,
        "the restored files differ from the backed-up ones"
    );

    // The helpers ran on the private engine (a backup's and a restore's, by the engine's events) and are gone;
    // none was ever created on the shared engine.
    let until = unix_now() + 1;
    let there = helpers_created(Some(&private), &tag, since, until);
    assert!(there.len() >= 2, "the backup's and the restore's helpers on the private engine: {there:?}");
    assert_eq!(
        helpers_created(None, &tag, since, until),
        Vec::<String>::new(),
        "a helper ran on the shared engine"
    );
    let left = on_far(&["ps", "-aq", "--filter", &format!("label=dockmaster.test={tag}")]);
    assert_eq!(left.trim(), "", "helper containers were left on the private engine");
    assert_eq!(leftover_helpers(&tag).trim(), "", "helper containers on the shared engine");

    // The stack, the context's config and the private engine (its containers, volumes and folder) go with their
    // drops; nothing of the project is on the shared engine.
    remove_project(Some(&private), &stack.project);
    engine.stop();
}
