//! Terminals and commands in the project's service containers through the session: the running container of a
//! service (from the supervisor's store), its shell or the database/cache client the stack descriptor names
//! (credentials resolved as Compose resolves the service's environment, keychain included, and handed over in
//! the command's environment only), output masked with the project's secrets, the container's own and those
//! credentials. The window's terminals belong to the session (input, resize, close by ID) and end when their
//! command exits or their container stops.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

use tokio::io::AsyncWriteExt;
use tokio::sync::{mpsc, watch};

use super::{blocking, lock, Inner, Session};
use crate::engine::ops::{ExecSpec, TextMask};
use crate::engine::{DockerEngine, EngineOps, EngineSnapshot, RunState};
use crate::error::{ErrorCode, ErrorReport};
use crate::project::{OpenOptions, Project};
use crate::secrets::gather::{from_env_entries, gather_with};
use crate::secrets::{keychain, Keychain, Masker, SecretsError, Sensitive};
use crate::tools::terminal::{exit_status, find_shell};
use crate::tools::{clients, ExecControl, ExecInfo, ExecRequest, MaskedOutput, ServiceExec};
use crate::tools::{TerminalEvent, TerminalInfo, Utf8Pieces};

/// The window's open terminals.
#[derive(Default)]
pub(super) struct TerminalsSlot {
    next: AtomicU32,
    open: Mutex<HashMap<u32, Open>>,
}

struct Open {
    input: mpsc::UnboundedSender<Vec<u8>>,
    control: ExecControl,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl Drop for Open {
    fn drop(&mut self) {
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}

type Sink = Arc<dyn Fn(TerminalEvent) -> bool + Send + Sync>;

/// Variables and their values (credentials, keychain entries).
type Values = Vec<(String, Sensitive<String>)>;

/// A service's client: its name, command, environment, and the credentials that could not be found.
struct ClientSetup {
    name: String,
    cmd: Vec<String>,
    env: Values,
    missing: Vec<String>,
}

/// The running container of `service` in the store: (ID, name, image).
fn running_container(
    snapshot: &EngineSnapshot,
    service: &str,
) -> Result<(String, String, String), ErrorReport> {
    let found = snapshot.services.iter().find(|s| s.name == service);
    let running = found.and_then(|s| {
        s.containers.iter().find(|c| !c.one_off && c.state == RunState::Running && c.region.is_none())
    });
    match (found, running) {
        (_, Some(c)) => Ok((c.id.clone(), c.name.clone(), c.image.clone())),
        (state, None) => Err(ErrorReport::new(
            ErrorCode::ServiceNotRunning,
            format!(
                "`{service}` is not running{}: start it first (Start in the window, or `dockmaster up {service}`)",
                state.map(|s| format!(" (it is {:?})", s.state).to_lowercase()).unwrap_or_default()
            ),
        )),
    }
}

/// Whether the container `id` runs, as the store has it.
fn runs(snapshot: &EngineSnapshot, id: &str) -> bool {
    snapshot.services.iter().flat_map(|s| &s.containers).any(|c| c.id == id && c.state == RunState::Running)
}

/// What the blocking part (keychain, files) prepares: the client's command and environment, and the masker.
struct Prepared {
    client: Option<(String, Vec<String>)>,
    env: Vec<(String, Sensitive<String>)>,
    masker: Masker,
    warnings: Vec<String>,
}

/// The keychain's values, or why they cannot be used: a keychain that does not exist holds nothing; one that is
/// locked or failing is an error (its values could be neither given nor masked).
fn keychain_values(project: &Project) -> Result<Result<Values, SecretsError>, ErrorReport> {
    let values = Keychain::open(project.root()).and_then(|k| k.all());
    match &values {
        Ok(_) | Err(SecretsError::NoSessionBus { .. } | SecretsError::NoProvider { .. }) => Ok(values),
        Err(e) => Err(ErrorReport::from(e)),
    }
}

/// The client of `service` and its environment, resolved as Compose resolves the service's environment with
/// the keychain's values (which win over the process environment and `.env`).
fn client_setup(
    options: &OpenOptions,
    project: &Project,
    keychain_values: &[(String, Sensitive<String>)],
    profiles: &[String],
    service: &str,
    image: &str,
) -> Result<ClientSetup, ErrorReport> {
    let none = std::collections::BTreeMap::new();
    let known = project.descriptor().map_or(&none, |d| &d.clients);
    let Some((name, spec)) = clients::client_for(known, service, Some(image)) else {
        let listed: Vec<String> = known
            .iter()
            .map(|(n, c)| {
                format!(
                    "{n} for {}",
                    c.services.iter().chain(&c.images).cloned().collect::<Vec<_>>().join(", ")
                )
            })
            .collect();
        return Err(ErrorReport::new(
            ErrorCode::NoClient,
            format!(
                "no database or cache client is named for `{service}` ({}): add one under [clients] in the \
                 project's .dockmaster.toml (command, services or images, env), or open its shell instead",
                if listed.is_empty() {
                    "the stack descriptor names none".to_string()
                } else {
                    listed.join("; ")
                }
            ),
        ));
    };
    let mut vars = options.process_env.clone().unwrap_or_else(crate::env::Environment::process_vars);
    for (k, v) in keychain_values.iter().filter(|(k, _)| !keychain::reserved(k)) {
        vars.insert(k.clone(), v.expose().clone());
    }
    let with_keychain = Project::open(OpenOptions { process_env: Some(vars), ..options.clone() })?;
    let mut resolved = with_keychain.resolve(profiles)?;
    let active = resolved.model.services.get(service).is_some_and(|s| s.is_active(profiles));
    if !active {
        if let Some(own) = resolved.model.services.get(service).map(|s| s.profiles.clone()) {
            resolved = with_keychain.resolve(&own)?;
        }
    }
    let entries = resolved.model.services.get(service).map(|s| s.environment.clone()).unwrap_or_default();
    let service_env = |name: &str| {
        let entry = entries.iter().find(|e| e.name == name)?;
        entry.value.as_ref().map(|v| Sensitive::new(v.value.clone()))
    };
    let project_var = |name: &str| with_keychain.environment().lookup(name).map(Sensitive::new);
    let (env, missing) = clients::environment(spec, service, &service_env, &project_var);
    Ok(ClientSetup { name: name.to_string(), cmd: clients::command(spec, service), env, missing })
}

impl Session {
    /// Starts `request` in the service's running container: the given command, else the service's client
    /// (`client`), else its shell (bash, else sh). Output is masked; the caller owns the command (its input,
    /// output, resize, exit code). `UNKNOWN_SERVICE`, `SERVICE_NOT_RUNNING`, `NO_CLIENT`, `NO_SHELL`, or the
    /// keychain's code when it is locked (its secrets could be neither given nor masked).
    pub async fn exec_in_service(&self, request: ExecRequest) -> Result<ServiceExec, ErrorReport> {
        let project = self.project();
        let defined: Vec<String> =
            project.resolve(&project.profile_names())?.model.services.keys().cloned().collect();
        if !defined.contains(&request.service) {
            return Err(ErrorReport::new(
                ErrorCode::UnknownService,
                format!(
                    "no service `{}` in this project; its services are: {}",
                    request.service,
                    defined.join(", ")
                ),
            ));
        }
        let handle = self.engine_ready().await?;
        let (container_id, container_name, image) = running_container(&handle.snapshot(), &request.service)?;
        let engine = handle.connected().await?;
        let inspected =
            engine.inspect_container(&container_id, TextMask::With(&Masker::none())).await.map_err(|e| {
                ErrorReport::new(
                    ErrorCode::EngineUnavailable,
                    format!("cannot inspect {container_name}: {e}"),
                )
            })?;
        let own_env: Vec<String> = inspected.env.iter().map(|(k, v)| format!("{k}={}", v.expose())).collect();

        let options = self.inner.options.clone();
        let profiles = self.desired_profiles();
        let (service, wants_client) = (request.service.clone(), request.client && request.command.is_empty());
        let prepared = blocking(move || {
            let values = keychain_values(&project)?;
            let mut warnings = Vec::new();
            let mut client = None;
            let mut env = Vec::new();
            if wants_client {
                let setup = client_setup(
                    &options,
                    &project,
                    values.as_deref().unwrap_or_default(),
                    &profiles,
                    &service,
                    &image,
                )?;
                client = Some((setup.name, setup.cmd));
                env = setup.env;
                warnings.extend(setup.missing);
            }
            let mut set = gather_with(&project, values.as_deref());
            set.values.extend(from_env_entries(own_env.iter().map(String::as_str)).values);
            // The credentials that are secrets (a password, not the user name the client also gets).
            let policy = project.secret_policy();
            set.values.extend(env.iter().filter(|(name, _)| policy.may_be_secret(name)).cloned());
            warnings.extend(set.warnings());
            Ok(Prepared { client, env, masker: Masker::from_set(&set), warnings })
        })
        .await?;

        let (cmd, client) = if !request.command.is_empty() {
            (request.command.clone(), None)
        } else if let Some((name, cmd)) = prepared.client {
            (cmd, Some(name))
        } else {
            (vec![find_shell(&engine, &container_id, &request.service).await?], None)
        };
        let mut env = prepared.env;
        let credentials: Vec<String> = env.iter().map(|(k, _)| k.clone()).collect();
        if request.tty {
            env.push(("TERM".to_string(), Sensitive::new("xterm-256color".to_string())));
        }
        let spec = ExecSpec { cmd: cmd.clone(), env, tty: request.tty, stdin: true, ..Default::default() };
        let exec = engine.exec(&container_id, &spec).await.map_err(|e| {
            ErrorReport::new(ErrorCode::ExecFailed, format!("cannot run {} in {container_name}: {e}", cmd[0]))
        })?;
        let control = ExecControl { engine: engine.clone(), id: exec.id };
        if request.tty {
            control.resize(request.cols, request.rows).await?;
        }
        Ok(ServiceExec {
            info: ExecInfo {
                service: request.service,
                container: container_name,
                program: cmd[0].clone(),
                client,
                credentials,
                warnings: prepared.warnings,
            },
            container_id,
            output: MaskedOutput::new(exec.output, Arc::new(prepared.masker)),
            input: exec.input,
            control,
        })
    }

    /// Opens a terminal (TTY) in the service's container for the window: output goes to `sink` as text, input
    /// and resizes come through [`Session::terminal_input`] and [`Session::resize_terminal`]. It ends (a
    /// `closed` event) when the command exits or the container stops.
    pub async fn open_terminal(
        &self,
        request: ExecRequest,
        sink: impl Fn(TerminalEvent) -> bool + Send + Sync + 'static,
    ) -> Result<TerminalInfo, ErrorReport> {
        let exec = self.exec_in_service(ExecRequest { tty: true, ..request }).await?;
        let snapshots = self.engine().await?.watch();
        let slot = &self.inner.terminals;
        let id = slot.next.fetch_add(1, Ordering::Relaxed) + 1;
        let (tx, rx) = mpsc::unbounded_channel();
        let info = exec.info.clone();
        let control = exec.control.clone();
        lock(&slot.open).insert(id, Open { input: tx, control, task: None });
        let task = tokio::spawn(pump(exec, rx, snapshots, Arc::new(sink), Arc::downgrade(&self.inner), id));
        match lock(&slot.open).get_mut(&id) {
            Some(open) => open.task = Some(task),
            None => drop(task), // it ended already: let it finish
        }
        Ok(TerminalInfo { id, info })
    }

    /// Sends what the user typed (or pasted) to terminal `id`.
    pub fn terminal_input(&self, id: u32, data: Vec<u8>) -> Result<(), ErrorReport> {
        let sent = lock(&self.inner.terminals.open).get(&id).map(|open| open.input.send(data).is_ok());
        match sent {
            Some(true) => Ok(()),
            _ => Err(not_open(id)),
        }
    }

    /// Tells terminal `id` its new size.
    pub async fn resize_terminal(&self, id: u32, cols: u16, rows: u16) -> Result<(), ErrorReport> {
        let control = lock(&self.inner.terminals.open).get(&id).map(|open| open.control.clone());
        control.ok_or_else(|| not_open(id))?.resize(cols, rows).await
    }

    /// Closes terminal `id` (its command gets end of input and a hang-up); false when it was not open.
    pub fn close_terminal(&self, id: u32) -> bool {
        lock(&self.inner.terminals.open).remove(&id).is_some()
    }
}

fn not_open(id: u32) -> ErrorReport {
    ErrorReport::new(ErrorCode::TerminalNotFound, format!("terminal {id} is closed: open a new one"))
}

/// Moves one terminal's output to the window and its input to the command until either ends or its container
/// stops; then says why, and leaves the session's list.
async fn pump(
    exec: ServiceExec,
    mut input: mpsc::UnboundedReceiver<Vec<u8>>,
    mut snapshots: watch::Receiver<EngineSnapshot>,
    sink: Sink,
    session: Weak<Inner>,
    id: u32,
) {
    let ServiceExec { info, container_id, mut output, input: mut writer, control } = exec;
    let mut text = Utf8Pieces::default();
    let mut input_open = true;
    let mut reason: Option<String> = None;
    loop {
        tokio::select! {
            piece = output.next() => match piece {
                Some(Ok(piece)) => {
                    let shown = text.push(piece.bytes());
                    if !shown.is_empty() && !sink(TerminalEvent::Output { data: shown }) {
                        reason = Some("the window closed it".into());
                        break;
                    }
                }
                Some(Err(e)) => {
                    reason = Some(format!("the engine connection broke: {e}"));
                    break;
                }
                None => break,
            },
            data = input.recv(), if input_open => match data {
                Some(data) => {
                    if writer.write_all(&data).await.is_err() || writer.flush().await.is_err() {
                        input_open = false;
                    }
                }
                None => {
                    input_open = false;
                    let _ = writer.shutdown().await;
                }
            },
            changed = snapshots.changed() => {
                if changed.is_err() {
                    reason = Some("the engine connection was closed".into());
                    break;
                }
                if !runs(&snapshots.borrow(), &container_id) {
                    break;
                }
            }
        }
    }
    let rest = text.finish();
    if !rest.is_empty() {
        sink(TerminalEvent::Output { data: rest });
    }
    let exit_code = control.exit_code(Duration::from_millis(500)).await.ok().flatten().map(exit_status);
    let stopped = container_stopped(&control.engine, &container_id, exit_code).await;
    let reason = match (reason, stopped, exit_code) {
        (_, true, _) => format!("{} stopped", info.service),
        (Some(r), _, _) => r,
        (None, _, Some(code)) => format!("{} exited with status {code}", info.program),
        (None, _, None) => format!("{} ended", info.program),
    };
    // Out of the session's list before the window hears it closed (input after `closed` is TERMINAL_NOT_FOUND).
    if let Some(inner) = session.upgrade() {
        let removed = lock(&inner.terminals.open).remove(&id);
        if let Some(mut open) = removed {
            // This task is ending by itself: detach it rather than abort it.
            drop(open.task.take());
        }
    }
    sink(TerminalEvent::Closed { reason, exit_code });
}

async fn still_running(engine: &DockerEngine, id: &str) -> bool {
    match engine.inspect_container(id, TextMask::With(&Masker::none())).await {
        Ok(c) => c.status.state == RunState::Running,
        Err(_) => false,
    }
}

/// Whether the command ended because its container stopped. A command killed by a signal (status 128 + n, or
/// none) may have been killed by the stop itself, which the engine reports a moment later: then the container
/// is watched for up to 2 s.
async fn container_stopped(engine: &DockerEngine, id: &str, exit_code: Option<i32>) -> bool {
    let patience = if exit_code.is_none_or(|c| c >= 128) { Duration::from_secs(2) } else { Duration::ZERO };
    let deadline = tokio::time::Instant::now() + patience;
    loop {
        if !still_running(engine, id).await {
            return true;
        }
        if tokio::time::Instant::now() >= deadline {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
