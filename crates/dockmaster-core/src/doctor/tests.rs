//! The doctor's rules, one fact changed at a time from a healthy machine.

use super::*;
use crate::lifecycle::{Flavor, HolderKind, PortHolder, PreflightCode, PreflightIssue, ResourceCheck};
use crate::report::{Severity, WarningCode};

fn compose(flavor: Flavor, version: &str, command: &[&str]) -> ComposeInfo {
    ComposeInfo {
        flavor,
        version: version.into(),
        command: command.iter().map(|s| s.to_string()).collect(),
        chosen_by: "detected".into(),
    }
}

fn preflight() -> PreflightReport {
    PreflightReport {
        project: "demo".into(),
        profiles: vec!["development".into()],
        services: vec!["web".into()],
        compose: None,
        ok: true,
        problems: Vec::new(),
        warnings: Vec::new(),
        ports_checked: vec!["127.0.0.1:8080/tcp".into(), "0.0.0.0:5432/tcp".into()],
        memory: Some(ResourceCheck {
            needed_mib: 512,
            available_mib: 8000,
            basis: "a floor per service".into(),
        }),
        disk: Some(ResourceCheck {
            needed_mib: 2048,
            available_mib: 40000,
            basis: "Docker's data root".into(),
        }),
    }
}

fn healthy() -> Facts {
    Facts {
        face: Face::Cli,
        project: "demo".into(),
        profiles: vec!["development".into()],
        endpoint: "unix:///var/run/docker.sock (default socket)".into(),
        engine: Ok(EngineFacts {
            version: Some("24.0.7".into()),
            api_version: Some("1.43".into()),
            info: Some(EngineInfo {
                data_root: Some("/var/lib/docker".into()),
                storage_driver: Some("overlay2".into()),
                cpus: Some(2),
                memory_bytes: Some(24 << 30),
                ..EngineInfo::default()
            }),
            skew_ms: Some(3),
        }),
        compose_v2: Ok(compose(Flavor::V2, "2.26.1", &["docker", "compose"])),
        compose_v1: Ok(compose(Flavor::V1, "1.29.2", &["docker-compose"])),
        compose_chosen: Ok(compose(Flavor::V2, "2.26.1", &["docker", "compose"])),
        keychain: KeychainStatus {
            available: true,
            service: "dockmaster:/p".into(),
            code: None,
            message: None,
            window_message: None,
        },
        preflight: Ok(preflight()),
        selection: Ok(Vec::new()),
    }
}

fn issue(code: PreflightCode, message: &str, fix: &str) -> PreflightIssue {
    PreflightIssue {
        code,
        message: message.into(),
        fix: fix.into(),
        service: None,
        variable: None,
        rule: None,
        port: None,
        holder: None,
        window_fix: fix.into(),
        remedy: None,
    }
}

fn the(report: &DoctorReport, id: CheckId) -> &Check {
    report.checks.iter().find(|c| c.id == id).unwrap_or_else(|| panic!("no {id:?} check: {report:?}"))
}

#[test]
fn a_healthy_machine_passes_every_check_in_order() {
    let report = assess(&healthy());
    let ids: Vec<CheckId> = report.checks.iter().map(|c| c.id).collect();
    use CheckId::*;
    assert_eq!(ids, [Engine, Compose, Keychain, Memory, Disk, Clock, Ports, Selection, Variables]);
    assert!(report.checks.iter().all(|c| c.status == CheckStatus::Ok && c.fix.is_none()), "{report:#?}");
    assert_eq!((report.failing, report.warnings, report.ok()), (0, 0, true));
    let engine = the(&report, Engine);
    assert_eq!(engine.summary, "Docker 24.0.7 (API 1.43) at unix:///var/run/docker.sock (default socket)");
    assert!(engine.details.contains(&"storage driver overlay2, data root /var/lib/docker".to_string()));
    assert_eq!(
        the(&report, Compose).details,
        ["Compose v2 2.26.1 (docker compose)", "Compose v1 1.29.2 (docker-compose)"]
    );
    assert_eq!(the(&report, Ports).summary, "The selection's 2 host ports are free");
    assert_eq!(the(&report, Ports).details, ["127.0.0.1:8080/tcp, 0.0.0.0:5432/tcp"]);
}

#[test]
fn no_engine_fails_with_what_to_start_and_leaves_out_the_clock() {
    let mut facts = healthy();
    facts.engine = Err("no such socket. Start Docker (`sudo systemctl start docker`)".into());
    let report = assess(&facts);
    let engine = the(&report, CheckId::Engine);
    assert_eq!(engine.status, CheckStatus::Failing);
    assert_eq!(engine.code, Some(ErrorCode::EngineUnavailable));
    assert!(engine.summary.contains("systemctl start docker") && engine.summary.contains("default socket"));
    assert!(report.checks.iter().all(|c| c.id != CheckId::Clock));
    assert!(!report.ok());
}

#[test]
fn the_clock_is_judged_by_how_far_off_it_is() {
    for (skew, status, words) in [
        (0, CheckStatus::Ok, "agrees"),
        (-1_999, CheckStatus::Ok, "agrees"),
        (2_500, CheckStatus::Warning, "2.5 s ahead of"),
        (-59_000, CheckStatus::Warning, "59.0 s behind"),
        (-120_000, CheckStatus::Failing, "120.0 s behind"),
    ] {
        let mut facts = healthy();
        if let Ok(e) = facts.engine.as_mut() {
            e.skew_ms = Some(skew);
        }
        let report = assess(&facts);
        let clock = the(&report, CheckId::Clock);
        assert_eq!(clock.status, status, "{skew}: {clock:?}");
        assert!(clock.summary.contains(words), "{skew}: {}", clock.summary);
        assert_eq!(clock.fix.is_some(), status != CheckStatus::Ok);
    }
}

#[test]
fn a_taken_port_names_its_holder_and_the_fix() {
    let mut facts = healthy();
    let mut p = preflight();
    let mut taken =
        issue(PreflightCode::PortTaken, "Port 8080 (web) is taken", "Set WEB_PORT to a free port.");
    taken.holder = Some(PortHolder {
        kind: HolderKind::Process,
        description: "process nc (PID 4242)".into(),
        container: None,
        project: None,
        service: None,
        pid: Some(4242),
        process: Some("nc".into()),
    });
    p.problems.push(taken);
    p.ok = false;
    facts.preflight = Ok(p);
    let report = assess(&facts);
    let ports = the(&report, CheckId::Ports);
    assert_eq!(ports.status, CheckStatus::Failing);
    assert_eq!(ports.summary, "1 of 2 host ports are taken");
    assert_eq!(ports.details, ["Port 8080 (web) is taken (held by process nc (PID 4242))"]);
    assert_eq!(ports.fix.as_deref(), Some("Set WEB_PORT to a free port."));
    assert_eq!((report.failing, report.warnings), (1, 0));
}

#[test]
fn a_locked_keychain_fails_with_its_code_for_the_unlock_button() {
    let mut facts = healthy();
    facts.keychain = KeychainStatus {
        available: false,
        service: "dockmaster:/p".into(),
        code: Some(ErrorCode::KeychainLocked),
        message: Some("the keychain is locked".into()),
        window_message: None,
    };
    let report = assess(&facts);
    let keychain = the(&report, CheckId::Keychain);
    assert_eq!(keychain.status, CheckStatus::Failing);
    assert_eq!(keychain.code, Some(ErrorCode::KeychainLocked));
    assert!(keychain.summary.contains("locked"));
    assert_eq!(
        keychain.fix.as_deref(),
        Some("Run `dockmaster keychain unlock`, then run `dockmaster doctor` again.")
    );
}

#[test]
fn the_window_reads_its_buttons_and_the_terminal_its_commands() {
    let mut facts = healthy();
    facts.keychain = KeychainStatus {
        available: false,
        service: "dockmaster:/p".into(),
        code: Some(ErrorCode::KeychainNoCollection),
        message: Some("there is no default keychain".into()),
        window_message: None,
    };
    facts.engine = Err("no such socket".into());
    let mut p = preflight();
    let mut secret =
        issue(PreflightCode::VariableInvalid, "JWT_SECRET is not set", "run `dockmaster secret set`");
    secret.window_fix = "Press Fix and start (it generates one into the OS keychain).".into();
    p.problems.push(secret);
    facts.preflight = Ok(p);
    facts.face = Face::Window;
    let report = assess(&facts);
    let fix = |id| the(&report, id).fix.clone().unwrap_or_default();
    assert_eq!(fix(CheckId::Keychain), "Press Create keychain, then press Check again.");
    assert_eq!(fix(CheckId::Variables), "Press Fix and start (it generates one into the OS keychain).");
    assert!(fix(CheckId::Engine).ends_with("then press Check again."), "{}", fix(CheckId::Engine));
    for c in &report.checks {
        let fix = c.fix.as_deref().unwrap_or_default();
        assert!(!fix.contains("dockmaster ") && !fix.contains('`'), "a CLI command in the window: {fix}");
    }
}

#[test]
fn no_compose_at_all_fails_and_says_which_package() {
    let mut facts = healthy();
    facts.compose_v1 = Err("not found".into());
    facts.compose_v2 = Err("not found".into());
    facts.compose_chosen = Err("neither `docker compose` nor `docker-compose` runs".into());
    let report = assess(&facts);
    let compose = the(&report, CheckId::Compose);
    assert_eq!(compose.status, CheckStatus::Failing);
    assert_eq!(compose.code, Some(ErrorCode::ComposeNotFound));
    assert_eq!(compose.details, ["Compose v2 not installed", "Compose v1 not installed"]);
    assert!(compose.fix.as_deref().is_some_and(|f| f.contains("docker-compose-plugin")));
}

#[test]
fn low_memory_warns_and_missing_variables_fail() {
    let mut facts = healthy();
    let mut p = preflight();
    p.warnings.push(issue(PreflightCode::MemoryLow, "Memory is short", "Close other programs."));
    p.problems.push(issue(PreflightCode::VariableInvalid, "JWT_SECRET is not set", "Generate it."));
    p.problems.push(issue(PreflightCode::VariableInvalid, "SECRET_KEY is not set", "Generate it."));
    p.problems.push(issue(PreflightCode::VariableInvalid, "PORT is not a number", "Give a number."));
    facts.preflight = Ok(p);
    let report = assess(&facts);
    assert_eq!(the(&report, CheckId::Memory).status, CheckStatus::Warning);
    let vars = the(&report, CheckId::Variables);
    assert_eq!(vars.status, CheckStatus::Failing);
    assert_eq!(vars.summary, "3 variable problem(s)");
    assert_eq!(
        vars.details[2], "PORT is not a number Fix: Give a number.",
        "each line its fix when they differ"
    );
    assert_eq!(vars.fix.as_deref(), Some("Each line above says how to fix it."));
    facts.preflight = Ok(PreflightReport {
        problems: vec![issue(PreflightCode::VariableInvalid, "JWT_SECRET is not set", "Generate it.")],
        ..preflight()
    });
    assert_eq!(
        the(&assess(&facts), CheckId::Variables).fix.as_deref(),
        Some("Generate it."),
        "one fix shared"
    );
    assert_eq!((report.failing, report.warnings), (1, 1));
}

#[test]
fn a_preflight_that_cannot_run_fails_the_checks_it_feeds() {
    let mut facts = healthy();
    facts.preflight = Err(ErrorReport::new(ErrorCode::UnknownProfile, "no profile `nope`".to_string()));
    let report = assess(&facts);
    for id in [CheckId::Memory, CheckId::Disk, CheckId::Ports, CheckId::Variables] {
        let c = the(&report, id);
        assert_eq!((c.status, c.code), (CheckStatus::Failing, Some(ErrorCode::UnknownProfile)), "{c:?}");
        assert_eq!(c.summary, "Not checked: no profile `nope`");
    }
}

#[test]
fn static_errors_fail_and_warnings_warn() {
    let warning = |severity, message: &str, hint: &str| Warning {
        code: WarningCode::UnsetVariable,
        severity,
        message: message.into(),
        hint: Some(hint.into()),
        services: Vec::new(),
        variables: Vec::new(),
    };
    let mut facts = healthy();
    facts.selection = Ok(vec![
        warning(Severity::Warning, "BAR is not set", "Set BAR."),
        warning(Severity::Info, "privileged mount", "Trust it."),
        warning(Severity::Error, "web depends on a missing service", "Remove the dependency."),
    ]);
    let report = assess(&facts);
    let selection = the(&report, CheckId::Selection);
    assert_eq!(selection.status, CheckStatus::Failing);
    assert_eq!(
        selection.details,
        ["web depends on a missing service", "BAR is not set"],
        "errors first, no info"
    );
    assert_eq!(selection.fix.as_deref(), Some("Remove the dependency. Set BAR."));
    facts.selection = Ok(vec![warning(Severity::Warning, "BAR is not set", "Set BAR.")]);
    assert_eq!(the(&assess(&facts), CheckId::Selection).status, CheckStatus::Warning);
}

#[test]
fn a_remote_engine_s_missing_image_and_bind_source_get_their_own_check() {
    let mut facts = healthy();
    assert!(
        assess(&facts).checks.iter().all(|c| c.id != CheckId::Remote),
        "nothing to say for a local engine"
    );
    let mut p = preflight();
    let mut image =
        issue(PreflightCode::ImageMissing, "web's image shop:1 is not on the engine far", "copy it");
    image.window_fix = "Press Copy to engine.".into();
    p.problems.push(image);
    p.problems.push(issue(
        PreflightCode::BindSourceMissing,
        "./conf does not exist on far",
        "create it there",
    ));
    p.ok = false;
    facts.preflight = Ok(p);
    facts.face = Face::Window;
    let report = assess(&facts);
    let remote = the(&report, CheckId::Remote);
    assert_eq!(remote.status, CheckStatus::Failing);
    assert_eq!(remote.summary, "2 problem(s) with images or bind sources on the engine");
    assert_eq!(
        remote.details,
        [
            "web's image shop:1 is not on the engine far Fix: Press Copy to engine.",
            "./conf does not exist on far Fix: create it there"
        ]
    );
    assert_eq!(report.failing, 1);
}

#[test]
fn a_remote_engine_disk_is_said_to_be_not_measured() {
    let mut facts = healthy();
    let mut p = preflight();
    p.disk = None;
    p.warnings.push(issue(
        PreflightCode::DiskUnmeasured,
        "Free disk space is not measured on a remote engine",
        "Check it on that host.",
    ));
    facts.preflight = Ok(p);
    let disk = the(&assess(&facts), CheckId::Disk).clone();
    assert_eq!(disk.status, CheckStatus::Warning);
    assert_eq!(disk.summary, "Free disk space is not measured on a remote engine");
    assert_eq!(disk.details, ["Free disk space is not measured on a remote engine"]);
    assert_eq!(disk.fix.as_deref(), Some("Check it on that host."));
}
