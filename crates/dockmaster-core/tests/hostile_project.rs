//! Opening an untrusted project fails fast (issue 14, finding 11): files that are not regular, too large,
//! nested too deeply, or that expand to gigabytes are refused with a clear error, within a hang guard, and
//! nothing in the project is changed.

#![allow(clippy::unwrap_used)]

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::Duration;

use dockmaster_core::fsutil::Refusal;
use dockmaster_core::{CoreError, OpenOptions, Project};

/// Generous: each case takes milliseconds; this only turns a hang into a failure.
const HANG_GUARD: Duration = Duration::from_secs(5);

const COMPOSE: &str = "services:\n  web:\n    image: busybox\n";

/// Every regular file under `dir` (symlinks and special files by what they are, not what they hold).
fn snapshot(dir: &Path) -> BTreeMap<PathBuf, String> {
    let mut out = BTreeMap::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let meta = std::fs::symlink_metadata(&path).unwrap();
        let what = if meta.file_type().is_symlink() {
            format!("link to {}", std::fs::read_link(&path).unwrap().display())
        } else if meta.is_file() {
            format!("{} bytes, sha {:x}", meta.len(), simple_hash(&std::fs::read(&path).unwrap()))
        } else {
            format!("{:?}", meta.file_type())
        };
        out.insert(path, what);
    }
    out
}

fn simple_hash(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3))
}

/// Opens `dir` and builds the default report in a thread, failing the test if that takes longer than the
/// hang guard; checks that nothing in `dir` changed.
fn open_guarded(dir: &Path, env: &[(&str, &str)]) -> Result<usize, CoreError> {
    let before = snapshot(dir);
    let (tx, rx) = mpsc::channel();
    let options = OpenOptions {
        process_env: Some(env.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect::<HashMap<_, _>>()),
        ..OpenOptions::new(dir)
    };
    std::thread::spawn(move || {
        let result =
            Project::open(options).and_then(|p| p.report(&p.default_selection())).map(|r| r.warnings.len());
        let _ = tx.send(result);
    });
    let result = rx.recv_timeout(HANG_GUARD).unwrap_or_else(|_| panic!("{}: opening hung", dir.display()));
    assert_eq!(snapshot(dir), before, "{}: the project's files changed", dir.display());
    result
}

fn project(compose: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("compose.yaml"), compose).unwrap();
    dir
}

fn mkfifo(path: &Path) {
    use rustix::fs::{FileType, Mode};
    rustix::fs::mknodat(rustix::fs::CWD, path, FileType::Fifo, Mode::RUSR | Mode::WUSR, 0).unwrap();
}

fn sparse(path: &Path, len: u64) {
    std::fs::File::create(path).unwrap().set_len(len).unwrap();
}

fn refused(result: Result<usize, CoreError>, name: &str) -> Refusal {
    match result {
        Err(CoreError::FileRefused { path, refusal }) => {
            assert!(path.ends_with(name), "{} is not {name}", path.display());
            refusal
        }
        other => panic!("expected {name} to be refused, got {other:?}"),
    }
}

#[test]
fn a_compose_file_linked_to_a_huge_file_is_refused_unread() {
    let dir = tempfile::tempdir().unwrap();
    let big = tempfile::tempdir().unwrap();
    sparse(&big.path().join("huge.yaml"), 1 << 30);
    std::os::unix::fs::symlink(big.path().join("huge.yaml"), dir.path().join("compose.yaml")).unwrap();
    let refusal = refused(open_guarded(dir.path(), &[]), "compose.yaml");
    assert!(matches!(refusal, Refusal::TooLarge { .. }), "{refusal}");
    assert!(refusal.to_string().contains("8 MiB, the limit for a Compose file"), "{refusal}");
}

#[test]
fn compose_file_naming_a_proc_file_is_refused() {
    let dir = project(COMPOSE);
    let refusal = refused(open_guarded(dir.path(), &[("COMPOSE_FILE", "/proc/self/pagemap")]), "pagemap");
    assert!(matches!(refusal, Refusal::NotRegular { .. }), "{refusal}");
    assert!(refusal.to_string().contains("/proc"), "{refusal}");
}

#[test]
fn compose_file_naming_a_fifo_is_refused_without_blocking() {
    let dir = project(COMPOSE);
    mkfifo(&dir.path().join("pipe.yaml"));
    let refusal = refused(open_guarded(dir.path(), &[("COMPOSE_FILE", "pipe.yaml")]), "pipe.yaml");
    assert_eq!(refusal, Refusal::NotRegular { kind: "a FIFO (named pipe)", what: "a Compose file" });
}

#[test]
fn an_env_file_linked_to_a_big_file_or_a_fifo_is_refused() {
    let dir = project(COMPOSE);
    sparse(&dir.path().join("big.env"), 2 << 20);
    std::os::unix::fs::symlink("big.env", dir.path().join(".env")).unwrap();
    let refusal = refused(open_guarded(dir.path(), &[]), ".env");
    assert!(refusal.to_string().contains("1 MiB, the limit for a .env file"), "{refusal}");

    let dir = project(COMPOSE);
    mkfifo(&dir.path().join(".env"));
    let refusal = refused(open_guarded(dir.path(), &[]), ".env");
    assert!(matches!(refusal, Refusal::NotRegular { .. }), "{refusal}");
}

#[test]
fn a_descriptor_linked_to_a_device_is_refused() {
    let dir = project(COMPOSE);
    std::os::unix::fs::symlink("/dev/zero", dir.path().join(".dockmaster.toml")).unwrap();
    let refusal = refused(open_guarded(dir.path(), &[]), ".dockmaster.toml");
    assert_eq!(refusal, Refusal::NotRegular { kind: "a device", what: "a stack descriptor" });
}

/// 80 KB of `[` took 23 s in the YAML parser before its own depth limit said no.
#[test]
fn deeply_nested_flow_yaml_is_refused_before_parsing() {
    for nest in ["[", "{a: ", "- "] {
        let text = match nest {
            "- " => format!("services:\n  web:\n    command:\n{}x\n", nest.repeat(40_000)),
            _ => format!("services:\n  web:\n    command: {}\n", nest.repeat(80_000 / nest.len())),
        };
        let dir = project(&text);
        match open_guarded(dir.path(), &[]) {
            Err(CoreError::ComposeInvalid { path, line: Some(_), message, .. }) => {
                assert!(path.ends_with("compose.yaml"), "{}", path.display());
                assert!(message.contains("more than 64 levels"), "{message}");
            }
            other => panic!("{nest:?}: {other:?}"),
        }
    }
}

#[test]
fn aliases_that_expand_to_gigabytes_are_refused() {
    let mut text = format!("x-a0: &a0 \"{}\"\n", "x".repeat(1 << 20));
    for level in 1..=4 {
        text.push_str(&format!(
            "x-a{level}: &a{level} [{}]\n",
            vec![format!("*a{}", level - 1); 10].join(", ")
        ));
    }
    text.push_str("services:\n  web:\n    image: busybox\n    command: *a4\n");
    let dir = project(&text);
    match open_guarded(dir.path(), &[]) {
        Err(CoreError::ComposeInvalid { message, .. }) => {
            assert!(message.contains("16 MiB of text"), "{message}")
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn variables_repeated_into_gigabytes_are_refused() {
    // A 1 MiB value used a hundred thousand times: 100 GB once substituted.
    let big = "v".repeat(1 << 20);
    let dir = project(&format!(
        "services:\n  web:\n    image: busybox\n    command: \"{}\"\n",
        "$BIG".repeat(100_000)
    ));
    match open_guarded(dir.path(), &[("BIG", &big)]) {
        Err(CoreError::InvalidTemplate { reason, template, .. }) => {
            assert!(reason.contains("grows past 64 MiB"), "{reason}");
            assert!(template.chars().count() < 200, "the error quotes a bounded part of the template");
        }
        other => panic!("{other:?}"),
    }

    let dir = project(COMPOSE);
    let env = format!("A={}\nB={}\n", "a".repeat(1000), "$A".repeat(200_000));
    std::fs::write(dir.path().join(".env"), env).unwrap();
    match open_guarded(dir.path(), &[]) {
        Err(CoreError::EnvFileInvalid { line: 2, message, .. }) => {
            assert!(message.contains("the value of B") && message.contains("grows"), "{message}")
        }
        other => panic!("{other:?}"),
    }
}

/// A 101-byte file with two full port ranges made 131070 bindings; comparing every pair took 24 s.
#[test]
fn full_port_ranges_report_in_linear_time() {
    let text = "services:\n  web:\n    image: busybox\n    ports:\n      - \"1-65535:1-65535\"\n      - \"127.0.0.1:1-65535:1-65535\"\n";
    let dir = project(text);
    assert_eq!(open_guarded(dir.path(), &[]).unwrap(), 65535, "one conflict per port");
}

/// 3000 networks on one subnet listed every overlapping pair: 4.5 million warnings.
#[test]
fn identical_subnets_list_a_bounded_number_of_overlaps() {
    let mut text = String::from("services:\n  web:\n    image: busybox\nnetworks:\n");
    for i in 0..3000 {
        text.push_str(&format!("  n{i}: {{ipam: {{config: [{{subnet: 10.0.0.0/8}}]}}}}\n"));
    }
    let dir = project(&text);
    assert_eq!(open_guarded(dir.path(), &[]).unwrap(), 1001, "1000 overlaps and a note that there are more");
}

/// Each `${K0}` searched every earlier line: 50 000 lines made 1.25 billion comparisons.
#[test]
fn env_lookups_do_not_scan_the_file() {
    let dir = project(COMPOSE);
    std::fs::write(dir.path().join(".env"), "K=${K0}\n".repeat(50_000)).unwrap();
    assert!(open_guarded(dir.path(), &[]).is_ok());
}

/// Overview and report for tens of thousands of services, profiles, networks and volumes: each profile's
/// services and each network's and volume's users are gathered in one pass (comparing every pair hung the
/// window). No timing assertion: the guard only turns a hang into a failure.
#[test]
fn many_services_profiles_networks_and_volumes_build_in_linear_time() {
    const N: usize = 20_000;
    let mut text = String::from("services:\n");
    for i in 0..N {
        // Always on, each on its own network and volume, all also on `shared`.
        text.push_str(&format!(
            "  s{i}: {{image: busybox, networks: [n{i}, shared], volumes: [\"v{i}:/data\", \"shared:/shared\"]}}\n"
        ));
        // In a profile of its own, not active by default.
        text.push_str(&format!("  p{i}: {{image: busybox, profiles: [p{i}]}}\n"));
    }
    text.push_str("networks:\n  shared: {}\n");
    for i in 0..N {
        text.push_str(&format!("  n{i}: {{}}\n"));
    }
    text.push_str("volumes:\n  shared: {}\n");
    for i in 0..N {
        text.push_str(&format!("  v{i}: {{}}\n"));
    }
    let dir = project(&text);
    let root = dir.path().to_path_buf();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let result =
            Project::open(OpenOptions { process_env: Some(HashMap::new()), ..OpenOptions::new(root) })
                .and_then(|p| Ok((p.overview(), p.report(&p.default_selection())?)));
        let _ = tx.send(result);
    });
    let (overview, report) =
        rx.recv_timeout(Duration::from_secs(120)).expect("building the overview and report hung").unwrap();

    assert_eq!(overview.profiles.len(), N);
    assert!(
        overview.profiles.iter().all(|p| p.services == [p.name.clone()]),
        "each profile has its one service"
    );
    assert_eq!(overview.profiles[N - 1].name, format!("p{}", N - 1));
    assert_eq!(overview.always_on.len(), N);

    assert_eq!(report.services.len(), N, "the profiled services are not active by default");
    assert_eq!(report.networks.len(), N + 1);
    assert_eq!(report.volumes.len(), N + 1);
    // Declared order: `shared` first; its users are every active service, in order, once.
    let shared = &report.networks[0];
    assert_eq!((shared.name.as_str(), shared.services.len()), ("shared", N));
    assert_eq!(shared.services[N - 1], format!("s{}", N - 1));
    assert_eq!(report.volumes[0].name, "shared");
    assert_eq!(report.volumes[0].services.len(), N);
    assert!(report.networks[1..]
        .iter()
        .zip(0..)
        .all(|(n, i)| n.name == format!("n{i}") && n.services == [format!("s{i}")]));
    assert!(report.volumes[1..]
        .iter()
        .zip(0..)
        .all(|(v, i)| v.name == format!("v{i}") && v.services == [format!("s{i}")]));
}
