//! `dockmaster region plan|create|ls|show|start|stop|rm`: regions cloned from the stack's regional template,
//! planned before anything is created, applied with progress and rolled back on failure, Ctrl-C, SIGTERM or SIGHUP.

use std::io::{IsTerminal, Write};
use std::process::ExitCode;
use std::time::Duration;

use clap::{Args, Subcommand};
use dockmaster_core::engine::{
    DockerEngine, Endpoint, EndpointEnv, EngineConfig, EngineHandle, ServiceSelection,
};
use dockmaster_core::region::{
    self, ApplyEvent, ApplyOptions, CancellationToken, PlanOptions, RegionError, RegionInfo, RegionPlan,
    RegionRequest, StepStatus,
};
use dockmaster_core::Project;
use serde::Serialize;

use crate::signals::Interrupts;
use crate::status;

#[derive(Subcommand)]
pub enum RegionCommand {
    /// Show everything creating a region would create or join (nothing is created).
    Plan(RequestArgs),
    /// Create a region: shows the plan, asks (unless --yes), applies it with progress; on failure, Ctrl-C, SIGTERM or SIGHUP
    /// removes everything it had created.
    Create(CreateArgs),
    /// List the project's regions with state and health.
    Ls,
    /// Show an existing region's plan again (from its labels and `docker inspect`).
    Show { name: String },
    /// Start a region's database, then its server (waits until each is healthy).
    Start {
        name: String,
        /// Seconds each container may take to become healthy.
        #[arg(long = "health-timeout", default_value_t = 120, value_name = "SECONDS")]
        health_timeout: u32,
    },
    /// Stop a region's server, then its database.
    Stop { name: String },
    /// Remove a region's containers and network; `--volumes --yes` also deletes its volumes (their data)
    /// and its database password. A region whose creation was interrupted is removed completely (`--yes`
    /// confirms the volumes that creation made; the password it generated goes too).
    Rm {
        name: String,
        /// Also delete the region's volumes (their data is lost); needs --yes.
        #[arg(long)]
        volumes: bool,
        /// Confirm deleting the volumes (with --volumes: all of them; alone: an interrupted creation's own).
        #[arg(long)]
        yes: bool,
    },
}

#[derive(Args)]
pub struct RequestArgs {
    /// The region's name: 3–50 characters of letters, digits, `_` and `-`.
    name: String,
    /// The owner's user ID (a UUID).
    #[arg(long, value_name = "UUID")]
    owner: String,
    /// CPU cores for the region (1–8).
    #[arg(long, default_value_t = 2.0, value_name = "N")]
    cpus: f64,
    /// Memory for the region in GB (2–16).
    #[arg(long = "memory-gb", default_value_t = 4, value_name = "N")]
    memory_gb: u32,
    /// Maximum players (10–1000).
    #[arg(long = "max-players", default_value_t = 100, value_name = "N")]
    max_players: u32,
    /// autocracy, democracy or council.
    #[arg(long, default_value = "autocracy", value_name = "G")]
    governance: String,
    /// balanced, commerce, industrial, agricultural, technological or military.
    #[arg(long, default_value = "balanced", value_name = "E")]
    economy: String,
    /// Credits a new player starts with (at least 100).
    #[arg(long = "starting-credits", default_value_t = 1000, value_name = "N")]
    starting_credits: u32,
    /// The ship a new player starts with.
    #[arg(long = "starting-ship", default_value = "scout", value_name = "S")]
    starting_ship: String,
    /// The region's database user (default region_<name>_user).
    #[arg(long = "db-user", value_name = "USER")]
    db_user: Option<String>,
    /// Host ports the server's port is picked from.
    #[arg(long = "port-range", value_name = "FIRST-LAST")]
    port_range: Option<String>,
    /// IPv4 pool the region's /24 subnet is picked from; repeatable (default 172.22.0.0/16, 10.250.0.0/16).
    #[arg(long = "subnet-pool", value_name = "CIDR")]
    subnet_pools: Vec<String>,
}

#[derive(Args)]
pub struct CreateArgs {
    #[command(flatten)]
    request: RequestArgs,
    /// Create without asking.
    #[arg(long)]
    yes: bool,
    /// Seconds each container may take to become healthy before the region is rolled back.
    #[arg(long = "health-timeout", default_value_t = 120, value_name = "SECONDS")]
    health_timeout: u32,
}

impl RequestArgs {
    fn request(&self) -> RegionRequest {
        RegionRequest {
            name: self.name.clone(),
            owner_id: self.owner.clone(),
            cpu_cores: self.cpus,
            memory_gb: self.memory_gb,
            max_players: self.max_players,
            governance: self.governance.clone(),
            economy: self.economy.clone(),
            starting_credits: self.starting_credits,
            starting_ship: self.starting_ship.clone(),
            db_user: self.db_user.clone(),
        }
    }

    fn options(&self) -> Result<PlanOptions, RegionError> {
        let mut o = PlanOptions::default();
        if let Some(range) = &self.port_range {
            let parsed = range
                .split_once('-')
                .and_then(|(a, b)| Some((a.trim().parse::<u16>().ok()?, b.trim().parse::<u16>().ok()?)))
                .filter(|(a, b)| a <= b && *a > 0);
            let Some((first, last)) = parsed else {
                return Err(RegionError::Options {
                    message: format!("--port-range `{range}` is not FIRST-LAST (e.g. 8100-8999)"),
                });
            };
            (o.port_first, o.port_last) = (first, last);
        }
        if !self.subnet_pools.is_empty() {
            o.subnet_pools = self.subnet_pools.clone();
        }
        Ok(o)
    }
}

/// One line of `region create --json`.
#[derive(Serialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
enum Line<'a> {
    Plan { plan: &'a RegionPlan },
    Event(&'a ApplyEvent),
    Result { region: &'a region::AppliedRegion, info: Option<&'a RegionInfo> },
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ErrorJson<'a> {
    kind: &'static str,
    error: ErrorBody<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ErrorBody<'a> {
    code: dockmaster_core::ErrorCode,
    message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    fields: Option<&'a [region::FieldError]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    rollback: Option<&'a region::Rollback>,
    #[serde(skip_serializing_if = "Option::is_none")]
    volumes: Option<&'a [String]>,
}

fn error(json: bool, e: &RegionError) -> ExitCode {
    if json {
        let body = ErrorBody {
            code: e.code(),
            message: e.to_string(),
            fields: match e {
                RegionError::Invalid { errors } => Some(errors),
                _ => None,
            },
            rollback: match e {
                RegionError::ApplyFailed { rollback, .. } | RegionError::Cancelled { rollback, .. } => {
                    Some(rollback)
                }
                _ => None,
            },
            volumes: match e {
                RegionError::ConfirmVolumes { volumes, .. } => Some(volumes),
                _ => None,
            },
        };
        // One line, as every line of `region create --json`.
        json_line(&ErrorJson { kind: "error", error: body });
    }
    match e {
        RegionError::Invalid { errors } => {
            eprintln!("dockmaster: the region request is invalid:");
            for f in errors {
                eprintln!("  {f}");
            }
        }
        RegionError::ConfirmVolumes { region, volumes, interrupted_apply, created_by_apply } => {
            match interrupted_apply {
                Some(id) => eprintln!(
                    "dockmaster: region {region}'s creation (apply {id}) was interrupted; removing it deletes \
                     these volumes and their data:"
                ),
                None => eprintln!("dockmaster: removing region {region}'s volumes deletes their data:"),
            }
            for v in volumes {
                match interrupted_apply.as_deref().filter(|_| created_by_apply.contains(v)) {
                    Some(id) => eprintln!("  {v} ({})", region::error::created_reason(id)),
                    None => eprintln!("  {v}"),
                }
            }
            let only_its_own = volumes.iter().all(|v| created_by_apply.contains(v));
            eprintln!(
                "Nothing was removed. Run `dockmaster region rm {region} {}` to delete them.",
                if only_its_own { "--yes" } else { "--volumes --yes" }
            );
        }
        _ => eprintln!("dockmaster: {e}"),
    }
    ExitCode::from(crate::errors::exit_status(e.code()))
}

fn json_line(value: &impl Serialize) {
    let mut out = std::io::stdout().lock();
    let text = serde_json::to_string(value).unwrap_or_default();
    let _ = writeln!(out, "{text}").and_then(|_| out.flush());
}

fn plain(v: &impl Serialize) -> String {
    serde_json::to_value(v).ok().and_then(|v| v.as_str().map(String::from)).unwrap_or_default()
}

pub fn run(project: &Project, command: RegionCommand, json: bool) -> ExitCode {
    let runtime = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
        Ok(r) => r,
        Err(e) => {
            return crate::fail(json, crate::errors::internal(format!("cannot start the async runtime: {e}")))
        }
    };
    runtime.block_on(async move {
        // Field rules and options first: a bad request needs no engine.
        if let RegionCommand::Plan(args) | RegionCommand::Create(CreateArgs { request: args, .. }) = &command
        {
            if let Err(errors) = region::validate(&args.request(), &[]) {
                return error(json, &RegionError::Invalid { errors });
            }
            if let Err(e) = args.options() {
                return error(json, &e);
            }
        }
        let endpoint = match Endpoint::resolve(&EndpointEnv::from_process()) {
            Ok(e) => e,
            Err(e) => return error(json, &RegionError::EngineUnavailable(e)),
        };
        let selection = match ServiceSelection::for_project(project, &project.default_selection()) {
            Ok(s) => s,
            Err(e) => return error(json, &RegionError::Project(e)),
        };
        let masker = std::sync::Arc::new(dockmaster_core::secrets::Masker::gathered(project));
        let config = EngineConfig::new(project.name(), selection, endpoint).with_masker(masker);
        let (handle, _updates) = EngineHandle::spawn(config);
        let docker = match handle.connected().await {
            Ok(d) => d,
            Err(e) => return error(json, &RegionError::from(e)),
        };
        let name = project.name();
        let result = match command {
            RegionCommand::Plan(args) => {
                let options = match args.options() {
                    Ok(o) => o,
                    Err(e) => return error(json, &e),
                };
                region::prepare(&docker, project, &args.request(), &options).await.map(|plan| {
                    if json {
                        crate::print_json(&plan);
                    } else {
                        print_plan(&plan);
                    }
                })
            }
            RegionCommand::Create(args) => return create(&docker, project, args, json).await,
            RegionCommand::Ls => region::list(&docker, name).await.map(|regions| {
                if json {
                    crate::print_json(&regions);
                } else {
                    print_regions(&regions);
                }
            }),
            RegionCommand::Show { name: region } => {
                region::describe(&docker, project.root(), name, &region, project.secret_policy()).await.map(
                    |plan| {
                        if json {
                            crate::print_json(&plan);
                        } else {
                            print_plan(&plan);
                        }
                    },
                )
            }
            RegionCommand::Start { name: region, health_timeout } => {
                let timeout = Duration::from_secs(u64::from(health_timeout.max(1)));
                region::start(&docker, name, &region, timeout).await.map(|info| print_info(&info, json))
            }
            RegionCommand::Stop { name: region } => {
                region::stop(&docker, name, &region).await.map(|info| print_info(&info, json))
            }
            RegionCommand::Rm { name: region, volumes, yes } => {
                rm(&docker, project, &region, volumes, yes, json).await
            }
        };
        match result {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => error(json, &e),
        }
    })
}

async fn rm(
    docker: &DockerEngine,
    project: &Project,
    region: &str,
    volumes: bool,
    yes: bool,
    json: bool,
) -> Result<(), RegionError> {
    // `--volumes --yes`: every volume of the region. `--yes` alone: an interrupted region's own volumes (the
    // core refuses to remove such a region without them confirmed); other volumes are kept.
    let confirmed = match (volumes, yes) {
        (false, false) => None,
        (true, false) => {
            return Err(region::confirmation_needed(&region::get(docker, project.name(), region).await?))
        }
        (true, true) => Some(region::get(docker, project.name(), region).await?.volumes),
        (false, true) => region::get(docker, project.name(), region).await?.interrupted.map(|i| i.volumes),
    };
    let report = region::remove(docker, project.root(), project.name(), region, confirmed.as_deref()).await?;
    if json {
        crate::print_json(&report);
    } else {
        println!("removed region {region}:");
        for c in &report.containers {
            println!("  container {c}");
        }
        for n in &report.networks {
            println!("  network {n}");
        }
        for v in &report.volumes {
            println!("  volume {v}");
        }
        if report.password_removed {
            println!("  its database password (keychain)");
        }
        if !report.kept_volumes.is_empty() {
            println!(
                "kept its volumes (data and the database password stay; `region create {region}` reuses them): {}",
                report.kept_volumes.join(", ")
            );
            println!("delete them with `dockmaster region rm {region} --volumes --yes`");
        }
    }
    Ok(())
}

async fn create(docker: &DockerEngine, project: &Project, args: CreateArgs, json: bool) -> ExitCode {
    let options = match args.request.options() {
        Ok(o) => o,
        Err(e) => return error(json, &e),
    };
    let plan = match region::prepare(docker, project, &args.request.request(), &options).await {
        Ok(p) => p,
        Err(e) => return error(json, &e),
    };
    if json {
        json_line(&Line::Plan { plan: &plan });
    } else {
        print_plan(&plan);
        println!();
    }
    if !args.yes {
        if json || !std::io::stdin().is_terminal() {
            let e = RegionError::Options {
                message: "not creating without confirmation: pass --yes (no terminal to ask on)".into(),
            };
            return error(json, &e);
        }
        print!("Create region {}? [y/N] ", plan.region);
        let _ = std::io::stdout().flush();
        let mut answer = String::new();
        if std::io::stdin().read_line(&mut answer).is_err() || !matches!(answer.trim(), "y" | "Y" | "yes") {
            println!("Nothing was created.");
            return ExitCode::from(status::CANCELLED);
        }
    }
    let apply_options = ApplyOptions {
        health_timeout: Duration::from_secs(u64::from(args.health_timeout.max(1))),
        ..Default::default()
    };
    let cancel = CancellationToken::new();
    let progress = move |e: ApplyEvent| {
        if json {
            json_line(&Line::Event(&e));
        } else {
            print_event(&e);
        }
    };
    let apply = region::apply(docker, project, &plan, &apply_options, &cancel, &progress);
    tokio::pin!(apply);
    let mut interrupts = Interrupts::new();
    let mut cancelling = false;
    let result = loop {
        tokio::select! {
            result = &mut apply => break result,
            signal = interrupts.recv(), if !cancelling => {
                cancelling = true;
                cancel.cancel();
                if !json {
                    // The terminal may be gone (SIGHUP): never fail on writing this.
                    let _ = writeln!(std::io::stderr(), "dockmaster: {signal}: cancelling: rolling back what was created…");
                }
            }
        }
    };
    match result {
        Ok(applied) => {
            let info = region::get(docker, project.name(), &plan.region).await.ok();
            if json {
                json_line(&Line::Result { region: &applied, info: info.as_ref() });
            } else {
                println!(
                    "region {} is up and healthy ({:.1} s): {}",
                    applied.region,
                    f64::from(applied.elapsed_ms) / 1000.0,
                    applied.server_url
                );
            }
            ExitCode::SUCCESS
        }
        Err(e) => error(json, &e),
    }
}

fn print_event(e: &ApplyEvent) {
    let mark = match e.status {
        StepStatus::Started => "▶",
        StepStatus::Done => "✓",
        StepStatus::Failed => "✗",
    };
    let detail = e.detail.as_deref().map(|d| format!(" — {d}")).unwrap_or_default();
    let mut out = std::io::stdout().lock();
    let _ = writeln!(
        out,
        "[{:>6.1}s] {mark} {:<26} {}{detail}",
        f64::from(e.elapsed_ms) / 1000.0,
        e.step.as_str(),
        e.target
    )
    .and_then(|_| out.flush());
}

fn print_plan(p: &RegionPlan) {
    let r = &p.request;
    println!("Region {} of project {}", p.region, p.project);
    println!(
        "Owner {}; {} CPU cores, {} GB; max {} players, {}, {}, {} credits, a {}",
        r.owner_id,
        r.cpu_cores,
        r.memory_gb,
        r.max_players,
        r.governance,
        r.economy,
        r.starting_credits,
        r.starting_ship
    );
    println!();
    let rows: Vec<Vec<String>> = p
        .containers
        .iter()
        .map(|c| {
            vec![
                c.name.clone(),
                c.role.label().to_string(),
                format!("{}{}", c.image, if c.image_present { "" } else { " (missing)" }),
                format!("{}", c.limits.cpus),
                format!("{} MB", c.limits.memory_mb),
                c.template.clone(),
            ]
        })
        .collect();
    crate::table::print_table(&["CONTAINER", "ROLE", "IMAGE", "CPUS", "MEMORY", "FROM TEMPLATE"], &rows);
    println!();
    let rows: Vec<Vec<String>> = p
        .networks
        .iter()
        .map(|n| {
            vec![
                n.name.clone(),
                plain(&n.action),
                n.subnet.clone().unwrap_or_default(),
                n.containers.join(", "),
            ]
        })
        .collect();
    crate::table::print_table(&["NETWORK", "ACTION", "SUBNET", "CONTAINERS"], &rows);
    if !p.volumes.is_empty() {
        println!();
        let rows: Vec<Vec<String>> = p
            .volumes
            .iter()
            .map(|v| vec![v.name.clone(), plain(&v.action), v.mounted_by.join(", ")])
            .collect();
        crate::table::print_table(&["VOLUME", "ACTION", "MOUNTED BY"], &rows);
    }
    println!();
    for port in &p.ports {
        println!(
            "Port: {}:{} -> {}:{}/{}",
            port.host_ip, port.host_port, port.container, port.container_port, port.protocol
        );
    }
    println!("Database: the server reaches it as {}:{} (user {})", p.db_host, p.db_port, p.db_user);
    println!(
        "Password: {} {} — {} (keychain service `{}`)",
        p.password.variable,
        p.password.shown,
        match p.password.action {
            region::plan::SecretAction::Generate => "generated and stored when created",
            region::plan::SecretAction::Reuse => "already in the keychain, reused",
        },
        p.password.keychain_service
    );
    for c in &p.containers {
        println!();
        println!("Environment of {}:", c.name);
        for e in &c.env {
            println!("  {}={}", e.name, e.value.shown);
        }
    }
    println!();
    println!("Server URL: {}", p.server_url);
    for w in &p.warnings {
        println!("warning: {w}");
    }
}

fn print_info(info: &RegionInfo, json: bool) {
    if json {
        crate::print_json(info);
    } else {
        print_regions(std::slice::from_ref(info));
    }
}

fn print_regions(regions: &[RegionInfo]) {
    if regions.is_empty() {
        println!("no regions (create one with `dockmaster region create NAME --owner UUID`)");
        return;
    }
    let rows: Vec<Vec<String>> = regions
        .iter()
        .map(|r| {
            let state = if r.interrupted.is_some() {
                "interrupted".to_string()
            } else if r.containers.is_empty() {
                "removed (volumes kept)".to_string()
            } else {
                plain(&r.state)
            };
            vec![
                r.name.clone(),
                state,
                plain(&r.health),
                r.server_url.clone().unwrap_or_default(),
                r.owner.clone().unwrap_or_default(),
                r.containers.iter().map(|c| c.name.clone()).collect::<Vec<_>>().join(", "),
            ]
        })
        .collect();
    crate::table::print_table(&["REGION", "STATE", "HEALTH", "SERVER", "OWNER", "CONTAINERS"], &rows);
    for r in regions {
        if let Some(i) = &r.interrupted {
            println!("{}: {}", r.name, i.fix);
        }
    }
}
