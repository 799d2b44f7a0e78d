// The one seam between the UI and the Rust side. Components and stores talk to a `Backend`; the Tauri
// implementation wraps the generated `commands` (src/lib/bindings.ts, never edited by hand) and turns every
// `{ status: "error" }` into a thrown `BackendError` that keeps the error's `code`.

import { Channel } from "@tauri-apps/api/core";
import { open as openDialog } from "@tauri-apps/plugin-dialog";
import type { StatsUpdate, StoreUpdate } from "./bindings";
import type { ExportReport, LogBatch, LogFilter, LogFollowInfo } from "./bindings";
import type { AppliedRegion, ApplyEvent, RegionInfo, RegionPlan, RegionRequest, RegionValidation, RemoveReport } from "./bindings";
import type { DriftReport, LifecycleEvent, LifecycleRequest, OperationResult, PreflightReport, VolumePlan } from "./bindings";
import type { DemoCopy, DemoImageEvent, DemoImageReport } from "./bindings";
import {
  commands,
  type AppError,
  type EnvironmentState,
  type ImportReport,
  type ProjectOverview,
  type SelectionReport,
} from "./bindings";

/** Codes the UI can branch on: the Rust `AppError` codes, plus `IPC` for a failure below them
 * (a command that is not registered or not permitted, a crashed backend…). */
export type ErrorCode = AppError["code"] | "IPC";

export interface UiError {
  code: ErrorCode;
  message: string;
}

export class BackendError extends Error implements UiError {
  readonly code: ErrorCode;

  constructor(error: UiError) {
    super(error.message);
    this.name = "BackendError";
    this.code = error.code;
  }
}

const APP_ERROR_CODES: ReadonlySet<string> = new Set<AppError["code"]>([
  "PROJECT_NOT_FOUND",
  "FILE_UNREADABLE",
  "COMPOSE_INVALID",
  "INVALID_TEMPLATE",
  "DESCRIPTOR_INVALID",
  "ENV_FILE_INVALID",
  "SETTINGS",
  "KEYCHAIN_UNAVAILABLE",
  "KEYCHAIN_LOCKED",
  "VALUE_INVALID",
  "ENV_CONFLICT",
  "ENV_FILE_WRITE",
  "LOG_REQUEST_INVALID",
  "LOG_EXPORT_FAILED",
  "REGION_INVALID",
  "REGION_TEMPLATE",
  "REGION_PREFLIGHT",
  "REGION_CONFLICT",
  "REGION_NO_FREE_PORT",
  "REGION_NO_FREE_SUBNET",
  "REGION_NOT_FOUND",
  "REGION_CONFIRM_VOLUMES",
  "REGION_APPLY_FAILED",
  "REGION_APPLY_CANCELLED",
  "REGION_ENGINE",
  "REGION_BUSY",
  "ENGINE_UNAVAILABLE",
  "OPERATION_BUSY",
  "PREFLIGHT_BLOCKED",
  "VOLUMES_UNCONFIRMED",
  "COMPOSE_MISSING",
  "OPERATION_INVALID",
  "OPERATION_FAILED",
  "LINK_REFUSED",
  "DEMO_COPY_FAILED",
  "DEMO_IMAGE_FAILED",
]);

/** Whatever a command rejected with, as a `UiError`. The generated wrapper types any non-`Error` rejection
 * as `AppError`, but Tauri itself rejects with plain strings (e.g. "Command foo not found"), so check. */
export function toUiError(raw: unknown): UiError {
  if (raw instanceof BackendError) return { code: raw.code, message: raw.message };
  if (typeof raw === "object" && raw !== null && "code" in raw) {
    const { code, message } = raw as { code: unknown; message?: unknown };
    if (typeof code === "string" && APP_ERROR_CODES.has(code)) {
      return { code: code as AppError["code"], message: typeof message === "string" ? message : String(code) };
    }
  }
  if (raw instanceof Error) return { code: "IPC", message: raw.message };
  if (typeof raw === "string") return { code: "IPC", message: raw };
  return { code: "IPC", message: "The backend failed without saying why." };
}

type Result<T> = { status: "ok"; data: T } | { status: "error"; error: AppError };

async function unwrap<T>(call: Promise<Result<T>>): Promise<T> {
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
async function plain(call: Promise<unknown>): Promise<void> {
  try {
    await call;
  } catch (e) {
    throw new BackendError(toUiError(e));
  }
}

export interface Backend {
  /** Reads the project and remembers it among the recent projects. */
  openProject(dir: string): Promise<ProjectOverview>;
  selectionReport(dir: string, profiles: string[]): Promise<SelectionReport>;
  recentProjects(): Promise<string[]>;
  /** Forgets one recent project; resolves to the remaining list. */
  forgetRecentProject(dir: string): Promise<string[]>;
  /** `--project DIR` from the command line, else the most recent project, else null. */
  startupProject(): Promise<string | null>;
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
  /** Follows the logs of `services` (empty: all), masked, replacing any earlier follow; the backend pushes
   * batches (at most every 50 ms or 500 lines) to `onBatch`. */
  followLogs(dir: string, services: string[], onBatch: (batch: LogBatch) => void): Promise<LogFollowInfo>;
  stopLogs(): Promise<void>;
  /** Asks where to save (the backend opens the save dialog), then writes the followed lines that pass `filter`
   * there, masked, atomically; null when the dialog was cancelled. */
  exportLogs(dir: string, filter: LogFilter, suggestedName: string): Promise<ExportReport | null>;
  /** A region request's field errors (empty when valid), checked against the existing regions when the engine
   * answers. Creates nothing. */
  regionValidate(dir: string, request: RegionRequest): Promise<RegionValidation>;
  /** Everything creating the region would create or join; nothing is created. */
  regionPlan(dir: string, request: RegionRequest): Promise<RegionPlan>;
  /** Creates the region (the plan last reviewed for this request), pushing every step to `onProgress`; on
   * failure or cancel the backend rolls back what it created and rejects. */
  regionApply(dir: string, request: RegionRequest, onProgress: (event: ApplyEvent) => void): Promise<AppliedRegion>;
  /** Cancels the running apply; false when none runs. */
  regionCancel(): Promise<boolean>;
  regionList(dir: string): Promise<RegionInfo[]>;
  /** Starts the database, then the server, each waited on until healthy. */
  regionStart(dir: string, name: string): Promise<RegionInfo>;
  regionStop(dir: string, name: string): Promise<RegionInfo>;
  /** Removes the region; its volumes (and database password) only when `confirmedVolumes` names exactly them. */
  regionRemove(dir: string, name: string, confirmedVolumes: string[] | null): Promise<RemoveReport>;
  /** An existing region's plan, rebuilt from the engine (environment masked). */
  regionShow(dir: string, name: string): Promise<RegionPlan>;
  /** Runs one Compose operation to its end, pushing every progress event to `onEvent`. A Compose run that
   * fails resolves with outcome `failed` and the evidence; a rejection means it could not run. */
  lifecycleRun(dir: string, request: LifecycleRequest, onEvent: (event: LifecycleEvent) => void): Promise<OperationResult>;
  /** Cancels the operation running on the project; false when none runs. */
  lifecycleCancel(dir: string): Promise<boolean>;
  /** What `up` checks first (ports, variables, engine, Compose, memory, disk); starts nothing. */
  lifecyclePreflight(dir: string, profiles: string[], services: string[]): Promise<PreflightReport>;
  /** The project's named volumes a remove with volumes would delete. */
  lifecycleVolumePlan(dir: string): Promise<VolumePlan>;
  /** Which running services run an older configuration than the files say (needs recreate). */
  lifecycleDrift(dir: string, profiles: string[]): Promise<DriftReport>;
  /** Copies the demo project into the app's data folder, unless a copy is there already (then left as it is);
   * resolves to the folder to open. */
  demoInstall(): Promise<DemoCopy>;
  /** Makes sure the demo's image exists on the engine, building it locally when missing (never pulled), pushing
   * each step to `onProgress`. */
  demoImage(onProgress: (event: DemoImageEvent) => void): Promise<DemoImageReport>;
}

export const tauriBackend: Backend = {
  openProject: (dir) => unwrap(commands.openProject(dir)),
  selectionReport: (dir, profiles) => unwrap(commands.selectionReport(dir, profiles)),
  recentProjects: () => unwrap(commands.recentProjects()),
  forgetRecentProject: (dir) => unwrap(commands.forgetRecentProject(dir)),
  startupProject: () => unwrap(commands.startupProject()),
  async watchEngine(dir, profiles, onUpdate) {
    await unwrap(commands.watchEngine(dir, profiles, new Channel<StoreUpdate>(onUpdate)));
  },
  async setEngineSelection(dir, profiles) {
    await unwrap(commands.setEngineSelection(dir, profiles));
  },
  unwatchEngine: () => plain(commands.unwatchEngine()),
  async watchStats(dir, services, onStats) {
    await unwrap(commands.watchStats(dir, services, new Channel<StatsUpdate>(onStats)));
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
  followLogs: (dir, services, onBatch) => unwrap(commands.followLogs(dir, services, new Channel<LogBatch>(onBatch))),
  stopLogs: () => plain(commands.stopLogs()),
  exportLogs: (dir, filter, suggestedName) => unwrap(commands.exportLogs(dir, filter, suggestedName)),
  regionValidate: (dir, request) => unwrap(commands.regionValidate(dir, request)),
  regionPlan: (dir, request) => unwrap(commands.regionPlan(dir, request)),
  regionApply: (dir, request, onProgress) =>
    unwrap(commands.regionApply(dir, request, new Channel<ApplyEvent>(onProgress))),
  async regionCancel() {
    try {
      return await commands.regionCancel();
    } catch (e) {
      throw new BackendError(toUiError(e));
    }
  },
  regionList: (dir) => unwrap(commands.regionList(dir)),
  regionStart: (dir, name) => unwrap(commands.regionStart(dir, name)),
  regionStop: (dir, name) => unwrap(commands.regionStop(dir, name)),
  regionRemove: (dir, name, confirmedVolumes) => unwrap(commands.regionRemove(dir, name, confirmedVolumes)),
  regionShow: (dir, name) => unwrap(commands.regionShow(dir, name)),
  lifecycleRun: (dir, request, onEvent) =>
    unwrap(commands.lifecycleRun(dir, request, new Channel<LifecycleEvent>(onEvent))),
  async lifecycleCancel(dir) {
    try {
      return await commands.lifecycleCancel(dir);
    } catch (e) {
      throw new BackendError(toUiError(e));
    }
  },
  lifecyclePreflight: (dir, profiles, services) => unwrap(commands.lifecyclePreflight(dir, profiles, services)),
  lifecycleVolumePlan: (dir) => unwrap(commands.lifecycleVolumePlan(dir)),
  lifecycleDrift: (dir, profiles) => unwrap(commands.lifecycleDrift(dir, profiles)),
  demoInstall: () => unwrap(commands.demoInstall()),
  demoImage: (onProgress) => unwrap(commands.demoImage(new Channel<DemoImageEvent>(onProgress))),
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
export function errorTitle(code: ErrorCode): string {
  switch (code) {
    case "PROJECT_NOT_FOUND":
      return "Project not found";
    case "FILE_UNREADABLE":
      return "A file could not be read";
    case "COMPOSE_INVALID":
      return "The Compose file is invalid";
    case "INVALID_TEMPLATE":
      return "A variable template is invalid";
    case "DESCRIPTOR_INVALID":
      return "The stack descriptor is invalid";
    case "ENV_FILE_INVALID":
      return "The .env file is invalid";
    case "SETTINGS":
      return "Dockmaster's settings could not be read or saved";
    case "KEYCHAIN_UNAVAILABLE":
      return "The OS keychain is not available";
    case "KEYCHAIN_LOCKED":
      return "The OS keychain is locked";
    case "VALUE_INVALID":
      return "The value was not saved";
    case "ENV_CONFLICT":
      return "The .env file changed on disk";
    case "ENV_FILE_WRITE":
      return "The .env file could not be written";
    case "LOG_REQUEST_INVALID":
      return "The logs could not be shown as asked";
    case "LOG_EXPORT_FAILED":
      return "The logs could not be exported";
    case "REGION_INVALID":
      return "The region request is invalid";
    case "REGION_TEMPLATE":
      return "The project has no usable region template";
    case "REGION_PREFLIGHT":
      return "The stack this region joins is not running";
    case "REGION_CONFLICT":
      return "A name the region needs is taken";
    case "REGION_NO_FREE_PORT":
      return "No free host port for the region's server";
    case "REGION_NO_FREE_SUBNET":
      return "No free subnet for the region's network";
    case "REGION_NOT_FOUND":
      return "Region not found";
    case "REGION_CONFIRM_VOLUMES":
      return "Deleting the region's volumes needs confirmation";
    case "REGION_APPLY_FAILED":
      return "The region could not be created";
    case "REGION_APPLY_CANCELLED":
      return "Creating the region was cancelled";
    case "REGION_ENGINE":
      return "The Docker engine refused a region request";
    case "REGION_BUSY":
      return "A region is being created already";
    case "ENGINE_UNAVAILABLE":
      return "The Docker engine is not available";
    case "OPERATION_BUSY":
      return "Another operation is running on this project";
    case "PREFLIGHT_BLOCKED":
      return "The start was blocked by the preflight";
    case "VOLUMES_UNCONFIRMED":
      return "Deleting the volumes needs confirmation";
    case "COMPOSE_MISSING":
      return "Docker Compose is not available";
    case "OPERATION_INVALID":
      return "The operation cannot be run as asked";
    case "OPERATION_FAILED":
      return "Compose could not be started";
    case "LINK_REFUSED":
      return "The link was not opened";
    case "DEMO_COPY_FAILED":
      return "The demo project could not be copied";
    case "DEMO_IMAGE_FAILED":
      return "The demo's image could not be built";
    case "IPC":
      return "Dockmaster's backend did not answer";
  }
}
