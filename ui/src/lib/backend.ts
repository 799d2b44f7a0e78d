// The one seam between the UI and the Rust side. Components and stores talk to a `Backend`; the Tauri
// implementation wraps the generated `commands` (src/lib/bindings.ts, never edited by hand) and turns every
// `{ status: "error" }` into a thrown `BackendError` that keeps the error's `code`.

import { Channel } from "@tauri-apps/api/core";
import { open as openDialog } from "@tauri-apps/plugin-dialog";
import type { StatsUpdate, StoreUpdate } from "./bindings";
import type { ExportReport, LogBatch, LogFilter, LogFollowInfo } from "./bindings";
import type { AppliedRegion, ApplyEvent, RegionInfo, RegionPlan, RegionRequest, RegionsEverywhere } from "./bindings";
import type { RegionNetwork, RegionPlace, RegionValidation, RemoveReport } from "./bindings";
import type { DriftReport, LifecycleEvent, OperationRequest, OperationResult, PreflightReport, VolumePlan } from "./bindings";
import type { BundleContents, DemoCopy, DemoImageEvent, DemoImageReport, DoctorReport, ImageCopied, ImageCopyEvent, SavedBundle } from "./bindings";
import type { FixReport, KeychainChange } from "./bindings";
import type { AboutInfo, DesktopEvent } from "./bindings";
import type { ExecRequest, TerminalEvent, TerminalInfo } from "./bindings";
import type { BackupReport, ProjectVolume, RestoreReport, VolumeProgress, VolumesByPurpose } from "./bindings";
import type { EngineAddRequest, EngineAdded, EngineInfo, EngineStatus, ErrorDetail, ProjectEngine } from "./bindings";
import {
  commands,
  ERROR_CODES,
  type ErrorCode as CoreErrorCode,
  type ErrorReport as AppError,
  type EnvironmentState,
  type ImportReport,
  type ProjectOverview,
  type SelectionReport,
  type SessionEvent,
} from "./bindings";

/** Codes the UI can branch on: the core's `ErrorCode`s (generated, the same the CLI prints), plus `IPC` for a
 * failure below them (a command that is not registered or not permitted, a crashed backend…). */
export type ErrorCode = CoreErrorCode | "IPC";

export interface UiError {
  code: ErrorCode;
  message: string;
  /** What some failures carry besides their sentence (e.g. the SSH host key to confirm). */
  detail?: ErrorDetail | null;
}

export class BackendError extends Error implements UiError {
  readonly code: ErrorCode;
  readonly detail: ErrorDetail | null;

  constructor(error: UiError) {
    super(error.message);
    this.name = "BackendError";
    this.code = error.code;
    this.detail = error.detail ?? null;
  }
}

const APP_ERROR_CODES: ReadonlySet<string> = new Set<string>(ERROR_CODES);

/** Whatever a command rejected with, as a `UiError`. The generated wrapper types any non-`Error` rejection
 * as `AppError`, but Tauri itself rejects with plain strings (e.g. "Command foo not found"), so check. */
export function toUiError(raw: unknown): UiError {
  if (raw instanceof BackendError) {
    return raw.detail ? { code: raw.code, message: raw.message, detail: raw.detail } : { code: raw.code, message: raw.message };
  }
  if (typeof raw === "object" && raw !== null && "code" in raw) {
    const { code, message, window, detail } = raw as { code: unknown; message?: unknown; window?: unknown; detail?: unknown };
    if (typeof code === "string" && APP_ERROR_CODES.has(code)) {
      // The window's own wording (buttons, not `dockmaster` commands) when the backend gives one.
      const text = typeof window === "string" ? window : typeof message === "string" ? message : String(code);
      const error: UiError = { code: code as CoreErrorCode, message: text };
      // Only failures that carry something (e.g. the SSH host key to confirm) have a detail.
      if (typeof detail === "object" && detail !== null) error.detail = detail as ErrorDetail;
      return error;
    }
  }
  if (raw instanceof Error) return { code: "IPC", message: raw.message };
  if (typeof raw === "string") return { code: "IPC", message: raw };
  return { code: "IPC", message: "The backend failed without saying why." };
}

type Result<T> = { status: "ok"; data: T } | { status: "error"; error: AppError };

export async function unwrap<T>(call: Promise<Result<T>>): Promise<T> {
  let result: Result<T>;
  try {
    result = await call;
  } catch (e) {
    throw new BackendError(toUiError(e));
  }
  if (result.status === "error") throw new BackendError(toUiError(result.error));
  return result.data;
}

/** A call that returns nothing and has no typed error (plain `invoke`, plugins). */
export async function plain(call: Promise<unknown>): Promise<void> {
  try {
    await call;
  } catch (e) {
    throw new BackendError(toUiError(e));
  }
}

export interface Backend {
  /** Reads the project and remembers it among the recent projects. */
  openProject(dir: string): Promise<ProjectOverview>;
  /** The open project as its files are now, without reading them (after a `projectChanged`). */
  projectOverview(dir: string): Promise<ProjectOverview>;
  /** Pushes the project's events (its files changed on disk, or cannot be read now) to `onEvent`. */
  watchProject(dir: string, onEvent: (event: SessionEvent) => void): Promise<void>;
  selectionReport(dir: string, profiles: string[]): Promise<SelectionReport>;
  recentProjects(): Promise<string[]>;
  /** Forgets one recent project; resolves to the remaining list. */
  forgetRecentProject(dir: string): Promise<string[]>;
  /** `--project DIR` from the command line, else the most recent project, else null. */
  startupProject(): Promise<string | null>;
  /** The profile selection last shown for a project (its overview's root), null when never changed. */
  rememberedSelection(dir: string): Promise<string[] | null>;
  /** Remembers the selection shown for a project, to show it again when the project reopens. */
  rememberSelection(dir: string, profiles: string[]): Promise<void>;
  /** Pushes what another launch of the app asks (open its `--project`) to `onEvent`, first what waited. */
  watchDesktop(onEvent: (event: DesktopEvent) => void): Promise<void>;
  /** Name, version and identifier for the About panel. */
  about(): Promise<AboutInfo>;
  /** The first dashboard with the engine's state was painted at `atMs` (ms since the epoch). */
  firstPaint(atMs: number, marks: string): Promise<void>;
  /** Asks the user for a project folder; null when cancelled. */
  pickProjectFolder(): Promise<string | null>;
  /** Follows the engine for the project, replacing any earlier watch. The backend pushes to `onUpdate`: first
   * the current state (a `synced`-kind update carrying the snapshot), then every change. Never polled. */
  watchEngine(dir: string, profiles: string[], onUpdate: (update: StoreUpdate) => void): Promise<void>;
  /** The profile selection changed: which services are desired. */
  setEngineSelection(dir: string, profiles: string[]): Promise<void>;
  unwatchEngine(): Promise<void>;
  /** Streams usage of the running containers of `services` (those on screen) and of the host to `onStats`,
   * replacing the previous stats stream's target and services. */
  watchStats(dir: string, services: string[], onStats: (update: StatsUpdate) => void): Promise<void>;
  unwatchStats(): Promise<void>;
  /** Opens an http(s) link to this machine in the default browser (the backend refuses any other). */
  openUrl(url: string): Promise<void>;
  /** Every variable of the selection by group, with rules and the `.env` revision it was read at. */
  envCatalog(dir: string, profiles: string[]): Promise<EnvironmentState>;
  /** Writes a non-secret into `.env`; rejects with ENV_CONFLICT when `.env` is no longer at
   * `expectedRevision`. Resolves to the new revision. */
  setVariable(dir: string, name: string, value: string, expectedRevision: string): Promise<string>;
  /** Validates a secret, stores it in the OS keychain and reads it back. */
  setSecret(dir: string, name: string, value: string): Promise<void>;
  /** Generates and stores a secret by its rule; resolves to its length. */
  generateSecret(dir: string, name: string): Promise<number>;
  /** Removes a secret from the keychain; false when it was not there. */
  deleteSecret(dir: string, name: string): Promise<boolean>;
  /** A secret's value, for an explicit "Reveal" only; null when it has none. */
  revealSecret(dir: string, name: string): Promise<string | null>;
  /** Moves the secret values of `.env` into the keychain and blanks them in `.env`. */
  importSecrets(dir: string): Promise<ImportReport>;
  /** Asks the Secret Service to create a default keychain (the desktop asks for its password). */
  keychainCreate(dir: string): Promise<KeychainChange>;
  /** Asks the Secret Service to unlock the default keychain (the desktop asks for its password). */
  keychainUnlock(dir: string): Promise<KeychainChange>;
  /** Follows the logs of `services` (empty: all), masked, replacing any earlier follow; the backend pushes
   * batches (at most every 50 ms or 500 lines) to `onBatch`. */
  followLogs(dir: string, services: string[], onBatch: (batch: LogBatch) => void): Promise<LogFollowInfo>;
  stopLogs(): Promise<void>;
  /** Asks where to save (the backend opens the save dialog), then writes the followed lines that pass `filter`
   * there, masked, atomically; null when the dialog was cancelled. */
  exportLogs(dir: string, filter: LogFilter, suggestedName: string): Promise<ExportReport | null>;
  /** A region request's field errors (empty when valid), checked against the existing regions when the engine
   * answers. Creates nothing. */
  regionValidate(dir: string, engine: string | null, request: RegionRequest): Promise<RegionValidation>;
  /** Everything creating the region would create or join; nothing is created. `standalone`: joining none of
   * the stack's networks, only its own. */
  regionPlan(dir: string, engine: string | null, request: RegionRequest, standalone: boolean): Promise<RegionPlan>;
  /** Creates the region (the plan last reviewed for this request), pushing every step to `onProgress`; on
   * failure or cancel the backend rolls back what it created and rejects. */
  regionApply(
    dir: string,
    engine: string | null,
    request: RegionRequest,
    standalone: boolean,
    onProgress: (event: ApplyEvent) => void,
  ): Promise<AppliedRegion>;
  /** Cancels the running apply; false when none runs. */
  regionCancel(): Promise<boolean>;
  /** Every known engine's regions (`engine` on each), and which engines could not be listed (why). */
  regionList(dir: string): Promise<RegionsEverywhere>;
  /** Where a new region can go: every known engine, and whether the stack's networks are there. */
  regionPlaces(dir: string): Promise<RegionPlace[]>;
  /** The networks the project's region containers on its engine are on, with the driver and subnets the engine
   * gave each (the network picture's region bands). */
  regionNetworks(dir: string): Promise<RegionNetwork[]>;
  /** Starts the database, then the server, each waited on until healthy. */
  regionStart(dir: string, engine: string | null, name: string): Promise<RegionInfo>;
  regionStop(dir: string, engine: string | null, name: string): Promise<RegionInfo>;
  /** Removes the region; its volumes (and database password) only when `confirmedVolumes` names exactly them. */
  regionRemove(dir: string, engine: string | null, name: string, confirmedVolumes: string[] | null): Promise<RemoveReport>;
  /** An existing region's plan, rebuilt from the engine (environment masked). */
  regionShow(dir: string, engine: string | null, name: string): Promise<RegionPlan>;
  /** Runs one Compose operation to its end, pushing every progress event to `onEvent`. A Compose run that
   * fails resolves with outcome `failed` and the evidence; a rejection means it could not run. */
  lifecycleRun(dir: string, request: OperationRequest, onEvent: (event: LifecycleEvent) => void): Promise<OperationResult>;
  /** Fix and start: the backend fixes what the preflight can fix without asking (missing secrets generated, the
   * stack's suggested values written to `.env`), pushes what it did to `onFixed`, then runs the start as
   * `lifecycleRun` does. */
  lifecycleFixAndRun(
    dir: string,
    request: OperationRequest,
    onFixed: (fixed: FixReport) => void,
    onEvent: (event: LifecycleEvent) => void,
  ): Promise<OperationResult>;
  /** Cancels the operation running on the project; false when none runs. */
  lifecycleCancel(dir: string): Promise<boolean>;
  /** What `up` checks first (ports, variables, engine, Compose, memory, disk); starts nothing. */
  lifecyclePreflight(dir: string, profiles: string[], services: string[]): Promise<PreflightReport>;
  /** The project's named volumes a remove with volumes would delete. */
  lifecycleVolumePlan(dir: string): Promise<VolumePlan>;
  /** Which running services run an older configuration than the files say (needs recreate). */
  lifecycleDrift(dir: string, profiles: string[]): Promise<DriftReport>;
  /** Every check of this machine for the selection `profiles`: ok, warning or failing, each with its fix. */
  doctor(dir: string, profiles: string[]): Promise<DoctorReport>;
  /** Builds the diagnostics bundle (every entry masked) and lists what it holds; nothing is written yet. */
  diagnosticsPrepare(dir: string, profiles: string[], lines: number): Promise<BundleContents>;
  /** Asks where to save (the backend's save dialog) and writes the bundle listed last; `null` when cancelled. */
  diagnosticsSave(dir: string): Promise<SavedBundle | null>;
  /** Every engine (`default` first), without connecting. */
  enginesList(): Promise<EngineInfo[]>;
  /** Connects to one engine; `acceptHostKey` records the SSH host key with that fingerprint first. */
  engineTest(name: string, acceptHostKey: string | null): Promise<EngineStatus>;
  /** Tests the connection, then saves the engine as a Docker context. */
  engineAdd(request: EngineAddRequest): Promise<EngineAdded>;
  /** Removes an engine; one Dockmaster did not create only when `confirmed`. */
  engineRemove(name: string, confirmed: boolean): Promise<void>;
  /** The engine the project runs on. */
  projectEngine(dir: string): Promise<ProjectEngine>;
  /** Moves the project to `engine` (null: the Docker CLI's current context) and remembers it. */
  useEngine(dir: string, engine: string | null): Promise<ProjectEngine>;
  /** Asks the user for a file; null when cancelled. */
  pickFile(title: string): Promise<string | null>;
  /** Copies the demo project into the app's data folder, unless a copy is there already (then left as it is);
   * resolves to the folder to open. */
  demoInstall(): Promise<DemoCopy>;
  /** Makes sure the demo's image exists on the engine, building it locally when missing (never pulled), pushing
   * each step to `onProgress`. */
  demoImage(onProgress: (event: DemoImageEvent) => void): Promise<DemoImageReport>;
  /** Copies `image` from this machine's engine to the engine `engine` (streamed, never pulled), pushing the KiB
   * sent to `onProgress`; an image already there with the same ID is not sent again. */
  imageCopy(image: string, engine: string, onProgress: (event: ImageCopyEvent) => void): Promise<ImageCopied>;
  /** Opens a terminal in a service's running container (its shell, else its client or a command); the backend
   * pushes its output (masked) and then one `closed` event to `onEvent`. */
  openTerminal(dir: string, request: ExecRequest, onEvent: (event: TerminalEvent) => void): Promise<TerminalInfo>;
  /** Sends what was typed or pasted to terminal `id`. */
  terminalInput(dir: string, id: number, data: string): Promise<void>;
  /** Tells terminal `id` its size in character cells. */
  resizeTerminal(dir: string, id: number, cols: number, rows: number): Promise<void>;
  /** Closes terminal `id`; false when it was closed already. */
  closeTerminal(dir: string, id: number): Promise<boolean>;
  /** The project's named volumes (every profile's), who mounts each, whether the engine has it. */
  volumeList(dir: string): Promise<ProjectVolume[]>;
  /** The selection's named volumes grouped by the stack descriptor's purposes, with their services and sizes on
   * disk from the engine (or why unknown), and the selection's bind mounts. */
  volumePurposes(dir: string, profiles: string[]): Promise<VolumesByPurpose>;
  /** Asks where to save (the backend's dialog), then backs `volume` up there, pushing the bytes read to
   * `onProgress`; null when the dialog was cancelled. */
  volumeBackup(dir: string, volume: string, suggestedName: string, onProgress: (p: VolumeProgress) => void): Promise<BackupReport | null>;
  /** Asks which backup to restore (the backend's dialog), then replaces `volume`'s files with it once `confirm`
   * is its exact name, pushing the bytes sent to `onProgress`; null when the dialog was cancelled. */
  volumeRestore(dir: string, volume: string, confirm: string, onProgress: (p: VolumeProgress) => void): Promise<RestoreReport | null>;
  /** Cancels the running backup or restore (it then fails with VOLUME_JOB_CANCELLED, saying what state the
   * volume is in); false when none runs. */
  volumeCancel(dir: string): Promise<boolean>;
}

export const tauriBackend: Backend = {
  openProject: (dir) => unwrap(commands.openProject(dir)),
  projectOverview: (dir) => unwrap(commands.projectOverview(dir)),
  async watchProject(dir, onEvent) {
    await unwrap(commands.watchProject(dir, new Channel<SessionEvent>(onEvent)));
  },
  selectionReport: (dir, profiles) => unwrap(commands.selectionReport(dir, profiles)),
  recentProjects: () => unwrap(commands.recentProjects()),
  forgetRecentProject: (dir) => unwrap(commands.forgetRecentProject(dir)),
  startupProject: () => unwrap(commands.startupProject()),
  rememberedSelection: (dir) => unwrap(commands.rememberedSelection(dir)),
  rememberSelection: async (dir, profiles) => {
    await unwrap(commands.rememberSelection(dir, profiles));
  },
  watchDesktop: (onEvent) => plain(commands.watchDesktop(new Channel<DesktopEvent>(onEvent))),
  about: async () => {
    try {
      return await commands.about();
    } catch (e) {
      throw new BackendError(toUiError(e));
    }
  },
  firstPaint: (atMs, marks) => plain(commands.firstPaint(atMs, marks)),
  async watchEngine(dir, profiles, onUpdate) {
    await unwrap(commands.watchEngine(dir, profiles, new Channel<StoreUpdate>(onUpdate)));
  },
  async setEngineSelection(dir, profiles) {
    await unwrap(commands.setEngineSelection(dir, profiles));
  },
  unwatchEngine: () => plain(commands.unwatchEngine()),
  async watchStats(dir, services, onStats) {
    // A second's samples arrive in one message; the store takes them one by one.
    const channel = new Channel<StatsUpdate[]>((batch) => batch.forEach(onStats));
    await unwrap(commands.watchStats(dir, services, channel));
  },
  unwatchStats: () => plain(commands.unwatchStats()),
  openUrl: async (url) => {
    await unwrap(commands.openLink(url));
  },
  envCatalog: (dir, profiles) => unwrap(commands.envCatalog(dir, profiles)),
  setVariable: (dir, name, value, expectedRevision) =>
    unwrap(commands.setVariable(dir, name, value, expectedRevision)),
  setSecret: async (dir, name, value) => {
    await unwrap(commands.setSecret(dir, name, value));
  },
  generateSecret: (dir, name) => unwrap(commands.generateSecret(dir, name)),
  deleteSecret: (dir, name) => unwrap(commands.deleteSecret(dir, name)),
  revealSecret: (dir, name) => unwrap(commands.revealSecret(dir, name)),
  importSecrets: (dir) => unwrap(commands.importSecrets(dir)),
  keychainCreate: (dir) => unwrap(commands.keychainCreate(dir)),
  keychainUnlock: (dir) => unwrap(commands.keychainUnlock(dir)),
  followLogs: (dir, services, onBatch) => unwrap(commands.followLogs(dir, services, new Channel<LogBatch>(onBatch))),
  stopLogs: () => plain(commands.stopLogs()),
  exportLogs: (dir, filter, suggestedName) => unwrap(commands.exportLogs(dir, filter, suggestedName)),
  regionValidate: (dir, engine, request) => unwrap(commands.regionValidate(dir, engine, request)),
  regionPlan: (dir, engine, request, standalone) => unwrap(commands.regionPlan(dir, engine, request, standalone)),
  regionApply: (dir, engine, request, standalone, onProgress) =>
    unwrap(commands.regionApply(dir, engine, request, standalone, new Channel<ApplyEvent>(onProgress))),
  async regionCancel() {
    try {
      return await commands.regionCancel();
    } catch (e) {
      throw new BackendError(toUiError(e));
    }
  },
  regionList: (dir) => unwrap(commands.regionList(dir)),
  regionPlaces: (dir) => unwrap(commands.regionPlaces(dir)),
  regionNetworks: (dir) => unwrap(commands.regionNetworks(dir)),
  regionStart: (dir, engine, name) => unwrap(commands.regionStart(dir, engine, name)),
  regionStop: (dir, engine, name) => unwrap(commands.regionStop(dir, engine, name)),
  regionRemove: (dir, engine, name, confirmedVolumes) =>
    unwrap(commands.regionRemove(dir, engine, name, confirmedVolumes)),
  regionShow: (dir, engine, name) => unwrap(commands.regionShow(dir, engine, name)),
  lifecycleRun: (dir, request, onEvent) =>
    unwrap(commands.lifecycleRun(dir, request, new Channel<LifecycleEvent>(onEvent))),
  lifecycleFixAndRun: (dir, request, onFixed, onEvent) =>
    unwrap(
      commands.lifecycleFixAndRun(dir, request, new Channel<FixReport>(onFixed), new Channel<LifecycleEvent>(onEvent)),
    ),
  lifecycleCancel: (dir) => unwrap(commands.lifecycleCancel(dir)),
  lifecyclePreflight: (dir, profiles, services) => unwrap(commands.lifecyclePreflight(dir, profiles, services)),
  lifecycleVolumePlan: (dir) => unwrap(commands.lifecycleVolumePlan(dir)),
  lifecycleDrift: (dir, profiles) => unwrap(commands.lifecycleDrift(dir, profiles)),
  doctor: (dir, profiles) => unwrap(commands.doctor(dir, profiles)),
  diagnosticsPrepare: (dir, profiles, lines) => unwrap(commands.diagnosticsPrepare(dir, profiles, lines)),
  diagnosticsSave: (dir) => unwrap(commands.diagnosticsSave(dir)),
  enginesList: () => commands.enginesList(),
  engineTest: (name, acceptHostKey) => unwrap(commands.engineTest(name, acceptHostKey)),
  engineAdd: (request) => unwrap(commands.engineAdd(request)),
  engineRemove: async (name, confirmed) => {
    await unwrap(commands.engineRemove(name, confirmed));
  },
  projectEngine: (dir) => unwrap(commands.projectEngine(dir)),
  useEngine: (dir, engine) => unwrap(commands.useEngine(dir, engine)),
  async pickFile(title) {
    try {
      const picked = await openDialog({ directory: false, multiple: false, title });
      return typeof picked === "string" ? picked : null;
    } catch (e) {
      throw new BackendError(toUiError(e));
    }
  },
  demoInstall: () => unwrap(commands.demoInstall()),
  demoImage: (onProgress) => unwrap(commands.demoImage(new Channel<DemoImageEvent>(onProgress))),
  imageCopy: (image, engine, onProgress) =>
    unwrap(commands.imageCopy(image, engine, new Channel<ImageCopyEvent>(onProgress))),
  openTerminal: (dir, request, onEvent) => unwrap(commands.openTerminal(dir, request, new Channel<TerminalEvent>(onEvent))),
  terminalInput: async (dir, id, data) => {
    await unwrap(commands.terminalInput(dir, id, data));
  },
  resizeTerminal: async (dir, id, cols, rows) => {
    await unwrap(commands.resizeTerminal(dir, id, cols, rows));
  },
  closeTerminal: (dir, id) => unwrap(commands.closeTerminal(dir, id)),
  volumeList: (dir) => unwrap(commands.volumeList(dir)),
  volumePurposes: (dir, profiles) => unwrap(commands.volumePurposes(dir, profiles)),
  volumeBackup: (dir, volume, suggestedName, onProgress) =>
    unwrap(commands.volumeBackup(dir, volume, suggestedName, new Channel<VolumeProgress>(onProgress))),
  volumeRestore: (dir, volume, confirm, onProgress) =>
    unwrap(commands.volumeRestore(dir, volume, confirm, new Channel<VolumeProgress>(onProgress))),
  volumeCancel: (dir) => unwrap(commands.volumeCancel(dir)),
  async pickProjectFolder() {
    try {
      const picked = await openDialog({ directory: true, multiple: false, title: "Open a Compose project folder" });
      return typeof picked === "string" ? picked : null;
    } catch (e) {
      throw new BackendError(toUiError(e));
    }
  },
};

/** Human labels for error codes, shown above the backend's own message. */
const TITLES: Record<ErrorCode, string> = {
  PROJECT_NOT_FOUND: "Project not found",
  FILE_UNREADABLE: "A file could not be read",
  FILE_REFUSED: "A file was refused",
  COMPOSE_INVALID: "The Compose file is invalid",
  INVALID_TEMPLATE: "A variable template is invalid",
  DESCRIPTOR_INVALID: "The stack descriptor is invalid",
  ENV_FILE_INVALID: "The .env file is invalid",
  UNKNOWN_PROFILE: "Unknown profile",
  ENGINE_ENDPOINT_INVALID: "The Docker endpoint cannot be used",
  ENGINE_UNAVAILABLE: "The Docker engine is not available",
  ENGINE_NOT_FOUND: "No such engine",
  ENGINE_EXISTS: "An engine with that name exists",
  ENGINE_NAME_INVALID: "Not a valid engine name",
  ENGINE_NOT_OURS: "Removing that engine needs confirmation",
  ENGINE_IN_USE: "That engine is the current Docker context",
  ENGINE_WRITE_FAILED: "The engine could not be saved",
  HOST_KEY_UNKNOWN: "The host's key is not known yet",
  HOST_KEY_CHANGED: "The host's key has changed",
  HOST_KEY_MISMATCH: "The host offered another key",
  SSH_KEY_MISSING: "The SSH key file is missing",
  IMAGE_NOT_FOUND: "This machine's engine has no such image",
  IMAGE_COPY_FAILED: "The image could not be copied",
  COMPOSE_NOT_FOUND: "Docker Compose is not installed",
  COMPOSE_UNAVAILABLE: "That Docker Compose version is not available",
  COMPOSE_FLAVOR_INVALID: "Unknown Docker Compose version",
  COMPOSE_SPAWN_FAILED: "Compose could not be started",
  OPERATION_BUSY: "Another operation is running on this project",
  OPERATION_LOCK_FAILED: "The project's operation lock could not be taken",
  PREFLIGHT_BLOCKED: "The start was blocked by the preflight",
  VOLUMES_UNCONFIRMED: "Deleting the volumes needs confirmation",
  UNKNOWN_SERVICE: "Unknown service",
  NO_SERVICES_ALLOWED: "This operation works on the whole project",
  KEYCHAIN_NO_SESSION_BUS: "The OS keychain is not available",
  KEYCHAIN_NO_PROVIDER: "The OS keychain is not available",
  KEYCHAIN_LOCKED: "The OS keychain is locked",
  KEYCHAIN_NO_COLLECTION: "The OS keychain has no default collection",
  KEYCHAIN_UNAVAILABLE: "The OS keychain is not available",
  KEYCHAIN_VERIFY_FAILED: "The OS keychain did not keep the value",
  KEYCHAIN_PROMPT_DISMISSED: "The keychain's password prompt was cancelled",
  VARIABLE_NAME_INVALID: "Not a valid variable name",
  VARIABLE_NOT_FOUND: "The variable is not in .env",
  UNKNOWN_VARIABLE: "Not a variable of this project",
  RESERVED_NAME: "That name is reserved",
  VALUE_INVALID: "The value was not saved",
  SECRET_EMPTY: "A secret needs a value",
  SECRET_NOT_UTF8: "The stored secret is not text",
  NO_GENERATOR: "This value cannot be generated",
  ENV_FILE_CONFLICT: "The .env file changed on disk",
  ENV_FILE_WRITE: "The .env file could not be written",
  ENV_FILE_SYMLINK: "The .env file is a link",
  LOG_TIME_INVALID: "Not a time",
  LOG_PATTERN_INVALID: "Not a valid search pattern",
  LOG_EXPORT_FAILED: "The logs could not be exported",
  DIAGNOSTICS_FAILED: "The diagnostics bundle could not be saved",
  REGION_INVALID: "The region request is invalid",
  REGION_OPTIONS_INVALID: "The region options are invalid",
  REGION_TEMPLATE: "The project has no usable region template",
  REGION_PREFLIGHT: "The stack this region joins is not running",
  REGION_CONFLICT: "A name the region needs is taken",
  REGION_NO_FREE_PORT: "No free host port for the region's server",
  REGION_NO_FREE_SUBNET: "No free subnet for the region's network",
  REGION_NOT_FOUND: "Region not found",
  REGION_APPLY_FAILED: "The region could not be created",
  REGION_APPLY_CANCELLED: "Creating the region was cancelled",
  REGION_ENGINE: "The Docker engine refused a region request",
  DEMO_FOLDER_TAKEN: "The demo's folder holds something else",
  DEMO_COPY_FAILED: "The demo project could not be copied",
  BUSYBOX_MISSING: "The demo's image needs busybox-static",
  DEMO_IMAGE_FAILED: "The demo's image could not be built",
  SERVICE_NOT_RUNNING: "The service is not running",
  NO_SHELL: "The container has no shell",
  NO_CLIENT: "No database or cache client for this service",
  TERMINAL_NOT_FOUND: "The terminal is closed",
  VOLUME_NOT_FOUND: "Volume not found",
  VOLUME_IN_USE: "Another container uses this volume",
  RESTORE_UNCONFIRMED: "The restore was not confirmed",
  ARCHIVE_INVALID: "The backup archive is damaged or incomplete",
  BACKUP_FAILED: "The backup failed",
  RESTORE_FAILED: "The restore failed",
  VOLUME_JOB_CANCELLED: "The backup or restore was cancelled",
  SETTINGS_FAILED: "Dockmaster's settings could not be read or saved",
  LINK_REFUSED: "The link was not opened",
  LOG_FOLDER_FAILED: "The log folder could not be opened",
  USAGE: "The request was not understood",
  INPUT_UNREADABLE: "The input could not be read",
  EXEC_FAILED: "The command could not be run",
  INTERNAL: "Dockmaster failed unexpectedly",
  IPC: "Dockmaster's backend did not answer",
};

export function errorTitle(code: ErrorCode): string {
  return TITLES[code];
}
