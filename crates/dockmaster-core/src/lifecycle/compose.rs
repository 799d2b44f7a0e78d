//! The Compose runner's command lines: which Compose (v2 `docker compose` first, else v1 `docker-compose`),
//! and the argument vector of every operation. Argument vectors only, never a shell string; no value of any
//! variable is ever put on a command line.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::time::Duration;

use super::error::{LifecycleError, Result};
use super::types::{ComposeInfo, Flavor, OpKind};

/// The environment variable that forces a Compose version (`v1` or `v2`).
pub const FLAVOR_ENV: &str = "DOCKMASTER_COMPOSE";

/// How long `version --short` may take.
const PROBE_TIMEOUT: Duration = Duration::from_secs(15);

/// Who asked for a Compose version, if anyone: `--compose` wins over `DOCKMASTER_COMPOSE`.
pub fn requested(cli: Option<&str>, env: Option<&str>) -> Result<Option<(Flavor, String)>> {
    let (value, origin) = match (cli, env.filter(|v| !v.trim().is_empty())) {
        (Some(v), _) => (v, "--compose"),
        (None, Some(v)) => (v, FLAVOR_ENV),
        (None, None) => return Ok(None),
    };
    match Flavor::parse(value) {
        Some(f) => Ok(Some((f, origin.to_string()))),
        None => Err(LifecycleError::InvalidFlavor { value: value.to_string(), origin: origin.to_string() }),
    }
}

/// The flavour a `version --short` output means (`2.26.1-4` → v2, `1.29.2` → v1).
pub fn flavor_of_version(version: &str) -> Option<Flavor> {
    let major: u32 = version.trim().trim_start_matches('v').split('.').next()?.parse().ok()?;
    match major {
        1 => Some(Flavor::V1),
        2.. => Some(Flavor::V2),
        _ => None,
    }
}

/// The commands to try for a flavour, in order.
fn candidates(flavor: Flavor) -> Vec<Vec<String>> {
    match flavor {
        Flavor::V2 => vec![vec!["docker".into(), "compose".into()], vec!["docker-compose".into()]],
        Flavor::V1 => vec![vec!["docker-compose".into()]],
    }
}

/// Runs `<command> version --short` with `env` (the curated child environment, without secrets).
async fn probe(command: &[String], env: &[(String, String)]) -> std::result::Result<String, String> {
    let (program, rest) = command.split_first().ok_or("empty command")?;
    let mut cmd = tokio::process::Command::new(program);
    cmd.args(rest)
        .args(["version", "--short"])
        .env_clear()
        .envs(env.iter().map(|(k, v)| (k, v)))
        .stdin(std::process::Stdio::null())
        .kill_on_drop(true);
    let out = match tokio::time::timeout(PROBE_TIMEOUT, cmd.output()).await {
        Err(_) => return Err(format!("`{}` did not answer within 15 s", command.join(" "))),
        Ok(Err(e)) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(format!("`{program}` is not on PATH"))
        }
        Ok(Err(e)) => return Err(format!("`{}` failed to run: {e}", command.join(" "))),
        Ok(Ok(out)) => out,
    };
    let stdout = String::from_utf8_lossy(&out.stdout).trim().to_string();
    if out.status.success() && !stdout.is_empty() {
        Ok(stdout)
    } else {
        let stderr = String::from_utf8_lossy(&out.stderr);
        let first = stderr.lines().find(|l| !l.trim().is_empty()).unwrap_or("no output").trim().to_string();
        Err(format!("`{} version` failed: {first}", command.join(" ")))
    }
}

/// Finds Compose: the requested flavour, else v2 then v1. `env` is the curated child environment.
pub async fn detect(requested: Option<(Flavor, String)>, env: &[(String, String)]) -> Result<ComposeInfo> {
    let order: Vec<(Flavor, String)> = match &requested {
        Some((f, origin)) => vec![(*f, origin.clone())],
        None => vec![(Flavor::V2, "detected".into()), (Flavor::V1, "detected".into())],
    };
    let mut tried: Vec<String> = Vec::new();
    for (flavor, origin) in order {
        for command in candidates(flavor) {
            match probe(&command, env).await {
                Ok(version) if flavor_of_version(&version) == Some(flavor) => {
                    return Ok(ComposeInfo { flavor, version, command, chosen_by: origin });
                }
                Ok(version) => tried.push(format!("`{}` is Compose {version}", command.join(" "))),
                Err(why) => tried.push(why),
            }
        }
        if requested.is_some() {
            return Err(LifecycleError::ComposeUnavailable { flavor, origin, why: tried.join("; ") });
        }
    }
    Err(LifecycleError::ComposeNotFound { tried: tried.join("; ") })
}

/// One Compose command line: program and arguments, no shell.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invocation {
    pub program: String,
    pub args: Vec<OsString>,
}

impl Invocation {
    /// For messages: the command with its arguments (none of them is ever a secret).
    pub fn display(&self) -> String {
        let mut parts = vec![self.program.clone()];
        parts.extend(self.args.iter().map(|a| a.to_string_lossy().into_owned()));
        parts.join(" ")
    }
}

/// What the project part of every command line needs.
#[derive(Debug, Clone)]
pub struct Target<'a> {
    pub files: &'a [PathBuf],
    pub project_dir: &'a Path,
    pub project_name: &'a str,
    pub profiles: &'a [String],
    /// The Docker context the child's environment names (`DOCKER_CONTEXT`, see [`ChildEnv::context`](super::env::ChildEnv::context)). Compose v2
    /// (the docker CLI) reads the variable; v1's docker-py ignores it and would talk to the config's current
    /// context, so v1 is given `--context NAME` too.
    pub context: Option<&'a str>,
}

/// `<compose> --ansi never -f F… --project-directory DIR -p NAME --profile P… <subcommand…>`.
pub fn invocation(info: &ComposeInfo, target: &Target<'_>, subcommand: Vec<String>) -> Invocation {
    let mut command = info.command.iter();
    let program = command.next().cloned().unwrap_or_else(|| "docker".into());
    let mut args: Vec<OsString> = command.map(OsString::from).collect();
    args.extend(["--ansi", "never"].map(OsString::from));
    if let (Flavor::V1, Some(context)) = (info.flavor, target.context) {
        args.extend(["--context", context].map(OsString::from));
    }
    for file in target.files {
        args.push("-f".into());
        args.push(file.as_os_str().to_owned());
    }
    args.push("--project-directory".into());
    args.push(target.project_dir.as_os_str().to_owned());
    args.push("-p".into());
    args.push(target.project_name.into());
    for profile in target.profiles {
        args.push("--profile".into());
        args.push(profile.into());
    }
    args.extend(subcommand.into_iter().map(OsString::from));
    Invocation { program, args }
}

/// The operation's part of the command line.
#[derive(Debug, Clone, Default)]
pub struct OpArgs<'a> {
    pub services: &'a [String],
    /// `up`: v2 `--wait --wait-timeout N` (v1 has no `--wait`: the engine's state is watched instead).
    pub wait_timeout_s: Option<u32>,
    /// `down`: also remove the project's named volumes.
    pub volumes: bool,
}

pub fn subcommand(flavor: Flavor, op: OpKind, a: &OpArgs<'_>) -> Vec<String> {
    let mut args: Vec<String> = vec![op.as_str().to_string()];
    match op {
        OpKind::Up => {
            args.push("-d".into());
            if let (Flavor::V2, Some(t)) = (flavor, a.wait_timeout_s) {
                args.extend(["--wait".into(), "--wait-timeout".into(), t.max(1).to_string()]);
            }
        }
        OpKind::Down => {
            args.push("--remove-orphans".into());
            if a.volumes {
                args.push("-v".into());
            }
            return args; // the whole project: no services
        }
        OpKind::Stop | OpKind::Start | OpKind::Restart | OpKind::Pull | OpKind::Build => {}
    }
    // No `--` before the names: v1 takes it for a service. Names are checked against the model first.
    args.extend(a.services.iter().cloned());
    args
}

/// `config --hash=*`: one `service hash` line per service of the selection.
pub fn config_hash_subcommand() -> Vec<String> {
    vec!["config".into(), "--hash=*".into()]
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn info(flavor: Flavor) -> ComposeInfo {
        let command = match flavor {
            Flavor::V2 => vec!["docker".to_string(), "compose".to_string()],
            Flavor::V1 => vec!["docker-compose".to_string()],
        };
        ComposeInfo { flavor, version: "x".into(), command, chosen_by: "detected".into() }
    }

    fn strings(inv: &Invocation) -> Vec<String> {
        inv.args.iter().map(|a| a.to_string_lossy().into_owned()).collect()
    }

    /// Neither Compose on PATH: a clear error that says how to install one.
    #[tokio::test]
    async fn no_compose_at_all_says_how_to_install() {
        let env = vec![("PATH".to_string(), "/nonexistent-dockmaster-path".to_string())];
        let e = detect(None, &env).await.unwrap_err();
        let text = e.to_string();
        assert!(matches!(e, LifecycleError::ComposeNotFound { .. }), "{text}");
        assert!(
            text.contains("`docker` is not on PATH") && text.contains("`docker-compose` is not on PATH"),
            "{text}"
        );
        assert!(text.contains("Install Compose v2"), "{text}");
        let e = detect(Some((Flavor::V1, "--compose".into())), &env).await.unwrap_err();
        assert!(matches!(e, LifecycleError::ComposeUnavailable { flavor: Flavor::V1, .. }), "{e}");
    }

    /// Both installed here: each is found when asked for, v2 first otherwise.
    #[tokio::test]
    async fn finds_each_flavour_on_this_machine() {
        let env: Vec<(String, String)> =
            std::env::vars().filter(|(k, _)| k == "PATH" || k == "HOME").collect();
        let auto = detect(None, &env).await.unwrap();
        assert_eq!((auto.flavor, auto.chosen_by.as_str()), (Flavor::V2, "detected"));
        let v1 = detect(Some((Flavor::V1, FLAVOR_ENV.into())), &env).await.unwrap();
        assert_eq!((v1.flavor, v1.command.as_slice()), (Flavor::V1, &["docker-compose".to_string()][..]));
        assert!(v1.version.starts_with("1."), "{}", v1.version);
    }

    #[test]
    fn flavours_parse_and_versions_classify() {
        assert_eq!(Flavor::parse("v1"), Some(Flavor::V1));
        assert_eq!(Flavor::parse(" V2 "), Some(Flavor::V2));
        assert_eq!(Flavor::parse("compose-v2"), Some(Flavor::V2));
        assert_eq!(Flavor::parse("v3"), None);
        assert_eq!(flavor_of_version("2.26.1-4"), Some(Flavor::V2));
        assert_eq!(flavor_of_version("v2.29.0"), Some(Flavor::V2));
        assert_eq!(flavor_of_version("1.29.2"), Some(Flavor::V1));
        assert_eq!(flavor_of_version("garbage"), None);
        assert_eq!(requested(Some("v1"), Some("v2")).unwrap(), Some((Flavor::V1, "--compose".into())));
        assert_eq!(requested(None, Some("v2")).unwrap(), Some((Flavor::V2, FLAVOR_ENV.into())));
        assert_eq!(requested(None, Some("")).unwrap(), None);
        assert!(matches!(requested(None, Some("v9")), Err(LifecycleError::InvalidFlavor { .. })));
    }

    #[test]
    fn argv_v2_up_with_profiles_extra_files_wait_and_services() {
        let files = vec![PathBuf::from("/p/docker-compose.yml"), PathBuf::from("/p/docker-compose.dev.yml")];
        let profiles = vec!["development".to_string(), "monitoring".to_string()];
        let target = Target {
            files: &files,
            project_dir: Path::new("/p"),
            project_name: "demo",
            profiles: &profiles,
            context: Some("far"),
        };
        let services = vec!["gameserver".to_string()];
        let sub = subcommand(
            Flavor::V2,
            OpKind::Up,
            &OpArgs { services: &services, wait_timeout_s: Some(90), volumes: false },
        );
        let inv = invocation(&info(Flavor::V2), &target, sub);
        assert_eq!(inv.program, "docker");
        assert_eq!(
            strings(&inv),
            [
                "compose",
                "--ansi",
                "never",
                "-f",
                "/p/docker-compose.yml",
                "-f",
                "/p/docker-compose.dev.yml",
                "--project-directory",
                "/p",
                "-p",
                "demo",
                "--profile",
                "development",
                "--profile",
                "monitoring",
                "up",
                "-d",
                "--wait",
                "--wait-timeout",
                "90",
                "gameserver"
            ]
        );
    }

    #[test]
    fn v1_is_given_the_context_v2_reads_from_its_environment() {
        let files = vec![PathBuf::from("/p/compose.yaml")];
        let target = Target {
            files: &files,
            project_dir: Path::new("/p"),
            project_name: "p",
            profiles: &[],
            context: Some("far"),
        };
        let v1 = invocation(&info(Flavor::V1), &target, vec!["ps".into()]);
        assert_eq!(strings(&v1)[..4], ["--ansi", "never", "--context", "far"]);
        let v2 = invocation(&info(Flavor::V2), &target, vec!["ps".into()]);
        assert!(
            !strings(&v2).contains(&"--context".to_string()),
            "v2 reads DOCKER_CONTEXT: {:?}",
            strings(&v2)
        );
    }

    #[test]
    fn argv_v1_has_no_wait_flag() {
        let files = vec![PathBuf::from("/p/compose.yaml")];
        let profiles = vec!["development".to_string()];
        let target = Target {
            files: &files,
            project_dir: Path::new("/p"),
            project_name: "p",
            profiles: &profiles,
            context: None,
        };
        let sub =
            subcommand(Flavor::V1, OpKind::Up, &OpArgs { wait_timeout_s: Some(30), ..Default::default() });
        let inv = invocation(&info(Flavor::V1), &target, sub);
        assert_eq!(inv.program, "docker-compose");
        assert_eq!(
            strings(&inv),
            [
                "--ansi",
                "never",
                "-f",
                "/p/compose.yaml",
                "--project-directory",
                "/p",
                "-p",
                "p",
                "--profile",
                "development",
                "up",
                "-d"
            ]
        );
    }

    #[test]
    fn argv_per_operation() {
        let svc = vec!["a".to_string(), "b".to_string()];
        let with = OpArgs { services: &svc, ..Default::default() };
        let none = OpArgs::default();
        for (flavor, op, args, want) in [
            (Flavor::V2, OpKind::Stop, &with, vec!["stop", "a", "b"]),
            (Flavor::V1, OpKind::Start, &with, vec!["start", "a", "b"]),
            (Flavor::V2, OpKind::Restart, &none, vec!["restart"]),
            (Flavor::V1, OpKind::Pull, &none, vec!["pull"]),
            (Flavor::V2, OpKind::Build, &with, vec!["build", "a", "b"]),
            (Flavor::V2, OpKind::Down, &none, vec!["down", "--remove-orphans"]),
            (
                Flavor::V1,
                OpKind::Down,
                &OpArgs { volumes: true, services: &svc, ..Default::default() },
                vec!["down", "--remove-orphans", "-v"],
            ),
            (Flavor::V2, OpKind::Up, &none, vec!["up", "-d"]),
        ] {
            assert_eq!(subcommand(flavor, op, args), want, "{flavor} {op:?}");
        }
        assert_eq!(config_hash_subcommand(), ["config", "--hash=*"]);
    }
}
