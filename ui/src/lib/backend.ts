// The one seam between the UI and the Rust side. Components and stores talk to a `Backend`; the Tauri
// implementation wraps the generated `commands` (src/lib/bindings.ts, never edited by hand) and turns every
// `{ status: "error" }` into a thrown `BackendError` that keeps the error's `code`.

import { open as openDialog } from "@tauri-apps/plugin-dialog";
import { commands, type AppError, type ProjectOverview, type SelectionReport } from "./bindings";

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
}

export const tauriBackend: Backend = {
  openProject: (dir) => unwrap(commands.openProject(dir)),
  selectionReport: (dir, profiles) => unwrap(commands.selectionReport(dir, profiles)),
  recentProjects: () => unwrap(commands.recentProjects()),
  forgetRecentProject: (dir) => unwrap(commands.forgetRecentProject(dir)),
  startupProject: () => unwrap(commands.startupProject()),
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
    case "IPC":
      return "Dockmaster's backend did not answer";
  }
}
