//! A private SSH host for the SSH engine tests, on loopback only: Debian's `sshd` as the test's own process (own
//! config, throwaway host key, `AuthorizedKeysFile` in the test's folder, a free 127.0.0.1 port, stopped by its PID),
//! whose logins get `DOCKER_HOST` of a private dockerd (`environment=` in authorized_keys), an `ssh-agent` of the
//! test's own holding a throwaway client key, and a client side whose home is the test's folder: ssh reads the
//! home from the password database, not `$HOME`, so client commands run in a private mount namespace where
//! `/etc/passwd` names the test's folder as root's home (the user's own ~/.ssh is never read or written).

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use super::{free_port, run, run_ok};

pub struct SshHost {
    pub dir: PathBuf,
    pub port: u16,
    /// The client's private key (no passphrase).
    pub client_key: PathBuf,
    sshd: Option<Child>,
    agent: Option<Child>,
}

fn keygen(path: &Path) {
    let _ = std::fs::remove_file(path);
    let _ = std::fs::remove_file(path.with_extension("pub"));
    run_ok(
        Command::new("ssh-keygen")
            .args(["-q", "-t", "ed25519", "-N", "", "-C", "dockmaster-test", "-f"])
            .arg(path),
    );
}

/// `SHA256:…` of a public key file, as ssh-keygen prints it.
pub fn fingerprint(public: &Path) -> String {
    let out = run_ok(Command::new("ssh-keygen").arg("-lf").arg(public));
    out.split_whitespace().nth(1).expect("fingerprint").to_string()
}

/// Fails (never skips) without sshd and the OpenSSH client tools.
pub fn require_openssh() {
    for (tool, arg) in
        [("/usr/sbin/sshd", "-V"), ("ssh", "-V"), ("ssh-agent", "-h"), ("unshare", "--version")]
    {
        let ok = Command::new(tool).arg(arg).stdout(Stdio::null()).stderr(Stdio::null()).status().is_ok();
        assert!(
            ok,
            "{tool} is missing: install openssh-server, openssh-client and util-linux (scripts/setup.sh)"
        );
    }
}

impl SshHost {
    /// Starts sshd whose logins reach the engine at `docker_host`, and an agent holding the client key.
    pub fn start(docker_host: &str) -> SshHost {
        let dir = PathBuf::from(format!("/tmp/dmssh-{}-{}", std::process::id(), fastrand::u32(0..1_000_000)));
        std::fs::create_dir_all(dir.join("home")).expect("ssh test dir");
        let client_key = dir.join("client");
        keygen(&dir.join("hostkey"));
        keygen(&client_key);
        let public = std::fs::read_to_string(client_key.with_extension("pub")).expect("client key");
        std::fs::write(
            dir.join("authorized_keys"),
            format!("environment=\"DOCKER_HOST={docker_host}\" {public}"),
        )
        .expect("authorized_keys");
        // Root's password entry with the test's folder as home, for the client side's private namespace.
        let passwd = std::fs::read_to_string("/etc/passwd").expect("/etc/passwd");
        let home = dir.join("home").display().to_string();
        let mine: String = passwd
            .lines()
            .map(|l| {
                let mut f: Vec<&str> = l.split(':').collect();
                if f.first() == Some(&"root") && f.len() > 5 {
                    f[5] = &home;
                }
                f.join(":") + "\n"
            })
            .collect();
        std::fs::write(dir.join("passwd"), mine).expect("passwd");
        // The test's Docker config folder still finds the installed Compose v2 plugin.
        super::link_compose_plugin(&dir.join("docker"));
        // sshd's privilege separation folder, which the package's service would create.
        std::fs::create_dir_all("/run/sshd").expect("/run/sshd");
        let mut host = SshHost { port: free_port(), client_key, sshd: None, agent: None, dir };
        host.start_sshd();
        host.start_agent();
        host
    }

    fn start_sshd(&mut self) {
        let d = |p: &str| self.dir.join(p).display().to_string();
        let config = format!(
            "Port {}\nListenAddress 127.0.0.1\nHostKey {}\nAuthorizedKeysFile {}\nPidFile {}\nPasswordAuthentication no\n\
             KbdInteractiveAuthentication no\nPermitRootLogin prohibit-password\nPermitUserEnvironment DOCKER_HOST\n\
             UsePAM no\nStrictModes no\nAllowTcpForwarding no\nX11Forwarding no\n",
            self.port,
            d("hostkey"),
            d("authorized_keys"),
            d("sshd.pid")
        );
        std::fs::write(self.dir.join("sshd_config"), config).expect("sshd_config");
        let log = std::fs::File::create(self.dir.join("sshd.log")).expect("sshd log");
        let child = Command::new("/usr/sbin/sshd")
            .args(["-D", "-e", "-f", &d("sshd_config")])
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("log"))
            .stderr(log)
            .spawn()
            .expect("sshd starts");
        self.sshd = Some(child);
        let deadline = Instant::now() + Duration::from_secs(10);
        while std::net::TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            assert!(Instant::now() < deadline, "sshd did not listen; log:\n{}", self.log());
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn start_agent(&mut self) {
        let sock = self.agent_sock();
        let child = Command::new("ssh-agent")
            .args(["-D", "-a"])
            .arg(&sock)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("ssh-agent starts");
        self.agent = Some(child);
        let deadline = Instant::now() + Duration::from_secs(10);
        // The socket file appears when the agent binds, before it listens: wait until it accepts a connection.
        while std::os::unix::net::UnixStream::connect(&sock).is_err() {
            assert!(Instant::now() < deadline, "ssh-agent did not start listening on {}", sock.display());
            std::thread::sleep(Duration::from_millis(20));
        }
        run_ok(Command::new("ssh-add").arg("-q").arg(&self.client_key).env("SSH_AUTH_SOCK", &sock));
    }

    pub fn agent_sock(&self) -> PathBuf {
        self.dir.join("agent.sock")
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("sshd.log")).unwrap_or_default()
    }

    /// The known_hosts file the client side's ssh reads and Dockmaster writes.
    pub fn known_hosts(&self) -> PathBuf {
        self.dir.join("home/.ssh/known_hosts")
    }

    /// A new host key, as after a reinstall (or an impostor): sshd restarted with it on the same port.
    pub fn change_host_key(&mut self) {
        self.stop_sshd();
        keygen(&self.dir.join("hostkey"));
        self.start_sshd();
    }

    pub fn host_fingerprint(&self) -> String {
        fingerprint(&self.dir.join("hostkey.pub"))
    }

    /// `program ARGS` on the client side: its own mount namespace with the test's passwd (ssh's home is the
    /// test's folder), `HOME`, Docker config and Dockmaster settings in the test's folder, the agent reachable.
    pub fn client(&self, program: &Path, args: &[&str]) -> Command {
        let mut cmd = Command::new("unshare");
        cmd.args([
            "--mount",
            "--propagation",
            "private",
            "sh",
            "-c",
            "mount --bind \"$0\" /etc/passwd && exec \"$@\"",
        ])
        .arg(self.dir.join("passwd"))
        .arg(program)
        .args(args)
        .env("HOME", self.dir.join("home"))
        .env("DOCKER_CONFIG", self.dir.join("docker"))
        .env("XDG_CONFIG_HOME", self.dir.join("config"))
        .env("SSH_AUTH_SOCK", self.agent_sock())
        .env_remove("DOCKER_HOST")
        .env_remove("DOCKER_CONTEXT")
        .env_remove("DOCKER_TLS_VERIFY")
        .env_remove("DOCKER_CERT_PATH");
        for (key, _) in std::env::vars() {
            if key.starts_with("COMPOSE_") {
                cmd.env_remove(key);
            }
        }
        cmd
    }

    pub fn dockmaster(&self, args: &[&str], env: &[(String, String)]) -> Output {
        let mut cmd = self.client(Path::new(env!("CARGO_BIN_EXE_dockmaster")), args);
        cmd.envs(env.iter().map(|(k, v)| (k, v)));
        run(&mut cmd)
    }

    pub fn docker(&self, args: &[&str]) -> Output {
        run(&mut self.client(Path::new("docker"), args))
    }

    /// `dockmaster ARGS` with no SSH agent at all (`SSH_AUTH_SOCK` unset), its runtime folder (where the SSH
    /// relay's socket goes) [`SshHost::runtime_dir`].
    pub fn dockmaster_without_agent(&self, args: &[&str], env: &[(String, String)]) -> Output {
        let mut cmd = self.client(Path::new(env!("CARGO_BIN_EXE_dockmaster")), args);
        cmd.envs(env.iter().map(|(k, v)| (k, v)));
        cmd.env_remove("SSH_AUTH_SOCK").env("XDG_RUNTIME_DIR", self.runtime_dir());
        run(&mut cmd)
    }

    /// `docker ARGS` with no SSH agent (`SSH_AUTH_SOCK` unset).
    pub fn docker_without_agent(&self, args: &[&str]) -> Output {
        let mut cmd = self.client(Path::new("docker"), args);
        cmd.env_remove("SSH_AUTH_SOCK");
        run(&mut cmd)
    }

    /// The private `XDG_RUNTIME_DIR` of [`SshHost::dockmaster_without_agent`] (0700).
    pub fn runtime_dir(&self) -> PathBuf {
        let dir = self.dir.join("run");
        if !dir.exists() {
            use std::os::unix::fs::DirBuilderExt;
            std::fs::DirBuilder::new().mode(0o700).create(&dir).expect("runtime dir");
        }
        dir
    }

    /// The SSH relay folders left in [`SshHost::runtime_dir`] (`dockmaster/dm-relay-*`).
    pub fn relay_folders(&self) -> Vec<PathBuf> {
        let Ok(entries) = std::fs::read_dir(self.runtime_dir().join("dockmaster")) else { return Vec::new() };
        entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.file_name().is_some_and(|n| n.to_string_lossy().starts_with("dm-relay-")))
            .collect()
    }

    /// The command lines of running `ssh … -p PORT … dial-stdio` processes to this host (any process's: the
    /// port is this test's own).
    pub fn ssh_dialers(&self) -> Vec<String> {
        let port = self.port.to_string();
        let mut found = Vec::new();
        for entry in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
            let Ok(raw) = std::fs::read(entry.path().join("cmdline")) else { continue };
            let args: Vec<String> =
                raw.split(|b| *b == 0).map(|a| String::from_utf8_lossy(a).into_owned()).collect();
            let is_ssh = args.first().is_some_and(|a| a == "ssh" || a.ends_with("/ssh"));
            let ours = args.windows(2).any(|w| w[0] == "-p" && w[1] == port);
            if is_ssh && ours && args.iter().any(|a| a == "dial-stdio") {
                found.push(args.join(" "));
            }
        }
        found
    }

    fn stop_sshd(&mut self) {
        if let Some(mut c) = self.sshd.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

impl Drop for SshHost {
    fn drop(&mut self) {
        self.stop_sshd();
        if let Some(mut c) = self.agent.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Both streams of a `dockmaster` run, for an assertion's message.
pub fn text(out: &std::process::Output) -> String {
    format!(
        "stdout:\n{}\nstderr:\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// Fails (never skips) without a reachable keychain: `up` on the SSH engine injects the demo's secrets from it.
pub fn require_keychain() {
    let demo = super::repo().join("demo");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_dockmaster"))
        .arg("--project")
        .arg(&demo)
        .args(["env", "--json"])
        .output()
        .expect("dockmaster runs");
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("env --json");
    assert!(
        json["keychain"]["available"] == true,
        "no Secret Service reachable ({}).\nThe SSH engine tests' `up` injects secrets from a real keychain: run \
         them through `tests/keychain/run.sh` (scripts/test.sh does).",
        json["keychain"]["message"]
    );
}

/// The demo stack's environment plus the variables its `up` needs, with values named after `tag` (the test).
pub fn demo_env(stack: &super::DemoStack, tag: &str) -> Vec<(String, String)> {
    let mut env = stack.env.clone();
    env.extend([
        ("JWT_SECRET".to_string(), format!("{tag}-test-jwt-secret-0123456789abcdefghijklmn")),
        ("SECRET_KEY".to_string(), format!("{tag}-test-secret-key")),
        ("ADMIN_USERNAME".to_string(), "admin".to_string()),
        ("ADMIN_PASSWORD".to_string(), format!("{tag}-admin-password")),
        (
            "DATABASE_URL".to_string(),
            format!("postgresql://postgres:{tag}-db-pw@database:5432/sectorwars_dev"),
        ),
        ("DOCKMASTER_COMPOSE".to_string(), "v2".to_string()),
    ]);
    env
}
