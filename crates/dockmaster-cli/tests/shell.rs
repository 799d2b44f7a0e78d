//! `dockmaster shell` against the real engine and the demo stack (Compose v2): a command's output, input and
//! exit status through plain pipes; an interactive terminal (a pseudo-terminal from `script`: the size, the
//! command's status); the database and cache clients getting their credentials in their environment only
//! (a marker password is never on any process's command line, nor in what is shown, nor in the project's files);
//! a value printed by the container shown masked; and the refusals (unknown service, no client, not running).

mod engine_support;

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use engine_support::*;

/// Every `/proc/*/cmdline` that contains `marker`, sampled until `stop` is set.
fn watch_cmdlines(marker: String, stop: Arc<AtomicBool>) -> std::thread::JoinHandle<(usize, Vec<String>)> {
    std::thread::spawn(move || {
        let mut samples = 0;
        let mut found = Vec::new();
        while !stop.load(Ordering::Relaxed) {
            for entry in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
                if let Ok(cmdline) = std::fs::read(entry.path().join("cmdline")) {
                    let line = String::from_utf8_lossy(&cmdline).replace('\0', " ");
                    if line.contains(&marker) {
                        found.push(line);
                    }
                }
            }
            samples += 1;
            std::thread::sleep(Duration::from_millis(5));
        }
        (samples, found)
    })
}

/// Files under `dir` whose bytes contain `marker`.
fn files_containing(dir: &Path, marker: &str, hits: &mut Vec<String>) {
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        let Ok(meta) = std::fs::symlink_metadata(&path) else { continue };
        if meta.is_dir() {
            files_containing(&path, marker, hits);
        } else if meta.is_file() {
            let bytes = std::fs::read(&path).unwrap_or_default();
            if bytes.windows(marker.len()).any(|w| w == marker.as_bytes()) {
                hits.push(path.display().to_string());
            }
        }
    }
}

struct Shell<'a> {
    stack: &'a DemoStack,
}

impl Shell<'_> {
    fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_dockmaster"));
        cmd.arg("--project").arg(repo().join("demo")).args(["-p", &self.stack.project]).args(args);
        for (key, _) in std::env::vars() {
            if key.starts_with("COMPOSE_") {
                cmd.env_remove(key);
            }
        }
        cmd.envs(self.stack.env.iter().map(|(k, v)| (k, v)));
        cmd
    }

    /// Runs `dockmaster ARGS` with `stdin` piped in (then closed).
    fn run(&self, args: &[&str], stdin: &str) -> Output {
        let mut child = self
            .command(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("dockmaster runs");
        let mut input = child.stdin.take().expect("stdin");
        input.write_all(stdin.as_bytes()).expect("stdin");
        drop(input);
        child.wait_with_output().expect("dockmaster ends")
    }
}

fn out(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// The command's stderr, without dockmaster's own notes (`dockmaster: warning: …`, e.g. no keychain here).
fn err(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr)
        .lines()
        .filter(|l| !l.starts_with("dockmaster: "))
        .map(|l| format!("{l}\n"))
        .collect()
}

#[test]
fn shells_clients_and_masking_against_the_demo_stack() {
    require_engine();
    let mut stack = DemoStack::new(Compose::V2);
    let marker = format!("dmShellPw{}x{}", std::process::id(), fastrand::u32(100_000..1_000_000));
    stack.env.push(("POSTGRES_PASSWORD".into(), marker.clone()));
    stack.env.push(("POSTGRES_USER".into(), "shelltester".into()));
    stack.up(&["development"], &["database", "redis-cache", "gameserver"]);
    let shell = Shell { stack: &stack };

    let stop = Arc::new(AtomicBool::new(false));
    let hunter = watch_cmdlines(marker.clone(), Arc::clone(&stop));
    let shown = Mutex::new(Vec::<String>::new());
    let keep = |o: &Output| {
        let all = format!("{}{}", out(o), String::from_utf8_lossy(&o.stderr));
        shown.lock().expect("lock").push(all);
    };

    // A command: its stdout and stderr apart, its exit status.
    let o = shell.run(&["shell", "gameserver", "--", "sh", "-c", "echo hello; echo oops >&2; exit 7"], "");
    keep(&o);
    assert_eq!(o.status.code(), Some(7), "{}{}", out(&o), err(&o));
    assert_eq!(out(&o), "hello\n");
    assert_eq!(err(&o), "oops\n");

    // Its input through a pipe, end of input included.
    let o = shell.run(&["shell", "gameserver", "--", "sh", "-c", "cat; echo done"], "typed line\nsecond\n");
    keep(&o);
    assert!(o.status.success(), "{}", err(&o));
    assert_eq!(out(&o), "typed line\nsecond\ndone\n");

    // The shell itself (no command): reads its commands from the pipe.
    let o = shell.run(&["shell", "database"], "echo from-the-shell; exit 4\n");
    keep(&o);
    assert_eq!((o.status.code(), out(&o).as_str()), (Some(4), "from-the-shell\n"), "{}", err(&o));

    // The database client: the password reached its environment (its length proves it is the marker's), the
    // same one the server got; the user too; nothing on its command line.
    let o = shell.run(&["shell", "database", "--client"], "");
    keep(&o);
    assert!(o.status.success(), "{}{}", out(&o), err(&o));
    let text = out(&o);
    assert!(text.contains(&format!("PGPASSWORD is set ({} characters)", marker.len())), "{text}");
    assert!(text.contains("PGPASSWORD matches the server's POSTGRES_PASSWORD"), "{text}");
    assert!(text.contains("user=shelltester database=sectorwars_dev arguments=0"), "{text}");

    // The cache client.
    let o = shell.run(&["shell", "redis-cache", "--client"], "");
    keep(&o);
    assert!(o.status.success(), "{}{}", out(&o), err(&o));
    assert!(out(&o).contains("REDISCLI_AUTH is set"), "{}", out(&o));

    // The container prints the value (whole, in two writes by two processes, and on stderr): shown masked, the
    // rest intact.
    let script = "echo \"pw=$POSTGRES_PASSWORD.\"; printf '%s' \"$POSTGRES_PASSWORD\" | head -c 5; \
                  printf '%s\\n' \"$POSTGRES_PASSWORD\" | tail -c +6; echo \"$POSTGRES_PASSWORD\" >&2";
    let o = shell.run(&["shell", "database", "--", "sh", "-c", script], "");
    keep(&o);
    assert!(o.status.success(), "{}", err(&o));
    assert!(out(&o).contains("pw=[POSTGRES_PASSWORD hidden]."), "{}", out(&o));
    assert_eq!(
        out(&o).matches("hidden]").count(),
        2,
        "the value written in two pieces is hidden too: {}",
        out(&o)
    );
    assert!(err(&o).contains("[POSTGRES_PASSWORD hidden]"), "{}", err(&o));

    // Interactive: a pseudo-terminal (`script` gives one), raw mode, the terminal's size, the exit status.
    let mut cmd = shell.command(&["shell", "gameserver"]);
    cmd.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped());
    let program = cmd.get_program().to_string_lossy().into_owned();
    let args: Vec<String> = cmd.get_args().map(|a| format!("'{}'", a.to_string_lossy())).collect();
    assert!(!args.iter().any(|a| a.contains(&marker)), "the test itself puts no marker in argv");
    let inner = format!("stty cols 91 rows 17; exec '{program}' {}", args.join(" "));
    let mut script_cmd = Command::new("script");
    script_cmd.args(["-qefc", &inner, "/dev/null"]);
    script_cmd.envs(cmd.get_envs().filter_map(|(k, v)| Some((k, v?))));
    let mut child = script_cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("script");
    let mut input = child.stdin.take().expect("stdin");
    std::thread::sleep(Duration::from_secs(2));
    input.write_all(b"echo size=$(stty size) tty=$(tty | cut -c1-8)\r").expect("typed");
    std::thread::sleep(Duration::from_millis(700));
    input.write_all(b"exit 5\r").expect("typed");
    let o = child.wait_with_output().expect("script ends");
    drop(input);
    keep(&o);
    let text = out(&o);
    assert!(text.contains("size=17 91 tty=/dev/pts"), "the container's terminal has our size:\n{text}");
    assert_eq!(o.status.code(), Some(5), "{text}{}", err(&o));

    // Refusals: clear codes, nothing run.
    let o = shell.run(&["--json", "shell", "no-such-service"], "");
    assert_eq!(o.status.code(), Some(2), "{}{}", out(&o), err(&o));
    assert!(format!("{}{}", out(&o), err(&o)).contains("UNKNOWN_SERVICE"), "{}{}", out(&o), err(&o));
    let o = shell.run(&["--json", "shell", "gameserver", "--client"], "");
    assert_eq!(o.status.code(), Some(2), "{}{}", out(&o), err(&o));
    assert!(format!("{}{}", out(&o), err(&o)).contains("NO_CLIENT"), "{}{}", out(&o), err(&o));
    let o = shell.run(&["--json", "shell", "central-nexus-db", "--client"], "");
    let both = format!("{}{}", out(&o), err(&o));
    assert!(
        both.contains("SERVICE_NOT_RUNNING") && both.contains("dockmaster up central-nexus-db"),
        "{both}"
    );
    assert!(!o.status.success());

    stop.store(true, Ordering::Relaxed);
    let (samples, in_argv) = hunter.join().expect("hunter");
    assert!(samples > 10, "the command lines were sampled while the shells ran ({samples})");
    assert!(in_argv.is_empty(), "the marker was on a command line: {in_argv:?}");
    for view in shown.lock().expect("lock").iter() {
        assert!(!view.contains(&marker), "the marker was shown:\n{view}");
    }
    let mut hits = Vec::new();
    files_containing(&repo().join("demo"), &marker, &mut hits);
    if let Some(config) = std::env::var_os("HOME").map(|h| Path::new(&h).join(".config/dockmaster")) {
        files_containing(&config, &marker, &mut hits);
    }
    assert!(hits.is_empty(), "the marker was written to {hits:?}");
    // The hunt looked in the right place: the server really has it.
    let env = run_ok(Command::new("docker").args([
        "inspect",
        "-f",
        "{{json .Config.Env}}",
        &stack.container("database"),
    ]));
    assert!(env.contains(&marker), "the database container got the marker password");
}
